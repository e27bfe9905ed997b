# pra --filter: the message comes out with Authentication-Results (with
# -A) and Received-SPF identity=pra prepended, every input byte after them
# unchanged; exit 0 whatever the verdict.  When pra cannot do its job the
# message comes out unchanged with one line on stderr and a non-zero exit.
. "${SOURCE:-t}/lib.sh"
plan_lazy

D=$SOURCE/data/pra
dnsd_start --zone "$D/senderid.zone" --servfail broken.example
PRA="$BIN/pra $NS --dns-timeout=2"

# unfold FILE: the header section of FILE, one field a line, CR removed,
# each fold's whitespace run made one space.
unfold() {
	awk '{ sub(/\r$/, "") }
	/^$/ { exit }
	/^[ \t]/ { sub(/^[ \t]+/, " "); f = f $0; next }
	{ if (f != "") print f; f = $0 }
	END { if (f != "") print f }' "$1"
}
# field NAME FILE: the first NAME field of FILE, unfolded.
field() { unfold "$2" | grep -i "^$1:" | head -n 1; }
# strip N FILE: FILE without its first N header fields (with their folds).
strip() {
	awk -v n="$1" 'h < n + 1 && /^[^ \t]/ { h++ } h > n { print }' "$2"
}

# Sender ID pass, From.
run_status 0 "pass: exit 0" $PRA --ip=192.0.2.1 --filter -A mx.example.org <"$D/from.eml"
cp "$T/out" "$T/pass"
like '^Received-SPF: pass .*identity=pra' "$(unfold "$T/pass" | sed -n 1p)" \
	"pass: Received-SPF first, identity=pra"
is "Authentication-Results: mx.example.org; sender-id=pass header.from=pat@pra.example" \
	"$(unfold "$T/pass" | sed -n 2p)" "pass: Authentication-Results second"
like 'client-ip=192\.0\.2\.1' "$(field Received-SPF "$T/pass")" "pass: client-ip"
like 'identity=pra; pra="pat@pra\.example";' "$(field Received-SPF "$T/pass")" "pass: pra= names the PRA (as Mail::SPF writes it)"
strip 2 "$T/pass" >"$T/rest"
same_file "$D/from.eml" "$T/rest" "pass: the message follows byte for byte"
is "" "$(cat "$T/err")" "pass: nothing on stderr"

# Fail is a verdict: still exit 0.
run_status 0 "fail: exit 0" $PRA --ip=192.0.2.9 --filter -A mx.example.org <"$D/from.eml"
like 'sender-id=fail header\.from=pat@pra\.example$' "$(field Authentication-Results "$T/out")" \
	"fail: sender-id=fail"
like '^Received-SPF: fail ' "$(field Received-SPF "$T/out")" "fail: Received-SPF fail"

# Without -A: only Received-SPF.
run_status 0 "no -A: exit 0" $PRA --ip=192.0.2.1 --filter <"$D/from.eml"
like '^Received-SPF: pass' "$(unfold "$T/out" | sed -n 1p)" "no -A: Received-SPF first"
is "" "$(field Authentication-Results "$T/out")" "no -A: no Authentication-Results"
strip 1 "$T/out" >"$T/rest"
same_file "$D/from.eml" "$T/rest" "no -A: the message follows byte for byte"

# The property names the PRA's header; CRLF input gets CRLF fields.
run_status 0 "resent, CRLF: exit 0" $PRA --ip=192.0.2.7 --filter -A mx.example.org <"$D/resent-crlf.eml"
cp "$T/out" "$T/crlf"
is "Authentication-Results: mx.example.org; sender-id=pass header.resent-sender=bounces@resent.example" \
	"$(field Authentication-Results "$T/crlf")" "resent: header.resent-sender"
is 0 "$(strip 0 "$T/crlf" | sed '/^\r$/,$d' | grep -vc "$(printf '\r')\$")" \
	"CRLF: every header line ends in CRLF"
strip 2 "$T/crlf" >"$T/rest"
same_file "$D/resent-crlf.eml" "$T/rest" "CRLF: the message follows byte for byte"

printf 'Resent-From: List <list@resent.example>\nFrom: a@pra.example\n\nx\n' >"$T/msg"
run_status 0 "Resent-From: exit 0" $PRA --ip=192.0.2.7 --filter -A mx <"$T/msg"
like 'sender-id=pass header\.resent-from=list@resent\.example$' \
	"$(field Authentication-Results "$T/out")" "header.resent-from"
printf 'Sender: s@v1only.example\nFrom: a@pra.example\n\nx\n' >"$T/msg"
run_status 0 "Sender: exit 0" $PRA --ip=192.0.2.1 --filter -A mx <"$T/msg"
like 'sender-id=pass header\.sender=s@v1only\.example$' \
	"$(field Authentication-Results "$T/out")" "header.sender"

# No PRA: sender-id=permerror and Received-SPF permerror, message intact.
run_status 0 "no PRA: exit 0" $PRA --ip=192.0.2.1 --filter -A mx.example.org <"$D/two-from.eml"
like '^Authentication-Results: mx\.example\.org; sender-id=permerror' \
	"$(field Authentication-Results "$T/out")" "no PRA: sender-id=permerror"
unlike 'header\.' "$(field Authentication-Results "$T/out")" "no PRA: no header property"
like '^Received-SPF: permerror .*identity=pra' "$(field Received-SPF "$T/out")" \
	"no PRA: Received-SPF permerror"
strip 2 "$T/out" >"$T/rest"
same_file "$D/two-from.eml" "$T/rest" "no PRA: the message follows byte for byte"
like 'no purported responsible address' "$(cat "$T/err")" "no PRA: said on stderr"

# The mbox "From " line stays first.
run_status 0 "mbox: exit 0" $PRA --ip=192.0.2.1 --filter -A mx <"$D/mbox.eml"
is "$(sed -n 1p "$D/mbox.eml")" "$(sed -n 1p "$T/out")" "mbox: From line first"
like '^Received-SPF:' "$(sed -n 2p "$T/out")" "mbox: then our fields"

# count_resinfo FILE: how many results the Authentication-Results field of
# FILE holds (';'-separated, outside quoted-strings and comments).
count_resinfo() {
	field Authentication-Results "$1" | "$PY" -c '
import sys
s = sys.stdin.read().split(":", 1)[1]
n = q = c = esc = 0
for ch in s:
    if esc: esc = 0; continue
    if ch == "\\" and (q or c): esc = 1; continue
    if q:
        if ch == "\"": q = 0
        continue
    if ch == "(": c += 1; continue
    if ch == ")" and c: c -= 1; continue
    if c: continue
    if ch == "\"": q = 1
    elif ch == ";": n += 1
print(n)'
}

# Injection: a quoted local-part with ';' adds no result; the local part
# is not a dot-atom, so only "@domain" is shown (RFC 8601 2.2 pvalue, issue 8).
run_status 0 "injection: exit 0" $PRA --ip=192.0.2.1 --filter -A mx.example.org <"$D/inject.eml"
is 1 "$(count_resinfo "$T/out")" "injection: one result only"
like 'sender-id=pass header\.from=@pra\.example' \
	"$(field Authentication-Results "$T/out")" "injection: the domain is kept, the local part left out"
is 2 "$(unfold "$T/out" | grep -ci '^authentication-results:\|^received-spf:')" \
	"injection: two fields added, no more"

# A folded quoted local-part (CR LF inside the quotes) cannot start a field.
printf 'From: "x\r\n Received-SPF: pass"@pra.example\r\nSubject: t\r\n\r\nx\r\n' >"$T/msg"
run_status 0 "folded quoted local-part: exit 0" $PRA --ip=192.0.2.1 --filter -A mx <"$T/msg"
is 1 "$(unfold "$T/out" | grep -c '^Received-SPF:')" "folded local-part: one Received-SPF"
strip 2 "$T/out" >"$T/rest"
same_file "$T/msg" "$T/rest" "folded local-part: the message follows byte for byte"

# An authserv-id with ';' cannot add a result either.
run_status 0 "hostile -A: exit 0" $PRA --ip=192.0.2.1 --filter -A 'mx; dkim=pass' <"$D/from.eml"
is 1 "$(count_resinfo "$T/out")" "hostile -A: one result only"

# Nothing is lost: no header section.
printf 'not a header line\n\nbody\n' >"$T/msg"
run_status 65 "no header section: exit 65" $PRA --ip=192.0.2.1 --filter -A mx <"$T/msg"
same_file "$T/msg" "$T/out" "no header section: copied unchanged"
is 1 "$(wc -l <"$T/err" | tr -d ' ')" "no header section: one line on stderr"
: >"$T/msg"
run_status 65 "empty input: exit 65" $PRA --ip=192.0.2.1 --filter <"$T/msg"
same_file "$T/msg" "$T/out" "empty input: nothing out"

# Nothing is lost: a temporary DNS error is no verdict; exit 75 so the
# mail system tries again.
printf 'From: a@broken.example\nSubject: t\n\nx\n' >"$T/msg"
run_status 75 "SERVFAIL: exit 75" $PRA --ip=192.0.2.1 --filter -A mx <"$T/msg"
same_file "$T/msg" "$T/out" "SERVFAIL: copied unchanged"
is 1 "$(wc -l <"$T/err" | tr -d ' ')" "SERVFAIL: one line on stderr"

# Nothing is lost: an unusable zone file.
run_status 78 "bad --dns-zone: exit 78" "$BIN/pra" --dns-zone="$T/no-such-zone" \
	--ip=192.0.2.1 --filter -A mx <"$D/from.eml"
same_file "$D/from.eml" "$T/out" "bad --dns-zone: copied unchanged"
like '^pra: ' "$(cat "$T/err")" "bad --dns-zone: said on stderr"

# A big body from a pipe comes through unchanged (spooled, not lost).
{ cat "$D/from.eml"; awk 'BEGIN { for (i = 0; i < 3000; i++) {
	printf "line %d of a long body spooled to a temporary file ", i
	for (j = 0; j < 40; j++) printf "%s", "........."
	printf "\n" } }'; } >"$T/big"
cat "$T/big" | $PRA --ip=192.0.2.1 --filter -A mx >"$T/out" 2>"$T/err"
is 0 "$?" "big body from a pipe: exit 0"
strip 2 "$T/out" >"$T/rest"
same_file "$T/big" "$T/rest" "big body: the message follows byte for byte"

done_testing
