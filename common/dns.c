/*
 * dns: DNS lookups (dns.h); with dns_zone.c and dns_net.c (dns_int.h) the
 * only files that include ldns.  This file: the context, the cache, ldns
 * RRs into answers, and the queries.
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

#include "common/dns_int.h"

/* Answer for names that cannot be sent; shared, never freed. */
static const struct dns_answer dns_answer_error = {DNS_ERROR, 0, NULL};
/* Answer once the budget is spent (not cached); shared, never freed. */
const struct dns_answer dns_answer_timeout = {DNS_TIMEOUT, 0, NULL};

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

void
dns_trace(struct dns_ctx *c, const char *fmt, ...)
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

double
dns_monotonic(void)
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
ldns_rdf *
dns_name_rdf(const char *name)
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
				ch = dns_lower_ascii(ch);
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

/* What one RR owns (util_array_free's elem_clear). */
static void
rr_clear(void *p)
{
	free(((struct dns_rr *)p)->data);
}

void
dns_answer_clear(struct dns_answer *a)
{
	util_array_free(a->rr, a->n, sizeof(*a->rr), rr_clear);
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
	out->ttl = ldns_rr_ttl(rr);
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
void
dns_collect(struct dns_answer *a, const ldns_rr_list *list,
    const ldns_rdf *qname, enum dns_type t, const ldns_rdf **last)
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

void
dns_answer_copy(struct dns_answer *to, const struct dns_answer *from)
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
	/* The lowest TTL of the set (RFC 2181 5.2 wants them equal). */
	for (i = 0, k = 0; i < a->n; i++)
		if (i == 0 || a->rr[i].ttl < a->rr[k].ttl)
			k = i;
	buf_printf(&b, "NOERROR %zu record%s, TTL %lu:", a->n,
	    a->n == 1 ? "" : "s", a->n > 0 ? (unsigned long)a->rr[k].ttl : 0UL);
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
server_clear(void *p)
{
	free(((struct dns_server *)p)->label);
}

static void
servers_free(struct dns_ctx *c)
{
	util_array_free(c->srv, c->nsrv, sizeof(*c->srv), server_clear);
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
			dns_answer_clear(&e->ans);
			free(e->key);
			free(e);
		}
	free(c->tab);
	dns_zone_index_free(c);
	ldns_rr_list_deep_free(c->zone);
	for (i = 0; i < c->norigins; i++)
		ldns_rdf_deep_free(c->origins[i]);
	free(c->origins);
	free(c);
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

/* The longest timeout or budget kept: a day (a larger value is a typo,
 * and the arithmetic on monotonic times stays well inside a double). */
#define DNS_SECONDS_MAX 86400

/* *out = seconds, at most DNS_SECONDS_MAX; not positive (or NaN): kept. */
static void
set_seconds(double *out, double seconds)
{
	if (seconds > 0)
		*out = seconds > DNS_SECONDS_MAX ? DNS_SECONDS_MAX : seconds;
}

void
dns_set_timeout(struct dns_ctx *c, double seconds)
{
	set_seconds(&c->timeout, seconds);
}

void
dns_set_budget(struct dns_ctx *c, double seconds)
{
	set_seconds(&c->budget, seconds);
}

void
dns_budget_start(struct dns_ctx *c)
{
	c->budget_end = dns_monotonic() + c->budget;
}

bool
dns_budget_spent(const struct dns_ctx *c)
{
	return c->budget_end != 0 && dns_monotonic() >= c->budget_end;
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

/* ------------------------------------------------------------ queries */

const struct dns_answer *
dns_lookup(struct dns_ctx *c, const unsigned char *wire, size_t len,
    enum dns_type t, int depth)
{
	struct dns_cent *e;
	ldns_rdf *qname;
	unsigned char key[DNS_WIRE_MAX];
	char *name, *text;
	struct dns_net_result res = {false, false, false};
	size_t i;
	bool fromzone;

	if (len == 0 || len > DNS_WIRE_MAX)
		return &dns_answer_error;
	for (i = 0; i < len; i++)
		key[i] = dns_lower_ascii(wire[i]);
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

	fromzone = dns_zone_answer(c, qname, t, &e->ans, depth, &res.clipped);
	if (!fromzone) {
		dns_trace(c, "query %s %s", type_name(t), name);
		dns_net_answer(c, qname, t, &e->ans, &res);
	}
	if (e->ans.status != DNS_OK)
		dns_answer_clear(&e->ans);
	if (c->trace != NULL) {
		text = answer_text(&e->ans, t);
		dns_trace(c, "answer %s %s%s: %s%s", type_name(t), name,
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
	ldns_rdf *qname = dns_name_rdf(name);

	if (qname == NULL) {
		dns_trace(c, "query %s %s: not a valid domain name, not sent",
		    type_name(type), name != NULL ? name : "(null)");
		return &dns_answer_error;
	}
	a = dns_lookup(c, ldns_rdf_data(qname), ldns_rdf_size(qname), type, 0);
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
	a = dns_lookup(c, ldns_rdf_data(rev), ldns_rdf_size(rev), DNS_T_PTR, 0);
	ldns_rdf_deep_free(rev);
	return a;
}

