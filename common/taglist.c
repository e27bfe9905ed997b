/*
 * taglist: RFC 6376 3.2 tag=value lists.  One function per ABNF rule;
 * each takes [p, end) and returns the end of its match, or NULL when the
 * rule does not match (optional rules return p instead).
 *
 * Leniencies (all common in real DNS records and signatures, none can make
 * two different lists parse the same way):
 * - folding may use a bare LF instead of CRLF (LF input, DESIGN.md);
 * - whitespace, and a final line terminator, after the optional trailing
 *   ";" are ignored ("v=DKIM1; p=...; " is frequent in DNS);
 * - bytes >= 0x80 are accepted as VALCHAR (UTF-8 in EAI header fields,
 *   RFC 6532 3.2); ASCII controls are not.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/taglist.h"
#include "common/util.h"

/* RFC 5234 B.1: WSP = SP / HTAB */
static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* RFC 6376 3.2: ALNUMPUNC = ALPHA / DIGIT / "_" */
static bool
is_alnumpunc(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* RFC 6376 3.2: VALCHAR = %x21-3A / %x3C-7E (see the leniency above) */
static bool
is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x3a) || (c >= 0x3c && c <= 0x7e) ||
	    c >= 0x80;
}

/* A line break: CRLF, or a bare LF; returns its end or NULL. */
static const char *
skip_crlf(const char *p, const char *end)
{
	if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
		return p + 2;
	if (p < end && *p == '\n')
		return p + 1;
	return NULL;
}

/*
 * RFC 5322 3.2.2 FWS = ([*WSP CRLF] 1*WSP), repeated: tag-value allows
 * 1*(WSP / FWS), and the optional [FWS] elsewhere accepts the same run.
 * Returns p when nothing matches.  A line break not followed by WSP is not
 * folding: the run stops before it.
 */
static const char *
skip_fws(const char *p, const char *end)
{
	const char *q, *r;

	for (;;) {
		q = p;
		while (q < end && is_wsp((unsigned char)*q))
			q++;
		r = skip_crlf(q, end);
		if (r != NULL && r < end && is_wsp((unsigned char)*r)) {
			p = r;
			continue;
		}
		return q;
	}
}

/* tag-name = ALPHA *ALNUMPUNC */
static const char *
skip_tag_name(const char *p, const char *end)
{
	if (p >= end || !is_alpha((unsigned char)*p))
		return NULL;
	for (p++; p < end && is_alnumpunc((unsigned char)*p); p++)
		;
	return p;
}

/* tval = 1*VALCHAR */
static const char *
skip_tval(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && is_valchar((unsigned char)*p))
		p++;
	return p == s ? NULL : p;
}

/*
 * tag-value = [ tval *( 1*(WSP / FWS) tval ) ]
 * Optional: returns p for an empty value.  The whitespace after the last
 * tval is not part of the value.
 */
static const char *
skip_tag_value(const char *p, const char *end)
{
	const char *q, *r;

	if ((q = skip_tval(p, end)) == NULL)
		return p;
	for (;;) {
		r = skip_fws(q, end);
		if (r == q)
			return q;
		if ((r = skip_tval(r, end)) == NULL)
			return q;
		q = r;
	}
}

/*
 * tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 * Fills t; returns the end or NULL.
 */
static const char *
skip_tag_spec(const char *p, const char *end, struct tag *t)
{
	const char *q;

	p = skip_fws(p, end);
	if ((q = skip_tag_name(p, end)) == NULL)
		return NULL;
	t->name = p;
	t->namelen = (size_t)(q - p);
	p = skip_fws(q, end);
	if (p >= end || *p != '=')
		return NULL;
	p = skip_fws(p + 1, end);
	q = skip_tag_value(p, end);
	t->value = p;
	t->valuelen = (size_t)(q - p);
	return skip_fws(q, end);
}

/* Only whitespace and line breaks remain (the trailing leniency). */
static bool
only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!is_wsp((unsigned char)*p) && *p != '\r' && *p != '\n')
			return false;
	return true;
}

/* tag-list = tag-spec *( ";" tag-spec ) [ ";" ] */
enum tag_status
tag_parse(const char *s, size_t len, struct tag *tags, size_t *n)
{
	const char *p = s, *end, *q;
	struct tag t;
	size_t i;

	*n = 0;
	if (s == NULL)
		return TAG_ESYNTAX;
	/* Only now: NULL + 0 is undefined behaviour (C11 6.5.6), and
	 * UBSan's pointer-overflow check reports it. */
	end = s + len;
	for (;;) {
		q = skip_tag_spec(p, end, &t);
		if (q == NULL) {
			/* Allowed only after a ';' that ended the list. */
			if (*n > 0 && only_space(p, end))
				return TAG_OK;
			return TAG_ESYNTAX;
		}
		/* RFC 6376 3.2: duplicate tag names make the list invalid. */
		for (i = 0; i < *n; i++)
			if (tags[i].namelen == t.namelen &&
			    memcmp(tags[i].name, t.name, t.namelen) == 0)
				return TAG_EDUPLICATE;
		if (*n == TAG_MAX)
			return TAG_ETOOMANY;
		tags[(*n)++] = t;
		p = q;
		if (p < end && *p == ';') {
			p++;
			continue;
		}
		if (only_space(p, end))
			return TAG_OK;
		return TAG_ESYNTAX;
	}
}

const struct tag *
tag_find(const struct tag *tags, size_t n, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i < n; i++)
		if (tags[i].namelen == len &&
		    memcmp(tags[i].name, name, len) == 0)
			return &tags[i];
	return NULL;
}

char *
tag_value_nows(const struct tag *t)
{
	char *s = xmalloc(t->valuelen + 1);
	size_t i, j = 0;

	for (i = 0; i < t->valuelen; i++) {
		char c = t->value[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			s[j++] = c;
	}
	s[j] = '\0';
	return s;
}

char *
tag_value_dup(const struct tag *t)
{
	return xmemdup(t->value, t->valuelen);
}
