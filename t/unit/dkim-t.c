/*
 * dkim-t: the DKIM module (common/dkim*.c): RFC 8463 A.3 reproduced byte
 * for byte through the signer's own code path, body hashes, verification
 * against zone files, sign/verify round trips for every canonicalisation
 * pair, h= selection, folding, and hostile signature fields.
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
#include "common/dkim.h"
#include "common/dns.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/util.h"
#include "t/tap/basic.h"

static char tmpdir[4096];

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		bail("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static struct msg *
msg_str(const char *s)
{
	enum msg_status st;

	return msg_from_mem(s, strlen(s), &st);
}

static struct msg *
msg_file(const char *rel)
{
	enum msg_status st;
	size_t len;
	char *data = slurp(test_file(rel), &len);
	struct msg *m = msg_from_mem(data, len, &st);

	free(data);
	return m;
}

/* The value of tag "b=" of a field, whitespace removed. */
static char *
b_value(const char *field, size_t len)
{
	struct buf b = BUF_INIT;
	const char *p = NULL;
	size_t i;

	for (i = 0; i + 2 <= len; i++)
		if ((i == 0 || field[i - 1] == ' ' || field[i - 1] == '\t' ||
		    field[i - 1] == ';') && field[i] == 'b' &&
		    field[i + 1] == '=')
			p = field + i + 2;
	if (p == NULL)
		return xstrdup("");
	for (; p < field + len && *p != ';'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			buf_addc(&b, *p);
	return buf_detach(&b);
}

static struct crypto_privkey *
key_file(const char *rel)
{
	size_t len;
	char *data = slurp(test_file(rel), &len), *err = NULL;
	struct crypto_privkey *k = crypto_privkey_load(data, len, &err);

	if (k == NULL)
		bail("%s: %s", rel, err);
	free(data);
	return k;
}

/* RFC 8463 A.3: rebuild both signatures from their published tag text
 * with the RFC's keys; the b= values must come out identical. */
static void
test_rfc8463(void)
{
	static const char *keys[2] = {
		"vectors/dkim/keys/rfc8463-brisbane.ed25519.seed.b64",
		"vectors/dkim/keys/rfc8463-test.private",
	};
	struct msg *m = msg_file("vectors/dkim/messages/rfc8463-A3.eml");
	size_t i;

	ok(m != NULL && msg_status(m) == MSG_OK, "RFC 8463 A.3 message reads");
	for (i = 0; i < 2; i++) {
		const struct msg_field *f = msg_field(m, i);
		struct crypto_privkey *k = key_file(keys[i]);
		char *raw = xmemdup(f->raw, f->rawlen), *tmpl, *out, *err = NULL;
		char *want, *got;
		const char *bpos = strstr(raw, "\r\n b=");

		if (bpos == NULL)
			bail("no b= in RFC 8463 A.3 field %zu", i);
		tmpl = xstrndup(raw, (size_t)(bpos + 5 - raw));
		out = dkim_sign_field(m, k, tmpl, strlen(tmpl), &err);
		ok(out != NULL, "A.3 signature %zu: dkim_sign_field works%s%s",
		    i, err ? ": " : "", err ? err : "");
		want = b_value(raw, f->rawlen);
		got = out != NULL ? b_value(out, strlen(out)) : xstrdup("");
		is_string(want, got, "A.3 signature %zu (%s): b= reproduced "
		    "byte for byte", i, i == 0 ? "ed25519-sha256" :
		    "rsa-sha256");
		ok(out != NULL && strncmp(out, tmpl, strlen(tmpl)) == 0,
		    "A.3 signature %zu: tag text kept as given", i);
		ok(out != NULL && strlen(out) >= 2 &&
		    strcmp(out + strlen(out) - 2, "\r\n") == 0,
		    "A.3 signature %zu: ends in the message's CRLF", i);
		free(want);
		free(got);
		free(out);
		free(tmpl);
		free(raw);
		free(err);
		crypto_privkey_free(k);
	}
	msg_free(m);
}

/* Body hash through the shared body pass. */
static void
test_body_hash(void)
{
	struct msg *m = msg_file("vectors/dkim/messages/rfc8463-A3.eml");
	struct dkim_body *b = dkim_body_new();
	struct crypto_hash *h = crypto_hash_new(CRYPTO_SHA256);
	struct crypto_hash *h2 = crypto_hash_new(CRYPTO_SHA256);
	unsigned char d[CRYPTO_MAX_DIGEST];
	char *err = NULL, *s;
	size_t n, len, i1, i2;
	char *canon = slurp(test_file(
	    "vectors/dkim/intermediate/rfc8463-A3.body.relaxed.bin"), &len);

	i1 = dkim_body_add(b, CANON_RELAXED, UINT64_MAX, h);
	i2 = dkim_body_add(b, CANON_RELAXED, 5, h2);
	ok(dkim_body_run(b, m, &err) == 0, "body pass runs");
	n = crypto_hash_final(h, d);
	s = b64_encode(d, n);
	is_string("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", s,
	    "RFC 8463 A.3 bh= (relaxed)");
	free(s);
	is_int((long long)len, (long long)dkim_body_length(b, i1),
	    "canonical body length matches the intermediate file");
	is_int((long long)len, (long long)dkim_body_length(b, i2),
	    "length counts the whole body even with a limit");
	n = crypto_hash_final(h2, d);
	{
		unsigned char d2[CRYPTO_MAX_DIGEST];
		struct crypto_hash *h3 = crypto_hash_new(CRYPTO_SHA256);
		crypto_hash_update(h3, canon, 5);
		crypto_hash_final(h3, d2);
		is_blob(d2, 32, d, n, "l=5 hashes the first 5 canonical bytes");
	}
	free(canon);
	dkim_body_free(b);
	msg_free(m);
}

static struct dns_ctx *
zone_ctx(const char *path)
{
	char *err = NULL;
	struct dns_ctx *c = dns_new(&err);

	if (c == NULL || dns_load_zone(c, path, &err) < 0)
		bail("zone %s: %s", path, err);
	/* nothing here may reach the network */
	dns_add_nameserver(c, "127.0.0.1@9", &err);
	dns_set_timeout(c, 0.2);
	return c;
}

static struct dkim_results *
verify(struct msg *m, struct dns_ctx *c, int64_t now)
{
	struct dkim_verify_opts o = {DKIM_MIN_RSA_BITS, now};
	struct dkim_results *rs = NULL;
	char *err = NULL;

	if (dkim_verify(m, c, &o, &rs, &err) < 0)
		bail("dkim_verify: %s", err);
	return rs;
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

static void
test_verify_vectors(void)
{
	struct dns_ctx *c = zone_ctx(test_file("vectors/dkim/zone.txt"));
	struct msg *m = msg_file("vectors/dkim/messages/rfc8463-A3.eml");
	struct dkim_results *rs = verify(m, c, 1700000000);
	char *s;

	is_int(2, (long long)rs->n, "A.3: two signatures");
	is_string("pass", res_name(rs->r[0].result), "A.3 ed25519 passes");
	is_string("pass", res_name(rs->r[1].result), "A.3 rsa passes");
	is_int(1024, rs->r[1].key_bits, "A.3 rsa key is 1024 bits");
	s = line(&rs->r[0]);
	is_string("dkim=pass header.d=football.example.com header.s=brisbane "
	    "header.a=ed25519-sha256 header.b=\"/gCrinpc\" "
	    "header.i=@football.example.com", s, "result line");
	free(s);
	is_int(RES_PASS, dkim_verdict(rs), "verdict pass");
	dkim_results_free(rs);

	/* a raised floor makes the 1024-bit key a policy result */
	{
		struct dkim_verify_opts o = {2048, 1700000000};
		char *err = NULL;
		dkim_verify(m, c, &o, &rs, &err);
		is_string("policy", res_name(rs->r[1].result),
		    "--min-key-bits 2048: 1024-bit key is policy");
		is_string("pass", res_name(rs->r[0].result),
		    "--min-key-bits 2048: ed25519 unaffected");
		dkim_results_free(rs);
	}
	msg_free(m);

	m = msg_file("vectors/dkim/messages/rfc6376-A2-as-published.eml");
	rs = verify(m, c, 1700000000);
	is_string("fail", res_name(rs->r[0].result), "A.2 as published fails");
	is_string("body hash mismatch", rs->r[0].reason, "... body hash");
	dkim_results_free(rs);
	msg_free(m);
	dns_free(c);
}

/* Write a zone with one key record; returns its path (static). */
static const char *
write_zone(const char *name, const struct crypto_privkey *k[], const char *sel[],
    size_t n)
{
	static char path[4200];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL)
		bail("cannot write %s", path);
	for (i = 0; i < n; i++) {
		char *err = NULL, *p = crypto_privkey_public_b64(k[i], &err);
		fprintf(f, "%s._domainkey.example.com. IN TXT \"v=DKIM1; k=%s; "
		    "p=%s\"\n", sel[i], crypto_privkey_type(k[i]) ==
		    CRYPTO_KEY_ED25519 ? "ed25519" : "rsa", p);
		free(p);
	}
	fclose(f);
	return path;
}

static const char *sample =
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: round  trip \r\n"
    "\tfolded\r\n"
    "Date: Tue, 25 Nov 2025 10:00:00 +0000\r\n"
    "Received: one\r\n"
    "Received: two\r\n"
    "\r\n"
    "Hello  Bob. \r\n"
    "\r\n"
    "\r\n";

/* Sign, then verify the result; returns the results. */
static struct dkim_results *
sign_verify(const char *text, struct dkim_sign_conf *conf, size_t n,
    struct dns_ctx *c, int64_t now, char **signedtext)
{
	struct msg *m = msg_str(text), *m2;
	char **fields = NULL, *err = NULL;
	struct buf b = BUF_INIT;
	struct dkim_results *rs;
	size_t i;

	if (dkim_sign(m, conf, n, &fields, &err) < 0)
		bail("dkim_sign: %s", err);
	for (i = 0; i < n; i++)
		buf_adds(&b, fields[i]);
	buf_adds(&b, text);
	dkim_fields_free(fields, n);
	msg_free(m);
	m2 = msg_str(b.data);
	rs = verify(m2, c, now);
	msg_free(m2);
	if (signedtext != NULL)
		*signedtext = buf_detach(&b);
	buf_free(&b);
	return rs;
}

static bool
lines_short(const char *s)
{
	size_t col = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			col = 0;
			continue;
		}
		if (*s != '\r' && ++col > DKIM_FOLD_COLUMN)
			return false;
	}
	return true;
}

static void
test_round_trip(void)
{
	char *err = NULL, *signedtext = NULL;
	const struct crypto_privkey *keys[2];
	struct crypto_privkey *rsa, *ed;
	const char *sels[2] = {"rsa", "ed"};
	struct dkim_sign_conf conf[2];
	struct dns_ctx *c;
	struct dkim_results *rs;
	static const enum canon_alg cs[2] = {CANON_SIMPLE, CANON_RELAXED};
	size_t i, j;

	rsa = crypto_privkey_generate(CRYPTO_KEY_RSA, 1024, &err);
	ed = crypto_privkey_generate(CRYPTO_KEY_ED25519, 0, &err);
	if (rsa == NULL || ed == NULL)
		bail("key generation: %s", err);
	keys[0] = rsa;
	keys[1] = ed;
	c = zone_ctx(write_zone("rt.zone", keys, sels, 2));

	memset(conf, 0, sizeof(conf));
	for (i = 0; i < 2; i++) {
		conf[i].domain = "example.com";
		conf[i].selector = sels[i];
		conf[i].key = keys[i];
		conf[i].timestamp = 1700000000;
	}
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			conf[0].hcanon = conf[1].hcanon = cs[i];
			conf[0].bcanon = conf[1].bcanon = cs[j];
			rs = sign_verify(sample, conf, 2, c, 1700000000,
			    &signedtext);
			ok(rs->n == 2 && rs->r[0].result == RES_PASS &&
			    rs->r[1].result == RES_PASS,
			    "%s/%s: RSA and Ed25519 signatures both pass",
			    canon_name(cs[i]), canon_name(cs[j]));
			ok(lines_short(signedtext), "%s/%s: folded at %d",
			    canon_name(cs[i]), canon_name(cs[j]),
			    DKIM_FOLD_COLUMN);
			dkim_results_free(rs);
			free(signedtext);
		}

	/* default h=: recommended fields present, Received not among them */
	conf[0].hcanon = conf[0].bcanon = CANON_RELAXED;
	conf[0].no_default_oversign = true;
	rs = sign_verify(sample, conf, 1, c, 1700000000, &signedtext);
	ok(strstr(signedtext, "h=from:subject:date:to;") != NULL,
	    "default h= is RFC 6376 5.4.1's list, those present");
	dkim_results_free(rs);
	free(signedtext);
	conf[0].no_default_oversign = false;

	/* by default From, To, Subject and Date are named once more */
	rs = sign_verify(sample, conf, 1, c, 1700000000, &signedtext);
	ok(strstr(signedtext, "h=from:subject:date:to:from:to:subject:date;")
	    != NULL, "default h= oversigns From, To, Subject, Date");
	is_int(RES_PASS, rs->r[0].result, "default-oversigned signature "
	    "passes");
	dkim_results_free(rs);
	free(signedtext);

	/* oversign: one more than present */
	conf[0].oversign = true;
	rs = sign_verify(sample, conf, 1, c, 1700000000, &signedtext);
	ok(strstr(signedtext, "h=from:subject:date:to:from:subject:date:to;")
	    != NULL, "--oversign names each field once more");
	is_int(RES_PASS, rs->r[0].result, "over-signed signature passes");
	dkim_results_free(rs);
	free(signedtext);
	conf[0].oversign = false;

	/* explicit h= with repeated Received: bottom-up selection */
	{
		const char *hs[] = {"From", "Received", "Received",
		    "Received"};
		conf[0].headers = hs;
		conf[0].nheaders = 4;
		rs = sign_verify(sample, conf, 1, c, 1700000000, &signedtext);
		ok(strstr(signedtext, "h=From:Received:Received:Received;") !=
		    NULL, "-h list kept as given");
		is_int(RES_PASS, rs->r[0].result, "h= naming more instances "
		    "than exist passes");
		dkim_results_free(rs);
		free(signedtext);
		conf[0].headers = NULL;
		conf[0].nheaders = 0;
	}

	/* l=, x=, i= */
	conf[0].body_length = true;
	conf[0].expire = 3600;
	conf[0].identity = "a b;c@mail.example.com";
	rs = sign_verify(sample, conf, 1, c, 1700000000, &signedtext);
	ok(strstr(signedtext, "l=12;") != NULL, "l= is the canonical body "
	    "length");
	ok(strstr(signedtext, "x=1700003600;") != NULL, "x= is t= + expire");
	ok(strstr(signedtext, "i=a=20b=3Bc@mail.example.com;") != NULL,
	    "i= local-part in dkim-quoted-printable");
	is_int(RES_PASS, rs->r[0].result, "l=, x=, i= signature passes");
	is_string("a b;c@mail.example.com", rs->r[0].i, "i= decoded");
	dkim_results_free(rs);
	free(signedtext);
	rs = sign_verify(sample, conf, 1, c, 1700003601, NULL);
	is_int(RES_FAIL, rs->r[0].result, "after x= the signature fails");
	is_string("signature expired", rs->r[0].reason, "... as expired");
	dkim_results_free(rs);
	conf[0].body_length = false;
	conf[0].expire = 0;
	conf[0].identity = NULL;

	/* LF input gives the same signature as CRLF input */
	{
		struct buf lf = BUF_INIT;
		const char *p;
		char **f1 = NULL, **f2 = NULL;
		struct msg *m1 = msg_str(sample), *m2;
		char *b1, *b2;

		for (p = sample; *p != '\0'; p++)
			if (*p != '\r')
				buf_addc(&lf, *p);
		m2 = msg_str(lf.data);
		for (i = 0; i < 2; i++) {
			conf[0].hcanon = cs[i];
			conf[0].bcanon = cs[i];
			dkim_sign(m1, conf, 1, &f1, &err);
			dkim_sign(m2, conf, 1, &f2, &err);
			b1 = b_value(f1[0], strlen(f1[0]));
			b2 = b_value(f2[0], strlen(f2[0]));
			ok(strlen(b1) > 0 && strcmp(b1, b2) == 0,
			    "%s: LF and CRLF input give the same b=",
			    canon_name(cs[i]));
			ok(strchr(f2[0], '\r') == NULL,
			    "%s: LF input gets an LF-only field",
			    canon_name(cs[i]));
			free(b1);
			free(b2);
			dkim_fields_free(f1, 1);
			dkim_fields_free(f2, 1);
		}
		msg_free(m1);
		msg_free(m2);
		buf_free(&lf);
	}

	/* configuration checks */
	{
		struct dkim_sign_conf bad = conf[0];
		const char *nofrom[] = {"to"};
		bad.domain = "exa mple.com";
		ok(dkim_sign_conf_check(&bad, &err) < 0, "bad d= refused");
		free(err);
		bad = conf[0];
		bad.identity = "user@example.org";
		ok(dkim_sign_conf_check(&bad, &err) < 0, "i= outside d= "
		    "refused");
		free(err);
		bad = conf[0];
		bad.headers = nofrom;
		bad.nheaders = 1;
		ok(dkim_sign_conf_check(&bad, &err) < 0, "h= without From "
		    "refused");
		free(err);
		bad = conf[0];
		bad.selector = "sel\r\nX-Injected: 1";
		ok(dkim_sign_conf_check(&bad, &err) < 0, "selector with a "
		    "line break refused");
		free(err);
	}
	dns_free(c);
	crypto_privkey_free(rsa);
	crypto_privkey_free(ed);
}

/* Signature fields that must each give the named result. */
static void
test_verify_cases(void)
{
	static const struct {
		const char *sig;
		const char *word;
		const char *desc;
	} cases[] = {
		{"a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA",
		    "permerror", "no v="},
		{"v=2; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; "
		    "b=AAAA", "permerror", "v=2"},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA",
		    "permerror", "no b="},
		{"v=1; a=rsa-md5; d=example.com; s=x; h=from; bh=AAAA; b=AAAA",
		    "permerror", "unknown a="},
		{"v=1; a=rsa-sha256; c=future; d=example.com; s=x; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "unknown c="},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=to; bh=AAAA; "
		    "b=AAAA", "permerror", "From not in h="},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; "
		    "b=A!AA", "permerror", "bad base64 in b="},
		{"v=1; a=rsa-sha256; d=ex(ample.com; s=x; h=from; bh=AAAA; "
		    "b=AAAA", "permerror", "bad d="},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=from; i=@evil.org; "
		    "bh=AAAA; b=AAAA", "permerror", "i= outside d="},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=from; q=http; "
		    "bh=AAAA; b=AAAA", "permerror", "q= without dns/txt"},
		/* RFC 5234 2.3: "dns/txt" is case-insensitive, so the
		 * signature gets as far as its (wrong) body hash */
		{"v=1; a=rsa-sha256; d=example.com; s=ok; h=from; q=DNS/TXT; "
		    "bh=AAAA; b=AAAA", "fail", "q=DNS/TXT"},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=from; t=200; x=100; "
		    "bh=AAAA; b=AAAA", "permerror", "x= before t="},
		{"v=1; a=rsa-sha256; d=example.com; s=x; h=from; x=100; "
		    "bh=AAAA; b=AAAA", "fail", "expired"},
		{"v=1; v=1; a=rsa-sha256; d=example.com; s=x; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "duplicate tag"},
		{"v=1; a=rsa-sha256; d=example.com; s=nokey; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "no key record"},
		/* RFC 6376 6.1.2 step 6: a failed signature check */
		{"v=1; a=rsa-sha256; d=example.com; s=revoked; h=from; "
		    "bh=AAAA; b=AAAA", "fail", "revoked key"},
		{"v=1; a=rsa-sha256; d=example.com; s=badk; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "unknown k="},
		{"v=1; a=rsa-sha256; d=example.com; s=notemail; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "key s= without email"},
		{"v=1; a=rsa-sha256; d=example.com; s=badv; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "key v= not first"},
		{"v=1; a=rsa-sha256; d=example.com; s=sha1only; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "key h=sha1"},
		{"v=1; a=ed25519-sha256; d=example.com; s=small; h=from; "
		    "bh=AAAA; b=AAAA", "permerror", "a= ed25519, k=rsa"},
		{"v=1; a=rsa-sha256; d=example.com; s=small; h=from; "
		    "bh=AAAA; b=AAAA", "policy", "512-bit key"},
		{"v=1; a=rsa-sha1; d=example.com; s=ok; h=from; "
		    "bh=AAAA; b=AAAA", "policy", "rsa-sha1"},
		{"v=1; a=rsa-sha256; d=example.com; s=ok; h=from; "
		    "bh=AAAA; b=AAAA", "fail", "body hash mismatch"},
		{"v=1; a=rsa-sha256; d=example.com; s=ok; h=from; l=99999; "
		    "bh=AAAA; b=AAAA", "permerror", "l= beyond the body"},
		{"v=1; a=rsa-sha256; d=example.com; s=strict; i=@sub.example.com;"
		    " h=from; bh=AAAA; b=AAAA", "permerror", "key t=s, i= "
		    "subdomain"},
		{"synerr", "permerror", "not a tag-list"},
		{"", "permerror", "empty"},
	};
	struct crypto_privkey *k512, *k1024;
	char *p512, *p1024, *err = NULL, path[4200];
	struct dns_ctx *c;
	FILE *f;
	size_t i;

	k512 = crypto_privkey_generate(CRYPTO_KEY_RSA, 512, &err);
	k1024 = crypto_privkey_generate(CRYPTO_KEY_RSA, 1024, &err);
	if (k512 == NULL || k1024 == NULL)
		bail("keygen: %s", err);
	p512 = crypto_privkey_public_b64(k512, &err);
	p1024 = crypto_privkey_public_b64(k1024, &err);
	snprintf(path, sizeof(path), "%s/cases.zone", tmpdir);
	f = fopen(path, "w");
	if (f == NULL)
		bail("cannot write %s", path);
	/* an owner above the selectors: names below it that the file does
	 * not list are NXDOMAIN (dns.h), never asked on the network */
	fprintf(f, "_domainkey.example.com. IN TXT \"not a key\"\n"
	    "revoked._domainkey.example.com. IN TXT \"v=DKIM1; p=\"\n"
	    "badk._domainkey.example.com. IN TXT \"v=DKIM1; k=dsa; p=AAAA\"\n"
	    "notemail._domainkey.example.com. IN TXT \"s=tlsrpt; p=%s\"\n"
	    "badv._domainkey.example.com. IN TXT \"k=rsa; v=DKIM1; p=%s\"\n"
	    "sha1only._domainkey.example.com. IN TXT \"h=sha1; p=%s\"\n"
	    "small._domainkey.example.com. IN TXT \"p=%s\"\n"
	    "ok._domainkey.example.com. IN TXT \"p=%s\"\n"
	    "strict._domainkey.example.com. IN TXT \"t=s; p=%s\"\n",
	    p1024, p1024, p1024, p512, p1024, p1024);
	/* n0..n7 exist (revoked); n8 and n9 must never be asked */
	for (i = 0; i < DKIM_MAX_SIGNATURES; i++)
		fprintf(f, "n%zu._domainkey.example.com. IN TXT \"p=\"\n", i);
	fclose(f);
	c = zone_ctx(path);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = xasprintf("DKIM-Signature: %s\r\nFrom: a@example.com"
		    "\r\n\r\nbody\r\n", cases[i].sig);
		struct msg *m = msg_str(text);
		struct dkim_results *rs = verify(m, c, 1700000000);
		is_string(cases[i].word, rs->n == 1 ?
		    res_name(rs->r[0].result) : "?", "%s -> %s (%s)",
		    cases[i].desc, cases[i].word,
		    rs->n == 1 && rs->r[0].reason ? rs->r[0].reason : "");
		dkim_results_free(rs);
		msg_free(m);
		free(text);
	}

	/* too many signatures: the ninth gets policy without a lookup */
	{
		struct buf b = BUF_INIT;
		struct msg *m;
		struct dkim_results *rs;
		unsigned long before;
		for (i = 0; i < DKIM_MAX_SIGNATURES + 2; i++)
			buf_printf(&b, "DKIM-Signature: v=1; a=rsa-sha256; "
			    "d=example.com; s=n%zu; h=from; bh=AAAA; b=AAAA\r\n",
			    i);
		buf_adds(&b, "From: a@example.com\r\n\r\nbody\r\n");
		m = msg_str(b.data);
		before = dns_queries_sent(c);
		rs = verify(m, c, 1700000000);
		is_int(DKIM_MAX_SIGNATURES + 2, (long long)rs->n,
		    "every signature field gets a result");
		is_string("policy", res_name(rs->r[DKIM_MAX_SIGNATURES].result),
		    "signature %d: policy", DKIM_MAX_SIGNATURES + 1);
		is_string("too many signatures",
		    rs->r[DKIM_MAX_SIGNATURES].reason, "... too many signatures");
		is_string("fail", res_name(rs->r[0].result),
		    "the first ones are evaluated (revoked key: fail)");
		is_int(0, (long long)(dns_queries_sent(c) - before),
		    "no query went to the network");
		dkim_results_free(rs);
		msg_free(m);
		buf_free(&b);
	}
	/* a hostile h= of thousands of names is refused, not worked through */
	{
		struct buf b = BUF_INIT;
		struct msg *m;
		struct dkim_results *rs;
		buf_adds(&b, "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
		    "s=ok; h=from");
		for (i = 0; i < 5000; i++)
			buf_adds(&b, ":from");
		buf_adds(&b, "; bh=AAAA; b=AAAA\r\n");
		for (i = 0; i < 5000; i++)
			buf_adds(&b, "From: a@example.com\r\n");
		buf_adds(&b, "\r\nbody\r\n");
		m = msg_str(b.data);
		rs = verify(m, c, 1700000000);
		is_string("permerror", res_name(rs->r[0].result),
		    "h= with 5001 names: permerror (%s)", rs->r[0].reason);
		dkim_results_free(rs);
		msg_free(m);
		buf_free(&b);
	}
	/* two From fields: a passing signature becomes policy */
	{
		const struct crypto_privkey *ks[1] = {k1024};
		const char *sel[1] = {"ok"};
		struct dkim_sign_conf conf;
		struct dkim_results *rs;
		struct dns_ctx *c2 = zone_ctx(write_zone("from.zone", ks, sel, 1));
		memset(&conf, 0, sizeof(conf));
		conf.domain = "example.com";
		conf.selector = "ok";
		conf.key = k1024;
		conf.hcanon = conf.bcanon = CANON_RELAXED;
		rs = sign_verify("From: a@example.com\r\nFrom: b@example.com\r\n"
		    "\r\nx\r\n", &conf, 1, c2, 1700000000, NULL);
		is_string("policy", res_name(rs->r[0].result),
		    "two From fields: policy");
		dkim_results_free(rs);
		dns_free(c2);
	}
	/* DomainKey-Signature: evaluated by common/dk.c (t/unit/dk-t.c);
	 * here only that it gets its kind and line in the same array */
	{
		struct msg *m = msg_str("DomainKey-Signature: a=rsa-sha1; "
		    "q=dns; c=nofws; s=nokey; d=example.com; b=AAAA\r\n"
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=ok; "
		    "h=from; bh=AAAA; b=AAAA\r\n"
		    "From: a@example.com\r\n\r\nx\r\n");
		struct dkim_results *rs = verify(m, c, 1700000000);
		char *s = line(&rs->r[0]);
		is_int(2, (long long)rs->n, "DomainKeys and DKIM: two results");
		is_string("domainkeys=permerror (key not found) "
		    "header.d=example.com header.s=nokey "
		    "header.from=a@example.com", s,
		    "DomainKeys result first (header order)");
		is_int(DKIM_KIND_DKIM, rs->r[1].kind, "then the DKIM one");
		free(s);
		dkim_results_free(rs);
		msg_free(m);
	}
	dns_free(c);
	free(p512);
	free(p1024);
	crypto_privkey_free(k512);
	crypto_privkey_free(k1024);
}

/* Hostile bytes in signature fields and key records never crash. */
static void
test_hostile(void)
{
	struct dns_ctx *c = zone_ctx(test_file("vectors/dkim/zone.txt"));
	unsigned seed = 12345;
	size_t i, j, bad = 0;
	static const char alphabet[] = "v=1;a=rsa-sha256:d=example.com;s=b"
	    "h=from bh=b=AAAA\r\n\t =@.:;\"\\\x01\xff\x80";

	for (i = 0; i < 500; i++) {
		struct buf b = BUF_INIT;
		struct msg *m;
		struct dkim_results *rs;
		size_t len = (seed = seed * 1103515245 + 12345) % 120;
		buf_adds(&b, "DKIM-Signature:");
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			buf_addc(&b, alphabet[(seed >> 8) %
			    (sizeof(alphabet) - 1)]);
		}
		buf_adds(&b, "\r\nFrom: a@example.com\r\n\r\nx\r\n");
		m = msg_from_mem(b.data, b.len, &(enum msg_status){0});
		if (msg_status(m) == MSG_OK) {
			rs = verify(m, c, 1700000000);
			for (j = 0; j < rs->n; j++)
				if (rs->r[j].result == RES_PASS)
					bad++;
			dkim_results_free(rs);
		}
		msg_free(m);
		buf_free(&b);
	}
	is_int(0, (long long)bad, "500 random signature fields: none passes, "
	    "none crashes");
	dns_free(c);
}

/*
 * Keys are imported once per process and shared between messages
 * (dkim_verify.c's cache, keyed by the key data): the same selector and
 * domain with another key in another DNS context (another zone file) must
 * still give that key's answer, in any order, and after more keys than
 * the cache holds.
 */
static void
test_key_cache(void)
{
	struct crypto_privkey *k[20];
	const struct crypto_privkey *one[1];
	const char *sel[1] = {"k"};
	struct dkim_sign_conf conf;
	struct dns_ctx *c[20];
	struct dkim_results *rs;
	char *err = NULL;
	char zname[32];
	size_t i, round;
	int bad = 0;

	for (i = 0; i < 20; i++) {
		k[i] = crypto_privkey_generate(i == 0 ? CRYPTO_KEY_RSA :
		    CRYPTO_KEY_ED25519, 1024, &err);
		if (k[i] == NULL)
			bail("key generation: %s", err);
		one[0] = k[i];
		snprintf(zname, sizeof zname, "kc%zu.zone", i);
		c[i] = zone_ctx(write_zone(zname, one, sel, 1));
	}
	memset(&conf, 0, sizeof(conf));
	conf.domain = "example.com";
	conf.selector = "k";
	conf.hcanon = conf.bcanon = CANON_RELAXED;
	conf.timestamp = 1700000000;
	/* signed with key 0 (RSA) and key 1 (Ed25519), verified in every
	 * context twice: only the context holding the signing key passes */
	for (round = 0; round < 2; round++)
		for (i = 0; i < 20; i++) {
			size_t s = i % 2;

			conf.key = k[s];
			rs = sign_verify(sample, &conf, 1, c[i], 1700000000,
			    NULL);
			if (rs->n != 1 || (rs->r[0].result == RES_PASS) !=
			    (i == s))
				bad++;
			dkim_results_free(rs);
		}
	is_int(0, bad, "one selector, 20 keys in 20 zones, verified in turn "
	    "twice: each key's own answer");
	for (i = 0; i < 20; i++) {
		dns_free(c[i]);
		crypto_privkey_free(k[i]);
	}
}

int
main(void)
{
	char *d;

	crypto_init();
	snprintf(tmpdir, sizeof(tmpdir), "%s/dkim-t.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	d = mkdtemp(tmpdir);
	if (d == NULL)
		bail("mkdtemp");
	plan_lazy();
	test_rfc8463();
	test_body_hash();
	test_verify_vectors();
	test_round_trip();
	test_verify_cases();
	test_hostile();
	test_key_cache();
	{
		char cmd[4300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	return 0;
}
