# t/dns-server.t: the test DNS server t/dnsd.py itself: zone files, the
# OpenSPF JSON scenario emulation (shared/testsuites/spf/FORMAT.md 4.4),
# error names, UDP truncation, TCP, the query log and a clean stop.
# Queries go through drill (ldnsutils) and, where drill cannot wait or
# show the raw bytes, through a small dnslib client.
. "${SOURCE:-t}/lib.sh"

command -v drill >/dev/null 2>&1 || skip_all "drill (ldnsutils) not installed"
"$PY" -c 'import dnslib' 2>/dev/null || skip_all "python3-dnslib not installed"
plan_lazy

# --help and option errors
"$PY" "$SOURCE/dnsd.py" --help >"$T/help" 2>&1
ok "--help exits 0" test $? -eq 0
for o in --port-file --zone --json --servfail --timeout --errors \
    --truncate-udp --log; do
	like "^ *$o" "$(cat "$T/help")" "--help documents $o"
done
"$PY" "$SOURCE/dnsd.py" --no-such-option >/dev/null 2>&1
ok "unknown option fails" test $? -ne 0
printf '{"x.example": [{"BOGUS": 1}], "y.example": [{"A": "1.2.3"}]}' >"$T/bad.json"
"$PY" "$SOURCE/dnsd.py" --json "$T/bad.json" >/dev/null 2>"$T/bad.err"
ok "bad JSON data fails" test $? -ne 0
like "y.example" "$(cat "$T/bad.err")" "and names the bad entry"

cat >"$T/scen.json" <<'EOF'
{
 "e1.example.com": [{"SPF": "v=spf1 -all"}, {"A": "1.2.3.4"}, {"AAAA": "CAFE:BABE::1"}],
 "both.example.com": [{"TXT": "txt"}, {"SPF": "spf"}],
 "multi.example.com": [{"TXT": ["v=spf1 ", "mx"]}, {"MX": [0, "mail.Example.com."]}],
 "nullmx.example.com": [{"MX": [0, ""]}],
 "txttimeout.example.net": [{"SPF": "v=spf1 -all"}, {"TXT": "NONE"}, "TIMEOUT"],
 "alias.example.com": [{"CNAME": "E1.example.com."}],
 "loop1.example.com": [{"CNAME": "loop2.example.com."}],
 "loop2.example.com": [{"CNAME": "LOOP1.example.com"}],
 "dangling.example.com": [{"CNAME": "nowhere.example.com"}],
 "bin.example.com": [{"TXT": "\u00ef\u00bb\u00bfx\u0000\""}],
 "rc.example.com": [{"A": "RCODE3"}, {"TXT": "ok"}, {"MX": "TIMEOUT"}],
 "allfail.example.com": ["RCODE2"],
 "4.3.2.1.in-addr.arpa": [{"PTR": "Mail.Example.com"}],
 "macro%percent  space%20url-space.example.com": [{"TXT": "spaces"}],
 "empty.example.com": [{"TXT": []}]
}
EOF
cat >"$T/zone.txt" <<'EOF'
$ORIGIN example.org.
$TTL 600
sel._domainkey IN TXT ( "v=DKIM1; k=rsa; "   ; first part
	"p=MIIB" "\"q\\\065" )
@ 300 IN MX 10 mx
www IN CNAME @
	IN TXT "same owner as the line before"
EOF
printf 'name\terror\nslow.example.com\tTIMEOUT\nbroken.example.com\tSERVFAIL\n' >"$T/errors.tsv"

dnsd_start --json "$T/scen.json" --zone "$T/zone.txt" \
    --zone "$VECTORS/dkim/zone.txt" --errors "$T/errors.tsv" \
    --servfail sf.example.com --timeout to.example.com --log "$T/log"
ok "port file holds a port" test "$DNSD_PORT" -gt 0

q() { drill -p "$DNSD_PORT" @127.0.0.1 "$@" 2>&1; }
rcode() { q "$@" | sed -n 's/.*rcode: \([A-Z]*\),.*/\1/p'; }
answers() { q "$@" | awk '/ANSWER SECTION/ {f = 1; next} /^$/ {f = 0} f' |
	cut -f 1,4,5 | tr '\t' ' '; }

is 'e1.example.com. TXT "v=spf1 -all"' "$(answers e1.example.com TXT)" \
    "TXT synthesised from SPF"
is 'e1.example.com. SPF "v=spf1 -all"' "$(answers e1.example.com SPF)" \
    "SPF (type 99) served"
is 'E1.EXAMPLE.COM. AAAA cafe:babe::1' "$(answers E1.EXAMPLE.COM. AAAA)" \
    "names compared case-insensitively, owner as asked"
is 'both.example.com. TXT "txt"' "$(answers both.example.com TXT)" \
    "no synthesis when TXT records exist"
is 'multi.example.com. TXT "v=spf1 " "mx"' "$(answers multi.example.com TXT)" \
    "one TXT RR with two strings"
is 'multi.example.com. MX 0 mail.Example.com.' "$(answers multi.example.com MX)" \
    "MX record"
is 'nullmx.example.com. MX 0 .' "$(answers nullmx.example.com MX)" "null MX"
is 'NOERROR' "$(rcode e1.example.com MX)" "existing name, other type: NOERROR"
is '' "$(answers e1.example.com MX)" "... with no records (NODATA)"
is 'NXDOMAIN' "$(rcode nothere.example.com A)" "unknown name: NXDOMAIN"
like 'flags: qr aa rd ra' "$(q nothere.example.com A)" "AA and RA set, RD copied"
is "alias.example.com. CNAME E1.example.com.
E1.example.com. A 1.2.3.4" "$(answers alias.example.com A)" "CNAME followed"
is 'SERVFAIL' "$(rcode loop1.example.com TXT)" "CNAME loop: SERVFAIL"
is 'NXDOMAIN' "$(rcode dangling.example.com A)" "CNAME to nowhere: NXDOMAIN"
is 'NXDOMAIN' "$(rcode rc.example.com A)" '{"A": "RCODE3"}: NXDOMAIN for A'
is 'rc.example.com. TXT "ok"' "$(answers rc.example.com TXT)" "... other types answer"
is 'SERVFAIL' "$(rcode allfail.example.com A)" 'bare RCODE2: SERVFAIL'
is 'SERVFAIL' "$(rcode sf.example.com TXT)" "--servfail name"
is 'SERVFAIL' "$(rcode broken.example.com TXT)" "--errors SERVFAIL name"
is '4.3.2.1.in-addr.arpa. PTR Mail.Example.com.' "$(q -x 1.2.3.4 | awk '/ANSWER SECTION/ {f = 1; next} /^$/ {f = 0} f' | cut -f 1,4,5 | tr '\t' ' ')" \
    "PTR (drill -x)"
is 'NOERROR' "$(rcode 'macro%percent  space%20url-space.example.com' TXT)" \
    "names with spaces and %"
is 'empty.example.com. TXT \# 0' "$(answers empty.example.com TXT)" \
    "TXT record with no strings"

# zone files
is 'sel._domainkey.example.org. TXT "v=DKIM1; k=rsa; " "p=MIIB" "\"q\\A"' \
    "$(answers sel._domainkey.example.org TXT)" \
    "zone: \$ORIGIN, parentheses, comments, escapes"
is 'example.org. MX 10 mx.example.org.' "$(answers example.org MX)" \
    "zone: @ and relative names"
is 'www.example.org. TXT "same owner as the line before"' \
    "$(answers www.example.org TXT)" "zone: owner omitted = previous owner"
is 'NXDOMAIN' "$(rcode other._domainkey.example.org TXT)" "zone: unknown name"
like 'TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" "iGs5V6' \
    "$(answers test._domainkey.football.example.com TXT)" "vector zone file served"

# TCP
like 'TXT.*"v=spf1 -all"' "$(q -t e1.example.com TXT)" "TCP query answered"

# The query log
is 'UDP e1.example.com TXT' "$(sed -n 1p "$T/log")" "log: first query"
ok "log: TCP query" grep -qx 'TCP e1.example.com TXT' "$T/log"

# What drill cannot show: timeouts, bytes, truncation.
cat >"$T/client.py" <<'EOF'
import socket, sys, time
from dnslib import DNSRecord, QTYPE
port = int(sys.argv[1])
def ask(name, qtype, tcp=False):
    q = DNSRecord.question(name, qtype)
    t0 = time.time()
    try:
        r = DNSRecord.parse(q.send('127.0.0.1', port, tcp=tcp, timeout=0.3))
    except socket.timeout:
        return 'timeout', time.time() - t0
    return r, time.time() - t0
for name, qtype in [('txttimeout.example.net', 'TXT'),
                    ('to.example.com', 'A'), ('slow.example.com', 'TXT'),
                    ('rc.example.com', 'MX')]:
    r, dt = ask(name, qtype)
    print('%s %s %s' % (name, qtype, r if r == 'timeout' else
                        QTYPE.get(r.header.rcode)))
r, dt = ask('txttimeout.example.net', 'SPF')
print('txttimeout SPF', len(r.rr))
r, dt = ask('bin.example.com', 'TXT')
print('bin', repr(b''.join(r.rr[0].rdata.data)))
r, dt = ask('test._domainkey.football.example.com', 'TXT')
print('tc', r.header.tc, len(r.rr))
EOF
"$PY" "$T/client.py" "$DNSD_PORT" >"$T/client.out" 2>&1
is 'txttimeout.example.net TXT timeout' "$(sed -n 1p "$T/client.out")" \
    "TIMEOUT marker: unlisted type never answered"
is 'to.example.com A timeout' "$(sed -n 2p "$T/client.out")" "--timeout name"
is 'slow.example.com TXT timeout' "$(sed -n 3p "$T/client.out")" \
    "--errors TIMEOUT name (header line skipped)"
is 'rc.example.com MX timeout' "$(sed -n 4p "$T/client.out")" \
    '{"MX": "TIMEOUT"}: that type only'
is 'txttimeout SPF 1' "$(sed -n 5p "$T/client.out")" "listed type still answered"
is "bin b'\\xef\\xbb\\xbfx\\x00\"'" "$(sed -n 6p "$T/client.out")" \
    "JSON strings served as Latin-1 bytes"
is 'tc 0 1' "$(sed -n 7p "$T/client.out")" "answers under 512 octets not truncated"

# Stop: SIGTERM ends it at once with status 0.
kill "$DNSD_PID"
wait "$DNSD_PID"
is 0 "$?" "SIGTERM: clean exit"
DNSD_PID=

# --truncate-udp: every UDP answer comes back with TC=1 and no records.
dnsd_start --json "$T/scen.json" --truncate-udp --log "$T/log2"
like 'flags: qr aa tc rd ra .*ANSWER: 0' "$(q e1.example.com TXT)" \
    "--truncate-udp: TC=1 over UDP"
is 'e1.example.com. TXT "v=spf1 -all"' \
    "$(q -a e1.example.com TXT | awk '/ANSWER SECTION/ {f = 1; next} /^$/ {f = 0} f' | cut -f 1,4,5 | tr '\t' ' ')" \
    "client falls back to TCP"
ok "log shows the TCP retry" grep -qx 'TCP e1.example.com TXT' "$T/log2"
kill "$DNSD_PID"; wait "$DNSD_PID"; DNSD_PID=

# Every zone file and error list of the DKIM corpus loads.
set --
for f in "$VECTORS"/dkim-corpus/*/zone*.txt; do set -- "$@" --zone "$f"; done
for f in "$VECTORS"/dkim-corpus/*/dns-errors.tsv; do set -- "$@" --errors "$f"; done
dnsd_start "$@"
is '' "$(cat "$T/dnsd.err")" "DKIM corpus zones load without complaint"
is 'SERVFAIL' "$(rcode test3._domainkey.blackhole2.messiah.edu TXT)" \
    "corpus dns-errors.tsv SERVFAIL name"
like 'k=rsa; t=y; p=' "$(answers testrevoked._domainkey.messiah.edu TXT)" \
    "corpus key served"
kill "$DNSD_PID"; wait "$DNSD_PID"; DNSD_PID=

# The emulation rules over every OpenSPF scenario (in-process, no sockets):
# each scenario's zonedata loads, and the rules of FORMAT.md 4.4 hold.
if "$PY" -c 'import yaml' 2>/dev/null; then
	"$PY" - "$SOURCE" "$VECTORS"/spf/*.yml "$VECTORS"/senderid/*.yml \
	    >"$T/emul.out" 2>&1 <<'EOF'
import json, os, sys, tempfile, yaml
sys.path.insert(0, sys.argv[1])
import dnsd
n = 0
tmp = tempfile.mkdtemp()
checks = []
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        if not doc or 'zonedata' not in doc:
            continue
        jf = os.path.join(tmp, 'z%d.json' % n)
        with open(jf, 'w') as fp:
            json.dump(doc['zonedata'], fp)
        data = dnsd.Data()
        dnsd.load_json(data, jf)
        n += 1
        if os.path.basename(path) == 'rfc7208-tests.yml':
            checks.append(data)
print('scenarios', n)
def ans(name, t):
    for d in checks:
        if dnsd.namekey(name) in d.nodes:
            rc, rrs = dnsd.answer(d, name.encode(), dnsd.TYPES[t])
            return '%s %d' % (rc, len(rrs))
    return 'absent'
print('txttimeout', ans('txttimeout.example.net', 'TXT'))
print('spftimeout', ans('spftimeout.example.net', 'TXT'))
print('alltimeout', ans('alltimeout.example.net', 'SPF'))
EOF
	like '^scenarios [0-9]+' "$(sed -n 1p "$T/emul.out")" \
	    "every OpenSPF scenario's zonedata loads"
	is 'txttimeout drop 0' "$(sed -n 2p "$T/emul.out")" \
	    "txttimeout: TXT: NONE + TIMEOUT times out"
	is 'spftimeout 0 1' "$(sed -n 3p "$T/emul.out")" \
	    "spftimeout: listed TXT answered"
	is 'alltimeout drop 0' "$(sed -n 4p "$T/emul.out")" "alltimeout"
else
	skip "python3-yaml not installed"
fi

done_testing
