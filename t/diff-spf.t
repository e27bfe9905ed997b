# spfquery against pyspf (python3-spf) on generated scenarios: a fixed,
# seeded set from t/diff-spf.py (records with every mechanism and
# qualifier, CIDR lengths, include/redirect chains, exp= and macros, void
# lookups, MX/PTR lists near the limits, IPv4/IPv6/mapped clients, null
# senders, the HELO scope), all served by one t/dnsd.py.  spfquery must
# give pyspf's result (and, for fail, its explanation), except where
# pyspf is wrong by RFC 7208: t/data/spf/diff-expect.txt lists those
# scenarios with the RFC's answer and the section that decides.
# One TAP line per scenario.  Bigger runs, with Mail::SPF too:
#   t/diff-spf.py --spfquery cmd/spfquery --dnsd t/dnsd.py --count 5000 --mailspf
. "${SOURCE:-t}/lib.sh"

need_peer python3-spf "$PY" -c 'import spf, dns.resolver'
"$PY" "$SOURCE/diff-spf.py" --tap --seed 11 --count 250 --no-timeout \
    --jobs 4 --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" --expect "$SOURCE/data/spf/diff-expect.txt"
