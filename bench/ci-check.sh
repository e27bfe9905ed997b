#!/bin/bash
# bench/ci-check.sh: the short form of bench/run-all.sh that CI runs after
# the test suite (.ci/run).  It counts the instructions (callgrind's Ir,
# the median of 3 runs) of the main per-process paths, with DNS from
# t/dnsd.py on 127.0.0.1, and compares each with bench/baseline.txt:
# exit 1 when any count is more than 10% above its baseline.  No times are
# measured, so a busy machine cannot make it fail.  Not part of make check.
#
#   bench/ci-check.sh [--update] [BINDIR]     (BINDIR default ./cmd)
#
# --update rewrites bench/baseline.txt from this run.  Make the baseline
# from a default build (./configure; make: CFLAGS -g -O2) on Debian 12,
# as CI builds: counts depend on the compiler and the libraries.
#
# Paths (the same fixtures as run-all.sh: one RSA 2048 key, 4 KiB message):
#   dkimsign            sign one message, one process
#   dkimverify          verify it, key from DNS
#   spfquery            one SPF evaluation (one ip4 term)
#   pra                 Sender ID check of the message
#   authcheck           the whole verdict for the message (SPF, Sender ID,
#                       DKIM, DMARC, iprev)
#   batch-per-message   dkimverify FILE...: (Ir of 110 files - Ir of 10) / 100
#   hostile             dkimverify of 8 signatures x 1,024 h= names over 8,500 fields
set -u
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-./cmd}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
BASELINE=$SRC/bench/baseline.txt
TOLERANCE=10 # percent: counts vary by well under 1% between runs
. "$SRC/bench/lib.sh"

command -v valgrind > /dev/null || { echo "ci-check: valgrind is not installed" >&2; exit 1; }
for p in dkimsign dkimverify spfquery pra authcheck; do
	[ -x "$BIN/$p" ] || { echo "ci-check: $BIN/$p: not built" >&2; exit 1; }
done
start=$SECONDS
bench_fixtures && bench_messages 110 && bench_hostile && dns_start || exit 1

# measure NAME PATTERN IN CMD...: the median Ir into $D/counts; a failing command
# (wrong result) is an error, not a count.
measure() {
	local name=$1 want=$2 n; shift 2 # then IN CMD...
	n=$(ir_median "$@")
	if ! grep -q -- "$want" "$D/ir.out"; then
		echo "ci-check: $name: output lacks '$want':" >&2
		head -5 "$D/ir.out" "$D/ir.err" >&2
		echo "$name FAILED" >> "$D/counts"
		return 1
	fi
	echo "$name $n" >> "$D/counts"
}
: > "$D/counts"
st=0
measure dkimsign '^DKIM-Signature:' "$D/normal.eml" "$BIN/dkimsign" -d example.com -s bench -k "$D/key.pem" || st=1
measure dkimverify 'dkim=pass' "$D/normal.signed" "$BIN/dkimverify" "$NS" || st=1
measure spfquery '^pass' /dev/null "$BIN/spfquery" -i $IP -s $SENDER -H $HELO "$NS" || st=1
measure pra '^pass' "$D/normal.signed" "$BIN/pra" --ip=$IP --helo=$HELO "$NS" || st=1
measure authcheck 'DKIM check: *pass' "$D/normal.signed" "$BIN/authcheck" --ip=$IP --helo=$HELO --sender=$SENDER "$NS" || st=1
measure hostile 'dkim=pass' "$D/hostile.signed" "$BIN/dkimverify" "$NS" || st=1
files=("$D"/signed/m0*.eml)
a=$(ir_median /dev/null "$BIN/dkimverify" "$NS" "${files[@]:0:10}")
b=$(ir_median /dev/null "$BIN/dkimverify" "$NS" "${files[@]:0:110}")
if grep -q '110 messages: 110 pass' "$D/ir.out" && [ -n "$a" ] && [ -n "$b" ]; then
	echo "batch-per-message $(((b - a) / 100))" >> "$D/counts"
else
	echo "ci-check: batch: not 110 passes: $(tail -1 "$D/ir.out")" >&2
	echo "batch-per-message FAILED" >> "$D/counts"
	st=1
fi
dns_stop

if [ $update = 1 ]; then
	[ $st = 0 ] || { echo "ci-check: a path failed; baseline not written" >&2; exit 1; }
	{
		echo "# bench/baseline.txt: callgrind instruction counts (median of 3) of"
		echo "# bench/ci-check.sh's paths; a count more than ${TOLERANCE}% above its line"
		echo "# fails CI.  Rewrite with bench/ci-check.sh --update after a change that"
		echo "# moves them, from a default build (CFLAGS -g -O2) on Debian $(cat /etc/debian_version 2>/dev/null)."
		echo "# Made $(date -u +%Y-%m-%d) with $(cc --version | head -1), $(dpkg-query -W -f '${Package} ${Version}' libgnutls30 2>/dev/null), $(dpkg-query -W -f '${Package} ${Version}' libldns3 2>/dev/null)."
		cat "$D/counts"
	} > "$BASELINE"
	cat "$D/counts"
	echo "ci-check: wrote $BASELINE ($((SECONDS - start)) s)"
	exit 0
fi

[ -f "$BASELINE" ] || { echo "ci-check: no $BASELINE (run with --update)" >&2; exit 1; }
printf '%-20s %14s %14s %8s\n' path baseline now change
while read -r name now; do
	base=$(awk -v n="$name" '$1 == n {print $2}' "$BASELINE")
	if [ "$now" = FAILED ]; then
		printf '%-20s %14s %14s %8s  FAIL\n' "$name" "${base:--}" failed -
		st=1
		continue
	fi
	if [ -z "$base" ]; then
		printf '%-20s %14s %14s %8s  (no baseline)\n' "$name" - "$now" -
		continue
	fi
	pct=$(awk -v a="$base" -v b="$now" 'BEGIN {printf "%+.1f%%", (b - a) * 100 / a}')
	if awk -v a="$base" -v b="$now" -v t="$TOLERANCE" 'BEGIN {exit !(b > a * (1 + t / 100))}'; then
		printf '%-20s %14s %14s %8s  FAIL (more than %s%% above the baseline)\n' "$name" "$base" "$now" "$pct" "$TOLERANCE"
		st=1
	else
		printf '%-20s %14s %14s %8s  ok\n' "$name" "$base" "$now" "$pct"
	fi
done < "$D/counts"
echo "ci-check: $([ $st = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
exit $st
