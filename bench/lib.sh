# bench/lib.sh: what bench/run-all.sh and bench/ci-check.sh share (bash).
# Source it after setting BIN (the directory of the senderauth programs)
# and SRC (the source tree's top).  It gives:
#   D            a scratch directory, removed at exit (with the DNS server)
#   bench_fixtures   the key, zone, messages every measure uses (in $D):
#       key.pem      t/data/dkim/rsa-2048.pem, the one RSA 2048 key every
#                    signer uses (fixed, so instruction counts repeat)
#       zone         bench._domainkey.example.com (that key), SPF for
#                    example.com (one ip4 term) and mail.example.com, DMARC,
#                    the client's PTR/A (192.0.2.25, mail.example.com)
#       keys         the same DKIM record as "name value" (opendkim TestPublicKeys)
#       msg/mNNNN.eml    4 KiB messages (seeded, always the same text)
#       signed/mNNNN.eml the same signed by our dkimsign
#       normal.eml / normal.signed   the first of them
#   bench_messages N   make N messages (and their signed copies)
#   bench_hostile      hostile.eml/hostile.signed: 8,500 filler fields and 8
#                      DKIM-Signatures with 1,024 h= names each (issue 8)
#   dns_start / dns_stop   t/dnsd.py on 127.0.0.1 at a free port, serving
#                      zone, logging queries to $D/dns.log; sets PORT, NS
#   dns_count CMD...   run CMD, print the number of queries dnsd received
#                      (IR_PRELOAD as for ir)
#   ir IN CMD...       callgrind's instruction count (Ir) of CMD with stdin
#                      from the file IN (stdout, stderr in $D/ir.out, $D/ir.err)
#   ir_median IN CMD...  the median Ir of 3 runs (RSA blinding, DNS IDs and
#                      t= make counts vary a little)
#                      (IR_PRELOAD=FILE: with LD_PRELOAD=FILE for it)
#   build_shim         $D/resolv-port.so (bench/resolv-port.c)
# The client of every SPF/Sender ID/authcheck measure: IP 192.0.2.25, HELO
# mail.example.com, MAIL FROM alice@example.com.

PY=/usr/bin/python3 # Debian's: dkimpy, dnslib, pyspf live there
PATH=$PATH:/usr/sbin
export LC_ALL=C
D=$(mktemp -d "${TMPDIR:-/tmp}/senderauth-bench.XXXXXX") || exit 1
DNSD_PID=
_bench_cleanup() {
	if [ -n "$DNSD_PID" ]; then kill "$DNSD_PID" 2>/dev/null; wait "$DNSD_PID" 2>/dev/null; fi
	rm -rf "$D"
}
trap _bench_cleanup EXIT
trap 'exit 1' HUP INT TERM

IP=192.0.2.25
HELO=mail.example.com
SENDER=alice@example.com

bench_fixtures() {
	cp "$SRC/t/data/dkim/rsa-2048.pem" "$D/key.pem"
	chmod 600 "$D/key.pem"
	local p
	# bench/key.pub: its public half (base64 DER SubjectPublicKeyInfo, from
	# openssl pkey -pubout -outform DER), committed so CI needs no openssl.
	p=$(tr -d ' \n' < "$SRC/bench/key.pub")
	{
		echo '$ORIGIN example.com.'
		printf 'bench._domainkey IN TXT ( "v=DKIM1; k=rsa; "'
		local i=0 q="p=$p"
		while [ $i -lt ${#q} ]; do printf ' "%s"' "${q:$i:250}"; i=$((i + 250)); done
		echo ' )'
		echo '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"'
		echo '@ IN A 192.0.2.1'
		echo 'mail IN A 192.0.2.25'
		echo 'mail IN TXT "v=spf1 a -all"'
		echo '_dmarc IN TXT "v=DMARC1; p=reject"'
		echo '25.2.0.192.in-addr.arpa. IN PTR mail.example.com.'
	} > "$D/zone"
	printf 'bench._domainkey.example.com v=DKIM1; k=rsa; p=%s\n' "$p" > "$D/keys"
	mkdir -p "$D/msg" "$D/signed"
}

# bench_messages N: messages 0..N-1 of about 4 KiB, the same text every time.
bench_messages() {
	"$PY" - "$1" "$D/msg" <<'PY'
import os, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(8463)
words = "the quick brown fox jumps over a lazy dog mail server signs records".split()
for i in range(n):
    path = os.path.join(out, "m%04d.eml" % i)
    if os.path.exists(path):
        random.random()
        continue
    head = ("Return-Path: <alice@example.com>\n"
            "Received: from mail.example.com (mail.example.com [192.0.2.25])\n"
            "\tby mx.example.net with ESMTPS id B%d; Thu, 03 Dec 2026 10:00:00 +0000\n"
            "From: Alice <alice@example.com>\nTo: bob@example.net\n"
            "Subject: bench %d\nDate: Thu, 03 Dec 2026 10:00:00 +0000\n"
            "Message-ID: <b%d@example.com>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\n\n" % (i, i, i))
    body = []
    size = len(head)
    while size < 4096:
        line = " ".join(random.choice(words) for _ in range(random.randint(3, 12))) + "\n"
        body.append(line)
        size += len(line)
    with open(path, "w") as f:
        f.write(head + "".join(body))
PY
	local f
	for f in "$D"/msg/*.eml; do
		[ -s "$D/signed/${f##*/}" ] && continue
		"$BIN/dkimsign" -d example.com -s bench -k "$D/key.pem" < "$f" > "$D/signed/${f##*/}" || return 1
	done
	cp "$D/msg/m0000.eml" "$D/normal.eml"
	cp "$D/signed/m0000.eml" "$D/normal.signed"
}

# bench_hostile: the message of bench/hostile-h.sh (issue 8), signed 8 times.
bench_hostile() {
	"$PY" - 8500 "$D" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
with open(d + "/hostile.eml", "w") as f:
    f.write("From: Alice <alice@example.com>\nTo: bob@example.net\n"
            "Subject: hostile h=\nDate: Thu, 03 Dec 2026 10:00:00 +0000\n")
    for i in range(n):
        f.write("X-Filler-%05d: %s\n" % (i, "x" * 40))
    f.write("\nbody\n")
with open(d + "/names", "w") as f:
    f.write(":".join(["from"] + ["x-absent-%04d" % i for i in range(1023)]))
PY
	local pairs=() i
	for i in 1 2 3 4 5 6 7 8; do pairs+=(-s bench -k "$D/key.pem"); done
	"$BIN/dkimsign" -q -d example.com "${pairs[@]}" -h "$(cat "$D/names")" < "$D/hostile.eml" > "$D/hostile.signed"
}

dns_start() {
	rm -f "$D/dns.port"
	: > "$D/dns.log"
	"$PY" "$SRC/t/dnsd.py" --port-file "$D/dns.port" --zone "$D/zone" --log "$D/dns.log" 2> "$D/dns.err" &
	DNSD_PID=$!
	local i=0
	while [ ! -s "$D/dns.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$D/dns.port" ] || { echo "bench: t/dnsd.py did not start: $(cat "$D/dns.err")" >&2; return 1; }
	PORT=$(cat "$D/dns.port")
	NS="--nameserver=127.0.0.1@$PORT"
	export BENCH_DNS_PORT=$PORT
}
dns_stop() {
	if [ -n "$DNSD_PID" ]; then kill "$DNSD_PID" 2>/dev/null; wait "$DNSD_PID" 2>/dev/null; fi
	DNSD_PID=
}
# dns_count CMD...: the number of DNS queries CMD made (dnsd logs each one
# when it receives it; a short wait lets the last line land).
dns_count() {
	local before after
	before=$(wc -l < "$D/dns.log")
	${IR_PRELOAD:+env LD_PRELOAD=$IR_PRELOAD} "$@" > "$D/dc.out" 2> "$D/dc.err" || :
	sleep 0.2
	after=$(wc -l < "$D/dns.log")
	echo $((after - before))
	# The same run's queries, for dns_count_same.
	tail -n +$((before + 1)) "$D/dns.log" > "$D/dc.log"
}
# dns_count_same: of the last dns_count's queries, those for the checks
# spfquery, pra and dkimverify also make, i.e. without the ones for
# authcheck's own checks: DMARC (_dmarc.), iprev (PTR, and the A/AAAA of
# the name it gives, $HELO here) and SPF of the HELO name (TXT $HELO).
dns_count_same() {
	grep -v -i -e ' _dmarc\.' -e ' [^ ]* PTR$' -e " $HELO\.\{0,1\} \(A\|AAAA\|TXT\)\$" "$D/dc.log" | wc -l
}

ir() {
	local in=$1; shift
	# IR_PRELOAD: a shim for the measured program (not through env(1):
	# callgrind would count env and not follow the exec).
	${IR_PRELOAD:+env LD_PRELOAD=$IR_PRELOAD} valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$D/cg.log" \
	    "$@" < "$in" > "$D/ir.out" 2> "$D/ir.err" || :
	sed -n 's/.*Collected : *//p' "$D/cg.log"
}
ir_median() {
	local a b c
	a=$(ir "$@"); b=$(ir "$@"); c=$(ir "$@")
	printf '%s\n%s\n%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p
}

build_shim() {
	[ -f "$D/resolv-port.so" ] ||
		cc -shared -fPIC -O2 -o "$D/resolv-port.so" "$SRC/bench/resolv-port.c" -ldl
}
