# DMARC (RFC 9989) differential: authcheck against mailauth (npm), the
# peer NOTES.md of ../shared/testsuites/dmarc names, on 39 cases of one DNS
# world (t/diff-dmarc.py): Appendix B.4's tree walks and the 7-label jump
# of the Tree Walk (4.10), psd=y|n, p/sp/np, t=y (on p and on sp),
# invalid p with and without rua, several records, strict and relaxed
# alignment of SPF and DKIM (From a subdomain of d=, MAIL FROM deeper than
# From), the null sender.  Each case compares the DKIM results, the
# DMARC result and policy.dmarc.
#
# With MAILAUTH set to the command (e.g.
# MAILAUTH=/tmp/npm/node_modules/.bin/mailauth) the peer runs live, so a
# change in either is seen; MAILAUTH_RECORD=FILE writes its answers there.
# CI (.ci/run) installs mailauth 7.1.0 from t/npm/package.json (undici
# pinned to 6.21.3: mailauth asks Node.js 22 through undici 7, Debian 12
# has 20) and sets MAILAUTH: in CI (CI=true) the run is live, and a
# missing mailauth is a failure.  Elsewhere, without MAILAUTH, the answers
# come from t/data/dmarc/mailauth-expected.json, recorded from a live run
# (mailauth 7.1.0, node 20, undici 6.21.3).
. "${SOURCE:-t}/lib.sh"

if [ "${CI:-}" = true ]; then
	# shellcheck disable=SC2086 # MAILAUTH is a command line
	need_peer mailauth ${MAILAUTH:-false} --version
fi

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
