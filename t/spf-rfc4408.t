# The OpenSPF rfc4408-tests.yml suite, unchanged, through spfquery against
# t/dnsd.py (one server per scenario, FORMAT.md 4.4 rules; TIMEOUT entries
# are dropped queries, so spfquery runs with --dns-timeout=1).  One TAP
# line per test case; t/spf-suite.py prints them.
#
# This is the file as pyspf maintains it (FORMAT.md, SOURCES.md): where
# RFC 4408 and RFC 7208 differ (void lookups did not exist, the MX limit
# was not a permerror, type SPF records were queried) its tests accept
# several results or carry zone data that satisfies both, so spfquery runs
# with its RFC 7208 defaults, as pyspf's driver runs it.  RFC 4408's lack
# of a void-lookup limit is --max-void-lookups=0 (tested in spf-query.t).
. "${SOURCE:-t}/lib.sh"

need_peer python3-yaml "$PY" -c 'import yaml'
"$PY" "$SOURCE/spf-suite.py" --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" "$VECTORS/spf/rfc4408-tests.yml"
