# spfquery --filter: Received-SPF (and with -A Authentication-Results)
# prepended, every input byte kept, the sender from Return-Path unless -s,
# exit 0 whatever the verdict, the message copied unchanged when the check
# cannot be done.
. "${SOURCE:-t}/lib.sh"

plan_lazy
dnsd_start --json "$SOURCE/data/spf/query.json"
D=$SOURCE/data/spf

f() {
	"$BIN/spfquery" "$NS" --dns-timeout=1 --filter "$@"
}

# --- LF message, sender from Return-Path
run_status 0 "filter: exit 0 on pass" f -i 192.0.2.7 -H mx.example.net < "$D/msg-lf.eml"
like '^Received-SPF: pass ' "$(head -1 "$T/out")" "Received-SPF is the first field"
like 'envelope-from="user@pass\.example\.com"' "$(sed -n '1,/^[^ 	]/p' "$T/out" | tr -d '\n')" "the sender came from Return-Path"
n=$(grep -c '' "$D/msg-lf.eml")
tail -n "$n" "$T/out" > "$T/rest"
same_file "$D/msg-lf.eml" "$T/rest" "the message follows unchanged"
ok "added lines are at most 78 columns" test "$(head -n $(($(grep -c '' "$T/out") - n)) "$T/out" | awk 'length > 78' | wc -l)" -eq 0
unlike "$(printf '\r')" "$(head -n $(($(grep -c '' "$T/out") - n)) "$T/out")" "LF input: added field uses LF"

# -s overrides Return-Path; a fail verdict still exits 0
run_status 0 "filter: exit 0 on fail too" f -i 192.0.2.7 -s user@noexp.example.com < "$D/msg-lf.eml"
like '^Received-SPF: fail ' "$(head -1 "$T/out")" "-s overrides Return-Path"

# --- -A: Authentication-Results
f -i 192.0.2.7 -H mx.example.net -A mybox.example.org < "$D/msg-lf.eml" > "$T/out"
hdr=$(sed -n '1,/^From:/p' "$T/out" | sed '$d' | tr -d '\n' | tr -s ' \t' '  ')
like '^Received-SPF: pass ' "$hdr" "-A: Received-SPF still added"
like 'Authentication-Results: mybox\.example\.org; *spf=pass smtp\.mailfrom=user@pass\.example\.com smtp\.helo=mx\.example\.net' "$hdr" "-A: spf=RESULT smtp.mailfrom= smtp.helo="
tail -n "$n" "$T/out" > "$T/rest"
same_file "$D/msg-lf.eml" "$T/rest" "-A: the message follows unchanged"

# --- CRLF message with an mbox From line
run_status 0 "CRLF + mbox: exit 0" f -i 192.0.2.7 -H mx.example.net -A mybox.example.org < "$D/msg-crlf-mbox.eml"
like '^From user@pass\.example\.com ' "$(head -1 "$T/out")" "the mbox From line stays first"
like '^Received-SPF: fail ' "$(sed -n 2p "$T/out")" "then Received-SPF (from Return-Path: fail.example.com)"
ok "every added line ends in CRLF" test "$(sed -n '2,/^Return-Path/p' "$T/out" | sed '$d' | grep -vc "$(printf '\r')\$")" -eq 0
tail -n 5 "$T/out" > "$T/rest"
tail -n 5 "$D/msg-crlf-mbox.eml" > "$T/orig"
same_file "$T/orig" "$T/rest" "the header and body follow unchanged"

# --- Return-Path: <> is the null sender: postmaster@HELO
run_status 0 "Return-Path: <>" f -i 192.0.2.10 -H mail.example.com < "$D/msg-null.eml"
like '^Received-SPF: pass .*postmaster@mail\.example\.com' "$(sed -n '1,/^Return-Path/p' "$T/out" | tr -d '\n')" "the null sender checks postmaster@HELO"

# --- Return-Path spellings (RFC 5321 4.4 / RFC 5322 3.6.7): comments,
# folding, no angle brackets, a source route, "<>" with comments
rp() { # RETURN-PATH-FIELD-BODY: the envelope-from= the filter found
	printf 'Return-Path:%s\nFrom: a@b.example\n\nx\n' "$1" |
	    f -i 192.0.2.7 -H mx.example.net | sed -n '1,/^Return-Path:/p' |
	    tr -d '\n' | sed -E -n 's/.*envelope-from=("[^"]*"|[^;]*);.*/\1/p'
}
is '"user@pass.example.com"' "$(rp ' (bounces) <user@pass.example.com> (x)')" "Return-Path with comments"
is '"user@pass.example.com"' "$(rp "$(printf '\n <user@pass.example.com>')")" "folded Return-Path"
is '"user@pass.example.com"' "$(rp ' user@pass.example.com')" "Return-Path without angle brackets"
is '"user@pass.example.com"' "$(rp ' <@relay.example.net:user@pass.example.com>')" "Return-Path with a source route"
is '""' "$(rp ' (c) <> (d)')" "Return-Path <> with comments: the null sender"
printf 'Return-Path: <user@fail.example.com>\nReturn-Path: <user@pass.example.com>\nFrom: a@b.example\n\nx\n' |
    f -i 192.0.2.7 -H mx.example.net > "$T/out"
like '^Received-SPF: fail ' "$(head -1 "$T/out")" "the topmost Return-Path is used"

# --- -A with a null sender: smtp.mailfrom is postmaster@HELO (RFC 7208 2.4)
f -i 192.0.2.10 -H mail.example.com -A mybox.example.org < "$D/msg-null.eml" > "$T/out"
like 'spf=pass smtp\.mailfrom=postmaster@mail\.example\.com smtp\.helo=mail\.example\.com' \
    "$(sed -n '1,/^Return-Path/p' "$T/out" | tr -d '\n' | tr -s ' \t' '  ')" "-A, null sender: smtp.mailfrom=postmaster@HELO"
f --scope=helo -i 192.0.2.10 -H mail.example.com -A mybox.example.org < "$D/msg-noreturnpath.eml" > "$T/out"
hdr=$(sed -n '1,/^From:/p' "$T/out" | tr -d '\n' | tr -s ' \t' '  ')
like 'spf=pass smtp\.helo=mail\.example\.com' "$hdr" "-A, --scope=helo: smtp.helo"
unlike 'smtp\.mailfrom' "$hdr" "-A, --scope=helo: no smtp.mailfrom"

# --- --scope=helo needs no sender
run_status 0 "--scope=helo without Return-Path" f --scope=helo -i 192.0.2.10 -H mail.example.com < "$D/msg-noreturnpath.eml"
like 'identity=helo' "$(sed -n '1,/^From:/p' "$T/out" | tr -d '\n')" "identity=helo"

# --- a temporary DNS error: try again later (75), the message unchanged
run_status 75 "temperror: exit 75" f -i 192.0.2.7 -s user@temperror.example.com < "$D/msg-lf.eml"
same_file "$D/msg-lf.eml" "$T/out" "temperror: the message is copied unchanged"
like '^spfquery: temporary error: .*servfail\.example\.com' "$(cat "$T/err")" "temperror: one line on stderr says why"
run_status 75 "DNS timeout: exit 75" f -i 192.0.2.7 -s user@timeout.example.com < "$D/msg-lf.eml"
same_file "$D/msg-lf.eml" "$T/out" "DNS timeout: the message is copied unchanged"

# --- nothing is lost when the check cannot be done
run_status 65 "no Return-Path and no -s: exit 65" f -i 192.0.2.7 < "$D/msg-noreturnpath.eml"
same_file "$D/msg-noreturnpath.eml" "$T/out" "... and the message is copied unchanged"
like '^spfquery: .*Return-Path' "$(cat "$T/err")" "... and says why in one line"
printf 'this is not\na message\n' > "$T/bad"
run_status 65 "not a message: exit 65" f -i 192.0.2.7 -s user@pass.example.com < "$T/bad"
same_file "$T/bad" "$T/out" "... copied unchanged"
: > "$T/empty"
run_status 65 "empty input: exit 65" f -i 192.0.2.7 -s user@pass.example.com < "$T/empty"
is "" "$(cat "$T/out")" "... nothing written"
printf 'Return-Path: not an address(\nFrom: x@y.example\n\nb\n' > "$T/badrp"
run_status 65 "unparsable Return-Path: exit 65" f -i 192.0.2.7 < "$T/badrp"
same_file "$T/badrp" "$T/out" "... copied unchanged"

# --- an unusable zone file: 78, message unchanged
run_status 78 "unreadable --dns-zone: exit 78" "$BIN/spfquery" --dns-zone="$T/no-such-zone" --filter -i 192.0.2.7 < "$D/msg-lf.eml"
same_file "$D/msg-lf.eml" "$T/out" "unreadable --dns-zone: the message is copied unchanged"

# --- a usage error reads nothing
run_status 64 "bad --ip with --filter: exit 64" f -i nope < "$D/msg-lf.eml"
is "" "$(cat "$T/out")" "... and writes nothing"

done_testing
