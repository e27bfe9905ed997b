/*
 * util: out-of-memory-fatal allocators, a growable byte buffer, small
 * string and file helpers, and the message functions (debug, warn, error,
 * syserror) of the programs in cmd/.
 *
 * What prints and exits: the x-allocators print one line and exit 70 on
 * out-of-memory, as DESIGN.md allows, and may be called from anywhere.
 * The message functions at the end print to stderr and never exit; they
 * are the programs' (cmd/ only, with common/cli.h's helpers): no module
 * in common/ calls them, since common/ never prints.  Nothing else here
 * prints or exits.
 *
 * Ownership: every char * returned is malloc'd and the caller frees it;
 * struct buf owns its data until buf_detach() or buf_free().  Errors
 * (the convention of all of common/): a function that can fail returns 0
 * or -1, or an object or NULL, and sets char **err to a message the
 * caller frees (util_read_file also leaves errno for the exit status).
 */
#ifndef COMMON_UTIL_H
#define COMMON_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h> /* memset, for UTIL_FREE_CLEAR */

#if defined(__GNUC__)
#define UTIL_PRINTF(f, a) __attribute__((__format__(__printf__, f, a)))
#define UTIL_NORETURN __attribute__((__noreturn__))
#define UTIL_MALLOC __attribute__((__malloc__, __warn_unused_result__))
#else
#define UTIL_PRINTF(f, a)
#define UTIL_NORETURN
#define UTIL_MALLOC
#endif

/* util.c: allocators.  Never return NULL: out-of-memory prints one line
 * and exits 70 (EX_SOFTWARE).  xstrndup copies at most n bytes and always
 * NUL-terminates; xmemdup copies n bytes and adds a NUL after them. */
void *xmalloc(size_t n) UTIL_MALLOC;
void *xcalloc(size_t nmemb, size_t size) UTIL_MALLOC;
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s) UTIL_MALLOC;
char *xstrndup(const char *s, size_t n) UTIL_MALLOC;
char *xmemdup(const void *p, size_t n) UTIL_MALLOC;
char *xasprintf(const char *fmt, ...) UTIL_PRINTF(1, 2) UTIL_MALLOC;
char *xvasprintf(const char *fmt, va_list ap) UTIL_PRINTF(1, 0) UTIL_MALLOC;

/* util.c: string vectors (char **v of *n malloc'd strings, which the
 * vector owns).  util_strv_push appends s and takes it over;
 * util_strv_pushf appends the formatted text (a finding, a note).
 * util_strv_free frees the n strings of v and v itself; v NULL is a
 * no-op. */
void util_strv_push(char ***v, size_t *n, char *s);
void util_strv_pushf(char ***v, size_t *n, const char *fmt, ...)
    UTIL_PRINTF(3, 4);
void util_strv_vpushf(char ***v, size_t *n, const char *fmt, va_list ap)
    UTIL_PRINTF(3, 0);
void util_strv_free(char **v, size_t n);

/* util.c: freeing what a struct owns, so that each module's _free and
 * _clear says only which fields are its own, once:
 *
 *	UTIL_FREE_ALL(c->sender, c->local, c);    the struct itself last
 *	UTIL_FREE_CLEAR(r, r->rua, r->ruf);       embedded: zeroed after
 *
 * UTIL_FREE_ALL(p, ...) frees each pointer (NULL ones too, as free()
 * does).  The pointers are all read, into a compound-literal array, before
 * the first is freed, so the struct holding them may be one of them.
 * UTIL_FREE_CLEAR(s, ...) frees the pointers and then zeroes *s, for a
 * struct the caller owns (on its stack, in an array): zeroed, it is an
 * empty value again and freeing it twice is harmless.
 * util_array_clear(a, n, size, elem_clear) calls elem_clear on each of the
 * n elements of size bytes of a, to free what an element owns (an array
 * inside a struct); util_array_free does that (unless elem_clear is NULL)
 * and frees a.  a NULL is a no-op for both. */
void util_free_all(void *const *p, size_t n);
#define UTIL_FREE_ALL(...)                                                     \
	util_free_all((void *[]){__VA_ARGS__},                                 \
	    sizeof((void *[]){__VA_ARGS__}) / sizeof(void *))
#define UTIL_FREE_CLEAR(s, ...)                                                \
	do {                                                                   \
		UTIL_FREE_ALL(__VA_ARGS__);                                    \
		memset((s), 0, sizeof(*(s)));                                  \
	} while (0)
void util_array_clear(void *a, size_t n, size_t size,
    void (*elem_clear)(void *));
void util_array_free(void *a, size_t n, size_t size,
    void (*elem_clear)(void *));

/* util.c: growable byte buffer.  data is always NUL-terminated (the NUL is
 * not counted in len), so a buffer holding text can be used as a string.
 * A zero-initialised struct buf (BUF_INIT) is an empty buffer.  The buffer
 * owns data; buf_detach() hands it to the caller and resets the buffer. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
#define BUF_INIT {NULL, 0, 0}
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) UTIL_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) UTIL_PRINTF(2, 0);
void buf_reset(struct buf *b);  /* len = 0, keeps the allocation */
void buf_free(struct buf *b);   /* frees data, back to BUF_INIT */
char *buf_detach(struct buf *b); /* returns data ("" if empty), resets */

/* util.c: small string helpers (ASCII only: protocol text is ASCII). */
bool util_strcaseeq_n(const char *a, size_t alen, const char *b, size_t blen);
bool util_strcaseeq(const char *a, const char *b);
/* s holds a C0 control character or DEL (option values that end up in
 * header fields or log lines must not). */
bool util_has_control(const char *s);
char *util_lowercase(char *s); /* in place, ASCII, returns s */

/* util.c: wipe memory that held key material, in a way the compiler keeps. */
void util_wipe(void *p, size_t n);

/* util.c: read a small regular file (a private key) whole.  The file is
 * opened with O_NONBLOCK and checked with fstat() before any read, so a
 * FIFO or a device (/dev/zero, a terminal) is refused at once instead of
 * blocking or being read without end; at most max bytes are accepted.
 * Returns the bytes (NUL added, not counted in *len; the caller wipes and
 * frees them), or NULL with *err set to why ("not a regular file", "too
 * large", or strerror's text; the caller frees it) and errno to EFBIG when
 * the file is over max (else EINVAL for not a regular file, or the error
 * of open/fstat/read), so a caller can tell "too large" apart.  Chunks
 * read are wiped (key material). */
char *util_read_file(const char *path, size_t max, size_t *len, char **err);

/* util.c: text for a terminal or a log line, from bytes that may come from
 * a message, a file name or DNS.  Returns a malloc'd NUL-terminated copy
 * of s[0..len) in which every byte that could move the cursor, start a
 * line or drive a terminal is written as an escape: C0 controls (NUL
 * included) as \n, \r, \t or \xHH, DEL as \x7f, and every byte >= 0x80
 * that is not part of valid UTF-8 (RFC 3629), or that encodes a C1
 * control (U+0080..U+009F: 0x9b is CSI to many terminals), as \xHH.
 * Valid UTF-8 text (RFC 6532 addresses) stays readable.  A backslash is
 * kept as it is: the escaping is for display (one line, no terminal
 * control), not reversible.  util_escape_str() takes a C string. */
char *util_escape(const char *s, size_t len) UTIL_MALLOC;
char *util_escape_str(const char *s) UTIL_MALLOC;

/* util.c: messages, for cmd/ only (they print; see the top).  Text reads
 * "program: detail\n" on stderr; syserror() appends ": strerror(errno)".
 * None exits: the program returns its status from main().
 * util_set_program() sets "program" (default "senderauth");
 * util_verbosity is raised by -v and lowered by -q; debug() prints only at
 * verbosity >= 1, warn() at >= 0 (so -q silences warnings but never errors
 * printed with error()).  Every message goes out through
 * util_escape(): whatever bytes a message or file name puts in its
 * arguments, a message is one line on stderr with no terminal control. */
extern int util_verbosity;
void util_set_program(const char *name);
const char *util_program(void);
void debug(const char *fmt, ...) UTIL_PRINTF(1, 2);
void warn(const char *fmt, ...) UTIL_PRINTF(1, 2);
void error(const char *fmt, ...) UTIL_PRINTF(1, 2);
void syserror(const char *fmt, ...) UTIL_PRINTF(1, 2);

#endif
