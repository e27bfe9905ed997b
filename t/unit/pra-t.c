/*
 * pra-t: the Purported Responsible Address algorithm of RFC 4407 section 2,
 * one message per rule (t/vectors/senderid/NOTES.md lists the cases).
 * There are no published PRA vectors; these are written from the RFC.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "common/pra.h"
#include "t/tap/basic.h"

struct pra_case {
	const char *name;
	const char *msg;     /* header section; LF endings, see run_case() */
	const char *want;    /* the PRA, or NULL for none */
	enum pra_header hdr; /* field it came from (or step 5 rejected) */
	int step;            /* RFC 4407 step that decided */
	long field;          /* index of the selected field, -1 if none */
};

#define BODY "\nbody\n"

static const struct pra_case cases[] = {
    /* Step 4: From alone. */
    {"From only", "From: John Doe <john@example.com>\nTo: x@example.net\n" BODY,
     "john@example.com", PRA_HDR_FROM, 5, 0},
    {"no originator field at all", "To: x@example.net\nSubject: hi\n" BODY,
     NULL, PRA_HDR_NONE, 4, -1},
    {"two From fields and no Sender: no PRA",
     "From: a@example.com\nFrom: b@example.org\n" BODY, NULL, PRA_HDR_NONE, 4,
     -1},
    {"empty From plus one non-empty From: the non-empty one",
     "From:   \nFrom: b@example.org\n" BODY, "b@example.org", PRA_HDR_FROM, 5,
     1},
    {"only an all-whitespace From: no PRA",
     "From: \t \nTo: x@example.net\n" BODY, NULL, PRA_HDR_NONE, 4, -1},
    /* Step 3: Sender. */
    {"Sender wins over From",
     "From: a@example.com\nSender: s@example.net\n" BODY, "s@example.net",
     PRA_HDR_SENDER, 5, 1},
    {"two Sender fields: no PRA (even with one From)",
     "Sender: s@example.net\nFrom: a@example.com\n"
     "Sender: t@example.net\n" BODY,
     NULL, PRA_HDR_NONE, 3, -1},
    {"empty Sender is absent: From wins", "Sender:\nFrom: a@example.com\n" BODY,
     "a@example.com", PRA_HDR_FROM, 5, 1},
    {"folded all-whitespace Sender is absent",
     "Sender: \n \t\nFrom: a@example.com\n" BODY, "a@example.com", PRA_HDR_FROM,
     5, 1},
    {"two Sender fields, one empty: the other",
     "Sender:  \nSender: s@example.net\nFrom: a@example.com\n" BODY,
     "s@example.net", PRA_HDR_SENDER, 5, 1},
    {"Sender with two mailboxes: no PRA (From not consulted)",
     "Sender: s@example.net, t@example.net\nFrom: a@example.com\n" BODY, NULL,
     PRA_HDR_SENDER, 5, 0},
    {"two-mailbox From with a Sender: the Sender",
     "From: a@example.com, b@example.org\nSender: s@example.net\n" BODY,
     "s@example.net", PRA_HDR_SENDER, 5, 1},
    /* Step 2: Resent-From. */
    {"Resent-From beats Sender and From",
     "Resent-From: r@example.org\nFrom: a@example.com\n"
     "Sender: s@example.net\n" BODY,
     "r@example.org", PRA_HDR_RESENT_FROM, 5, 0},
    {"first non-empty Resent-From of several",
     "Resent-From:\nResent-From: r1@example.org\n"
     "Received: by x\nResent-From: r2@example.org\n"
     "From: a@example.com\n" BODY,
     "r1@example.org", PRA_HDR_RESENT_FROM, 5, 1},
    /* Step 1: Resent-Sender. */
    {"Resent-Sender alone",
     "Resent-Sender: rs@example.org\nFrom: a@example.com\n" BODY,
     "rs@example.org", PRA_HDR_RESENT_SENDER, 5, 0},
    {"Resent-From and Resent-Sender of one block: Resent-Sender",
     "Resent-From: r@example.org\nResent-Sender: rs@example.org\n"
     "Resent-Date: Mon, 1 Jan 2024 00:00:00 +0000\nFrom: a@example.com\n" BODY,
     "rs@example.org", PRA_HDR_RESENT_SENDER, 5, 1},
    {"Resent-From, Received, older Resent-Sender: Resent-From",
     "Resent-From: new@example.org\nReceived: from a by b\n"
     "Resent-Sender: old@example.net\nFrom: a@example.com\n" BODY,
     "new@example.org", PRA_HDR_RESENT_FROM, 5, 0},
    {"Resent-From, Return-Path, older Resent-Sender: Resent-From",
     "Resent-From: new@example.org\nReturn-Path: <x@example.com>\n"
     "Resent-Sender: old@example.net\nFrom: a@example.com\n" BODY,
     "new@example.org", PRA_HDR_RESENT_FROM, 5, 0},
    {"Resent-From and Resent-Sender with no trace field between: "
     "Resent-Sender",
     "Resent-From: new@example.org\nX-Other: y\nSubject: s\n"
     "Resent-Sender: rs@example.net\nReceived: by z\n"
     "From: a@example.com\n" BODY,
     "rs@example.net", PRA_HDR_RESENT_SENDER, 5, 3},
    {"an empty Received field between still marks an older block",
     "Resent-From: new@example.org\nReceived:\n"
     "Resent-Sender: old@example.net\nFrom: a@example.com\n" BODY,
     "new@example.org", PRA_HDR_RESENT_FROM, 5, 0},
    {"Resent-Sender above the Resent-From: Resent-Sender even with "
     "Received between",
     "Resent-Sender: rs@example.net\nReceived: by z\n"
     "Resent-From: rf@example.org\nFrom: a@example.com\n" BODY,
     "rs@example.net", PRA_HDR_RESENT_SENDER, 5, 0},
    {"an empty Resent-From does not hide the Resent-Sender",
     "Resent-From:  \nReceived: by z\nResent-Sender: rs@example.net\n"
     "From: a@example.com\n" BODY,
     "rs@example.net", PRA_HDR_RESENT_SENDER, 5, 2},
    {"an empty Resent-Sender is absent: Resent-From",
     "Resent-Sender:\nResent-From: rf@example.org\nFrom: a@example.com\n" BODY,
     "rf@example.org", PRA_HDR_RESENT_FROM, 5, 1},
    {"two resent blocks: the topmost block's Resent-Sender",
     "Received: by c\nResent-From: r2@example.org\n"
     "Resent-Sender: s2@example.org\nReceived: by b\n"
     "Resent-From: r1@example.net\nResent-Sender: s1@example.net\n"
     "Received: by a\nFrom: a@example.com\n" BODY,
     "s2@example.org", PRA_HDR_RESENT_SENDER, 5, 2},
    {"two resent blocks, only the older has a Resent-Sender: Resent-From",
     "Received: by c\nResent-From: r2@example.org\nReceived: by b\n"
     "Resent-From: r1@example.net\nResent-Sender: s1@example.net\n"
     "From: a@example.com\n" BODY,
     "r2@example.org", PRA_HDR_RESENT_FROM, 5, 1},
    {"malformed Resent-Sender: no PRA, steps 2-4 not tried",
     "Resent-Sender: not an address\nFrom: a@example.com\n" BODY, NULL,
     PRA_HDR_RESENT_SENDER, 5, 0},
    /* Field names are case-insensitive (RFC 5322 1.2.2). */
    {"RESENT-FROM in upper case",
     "RESENT-FROM: rf@example.org\nfrom: a@example.com\n" BODY,
     "rf@example.org", PRA_HDR_RESENT_FROM, 5, 0},
    {"sEnDeR in mixed case",
     "FROM: a@example.com\nsEnDeR: s@example.net\n" BODY, "s@example.net",
     PRA_HDR_SENDER, 5, 1},
    /* Step 5: the syntax of the selected field. */
    {"folded display name and angle-addr",
     "From: \"Doe, John\"\n <john@example.com>\n" BODY, "john@example.com",
     PRA_HDR_FROM, 5, 0},
    {"folded inside the addr-spec (obs-domain CFWS)",
     "From: John <john@\n example.com>\n" BODY, "john@example.com",
     PRA_HDR_FROM, 5, 0},
    {"comments around and inside",
     "From: (boss) john(here)@example.com (John Doe)\n" BODY,
     "john@example.com", PRA_HDR_FROM, 5, 0},
    {"quoted local-part keeps its quotes",
     "From: \"john doe\"@example.com\n" BODY, "\"john doe\"@example.com",
     PRA_HDR_FROM, 5, 0},
    {"quoted local-part that is really a dot-atom loses them",
     "From: \"john.doe\"@example.com\n" BODY, "john.doe@example.com",
     PRA_HDR_FROM, 5, 0},
    {"quoted local-part with ';' (injection attempt) stays quoted",
     "From: \"a;sender-id=pass\"@example.com\n" BODY,
     "\"a;sender-id=pass\"@example.com", PRA_HDR_FROM, 5, 0},
    {"obs-local-part with spaces around the dot",
     "From: john . doe@example.com\n" BODY, "john.doe@example.com",
     PRA_HDR_FROM, 5, 0},
    {"obs-route in the angle-addr",
     "Sender: <@relay.example:s@example.net>\nFrom: a@example.com\n" BODY,
     "s@example.net", PRA_HDR_SENDER, 5, 0},
    {"obs-mbox-list empty elements around one mailbox",
     "From: , john@example.com ,\n" BODY, "john@example.com", PRA_HDR_FROM, 5,
     0},
    {"domain case is kept", "From: John@Example.COM\n" BODY, "John@Example.COM",
     PRA_HDR_FROM, 5, 0},
    {"two-mailbox From: no PRA", "From: a@example.com, b@example.org\n" BODY,
     NULL, PRA_HDR_FROM, 5, 0},
    {"mailbox without a domain: no PRA", "From: john\n" BODY, NULL,
     PRA_HDR_FROM, 5, 0},
    {"angle-addr without a domain: no PRA", "From: John <john>\n" BODY, NULL,
     PRA_HDR_FROM, 5, 0},
    {"group syntax in From: no PRA", "From: Team: a@example.com;\n" BODY, NULL,
     PRA_HDR_FROM, 5, 0},
    {"empty group in Sender: no PRA",
     "Sender: undisclosed-recipients:;\nFrom: a@example.com\n" BODY, NULL,
     PRA_HDR_SENDER, 5, 0},
    {"a comment alone is non-empty, and no mailbox", "From: (nobody)\n" BODY,
     NULL, PRA_HDR_FROM, 5, 0},
    {"unclosed angle bracket: hopelessly malformed",
     "From: John <john@example.com\n" BODY, NULL, PRA_HDR_FROM, 5, 0},
    {"address literal is not a domain name", "From: john@[192.0.2.1]\n" BODY,
     NULL, PRA_HDR_FROM, 5, 0},
    {"8-bit garbage", "From: \xff\xfe@\x80\x81\n" BODY, NULL, PRA_HDR_FROM, 5,
     0},
    /* Reading: the mbox line is not a From field. */
    {"mbox From line is not a From field",
     "From john@example.org Mon Jan  1 00:00:00 2024\n"
     "Sender: s@example.net\n" BODY,
     "s@example.net", PRA_HDR_SENDER, 5, 0},
};

/* Turn the LF message into CRLF when crlf is set. */
static char *
convert(const char *s, int crlf, size_t *len)
{
	size_t n = strlen(s), i, o = 0;
	char *d = malloc(2 * n + 1);

	if (d == NULL)
		bail("out of memory");
	for (i = 0; i < n; i++) {
		if (crlf && s[i] == '\n')
			d[o++] = '\r';
		d[o++] = s[i];
	}
	d[o] = '\0';
	*len = o;
	return d;
}

static void
run_case(const struct pra_case *c, int crlf)
{
	const char *eol = crlf ? "CRLF" : "LF";
	struct pra_result r;
	enum msg_status st;
	struct msg *m;
	size_t len;
	char *text;
	int rc;

	text = convert(c->msg, crlf, &len);
	m = msg_from_mem(text, len, &st);
	rc = pra_find(m, &r);
	if (c->want != NULL) {
		is_int(0, rc, "%s (%s): found", c->name, eol);
		is_string(c->want, r.address, "%s (%s): address", c->name, eol);
		ok(r.reason == NULL, "%s (%s): no reason", c->name, eol);
	} else {
		is_int(-1, rc, "%s (%s): no PRA", c->name, eol);
		ok(r.address == NULL && r.reason != NULL && r.reason[0],
		   "%s (%s): a reason (%s)", c->name, eol,
		   r.reason ? r.reason : "NULL");
	}
	is_int(c->hdr, r.header, "%s (%s): header", c->name, eol);
	is_int(c->step, r.step, "%s (%s): step", c->name, eol);
	is_int(c->field, r.field, "%s (%s): field index", c->name, eol);
	pra_result_free(&r);
	msg_free(m);
	free(text);
}

static void
test_reasons(void)
{
	static const struct {
		const char *msg;
		const char *reason;
	} r[] = {
	    {"From: a@example.com\nFrom: b@example.org\n\n",
	     "2 non-empty From fields"},
	    {"Sender: a@example.com\nSender: b@example.org\n"
	     "Sender: c@example.org\n\n",
	     "3 non-empty Sender fields"},
	    {"From: a@example.com, b@example.org\n\n",
	     "the From field holds 2 mailboxes"},
	    {"Sender: a@example.com, b@example.org\n\n",
	     "the Sender field holds 2 mailboxes"},
	    {"From: john\n\n", "the From field holds no mailbox with a domain"},
	    {"From: (nobody)\n\n", "the From field holds no mailbox"},
	    {"From: john@[192.0.2.1]\n\n",
	     "the mailbox in the From field has "
	     "an address literal, not a domain name"},
	    {"Resent-Sender: G:;\n\n",
	     "the Resent-Sender field holds a group, not a single mailbox"},
	};
	struct pra_result pr;
	enum msg_status st;
	struct msg *m;
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		m = msg_from_mem(r[i].msg, strlen(r[i].msg), &st);
		pra_find(m, &pr);
		is_string(r[i].reason, pr.reason, "reason text %zu", i);
		pra_result_free(&pr);
		msg_free(m);
	}
}

static void
test_misc(void)
{
	struct pra_result r;
	enum msg_status st;
	struct msg *m;
	const char *s = "From: Jo <jo@Example.org>\n\nbody\n";

	is_string("Resent-Sender", pra_header_name(PRA_HDR_RESENT_SENDER),
	          "name of Resent-Sender");
	is_string("From", pra_header_name(PRA_HDR_FROM), "name of From");
	ok(pra_header_name(PRA_HDR_NONE) == NULL, "no name for none");
	is_string("resent-from", pra_header_property(PRA_HDR_RESENT_FROM),
	          "property of Resent-From");
	is_string("sender", pra_header_property(PRA_HDR_SENDER),
	          "property of Sender");
	ok(pra_header_property(PRA_HDR_NONE) == NULL, "no property for none");
	/* Must be a no-op: a crash ends the program before plan_lazy() prints
	 * the plan, and the TAP driver fails the file (no ok() needed). */
	pra_result_free(NULL);

	m = msg_from_mem(s, strlen(s), &st);
	is_int(0, pra_find(m, &r), "parts: found");
	is_string("jo", r.local, "parts: local-part");
	is_string("Example.org", r.domain, "parts: domain");
	pra_result_free(&r);
	ok(r.address == NULL && r.reason == NULL && r.field == -1,
	   "pra_result_free resets");
	msg_free(m);

	/* Not a header section at all. */
	m = msg_from_mem("no colon here\n\nbody\n", 20, &st);
	is_int(-1, pra_find(m, &r), "no header section: no PRA");
	ok(r.reason != NULL, "no header section: reason given");
	is_int(0, r.step, "no header section: no step");
	pra_result_free(&r);
	msg_free(m);

	/* Empty input. */
	m = msg_from_mem("", 0, &st);
	is_int(-1, pra_find(m, &r), "empty input: no PRA");
	pra_result_free(&r);
	msg_free(m);
}

/* Any bytes at all: no crash, no read past the end (run under ASan). */
static void
test_hostile(void)
{
	static const char *heads[] = {
	    "From: ", "Sender: ", "Resent-From: ", "Resent-Sender: "};
	unsigned long seed = 4407;
	char buf[200];
	struct pra_result r;
	enum msg_status st;
	struct msg *m;
	size_t i, j, hl, n;
	int survived = 1;

	for (i = 0; i < 2000; i++) {
		const char *h = heads[i % 4];

		hl = strlen(h);
		memcpy(buf, h, hl);
		n = hl + (i % 60);
		for (j = hl; j < n; j++) {
			static const char alpha[] =
			    "@<>\"\\(),.:; \t\r\nab\x80";

			seed = seed * 1103515245 + 12345;
			buf[j] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		m = msg_from_mem(buf, n, &st);
		if (pra_find(m, &r) == 0 &&
		    (r.address == NULL || strchr(r.address, '@') == NULL))
			survived = 0;
		pra_result_free(&r);
		msg_free(m);
	}
	ok(survived, "2000 random field values: every PRA found has an @");
}

int
main(void)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	plan_lazy();
	diag("%zu PRA cases, each with LF and CRLF line endings", n);
	for (i = 0; i < n; i++) {
		run_case(&cases[i], 0);
		run_case(&cases[i], 1);
	}
	test_reasons();
	test_misc();
	test_hostile();
	return 0;
}
