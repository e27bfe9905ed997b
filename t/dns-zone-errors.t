# --dns-zone=FILE that cannot be used is one kind of error with one exit
# status in every DNS program: 78 (EX_CONFIG, DESIGN "a key or setting is
# unusable").  The zone file is configuration, like --nameserver, not the
# input being checked; and an MTA defers on 78 (Postfix: 4.3.5) where it
# would bounce on 66.  dkkeygen --check used to exit 66 or 64 (issue 10).
# Missing, unparsable and a directory (which used to hang: reads fail with
# EISDIR and never reach EOF); the filters still copy the message.
. "${SOURCE:-t}/lib.sh"

plan 38

NS="--nameserver=127.0.0.1@1 --dns-timeout=1"
printf 'From: a@example.com\nSubject: z\n\nbody\n' > "$T/msg"
printf 'x.example.com. IN BOGUS foo\n' > "$T/bad.zone"
mkdir "$T/dir.zone"
(cd "$T" && "$BIN/dkkeygen" -d example.com -s sel >/dev/null 2>&1)

prog() { # NAME ZONE: run NAME's DNS mode with --dns-zone=ZONE
	_p=$1; _z=$2
	case $_p in
	dkkeygen) timeout 20 "$BIN/dkkeygen" $NS --dns-zone="$_z" --check \
	    -d example.com -s sel -k "$T/sel.private" ;;
	dkimverify) timeout 20 "$BIN/dkimverify" $NS --dns-zone="$_z" < "$T/msg" ;;
	spfquery) timeout 20 "$BIN/spfquery" $NS --dns-zone="$_z" -i 192.0.2.1 \
	    -s a@example.com ;;
	pra) timeout 20 "$BIN/pra" $NS --dns-zone="$_z" -i 192.0.2.1 < "$T/msg" ;;
	authcheck) timeout 20 "$BIN/authcheck" $NS --dns-zone="$_z" -i 192.0.2.1 \
	    -s a@example.com < "$T/msg" ;;
	esac
}

for p in dkkeygen dkimverify spfquery pra authcheck; do
	for z in "$T/missing.zone" "$T/bad.zone" "$T/dir.zone"; do
		n=${z##*/}
		run_status 78 "$p --dns-zone=$n: exit 78" prog $p "$z"
		like "^$p: .*$n" "$(head -1 "$T/err")" "$p --dns-zone=$n: names the file"
	done
done

# Filters: nothing is lost, whatever the zone file's problem.
for p in dkimverify spfquery pra authcheck; do
	case $p in
	spfquery) set -- -i 192.0.2.1 -s a@example.com ;;
	pra) set -- -i 192.0.2.1 ;;
	authcheck) set -- -i 192.0.2.1 -s a@example.com ;;
	*) set -- ;;
	esac
	run_status 78 "$p --filter, unparsable zone: exit 78" timeout 20 \
	    "$BIN/$p" $NS --dns-zone="$T/bad.zone" --filter "$@" < "$T/msg"
	same_file "$T/msg" "$T/out" "$p --filter, unparsable zone: message copied"
done
# Keep the plan honest: 5 programs x 3 zones x 2 + 4 filters x 2 = 38.
