/*
 * lex: ABNF rules as byte classes, skip and check functions (see lex.h for
 * the contract).  Each function is named after its rule; higher rules call
 * lower ones, so the code reads against the RFC.
 */
#include "config.h"

#include <string.h>

#include "common/lex.h"

/* The longest run of bytes in the class cls at p: the 1*class and
 * *class halves of many rules (p itself when there is none). */
static const char *
run(const char *p, const char *end, bool (*cls)(unsigned char))
{
	while (p < end && cls((unsigned char)*p))
		p++;
	return p;
}

/* first *rest: a byte of class first, then a run of class rest. */
static const char *
first_then(const char *p, const char *end, bool (*first)(unsigned char),
    bool (*rest)(unsigned char))
{
	if (p >= end || !first((unsigned char)*p))
		return p;
	return run(p + 1, end, rest);
}

/* ------------------------------------------------ RFC 2045 5.1 */

bool
lex_is_token_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

const char *
lex_skip_token(const char *p, const char *end)
{
	return run(p, end, lex_is_token_char);
}

/* ------------------------------------------------ RFC 5322 classes */

bool
lex_is_obs_no_ws_ctl(unsigned char c)
{
	return (c >= 1 && c <= 8) || c == 11 || c == 12 ||
	    (c >= 14 && c <= 31) || c == 127;
}

bool
lex_is_ctext(unsigned char c)
{
	return (c >= 33 && c <= 39) || (c >= 42 && c <= 91) ||
	    (c >= 93 && c <= 126) || lex_is_obs_no_ws_ctl(c);
}

bool
lex_is_qtext(unsigned char c)
{
	return c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126) ||
	    lex_is_obs_no_ws_ctl(c);
}

bool
lex_is_dtext(unsigned char c)
{
	return (c >= 33 && c <= 90) || (c >= 94 && c <= 126) ||
	    lex_is_obs_no_ws_ctl(c);
}

bool
lex_is_atext(unsigned char c)
{
	if (lex_is_alpha(c) || lex_is_digit(c))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

bool
lex_is_quoted_pair_char(unsigned char c, bool utf8)
{
	if (c >= 0x80)
		return utf8;
	return c != '\0' && c != '\r' && c != '\n';
}

/* ------------------------------------------------ RFC 5322 3.2 */

const char *
lex_skip_fws(const char *p, const char *end)
{
	const char *q;

	for (;;) {
		while (p < end && lex_is_wsp((unsigned char)*p))
			p++;
		q = p;
		if (q < end && *q == '\r')
			q++;
		if (q < end && *q == '\n' && q + 1 < end &&
		    lex_is_wsp((unsigned char)q[1])) {
			p = q + 1;
			continue;
		}
		return p;
	}
}

/*
 * The shape comment, quoted-string and domain-literal share (RFC 5322
 * 3.2.2, 3.2.4, 3.4.1): open *([FWS] (text / quoted-pair)) [FWS] close,
 * with text the rule's class (and any byte >= 0x80 when utf8, which also
 * allows it after "\": RFC 6532 3.2).  Only a comment nests (nest);
 * the depth is counted, not recursed, so no input can exhaust the
 * stack.  A line break that is not folding, or end before the
 * close, is no match.
 */
static const char *
delimited(const char *p, const char *end, char open, char close, bool nest,
    bool (*text)(unsigned char), bool utf8)
{
	const char *s = p;
	size_t depth = 1;
	unsigned char c;

	if (p >= end || *p != open)
		return s;
	for (p++; p < end;) {
		c = (unsigned char)*p;
		if (c == (unsigned char)close) {
			p++;
			if (--depth == 0)
				return p;
		} else if (nest && c == (unsigned char)open) {
			depth++;
			p++;
		} else if (c == '\\') {
			if (end - p < 2 ||
			    !lex_is_quoted_pair_char((unsigned char)p[1], utf8))
				return s;
			p += 2;
		} else if (lex_is_wsp(c) || c == '\r' || c == '\n') {
			const char *q = lex_skip_fws(p, end);

			if (q == p)
				return s;
			p = q;
		} else if (text(c) || (utf8 && c >= 0x80))
			p++;
		else
			return s;
	}
	return s; /* unterminated */
}

const char *
lex_skip_comment(const char *p, const char *end)
{
	return delimited(p, end, '(', ')', true, lex_is_ctext, true);
}

const char *
lex_skip_cfws(const char *p, const char *end)
{
	const char *q;

	for (;;) {
		p = lex_skip_fws(p, end);
		if ((q = lex_skip_comment(p, end)) == p)
			return p;
		p = q;
	}
}

const char *
lex_skip_atext(const char *p, const char *end)
{
	return run(p, end, lex_is_atext);
}

/* atext =/ UTF8-non-ascii (RFC 6532 3.2), without checking the UTF-8. */
static bool
is_atext_utf8(unsigned char c)
{
	return lex_is_atext(c) || c >= 0x80;
}

const char *
lex_skip_atext_utf8(const char *p, const char *end)
{
	return run(p, end, is_atext_utf8);
}

const char *
lex_skip_atom(const char *p, const char *end)
{
	const char *s = p, *q;

	p = lex_skip_cfws(p, end);
	if ((q = lex_skip_atext(p, end)) == p)
		return s;
	return lex_skip_cfws(q, end);
}

const char *
lex_skip_dot_atom_text(const char *p, const char *end)
{
	const char *q, *r;

	if ((q = lex_skip_atext(p, end)) == p)
		return p;
	/* A "." counts only when 1*atext follows it. */
	while (q < end && *q == '.' &&
	    (r = lex_skip_atext(q + 1, end)) != q + 1)
		q = r;
	return q;
}

bool
lex_check_dot_atom_text(const char *s, size_t len)
{
	return len > 0 && lex_skip_dot_atom_text(s, s + len) == s + len;
}

const char *
lex_skip_quoted_string(const char *p, const char *end)
{
	return delimited(p, end, '"', '"', false, lex_is_qtext, false);
}

const char *
lex_skip_quoted_string_utf8(const char *p, const char *end)
{
	return delimited(p, end, '"', '"', false, lex_is_qtext, true);
}

size_t
lex_quoted_string_value(const char *p, const char *q, char *out)
{
	size_t n = 0;

	/* [p, q) is a matched quoted-string: the pairs are whole, and every
	 * CR or LF belongs to a fold. */
	for (p++, q--; p < q; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '\r' || *p == '\n')
			continue;
		out[n++] = *p;
	}
	return n;
}

const char *
lex_skip_domain_literal(const char *p, const char *end)
{
	return delimited(p, end, '[', ']', false, lex_is_dtext, false);
}

/* ------------------------------------------------ RFC 6376 3.2 */

const char *
lex_skip_tag_name(const char *p, const char *end)
{
	return first_then(p, end, lex_is_alpha, lex_is_alnumpunc);
}

const char *
lex_skip_tval(const char *p, const char *end)
{
	return run(p, end, lex_is_valchar);
}

const char *
lex_skip_tag_value(const char *p, const char *end)
{
	const char *q, *r, *s;

	if ((q = lex_skip_tval(p, end)) == p)
		return p;
	for (;;) {
		if ((r = lex_skip_fws(q, end)) == q)
			return q;
		if ((s = lex_skip_tval(r, end)) == r)
			return q;
		q = s;
	}
}

/* ------------------------------------------------ RFC 7208 7.1 */

bool
lex_check_toplabel(const char *s, size_t len)
{
	size_t i;
	bool alpha = false, dash = false;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (lex_is_alpha(c))
			alpha = true;
		else if (c == '-')
			dash = true;
		else if (!lex_is_digit(c))
			return false;
	}
	/* alphanum = ALPHA / DIGIT */
	if (dash)
		return !(s[0] == '-' || s[len - 1] == '-');
	return alpha;
}

/* ALPHA / DIGIT / "-" / "_" / "." */
static bool
is_spf_name_char(unsigned char c)
{
	return lex_is_alpha(c) || lex_is_digit(c) || c == '-' || c == '_' ||
	    c == '.';
}

const char *
lex_skip_spf_name(const char *p, const char *end)
{
	return first_then(p, end, lex_is_alpha, is_spf_name_char);
}

/* ------------------------------------------------ domain names */

/* Whether the label [s, s + len) (non-empty) has the bytes flags ask for. */
static bool
label_ok(const char *s, size_t len, unsigned flags)
{
	size_t i;

	bool underscore = (flags & LEX_DN_LDH_UNDERSCORE) != 0;

	/* Let-dig [Ldh-str]: a letter or digit at both ends. */
	if ((flags & LEX_DN_LDH) != 0 && (s[0] == '-' || s[len - 1] == '-'))
		return false;
	/* The flags are tested once a label, not once a byte: DKIM checks
	 * d=, s= and the i= domain of every signature with this. */
	if ((flags & (LEX_DN_LDH | LEX_DN_LDH_UNDERSCORE)) != 0) {
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			if (!lex_is_alpha(c) && !lex_is_digit(c) && c != '-' &&
			    !(c == '_' && underscore))
				return false;
		}
	} else if ((flags & LEX_DN_VCHAR) != 0) {
		for (i = 0; i < len; i++)
			if (!lex_is_vchar((unsigned char)s[i]))
				return false;
	}
	return true;
}

bool
lex_check_domain(const char *s, size_t len, unsigned flags)
{
	const char *p, *end, *dot;
	size_t labels = 0;

	if ((flags & LEX_DN_TRAILING_DOT) != 0 && len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 ||
	    ((flags & LEX_DN_ANY_LENGTH) == 0 && len > LEX_NAME_MAX))
		return false;
	for (p = s, end = s + len;; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(end - p))) == NULL)
			dot = end;
		if (dot == p || ((flags & LEX_DN_ANY_LENGTH) == 0 &&
		    dot - p > LEX_LABEL_MAX) ||
		    !label_ok(p, (size_t)(dot - p), flags))
			return false;
		labels++;
		if (dot == end)
			break;
	}
	return (flags & LEX_DN_MULTI_LABEL) == 0 || labels >= 2;
}

/* The last n bytes of a and b are equal but for ASCII case. */
static bool
tail_caseeq(const char *a, const char *b, size_t n)
{
	while (n-- > 0)
		if (lex_to_lower((unsigned char)a[n]) !=
		    lex_to_lower((unsigned char)b[n]))
			return false;
	return true;
}

bool
lex_domain_within(const char *name, size_t nlen, const char *domain,
    size_t dlen)
{
	if (nlen < dlen || (nlen > dlen && name[nlen - dlen - 1] != '.'))
		return false;
	return tail_caseeq(name + nlen - dlen, domain, dlen);
}
