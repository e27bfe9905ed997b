/*
 * dkim: DKIM signing and verification (RFC 6376, with RFC 8463 Ed25519 and
 * the RFC 8301 crypto rules), over a struct msg.  This header is the
 * public API and the umbrella of the DKIM files:
 *
 *   dkim_base.[ch]  shared pieces: names, h=, algorithms, body pass,
 *                   header hash input, folding (no DNS)
 *   dkim_sign.c     dkim_sign(), dkim_sign_field(), dkim_sign_conf_check()
 *   dkim_sig.[ch]   DKIM-Signature tag parsing, one handler per tag
 *   dkim_key.[ch]   key records and their DNS lookup (the only DNS user)
 *   dkim_verify.c   dkim_verify() and the result functions: dispatches
 *                   DKIM-Signature and DomainKey-Signature fields
 *   dk.[ch], dk_verify.c   DomainKeys (RFC 4870) over the pieces above
 *
 * Signing: dkim_sign() takes several signature configurations (RSA plus
 * Ed25519, say) and signs in ONE pass over the body: one canonicaliser and
 * hash per distinct body canonicalisation.  It returns the DKIM-Signature
 * fields to prepend, folded at DKIM_FOLD_COLUMN in the message's line-ending
 * convention.
 *
 * Verification: dkim_verify() checks every DKIM-Signature and
 * DomainKey-Signature (up to DKIM_MAX_SIGNATURES in all) in ONE pass over
 * the body and returns one result per signature field, in header order.
 *
 * DomainKeys (RFC 4870) lives in common/dk.h; it reuses this module's
 * types (a configuration with kind DKIM_KIND_DOMAINKEYS, results of that
 * kind) and its body pass, so dkim_sign() and dkim_verify() handle both
 * kinds of signature in the same single pass.
 *
 * Error convention (STYLE.md): a function that can fail returns 0, or -1
 * with a message in *err that the caller frees; a signature's outcome is a
 * protocol result (enum res plus a reason in struct dkim_result), never a
 * program error.  Nothing here prints, exits or reads stdin; DNS goes
 * through common/dns.h (dkim_key.c only) and crypto through
 * common/crypto.h.
 *
 * Ownership: every result is owned by the caller and freed with its _free
 * function (NULL is a no-op).  Configurations and keys passed in are
 * borrowed and never freed here.
 */
#ifndef COMMON_DKIM_H
#define COMMON_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/canon.h"
#include "common/crypto.h"
#include "common/dkim_base.h" /* body pass, DKIM_DN_* */
#include "common/dkim_key.h"  /* struct dkim_key, dkim_key_fetch() */
#include "common/dns.h"
#include "common/msg.h"
#include "common/result.h"

/* Signatures verified per message.  RFC 6376 6.1 and 8.4 let a verifier
 * limit the signatures it evaluates (each costs a DNS query and a public-key
 * operation); further ones get "policy (too many signatures)" without any
 * DNS query.  DomainKey-Signature fields count too. */
#define DKIM_MAX_SIGNATURES 8

/* RFC 8301 3.2: verifiers MUST NOT accept RSA keys under 1024 bits. */
#define DKIM_MIN_RSA_BITS 1024
/* RFC 8301 3.2: signers SHOULD use RSA keys of at least 2048 bits
 * (dkimsign warns below it). */
#define DKIM_SIGN_RSA_BITS 2048

/* RFC 6376 3.5 t=: verifiers MAY ignore signatures dated in the future; we
 * allow this much clock skew (seconds) before doing so. */
#define DKIM_CLOCK_SKEW 300

enum dkim_kind {
	DKIM_KIND_DKIM,       /* DKIM-Signature, RFC 6376 */
	DKIM_KIND_DOMAINKEYS, /* DomainKey-Signature, RFC 4870 (common/dk.h) */
};

/* ------------------------------------------------------------ signing */

/*
 * One signature to make.  Strings are borrowed.  The algorithm follows the
 * key type: rsa-sha256 for RSA, ed25519-sha256 for Ed25519 (rsa-sha1 is
 * never produced, RFC 8301 3.1).
 *
 *  headers/nheaders: the h= names exactly as given (repeat a name to sign
 *    more instances; names are not lower-cased), or NULL for the default:
 *    every field of RFC 6376 5.4.1's recommended list the message has, each
 *    name as often as the message has that field.
 *    With the default list, each of dkim_oversign_headers the message
 *    has is named once more (oversigned, as OpenDKIM's OversignHeaders),
 *    unless no_default_oversign.
 *  oversign: after that, each distinct name is added until h= names it one
 *    more time than the message has it, so no instance can be added later
 *    (RFC 6376 8.15).
 *  body_length: write l= (the whole canonical body).
 *  identity: i= as "[local-part]@domain" (raw; bytes that are not
 *    dkim-safe-char are written as dkim-quoted-printable), or NULL.
 *  timestamp: t=.  expire: if > 0, x= = timestamp + expire.
 *
 * kind DKIM_KIND_DOMAINKEYS asks for a DomainKey-Signature instead (RFC
 * 4870, see common/dk.h): key must be RSA (a=rsa-sha1), hcanon is
 * CANON_DK_NOFWS or CANON_DK_SIMPLE (bcanon is ignored), headers selects
 * the fields as above (NULL: the same default list, plus Sender); oversign,
 * body_length, identity, timestamp and expire do not exist in DomainKeys
 * and are ignored.
 */
struct dkim_sign_conf {
	enum dkim_kind kind;              /* 0: DKIM */
	const char *domain;               /* d= */
	const char *selector;             /* s= */
	const struct crypto_privkey *key; /* borrowed */
	enum canon_alg hcanon;            /* CANON_SIMPLE or CANON_RELAXED */
	enum canon_alg bcanon;
	const char *const *headers;
	size_t nheaders;
	bool oversign;
	bool no_default_oversign; /* default list: oversign none of it */
	bool body_length;
	const char *identity;
	int64_t timestamp;
	int64_t expire;
};

/* Check a configuration before any mail is read (key may still be NULL):
 * d= and s= syntax, i= inside d=, header names (From among them),
 * canonicalisations.  Returns 0, or -1 with *err (caller frees). */
int dkim_sign_conf_check(const struct dkim_sign_conf *c, char **err);

/* Sign m with conf[0..n) in one body pass.  On success returns 0 and
 * *fields = n strings "DKIM-Signature: ...<eol>" (or "DomainKey-Signature:
 * ...<eol>" for a DomainKeys configuration) in conf order, to be written
 * (in that order, first on top) before the message's first header field.
 * On failure (no From field, body read error, crypto error) returns -1
 * with *err.  m must have msg_status() == MSG_OK. */
int dkim_sign(struct msg *m, const struct dkim_sign_conf *conf, size_t n,
    char ***fields, char **err);
void dkim_fields_free(char **fields, size_t n); /* NULL is a no-op */

/* The signer's last step, exported so a test can reproduce a published
 * signature from its exact tag text (RFC 8463 A.3): field/len is a whole
 * DKIM-Signature field ("DKIM-Signature: v=1; ... b=", no line ending) whose
 * b= tag is last and empty.  Its a=, c= and h= are read, the header hash is
 * computed exactly as a verifier does (RFC 6376 3.7), signed with key, and
 * the field is returned with the b= value appended (folded) and msg_eol(m)
 * at the end.  bh= is taken as written.  NULL with *err on failure. */
char *dkim_sign_field(struct msg *m, const struct crypto_privkey *key,
    const char *field, size_t len, char **err);

/* ------------------------------------------------------- verification */

/* min_key_bits: the smallest RSA key that can pass.  For DKIM, values
 * under DKIM_MIN_RSA_BITS are raised to it (RFC 8301 3.2 is a MUST).
 * DomainKeys predates RFC 8301, so there the value is used as given, which
 * lets a user accept the 512-bit keys of old DomainKeys mail; 0 means
 * DKIM_MIN_RSA_BITS for both. */
struct dkim_verify_opts {
	unsigned min_key_bits;
	int64_t now;           /* "now" for t= and x= (Unix time) */
};

/*
 * One signature's result.  result is in RFC 8601 words:
 *   pass       the signature verifies and is acceptable
 *   fail       it does not verify (body hash mismatch, signature mismatch),
 *              has expired (x= in the past) or its key is revoked (empty p=)
 *   permerror  it cannot be evaluated: syntax, key not found, unusable
 *              key, unsupported algorithm, ...
 *   policy     it is not acceptable here: RSA key too small, rsa-sha1,
 *              From not exactly once, too many signatures
 *   temperror  the key could not be fetched (DNS timeout, SERVFAIL)
 * reason: a short text for the RFC 8601 comment, or NULL.  d, s, a, i: tag
 * values as written (i decoded from dkim-quoted-printable), NULL when
 * absent; b: the first 8 characters of b= (RFC 6008 header.b), or NULL.
 * DomainKeys results set d and s only, and from: the sending address
 * (RFC 4870: the Sender field's mailbox, else the From field's), with
 * sender true when it came from Sender; NULL when it could not be found.
 * All owned by the result.
 */
struct dkim_result {
	enum dkim_kind kind;
	enum res result;
	char *reason;
	char *d;
	char *s;
	char *a;
	char *i;
	char *b;
	char *from;        /* DomainKeys sending address, "local@domain" */
	bool sender;       /* ... taken from the Sender field */
	bool testing;      /* key record t=y (RFC 6376 3.6.1) */
	unsigned key_bits; /* 0 when no key was loaded */
	size_t field;      /* index of the signature field in the message */
};

struct dkim_results {
	size_t n;
	struct dkim_result *r; /* header order, topmost first */
};

/* Verify every signature of m.  dns answers are cached in dns (so a batch
 * of messages asks each key once).  Returns 0 and *out (possibly with
 * n == 0: no signature), or -1 with *err when the message cannot be read
 * (body I/O error) or has no usable header section. */
int dkim_verify(struct msg *m, struct dns_ctx *dns,
    const struct dkim_verify_opts *o, struct dkim_results **out, char **err);
void dkim_results_free(struct dkim_results *r); /* NULL is a no-op */

/* Message-level verdict: RES_PASS if any signature passes, else
 * RES_TEMPERROR if any got temperror (trying later may give a pass), else
 * RES_NONE if there is no signature, else RES_FAIL. */
enum res dkim_verdict(const struct dkim_results *r);

/* Add one result to an Authentication-Results builder as
 * "dkim=RESULT (reason) header.d=... header.s=... header.a=... header.b=...
 * [header.i=...]", or for DomainKeys "domainkeys=RESULT (reason)
 * header.d=... header.s=... header.from=..." (header.sender=... when the
 * sending address came from Sender; RFC 8601 registers both). */
void dkim_result_ar(const struct dkim_result *r, struct ar *a);

#endif
