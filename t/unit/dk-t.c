/*
 * dk-t: the DomainKeys module (common/dk*.c, through dkim_sign() and
 * dkim_verify()): the sending address, sign/verify round trips for nofws
 * and simple, LF and CRLF, h= present and absent, RFC 4870 3.3's
 * replay of repeated fields, the key record (k=, h=, g=, t=y, p=, v=), the
 * key-size floor, tampering, and hostile signature fields.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/canon.h"
#include "common/crypto.h"
#include "common/dk.h"
#include "common/dkim.h"
#include "common/dns.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/util.h"
#include "t/tap/basic.h"

#define NOW 1700000000

static char tmpdir[4096];
static struct crypto_privkey *k1024, *k512, *ked;

static struct msg *
msg_str(const char *s)
{
	enum msg_status st;

	return msg_from_mem(s, strlen(s), &st);
}

/* A copy of s with every CR removed (the LF form of a CRLF text). */
static char *
to_lf(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s != '\0'; s++)
		if (*s != '\r')
			buf_addc(&b, *s);
	return buf_detach(&b);
}

/* s with the first occurrence of from replaced by to (bail if absent). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	if (p == NULL)
		bail("replace: \"%s\" not found", from);
	return xasprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

static struct dns_ctx *
zone_ctx(const char *text)
{
	char path[4200], *err = NULL;
	struct dns_ctx *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/zone", tmpdir);
	f = fopen(path, "w");
	if (f == NULL)
		bail("cannot write %s", path);
	fputs(text, f);
	fclose(f);
	c = dns_new(&err);
	if (c == NULL || dns_load_zone(c, path, &err) < 0)
		bail("zone: %s", err);
	/* nothing here may reach the network */
	dns_add_nameserver(c, "127.0.0.1@9", &err);
	dns_set_timeout(c, 0.2);
	return c;
}

static char *
pub(const struct crypto_privkey *k)
{
	char *err = NULL, *p = crypto_privkey_public_b64(k, &err);

	if (p == NULL)
		bail("public key: %s", err);
	return p;
}

/* Verify text; min_key_bits as dkim_verify_opts. */
static struct dkim_results *
verify_bits(const char *text, struct dns_ctx *c, unsigned bits)
{
	struct dkim_verify_opts o = {bits, NOW};
	struct dkim_results *rs = NULL;
	struct msg *m = msg_str(text);
	char *err = NULL;

	if (dkim_verify(m, c, &o, &rs, &err) < 0)
		bail("dkim_verify: %s", err);
	msg_free(m);
	return rs;
}

static struct dkim_results *
verify(const char *text, struct dns_ctx *c)
{
	return verify_bits(text, c, DKIM_MIN_RSA_BITS);
}

static char *
line(const struct dkim_result *r)
{
	struct ar *a = ar_new("test.example");
	char *s;

	dkim_result_ar(r, a);
	s = ar_resinfo_line(a, 0);
	ar_free(a);
	return s;
}

/* The word of result i, or "?" when there is none. */
static const char *
word(const struct dkim_results *rs, size_t i)
{
	return i < rs->n ? res_name(rs->r[i].result) : "?";
}

/* Sign text with conf[0..n); returns the fields followed by text. */
static char *
sign(const char *text, const struct dkim_sign_conf *conf, size_t n)
{
	struct msg *m = msg_str(text);
	char **fields = NULL, *err = NULL;
	struct buf b = BUF_INIT;
	size_t i;

	if (dkim_sign(m, conf, n, &fields, &err) < 0)
		bail("dkim_sign: %s", err);
	for (i = 0; i < n; i++)
		buf_adds(&b, fields[i]);
	buf_adds(&b, text);
	dkim_fields_free(fields, n);
	msg_free(m);
	return buf_detach(&b);
}

static struct dkim_sign_conf
dk_conf(const char *sel, const struct crypto_privkey *k, enum canon_alg c)
{
	struct dkim_sign_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.kind = DKIM_KIND_DOMAINKEYS;
	conf.domain = "example.com";
	conf.selector = sel;
	conf.key = k;
	conf.hcanon = conf.bcanon = c;
	return conf;
}

/* The b= value of the first DomainKey-Signature in s (whitespace out). */
static char *
dk_b(const char *s)
{
	const char *p = strstr(s, "DomainKey-Signature:");
	struct buf b = BUF_INIT;

	if (p == NULL || (p = strstr(p, " b=")) == NULL)
		return xstrdup("");
	for (p += 3; *p != '\0' && *p != ';'; p++) {
		if (*p == '\n' && p[1] != ' ' && p[1] != '\t')
			break;
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			buf_addc(&b, *p);
	}
	return buf_detach(&b);
}

static const char *sample =
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: DomainKeys  round \r\n"
    "\ttrip\r\n"
    "Date: Tue, 25 Nov 2025 10:00:00 +0000\r\n"
    "Received: not signed\r\n"
    "\r\n"
    "Hello  Bob. \r\n"
    "\r\n"
    "\tindented line\r\n"
    "\r\n"
    "\r\n";

static void
test_sending_address(void)
{
	static const struct {
		const char *hdr;
		int rc;
		const char *addr;
		bool sender;
		const char *desc;
	} cases[] = {
		{"From: Alice <alice@example.com>\r\n", 0, "alice@example.com",
		    false, "From only"},
		{"From: a@example.org\r\nSender: \"S\" <s@example.com>\r\n", 0,
		    "s@example.com", true, "Sender wins over From"},
		{"Sender: s@example.com\r\nFrom: a@example.org, b@x.org\r\n", 0,
		    "s@example.com", true, "Sender, From with two mailboxes"},
		{"From: a@example.org, b@example.net\r\n", 0, "a@example.org",
		    false, "two From mailboxes: the first"},
		{"From: (c) \"q u\"@Example.COM\r\n", 0, "q u@Example.COM",
		    false, "quoted local-part, case kept"},
		{"Sender: a@x.org\r\nSender: b@x.org\r\nFrom: c@x.org\r\n", -1,
		    NULL, false, "two Sender fields"},
		{"To: a@example.com\r\n", -1, NULL, false, "neither"},
		{"From: not an address\r\n", -1, NULL, false,
		    "unparsable From"},
		{"From: undisclosed:;\r\n", -1, NULL, false, "From group"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = xasprintf("%s\r\nbody\r\n", cases[i].hdr);
		struct msg *m = msg_str(text);
		size_t nf = msg_nfields(m), all[8], k;
		char *local = NULL, *domain = NULL, *got = NULL;
		const char *why = NULL;
		bool sender = false;
		int rc;

		for (k = 0; k < nf && k < 8; k++)
			all[k] = k;
		rc = dk_sending_address(m, all, nf, &local, &domain, &sender,
		    &why);
		if (rc == 0)
			got = xasprintf("%s@%s", local, domain);
		is_int(cases[i].rc, rc, "sending address: %s (%s)",
		    cases[i].desc, rc < 0 ? why : got);
		if (cases[i].rc == 0) {
			is_string(cases[i].addr, got, "... is %s",
			    cases[i].addr);
			is_int(cases[i].sender, sender, "... %s",
			    cases[i].sender ? "from Sender" : "from From");
		}
		free(got);
		free(local);
		free(domain);
		msg_free(m);
		free(text);
	}
}

static void
test_round_trip(struct dns_ctx *c)
{
	static const enum canon_alg cs[2] = {CANON_DK_NOFWS, CANON_DK_SIMPLE};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct dkim_sign_conf conf = dk_conf("k1024", k1024, cs[i]);
		const char *cn = canon_name(cs[i]);
		char *s = sign(sample, &conf, 1), *lf = to_lf(sample);
		char *slf = sign(lf, &conf, 1), *b1 = dk_b(s), *b2 = dk_b(slf);
		char *t, *l;
		struct dkim_results *rs = verify(s, c);

		ok(strncmp(s, "DomainKey-Signature: a=rsa-sha1; c=", 35) == 0,
		    "%s: DomainKey-Signature on top, a=rsa-sha1", cn);
		ok(strstr(s, "h=from:to:subject:date;") != NULL,
		    "%s: h= lists the default fields present, in order", cn);
		is_string("pass", word(rs, 0), "%s: verifies", cn);
		l = line(&rs->r[0]);
		is_string("domainkeys=pass header.d=example.com header.s=k1024 "
		    "header.from=alice@example.com", l, "%s: result line", cn);
		free(l);
		dkim_results_free(rs);
		ok(strlen(b1) > 0 && strcmp(b1, b2) == 0,
		    "%s: LF and CRLF input give the same b=", cn);
		ok(strchr(slf, '\r') == NULL, "%s: LF input, LF-only field", cn);
		rs = verify(slf, c);
		is_string("pass", word(rs, 0), "%s: LF copy verifies", cn);
		dkim_results_free(rs);

		/* tampering: a signed field, the body, an unsigned field */
		t = replace(s, "Subject: DomainKeys", "Subject: DomainKeyz");
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "%s: changed Subject fails", cn);
		is_string("signature mismatch", rs->r[0].reason,
		    "... signature mismatch");
		dkim_results_free(rs);
		free(t);
		t = replace(s, "Hello  Bob.", "Hello  Bub.");
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "%s: changed body fails", cn);
		dkim_results_free(rs);
		free(t);
		t = replace(s, "Received: not signed", "Received: changed");
		rs = verify(t, c);
		is_string("pass", word(rs, 0), "%s: unsigned field may change",
		    cn);
		dkim_results_free(rs);
		free(t);
		/* a new field named in h= below the signature is replayed
		 * with its namesakes (RFC 4870 3.3): fails */
		t = replace(s, "Received: not signed\r\n",
		    "Received: not signed\r\nTo: Eve <eve@example.org>\r\n");
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "%s: added To field fails", cn);
		dkim_results_free(rs);
		free(t);
		/* fields above the signature are not covered */
		t = xasprintf("Sender: Eve <eve@example.org>\r\n%s", s);
		rs = verify(t, c);
		is_string("pass", word(rs, 0), "%s: a field above the signature "
		    "is not covered", cn);
		is_string("alice@example.com", rs->r[0].from,
		    "... nor is it the sending address");
		dkim_results_free(rs);
		free(t);
		/* trailing empty lines do not count (RFC 4870 3.4.1) */
		t = xasprintf("%s\r\n\r\n", s);
		rs = verify(t, c);
		is_string("pass", word(rs, 0), "%s: added empty lines at the "
		    "end pass", cn);
		dkim_results_free(rs);
		free(t);
		free(s);
		free(lf);
		free(slf);
		free(b1);
		free(b2);
	}

	/* nofws ignores whitespace changes, simple does not */
	{
		struct dkim_sign_conf conf = dk_conf("k1024", k1024,
		    CANON_DK_NOFWS);
		char *s = sign(sample, &conf, 1);
		char *t = replace(s, "Hello  Bob. ", "Hello Bob.");
		struct dkim_results *rs = verify(t, c);
		is_string("pass", word(rs, 0), "nofws: whitespace change passes");
		dkim_results_free(rs);
		free(s);
		free(t);
		conf.hcanon = conf.bcanon = CANON_DK_SIMPLE;
		s = sign(sample, &conf, 1);
		t = replace(s, "Hello  Bob. ", "Hello Bob.");
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "simple: whitespace change fails");
		dkim_results_free(rs);
		free(s);
		free(t);
	}

	/* body of only empty lines, and no body: the separator is not
	 * signed either, so the two verify the same */
	{
		struct dkim_sign_conf conf = dk_conf("k1024", k1024,
		    CANON_DK_SIMPLE);
		char *s = sign("From: a@example.com\r\n\r\n\r\n\r\n", &conf, 1);
		char *t = replace(s, "\r\n\r\n\r\n\r\n", "\r\n");
		struct dkim_results *rs = verify(s, c);
		is_string("pass", word(rs, 0), "empty body lines: pass");
		dkim_results_free(rs);
		rs = verify(t, c);
		is_string("pass", word(rs, 0), "... and the same without a "
		    "body");
		dkim_results_free(rs);
		free(s);
		free(t);
	}

	/* h= absent: every field below the signature is signed */
	{
		struct dkim_sign_conf conf = dk_conf("k1024", k1024,
		    CANON_DK_NOFWS);
		const char *text = "From: a@example.com\r\nTo: b@example.net\r\n"
		    "Subject: s\r\n\r\nbody\r\n";
		char *s = sign(text, &conf, 1);
		char *noh = replace(s, " h=from:to:subject;", ""), *t;
		struct dkim_results *rs = verify(noh, c);
		is_string("pass", word(rs, 0), "h= absent: all fields below "
		    "signed, pass");
		dkim_results_free(rs);
		t = replace(noh, "Subject: s\r\n", "Subject: s\r\nX-New: 1\r\n");
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "h= absent: any added field "
		    "below fails");
		dkim_results_free(rs);
		free(t);
		t = xasprintf("X-New: 1\r\n%s", noh);
		rs = verify(t, c);
		is_string("pass", word(rs, 0), "h= absent: a field added above "
		    "passes");
		dkim_results_free(rs);
		free(t);
		free(noh);
		free(s);
	}

	/* repeated fields: h= lists every instance in header order */
	{
		struct dkim_sign_conf conf = dk_conf("k1024", k1024,
		    CANON_DK_SIMPLE);
		const char *text = "To: one@example.net\r\nFrom: a@example.com\r\n"
		    "Cc: x@example.net\r\nTo: two@example.net\r\n"
		    "Cc: y@example.net\r\n\r\nbody\r\n";
		char *s = sign(text, &conf, 1), *t;
		struct dkim_results *rs = verify(s, c);
		ok(strstr(s, "h=to:from:cc:to:cc;") != NULL,
		    "repeated fields: each instance named, in order");
		is_string("pass", word(rs, 0), "... verifies");
		dkim_results_free(rs);
		/* h= gives the hashing order, so moving From above To
		 * changes nothing; swapping the two To fields does */
		t = replace(s, "To: one@example.net\r\nFrom: a@example.com\r\n",
		    "From: a@example.com\r\nTo: one@example.net\r\n");
		rs = verify(t, c);
		is_string("pass", word(rs, 0), "... From moved above To: the "
		    "hashing order is h='s, pass");
		dkim_results_free(rs);
		free(t);
		{
			char *t1 = replace(s, "To: one", "To: tmp");
			char *t2 = replace(t1, "To: two", "To: one");
			t = replace(t2, "To: tmp", "To: two");
			free(t1);
			free(t2);
		}
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "... the two To fields swapped: "
		    "fail");
		dkim_results_free(rs);
		free(t);
		/* one mention of a repeated name plays all of them back
		 * together, at that place (Mail::DKIM's dk_headers.txt) */
		t = replace(s, "h=to:from:cc:to:cc;", "h=to:from:cc:to;");
		rs = verify(t, c);
		is_string("fail", word(rs, 0), "... h= naming Cc once groups "
		    "both Cc fields (another order): fail");
		dkim_results_free(rs);
		free(t);
		free(s);
	}

	/* DKIM and DomainKeys from one call, one body pass */
	{
		struct dkim_sign_conf conf[2];
		char *s;
		struct dkim_results *rs;
		memset(&conf[0], 0, sizeof(conf[0]));
		conf[0].domain = "example.com";
		conf[0].selector = "k1024";
		conf[0].key = k1024;
		conf[0].hcanon = conf[0].bcanon = CANON_RELAXED;
		conf[0].timestamp = NOW;
		conf[1] = dk_conf("k1024", k1024, CANON_DK_NOFWS);
		s = sign(sample, conf, 2);
		rs = verify(s, c);
		ok(strncmp(s, "DKIM-Signature:", 15) == 0 &&
		    strstr(s, "\r\nDomainKey-Signature:") != NULL,
		    "DKIM and DomainKeys: fields in conf order");
		ok(rs->n == 2 && rs->r[0].kind == DKIM_KIND_DKIM &&
		    rs->r[1].kind == DKIM_KIND_DOMAINKEYS,
		    "... two results, DKIM first");
		is_string("pass", word(rs, 0), "... DKIM passes");
		is_string("pass", word(rs, 1), "... DomainKeys passes");
		dkim_results_free(rs);
		free(s);
	}
}

/* Signature and key-record cases: each gives the named word. */
static void
test_verify_cases(struct dns_ctx *c)
{
	static const struct {
		const char *sig;
		const char *from;
		const char *word;
		const char *desc;
	} cases[] = {
		{"a=rsa-sha256; c=nofws; d=example.com; s=k1024; q=dns; b=AAAA",
		    NULL, "permerror", "a=rsa-sha256"},
		{"a=rsa-sha1; c=relaxed; d=example.com; s=k1024; q=dns; b=AAAA",
		    NULL, "permerror", "c=relaxed"},
		{"a=rsa-sha1; c=nofws; d=example.com; s=k1024; q=; b=AAAA",
		    NULL, "permerror", "empty q="},
		{"a=rsa-sha1; c=nofws; d=example.com; s=k1024; q=dns/txt; "
		    "b=AAAA", NULL, "permerror", "q=dns/txt (DKIM's)"},
		{"a=rsa-sha1; c=nofws; s=k1024; q=dns; b=AAAA", NULL,
		    "permerror", "no d="},
		{"a=rsa-sha1; c=nofws; d=example.com; q=dns; b=AAAA", NULL,
		    "permerror", "no s="},
		{"a=rsa-sha1; c=nofws; d=example.com; s=k1024; q=dns", NULL,
		    "permerror", "no b="},
		{"a=rsa-sha1; c=nofws; d=example.com; s=k1024; q=dns; b=A!A",
		    NULL, "permerror", "bad base64"},
		{"a=rsa-sha1; c=nofws; d=exa mple.com; s=k1024; q=dns; b=AAAA",
		    NULL, "permerror", "bad d="},
		{"a=rsa-sha1; c=nofws; d=example.com; s=k1024; h=from::to; "
		    "q=dns; b=AAAA", NULL, "permerror", "bad h="},
		{"a=rsa-sha1; a=rsa-sha1; d=example.com; s=k1024; b=AAAA",
		    NULL, "permerror", "duplicate tag"},
		{"d=example.com; s=k1024; b=AAAA", NULL, "fail",
		    "a=, c=, q= absent: defaults, evaluated"},
		{"d=example.com; s=k1024; b=AAAA", "a@example.org", "permerror",
		    "From not in d="},
		{"d=example.com; s=k1024; b=AAAA", "a@notexample.com",
		    "permerror", "From in a domain ending like d="},
		{"d=example.com; s=k1024; b=AAAA", "a@mail.example.com", "fail",
		    "From in a subdomain of d=: evaluated"},
		{"d=mail.example.com; s=k1024; b=AAAA", NULL, "permerror",
		    "From in the parent of d="},
		{"d=example.com; s=k1024; h=to; b=AAAA", NULL, "permerror",
		    "From not signed (h=to)"},
		{"d=example.com; s=nokey; b=AAAA", NULL, "permerror",
		    "no key record"},
		/* RFC 4870 3.2.3: revoked, with no rule making it a failed
		 * check (DKIM's is RFC 6376 6.1.2): unusable, permerror */
		{"d=example.com; s=revoked; b=AAAA", NULL, "permerror",
		    "revoked key (p= empty)"},
		{"d=example.com; s=ed; b=AAAA", NULL, "permerror", "k=ed25519"},
		{"d=example.com; s=sha256; b=AAAA", NULL, "permerror",
		    "key h=sha256"},
		{"d=example.com; s=gexact; b=AAAA", NULL, "fail",
		    "key g=alice matches: evaluated"},
		{"d=example.com; s=gexact; b=AAAA", "bob@example.com",
		    "permerror", "key g=alice, bob sends"},
		{"d=example.com; s=gstar; b=AAAA", "alice.x@example.com", "fail",
		    "key g=al*x matches alice.x: evaluated"},
		{"d=example.com; s=gstar; b=AAAA", "alice@example.com",
		    "permerror", "key g=al*x, alice sends"},
		{"d=example.com; s=gempty; b=AAAA", NULL, "fail",
		    "key g= empty: any local-part"},
		{"d=example.com; s=dkim1; b=AAAA", NULL, "fail",
		    "key v=DKIM1; k=rsa accepted"},
		{"d=example.com; s=k512; b=AAAA", NULL, "policy",
		    "512-bit key"},
		{"synerr", NULL, "permerror", "not a tag-list"},
		{"", NULL, "permerror", "empty"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = xasprintf("DomainKey-Signature: %s\r\nFrom: %s\r\n"
		    "\r\nbody\r\n", cases[i].sig, cases[i].from != NULL ?
		    cases[i].from : "alice@example.com");
		struct dkim_results *rs = verify(text, c);
		is_string(cases[i].word, rs->n == 1 ? word(rs, 0) : "?",
		    "%s -> %s (%s)", cases[i].desc, cases[i].word,
		    rs->n == 1 && rs->r[0].reason ? rs->r[0].reason : "");
		dkim_results_free(rs);
		free(text);
	}
}

static void
test_keys(struct dns_ctx *c)
{
	struct dkim_sign_conf conf = dk_conf("k512", k512, CANON_DK_NOFWS);
	char *s = sign(sample, &conf, 1), *l;
	struct dkim_results *rs = verify(s, c);

	is_string("policy", word(rs, 0), "512-bit key: policy");
	is_string("key too small: 512 bits", rs->r[0].reason, "... key too "
	    "small");
	dkim_results_free(rs);
	rs = verify_bits(s, c, 512);
	is_string("pass", word(rs, 0), "min_key_bits 512: DomainKeys passes");
	dkim_results_free(rs);
	rs = verify_bits(s, c, 0);
	is_string("policy", word(rs, 0), "min_key_bits 0 means 1024");
	dkim_results_free(rs);
	free(s);

	conf = dk_conf("testing", k1024, CANON_DK_SIMPLE);
	s = sign(sample, &conf, 1);
	rs = verify(s, c);
	l = line(&rs->r[0]);
	is_string("domainkeys=pass (key in test mode) header.d=example.com "
	    "header.s=testing header.from=alice@example.com", l,
	    "t=y: a pass, reported as testing");
	free(l);
	dkim_results_free(rs);
	free(s);

	/* Sender: header.sender, and Sender must be in d= */
	conf = dk_conf("k1024", k1024, CANON_DK_NOFWS);
	s = sign("From: Other <o@example.org>\r\nSender: Alice "
	    "<alice@example.com>\r\n\r\nbody\r\n", &conf, 1);
	rs = verify(s, c);
	l = line(&rs->r[0]);
	is_string("domainkeys=pass header.d=example.com header.s=k1024 "
	    "header.sender=alice@example.com", l, "Sender: header.sender");
	free(l);
	dkim_results_free(rs);
	free(s);

	/* two From fields: policy, as for DKIM */
	s = sign("From: a@example.com\r\n\r\nbody\r\n", &conf, 1);
	l = replace(s, "From: a@example.com\r\n", "From: a@example.com\r\n"
	    "From: b@example.org\r\n");
	rs = verify(l, c);
	ok(strcmp(word(rs, 0), "pass") != 0, "two From fields: no pass (%s)",
	    word(rs, 0));
	dkim_results_free(rs);
	free(l);
	l = xasprintf("From: b@example.org\r\n%s", s);
	rs = verify(l, c);
	is_string("policy", word(rs, 0), "a second From above the signature: "
	    "policy");
	dkim_results_free(rs);
	free(l);
	free(s);
}

static void
test_conf(void)
{
	struct dkim_sign_conf conf = dk_conf("k1024", ked, CANON_DK_NOFWS);
	const char *bad[] = {"from", "x;y"};
	char *err = NULL;
	int rc;

	rc = dk_sign_conf_check(&conf, &err);
	ok(rc < 0 && err != NULL, "Ed25519 key refused (%s)",
	    err != NULL ? err : "");
	free(err);
	err = NULL;
	conf = dk_conf("k1024", k1024, CANON_RELAXED);
	rc = dk_sign_conf_check(&conf, &err);
	ok(rc < 0 && err != NULL, "relaxed refused (%s)",
	    err != NULL ? err : "");
	free(err);
	err = NULL;
	conf = dk_conf("k1024", k1024, CANON_DK_SIMPLE);
	conf.headers = bad;
	conf.nheaders = 2;
	ok(dk_sign_conf_check(&conf, &err) < 0, "bad header name refused");
	free(err);
	err = NULL;
	conf = dk_conf("se l", k1024, CANON_DK_SIMPLE);
	ok(dk_sign_conf_check(&conf, &err) < 0, "bad selector refused");
	free(err);
	err = NULL;
	conf = dk_conf("k1024", k1024, CANON_DK_SIMPLE);
	ok(dk_sign_conf_check(&conf, &err) == 0, "good configuration");

	/* -h list: those fields, plus Sender and From always */
	{
		const char *hs[] = {"Subject"};
		char *s;
		conf.headers = hs;
		conf.nheaders = 1;
		s = sign(sample, &conf, 1);
		ok(strstr(s, "h=from:subject;") != NULL,
		    "-h Subject: h=from:subject");
		free(s);
	}
}

/* Hostile DomainKey-Signature fields never pass and never crash. */
static void
test_hostile(struct dns_ctx *c)
{
	unsigned seed = 4870;
	size_t i, j, bad = 0;
	static const char alphabet[] = "a=rsa-sha1;c=nofws:d=example.com;"
	    "s=k1024h=from:to q=dnsb=AAAA\r\n\t =@.:;\"\\\x01\xff\x80";

	for (i = 0; i < 400; i++) {
		struct buf b = BUF_INIT;
		struct msg *m;
		struct dkim_results *rs = NULL;
		struct dkim_verify_opts o = {512, NOW};
		char *err = NULL;
		size_t len = (seed = seed * 1103515245 + 12345) % 100;
		buf_adds(&b, "DomainKey-Signature:");
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			buf_addc(&b, alphabet[(seed >> 8) %
			    (sizeof(alphabet) - 1)]);
		}
		buf_adds(&b, "\r\nFrom: a@example.com\r\n\r\nx\r\n");
		m = msg_from_mem(b.data, b.len, &(enum msg_status){0});
		if (msg_status(m) == MSG_OK &&
		    dkim_verify(m, c, &o, &rs, &err) == 0) {
			for (j = 0; j < rs->n; j++)
				if (rs->r[j].result == RES_PASS)
					bad++;
			dkim_results_free(rs);
		}
		free(err);
		msg_free(m);
		buf_free(&b);
	}
	is_int(0, (long long)bad, "400 random DomainKey-Signature fields: "
	    "none passes, none crashes");

	/* a hostile h= of many names over many fields is bounded */
	{
		struct buf b = BUF_INIT;
		struct dkim_results *rs;
		buf_adds(&b, "DomainKey-Signature: d=example.com; s=k1024; "
		    "b=AAAA; h=from");
		for (i = 0; i < 1000; i++)
			buf_adds(&b, ":to");
		buf_adds(&b, "\r\nFrom: a@example.com\r\n");
		for (i = 0; i < 3000; i++)
			buf_adds(&b, "To: b@example.com\r\n");
		buf_adds(&b, "\r\nbody\r\n");
		rs = verify(b.data, c);
		is_string("fail", word(rs, 0), "h= of 1001 names over 3001 "
		    "fields: evaluated, fails");
		dkim_results_free(rs);
		buf_free(&b);
	}
}

int
main(void)
{
	char *err = NULL, *d, *p1024, *p512, *ped, *zone;
	struct dns_ctx *c;

	crypto_init();
	snprintf(tmpdir, sizeof(tmpdir), "%s/dk-t.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	d = mkdtemp(tmpdir);
	if (d == NULL)
		bail("mkdtemp");
	k1024 = crypto_privkey_generate(CRYPTO_KEY_RSA, 1024, &err);
	k512 = crypto_privkey_generate(CRYPTO_KEY_RSA, 512, &err);
	ked = crypto_privkey_generate(CRYPTO_KEY_ED25519, 0, &err);
	if (k1024 == NULL || k512 == NULL || ked == NULL)
		bail("key generation: %s", err);
	p1024 = pub(k1024);
	p512 = pub(k512);
	ped = pub(ked);
	/* an owner above the selectors: other names below it are NXDOMAIN
	 * (dns.h), never asked on the network */
	zone = xasprintf(
	    "_domainkey.example.com. IN TXT \"not a key\"\n"
	    "k1024._domainkey.example.com. IN TXT \"k=rsa; p=%s\"\n"
	    "k512._domainkey.example.com. IN TXT \"p=%s\"\n"
	    "testing._domainkey.example.com. IN TXT \"t=y; k=rsa; p=%s\"\n"
	    "revoked._domainkey.example.com. IN TXT \"k=rsa; p=\"\n"
	    "ed._domainkey.example.com. IN TXT \"k=ed25519; p=%s\"\n"
	    "sha256._domainkey.example.com. IN TXT \"h=sha256; p=%s\"\n"
	    "gexact._domainkey.example.com. IN TXT \"g=alice; p=%s\"\n"
	    "gstar._domainkey.example.com. IN TXT \"g=al*x; p=%s\"\n"
	    "gempty._domainkey.example.com. IN TXT \"g=; p=%s\"\n"
	    "dkim1._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "k1024._domainkey.mail.example.com. IN TXT \"p=%s\"\n",
	    p1024, p512, p1024, ped, p1024, p1024, p1024, p1024, p1024,
	    p1024);
	c = zone_ctx(zone);
	plan_lazy();
	test_sending_address();
	test_round_trip(c);
	test_verify_cases(c);
	test_keys(c);
	test_conf();
	test_hostile(c);
	dns_free(c);
	free(zone);
	free(p1024);
	free(p512);
	free(ped);
	crypto_privkey_free(k1024);
	crypto_privkey_free(k512);
	crypto_privkey_free(ked);
	{
		char cmd[4300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	return 0;
}
