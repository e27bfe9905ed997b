# pra --ip: the Sender ID check (RFC 4406) against a DNS server on
# loopback (t/dnsd.py serving t/data/pra/senderid.zone): record selection
# of 4.4 (spf2.0/pra preferred, scope tokens compared whole, v=spf1 as the
# fallback of 3.4, several records permerror, none none), NXDOMAIN on the
# PRA's domain is fail (4.3), unknown modifiers ignored (3.3).
# Output: line 1 the result, line 2 the PRA; exit status as spfquery's.
. "${SOURCE:-t}/lib.sh"
plan_lazy

D=$SOURCE/data/pra
dnsd_start --zone "$D/senderid.zone" --servfail broken.example --timeout slow.example

# check RESULT EXIT IP ADDRESS DESCRIPTION [PRA-OPTIONS...]: a message whose
# From is ADDRESS, checked for client IP.
check() {
	_r=$1 _x=$2 _ip=$3 _a=$4 _d=$5
	shift 5
	printf 'From: Someone <%s>\nSubject: t\n\nbody\n' "$_a" >"$T/msg"
	run_status "$_x" "$_d: exit $_x" "$BIN/pra" "$NS" --dns-timeout=2 \
		--ip="$_ip" "$@" <"$T/msg"
	is "$_r" "$(sed -n 1p "$T/out")" "$_d: $_r"
	is "$_a" "$(sed -n 2p "$T/out")" "$_d: line 2 is the PRA"
}

check pass 0 192.0.2.1 user@pra.example "spf2.0/pra matches"
check fail 1 192.0.2.9 user@pra.example "spf2.0/pra -all"
check pass 0 2001:db8::1 user@pra.example "spf2.0/pra matches IPv6"
check pass 0 192.0.2.1 user@PRA.Example "domain case does not matter"
check pass 0 192.0.2.1 user@v1only.example "v=spf1 fallback: pass"
check fail 1 192.0.2.9 user@v1only.example "v=spf1 fallback: fail"
check pass 0 192.0.2.1 user@mfrom.example "spf2.0/mfrom only: v=spf1 used"
check none 6 192.0.2.1 user@mfromonly.example "spf2.0/mfrom only, no v=spf1: none"
check neutral 3 192.0.2.1 user@prattle.example "scope prattle is not pra: v=spf1 used"
check softfail 2 192.0.2.1 user@fubar.example "scope list mfrom,pra,fubar covers pra"
check permerror 4 192.0.2.1 user@twopra.example "two records cover pra: permerror"
check none 6 192.0.2.1 user@nodata.example "no TXT record: none"
check fail 1 192.0.2.1 user@gone.example "NXDOMAIN on the PRA's domain: fail"
check pass 0 192.0.2.1 user@modifier.example "unknown modifier ignored"
check pass 0 192.0.2.1 user@redirect.example "redirect= into a v=spf1-only domain"
check permerror 4 192.0.2.1 user@bad.example "syntax error: permerror"
check pass 0 192.0.2.1 user@helo.example "%{h} from --helo" --helo=mx1
check fail 1 192.0.2.1 user@helo.example "%{h} from another --helo" --helo=mx2

# Temporary DNS errors are temperror (exit 5), never none.
check temperror 5 192.0.2.1 user@broken.example "SERVFAIL: temperror"
check temperror 5 192.0.2.1 user@slow.example "timeout: temperror" --dns-timeout=0.5

# The PRA, not the From, is what is checked.
run_status 0 "resent message: Resent-Sender's domain checked" \
	"$BIN/pra" "$NS" --ip=192.0.2.7 <"$D/resent-crlf.eml"
is "pass
bounces@resent.example" "$(cat "$T/out")" "resent message: result and PRA"

# The same zone through --dns-zone (no server): the same answers.
printf 'From: user@pra.example\n\nbody\n' >"$T/msg"
run_status 0 "--dns-zone: pass" "$BIN/pra" --dns-zone="$D/senderid.zone" \
	--nameserver=127.0.0.1@9 --dns-timeout=1 --ip=192.0.2.1 <"$T/msg"
is pass "$(sed -n 1p "$T/out")" "--dns-zone: spf2.0/pra record used"

done_testing
