# guides.t: the recipes of docs/guides/procmail.md (procmail and maildrop,
# with authcheck and with dkimverify alone) and the two verify scripts of
# docs/guides/postfix.md (authcheck; the dkimverify | spfquery | pra
# chain), taken from the guides as they are and run on loopback DNS:
# whatever a filter's exit status, no forged Authentication-Results is
# delivered and no message is lost (DESIGN.md "Nothing is lost"; RFC 8601
# section 5); a DMARC fail is filed where the guide says, and a DNS
# timeout deferred (75) as the guide says.
. "${SOURCE:-t}/lib.sh"
plan_lazy

G=$SOURCE/../docs/guides
K=$VECTORS/dkim/keys
RSA=$K/rfc8463-test.private
D=football.example.com
ID=mx.example.org

# block FILE SECTION: the first ``` block after the "## SECTION" heading.
block() {
	awk -v s="## $2" '
		$0 == s { insec = 1; next }
		insec && /^```/ { if (inblk) exit; inblk = 1; next }
		inblk { print }' "$1"
}

# football.example.com asks DMARC reject; slow.example.com's DMARC record
# never answers.
echo "_dmarc.$D. IN TXT \"v=DMARC1; p=reject\"" > "$T/dmarc.zone"
dnsd_start --zone "$VECTORS/dkim/zone.txt" --zone "$T/dmarc.zone" \
	--timeout to._domainkey.$D --timeout _dmarc.slow.example.com

# The programs as the recipes call them, on loopback DNS.
mkdir -p "$T/bin" "$T/home"
for p in dkimverify spfquery pra authcheck; do
	printf '#!/bin/sh\nexec "%s" %s --dns-timeout=1 "$@"\n' "$BIN/$p" "$NS" > "$T/bin/$p"
	chmod +x "$T/bin/$p"
done
printf '#!/bin/sh\ncat > "%s/sent"\n' "$T" > "$T/bin/sendmail"
chmod +x "$T/bin/sendmail"

# --- messages
FORGED="Authentication-Results: $ID; dkim=pass header.d=$D"
body='From: Joe <joe@football.example.com>\nTo: Suzie <suzie@shopping.example.net>\nSubject: guides\n\nHi.\n'
printf "$body" | "$BIN/dkimsign" -d $D -s test -k "$RSA" > "$T/m.good"
# forged pass, no signature
printf "Received: from x by y; Thu, 1 Jan 2026 00:00:00 +0000\n$FORGED\n$body" > "$T/m.forged"
# forged pass below a line without a colon
printf "Received: from x by y; Thu, 1 Jan 2026 00:00:00 +0000\nno colon here\n$FORGED\n$body" > "$T/m.nocolon"
# a signature whose key's DNS never answers (75), with a forged pass
{ echo "$FORGED"; printf "$body" | "$BIN/dkimsign" -d $D -s to -k "$RSA"; } > "$T/m.timeout"
# 10,001 header fields (65), with a forged pass
{ awk 'BEGIN { for (i = 0; i < 10001; i++) printf "X-N: %d\n", i }'; echo "$FORGED"; printf "$body"; } > "$T/m.big"

# The same for authcheck, with the Return-Path and topmost Received field
# our own server would have written (procmail and maildrop recipes read
# the envelope from them).
AFORGED="Authentication-Results: $ID; dmarc=pass header.from=$D"
RCVD="Return-Path: <joe@$D>\nReceived: from mail.$D (mail.$D [192.0.2.1])\n\tby $ID with ESMTP; Thu, 1 Jan 2026 00:00:00 +0000\n"
{ printf "$RCVD"; cat "$T/m.good"; } > "$T/a.good"
# forged DMARC pass, no signature: DMARC fail (football.example.com: p=reject)
printf "$RCVD$AFORGED\n$body" > "$T/a.forged"
printf "$RCVD""no colon here\n$AFORGED\n$body" > "$T/a.nocolon"
# the DMARC record does not answer: dmarc=temperror
printf "$RCVD$AFORGED\n$body" | sed "s/@$D>/@slow.example.com>/" > "$T/a.slow"
# a DKIM key that does not answer: dkim=temperror
{ printf "$RCVD"; cat "$T/m.timeout"; } | sed "s/^$FORGED\$/$AFORGED/" > "$T/a.keyto"
{ awk 'BEGIN { for (i = 0; i < 10001; i++) printf "X-N: %d\n", i }'; echo "$AFORGED"; printf "$body"; } > "$T/a.big"
grep -v "^$AFORGED\$" "$T/a.big" > "$T/a.big.want"

# forged_in FILE: the number of header lines (up to the first empty line)
# claiming $ID with dkim=pass for another domain than the real signer's.
claims() { sed '/^$/q' "$1" | grep -c "^Authentication-Results: $ID;"; }
dmarcpass() { sed '/^$/q' "$1" | tr -d '\n' | grep -c "Authentication-Results: $ID;.*dmarc=pass"; }
passes() { sed '/^$/q' "$1" | tr -d '\n' | grep -c "Authentication-Results: $ID;[^;]*dkim=pass"; }

# --- procmail
if ! command -v procmail >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then _tap_result 1 "procmail is installed (.ci/packages)"; else skip "procmail not installed"; fi
else
	block "$G/procmail.md" "procmail, DKIM only" | sed "s|/usr/local/bin/|$T/bin/|g" > "$T/recipe"
	ok "procmail.md has a procmail recipe" grep -q 'dkimverify --filter -A' "$T/recipe"
	pm() { # MESSAGE: run the recipe; $T/pm holds the maildir
		rm -rf "$T/pm"; mkdir -p "$T/pm"
		{
			echo "SHELL=/bin/sh"
			echo "PATH=$T/bin:/usr/bin:/bin"
			echo "MAILDIR=$T/pm"
			echo "DEFAULT=$T/pm/inbox/"
			echo "LOGFILE=$T/pm/log"
			cat "${2:-$T/recipe}"
		} > "$T/pmrc"
		procmail -m "$T/pmrc" < "$1"
	}
	# folder DIR: the one message delivered there, or nothing.
	delivered() { find "$T/pm" -path "*/$1/*" -type f ! -name log | head -1; }

	pm "$T/m.good"; is 0 $? "procmail: a signed message: exit 0"
	f=$(delivered inbox); ok "... delivered to the inbox" test -n "$f"
	[ -n "$f" ] && is 1 "$(passes "$f")" "... with dkimverify's dkim=pass"

	for m in forged nocolon; do
		pm "$T/m.$m"; is 0 $? "procmail: forged pass ($m): exit 0"
		f=$(delivered inbox); ok "... delivered" test -n "$f"
		[ -n "$f" ] && is 0 "$(passes "$f")" "... with no dkim=pass claiming $ID"
		[ -n "$f" ] && is 1 "$(claims "$f")" "... and only dkimverify's own field"
	done

	pm "$T/m.timeout"; is 75 $? "procmail: key DNS timeout: exit 75 (the MTA retries)"
	is "" "$(find "$T/pm" -type f ! -name log)" "... nothing delivered"

	pm "$T/m.big"; is 0 $? "procmail: 10,001 fields (dkimverify 65): exit 0"
	f=$(delivered unverified); ok "... filed in unverified/" test -n "$f"
	[ -n "$f" ] && is 0 "$(claims "$f")" "... with no field claiming $ID"
	# (procmail ends what it delivers with an empty line)
	grep -v "^$FORGED\$" "$T/m.big" > "$T/m.big.want"
	[ -n "$f" ] && sed '$ { /^$/d; }' "$f" > "$T/got" && same_file "$T/m.big.want" "$T/got" "... every other byte kept"
fi

# --- maildrop
if ! command -v maildrop >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then _tap_result 1 "maildrop is installed (.ci/packages)"; else skip "maildrop not installed"; fi
else
	block "$G/procmail.md" "maildrop, DKIM only" | sed "s|/usr/local/bin/|$T/bin/|g" > "$T/mdrecipe"
	ok "procmail.md has a maildrop recipe" grep -q 'xfilter' "$T/mdrecipe"
	md() { # MESSAGE
		rm -rf "$T/home/Maildir"
		for d in "" .signed .unverified .dmarc-failed; do
			mkdir -p "$T/home/Maildir/$d/new" "$T/home/Maildir/$d/cur" "$T/home/Maildir/$d/tmp"
		done
		# maildrop takes HOME from the password file: set it here.
		{
			echo "HOME=\"$T/home\""
			echo "DEFAULT=\"$T/home/Maildir/\""
			echo "PATH=\"$T/bin:/usr/bin:/bin\""
			cat "${2:-$T/mdrecipe}"
		} > "$T/mdrc"
		chmod 600 "$T/mdrc"
		maildrop "$T/mdrc" < "$1"
	}
	mdfile() { find "$T/home/Maildir/$1/new" -type f 2>/dev/null | head -1; }

	md "$T/m.good"; is 0 $? "maildrop: a signed message: exit 0"
	ok "... filed in .signed" test -n "$(mdfile .signed)"
	for m in forged nocolon; do
		md "$T/m.$m"; is 0 $? "maildrop: forged pass ($m): exit 0"
		is "" "$(mdfile .signed)" "... not filed as signed"
		f=$(mdfile "")
		ok "... delivered to the inbox" test -n "$f"
		[ -n "$f" ] && is 0 "$(passes "$f")" "... with no dkim=pass claiming $ID"
	done
	md "$T/m.timeout"; is 75 $? "maildrop: key DNS timeout: exit 75 (the MTA retries)"
	is "" "$(find "$T/home/Maildir" -type f)" "... nothing delivered"
	md "$T/m.big"; is 0 $? "maildrop: 10,001 fields (dkimverify 65): exit 0"
	f=$(mdfile .unverified); ok "... filed in .unverified" test -n "$f"
	[ -n "$f" ] && is 0 "$(claims "$f")" "... with no field claiming $ID"
	[ -n "$f" ] && same_file "$T/m.big.want" "$f" "... every other byte kept"
fi

# --- postfix.md's verify script
block "$G/postfix.md" "Verifying with the single-check programs" |
	sed -e "s|/usr/local/bin/|$T/bin/|g" -e "s|/usr/sbin/sendmail|$T/bin/sendmail|" > "$T/verify"
ok "postfix.md has the verify script" grep -q 'stage ' "$T/verify"
pf() { rm -f "$T/sent"; sh "$T/verify" 192.0.2.1 mx.example.net joe@football.example.com you@example.net < "$1"; }
pf "$T/m.good"; is 0 $? "postfix: a signed message: exit 0"
is 1 "$(passes "$T/sent")" "... sent with dkimverify's dkim=pass"
is 2 "$(sed '/^$/q' "$T/sent" | grep -c '^Received-SPF:')" "... and spfquery's and pra's Received-SPF"
for m in forged nocolon; do
	pf "$T/m.$m"; is 0 $? "postfix: forged pass ($m): exit 0"
	is 0 "$(passes "$T/sent")" "... sent with no dkim=pass claiming $ID"
	is 1 "$(claims "$T/sent")" "... only dkimverify's own field"
done
pf "$T/m.timeout"; is 75 $? "postfix: key DNS timeout: exit 75 (Postfix retries)"
ok "... nothing sent" test ! -e "$T/sent"
pf "$T/m.big"; is 0 $? "postfix: 10,001 fields: exit 0 (delivered)"
is 0 "$(claims "$T/sent")" "... with no field claiming $ID"
grep -v "^$FORGED\$" "$T/m.big" > "$T/m.big.want"
same_file "$T/m.big.want" "$T/sent" "... every other byte kept"

# --- authcheck in procmail.md: the "procmail" and "maildrop" recipes
if command -v procmail >/dev/null 2>&1; then
	block "$G/procmail.md" procmail | sed "s|/usr/local/bin/|$T/bin/|g" > "$T/arecipe"
	ok "procmail.md's procmail recipe runs authcheck --filter -A" grep -q 'authcheck --filter .*-A' "$T/arecipe"
	pm "$T/a.good" "$T/arecipe"; is 0 $? "procmail+authcheck: a signed message: exit 0"
	f=$(delivered inbox); ok "... delivered to the inbox" test -n "$f"
	[ -n "$f" ] && is 1 "$(dmarcpass "$f")" "... with authcheck's dmarc=pass"
	[ -n "$f" ] && is 1 "$(claims "$f")" "... in its one field claiming $ID"
	for m in forged nocolon; do
		pm "$T/a.$m" "$T/arecipe"; is 0 $? "procmail+authcheck: forged pass ($m): exit 0"
		f=$(find "$T/pm" -type f ! -name log | head -1)
		ok "... delivered" test -n "$f"
		[ -n "$f" ] && is 0 "$(dmarcpass "$f")" "... with no dmarc=pass claiming $ID"
		[ -n "$f" ] && is 1 "$(claims "$f")" "... and only authcheck's own field"
	done
	pm "$T/a.forged" "$T/arecipe"
	ok "procmail+authcheck: DMARC fail filed in dmarc-failed/" test -n "$(delivered dmarc-failed)"
	for m in slow keyto; do
		pm "$T/a.$m" "$T/arecipe"; is 75 $? "procmail+authcheck: DNS timeout ($m): exit 75 (the MTA retries)"
		is "" "$(find "$T/pm" -type f ! -name log)" "... nothing delivered"
	done
	pm "$T/a.big" "$T/arecipe"; is 0 $? "procmail+authcheck: 10,001 fields (authcheck 65): exit 0"
	f=$(delivered unverified); ok "... filed in unverified/" test -n "$f"
	[ -n "$f" ] && is 0 "$(claims "$f")" "... with no field claiming $ID"
	[ -n "$f" ] && sed '$ { /^$/d; }' "$f" > "$T/got" && same_file "$T/a.big.want" "$T/got" "... every other byte kept"
fi
if command -v maildrop >/dev/null 2>&1; then
	block "$G/procmail.md" maildrop | sed "s|/usr/local/bin/|$T/bin/|g" > "$T/amdrecipe"
	ok "procmail.md's maildrop recipe runs authcheck --filter -A" grep -q 'authcheck --filter .*-A' "$T/amdrecipe"
	md "$T/a.good" "$T/amdrecipe"; is 0 $? "maildrop+authcheck: a signed message: exit 0"
	f=$(mdfile ""); ok "... delivered to the inbox" test -n "$f"
	[ -n "$f" ] && is 1 "$(dmarcpass "$f")" "... with authcheck's dmarc=pass"
	for m in forged nocolon; do
		md "$T/a.$m" "$T/amdrecipe"; is 0 $? "maildrop+authcheck: forged pass ($m): exit 0"
		f=$(find "$T/home/Maildir" -type f | head -1)
		ok "... delivered" test -n "$f"
		[ -n "$f" ] && is 0 "$(dmarcpass "$f")" "... with no dmarc=pass claiming $ID"
		[ -n "$f" ] && is 1 "$(claims "$f")" "... and only authcheck's own field"
	done
	md "$T/a.forged" "$T/amdrecipe"
	ok "maildrop+authcheck: DMARC fail filed in .dmarc-failed" test -n "$(mdfile .dmarc-failed)"
	for m in slow keyto; do
		md "$T/a.$m" "$T/amdrecipe"; is 75 $? "maildrop+authcheck: DNS timeout ($m): exit 75 (the MTA retries)"
		is "" "$(find "$T/home/Maildir" -type f)" "... nothing delivered"
	done
	md "$T/a.big" "$T/amdrecipe"; is 0 $? "maildrop+authcheck: 10,001 fields (authcheck 65): exit 0"
	f=$(mdfile .unverified); ok "... filed in .unverified" test -n "$f"
	[ -n "$f" ] && is 0 "$(claims "$f")" "... with no field claiming $ID"
	[ -n "$f" ] && same_file "$T/a.big.want" "$f" "... every other byte kept"
fi

# --- postfix.md's verify script with authcheck
block "$G/postfix.md" "Verifying incoming mail" |
	sed -e "s|/usr/local/bin/|$T/bin/|g" -e "s|/usr/sbin/sendmail|$T/bin/sendmail|" > "$T/averify"
ok "postfix.md's verify script runs authcheck --filter -A" grep -q '"$AUTHCHECK" --filter -A' "$T/averify"
ok "... by the path set at its top" grep -q "^AUTHCHECK=$T/bin/authcheck\$" "$T/averify"
apf() { rm -f "$T/sent"; sh "$T/averify" 192.0.2.1 mail.$D joe@$D you@example.net < "$1"; }
apf "$T/a.good"; is 0 $? "postfix+authcheck: a signed message: exit 0"
is 1 "$(dmarcpass "$T/sent")" "... sent with authcheck's dmarc=pass"
is 1 "$(sed '/^$/q' "$T/sent" | grep -c '^Received-SPF:')" "... and its Received-SPF"
for m in forged nocolon; do
	apf "$T/a.$m"; is 0 $? "postfix+authcheck: forged pass ($m): exit 0"
	is 0 "$(dmarcpass "$T/sent")" "... sent with no dmarc=pass claiming $ID"
	is 1 "$(claims "$T/sent")" "... only authcheck's own field"
done
apf "$T/a.forged"
is 1 "$(sed '/^$/q' "$T/sent" | tr -d '\n' | grep -c "Authentication-Results: $ID;.*dmarc=fail")" \
	"postfix+authcheck: DMARC fail delivered with dmarc=fail (filing is the delivery agent's)"
for m in slow keyto; do
	apf "$T/a.$m"; is 75 $? "postfix+authcheck: DNS timeout ($m): exit 75 (Postfix retries)"
	ok "... nothing sent" test ! -e "$T/sent"
done
apf "$T/a.big"; is 0 $? "postfix+authcheck: 10,001 fields: exit 0 (delivered)"
is 0 "$(claims "$T/sent")" "... with no field claiming $ID"
same_file "$T/a.big.want" "$T/sent" "... every other byte kept"

# --- the shipped scripts (docs/guides/, installed in libexec) are the
# guide's blocks, byte for byte.
block "$G/postfix.md" "Signing outgoing mail" > "$T/sign.block"
same_file "$G/senderauth-sign" "$T/sign.block" "postfix.md quotes senderauth-sign as shipped"
block "$G/postfix.md" "Verifying incoming mail" > "$T/verify.block"
same_file "$G/senderauth-verify" "$T/verify.block" "postfix.md quotes senderauth-verify as shipped"
ok "senderauth-sign is executable" test -x "$G/senderauth-sign"
ok "senderauth-verify is executable" test -x "$G/senderauth-verify"

# --- senderauth-sign: a signed message or a deferral (75) with nothing
# sent; never an empty or unsigned message (issue 10).
printf '#!/bin/sh\nexec "%s" "$@"\n' "$BIN/dkimsign" > "$T/bin/dkimsign"
chmod +x "$T/bin/dkimsign"
# signsh SELECTOR KEY [DKIMSIGN]: the script with the guide's settings
# changed as an administrator would.
signsh() {
	sed -e "s|^DKIMSIGN=.*|DKIMSIGN=${3:-$T/bin/dkimsign}|" \
	    -e "s|^SENDMAIL=.*|SENDMAIL=$T/bin/sendmail|" \
	    -e "s|^DOMAIN=.*|DOMAIN=$D|" \
	    -e "s|^RSA_SELECTOR=.*|RSA_SELECTOR=$1|" -e "s|^RSA_KEY=.*|RSA_KEY=$2|" \
	    -e "s|^ED_SELECTOR=.*|ED_SELECTOR=$1|" -e "s|^ED_KEY=.*|ED_KEY=$2|" \
	    "$G/senderauth-sign" > "$T/sign"
	rm -f "$T/sent"
	printf "$body" | sh "$T/sign" -f joe@$D -- you@example.net 2> "$T/sign.err"
}
signsh test "$RSA"; is 0 $? "senderauth-sign: exit 0"
is 2 "$(grep -c '^DKIM-Signature:' "$T/sent")" "... sent with its two signatures"
ok "... that dkimverify passes" sh -c "'$BIN/dkimverify' --dns-zone='$VECTORS/dkim/zone.txt' < '$T/sent' > /dev/null"
signsh 'te_st' "$RSA"; is 75 $? "senderauth-sign: a mistyped selector: exit 75 (deferred)"
ok "... nothing sent" test ! -e "$T/sent"
like 'dkimsign failed' "$(cat "$T/sign.err")" "... and the reason on stderr (Postfix logs it)"
signsh test "$T/no-such.private"; is 75 $? "senderauth-sign: an unreadable key: exit 75"
ok "... nothing sent" test ! -e "$T/sent"
signsh test "$RSA" "$T/no-such-dkimsign"; is 75 $? "senderauth-sign: dkimsign missing: exit 75"
ok "... nothing sent" test ! -e "$T/sent"
printf '#!/bin/sh\ncat > /dev/null; exit 1\n' > "$T/bin/badsendmail"; chmod +x "$T/bin/badsendmail"
sed "s|^SENDMAIL=.*|SENDMAIL=$T/bin/badsendmail|" "$T/sign" > "$T/sign2"
printf "$body" | sh "$T/sign2" -f joe@$D -- you@example.net 2>/dev/null
is 75 $? "senderauth-sign: sendmail fails: exit 75"

done_testing
