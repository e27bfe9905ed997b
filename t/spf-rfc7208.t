# The OpenSPF rfc7208-tests.yml suite, unchanged, through spfquery against
# t/dnsd.py (one server per scenario, FORMAT.md 4.4 rules; TIMEOUT entries
# are dropped queries, so spfquery runs with --dns-timeout=1).  One TAP
# line per test case; t/spf-suite.py prints them.  With --peers, one more
# line per test compares the values of spfquery's Received-SPF (RFC 7208
# 9.1) with pyspf's and Mail::SPF's on the same data (t/spf-suite.py
# RECEIVED_SPF_KEYS says which keys and why).
. "${SOURCE:-t}/lib.sh"

need_peer python3-yaml "$PY" -c 'import yaml'
need_peer python3-spf "$PY" -c 'import spf, dns.resolver'
need_peer libmail-spf-perl perl -MMail::SPF -MNet::DNS -MJSON::PP -e 1
"$PY" "$SOURCE/spf-suite.py" --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" --peers \
    --mailspf-eval "$SOURCE/mailspf-eval.pl" \
    "$VECTORS/spf/rfc7208-tests.yml"
