# spf-file.t: spfquery -f/--file, libspf2's batch form: one query a line
# "IP SENDER [HELO [RCPT]]", three lines printed per query, the exit
# status of the last query (as libspf2's spfquery; issue 10 item 4).
. "${SOURCE:-t}/lib.sh"
plan_lazy

cat > "$T/zone" <<'EOZ'
$ORIGIN example.
$TTL 300
pass		IN TXT	"v=spf1 ip4:192.0.2.1 -all"
fail		IN TXT	"v=spf1 -all"
soft		IN TXT	"v=spf1 ~all"
EOZ
Q="$BIN/spfquery --dns-zone=$T/zone --nameserver=127.0.0.1@1 --dns-timeout=1"

cat > "$T/q" <<'EOQ'
# a comment, then an empty line

192.0.2.1 joe@pass.example mail.pass.example rcpt@example.org
192.0.2.1	joe@fail.example
192.0.2.1 <> soft.example
EOQ
run_status 2 "--file: exit status of the last query (softfail: 2)" $Q --file="$T/q"
is 9 "$(wc -l < "$T/out" | tr -d ' ')" "... three lines per query"
is "pass fail softfail" "$(sed -n '1p;4p;7p' "$T/out" | tr '\n' ' ' | sed 's/ $//')" "... results in order"
like '^Received-SPF: pass .*envelope-from="joe@pass.example"; helo=mail.pass.example;' "$(sed -n 3p "$T/out")" "... line 3 the Received-SPF field, HELO from the line"
is "fail.example does not designate 192.0.2.1 as a permitted sender" "$(sed -n 5p "$T/out")" "... line 2 the explanation for fail"
like 'postmaster@soft.example' "$(sed -n 9p "$T/out")" "... <> checks postmaster@HELO"
is "" "$(cat "$T/err")" "... nothing on stderr"
# the same queries one at a time give the same lines
{ $Q -i 192.0.2.1 -s joe@pass.example -H mail.pass.example
  $Q -i 192.0.2.1 -s joe@fail.example
  $Q -i 192.0.2.1 -s "" -H soft.example; } > "$T/single" 2>/dev/null
same_file "$T/single" "$T/out" "... the lines of three single queries"

printf '192.0.2.1 joe@fail.example\n192.0.2.1 joe@pass.example\n' | $Q -f - > "$T/out" 2> "$T/err"
is "0 pass" "$? $(sed -n 4p "$T/out")" "-f -: queries on stdin, exit of the last (pass)"
run_status 2 "libspf2's spelling -file=" $Q -file="$T/q" < /dev/null
is 9 "$(wc -l < "$T/out" | tr -d ' ')" "... the same queries"

printf 'bogus\n192.0.2.1\nnot-an-ip joe@pass.example\n192.0.2.1 a b c d\n192.0.2.1 joe@pass.example\n' > "$T/bad"
run_status 0 "malformed lines skipped, the last query decides: 0" $Q --file="$T/bad"
is 3 "$(wc -l < "$T/out" | tr -d ' ')" "... only the good line printed"
is 4 "$(wc -l < "$T/err" | tr -d ' ')" "... one line on stderr for each bad one"
like 'line 3: not an IPv4 or IPv6 address: not-an-ip' "$(cat "$T/err")" "... naming its line number"
printf '192.0.2.1 joe@pass.example\nbogus\n' > "$T/badlast"
run_status 65 "the last line not a query: 65" $Q --file="$T/badlast"
{ awk 'BEGIN { for (i = 0; i < 3000; i++) printf "x"; print "" }'; echo "192.0.2.1 joe@fail.example"; } > "$T/long"
run_status 1 "a line over 2048 bytes reported and skipped, the next one runs" $Q --file="$T/long"
like 'line 1: longer than 2048 bytes' "$(cat "$T/err")" "... reported"

run_status 66 "--file, a missing file: 66" $Q --file="$T/nope"
run_status 64 "--file with -i: usage error" $Q --file="$T/q" -i 192.0.2.1
run_status 64 "--file with --filter: usage error" $Q --file="$T/q" --filter < /dev/null
run_status 64 "--file with --scope=helo: usage error" $Q --file="$T/q" --scope=helo

# many queries in one process
awk 'BEGIN { for (i = 0; i < 1000; i++) print "192.0.2." (i % 2 + 1) " joe@pass.example" }' > "$T/many"
run_status 1 "1,000 queries in one process: exit of the last (fail)" $Q --file="$T/many"
is "500 500" "$(grep -c '^pass$' "$T/out") $(grep -c '^fail$' "$T/out")" "... 500 pass, 500 fail"

done_testing
