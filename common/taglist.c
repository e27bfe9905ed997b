/*
 * taglist: RFC 6376 3.2 tag=value lists.  The rules below tag-spec
 * (tag-name, tag-value, tval, FWS) are common/lex.c's; tag-spec returns
 * the end of its match or NULL.
 *
 * Leniencies (all common in real DNS records and signatures, none can make
 * two different lists parse the same way):
 * - folding may use a bare LF instead of CRLF (LF input, DESIGN.md);
 * - whitespace, and a final line terminator, after the optional trailing
 *   ";" are ignored ("v=DKIM1; p=...; " is frequent in DNS);
 * - bytes >= 0x80 are accepted as VALCHAR (lex_is_valchar(): UTF-8 in
 *   EAI header fields, RFC 6532 3.2); ASCII controls are not.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/lex.h"
#include "common/taglist.h"
#include "common/util.h"

/*
 * tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 * Fills t; returns the end or NULL.
 */
static const char *
skip_tag_spec(const char *p, const char *end, struct tag *t)
{
	const char *q;

	p = lex_skip_fws(p, end);
	if ((q = lex_skip_tag_name(p, end)) == p)
		return NULL;
	t->name = p;
	t->namelen = (size_t)(q - p);
	p = lex_skip_fws(q, end);
	if (p >= end || *p != '=')
		return NULL;
	p = lex_skip_fws(p + 1, end);
	q = lex_skip_tag_value(p, end);
	t->value = p;
	t->valuelen = (size_t)(q - p);
	return lex_skip_fws(q, end);
}

/* Only whitespace and line breaks remain (the trailing leniency). */
static bool
only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!lex_is_wsp((unsigned char)*p) && *p != '\r' && *p != '\n')
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
