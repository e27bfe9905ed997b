# domainkeys-verify.t: dkimverify on DomainKey-Signature fields (RFC
# 4870): the DomainKeys vector of t/vectors/dkim (a real gmail.com
# signature, nofws, h= with fields in an order of their own), CRLF and LF,
# tampering, the sending address (From, Sender, outside d=), the
# 512-bit-key floor and --min-key-bits, several signatures, --filter (one
# Authentication-Results field), batch mode, and keys over DNS from
# t/dnsd.py (pass, SERVFAIL, timeout).  t/dkim-vectors.t scores every
# DomainKeys row of the vector manifests.
. "${SOURCE:-t}/lib.sh"
plan_lazy

V=$VECTORS/dkim
GMAIL=$V/messages/maildkim-good_dk_gmail.txt
MD=$VECTORS/dkim-corpus/mail-dkim
VERIFY="$BIN/dkimverify --dns-zone=$V/zone.txt --nameserver=127.0.0.1@1 --dns-timeout=1"
MDV="$BIN/dkimverify --dns-zone=$MD/zone.txt --nameserver=127.0.0.1@1 --dns-timeout=1"
GMAIL_LINE='domainkeys=pass (key in test mode) header.d=gmail.com header.s=beta header.from=jasonalonzolong@gmail.com'

# --- the vector ------------------------------------------------------------
run_status 0 "gmail.com DomainKeys vector: exit 0" $VERIFY < "$GMAIL"
is "$GMAIL_LINE" "$(cat "$T/out")" "... one line: pass, t=y reported, the sending address"
tr -d '\r' < "$GMAIL" > "$T/gmail.lf"
run_status 0 "LF copy: exit 0" $VERIFY < "$T/gmail.lf"
is "$GMAIL_LINE" "$(cat "$T/out")" "... the same line"
sed 's/This message sent from Gmail\./This message sent from Yahoo./' "$GMAIL" > "$T/body"
run_status 1 "changed body: exit 1" $VERIFY < "$T/body"
like '^domainkeys=fail \(signature mismatch, key in test mode\) header.d=gmail.com' "$(cat "$T/out")" "... domainkeys=fail"
sed 's/^Subject: Test from gmail/Subject: Test from elsewhere/' "$GMAIL" > "$T/subject"
run_status 1 "changed Subject: exit 1" $VERIFY < "$T/subject"
like '^domainkeys=fail' "$(cat "$T/out")" "... domainkeys=fail"
sed 's/^X-Spam-Level: \*/X-Spam-Level: ****/' "$GMAIL" > "$T/above"
run_status 0 "changed field above the signature: exit 0" $VERIFY < "$T/above"
sed 's/^To: jlong@messiah.edu/To: jlong@messiah.edu\
Cc: someone@example.org/' "$T/gmail.lf" > "$T/cc"
run_status 0 "added field not in h=: exit 0" $VERIFY < "$T/cc"
sed 's/^To: jlong@messiah.edu/To: jlong@messiah.edu\
To: someone@example.org/' "$T/gmail.lf" > "$T/to"
run_status 1 "added field named in h= (RFC 4870 3.3): exit 1" $VERIFY < "$T/to"
sed 's/^From: "Jason Long" <jasonalonzolong@gmail.com>/From: "Jason Long" <jasonalonzolong@yahoo.com>/' "$T/gmail.lf" > "$T/from"
run_status 1 "From changed to another domain: exit 1" $VERIFY < "$T/from"
like '^domainkeys=permerror \(From domain not within d=' "$(cat "$T/out")" "... permerror before any crypto"
sed 's/ d=gmail.com;/ d=gmail.org;/' "$T/gmail.lf" > "$T/d"
run_status 1 "d= changed: exit 1" $VERIFY < "$T/d"
like '^domainkeys=permerror \(From domain not within d=' "$(cat "$T/out")" "... permerror"
{ printf 'From: Other <other@example.org>\n'; cat "$T/gmail.lf"; } > "$T/twofrom"
run_status 1 "a second From field: exit 1" $VERIFY < "$T/twofrom"
like '^domainkeys=policy \(several From fields' "$(cat "$T/out")" "... policy"

# --- the Mail::DKIM corpus: identity, keys, several signatures ------------------
run_status 1 "good_dk_4 (512-bit key): exit 1" $MDV < "$MD/messages/good_dk_4.txt"
like '^domainkeys=policy \(key too small: 512 bits\) header.d=messiah.edu header.s=test3 header.sender=jlong@messiah.edu$' \
    "$(cat "$T/out")" "... policy, header.sender"
run_status 0 "--min-key-bits=512: exit 0" $MDV --min-key-bits=512 < "$MD/messages/good_dk_4.txt"
is 'domainkeys=pass header.d=messiah.edu header.s=test3 header.sender=jlong@messiah.edu' \
    "$(cat "$T/out")" "... pass (key g=jl*g matches jlong)"
run_status 1 "bad_dk_2: a Sender outside d= added: exit 1" $MDV --min-key-bits=512 < "$MD/messages/bad_dk_2.txt"
like '^domainkeys=permerror \(Sender domain not within d=\)' "$(cat "$T/out")" "... permerror"
run_status 1 "bad_dk_4: empty q=: exit 1" $MDV --min-key-bits=512 < "$MD/messages/bad_dk_4.txt"
like '^domainkeys=permerror \(unsupported query method\)' "$(cat "$T/out")" "... permerror"
run_status 0 "good_dk_6: no h= (every field below signed): exit 0" $MDV --min-key-bits=512 < "$MD/messages/good_dk_6.txt"
run_status 0 "dk_multiple_1: two DomainKeys signatures: exit 0" $MDV --min-key-bits=512 < "$MD/messages/dk_multiple_1.txt"
is 'domainkeys=pass (key in test mode) header.d=messiah.edu header.s=test1 header.sender=george@messiah.edu
domainkeys=pass (key in test mode) header.d=gmail.com header.s=beta header.from=jasonalonzolong@gmail.com' \
    "$(cat "$T/out")" "... both pass, each with the sending address of the fields it signs"

# --- --filter and batch ---------------------------------------------------------
run_status 0 "--filter: exit 0" $VERIFY --filter -A mx.example.net < "$GMAIL"
is 1 "$(grep -c '^Authentication-Results:' "$T/out")" "... one Authentication-Results field"
ar=$(awk '/^Authentication-Results:/ { on = 1; printf "%s", $0; next } on && /^[ \t]/ { printf "%s", $0; next } on { exit }' "$T/out" | tr -d '\r')
like '^Authentication-Results: mx.example.net;[[:space:]]+domainkeys=pass[[:space:]]+\(key in test mode\)[[:space:]]+header.d=gmail.com[[:space:]]+header.s=beta[[:space:]]+header.from=jasonalonzolong@gmail.com$' \
    "$ar" "... domainkeys=pass in it"
run_status 0 "--filter on a tampered message: exit 0" $VERIFY --filter -A mx.example.net < "$T/body"
like 'domainkeys=fail' "$(sed -n '1,3p' "$T/out")" "... domainkeys=fail in the field"
run_status 1 "batch: pass, fail, permerror" $VERIFY "$GMAIL" "$T/body" "$T/from"
is "3 messages: 1 pass, 2 fail, 0 none, 0 temperror" "$(tail -1 "$T/out")" "... summary counts DomainKeys results"
like "^$T/body: domainkeys=fail" "$(grep "^$T/body:" "$T/out")" "... lines prefixed by the file name"

# --- keys over DNS ----------------------------------------------------------------
grep '^beta._domainkey.gmail.com' "$V/zone.txt" > "$T/zone"
printf 'name\terror\nsf._domainkey.gmail.com\tSERVFAIL\nto._domainkey.gmail.com\tTIMEOUT\n' > "$T/errors"
dnsd_start --zone "$T/zone" --errors "$T/errors"
run_status 0 "key from a DNS server: exit 0" "$BIN/dkimverify" $NS < "$GMAIL"
is "$GMAIL_LINE" "$(cat "$T/out")" "... pass"
sed 's/s=beta;/s=sf;/' "$T/gmail.lf" > "$T/sf"
run_status 75 "SERVFAIL: exit 75" "$BIN/dkimverify" $NS --dns-timeout=1 < "$T/sf"
like '^domainkeys=temperror \(key unavailable: DNS SERVFAIL\)' "$(cat "$T/out")" "... temperror"
sed 's/s=beta;/s=to;/' "$T/gmail.lf" > "$T/timeout"
run_status 75 "timeout: exit 75" "$BIN/dkimverify" $NS --dns-timeout=0.5 < "$T/timeout"
like '^domainkeys=temperror \(key unavailable: DNS timeout\)' "$(cat "$T/out")" "... temperror"
sed 's/s=beta;/s=nokey;/' "$T/gmail.lf" > "$T/nokey"
run_status 1 "no key record: exit 1" "$BIN/dkimverify" $NS < "$T/nokey"
like '^domainkeys=permerror \(key not found' "$(cat "$T/out")" "... permerror"

done_testing
