# dkimverify-dns.t: keys fetched from a real DNS server on 127.0.0.1
# (t/dnsd.py): pass, NXDOMAIN (permerror), SERVFAIL and timeout
# (temperror, exit 75), --filter with a DNS failure, and the answer cache
# across the files of a batch.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
RSA=$K/rfc8463-test.private
ED=$K/rfc8463-brisbane.ed25519.seed.b64
D=football.example.com

dnsd_start --zone "$VECTORS/dkim/zone.txt" \
	--servfail sf._domainkey.$D --timeout to._domainkey.$D --log "$T/dns.log"
V="$BIN/dkimverify $NS --dns-timeout=1"

printf 'From: Joe <joe@football.example.com>\r\nTo: Suzie <suzie@shopping.example.net>\r\nSubject: dns\r\n\r\nHi.\r\n' > "$T/msg"
sign() { # selector key [extra options] < msg > out
	_s=$1 _k=$2; shift 2
	"$BIN/dkimsign" -d $D -s "$_s" -k "$_k" "$@" < "$T/msg"
}
sign test "$RSA" > "$T/good"
sign brisbane "$ED" > "$T/good.ed"
sign nokey "$RSA" > "$T/nx"
sign sf "$RSA" > "$T/sf"
sign to "$RSA" > "$T/to"
sign test "$RSA" | sed 's/^Hi\./Bye./' > "$T/bad"

run_status 0 "key from DNS: pass" $V < "$T/good"
like '^dkim=pass header.d=football.example.com header.s=test' "$(cat "$T/out")" "... dkim=pass"
run_status 0 "Ed25519 key from DNS: pass" $V < "$T/good.ed"
run_status 1 "NXDOMAIN: exit 1" $V < "$T/nx"
like '^dkim=permerror \(key not found\) header.d=football.example.com header.s=nokey' "$(cat "$T/out")" "... permerror (key not found)"
run_status 75 "SERVFAIL: exit 75" $V < "$T/sf"
like '^dkim=temperror \(key unavailable: DNS SERVFAIL\)' "$(cat "$T/out")" "... temperror"
run_status 75 "timeout: exit 75" $V < "$T/to"
like '^dkim=temperror \(key unavailable: DNS timeout\)' "$(cat "$T/out")" "... temperror"
# several signatures: one pass wins; temperror beats fail for the status
{ sign sf "$RSA"  | sed '/^DKIM-Signature/,/^From:/!d;/^From:/d'; cat "$T/good"; } > "$T/sf+good"
run_status 0 "SERVFAIL and a pass: exit 0" $V < "$T/sf+good"
is "temperror pass" "$(sed 's/^dkim=\([a-z]*\).*/\1/' "$T/out" | tr '\n' ' ' | sed 's/ $//')" "... one line each, in order"
{ sign to "$RSA"  | sed '/^DKIM-Signature/,/^From:/!d;/^From:/d'; cat "$T/bad"; } > "$T/to+bad"
run_status 75 "timeout and a fail: exit 75 (a retry could pass)" $V < "$T/to+bad"

# --filter: a temporary error is a job not done (DESIGN.md "Nothing is
# lost"): the message goes out unchanged with exit 75, so the MTA retries.
run_status 75 "--filter with a timeout: exit 75" $V --filter -A mx.example.net < "$T/to"
same_file "$T/to" "$T/out" "... the message unchanged"
like '^dkimverify: .*timeout.*try again later' "$(cat "$T/err")" "... one line on stderr"
run_status 0 "--filter, SERVFAIL and a pass: exit 0" $V --filter -A mx.example.net < "$T/sf+good"
tr -d '\r\n\t ' < "$T/out" | grep -q 'dkim=temperror.*dkim=pass'; is 0 $? "... both results in the field"


# batch: the answer for a name is fetched once for all files
: > "$T/dns.log"
run_status 1 "batch over DNS" $V "$T/good" "$T/good" "$T/good.ed" "$T/nx" "$T/sf"
is "5 messages: 3 pass, 1 fail, 0 none, 1 temperror" "$(tail -n 1 "$T/out")" "... summary"
is 1 "$(grep -ci 'test._domainkey.football.example.com' "$T/dns.log")" "... test key asked once for two files"

done_testing
