# escape.t: control bytes from file names, addresses and messages are
# escaped in every diagnostic and output line (issue 8): a newline in a
# batch file name used to print a line of its own (a forged "N messages:"
# summary), and CR, ESC or DEL from an address reached stderr, --trace
# and pra's output raw.  util_escape() writes \n, \r, \t, \xHH.
. "${SOURCE:-t}/lib.sh"
plan_lazy

ESC=$(printf '\033')
CR=$(printf '\r')
cat > "$T/zone" <<'EOZ'
$ORIGIN example.
$TTL 300
fail		IN TXT	"v=spf1 -all"
pra		IN TXT	"spf2.0/pra ip4:192.0.2.1 -all"
expl		IN TXT	"v=spf1 -all exp=e.expl.example"
e.expl		IN TXT	"denied for %{l}"
EOZ
OFFLINE="--dns-zone=$T/zone --nameserver=127.0.0.1@1 --dns-timeout=1"
# raw FILE: FILE holds a byte below 0x20 other than LF, or DEL
raw() { LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"; }

# --- dkimverify batch: file names ------------------------------------------
mkdir "$T/b"
printf 'From: joe@example.com\r\nSubject: x\r\n\r\nbody\r\n' > "$T/b/a.eml"
evil="$T/b/$(printf 'x\n9 messages: 9 pass, 0 fail, 0 none, 0 temperror\n\033[2Jy')"
cp "$T/b/a.eml" "$evil"
run_status 2 "batch with a newline and ESC in a file name: exit 2 (none)" "$BIN/dkimverify" $OFFLINE "$T/b/a.eml" "$evil"
is 3 "$(wc -l < "$T/out" | tr -d ' ')" "... three lines: two results, one summary"
is 1 "$(grep -c '^[0-9]* messages:' "$T/out")" "... one line reads as a summary"
like '^2 messages: 0 pass, 0 fail, 2 none, 0 temperror$' "$(tail -n 1 "$T/out")" "... the summary is the genuine one"
like 'x\\n9 messages: .*\\n\\x1b\[2Jy: dkim=none$' "$(sed -n 2p "$T/out")" "... the name is escaped on its result line"
ok "... no raw control byte on stdout" eval '! raw "$T/out"'
missing="$T/b/$(printf 'gone\n1 messages: 1 pass')"
run_status 66 "batch, an unreadable file with a newline in its name: 66" "$BIN/dkimverify" $OFFLINE "$missing"
is 1 "$(wc -l < "$T/err" | tr -d ' ')" "... the error is one line"
like 'gone\\n1 messages: 1 pass: No such file' "$(cat "$T/err")" "... with the newline escaped"
is 1 "$(wc -l < "$T/out" | tr -d ' ')" "... stdout holds the summary alone"

# --- dkimsign: a key file name ---------------------------------------------
printf 'From: joe@football.example.com\r\n\r\nbody\r\n' > "$T/msg"
run_status 66 "dkimsign, missing key with CR, LF, ESC in its name: 66" "$BIN/dkimsign" -d football.example.com -s s -k "$(printf 'no\r\nkey\033[2J')" < "$T/msg"
is 1 "$(wc -l < "$T/err" | tr -d ' ')" "... one line on stderr"
like 'no\\r\\nkey\\x1b\[2J' "$(cat "$T/err")" "... the name escaped"
ok "... no raw control byte on stderr" eval '! raw "$T/err"'
run_status 66 "dkimsign, missing key named in UTF-8: 66" "$BIN/dkimsign" -d football.example.com -s s -k "$(printf 'caf\303\251.pem')" < "$T/msg"
like "$(printf 'caf\303\251\\.pem: No such file')" "$(cat "$T/err")" "... valid UTF-8 is kept readable"
run_status 66 "dkimsign, missing key named in Latin-1 and C1: 66" "$BIN/dkimsign" -d football.example.com -s s -k "$(printf 'caf\351\302\233.pem')" < "$T/msg"
like 'caf\\xe9\\xc2\\x9b\.pem: No such file' "$(cat "$T/err")" "... invalid UTF-8 and C1 controls as \\xHH"

# --- pra: the PRA on stdout, and in diagnostics ------------------------------
printf 'From: "a\033[2Jb\177c"@pra.example\r\nSubject: x\r\n\r\nbody\r\n' > "$T/pra.eml"
run_status 0 "pra prints a PRA holding ESC and DEL: exit 0" "$BIN/pra" < "$T/pra.eml"
is '"a\x1b[2Jb\x7fc"@pra.example' "$(cat "$T/out")" "... escaped"
run_status 1 "pra --ip, same message: exit 1 (fail)" "$BIN/pra" $OFFLINE --ip=192.0.2.9 -v < "$T/pra.eml"
is 'fail
"a\x1b[2Jb\x7fc"@pra.example' "$(cat "$T/out")" "... line 2 escaped"
ok "... no raw control byte on stdout" eval '! raw "$T/out"'
like 'PRA "a\\x1b\[2Jb\\x7fc"@pra\.example from the From field' "$(cat "$T/err")" "... -v diagnostics escaped"
ok "... no raw control byte on stderr" eval '! raw "$T/err"'

# --- spfquery --trace: the sender -------------------------------------------
run_status 1 "spfquery --trace, a sender with ESC and CR: exit 1 (fail)" "$BIN/spfquery" $OFFLINE --trace -i 192.0.2.7 -s "$(printf 'a\033[31m\r@fail.example')"
like '^trace: check_host\(192\.0\.2\.7, fail\.example, a\\x1b\[31m\\r@fail\.example\)$' "$(head -n 1 "$T/err")" "... the trace line is escaped"
ok "... no raw control byte on stderr" eval '! raw "$T/err"'
# line 2, the explanation, expands the sender's local part (RFC 7208 6.2)
run_status 1 "spfquery, exp= expanding a local part with ESC: exit 1 (fail)" "$BIN/spfquery" $OFFLINE -i 192.0.2.7 -s "$(printf 'a\033[2Jb@expl.example')"
is 'denied for a\x1b[2Jb' "$(sed -n 2p "$T/out")" "... line 2 escaped"
ok "... no raw control byte on stdout" eval '! raw "$T/out"'

done_testing
