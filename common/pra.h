/*
 * pra: the Purported Responsible Address of a message (RFC 4407 section 2)
 * and the Sender ID check of it (RFC 4406).
 *
 * pra_find() runs the six steps of RFC 4407 section 2 over the header
 * fields of a struct msg: the first non-empty Resent-Sender (unless it
 * belongs to an older resent block than the first Resent-From), else the
 * first non-empty Resent-From, else the only non-empty Sender, else the
 * only non-empty From; the chosen field must hold exactly one mailbox with
 * a domain name, parsed by the RFC 5322 address parser (common/addr.h).
 *
 * pra_check() hands the PRA to the SPF engine with the "pra" scope, so the
 * record selection of RFC 4406 section 4.4 and the NXDOMAIN-is-fail rule of
 * section 4.3 are the engine's (common/spf.h).
 *
 * Nothing here prints or exits.  Ownership: every string in struct
 * pra_result is malloc'd and freed by pra_result_free().
 *
 * Errors (the convention of common/): a message without a PRA is a
 * result, not an error (pra_find: -1 with out->reason, RFC 4407 step 6);
 * pra_check() fails as spf_check() does, -1 with resp->problem set (owned
 * by resp).
 */
#ifndef COMMON_PRA_H
#define COMMON_PRA_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dns.h"
#include "common/msg.h"
#include "common/spf.h"

/* The header field a PRA was taken from (RFC 4407 section 2, steps 1-4). */
enum pra_header {
	PRA_HDR_NONE = 0,
	PRA_HDR_RESENT_SENDER, /* step 1 */
	PRA_HDR_RESENT_FROM,   /* step 2 */
	PRA_HDR_SENDER,        /* step 3 */
	PRA_HDR_FROM,          /* step 4 */
};

struct pra_result {
	/* The PRA as "local@domain" (local-part re-quoted when it is not a
	 * dot-atom, as addr_mailbox_string() writes it); NULL when the
	 * message has none. */
	char *address;
	char *local;  /* local-part, semantic form (quotes removed) */
	char *domain; /* domain as written (case kept) */
	/* The field steps 1-4 selected: set also when step 5 then rejected
	 * its value (header != PRA_HDR_NONE, address == NULL); field is its
	 * index for msg_field(), or -1 when no field was selected. */
	enum pra_header header;
	long field;
	/* The step of RFC 4407 section 2 that decided: 5 when a PRA was
	 * found, else the step that led to step 6 (3, 4 or 5). */
	int step;
	/* Why there is no PRA, e.g. "2 non-empty From fields" or "the Sender
	 * field holds 2 mailboxes"; NULL when a PRA was found. */
	char *reason;
};

/* Find the PRA of m.  Returns 0 with out->address set, or -1 when the
 * message has no PRA (out->reason says why; a message whose header section
 * could not be read has none either).  out is always filled and must be
 * released with pra_result_free(). */
int pra_find(const struct msg *m, struct pra_result *out);

/* Free the strings of r and reset it to "no PRA".  NULL is a no-op. */
void pra_result_free(struct pra_result *r);

/* "Resent-Sender", "Resent-From", "Sender", "From"; NULL for
 * PRA_HDR_NONE. */
const char *pra_header_name(enum pra_header h);

/* The RFC 8601 property naming the header in Authentication-Results
 * (ptype "header"): "resent-sender", "resent-from", "sender", "from";
 * NULL for PRA_HDR_NONE. */
const char *pra_header_property(enum pra_header h);

/* The Sender ID check (RFC 4406 section 4) of the address pra (normally
 * pra_find()'s address) for a message received from ip (IPv4 or IPv6
 * text); helo may be NULL.  A thin wrapper around spf_check() with scope
 * SPF_SCOPE_PRA and sender_id set.  Returns what spf_check() returns: 0
 * with *resp filled whatever the result, -1 when ip is unusable.
 * resp is released with spf_response_free(). */
int pra_check(struct dns_ctx *dns, const char *ip, const char *helo,
              const char *pra, struct spf_response *resp);

#endif
