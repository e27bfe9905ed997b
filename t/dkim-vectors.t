# dkim-vectors.t: every row of t/vectors/dkim/expected.tsv and of
# t/vectors/dkim-corpus/*/expected.tsv, through the dkimverify program
# against t/dnsd.py serving the row's zone (and dns-errors.tsv: names that
# time out or SERVFAIL).  A row passes when our result word is `expected`
# or one of `also_ok`.  DomainKeys rows (type DK) count like the others.
. "${SOURCE:-t}/lib.sh"
plan_lazy

right=0
rows=0
run_set() { # name dir
	_name=$1 _dir=$2
	for _zone in $(awk -F '\t' 'NR > 1 { print $10 }' "$_dir/expected.tsv" | sort -u); do
		if [ -f "$_dir/dns-errors.tsv" ]; then
			dnsd_start --zone "$_dir/$_zone" --errors "$_dir/dns-errors.tsv"
		else
			dnsd_start --zone "$_dir/$_zone"
		fi
		"$PY" "$SOURCE/data/dkim/vectors.py" --dkimverify "$BIN/dkimverify" \
		    --dir "$_dir" --zone "$_zone" --nameserver "127.0.0.1@$DNSD_PORT" \
		    --dns-timeout 0.5 --name "$_name" > "$T/rows" 2> "$T/rows.err"
		if [ ! -s "$T/rows" ]; then
			_tap_result 1 "$_name $_zone: vectors.py ran"
			sed 's/^/#   /' "$T/rows.err"
		fi
		while IFS='	' read -r _st _a _b; do
			case $_st in
			ok) _tap_result 0 "$_a" ;;
			fail) _tap_result 1 "$_a" ;;
			score) right=$((right + _a)); rows=$((rows + _b)) ;;
			esac
		done < "$T/rows"
		kill "$DNSD_PID" 2>/dev/null; wait "$DNSD_PID" 2>/dev/null; DNSD_PID=
	done
}

run_set dkim "$VECTORS/dkim"
for d in "$VECTORS"/dkim-corpus/*/; do
	d=${d%/}
	[ -f "$d/expected.tsv" ] && run_set "dkim-corpus/${d##*/}" "$d"
done
diag "score: $right of $rows rows right"
is "$rows" "$right" "every row right ($right of $rows)"
done_testing
