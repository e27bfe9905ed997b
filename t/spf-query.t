# spfquery as a query tool: the three output lines, each exit status
# (Mail::SPF's codes), usage errors, the libspf2 option spellings,
# Received-SPF safety, the limits of RFC 7208 4.6.4, a DNS timeout, --trace.
. "${SOURCE:-t}/lib.sh"

plan_lazy
dnsd_start --json "$SOURCE/data/spf/query.json"

q() {
	"$BIN/spfquery" "$NS" --dns-timeout=1 "$@"
}

# --- each result and its exit status (pass 0 ... none 6)
for case in "pass 0 192.0.2.7 pass" "fail 1 192.0.2.7 fail" \
    "softfail 2 192.0.2.7 softfail" "neutral 3 192.0.2.7 neutral" \
    "permerror 4 192.0.2.7 permerror" "temperror 5 192.0.2.7 temperror" \
    "none 6 192.0.2.7 none"; do
	set -- $case
	run_status "$2" "$1: exit status $2" q -i "$3" -s "user@$1.example.com" -H mx.example.net
	is "$4" "$(sed -n 1p "$T/out")" "$1: line 1 is the result"
	like "^Received-SPF: $4 \(" "$(sed -n 3p "$T/out")" "$1: line 3 is Received-SPF"
	is 3 "$(wc -l < "$T/out" | tr -d ' ')" "$1: three lines"
done

# --- pass: empty explanation line, the Received-SPF keys
q -i 192.0.2.7 -s user@pass.example.com -H mx.example.net -r mybox.example.org > "$T/out"
is "" "$(sed -n 2p "$T/out")" "pass: line 2 (explanation) is empty"
rs=$(sed -n 3p "$T/out")
like 'client-ip=192\.0\.2\.7;' "$rs" "client-ip key"
like 'envelope-from="user@pass\.example\.com";' "$rs" "envelope-from key (quoted: not a dot-atom)"
like 'helo=mx\.example\.net;' "$rs" "helo key"
like 'receiver=mybox\.example\.org;' "$rs" "receiver key"
like 'identity=mailfrom;' "$rs" "identity key"
like 'mechanism="?ip4:192\.0\.2\.0/24"?' "$rs" "mechanism key"
like '^Received-SPF: pass \(mybox\.example\.org: domain of user@pass\.example\.com designates 192\.0\.2\.7 as permitted sender\)' "$rs" "comment names receiver, sender and address"

# IPv6
run_status 0 "IPv6 client matches ip6:" q -i 2001:db8::25 -s user@pass.example.com
like 'client-ip="2001:db8::25";' "$(sed -n 3p "$T/out")" "IPv6 client-ip (quoted: not a dot-atom)"
# IPv4-mapped IPv6 is IPv4 (RFC 7208 5)
run_status 0 "IPv4-mapped IPv6 is checked as IPv4" q -i ::ffff:192.0.2.7 -s user@pass.example.com
like 'client-ip=192\.0\.2\.7;' "$(sed -n 3p "$T/out")" "mapped address shown as IPv4"

# --- fail: the exp= text, macro-expanded, with %{r}
q -i 192.0.2.7 -s user@fail.example.com -r mybox.example.org > "$T/out"
is "192.0.2.7 may not send mail for fail.example.com (receiver mybox.example.org)" \
    "$(sed -n 2p "$T/out")" "fail: line 2 is the exp= explanation, expanded"
q -i 192.0.2.7 -s user@noexp.example.com > "$T/out"
is "noexp.example.com does not designate 192.0.2.7 as a permitted sender" \
    "$(sed -n 2p "$T/out")" "fail without exp=: the built-in explanation"
q -i 192.0.2.7 -s user@noexp.example.com --default-explanation='go away %{l}' > "$T/out"
is "go away user" "$(sed -n 2p "$T/out")" "--default-explanation replaces it (macro-expanded)"
q -i 192.0.2.7 -s user@fail.example.com --default-explanation='unused' > "$T/out"
like "may not send" "$(sed -n 2p "$T/out")" "--default-explanation does not replace exp="

# --- permerror and temperror carry problem=
like 'problem=.*bogus' "$(q -i 192.0.2.7 -s user@permerror.example.com | sed -n 3p)" "permerror: problem= names the bad term"
like 'problem=.*servfail\.example\.com' "$(q -i 192.0.2.7 -s user@temperror.example.com | sed -n 3p)" "temperror: problem= names the failing lookup"

# --- identities
run_status 0 "null sender: postmaster@HELO is checked (RFC 7208 2.4)" q -i 192.0.2.10 -s '' -H mail.example.com
like 'envelope-from="";' "$(sed -n 3p "$T/out")" "null sender: envelope-from is empty"
like 'postmaster@mail\.example\.com' "$(sed -n 3p "$T/out")" "null sender: comment names postmaster@HELO"
run_status 0 "no -s at all: the null sender" q -i 192.0.2.10 -H mail.example.com
run_status 0 "--scope=helo checks the HELO identity" q --scope=helo -i 192.0.2.10 -s user@fail.example.com -H mail.example.com
like 'identity=helo;' "$(sed -n 3p "$T/out")" "--scope=helo: identity=helo"
run_status 1 "--scope=helo: HELO identity fails from another address" q --scope=helo -i 192.0.2.11 -H mail.example.com
run_status 0 "--scope=HELO is case-insensitive" q --scope=HELO -i 192.0.2.10 -H mail.example.com

# --- the libspf2 spellings
run_status 0 "-ip= -sender= -helo= (libspf2 spellings)" "$BIN/spfquery" "$NS" -ip=192.0.2.7 -sender=user@pass.example.com -helo=mx.example.net
like 'helo=mx\.example\.net' "$(sed -n 3p "$T/out")" "-helo= is the HELO"
run_status 0 "--ip --sender --helo (long)" q --ip 192.0.2.7 --sender user@pass.example.com --helo mx.example.net
run_status 1 "-default-explanation= (libspf2 spelling)" q -ip=192.0.2.7 -sender=user@noexp.example.com -default-explanation=nope
is "nope" "$(sed -n 2p "$T/out")" "-default-explanation= is used"

# --- Received-SPF safety: no input adds a key or a field
q -i 192.0.2.7 -s user@pass.example.com -H 'x; identity=forged' > "$T/out"
rs=$(sed -n 3p "$T/out")
like 'helo="x; identity\\=forged";' "$rs" "HELO 'x; identity=forged' stays inside its quoted value, '=' a quoted-pair"
is 1 "$(printf '%s\n' "$rs" | sed 's/"[^"]*"//g' | grep -o 'identity=' | wc -l | tr -d ' ')" "outside quoted values, only one identity= key"
like 'identity=mailfrom;' "$rs" "the real identity key is intact"
# With a null sender the HELO becomes the identity (postmaster@HELO); a
# hostile one must not show in the comment either, where filters that
# split the field on ';' or grep for "identity=" would see it.
q -i 192.0.2.7 -s '' -H 'x; identity=forged' > "$T/out"
rs=$(sed -n 3p "$T/out")
is 1 "$(printf '%s\n' "$rs" | sed 's/"[^"]*"//g' | grep -o 'identity=' | wc -l | tr -d ' ')" "null sender, hostile HELO: outside quoted values (comment included) one identity="
like 'identity=mailfrom$' "$rs" "null sender, hostile HELO: identity=mailfrom intact"
unlike '\(.*forged.*\) client-ip' "$rs" "null sender, hostile HELO: the comment does not repeat it"
q -i 192.0.2.7 -s 'x;identity=forged@pass.example.com' -r 'mx; identity=forged' > "$T/out"
rs=$(sed -n 3p "$T/out")
is 1 "$(printf '%s\n' "$rs" | sed 's/"[^"]*"//g' | grep -o 'identity=' | wc -l | tr -d ' ')" "hostile sender and receiver: outside quoted values one identity="
like '^Received-SPF: [a-z]* \(domain of the sender ' "$rs" "hostile sender: the comment says 'the sender'"
q -i 192.0.2.7 -s 'bounce+u=example.org@pass.example.com' > "$T/out"
like '\(domain of bounce\+u\\=example\.org@pass\.example\.com designates' "$(sed -n 3p "$T/out")" "a VERP sender is kept in the comment ('=' a quoted-pair)"
q -i 192.0.2.7 -s user@pass.example.com -H "$(printf 'x\r\nX-Injected: yes')" > "$T/out"
is 3 "$(wc -l < "$T/out" | tr -d ' ')" "a CR LF in the HELO adds no line"
unlike '^X-Injected' "$(cat "$T/out")" "and no header field"
q -i 192.0.2.7 -s 'a"b\c;d=e@pass.example.com' > "$T/out"
like 'envelope-from="a\\"b\\\\c;d\\=e@pass\.example\.com";' "$(sed -n 3p "$T/out")" "quotes, backslashes and '=' escaped in envelope-from"

# --- usage errors (64) and the version
run_status 64 "no --ip: usage error" q -s user@pass.example.com
run_status 64 "bad --ip: usage error" q -i 300.1.2.3 -s user@pass.example.com
like "^spfquery: " "$(cat "$T/err")" "usage error message names the program"
run_status 64 "bad --scope: usage error" q --scope=xyz -i 192.0.2.7
is "spfquery: --scope: not mfrom, helo or pra: xyz|Try 'spfquery --help' for more information." \
    "$(tr '\n' '|' < "$T/err" | sed 's/|$//')" "bad --scope: the cause, then Try --help (GNU style)"
run_status 64 "--scope=helo without --helo: usage error" q --scope=helo -i 192.0.2.7
run_status 64 "--max-void-lookups=abc: usage error" q --max-void-lookups=abc -i 192.0.2.7
run_status 64 "an operand: usage error" q -i 192.0.2.7 -s user@pass.example.com extra
run_status 64 "-A without --filter: usage error" q -i 192.0.2.7 -s user@pass.example.com -A mx
like "filter" "$(head -1 "$T/err")" "-A without --filter: the cause is -A"
# Sender or HELO required (DESIGN: an empty or absent sender is
# postmaster@HELO, RFC 7208 2.4): with neither there is no identity.
run_status 64 "-i alone: usage error" q -i 192.0.2.7
like "sender or --helo" "$(head -1 "$T/err")" "-i alone: says sender or HELO is needed"
is "" "$(cat "$T/out")" "-i alone: no result printed"
run_status 64 "-i and an empty -s without -H: usage error" q -i 192.0.2.7 -s ''
run_status 64 "-ip= alone (libspf2 form): usage error" "$BIN/spfquery" "$NS" -ip=192.0.2.7
run_status 64 "-ip= -sender= empty, no -helo= (libspf2 form): usage error" "$BIN/spfquery" "$NS" -ip=192.0.2.7 -sender=
run_status 0 "-i and -H only: postmaster@HELO is checked" q -i 192.0.2.10 -H mail.example.com
like 'postmaster@mail\.example\.com' "$(sed -n 3p "$T/out")" "-i and -H only: the identity is postmaster@HELO"
run_status 0 "--version" "$BIN/spfquery" --version
like '^spfquery \(senderauth\) [0-9]' "$(cat "$T/out")" "--version prints name and version"

# --- RFC 7208 4.6.4 limits
q -i 192.0.2.7 -s user@chain0.example.com > "$T/out"; st=$?
is 4 "$st" "a chain of 20 includes: permerror (exit 4)"
like 'problem=.*more than 10 DNS-querying terms' "$(sed -n 3p "$T/out")" "the term limit is the problem"
run_status 0 "a chain of 9 includes and an a: at the limit of 10: pass" q -i 192.0.2.7 -s user@short0.example.com
run_status 4 "an include loop: permerror" q -i 192.0.2.7 -s user@loop1.example.com
like 'more than 10 DNS-querying terms' "$(sed -n 3p "$T/out")" "the loop stops at the term limit"
run_status 4 "three void lookups: permerror" q -i 192.0.2.7 -s user@void3.example.com
like 'void lookups' "$(sed -n 3p "$T/out")" "the void-lookup limit is the problem"
run_status 1 "--max-void-lookups=3 allows three" q --max-void-lookups=3 -i 192.0.2.7 -s user@void3.example.com
run_status 1 "--max-void-lookups=0 turns the limit off" q --max-void-lookups=0 -i 192.0.2.7 -s user@void3.example.com
run_status 4 "--max-void-lookups=2 is the default" q --max-void-lookups=2 -i 192.0.2.7 -s user@void3.example.com
run_status 4 "11 MX names: permerror" q -i 192.0.2.7 -s user@mx11.example.com
like 'MX records, more than 10' "$(sed -n 3p "$T/out")" "the MX limit is the problem"
run_status 5 "a CNAME loop (SERVFAIL): temperror" q -i 192.0.2.7 -s user@cnameloop.example.com

# --- a DNS timeout is temperror, never none, within the timeout
start=$(date +%s)
q -i 192.0.2.7 -s user@timeout.example.com > "$T/out"; st=$?
end=$(date +%s)
is 5 "$st" "DNS timeout: temperror (exit 5)"
is temperror "$(sed -n 1p "$T/out")" "DNS timeout: result temperror"
like 'problem=.*timeout' "$(sed -n 3p "$T/out")" "DNS timeout: problem= says timeout"
ok "--dns-timeout=1 is honoured (took $((end - start)) s)" test $((end - start)) -le 4

# --- DNS errors where RFC 7208 says they are no temperror (pyspf and
# Mail::SPF answer temperror here; t/diff-spf.py found it)
run_status 3 "RFC 7208 5.5: SERVFAIL on the PTR lookup: ptr does not match" q -i 192.0.2.66 -s user@ptrerr.example.com
run_status 0 "RFC 7208 7.3: SERVFAIL on the PTR lookup: %{p} is 'unknown'" q -i 192.0.2.66 -s user@pptrerr.example.com
run_status 0 "mx: the first MX name matches before the failing one is asked" q -i 192.0.2.66 -s user@mxerr.example.com
run_status 5 "mx: a failing MX name before any match: temperror" q -i 192.0.2.67 -s user@mxerr.example.com

# --- RFC 7208 4.3: a trailing dot is no empty label
run_status 0 "sender domain with a trailing dot is checked" q -i 192.0.2.7 -s user@pass.example.com.
run_status 0 "HELO with a trailing dot is checked (--scope=helo)" q --scope=helo -i 192.0.2.10 -H mail.example.com.
run_status 6 "two trailing dots: an empty label: none" q -i 192.0.2.7 -s user@pass.example.com..

# --- Perl Mail::SPF spfquery's option names
run_status 0 "--ip-address --identity --helo-identity" q --ip-address 192.0.2.7 --identity user@pass.example.com --helo-identity mx.example.net
like 'helo=mx\.example\.net;' "$(sed -n 3p "$T/out")" "--helo-identity is the HELO"
run_status 0 "--ip --id --helo-id" q --ip 192.0.2.7 --id user@pass.example.com --helo-id mx.example.net
run_status 0 "--scope helo --identity NAME checks that HELO name" q --scope helo --identity mail.example.com --ip 192.0.2.10
like 'identity=helo;' "$(sed -n 3p "$T/out")" "... identity=helo"
run_status 0 "-s helo (Mail::SPF's scope heuristic) --id NAME" q -s helo --id mail.example.com -i 192.0.2.10
like 'identity=helo;' "$(sed -n 3p "$T/out")" "... identity=helo"
run_status 1 "--mfrom ADDRESS" q --mfrom user@fail.example.com -i 192.0.2.7
run_status 0 "--pra ADDRESS: the PRA check" q --pra user@pass.example.com -i 192.0.2.7
like 'identity=pra;' "$(sed -n 3p "$T/out")" "... identity=pra"
q -i 192.0.2.7 -s user@noexp.example.com --def-exp='go away %{l}' --hostname mybox.example.org > "$T/out"
is "go away user" "$(sed -n 2p "$T/out")" "--def-exp is --default-explanation"
like 'receiver=mybox\.example\.org;' "$(sed -n 3p "$T/out")" "--hostname is --receiver"
"$BIN/spfquery" "$NS" -ip=192.0.2.7 -sender=user@pass.example.com -name=mybox.example.org > "$T/out"
like 'receiver=mybox\.example\.org;' "$(sed -n 3p "$T/out")" "libspf2's -name= is --receiver"
run_status 64 "--identity and a different --sender: usage error" q -i 192.0.2.7 --identity a@pass.example.com -s b@pass.example.com
run_status 64 "--pra with --scope=helo: usage error" q -i 192.0.2.7 --pra a@pass.example.com --scope=helo -H x.example.com

# --- bad client addresses: usage errors
run_status 64 "an IPv6 zone id is no client address" q -i fe80::1%eth0 -s user@pass.example.com
run_status 64 "a prefix is no client address" q -i 192.0.2.7/24 -s user@pass.example.com
run_status 64 "a leading zero is no IPv4 address" q -i 192.0.2.07 -s user@pass.example.com
run_status 0 "a sender without local-part is postmaster@domain (RFC 7208 4.3)" q -i 192.0.2.7 -s pass.example.com
like 'domain of postmaster@pass\.example\.com designates' "$(sed -n 3p "$T/out")" "... the comment names postmaster@domain"

# --- macros end to end: %{ir} %{l1r-} %{d}
run_status 0 "exists: with %{ir}.%{l1r-}.lp.%{d}" q -i 192.0.2.4 -s bob-smith@macro.example.com

# --- --dns-zone: a record tried before it is published (no server asked)
z="$SOURCE/data/spf/try.zone"
run_status 0 "--dns-zone: a: from the zone file" "$BIN/spfquery" --dns-zone="$z" -i 192.0.2.20 -s a@try.example
run_status 0 "--dns-zone: include: and a split TXT record" "$BIN/spfquery" --dns-zone="$z" -i 2001:db8:5::1 -s a@try.example
run_status 0 "--dns-zone: include: ip4 across two strings" "$BIN/spfquery" --dns-zone="$z" -i 198.51.100.7 -s a@try.example
run_status 1 "--dns-zone: other hosts fail" "$BIN/spfquery" --dns-zone="$z" -i 192.0.2.21 -s a@try.example
"$BIN/spfquery" --dns-zone="$z" --lint try.example > "$T/out"
is "try.example: 2 of 10 DNS-querying terms, 0 void lookups, 2 records" "$(cat "$T/out")" "--dns-zone with --lint"

# --- --trace: each term, each DNS query and answer, the counters
q --trace -i 192.0.2.7 -s user@short0.example.com > "$T/out" 2> "$T/trace"
is pass "$(sed -n 1p "$T/out")" "--trace leaves stdout as it is"
like 'term include:short1\.example\.com' "$(cat "$T/trace")" "--trace shows each term"
like 'TXT short3\.example\.com: NOERROR' "$(cat "$T/trace")" "--trace shows DNS answers"
like 'DNS-querying terms: 10 of 10' "$(cat "$T/trace")" "--trace shows the term counter"
like 'void lookups 0 of 2' "$(cat "$T/trace")" "--trace shows the void-lookup counter"
q --trace -i 192.0.2.7 -s user@void3.example.com > /dev/null 2> "$T/trace"
like 'void lookup 3 of 2' "$(cat "$T/trace")" "--trace counts void lookups"

done_testing
