/*
 * dk_verify: DomainKeys verification (RFC 4870 3.7), over the DKIM body
 * pass and key fetch (common/dkim_base.h, common/dkim_key.h); see dk.h and
 * the top of dk.c for what is signed and the leniencies.  Called by the
 * verifier's dispatcher (dkim_verify.c); calls nothing there.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/canon.h"
#include "common/crypto.h"
#include "common/dk.h"
#include "common/dkim_base.h"
#include "common/dkim_key.h"
#include "common/taglist.h"
#include "common/util.h"

struct dk_verify {
	struct dkim_result *r;
	const struct crypto_pubkey *key; /* borrowed (dkim_key_import()) */
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
	size_t nf = msg_nfields(m), n = 0, k, j, i, g;
	size_t *v = xcalloc(nf + 1, sizeof(size_t));
	size_t *left, *gk;
	const size_t *by;
	bool *seen, *earlier;

	if (h == NULL) {
		for (j = self + 1; j < nf; j++)
			v[n++] = j;
		*out = v;
		return n;
	}
	/* The fields by name (dkim_name_groups()): each name's instances
	 * are adjacent, top-down, and unused ones are always a prefix of
	 * its group (they are taken from the bottom), so neither a scan of
	 * the fields per name nor of h= per name is needed: scanning cost
	 * names x fields before (issue 8, as in dkim_base.c). */
	by = msg_fields_by_name(m);
	left = dkim_name_groups(m);
	seen = xcalloc(nf + 1, sizeof(*seen));
	gk = xcalloc(nh + 1, sizeof(*gk));
	/* gk[k]: the group of h[k]'s name, nf when the message has none;
	 * earlier[k] (a mention of the same name before k) is seen[] as it
	 * was before k in a forward pass */
	earlier = xcalloc(nh + 1, sizeof(*earlier));
	for (k = 0; k < nh; k++) {
		gk[k] = dkim_name_group(m, by, nf, h[k], strlen(h[k]));
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

/* -1 with a copy of why in *err (the parse_sig() convention). */
static int
sig_fail(char **err, const char *why)
{
	*err = xstrdup(why);
	return -1;
}

/* Parse the signature tags (RFC 4870 3.3).  Returns 0, or -1 with the
 * reason for a permerror in *err (caller frees).  Fills r->d and r->s,
 * *hc, *h (NULL: no h=), *b. */
static int
parse_sig(const struct msg_field *f, struct dkim_result *r,
    enum canon_alg *hc, char ***h, size_t *nh, unsigned char **b,
    size_t *blen, char **err)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0;
	const struct tag *t;
	enum tag_status ts;

	ts = tag_parse(f->value, f->valuelen, tags, &ntags);
	if (ts != TAG_OK)
		return sig_fail(err, ts == TAG_EDUPLICATE ? "duplicate tag" :
		    ts == TAG_ETOOMANY ? "too many tags" :
		    "signature syntax error");
	if ((t = tag_find(tags, ntags, "d")) != NULL)
		r->d = tag_value_dup(t);
	if ((t = tag_find(tags, ntags, "s")) != NULL)
		r->s = tag_value_dup(t);

	/* a= (leniency: absent means rsa-sha1) */
	if ((t = tag_find(tags, ntags, "a")) != NULL &&
	    !util_strcaseeq_n(t->value, t->valuelen, DK_ALG,
	    strlen(DK_ALG)))
		return sig_fail(err, "unsupported algorithm");
	/* c= (leniency: absent means simple) */
	*hc = CANON_DK_SIMPLE;
	if ((t = tag_find(tags, ntags, "c")) != NULL &&
	    canon_parse(t->value, t->valuelen, 1, hc) < 0)
		return sig_fail(err, "unsupported canonicalization");
	/* q= (leniency: absent means dns); present, it must be dns */
	if ((t = tag_find(tags, ntags, "q")) != NULL &&
	    !util_strcaseeq_n(t->value, t->valuelen, DK_QUERY,
	    strlen(DK_QUERY)))
		return sig_fail(err, "unsupported query method");
	if (r->d == NULL)
		return sig_fail(err, "missing d= tag");
	if (!lex_check_domain(r->d, strlen(r->d), DKIM_DN_DOMAIN))
		return sig_fail(err, "bad d= domain");
	if (r->s == NULL)
		return sig_fail(err, "missing s= tag");
	if (!lex_check_domain(r->s, strlen(r->s), DKIM_DN_SELECTOR))
		return sig_fail(err, "bad s= selector");
	t = tag_find(tags, ntags, "b");
	if (t == NULL)
		return sig_fail(err, "missing b= tag");
	*b = t->valuelen > 0 ? b64_decode(t->value, t->valuelen, blen) : NULL;
	if (*b == NULL || *blen == 0)
		return sig_fail(err, "bad b= value");
	if ((t = tag_find(tags, ntags, "h")) != NULL) {
		*h = dkim_parse_h(t->value, t->valuelen, nh);
		if (*h == NULL)
			return sig_fail(err, "bad h= list");
	}
	return 0;
}

/* What dk_verify_begin() gathers from the signature and the message. */
struct dk_parts {
	enum canon_alg hc;
	char **h; /* NULL: no h= */
	size_t nh;
	unsigned char *b;
	size_t blen;
	size_t *fields; /* the signed fields, in hashing order */
	size_t nfields;
	char *local, *domain; /* the sending address */
};

static void
parts_clear(struct dk_parts *p)
{
	util_strv_free(p->h, p->nh);
	UTIL_FREE_ALL(p->b, p->fields, p->local, p->domain);
}

/* Parse the field, select the signed fields and check the sending
 * address against d= (RFC 4870 3.3).  Returns 0, or -1 with r's result
 * set. */
static int
dk_parse(struct msg *m, struct dkim_result *r, struct dk_parts *p)
{
	const struct msg_field *f = msg_field(m, r->field);
	const char *why;
	char *err = NULL;

	p->hc = CANON_DK_SIMPLE;
	if (parse_sig(f, r, &p->hc, &p->h, &p->nh, &p->b, &p->blen,
	    &err) < 0) {
		set_result(r, RES_PERMERROR, err);
		free(err);
		return -1;
	}
	/* RFC 4870 3.3 d=: the sending address's domain or a parent. */
	p->nfields = select_fields(m, r->field, p->h, p->nh, &p->fields);
	if (dk_sending_address(m, p->fields, p->nfields, &p->local,
	    &p->domain, &r->sender, &why) < 0) {
		set_result(r, RES_PERMERROR, why);
		return -1;
	}
	r->from = xasprintf("%s@%s", p->local, p->domain);
	if (!lex_domain_within(p->domain, strlen(p->domain), r->d,
	    strlen(r->d))) {
		set_result(r, RES_PERMERROR, r->sender ?
		    "Sender domain not within d=" :
		    "From domain not within d=");
		return -1;
	}
	return 0;
}

/* RFC 4870 3.2 and 3.7.4: fetch and check the key for local@d=.  Returns
 * it, or NULL with r's result set. */
static const struct crypto_pubkey *
dk_key(struct dns_ctx *dns, unsigned min_key_bits, struct dkim_result *r,
    const char *local)
{
	const struct crypto_pubkey *key = NULL;
	struct dkim_key k;
	char *reason = NULL, *cerr = NULL;
	const char *why = NULL;
	enum res res;

	res = dkim_key_fetch(dns, r->s, r->d, &k, &reason);
	/* A revoked key (empty p=) is a fail for DKIM only (RFC 6376 6.1.2
	 * step 6).  RFC 4870 3.2.3 says no more than that the key "has been
	 * revoked", with no rule that makes it a failed check: the key is
	 * unusable, as a missing one is, so DomainKeys keeps permerror. */
	if (res == RES_FAIL)
		res = RES_PERMERROR;
	if (res != RES_PASS) {
		set_result(r, res, reason);
		free(reason);
		return NULL;
	}
	r->testing = k.testing;
	if (k.type != CRYPTO_KEY_RSA)
		why = "key type is not rsa";
	else if (!k.sha1)
		why = "key h= does not allow sha1";
	else if (!granularity_ok(k.g, local))
		why = "key g= does not match the sending address";
	else if ((key = dkim_key_import(&k, &cerr)) == NULL) {
		free(cerr);
		why = "bad key data";
	}
	dkim_key_clear(&k);
	if (why != NULL) {
		set_result(r, RES_PERMERROR, why);
		return NULL;
	}
	r->key_bits = crypto_pubkey_bits(key);
	/* RFC 8301 3.2 does not cover DomainKeys, but a key this weak is
	 * no better here: the same floor, unless lowered on purpose. */
	if (r->key_bits < min_key_bits) {
		reason = xasprintf("key too small: %u bits", r->key_bits);
		set_result(r, RES_POLICY, reason);
		free(reason);
		return NULL;
	}
	return key;
}

struct dk_verify *
dk_verify_begin(struct msg *m, struct dns_ctx *dns, unsigned min_key_bits,
    struct dkim_result *r, struct dkim_body *body)
{
	struct dk_verify *v = NULL;
	const struct crypto_pubkey *key;
	struct dk_parts p;

	memset(&p, 0, sizeof(p));
	if (min_key_bits == 0)
		min_key_bits = DKIM_MIN_RSA_BITS;
	if (dk_parse(m, r, &p) < 0 ||
	    (key = dk_key(dns, min_key_bits, r, p.local)) == NULL)
		goto out;
	v = xcalloc(1, sizeof(*v));
	v->r = r;
	v->key = key;
	v->h = crypto_hash_new(DK_HASH);
	if (v->h == NULL) {
		set_result(r, RES_PERMERROR, "signature not verifiable");
		dk_verify_free(v);
		v = NULL;
		goto out;
	}
	dk_hash_fields(v->h, p.hc, m, p.fields, p.nfields);
	dkim_body_add(body, p.hc, UINT64_MAX, v->h);
	v->b = p.b;
	v->blen = p.blen;
	p.b = NULL;
out:
	parts_clear(&p);
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
	else if ((nfrom = dkim_count_fields(m, "from")) > 1)
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
	crypto_hash_free(v->h);
	UTIL_FREE_ALL(v->b, v);
}
