# guides-cron.t: docs/guides/cron.md's nightly report, taken from the guide
# as it is and run in cron's environment (env -i, PATH=/usr/bin:/bin, where
# Debian's python3-dkim has its own dkimverify) over a Maildir of 3,000
# messages: the one summary line mailed adds up (issue 10 item 4: xargs and
# tail -n 1 reported 1,453 of 3,000).
. "${SOURCE:-t}/lib.sh"
plan_lazy

G=$SOURCE/../docs/guides
K=$VECTORS/dkim/keys
D=football.example.com

# block FILE SECTION: the first ``` block after the "## SECTION" heading.
block() {
	awk -v s="## $2" '
		$0 == s { insec = 1; next }
		insec && /^```/ { if (inblk) exit; inblk = 1; next }
		inblk { print }' "$1"
}

line=$(block "$G/cron.md" "Nightly report" | grep -v '^#' | grep .)
is 1 "$(printf '%s\n' "$line" | wc -l | tr -d ' ')" "cron.md: one crontab line"
unlike 'xargs' "$line" "... no xargs (it splits the batch, one summary per run)"
# the command: fields 6 on, with cron's \% unescaped (crontab(5))
cmd=$(printf '%s\n' "$line" | sed 's/^[^ ]* [^ ]* [^ ]* [^ ]* [^ ]* //; s/\\%/%/g')
like '^find ' "$cmd" "... the command after the five time fields"
like '/usr/local/bin/dkimverify --files-from=- --null' "$cmd" "... dkimverify by its absolute path, names from find"

# The installed programs and mail(1), at absolute paths of their own: a
# DNS zone instead of the network, a file instead of the postmaster.
mkdir -p "$T/bin" "$T/home/Maildir/cur" "$T/home/Maildir/new" "$T/home/Maildir/tmp"
printf '#!/bin/sh\nexec "%s" --dns-zone="%s" --nameserver=127.0.0.1@1 --dns-timeout=1 "$@"\n' \
    "$BIN/dkimverify" "$VECTORS/dkim/zone.txt" > "$T/bin/dkimverify"
printf '#!/bin/sh\n{ echo "mail $*"; cat; } > "%s/mailed"\n' "$T" > "$T/bin/mail"
chmod +x "$T/bin/dkimverify" "$T/bin/mail"
run=$(printf '%s\n' "$cmd" | sed "s|/usr/local/bin/dkimverify|$T/bin/dkimverify|g; s|/usr/bin/mail|$T/bin/mail|g")
unlike '(^|[ |])(dkimverify|authcheck|spfquery) ' "$run" "... no program left to PATH"

# 3,000 messages: pass, tampered (fail), unsigned (none), not a message,
# and unreadable (mode 000 and not a message, so it counts as unreadable
# whether or not the test runs as root).
body='From: Joe <joe@football.example.com>\nTo: Suzie <suzie@shopping.example.net>\nSubject: cron\n\nHi.\n'
printf "$body" | "$BIN/dkimsign" -q -d $D -s test -k "$K/rfc8463-test.private" > "$T/pass.eml"
$PY - "$T" <<'EOPY'
import sys
t = sys.argv[1]
good = open(t + "/pass.eml", "rb").read()
kinds = [good, good.replace(b"Hi.", b"Hi!"),
         good[good.index(b"From: Joe"):], b"not a header line\n\nbody\n",
         b"not a header line either\n"]
for i in range(3000):
    sub = "cur" if i % 3 else "new"
    name = "%s/home/Maildir/%s/17000%05d.M%dP%d.host%s" % (
        t, sub, i, i, i, ":2,S" if sub == "cur" else "")
    open(name, "wb").write(kinds[i % 5])
EOPY
chmod 000 "$T"/home/Maildir/*/17000*4.* "$T"/home/Maildir/*/17000*9.*
# a message still being delivered is not counted
printf "$body" > "$T/home/Maildir/tmp/17000999999.M1P1.host"
ok "... 3,000 files in the Maildir" test 3000 -eq "$(find "$T/home/Maildir/cur" "$T/home/Maildir/new" -type f | wc -l)"

env -i HOME="$T/home" LOGNAME=cron SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c "$run" > "$T/out" 2> "$T/err"
ok "the job ran, nothing on its stdout or stderr (cron would mail it)" test ! -s "$T/out" -a ! -s "$T/err"
sed 's/^/#   /' "$T/err" | head -3
is 'mail -s DKIM summary postmaster' "$(sed -n 1p "$T/mailed")" "postmaster got one mail"
summary=$(sed -n 2p "$T/mailed")
is "3000 messages: 600 pass, 600 fail, 600 none, 0 temperror, 1200 unreadable" "$summary" \
    "... its summary: every file counted once"
is 2 "$(wc -l < "$T/mailed" | tr -d ' ')" "... the summary line alone"
n=$(echo "$summary" | sed 's/ messages:.*//')
sum=$(echo "$summary" | sed 's/^[0-9]* messages: //' | tr ',' '\n' | awk '{ s += $1 } END { print s }')
is "$n" "$sum" "... N = pass + fail + none + temperror + unreadable"

done_testing
