# authcheck end to end on loopback DNS (t/dnsd.py): the seed scenario of
# the README (v=spf1 a mx -all, a dkkeygen key, a message signed by
# dkimsign --domainkeys, a DMARC record) passes every check; then each
# part broken in turn (wrong IP, tampered body, missing key, misaligned
# From) changes the right line; --format=ar is one field, --format=json
# parses, --envelope=received reads Received and Return-Path, and the
# whole verdict costs fewer DNS queries than spfquery + pra + dkimverify
# one after another (each name asked once).
. "${SOURCE:-t}/lib.sh"
plan_lazy

"$BIN/dkkeygen" -d example.com -s sel -D "$T" >/dev/null 2>&1 ||
	{ echo "Bail out! dkkeygen failed"; exit 1; }
{
	cat <<'EOF'
$ORIGIN example.com.
@        TXT "v=spf1 a mx -all"
@        A 192.0.2.10
@        MX 10 mail.example.com.
mail     A 192.0.2.11
mail     AAAA 2001:db8::11
_dmarc   TXT "v=DMARC1; p=reject; np=quarantine; rua=mailto:dmarc@example.com"
$ORIGIN other.example.
@        TXT "v=spf1 -all"
@        A 192.0.2.50
_dmarc   TXT "v=DMARC1; p=reject"
$ORIGIN testing.example.
_dmarc   TXT "v=DMARC1; p=reject; t=y"
$ORIGIN broken.example.
@        TXT "v=spf1 a mx -all"
@        A 192.0.2.11
$ORIGIN 2.0.192.in-addr.arpa.
11       PTR mail.example.com.
; a PTR name whose address is another one: iprev fails
12       PTR mail.example.com.
1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mail.example.com.
EOF
	echo '$ORIGIN example.com.'
	cat "$T/sel.txt"
} >"$T/zone"
dnsd_start --zone "$T/zone" --servfail _dmarc.broken.example \
	--servfail 77.2.0.192.in-addr.arpa --servfail gone._domainkey.example.com \
	--log "$T/dns.log"

AC="$BIN/authcheck $NS --dns-timeout=2"
ENV="--ip=192.0.2.11 --helo=mail.example.com --sender=alice@example.com"

# mkmsg FROM FILE: a message from FROM, signed (DKIM and DomainKeys) by
# example.com with selector sel.
mkmsg() {
	printf 'From: Alice <%s>\nTo: bob@example.net\nSubject: hello\nDate: Thu, 03 Dec 2026 12:00:00 +0000\nMessage-ID: <1@example.com>\n\nHello Bob.\n' "$1" >"$T/plain"
	"$BIN/dkimsign" -d example.com -s "${3:-sel}" -k "$T/sel.private" \
		--domainkeys <"$T/plain" >"$2" 2>/dev/null
}
mkmsg alice@example.com "$T/signed.eml"

# line NAME: the summary line of check NAME in $T/out.
line() { grep "^$1 check: " "$T/out" | head -1; }

# --- the seed: everything passes
run_status 0 "seed: exit 0 (DMARC pass)" $AC $ENV <"$T/signed.eml"
is "Summary of Results" "$(sed -n 1p "$T/out")" "seed: summary header first"
is "SPF check: pass" "$(line SPF)" "seed: SPF pass"
is "Sender-ID check: pass" "$(line Sender-ID)" "seed: Sender-ID pass"
is "DomainKeys check: pass" "$(line DomainKeys)" "seed: DomainKeys pass"
is "DKIM check: pass" "$(line DKIM)" "seed: DKIM pass"
is "DMARC check: pass" "$(line DMARC)" "seed: DMARC pass"
is "iprev check: pass" "$(line iprev)" "seed: iprev pass"
like '^ +TXT _dmarc\.example\.com.*v=DMARC1; p=reject' "$(cat "$T/out")" \
	"seed: details list the DMARC record consulted"
like 'Policy: +p=reject from _dmarc\.example\.com' "$(cat "$T/out")" \
	"seed: details name the policy and where it came from"
like '^ +TXT _dmarc\.example\.com.*NOERROR 1 record, TTL [0-9]+: ' "$(cat "$T/out")" \
	"seed: each record consulted comes with its TTL"
like 'Key: +(1024|2048|3072|4096) bits' "$(cat "$T/out")" \
	"seed: the DKIM details give the key size"
like 'Lookups: +[1-9][0-9]* of 10 DNS-querying terms, [0-2] of 2 void lookups' \
	"$(cat "$T/out")" "seed: SPF details count the RFC 7208 4.6.4 lookups spent"

# --- wrong IP: SPF, Sender ID and iprev fail; DKIM still aligned
run_status 0 "wrong IP: DMARC still passes through DKIM" \
	$AC --ip=192.0.2.99 --helo=mail.example.com --sender=alice@example.com <"$T/signed.eml"
is "SPF check: fail" "$(line SPF)" "wrong IP: SPF fail"
is "Sender-ID check: fail" "$(line Sender-ID)" "wrong IP: Sender-ID fail"
is "DKIM check: pass" "$(line DKIM)" "wrong IP: DKIM pass"
is "iprev check: fail" "$(line iprev)" "wrong IP: iprev fail"
is "DMARC check: pass" "$(line DMARC)" "wrong IP: DMARC pass"

# --- iprev alone: IPv6, a PTR that does not lead back, a SERVFAIL
run_status 0 "IPv6 client: exit 0" $AC --ip=2001:db8::11 --helo=mail.example.com \
	--sender=alice@example.com <"$T/signed.eml"
is "SPF check: pass" "$(line SPF)" "IPv6 client: SPF pass (mx mechanism, AAAA)"
is "iprev check: pass" "$(line iprev)" "IPv6 client: iprev pass (ip6.arpa PTR, AAAA back)"
run_status 0 "PTR not leading back: exit 0" $AC --ip=192.0.2.12 --sender=alice@example.com <"$T/signed.eml"
is "iprev check: fail" "$(line iprev)" "PTR mail.example.com whose A is another address: iprev fail"
run_status 0 "SERVFAIL on the PTR: exit 0" $AC --ip=192.0.2.77 --sender=alice@example.com <"$T/signed.eml"
is "iprev check: temperror" "$(line iprev)" "SERVFAIL on the PTR: iprev temperror"

# --- tampered body: DKIM and DomainKeys fail; SPF aligned
sed 's/Hello Bob\./Hello Eve./' "$T/signed.eml" >"$T/tampered.eml"
run_status 0 "tampered body: DMARC passes through SPF" $AC $ENV <"$T/tampered.eml"
is "DKIM check: fail" "$(line DKIM)" "tampered body: DKIM fail"
is "DomainKeys check: fail" "$(line DomainKeys)" "tampered body: DomainKeys fail"
is "SPF check: pass" "$(line SPF)" "tampered body: SPF pass"
is "DMARC check: pass" "$(line DMARC)" "tampered body: DMARC pass"

# --- wrong IP and tampered body: nothing aligned passes
run_status 1 "wrong IP and tampered body: exit 1" \
	$AC --ip=192.0.2.99 --sender=alice@example.com <"$T/tampered.eml"
is "DMARC check: fail" "$(line DMARC)" "wrong IP and tampered body: DMARC fail"

# --- missing key: the selector has no record
mkmsg alice@example.com "$T/nokey.eml" nokey
run_status 0 "missing key: DMARC passes through SPF" $AC $ENV <"$T/nokey.eml"
is "DKIM check: permerror" "$(line DKIM)" "missing key: DKIM permerror"
is "DomainKeys check: permerror" "$(line DomainKeys)" "missing key: DomainKeys permerror"
is "DMARC check: pass" "$(line DMARC)" "missing key: DMARC pass"

# --- misaligned From: other.example signed by example.com
mkmsg alice@other.example "$T/other.eml"
run_status 1 "misaligned From: exit 1" $AC $ENV <"$T/other.eml"
is "DKIM check: pass" "$(line DKIM)" "misaligned From: DKIM still passes"
is "SPF check: pass" "$(line SPF)" "misaligned From: SPF still passes"
is "Sender-ID check: fail" "$(line Sender-ID)" "misaligned From: Sender-ID fail (PRA other.example)"
is "DMARC check: fail" "$(line DMARC)" "misaligned From: DMARC fail"

# --- np: a non-existent subdomain of example.com, nothing aligned
printf 'From: x@ghost.example.com\nSubject: t\n\nbody\n' >"$T/ghost.eml"
run_status 1 "non-existent subdomain: DMARC fail" \
	$AC --format=ar -A mx.test --ip=192.0.2.99 --sender=x@ghost.example.com <"$T/ghost.eml"
like 'dmarc=fail.*header\.from=ghost\.example\.com policy\.dmarc=quarantine' \
	"$(sed 's/^[ 	]*/ /' "$T/out" | tr -d '\n')" "non-existent subdomain: np=quarantine applies"

# --- t=y: the policy applied is one level below the published one
printf 'From: x@testing.example\nSubject: t\n\nbody\n' >"$T/testing.eml"
run_status 1 "t=y: DMARC fail" $AC --format=ar -A mx.test --ip=192.0.2.99 <"$T/testing.eml"
like 'dmarc=fail .*policy\.dmarc=quarantine' "$(sed 's/^[ 	]*/ /' "$T/out" | tr -d '\n')" \
	"t=y: p=reject applies as quarantine (RFC 9989 4.7)"

# --- no DMARC record; a SERVFAIL on _dmarc
printf 'From: x@broken.example\nSubject: t\n\nbody\n' >"$T/broken.eml"
run_status 75 "SERVFAIL on _dmarc: exit 75" $AC --ip=192.0.2.11 \
	--sender=x@broken.example <"$T/broken.eml"
is "DMARC check: temperror" "$(line DMARC)" "SERVFAIL on _dmarc: temperror"
# a DKIM key that does not answer: aligned, the verdict is unknown (RFC
# 9989 5.3.6: neither pass nor fail, the policy not applied); not aligned,
# DMARC fails as it would without the signature
mkmsg alice@example.com "$T/gone.eml" gone
run_status 75 "aligned DKIM temperror, no pass: exit 75" $AC --ip=192.0.2.99 \
	--sender=alice@example.com <"$T/gone.eml"
is "DMARC check: temperror" "$(line DMARC)" "aligned DKIM temperror, no pass: DMARC temperror (RFC 9989 5.3.6)"
mkmsg x@other.example "$T/gone2.eml" gone
run_status 1 "unaligned DKIM temperror: exit 1" $AC --ip=192.0.2.99 \
	--sender=x@other.example <"$T/gone2.eml"
is "DMARC check: fail" "$(line DMARC)" "unaligned DKIM temperror: DMARC fail"
run_status 0 "aligned DKIM temperror, SPF aligned pass: exit 0" $AC $ENV <"$T/gone.eml"
is "DMARC check: pass" "$(line DMARC)" "aligned DKIM temperror, SPF aligned pass: DMARC pass"
printf 'From: x@example.net\nSubject: t\n\nbody\n' >"$T/nodmarc.eml"
run_status 2 "no DMARC record: exit 2" $AC --ip=192.0.2.11 <"$T/nodmarc.eml"
is "DMARC check: none" "$(line DMARC)" "no DMARC record: none"
printf 'From: a@example.com, b@other.example\nSubject: t\n\nbody\n' >"$T/two.eml"
run_status 1 "two From domains: exit 1" $AC --ip=192.0.2.11 <"$T/two.eml"
is "DMARC check: permerror" "$(line DMARC)" "two From domains: permerror (RFC 9989 5.3.1)"

# --- --format=ar: exactly one field, every result in it
run_status 0 "--format=ar: exit 0" $AC $ENV --format=ar -A mx.test <"$T/signed.eml"
is 1 "$(grep -c '^[^ 	]' "$T/out")" "--format=ar: one field"
is 1 "$(grep -c '^Authentication-Results: mx\.test;' "$T/out")" \
	"--format=ar: it is Authentication-Results with our authserv-id"
ar=$(sed 's/^[ 	]*/ /' "$T/out" | tr -d '\n')
for want in 'spf=pass smtp\.mailfrom=alice@example\.com' \
	'spf=none smtp\.helo=mail\.example\.com' \
	'sender-id=pass header\.from=alice@example\.com' \
	'dkim=pass header\.d=example\.com header\.s=sel header\.a=rsa-sha256 header\.b=' \
	'domainkeys=pass header\.d=example\.com' \
	'dmarc=pass header\.from=example\.com policy\.dmarc=reject' \
	'iprev=pass policy\.iprev=192\.0\.2\.11'; do
	like "$want" "$ar" "--format=ar: $want"
done

# --- --format=json
run_status 0 "--format=json: exit 0" $AC $ENV --format=json <"$T/signed.eml"
ok "--format=json: one line" test "$(wc -l <"$T/out")" -eq 1
ok "--format=json: python3 -m json.tool parses it" "$PY" -m json.tool "$T/out" "$T/json"
is "pass pass pass reject" "$("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["dmarc"]["result"], o["dkim"][0]["result"], o["spf"]["result"], o["dmarc"]["policy"])' "$T/out")" \
	"--format=json: dmarc, dkim, spf results and policy"
printf 'From: "\001\377" <x@other.example>\nSubject: t\n\nbody\n' >"$T/ctl.eml"
run_status 1 "json batch: exit 1 (worst message fails)" $AC $ENV --format=json "$T/signed.eml" "$T/ctl.eml"
is 2 "$(wc -l <"$T/out")" "json batch: one object a line"
ok "json batch: every line parses (control and 8-bit bytes escaped)" \
	"$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="latin-1")]' "$T/out"

run_status 66 "json batch, a missing file: exit 66" $AC $ENV --format=json "$T/signed.eml" "$T/nosuch.eml" "$SOURCE/lib.sh"
is "3 pass /nosuch.eml:No such file or directory /lib.sh:no header section" \
	"$("$PY" -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; print(len(l), l[0]["dmarc"]["result"], " ".join(o["file"][o["file"].rfind("/"):] + ":" + o["error"] for o in l[1:]))' "$T/out")" \
	"json batch: a line for every operand, errors included"

# --- summary batch
run_status 1 "summary batch: exit 1" $AC $ENV "$T/signed.eml" "$T/other.eml"
is "2 messages: DMARC 1 pass, 1 fail, 0 none, 0 temperror" "$(tail -1 "$T/out")" \
	"summary batch: count line"

# --- --envelope=received
{ printf 'Return-Path: <alice@example.com>\n'
  printf 'Received: from mail.example.com (mail.example.com [192.0.2.11])\n\tby mx.example.net (Postfix) with ESMTP id 1; Thu, 3 Dec 2026 12:00:00 +0000\n'
  printf 'Received: from [10.0.0.1] (helo=inner) by mail.example.com; Thu, 3 Dec 2026 11:59:00 +0000\n'
  cat "$T/signed.eml"; } >"$T/received.eml"
run_status 0 "--envelope=received: exit 0" $AC --envelope=received --format=json <"$T/received.eml"
is "192.0.2.11 mail.example.com alice@example.com pass" \
	"$("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); e=o["envelope"]; print(e["ip"], e["helo"], e["mailfrom"], o["spf"]["result"])' "$T/out")" \
	"--envelope=received: topmost Received (Postfix form) and Return-Path"
{ printf 'Received: from host.example.com ([192.0.2.11] helo=mail.example.com)\n\tby mx.example.net with esmtp (Exim 4.96); Thu, 3 Dec 2026 12:00:00 +0000\n'
  cat "$T/signed.eml"; } >"$T/exim.eml"
run_status 0 "--envelope=received, Exim form: exit 0" $AC --envelope=received --format=json <"$T/exim.eml"
is "192.0.2.11 mail.example.com" \
	"$("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); e=o["envelope"]; print(e["ip"], e["helo"])' "$T/out")" \
	"--envelope=received: Exim form, helo= in the comment"
run_status 0 "--envelope=received: --ip wins over Received" \
	$AC --envelope=received --ip=192.0.2.99 <"$T/received.eml"
is "SPF check: fail" "$(line SPF)" "--envelope=received: --ip=192.0.2.99 used"

# --- one DNS cache: fewer queries than the three programs one after another
: >"$T/dns.log"
$AC $ENV <"$T/signed.eml" >/dev/null 2>&1
ac=$(wc -l <"$T/dns.log")
is "" "$(sort "$T/dns.log" | uniq -d)" "authcheck asks each name once ($ac queries)"
: >"$T/dns.log"
"$BIN/spfquery" $NS --dns-timeout=2 -i 192.0.2.11 -s alice@example.com -H mail.example.com >/dev/null 2>&1
"$BIN/spfquery" $NS --dns-timeout=2 -i 192.0.2.11 --scope=helo -H mail.example.com >/dev/null 2>&1
"$BIN/pra" $NS --dns-timeout=2 --ip=192.0.2.11 <"$T/signed.eml" >/dev/null 2>&1
"$BIN/dkimverify" $NS --dns-timeout=2 <"$T/signed.eml" >/dev/null 2>&1
sep=$(wc -l <"$T/dns.log")
cp "$T/dns.log" "$T/dns.sep"
ok "authcheck ($ac queries, with DMARC and iprev) asks less than spfquery x2 + pra + dkimverify ($sep)" \
	test "$ac" -lt "$sep"
: >"$T/dns.log"
$AC $ENV <"$T/signed.eml" >/dev/null 2>&1
is "$(sort -u "$T/dns.sep")" "$(grep -v -e ' _dmarc\.' -e 'in-addr\.arpa' "$T/dns.log" | sort)" \
	"authcheck asks once each name the three programs asked, plus only _dmarc and PTR"
diag "DNS queries: authcheck $ac, spfquery (mfrom, helo) + pra + dkimverify $sep"

# --- usage errors read nothing
run_status 64 "--format=xml: usage error" $AC --format=xml </dev/null
run_status 64 "--envelope=smtp: usage error" $AC --envelope=smtp </dev/null
run_status 64 "--ip=bad: usage error" $AC --ip=bad </dev/null
run_status 65 "not a message: exit 65" $AC $ENV <"$SOURCE/lib.sh"

done_testing
