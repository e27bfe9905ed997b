/*
 * lex: the ABNF rules of the RFCs this toolkit reads, each written once and
 * named after its rule, grouped by RFC: RFC 5234 B.1 core rules, RFC 2045
 * 5.1 token, RFC 5322 3.2 lexical tokens and 3.6.8 ftext, RFC 6376 3.2
 * tag-list pieces, RFC 7208 7.1 toplabel, and domain names (RFC 1034 3.1,
 * RFC 1035 2.3.4, RFC 5321 4.1.2).  Parsers of whole structures (addresses,
 * tag lists, SPF records, Authentication-Results) live in their own modules
 * and call these.
 *
 * Ownership: module lex (prefix lex_).  Nothing here allocates, prints or
 * keeps state; the caller owns every buffer.  lex depends on no other
 * module (util.c and msg.c use its case folding), so it can sit under all
 * of them without a circle.
 *
 * Conventions:
 *  - lex_is_RULE(c): whether the byte c is in the character class RULE.
 *    These are static inline: canon.c and msg.c call them per byte.
 *  - lex_skip_RULE(p, end): the position just after the longest match of
 *    RULE starting at p, or p itself when RULE does not match there (so an
 *    optional rule costs nothing to write: p = lex_skip_cfws(p, end)).
 *    None reads at or beyond end; p == end is allowed; any bytes are.
 *  - lex_check_RULE(s, len, ...): whether the whole string [s, s + len) is
 *    one RULE.
 *
 * Deviations from the RFC text are deliberate and listed where they occur
 * (bare LF as a line break, 8-bit bytes under RFC 6532 3.2).
 */
#ifndef COMMON_LEX_H
#define COMMON_LEX_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 1035 2.3.4: labels are 63 octets or less. */
#define LEX_LABEL_MAX 63
/* RFC 1035 2.3.4 limits a name to 255 octets on the wire; in text form,
 * without the trailing dot, that is 253 (RFC 7208 4.3 and 7.3 and RFC
 * 6376 use the same figure). */
#define LEX_NAME_MAX 253

/* ------------------------------------------------ RFC 5234 B.1 core rules */

/* ALPHA = %x41-5A / %x61-7A */
static inline bool
lex_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* DIGIT = %x30-39 */
static inline bool
lex_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* HEXDIG = DIGIT / "A" / "B" / "C" / "D" / "E" / "F"; ABNF strings are
 * case-insensitive (RFC 5234 2.3), so a-f too. */
static inline bool
lex_is_hexdig(unsigned char c)
{
	return lex_is_digit(c) || (c >= 'A' && c <= 'F') ||
	    (c >= 'a' && c <= 'f');
}

/* The value of a HEXDIG (either case, as above), or -1 for another byte. */
static inline int
lex_hexdig_value(unsigned char c)
{
	if (lex_is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* WSP = SP / HTAB */
static inline bool
lex_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* WSP / CR / LF: the bytes a folded field body's whitespace (RFC 5322
 * 3.2.2 FWS) is made of, for scanners that take it a byte at a time
 * (Received tokens, RFC 6376 2.11 qp-section FWS). */
static inline bool
lex_is_fws_char(unsigned char c)
{
	return lex_is_wsp(c) || c == '\r' || c == '\n';
}

/* VCHAR = %x21-7E */
static inline bool
lex_is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* ABNF quoted strings are case-insensitive in US-ASCII only (RFC 5234
 * 2.3), as DNS names are (RFC 4343): the one case folding everything
 * here and in its callers uses, whatever the locale. */
static inline unsigned char
lex_to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ------------------------------------------------ RFC 2045 5.1 */

/* token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>;
 * tspecials = "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" /
 * <"> / "/" / "[" / "]" / "?" / "=".  (RFC 8601 2.2 value = token /
 * quoted-string.) */
bool lex_is_token_char(unsigned char c);
const char *lex_skip_token(const char *p, const char *end);

/* ------------------------------------------------ RFC 5322 3.2, 3.6.8, 4.1 */

/* obs-NO-WS-CTL = %d1-8 / %d11 / %d12 / %d14-31 / %d127 (4.1) */
bool lex_is_obs_no_ws_ctl(unsigned char c);
/* ctext = %d33-39 / %d42-91 / %d93-126 / obs-ctext (3.2.2) */
bool lex_is_ctext(unsigned char c);
/* qtext = %d33 / %d35-91 / %d93-126 / obs-qtext (3.2.4) */
bool lex_is_qtext(unsigned char c);
/* dtext = %d33-90 / %d94-126 / obs-dtext (3.4.1; the quoted-pair half
 * of obs-dtext is lex_skip_domain_literal's) */
bool lex_is_dtext(unsigned char c);
/* atext = ALPHA / DIGIT / "!" / "#" / ... / "~" (3.2.3) */
bool lex_is_atext(unsigned char c);
/* ftext = %d33-57 / %d59-126 (3.6.8): a field-name byte. */
static inline bool
lex_is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}
/* The byte after "\" in quoted-pair = ("\" (VCHAR / WSP)) / obs-qp,
 * obs-qp = "\" (%d0 / obs-NO-WS-CTL / LF / CR) (3.2.1, 4.1), less NUL, CR
 * and LF: an unquoted value must be a C string safe to write into a new
 * header field.  utf8: also any byte >= 0x80 (RFC 6532 3.2). */
bool lex_is_quoted_pair_char(unsigned char c, bool utf8);

/* FWS = ([*WSP CRLF] 1*WSP) / obs-FWS; obs-FWS = 1*WSP *(CRLF 1*WSP)
 * (3.2.2, 4.2).  A line break is CRLF or a bare LF (LF-only input), and
 * counts only when WSP follows it.  RFC 6376 2.8 uses the same FWS, and
 * its tag-value's 1*(WSP / FWS) is the same run, so taglist uses this
 * too. */
const char *lex_skip_fws(const char *p, const char *end);
/* comment = "(" *([FWS] ccontent) [FWS] ")"; ccontent = ctext /
 * quoted-pair / comment (3.2.2).  p must be at "(" for a match.  Nesting
 * is counted, not recursed, so no input can exhaust the stack.  Bytes >=
 * 0x80 are ctext (RFC 6532 3.2: real mail carries raw UTF-8). */
const char *lex_skip_comment(const char *p, const char *end);
/* CFWS = (1*([FWS] comment) [FWS]) / FWS (3.2.2).  Stops before a comment
 * that does not close: the caller then finds "(" where it expected
 * something else and fails. */
const char *lex_skip_cfws(const char *p, const char *end);
/* 1*atext, the body of atom and of each part of dot-atom-text (3.2.3).
 * The _utf8 form also takes bytes >= 0x80 (RFC 6532 3.2). */
const char *lex_skip_atext(const char *p, const char *end);
const char *lex_skip_atext_utf8(const char *p, const char *end);
/* atom = [CFWS] 1*atext [CFWS] (3.2.3) */
const char *lex_skip_atom(const char *p, const char *end);
/* dot-atom-text = 1*atext *("." 1*atext) (3.2.3) */
const char *lex_skip_dot_atom_text(const char *p, const char *end);
bool lex_check_dot_atom_text(const char *s, size_t len);
/* quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]
 * (3.2.4) WITHOUT the optional CFWS: p must be at the DQUOTE, and a match
 * ends just past the closing DQUOTE, so lex_quoted_string_value() can take
 * the inside.  Callers skip the CFWS with lex_skip_cfws().  The _utf8 form
 * takes bytes >= 0x80 as qtext and after "\" (RFC 6532 3.2). */
const char *lex_skip_quoted_string(const char *p, const char *end);
const char *lex_skip_quoted_string_utf8(const char *p, const char *end);
/* domain-literal = [CFWS] "[" *([FWS] dtext) [FWS] "]" [CFWS], obs-dtext =
 * obs-NO-WS-CTL / quoted-pair (3.4.1, 4.4), WITHOUT the optional CFWS: p
 * must be at "[" and a match ends just past "]". */
const char *lex_skip_domain_literal(const char *p, const char *end);

/* The semantic value of the quoted-string [p, q) that lex_skip_quoted_string
 * (or _utf8) matched: quotes removed, quoted-pairs resolved, folding line
 * breaks removed (3.2.4: they are not part of the value).  Writes at most
 * q - p - 2 bytes to out (no NUL) and returns how many. */
size_t lex_quoted_string_value(const char *p, const char *q, char *out);

/* ------------------------------------------------ RFC 6376 3.2 tag-list */

/* ALNUMPUNC = ALPHA / DIGIT / "_" */
static inline bool
lex_is_alnumpunc(unsigned char c)
{
	return lex_is_alpha(c) || lex_is_digit(c) || c == '_';
}
/* VALCHAR = %x21-3A / %x3C-7E, and bytes >= 0x80 (UTF-8 in EAI header
 * fields, RFC 6532 3.2; ASCII controls stay out). */
static inline bool
lex_is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x3a) || (c >= 0x3c && c <= 0x7e) ||
	    c >= 0x80;
}
/* tag-name = ALPHA *ALNUMPUNC */
const char *lex_skip_tag_name(const char *p, const char *end);
/* tval = 1*VALCHAR */
const char *lex_skip_tval(const char *p, const char *end);
/* tag-value = [ tval *( 1*(WSP / FWS) tval ) ]; the whitespace after the
 * last tval is not part of the value. */
const char *lex_skip_tag_value(const char *p, const char *end);

/* ------------------------------------------------ RFC 7208 7.1 */

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
bool lex_check_toplabel(const char *s, size_t len);
/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), a modifier name; RFC
 * 4406 3.3 scope-id uses the same rule. */
const char *lex_skip_spf_name(const char *p, const char *end);

/* ------------------------------------------------ domain names */

/*
 * One validator for domain names in text form, parameterised because the
 * callers differ for real reasons:
 *  - a name SPF is about to query (RFC 7208 4.3, 7.3) comes out of macro
 *    expansion and may hold any octet: DNS labels are binary (RFC 2181 11),
 *    so only the lengths are checked (flags 0 or LEX_DN_TRAILING_DOT);
 *  - the check_host() <domain> (RFC 7208 4.3) must in addition be
 *    printable ASCII and have two labels (LEX_DN_VCHAR, LEX_DN_MULTI_LABEL);
 *  - DKIM d=, i= and s= (RFC 6376 3.5) are RFC 5321 sub-domains:
 *    Let-dig [Ldh-str] per label (LEX_DN_LDH), no trailing dot;
 *  - a pvalue in Authentication-Results (RFC 8601 2.2) is written bare
 *    only when it is letters, digits, "-" and "_" (DKIM selectors and SPF
 *    names use "_") in non-empty labels (LEX_DN_LDH_UNDERSCORE), with no
 *    length limit (LEX_DN_ANY_LENGTH): a longer name is still printed as
 *    it is, as before; it was never a validity check.
 * Without a character flag every byte but "." is a label byte.  Empty
 * labels (a leading dot, "..") never match; one trailing dot only with
 * LEX_DN_TRAILING_DOT, and it does not count against LEX_NAME_MAX.
 */
#define LEX_DN_TRAILING_DOT 0x01u    /* "example.com." is allowed */
#define LEX_DN_MULTI_LABEL 0x02u     /* at least two labels */
#define LEX_DN_VCHAR 0x04u           /* bytes %x21-7E only */
#define LEX_DN_LDH 0x08u             /* RFC 5321 4.1.2 sub-domain labels */
#define LEX_DN_LDH_UNDERSCORE 0x10u  /* [A-Za-z0-9_-]+ labels */
#define LEX_DN_ANY_LENGTH 0x20u      /* no LEX_LABEL_MAX / LEX_NAME_MAX */
bool lex_check_domain(const char *s, size_t len, unsigned flags);

/* Whether name equals domain or is a subdomain of it (ends in "." domain),
 * ASCII case-insensitively (RFC 4343): RFC 6376 3.5 i= within d=, RFC 7208
 * 5.5 ptr targets.  Dots are taken as written: a caller that allows a
 * trailing dot strips it first. */
bool lex_domain_within(const char *name, size_t nlen, const char *domain,
    size_t dlen);

#endif
