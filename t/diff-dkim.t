# diff-dkim.t: differential tests of dkimsign and dkimverify against the
# peers (dkimpy, OpenDKIM, Mail::DKIM) and against an independent
# reference canonicaliser written from RFC 6376, on generated awkward but
# valid messages (t/diff-dkim.py; seeded, so every run is the same):
#
#   1. dkimsign signs 40 messages x 4 canonicalisations (RSA; RSA plus
#      Ed25519 for every 4th), plus option sets (-l, --oversign, -i, -x, -h,
#      two keys, re-signing); every signature must pass in the reference,
#      in dkimverify, dkimpy, opendkim -t and Mail::DKIM.
#   2. dkimpy, opendkim and Mail::DKIM sign the same messages; dkimverify
#      must give the reference's result for each (pass, or fail where the
#      peer's signature is wrong by RFC 6376).
#   3. Malformed signatures and odd key records (t/data/diff/hostile/
#      README): dkimverify's result word must be the one RFC 6376 section
#      6 and RFC 8301 require, or where they leave a choice the one
#      DESIGN.md or dkimverify.1 fixes (one word per case, the section in
#      a comment in hostile_cases()); the peers' words are shown as
#      diagnostics.
#   4. The minimal reproducers of t/data/diff/repro/.
#
# Where a peer deviates from RFC 6376 in a known way (t/data/diff/README.md
# lists each one with its reproducer), its result is not counted against
# us: the test then asserts that the reference and dkimverify agree.
# Under a sanitizer build (ASan makes every dkimsign run about five times
# slower) 30 messages in two canonicalisations each are used (every
# generator feature is still forced on one of them), to stay within the
# time budget.
. "${SOURCE:-t}/lib.sh"
# opendkim lives in /usr/sbin.
PATH=$PATH:/usr/sbin:/usr/local/sbin
export PATH
want_peer opendkim opendkim -V
want_peer dkimpy "$PY" -c 'import dkim, nacl'
want_peer Mail::DKIM perl -MMail::DKIM::Verifier -MMail::DKIM::Signer -MNet::DNS -e 1
need_peers
plan_lazy

DATA=$SOURCE/data/diff
COUNT=40
OPT_EVERY=20
HALF=
if grep -q __asan_init "$BIN/dkimsign" 2>/dev/null; then
	COUNT=30
	OPT_EVERY=30
	HALF=--half-canons
fi

# driver WHAT ARGS...: run diff-dkim.py and turn its records into TAP:
# "ok<TAB>text", "fail<TAB>text", "todo<TAB>text" (a known bug of ours,
# reported as an expected failure), "#..." diagnostics.
driver() {
	_what=$1
	shift
	mkdir -p "$T/$_what"
	"$PY" "$SOURCE/diff-dkim.py" "$_what" --bin "$BIN" --data "$DATA" \
	    --tmp "$T/$_what" "$@" >"$T/$_what.out" 2>"$T/$_what.err"
	_rc=$?
	is 0 "$_rc" "diff-dkim.py $_what ran" || sed 's/^/#   /' "$T/$_what.err" | tail -20
	_n=0
	while IFS='	' read -r _st _text; do
		case $_st in
		ok) _tap_result 0 "$_text"; _n=$((_n + 1)) ;;
		fail) _tap_result 1 "$_text"; _n=$((_n + 1)) ;;
		todo)
			_tap_n=$((_tap_n + 1))
			echo "not ok $_tap_n - ${_text%% # *} # TODO ${_text#* # }"
			;;
		'#'*) printf '%s\n' "$_st" ;;
		esac
	done <"$T/$_what.out"
	ok "diff-dkim.py $_what made assertions ($_n)" test "$_n" -gt 0
}

# shellcheck disable=SC2086
driver run --seed 6376 --count "$COUNT" --opt-every "$OPT_EVERY" $HALF
driver hostile
driver repro

# The dkimsign half of the repro "ours-dkimsign-h-dkim-signature": a
# DKIM-Signature name in -h when the message has no DKIM-Signature field
# (RFC 6376 5.4 MUST NOT): dkimsign leaves it out of h= and still signs; with
# one preexisting signature it is kept once.
printf 'From: a@example.com\nTo: b@example.net\nSubject: x\n\nbody\n' >"$T/own.eml"
"$BIN/dkimsign" -d example.com -s rsa -k "$DATA/keys/rsa.private" \
    -h from:to:subject:dkim-signature <"$T/own.eml" >"$T/own.out" 2>"$T/own.err"
is 0 "$?" "dkimsign -h ...:dkim-signature on an unsigned message: exit 0"
sed -n '/^DKIM-Signature:/,/^[^ 	]/p' "$T/own.out" | tr -d ' \t\n' > "$T/own.sig"
unlike 'h=[^;]*dkim-signature' "$(cat "$T/own.sig")" "... DKIM-Signature left out of h= (RFC 6376 5.4)"
"$BIN/dkimsign" -d example.com -s rsa -k "$DATA/keys/rsa.private" \
    -h from:to:subject:dkim-signature:dkim-signature <"$T/own.out" >"$T/own2.out" 2>"$T/own.err"
sed -n '1,/^[^ 	]/p' "$T/own2.out" | sed '$d' | tr -d ' \t\n' > "$T/own2.sig"
like 'h=from:to:subject:dkim-signature;' "$(cat "$T/own2.sig")" "... over one preexisting signature: listed once"
done_testing
