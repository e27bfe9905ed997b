/*
 * dkim_sign: the DKIM signer (RFC 6376 5; RFC 8463 for Ed25519), which
 * also drives DomainKeys signatures (common/dk.h) in the same body pass.
 *
 * It builds its DKIM-Signature text with an empty b= and hashes it with
 * dkim_header_hash_input(), exactly as a verifier does after emptying b=.
 * No DNS: this file, dkim_base.c and dk.c are all a signer links.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dk.h"
#include "common/dkim.h"
#include "common/dkim_base.h"
#include "common/taglist.h"
#include "common/util.h"


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

	if (c->domain == NULL ||
	    !lex_check_domain(c->domain, strlen(c->domain), DKIM_DN_DOMAIN)) {
		*err = xasprintf("not a domain name (RFC 6376 3.5 d=): %s",
		    c->domain != NULL ? c->domain : "(none)");
		return -1;
	}
	if (c->selector == NULL ||
	    !lex_check_domain(c->selector, strlen(c->selector),
	    DKIM_DN_SELECTOR)) {
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
		if (at == NULL || !lex_check_domain(at + 1, strlen(at + 1),
		    DKIM_DN_DOMAIN)) {
			*err = xasprintf("identity is not [local-part]@domain: "
			    "%s", c->identity);
			return -1;
		}
		if (!lex_domain_within(at + 1, strlen(at + 1), c->domain,
		    strlen(c->domain))) {
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
			if (!dkim_is_field_name(c->headers[i],
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
		for (i = 0; i < DKIM_NDEFAULT_HEADERS; i++) {
			have = dkim_count_fields(m, dkim_default_headers[i]);
			for (k = 0; k < have; k++) {
				v = xreallocarray(v, cnt + 1, sizeof(*v));
				v[cnt++] = xstrdup(dkim_default_headers[i]);
			}
		}
		/* One more instance of each field a reader relies on, when
		 * present: an instance added in transit then breaks the
		 * signature (RFC 6376 8.15).  Absent ones are not named:
		 * their addition is as visible as any other field's. */
		for (i = 0; i < DKIM_NOVERSIGN_HEADERS &&
		    !c->oversign && !c->no_default_oversign; i++) {
			if (dkim_count_fields(m, dkim_oversign_headers[i]) == 0)
				continue;
			v = xreallocarray(v, cnt + 1, sizeof(*v));
			v[cnt++] = xstrdup(dkim_oversign_headers[i]);
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
			have = dkim_count_fields(m, v[i]);
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
	have = dkim_count_fields(m, "DKIM-Signature");
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

/* The signer's last step (RFC 6376 5.5, 5.6): field/len is the whole
 * DKIM-Signature text ending in an empty b=, whose c= header part is hc,
 * a= hash is hash and h= is h[0..nh).  Its header hash (RFC 6376 3.7) is
 * signed with key and the b= value appended, folded, with m's eol.  NULL
 * with *err on a crypto error. */
static char *
sign_hashed(struct msg *m, const struct crypto_privkey *key,
    enum crypto_hash_alg hash, enum canon_alg hc, char *const *h, size_t nh,
    const char *field, size_t len, char **err)
{
	unsigned char digest[CRYPTO_MAX_DIGEST], *sig = NULL;
	struct buf in = BUF_INIT, res = BUF_INIT;
	struct dkim_fold f;
	size_t dlen, siglen = 0;
	char *b64, *out;

	dkim_header_hash_input(m, hc, h, nh, field, len, &in);
	dlen = dkim_hash_buf(hash, &in, digest);
	buf_free(&in);
	if (crypto_sign(key, hash, digest, dlen, &sig, &siglen, err) < 0)
		return NULL;
	b64 = b64_encode(sig, siglen);
	free(sig);
	buf_add(&res, field, len);
	f.b = &res;
	f.col = last_col(field, len);
	f.eol = msg_eol(m);
	dkim_fold_b64(&f, b64);
	free(b64);
	buf_adds(&res, f.eol);
	out = buf_detach(&res);
	return out;
}

char *
dkim_sign_field(struct msg *m, const struct crypto_privkey *key,
    const char *field, size_t len, char **err)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0, nh = 0;
	const struct tag *ta, *tc, *th, *tb;
	const struct dkim_alg *alg;
	enum canon_alg hc, bc;
	const char *colon;
	char **h, *out;

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
	alg = dkim_alg_find(ta->value, ta->valuelen);
	if (alg == NULL || alg->hash == CRYPTO_SHA1 ||
	    alg->key != crypto_privkey_type(key)) {
		*err = xstrdup("a= does not suit the key (rsa-sha256 for RSA, "
		    "ed25519-sha256 for Ed25519)");
		return NULL;
	}
	hc = bc = CANON_SIMPLE;
	if (tc != NULL &&
	    dkim_parse_c(tc->value, tc->valuelen, &hc, &bc) < 0) {
		*err = xstrdup("DKIM-Signature: bad c=");
		return NULL;
	}
	h = dkim_parse_h(th->value, th->valuelen, &nh);
	if (h == NULL) {
		*err = xstrdup("DKIM-Signature: bad h=");
		return NULL;
	}
	out = sign_hashed(m, key, alg->hash, hc, h, nh, field, len, err);
	util_strv_free(h, nh);
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
		dkim_qp_encode(&t, c->identity, (size_t)(at - c->identity));
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
	util_strv_free(fields, n);
}

/* Before any work: m readable, with a From field, and every
 * configuration valid with a key.  Returns 0, or -1 with *err. */
static int
sign_ready(struct msg *m, const struct dkim_sign_conf *conf, size_t n,
    char **err)
{
	size_t i;

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
	return 0;
}

/* One DKIM-Signature for c, once the body hash is known (RFC 6376 5.4,
 * 5.5): its h= list, its text with an empty b=, then the signature.
 * NULL with *err on a crypto error. */
static char *
sign_one(struct msg *m, const struct dkim_sign_conf *c,
    const unsigned char *digest, size_t dlen, uint64_t bodylen, char **err)
{
	char **h, *bh, *tmpl, *out;
	size_t nh;

	h = sign_names(m, c, &nh);
	bh = b64_encode(digest, dlen);
	tmpl = sign_template(m, c, h, nh, bh, bodylen);
	/* a= is rsa-sha256 or ed25519-sha256, c= and h= are c's and h:
	 * what dkim_sign_field() would read back from tmpl */
	out = sign_hashed(m, c->key, CRYPTO_SHA256, c->hcanon, h, nh, tmpl,
	    strlen(tmpl), err);
	free(tmpl);
	free(bh);
	util_strv_free(h, nh);
	return out;
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

	if (sign_ready(m, conf, n, err) < 0)
		return -1;
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
		if (conf[i].kind == DKIM_KIND_DOMAINKEYS) {
			out[i] = dk_sign_end(dks[i], m, err);
			dks[i] = NULL;
			if (out[i] == NULL)
				goto out;
			done++;
			continue;
		}
		k = conf[i].bcanon == CANON_RELAXED;
		out[i] = sign_one(m, &conf[i], digest[k], dlen[k],
		    dkim_body_length(body, idx[k]), err);
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

