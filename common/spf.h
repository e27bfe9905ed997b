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
};

/* Run the check.  Returns 0 with *resp filled (always, whatever the
 * result), or -1 when the request itself is unusable (bad IP text), with
 * resp->problem saying why. */
int spf_check(struct dns_ctx *dns, const struct spf_request *req,
    struct spf_response *resp);
void spf_response_free(struct spf_response *resp); /* fields only */

#endif
