# pra without --ip: print the Purported Responsible Address (RFC 4407
# section 2), or say on stderr why there is none and exit 1.  The rules
# one by one are in t/unit/pra-t.c; this checks the program around them.
. "${SOURCE:-t}/lib.sh"
plan_lazy

D=$SOURCE/data/pra

# pra_is WANT DESCRIPTION: the message on stdin ($T/msg) gives PRA WANT.
pra_is() {
	run_status 0 "$2: exit 0" "$BIN/pra" <"$T/msg"
	is "$1" "$(cat "$T/out")" "$2: PRA"
}

run_status 0 "From only" "$BIN/pra" <"$D/from.eml"
is "pat@pra.example" "$(cat "$T/out")" "From only: PRA on stdout"
is "" "$(cat "$T/err")" "From only: nothing on stderr"

printf 'From: a@example.com\nSender: "Sec Retary" <sec@example.net>\n\nx\n' >"$T/msg"
pra_is "sec@example.net" "Sender wins over From"

run_status 0 "resent blocks, CRLF" "$BIN/pra" <"$D/resent-crlf.eml"
is "bounces@resent.example" "$(cat "$T/out")" "resent blocks: the first block's Resent-Sender"

printf 'Resent-From: new@example.org\nReceived: by x\nResent-Sender: old@example.net\nFrom: a@example.com\n\n' >"$T/msg"
pra_is "new@example.org" "Resent-Sender of an older block: Resent-From"

printf 'RESENT-FROM: \nresent-from:\t r@example.org\nFrom: a@example.com\n\n' >"$T/msg"
pra_is "r@example.org" "first non-empty Resent-From, names in any case"

printf 'From: \t\nSender:\t\nFrom: John\n  Doe <john@\n example.com> (comment)\n\n' >"$T/msg"
pra_is "john@example.com" "empty fields ignored; folded value with comments"

run_status 0 "quoted local-part" "$BIN/pra" <"$D/inject.eml"
is '"a;sender-id=pass"@pra.example' "$(cat "$T/out")" "quoted local-part printed quoted"

run_status 0 "mbox From line" "$BIN/pra" <"$D/mbox.eml"
is "pat@pra.example" "$(cat "$T/out")" "mbox From line is not a From field"

# No PRA: exit 1, nothing on stdout, one line on stderr naming the rule.
run_status 1 "two From fields: exit 1" "$BIN/pra" <"$D/two-from.eml"
is "" "$(cat "$T/out")" "two From fields: nothing on stdout"
is "pra: no purported responsible address: 2 non-empty From fields (RFC 4407 section 2, step 4)" \
	"$(cat "$T/err")" "two From fields: why, on stderr"

printf 'Sender: a@example.com\nSender: b@example.org\nFrom: c@example.com\n\n' >"$T/msg"
run_status 1 "two Sender fields: exit 1" "$BIN/pra" <"$T/msg"
like 'step 3' "$(cat "$T/err")" "two Sender fields: step 3"

printf 'From: a@example.com, b@example.org\n\n' >"$T/msg"
run_status 1 "two mailboxes in From: exit 1" "$BIN/pra" <"$T/msg"
like 'holds 2 mailboxes' "$(cat "$T/err")" "two mailboxes: said so"

printf 'From: root\n\n' >"$T/msg"
run_status 1 "mailbox without a domain: exit 1" "$BIN/pra" <"$T/msg"
like 'no mailbox with a domain' "$(cat "$T/err")" "no domain: said so"

printf 'To: a@example.com\n\n' >"$T/msg"
run_status 1 "no originator field: exit 1" "$BIN/pra" <"$T/msg"
is 1 "$(wc -l <"$T/err" | tr -d ' ')" "no originator field: one line on stderr"

printf 'this is not a header\n\nbody\n' >"$T/msg"
run_status 65 "no header section: exit 65" "$BIN/pra" <"$T/msg"
like '^pra: ' "$(cat "$T/err")" "no header section: error on stderr"
run_status 65 "empty input: exit 65" "$BIN/pra" </dev/null

# --ip without a PRA needs no DNS: permerror, exit 4 (as spfquery).
run_status 4 "--ip, no PRA: permerror exits 4" "$BIN/pra" --ip=192.0.2.1 <"$D/two-from.eml"
is "permerror" "$(sed -n 1p "$T/out")" "--ip, no PRA: line 1 permerror"
like '2 non-empty From fields' "$(cat "$T/err")" "--ip, no PRA: why, on stderr"

# Usage errors read nothing and exit 64.
run_status 64 "--filter without --ip" "$BIN/pra" --filter <"$D/from.eml"
run_status 64 "-A without --filter" "$BIN/pra" --ip=192.0.2.1 -A mx.example <"$D/from.eml"
run_status 64 "--helo without --ip" "$BIN/pra" --helo=mx.example <"$D/from.eml"
run_status 64 "bad --ip" "$BIN/pra" --ip=192.0.2.300 <"$D/from.eml"
run_status 64 "operand" "$BIN/pra" "$D/from.eml" </dev/null
run_status 64 "unknown option" "$BIN/pra" --no-such-option <"$D/from.eml"
like '^pra: ' "$(head -n 1 "$T/err")" "unknown option: said on stderr"
run_status 64 "bad --dns-timeout" "$BIN/pra" --ip=192.0.2.1 --dns-timeout=x <"$D/from.eml"

run_status 0 "--help" "$BIN/pra" --help
for o in --ip --helo --filter --authserv-id --nameserver --dns-timeout --dns-zone --verbose --quiet --version; do
	like "$o" "$(cat "$T/out")" "--help lists $o"
done
run_status 0 "--version" "$BIN/pra" --version
like '^pra \(senderauth\) [0-9]' "$(cat "$T/out")" "--version output"

# -v says where the PRA came from, on stderr only.
run_status 0 "-v" "$BIN/pra" -v <"$D/resent-crlf.eml"
is "bounces@resent.example" "$(cat "$T/out")" "-v: stdout unchanged"
like 'Resent-Sender' "$(cat "$T/err")" "-v: names the field"

# A failing stdout is EX_IOERR (74).
if [ -w /dev/full ]; then
	run_status 74 "stdout full: exit 74" sh -c '"$1" <"$2" >/dev/full' sh "$BIN/pra" "$D/from.eml"
else
	skip "no /dev/full"
fi

done_testing
