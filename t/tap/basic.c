/* TAP producer for t/unit tests; see basic.h. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t/tap/basic.h"

static unsigned long testnum, planned, failed;
static int lazy;

static void
finish(void)
{
	if (lazy)
		printf("1..%lu\n", testnum);
	else if (planned != testnum)
		printf("# planned %lu tests but ran %lu\n", planned, testnum);
	if (failed)
		printf("# %lu of %lu tests failed\n", failed, testnum);
	fflush(stdout);
	if (failed || (!lazy && planned != testnum))
		_exit(1);
}

void
plan(unsigned long n)
{
	planned = n;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%lu\n", n);
	atexit(finish);
}

void
plan_lazy(void)
{
	lazy = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(finish);
}

static int
vok(int success, const char *fmt, va_list ap)
{
	testnum++;
	if (!success)
		failed++;
	printf("%sok %lu - ", success ? "" : "not ", testnum);
	vprintf(fmt, ap);
	putchar('\n');
	return success;
}

int
ok(int success, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vok(success, fmt, ap);
	va_end(ap);
	return success;
}

int
is_int(long long want, long long got, const char *fmt, ...)
{
	va_list ap;
	int r = want == got;

	va_start(ap, fmt);
	vok(r, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   wanted: %lld\n#      got: %lld\n", want, got);
	return r;
}

int
is_string(const char *want, const char *got, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (want == NULL || got == NULL)
		r = want == got;
	else
		r = strcmp(want, got) == 0;
	va_start(ap, fmt);
	vok(r, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   wanted: %s\n#      got: %s\n", want ? want : "(null)",
		    got ? got : "(null)");
	return r;
}

int
is_blob(const void *want, size_t wantlen, const void *got, size_t gotlen,
    const char *fmt, ...)
{
	va_list ap;
	int r = wantlen == gotlen && (wantlen == 0 || memcmp(want, got, wantlen) == 0);
	size_t i;

	va_start(ap, fmt);
	vok(r, fmt, ap);
	va_end(ap);
	if (!r && want && got) {
		for (i = 0; i < wantlen && i < gotlen; i++)
			if (((const char *)want)[i] != ((const char *)got)[i])
				break;
		printf("#   lengths %zu / %zu, first difference at %zu\n",
		    wantlen, gotlen, i);
	}
	return r;
}

void
skip(const char *reason)
{
	testnum++;
	printf("ok %lu # skip %s\n", testnum, reason);
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void
bail(const char *fmt, ...)
{
	va_list ap;

	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	_exit(255);
}

const char *
test_file(const char *rel)
{
	static char path[4096];
	const char *src = getenv("SOURCE");

	snprintf(path, sizeof path, "%s/%s", src ? src : "t", rel);
	return path;
}

long long
test_proc_value(const char *file, const char *key)
{
	char path[256], line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/self/%s", file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':' &&
		    sscanf(line + klen + 1, "%lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

unsigned long
test_rand(unsigned long *state)
{
	uint32_t x = (uint32_t)*state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
