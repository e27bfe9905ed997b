# pyspf's own test suite (t/vectors/spf/pyspf-test.yml, 16 tests), unchanged,
# through spfquery against t/dnsd.py, as t/spf-rfc7208.t runs the OpenSPF
# suite.  Two tests are pyspf extensions, not RFC 7208, and are skipped
# with the reason: default-modifier expects pyspf's lax mode (strict: 0)
# to honour "default=-", and default-modifier-harsh expects pyspf's own
# result "ambiguous" (strict: 2).  With --peers, one more line per test
# compares the values of spfquery's Received-SPF (RFC 7208 9.1) with
# pyspf's and Mail::SPF's, and with the suite's "header:" where a test
# gives one (t/spf-suite.py RECEIVED_SPF_KEYS says which keys and why).
. "${SOURCE:-t}/lib.sh"

need_peer python3-yaml "$PY" -c 'import yaml'
need_peer python3-spf "$PY" -c 'import spf, dns.resolver'
need_peer libmail-spf-perl perl -MMail::SPF -MNet::DNS -MJSON::PP -e 1
"$PY" "$SOURCE/spf-suite.py" --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" --peers \
    --mailspf-eval "$SOURCE/mailspf-eval.pl" \
    --skip 'default-modifier=pyspf lax mode (strict: 0) honours "default=-"; RFC 7208 6: "Unrecognized modifiers MUST be ignored no matter where, or how often, they appear in a record." (spfquery: neutral)' \
    --skip 'default-modifier-harsh=pyspf strict mode 2 result "ambiguous" is none of the seven results of RFC 7208 2.6 (spfquery: neutral)' \
    "$VECTORS/spf/pyspf-test.yml"
