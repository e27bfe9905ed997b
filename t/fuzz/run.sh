#!/bin/sh
# Build the libFuzzer harnesses in t/fuzz/ against common/*.c with clang
# (-fsanitize=fuzzer,address,undefined) and run each for SECONDS seconds.
#
# usage: t/fuzz/run.sh [-b] [SECONDS [MODULE...]]
#   -b        build only
#   SECONDS   time per harness (default 60)
#   MODULE    msg addr taglist canon crypto result spf pra dkim dns dmarc
#             (default: all)
# environment:
#   FUZZ_DIR    build and work directory (default /tmp/fuzz-senderauth)
#   CONFIG_H    a configured build's config.h (default: configure once,
#               out of tree, in $FUZZ_DIR/build)
#   FUZZ_CC     the compiler (default clang; needs libFuzzer)
#   FUZZ_FLAGS  extra libFuzzer flags
#
# One harness at a time, each as one job (-jobs=1: a child process whose
# output libFuzzer copies into $FUZZ_DIR/MODULE.log), with a 5 s per-input
# timeout (a hang is a bug for a mail filter), a 2 GiB RSS limit and
# -max_len=65536, from the seed corpus t/fuzz/corpus/MODULE plus the corpus
# kept in $FUZZ_DIR/corpus-MODULE (new inputs go there, never into t/).
# Crashes, hangs and leaks are written to $FUZZ_DIR/MODULE-crash-* (or
# -timeout-*, -leak-*, -oom-*); the script exits 1 when any harness found
# one.  To replay one: $FUZZ_DIR/fuzz-MODULE FILE.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build_only=0
if [ "${1-}" = "-b" ]; then
	build_only=1
	shift
fi
secs=${1:-60}
[ $# -gt 0 ] && shift
modules=${*:-msg addr taglist canon crypto result spf pra dkim dns dmarc}
FUZZ_DIR=${FUZZ_DIR:-/tmp/fuzz-senderauth}
CC=${FUZZ_CC:-clang}
mkdir -p "$FUZZ_DIR"

if [ -z "${CONFIG_H-}" ]; then
	CONFIG_H=$FUZZ_DIR/build/config.h
	if [ ! -f "$CONFIG_H" ]; then
		mkdir -p "$FUZZ_DIR/build"
		(cd "$FUZZ_DIR/build" && CC=$CC "$top/configure" -q)
	fi
fi

srcs() {
	dns='dns.c dns_net.c dns_spec.c dns_zone.c'
	case $1 in
	msg) echo msg.c result.c addr.c lex.c util.c ;;
	addr) echo addr.c lex.c util.c ;;
	taglist) echo taglist.c lex.c util.c ;;
	canon) echo canon.c util.c ;;
	crypto) echo crypto.c util.c ;;
	result) echo result.c addr.c msg.c lex.c util.c ;;
	spf) echo spf.c spf_parse.c spf_macro.c spf_lint.c $dns result.c \
	    addr.c msg.c lex.c util.c ;;
	pra) echo pra.c spf.c spf_parse.c spf_macro.c spf_lint.c $dns \
	    result.c addr.c msg.c lex.c util.c ;;
	dkim) echo dkim_base.c dkim_sign.c dkim_sig.c dkim_key.c \
	    dkim_verify.c dk.c dk_verify.c canon.c taglist.c crypto.c hashq.c $dns \
	    result.c addr.c msg.c lex.c util.c ;;
	dns) echo $dns util.c ;;
	dmarc) echo dmarc.c received.c $dns result.c addr.c msg.c lex.c util.c ;;
	*) echo "run.sh: unknown module $1" >&2; exit 64 ;;
	esac
}

libs="$(pkg-config --cflags --libs gnutls ldns popt) -pthread"
status=0
for m in $modules; do
	files=
	for f in $(srcs "$m"); do
		files="$files $top/common/$f"
	done
	bin=$FUZZ_DIR/fuzz-$m
	# shellcheck disable=SC2086
	$CC -g -O1 -fno-omit-frame-pointer \
	    -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined \
	    -include "$CONFIG_H" -I"$top" -I"$(dirname "$CONFIG_H")" \
	    -o "$bin" "$here/fuzz-$m.c" $files $libs
	[ "$build_only" = 1 ] && continue
	mkdir -p "$FUZZ_DIR/corpus-$m"
	echo "run.sh: fuzzing $m for ${secs}s" >&2
	# shellcheck disable=SC2086
	if ! (cd "$FUZZ_DIR" && \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "$bin" -max_total_time="$secs" -jobs=1 -timeout=5 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$FUZZ_DIR/$m-" ${FUZZ_FLAGS-} \
	    "$FUZZ_DIR/corpus-$m" "$here/corpus/$m" \
	    >"$FUZZ_DIR/$m.log" 2>&1); then
		echo "run.sh: $m: FAILED, see $FUZZ_DIR/$m.log" >&2
		status=1
	fi
	tail -n 12 "$FUZZ_DIR/$m.log" >&2
done
exit $status
