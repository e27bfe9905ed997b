/* Tests for the SPF engine's pieces: macro expansion (RFC 7208 7, with the
 * examples of 7.4), record syntax, record selection (RFC 7208 4.5 and
 * RFC 4406 4.4), domain checks, and spf_check without DNS. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"
#include "t/tap/basic.h"

static struct spf_request req4 = {
    .ip = "192.0.2.3",
    .sender = "strong-bad@email.example.com",
    .helo = "mx.example.org",
    .receiver = "mybox.example.net",
    .now = 1234567890,
};

static void
expand(const struct spf_request *req, const char *in, bool explain,
       const char *want)
{
	char *err = NULL, *got;

	got = spf_expand(NULL, req, NULL, in, explain, &err);
	is_string(want, got != NULL ? got : err, "expand %s", in);
	free(got);
	free(err);
}

static void
expand_error(const char *in, bool explain, const char *why)
{
	char *err = NULL, *got;

	got = spf_expand(NULL, &req4, NULL, in, explain, &err);
	ok(got == NULL && err != NULL, "expand %s: error (%s)", in, why);
	free(got);
	free(err);
}

static void
record(const char *rec, bool valid)
{
	char *err = NULL;
	int rc = spf_record_check(rec, strlen(rec), &err);

	if (valid)
		ok(rc == 0 && err == NULL, "valid: %s%s%s", rec,
		   err ? " -- " : "", err ? err : "");
	else
		ok(rc == -1 && err != NULL, "invalid: %s (%s)", rec,
		   err ? err : "-");
	free(err);
}

/* An answer holding the given TXT records (NULL-terminated). */
static struct dns_answer *
answer(const char *const *txt)
{
	struct dns_answer *a = xcalloc(1, sizeof(*a));
	size_t i;

	for (i = 0; txt[i] != NULL; i++)
		;
	a->status = i > 0 ? DNS_OK : DNS_NODATA;
	a->n = i;
	a->rr = xcalloc(i + 1, sizeof(*a->rr));
	for (i = 0; i < a->n; i++) {
		a->rr[i].data = xstrdup(txt[i]);
		a->rr[i].len = strlen(txt[i]);
		a->rr[i].nstrings = 1;
	}
	return a;
}

static void
answer_free(struct dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->rr[i].data);
	free(a->rr);
	free(a);
}

static void
select_is(long want, enum spf_scope scope, bool sid, const char *desc,
          const char *const *txt)
{
	struct dns_answer *a = answer(txt);

	is_int(want, spf_select_record(a, scope, sid), "select: %s", desc);
	answer_free(a);
}

/* spf_check against t/data/spf/engine.zone: result (and explanation, when
 * want_exp is not NULL). */
static void
check_zone(struct dns_ctx *dns, const char *ip, const char *sender,
           const char *helo, const char *want, const char *want_exp,
           const char *desc)
{
	struct spf_request r;
	struct spf_response resp;

	memset(&r, 0, sizeof(r));
	r.ip = ip;
	r.sender = sender;
	r.helo = helo;
	if (spf_check(dns, &r, &resp) < 0) {
		ok(0, "%s: spf_check refused the request", desc);
		spf_response_free(&resp);
		return;
	}
	is_string(want, res_name(resp.result), "%s", desc);
	if (want_exp != NULL)
		is_string(want_exp, resp.explanation, "%s: explanation", desc);
	spf_response_free(&resp);
}

/* RFC 7208 7.3 truncation, written independently of the engine: drop
 * one trailing dot, then labels from the left while over 253 bytes. */
static void
truncate_left(struct buf *b)
{
	size_t skip = 0;
	const char *dot;

	if (b->len > 0 && b->data[b->len - 1] == '.')
		b->len--;
	while (b->len - skip > 253 &&
	       (dot = memchr(b->data + skip, '.', b->len - skip)) != NULL)
		skip = (size_t)(dot - b->data) + 1;
	memmove(b->data, b->data + skip, b->len - skip);
	b->len -= skip;
	b->data[b->len] = '\0';
}

/* expand() for long inputs: the description is given, not the input. */
static void
expand_big(const struct spf_request *req, const char *in, bool explain,
           const char *want, const char *desc)
{
	char *err = NULL, *got;

	got = spf_expand(NULL, req, NULL, in, explain, &err);
	is_string(want, got != NULL ? got : err, "%s", desc);
	free(got);
	free(err);
}

/* RFC 7208 7.3 transformers on a local-part of many parts, the macro
 * bounds of issue 8 and the trailing dot of issue 12. */
static void
macro_limits(void)
{
	struct spf_request r = req4;
	struct buf local = BUF_INIT, want = BUF_INIT, spec = BUF_INIT;
	char *sender;
	size_t i;

	/* 1,100 parts: no part past 1024 is lost (the old expander kept
	 * 1024 parts and answered p1024 for %{l1}). */
	for (i = 1; i <= 1100; i++)
		buf_printf(&local, "%sp%zu", i > 1 ? "." : "", i);
	sender = xasprintf("%s@x.example.com", local.data);
	r.sender = sender;
	expand_big(&r, "%{l1}", true, "p1100", "1,100 parts: %{l1}");
	expand_big(&r, "%{l2}", true, "p1099.p1100", "1,100 parts: %{l2}");
	expand_big(&r, "%{l1r}", true, "p1", "1,100 parts: %{l1r}");
	expand_big(&r, "%{l2r}", true, "p2.p1", "1,100 parts: %{l2r}");
	/* explanations are cut at 500 bytes (SPF_EXPLAIN_MAX) */
	for (i = 1100; i >= 1; i--)
		buf_printf(&want, "p%zu.", i);
	buf_adds(&want, "x");
	want.data[500] = '\0';
	expand_big(&r, "%{l1100r}.x", true, want.data,
	           "1,100 parts: %{l1100r} explanation (cut at 500 bytes)");
	expand_big(&r, "%{l99999999999999999999999r}.x", true, want.data,
	           "a transformer past any number of parts: all parts");
	buf_reset(&want);
	/* domain-spec: the reversed list, truncated from the left */
	for (i = 1100; i >= 1; i--)
		buf_printf(&want, "p%zu.", i);
	buf_adds(&want, "example.com");
	truncate_left(&want);
	expand_big(&r, "%{lr}.example.com", false, want.data,
	           "1,100 parts: %{lr} as a domain-spec");
	buf_reset(&want);
	for (i = 1; i <= 1100; i++)
		buf_printf(&want, "p%zu.", i);
	buf_adds(&want, "example.com");
	truncate_left(&want);
	expand_big(&r, "%{l}.example.com", false, want.data,
	           "1,100 parts: %{l} as a domain-spec");
	expand_big(&r, "%{l2r}.%{l1}.example.com", false,
	           "p2.p1.p1100.example.com",
	           "1,100 parts: %{l2r}.%{l1}.example.com");

	free(sender);

	/* The blow-up of issue 8: 12,000 %{s} with a 300 KB address.  The
	 * domain-spec keeps its rightmost labels (RFC 7208 7.3), the
	 * explanation its first SPF_EXPLAIN_MAX (500) bytes. */
	buf_reset(&local);
	for (i = 0; i < 100000; i++)
		buf_adds(&local, "ab.");
	sender = xasprintf("%s@big.example.com", local.data);
	r.sender = sender;
	for (i = 0; i < 12000; i++)
		buf_adds(&spec, "%{s}");
	buf_adds(&spec, ".example.com");
	/* only the rightmost bytes matter: one sender is enough to make
	 * the expected name */
	buf_reset(&want);
	buf_adds(&want, sender);
	buf_adds(&want, ".example.com");
	truncate_left(&want);
	expand_big(&r, spec.data, false, want.data,
	           "12,000 %{s} of a 300 KB sender: domain-spec");
	buf_reset(&want);
	buf_add(&want, local.data, 500);
	expand_big(&r, spec.data, true, want.data,
	           "12,000 %{s} of a 300 KB sender: explanation of 500 bytes");
	free(sender);
	buf_reset(&local);
	for (i = 0; i < 1000; i++)
		buf_adds(&local, "a&b.");
	sender = xasprintf("%s@big.example.com", local.data);
	r.sender = sender;
	buf_reset(&spec);
	for (i = 0; i < 12000; i++)
		buf_adds(&spec, "%{S}");
	buf_reset(&want);
	for (i = 0; i < 83; i++)
		buf_adds(&want, "a%26b.");
	buf_adds(&want, "a");
	expand_big(&r, spec.data, true, want.data,
	           "12,000 %{S}: no half %XX escape at the cut");
	free(sender);

	/* A first part far longer than a name: found past the bytes a
	 * domain-spec keeps (300 y, then ".z" and "-w" parts). */
	buf_reset(&local);
	for (i = 0; i < 300; i++)
		buf_addc(&local, 'y');
	buf_adds(&local, ".z-w");
	sender = xasprintf("%s@x.example.com", local.data);
	r.sender = sender;
	expand_big(&r, "%{lr-}", false, "z",
	           "%{lr-}: a 300-byte first part, then .z");
	expand_big(&r, "%{l1r}.example.com", false, "example.com",
	           "%{l1r}: a 300-byte label is truncated away");
	free(sender);
	local.data[300] = '\0';
	sender = xasprintf("%s-w@x.example.com", local.data);
	r.sender = sender;
	{
		char *err = NULL,
		     *got = spf_expand(NULL, &r, NULL, "%{l1r-}", false, &err);

		ok(got != NULL && strlen(got) > 253 && strchr(got, '.') == NULL,
		   "%%{l1r-}: a 300-byte label alone: still no valid name");
		free(got);
		free(err);
	}
	free(sender);

	/* RFC 7208 4.3: a trailing dot is the root, no label: %{d1} of
	 * "dot.example.com." is "com", as Mail::SPF has it (issue 12);
	 * Mail::SPF gives every answer below. */
	r = req4;
	r.sender = "a@dot.example.com.";
	r.helo = "dot.helo.example.";
	expand(&r, "%{d1}", false, "com");
	expand(&r, "%{dr}", false, "com.example.dot");
	expand(&r, "%{d2}", false, "example.com");
	expand(&r, "%{d}", false, "dot.example.com");
	expand(&r, "%{o1}", false, "com");
	expand(&r, "%{or}", false, "com.example.dot");
	expand(&r, "%{h1}", false, "example");
	expand(&r, "%{hr}", false, "example.helo.dot");
	/* %{h} is the HELO name as given; only its parts ignore the dot */
	expand(&r, "%{h}", true, "dot.helo.example.");
	expand(&r, "%{h-}", true, "dot.helo.example.");
	expand(&r, "%{h1-}", true, "dot.helo.example.");
	expand(&r, "%{h2.-}", true, "helo.example");
	expand(&r, "%{d1} %{dr}", true, "com com.example.dot");
	expand(&r, "%{s}", true, "a@dot.example.com.");
	r.sender = "a.b.@x.example.com";
	expand(&r, "%{l1}.x.example", false, ".x.example");
	buf_free(&local);
	buf_free(&want);
	buf_free(&spec);
}

int
main(void)
{
	struct spf_request req6 = req4, r;
	struct spf_response resp;

	plan_lazy();
	req6.ip = "2001:db8::cb01";

	/* RFC 7208 7.4 examples. */
	expand(&req4, "%{s}", false, "strong-bad@email.example.com");
	{
		/* RFC 7208 7.3: split on the given delimiters, rejoin with
		 * "." (pyspf keeps '-' for letters other than l and s). */
		struct spf_request rh = req4;

		rh.helo = "out-1.mail-gw.example.org";
		expand(&rh, "%{h-}", false, "out.1.mail.gw.example.org");
		expand(&rh, "%{hr-}", false, "gw.example.org.1.mail.out");
		expand(&rh, "%{h2-}", false, "1.mail.gw.example.org");
		rh.sender = "@email.example.com";
		expand(&rh, "%{s}", false, "postmaster@email.example.com");
		expand(&rh, "%{l}", false, "postmaster");
	}
	expand(&req4, "%{o}", false, "email.example.com");
	expand(&req4, "%{d}", false, "email.example.com");
	expand(&req4, "%{d4}", false, "email.example.com");
	expand(&req4, "%{d3}", false, "email.example.com");
	expand(&req4, "%{d2}", false, "example.com");
	expand(&req4, "%{d1}", false, "com");
	expand(&req4, "%{dr}", false, "com.example.email");
	expand(&req4, "%{d2r}", false, "example.email");
	expand(&req4, "%{l}", false, "strong-bad");
	expand(&req4, "%{l-}", false, "strong.bad");
	expand(&req4, "%{lr}", false, "strong-bad");
	expand(&req4, "%{lr-}", false, "bad.strong");
	expand(&req4, "%{l1r-}", false, "strong");
	expand(&req4, "%{ir}.%{v}._spf.%{d2}", false,
	       "3.2.0.192.in-addr._spf.example.com");
	expand(&req4, "%{lr-}.lp._spf.%{d2}", false,
	       "bad.strong.lp._spf.example.com");
	expand(&req4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", false,
	       "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expand(&req4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", false,
	       "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expand(&req4, "%{d2}.trusted-domains.example.net", false,
	       "example.com.trusted-domains.example.net");
	/* IPv6: nibbles in upper case (as the OpenSPF suite expects; DNS
	 * does not care about case). */
	expand(
	    &req6, "%{ir}.%{v}._spf.%{d2}", false,
	    "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2."
	    "ip6._spf.example.com");
	expand(&req6, "%{c}", true, "2001:db8::cb01");
	expand(&req6, "%{v}", false, "ip6");

	/* The other letters, escapes and transformers. */
	expand(&req4, "%{h}", false, "mx.example.org");
	expand(&req4, "%{c} %{r} %{t}", true,
	       "192.0.2.3 mybox.example.net 1234567890");
	expand(&req4, "%{p}", false, "unknown");
	expand(&req4, "%%%_%-", false, "% %20");
	expand(&req4, "%{L}", false, "strong-bad");
	expand(&req4, "%{S}", false, "strong-bad%40email.example.com");
	expand(&req4, "%{D2R}", false, "example.email");
	expand(&req4, "%{d10}", false, "email.example.com");
	expand(&req4, "%{l+-}", false, "strong.bad");
	expand(&req4, "%{lR-}", false, "bad.strong");
	expand(&req4, "%{i}", false, "192.0.2.3");

	r = req4;
	r.sender = "~jack&jill=up-a_b3.c@e8.example.com";
	expand(&r, "http://example.com/why.html?l=%{L}", true,
	       "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
	r.sender = "a_b=c/d,e+f@x.example.com";
	expand(&r, "%{l_=/,+}", false, "a.b.c.d.e.f");
	expand(&r, "%{l2_=/,+}", false, "e.f");
	r.sender = "@example.net";
	expand(&r, "%{l}@%{o}", true, "postmaster@example.net");
	r.sender = NULL;
	expand(&r, "%{s}", false, "postmaster@mx.example.org");
	r.sender = "bare.example.com";
	expand(&r, "%{l} %{d}", true, "postmaster bare.example.com");
	r = req4;
	r.ip = "::FFFF:192.0.2.3";
	expand(&r, "%{i} %{v} %{c}", true, "192.0.2.3 in-addr 192.0.2.3");
	r.receiver = NULL;
	r.helo = NULL;
	expand(&r, "%{r} %{h}", true, "unknown unknown");
	macro_limits();

	expand_error("%{c}", false, "c only in exp text");
	expand_error("%{r}.example.com", false, "r only in exp text");
	expand_error("%{t}", false, "t only in exp text");
	expand_error("%{x}", true, "unknown letter");
	expand_error("%{d0}", false, "zero transformer");
	expand_error("%(ir)", false, "%( is no macro");
	expand_error("foo%.bar", false, "% then .");
	expand_error("abc%", false, "% at the end");
	expand_error("%{d", false, "unterminated");
	expand_error("%{d2r*}", false, "bad delimiter");
	expand_error("a b", false, "space in a domain-spec");
	{
		char *err = NULL;
		struct spf_request bad = req4;

		bad.ip = "not-an-ip";
		ok(spf_expand(NULL, &bad, NULL, "%{i}", false, &err) == NULL &&
		       err != NULL,
		   "expand with a bad IP: error");
		free(err);
	}

	/* Record syntax (RFC 7208 4.6, 5, 6, 7.1 and the suite's cases). */
	record("v=spf1", true);
	record("v=spf1 ", true);
	record("v=spf1 -all", true);
	record("V=SPF1 -ALL", true);
	record("v=spf1  a  -all ", true);
	record("v=spf1 a mx ptr exists:%{i}.x.example.com -all", true);
	record("v=spf1 a/24//64 mx:example.com/0 a//0 -all", true);
	record("v=spf1 a:foo:bar/baz.example.com", true);
	record("v=spf1 ip4:1.2.3.4/32 ip6:::1.1.1.1/0 ip6:Cafe:Babe:8000::/33",
	       true);
	record("v=spf1 moo.cow-far_out=man:dog/cat -all", true);
	record(
	    "v=spf1 default=+ exp=%{d}.exp.example.com redirect=x.example.com",
	    true);
	record("v=spf1 a:foo.example.xn--zckzah a:%{H}.bar -all", true);
	record("v=spf1 include:o.spf.example.com. ~all", true);
	record("v=spf1 a:mail.example...com", true); /* syntax is fine */
	record("spf2.0/pra ip4:192.0.2.0/24 -all", true);
	record("spf2.0/mfrom,pra -all", true);
	record("v=spf10", false);
	record("v=spf1 -all moo", false);
	record("v=spf1 moo.cow/far_out=man:dog/cat", false);
	record("v=spf1 redirect:t2.example.com", false);
	record("v=spf1 a:foo-bar -all", false);
	record("v=spf1 a:museum", false);
	record("v=spf1 a:museum.", false);
	record("v=spf1 a:111.222.33.44", false);
	record("v=spf1 a:example.-com", false);
	record("v=spf1 a:", false);
	record("v=spf1 a/33", false);
	record("v=spf1 a//129", false);
	record("v=spf1 a/24/64", false);
	record("v=spf1 -all.", false);
	record("v=spf1 -all:foobar", false);
	record("v=spf1 -all/8", false);
	record("v=spf1 ptr/0", false);
	record("v=spf1 ptr:", false);
	record("v=spf1 include", false);
	record("v=spf1 include:ip5.example.com/24", false);
	record("v=spf1 exists", false);
	record("v=spf1 exists:mail.example.com/24", false);
	record("v=spf1 ip4", false);
	record("v=spf1 ip4:1.2.3.4/33", false);
	record("v=spf1 ip4:1.2.3.4/032", false);
	record("v=spf1 ip4:1.2.3.4//32", false);
	record("v=spf1 ip4:1.2.3.4:8080", false);
	record("v=spf1 ip4:1.2.3", false);
	record("v=spf1 ip4:01.2.3.4", false);
	record("v=spf1 ip6:::1.1.1.1/129", false);
	record("v=spf1 ip6:::1.1.1.1//33", false);
	record("v=spf1 ip6::CAFE::BABE", false);
	record("v=spf1 1up=foo", false);
	record("v=spf1 =all", false);
	record("v=spf1 -redirect=x.example.com", false);
	record("v=spf1 exp= -all", false);
	record("v=spf1 exp=-all", false);
	record("v=spf1 redirect=", false);
	record("v=spf1 exp=a.example.com exp=b.example.com", false);
	record("v=spf1 redirect=a.example.com redirect=a.example.com", false);
	record("v=spf1 -all foo=%abc", false);
	record("v=spf1 exp=%{r}.example.com", false);
	record("v=spf1 a:%{a}.example.com", false);
	record("v=spf1 a:ctrl.example.com\rptr", false);
	record("v=spf1 \x80"
	       "a -all",
	       false);

	/* RFC 7208 4.5 record selection. */
	{
		static const char *const none[] = {"v=spf10", "hello", NULL};
		static const char *const one[] = {"hello", "v=spf1 -all", NULL};
		static const char *const two[] = {"v=spf1 -all", "V=sPf1 +all",
		                                  NULL};
		static const char *const v2[] = {"spf2.0/pra -all", NULL};
		static const char *const v2v1[] = {"spf2.0/pra ?all",
		                                   "v=spf1 -all", NULL};
		static const char *const v2mfrom[] = {
		    "v=spf1 -all", "spf2.0/mfrom ~all", NULL};
		static const char *const twov2[] = {"spf2.0/pra -all",
		                                    "spf2.0/mfrom,pra ?all",
		                                    "v=spf1 -all", NULL};
		static const char *const prattle[] = {
		    "spf2.0/mfrom,prattle,fubar -all", "v=spf1 +all", NULL};
		static const char *const prafubar[] = {
		    "spf2.0/mfrom,pra,fubar -all", "v=spf1 +all", NULL};
		static const char *const upper[] = {"v=spf1 +all",
		                                    "SPF2.0/PRA -all", NULL};
		static const char *const minor[] = {
		    "spf2.1/pra -all", "spf2./pra ?all",    "spf2.0/ ?all",
		    "spf2.0 ?all",     "spf2.0/pra,  ?all", NULL};
		static const char *const twov1[] = {
		    "v=spf1 -all", "v=spf1 -all", "spf2.0/pra ?all", NULL};

		select_is(-1, SPF_SCOPE_MFROM, false, "no SPF record", none);
		select_is(1, SPF_SCOPE_MFROM, false, "the one v=spf1 record",
		          one);
		select_is(-2, SPF_SCOPE_MFROM, false, "two v=spf1 records",
		          two);
		select_is(-1, SPF_SCOPE_MFROM, false, "spf2.0 ignored by SPF",
		          v2);
		select_is(1, SPF_SCOPE_MFROM, false,
		          "SPF uses v=spf1 beside "
		          "spf2.0",
		          v2v1);
		/* Sender ID (RFC 4406 4.4, 3.4). */
		select_is(0, SPF_SCOPE_PRA, true, "spf2.0/pra preferred", v2v1);
		select_is(1, SPF_SCOPE_MFROM, true, "mfrom: v=spf1 fallback",
		          v2v1);
		select_is(1, SPF_SCOPE_MFROM, true,
		          "mfrom: spf2.0/mfrom "
		          "preferred",
		          v2mfrom);
		select_is(0, SPF_SCOPE_PRA, true, "pra: v=spf1 fallback",
		          v2mfrom);
		select_is(-2, SPF_SCOPE_PRA, true,
		          "two spf2.0 for pra: "
		          "permerror",
		          twov2);
		select_is(1, SPF_SCOPE_MFROM, true, "one spf2.0 for mfrom",
		          twov2);
		select_is(1, SPF_SCOPE_PRA, true, "prattle is not pra",
		          prattle);
		select_is(0, SPF_SCOPE_PRA, true, "pra among other scopes",
		          prafubar);
		select_is(1, SPF_SCOPE_PRA, true,
		          "version and scope "
		          "case-insensitive",
		          upper);
		select_is(0, SPF_SCOPE_PRA, true,
		          "spf2.1 accepted, malformed "
		          "versions ignored",
		          minor);
		select_is(2, SPF_SCOPE_PRA, true,
		          "pra: spf2.0 wins over two "
		          "v=spf1",
		          twov1);
		select_is(-2, SPF_SCOPE_MFROM, true,
		          "mfrom: two v=spf1 "
		          "records",
		          twov1);
		select_is(-2, SPF_SCOPE_HELO, true, "helo: v=spf1 only", twov1);
	}

	/* RFC 7208 4.3 domain checks. */
	ok(spf_domain_ok("example.com"), "domain ok");
	ok(spf_domain_ok("example.com."), "domain with trailing dot ok");
	ok(!spf_domain_ok("A2345678"), "single label: not ok");
	ok(!spf_domain_ok("[1.2.3.5]"), "domain literal: not ok");
	ok(!spf_domain_ok("A...example.com"), "empty label: not ok");
	ok(!spf_domain_ok(""), "empty: not ok");
	ok(!spf_domain_ok("a b.example.com"), "space: not ok");
	ok(!spf_domain_ok("a1234567890123456789012345678901234567890123456789"
	                  "01234567890123.example.com"),
	   "64-octet label: not ok");
	ok(spf_domain_ok("a123456789012345678901234567890123456789012345678901"
	                 "2345678901.example.com"),
	   "63-octet label: ok");

	/* spf_check without DNS: every lookup fails, the result is
	 * temperror; a bad address is refused; a malformed domain is none. */
	r = req4;
	ok(spf_check(NULL, &r, &resp) == 0, "spf_check runs without DNS");
	is_string("temperror", res_name(resp.result), "no DNS: temperror");
	ok(resp.problem != NULL, "no DNS: a problem is given");
	is_string("strong-bad@email.example.com", resp.identity,
	          "identity is the sender");
	is_string("192.0.2.3", resp.client_ip, "client_ip");
	spf_response_free(&resp);
	r.ip = "::ffff:192.0.2.3";
	spf_check(NULL, &r, &resp);
	is_string("192.0.2.3", resp.client_ip, "IPv4-mapped shown as IPv4");
	spf_response_free(&resp);
	r.ip = "2001:DB8::CB01";
	spf_check(NULL, &r, &resp);
	is_string("2001:db8::cb01", resp.client_ip,
	          "IPv6 compressed, lower "
	          "case");
	spf_response_free(&resp);
	r.ip = "192.0.2.256";
	ok(spf_check(NULL, &r, &resp) == -1, "bad address: -1");
	ok(resp.problem != NULL, "bad address: problem set");
	spf_response_free(&resp);
	r = req4;
	r.sender = "foo@[1.2.3.5]";
	spf_check(NULL, &r, &resp);
	is_string("none", res_name(resp.result), "domain literal: none");
	spf_response_free(&resp);
	r.sender = "";
	r.helo = "OEMCOMPUTER";
	spf_check(NULL, &r, &resp);
	is_string("none", res_name(resp.result),
	          "null sender, HELO not a "
	          "FQDN: none");
	is_string("postmaster@OEMCOMPUTER", resp.identity,
	          "null sender: "
	          "postmaster@HELO");
	spf_response_free(&resp);
	r.sender = "lyme.eater@A1234567890123456789012345678901234567890123"
	           "45678901234567890123.example.com";
	spf_check(NULL, &r, &resp);
	is_string("none", res_name(resp.result), "64-octet label: none");
	spf_response_free(&resp);
	r = req4;
	r.scope = SPF_SCOPE_HELO;
	spf_check(NULL, &r, &resp);
	is_string("postmaster@mx.example.org", resp.identity,
	          "HELO scope "
	          "checks postmaster@HELO");
	spf_response_free(&resp);

	/* Regressions found by t/diff-spf.py (DNS from a zone file). */
	{
		char *err = NULL;
		struct dns_ctx *dns = dns_new(&err);

		if (dns == NULL ||
		    dns_load_zone(dns, test_file("data/spf/engine.zone"),
		                  &err) < 0)
			bail("engine.zone: %s", err != NULL ? err : "?");
		check_zone(dns, "192.0.2.3", "u@mx3void.example.com", NULL,
		           "permerror", NULL,
		           "RFC 7208 4.6.4: void address lookups of MX names "
		           "count");
		check_zone(dns, "192.0.2.3", "u@mxfirst.example.com", NULL,
		           "pass", NULL,
		           "mx: the first MX name matches, the void ones are "
		           "not looked up");
		check_zone(dns, "192.0.2.4", "u@ptrvoid.example.com", NULL,
		           "permerror", NULL,
		           "RFC 7208 4.6.4: void address lookups of PTR names "
		           "count");
		check_zone(dns, "192.0.2.4", "u@pmacro.example.com", NULL,
		           "permerror", NULL,
		           "RFC 7208 4.6.4: so do those of %{p}");
		check_zone(dns, "192.0.2.4", "u@expvoid.example.com", NULL,
		           "fail", "ptr=unknown",
		           "RFC 7208 4.6.4: %{p} in exp= text counts against "
		           "no limit");
		check_zone(dns, "192.0.2.4", "u@emptyexp.example.com", NULL,
		           "fail", "",
		           "RFC 7208 6.2: an empty exp= text is the "
		           "explanation");
		check_zone(dns, "192.0.2.3", "u@selfinc.example.com", NULL,
		           "pass", NULL,
		           "an include of itself after a matching term: "
		           "pass");
		check_zone(dns, "192.0.2.9", "u@selfinc.example.com", NULL,
		           "permerror", NULL,
		           "an include of itself when reached: permerror");
		check_zone(dns, "192.0.2.9", "u@hdelim.example.com",
		           "out-1.mail-gw.example.com", "pass", NULL,
		           "RFC 7208 7.3: %{hr-} rejoins the parts with '.'");
		check_zone(dns, "192.0.2.9", "@semptylocal.example.com", NULL,
		           "pass", NULL,
		           "RFC 7208 4.3: %{s} of \"@domain\" is "
		           "postmaster@domain");
		check_zone(dns, "192.0.2.3", "u@mxfirst.example.com.", NULL,
		           "pass", NULL,
		           "RFC 7208 4.3: a trailing dot is no empty label");
		check_zone(dns, "192.0.2.3", "", "mxfirst.example.com.", "pass",
		           NULL,
		           "null sender, HELO with a trailing dot: checked");
		dns_free(dns);
		free(err);
	}
	spf_response_free(NULL);
	spf_lint_free(NULL);
	return 0;
}
