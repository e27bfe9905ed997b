# t/interop-lib.sh: offline DKIM interoperability helpers for t/interop-*.t.
# Source it after t/lib.sh.  Adapted from ../shared/interop/dkim-interop.sh
# (which documents the peers' command lines and their quirks), rewritten for
# POSIX sh and for batches: each peer starts once per batch of messages,
# not once per message, to keep the suite fast.
#
# Naming: every signer signs each input IN.eml with each of the four
# canonicalisation pairs and writes OUTDIR/IN.HEADER-BODY.eml (for example
# tricky-crlf.relaxed-simple.eml).  Every verifier prints one line per
# message, "PATH<TAB>RESULT", PATH as given and RESULT one word per
# signature, topmost first, separated by spaces: pass, fail, invalid, none
# (no signature), permerror, ...; DomainKey-Signature results are dk-pass,
# dk-fail, ...  Lines starting with "#" are diagnostics.
#
# Keys: a KEYS file has one line per key record, "SEL._domainkey.DOMAIN
# VALUE", as opendkim's TestPublicKeys reads it; dkimpy and Mail::DKIM get
# the same file through their DNS hooks.  Our own tools get a zone file
# (--dns-zone) or t/dnsd.py serving it.  Nothing here touches the network.
#
# Helper variables start with _il_ (POSIX sh has no local variables).

# opendkim and opendkim-testkey live in /usr/sbin.
PATH=$PATH:/usr/sbin:/usr/local/sbin
export PATH

INTEROP=$SOURCE/data/interop
CANONS="simple/simple simple/relaxed relaxed/simple relaxed/relaxed"

# --- keys and records -------------------------------------------------------

# record_value TXTFILE: the TXT value of a zone-file record as a resolver
# returns it: its quoted strings joined with nothing between them (RFC 6376
# 3.6.2.2).  Works for dkkeygen's and opendkim-genkey's SELECTOR.txt.
record_value() {
	grep -o '"[^"]*"' "$1" | tr -d '"\n'
}

# keys_add KEYS SELECTOR DOMAIN TXTFILE: add the record to a KEYS file.
keys_add() {
	printf '%s._domainkey.%s %s\n' "$2" "$3" "$(record_value "$4")" >>"$1"
}

# zone_add ZONE DOMAIN TXTFILE: append a SELECTOR.txt to a master file.
# Its owner name is relative, so it needs the domain as $ORIGIN (as
# docs/dkkeygen.1 tells users to do).
zone_add() {
	printf '$ORIGIN %s.\n' "$2" >>"$1"
	cat "$3" >>"$1"
}

# ed25519_seed PEMFILE: the base64 32-byte seed dkimpy wants for an
# Ed25519 key, by the recipe of docs/dkkeygen.1 (OpenSSL re-encodes the
# key as a 48-byte PKCS#8 v1 structure ending with the seed).
ed25519_seed() {
	openssl pkey -in "$1" -outform DER | tail -c 32 | openssl base64 -A
	echo
}

# --- input messages ---------------------------------------------------------

# make_inputs DIR NAME...: DIR/NAME-lf.eml and DIR/NAME-crlf.eml from the
# LF fixture $INTEROP/NAME.eml.
make_inputs() {
	_il_dir=$1
	shift
	mkdir -p "$_il_dir"
	for _il_n in "$@"; do
		cp "$INTEROP/$_il_n.eml" "$_il_dir/$_il_n-lf.eml"
		awk '{ printf "%s\r\n", $0 }' "$INTEROP/$_il_n.eml" \
		    >"$_il_dir/$_il_n-crlf.eml"
	done
}

# _il_name OUTDIR INFILE CANON: sets _il_dst to the output name for one
# signed variant (no subprocess: this runs once per variant).
_il_name() {
	_il_b=${2##*/}
	_il_dst=$1/${_il_b%.eml}.${3%/*}-${3#*/}.eml
}

# --- signers: KEY SELECTOR DOMAIN ALG OUTDIR INFILE... ----------------------
# Exit 0 when every variant was signed; otherwise say which on stderr.

# sign_ours: cmd/dkimsign, once per message and canonicalisation.
sign_ours() {
	_il_k=$1 _il_s=$2 _il_d=$3 _il_a=$4 _il_o=$5
	shift 5
	mkdir -p "$_il_o"
	_il_rc=0
	for _il_f in "$@"; do
		for _il_c in $CANONS; do
			_il_name "$_il_o" "$_il_f" "$_il_c"
			"$BIN/dkimsign" -d "$_il_d" -s "$_il_s" -k "$_il_k" \
			    -a "$_il_a" -c "$_il_c" <"$_il_f" >"$_il_dst" || {
				echo "dkimsign failed: $_il_f $_il_c" >&2
				_il_rc=1
			}
		done
	done
	return $_il_rc
}

# sign_opendkim: the opendkim filter's test mode (-t), one run per
# canonicalisation over all messages.  It prints "opendkim: FILE:" and the
# DKIM-Signature field (CR LF line ends) for each; the field is put in front
# of the message with the message's line ends.  DOMAIN must be the From:
# domain.  The key file must be PEM (PKCS#8 for Ed25519).
sign_opendkim() {
	_il_k=$1 _il_s=$2 _il_d=$3 _il_a=$4 _il_o=$5
	shift 5
	mkdir -p "$_il_o" "$T/odk"
	_il_rc=0
	_il_list=$(printf '%s,' "$@")
	for _il_c in $CANONS; do
		printf 'Mode s\nDomain %s\nSelector %s\nKeyFile %s\nSignatureAlgorithm %s\nCanonicalization %s\nRequireSafeKeys no\n' \
		    "$_il_d" "$_il_s" "$_il_k" "$_il_a" "$_il_c" \
		    >"$T/odk/sign.conf"
		rm -f "$T"/odk/*.sig
		opendkim -x "$T/odk/sign.conf" -t "${_il_list%,}" \
		    >"$T/odk/sign.out" 2>"$T/odk/sign.err"
		# FILE.sig = the field, with the line ends of FILE.
		awk -v dir="$T/odk" '
		    { sub(/\r$/, "") }
		    /^opendkim: .*:$/ {
			f = substr($0, 11, length($0) - 11)
			eol = "\n"
			if ((getline l < f) > 0 && l ~ /\r$/) eol = "\r\n"
			close(f)
			sub(/.*\//, "", f)
			next
		    }
		    /^$/ { f = ""; next }
		    f != "" { printf "%s%s", $0, eol > (dir "/" f ".sig") }
		' "$T/odk/sign.out"
		for _il_f in "$@"; do
			_il_sig=$T/odk/${_il_f##*/}.sig
			_il_name "$_il_o" "$_il_f" "$_il_c"
			if [ -s "$_il_sig" ]; then
				cat "$_il_sig" "$_il_f" >"$_il_dst"
			else
				echo "opendkim did not sign $_il_f $_il_c:" \
				    "$(cat "$T/odk/sign.out" "$T/odk/sign.err")" >&2
				_il_rc=1
			fi
		done
	done
	return $_il_rc
}

# sign_dkimpy: dkimpy's dkim.sign() in one Python run.  RSA key: PEM.
# Ed25519 key: the base64 seed (ed25519_seed).  The field uses the
# message's line ends, as dkimpy's own dkimsign does.
sign_dkimpy() {
	mkdir -p "$5"
	"$PY" - "$@" <<'PY'
import os, sys, dkim
key, sel, dom, alg, out = sys.argv[1:6]
priv = open(key, 'rb').read()
rc = 0
for path in sys.argv[6:]:
    msg = open(path, 'rb').read()
    eol = b'\r\n' if msg.split(b'\n', 1)[0].endswith(b'\r') else b'\n'
    base = os.path.basename(path)[:-4]
    for c in ('simple/simple', 'simple/relaxed', 'relaxed/simple', 'relaxed/relaxed'):
        h, b = c.encode().split(b'/')
        try:
            sig = dkim.sign(msg, sel.encode(), dom.encode(), priv,
                            canonicalize=(h, b), signature_algorithm=alg.encode(),
                            linesep=eol)
        except Exception as e:
            print('dkimpy did not sign %s %s: %s' % (path, c, e), file=sys.stderr)
            rc = 1
            continue
        with open('%s/%s.%s.eml' % (out, base, c.replace('/', '-')), 'wb') as f:
            f.write(sig + msg)
sys.exit(rc)
PY
}

# sign_maildkim: Mail::DKIM::Signer in one Perl run (rsa-sha256 only in
# Debian's Mail::DKIM 1.20230212).  Lines are fed with CR LF, as
# dkimproxy-sign does; the field it returns gets the message's line ends.
# ALG "domainkeys" makes a DomainKey-Signature (rsa-sha1, nofws) instead,
# written as OUTDIR/IN.dk.eml.
sign_maildkim() {
	mkdir -p "$5"
	perl -MMail::DKIM::Signer -MMail::DKIM::TextWrap \
	    -MMail::DKIM::DkSignature -e '
	my ($key, $sel, $dom, $alg, $out, @files) = @ARGV;
	my @canons = $alg eq "domainkeys" ? ("nofws") :
	    qw(simple/simple simple/relaxed relaxed/simple relaxed/relaxed);
	my $rc = 0;
	for my $path (@files) {
		open my $in, "<", $path or die "$path: $!\n";
		binmode $in;
		my $msg = do { local $/; <$in> };
		close $in;
		my $eol = $msg =~ /\A[^\n]*\r\n/ ? "\r\n" : "\n";
		(my $base = $path) =~ s{.*/}{};
		$base =~ s/\.eml\z//;
		for my $c (@canons) {
			my $s = Mail::DKIM::Signer->new(
			    Algorithm => $alg eq "domainkeys" ? "rsa-sha1" : $alg,
			    Method => $c, Domain => $dom, Selector => $sel,
			    KeyFile => $key,
			    $alg eq "domainkeys" ? (Policy => sub {
				my $d = shift;
				$d->add_signature(Mail::DKIM::DkSignature->new(
				    Algorithm => "rsa-sha1", Method => $c,
				    Headers => $d->headers, Domain => $dom,
				    Selector => $sel));
				return;
			    }) : ());
			for my $l (split /\n/, $msg) {
				$l =~ s/\r\z//;
				$s->PRINT("$l\r\n");
			}
			$s->CLOSE;
			my $sig = $s->signature;
			if (!$sig) { warn "Mail::DKIM did not sign $path $c\n"; $rc = 1; next }
			(my $text = $sig->as_string) =~ s/\r?\n/$eol/g;
			(my $name = $c) =~ s{/}{-};
			$name = "dk" if $alg eq "domainkeys";
			open my $o, ">", "$out/$base.$name.eml" or die "$out: $!\n";
			binmode $o;
			print $o $text, $eol, $msg;
			close $o;
		}
	}
	exit $rc' "$@"
}

# --- verifiers: KEYS FILE... -> "NAME RESULT..." lines ----------------------

# verify_opendkim: one opendkim -t run over all files (TestPublicKeys = KEYS).
# The results are the dkim= words of the Authentication-Results field it
# would add (-vv shows it), which comes before the file's summary line;
# "message not signed" is none.  opendkim exits 0 whatever the result.
verify_opendkim() {
	_il_keys=$1
	shift
	mkdir -p "$T/odk"
	printf 'Mode v\nTestPublicKeys %s\n' "$_il_keys" >"$T/odk/verify.conf"
	_il_list=$(printf '%s,' "$@")
	opendkim -x "$T/odk/verify.conf" -vv -t "${_il_list%,}" 2>/dev/null |
	awk '
	    /^### INSHEADER: .*hname=.Authentication-Results./ { ar = 1 }
	    ar {
		l = $0
		while (match(l, /[ \t;]dkim=[a-z]+/)) {
			w = substr(l, RSTART + 1, RLENGTH - 1); sub(/^dkim=/, "", w)
			r = r " " w; l = substr(l, RSTART + RLENGTH)
		}
		if ($0 ~ /\047$/) ar = 0
		next
	    }
	    /^opendkim: / {
		f = substr($0, 11); sub(/: .*/, "", f)
		if ($0 ~ /message not signed/) r = " none"
		print f "\t" substr(r, 2); r = ""
	    }'
}

# verify_dkimpy: dkim.DKIM(msg).verify(idx=i, dnsfunc=KEYS lookup) for every
# DKIM-Signature.  minkey 1024 (dkimpy's default, RFC 8301).
verify_dkimpy() {
	"$PY" - "$@" <<'PY'
import os, sys, dkim
keys = {}
for l in open(sys.argv[1]):
    if l.strip():
        n, v = l.rstrip('\r\n').split(None, 1)
        keys[n.rstrip('.').lower()] = v.encode()
def dnsfunc(name, timeout=5):
    return keys.get(name.decode('ascii', 'replace').rstrip('.').lower())
for path in sys.argv[2:]:
    msg = open(path, 'rb').read()
    d = dkim.DKIM(msg, minkey=1024)
    n = sum(1 for h in d.headers if h[0].lower() == b'dkim-signature')
    words = []
    for i in range(n):
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
        except Exception as e:
            print('# %s %d: %s: %s' % (path, i, type(e).__name__, e))
            ok = False
        words.append('pass' if ok else 'fail')
    print('%s\t%s' % (path, ' '.join(words or ['none'])))
PY
}

# verify_maildkim: Mail::DKIM::Verifier with Mail::DKIM::DNS::query answered
# from KEYS.  Words are Mail::DKIM's results (pass, fail, invalid, none);
# DomainKey-Signature results are prefixed "dk-".
verify_maildkim() {
	perl -MMail::DKIM::Verifier -MNet::DNS -e '
	my ($kf, @files) = @ARGV;
	my %K;
	open my $k, "<", $kf or die "$kf: $!\n";
	while (<$k>) {
		s/\r?\n\z//;
		next unless /\S/;
		my ($n, $v) = split " ", $_, 2;
		$n =~ s/\.\z//;
		$K{lc $n} = $v;
	}
	no warnings "redefine";
	*Mail::DKIM::DNS::query = sub {
		my ($n) = @_;
		$n =~ s/\.\z//;
		my $v = $K{lc $n};
		if (!defined $v) { $@ = "NXDOMAIN"; return }
		$@ = "NOERROR";
		my @s = unpack "(a255)*", $v;
		@s = ("") unless @s;
		return Net::DNS::RR->new(owner => $n, type => "TXT",
		    txtdata => \@s);
	};
	for my $path (@files) {
		my $d = Mail::DKIM::Verifier->new;
		open my $m, "<", $path or die "$path: $!\n";
		binmode $m;
		while (<$m>) { s/\r?\n\z//; $d->PRINT("$_\015\012") }
		close $m;
		$d->CLOSE;
		my @w = map { (ref($_) =~ /DkSignature/ ? "dk-" : "") .
		    $_->result } $d->signatures;
		for ($d->signatures) {
			print "# $path: ", $_->result_detail, "\n"
			    unless $_->result eq "pass";
		}
		print $path, "\t", (@w ? "@w" : "none"), "\n";
	}' "$@"
}

# verify_ours ARGS -- FILE...: cmd/dkimverify ARGS FILE... in batch mode
# (one run; ARGS give the keys: --dns-zone=ZONE or $NS).  Its lines
# "FILE: dkim=WORD ..." / "FILE: domainkeys=WORD ..." become "FILE<TAB>WORD
# ..." (dk-WORD for DomainKeys); each line that is not a pass is repeated as
# a diagnostic.
verify_ours() {
	_il_args=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_il_args="$_il_args $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	"$BIN/dkimverify" $_il_args "$@" 2>&1 | awk '
	    function flush() { if (f != "") print f "\t" substr(r, 2); r = "" }
	    / messages: [0-9]+ pass/ { next }
	    match($0, /: (dkim|domainkeys)=[a-z]+/) {
		p = substr($0, 1, RSTART - 1)
		w = substr($0, RSTART + 2, RLENGTH - 2)
		if (w !~ /=pass$/) print "# " $0
		if (p != f) { flush(); f = p }
		sub(/^dkim=/, "", w); sub(/^domainkeys=/, "dk-", w)
		r = r " " w
		next
	    }
	    { print "# " $0 }
	    END { flush() }'
}

# --- key-pair check ---------------------------------------------------------

# testkey_opendkim KEYS SELECTOR DOMAIN [PRIVATEKEY]: opendkim-testkey with
# an unbound configuration whose local-data answers from KEYS and NXDOMAIN
# for everything else (local-zone "." static: no recursion, no network).
# Exit 0 "key OK", 65 "keys do not match", 69 "record not found".
# opendkim 2.11 checks only RSA private keys (-k); an Ed25519 record can be
# checked without one.
testkey_opendkim() {
	mkdir -p "$T/odk"
	"$PY" - "$1" >"$T/odk/unbound.conf" <<'PY'
import sys
print('server:')
print('  local-zone: "." static')
for l in open(sys.argv[1]):
    if not l.strip():
        continue
    n, v = l.rstrip('\r\n').split(None, 1)
    v = v.replace('\\', '\\\\').replace('"', '\\"')
    s = ' '.join('"%s"' % v[i:i + 255] for i in range(0, len(v), 255)) or '""'
    print("  local-data: '%s. 300 IN TXT %s'" % (n.rstrip('.'), s))
PY
	printf 'ResolverConfiguration %s/odk/unbound.conf\n' "$T" >"$T/odk/testkey.conf"
	opendkim-testkey -x "$T/odk/testkey.conf" -d "$3" -s "$2" ${4:+-k "$4"} -vvv
}

# --- checking results ------------------------------------------------------

# result RESULTS FILE: the RESULT a verifier printed for FILE.
result() {
	awk -F '\t' -v f="$2" '$1 == f { print $2 }' "$1"
}

# expect_all RESULTS WANT WHAT FILE...: one TAP line per file: RESULTS (a
# verifier's output) says WANT for it.
expect_all() {
	_il_res=$1 _il_want=$2 _il_what=$3
	shift 3
	for _il_f in "$@"; do
		is "$_il_want" "$(result "$_il_res" "$_il_f")" \
		    "$_il_what: ${_il_f##*/}"
	done
}

# show_diag FILE: the diagnostic lines ("# ...") of a verifier's output.
show_diag() {
	grep '^#' "$1" || :
}
