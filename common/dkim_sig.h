/*
 * dkim_sig: one DKIM-Signature field (RFC 6376 3.5) being verified: its
 * tags parsed and checked (one handler per tag, RFC 6376 3.5 and 6.1.1),
 * and its result.  Used by the verifier (common/dkim_verify.c); no DNS, no
 * crypto, no body.
 *
 * Error convention: a defect of the signature is a protocol result, not a
 * program error: it is stored in the signature's struct dkim_result
 * (result enum plus a reason) with dkim_sig_result(), which marks the
 * signature done; functions that can find one return 0, or -1 once the
 * result is decided.  Nothing here prints, exits or reads stdin.
 * Ownership: a struct dkim_sig owns its parsed values (h, b, bh, d, s,
 * idom), freed by dkim_sig_clear(); res, f and key are borrowed (key
 * from dkim_key_import()'s cache).
 */
#ifndef COMMON_DKIM_SIG_H
#define COMMON_DKIM_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dkim.h"
#include "common/util.h"

struct dkim_sig {
	struct dkim_result *res; /* borrowed: receives the result */
	const struct msg_field *f;
	bool done; /* result decided */
	/* parsed tags (RFC 6376 3.5) */
	const struct dkim_alg *alg;
	enum canon_alg hc, bc;
	char **h;
	size_t nh;
	unsigned char *b, *bh;
	size_t blen, bhlen;
	char *d, *s;     /* validated d= and s= */
	char *idom;      /* domain of i= (decoded), or NULL */
	bool has_l, has_t, has_x;
	uint64_t l, t, x;
	const char *bval_start, *bval_end; /* the b= value span in f->raw */
	/* key, borrowed (dkim_key_import()) */
	const struct crypto_pubkey *key;
	/* body */
	size_t body; /* the verifier's body hash index */
};

/* Parse and check sg->f strictly (RFC 6376 3.5, 6.1.1), with o->now for
 * t= and x=.  Returns 0 when the signature is fit for a key lookup, or -1
 * with its result decided (sg->done). */
int dkim_sig_parse(struct dkim_sig *sg, const struct dkim_verify_opts *o);

/* Decide sg's result (the first decision stands; later calls are no-ops)
 * and return -1, so a check can end with "return dkim_sig_result(...)". */
int dkim_sig_result(struct dkim_sig *sg, enum res r, const char *reason);
int dkim_sig_resultf(struct dkim_sig *sg, enum res r, const char *fmt, ...)
    UTIL_PRINTF(3, 4);

/* Fill d, s, a, b, i of r for display from whatever parses in field f
 * (a signature that is not evaluated). */
void dkim_sig_display(struct dkim_result *r, const struct msg_field *f);

void dkim_sig_clear(struct dkim_sig *sg);

#endif
