/*
 * crypto: the only module that includes GnuTLS.  Hashing, key loading and
 * generation, signing and verifying for rsa-sha256, rsa-sha1 (DomainKeys
 * and reporting legacy DKIM) and ed25519-sha256 (RFC 8463), and base64.
 * ../shared/interop/gnutls-notes.md lists the GnuTLS pitfalls this module
 * works around (PureEdDSA over the SHA-256 digest; bare PKCS#1 p=; PKCS#8
 * export for Ed25519).
 *
 * Ownership: every *_new/_load/_generate result is freed with its _free
 * (NULL is a no-op).  Private key bytes are wiped before being freed.
 * Strings returned through char **err are owned by the caller.
 *
 * Errors (the convention of common/): a function that can fail returns 0
 * or -1 (a constructor: the object or NULL) and sets *err to a message
 * the caller frees.  Two kinds of answer are values, not errors: whether a
 * signature verifies (crypto_verify: 1 or 0; -1 only for an error) and
 * whether text is base64 (b64_decode: NULL).  crypto_hash_new() has one
 * failure only, the algorithm refused by the library, so NULL says it.
 */
#ifndef COMMON_CRYPTO_H
#define COMMON_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_MAX_DIGEST 64

enum crypto_key_type { CRYPTO_KEY_RSA, CRYPTO_KEY_ED25519 };
enum crypto_hash_alg { CRYPTO_SHA1, CRYPTO_SHA256 };

/* Call once before anything else (idempotent). */
void crypto_init(void);

/* Incremental hash.  crypto_hash_new() returns NULL when the library
 * refuses the algorithm (e.g. SHA-1 under a strict system crypto policy);
 * update, final (then returning 0) and free accept NULL. */
struct crypto_hash;
struct crypto_hash *crypto_hash_new(enum crypto_hash_alg alg);
void crypto_hash_update(struct crypto_hash *h, const void *p, size_t n);
/* Writes the digest to out (CRYPTO_MAX_DIGEST bytes room), returns its
 * length, and frees h. */
size_t crypto_hash_final(struct crypto_hash *h, unsigned char *out);
void crypto_hash_free(struct crypto_hash *h); /* abandon without output */
size_t crypto_hash_len(enum crypto_hash_alg alg);

/* Private keys. */
struct crypto_privkey;
/* Load PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY") or DER, or a
 * bare base64 32-byte Ed25519 seed (dkimpy's dknewkey format).  NULL with
 * *err set on failure. */
struct crypto_privkey *crypto_privkey_load(const void *data, size_t len,
    char **err);
/* Generate: RSA with bits (caller checks the range), or Ed25519 (bits
 * ignored). */
struct crypto_privkey *crypto_privkey_generate(enum crypto_key_type type,
    unsigned bits, char **err);
void crypto_privkey_free(struct crypto_privkey *k);
enum crypto_key_type crypto_privkey_type(const struct crypto_privkey *k);
unsigned crypto_privkey_bits(const struct crypto_privkey *k); /* 256 for Ed25519 */
/* PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----..."), caller frees. */
char *crypto_privkey_pem(const struct crypto_privkey *k, char **err);
/* The DKIM p= value for the public half: base64 of the DER
 * SubjectPublicKeyInfo (RSA) or of the raw 32-byte key (Ed25519, RFC 8463
 * 3).  Caller frees. */
char *crypto_privkey_public_b64(const struct crypto_privkey *k, char **err);

/* Sign a digest (of alg) with k.  RSA: PKCS#1 v1.5 over the DigestInfo of
 * the digest.  Ed25519: PureEdDSA over the digest bytes (RFC 8463 3).
 * Every signature is verified with k's own public half before it is
 * returned, so a damaged key (which can load) never yields a signature
 * nobody can verify.  Returns 0 with a malloc'd signature in *sig,
 * *siglen, or -1 with *err. */
int crypto_sign(const struct crypto_privkey *k, enum crypto_hash_alg alg,
    const unsigned char *digest, size_t dlen, unsigned char **sig,
    size_t *siglen, char **err);

/* Public keys, from the decoded p= bytes.  RSA: DER SubjectPublicKeyInfo,
 * or a bare PKCS#1 RSAPublicKey (wrapped into an SPKI first).  Ed25519:
 * exactly 32 raw bytes.  NULL with *err ("not an RSA key", ...).  RSA keys
 * whose verification would be a denial of service (p= is chosen by the
 * sender) are refused: over 16384 bits, or an exponent over 64 bits on a key
 * over 3072 bits (OpenSSL's limits; see crypto.c). */
struct crypto_pubkey;
struct crypto_pubkey *crypto_pubkey_import(enum crypto_key_type type,
    const unsigned char *der, size_t len, char **err);
void crypto_pubkey_free(struct crypto_pubkey *k);
unsigned crypto_pubkey_bits(const struct crypto_pubkey *k); /* RSA modulus bits; 256 for Ed25519 */

/* Verify sig over digest.  1 = valid, 0 = does not verify, -1 = error
 * (*err set, e.g. algorithm refused by the library). */
int crypto_verify(const struct crypto_pubkey *k, enum crypto_hash_alg alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig,
    size_t siglen, char **err);

/* Sign a fixed digest and verify it (dkkeygen --check: a key that loads
 * can still be damaged).  0, or -1 with *err. */
int crypto_privkey_selftest(const struct crypto_privkey *k, char **err);

/* True when pub is the public half of priv (dkkeygen --check). */
bool crypto_keys_match(const struct crypto_privkey *priv,
    const struct crypto_pubkey *pub);

/* base64 (RFC 4648) through GnuTLS.  Decoding skips SP, TAB, CR, LF (b=, p=
 * values may be folded) and requires correct padding; returns NULL on bad
 * input.  Both results are malloc'd and NUL-terminated; caller frees. */
unsigned char *b64_decode(const char *s, size_t len, size_t *outlen);
char *b64_encode(const void *p, size_t len);

#endif
