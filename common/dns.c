/*
 * dns: DNS lookups, the only file that includes ldns (dns.h).
 *
 * ldns builds the query packets and parses the replies; the network path
 * is ours, because a stub resolver's integrity is in it (RFC 5452): every
 * query has a random ID from the kernel (getrandom) and a fresh socket
 * (a random ephemeral port), and a reply is used only when its source
 * address and port, ID, QR bit and question (name, type, class) match;
 * anything else is dropped and the wait goes on.  One deadline per query,
 * computed once from the monotonic clock, bounds UDP, the TCP fallback and
 * every partial read; a per-message budget bounds all queries together.
 * Servers are asked in order (net_answer says how the time is shared).
 * Names are sent as given (absolute, never through a search list).  Every
 * answer, including the negative ones and timeouts, is cached in the
 * context, keyed by the lower-cased wire name and the type; a timeout the
 * budget caused is not (the next message has a budget of its own).
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/dns.h"
#include "common/util.h"

/* RFC 1035 2.3.4: a label is 63 octets or less, a name 255 octets or less
 * in wire form (length octets and the root label included), which is 253
 * octets of text without the trailing dot. */
#define DNS_LABEL_MAX 63
#define DNS_WIRE_MAX 255

/* RFC 6891 6.2.5: the UDP payload size we advertise.  1232 octets avoids
 * IP fragmentation on any IPv6 path (the 2020 DNS flag day value); larger
 * answers come back truncated and are asked again over TCP (RFC 7766 5). */
#define DNS_EDNS_SIZE 1232

/* RFC 1035 4.1.1: the fixed header is 12 octets. */
#define DNS_HEADER_SIZE 12

/* RFC 1035 4.2.2: a TCP message has a two-octet length, so at most 65535
 * octets; a UDP datagram cannot be longer either (RFC 768). */
#define DNS_TCP_MAX 65535
#define DNS_UDP_MAX 65535

/* How many nameservers one query tries.  RFC 1035 does not bound it; 3 is
 * resolv.conf's MAXNS, and every --nameserver beyond 8 would get too thin
 * a share of the per-query deadline to be of use. */
#define DNS_MAX_SERVERS 8
#define DNS_RESOLV_CONF_MAX 3

/* CNAME chain length we follow (in an answer, or through zone-file data)
 * before calling it a loop; RFC 1034 3.6.2 forbids loops but does not bound
 * chains; 16 is far more than any real chain. */
#define DNS_CNAME_MAX 16

struct dns_server {
	struct sockaddr_storage sa;
	socklen_t salen;
	char *label;            /* "ADDR@PORT", for traces */
};

struct dns_cent {
	struct dns_cent *next;
	unsigned char *key;     /* wire name, ASCII lower case */
	size_t keylen;
	enum dns_type type;
	struct dns_answer ans;
};

struct dns_ctx {
	struct dns_server *srv;
	size_t nsrv;
	bool user_servers;      /* dns_add_nameserver() was called */
	double timeout;         /* per query, seconds */
	double budget;          /* per message, seconds */
	double budget_end;      /* monotonic end of this message's budget;
	                         * 0: starts at the next network query */

	struct dns_cent **tab;  /* cache: hash table, chained */
	size_t tabsize;
	size_t nent;

	ldns_rr_list *zone;     /* every RR of every zone file */
	ldns_rdf **origins;     /* every $ORIGIN seen in zone files */
	size_t norigins;

	void (*trace)(void *, const char *);
	void *trace_arg;
	unsigned long sent;
};

/* Answer for names that cannot be sent; shared, never freed. */
static const struct dns_answer dns_answer_error = {DNS_ERROR, 0, NULL};
/* Answer once the budget is spent (not cached); shared, never freed. */
static const struct dns_answer dns_answer_timeout = {DNS_TIMEOUT, 0, NULL};

static unsigned char
lower_ascii(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

static const char *
type_name(enum dns_type t)
{
	switch (t) {
	case DNS_T_A:
		return "A";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_AAAA:
		return "AAAA";
	}
	return "TYPE?";
}

const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "NOERROR";
	case DNS_NODATA:
		return "NODATA";
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_SERVFAIL:
		return "SERVFAIL";
	case DNS_TIMEOUT:
		return "timeout";
	case DNS_ERROR:
		break;
	}
	return "error";
}

static void
trace(struct dns_ctx *c, const char *fmt, ...) UTIL_PRINTF(2, 3);

static void
trace(struct dns_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (c->trace == NULL)
		return;
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	c->trace(c->trace_arg, line);
	free(line);
}

static double
monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ names */

/*
 * Presentation-form NAME (optional trailing dot; "\X" and "\DDD" escapes as
 * RFC 1035 5.1 describes) to a DNAME rdf, by ldns_dname_new_frm_str().
 * NULL when the name is not a valid domain name: empty, the root alone,
 * an empty label, a label over 63 octets, a name over 255 wire octets
 * (RFC 1035 2.3.4), or a bad escape ("\" at the end, "\DDD" over 255, or
 * a digit after "\" that does not start "\DDD": RFC 1035 5.1 escapes
 * only a non-digit alone).  The caller frees the rdf with
 * ldns_rdf_deep_free().
 */
static ldns_rdf *
name_rdf(const char *name)
{
	ldns_rdf *r;

	/* ldns reads "." as the root; no query here is for the root. */
	if (name == NULL || strcmp(name, ".") == 0)
		return NULL;
	r = ldns_dname_new_frm_str(name);
	if (r != NULL && ldns_rdf_size(r) > DNS_WIRE_MAX) {
		ldns_rdf_deep_free(r);
		return NULL;
	}
	return r;
}

/*
 * Wire-form name (uncompressed, as ldns keeps it) to presentation form
 * without the trailing dot: "" for the root.  '.' and '\' inside a label
 * and control octets are escaped (RFC 1035 5.1) so the text parses back
 * to the same name; other octets are kept as they are.  Not ldns_rdf2str():
 * it also writes SP, ';', '(', ')' and every octet >= 0x80 as "\DDD",
 * which would change the names SPF compares and expands (RFC 7208 5.5
 * ptr, 7.3 %{p}) and what the trace shows.
 */
static char *
wire_to_text(const unsigned char *w, size_t len, bool lower)
{
	struct buf b = BUF_INIT;
	size_t i = 0, l, k;
	unsigned char ch;

	while (i < len && w[i] != 0) {
		l = w[i++];
		if (l > len - i)
			l = len - i;    /* hostile data: stop at the end */
		if (b.len > 0)
			buf_addc(&b, '.');
		for (k = 0; k < l; k++) {
			ch = w[i + k];
			if (lower)
				ch = lower_ascii(ch);
			if (ch == '.' || ch == '\\') {
				buf_addc(&b, '\\');
				buf_addc(&b, (char)ch);
			} else if (ch < 0x20 || ch == 0x7f)
				buf_printf(&b, "\\%03u", ch);
			else
				buf_addc(&b, (char)ch);
		}
		i += l;
	}
	return buf_detach(&b);
}

static char *
rdf_to_text(const ldns_rdf *rdf, bool lower)
{
	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return NULL;
	return wire_to_text(ldns_rdf_data(rdf), ldns_rdf_size(rdf), lower);
}

/* ------------------------------------------------------------ answers */

static void
answer_clear(struct dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->rr[i].data);
	free(a->rr);
	a->rr = NULL;
	a->n = 0;
}

/* One ldns RR of type T into *out.  false when its rdata is unusable. */
static bool
rr_convert(struct dns_rr *out, const ldns_rr *rr, enum dns_type t)
{
	const ldns_rdf *f;
	const unsigned char *d;
	struct buf b = BUF_INIT;
	char text[INET6_ADDRSTRLEN];
	size_t i, sz, l;

	memset(out, 0, sizeof(*out));
	switch (t) {
	case DNS_T_TXT:
		/* RFC 7208 3.3, RFC 6376 3.6.2.2: one RR's character-strings
		 * are joined with nothing between them. */
		for (i = 0; i < ldns_rr_rd_count(rr); i++) {
			f = ldns_rr_rdf(rr, i);
			d = ldns_rdf_data(f);
			sz = ldns_rdf_size(f);
			if (sz == 0)
				continue;
			l = d[0];
			if (l > sz - 1)
				l = sz - 1;
			buf_add(&b, d + 1, l);
			out->nstrings++;
		}
		out->len = b.len;
		out->data = buf_detach(&b);
		return true;
	case DNS_T_MX:
		if (ldns_rr_rd_count(rr) < 2)
			return false;
		f = ldns_rr_rdf(rr, 0);
		if (ldns_rdf_size(f) != 2)
			return false;
		d = ldns_rdf_data(f);
		out->pref = (unsigned)d[0] << 8 | d[1];
		out->data = rdf_to_text(ldns_rr_rdf(rr, 1), true);
		break;
	case DNS_T_PTR:
		if (ldns_rr_rd_count(rr) < 1)
			return false;
		out->data = rdf_to_text(ldns_rr_rdf(rr, 0), false);
		break;
	case DNS_T_A:
	case DNS_T_AAAA:
		l = t == DNS_T_A ? 4 : 16;
		if (ldns_rr_rd_count(rr) < 1)
			return false;
		f = ldns_rr_rdf(rr, 0);
		if (ldns_rdf_size(f) != l)
			return false;
		memcpy(out->addr, ldns_rdf_data(f), l);
		if (inet_ntop(t == DNS_T_A ? AF_INET : AF_INET6, out->addr,
		    text, sizeof(text)) == NULL)
			return false;
		out->data = xstrdup(text);
		break;
	default:
		return false;
	}
	if (out->data == NULL)
		return false;
	out->len = strlen(out->data);
	return true;
}

/*
 * The records of type T for QNAME in LIST (an answer section, or zone
 * data): those owned by QNAME or by a name reached from it through CNAMEs
 * in LIST (RFC 1034 3.6.2).  A CNAME loop gives DNS_SERVFAIL.  *last (if
 * not NULL) gets the end of the chain (a pointer into LIST or QNAME).
 */
static void
collect(struct dns_answer *a, const ldns_rr_list *list, const ldns_rdf *qname,
    enum dns_type t, const ldns_rdf **last)
{
	const ldns_rdf *chain[DNS_CNAME_MAX + 1];
	const ldns_rdf *target;
	const ldns_rr *rr;
	size_t nchain = 1, i, j, n;

	n = list != NULL ? ldns_rr_list_rr_count(list) : 0;
	chain[0] = qname;
	for (;;) {
		target = NULL;
		for (i = 0; i < n; i++) {
			rr = ldns_rr_list_rr(list, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
			    ldns_rr_rd_count(rr) >= 1 &&
			    ldns_dname_compare(ldns_rr_owner(rr),
			    chain[nchain - 1]) == 0) {
				target = ldns_rr_rdf(rr, 0);
				break;
			}
		}
		if (target == NULL ||
		    ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)
			break;
		for (j = 0; j < nchain; j++)
			if (ldns_dname_compare(target, chain[j]) == 0)
				break;
		if (j < nchain || nchain > DNS_CNAME_MAX) {
			a->status = DNS_SERVFAIL;       /* a CNAME loop */
			return;
		}
		chain[nchain++] = target;
	}
	if (last != NULL)
		*last = chain[nchain - 1];

	for (i = 0; i < n; i++) {
		rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != (ldns_rr_type)t ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		for (j = 0; j < nchain; j++)
			if (ldns_dname_compare(ldns_rr_owner(rr), chain[j]) == 0)
				break;
		if (j == nchain)
			continue;
		a->rr = xreallocarray(a->rr, a->n + 1, sizeof(*a->rr));
		if (rr_convert(&a->rr[a->n], rr, t))
			a->n++;
	}
	a->status = a->n > 0 ? DNS_OK : DNS_NODATA;
}

static void
answer_copy(struct dns_answer *to, const struct dns_answer *from)
{
	size_t i;

	to->status = from->status;
	to->n = from->n;
	to->rr = NULL;
	if (from->n == 0)
		return;
	to->rr = xreallocarray(NULL, from->n, sizeof(*to->rr));
	for (i = 0; i < from->n; i++) {
		to->rr[i] = from->rr[i];
		to->rr[i].data = xmalloc(from->rr[i].len + 1);
		memcpy(to->rr[i].data, from->rr[i].data, from->rr[i].len + 1);
	}
}

/* Text of an answer for traces: NOERROR 2 records: "a", "b". */
static char *
answer_text(const struct dns_answer *a, enum dns_type t)
{
	struct buf b = BUF_INIT;
	const unsigned char *d;
	size_t i, k;

	if (a->status != DNS_OK)
		return xstrdup(dns_status_name(a->status));
	buf_printf(&b, "NOERROR %zu record%s:", a->n, a->n == 1 ? "" : "s");
	for (i = 0; i < a->n; i++) {
		buf_adds(&b, i == 0 ? " " : ", ");
		if (t == DNS_T_MX)
			buf_printf(&b, "%u %s", a->rr[i].pref,
			    a->rr[i].data[0] ? a->rr[i].data : ".");
		else if (t == DNS_T_TXT) {
			buf_addc(&b, '"');
			d = (const unsigned char *)a->rr[i].data;
			for (k = 0; k < a->rr[i].len; k++) {
				if (d[k] == '"' || d[k] == '\\')
					buf_printf(&b, "\\%c", d[k]);
				else if (d[k] < 0x20 || d[k] >= 0x7f)
					buf_printf(&b, "\\%03u", d[k]);
				else
					buf_addc(&b, (char)d[k]);
			}
			buf_addc(&b, '"');
		} else
			buf_adds(&b, a->rr[i].data);
	}
	return buf_detach(&b);
}

/* ------------------------------------------------------------ cache */

static size_t
cache_hash(const unsigned char *key, size_t len, enum dns_type t)
{
	uint32_t h = 2166136261u;       /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	h ^= (uint32_t)t;
	h *= 16777619u;
	return h;
}

static struct dns_cent *
cache_find(struct dns_ctx *c, const unsigned char *key, size_t len,
    enum dns_type t)
{
	struct dns_cent *e;

	if (c->tabsize == 0)
		return NULL;
	e = c->tab[cache_hash(key, len, t) & (c->tabsize - 1)];
	for (; e != NULL; e = e->next)
		if (e->type == t && e->keylen == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

static void
cache_add(struct dns_ctx *c, struct dns_cent *e)
{
	struct dns_cent **nt, *x, *next;
	size_t i, h, ns;

	if (c->nent >= c->tabsize) {
		ns = c->tabsize ? c->tabsize * 2 : 64;
		nt = xcalloc(ns, sizeof(*nt));
		for (i = 0; i < c->tabsize; i++)
			for (x = c->tab[i]; x != NULL; x = next) {
				next = x->next;
				h = cache_hash(x->key, x->keylen, x->type) &
				    (ns - 1);
				x->next = nt[h];
				nt[h] = x;
			}
		free(c->tab);
		c->tab = nt;
		c->tabsize = ns;
	}
	h = cache_hash(e->key, e->keylen, e->type) & (c->tabsize - 1);
	e->next = c->tab[h];
	c->tab[h] = e;
	c->nent++;
}

/* ------------------------------------------------------------ context */

static void
servers_free(struct dns_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nsrv; i++)
		free(c->srv[i].label);
	free(c->srv);
	c->srv = NULL;
	c->nsrv = 0;
}

static void
server_push(struct dns_ctx *c, const unsigned char *bin, size_t binlen,
    unsigned port)
{
	struct dns_server *s;
	char text[INET6_ADDRSTRLEN];

	c->srv = xreallocarray(c->srv, c->nsrv + 1, sizeof(*c->srv));
	s = &c->srv[c->nsrv++];
	memset(s, 0, sizeof(*s));
	if (binlen == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&s->sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, bin, 4);
		s->salen = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&s->sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, bin, 16);
		s->salen = sizeof(*s6);
	}
	inet_ntop(binlen == 4 ? AF_INET : AF_INET6, bin, text, sizeof(text));
	s->label = xasprintf("%s@%u", text, port);
}

/* The "nameserver ADDR" lines of resolv.conf(5), port 53, at most
 * DNS_RESOLV_CONF_MAX of them as the C library takes them.  A missing
 * file or no usable line leaves no server (then every query is
 * DNS_ERROR unless --nameserver is given). */
static void
servers_from_resolv_conf(struct dns_ctx *c, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[512], *w, *save = NULL;
	unsigned char bin[16];
	size_t n = 0;

	if (fp == NULL)
		return;
	while (n < DNS_RESOLV_CONF_MAX && fgets(line, sizeof(line), fp)) {
		w = strtok_r(line, " \t\r\n", &save);
		if (w == NULL || strcmp(w, "nameserver") != 0)
			continue;
		w = strtok_r(NULL, " \t\r\n", &save);
		if (w == NULL)
			continue;
		if (inet_pton(AF_INET, w, bin) == 1)
			server_push(c, bin, 4, 53);
		else if (inet_pton(AF_INET6, w, bin) == 1)
			server_push(c, bin, 16, 53);
		else
			continue;       /* e.g. fe80::1%eth0: not for us */
		n++;
	}
	fclose(fp);
}

struct dns_ctx *
dns_new(char **err)
{
	struct dns_ctx *c;

	c = xcalloc(1, sizeof(*c));
	c->timeout = DNS_DEFAULT_TIMEOUT;
	c->budget = DNS_DEFAULT_BUDGET;
	servers_from_resolv_conf(c, "/etc/resolv.conf");
	c->zone = ldns_rr_list_new();
	if (c->zone == NULL) {
		/* ldns out of memory: as fatal as our own. */
		servers_free(c);
		free(c);
		if (err != NULL)
			*err = xstrdup("out of memory");
		return NULL;
	}
	return c;
}

void
dns_free(struct dns_ctx *c)
{
	struct dns_cent *e, *next;
	size_t i;

	if (c == NULL)
		return;
	servers_free(c);
	for (i = 0; i < c->tabsize; i++)
		for (e = c->tab[i]; e != NULL; e = next) {
			next = e->next;
			answer_clear(&e->ans);
			free(e->key);
			free(e);
		}
	free(c->tab);
	ldns_rr_list_deep_free(c->zone);
	for (i = 0; i < c->norigins; i++)
		ldns_rdf_deep_free(c->origins[i]);
	free(c->origins);
	free(c);
}

int
dns_parse_nameserver(const char *spec, unsigned char addr[16], size_t *addrlen,
    unsigned *port)
{
	char *a, *at, *end;
	unsigned long p = 53;
	size_t len;
	int r = -1;

	a = xstrdup(spec);
	at = strrchr(a, '@');
	if (at != NULL) {
		*at = '\0';
		errno = 0;
		p = strtoul(at + 1, &end, 10);
		if (at[1] < '0' || at[1] > '9' || *end != '\0' || errno != 0 ||
		    p == 0 || p > 65535)
			goto out;
	}
	len = strlen(a);
	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		memmove(a, a + 1, len - 2);     /* "[::1]@53" */
		a[len - 2] = '\0';
	}
	if (inet_pton(AF_INET, a, addr) == 1)
		*addrlen = 4;
	else if (inet_pton(AF_INET6, a, addr) == 1)
		*addrlen = 16;
	else
		goto out;
	*port = (unsigned)p;
	r = 0;
out:
	free(a);
	return r;
}

int
dns_add_nameserver(struct dns_ctx *c, const char *spec, char **err)
{
	unsigned char bin[16];
	size_t binlen;
	unsigned port;

	if (dns_parse_nameserver(spec, bin, &binlen, &port) < 0) {
		if (err != NULL)
			*err = xasprintf("bad nameserver \"%s\": want ADDR or "
			    "ADDR@PORT (IPv4 or IPv6)", spec);
		return -1;
	}
	if (!c->user_servers) {
		servers_free(c);        /* the first one replaces resolv.conf */
		c->user_servers = true;
	}
	server_push(c, bin, binlen, port);
	return 0;
}

void
dns_set_timeout(struct dns_ctx *c, double seconds)
{
	if (!(seconds > 0))
		return;
	if (seconds > 86400)
		seconds = 86400;
	c->timeout = seconds;
}

void
dns_set_budget(struct dns_ctx *c, double seconds)
{
	if (!(seconds > 0))
		return;
	if (seconds > 86400)
		seconds = 86400;
	c->budget = seconds;
}

void
dns_budget_start(struct dns_ctx *c)
{
	c->budget_end = monotonic() + c->budget;
}

bool
dns_budget_spent(const struct dns_ctx *c)
{
	return c->budget_end != 0 && monotonic() >= c->budget_end;
}

double
dns_budget(const struct dns_ctx *c)
{
	return c->budget;
}

void
dns_set_trace(struct dns_ctx *c, void (*fn)(void *arg, const char *line),
    void *arg)
{
	c->trace = fn;
	c->trace_arg = arg;
}

unsigned long
dns_queries_sent(const struct dns_ctx *c)
{
	return c->sent;
}

/* ------------------------------------------------------------ zone files */

int
dns_load_zone(struct dns_ctx *c, const char *path, char **err)
{
	FILE *fp;
	ldns_rr *rr;
	ldns_rdf *origin, *prev = NULL;
	ldns_status st;
	uint32_t ttl = 3600;
	int line = 0, ret = 0;

	fp = fopen(path, "r");
	if (fp == NULL) {
		if (err != NULL)
			*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	/* Relative names without $ORIGIN are relative to the root. */
	origin = ldns_dname_new_frm_str(".");
	/* ferror(): a directory opens but every read fails (EISDIR) and
	 * never reaches EOF; without it this loop would never end. */
	while (!feof(fp) && !ferror(fp)) {
		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_OK) {
			if (!ldns_rr_list_push_rr(c->zone, rr))
				ldns_rr_free(rr);
			continue;
		}
		if (st == LDNS_STATUS_SYNTAX_ORIGIN && origin != NULL) {
			c->origins = xreallocarray(c->origins, c->norigins + 1,
			    sizeof(*c->origins));
			c->origins[c->norigins++] = ldns_rdf_clone(origin);
			continue;
		}
		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL)
			continue;
		/* ldns counts a line when it reads its newline; a last
		 * line without one has not been counted yet. */
		if (feof(fp) && fseek(fp, -1, SEEK_END) == 0 &&
		    fgetc(fp) != '\n')
			line++;
		if (err != NULL)
			*err = xasprintf("%s:%d: %s", path, line,
			    st == LDNS_STATUS_SYNTAX_INCLUDE ?
			    "$INCLUDE is not supported" :
			    ldns_get_errorstr_by_id(st));
		ldns_rr_free(rr);
		ret = -1;
		break;
	}
	if (ret == 0 && ferror(fp)) {
		if (err != NULL)
			*err = xasprintf("%s: %s", path, errno != 0 ?
			    strerror(errno) : "read error");
		ret = -1;
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(fp);
	return ret;
}

static const struct dns_answer *lookup(struct dns_ctx *c,
    const unsigned char *wire, size_t len, enum dns_type t, int depth);

/* Wire name N equals P or lies below it (case-insensitive, RFC 4343).
 * Not ldns_dname_is_subdomain(): it compares labels case-sensitively, is
 * false for equal names, and allocates two rdfs per label compared, while
 * zone_find() calls this for every zone record (and each of its
 * underscore suffixes) on every query. */
static bool
wire_under(const unsigned char *n, size_t nlen, const unsigned char *p,
    size_t plen)
{
	size_t off = 0, i;

	while (off < nlen && plen <= nlen - off) {
		if (nlen - off == plen) {
			for (i = 0; i < plen; i++)
				if (lower_ascii(n[off + i]) !=
				    lower_ascii(p[i]))
					return false;
			return true;
		}
		if (n[off] == 0)
			break;
		off += (size_t)n[off] + 1;
	}
	return false;
}

enum zone_hit {
	ZONE_OUTSIDE,   /* not the zone files' business: ask DNS */
	ZONE_NXDOMAIN,  /* covered, no such name */
	ZONE_EMPTY,     /* covered, no records but names below (RFC 8020) */
	ZONE_PRESENT,   /* an owner name in a file */
};

/*
 * The rule documented in dns.h: a name is covered by the zone files when
 * it equals or lies below an owner name, a $ORIGIN, or an underscore label
 * above an owner name (RFC 8552 attribute leaves such as _domainkey: the
 * file speaks for that whole node, so an unknown DKIM selector is
 * NXDOMAIN rather than a network query).
 */
static enum zone_hit
zone_find(const struct dns_ctx *c, const ldns_rdf *name)
{
	const unsigned char *n = ldns_rdf_data(name), *o;
	size_t nlen = ldns_rdf_size(name), olen, off, i, cnt;
	bool covered = false, below = false;
	const ldns_rdf *owner;

	cnt = ldns_rr_list_rr_count(c->zone);
	for (i = 0; i < cnt; i++) {
		owner = ldns_rr_owner(ldns_rr_list_rr(c->zone, i));
		o = ldns_rdf_data(owner);
		olen = ldns_rdf_size(owner);
		if (wire_under(n, nlen, o, olen)) {
			if (nlen == olen)
				return ZONE_PRESENT;
			covered = true;
			continue;
		}
		if (wire_under(o, olen, n, nlen))
			below = true;   /* NAME has descendants: it exists */
		for (off = olen > 0 ? (size_t)o[0] + 1 : olen;
		    off + 1 < olen && o[off] != 0; off += (size_t)o[off] + 1)
			if (o[off + 1] == '_' &&
			    wire_under(n, nlen, o + off, olen - off))
				covered = true;
	}
	for (i = 0; i < c->norigins; i++)
		if (wire_under(n, nlen, ldns_rdf_data(c->origins[i]),
		    ldns_rdf_size(c->origins[i])))
			covered = true;
	if (!covered)
		return ZONE_OUTSIDE;
	return below ? ZONE_EMPTY : ZONE_NXDOMAIN;
}

/* Answer QNAME from the zone files; false when they do not cover it.
 * *clipped: a CNAME target asked on the network hit the budget. */
static bool
zone_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
    struct dns_answer *a, int depth, bool *clipped)
{
	const ldns_rdf *last = NULL;
	const struct dns_answer *far;

	if (ldns_rr_list_rr_count(c->zone) == 0 && c->norigins == 0)
		return false;
	switch (zone_find(c, qname)) {
	case ZONE_OUTSIDE:
		return false;
	case ZONE_NXDOMAIN:
		a->status = DNS_NXDOMAIN;
		return true;
	case ZONE_EMPTY:
		a->status = DNS_NODATA;
		return true;
	case ZONE_PRESENT:
		break;
	}
	collect(a, c->zone, qname, t, &last);
	if (a->status == DNS_NODATA && last != NULL &&
	    ldns_dname_compare(last, qname) != 0 &&
	    zone_find(c, last) != ZONE_PRESENT) {
		/* A CNAME in the file pointing elsewhere: look the target
		 * up as any other name (zone files, then DNS). */
		if (depth >= DNS_CNAME_MAX)
			a->status = DNS_SERVFAIL;
		else {
			far = lookup(c, ldns_rdf_data(last), ldns_rdf_size(last),
			    t, depth + 1);
			answer_copy(a, far);
			*clipped = far == &dns_answer_timeout;
		}
	}
	return true;
}

/* ------------------------------------------------------------ network */

/* RFC 5452 9.2: the query ID must be unpredictable; the kernel's CSPRNG
 * (getrandom) gives it without a user-space DRBG to seed.  false only when
 * the kernel has no randomness to give. */
static bool
random_id(uint16_t *id)
{
	unsigned char b[2];
	ssize_t r;

	do
		r = getrandom(b, sizeof(b), 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(b))
		return false;
	*id = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

/*
 * The reply check (RFC 5452 9.1: ID, question and, at the socket, source
 * address and port must all match the query).  Header first, on the raw
 * bytes (a short packet, another ID, QR=0 or another opcode is not a
 * reply to us), then ldns parses the whole packet and the question must
 * be exactly one, our name (case-insensitively, RFC 4343), our type, class
 * IN.  Over UDP a matched reply with TC=1 asks for TCP (RFC 7766 5); over
 * TCP TC is meaningless and ignored.  *a is filled only for
 * DNS_REPLY_ANSWER.
 */
static enum dns_reply
reply_check(const unsigned char *pkt, size_t len, uint16_t id,
    const ldns_rdf *qname, enum dns_type t, bool tcp, struct dns_answer *a)
{
	ldns_pkt *p = NULL;
	const ldns_rr_list *q;
	const ldns_rr *qr;
	enum dns_reply r = DNS_REPLY_DROP;

	if (len < DNS_HEADER_SIZE)
		return DNS_REPLY_DROP;
	if ((uint16_t)(pkt[0] << 8 | pkt[1]) != id)
		return DNS_REPLY_DROP;          /* not our ID */
	if ((pkt[2] & 0x80) == 0 || (pkt[2] & 0x78) != 0)
		return DNS_REPLY_DROP;          /* QR=0, or not a QUERY */
	if (pkt[4] != 0 || pkt[5] != 1)
		return DNS_REPLY_DROP;          /* QDCOUNT must be 1 */
	if (ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK || p == NULL)
		goto out;                       /* unparsable */
	q = ldns_pkt_question(p);
	if (q == NULL || ldns_rr_list_rr_count(q) != 1)
		goto out;
	qr = ldns_rr_list_rr(q, 0);
	if (ldns_rr_get_type(qr) != (ldns_rr_type)t ||
	    ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN ||
	    ldns_rr_owner(qr) == NULL ||
	    ldns_rdf_get_type(ldns_rr_owner(qr)) != LDNS_RDF_TYPE_DNAME ||
	    ldns_dname_compare(ldns_rr_owner(qr), qname) != 0)
		goto out;                       /* another question */
	if (!tcp && ldns_pkt_tc(p)) {
		r = DNS_REPLY_TRUNCATED;
		goto out;
	}
	memset(a, 0, sizeof(*a));
	switch (ldns_pkt_get_rcode(p)) {
	case LDNS_RCODE_NOERROR:
		collect(a, ldns_pkt_answer(p), qname, t, NULL);
		break;
	case LDNS_RCODE_NXDOMAIN:
		a->status = DNS_NXDOMAIN;
		break;
	default:
		a->status = DNS_SERVFAIL;       /* SERVFAIL, REFUSED, ... */
		break;
	}
	if (a->status != DNS_OK)
		answer_clear(a);
	r = DNS_REPLY_ANSWER;
out:
	ldns_pkt_free(p);
	return r;
}

enum dns_reply
dns_reply_match(const unsigned char *pkt, size_t len, unsigned id,
    const char *name, enum dns_type type, bool tcp, struct dns_answer *ans)
{
	ldns_rdf *qname;
	enum dns_reply r;

	memset(ans, 0, sizeof(*ans));
	ans->status = DNS_ERROR;
	if (id > 0xffff || (qname = name_rdf(name)) == NULL)
		return DNS_REPLY_DROP;
	r = reply_check(pkt, len, (uint16_t)id, qname, type, tcp, ans);
	ldns_rdf_deep_free(qname);
	return r;
}

void
dns_answer_clear(struct dns_answer *a)
{
	answer_clear(a);
}

/* The query packet: ID, RD=1 (we are a stub), one question, class IN, an
 * EDNS OPT record advertising DNS_EDNS_SIZE (RFC 6891 6.2.5).  Caller
 * frees; NULL when ldns cannot build it. */
static unsigned char *
query_wire(const ldns_rdf *qname, enum dns_type t, uint16_t id, size_t *len)
{
	ldns_pkt *p;
	ldns_rdf *name;
	uint8_t *w = NULL;

	name = ldns_rdf_clone(qname);
	if (name == NULL)
		return NULL;
	p = ldns_pkt_query_new(name, (ldns_rr_type)t, LDNS_RR_CLASS_IN,
	    LDNS_RD);
	if (p == NULL)
		return NULL;
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_edns_udp_size(p, DNS_EDNS_SIZE);
	if (ldns_pkt2wire(&w, p, len) != LDNS_STATUS_OK)
		w = NULL;
	ldns_pkt_free(p);
	return w;
}

static bool
same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	}
	return false;
}

static char *
peer_text(const struct sockaddr_storage *sa)
{
	char text[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		return xasprintf("%s@%u", text, ntohs(s4->sin_port));
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		return xasprintf("%s@%u", text, ntohs(s6->sin6_port));
	}
	return xstrdup("an unknown address");
}

/* Milliseconds from now to DEADLINE for poll(), rounded up so a wake-up
 * is never before it; 0 when it has passed. */
static int
ms_until(double deadline)
{
	double left = deadline - monotonic();

	if (left <= 0)
		return 0;
	if (left > 86400)
		left = 86400;
	return (int)(left * 1000) + 1;
}

/* Wait until FD is ready for EVENTS or DEADLINE passes: 1 ready, 0 time
 * is up, -1 error. */
static int
wait_fd(int fd, short events, double deadline)
{
	struct pollfd pfd;
	int ms, r;

	for (;;) {
		ms = ms_until(deadline);
		if (ms == 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * Read exactly N octets from the TCP socket FD before DEADLINE (every
 * partial read is bounded by the same deadline: a server that dribbles
 * one byte at a time cannot stretch the query).  0, or -1 on EOF, error
 * or time up.
 */
static int
tcp_read_full(int fd, unsigned char *p, size_t n, double deadline)
{
	ssize_t r;

	while (n > 0) {
		if (wait_fd(fd, POLLIN, deadline) <= 0)
			return -1;
		r = recv(fd, p, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * The query over TCP to server S (RFC 7766 5, after a truncated UDP
 * reply; RFC 1035 4.2.2 two-octet length prefix), all of it (connect,
 * write, every read) before DEADLINE.  A message that does not match
 * (ID, QR, question) is dropped and reading goes on.  true with *a filled
 * when a matching answer came.
 */
static bool
tcp_exchange(struct dns_ctx *c, const struct dns_server *s,
    const ldns_rdf *qname, enum dns_type t, double deadline,
    struct dns_answer *a)
{
	unsigned char *q = NULL, *msg = NULL, lenbuf[2];
	size_t qlen = 0, off, mlen;
	uint16_t id;
	ssize_t r;
	int fd, err = 0;
	socklen_t elen = sizeof(err);
	bool ok = false;

	fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (const struct sockaddr *)&s->sa, s->salen) < 0) {
		if (errno != EINPROGRESS)
			goto out;
		if (wait_fd(fd, POLLOUT, deadline) <= 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 ||
		    err != 0)
			goto out;
	}
	if (!random_id(&id) || (q = query_wire(qname, t, id, &qlen)) == NULL ||
	    qlen > DNS_TCP_MAX)
		goto out;
	msg = xmalloc(qlen + 2);
	msg[0] = (unsigned char)(qlen >> 8);
	msg[1] = (unsigned char)qlen;
	memcpy(msg + 2, q, qlen);
	for (off = 0; off < qlen + 2;) {
		if (wait_fd(fd, POLLOUT, deadline) <= 0)
			goto out;
		r = send(fd, msg + off, qlen + 2 - off, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (r <= 0)
			goto out;
		off += (size_t)r;
	}
	free(msg);
	msg = xmalloc(DNS_TCP_MAX);
	for (;;) {
		if (tcp_read_full(fd, lenbuf, 2, deadline) < 0)
			goto out;
		mlen = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if (tcp_read_full(fd, msg, mlen, deadline) < 0)
			goto out;
		if (reply_check(msg, mlen, id, qname, t, true, a) ==
		    DNS_REPLY_ANSWER) {
			ok = true;
			break;
		}
		trace(c, "dropped a TCP reply from %s: ID, question or format "
		    "does not match", s->label);
	}
out:
	if (!ok && c->trace != NULL && monotonic() < deadline)
		trace(c, "no TCP answer from %s", s->label);
	free(msg);
	free(q);
	close(fd);
	return ok;
}

/* One UDP query in flight: a socket of its own (a fresh ephemeral port
 * from the kernel, RFC 5452 9.2) connected to one server. */
struct pending {
	int fd;
	uint16_t id;
	size_t srv;
};

static void
pending_close(struct pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static bool
udp_send(struct dns_ctx *c, size_t i, const ldns_rdf *qname, enum dns_type t,
    struct pending *p)
{
	const struct dns_server *s = &c->srv[i];
	unsigned char *q;
	size_t qlen;
	ssize_t r;

	p->fd = -1;
	p->srv = i;
	if (!random_id(&p->id)) {
		trace(c, "no random query ID from the kernel: %s",
		    strerror(errno));
		return false;
	}
	q = query_wire(qname, t, p->id, &qlen);
	if (q == NULL)
		return false;
	p->fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	/* connect(): the kernel then delivers only datagrams from the
	 * server; the source is still checked on every reply. */
	if (p->fd < 0 ||
	    connect(p->fd, (const struct sockaddr *)&s->sa, s->salen) < 0 ||
	    (r = send(p->fd, q, qlen, 0)) != (ssize_t)qlen) {
		trace(c, "cannot send to %s: %s", s->label, strerror(errno));
		pending_close(p);
		free(q);
		return false;
	}
	free(q);
	return true;
}

/* The outcome of one query on the network. */
struct net_result {
	bool answered;  /* *a holds a matched answer */
	bool errored;   /* some server answered with an error RCODE */
	bool clipped;   /* the budget, not --dns-timeout, ended the wait */
};

/*
 * Wait on every query in flight (PEND[0..NP)) until one gives a usable
 * answer, none is left, or SLOT_END.  Each datagram is checked: source
 * address and port, then reply_check(); anything else is dropped and the
 * wait goes on.  An error RCODE ends that server's query (it counts as
 * errored); a truncated reply switches that server to TCP until SLOT_END
 * (so a server that dribbles its TCP answer cannot keep the next server
 * from being asked).
 */
static void
wait_replies(struct dns_ctx *c, struct pending *pend, size_t np,
    const ldns_rdf *qname, enum dns_type t, double slot_end,
    struct dns_answer *a, struct net_result *res)
{
	struct pollfd pfd[DNS_MAX_SERVERS];
	size_t map[DNS_MAX_SERVERS], n, i;
	unsigned char buf[DNS_UDP_MAX];
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct dns_answer got;
	struct pending *p;
	const struct dns_server *s;
	ssize_t r;
	char *who;
	int ms, pr;

	for (;;) {
		n = 0;
		for (i = 0; i < np; i++)
			if (pend[i].fd >= 0) {
				pfd[n].fd = pend[i].fd;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				map[n++] = i;
			}
		if (n == 0 || (ms = ms_until(slot_end)) == 0)
			return;
		pr = poll(pfd, n, ms);
		if (pr < 0 && errno != EINTR)
			return;
		for (i = 0; pr > 0 && i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			p = &pend[map[i]];
			s = &c->srv[p->srv];
			fromlen = sizeof(from);
			memset(&from, 0, sizeof(from));
			r = recvfrom(p->fd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &fromlen);
			if (r < 0) {
				/* An ICMP error (ECONNREFUSED...) is no
				 * answer and can be forged as easily as a
				 * reply: note it and keep waiting. */
				if (errno != EINTR && errno != EAGAIN &&
				    errno != EWOULDBLOCK)
					trace(c, "from %s: %s", s->label,
					    strerror(errno));
				continue;
			}
			if (!same_peer(&from, &s->sa)) {
				if (c->trace != NULL) {
					who = peer_text(&from);
					trace(c, "dropped a reply from %s: not "
					    "the server asked (%s)", who,
					    s->label);
					free(who);
				}
				continue;
			}
			switch (reply_check(buf, (size_t)r, p->id, qname, t,
			    false, &got)) {
			case DNS_REPLY_DROP:
				trace(c, "dropped a reply from %s: ID, "
				    "question or format does not match",
				    s->label);
				continue;
			case DNS_REPLY_TRUNCATED:
				trace(c, "truncated reply from %s: asking "
				    "again over TCP", s->label);
				pending_close(p);
				if (!tcp_exchange(c, s, qname, t, slot_end,
				    &got))
					continue;
				break;
			case DNS_REPLY_ANSWER:
				pending_close(p);
				break;
			}
			if (got.status == DNS_SERVFAIL) {
				/* An error RCODE: this server is done;
				 * the next one may know better. */
				if (c->nsrv > 1)
					trace(c, "SERVFAIL or other error "
					    "from %s", s->label);
				res->errored = true;
				continue;
			}
			*a = got;
			res->answered = true;
			return;
		}
	}
}

/*
 * The query on the network.  Per-query deadline (DESIGN.md): send +
 * --dns-timeout, or the end of the message's DNS budget if that comes
 * first, bounds everything: every server, UDP, TCP fallback, every read.
 * Servers are asked in order; server I of N gets an equal share of what
 * is left (the last one all of it) before the next one is asked too, and
 * earlier servers' queries stay open until the deadline, so a late but
 * genuine answer from the first server is still taken.  An error RCODE
 * moves to the next server at once.
 */
static void
net_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
    struct dns_answer *a, struct net_result *res)
{
	struct pending pend[DNS_MAX_SERVERS];
	double start, deadline, slot_end;
	size_t i, np = 0, nsrv;

	memset(res, 0, sizeof(*res));
	if (c->nsrv == 0) {
		trace(c, "no nameserver to ask");
		a->status = DNS_ERROR;
		return;
	}
	start = monotonic();
	if (c->budget_end == 0)
		c->budget_end = start + c->budget;    /* lazily, per context */
	if (start >= c->budget_end) {
		trace(c, "DNS budget of %g seconds spent: not sent", c->budget);
		a->status = DNS_TIMEOUT;
		res->clipped = true;
		return;
	}
	deadline = start + c->timeout;
	if (deadline > c->budget_end) {
		deadline = c->budget_end;
		res->clipped = true;
	}
	c->sent++;
	nsrv = c->nsrv < DNS_MAX_SERVERS ? c->nsrv : DNS_MAX_SERVERS;
	for (i = 0; i < nsrv && !res->answered; i++) {
		double now = monotonic();

		if (now >= deadline)
			break;
		slot_end = now + (deadline - now) / (double)(nsrv - i);
		if (udp_send(c, i, qname, t, &pend[np]))
			np++;
		wait_replies(c, pend, np, qname, t, slot_end, a, res);
	}
	for (i = 0; i < np; i++)
		pending_close(&pend[i]);
	if (!res->answered)
		a->status = res->errored ? DNS_SERVFAIL : DNS_TIMEOUT;
	/* Clipped matters only when the budget, not the timeout, ended it. */
	if (res->answered || res->errored)
		res->clipped = false;
}

/* ------------------------------------------------------------ queries */

static const struct dns_answer *
lookup(struct dns_ctx *c, const unsigned char *wire, size_t len,
    enum dns_type t, int depth)
{
	struct dns_cent *e;
	ldns_rdf *qname;
	unsigned char key[DNS_WIRE_MAX];
	char *name, *text;
	struct net_result res = {false, false, false};
	size_t i;
	bool fromzone;

	if (len == 0 || len > DNS_WIRE_MAX)
		return &dns_answer_error;
	for (i = 0; i < len; i++)
		key[i] = lower_ascii(wire[i]);
	e = cache_find(c, key, len, t);
	if (e != NULL)
		return &e->ans;

	qname = ldns_dname_new_frm_data((uint16_t)len, wire);
	if (qname == NULL)
		return &dns_answer_error;
	e = xcalloc(1, sizeof(*e));
	e->key = (unsigned char *)xmemdup(key, len);
	e->keylen = len;
	e->type = t;
	e->ans.status = DNS_ERROR;
	name = wire_to_text(wire, len, false);

	fromzone = zone_answer(c, qname, t, &e->ans, depth, &res.clipped);
	if (!fromzone) {
		trace(c, "query %s %s", type_name(t), name);
		net_answer(c, qname, t, &e->ans, &res);
	}
	if (e->ans.status != DNS_OK)
		answer_clear(&e->ans);
	if (c->trace != NULL) {
		text = answer_text(&e->ans, t);
		trace(c, "answer %s %s%s: %s%s", type_name(t), name,
		    fromzone ? " (zone file)" : "", text,
		    res.clipped ? " (DNS budget spent)" : "");
		free(text);
	}
	free(name);
	ldns_rdf_deep_free(qname);
	if (res.clipped) {
		/* The budget, not the name, ran out: the next message
		 * (with a budget of its own) asks again. */
		free(e->key);
		free(e);
		return &dns_answer_timeout;
	}
	cache_add(c, e);
	return &e->ans;
}

const struct dns_answer *
dns_query(struct dns_ctx *c, const char *name, enum dns_type type)
{
	const struct dns_answer *a;
	ldns_rdf *qname = name_rdf(name);

	if (qname == NULL) {
		trace(c, "query %s %s: not a valid domain name, not sent",
		    type_name(type), name != NULL ? name : "(null)");
		return &dns_answer_error;
	}
	a = lookup(c, ldns_rdf_data(qname), ldns_rdf_size(qname), type, 0);
	ldns_rdf_deep_free(qname);
	return a;
}

const struct dns_answer *
dns_query_ptr(struct dns_ctx *c, const unsigned char *addr, size_t addrlen)
{
	const struct dns_answer *a;
	ldns_rdf *ip, *rev;

	if (addr == NULL || (addrlen != 4 && addrlen != 16))
		return &dns_answer_error;
	/* RFC 1035 3.5 (in-addr.arpa) and RFC 3596 2.5 (ip6.arpa:
	 * nibbles, least significant first) */
	ip = ldns_rdf_new_frm_data(addrlen == 4 ? LDNS_RDF_TYPE_A :
	    LDNS_RDF_TYPE_AAAA, addrlen, addr);
	rev = ip != NULL ? ldns_rdf_address_reverse(ip) : NULL;
	ldns_rdf_deep_free(ip);
	if (rev == NULL)
		return &dns_answer_error;
	a = lookup(c, ldns_rdf_data(rev), ldns_rdf_size(rev), DNS_T_PTR, 0);
	ldns_rdf_deep_free(rev);
	return a;
}
