/* Tests for common/util: buffers and string helpers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "t/tap/basic.h"

/* For util_array_clear/_free: what one element owns, and a count of the
 * calls, so that the test sees each element cleared once. */
struct elem {
	char *name;
	int cleared;
};
static int nclears;

static void
elem_clear(void *p)
{
	struct elem *e = p;

	UTIL_FREE_ALL(e->name);
	e->name = NULL;
	e->cleared++;
	nclears++;
}

int
main(void)
{
	struct buf b = BUF_INIT;
	char *s;
	int i;

	plan(37);
	buf_adds(&b, "abc");
	buf_addc(&b, 'd');
	buf_printf(&b, "%d", 42);
	is_string("abcd42", b.data, "buffer appends");
	is_int(6, (long long)b.len, "buffer length");
	buf_reset(&b);
	is_int(0, (long long)b.len, "reset empties");
	for (i = 0; i < 10000; i++)
		buf_add(&b, "0123456789", 10);
	is_int(100000, (long long)b.len, "buffer grows");
	s = buf_detach(&b);
	ok(b.data == NULL && b.len == 0, "detach resets");
	free(s);
	s = buf_detach(&b);
	is_string("", s, "detach of empty gives empty string");
	free(s);
	buf_free(&b);
	ok(util_strcaseeq("From", "fROM"), "caseeq");
	ok(!util_strcaseeq("From", "Fro"), "caseeq length");
	s = xstrndup("abcdef", 3);
	is_string("abc", s, "xstrndup");
	free(s);
	s = xasprintf("%s-%d", "x", 7);
	is_string("x-7", s, "xasprintf");
	util_lowercase(s);
	free(s);
	s = xmemdup("a\0b", 3);
	ok(s[0] == 'a' && s[1] == '\0' && s[2] == 'b' && s[3] == '\0', "xmemdup keeps NUL");
	free(s);

	/* util_escape (issue 8): one line, no terminal control. */
#define ESC_IS(in, want, what)                                            \
	do {                                                                   \
		s = util_escape(in, sizeof(in) - 1);                                      \
		is_string(want, s, what);                                      \
		free(s);                                                       \
	} while (0)
	ESC_IS("plain text, with \\ kept", "plain text, with \\ kept",
	    "escape: printable ASCII and backslash unchanged");
	ESC_IS("a\r\nb\tc", "a\\r\\nb\\tc", "escape: CR LF TAB by name");
	ESC_IS("a\0b\033[2J\177", "a\\x00b\\x1b[2J\\x7f",
	    "escape: NUL, ESC, DEL as \\xHH");
	ESC_IS("caf\303\251 \342\202\254 \360\237\230\200",
	    "caf\303\251 \342\202\254 \360\237\230\200",
	    "escape: valid UTF-8 (2, 3, 4 bytes) kept");
	ESC_IS("\302\233x\302\240", "\\xc2\\x9bx\302\240",
	    "escape: C1 control (CSI) escaped, U+00A0 kept");
	ESC_IS("\351t\351", "\\xe9t\\xe9", "escape: Latin-1 bytes escaped");
	ESC_IS("\300\257\340\200\257",
	    "\\xc0\\xaf\\xe0\\x80\\xaf", "escape: overlong forms escaped");
	ESC_IS("\355\240\200", "\\xed\\xa0\\x80",
	    "escape: UTF-16 surrogate escaped");
	ESC_IS("\342\202", "\\xe2\\x82", "escape: truncated sequence escaped");
	s = util_escape_str("");
	is_string("", s, "escape: empty string");
	free(s);

	/* util_read_file: NULL with a caller-freed *err, errno EFBIG for
	 * "too large" (the callers' exit status 78 rather than 66). */
	{
		char path[] = "/tmp/util-t.XXXXXX", *err = NULL;
		size_t len = 0;
		int fd = mkstemp(path);

		if (fd < 0 || write(fd, "0123456789", 10) != 10)
			bail("cannot write %s", path);
		close(fd);
		s = util_read_file(path, 10, &len, &err);
		ok(s != NULL && len == 10 && memcmp(s, "0123456789", 10) == 0
		    && err == NULL, "read_file: whole file");
		free(s);
		s = util_read_file(path, 9, &len, &err);
		ok(s == NULL && errno == EFBIG, "read_file: over max is EFBIG");
		is_string("too large", err, "read_file: ... with a message");
		free(err);
		err = NULL;
		unlink(path);
		s = util_read_file(path, 10, &len, &err);
		ok(s == NULL && errno == ENOENT, "read_file: missing file");
		is_string(strerror(ENOENT), err, "read_file: ... strerror text");
		free(err);
		err = NULL;
		s = util_read_file("/dev/null", 10, &len, &err);
		ok(s == NULL && errno != EFBIG, "read_file: a device is refused");
		is_string("not a regular file", err, "read_file: ... says why");
		free(err);
		err = NULL;
		s = util_read_file("/tmp", 10, &len, &err);
		ok(s == NULL && err != NULL, "read_file: a directory is refused");
		free(err);
	}

	/* String vectors, and freeing what a struct owns (util.h). */
	{
		char **v = NULL;
		size_t n = 0;
		struct elem arr[3], *heap;
		struct {
			char *a, *b;
			int k;
		} st;

		util_strv_push(&v, &n, xstrdup("one"));
		util_strv_pushf(&v, &n, "%s-%d", "two", 2);
		ok(n == 2 && strcmp(v[0], "one") == 0 &&
		    strcmp(v[1], "two-2") == 0, "strv: push and pushf append");
		util_strv_free(v, n);
		util_strv_free(NULL, 3); /* a no-op (the sanitizer build) */

		for (i = 0; i < 3; i++) {
			arr[i].name = xasprintf("e%d", i);
			arr[i].cleared = 0;
		}
		nclears = 0;
		util_array_clear(arr, 2, sizeof(arr[0]), elem_clear);
		ok(nclears == 2 && arr[0].cleared == 1 && arr[1].cleared == 1 &&
		    arr[2].cleared == 0, "array_clear: the first n elements");
		ok(arr[0].name == NULL && arr[2].name != NULL,
		    "array_clear: ... and no other");
		free(arr[2].name);
		util_array_clear(NULL, 5, sizeof(arr[0]), elem_clear);
		is_int(2, nclears, "array_clear: NULL is a no-op");

		heap = xcalloc(4, sizeof(*heap));
		for (i = 0; i < 4; i++)
			heap[i].name = xstrdup("x");
		util_array_free(heap, 4, sizeof(*heap), elem_clear);
		is_int(6, nclears, "array_free: each element cleared once");
		util_array_free(NULL, 4, sizeof(*heap), elem_clear);
		is_int(6, nclears, "array_free: NULL is a no-op");

		st.a = xstrdup("a");
		st.b = NULL;
		st.k = 7;
		UTIL_FREE_CLEAR(&st, st.a, st.b);
		ok(st.a == NULL && st.b == NULL && st.k == 0,
		    "FREE_CLEAR: fields freed (NULL too), struct zeroed");
		UTIL_FREE_CLEAR(&st, st.a, st.b);
		ok(st.a == NULL, "FREE_CLEAR: twice is harmless");

		heap = xcalloc(1, sizeof(*heap));
		heap->name = xstrdup("owner last");
		/* the struct itself last: its fields are read before any
		 * free (the sanitizer build sees a use after free) */
		UTIL_FREE_ALL(heap->name, heap);
	}
	return 0;
}
