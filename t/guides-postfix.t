# guides-postfix.t: docs/guides/postfix.md followed on a real Postfix
# (Debian's postfix) on loopback, as t/spf-policy-postfix.t runs it:
# master(8) with a private configuration directory, the guide's master.cf
# entries with only paths, ports, the pipe user (nobody) and chroot (n)
# substituted, the shipped scripts docs/guides/senderauth-sign and
# senderauth-verify with their settings edited at the top as an
# administrator would.  Final delivery goes to a pipe that writes each
# message to a file.  Needs postfix and root; skipped without them, a
# failure in CI.
. "${SOURCE:-t}/lib.sh"

want_peer postfix test -x /usr/sbin/postfix -a -x /usr/lib/postfix/sbin/master
want_peer "root (to start Postfix)" test "$(id -u)" = 0
need_peers
plan_lazy

G=$SOURCE/../docs/guides
D=football.example.com
ID=mx.example.org
cat > "$T/helo.zone" <<EOZ
\$ORIGIN guides.example.
\$TTL 300
mx	IN TXT	"v=spf1 ip4:127.0.0.1 -all"
sender	IN TXT	"v=spf1 ip4:192.0.2.1 -all"
EOZ
dnsd_start --zone "$T/helo.zone"
freeport() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PSUB=$(freeport) PAUTH=$(freeport) PMX=$(freeport) PRE=$(freeport)

chmod 755 "$T"
PF=$T/pf
mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$T/out" "$T/keys"
chown postfix "$PF/data"
chmod 1777 "$T/out"
# pipe(8) runs the scripts as nobody, who may not reach the build tree:
# copies of the programs in $T, reached through wrappers at the paths the
# scripts' settings name.
for p in dkimsign authcheck; do
	cp "$BIN/$p" "$T/$p.bin" && chmod 755 "$T/$p.bin"
done
printf '#!/bin/sh\nexec /usr/bin/env ASAN_OPTIONS=detect_leaks=0 %s "$@"\n' "$T/dkimsign.bin" > "$T/dkimsign"
printf '#!/bin/sh\nexec /usr/bin/env ASAN_OPTIONS=detect_leaks=0 %s %s --dns-timeout=1 "$@"\n' \
	"$T/authcheck.bin" "$NS" > "$T/authcheck"
printf '#!/bin/sh\ncat > "$(mktemp %s/m.XXXXXX)"\n' "$T/out" > "$T/capture"
# The scripts' SENDMAIL: Postfix's sendmail hands the message to the
# set-gid postdrop, which refuses a private configuration directory not
# listed in /etc/postfix/main.cf (alternate_config_directories).  This
# one takes sendmail's arguments (-G -i -f SENDER -- RECIPIENTS) and
# re-injects over SMTP into an smtpd without content_filter, as pickup
# would; a failure exits non-zero as sendmail does.
cat > "$T/sendmail" <<EOPY
#!/usr/bin/python3
import smtplib, sys
a = sys.argv[1:]
sender = a[a.index("-f") + 1] if "-f" in a else ""
rcpts = a[a.index("--") + 1:]
data = sys.stdin.buffer.read()
s = smtplib.SMTP("127.0.0.1", $PRE, timeout=60)
s.sendmail(sender, rcpts, data)
s.quit()
EOPY
chmod 755 "$T/dkimsign" "$T/authcheck" "$T/capture" "$T/sendmail"
# The key as the guide says: owned by the pipe user, mode 0600.
cp "$VECTORS/dkim/keys/rfc8463-test.private" "$T/keys/test.private"
chown nobody "$T/keys/test.private"; chmod 0600 "$T/keys/test.private"

# sign SELECTOR KEY: the shipped script with its settings edited.
sign() {
	sed -e "s|^DKIMSIGN=.*|DKIMSIGN=$T/dkimsign|" -e "s|^SENDMAIL=.*|SENDMAIL=$T/sendmail|" -e "s|^DOMAIN=.*|DOMAIN=$D|" \
	    -e "s|^RSA_SELECTOR=.*|RSA_SELECTOR=$1|" -e "s|^RSA_KEY=.*|RSA_KEY=$2|" \
	    -e "s|^ED_SELECTOR=.*|ED_SELECTOR=$1|" -e "s|^ED_KEY=.*|ED_KEY=$2|" \
	    "$G/senderauth-sign" > "$T/senderauth-sign.new"
	chmod 755 "$T/senderauth-sign.new"; mv "$T/senderauth-sign.new" "$T/senderauth-sign"
}
sign test "$T/keys/test.private"
sed -e "s|^AUTHCHECK=.*|AUTHCHECK=$T/authcheck|" -e "s|^SENDMAIL=.*|SENDMAIL=$T/sendmail|" "$G/senderauth-verify" > "$T/senderauth-verify"
chmod 755 "$T/senderauth-verify"

# block SECTION N: the Nth ``` block after "## SECTION" in postfix.md.
block() {
	awk -v s="## $1" -v n="$2" '
		$0 == s { insec = 1; next }
		insec && /^## / { exit }
		insec && /^```/ { if (inblk) { inblk = 0; if (++k == n) exit; next } inblk = 1; next }
		inblk && k == n - 1 { print }' "$G/postfix.md"
}
block "Signing outgoing mail" 2 > "$T/sign.cf"
block "Verifying incoming mail" 2 > "$T/verify.cf"
ok "postfix.md's signing master.cf entry" grep -q 'content_filter=senderauth-sign:dummy' "$T/sign.cf"
ok "postfix.md's verify master.cf entry has null_sender=" grep -q 'null_sender= ' "$T/verify.cf"
subst() { # PORT: the guide's lines with paths, user, chroot and port substituted
	sed -e "s|/usr/local/libexec/senderauth/|$T/|" -e "s|user=senderauth|user=nobody|" \
	    -e "s#^\(submission\|smtp\) *inet *n *- *y#127.0.0.1:$1 inet n - n#"
}

cat > "$PF/etc/main.cf" <<EOT
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.net
mydestination = example.net
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file_prefixes = $T
maillog_file = $PF/maillog
alias_maps =
local_recipient_maps =
local_transport = capture
smtputf8_enable = no
EOT
{
	pf_master_base
	cat <<EOT
capture   unix  - n n - - pipe
  user=nobody argv=$T/capture
127.0.0.1:$PRE inet n - n - - smtpd
  -o syslog_name=postfix/reinject
EOT
	# The guide's submission entry as it is (SASL required) ...
	subst "$PAUTH" < "$T/sign.cf" | sed '/^senderauth-sign /,$d'
	# ... and without its SASL lines (the test has no SASL database):
	# this one signs what 127.0.0.1 submits.
	subst "$PSUB" < "$T/sign.cf" | grep -v 'smtpd_sasl_auth_enable\|smtpd_client_restrictions' | sed 's|postfix/submission|postfix/sub2|'
	subst "$PMX" < "$T/verify.cf"
} > "$PF/etc/master.cf"

pf_start $PSUB $PAUTH $PMX
ok "postfix starts with the guide's master.cf entries" test $? -eq 0

# send PORT HELO SENDER FILE: one SMTP session; prints the last reply.
send() {
	"$PY" - "$@" <<'EOPY'
import smtplib, sys
port, helo, sender, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=60)
try:
    s.ehlo(helo)
    s.sendmail(sender, ["you@example.net"], open(path, "rb").read())
    print("250 sent")
except smtplib.SMTPRecipientsRefused as e:
    for r, (c, t) in e.recipients.items(): print(c, t.decode())
except smtplib.SMTPResponseException as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
EOPY
}
# wait_log PATTERN N: until the mail log has N lines matching PATTERN (30 s).
wait_log() {
	_i=0
	while [ "$(grep -cE "$1" "$PF/maillog" 2>/dev/null)" -lt "$2" ] && [ $_i -lt 300 ]; do
		sleep 0.1; _i=$((_i + 1)); done
}
delivered() { ls "$T/out" | wc -l; }
newest() { ls -t "$T"/out/m.* 2>/dev/null | head -1; }

printf 'From: Joe <joe@%s>\r\nTo: you@example.net\r\nSubject: guide\r\n\r\nHi.\r\n' "$D" > "$T/msg"

# --- (a) signing
send "$PAUTH" client.example joe@$D "$T/msg" > "$T/r0" 2>&1
like '^5[0-9][0-9] ' "$(cat "$T/r0")" "submission as in the guide: a client that did not log in is refused"

send "$PSUB" client.example joe@$D "$T/msg" > "$T/r1" 2>&1
is "250 sent" "$(cat "$T/r1")" "submission: message accepted"
wait_log 'relay=capture.*status=sent' 1
is 1 "$(delivered)" "... delivered once, after senderauth-sign"
f=$(newest)
is 2 "$(sed '/^$/q' "$f" 2>/dev/null | grep -c '^DKIM-Signature:')" "... with the two signatures"
ok "... that dkimverify --dns-zone passes" sh -c "'$BIN/dkimverify' --dns-zone='$VECTORS/dkim/zone.txt' < '$f' > '$T/v1'"
grep -q 'relay=senderauth-sign.*status=sent' "$PF/maillog"; is 0 $? "... the pipe logged status=sent"

# A mistyped selector, then a key owned by root (issue 10): deferred,
# nothing delivered, never empty or unsigned.
n=$(delivered)
sign 'te_st' "$T/keys/test.private"
send "$PSUB" client.example joe@$D "$T/msg" > "$T/r2" 2>&1
is "250 sent" "$(cat "$T/r2")" "mistyped selector: message accepted"
wait_log 'relay=senderauth-sign.*status=deferred' 1
is 1 "$(grep -cE 'relay=senderauth-sign.*status=deferred' "$PF/maillog")" "... and deferred by Postfix"
sleep 1
is "$n" "$(delivered)" "... nothing delivered"
cp "$T/keys/test.private" "$T/keys/root.private"; chown root "$T/keys/root.private"; chmod 0600 "$T/keys/root.private"
sign test "$T/keys/root.private"
send "$PSUB" client.example joe@$D "$T/msg" > "$T/r3" 2>&1
wait_log 'relay=senderauth-sign.*status=deferred' 2
is 2 "$(grep -cE 'relay=senderauth-sign.*status=deferred' "$PF/maillog")" "key owned by root: deferred"
sleep 1
is "$n" "$(delivered)" "... nothing delivered"
like 'dkimsign failed' "$(grep 'status=deferred' "$PF/maillog" | tail -1)" "... the log says why"
is 2 "$(/usr/sbin/postqueue -c "$PF/etc" -p | grep -c '^[0-9A-F]')" "both stay in the queue (postqueue -p)"

# --- (b) verifying
printf 'Authentication-Results: %s; dkim=pass header.d=%s\r\n' "$ID" "$D" > "$T/forged"
cat "$T/msg" >> "$T/forged"
n=$(delivered)
send "$PMX" mx.guides.example joe@$D "$T/forged" > "$T/r4" 2>&1
is "250 sent" "$(cat "$T/r4")" "port 25: message accepted"
wait_log 'relay=capture.*status=sent' 2
is $((n + 1)) "$(delivered)" "... delivered after senderauth-verify"
f=$(newest)
hdr() { sed '/^$/q' "$1" | awk '/^[ \t]/ { f = f $0; next } { print f; f = $0 } END { print f }'; }
is 1 "$(hdr "$f" | grep -c "^Authentication-Results: $ID;")" "... with one Authentication-Results claiming $ID"
is 0 "$(hdr "$f" | grep -c "^Authentication-Results: $ID; dkim=pass header.d=$D")" "... the forged one removed"
like 'spf=[a-z]+[[:space:]]+smtp\.mailfrom=joe@football\.example\.com' "$(hdr "$f" | grep "^Authentication-Results: $ID;")" "... with authcheck's SPF result"

n=$(delivered)
send "$PMX" mx.guides.example '' "$T/msg" > "$T/r5" 2>&1
is "250 sent" "$(cat "$T/r5")" "a bounce (null sender): accepted"
wait_log 'relay=capture.*status=sent' 3
is $((n + 1)) "$(delivered)" "... delivered"
f=$(newest)
like 'spf=pass[[:space:]]+smtp\.mailfrom=postmaster@mx\.guides\.example;' "$(hdr "$f" | grep "^Authentication-Results: $ID;")" \
	"... checked by its HELO name (null_sender=; RFC 7208 2.4)"
unlike 'MAILER-DAEMON' "$(hdr "$f" | grep "^Authentication-Results: $ID;")" "... not as MAILER-DAEMON"

if [ "$_tap_failed" -ne 0 ]; then
	for x in r0 r1 r2 r3 r4 r5 start; do sed "s/^/# $x: /" "$T/$x" 2>/dev/null; done
	sed 's/^/# log: /' "$PF/maillog" 2>/dev/null | tail -40
	for x in "$T"/out/m.*; do sed "s/^/# $x: /" "$x"; done
fi
done_testing
