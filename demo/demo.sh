#!/bin/sh
# make demo: generate a key, sign the sample message, verify it against a
# zone file made from the key's TXT record.  Usage: demo.sh BINDIR DEMODIR
set -eu
bin=$1
demo=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/senderauth-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT

echo "== dkkeygen: a 2048-bit RSA key for demo._domainkey.example.com"
"$bin/dkkeygen" -d example.com -s demo -D "$dir"
# The .txt file holds a record relative to the domain: give it an origin.
{ echo '$ORIGIN example.com.'; cat "$dir/demo.txt"; } > "$dir/zone"
cat "$dir/demo.txt"

echo "== dkimsign: signing $demo/sample.eml"
"$bin/dkimsign" -d example.com -s demo -k "$dir/demo.private" \
    < "$demo/sample.eml" > "$dir/signed.eml"
sed -n '/^DKIM-Signature:/,/^[^ 	]/p' "$dir/signed.eml" | sed '$d'

echo "== dkimverify: verifying against the zone file"
"$bin/dkimverify" --dns-zone="$dir/zone" < "$dir/signed.eml"
echo "== demo passed: the signature verifies"
