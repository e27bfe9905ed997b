# spfquery --lint DOMAIN: one finding a line, a summary line with the
# DNS-querying terms used of 10, exit 0 when clean and 1 with findings.
. "${SOURCE:-t}/lib.sh"

plan_lazy
dnsd_start --json "$SOURCE/data/spf/lint.json"

l() {
	"$BIN/spfquery" "$NS" --dns-timeout=1 --lint "$@"
}

# lint DOMAIN EXIT PATTERN DESCRIPTION: run, check status and a finding.
lint() {
	run_status "$2" "$1: exit $2" l "$1"
	like "$3" "$(cat "$T/out")" "$1: $4"
}

lint clean.example.com 0 '^clean\.example\.com: 3 of 10 DNS-querying terms, 0 void lookups, 2 records$' "clean: only the summary, counting through the include"
is 1 "$(wc -l < "$T/out" | tr -d ' ')" "clean: one line"
lint redirect.example.com 0 '1 of 10 DNS-querying terms, 0 void lookups, 2 records' "redirect= counts and is followed"

lint norecord.example.com 1 '^norecord\.example\.com: no SPF record' "no SPF record"
lint nxdomain.example.com 1 'nxdomain\.example\.com: the domain does not exist' "a domain that does not exist"
lint two.example.com 1 'several SPF records \(RFC 7208 4\.5: permerror\)' "several records"
lint syntax.example.com 1 'syntax: bad IPv4 address in .ip4:192\.0\.2\.300.' "a syntax error"
like 'syntax: bad IPv4 prefix length in .a:foo/33.' "$(cat "$T/out")" "every syntax error is listed"
lint plusall.example.com 1 "'\\+all' lets every host on the Internet pass" "+all"
lint neutralall.example.com 1 "'\\?all' makes the result neutral" "?all"
lint ptr.example.com 1 "the ptr mechanism is deprecated" "deprecated ptr"
lint void.example.com 1 'a:gone\.example\.com: the name does not exist \(a void lookup' "a void lookup"
lint voids.example.com 1 '3 void lookups in total, more than 2' "more than 2 void lookups"
like 'mx:gone2\.example\.com: .*void lookup' "$(cat "$T/out")" "mx: void lookup"
like 'exists:gone3\.example\.com: the name does not exist \(a void lookup' "$(cat "$T/out")" "exists: void lookup (NXDOMAIN named as such)"
lint incnone.example.com 1 'include:norecord\.example\.com gives permerror' "include of a domain without a record"
lint redirall.example.com 1 "'redirect=inc\\.example\\.com' is ignored because the record has 'all'" "redirect= with all"
lint unknownmod.example.com 1 "unknown modifier 'default=' is ignored" "unknown modifier"
lint mx11.example.com 1 'has 11 MX records, more than 10' "more than 10 MX names"
lint loopa.example.com 1 'loops back to loopa\.example\.com' "an include loop"
lint long.example.com 1 'keep it under 450 \(RFC 7208 3\.4\)' "a record over 450 octets"
lint afterall.example.com 1 "terms after '-all' are never used" "terms after all"
# A DNS error (SERVFAIL) as the only finding is temporary: 75 (DESIGN.md).
lint servfail.example.com 75 'broken\.example\.com: DNS SERVFAIL' "a DNS error"
lint nonascii.example.com 1 'invalid character 0xe9' "non-ASCII in the record"
lint many.example.com 1 '11 DNS-querying terms in total, more than 10 \(RFC 7208 4\.6\.4' "over 10 DNS-querying terms through includes"
like '^many\.example\.com: 11 of 10 DNS-querying terms' "$(cat "$T/out")" "the summary counts them all"
lint chain0.example.com 1 '20 DNS-querying terms in total, more than 10' "a chain of 20 includes"
lint deep0.example.com 1 'nested too deeply or too many; stopped here' "the walk stops at 30 levels"
lint badname.example.com 1 "a:foo\.\.example\.com: 'foo\.\.example\.com' is not a valid domain name" "a target that is no domain name"
lint 'bad..example.com' 1 '^bad\.\.example\.com: not a valid domain name' "--lint of a malformed domain"
lint macro.example.com 0 'targets with macros not followed' "macro targets are counted, not followed"
like '2 of 10 DNS-querying terms' "$(cat "$T/out")" "macro terms still count"

# --lint needs no --ip; --trace shows the walk
"$BIN/spfquery" "$NS" --trace --lint clean.example.com > "$T/out" 2> "$T/trace"
like 'DNS-querying term 3' "$(cat "$T/trace")" "--trace with --lint shows the count"

done_testing
