# authcheck --filter -A ID: the message with Received-SPF and ONE
# Authentication-Results field prepended, every forged field claiming ID
# removed on every path (RFC 8601 section 5), other bytes unchanged, exit 0
# whatever the verdict; a message that cannot be checked is copied through
# (DESIGN.md "Nothing is lost").  DNS from --dns-zone only.
. "${SOURCE:-t}/lib.sh"
plan_lazy

"$BIN/dkkeygen" -d example.com -s sel -D "$T" >/dev/null 2>&1 ||
	{ echo "Bail out! dkkeygen failed"; exit 1; }
{
	cat <<'EOF'
$ORIGIN example.com.
@        TXT "v=spf1 a mx -all"
@        MX 10 mail.example.com.
mail     A 192.0.2.11
_dmarc   TXT "v=DMARC1; p=reject"
EOF
	cat "$T/sel.txt"
} >"$T/zone"
AC="$BIN/authcheck --dns-zone=$T/zone --nameserver=127.0.0.1@9 --dns-timeout=1"
ENV="--ip=192.0.2.11 --helo=mail.example.com --sender=alice@example.com"

printf 'From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: hello\n\nHello Bob.\n' |
	"$BIN/dkimsign" -d example.com -s sel -k "$T/sel.private" >"$T/signed.eml"
# Forged results claiming our id, at the top, in the middle, folded and in
# another case; one from another authserv-id, which stays.
{ printf 'Authentication-Results: mx.test; dmarc=pass header.from=evil.example\n'
  sed -n '1,/^$/p' "$T/signed.eml" | sed '$d'
  printf 'authentication-results : MX.TEST.;\n\tdkim=pass header.d=evil.example\n'
  printf 'Authentication-Results: other.example; spf=pass\n'
  printf '\n'
  sed '1,/^$/d' "$T/signed.eml"; } >"$T/forged.eml"
grep -iv 'mx.test\|^	dkim=pass header.d=evil' "$T/forged.eml" >"$T/clean.eml"

run_status 0 "--filter: exit 0" $AC $ENV --filter -A mx.test <"$T/forged.eml"
is 1 "$(grep -ci '^authentication-results *:.*mx\.test' "$T/out")" \
	"--filter: one field claims mx.test (ours)"
is "Received-SPF: pass" "$(sed -n 1p "$T/out" | cut -c1-18)" "--filter: Received-SPF first"
like '^Authentication-Results: mx\.test; spf=pass' "$(grep '^Authentication-Results: mx.test' "$T/out")" \
	"--filter: then our Authentication-Results"
sed 's/^[ 	]*/ /' "$T/out" | tr -d '\n' | grep -o 'dmarc=pass header.from=example.com policy.dmarc=reject' >"$T/dm"
ok "--filter: the field holds the DMARC verdict" test -s "$T/dm"
ok "--filter: other.example's field kept" grep -q '^Authentication-Results: other.example; spf=pass' "$T/out"
# Everything after our two fields is the message less the forged fields.
awk 'done {print; next}
	/^Received-SPF:/ && n == 0 {n = 1; next}
	/^Authentication-Results: mx\.test;/ && n == 1 {n = 2; next}
	/^[ \t]/ && n > 0 {next}
	{done = 1; print}' "$T/out" >"$T/rest"
same_file "$T/clean.eml" "$T/rest" "--filter: the rest is the message less the forged fields"

# DMARC fail: still exit 0, verdict in the field.
printf 'From: a@example.com\nSubject: t\n\nx\n' >"$T/f.eml"
run_status 0 "--filter, DMARC fail: exit 0" $AC --ip=192.0.2.99 --sender=alice@example.com \
	--filter -A mx.test <"$T/f.eml"
ok "--filter, DMARC fail: dmarc=fail in the field" grep -q 'dmarc=fail' "$T/out"

# CRLF in, CRLF out.
sed 's/$/\r/' "$T/signed.eml" >"$T/crlf.eml"
run_status 0 "--filter, CRLF: exit 0" $AC $ENV --filter -A mx.test <"$T/crlf.eml"
cr=$(printf '\r')
is 0 "$(grep -vc "$cr\$" "$T/out")" "--filter, CRLF: every output line ends in CRLF"

# A header line without a colon: checked, but no Author Domain can be
# trusted (readers take the From below it as header); forged field gone.
printf 'Authentication-Results: mx.test; dmarc=pass\nSubject: x\nthis line has no colon\nFrom: a@example.com\n\nbody\n' >"$T/nocolon.eml"
run_status 0 "--filter, line without a colon: exit 0" $AC $ENV --filter -A mx.test <"$T/nocolon.eml"
ok "--filter, line without a colon: dmarc=permerror" grep -q 'dmarc=permerror' "$T/out"
is 1 "$(grep -ci '^authentication-results *:.*mx\.test' "$T/out")" "--filter, line without a colon: only our field claims mx.test"
ok "--filter, line without a colon: the forged dmarc=pass is gone" sh -c "! grep -q 'dmarc=pass' '$T/out'"

# Not a message: copied through less the forged field, exit 65.
printf 'not a header line\nAuthentication-Results: mx.test; dmarc=pass\n\nbody\n' >"$T/bad.eml"
run_status 65 "--filter, not a message: exit 65" $AC $ENV --filter -A mx.test <"$T/bad.eml"
is "not a header line

body" "$(cat "$T/out")" "--filter, not a message: copied through less the forged field"
printf '' | $AC $ENV --filter -A mx.test >"$T/out" 2>/dev/null
ok "--filter, empty input: nothing invented" test ! -s "$T/out"

run_status 64 "--filter with FILE operands: usage error" $AC --filter "$T/signed.eml"

done_testing
