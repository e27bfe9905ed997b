/*
 * dns: the only module that includes ldns.  Queries for absolute names
 * (never the resolver's search list), with answers kept apart as RFC 7208
 * and RFC 6376 need them: NXDOMAIN, NODATA, SERVFAIL (and other error
 * rcodes) and timeout are distinct statuses.  TCP fallback on truncated UDP
 * answers.  Every answer is cached in the dns_ctx for its lifetime (one
 * process, or one batch of messages), so a name is asked once.
 *
 * Integrity (RFC 5452): a reply is used only when its source address and
 * port, its ID (random, from the kernel), QR=1 and its question (name,
 * type, class IN) match the query sent; anything else is dropped, never
 * cached, and the wait goes on until the query's deadline.
 *
 * Time: each query has one deadline, --dns-timeout after it is sent,
 * covering every server, UDP, the TCP fallback and every partial read.
 * All queries of a message share a budget (dns_set_budget, default
 * DNS_DEFAULT_BUDGET seconds): a query never waits past its end, and once
 * it is spent every query is DNS_TIMEOUT without being sent.  The budget
 * starts with dns_budget_start(), or at the first network query of a
 * context where it was never started; programs that handle several
 * messages with one context call dns_budget_start() per message.
 *
 * Names given in a zone file (--dns-zone) are answered from that file only
 * and never from the network; other names go to the nameservers.
 *
 * Ownership: struct dns_ctx owns every struct dns_answer it returns; they
 * stay valid until dns_free().  Callers never free an answer (except one
 * dns_reply_match() filled: dns_answer_clear()).
 *
 * Errors (the convention of common/): set-up functions return 0 or -1
 * (dns_new: the context or NULL) with *err set to a message the caller
 * frees; dns_parse_nameserver() is a check, -1 when the text is no
 * address.  What DNS answers, failures included (NXDOMAIN, SERVFAIL,
 * timeout), is a value, the answer's status, never an error.
 */
#ifndef COMMON_DNS_H
#define COMMON_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default per-query timeout in seconds (DESIGN.md: --dns-timeout default 5). */
#define DNS_DEFAULT_TIMEOUT 5.0

/* Default per-message DNS budget in seconds (--dns-budget).  RFC 7208
 * 4.6.4 asks SPF verifiers to allow "at least 20 seconds" for a whole
 * check; the same bound serves a DKIM verification (8 signatures times
 * several servers times --dns-timeout would otherwise be minutes). */
#define DNS_DEFAULT_BUDGET 20.0

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
	uint32_t ttl; /* as received (RFC 2181 5.2: one TTL per RRset) */
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

/* Per-query timeout in seconds (> 0; fractions allowed): from sending to
 * the last byte of the answer, every server of the query included.
 * Servers are asked in order: with N servers, the first gets 1/N of the
 * time, the second half of what is left, and so on, the last all the rest;
 * a server that answers with an error RCODE passes on at once, and the
 * queries already sent stay open (a late answer from the first server is
 * still taken) until the deadline.  A TCP fallback (after TC=1) lasts at
 * most until the next server's turn.  At most 8 servers are asked. */
void dns_set_timeout(struct dns_ctx *c, double seconds);

/* Per-message DNS budget in seconds (> 0; default DNS_DEFAULT_BUDGET).
 * dns_budget_start() starts it now (call it per message); without it, it
 * starts at the context's first network query.  dns_budget_spent() is
 * true once it started and ended (queries now give DNS_TIMEOUT unsent);
 * dns_budget() is its length.  Zone-file and cached answers are free. */
void dns_set_budget(struct dns_ctx *c, double seconds);
void dns_budget_start(struct dns_ctx *c);
bool dns_budget_spent(const struct dns_ctx *c);
double dns_budget(const struct dns_ctx *c);

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
 * name > 253 octets, an escape RFC 1035 5.1 does not allow: ldns reads
 * the name) gives DNS_ERROR without sending anything.  Cached. */
const struct dns_answer *dns_query(struct dns_ctx *c, const char *name,
    enum dns_type type);

/* PTR lookup for an address (4 or 16 bytes): builds the in-addr.arpa or
 * ip6.arpa name and queries it.  Never NULL.  Cached. */
const struct dns_answer *dns_query_ptr(struct dns_ctx *c,
    const unsigned char *addr, size_t addrlen);

/* The reply check, raw bytes in (for unit tests and the fuzz harness; the
 * network code uses the same check): is PKT (LEN octets) a reply to the
 * query with ID, NAME (presentation form, as dns_query takes it) and TYPE,
 * class IN?  DNS_REPLY_DROP: not a reply to it (short, other ID, QR=0,
 * opcode not QUERY, not exactly one question, another name, type or
 * class, unparsable).  DNS_REPLY_TRUNCATED: it is, with TC=1 (only when
 * !tcp): ask again over TCP.  DNS_REPLY_ANSWER: it is, and *ans holds its
 * answer (DNS_OK, DNS_NODATA, DNS_NXDOMAIN, or DNS_SERVFAIL for any other
 * RCODE); free its records with dns_answer_clear().  The source address
 * and port are checked by the caller, at the socket. */
enum dns_reply {
	DNS_REPLY_DROP,
	DNS_REPLY_TRUNCATED,
	DNS_REPLY_ANSWER,
};
enum dns_reply dns_reply_match(const unsigned char *pkt, size_t len,
    unsigned id, const char *name, enum dns_type type, bool tcp,
    struct dns_answer *ans);
void dns_answer_clear(struct dns_answer *ans);

/* "NOERROR", "NODATA", "NXDOMAIN", "SERVFAIL", "timeout", "error" */
const char *dns_status_name(enum dns_status st);

/* How many queries were actually sent to a server (cache misses that went
 * to the network); for tests that check caching. */
unsigned long dns_queries_sent(const struct dns_ctx *c);

#endif
