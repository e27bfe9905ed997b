/*
 * A small TAP producer for the C unit tests in t/unit (after the shape of
 * rra/c-tap-harness's tests/tap/basic.h: plan, ok, is_int, is_string,
 * is_blob, diag, bail).  Output goes to stdout for automake's TAP driver.
 */
#ifndef T_TAP_BASIC_H
#define T_TAP_BASIC_H

#include <stddef.h>

void plan(unsigned long n);   /* "1..n" first */
void plan_lazy(void);         /* print "1..N" at exit instead */
int ok(int success, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));
int is_int(long long want, long long got, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));
int is_string(const char *want, const char *got, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));
int is_blob(const void *want, size_t wantlen, const void *got, size_t gotlen,
    const char *fmt, ...) __attribute__((__format__(__printf__, 5, 6)));
void skip(const char *reason);
void diag(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));
void bail(const char *fmt, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

/* Path of a file under the source tree's t/ directory ($srcdir/t/...):
 * uses $SOURCE (set by the Makefile), else "t".  Static buffer. */
const char *test_file(const char *rel);

/* The number after "key:" on a line of /proc/self/<file> ("status",
 * "io"), or -1 when there is none. */
long long test_proc_value(const char *file, const char *key);

/* Deterministic pseudo-random numbers (xorshift32) from *state, which
 * must not start at 0. */
unsigned long test_rand(unsigned long *state);

#endif
