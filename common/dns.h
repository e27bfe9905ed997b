/*
 * dns: the only module that includes ldns.  Queries for absolute names
 * (never the resolver's search list), with answers kept apart as RFC 7208
 * and RFC 6376 need them: NXDOMAIN, NODATA, SERVFAIL (and other error
 * rcodes) and timeout are distinct statuses.  TCP fallback on truncated UDP
 * answers.  Every answer is cached in the dns_ctx for its lifetime (one
 * process, or one batch of messages), so a name is asked once.
 *
 * Names given in a zone file (--dns-zone) are answered from that file only
 * and never from the network; other names go to the nameservers.
 *
 * Ownership: struct dns_ctx owns every struct dns_answer it returns; they
 * stay valid until dns_free().  Callers never free an answer.
 */
#ifndef COMMON_DNS_H
#define COMMON_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default per-query timeout in seconds (DESIGN.md: --dns-timeout default 5). */
#define DNS_DEFAULT_TIMEOUT 5.0

enum dns_type {
	DNS_T_A = 1,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

enum dns_status {
	DNS_OK = 0,    /* NOERROR with at least one record of the type */
	DNS_NODATA,    /* NOERROR, name exists, no record of the type */
	DNS_NXDOMAIN,  /* RCODE 3 */
	DNS_SERVFAIL,  /* RCODE 2, or any other error RCODE, or a CNAME loop */
	DNS_TIMEOUT,   /* no answer from any server within the timeout */
	DNS_ERROR,     /* could not send (no server, bad name, ...) */
};

/* One record of the answer (only records of the asked type, after following
 * CNAMEs inside the answer).
 *  - TXT: data/len = the record's character-strings joined with nothing
 *    between them (RFC 7208 3.3, RFC 6376 3.6.2.2); may hold any bytes
 *    including NUL; data is also NUL-terminated for convenience.
 *    nstrings = how many character-strings the RR had (0 is possible).
 *  - MX: pref, and data = exchange name in presentation form, lower case,
 *    without the trailing dot ("" for the root, a null MX).
 *  - PTR: data = target name, presentation form, no trailing dot.
 *  - A / AAAA: addr[0..3] or addr[0..15] in network order; data = text form.
 */
struct dns_rr {
	char *data;
	size_t len;
	unsigned nstrings;
	unsigned pref;
	unsigned char addr[16];
};

struct dns_answer {
	enum dns_status status;
	size_t n;           /* number of records (0 unless DNS_OK) */
	struct dns_rr *rr;
};

struct dns_ctx;

/* New context using /etc/resolv.conf nameservers (unless dns_add_nameserver
 * is called before the first query).  Returns NULL and sets *err (owned by
 * caller) only when no resolver can be made at all. */
struct dns_ctx *dns_new(char **err);
void dns_free(struct dns_ctx *c); /* NULL is a no-op */

/* "ADDR" or "ADDR@PORT", IPv4 or IPv6 (e.g. "127.0.0.1@5353", "::1@53").
 * The first call replaces the resolv.conf servers; later calls add more.
 * Returns 0, or -1 with *err set (owned by caller) for a bad address. */
int dns_add_nameserver(struct dns_ctx *c, const char *spec, char **err);

/* Parse a nameserver spec as dns_add_nameserver() does, without a
 * context: addr gets 4 or 16 bytes (*addrlen), *port 53 unless given.
 * Returns 0, or -1 when spec is not ADDR, ADDR@PORT or [ADDR]@PORT.  Used
 * to reject a bad --nameserver as a usage error before any work. */
int dns_parse_nameserver(const char *spec, unsigned char addr[16],
    size_t *addrlen, unsigned *port);

/* Per-query timeout in seconds (> 0; fractions allowed). */
void dns_set_timeout(struct dns_ctx *c, double seconds);

/* Load an RFC 1035 master file (ldns's parser: $ORIGIN, $TTL, parentheses,
 * several strings per TXT; not $INCLUDE).  Relative names in the file are
 * relative to $ORIGIN, or to the root when it has none.  The files then
 * answer, and the network is never asked, for every name that equals or
 * lies below (a) an owner name in a file, (b) a $ORIGIN of a file, or
 * (c) an underscore label above an owner name (RFC 8552 attribute leaves:
 * with "sel._domainkey.example.com" in a file, everything at or below
 * "_domainkey.example.com" is the file's).  Such a name gets: its records
 * of the type (CNAMEs in the file followed); NODATA for an owner name
 * without that type, or for a name with owner names below it (RFC 8020);
 * NXDOMAIN otherwise.  Other names (e.g. "example.com" when the file only
 * has "sel._domainkey.example.com" and no $ORIGIN) go to the nameservers.
 * May be called more than once.  Returns 0, or -1 with *err set
 * ("FILE:LINE: reason"). */
int dns_load_zone(struct dns_ctx *c, const char *path, char **err);

/* Optional trace: called with one line of text for each query sent and
 * each answer (for spfquery --trace and -v).  fn(NULL) disables. */
void dns_set_trace(struct dns_ctx *c, void (*fn)(void *arg, const char *line),
    void *arg);

/* Query name (absolute; a trailing dot is optional) for type.  Never NULL.
 * A name that is not a valid domain name (empty label, label > 63 octets,
 * name > 253 octets) gives DNS_ERROR without sending anything.  Cached. */
const struct dns_answer *dns_query(struct dns_ctx *c, const char *name,
    enum dns_type type);

/* PTR lookup for an address (4 or 16 bytes): builds the in-addr.arpa or
 * ip6.arpa name and queries it.  Never NULL.  Cached. */
const struct dns_answer *dns_query_ptr(struct dns_ctx *c,
    const unsigned char *addr, size_t addrlen);

/* "NOERROR", "NODATA", "NXDOMAIN", "SERVFAIL", "timeout", "error" */
const char *dns_status_name(enum dns_status st);

/* How many queries were actually sent to a server (cache misses that went
 * to the network); for tests that check caching. */
unsigned long dns_queries_sent(const struct dns_ctx *c);

#endif
