/*
 * dns: DNS lookups through ldns, the only file that includes it (dns.h).
 *
 * One ldns_resolver per nameserver group: the resolv.conf servers share one
 * (they all use port 53), and every --nameserver gets its own, because an
 * ldns resolver has a single port for all of its servers.  Servers are
 * asked in order; the next one is tried only when one does not answer, or
 * answers with an error RCODE.  Names are sent as given (absolute, never
 * through the search list).  Every answer, including the negative ones and
 * timeouts, is cached in the context, keyed by the lower-cased wire name
 * and the type.
 */
#include "config.h"

#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* CNAME chain length we follow (in an answer, or through zone-file data)
 * before calling it a loop; RFC 1034 3.6.2 forbids loops but does not bound
 * chains; 16 is far more than any real chain. */
#define DNS_CNAME_MAX 16

/* RFC 3596 2.5: an ip6.arpa name is 32 one-nibble labels and "ip6.arpa",
 * 72 octets of text; in-addr.arpa names (RFC 1035 3.5) are shorter. */
#define DNS_PTR_NAME_MAX 80

struct dns_server {
	ldns_resolver *res;
	char *label;            /* "ADDR@PORT" or "resolv.conf", for traces */
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
	struct timeval timeout;

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

/* ------------------------------------------------------------ names */

/*
 * Presentation-form NAME (optional trailing dot; "\X" and "\DDD" escapes as
 * RFC 1035 5.1 describes) to wire form.  Returns the wire length, or 0 when
 * the name is not a valid domain name: empty, an empty label, a label over
 * 63 octets or a name over 255 wire octets (RFC 1035 2.3.4).
 */
static size_t
name_to_wire(const char *name, unsigned char wire[DNS_WIRE_MAX])
{
	const unsigned char *p = (const unsigned char *)name;
	size_t w, lenpos, lab;
	unsigned v;
	int ch;

	if (*p == '\0')
		return 0;
	lenpos = 0;
	w = 1;
	lab = 0;
	while (*p != '\0') {
		if (*p == '.') {
			if (lab == 0)
				return 0;       /* empty label (or ".") */
			wire[lenpos] = (unsigned char)lab;
			p++;
			if (*p == '\0')
				break;          /* the trailing dot */
			if (w >= DNS_WIRE_MAX - 1)
				return 0;
			lenpos = w++;
			lab = 0;
			continue;
		}
		if (*p == '\\') {
			if (p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
			    p[2] <= '9' && p[3] >= '0' && p[3] <= '9') {
				v = (p[1] - '0') * 100 + (p[2] - '0') * 10 +
				    (p[3] - '0');
				if (v > 255)
					return 0;
				ch = (int)v;
				p += 4;
			} else if (p[1] != '\0') {
				ch = p[1];
				p += 2;
			} else
				return 0;
		} else
			ch = *p++;
		if (lab == DNS_LABEL_MAX || w >= DNS_WIRE_MAX - 1)
			return 0;
		wire[w++] = (unsigned char)ch;
		lab++;
	}
	if (lab == 0)
		return 0;
	wire[lenpos] = (unsigned char)lab;
	wire[w++] = 0;                  /* the root label */
	return w;
}

/*
 * Wire-form name (uncompressed, as ldns keeps it) to presentation form
 * without the trailing dot: "" for the root.  '.' and '\' inside a label
 * and control octets are escaped (RFC 1035 5.1) so the text parses back
 * to the same name; other octets are kept as they are.
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
resolver_setup(ldns_resolver *r, struct timeval tv)
{
	ldns_resolver_set_recursive(r, true);   /* RD: we are a stub */
	ldns_resolver_set_dnsrch(r, false);     /* never the search list */
	ldns_resolver_set_defnames(r, false);
	ldns_resolver_set_retry(r, 1);          /* one try per server... */
	ldns_resolver_set_retrans(r, 0);        /* ...and no sleep between */
	ldns_resolver_set_fallback(r, true);    /* TC=1: ask again over TCP */
	ldns_resolver_set_igntc(r, false);
	ldns_resolver_set_usevc(r, false);
	ldns_resolver_set_random(r, false);     /* servers in the given order */
	ldns_resolver_set_fail(r, false);
	ldns_resolver_set_dnssec(r, false);
	ldns_resolver_set_edns_udp_size(r, DNS_EDNS_SIZE);
	ldns_resolver_set_timeout(r, tv);
}

static void
servers_free(struct dns_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nsrv; i++) {
		ldns_resolver_deep_free(c->srv[i].res);
		free(c->srv[i].label);
	}
	free(c->srv);
	c->srv = NULL;
	c->nsrv = 0;
}

static void
server_push(struct dns_ctx *c, ldns_resolver *r, const char *label)
{
	c->srv = xreallocarray(c->srv, c->nsrv + 1, sizeof(*c->srv));
	c->srv[c->nsrv].res = r;
	c->srv[c->nsrv].label = xstrdup(label);
	c->nsrv++;
}

struct dns_ctx *
dns_new(char **err)
{
	struct dns_ctx *c;
	ldns_resolver *r = NULL;

	if (ldns_resolver_new_frm_file(&r, NULL) != LDNS_STATUS_OK) {
		/* No usable resolv.conf: --nameserver can still be given. */
		r = ldns_resolver_new();
		if (r == NULL) {
			if (err != NULL)
				*err = xstrdup("cannot create a DNS resolver");
			return NULL;
		}
	}
	c = xcalloc(1, sizeof(*c));
	c->timeout.tv_sec = (time_t)DNS_DEFAULT_TIMEOUT;
	c->timeout.tv_usec = 0;
	resolver_setup(r, c->timeout);
	server_push(c, r, "resolv.conf");
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
	char text[INET6_ADDRSTRLEN];
	size_t binlen;
	unsigned port;
	ldns_rdf *rdf;
	ldns_resolver *r;
	char *label;

	if (dns_parse_nameserver(spec, bin, &binlen, &port) < 0) {
		if (err != NULL)
			*err = xasprintf("bad nameserver \"%s\": want ADDR or "
			    "ADDR@PORT (IPv4 or IPv6)", spec);
		return -1;
	}
	rdf = ldns_rdf_new_frm_data(binlen == 4 ? LDNS_RDF_TYPE_A :
	    LDNS_RDF_TYPE_AAAA, binlen, bin);
	r = ldns_resolver_new();
	if (rdf == NULL || r == NULL ||
	    ldns_resolver_push_nameserver(r, rdf) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(rdf);
		ldns_resolver_deep_free(r);
		if (err != NULL)
			*err = xstrdup("out of memory");
		return -1;
	}
	ldns_rdf_deep_free(rdf);        /* the resolver keeps a copy */
	ldns_resolver_set_port(r, (uint16_t)port);
	resolver_setup(r, c->timeout);
	if (!c->user_servers) {
		servers_free(c);        /* the first one replaces resolv.conf */
		c->user_servers = true;
	}
	inet_ntop(binlen == 4 ? AF_INET : AF_INET6, bin, text, sizeof text);
	label = xasprintf("%s@%u", text, port);
	server_push(c, r, label);
	free(label);
	return 0;
}

void
dns_set_timeout(struct dns_ctx *c, double seconds)
{
	size_t i;

	if (!(seconds > 0))
		return;
	if (seconds > 86400)
		seconds = 86400;
	c->timeout.tv_sec = (time_t)seconds;
	c->timeout.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) *
	    1e6);
	if (c->timeout.tv_sec == 0 && c->timeout.tv_usec == 0)
		c->timeout.tv_usec = 1;
	for (i = 0; i < c->nsrv; i++)
		ldns_resolver_set_timeout(c->srv[i].res, c->timeout);
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
	while (!feof(fp)) {
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
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(fp);
	return ret;
}

static const struct dns_answer *lookup(struct dns_ctx *c,
    const unsigned char *wire, size_t len, enum dns_type t, int depth);

/* Wire name N equals P or lies below it (case-insensitive, RFC 4343). */
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

/* Answer QNAME from the zone files; false when they do not cover it. */
static bool
zone_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
    struct dns_answer *a, int depth)
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
		}
	}
	return true;
}

/* ------------------------------------------------------------ network */

static bool
question_matches(const ldns_pkt *pkt, const ldns_rdf *qname, enum dns_type t)
{
	const ldns_rr_list *q = ldns_pkt_question(pkt);
	const ldns_rr *rr;

	if (q == NULL || ldns_rr_list_rr_count(q) == 0)
		return true;    /* some error answers carry no question */
	rr = ldns_rr_list_rr(q, 0);
	return ldns_rr_get_type(rr) == (ldns_rr_type)t &&
	    ldns_dname_compare(ldns_rr_owner(rr), qname) == 0;
}

static void
net_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
    struct dns_answer *a)
{
	ldns_pkt *pkt;
	ldns_status st;
	ldns_pkt_rcode rc;
	bool errored = false;
	size_t i, k;

	if (c->nsrv == 0 ||
	    (c->nsrv == 1 && ldns_resolver_nameserver_count(c->srv[0].res) ==
	    0)) {
		trace(c, "no nameserver to ask");
		a->status = DNS_ERROR;
		return;
	}
	c->sent++;
	for (i = 0; i < c->nsrv; i++) {
		ldns_resolver *r = c->srv[i].res;

		/* ldns marks a server that did not answer as unreachable
		 * for good; each query deserves a fresh try. */
		for (k = 0; k < ldns_resolver_nameserver_count(r); k++)
			ldns_resolver_set_nameserver_rtt(r, k,
			    LDNS_RESOLV_RTT_MIN);
		pkt = NULL;
		st = ldns_resolver_send(&pkt, r, qname, (ldns_rr_type)t,
		    LDNS_RR_CLASS_IN, LDNS_RD);
		if (st != LDNS_STATUS_OK || pkt == NULL) {
			if (st != LDNS_STATUS_NETWORK_ERR &&
			    st != LDNS_STATUS_RES_NO_NS) {
				/* An answer came but could not be parsed. */
				errored = true;
			}
			if (c->nsrv > 1)
				trace(c, "no usable answer from %s: %s",
				    c->srv[i].label,
				    ldns_get_errorstr_by_id(st));
			ldns_pkt_free(pkt);
			continue;
		}
		rc = ldns_pkt_get_rcode(pkt);
		if (!question_matches(pkt, qname, t)) {
			errored = true;
		} else if (rc == LDNS_RCODE_NOERROR) {
			collect(a, ldns_pkt_answer(pkt), qname, t, NULL);
			ldns_pkt_free(pkt);
			return;
		} else if (rc == LDNS_RCODE_NXDOMAIN) {
			a->status = DNS_NXDOMAIN;
			ldns_pkt_free(pkt);
			return;
		} else
			errored = true; /* SERVFAIL, REFUSED, ...: next server */
		ldns_pkt_free(pkt);
	}
	a->status = errored ? DNS_SERVFAIL : DNS_TIMEOUT;
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

	fromzone = zone_answer(c, qname, t, &e->ans, depth);
	if (!fromzone) {
		trace(c, "query %s %s", type_name(t), name);
		net_answer(c, qname, t, &e->ans);
	}
	if (e->ans.status != DNS_OK)
		answer_clear(&e->ans);
	if (c->trace != NULL) {
		text = answer_text(&e->ans, t);
		trace(c, "answer %s %s%s: %s", type_name(t), name,
		    fromzone ? " (zone file)" : "", text);
		free(text);
	}
	free(name);
	ldns_rdf_deep_free(qname);
	cache_add(c, e);
	return &e->ans;
}

const struct dns_answer *
dns_query(struct dns_ctx *c, const char *name, enum dns_type type)
{
	unsigned char wire[DNS_WIRE_MAX];
	size_t len;

	if (name == NULL || (len = name_to_wire(name, wire)) == 0) {
		trace(c, "query %s %s: not a valid domain name, not sent",
		    type_name(type), name != NULL ? name : "(null)");
		return &dns_answer_error;
	}
	return lookup(c, wire, len, type, 0);
}

const struct dns_answer *
dns_query_ptr(struct dns_ctx *c, const unsigned char *addr, size_t addrlen)
{
	static const char hex[] = "0123456789abcdef";
	char name[DNS_PTR_NAME_MAX];
	size_t i, o = 0;

	if (addr == NULL)
		return &dns_answer_error;
	if (addrlen == 4) {
		/* RFC 1035 3.5 */
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa",
		    addr[3], addr[2], addr[1], addr[0]);
	} else if (addrlen == 16) {
		/* RFC 3596 2.5: nibbles, least significant first */
		for (i = 16; i-- > 0;) {
			name[o++] = hex[addr[i] & 0xf];
			name[o++] = '.';
			name[o++] = hex[addr[i] >> 4];
			name[o++] = '.';
		}
		memcpy(name + o, "ip6.arpa", sizeof("ip6.arpa"));
	} else
		return &dns_answer_error;
	return dns_query(c, name, DNS_T_PTR);
}
