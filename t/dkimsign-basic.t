# dkimsign-basic.t: options, exit status and "nothing lost", output shape
# (prepended fields, folding, line endings), determinism, every option of
# the signer, and round trips through dkimverify (--dns-zone).
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
ZONE=$VECTORS/dkim/zone.txt
RSA=$K/rfc8463-test.private
ED=$K/rfc8463-brisbane.ed25519.seed.b64
D=football.example.com
# every name the tests look up is in the zone; anything else fails fast
VERIFY="$BIN/dkimverify --dns-zone=$ZONE --nameserver=127.0.0.1@1 --dns-timeout=1"

printf 'From: Joe SixPack <joe@football.example.com>\r\nTo: Suzie Q <suzie@shopping.example.net>\r\nSubject: Is dinner ready?\r\nDate: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\nMessage-ID: <20030712040037.46341.5F8J@football.example.com>\r\n\r\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n' > "$T/msg"
tr -d '\r' < "$T/msg" > "$T/msg.lf"

# body of a signed message without the DKIM-Signature fields
strip_sigs() {
	awk 'BEGIN { s = 0 } /^DKIM-Signature:/ { s = 1; next } s && /^[ \t]/ { next } { s = 0; print }' "$1"
}
# the b= value of the Nth (1-based) DKIM-Signature field, unfolded
bval() {
	"$PY" - "$1" "${2:-1}" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read().decode('latin-1')
fields = re.findall(r'^DKIM-Signature:(.*?(?:\r?\n[ \t].*?)*)\r?\n', data, re.M)
v = re.sub(r'\s', '', fields[int(sys.argv[2]) - 1])
m = re.search(r'(?:^|;)b=([^;]*)', v)
print(m.group(1) if m else '')
PY
}

# --- usage errors: 64, nothing read, nothing written -------------------
run_status 0 "--help exits 0" "$BIN/dkimsign" --help
like 'oversign' "$(cat "$T/out")" "--help lists --oversign"
run_status 64 "no -d: usage error" "$BIN/dkimsign" -s test -k "$RSA" < "$T/msg"
is "" "$(cat "$T/out")" "usage error writes nothing to stdout"
run_status 64 "-s without -k" "$BIN/dkimsign" -d $D -s test < "$T/msg"
run_status 64 "-a rsa-sha1 refused (RFC 8301)" "$BIN/dkimsign" -d $D -s test -k "$RSA" -a rsa-sha1 < "$T/msg"
like 'RFC 8301' "$(cat "$T/err")" "... and says why"
run_status 64 "bad -c" "$BIN/dkimsign" -d $D -s test -k "$RSA" -c loose/simple < "$T/msg"
run_status 64 "bad -x" "$BIN/dkimsign" -d $D -s test -k "$RSA" -x soon < "$T/msg"
run_status 64 "bad -t" "$BIN/dkimsign" -d $D -s test -k "$RSA" -t yesterday < "$T/msg"
run_status 64 "-i outside -d" "$BIN/dkimsign" -d $D -s test -k "$RSA" -i joe@example.org < "$T/msg"
run_status 64 "-h without From" "$BIN/dkimsign" -d $D -s test -k "$RSA" -h to:subject < "$T/msg"
run_status 64 "bad domain" "$BIN/dkimsign" -d 'foot ball.example.com' -s test -k "$RSA" < "$T/msg"
run_status 64 "selector with a newline" "$BIN/dkimsign" -d $D -s 'te
st' -k "$RSA" < "$T/msg"
run_status 64 "unknown option" "$BIN/dkimsign" --frobnicate -d $D -s test -k "$RSA" < "$T/msg"
is "" "$(cat "$T/out")" "unknown option writes nothing to stdout"

# --- nothing lost: input copied unchanged, documented status ----------
run_status 66 "missing key file: 66" "$BIN/dkimsign" -d $D -s test -k "$T/nokey.pem" < "$T/msg"
same_file "$T/msg" "$T/out" "... input copied unchanged"
like 'nokey.pem' "$(cat "$T/err")" "... error names the file"
is 1 "$(wc -l < "$T/err" | tr -d ' ')" "... in one line"
printf 'not a key\n' > "$T/bad.pem"
run_status 78 "unusable key: 78" "$BIN/dkimsign" -d $D -s test -k "$T/bad.pem" < "$T/msg"
same_file "$T/msg" "$T/out" "... input copied unchanged"
run_status 78 "a key that loads but cannot sign (damaged d): 78" "$BIN/dkimsign" -d $D -s test -k "$SOURCE/data/dkim/damaged-d.pem" < "$T/msg"
same_file "$T/msg" "$T/out" "... input copied unchanged"
like 'damaged-d\.pem: the key cannot make a valid signature' "$(cat "$T/err")" "... error names the key file"
run_status 78 "a good and a damaged key: 78, no half-signed output" "$BIN/dkimsign" -d $D -s test -k "$RSA" -s test2 -k "$SOURCE/data/dkim/damaged-d.pem" < "$T/msg"
same_file "$T/msg" "$T/out" "... input copied unchanged"
run_status 78 "-a ed25519-sha256 with an RSA key: 78" "$BIN/dkimsign" -d $D -s test -k "$RSA" -a ed25519-sha256 < "$T/msg"
same_file "$T/msg" "$T/out" "... input copied unchanged"
printf 'this is no header\r\n\r\nbody\r\n' > "$T/nohdr"
run_status 65 "message without header section: 65" "$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/nohdr"
same_file "$T/nohdr" "$T/out" "... input copied unchanged"
: > "$T/empty"
run_status 65 "empty input: 65" "$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/empty"
same_file "$T/empty" "$T/out" "... nothing in, nothing out"
printf 'To: x@example.com\r\nSubject: no author\r\n\r\nbody\r\n' > "$T/nofrom"
run_status 65 "message without From: 65" "$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/nofrom"
same_file "$T/nofrom" "$T/out" "... input copied unchanged"
if [ -w /dev/full ]; then
	"$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/msg" > /dev/full 2> "$T/err"
	is 74 $? "stdout on /dev/full: 74"
	"$BIN/dkimsign" -d $D -s test -k "$T/nokey.pem" < "$T/msg" > /dev/full 2> "$T/err"
	is 74 $? "missing key and /dev/full: 74"
else
	skip "no /dev/full"; skip "no /dev/full"
fi

# --- output shape ----------------------------------------------------
run_status 0 "RSA signature" "$BIN/dkimsign" -d $D -s test -k "$RSA" -t 1528637909 < "$T/msg"
cp "$T/out" "$T/s1"
like '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=football.example.com;' "$(head -n 1 "$T/s1")" "field first, default a= and c="
strip_sigs "$T/s1" > "$T/s1.body"
same_file "$T/msg" "$T/s1.body" "every other byte unchanged"
like 't=1528637909;' "$(tr -d '\r\n' < "$T/s1")" "-t sets t="
like 'h=from:subject:date:to:message-id:from:to:subject:date;' "$(tr -d '\r\n\t ' < "$T/s1")" "default h=: RFC 6376 5.4.1 list and Message-ID, those present, From To Subject Date oversigned"
is 0 "$(tr -d '\r' < "$T/s1" | awk 'length > 78' | wc -l | tr -d ' ')" "no line longer than 78 columns"
is 0 "$(sed -n '/^From:/q;p' "$T/s1" | grep -vc "$(printf '\r')\$")" "CRLF input, CRLF field"
run_status 0 "signature verifies" $VERIFY < "$T/s1"
like '^dkim=pass header.d=football.example.com header.s=test header.a=rsa-sha256 header.b=' "$(cat "$T/out")" "... dkim=pass"
"$BIN/dkimsign" -d $D -s test -k "$RSA" -t 1528637909 < "$T/msg" > "$T/s2"
same_file "$T/s1" "$T/s2" "fixed -t: output is deterministic"

# LF input: LF field, same signature
run_status 0 "LF input" "$BIN/dkimsign" -d $D -s test -k "$RSA" -t 1528637909 < "$T/msg.lf"
cp "$T/out" "$T/s1.lf"
ok "LF input gives an LF-only output" sh -c "! grep -q \"\$(printf '\r')\" '$T/s1.lf'"
is "$(bval "$T/s1")" "$(bval "$T/s1.lf")" "LF and CRLF input: identical b="
run_status 0 "LF signature verifies" $VERIFY < "$T/s1.lf"

# Ed25519, deterministic too
run_status 0 "Ed25519 signature" "$BIN/dkimsign" -d $D -s brisbane -k "$ED" -t 1528637909 < "$T/msg"
cp "$T/out" "$T/e1"
like 'a=ed25519-sha256;' "$(head -n 1 "$T/e1")" "a= follows the key type"
run_status 0 "Ed25519 signature verifies" $VERIFY < "$T/e1"
"$BIN/dkimsign" -d $D -s brisbane -k "$ED" -t 1528637909 < "$T/msg.lf" > "$T/e1.lf"
is "$(bval "$T/e1")" "$(bval "$T/e1.lf")" "Ed25519: LF and CRLF input give identical b="

# all four canonicalisation pairs
for c in simple/simple simple/relaxed relaxed/simple relaxed/relaxed; do
	"$BIN/dkimsign" -d $D -s test -k "$RSA" -c $c < "$T/msg" > "$T/c"
	like "c=$c;" "$(head -n 1 "$T/c")" "-c $c written"
	run_status 0 "-c $c verifies" $VERIFY < "$T/c"
	"$BIN/dkimsign" -d $D -s test -k "$RSA" -c $c < "$T/msg.lf" > "$T/c"
	run_status 0 "-c $c verifies (LF)" $VERIFY < "$T/c"
done
"$BIN/dkimsign" -d $D -s test -k "$RSA" -c simple < "$T/msg" > "$T/c"
like 'c=simple/simple;' "$(head -n 1 "$T/c")" "-c simple means simple/simple (RFC 6376 3.5)"

# several -s/-k pairs in one pass, in order
run_status 0 "two pairs" "$BIN/dkimsign" -d $D -s brisbane -k "$ED" -s test -k "$RSA" < "$T/msg"
cp "$T/out" "$T/two"
is 2 "$(grep -c '^DKIM-Signature:' "$T/two")" "two DKIM-Signature fields"
like 's=brisbane;' "$(head -n 1 "$T/two" | tr -d '\r')$(sed -n 2p "$T/two")" "first pair on top"
strip_sigs "$T/two" > "$T/two.body"
same_file "$T/msg" "$T/two.body" "rest unchanged"
run_status 0 "both verify" $VERIFY < "$T/two"
is 2 "$(grep -c '^dkim=pass' "$T/out")" "two dkim=pass lines"
like 'header.s=brisbane' "$(head -n 1 "$T/out")" "... in field order"

# --oversign: an added From breaks the signature
run_status 0 "--oversign" "$BIN/dkimsign" -d $D -s test -k "$RSA" --oversign < "$T/msg"
cp "$T/out" "$T/over"
like 'h=from:subject:date:to:message-id:from:subject:date:to:message-id;' "$(tr -d '\r\n\t ' < "$T/over")" "each field named once more than present"
run_status 0 "over-signed message verifies" $VERIFY < "$T/over"
{ sed -n '1,/^Message-ID/p' "$T/over"; printf 'From: Mallory <m@evil.example>\r\n'; sed '1,/^Message-ID/d' "$T/over"; } > "$T/over2"
run_status 1 "From added after signing: not a pass" $VERIFY < "$T/over2"
like '^dkim=fail' "$(cat "$T/out")" "... fail"

# Default oversigning (issue 10 item 6): From, To, Cc, Subject, Date,
# Reply-To and Content-Type once more than present, so an added To breaks
# the default signature; --no-oversign turns it off.
{ sed -n '1,/^Message-ID/p' "$T/s1"; printf 'To: Mallory <m@evil.example>\r\n'; sed '1,/^Message-ID/d' "$T/s1"; } > "$T/s1to"
run_status 1 "default: To added after signing: not a pass" $VERIFY < "$T/s1to"
printf 'From: a@football.example.com\r\nReply-To: r@football.example.com\r\nCc: c@example.net\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\nX-Other: x\r\n\r\nbody\r\n' > "$T/mime"
run_status 0 "MIME fields: signed" "$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/mime"
like 'h=from:reply-to:cc:mime-version:content-type:content-transfer-encoding:from:cc:reply-to:content-type;' "$(tr -d '\r\n\t ' < "$T/out")" "default h=: MIME-Version, Content-Type, Content-Transfer-Encoding signed; From, Cc, Reply-To, Content-Type oversigned; X-Other not"
cp "$T/out" "$T/mime.s"
run_status 0 "MIME fields: verifies" $VERIFY < "$T/mime.s"
run_status 0 "--no-oversign" "$BIN/dkimsign" -d $D -s test -k "$RSA" --no-oversign < "$T/msg"
like 'h=from:subject:date:to:message-id;' "$(tr -d '\r\n\t ' < "$T/out")" "--no-oversign: each present field once"
run_status 64 "--oversign --no-oversign: usage error" "$BIN/dkimsign" -d $D -s test -k "$RSA" --oversign --no-oversign < "$T/msg"
run_status 0 "-h: exactly the list, no default oversigning" "$BIN/dkimsign" -d $D -s test -k "$RSA" -h from:to < "$T/msg"
like 'h=from:to;' "$(tr -d '\r\n\t ' < "$T/out")" "-h from:to: h=from:to"

# h= stays within what verifiers accept (DKIM_MAX_H_NAMES, 1024): a message
# with 3000 Received fields signs the bottom-most instances (RFC 6376 5.4.2),
# keeps From and Subject, and verifies.
{ printf 'From: Joe <joe@football.example.com>\r\nSubject: many hops\r\n'
  i=0; while [ $i -lt 3000 ]; do printf 'Received: from h%d by mx\r\n' $i; i=$((i + 1)); done
  printf '\r\nbody\r\n'; } > "$T/hops"
run_status 0 "3000 Received fields, -h from:subject:received --oversign: signed" "$BIN/dkimsign" -d $D -s test -k "$RSA" -h from:subject:received --oversign < "$T/hops"
cp "$T/out" "$T/hops.s"
hl=$(awk '/^DKIM-Signature:/ { s = 1 } s { print } s && /b=/ { exit }' "$T/hops.s" | tr -d '\r\n\t ' | sed 's/.*;h=\([^;]*\);.*/\1/')
is 1024 "$(printf '%s\n' "$hl" | awk -F: '{ print NF }')" "... h= names exactly 1024 fields"
is "2 2" "$(printf '%s\n' "$hl" | tr ':' '\n' | awk '$0 == "from" { f++ } $0 == "subject" { s++ } END { print f + 0, s + 0 }')" "... From and Subject still over-signed"
run_status 0 "... and the signature verifies" $VERIFY < "$T/hops.s"
run_status 64 "-h with 1025 names: usage error" "$BIN/dkimsign" -d $D -s test -k "$RSA" -h "from$(i=0; while [ $i -lt 1024 ]; do printf ':x-h%d' $i; i=$((i + 1)); done)" < "$T/msg"

# -h exactly
run_status 0 "-h" "$BIN/dkimsign" -d $D -s test -k "$RSA" -h 'From:Subject:X-Missing' < "$T/msg"
like 'h=From:Subject:X-Missing;' "$(tr -d '\r\n\t ' < "$T/out")" "-h list used as given"
cp "$T/out" "$T/h"
run_status 0 "-h signature verifies" $VERIFY < "$T/h"
sed 's/^To: Suzie/To: Eve/' "$T/h" > "$T/h2"
run_status 0 "a field outside h= may change" $VERIFY < "$T/h2"

# -l: later body additions do not break it
run_status 0 "-l" "$BIN/dkimsign" -d $D -s test -k "$RSA" -l < "$T/msg"
cp "$T/out" "$T/l"
like 'l=[0-9]+;' "$(tr -d '\r\n\t ' < "$T/l")" "l= written"
{ cat "$T/l"; printf 'appended later\r\n'; } > "$T/l2"
run_status 0 "l= signature survives an appended line" $VERIFY < "$T/l2"
{ cat "$T/s1"; printf 'appended later\r\n'; } > "$T/s3"
run_status 1 "without l= an appended line fails" $VERIFY < "$T/s3"
like 'body hash mismatch' "$(cat "$T/out")" "... body hash mismatch"

# -x: expiry
run_status 0 "-x" "$BIN/dkimsign" -d $D -s test -k "$RSA" -t 1700000000 -x 3600 < "$T/msg"
cp "$T/out" "$T/x"
like 'x=1700003600;' "$(tr -d '\r\n\t ' < "$T/x")" "x= = t= + SECONDS"
run_status 0 "verifies before x=" $VERIFY --time=1700001000 < "$T/x"
run_status 1 "expired with --time later" $VERIFY --time=1700007200 < "$T/x"
like '^dkim=fail \(signature expired\)' "$(cat "$T/out")" "... dkim=fail (signature expired)"

# -i
run_status 0 "-i" "$BIN/dkimsign" -d $D -s test -k "$RSA" -i joe@sub.football.example.com < "$T/msg"
cp "$T/out" "$T/i"
like 'i=joe@sub.football.example.com;' "$(tr -d '\r\n\t ' < "$T/i")" "i= written"
run_status 0 "-i signature verifies" $VERIFY < "$T/i"
like 'header.i=joe@sub.football.example.com' "$(cat "$T/out")" "header.i reported"

# mbox From line stays first and is not signed
{ printf 'From joe@football.example.com Fri Jul 11 21:00:37 2003\r\n'; cat "$T/msg"; } > "$T/mbox"
run_status 0 "mbox input" "$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/mbox"
cp "$T/out" "$T/mbox.s"
like '^From joe@' "$(head -n 1 "$T/mbox.s")" "mbox From line kept first"
like '^DKIM-Signature:' "$(sed -n 2p "$T/mbox.s")" "signature right after it"
run_status 0 "mbox signed message verifies" $VERIFY < "$T/mbox.s"

done_testing
