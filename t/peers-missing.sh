#!/bin/sh
# t/peers-missing.sh DIR: the last line of `make check` (check-local in
# Makefile.am).  Outside CI a test file whose peer tool is missing is
# skipped whole ("1..0 # SKIP"), which automake counts as a SKIP among
# many, easy to miss in a green run.  need_peers (t/lib.sh) writes the
# missing names to DIR/FILE; this prints one line naming every one of them
# (and the files skipped), or nothing when no peer was missing.
dir=${1:?usage: peers-missing.sh DIR}
[ -d "$dir" ] || exit 0
set -- "$dir"/*
[ -f "$1" ] || exit 0
peers=$(cat "$@" | LC_ALL=C sort -u | sed '/^$/d' | tr '\n' ',' | sed 's/,$//; s/,/, /g')
files=$(for f in "$@"; do printf '%s.t ' "${f##*/}"; done | sed 's/ $//')
[ -n "$peers" ] || exit 0
echo "make check: peers missing, interop skipped: $peers (in $files)"
