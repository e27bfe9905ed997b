/*
 * iprev: the "iprev" check of RFC 8601 section 3 (method registered in
 * 2.7.3): does a PTR name of the client address lead back to it through
 * its A or AAAA records?  The forward-confirmed reverse DNS of RFC 8601
 * and RFC 1912 2.1.
 *
 * Results are values (RFC 8601 2.7.3 words): pass (a name leads back),
 * fail (no PTR name, or none leads back), temperror (a DNS error that may
 * clear), permerror (the address is not usable).  Nothing here prints.
 * DNS goes through common/dns.h (cached: SPF's ptr mechanism and %{p}
 * ask the same names).
 *
 * Ownership: strings in struct iprev_result are malloc'd and freed by
 * iprev_result_free().
 */
#ifndef COMMON_IPREV_H
#define COMMON_IPREV_H

#include "common/dns.h"
#include "common/result.h"

/* PTR names followed.  RFC 8601 sets no limit; RFC 7208 4.6.4 bounds the
 * same walk (the ptr mechanism) at 10 names, and so do we. */
#define IPREV_MAX_NAMES 10

struct iprev_result {
	enum res result;
	char *ip;     /* the address as checked (IPv4-mapped as IPv4) */
	char *name;   /* the PTR name that led back, or NULL */
	char *reason; /* why not pass, or NULL */
};

/* Check ip (IPv4 or IPv6 text).  Always fills *out. */
void iprev_check(struct dns_ctx *dns, const char *ip, struct iprev_result *out);
void iprev_result_free(struct iprev_result *r); /* fields only; NULL ok */

#endif
