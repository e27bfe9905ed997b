# Keys across tools, offline: dkkeygen's keys and records in OpenDKIM's
# opendkim-testkey and in dkimpy (the seed recipe of docs/dkkeygen.1); the
# peers' own key generators (opendkim-genkey, dknewkey) in dkkeygen --check,
# dkimsign and dkimverify.  (That each peer signs with dkkeygen's keys is
# t/interop-verify.t.)
. "${SOURCE:-t}/lib.sh"
. "$SOURCE/interop-lib.sh"
want_peer opendkim-tools command -v opendkim-testkey
want_peer opendkim opendkim -V
want_peer dkimpy "$PY" -c 'import dkim, nacl'
want_peer openssl openssl version
need_peers
plan_lazy

K=$T/k
mkdir "$K"
"$BIN/dkkeygen" -d example.com -s rsa -D "$K" >/dev/null &&
"$BIN/dkkeygen" -d example.com -s ed -t ed25519 -D "$K" >/dev/null || {
	echo "Bail out! dkkeygen cannot make the keys"
	exit 1
}
keys_add "$T/keys" rsa example.com "$K/rsa.txt"
keys_add "$T/keys" ed example.com "$K/ed.txt"
make_inputs "$T/in" tricky

# --- dkkeygen's keys in opendkim-testkey --------------------------------------------------
run_status 0 "opendkim-testkey: our RSA key matches our record" \
    testkey_opendkim "$T/keys" rsa example.com "$K/rsa.private"
like "key OK" "$(cat "$T/out" "$T/err")" "opendkim-testkey says key OK"
run_status 0 "opendkim-testkey: our Ed25519 record is valid" \
    testkey_opendkim "$T/keys" ed example.com
run_status 65 "opendkim-testkey: another key does not match (the check can fail)" \
    testkey_opendkim "$T/keys" rsa example.com "$SOURCE/data/interop/rsa768.private"

# --- dkkeygen's Ed25519 key in dkimpy's format ----------------------------------------------
# dkimpy derives the public key from the seed: it must be the published one.
ed25519_seed "$K/ed.private" >"$T/ed.seed"
"$PY" - "$T/ed.seed" >"$T/seedpub" <<'PY'
import base64, sys, nacl.encoding, nacl.signing
sk = nacl.signing.SigningKey(open(sys.argv[1], 'rb').read().strip(),
                             encoder=nacl.encoding.Base64Encoder)
print(base64.b64encode(bytes(sk.verify_key)).decode())
PY
is "$(record_value "$K/ed.txt" | sed 's/.*p=//')" "$(cat "$T/seedpub")" \
    "the seed recipe of docs/dkkeygen.1 gives dkkeygen's Ed25519 key"

# --- opendkim-genkey's key and record (h=sha256, tabs, its comment) in our tools ------------
G=$T/genkey
mkdir "$G"
opendkim-genkey -D "$G" -d example.com -s gk >/dev/null 2>&1
opendkim-genkey -D "$G" -d example.com -s gktest -t >/dev/null 2>&1
zone_add "$T/gkzone" example.com "$G/gk.txt"
zone_add "$T/gkzone" example.com "$G/gktest.txt"
keys_add "$T/gkkeys" gk example.com "$G/gk.txt"
run_status 0 "dkkeygen --check accepts opendkim-genkey's key and record" \
    "$BIN/dkkeygen" --check -d example.com -s gk -k "$G/gk.private" --dns-zone="$T/gkzone"
run_status 1 "dkkeygen --check reports opendkim-genkey -t's t=y" \
    "$BIN/dkkeygen" --check -d example.com -s gktest -k "$G/gktest.private" --dns-zone="$T/gkzone"
like 't=y is still set' "$(cat "$T/err")" "... saying t=y"
run_status 1 "dkkeygen --check: our key is not opendkim-genkey's" \
    "$BIN/dkkeygen" --check -d example.com -s gk -k "$K/rsa.private" --dns-zone="$T/gkzone"
"$BIN/dkimsign" -d example.com -s gk -k "$G/gk.private" <"$T/in/tricky-crlf.eml" >"$T/gk.eml"
verify_ours --dns-zone="$T/gkzone" -- "$T/gk.eml" >"$T/res-gk"
expect_all "$T/res-gk" pass "dkimsign with opendkim-genkey's key: dkimverify" "$T/gk.eml"
verify_opendkim "$T/gkkeys" "$T/gk.eml" >"$T/res-gk"
expect_all "$T/res-gk" pass "dkimsign with opendkim-genkey's key: opendkim" "$T/gk.eml"

# --- dknewkey's Ed25519 key (a bare base64 seed) and record in dkkeygen --check -------------
(cd "$T" && /usr/bin/dknewkey --ktype ed25519 pyed >/dev/null 2>&1)
printf 'pyed._domainkey.example.com. IN TXT "%s"\n' "$(cat "$T/pyed.dns")" >"$T/pyzone"
run_status 0 "dkkeygen --check: dknewkey's Ed25519 seed and record" \
    "$BIN/dkkeygen" --check -d example.com -s pyed -k "$T/pyed.key" --dns-zone="$T/pyzone"
run_status 1 "dkkeygen --check: dkkeygen's Ed25519 key is not dknewkey's" \
    "$BIN/dkkeygen" --check -d example.com -s pyed -k "$K/ed.private" --dns-zone="$T/pyzone"
like 'wrong key' "$(cat "$T/err")" "... is the wrong key"

done_testing
