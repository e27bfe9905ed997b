/*
 * util: allocators, growable buffer, string helpers, messages.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/lex.h"
#include "common/util.h"

int util_verbosity = 0;
static const char *program = "senderauth";

static void UTIL_NORETURN
oom(size_t n)
{
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n", program, n);
	exit(EX_SOFTWARE);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

void
util_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
util_strv_push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

void
util_strv_vpushf(char ***v, size_t *n, const char *fmt, va_list ap)
{
	util_strv_push(v, n, xvasprintf(fmt, ap));
}

void
util_strv_pushf(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_strv_vpushf(v, n, fmt, ap);
	va_end(ap);
}

void
util_free_all(void *const *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(p[i]);
}

void
util_array_clear(void *a, size_t n, size_t size, void (*elem_clear)(void *))
{
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		elem_clear((char *)a + i * size);
}

void
util_array_free(void *a, size_t n, size_t size, void (*elem_clear)(void *))
{
	if (elem_clear != NULL)
		util_array_clear(a, n, size, elem_clear);
	free(a);
}

char *
xstrndup(const char *s, size_t n)
{
	const char *end = memchr(s, '\0', n);

	return xmemdup(s, end ? (size_t)(end - s) : n);
}

char *
xmemdup(const void *p, size_t n)
{
	char *q = xmalloc(n + 1);

	if (n)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		oom(0);
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void
buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		oom(SIZE_MAX);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	if (b->cap < 64)
		b->cap = 64;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	buf_adds(b, s);
	free(s);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
	char *d = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

bool
util_strcaseeq_n(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (lex_to_lower((unsigned char)a[i]) !=
		    lex_to_lower((unsigned char)b[i]))
			return false;
	return true;
}

bool
util_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

bool
util_strcaseeq(const char *a, const char *b)
{
	return util_strcaseeq_n(a, strlen(a), b, strlen(b));
}

char *
util_lowercase(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = (char)lex_to_lower((unsigned char)*p);
	return s;
}

void
util_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

char *
util_read_file(const char *path, size_t max, size_t *len, char **err)
{
	struct buf b = BUF_INIT;
	struct stat st;
	char chunk[4096];
	ssize_t r;
	int fd, e;
	const char *why = NULL; /* NULL: strerror(errno) */

	/* O_NONBLOCK: opening a FIFO with no writer would block in open()
	 * itself; the fstat() below then refuses it before any read. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		*err = xstrdup(strerror(e));
		errno = e;
		return NULL;
	}
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
		errno = EINVAL;
		goto fail;
	}
	if ((uintmax_t)st.st_size > (uintmax_t)max)
		goto too_large;
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		/* the file can grow after fstat(): the cap holds anyway */
		if (b.len + (size_t)r > max)
			goto too_large;
		buf_add(&b, chunk, (size_t)r);
	}
	util_wipe(chunk, sizeof(chunk));
	close(fd);
	*len = b.len;
	if (b.data == NULL)
		buf_add(&b, "", 0); /* an empty file: "" */
	return b.data;
too_large:
	why = "too large";
	errno = EFBIG;
fail:
	e = errno;
	*err = xstrdup(why != NULL ? why : strerror(e));
	util_wipe(chunk, sizeof(chunk));
	if (b.data != NULL)
		util_wipe(b.data, b.len);
	buf_free(&b);
	close(fd);
	errno = e;
	return NULL;
}

void
util_set_program(const char *name)
{
	program = name;
}

const char *
util_program(void)
{
	return program;
}

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629 4: no
 * overlong forms, no surrogates, nothing over U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	if (cp <= 0x9f) /* C1 controls (2-byte forms of U+0080..U+009F) */
		return 0;
	return len;
}

char *
util_escape(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = BUF_INIT;
	size_t i = 0, n;

	buf_add(&b, "", 0);
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			buf_addc(&b, (char)c);
			i++;
		} else if (c == '\n') {
			buf_adds(&b, "\\n");
			i++;
		} else if (c == '\r') {
			buf_adds(&b, "\\r");
			i++;
		} else if (c == '\t') {
			buf_adds(&b, "\\t");
			i++;
		} else if (c >= 0x80 && (n = utf8_len(p + i, len - i)) > 0) {
			buf_add(&b, p + i, n);
			i += n;
		} else {
			buf_printf(&b, "\\x%02x", c);
			i++;
		}
	}
	return buf_detach(&b);
}

char *
util_escape_str(const char *s)
{
	return util_escape(s, strlen(s));
}

static void
vmessage(int err, const char *fmt, va_list ap)
{
	char *text, *safe;

	/* The arguments often hold bytes from a message or a file name: a
	 * newline there would forge a line (a batch summary, say), an ESC
	 * would drive the terminal.  Escape the whole text (issue 8). */
	text = xvasprintf(fmt, ap);
	safe = util_escape_str(text);
	fflush(stdout);
	fprintf(stderr, "%s: %s", program, safe);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	free(safe);
	free(text);
}

#define MESSAGE(cond, err)                                                     \
	do {                                                                   \
		va_list ap;                                                    \
		if (!(cond))                                                   \
			return;                                                \
		va_start(ap, fmt);                                             \
		vmessage(err, fmt, ap);                                        \
		va_end(ap);                                                    \
	} while (0)

void
debug(const char *fmt, ...)
{
	MESSAGE(util_verbosity >= 1, 0);
}

void
warn(const char *fmt, ...)
{
	MESSAGE(util_verbosity >= 0, 0);
}

void
error(const char *fmt, ...)
{
	MESSAGE(1, 0);
}

void
syserror(const char *fmt, ...)
{
	int e = errno;

	MESSAGE(1, e);
}
