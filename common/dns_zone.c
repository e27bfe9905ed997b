/*
 * dns_zone: names a --dns-zone file gives are answered from the files
 * only (the rule is in dns.h); ldns reads the files (RFC 1035 5).
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
				if (dns_lower_ascii(n[off + i]) !=
				    dns_lower_ascii(p[i]))
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
bool
dns_zone_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
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
	dns_collect(a, c->zone, qname, t, &last);
	if (a->status == DNS_NODATA && last != NULL &&
	    ldns_dname_compare(last, qname) != 0 &&
	    zone_find(c, last) != ZONE_PRESENT) {
		/* A CNAME in the file pointing elsewhere: look the target
		 * up as any other name (zone files, then DNS). */
		if (depth >= DNS_CNAME_MAX)
			a->status = DNS_SERVFAIL;
		else {
			far = dns_lookup(c, ldns_rdf_data(last),
			    ldns_rdf_size(last), t, depth + 1);
			dns_answer_copy(a, far);
			*clipped = far == &dns_answer_timeout;
		}
	}
	return true;
}

