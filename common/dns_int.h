/*
 * dns_int: what dns.c, dns_zone.c and dns_net.c share; internal to the dns
 * module (the only files that include ldns), never included elsewhere.
 *
 *   dns.c       the context, the cache, answers from ldns RRs and the
 *               public query API (dns.h)
 *   dns_zone.c  --dns-zone files: loading them and answering from them
 *   dns_net.c   the network: sockets, reply matching (RFC 5452),
 *               deadlines and the per-message budget
 *
 * Ownership is as dns.h states; every function here follows it.
 */
#ifndef COMMON_DNS_INT_H
#define COMMON_DNS_INT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

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
	struct dns_zone_index *zindex; /* dns_zone.c: built on first use */

	void (*trace)(void *, const char *);
	void *trace_arg;
	unsigned long sent;
};

/* Answer once the budget is spent (not cached); shared, never freed. */
extern const struct dns_answer dns_answer_timeout;

/* The outcome of one query on the network. */
struct dns_net_result {
	bool answered;  /* *a holds a matched answer */
	bool errored;   /* some server answered with an error RCODE */
	bool clipped;   /* the budget, not --dns-timeout, ended the wait */
};

/* RFC 4343: DNS names compare case-insensitively, ASCII only. */
static inline unsigned char
dns_lower_ascii(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* dns.c */
void dns_trace(struct dns_ctx *c, const char *fmt, ...) UTIL_PRINTF(2, 3);
double dns_monotonic(void);
ldns_rdf *dns_name_rdf(const char *name);
void dns_collect(struct dns_answer *a, const ldns_rr_list *list,
    const ldns_rdf *qname, enum dns_type t, const ldns_rdf **last);
void dns_answer_copy(struct dns_answer *to, const struct dns_answer *from);
const struct dns_answer *dns_lookup(struct dns_ctx *c,
    const unsigned char *wire, size_t len, enum dns_type t, int depth);

/* dns_zone.c: answer QNAME from the zone files; false when they do not
 * cover it.  *clipped: a CNAME target asked on the network hit the
 * budget. */
bool dns_zone_answer(struct dns_ctx *c, const ldns_rdf *qname,
    enum dns_type t, struct dns_answer *a, int depth, bool *clipped);

/* dns_zone.c: free the index of the zone files (dns_free()). */
void dns_zone_index_free(struct dns_ctx *c);

/* dns_net.c: the query on the network (the rule is above its definition). */
void dns_net_answer(struct dns_ctx *c, const ldns_rdf *qname,
    enum dns_type t, struct dns_answer *a, struct dns_net_result *res);

#endif
