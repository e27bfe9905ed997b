# domainkeys-maildkim.t: DomainKeys (RFC 4870) interoperability with
# Mail::DKIM, the one peer that still does DomainKeys, both ways and
# offline: Mail::DKIM's own signer (dkimproxy-sign --type domainkeys,
# nofws and simple) verified by dkimverify; dkimsign --domainkeys (nofws
# and simple, with its DKIM signature) verified by Mail::DKIM::Verifier
# with its DNS lookup answered from dkkeygen's record; LF and CRLF
# messages (t/data/interop: folded fields, odd whitespace, no body);
# tampered copies fail on both sides.
. "${SOURCE:-t}/lib.sh"
. "$SOURCE/interop-lib.sh"
need_peer Mail::DKIM sh -c 'command -v dkimproxy-sign && perl -MMail::DKIM::Verifier -MNet::DNS -e 1'
plan_lazy

# dkkeygen writes no h= in the record (h=sha256 would forbid DomainKeys'
# sha1, ../shared/interop/dkim-peers.md 3.2)
K=$T/k
mkdir "$K"
"$BIN/dkkeygen" -d example.com -s dk -b 1024 -D "$K" >/dev/null || {
	echo "Bail out! dkkeygen cannot make the key"
	exit 1
}
keys_add "$T/keys" dk example.com "$K/dk.txt"
zone_add "$T/zone" example.com "$K/dk.txt"
make_inputs "$T/in" tricky nobody
IN=$(ls "$T"/in/*.eml)

# --- Mail::DKIM (dkimproxy-sign) -> dkimverify ---------------------------------
# dkimproxy-sign prints the field alone (CR LF line ends); it goes in front
# of the message with the message's own line ends.  It reads lines and
# signs them with CR LF whatever the input had, so one run per message and
# method serves the LF and the CRLF copy (each run costs a Perl start).
mkdir "$T/pl"
for n in tricky nobody; do
	for m in nofws simple; do
		dkimproxy-sign --type domainkeys --algorithm rsa-sha1 --method "$m" \
		    --key "$K/dk.private" --selector dk --domain example.com \
		    <"$T/in/$n-lf.eml" >"$T/sig" 2>"$T/sig.err" ||
		    echo "# dkimproxy-sign failed: $(cat "$T/sig.err")"
		{ tr -d '\r' <"$T/sig"; cat "$T/in/$n-lf.eml"; } >"$T/pl/$n-lf.$m.eml"
		{ awk '{ sub(/\r$/, ""); printf "%s\r\n", $0 }' "$T/sig"
		  cat "$T/in/$n-crlf.eml"; } >"$T/pl/$n-crlf.$m.eml"
	done
done
PL=$(ls "$T"/pl/*.eml)
is 8 "$(grep -l "^DomainKey-Signature: a=rsa-sha1; c=[a-z]*; d=example.com;" $PL | wc -l | tr -d ' ')" \
    "dkimproxy-sign signed 2 messages x LF/CRLF x nofws/simple"
# shellcheck disable=SC2086
verify_ours --dns-zone="$T/zone" -- $PL >"$T/res-pl"
show_diag "$T/res-pl"
# shellcheck disable=SC2086
expect_all "$T/res-pl" dk-pass "dkimverify verifies Mail::DKIM DomainKeys" $PL
sed 's/^We lost the game/We won the game/' "$T/pl/tricky-lf.nofws.eml" >"$T/pl-body.eml"
sed 's/^Subject: no body/Subject: some body/' "$T/pl/nobody-crlf.simple.eml" >"$T/pl-subject.eml"
verify_ours --dns-zone="$T/zone" -- "$T/pl-body.eml" "$T/pl-subject.eml" >"$T/res-plt"
expect_all "$T/res-plt" dk-fail "dkimverify rejects a tampered Mail::DKIM DomainKeys message" \
    "$T/pl-body.eml" "$T/pl-subject.eml"

# --- dkimsign --domainkeys -> Mail::DKIM ------------------------------------------
mkdir "$T/ours"
for f in $IN; do
	b=${f##*/}
	for m in nofws simple; do
		"$BIN/dkimsign" -d example.com -s dk -k "$K/dk.private" --domainkeys="$m" \
		    <"$f" >"$T/ours/${b%.eml}.$m.eml" || echo "# dkimsign failed: $f $m"
	done
done
# 1100 To fields: more than the 1024 names a verifier takes in h=, so the
# DKIM h= names the bottom-most 1022 To fields (RFC 6376 5.4.2) and the
# DomainKey-Signature leaves h= out and signs every field (RFC 4870 3.3)
{ printf 'From: Joe <joe@example.com>\nSubject: a long list\n'
  i=0; while [ $i -lt 1100 ]; do printf 'To: r%d@example.net\n' $i; i=$((i + 1)); done
  printf '\nhello\n'; } >"$T/manyto.eml"
"$BIN/dkimsign" -d example.com -s dk -k "$K/dk.private" --domainkeys <"$T/manyto.eml" >"$T/ours/manyto.nofws.eml" ||
    echo "# dkimsign failed: manyto"
unlike '^DomainKey-Signature:.* h=' "$(sed -n '/^DomainKey-Signature:/,/b=/p' "$T/ours/manyto.nofws.eml" | tr -d '\n')" \
    "1100 To fields: the DomainKey-Signature has no h= (every field signed)"
OURS=$(ls "$T"/ours/*.eml)
sed 's/^We lost the game/We won the game/' "$T/ours/tricky-crlf.simple.eml" >"$T/ours-body.eml"
sed 's/^To: Suzie Q/To: Suzie X/' "$T/ours/tricky-lf.nofws.eml" >"$T/ours-to.eml"
# shellcheck disable=SC2086
verify_maildkim "$T/keys" $OURS "$T/ours-body.eml" "$T/ours-to.eml" >"$T/res-ours"
show_diag "$T/res-ours"
# shellcheck disable=SC2086
expect_all "$T/res-ours" "pass dk-pass" "Mail::DKIM verifies dkimsign's DKIM and DomainKeys signatures" $OURS
expect_all "$T/res-ours" "fail dk-fail" "Mail::DKIM rejects a tampered dkimsign message" \
    "$T/ours-body.eml" "$T/ours-to.eml"
# and our own verifier agrees on the same files
# shellcheck disable=SC2086
verify_ours --dns-zone="$T/zone" -- $OURS >"$T/res-ours2"
# shellcheck disable=SC2086
expect_all "$T/res-ours2" "pass dk-pass" "dkimverify verifies dkimsign's output" $OURS

done_testing
