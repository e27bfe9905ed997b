# Options common to all programs (DESIGN.md "Common to all programs"):
# --help on stdout with exit 0, --usage, -V/--version, a bad option is a
# usage error (64) that reads nothing, and the DNS options where DNS is used.
. "${SOURCE:-t}/lib.sh"

progs="dkkeygen dkimsign dkimverify spfquery pra"
plan 83

for p in $progs; do
	run_status 0 "$p --help exits 0" "$BIN/$p" --help
	like "--version" "$(cat "$T/out")" "$p --help lists --version on stdout"
	run_status 0 "$p --usage exits 0" "$BIN/$p" --usage
	run_status 0 "$p -V exits 0" "$BIN/$p" -V
	like "^$p .*[0-9]+\.[0-9]+" "$(cat "$T/out")" "$p -V prints name and version"
	run_status 0 "$p --version exits 0" "$BIN/$p" --version
	# A usage error reads nothing: stdin is a message that must stay unread.
	printf 'From: a@example.com\n\nbody\n' > "$T/msg"
	"$BIN/$p" --no-such-option < "$T/msg" > "$T/out" 2> "$T/err"
	is 64 $? "$p: unknown option exits 64"
	like "^$p: " "$(head -1 "$T/err")" "$p: usage error names the program"
	is "" "$(cat "$T/out")" "$p: usage error writes nothing on stdout"
	# The cause and a pointer to --help, never the option table (it
	# buries the cause in an MTA's log: issue 10).
	is 2 "$(wc -l < "$T/err" | tr -d ' ')" "$p: usage error is two lines"
	is "Try '$p --help' for more information." "$(sed -n 2p "$T/err")" \
	    "$p: usage error's second line points at --help"
	case $p in
	dkkeygen|dkimverify|spfquery|pra)
		"$BIN/$p" --dns-timeout=abc < "$T/msg" > "$T/out" 2> "$T/err"
		is 64 $? "$p: bad --dns-timeout is a usage error"
		for b in 0 -2 abc; do
			"$BIN/$p" --dns-budget=$b < "$T/msg" > "$T/out" 2> "$T/err"
			is 64 $? "$p: --dns-budget=$b is a usage error"
		done
		"$BIN/$p" --help | grep -q -- '--dns-budget=SECONDS'
		is 0 $? "$p: --help lists --dns-budget"
		"$BIN/$p" --nameserver=300.1.2.3@53 < "$T/msg" > "$T/out" 2> "$T/err"
		is 64 $? "$p: malformed --nameserver is a usage error" ;;
	*)
		"$BIN/$p" -v -q --help > /dev/null 2>&1
		is 0 $? "$p: -v and -q accepted" ;;
	esac
done

# authcheck too: the cause, then a pointer to --help.
"$BIN/authcheck" --no-such-option < "$T/msg" > "$T/out" 2> "$T/err"
is 64 $? "authcheck: unknown option exits 64"
like "^authcheck: .*no-such-option" "$(head -1 "$T/err")" "authcheck: usage error names the program and the cause"
is "Try 'authcheck --help' for more information." "$(sed -n 2p "$T/err")" \
    "authcheck: usage error's second line points at --help"
