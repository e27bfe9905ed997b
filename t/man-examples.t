# Every EXAMPLES block of every man page (docs/*.1), run as written
# (issue 10: "dkimverify --dns-zone=sel.txt" said "key not found").
# t/man-examples.py extracts the commands (.Bd -literal blocks and .Dl
# lines of the EXAMPLES section; "$ " prompts, continuation lines, the
# output shown).  Each page runs in its own directory with fixtures: a
# message (msg, message.eml, in), a key "sel" made by dkkeygen and a
# message signed with it (signed, old-msg with a DomainKey-Signature),
# the zone files the pages show, HOME with a Maildir.  The network is
# never used: the DNS programs are wrappers that add --nameserver for
# t/dnsd.py, which serves example.com's SPF, MX and A records and every
# key record (SELECTOR.txt, with its $ORIGIN) in the directory: a key an
# example made is "published" before the next command.  Asserted for
# each command: it runs (not 64, a usage error, nor 126/127, nor a
# timeout), exits 0 when the page shows its output or it checks against
# a --dns-zone, and the shown output's first word matches.
. "${SOURCE:-t}/lib.sh"

plan_lazy
DOCS=$SOURCE/../docs

mkdir "$T/bin"
for p in dkimverify dkkeygen spfquery pra authcheck; do
	printf '#!/bin/sh\nexec "%s" --nameserver=127.0.0.1@"$(cat "%s")" --dns-timeout=2 "$@"\n' \
	    "$BIN/$p" "$T/dnsd.port" > "$T/bin/$p"
	chmod +x "$T/bin/$p"
done
printf '#!/bin/sh\nexec "%s" "$@"\n' "$BIN/dkimsign" > "$T/bin/dkimsign"
chmod +x "$T/bin/dkimsign"

cat > "$T/base.zone" <<'Z'
$ORIGIN example.com.
@	IN	TXT	"v=spf1 a mx include:_spf.example.net -all"
@	IN	MX	10 mail.example.com.
@	IN	A	192.0.2.1
mail	IN	A	192.0.2.1
mail	IN	A	192.0.2.11
_dmarc	IN	TXT	"v=DMARC1; p=none"
$ORIGIN example.net.
_spf	IN	TXT	"v=spf1 ip4:198.51.100.0/24 -all"
Z

# (Re)start dnsd with the base zone and every key record in directory $1.
serve() {
	if [ -n "${DNSD_PID:-}" ]; then kill "$DNSD_PID"; wait "$DNSD_PID" 2>/dev/null; fi
	cat "$T/base.zone" > "$T/served.zone"
	for f in "$1"/*.txt; do
		[ -f "$f" ] && head -n 1 "$f" | grep -q '^\$ORIGIN ' && cat "$f" >> "$T/served.zone"
	done
	dnsd_start --zone "$T/served.zone"
}

fixtures() { # DIR
	mkdir -p "$1/Maildir/cur" "$1/Maildir/new" "$1/etc-dkim"
	printf 'From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: hi\nDate: Thu, 3 Dec 2026 10:00:00 +0000\nMessage-ID: <1@example.com>\n\nHello.\n' > "$1/msg"
	cp "$1/msg" "$1/message.eml"; cp "$1/msg" "$1/in"
	(cd "$1" && "$BIN/dkkeygen" -d example.com -s sel >/dev/null &&
	    "$BIN/dkkeygen" -d example.com -s rsa2025 -D etc-dkim >/dev/null &&
	    "$BIN/dkkeygen" -d example.com -s ed2025 -t ed25519 -D etc-dkim >/dev/null &&
	    "$BIN/dkimsign" -d example.com -s sel -k sel.private < msg > signed &&
	    "$BIN/dkimsign" -d example.com -s sel -k sel.private --domainkeys < msg > old-msg)
	cp "$1/signed" "$1/Maildir/cur/1:2,S"; cp "$1/signed" "$1/Maildir/new/2"
	# old-msg: the DomainKey-Signature alone (drop the DKIM-Signature).
	awk '/^DKIM-Signature:/ { d = 1; next } d && /^[ \t]/ { next } { d = 0; print }' \
	    "$1/old-msg" > "$1/old-msg.dk" && mv "$1/old-msg.dk" "$1/old-msg"
	# dkimverify(1)'s "msg" is a message to verify: a signed one.
	case $1 in *dkimverify.1) cp "$1/signed" "$1/msg" ;; esac
	{ cat "$1/sel.txt"; sed -n '1,/^$/!p' "$T/base.zone"; cat "$T/base.zone"; } > "$1/example.com.zone"
}

"$PY" "$SOURCE/man-examples.py" "$DOCS"/*.1 > "$T/examples" || echo "Bail out! man-examples.py failed"
ok "examples found in every page" test "$(cut -f1 "$T/examples" | sort -u | wc -l)" -eq "$(ls "$DOCS"/*.1 | wc -l)"

while IFS='	' read -r page n cmd want; do
	W=$T/w-$page
	[ -d "$W" ] || fixtures "$W"
	cmd=$(printf '%b' "$cmd" | sed 's|/etc/dkim/|etc-dkim/|g')
	want=$(printf '%b' "$want")
	# "$ cat FILE" followed by its content: the page shows a file to make.
	case $cmd in
	"cat "*) printf '%s\n' "$want" > "$W/${cmd#cat }" ;;
	esac
	serve "$W"
	(cd "$W" && HOME=$W PATH=$T/bin:$PATH CLIENT_IP=192.0.2.1 HELO=mail.example.com \
	    timeout 60 sh -c "$cmd" < "$W/msg" > "$T/out" 2> "$T/err")
	st=$?
	d="$page example $n ($(printf '%s' "$cmd" | head -n 1 | cut -c1-50))"
	ok "$d: runs (exit $st)" test $st -ne 64 -a $st -ne 126 -a $st -ne 127 -a $st -ne 124 ||
	    sed 's/^/#   /' "$T/err" | head -3
	# Offline checks against the fixtures (--dns-zone) are deterministic:
	# the pages show them to give a pass.
	case $cmd in
	*--dns-zone=*) [ -n "$want" ] || is 0 "$st" "$d: --dns-zone: exit 0" ;;
	esac
	if [ -n "$want" ]; then
		is 0 "$st" "$d: exit 0"
		is "$(printf '%s\n' "$want" | head -n 1 | awk '{print $1}')" \
		    "$(head -n 1 "$T/out" | awk '{print $1}')" "$d: output as shown"
	fi
done < "$T/examples"

done_testing
