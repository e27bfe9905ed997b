# dkkeygen --check against a real DNS server (t/dnsd.py): every problem the
# man page lists, each said on stderr, and the exit status of each case.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$BIN/dkkeygen
D=$T/keys
DATA=$SOURCE/data/interop
mkdir "$D"

value() { grep -o '"[^"]*"' "$1" | tr -d '"\n'; }
pub_of() { value "$1" | sed 's/.*p=//'; }
# p= of an OpenSSL key file: base64 DER SubjectPublicKeyInfo
spki_b64() { openssl pkey -in "$1" -pubout -outform DER | openssl base64 -A; }
# zone-file TXT data: the value cut into quoted strings of at most n bytes
strings() { printf '%s' "$2" | fold -w "$1" | sed 's/.*/"&"/' | tr '\n' ' '; }

"$K" -d example.com -s good -D "$D" >/dev/null &&
"$K" -d example.com -s good1024 -b 1024 -D "$D" >/dev/null &&
"$K" -d example.com -s edgood -t ed25519 -D "$D" >/dev/null &&
"$K" -d example.com -s other -t ed25519 -D "$D" >/dev/null &&
"$K" -d example.com -s testing -t ed25519 --testing -D "$D" >/dev/null || {
	echo "Bail out! dkkeygen cannot make the keys for this test"
	exit 1
}
GOOD=$(pub_of "$D/good.txt")
P512=$(spki_b64 "$DATA/rsa512.private")
P768=$(spki_b64 "$DATA/rsa768.private")
cp "$DATA/rsa512.private" "$DATA/rsa768.private" "$D/"
chmod 600 "$D"/*.private

Z=$T/zone
{
	echo '$ORIGIN example.com.'
	cat "$D/good.txt" "$D/good1024.txt" "$D/edgood.txt" "$D/other.txt" "$D/testing.txt"
	echo "revoked._domainkey IN TXT \"v=DKIM1; k=rsa; p=\""
	echo "syntax._domainkey IN TXT \"v=DKIM1; k=rsa; this is not a tag; p=$GOOD\""
	echo "dup._domainkey IN TXT \"v=DKIM1; k=rsa; k=rsa; p=$GOOD\""
	echo "notdkim._domainkey IN TXT \"v=spf1 -all\""
	echo "vnotfirst._domainkey IN TXT \"k=rsa; v=DKIM1; p=$GOOD\""
	echo "nop._domainkey IN TXT \"v=DKIM1; k=rsa\""
	echo "badb64._domainkey IN TXT \"v=DKIM1; k=rsa; p=%%%%\""
	echo "notakey._domainkey IN TXT \"v=DKIM1; k=rsa; p=AAAA\""
	echo "unknownk._domainkey IN TXT \"v=DKIM1; k=dsa; p=$GOOD\""
	echo "hsha1._domainkey IN TXT \"v=DKIM1; k=rsa; h=sha1; p=$GOOD\""
	echo "hboth._domainkey IN TXT \"v=DKIM1; h=sha1 : sha256; k=rsa; p=$GOOD\""
	echo "semail._domainkey IN TXT \"v=DKIM1; s=email; p=$GOOD\""
	echo "sother._domainkey IN TXT \"v=DKIM1; s=tlsrpt; p=$GOOD\""
	echo "ts._domainkey IN TXT \"v=DKIM1; t=s; p=$GOOD\""
	echo "tys._domainkey IN TXT \"v=DKIM1; t=s:y; p=$GOOD\""
	echo "several._domainkey IN TXT \"v=DKIM1; p=$GOOD\""
	echo "several._domainkey IN TXT \"v=DKIM1; p=$GOOD\""
	# RFC 6376 3.6.1/3.2: whitespace around tags and inside p= is allowed;
	# the strings of one record are joined (3.6.2.2).
	echo "spaced._domainkey IN TXT ( \" v=DKIM1 ;  k = rsa ;\" \"	p = \"" \
	    "$(strings 100 "$GOOD" | sed 's/" "/ " "/g') )"
	echo "small512._domainkey IN TXT \"v=DKIM1; k=rsa; p=$P512\""
	echo "small768._domainkey IN TXT \"v=DKIM1; k=rsa; p=$P768\""
	echo "smalltest._domainkey IN TXT \"v=DKIM1; k=rsa; t=y; p=$P512\""
	echo "nodata._domainkey IN A 192.0.2.1"
} >"$Z"

dnsd_start --zone "$Z" --timeout slow._domainkey.example.com \
    --servfail broken._domainkey.example.com

# check SELECTOR [KEYFILE [more args]]: run --check via the server
check() {
	_s=$1
	_k=${2:-$D/$1.private}
	shift
	[ $# -gt 0 ] && shift
	"$K" --check -d example.com -s "$_s" -k "$_k" "$NS" "$@"
}
# problem WANT_STATUS SELECTOR KEY PATTERN DESCRIPTION
problem() {
	run_status "$1" "$5: exit $1" check "$2" "$3"
	like "$4" "$(cat "$T/err")" "$5: message"
	is "" "$(cat "$T/out")" "$5: nothing on stdout"
}

# --- matches ---------------------------------------------------------------------
run_status 0 "RSA 2048 record matches: exit 0" check good
is "good._domainkey.example.com: key OK (RSA, 2048 bits)" "$(cat "$T/out")" "RSA: key OK on stdout"
is "" "$(cat "$T/err")" "RSA: nothing on stderr"
run_status 0 "Ed25519 record matches: exit 0" check edgood
is "edgood._domainkey.example.com: key OK (Ed25519, 256 bits)" "$(cat "$T/out")" "Ed25519: key OK"
run_status 0 "1024-bit RSA: exit 0" check good1024
like '^dkkeygen: good1024\._domainkey\.example\.com: 1024-bit key: RFC 8301 3\.2 recommends at least 2048 bits$' \
    "$(cat "$T/err")" "1024-bit RSA: a warning"
run_status 0 "1024-bit RSA, -q: exit 0" check good1024 "" -q
is "" "$(cat "$T/err")" "-q silences the warning"
run_status 0 "-D finds DIR/SELECTOR.private" "$K" --check -d example.com -s good -D "$D" "$NS"
run_status 0 "upper-case domain (DNS names are case-insensitive)" \
    "$K" --check -d EXAMPLE.COM -s good -D "$D" "$NS"
run_status 0 "spaces around tags, p= split across strings: matches" check spaced "$D/good.private"
run_status 0 "h=sha1:sha256 allows sha256: matches" check hboth "$D/good.private"
run_status 0 "s=email: matches" check semail "$D/good.private"
run_status 0 "t=s: matches" check ts "$D/good.private"
run_status 0 "-v: exit 0" check good "" -v
like 'dkkeygen: good\._domainkey\.example\.com: "v=DKIM1; k=rsa; p=MII' "$(cat "$T/err")" \
    "-v shows the record fetched"

# --- problems: exit 1, one line each on stderr -------------------------------------
N='^dkkeygen: [a-z0-9]+\._domainkey\.example\.com: '
problem 1 missing "$D/good.private" "${N}no key record: .*NXDOMAIN" "no record (NXDOMAIN)"
problem 1 nodata "$D/good.private" "${N}no key record: .*NODATA" "no TXT record at the name (NODATA)"
problem 1 several "$D/good.private" "${N}2 TXT records; a selector must have exactly one" "two TXT records"
problem 1 syntax "$D/good.private" "${N}key record syntax error \\(RFC 6376 3\\.6\\.1\\): \"v=DKIM1; k=rsa; this is not a tag;" "syntax error (the record is shown)"
problem 1 dup "$D/good.private" "${N}key record syntax error" "tag twice"
problem 1 notdkim "$D/good.private" "${N}key record v= is not DKIM1 .*\"v=spf1 -all\"$" "SPF record at the name"
problem 1 vnotfirst "$D/good.private" "${N}key record v= is not the first tag" "v= not first"
problem 1 nop "$D/good.private" "${N}key record has no p=" "no p="
problem 1 badb64 "$D/good.private" "${N}bad key data" "p= not base64"
problem 1 notakey "$D/good.private" "${N}p= is not a valid RSA public key" "p= not a key"
problem 1 unknownk "$D/good.private" "${N}unknown key type" "unknown k="
problem 1 hsha1 "$D/good.private" "${N}h= does not allow sha256" "h=sha1 only"
problem 1 sother "$D/good.private" "${N}key not for e-mail \\(s=\\)" "s= without email"
problem 1 revoked "$D/good.private" "${N}key revoked" "revoked key"
problem 1 testing "" "${N}t=y is still set" "t=y (dkkeygen --testing)"
problem 1 tys "$D/good.private" "${N}t=y is still set" "t=s:y"
problem 1 other "$D/edgood.private" "${N}wrong key: the published key is not the public half of $D/edgood.private" \
    "wrong Ed25519 key"
problem 1 good "$D/good1024.private" "${N}wrong key: the published key is not" "wrong RSA key"
problem 1 good "$D/edgood.private" "${N}wrong key: the record has an RSA key, .* holds an Ed25519 key" \
    "key type differs"
problem 1 small512 "$D/rsa512.private" "${N}key too small: 512 bits; verifiers reject RSA keys under 1024 bits" \
    "512-bit RSA key"
problem 1 small768 "$D/rsa768.private" "${N}key too small: 768 bits" "768-bit RSA key"
run_status 1 "t=y and a small key: exit 1" check smalltest "$D/rsa512.private"
is 2 "$(wc -l <"$T/err" | tr -d ' ')" "t=y and a small key: two problems, two lines"
run_status 1 "wrong key: -q does not hide problems" check other "$D/edgood.private" -q
like 'wrong key' "$(cat "$T/err")" "-q: the problem is still said"

# --- temporary DNS errors: 75 --------------------------------------------------------
run_status 75 "DNS timeout: exit 75" check slow "$D/good.private" --dns-timeout=0.5
like "${N}DNS query failed: timeout" "$(cat "$T/err")" "DNS timeout: message"
problem 75 broken "$D/good.private" "${N}DNS query failed: SERVFAIL" "SERVFAIL"

# --- the key file ------------------------------------------------------------------------
problem 66 good "$T/nokey" "^dkkeygen: $T/nokey: cannot read the key: " "key file missing"
printf 'not a key\n' >"$T/garbage"
problem 78 good "$T/garbage" "^dkkeygen: $T/garbage: not a usable private key" "key file holds no key"
problem 78 good "$SOURCE/data/dkim/damaged-d.pem" "damaged-d.pem: not a usable private key: .*self-test" "a key that loads but cannot sign"
chmod 644 "$D/good.private"
run_status 0 "key file readable by others: still checked" check good
like "^dkkeygen: $D/good.private: readable by other users" "$(cat "$T/err")" "... with a warning"

done_testing
