# Every long option a program lists in --help appears in its man page, and
# every man page has an EXIT STATUS section and passes mandoc's lint.
. "${SOURCE:-t}/lib.sh"

plan_lazy
docs=$SOURCE/../docs
for p in dkkeygen dkimsign dkimverify spfquery pra authcheck; do
	page=$docs/$p.1
	ok "$p.1 exists" test -f "$page"
	ok "$p.1 has EXIT STATUS" grep -q '^\.Sh EXIT STATUS' "$page"
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -Tlint -Wwarning "$page" > "$T/lint" 2>&1
		ok "$p.1 passes mandoc -Tlint" test ! -s "$T/lint"
		[ -s "$T/lint" ] && sed 's/^/#   /' "$T/lint" | head -10
	fi
	"$BIN/$p" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u > "$T/opts"
	ok "$p --help lists options" test -s "$T/opts"
	while read -r opt; do
		case $opt in --help|--usage) continue ;; esac
		name=${opt#--}
		# mdoc writes options as ".Fl -name" (or "Fl \-name").
		if grep -Eq -- "Fl (\\\\)?-$name([^a-z0-9-]|\$)" "$page"; then
			_tap_result 0 "$p.1 documents $opt"
		else
			_tap_result 1 "$p.1 documents $opt"
		fi
	done < "$T/opts"
done
done_testing
