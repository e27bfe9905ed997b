/*
 * fuzz-spf: libFuzzer harness for common/spf*.c.  The input is a flags
 * byte, then up to NPARTS pieces separated by SEP (0xff):
 *   0  the TXT record of example.com (the checked domain)
 *   1  the TXT record of inc.example.com (an include: target)
 *   2  the TXT record of red.example.com (a redirect= target)
 *   3  the TXT record of exp.example.com (exp= text)
 *   4  a second TXT record of example.com (selection, RFC 7208 4.5)
 *   5  the sender's local-part (%{l})
 * An empty piece publishes no record.  The records go into a zone file
 * (every byte as \DDD) together with fixed A, AAAA, MX and PTR data, with
 * "$ORIGIN ." so the file speaks for every name and nothing is ever sent
 * to the network (the nameserver is a closed local port besides).
 *
 * Checked: no crash, hang, leak or UB; spf_check() gives one of the RFC
 * 7208 2.6 results for IPv4 and IPv6 clients in the mfrom, helo and pra
 * scopes; the strings that go into Received-SPF or Authentication-Results
 * (explanation, comment, problem, mechanism, domain, identity) and lint
 * findings hold no CR, LF or NUL (RFC 5322 2.2: a field cannot hold them).
 */
#include "config.h"

#include <sys/mman.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dns.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP 0xff
#define NPARTS 6

/* Fixed data: the checked domain has an address, an MX, and the clients
 * 192.0.2.1 and 2001:db8::1 have PTR names that point back (RFC 7208
 * 5.5). */
static const char zone_head[] =
    "$ORIGIN .\n"
    "$TTL 300\n"
    "example.com. A 192.0.2.1\n"
    "example.com. AAAA 2001:db8::1\n"
    "example.com. MX 10 mx.example.com.\n"
    "example.com. MX 20 mx2.example.com.\n"
    "mx.example.com. A 192.0.2.2\n"
    "mx.example.com. AAAA 2001:db8::2\n"
    "mx2.example.com. CNAME mx.example.com.\n"
    "mail.example.com. A 192.0.2.1\n"
    "mail.example.com. AAAA 2001:db8::1\n"
    "1.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
    "1.2.0.192.in-addr.arpa. PTR other.example.net.\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
    "ip6.arpa. PTR mail.example.com.\n"
    "helo.example.com. A 192.0.2.1\n";

static const char *const names[] = {"example.com.", "inc.example.com.",
    "red.example.com.", "exp.example.com.", "example.com."};

/* A TXT RR holding p[0..n), 255 octets per character-string (RFC 1035
 * 3.3.14), every byte escaped so any byte survives the master file. */
static void
txt_rr(FILE *fp, const char *owner, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(fp, "%s TXT", owner);
	for (i = 0; i == 0 || i < n; i += 255) {
		size_t k, e = i + 255 < n ? i + 255 : n;

		fputs(" \"", fp);
		for (k = i; k < e; k++)
			fprintf(fp, "\\%03u", p[k]);
		fputc('"', fp);
	}
	fputc('\n', fp);
}

/* No byte that would break or end a header field (RFC 5322 2.2). */
static void
clean(const char *s)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		abort();
}

static void
check_resp(const struct spf_response *r, bool ok)
{
	switch (r->result) {
	case RES_NONE:
	case RES_NEUTRAL:
	case RES_PASS:
	case RES_FAIL:
	case RES_SOFTFAIL:
	case RES_TEMPERROR:
	case RES_PERMERROR:
		break;
	default:
		abort(); /* RFC 7208 2.6 has no other result */
	}
	if (!ok)
		return;
	/* The strings are C strings: an embedded NUL would cut them, which
	 * strpbrk cannot see; CR and LF it can. */
	clean(r->explanation);
	clean(r->comment);
	clean(r->problem);
	clean(r->mechanism);
	clean(r->domain);
	clean(r->identity);
	clean(r->client_ip);
	if (r->result != RES_FAIL && r->explanation != NULL)
		abort(); /* spf.h: only for fail */
	if (r->dns_terms > SPF_MAX_DNS_TERMS + 1)
		abort(); /* RFC 7208 4.6.4: the 11th is permerror */
}

static int
zone_fd(void)
{
	static int fd = -1;

	if (fd < 0 && (fd = memfd_create("fuzz-spf", 0)) < 0)
		abort();
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[NPARTS];
	size_t plen[NPARTS], np = 0, i, off;
	uint8_t flags;
	char path[64], *err = NULL, *local, *sender, *e;
	struct dns_ctx *dns;
	FILE *fp;
	int fd;
	static const char *const ip4[] = {"192.0.2.1", "192.0.2.2",
	    "198.51.100.7", "::ffff:192.0.2.1"};
	static const char *const ip6[] = {"2001:db8::1", "2001:db8::2",
	    "2001:db8:ffff::7", "::1"};

	if (size < 1)
		return 0;
	flags = data[0];
	memset(plen, 0, sizeof plen);
	for (i = 0; i < NPARTS; i++)
		part[i] = (const uint8_t *)"";
	for (off = 1; np < NPARTS && off <= size; np++) {
		const uint8_t *s = memchr(data + off, SEP, size - off);
		size_t n = s != NULL ? (size_t)(s - (data + off)) : size - off;

		part[np] = data + off;
		plen[np] = n;
		off += n + 1;
	}

	/* Syntax check of each record alone. */
	for (i = 0; i < 5; i++) {
		char *why = NULL;
		int rc = spf_record_check((const char *)part[i], plen[i], &why);

		/* -1 always comes with a message, 0 never does. */
		if ((rc == 0) != (why == NULL) ||
		    (why != NULL && why[0] == '\0'))
			abort();
		free(why);
	}

	fd = zone_fd();
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	fp = fdopen(dup(fd), "w");
	if (fp == NULL)
		abort();
	fputs(zone_head, fp);
	for (i = 0; i < 5; i++)
		if (plen[i] > 0)
			txt_rr(fp, names[i], part[i], plen[i]);
	if (fclose(fp) != 0)
		abort();

	dns = dns_new(NULL);
	if (dns == NULL)
		abort();
	if (dns_add_nameserver(dns, "127.0.0.1@9", NULL) != 0)
		abort();
	dns_set_timeout(dns, 0.01);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (dns_load_zone(dns, path, &err) != 0) {
		fprintf(stderr, "zone: %s\n", err);
		abort(); /* the file is ours: it must load */
	}

	/* The sender's local-part: a C string, so up to a NUL. */
	local = xmemdup(part[5], plen[5]);
	/* An SMTP envelope cannot carry CR or LF (RFC 5321 4.1.2): the
	 * identity echoes the sender, so those would be our own input. */
	for (i = 0; local[i] != '\0'; i++)
		if (local[i] == '\r' || local[i] == '\n')
			local[i] = '_';
	sender = (flags & 0x08) ? xstrdup("") : xasprintf("%s@example.com",
	    plen[5] > 0 ? local : "user");

	for (i = 0; i < 2; i++) {
		struct spf_request req;
		struct spf_response resp;
		int r;

		memset(&req, 0, sizeof req);
		req.ip = i == 0 ? ip4[(flags >> 4) & 3] : ip6[(flags >> 6) & 3];
		req.sender = sender;
		req.helo = (flags & 0x08) ? "example.com" : "helo.example.com";
		req.receiver = "mx.example.org";
		req.now = 1700000000;
		req.max_void_lookups = (flags & 0x04) ? SPF_VOID_UNLIMITED : 0;
		switch ((flags + i) & 3) {
		case 0:
			req.scope = SPF_SCOPE_MFROM;
			break;
		case 1:
			req.scope = SPF_SCOPE_HELO;
			req.helo = "example.com";
			break;
		case 2:
			req.scope = SPF_SCOPE_PRA;
			req.sender_id = true;
			break;
		default:
			req.scope = SPF_SCOPE_MFROM;
			req.sender_id = true;
			break;
		}
		memset(&resp, 0, sizeof resp);
		r = spf_check(dns, &req, &resp);
		if (r != 0)
			abort(); /* the addresses are good */
		check_resp(&resp, true);
		spf_response_free(&resp);

	}
	{
		struct spf_request req;
		char *p3 = xmemdup(part[3], plen[3]);

		memset(&req, 0, sizeof req);
		req.ip = ip4[0];
		req.sender = sender;
		req.helo = "helo.example.com";
		req.now = 1700000000;
		/* The exp= record as an explain-string and as a
		 * domain-spec. */
		e = spf_expand(dns, &req, "example.com", p3, true, &err);
		free(e);
		free(err);
		err = NULL;
		e = spf_expand(dns, &req, "example.com", p3, false, &err);
		free(e);
		free(err);
		err = NULL;
		free(p3);
	}
	{
		struct spf_request req;
		struct spf_lint l;
		size_t k;

		memset(&req, 0, sizeof req);
		req.ip = ip4[0];
		req.sender_id = (flags & 1) != 0;
		req.scope = (flags & 2) ? SPF_SCOPE_PRA : SPF_SCOPE_MFROM;
		memset(&l, 0, sizeof l);
		if (spf_lint(dns, "example.com", &req, &l) != l.nfindings)
			abort();
		for (k = 0; k < l.nfindings; k++) {
			if (l.findings[k] == NULL)
				abort();
			clean(l.findings[k]);
		}
		spf_lint_free(&l);
	}
	dns_free(dns);
	free(sender);
	free(local);
	return 0;
}
