/*
 * dkim_sig: DKIM-Signature parsing (see dkim_sig.h).  Each tag of RFC
 * 6376 3.5 has its own handler in tag_handlers[], checked in the table's
 * order, which is the order in which the reasons are reported.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dkim_base.h"
#include "common/dkim_sig.h"
#include "common/taglist.h"
#include "common/util.h"

int
dkim_sig_result(struct dkim_sig *sg, enum res r, const char *reason)
{
	if (sg->done)
		return -1;
	sg->res->result = r;
	free(sg->res->reason);
	sg->res->reason = reason != NULL ? xstrdup(reason) : NULL;
	sg->done = true;
	return -1;
}

int
dkim_sig_resultf(struct dkim_sig *sg, enum res r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	dkim_sig_result(sg, r, s);
	free(s);
	return -1;
}

static char *
dup_tag(const struct tag *tags, size_t n, const char *name)
{
	const struct tag *t = tag_find(tags, n, name);

	return t != NULL ? tag_value_dup(t) : NULL;
}

/* Fill d, s, a, b, i of a result for display, from whatever parses. */
static void
display_tags(struct dkim_result *r, const struct tag *tags, size_t n)
{
	const struct tag *t;

	r->d = dup_tag(tags, n, "d");
	r->s = dup_tag(tags, n, "s");
	r->a = dup_tag(tags, n, "a");
	if ((t = tag_find(tags, n, "b")) != NULL) {
		char *b = tag_value_nows(t);
		if (strlen(b) > DKIM_HEADER_B_LEN)
			b[DKIM_HEADER_B_LEN] = '\0';
		if (*b != '\0')
			r->b = b;
		else
			free(b);
	}
	if ((t = tag_find(tags, n, "i")) != NULL) {
		size_t len;
		char *i = dkim_qp_decode(t->value, t->valuelen, &len);
		if (i != NULL && memchr(i, '\0', len) == NULL)
			r->i = i;
		else {
			free(i);
			r->i = tag_value_dup(t);
		}
	}
}

void
dkim_sig_display(struct dkim_result *r, const struct msg_field *f)
{
	struct tag tags[TAG_MAX];
	size_t n = 0;

	if (tag_parse(f->value, f->valuelen, tags, &n) == TAG_OK)
		display_tags(r, tags, n);
}

/* ------------------------------------------------------ one per tag */

/* Each handler gets its tag (present) and returns 0, or -1 with the
 * signature's result decided. */

static int
tag_a(struct dkim_sig *sg, const struct tag *t)
{
	sg->alg = dkim_alg_find(t->value, t->valuelen);
	if (sg->alg == NULL)
		return dkim_sig_result(sg, RES_PERMERROR,
		    "unsupported algorithm");
	return 0;
}

static int
tag_b(struct dkim_sig *sg, const struct tag *t)
{
	const char *p = t->name + t->namelen;
	const char *vend = sg->f->value + sg->f->valuelen;

	sg->b = t->valuelen > 0 ? b64_decode(t->value, t->valuelen, &sg->blen)
	    : NULL;
	if (sg->b == NULL || sg->blen == 0)
		return dkim_sig_result(sg, RES_PERMERROR, "bad b= value");
	/* RFC 6376 3.7: b= is emptied for hashing, surrounding whitespace
	 * included: from after '=' to the ';' ending the tag.  The value
	 * holds no ';' (RFC 6376 3.2 tval), so the search for it starts at
	 * the value's end, not across the whole base64 text. */
	while (p < vend && *p != '=')
		p++;
	sg->bval_start = p < vend ? p + 1 : vend;
	p = t->value + t->valuelen;
	if (p < sg->bval_start)
		p = sg->bval_start;
	while (p < vend && *p != ';')
		p++;
	sg->bval_end = p;
	return 0;
}

static int
tag_bh(struct dkim_sig *sg, const struct tag *t)
{
	sg->bh = t->valuelen > 0 ?
	    b64_decode(t->value, t->valuelen, &sg->bhlen) : NULL;
	if (sg->bh == NULL || sg->bhlen == 0)
		return dkim_sig_result(sg, RES_PERMERROR, "bad bh= value");
	return 0;
}

static int
tag_c(struct dkim_sig *sg, const struct tag *t)
{
	if (dkim_parse_c(t->value, t->valuelen, &sg->hc, &sg->bc) < 0)
		return dkim_sig_result(sg, RES_PERMERROR,
		    "unsupported canonicalization");
	return 0;
}

/* d= and s=: RFC 6376 3.5 domain-name and selector (DKIM_DN_*). */
static int
tag_name(struct dkim_sig *sg, const struct tag *t, unsigned dn_flags,
    char **out, const char *bad)
{
	if (!lex_check_domain(t->value, t->valuelen, dn_flags))
		return dkim_sig_result(sg, RES_PERMERROR, bad);
	*out = xstrndup(t->value, t->valuelen);
	return 0;
}

static int
tag_d(struct dkim_sig *sg, const struct tag *t)
{
	return tag_name(sg, t, DKIM_DN_DOMAIN, &sg->d, "bad d= domain");
}

static int
tag_s(struct dkim_sig *sg, const struct tag *t)
{
	return tag_name(sg, t, DKIM_DN_SELECTOR, &sg->s, "bad s= selector");
}

static int
tag_h(struct dkim_sig *sg, const struct tag *t)
{
	size_t i;

	sg->h = dkim_parse_h(t->value, t->valuelen, &sg->nh);
	if (sg->h == NULL)
		return dkim_sig_result(sg, RES_PERMERROR, "bad h= list");
	/* RFC 6376 5.4 / 6.1.1: From MUST be signed. */
	for (i = 0; i < sg->nh; i++)
		if (util_strcaseeq(sg->h[i], "from"))
			return 0;
	return dkim_sig_result(sg, RES_PERMERROR, "From field not signed");
}

/* i= = [Local-part] "@" domain-name, in d= or a subdomain of it (d= is
 * checked first: tag_d comes before this in the table). */
static int
tag_i(struct dkim_sig *sg, const struct tag *t)
{
	size_t len, dlen;
	char *iv = dkim_qp_decode(t->value, t->valuelen, &len);
	char *at = iv != NULL ? memchr(iv, '@', len) : NULL;
	const char *dom, *why = NULL;

	/* the domain follows the last '@' */
	while (at != NULL && memchr(at + 1, '@',
	    len - (size_t)(at + 1 - iv)) != NULL)
		at = memchr(at + 1, '@', len - (size_t)(at + 1 - iv));
	if (at == NULL) {
		free(iv);
		return dkim_sig_result(sg, RES_PERMERROR, "bad i= value");
	}
	dom = at + 1;
	dlen = len - (size_t)(dom - iv);
	if (!lex_check_domain(dom, dlen, DKIM_DN_DOMAIN))
		why = "bad i= value";
	else if (!lex_domain_within(dom, dlen, sg->d, strlen(sg->d)))
		why = "i= domain not within d=";
	else
		sg->idom = xstrndup(dom, dlen);
	free(iv);
	return why != NULL ? dkim_sig_result(sg, RES_PERMERROR, why) : 0;
}

static int
tag_l(struct dkim_sig *sg, const struct tag *t)
{
	if (!dkim_parse_uint(t->value, t->valuelen, DKIM_LENGTH_DIGITS,
	    &sg->l))
		return dkim_sig_result(sg, RES_PERMERROR, "bad l= value");
	sg->has_l = true;
	return 0;
}

/* RFC 6376 3.5 q=: a colon-separated list that must offer dns/txt, the
 * only method defined. */
static int
tag_q(struct dkim_sig *sg, const struct tag *t)
{
	const char *p = t->value, *m;
	size_t mlen;

	while (dkim_list_next(&p, t->value + t->valuelen, &m, &mlen))
		/* "dns/txt" is an ABNF quoted string, so case-insensitive
		 * (RFC 5234 2.3), as a=, c= and k= are here. */
		if (util_strcaseeq_n(m, mlen, "dns/txt", 7))
			return 0;
	return dkim_sig_result(sg, RES_PERMERROR, "unsupported query method");
}

/* t= and x=: RFC 6376 3.5 1*12DIGIT. */
static int
tag_time(struct dkim_sig *sg, const struct tag *t, uint64_t *out,
    bool *has, const char *bad)
{
	if (!dkim_parse_uint(t->value, t->valuelen, DKIM_TIME_DIGITS, out))
		return dkim_sig_result(sg, RES_PERMERROR, bad);
	*has = true;
	return 0;
}

static int
tag_t(struct dkim_sig *sg, const struct tag *t)
{
	return tag_time(sg, t, &sg->t, &sg->has_t, "bad t= value");
}

static int
tag_x(struct dkim_sig *sg, const struct tag *t)
{
	return tag_time(sg, t, &sg->x, &sg->has_x, "bad x= value");
}

/* The tags with a meaning, in checking order (v= is checked before, and
 * the tags RFC 6376 3.5 requires are checked to be present before any of
 * these runs).  Unknown tags are ignored (RFC 6376 3.2). */
static const struct {
	const char *name;
	int (*check)(struct dkim_sig *, const struct tag *);
} tag_handlers[] = {
	{"a", tag_a}, {"b", tag_b}, {"bh", tag_bh}, {"c", tag_c},
	{"d", tag_d}, {"s", tag_s}, {"h", tag_h}, {"i", tag_i},
	{"l", tag_l}, {"q", tag_q}, {"t", tag_t}, {"x", tag_x},
};

/* RFC 6376 3.5: the tags a signature must have, in reporting order. */
static const char *const required_tags[] = {"a", "b", "bh", "d", "h", "s"};

/* t= and x= against each other and against now (RFC 6376 3.5, 6.1.1). */
static int
check_times(struct dkim_sig *sg, const struct dkim_verify_opts *o)
{
	/* RFC 6376 3.5 x=: MUST be greater than t= when both are present. */
	if (sg->has_t && sg->has_x && sg->x <= sg->t)
		return dkim_sig_result(sg, RES_PERMERROR, "x= not after t=");
	if (sg->has_t && o->now >= 0 &&
	    sg->t > (uint64_t)o->now + DKIM_CLOCK_SKEW)
		return dkim_sig_result(sg, RES_PERMERROR, "signature "
		    "timestamp in the future");
	/* RFC 6376 6.1.1: an expired signature does not verify. */
	if (sg->has_x && o->now >= 0 && sg->x < (uint64_t)o->now)
		return dkim_sig_result(sg, RES_FAIL, "signature expired");
	return 0;
}

int
dkim_sig_parse(struct dkim_sig *sg, const struct dkim_verify_opts *o)
{
	struct tag tags[TAG_MAX];
	size_t ntags = 0, i;
	const struct tag *t;
	enum tag_status ts;

	ts = tag_parse(sg->f->value, sg->f->valuelen, tags, &ntags);
	if (ts != TAG_OK)
		return dkim_sig_result(sg, RES_PERMERROR,
		    ts == TAG_EDUPLICATE ? "duplicate tag" :
		    ts == TAG_ETOOMANY ? "too many tags" :
		    "signature syntax error");
	display_tags(sg->res, tags, ntags);

	/* RFC 6376 6.1.1: v= must be 1, else "incompatible version". */
	t = tag_find(tags, ntags, "v");
	if (t == NULL || t->valuelen != 1 || t->value[0] != '1')
		return dkim_sig_result(sg, RES_PERMERROR,
		    "incompatible version");
	for (i = 0; i < sizeof(required_tags) / sizeof(required_tags[0]); i++)
		if (tag_find(tags, ntags, required_tags[i]) == NULL)
			return dkim_sig_resultf(sg, RES_PERMERROR,
			    "missing %s= tag", required_tags[i]);
	sg->hc = sg->bc = CANON_SIMPLE;
	for (i = 0; i < sizeof(tag_handlers) / sizeof(tag_handlers[0]); i++)
		if ((t = tag_find(tags, ntags, tag_handlers[i].name)) !=
		    NULL && tag_handlers[i].check(sg, t) < 0)
			return -1;
	return check_times(sg, o);
}

void
dkim_sig_clear(struct dkim_sig *sg)
{
	util_strv_free(sg->h, sg->nh);
	UTIL_FREE_ALL(sg->b, sg->bh, sg->d, sg->s, sg->idom);
}
