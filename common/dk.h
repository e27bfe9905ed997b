/*
 * dk: DomainKeys (RFC 4870, Historic), the predecessor of DKIM: one
 * rsa-sha1 signature over the header fields below the DomainKey-Signature
 * field and the body, canonicalised together ("simple" or "nofws"), with
 * the key at SELECTOR._domainkey.DOMAIN and d= bound to the sending
 * address (the Sender field's mailbox, else the From field's).
 *
 * Files: dk.c (the sending address, the header hash, signing: no DNS)
 * and dk_verify.c (verification: fetches keys through common/dkim_key.h).
 * They use the DKIM pieces of common/dkim_base.h and common/dkim_key.h and
 * never call the DKIM signer or verifier: dkim_sign.c and dkim_verify.c
 * call this module, not the reverse, so there is no circle.
 *
 * This module has no entry point of its own for programs: dkim_sign() and
 * dkim_verify() (common/dkim.h) call it, so that DKIM and DomainKeys
 * signatures share one pass over the body (struct dkim_body), one result
 * array (struct dkim_result, kind DKIM_KIND_DOMAINKEYS) and one
 * configuration type (struct dkim_sign_conf).  Only dk_sending_address()
 * is for programs too (dkimsign uses it to warn before signing).
 *
 * Error convention (STYLE.md): functions that can fail return 0, or -1
 * with a message in *err that the caller frees (dk_sending_address()
 * gives a static *why instead, as its reasons are fixed texts); a
 * signature's outcome is a protocol result stored in its struct
 * dkim_result.  Nothing here prints, exits or reads stdin.
 * Ownership: every dk_* object is freed by its _end or _free function
 * (NULL is a no-op); messages, configurations, results and body passes
 * are borrowed.
 */
#ifndef COMMON_DK_H
#define COMMON_DK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dkim.h"
#include "common/dns.h"
#include "common/msg.h"

/* The field name (RFC 4870 3.3). */
#define DK_FIELD_NAME "DomainKey-Signature"

/* RFC 4870 3.3 a=: the only algorithm, and its hash. */
#define DK_ALG "rsa-sha1"
#define DK_HASH CRYPTO_SHA1

/* RFC 4870 3.3 q=: the only query method. */
#define DK_QUERY "dns"

/* ---------------------------------------------------------- identity */

/*
 * The sending address of RFC 4870 (3.3 d=, 3.7.3): the mailbox of the
 * Sender field if there is one, else the first mailbox of the From field,
 * looked for among fields[0..n) (indexes into m, the fields a signature
 * covers).  Returns 0 and *local, *domain (caller frees) and *sender
 * (true: from Sender); or -1 with *why (static text) when there is none,
 * when Sender appears more than once, or when the field does not parse
 * (RFC 5322 3.4).
 */
int dk_sending_address(struct msg *m, const size_t *fields, size_t n,
    char **local, char **domain, bool *sender, const char **why);

/* Hash the canonical form (alg) of fields[0..n) of m into h: the header
 * part of a DomainKeys hash (RFC 4870 3.4), for signer and verifier. */
void dk_hash_fields(struct crypto_hash *h, enum canon_alg alg, struct msg *m,
    const size_t *fields, size_t n);

/* ----------------------------------------------------------- signing */

/* Check a DomainKeys configuration (kind DKIM_KIND_DOMAINKEYS) before any
 * mail is read: d= and s= syntax, canonicalisation (CANON_DK_NOFWS or
 * CANON_DK_SIMPLE), header names, an RSA key if one is set.  Returns 0,
 * or -1 with *err (caller frees). */
int dk_sign_conf_check(const struct dkim_sign_conf *c, char **err);

/*
 * One DomainKey-Signature being made.  dk_sign_begin() picks the fields
 * to sign (those of c's list present in m, every instance, in header
 * order; Sender and From always when present), hashes them and adds a
 * consumer to body; after dkim_body_run(), dk_sign_end() signs and
 * returns the whole field "DomainKey-Signature: ...<eol>" (folded at
 * DKIM_FOLD_COLUMN in m's line-ending convention), to be written above
 * every field it signs (RFC 4870 3.5.6).  Both return NULL with *err on
 * failure; dk_sign_end() frees s in every case.
 */
struct dk_sign;
struct dk_sign *dk_sign_begin(struct msg *m, const struct dkim_sign_conf *c,
    struct dkim_body *body, char **err);
char *dk_sign_end(struct dk_sign *s, struct msg *m, char **err);
void dk_sign_free(struct dk_sign *s); /* abandon (NULL is a no-op) */

/* ------------------------------------------------------ verification */

/*
 * One DomainKey-Signature being verified: r (borrowed, kind
 * DKIM_KIND_DOMAINKEYS, r->field its index in m) receives the result.
 * dk_verify_begin() parses the field (RFC 4870 3.3), finds the signed
 * fields and the sending address, fetches and checks the key (RFC 4870
 * 3.2, 3.7.4); when that already decides the result it is stored in r and
 * NULL is returned; otherwise it hashes the signed fields, adds a
 * consumer to body and returns the verification, which dk_verify_end()
 * completes after dkim_body_run() (RFC 4870 3.7.5; it frees v).
 * min_key_bits: the RSA floor (0: DKIM_MIN_RSA_BITS).
 */
struct dk_verify;
struct dk_verify *dk_verify_begin(struct msg *m, struct dns_ctx *dns,
    unsigned min_key_bits, struct dkim_result *r, struct dkim_body *body);
void dk_verify_end(struct dk_verify *v, struct msg *m);
void dk_verify_free(struct dk_verify *v); /* abandon (NULL is a no-op) */

#endif
