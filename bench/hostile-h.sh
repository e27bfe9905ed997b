#!/bin/sh
# bench/hostile-h.sh: the cost of choosing the fields h= names (RFC 6376
# 5.4.2), measured in instructions with callgrind.  Not a test: run by
# hand, numbers to compare, never asserted (issue 8, "CPU").
#
#   bench/hostile-h.sh [BINDIR] [FIELDS]
#
# Builds a message of about 610 KB: FIELDS filler header fields (default
# 8500), then 8 DKIM-Signatures made by BINDIR/dkimsign (8 -s/-k pairs in
# one pass), each with an h= of 1,024 names, nearly all of fields the
# message does not have, the worst case for a selection that scans the
# fields once per name.  Reports callgrind's instruction count (Ir) for
#   - dkimverify --dns-zone on the hostile message (8 signatures pass),
#   - dkimsign making those 8 signatures,
#   - dkimsign and dkimverify on a normal 4 KiB message.
# (opendkim -t is no peer here: it tempfails at the fifth header field of
# this message, so its count would measure nothing comparable.)
set -eu
bin=${1:-./cmd}
nfill=${2:-8500}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
d=$(mktemp -d "${TMPDIR:-/tmp}/senderauth-hostile.XXXXXX")
trap 'rm -rf "$d"' EXIT
cd "$d"

"$bin/dkkeygen" -q -d example.com -s s1 -D . > /dev/null
{
	echo '$ORIGIN example.com.'
	for i in 1 2 3 4 5 6 7 8; do sed "s/^s1\./s$i./" s1.txt; done
} > zone

/usr/bin/python3 - "$nfill" <<'PY'
import sys
n = int(sys.argv[1])
with open("hostile.eml", "w") as f:
    f.write("From: Alice <alice@example.com>\nTo: bob@example.net\n"
            "Subject: hostile h=\nDate: Thu, 03 Dec 2026 10:00:00 +0000\n")
    for i in range(n):
        f.write("X-Filler-%05d: %s\n" % (i, "x" * 40))
    f.write("\nbody\n")
with open("normal.eml", "w") as f:
    f.write("From: Alice <alice@example.com>\nTo: bob@example.net\n"
            "Subject: normal\nDate: Thu, 03 Dec 2026 10:00:00 +0000\n"
            "Message-ID: <n1@example.com>\n\n")
    line = "the quick brown fox jumps over the lazy dog, again and again\n"
    f.write(line * (4096 // len(line)))
with open("names", "w") as f:
    f.write(":".join(["from"] + ["x-absent-%04d" % i for i in range(1023)]))
PY
pairs=
for i in 1 2 3 4 5 6 7 8; do pairs="$pairs -s s$i -k s1.private"; done
# shellcheck disable=SC2086
"$bin/dkimsign" -q -d example.com $pairs -h "$(cat names)" < hostile.eml > hostile.signed
"$bin/dkimsign" -q -d example.com -s s1 -k s1.private < normal.eml > normal.signed

ir() { # COMMAND...: callgrind's total instruction count (Ir)
	valgrind --tool=callgrind --callgrind-out-file=cg.out --log-file=cg.log \
	    "$@" > out 2> err || :
	sed -n 's/.*Collected : //p' cg.log
}
echo "hostile message: $(wc -c < hostile.signed) bytes, $(grep -c '^[A-Za-z0-9-]*:' hostile.signed) fields, 8 signatures x $(awk -F: '{print NF}' names) h= names"
printf '%-36s %15s\n' "run" "instructions"
printf '%-36s %15s\n' "dkimverify, hostile" "$(ir "$bin/dkimverify" --dns-zone=zone hostile.signed)"
sed 's/^/  /' out
# shellcheck disable=SC2086
printf '%-36s %15s\n' "dkimsign, hostile (8 signatures)" "$(ir "$bin/dkimsign" -q -d example.com $pairs -h "$(cat names)" < hostile.eml)"
printf '%-36s %15s\n' "dkimsign, normal 4 KiB" "$(ir "$bin/dkimsign" -q -d example.com -s s1 -k s1.private < normal.eml)"
printf '%-36s %15s\n' "dkimverify, normal 4 KiB" "$(ir "$bin/dkimverify" --dns-zone=zone normal.signed)"
