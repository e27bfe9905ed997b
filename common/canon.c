/*
 * canon: DKIM (RFC 6376 3.4) and DomainKeys (RFC 4870 3.4)
 * canonicalisation.
 *
 * Line ends: CRLF or a bare LF end a line (LF input is accepted); a CR
 * not followed by LF is an ordinary byte (except in DomainKeys nofws, which
 * removes every CR).  Output always uses CRLF.
 *
 * The body canonicaliser is a byte-at-a-time state machine, so the output
 * does not depend on how the body is split into chunks, and it never holds
 * a line: only a count of deferred empty lines (RFC 6376 3.4.3/3.4.4 drop
 * empty lines at the end) and, for relaxed, whether a WSP run is pending.
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

#include <stdlib.h>
#include <string.h>

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

/* ---------------------------------------------------------------- headers */

/*
 * RFC 6376 3.4.1 simple (and RFC 4870 3.4.1): the field unchanged, but
 * every line end as CRLF and the field ending in exactly one CRLF.
 */
static void
header_simple(const char *raw, size_t len, struct buf *out)
{
	size_t i;

	/* Drop the field's own terminator; one CRLF is added below. */
	if (len > 0 && raw[len - 1] == '\n')
		len--;
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, raw[i]);
	}
	buf_add(out, "\r\n", 2);
}

/*
 * RFC 6376 3.4.2 relaxed, in the RFC's order: lower-case the name; unfold
 * (drop CRLF, and bare LF); WSP runs become one SP; no WSP at the end of
 * the value; no WSP before or after the colon.
 */
static void
header_relaxed(const char *raw, size_t len, struct buf *out)
{
	size_t i, start = out->len;
	bool inname = true, wsp = false;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)raw[i];
		if (c == '\n' || (c == '\r' && i + 1 < len &&
		    raw[i + 1] == '\n'))
			continue;
		if (lex_is_wsp(c)) {
			wsp = true;
			continue;
		}
		if (inname && c == ':') {
			/* no WSP before or after the colon */
			buf_addc(out, ':');
			inname = false;
			wsp = false;
			/* skip WSP right after the colon */
			while (i + 1 < len &&
			    (lex_is_wsp((unsigned char)raw[i + 1]) ||
			    raw[i + 1] == '\n' || (raw[i + 1] == '\r' &&
			    i + 2 < len && raw[i + 2] == '\n')))
				i++;
			continue;
		}
		if (wsp && out->len > start)
			buf_addc(out, ' ');
		wsp = false;
		if (inname && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		buf_addc(out, (char)c);
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
	size_t i;

	for (i = 0; i < len; i++) {
		char c = raw[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			buf_addc(out, c);
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

static void
flush(struct canon_body *cb)
{
	if (cb->outlen > 0)
		cb->sink(cb->arg, cb->out, cb->outlen);
	cb->outlen = 0;
}

/* Emit canonical bytes: counted always, passed on within the l= limit. */
static void
emit(struct canon_body *cb, const char *p, size_t n)
{
	size_t k;

	cb->length += n;
	if (n > cb->limit)
		n = (size_t)cb->limit;
	cb->limit -= n;
	while (n > 0) {
		k = sizeof(cb->out) - cb->outlen;
		if (k > n)
			k = n;
		memcpy(cb->out + cb->outlen, p, k);
		cb->outlen += k;
		p += k;
		n -= k;
		if (cb->outlen == sizeof(cb->out))
			flush(cb);
	}
}

/* Empty lines turned out not to be trailing: write them now. */
static void
flush_empty(struct canon_body *cb)
{
	for (; cb->empty > 0; cb->empty--)
		emit(cb, "\r\n", 2);
}

/* One byte of line content (not a line end). */
static void
body_char(struct canon_body *cb, unsigned char c)
{
	char ch = (char)c;

	switch (cb->alg) {
	case CANON_RELAXED:
		/* RFC 6376 3.4.4: WSP runs become one SP; WSP at the end
		 * of a line is dropped, so a run waits for the next byte. */
		if (lex_is_wsp(c)) {
			cb->wsp = 1;
			return;
		}
		flush_empty(cb);
		if (cb->wsp)
			emit(cb, " ", 1);
		cb->wsp = 0;
		break;
	case CANON_DK_NOFWS:
		/* RFC 4870 3.4.2.1: SP, HTAB and CR are removed. */
		if (lex_is_wsp(c) || c == '\r')
			return;
		flush_empty(cb);
		break;
	case CANON_SIMPLE:
	case CANON_DK_SIMPLE:
	default:
		flush_empty(cb);
		break;
	}
	emit(cb, &ch, 1);
	cb->nonempty = 1;
}

/* A byte every algorithm passes through unchanged inside a line. */
static bool
plain(unsigned char c)
{
	return c != '\r' && c != '\n' && c != ' ' && c != '\t';
}

/* End of a line: a non-empty one is written, an empty one deferred. */
static void
body_eol(struct canon_body *cb)
{
	if (cb->nonempty)
		emit(cb, "\r\n", 2);
	else
		cb->empty++;
	cb->nonempty = 0;
	cb->wsp = 0;
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
	/* DomainKeys: the header/body separator is the first, deferred,
	 * empty line of the stream (see the comment at the top). */
	if (alg == CANON_DK_SIMPLE || alg == CANON_DK_NOFWS)
		cb->empty = 1;
	return cb;
}

void
canon_body_update(struct canon_body *cb, const void *data, size_t n)
{
	const unsigned char *p, *end;

	if (cb == NULL || cb->finished || n == 0)
		return;
	p = data;
	end = p + n;
	for (; p < end; p++) {
		/* Fast path: a run of bytes that every algorithm copies as
		 * is (not CR, LF, SP, HTAB) goes out in one piece. */
		if (!cb->cr && plain(*p)) {
			const unsigned char *q = p + 1;

			while (q < end && plain(*q))
				q++;
			body_char(cb, *p);
			if (q - p > 1)
				emit(cb, (const char *)p + 1, (size_t)(q - p - 1));
			p = q - 1;
			continue;
		}
		if (cb->cr) {
			cb->cr = 0;
			if (*p == '\n') {
				body_eol(cb);
				continue;
			}
			body_char(cb, '\r'); /* a lone CR is content */
		}
		if (*p == '\r')
			cb->cr = 1;
		else if (*p == '\n')
			body_eol(cb); /* bare LF: LF input */
		else
			body_char(cb, *p);
	}
	flush(cb);
}

void
canon_body_final(struct canon_body *cb)
{
	if (cb == NULL || cb->finished)
		return;
	if (cb->cr) {
		cb->cr = 0;
		body_char(cb, '\r');
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
