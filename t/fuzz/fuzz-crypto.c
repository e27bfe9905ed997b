/*
 * fuzz-crypto: libFuzzer harness for the parsing half of common/crypto.c:
 * base64 decoding, public key import (p= bytes, raw and base64) with a
 * verification attempt, and private key loading (PEM, DER, base64 seed).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Private key loading signs and verifies once (a self-test): bound the
 * input so that a valid huge RSA key cannot make one run slow. */
#define FUZZ_PRIVKEY_MAX 8192

static void
try_pubkey(enum crypto_key_type type, const unsigned char *p, size_t n)
{
	unsigned char digest[32];
	char *err = NULL;
	struct crypto_pubkey *k = crypto_pubkey_import(type, p, n, &err);
	int r;

	if (k == NULL) {
		if (err == NULL)
			abort(); /* the contract: NULL with *err set */
		free(err);
		return;
	}
	if (crypto_pubkey_bits(k) == 0)
		abort();
	memset(digest, 0x42, sizeof digest);
	/* The key bytes as a signature: never valid, must not crash. */
	r = crypto_verify(k, CRYPTO_SHA256, digest, sizeof digest, p, n, &err);
	if (r == 1)
		abort();
	if (r < 0)
		free(err);
	err = NULL;
	r = crypto_verify(k, CRYPTO_SHA1, digest, 20, p, n, &err);
	if (r == 1)
		abort();
	if (r < 0)
		free(err);
	crypto_pubkey_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned char *dec;
	size_t declen = 12345, i, clean = 0, pad = 0;
	char *err = NULL;
	struct crypto_privkey *pk;

	crypto_init();
	dec = b64_decode(s, size, &declen);
	if (dec != NULL) {
		char *enc;

		for (i = 0; i < size; i++) {
			if (strchr(" \t\r\n", s[i]) != NULL && s[i] != '\0')
				continue;
			clean++;
			if (s[i] == '=')
				pad++;
		}
		if (clean % 4 != 0 || declen != clean / 4 * 3 - pad)
			abort();
		if (dec[declen] != '\0')
			abort(); /* promised NUL terminator */
		enc = b64_encode(dec, declen);
		if (strlen(enc) != (declen + 2) / 3 * 4)
			abort();
		free(enc);
		try_pubkey(CRYPTO_KEY_RSA, dec, declen);
		try_pubkey(CRYPTO_KEY_ED25519, dec, declen);
		free(dec);
	} else if (declen != 0)
		abort();
	try_pubkey(CRYPTO_KEY_RSA, data, size);
	try_pubkey(CRYPTO_KEY_ED25519, data, size);

	if (size <= FUZZ_PRIVKEY_MAX) {
		pk = crypto_privkey_load(data, size, &err);
		if (pk == NULL) {
			if (err == NULL)
				abort();
			free(err);
		} else {
			char *pub = crypto_privkey_public_b64(pk, NULL);

			free(pub);
			crypto_privkey_free(pk);
		}
	}
	return 0;
}
