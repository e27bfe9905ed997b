/*
 * dk: DomainKeys (RFC 4870) signing and verification, over the DKIM
 * module's types and body pass (see dk.h).
 *
 * What is signed (RFC 4870 3.3 h=, 3.4, 3.7): the header fields BELOW the
 * DomainKey-Signature field (the signature itself is never hashed), all of
 * them when h= is absent, else those h= names; each canonicalised (3.4.1
 * simple, 3.4.2 nofws), then the body through the same canonicalisation.
 * The body canonicaliser (common/canon.h) emits the CRLF separating header
 * and body itself, and only when the body has a non-empty line (RFC 4870
 * 3.4.1 and 3.4.2.1), so nothing is added here between the two.  One SHA-1
 * digest over all of it is signed with RSA (a=rsa-sha1, 3.3).
 *
 * h= selection follows RFC 4870 3.3: h= lists the fields in the order
 * they were presented to the signing algorithm; a name listed once while
 * the message has several such fields stands for all of them, played back
 * together.  Like Mail::DKIM (Canonicalization/DkCommon.pm), names are
 * walked from the end of h=: an earlier mention of the same name left
 * means "the last remaining field of that name", the first mention means
 * "all remaining fields of that name", in header order.  When h= lists
 * every signed field once in header order (as our signer and Mail::DKIM's
 * write it) this is simply header order.
 *
 * Leniencies, as Mail::DKIM (the DomainKeys verifier still in use) has
 * them: a= absent means rsa-sha1, c= absent means simple, q= absent means
 * dns (RFC 4870 3.3 says c= and q= MUST be present); a key record with
 * v=DKIM1 is accepted (DKIM reused DomainKeys records, so most DomainKeys
 * keys in DNS are DKIM records); an empty g= means any local-part.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/canon.h"
#include "common/crypto.h"
#include "common/dk.h"
#include "common/taglist.h"
#include "common/util.h"

/* RFC 4870 3.3 a=: the only algorithm, and its hash. */
#define DK_ALG "rsa-sha1"
#define DK_HASH CRYPTO_SHA1

/* RFC 4870 3.3 q=: the only query method. */
#define DK_QUERY "dns"

/* ---------------------------------------------------------- helpers */

/* ASCII lower case copy of [s, s + len). */
static char *
lower_dup(const char *s, size_t len)
{
	return util_lowercase(xstrndup(s, len));
}

static bool
field_is(const struct msg_field *f, const char *name)
{
	return util_strcaseeq_n(f->name, f->namelen, name, strlen(name));
}

int
dk_sending_address(struct msg *m, const size_t *fields, size_t n,
    char **local, char **domain, bool *sender, const char **why)
{
	const struct msg_field *fs = NULL, *ff = NULL;
	struct addr_list *l;
	size_t i, nsender = 0;

	/* RFC 4870 3.3 d= / 3.7.3: "the sending address" is the Sender
	 * field's, else the From field's; RFC 5322 3.6.2 allows one of
	 * each.  Several From fields are the caller's policy question. */
	for (i = 0; i < n; i++) {
		const struct msg_field *f = msg_field(m, fields[i]);
		if (field_is(f, "sender")) {
			fs = f;
			nsender++;
		} else if (field_is(f, "from") && ff == NULL)
			ff = f;
	}
	if (nsender > 1) {
		*why = "several Sender fields";
		return -1;
	}
	if (fs != NULL) {
		l = addr_parse_mailbox(fs->value, fs->valuelen);
		/* leniency: a mailbox-list, first mailbox */
		if (l == NULL || l->n == 0) {
			addr_list_free(l);
			l = addr_parse_mailbox_list(fs->value, fs->valuelen);
		}
		*sender = true;
	} else if (ff != NULL) {
		l = addr_parse_mailbox_list(ff->value, ff->valuelen);
		*sender = false;
	} else {
		*why = "no From or Sender field signed";
		return -1;
	}
	if (l == NULL || l->n == 0 || l->mb[0].domain == NULL) {
		addr_list_free(l);
		*why = fs != NULL ? "unparsable Sender field" :
		    "unparsable From field";
		return -1;
	}
	*local = xstrdup(l->mb[0].local);
	*domain = xstrdup(l->mb[0].domain);
	addr_list_free(l);
	return 0;
}

/* Hash the canonical form of fields[0..n) of m. */
static void
hash_fields(struct crypto_hash *h, enum canon_alg alg, struct msg *m,
    const size_t *fields, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct msg_field *f = msg_field(m, fields[i]);
		buf_reset(&b);
		canon_header(alg, f->raw, f->rawlen, &b);
		crypto_hash_update(h, b.data, b.len);
	}
	buf_free(&b);
}

/* ----------------------------------------------------------- signing */

struct dk_sign {
	const struct dkim_sign_conf *c;
	struct crypto_hash *h;
	size_t *fields;
	size_t nfields;
	bool no_h; /* every field signed and h= left out (see below) */
};

int
dk_sign_conf_check(const struct dkim_sign_conf *c, char **err)
{
	size_t i;

	if (c->domain == NULL || !dkim_is_name(c->domain, strlen(c->domain),
	    2)) {
		*err = xasprintf("not a domain name (RFC 4870 3.3 d=): %s",
		    c->domain != NULL ? c->domain : "(none)");
		return -1;
	}
	if (c->selector == NULL || !dkim_is_name(c->selector,
	    strlen(c->selector), 1)) {
		*err = xasprintf("not a selector (RFC 4870 3.1): %s",
		    c->selector != NULL ? c->selector : "(none)");
		return -1;
	}
	if (c->hcanon != CANON_DK_NOFWS && c->hcanon != CANON_DK_SIMPLE) {
		*err = xstrdup("DomainKeys canonicalization must be nofws or "
		    "simple (RFC 4870 3.4)");
		return -1;
	}
	if (c->headers != NULL)
		for (i = 0; i < c->nheaders; i++) {
			const char *s = c->headers[i];
			size_t k, len = strlen(s);
			bool good = len > 0;
			for (k = 0; k < len; k++)
				if ((unsigned char)s[k] < 33 ||
				    (unsigned char)s[k] > 126 || s[k] == ':' ||
				    s[k] == ';')
					good = false;
			if (!good) {
				*err = xasprintf("not a header field name: "
				    "\"%s\"", s);
				return -1;
			}
		}
	if (c->key != NULL && crypto_privkey_type(c->key) != CRYPTO_KEY_RSA) {
		*err = xstrdup("DomainKeys needs an RSA key (RFC 4870 3.3 "
		    "a=rsa-sha1)");
		return -1;
	}
	return 0;
}

/* Should the signer sign field f?  Sender and From always: they hold the
 * sending address the verifier checks against d= (RFC 4870 3.3). */
static bool
sign_wanted(const struct dkim_sign_conf *c, const struct msg_field *f)
{
	size_t i;

	if (field_is(f, "sender") || field_is(f, "from"))
		return true;
	if (c->headers == NULL)
		return dkim_is_default_header(f->name, f->namelen);
	for (i = 0; i < c->nheaders; i++)
		if (util_strcaseeq_n(f->name, f->namelen, c->headers[i],
		    strlen(c->headers[i])))
			return true;
	return false;
}

struct dk_sign *
dk_sign_begin(struct msg *m, const struct dkim_sign_conf *c,
    struct dkim_body *body, char **err)
{
	struct dk_sign *s;
	size_t nf = msg_nfields(m), i;

	if (dk_sign_conf_check(c, err) < 0)
		return NULL;
	if (c->key == NULL) {
		*err = xstrdup("no key");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->fields = xcalloc(nf + 1, sizeof(size_t));
	/* Every instance, in header order: h= then lists them in the order
	 * they are hashed (RFC 4870 3.3), which every verifier replays the
	 * same way (see the top of this file). */
	for (i = 0; i < nf; i++)
		if (sign_wanted(c, msg_field(m, i)))
			s->fields[s->nfields++] = i;
	/* An h= of more names than our verifier accepts (DKIM_MAX_H_NAMES,
	 * a bound on its work) would not verify here: leave h= out, which
	 * RFC 4870 3.3 defines as "every header field below the signature",
	 * and sign them all. */
	if (s->nfields > DKIM_MAX_H_NAMES) {
		for (i = 0; i < nf; i++)
			s->fields[i] = i;
		s->nfields = nf;
		s->no_h = true;
	}
	s->h = crypto_hash_new(DK_HASH);
	if (s->h == NULL) {
		*err = xstrdup("SHA-1 refused by the crypto library");
		dk_sign_free(s);
		return NULL;
	}
	hash_fields(s->h, c->hcanon, m, s->fields, s->nfields);
	dkim_body_add(body, c->hcanon, UINT64_MAX, s->h);
	return s;
}

char *
dk_sign_end(struct dk_sign *s, struct msg *m, char **err)
{
	unsigned char digest[CRYPTO_MAX_DIGEST], *sig = NULL;
	size_t dlen, siglen = 0, i;
	struct buf out = BUF_INIT, t = BUF_INIT;
	struct dkim_fold f = {&out, 0, msg_eol(m)};
	char *b64, *res;

	dlen = crypto_hash_final(s->h, digest);
	s->h = NULL;
	if (crypto_sign(s->c->key, DK_HASH, digest, dlen, &sig, &siglen,
	    err) < 0) {
		dk_sign_free(s);
		return NULL;
	}
	b64 = b64_encode(sig, siglen);
	free(sig);

	/* RFC 4870 3.3 tags, in the order of its example. */
	dkim_fold_add(&f, DK_FIELD_NAME ":", false);
	dkim_fold_add(&f, "a=" DK_ALG ";", true);
	buf_printf(&t, "c=%s;", canon_name(s->c->hcanon));
	dkim_fold_add(&f, t.data, true);
	buf_reset(&t);
	buf_printf(&t, "d=%s;", s->c->domain);
	dkim_fold_add(&f, t.data, true);
	buf_reset(&t);
	buf_printf(&t, "s=%s;", s->c->selector);
	dkim_fold_add(&f, t.data, true);
	dkim_fold_add(&f, "q=" DK_QUERY ";", true);
	/* h= may fold after its colons (whitespace there is ignored) */
	for (i = 0; i < s->nfields && !s->no_h; i++) {
		const struct msg_field *mf = msg_field(m, s->fields[i]);
		char *name = lower_dup(mf->name, mf->namelen);
		buf_reset(&t);
		buf_printf(&t, "%s%s%s", i == 0 ? "h=" : "", name,
		    i + 1 < s->nfields ? ":" : ";");
		dkim_fold_add(&f, t.data, i == 0);
		free(name);
	}
	dkim_fold_add(&f, "b=", true);
	dkim_fold_b64(&f, b64);
	buf_adds(&out, f.eol);
	free(b64);
	buf_free(&t);
	res = buf_detach(&out);
	dk_sign_free(s);
	return res;
}

void
dk_sign_free(struct dk_sign *s)
{
	if (s == NULL)
		return;
	crypto_hash_free(s->h);
	free(s->fields);
	free(s);
}

/* ------------------------------------------------------ verification */

struct dk_verify {
	struct dkim_result *r;
	struct crypto_pubkey *key;
	struct crypto_hash *h;
	unsigned char *b;
	size_t blen;
};

static void
set_result(struct dkim_result *r, enum res res, const char *reason)
{
	r->result = res;
	free(r->reason);
	r->reason = reason != NULL ? xstrdup(reason) : NULL;
}

/*
 * The signed fields of the signature at index self (RFC 4870 3.3 h=, see
 * the top of this file): indexes into m, in hashing order, in *out
 * (caller frees).  h == NULL: every field below self.
 */
static size_t
select_fields(struct msg *m, size_t self, char *const *h, size_t nh,
    size_t **out)
{
	size_t nf = msg_nfields(m), n = 0, k, j, i, g, e;
	size_t *v = xcalloc(nf + 1, sizeof(size_t));
	size_t *left, *gk;
	const size_t *by;
	const struct msg_field *f, *fg;
	bool *seen, *earlier;

	if (h == NULL) {
		for (j = self + 1; j < nf; j++)
			v[n++] = j;
		*out = v;
		return n;
	}
	/* The fields by name (msg_fields_by_name()): each name's instances
	 * are adjacent, top-down, and unused ones are always a prefix of
	 * its group (they are taken from the bottom), so neither a scan of
	 * the fields per name nor of h= per name is needed: scanning cost
	 * names x fields before (issue 8, as in dkim.c). */
	by = msg_fields_by_name(m);
	left = xcalloc(nf + 1, sizeof(*left));
	seen = xcalloc(nf + 1, sizeof(*seen));
	gk = xcalloc(nh + 1, sizeof(*gk));
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
	/* gk[k]: the group of h[k]'s name, nf when the message has none;
	 * earlier[k] (a mention of the same name before k) is seen[] as it
	 * was before k in a forward pass */
	earlier = xcalloc(nh + 1, sizeof(*earlier));
	for (k = 0; k < nh; k++) {
		size_t hl = strlen(h[k]), lo = 0, hi = nf, mid;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			f = msg_field(m, by[mid]);
			if (msg_name_cmp(f->name, f->namelen, h[k], hl) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		gk[k] = nf;
		if (lo < nf) {
			f = msg_field(m, by[lo]);
			if (msg_name_cmp(f->name, f->namelen, h[k], hl) == 0)
				gk[k] = lo;
		}
		if (gk[k] < nf) {
			earlier[k] = seen[gk[k]];
			seen[gk[k]] = true;
		}
	}
	/* Walk h= backwards, collecting fields bottom-up into v: a name
	 * named again earlier in h= takes its last remaining field below
	 * self only, its first mention all that remain. */
	for (k = nh; k-- > 0;) {
		g = gk[k];
		if (g == nf)
			continue;
		while (left[g] > 0 && by[g + left[g] - 1] > self) {
			v[n++] = by[g + --left[g]];
			if (earlier[k])
				break;
		}
	}
	free(left);
	free(seen);
	free(gk);
	free(earlier);
	/* bottom-up to hashing order */
	for (i = 0; i < n / 2; i++) {
		size_t tmp = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = tmp;
	}
	*out = v;
	return n;
}

/* RFC 4870 3.2.3 g=: the local-part of the sending address must match;
 * absent or empty matches any (RFC 4870: "If present with a non-zero
 * length value"); one '*' matches any run of characters (as RFC 4871
 * 3.6.1 and Mail::DKIM allow). */
static bool
granularity_ok(const char *g, const char *local)
{
	const char *star;
	size_t glen, llen = strlen(local), pre, post;

	if (g == NULL || *g == '\0')
		return true;
	glen = strlen(g);
	star = strchr(g, '*');
	if (star == NULL)
		return strcmp(g, local) == 0;
	pre = (size_t)(star - g);
	post = glen - pre - 1;
	return llen >= pre + post && memcmp(local, g, pre) == 0 &&
	    memcmp(local + llen - post, star + 1, post) == 0;
}

/* Parse the signature tags (RFC 4870 3.3); returns the reason for a
 * permerror or NULL.  Fills r->d and r->s, *hc, *h (NULL: no h=), *b. */
static const char *
parse_sig(const struct msg_field *f, struct dkim_result *r,
    enum canon_alg *hc, char ***h, size_t *nh, unsigned char **b,
    size_t *blen)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0;
	const struct tag *t;
	enum tag_status ts;

	ts = tag_parse(f->value, f->valuelen, tags, &ntags);
	if (ts != TAG_OK)
		return ts == TAG_EDUPLICATE ? "duplicate tag" :
		    ts == TAG_ETOOMANY ? "too many tags" :
		    "signature syntax error";
	if ((t = tag_find(tags, ntags, "d")) != NULL)
		r->d = tag_value_dup(t);
	if ((t = tag_find(tags, ntags, "s")) != NULL)
		r->s = tag_value_dup(t);

	/* a= (leniency: absent means rsa-sha1) */
	if ((t = tag_find(tags, ntags, "a")) != NULL &&
	    !util_strcaseeq_n(t->value, t->valuelen, DK_ALG,
	    strlen(DK_ALG)))
		return "unsupported algorithm";
	/* c= (leniency: absent means simple) */
	*hc = CANON_DK_SIMPLE;
	if ((t = tag_find(tags, ntags, "c")) != NULL &&
	    canon_parse(t->value, t->valuelen, 1, hc) < 0)
		return "unsupported canonicalization";
	/* q= (leniency: absent means dns); present, it must be dns */
	if ((t = tag_find(tags, ntags, "q")) != NULL &&
	    !util_strcaseeq_n(t->value, t->valuelen, DK_QUERY,
	    strlen(DK_QUERY)))
		return "unsupported query method";
	if (r->d == NULL)
		return "missing d= tag";
	if (!dkim_is_name(r->d, strlen(r->d), 2))
		return "bad d= domain";
	if (r->s == NULL)
		return "missing s= tag";
	if (!dkim_is_name(r->s, strlen(r->s), 1))
		return "bad s= selector";
	t = tag_find(tags, ntags, "b");
	if (t == NULL)
		return "missing b= tag";
	*b = t->valuelen > 0 ? b64_decode(t->value, t->valuelen, blen) : NULL;
	if (*b == NULL || *blen == 0)
		return "bad b= value";
	if ((t = tag_find(tags, ntags, "h")) != NULL) {
		*h = dkim_parse_h(t->value, t->valuelen, nh);
		if (*h == NULL)
			return "bad h= list";
	}
	return NULL;
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

struct dk_verify *
dk_verify_begin(struct msg *m, struct dns_ctx *dns, unsigned min_key_bits,
    struct dkim_result *r, struct dkim_body *body)
{
	const struct msg_field *f = msg_field(m, r->field);
	struct dk_verify *v = NULL;
	enum canon_alg hc = CANON_DK_SIMPLE;
	char **h = NULL, *local = NULL, *domain = NULL, *reason = NULL;
	char *cerr = NULL;
	size_t nh = 0, *fields = NULL, nfields;
	unsigned char *b = NULL;
	size_t blen = 0;
	const char *why;
	struct dkim_key k;
	enum res res;

	memset(&k, 0, sizeof(k));
	if (min_key_bits == 0)
		min_key_bits = DKIM_MIN_RSA_BITS;
	why = parse_sig(f, r, &hc, &h, &nh, &b, &blen);
	if (why != NULL) {
		set_result(r, RES_PERMERROR, why);
		goto out;
	}

	/* RFC 4870 3.3 d=: the sending address's domain or a parent. */
	nfields = select_fields(m, r->field, h, nh, &fields);
	if (dk_sending_address(m, fields, nfields, &local, &domain,
	    &r->sender, &why) < 0) {
		set_result(r, RES_PERMERROR, why);
		goto out;
	}
	r->from = xasprintf("%s@%s", local, domain);
	if (!dkim_domain_within(domain, strlen(domain), r->d)) {
		set_result(r, RES_PERMERROR, r->sender ?
		    "Sender domain not within d=" :
		    "From domain not within d=");
		goto out;
	}

	/* RFC 4870 3.2 and 3.7.4: the key */
	res = dkim_key_fetch(dns, r->s, r->d, &k, &reason);
	/* A revoked key (empty p=) is a fail for DKIM only (RFC 6376 6.1.2
	 * step 6).  RFC 4870 3.2.3 says no more than that the key "has been
	 * revoked", with no rule that makes it a failed check: the key is
	 * unusable, as a missing one is, so DomainKeys keeps permerror. */
	if (res == RES_FAIL)
		res = RES_PERMERROR;
	if (res != RES_PASS) {
		set_result(r, res, reason);
		goto out;
	}
	r->testing = k.testing;
	if (k.type != CRYPTO_KEY_RSA)
		why = "key type is not rsa";
	else if (!k.sha1)
		why = "key h= does not allow sha1";
	else if (!granularity_ok(k.g, local))
		why = "key g= does not match the sending address";
	if (why != NULL) {
		set_result(r, RES_PERMERROR, why);
		goto out;
	}
	v = xcalloc(1, sizeof(*v));
	v->r = r;
	v->key = crypto_pubkey_import(CRYPTO_KEY_RSA, k.p, k.plen, &cerr);
	if (v->key == NULL) {
		free(cerr);
		set_result(r, RES_PERMERROR, "bad key data");
		goto fail;
	}
	r->key_bits = crypto_pubkey_bits(v->key);
	/* RFC 8301 3.2 does not cover DomainKeys, but a key this weak is
	 * no better here: the same floor, unless lowered on purpose. */
	if (r->key_bits < min_key_bits) {
		reason = xasprintf("key too small: %u bits", r->key_bits);
		set_result(r, RES_POLICY, reason);
		goto fail;
	}
	v->h = crypto_hash_new(DK_HASH);
	if (v->h == NULL) {
		set_result(r, RES_PERMERROR, "signature not verifiable");
		goto fail;
	}
	hash_fields(v->h, hc, m, fields, nfields);
	dkim_body_add(body, hc, UINT64_MAX, v->h);
	v->b = b;
	v->blen = blen;
	b = NULL;
	goto out;
fail:
	dk_verify_free(v);
	v = NULL;
out:
	dkim_key_clear(&k);
	dkim_strv_free(h, nh);
	free(fields);
	free(local);
	free(domain);
	free(reason);
	free(b);
	return v;
}

void
dk_verify_end(struct dk_verify *v, struct msg *m)
{
	unsigned char digest[CRYPTO_MAX_DIGEST];
	size_t dlen, nfrom;
	char *cerr = NULL;
	int ok;

	if (v == NULL)
		return;
	dlen = crypto_hash_final(v->h, digest);
	v->h = NULL;
	ok = crypto_verify(v->key, DK_HASH, digest, dlen, v->b, v->blen,
	    &cerr);
	free(cerr);
	if (ok < 0)
		set_result(v->r, RES_PERMERROR, "signature not verifiable");
	else if (ok == 0)
		/* one hash over header and body: no telling which changed */
		set_result(v->r, RES_FAIL, "signature mismatch");
	else if ((nfrom = count_fields(m, "from")) > 1)
		/* DESIGN.md policy, as for DKIM: a second From field could
		 * show another author than the one signed */
		set_result(v->r, RES_POLICY, "several From fields");
	else
		set_result(v->r, RES_PASS, NULL);
	dk_verify_free(v);
}

void
dk_verify_free(struct dk_verify *v)
{
	if (v == NULL)
		return;
	crypto_pubkey_free(v->key);
	crypto_hash_free(v->h);
	free(v->b);
	free(v);
}
