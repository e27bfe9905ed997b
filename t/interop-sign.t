# dkimsign -> OpenDKIM, dkimpy, Mail::DKIM, offline: keys from dkkeygen
# (RSA 2048 and Ed25519), LF and CRLF messages, the four canonicalisation
# pairs, rsa-sha256 (all three) and ed25519-sha256 (OpenDKIM and dkimpy:
# Debian's Mail::DKIM has no Ed25519), both keys in one pass, DomainKeys
# (Mail::DKIM only).  Each message is signed once and given to every peer.
. "${SOURCE:-t}/lib.sh"
. "$SOURCE/interop-lib.sh"
want_peer opendkim opendkim -V
want_peer dkimpy "$PY" -c 'import dkim, nacl'
want_peer Mail::DKIM perl -MMail::DKIM::Verifier -MNet::DNS -e 1
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
make_inputs "$T/in" tricky nobody
IN=$(ls "$T"/in/*.eml)

# shellcheck disable=SC2086
ok "dkimsign signs every message (rsa-sha256)" \
    sign_ours "$K/rsa.private" rsa example.com rsa-sha256 "$T/rsa" $IN
# shellcheck disable=SC2086
ok "dkimsign signs every message (ed25519-sha256)" \
    sign_ours "$K/ed.private" ed example.com ed25519-sha256 "$T/ed" $IN
RSA=$(ls "$T"/rsa/*.eml)
ED=$(ls "$T"/ed/*.eml)
is 32 "$(echo $RSA $ED | wc -w | tr -d ' ')" "32 signed variants"

# Both keys in one pass (RFC 8463 recommends signing with RSA and Ed25519).
mkdir "$T/dual" "$T/dk" "$T/bad"
for f in $IN; do
	"$BIN/dkimsign" -d example.com -s rsa -k "$K/rsa.private" -s ed -k "$K/ed.private" \
	    <"$f" >"$T/dual/${f##*/}"
done
DUAL=$(ls "$T"/dual/*.eml)
# Changed messages must not pass: the checks below can fail.
sed 's/hungry/thirsty/' "$T/rsa/tricky-crlf.simple-relaxed.eml" >"$T/bad/body.eml"
sed 's/^Subject: Is dinner/Subject: Is lunch/' "$T/ed/tricky-lf.relaxed-simple.eml" >"$T/bad/subject.eml"

# --- OpenDKIM ----------------------------------------------------------------------------
# shellcheck disable=SC2086
verify_opendkim "$T/keys" $RSA $ED $DUAL "$T"/bad/*.eml >"$T/res-opendkim"
# shellcheck disable=SC2086
expect_all "$T/res-opendkim" pass "opendkim verifies rsa-sha256" $RSA
# shellcheck disable=SC2086
expect_all "$T/res-opendkim" pass "opendkim verifies ed25519-sha256" $ED
# shellcheck disable=SC2086
expect_all "$T/res-opendkim" "pass pass" "opendkim verifies both signatures" $DUAL
expect_all "$T/res-opendkim" fail "opendkim rejects a changed message" "$T"/bad/*.eml

# --- dkimpy ------------------------------------------------------------------------------
# shellcheck disable=SC2086
verify_dkimpy "$T/keys" $RSA $ED $DUAL "$T"/bad/*.eml >"$T/res-dkimpy"
show_diag "$T/res-dkimpy"
# shellcheck disable=SC2086
expect_all "$T/res-dkimpy" pass "dkimpy verifies rsa-sha256" $RSA
# shellcheck disable=SC2086
expect_all "$T/res-dkimpy" pass "dkimpy verifies ed25519-sha256" $ED
# shellcheck disable=SC2086
expect_all "$T/res-dkimpy" "pass pass" "dkimpy verifies both signatures" $DUAL
expect_all "$T/res-dkimpy" fail "dkimpy rejects a changed message" "$T"/bad/*.eml

# --- Mail::DKIM ----------------------------------------------------------------------------
# DomainKeys (RFC 4870) is rsa-sha1, so it needs a key record without
# h=sha256: dkkeygen writes none.
for f in $IN; do
	"$BIN/dkimsign" -d example.com -s rsa -k "$K/rsa.private" --domainkeys \
	    <"$f" >"$T/dk/${f##*/}"
done
# shellcheck disable=SC2086
verify_maildkim "$T/keys" $RSA "$T/bad/body.eml" "$T"/dk/*.eml >"$T/res-maildkim"
show_diag "$T/res-maildkim"
# shellcheck disable=SC2086
expect_all "$T/res-maildkim" pass "Mail::DKIM verifies rsa-sha256" $RSA
expect_all "$T/res-maildkim" fail "Mail::DKIM rejects a changed message" "$T/bad/body.eml"
for f in "$T"/dk/*.eml; do
	is "dk-pass pass" "$(result "$T/res-maildkim" "$f" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
	    "Mail::DKIM verifies dkimsign --domainkeys (DKIM and DomainKeys): ${f##*/}"
done

done_testing
