/*
 * dkim_verify: the verifier (RFC 6376 6; RFC 4870 3.7 for DomainKeys).
 *
 * This file is the dispatcher: it finds the signature fields, hands
 * DKIM-Signature fields to dkim_sig.c (tags) and dkim_key.c (key) and
 * DomainKey-Signature fields to dk_verify.c, runs the one body pass
 * (dkim_base.c) for all of them, then completes each.  Neither dkim_sig.c
 * nor dk_verify.c calls back here, so the modules form no circle.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dk.h"
#include "common/dkim.h"
#include "common/dkim_base.h"
#include "common/dkim_key.h"
#include "common/dkim_sig.h"
#include "common/util.h"

/* Signatures borrow their keys from dkim_key_import()'s cache: one
 * message never evicts a key it uses. */
_Static_assert(DKIM_KEY_IMPORTS_CACHED > DKIM_MAX_SIGNATURES,
    "the key cache holds every key of one message");

/* RFC 6376 6.1.2: fetch and check the key for a parsed signature. */
static void
sig_key(struct dkim_sig *sg, struct dns_ctx *dns,
    const struct dkim_verify_opts *o)
{
	const char *why = NULL;
	struct dkim_key k;
	enum crypto_key_type type;
	char *cerr = NULL, *reason = NULL;
	enum res r;

	r = dkim_key_fetch(dns, sg->s, sg->d, &k, &reason);
	if (r != RES_PASS) {
		dkim_sig_result(sg, r, reason);
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
		dkim_sig_result(sg, RES_PERMERROR, why);
		return;
	}
	type = k.type;
	sg->key = dkim_key_import(&k, &cerr); /* borrowed */
	dkim_key_clear(&k);
	if (sg->key == NULL) {
		/* cerr has the library's detail; the reason stays short */
		free(cerr);
		dkim_sig_result(sg, RES_PERMERROR, "bad key data");
		return;
	}
	sg->res->key_bits = crypto_pubkey_bits(sg->key);
	/* RFC 8301 3.2 (RSA floor) and 3.1 (no rsa-sha1). */
	if (type == CRYPTO_KEY_RSA && sg->res->key_bits < o->min_key_bits) {
		dkim_sig_resultf(sg, RES_POLICY, "key too small: %u bits",
		    sg->res->key_bits);
		return;
	}
	if (sg->alg->hash == CRYPTO_SHA1) {
		dkim_sig_result(sg, RES_POLICY, "rsa-sha1 not accepted");
		return;
	}
}

/* Crypto checks once the body hashes are known (RFC 6376 6.1.3). */
static void
sig_check(struct dkim_sig *sg, struct msg *m, const unsigned char *bh,
    size_t bhlen, uint64_t bodylen)
{
	struct buf raw = BUF_INIT, in = BUF_INIT;
	unsigned char digest[CRYPTO_MAX_DIGEST];
	size_t dlen, nfrom;
	char *cerr = NULL;
	int v;

	/* RFC 6376 3.5 l=: more than the body is an error. */
	if (sg->has_l && sg->l > bodylen) {
		dkim_sig_result(sg, RES_PERMERROR, "l= larger than the body");
		return;
	}
	if (bhlen != sg->bhlen || memcmp(bh, sg->bh, bhlen) != 0) {
		dkim_sig_result(sg, RES_FAIL, "body hash mismatch");
		return;
	}
	/* the signature field with its b= value emptied (RFC 6376 3.7),
	 * without its final line ending */
	buf_add(&raw, sg->f->raw, (size_t)(sg->bval_start - sg->f->raw));
	buf_add(&raw, sg->bval_end, (size_t)(sg->f->value + sg->f->valuelen -
	    sg->bval_end));
	dkim_header_hash_input(m, sg->hc, sg->h, sg->nh, raw.data,
	    raw.len, &in);
	dlen = dkim_hash_buf(sg->alg->hash, &in, digest);
	buf_free(&raw);
	buf_free(&in);
	v = crypto_verify(sg->key, sg->alg->hash, digest, dlen, sg->b,
	    sg->blen, &cerr);
	if (v < 0) {
		free(cerr);
		dkim_sig_result(sg, RES_PERMERROR, "signature not verifiable");
		return;
	}
	if (v == 0) {
		dkim_sig_result(sg, RES_FAIL, "signature mismatch");
		return;
	}
	/* DESIGN.md policy: exactly one From field (RFC 5322 3.6 allows
	 * one; a second could show a different author than the one signed). */
	nfrom = dkim_count_fields(m, "from");
	if (nfrom != 1) {
		dkim_sig_result(sg, RES_POLICY, nfrom == 0 ? "no From field" :
		    "several From fields");
		return;
	}
	dkim_sig_result(sg, RES_PASS, NULL);
}

/* One body hash shared by the signatures with the same (body
 * canonicalisation, hash, l=). */
struct bodyh {
	enum canon_alg alg;
	enum crypto_hash_alg hash;
	uint64_t limit;
	struct crypto_hash *h;
	size_t idx;
	unsigned char digest[CRYPTO_MAX_DIGEST];
	size_t dlen;
};

/* A verification in progress: the steps of dkim_verify() share it. */
struct verify {
	struct msg *m;
	struct dns_ctx *dns;
	struct dkim_verify_opts opts; /* min_key_bits raised for DKIM */
	unsigned dk_min_bits;         /* as given (dkim.h) */
	struct dkim_results *rs;
	struct dkim_sig *sigs;
	size_t nsig;
	struct dk_verify **dks;
	size_t ndk;
	struct dkim_body *body;
	struct bodyh *bh;
	size_t nbh;
};

/* A result per DKIM-Signature and DomainKey-Signature field, in header
 * order. */
static struct dkim_results *
find_signatures(struct msg *m)
{
	struct dkim_results *rs = xcalloc(1, sizeof(*rs));
	size_t nf = msg_nfields(m), i;

	for (i = 0; i < nf; i++) {
		const struct msg_field *f = msg_field(m, i);
		bool dk;
		if (util_strcaseeq_n(f->name, f->namelen, "DKIM-Signature",
		    14))
			dk = false;
		else if (util_strcaseeq_n(f->name, f->namelen,
		    DK_FIELD_NAME, 19))
			dk = true;
		else
			continue;
		rs->r = xreallocarray(rs->r, rs->n + 1, sizeof(*rs->r));
		memset(&rs->r[rs->n], 0, sizeof(rs->r[0]));
		rs->r[rs->n].kind = dk ? DKIM_KIND_DOMAINKEYS : DKIM_KIND_DKIM;
		rs->r[rs->n].field = i;
		rs->n++;
	}
	return rs;
}

/* Result i: decided now (too many, malformed header), handed to
 * DomainKeys, or queued as a DKIM signature. */
static void
start_signature(struct verify *v, size_t i)
{
	struct dkim_result *r = &v->rs->r[i];
	const struct msg_field *f = msg_field(v->m, r->field);

	if (i >= DKIM_MAX_SIGNATURES) {
		dkim_sig_display(r, f);
		r->result = RES_POLICY;
		r->reason = xstrdup("too many signatures");
		return;
	}
	if (msg_header_malformed(v->m)) {
		/* A line that is no field before the empty line: RFC 5322
		 * 3.5 has none, and mail readers take the fields below it
		 * as header while the hash would take them as body, so no
		 * verdict can hold for both (dkimverify(1), as dkimpy
		 * refuses it). */
		dkim_sig_display(r, f);
		r->result = RES_PERMERROR;
		r->reason = xstrdup("header line without a colon");
		return;
	}
	if (r->kind == DKIM_KIND_DOMAINKEYS) {
		/* RFC 4870: parsed, key fetched and headers hashed now; the
		 * body comes with the DKIM ones.  DomainKeys predates RFC
		 * 8301: the floor is the caller's as given (dkim.h). */
		v->dks[v->ndk] = dk_verify_begin(v->m, v->dns, v->dk_min_bits,
		    r, v->body);
		if (v->dks[v->ndk] != NULL)
			v->ndk++;
		return;
	}
	v->sigs[v->nsig].res = r;
	v->sigs[v->nsig].f = f;
	v->nsig++;
}

/* One body pass: a canonicaliser and hash per distinct (canonicalisation,
 * hash, l=) among the DKIM signatures still open (DomainKeys ones are
 * already in the body pass). */
static void
plan_body(struct verify *v)
{
	size_t i, k;

	for (i = 0; i < v->nsig; i++) {
		struct dkim_sig *sg = &v->sigs[i];
		uint64_t limit = sg->has_l ? sg->l : UINT64_MAX;
		struct bodyh *bh;
		if (sg->done)
			continue;
		for (k = 0; k < v->nbh; k++)
			if (v->bh[k].alg == sg->bc && v->bh[k].hash ==
			    sg->alg->hash && v->bh[k].limit == limit)
				break;
		if (k == v->nbh) {
			v->bh = xreallocarray(v->bh, v->nbh + 1,
			    sizeof(*v->bh));
			bh = &v->bh[k];
			bh->alg = sg->bc;
			bh->hash = sg->alg->hash;
			bh->limit = limit;
			bh->h = crypto_hash_new(sg->alg->hash);
			bh->idx = dkim_body_add(v->body, sg->bc, limit, bh->h);
			bh->dlen = 0;
			v->nbh++;
		}
		sg->body = k;
	}
}

/* After the body pass: the body digests, then each signature's crypto
 * check (RFC 6376 6.1.3, RFC 4870 3.7.5). */
static void
finish_signatures(struct verify *v)
{
	size_t i, k;

	for (k = 0; k < v->nbh; k++) {
		v->bh[k].dlen = crypto_hash_final(v->bh[k].h, v->bh[k].digest);
		v->bh[k].h = NULL;
	}
	for (i = 0; i < v->nsig; i++) {
		struct dkim_sig *sg = &v->sigs[i];
		const struct bodyh *bh;
		if (sg->done)
			continue;
		bh = &v->bh[sg->body];
		sig_check(sg, v->m, bh->digest, bh->dlen,
		    dkim_body_length(v->body, bh->idx));
	}
	for (i = 0; i < v->ndk; i++) {
		dk_verify_end(v->dks[i], v->m);
		v->dks[i] = NULL;
	}
}

static void
verify_free(struct verify *v)
{
	size_t i, k;

	for (k = 0; k < v->nbh; k++)
		crypto_hash_free(v->bh[k].h);
	free(v->bh);
	for (i = 0; i < v->ndk; i++)
		dk_verify_free(v->dks[i]);
	free(v->dks);
	dkim_body_free(v->body);
	for (i = 0; i < v->nsig; i++)
		dkim_sig_clear(&v->sigs[i]);
	free(v->sigs);
	dkim_results_free(v->rs);
}

int
dkim_verify(struct msg *m, struct dns_ctx *dns,
    const struct dkim_verify_opts *o, struct dkim_results **out, char **err)
{
	struct verify v;
	size_t i;
	int rc = -1;

	if (msg_status(m) != MSG_OK) {
		*err = xstrdup(msg_status_text(msg_status(m)));
		return -1;
	}
	memset(&v, 0, sizeof(v));
	v.m = m;
	v.dns = dns;
	v.opts = *o;
	v.dk_min_bits = o->min_key_bits;
	if (v.opts.min_key_bits < DKIM_MIN_RSA_BITS)
		v.opts.min_key_bits = DKIM_MIN_RSA_BITS;
	v.rs = find_signatures(m);
	v.sigs = xcalloc(v.rs->n + 1, sizeof(*v.sigs));
	v.dks = xcalloc(v.rs->n + 1, sizeof(*v.dks));
	v.body = dkim_body_new();
	for (i = 0; i < v.rs->n; i++)
		start_signature(&v, i);
	for (i = 0; i < v.nsig; i++)
		dkim_sig_parse(&v.sigs[i], &v.opts);
	for (i = 0; i < v.nsig; i++)
		if (!v.sigs[i].done)
			sig_key(&v.sigs[i], dns, &v.opts);
	plan_body(&v);
	if (dkim_body_run(v.body, m, err) == 0) {
		finish_signatures(&v);
		*out = v.rs;
		v.rs = NULL;
		rc = 0;
	}
	verify_free(&v);
	return rc;
}

/* What one result owns (util_array_free's elem_clear). */
static void
result_clear(void *p)
{
	struct dkim_result *r = p;

	UTIL_FREE_ALL(r->reason, r->d, r->s, r->a, r->i, r->b, r->from);
}

void
dkim_results_free(struct dkim_results *rs)
{
	if (rs == NULL)
		return;
	util_array_free(rs->r, rs->n, sizeof(*rs->r), result_clear);
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
