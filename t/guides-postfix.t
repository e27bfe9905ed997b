# guides-postfix.t: docs/guides/postfix.md followed on a real Postfix
# (Debian's postfix) on loopback, as t/spf-policy-postfix.t runs it:
# master(8) with a private configuration directory, the guide's keys
# (dkkeygen), Cyrus SASL database and smtpd.conf, TLS settings and
# master.cf entries with only paths, ports, the pipe user (nobody) and
# port 25's chroot (n) substituted, the shipped scripts
# docs/guides/senderauth-sign and senderauth-verify with only their paths
# edited at the top as an administrator would; they re-inject with
# Postfix's own /usr/sbin/sendmail (postdrop, pickup).  Final delivery goes
# to a pipe that writes each message to a file.  postdrop, run by the
# pipe user, takes the private configuration only when
# /etc/postfix/main.cf lists it: pf_bless (t/lib.sh) writes that file for
# the test's duration when there is none (Debian's "No configuration", as
# in CI) and removes it at exit.  Needs postfix, sasl2-bin,
# libsasl2-modules, openssl and root; skipped without them, a failure in
# CI.
. "${SOURCE:-t}/lib.sh"
# Postfix's daemons, postdrop and the pipe user read what the test writes.
umask 022

want_peer postfix test -x /usr/sbin/postfix -a -x /usr/lib/postfix/sbin/master
want_peer "sasl2-bin" test -x /usr/sbin/saslpasswd2
want_peer "libsasl2-modules (PLAIN, LOGIN)" sh -c 'ls /usr/lib/*/sasl2/libplain.so* /usr/lib/*/sasl2/liblogin.so*'
want_peer openssl test -x /usr/bin/openssl
want_peer "root (to start Postfix)" test "$(id -u)" = 0
want_peer "no /etc/postfix/main.cf of an administrator's Postfix (postdrop)" pf_can_bless
need_peers
plan_lazy

G=$SOURCE/../docs/guides
D=example.com
ID=mx.example.org
cat > "$T/helo.zone" <<EOZ
\$ORIGIN guides.example.
\$TTL 300
mx	IN TXT	"v=spf1 ip4:127.0.0.1 -all"
sender	IN TXT	"v=spf1 ip4:192.0.2.1 -all"
EOZ
dnsd_start --zone "$T/helo.zone"
freeport() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PSUB=$(freeport) PMX=$(freeport)

# block SECTION N: the Nth ``` block after "## SECTION" in postfix.md.
block() {
	awk -v s="## $1" -v n="$2" '
		$0 == s { insec = 1; next }
		insec && /^## / { exit }
		insec && /^```/ { if (inblk) { inblk = 0; if (++k == n) exit; next } inblk = 1; next }
		inblk && k == n - 1 { print }' "$G/postfix.md"
}
SIGN="Signing outgoing mail"
SASL="Logging in on the submission port (SASL and TLS)"

chmod 755 "$T"
PF=$T/pf
mkdir -p "$PF/etc/sasl" "$PF/spool" "$PF/data" "$T/out" "$T/keys" "$T/tls"
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
chmod 755 "$T/dkimsign" "$T/authcheck" "$T/capture"

# The guide's keys: its commands with /etc/senderauth in $T/keys, the
# pipe user nobody for senderauth (whose adduser is left out).
block "$SIGN" 2 > "$T/keys.sh"
ok "postfix.md makes the keys with dkkeygen and gives them to the pipe user" \
	grep -q '^chown senderauth: /etc/senderauth/\*\.private' "$T/keys.sh"
sed -e '/^adduser /d' -e "s|/etc/senderauth|$T/keys|g" -e "s|/usr/local/bin/dkkeygen|$(cd "$BIN" && pwd)/dkkeygen|" \
    -e 's|^chown senderauth:|chown nobody:|' "$T/keys.sh" > "$T/keys.run"
sh -e "$T/keys.run" > "$T/keys.out" 2>&1
ok "... its commands run" test $? -eq 0
is "nobody 600 nobody 600" "$(stat -c '%U %a' "$T/keys/rsa2026.private" "$T/keys/ed2026.private" | tr '\n' ' ' | sed 's/ $//')" \
	"... the keys owned by the pipe user, mode 0600"
cat "$T/keys/rsa2026.txt" "$T/keys/ed2026.txt" > "$T/keys/zone"

# The shipped scripts with only their paths edited (DOMAIN and selectors
# as shipped; SENDMAIL is Postfix's /usr/sbin/sendmail, as shipped).
# sign RSA_SELECTOR RSA_KEY: the same with the RSA key settings changed.
sign() {
	sed -e "s|^DKIMSIGN=.*|DKIMSIGN=$T/dkimsign|" -e "s|/etc/senderauth/|$T/keys/|g" \
	    -e "s|^RSA_SELECTOR=.*|RSA_SELECTOR=$1|" -e "s|^RSA_KEY=.*|RSA_KEY=$2|" \
	    "$G/senderauth-sign" > "$T/senderauth-sign.new"
	chmod 755 "$T/senderauth-sign.new"; mv "$T/senderauth-sign.new" "$T/senderauth-sign"
}
sign rsa2026 "$T/keys/rsa2026.private"
ok "senderauth-sign re-injects with /usr/sbin/sendmail" grep -q '^SENDMAIL=/usr/sbin/sendmail$' "$T/senderauth-sign"
sed -e "s|^AUTHCHECK=.*|AUTHCHECK=$T/authcheck|" "$G/senderauth-verify" > "$T/senderauth-verify"
chmod 755 "$T/senderauth-verify"

# The guide's SASL setup: smtpd.conf and the user database in $PF/etc/sasl
# for /etc/postfix/sasl (Debian's Postfix looks for smtpd.conf in
# $config_directory/sasl and then /usr/lib/sasl, whatever
# cyrus_sasl_config_path says), saslpasswd2 given -p to read the password
# from stdin instead of the terminal.
block "$SASL" 1 > "$T/apt"
ok "postfix.md installs sasl2-bin and libsasl2-modules" grep -q '^apt-get install sasl2-bin libsasl2-modules$' "$T/apt"
block "$SASL" 2 | sed "s|/etc/postfix/|$PF/etc/|" > "$PF/etc/sasl/smtpd.conf"
ok "postfix.md's smtpd.conf uses a sasldb" grep -q "^sasldb_path: $PF/etc/sasl/sasldb2\$" "$PF/etc/sasl/smtpd.conf"
block "$SASL" 3 | sed -e "s|/etc/postfix/|$PF/etc/|g" -e 's|^saslpasswd2 |saslpasswd2 -p |' > "$T/sasl.run"
ok "postfix.md adds a user with saslpasswd2" grep -q '^saslpasswd2 -p .* -c -u example.com joe$' "$T/sasl.run"
PW='s3cret word'
printf '%s' "$PW" | sh -e "$T/sasl.run" > "$T/sasl.out" 2>&1
ok "... its commands run" test $? -eq 0
like 'joe@example.com' "$(sasldblistusers2 -f "$PF/etc/sasl/sasldb2" 2>&1)" "... the user is joe@example.com"
# TLS: a throwaway certificate for 127.0.0.1 at the guide's paths.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=mx.example.net -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/tls/privkey.pem" -out "$T/tls/fullchain.pem" > "$T/tls/out" 2>&1
ok "a throwaway TLS certificate" test $? -eq 0
block "$SASL" 4 | sed "s|/etc/letsencrypt/live/mail.example.com/|$T/tls/|" > "$T/tls.cf"
ok "postfix.md names the TLS certificate in main.cf" grep -q "^smtpd_tls_cert_file = $T/tls/fullchain.pem" "$T/tls.cf"

block "$SIGN" 3 > "$T/sign.cf"
block "Verifying incoming mail" 2 > "$T/verify.cf"
ok "postfix.md's signing master.cf entry" grep -q 'content_filter=senderauth-sign:dummy' "$T/sign.cf"
ok "... requires TLS and SASL" sh -c "grep -q 'smtpd_tls_security_level=encrypt' '$T/sign.cf' &&
	grep -q 'smtpd_client_restrictions=permit_sasl_authenticated,reject' '$T/sign.cf'"
ok "postfix.md's verify master.cf entry has null_sender=" grep -q 'null_sender= ' "$T/verify.cf"
subst() { # PORT: the guide's lines with paths, user, chroot and port substituted
	sed -e "s|/usr/local/libexec/senderauth/|$T/|" -e "s|user=senderauth|user=nobody|" \
	    -e "s#^\(submission\|smtp\) *inet *n *- *[yn]#127.0.0.1:$1 inet n - n#"
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
cat "$T/tls.cf" >> "$PF/etc/main.cf"
{
	pf_master_base
	cat <<EOT
capture   unix  - n n - - pipe
  user=nobody argv=$T/capture
tlsmgr    unix  - - n 1000? 1 tlsmgr
showq     unix  n - n - - showq
flush     unix  n - n 1000? 0 flush
EOT
	subst "$PSUB" < "$T/sign.cf"
	subst "$PMX" < "$T/verify.cf"
} > "$PF/etc/master.cf"

# The guide's "postfix check", then start instead of reload.
/usr/sbin/postfix -c "$PF/etc" check > "$T/check" 2>&1
ok "postfix check passes" test $? -eq 0
pf_start $PSUB $PMX
ok "postfix starts with the guide's settings" test $? -eq 0

# smtp PORT HELO SENDER FILE [tls [MECH USER PASSWORD]]: one SMTP session;
# prints the last reply ("250 sent" when the message was accepted).
# "ehlo" as FILE prints the EHLO keywords instead (after STARTTLS with tls).
cat > "$T/smtp.py" <<'EOPY'
import smtplib, ssl, sys
port, helo, sender, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
rest = sys.argv[5:]
s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=60)
try:
    s.ehlo(helo)
    if rest:
        ctx = ssl.create_default_context(cafile=sys.argv[0].replace("smtp.py", "tls/fullchain.pem"))
        s.starttls(context=ctx)
        s.ehlo(helo)
    if path == "ehlo":
        print(" ".join(sorted(k.upper() for k in s.esmtp_features)))
        print("AUTH=" + s.esmtp_features.get("auth", "").strip())
        sys.exit(0)
    if len(rest) == 4:
        mech, s.user, s.password = rest[1], rest[2], rest[3]
        s.auth(mech, {"PLAIN": s.auth_plain, "LOGIN": s.auth_login}[mech])
    s.sendmail(sender, ["you@example.net"], open(path, "rb").read())
    print("250 sent")
except smtplib.SMTPRecipientsRefused as e:
    for r, (c, t) in e.recipients.items(): print(c, t.decode())
except smtplib.SMTPResponseException as e:
    print(e.smtp_code, e.smtp_error.decode())
try:
    s.quit()
except Exception:
    pass
EOPY
send() { "$PY" "$T/smtp.py" "$@"; }
# wait_log PATTERN N: until the mail log has N lines matching PATTERN (30 s).
wait_log() {
	_i=0
	while [ "$(grep -cE "$1" "$PF/maillog" 2>/dev/null)" -lt "$2" ] && [ $_i -lt 300 ]; do
		sleep 0.1; _i=$((_i + 1)); done
}
delivered() { ls "$T/out" | wc -l; }
newest() { ls -t "$T"/out/m.* 2>/dev/null | head -1; }
nsig() { sed '/^$/q' "$1" 2>/dev/null | grep -c '^DKIM-Signature:'; }
# signed FILE: two signatures, and dkimverify passes them both with the
# published keys.
signed() {
	[ "$(nsig "$1")" = 2 ] &&
		"$BIN/dkimverify" --dns-zone="$T/keys/zone" < "$1" > "$T/v" 2>&1 &&
		[ "$(grep -c 'pass' "$T/v")" = 2 ]
}

printf 'From: Joe <joe@%s>\r\nTo: you@example.net\r\nSubject: guide\r\n\r\nHi.\r\n' "$D" > "$T/msg"

# --- (a) the submission entry: TLS first, then a login, or nothing
unlike 'AUTH' "$(send "$PSUB" client.example x ehlo | head -1)" "submission: no AUTH offered before STARTTLS"
is 'AUTH=PLAIN LOGIN' "$(send "$PSUB" client.example x ehlo tls | tail -1)" "... AUTH PLAIN LOGIN after STARTTLS (the guide's mech_list)"
send "$PSUB" client.example joe@$D "$T/msg" > "$T/r0" 2>&1
like '^530 ' "$(cat "$T/r0")" "a client without TLS is refused (530)"
send "$PSUB" client.example joe@$D "$T/msg" tls > "$T/r0b" 2>&1
like '^5[0-9][0-9] ' "$(cat "$T/r0b")" "a client with TLS that did not log in is refused"
send "$PSUB" client.example joe@$D "$T/msg" tls PLAIN joe@$D 'wrong' > "$T/r0c" 2>&1
like '^535 ' "$(cat "$T/r0c")" "a wrong password is refused (535)"
sleep 1
is 0 "$(delivered)" "... nothing delivered for them"

# --- (b) sendmail failing: the scripts' /usr/sbin/sendmail runs as nobody
# with MAIL_CONFIG=$PF/etc, which postdrop refuses until
# /etc/postfix/main.cf lists it: deferred, not lost.
send "$PSUB" client.example joe@$D "$T/msg" tls PLAIN joe@$D "$PW" > "$T/r1a" 2>&1
is "250 sent" "$(cat "$T/r1a")" "logged in, postdrop refusing: message accepted"
wait_log 'relay=senderauth-sign.*status=deferred' 1
like 'status=deferred.*postdrop' \
	"$(grep 'relay=senderauth-sign' "$PF/maillog")" "... and deferred, with postdrop's reason"
sleep 1
is 0 "$(delivered)" "... nothing delivered"
pf_bless
ok "postdrop may take the private configuration (alternate_config_directories)" test $? -eq 0

# --- (c) signing: logged in, through senderauth-sign, sendmail and pickup
send "$PSUB" client.example joe@$D "$T/msg" tls PLAIN joe@$D "$PW" > "$T/r1" 2>&1
is "250 sent" "$(cat "$T/r1")" "logged in (AUTH PLAIN, joe@$D): message accepted"
wait_log 'relay=capture.*status=sent' 1
is 1 "$(delivered)" "... delivered once, after senderauth-sign"
f=$(newest)
is 2 "$(nsig "$f")" "... with the two signatures (rsa2026, ed2026)"
ok "... that dkimverify passes with the published keys" signed "$f"
grep -q 'relay=senderauth-sign.*status=sent' "$PF/maillog"; is 0 $? "... the pipe logged status=sent"
like "postfix/pickup\\[[0-9]+\\]: [0-9A-F]+: uid=$(id -u nobody) from=<joe@$D>" "$(cat "$PF/maillog")" \
	"... re-injected by the pipe user through sendmail and pickup"
like "sasl_method=PLAIN, sasl_username=joe@$D" "$(cat "$PF/maillog")" "... the log names the login"
send "$PSUB" client.example joe@$D "$T/msg" tls LOGIN joe@$D "$PW" > "$T/r1b" 2>&1
is "250 sent" "$(cat "$T/r1b")" "logged in (AUTH LOGIN): message accepted"
wait_log 'relay=capture.*status=sent' 2
is 2 "$(delivered)" "... delivered"
f=$(newest)
ok "... signed, and dkimverify passes" signed "$f"

# A mistyped selector, then a key owned by root (issue 10): deferred,
# nothing delivered, never empty or unsigned.
n=$(delivered)
sign 'rsa_2026' "$T/keys/rsa2026.private"
send "$PSUB" client.example joe@$D "$T/msg" tls PLAIN joe@$D "$PW" > "$T/r2" 2>&1
is "250 sent" "$(cat "$T/r2")" "mistyped selector: message accepted"
wait_log 'relay=senderauth-sign.*status=deferred' 2
is 2 "$(grep -cE 'relay=senderauth-sign.*status=deferred' "$PF/maillog")" "... and deferred by Postfix"
sleep 1
is "$n" "$(delivered)" "... nothing delivered"
cp "$T/keys/rsa2026.private" "$T/keys/root.private"; chown root "$T/keys/root.private"; chmod 0600 "$T/keys/root.private"
sign rsa2026 "$T/keys/root.private"
send "$PSUB" client.example joe@$D "$T/msg" tls PLAIN joe@$D "$PW" > "$T/r3" 2>&1
wait_log 'relay=senderauth-sign.*status=deferred' 3
is 3 "$(grep -cE 'relay=senderauth-sign.*status=deferred' "$PF/maillog")" "key owned by root: deferred"
sleep 1
is "$n" "$(delivered)" "... nothing delivered"
like 'dkimsign failed' "$(grep 'status=deferred' "$PF/maillog" | tail -1)" "... the log says why"
is 3 "$(/usr/sbin/postqueue -c "$PF/etc" -p | grep -c '^[0-9A-F]')" "the three stay in the queue (postqueue -p)"
# As the guide says: fix the cause and run postqueue -f.
sign rsa2026 "$T/keys/rsa2026.private"
/usr/sbin/postqueue -c "$PF/etc" -f
wait_log 'relay=capture.*status=sent' $((n + 3))
is $((n + 3)) "$(delivered)" "fixed, postqueue -f: the three delivered"
for f in $(ls -t "$T"/out/m.* | head -3); do
	ok "... signed, and dkimverify passes ($(basename "$f"))" signed "$f"
done

# --- (d) verifying
printf 'Authentication-Results: %s; dkim=pass header.d=%s\r\n' "$ID" "$D" > "$T/forged"
cat "$T/msg" >> "$T/forged"
n=$(delivered)
send "$PMX" mx.guides.example joe@$D "$T/forged" > "$T/r4" 2>&1
is "250 sent" "$(cat "$T/r4")" "port 25: message accepted"
wait_log 'relay=capture.*status=sent' $((n + 1))
is $((n + 1)) "$(delivered)" "... delivered after senderauth-verify"
f=$(newest)
hdr() { sed '/^$/q' "$1" | awk '/^[ \t]/ { f = f $0; next } { print f; f = $0 } END { print f }'; }
is 1 "$(hdr "$f" | grep -c "^Authentication-Results: $ID;")" "... with one Authentication-Results claiming $ID"
is 0 "$(hdr "$f" | grep -c "^Authentication-Results: $ID; dkim=pass header.d=$D")" "... the forged one removed"
like 'spf=[a-z]+[[:space:]]+smtp\.mailfrom=joe@example\.com' "$(hdr "$f" | grep "^Authentication-Results: $ID;")" "... with authcheck's SPF result"

n=$(delivered)
send "$PMX" mx.guides.example '' "$T/msg" > "$T/r5" 2>&1
is "250 sent" "$(cat "$T/r5")" "a bounce (null sender): accepted"
wait_log 'relay=capture.*status=sent' $((n + 1))
is $((n + 1)) "$(delivered)" "... delivered"
f=$(newest)
like 'spf=pass[[:space:]]+smtp\.mailfrom=postmaster@mx\.guides\.example;' "$(hdr "$f" | grep "^Authentication-Results: $ID;")" \
	"... checked by its HELO name (null_sender=; RFC 7208 2.4)"
unlike 'MAILER-DAEMON' "$(hdr "$f" | grep "^Authentication-Results: $ID;")" "... not as MAILER-DAEMON"

if [ "$_tap_failed" -ne 0 ]; then
	for x in keys.out sasl.out tls/out check r0 r0b r0c r1a r1 r1b r2 r3 r4 r5 start; do sed "s|^|# $x: |" "$T/$x" 2>/dev/null; done
	sed 's/^/# log: /' "$PF/maillog" 2>/dev/null | tail -40
	for x in "$T"/out/m.*; do sed "s|^|# $x: |" "$x"; done
fi
done_testing
