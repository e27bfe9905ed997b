/*
 * result: protocol results as values (RFC 8601 words), exit-status
 * mapping, and the one writer of every header field the programs add:
 * Authentication-Results (RFC 8601) and Received-SPF (RFC 7208 9.1).
 *
 * Safety rule: no byte taken from a message or the command line can add a
 * result, a property or a header field, nor read as a result to a regex
 * such as "dkim=pass" (issue 8).  CR, LF and other control bytes become a
 * space, non-ASCII bytes '?'.  Property values (RFC 8601 pvalue): tokens
 * as they are; an address "local@domain" only when the local part is a
 * dot-atom without '=', else "@domain" (the local part is optional in
 * the RFC 8601 2.2 pvalue grammar); other values quoted only when they hold no '=', ';', space, quote or parenthesis,
 * else the property is left out (ar_prop() adds nothing).  Received-SPF
 * values: dot-atoms without '=' as they are, else quoted-strings with
 * '"', '\' and '=' as quoted-pairs.  Comments: '(' ')' become '[' ']', ';'
 * becomes ',', '\' and an '=' before a non-space are quoted-pairs.
 * Generated fields are folded at AR_FOLD_COLUMN columns.
 *
 * Ownership: every char * returned is malloc'd and the caller frees it;
 * struct ar owns what ar_add()/ar_prop() copied into it until ar_free().
 * Errors (the convention of common/): only ar_write_stripped() can fail,
 * with -1 and errno (an I/O error: the caller adds strerror()).  Results
 * themselves are values (enum res), never errors.
 */
#ifndef COMMON_RESULT_H
#define COMMON_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/msg.h"

/* RFC 5322 2.1.1: lines SHOULD be no more than 78 characters. */
#define AR_FOLD_COLUMN 78

enum res {
	RES_NONE = 0,
	RES_PASS,
	RES_FAIL,
	RES_SOFTFAIL,
	RES_NEUTRAL,
	RES_TEMPERROR,
	RES_PERMERROR,
	RES_POLICY,
};

/* "none", "pass", "fail", "softfail", "neutral", "temperror", "permerror",
 * "policy". */
const char *res_name(enum res r);

/* Exit status, in one place (DESIGN.md "Contract"). */
#define EXIT_PASS 0       /* success; check result is pass */
#define EXIT_NOTPASS 1    /* check done, result is not pass */
#define EXIT_NOTHING 2    /* check done, nothing to check */
/* sysexits.h: EX_USAGE 64, EX_DATAERR 65, EX_NOINPUT 66, EX_SOFTWARE 70,
 * EX_IOERR 74, EX_TEMPFAIL 75, EX_CONFIG 78. */

/* spfquery/pra exit status, as Mail::SPF's spfquery: pass 0, fail 1,
 * softfail 2, neutral 3, permerror 4, temperror 5, none 6. */
int res_spf_exit(enum res r);
/* The exit status of a check whose verdict is r (DESIGN.md "Exit
 * status"): pass 0, none (nothing to check) 2, temperror 75, any other
 * result 1.  dkimverify and authcheck (DMARC's verdict). */
int res_check_exit(enum res r);

/*
 * Authentication-Results builder.  ar_new() copies authserv_id.  Each
 * ar_add() starts a resinfo "method=result (reason)"; ar_prop() adds
 * "ptype.property=value" to the last one.  All strings are copied.
 */
struct ar;
struct ar *ar_new(const char *authserv_id);
void ar_free(struct ar *a); /* NULL is a no-op */
void ar_add(struct ar *a, const char *method, enum res r, const char *reason);
void ar_prop(struct ar *a, const char *ptype, const char *property,
    const char *value);
size_t ar_count(const struct ar *a);

/* One resinfo as a single unfolded line, e.g.
 * "dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh"
 * or "dkim=fail (body hash mismatch) header.d=...".  Caller frees. */
char *ar_resinfo_line(const struct ar *a, size_t i);

/* The whole field "Authentication-Results: ID; r1; r2" (or "ID; none" when
 * there is no resinfo, RFC 8601 2.2), folded at AR_FOLD_COLUMN with eol
 * ("\r\n" or "\n") and ending with eol.  Caller frees. */
char *ar_field(const struct ar *a, const char *eol);

/* True when an existing Authentication-Results field value (the bytes after
 * the colon, folding intact) names authserv_id as its authserv-id
 * (case-insensitive, and one trailing dot on either side ignored, as for
 * the host names authserv-ids usually are; CFWS and a quoted-string
 * authserv-id handled; the optional authres-version after it ignored).
 * Used to delete forged fields before adding ours (RFC 8601 section 5). */
bool ar_value_has_authserv_id(const char *value, size_t len,
    const char *authserv_id);

/* Bytes of one Authentication-Results field held in memory to read the
 * authserv-id it claims (which RFC 8601 2.2 puts first, after the colon).
 * A field longer than this (say, an id hidden behind 64 KiB of comments or
 * folding) is removed unread: it cannot be shown not to claim ours, and no
 * genuine result is that long. */
#define AR_STRIP_FIELD_MAX (64 * 1024)

/*
 * Write input bytes [from, msg_size(m)) of m to f (from is 0, or the end
 * of the mbox "From " line to leave that line out), leaving out every
 * Authentication-Results field that claims authserv_id (RFC 8601 section
 * 5: "any MTA conforming to this specification MUST delete any discovered
 * instance of this header field that claims, by virtue of its
 * authentication service identifier, to have been added within its trust
 * boundary").
 *
 * The header section is taken as mail readers (procmail, maildrop, MUAs)
 * take it: every line from after the mbox line up to the first empty line
 * (LF or CRLF), read from the raw input and not from msg's field index.
 * So it works whatever msg_status() says (no header, too large, a read
 * error after some input) and also below a line without a colon, where
 * the indexed header stops (msg_header_malformed()).  A field is a line
 * starting "Authentication-Results" (any case), optional WSP, ":", plus
 * the continuation lines (starting with SP or HTAB) after it; a field
 * longer than AR_STRIP_FIELD_MAX is removed whatever it claims.  Every
 * other byte is written unchanged.  authserv_id NULL writes the input
 * unchanged.  Memory use is bounded by AR_STRIP_FIELD_MAX, whatever the
 * header size.  *nremoved (may be NULL) gets the number of fields left
 * out.  Returns 0, or -1 on a read or write error (errno set); it does
 * not fflush.
 */
int ar_write_stripped(struct msg *m, FILE *f, uint64_t from,
    const char *authserv_id, size_t *nremoved);

/* Received-SPF (RFC 7208 9.1):
 *   Received-SPF: RESULT (COMMENT) key=value; key=value; ...
 * Keys with a NULL value are left out.  Values that are not dot-atoms (or
 * hold '=') are quoted, '=' as the quoted-pair "\=".  When fold is false the field is one line (spfquery's line 3)
 * without a line ending; otherwise folded and ending with eol. */
struct ar_spf {
	enum res result;
	const char *comment;       /* e.g. "mybox.example.org: domain of ..." */
	const char *client_ip;
	const char *envelope_from;
	const char *helo;
	const char *receiver;
	const char *identity;      /* "mailfrom", "helo", "pra" */
	const char *pra;           /* identity=pra: the address (Mail::SPF's
	                            * "pra=" key) */
	const char *mechanism;
	const char *problem;
};
char *ar_received_spf(const struct ar_spf *s, bool fold, const char *eol);

/* Helpers the writers use, exported for tests and other fields:
 * ar_is_token: RFC 2045 token (RFC 8601 value) check.
 * ar_quote: the value as a token if it is one, else a quoted-string ('='
 * a quoted-pair there too).
 * Both return / take NUL-terminated strings; ar_quote's result is freed by
 * the caller. */
bool ar_is_token(const char *s);
char *ar_quote(const char *s);

#endif
