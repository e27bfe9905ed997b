/*
 * Tests for common/dns through its API, against a real DNS server: the test
 * starts t/dnsd.py on 127.0.0.1 (UDP and TCP) and points the context at it
 * with dns_add_nameserver("127.0.0.1@PORT").  Also zone files (--dns-zone),
 * caching, invalid names and nameserver specs.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/dns.h"
#include "common/util.h"
#include "t/tap/basic.h"

static char dir[] = "/tmp/dns-t.XXXXXX";

struct dnsd {
	pid_t pid;
	int port;
	char spec[64];
};

static char *
path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
write_file(const char *name, const char *text)
{
	char *p = path_in(name);
	FILE *fp = fopen(p, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0)
		bail("cannot write %s", p);
	free(p);
}

static char *
read_file(const char *name)
{
	struct buf b = BUF_INIT;
	char chunk[4096], *p = path_in(name);
	FILE *fp = fopen(p, "r");
	size_t n;

	free(p);
	if (fp == NULL)
		return xstrdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return buf_detach(&b);
}

/* How many lines of the dnsd log are exactly LINE (ASCII case ignored). */
static int
log_count(const char *log, const char *line)
{
	char *text = read_file(log), *s, *save = NULL;
	int n = 0;

	for (s = strtok_r(text, "\n", &save); s != NULL;
	    s = strtok_r(NULL, "\n", &save))
		if (util_strcaseeq(s, line))
			n++;
	free(text);
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start t/dnsd.py with ARGS (NULL-terminated) and wait for its port. */
static void
dnsd_start(struct dnsd *d, const char *const *args)
{
	static int serial;
	const char *argv[32];
	char *portfile, *script;
	const char *py = getenv("PY");
	size_t n = 0;
	double limit;

	portfile = xasprintf("%s/port.%d", dir, ++serial);
	script = xstrdup(test_file("dnsd.py"));
	argv[n++] = py != NULL && *py != '\0' ? py : "/usr/bin/python3";
	argv[n++] = script;
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	d->pid = fork();
	if (d->pid < 0)
		bail("fork: cannot start dnsd.py");
	if (d->pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			dup2(fd, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	d->port = 0;
	limit = now() + 10;
	while (now() < limit) {
		FILE *fp = fopen(portfile, "r");

		if (fp != NULL) {
			if (fscanf(fp, "%d", &d->port) != 1)
				d->port = 0;
			fclose(fp);
			if (d->port > 0)
				break;
		}
		usleep(20000);
	}
	if (d->port <= 0) {
		kill(d->pid, SIGTERM);
		bail("dnsd.py did not start (%s)", script);
	}
	snprintf(d->spec, sizeof(d->spec), "127.0.0.1@%d", d->port);
	free(script);
	free(portfile);
}

static void
dnsd_stop(struct dnsd *d)
{
	int st;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, &st, 0);
		d->pid = 0;
	}
}

/* A UDP and TCP port on 127.0.0.1 where nothing listens (just closed). */
static int
dead_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		bail("cannot find a free port");
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static struct buf tracebuf = BUF_INIT;

static void
trace_fn(void *arg, const char *line)
{
	(void)arg;
	buf_adds(&tracebuf, line);
	buf_addc(&tracebuf, '\n');
}

static struct dns_ctx *
ctx_for(const char *spec)
{
	char *err = NULL;
	struct dns_ctx *c = dns_new(&err);

	if (c == NULL)
		bail("dns_new: %s", err);
	if (spec != NULL && dns_add_nameserver(c, spec, &err) != 0)
		bail("dns_add_nameserver %s: %s", spec, err);
	dns_set_timeout(c, 1);
	return c;
}

static const char *
status(const struct dns_answer *a)
{
	return dns_status_name(a->status);
}

static void
check_txt(struct dns_ctx *c, const char *name, const char *want,
    unsigned nstrings)
{
	const struct dns_answer *a = dns_query(c, name, DNS_T_TXT);

	is_string("NOERROR", status(a), "TXT %s: NOERROR", name);
	if (a->n != 1) {
		ok(0, "TXT %s: one record (got %zu)", name, a->n);
		ok(0, "TXT %s: strings", name);
		return;
	}
	is_blob(want, strlen(want), a->rr[0].data, a->rr[0].len,
	    "TXT %s: data", name);
	is_int(nstrings, a->rr[0].nstrings, "TXT %s: %u strings", name,
	    nstrings);
}

static void
json_scenario(void)
{
	struct buf b = BUF_INIT;
	int i;

	buf_adds(&b, "{\n"
	    "\"txt.example.com\": [{\"TXT\": [\"v=spf1 \", \"a \", \"-all\"]}],\n"
	    "\"two.example.com\": [{\"TXT\": \"first\"}, {\"TXT\": \"second\"}],\n"
	    "\"bin.example.com\": [{\"TXT\": \"a\\u0000b\\u00ff\"}],\n"
	    "\"empty.example.com\": [{\"TXT\": []}],\n"
	    "\"spf.example.com\": [{\"SPF\": \"v=spf1 -all\"}],\n"
	    "\"mx.example.com\": [{\"MX\": [10, \"Mail.Example.COM.\"]},"
	    " {\"MX\": [0, \"\"]}],\n"
	    "\"a.example.com\": [{\"A\": \"192.0.2.1\"}, {\"A\": \"192.0.2.2\"},"
	    " {\"AAAA\": \"2001:DB8::1\"}],\n"
	    "\"4.3.2.1.in-addr.arpa\": [{\"PTR\": \"Host.Example.com.\"}],\n"
	    "\"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2"
	    ".ip6.arpa\": [{\"PTR\": \"v6.example.com\"}],\n"
	    "\"alias.example.com\": [{\"CNAME\": \"c2.example.com\"}],\n"
	    "\"c2.example.com\": [{\"CNAME\": \"A.example.com.\"}],\n"
	    "\"loop1.example.com\": [{\"CNAME\": \"loop2.example.com\"}],\n"
	    "\"loop2.example.com\": [{\"CNAME\": \"loop1.example.com.\"}],\n"
	    "\"rc.example.com\": [{\"TXT\": \"RCODE2\"}, {\"A\": \"RCODE5\"}],\n"
	    "\"to.example.com\": [\"TIMEOUT\"],\n"
	    "\"big.example.com\": [{\"TXT\": [");
	/* 8 strings of 250 octets: 2000 octets, more than a UDP answer
	 * holds (RFC 1035 4.2.1, and our EDNS size), so TCP it is. */
	for (i = 0; i < 8; i++)
		buf_printf(&b, "%s\"%0250d\"", i ? ", " : "", i);
	buf_adds(&b, "]}]\n}\n");
	write_file("scen.json", b.data);
	buf_free(&b);
}

static void
test_answers(struct dns_ctx *c, const char *log)
{
	const struct dns_answer *a;
	static const unsigned char v4[4] = {1, 2, 3, 4};
	static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const unsigned char a1[4] = {192, 0, 2, 1};
	char want[2001];
	char logline[64];
	double t0;
	int i;

	check_txt(c, "txt.example.com", "v=spf1 a -all", 3);
	a = dns_query(c, "two.example.com", DNS_T_TXT);
	ok(a->status == DNS_OK && a->n == 2 &&
	    strcmp(a->rr[0].data, "first") == 0 &&
	    strcmp(a->rr[1].data, "second") == 0,
	    "two TXT records, in order");
	check_txt(c, "spf.example.com.", "v=spf1 -all", 1);

	a = dns_query(c, "bin.example.com", DNS_T_TXT);
	ok(a->n == 1 && a->rr[0].len == 4 &&
	    memcmp(a->rr[0].data, "a\0b\xff", 4) == 0,
	    "TXT bytes kept exactly (NUL and 0xff)");
	ok(a->n == 1 && a->rr[0].data[4] == '\0', "TXT data NUL-terminated");

	a = dns_query(c, "empty.example.com", DNS_T_TXT);
	ok(a->status == DNS_OK && a->n == 1 && a->rr[0].len == 0 &&
	    a->rr[0].nstrings == 0 && a->rr[0].data[0] == '\0',
	    "TXT record with no strings");

	a = dns_query(c, "mx.example.com", DNS_T_MX);
	is_int(2, (long long)a->n, "two MX records");
	if (a->n == 2) {
		is_int(10, a->rr[0].pref, "MX preference");
		is_string("mail.example.com", a->rr[0].data,
		    "MX exchange lower case, no trailing dot");
		is_int(0, a->rr[1].pref, "null MX preference");
		is_string("", a->rr[1].data, "null MX exchange is \"\"");
	} else
		for (i = 0; i < 4; i++)
			ok(0, "MX record");

	a = dns_query(c, "a.example.com", DNS_T_A);
	ok(a->status == DNS_OK && a->n == 2, "two A records");
	if (a->n >= 1) {
		is_string("192.0.2.1", a->rr[0].data, "A text");
		is_blob(a1, 4, a->rr[0].addr, 4, "A bytes");
	}
	a = dns_query(c, "a.example.com", DNS_T_AAAA);
	ok(a->status == DNS_OK && a->n == 1, "one AAAA record");
	if (a->n == 1) {
		is_string("2001:db8::1", a->rr[0].data, "AAAA text");
		is_blob(v6, 16, a->rr[0].addr, 16, "AAAA bytes");
	}

	a = dns_query_ptr(c, v4, 4);
	ok(a->status == DNS_OK && a->n == 1, "PTR for 1.2.3.4");
	if (a->n == 1)
		is_string("Host.Example.com", a->rr[0].data,
		    "PTR target: case kept, no trailing dot");
	a = dns_query_ptr(c, v6, 16);
	ok(a->status == DNS_OK && a->n == 1 &&
	    strcmp(a->rr[0].data, "v6.example.com") == 0,
	    "PTR for 2001:db8::1 (ip6.arpa nibbles)");
	is_string("error", status(dns_query_ptr(c, v4, 5)),
	    "PTR for a 5-byte address: error");

	a = dns_query(c, "alias.example.com", DNS_T_A);
	ok(a->status == DNS_OK && a->n == 2 &&
	    strcmp(a->rr[1].data, "192.0.2.2") == 0,
	    "CNAME chain followed (alias -> c2 -> a)");
	is_string("SERVFAIL", status(dns_query(c, "loop1.example.com",
	    DNS_T_A)), "CNAME loop: SERVFAIL");
	is_string("NODATA", status(dns_query(c, "a.example.com", DNS_T_MX)),
	    "name without that type: NODATA");
	a = dns_query(c, "missing.example.com", DNS_T_TXT);
	is_string("NXDOMAIN", status(a), "unknown name: NXDOMAIN");
	is_int(0, (long long)a->n, "NXDOMAIN has no records");
	is_string("SERVFAIL", status(dns_query(c, "rc.example.com",
	    DNS_T_TXT)), "RCODE 2: SERVFAIL");
	is_string("SERVFAIL", status(dns_query(c, "rc.example.com", DNS_T_A)),
	    "RCODE 5 (REFUSED): SERVFAIL");
	is_string("SERVFAIL", status(dns_query(c, "sf.example.com", DNS_T_A)),
	    "--servfail name: SERVFAIL");
	is_string("timeout", status(dns_query(c, "to2.example.com", DNS_T_A)),
	    "--timeout name: timeout");
	check_txt(c, "srvzone.example.net", "from the server's zone", 2);

	t0 = now();
	a = dns_query(c, "to.example.com", DNS_T_TXT);
	is_string("timeout", status(a), "no answer: timeout");
	ok(now() - t0 > 0.5 && now() - t0 < 2.5,
	    "timeout after about --dns-timeout (%.2f s)", now() - t0);

	for (i = 0; i < 8; i++)
		snprintf(want + 250 * i, 251, "%0250d", i);
	check_txt(c, "big.example.com", want, 8);
	is_int(1, log_count(log, "TCP big.example.com TXT"),
	    "big answer asked again over TCP");
	snprintf(logline, sizeof(logline), "UDP big.example.com TXT");
	is_int(1, log_count(log, logline), "after one UDP try");
}

static void
test_cache(struct dns_ctx *c, const char *log)
{
	const struct dns_answer *a, *b;
	unsigned long sent = dns_queries_sent(c);

	a = dns_query(c, "txt.example.com", DNS_T_TXT);
	b = dns_query(c, "TXT.Example.COM.", DNS_T_TXT);
	ok(a == b, "same answer for the same name in another case");
	is_int((long long)sent, (long long)dns_queries_sent(c),
	    "cached: nothing sent");
	is_int(1, log_count(log, "UDP txt.example.com TXT"),
	    "the server was asked once");
	a = dns_query(c, "missing.example.com.", DNS_T_TXT);
	is_string("NXDOMAIN", status(a), "cached NXDOMAIN");
	a = dns_query(c, "to.example.com", DNS_T_TXT);
	is_string("timeout", status(a), "cached timeout");
	is_int((long long)sent, (long long)dns_queries_sent(c),
	    "negative answers cached too");
	is_int(1, log_count(log, "UDP to.example.com TXT"),
	    "a timed-out name was asked once");
	a = dns_query(c, "txt.example.com", DNS_T_A);
	is_int((long long)sent + 1, (long long)dns_queries_sent(c),
	    "another type is another query");
}

static void
test_names(struct dns_ctx *c)
{
	char label64[80], name254[300], name253[300], label63[80];
	unsigned long sent = dns_queries_sent(c);
	/* RFC 1035 5.1: "\DDD" up to 255, or "\X" with X not a digit. */
	const char *bad[] = {"", ".", "a..b", ".a", "a.b..", "a\\",
	    "a\\1b.example.com", "a\\25.example.com", "a\\256.example.com",
	    NULL};
	size_t i;

	memset(label64, 'x', 64);
	strcpy(label64 + 64, ".example.com");
	memset(label63, 'x', 63);
	strcpy(label63 + 63, ".example.com");
	/* 253 octets: 4 labels of 62 and one of 1, plus 4 dots. */
	name253[0] = '\0';
	for (i = 0; i < 4; i++) {
		memset(name253 + 63 * i, 'a' + (int)i, 62);
		name253[63 * i + 62] = '.';
	}
	strcpy(name253 + 252, "z");
	snprintf(name254, sizeof(name254), "y%s", name253);

	for (i = 0; bad[i] != NULL; i++)
		is_string("error", status(dns_query(c, bad[i], DNS_T_TXT)),
		    "invalid name \"%s\": error", bad[i]);
	is_string("error", status(dns_query(c, label64, DNS_T_TXT)),
	    "64-octet label: error");
	is_string("error", status(dns_query(c, name254, DNS_T_TXT)),
	    "254-octet name: error");
	is_int((long long)sent, (long long)dns_queries_sent(c),
	    "invalid names are never sent");
	is_int(253, (long long)strlen(name253), "253-octet name built");
	is_string("NXDOMAIN", status(dns_query(c, name253, DNS_T_TXT)),
	    "253-octet name is sent");
	is_string("NXDOMAIN", status(dns_query(c, label63, DNS_T_TXT)),
	    "63-octet label is sent");
	is_string("NXDOMAIN", status(dns_query(c, "a\\.b.example.com",
	    DNS_T_TXT)), "escaped dot in a label is sent");
	is_string("NXDOMAIN", status(dns_query(c, "a\\049b.example.com",
	    DNS_T_TXT)), "\\DDD escape is sent");
}

static void
test_trace(void)
{
	ok(strstr(tracebuf.data ? tracebuf.data : "",
	    "query TXT txt.example.com\n") != NULL, "trace: query line");
	ok(strstr(tracebuf.data ? tracebuf.data : "",
	    "answer TXT txt.example.com: NOERROR 1 record, TTL 300: "
	    "\"v=spf1 a -all\"\n")
	    != NULL, "trace: answer line");
	ok(strstr(tracebuf.data ? tracebuf.data : "",
	    "answer A missing.example.com: NXDOMAIN") == NULL &&
	    strstr(tracebuf.data ? tracebuf.data : "",
	    "answer TXT missing.example.com: NXDOMAIN\n") != NULL,
	    "trace: NXDOMAIN answer");
}

static void
test_zone(const struct dnsd *d, const char *log)
{
	struct dns_ctx *c = ctx_for(d->spec);
	const struct dns_answer *a;
	char *err = NULL, *p;
	unsigned long sent;
	int r;
	static const char *const vectors[] = {
		"vectors/dkim/zone.txt",
		"vectors/dkim-corpus/dkimpy/zone.txt",
		"vectors/dkim-corpus/dkimpy/zone-badkey.txt",
		"vectors/dkim-corpus/mail-auth/zone.txt",
		"vectors/dkim-corpus/mail-dkim/zone.txt",
		"vectors/dkim-corpus/rfc/zone.txt",
		NULL,
	};
	size_t i;

	write_file("z1.txt",
	    "; what dkkeygen prints, with an $ORIGIN\n"
	    "$ORIGIN zone.example.\n"
	    "$TTL 300\n"
	    "sel._domainkey IN TXT ( \"v=DKIM1; k=rsa; \"\n"
	    "\t\"p=MIIB\" )  ; the key\n"
	    "www 60 IN CNAME target.zone.example.\n"
	    "target IN A 192.0.2.9\n"
	    "ext IN CNAME a.example.com.\n");
	write_file("z2.txt",
	    "rel IN TXT \"relative\"\n"
	    "abs.example.org. IN MX 5 MX.example.org.\n");
	write_file("bad.txt", "ok.example.org. IN TXT \"fine\"\n"
	    "bad.example.org. IN A 999.1.1.1\n");

	ok(dns_load_zone(c, p = path_in("z1.txt"), &err) == 0,
	    "zone with $ORIGIN loads");
	free(p);
	ok(dns_load_zone(c, p = path_in("z2.txt"), &err) == 0,
	    "zone without $ORIGIN loads");
	free(p);
	sent = dns_queries_sent(c);
	check_txt(c, "sel._domainkey.zone.example", "v=DKIM1; k=rsa; p=MIIB", 2);
	check_txt(c, "SEL._DomainKey.Zone.Example.", "v=DKIM1; k=rsa; p=MIIB",
	    2);
	is_string("NODATA", status(dns_query(c, "sel._domainkey.zone.example",
	    DNS_T_A)), "zone: other type at an owner: NODATA");
	is_string("NXDOMAIN", status(dns_query(c,
	    "other._domainkey.zone.example", DNS_T_TXT)),
	    "zone: unknown selector: NXDOMAIN");
	is_string("NXDOMAIN", status(dns_query(c,
	    "x.sel._domainkey.zone.example", DNS_T_TXT)),
	    "zone: below an owner: NXDOMAIN");
	is_string("NODATA", status(dns_query(c, "_domainkey.zone.example",
	    DNS_T_TXT)), "zone: name with owners below: NODATA");
	is_string("NODATA", status(dns_query(c, "zone.example", DNS_T_TXT)),
	    "zone: $ORIGIN itself: NODATA");
	is_string("NXDOMAIN", status(dns_query(c, "nothere.zone.example",
	    DNS_T_A)), "zone: below $ORIGIN: NXDOMAIN");
	a = dns_query(c, "www.zone.example", DNS_T_A);
	ok(a->status == DNS_OK && a->n == 1 &&
	    strcmp(a->rr[0].data, "192.0.2.9") == 0,
	    "zone: CNAME followed inside the file");
	check_txt(c, "rel", "relative", 1);
	a = dns_query(c, "abs.example.org", DNS_T_MX);
	ok(a->status == DNS_OK && a->n == 1 && a->rr[0].pref == 5 &&
	    strcmp(a->rr[0].data, "mx.example.org") == 0, "zone: MX");
	is_int((long long)sent, (long long)dns_queries_sent(c),
	    "zone names never go to the network");
	is_int(0, log_count(log, "UDP other._domainkey.zone.example TXT"),
	    "the server never saw a zone name");

	a = dns_query(c, "ext.zone.example", DNS_T_A);
	ok(a->status == DNS_OK && a->n == 2, "zone: CNAME out of the file "
	    "is resolved through DNS");
	check_txt(c, "txt.example.com", "v=spf1 a -all", 3);
	is_int((long long)sent + 2, (long long)dns_queries_sent(c),
	    "names outside the zone files go to the network");
	is_string("NXDOMAIN", status(dns_query(c, "example.org", DNS_T_A)),
	    "parent of a file name without $ORIGIN: asked (NXDOMAIN there)");

	err = NULL;
	r = dns_load_zone(c, p = path_in("nonexistent.txt"), &err);
	ok(r == -1 && err != NULL && strstr(err, "nonexistent.txt") != NULL,
	    "missing zone file: -1 with the path (%s)", err ? err : "");
	free(err);
	free(p);
	err = NULL;
	r = dns_load_zone(c, p = path_in("bad.txt"), &err);
	ok(r == -1 && err != NULL && strstr(err, "bad.txt:2:") != NULL,
	    "bad zone file: -1 with FILE:LINE (%s)", err ? err : "");
	free(err);
	free(p);
	dns_free(c);

	c = ctx_for("127.0.0.1@9");
	for (i = 0; vectors[i] != NULL; i++) {
		err = NULL;
		r = dns_load_zone(c, test_file(vectors[i]), &err);
		ok(r == 0, "vector zone %s loads (%s)", vectors[i],
		    err ? err : "");
		free(err);
	}
	/* dkim/zone.txt and dkim-corpus/rfc/zone.txt have the same key. */
	a = dns_query(c, "brisbane._domainkey.example.com", DNS_T_TXT);
	ok(a->status == DNS_OK && a->n == 2 && a->rr[0].len > 200 &&
	    memcmp(a->rr[0].data, "v=DKIM1; p=MIGf", 15) == 0,
	    "vector zone key found");
	a = dns_query(c, "nonexistent._domainkey.messiah.edu", DNS_T_TXT);
	is_string("NXDOMAIN", status(a), "vector zone: absent selector");
	is_int(0, (long long)dns_queries_sent(c), "nothing sent");
	dns_free(c);
}

static void
test_specs(void)
{
	struct dns_ctx *c = ctx_for(NULL);
	const char *good[] = {"127.0.0.1", "127.0.0.1@5353", "::1", "::1@53",
	    "[::1]@53", "2001:db8::53@65535", NULL};
	const char *bad[] = {"", "localhost", "999.1.1.1", "127.0.0.1@",
	    "127.0.0.1@0", "127.0.0.1@65536", "127.0.0.1@53x", "::1@-1",
	    "1.2.3.4:53", NULL};
	char *err;
	size_t i;
	int r;

	for (i = 0; good[i] != NULL; i++) {
		err = NULL;
		is_int(0, dns_add_nameserver(c, good[i], &err),
		    "nameserver \"%s\" accepted", good[i]);
		free(err);
	}
	for (i = 0; bad[i] != NULL; i++) {
		err = NULL;
		r = dns_add_nameserver(c, bad[i], &err);
		ok(r == -1 && err != NULL,
		    "nameserver \"%s\" refused (%s)", bad[i], err ? err : "");
		free(err);
	}
	dns_free(c);
	/* Must be a no-op: a crash ends the program before plan_lazy() prints
	 * the plan, and the TAP driver fails the file (no ok() needed). */
	dns_free(NULL);
}

static void
test_servers(const struct dnsd *d)
{
	struct dns_ctx *c;
	char spec[64];
	double t0;
	const struct dns_answer *a;

	/* The first server is dead (nothing listens there): its query times
	 * out, and the second one answers. */
	snprintf(spec, sizeof(spec), "127.0.0.1@%d", dead_port());
	c = ctx_for(spec);
	if (dns_add_nameserver(c, d->spec, NULL) != 0)
		bail("second nameserver");
	dns_set_timeout(c, 0.5);        /* fractions work too */
	t0 = now();
	a = dns_query(c, "txt.example.com", DNS_T_TXT);
	is_string("NOERROR", status(a), "dead first server, second answers");
	ok(now() - t0 < 1.5, "within about one timeout (%.2f s)",
	    now() - t0);
	is_int(1, (long long)dns_queries_sent(c), "counted as one query");
	dns_free(c);

	/* Only a dead server: timeout, no matter how it died. */
	c = ctx_for(spec);
	dns_set_timeout(c, 0.5);
	t0 = now();
	is_string("timeout", status(dns_query(c, "txt.example.com",
	    DNS_T_TXT)), "only a dead server: timeout");
	ok(now() - t0 > 0.3 && now() - t0 < 1.5,
	    "dead server: 0.5 s timeout kept (%.2f s)", now() - t0);
	dns_free(c);
}

/* ------------------------------------------------------------ replies */

/* A reply packet: ID, flags (QR etc.), one question (NAME text with dots,
 * QTYPE, QCLASS) unless qd is not 1, and NAN TXT records for NAME holding
 * "v=spf1 -all". */
static size_t
mkreply(unsigned char *p, unsigned id, unsigned flags, unsigned qd,
    const char *name, unsigned qtype, unsigned qclass, unsigned nan)
{
	static const char txt[] = "v=spf1 -all";
	unsigned char wire[300];
	size_t n = 0, w = 0, i;
	const char *s = name, *dot;

	while (*s != '\0') {
		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		wire[w++] = (unsigned char)(dot - s);
		memcpy(wire + w, s, (size_t)(dot - s));
		w += (size_t)(dot - s);
		s = *dot ? dot + 1 : dot;
	}
	wire[w++] = 0;
	p[n++] = (unsigned char)(id >> 8);
	p[n++] = (unsigned char)id;
	p[n++] = (unsigned char)(flags >> 8);
	p[n++] = (unsigned char)flags;
	p[n++] = 0;
	p[n++] = (unsigned char)qd;
	p[n++] = 0;
	p[n++] = (unsigned char)nan;
	memset(p + n, 0, 4);
	n += 4;
	for (i = 0; i < qd; i++) {
		memcpy(p + n, wire, w);
		n += w;
		p[n++] = (unsigned char)(qtype >> 8);
		p[n++] = (unsigned char)qtype;
		p[n++] = (unsigned char)(qclass >> 8);
		p[n++] = (unsigned char)qclass;
	}
	for (i = 0; i < nan; i++) {
		p[n++] = 0xc0;          /* owner: the question's name */
		p[n++] = 12;
		p[n++] = 0;
		p[n++] = DNS_T_TXT;
		p[n++] = 0;
		p[n++] = 1;
		memset(p + n, 0, 3);
		n += 3;
		p[n++] = 60;            /* TTL */
		p[n++] = 0;
		p[n++] = (unsigned char)(sizeof(txt));
		p[n++] = (unsigned char)(sizeof(txt) - 1);
		memcpy(p + n, txt, sizeof(txt) - 1);
		n += sizeof(txt) - 1;
	}
	return n;
}

static const char *
verdict(enum dns_reply r)
{
	return r == DNS_REPLY_DROP ? "drop" : r == DNS_REPLY_TRUNCATED ?
	    "truncated" : "answer";
}

static void
test_reply_match(void)
{
	unsigned char p[1024];
	struct dns_answer a;
	enum dns_reply r;
	const char *n = "example.com";
	size_t len, cut;
	int bad = 0;

	/* 0x8180: QR=1, RD=1, RA=1, NOERROR. */
	len = mkreply(p, 0xbeef, 0x8180, 1, n, DNS_T_TXT, 1, 1);
	r = dns_reply_match(p, len, 0xbeef, n, DNS_T_TXT, false, &a);
	is_string("answer", verdict(r), "reply: matching reply is used");
	ok(a.status == DNS_OK && a.n == 1 && a.rr[0].len == 11 &&
	    memcmp(a.rr[0].data, "v=spf1 -all", 11) == 0,
	    "reply: its TXT record");
	dns_answer_clear(&a);
	r = dns_reply_match(p, len, 0xbeef, "EXAMPLE.Com.", DNS_T_TXT, false,
	    &a);
	is_string("answer", verdict(r), "reply: name case and the trailing "
	    "dot do not matter (RFC 4343)");
	dns_answer_clear(&a);
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef ^ 0x1234, n,
	    DNS_T_TXT, false, &a)), "reply: another ID: dropped");
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef,
	    "www.example.com", DNS_T_TXT, false, &a)),
	    "reply: another question name: dropped");
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef, n,
	    DNS_T_A, false, &a)), "reply: another question type: dropped");
	ok(a.n == 0 && a.rr == NULL, "reply: a drop fills no records");

	len = mkreply(p, 0xbeef, 0x0100, 1, n, DNS_T_TXT, 1, 1);
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef, n,
	    DNS_T_TXT, false, &a)), "reply: QR=0 (a query): dropped");
	len = mkreply(p, 0xbeef, 0x8180 | 0x2000, 1, n, DNS_T_TXT, 1, 1);
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef, n,
	    DNS_T_TXT, false, &a)), "reply: opcode 4 (NOTIFY): dropped");
	len = mkreply(p, 0xbeef, 0x8180, 1, n, DNS_T_TXT, 3, 1);
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef, n,
	    DNS_T_TXT, false, &a)), "reply: class CH: dropped");
	len = mkreply(p, 0xbeef, 0x8182, 0, n, DNS_T_TXT, 1, 0);
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef, n,
	    DNS_T_TXT, false, &a)), "reply: no question: dropped");
	len = mkreply(p, 0xbeef, 0x8180, 2, n, DNS_T_TXT, 1, 0);
	is_string("drop", verdict(dns_reply_match(p, len, 0xbeef, n,
	    DNS_T_TXT, false, &a)), "reply: two questions: dropped");

	/* Every strict prefix of a good reply is dropped (and read within
	 * its length: the sanitizer build checks that). */
	len = mkreply(p, 0xbeef, 0x8180, 1, n, DNS_T_TXT, 1, 1);
	for (cut = 0; cut < len; cut++) {
		unsigned char *q = (unsigned char *)xmemdup(p, cut);

		if (dns_reply_match(q, cut, 0xbeef, n, DNS_T_TXT, false, &a)
		    != DNS_REPLY_DROP)
			bad++;
		free(q);
	}
	is_int(0, bad, "reply: all %zu truncated packets dropped", len);

	/* TC=1: over UDP, ask again over TCP; over TCP TC means nothing. */
	len = mkreply(p, 7, 0x8380, 1, n, DNS_T_TXT, 1, 0);
	is_string("truncated", verdict(dns_reply_match(p, len, 7, n,
	    DNS_T_TXT, false, &a)), "reply: TC=1 over UDP: truncated");
	r = dns_reply_match(p, len, 7, n, DNS_T_TXT, true, &a);
	is_string("answer", verdict(r), "reply: TC=1 over TCP: answer");
	is_string("NODATA", status(&a), "reply: ... no records: NODATA");

	len = mkreply(p, 7, 0x8183, 1, n, DNS_T_TXT, 1, 0);
	r = dns_reply_match(p, len, 7, n, DNS_T_TXT, false, &a);
	is_string("NXDOMAIN", r == DNS_REPLY_ANSWER ? status(&a) : "drop",
	    "reply: RCODE 3: NXDOMAIN");
	len = mkreply(p, 7, 0x8185, 1, n, DNS_T_TXT, 1, 0);
	r = dns_reply_match(p, len, 7, n, DNS_T_TXT, false, &a);
	is_string("SERVFAIL", r == DNS_REPLY_ANSWER ? status(&a) : "drop",
	    "reply: RCODE 5 (REFUSED): SERVFAIL");
	/* Records for another name than asked are not the answer. */
	len = mkreply(p, 7, 0x8180, 1, n, DNS_T_TXT, 1, 1);
	/* The record's owner: a pointer 23 octets from the end (2 + 2 + 2
	 * + 4 + 2 + 12 rdata - 1); to offset 20, "com", not "example.com". */
	p[len - 23] = 20;
	r = dns_reply_match(p, len, 7, n, DNS_T_TXT, false, &a);
	is_string("NODATA", r == DNS_REPLY_ANSWER ? status(&a) : "drop",
	    "reply: a record owned by another name is not used");
	dns_answer_clear(&a);
	is_string("drop", verdict(dns_reply_match(p, len, 7, "a..b",
	    DNS_T_TXT, false, &a)), "reply: invalid name asked: dropped");
}

/* Several servers share one deadline (dns.h); the budget bounds a message. */
static void
test_deadlines(const struct dnsd *d1, const struct dnsd *slow)
{
	struct dns_ctx *c;
	char spec[64];
	double t0, t;
	unsigned long sent;
	const struct dns_answer *a;

	/* The first server answers at 0.7 s, after its share (0.5 s) of a
	 * 1-second timeout; the second is dead.  The first server's query
	 * is still open: its late answer is taken. */
	snprintf(spec, sizeof(spec), "127.0.0.1@%d", dead_port());
	c = ctx_for(slow->spec);
	if (dns_add_nameserver(c, spec, NULL) != 0)
		bail("second nameserver");
	dns_set_timeout(c, 1.0);
	t0 = now();
	a = dns_query(c, "txt.example.com", DNS_T_TXT);
	t = now() - t0;
	is_string("NOERROR", status(a), "late answer from the first of two "
	    "servers is taken");
	ok(t > 0.6 && t < 0.95, "... at 0.7 s, within the timeout (%.2f s)",
	    t);
	dns_free(c);

	/* A SERVFAIL passes on to the next server at once. */
	c = ctx_for(d1->spec);
	if (dns_add_nameserver(c, slow->spec, NULL) != 0)
		bail("second nameserver");
	dns_set_timeout(c, 4.0);
	t0 = now();
	a = dns_query(c, "sf.example.com", DNS_T_A);
	t = now() - t0;
	is_string("NXDOMAIN", status(a), "SERVFAIL from the first server, "
	    "the second answers");
	ok(t < 1.5, "... without waiting for the first one's share (%.2f s)",
	    t);
	dns_free(c);

	/* The budget: 0.6 s for a silent name with a 2-second timeout. */
	c = ctx_for(d1->spec);
	dns_set_timeout(c, 2.0);
	dns_set_budget(c, 0.6);
	ok(!dns_budget_spent(c), "budget not spent before it started");
	t0 = now();
	a = dns_query(c, "to2.example.com", DNS_T_A);
	t = now() - t0;
	is_string("timeout", status(a), "budget: silent name: timeout");
	ok(t > 0.4 && t < 1.0, "... at the budget, not the timeout (%.2f s)",
	    t);
	ok(dns_budget_spent(c), "... budget spent");
	sent = dns_queries_sent(c);
	t0 = now();
	a = dns_query(c, "txt.example.com", DNS_T_TXT);
	is_string("timeout", status(a), "budget spent: next query timeout");
	is_int((long long)sent, (long long)dns_queries_sent(c), "... not sent");
	ok(now() - t0 < 0.1, "... at once");
	dns_budget_start(c);
	check_txt(c, "txt.example.com", "v=spf1 a -all", 3);
	is_int((long long)sent + 1, (long long)dns_queries_sent(c),
	    "new budget: asked (the budget's timeout was not cached)");
	dns_free(c);
}

/*
 * The zone-file index: the same answers as a scan of every record (names
 * case-insensitive, RFC 4343; records in file order even when an owner's
 * records are apart or in two files; CNAME chains and loops in the files;
 * ancestors and underscore labels), and a lookup that does not scan the
 * file: 20,000 lookups in a 20,000-record zone (400 million record
 * comparisons as a scan, several seconds; a few milliseconds indexed).
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_zone_index(void)
{
	struct dns_ctx *c = ctx_for("127.0.0.1@9");
	const struct dns_answer *a;
	struct buf z = BUF_INIT;
	char *err = NULL, *p, name[96];
	int i, bad = 0;
	double t0, t;

	write_file("zi1.txt",
	    "Multi.Idx.Example. IN TXT \"one\"\n"
	    "other.idx.example. IN TXT \"x\"\n"
	    "multi.IDX.example. IN TXT \"two\"\n"
	    "c1.idx.example. IN CNAME C2.idx.example.\n"
	    "c2.idx.example. IN CNAME c3.IDX.example.\n"
	    "loop1.idx.example. IN CNAME loop2.idx.example.\n"
	    "loop2.idx.example. IN CNAME LOOP1.idx.example.\n"
	    "s1._domainkey.deep.b.idx.example. IN TXT \"key\"\n");
	write_file("zi2.txt",
	    "c3.idx.example. IN TXT \"end of chain\"\n"
	    "MULTI.idx.example. IN TXT \"three\"\n");
	ok(dns_load_zone(c, p = path_in("zi1.txt"), &err) == 0, "index: "
	    "zone 1 loads");
	free(p);
	ok(dns_load_zone(c, p = path_in("zi2.txt"), &err) == 0, "index: "
	    "zone 2 loads");
	free(p);
	a = dns_query(c, "mUlTi.idx.EXAMPLE", DNS_T_TXT);
	ok(a->status == DNS_OK && a->n == 3 &&
	    strcmp(a->rr[0].data, "one") == 0 &&
	    strcmp(a->rr[1].data, "two") == 0 &&
	    strcmp(a->rr[2].data, "three") == 0,
	    "index: one owner spelt three ways, two files: 3 records in "
	    "file order");
	a = dns_query(c, "C1.idx.example", DNS_T_TXT);
	ok(a->status == DNS_OK && a->n == 1 &&
	    strcmp(a->rr[0].data, "end of chain") == 0,
	    "index: CNAME chain across files and case");
	is_string("SERVFAIL", status(dns_query(c, "loop1.idx.example",
	    DNS_T_TXT)), "index: CNAME loop in the files: SERVFAIL");
	is_string("NXDOMAIN", status(dns_query(c,
	    "s2._DOMAINKEY.deep.b.idx.example", DNS_T_TXT)),
	    "index: unknown selector under an underscore label: NXDOMAIN");
	is_string("NODATA", status(dns_query(c, "_DomainKey.Deep.B.idx.example",
	    DNS_T_TXT)), "index: an underscore ancestor of an owner: NODATA");
	is_string("NXDOMAIN", status(dns_query(c, "x.other.idx.example",
	    DNS_T_TXT)), "index: below an owner: NXDOMAIN");
	is_string("NODATA", status(dns_query(c, "other.idx.example",
	    DNS_T_A)), "index: other type at an owner: NODATA");
	/* a file loaded after lookups is indexed too */
	write_file("zi3.txt", "late.idx.example. IN TXT \"late\"\n");
	ok(dns_load_zone(c, p = path_in("zi3.txt"), &err) == 0, "index: "
	    "zone 3 loads after lookups");
	free(p);
	check_txt(c, "late.idx.example", "late", 1);
	dns_free(c);

	c = ctx_for("127.0.0.1@9");
	for (i = 0; i < 20000; i++)
		buf_printf(&z, "k%d._domainkey.big.example. IN TXT \"v=DKIM1; "
		    "p=%d\"\n", i, i);
	write_file("zbig.txt", z.data);
	buf_free(&z);
	ok(dns_load_zone(c, p = path_in("zbig.txt"), &err) == 0, "index: "
	    "20,000-record zone loads");
	free(p);
	t0 = now_s();
	for (i = 0; i < 20000; i++) {
		(void)snprintf(name, sizeof name, "%c%d._domainkey.big.example",
		    i % 2 ? 'k' : 'x', i);
		a = dns_query(c, name, DNS_T_TXT);
		if (i % 2 ? a->status != DNS_OK || a->n != 1 :
		    a->status != DNS_NXDOMAIN)
			bad++;
	}
	t = now_s() - t0;
	is_int(0, bad, "index: 20,000 lookups, 10,000 found, 10,000 NXDOMAIN");
	ok(t < 2.0, "index: 20,000 lookups in a 20,000-record zone in %.3f s "
	    "(a scan takes several)", t);
	dns_free(c);
}

int
main(void)
{
	struct dnsd d1, d2, d3;
	struct dns_ctx *c;
	const struct dns_answer *a;
	const char *args1[] = {"--json", NULL, "--zone", NULL, "--log", NULL,
	    "--servfail", "sf.example.com", "--timeout", "to2.example.com",
	    NULL};
	const char *args2[] = {"--json", NULL, "--log", NULL, "--truncate-udp",
	    NULL};
	const char *args3[] = {"--json", NULL, "--delay", "0.7", NULL};
	char *scen, *zone, *log1, *log2;

	plan_lazy();
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	json_scenario();
	write_file("srvzone.txt", "$ORIGIN example.net.\n"
	    "srvzone IN TXT \"from the server's \" \"zone\"\n");
	args1[1] = scen = path_in("scen.json");
	args1[3] = zone = path_in("srvzone.txt");
	args1[5] = log1 = path_in("log1");
	args2[1] = scen;
	args2[3] = log2 = path_in("log2");
	args3[1] = scen;
	dnsd_start(&d1, args1);
	dnsd_start(&d2, args2);
	dnsd_start(&d3, args3);

	c = ctx_for(d1.spec);
	dns_set_trace(c, trace_fn, NULL);
	test_answers(c, "log1");
	test_cache(c, "log1");
	test_names(c);
	dns_set_trace(c, NULL, NULL);
	test_trace();
	dns_free(c);

	/* --truncate-udp: every UDP answer has TC=1; asked again over TCP. */
	c = ctx_for(d2.spec);
	check_txt(c, "txt.example.com", "v=spf1 a -all", 3);
	is_int(1, log_count("log2", "TCP txt.example.com TXT"),
	    "truncated UDP answer: asked again over TCP");
	a = dns_query(c, "missing.example.com", DNS_T_A);
	is_string("NXDOMAIN", status(a), "NXDOMAIN over TCP");
	dns_free(c);

	test_zone(&d1, "log1");
	test_zone_index();
	test_specs();
	test_servers(&d1);
	test_reply_match();
	test_deadlines(&d1, &d3);

	is_string("NOERROR", dns_status_name(DNS_OK), "status name OK");
	is_string("NODATA", dns_status_name(DNS_NODATA), "status name NODATA");
	is_string("timeout", dns_status_name(DNS_TIMEOUT),
	    "status name timeout");
	is_string("error", dns_status_name(DNS_ERROR), "status name error");

	dnsd_stop(&d1);
	dnsd_stop(&d2);
	dnsd_stop(&d3);
	buf_free(&tracebuf);
	free(scen);
	free(zone);
	free(log1);
	free(log2);
	if (getenv("DNS_T_KEEP") == NULL) {
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			diag("could not remove %s", dir);
		free(cmd);
	}
	return 0;
}
