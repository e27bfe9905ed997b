# Sender ID in the SPF engine (RFC 4406): spfquery --sender-id and
# --scope=pra.  The Mail::SPF RFC 4406 suite (2 tests) through
# t/spf-suite.py, then record selection (4.4, 3.4), the PRA NXDOMAIN rule
# (4.3) and Received-SPF's identity.
. "${SOURCE:-t}/lib.sh"

need_peer yaml "$PY" -c 'import yaml'

# The 2 vectors first: their TAP lines are folded into this file's count.
"$PY" "$SOURCE/spf-suite.py" --python "$PY" --spfquery "$BIN/spfquery" \
    --dnsd "$SOURCE/dnsd.py" --arg=--sender-id \
    "$VECTORS/senderid/rfc4406-tests.yml" > "$T/suite" 2>&1
st=$?
plan_lazy
grep -E '^(not )?ok ' "$T/suite" > "$T/lines"
while read -r line; do
	case $line in
	"not ok"*) ok "${line#not ok [0-9]* - }" false ;;
	*) ok "${line#ok [0-9]* - }" true ;;
	esac
done < "$T/lines"
grep '^#' "$T/suite"
is 2 "$(grep -c '^ok ' "$T/suite")" "rfc4406-tests.yml: 2 of 2"
is 0 "$st" "the suite driver exits 0"

dnsd_start --json "$SOURCE/data/spf/senderid.json"
q() {
	"$BIN/spfquery" "$NS" --dns-timeout=1 "$@"
}

# --- RFC 4406 3.4: v=spf1 counts as spf2.0/mfrom,pra
run_status 0 "pra: v=spf1 used when there is no spf2.0 record" q --scope=pra -i 192.0.2.1 -s a@v1only.example.com
run_status 1 "pra: v=spf1 fallback fails other hosts" q --scope=pra -i 192.0.2.9 -s a@v1only.example.com
# --- 4.4: spf2.0/pra preferred for pra; mfrom falls back to v=spf1
run_status 0 "pra: spf2.0/pra preferred over v=spf1" q --scope=pra -i 192.0.2.2 -s a@v2pra.example.com
run_status 1 "pra: the v=spf1 record is not used" q --scope=pra -i 192.0.2.1 -s a@v2pra.example.com
run_status 1 "--sender-id mfrom: spf2.0/pra does not cover mfrom, v=spf1 is used" q --sender-id -i 192.0.2.2 -s a@v2pra.example.com
run_status 0 "--sender-id mfrom: v=spf1 passes its host" q --sender-id -i 192.0.2.1 -s a@v2pra.example.com
run_status 1 "without --sender-id spf2.0 records are ignored" q -i 192.0.2.2 -s a@v2pra.example.com
# --- two records for the scope: permerror
run_status 4 "pra: two spf2.0 records covering pra: permerror" q --scope=pra -i 192.0.2.2 -s a@twopra.example.com
# --- scope tokens are whole, case-insensitive
run_status 0 "pra: spf2.0/mfrom,prattle does not cover pra (v=spf1 used)" q --scope=pra -i 192.0.2.2 -s a@prattle.example.com
run_status 0 "SPF2.0/MFROM,PRA: version and scopes case-insensitive" q --scope=pra -i 192.0.2.2 -s a@upper.example.com
run_status 0 "spf2.0 without a scope is no record (v=spf1 used)" q --scope=pra -i 192.0.2.2 -s a@noscope.example.com
run_status 6 "plain SPF (no --sender-id) ignores spf2.0 records: none" q -i 192.0.2.2 -s a@v2only.example.com
run_status 1 "--sender-id mfrom: spf2.0/mfrom,pra applies" q --sender-id -i 192.0.2.2 -s a@v2only.example.com
# --- 3.3: unknown (possibly positional) modifiers are ignored
run_status 0 "unknown modifier in spf2.0 record ignored" q --scope=pra -i 192.0.2.2 -s a@modifier.example.com
# --- include selects by the same rules
run_status 0 "pra: include: selects the target's spf2.0/pra record" q --scope=pra -i 192.0.2.3 -s a@outer.example.com
# --- 4.3: NXDOMAIN for the PRA's domain is fail, only there
run_status 1 "pra: the PRA's domain does not exist: fail (RFC 4406 4.3)" q --scope=pra -i 192.0.2.2 -s a@nx.example.com
is fail "$(sed -n 1p "$T/out")" "pra NXDOMAIN: result word fail"
run_status 6 "mfrom: a domain that does not exist: none" q --sender-id -i 192.0.2.2 -s a@nx.example.com
run_status 6 "pra: a domain without records (NODATA) is none, not fail" q --scope=pra -i 192.0.2.2 -s a@nodata.example.com
run_status 4 "pra: include: of a domain that does not exist is permerror" q --scope=pra -i 192.0.2.2 -s a@incnx.example.com

# --- Received-SPF: identity=pra
q --scope=pra -i 192.0.2.2 -s a@v2pra.example.com > "$T/out"
rs=$(sed -n 3p "$T/out")
like 'identity=pra' "$rs" "Received-SPF identity=pra"
like 'identity=pra; pra="a@v2pra\.example\.com";' "$rs" "Received-SPF pra= names the PRA (Mail::SPF's key)"
unlike 'envelope-from=' "$rs" "a PRA is not shown as envelope-from"
like 'domain of a@v2pra\.example\.com designates' "$rs" "the comment names the PRA"
q --sender-id -i 192.0.2.1 -s a@v2pra.example.com > "$T/out"
like 'identity=mailfrom' "$(sed -n 3p "$T/out")" "--sender-id mfrom: identity=mailfrom"
run_status 64 "--scope=pra needs the PRA in -s" q --scope=pra -i 192.0.2.2

done_testing
