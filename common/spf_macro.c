/*
 * spf_macro: macro expansion (RFC 7208 section 7).
 *
 * Every expansion is bounded, whatever the record and the identity: a
 * record of thousands of "%{s}" with an address of hundreds of KB must not
 * cost record x address bytes (a filter that runs out of memory loses the
 * message).  A domain-spec keeps only the rightmost SPF_MACRO_TAIL bytes of
 * its expansion, which is all that RFC 7208 7.3's truncation from the left
 * can keep; an explanation keeps its leftmost SPF_EXPLAIN_MAX bytes.  Each
 * macro costs O(SPF_MACRO_TAIL) (domain-spec) or O(its output) (explanation,
 * which stops when full), never O(number of parts): the transformers walk
 * the value instead of splitting it into an array.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lex.h"
#include "common/spf_int.h"
#include "common/util.h"

/* RFC 7208 7.3: "When the result of macro expansion is used in a domain
 * name query, if the expanded domain name exceeds 253 characters [...],
 * the left side is truncated to fit, by removing successive domain labels
 * (and their following dots) until the total length does not exceed 253
 * characters."  What survives is a suffix of at most 253 bytes that starts
 * a label; deciding it needs those 253 bytes, the byte before them (a dot
 * or not) and one more for a trailing dot, which is no label (RFC 7208
 * 4.3) and is dropped first.  So the rightmost 253 + 3 bytes of a
 * domain-spec's expansion decide the name; nothing to their left can. */
#define SPF_MACRO_TAIL (SPF_MAX_DOMAIN + 3)

/* RFC 7208 6.2: the explanation is for the SMTP reply that rejects the
 * mail (and for Received-SPF readers); RFC 5321 4.5.3.1.5 limits a reply
 * line to 512 octets with its code and CRLF, so "550 5.7.1 " (10) plus
 * this plus CRLF fit in one line.  Longer explanations are cut here, at
 * the right, as no reader could get more. */
#define SPF_EXPLAIN_MAX 500

/* RFC 7208 7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" */
static const char spf_delims[] = ".-+,/_=";
#define SPF_NDELIMS (sizeof(spf_delims) - 1)
_Static_assert(SPF_NDELIMS ==
                   sizeof(((struct spf_macro_vals *)0)->far_delim[0]) /
                       sizeof(size_t),
               "one far_delim entry per delimiter");

/* The bit of delimiter ch in a delimiter set, 0 when ch is none. */
static unsigned
delim_bit(unsigned char ch)
{
	const char *p;

	if (ch == '\0' || (p = strchr(spf_delims, ch)) == NULL)
		return 0;
	return 1u << (p - spf_delims);
}

/* RFC 3986 2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
static bool
unreserved(unsigned char ch)
{
	return lex_is_alpha(ch) || lex_is_digit(ch) || ch == '-' || ch == '.' ||
	    ch == '_' || ch == '~';
}

/* One letter's value (RFC 7208 7.3). */
struct mval {
	const char *s;
	size_t len;
	int slot;     /* index into c->far_delim (long values), or -1 */
	char *freeme; /* %{p} */
	char tbuf[32];
};

/* The expansion being built. */
struct mout {
	char *b;
	size_t len;
	size_t cap; /* SPF_MACRO_TAIL (tail) or SPF_EXPLAIN_MAX */
	bool tail;  /* keep the rightmost cap bytes; else the leftmost */
	bool full;  /* not tail: cap reached, the rest is dropped */
};

/* A domain name without its one trailing dot: the dot is the root, no
 * label (RFC 7208 4.3), so %{d1} of "a.example.com." is "com" (as
 * Mail::SPF has it), not the empty string.  <domain> and the sender's
 * domain are domains, so %{d} and %{o} never show the dot; %{h} is the
 * HELO name as the client gave it, and loses the dot only when split into
 * labels by a transformer (as in Mail::SPF, whose %{h} of "mx.example.com."
 * is that, dot included, and %{h1} "com"). */
static void
set_domain(struct mval *v, const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '.')
		len--;
	v->s = s;
	v->len = len;
}

/* A value that is a C string as it is. */
static void
set_text(struct mval *v, const char *s)
{
	v->s = s;
	v->len = strlen(s);
}

static void
letter_value(struct spf_macro_vals *c, const char *domain, int letter,
             bool split, struct mval *v)
{
	v->s = "";
	v->len = 0;
	v->slot = -1;
	v->freeme = NULL;
	switch (letter) {
	case 's':
		v->s = c->sender;
		v->len = c->sender_len;
		v->slot = 0;
		break;
	case 'l':
		v->s = c->local;
		v->len = c->local_len;
		v->slot = 1;
		break;
	case 'o':
		set_domain(v, c->sdomain, c->sdomain_len);
		v->slot = 2;
		break;
	case 'd':
		set_domain(v, domain, strlen(domain));
		break;
	case 'i':
		set_text(v, c->ipi);
		break;
	case 'p':
		v->freeme = c->p(c->p_arg, domain);
		set_text(v, v->freeme);
		break;
	case 'v':
		set_text(v, c->family == 4 ? "in-addr" : "ip6");
		break;
	case 'h':
		if (c->helo != NULL && c->helo[0] != '\0') {
			v->s = c->helo;
			v->len = c->helo_len;
			if (split)
				set_domain(v, c->helo, c->helo_len);
			v->slot = 3;
		} else {
			set_text(v, "unknown");
		}
		break;
	case 'c':
		set_text(v, c->ipc);
		break;
	case 'r':
		set_text(v, c->receiver != NULL && c->receiver[0] != '\0'
		           ? c->receiver
		           : "unknown");
		break;
	case 't':
		snprintf(v->tbuf, sizeof(v->tbuf), "%lld", c->now);
		set_text(v, v->tbuf);
		break;
	}
}

/* The first delimiter of mask in v at or after from, or v->len. */
static size_t
find_delim(struct spf_macro_vals *c, const struct mval *v, unsigned mask,
           size_t from)
{
	size_t i, lim = v->len, k, best;

	/* A long value of the context (s, l, o, h) is scanned once per
	 * delimiter past SPF_MACRO_TAIL, not once per macro: a record of
	 * many "%{lr}" costs O(SPF_MACRO_TAIL) a macro. */
	if (v->slot >= 0 && from < SPF_MACRO_TAIL && lim > SPF_MACRO_TAIL)
		lim = SPF_MACRO_TAIL;
	for (i = from; i < lim; i++)
		if (delim_bit((unsigned char)v->s[i]) & mask)
			return i;
	if (lim == v->len)
		return v->len;
	best = v->len;
	for (k = 0; k < SPF_NDELIMS; k++) {
		size_t *far = &c->far_delim[v->slot][k];

		if (!(mask & (1u << k)))
			continue;
		if (*far == 0) {
			const char *p =
			    memchr(v->s + SPF_MACRO_TAIL, spf_delims[k],
			           v->len - SPF_MACRO_TAIL);

			*far = (p != NULL ? (size_t)(p - v->s) : v->len) + 1;
		}
		if (*far - 1 < best)
			best = *far - 1;
	}
	return best;
}

/* Writing a macro's output backwards into the rightmost bytes of w[]. */
struct back {
	char w[SPF_MACRO_TAIL];
	size_t pos; /* w[pos..] is written; 0: full */
};

static void
back_put(struct back *bk, unsigned char ch, bool escape)
{
	if (escape && !unreserved(ch)) {
		/* RFC 7208 7.3: upper-case letters are URL-escaped
		 * (RFC 3986): every byte not "unreserved", as %XX. */
		back_put(bk, (unsigned char)"0123456789ABCDEF"[ch & 15], false);
		back_put(bk, (unsigned char)"0123456789ABCDEF"[ch >> 4], false);
		back_put(bk, '%', false);
		return;
	}
	if (bk->pos > 0)
		bk->w[--bk->pos] = (char)ch;
}

/* Add bytes at the right of o: tail keeps the rightmost cap bytes (its
 * buffer holds 2 * cap so that it moves them at most every cap bytes). */
static void
mout_add(struct mout *o, const char *s, size_t n)
{
	size_t room;

	if (o->tail) {
		if (n >= o->cap) {
			memcpy(o->b, s + n - o->cap, o->cap);
			o->len = o->cap;
			return;
		}
		if (o->len + n > 2 * o->cap) {
			memmove(o->b, o->b + o->len - o->cap, o->cap);
			o->len = o->cap;
		}
		memcpy(o->b + o->len, s, n);
		o->len += n;
		return;
	}
	room = o->cap - o->len;
	if (n > room) {
		n = room;
		o->full = true;
	}
	memcpy(o->b + o->len, s, n);
	o->len += n;
}

/* Explanation: one output byte (or its %XX escape) at the right. */
static void
mout_put(struct mout *o, unsigned char ch, bool escape)
{
	char e[3];

	if (o->full)
		return;
	if (escape && !unreserved(ch)) {
		e[0] = '%';
		e[1] = "0123456789ABCDEF"[ch >> 4];
		e[2] = "0123456789ABCDEF"[ch & 15];
		if (o->cap - o->len < 3) {
			/* no half escapes */
			o->full = true;
			return;
		}
		mout_add(o, e, 3);
		return;
	}
	mout_add(o, (const char *)&ch, 1);
}

/*
 * RFC 7208 7.3 transformers: split the value on the delimiters (default
 * "."), reverse the parts if asked, keep the rightmost n (0: all; more
 * than there are: all), join them with ".".  Never an array of parts:
 * any number of parts gives the exact answer.
 *
 * Domain-spec (o->tail): only the rightmost SPF_MACRO_TAIL bytes of the
 * output can matter (see SPF_MACRO_TAIL); they are written backwards.
 * Not reversed, they are the value's own end; reversed, the output ends
 * with the first part, so the parts are walked from the value's start.
 */
static void
transform_tail(struct spf_macro_vals *c, struct mout *o, const struct mval *v,
               size_t n, bool reverse, unsigned mask, bool escape)
{
	struct back bk;
	size_t i, parts = 0, s, e;

	bk.pos = sizeof(bk.w);
	if (!reverse) {
		for (i = v->len; i > 0 && bk.pos > 0; i--) {
			unsigned char ch = (unsigned char)v->s[i - 1];

			if (delim_bit(ch) & mask) {
				if (n > 0 && ++parts == n)
					break;
				back_put(&bk, '.', false);
			} else {
				back_put(&bk, ch, escape);
			}
		}
	} else {
		for (s = 0; bk.pos > 0; s = e + 1) {
			e = find_delim(c, v, mask, s);
			for (i = e; i > s && bk.pos > 0; i--)
				back_put(&bk, (unsigned char)v->s[i - 1],
				         escape);
			if (e >= v->len || (n > 0 && ++parts == n))
				break;
			back_put(&bk, '.', false);
		}
	}
	mout_add(o, bk.w + bk.pos, sizeof(bk.w) - bk.pos);
}

/*
 * Explanation: the output is written forwards until o is full.  Finding
 * where it starts costs no more than the output itself: not reversed, the
 * n rightmost parts are found from the value's end; reversed, the output
 * starts with part n, found from the value's start.
 */
static void
transform_head(struct mout *o, const struct mval *v, size_t n, bool reverse,
               unsigned mask, bool escape)
{
	size_t i, parts = 0, start = 0, end, s;

	if (!reverse) {
		for (i = v->len; i > 0; i--)
			if ((delim_bit((unsigned char)v->s[i - 1]) & mask) &&
			    n > 0 && ++parts == n) {
				start = i;
				break;
			}
		for (i = start; i < v->len && !o->full; i++) {
			unsigned char ch = (unsigned char)v->s[i];

			if (delim_bit(ch) & mask)
				mout_put(o, '.', false);
			else
				mout_put(o, ch, escape);
		}
		return;
	}
	/* reversed: part n (or the last) ends at end */
	end = v->len;
	for (i = 0; i < v->len; i++)
		if ((delim_bit((unsigned char)v->s[i]) & mask) && n > 0 &&
		    ++parts == n) {
			end = i;
			break;
		}
	for (;;) {
		for (s = end; s > 0; s--)
			if (delim_bit((unsigned char)v->s[s - 1]) & mask)
				break;
		for (i = s; i < end && !o->full; i++)
			mout_put(o, (unsigned char)v->s[i], escape);
		if (s == 0 || o->full)
			break;
		mout_put(o, '.', false);
		end = s - 1;
	}
}

/* RFC 7208 7.3: the domain-spec's name: one trailing dot dropped, then
 * labels removed from the left while longer than 253 bytes.  A last label
 * that alone is longer stays (too long: no valid name, as before). */
static void
finish_domain(struct mout *o)
{
	size_t skip = 0;
	char *dot;

	if (o->len > 0 && o->b[o->len - 1] == '.')
		o->len--;
	while (o->len - skip > SPF_MAX_DOMAIN &&
	       (dot = memchr(o->b + skip, '.', o->len - skip)) != NULL)
		skip = (size_t)(dot - o->b) + 1;
	memmove(o->b, o->b + skip, o->len - skip);
	o->len -= skip;
}

/* One macro at s[i] ('%' followed by a checked macro-expand or escape,
 * RFC 7208 7.1) expanded into o; returns the index after it. */
static size_t
expand_one(struct spf_macro_vals *c, const char *domain, const char *s,
           size_t i, struct mout *o)
{
	struct mval v;
	size_t n = 0, d;
	bool reverse = false, escape;
	unsigned mask = 0;
	int letter;

	switch (s[i + 1]) {
	case '%':
		mout_add(o, "%", 1);
		return i + 2;
	case '_':
		mout_add(o, " ", 1);
		return i + 2;
	case '-':
		mout_add(o, "%20", 3);
		return i + 2;
	}
	/* "%{" letter *DIGIT [ "r" ] *delimiter "}" */
	i += 2;
	letter = lex_to_lower((unsigned char)s[i]);
	escape = letter != (unsigned char)s[i]; /* an upper-case letter */
	i++;
	while (lex_is_digit((unsigned char)s[i])) {
		d = (size_t)(s[i] - '0');
		/* saturate: more than there can be parts means all */
		n = n > (SIZE_MAX - d) / 10 ? SIZE_MAX : n * 10 + d;
		i++;
	}
	if (s[i] == 'r' || s[i] == 'R') {
		reverse = true;
		i++;
	}
	while (s[i] != '}')
		mask |= delim_bit((unsigned char)s[i++]);
	i++;
	/* the HELO name loses its root dot when split into labels: a
	 * transformer, and "." among the delimiters */
	letter_value(c, domain, letter,
	             (n > 0 || reverse) &&
	                 (mask == 0 || (mask & delim_bit('.')) != 0),
	             &v);
	if (mask == 0)
		mask = delim_bit('.');
	if (o->tail)
		transform_tail(c, o, &v, n, reverse, mask, escape);
	else
		transform_head(o, &v, n, reverse, mask, escape);
	free(v.freeme);
	return i;
}

int
spf_macro_expand(struct spf_macro_vals *c, const char *domain, const char *s,
                 size_t len, enum spf_mstr kind, struct buf *out, char **err)
{
	char tailbuf[2 * SPF_MACRO_TAIL], headbuf[SPF_EXPLAIN_MAX];
	struct mout o;
	size_t i = 0;

	/* Check the whole string first: a syntax error anywhere means the
	 * string is not used at all. */
	if (spf_mstr_check(s, len, kind, NULL, err) < 0)
		return -1;
	o.len = 0;
	o.full = false;
	o.tail = kind == SPF_MS_DOMAIN;
	o.b = o.tail ? tailbuf : headbuf;
	o.cap = o.tail ? SPF_MACRO_TAIL : SPF_EXPLAIN_MAX;
	while (i < len && !o.full) {
		size_t j = i;

		if (s[i] == '%') {
			i = expand_one(c, domain, s, i, &o);
			continue;
		}
		/* a run of literal text at once */
		while (j < len && s[j] != '%')
			j++;
		mout_add(&o, s + i, j - i);
		i = j;
	}
	if (o.tail) {
		if (o.len > o.cap) {
			memmove(o.b, o.b + o.len - o.cap, o.cap);
			o.len = o.cap;
		}
		finish_domain(&o);
	}
	buf_add(out, o.b, o.len);
	return 0;
}
