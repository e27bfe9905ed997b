# t/lib.sh: TAP helpers for the shell tests (after mblaze's t/lib.sh and
# rra's tests/tap/libtap.sh).  Source it from a t/*.t script:
#
#	. "${SOURCE:-t}/lib.sh"
#	plan 3
#	ok "description" test "$x" = y
#	is "wanted" "$got" "description"
#	run_status 65 "description" "$BIN/dkimsign" -d ... < msg
#
# Environment (set by the Makefile through AM_TESTS_ENVIRONMENT):
#   SOURCE   the source tree's t/ directory (fixtures, vectors, helpers)
#   BUILD    the build tree's top directory (binaries in $BUILD/cmd)
# Derived here: BIN ($BUILD/cmd), VECTORS ($SOURCE/vectors), PY (/usr/bin/python3),
# and T, a fresh temporary directory removed at exit.

SOURCE=${SOURCE:-t}
BUILD=${BUILD:-.}
BIN=${BIN:-$BUILD/cmd}
VECTORS=${VECTORS:-$SOURCE/vectors}
# dkimpy, python3-yaml and dnslib are Debian packages: use Debian's python3,
# not a pyenv one on PATH (../shared/interop/dkim-peers.md).
PY=${PY:-/usr/bin/python3}
export SOURCE BUILD BIN VECTORS PY

_tap_n=0
_tap_failed=0
_tap_planned=
T=$(mktemp -d "${TMPDIR:-/tmp}/senderauth-t.XXXXXX") || exit 1
_tap_cleanup() {
	if [ -n "${DNSD_PID:-}" ]; then kill "$DNSD_PID" 2>/dev/null; wait "$DNSD_PID" 2>/dev/null; fi
	rm -rf "$T"
}
trap _tap_cleanup EXIT
trap 'exit 1' HUP INT TERM

plan() { _tap_planned=$1; echo "1..$1"; }
plan_lazy() { _tap_planned=lazy; }
_tap_done() {
	if [ "$_tap_planned" = lazy ]; then echo "1..$_tap_n"; fi
	if [ "$_tap_failed" -ne 0 ]; then echo "# $_tap_failed of $_tap_n tests failed"; exit 1; fi
	exit 0
}
done_testing() { _tap_done; }

_tap_result() { # status description
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
	fi
	return "$1"
}

diag() { printf '# %s\n' "$*"; }

# ok DESCRIPTION COMMAND...: passes when COMMAND succeeds.
ok() {
	_d=$1; shift
	if "$@"; then _tap_result 0 "$_d"; else _tap_result 1 "$_d"; fi
}

# is WANTED GOT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		printf '#   wanted: %s\n#      got: %s\n' "$1" "$2" | sed '2,$s/^\([^#]\)/#   \1/'
		return 1
	fi
}

# like PATTERN GOT DESCRIPTION: GOT matches the grep -E pattern.
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		printf '#   pattern: %s\n#       got: %s\n' "$1" "$2"
		return 1
	fi
}

# unlike PATTERN GOT DESCRIPTION
unlike() {
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		_tap_result 1 "$3"
		printf '#   pattern: %s\n#       got: %s\n' "$1" "$2"
		return 1
	else
		_tap_result 0 "$3"
	fi
}

# same_file A B DESCRIPTION: byte-identical files.
same_file() {
	if cmp -s "$1" "$2"; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; cmp "$1" "$2" 2>&1 | sed 's/^/#   /'; return 1; fi
}

# run_status WANT DESCRIPTION COMMAND...: COMMAND exits WANT.  Its stdout is
# left in $T/out and stderr in $T/err for later checks.
run_status() {
	_w=$1; _d=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	_s=$?
	if [ "$_s" -eq "$_w" ]; then _tap_result 0 "$_d"; else
		_tap_result 1 "$_d"
		echo "#   wanted exit $_w, got $_s; stderr:"
		sed 's/^/#   /' "$T/err" | head -5
		return 1
	fi
}

skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # skip $*"; }

# skip_all REASON: nothing in this file can run here.
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# want_peer NAME COMMAND...: note NAME as missing when COMMAND fails (the
# peer tool is not installed); need_peers then acts on every peer noted.
# need_peer NAME COMMAND...: both at once, for a file with one peer.
# A file with a missing peer is skipped whole, except in CI (CI=true), where
# a missing peer is a failure (DEVELOPERS.md).  Outside CI the names are
# also written to $BUILD/t/peers-missing/FILE (one a line; the file is
# removed when every peer is there), and `make check` ends with one line
# naming them all (t/peers-missing.sh), so that a green run with interop
# skipped is not taken for a full one.
_tap_missing=
want_peer() {
	_p=$1; shift
	if "$@" >/dev/null 2>&1; then return 0; fi
	_tap_missing="${_tap_missing:+$_tap_missing, }$_p"
}
need_peers() {
	_rec=$BUILD/t/peers-missing/$(basename "$0" .t)
	if [ -z "$_tap_missing" ]; then rm -f "$_rec"; return 0; fi
	if [ "${CI:-}" = true ]; then
		echo "1..1"; echo "not ok 1 - peers not installed (CI requires them): $_tap_missing"; exit 1
	fi
	if mkdir -p "$BUILD/t/peers-missing" 2>/dev/null; then
		printf '%s\n' "$_tap_missing" | tr ',' '\n' | sed 's/^ *//' > "$_rec"
	fi
	skip_all "peers not installed: $_tap_missing"
}
need_peer() { want_peer "$@"; need_peers; }

# dnsd_start ARGS...: start t/dnsd.py on 127.0.0.1 at a free port with the
# given arguments (see t/dnsd.py --help: zone files, JSON scenario data,
# error names).  Sets DNSD_PORT and DNSD_PID and NS="--nameserver=127.0.0.1@PORT".
dnsd_start() {
	rm -f "$T/dnsd.port"
	"$PY" "$SOURCE/dnsd.py" --port-file "$T/dnsd.port" "$@" 2>"$T/dnsd.err" &
	DNSD_PID=$!
	_i=0
	while [ ! -s "$T/dnsd.port" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	if [ ! -s "$T/dnsd.port" ]; then
		echo "Bail out! dnsd.py did not start: $(cat "$T/dnsd.err")"; exit 1
	fi
	DNSD_PORT=$(cat "$T/dnsd.port")
	NS="--nameserver=127.0.0.1@$DNSD_PORT"
	export DNSD_PORT NS
}

# A real Postfix (Debian's) for the tests that drive it, in a private
# configuration directory $PF (etc/, spool/, data/; the caller writes
# main.cf and master.cf).
# pf_master_base: the master.cf lines every such test needs (no smtpd).
pf_master_base() {
	cat <<'EOT'
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOT
}
# pf_start PORT...: start master(8) (output in $T/start) and wait until
# each PORT on 127.0.0.1 accepts; returns postfix start's status.  The
# EXIT trap stops it (pf_stop).
pf_start() {
	trap 'pf_stop; _tap_cleanup' EXIT
	/usr/sbin/postfix -c "$PF/etc" start > "$T/start" 2>&1
	_st=$?
	for _p in "$@"; do
		_i=0
		until "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $_p), 1)" 2>/dev/null ||
		    [ $_i -ge 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	done
	return $_st
}
pf_stop() {
	/usr/sbin/postfix -c "$PF/etc" stop >/dev/null 2>&1
	_i=0
	while [ -s "$PF/spool/pid/master.pid" ] && kill -0 "$(cat "$PF/spool/pid/master.pid")" 2>/dev/null &&
	    [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	if [ -n "${_pf_blessed:-}" ]; then _pf_alternate "$PF/etc" ""; _pf_blessed=; fi
}
# pf_bless: let a non-root user's sendmail(1) (a pipe(8) script's
# re-injection) use the private configuration.  sendmail hands the message
# to the set-gid postdrop(1), which takes a non-default configuration
# directory (MAIL_CONFIG, which master(8) sets for `postfix -c` and
# pipe(8) exports) only from root or when the default
# /etc/postfix/main.cf lists it in alternate_config_directories
# (postdrop(1) "ENVIRONMENT").  Debian's postfix installed as "No
# configuration" (CI) has no such file: write one that holds only that
# list, shared by concurrent tests under a lock on /etc/postfix, dropping
# directories gone (a killed run), and removed by pf_stop when the last
# test ends.  Call it after pf_start, whose EXIT trap runs pf_stop on
# every exit path.  Returns 1, touching nothing, when /etc/postfix/main.cf
# is a real one (an administrator's Postfix).
PF_MAINCF=/etc/postfix/main.cf
PF_MARK='# written by the senderauth test suite (t/lib.sh pf_bless) for the tests running now; removed when they end'
# pf_can_bless: pf_bless may write (for want_peer).
pf_can_bless() { [ ! -e "$PF_MAINCF" ] || [ "$(head -n 1 "$PF_MAINCF")" = "$PF_MARK" ]; }
pf_bless() {
	_pf_alternate "" "$PF/etc" || return 1
	_pf_blessed=1
}
_pf_alternate() { # DROP ADD: rewrite the list under the lock
	(
		flock 9 || exit 1
		if [ -e "$PF_MAINCF" ] && [ "$(head -n 1 "$PF_MAINCF")" != "$PF_MARK" ]; then exit 1; fi
		{ [ -e "$PF_MAINCF" ] && sed -n 's/^  //p' "$PF_MAINCF"; [ -n "$2" ] && echo "$2"; } |
			while read -r _d; do [ "$_d" != "$1" ] && [ -d "$_d" ] && echo "$_d"; done |
			sort -u > "$PF_MAINCF.senderauth"
		if [ -s "$PF_MAINCF.senderauth" ]; then
			{ echo "$PF_MARK"; echo "alternate_config_directories ="; sed 's/^/  /' "$PF_MAINCF.senderauth"; } > "$PF_MAINCF.senderauth.new" &&
				chmod 644 "$PF_MAINCF.senderauth.new" && mv -f "$PF_MAINCF.senderauth.new" "$PF_MAINCF"
		else
			rm -f "$PF_MAINCF"
		fi
		rm -f "$PF_MAINCF.senderauth" "$PF_MAINCF.senderauth.new"
	) 9< /etc/postfix
}
