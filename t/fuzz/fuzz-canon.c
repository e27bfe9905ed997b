/*
 * fuzz-canon: libFuzzer harness for common/canon.c.  The first 8 input
 * bytes seed the chunk splits and the l= limit; the rest is the data.
 * For every algorithm: the header canonicaliser's output has the promised
 * shape, and the body canonicaliser gives the same bytes (and length) fed
 * in one piece or in random chunks, with a limit giving a prefix of that.
 * Relaxed headers and all four body algorithms are also compared with
 * plain whole-buffer implementations of the RFC text.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/canon.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sink(void *arg, const void *p, size_t n)
{
	if (n == 0)
		abort(); /* pointless calls cost hashing time */
	buf_add(arg, p, n);
}

static uint64_t
rng(uint64_t *s)
{
	/* xorshift64 */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every LF is part of a CRLF. */
static void
check_crlf(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			abort();
}

/*
 * Reference canonicalisers, written straight from the RFC text over the
 * whole input (slow and simple), to compare with the incremental ones.
 * Lines end at LF (CRLF or bare LF, DESIGN.md); a CR not before an LF is
 * content, except that DomainKeys nofws removes every CR.
 */
static bool
ref_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 6376 3.4.4 (relaxed), 3.4.3 (simple); RFC 4870 3.4.1 (DK simple),
 * 3.4.2.1 (nofws). */
static void
ref_body(enum canon_alg alg, const char *p, size_t n, struct buf *out)
{
	struct buf lines = BUF_INIT, line = BUF_INIT;
	size_t i = 0, s, e, keep = 0, k;

	while (i < n) {
		/* One line: content [s, e), terminator after. */
		s = i;
		while (i < n && p[i] != '\n')
			i++;
		e = i;
		if (i < n) {
			i++; /* the LF */
			if (e > s && p[e - 1] == '\r')
				e--;
		}
		buf_reset(&line);
		for (k = s; k < e; k++) {
			if (alg == CANON_RELAXED && ref_wsp(p[k])) {
				while (k + 1 < e && ref_wsp(p[k + 1]))
					k++;
				if (k + 1 < e) /* not at the end */
					buf_addc(&line, ' ');
			} else if (alg == CANON_DK_NOFWS && (ref_wsp(p[k]) ||
			    p[k] == '\r'))
				;
			else
				buf_addc(&line, p[k]);
		}
		buf_add(&lines, line.data ? line.data : "", line.len);
		buf_add(&lines, "\r\n", 2);
		if (line.len > 0)
			keep = lines.len; /* up to the last non-empty line */
	}
	if ((alg == CANON_DK_SIMPLE || alg == CANON_DK_NOFWS) && keep > 0)
		buf_add(out, "\r\n", 2);
	buf_add(out, lines.data ? lines.data : "", keep);
	if (alg == CANON_SIMPLE && keep == 0)
		buf_add(out, "\r\n", 2);
	buf_free(&lines);
	buf_free(&line);
}

/* RFC 6376 3.4.2 relaxed header: unfold (remove CRLF, and bare LF), WSP
 * runs to one SP, no WSP at the ends of the value or around the colon,
 * name lower-cased. */
static void
ref_header_relaxed(const char *p, size_t n, struct buf *out)
{
	struct buf u = BUF_INIT;
	size_t i, colon, k;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n &&
		    p[i + 1] == '\n'))
			continue;
		buf_addc(&u, p[i]);
	}
	for (colon = 0; colon < u.len && u.data[colon] != ':'; colon++)
		;
	for (i = 0; i < u.len; i++) {
		/* name [0, colon), then ':' and value */
		size_t end = i < colon ? colon : u.len;
		char c = u.data[i];

		if (i == colon) {
			buf_addc(out, ':');
			continue;
		}
		if (ref_wsp(c)) {
			bool first = i == 0 || i == colon + 1;

			for (k = i; k + 1 < end && ref_wsp(u.data[k + 1]); k++)
				;
			if (!first && k + 1 < end)
				buf_addc(out, ' ');
			i = k;
			continue;
		}
		if (i < colon && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf_addc(out, c);
	}
	buf_add(out, "\r\n", 2);
	buf_free(&u);
}

static void
check_header(enum canon_alg alg, const char *raw, size_t len)
{
	struct buf out = BUF_INIT, ref = BUF_INIT;
	size_t i, n;

	buf_adds(&out, "X"); /* output is appended, not overwritten */
	canon_header(alg, raw, len, &out);
	n = out.len;
	if (n < 3 || out.data[0] != 'X' || out.data[n - 2] != '\r' ||
	    out.data[n - 1] != '\n')
		abort();
	check_crlf(out.data + 1, n - 1);
	switch (alg) {
	case CANON_RELAXED:
		ref_header_relaxed(raw, len, &ref);
		if (ref.len != n - 1 || memcmp(ref.data, out.data + 1,
		    ref.len) != 0)
			abort();
		buf_free(&ref);
		/* Unfolded: one line; no TAB, no double SP, no SP at the
		 * end, no SP around the first colon. */
		if (memchr(out.data + 1, '\n', n - 2) != NULL ||
		    memchr(out.data + 1, '\t', n - 1) != NULL ||
		    (n >= 4 && out.data[n - 3] == ' ') || out.data[1] == ' ')
			abort();
		for (i = 2; i + 2 < n; i++)
			if (out.data[i] == ' ' && out.data[i - 1] == ' ')
				abort();
		break;
	case CANON_DK_NOFWS:
		for (i = 1; i + 2 < n; i++)
			if (strchr(" \t\r\n", out.data[i]) != NULL &&
			    out.data[i] != '\0')
				abort();
		break;
	default:
		break;
	}
	buf_free(&out);
}

static void
run_body(enum canon_alg alg, uint64_t limit, const char *p, size_t n,
    uint64_t *seed, struct buf *out, uint64_t *len)
{
	struct canon_body *cb = canon_body_new(alg, limit, sink, out);
	size_t off = 0, k;

	while (off < n) {
		if (seed == NULL)
			k = n - off;
		else {
			uint64_t r = rng(seed);

			/* Mostly tiny chunks (splits inside CRLF and WSP
			 * runs), sometimes empty, sometimes large. */
			k = (r >> 8) % 8 == 0 ? (size_t)((r >> 16) % 5000) :
			    (size_t)((r >> 16) % 4);
			if (k > n - off)
				k = n - off;
		}
		canon_body_update(cb, p + off, k);
		off += k;
	}
	canon_body_final(cb);
	canon_body_final(cb); /* second call is a no-op */
	canon_body_update(cb, "x", 1); /* after final: ignored */
	*len = canon_body_length(cb);
	canon_body_free(cb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum canon_alg algs[] = {CANON_SIMPLE, CANON_RELAXED,
	    CANON_DK_SIMPLE, CANON_DK_NOFWS};
	uint64_t seed = 0x9e3779b97f4a7c15ULL, s, limit, len1, len2, len3;
	const char *p;
	size_t n, i;

	for (i = 0; i < 8 && i < size; i++)
		seed = (seed << 8) ^ data[i] ^ (seed >> 56);
	if (seed == 0)
		seed = 1;
	p = (const char *)data + (size < 8 ? size : 8);
	n = size - (size < 8 ? size : 8);

	for (i = 0; i < sizeof algs / sizeof algs[0]; i++) {
		struct buf one = BUF_INIT, split = BUF_INIT, lim = BUF_INIT;

		check_header(algs[i], p, n);

		run_body(algs[i], UINT64_MAX, p, n, NULL, &one, &len1);
		s = seed;
		run_body(algs[i], UINT64_MAX, p, n, &s, &split, &len2);
		if (one.len != split.len || len1 != len2 || len1 != one.len ||
		    (one.len > 0 && memcmp(one.data, split.data, one.len) != 0))
			abort();
		check_crlf(one.data ? one.data : "", one.len);
		{
			struct buf ref = BUF_INIT;

			ref_body(algs[i], p, n, &ref);
			if (ref.len != one.len || (one.len > 0 &&
			    memcmp(ref.data, one.data, one.len) != 0))
				abort();
			buf_free(&ref);
		}
		if (one.len > 0 && (one.len < 2 ||
		    one.data[one.len - 1] != '\n'))
			abort();
		if (algs[i] == CANON_SIMPLE && one.len == 0)
			abort(); /* RFC 6376 3.4.3: at least one CRLF */
		/* Trailing empty lines are removed (RFC 6376 3.4.3,
		 * 3.4.4; RFC 4870 3.4.1, 3.4.2.1). */
		if (one.len >= 4 && memcmp(one.data + one.len - 4,
		    "\r\n\r\n", 4) == 0)
			abort();
		for (size_t k = 0; algs[i] == CANON_RELAXED &&
		    k + 2 < one.len; k++) {
			const char *o = one.data + k;

			if (o[0] == '\t' || (o[0] == ' ' && (o[1] == ' ' ||
			    (o[1] == '\r' && o[2] == '\n'))))
				abort();
		}

		/* l=: a prefix of the whole, same total length. */
		s = seed;
		limit = rng(&s) % (one.len + 2);
		run_body(algs[i], limit, p, n, &s, &lim, &len3);
		if (len3 != len1 || lim.len != (limit < one.len ? limit :
		    one.len) || (lim.len > 0 && memcmp(lim.data, one.data,
		    lim.len) != 0))
			abort();
		buf_free(&one);
		buf_free(&split);
		buf_free(&lim);
	}
	return 0;
}
