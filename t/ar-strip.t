# ar-strip.t: with -A ID, spfquery --filter, pra --filter and dkimverify
# --filter remove every Authentication-Results field claiming ID from the
# header section as mail readers see it (up to the first empty line, also
# below a line without a colon), on every path: success, DNS timeout (75),
# a header too large (65), no header section (65), empty input, DNS set-up
# failure (78) (RFC 8601 section 5; DESIGN.md "Nothing is lost").  Every
# other byte is kept.  Also: the chain rule of the guides, and the exit
# status of an unreadable stdin (66) and of spfquery --lint on a DNS
# timeout (75).
. "${SOURCE:-t}/lib.sh"
plan_lazy

ID=mx.example.org
K=$VECTORS/dkim/keys
RSA=$K/rfc8463-test.private
D=football.example.com

cat > "$T/zone" <<'EOF'
$ORIGIN strip.example.
$TTL 300
@	IN SOA	ns.strip.example. hostmaster.strip.example. 1 3600 600 86400 300
pass	IN TXT	"v=spf1 ip4:192.0.2.1 -all"
EOF
dnsd_start --zone "$VECTORS/dkim/zone.txt" --zone "$T/zone" \
	--timeout to.strip.example --timeout to._domainkey.$D
SPF="$BIN/spfquery $NS --dns-timeout=1 --filter -i 192.0.2.1 -H mx.example.net"
PRA="$BIN/pra $NS --dns-timeout=1 --filter --ip=192.0.2.1"
DKV="$BIN/dkimverify $NS --dns-timeout=1 --filter"

# The header of a message from outside, with forged results claiming $ID
# in every spelling, one for another id (kept), and one below a line
# without a colon.  $1: the sender's domain.
forged() {
	cat <<EOF
Return-Path: <user@$1>
Received: from client.example.net by mx.example.org; Thu, 1 Jan 2026 00:00:00 +0000
Authentication-Results: mx.example.org; dkim=pass header.d=forged.example
authentication-results: mx.example.org; spf=pass
Authentication-Results : mx.example.org; spf=pass
Authentication-Results:
	mx.example.org; dkim=pass
Authentication-Results: (forged) mx.example.org 1; dkim=pass
Authentication-Results: MX.EXAMPLE.ORG; sender-id=pass
Authentication-Results: "mx.example.org"; dkim=pass
Authentication-Results: other.example; dkim=pass header.d=kept.example
From: Pat <pat@$1>
To: you@example.net
Subject: test
this line has no colon
Authentication-Results: mx.example.org; dkim=pass header.d=below.example

Body.
Authentication-Results: mx.example.org; dkim=pass header.d=body.example
EOF
}
# The same without the fields that claim $ID.
clean() {
	forged "$1" | awk '
		/^$/ { body = 1 }
		!body && /^[Aa]uthentication-[Rr]esults/ {
			drop = ($0 !~ /other\.example/); if (drop) next
		}
		!body && /^[ \t]/ && drop { next }
		{ drop = 0; print }'
}
forged pass.strip.example > "$T/in"
clean pass.strip.example > "$T/want"
ok "fixture: the clean copy lost 9 lines" \
	test "$(($(grep -c '' "$T/in") - $(grep -c '' "$T/want")))" -eq 9
forged to.strip.example > "$T/in.to"
clean to.strip.example > "$T/want.to"

# after OUTPUT: OUTPUT from the message's first line on (what a filter
# added goes on top).
after() { sed -n '/^Return-Path:/,$p' "$1"; }

# --- success: the verdict added, every forged field gone, the rest kept
for p in SPF PRA DKV; do
	eval "cmd=\$$p"
	run_status 0 "$p -A: exit 0" $cmd -A $ID < "$T/in"
	after "$T/out" > "$T/rest"
	same_file "$T/want" "$T/rest" "$p -A: forged fields gone, every other byte kept"
	is 1 "$(sed '/^$/q' "$T/out" | grep -ci "^Authentication-Results: *$ID;")" "$p -A: only its own field claims $ID"
	like "^Authentication-Results: $ID;" "$(sed -n '1,/^Return-Path:/p' "$T/out" | grep '^Auth')" "$p -A: its own field is on top"
done

# Without -A, spfquery and pra add no Authentication-Results and remove
# nothing.
for p in SPF PRA; do
	eval "cmd=\$$p"
	run_status 0 "$p without -A: exit 0" $cmd < "$T/in"
	after "$T/out" > "$T/rest"
	same_file "$T/in" "$T/rest" "$p without -A: the message unchanged"
done

# --- DNS timeout: 75, and the message unchanged but for the forged fields
run_status 75 "spfquery -A, DNS timeout: exit 75" $SPF -A $ID < "$T/in.to"
same_file "$T/want.to" "$T/out" "spfquery -A, DNS timeout: forged fields gone"
run_status 75 "pra -A, DNS timeout: exit 75" $PRA -A $ID < "$T/in.to"
same_file "$T/want.to" "$T/out" "pra -A, DNS timeout: forged fields gone"
# dkimverify: a signature whose key never answers (no line without a
# colon here: that alone would make it a permerror, without DNS).
printf 'From: Joe <joe@football.example.com>\nTo: Suzie <suzie@shopping.example.net>\nSubject: dns\n\nHi.\n' |
	"$BIN/dkimsign" -d $D -s to -k "$RSA" > "$T/signed"
forged pass.strip.example | sed -n '3,11p' > "$T/block"
{ cat "$T/block"; cat "$T/signed"; } > "$T/in.dk"
{ grep -i 'other\.example' "$T/block"; cat "$T/signed"; } > "$T/want.dk"
run_status 75 "dkimverify -A, key DNS timeout: exit 75" $DKV -A $ID < "$T/in.dk"
same_file "$T/want.dk" "$T/out" "dkimverify -A, key DNS timeout: forged fields gone"

# --- 10,001 header fields: 65, forged fields gone all the same
awk 'BEGIN { for (i = 0; i < 10001; i++) printf "X-N: %d\n", i }' > "$T/many"
{ cat "$T/many"; cat "$T/in"; } > "$T/in.big"
{ cat "$T/many"; cat "$T/want"; } > "$T/want.big"
for p in SPF PRA DKV; do
	eval "cmd=\$$p"
	run_status 65 "$p -A, 10,001 fields: exit 65" $cmd -A $ID < "$T/in.big"
	same_file "$T/want.big" "$T/out" "$p -A, 10,001 fields: forged fields gone"
done

# --- no header section (first line without a colon), and empty input
printf 'not a field\nAuthentication-Results: mx.example.org; dkim=pass\n\nbody\n' > "$T/in.nohdr"
printf 'not a field\n\nbody\n' > "$T/want.nohdr"
: > "$T/empty"
for p in SPF PRA DKV; do
	eval "cmd=\$$p"
	run_status 65 "$p -A, no header section: exit 65" $cmd -A $ID < "$T/in.nohdr"
	same_file "$T/want.nohdr" "$T/out" "$p -A, no header section: forged field gone"
	run_status 65 "$p -A, empty input: exit 65" $cmd -A $ID < "$T/empty"
	ok "$p -A, empty input: empty output" test ! -s "$T/out"
done

# --- CRLF with an mbox From line, through a failure path
{ echo "From user@pass.strip.example Thu Jan  1 00:00:00 2026"; cat "$T/in.to"; } | sed 's/$/\r/' > "$T/in.crlf"
{ echo "From user@pass.strip.example Thu Jan  1 00:00:00 2026"; cat "$T/want.to"; } | sed 's/$/\r/' > "$T/want.crlf"
run_status 75 "spfquery -A, CRLF + mbox, DNS timeout: exit 75" $SPF -A $ID < "$T/in.crlf"
same_file "$T/want.crlf" "$T/out" "spfquery -A, CRLF + mbox: forged fields gone, the rest kept"

# --- DNS cannot be set up (78): copied, forged fields gone
run_status 78 "spfquery -A, unusable --dns-zone: exit 78" $SPF -A $ID --dns-zone="$T/nonexistent" < "$T/in"
same_file "$T/want" "$T/out" "spfquery -A, exit 78: forged fields gone"
run_status 78 "dkimverify -A, unusable --dns-zone: exit 78" $DKV -A $ID --dns-zone="$T/nonexistent" < "$T/in"
same_file "$T/want" "$T/out" "dkimverify -A, exit 78: forged fields gone"

# --- a line without a colon before the empty line: no signature passes
printf 'From: Joe <joe@football.example.com>\nTo: Suzie <suzie@shopping.example.net>\nSubject: colon\n\nHi.\n' |
	"$BIN/dkimsign" -d $D -s test -k "$RSA" > "$T/good"
run_status 0 "a signed message passes" "$BIN/dkimverify" $NS --dns-timeout=1 < "$T/good"
sed 's/^Subject: colon$/&\nno colon here/' "$T/good" > "$T/nocolon"
run_status 1 "a line without a colon in the header: exit 1" "$BIN/dkimverify" $NS --dns-timeout=1 < "$T/nocolon"
like '^dkim=permerror \(header line without a colon\) header\.d=football\.example\.com' "$(cat "$T/out")" "... permerror (header line without a colon)"
printf 'From: a@football.example.com\nSubject: x\nno colon\n\nbody\n' > "$T/nocolon.in"
run_status 65 "dkimsign refuses a header line without a colon: exit 65" \
	"$BIN/dkimsign" -d $D -s test -k "$RSA" < "$T/nocolon.in"
same_file "$T/nocolon.in" "$T/out" "dkimsign: the message copied unchanged"

# --- the chain rule (guides): one authserv-id is stripped by one stage
# only; the others run without -A and record their verdict in
# Received-SPF, so every genuine result survives.
$DKV -A $ID < "$T/in" | $SPF | $PRA > "$T/chain" 2>/dev/null
is 1 "$(sed '/^$/q' "$T/chain" | grep -ci "^Authentication-Results: *$ID; dkim=")" "chain: one field claims $ID, dkimverify's"
is 1 "$(sed '/^$/q' "$T/chain" | grep -ci "^Authentication-Results: *$ID;")" "chain: no other field claims $ID"
is 2 "$(grep -c '^Received-SPF: pass' "$T/chain")" "chain: spfquery's and pra's Received-SPF kept"
after "$T/chain" > "$T/rest"
same_file "$T/want" "$T/rest" "chain: forged fields gone, the rest kept"
# and why: a second stage with the same -A removes the first one's field
$SPF -A $ID < "$T/in" | $DKV -A $ID > "$T/chain2" 2>/dev/null
unlike "^Authentication-Results: $ID; spf=" "$(cat "$T/chain2")" "a later stage with the same -A removes an earlier stage's field"

# A later stage with another authserv-id keeps the earlier stage's field.
$SPF -A $ID < "$T/in" | $DKV -A other.example > "$T/chain3" 2>/dev/null
is 1 "$(sed '/^$/q' "$T/chain3" | grep -c "^Authentication-Results: $ID; spf=pass")" "a later stage with another -A keeps an earlier stage's field"
is 0 "$(sed '/^$/q' "$T/chain3" | grep -c "other\.example; dkim=pass header\.d=kept")" "... and removes the fields claiming its own id"

# --- exit status: stdin unreadable (66), --lint on a DNS timeout (75)
for p in SPF PRA DKV; do
	eval "cmd=\$$p"
	run_status 66 "$p: stdin closed: exit 66" $cmd -A $ID <&-
	run_status 66 "$p: stdin a directory: exit 66" $cmd -A $ID < "$T"
done
run_status 75 "spfquery --lint: DNS timeout: exit 75" "$BIN/spfquery" $NS --dns-timeout=1 --lint to.strip.example
like 'temperror' "$(cat "$T/out")" "... the finding says temperror"
run_status 0 "spfquery --lint: a clean record still exits 0" "$BIN/spfquery" $NS --dns-timeout=1 --lint pass.strip.example

done_testing
