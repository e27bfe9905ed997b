# domainkeys-sign.t: dkimsign --domainkeys (RFC 4870): the option and its
# canonicalisation argument, where the DomainKey-Signature goes (below the
# DKIM ones, right above the fields it signs), its tags and h= list, LF and
# CRLF input, an Ed25519-only key refused, the sending-address warning,
# and every result checked with dkimverify (keys from --dns-zone).
# t/domainkeys-maildkim.t checks the same output with Mail::DKIM.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$T/k
mkdir "$K"
"$BIN/dkkeygen" -d example.com -s rsa -b 1024 -D "$K" >/dev/null &&
"$BIN/dkkeygen" -d example.com -s ed -t ed25519 -D "$K" >/dev/null || {
	echo "Bail out! dkkeygen cannot make the keys"
	exit 1
}
{ printf '$ORIGIN example.com.\n'; cat "$K/rsa.txt" "$K/ed.txt"; } > "$T/zone"
SIGN="$BIN/dkimsign -d example.com -s rsa -k $K/rsa.private -t 1700000000"
VERIFY="$BIN/dkimverify --dns-zone=$T/zone --nameserver=127.0.0.1@1 --dns-timeout=1"
CR=$(printf '\r')

printf 'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nSubject: DomainKeys  test \r\nDate: Tue, 25 Nov 2025 10:00:00 +0000\r\nMessage-ID: <dk-1@example.com>\r\nX-Mailer: dk-test\r\n\r\nHello  Bob.\r\n\r\n\tindented\r\n\r\n\r\n' > "$T/msg"
tr -d '\r' < "$T/msg" > "$T/msg.lf"

# b VALUE of the DomainKey-Signature in FILE, whitespace removed
dk_b() {
	awk '/^DomainKey-Signature:/ { on = 1 } on && !/^DomainKey-Signature:/ && !/^[ \t]/ { exit } on { print }' "$1" |
	    tr -d ' \t\r\n' | sed 's/.*;b=//'
}
# the DomainKey-Signature field of FILE on one line, whitespace removed
dk_field() {
	awk '/^DomainKey-Signature:/ { on = 1; printf "%s", $0; next } on && /^[ \t]/ { printf "%s", $0; next } on { exit }' "$1" | tr -d ' \t\r'
}

# --- options ---------------------------------------------------------
run_status 0 "--help exits 0" "$BIN/dkimsign" --help
like '--domainkeys' "$(cat "$T/out")" "--help lists --domainkeys"
run_status 64 "--domainkeys=relaxed: usage error" $SIGN --domainkeys=relaxed < "$T/msg"
is "" "$(cat "$T/out")" "... nothing written"
like 'nofws or simple' "$(cat "$T/err")" "... says what is allowed"

# --- nofws, the default ------------------------------------------------
run_status 0 "--domainkeys: exit 0" $SIGN --domainkeys < "$T/msg"
cp "$T/out" "$T/nofws"
is "DKIM-Signature:" "$(sed -n 1p "$T/nofws" | cut -c1-15)" "DKIM-Signature on top"
is 1 "$(grep -c '^DomainKey-Signature:' "$T/nofws")" "one DomainKey-Signature"
# the DomainKey-Signature is the last added field: right above From
is "From: Alice <alice@example.com>$CR" \
    "$(awk '/^DomainKey-Signature:/ { on = 1; next } on && !/^[ \t]/ { print; exit }' "$T/nofws")" \
    "... right above the fields it signs (RFC 4870 3.5.6)"
sed -n '/^From: Alice/,$p' "$T/nofws" > "$T/rest"
same_file "$T/msg" "$T/rest" "every other byte unchanged"
like '^DomainKey-Signature:a=rsa-sha1;c=nofws;d=example.com;s=rsa;q=dns;h=from:to:subject:date:message-id;b=' \
    "$(dk_field "$T/nofws")" "tags: a=rsa-sha1, c=nofws, d=, s=, q=dns, h=, b="
ok "no line longer than 78 columns" awk 'length($0) > 79 { exit 1 }' "$T/nofws"
ok "CRLF input, CRLF field" grep -q "^DomainKey-Signature: .*$CR\$" "$T/nofws"
run_status 0 "dkimverify: exit 0" $VERIFY < "$T/nofws"
is 2 "$(wc -l < "$T/out" | tr -d ' ')" "... two result lines"
like '^dkim=pass header.d=example.com header.s=rsa header.a=rsa-sha256 header.b=' \
    "$(sed -n 1p "$T/out")" "... first dkim=pass (field order)"
is "domainkeys=pass header.d=example.com header.s=rsa header.from=alice@example.com" \
    "$(sed -n 2p "$T/out")" "... then domainkeys=pass"

# --- simple ------------------------------------------------------------
run_status 0 "--domainkeys=simple: exit 0" $SIGN --domainkeys=simple < "$T/msg"
cp "$T/out" "$T/simple"
like ';c=simple;' "$(dk_field "$T/simple")" "... c=simple"
run_status 0 "... verifies" $VERIFY < "$T/simple"
like '^domainkeys=pass ' "$(sed -n 2p "$T/out")" "... domainkeys=pass"
run_status 0 "--domainkeys simple (separate argument)" $SIGN --domainkeys simple < "$T/msg"
same_file "$T/simple" "$T/out" "... same output"

# --- LF input -----------------------------------------------------------
run_status 0 "LF input" $SIGN --domainkeys < "$T/msg.lf"
cp "$T/out" "$T/nofws.lf"
ok "LF input gives an LF-only output" sh -c "! grep -q '$CR' '$T/nofws.lf'"
is "$(dk_b "$T/nofws")" "$(dk_b "$T/nofws.lf")" "LF and CRLF input: identical DomainKeys b="
run_status 0 "LF output verifies" $VERIFY < "$T/nofws.lf"
is 2 "$(grep -c '=pass ' "$T/out")" "... both signatures pass"
run_status 0 "LF input, simple" $SIGN --domainkeys=simple < "$T/msg.lf"
is "$(dk_b "$T/simple")" "$(dk_b "$T/out")" "... identical b= too"

# --- tampering ------------------------------------------------------------
sed 's/^Hello  Bob\./Hello  Eve./' "$T/nofws" > "$T/t1"
run_status 1 "changed body: exit 1" $VERIFY < "$T/t1"
like '^domainkeys=fail \(signature mismatch\)' "$(sed -n 2p "$T/out")" "... domainkeys=fail"
sed 's/^To: Bob/To: Eve/' "$T/simple" > "$T/t2"
run_status 1 "changed To (simple): exit 1" $VERIFY < "$T/t2"
like '^domainkeys=fail' "$(sed -n 2p "$T/out")" "... domainkeys=fail"
sed 's/^X-Mailer: dk-test/X-Mailer: dk-other/' "$T/nofws" > "$T/t3"
run_status 0 "changed X-Mailer (not signed): still exit 0" $VERIFY < "$T/t3"
is 2 "$(grep -c '=pass ' "$T/out")" "... both pass"

# --- keys -----------------------------------------------------------------
run_status 78 "--domainkeys with an Ed25519 key only: 78" \
    "$BIN/dkimsign" -d example.com -s ed -k "$K/ed.private" --domainkeys < "$T/msg"
same_file "$T/msg" "$T/out" "... input copied unchanged"
like 'RSA' "$(cat "$T/err")" "... says DomainKeys needs RSA"
is 1 "$(wc -l < "$T/err" | tr -d ' ')" "... in one line"
run_status 0 "Ed25519 and RSA pairs: the RSA one signs DomainKeys" \
    "$BIN/dkimsign" -d example.com -s ed -k "$K/ed.private" -s rsa -k "$K/rsa.private" --domainkeys < "$T/msg"
cp "$T/out" "$T/two"
is 3 "$(grep -c -i '^d[a-z]*-signature:' "$T/two")" "... three fields"
like ';s=rsa;' "$(dk_field "$T/two")" "... DomainKeys s=rsa"
run_status 0 "... all verify" $VERIFY < "$T/two"
is 3 "$(grep -c '=pass ' "$T/out")" "... three passes"

# --- header list and sending address ----------------------------------------
run_status 0 "-h Subject:From with --domainkeys" $SIGN -h Subject:From --domainkeys < "$T/msg"
like ';h=from:subject;' "$(dk_field "$T/out")" "... DomainKeys h= in header order"
cp "$T/out" "$T/h"
run_status 0 "... verifies" $VERIFY < "$T/h"
printf 'From: Carol <carol@example.org>\r\nSubject: elsewhere\r\n\r\nbody\r\n' > "$T/other"
run_status 0 "From outside -d: still signs, exit 0" $SIGN --domainkeys < "$T/other"
cp "$T/out" "$T/other.signed"
like 'carol@example.org is not in example.com' "$(cat "$T/err")" "... warns that verifiers will not accept it"
run_status 0 "... dkimverify: the DKIM signature passes" $VERIFY < "$T/other.signed"
like '^domainkeys=permerror \(From domain not within d=\) .*header.from=carol@example.org' \
    "$(sed -n 2p "$T/out")" "... the DomainKeys one is a permerror"
printf 'From: Carol <carol@example.org>\r\nSender: Alice <alice@example.com>\r\nSubject: on behalf\r\n\r\nbody\r\n' > "$T/sender"
run_status 0 "Sender in -d, From outside: no warning" $SIGN --domainkeys < "$T/sender"
cp "$T/out" "$T/sender.signed"
# (the 1024-bit test key draws dkimsign's RFC 8301 size warning: not ours)
is "" "$(grep -v 'recommends at least 2048' "$T/err")" "... no DomainKeys warning on stderr"
like ';h=from:sender:subject;' "$(dk_field "$T/sender.signed")" "... Sender signed"
run_status 0 "... verifies" $VERIFY < "$T/sender.signed"
like '^domainkeys=pass header.d=example.com header.s=rsa header.sender=alice@example.com' \
    "$(sed -n 2p "$T/out")" "... header.sender"

# --- mbox, --filter -----------------------------------------------------------
{ printf 'From alice@example.com Tue Nov 25 10:00:00 2025\n'; cat "$T/msg.lf"; } > "$T/mbox"
run_status 0 "mbox input" $SIGN --domainkeys < "$T/mbox"
is "From alice@example.com Tue Nov 25 10:00:00 2025" "$(sed -n 1p "$T/out")" "mbox From line kept first"
cp "$T/out" "$T/mbox.signed"
run_status 0 "... verifies" $VERIFY < "$T/mbox.signed"
run_status 0 "dkimverify --filter: exit 0" $VERIFY --filter -A mx.example.net < "$T/nofws"
is 1 "$(grep -c '^Authentication-Results:' "$T/out")" "... one Authentication-Results field"
ar=$(awk '/^Authentication-Results:/ { on = 1; printf "%s", $0; next } on && /^[ \t]/ { printf "%s", $0; next } on { exit }' "$T/out" | tr -d '\r')
like 'dkim=pass .*;[[:space:]]+domainkeys=pass[[:space:]]+header.d=example.com[[:space:]]+header.s=rsa[[:space:]]+header.from=alice@example.com' \
    "$ar" "... holding dkim=pass and domainkeys=pass"

done_testing
