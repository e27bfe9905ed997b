/*
 * spf_int: declarations shared by the SPF engine's files (spf.c,
 * spf_parse.c, spf_macro.c, spf_lint.c).  Not a contract: nothing outside
 * common/spf*.c includes it.  Calls go one way: spf.c uses spf_parse.c
 * and spf_macro.c; spf_macro.c uses spf_parse.c (syntax) only; spf_lint.c
 * uses spf_parse.c and spf.c's spf_vtrace() (one trace line format).
 *
 * Error convention (STYLE.md): functions that can fail return 0, or -1
 * with a message in *err that the caller frees.
 */
#ifndef COMMON_SPF_INT_H
#define COMMON_SPF_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/spf.h"
#include "common/util.h"

/* RFC 7208 4.3 and 7.3: domain names of at most 253 octets (without the
 * trailing dot); longer expansions are truncated from the left. */
#define SPF_MAX_DOMAIN 253
/* A recursion guard besides the term limit: include and redirect each
 * count as a DNS-querying term, so SPF_MAX_DNS_TERMS + 1 levels is the
 * most a valid check can reach. */
#define SPF_MAX_DEPTH (SPF_MAX_DNS_TERMS + 2)

enum spf_mech {
	SPF_M_ALL,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS,
};

/* One directive (RFC 7208 4.6.1). */
struct spf_term {
	char qual; /* '+', '-', '~' or '?' ('+' when not written) */
	enum spf_mech mech;
	char *text;            /* the term as written */
	char *spec;            /* domain-spec, or NULL (a, mx, ptr default) */
	int cidr4, cidr6;      /* prefix lengths; -1 when not written */
	unsigned char net[16]; /* ip4 (4 bytes) / ip6 network */
};

/* An unknown modifier (kept for lint). */
struct spf_modifier {
	char *name;
	char *value;
};

struct spf_record {
	struct spf_term *terms;
	size_t nterms;
	char *redirect; /* redirect= domain-spec, or NULL */
	char *exp;      /* exp= domain-spec, or NULL */
	struct spf_modifier *mods;
	size_t nmods;
	char **errors; /* syntax errors, in record order */
	size_t nerrors;
	bool has_all;
};

/* Kinds of macro-string (RFC 7208 7.1). */
enum spf_mstr {
	SPF_MS_DOMAIN,   /* domain-spec: letters s l o d i p h v */
	SPF_MS_EXPLAIN,  /* explain-string: also c r t, and SP */
	SPF_MS_MODIFIER, /* unknown-modifier value: any macro-letter */
};

/* spf_parse.c */
/* Parse the terms of a record: s..s+len is what follows the version
 * (starts with SP or is empty).  Never NULL; check r->nerrors. */
struct spf_record *spf_record_parse(const char *s, size_t len);
void spf_record_free(struct spf_record *r);
/* Length of the version token (and scope) a record starts with, or 0 when
 * it is no SPF record: for "v=spf1" sets *v2 = false; for
 * "spf2.N/scopes" (only when sender_id) sets *v2 = true and *scopes,
 * *scopeslen to the scope list. */
size_t spf_version_len(const char *s, size_t len, bool sender_id, bool *v2,
                       const char **scopes, size_t *scopeslen);
/* Syntax check of a macro-string: 0, or -1 with an error text in *err
 * (caller frees; err may be NULL).  *ends_in_macro tells whether the last
 * token is a macro-expand (may be NULL). */
int spf_mstr_check(const char *s, size_t len, enum spf_mstr kind,
                   bool *ends_in_macro, char **err);
/* domain-spec = macro-string domain-end: 0, or -1 with *err as above. */
int spf_domain_spec_check(const char *s, size_t len, char **err);
/* Strip one trailing dot and truncate to SPF_MAX_DOMAIN octets by removing
 * labels from the left (RFC 7208 7.3); in place. */
void spf_domain_truncate(char *name);
/* Whether name can be sent as a query: labels 1..63 octets, <= 253 total
 * (one trailing dot ignored), any octets: lex_check_domain() with
 * LEX_DN_TRAILING_DOT. */
bool spf_name_ok(const char *name);
/* Case-insensitive: name equals domain or ends with "." domain. */
bool spf_name_in(const char *name, const char *domain);

/*
 * What a macro expansion (spf_macro.c, RFC 7208 7.3) reads: the values of
 * the macro letters, given by the caller (spf.c) so that the expander
 * needs nothing of the evaluation context.  Strings are borrowed; lengths
 * are those of the strings (0 when NULL).  %{p} needs DNS, so it is a
 * callback: p(p_arg, domain) returns the validated name (caller frees).
 */
struct spf_macro_vals {
	const char *sender;  /* %{s} */
	const char *local;   /* %{l} */
	const char *sdomain; /* %{o} */
	const char *helo;    /* %{h}, NULL when none */
	size_t sender_len, local_len, sdomain_len, helo_len;
	const char *ipi;                             /* %{i} */
	const char *ipc;                             /* %{c} */
	int family;                                  /* %{v}: 4 or 6 */
	const char *receiver;                        /* %{r}, NULL when none */
	long long now;                               /* %{t} */
	char *(*p)(void *p_arg, const char *domain); /* %{p} */
	void *p_arg;
	/* The expander's cache (zero it once; keep it while the values do
	 * not change): for the long values (s, l, o, h, in that order) and
	 * each delimiter of RFC 7208 7.1, one more than the offset of its
	 * first occurrence past the bytes a domain-spec can use (the
	 * value's length + 1 when none); 0 when not looked for yet. */
	size_t far_delim[4][7];
};

/* The evaluation context of one check (spf.c). */
struct spf_ctx {
	struct dns_ctx *dns;
	const struct spf_request *req;
	int family;           /* 4 or 6 */
	unsigned char ip[16]; /* network order; 4 bytes used for IPv4 */
	size_t iplen;
	char ipc[64];         /* %{c} */
	char ipi[80];         /* %{i} */
	char *sender;         /* %{s} */
	char *local;          /* %{l} */
	char *sdomain;        /* %{o} */
	const char *helo;     /* %{h} */
	const char *receiver; /* %{r} */
	/* lengths of sender, local, sdomain and helo (0 when NULL) */
	size_t sender_len, local_len, sdomain_len, helo_len;
	struct spf_macro_vals mv; /* the above, for spf_macro_expand() */
	long long now;            /* %{t} */
	unsigned dns_terms;
	unsigned void_lookups;
	unsigned max_void;
	bool limit_hit; /* %{p} went past the void-lookup limit */
	bool expired;   /* past SPF_TIME_LIMIT_SECONDS */
	double start;   /* monotonic clock at the start */
	char *problem;  /* first error met, for Received-SPF */
	int depth;
};

/* spf.c */
/* A context for req: parses the address and the identity.  NULL when the
 * address is unusable, with resp->problem set. */
struct spf_ctx *spf_ctx_new(struct dns_ctx *dns, const struct spf_request *req,
                            struct spf_response *resp);
void spf_ctx_free(struct spf_ctx *c); /* NULL is a no-op */
/* Fill the address fields of c from text; -1 when it is no address. */
int spf_ctx_set_ip(struct spf_ctx *c, const char *text);
void spf_trace(struct spf_ctx *c, const char *fmt, ...) UTIL_PRINTF(2, 3);
/* RFC 7208 4.6.4: a void lookup (NXDOMAIN, or no answer records), and a
 * DNS error that is neither (a temperror), for spf.c and spf_lint.c. */
bool spf_answer_void(const struct dns_answer *a);
bool spf_answer_error(const struct dns_answer *a);
/* One line of req's trace (when it has one), indented by indent spaces:
 * spf_trace's and spf_lint.c's. */
void spf_vtrace(const struct spf_request *req, int indent, const char *fmt,
                va_list ap) UTIL_PRINTF(3, 0);

/* spf_macro.c: calls nothing in spf.c (the values come in v) */
/* Expand s..s+len (already syntax-checked or not: errors are reported)
 * into out.  A domain-spec comes out truncated as RFC 7208 7.3 says (one
 * trailing dot dropped, labels removed from the left past 253 octets), an
 * explain-string cut after SPF_EXPLAIN_MAX octets; memory and time stay
 * bounded whatever the sizes of s and of the values (spf_macro.c).
 * Returns 0, or -1 with *err set (caller frees). */
int spf_macro_expand(struct spf_macro_vals *v, const char *domain,
                     const char *s, size_t len, enum spf_mstr kind,
                     struct buf *out, char **err);

#endif
