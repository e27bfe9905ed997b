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

	dns_zone_index_free(c); /* rebuilt with this file's records */
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

/*
 * The index of the zone files, built on the first lookup after they are
 * loaded, so that a lookup costs a few binary searches instead of a scan
 * of every record (a batch of messages looks up a key per message).  One
 * sorted array of wire names, each compared case-insensitively (RFC 4343),
 * with what the name is to the files:
 *   ZN_OWNER  an owner name; rrs lists its records (indexes into
 *             c->zone, in file order)
 *   ZN_COVER  an $ORIGIN, or an underscore label above an owner name with
 *             what is above it (RFC 8552 attribute leaves such as
 *             _domainkey): the files speak for every name at or below it
 *   ZN_ABOVE  a proper ancestor of an owner name: it exists (RFC 8020)
 * The names point into the records' and origins' own wire data.
 */
enum {
	ZN_OWNER = 1,
	ZN_COVER = 2,
	ZN_ABOVE = 4,
};

struct zone_name {
	const unsigned char *wire;
	size_t len;
	unsigned flags;
	size_t *rrs;
	size_t nrrs;
};

struct dns_zone_index {
	struct zone_name *v;
	size_t n;
};

/* Wire names ordered by length, then bytes after ASCII lower-casing
 * (label length bytes are below 64, so lower-casing leaves them). */
static int
wire_cmp(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	size_t i;
	unsigned char x, y;

	if (alen != blen)
		return alen < blen ? -1 : 1;
	for (i = 0; i < alen; i++) {
		x = dns_lower_ascii(a[i]);
		y = dns_lower_ascii(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* While building: one (name, flag, record) fact. */
struct zone_fact {
	const unsigned char *wire;
	size_t len;
	unsigned flag;
	size_t rr; /* ZN_OWNER: the record's index */
};

static int
fact_cmp(const void *x, const void *y)
{
	const struct zone_fact *a = x, *b = y;
	int c = wire_cmp(a->wire, a->len, b->wire, b->len);

	if (c != 0)
		return c;
	return a->rr < b->rr ? -1 : a->rr > b->rr;
}

static void
add_fact(struct zone_fact **f, size_t *n, size_t *cap,
    const unsigned char *wire, size_t len, unsigned flag, size_t rr)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*f = xreallocarray(*f, *cap, sizeof(**f));
	}
	(*f)[*n].wire = wire;
	(*f)[*n].len = len;
	(*f)[*n].flag = flag;
	(*f)[*n].rr = rr;
	(*n)++;
}

void
dns_zone_index_free(struct dns_ctx *c)
{
	size_t i;

	if (c->zindex == NULL)
		return;
	for (i = 0; i < c->zindex->n; i++)
		free(c->zindex->v[i].rrs);
	free(c->zindex->v);
	free(c->zindex);
	c->zindex = NULL;
}

static struct dns_zone_index *
zone_index(struct dns_ctx *c)
{
	struct zone_fact *f = NULL;
	struct zone_name *zn;
	struct dns_zone_index *ix;
	size_t nf = 0, cap = 0, i, j, cnt, olen, off;
	const unsigned char *o;

	if (c->zindex != NULL)
		return c->zindex;
	cnt = ldns_rr_list_rr_count(c->zone);
	for (i = 0; i < cnt; i++) {
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(c->zone,
		    i));

		o = ldns_rdf_data(owner);
		olen = ldns_rdf_size(owner);
		add_fact(&f, &nf, &cap, o, olen, ZN_OWNER, i);
		/* every proper ancestor; underscore labels below the
		 * first one cover what is under them */
		for (off = 0; off < olen && o[off] != 0;) {
			off += (size_t)o[off] + 1;
			if (off >= olen)
				break;
			add_fact(&f, &nf, &cap, o + off, olen - off, ZN_ABOVE,
			    SIZE_MAX);
			if (o[off] != 0 && off + 1 < olen && o[off + 1] == '_')
				add_fact(&f, &nf, &cap, o + off, olen - off,
				    ZN_COVER, SIZE_MAX);
		}
	}
	for (i = 0; i < c->norigins; i++)
		add_fact(&f, &nf, &cap, ldns_rdf_data(c->origins[i]),
		    ldns_rdf_size(c->origins[i]), ZN_COVER, SIZE_MAX);
	if (nf > 0)
		qsort(f, nf, sizeof(*f), fact_cmp);
	ix = xcalloc(1, sizeof(*ix));
	ix->v = xcalloc(nf + 1, sizeof(*ix->v));
	for (i = 0; i < nf; i = j) {
		zn = &ix->v[ix->n++];
		zn->wire = f[i].wire;
		zn->len = f[i].len;
		for (j = i; j < nf && wire_cmp(f[j].wire, f[j].len, zn->wire,
		    zn->len) == 0; j++) {
			zn->flags |= f[j].flag;
			if (f[j].flag == ZN_OWNER) {
				/* sorted by rr: file order */
				zn->rrs = xreallocarray(zn->rrs, zn->nrrs + 1,
				    sizeof(*zn->rrs));
				zn->rrs[zn->nrrs++] = f[j].rr;
			}
		}
	}
	free(f);
	c->zindex = ix;
	return ix;
}

static const struct zone_name *
index_find(const struct dns_zone_index *ix, const unsigned char *n,
    size_t nlen)
{
	size_t lo = 0, hi = ix->n, mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = wire_cmp(n, nlen, ix->v[mid].wire, ix->v[mid].len);
		if (cmp == 0)
			return &ix->v[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
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
 * NXDOMAIN rather than a network query).  One lookup per label of NAME.
 */
static enum zone_hit
zone_find(struct dns_ctx *c, const ldns_rdf *name)
{
	const struct dns_zone_index *ix = zone_index(c);
	const unsigned char *n = ldns_rdf_data(name);
	size_t nlen = ldns_rdf_size(name), off;
	const struct zone_name *self, *zn;
	bool covered = false;

	self = index_find(ix, n, nlen);
	if (self != NULL && (self->flags & ZN_OWNER))
		return ZONE_PRESENT;
	for (off = 0; off < nlen; off += (size_t)n[off] + 1) {
		zn = off == 0 ? self : index_find(ix, n + off, nlen - off);
		if (zn != NULL && (zn->flags & (ZN_OWNER | ZN_COVER))) {
			covered = true;
			break;
		}
		if (n[off] == 0)
			break;
	}
	if (!covered)
		return ZONE_OUTSIDE;
	return self != NULL && (self->flags & ZN_ABOVE) ? ZONE_EMPTY :
	    ZONE_NXDOMAIN;
}

/* The zone records of QNAME and of the CNAME targets in the files it
 * leads to, in file order: all dns_collect() looks at.  NULL when ldns
 * cannot allocate the list (then the whole of c->zone does). */
static ldns_rr_list *
chain_records(struct dns_ctx *c, const ldns_rdf *qname)
{
	const struct dns_zone_index *ix = zone_index(c);
	const struct zone_name *seen[DNS_CNAME_MAX + 2];
	const struct zone_name *zn;
	const unsigned char *w = ldns_rdf_data(qname);
	size_t wlen = ldns_rdf_size(qname), nseen = 0, i, k, total = 0;
	size_t *idx, *pos;
	ldns_rr_list *list = ldns_rr_list_new();
	const ldns_rr *rr;
	const ldns_rdf *target;

	if (list == NULL)
		return NULL; /* ldns out of memory: the caller scans it all */
	while (nseen < sizeof(seen) / sizeof(seen[0]) &&
	    (zn = index_find(ix, w, wlen)) != NULL &&
	    (zn->flags & ZN_OWNER)) {
		for (i = 0; i < nseen && seen[i] != zn; i++)
			;
		if (i < nseen)
			break; /* a loop: dns_collect() reports it */
		seen[nseen++] = zn;
		total += zn->nrrs;
		target = NULL;
		for (i = 0; i < zn->nrrs && target == NULL; i++) {
			rr = ldns_rr_list_rr(c->zone, zn->rrs[i]);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
			    ldns_rr_rd_count(rr) >= 1)
				target = ldns_rr_rdf(rr, 0);
		}
		if (target == NULL ||
		    ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)
			break;
		w = ldns_rdf_data(target);
		wlen = ldns_rdf_size(target);
	}
	/* merge the names' record lists (each in file order) */
	idx = xcalloc(total + 1, sizeof(*idx));
	pos = xcalloc(nseen + 1, sizeof(*pos));
	for (k = 0; k < total; k++) {
		size_t best = SIZE_MAX, bi = 0;

		for (i = 0; i < nseen; i++)
			if (pos[i] < seen[i]->nrrs &&
			    seen[i]->rrs[pos[i]] < best) {
				best = seen[i]->rrs[pos[i]];
				bi = i;
			}
		pos[bi]++;
		idx[k] = best;
	}
	for (k = 0; k < total; k++)
		if (!ldns_rr_list_push_rr(list,
		    ldns_rr_list_rr(c->zone, idx[k]))) {
			ldns_rr_list_free(list);
			list = NULL;
			break;
		}
	free(idx);
	free(pos);
	return list;
}

/* Answer QNAME from the zone files; false when they do not cover it.
 * *clipped: a CNAME target asked on the network hit the budget. */
bool
dns_zone_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
    struct dns_answer *a, int depth, bool *clipped)
{
	const ldns_rdf *last = NULL;
	const struct dns_answer *far;
	ldns_rr_list *chain;

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
	chain = chain_records(c, qname);
	dns_collect(a, chain != NULL ? chain : c->zone, qname, t, &last);
	if (chain != NULL)
		ldns_rr_list_free(chain); /* the list: c->zone owns the RRs */
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

