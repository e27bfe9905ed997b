# dkimverify-pipe.t: dkimverify and authcheck without --filter read a piped
# message in one pass: the body goes from the pipe to the hash and nothing
# is spooled to disk (before: everything past the first MiB was written to
# a temporary file).  Measured with the kernel's count of bytes a process
# has written (/proc/PID/io "wchar"), read while the writer still holds the
# pipe open, so the result line (written after EOF) is not counted.
. "${SOURCE:-t}/lib.sh"
plan_lazy

K=$VECTORS/dkim/keys
D=football.example.com
ZONE=$VECTORS/dkim/zone.txt

# 4 MiB of body, signed
{
	printf 'From: Joe <joe@football.example.com>\r\nSubject: pipe\r\n\r\n'
	"$PY" -c '
import sys
line = b"a line of text with single spaces and two at the end  \r\n"
sys.stdout.buffer.write(line * (4 * 1024 * 1024 // len(line)))
'
} | "$BIN/dkimsign" -d $D -s test -k "$K/rfc8463-test.private" > "$T/big.signed"
is 0 $? "a 4 MiB message signs"

# wchar PROGRAM ARGS...: run it on a FIFO fed with big.signed; print the
# bytes it had written once all input was in the pipe, or "?"
wchar() {
	rm -f "$T/fifo"
	mkfifo "$T/fifo" || return 1
	"$@" < "$T/fifo" > "$T/out" 2> "$T/err" &
	_pid=$!
	exec 3> "$T/fifo"
	cat "$T/big.signed" >&3
	sleep 1 # let it take the last 64 KiB of the pipe
	_w='?'
	if [ -r "/proc/$_pid/io" ]; then
		while read -r _k _v; do
			[ "$_k" = "wchar:" ] && _w=$_v
		done < "/proc/$_pid/io"
	fi
	exec 3>&-
	wait $_pid
	_st=$?
	echo "$_w"
	return $_st
}

w=$(wchar "$BIN/dkimverify" --dns-zone=$ZONE --nameserver=127.0.0.1@1)
is 0 $? "dkimverify from a pipe: exit 0"
like '^dkim=pass header.d=football.example.com' "$(cat "$T/out")" "... dkim=pass"
if [ "$w" = '?' ]; then
	skip "/proc/PID/io not readable here"
else
	ok "dkimverify from a pipe writes nothing while reading 4 MiB ($w bytes)" test "$w" -lt 65536
fi

w=$(wchar "$BIN/authcheck" --dns-zone=$ZONE --nameserver=127.0.0.1@1 --dns-timeout=1 -i 192.0.2.1 -H mail.football.example.com -s joe@football.example.com)
like 'DKIM check: pass' "$(cat "$T/out")" "authcheck from a pipe: DKIM check: pass"
if [ "$w" = '?' ]; then
	skip "/proc/PID/io not readable here"
else
	ok "authcheck from a pipe writes nothing while reading 4 MiB ($w bytes)" test "$w" -lt 65536
fi

# --filter must still copy the whole message out: it spools
cat "$T/big.signed" | "$BIN/dkimverify" --dns-zone=$ZONE --nameserver=127.0.0.1@1 --filter > "$T/filtered"
is 0 $? "--filter from a pipe: exit 0"
tail -c "$(wc -c < "$T/big.signed")" "$T/filtered" | cmp -s - "$T/big.signed"
is 0 $? "... the whole message follows the added field"

# an unsigned piped message: dkimverify needs no body, yet it reads the
# input to its end, so the writer is not cut off with EPIPE (the exit
# status of a pipeline's writer counts in a shell, and in an MTA's pipe)
"$PY" -c '
import subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
try:
    p.stdin.write(b"From: a@example.com\n\n" + b"z" * 4000000)
    p.stdin.close()
except BrokenPipeError:
    sys.exit(3)
sys.exit(0 if p.wait() == 2 else 1)' "$BIN/dkimverify" --dns-zone=$ZONE --nameserver=127.0.0.1@1
is 0 $? "unsigned 4 MB message from a pipe: exit 2, the whole input read (no EPIPE for the writer)"

done_testing
