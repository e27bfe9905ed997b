# dkkeygen: making keys and records (DESIGN.md "dkkeygen", docs/dkkeygen.1).
# The keys are checked with OpenSSL, an independent implementation; --check
# round trips use --dns-zone with the record exactly as written.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$BIN/dkkeygen
D=$T/keys
mkdir "$D"

# p= as OpenSSL computes it: base64 of the DER SubjectPublicKeyInfo (RSA) or
# of the raw 32-byte key, the last 32 bytes of the SPKI (Ed25519, RFC 8463 3).
spki_b64() { openssl pkey -in "$1" -pubout -outform DER | openssl base64 -A; }
ed_b64() { openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | openssl base64 -A; }
value() { grep -o '"[^"]*"' "$1" | tr -d '"\n'; }
mode() { ls -l "$1" | cut -c1-10; }
# longest quoted string in a zone-file record
longest() { grep -o '"[^"]*"' "$1" | awk '{ n = length($0) - 2; if (n > m) m = n } END { print m + 0 }'; }

# --- usage errors: exit 64 and nothing written --------------------------------
run_status 64 "no -d: usage error" "$K" -s sel -D "$D"
like '^dkkeygen: .*-d DOMAIN' "$(head -n 1 "$T/err")" "no -d: says what is missing"
run_status 64 "no -s: usage error" "$K" -d example.com -D "$D"
run_status 64 "-t dsa: usage error" "$K" -d example.com -s sel -t dsa -D "$D"
like '^dkkeygen: -t dsa: ' "$(head -n 1 "$T/err")" "-t dsa: message names the option"
run_status 64 "-b 512: below RFC 8301's minimum" "$K" -d example.com -s sel -b 512 -D "$D"
like '1024 to 4096' "$(cat "$T/err")" "-b 512: says the range"
run_status 64 "-b 1023: below the minimum" "$K" -d example.com -s sel -b 1023 -D "$D"
run_status 64 "-b 8192: above the maximum" "$K" -d example.com -s sel -b 8192 -D "$D"
run_status 64 "-b 2048x: not a number" "$K" -d example.com -s sel -b 2048x -D "$D"
run_status 64 "-b -2048: not a size" "$K" -d example.com -s sel -b -2048 -D "$D"
run_status 64 "-b with -t ed25519" "$K" -d example.com -s sel -t ed25519 -b 2048 -D "$D"
run_status 64 "selector with '/'" "$K" -d example.com -s ../sel -D "$D"
run_status 64 "selector with '_'" "$K" -d example.com -s my_sel -D "$D"
run_status 64 "empty selector" "$K" -d example.com -s '' -D "$D"
run_status 64 "selector label over 63 characters" "$K" -d example.com \
    -s aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa -D "$D"
run_status 64 "domain with an empty label" "$K" -d 'example..com' -s sel -D "$D"
run_status 64 "domain with a space" "$K" -d 'example com' -s sel -D "$D"
run_status 64 "-k without --check" "$K" -d example.com -s sel -k x.private -D "$D"
run_status 64 "--check with -t" "$K" --check -d example.com -s sel -t rsa -D "$D"
run_status 64 "--check with --testing" "$K" --check -d example.com -s sel --testing -D "$D"
run_status 64 "an operand" "$K" -d example.com -s sel -D "$D" extra
run_status 64 "unknown option" "$K" -d example.com -s sel -D "$D" --bogus
like '^dkkeygen: --bogus: ' "$(head -n 1 "$T/err")" "unknown option: named in the message"
run_status 64 "bad --dns-timeout" "$K" --check -d example.com -s sel --dns-timeout=x -D "$D"
is "" "$(ls "$D")" "usage errors wrote nothing"

# --- common options ------------------------------------------------------------
run_status 0 "--help exits 0" "$K" --help
for o in --domain --selector --type --bits --directory --testing --check --key \
    --nameserver --dns-timeout --dns-zone --verbose --quiet --version; do
	ok "--help lists $o" grep -q -e "$o" "$T/out"
done
run_status 0 "--version exits 0" "$K" --version
like '^dkkeygen \(senderauth\) [0-9]' "$(cat "$T/out")" "--version output"

# --- RSA, default size -----------------------------------------------------------
run_status 0 "RSA key: exit 0" "$K" -d example.com -s rsa -D "$D"
is "wrote $D/rsa.private (the private key: keep it secret) and $D/rsa.txt (publish it as the TXT record rsa._domainkey.example.com)" \
    "$(cat "$T/out")" "summary line names the file to keep and the name to publish"
is 1 "$(wc -l <"$T/out" | tr -d ' ')" "summary is one line"
is "" "$(cat "$T/err")" "nothing on stderr"
is "-rw-------" "$(mode "$D/rsa.private")" "private key has mode 0600"
is "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$D/rsa.private")" "private key is PKCS#8 PEM"
like '^Public-Key: \(2048 bit\)' "$(openssl pkey -in "$D/rsa.private" -noout -text_pub 2>&1)" \
    "OpenSSL reads a 2048-bit RSA key"
is "v=DKIM1; k=rsa; p=$(spki_b64 "$D/rsa.private")" "$(value "$D/rsa.txt")" \
    "record = v=DKIM1; k=rsa; p=<SPKI of the private key>"
is '$ORIGIN example.com.' "$(head -n 1 "$D/rsa.txt")" \
    "first line: \$ORIGIN DOMAIN. (the file is a zone file for --dns-zone)"
like "^rsa\\._domainkey	IN	TXT	\\( \"v=DKIM1; k=rsa; \"\$" "$(sed -n 2p "$D/rsa.txt")" \
    "second line: relative owner, IN TXT, opening parenthesis (opendkim-genkey shape)"
like '" \)  ; ----- DKIM key rsa for example.com$' "$(tail -n 1 "$D/rsa.txt")" \
    "last line closes the parenthesis"
ok "every string is at most 255 bytes" test "$(longest "$D/rsa.txt")" -le 255
is 4 "$(wc -l <"$D/rsa.txt" | tr -d ' ')" "2048-bit key: \$ORIGIN, then p= in two strings, one a line"
unlike 'h=' "$(value "$D/rsa.txt")" "no h= tag (DomainKeys needs SHA-1)"
unlike 't=' "$(value "$D/rsa.txt")" "no t= tag without --testing"

# --- refusing to overwrite --------------------------------------------------------
cp "$D/rsa.private" "$T/rsa.copy"
run_status 73 "existing key: exit 73 (EX_CANTCREAT)" "$K" -d example.com -s rsa -D "$D"
like "^dkkeygen: $D/rsa.private: already exists" "$(cat "$T/err")" "existing key: says which file"
same_file "$T/rsa.copy" "$D/rsa.private" "existing key left unchanged"
: >"$D/only.txt"
run_status 73 "existing SELECTOR.txt: exit 73" "$K" -d example.com -s only -D "$D"
ok "existing SELECTOR.txt: no private key made" test ! -e "$D/only.private"
ln -s "$T/target" "$D/link.private"
run_status 73 "symlink (even dangling) at SELECTOR.private: exit 73" \
    "$K" -d example.com -s link -D "$D"
ok "symlink: its target was not created" test ! -e "$T/target"
run_status 73 "missing directory: exit 73" "$K" -d example.com -s x -D "$T/nonexistent"
like "^dkkeygen: $T/nonexistent/x.private: cannot create: " "$(cat "$T/err")" \
    "missing directory: says why"
mkdir "$T/ro"
chmod 555 "$T/ro"
if [ -w "$T/ro" ]; then
	skip "read-only directory (running as root: writable anyway)"
	skip "read-only directory leaves nothing"
else
	run_status 73 "read-only directory: exit 73" "$K" -d example.com -s x -D "$T/ro"
	is "" "$(ls "$T/ro")" "read-only directory: nothing left behind"
fi
# The .txt cannot be created (a directory is in the way): the .private
# just written is removed again, so both or neither exist.
mkdir "$D/half.txt"
run_status 73 "SELECTOR.txt cannot be created: exit 73" "$K" -d example.com -s half -D "$D"
ok "... and SELECTOR.private is not left behind" test ! -e "$D/half.private"

# A summary that cannot be written is an I/O error (74); the key pair is
# complete by then and stays.
if [ -w /dev/full ]; then
	run_status 74 "stdout full: exit 74" sh -c '"$0" -d example.com -s full -t ed25519 -D "$1" >/dev/full' "$K" "$D"
	like '^dkkeygen: stdout: ' "$(cat "$T/err")" "stdout full: says so"
	ok "stdout full: both files are there" test -s "$D/full.private" -a -s "$D/full.txt"
else
	skip "no /dev/full"
	skip "no /dev/full"
	skip "no /dev/full"
fi

# --- the mode does not depend on the umask ---------------------------------------
run_status 0 "umask 000: exit 0" sh -c 'umask 000; exec "$0" -d example.com -s um -b 1024 -D "$1"' "$K" "$D"
is "-rw-------" "$(mode "$D/um.private")" "umask 000: private key still 0600"
is "-rw-r--r--" "$(mode "$D/um.txt")" "umask 000: record 0644"
like '^Public-Key: \(1024 bit\)' "$(openssl pkey -in "$D/um.private" -noout -text_pub 2>&1)" \
    "-b 1024 makes a 1024-bit key"
is 3 "$(wc -l <"$D/um.txt" | tr -d ' ')" "1024-bit key: \$ORIGIN, then p= in one string"

# --- trailing slash and dot ---------------------------------------------------------
run_status 0 "-D DIR/ and -d DOMAIN.: exit 0" "$K" -d example.com. -s dot -t ed25519 -D "$D/"
like "^wrote $D/dot.private .* TXT record dot\\._domainkey\\.example\\.com\\)\$" "$(cat "$T/out")" \
    "no doubled '/' or '.' in the summary"

# --- Ed25519 --------------------------------------------------------------------------
run_status 0 "Ed25519 key: exit 0" "$K" -d example.com -s ed -t ed25519 -D "$D"
is "-rw-------" "$(mode "$D/ed.private")" "Ed25519 private key has mode 0600"
is "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$D/ed.private")" "Ed25519 key is PKCS#8 PEM"
like 'ED25519 Private-Key' "$(openssl pkey -in "$D/ed.private" -noout -text 2>&1)" \
    "OpenSSL reads an Ed25519 key"
is "v=DKIM1; k=ed25519; p=$(ed_b64 "$D/ed.private")" "$(value "$D/ed.txt")" \
    "record = v=DKIM1; k=ed25519; p=<raw 32-byte public key> (RFC 8463)"
is 44 "$(value "$D/ed.txt" | sed 's/.*p=//' | tr -d '\n' | wc -c | tr -d ' ')" "p= is 44 base64 characters"
run_status 0 "-t ED25519 (any case)" "$K" -d example.com -s ed2 -t ED25519 -D "$D"

# --- --testing -------------------------------------------------------------------------
run_status 0 "--testing: exit 0" "$K" -d example.com -s test -t ed25519 --testing -D "$D"
like '^v=DKIM1; k=ed25519; t=y; p=' "$(value "$D/test.txt")" "--testing adds t=y"

# --- --check against the record as written (--dns-zone) -------------------------------
Z=$T/zone
{ printf '$ORIGIN example.com.\n'; cat "$D/rsa.txt" "$D/ed.txt" "$D/test.txt"; } >"$Z"
run_status 0 "--check: RSA record matches its key" \
    "$K" --check -d example.com -s rsa -D "$D" --dns-zone="$Z"
is "rsa._domainkey.example.com: key OK (RSA, 2048 bits)" "$(cat "$T/out")" \
    "--check: says key OK"
run_status 0 "--check: Ed25519 record matches its key" \
    "$K" --check -d example.com -s ed -k "$D/ed.private" --dns-zone="$Z"
is "ed._domainkey.example.com: key OK (Ed25519, 256 bits)" "$(cat "$T/out")" \
    "--check: Ed25519 key OK"
run_status 1 "--check: a --testing record is not ready" \
    "$K" --check -d example.com -s test -D "$D" --dns-zone="$Z"
like '^dkkeygen: test\._domainkey\.example\.com: t=y is still set' "$(cat "$T/err")" \
    "--check: says t=y is still set"
run_status 1 "--check: RSA key against the Ed25519 record" \
    "$K" --check -d example.com -s ed -k "$D/rsa.private" --dns-zone="$Z"
like 'wrong key' "$(cat "$T/err")" "--check: says wrong key"
run_status 66 "--check: key file missing: 66" \
    "$K" --check -d example.com -s nosuch -D "$D" --dns-zone="$Z"
like "^dkkeygen: $D/nosuch.private: cannot read the key: " "$(cat "$T/err")" \
    "--check: missing key file named"
run_status 78 "--check: not a key: 78" \
    "$K" --check -d example.com -s rsa -k "$D/rsa.txt" --dns-zone="$Z"
like "^dkkeygen: $D/rsa.txt: not a usable private key" "$(cat "$T/err")" \
    "--check: unusable key file named"
run_status 78 "--check: zone file missing: 78 (an unusable setting)" \
    "$K" --check -d example.com -s rsa -D "$D" --dns-zone="$T/nozone"

# SELECTOR.txt as written is a zone file (issue 10: "key not found").
run_status 0 "--check --dns-zone=SELECTOR.txt: key OK" \
    "$K" --check -d example.com -s rsa -D "$D" --dns-zone="$D/rsa.txt"
printf 'From: a@example.com\nSubject: t\n\nbody\n' >"$T/msg"
"$BIN/dkimsign" -d example.com -s rsa -k "$D/rsa.private" <"$T/msg" >"$T/signed"
run_status 0 "dkimverify --dns-zone=SELECTOR.txt verifies a message signed with the key" \
    "$BIN/dkimverify" --nameserver=127.0.0.1@1 --dns-timeout=1 --dns-zone="$D/rsa.txt" <"$T/signed"
like '^dkim=pass header.d=example.com header.s=rsa ' "$(cat "$T/out")" "... dkim=pass"
is '$ORIGIN example.com.' "$(head -n 1 "$D/dot.txt")" "-d DOMAIN.: one dot in \$ORIGIN"

# dkimpy's key format, made with the recipe in docs/dkkeygen.1.
openssl pkey -in "$D/ed.private" -outform DER | tail -c 32 | base64 >"$T/ed.seed"
chmod 600 "$T/ed.seed"
run_status 0 "--check: the man page's dkimpy seed is the same key" \
    "$K" --check -d example.com -s ed -k "$T/ed.seed" --dns-zone="$Z"

done_testing
