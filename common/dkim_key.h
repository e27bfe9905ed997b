/*
 * dkim_key: DKIM public key records (RFC 6376 3.6.1; RFC 4870 3.2.3 is a
 * subset with g=) and fetching them from SELECTOR._domainkey.DOMAIN (RFC
 * 6376 3.6.2, RFC 4870 3.2).  The only dkim or dk file that calls DNS
 * (common/dns.h): signing never links it.  dkim_key_fetch() keeps the
 * records it parsed, and dkim_key_import() the keys it imported, for the
 * process (a batch parses and imports each key once).
 *
 * Error convention (STYLE.md): dkim_key_parse() returns 0, or -1 with a
 * message in *err that the caller frees; dkim_key_fetch() returns the
 * protocol result the signature gets (a value, not a program error) with a
 * caller-freed *reason.  Nothing here prints, exits or reads stdin.
 * Ownership: a struct dkim_key filled here owns p and g; free them with
 * dkim_key_clear().
 */
#ifndef COMMON_DKIM_KEY_H
#define COMMON_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/crypto.h"
#include "common/dns.h"
#include "common/result.h"

/* A public key record.  p/plen: the decoded key bytes (owned); g: the g=
 * value (owned), or NULL when the tag is absent. */
struct dkim_key {
	enum crypto_key_type type; /* k=, default rsa */
	unsigned char *p;
	size_t plen;
	char *g;
	bool testing;      /* t=y */
	bool strict;       /* t=s */
	bool sha1, sha256; /* h= allows (both when h= is absent) */
};

/* Parse one key record (one TXT record's text, data/len).  Returns 0 with
 * *k filled (free with dkim_key_clear()); or -1 with *err (caller frees)
 * and *revoked true when the record is well formed but its p= is empty
 * (RFC 6376 3.6.1: the key was revoked), false for any other defect. */
int dkim_key_parse(const char *data, size_t len, struct dkim_key *k,
    bool *revoked, char **err);

/* Fetch and parse SELECTOR._domainkey.DOMAIN: of several TXT records the
 * first valid one is used.  Returns RES_PASS with *k filled (free with
 * dkim_key_clear()), or the result the signature gets (RES_FAIL: revoked,
 * RFC 6376 6.1.2; RES_PERMERROR: not found, syntax; RES_TEMPERROR: DNS
 * failure) with *reason (caller frees). */
enum res dkim_key_fetch(struct dns_ctx *dns, const char *selector,
    const char *domain, struct dkim_key *k, char **reason);
void dkim_key_clear(struct dkim_key *k); /* NULL is a no-op */

/* k's public key, imported by the library: borrowed from a cache for the
 * process (do not free), which holds the last DKIM_KEY_IMPORTS_CACHED
 * keys, more than one message's signatures use (DKIM_MAX_SIGNATURES;
 * dkim_verify.c asserts it), so a key stays valid while its message is
 * verified.  NULL with *err (caller frees) when the library refuses the
 * data. */
#define DKIM_KEY_IMPORTS_CACHED 16
const struct crypto_pubkey *dkim_key_import(const struct dkim_key *k,
    char **err);

#endif
