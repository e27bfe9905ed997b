/*
 * lex-t: the ABNF rules of common/lex.c, valid and invalid cases for each,
 * from the RFCs' grammar: RFC 5234 B.1 core rules, RFC 2045 5.1 token,
 * RFC 5322 3.2 (FWS, comment, CFWS, atom, dot-atom, quoted-string,
 * domain-literal), RFC 6376 3.2 tag-list pieces, RFC 7208 toplabel and
 * name, and domain names (RFC 1035 2.3.4 lengths).  Each input is an
 * exact-size heap copy, so under ASan a read past end is caught.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lex.h"
#include "common/util.h"
#include "t/tap/basic.h"

typedef const char *(*skip_fn)(const char *, const char *);

/* fn over an exact-size copy of in[0..len) must match want bytes (0: no
 * match, so the result is p itself). */
static void
skip_n(skip_fn fn, const char *fname, const char *in, size_t len, size_t want,
       const char *why)
{
	char *copy = xmemdup(in, len);
	const char *got = fn(copy, copy + len);
	char *shown = util_escape(in, len);

	is_int((long long)want, (long long)(got - copy), "%s(\"%s\"): %s",
	       fname, shown, why);
	free(shown);
	free(copy);
}

#define SKIP(fn, in, want, why) skip_n(fn, #fn, in, sizeof(in) - 1, want, why)

static bool
check_domain(const char *s, unsigned flags)
{
	char *copy = xmemdup(s, strlen(s));
	bool r = lex_check_domain(copy, strlen(s), flags);

	free(copy);
	return r;
}

/* A name of n octets: labels of 63 "a" (the last one shorter), with dots. */
static char *
name_of(size_t n)
{
	char *s = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = i % 64 == 63 ? '.' : 'a';
	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = 'b';
	s[n] = '\0';
	return s;
}

static void
test_core(void)
{
	unsigned c;
	int alpha = 0, digit = 0, hex = 0, wsp = 0, vchar = 0, fws = 0;
	bool hexval_ok = true;

	for (c = 0; c < 256; c++) {
		alpha += lex_is_alpha((unsigned char)c);
		digit += lex_is_digit((unsigned char)c);
		hex += lex_is_hexdig((unsigned char)c);
		wsp += lex_is_wsp((unsigned char)c);
		vchar += lex_is_vchar((unsigned char)c);
		fws += lex_is_fws_char((unsigned char)c);
		/* the value exactly for the HEXDIG bytes */
		if ((lex_hexdig_value((unsigned char)c) >= 0) !=
		    lex_is_hexdig((unsigned char)c))
			hexval_ok = false;
	}
	/* RFC 5234 B.1 */
	is_int(52, alpha, "ALPHA = %%x41-5A / %%x61-7A: 52 bytes");
	is_int(10, digit, "DIGIT = %%x30-39: 10 bytes");
	is_int(22, hex, "HEXDIG: digits and A-F, case-insensitively (2.3)");
	is_int(2, wsp, "WSP = SP / HTAB");
	is_int(94, vchar, "VCHAR = %%x21-7E: 94 bytes");
	ok(lex_is_hexdig('f') && lex_is_hexdig('F') && !lex_is_hexdig('g'),
	   "HEXDIG: f, F yes; g no");
	ok(hexval_ok, "a HEXDIG value for exactly the HEXDIG bytes");
	ok(lex_hexdig_value('0') == 0 && lex_hexdig_value('9') == 9 &&
	       lex_hexdig_value('a') == 10 && lex_hexdig_value('F') == 15,
	   "HEXDIG values: 0, 9, a, F");
	is_int(4, fws, "FWS bytes: SP, HTAB, CR, LF (RFC 5322 3.2.2)");
	ok(!lex_is_alpha(0xc3) && !lex_is_vchar(0x80) && !lex_is_vchar(0x7f),
	   "8-bit and DEL are neither ALPHA nor VCHAR");
	ok(lex_to_lower('Q') == 'q' && lex_to_lower('q') == 'q' &&
	       lex_to_lower('@') == '@' && lex_to_lower(0xc4) == 0xc4,
	   "case folding is US-ASCII only (RFC 5234 2.3)");
}

static void
test_token(void)
{
	/* RFC 2045 5.1 */
	SKIP(lex_skip_token, "a-b.c_1+2", 9, "token characters");
	SKIP(lex_skip_token, "mx.example.org; spf=pass", 14, "stops at ';'");
	SKIP(lex_skip_token, "a b", 1, "stops at SPACE");
	SKIP(lex_skip_token, "\"q\"", 0, "DQUOTE is a tspecial");
	SKIP(lex_skip_token, "a=b", 1, "'=' is a tspecial");
	SKIP(lex_skip_token, "a\x7f", 1, "DEL is a CTL");
	SKIP(lex_skip_token, "\xc3\xa9", 0, "8-bit is not US-ASCII");
	SKIP(lex_skip_token, "", 0, "empty");
}

static void
test_classes(void)
{
	unsigned c;
	int atext = 0, ctext = 0, qtext = 0, dtext = 0, ftext = 0;

	for (c = 0; c < 256; c++) {
		atext += lex_is_atext((unsigned char)c);
		ctext += lex_is_ctext((unsigned char)c);
		qtext += lex_is_qtext((unsigned char)c);
		dtext += lex_is_dtext((unsigned char)c);
		ftext += lex_is_ftext((unsigned char)c);
	}
	/* RFC 5322: atext is 62 alphanumerics and 19 specials (3.2.3);
	 * ctext 91 VCHAR less "(", ")", "\" plus 29 obs-NO-WS-CTL (3.2.2,
	 * 4.1); qtext 94 less DQUOTE and "\" plus 29; dtext 94 less "[",
	 * "]", "\" plus 29; ftext 94 less ":" (3.6.8). */
	is_int(81, atext, "atext: 81 bytes");
	is_int(91 + 29, ctext, "ctext with obs-ctext: 120 bytes");
	is_int(92 + 29, qtext, "qtext with obs-qtext: 121 bytes");
	is_int(91 + 29, dtext, "dtext with obs-dtext: 120 bytes");
	is_int(93, ftext, "ftext: 93 bytes");
	ok(!lex_is_atext('.') && !lex_is_atext('@') && !lex_is_atext('\0'),
	   "'.', '@' and NUL are not atext");
	ok(lex_is_quoted_pair_char(' ', false) &&
	       lex_is_quoted_pair_char('"', false) &&
	       !lex_is_quoted_pair_char('\0', false) &&
	       !lex_is_quoted_pair_char('\r', true) &&
	       !lex_is_quoted_pair_char('\n', true),
	   "quoted-pair: WSP and VCHAR yes; NUL, CR, LF no");
	ok(!lex_is_quoted_pair_char(0xc3, false) &&
	       lex_is_quoted_pair_char(0xc3, true),
	   "quoted-pair: 8-bit only under RFC 6532");
}

static void
test_fws(void)
{
	/* RFC 5322 3.2.2, 4.2 */
	SKIP(lex_skip_fws, " \t\r\n \n\tx", 7, "WSP, CRLF+WSP, LF+WSP");
	SKIP(lex_skip_fws, "  \r\nx", 2, "a line break without WSP is not FWS");
	SKIP(lex_skip_fws, " \t\r", 2, "a CR at the end is not FWS");
	SKIP(lex_skip_fws, " \r\n", 1, "a CRLF at the end is not FWS");
	SKIP(lex_skip_fws, "\r\n x", 3, "[*WSP CRLF] 1*WSP with no WSP before");
	SKIP(lex_skip_fws, "\r \n x", 0, "a lone CR is not a line break");
	SKIP(lex_skip_fws, " \r\n \r\n \r\n\tx", 10, "obs-FWS: several folds");
	SKIP(lex_skip_fws, "", 0, "empty");
	SKIP(lex_skip_fws, "x ", 0, "no WSP first");
}

static void
test_comment(void)
{
	/* RFC 5322 3.2.2 */
	SKIP(lex_skip_comment, "(a)b", 3, "a comment");
	SKIP(lex_skip_comment, "()", 2, "an empty comment");
	SKIP(lex_skip_comment, "(a (b (c)) d)x", 13, "nested comments");
	SKIP(lex_skip_comment, "(a \\) b)x", 8, "a quoted-pair \\)");
	SKIP(lex_skip_comment, "(a \\( b)x", 8,
	     "a quoted-pair \\( does not nest");
	SKIP(lex_skip_comment, "(a\r\n b)x", 7, "folding inside");
	SKIP(lex_skip_comment, "(a\r\nb)x", 0,
	     "a line break that is not folding");
	SKIP(lex_skip_comment, "(caf\xc3\xa9)", 7, "8-bit ctext (RFC 6532)");
	SKIP(lex_skip_comment, "(a (b)", 0, "unterminated (depth 2)");
	SKIP(lex_skip_comment, "(a", 0, "unterminated");
	SKIP(lex_skip_comment, "(a\\", 0, "a backslash at the end");
	SKIP(lex_skip_comment, "(a\\\r\n b)", 0,
	     "\\ CR is no quoted-pair here");
	SKIP(lex_skip_comment, "(a\0b)", 0, "NUL is not ctext");
	SKIP(lex_skip_comment, "a(b)", 0, "not at \"(\"");
	SKIP(lex_skip_comment, "", 0, "empty");
}

static void
test_cfws(void)
{
	char deep[1001];

	/* RFC 5322 3.2.2 */
	SKIP(lex_skip_cfws, " (a (b) \\) c)\r\n (d) x", 20,
	     "nested comments, quoted-pair, folding");
	SKIP(lex_skip_cfws, " (a (b) c x", 1,
	     "stops before an unterminated comment");
	SKIP(lex_skip_cfws, " (a (", 1, "a comment cut by end is not skipped");
	SKIP(lex_skip_cfws, "(a)(b)x", 6, "adjacent comments");
	SKIP(lex_skip_cfws, "x", 0, "nothing");
	/* 500 levels: a counter, not recursion */
	memset(deep, '(', 500);
	memset(deep + 500, ')', 500);
	deep[1000] = 'x';
	skip_n(lex_skip_cfws, "lex_skip_cfws", deep, 1001, 1000,
	       "deep nesting");
	skip_n(lex_skip_cfws, "lex_skip_cfws", deep, 999, 0,
	       "deep nesting, one \")\" short");
}

static void
test_atom(void)
{
	/* RFC 5322 3.2.3 */
	SKIP(lex_skip_atext, "ab!#c.d", 5, "stops at '.'");
	SKIP(lex_skip_atext, "ab", 2, "stops at end");
	SKIP(lex_skip_atext, " \"a", 0, "nothing");
	SKIP(lex_skip_atext, "!#$%&'*+-/=?^_`{|}~x", 20, "every special");
	SKIP(lex_skip_atext, "a\xc3\xa9", 1, "8-bit is not atext");
	SKIP(lex_skip_atext_utf8, "a\xc3\xa9 b", 3, "8-bit under RFC 6532");
	SKIP(lex_skip_atom, " (c) abc (d) x", 13, "[CFWS] 1*atext [CFWS]");
	SKIP(lex_skip_atom, " (c) ", 0, "CFWS alone is no atom");
	SKIP(lex_skip_atom, "a.b", 1, "an atom has no dot");
	SKIP(lex_skip_dot_atom_text, "a.b.c", 5, "dot-atom-text");
	SKIP(lex_skip_dot_atom_text, "a..b", 1, "an empty part ends it");
	SKIP(lex_skip_dot_atom_text, "a.b.", 3,
	     "a final dot is not part of it");
	SKIP(lex_skip_dot_atom_text, ".a", 0, "a leading dot matches nothing");
	SKIP(lex_skip_dot_atom_text, "a. b", 1, "no CFWS inside");
	ok(lex_check_dot_atom_text("john.q.public", 13),
	   "check: john.q.public");
	ok(lex_check_dot_atom_text("a", 1), "check: a");
	ok(!lex_check_dot_atom_text("", 0), "check: empty is no dot-atom-text");
	ok(!lex_check_dot_atom_text("a.", 2), "check: a.");
	ok(!lex_check_dot_atom_text(".a", 2), "check: .a");
	ok(!lex_check_dot_atom_text("a..b", 4), "check: a..b");
	ok(!lex_check_dot_atom_text("a b", 3), "check: a b");
	ok(!lex_check_dot_atom_text("a\"b", 3), "check: a\"b");
}

static void
test_quoted_string(void)
{
	char out[32];
	static const char qs[] = "\"a\\\"b\r\n c\\\\\"x";
	size_t n;

	/* RFC 5322 3.2.4 */
	SKIP(lex_skip_quoted_string, "\"a\\\"b c\" (z) x", 8,
	     "ends just past the closing DQUOTE");
	SKIP(lex_skip_quoted_string, " \"a\"", 0,
	     "leading CFWS is the caller's");
	SKIP(lex_skip_quoted_string, "\"a\\\"b", 0,
	     "cut by end matches nothing");
	SKIP(lex_skip_quoted_string, "\"abc", 0, "unterminated");
	SKIP(lex_skip_quoted_string, "ab!#c.d", 0, "not a quoted string");
	SKIP(lex_skip_quoted_string, "\"\"x", 2, "empty quoted-string");
	SKIP(lex_skip_quoted_string, "\"a\r\n b\"", 7, "folding inside");
	SKIP(lex_skip_quoted_string, "\"a\r\nb\"", 0, "a bare line break");
	SKIP(lex_skip_quoted_string, "\"a\\", 0, "a backslash at the end");
	SKIP(lex_skip_quoted_string, "\"\\\0\"", 0, "obs-qp \\ NUL is refused");
	SKIP(lex_skip_quoted_string, "\"\\\x01\"", 4, "obs-qp \\ %d1 is taken");
	SKIP(lex_skip_quoted_string, "\"\x01\"", 3, "obs-qtext %d1");
	SKIP(lex_skip_quoted_string, "\"caf\xc3\xa9\"", 0,
	     "8-bit: RFC 5322 no");
	SKIP(lex_skip_quoted_string_utf8, "\"caf\xc3\xa9\"", 7,
	     "8-bit: RFC 6532 yes");
	SKIP(lex_skip_quoted_string_utf8, "\"\\\xc3\xa9\"", 5,
	     "RFC 6532: 8-bit after a backslash");
	n = lex_quoted_string_value(qs, qs + 12, out);
	is_blob("a\"b c\\", 6, out, n,
	        "value: pairs resolved, fold's line break removed");
}

static void
test_domain_literal(void)
{
	/* RFC 5322 3.4.1, 4.4 */
	SKIP(lex_skip_domain_literal, "[192.0.2.1]x", 11, "an address literal");
	SKIP(lex_skip_domain_literal, "[]", 2, "empty");
	SKIP(lex_skip_domain_literal, "[a\\]b]", 6, "obs-dtext quoted-pair");
	SKIP(lex_skip_domain_literal, "[a\r\n b]", 7, "folding");
	SKIP(lex_skip_domain_literal, "[a[b]", 0, "\"[\" is not dtext");
	SKIP(lex_skip_domain_literal, "[a[b]]", 0,
	     "a domain-literal does not nest");
	SKIP(lex_skip_quoted_string, "\"a(b\"", 5,
	     "a quoted-string has no comment");
	SKIP(lex_skip_domain_literal, "[a", 0, "unterminated");
	SKIP(lex_skip_domain_literal, "[\xc3\xa9]", 0, "8-bit is not dtext");
	SKIP(lex_skip_domain_literal, "a]", 0, "not at \"[\"");
}

static void
test_taglist(void)
{
	/* RFC 6376 3.2 */
	SKIP(lex_skip_tag_name, "a_1B=x", 4, "ALPHA *ALNUMPUNC");
	SKIP(lex_skip_tag_name, "1a=x", 0, "must start with ALPHA");
	SKIP(lex_skip_tag_name, "_a=x", 0, "not with \"_\"");
	SKIP(lex_skip_tag_name, "a-b", 1, "\"-\" is not ALNUMPUNC");
	SKIP(lex_skip_tag_name, "", 0, "empty");
	SKIP(lex_skip_tval, "abc;d", 3, "VALCHAR stops at ';'");
	SKIP(lex_skip_tval, "a=b:c", 5, "'=' and ':' are VALCHAR");
	SKIP(lex_skip_tval, " a", 0, "WSP is not VALCHAR");
	SKIP(lex_skip_tval, "\xc3\xa9", 2, "8-bit (RFC 6532 leniency)");
	SKIP(lex_skip_tval, "a\x7f", 1, "DEL is not VALCHAR");
	SKIP(lex_skip_tag_value, "a b\r\n\tc ;", 7,
	     "tval *(1*(WSP / FWS) tval); trailing WSP is not in it");
	SKIP(lex_skip_tag_value, "a \r\n;", 1, "WSP then a non-fold");
	SKIP(lex_skip_tag_value, ";", 0, "empty value");
	SKIP(lex_skip_tag_value, "a\n b", 4, "LF folding (leniency)");
}

static void
test_spf(void)
{
	/* RFC 7208 7.1 toplabel */
	ok(lex_check_toplabel("com", 3), "toplabel: com");
	ok(lex_check_toplabel("a1", 2), "toplabel: a1");
	ok(lex_check_toplabel("xn--p1ai", 8), "toplabel: xn--p1ai");
	ok(lex_check_toplabel("1-2", 3), "toplabel: 1-2 (second form)");
	ok(!lex_check_toplabel("123", 3), "toplabel: all digits");
	ok(!lex_check_toplabel("-ab", 3), "toplabel: leading '-'");
	ok(!lex_check_toplabel("ab-", 3), "toplabel: trailing '-'");
	ok(!lex_check_toplabel("a_b", 3), "toplabel: '_'");
	ok(!lex_check_toplabel("", 0), "toplabel: empty");
	/* RFC 7208 12 name, RFC 4406 3.3 scope-id */
	SKIP(lex_skip_spf_name, "redirect=x", 8, "a modifier name");
	SKIP(lex_skip_spf_name, "a1-_.b,c", 6, "ALPHA / DIGIT / - / _ / .");
	SKIP(lex_skip_spf_name, "1ab", 0, "must start with ALPHA");
	SKIP(lex_skip_spf_name, "", 0, "empty");
}

static void
test_domain(void)
{
	const unsigned spf = LEX_DN_TRAILING_DOT;
	const unsigned host =
	    LEX_DN_TRAILING_DOT | LEX_DN_VCHAR | LEX_DN_MULTI_LABEL;
	const unsigned dkim = LEX_DN_LDH | LEX_DN_MULTI_LABEL;
	const unsigned sel = LEX_DN_LDH;
	const unsigned ar =
	    LEX_DN_TRAILING_DOT | LEX_DN_LDH_UNDERSCORE | LEX_DN_ANY_LENGTH;
	char *s, lab[70];
	size_t n;

	ok(check_domain("example.com", spf), "example.com");
	ok(check_domain("example.com.", spf), "trailing dot, when allowed");
	ok(!check_domain("example.com.", dkim), "trailing dot, when not");
	ok(!check_domain("example.com..", spf), "two trailing dots");
	ok(!check_domain(".", spf), "the root alone");
	ok(!check_domain("", spf), "empty");
	ok(!check_domain(".example.com", spf), "empty first label");
	ok(!check_domain("a..example.com", spf), "empty inner label");
	/* RFC 1035 2.3.4: labels 63 octets or less */
	memset(lab, 'a', 64);
	strcpy(lab + 64, ".com");
	ok(!check_domain(lab, spf), "64-octet label");
	ok(!check_domain(lab, dkim), "64-octet label (LDH)");
	ok(check_domain(lab + 1, spf), "63-octet label");
	ok(check_domain(lab + 1, dkim), "63-octet label (LDH)");
	ok(check_domain(lab, ar), "64-octet label with LEX_DN_ANY_LENGTH");
	/* names of 253 octets, 254 */
	s = name_of(253);
	n = strlen(s);
	ok(n == 253 && check_domain(s, spf), "253-octet name");
	ok(check_domain(s, dkim), "253-octet name (LDH)");
	s = xrealloc(s, n + 2);
	strcpy(s + n, ".");
	ok(check_domain(s, spf), "253 octets and a trailing dot");
	free(s);
	s = name_of(254);
	ok(!check_domain(s, spf), "254-octet name");
	ok(!check_domain(s, dkim), "254-octet name (LDH)");
	ok(check_domain(s, ar), "254-octet name with LEX_DN_ANY_LENGTH");
	free(s);
	/* bytes */
	ok(check_domain("_spf.ex ample.com", spf),
	   "SPF query names: any octet (RFC 2181 11)");
	ok(!check_domain("ex ample.com", host), "<domain>: SP is not VCHAR");
	ok(!check_domain("caf\xc3\xa9.example", host), "<domain>: 8-bit");
	ok(check_domain("caf\xc3\xa9.example", spf), "query name: 8-bit");
	ok(!check_domain("localhost", host), "<domain>: one label");
	ok(!check_domain("localhost.", host), "<domain>: one label and dot");
	ok(check_domain("a.b.", host), "<domain>: two labels and dot");
	ok(check_domain("localhost", spf), "query name: one label");
	/* RFC 5321 4.1.2 sub-domain = Let-dig [Ldh-str] */
	ok(check_domain("a-b.c0m", dkim), "LDH: inner '-'");
	ok(!check_domain("-ab.com", dkim), "LDH: leading '-'");
	ok(!check_domain("ab-.com", dkim), "LDH: trailing '-'");
	ok(!check_domain("a_b.com", dkim), "LDH: '_'");
	ok(!check_domain("a b.com", dkim), "LDH: SP");
	ok(!check_domain("com", dkim), "LDH, two labels: com");
	ok(check_domain("sel", sel), "selector: one label");
	ok(check_domain("2026.sel", sel), "selector: digits first");
	/* Authentication-Results pvalue domain */
	ok(check_domain("_dmarc.Ex-1.org.", ar), "pvalue: '_', '-', dot");
	ok(check_domain("-x.org", ar), "pvalue: '-' anywhere (as before)");
	ok(!check_domain("a=b.org", ar), "pvalue: '='");
	ok(!check_domain("a..org", ar), "pvalue: empty label");
	/* subdomains (RFC 6376 3.5 i=, RFC 7208 5.5) */
	ok(lex_domain_within("mail.Example.COM", 16, "example.com", 11),
	   "within: a subdomain, case-insensitively");
	ok(lex_domain_within("example.com", 11, "EXAMPLE.com", 11),
	   "within: the domain itself");
	ok(!lex_domain_within("badexample.com", 14, "example.com", 11),
	   "within: not a label boundary");
	ok(!lex_domain_within("com", 3, "example.com", 11), "within: shorter");
	ok(!lex_domain_within("example.com.", 12, "example.com", 11),
	   "within: dots as written");
}

int
main(void)
{
	plan_lazy();
	test_core();
	test_token();
	test_classes();
	test_fws();
	test_comment();
	test_cfws();
	test_atom();
	test_quoted_string();
	test_domain_literal();
	test_taglist();
	test_spf();
	test_domain();
	return 0;
}
