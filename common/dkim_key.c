/*
 * dkim_key: key records and their DNS lookup (see dkim_key.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/dkim_base.h"
#include "common/dkim_key.h"
#include "common/taglist.h"
#include "common/util.h"

/* True when the colon-separated list [s, s + len) (RFC 6376 3.6.1 h=, s=,
 * t=) holds word, case-insensitively. */
static bool
list_has(const char *s, size_t len, const char *word)
{
	const char *p = s, *w;
	size_t n, wl = strlen(word);

	while (dkim_list_next(&p, s + len, &w, &n))
		/* Hash, service and flag names are ABNF strings:
		 * case-insensitive (RFC 5234 2.3). */
		if (util_strcaseeq_n(w, n, word, wl))
			return true;
	return false;
}

/* -1 with a copy of why in *err (the dkim_key_parse() convention). */
static int
key_fail(char **err, const char *why)
{
	*err = xstrdup(why);
	return -1;
}

/* Key record (RFC 6376 3.6.1; RFC 4870 3.2.3 adds g=); see dkim_key.h. */
int
dkim_key_parse(const char *data, size_t len, struct dkim_key *k,
    bool *revoked, char **err)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0;
	const struct tag *t;

	memset(k, 0, sizeof(*k));
	*revoked = false;
	if (len == 0)
		return key_fail(err, "empty key record");
	if (memchr(data, '\0', len) != NULL ||
	    tag_parse(data, len, tags, &ntags) != TAG_OK || ntags == 0)
		return key_fail(err, "key record syntax error");
	/* v= is optional, but if present MUST be the first tag and MUST be
	 * "DKIM1", a case-sensitive literal (RFC 6376 3.6.1 key-v-tag is
	 * %x44.4B.49.4D.31). */
	t = tag_find(tags, ntags, "v");
	if (t != NULL && t != &tags[0])
		return key_fail(err, "key record v= is not the first tag");
	if (t != NULL && (t->valuelen != 5 || memcmp(t->value, "DKIM1", 5) != 0))
		return key_fail(err, "key record v= is not DKIM1");
	k->type = CRYPTO_KEY_RSA;
	if ((t = tag_find(tags, ntags, "k")) != NULL) {
		/* k= names are case-insensitive ABNF strings. */
		if (util_strcaseeq_n(t->value, t->valuelen, "rsa", 3))
			k->type = CRYPTO_KEY_RSA;
		else if (util_strcaseeq_n(t->value, t->valuelen, "ed25519", 7))
			k->type = CRYPTO_KEY_ED25519;
		else
			return key_fail(err, "unknown key type");
	}
	k->sha1 = k->sha256 = true;
	if ((t = tag_find(tags, ntags, "h")) != NULL) {
		k->sha1 = list_has(t->value, t->valuelen, "sha1");
		k->sha256 = list_has(t->value, t->valuelen, "sha256");
	}
	if ((t = tag_find(tags, ntags, "s")) != NULL &&
	    !list_has(t->value, t->valuelen, "*") &&
	    !list_has(t->value, t->valuelen, "email"))
		return key_fail(err, "key not for e-mail (s=)");
	if ((t = tag_find(tags, ntags, "t")) != NULL) {
		k->testing = list_has(t->value, t->valuelen, "y");
		k->strict = list_has(t->value, t->valuelen, "s");
	}
	t = tag_find(tags, ntags, "p");
	if (t == NULL)
		return key_fail(err, "key record has no p=");
	if (t->valuelen == 0) {
		/* a failed check, not a permerror (RFC 6376 6.1.2) */
		*revoked = true;
		return key_fail(err, "key revoked");
	}
	k->p = b64_decode(t->value, t->valuelen, &k->plen);
	if (k->p == NULL || k->plen == 0) {
		free(k->p);
		k->p = NULL;
		return key_fail(err, "bad key data");
	}
	/* RFC 4870 3.2.3 g= (also RFC 4871, dropped by RFC 6376): only
	 * DomainKeys uses it. */
	if ((t = tag_find(tags, ntags, "g")) != NULL)
		k->g = tag_value_dup(t);
	return 0;
}

void
dkim_key_clear(struct dkim_key *k)
{
	if (k == NULL)
		return;
	UTIL_FREE_CLEAR(k, k->p, k->g);
}

/*
 * Parsed key records, for the process, keyed by the record's text: in a
 * batch one key record serves many messages, and dkim_key_parse()
 * depends on the text alone, so a text parsed before is not parsed again
 * (its base64 key decoded again).  Only records that parsed are kept, so
 * every defect is still found and reported each time; a changed record,
 * another DNS context or another zone file simply give other text.
 * Entries are replaced round-robin.
 */
#define DKIM_KEY_RECORDS_CACHED 16

struct rec_cache_ent {
	char *data;
	size_t len;
	struct dkim_key k;
};

static struct rec_cache_ent rec_cache[DKIM_KEY_RECORDS_CACHED];
static size_t rec_cache_next;

/* dst = a copy of src that owns its own p and g. */
static void
key_copy(struct dkim_key *dst, const struct dkim_key *src)
{
	*dst = *src;
	dst->p = (unsigned char *)xmemdup(src->plen > 0 ? (const void *)src->p : "",
	    src->plen);
	dst->g = src->g != NULL ? xstrdup(src->g) : NULL;
}

/* dkim_key_parse(), through rec_cache. */
static int
key_parse_cached(const char *data, size_t len, struct dkim_key *k,
    bool *revoked, char **err)
{
	struct rec_cache_ent *e;
	size_t i;

	for (i = 0; i < DKIM_KEY_RECORDS_CACHED; i++) {
		e = &rec_cache[i];
		if (e->data != NULL && e->len == len &&
		    memcmp(e->data, data, len) == 0) {
			key_copy(k, &e->k);
			*revoked = false;
			return 0;
		}
	}
	if (dkim_key_parse(data, len, k, revoked, err) < 0)
		return -1;
	e = &rec_cache[rec_cache_next];
	rec_cache_next = (rec_cache_next + 1) % DKIM_KEY_RECORDS_CACHED;
	free(e->data);
	dkim_key_clear(&e->k);
	e->data = xmemdup(len > 0 ? data : "", len);
	e->len = len;
	key_copy(&e->k, k);
	return 0;
}

/*
 * Imported public keys, keyed by the key data itself (type and p=), so
 * that a batch signed with one key imports it once (GnuTLS's import
 * parses the DER and builds the big numbers: about a twentieth of a
 * batch's work per message); a changed key simply gives other bytes.
 * Entries are replaced round-robin; dkim_key.h says why a borrowed key
 * outlives its message.
 */
struct import_cache_ent {
	enum crypto_key_type type;
	unsigned char *p;
	size_t plen;
	struct crypto_pubkey *key;
};

static struct import_cache_ent import_cache[DKIM_KEY_IMPORTS_CACHED];
static size_t import_cache_next;

const struct crypto_pubkey *
dkim_key_import(const struct dkim_key *k, char **err)
{
	struct import_cache_ent *e;
	struct crypto_pubkey *key;
	size_t i;

	for (i = 0; i < DKIM_KEY_IMPORTS_CACHED; i++) {
		e = &import_cache[i];
		if (e->key != NULL && e->type == k->type &&
		    e->plen == k->plen && memcmp(e->p, k->p, k->plen) == 0)
			return e->key;
	}
	key = crypto_pubkey_import(k->type, k->p, k->plen, err);
	if (key == NULL)
		return NULL; /* not cached: reported each time */
	e = &import_cache[import_cache_next];
	import_cache_next = (import_cache_next + 1) % DKIM_KEY_IMPORTS_CACHED;
	crypto_pubkey_free(e->key);
	free(e->p);
	e->type = k->type;
	e->p = (unsigned char *)xmemdup(k->plen > 0 ? (const void *)k->p : "",
	    k->plen);
	e->plen = k->plen;
	e->key = key;
	return key;
}

enum res
dkim_key_fetch(struct dns_ctx *dns, const char *selector, const char *domain,
    struct dkim_key *k, char **reason)
{
	const struct dns_answer *ans;
	char *why = NULL, *e;
	bool revoked, first_revoked = false;
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
		if (key_parse_cached(ans->rr[i].data, ans->rr[i].len, k,
		    &revoked, &e) == 0) {
			free(why);
			return RES_PASS;
		}
		dkim_key_clear(k);
		if (why == NULL) {
			why = e;
			first_revoked = revoked;
		} else
			free(e);
	}
	*reason = why != NULL ? why : xstrdup("key not found");
	/* RFC 6376 6.1.2 step 6: an empty p= means the key was revoked, and
	 * the verifier "MUST treat this as a failed signature check and
	 * return PERMFAIL (key revoked)": a failed check is dkim=fail (RFC
	 * 8601 2.7.1), as for a signature that does not verify. */
	return first_revoked ? RES_FAIL : RES_PERMERROR;
}

