# authcheck --lint DOMAIN [-s SELECTOR...]: what a domain publishes, read
# as receivers read it: SPF (spfquery --lint's checks), DMARC (RFC 9989:
# none, several, v= not first, invalid p with and without rua, pct/rf/ri
# removed, bad rua, notes for p=none, t=y, a policy found by the Tree
# Walk) and DKIM keys.  DNS from --dns-zone only.
. "${SOURCE:-t}/lib.sh"
plan_lazy

"$BIN/dkkeygen" -d good.org -s sel -D "$T" >/dev/null 2>&1 ||
	{ echo "Bail out! dkkeygen failed"; exit 1; }
{
	cat <<'EOF2'
$ORIGIN org.
good            TXT "v=spf1 a mx -all"
good            A 192.0.2.1
good            MX 10 good.org.
_dmarc.good     TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.org"
sub.good        A 192.0.2.2
sub.good        TXT "v=spf1 -all"
small._domainkey.good TXT "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs6sZ0oYuDtxuOYXGyhZfUmJNaU1e0P2xwRFuyMbvMGgtVn+mpCvbPRIv3kCRm7lRi5o3WSzq3KoJHaJ9LnTPsCAwEAAQ=="
bad             TXT "v=spf1 +all"
_dmarc.bad      TXT "v=DMARC1; p=bogus; pct=50; rua=nope"
_dmarc.bad      TXT "p=reject; v=DMARC1"
two             TXT "v=spf1 -all"
_dmarc.two      TXT "v=DMARC1; p=reject"
_dmarc.two      TXT "v=DMARC1; p=none"
mon             TXT "v=spf1 -all"
_dmarc.mon      TXT "v=DMARC1; p=none; t=y"
asnone          TXT "v=spf1 -all"
_dmarc.asnone   TXT "v=DMARC1; p=maybe; rua=mailto:r@asnone.org"
nodmarc         TXT "v=spf1 -all"
EOF2
	echo '$ORIGIN good.org.'
	cat "$T/sel.txt"
} >"$T/zone"
L="$BIN/authcheck --dns-zone=$T/zone --nameserver=127.0.0.1@9 --dns-timeout=1 --lint"

run_status 0 "clean domain and key: exit 0" $L good.org -s sel
is "good.org: 0 findings" "$(tail -1 "$T/out")" "clean: 0 findings"
like '^note: sel\._domainkey\.good\.org: 2048-bit RSA key$' "$(cat "$T/out")" "clean: the key's size noted"

run_status 1 "missing and small keys: exit 1" $L good.org -s nosuch -s small
like '^nosuch\._domainkey\.good\.org: .*not found' "$(cat "$T/out")" "a selector without a record"
like '^small\._domainkey\.good\.org: 512-bit RSA key: .*RFC 8301' "$(cat "$T/out")" "a 512-bit key"

run_status 0 "subdomain: policy from the Tree Walk is a note" $L sub.good.org
like '^note: _dmarc\.sub\.good\.org: no record; the DNS Tree Walk finds _dmarc\.good\.org' \
	"$(cat "$T/out")" "subdomain: the Organizational Domain's record named"

run_status 1 "broken domain: exit 1" $L bad.org
for want in "'\\+all'" 'v=DMARC1 must come first' 'invalid p=; no valid rua=: DMARC does not apply' \
	'pct=, rf= or ri=: removed by RFC 9989' 'rua=nope holds no valid URI'; do
	like "$want" "$(cat "$T/out")" "broken domain: $want"
done
is "bad.org: 5 findings" "$(tail -1 "$T/out")" "broken domain: 5 findings"

run_status 1 "two DMARC records: exit 1" $L two.org
like '2 DMARC records: receivers discard them all' "$(cat "$T/out")" "two records named"
run_status 0 "p=none; t=y: notes only, exit 0" $L mon.org
like '^note: .*p=none: monitoring mode' "$(cat "$T/out")" "p=none noted"
like '^note: .*t=y' "$(cat "$T/out")" "t=y noted"
run_status 1 "invalid p with valid rua: exit 1" $L asnone.org
like 'read as p=none \(valid rua=\)' "$(cat "$T/out")" "invalid p read as p=none"
run_status 1 "no DMARC record anywhere: exit 1" $L nodmarc.org
like 'no DMARC record here or above' "$(cat "$T/out")" "no record named"

run_status 64 "--lint with --filter: usage error" $L good.org --filter
run_status 64 "--lint with a bad domain: usage error" $BIN/authcheck --lint 'a b'
done_testing
