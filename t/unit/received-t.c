/*
 * received-t: the envelope read back from Received and Return-Path
 * (common/received.h): the "from" clause forms of Postfix, Sendmail and
 * Exim, IPv6 literals, helo= overrides, and what is not understood.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "common/received.h"
#include "t/tap/basic.h"

struct rcase {
	const char *value;
	const char *ip;   /* NULL: not understood */
	const char *helo;
};

static const struct rcase cases[] = {
    {" from mail.example.com (mail.example.com [192.0.2.1])\n\tby mx.example.net"
     " (Postfix) with ESMTP id 1; Thu, 3 Dec 2026 12:00:00 +0000",
     "192.0.2.1", "mail.example.com"},
    {" from helo.example (unknown [192.0.2.2]) by mx", "192.0.2.2",
     "helo.example"},
    {" from helo.example ([192.0.2.3]) by mx", "192.0.2.3", "helo.example"},
    {" from host.example.com ([192.0.2.4] helo=mail.example.com) by mx with "
     "esmtp (Exim 4.96)", "192.0.2.4", "mail.example.com"},
    {" from [192.0.2.5] (helo=laptop) by mx", "192.0.2.5", "laptop"},
    {" from mail.example.com (mail.example.com [IPv6:2001:DB8::1]) by mx",
     "2001:db8::1", "mail.example.com"},
    {" from mail.example.com (mail.example.com [192.0.2.6]:25) by mx",
     "192.0.2.6", "mail.example.com"},
    {"\r\n FROM  Mail.Example.COM\r\n (x [192.0.2.7]) by mx", "192.0.2.7",
     "Mail.Example.COM"},
    {" from mail.example.com (not an address [999.1.1.1]) by mx", NULL, NULL},
    {" by mx.example.net with local; Thu, 3 Dec 2026", NULL, NULL},
    {" from mail.example.com by mx", NULL, NULL},
    {" from mail.example.com (unclosed [192.0.2.8", NULL, NULL},
    {"", NULL, NULL},
    {" from", NULL, NULL},
};

static void
env(const char *msg, const char *ip, const char *helo, const char *sender,
    const char *name)
{
	enum msg_status st;
	struct msg *m = msg_from_mem(msg, strlen(msg), &st);
	struct received_env e;
	char *why = NULL;
	int rc = received_env(m, &e, &why);

	is_int(ip != NULL ? 0 : -1, rc, "%s: status", name);
	is_string(ip, e.ip, "%s: ip", name);
	is_string(helo, e.helo, "%s: helo", name);
	is_string(sender, e.sender, "%s: sender", name);
	ok((rc == 0) == (why == NULL), "%s: a reason only on failure", name);
	free(why);
	received_env_free(&e);
	msg_free(m);
}

int
main(void)
{
	size_t i;

	plan_lazy();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		struct received_env e;
		int rc;

		memset(&e, 0, sizeof(e));
		rc = received_parse(c->value, strlen(c->value), &e);
		is_int(c->ip != NULL ? 0 : -1, rc, "case %zu: status", i);
		is_string(c->ip, e.ip, "case %zu: ip", i);
		if (c->ip != NULL)
			is_string(c->helo, e.helo, "case %zu: helo", i);
		received_env_free(&e);
	}
	env("Return-Path: <alice@example.com>\nReceived: from a.example "
	    "(a.example [192.0.2.9]) by mx\nReceived: from b.example "
	    "(b.example [192.0.2.10]) by a\n\nbody\n", "192.0.2.9", "a.example",
	    "alice@example.com", "topmost Received, Return-Path");
	env("Return-Path: <>\nReceived: from a.example ([192.0.2.9])\n\nx\n",
	    "192.0.2.9", "a.example", "", "null Return-Path");
	env("Subject: x\n\nbody\n", NULL, NULL, NULL, "neither field");
	return 0;
}
