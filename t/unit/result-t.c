/* Tests for common/result: result words, exit codes, Authentication-Results
 * and Received-SPF writers, and their injection safety. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/result.h"
#include "common/util.h"
#include "t/tap/basic.h"

/* Count the lines of a folded field and check each is <= 78 columns unless
 * it is one unbreakable word; returns the number of lines. */
static int
max_line(const char *s)
{
	int max = 0, cur = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			if (cur > max)
				max = cur;
			cur = 0;
		} else if (*s != '\r') {
			cur++;
		}
	}
	return cur > max ? cur : max;
}

/* Number of header fields in a block of text: lines not starting with WSP. */
static int
count_fields(const char *s)
{
	int n = 0;
	const char *p = s;

	while (*p) {
		if (*p != ' ' && *p != '\t')
			n++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

/* Count unquoted, uncommented ';' in an Authentication-Results value: the
 * number of resinfo separators a parser would see. */
static int
count_separators(const char *s)
{
	int n = 0, depth = 0, q = 0;

	for (; *s; s++) {
		if (*s == '\\' && (q || depth) && s[1]) {
			s++;
			continue;
		}
		if (q) {
			if (*s == '"')
				q = 0;
		} else if (depth) {
			if (*s == '(')
				depth++;
			else if (*s == ')')
				depth--;
		} else if (*s == '"') {
			q = 1;
		} else if (*s == '(') {
			depth = 1;
		} else if (*s == ';') {
			n++;
		}
	}
	return n;
}

/* True when a line (after the first) holds only WSP, or a line ends in
 * WSP: RFC 5322 3.2.2 forbids generating the first; the second is what
 * splitting inside a space run used to produce. */
static int
bad_wsp_line(const char *s)
{
	const char *p = s, *e;

	for (;;) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p && e[-1] == '\r')
			e--;
		if (p != s && (size_t)(e - p) == strspn(p, " \t"))
			return 1;
		if (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			return 1;
		p = strchr(p, '\n');
		if (p == NULL || *++p == '\0')
			return 0;
	}
}

/* A string of n copies of unit. */
static char *
repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit), i;
	char *s = malloc(ul * n + 1);

	if (s == NULL)
		bail("malloc");
	for (i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

int
main(void)
{
	struct ar *a;
	char *s;

	plan(54);

	is_string("pass", res_name(RES_PASS), "res_name pass");
	is_string("temperror", res_name(RES_TEMPERROR), "res_name temperror");
	is_string("policy", res_name(RES_POLICY), "res_name policy");
	is_int(0, res_spf_exit(RES_PASS), "spf exit pass 0");
	is_int(1, res_spf_exit(RES_FAIL), "spf exit fail 1");
	is_int(2, res_spf_exit(RES_SOFTFAIL), "spf exit softfail 2");
	is_int(3, res_spf_exit(RES_NEUTRAL), "spf exit neutral 3");
	is_int(4, res_spf_exit(RES_PERMERROR), "spf exit permerror 4");
	is_int(5, res_spf_exit(RES_TEMPERROR), "spf exit temperror 5");
	is_int(6, res_spf_exit(RES_NONE), "spf exit none 6");

	ok(ar_is_token("example.com"), "token: domain");
	ok(!ar_is_token("a b"), "token: space is not");
	ok(!ar_is_token("a;b"), "token: semicolon is not");
	ok(!ar_is_token(""), "token: empty is not");
	s = ar_quote("x; dkim=pass");
	is_string("\"x; dkim\\=pass\"", s, "quote: semicolon quoted, '=' a quoted-pair");
	free(s);
	s = ar_quote("a\"b\\c");
	is_string("\"a\\\"b\\\\c\"", s, "quote: quote and backslash escaped");
	free(s);
	s = ar_quote("a\r\nX-Injected: 1");
	is_string("\"a  X-Injected: 1\"", s, "quote: CRLF replaced by spaces");
	free(s);

	a = ar_new("mx.example.org");
	ar_add(a, "dkim", RES_PASS, NULL);
	ar_prop(a, "header", "d", "example.com");
	ar_prop(a, "header", "s", "sel");
	ar_prop(a, "header", "a", "rsa-sha256");
	ar_prop(a, "header", "b", "AbCdEfGh");
	ar_add(a, "dkim", RES_FAIL, "body hash mismatch");
	ar_prop(a, "header", "d", "example.net");
	is_int(2, (long long)ar_count(a), "two resinfos");
	s = ar_resinfo_line(a, 0);
	is_string("dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh",
	    s, "resinfo line, pass");
	free(s);
	s = ar_resinfo_line(a, 1);
	is_string("dkim=fail (body hash mismatch) header.d=example.net", s,
	    "resinfo line, reason in parentheses");
	free(s);
	s = ar_field(a, "\r\n");
	is_string("Authentication-Results: mx.example.org; dkim=pass header.d=example.com\r\n"
	    "\theader.s=sel header.a=rsa-sha256 header.b=AbCdEfGh; dkim=fail\r\n"
	    "\t(body hash mismatch) header.d=example.net\r\n",
	    s, "field folded at 78 columns with CRLF");
	ok(max_line(s) <= 78, "no line over 78 columns");
	free(s);
	s = ar_field(a, "\n");
	ok(strstr(s, "\r") == NULL && s[strlen(s) - 1] == '\n', "LF convention");
	free(s);
	ar_free(a);

	a = ar_new("mx.example.org");
	s = ar_field(a, "\n");
	is_string("Authentication-Results: mx.example.org; none\n", s,
	    "no resinfo gives none (RFC 8601 2.2)");
	free(s);
	ar_free(a);

	/* Injection attempts through every input. */
	a = ar_new("evil; dkim=pass");
	ar_add(a, "sender-id", RES_FAIL, "x) dkim=pass (y");
	ar_prop(a, "header", "from", "\"a;dkim=pass\"@example.com");
	ar_prop(a, "header", "d", "x;\r\nAuthentication-Results: evil; dkim=pass");
	s = ar_field(a, "\n");
	is_int(1, count_fields(s), "injection: still one header field");
	is_int(1, count_separators(s), "injection: only the authserv-id separator");
	ok(strstr(s, "\"evil; dkim\\=pass\";") != NULL, "injection: authserv-id quoted");
	ok(strstr(s, "(x] dkim\\=pass [y)") != NULL, "injection: comment escaped");
	ok(strstr(s, "dkim=pass") == NULL, "injection: no dkim=pass anywhere");
	free(s);
	ar_free(a);

	a = ar_new("id");
	ar_add(a, "spf", RES_PASS, NULL);
	ar_prop(a, "smtp", "mailfrom", "user@example.com");
	ar_prop(a, "smtp", "helo", "mail.example.com");
	s = ar_resinfo_line(a, 0);
	is_string("spf=pass smtp.mailfrom=user@example.com smtp.helo=mail.example.com",
	    s, "plain address unquoted (RFC 8601 pvalue)");
	free(s);
	ar_free(a);

	a = ar_new("id");
	ar_add(a, "dkim", RES_PERMERROR,
	    "a very long reason that goes on and on and on and on and on and on and on and on");
	s = ar_field(a, "\n");
	ok(max_line(s) <= 78, "long comment folded inside");
	is_int(1, count_fields(s), "long comment: one field");
	free(s);
	ar_free(a);

	/* Regressions found by t/fuzz/fuzz-result.c.  RFC 5322 2.1.1: no line
	 * over 998; values needing escapes used to be cut on their raw length,
	 * so 600 '"' gave a 1030-byte word. */
	{
		char *q = repeat("\"", 600), *c = repeat("(", 600);

		a = ar_new(q);
		ar_add(a, "dkim", RES_FAIL, c);
		ar_prop(a, "header", "d", q);
		s = ar_field(a, "\r\n");
		ok(max_line(s) <= 998, "escaped value, comment, authserv-id: "
		    "no line over 998");
		is_int(1, count_fields(s), "escaped values: one field");
		is_int(1, count_separators(s), "escaped values: one separator");
		free(s);
		ar_free(a);
		{
			struct ar_spf r = {.result = RES_FAIL, .comment = c,
			    .client_ip = q, .envelope_from = q, .helo = q};

			s = ar_received_spf(&r, true, "\n");
			ok(max_line(s) <= 998, "Received-SPF escaped values: "
			    "no line over 998");
			free(s);
		}
		free(q);
		free(c);
	}
	/* Long comments are split at every space needed, also after an
	 * escaped backslash, never inside a space run. */
	{
		char *r1 = repeat("x ", 100), *r2 = repeat("\\ ", 100);
		char *r3 = repeat("ab    ", 60);

		a = ar_new("id");
		ar_add(a, "dkim", RES_FAIL, r1);
		ar_add(a, "dkim", RES_FAIL, r2);
		s = ar_field(a, "\n");
		ok(max_line(s) <= 78, "long comments folded at every line");
		is_int(2, count_separators(s), "long comments: two separators");
		free(s);
		ar_free(a);
		a = ar_new("id");
		ar_add(a, "dkim", RES_FAIL, r3);
		s = ar_field(a, "\r\n");
		ok(!bad_wsp_line(s), "comment with space runs: no line of only "
		    "WSP or ending in WSP");
		ok(max_line(s) <= 78, "comment with space runs folded");
		free(s);
		ar_free(a);
		free(r1);
		free(r2);
		free(r3);
	}

	/* Deleting forged fields: the authserv-id match. */
	ok(ar_value_has_authserv_id(" mx.example.org; dkim=pass", 26, "mx.example.org"),
	    "authserv-id match");
	ok(ar_value_has_authserv_id(" MX.Example.ORG; dkim=pass", 26, "mx.example.org"),
	    "authserv-id match is case-insensitive");
	ok(ar_value_has_authserv_id(" (comment) mx.example.org 1; none", 33,
	    "mx.example.org"), "authserv-id after comment, with version");
	ok(ar_value_has_authserv_id("\r\n\t\"mx.example.org\"; none", 25,
	    "mx.example.org"), "folded quoted authserv-id");
	ok(!ar_value_has_authserv_id(" mx.example.org.evil; none", 26,
	    "mx.example.org"), "longer id does not match");
	ok(!ar_value_has_authserv_id(" other; dkim=pass header.d=mx.example.org",
	    41, "mx.example.org"), "other id does not match");

	{
		struct ar_spf r = {
		    .result = RES_PASS,
		    .comment = "mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender",
		    .client_ip = "192.0.2.1",
		    .envelope_from = "myname@example.com",
		    .helo = "x; identity=forged",
		    .receiver = "mybox.example.org",
		    .identity = "mailfrom",
		};
		s = ar_received_spf(&r, false, NULL);
		is_string("Received-SPF: pass (mybox.example.org: domain of myname@example.com "
		    "designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
		    "envelope-from=\"myname@example.com\"; helo=\"x; identity\\=forged\"; "
		    "receiver=mybox.example.org; identity=mailfrom",
		    s, "Received-SPF unfolded, injected helo quoted");
		free(s);
		s = ar_received_spf(&r, true, "\r\n");
		ok(max_line(s) <= 78, "Received-SPF folded");
		is_int(1, count_fields(s), "Received-SPF: one field");
		ok(strstr(s, "identity\\=forged\";") != NULL, "forged identity inside quotes");
		free(s);
	}
	/* Issue 8: sender-chosen text that looks like a verdict.  Address
	 * values keep a dot-atom local part without '=' and otherwise show
	 * only "@domain" (RFC 8601 2.2 pvalue); other values are quoted only when
	 * the quoted text holds no '=', ';', space, quote or parenthesis,
	 * else left out. */
	a = ar_new("id");
	ar_add(a, "dkim", RES_FAIL, NULL);
	ar_prop(a, "header", "i", "\"dkim=pass header.d=bank.test x\"@example.com");
	ar_prop(a, "header", "from", "dkim=pass@example.com");
	ar_prop(a, "header", "sender", "joe.q@example.com");
	ar_prop(a, "header", "b", "ab/cd+ef");
	ar_prop(a, "smtp", "helo", "dkim=pass header.d=bank.test");
	ar_prop(a, "smtp", "mailfrom", "SRS0=ab=cd=x.test=u@fwd.example");
	ar_prop(a, "policy", "x", "a@b@dkim=pass");
	s = ar_resinfo_line(a, 0);
	is_string("dkim=fail header.i=@example.com header.from=@example.com "
	    "header.sender=joe.q@example.com header.b=\"ab/cd+ef\" "
	    "smtp.mailfrom=@fwd.example", s,
	    "verdict-looking values: @domain, or left out");
	free(s);
	ar_free(a);
	a = ar_new("id");
	ar_add(a, "spf", RES_NONE, "from x; spf=pass (y) a= b");
	s = ar_resinfo_line(a, 0);
	is_string("spf=none (from x, spf\\=pass [y] a= b)", s,
	    "comment: no ';', no bare '=' token, balanced parentheses");
	free(s);
	ar_free(a);
	{
		struct ar_spf r = {
		    .result = RES_FAIL,
		    .comment = "mx: domain of \"spf=pass; x\"@example.com does not designate",
		    .envelope_from = "\"spf=pass; x\"@example.com",
		    .helo = "a=pass",
		};
		s = ar_received_spf(&r, false, NULL);
		is_string("Received-SPF: fail (mx: domain of \"spf\\=pass, x\"@example.com "
		    "does not designate) envelope-from=\"\\\"spf\\=pass; x\\\"@example.com\"; "
		    "helo=\"a\\=pass\"", s, "Received-SPF: every '=' of a value encoded");
		ok(strstr(s, "spf=pass") == NULL && strstr(s, "a=pass") == NULL,
		    "Received-SPF: nothing reads as a result");
		free(s);
	}
	return 0;
}
