/*
 * fuzz-dkim: libFuzzer harness for common/dkim*.c and common/dk*.c.  The
 * input is a message (msg_from_mem(), as fuzz-msg reads it).
 *
 *  1. dkim_verify() checks its DKIM-Signature and DomainKey-Signature
 *     fields against a fixed zone: t/vectors/dkim/zone.txt plus an RSA
 *     and an Ed25519 key of ours at several selectors of example.com
 *     (plain, t=s, h=sha1, revoked, g=, a key of the wrong type), under
 *     "$ORIGIN ." so no name ever goes to the network.  Every result is
 *     one of RFC 8601's dkim results and its texts hold no CR or LF.
 *  2. dkim_sign() signs the message with two DKIM configurations (RSA and
 *     Ed25519) and two DomainKeys ones (nofws, simple) in one pass; the
 *     signed message is verified again and each of our signatures must
 *     pass, unless the message has no From field or the reader rejects
 *     it (dkim_sign() refuses those), or it has several From fields (the
 *     DESIGN.md policy result), or, for DomainKeys, the sending address
 *     is not within d=example.com (RFC 4870 3.3).
 */
#include "config.h"

#include <sys/mman.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/dk.h"
#include "common/dkim.h"
#include "common/dns.h"
#include "common/lex.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000

/* The harness source's directory holds ../vectors (run.sh passes an
 * absolute path). */
static char *
vector_path(const char *rel)
{
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash != NULL ? (int)(slash - __FILE__) : 1;

	return xasprintf("%.*s/../vectors/dkim/%s", dirlen,
	    slash != NULL ? __FILE__ : ".", rel);
}

static char *
slurp(const char *rel, size_t *len)
{
	char *path = vector_path(rel), *p = NULL;
	FILE *fp = fopen(path, "rb");
	size_t n = 0, cap = 0, r;

	if (fp == NULL) {
		fprintf(stderr, "fuzz-dkim: %s: cannot open\n", path);
		abort();
	}
	do {
		cap += 8192;
		p = xrealloc(p, cap + 1);
		r = fread(p + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	fclose(fp);
	p[n] = '\0';
	*len = n;
	free(path);
	return p;
}

static struct crypto_privkey *rsa, *ed;
static char *zone_path, *vec_zone;

static void
setup(void)
{
	static int fd = -1;
	char *data, *err = NULL, *prsa, *ped;
	size_t len;
	FILE *fp;

	data = slurp("keys/rfc6376-brisbane.private", &len);
	rsa = crypto_privkey_load(data, len, &err);
	free(data);
	data = slurp("keys/rfc8463-brisbane.ed25519.seed.b64", &len);
	ed = crypto_privkey_load(data, len, &err);
	free(data);
	if (rsa == NULL || ed == NULL)
		abort();
	prsa = crypto_privkey_public_b64(rsa, &err);
	ped = crypto_privkey_public_b64(ed, &err);
	if (prsa == NULL || ped == NULL)
		abort();
	if ((fd = memfd_create("fuzz-dkim", 0)) < 0 ||
	    (fp = fdopen(dup(fd), "w")) == NULL)
		abort();
	fprintf(fp, "$ORIGIN .\n$TTL 300\n"
	    "rsa._domainkey.example.com. TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "ed._domainkey.example.com. TXT \"v=DKIM1; k=ed25519; p=%s\"\n"
	    "strict._domainkey.example.com. TXT \"v=DKIM1; t=s:y; p=%s\"\n"
	    "sha1._domainkey.example.com. TXT \"v=DKIM1; h=sha1; p=%s\"\n"
	    "dk._domainkey.example.com. TXT \"g=; k=rsa; p=%s\"\n"
	    "gran._domainkey.example.com. TXT \"g=user*; p=%s\"\n"
	    "revoked._domainkey.example.com. TXT \"v=DKIM1; p=\"\n"
	    "wrong._domainkey.example.com. TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "two._domainkey.example.com. TXT \"v=DKIM1; p=bad\"\n"
	    "two._domainkey.example.com. TXT \"v=DKIM1; k=ed25519; p=%s\"\n"
	    "cname._domainkey.example.com. CNAME rsa._domainkey.example.com.\n",
	    prsa, ped, prsa, prsa, prsa, prsa, ped, ped);
	if (fclose(fp) != 0)
		abort();
	zone_path = xasprintf("/proc/self/fd/%d", fd);
	vec_zone = vector_path("zone.txt");
	free(prsa);
	free(ped);
}

static struct dns_ctx *
dns_setup(void)
{
	struct dns_ctx *dns = dns_new(NULL);
	char *err = NULL;

	if (dns == NULL ||
	    dns_add_nameserver(dns, "127.0.0.1@9", NULL) != 0)
		abort();
	dns_set_timeout(dns, 0.01);
	if (dns_load_zone(dns, vec_zone, &err) != 0 ||
	    dns_load_zone(dns, zone_path, &err) != 0) {
		fprintf(stderr, "zone: %s\n", err);
		abort();
	}
	return dns;
}

static void
clean(const char *s)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		abort();
}

static void
check_results(const struct dkim_results *res, struct msg *m)
{
	struct ar *a = ar_new("mx.example.org");
	size_t i;
	char *f;

	if (res->n > msg_nfields(m))
		abort();
	for (i = 0; i < res->n; i++) {
		const struct dkim_result *r = &res->r[i];

		switch (r->result) {
		case RES_PASS:
		case RES_FAIL:
		case RES_PERMERROR:
		case RES_TEMPERROR:
		case RES_POLICY:
			break;
		default:
			abort(); /* RFC 8601 2.7.1: no other dkim result */
		}
		if (r->field >= msg_nfields(m) ||
		    (i > 0 && r->field <= res->r[i - 1].field))
			abort();
		if (r->result == RES_PASS && (r->d == NULL || r->s == NULL))
			abort();
		clean(r->reason);
		dkim_result_ar(r, a);
	}
	(void)dkim_verdict(res);
	f = ar_field(a, "\r\n");
	free(f);
	ar_free(a);
}

/* s is one header field: each line break inside it is folding (RFC 5322
 * 2.2.3: followed by WSP), and it ends with one. */
static void
one_field(const char *s)
{
	const char *p = s, *nl;

	while ((nl = strchr(p, '\n')) != NULL && nl[1] != '\0') {
		if (nl[1] != ' ' && nl[1] != '\t')
			abort();
		p = nl + 1;
	}
	if (nl == NULL || (strchr(s, '\r') != NULL && !strstr(s, "\r\n")))
		abort();
}

/* How many fields of m are named name. */
static size_t
count(struct msg *m, const char *name)
{
	size_t n = 0;
	long i = -1;

	while ((i = msg_find_field(m, name, (size_t)(i + 1))) >= 0)
		n++;
	return n;
}

static void
sign_and_verify(struct msg *m, struct dns_ctx *dns, const uint8_t *data,
    size_t size)
{
	static const char *const hdrs[] = {"From", "Subject", "from", "To",
	    "X-Nope"};
	struct dkim_sign_conf conf[4];
	struct dkim_verify_opts o = {0, NOW};
	struct dkim_results *res = NULL;
	struct msg *sm;
	char **fields = NULL, *err = NULL, *dl = NULL, *dd = NULL;
	const char *why, *mbox;
	struct buf b = BUF_INIT;
	size_t i, nf, *all, mlen;
	unsigned v = (unsigned)size ^ (size > 0 ? data[size - 1] : 0);
	bool sender, dk_ok;

	memset(conf, 0, sizeof conf);
	conf[0].domain = "example.com";
	conf[0].selector = "rsa";
	conf[0].key = rsa;
	conf[0].hcanon = (v & 1) ? CANON_RELAXED : CANON_SIMPLE;
	conf[0].bcanon = (v & 2) ? CANON_RELAXED : CANON_SIMPLE;
	conf[0].oversign = (v & 4) != 0;
	conf[0].body_length = (v & 8) != 0;
	conf[0].timestamp = NOW;
	conf[0].expire = (v & 16) ? 3600 : 0;
	conf[0].identity = (v & 32) ? "user@sub.example.com" : NULL;
	conf[1] = conf[0];
	conf[1].selector = (v & 64) ? "ed" : "two";
	conf[1].key = ed;
	conf[1].hcanon = (v & 1) ? CANON_SIMPLE : CANON_RELAXED;
	conf[1].bcanon = (v & 2) ? CANON_SIMPLE : CANON_RELAXED;
	conf[1].headers = (v & 128) ? hdrs : NULL;
	conf[1].nheaders = (v & 128) ? 5 : 0;
	conf[2].kind = DKIM_KIND_DOMAINKEYS;
	conf[2].domain = "example.com";
	conf[2].selector = "dk";
	conf[2].key = rsa;
	conf[2].hcanon = CANON_DK_NOFWS;
	conf[3] = conf[2];
	conf[3].selector = (v & 4) ? "rsa" : "gran";
	conf[3].hcanon = CANON_DK_SIMPLE;
	conf[3].headers = (v & 8) ? hdrs : NULL;
	conf[3].nheaders = (v & 8) ? 5 : 0;

	if (dkim_sign(m, conf, 4, &fields, &err) != 0) {
		/* dkim.h: only for no From field (or a read error, which
		 * memory cannot have) */
		if (count(m, "From") != 0) {
			fprintf(stderr, "dkim_sign: %s\n", err);
			abort();
		}
		free(err);
		return;
	}
	/* As dkimsign writes it: the mbox line, our fields, the rest. */
	mbox = msg_mbox_from(m, &mlen);
	if (mbox == NULL)
		mlen = 0;
	buf_add(&b, data, mlen);
	for (i = 0; i < 4; i++) {
		one_field(fields[i]);
		buf_adds(&b, fields[i]);
	}
	buf_add(&b, data + mlen, size - mlen);
	sm = msg_from_mem(b.data, b.len, NULL);
	if (sm == NULL || msg_status(sm) != MSG_OK ||
	    dkim_verify(sm, dns, &o, &res, &err) != 0) {
		fprintf(stderr, "re-read: %s\n", err ? err : "status");
		abort();
	}
	check_results(res, sm);

	/* The sending address DomainKeys binds d= to (RFC 4870 3.3). */
	nf = msg_nfields(m);
	all = xcalloc(nf + 1, sizeof *all);
	for (i = 0; i < nf; i++)
		all[i] = i;
	dk_ok = dk_sending_address(m, all, nf, &dl, &dd, &sender, &why) == 0 &&
	    lex_domain_within(dd, strlen(dd), "example.com", 11);
	free(all);

	if (res->n < 4)
		abort();
	for (i = 0; i < 4; i++) {
		const struct dkim_result *r = &res->r[i];

		if (r->field != i)
			abort();
		if (r->result == RES_PASS)
			continue;
		if (r->result == RES_POLICY && count(sm, "From") > 1)
			continue; /* DESIGN.md: exactly one From */
		if (r->result == RES_PERMERROR && msg_header_malformed(sm))
			continue; /* a header line without a colon (dkimsign
				   * refuses such a message: dkimverify.1) */
		if (conf[i].kind == DKIM_KIND_DOMAINKEYS && !dk_ok &&
		    r->result == RES_PERMERROR)
			continue;
		if (conf[i].kind == DKIM_KIND_DOMAINKEYS && conf[i].selector[0]
		    == 'g' && r->result == RES_PERMERROR && dl != NULL &&
		    strncmp(dl, "user", 4) != 0)
			continue; /* g=user* (RFC 4870 3.2.3) */
		fprintf(stderr, "own signature %zu: %s (%s)\n%s", i,
		    res_name(r->result), r->reason ? r->reason : "",
		    fields[i]);
		abort();
	}
	free(dl);
	free(dd);
	dkim_results_free(res);
	msg_free(sm);
	buf_free(&b);
	dkim_fields_free(fields, 4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_ctx *dns;
	static unsigned runs;
	struct dkim_verify_opts o = {0, NOW};
	struct dkim_results *res = NULL;
	enum msg_status st;
	struct msg *m;
	char *err = NULL;

	if (rsa == NULL)
		setup();
	/* A fresh cache now and then: fuzzed selectors would grow it. */
	if (dns == NULL || ++runs % 512 == 0) {
		dns_free(dns);
		dns = dns_setup();
	}
	m = msg_from_mem(data, size, &st);
	if (m == NULL)
		abort();
	if (dkim_verify(m, dns, &o, &res, &err) == 0) {
		check_results(res, m);
		dkim_results_free(res);
	} else {
		if (err == NULL)
			abort();
		free(err);
	}
	if (st == MSG_OK)
		sign_and_verify(m, dns, data, size);
	msg_free(m);
	return 0;
}
