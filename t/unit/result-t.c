/* Tests for common/result: result words, exit codes, Authentication-Results
 * and Received-SPF writers, and their injection safety. */
#include "config.h"

#include <stdio.h>
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

/* What ar_write_stripped(m, f, from, id) writes for the message in. */
static char *
stripped(const char *in, size_t len, uint64_t from, const char *id,
    size_t *outlen, size_t *nremoved)
{
	char *data = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&data, &n);
	struct msg *m = msg_from_mem(in, len, NULL);

	if (f == NULL)
		bail("open_memstream");
	if (ar_write_stripped(m, f, from, id, nremoved) != 0)
		bail("ar_write_stripped failed");
	if (fclose(f) != 0)
		bail("fclose");
	msg_free(m);
	*outlen = n;
	return data;
}

/* in with the forged fields gone gives want. */
static void
strip_is(const char *in, const char *want, const char *what)
{
	size_t n, nr;
	char *out = stripped(in, strlen(in), 0, "mx.example.org", &n, &nr);

	is_blob(want, strlen(want), out, n, "%s", what);
	free(out);
}

static void
test_strip(void)
{
	struct buf b = BUF_INIT;
	size_t n, nr, i;
	char *out;

	strip_is("A: 1\nAuthentication-Results: mx.example.org; dkim=pass\n"
	    "B: 2\n\nAuthentication-Results: mx.example.org; x\n",
	    "A: 1\nB: 2\n\nAuthentication-Results: mx.example.org; x\n",
	    "strip: the field goes, the body stays");
	strip_is("authentication-RESULTS: MX.Example.ORG.; spf=pass\n"
	    "Authentication-Results \t: mx.example.org; spf=pass\n"
	    "Authentication-Results:\n\t (c) mx.example.org\n 1; spf=pass\n"
	    "Authentication-Results: \"mx.example.org\"; none\n"
	    "From: a@b\n\nx\n",
	    "From: a@b\n\nx\n",
	    "strip: any case, WSP before the colon, folding, comment, "
	    "version, quoted id, trailing dot");
	strip_is("Authentication-Results: other.example; dkim=pass\n"
	    "Authentication-Results: mx.example.org.evil; dkim=pass\n"
	    "X-Authentication-Results: mx.example.org; dkim=pass\n"
	    "Authentication-Results-X: mx.example.org; dkim=pass\n\n",
	    "Authentication-Results: other.example; dkim=pass\n"
	    "Authentication-Results: mx.example.org.evil; dkim=pass\n"
	    "X-Authentication-Results: mx.example.org; dkim=pass\n"
	    "Authentication-Results-X: mx.example.org; dkim=pass\n\n",
	    "strip: other ids and other field names stay");
	strip_is("From: a@b\r\nno colon here\r\n"
	    "Authentication-Results: mx.example.org;\r\n dkim=pass\r\n"
	    "\r\nAuthentication-Results: mx.example.org; x\r\n",
	    "From: a@b\r\nno colon here\r\n"
	    "\r\nAuthentication-Results: mx.example.org; x\r\n",
	    "strip: below a line without a colon, up to the empty line (CRLF)");
	strip_is("garbage\nAuthentication-Results: mx.example.org; a=b\n",
	    "garbage\n", "strip: no header section, no empty line");
	strip_is("From x@y Mon Jan  1 00:00:00 2024\n"
	    "Authentication-Results: mx.example.org; a=b\nA: 1\n\nb",
	    "From x@y Mon Jan  1 00:00:00 2024\nA: 1\n\nb",
	    "strip: the mbox line stays");
	strip_is("\nAuthentication-Results: mx.example.org; a=b\n",
	    "\nAuthentication-Results: mx.example.org; a=b\n",
	    "strip: an empty first line: no header at all");
	strip_is("A: 1\nAuthentication-Results: mx.example.org",
	    "A: 1\n", "strip: a last field without a line end");
	strip_is("A: 1\nAuthentication-Res", "A: 1\nAuthentication-Res",
	    "strip: a partial name at the end stays");
	strip_is(" x\nAuthentication-Results: mx.example.org; a\n\tb\nC: 3\n",
	    " x\nC: 3\n", "strip: the continuation lines go with the field");
	strip_is("A: 1\n\r\rB: 2\n", "A: 1\n\r\rB: 2\n",
	    "strip: CR CR is no empty line, and no field");

	out = stripped("From x@y\nAuthentication-Results: mx.example.org; a\n"
	    "A: 1\n", 56, 9, "mx.example.org", &n, &nr);
	is_blob("A: 1\n", 5, out, n, "strip: from the end of the mbox line");
	is_int(1, (long long)nr, "strip: one field removed");
	free(out);
	out = stripped("Authentication-Results: mx.example.org; a\n", 42, 0,
	    NULL, &n, &nr);
	is_int(42, (long long)n, "strip: no id, nothing removed");
	free(out);

	/* Bounded memory: a field too long to read goes, whatever it
	 * claims; any other long field stays whole. */
	buf_adds(&b, "X-Long: ");
	for (i = 0; i < 200000; i++)
		buf_addc(&b, i % 70 == 69 ? '\n' : 'x');
	buf_adds(&b, "\nAuthentication-Results: (");
	for (i = 0; i < AR_STRIP_FIELD_MAX; i++)
		buf_addc(&b, i % 70 == 69 ? ' ' : 'c');
	buf_adds(&b, ") mx.example.org; dkim=pass\n\tmore\n");
	buf_adds(&b, "Authentication-Results: other.example; d=");
	for (i = 0; i < AR_STRIP_FIELD_MAX; i++)
		buf_addc(&b, 'y');
	buf_adds(&b, "\nAuthentication-Results");
	for (i = 0; i < AR_STRIP_FIELD_MAX; i++)
		buf_addc(&b, ' ');
	buf_adds(&b, ": mx.example.org; x\nB: 1\n\nbody\n");
	out = stripped(b.data, b.len, 0, "mx.example.org", &n, &nr);
	is_int(3, (long long)nr, "strip: fields over AR_STRIP_FIELD_MAX go");
	ok(n == 8 + 200000 + 1 + 11 && memcmp(out, b.data, 8 + 200000 + 1) == 0 &&
	    memcmp(out + n - 11, "B: 1\n\nbody\n", 11) == 0,
	    "strip: a long field of another name stays whole");
	free(out);
	buf_free(&b);
}

int
main(void)
{
	struct ar *a;
	char *s;

	plan(70);

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
	test_strip();
	return 0;
}
