/*
 * dmarc_lint: authcheck --lint's DMARC part (see common/dmarc.h).  The
 * record a Domain Owner publishes, read as a receiver reads it (RFC 9989
 * 4.7, 4.8, 4.10), with what a receiver would ignore or refuse named.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/dmarc.h"
#include "common/util.h"

#define FINDING(...)                                                           \
	util_strv_pushf(&out->findings, &out->nfindings, __VA_ARGS__)
#define NOTE(...) util_strv_pushf(&out->notes, &out->nnotes, __VA_ARGS__)

/* A printable copy of TXT data for messages (control bytes as '?'). */
static char *
printable(const char *s, size_t len)
{
	char *d = xmalloc(len + 1);
	size_t i;

	for (i = 0; i < len; i++)
		d[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f
		    ? '?' : s[i];
	d[len] = '\0';
	return d;
}

/* The findings on the record found at Q (the first step of the walk
 * from START, whose Organizational Domain is ORG). */
static void
lint_record(struct dmarc_lint *out, const char *q,
    const struct dmarc_step *s0, const char *start, const char *org)
{
	const struct dmarc_record *r = &s0->rec;
	struct dmarc_record again;
	char *why = NULL;

	dmarc_record_parse(r->text, strlen(r->text), &again, &why);
	dmarc_record_free(&again);
	if (s0->rec_status == DMARC_REC_NO_POLICY)
		FINDING("%s: %s (RFC 9989 4.10.1)", q,
		    why != NULL ? why : "invalid p, sp or np");
	else if (why != NULL)
		FINDING("%s: %s", q, why);
	free(why);
	if (!r->p_given)
		FINDING("%s: no p= tag: read as p=none; p= is "
		    "RECOMMENDED (RFC 9989 4.7)", q);
	if (r->removed_tags)
		FINDING("%s: pct=, rf= or ri=: removed by RFC 9989 "
		    "(Appendix A.6), ignored by its receivers; use "
		    "t=y instead of pct", q);
	if (r->rua != NULL && !r->rua_valid)
		FINDING("%s: rua=%s holds no valid URI (RFC 9989 4.8 "
		    "dmarc-uri)", q, r->rua);
	if (r->rua == NULL)
		NOTE("%s: no rua=: no aggregate reports will be sent "
		    "(RFC 9989 4.7)", q);
	if (s0->rec_status == DMARC_REC_OK && !r->p_as_none &&
	    r->p == DMARC_POLICY_NONE)
		NOTE("%s: p=none: monitoring mode (RFC 9989 3.2.12)",
		    q);
	if (r->testing)
		NOTE("%s: t=y: receivers apply one level below the "
		    "policy (RFC 9989 4.7 \"t\")", q);
	if ((r->sp != DMARC_POLICY_UNSET ||
	    r->np != DMARC_POLICY_UNSET) && strcmp(org, start) != 0)
		NOTE("%s: sp= and np= are not used: %s is below its "
		    "Organizational Domain %s (RFC 9989 4.7 \"sp\")",
		    q, start, org);
	if (r->psd == DMARC_PSD_Y)
		NOTE("%s: psd=y: published as a Public Suffix Domain "
		    "(RFC 9989 4.7 \"psd\")", q);
}

size_t
dmarc_lint(struct dns_ctx *dns, const char *domain, struct dmarc_lint *out)
{
	const struct dns_answer *ans;
	struct dmarc_walk w;
	const struct dmarc_step *s0;
	char *q, *org;
	size_t i;

	memset(out, 0, sizeof(*out));
	dmarc_walk(dns, domain, &w);
	s0 = &w.step[0];
	org = dmarc_org_domain(&w);
	q = xasprintf("_dmarc.%s", w.start);
	if (s0->fetch == DMARC_TEMP) {
		FINDING("%s: DNS query failed (%s): try again later", q,
		    dns_status_name(s0->dns));
		out->temperrors++;
		goto done;
	}
	/* The raw TXT records, for what the walk discarded. */
	ans = dns_query(dns, q, DNS_T_TXT);
	for (i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		const char *t = ans->rr[i].data;
		size_t len = ans->rr[i].len;
		if (len < 8 || memcmp(t, "v=DMARC1", 8) != 0) {
			if (memmem(t, len, "v=DMARC1", 8) != NULL ||
			    (len >= 8 && util_strcaseeq_n(t, 8,
			    "v=dmarc1", 8))) {
				char *p = printable(t, len);
				FINDING("%s: \"%s\": v=DMARC1 must come first, "
				    "exactly so: receivers ignore this record "
				    "(RFC 9989 4.7 \"v\")", q, p);
				free(p);
			}
		}
	}
	if (s0->ndmarc > 1)
		FINDING("%s: %u DMARC records: receivers discard them all "
		    "(RFC 9989 4.10 step 2); publish one", q, s0->ndmarc);
	if (s0->fetch != DMARC_FOUND) {
		size_t k;
		for (k = 1; k < w.n; k++)
			if (w.step[k].fetch == DMARC_FOUND)
				break;
		if (w.temperror) {
			FINDING("%s: no record, and the DNS Tree Walk above it "
			    "failed temporarily: try again later", q);
			out->temperrors++;
		} else if (k < w.n)
			NOTE("%s: no record; the DNS Tree Walk finds "
			    "_dmarc.%s (Organizational Domain %s), whose sp= "
			    "or np= (else p=) applies (RFC 9989 4.10.1)", q,
			    w.step[k].domain, org);
		else if (s0->ndmarc <= 1)
			FINDING("%s: no DMARC record here or above: receivers "
			    "apply no DMARC (RFC 9989 4.10.1)", q);
		goto done;
	}

	lint_record(out, q, s0, w.start, org);
done:
	free(q);
	free(org);
	dmarc_walk_free(&w);
	return out->nfindings;
}

void
dmarc_lint_free(struct dmarc_lint *l)
{
	if (l == NULL)
		return;
	util_strv_free(l->findings, l->nfindings);
	util_strv_free(l->notes, l->nnotes);
	memset(l, 0, sizeof(*l));
}
