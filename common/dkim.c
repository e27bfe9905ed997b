/*
 * dkim: DKIM signing and verification (RFC 6376, RFC 8463, RFC 8301).
 *
 * The signer and the verifier share the two pieces that must agree byte
 * for byte: the body pass (struct dkim_body) and the header hash input
 * (header_hash_input(): RFC 6376 3.7 and 5.4.2).  The signer builds its
 * DKIM-Signature text with an empty b= and hashes it exactly as a verifier
 * would after emptying b=.
 *
 * DomainKeys signatures (common/dk.c) ride along: dkim_sign() and
 * dkim_verify() hand them to the dk module, which adds its consumers to
 * the same body pass and fills the same result array.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dk.h"
#include "common/dkim.h"
#include "common/taglist.h"
#include "common/util.h"

/* RFC 1035 2.3.4: labels of at most 63 octets, names of at most 255
 * octets on the wire, so 253 characters in text form. */
#define DKIM_LABEL_MAX 63
#define DKIM_NAME_MAX 253

/* RFC 6376 3.5: t= and x= are 1*12DIGIT, l= is 1*76DIGIT. */
#define DKIM_TIME_DIGITS 12
#define DKIM_TIME_MAX INT64_C(999999999999)
#define DKIM_LENGTH_DIGITS 76

/* Length of header.b (RFC 6008 2: at least 8 characters of b=). */
#define DKIM_HEADER_B_LEN 8

/* RFC 6376 5.4.1: header fields that SHOULD be signed, when present.
 * From is the one that MUST be (RFC 6376 5.4). */
static const char *const default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc",
	"resent-date", "resent-from", "resent-sender", "resent-to",
	"resent-cc", "in-reply-to", "references", "list-id", "list-help",
	"list-unsubscribe", "list-subscribe", "list-post", "list-owner",
	"list-archive",
};

/* ------------------------------------------------------------ lexical */

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_wsp_or_eol(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * RFC 5321 4.1.2: sub-domain = Let-dig [Ldh-str].  RFC 6376 3.5 uses
 * domain-name = sub-domain 1*("." sub-domain) for d= and the i= domain, and
 * selector = sub-domain *("." sub-domain) for s=.  minlabels is 2 or 1.
 */
static bool
is_name(const char *s, size_t len, size_t minlabels)
{
	size_t i = 0, labels = 0, start;

	if (len == 0 || len > DKIM_NAME_MAX)
		return false;
	for (;;) {
		start = i;
		while (i < len && s[i] != '.') {
			unsigned char c = (unsigned char)s[i];
			if (!is_alpha(c) && !is_digit(c) && c != '-')
				return false;
			i++;
		}
		if (i == start || i - start > DKIM_LABEL_MAX ||
		    s[start] == '-' || s[i - 1] == '-')
			return false;
		labels++;
		if (i == len)
			break;
		i++; /* the dot; a trailing dot gives an empty label above */
	}
	return labels >= minlabels;
}

/* RFC 5322 3.6.8 field-name = 1*ftext, and in a tag-value (RFC 6376 3.2
 * VALCHAR) it cannot hold ';' either. */
static bool
is_field_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126 || c == ':' || c == ';')
			return false;
	}
	return true;
}

/* Trim SP, TAB, CR, LF (FWS) from both ends of [*p, *p + *len). */
static void
trim_fws(const char **p, size_t *len)
{
	while (*len > 0 && is_wsp_or_eol((unsigned char)(*p)[0])) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && is_wsp_or_eol((unsigned char)(*p)[*len - 1]))
		(*len)--;
}

/* Digits only, at most maxdigits of them; saturates at UINT64_MAX. */
static bool
parse_uint(const char *s, size_t len, size_t maxdigits, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > maxdigits)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;
		if (!is_digit((unsigned char)s[i]))
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * RFC 6376 2.11 dkim-quoted-printable = *(FWS / hex-octet / dkim-safe-char),
 * hex-octet = "=" 2HEXDIG, dkim-safe-char = %x21-3A / %x3C / %x3E-7E.  FWS
 * is dropped.  Returns the decoded bytes (NUL-terminated) or NULL.
 */
static char *
qp_decode(const char *s, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_wsp_or_eol(c))
			continue;
		if (c == '=') {
			int hi, lo;
			if (i + 2 >= len)
				goto bad;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
			continue;
		}
		if (c < 0x21 || c > 0x7e || c == ';')
			goto bad;
		buf_addc(&b, (char)c);
	}
	*outlen = b.len;
	return buf_detach(&b);
bad:
	buf_free(&b);
	return NULL;
}

/* Encode as dkim-quoted-printable (for i= local-parts from the command
 * line: anything outside dkim-safe-char becomes =XX). */
static void
qp_encode(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x21 && c <= 0x7e && c != ';' && c != '=')
			buf_addc(out, (char)c);
		else
			buf_printf(out, "=%02X", c);
	}
}

/* True when dom (len bytes) is d or a subdomain of d (RFC 6376 3.5 i=),
 * case-insensitively. */
static bool
domain_within(const char *dom, size_t len, const char *d)
{
	size_t dlen = strlen(d);

	if (len == dlen)
		return util_strcaseeq_n(dom, len, d, dlen);
	if (len > dlen && dom[len - dlen - 1] == '.')
		return util_strcaseeq_n(dom + len - dlen, dlen, d, dlen);
	return false;
}

bool
dkim_is_name(const char *s, size_t len, size_t minlabels)
{
	return is_name(s, len, minlabels);
}

bool
dkim_domain_within(const char *dom, size_t len, const char *d)
{
	return domain_within(dom, len, d);
}

bool
dkim_is_default_header(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(default_headers) / sizeof(default_headers[0]);
	    i++)
		if (util_strcaseeq_n(name, len, default_headers[i],
		    strlen(default_headers[i])))
			return true;
	return false;
}

/* ---------------------------------------------------------- algorithms */

struct alg {
	const char *name;
	enum crypto_key_type key;
	enum crypto_hash_alg hash;
};

/* RFC 6376 3.3 and RFC 8463 3.  rsa-sha1 is parsed so it can be reported
 * as not acceptable (RFC 8301 3.1) instead of "unknown". */
static const struct alg algs[] = {
	{"rsa-sha256", CRYPTO_KEY_RSA, CRYPTO_SHA256},
	{"ed25519-sha256", CRYPTO_KEY_ED25519, CRYPTO_SHA256},
	{"rsa-sha1", CRYPTO_KEY_RSA, CRYPTO_SHA1},
};

static const struct alg *
alg_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		/* ABNF strings are case-insensitive (RFC 5234 2.3):
		 * "RSA-SHA256" is rsa-sha256, as OpenDKIM reads it. */
		if (util_strcaseeq_n(algs[i].name, strlen(algs[i].name), s,
		    len))
			return &algs[i];
	return NULL;
}

/* RFC 6376 3.5 c=: "header[/body]", each simple or relaxed; body defaults
 * to simple.  Returns 0 or -1. */
static int
parse_c(const char *s, size_t len, enum canon_alg *hc, enum canon_alg *bc)
{
	const char *slash = memchr(s, '/', len);

	if (slash == NULL) {
		*bc = CANON_SIMPLE;
		return canon_parse(s, len, 0, hc);
	}
	if (canon_parse(s, (size_t)(slash - s), 0, hc) < 0)
		return -1;
	return canon_parse(slash + 1, len - (size_t)(slash - s) - 1, 0, bc);
}

/* RFC 6376 3.5 h=: hdr-name *([FWS] ":" [FWS] hdr-name).  Returns the
 * names (owned) or NULL on a syntax error or more than DKIM_MAX_H_NAMES. */
char **
dkim_parse_h(const char *s, size_t len, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0;
	const char *p = s, *end = s + len;

	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *q = colon != NULL ? colon : end;
		const char *name = p;
		size_t nlen = (size_t)(q - p);

		trim_fws(&name, &nlen);
		if (!is_field_name(name, nlen) || cnt == DKIM_MAX_H_NAMES) {
			while (cnt > 0)
				free(v[--cnt]);
			free(v);
			return NULL;
		}
		v = xreallocarray(v, cnt + 1, sizeof(*v));
		v[cnt++] = xstrndup(name, nlen);
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	*n = cnt;
	return v;
}

void
dkim_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---------------------------------------------------------- body pass */

struct consumer {
	struct canon_body *cb;
	struct crypto_hash *h;
	uint64_t length;
};

struct dkim_body {
	struct consumer *c;
	size_t n;
};

static void
body_sink(void *arg, const void *p, size_t n)
{
	crypto_hash_update(arg, p, n);
}

struct dkim_body *
dkim_body_new(void)
{
	return xcalloc(1, sizeof(struct dkim_body));
}

size_t
dkim_body_add(struct dkim_body *b, enum canon_alg alg, uint64_t limit,
    struct crypto_hash *h)
{
	b->c = xreallocarray(b->c, b->n + 1, sizeof(*b->c));
	b->c[b->n].cb = canon_body_new(alg, limit, body_sink, h);
	b->c[b->n].h = h;
	b->c[b->n].length = 0;
	return b->n++;
}

int
dkim_body_run(struct dkim_body *b, struct msg *m, char **err)
{
	const char *chunk;
	long r;
	size_t i;

	if (b->n == 0)
		return 0;
	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0)
		for (i = 0; i < b->n; i++)
			canon_body_update(b->c[i].cb, chunk, (size_t)r);
	if (r < 0) {
		*err = xasprintf("reading the message body: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		canon_body_final(b->c[i].cb);
		b->c[i].length = canon_body_length(b->c[i].cb);
	}
	return 0;
}

uint64_t
dkim_body_length(const struct dkim_body *b, size_t i)
{
	return i < b->n ? b->c[i].length : 0;
}

void
dkim_body_free(struct dkim_body *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		canon_body_free(b->c[i].cb);
	free(b->c);
	free(b);
}

/* ------------------------------------------------------- header hash */

/* The first position of by[0..n) (msg_fields_by_name()) whose field name
 * is not below name. */
static size_t
by_name_find(struct msg *m, const size_t *by, size_t n, const char *name,
    size_t len)
{
	size_t lo = 0, hi = n, mid;
	const struct msg_field *f;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		f = msg_field(m, by[mid]);
		if (msg_name_cmp(f->name, f->namelen, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The bytes the header hash covers (RFC 6376 3.7): for each name of h=,
 * the bottom-most instance of that field not yet used (RFC 6376 5.4.2;
 * names with no instance left contribute nothing), canonicalised; then the
 * DKIM-Signature field itself (sig/siglen, with the b= value already
 * emptied), canonicalised, without its trailing CRLF.  The selection is
 * literal, as OpenDKIM, dkimpy and Mail::DKIM do it: an h= that names
 * dkim-signature more often than there are other signatures below selects
 * the signature being verified itself (with its b=), which RFC 6376 5.4
 * forbids, and that signature then does not verify.
 */
static void
header_hash_input(struct msg *m, enum canon_alg hcanon, char *const *h,
    size_t nh, const char *sig, size_t siglen, struct buf *out)
{
	/* Walking the fields once per h= name cost names x fields: 8
	 * signatures of 1,024 names over a 610 KB message of 8,500 fields
	 * took 1.9 billion instructions (issue 8; bench/hostile-h.sh).  The
	 * message's fields sorted by name put each name's instances
	 * together, top-down; a name is found by binary search and its
	 * instances are taken from the bottom of its group, which is
	 * exactly "the bottom-most instance not yet used". */
	size_t nf = msg_nfields(m), k, g, e, before;
	const size_t *by = msg_fields_by_name(m);
	/* left[g], g the first position of a name's group in by: how many
	 * of that name's instances are not used yet (by[g .. g + left[g])) */
	size_t *left = xcalloc(nf + 1, sizeof(*left));
	const struct msg_field *f, *fg;

	for (g = 0; g < nf; g = e) {
		fg = msg_field(m, by[g]);
		for (e = g + 1; e < nf; e++) {
			f = msg_field(m, by[e]);
			if (msg_name_cmp(f->name, f->namelen, fg->name,
			    fg->namelen) != 0)
				break;
		}
		left[g] = e - g;
	}
	for (k = 0; k < nh; k++) {
		size_t hl = strlen(h[k]);
		g = by_name_find(m, by, nf, h[k], hl);
		if (g == nf || left[g] == 0)
			continue;
		fg = msg_field(m, by[g]);
		if (msg_name_cmp(fg->name, fg->namelen, h[k], hl) != 0)
			continue;
		f = msg_field(m, by[g + --left[g]]);
		canon_header(hcanon, f->raw, f->rawlen, out);
	}
	free(left);
	before = out->len;
	canon_header(hcanon, sig, siglen, out);
	if (out->len >= before + 2 && out->data[out->len - 2] == '\r' &&
	    out->data[out->len - 1] == '\n') {
		out->len -= 2;
		out->data[out->len] = '\0';
	}
}

static size_t
hash_buf(enum crypto_hash_alg alg, const struct buf *in, unsigned char *out)
{
	struct crypto_hash *h = crypto_hash_new(alg);

	crypto_hash_update(h, in->data, in->len);
	return crypto_hash_final(h, out);
}

/* ------------------------------------------------------------ folding */

/* The line-length-aware writer for generated fields (struct dkim_fold,
 * shared with DomainKeys; RFC 5322 2.2.3: folding is CRLF, here the
 * message's eol, followed by WSP). */
static void
fold_break(struct dkim_fold *f)
{
	buf_adds(f->b, f->eol);
	buf_addc(f->b, ' ');
	f->col = 1;
}

/* Add tok, preceded by a space when space is true; fold first when it
 * would not fit in DKIM_FOLD_COLUMN (unless the line is already empty). */
static void
fold_add(struct dkim_fold *f, const char *tok, size_t len, bool space)
{
	size_t need = len + (space ? 1 : 0);

	if (f->col + need > DKIM_FOLD_COLUMN && f->col > 1)
		fold_break(f);
	else if (space) {
		buf_addc(f->b, ' ');
		f->col++;
	}
	buf_add(f->b, tok, len);
	f->col += len;
}

void
dkim_fold_add(struct dkim_fold *f, const char *tok, bool space)
{
	fold_add(f, tok, strlen(tok), space);
}

/* A base64 value that may be broken anywhere (b=, RFC 6376 3.5). */
void
dkim_fold_b64(struct dkim_fold *f, const char *s)
{
	size_t rem = strlen(s), n;

	while (rem > 0) {
		if (f->col >= DKIM_FOLD_COLUMN) {
			fold_break(f);
			continue;
		}
		n = DKIM_FOLD_COLUMN - f->col;
		if (n > rem)
			n = rem;
		buf_add(f->b, s, n);
		f->col += n;
		s += n;
		rem -= n;
	}
}

/* ------------------------------------------------------------ signing */

static bool
conf_has_name(const struct dkim_sign_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nheaders; i++)
		if (util_strcaseeq(c->headers[i], name))
			return true;
	return false;
}

int
dkim_sign_conf_check(const struct dkim_sign_conf *c, char **err)
{
	size_t i;

	if (c->domain == NULL || !is_name(c->domain, strlen(c->domain), 2)) {
		*err = xasprintf("not a domain name (RFC 6376 3.5 d=): %s",
		    c->domain != NULL ? c->domain : "(none)");
		return -1;
	}
	if (c->selector == NULL ||
	    !is_name(c->selector, strlen(c->selector), 1)) {
		*err = xasprintf("not a selector (RFC 6376 3.1): %s",
		    c->selector != NULL ? c->selector : "(none)");
		return -1;
	}
	if ((c->hcanon != CANON_SIMPLE && c->hcanon != CANON_RELAXED) ||
	    (c->bcanon != CANON_SIMPLE && c->bcanon != CANON_RELAXED)) {
		*err = xstrdup("canonicalization must be simple or relaxed");
		return -1;
	}
	if (c->identity != NULL) {
		const char *at = strrchr(c->identity, '@');
		if (at == NULL || !is_name(at + 1, strlen(at + 1), 2)) {
			*err = xasprintf("identity is not [local-part]@domain: "
			    "%s", c->identity);
			return -1;
		}
		if (!domain_within(at + 1, strlen(at + 1), c->domain)) {
			*err = xasprintf("identity %s is not in %s or a "
			    "subdomain of it (RFC 6376 3.5 i=)", c->identity,
			    c->domain);
			return -1;
		}
		for (i = 0; c->identity + i < at; i++)
			if (c->identity[i] == '\r' || c->identity[i] == '\n') {
				*err = xstrdup("identity contains a line break");
				return -1;
			}
	}
	if (c->headers != NULL) {
		for (i = 0; i < c->nheaders; i++)
			if (!is_field_name(c->headers[i],
			    strlen(c->headers[i]))) {
				*err = xasprintf("not a header field name: "
				    "\"%s\"", c->headers[i]);
				return -1;
			}
		if (!conf_has_name(c, "from")) {
			*err = xstrdup("the header list must include From "
			    "(RFC 6376 5.4)");
			return -1;
		}
		if (c->nheaders > DKIM_MAX_H_NAMES) {
			*err = xasprintf("more than %d header names (the most "
			    "dkimverify accepts in h=)", DKIM_MAX_H_NAMES);
			return -1;
		}
	}
	/* RFC 6376 3.5: t= and x= are at most 12 digits */
	if (c->timestamp < 0 || c->expire < 0 ||
	    c->timestamp > DKIM_TIME_MAX - c->expire) {
		*err = xstrdup("t= or x= out of range (12 digits at most)");
		return -1;
	}
	return 0;
}

static size_t
count_fields(struct msg *m, const char *name)
{
	size_t n = 0;
	long i = -1;

	while ((i = msg_find_field(m, name, (size_t)(i + 1))) >= 0)
		n++;
	return n;
}

/* RFC 6376 5.4.2 lets h= name fewer instances of a field than the
 * message has: the bottom-most ones are signed.  dkimverify refuses an h=
 * of more than DKIM_MAX_H_NAMES names (a bound on its work), so a message
 * with thousands of To or Received fields must not make one: keep at most T
 * instances of each name, T the largest that keeps the list within the
 * cap.  Names with fewer instances keep all of theirs, so From stays
 * signed (dkim_sign_conf_check() bounds the distinct names).  Returns the
 * new count; dropped entries are freed. */
static size_t
cap_names(char **v, size_t cnt)
{
	size_t *occ, i, j, k, lo, hi, t, total;

	if (cnt <= DKIM_MAX_H_NAMES)
		return cnt;
	/* occ[i]: how many entries before i name the same field, from the
	 * nearest earlier one (the backward scan stops there, so it passes
	 * at most the other distinct names, which are few). */
	occ = xcalloc(cnt, sizeof(*occ));
	for (i = 0; i < cnt; i++)
		for (j = i; j-- > 0;)
			if (util_strcaseeq(v[j], v[i])) {
				occ[i] = occ[j] + 1;
				break;
			}
	/* the largest T with at most DKIM_MAX_H_NAMES entries of occ < T */
	lo = 1;
	hi = cnt;
	while (lo < hi) {
		t = lo + (hi - lo + 1) / 2;
		for (i = total = 0; i < cnt; i++)
			total += occ[i] < t;
		if (total <= DKIM_MAX_H_NAMES)
			lo = t;
		else
			hi = t - 1;
	}
	for (i = k = 0; i < cnt; i++) {
		if (occ[i] < lo)
			v[k++] = v[i];
		else
			free(v[i]);
	}
	free(occ);
	return k;
}

/* The h= list for one configuration (see struct dkim_sign_conf). */
static char **
sign_names(struct msg *m, const struct dkim_sign_conf *c, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0, i, k, have, want;

	if (c->headers != NULL) {
		for (i = 0; i < c->nheaders; i++) {
			v = xreallocarray(v, cnt + 1, sizeof(*v));
			v[cnt++] = xstrdup(c->headers[i]);
		}
	} else {
		for (i = 0; i < sizeof(default_headers) /
		    sizeof(default_headers[0]); i++) {
			have = count_fields(m, default_headers[i]);
			for (k = 0; k < have; k++) {
				v = xreallocarray(v, cnt + 1, sizeof(*v));
				v[cnt++] = xstrdup(default_headers[i]);
			}
		}
	}
	if (c->oversign) {
		size_t base = cnt;
		for (i = 0; i < base; i++) {
			/* each distinct name once, at its first occurrence */
			for (k = 0; k < i; k++)
				if (util_strcaseeq(v[k], v[i]))
					break;
			if (k < i)
				continue;
			have = count_fields(m, v[i]);
			want = 0;
			for (k = 0; k < cnt; k++)
				if (util_strcaseeq(v[k], v[i]))
					want++;
			while (want < have + 1) {
				v = xreallocarray(v, cnt + 1, sizeof(*v));
				v[cnt++] = xstrdup(v[i]);
				want++;
			}
		}
	}
	/* RFC 6376 5.4: a signature MUST NOT list its own DKIM-Signature in
	 * h=, only preexisting ones.  A verifier selects fields bottom-up
	 * (5.4.2), so a "dkim-signature" beyond the number already present
	 * would select the new signature itself and never verify: keep at
	 * most as many as the message has (also under --oversign). */
	have = count_fields(m, "DKIM-Signature");
	for (i = k = want = 0; i < cnt; i++) {
		if (util_strcaseeq(v[i], "dkim-signature") && want++ >= have) {
			free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*n = cap_names(v, k);
	return v;
}

/* The field's column after its last line break. */
static size_t
last_col(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != '\n')
		i--;
	return len - i;
}

char *
dkim_sign_field(struct msg *m, const struct crypto_privkey *key,
    const char *field, size_t len, char **err)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0, nh = 0, siglen = 0, dlen;
	const struct tag *ta, *tc, *th, *tb;
	const struct alg *alg;
	enum canon_alg hc, bc;
	const char *colon;
	char **h = NULL, *b64 = NULL, *out = NULL;
	unsigned char digest[CRYPTO_MAX_DIGEST], *sig = NULL;
	struct buf in = BUF_INIT, res = BUF_INIT;
	struct dkim_fold f;

	colon = memchr(field, ':', len);
	if (colon == NULL || !util_strcaseeq_n(field, (size_t)(colon - field),
	    "DKIM-Signature", 14)) {
		*err = xstrdup("not a DKIM-Signature field");
		return NULL;
	}
	if (tag_parse(colon + 1, len - (size_t)(colon + 1 - field), tags,
	    &ntags) != TAG_OK) {
		*err = xstrdup("DKIM-Signature: not a tag-list");
		return NULL;
	}
	ta = tag_find(tags, ntags, "a");
	tc = tag_find(tags, ntags, "c");
	th = tag_find(tags, ntags, "h");
	tb = tag_find(tags, ntags, "b");
	if (ta == NULL || th == NULL || tb == NULL || tb->valuelen != 0 ||
	    tb != &tags[ntags - 1]) {
		*err = xstrdup("DKIM-Signature: needs a= and h=, and an empty "
		    "b= last");
		return NULL;
	}
	alg = alg_find(ta->value, ta->valuelen);
	if (alg == NULL || alg->hash == CRYPTO_SHA1 ||
	    alg->key != crypto_privkey_type(key)) {
		*err = xstrdup("a= does not suit the key (rsa-sha256 for RSA, "
		    "ed25519-sha256 for Ed25519)");
		return NULL;
	}
	hc = bc = CANON_SIMPLE;
	if (tc != NULL && parse_c(tc->value, tc->valuelen, &hc, &bc) < 0) {
		*err = xstrdup("DKIM-Signature: bad c=");
		return NULL;
	}
	h = dkim_parse_h(th->value, th->valuelen, &nh);
	if (h == NULL) {
		*err = xstrdup("DKIM-Signature: bad h=");
		return NULL;
	}
	header_hash_input(m, hc, h, nh, field, len, &in);
	dlen = hash_buf(alg->hash, &in, digest);
	if (crypto_sign(key, alg->hash, digest, dlen, &sig, &siglen,
	    err) < 0)
		goto out;
	b64 = b64_encode(sig, siglen);
	buf_add(&res, field, len);
	f.b = &res;
	f.col = last_col(field, len);
	f.eol = msg_eol(m);
	dkim_fold_b64(&f, b64);
	buf_adds(&res, f.eol);
	out = buf_detach(&res);
out:
	dkim_strv_free(h, nh);
	buf_free(&in);
	buf_free(&res);
	free(sig);
	free(b64);
	return out;
}

/* Build the DKIM-Signature text up to an empty b= (RFC 6376 3.5 tags, in
 * the order of the RFC's examples). */
static char *
sign_template(struct msg *m, const struct dkim_sign_conf *c,
    char *const *h, size_t nh, const char *bh, uint64_t bodylen)
{
	struct buf b = BUF_INIT, t = BUF_INIT;
	struct dkim_fold f = {&b, 0, msg_eol(m)};
	size_t i;

	dkim_fold_add(&f, "DKIM-Signature:", false);
	dkim_fold_add(&f, "v=1;", true);
	dkim_fold_add(&f, crypto_privkey_type(c->key) == CRYPTO_KEY_ED25519 ?
	    "a=ed25519-sha256;" : "a=rsa-sha256;", true);
	buf_printf(&t, "c=%s/%s;", canon_name(c->hcanon),
	    canon_name(c->bcanon));
	dkim_fold_add(&f, t.data, true);
	buf_reset(&t);
	buf_printf(&t, "d=%s;", c->domain);
	dkim_fold_add(&f, t.data, true);
	if (c->identity != NULL) {
		const char *at = strrchr(c->identity, '@');
		buf_reset(&t);
		buf_adds(&t, "i=");
		qp_encode(&t, c->identity, (size_t)(at - c->identity));
		buf_printf(&t, "%s;", at);
		dkim_fold_add(&f, t.data, true);
	}
	buf_reset(&t);
	buf_printf(&t, "s=%s;", c->selector);
	dkim_fold_add(&f, t.data, true);
	buf_reset(&t);
	buf_printf(&t, "t=%" PRId64 ";", c->timestamp);
	dkim_fold_add(&f, t.data, true);
	if (c->expire > 0) {
		buf_reset(&t);
		buf_printf(&t, "x=%" PRId64 ";", c->timestamp + c->expire);
		dkim_fold_add(&f, t.data, true);
	}
	if (c->body_length) {
		buf_reset(&t);
		buf_printf(&t, "l=%" PRIu64 ";", bodylen);
		dkim_fold_add(&f, t.data, true);
	}
	/* h= may fold at its colons: hdr-name *([FWS] ":" [FWS] hdr-name) */
	for (i = 0; i < nh; i++) {
		buf_reset(&t);
		buf_printf(&t, "%s%s%s", i == 0 ? "h=" : "", h[i],
		    i + 1 < nh ? ":" : ";");
		dkim_fold_add(&f, t.data, i == 0);
	}
	buf_reset(&t);
	buf_printf(&t, "bh=%s;", bh);
	dkim_fold_add(&f, t.data, true);
	dkim_fold_add(&f, "b=", true);
	buf_free(&t);
	return buf_detach(&b);
}

void
dkim_fields_free(char **fields, size_t n)
{
	dkim_strv_free(fields, n);
}

int
dkim_sign(struct msg *m, const struct dkim_sign_conf *conf, size_t n,
    char ***fields, char **err)
{
	struct dkim_body *body = NULL;
	struct dk_sign **dks = NULL;
	struct crypto_hash *hashes[2] = {NULL, NULL};
	unsigned char digest[2][CRYPTO_MAX_DIGEST];
	size_t dlen[2] = {0, 0}, idx[2] = {0, 0};
	char **out = NULL;
	size_t i, k, done = 0;
	int rc = -1;

	if (msg_status(m) != MSG_OK) {
		*err = xstrdup(msg_status_text(msg_status(m)));
		return -1;
	}
	if (msg_find_field(m, "from", 0) < 0) {
		*err = xstrdup("no From field (RFC 6376 5.4: From must be "
		    "signed)");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (conf[i].kind == DKIM_KIND_DOMAINKEYS ?
		    dk_sign_conf_check(&conf[i], err) < 0 :
		    dkim_sign_conf_check(&conf[i], err) < 0)
			return -1;
		if (conf[i].key == NULL) {
			*err = xstrdup("no key");
			return -1;
		}
	}

	/* One canonicaliser and SHA-256 per body canonicalisation in use
	 * (l= always covers the whole body, so it shares the hash), and one
	 * per DomainKeys signature (its SHA-1 covers the headers too). */
	body = dkim_body_new();
	dks = xcalloc(n + 1, sizeof(*dks));
	for (i = 0; i < n; i++) {
		if (conf[i].kind == DKIM_KIND_DOMAINKEYS) {
			dks[i] = dk_sign_begin(m, &conf[i], body, err);
			if (dks[i] == NULL)
				goto out;
			continue;
		}
		k = conf[i].bcanon == CANON_RELAXED;
		if (hashes[k] == NULL) {
			hashes[k] = crypto_hash_new(CRYPTO_SHA256);
			idx[k] = dkim_body_add(body, conf[i].bcanon,
			    UINT64_MAX, hashes[k]);
		}
	}
	if (dkim_body_run(body, m, err) < 0)
		goto out;
	for (k = 0; k < 2; k++)
		if (hashes[k] != NULL) {
			dlen[k] = crypto_hash_final(hashes[k], digest[k]);
			hashes[k] = NULL;
		}

	out = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		char **h, *bh, *tmpl;
		size_t nh;

		if (conf[i].kind == DKIM_KIND_DOMAINKEYS) {
			out[i] = dk_sign_end(dks[i], m, err);
			dks[i] = NULL;
			if (out[i] == NULL)
				goto out;
			done++;
			continue;
		}
		k = conf[i].bcanon == CANON_RELAXED;
		h = sign_names(m, &conf[i], &nh);
		bh = b64_encode(digest[k], dlen[k]);
		tmpl = sign_template(m, &conf[i], h, nh, bh,
		    dkim_body_length(body, idx[k]));
		out[i] = dkim_sign_field(m, conf[i].key, tmpl, strlen(tmpl),
		    err);
		free(tmpl);
		free(bh);
		dkim_strv_free(h, nh);
		if (out[i] == NULL)
			goto out;
		done++;
	}
	*fields = out;
	out = NULL;
	rc = 0;
out:
	for (k = 0; k < 2; k++)
		crypto_hash_free(hashes[k]);
	for (i = 0; dks != NULL && i < n; i++)
		dk_sign_free(dks[i]);
	free(dks);
	dkim_body_free(body);
	if (out != NULL)
		dkim_fields_free(out, done);
	return rc;
}

/* ------------------------------------------------------- verification */

/* One signature being verified. */
struct sig {
	struct dkim_result *res;
	const struct msg_field *f;
	size_t field;
	bool done; /* result decided */
	/* parsed tags (RFC 6376 3.5) */
	const struct alg *alg;
	enum canon_alg hc, bc;
	char **h;
	size_t nh;
	unsigned char *b, *bh;
	size_t blen, bhlen;
	char *d, *s;     /* validated d= and s= */
	char *idom;      /* domain of i= (decoded), or NULL */
	bool has_l;
	uint64_t l;
	const char *bval_start, *bval_end; /* the b= value span in f->raw */
	/* key */
	struct crypto_pubkey *key;
	/* body */
	struct crypto_hash *bhash; /* shared between signatures, not owned */
	size_t body;               /* consumer index */
};

static void
set_result(struct sig *sg, enum res r, const char *reason)
{
	if (sg->done)
		return;
	sg->res->result = r;
	free(sg->res->reason);
	sg->res->reason = reason != NULL ? xstrdup(reason) : NULL;
	sg->done = true;
}

static void
set_resultf(struct sig *sg, enum res r, const char *fmt, ...)
    UTIL_PRINTF(3, 4);

static void
set_resultf(struct sig *sg, enum res r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	set_result(sg, r, s);
	free(s);
}

static char *
dup_tag(const struct tag *tags, size_t n, const char *name)
{
	const struct tag *t = tag_find(tags, n, name);

	return t != NULL ? tag_value_dup(t) : NULL;
}

/* Fill d, s, a, b, i of a result for display, from whatever parses. */
static void
display_tags(struct dkim_result *r, const struct tag *tags, size_t n)
{
	const struct tag *t;

	r->d = dup_tag(tags, n, "d");
	r->s = dup_tag(tags, n, "s");
	r->a = dup_tag(tags, n, "a");
	if ((t = tag_find(tags, n, "b")) != NULL) {
		char *b = tag_value_nows(t);
		if (strlen(b) > DKIM_HEADER_B_LEN)
			b[DKIM_HEADER_B_LEN] = '\0';
		if (*b != '\0')
			r->b = b;
		else
			free(b);
	}
	if ((t = tag_find(tags, n, "i")) != NULL) {
		size_t len;
		char *i = qp_decode(t->value, t->valuelen, &len);
		if (i != NULL && memchr(i, '\0', len) == NULL)
			r->i = i;
		else {
			free(i);
			r->i = tag_value_dup(t);
		}
	}
}

/*
 * RFC 6376 3.5 and 6.1.1: parse and check a DKIM-Signature strictly.
 * Leaves sg->done false when the signature is fit for a key lookup.
 */
static void
sig_parse(struct sig *sg, const struct dkim_verify_opts *o)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0, i;
	const struct tag *t;
	enum tag_status ts;
	uint64_t tval = 0, xval = 0;
	bool has_t = false, has_x = false;
	static const char *const required[] = {"a", "b", "bh", "d", "h",
	    "s"};

	ts = tag_parse(sg->f->value, sg->f->valuelen, tags, &ntags);
	if (ts != TAG_OK) {
		set_result(sg, RES_PERMERROR, ts == TAG_EDUPLICATE ?
		    "duplicate tag" : ts == TAG_ETOOMANY ? "too many tags" :
		    "signature syntax error");
		return;
	}
	display_tags(sg->res, tags, ntags);

	/* RFC 6376 6.1.1: v= must be 1, else "incompatible version". */
	t = tag_find(tags, ntags, "v");
	if (t == NULL || t->valuelen != 1 || t->value[0] != '1') {
		set_result(sg, RES_PERMERROR, "incompatible version");
		return;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (tag_find(tags, ntags, required[i]) == NULL) {
			set_resultf(sg, RES_PERMERROR, "missing %s= tag",
			    required[i]);
			return;
		}

	t = tag_find(tags, ntags, "a");
	sg->alg = alg_find(t->value, t->valuelen);
	if (sg->alg == NULL) {
		set_result(sg, RES_PERMERROR, "unsupported algorithm");
		return;
	}

	t = tag_find(tags, ntags, "b");
	sg->b = t->valuelen > 0 ? b64_decode(t->value, t->valuelen, &sg->blen)
	    : NULL;
	if (sg->b == NULL || sg->blen == 0) {
		set_result(sg, RES_PERMERROR, "bad b= value");
		return;
	}
	/* RFC 6376 3.7: b= is emptied for hashing, surrounding whitespace
	 * included: from after '=' to the ';' ending the tag. */
	{
		const char *p = t->name + t->namelen;
		const char *vend = sg->f->value + sg->f->valuelen;
		while (p < vend && *p != '=')
			p++;
		sg->bval_start = p < vend ? p + 1 : vend;
		p = sg->bval_start;
		while (p < vend && *p != ';')
			p++;
		sg->bval_end = p;
	}

	t = tag_find(tags, ntags, "bh");
	sg->bh = t->valuelen > 0 ?
	    b64_decode(t->value, t->valuelen, &sg->bhlen) : NULL;
	if (sg->bh == NULL || sg->bhlen == 0) {
		set_result(sg, RES_PERMERROR, "bad bh= value");
		return;
	}

	sg->hc = sg->bc = CANON_SIMPLE;
	if ((t = tag_find(tags, ntags, "c")) != NULL &&
	    parse_c(t->value, t->valuelen, &sg->hc, &sg->bc) < 0) {
		set_result(sg, RES_PERMERROR, "unsupported canonicalization");
		return;
	}

	t = tag_find(tags, ntags, "d");
	if (!is_name(t->value, t->valuelen, 2)) {
		set_result(sg, RES_PERMERROR, "bad d= domain");
		return;
	}
	sg->d = xstrndup(t->value, t->valuelen);

	t = tag_find(tags, ntags, "s");
	if (!is_name(t->value, t->valuelen, 1)) {
		set_result(sg, RES_PERMERROR, "bad s= selector");
		return;
	}
	sg->s = xstrndup(t->value, t->valuelen);

	t = tag_find(tags, ntags, "h");
	sg->h = dkim_parse_h(t->value, t->valuelen, &sg->nh);
	if (sg->h == NULL) {
		set_result(sg, RES_PERMERROR, "bad h= list");
		return;
	}
	/* RFC 6376 5.4 / 6.1.1: From MUST be signed. */
	for (i = 0; i < sg->nh; i++)
		if (util_strcaseeq(sg->h[i], "from"))
			break;
	if (i == sg->nh) {
		set_result(sg, RES_PERMERROR, "From field not signed");
		return;
	}

	/* i= = [Local-part] "@" domain-name, in d= or a subdomain of it. */
	if ((t = tag_find(tags, ntags, "i")) != NULL) {
		size_t len;
		char *iv = qp_decode(t->value, t->valuelen, &len);
		char *at = iv != NULL ? memchr(iv, '@', len) : NULL;
		const char *dom;
		size_t dlen;

		/* the domain follows the last '@' */
		while (at != NULL && memchr(at + 1, '@',
		    len - (size_t)(at + 1 - iv)) != NULL)
			at = memchr(at + 1, '@', len - (size_t)(at + 1 - iv));
		if (at == NULL) {
			free(iv);
			set_result(sg, RES_PERMERROR, "bad i= value");
			return;
		}
		dom = at + 1;
		dlen = len - (size_t)(dom - iv);
		if (!is_name(dom, dlen, 2)) {
			free(iv);
			set_result(sg, RES_PERMERROR, "bad i= value");
			return;
		}
		if (!domain_within(dom, dlen, sg->d)) {
			free(iv);
			set_result(sg, RES_PERMERROR,
			    "i= domain not within d=");
			return;
		}
		sg->idom = xstrndup(dom, dlen);
		free(iv);
	}

	if ((t = tag_find(tags, ntags, "l")) != NULL) {
		if (!parse_uint(t->value, t->valuelen, DKIM_LENGTH_DIGITS,
		    &sg->l)) {
			set_result(sg, RES_PERMERROR, "bad l= value");
			return;
		}
		sg->has_l = true;
	}

	/* RFC 6376 3.5 q=: a colon-separated list that must offer dns/txt,
	 * the only method defined. */
	if ((t = tag_find(tags, ntags, "q")) != NULL) {
		const char *p = t->value, *end = t->value + t->valuelen;
		bool found = false;
		for (;;) {
			const char *colon = memchr(p, ':', (size_t)(end - p));
			const char *q = colon != NULL ? colon : end;
			const char *m = p;
			size_t mlen = (size_t)(q - p);
			trim_fws(&m, &mlen);
			/* "dns/txt" is an ABNF quoted string, so
			 * case-insensitive (RFC 5234 2.3), as a=, c= and
			 * k= are here. */
			if (util_strcaseeq_n(m, mlen, "dns/txt", 7))
				found = true;
			if (colon == NULL)
				break;
			p = colon + 1;
		}
		if (!found) {
			set_result(sg, RES_PERMERROR,
			    "unsupported query method");
			return;
		}
	}

	if ((t = tag_find(tags, ntags, "t")) != NULL) {
		if (!parse_uint(t->value, t->valuelen, DKIM_TIME_DIGITS,
		    &tval)) {
			set_result(sg, RES_PERMERROR, "bad t= value");
			return;
		}
		has_t = true;
	}
	if ((t = tag_find(tags, ntags, "x")) != NULL) {
		if (!parse_uint(t->value, t->valuelen, DKIM_TIME_DIGITS,
		    &xval)) {
			set_result(sg, RES_PERMERROR, "bad x= value");
			return;
		}
		has_x = true;
	}
	/* RFC 6376 3.5 x=: MUST be greater than t= when both are present. */
	if (has_t && has_x && xval <= tval) {
		set_result(sg, RES_PERMERROR, "x= not after t=");
		return;
	}
	if (has_t && o->now >= 0 &&
	    tval > (uint64_t)o->now + DKIM_CLOCK_SKEW) {
		set_result(sg, RES_PERMERROR, "signature timestamp in the "
		    "future");
		return;
	}
	/* RFC 6376 6.1.1: an expired signature does not verify. */
	if (has_x && o->now >= 0 && xval < (uint64_t)o->now) {
		set_result(sg, RES_FAIL, "signature expired");
		return;
	}
}

static bool
list_has(const char *s, size_t len, const char *word)
{
	const char *p = s, *end = s + len;
	size_t wl = strlen(word);

	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *q = colon != NULL ? colon : end;
		const char *w = p;
		size_t n = (size_t)(q - p);
		trim_fws(&w, &n);
		/* Hash, service and flag names are ABNF strings:
		 * case-insensitive (RFC 5234 2.3). */
		if (util_strcaseeq_n(w, n, word, wl))
			return true;
		if (colon == NULL)
			return false;
		p = colon + 1;
	}
}

/* The reason key_parse() gives for an empty p=: dkim_key_fetch() tells it
 * apart by address, as it is a failed check, not a permerror. */
static const char KEY_REVOKED[] = "key revoked";

/* Key record (RFC 6376 3.6.1; RFC 4870 3.2.3 adds g=).  Returns NULL when
 * usable, else the reason for a permerror (KEY_REVOKED: for a fail). */
static const char *
key_parse(const char *data, size_t len, struct dkim_key *k)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0;
	const struct tag *t;

	memset(k, 0, sizeof(*k));
	if (len == 0)
		return "empty key record";
	if (memchr(data, '\0', len) != NULL ||
	    tag_parse(data, len, tags, &ntags) != TAG_OK || ntags == 0)
		return "key record syntax error";
	/* v= is optional, but if present MUST be the first tag and MUST be
	 * "DKIM1", a case-sensitive literal (RFC 6376 3.6.1 key-v-tag is
	 * %x44.4B.49.4D.31). */
	t = tag_find(tags, ntags, "v");
	if (t != NULL && t != &tags[0])
		return "key record v= is not the first tag";
	if (t != NULL && (t->valuelen != 5 || memcmp(t->value, "DKIM1", 5) != 0))
		return "key record v= is not DKIM1";
	k->type = CRYPTO_KEY_RSA;
	if ((t = tag_find(tags, ntags, "k")) != NULL) {
		/* k= names are case-insensitive ABNF strings. */
		if (util_strcaseeq_n(t->value, t->valuelen, "rsa", 3))
			k->type = CRYPTO_KEY_RSA;
		else if (util_strcaseeq_n(t->value, t->valuelen, "ed25519", 7))
			k->type = CRYPTO_KEY_ED25519;
		else
			return "unknown key type";
	}
	k->sha1 = k->sha256 = true;
	if ((t = tag_find(tags, ntags, "h")) != NULL) {
		k->sha1 = list_has(t->value, t->valuelen, "sha1");
		k->sha256 = list_has(t->value, t->valuelen, "sha256");
	}
	if ((t = tag_find(tags, ntags, "s")) != NULL &&
	    !list_has(t->value, t->valuelen, "*") &&
	    !list_has(t->value, t->valuelen, "email"))
		return "key not for e-mail (s=)";
	if ((t = tag_find(tags, ntags, "t")) != NULL) {
		k->testing = list_has(t->value, t->valuelen, "y");
		k->strict = list_has(t->value, t->valuelen, "s");
	}
	t = tag_find(tags, ntags, "p");
	if (t == NULL)
		return "key record has no p=";
	if (t->valuelen == 0)
		return KEY_REVOKED;
	k->p = b64_decode(t->value, t->valuelen, &k->plen);
	if (k->p == NULL || k->plen == 0) {
		free(k->p);
		k->p = NULL;
		return "bad key data";
	}
	/* RFC 4870 3.2.3 g= (also RFC 4871, dropped by RFC 6376): only
	 * DomainKeys uses it. */
	if ((t = tag_find(tags, ntags, "g")) != NULL)
		k->g = tag_value_dup(t);
	return NULL;
}

void
dkim_key_clear(struct dkim_key *k)
{
	if (k == NULL)
		return;
	free(k->p);
	free(k->g);
	memset(k, 0, sizeof(*k));
}

enum res
dkim_key_fetch(struct dns_ctx *dns, const char *selector, const char *domain,
    struct dkim_key *k, char **reason)
{
	const struct dns_answer *ans;
	const char *why = NULL;
	char *name;
	size_t i;

	memset(k, 0, sizeof(*k));
	name = xasprintf("%s._domainkey.%s", selector, domain);
	ans = dns_query(dns, name, DNS_T_TXT);
	free(name);
	switch (ans->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		*reason = xstrdup("key not found");
		return RES_PERMERROR;
	default:
		/* RFC 6376 6.1.2: TEMPFAIL (key unavailable) */
		*reason = xasprintf("key unavailable: DNS %s",
		    dns_status_name(ans->status));
		return RES_TEMPERROR;
	}
	/* RFC 6376 3.6.2.2: several TXT records give undefined results;
	 * we use the first one that is a valid key record. */
	for (i = 0; i < ans->n; i++) {
		const char *w = key_parse(ans->rr[i].data, ans->rr[i].len, k);
		if (w == NULL)
			return RES_PASS;
		dkim_key_clear(k);
		if (why == NULL)
			why = w;
	}
	*reason = xstrdup(why != NULL ? why : "key not found");
	/* RFC 6376 6.1.2 step 6: an empty p= means the key was revoked, and
	 * the verifier "MUST treat this as a failed signature check and
	 * return PERMFAIL (key revoked)": a failed check is dkim=fail (RFC
	 * 8601 2.7.1), as for a signature that does not verify. */
	return why == KEY_REVOKED ? RES_FAIL : RES_PERMERROR;
}

/* RFC 6376 6.1.2: fetch and check the key for a parsed signature. */
static void
sig_key(struct sig *sg, struct dns_ctx *dns, const struct dkim_verify_opts *o)
{
	const char *why = NULL;
	struct dkim_key k;
	enum crypto_key_type type;
	char *cerr = NULL, *reason = NULL;
	enum res r;

	r = dkim_key_fetch(dns, sg->s, sg->d, &k, &reason);
	if (r != RES_PASS) {
		set_result(sg, r, reason);
		free(reason);
		return;
	}
	sg->res->testing = k.testing;
	if (k.type != sg->alg->key)
		why = "key type does not match a=";
	else if (sg->alg->hash == CRYPTO_SHA1 ? !k.sha1 : !k.sha256)
		why = "key h= does not allow the hash";
	else if (k.strict && sg->idom != NULL &&
	    !util_strcaseeq(sg->idom, sg->d))
		why = "key t=s but i= domain is not d=";
	if (why != NULL) {
		dkim_key_clear(&k);
		set_result(sg, RES_PERMERROR, why);
		return;
	}
	type = k.type;
	sg->key = crypto_pubkey_import(type, k.p, k.plen, &cerr);
	dkim_key_clear(&k);
	if (sg->key == NULL) {
		/* cerr has the library's detail; the reason stays short */
		free(cerr);
		set_result(sg, RES_PERMERROR, "bad key data");
		return;
	}
	sg->res->key_bits = crypto_pubkey_bits(sg->key);
	/* RFC 8301 3.2 (RSA floor) and 3.1 (no rsa-sha1). */
	if (type == CRYPTO_KEY_RSA && sg->res->key_bits < o->min_key_bits) {
		set_resultf(sg, RES_POLICY, "key too small: %u bits",
		    sg->res->key_bits);
		return;
	}
	if (sg->alg->hash == CRYPTO_SHA1) {
		set_result(sg, RES_POLICY, "rsa-sha1 not accepted");
		return;
	}
}

/* Crypto checks once the body hashes are known (RFC 6376 6.1.3). */
static void
sig_check(struct sig *sg, struct msg *m, const unsigned char *bh,
    size_t bhlen, uint64_t bodylen)
{
	struct buf raw = BUF_INIT, in = BUF_INIT;
	unsigned char digest[CRYPTO_MAX_DIGEST];
	size_t dlen, nfrom;
	char *cerr = NULL;
	int v;

	/* RFC 6376 3.5 l=: more than the body is an error. */
	if (sg->has_l && sg->l > bodylen) {
		set_result(sg, RES_PERMERROR, "l= larger than the body");
		return;
	}
	if (bhlen != sg->bhlen || memcmp(bh, sg->bh, bhlen) != 0) {
		set_result(sg, RES_FAIL, "body hash mismatch");
		return;
	}
	/* the signature field with its b= value emptied (RFC 6376 3.7),
	 * without its final line ending */
	buf_add(&raw, sg->f->raw, (size_t)(sg->bval_start - sg->f->raw));
	buf_add(&raw, sg->bval_end, (size_t)(sg->f->value + sg->f->valuelen -
	    sg->bval_end));
	header_hash_input(m, sg->hc, sg->h, sg->nh, raw.data,
	    raw.len, &in);
	dlen = hash_buf(sg->alg->hash, &in, digest);
	buf_free(&raw);
	buf_free(&in);
	v = crypto_verify(sg->key, sg->alg->hash, digest, dlen, sg->b,
	    sg->blen, &cerr);
	if (v < 0) {
		free(cerr);
		set_result(sg, RES_PERMERROR, "signature not verifiable");
		return;
	}
	if (v == 0) {
		set_result(sg, RES_FAIL, "signature mismatch");
		return;
	}
	/* DESIGN.md policy: exactly one From field (RFC 5322 3.6 allows
	 * one; a second could show a different author than the one signed). */
	nfrom = count_fields(m, "from");
	if (nfrom != 1) {
		set_result(sg, RES_POLICY, nfrom == 0 ? "no From field" :
		    "several From fields");
		return;
	}
	set_result(sg, RES_PASS, NULL);
}

static void
sig_clear(struct sig *sg)
{
	dkim_strv_free(sg->h, sg->nh);
	free(sg->b);
	free(sg->bh);
	free(sg->d);
	free(sg->s);
	free(sg->idom);
	crypto_pubkey_free(sg->key);
}

/* Display tags of a signature that is not evaluated. */
static void
display_only(struct dkim_result *r, const struct msg_field *f)
{
	struct tag tags[TAG_MAX];
	size_t n = 0;

	if (tag_parse(f->value, f->valuelen, tags, &n) == TAG_OK)
		display_tags(r, tags, n);
}

int
dkim_verify(struct msg *m, struct dns_ctx *dns,
    const struct dkim_verify_opts *o, struct dkim_results **out, char **err)
{
	struct dkim_verify_opts opts = *o;
	struct dkim_results *rs;
	struct sig *sigs = NULL;
	struct dk_verify **dks = NULL;
	struct dkim_body *body = NULL;
	struct bodyh {
		enum canon_alg alg;
		enum crypto_hash_alg hash;
		uint64_t limit;
		struct crypto_hash *h;
		size_t idx;
		unsigned char digest[CRYPTO_MAX_DIGEST];
		size_t dlen;
	} *bh = NULL;
	size_t nbh = 0, nf, i, k, nsig = 0, ndk = 0;
	int rc = -1;

	if (msg_status(m) != MSG_OK) {
		*err = xstrdup(msg_status_text(msg_status(m)));
		return -1;
	}
	if (opts.min_key_bits < DKIM_MIN_RSA_BITS)
		opts.min_key_bits = DKIM_MIN_RSA_BITS;

	rs = xcalloc(1, sizeof(*rs));
	nf = msg_nfields(m);
	for (i = 0; i < nf; i++) {
		const struct msg_field *f = msg_field(m, i);
		bool dk;
		if (util_strcaseeq_n(f->name, f->namelen, "DKIM-Signature",
		    14))
			dk = false;
		else if (util_strcaseeq_n(f->name, f->namelen,
		    "DomainKey-Signature", 19))
			dk = true;
		else
			continue;
		rs->r = xreallocarray(rs->r, rs->n + 1, sizeof(*rs->r));
		memset(&rs->r[rs->n], 0, sizeof(rs->r[0]));
		rs->r[rs->n].kind = dk ? DKIM_KIND_DOMAINKEYS : DKIM_KIND_DKIM;
		rs->r[rs->n].field = i;
		rs->n++;
	}
	sigs = xcalloc(rs->n + 1, sizeof(*sigs));
	dks = xcalloc(rs->n + 1, sizeof(*dks));
	body = dkim_body_new();
	for (i = 0; i < rs->n; i++) {
		struct dkim_result *r = &rs->r[i];
		const struct msg_field *f = msg_field(m, r->field);
		if (i >= DKIM_MAX_SIGNATURES) {
			display_only(r, f);
			r->result = RES_POLICY;
			r->reason = xstrdup("too many signatures");
			continue;
		}
		if (msg_header_malformed(m)) {
			/* A line that is no field before the empty line:
			 * RFC 5322 3.5 has none, and mail readers take the
			 * fields below it as header while the hash would
			 * take them as body, so no verdict can hold for
			 * both (dkimverify(1), as dkimpy refuses it). */
			display_only(r, f);
			r->result = RES_PERMERROR;
			r->reason = xstrdup("header line without a colon");
			continue;
		}
		if (r->kind == DKIM_KIND_DOMAINKEYS) {
			/* RFC 4870: parsed, key fetched and headers hashed
			 * now; the body comes with the DKIM ones below.
			 * DomainKeys predates RFC 8301: the floor is the
			 * caller's as given (dkim.h). */
			dks[ndk] = dk_verify_begin(m, dns, o->min_key_bits, r,
			    body);
			if (dks[ndk] != NULL)
				ndk++;
			continue;
		}
		sigs[nsig].res = r;
		sigs[nsig].f = f;
		sigs[nsig].field = r->field;
		nsig++;
	}

	for (i = 0; i < nsig; i++)
		sig_parse(&sigs[i], &opts);
	for (i = 0; i < nsig; i++)
		if (!sigs[i].done)
			sig_key(&sigs[i], dns, &opts);

	/* One body pass: a canonicaliser and hash per distinct
	 * (canonicalisation, hash, l=) among the signatures still open,
	 * plus one per DomainKeys signature (already in body). */
	for (i = 0; i < nsig; i++) {
		struct sig *sg = &sigs[i];
		uint64_t limit = sg->has_l ? sg->l : UINT64_MAX;
		if (sg->done)
			continue;
		for (k = 0; k < nbh; k++)
			if (bh[k].alg == sg->bc && bh[k].hash ==
			    sg->alg->hash && bh[k].limit == limit)
				break;
		if (k == nbh) {
			bh = xreallocarray(bh, nbh + 1, sizeof(*bh));
			bh[k].alg = sg->bc;
			bh[k].hash = sg->alg->hash;
			bh[k].limit = limit;
			bh[k].h = crypto_hash_new(sg->alg->hash);
			bh[k].idx = dkim_body_add(body, sg->bc, limit,
			    bh[k].h);
			bh[k].dlen = 0;
			nbh++;
		}
		sg->body = k;
	}
	if (dkim_body_run(body, m, err) < 0)
		goto out;
	for (k = 0; k < nbh; k++) {
		bh[k].dlen = crypto_hash_final(bh[k].h, bh[k].digest);
		bh[k].h = NULL;
	}
	for (i = 0; i < nsig; i++) {
		struct sig *sg = &sigs[i];
		if (sg->done)
			continue;
		sig_check(sg, m, bh[sg->body].digest, bh[sg->body].dlen,
		    dkim_body_length(body, bh[sg->body].idx));
	}
	for (i = 0; i < ndk; i++) {
		dk_verify_end(dks[i], m);
		dks[i] = NULL;
	}
	*out = rs;
	rs = NULL;
	rc = 0;
out:
	for (k = 0; k < nbh; k++)
		crypto_hash_free(bh[k].h);
	free(bh);
	for (i = 0; i < ndk; i++)
		dk_verify_free(dks[i]);
	free(dks);
	dkim_body_free(body);
	for (i = 0; i < nsig; i++)
		sig_clear(&sigs[i]);
	free(sigs);
	dkim_results_free(rs);
	return rc;
}

void
dkim_results_free(struct dkim_results *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		struct dkim_result *r = &rs->r[i];
		free(r->reason);
		free(r->d);
		free(r->s);
		free(r->a);
		free(r->i);
		free(r->b);
		free(r->from);
	}
	free(rs->r);
	free(rs);
}

enum res
dkim_verdict(const struct dkim_results *rs)
{
	size_t i;
	bool temp = false;

	if (rs == NULL || rs->n == 0)
		return RES_NONE;
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].result == RES_PASS)
			return RES_PASS;
		if (rs->r[i].result == RES_TEMPERROR)
			temp = true;
	}
	return temp ? RES_TEMPERROR : RES_FAIL;
}

void
dkim_result_ar(const struct dkim_result *r, struct ar *a)
{
	char *reason = NULL;

	/* RFC 6376 3.6.1 t=y: say so; the verdict itself is unchanged. */
	if (r->testing)
		reason = r->reason != NULL ?
		    xasprintf("%s, key in test mode", r->reason) :
		    xstrdup("key in test mode");
	ar_add(a, r->kind == DKIM_KIND_DOMAINKEYS ? "domainkeys" : "dkim",
	    r->result, reason != NULL ? reason : r->reason);
	free(reason);
	if (r->kind == DKIM_KIND_DOMAINKEYS) {
		/* The RFC 8601 method registry gives domainkeys header.d,
		 * and header.from or header.sender for the sending address;
		 * header.s added: which key was asked. */
		if (r->d != NULL)
			ar_prop(a, "header", "d", r->d);
		if (r->s != NULL)
			ar_prop(a, "header", "s", r->s);
		if (r->from != NULL)
			ar_prop(a, "header", r->sender ? "sender" : "from",
			    r->from);
		return;
	}
	if (r->d != NULL)
		ar_prop(a, "header", "d", r->d);
	if (r->s != NULL)
		ar_prop(a, "header", "s", r->s);
	if (r->a != NULL)
		ar_prop(a, "header", "a", r->a);
	if (r->b != NULL)
		ar_prop(a, "header", "b", r->b);
	if (r->i != NULL)
		ar_prop(a, "header", "i", r->i);
}
