/*
 * Tests for common/taglist: RFC 6376 3.2 tag=value lists.  Real inputs
 * (the RFC 8463 A.3 signature and key records) plus the grammar's corners,
 * and a fuzz loop over random bytes and every prefix of a valid list (for
 * the sanitizer build).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/taglist.h"
#include "common/util.h"
#include "t/tap/basic.h"

static struct tag tags[TAG_MAX];
static size_t ntags;

static enum tag_status
parse(const char *s)
{
	return tag_parse(s, strlen(s), tags, &ntags);
}

/* Value of tag name as a string (static storage is fine for a test). */
static const char *
val(const char *name)
{
	static char v[1024];
	const struct tag *t = tag_find(tags, ntags, name);

	if (t == NULL)
		return "(none)";
	memcpy(v, t->value, t->valuelen);
	v[t->valuelen] = '\0';
	return v;
}

static void
check_ok(const char *s, size_t n, const char *what)
{
	enum tag_status st = parse(s);

	ok(st == TAG_OK && ntags == n, "valid: %s", what);
	if (st != TAG_OK || ntags != n)
		diag("status %d, %zu tags", (int)st, ntags);
}

static void
check_status(const char *s, enum tag_status want, const char *what)
{
	is_int(want, parse(s), "%s", what);
}

static void
test_valid(void)
{
	const char *sig = "v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
	    " d=football.example.com; i=@football.example.com;\r\n"
	    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
	    " subject : date : message-id : from : subject : date;\r\n"
	    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
	    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
	    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
	char *s;

	check_ok(sig, 11, "RFC 8463 A.3 signature (CRLF folding)");
	is_string("ed25519-sha256", val("a"), "a=");
	is_string("from : to :\r\n subject : date : message-id : from : "
	    "subject : date", val("h"), "h= keeps inner FWS");
	s = tag_value_nows(tag_find(tags, ntags, "h"));
	is_string("from:to:subject:date:message-id:from:subject:date", s,
	    "tag_value_nows(h=)");
	free(s);
	s = tag_value_nows(tag_find(tags, ntags, "b"));
	is_string("/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus"
	    "Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==", s, "tag_value_nows(b=)");
	free(s);
	s = tag_value_dup(tag_find(tags, ntags, "d"));
	is_string("football.example.com", s, "tag_value_dup(d=)");
	free(s);
	is_string("1528637909", val("t"), "t=");

	check_ok("v=1; a=rsa-sha256;\n\td=example.com;\n h=from\n\t:to; b=x",
	    5, "LF folding");
	is_string("from\n\t:to", val("h"), "LF-folded value kept");
	check_ok("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    3, "RFC 8463 key record");
	is_string("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", val("p"),
	    "p= with '=' inside the value");
	check_ok("v=DKIM1; p=", 2, "empty p= (revoked key, RFC 6376 3.6.1)");
	is_string("", val("p"), "empty value");
	ok(tag_find(tags, ntags, "p") != NULL, "empty p= is found");
	check_ok("v=DKIM1; p=;", 2, "empty value then ';'");
	check_ok("a=1;", 1, "trailing ';'");
	check_ok("a=1; ", 1, "trailing '; ' (DNS records)");
	check_ok("a=1;\r\n", 1, "trailing ';' CRLF");
	check_ok("a=1\r\n", 1, "final CRLF");
	check_ok("  a  =  1  ;  b\t=\t2\t", 2, "WSP around names, '=' and values");
	is_string("1", val("a"), "value without surrounding WSP");
	is_string("2", val("b"), "second value");
	check_ok("a\r\n =\r\n 1\r\n ;\r\n b=2", 2, "FWS everywhere");
	is_string("1", val("a"), "value without surrounding FWS");
	check_ok("n=a b  c", 1, "inner WSP kept");
	is_string("a b  c", val("n"), "inner WSP value");
	check_ok("a_1=x; B9=y", 2, "ALNUMPUNC names, case-sensitive");
	is_string("x", val("a_1"), "a_1=");
	is_string("(none)", val("b9"), "names are case-sensitive");
	check_ok("z=From:foo@eng.example.net|To:joe@example.com|Subject:"
	    "demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700", 1,
	    "z= (RFC 6376 3.5 example) with ':' '|' '='");
	check_ok("x=\xc3\xa9t\xc3\xa9", 1, "UTF-8 value bytes (leniency)");
	check_ok("a=\"!#$%&'()*+,-./0123456789:<=>?@[\\]^_`{|}~", 1,
	    "every VALCHAR");
	ok(tag_find(tags, ntags, "nope") == NULL, "tag_find miss");
}

static void
test_invalid(void)
{
	char many[TAG_MAX * 8 + 16];
	size_t i, off = 0;

	check_status("", TAG_ESYNTAX, "empty list");
	check_status("   ", TAG_ESYNTAX, "whitespace only");
	check_status(";", TAG_ESYNTAX, "only ';'");
	check_status("a=1;;b=2", TAG_ESYNTAX, "';;' (empty tag-spec)");
	check_status("a=1; ;", TAG_ESYNTAX, "'; ;'");
	check_status(";a=1", TAG_ESYNTAX, "leading ';'");
	check_status("a", TAG_ESYNTAX, "no '='");
	check_status("a=1; b", TAG_ESYNTAX, "second tag without '='");
	check_status("=1", TAG_ESYNTAX, "no name");
	check_status("1a=1", TAG_ESYNTAX, "name starts with digit");
	check_status("_a=1", TAG_ESYNTAX, "name starts with '_'");
	check_status("a-b=1", TAG_ESYNTAX, "'-' in name");
	check_status("a b=1", TAG_ESYNTAX, "WSP inside name");
	check_status("a=1 ; b=2 c", TAG_OK, "\"2 c\" is one value (inner WSP)");
	check_status("a=x\x01y", TAG_ESYNTAX, "control byte in value");
	check_status("a=x\0y", TAG_OK, "(strlen stops at NUL)");
	is_int(TAG_ESYNTAX, tag_parse("a=x\0y", 5, tags, &ntags),
	    "NUL in value");
	check_status("a=x\x7fy", TAG_ESYNTAX, "DEL in value");
	check_status("a=1\r\nb=2", TAG_ESYNTAX, "CRLF not followed by WSP");
	check_status("a=1\r\n\r\n b=2", TAG_ESYNTAX, "empty line inside");
	check_status("a=1\rb=2", TAG_ESYNTAX, "lone CR");
	check_status("a=1=2", TAG_OK, "'=' is a VALCHAR");
	check_status("a=1; a=2", TAG_EDUPLICATE, "duplicate name");
	check_status("v=1; a=x; b=y; v=1", TAG_EDUPLICATE, "duplicate later");
	check_status("a=1; A=2", TAG_OK, "different case is no duplicate");

	for (i = 0; i < TAG_MAX; i++)
		off += (size_t)snprintf(many + off, sizeof many - off,
		    "t%zu=%zu;", i, i);
	is_int(TAG_OK, tag_parse(many, off, tags, &ntags), "TAG_MAX tags");
	is_int(TAG_MAX, (long long)ntags, "all TAG_MAX kept");
	snprintf(many + off, sizeof many - off, "x=1");
	is_int(TAG_ETOOMANY, tag_parse(many, strlen(many), tags, &ntags),
	    "TAG_MAX + 1 tags");
}

/*
 * Every prefix of a folded signature (parsed from a heap copy of exactly
 * that length so ASan sees any over-read), and random bytes biased
 * towards the grammar's punctuation.
 */
static void
test_fuzz(void)
{
	const char *sig = "v=1; a=rsa-sha256;\r\n\tc=relaxed/relaxed; d=x.example;"
	    " h=from\n :to; bh=abc=;\r\n b=de f\r\n g==; ";
	size_t len = strlen(sig), i, j, n, k;
	char *copy;
	int bad = 0, r;
	enum tag_status st;

	for (i = 0; i <= len; i++) {
		copy = xmalloc(i ? i : 1);
		memcpy(copy, sig, i);
		st = tag_parse(copy, i, tags, &ntags);
		if (st == TAG_OK)
			for (k = 0; k < ntags; k++)
				if (tags[k].name < copy ||
				    tags[k].value + tags[k].valuelen > copy + i)
					bad++;
		free(copy);
	}
	ok(bad == 0, "every prefix parses within bounds");

	srand(3);
	for (r = 0; r < 20000; r++) {
		static const char pick[] = "ab=; \t\r\n_9Z=;;  \x80\x01";

		n = (size_t)(rand() % 80);
		copy = xmalloc(n ? n : 1);
		for (j = 0; j < n; j++)
			copy[j] = rand() % 4 ? pick[rand() % (sizeof pick - 1)] :
			    (char)rand();
		st = tag_parse(copy, n, tags, &ntags);
		if (st == TAG_OK) {
			for (k = 0; k < ntags; k++) {
				if (tags[k].namelen == 0 ||
				    tags[k].value + tags[k].valuelen > copy + n)
					bad++;
				free(tag_value_nows(&tags[k]));
			}
		} else if (st != TAG_ESYNTAX && st != TAG_EDUPLICATE &&
		    st != TAG_ETOOMANY) {
			bad++;
		}
		free(copy);
	}
	ok(bad == 0, "20000 random lists survived");

	/* Found by t/fuzz/: tag_parse() computed NULL + 0 (undefined
	 * behaviour, reported by UBSan) before its NULL check. */
	ntags = 99;
	is_int(TAG_ESYNTAX, tag_parse(NULL, 0, tags, &ntags),
	    "NULL list is a syntax error");
	is_int(0, (long long)ntags, "NULL list: no tags");
}

int
main(void)
{
	plan_lazy();
	test_valid();
	test_invalid();
	test_fuzz();
	return 0;
}
