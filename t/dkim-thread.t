# dkim-thread.t: past its first MiB of canonical body, a message is hashed
# on a second thread (common/hashq.c).  Checked: a long body starts one
# thread and a short one none; with no thread to be had (pthread_create()
# failing, as under a process limit) signing and verifying give the same
# bytes; and dkimpy, which hashes on its own, verifies what the thread
# hashed, in both canonicalisations, LF and CRLF input, from a pipe and
# from a file.  A shim LD_PRELOADed into the programs wraps
# pthread_create(): it logs each call, and fails it when told to.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
D=football.example.com
SIGN="$BIN/dkimsign -d $D -t 1700000000 -s test -k $K/rfc8463-test.private -s brisbane -k $K/rfc8463-brisbane.ed25519.seed.b64"
VERIFY="$BIN/dkimverify --dns-zone=$VECTORS/dkim/zone.txt --nameserver=127.0.0.1@1"

# A sanitizer's runtime must be the first library loaded: no shim there.
shim=yes
if grep -q -a -e __asan_init -e __ubsan_handle -e __tsan_init "$BIN/dkimsign" 2>/dev/null; then shim=no; fi
cat > "$T/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *),
    void *arg)
{
	int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
	    void *);
	const char *log = getenv("SHIM_LOG"), *mode = getenv("SHIM_MODE");
	FILE *o = log != NULL ? fopen(log, "a") : NULL;

	if (o != NULL) {
		fputs("pthread_create\n", o);
		fclose(o);
	}
	if (mode != NULL && strcmp(mode, "fail") == 0)
		return EAGAIN;
	real = (int (*)(pthread_t *, const pthread_attr_t *,
	    void *(*)(void *), void *))dlsym(RTLD_NEXT, "pthread_create");
	return real(t, a, f, arg);
}
EOF
if [ $shim = yes ] && ! cc -shared -fPIC -o "$T/shim.so" "$T/shim.c" -ldl 2> "$T/cc.err"; then
	sed 's/^/# /' "$T/cc.err"
	shim=no
	[ "${CI:-}" = true ] && ok "the pthread_create() shim builds" false
fi

# body LINES EOL: a header, then LINES lines of 60-100 bytes, some with
# blanks inside and at the end (work for the relaxed canonicaliser), EOL
# "\n" or "\r\n", and a few empty lines at the end (dropped by both).
body() {
	"$PY" - "$1" "$2" <<'PY'
import random, sys
n, eol = int(sys.argv[1]), sys.argv[2].encode().decode('unicode_escape').encode()
random.seed(7)
out = [b"From: Joe <joe@football.example.com>", b"To: x@example.org",
       b"Subject: thread", b"Date: Thu, 03 Dec 2026 10:00:00 +0000", b""]
for i in range(n):
    w = [bytes(random.choice(b"abcdefghij0123") for _ in range(random.randint(1, 12)))
         for _ in range(random.randint(5, 9))]
    sep = random.choice([b" ", b"  ", b"\t", b" \t "])
    out.append(sep.join(w) + random.choice([b"", b"", b" ", b"\t  "]))
out += [b"", b"", b""]
sys.stdout.buffer.write(eol.join(out) + eol)
PY
}

run() { # MODE CMD...: run with the shim (MODE count or fail), log to $T/log
	_mode=$1
	shift
	if [ $shim = yes ]; then
		: > "$T/log"
		SHIM_LOG=$T/log SHIM_MODE=$_mode LD_PRELOAD=$T/shim.so "$@"
	else
		"$@"
	fi
}
threads() { wc -l < "$T/log" | tr -d ' '; }

body 80000 '\n' > "$T/lf.eml"      # about 5 MiB
body 80000 '\r\n' > "$T/crlf.eml"
body 500 '\n' > "$T/short.eml"

for e in lf crlf; do
	for c in relaxed/relaxed simple/simple; do
		n=$e.$(echo $c | tr / -)
		cat "$T/$e.eml" | run count sh -c "exec $SIGN -c $c" > "$T/$n.signed"
		is 0 $? "$n: signs from a pipe"
		tail -c "$(wc -c < "$T/$e.eml")" "$T/$n.signed" | cmp -s - "$T/$e.eml"
		is 0 $? "$n: the message follows the signatures unchanged"
		if [ $shim = yes ]; then
			is 1 "$(threads)" "$n: one hashing thread"
			cat "$T/$e.eml" | run fail sh -c "exec $SIGN -c $c" > "$T/$n.nothread"
			is 0 $? "$n: signs with no thread to be had"
			cmp -s "$T/$n.signed" "$T/$n.nothread"
			is 0 $? "$n: ... byte for byte the same"
		fi
		run count $VERIFY < "$T/$n.signed" > "$T/$n.out"
		is "2" "$(grep -c '^dkim=pass' "$T/$n.out")" "$n: both signatures pass (file)"
		if [ $shim = yes ]; then
			is 1 "$(threads)" "$n: verifying, one hashing thread"
			cat "$T/$n.signed" | run fail sh -c "exec $VERIFY" > "$T/$n.out2"
			cmp -s "$T/$n.out" "$T/$n.out2"
			is 0 $? "$n: the same verdict with no thread, from a pipe"
		fi
		cat "$T/$n.signed" | $VERIFY --filter > "$T/$n.filtered"
		tail -c "$(wc -c < "$T/$n.signed")" "$T/$n.filtered" | cmp -s - "$T/$n.signed"
		is 0 $? "$n: --filter passes the message on unchanged"
	done
done

if [ $shim = yes ]; then
	run count $SIGN < "$T/short.eml" > "$T/short.signed"
	is 0 $? "a short message signs"
	is 0 "$(threads)" "... and starts no thread"
	run count $VERIFY < "$T/short.signed" > /dev/null
	is 0 "$(threads)" "verifying it starts none either"
fi

# dkimpy hashes the same bodies itself (its RSA check only: the Ed25519
# one needs PyNaCl).
if "$PY" -c 'import dkim' 2> /dev/null; then
	"$PY" - "$T" <<'PY' > "$T/dkimpy.out"
import glob, sys, dkim
key = b"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
def dnsfunc(name, timeout=5):
    return key if name.rstrip(b'.').lower() == b'test._domainkey.football.example.com' else None
for path in sorted(glob.glob(sys.argv[1] + '/*.signed')):
    if 'short' in path:
        continue
    d = dkim.DKIM(open(path, 'rb').read(), minkey=1024)
    n = sum(1 for h in d.headers if h[0].lower() == b'dkim-signature')
    ok = [i for i in range(n) if d.verify(idx=i, dnsfunc=dnsfunc)]
    print(path.rsplit('/', 1)[1], 'pass' if ok else 'fail')
PY
	is "crlf.relaxed-relaxed.signed pass
crlf.simple-simple.signed pass
lf.relaxed-relaxed.signed pass
lf.simple-simple.signed pass" "$(cat "$T/dkimpy.out")" "dkimpy verifies all four signed bodies"
elif [ "${CI:-}" = true ]; then
	ok "dkimpy is installed (CI)" false
else
	skip "dkimpy not installed"
fi

done_testing
