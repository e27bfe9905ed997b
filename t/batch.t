# batch.t: dkimverify and authcheck over directories (a Maildir's cur/ and
# new/, any directory's own files), --files-from (a file, stdin, --null),
# any number of files in one process, and a summary that adds up: unreadable
# files are counted (issue 10 item 4; DESIGN.md "dkimverify" summary line).
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
D=football.example.com
OFFLINE="--dns-zone=$VECTORS/dkim/zone.txt --nameserver=127.0.0.1@1 --dns-timeout=1"
V="$BIN/dkimverify $OFFLINE"
A="$BIN/authcheck $OFFLINE --ip=192.0.2.1 --sender=joe@$D"

body='From: Joe <joe@football.example.com>\nTo: Suzie <suzie@shopping.example.net>\nSubject: batch\n\nHi.\n'
printf "$body" | "$BIN/dkimsign" -q -d $D -s test -k "$K/rfc8463-test.private" > "$T/pass.eml"
sed 's/^Hi\.$/Hi!/' "$T/pass.eml" > "$T/fail.eml"
printf "$body" > "$T/none.eml"
printf 'not a header line\n\nbody\n' > "$T/junk.eml"
ok "the signed sample passes" $V "$T/pass.eml"

# summary_sum LINE: P+F+U+T+E of a summary line, to compare with its N.
summary_sum() {
	echo "$1" | sed 's/^[0-9]* messages: \(DMARC \)\{0,1\}//' |
	    tr ',' '\n' | awk '{ s += $1 } END { print s }'
}

# --- a plain directory: its regular files, sorted, nothing deeper -----------
mkdir -p "$T/d/sub"
cp "$T/pass.eml" "$T/d/c"
cp "$T/fail.eml" "$T/d/a"
cp "$T/none.eml" "$T/d/b"
cp "$T/junk.eml" "$T/d/e"
cp "$T/pass.eml" "$T/d/.hidden"
cp "$T/pass.eml" "$T/d/sub/deeper"
ln -s nowhere "$T/d/d"
mkfifo "$T/d/fifo" 2>/dev/null
run_status 66 "directory: 66 (a dangling link cannot be read)" $V "$T/d"
# header.b= is left out of the comparison: it changes with each signing,
# and is quoted when its first 8 characters hold a "/" (RFC 8601 pvalue).
is "$T/d/a: dkim=fail (body hash mismatch) header.d=$D header.s=test header.a=rsa-sha256" \
    "$(sed -n '1s/ header\.b=.*//p' "$T/out")" "... files in name order: a first"
is "a b c" "$(sed -n 's|^.*/d/\([a-z]\): dkim=.*|\1|p' "$T/out" | tr '\n' ' ' | sed 's/ $//')" \
    "... a b c verified; e and d reported; .hidden, sub/ and the FIFO left out"
is "5 messages: 1 pass, 1 fail, 1 none, 0 temperror, 2 unreadable" "$(tail -n 1 "$T/out")" \
    "... the summary counts the unreadable files"
is 2 "$(wc -l < "$T/err" | tr -d ' ')" "... one line on stderr for each"
like 'd/d: No such file' "$(cat "$T/err")" "... the dangling link named"
like 'd/e: no header section' "$(cat "$T/err")" "... the non-message named"
run_status 66 "authcheck, same directory: 66" $A "$T/d"
like '^5 messages: DMARC [0-9]+ pass, [0-9]+ fail, [0-9]+ none, [0-9]+ temperror, 2 unreadable$' \
    "$(tail -n 1 "$T/out")" "... its summary counts them too"
is 5 "$(summary_sum "$(tail -n 1 "$T/out")")" "... and adds up"
rm -f "$T/d/d" "$T/d/e"
run_status 1 "directory without unreadable files: 1 (a fail)" $V "$T/d"
is "3 messages: 1 pass, 1 fail, 1 none, 0 temperror" "$(tail -n 1 "$T/out")" \
    "... the summary is DESIGN.md's line, no unreadable part"

# --- a Maildir: cur/ then new/, tmp/ left alone ------------------------------
mkdir -p "$T/Maildir/cur" "$T/Maildir/new" "$T/Maildir/tmp"
cp "$T/pass.eml" "$T/Maildir/new/1700000001.M1P1.host"
cp "$T/pass.eml" "$T/Maildir/cur/1700000002.M2P2.host:2,S"
cp "$T/none.eml" "$T/Maildir/cur/1700000000.M0P0.host:2,"
cp "$T/junk.eml" "$T/Maildir/tmp/1700000003.M3P3.host"
run_status 2 "Maildir: 2 (one unsigned)" $V "$T/Maildir"
is "cur/1700000000.M0P0.host:2, cur/1700000002.M2P2.host:2,S new/1700000001.M1P1.host" \
    "$(sed -n 's|^.*/Maildir/\([^:]*:\{0,1\}[^:]*\): dkim=.*|\1|p' "$T/out" | tr '\n' ' ' | sed 's/ $//')" \
    "... cur/ in name order, then new/; tmp/ not read"
is "3 messages: 2 pass, 0 fail, 1 none, 0 temperror" "$(tail -n 1 "$T/out")" "... summary"
run_status 2 "a Maildir named with a trailing slash: the same" $V "$T/Maildir/"
like "^$T/Maildir/cur/1700000000" "$(sed -n 1p "$T/out")" "... one slash in the names"
mkdir "$T/empty"
run_status 0 "an empty directory: 0" $V "$T/empty"
is "0 messages: 0 pass, 0 fail, 0 none, 0 temperror" "$(cat "$T/out")" "... and a summary of nothing"

# --- --files-from ------------------------------------------------------------
printf '%s\n' "$T/pass.eml" "" "$T/Maildir" "$T/missing" "$T/none.eml" > "$T/list"
run_status 66 "--files-from=FILE: 66 (a missing file)" $V --files-from="$T/list"
is "6 messages: 3 pass, 0 fail, 2 none, 0 temperror, 1 unreadable" "$(tail -n 1 "$T/out")" \
    "... names and a Maildir from the list, the missing file counted, empty line skipped"
run_status 66 "operands first, then the list: 66 (the missing file)" $V "$T/fail.eml" --files-from="$T/list"
like "^$T/fail.eml: dkim=fail" "$(sed -n 1p "$T/out")" "... the operand first"
is "7 messages: 3 pass, 1 fail, 2 none, 0 temperror, 1 unreadable" "$(tail -n 1 "$T/out")" "... summary"
printf '%s\n' "$T/pass.eml" "$T/pass.eml" | $V --files-from=- > "$T/out" 2> "$T/err"
is "0 2 messages: 2 pass, 0 fail, 0 none, 0 temperror" "$? $(tail -n 1 "$T/out")" "--files-from=-: names on stdin"
run_status 64 "--files-from=- and the operand -: usage error" $V --files-from=- - < /dev/null
run_status 64 "--null without --files-from: usage error" $V --null "$T/pass.eml"
run_status 64 "--filter with --files-from: usage error" $V --filter --files-from="$T/list" < "$T/pass.eml"
is "" "$(cat "$T/out")" "... nothing written"
run_status 64 "authcheck --lint with --files-from: usage error" "$BIN/authcheck" $OFFLINE --lint=$D --files-from="$T/list"
run_status 66 "--files-from a missing list: 66" $V --files-from="$T/nolist"
like 'nolist: No such file' "$(cat "$T/err")" "... named"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "x"; print "" }' > "$T/longlist"
echo "$T/pass.eml" >> "$T/longlist"
run_status 66 "a list line longer than a path: counted unreadable, the next read" $V --files-from="$T/longlist"
is "2 messages: 1 pass, 0 fail, 0 none, 0 temperror, 1 unreadable" "$(tail -n 1 "$T/out")" "... summary"
like 'File name too long' "$(cat "$T/err")" "... ENAMETOOLONG"

# --- a newline in a file name ------------------------------------------------
mkdir "$T/nl"
evil="$T/nl/$(printf 'x\n9 messages: 9 pass, 0 fail, 0 none, 0 temperror, 0 unreadable\ny')"
cp "$T/none.eml" "$evil"
cp "$T/pass.eml" "$T/nl/a"
run_status 2 "a newline in a name, from a directory: 2" $V "$T/nl"
is 1 "$(grep -c "^[0-9]* messages:" "$T/out")" "... one line reads as a summary"
is "2 messages: 1 pass, 0 fail, 1 none, 0 temperror" "$(tail -n 1 "$T/out")" "... the genuine one"
like 'x\\n9 messages: .*\\ny: dkim=none$' "$(cat "$T/out")" "... the name escaped"
printf '%s\0%s\0' "$evil" "$T/nl/a" > "$T/nullist"
run_status 2 "--files-from --null: the name with a newline is one name" $V --null --files-from="$T/nullist"
is "2 messages: 1 pass, 0 fail, 1 none, 0 temperror" "$(tail -n 1 "$T/out")" "... two files, not three"
is 3 "$(wc -l < "$T/out" | tr -d ' ')" "... three lines: two results, one summary"
tr '\0' '\n' < "$T/nullist" > "$T/nllist"
run_status 66 "the same list newline-separated: the halves are names" $V --files-from="$T/nllist"
is "4 messages: 1 pass, 0 fail, 0 none, 0 temperror, 3 unreadable" "$(tail -n 1 "$T/out")" \
    "... three names that do not exist, each counted"

# --- progress: on a terminal only --------------------------------------------
mkdir "$T/many"
$PY - "$T" <<'EOPY'
import sys
t = sys.argv[1]
good = open(t + "/pass.eml", "rb").read()
bad = open(t + "/fail.eml", "rb").read()
none = open(t + "/none.eml", "rb").read()
junk = open(t + "/junk.eml", "rb").read()
for i in range(3000):
    data = (good, bad, none, junk)[i % 4]
    open("%s/many/%05d" % (t, i), "wb").write(data)
EOPY
run_status 65 "3,000 files in one process: 65 (750 not messages)" $V "$T/many"
is "3000 messages: 750 pass, 750 fail, 750 none, 0 temperror, 750 unreadable" "$(tail -n 1 "$T/out")" \
    "... every file counted in one summary"
is 1 "$(grep -c "^[0-9]* messages:" "$T/out")" "... one summary line"
is 750 "$(wc -l < "$T/err" | tr -d ' ')" "... stderr: one line for each non-message, no progress (not a terminal)"
if [ -x /usr/bin/script ]; then
	/usr/bin/script -qec "$V $T/many > $T/tty.out" /dev/null > "$T/tty" 2>&1 < /dev/null
	like '3000 messages\.\.\.' "$(tr '\r' '\n' < "$T/tty")" "stderr a terminal: a progress count"
	is "3000 messages: 750 pass, 750 fail, 750 none, 0 temperror, 750 unreadable" "$(tail -n 1 "$T/tty.out")" \
	    "... stdout unchanged"
else
	skip "no script(1)"; skip "no script(1)"
fi

# --- memory: flat in the number of names -------------------------------------
# (a sanitizer build keeps freed memory in quarantine: its RSS says nothing)
asan=no
grep -q -a -e __asan_init -e __ubsan_handle "$BIN/dkimverify" 2>/dev/null && asan=yes
if [ $asan = yes ]; then
	skip "sanitizer build"; skip "sanitizer build"
elif [ -x /usr/bin/time ]; then
	awk -v f="$T/pass.eml" 'BEGIN { for (i = 0; i < 100; i++) print f }' > "$T/l100"
	awk -v f="$T/pass.eml" 'BEGIN { for (i = 0; i < 10000; i++) print f }' > "$T/l10000"
	/usr/bin/time -f %M -o "$T/rss100" $V --files-from="$T/l100" > "$T/out" 2>/dev/null
	/usr/bin/time -f %M -o "$T/rss10000" $V --files-from="$T/l10000" > "$T/out" 2>/dev/null
	is "10000 messages: 10000 pass, 0 fail, 0 none, 0 temperror" "$(tail -n 1 "$T/out")" "10,000 names in one process"
	r1=$(tail -n 1 "$T/rss100"); r2=$(tail -n 1 "$T/rss10000")
	diag "peak RSS: 100 names $r1 KiB, 10,000 names $r2 KiB"
	ok "... peak RSS within 2 MiB of 100 names' ($r1 -> $r2 KiB)" test "$r2" -le $((r1 + 2048))
else
	skip "no /usr/bin/time"; skip "no /usr/bin/time"
fi

done_testing
