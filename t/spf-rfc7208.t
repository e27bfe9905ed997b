# The OpenSPF rfc7208-tests.yml suite, unchanged, through spfquery against
# t/dnsd.py (one server per scenario, FORMAT.md 4.4 rules; TIMEOUT entries
# are dropped queries, so spfquery runs with --dns-timeout=1).  One TAP
# line per test case; t/spf-suite.py prints them.
. "${SOURCE:-t}/lib.sh"

need_peer python3-yaml "$PY" -c 'import yaml'
"$PY" "$SOURCE/spf-suite.py" --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" "$VECTORS/spf/rfc7208-tests.yml"
