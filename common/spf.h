/*
 * spf: the SPF engine, check_host() of RFC 7208 section 4, with the
 * record selection of Sender ID (RFC 4406 section 4.4) as an option so the
 * Sender ID check reuses the same evaluation.
 *
 * Results are values (enum res), never program errors: a DNS timeout is
 * RES_TEMPERROR, a syntax error RES_PERMERROR.  The engine never prints;
 * --trace output goes through the request's trace callback.
 *
 * Ownership: strings in struct spf_response are malloc'd and freed by
 * spf_response_free(); the request's strings are borrowed for the call.
 */
#ifndef COMMON_SPF_H
#define COMMON_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dns.h"
#include "common/result.h"

/* RFC 7208 4.6.4: at most 10 mechanisms and modifiers that query DNS
 * (include, a, mx, ptr, exists, redirect), counted across the whole check. */
#define SPF_MAX_DNS_TERMS 10
/* RFC 7208 4.6.4: at most 2 "void lookups" (NXDOMAIN or no answers). */
#define SPF_MAX_VOID_LOOKUPS 2
/* RFC 7208 4.6.4: at most 10 MX names per mx mechanism. */
#define SPF_MAX_MX_NAMES 10
/* RFC 7208 4.6.4: at most 10 PTR names per ptr mechanism / %{p}. */
#define SPF_MAX_PTR_NAMES 10
/* RFC 7208 4.6.4: SHOULD impose a limit of at least 20 seconds on the whole
 * check; past it the result is temperror. */
#define SPF_TIME_LIMIT_SECONDS 20

enum spf_scope {
	SPF_SCOPE_MFROM, /* MAIL FROM identity (RFC 7208 2.4) */
	SPF_SCOPE_HELO,  /* HELO identity (RFC 7208 2.3) */
	SPF_SCOPE_PRA,   /* Sender ID PRA (RFC 4406); implies sender_id */
};

struct spf_request {
	const char *ip;        /* client IP, IPv4 or IPv6 text (required) */
	const char *sender;    /* MAIL FROM or PRA address; NULL/"" = null sender */
	const char *helo;      /* HELO/EHLO name (may be NULL) */
	const char *receiver;  /* %{r}; NULL = "unknown" */
	enum spf_scope scope;
	bool sender_id;        /* RFC 4406 record selection (spf2.0/...) */
	unsigned max_void_lookups;      /* 0 = SPF_MAX_VOID_LOOKUPS */
	const char *default_explanation; /* NULL = built-in text */
	long long now;         /* %{t}; 0 = time(NULL) */
	/* Optional trace (spfquery --trace): one line per call. */
	void (*trace)(void *arg, const char *line);
	void *trace_arg;
};

struct spf_response {
	enum res result;
	char *explanation;  /* for fail: exp= text or the default; else NULL */
	char *mechanism;    /* the term that matched ("-all", "default", ...) */
	char *problem;      /* why permerror/temperror, or NULL */
	char *domain;       /* the domain whose record decided */
	char *identity;     /* the checked address: sender, postmaster@helo, ... */
	char *comment;      /* human text for Received-SPF's comment */
	unsigned dns_terms; /* DNS-querying terms used */
	unsigned void_lookups;
	/* Added after the first contract (compatible: spf_check fills it):
	 * the address as checked, in %{c} form: an IPv4-mapped IPv6 address
	 * in IPv4 form, IPv6 compressed in lower case (RFC 5952). */
	char *client_ip;
};

/* Run the check.  Returns 0 with *resp filled (always, whatever the
 * result), or -1 when the request itself is unusable (bad IP text), with
 * resp->problem saying why. */
int spf_check(struct dns_ctx *dns, const struct spf_request *req,
    struct spf_response *resp);
void spf_response_free(struct spf_response *resp); /* fields only */

/* max_void_lookups value that switches the void-lookup limit off (RFC 7208
 * 4.6.4 lets an implementation make the limit configurable). */
#define SPF_VOID_UNLIMITED ((unsigned)-1)

/* The explanation used for fail when neither the domain (exp=) nor the
 * request (default_explanation) gives one; an explain-string, expanded as
 * RFC 7208 section 7 says. */
#define SPF_DEFAULT_EXPLANATION \
	"%{o} does not designate %{c} as a permitted sender"

/*
 * --lint DOMAIN (spf_lint.c): fetch DOMAIN's record and walk it, following
 * include: and redirect= targets that need no macro expansion, to report
 * what a publisher should fix: no record or several records, syntax
 * errors, more than SPF_MAX_DNS_TERMS DNS-querying terms in total, void
 * lookups, more than SPF_MAX_MX_NAMES MX names, "+all"/"?all", the
 * deprecated "ptr" mechanism, unknown modifiers, and so on.  Each finding
 * is one line of text "DOMAIN: what is wrong" (owned by the struct).
 * req may be NULL; only req->sender_id, req->scope and req->trace are used.
 * Returns the number of findings (0: clean).
 */
struct spf_lint {
	char **findings;
	size_t nfindings;
	unsigned dns_terms;    /* DNS-querying terms, includes and redirects too */
	unsigned void_lookups; /* names that exist nowhere or hold no data */
	unsigned records;      /* SPF records fetched (the tree's size) */
	bool macros;           /* some target needed macros: not followed */
	unsigned temperrors;   /* findings that are temporary DNS errors */
};
size_t spf_lint(struct dns_ctx *dns, const char *domain,
    const struct spf_request *req, struct spf_lint *out);
void spf_lint_free(struct spf_lint *l); /* fields only; NULL is a no-op */

/*
 * Pieces of the engine exported for the unit tests and for lint.
 */

/* For the unit tests and the fuzzer only (no program calls it; the engine
 * expands through spf_int.h's spf_macro_expand()).  Macro expansion (RFC
 * 7208 section 7) of s as the request req would see it with <domain> =
 * domain.  explain: s is an explain-string (exp= text:
 * spaces and the letters c, r, t allowed) rather than a domain-spec.
 * dns may be NULL, then %{p} is "unknown".  A domain-spec comes out as the
 * name the engine queries (one trailing dot dropped, truncated from the
 * left to 253 octets: RFC 7208 7.3), an explain-string cut after 500
 * octets.  Returns the expansion (caller frees), or NULL with *err (caller
 * frees) for a syntax error or an unusable req->ip. */
char *spf_expand(struct dns_ctx *dns, const struct spf_request *req,
    const char *domain, const char *s, bool explain, char **err);

/* Record syntax (RFC 7208 sections 4.6, 5, 6, 7.1, 12): record is the
 * whole TXT text, version included ("v=spf1 ..." or, with sender_id,
 * "spf2.0/SCOPES ...").  Returns 0 when it is a valid record, or -1 with
 * the first problem found in *err (caller frees; err may be NULL). */
int spf_record_check(const char *record, size_t len, char **err);

/* Record selection among the TXT records of one answer: RFC 7208 4.5
 * (v=spf1 records only), or with sender_id RFC 4406 4.4 / 3.4 (spf2.0
 * records whose scope list names the scope, "mfrom" or "pra"; if none,
 * v=spf1 records as if "spf2.0/mfrom,pra").  Returns the index of the
 * record to use, -1 when there is none, -2 when there are several
 * (permerror). */
long spf_select_record(const struct dns_answer *ans, enum spf_scope scope,
    bool sender_id);

/* RFC 7208 4.3: whether name (a trailing dot allowed) is usable as the
 * <domain> of check_host(): labels of 1 to 63 octets, at most 253 octets,
 * at least two labels, no domain literal, printable ASCII only. */
bool spf_domain_ok(const char *name);

#endif
