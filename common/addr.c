/*
 * addr: an RFC 5322 address parser (see addr.h for the contract).
 *
 * Recursive descent, one function per ABNF rule of RFC 5322 3.2 (lexical
 * tokens), 3.4 (address specification) and 4.4 (obsolete addressing),
 * named after the rule; the lexical tokens themselves (FWS, CFWS, atext,
 * quoted-string, domain-literal) are common/lex.c's.  Each takes (p, end)
 * and returns the end of its match, or NULL when the rule does not match
 * (lex_skip_* return p instead, as lex.h says); none reads at or past end.
 * Rules that produce a value append it to a struct buf.  The only
 * backtracking is in address/mailbox: a display-name (phrase) is tried
 * first and, when neither "<" nor ":" follows, the same bytes are parsed
 * again as an addr-spec; so the work is linear in the input.
 *
 * Deviations from the ABNF (each deliberate):
 *  - NUL bytes are a syntax error everywhere, even as obs-qp "\" %d0
 *    (RFC 5322 4.1); so are CR and LF after a backslash: the semantic
 *    local-part must be a C string that is safe to put into a new header
 *    field (Received-SPF, Authentication-Results).
 *  - 8-bit bytes are accepted as atext/qtext in display names (phrases)
 *    and as ctext in comments, as RFC 6532 does for UTF-8: real mail
 *    carries raw UTF-8 names, and the PRA must not fail on them.  They stay
 *    a syntax error in local-parts and domains.
 *  - a folding line break may be CRLF or a bare LF (LF-only input), and a
 *    single line break at the very end of a value is ignored.
 *  - obs-addr-list and obs-mbox-list require one element; a list of only
 *    empty elements (",,") is accepted here as an empty list, like an
 *    empty value.
 *  - an empty quoted local-part (""@example.com) is rejected: addr.h
 *    promises a non-empty local-part.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/lex.h"
#include "common/util.h"

/* ---------------------------------------------------------------- 3.2 */

/* Append the unfolded form of [p, q): the line breaks of FWS are
 * semantically invisible (RFC 5322 3.2.2), the WSP stays. */
static void
fws_unfold(const char *p, const char *q, struct buf *out)
{
	for (; p < q; p++)
		if (*p != '\r' && *p != '\n')
			buf_addc(out, *p);
}

/* 1*atext, with 8-bit bytes too when allow8 (RFC 6532 3.2). */
static const char *
atext_run(const char *p, const char *end, bool allow8)
{
	return allow8 ? lex_skip_atext_utf8(p, end) : lex_skip_atext(p, end);
}

/* quoted-string without the CFWS around it (RFC 5322 3.2.4); p is at
 * DQUOTE.  Appends the semantic content to out: quotes removed,
 * quoted-pairs resolved, folds unfolded. */
static const char *
quoted_string_core(const char *p, const char *end, struct buf *out, bool allow8)
{
	const char *q = allow8 ? lex_skip_quoted_string_utf8(p, end) :
	    lex_skip_quoted_string(p, end);
	char *v;

	if (q == p)
		return NULL;
	v = xmalloc((size_t)(q - p));
	buf_add(out, v, lex_quoted_string_value(p, q, v));
	free(v);
	return q;
}

/* word = atom / quoted-string (RFC 5322 3.2.5), without the CFWS around
 * it (callers skip that and note it).  Appends the word's value. */
static const char *
word(const char *p, const char *end, struct buf *out, bool allow8)
{
	const char *q;

	if (p < end && *p == '"')
		return quoted_string_core(p, end, out, allow8);
	q = atext_run(p, end, allow8);
	if (q == p)
		return NULL;
	buf_add(out, p, (size_t)(q - p));
	return q;
}

/* phrase = 1*word / obs-phrase; obs-phrase = word *(word / "." / CFWS)
 * (RFC 5322 3.2.5, 4.1).  p is past any leading CFWS; returns past the
 * trailing CFWS.  The value is the words with one space wherever CFWS
 * separated them (comments count as space), and the dots of obs-phrase. */
static const char *
phrase(const char *p, const char *end, struct buf *out)
{
	const char *q;
	bool space;
	unsigned char c;

	if ((q = word(p, end, out, true)) == NULL)
		return NULL;
	for (;;) {
		p = lex_skip_cfws(q, end);
		if (p >= end)
			return p;
		space = p != q;
		c = (unsigned char)*p;
		if (c == '.') {
			if (space)
				buf_addc(out, ' ');
			buf_addc(out, '.');
			q = p + 1;
		} else if (c == '"' || lex_is_atext(c) || c >= 0x80) {
			if (space)
				buf_addc(out, ' ');
			if ((q = word(p, end, out, true)) == NULL)
				return NULL;
		} else
			return p;
	}
}

/* Collapse runs of WSP to one space and trim both ends, in place. */
static void
collapse_wsp(struct buf *b)
{
	size_t i, j = 0;
	bool pending = false;

	for (i = 0; i < b->len; i++) {
		if (lex_is_wsp((unsigned char)b->data[i])) {
			pending = j > 0;
			continue;
		}
		if (pending)
			b->data[j++] = ' ';
		pending = false;
		b->data[j++] = b->data[i];
	}
	b->len = j;
	if (b->data != NULL)
		b->data[j] = '\0';
}

/* ---------------------------------------------------------------- 3.4.1 */

/* local-part = dot-atom / quoted-string / obs-local-part;
 * obs-local-part = word *("." word) (RFC 5322 3.4.1, 4.4).  dot-atom is
 * the special case of obs-local-part without CFWS or quoted words, so one
 * loop parses all three.  p may start with CFWS; returns past the trailing
 * CFWS.  The value joins the words' values with "." (CFWS removed). */
static const char *
local_part(const char *p, const char *end, struct buf *out)
{
	const char *q;

	p = lex_skip_cfws(p, end);
	if ((q = word(p, end, out, false)) == NULL)
		return NULL;
	for (;;) {
		p = lex_skip_cfws(q, end);
		if (p >= end || *p != '.')
			return p;
		buf_addc(out, '.');
		p = lex_skip_cfws(p + 1, end);
		if ((q = word(p, end, out, false)) == NULL)
			return NULL;
	}
}

/* domain-literal (RFC 5322 3.4.1, 4.4), then CFWS; p is at "[".  The
 * value keeps the brackets and quoted-pairs as written, with folds
 * unfolded. */
static const char *
domain_literal(const char *p, const char *end, struct buf *out)
{
	const char *q = lex_skip_domain_literal(p, end);

	if (q == p)
		return NULL;
	fws_unfold(p, q, out);
	return lex_skip_cfws(q, end);
}

/* domain = dot-atom / domain-literal / obs-domain;
 * obs-domain = atom *("." atom) (RFC 5322 3.4.1, 4.4).  Like local-part,
 * one loop covers dot-atom and obs-domain.  Returns past trailing CFWS. */
static const char *
domain(const char *p, const char *end, struct buf *out)
{
	const char *q;

	p = lex_skip_cfws(p, end);
	if (p < end && *p == '[')
		return domain_literal(p, end, out);
	for (;;) {
		q = atext_run(p, end, false);
		if (q == p)
			return NULL;
		buf_add(out, p, (size_t)(q - p));
		p = lex_skip_cfws(q, end);
		if (p >= end || *p != '.')
			return p;
		buf_addc(out, '.');
		p = lex_skip_cfws(p + 1, end);
	}
}

/* addr-spec = local-part "@" domain (RFC 5322 3.4.1).  Fills mb->local
 * and mb->domain on success. */
static const char *
addr_spec(const char *p, const char *end, struct addr_mailbox *mb)
{
	struct buf local = BUF_INIT, dom = BUF_INIT;

	if ((p = local_part(p, end, &local)) == NULL || local.len == 0 ||
	    p >= end || *p != '@' || (p = domain(p + 1, end, &dom)) == NULL) {
		buf_free(&local);
		buf_free(&dom);
		return NULL;
	}
	mb->local = buf_detach(&local);
	mb->domain = buf_detach(&dom);
	return p;
}

/* ---------------------------------------------------------------- 3.4 */

/* obs-route = obs-domain-list ":"; obs-domain-list = *(CFWS / ",") "@"
 * domain *("," [CFWS] ["@" domain]) (RFC 5322 4.4).  p is just past "<".
 * Returns past the ":" when a route is there (its domains are ignored, as
 * RFC 5322 4.4 says), p itself when there is none, NULL when broken. */
static const char *
obs_route(const char *p, const char *end)
{
	struct buf ignored = BUF_INIT;
	const char *q = p;

	for (;;) {
		q = lex_skip_cfws(q, end);
		if (q >= end || *q != ',')
			break;
		q++;
	}
	if (q >= end || *q != '@')
		return p;
	for (;;) {
		if (q < end && *q == '@') {
			q = domain(q + 1, end, &ignored);
			buf_reset(&ignored);
			if (q == NULL)
				break;
		}
		if (q < end && *q == ',') {
			q = lex_skip_cfws(q + 1, end);
			continue;
		}
		if (q < end && *q == ':') {
			buf_free(&ignored);
			return q + 1;
		}
		q = NULL;
		break;
	}
	buf_free(&ignored);
	return NULL;
}

/* angle-addr = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr;
 * obs-angle-addr = [CFWS] "<" obs-route addr-spec ">" [CFWS]
 * (RFC 5322 3.4, 4.4).  p is at "<". */
static const char *
angle_addr(const char *p, const char *end, struct addr_mailbox *mb)
{
	if ((p = obs_route(p + 1, end)) == NULL ||
	    (p = addr_spec(p, end, mb)) == NULL)
		return NULL;
	if (p >= end || *p != '>') {
		free(mb->local);
		free(mb->domain);
		mb->local = mb->domain = NULL;
		return NULL;
	}
	return lex_skip_cfws(p + 1, end);
}

static void
list_add(struct addr_list *l, struct addr_mailbox *mb)
{
	/* The capacity is implied by n: the next power of two. */
	if ((l->n & (l->n - 1)) == 0)
		l->mb =
		    xreallocarray(l->mb, l->n ? 2 * l->n : 1, sizeof *l->mb);
	l->mb[l->n++] = *mb;
}

static const char *group(const char *p, const char *end, struct addr_list *l);

/* address = mailbox / group; mailbox = name-addr / addr-spec;
 * name-addr = [display-name] angle-addr; display-name = phrase
 * (RFC 5322 3.4).  With allow_group false this is just mailbox, and a
 * group is a syntax error.  Appends the mailbox (or the group's members)
 * to l.  Returns past trailing CFWS. */
static const char *
address(const char *p, const char *end, struct addr_list *l, bool allow_group)
{
	struct addr_mailbox mb = {NULL, NULL, NULL};
	struct buf disp = BUF_INIT;
	const char *q;
	bool have_phrase;

	p = lex_skip_cfws(p, end);
	q = phrase(p, end, &disp);
	have_phrase = q != NULL;
	if (!have_phrase) {
		buf_free(&disp);
		q = p;
	}
	if (q < end && *q == '<') {
		if ((q = angle_addr(q, end, &mb)) == NULL) {
			buf_free(&disp);
			return NULL;
		}
		collapse_wsp(&disp);
		mb.display = disp.len > 0 ? buf_detach(&disp) : NULL;
		buf_free(&disp);
		list_add(l, &mb);
		return q;
	}
	if (have_phrase && q < end && *q == ':') {
		/* group = display-name ":" [group-list] ";" [CFWS] */
		buf_free(&disp);
		return allow_group ? group(q + 1, end, l) : NULL;
	}
	buf_free(&disp);
	if ((q = addr_spec(p, end, &mb)) == NULL)
		return NULL;
	list_add(l, &mb);
	return q;
}

/* mailbox = name-addr / addr-spec (RFC 5322 3.4): an address that is not
 * a group. */
static const char *
mailbox(const char *p, const char *end, struct addr_list *l)
{
	return address(p, end, l, false);
}

/* group = display-name ":" [group-list] ";" [CFWS];
 * group-list = mailbox-list / CFWS / obs-group-list;
 * obs-group-list = 1*([CFWS] ",") [CFWS] (RFC 5322 3.4, 4.4).  p is past
 * the ":".  Members are flattened into l. */
static const char *
group(const char *p, const char *end, struct addr_list *l)
{
	l->ngroups++;
	for (;;) {
		p = lex_skip_cfws(p, end);
		if (p >= end)
			return NULL; /* no ";" */
		if (*p == ';')
			return lex_skip_cfws(p + 1, end);
		if (*p == ',') {
			p++;
			continue;
		}
		if ((p = mailbox(p, end, l)) == NULL)
			return NULL;
		if (p < end && *p == ',')
			p++;
		else if (p >= end || *p != ';')
			return NULL;
	}
}

/* The end of the value to parse: NULL is an empty value, and a single
 * line break ending it is not part of it (leniency for callers that pass
 * a field's last line with its terminator).  Sets *p to the start. */
static const char *
value_end(const char **p, const char *value, size_t len)
{
	if (value == NULL) {
		value = "";
		len = 0;
	}
	if (len > 0 && value[len - 1] == '\n') {
		len--;
		if (len > 0 && value[len - 1] == '\r')
			len--;
	}
	*p = value;
	return value + len;
}

/* address-list = (address *("," address)) / obs-addr-list;
 * obs-addr-list = *([CFWS] ",") address *("," [address / CFWS]);
 * mailbox-list and obs-mbox-list likewise with mailbox (RFC 5322 3.4,
 * 4.4).  Empty elements are skipped. */
static struct addr_list *
list_parse(const char *value, size_t len, bool allow_group)
{
	struct addr_list *l = xcalloc(1, sizeof *l);
	const char *p, *end = value_end(&p, value, len);

	for (;;) {
		p = lex_skip_cfws(p, end);
		if (p >= end)
			return l;
		if (*p == ',') {
			p++;
			continue;
		}
		if ((p = address(p, end, l, allow_group)) == NULL)
			break;
		if (p >= end)
			return l;
		if (*p != ',')
			break;
		p++;
	}
	addr_list_free(l);
	return NULL;
}

struct addr_list *
addr_parse_address_list(const char *value, size_t len)
{
	return list_parse(value, len, true);
}

struct addr_list *
addr_parse_mailbox_list(const char *value, size_t len)
{
	return list_parse(value, len, false);
}

struct addr_list *
addr_parse_mailbox(const char *value, size_t len)
{
	struct addr_list *l = xcalloc(1, sizeof *l);
	const char *p, *end = value_end(&p, value, len);

	p = mailbox(p, end, l);
	if (p == NULL || p != end || l->n != 1) {
		addr_list_free(l);
		return NULL;
	}
	return l;
}

/* path = angle-addr / ([CFWS] "<" [CFWS] ">" [CFWS]) (RFC 5322 3.6.7),
 * plus a bare addr-spec (leniency: some MTAs write Return-Path without
 * the angle brackets). */
struct addr_list *
addr_parse_path(const char *value, size_t len, bool *null_path)
{
	struct addr_list *l = xcalloc(1, sizeof *l);
	struct addr_mailbox mb = {NULL, NULL, NULL};
	const char *p, *q, *end = value_end(&p, value, len);

	if (null_path != NULL)
		*null_path = false;
	p = lex_skip_cfws(p, end);
	if (p < end && *p == '<') {
		q = lex_skip_cfws(p + 1, end);
		if (q < end && *q == '>') {
			if (lex_skip_cfws(q + 1, end) != end)
				goto fail;
			if (null_path != NULL)
				*null_path = true;
			return l;
		}
		q = angle_addr(p, end, &mb);
	} else
		q = addr_spec(p, end, &mb);
	if (q == NULL)
		goto fail;
	list_add(l, &mb);
	if (q != end)
		goto fail;
	return l;
fail:
	addr_list_free(l);
	return NULL;
}

/* What one mailbox of a list owns (util_array_free's elem_clear). */
static void
mailbox_clear(void *p)
{
	struct addr_mailbox *mb = p;

	UTIL_FREE_ALL(mb->display, mb->local, mb->domain);
}

void
addr_list_free(struct addr_list *l)
{
	if (l == NULL)
		return;
	util_array_free(l->mb, l->n, sizeof(*l->mb), mailbox_clear);
	free(l);
}

char *
addr_mailbox_string(const struct addr_mailbox *mb)
{
	struct buf b = BUF_INIT;
	const char *s;

	if (lex_check_dot_atom_text(mb->local, strlen(mb->local)))
		buf_adds(&b, mb->local);
	else {
		/* quoted-string; "\" and DQUOTE need a quoted-pair (RFC 5322
		 * 3.2.4). */
		buf_addc(&b, '"');
		for (s = mb->local; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *s);
		}
		buf_addc(&b, '"');
	}
	if (mb->domain != NULL) {
		buf_addc(&b, '@');
		buf_adds(&b, mb->domain);
	}
	return buf_detach(&b);
}
