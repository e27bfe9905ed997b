/*
 * dk: DomainKeys (RFC 4870) signing and the pieces verification shares
 * (dk_verify.c), over the DKIM module's types and body pass (see dk.h).
 * No DNS here: a signer links this file, not dk_verify.c.
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
#include "common/dkim_base.h"
#include "common/taglist.h"
#include "common/util.h"

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

/* Hash the canonical form of fields[0..n) of m (dk.h). */
void
dk_hash_fields(struct crypto_hash *h, enum canon_alg alg, struct msg *m,
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

	if (c->domain == NULL || !lex_check_domain(c->domain,
	    strlen(c->domain), DKIM_DN_DOMAIN)) {
		*err = xasprintf("not a domain name (RFC 4870 3.3 d=): %s",
		    c->domain != NULL ? c->domain : "(none)");
		return -1;
	}
	if (c->selector == NULL || !lex_check_domain(c->selector,
	    strlen(c->selector), DKIM_DN_SELECTOR)) {
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
	dk_hash_fields(s->h, c->hcanon, m, s->fields, s->nfields);
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
	char *b64;

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
	dk_sign_free(s);
	return buf_detach(&out);
}

void
dk_sign_free(struct dk_sign *s)
{
	if (s == NULL)
		return;
	crypto_hash_free(s->h);
	UTIL_FREE_ALL(s->fields, s);
}
