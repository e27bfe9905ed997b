/*
 * spf_lint: spfquery --lint.  Fetches a domain's SPF record and walks the
 * tree of include: and redirect= targets (those written without macros:
 * the others depend on the sender or the client), reporting what would
 * make check_host() give permerror or is poor practice (RFC 7208 4.5,
 * 4.6.4, 5.1, 5.5, 6.1, 3.4).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/spf.h"
#include "common/spf_int.h"
#include "common/util.h"

/* RFC 7208 3.4: a record that fits one 512-octet UDP answer; the RFC
 * suggests keeping it under 450 octets. */
#define SPF_LINT_MAX_RECORD 450
/* How deep and how wide the walk goes: enough to show a chain well past
 * the limit of 10, small enough that a hostile tree stays cheap. */
#define SPF_LINT_MAX_DEPTH 30
#define SPF_LINT_MAX_RECORDS 100

struct lint {
	struct dns_ctx *dns;
	const struct spf_request *req;
	struct spf_lint *out;
	const char *path[SPF_LINT_MAX_DEPTH + 1];
	int depth;
	bool sender_id;
	enum spf_scope scope;
};

static void finding(struct lint *l, const char *fmt, ...) UTIL_PRINTF(2, 3);

static void
finding(struct lint *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_strv_vpushf(&l->out->findings, &l->out->nfindings, fmt, ap);
	va_end(ap);
}

static void trace(struct lint *l, const char *fmt, ...) UTIL_PRINTF(2, 3);

static void
trace(struct lint *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spf_vtrace(l->req, 2 * l->depth, fmt, ap);
	va_end(ap);
}

static bool
has_macro(const char *s)
{
	return strchr(s, '%') != NULL;
}

static void
void_lookup(struct lint *l, const char *domain, const char *term,
            const char *what)
{
	l->out->void_lookups++;
	finding(l, "%s: %s: %s (a void lookup, RFC 7208 4.6.4)", domain, term,
	        what);
}

/* a: and exists: targets without macros: does the name hold addresses? */
static void
check_addresses(struct lint *l, const char *domain, const struct spf_term *t,
                const char *name)
{
	const struct dns_answer *a4, *a6;

	if (!spf_name_ok(name)) {
		finding(l, "%s: %s: '%s' is not a valid domain name", domain,
		        t->text, name);
		return;
	}
	a4 = dns_query(l->dns, name, DNS_T_A);
	if (t->mech == SPF_M_EXISTS) {
		if (spf_answer_error(a4)) {
			l->out->temperrors++;
			finding(l, "%s: %s: DNS %s looking up A %s", domain,
			        t->text, dns_status_name(a4->status), name);
		} else if (spf_answer_void(a4))
			void_lookup(l, domain, t->text,
			            a4->status == DNS_NXDOMAIN
			                ? "the name does not exist"
			                : "the name has no A record");
		return;
	}
	a6 = dns_query(l->dns, name, DNS_T_AAAA);
	if (spf_answer_error(a4) || spf_answer_error(a6)) {
		l->out->temperrors++;
		finding(
		    l, "%s: %s: DNS %s looking up the addresses of %s", domain,
		    t->text,
		    dns_status_name(spf_answer_error(a4) ? a4->status
		                                         : a6->status),
		    name);
	} else if (spf_answer_void(a4) && spf_answer_void(a6))
		void_lookup(l, domain, t->text,
		            a4->status == DNS_NXDOMAIN
		                ? "the name does not exist"
		                : "the name has no A or AAAA "
		                  "record");
}

static void
check_mx(struct lint *l, const char *domain, const struct spf_term *t,
         const char *name)
{
	const struct dns_answer *a;

	if (!spf_name_ok(name)) {
		finding(l, "%s: %s: '%s' is not a valid domain name", domain,
		        t->text, name);
		return;
	}
	a = dns_query(l->dns, name, DNS_T_MX);
	if (spf_answer_error(a)) {
		l->out->temperrors++;
		finding(l, "%s: %s: DNS %s looking up MX %s", domain, t->text,
		        dns_status_name(a->status), name);
	} else if (spf_answer_void(a))
		void_lookup(l, domain, t->text,
		            a->status == DNS_NXDOMAIN
		                ? "the name does not exist"
		                : "the name has no MX record");
	else if (a->n > SPF_MAX_MX_NAMES)
		finding(l,
		        "%s: %s: %s has %zu MX records, more than %d "
		        "(RFC 7208 4.6.4: permerror)",
		        domain, t->text, name, a->n, SPF_MAX_MX_NAMES);
}

static void walk(struct lint *l, const char *domain, const char *via);

static void
follow(struct lint *l, const char *domain, const char *text, const char *spec)
{
	char *target;

	if (has_macro(spec)) {
		l->out->macros = true;
		trace(l, "%s: %s: target has macros, not followed", domain,
		      text);
		return;
	}
	target = xstrdup(spec);
	spf_domain_truncate(target);
	walk(l, target, text);
	free(target);
}

static void
check_terms(struct lint *l, const char *domain, const struct spf_record *r)
{
	size_t i;

	for (i = 0; i < r->nterms; i++) {
		const struct spf_term *t = &r->terms[i];
		const char *name = t->spec != NULL ? t->spec : domain;
		bool macro = t->spec != NULL && has_macro(t->spec);
		char *n;

		if (t->mech != SPF_M_ALL && t->mech != SPF_M_IP4 &&
		    t->mech != SPF_M_IP6) {
			l->out->dns_terms++;
			trace(l, "%s: %s: DNS-querying term %u", domain,
			      t->text, l->out->dns_terms);
		}
		switch (t->mech) {
		case SPF_M_ALL:
			if (t->qual == '+')
				finding(l,
				        "%s: '%s' lets every host on the "
				        "Internet pass",
				        domain, t->text);
			else if (t->qual == '?')
				finding(l,
				        "%s: '%s' makes the result neutral "
				        "for every other host: no protection",
				        domain, t->text);
			if (i + 1 < r->nterms)
				finding(l,
				        "%s: terms after '%s' are never "
				        "used",
				        domain, t->text);
			break;
		case SPF_M_PTR:
			finding(l,
			        "%s: '%s': the ptr mechanism is "
			        "deprecated (RFC 7208 5.5: SHOULD NOT be used)",
			        domain, t->text);
			break;
		case SPF_M_A:
		case SPF_M_EXISTS:
		case SPF_M_MX:
			if (macro) {
				l->out->macros = true;
				break;
			}
			n = xstrdup(name);
			spf_domain_truncate(n);
			if (t->mech == SPF_M_MX)
				check_mx(l, domain, t, n);
			else
				check_addresses(l, domain, t, n);
			free(n);
			break;
		case SPF_M_INCLUDE:
			follow(l, domain, t->text, t->spec);
			break;
		case SPF_M_IP4:
		case SPF_M_IP6:
			break;
		}
	}
}

/* DOMAIN's SPF record (RFC 7208 4.5), counted, with a finding and NULL
 * when there is none to check; *lenp its length. */
static const char *
fetch_record(struct lint *l, const char *domain, const char *via,
             size_t *lenp)
{
	const struct dns_answer *a;
	const char *data;
	size_t len, i;
	long idx;

	if (!spf_domain_ok(domain)) {
		finding(l, "%s: not a valid domain name%s%s", domain,
		        via != NULL ? " in " : "", via != NULL ? via : "");
		return NULL;
	}
	trace(l, "%s: fetching the SPF record", domain);
	a = dns_query(l->dns, domain, DNS_T_TXT);
	if (spf_answer_error(a)) {
		l->out->temperrors++;
		finding(l, "%s: DNS %s looking up TXT (temperror)", domain,
		        dns_status_name(a->status));
		return NULL;
	}
	idx = spf_select_record(a, l->scope, l->sender_id);
	if (idx == -2) {
		finding(l,
		        "%s: several SPF records (RFC 7208 4.5: "
		        "permerror)",
		        domain);
		return NULL;
	}
	if (idx < 0) {
		if (via != NULL && a->status == DNS_NXDOMAIN)
			l->out->void_lookups++;
		finding(l, "%s: %s%s%s", domain,
		        a->status == DNS_NXDOMAIN ? "the domain does not exist"
		                                  : "no SPF record",
		        via != NULL ? ", but " : "", via != NULL ? via : "");
		if (via != NULL)
			finding(l,
			        "%s: %s gives permerror (RFC 7208 5.2, "
			        "6.1)",
			        l->path[l->depth - 1], via);
		return NULL;
	}
	l->out->records++;
	data = a->rr[idx].data;
	len = a->rr[idx].len;
	for (i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x20 ||
		    (unsigned char)data[i] > 0x7e) {
			finding(
			    l,
			    "%s: invalid character 0x%02x in the "
			    "record (RFC 7208 3.1: printable US-ASCII only)",
			    domain, (unsigned char)data[i]);
			return NULL;
		}
	trace(l, "%s: \"%.*s\"", domain, (int)len, data);
	*lenp = len;
	return data;
}

static void
walk(struct lint *l, const char *domain, const char *via)
{
	struct spf_record *r;
	const char *data, *scopes;
	size_t len, vlen, slen, i;
	bool v2;
	int d;

	for (d = 0; d < l->depth; d++)
		if (util_strcaseeq(l->path[d], domain)) {
			finding(l,
			        "%s: %s loops back to %s (RFC 7208 4.6.4: "
			        "permerror once the limit is hit)",
			        l->path[l->depth - 1], via, domain);
			return;
		}
	if (l->depth >= SPF_LINT_MAX_DEPTH ||
	    l->out->records >= SPF_LINT_MAX_RECORDS) {
		finding(l,
		        "%s: includes nested too deeply or too many; "
		        "stopped here",
		        domain);
		return;
	}
	if ((data = fetch_record(l, domain, via, &len)) == NULL)
		return;
	if (len > SPF_LINT_MAX_RECORD)
		finding(l,
		        "%s: the record is %zu octets; keep it under %d "
		        "(RFC 7208 3.4)",
		        domain, len, SPF_LINT_MAX_RECORD);
	vlen = spf_version_len(data, len, l->sender_id, &v2, &scopes, &slen);
	r = spf_record_parse(data + vlen, len - vlen);
	for (i = 0; i < r->nerrors; i++)
		finding(l, "%s: syntax: %s (permerror)", domain, r->errors[i]);
	for (i = 0; i < r->nmods; i++)
		finding(l, "%s: unknown modifier '%s=' is ignored", domain,
		        r->mods[i].name);
	l->path[l->depth++] = domain;
	check_terms(l, domain, r);
	if (r->redirect != NULL) {
		char *text = xasprintf("redirect=%s", r->redirect);

		if (r->has_all) {
			finding(l,
			        "%s: '%s' is ignored because the record has "
			        "'all' (RFC 7208 6.1)",
			        domain, text);
		} else {
			l->out->dns_terms++;
			trace(l, "%s: %s: DNS-querying term %u", domain, text,
			      l->out->dns_terms);
			follow(l, domain, text, r->redirect);
		}
		free(text);
	}
	l->depth--;
	spf_record_free(r);
}

size_t
spf_lint(struct dns_ctx *dns, const char *domain, const struct spf_request *req,
         struct spf_lint *out)
{
	struct lint l;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	l.dns = dns;
	l.req = req;
	l.out = out;
	l.scope = req != NULL ? req->scope : SPF_SCOPE_MFROM;
	l.sender_id =
	    req != NULL && (req->sender_id || req->scope == SPF_SCOPE_PRA);
	if (l.scope == SPF_SCOPE_HELO)
		l.scope = SPF_SCOPE_MFROM;
	walk(&l, domain, NULL);
	if (out->dns_terms > SPF_MAX_DNS_TERMS)
		finding(&l,
		        "%s: %u DNS-querying terms in total, more than %d "
		        "(RFC 7208 4.6.4: permerror)",
		        domain, out->dns_terms, SPF_MAX_DNS_TERMS);
	if (out->void_lookups > SPF_MAX_VOID_LOOKUPS)
		finding(&l,
		        "%s: %u void lookups in total, more than %d (RFC "
		        "7208 4.6.4: permerror)",
		        domain, out->void_lookups, SPF_MAX_VOID_LOOKUPS);
	return out->nfindings;
}

void
spf_lint_free(struct spf_lint *l)
{
	if (l == NULL)
		return;
	util_strv_free(l->findings, l->nfindings);
	memset(l, 0, sizeof(*l));
}
