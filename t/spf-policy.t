# spfquery --policy: Postfix's policy delegation protocol
# (SMTPD_POLICY_README) over a pipe, several requests per process, DNS from
# t/dnsd.py: pass prepends Received-SPF, fail is 550 5.7.23 (RFC 7372 3.2),
# temperror defers (RFC 7208 8.6), a null sender is checked as
# postmaster@HELO (RFC 7208 2.4), recipients of one message are checked
# once, and hostile requests get DUNNO without breaking the next one.
. "${SOURCE:-t}/lib.sh"

plan_lazy
Z=$SOURCE/data/spf/policy.zone
dnsd_start --zone "$Z" --timeout t.slow.policy.example

# req STATE IP HELO SENDER INSTANCE: one request as Postfix writes it.
req() {
	printf 'request=smtpd_access_policy\nprotocol_state=%s\nprotocol_name=ESMTP\n' "$1"
	printf 'client_address=%s\nclient_name=unknown\nhelo_name=%s\n' "$2" "$3"
	printf 'sender=%s\nrecipient=rcpt@example.net\nrecipient_count=0\n' "$4"
	printf 'queue_id=\ninstance=%s\nsize=0\n\n' "$5"
}
POL="$BIN/spfquery --policy $NS --dns-timeout=1 --dns-budget=3"
# policy ARGS... < requests: replies in $T/out, stderr in $T/err, status $st.
policy() { $POL "$@" > "$T/out" 2> "$T/err"; st=$?; }
# reply N: the N-th reply's action line.
reply() { awk -v n="$1" 'BEGIN { RS = "" } NR == n { print }' "$T/out"; }
nreplies() { awk 'BEGIN { RS = "" } END { print NR }' "$T/out"; }

{
	req RCPT 192.0.2.1 mx.policy.example a@policy.example i1
	req RCPT 192.0.2.9 mx.policy.example a@policy.example i2
	req RCPT 192.0.2.9 mx.policy.example a@exp.policy.example i3
	req RCPT 192.0.2.9 mx.policy.example a@soft.policy.example i4
	req RCPT 192.0.2.9 mx.policy.example a@neutral.policy.example i5
	req RCPT 192.0.2.9 mx.policy.example a@none.example i6
	req RCPT 192.0.2.9 mx.policy.example a@perm.policy.example i7
	req RCPT 192.0.2.9 mx.policy.example a@slow.policy.example i8
	req RCPT 192.0.2.1 mx.policy.example '' i9
	req RCPT 192.0.2.9 mx.policy.example '' i10
	req DATA 192.0.2.9 mx.policy.example a@policy.example i11
} > "$T/reqs"
policy < "$T/reqs"
is 0 "$st" "end of input: exit 0"
is 11 "$(nreplies)" "one reply per request, each ended by an empty line"
ok "every reply is one action= line" test "$(grep -c . "$T/out")" = 11 -a \
    "$(grep -vc -e '^action=' -e '^$' "$T/out")" = 0
like '^action=PREPEND Received-SPF: pass .*client-ip=192\.0\.2\.1; envelope-from="?a@policy\.example"?;.*identity=mailfrom' \
    "$(reply 1)" "pass: PREPEND Received-SPF: pass"
is "action=550 5.7.23 policy.example does not designate 192.0.2.9 as a permitted sender" \
    "$(reply 2)" "fail: 550 5.7.23 with the default explanation"
is "action=550 5.7.23 go away a@exp.policy.example" "$(reply 3)" \
    "fail: the domain's exp= explanation"
like '^action=PREPEND Received-SPF: softfail ' "$(reply 4)" "softfail: prepend (not rejected by default)"
like '^action=PREPEND Received-SPF: neutral ' "$(reply 5)" "neutral: prepend"
like '^action=PREPEND Received-SPF: none ' "$(reply 6)" "none: prepend"
like '^action=PREPEND Received-SPF: permerror ' "$(reply 7)" "permerror: prepend by default"
like '^action=DEFER_IF_PERMIT 4\.4\.3 ' "$(reply 8)" "temperror (silent server): DEFER_IF_PERMIT 4.4.3"
like '^action=PREPEND Received-SPF: pass .*postmaster@mx\.policy\.example' "$(reply 9)" \
    "null sender: checked as postmaster@HELO, pass"
is "action=550 5.7.23 mx.policy.example does not designate 192.0.2.9 as a permitted sender" \
    "$(reply 10)" "null sender: the HELO domain's fail"
is "action=DUNNO" "$(reply 11)" "DATA state: DUNNO"

# Options: what each result does.
{
	req RCPT 192.0.2.9 mx.policy.example a@soft.policy.example j1
	req RCPT 192.0.2.9 mx.policy.example a@perm.policy.example j2
	req RCPT 192.0.2.9 mx.policy.example a@slow.policy.example j3
} > "$T/reqs2"
policy --policy-reject=softfail --policy-permerror=reject --policy-temperror=prepend < "$T/reqs2"
like '^action=550 5\.7\.23 ' "$(reply 1)" "--policy-reject=softfail: softfail rejected"
like '^action=550 5\.7\.24 SPF permanent error: ' "$(reply 2)" "--policy-permerror=reject: 550 5.7.24"
like '^action=PREPEND Received-SPF: temperror ' "$(reply 3)" "--policy-temperror=prepend: prepend"
req RCPT 192.0.2.9 mx.policy.example a@policy.example j4 | policy --policy-reject=none
like '^action=PREPEND Received-SPF: fail ' "$(reply 1)" "--policy-reject=none: fail prepended"

# --policy-helo: the HELO identity first (RFC 7208 2.3); its fail decides
# even when MAIL FROM would pass.
req RCPT 192.0.2.1 helofail.policy.example a@policy.example h1 > "$T/reqs3"
policy < "$T/reqs3"
like '^action=PREPEND Received-SPF: pass ' "$(reply 1)" "without --policy-helo: MAIL FROM decides"
policy --policy-helo < "$T/reqs3"
is "action=550 5.7.23 helofail.policy.example does not designate 192.0.2.1 as a permitted sender" \
    "$(reply 1)" "--policy-helo: the HELO fail rejects"
req RCPT 192.0.2.1 mx.policy.example a@policy.example h2 | policy --policy-helo
like '^action=PREPEND Received-SPF: pass .*identity=mailfrom' "$(reply 1)" \
    "--policy-helo: HELO pass, then MAIL FROM's field"

# Several recipients of one message (one instance): one check.
req RCPT 192.0.2.9 mx.policy.example a@policy.example k1 > "$T/one"
{ cat "$T/one" "$T/one" "$T/one"; } > "$T/three"
{ cat "$T/one"; sed 's/instance=k1/instance=k2/' "$T/one"; } > "$T/two"
policy --trace < "$T/one"; n1=$(grep -c 'trace: check_host(' "$T/err")
policy --trace < "$T/three"; n3=$(grep -c 'trace: check_host(' "$T/err")
is 3 "$(nreplies)" "three RCPTs of one message: three replies"
is "$(reply 1)" "$(reply 3)" "three RCPTs of one message: the same action"
ok "three RCPTs of one message: one check ($n3 check_host, one RCPT $n1)" \
    test "$n1" -ge 1 -a "$n3" = "$n1"
policy --trace < "$T/two"; n2=$(grep -c 'trace: check_host(' "$T/err")
is $((2 * n1)) "$n2" "two messages (two instances): two checks"
# A PREPEND is answered once per message: Postfix adds the field of
# every RCPT's PREPEND (t/spf-policy-postfix.t saw two Received-SPF).
req RCPT 192.0.2.1 mx.policy.example a@policy.example k3 > "$T/one"
{ cat "$T/one" "$T/one"; } | policy
like '^action=PREPEND Received-SPF: pass ' "$(reply 1)" "pass, first RCPT: PREPEND"
is "action=DUNNO" "$(reply 2)" "pass, second RCPT of the message: DUNNO (one Received-SPF)"

# Hostile requests: DUNNO and a line on stderr, and the next request is
# still answered right.
good=$(req RCPT 192.0.2.9 mx.policy.example a@policy.example g1)
long=$(head -c 5000 /dev/zero | tr '\0' a)
{
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=%s\n\n' "$long"
	printf '%s\n\n' "$good"
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.9\n'
	printf 'helo_name=mx.policy.example\rX-Injected: yes\nsender=a@policy.example\ninstance=g2\n\n'
	printf 'garbage without an equals sign\n\n'
	i=0; while [ $i -lt 150 ]; do echo "x$i=y"; i=$((i + 1)); done; echo
	printf 'request=smtpd_access_policy\0\nprotocol_state=RCPT\n\n'
	printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=not-an-ip\nsender=a@policy.example\n\n'
	printf '%s\n\n' "$good"
} > "$T/bad"
policy < "$T/bad"
is 0 "$st" "hostile requests: exit 0"
is 8 "$(nreplies)" "hostile requests: one reply each"
is "action=DUNNO" "$(reply 1)" "a line over POLICY_LINE_MAX: DUNNO"
like '^action=550 5\.7\.23 ' "$(reply 2)" "the next request: answered (fail)"
is "action=DUNNO" "$(reply 3)" "CR inside an attribute: DUNNO"
unlike 'X-Injected' "$(cat "$T/out")" "CR inside an attribute: nothing injected"
is "action=DUNNO" "$(reply 4)" "a line without '=': DUNNO"
is "action=DUNNO" "$(reply 5)" "too many attributes: DUNNO"
is "action=DUNNO" "$(reply 6)" "NUL in a line: DUNNO"
is "action=DUNNO" "$(reply 7)" "a client_address that is no address: DUNNO"
like '^action=550 5\.7\.23 ' "$(reply 8)" "the last request: still answered"
is 6 "$(grep -c 'DUNNO' "$T/err")" "one stderr line per DUNNO for a bad request"

# Under spawn(8) stderr is the same socket as stdout: a log line there
# would reach Postfix as part of a reply.  Same file: only actions.
$POL < "$T/bad" > "$T/both" 2>&1
is 8 "$(grep -c '^action=' "$T/both")" "stderr = stdout: every reply"
is 0 "$(grep -vc -e '^action=' -e '^$' "$T/both")" "stderr = stdout: nothing but replies (logs go to syslog)"

# A huge line (4 MB without a newline) is read in bounded memory.
{ head -c 4000000 /dev/zero | tr '\0' a; printf '\n\n%s\n\n' "$good"; } > "$T/huge"
policy < "$T/huge"
is "action=DUNNO" "$(reply 1)" "a 4 MB line: DUNNO"
like '^action=550 5\.7\.23 ' "$(reply 2)" "after a 4 MB line: answered"

# End of input in the middle of a request: no reply, exit 0; empty input.
printf 'request=smtpd_access_policy\nprotocol_state=RCPT\n' | policy
is 0 "$st" "end of input mid-request: exit 0"
is "" "$(cat "$T/out")" "end of input mid-request: no reply"
policy < /dev/null
is 0 "$st" "empty input: exit 0"

# Usage errors.
run_status 64 "--policy with --ip: usage error" "$BIN/spfquery" --policy -i 192.0.2.1
run_status 64 "--policy-reject=bogus: usage error" "$BIN/spfquery" --policy --policy-reject=bogus
run_status 64 "--policy with -s: usage error (the requests give it)" "$BIN/spfquery" --policy -s a@policy.example
run_status 64 "--policy with --filter: usage error" "$BIN/spfquery" --policy --filter

done_testing
