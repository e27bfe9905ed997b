# DMARC (RFC 9989) differential: authcheck against mailauth (npm), the
# peer NOTES.md of ../shared/testsuites/dmarc names, on 32 cases of one DNS
# world (t/diff-dmarc.py): Appendix B.4's tree walks, psd=y|n, p/sp/np,
# t=y, invalid p with and without rua, several records, strict and relaxed
# alignment, the null sender.  Each case compares the DKIM results, the
# DMARC result and policy.dmarc.
#
# mailauth needs Node.js 22 (or 20 with undici pinned, NOTES.md), which
# CI does not install: by default its answers come from
# t/data/dmarc/mailauth-expected.json, recorded from a live run
# (mailauth 7.1.0, node 20, undici 6.21.3).  With MAILAUTH set to the
# command (e.g. MAILAUTH="node .../mailauth/bin/mailauth.js") the peer runs
# live, so a change in either is seen; MAILAUTH_RECORD=FILE writes its
# answers there.
. "${SOURCE:-t}/lib.sh"

K=$VECTORS/dkim/keys
set -- --authcheck "$BIN/authcheck" --dkimsign "$BIN/dkimsign" \
	--key "$K/rfc6376-brisbane.private" --pub "$K/rfc6376-brisbane.public" \
	--work "$T"
if [ -n "${MAILAUTH:-}" ]; then
	set -- "$@" --mailauth "$MAILAUTH"
	[ -n "${MAILAUTH_RECORD:-}" ] && set -- "$@" --record "$MAILAUTH_RECORD"
else
	set -- "$@" --expected "$SOURCE/data/dmarc/mailauth-expected.json"
fi
exec "$PY" "$SOURCE/diff-dmarc.py" "$@"
