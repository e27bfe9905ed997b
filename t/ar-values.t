# ar-values.t: sender-chosen text that looks like a verdict never reads as
# one in the fields we add (issue 8).  A local part, a DKIM i=, a HELO name
# holding "dkim=pass header.d=bank.test" used to be written inside quoted
# values (header.i="dkim=pass header.d=bank.test x@example.com"), which
# the regexes of docs/guides/procmail.md match.  Each case is checked with
# those regexes on the unfolded Authentication-Results field, and for any
# "=pass" in the Received-SPF field.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
D=football.example.com
EVIL='dkim=pass header.d=bank.test'
cat > "$T/zone" <<'EOZ'
$ORIGIN example.
$TTL 300
fail		IN TXT	"v=spf1 -all"
pra		IN TXT	"spf2.0/pra ip4:192.0.2.1 -all"
EOZ
OFFLINE="--dns-zone=$T/zone --nameserver=127.0.0.1@1 --dns-timeout=1"
VERIFY="$BIN/dkimverify --dns-zone=$VECTORS/dkim/zone.txt --nameserver=127.0.0.1@1 --dns-timeout=1"

# unfold FILE: the header section, one field a line, CR removed.
unfold() {
	awk '{ sub(/\r$/, "") }
	/^$/ { exit }
	/^[ \t]/ { sub(/^[ \t]+/, " "); f = f $0; next }
	{ if (f != "") print f; f = $0 }
	END { if (f != "") print f }' "$1"
}
# the procmail guide's tests (docs/guides/procmail.md), on one field
guide_pass() { printf '%s\n' "$1" | grep -Eiq '^Authentication-Results: mx\.example\.org;.*dkim=pass'; }
# no "word=pass" (nor word="pass") anywhere: every genuine result here is
# not pass.  An '=' written as the quoted-pair "\=" (inside a quoted-string
# or a comment) does not count: no regex of the guides matches it.
no_pass() { ! printf '%s\n' "$1" | grep -Eiq '[a-z0-9._-]=[" ]*pass'; }

# --- DKIM: i= with such a local part, the signature failing ---------------
printf 'From: Joe <joe@football.example.com>\r\nSubject: x\r\n\r\nbody\r\n' > "$T/msg"
for i in 'dkim=pass@football.example.com' "\"$EVIL x\"@football.example.com"; do
	"$BIN/dkimsign" -q -d $D -s test -k "$K/rfc8463-test.private" -i "$i" < "$T/msg" |
	    sed 's/^body/tampered/' > "$T/signed"
	run_status 0 "dkimverify --filter, i=$i: exit 0" $VERIFY --filter -A mx.example.org < "$T/signed"
	ar=$(unfold "$T/out" | grep '^Authentication-Results:')
	like 'dkim=fail' "$ar" "... the genuine result is fail"
	ok "... the guide's dkim=pass regex does not match" eval '! guide_pass "$ar"'
	ok "... no =pass anywhere" no_pass "$ar"
	like 'header\.i=@football\.example\.com' "$ar" "... header.i shows only @domain (RFC 8601 2.2 pvalue)"
	run_status 1 "dkimverify, i=$i: exit 1" $VERIFY < "$T/signed"
	ok "... the result line has no =pass" no_pass "$(cat "$T/out")"
done

# --- SPF: MAIL FROM and HELO with such text ---------------------------------
run_status 0 "spfquery --filter, hostile sender and HELO: exit 0" "$BIN/spfquery" $OFFLINE --filter -A mx.example.org -i 192.0.2.7 -s "\"$EVIL\"@fail.example" -H "$EVIL" < "$T/msg"
ar=$(unfold "$T/out" | grep '^Authentication-Results:')
rs=$(unfold "$T/out" | grep '^Received-SPF:')
like 'spf=fail' "$ar" "... the genuine result is fail"
ok "... Authentication-Results: no =pass" no_pass "$ar"
ok "... Received-SPF: no =pass" no_pass "$rs"
like 'smtp\.mailfrom=@fail\.example' "$ar" "... smtp.mailfrom shows only @domain"
unlike 'smtp\.helo' "$ar" "... a HELO that is no domain name is left out"
run_status 1 "spfquery, same: exit 1 (fail)" "$BIN/spfquery" $OFFLINE -i 192.0.2.7 -s "\"$EVIL\"@fail.example" -H "$EVIL"
ok "... line 3 (Received-SPF): no =pass" no_pass "$(sed -n 3p "$T/out")"
# the ordinary case keeps the whole address
run_status 0 "spfquery --filter, plain sender: exit 0" "$BIN/spfquery" $OFFLINE --filter -A mx.example.org -i 192.0.2.7 -s "joe.q@fail.example" -H mx.fail.example < "$T/msg"
like 'smtp\.mailfrom=joe\.q@fail\.example smtp\.helo=mx\.fail\.example' "$(unfold "$T/out" | grep '^Authentication-Results:')" "... a dot-atom local part and a domain HELO are kept"

# --- Sender ID: From with such a local part ---------------------------------
printf 'From: "%s"@pra.example\r\nSubject: x\r\n\r\nbody\r\n' "$EVIL" > "$T/from"
run_status 0 "pra --filter, hostile From: exit 0" "$BIN/pra" $OFFLINE --ip=192.0.2.9 --filter -A mx.example.org < "$T/from"
ar=$(unfold "$T/out" | grep '^Authentication-Results:')
rs=$(unfold "$T/out" | grep '^Received-SPF:')
like 'sender-id=fail' "$ar" "... the genuine result is fail"
ok "... Authentication-Results: no =pass" no_pass "$ar"
ok "... Received-SPF: no =pass" no_pass "$rs"
like 'header\.from=@pra\.example' "$ar" "... header.from shows only @domain"

done_testing
