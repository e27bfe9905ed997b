/*
 * dkim_base: the DKIM pieces the signer (dkim_sign.c), the verifier
 * (dkim_verify.c, dkim_sig.c, dkim_key.c) and DomainKeys (dk.c,
 * dk_verify.c) share: RFC 6376 lexical checks, algorithms, the h= list,
 * the body pass (struct dkim_body), the header hash input and the folding
 * writer.  These must agree byte for byte between signer and verifier,
 * which is why they live once, here.  No DNS and no policy: this file
 * calls neither common/dns.h nor any other dkim or dk file.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dkim_base.h"
#include "common/hashq.h"
#include "common/lex.h"
#include "common/util.h"

/* RFC 6376 5.4.1: header fields that SHOULD be signed, when present.
 * From is the one that MUST be (RFC 6376 5.4).  Then the MIME fields and
 * Message-ID, which OpenDKIM and dkimpy sign too: a changed Content-Type
 * or Content-Transfer-Encoding changes how the signed body is read. */
const char *const dkim_default_headers[DKIM_NDEFAULT_HEADERS] = {
	"from", "reply-to", "subject", "date", "to", "cc",
	"resent-date", "resent-from", "resent-sender", "resent-to",
	"resent-cc", "in-reply-to", "references", "list-id", "list-help",
	"list-unsubscribe", "list-subscribe", "list-post", "list-owner",
	"list-archive", "message-id", "mime-version", "content-type",
	"content-transfer-encoding",
};

/* The fields oversigned by default (as OpenDKIM's OversignHeaders): those
 * a reader shows or uses to read the body, so that an added instance
 * breaks the signature (RFC 6376 8.15). */
const char *const dkim_oversign_headers[DKIM_NOVERSIGN_HEADERS] = {
	"from", "to", "cc", "subject", "date", "reply-to", "content-type",
};

/* ------------------------------------------------------------ lexical */

/* RFC 5322 3.6.8 field-name = 1*ftext, and in a tag-value (RFC 6376 3.2
 * VALCHAR) it cannot hold ';' either. */
bool
dkim_is_field_name(const char *s, size_t len)
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
void
dkim_trim_fws(const char **p, size_t *len)
{
	while (*len > 0 && lex_is_fws_char((unsigned char)(*p)[0])) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && lex_is_fws_char((unsigned char)(*p)[*len - 1]))
		(*len)--;
}

/* Digits only, at most maxdigits of them; saturates at UINT64_MAX. */
bool
dkim_parse_uint(const char *s, size_t len, size_t maxdigits, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > maxdigits)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;
		if (!lex_is_digit((unsigned char)s[i]))
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
char *
dkim_qp_decode(const char *s, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (lex_is_fws_char(c))
			continue;
		if (c == '=') {
			int hi, lo;
			if (i + 2 >= len)
				goto bad;
			hi = lex_hexdig_value((unsigned char)s[i + 1]);
			lo = lex_hexdig_value((unsigned char)s[i + 2]);
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
void
dkim_qp_encode(struct buf *out, const char *s, size_t len)
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

bool
dkim_is_default_header(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < DKIM_NDEFAULT_HEADERS; i++)
		if (util_strcaseeq_n(name, len, dkim_default_headers[i],
		    strlen(dkim_default_headers[i])))
			return true;
	return false;
}

/* ---------------------------------------------------------- algorithms */

/* RFC 6376 3.3 and RFC 8463 3.  rsa-sha1 is parsed so it can be reported
 * as not acceptable (RFC 8301 3.1) instead of "unknown". */
static const struct dkim_alg algs[] = {
	{"rsa-sha256", CRYPTO_KEY_RSA, CRYPTO_SHA256},
	{"ed25519-sha256", CRYPTO_KEY_ED25519, CRYPTO_SHA256},
	{"rsa-sha1", CRYPTO_KEY_RSA, CRYPTO_SHA1},
};

const struct dkim_alg *
dkim_alg_find(const char *s, size_t len)
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
int
dkim_parse_c(const char *s, size_t len, enum canon_alg *hc,
    enum canon_alg *bc)
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
bool
dkim_list_next(const char **p, const char *end, const char **item,
    size_t *len)
{
	const char *colon;

	if (*p == NULL)
		return false;
	colon = memchr(*p, ':', (size_t)(end - *p));
	*item = *p;
	*len = (size_t)((colon != NULL ? colon : end) - *p);
	dkim_trim_fws(item, len);
	*p = colon != NULL ? colon + 1 : NULL;
	return true;
}

char **
dkim_parse_h(const char *s, size_t len, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0, nlen;
	const char *p = s, *name;

	while (dkim_list_next(&p, s + len, &name, &nlen)) {
		if (!dkim_is_field_name(name, nlen) ||
		    cnt == DKIM_MAX_H_NAMES) {
			while (cnt > 0)
				free(v[--cnt]);
			free(v);
			return NULL;
		}
		v = xreallocarray(v, cnt + 1, sizeof(*v));
		v[cnt++] = xstrndup(name, nlen);
	}
	*n = cnt;
	return v;
}

/* ---------------------------------------------------------- body pass */

struct consumer {
	struct canon_body *cb;
	struct crypto_hash *h;
	struct hashq *q; /* the body's */
	uint64_t length;
};

struct dkim_body {
	struct consumer **c; /* each its own allocation: the sinks' arg */
	size_t n;
	struct hashq *q;
};

static void
body_sink(void *arg, const void *p, size_t n)
{
	struct consumer *c = arg;

	hashq_update(c->q, c->h, p, n);
}

struct dkim_body *
dkim_body_new(void)
{
	struct dkim_body *b = xcalloc(1, sizeof(struct dkim_body));

	b->q = hashq_new();
	return b;
}

size_t
dkim_body_add(struct dkim_body *b, enum canon_alg alg, uint64_t limit,
    struct crypto_hash *h)
{
	struct consumer *c = xcalloc(1, sizeof(*c));

	c->h = h;
	c->q = b->q;
	c->cb = canon_body_new(alg, limit, body_sink, c);
	b->c = xreallocarray(b->c, b->n + 1, sizeof(*b->c));
	b->c[b->n] = c;
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
			canon_body_update(b->c[i]->cb, chunk, (size_t)r);
	if (r < 0) {
		int e = errno;

		/* the caller may free the hashes now: none may be in use */
		hashq_drain(b->q);
		*err = xasprintf("reading the message body: %s", strerror(e));
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		canon_body_final(b->c[i]->cb);
		b->c[i]->length = canon_body_length(b->c[i]->cb);
	}
	hashq_drain(b->q);
	return 0;
}

uint64_t
dkim_body_length(const struct dkim_body *b, size_t i)
{
	return i < b->n ? b->c[i]->length : 0;
}

void
dkim_body_free(struct dkim_body *b)
{
	size_t i;

	if (b == NULL)
		return;
	hashq_free(b->q);
	for (i = 0; i < b->n; i++) {
		canon_body_free(b->c[i]->cb);
		free(b->c[i]);
	}
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

/* dkim_name_group(), inlined where it runs once per h= name (the
 * verifier: up to DKIM_MAX_H_NAMES per signature). */
static inline size_t
name_group(struct msg *m, const size_t *by, size_t nf, const char *name,
    size_t len)
{
	size_t g = by_name_find(m, by, nf, name, len);
	const struct msg_field *f;

	if (g == nf)
		return nf;
	f = msg_field(m, by[g]);
	return msg_name_cmp(f->name, f->namelen, name, len) == 0 ? g : nf;
}

size_t
dkim_name_group(struct msg *m, const size_t *by, size_t nf, const char *name,
    size_t len)
{
	return name_group(m, by, nf, name, len);
}

size_t *
dkim_name_groups(struct msg *m)
{
	size_t nf = msg_nfields(m), g, e;
	const size_t *by = msg_fields_by_name(m);
	size_t *size = xcalloc(nf + 1, sizeof(*size));
	const struct msg_field *f, *fg;

	for (g = 0; g < nf; g = e) {
		fg = msg_field(m, by[g]);
		for (e = g + 1; e < nf; e++) {
			f = msg_field(m, by[e]);
			if (msg_name_cmp(f->name, f->namelen, fg->name,
			    fg->namelen) != 0)
				break;
		}
		size[g] = e - g;
	}
	return size;
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
void
dkim_header_hash_input(struct msg *m, enum canon_alg hcanon, char *const *h,
    size_t nh, const char *sig, size_t siglen, struct buf *out)
{
	/* Walking the fields once per h= name cost names x fields: 8
	 * signatures of 1,024 names over a 610 KB message of 8,500 fields
	 * took 1.9 billion instructions (issue 8; bench/hostile-h.sh).  The
	 * message's fields sorted by name put each name's instances
	 * together, top-down; a name is found by binary search and its
	 * instances are taken from the bottom of its group, which is
	 * exactly "the bottom-most instance not yet used". */
	const size_t *by = msg_fields_by_name(m);
	/* left[g], g the first position of a name's group in by: how many
	 * of that name's instances are not used yet (by[g .. g + left[g])) */
	size_t *left = dkim_name_groups(m);
	size_t k, g, before, nf = msg_nfields(m);
	const struct msg_field *f;

	for (k = 0; k < nh; k++) {
		g = name_group(m, by, nf, h[k], strlen(h[k]));
		if (g == nf || left[g] == 0)
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

size_t
dkim_hash_buf(enum crypto_hash_alg alg, const struct buf *in,
    unsigned char *out)
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

/* How many fields of m are named name (case-insensitively). */
size_t
dkim_count_fields(struct msg *m, const char *name)
{
	size_t n = 0;
	long i = -1;

	while ((i = msg_find_field(m, name, (size_t)(i + 1))) >= 0)
		n++;
	return n;
}
