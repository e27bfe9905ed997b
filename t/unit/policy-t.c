/*
 * policy-t: Postfix policy requests (common/policy.h): the parser's
 * limits and hostile bytes, and the action for each SPF result under
 * each configuration.  The checks themselves run in t/spf-policy.t.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/policy.h"
#include "common/util.h"
#include "t/tap/basic.h"

/* Feed text (lines separated by '\n', the last one ended) into r;
 * returns the number of times the request ended. */
static int
feed(struct policy_req *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	int ends = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		ends += policy_req_line(r, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return ends;
}

#define FEED(r, s) feed((r), (s), sizeof(s) - 1)

static void
parser(void)
{
	struct policy_req r;
	char *big;
	size_t i;

	policy_req_init(&r);
	is_int(1, FEED(&r, "request=smtpd_access_policy\nprotocol_state=RCPT\n"
	    "client_address=192.0.2.1\nhelo_name=mx.example\nsender=\n"
	    "recipient=b@example.net\ninstance=1a.2b.3\nfoo=bar\n\n"),
	    "a request ends at the empty line");
	ok(r.malformed == NULL, "a Postfix request is well formed");
	is_string("smtpd_access_policy", r.attr[POLICY_REQUEST], "request=");
	is_string("192.0.2.1", r.attr[POLICY_CLIENT_ADDRESS], "client_address");
	is_string("", r.attr[POLICY_SENDER], "empty sender is \"\", not NULL");
	is_string("1a.2b.3", r.attr[POLICY_INSTANCE], "instance");
	is_int(8, (long long)r.nlines, "attribute lines counted");
	policy_req_clear(&r);
	ok(r.attr[POLICY_REQUEST] == NULL && r.nlines == 0, "clear empties");

	/* CRLF lines: the CR is not part of the value. */
	is_int(1, FEED(&r, "helo_name=mx.example\r\n\r\n"), "CRLF: ends");
	is_string("mx.example", r.attr[POLICY_HELO_NAME], "CRLF: value");
	ok(r.malformed == NULL, "CRLF: well formed");
	policy_req_clear(&r);

	/* A CR inside a value would become a new header line. */
	FEED(&r, "helo_name=a\rX-Injected: 1\n\n");
	ok(r.malformed != NULL, "CR inside a value: malformed");
	ok(r.attr[POLICY_HELO_NAME] == NULL, "CR inside a value: not kept");
	policy_req_clear(&r);
	feed(&r, "sender=a\0b@x\n\n", 13);
	ok(r.malformed != NULL, "NUL in a value: malformed");
	policy_req_clear(&r);
	FEED(&r, "sender=a@x\nsender=b@y\n\n");
	ok(r.malformed != NULL, "an attribute twice: malformed");
	policy_req_clear(&r);
	FEED(&r, "no equals sign\n\n");
	ok(r.malformed != NULL, "a line without '=': malformed");
	policy_req_clear(&r);
	FEED(&r, "=value\n\n");
	ok(r.malformed != NULL, "an empty name: malformed");
	policy_req_clear(&r);

	/* Limits: POLICY_LINE_MAX octets a line, POLICY_ATTRS_MAX lines. */
	big = xmalloc(POLICY_LINE_MAX + 2);
	memcpy(big, "sender=", 7);
	memset(big + 7, 'a', POLICY_LINE_MAX - 7);
	policy_req_line(&r, big, POLICY_LINE_MAX);
	ok(r.malformed == NULL, "a line of POLICY_LINE_MAX octets is taken");
	policy_req_clear(&r);
	big[POLICY_LINE_MAX] = 'a';
	policy_req_line(&r, big, POLICY_LINE_MAX + 1);
	ok(r.malformed != NULL, "one octet more: malformed");
	ok(r.attr[POLICY_SENDER] == NULL, "one octet more: not kept");
	policy_req_clear(&r);
	free(big);
	for (i = 0; i < POLICY_ATTRS_MAX; i++)
		FEED(&r, "x=y\n");
	ok(r.malformed == NULL, "POLICY_ATTRS_MAX lines are taken");
	FEED(&r, "x=y\n");
	ok(r.malformed != NULL, "one more: malformed");
	policy_req_fail(&r, "second reason");
	ok(strcmp(r.malformed, "second reason") != 0, "first reason kept");
	policy_req_clear(&r);
}

static void
actions(void)
{
	struct policy_conf c;
	const char *f = "Received-SPF: x";
	char *a;

	memset(&c, 0, sizeof(c));
	c.defer_temperror = true;
	a = policy_action(&c, RES_FAIL, "go away", NULL, f);
	is_string("550 5.7.23 go away", a, "fail: 550 5.7.23 explanation");
	free(a);
	a = policy_action(&c, RES_FAIL, "evil\r\nX-Injected: 1", NULL, f);
	is_string("550 5.7.23 evil??X-Injected: 1", a,
	    "fail: CR LF in the explanation made harmless");
	free(a);
	a = policy_action(&c, RES_SOFTFAIL, NULL, NULL, f);
	is_string("PREPEND Received-SPF: x", a, "softfail: prepend");
	free(a);
	a = policy_action(&c, RES_TEMPERROR, NULL, "timeout", f);
	is_string("DEFER_IF_PERMIT 4.4.3 SPF temporary error: timeout", a,
	    "temperror: defer");
	free(a);
	a = policy_action(&c, RES_PERMERROR, NULL, "bad", f);
	is_string("PREPEND Received-SPF: x", a, "permerror: prepend");
	free(a);
	a = policy_action(&c, RES_PASS, NULL, NULL, "Received-SPF: a\r\nB: c");
	is_string("PREPEND Received-SPF: a??B: c", a,
	    "prepend: no line break passes");
	free(a);
	c.reject = POLICY_REJECT_SOFTFAIL;
	c.reject_permerror = true;
	c.defer_temperror = false;
	a = policy_action(&c, RES_SOFTFAIL, NULL, NULL, f);
	is_string("550 5.7.23 SPF validation failed", a,
	    "softfail rejected when asked");
	free(a);
	a = policy_action(&c, RES_PERMERROR, NULL, "bad", f);
	is_string("550 5.7.24 SPF permanent error: bad", a,
	    "permerror rejected when asked");
	free(a);
	a = policy_action(&c, RES_TEMPERROR, NULL, "timeout", f);
	is_string("PREPEND Received-SPF: x", a, "temperror prepended");
	free(a);
	c.reject = POLICY_REJECT_NONE;
	a = policy_action(&c, RES_FAIL, NULL, NULL, f);
	is_string("PREPEND Received-SPF: x", a, "reject none: fail prepended");
	free(a);
}

static void
decide(void)
{
	struct policy_conf c;
	struct policy_req r;
	struct policy_cache cache = {NULL, NULL};
	char *a, *log;

	memset(&c, 0, sizeof(c));
	policy_req_init(&r);
	FEED(&r, "request=smtpd_access_policy\nprotocol_state=DATA\n\n");
	a = policy_decide(NULL, &c, &r, &cache, &log);
	is_string("DUNNO", a, "DATA state: DUNNO");
	free(a);
	free(log);
	policy_req_clear(&r);
	FEED(&r, "protocol_state=RCPT\nclient_address=192.0.2.1\n\n");
	a = policy_decide(NULL, &c, &r, &cache, &log);
	is_string("DUNNO", a, "no request=: DUNNO");
	ok(log != NULL, "no request=: a log line");
	free(a);
	free(log);
	policy_req_clear(&r);
	FEED(&r, "request=smtpd_access_policy\nprotocol_state=RCPT\n"
	    "helo_name=x\rY\n\n");
	a = policy_decide(NULL, &c, &r, &cache, &log);
	is_string("DUNNO", a, "malformed: DUNNO");
	ok(log != NULL && strstr(log, "malformed") != NULL,
	    "malformed: the log says so");
	free(a);
	free(log);
	policy_req_clear(&r);
	policy_cache_clear(&cache);
}

int
main(void)
{
	plan_lazy();
	parser();
	actions();
	decide();
	return 0;
}
