# dns-integrity.t: DNS answers are matched before they are believed, and
# time spent on DNS is bounded (DESIGN.md "Time and DNS are bounded per
# message"; RFC 5452 9.1).  t/dnsd.py --spoof races every true answer with
# forged ones (another source address or port, a wrong ID, QR=0, another
# question name, type or class) carrying other data; --dribble answers
# over TCP one byte every half second; --timeout names never answer.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
RSA=$K/rfc8463-test.private
D=football.example.com
KEY=$(sed -n 's/^test\._domainkey\.football\.example\.com\. IN TXT //p' \
    "$VECTORS/dkim/zone.txt")

# The truth and the forgery, for SPF and for DKIM, both ways round.
cat > "$T/spf-true.zone" <<'Z'
$ORIGIN example.com.
@ TXT "v=spf1 -all"
Z
cat > "$T/spf-forged.zone" <<'Z'
$ORIGIN example.com.
@ TXT "v=spf1 +all"
Z
printf 'test._domainkey.%s. IN TXT "v=DKIM1; k=rsa; p="\n' $D > "$T/revoked.zone"
printf 'test._domainkey.%s. IN TXT %s\n' $D "$KEY" > "$T/key.zone"

printf 'From: Joe <joe@football.example.com>\r\nTo: Suzie <suzie@shopping.example.net>\r\nSubject: dns\r\n\r\nHi.\r\n' > "$T/msg"
"$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/msg" > "$T/good"

stop() { kill "$DNSD_PID"; wait "$DNSD_PID" 2>/dev/null; }
elapsed() { # start: whole seconds since START (date +%s)
	echo $(($(date +%s) - $1))
}

# --- spoofing -----------------------------------------------------------
# Before the fix, source, port, id, qr and class turned -all into pass
# and name and type into temperror.
for mode in source port id qr name type class all; do
	dnsd_start --zone "$T/spf-true.zone" --spoof $mode \
	    --spoof-zone "$T/spf-forged.zone"
	"$BIN/spfquery" "$NS" --dns-timeout=3 -i 192.0.2.1 -s u@example.com \
	    > "$T/out" 2> "$T/err"
	is fail "$(sed -n 1p "$T/out")" "spoof $mode: v=spf1 -all stays fail"
	stop
done

# The forgery is dropped, not just outrun: -v traces it.
dnsd_start --zone "$T/spf-true.zone" --spoof id,qr,name \
    --spoof-zone "$T/spf-forged.zone"
"$BIN/spfquery" "$NS" --trace -i 192.0.2.1 -s u@example.com > "$T/out" 2>&1
is 3 "$(grep -c 'dropped a reply from 127.0.0.1@' "$T/out")" \
    "spoof id,qr,name: three replies dropped (--trace)"
stop

# A revoked key stays revoked when a forged reply brings the real key...
dnsd_start --zone "$T/revoked.zone" --spoof all --spoof-zone "$T/key.zone"
run_status 1 "spoof: revoked DKIM key is not pass" \
    "$BIN/dkimverify" "$NS" --dns-timeout=3 < "$T/good"
unlike '^dkim=pass' "$(cat "$T/out")" "... no dkim=pass"
# ... and in batch mode the first message does not poison the rest.
run_status 1 "spoof, batch of three: none passes" \
    "$BIN/dkimverify" "$NS" --dns-timeout=3 "$T/good" "$T/good" "$T/good"
is "3 messages: 0 pass, 3 fail, 0 none, 0 temperror" "$(tail -n 1 "$T/out")" \
    "... summary"
stop

# The other way round: a forged "revoked" cannot deny a good key.
dnsd_start --zone "$T/key.zone" --spoof all --spoof-zone "$T/revoked.zone"
run_status 0 "spoof: a forged revocation is ignored, batch of three pass" \
    "$BIN/dkimverify" "$NS" --dns-timeout=3 "$T/good" "$T/good" "$T/good"
is "3 messages: 3 pass, 0 fail, 0 none, 0 temperror" "$(tail -n 1 "$T/out")" \
    "... summary"
stop

# --- one deadline per query ---------------------------------------------
# TC=1 over UDP, then the TCP answer one byte every 0.5 s: about 80 bytes,
# 40 s.  --dns-timeout bounds the query, not each read (the old code took
# 43 s here).
dnsd_start --zone "$T/spf-true.zone" --dribble 0.5
start=$(date +%s)
"$BIN/spfquery" "$NS" --dns-timeout=1 -i 192.0.2.1 -s u@example.com \
    > "$T/out" 2> "$T/err"; st=$?
took=$(elapsed "$start")
is temperror "$(sed -n 1p "$T/out")" "dribbling TCP: temperror"
ok "dribbling TCP, --dns-timeout=1: done in $took s (under 10)" \
    test "$took" -lt 10
start=$(date +%s)
"$BIN/dkimverify" "$NS" --dns-timeout=1 < "$T/good" > "$T/out" 2>&1; st=$?
took=$(elapsed "$start")
is 75 "$st" "dribbling TCP: dkimverify exit 75"
ok "... in $took s (under 10)" test "$took" -lt 10
stop

# --- the per-message budget ---------------------------------------------
for bad in 0 -1 abc 3601; do
	run_status 64 "--dns-budget=$bad: usage error" \
	    "$BIN/spfquery" --dns-budget=$bad -i 192.0.2.1 -s u@example.com
done

# Four signatures whose keys never answer: 4 x --dns-timeout=2 is 8 s; a
# 3-second budget stops it at 3 and the keys not yet asked are not sent.
dnsd_start --zone "$VECTORS/dkim/zone.txt" --log "$T/dns.log" \
    --timeout to1._domainkey.$D --timeout to2._domainkey.$D \
    --timeout to3._domainkey.$D --timeout to4._domainkey.$D
"$BIN/dkimsign" -d $D -s to1 -k "$RSA" -s to2 -k "$RSA" -s to3 -k "$RSA" \
    -s to4 -k "$RSA" < "$T/msg" > "$T/slow"
start=$(date +%s)
run_status 75 "four silent keys, --dns-budget=3: exit 75" \
    "$BIN/dkimverify" "$NS" --dns-timeout=2 --dns-budget=3 < "$T/slow"
took=$(elapsed "$start")
is 4 "$(grep -c '^dkim=temperror' "$T/out")" "... four temperror lines"
ok "... stopped at the budget: $took s (under 6; 8 without it)" \
    test "$took" -lt 6
is 2 "$(grep -c '_domainkey' "$T/dns.log")" \
    "... two keys asked, two never sent"

# Batch mode: every message has a budget of its own, and a timeout the
# budget caused is not cached for the next message.
: > "$T/dns.log"
run_status 75 "batch: a slow message, then a good one" \
    "$BIN/dkimverify" "$NS" --dns-timeout=2 --dns-budget=3 "$T/slow" "$T/good"
is "2 messages: 1 pass, 0 fail, 0 none, 1 temperror" "$(tail -n 1 "$T/out")" \
    "... the good one passes with a fresh budget"
stop

# SPF: the budget is the check's time limit (RFC 7208 4.6.4), and the
# problem says so.  Every answer 0.6 s late, twelve lookups needed.
dnsd_start --json "$SOURCE/data/spf/query.json" --delay 0.6
start=$(date +%s)
"$BIN/spfquery" "$NS" --dns-budget=2 -i 192.0.2.7 -s user@short0.example.com \
    > "$T/out" 2> "$T/err"; st=$?
took=$(elapsed "$start")
is temperror "$(sed -n 1p "$T/out")" "spfquery --dns-budget=2: temperror"
like 'problem=.*more than 2 seconds \(the DNS budget\)' "$(sed -n 3p "$T/out")" \
    "... problem= names the budget"
ok "... in $took s (under 6)" test "$took" -lt 6
stop

done_testing
