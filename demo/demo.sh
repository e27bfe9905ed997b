#!/bin/sh
# make demo: generate a key, sign the sample message, verify it against a
# zone file made from the key's TXT record, then print authcheck's whole
# verdict on it (SPF, Sender ID, DKIM, DomainKeys, DMARC, iprev) with the
# SPF and DMARC records of the README added to that zone.
# Usage: demo.sh BINDIR DEMODIR
set -eu
bin=$1
demo=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/senderauth-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT

echo "== dkkeygen: a 2048-bit RSA key for demo._domainkey.example.com"
"$bin/dkkeygen" -d example.com -s demo -D "$dir"
# The .txt file is a zone file ($ORIGIN example.com. and the record); the
# SPF and DMARC records are added to a copy below.
cp "$dir/demo.txt" "$dir/zone"
cat "$dir/demo.txt"

echo "== dkimsign: signing $demo/sample.eml"
"$bin/dkimsign" -d example.com -s demo -k "$dir/demo.private" \
    --domainkeys < "$demo/sample.eml" > "$dir/signed.eml"
sed -n '/^DKIM-Signature:/,/^[^ 	]/p' "$dir/signed.eml" | sed '$d'

echo "== dkimverify: verifying against the zone file"
"$bin/dkimverify" --dns-zone="$dir/zone" < "$dir/signed.eml"
echo "== demo passed: the signature verifies"

# The rest of the README's setup: SPF "v=spf1 a mx -all" and a DMARC
# record, and the client 192.0.2.11 (mail.example.com, with its PTR).
cat >> "$dir/zone" <<'EOF'
@       TXT "v=spf1 a mx -all"
@       MX 10 mail.example.com.
mail    A 192.0.2.11
_dmarc  TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"
11.2.0.192.in-addr.arpa. PTR mail.example.com.
EOF
echo "== authcheck: the receiver's whole verdict, client 192.0.2.11"
# The nameserver is a closed port: every answer comes from the zone file.
"$bin/authcheck" --dns-zone="$dir/zone" --nameserver=127.0.0.1@9 \
    --dns-timeout=1 --ip=192.0.2.11 --helo=mail.example.com \
    --sender=alice@example.com -A mx.example.net < "$dir/signed.eml"
