/*
 * msg-t: the message reader (common/msg.c): header indexing, LF/CRLF,
 * mbox lines, folding, malformed and hostile input, byte-exact output,
 * and flat memory for 100 MiB messages from a pipe and from a file.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/msg.h"
#include "common/util.h"
#include "t/tap/basic.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif

/* Peak resident set allowed while reading a 100 MiB message. */
#define RSS_LIMIT_KIB (32 * 1024)
#define BIG_BODY ((uint64_t)100 * 1024 * 1024)

static char tmpdir[4096];

/* ------------------------------------------------------------ helpers */

/* Everything msg_write_all() (or, with chunks, msg_input_chunk() from
 * offset 0) gives. */
static char *
capture(struct msg *m, bool chunks, size_t *len, int *rc)
{
	char *data = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&data, &n);
	const char *p;
	uint64_t off = 0;
	long r;

	if (f == NULL)
		bail("open_memstream: %s", strerror(errno));
	if (!chunks)
		*rc = msg_write_all(m, f);
	else {
		while ((r = msg_input_chunk(m, off, &p)) > 0) {
			if (r > MSG_CHUNK)
				break;
			fwrite(p, 1, (size_t)r, f);
			off += (uint64_t)r;
		}
		*rc = (int)r;
	}
	if (fclose(f) != 0)
		bail("fclose memstream");
	*len = n;
	return data;
}

/* The body as msg_body_next() gives it; *err set on a -1. */
static char *
body_of(struct msg *m, size_t *len, bool *err)
{
	struct buf b = BUF_INIT;
	const char *chunk;
	long r;

	*err = false;
	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0) {
		if (r > MSG_CHUNK)
			*err = true;
		buf_add(&b, chunk, (size_t)r);
	}
	if (r < 0)
		*err = true;
	*len = b.len;
	return buf_detach(&b);
}

/* Where the body starts: the input size less the bytes msg_body_next()
 * gives (the body runs to the end of the input); UINT64_MAX on a read
 * error.  The programs never need the offset itself, so msg.h has no
 * accessor for it. */
static uint64_t
body_offset(struct msg *m)
{
	const char *chunk;
	uint64_t n = 0;
	long r;

	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0)
		n += (uint64_t)r;
	return r < 0 || n > msg_size(m) ? UINT64_MAX : msg_size(m) - n;
}

/* Check msg_write_all() and the body against the input bytes. */
static void
check_roundtrip(struct msg *m, const char *in, size_t len, const char *what)
{
	size_t n;
	int rc;
	bool err;
	char *out = capture(m, false, &n, &rc);
	uint64_t bo = body_offset(m);

	is_int(0, rc, "%s: msg_write_all returns 0", what);
	is_blob(in, len, out, n, "%s: msg_write_all reproduces the input",
	        what);
	free(out);
	is_int((long long)len, (long long)msg_size(m), "%s: msg_size", what);
	ok(bo <= len, "%s: body offset within the input", what);
	out = body_of(m, &n, &err);
	ok(!err, "%s: body iteration without error", what);
	if (bo <= len)
		is_blob(in + bo, len - (size_t)bo, out, n,
		        "%s: body is the input after the body offset", what);
	else
		ok(0, "%s: body", what);
	free(out);
}

static struct msg *
mem_msg(const char *s, size_t len, enum msg_status *st)
{
	return msg_from_mem(s, len, st);
}

static bool
field_is(struct msg *m, size_t i, const char *name, const char *value,
         const char *raw)
{
	const struct msg_field *f = msg_field(m, i);

	return f != NULL && f->namelen == strlen(name) &&
	       memcmp(f->name, name, f->namelen) == 0 &&
	       f->valuelen == strlen(value) &&
	       memcmp(f->value, value, f->valuelen) == 0 &&
	       f->rawlen == strlen(raw) && memcmp(f->raw, raw, f->rawlen) == 0;
}

/* A pipe whose read end gets len bytes of data from a child process. */
static int
pipe_from(const char *data, size_t len, pid_t *pid)
{
	int fds[2];

	if (pipe(fds) < 0)
		bail("pipe: %s", strerror(errno));
	if ((*pid = fork()) < 0)
		bail("fork: %s", strerror(errno));
	if (*pid == 0) {
		size_t done = 0;
		ssize_t r;

		close(fds[0]);
		while (done < len) {
			/* Small, odd writes: the reader sees short reads. */
			size_t n = len - done < 7777 ? len - done : 7777;

			r = write(fds[1], data + done, n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				_exit(1);
			done += (size_t)r;
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* A temporary regular file holding prefix then data, positioned at the
 * start of data. */
static int
file_from(const char *prefix, const char *data, size_t len)
{
	char *path = xasprintf("%s/msg-t.XXXXXX", tmpdir);
	int fd = mkstemp(path);
	size_t plen = strlen(prefix);

	if (fd < 0)
		bail("mkstemp: %s", strerror(errno));
	unlink(path);
	free(path);
	if (write(fd, prefix, plen) != (ssize_t)plen ||
	    write(fd, data, len) != (ssize_t)len)
		bail("write: %s", strerror(errno));
	if (lseek(fd, (off_t)plen, SEEK_SET) < 0)
		bail("lseek");
	return fd;
}

static size_t
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return (size_t)-1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Deterministic pseudo-random bytes (xorshift32). */
static unsigned long rng = 2463534242u;
#define rnd() ((uint32_t)test_rand(&rng))

/* ------------------------------------------------------------ memory */

/* Body of the big messages: this 64-byte line, repeated. */
static const char pattern[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n";
#define PATLEN 64
static const char big_header[] =
    "From: a@example.com\nSubject: big\nTo: b@example.org\n\n";

static void
fill_pattern(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pattern[i % PATLEN];
}

/* In a child: read the big message from fd, check header and body
 * bytes, copy it to /dev/null.  Exit status says what failed. */
static void UTIL_NORETURN
big_reader(int fd)
{
	enum msg_status st;
	struct msg *m = msg_read_fd(fd, &st);
	const char *chunk;
	uint64_t pos = 0;
	long r;
	FILE *null;

	if (m == NULL)
		_exit(10);
	if (st != MSG_OK || msg_nfields(m) != 3 ||
	    body_offset(m) != sizeof big_header - 1)
		_exit(11);
	if (msg_size(m) != sizeof big_header - 1 + BIG_BODY)
		_exit(12);
	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0) {
		long i;

		for (i = 0; i < r; i++)
			if (chunk[i] != pattern[(pos + (uint64_t)i) % PATLEN])
				_exit(13);
		pos += (uint64_t)r;
	}
	if (r < 0 || pos != BIG_BODY)
		_exit(14);
	if ((null = fopen("/dev/null", "w")) == NULL ||
	    msg_write_all(m, null) != 0 || fclose(null) != 0)
		_exit(15);
	msg_free(m);
	_exit(0);
}

/* Run big_reader(fd) in a child; its exit status and peak RSS (KiB). */
static int
run_big_reader(int fd, long *maxrss)
{
	struct rusage ru;
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		bail("fork: %s", strerror(errno));
	if (pid == 0)
		big_reader(fd);
	close(fd);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			bail("wait4: %s", strerror(errno));
	*maxrss = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
check_rss(long maxrss, const char *what)
{
#ifdef UNDER_ASAN
	diag("%s: peak RSS %ld KiB (not checked under ASan)", what, maxrss);
	skip("RSS limit not checked under AddressSanitizer");
#else
	ok(maxrss > 0 && maxrss < RSS_LIMIT_KIB,
	   "%s: peak RSS %ld KiB < %d KiB", what, maxrss, RSS_LIMIT_KIB);
#endif
}

static void
test_memory_pipe(void)
{
	int fds[2];
	pid_t writer;
	long maxrss;
	int rc;

	if (pipe(fds) < 0)
		bail("pipe");
	fflush(stdout);
	if ((writer = fork()) < 0)
		bail("fork");
	if (writer == 0) {
		char *buf = xmalloc(MSG_CHUNK);
		uint64_t done = 0;

		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		fill_pattern(buf, MSG_CHUNK);
		if (write(fds[1], big_header, sizeof big_header - 1) < 0)
			_exit(1);
		while (done < BIG_BODY) {
			ssize_t r = write(fds[1], buf, MSG_CHUNK);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				_exit(1);
			/* Keep the pattern aligned after a short write. */
			done += (uint64_t)r;
			if ((size_t)r != MSG_CHUNK) {
				size_t rest = MSG_CHUNK - (size_t)r;

				while (rest > 0) {
					ssize_t w =
					    write(fds[1],
					          buf + MSG_CHUNK - rest, rest);

					if (w < 0 && errno == EINTR)
						continue;
					if (w <= 0)
						_exit(1);
					rest -= (size_t)w;
					done += (uint64_t)w;
				}
			}
		}
		_exit(0);
	}
	close(fds[1]);
	rc = run_big_reader(fds[0], &maxrss);
	reap(writer);
	is_int(0, rc, "100 MiB through a pipe: read, body and output correct");
	check_rss(maxrss, "100 MiB through a pipe");
	is_int(0, (long long)dir_entries(tmpdir),
	       "the spool file does not outlive the reader");
}

static void
test_memory_file(void)
{
	char *path = xasprintf("%s/big.XXXXXX", tmpdir);
	char *buf = xmalloc(MSG_CHUNK);
	uint64_t done;
	long maxrss;
	int fd, rc;

	if ((fd = mkstemp(path)) < 0)
		bail("mkstemp: %s", strerror(errno));
	unlink(path);
	free(path);
	fill_pattern(buf, MSG_CHUNK);
	if (write(fd, big_header, sizeof big_header - 1) < 0)
		bail("write");
	for (done = 0; done < BIG_BODY; done += MSG_CHUNK)
		if (write(fd, buf, MSG_CHUNK) != MSG_CHUNK)
			bail("write: %s", strerror(errno));
	free(buf);
	if (lseek(fd, 0, SEEK_SET) < 0)
		bail("lseek");
	rc = run_big_reader(fd, &maxrss);
	is_int(0, rc, "100 MiB regular file: read, body and output correct");
	check_rss(maxrss, "100 MiB regular file");
}

/* ------------------------------------------------------------ basics */

static void
test_lf(void)
{
	static const char in[] = "From: a@example.com\nTo: c@example.org\n"
	                         "Subject: hi\n\nbody line\nsecond\n";
	enum msg_status st;
	struct msg *m = mem_msg(in, sizeof in - 1, &st);
	const struct msg_field *f;

	is_int(MSG_OK, st, "LF: status ok");
	is_int(MSG_OK, msg_status(m), "LF: msg_status agrees");
	is_int(3, (long long)msg_nfields(m), "LF: three fields");
	ok(field_is(m, 0, "From", " a@example.com", "From: a@example.com\n"),
	   "LF: field 0 name, value, raw");
	ok(field_is(m, 2, "Subject", " hi", "Subject: hi\n"),
	   "LF: field 2 name, value, raw");
	f = msg_field(m, 1);
	is_int(20, (long long)f->offset, "LF: field 1 offset");
	ok(msg_field(m, 3) == NULL, "LF: msg_field past the end is NULL");
	ok(!msg_is_crlf(m), "LF: not CRLF");
	is_string("\n", msg_eol(m), "LF: eol is LF");
	ok(msg_has_body_separator(m), "LF: separator present");
	is_int(51, (long long)body_offset(m), "LF: body offset");
	ok(msg_mbox_from(m, NULL) == NULL, "LF: no mbox line");
	check_roundtrip(m, in, sizeof in - 1, "LF");
	msg_free(m);
}

static void
test_crlf(void)
{
	static const char in[] = "From: a@example.com\r\nSubject: hi\r\n"
	                         "\r\nbody\r\n";
	enum msg_status st;
	struct msg *m = mem_msg(in, sizeof in - 1, &st);

	is_int(MSG_OK, st, "CRLF: status ok");
	ok(msg_is_crlf(m), "CRLF: is CRLF");
	is_string("\r\n", msg_eol(m), "CRLF: eol is CRLF");
	ok(field_is(m, 0, "From", " a@example.com", "From: a@example.com\r\n"),
	   "CRLF: value excludes CRLF, raw includes it");
	ok(field_is(m, 1, "Subject", " hi", "Subject: hi\r\n"),
	   "CRLF: field 1");
	is_int(36, (long long)body_offset(m), "CRLF: body offset");
	check_roundtrip(m, in, sizeof in - 1, "CRLF");
	msg_free(m);
}

static void
test_folding(void)
{
	static const char in[] = "Subject: a\r\n b\r\n\tc\r\nX-Y : z\r\n"
	                         "DKIM-Signature: v=1;\r\n  \r\n b=abc\r\n\r\n";
	enum msg_status st;
	struct msg *m = mem_msg(in, sizeof in - 1, &st);

	is_int(MSG_OK, st, "folding: ok");
	is_int(3, (long long)msg_nfields(m), "folding: three fields");
	ok(field_is(m, 0, "Subject", " a\r\n b\r\n\tc",
	            "Subject: a\r\n b\r\n\tc\r\n"),
	   "folding kept in value and raw");
	ok(field_is(m, 1, "X-Y", " z", "X-Y : z\r\n"),
	   "WSP before the colon is not part of the name");
	ok(field_is(m, 2, "DKIM-Signature", " v=1;\r\n  \r\n b=abc",
	            "DKIM-Signature: v=1;\r\n  \r\n b=abc\r\n"),
	   "a whitespace-only continuation line stays in the field");
	ok(msg_has_body_separator(m), "folding: separator");
	check_roundtrip(m, in, sizeof in - 1, "folding");
	msg_free(m);
}

static void
test_find(void)
{
	static const char in[] = "Received: one\nsubject: s\nReceived: two\n"
	                         "RECEIVED: three\nReceivedX: no\n\n";
	struct msg *m = mem_msg(in, sizeof in - 1, NULL);

	is_int(0, msg_find_field(m, "received", 0), "find: first Received");
	is_int(2, msg_find_field(m, "Received", 1), "find: next from 1");
	is_int(3, msg_find_field(m, "received", 3), "find: upper case name");
	is_int(-1, msg_find_field(m, "received", 4), "find: none after 3");
	is_int(1, msg_find_field(m, "SUBJECT", 0), "find: case-insensitive");
	is_int(-1, msg_find_field(m, "Receive", 0), "find: no prefix match");
	is_int(-1, msg_find_field(m, "To", 0), "find: absent field");
	is_int(-1, msg_find_field(m, "Received", 99), "find: from past end");
	msg_free(m);
}

/* msg_fields_by_name(): names grouped case-insensitively, each group
 * top-down; cached (the same array twice). */
static void
test_by_name(void)
{
	static const char in[] = "Received: one\nsubject: s\nReceived: two\n"
	                         "RECEIVED: three\nReceivedX: no\nA: a\n\n";
	struct msg *m = mem_msg(in, sizeof in - 1, NULL);
	const size_t *by = msg_fields_by_name(m);
	static const size_t want[] = {5, 0, 2, 3, 4, 1};
	size_t i;
	bool same = true;

	for (i = 0; i < 6; i++)
		same = same && by[i] == want[i];
	ok(same, "by name: A, Received x3 top-down, ReceivedX, subject");
	ok(by == msg_fields_by_name(m), "by name: built once");
	ok(msg_name_cmp("Received", 8, "rECEIVED", 8) == 0,
	   "name order: case-insensitive");
	ok(msg_name_cmp("Receive", 7, "received", 8) < 0,
	   "name order: prefix first");
	msg_free(m);
	m = mem_msg("x\n", 2, NULL);
	(void)msg_fields_by_name(m); /* no fields: nothing to sort */
	msg_free(m);
}

static void
test_mbox(void)
{
	static const char in[] =
	    "From sender@example.com Mon Jan  1 00:00:00 "
	    "2024\nFrom: a@example.com\nSubject: x\n\nbody\n";
	static const char in2[] = "From : a@example.com\n\nb";
	static const char in3[] = "From a@b Mon\r\nTo: x\n\n";
	size_t len;
	const char *l;
	struct msg *m = mem_msg(in, sizeof in - 1, NULL);
	char *out;
	int rc;

	l = msg_mbox_from(m, &len);
	is_blob("From sender@example.com Mon Jan  1 00:00:00 2024\n", 49, l,
	        len, "mbox: From line and its terminator");
	is_int(MSG_OK, msg_status(m), "mbox: ok");
	is_int(2, (long long)msg_nfields(m), "mbox: the From line is no field");
	ok(field_is(m, 0, "From", " a@example.com", "From: a@example.com\n"),
	   "mbox: first field is From:");
	is_int(49, (long long)msg_field(m, 0)->offset,
	       "mbox: first field offset after the mbox line");
	check_roundtrip(m, in, sizeof in - 1, "mbox");
	out = capture(m, true, &len, &rc);
	is_blob(in, sizeof in - 1, out, len,
	        "mbox: msg_input_chunk gives the mbox line too");
	free(out);
	msg_free(m);

	m = mem_msg(in2, sizeof in2 - 1, NULL);
	ok(msg_mbox_from(m, &len) == NULL && len == 0,
	   "\"From :\" is a field, not an mbox line");
	ok(field_is(m, 0, "From", " a@example.com", "From : a@example.com\n"),
	   "\"From :\" field");
	msg_free(m);

	m = mem_msg(in3, sizeof in3 - 1, NULL);
	ok(!msg_is_crlf(m), "mbox: CRLF mbox line does not decide: first "
	                    "header line is LF");
	msg_free(m);
}

static void
test_no_body(void)
{
	static const char a[] = "A: b\n";
	static const char b[] = "A: b";
	static const char c[] = "A: b\n\n";
	static const char d[] = "A: b\r\nC: d";
	struct msg *m;
	enum msg_status st;

	m = mem_msg(a, sizeof a - 1, &st);
	is_int(MSG_OK, st, "header only: ok");
	ok(!msg_has_body_separator(m), "header only: no separator");
	is_int(5, (long long)body_offset(m), "header only: body at end");
	check_roundtrip(m, a, sizeof a - 1, "header only");
	msg_free(m);

	m = mem_msg(b, sizeof b - 1, &st);
	is_int(MSG_OK, st, "no final newline: ok");
	ok(field_is(m, 0, "A", " b", "A: b"),
	   "no final newline: raw without terminator");
	check_roundtrip(m, b, sizeof b - 1, "no final newline");
	msg_free(m);

	m = mem_msg(c, sizeof c - 1, &st);
	ok(msg_has_body_separator(m) && body_offset(m) == 6,
	   "separator and empty body");
	msg_free(m);

	m = mem_msg(d, sizeof d - 1, &st);
	ok(msg_is_crlf(m) && field_is(m, 1, "C", " d", "C: d"),
	   "CRLF header ending without newline");
	check_roundtrip(m, d, sizeof d - 1, "CRLF, no final newline");
	msg_free(m);
}

static void
test_noheader(void)
{
	static const struct {
		const char *in;
		size_t len;
		bool sep;
		const char *what;
	} cases[] = {
	    {"", 0, false, "empty input"},
	    {"\n", 1, true, "a blank line"},
	    {"\r\nbody\r\n", 8, true, "blank first line then body"},
	    {"hello world\n", 12, false, "a line without a colon"},
	    {" A: b\n\n", 7, false, "a continuation as first line"},
	    {":b\n\n", 4, false, "a colon as first byte"},
	    {"From a@b Mon\n", 13, false, "only an mbox line"},
	    {"From a@b Mon", 12, false, "an mbox line, no newline"},
	    {"From a@b\nnot header\n", 20, false, "mbox line then junk"},
	    {"\0A: b\n\n", 7, false, "a NUL byte first"},
	    {"A\0: b\n\n", 7, false, "a NUL in the name"},
	    {"\x80\xff: b\n\n", 7, false, "8-bit name"},
	    {"\r", 1, false, "a lone CR"},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum msg_status st;
		struct msg *m = mem_msg(cases[i].in, cases[i].len, &st);

		is_int(MSG_ENOHEADER, st, "ENOHEADER: %s", cases[i].what);
		is_int(0, (long long)msg_nfields(m), "ENOHEADER: %s: no fields",
		       cases[i].what);
		ok(msg_has_body_separator(m) == cases[i].sep,
		   "ENOHEADER: %s: separator flag", cases[i].what);
		check_roundtrip(m, cases[i].in, cases[i].len, cases[i].what);
		msg_free(m);
	}
	ok(msg_status_text(MSG_ENOHEADER) != NULL &&
	       strcmp(msg_status_text(MSG_ENOHEADER), "no header section") == 0,
	   "status text for ENOHEADER");
	ok(msg_status_text(MSG_OK) && msg_status_text(MSG_ETOOBIG) &&
	       msg_status_text(MSG_EIO) && msg_status_text((enum msg_status)99),
	   "every status has a text");
}

static void
test_malformed_later(void)
{
	static const char in[] = "A: b\nnot a header\nC: d\n\nbody\n";
	static const char in2[] = "A: b\r\n\rC: d\r\n\r\n";
	static const char in3[] = "A: b\rc\n\0: x\n";
	struct msg *m;
	enum msg_status st;

	m = mem_msg(in, sizeof in - 1, &st);
	is_int(MSG_OK, st, "malformed line after a field: ok");
	is_int(1, (long long)msg_nfields(m), "malformed line ends the header");
	is_int(5, (long long)body_offset(m), "body starts at that line");
	ok(!msg_has_body_separator(m), "no separator then");
	check_roundtrip(m, in, sizeof in - 1, "malformed later line");
	msg_free(m);

	m = mem_msg(in2, sizeof in2 - 1, &st);
	is_int(1, (long long)msg_nfields(m), "a line starting with CR ends it");
	check_roundtrip(m, in2, sizeof in2 - 1, "CR line");
	msg_free(m);

	m = mem_msg(in3, sizeof in3 - 1, &st);
	ok(field_is(m, 0, "A", " b\rc", "A: b\rc\n"),
	   "a lone CR is an ordinary byte in a value");
	is_int(1, (long long)msg_nfields(m), "a NUL-led line ends the header");
	check_roundtrip(m, in3, sizeof in3 - 1, "lone CR and NUL");
	msg_free(m);
}

static void
test_nul_value(void)
{
	static const char in[] = "A: b\0c\n\nx\0y";
	struct msg *m = mem_msg(in, sizeof in - 1, NULL);
	const struct msg_field *f = msg_field(m, 0);

	ok(f != NULL && f->valuelen == 4 && memcmp(f->value, " b\0c", 4) == 0,
	   "NUL bytes kept in a value");
	check_roundtrip(m, in, sizeof in - 1, "NUL bytes");
	msg_free(m);
}

static void
test_input_chunk(void)
{
	static const char in[] =
	    "A: 1\r\nB: 2\r\n x\r\nC: 3\r\nD: 4\r\n\r\nbody";
	static const char in2[] = "A: 1\nB: 2\njunk\nmore";
	static const char in3[] = "A: 1\n\njunk\nB: 2\n";
	struct msg *m = mem_msg(in, sizeof in - 1, NULL);
	const char *p;
	size_t len;
	char *out;
	int rc;

	out = capture(m, true, &len, &rc);
	is_int(0, rc, "input_chunk: ends with 0");
	is_blob(in, sizeof in - 1, out, len, "input_chunk: the whole input");
	free(out);
	is_int(4, msg_input_chunk(m, sizeof in - 5, &p),
	       "input_chunk: from an offset to the end");
	ok(memcmp(p, "body", 4) == 0, "input_chunk: the right bytes");
	is_int(0, msg_input_chunk(m, sizeof in + 10, &p),
	       "input_chunk: 0 past the end");
	ok(!msg_header_malformed(m), "a well-formed header is not malformed");
	msg_free(m);

	m = mem_msg(in2, sizeof in2 - 1, NULL);
	ok(msg_header_malformed(m),
	   "a line without a colon before the empty line: malformed");
	is_int(10, (long long)body_offset(m),
	       "... and the body still starts at that line");
	out = capture(m, true, &len, &rc);
	is_blob(in2, sizeof in2 - 1, out, len,
	        "input_chunk: every byte of a malformed header");
	free(out);
	msg_free(m);

	m = mem_msg(in3, sizeof in3 - 1, NULL);
	ok(!msg_header_malformed(m),
	   "a line without a colon in the body is no matter");
	msg_free(m);
}

static void
test_write_range(void)
{
	static const char in[] = "A: b\n\nbody";
	struct msg *m = mem_msg(in, sizeof in - 1, NULL);
	char *data = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&data, &n);

	is_int(0, msg_write_range(m, f, 3, 8), "write_range: 0");
	is_int(0, msg_write_range(m, f, 10, 10), "write_range: empty at end");
	errno = 0;
	is_int(-1, msg_write_range(m, f, 5, 11), "write_range: past the end");
	is_int(EINVAL, errno, "write_range: EINVAL");
	is_int(-1, msg_write_range(m, f, 6, 5), "write_range: from > to");
	fclose(f);
	is_blob("b\n\nbo", 5, data, n, "write_range: the bytes asked for");
	free(data);
	msg_free(m);
	/* Must be a no-op: a crash ends the program before plan_lazy() prints
	 * the plan, and the TAP driver fails the file (no ok() needed). */
	msg_free(NULL);
}

static void
test_limits(void)
{
	struct buf b = BUF_INIT;
	struct msg *m;
	enum msg_status st;
	size_t i;

	/* MSG_FIELDS_MAX fields exactly: fine; one more: ETOOBIG. */
	for (i = 0; i < MSG_FIELDS_MAX; i++)
		buf_adds(&b, "X: y\n");
	buf_adds(&b, "\nbody");
	m = mem_msg(b.data, b.len, &st);
	is_int(MSG_OK, st, "MSG_FIELDS_MAX fields: ok");
	is_int(MSG_FIELDS_MAX, (long long)msg_nfields(m), "all indexed");
	msg_free(m);
	buf_reset(&b);
	for (i = 0; i < MSG_FIELDS_MAX + 1; i++)
		buf_adds(&b, "X: y\n");
	buf_adds(&b, "\nbody");
	m = mem_msg(b.data, b.len, &st);
	is_int(MSG_ETOOBIG, st, "MSG_FIELDS_MAX + 1 fields: ETOOBIG");
	is_int(0, (long long)msg_nfields(m), "ETOOBIG: no fields");
	check_roundtrip(m, b.data, b.len, "too many fields");
	msg_free(m);
	buf_free(&b);
}

/* A header section over MSG_HEADER_MAX, from memory and through a pipe. */
static void
test_big_header(void)
{
	size_t len = MSG_HEADER_MAX + 200000, i;
	char *in = xmalloc(len);
	struct msg *m;
	enum msg_status st;
	pid_t pid;
	int fd;

	memcpy(in, "From: a@b\nX: ", 13);
	for (i = 13; i < len - 10; i++)
		in[i] = (i % 70 == 0) ? '\n' : (i % 70 == 1) ? ' ' : 'x';
	memcpy(in + len - 10, "\n\nbodybody", 10);
	m = mem_msg(in, len, &st);
	is_int(MSG_ETOOBIG, st, "header over MSG_HEADER_MAX: ETOOBIG");
	check_roundtrip(m, in, len, "huge header (memory)");
	msg_free(m);

	fd = pipe_from(in, len, &pid);
	m = msg_read_fd(fd, &st);
	reap(pid);
	close(fd);
	is_int(MSG_ETOOBIG, st, "huge header through a pipe: ETOOBIG");
	check_roundtrip(m, in, len, "huge header (pipe)");
	msg_free(m);

	fd = file_from("", in, len);
	m = msg_read_fd(fd, &st);
	is_int(MSG_ETOOBIG, st, "huge header in a file: ETOOBIG");
	check_roundtrip(m, in, len, "huge header (file)");
	msg_free(m);
	close(fd);

	/* A single 9 MiB line without a newline: no header end at all. */
	memset(in, 'a', len);
	memcpy(in, "A: ", 3);
	m = mem_msg(in, len, &st);
	is_int(MSG_ETOOBIG, st, "one huge line: ETOOBIG");
	check_roundtrip(m, in, len, "one huge line");
	msg_free(m);
	free(in);
}

/* A message with a binary body larger than MSG_SPOOL_MEM. */
static char *
make_big(size_t *len, const char *header)
{
	size_t hl = strlen(header), n = hl + 3 * MSG_SPOOL_MEM + 12345, i;
	char *in = xmalloc(n);

	memcpy(in, header, hl);
	for (i = hl; i < n; i++)
		in[i] = (char)(rnd() & 0xff);
	*len = n;
	return in;
}

static void
test_pipe(void)
{
	size_t len;
	char *in = make_big(&len, "From: a@example.com\r\nTo: b@x\r\n\r\n");
	enum msg_status st;
	struct msg *m;
	pid_t pid;
	int fd;
	char *out;
	size_t n;
	int rc;

	fd = pipe_from(in, len, &pid);
	m = msg_read_fd(fd, &st);
	reap(pid);
	close(fd);
	ok(m != NULL, "pipe: message read");
	is_int(MSG_OK, st, "pipe: ok");
	is_int(2, (long long)msg_nfields(m), "pipe: two fields");
	ok(msg_is_crlf(m), "pipe: CRLF");
	is_int(32, (long long)body_offset(m), "pipe: body offset");
	is_int(0, (long long)dir_entries(tmpdir),
	       "pipe: spool file unlinked at once");
	check_roundtrip(m, in, len, "pipe > MSG_SPOOL_MEM");
	/* A second pass over the body gives the same bytes. */
	check_roundtrip(m, in, len, "pipe, second pass");
	out = capture(m, true, &n, &rc);
	ok(rc == 0 && n == len && memcmp(out, in, n) == 0,
	   "pipe: msg_input_chunk gives the input, spooled body too");
	free(out);
	msg_free(m);

	/* A small message through a pipe stays in memory. */
	fd = pipe_from("A: b\n\nc", 7, &pid);
	m = msg_read_fd(fd, &st);
	reap(pid);
	close(fd);
	is_int(MSG_OK, st, "small pipe: ok");
	check_roundtrip(m, "A: b\n\nc", 7, "small pipe");
	msg_free(m);

	/* An empty pipe. */
	fd = pipe_from("", 0, &pid);
	m = msg_read_fd(fd, &st);
	reap(pid);
	close(fd);
	ok(m != NULL && st == MSG_ENOHEADER, "empty pipe: ENOHEADER");
	msg_free(m);
	free(in);
}

/* No temporary file possible: the message is kept whole in memory. */
static void
test_spool_fallback(void)
{
	size_t len, n;
	char *in = make_big(&len, "From: a@example.com\n\n");
	char *out;
	enum msg_status st;
	struct msg *m;
	struct rlimit rl;
	pid_t pid, child;
	int fd, status, rc;

	setenv("TMPDIR", "/nonexistent/senderauth-msg-t", 1);
	fd = pipe_from(in, len, &pid);
	m = msg_read_fd(fd, &st);
	reap(pid);
	close(fd);
	setenv("TMPDIR", tmpdir, 1);
	is_int(MSG_OK, st, "TMPDIR unusable: still ok");
	check_roundtrip(m, in, len, "TMPDIR unusable");
	msg_free(m);

	/* The spool fills up half-way (RLIMIT_FSIZE stands in for a full
	 * disk): what was spooled comes back into memory. */
	fflush(stdout);
	if ((child = fork()) < 0)
		bail("fork");
	if (child == 0) {
		signal(SIGXFSZ, SIG_IGN);
		rl.rlim_cur = MSG_SPOOL_MEM;
		rl.rlim_max = RLIM_INFINITY;
		if (getrlimit(RLIMIT_FSIZE, &rl) == 0) {
			rl.rlim_cur = MSG_SPOOL_MEM;
			if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
				_exit(2);
		}
		fd = pipe_from(in, len, &pid);
		m = msg_read_fd(fd, &st);
		reap(pid);
		if (m == NULL || st != MSG_OK)
			_exit(3);
		out = capture(m, false, &n, &rc);
		_exit(rc == 0 && n == len && memcmp(in, out, n) == 0 ? 0 : 4);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			bail("waitpid");
	is_int(0, WIFEXITED(status) ? WEXITSTATUS(status) : 99,
	       "spool file full: the whole message is kept in memory");
	free(in);
}

static void
test_regular_file(void)
{
	size_t len;
	char *in = make_big(&len, "From a@b Tue\nFrom: a@example.com\n\n");
	enum msg_status st;
	struct msg *m;
	int fd;
	off_t end;

	fd = file_from("", in, len);
	m = msg_read_fd(fd, &st);
	is_int(MSG_OK, st, "file: ok");
	ok(msg_mbox_from(m, NULL) != NULL, "file: mbox line");
	check_roundtrip(m, in, len, "regular file");
	end = lseek(fd, 0, SEEK_CUR);
	is_int((long long)len, (long long)end, "file: offset left at the end");
	msg_free(m);
	close(fd);

	/* The message starts at the fd's current offset, not at 0. */
	fd = file_from("garbage before\n\n", in, len);
	m = msg_read_fd(fd, &st);
	is_int(MSG_OK, st, "file at an offset: ok");
	check_roundtrip(m, in, len, "file read from its current offset");
	msg_free(m);
	close(fd);

	/* A small file, and an empty one. */
	fd = file_from("", "A: b\n", 5);
	m = msg_read_fd(fd, &st);
	ok(st == MSG_OK && msg_nfields(m) == 1, "small file");
	check_roundtrip(m, "A: b\n", 5, "small file");
	msg_free(m);
	close(fd);
	fd = file_from("", "", 0);
	m = msg_read_fd(fd, &st);
	ok(m != NULL && st == MSG_ENOHEADER, "empty file: ENOHEADER");
	msg_free(m);
	close(fd);

	/* A descriptor that cannot be read: NULL and MSG_EIO. */
	fd = open("/dev/null", O_WRONLY);
	m = msg_read_fd(fd, &st);
	ok(m == NULL && st == MSG_EIO, "unreadable fd: NULL, MSG_EIO");
	close(fd);
	free(in);
}

/* Random messages built from troublesome pieces: check the invariants. */
static void
test_random(void)
{
	static const char *pieces[] = {
	    "A: b",
	    "From: x@y",
	    "\r\n",
	    "\n",
	    " ",
	    "\t",
	    ":",
	    "From ",
	    "\r",
	    "X",
	    "\0",
	    "\xff",
	    "Subject:",
	    " c\r\n",
	    "\n\n",
	    "\r\n\r\n",
	    "DKIM-Signature: v=1;",
	    "x",
	};
	size_t npieces = sizeof pieces / sizeof pieces[0];
	int iter, bad = 0, badw = 0, badb = 0;

	for (iter = 0; iter < 3000; iter++) {
		struct buf b = BUF_INIT;
		struct msg *m;
		size_t k, n, i, len;
		uint64_t expect;
		char *out;
		bool err;
		int rc;

		n = rnd() % 24;
		for (k = 0; k < n; k++) {
			const char *p = pieces[rnd() % npieces];

			buf_add(&b, p, *p ? strlen(p) : 1);
		}
		m = mem_msg(b.data ? b.data : "", b.len, NULL);
		msg_mbox_from(m, &len);
		expect = len;
		for (i = 0; i < msg_nfields(m); i++) {
			const struct msg_field *f = msg_field(m, i);

			if (f->offset != expect ||
			    f->offset + f->rawlen > b.len ||
			    memcmp(f->raw, b.data + f->offset, f->rawlen) ||
			    f->name != f->raw || f->namelen == 0 ||
			    f->value < f->name + f->namelen ||
			    f->value + f->valuelen > f->raw + f->rawlen)
				bad++;
			expect = f->offset + f->rawlen;
		}
		if (body_offset(m) < expect || body_offset(m) > b.len)
			bad++;
		out = capture(m, false, &len, &rc);
		if (rc != 0 || len != b.len ||
		    (len && memcmp(out, b.data, len)))
			badw++;
		free(out);
		out = capture(m, true, &len, &rc);
		if (rc != 0 || len != b.len ||
		    (len && memcmp(out, b.data, len)))
			badw++;
		free(out);
		out = body_of(m, &len, &err);
		if (err || body_offset(m) + len != b.len ||
		    (len && memcmp(out, b.data + body_offset(m), len)))
			badb++;
		free(out);
		msg_free(m);
		buf_free(&b);
	}
	is_int(0, bad, "random messages: fields tile the header");
	is_int(0, badw, "random messages: output is the input");
	is_int(0, badb, "random messages: body is the input's tail");

	/* Pure binary garbage, some of it through a pipe. */
	for (iter = 0; iter < 4; iter++) {
		size_t len = 1 + rnd() % 200000, i;
		char *in = xmalloc(len);
		struct msg *m;
		pid_t pid;
		int fd;

		for (i = 0; i < len; i++)
			in[i] = (char)(rnd() & 0xff);
		if (iter == 0)
			in[0] = 'A', in[1 % len] = ':';
		fd = pipe_from(in, len, &pid);
		m = msg_read_fd(fd, NULL);
		reap(pid);
		close(fd);
		check_roundtrip(m, in, len, "binary garbage through a pipe");
		msg_free(m);
		free(in);
	}
}

/* Bytes this process has passed to write(2) and the like, from
 * /proc/self/io ("wchar"), or -1 where there is no such file. */
static long long
written_bytes(void)
{
	return test_proc_value("io", "wchar");
}

/* One pass (msg_read_fd_once()): a 3 MiB message through a pipe is read
 * without writing anything (no spool file), the body comes out whole
 * once, a second pass and writing the input out fail with ESPIPE, and
 * msg_free() reads the rest of an unread pipe so its writer finishes. */
static void
test_once(void)
{
	size_t blen = 3 * 1024 * 1024, hlen = strlen(big_header), got;
	char *data = xmalloc(hlen + blen);
	const char *chunk;
	long long w0, w1;
	struct msg *m;
	enum msg_status st;
	pid_t pid;
	int fd, status, same = 1;
	long r;

	memcpy(data, big_header, hlen);
	fill_pattern(data + hlen, blen);
	fd = pipe_from(data, hlen + blen, &pid);
	fflush(stdout);
	w0 = written_bytes();
	m = msg_read_fd_once(fd, &st);
	got = 0;
	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0) {
		if (got + (size_t)r > blen ||
		    memcmp(chunk, data + hlen + got, (size_t)r) != 0)
			same = 0;
		got += (size_t)r;
	}
	w1 = written_bytes();
	ok(st == MSG_OK && msg_nfields(m) == 3,
	    "once: header of a piped 3 MiB message");
	ok(r == 0 && same && got == blen, "once: the body, whole, in order");
	if (w0 < 0)
		skip("once: no /proc/self/io");
	else
		ok(w1 - w0 == 0, "once: nothing written (no spool): %lld bytes",
		    w1 - w0);
	is_int((long long)(hlen + blen), (long long)msg_size(m),
	    "once: msg_size() after the body pass");
	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0)
		continue;
	ok(r < 0 && errno == ESPIPE, "once: a second pass fails (ESPIPE)");
	{
		FILE *null = fopen("/dev/null", "w");

		if (null == NULL)
			bail("/dev/null: %s", strerror(errno));
		ok(msg_write_all(m, null) < 0 && errno == ESPIPE,
		    "once: writing the input out fails (ESPIPE)");
		fclose(null);
	}
	msg_free(m);
	close(fd);
	reap(pid);

	/* the spooling reader, for contrast: what the issue measured */
	fd = pipe_from(data, hlen + blen, &pid);
	fflush(stdout);
	w0 = written_bytes();
	m = msg_read_fd(fd, &st);
	w1 = written_bytes();
	if (w0 < 0)
		skip("spool: no /proc/self/io");
	else
		ok(w1 - w0 >= (long long)(hlen + blen - MSG_SPOOL_MEM -
		    MSG_CHUNK), "msg_read_fd() spools past MSG_SPOOL_MEM: %lld "
		    "bytes written", w1 - w0);
	msg_free(m);
	close(fd);
	reap(pid);

	/* no body pass at all: msg_free() drains the pipe */
	fd = pipe_from(data, hlen + blen, &pid);
	m = msg_read_fd_once(fd, &st);
	msg_free(m);
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "once: an unread body is drained, its writer exits 0");
	free(data);
}

/* Tee (msg_read_fd_tee()): the body pass reads the pipe itself and keeps
 * what it reads; the input then comes out whole, a second body pass reads
 * what was kept; with output first, what is left is read then; with no
 * usable TMPDIR it is kept in memory; unread, the pipe is drained. */
static void
test_tee(void)
{
	static const char hdr[] = "From: a@example.com\r\nTo: b@x\r\n\r\n";
	size_t len, n, n2, hlen = strlen(hdr);
	char *in = make_big(&len, hdr), *body, *body2, *out;
	enum msg_status st;
	struct msg *m;
	pid_t pid;
	int fd, rc, status;
	bool err, err2;

	fd = pipe_from(in, len, &pid);
	m = msg_read_fd_tee(fd, &st);
	body = body_of(m, &n, &err);
	ok(st == MSG_OK && !err && n == len - hlen &&
	    memcmp(body, in + hlen, n) == 0, "tee: body pass from the pipe");
	out = capture(m, false, &n2, &rc);
	ok(rc == 0 && n2 == len && memcmp(out, in, len) == 0,
	    "tee: then the whole input comes out");
	free(out);
	body2 = body_of(m, &n2, &err2);
	ok(!err2 && n2 == n && memcmp(body, body2, n) == 0,
	    "tee: a second body pass reads what was kept");
	free(body);
	free(body2);
	msg_free(m);
	close(fd);
	reap(pid);

	fd = pipe_from(in, len, &pid);
	m = msg_read_fd_tee(fd, &st);
	check_roundtrip(m, in, len, "tee, output first");
	msg_free(m);
	close(fd);
	reap(pid);

	setenv("TMPDIR", "/nonexistent/senderauth-msg-t", 1);
	fd = pipe_from(in, len, &pid);
	m = msg_read_fd_tee(fd, &st);
	body = body_of(m, &n, &err);
	setenv("TMPDIR", tmpdir, 1);
	ok(!err && n == len - hlen && memcmp(body, in + hlen, n) == 0,
	    "tee, TMPDIR unusable: body pass");
	free(body);
	check_roundtrip(m, in, len, "tee, TMPDIR unusable");
	msg_free(m);
	close(fd);
	reap(pid);

	fd = pipe_from(in, len, &pid);
	m = msg_read_fd_tee(fd, &st);
	msg_free(m);
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "tee: an unread input is drained, its writer exits 0");
	free(in);
}

/* The body pass over a regular file reads it MSG_CHUNK bytes at a time
 * (windows): a CRLF split between two windows, a body that fills
 * whole windows exactly, one byte over, an empty body, and a message
 * that starts at an offset in the file (a window not page-aligned) all
 * give the body byte for byte, every chunk within MSG_CHUNK. */
static void
test_file_windows(void)
{
	static const char hdr[] = "From: a@example.com\r\n\r\n";
	size_t hlen = strlen(hdr), blen, n, i, c;
	static const size_t bodies[] = {
		MSG_CHUNK, 2 * MSG_CHUNK, 2 * MSG_CHUNK + 1, 0, 1,
	};
	char *in, *body;
	enum msg_status st;
	struct msg *m;
	bool err;
	int fd;

	for (c = 0; c < 2; c++)
		for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
			/* c == 1: the message at an odd offset in the file */
			blen = bodies[i];
			in = xmalloc(hlen + blen + 1);
			memcpy(in, hdr, hlen);
			for (n = 0; n < blen; n++)
				in[hlen + n] = n % 61 == 60 ? '\n' : 'x';
			/* a CRLF split at the end of the first window: the
			 * first MSG_CHUNK bytes of the body after what came
			 * with the header are a window of their own */
			if (blen > MSG_CHUNK) {
				in[hlen + MSG_CHUNK - 1] = '\r';
				in[hlen + MSG_CHUNK] = '\n';
			}
			fd = file_from(c ? "x\n" : "", in, hlen + blen);
			m = msg_read_fd(fd, &st);
			body = body_of(m, &n, &err);
			ok(st == MSG_OK && !err && n == blen &&
			    memcmp(body, in + hlen, n) == 0, "file windows: "
			    "body of %zu bytes%s", blen, c ? " at an offset" :
			    "");
			check_roundtrip(m, in, hlen + blen, "file windows");
			free(body);
			/* a second pass reads the same */
			body = body_of(m, &n, &err);
			ok(!err && n == blen && memcmp(body, in + hlen, n) == 0,
			    "file windows: a second body pass");
			free(body);
			msg_free(m);
			close(fd);
			free(in);
		}
}

/* Tee: the spool fills up half-way (RLIMIT_FSIZE stands in for a full
 * disk) while the body pass reads the pipe: what was spooled comes back
 * into memory, the body pass and the output are whole. */
static void
test_tee_spool_full(void)
{
	static const char hdr[] = "From: a@example.com\r\n\r\n";
	size_t len, n, n2, hlen = strlen(hdr);
	char *in = make_big(&len, hdr);
	pid_t child, pid;
	int status;

	fflush(stdout);
	if ((child = fork()) < 0)
		bail("fork");
	if (child == 0) {
		struct rlimit rl;
		enum msg_status st;
		struct msg *m;
		char *body, *out;
		bool err;
		int fd, rc;

		signal(SIGXFSZ, SIG_IGN);
		if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		rl.rlim_cur = MSG_SPOOL_MEM;
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		fd = pipe_from(in, len, &pid);
		m = msg_read_fd_tee(fd, &st);
		if (m == NULL || st != MSG_OK)
			_exit(3);
		body = body_of(m, &n, &err);
		if (err || n != len - hlen || memcmp(body, in + hlen, n) != 0)
			_exit(4);
		out = capture(m, false, &n2, &rc);
		reap(pid);
		_exit(rc == 0 && n2 == len && memcmp(in, out, n2) == 0 ? 0 : 5);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			bail("waitpid");
	is_int(0, WIFEXITED(status) ? WEXITSTATUS(status) : 99,
	    "tee, spool file full: body pass and output whole");
	free(in);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/msg-t.XXXXXX",
	         t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		bail("mkdtemp: %s", strerror(errno));
	/* Spool files go into our own directory, so we can see them. */
	setenv("TMPDIR", tmpdir, 1);

	plan_lazy();
	/* First, while this process is small (children inherit it). */
	test_memory_pipe();
	test_memory_file();

	test_lf();
	test_crlf();
	test_folding();
	test_find();
	test_by_name();
	test_mbox();
	test_no_body();
	test_noheader();
	test_malformed_later();
	test_nul_value();
	test_input_chunk();
	test_write_range();
	test_limits();
	test_big_header();
	test_pipe();
	test_once();
	test_tee();
	test_tee_spool_full();
	test_file_windows();
	test_spool_fallback();
	test_regular_file();
	test_random();

	is_int(0, (long long)dir_entries(tmpdir), "no temporary file left");
	rmdir(tmpdir);
	return 0;
}
