/*
 * dkim_base: pieces of DKIM (RFC 6376) that the signer, the verifier and
 * DomainKeys (RFC 4870, common/dk.h) share, so that what a signer hashes
 * and what a verifier hashes come from the same code: lexical checks, the
 * algorithm table, the h= list, the body pass, the header hash input and
 * the folding writer for generated fields.
 *
 * Programs use common/dkim.h, which includes this header (the body pass
 * and the DKIM_DN_* name rules are public); the rest is for common/dkim_*.c
 * and common/dk*.c.  This module calls no other dkim or dk file and never
 * DNS (so a signer linking it needs no resolver).
 *
 * Error convention (STYLE.md): functions that can fail return 0, or -1
 * with a message in *err that the caller frees; predicates return bool;
 * parsers that return an object return NULL on failure.  Nothing here
 * prints, exits or reads stdin.  Ownership: each function says what the
 * caller frees; struct dkim_body is freed with dkim_body_free().
 */
#ifndef COMMON_DKIM_BASE_H
#define COMMON_DKIM_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/canon.h"
#include "common/crypto.h"
#include "common/lex.h"
#include "common/msg.h"
#include "common/util.h"

/* RFC 5322 2.1.1: lines SHOULD be at most 78 characters (no line ending). */
#define DKIM_FOLD_COLUMN 78

/* RFC 6376 3.5: t= and x= are 1*12DIGIT, l= is 1*76DIGIT. */
#define DKIM_TIME_DIGITS 12
#define DKIM_TIME_MAX INT64_C(999999999999)
#define DKIM_LENGTH_DIGITS 76

/* Length of header.b (RFC 6008 2: at least 8 characters of b=). */
#define DKIM_HEADER_B_LEN 8

/* Most names accepted in a signature's h= list.  RFC 6376 and RFC 4870
 * set no limit, but selecting fields costs names x fields per signature,
 * so a hostile h= of millions of names (an 8 MiB header allows that) must
 * be refused; real lists, over-signed, have a few dozen. */
#define DKIM_MAX_H_NAMES 1024

/* ------------------------------------------------------------ lexical */

/* lex_check_domain() flags for RFC 6376 3.5: d= and the i= domain are a
 * domain-name, sub-domain 1*("." sub-domain); s= is a selector,
 * sub-domain *("." sub-domain); sub-domain is RFC 5321 4.1.2 Let-dig
 * [Ldh-str].  No trailing dot.  (i= within d=, RFC 4870 3.3 d=:
 * lex_domain_within().) */
#define DKIM_DN_DOMAIN (LEX_DN_LDH | LEX_DN_MULTI_LABEL)
#define DKIM_DN_SELECTOR LEX_DN_LDH

/* RFC 5322 3.6.8 field-name, without ';' (RFC 6376 3.2 VALCHAR). */
bool dkim_is_field_name(const char *s, size_t len);

/* Trim FWS (SP, TAB, CR, LF) from both ends of [*p, *p + *len). */
void dkim_trim_fws(const char **p, size_t *len);

/* Digits only, at most maxdigits of them; saturates at UINT64_MAX. */
bool dkim_parse_uint(const char *s, size_t len, size_t maxdigits,
    uint64_t *out);

/* RFC 6376 2.11 dkim-quoted-printable, FWS dropped: the decoded bytes
 * (NUL-terminated, *outlen without the NUL; caller frees) or NULL. */
char *dkim_qp_decode(const char *s, size_t len, size_t *outlen);
/* Append s as dkim-quoted-printable (anything outside dkim-safe-char,
 * and '=', becomes =XX). */
void dkim_qp_encode(struct buf *out, const char *s, size_t len);

/* ------------------------------------------------- header field names */

/* The default h= list, lower case, From first: RFC 6376 5.4.1's fields
 * that SHOULD be signed, then Message-ID, MIME-Version, Content-Type and
 * Content-Transfer-Encoding. */
#define DKIM_NDEFAULT_HEADERS 24
extern const char *const dkim_default_headers[DKIM_NDEFAULT_HEADERS];
/* The fields of the default list oversigned by default (RFC 6376 8.15),
 * lower case. */
#define DKIM_NOVERSIGN_HEADERS 7
extern const char *const dkim_oversign_headers[DKIM_NOVERSIGN_HEADERS];

/* True when name (len bytes) is one of dkim_default_headers,
 * case-insensitively. */
bool dkim_is_default_header(const char *name, size_t len);

/* How many fields of m are named name (case-insensitively). */
size_t dkim_count_fields(struct msg *m, const char *name);

/* The next item of a colon-separated list (RFC 6376 3.5 h= and q=, 3.6.1
 * h=, s= and t=) [*p, end), FWS around it dropped, in *item and *len; *p
 * moves past it (NULL after the last item).  Start with *p at the list's
 * first byte; an empty list has one empty item.  False when no item is
 * left. */
bool dkim_list_next(const char **p, const char *end, const char **item,
    size_t *len);

/* A colon-separated list of header field names (RFC 6376 3.5 h=, RFC 4870
 * 3.3 h=), FWS around names dropped.  NULL on a syntax error or more than
 * DKIM_MAX_H_NAMES names; free with util_strv_free(). */
char **dkim_parse_h(const char *s, size_t len, size_t *n);

/* ------------------------------------------------ algorithms and c= */

/* An a= value (RFC 6376 3.3, RFC 8463 3). */
struct dkim_alg {
	const char *name;
	enum crypto_key_type key;
	enum crypto_hash_alg hash;
};

/* The algorithm named [s, s + len) case-insensitively (rsa-sha1 included,
 * so it can be refused by policy rather than as unknown), or NULL. */
const struct dkim_alg *dkim_alg_find(const char *s, size_t len);

/* RFC 6376 3.5 c=: "header[/body]", each simple or relaxed, body simple
 * when absent.  Returns 0, or -1 when it is no such value. */
int dkim_parse_c(const char *s, size_t len, enum canon_alg *hc,
    enum canon_alg *bc);

/* ------------------------------------------------------------ body pass */

/*
 * One pass over a message body feeding several hashes, each through its
 * own canonicaliser (DKIM body hashes, and DomainKeys, whose single hash
 * covers header then body).  The hashes are borrowed: the caller creates
 * them (and may have fed header bytes already) and finishes them after
 * dkim_body_run().
 */
struct dkim_body;
struct dkim_body *dkim_body_new(void);
/* Add a consumer; returns its index.  limit: bytes of canonical body to
 * hash (l=), or UINT64_MAX. */
size_t dkim_body_add(struct dkim_body *b, enum canon_alg alg, uint64_t limit,
    struct crypto_hash *h);
/* Read the body of m once.  Returns 0, or -1 with *err (read error). */
int dkim_body_run(struct dkim_body *b, struct msg *m, char **err);
/* Whole canonical body length seen by consumer i (valid after run). */
uint64_t dkim_body_length(const struct dkim_body *b, size_t i);
void dkim_body_free(struct dkim_body *b); /* NULL is a no-op */

/* The fields of m grouped by name (by = msg_fields_by_name(m): each
 * name's instances adjacent, top-down), for selecting h= names in
 * O(log n) each (issue 8: a scan per name cost names x fields).
 * dkim_name_group(): the position in by where name's group starts, or nf
 * (msg_nfields(m)) when m has no such field.  dkim_name_groups(): an
 * array of nf + 1 (caller frees) whose entry at each group's start is the
 * group's size, 0 elsewhere. */
size_t dkim_name_group(struct msg *m, const size_t *by, size_t nf,
    const char *name, size_t len);
size_t *dkim_name_groups(struct msg *m);

/* ---------------------------------------------------------- header hash */

/* The bytes a DKIM header hash covers (RFC 6376 3.7, 5.4.2): the fields h=
 * selects, then the signature field sig/siglen (b= value already empty)
 * without its final CRLF, canonicalised with hcanon, appended to out. */
void dkim_header_hash_input(struct msg *m, enum canon_alg hcanon,
    char *const *h, size_t nh, const char *sig, size_t siglen,
    struct buf *out);
/* The digest of in into out (CRYPTO_MAX_DIGEST bytes); returns its
 * length. */
size_t dkim_hash_buf(enum crypto_hash_alg alg, const struct buf *in,
    unsigned char *out);

/* ------------------------------------------------------------- folding */

/* Folding writer for generated fields (RFC 5322 2.2.3): tokens are added
 * with a space before them when space is true, and a line break (eol plus
 * one SP) is put first when a token would pass DKIM_FOLD_COLUMN. */
struct dkim_fold {
	struct buf *b;
	size_t col;
	const char *eol;
};
void dkim_fold_add(struct dkim_fold *f, const char *tok, bool space);
/* A base64 value, broken anywhere to fit (b=, RFC 6376 3.5, RFC 4870
 * 3.3). */
void dkim_fold_b64(struct dkim_fold *f, const char *s);

#endif
