# dkimsign-memory.t: a 100 MiB message signs and verifies (from a pipe
# and from a file) within 32 MiB of peak resident memory: the body is
# streamed, never held.  The RSS checks are skipped for sanitizer builds
# (ASan's shadow memory is not ours).
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
D=football.example.com
LIMIT_KIB=32768
VERIFY="$BIN/dkimverify --dns-zone=$VECTORS/dkim/zone.txt --nameserver=127.0.0.1@1"

asan=no
if grep -q -a -e __asan_init -e __ubsan_handle "$BIN/dkimsign" 2>/dev/null; then asan=yes; fi
[ -x /usr/bin/time ] || skip_all "/usr/bin/time not installed"

# 100 MiB: a header, then 1024-byte lines (some trailing spaces for the
# relaxed canonicaliser to work on)
big() {
	printf 'From: Joe <joe@football.example.com>\r\nSubject: big\r\n\r\n'
	"$PY" -c '
import sys
line = (b"x" * 1000 + b"   \t ").ljust(1022, b"y") + b"\r\n"
chunk = line * 1024
for _ in range(100):
    sys.stdout.buffer.write(chunk)
'
}

rss_ok() { # file description
	if [ $asan = yes ]; then skip "RSS under a sanitizer: $2"; return; fi
	_kib=$(tail -n 1 "$1")
	ok "$2 (peak RSS ${_kib} KiB <= $LIMIT_KIB)" test "$_kib" -le $LIMIT_KIB
}

big > "$T/big.eml"
cat "$T/big.eml" | /usr/bin/time -f %M -o "$T/rss.sign" "$BIN/dkimsign" -d $D -s test -k "$K/rfc8463-test.private" \
	-s brisbane -k "$K/rfc8463-brisbane.ed25519.seed.b64" > "$T/big.signed"
is 0 $? "100 MiB message from a pipe signs"
tail -c "$(wc -c < "$T/big.eml")" "$T/big.signed" | cmp -s - "$T/big.eml"
is 0 $? "output ends with the input, unchanged"
rm -f "$T/big.eml"
rss_ok "$T/rss.sign" "signing from a pipe"

/usr/bin/time -f %M -o "$T/rss.verify" $VERIFY < "$T/big.signed" > "$T/out"
is 0 $? "the signed file verifies (read in place)"
is 2 "$(grep -c '^dkim=pass' "$T/out")" "... both signatures pass"
rss_ok "$T/rss.verify" "verifying a file"

cat "$T/big.signed" | /usr/bin/time -f %M -o "$T/rss.verify2" $VERIFY --filter > /dev/null
is 0 $? "--filter from a pipe"
rss_ok "$T/rss.verify2" "verifying a pipe with --filter"
rm -f "$T/big.signed"

done_testing
