# spfquery against pyspf (python3-spf) and Mail::SPF (libmail-spf-perl) on
# generated scenarios: a fixed, seeded set from t/diff-spf.py (records
# with every mechanism and qualifier, CIDR lengths, include/redirect
# chains, exp= and macros, void lookups, MX/PTR lists near the limits,
# IPv4/IPv6/mapped clients, null senders, the HELO scope), all served by
# one t/dnsd.py; Mail::SPF runs through t/mailspf-eval.pl.  A scenario
# passes when spfquery gives the answer (result, and for fail the
# explanation) of both peers, or when t/data/spf/diff-expect.txt lists
# it with all three answers and the RFC 7208 sentence that says who is
# right.  One TAP line per scenario.  Bigger runs:
#   t/diff-spf.py --spfquery cmd/spfquery --dnsd t/dnsd.py --count 5000 --mailspf
. "${SOURCE:-t}/lib.sh"

need_peer python3-spf "$PY" -c 'import spf, dns.resolver'
need_peer libmail-spf-perl perl -MMail::SPF -MNet::DNS -MJSON::PP -e 1
"$PY" "$SOURCE/diff-spf.py" --tap --seed 11 --count 250 --no-timeout \
    --jobs 4 --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" --mailspf-eval "$SOURCE/mailspf-eval.pl" \
    --expect "$SOURCE/data/spf/diff-expect.txt"
