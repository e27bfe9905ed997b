/*
 * dmarc: DMARC (RFC 9989) for a Mail Receiver: the policy record
 * (sections 4.7 and 4.8), policy discovery and the DNS Tree Walk (4.10,
 * 4.10.1; never a Public Suffix List), the Organizational Domain (4.10.2),
 * strict and relaxed Identifier Alignment (3.2.10, 4.4) of the SPF and
 * DKIM identifiers with the Author Domain, and the result (5.3.5, words of
 * 9.2) with the Domain Owner Assessment Policy that applies (p, sp or np).
 *
 * The authentication checks themselves are the caller's (common/spf.h,
 * common/dkim.h): dmarc_check() takes their results as input.  Results
 * are values; nothing here prints, exits or reads stdin.  DNS goes
 * through common/dns.h only (answers cached in the dns_ctx, so the walks
 * for several identifiers ask each _dmarc name once).
 *
 * Ownership: every string in struct dmarc_record and struct dmarc_result
 * is malloc'd and freed by dmarc_record_free() / dmarc_result_free().
 */
#ifndef COMMON_DMARC_H
#define COMMON_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dns.h"
#include "common/msg.h"
#include "common/result.h"

/* RFC 9989 4.10: a DNS Tree Walk makes at most eight queries (names of
 * more than eight labels are shortened to seven after the first one). */
#define DMARC_MAX_WALK_QUERIES 8

/* RFC 9989 4.10 step 4: a name of DMARC_MAX_WALK_QUERIES or more labels
 * is cut to this many labels after the first query. */
#define DMARC_WALK_SHORTEN_TO 7

/* Identifiers checked for alignment per message: the SPF one plus one per
 * DKIM signature (common/dkim.h verifies at most DKIM_MAX_SIGNATURES). */
#define DMARC_MAX_IDENTIFIERS 9

/* Author Domains read from the From field(s) before giving up: RFC 9989
 * 5.3.1 needs exactly one; 11.5 warns that many are a denial-of-service
 * vector. */
#define DMARC_MAX_AUTHOR_DOMAINS 16

enum dmarc_policy {
	DMARC_POLICY_UNSET = 0, /* tag absent */
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

enum dmarc_psd {
	DMARC_PSD_U = 0, /* default (4.7) */
	DMARC_PSD_Y,
	DMARC_PSD_N,
};

/* Outcome of reading one TXT record as a DMARC Policy Record. */
enum dmarc_rec_status {
	DMARC_REC_OK = 0,    /* usable; p/sp/np as published (or p=none) */
	DMARC_REC_NOT_DMARC, /* does not start with v=DMARC1 (4.7 "v"):
	                      * the record is ignored */
	DMARC_REC_NO_POLICY, /* v=DMARC1 but p, sp or np invalid and no valid
	                      * rua: no DMARC processing (4.10.1) */
};

/* One DMARC Policy Record.  Unknown tags are ignored (4.7), and so are
 * tags whose value breaks the syntax of 4.8 (their default applies),
 * except p, sp and np: see 4.10.1 and rec_status.  pct, rf and ri, gone
 * from RFC 9989, are unknown tags. */
struct dmarc_record {
	enum dmarc_policy p, sp, np;
	enum dmarc_psd psd;
	bool testing;      /* t=y */
	bool adkim_strict; /* adkim=s */
	bool aspf_strict;  /* aspf=s */
	bool rua_valid;    /* rua holds at least one valid URI (4.10.1) */
	bool p_as_none;    /* p/sp/np invalid, read as p=none for rua */
	char *rua, *ruf, *fo; /* as published, or NULL */
	char *text;        /* the whole record */
	bool p_given;      /* a p= tag was there (valid or not) */
	bool removed_tags; /* pct=, rf= or ri= (RFC 7489 tags RFC 9989
	                    * removed; ignored as unknown) */
};

/* Parse txt[0..len) (any bytes).  Returns DMARC_REC_OK with *out filled,
 * or another status (out then holds what could be read; free it either
 * way).  *why (may be NULL) gets a short reason for a record that is not
 * OK or had ignored parts (caller frees), or NULL. */
enum dmarc_rec_status dmarc_record_parse(const char *txt, size_t len,
    struct dmarc_record *out, char **why);
void dmarc_record_free(struct dmarc_record *r); /* fields only; NULL ok */

/* "none", "quarantine", "reject"; NULL for DMARC_POLICY_UNSET. */
const char *dmarc_policy_name(enum dmarc_policy p);

/* What one _dmarc query found. */
enum dmarc_fetch {
	DMARC_FOUND = 0, /* exactly one DMARC record (status in rec_status) */
	DMARC_ABSENT,    /* no record, NXDOMAIN, or several (all discarded) */
	DMARC_TEMP,      /* timeout or SERVFAIL */
};

/* One step of a DNS Tree Walk. */
struct dmarc_step {
	char *domain;          /* the name below "_dmarc." */
	enum dmarc_fetch fetch;
	enum dns_status dns;   /* the DNS status of the TXT query */
	unsigned ndmarc;       /* DMARC records at the name (2+: discarded) */
	enum dmarc_rec_status rec_status;
	struct dmarc_record rec; /* when fetch == DMARC_FOUND */
};

/* A DNS Tree Walk (RFC 9989 4.10) from domain: the queried names in order
 * (at most DMARC_MAX_WALK_QUERIES), stopping after a record with psd=y or
 * psd=n. */
struct dmarc_walk {
	char *start;
	size_t n;
	struct dmarc_step step[DMARC_MAX_WALK_QUERIES];
	bool temperror; /* some query failed temporarily */
};

/* Walk from domain (a valid domain name, any case; names are queried in
 * lower case).  Always fills *w. */
void dmarc_walk(struct dns_ctx *dns, const char *domain,
    struct dmarc_walk *w);
void dmarc_walk_free(struct dmarc_walk *w); /* fields only; NULL ok */

/* The names a walk from domain asks, without asking (RFC 9989 4.10 steps
 * 3, 4 and 7): *n of them into names[] (caller frees each).  For tests
 * and --verbose. */
void dmarc_walk_names(const char *domain,
    char *names[DMARC_MAX_WALK_QUERIES], size_t *n);

/* The Organizational Domain a walk shows (RFC 9989 4.10.2, rules 1-3;
 * the start domain when no record was found).  Caller frees. */
char *dmarc_org_domain(const struct dmarc_walk *w);

/* Input of the DMARC check: the Author Domain and the authentication
 * results the caller has. */
struct dmarc_input {
	const char *author;       /* RFC5322.From domain (Author Domain) */
	const char *spf_domain;   /* RFC5321.MailFrom domain, or NULL */
	enum res spf_result;      /* SPF result for it (MAIL FROM scope) */
	const char *const *dkim_domains; /* d= of each DKIM signature */
	const enum res *dkim_results;    /* its result */
	size_t ndkim;
};

struct dmarc_result {
	enum res result;        /* pass, fail, none, temperror, permerror */
	char *reason;           /* short text, or NULL */
	char *author;           /* Author Domain (lower case), or NULL */
	char *policy_domain;    /* where the applied record was found */
	char *org_domain;       /* Organizational Domain of the Author Domain,
	                         * when it had to be found; else NULL */
	const char *policy_tag; /* "p", "sp" or "np" (4.10.1); NULL if none */
	enum dmarc_policy policy; /* the Domain Owner Assessment Policy */
	bool testing;           /* t=y: the policy is only being tested */
	/* The policy to apply to a failing message after the policy
	 * options (RFC 9989 9.1 policy.dmarc): policy, or with t=y one
	 * level below it (4.7 "t": reject -> quarantine -> none). */
	enum dmarc_policy applied;
	bool author_exists;     /* false: NXDOMAIN for the Author Domain */
	bool adkim_strict, aspf_strict;
	bool spf_aligned, dkim_aligned;
	char *aligned_dkim;     /* the first d= that aligned, or NULL */
	char *record;           /* text of the applied record, or NULL */
	unsigned queries;       /* _dmarc queries the check needed */
};

/* The Author Domain of m (RFC 9989 5.3.1): the domain of the From
 * field's mailboxes.  Returns 0 with *domain (lower case; caller frees),
 * or -1 with *why (caller frees) when there is no From field, it does not
 * parse, or it names no domain or more than one domain. */
int dmarc_author_domain(const struct msg *m, char **domain, char **why);

/* The DMARC check (RFC 9989 5.3.2 to 5.3.5).  in->author NULL gives
 * permerror ("no single Author Domain", 5.3.1).  Always fills *out. */
void dmarc_check(struct dns_ctx *dns, const struct dmarc_input *in,
    struct dmarc_result *out);
void dmarc_result_free(struct dmarc_result *r); /* fields only; NULL ok */

/* Whether a and b are in relaxed alignment given walks from each (same
 * Organizational Domain, 3.2.10.1).  Exported for the tests. */
bool dmarc_relaxed_aligned(const struct dmarc_walk *a,
    const struct dmarc_walk *b);

/*
 * --lint (dmarc_lint.c): what a Domain Owner should fix in the DMARC
 * record that applies to domain: no record (or only one a Tree Walk finds
 * higher up), several records, v=DMARC1 not first, invalid or missing p,
 * invalid tags, rua/ruf URIs that are not URIs, tags RFC 9989 removed.
 * findings: problems (one line each, "DOMAIN: what"); notes: facts worth
 * knowing (monitoring mode, t=y, where the policy comes from).  Returns
 * the number of findings.
 */
struct dmarc_lint {
	char **findings;
	size_t nfindings;
	char **notes;
	size_t nnotes;
	unsigned temperrors; /* findings that are temporary DNS errors */
};
size_t dmarc_lint(struct dns_ctx *dns, const char *domain,
    struct dmarc_lint *out);
void dmarc_lint_free(struct dmarc_lint *l); /* fields only; NULL ok */

#endif
