#!/bin/sh
# bench/dkim.sh: DKIM signing and verifying speed against the peers, in one
# run, on the same messages and key.  Not a test: run by hand, numbers to
# compare, never asserted.
#
#   bench/dkim.sh [BINDIR] [MESSAGES] [RUNS]
#
# BINDIR holds dkimsign/dkimverify/dkkeygen (default: ./cmd), MESSAGES is
# how many small messages (default 200), RUNS how many timed runs per tool
# (default 3; the median is reported).  Needs the peers .ci/packages
# installs (opendkim, python3-dkim, libmail-dkim-perl).
#
# What is timed:
#   sign, per message: one process per message, as a filter runs in a
#     Postfix pipe or procmail (dkimsign, dkimpy's dkimsign,
#     Mail::DKIM's dkimproxy-sign); opendkim -t signs a batch in one
#     process (it has no per-message command that signs rsa-sha256).
#   verify, batch: one process for all messages (dkimverify FILE...,
#     dkimpy and Mail::DKIM as library loops with DNS answered from the
#     same key table, opendkim -t with TestPublicKeys).
#   big: sign and verify one 20 MiB message (ours, dkimpy, Mail::DKIM).
set -eu
bin=${1:-./cmd}
n=${2:-200}
runs=${3:-3}
PY=/usr/bin/python3
PATH=$PATH:/usr/sbin
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
d=$(mktemp -d "${TMPDIR:-/tmp}/senderauth-bench.XXXXXX")
trap 'rm -rf "$d"' EXIT
cd "$d"

# --- key, records, messages -------------------------------------------------
"$bin/dkkeygen" -q -d example.com -s bench -D . > /dev/null
{ echo '$ORIGIN example.com.'; cat bench.txt; } > zone
printf 'bench._domainkey.example.com %s\n' \
    "$(grep -o '"[^"]*"' bench.txt | tr -d '"\n')" > keys
mkdir in
"$PY" - "$n" <<'PY'
import random, sys
random.seed(8463)
n = int(sys.argv[1])
words = "the quick brown fox jumps over a lazy dog mail server signs".split()
for i in range(n):
    body = "\n".join(" ".join(random.choice(words) for _ in range(random.randint(3, 14)))
                     for _ in range(random.randint(20, 80)))
    with open("in/m%04d.eml" % i, "w") as f:
        f.write("From: Alice <alice@example.com>\nTo: bob@example.net\n"
                "Subject: bench %d\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n"
                "Message-ID: <b%d@example.com>\n\n%s\n" % (i, i, body))
line = "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ  \n"
with open("big.eml", "w") as f:
    f.write("From: alice@example.com\nTo: bob@example.net\nSubject: big\n\n")
    for _ in range(20 * 1024 * 1024 // len(line)):
        f.write(line)
PY

# --- timing -------------------------------------------------------------------
now() { date +%s.%N; }
# median TOOL-LABEL COMMAND...: run RUNS times, print the median seconds.
median() {
	_label=$1; shift
	: > times
	_i=0
	while [ $_i -lt "$runs" ]; do
		_t0=$(now); "$@" > /dev/null 2>&1 || echo "# $_label: exit $?" >&2
		_t1=$(now)
		echo "$_t1 - $_t0" | bc -l >> times
		_i=$((_i + 1))
	done
	sort -n times | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
}

sign_ours() { for f in in/*.eml; do "$bin/dkimsign" -d example.com -s bench -k bench.private < "$f" > "out/${f#in/}"; done; }
sign_dkimpy() { for f in in/*.eml; do dkimsign --hcanon relaxed --bcanon relaxed bench example.com bench.private < "$f" > "out/${f#in/}"; done; }
sign_maildkim() { for f in in/*.eml; do dkimproxy-sign --method relaxed/relaxed --selector bench --domain example.com --key bench.private < "$f" > "out/${f#in/}"; done; }
sign_opendkim() {
	cat > od.conf <<EOC
Mode s
Domain example.com
Selector bench
KeyFile $d/bench.private
SignatureAlgorithm rsa-sha256
Canonicalization relaxed/relaxed
RequireSafeKeys no
EOC
	opendkim -x od.conf -t "$(ls in/*.eml | tr '\n' ',' | sed 's/,$//')"
}
mkdir out signed
for f in in/*.eml; do "$bin/dkimsign" -d example.com -s bench -k bench.private < "$f" > "signed/${f#in/}"; done
"$bin/dkimsign" -d example.com -s bench -k bench.private < big.eml > big.signed

verify_ours() { "$bin/dkimverify" --dns-zone=zone signed/*.eml; }
verify_dkimpy() {
	"$PY" - signed/*.eml <<'PY'
import sys, dkim
keys = dict(l.rstrip("\n").split(" ", 1) for l in open("keys"))
def dnsfunc(name, timeout=5):
    return keys.get(name.decode().rstrip("."), "").encode()
for f in sys.argv[1:]:
    dkim.verify(open(f, "rb").read(), dnsfunc=dnsfunc)
PY
}
verify_maildkim() {
	perl -MMail::DKIM::Verifier -MNet::DNS -e '
	no warnings "redefine"; require Mail::DKIM::DNS;
	my %K; open my $k, "<", "keys" or die; while (<$k>) { chomp; my ($n, $v) = split " ", $_, 2; $K{lc $n} = $v }
	*Mail::DKIM::DNS::query = sub { my ($n) = @_; $n =~ s/\.\z//; my $v = $K{lc $n};
	  if (!defined $v) { $@ = "NXDOMAIN"; return } $@ = "NOERROR";
	  my @s = unpack "(a255)*", $v; return Net::DNS::RR->new(owner => $n, type => "TXT", txtdata => \@s) };
	for my $f (@ARGV) { my $v = Mail::DKIM::Verifier->new; open my $m, "<", $f or die;
	  while (<$m>) { s/\r?\n\z//; $v->PRINT("$_\015\012") } $v->CLOSE; }' signed/*.eml
}
verify_opendkim() {
	printf 'Mode v\nTestPublicKeys %s/keys\nRequireSafeKeys no\n' "$d" > odv.conf
	opendkim -x odv.conf -t "$(ls signed/*.eml | tr '\n' ',' | sed 's/,$//')"
}
big_ours() { "$bin/dkimsign" -d example.com -s bench -k bench.private < big.eml > /dev/null && "$bin/dkimverify" --dns-zone=zone < big.signed; }
big_dkimpy() { dkimsign --hcanon relaxed --bcanon relaxed bench example.com bench.private < big.eml > /dev/null && "$PY" -c '
import dkim
keys = dict(l.rstrip("\n").split(" ", 1) for l in open("keys"))
dkim.verify(open("big.signed", "rb").read(), dnsfunc=lambda n, timeout=5: keys.get(n.decode().rstrip("."), "").encode())'; }

report() { # label ours peer...
	_l=$1; _o=$2; shift 2
	printf '%-28s ours %8.3f s' "$_l" "$_o"
	for _p in "$@"; do printf '   %s' "$_p"; done
	echo
}
ratio() { echo "$2 / $1" | bc -l | awk '{printf "%.1fx", $1}'; }

echo "senderauth DKIM benchmark: $n messages, median of $runs runs, $(nproc) cores"
o=$(median ours sign_ours); p=$(median dkimpy sign_dkimpy); m=$(median maildkim sign_maildkim); od=$(median opendkim sign_opendkim)
report "sign, process per message" "$o" "dkimpy $p s ($(ratio "$o" "$p"))" "Mail::DKIM $m s ($(ratio "$o" "$m"))" "opendkim -t batch $od s ($(ratio "$o" "$od"))"
o=$(median ours verify_ours); p=$(median dkimpy verify_dkimpy); m=$(median maildkim verify_maildkim); od=$(median opendkim verify_opendkim)
report "verify, batch" "$o" "dkimpy $p s ($(ratio "$o" "$p"))" "Mail::DKIM $m s ($(ratio "$o" "$m"))" "opendkim -t $od s ($(ratio "$o" "$od"))"
o=$(median ours big_ours); p=$(median dkimpy big_dkimpy)
report "20 MiB: sign + verify" "$o" "dkimpy $p s ($(ratio "$o" "$p"))"
echo "(a ratio is the peer's time over ours: above 1x means senderauth is faster)"
