# OpenDKIM, dkimpy, Mail::DKIM -> dkimverify, offline: each peer signs with
# the keys dkkeygen made (so the keys load in each peer), LF and CRLF
# messages, the four canonicalisation pairs, rsa-sha256 (all three) and
# ed25519-sha256 (OpenDKIM and dkimpy), DomainKeys (Mail::DKIM).
# dkimverify reads the records as dkkeygen wrote them, from a zone file
# (--dns-zone) and from a real DNS server (t/dnsd.py) serving that file.
. "${SOURCE:-t}/lib.sh"
. "$SOURCE/interop-lib.sh"
want_peer opendkim opendkim -V
want_peer dkimpy "$PY" -c 'import dkim, nacl'
want_peer Mail::DKIM perl -MMail::DKIM::Signer -MMail::DKIM::DkSignature -e 1
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
for s in rsa ed; do
	zone_add "$T/zone" example.com "$K/$s.txt"
done
make_inputs "$T/in" tricky nobody
IN=$(ls "$T"/in/*.eml)

# --- the peers sign ------------------------------------------------------------------------
# shellcheck disable=SC2086
ok "opendkim signs every message with our RSA key" \
    sign_opendkim "$K/rsa.private" rsa example.com rsa-sha256 "$T/odk-rsa" $IN
# opendkim 2.11's test mode prints Ed25519 signatures with "simple" header
# canonicalisation that no verifier accepts, itself included (the field it
# prints is not the one it hashed): only the relaxed header forms are used.
relaxed_headers() {
	_saved=$CANONS
	CANONS="relaxed/simple relaxed/relaxed"
	"$@"
	_rc=$?
	CANONS=$_saved
	return $_rc
}
# shellcheck disable=SC2086
ok "opendkim signs every message with our Ed25519 key (relaxed headers)" \
    relaxed_headers sign_opendkim "$K/ed.private" ed example.com ed25519-sha256 "$T/odk-ed" $IN
# dkimpy takes an Ed25519 key as its base64 seed (docs/dkkeygen.1's recipe).
ed25519_seed "$K/ed.private" >"$T/ed.seed"
# shellcheck disable=SC2086
ok "dkimpy signs every message with our RSA key" \
    sign_dkimpy "$K/rsa.private" rsa example.com rsa-sha256 "$T/py-rsa" $IN
# shellcheck disable=SC2086
ok "dkimpy signs every message with our Ed25519 key (as a seed)" \
    sign_dkimpy "$T/ed.seed" ed example.com ed25519-sha256 "$T/py-ed" $IN
# shellcheck disable=SC2086
ok "Mail::DKIM signs every message with our RSA key" \
    sign_maildkim "$K/rsa.private" rsa example.com rsa-sha256 "$T/pl-rsa" $IN
# shellcheck disable=SC2086
ok "Mail::DKIM signs DomainKeys with our RSA key" \
    sign_maildkim "$K/rsa.private" rsa example.com domainkeys "$T/pl-dk" $IN
is 76 "$(ls "$T"/odk-* "$T"/py-* "$T"/pl-* | grep -c "\.eml$")" "76 signed variants (16 per peer and algorithm, 8 opendkim ed25519, 4 DomainKeys)"

# --- dkimverify: keys from the zone file -------------------------------
verify_ours --dns-zone="$T/zone" -- "$T"/odk-*/*.eml "$T"/py-*/*.eml "$T"/pl-*/*.eml >"$T/res"
show_diag "$T/res"
expect_all "$T/res" pass "dkimverify verifies opendkim rsa-sha256" "$T"/odk-rsa/*.eml
expect_all "$T/res" pass "dkimverify verifies opendkim ed25519-sha256" "$T"/odk-ed/*.eml
expect_all "$T/res" pass "dkimverify verifies dkimpy rsa-sha256" "$T"/py-rsa/*.eml
expect_all "$T/res" pass "dkimverify verifies dkimpy ed25519-sha256" "$T"/py-ed/*.eml
expect_all "$T/res" pass "dkimverify verifies Mail::DKIM rsa-sha256" "$T"/pl-rsa/*.eml
expect_all "$T/res" dk-pass "dkimverify verifies Mail::DKIM DomainKeys" "$T"/pl-dk/*.eml

# --- the same through a DNS server, and a changed message -------------------------------------
mkdir "$T/bad"
sed 's/^Date: Mon/Date: Tue/' "$T/odk-ed/tricky-crlf.relaxed-simple.eml" >"$T/bad/odk.eml"
sed 's/hungry/thirsty/' "$T/py-rsa/tricky-lf.simple-simple.eml" >"$T/bad/py.eml"
sed 's/hungry/thirsty/' "$T/pl-rsa/tricky-crlf.relaxed-relaxed.eml" >"$T/bad/pl.eml"
dnsd_start --zone "$T/zone"
verify_ours "$NS" -- "$T"/odk-rsa/tricky-crlf.*.eml "$T"/py-ed/nobody-lf.*.eml \
    "$T"/pl-rsa/tricky-lf.*.eml "$T"/bad/*.eml >"$T/res-dns"
show_diag "$T/res-dns"
expect_all "$T/res-dns" pass "dkimverify (DNS server) verifies opendkim" "$T"/odk-rsa/tricky-crlf.*.eml
expect_all "$T/res-dns" pass "dkimverify (DNS server) verifies dkimpy" "$T"/py-ed/nobody-lf.*.eml
expect_all "$T/res-dns" pass "dkimverify (DNS server) verifies Mail::DKIM" "$T"/pl-rsa/tricky-lf.*.eml
expect_all "$T/res-dns" fail "dkimverify rejects a changed message" "$T"/bad/*.eml

done_testing
