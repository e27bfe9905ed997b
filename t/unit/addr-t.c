/*
 * addr-t: the RFC 5322 address parser (common/addr.c): RFC 5322 Appendix
 * A examples, display names, comments, quoting, folding, groups, obsolete
 * syntax, Return-Path forms, failures, and a robustness loop over prefixes
 * and random bytes (run it under ASan: inputs are exact-size heap copies,
 * so a read past the end is caught).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/util.h"
#include "t/tap/basic.h"

enum kind {
	LIST, /* addr_parse_address_list */
	MBOX, /* addr_parse_mailbox_list */
	ONE,  /* addr_parse_mailbox */
	PATH, /* addr_parse_path */
};

static const char *kind_name[] = {"address-list", "mailbox-list", "mailbox",
                                  "path"};

/* Parse an exact-size heap copy of in[0..len). */
static struct addr_list *
parse(enum kind k, const char *in, size_t len, bool *null_path)
{
	char *copy = malloc(len ? len : 1);
	struct addr_list *l = NULL;

	if (copy == NULL)
		bail("malloc");
	memcpy(copy, in, len);
	*null_path = false;
	switch (k) {
	case LIST:
		l = addr_parse_address_list(copy, len);
		break;
	case MBOX:
		l = addr_parse_mailbox_list(copy, len);
		break;
	case ONE:
		l = addr_parse_mailbox(copy, len);
		break;
	case PATH:
		l = addr_parse_path(copy, len, null_path);
		break;
	}
	free(copy);
	return l;
}

/* "display|local|domain" per mailbox (display empty when NULL), joined by
 * " ; ", then " #g=N" when groups appeared; "<>" for a null path; NULL
 * when the parse failed. */
static char *
render(const struct addr_list *l, bool null_path)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (l == NULL)
		return NULL;
	if (null_path)
		buf_adds(&b, "<>");
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_adds(&b, " ; ");
		buf_printf(&b, "%s|%s|%s",
		           l->mb[i].display ? l->mb[i].display : "",
		           l->mb[i].local,
		           l->mb[i].domain ? l->mb[i].domain : "(null)");
	}
	if (l->ngroups > 0)
		buf_printf(&b, " #g=%zu", l->ngroups);
	return buf_detach(&b);
}

struct tcase {
	enum kind k;
	const char *in;
	size_t len;       /* 0: strlen(in) */
	const char *want; /* NULL: must fail */
};

static const struct tcase cases[] = {
    /* Simple forms (RFC 5322 A.1.1, A.1.2). */
    {ONE, "jdoe@machine.example", 0, "|jdoe|machine.example"},
    {ONE, "John Doe <jdoe@machine.example>", 0,
     "John Doe|jdoe|machine.example"},
    {ONE, "  Mary Smith  <mary@example.net>  ", 0,
     "Mary Smith|mary|example.net"},
    {ONE, "<boss@nil.test>", 0, "|boss|nil.test"},
    {ONE, "\"Joe Q. Public\" <john.q.public@example.com>", 0,
     "Joe Q. Public|john.q.public|example.com"},
    {LIST,
     "Mary Smith <mary@x.test>, jdoe@example.org, Who? "
     "<one@y.test>",
     0,
     "Mary Smith|mary|x.test ; |jdoe|example.org ; "
     "Who?|one|y.test"},
    {LIST,
     "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
     "<sysservices@example.net>",
     0,
     "|boss|nil.test ; "
     "Giant; \"Big\" Box|sysservices|example.net"},
    /* Display names: escaped quotes, whitespace collapsed, 8-bit. */
    {ONE, "\"Joe \\\"Junior\\\" Smith\" <j@x.example>", 0,
     "Joe \"Junior\" Smith|j|x.example"},
    {ONE, "\"  spaced \t  out  \" <a@b.example>", 0, "spaced out|a|b.example"},
    {ONE, "\"\" <a@b.example>", 0, "|a|b.example"},
    {ONE, "J\xc3\xbcrgen M\xc3\xbcller <jm@example.de>", 0,
     "J\xc3\xbcrgen M\xc3\xbcller|jm|example.de"},
    {ONE, "\"J\xc3\xbcrgen\" <jm@example.de>", 0,
     "J\xc3\xbcrgen|jm|example.de"},
    {ONE, "j\xc3\xbc@example.de", 0, NULL}, /* 8-bit local-part */
    {ONE, "jm@exampl\xc3\xa9.de", 0, NULL}, /* 8-bit domain */
    /* Comments anywhere, nested (RFC 5322 A.5). */
    {ONE,
     "Pete(A nice \\) chap) <pete(his account)@silly.test(his "
     "host)>",
     0, "Pete|pete|silly.test"},
    {ONE, "Joe (x (nested (deep)) y) Smith <a@b.example>", 0,
     "Joe Smith|a|b.example"},
    {ONE, "a@b.example (Joe Smith)", 0, "|a|b.example"},
    {ONE, "(c)a(c)@(c)b(c).(c)example(c)", 0, "|a|b.example"},
    {LIST,
     "A Group(Some people)\r\n     :Chris Jones <c@(Chris's "
     "host.)public.example>,\r\n         joe@example.org,\r\n  John "
     "<jdoe@one.test> (my dad)\r\n ;",
     0,
     "Chris Jones|c|public.example ; |joe|example.org ; "
     "John|jdoe|one.test #g=1"},
    {LIST, "G: a@b.example\r\n;", 0, NULL}, /* CRLF without WSP */
    {LIST,
     "(Empty list)(start)Hidden recipients  :(nobody(that I "
     "know))  ;",
     0, " #g=1"},
    /* Quoted local-parts. */
    {ONE, "\"a b\"@example.com", 0, "|a b|example.com"},
    {ONE, "\"a\\\"b\"@example.com", 0, "|a\"b|example.com"},
    {ONE, "\"a\\\\b\"@example.com", 0, "|a\\b|example.com"},
    {ONE, "\"a\\b\"@example.com", 0, "|ab|example.com"},
    {ONE, "Joe <\"odd name\"@example.com>", 0, "Joe|odd name|example.com"},
    {ONE, "\"\"@example.com", 0, NULL}, /* empty local-part */
    /* Folding: CRLF and bare LF followed by WSP. */
    {ONE, "Mary Smith\r\n    \r\n <mary@example.net>", 0,
     "Mary Smith|mary|example.net"},
    {ONE, "Mary\n Smith\n\t<mary@example.net>", 0,
     "Mary Smith|mary|example.net"},
    {ONE, "\"a\r\n b\"@example.com", 0, "|a b|example.com"},
    {ONE, "\"a\n\tb\"@example.com", 0, "|a\tb|example.com"},
    {ONE, "a@\r\n example.com", 0, "|a|example.com"},
    {ONE, "a@example.com\r\n", 0, "|a|example.com"},
    {ONE, "a@b.example\nc@d.example", 0, NULL}, /* LF not folding */
    {ONE, "a@b.example\r c", 0, NULL},          /* lone CR */
    {ONE, "\"a\r\nb\"@example.com", 0, NULL},   /* CRLF not folding */
    /* Groups. */
    {LIST,
     "A Group:Ed Jones <c@a.test>,joe@where.test,John "
     "<jdoe@one.test>;",
     0,
     "Ed Jones|c|a.test ; |joe|where.test ; "
     "John|jdoe|one.test #g=1"},
    {LIST, "Undisclosed recipients:;", 0, " #g=1"},
    {LIST, "g1: a@b.example;, x@y.example, g2:;", 0,
     "|a|b.example ; |x|y.example #g=2"},
    {LIST, "g: a@b.example, , c@d.example ;", 0,
     "|a|b.example ; |c|d.example #g=1"},
    {LIST, "g: a@b.example", 0, NULL},      /* no ";" */
    {LIST, "g: h: a@b.example;;", 0, NULL}, /* nested group */
    {MBOX, "Undisclosed recipients:;", 0, NULL},
    {MBOX, "a@b.example, g: c@d.example;", 0, NULL},
    {ONE, "g: a@b.example;", 0, NULL},
    /* Obsolete syntax (RFC 5322 4.4, A.6). */
    {ONE, "Joe Q. Public <john.q.public@example.com>", 0,
     "Joe Q. Public|john.q.public|example.com"},
    {ONE, "<@a.com,@b.com:user@c.com>", 0, "|user|c.com"},
    {ONE, "Mary <@node.test:mary@example.net>", 0, "Mary|mary|example.net"},
    {ONE, "< , @a.com , , @b.com : user@c.com >", 0, "|user|c.com"},
    {ONE, "<@a.com user@c.com>", 0, NULL}, /* route without ":" */
    {ONE, "<@:user@c.com>", 0, NULL},
    {ONE, "a . b@example.com", 0, "|a.b|example.com"},
    {ONE, "\"a\" . b@example.com", 0, "|a.b|example.com"},
    {ONE, "\"a b\".c@example.com", 0, "|a b.c|example.com"},
    {ONE, "John Doe <jdoe@machine(comment).  example>", 0,
     "John Doe|jdoe|machine.example"},
    {LIST,
     "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . "
     "example",
     0, "Mary Smith|mary|example.net ; |jdoe|test.example"},
    {MBOX, ", a@b.example,,", 0, "|a|b.example"},
    {MBOX, ",,", 0, ""},
    /* Domain literals. */
    {ONE, "a@[192.0.2.1]", 0, "|a|[192.0.2.1]"},
    {ONE, "a@[IPv6:2001:db8::1]", 0, "|a|[IPv6:2001:db8::1]"},
    {ONE, "a@ [ 192.0.2.1 ] ", 0, "|a|[ 192.0.2.1 ]"},
    {ONE, "a@[192.0.2.1", 0, NULL},
    {ONE, "a@[a[b]", 0, NULL},
    /* Lists: sizes, empty values. */
    {LIST, "", 0, ""},
    {LIST, " \t ", 0, ""},
    {LIST, "(nobody)", 0, ""},
    {MBOX, "a@b.example, \"c d\" <e@f.example>,g@h.example", 0,
     "|a|b.example ; c d|e|f.example ; |g|h.example"},
    /* Failures. */
    {ONE, "", 0, NULL},
    {ONE, "   ", 0, NULL},
    {ONE, "a", 0, NULL},
    {ONE, "a@", 0, NULL},
    {ONE, "@b.example", 0, NULL},
    {ONE, "a@b@c.example", 0, NULL},
    {ONE, "\"unterminated@b.example", 0, NULL},
    {ONE, "(unterminated a@b.example", 0, NULL},
    {ONE, "a@b.example (unterminated", 0, NULL},
    {ONE, "Joe <a@b.example", 0, NULL},
    {ONE, "Joe a@b.example>", 0, NULL},
    {ONE, "a@b.example c", 0, NULL},
    {ONE, "a@b.example, c@d.example", 0, NULL},
    {ONE, "a@b.example,", 0, NULL},
    {ONE, "a..b@c.example", 0, NULL},
    {ONE, ".a@b.example", 0, NULL},
    {ONE, "a.@b.example", 0, NULL},
    {ONE, "a@b.example.", 0, NULL},
    {ONE, "a@.b.example", 0, NULL},
    {ONE, "a@b..example", 0, NULL},
    {ONE, "a b@c.example", 0, NULL},
    {ONE, "<>", 0, NULL},
    {ONE, "Joe <>", 0, NULL},
    {ONE, "<a>", 0, NULL},
    {ONE, "a\0b@c.example", 13, NULL},
    {ONE, "\"a\0b\"@c.example", 15, NULL},
    {ONE, "\"a\\\0b\"@c.example", 16, NULL},
    {ONE, "a@c.example(\0)", 14, NULL},
    {ONE, "Jo\0e <a@c.example>", 18, NULL},
    {ONE, "\"a\\\nb\"@c.example", 0, NULL}, /* quoted LF */
    {ONE, ".Joe <a@b.example>", 0, NULL},
    {ONE, "Joe <a@b.example> x", 0, NULL},
    {LIST, "a@b.example c@d.example", 0, NULL},
    {LIST, "a@b.example;", 0, NULL},
    /* Return-Path (RFC 5322 3.6.7). */
    {PATH, "<>", 0, "<>"},
    {PATH, " < > ", 0, "<>"},
    {PATH, "(bounce) <(x)> (y)", 0, "<>"},
    {PATH, "<a@b.example>", 0, "|a|b.example"},
    {PATH, "< a@b.example >", 0, "|a|b.example"},
    {PATH, "(c) <a@b.example> (d)\r\n", 0, "|a|b.example"},
    {PATH, "<@x.example,@y.example:a@b.example>", 0, "|a|b.example"},
    {PATH, "<\"a b\"@b.example>", 0, "|a b|b.example"},
    {PATH, "a@b.example", 0, "|a|b.example"},
    {PATH, "<a@b.example", 0, NULL},
    {PATH, "<>x", 0, NULL},
    {PATH, "<> <>", 0, NULL},
    {PATH, "<a>", 0, NULL},
    {PATH, "<a@b.example> trailing", 0, NULL},
    {PATH, "Joe <a@b.example>", 0, NULL},
    {PATH, "", 0, NULL},
};

static void
test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		bool null_path;
		struct addr_list *l = parse(c->k, c->in, len, &null_path);
		char *got = render(l, null_path);
		struct buf shown = BUF_INIT;
		size_t j;

		/* The input, with control bytes escaped, names the test. */
		for (j = 0; j < len && j < 60; j++) {
			unsigned char ch = (unsigned char)c->in[j];

			if (ch < 32 || ch == 127)
				buf_printf(&shown, "\\x%02x", ch);
			else
				buf_addc(&shown, (char)ch);
		}
		is_string(c->want, got, "%s: %s%s", kind_name[c->k],
		          shown.data ? shown.data : "", len > 60 ? "..." : "");
		buf_free(&shown);
		free(got);
		addr_list_free(l);
	}
}

static void
test_mailbox_string(void)
{
	static const struct {
		const char *in, *want;
	} c[] = {
	    {"a@example.com", "a@example.com"},
	    {"a . b@example.com", "a.b@example.com"},
	    {"\"a.b\"@example.com", "a.b@example.com"},
	    {"\"a b\"@example.com", "\"a b\"@example.com"},
	    {"\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com"},
	    {"\"a\\\\b\"@example.com", "\"a\\\\b\"@example.com"},
	    {"\"a..b\"@example.com", "\"a..b\"@example.com"},
	    {"\".a\"@example.com", "\".a\"@example.com"},
	    {"\"a(b)\"@example.com", "\"a(b)\"@example.com"},
	    {"Joe <user+tag@[192.0.2.1]>", "user+tag@[192.0.2.1]"},
	};
	struct addr_mailbox mb = {NULL, (char *)"postmaster", NULL};
	size_t i;
	char *s;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct addr_list *l =
		    addr_parse_mailbox(c[i].in, strlen(c[i].in));

		s = l ? addr_mailbox_string(&l->mb[0]) : NULL;
		is_string(c[i].want, s, "addr_mailbox_string: %s", c[i].in);
		free(s);
		addr_list_free(l);
	}
	s = addr_mailbox_string(&mb);
	is_string("postmaster", s, "addr_mailbox_string without a domain");
	free(s);
}

static void
test_misc(void)
{
	struct addr_list *l;
	struct buf b = BUF_INIT;
	bool np = true;
	size_t i;

	/* Must be a no-op: a crash ends the program before plan_lazy() prints
	 * the plan, and the TAP driver fails the file (no ok() needed). */
	addr_list_free(NULL);
	l = addr_parse_address_list(NULL, 0);
	ok(l != NULL && l->n == 0, "NULL, 0 is an empty address-list");
	addr_list_free(l);
	l = addr_parse_path(NULL, 0, &np);
	ok(l == NULL && !np, "NULL, 0 is not a path; null_path cleared");
	l = addr_parse_path("<>", 2, NULL);
	ok(l != NULL && l->n == 0, "path: null_path pointer may be NULL");
	addr_list_free(l);
	l = addr_parse_mailbox("a@b.example", 3);
	ok(l != NULL && strcmp(l->mb[0].domain, "b") == 0,
	   "len is honoured, not NUL-termination");
	addr_list_free(l);

	/* Deep nesting must not recurse. */
	for (i = 0; i < 200000; i++)
		buf_addc(&b, '(');
	for (i = 0; i < 200000; i++)
		buf_addc(&b, ')');
	buf_adds(&b, "a@b.example");
	l = addr_parse_mailbox(b.data, b.len);
	ok(l != NULL && l->n == 1, "200000 nested comments");
	addr_list_free(l);
	buf_reset(&b);

	/* A long list stays linear. */
	for (i = 0; i < 20000; i++)
		buf_printf(&b, "%s\"User %zu\" <u%zu@example.com>",
		           i ? ",\r\n " : "", i, i);
	l = addr_parse_address_list(b.data, b.len);
	ok(l != NULL && l->n == 20000, "20000-address list");
	ok(l != NULL && strcmp(l->mb[19999].display, "User 19999") == 0 &&
	       strcmp(l->mb[19999].local, "u19999") == 0,
	   "20000-address list: last entry");
	addr_list_free(l);
	buf_free(&b);
}

/* Parse with every parser; check what a successful parse promises. */
static int
check_all(const char *in, size_t len)
{
	enum kind k;
	int bad = 0;

	for (k = LIST; k <= PATH; k++) {
		bool np;
		struct addr_list *l = parse(k, in, len, &np);
		size_t i;

		if (l == NULL)
			continue;
		if (k == ONE && l->n != 1)
			bad++;
		if ((k == MBOX || k == ONE || k == PATH) && l->ngroups != 0)
			bad++;
		if (k == PATH && l->n != (np ? 0u : 1u))
			bad++;
		for (i = 0; i < l->n; i++) {
			struct addr_mailbox *mb = &l->mb[i];
			char *s;

			if (mb->local == NULL || *mb->local == '\0' ||
			    mb->domain == NULL || *mb->domain == '\0' ||
			    (mb->display != NULL && *mb->display == '\0') ||
			    strpbrk(mb->local, "\r\n") != NULL ||
			    strpbrk(mb->domain, "\r\n") != NULL)
				bad++;
			s = addr_mailbox_string(mb);
			if (s == NULL || strchr(s, '@') == NULL)
				bad++;
			free(s);
		}
		addr_list_free(l);
	}
	return bad;
}

static void
test_robustness(void)
{
	static const char *tricky[] = {
	    "\"Joe \\\"J\\\" (x)\" (c (d) \\) e) <@a.b,,@c.d:\"x y\"."
	    "z@[1.2.3.4]> (t), g: a@b;",
	    "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)"
	    "public.example>,\r\n joe@example.org,\n  John <jdoe@one.test>"
	    " (my dad)\r\n;, \"a\r\n b\"@x",
	    "<@x.example,@y.example:a@b.example>",
	    "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . "
	    "example, [x]@[y\\]z], \"\\\0\"",
	    "J\xc3\xbcrgen \"\xff\" (\x80) <a.\"b\\\\\".c@d.e.f>",
	};
	static const char alphabet[] = "aZ0.@<>:;,()\"\\[] \t\r\n\x01\x7f"
	                               "\x80\xff!#-_";
	uint32_t seed = 12345;
	char buf[64];
	size_t i, j, len;
	int bad = 0;

	for (i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
		len = strlen(tricky[i]);
		if (i == 3)
			len += 2; /* through the embedded NUL */
		for (j = 0; j <= len; j++)
			bad += check_all(tricky[i], j);
	}
	is_int(0, bad, "every prefix of tricky strings parses safely");

	bad = 0;
	for (i = 0; i < 20000; i++) {
		len = (seed >> 8) % sizeof buf;
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 4 == 0)
				buf[j] = (char)((seed >> 8) & 0xff);
			else
				buf[j] = alphabet[(seed >> 16) %
				                  (sizeof alphabet - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		bad += check_all(buf, len);
	}
	is_int(0, bad, "20000 random inputs parse safely");
}

int
main(void)
{
	plan_lazy();
	test_cases();
	test_mailbox_string();
	test_misc();
	test_robustness();
	return 0;
}
