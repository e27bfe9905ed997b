/*
 * canon: header and body canonicalisation for DKIM (RFC 6376 3.4) and
 * DomainKeys (RFC 4870 3.4).  Output is always CRLF: a bare LF in the input
 * counts as a line end (LF input is accepted, DESIGN.md "Line endings").
 * Body canonicalisation is incremental: feed chunks of any size, split
 * anywhere (even between CR and LF), and the output is the same.
 *
 * Nothing here prints, exits or reads stdin, and nothing can fail (no
 * char **err).  Ownership: canon_header() appends to the caller's struct
 * buf; a struct canon_body is freed with canon_body_free() and hands its
 * output to the caller's sink, keeping none of it.
 */
#ifndef COMMON_CANON_H
#define COMMON_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

enum canon_alg {
	CANON_SIMPLE,   /* RFC 6376 3.4.1 / 3.4.3 */
	CANON_RELAXED,  /* RFC 6376 3.4.2 / 3.4.4 */
	CANON_DK_SIMPLE, /* RFC 4870 3.4.1 (DomainKeys "simple") */
	CANON_DK_NOFWS,  /* RFC 4870 3.4.2 (DomainKeys "nofws") */
};

/* Parse "simple", "relaxed" (DKIM) or "simple", "nofws" (DK: pass dk=1).
 * Returns 0 and sets *alg, or -1. */
int canon_parse(const char *s, size_t len, int dk, enum canon_alg *alg);
const char *canon_name(enum canon_alg alg);

/* Append the canonical form of one header field to out.  raw/len is the
 * whole field as in the input (name, colon, value, folding, with or
 * without its final line terminator).  The result always ends with CRLF.
 * For DKIM relaxed: lower-case name, unfold, WSP runs to one SP, no WSP
 * around the colon or at the end. */
void canon_header(enum canon_alg alg, const char *raw, size_t len,
    struct buf *out);

/* Incremental body canonicalisation.
 * DomainKeys (CANON_DK_*): RFC 4870 3.4.1 and 3.4.2.1 drop the empty line
 * that separates header and body when the body is only empty lines, so the
 * body canonicaliser owns that line: its output STARTS with the separating
 * CRLF when the body has a non-empty line, and is empty otherwise.  The DK
 * signed data is the canonical header fields followed directly by this
 * output (as Mail::DKIM does).  Canonical bytes are passed to sink
 * (which may be called many times).  limit: the l= count, or UINT64_MAX for
 * the whole body; bytes past the limit are counted but not passed on. */
struct canon_body;
typedef void (*canon_sink)(void *arg, const void *p, size_t n);
struct canon_body *canon_body_new(enum canon_alg alg, uint64_t limit,
    canon_sink sink, void *arg);
void canon_body_update(struct canon_body *cb, const void *p, size_t n);
void canon_body_final(struct canon_body *cb); /* flushes; call once */
/* Length of the whole canonical body (ignoring the limit), valid after
 * canon_body_final(); used for l= when signing and to check l= when
 * verifying (l= larger than the body is an error). */
uint64_t canon_body_length(const struct canon_body *cb);
void canon_body_free(struct canon_body *cb); /* NULL is a no-op */

#endif
