/*
 * spf: check_host() of RFC 7208 section 4, with the record selection of
 * Sender ID (RFC 4406 4.4) when the request asks for it.
 *
 * The record syntax is in spf_parse.c, macro expansion in spf_macro.c,
 * --lint in spf_lint.c.  This file evaluates: mechanisms (RFC 7208 5),
 * modifiers (6), explanations (6.2), and the limits of 4.6.4.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/dns.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/spf_int.h"
#include "common/util.h"

/* The longest sender or receiver name the Received-SPF comment repeats:
 * RFC 5321 4.5.3.1.3 limits a reverse-path to 256 octets, punctuation
 * included, so no address a server accepts by the rules is longer. */
#define SPF_COMMENT_VALUE_MAX 256

/* The outcome of one mechanism (RFC 7208 4.6.2 / 5). */
enum ev {
	EV_NOMATCH,
	EV_MATCH,
	EV_TEMPERROR,
	EV_PERMERROR,
};

/* What one check_host() level reports up. */
struct spf_out {
	char *mech;   /* the term that decided, "default", or NULL */
	char *domain; /* the domain whose record decided */
	char *exp;    /* explanation, for fail when asked for */
};

static enum res check_host(struct spf_ctx *c, const char *domain, bool explain,
                           struct spf_out *o);

static double
monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
spf_vtrace(const struct spf_request *req, int indent, const char *fmt,
           va_list ap)
{
	char *s, *line;

	if (req == NULL || req->trace == NULL)
		return;
	s = xvasprintf(fmt, ap);
	line = xasprintf("%*s%s", indent, "", s);
	req->trace(req->trace_arg, line);
	free(line);
	free(s);
}

void
spf_trace(struct spf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spf_vtrace(c->req, c->depth > 1 ? 2 * (c->depth - 1) : 0, fmt, ap);
	va_end(ap);
}

static void set_problem(struct spf_ctx *c, const char *fmt, ...)
    UTIL_PRINTF(2, 3);

static void
set_problem(struct spf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	spf_trace(c, "error: %s", s);
	if (c->problem == NULL)
		c->problem = s;
	else
		free(s);
}

/* ------------------------------------------------------------------ */
/* The context                                                         */

int
spf_ctx_set_ip(struct spf_ctx *c, const char *text)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
	                                         0, 0, 0, 0, 0xff, 0xff};
	unsigned char a[16];
	size_t i;
	char *p;

	if (text == NULL)
		return -1;
	if (inet_pton(AF_INET, text, a) == 1) {
		c->family = 4;
		memcpy(c->ip, a, 4);
		c->iplen = 4;
	} else if (inet_pton(AF_INET6, text, a) == 1) {
		/* RFC 7208 5: an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2)
		 * is an IPv4 address for SPF. */
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			c->family = 4;
			memcpy(c->ip, a + 12, 4);
			c->iplen = 4;
		} else {
			c->family = 6;
			memcpy(c->ip, a, 16);
			c->iplen = 16;
		}
	} else {
		return -1;
	}
	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->ip, c->ipc,
	          sizeof(c->ipc));
	if (c->family == 4) {
		memcpy(c->ipi, c->ipc, strlen(c->ipc) + 1);
	} else {
		/* RFC 7208 7.3: "i" for IPv6 is the dot-format of the 32
		 * nibbles.  Upper case, as the OpenSPF suite's v-macro-ip6
		 * expects (DNS does not care). */
		p = c->ipi;
		for (i = 0; i < 16; i++) {
			*p++ = "0123456789ABCDEF"[c->ip[i] >> 4];
			*p++ = '.';
			*p++ = "0123456789ABCDEF"[c->ip[i] & 15];
			*p++ = i < 15 ? '.' : '\0';
		}
	}
	return 0;
}

static char *ctx_p(void *arg, const char *domain);

/* The values the macro expander reads (spf_int.h), from c's. */
static void
ctx_macro_vals(struct spf_ctx *c)
{
	struct spf_macro_vals *v = &c->mv;

	memset(v, 0, sizeof(*v));
	v->sender = c->sender;
	v->local = c->local;
	v->sdomain = c->sdomain;
	v->helo = c->helo;
	v->sender_len = c->sender_len;
	v->local_len = c->local_len;
	v->sdomain_len = c->sdomain_len;
	v->helo_len = c->helo_len;
	v->ipi = c->ipi;
	v->ipc = c->ipc;
	v->family = c->family;
	v->receiver = c->receiver;
	v->now = c->now;
	v->p = ctx_p;
	v->p_arg = c;
}

struct spf_ctx *
spf_ctx_new(struct dns_ctx *dns, const struct spf_request *req,
            struct spf_response *resp)
{
	struct spf_ctx *c = xcalloc(1, sizeof(*c));
	const char *sender = req->sender, *at;

	c->dns = dns;
	c->req = req;
	if (spf_ctx_set_ip(c, req->ip) < 0) {
		resp->problem = xasprintf("not an IP address: %s",
		                          req->ip != NULL ? req->ip : "(none)");
		free(c);
		return NULL;
	}
	c->helo = req->helo;
	c->receiver = req->receiver;
	c->now = req->now != 0 ? req->now : (long long)time(NULL);
	c->max_void = req->max_void_lookups != 0 ? req->max_void_lookups
	                                         : SPF_MAX_VOID_LOOKUPS;
	c->start = monotonic();
	/* RFC 7208 2.3: the HELO check uses "postmaster@" HELO; 2.4: so
	 * does a null MAIL FROM. */
	if (req->scope == SPF_SCOPE_HELO || sender == NULL ||
	    sender[0] == '\0') {
		c->local = xstrdup("postmaster");
		c->sdomain = xstrdup(req->helo != NULL ? req->helo : "");
	} else if ((at = strrchr(sender, '@')) == NULL) {
		/* A bare domain: treat it as the domain, local-part
		 * "postmaster" (as Mail::SPF and pyspf do). */
		c->local = xstrdup("postmaster");
		c->sdomain = xstrdup(sender);
	} else {
		/* RFC 7208 4.3: an empty local-part becomes "postmaster". */
		c->local = at == sender
		               ? xstrdup("postmaster")
		               : xstrndup(sender, (size_t)(at - sender));
		c->sdomain = xstrdup(at + 1);
	}
	c->sender = xasprintf("%s@%s", c->local, c->sdomain);
	c->sender_len = strlen(c->sender);
	c->local_len = strlen(c->local);
	c->sdomain_len = strlen(c->sdomain);
	c->helo_len = c->helo != NULL ? strlen(c->helo) : 0;
	ctx_macro_vals(c);
	return c;
}

void
spf_ctx_free(struct spf_ctx *c)
{
	if (c == NULL)
		return;
	UTIL_FREE_ALL(c->sender, c->local, c->sdomain, c->problem, c);
}

/* ------------------------------------------------------------------ */
/* DNS                                                                 */

static const char *
type_name(enum dns_type t)
{
	switch (t) {
	case DNS_T_A:
		return "A";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_MX:
		return "MX";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_TXT:
		return "TXT";
	}
	return "?";
}

static bool
time_left(struct spf_ctx *c)
{
	/* RFC 7208 4.6.4: past the time limit the result is temperror. */
	if (c->expired)
		return false;
	if (monotonic() - c->start > SPF_TIME_LIMIT_SECONDS) {
		set_problem(c, "the check took more than %d seconds",
		            SPF_TIME_LIMIT_SECONDS);
		c->expired = true;
		return false;
	}
	return true;
}

/* A timeout because the per-message DNS budget (dns.h; 20 s by default,
 * the same RFC 7208 4.6.4 figure as SPF_TIME_LIMIT_SECONDS) is spent is
 * the time limit, not one slow name: say so, and end the check as
 * time_left() does. */
static const struct dns_answer *
budget_check(struct spf_ctx *c, const struct dns_answer *a)
{
	if (a->status == DNS_TIMEOUT && !c->expired &&
	    dns_budget_spent(c->dns)) {
		set_problem(c, "DNS lookups took more than %g seconds (the "
		            "DNS budget)", dns_budget(c->dns));
		c->expired = true;
	}
	return a;
}

static const struct dns_answer *
lookup(struct spf_ctx *c, const char *name, enum dns_type type)
{
	static const struct dns_answer expired = {DNS_TIMEOUT, 0, NULL};
	static const struct dns_answer nodns = {DNS_ERROR, 0, NULL};

	if (c->dns == NULL)
		return &nodns;
	if (!time_left(c))
		return &expired;
	return budget_check(c, dns_query(c->dns, name, type));
}

static const struct dns_answer *
lookup_ptr(struct spf_ctx *c)
{
	static const struct dns_answer expired = {DNS_TIMEOUT, 0, NULL};
	static const struct dns_answer nodns = {DNS_ERROR, 0, NULL};

	if (c->dns == NULL)
		return &nodns;
	if (!time_left(c))
		return &expired;
	return budget_check(c, dns_query_ptr(c->dns, c->ip, c->iplen));
}

bool
spf_answer_void(const struct dns_answer *a)
{
	return a->status == DNS_NXDOMAIN || a->status == DNS_NODATA ||
	       (a->status == DNS_OK && a->n == 0);
}

bool
spf_answer_error(const struct dns_answer *a)
{
	return a->status != DNS_OK && a->status != DNS_NXDOMAIN &&
	       a->status != DNS_NODATA;
}

/* RFC 7208 4.6.4: count a DNS-querying term; false past the limit. */
static bool
count_term(struct spf_ctx *c, const char *text)
{
	c->dns_terms++;
	if (c->dns_terms > SPF_MAX_DNS_TERMS) {
		set_problem(c,
		            "%s: more than %d DNS-querying terms (RFC 7208 "
		            "4.6.4)",
		            text, SPF_MAX_DNS_TERMS);
		return false;
	}
	return true;
}

/* RFC 7208 4.6.4: count a void lookup; false past the limit. */
static bool
count_void(struct spf_ctx *c, const char *text)
{
	c->void_lookups++;
	if (c->max_void == SPF_VOID_UNLIMITED)
		spf_trace(c, "void lookup %u (no limit)", c->void_lookups);
	else
		spf_trace(c, "void lookup %u of %u", c->void_lookups,
		          c->max_void);
	if (c->max_void != SPF_VOID_UNLIMITED &&
	    c->void_lookups > c->max_void) {
		set_problem(c,
		            "%s: more than %u void lookups (RFC 7208 "
		            "4.6.4)",
		            text, c->max_void);
		return false;
	}
	return true;
}

/* Whether addr (4 or 16 bytes) is within bits of the client address. */
static bool
cidr_match(const struct spf_ctx *c, const unsigned char *net, int bits)
{
	int full, rest;

	if (bits < 0)
		bits = (int)c->iplen * 8;
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(c->ip, net, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((c->ip[full] ^ net[full]) & (0xff00 >> rest)) == 0;
}

/* Whether name has an address record equal to the client's: the
 * "validation" of RFC 7208 5.5.  1: validated; 0: not (a DNS error skips
 * the name, 5.5); -1: the lookup was void and past the limit (permerror).
 * what names the term or macro, for the problem text. */
static int
name_validates(struct spf_ctx *c, const char *name, const char *what)
{
	const struct dns_answer *a;
	enum dns_type type = c->family == 4 ? DNS_T_A : DNS_T_AAAA;
	size_t i;

	if (!spf_name_ok(name))
		return 0;
	a = lookup(c, name, type);
	if (spf_answer_void(a))
		return count_void(c, what) ? 0 : -1;
	if (a->status != DNS_OK)
		return 0;
	for (i = 0; i < a->n; i++)
		if (memcmp(a->rr[i].addr, c->ip, c->iplen) == 0)
			return 1;
	return 0;
}

/* %{p} (RFC 7208 7.3) for <domain> = domain (caller frees): the macro
 * expander's callback (struct spf_macro_vals). */
static char *
ctx_p(void *arg, const char *domain)
{
	struct spf_ctx *c = arg;
	const struct dns_answer *a = lookup_ptr(c);
	const char *best = NULL;
	int rank = 0;
	size_t i;
	char *ret;

	/* RFC 7208 7.3: the validated domain name of <ip>: <domain> itself
	 * if it validates, else a subdomain of it, else any; "unknown"
	 * when there is none or on a DNS error.  RFC 7208 4.6.4: the
	 * lookups of %{p} count like those of "ptr" (void lookups
	 * included); past the void limit the check is a permerror, which
	 * the caller learns from c->limit_hit. */
	if (spf_answer_void(a)) {
		if (!count_void(c, "%{p}"))
			c->limit_hit = true;
		return xstrdup("unknown");
	}
	if (a->status != DNS_OK)
		return xstrdup("unknown");
	for (i = 0; i < a->n && i < SPF_MAX_PTR_NAMES && rank < 3; i++) {
		const char *name = a->rr[i].data;
		int r, v;

		if (name == NULL)
			continue;
		v = name_validates(c, name, "%{p}");
		if (v < 0) {
			c->limit_hit = true;
			return xstrdup("unknown");
		}
		if (v == 0)
			continue;
		if (!spf_name_in(name, domain))
			r = 1;
		else
			r = spf_name_in(domain, name) ? 3 : 2;
		if (r > rank) {
			rank = r;
			best = name;
		}
	}
	if (best == NULL)
		return xstrdup("unknown");
	ret = xstrdup(best);
	if (ret[0] != '\0' && ret[strlen(ret) - 1] == '.')
		ret[strlen(ret) - 1] = '\0';
	return ret;
}

/* ------------------------------------------------------------------ */
/* Mechanisms (RFC 7208 5)                                             */

/* The target-name of a term: its domain-spec expanded and truncated, or
 * the current domain.  NULL on a macro error (permerror). */
static char *
target_name(struct spf_ctx *c, const char *domain, const char *spec)
{
	struct buf b = BUF_INIT;
	char *err = NULL, *t;

	if (spec == NULL)
		return xstrdup(domain);
	if (spf_macro_expand(&c->mv, domain, spec, strlen(spec), SPF_MS_DOMAIN,
	                     &b, &err) < 0) {
		set_problem(c, "%s: %s", domain, err);
		free(err);
		buf_free(&b);
		return NULL;
	}
	t = buf_detach(&b);
	if (c->limit_hit) {
		/* %{p} went past the void-lookup limit (RFC 7208 4.6.4). */
		free(t);
		return NULL;
	}
	spf_domain_truncate(t);
	return t;
}

static enum ev
dns_error(struct spf_ctx *c, const char *name, enum dns_type type,
          const struct dns_answer *a)
{
	set_problem(c, "DNS %s looking up %s %s", dns_status_name(a->status),
	            type_name(type), name);
	return EV_TEMPERROR;
}

/*
 * The lookup every DNS mechanism but ptr starts with (RFC 7208 5.3, 5.4,
 * 5.7): the answer of type T for NAME, or NULL with *ev the term's result
 * without one.  A name that cannot be a DNS name (empty or overlong label)
 * does not exist (RFC 7208 4.3 by analogy; the suite prefers "no match"
 * for invalid-domain-*); a DNS error is its result (5); a void answer
 * does not match and counts against the limit (4.6.4).
 */
static const struct dns_answer *
mech_lookup(struct spf_ctx *c, const char *name, enum dns_type type,
            const struct spf_term *t, enum ev *ev)
{
	const struct dns_answer *a;

	if (!spf_name_ok(name)) {
		spf_trace(c, "%s: not a valid domain name: no match", name);
		*ev = EV_NOMATCH;
		return NULL;
	}
	a = lookup(c, name, type);
	if (spf_answer_error(a)) {
		*ev = dns_error(c, name, type, a);
		return NULL;
	}
	if (spf_answer_void(a)) {
		*ev = count_void(c, t->text) ? EV_NOMATCH : EV_PERMERROR;
		return NULL;
	}
	return a;
}

/* a, and the address lookups of mx.  RFC 7208 4.6.4: every void answer
 * counts against the void-lookup limit, the address lookups of the MX
 * names too (as pyspf and Mail::SPF count them). */
static enum ev
match_addresses(struct spf_ctx *c, const char *name, const struct spf_term *t)
{
	enum dns_type type = c->family == 4 ? DNS_T_A : DNS_T_AAAA;
	const struct dns_answer *a;
	size_t i;
	enum ev ev;

	if ((a = mech_lookup(c, name, type, t, &ev)) == NULL)
		return ev;
	for (i = 0; i < a->n; i++)
		if (cidr_match(c, a->rr[i].addr,
		               c->family == 4 ? t->cidr4 : t->cidr6))
			return EV_MATCH;
	return EV_NOMATCH;
}

static enum ev
mech_mx(struct spf_ctx *c, const char *name, const struct spf_term *t)
{
	const struct dns_answer *a;
	size_t i;
	enum ev ev;

	if ((a = mech_lookup(c, name, DNS_T_MX, t, &ev)) == NULL)
		return ev;
	/* RFC 7208 4.6.4: an mx mechanism must not look up more than 10
	 * address records' names; more is a permerror. */
	if (a->n > SPF_MAX_MX_NAMES) {
		set_problem(c,
		            "%s: %s has %zu MX records, more than %d (RFC "
		            "7208 4.6.4)",
		            t->text, name, a->n, SPF_MAX_MX_NAMES);
		return EV_PERMERROR;
	}
	for (i = 0; i < a->n; i++) {
		const char *mx = a->rr[i].data;

		/* A null MX (RFC 7505, exchange ".") names no host. */
		if (mx == NULL || mx[0] == '\0' || strcmp(mx, ".") == 0)
			continue;
		ev = match_addresses(c, mx, t);
		if (ev != EV_NOMATCH)
			return ev;
	}
	return EV_NOMATCH;
}

static enum ev
mech_ptr(struct spf_ctx *c, const char *target, const struct spf_term *t)
{
	const struct dns_answer *a = lookup_ptr(c);
	size_t i;
	int v;

	/* RFC 7208 5.5: a DNS error on the PTR lookup: no match. */
	if (spf_answer_error(a))
		return EV_NOMATCH;
	if (spf_answer_void(a))
		return count_void(c, t->text) ? EV_NOMATCH : EV_PERMERROR;
	/* RFC 7208 4.6.4: at most 10 PTR names are looked at; names outside
	 * the target cannot match, so they are not looked up (as Mail::SPF
	 * does).  A void address lookup counts (4.6.4); a DNS error skips
	 * the name (5.5). */
	for (i = 0; i < a->n && i < SPF_MAX_PTR_NAMES; i++) {
		const char *name = a->rr[i].data;

		if (name == NULL || !spf_name_in(name, target))
			continue;
		v = name_validates(c, name, t->text);
		if (v < 0)
			return EV_PERMERROR;
		if (v > 0)
			return EV_MATCH;
	}
	return EV_NOMATCH;
}

static enum ev
mech_exists(struct spf_ctx *c, const char *name, const struct spf_term *t)
{
	enum ev ev;

	/* RFC 7208 5.7: always an A lookup, whatever the client's address
	 * family; any record matches. */
	if (mech_lookup(c, name, DNS_T_A, t, &ev) == NULL)
		return ev;
	return EV_MATCH;
}

static enum ev
mech_include(struct spf_ctx *c, const char *target, const struct spf_term *t)
{
	struct spf_out o = {NULL, NULL, NULL};
	enum res r;

	r = check_host(c, target, false, &o);
	free(o.mech);
	free(o.domain);
	free(o.exp);
	/* RFC 7208 5.2: the table of include results. */
	switch (r) {
	case RES_PASS:
		return EV_MATCH;
	case RES_FAIL:
	case RES_SOFTFAIL:
	case RES_NEUTRAL:
		return EV_NOMATCH;
	case RES_TEMPERROR:
		return EV_TEMPERROR;
	case RES_NONE:
		set_problem(c, "%s: %s has no SPF record", t->text, target);
		return EV_PERMERROR;
	default:
		return EV_PERMERROR;
	}
}

static enum ev
mech_all(struct spf_ctx *c, const char *target, const struct spf_term *t)
{
	(void)c;
	(void)target;
	(void)t;
	return EV_MATCH;
}

static enum ev
mech_ip4(struct spf_ctx *c, const char *target, const struct spf_term *t)
{
	(void)target;
	return c->family == 4 && cidr_match(c, t->net, t->cidr4) ? EV_MATCH
	                                                         : EV_NOMATCH;
}

/* RFC 7208 5.6: an IPv4 client (mapped or not) never matches ip6. */
static enum ev
mech_ip6(struct spf_ctx *c, const char *target, const struct spf_term *t)
{
	(void)target;
	return c->family == 6 && cidr_match(c, t->net, t->cidr6) ? EV_MATCH
	                                                         : EV_NOMATCH;
}

/* Each mechanism (RFC 7208 5): its evaluation, and whether it is one of
 * the DNS-querying terms RFC 7208 4.6.4 counts (then TARGET is its
 * expanded domain-spec, else NULL). */
static const struct {
	enum ev (*eval)(struct spf_ctx *c, const char *target,
	    const struct spf_term *t);
	bool dns;
} mech_table[] = {
	[SPF_M_ALL] = {mech_all, false},
	[SPF_M_INCLUDE] = {mech_include, true},
	[SPF_M_A] = {match_addresses, true},
	[SPF_M_MX] = {mech_mx, true},
	[SPF_M_PTR] = {mech_ptr, true},
	[SPF_M_IP4] = {mech_ip4, false},
	[SPF_M_IP6] = {mech_ip6, false},
	[SPF_M_EXISTS] = {mech_exists, true},
};

static enum ev
eval_term(struct spf_ctx *c, const char *domain, const struct spf_term *t)
{
	char *target = NULL;
	enum ev ev;

	spf_trace(c, "%s: term %s", domain, t->text);
	if (mech_table[t->mech].dns) {
		if (!count_term(c, t->text))
			return EV_PERMERROR;
		spf_trace(c, "DNS-querying terms: %u of %d", c->dns_terms,
		          SPF_MAX_DNS_TERMS);
		target = target_name(c, domain, t->spec);
		if (target == NULL)
			return EV_PERMERROR;
		if (t->spec != NULL)
			spf_trace(c, "target %s", target);
	}
	ev = mech_table[t->mech].eval(c, target, t);
	free(target);
	/* RFC 7208 4.6.4: past the time limit the result is temperror, even
	 * where a failed lookup would only make the term not match (ptr,
	 * 5.5). */
	if (c->expired && ev != EV_PERMERROR)
		ev = EV_TEMPERROR;
	spf_trace(c, "%s: %s", t->text,
	          ev == EV_MATCH       ? "match"
	          : ev == EV_NOMATCH   ? "no match"
	          : ev == EV_TEMPERROR ? "temperror"
	                               : "permerror");
	return ev;
}

/* ------------------------------------------------------------------ */
/* Explanations (RFC 7208 6.2)                                         */

static char *
default_explanation1(struct spf_ctx *c, const char *domain)
{
	const char *text = c->req->default_explanation != NULL
	                       ? c->req->default_explanation
	                       : SPF_DEFAULT_EXPLANATION;
	struct buf b = BUF_INIT;
	char *err = NULL;

	if (spf_macro_expand(&c->mv, domain, text, strlen(text), SPF_MS_EXPLAIN,
	                     &b, &err) < 0) {
		/* Not a valid explain-string: use it as it is. */
		free(err);
		buf_free(&b);
		return xstrdup(text);
	}
	return buf_detach(&b);
}

static char *
explanation1(struct spf_ctx *c, const char *domain, const struct spf_record *r)
{
	const struct dns_answer *a;
	struct buf b = BUF_INIT;
	char *name, *err = NULL;
	size_t i;

	if (r->exp == NULL)
		return default_explanation1(c, domain);
	/* RFC 7208 6.2: macro errors, DNS errors, no record, several
	 * records or a bad explain-string: as if there were no exp=.  The
	 * lookup counts against no limit (exp-void). */
	if (spf_macro_expand(&c->mv, domain, r->exp, strlen(r->exp),
	                     SPF_MS_DOMAIN, &b, &err) < 0) {
		free(err);
		buf_free(&b);
		return default_explanation1(c, domain);
	}
	name = buf_detach(&b);
	spf_domain_truncate(name);
	if (!spf_name_ok(name) || c->dns == NULL) {
		free(name);
		return default_explanation1(c, domain);
	}
	a = dns_query(c->dns, name, DNS_T_TXT);
	free(name);
	if (a->status != DNS_OK || a->n != 1)
		return default_explanation1(c, domain);
	/* RFC 7208 6.2: US-ASCII text only. */
	for (i = 0; i < a->rr[0].len; i++)
		if ((unsigned char)a->rr[0].data[i] < 0x20 ||
		    (unsigned char)a->rr[0].data[i] > 0x7e)
			return default_explanation1(c, domain);
	if (spf_macro_expand(&c->mv, domain, a->rr[0].data, a->rr[0].len,
	                     SPF_MS_EXPLAIN, &b, &err) < 0) {
		spf_trace(c, "exp= text ignored: %s", err);
		free(err);
		buf_free(&b);
		return default_explanation1(c, domain);
	}
	return buf_detach(&b);
}

/* RFC 7208 4.6.4: the explanation is looked up after the result is
 * known and counts against no limit (the suite's exp-void): %{p} in it
 * must not turn a fail into a permerror. */
struct spf_limits {
	unsigned void_lookups, max_void;
	bool limit_hit;
};

static void
limits_off(struct spf_ctx *c, struct spf_limits *save)
{
	save->void_lookups = c->void_lookups;
	save->max_void = c->max_void;
	save->limit_hit = c->limit_hit;
	c->max_void = SPF_VOID_UNLIMITED;
}

static void
limits_restore(struct spf_ctx *c, const struct spf_limits *save)
{
	c->void_lookups = save->void_lookups;
	c->max_void = save->max_void;
	c->limit_hit = save->limit_hit;
}

static char *
default_explanation(struct spf_ctx *c, const char *domain)
{
	struct spf_limits save;
	char *s;

	limits_off(c, &save);
	s = default_explanation1(c, domain);
	limits_restore(c, &save);
	return s;
}

static char *
explanation(struct spf_ctx *c, const char *domain, const struct spf_record *r)
{
	struct spf_limits save;
	char *s;

	limits_off(c, &save);
	s = explanation1(c, domain, r);
	limits_restore(c, &save);
	return s;
}

/* ------------------------------------------------------------------ */
/* check_host() (RFC 7208 4)                                           */

static enum res
qualifier_result(char q)
{
	switch (q) {
	case '-':
		return RES_FAIL;
	case '~':
		return RES_SOFTFAIL;
	case '?':
		return RES_NEUTRAL;
	default:
		return RES_PASS;
	}
}

/* Record lookup and selection (RFC 7208 4.4, 4.5; RFC 4406 4.3, 4.4).
 * Returns RES_PASS with *rec set when there is one record to evaluate,
 * else the result. */
static enum res
find_record(struct spf_ctx *c, const char *domain, struct spf_record **rec)
{
	const struct spf_request *req = c->req;
	const struct dns_answer *a;
	const char *data, *scopes;
	size_t len, vlen, slen, i;
	bool v2;
	long idx;
	bool sender_id = req->sender_id || req->scope == SPF_SCOPE_PRA;

	*rec = NULL;
	/* RFC 7208 4.3: a malformed domain gives none. */
	if (!spf_domain_ok(domain)) {
		spf_trace(c, "%s: not a valid domain: none", domain);
		return RES_NONE;
	}
	a = lookup(c, domain, DNS_T_TXT);
	if (spf_answer_error(a)) {
		dns_error(c, domain, DNS_T_TXT, a);
		return RES_TEMPERROR;
	}
	if (a->status == DNS_NXDOMAIN && c->depth == 1 &&
	    req->scope == SPF_SCOPE_PRA) {
		/* RFC 4406 4.3: for the PRA, a domain that does not exist
		 * is a fail. */
		spf_trace(c, "%s does not exist: fail (RFC 4406 4.3)", domain);
		return RES_FAIL;
	}
	if (spf_answer_void(a))
		return RES_NONE;
	idx = spf_select_record(a, req->scope, sender_id);
	if (idx == -2) {
		set_problem(c,
		            "%s has more than one SPF record (RFC 7208 "
		            "4.5)",
		            domain);
		return RES_PERMERROR;
	}
	if (idx < 0)
		return RES_NONE;
	data = a->rr[idx].data;
	len = a->rr[idx].len;
	vlen = spf_version_len(data, len, sender_id, &v2, &scopes, &slen);
	if (c->req->trace != NULL) {
		struct buf b = BUF_INIT;

		for (i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)data[i];

			if (ch >= 0x20 && ch < 0x7f && ch != '\\')
				buf_addc(&b, (char)ch);
			else
				buf_printf(&b, "\\%03u", ch);
		}
		spf_trace(c, "%s: record \"%s\"", domain,
		          b.data != NULL ? b.data : "");
		buf_free(&b);
	}
	/* RFC 7208 3.1 and 4.6.1: US-ASCII, and terms separated by spaces
	 * only: any control or 8-bit byte is a syntax error. */
	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x20 ||
		    (unsigned char)data[i] > 0x7e) {
			set_problem(c,
			            "%s: invalid character 0x%02x in the "
			            "SPF record",
			            domain, (unsigned char)data[i]);
			return RES_PERMERROR;
		}
	*rec = spf_record_parse(data + vlen, len - vlen);
	if ((*rec)->nerrors > 0) {
		set_problem(c, "%s: %s", domain, (*rec)->errors[0]);
		spf_record_free(*rec);
		*rec = NULL;
		return RES_PERMERROR;
	}
	return RES_PASS;
}

/* RFC 7208 6.1: the redirect= modifier of a record of domain, applied
 * (no mechanism matched): the target's result (and explanation) replaces
 * the record's. */
static enum res
follow_redirect(struct spf_ctx *c, const char *domain, const char *redirect,
                bool explain, struct spf_out *o)
{
	char *text = xasprintf("redirect=%s", redirect), *target;
	enum res r;

	spf_trace(c, "%s: %s", domain, text);
	if (!count_term(c, text)) {
		free(text);
		return RES_PERMERROR;
	}
	spf_trace(c, "DNS-querying terms: %u of %d", c->dns_terms,
	          SPF_MAX_DNS_TERMS);
	target = target_name(c, domain, redirect);
	if (target == NULL) {
		free(text);
		return RES_PERMERROR;
	}
	r = check_host(c, target, explain, o);
	if (r == RES_NONE) {
		/* RFC 7208 6.1: no record, or a malformed target, is a
		 * permerror, not none. */
		set_problem(c, "%s: %s has no SPF record", text, target);
		r = RES_PERMERROR;
	}
	free(target);
	free(text);
	return r;
}

static enum res
check_host(struct spf_ctx *c, const char *domain, bool explain,
           struct spf_out *o)
{
	struct spf_record *rec = NULL;
	enum res r;
	size_t i;

	if (c->depth >= SPF_MAX_DEPTH) {
		set_problem(c, "%s: includes nested too deeply", domain);
		return RES_PERMERROR;
	}
	c->depth++;
	spf_trace(c, "check_host(%s, %s, %s)", c->ipc, domain, c->sender);
	r = find_record(c, domain, &rec);
	if (rec == NULL) {
		if (r == RES_FAIL) {
			o->domain = xstrdup(domain);
			if (explain)
				o->exp = default_explanation(c, domain);
		}
		goto out;
	}
	for (i = 0; i < rec->nterms; i++) {
		const struct spf_term *t = &rec->terms[i];

		switch (eval_term(c, domain, t)) {
		case EV_NOMATCH:
			continue;
		case EV_TEMPERROR:
			r = RES_TEMPERROR;
			goto out;
		case EV_PERMERROR:
			r = RES_PERMERROR;
			goto out;
		case EV_MATCH:
			break;
		}
		r = qualifier_result(t->qual);
		o->mech = xstrdup(t->text);
		o->domain = xstrdup(domain);
		if (r == RES_FAIL && explain)
			o->exp = explanation(c, domain, rec);
		goto out;
	}
	/* RFC 7208 6.1: redirect= applies when no mechanism matched; the
	 * target's result (and explanation) replaces this record's. */
	if (rec->redirect != NULL) {
		r = follow_redirect(c, domain, rec->redirect, explain, o);
		goto out;
	}
	/* RFC 7208 4.7: no match and no redirect: neutral. */
	r = RES_NEUTRAL;
	o->mech = xstrdup("default");
	o->domain = xstrdup(domain);
out:
	spf_trace(c, "check_host(%s) = %s", domain, res_name(r));
	spf_record_free(rec);
	c->depth--;
	return r;
}

/* ------------------------------------------------------------------ */
/* The request                                                         */

/* The comment of Received-SPF (RFC 7208 9.1) is free text, and the
 * result writer keeps it syntactically closed; but filters downstream
 * often split the field on ';' or search it for "key=" words.  So a
 * value taken from the SMTP session shows in the comment only when it
 * holds no white space, ';', quote, parenthesis or backslash (a sender
 * of "x; identity=forged" stays in its quoted envelope-from= value), and
 * is no longer than SPF_COMMENT_VALUE_MAX: the value is in a key of the
 * field anyway, and the comment need not repeat an address of 300 KB. */
static bool
comment_safe(const char *s)
{
	if (strlen(s) > SPF_COMMENT_VALUE_MAX)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= ' ' || ch >= 0x7f || strchr(";\"()\\", ch) != NULL)
			return false;
	}
	return true;
}

static char *
make_comment(const struct spf_ctx *c, const struct spf_response *resp)
{
	const char *rcv = c->receiver, *id = c->sender, *ip = c->ipc;
	const char *problem = resp->problem;
	char *s, *ret;

	if (id == NULL || !comment_safe(id))
		id = "the sender";
	if (rcv != NULL && !comment_safe(rcv))
		rcv = NULL;
	/* problem= holds the same text, quoted; here only when harmless */
	if (problem != NULL && strchr(problem, ';') != NULL)
		problem = NULL;

	switch (resp->result) {
	case RES_PASS:
		s = xasprintf("domain of %s designates %s as permitted sender",
		              id, ip);
		break;
	case RES_FAIL:
		s = xasprintf("domain of %s does not designate %s as permitted "
		              "sender",
		              id, ip);
		break;
	case RES_SOFTFAIL:
		s = xasprintf("domain of transitioning %s does not designate "
		              "%s as permitted sender",
		              id, ip);
		break;
	case RES_NEUTRAL:
		s = xasprintf("%s is neither permitted nor denied by domain "
		              "of %s",
		              ip, id);
		break;
	case RES_NONE:
		s = xasprintf("domain of %s does not designate permitted "
		              "sender hosts",
		              id);
		break;
	default:
		s = xasprintf("error in processing during lookup of %s%s%s", id,
		              problem != NULL ? ": " : "",
		              problem != NULL ? problem : "");
		break;
	}
	if (rcv == NULL || rcv[0] == '\0')
		return s;
	ret = xasprintf("%s: %s", rcv, s);
	free(s);
	return ret;
}

int
spf_check(struct dns_ctx *dns, const struct spf_request *req,
          struct spf_response *resp)
{
	struct spf_ctx *c;
	struct spf_out o = {NULL, NULL, NULL};

	memset(resp, 0, sizeof(*resp));
	c = spf_ctx_new(dns, req, resp);
	if (c == NULL) {
		resp->result = RES_PERMERROR;
		return -1;
	}
	resp->identity = xstrdup(c->sender);
	resp->client_ip = xstrdup(c->ipc);
	resp->result = check_host(c, c->sdomain, true, &o);
	resp->mechanism = o.mech;
	resp->domain = o.domain != NULL ? o.domain : xstrdup(c->sdomain);
	if (resp->result == RES_FAIL)
		resp->explanation =
		    o.exp != NULL ? o.exp : default_explanation(c, c->sdomain);
	else
		free(o.exp);
	if (resp->result == RES_TEMPERROR || resp->result == RES_PERMERROR) {
		resp->problem = c->problem;
		c->problem = NULL;
	}
	resp->dns_terms = c->dns_terms;
	resp->void_lookups = c->void_lookups;
	resp->comment = make_comment(c, resp);
	spf_trace(c,
	          "result %s; DNS-querying terms %u of %d; void lookups "
	          "%u of %u",
	          res_name(resp->result), c->dns_terms, SPF_MAX_DNS_TERMS,
	          c->void_lookups, c->max_void);
	spf_ctx_free(c);
	return 0;
}

void
spf_response_free(struct spf_response *resp)
{
	if (resp == NULL)
		return;
	UTIL_FREE_CLEAR(resp, resp->explanation, resp->mechanism, resp->problem,
	    resp->domain, resp->identity, resp->comment, resp->client_ip);
}

/* For tests and fuzzing (spf.h): one expansion in a fresh context. */
char *
spf_expand(struct dns_ctx *dns, const struct spf_request *req,
           const char *domain, const char *s, bool explain, char **err)
{
	struct spf_response resp;
	struct spf_ctx *c;
	struct buf out = BUF_INIT;
	char *ret = NULL;

	*err = NULL;
	memset(&resp, 0, sizeof(resp));
	c = spf_ctx_new(dns, req, &resp);
	if (c == NULL) {
		*err = resp.problem;
		resp.problem = NULL;
		spf_response_free(&resp);
		return NULL;
	}
	if (domain == NULL)
		domain = c->sdomain;
	if (spf_macro_expand(&c->mv, domain, s, strlen(s),
	                     explain ? SPF_MS_EXPLAIN : SPF_MS_DOMAIN, &out,
	                     err) == 0)
		ret = buf_detach(&out);
	buf_free(&out);
	spf_ctx_free(c);
	spf_response_free(&resp);
	return ret;
}
