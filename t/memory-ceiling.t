# memory-ceiling.t: memory stays flat whatever the input, for all six
# programs.  Each runs on hostile input under a virtual-memory limit
# (ulimit -v in a subshell) and must neither run out of memory nor lose
# the message: a filter's output is the input after the fields it adds,
# or, when it cannot do its job, exactly the input (DESIGN "Nothing is
# lost"), with the exit status the man page gives for that input.
#
# The SPF macro blow-up (issue 8): a record of 12,000 "%{s}" and a sender
# of 100 KB or 300 KB.  Unbounded, the expansion was 1.2 GB (3.6 GB):
# pra --filter and spfquery --filter died with "out of memory", exit 70
# and nothing on stdout.
#
# Under a sanitizer (ASan reserves terabytes of address space) the limit
# is not set, as in dkimsign-memory.t; the not-lost checks still run.
. "${SOURCE:-t}/lib.sh"
plan_lazy

# 128 MiB of address space: the programs start (GnuTLS, ldns, libc) in
# about 20 MiB and need about 15 MiB at most here; the blow-up needed 1.2 GB.
VM_KIB=131072
V=$VECTORS/dkim
K=$V/keys

asan=no
if grep -q -a -e __asan_init -e __ubsan_handle "$BIN/pra" 2>/dev/null; then asan=yes; fi
[ $asan = yes ] && diag "sanitizer build: no address-space limit"
timer=
[ -x /usr/bin/time ] && timer="/usr/bin/time -f %M -o $T/rss"

# limited IN PROGRAM ARGS...: run PROGRAM on stdin IN under the limit;
# stdout in $T/out, stderr in $T/err, exit status in $st, peak RSS (KiB,
# when /usr/bin/time is there) in $rss.
limited() {
	_in=$1; shift
	rm -f "$T/rss"
	if [ $asan = yes ]; then
		$timer "$@" <"$_in" >"$T/out" 2>"$T/err"
	else
		( ulimit -v $VM_KIB && exec $timer "$@" ) <"$_in" >"$T/out" 2>"$T/err"
	fi
	st=$?
	rss=$(tail -n 1 "$T/rss" 2>/dev/null)
}

# kept IN WANT FIRST DESC: after limited(): the exit status is WANT; with
# 0 the output's first line matches FIRST and the input follows it byte for
# byte, otherwise the output is the input, unchanged.
kept() {
	if ! is "$2" "$st" "$4: exit $2"; then
		sed 's/^/#   stderr: /' "$T/err" | cut -c 1-200 | head -n 3
	fi
	if [ "$2" -eq 0 ]; then
		like "$3" "$(head -n 1 "$T/out" | cut -c 1-200)" "$4: $(echo "$3" | tr -d '^\\' | cut -d ' ' -f 1-2)..."
		tail -c "$(wc -c <"$1")" "$T/out" | cmp -s - "$1"
		_tap_result $? "$4: the message follows unchanged"
	else
		cmp -s "$T/out" "$1"
		_tap_result $? "$4: the message is copied unchanged"
	fi
	[ -n "$rss" ] && diag "$4: peak RSS $rss KiB"
}

# ------------------------------------------------------------------ data
# blow.example.com: "v=spf1 exists:%{s}...(12,000 times).example.com -all".
# RFC 7208 7.3 truncates the target from the left to the labels that fit
# in 253 octets: "example.com.example.com" (the label before them is the
# end of one sender glued to the start of the next: far too long), which
# exists, so the check passes only when the expansion is right.
# why.expl.example.com: an explanation of 12,000 "%{s}".
"$PY" - "$T" <<'EOF'
import sys
t = sys.argv[1]
def txt(name, text):
    chunks = [text[i:i + 250] for i in range(0, len(text), 250)]
    return name + " IN TXT (\n" + "\n".join('\t"%s"' % c for c in chunks) + " )\n"
with open(t + "/spf.zone", "w") as f:
    f.write("$ORIGIN example.com.\n$TTL 300\n")
    f.write(txt("blow", "v=spf1 exists:" + "%{s}" * 12000 + ".example.com -all"))
    f.write("example.com.example.com. IN A 127.0.0.2\n")
    f.write('expl IN TXT "v=spf1 -all exp=why.expl.example.com"\n')
    f.write(txt("why.expl", "%{s}" * 12000))
    f.write('football IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n')
    f.write(txt("big._domainkey.football", "v=DKIM1; k=rsa; p=" + "A" * 60000))
for kb in (100, 300):
    local = "x" * (kb * 1024)
    with open("%s/pra%d.eml" % (t, kb), "w") as f:
        f.write("From: <%s@blow.example.com>\nTo: a@b.example\nSubject: t\n\nbody\n" % local)
    with open("%s/mfrom%d.eml" % (t, kb), "w") as f:
        f.write("Return-Path: <%s@blow.example.com>\nFrom: a@b.example\nSubject: t\n\nbody\n" % local)
with open(t + "/local100", "w") as f:
    f.write("x" * (100 * 1024))

hdr = ("Return-Path: <joe@football.example.com>\n"
       "From: Joe <joe@football.example.com>\nTo: a@b.example\nSubject: hostile\n")
body = "\nbody\n"
def folded(name, size):
    return name + ": x\n" + " " * 1 + ("a" * 75 + "\n ") * (size // 78) + "z\n"
with open(t + "/section.eml", "w") as f:  # 9.4 MiB: over the 8 MiB limit
    f.write(hdr + "".join(folded("X-Filler-%d" % i, 80 * 1024) for i in range(120)) + body)
with open(t + "/field.eml", "w") as f:    # one field of 6 MiB, folded
    f.write(hdr + folded("X-Big", 6 * 1024 * 1024) + body)
with open(t + "/line.eml", "w") as f:     # one line of 6 MiB
    f.write(hdr + "X-Line: " + "b" * (6 * 1024 * 1024) + "\n" + body)
with open(t + "/fields.eml", "w") as f:   # 20,000 fields: over 10,000
    f.write(hdr + "".join("X-F: %d\n" % i for i in range(20000)) + body)
sig = ("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"
       " d=football.example.com; s=test; h=from:to:subject;"
       " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\n")
with open(t + "/sigs.eml", "w") as f:     # 5,000 signatures
    f.write(sig * 5000 + hdr + body)
with open(t + "/junk.key", "w") as f:     # 15 MB that is no key
    f.write("-----BEGIN PRIVATE KEY-----\n" + ("QUFB" * 19 + "\n") * 200000
            + "-----END PRIVATE KEY-----\n")
EOF
[ -s "$T/junk.key" ] || { echo "Bail out! cannot write the test data"; exit 1; }

DNS="--dns-zone=$V/zone.txt --dns-zone=$T/spf.zone --nameserver=127.0.0.1@1 --dns-timeout=2"

# ------------------------------------------------- the SPF macro blow-up
for kb in 100 300; do
	# (the comment does not repeat an address over 256 octets: it is in
	# the envelope-from= or pra= key already)
	limited "$T/pra$kb.eml" "$BIN/pra" $DNS --ip=192.0.2.1 --filter
	kept "$T/pra$kb.eml" 0 '^Received-SPF: pass \(domain of the sender designates' \
		"pra --filter, 12,000 %{s}, $kb KB PRA"
	limited "$T/mfrom$kb.eml" "$BIN/spfquery" $DNS -i 192.0.2.1 --filter
	kept "$T/mfrom$kb.eml" 0 '^Received-SPF: pass \(domain of the sender designates' \
		"spfquery --filter, 12,000 %{s}, $kb KB sender"
	limited "$T/mfrom$kb.eml" "$BIN/authcheck" $DNS --ip=192.0.2.1 \
		--envelope=received --filter -A mx.test
	kept "$T/mfrom$kb.eml" 0 '^Received-SPF: pass \(mx.test: domain of the sender designates' \
		"authcheck --filter, 12,000 %{s}, $kb KB sender"
done
limited "$T/pra300.eml" "$BIN/pra" $DNS --ip=192.0.2.1
is 0 "$st" "pra --ip, 300 KB PRA: exit 0 (pass)"
is pass "$(head -n 1 "$T/out")" "pra --ip, 300 KB PRA: pass"

# The explanation: cut after 500 octets (one SMTP reply line).
limited /dev/null "$BIN/spfquery" $DNS -i 192.0.2.1 -s "$(cat "$T/local100")@expl.example.com"
is 1 "$st" "spfquery, exp= of 12,000 %{s}, 100 KB sender: exit 1 (fail)"
is "$(head -c 500 "$T/local100")" "$(sed -n 2p "$T/out")" \
	"... the explanation is the first 500 octets of the expansion"
[ -n "$rss" ] && diag "spfquery exp=: peak RSS $rss KiB"

# --------------------------------------------------- hostile header sections
for f in section fields field line; do
	case $f in
	section) want=65 what="9.4 MiB header section" ;;
	fields) want=65 what="20,000 header fields" ;;
	field) want=0 what="one 6 MiB folded field" ;;
	line) want=0 what="one 6 MiB line" ;;
	esac
	limited "$T/$f.eml" "$BIN/dkimverify" $DNS --filter
	kept "$T/$f.eml" $want '^Authentication-Results:' "dkimverify --filter, $what"
	limited "$T/$f.eml" "$BIN/dkimsign" -d football.example.com -s test -k "$K/rfc8463-test.private"
	kept "$T/$f.eml" $want '^DKIM-Signature:' "dkimsign, $what"
	limited "$T/$f.eml" "$BIN/spfquery" $DNS -i 192.0.2.1 --filter
	kept "$T/$f.eml" $want '^Received-SPF: pass' "spfquery --filter, $what"
	limited "$T/$f.eml" "$BIN/pra" $DNS --ip=192.0.2.1 --filter
	kept "$T/$f.eml" $want '^Received-SPF: pass' "pra --filter, $what"
	limited "$T/$f.eml" "$BIN/authcheck" $DNS --ip=192.0.2.1 --envelope=received --filter
	kept "$T/$f.eml" $want '^Received-SPF: pass' "authcheck --filter, $what"
done

# ----------------------------------------------------- many signatures
limited "$T/sigs.eml" "$BIN/dkimverify" $DNS --filter
kept "$T/sigs.eml" 0 '^Authentication-Results:' "dkimverify --filter, 5,000 signatures"
limited "$T/sigs.eml" "$BIN/dkimverify" $DNS
is 1 "$st" "dkimverify, 5,000 signatures: exit 1 (signatures, none passes)"
limited "$T/sigs.eml" "$BIN/dkimsign" -d football.example.com -s test -k "$K/rfc8463-test.private"
kept "$T/sigs.eml" 0 '^DKIM-Signature:' "dkimsign, 5,000 signatures"
limited "$T/sigs.eml" "$BIN/authcheck" $DNS --ip=192.0.2.1 --envelope=received --filter
kept "$T/sigs.eml" 0 '^Received-SPF: pass' "authcheck --filter, 5,000 signatures"
limited "$T/sigs.eml" "$BIN/authcheck" $DNS --ip=192.0.2.1 --envelope=received --format=json
# (_dmarc.football.example.com is NXDOMAIN in the zone, but the DNS Tree
# Walk then asks _dmarc.com of the closed port: RFC 9989 4.10.1 counts only
# a definite "no record", so a transient error is a temperror.)
is 75 "$st" "authcheck, 5,000 signatures: exit 75 (DMARC temperror at _dmarc.com)"
is 5000 "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["dkim"]))' "$T/out")" \
	"authcheck, 5,000 signatures: one JSON result each"

# -------------------------------------------------------------- dkkeygen
limited /dev/null "$BIN/dkkeygen" -d football.example.com -s big -D "$T"
is 0 "$st" "dkkeygen: a key pair under the limit"
chmod 600 "$T/big.private" 2>/dev/null
limited /dev/null "$BIN/dkkeygen" --check -d football.example.com -s big -k "$T/big.private" $DNS
is 1 "$st" "dkkeygen --check, a 60 KB key record: exit 1 (the record has a problem)"
limited /dev/null "$BIN/dkkeygen" --check -d football.example.com -s big -k "$T/junk.key" $DNS
is 78 "$st" "dkkeygen --check, a 15 MB key file that is no key: exit 78"

done_testing
