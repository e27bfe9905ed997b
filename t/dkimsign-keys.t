# dkimsign-keys.t: key files dkimsign must refuse, and how (issue 8):
# RSA keys under 1024 bits (RFC 8301 3.2), a warning under 2048, and key
# "files" that are FIFOs or devices, which must neither block nor be read
# without end.  Every refusal copies the message unchanged (DESIGN.md
# "Nothing is lost").
. "${SOURCE:-t}/lib.sh"
plan_lazy

D=football.example.com
ZONE=$VECTORS/dkim/zone.txt
printf 'From: Joe <joe@football.example.com>\r\nTo: suzie@shopping.example.net\r\nSubject: keys\r\n\r\nHi.\r\n' > "$T/msg"

# --- RSA key size (RFC 8301 3.2) ----------------------------------------
run_status 78 "512-bit RSA key refused: 78" "$BIN/dkimsign" -d $D -s test -k "$SOURCE/data/interop/rsa512.private" < "$T/msg"
same_file "$T/msg" "$T/out" "... message copied unchanged"
like 'rsa512\.private: RSA key of 512 bits refused.*RFC 8301' "$(cat "$T/err")" "... says why, naming the file"
is 1 "$(wc -l < "$T/err" | tr -d ' ')" "... in one line"
run_status 78 "a good key and a 512-bit one: 78, no half-signed output" "$BIN/dkimsign" -d $D -s test -k "$VECTORS/dkim/keys/rfc8463-test.private" -s small -k "$SOURCE/data/interop/rsa512.private" < "$T/msg"
same_file "$T/msg" "$T/out" "... message copied unchanged"

run_status 0 "1536-bit RSA key signs" "$BIN/dkimsign" -d $D -s test -k "$SOURCE/data/dkim/rsa-1536.pem" < "$T/msg"
like '^DKIM-Signature:' "$(head -n 1 "$T/out")" "... the signature is prepended"
like 'rsa-1536\.pem: RSA key of 1536 bits: RFC 8301 3\.2 recommends at least 2048' "$(cat "$T/err")" "... with a warning"
is 1 "$(wc -l < "$T/err" | tr -d ' ')" "... in one line"
run_status 0 "-q silences the warning" "$BIN/dkimsign" -q -d $D -s test -k "$SOURCE/data/dkim/rsa-1536.pem" < "$T/msg"
is "" "$(cat "$T/err")" "... nothing on stderr"
run_status 0 "2048-bit key: no warning" "$BIN/dkimsign" -d $D -s test -k "$SOURCE/data/dkim/rsa-2048.pem" < "$T/msg"
is "" "$(cat "$T/err")" "... nothing on stderr"

# --- key files that are not regular files --------------------------------
# A FIFO with no writer used to block open() forever; /dev/zero was read
# up to the size cap.  Both are refused before any read: 66, "cannot be
# read" as a key file.  timeout(1) turns a hang into a failure (124).
if mkfifo "$T/fifo" 2>/dev/null; then
	run_status 66 "FIFO as key file: 66 at once" timeout 10 "$BIN/dkimsign" -d $D -s test -k "$T/fifo" < "$T/msg"
	same_file "$T/msg" "$T/out" "... message copied unchanged"
	like 'fifo: not a regular file' "$(cat "$T/err")" "... says why"
	run_status 66 "dkkeygen --check with a FIFO: 66 at once" timeout 10 "$BIN/dkkeygen" --check -d $D -s test -k "$T/fifo" --dns-zone="$ZONE" --nameserver=127.0.0.1@1 --dns-timeout=1
else
	skip "mkfifo unavailable"
fi
run_status 66 "/dev/zero as key file: 66" timeout 10 "$BIN/dkimsign" -d $D -s test -k /dev/zero < "$T/msg"
same_file "$T/msg" "$T/out" "... message copied unchanged"
like '/dev/zero: not a regular file' "$(cat "$T/err")" "... says why"
run_status 66 "dkkeygen --check with /dev/zero: 66" timeout 10 "$BIN/dkkeygen" --check -d $D -s test -k /dev/zero --dns-zone="$ZONE" --nameserver=127.0.0.1@1 --dns-timeout=1
run_status 66 "a directory as key file: 66" timeout 10 "$BIN/dkimsign" -d $D -s test -k "$T" < "$T/msg"
same_file "$T/msg" "$T/out" "... message copied unchanged"
# the size cap still holds for a regular file
head -c 300000 /dev/zero | tr '\0' 'A' > "$T/big.pem"
run_status 78 "a 300 KB key file: 78 (not a key)" "$BIN/dkimsign" -d $D -s test -k "$T/big.pem" < "$T/msg"
same_file "$T/msg" "$T/out" "... message copied unchanged"

done_testing
