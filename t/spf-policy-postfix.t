# spfquery --policy under a real Postfix (Debian's postfix): master(8) with
# a private configuration directory, smtpd on 127.0.0.1 at a free port
# above 1024, spfquery run by spawn(8) as docs/guides/postfix.md says, and
# SMTP sessions from Python's smtplib: pass accepted (Received-SPF
# prepended), fail 550 5.7.23, temperror 450 4.4.3, a null sender checked
# by its HELO name.  Needs postfix and root (master(8) starts as root);
# skipped without them, a failure in CI.
. "${SOURCE:-t}/lib.sh"

want_peer postfix test -x /usr/sbin/postfix -a -x /usr/lib/postfix/sbin/master
want_peer "root (to start Postfix)" test "$(id -u)" = 0
need_peers
plan_lazy

dnsd_start --zone "$SOURCE/data/spf/policy-postfix.zone" --timeout t.slow.policy.example
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Postfix's daemons run as postfix and nobody: they must reach their files.
chmod 755 "$T"
PF=$T/pf
# spawn(8) runs spfquery as nobody, who may not reach the build tree (the
# CI's sanitizer build lives in a mode-700 directory): run a copy from $T.
# Leak reports are off there: spawn gives the child's stderr to Postfix.
cp "$BIN/spfquery" "$T/spfquery" && chmod 755 "$T/spfquery"
mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
chown postfix "$PF/data"
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
maillog_file_prefixes = $T
maillog_file = $PF/maillog
alias_maps =
local_recipient_maps =
local_transport = discard
smtputf8_enable = no
# docs/guides/postfix.md; then HOLD, so that the accepted message stays
# in the queue for postcat to show its header.
smtpd_recipient_restrictions =
    check_policy_service unix:private/spfpolicy
    check_recipient_access static:HOLD
spfpolicy_time_limit = 3600
EOT
{
	echo "127.0.0.1:$PORT inet n - n - - smtpd"
	pf_master_base
	cat <<EOT
spfpolicy unix  - n n - 0 spawn
  user=nobody argv=/usr/bin/env ASAN_OPTIONS=detect_leaks=0 $T/spfquery --policy $NS --dns-timeout=1 --dns-budget=3
EOT
} > "$PF/etc/master.cf"

pf_start "$PORT"
ok "postfix starts with the private configuration" test $? -eq 0

# session HELO SENDER: one SMTP session, two recipients of one message;
# prints "MAIL code text", "RCPT code text" twice and, when a recipient
# was accepted, "DATA code text".
session() {
	"$PY" - "$PORT" "$1" "$2" <<'EOPY'
import smtplib, sys
port, helo, sender = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=60)
s.ehlo(helo)
code, text = s.mail(sender)
print("MAIL", code, text.decode())
ok = False
for r in ("u@example.net", "v@example.net"):
    code, text = s.rcpt(r)
    print("RCPT", code, text.decode())
    ok = ok or code == 250
if ok:
    code, text = s.data(b"From: a@example.org\r\nSubject: t\r\n\r\nbody\r\n")
    print("DATA", code, text.decode())
s.quit()
EOPY
}

session mx.pass.policy.example a@pass.policy.example > "$T/s1" 2>&1
is "RCPT 250 2.1.5 Ok" "$(grep -m1 '^RCPT' "$T/s1")" "pass: recipient accepted"
like '^DATA 250 .*queued as [0-9A-Z]+' "$(grep '^DATA' "$T/s1")" "pass: message queued"
id=$(sed -n 's/^DATA 250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$T/s1")
/usr/sbin/postcat -c "$PF/etc" -h -q "$id" > "$T/h1" 2>&1
like '^Received-SPF: pass .*envelope-from="?a@pass\.policy\.example"?' "$(grep -m1 '^Received-SPF:' "$T/h1")" \
    "pass: Received-SPF prepended by Postfix"
is 1 "$(grep -c '^Received-SPF:' "$T/h1")" "pass: one Received-SPF for two recipients"

session mx.pass.policy.example a@fail.policy.example > "$T/s2" 2>&1
like '^RCPT 550 5\.7\.23 .*fail\.policy\.example does not designate 127\.0\.0\.1' \
    "$(grep -m1 '^RCPT' "$T/s2")" "fail: 550 5.7.23 in the SMTP dialogue"
is 2 "$(grep -c '^RCPT 550 5\.7\.23' "$T/s2")" "fail: both recipients rejected"

session mx.pass.policy.example a@slow.policy.example > "$T/s3" 2>&1
like '^RCPT 450 4\.4\.3 ' "$(grep -m1 '^RCPT' "$T/s3")" "temperror: 450 4.4.3"

session fail.policy.example '' > "$T/s4" 2>&1
like '^RCPT 550 5\.7\.23 .*fail\.policy\.example does not designate' \
    "$(grep -m1 '^RCPT' "$T/s4")" "null sender: the HELO name's fail, 550"
session pass.policy.example '' > "$T/s5" 2>&1
is "RCPT 250 2.1.5 Ok" "$(grep -m1 '^RCPT' "$T/s5")" "null sender: the HELO name's pass, accepted"

# spfquery wrote nothing but replies: Postfix logged no protocol trouble.
unlike 'warning: .*(spfpolicy|policy)' "$(cat "$PF/maillog" 2>/dev/null)" "no policy warnings in Postfix's log"
if [ "$_tap_failed" -ne 0 ]; then
	for f in s1 s2 s3 s4 s5; do sed "s/^/# $f: /" "$T/$f"; done
	sed 's/^/# log: /' "$PF/maillog" 2>/dev/null | tail -30
fi
done_testing
