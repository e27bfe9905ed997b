/*
 * dmarc-t: DMARC (RFC 9989): record reading (4.7, 4.8, 4.10.1), the DNS
 * Tree Walk (4.10) on the examples of Appendix B.4 and 4.10.2, the
 * Organizational Domain, alignment (3.2.10, Appendix B.1), the policy
 * that applies (p, sp, np: 4.10.1), several records at one name, and the
 * Author Domain (5.3.1).  DNS comes from zone files in t/data/dmarc (no
 * network: the only nameserver is a closed port).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/dmarc.h"
#include "common/msg.h"
#include "t/tap/basic.h"

static struct dns_ctx *
zones(void)
{
	static const char *files[] = {"data/dmarc/b41.zone",
	    "data/dmarc/b43.zone", "data/dmarc/net.zone",
	    "data/dmarc/policy.zone"};
	struct dns_ctx *c;
	char *err = NULL;
	size_t i;

	c = dns_new(&err);
	if (c == NULL)
		bail("dns_new: %s", err);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (dns_load_zone(c, test_file(files[i]), &err) < 0)
			bail("%s: %s", files[i], err);
	if (dns_add_nameserver(c, "127.0.0.1@9", &err) < 0)
		bail("nameserver: %s", err);
	dns_set_timeout(c, 1);
	return c;
}

/* ------------------------------------------------------------ parsing */

static enum dmarc_rec_status
parse(const char *s, struct dmarc_record *r)
{
	return dmarc_record_parse(s, strlen(s), r, NULL);
}

static void
test_parse(void)
{
	struct dmarc_record r;
	char *why = NULL;
	const char *s;

	is_int(DMARC_REC_OK, parse("v=DMARC1; p=reject", &r), "minimal record");
	is_int(DMARC_POLICY_REJECT, r.p, "p=reject");
	is_int(DMARC_POLICY_UNSET, r.sp, "sp absent");
	is_int(DMARC_PSD_U, r.psd, "psd defaults to u");
	ok(!r.adkim_strict && !r.aspf_strict, "adkim and aspf default to r");
	ok(!r.testing, "t defaults to n");
	dmarc_record_free(&r);

	s = "v=DMARC1;p=quarantine;sp=none;np=reject;adkim=s;aspf=s;t=y;"
	    "psd=n;rua=mailto:a@example.com;ruf=mailto:f@example.com;fo=1:d;";
	is_int(DMARC_REC_OK, parse(s, &r), "every tag, no spaces, final ;");
	ok(r.p == DMARC_POLICY_QUARANTINE && r.sp == DMARC_POLICY_NONE &&
	    r.np == DMARC_POLICY_REJECT, "p, sp, np");
	ok(r.adkim_strict && r.aspf_strict && r.testing &&
	    r.psd == DMARC_PSD_N, "adkim=s aspf=s t=y psd=n");
	is_string("mailto:a@example.com", r.rua, "rua kept");
	ok(r.rua_valid, "rua is a valid URI");
	is_string("1:d", r.fo, "fo kept");
	dmarc_record_free(&r);

	is_int(DMARC_REC_OK, parse("v=DMARC1 ;\t P = Reject ; PSD=Y", &r),
	    "WSP around = and ;, tag names and values in any case");
	ok(r.p == DMARC_POLICY_REJECT && r.psd == DMARC_PSD_Y,
	    "... read as p=reject psd=y");
	dmarc_record_free(&r);

	/* 4.7 "v": first, exactly DMARC1. */
	is_int(DMARC_REC_NOT_DMARC, parse("p=reject; v=DMARC1", &r),
	    "v= not first: ignored");
	dmarc_record_free(&r);
	is_int(DMARC_REC_NOT_DMARC, parse("v=dmarc1; p=reject", &r),
	    "v=dmarc1: the value is case sensitive");
	dmarc_record_free(&r);
	is_int(DMARC_REC_NOT_DMARC, parse("v=DMARC1 p=reject", &r),
	    "v=DMARC1 without a separator");
	dmarc_record_free(&r);
	is_int(DMARC_REC_NOT_DMARC, parse("v=spf1 -all", &r), "an SPF record");
	dmarc_record_free(&r);
	is_int(DMARC_REC_NOT_DMARC, parse("", &r), "empty record");
	dmarc_record_free(&r);
	is_int(DMARC_REC_OK, parse("v=DMARC1", &r),
	    "v=DMARC1 alone: p absent is p=none (4.7)");
	is_int(DMARC_POLICY_NONE, r.p, "... p=none");
	dmarc_record_free(&r);

	/* Unknown and removed tags are ignored (4.7). */
	is_int(DMARC_REC_OK, parse("v=DMARC1; p=reject; pct=10; rf=afrf; "
	    "ri=3600; future=whatever", &r), "pct, rf, ri, unknown tag");
	is_int(DMARC_POLICY_REJECT, r.p, "... still p=reject");
	dmarc_record_free(&r);
	is_int(DMARC_REC_OK, parse("v=DMARC1; p=reject; adkim=x; t=maybe; "
	    "psd=q", &r), "bad adkim, t, psd values fall back to defaults");
	ok(!r.adkim_strict && !r.testing && r.psd == DMARC_PSD_U,
	    "... r, n, u");
	dmarc_record_free(&r);

	/* 4.10.1: an invalid p (or sp, np) with a valid rua is p=none,
	 * without one DMARC does not apply. */
	s = "v=DMARC1; p=bogus; rua=mailto:r@example.com";
	is_int(DMARC_REC_OK, dmarc_record_parse(s, strlen(s), &r, &why),
	    "invalid p, valid rua: usable");
	ok(r.p == DMARC_POLICY_NONE && r.p_as_none, "... as p=none");
	ok(why != NULL && strstr(why, "p=none") != NULL, "... and says so");
	free(why);
	dmarc_record_free(&r);
	is_int(DMARC_REC_NO_POLICY, parse("v=DMARC1; p=bogus", &r),
	    "invalid p, no rua: DMARC does not apply");
	dmarc_record_free(&r);
	is_int(DMARC_REC_NO_POLICY, parse("v=DMARC1; p=reject; sp=maybe; "
	    "rua=not a uri", &r), "invalid sp, invalid rua: does not apply");
	dmarc_record_free(&r);
	is_int(DMARC_REC_OK, parse("v=DMARC1; p=reject; np=x; "
	    "rua=mailto:a@example.com!10m", &r),
	    "invalid np, rua with obsolete size suffix: p=none");
	ok(r.p == DMARC_POLICY_NONE && r.np == DMARC_POLICY_UNSET,
	    "... p=none, np dropped");
	dmarc_record_free(&r);
	is_int(DMARC_REC_NO_POLICY, parse("v=DMARC1; p=", &r),
	    "empty p value is invalid");
	dmarc_record_free(&r);

	/* Hostile bytes survive. */
	{
		static const char h[] = "v=DMARC1; p=none; x=\0\xff";
		is_int(DMARC_REC_OK, dmarc_record_parse(h, sizeof(h) - 1, &r,
		    NULL), "NUL and 0xff in an unknown tag: ignored");
	}
	dmarc_record_free(&r);
	dmarc_record_free(NULL);
}

/* ---------------------------------------------------------- tree walk */

static void
test_names(void)
{
	char *n[DMARC_MAX_WALK_QUERIES];
	size_t k, i;
	static const char *want[] = {"a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
	    "i.j.mail.example.com", "j.mail.example.com", "mail.example.com",
	    "example.com", "com"};

	/* RFC 9989 4.10's illustration: eight queries. */
	dmarc_walk_names("a.b.c.d.e.f.g.h.i.j.mail.example.com", n, &k);
	is_int(8, (long long)k, "4.10 example: 8 queries");
	for (i = 0; i < k && i < 8; i++) {
		is_string(want[i], n[i], "4.10 example: query %zu", i + 1);
		free(n[i]);
	}
	dmarc_walk_names("Mail.Example.COM.", n, &k);
	is_int(3, (long long)k, "3 labels: 3 queries");
	is_string("mail.example.com", n[0], "lower case, no trailing dot");
	is_string("com", n[2], "... down to the TLD");
	for (i = 0; i < k; i++)
		free(n[i]);
	dmarc_walk_names("a.b.c.d.e.f.g.h", n, &k);
	is_int(8, (long long)k, "8 labels: parent is 7 labels, 8 queries");
	is_string("b.c.d.e.f.g.h", n[1], "... second query is the parent");
	for (i = 0; i < k; i++)
		free(n[i]);
}

static char *
org(struct dns_ctx *c, const char *d, size_t *nq)
{
	struct dmarc_walk w;
	char *o;

	dmarc_walk(c, d, &w);
	o = dmarc_org_domain(&w);
	if (nq != NULL)
		*nq = w.n;
	dmarc_walk_free(&w);
	return o;
}

static void
test_org(struct dns_ctx *c)
{
	size_t nq;
	char *o;

	/* B.4.1 */
	o = org(c, "example.com", &nq);
	is_string("example.com", o, "B.4.1: example.com's Org Domain");
	is_int(2, (long long)nq, "B.4.1: _dmarc.example.com, _dmarc.com");
	free(o);
	o = org(c, "signing.example.com", &nq);
	is_string("example.com", o,
	    "B.4.1: signing.example.com's Org Domain (fewest labels)");
	is_int(3, (long long)nq, "B.4.1: three queries");
	free(o);
	/* B.4.2 */
	o = org(c, "a.b.c.d.e.f.g.h.i.j.k.example.com", &nq);
	is_string("example.com", o, "B.4.2: deep Author Domain");
	is_int(8, (long long)nq, "B.4.2: eight queries");
	free(o);
	/* B.4.3 */
	o = org(c, "giant.bank.example", &nq);
	is_string("giant.bank.example", o, "B.4.3: Author Domain");
	is_int(2, (long long)nq, "B.4.3: stops at psd=y after 2 queries");
	free(o);
	o = org(c, "mail.giant.bank.example", NULL);
	is_string("giant.bank.example", o, "B.4.3: MAIL FROM domain");
	free(o);
	o = org(c, "mail.mega.bank.example", NULL);
	is_string("mega.bank.example", o, "B.4.3: DKIM domain");
	free(o);
	/* 4.10.2's examples */
	o = org(c, "a.mail.example.net", NULL);
	is_string("example.net", o, "4.10.2: records at mail.example.net "
	    "and example.net: example.net");
	free(o);
	o = org(c, "a.mail.psdn.net", &nq);
	is_string("mail.psdn.net", o, "4.10.2: psd=n at mail.psdn.net");
	is_int(2, (long long)nq, "... the walk stops there");
	free(o);
	o = org(c, "nothing.here.org", NULL);
	is_string("nothing.here.org", o,
	    "no record anywhere: the start domain");
	free(o);
}

/* ------------------------------------------------------------- checks */

struct chk {
	const char *name;
	const char *author;
	const char *spf;     /* MAIL FROM domain with SPF pass, or NULL */
	const char *dkim;    /* d= of a passing signature, or NULL */
	enum res want;
	const char *tag;     /* "p", "sp", "np", or NULL */
	enum dmarc_policy policy;
	const char *policy_domain;
};

static const struct chk checks[] = {
    /* B.4.1 / B.4.2: both aligned. */
    {"B.4.1 SPF and DKIM aligned", "example.com", "example.com",
     "signing.example.com", RES_PASS, "p", DMARC_POLICY_REJECT, "example.com"},
    {"B.4.2 deep Author Domain, DKIM relaxed", "a.b.c.d.e.f.g.h.i.j.k.example.com",
     NULL, "signing.example.com", RES_PASS, "p", DMARC_POLICY_REJECT,
     "example.com"},
    /* B.4.3 */
    {"B.4.3 SPF aligned under psd=y", "giant.bank.example",
     "mail.giant.bank.example", NULL, RES_PASS, "p", DMARC_POLICY_QUARANTINE,
     "giant.bank.example"},
    {"B.4.3 DKIM mail.mega.bank.example not aligned", "giant.bank.example",
     NULL, "mail.mega.bank.example", RES_FAIL, "p", DMARC_POLICY_QUARANTINE,
     "giant.bank.example"},
    {"PSD policy when the Org Domain has no record", "x.lone.bank.example",
     NULL, NULL, RES_FAIL, "p", DMARC_POLICY_REJECT, "bank.example"},
    /* B.1 alignment examples (relaxed by default). */
    {"B.1.1 ex. 2: SPF child.example.com relaxed", "example.com",
     "child.example.com", NULL, RES_PASS, "p", DMARC_POLICY_REJECT,
     "example.com"},
    {"B.1.1 ex. 3: SPF example.net not aligned", "signing.example.com",
     "example.net", NULL, RES_FAIL, "p", DMARC_POLICY_NONE,
     "signing.example.com"},
    {"B.1.2 ex. 2: DKIM parent of the Author Domain", "mail.relaxed.org",
     NULL, "relaxed.org", RES_PASS, "p", DMARC_POLICY_REJECT, "relaxed.org"},
    {"strict: d= parent of the Author Domain fails", "mail.strict.org", NULL,
     "strict.org", RES_FAIL, "p", DMARC_POLICY_REJECT, "strict.org"},
    {"strict: identical domains pass", "strict.org", "strict.org", NULL,
     RES_PASS, "p", DMARC_POLICY_REJECT, "strict.org"},
    {"strict SPF: MAIL FROM subdomain fails", "strict.org", "mail.strict.org",
     NULL, RES_FAIL, "p", DMARC_POLICY_REJECT, "strict.org"},
    {"no identifier at all: fail", "relaxed.org", NULL, NULL, RES_FAIL, "p",
     DMARC_POLICY_REJECT, "relaxed.org"},
    /* Policy choice (4.10.1). */
    {"own record: p", "pol.org", NULL, NULL, RES_FAIL, "p",
     DMARC_POLICY_REJECT, "pol.org"},
    {"existing subdomain: sp", "sub.pol.org", NULL, NULL, RES_FAIL, "sp",
     DMARC_POLICY_QUARANTINE, "pol.org"},
    {"non-existent subdomain: np", "gone.pol.org", NULL, NULL, RES_FAIL, "np",
     DMARC_POLICY_NONE, "pol.org"},
    {"existing subdomain, no sp: p", "sub.nosp.org", NULL, NULL, RES_FAIL,
     "p", DMARC_POLICY_QUARANTINE, "nosp.org"},
    {"non-existent subdomain, no np, no sp: p", "gone.nosp.org", NULL, NULL,
     RES_FAIL, "p", DMARC_POLICY_QUARANTINE, "nosp.org"},
    {"non-existent subdomain, no np: sp", "gone.onlysp.org", NULL, NULL,
     RES_FAIL, "sp", DMARC_POLICY_NONE, "onlysp.org"},
    /* Several records, invalid p. */
    {"two records at the Author Domain: none", "two.org", "two.org", NULL,
     RES_NONE, NULL, DMARC_POLICY_UNSET, NULL},
    {"a non-DMARC TXT beside the record", "mixed.org", NULL, NULL, RES_FAIL,
     "p", DMARC_POLICY_QUARANTINE, "mixed.org"},
    {"invalid p with valid rua: p=none", "badp.org", NULL, NULL, RES_FAIL, "p",
     DMARC_POLICY_NONE, "badp.org"},
    {"invalid p without rua: does not apply", "badpnorua.org", NULL, NULL,
     RES_NONE, NULL, DMARC_POLICY_UNSET, "badpnorua.org"},
    {"invalid sp with valid https rua: p=none", "badsp.org", NULL, NULL,
     RES_FAIL, "p", DMARC_POLICY_NONE, "badsp.org"},
    {"v=DMARC1 not first: no record", "notfirst.org", NULL, NULL, RES_NONE,
     NULL, DMARC_POLICY_UNSET, NULL},
    {"no record anywhere: none", "nothing.here.org", "nothing.here.org", NULL,
     RES_NONE, NULL, DMARC_POLICY_UNSET, NULL},
    {"t=y reported, policy kept", "testing.org", NULL, NULL, RES_FAIL, "p",
     DMARC_POLICY_REJECT, "testing.org"},
    {"Author Domain case and trailing dot", "Example.COM.", "EXAMPLE.com",
     NULL, RES_PASS, "p", DMARC_POLICY_REJECT, "example.com"},
};

static void
test_checks(struct dns_ctx *c)
{
	size_t i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct chk *k = &checks[i];
		struct dmarc_input in;
		struct dmarc_result r;
		const char *dd[1];
		enum res dr[1] = {RES_PASS};

		memset(&in, 0, sizeof(in));
		in.author = k->author;
		in.spf_domain = k->spf;
		in.spf_result = RES_PASS;
		dd[0] = k->dkim;
		in.dkim_domains = dd;
		in.dkim_results = dr;
		in.ndkim = k->dkim != NULL ? 1 : 0;
		dmarc_check(c, &in, &r);
		is_string(res_name(k->want), res_name(r.result), "%s: %s",
		    k->name, res_name(k->want));
		if (r.result != k->want && r.reason != NULL)
			diag("reason: %s", r.reason);
		is_string(k->tag, r.policy_tag, "%s: tag %s", k->name,
		    k->tag != NULL ? k->tag : "(none)");
		if (k->tag != NULL)
			is_string(dmarc_policy_name(k->policy),
			    dmarc_policy_name(r.policy), "%s: policy %s",
			    k->name, dmarc_policy_name(k->policy));
		is_string(k->policy_domain, r.policy_domain,
		    "%s: policy domain", k->name);
		if (strcmp(k->name, "t=y reported, policy kept") == 0)
		{
			ok(r.testing, "t=y: testing flag set");
			is_string("quarantine", dmarc_policy_name(r.applied),
			    "t=y: p=reject applies as quarantine (4.7 \"t\")");
		}
		dmarc_result_free(&r);
	}
}

static void
test_fail_spf(struct dns_ctx *c)
{
	struct dmarc_input in;
	struct dmarc_result r;
	const char *dd[2] = {"example.com", "example.com"};
	enum res dr[2] = {RES_FAIL, RES_PERMERROR};

	memset(&in, 0, sizeof(in));
	in.author = "example.com";
	in.spf_domain = "example.com";
	in.spf_result = RES_SOFTFAIL;
	in.dkim_domains = dd;
	in.dkim_results = dr;
	in.ndkim = 2;
	dmarc_check(c, &in, &r);
	is_string("fail", res_name(r.result),
	    "aligned identifiers without pass results do not count");
	ok(!r.spf_aligned && !r.dkim_aligned, "... neither aligned");
	dmarc_result_free(&r);

	/* RFC 9989 5.3.6: a query validation needs did not complete (the
	 * aligned signature's key): neither pass nor fail. */
	dr[1] = RES_TEMPERROR;
	dmarc_check(c, &in, &r);
	is_string("temperror", res_name(r.result),
	    "an aligned DKIM temperror and no pass: temperror");
	dmarc_result_free(&r);
	dr[1] = RES_FAIL;
	in.spf_result = RES_TEMPERROR;
	dmarc_check(c, &in, &r);
	is_string("temperror", res_name(r.result),
	    "an aligned SPF temperror and no pass: temperror");
	dmarc_result_free(&r);
	in.spf_result = RES_SOFTFAIL;

	in.author = NULL;
	dmarc_check(c, &in, &r);
	is_string("permerror", res_name(r.result),
	    "no single Author Domain: permerror");
	dmarc_result_free(&r);
	in.author = "bad..name";
	dmarc_check(c, &in, &r);
	is_string("permerror", res_name(r.result), "bad Author Domain");
	dmarc_result_free(&r);
}

/* --------------------------------------------------------- author */

static void
author(const char *hdr, const char *want, const char *name)
{
	enum msg_status st;
	struct msg *m = msg_from_mem(hdr, strlen(hdr), &st);
	char *d = NULL, *why = NULL;
	int rc = dmarc_author_domain(m, &d, &why);

	if (want != NULL) {
		is_int(0, rc, "%s: found", name);
		is_string(want, d, "%s: %s", name, want);
	} else {
		is_int(-1, rc, "%s: no Author Domain", name);
		ok(why != NULL, "%s: says why (%s)", name, why ? why : "");
	}
	free(d);
	free(why);
	msg_free(m);
}

static void
test_author(void)
{
	author("From: A <a@Example.COM>\n\nb\n", "example.com", "one mailbox");
	author("From: a@example.com, b@EXAMPLE.com\n\nb\n", "example.com",
	    "two mailboxes, one domain");
	author("From: a@example.com, b@example.org\n\nb\n", NULL,
	    "two domains (5.3.1)");
	author("From: a@example.com\nFrom: b@example.net\n\nb\n", NULL,
	    "two From fields, two domains");
	author("To: x@example.com\n\nb\n", NULL, "no From field");
	author("From: <<<>>>\n\nb\n", NULL, "From does not parse");
	author("From: a@[192.0.2.1]\n\nb\n", NULL, "domain literal");
	author("Subject: x\nno colon here\nFrom: a@example.com\n\nb\n", NULL,
	    "header line without a colon");
}

int
main(void)
{
	struct dns_ctx *c;

	plan_lazy();
	test_parse();
	test_names();
	c = zones();
	test_org(c);
	test_checks(c);
	test_fail_spf(c);
	ok(dns_queries_sent(c) == 0, "every answer came from the zone files");
	dns_free(c);
	test_author();
	return 0;
}
