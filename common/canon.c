/*
 * canon: DKIM (RFC 6376 3.4) and DomainKeys (RFC 4870 3.4)
 * canonicalisation.
 *
 * Line ends: CRLF or a bare LF end a line (LF input is accepted); a CR
 * not followed by LF is an ordinary byte (except in DomainKeys nofws, which
 * removes every CR).  Output always uses CRLF.
 *
 * The body canonicaliser finds the places where canonical output differs
 * from the input (line ends, whitespace runs, empty lines) with memchr()
 * or a vector scan, and passes the runs between them to the sink straight
 * from the caller's buffer (long runs) or batched (short pieces).  Its
 * output does not depend on how the body is split into chunks, and it
 * never holds a line: only a count of deferred empty lines (RFC 6376
 * 3.4.3/3.4.4 drop empty lines at the end), a CR that may start a CRLF in
 * the next chunk and, for relaxed, whether a WSP run is pending.
 *
 * DomainKeys: RFC 4870 3.4.1 and 3.4.2.1 sign one stream, headers then
 * body, and say "If the body consists entirely of empty lines, then the
 * header/body line is similarly ignored".  So for CANON_DK_* the body
 * canonicaliser owns that separator line: its output starts with the
 * header/body CRLF when (and only when) the body has a non-empty line.
 * The caller hashes the canonical headers, then this output, and must not
 * add a separator of its own.  (Mail::DKIM's DkCommon.pm does the same by
 * feeding the separator through its body canonicaliser.)  The separator is
 * counted by canon_body_length(); DomainKeys has no l= tag.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "common/canon.h"
#include "common/lex.h"
#include "common/util.h"

/* Output is batched before calling the sink (bytes, not a protocol limit). */
#define CANON_OUTBUF 4096

struct canon_body {
	enum canon_alg alg;
	uint64_t limit;		/* l=: bytes still to pass to the sink */
	uint64_t length;	/* whole canonical body */
	canon_sink sink;
	void *arg;
	uint64_t empty;		/* deferred empty lines */
	int cr;			/* a CR seen, not yet known to be CRLF */
	int nonempty;		/* current line has output */
	int wsp;		/* relaxed: a WSP run pending in this line */
	int finished;
	/* relaxed: the scanner for this CPU */
	const unsigned char *(*next)(const unsigned char *,
	    const unsigned char *);
	/* LF lines copied in one pass (lines_lf_avx2()), or NULL */
	const unsigned char *(*lines_lf)(struct canon_body *,
	    const unsigned char *, const unsigned char *);
	size_t outlen;
	unsigned char out[CANON_OUTBUF];
};

int
canon_parse(const char *s, size_t len, int dk, enum canon_alg *alg)
{
	if (util_strcaseeq_n(s, len, "simple", 6)) {
		*alg = dk ? CANON_DK_SIMPLE : CANON_SIMPLE;
		return 0;
	}
	if (!dk && util_strcaseeq_n(s, len, "relaxed", 7)) {
		*alg = CANON_RELAXED;
		return 0;
	}
	if (dk && util_strcaseeq_n(s, len, "nofws", 5)) {
		*alg = CANON_DK_NOFWS;
		return 0;
	}
	return -1;
}

const char *
canon_name(enum canon_alg alg)
{
	switch (alg) {
	case CANON_SIMPLE:
	case CANON_DK_SIMPLE:
		return "simple";
	case CANON_RELAXED:
		return "relaxed";
	case CANON_DK_NOFWS:
		return "nofws";
	}
	return "unknown";
}

static inline bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_special(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---------------------------------------------------------------- headers */

/*
 * RFC 6376 3.4.1 simple (and RFC 4870 3.4.1): the field unchanged, but
 * every line end as CRLF and the field ending in exactly one CRLF.  Whole
 * lines are appended at once.
 */
static void
header_simple(const char *raw, size_t len, struct buf *out)
{
	const char *p = raw, *end, *lf;

	/* Drop the field's own terminator; one CRLF is added below. */
	if (len > 0 && raw[len - 1] == '\n')
		len--;
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	end = raw + len;
	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (lf > p && lf[-1] == '\r') {
			buf_add(out, p, (size_t)(lf + 1 - p));
		} else {
			buf_add(out, p, (size_t)(lf - p));
			buf_add(out, "\r\n", 2); /* bare LF: LF input */
		}
		p = lf + 1;
	}
	buf_add(out, p, (size_t)(end - p));
	buf_add(out, "\r\n", 2);
}

/* A line end inside a field (CRLF or a bare LF), for unfolding. */
static bool
header_eol_at(const char *raw, size_t len, size_t i)
{
	return raw[i] == '\n' || (raw[i] == '\r' && i + 1 < len &&
	    raw[i + 1] == '\n');
}

/*
 * RFC 6376 3.4.2 relaxed, in the RFC's order: lower-case the name; unfold
 * (drop CRLF, and bare LF); WSP runs become one SP; no WSP at the end of
 * the value; no WSP before or after the colon.  Runs of bytes that need no
 * change are appended at once.
 */
static void
header_relaxed(const char *raw, size_t len, struct buf *out)
{
	size_t i = 0, j, start = out->len;
	bool wsp = false;
	unsigned char c;

	/* The name, lower-cased, up to the colon; WSP (and folding)
	 * before the colon is dropped. */
	for (; i < len && raw[i] != ':'; i++) {
		c = (unsigned char)raw[i];
		if (header_eol_at(raw, len, i))
			continue; /* unfolding: the line end goes */
		if (lex_is_wsp(c)) {
			wsp = out->len > start;
			continue;
		}
		if (wsp)
			buf_addc(out, ' ');
		wsp = false;
		buf_addc(out, (char)lex_to_lower(c));
	}
	if (i < len) {
		buf_addc(out, ':');
		i++;
		wsp = false;
		/* no WSP (or folding) right after the colon */
		while (i < len && (lex_is_wsp((unsigned char)raw[i]) ||
		    header_eol_at(raw, len, i)))
			i++;
	}
	/* The value: runs without WSP or line ends are copied as is. */
	while (i < len) {
		c = (unsigned char)raw[i];
		if (header_eol_at(raw, len, i)) {
			i++; /* unfolding: the line end goes */
			continue;
		}
		if (lex_is_wsp(c)) {
			wsp = true;
			i++;
			continue;
		}
		if (wsp)
			buf_addc(out, ' ');
		wsp = false;
		for (j = i + 1; j < len && !lex_is_wsp((unsigned char)raw[j]) &&
		    raw[j] != '\n' && !(raw[j] == '\r' && j + 1 < len &&
		    raw[j + 1] == '\n'); j++)
			;
		buf_add(out, raw + i, j - i);
		i = j;
	}
	buf_add(out, "\r\n", 2);
}

/*
 * RFC 4870 3.4.2.1 nofws: unwrap, remove every SP, HTAB, CR and LF
 * ("folding whitespace characters") and append CRLF.  Case is kept.
 */
static void
header_nofws(const char *raw, size_t len, struct buf *out)
{
	size_t i = 0, j;

	while (i < len) {
		for (j = i; j < len && !is_special((unsigned char)raw[j]); j++)
			;
		buf_add(out, raw + i, j - i);
		for (i = j; i < len && is_special((unsigned char)raw[i]); i++)
			;
	}
	buf_add(out, "\r\n", 2);
}

void
canon_header(enum canon_alg alg, const char *raw, size_t len,
    struct buf *out)
{
	switch (alg) {
	case CANON_RELAXED:
		header_relaxed(raw, len, out);
		break;
	case CANON_DK_NOFWS:
		header_nofws(raw, len, out);
		break;
	case CANON_SIMPLE:
	case CANON_DK_SIMPLE:
	default:
		header_simple(raw, len, out);
		break;
	}
}

/* ---------------------------------------------------------------- body */

/* Canonical output shorter than this is copied into cb->out and passed on
 * in batches; a longer run of input bytes that is its own canonical form
 * goes to the sink straight from the caller's buffer (bytes, not a
 * protocol limit). */
#define CANON_DIRECT_MIN 512

static void
flush(struct canon_body *cb)
{
	if (cb->outlen > 0)
		cb->sink(cb->arg, cb->out, cb->outlen);
	cb->outlen = 0;
}

/* Emit canonical bytes: counted always, passed on within the l= limit.
 * Short pieces are batched; long ones are passed in place, after what is
 * batched, so the sink sees the bytes in order. */
static void
emit_slow(struct canon_body *cb, const char *p, size_t n)
{
	cb->length += n;
	if (n > cb->limit)
		n = (size_t)cb->limit;
	cb->limit -= n;
	if (n == 0)
		return;
	if (n >= CANON_DIRECT_MIN) {
		flush(cb);
		cb->sink(cb->arg, p, n);
		return;
	}
	if (sizeof(cb->out) - cb->outlen < n)
		flush(cb);
	memcpy(cb->out + cb->outlen, p, n);
	cb->outlen += n;
}

/* The usual case inline: a short piece that fits, within the limit. */
static inline void
emit(struct canon_body *cb, const void *p, size_t n)
{
	if (n < CANON_DIRECT_MIN && n <= cb->limit &&
	    n <= sizeof(cb->out) - cb->outlen) {
		memcpy(cb->out + cb->outlen, p, n);
		cb->outlen += n;
		cb->length += n;
		cb->limit -= n;
		return;
	}
	emit_slow(cb, p, n);
}

/* Empty lines turned out not to be trailing: write them now. */
static void
flush_empty(struct canon_body *cb)
{
	static const char crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
	size_t k;

	while (cb->empty > 0) {
		k = cb->empty < 8 ? (size_t)cb->empty : 8;
		emit(cb, crlfs, 2 * k);
		cb->empty -= k;
	}
}

/*
 * n > 0 bytes of line content that are their own canonical form (for
 * relaxed: no WSP at either end and no WSP run longer than one SP; they
 * may also run on over whole lines ending in CRLF).  Deferred empty lines
 * (they were not trailing after all) and a pending relaxed WSP run (one
 * SP, RFC 6376 3.4.4) come first.
 */
static inline void
content(struct canon_body *cb, const unsigned char *p, size_t n)
{
	if (!cb->nonempty) {
		flush_empty(cb);
		cb->nonempty = 1;
	}
	if (cb->wsp) {
		emit(cb, " ", 1);
		cb->wsp = 0;
	}
	emit(cb, p, n);
}

/* End of a line whose terminator is not passed on as it came (a bare LF,
 * or a CRLF split over two chunks): a non-empty line gets CRLF, an empty
 * one is deferred (RFC 6376 3.4.3, 3.4.4: empty lines at the end of the
 * body are dropped).  A relaxed WSP run before it is trailing: dropped. */
static inline void
body_eol(struct canon_body *cb)
{
	if (cb->nonempty)
		emit(cb, "\r\n", 2);
	else
		cb->empty++;
	cb->nonempty = 0;
	cb->wsp = 0;
}

/* Pass on the run [rs, re) of input bytes that is its own canonical form;
 * eol: the run ends with a line's CRLF (so the next byte starts a line). */
static inline void
run_out(struct canon_body *cb, const unsigned char *rs,
    const unsigned char *re, bool eol)
{
	if (re > rs)
		content(cb, rs, (size_t)(re - rs));
	if (eol)
		cb->nonempty = 0;
}

/*
 * Relaxed (RFC 6376 3.4.4): the first byte in [p, e) that is not passed on
 * as it is: HTAB, CR, LF, or an SP that is followed by SP, HTAB, CR, LF or
 * the end of the chunk (a lone SP between two other bytes is already its
 * own canonical form).  Returns e when there is none.
 */
static const unsigned char *
relaxed_next(const unsigned char *p, const unsigned char *e)
{
#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i sp = _mm_set1_epi8(' '), ht = _mm_set1_epi8('\t');
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	__m128i a, b, other, next, hit;
	int mask;

	/* 16 bytes at a time, each with the byte after it (so p + 17). */
	while (e - p >= 17) {
		a = _mm_loadu_si128((const __m128i *)(const void *)p);
		b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		other = _mm_or_si128(_mm_cmpeq_epi8(a, ht),
		    _mm_or_si128(_mm_cmpeq_epi8(a, cr), _mm_cmpeq_epi8(a, lf)));
		next = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(b, sp), _mm_cmpeq_epi8(b, ht)),
		    _mm_or_si128(_mm_cmpeq_epi8(b, cr), _mm_cmpeq_epi8(b, lf)));
		hit = _mm_or_si128(other,
		    _mm_and_si128(_mm_cmpeq_epi8(a, sp), next));
		mask = _mm_movemask_epi8(hit);
		if (mask != 0)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	for (; p < e; p++) {
		if (*p == '\t' || *p == '\r' || *p == '\n')
			return p;
		if (*p == ' ' && (p + 1 == e || is_special(p[1])))
			return p;
	}
	return e;
}

#if defined(__GNUC__) && defined(__x86_64__)
#define CANON_AVX2 1
/* relaxed_next() 32 bytes at a time, on CPUs that have AVX2 (chosen at
 * run time by canon_body_new()). */
__attribute__((target("avx2"))) static const unsigned char *
relaxed_next_avx2(const unsigned char *p, const unsigned char *e)
{
	const __m256i sp = _mm256_set1_epi8(' '), ht = _mm256_set1_epi8('\t');
	const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	__m256i a, b, other, next, hit;
	unsigned mask;

	while (e - p >= 33) {
		a = _mm256_loadu_si256((const __m256i *)(const void *)p);
		b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 1));
		other = _mm256_or_si256(_mm256_cmpeq_epi8(a, ht),
		    _mm256_or_si256(_mm256_cmpeq_epi8(a, cr),
		    _mm256_cmpeq_epi8(a, lf)));
		next = _mm256_or_si256(
		    _mm256_or_si256(_mm256_cmpeq_epi8(b, sp),
		    _mm256_cmpeq_epi8(b, ht)),
		    _mm256_or_si256(_mm256_cmpeq_epi8(b, cr),
		    _mm256_cmpeq_epi8(b, lf)));
		hit = _mm256_or_si256(other,
		    _mm256_and_si256(_mm256_cmpeq_epi8(a, sp), next));
		mask = (unsigned)_mm256_movemask_epi8(hit);
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 32;
	}
	return relaxed_next(p, e);
}
#endif

/*
 * LF input (DESIGN.md "Line endings"): every line end is written
 * differently (CRLF for LF), so no run of input is its own canonical form
 * and each line would cost a scan, a copy and the line end as three
 * pieces.  lines_lf() does the usual case in one pass: lines with content
 * that end in a bare LF, with no CR (relaxed and simple), are copied 32
 * bytes at a time into the output batch, their LF written as CRLF (RFC
 * 6376 3.4.3, 3.4.4); for relaxed, a WSP run (HTAB, or SP followed by
 * WSP) before more content is written as one SP and one before the LF is
 * dropped (3.4.4), so text with trailing blanks stays here too.  It starts
 * at the start of a line with nothing pending (no deferred empty line, no
 * CR, no WSP run) and stops, at the start of a line, at the first line
 * that is not of that form (an empty or WSP-only line, a CRLF, a WSP run
 * reaching the end of the chunk, ...), at a line longer
 * than the batch, or near the end of the chunk, leaving that line to the
 * general scan.  Returns the new position.
 */
#define CANON_LF_MIN 34 /* one 32-byte load, the byte after, CRLF room */

#ifdef CANON_AVX2
__attribute__((target("avx2"))) static const unsigned char *
lines_lf_avx2(struct canon_body *cb, const unsigned char *p,
    const unsigned char *e)
{
	const __m256i sp = _mm256_set1_epi8(' ');
	const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	/* indexed by the low nibble: the special byte with that nibble
	 * (SP 0x20, HTAB 0x09, LF 0x0a, CR 0x0d), else a byte whose low
	 * nibble differs from its index (0x00 at 15, 0x01 elsewhere) */
	const __m256i tbl = _mm256_setr_epi8(
	    0x20, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	    0x01, 0x09, 0x0a, 0x01, 0x01, 0x0d, 0x01, 0x00,
	    0x20, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	    0x01, 0x09, 0x0a, 0x01, 0x01, 0x0d, 0x01, 0x00);
	const bool relaxed = cb->alg == CANON_RELAXED;
	unsigned char *const base = cb->out, *const oend = base + CANON_OUTBUF;
	unsigned char *out = base + cb->outlen, *ols = out, *done = out;
	const unsigned char *ls = p;
	__m256i a, b, hit, next, spa;
	unsigned mask, k;

	while (e - p >= CANON_LF_MIN) {
		if (oend - out < CANON_LF_MIN) {
			/* the batch is full: pass on the complete lines */
			size_t n = (size_t)(ols - base), part;

			if (n == 0 || cb->limit - (uint64_t)(ols - done) <
			    CANON_OUTBUF)
				break; /* a long line, or the l= end near */
			cb->length += (uint64_t)(ols - done);
			cb->limit -= (uint64_t)(ols - done);
			cb->sink(cb->arg, base, n);
			part = (size_t)(out - ols);
			memmove(base, ols, part);
			ols = done = base;
			out = base + part;
		}
		a = _mm256_loadu_si256((const __m256i *)(const void *)p);
		_mm256_storeu_si256((__m256i *)(void *)out, a);
		if (relaxed) {
			/* special: SP, HTAB, CR or LF, by a table lookup on
			 * the low nibble (bytes >= 0x80 look up 0) */
			b = _mm256_loadu_si256(
			    (const __m256i *)(const void *)(p + 1));
			spa = _mm256_cmpeq_epi8(a, sp);
			hit = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(tbl, a), a);
			next = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(tbl, b),
			    b);
			/* HTAB, CR, LF, or an SP before a special byte */
			hit = _mm256_or_si256(_mm256_andnot_si256(spa, hit),
			    _mm256_and_si256(spa, next));
		} else
			hit = _mm256_or_si256(_mm256_cmpeq_epi8(a, cr),
			    _mm256_cmpeq_epi8(a, lf));
		mask = (unsigned)_mm256_movemask_epi8(hit);
		if (mask == 0) {
			p += 32;
			out += 32;
			continue;
		}
		k = (unsigned)__builtin_ctz(mask);
		if (relaxed && (p[k] == ' ' || p[k] == '\t')) {
			/* a WSP run (RFC 6376 3.4.4): one SP before more
			 * content, nothing before the LF.  The bytes before
			 * it are content (a WSP byte just before it would
			 * have been the hit). */
			const unsigned char *q = p + k;

			while (q < e && (*q == ' ' || *q == '\t'))
				q++;
			if (q == e || *q == '\r' || (*q == '\n' &&
			    p + k == ls))
				break; /* the chunk end, CR, a WSP-only line */
			if (*q != '\n') {
				out[k] = ' ';
				out += k + 1;
				p = q;
				continue;
			}
			/* trailing WSP, then the LF: dropped, CRLF */
			out += k;
			out[0] = '\r';
			out[1] = '\n';
			out += 2;
			p = q + 1;
			ls = p;
			ols = out;
			continue;
		}
		if (p[k] != '\n' || p + k == ls)
			break; /* not a line of the usual form */
		out += k;
		out[0] = '\r';
		out[1] = '\n';
		out += 2;
		p += k + 1;
		ls = p;
		ols = out;
	}
	/* what is out is complete lines; the rest goes to the general scan */
	cb->length += (uint64_t)(ols - done);
	cb->limit -= (uint64_t)(ols - done);
	cb->outlen = (size_t)(ols - base);
	return ls;
}
#endif

/* Simple (RFC 6376 3.4.3, RFC 4870 3.4.1): only line ends matter; the
 * first LF, or a CR that is the last byte of the chunk (it may be the CR
 * of a CRLF), else e.  A CR before the LF is found by the caller. */
static const unsigned char *
simple_next(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *q = memchr(p, '\n', (size_t)(e - p));

	if (q != NULL)
		return q;
	return p < e && e[-1] == '\r' ? e - 1 : e;
}

/* DomainKeys nofws (RFC 4870 3.4.2.1): the first SP, HTAB, CR or LF. */
static const unsigned char *
nofws_next(const unsigned char *p, const unsigned char *e)
{
	while (p < e && !is_special(*p))
		p++;
	return p;
}

struct canon_body *
canon_body_new(enum canon_alg alg, uint64_t limit, canon_sink sink,
    void *arg)
{
	struct canon_body *cb = xcalloc(1, sizeof(*cb));

	cb->alg = alg;
	cb->limit = limit;
	cb->sink = sink;
	cb->arg = arg;
	cb->next = relaxed_next;
#ifdef CANON_AVX2
	if (__builtin_cpu_supports("avx2")) {
		cb->next = relaxed_next_avx2;
		if (alg == CANON_RELAXED || alg == CANON_SIMPLE)
			cb->lines_lf = lines_lf_avx2;
	}
#endif
	/* DomainKeys: the header/body separator is the first, deferred,
	 * empty line of the stream (see the comment at the top). */
	if (alg == CANON_DK_SIMPLE || alg == CANON_DK_NOFWS)
		cb->empty = 1;
	return cb;
}

/* At the start of a line with nothing pending, and far enough from the
 * l= end that a whole batch fits: lines_lf() may run. */
static inline bool
lf_ready(const struct canon_body *cb)
{
	return cb->lines_lf != NULL && !cb->nonempty && !cb->cr &&
	    !cb->wsp && cb->empty == 0 && cb->limit >= CANON_OUTBUF;
}

/*
 * The input is cut into runs that are their own canonical form, passed on
 * in place (run_out()), and the places where canonical output differs:
 * line ends written differently (bare LF) or held back (empty lines, a CR
 * that may start a CRLF at the end of the chunk), and, for relaxed and
 * nofws, whitespace.  A run may cross CRLF line ends as long as the line
 * before has content, so text with CRLF lines and single spaces goes to
 * the hash in one piece.  State kept between chunks: cr (the chunk ended
 * in CR), wsp (relaxed: the chunk ended in a WSP run), nonempty (the
 * current line has content out) and empty (deferred empty lines).
 */
void
canon_body_update(struct canon_body *cb, const void *data, size_t n)
{
	const unsigned char *p, *e, *rs, *x, *y;
	bool nofws, relaxed, eol = false, line;

	if (cb == NULL || cb->finished || n == 0)
		return;
	p = data;
	e = p + n;
	relaxed = cb->alg == CANON_RELAXED;
	nofws = cb->alg == CANON_DK_NOFWS;
	if (cb->cr) {
		/* the last chunk ended in CR: a CRLF, or a lone CR (content
		 * for DKIM, removed by nofws) */
		cb->cr = 0;
		if (*p == '\n') {
			body_eol(cb);
			p++;
		} else if (!nofws)
			content(cb, (const unsigned char *)"\r", 1);
	}
	if (relaxed && cb->wsp)
		while (p < e && is_wsp(*p))
			p++; /* the same WSP run goes on */
	if (lf_ready(cb))
		p = cb->lines_lf(cb, p, e);
	/* The run [rs, p) is passed on as it is; eol: it ends with a CRLF;
	 * line: the current line has content (out already, or in the run). */
	rs = p;
	line = cb->nonempty;
	while (p < e) {
		x = relaxed ? cb->next(p, e) : nofws ? nofws_next(p, e) :
		    simple_next(p, e);
		if (x == e)
			break;
		if (*x == '\n' && !nofws && x > p && x[-1] == '\r')
			x--; /* simple: the CR of this CRLF */
		if (x > p) {
			line = true;
			eol = false;
		}
		if (*x == '\r' && x + 1 < e && x[1] == '\n') {
			if (x == rs)
				cb->wsp = 0; /* trailing WSP is dropped */
			if (line && !nofws) {
				/* a line with content: its CRLF is its own
				 * canonical form, the run goes on */
				p = x + 2;
				eol = true;
				line = false;
				continue;
			}
			run_out(cb, rs, x, eol);
			body_eol(cb); /* nofws, or an empty line: deferred */
			eol = false;
			rs = p = x + 2;
			line = cb->nonempty;
			continue;
		}
		if (*x == '\r' && x + 1 == e) {
			/* maybe the CR of a CRLF: wait for the next chunk */
			run_out(cb, rs, x, eol);
			cb->cr = 1;
			eol = false;
			rs = p = e;
			break;
		}
		if (*x == '\r' && !nofws) {
			/* a lone CR is content; the run goes on */
			p = x + 1;
			line = true;
			eol = false;
			continue;
		}
		run_out(cb, rs, x, eol);
		eol = false;
		if (*x == '\n') {
			body_eol(cb); /* bare LF: LF input */
			rs = p = x + 1;
			if (lf_ready(cb))
				rs = p = cb->lines_lf(cb, p, e);
			line = cb->nonempty;
			continue;
		}
		/* WSP (relaxed, nofws) or a lone CR (nofws): skip them all */
		y = x;
		while (y < e && (is_wsp(*y) || (nofws && *y == '\r' &&
		    y + 1 < e && y[1] != '\n')))
			y++;
		if (relaxed)
			cb->wsp = 1; /* one SP, unless it ends the line */
		if (y < e && *y == '\n') {
			body_eol(cb); /* trailing WSP, then a bare LF */
			y++;
			if (lf_ready(cb))
				y = cb->lines_lf(cb, y, e);
		}
		rs = p = y;
		line = cb->nonempty;
	}
	if (p < e) {
		eol = false; /* content after the last CRLF */
		p = e;
	}
	run_out(cb, rs, p, eol);
	flush(cb);
}

void
canon_body_final(struct canon_body *cb)
{
	if (cb == NULL || cb->finished)
		return;
	if (cb->cr) {
		cb->cr = 0;
		if (cb->alg != CANON_DK_NOFWS)
			content(cb, (const unsigned char *)"\r", 1);
	}
	/* A last line without its CRLF gets one (RFC 6376 3.4.3, 3.4.4;
	 * RFC 4870 3.4.1 "Append CRLF to the resulting line"); for
	 * relaxed, a last line of only WSP is empty and is dropped. */
	if (cb->nonempty)
		body_eol(cb);
	/* RFC 6376 3.4.3: an empty body (or one of only empty lines) is
	 * a single CRLF for simple; relaxed (3.4.4 and errata 1384) and
	 * DomainKeys leave it empty. */
	if (cb->alg == CANON_SIMPLE && cb->length == 0)
		emit(cb, "\r\n", 2);
	cb->empty = 0;
	flush(cb);
	cb->finished = 1;
}

uint64_t
canon_body_length(const struct canon_body *cb)
{
	return cb->length;
}

void
canon_body_free(struct canon_body *cb)
{
	free(cb);
}
