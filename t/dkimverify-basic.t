# dkimverify-basic.t: result lines and exit status, --filter (one
# Authentication-Results field, forged ones with our authserv-id removed),
# batch mode, the signature cap, "nothing lost", LF input, DomainKeys.
# Keys come from --dns-zone (t/dkimverify-dns.t covers a real server).
. "${SOURCE:-t}/lib.sh"
plan_lazy

V=$VECTORS/dkim
ZONE=$V/zone.txt
A3=$V/messages/rfc8463-A3.eml
VERIFY="$BIN/dkimverify --dns-zone=$ZONE --nameserver=127.0.0.1@1 --dns-timeout=1"
CR=$(printf '\r')

# --- usage errors ----------------------------------------------------
run_status 0 "--help exits 0" "$BIN/dkimverify" --help
for o in --filter --authserv-id --min-key-bits --time --nameserver --dns-timeout --dns-budget --dns-zone; do
	like "$o" "$(cat "$T/out")" "--help lists $o"
done
run_status 64 "--filter with FILE operands" $VERIFY --filter "$A3" < "$A3"
is "" "$(cat "$T/out")" "... nothing written"
run_status 64 "--min-key-bits below 512" $VERIFY --min-key-bits=511 < "$A3"
run_status 64 "--min-key-bits not a number" $VERIFY --min-key-bits=big < "$A3"
run_status 64 "--time not a number" $VERIFY --time=yesterday < "$A3"
run_status 64 "-A with a line break" $VERIFY --filter -A 'a
b' < "$A3"
run_status 64 "unknown option" $VERIFY --frobnicate < "$A3"
is "" "$(cat "$T/out")" "... nothing written"

# --- results ---------------------------------------------------------
run_status 0 "RFC 8463 A.3: exit 0" $VERIFY < "$A3"
cp "$T/out" "$T/a3.out"
is 2 "$(wc -l < "$T/a3.out" | tr -d ' ')" "one line per signature"
is "dkim=pass header.d=football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=\"/gCrinpc\" header.i=@football.example.com" \
	"$(sed -n 1p "$T/a3.out")" "line 1: the topmost signature (ed25519)"
like '^dkim=pass header.d=football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf' \
	"$(sed -n 2p "$T/a3.out")" "line 2: rsa-sha256"
tr -d '\r' < "$A3" > "$T/a3.lf"
run_status 0 "LF copy verifies too" $VERIFY < "$T/a3.lf"
same_file "$T/a3.out" "$T/out" "... with the same lines"
run_status 0 "--min-key-bits 2048: exit 0 (ed25519 still passes)" $VERIFY --min-key-bits=2048 < "$A3"
like 'dkim=policy \(key too small' "$(sed -n 2p "$T/out")" "--min-key-bits 2048: 1024-bit RSA key is policy"
sed 's/We lost the game/We won the game/' "$A3" > "$T/altered"
run_status 1 "altered body: exit 1" $VERIFY < "$T/altered"
like '^dkim=fail \(body hash mismatch\) header.d=football.example.com' "$(sed -n 1p "$T/out")" "... fail (body hash mismatch)"
sed 's/^Subject: Is dinner ready?/Subject: Is lunch ready?/' "$A3" > "$T/altered2"
run_status 1 "altered Subject: exit 1" $VERIFY < "$T/altered2"
like '^dkim=fail \(signature mismatch\)' "$(sed -n 1p "$T/out")" "... fail (signature mismatch)"
printf 'From: a@example.com\r\nSubject: unsigned\r\n\r\nbody\r\n' > "$T/unsigned"
run_status 2 "unsigned: exit 2" $VERIFY < "$T/unsigned"
is "dkim=none" "$(cat "$T/out")" "... dkim=none"
{ printf 'From: Other <other@example.org>\r\n'; cat "$A3"; } > "$T/twofrom"
run_status 1 "second From added: exit 1" $VERIFY < "$T/twofrom"
unlike 'dkim=pass' "$(cat "$T/out")" "... no pass"

# key record t=y is reported
sed 's/^brisbane\._domainkey\.football\.example\.com\. IN TXT "v=DKIM1; /&t=y; /' "$ZONE" > "$T/zone.testing"
run_status 0 "t=y key: still a pass" "$BIN/dkimverify" --dns-zone="$T/zone.testing" --nameserver=127.0.0.1@1 < "$A3"
like '^dkim=pass \(key in test mode\)' "$(sed -n 1p "$T/out")" "... reported as test mode"

# DomainKeys (t/domainkeys-*.t has the rest)
run_status 0 "DomainKey-Signature only: exit 0" $VERIFY < "$V/messages/maildkim-good_dk_gmail.txt"
is 'domainkeys=pass (key in test mode) header.d=gmail.com header.s=beta header.from=jasonalonzolong@gmail.com' \
	"$(cat "$T/out")" "... domainkeys=pass, with the sending address"

# --min-key-bits below 1024 lowers the floor for DomainKeys only
MD=$VECTORS/dkim-corpus/mail-dkim
MDV="$BIN/dkimverify --dns-zone=$MD/zone.txt --nameserver=127.0.0.1@1 --dns-timeout=1"
run_status 1 "512-bit DomainKeys key: exit 1" $MDV < "$MD/messages/good_dk_3.txt"
like '^domainkeys=policy \(key too small: 512 bits\)' "$(cat "$T/out")" "... policy (key too small)"
run_status 0 "... --min-key-bits=512: exit 0" $MDV --min-key-bits=512 < "$MD/messages/good_dk_3.txt"
like '^domainkeys=pass header.d=messiah.edu' "$(cat "$T/out")" "... domainkeys=pass"
run_status 1 "512-bit DKIM key with --min-key-bits=512: still exit 1 (RFC 8301)" $MDV --min-key-bits=512 < "$MD/messages/goodkey_3.txt"
like '^dkim=policy \(key too small: 512 bits\)' "$(cat "$T/out")" "... dkim=policy (key too small)"

# the cap: signatures past 8 are policy, not looked up
{ i=0; while [ $i -lt 10 ]; do sed -n '1,3p' "$A3" | sed "s/s=brisbane/s=n$i/"; sed -n '4,7p' "$A3"; i=$((i + 1)); done; sed '1,15d' "$A3"; } > "$T/many"
i=0; while [ $i -lt 10 ]; do echo "n$i._domainkey.football.example.com. IN TXT \"v=DKIM1; p=\""; i=$((i + 1)); done > "$T/zone.many"
"$BIN/dkimverify" --dns-zone="$T/zone.many" --nameserver=127.0.0.1@1 --dns-timeout=1 < "$T/many" > "$T/out" 2> "$T/err"
is 10 "$(grep -c '^dkim=' "$T/out")" "10 signatures: 10 lines"
like '^dkim=policy \(too many signatures\)' "$(sed -n 9p "$T/out")" "9th: policy (too many signatures)"
like '^dkim=policy \(too many signatures\)' "$(sed -n 10p "$T/out")" "10th: policy (too many signatures)"
like '^dkim=fail \(key revoked\)' "$(sed -n 8p "$T/out")" "8th is evaluated (its key is revoked)"

# hostile values cannot add lines or results
printf 'DKIM-Signature: v=1; a=rsa-sha256; d=ex;dkim=pass; s=x; h=from; bh=AA==; b=AA==\r\nFrom: a@example.com\r\n\r\nx\r\n' > "$T/hostile"
$VERIFY < "$T/hostile" > "$T/out" 2> "$T/err"
is 1 "$(wc -l < "$T/out" | tr -d ' ')" "hostile signature: one line"
unlike 'dkim=pass' "$(cat "$T/out")" "... and no pass"

# --- --filter ----------------------------------------------------------
run_status 0 "--filter: exit 0" $VERIFY --filter -A mx.example.net < "$A3"
cp "$T/out" "$T/f"
like '^Authentication-Results: mx.example.net;' "$(head -n 1 "$T/f")" "Authentication-Results prepended"
is 0 "$(tr -d '\r' < "$T/f" | sed '/^$/,$d' | awk 'length > 78' | wc -l | tr -d ' ')" "... folded at 78 columns"
is 1 "$(grep -c '^Authentication-Results:' "$T/f")" "exactly one field added"
tr -d '\r\n\t ' < "$T/f" | grep -q 'dkim=passheader.d=football.example.com'; is 0 $? "... holding dkim=pass"
awk 'NR == 1 { s = 1; next } s && /^[ \t]/ { next } { s = 0; print }' "$T/f" > "$T/f.rest"
same_file "$A3" "$T/f.rest" "rest of the message unchanged"
ok "CRLF kept on the added field" grep -q "^Authentication-Results: mx.example.net;.*$CR\$" "$T/f"
run_status 0 "--filter on a failing message: exit 0" $VERIFY --filter -A mx.example.net < "$T/altered"
tr -d '\r\n\t ' < "$T/out" | grep -q 'dkim=fail(bodyhashmismatch)'; is 0 $? "... with dkim=fail in the field"
run_status 0 "--filter on an unsigned message: exit 0" $VERIFY --filter -A mx.example.net < "$T/unsigned"
like '^Authentication-Results: mx.example.net; dkim=none' "$(head -n 1 "$T/out")" "... dkim=none"
run_status 0 "--filter LF input" $VERIFY --filter -A mx.example.net < "$T/a3.lf"
ok "... LF-only output" sh -c "! grep -q '$CR' '$T/out'"

# forged Authentication-Results with our authserv-id are removed (RFC 8601 5)
{ printf 'Authentication-Results: mx.example.net; dkim=pass header.d=paypal.com\r\n'
  printf 'Authentication-Results: other.example; spf=pass\r\n'
  cat "$A3"; printf 'Authentication-Results: MX.Example.Net;\r\n dkim=pass\r\n'; } > "$T/forged"
# (the last one is in the body: it must stay)
"$BIN/dkimverify" --dns-zone="$ZONE" --nameserver=127.0.0.1@1 --filter -A mx.example.net < "$T/forged" > "$T/out"
is 1 "$(sed '/^\r\{0,1\}$/,$d' "$T/out" | grep -ci '^Authentication-Results: mx.example.net')" "forged field with our id removed"
unlike 'paypal' "$(cat "$T/out")" "... the forged result is gone"
like 'Authentication-Results: other.example; spf=pass' "$(cat "$T/out")" "a field of another authserv-id is kept"
like 'MX.Example.Net' "$(cat "$T/out")" "text in the body is untouched"
{ printf 'Authentication-Results: mx.example.net; dkim=pass\r\n'; cat "$A3"; } > "$T/forged2"
"$BIN/dkimverify" --dns-zone="$ZONE" --nameserver=127.0.0.1@1 --filter -A other.example < "$T/forged2" > "$T/out"
like 'mx.example.net; dkim=pass' "$(cat "$T/out")" "another id's field kept with -A other.example"
"$BIN/dkimverify" --dns-zone="$ZONE" --nameserver=127.0.0.1@1 --filter < "$A3" > "$T/out"
like "^Authentication-Results: $(hostname);" "$(head -n 1 "$T/out")" "without -A: the host name"

# --- nothing lost ---------------------------------------------------
printf 'no header here\r\n\r\nbody\r\n' > "$T/nohdr"
run_status 65 "--filter, no header section: 65" $VERIFY --filter < "$T/nohdr"
same_file "$T/nohdr" "$T/out" "... input copied unchanged"
run_status 65 "no header section: 65" $VERIFY < "$T/nohdr"
is "" "$(cat "$T/out")" "... no result line"
run_status 78 "--filter, unreadable zone file: 78" "$BIN/dkimverify" --dns-zone="$T/nozone" --filter < "$A3"
same_file "$A3" "$T/out" "... input copied unchanged"
if [ -w /dev/full ]; then
	$VERIFY < "$A3" > /dev/full 2> "$T/err"; is 74 $? "results to /dev/full: 74"
	$VERIFY --filter < "$A3" > /dev/full 2> "$T/err"; is 74 $? "--filter to /dev/full: 74"
	$VERIFY --filter < "$T/nohdr" > /dev/full 2> "$T/err"; is 74 $? "--filter, bad input, /dev/full: 74"
else
	skip "no /dev/full"; skip "no /dev/full"; skip "no /dev/full"
fi

# --- batch mode -------------------------------------------------------
run_status 1 "batch: pass, fail, none" $VERIFY "$A3" "$T/altered" "$T/unsigned"
cp "$T/out" "$T/b"
is 6 "$(wc -l < "$T/b" | tr -d ' ')" "2 + 2 + 1 result lines and the summary"
like "^$A3: dkim=pass header.d=football.example.com header.s=brisbane" "$(sed -n 1p "$T/b")" "lines prefixed by the file name"
like "^$T/unsigned: dkim=none\$" "$(sed -n 5p "$T/b")" "unsigned file: dkim=none"
is "3 messages: 1 pass, 1 fail, 1 none, 0 temperror" "$(tail -n 1 "$T/b")" "summary line"
run_status 0 "batch, all pass: exit 0" $VERIFY "$A3" "$T/a3.lf"
is "2 messages: 2 pass, 0 fail, 0 none, 0 temperror" "$(tail -n 1 "$T/out")" "... summary"
run_status 66 "batch with an unreadable file: 66" $VERIFY "$A3" "$T/missing"
# the unreadable file is counted apart so that N adds up (issue 10)
is "2 messages: 1 pass, 0 fail, 0 none, 0 temperror, 1 unreadable" "$(tail -n 1 "$T/out")" "... still verifies the others"
like 'missing' "$(cat "$T/err")" "... and names the file"
run_status 65 "batch with a non-message: 65" $VERIFY "$A3" "$T/nohdr"
run_status 2 "batch, unsigned only: exit 2" $VERIFY "$T/unsigned"

# ABNF strings are case-insensitive (RFC 5234 2.3): a=RSA-SHA256, k=RSA and
# c=Relaxed/Relaxed are read like their lower-case forms; a v= that is not
# the key record's first tag is named as such (RFC 6376 3.6.1); an h= that
# names dkim-signature with no other signature below selects the signature
# itself (RFC 6376 5.4 forbids it), which does not verify, as in the peers.
H=$SOURCE/data/diff/hostile
HV="$BIN/dkimverify --dns-zone=$SOURCE/data/diff/zone.txt --time=1700000100"
for f in a-uppercase key-kupper c-uppercase; do
	run_status 0 "$f: pass" $HV < "$H/$f.eml"
done
run_status 1 "v= not first in the key record: not a pass" $HV < "$H/key-vnotfirst.eml"
like 'permerror \(key record v= is not the first tag\)' "$(cat "$T/out")" "... and the reason says so"
run_status 1 "h= lists the signature itself: not a pass" $HV < "$H/h-lists-dkim-signature.eml"

# A revoked key (empty p=) is a failed signature check (RFC 6376 6.1.2
# step 6: "MUST treat this as a failed signature check"; DESIGN: "a
# revoked key ... is a fail"): dkim=fail, exit 1 (signatures exist, none
# passes).
run_status 1 "only signature's key revoked: exit 1" $HV < "$H/key-revoked.eml"
like '^dkim=fail \(key revoked\) header.d=example.com header.s=revoked' "$(cat "$T/out")" \
	"... dkim=fail (key revoked)"
# q= values are ABNF strings, case-insensitive (RFC 5234 2.3) like a=, c=
# and k=: q=DNS/TXT names the dns/txt method (RFC 6376 3.5).
run_status 0 "q=DNS/TXT: pass" $HV < "$H/q-uppercase.eml"
like '^dkim=pass header.d=example.com' "$(cat "$T/out")" "... dkim=pass"

done_testing
