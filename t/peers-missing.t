# peers-missing.t: a missing peer tool outside CI skips its interop file
# whole, and `make check` must then say so in one line (issue 12 item 10):
# need_peers (t/lib.sh) records every missing name of a file, not just the
# first; t/peers-missing.sh (check-local) prints them all; in CI the file
# fails naming them all.  Everything runs against a scratch BUILD, never
# the real one.
. "${SOURCE:-t}/lib.sh"
plan_lazy

B=$T/build
mkdir -p "$B/t"
LIB=$SOURCE/lib.sh
# fake.t: two peers missing, one present, as an interop file checks them
cat > "$T/fake.t" <<EOT
. "$LIB"
want_peer fake-a false
want_peer present true
want_peer fake-b sh -c 'exit 1'
need_peers
echo "ok 1 - not reached"
EOT
BUILD=$B CI= sh "$T/fake.t" > "$T/out" 2> "$T/err"
is 0 "$?" "missing peers outside CI: exit 0 (a skip)"
is "1..0 # SKIP peers not installed: fake-a, fake-b" "$(cat "$T/out")" \
	"... one SKIP line naming both missing peers, nothing run"
is "fake-a
fake-b" "$(cat "$B/t/peers-missing/fake" 2>/dev/null)" "... both recorded in BUILD/t/peers-missing/fake"

BUILD=$B CI=true sh "$T/fake.t" > "$T/out" 2> "$T/err"
is 1 "$?" "in CI: exit 1"
like '^not ok 1 - peers not installed \(CI requires them\): fake-a, fake-b$' \
	"$(sed -n 2p "$T/out")" "... a failure naming both"

# A real interop file with its peer off PATH: only the tools lib.sh itself
# needs are reachable, so perl (Mail::DKIM) is not.
mkdir "$T/bin"
for tool in sh mktemp rm basename tr sed mkdir cat; do
	ln -s "$(command -v $tool)" "$T/bin/$tool"
done
PATH=$T/bin BUILD=$B CI= "$T/bin/sh" "$SOURCE/domainkeys-maildkim.t" > "$T/out" 2> "$T/err"
is "1..0 # SKIP peers not installed: Mail::DKIM" "$(cat "$T/out")" \
	"domainkeys-maildkim.t without perl on PATH: skipped, Mail::DKIM named"

"$SOURCE/peers-missing.sh" "$B/t/peers-missing" > "$T/line"
is "make check: peers missing, interop skipped: Mail::DKIM, fake-a, fake-b (in domainkeys-maildkim.t fake.t)" \
	"$(cat "$T/line")" "peers-missing.sh: one line naming every missing peer and file"

# all peers there again: the file's record goes, the line with it
printf '. "%s"\nwant_peer fake-a true\nneed_peers\necho "ok 1 - not reached"\n' "$LIB" > "$T/fake.t"
BUILD=$B CI= sh "$T/fake.t" > "$T/out" 2> "$T/err"
is "ok 1 - not reached" "$(cat "$T/out")" "every peer present: the file runs"
ok "... and its record is removed" test ! -e "$B/t/peers-missing/fake"
rm -f "$B/t/peers-missing/domainkeys-maildkim"
is "" "$("$SOURCE/peers-missing.sh" "$B/t/peers-missing")" "no record: peers-missing.sh prints nothing"
is "" "$("$SOURCE/peers-missing.sh" "$T/nonexistent")" "no record directory: nothing"
done_testing
