# RFC 7208 4.6.4: "MAY also impose a limit on the total amount of elapsed
# time to evaluate check_host() ... at least 20 seconds.  If such a limit is
# exceeded, the result of authorization SHOULD be "temperror"."  A slow but
# working DNS server (every answer 2.2 s late) makes a record that needs
# twelve lookups run past SPF_TIME_LIMIT_SECONDS; no single query times out.
. "${SOURCE:-t}/lib.sh"

plan_lazy
dnsd_start --json "$SOURCE/data/spf/query.json" --delay 2.2

start=$(date +%s)
"$BIN/spfquery" "$NS" --dns-timeout=5 -i 192.0.2.7 -s user@short0.example.com \
    > "$T/out" 2> "$T/err"; st=$?
end=$(date +%s)
is 5 "$st" "past 20 seconds: exit 5 (temperror)"
is temperror "$(sed -n 1p "$T/out")" "past 20 seconds: result temperror"
like 'problem=.*more than 20 seconds' "$(sed -n 3p "$T/out")" "Received-SPF problem= names the time limit"
ok "stopped at the limit, not after every lookup (took $((end - start)) s)" \
    test $((end - start)) -ge 20 -a $((end - start)) -le 26

# The same record with a prompt server passes (the limit is about time,
# not about the number of lookups).
kill "$DNSD_PID"; wait "$DNSD_PID" 2>/dev/null
dnsd_start --json "$SOURCE/data/spf/query.json"
run_status 0 "the same check on a prompt server: pass" \
    "$BIN/spfquery" "$NS" --dns-timeout=5 -i 192.0.2.7 -s user@short0.example.com

done_testing
