# libraries.t: each program loads only the libraries it calls (issue 11),
# as the dynamic loader reports them (LD_DEBUG=libs, glibc): dkimsign and
# dkkeygen load no ldns and no OpenSSL, spfquery and pra no GnuTLS;
# dkkeygen --check, which asks DNS, runs dkkeygen-check (built next to
# dkkeygen, installed in $(libexecdir)/senderauth) and says so when that
# program is missing.
. "${SOURCE:-t}/lib.sh"
plan_lazy

# The shared objects a program loads, one base name a line.
loaded() {
	LD_DEBUG=libs "$@" 2>&1 >/dev/null </dev/null |
	    sed -n 's|.*calling init: .*/\([^/]*\)$|\1|p' | sort -u
}

loaded "$BIN/dkimsign" --version > "$T/libs"
if ! grep -q '^libc\.so' "$T/libs"; then
	skip "LD_DEBUG=libs lists nothing here (not glibc?)"
	done_testing
fi
for p in dkimsign dkkeygen; do
	loaded "$BIN/$p" --version > "$T/libs"
	ok "$p loads GnuTLS" grep -q '^libgnutls\.so' "$T/libs"
	is "" "$(grep -E '^lib(ldns|ssl|crypto)\.so' "$T/libs")" \
	    "$p loads no ldns, libssl or libcrypto"
done
for p in spfquery pra; do
	loaded "$BIN/$p" --version > "$T/libs"
	ok "$p loads ldns" grep -q '^libldns\.so' "$T/libs"
	is "" "$(grep -E '^lib(gnutls|nettle|hogweed|gmp)\.so' "$T/libs")" \
	    "$p loads no GnuTLS (nor nettle, hogweed, gmp)"
done
for p in dkimverify authcheck dkkeygen-check; do
	loaded "$BIN/$p" --version > "$T/libs"
	ok "$p loads GnuTLS and ldns" eval \
	    'grep -q "^libgnutls\.so" "$T/libs" && grep -q "^libldns\.so" "$T/libs"'
done
# No library in two versions (the link order configure picks names
# libcrypto and nettle itself).
for p in dkimsign dkimverify spfquery; do
	LD_DEBUG=libs "$BIN/$p" --version 2>&1 >/dev/null </dev/null |
	    sed -n 's|.*calling init: .*/\(lib[^/.]*\)\.so.*|\1|p' | sort | uniq -d > "$T/dups"
	is "" "$(cat "$T/dups")" "$p: no library loaded twice"
done

# dkkeygen --check without dkkeygen-check beside it: a copy of dkkeygen
# alone in a directory looks there, then in the libexec directory it was
# built for (skipped when an installed one is there).
mkdir "$T/bin"
cp "$BIN/dkkeygen" "$T/bin/"
libexec=$(grep -ao '/[ -~]*/dkkeygen-check' "$BIN/dkkeygen" | head -n 1)
if [ -n "$libexec" ] && [ -e "$libexec" ]; then
	skip "an installed $libexec exists"
else
	run_status 70 "--check with no dkkeygen-check: exit 70" \
	    "$T/bin/dkkeygen" --check -d example.com -s sel -k /nonexistent
	like "dkkeygen: --check: cannot run .*dkkeygen-check" "$(cat "$T/err")" \
	    "... and says which program is missing"
fi
# Usage errors are still dkkeygen's own, before anything is run.
run_status 64 "--check with -t: usage error without dkkeygen-check" \
    "$T/bin/dkkeygen" --check -t rsa -d example.com -s sel
done_testing
