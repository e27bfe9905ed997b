/*
 * crypto: hashing, keys, signatures and base64 through GnuTLS.  This is the
 * only file that includes GnuTLS headers.  The pitfalls worked around here
 * are listed in shared/interop/gnutls-notes.md: Ed25519 is PureEdDSA over
 * the SHA-256 digest (RFC 8463 3), a bare PKCS#1 p= must be wrapped into a
 * SubjectPublicKeyInfo, Ed25519 PEM needs the PKCS#8 exporter, and a bare
 * Ed25519 seed is imported through a fixed PKCS#8 DER prefix.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "common/crypto.h"
#include "common/util.h"

/* RFC 8032 5.1.5: an Ed25519 private key is a 32-byte seed, the public key
 * 32 bytes (RFC 8463 3: p= is its base64), a signature 64 bytes. */
#define ED25519_SEED_LEN 32
#define ED25519_PUB_LEN 32
#define ED25519_SIG_LEN 64

/* RFC 8410 7: PKCS#8 OneAsymmetricKey for an Ed25519 seed is this fixed
 * 16-byte DER prefix (SEQUENCE, version 0, AlgorithmIdentifier
 * id-Ed25519 1.3.101.112, OCTET STRING { OCTET STRING (32) }) followed by
 * the seed.  GnuTLS 3.7 cannot import a bare seed otherwise. */
static const unsigned char ed25519_pkcs8_prefix[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};

/* RFC 3279 2.3.1: AlgorithmIdentifier { rsaEncryption, NULL }, used to wrap
 * a bare PKCS#1 RSAPublicKey (RFC 6376 3.6.1 literally describes p= as
 * one; real records carry a SubjectPublicKeyInfo, RFC 5280 4.1). */
static const unsigned char rsa_algid[15] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
};

/* A p= larger than this cannot be a sane DKIM key (a TXT record holding a
 * 16384-bit key is about 2.8 KB); it also bounds DER length encoding. */
#define CRYPTO_MAX_PUBKEY_DER 65536

/* RSA public keys beyond these limits are refused.  p= comes from DNS, so
 * the sender chooses it, and the cost of one verification grows with the
 * cube of the key size when the public exponent is as long as the modulus:
 * a 65536-bit modulus with a 65536-bit exponent took 23 s of CPU per
 * signature (found checking the cost of hostile input, with t/fuzz/).  The
 * limits are OpenSSL's (OPENSSL_RSA_MAX_MODULUS_BITS; an exponent of at
 * most 64 bits above OPENSSL_RSA_SMALL_MODULUS_BITS), far beyond the 1024
 * to 4096 bits RFC 8301 3.2 asks verifiers to handle, and the exponents
 * used in practice are 3 and 65537.  At the limits a verification takes
 * milliseconds. */
#define CRYPTO_RSA_MAX_BITS 16384
#define CRYPTO_RSA_SMALL_BITS 3072
#define CRYPTO_RSA_MAX_EXP_BITS 64

struct crypto_hash {
	gnutls_hash_hd_t h;
	enum crypto_hash_alg alg;
};

struct crypto_privkey {
	gnutls_privkey_t k;
	gnutls_pubkey_t pub; /* derived from k: checks every signature */
	enum crypto_key_type type;
	unsigned bits;
};

struct crypto_pubkey {
	gnutls_pubkey_t k;
	enum crypto_key_type type;
	unsigned bits;
};

static int initialised;

void
crypto_init(void)
{
	if (!initialised) {
		/* Harmless in 3.7 (the library initialises itself),
		 * required by older versions. */
		if (gnutls_global_init() >= 0)
			initialised = 1;
	}
}

static char *
gerr(const char *what, int rc)
{
	return xasprintf("%s: %s", what, gnutls_strerror(rc));
}

static void
set_err(char **err, char *msg)
{
	if (err != NULL)
		*err = msg;
	else
		free(msg);
}

/* Copy a GnuTLS-allocated datum into our own allocation (NUL-terminated,
 * as xmemdup does), wiping and freeing the original when it held secrets. */
static unsigned char *
take_datum(gnutls_datum_t *d, bool secret)
{
	unsigned char *p = (unsigned char *)xmemdup(d->data, d->size);

	if (secret && d->data != NULL)
		util_wipe(d->data, d->size);
	gnutls_free(d->data);
	d->data = NULL;
	return p;
}

/* ---------------------------------------------------------------- hashing */

static gnutls_digest_algorithm_t
dig_alg(enum crypto_hash_alg alg)
{
	return alg == CRYPTO_SHA1 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
}

size_t
crypto_hash_len(enum crypto_hash_alg alg)
{
	return alg == CRYPTO_SHA1 ? 20 : 32;
}

/* Returns NULL only if the library refuses the algorithm (a FIPS or
 * crypto-policy system refusing SHA-1); update/final accept NULL. */
struct crypto_hash *
crypto_hash_new(enum crypto_hash_alg alg)
{
	struct crypto_hash *h = xcalloc(1, sizeof(*h));

	crypto_init();
	h->alg = alg;
	if (gnutls_hash_init(&h->h, dig_alg(alg)) < 0) {
		free(h);
		return NULL;
	}
	return h;
}

void
crypto_hash_update(struct crypto_hash *h, const void *p, size_t n)
{
	if (h == NULL || n == 0)
		return;
	gnutls_hash(h->h, p, n);
}

size_t
crypto_hash_final(struct crypto_hash *h, unsigned char *out)
{
	size_t n;

	if (h == NULL)
		return 0;
	n = crypto_hash_len(h->alg);
	gnutls_hash_deinit(h->h, out);
	free(h);
	return n;
}

void
crypto_hash_free(struct crypto_hash *h)
{
	if (h == NULL)
		return;
	gnutls_hash_deinit(h->h, NULL);
	free(h);
}

/* ---------------------------------------------------------------- base64 */

static bool
b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * RFC 4648 4 base64.  Whitespace is skipped (folded b=/p=, RFC 6376 3.5),
 * everything else must be the alphabet with correct '=' padding: the
 * input is checked here so GnuTLS only ever sees well-formed text.
 */
unsigned char *
b64_decode(const char *s, size_t len, size_t *outlen)
{
	char *clean;
	size_t n = 0, pad = 0, i;
	gnutls_datum_t in, out = {NULL, 0};
	unsigned char *res;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if ((s == NULL && len > 0) || len > UINT32_MAX)
		return NULL;
	clean = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (b64_space(c))
			continue;
		if (c == '=') {
			pad++;
		} else if (!b64_char(c) || pad > 0) {
			/* a bad byte, or data after padding */
			free(clean);
			return NULL;
		}
		clean[n++] = (char)c;
	}
	clean[n] = '\0';
	if (n == 0) {
		free(clean);
		return (unsigned char *)xmemdup("", 0);
	}
	if (n % 4 != 0 || pad > 2) {
		free(clean);
		return NULL;
	}
	crypto_init();
	in.data = (unsigned char *)clean;
	in.size = (unsigned)n;
	rc = gnutls_base64_decode2(&in, &out);
	util_wipe(clean, n);
	free(clean);
	if (rc < 0) {
		gnutls_free(out.data);
		return NULL;
	}
	if (outlen != NULL)
		*outlen = out.size;
	/* the decoded bytes may be a private key (an Ed25519 seed) */
	res = take_datum(&out, true);
	return res;
}

char *
b64_encode(const void *p, size_t len)
{
	gnutls_datum_t in, out = {NULL, 0};
	char *res;

	if (len == 0)
		return xstrdup("");
	crypto_init();
	in.data = (unsigned char *)p;
	in.size = (unsigned)len;
	if (len > UINT32_MAX / 2 || gnutls_base64_encode2(&in, &out) < 0) {
		/* GnuTLS fails here only when out of memory: make that
		 * fatal, as the x-allocators do (this cannot succeed). */
		gnutls_free(out.data);
		return xmalloc(SIZE_MAX);
	}
	res = (char *)take_datum(&out, false);
	return res;
}

/* ---------------------------------------------------------------- private keys */

static bool
mem_contains(const void *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle), i;
	const char *h = hay;

	if (nlen > hlen)
		return false;
	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(h + i, needle, nlen) == 0)
			return true;
	return false;
}

/* Fill in type and bits, refusing anything but RSA and Ed25519. */
static int
privkey_classify(struct crypto_privkey *pk, char **err)
{
	unsigned bits = 0;
	int alg = gnutls_privkey_get_pk_algorithm(pk->k, &bits);

	switch (alg) {
	case GNUTLS_PK_RSA:
		pk->type = CRYPTO_KEY_RSA;
		pk->bits = bits;
		return 0;
	case GNUTLS_PK_EDDSA_ED25519:
		pk->type = CRYPTO_KEY_ED25519;
		pk->bits = 256;
		return 0;
	default:
		set_err(err, xasprintf("unsupported key type %s (DKIM keys "
		    "are RSA or Ed25519)", alg < 0 ? "(unknown)" :
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)alg)));
		return -1;
	}
}

/* Verify a signature just made with the public key derived from the
 * private one.  A damaged key file can still parse (RSA components are
 * just integers; gnutls_privkey_verify_params() misses a damaged d or CRT
 * exponent) and would then make signatures nobody can verify; and an
 * RSA-CRT signature computed with a fault gives the key away (Boneh,
 * DeMillo and Lipton 1997).  Checking costs one public operation, far
 * less than a test signature at load time. */
static int
privkey_check_sig(const struct crypto_privkey *pk, gnutls_sign_algorithm_t sa,
    const gnutls_datum_t *d, const gnutls_datum_t *s)
{
	if (pk->type == CRYPTO_KEY_ED25519)
		return gnutls_pubkey_verify_data2(pk->pub, sa, 0, d, s) < 0 ?
		    -1 : 0;
	/* DomainKeys signs rsa-sha1 (RFC 4870), which GnuTLS refuses to
	 * verify unless told (as crypto_verify() does). */
	return gnutls_pubkey_verify_hash2(pk->pub, sa,
	    sa == GNUTLS_SIGN_RSA_SHA1 ? GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 : 0,
	    d, s) < 0 ? -1 : 0;
}

/* pk->pub, which crypto_sign() verifies each signature with. */
static int
privkey_derive_public(struct crypto_privkey *pk, char **err)
{
	int rc;

	if ((rc = gnutls_pubkey_init(&pk->pub)) < 0 ||
	    (rc = gnutls_pubkey_import_privkey(pk->pub, pk->k, 0, 0)) < 0) {
		set_err(err, gerr("cannot derive the public key", rc));
		return -1;
	}
	return 0;
}

int
crypto_privkey_selftest(const struct crypto_privkey *pk, char **err)
{
	unsigned char digest[32], *sig = NULL;
	size_t siglen;
	int rc;

	/* crypto_sign() verifies what it makes. */
	memset(digest, 0x5a, sizeof(digest));
	rc = crypto_sign(pk, CRYPTO_SHA256, digest, sizeof(digest), &sig,
	    &siglen, NULL);
	free(sig);
	if (rc < 0)
		set_err(err, xstrdup("private key fails a sign/verify "
		    "self-test (damaged file?)"));
	return rc;
}

/* An empty private key (its GnuTLS object initialised), or NULL with
 * *err. */
static struct crypto_privkey *
privkey_new(char **err)
{
	struct crypto_privkey *pk = xcalloc(1, sizeof(*pk));
	int rc;

	if ((rc = gnutls_privkey_init(&pk->k)) < 0) {
		set_err(err, gerr("cannot initialise key", rc));
		free(pk);
		return NULL;
	}
	return pk;
}

/* The last steps of loading or making a key: its type, with check_params
 * whether its parts belong together, and its public half.  Returns pk,
 * or NULL with *err after freeing pk. */
static struct crypto_privkey *
privkey_finish(struct crypto_privkey *pk, bool check_params, char **err)
{
	int rc;

	if (privkey_classify(pk, err) < 0)
		goto fail;
	/* A damaged key file can still parse (RSA components are just
	 * integers): check that the parts belong together.  What this
	 * misses (a damaged d or CRT exponent) crypto_sign() catches by
	 * verifying each signature with pk->pub. */
	if (check_params && (rc = gnutls_privkey_verify_params(pk->k)) < 0) {
		set_err(err, gerr("inconsistent private key (damaged file?)",
		    rc));
		goto fail;
	}
	if (privkey_derive_public(pk, err) < 0)
		goto fail;
	return pk;
fail:
	crypto_privkey_free(pk);
	return NULL;
}

static struct crypto_privkey *
privkey_import(const void *data, size_t len, gnutls_x509_crt_fmt_t fmt,
    char **err)
{
	struct crypto_privkey *pk;
	gnutls_datum_t d;
	int rc;

	if (len > UINT32_MAX) {
		set_err(err, xstrdup("key file too large"));
		return NULL;
	}
	if ((pk = privkey_new(err)) == NULL)
		return NULL;
	d.data = (unsigned char *)data;
	d.size = (unsigned)len;
	rc = gnutls_privkey_import_x509_raw(pk->k, &d, fmt, NULL, 0);
	if (rc < 0) {
		set_err(err, gerr(fmt == GNUTLS_X509_FMT_PEM ?
		    "cannot parse PEM private key" :
		    "cannot parse DER private key", rc));
		crypto_privkey_free(pk);
		return NULL;
	}
	return privkey_finish(pk, true, err);
}

/* A 32-byte Ed25519 seed (RFC 8032 5.1.5; RFC 8463 A.1, dkimpy's dknewkey
 * write it in base64), imported through PKCS#8 DER. */
static struct crypto_privkey *
privkey_from_seed(const unsigned char *seed, char **err)
{
	unsigned char der[sizeof(ed25519_pkcs8_prefix) + ED25519_SEED_LEN];
	struct crypto_privkey *pk;

	memcpy(der, ed25519_pkcs8_prefix, sizeof(ed25519_pkcs8_prefix));
	memcpy(der + sizeof(ed25519_pkcs8_prefix), seed, ED25519_SEED_LEN);
	pk = privkey_import(der, sizeof(der), GNUTLS_X509_FMT_DER, err);
	util_wipe(der, sizeof(der));
	return pk;
}

/* True when p[0..len) is exactly one DER SEQUENCE (X.690 8.1.3 lengths). */
static bool
der_whole_sequence(const unsigned char *p, size_t len)
{
	size_t n, hl, i;

	if (len < 2 || p[0] != 0x30)
		return false;
	if (p[1] < 0x80) {
		n = p[1];
		hl = 2;
	} else {
		hl = 2 + (size_t)(p[1] & 0x7f);
		if (hl == 2 || hl > 6 || hl > len)
			return false;
		for (n = 0, i = 2; i < hl; i++)
			n = (n << 8) | p[i];
	}
	return n == len - hl;
}

struct crypto_privkey *
crypto_privkey_load(const void *data, size_t len, char **err)
{
	const unsigned char *p = data;
	struct crypto_privkey *pk;
	unsigned char *raw;
	size_t rawlen;

	crypto_init();
	if (data == NULL || len == 0) {
		set_err(err, xstrdup("empty key file"));
		return NULL;
	}
	if (mem_contains(data, len, "-----BEGIN")) {
		if (mem_contains(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY") ||
		    mem_contains(data, len, "Proc-Type: 4,ENCRYPTED")) {
			set_err(err, xstrdup("encrypted private keys are not "
			    "supported"));
			return NULL;
		}
		if (mem_contains(data, len, "-----BEGIN OPENSSH PRIVATE KEY")) {
			set_err(err, xstrdup("OpenSSH private keys are not "
			    "supported (use PEM PKCS#1 or PKCS#8)"));
			return NULL;
		}
		if (!mem_contains(data, len, "PRIVATE KEY-----")) {
			set_err(err, xstrdup("no private key in PEM data"));
			return NULL;
		}
		return privkey_import(data, len, GNUTLS_X509_FMT_PEM, err);
	}
	/* DER: one SEQUENCE (PKCS#1 RSAPrivateKey or PKCS#8) spanning the
	 * data.  (Base64 text may begin with '0' = 0x30 too.) */
	if (der_whole_sequence(p, len))
		return privkey_import(data, len, GNUTLS_X509_FMT_DER, err);
	/* Otherwise base64: a bare seed, or DER without PEM armour. */
	raw = b64_decode(data, len, &rawlen);
	if (raw == NULL) {
		set_err(err, xstrdup("not a PEM or DER private key, nor a "
		    "base64 Ed25519 seed"));
		return NULL;
	}
	if (rawlen == ED25519_SEED_LEN)
		pk = privkey_from_seed(raw, err);
	else if (rawlen > 0 && raw[0] == 0x30)
		pk = privkey_import(raw, rawlen, GNUTLS_X509_FMT_DER, err);
	else {
		set_err(err, xasprintf("base64 key data of %zu bytes is "
		    "neither an Ed25519 seed (%d bytes) nor DER", rawlen,
		    ED25519_SEED_LEN));
		pk = NULL;
	}
	util_wipe(raw, rawlen);
	free(raw);
	return pk;
}

struct crypto_privkey *
crypto_privkey_generate(enum crypto_key_type type, unsigned bits, char **err)
{
	struct crypto_privkey *pk;
	int rc;

	crypto_init();
	if ((pk = privkey_new(err)) == NULL)
		return NULL;
	if (type == CRYPTO_KEY_ED25519)
		rc = gnutls_privkey_generate(pk->k, GNUTLS_PK_EDDSA_ED25519,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0);
	else
		rc = gnutls_privkey_generate(pk->k, GNUTLS_PK_RSA, bits, 0);
	if (rc < 0) {
		set_err(err, gerr("key generation failed", rc));
		crypto_privkey_free(pk);
		return NULL;
	}
	return privkey_finish(pk, false, err);
}

void
crypto_privkey_free(struct crypto_privkey *k)
{
	if (k == NULL)
		return;
	/* gnutls_privkey_deinit() clears the key material it owns. */
	if (k->k != NULL)
		gnutls_privkey_deinit(k->k);
	if (k->pub != NULL)
		gnutls_pubkey_deinit(k->pub);
	util_wipe(k, sizeof(*k));
	free(k);
}

enum crypto_key_type
crypto_privkey_type(const struct crypto_privkey *k)
{
	return k->type;
}

unsigned
crypto_privkey_bits(const struct crypto_privkey *k)
{
	return k->bits;
}

char *
crypto_privkey_pem(const struct crypto_privkey *k, char **err)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t out = {NULL, 0};
	char *pem;
	int rc;

	if ((rc = gnutls_privkey_export_x509(k->k, &x)) < 0) {
		set_err(err, gerr("cannot export private key", rc));
		return NULL;
	}
	/* PKCS#8: the PKCS#1 exporter writes "BEGIN UNKNOWN" for Ed25519. */
	rc = gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN, &out);
	gnutls_x509_privkey_deinit(x);
	if (rc < 0) {
		if (out.data != NULL)
			util_wipe(out.data, out.size);
		gnutls_free(out.data);
		set_err(err, gerr("cannot export private key", rc));
		return NULL;
	}
	pem = (char *)take_datum(&out, true);
	return pem;
}

/* The p= bytes of a public key: DER SPKI (RSA) or the raw 32 bytes
 * (Ed25519, RFC 8463 3).  out is GnuTLS-allocated. */
static int
pubkey_export(gnutls_pubkey_t pub, enum crypto_key_type type,
    gnutls_datum_t *out)
{
	gnutls_ecc_curve_t curve;

	out->data = NULL;
	out->size = 0;
	if (type == CRYPTO_KEY_ED25519)
		return gnutls_pubkey_export_ecc_raw2(pub, &curve, out, NULL, 0);
	return gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, out);
}

static int
privkey_public(const struct crypto_privkey *k, gnutls_datum_t *out,
    char **err)
{
	gnutls_pubkey_t pub;
	int rc;

	out->data = NULL;
	out->size = 0;
	if ((rc = gnutls_pubkey_init(&pub)) < 0) {
		set_err(err, gerr("cannot initialise public key", rc));
		return -1;
	}
	rc = gnutls_pubkey_import_privkey(pub, k->k, 0, 0);
	if (rc >= 0)
		rc = pubkey_export(pub, k->type, out);
	gnutls_pubkey_deinit(pub);
	if (rc < 0) {
		gnutls_free(out->data);
		out->data = NULL;
		set_err(err, gerr("cannot derive public key", rc));
		return -1;
	}
	return 0;
}

char *
crypto_privkey_public_b64(const struct crypto_privkey *k, char **err)
{
	gnutls_datum_t d;
	char *b64;

	if (privkey_public(k, &d, err) < 0)
		return NULL;
	b64 = b64_encode(d.data, d.size);
	gnutls_free(d.data);
	return b64;
}

/* A digest of alg is crypto_hash_len(alg) bytes: 0, or -1 with *err. */
static int
digest_len_check(enum crypto_hash_alg alg, size_t dlen, char **err)
{
	if (dlen == crypto_hash_len(alg))
		return 0;
	set_err(err, xasprintf("digest is %zu bytes, %s needs %zu", dlen,
	    alg == CRYPTO_SHA1 ? "SHA-1" : "SHA-256", crypto_hash_len(alg)));
	return -1;
}

/* RFC 8463 3: Ed25519 goes with SHA-256 only (ed25519-sha256), for
 * signing and verifying alike: 0, or -1 with *err saying what the key
 * "signs" or "verifies". */
static int
ed25519_alg_check(enum crypto_hash_alg alg, const char *verb, char **err)
{
	if (alg == CRYPTO_SHA256)
		return 0;
	set_err(err, xasprintf("Ed25519 %s SHA-256 digests only (RFC 8463)",
	    verb));
	return -1;
}

int
crypto_sign(const struct crypto_privkey *k, enum crypto_hash_alg alg,
    const unsigned char *digest, size_t dlen, unsigned char **sig,
    size_t *siglen, char **err)
{
	gnutls_datum_t d, s = {NULL, 0};
	gnutls_sign_algorithm_t sa;
	int rc;

	*sig = NULL;
	*siglen = 0;
	if (digest_len_check(alg, dlen, err) < 0)
		return -1;
	d.data = (unsigned char *)digest;
	d.size = (unsigned)dlen;
	if (k->type == CRYPTO_KEY_ED25519) {
		/* PureEdDSA over the SHA-256 digest bytes (gnutls-notes
		 * pitfall 1). */
		if (ed25519_alg_check(alg, "signs", err) < 0)
			return -1;
		sa = GNUTLS_SIGN_EDDSA_ED25519;
		rc = gnutls_privkey_sign_data2(k->k, sa, 0, &d, &s);
	} else {
		/* PKCS#1 v1.5; GnuTLS adds the DigestInfo (RFC 8017 9.2). */
		sa = alg == CRYPTO_SHA1 ? GNUTLS_SIGN_RSA_SHA1 :
		    GNUTLS_SIGN_RSA_SHA256;
		rc = gnutls_privkey_sign_hash(k->k, dig_alg(alg), 0, &d, &s);
	}
	if (rc < 0) {
		gnutls_free(s.data);
		set_err(err, gerr("signing failed", rc));
		return -1;
	}
	if (privkey_check_sig(k, sa, &d, &s) < 0) {
		gnutls_free(s.data);
		set_err(err, xstrdup("the signature made does not verify with "
		    "the key's own public half (damaged key file?)"));
		return -1;
	}
	*siglen = s.size;
	*sig = take_datum(&s, false);
	return 0;
}

/* ---------------------------------------------------------------- public keys */

/* DER definite length (X.690 8.1.3) of n into p; returns bytes written. */
static size_t
der_len(unsigned char *p, size_t n)
{
	if (n < 0x80) {
		p[0] = (unsigned char)n;
		return 1;
	}
	if (n < 0x100) {
		p[0] = 0x81;
		p[1] = (unsigned char)n;
		return 2;
	}
	if (n < 0x10000) {
		p[0] = 0x82;
		p[1] = (unsigned char)(n >> 8);
		p[2] = (unsigned char)n;
		return 3;
	}
	p[0] = 0x83;
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return 4;
}

/*
 * Wrap a PKCS#1 RSAPublicKey (RFC 8017 A.1.1) into a SubjectPublicKeyInfo
 * (RFC 5280 4.1): SEQUENCE { algid, BIT STRING { 0 unused bits, key } }.
 * Returns a malloc'd buffer and its length.
 */
static unsigned char *
spki_wrap(const unsigned char *rsa, size_t len, size_t *outlen)
{
	unsigned char hdr[8], bhdr[8];
	size_t hl, bl, inner, total;
	unsigned char *out, *p;

	bhdr[0] = 0x03;
	bl = 1 + der_len(bhdr + 1, len + 1);
	inner = sizeof(rsa_algid) + bl + 1 + len;
	hdr[0] = 0x30;
	hl = 1 + der_len(hdr + 1, inner);
	total = hl + inner;
	out = p = xmalloc(total);
	memcpy(p, hdr, hl);
	p += hl;
	memcpy(p, rsa_algid, sizeof(rsa_algid));
	p += sizeof(rsa_algid);
	memcpy(p, bhdr, bl);
	p += bl;
	*p++ = 0x00;
	memcpy(p, rsa, len);
	*outlen = total;
	return out;
}

/*
 * An SPKI begins SEQUENCE { SEQUENCE { OID ... } ...}; a PKCS#1
 * RSAPublicKey begins SEQUENCE { INTEGER ... }.  Look at the first
 * element inside the outer SEQUENCE, bounds-checked.
 */
static bool
looks_like_spki(const unsigned char *der, size_t len)
{
	size_t off = 2;

	if (len < 4 || der[0] != 0x30)
		return false;
	if (der[1] & 0x80)
		off = 2 + (der[1] & 0x7f);
	if (off >= len)
		return false;
	return der[off] == 0x30;
}

static int
pubkey_import_rsa(gnutls_pubkey_t pub, const unsigned char *der, size_t len,
    char **err)
{
	gnutls_datum_t d;
	unsigned char *wrapped = NULL;
	size_t wlen;
	int rc;

	if (looks_like_spki(der, len)) {
		d.data = (unsigned char *)der;
		d.size = (unsigned)len;
	} else {
		/* RFC 6376 3.6.1 describes p= as an RSAPublicKey. */
		wrapped = spki_wrap(der, len, &wlen);
		d.data = wrapped;
		d.size = (unsigned)wlen;
	}
	rc = gnutls_pubkey_import(pub, &d, GNUTLS_X509_FMT_DER);
	free(wrapped);
	if (rc < 0) {
		set_err(err, gerr("cannot parse RSA public key", rc));
		return -1;
	}
	return 0;
}

/* Significant bits of an unsigned big-endian integer. */
static unsigned
int_bits(const gnutls_datum_t *d)
{
	unsigned i = 0, b;

	while (i < d->size && d->data[i] == 0)
		i++;
	if (i == d->size)
		return 0;
	for (b = 0; (d->data[i] >> b) != 0; b++)
		;
	return (d->size - i - 1) * 8 + b;
}

/* True (with *err) when an RSA key is over the CRYPTO_RSA_* limits. */
static bool
rsa_too_costly(gnutls_pubkey_t k, unsigned bits, char **err)
{
	gnutls_datum_t m = {NULL, 0}, e = {NULL, 0};
	unsigned ebits;

	if (bits > CRYPTO_RSA_MAX_BITS) {
		set_err(err, xasprintf("RSA key of %u bits is over the %u-bit "
		    "limit", bits, CRYPTO_RSA_MAX_BITS));
		return true;
	}
	if (bits <= CRYPTO_RSA_SMALL_BITS)
		return false;
	if (gnutls_pubkey_export_rsa_raw2(k, &m, &e, 0) < 0) {
		set_err(err, xstrdup("cannot read the RSA public exponent"));
		return true;
	}
	ebits = int_bits(&e);
	gnutls_free(m.data);
	gnutls_free(e.data);
	if (ebits > CRYPTO_RSA_MAX_EXP_BITS) {
		set_err(err, xasprintf("RSA public exponent of %u bits is over "
		    "the %u-bit limit for keys over %u bits", ebits,
		    CRYPTO_RSA_MAX_EXP_BITS, CRYPTO_RSA_SMALL_BITS));
		return true;
	}
	return false;
}

struct crypto_pubkey *
crypto_pubkey_import(enum crypto_key_type type, const unsigned char *der,
    size_t len, char **err)
{
	struct crypto_pubkey *pk;
	gnutls_datum_t x;
	unsigned bits = 0;
	int rc, alg;

	crypto_init();
	if (der == NULL || len == 0) {
		set_err(err, xstrdup("empty public key"));
		return NULL;
	}
	if (type == CRYPTO_KEY_ED25519 && len != ED25519_PUB_LEN) {
		set_err(err, xasprintf("Ed25519 public key is %zu bytes, "
		    "not %d (RFC 8463 3)", len, ED25519_PUB_LEN));
		return NULL;
	}
	if (type == CRYPTO_KEY_RSA && (len < 4 || len > CRYPTO_MAX_PUBKEY_DER
	    || der[0] != 0x30)) {
		set_err(err, xstrdup("not an RSA key (no DER SEQUENCE)"));
		return NULL;
	}
	pk = xcalloc(1, sizeof(*pk));
	pk->type = type;
	if ((rc = gnutls_pubkey_init(&pk->k)) < 0) {
		set_err(err, gerr("cannot initialise public key", rc));
		free(pk);
		return NULL;
	}
	if (type == CRYPTO_KEY_ED25519) {
		x.data = (unsigned char *)der;
		x.size = ED25519_PUB_LEN;
		rc = gnutls_pubkey_import_ecc_raw(pk->k,
		    GNUTLS_ECC_CURVE_ED25519, &x, NULL);
		if (rc < 0) {
			set_err(err, gerr("cannot import Ed25519 key", rc));
			crypto_pubkey_free(pk);
			return NULL;
		}
		pk->bits = 256;
		return pk;
	}
	if (pubkey_import_rsa(pk->k, der, len, err) < 0) {
		crypto_pubkey_free(pk);
		return NULL;
	}
	alg = gnutls_pubkey_get_pk_algorithm(pk->k, &bits);
	if (alg != GNUTLS_PK_RSA) {
		set_err(err, xasprintf("not an RSA key (%s)", alg < 0 ?
		    "unknown algorithm" :
		    gnutls_pk_get_name((gnutls_pk_algorithm_t)alg)));
		crypto_pubkey_free(pk);
		return NULL;
	}
	if (rsa_too_costly(pk->k, bits, err)) {
		crypto_pubkey_free(pk);
		return NULL;
	}
	pk->bits = bits;
	return pk;
}

void
crypto_pubkey_free(struct crypto_pubkey *k)
{
	if (k == NULL)
		return;
	gnutls_pubkey_deinit(k->k); /* takes NULL (a key that failed) */
	free(k);
}

unsigned
crypto_pubkey_bits(const struct crypto_pubkey *k)
{
	return k->bits;
}

int
crypto_verify(const struct crypto_pubkey *k, enum crypto_hash_alg alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig,
    size_t siglen, char **err)
{
	gnutls_datum_t d, s;
	int rc;

	if (digest_len_check(alg, dlen, err) < 0)
		return -1;
	/* An empty or absurd signature simply does not verify. */
	if (sig == NULL || siglen == 0 || siglen > CRYPTO_MAX_PUBKEY_DER)
		return 0;
	d.data = (unsigned char *)digest;
	d.size = (unsigned)dlen;
	s.data = (unsigned char *)sig;
	s.size = (unsigned)siglen;
	if (k->type == CRYPTO_KEY_ED25519) {
		if (ed25519_alg_check(alg, "verifies", err) < 0)
			return -1;
		if (siglen != ED25519_SIG_LEN)
			return 0;
		rc = gnutls_pubkey_verify_data2(k->k,
		    GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &s);
	} else {
		/* rsa-sha1 is legacy (RFC 8301 3.1), still needed for
		 * DomainKeys; the policy decision is the caller's. */
		rc = gnutls_pubkey_verify_hash2(k->k, alg == CRYPTO_SHA1 ?
		    GNUTLS_SIGN_RSA_SHA1 : GNUTLS_SIGN_RSA_SHA256,
		    alg == CRYPTO_SHA1 ? GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 :
		    0, &d, &s);
	}
	if (rc >= 0)
		return 1;
	switch (rc) {
	case GNUTLS_E_INSUFFICIENT_SECURITY:
	case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
	case GNUTLS_E_CONSTRAINT_ERROR:
	case GNUTLS_E_UNKNOWN_PK_ALGORITHM:
	case GNUTLS_E_MEMORY_ERROR:
		set_err(err, gerr("verification refused", rc));
		return -1;
	default:
		/* GNUTLS_E_PK_SIG_VERIFY_FAILED, and malformed signatures
		 * (wrong length, out of range): not a valid signature. */
		return 0;
	}
}

bool
crypto_keys_match(const struct crypto_privkey *priv,
    const struct crypto_pubkey *pub)
{
	gnutls_datum_t a, b;
	bool same;

	if (priv == NULL || pub == NULL || priv->type != pub->type)
		return false;
	if (privkey_public(priv, &a, NULL) < 0)
		return false;
	if (pubkey_export(pub->k, pub->type, &b) < 0) {
		gnutls_free(b.data);
		gnutls_free(a.data);
		return false;
	}
	same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	return same;
}
