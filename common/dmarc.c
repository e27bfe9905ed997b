/*
 * dmarc: DMARC for a Mail Receiver (RFC 9989).  See common/dmarc.h.
 *
 * Section numbers are RFC 9989's (they follow draft-ietf-dmarc-dmarcbis-41,
 * ../shared/testsuites/dmarc).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/dmarc.h"
#include "common/lex.h"
#include "common/util.h"

/* RFC 1035 2.3.4 / RFC 5321 4.5.3.1.2: a name is at most 253 octets in
 * text form (255 on the wire). */
#define NAME_MAX_OCTETS 253

/* "_dmarc." (RFC 9989 4.10 step 1; the underscored node name of 9.5). */
#define DMARC_PREFIX "_dmarc."

/*
 * A domain name usable as an Author Domain or identifier: ASCII
 * letter-digit-hyphen labels (underscores tolerated, as DNS allows them),
 * 1 to 63 octets each, at most 253 in all, one trailing dot allowed.
 * Non-ASCII names are refused: RFC 9989 5.3.1 wants U-labels converted
 * to A-labels, and there is no IDNA library here.
 */
static bool
name_ok(const char *s)
{
	return lex_check_domain(s, strlen(s),
	    LEX_DN_LDH_UNDERSCORE | LEX_DN_TRAILING_DOT);
}

/* A lower-case copy without the trailing dot. */
static char *
name_norm(const char *s)
{
	char *d = util_lowercase(xstrdup(s));
	size_t len = strlen(d);

	if (len > 0 && d[len - 1] == '.')
		d[len - 1] = '\0';
	return d;
}

static size_t
count_labels(const char *s)
{
	size_t n = 1;

	for (; *s != '\0'; s++)
		if (*s == '.')
			n++;
	return n;
}

/* The suffix of s made of its last k labels (k <= labels of s). */
static const char *
last_labels(const char *s, size_t k)
{
	size_t n = count_labels(s);
	const char *p = s;

	while (n > k) {
		p = strchr(p, '.') + 1;
		n--;
	}
	return p;
}

/* ------------------------------------------------------------ records */

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE:
		return "none";
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	default:
		return NULL;
	}
}

static bool
val_eq(const char *v, size_t len, const char *word)
{
	return util_strcaseeq_n(v, len, word, strlen(word));
}

/* dmarc-request (4.8); -1 when invalid. */
static int
parse_request(const char *v, size_t len)
{
	if (val_eq(v, len, "none"))
		return DMARC_POLICY_NONE;
	if (val_eq(v, len, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (val_eq(v, len, "reject"))
		return DMARC_POLICY_REJECT;
	return -1;
}

/* RFC 3986 URI characters (unreserved, reserved, '%'). */
static bool
uri_char(char c)
{
	unsigned char u = (unsigned char)c;

	return lex_is_alpha(u) || lex_is_digit(u) ||
	    strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/*
 * One dmarc-uri / obs-dmarc-uri (4.8): an RFC 3986 URI, scheme ":"
 * something, with an optional obsolete "!size" suffix (which reporters
 * ignore).  Commas and "!" must be encoded inside the URI, so neither can
 * appear in it.
 */
static bool
uri_ok(const char *s, size_t len)
{
	size_t i = 0, bang;

	for (bang = 0; bang < len && s[bang] != '!'; bang++)
		;
	if (bang < len) { /* obs-dmarc-report-size = "!" 1*DIGIT [unit] */
		size_t j = bang + 1, digits = 0;
		while (j < len && lex_is_digit((unsigned char)s[j])) {
			j++;
			digits++;
		}
		if (j < len && strchr("kmgtKMGT", s[j]) != NULL)
			j++;
		if (digits == 0 || j != len)
			return false;
		len = bang;
	}
	if (len == 0 || !lex_is_alpha((unsigned char)s[0]))
		return false;
	while (i < len && (lex_is_alpha((unsigned char)s[i]) ||
	    lex_is_digit((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
	    s[i] == '.'))
		i++;
	if (i >= len || s[i] != ':' || i + 1 >= len)
		return false;
	for (i++; i < len; i++)
		if (!uri_char(s[i]) || s[i] == ',' || s[i] == '!')
			return false;
	return true;
}

/* dmarc-urilist: true when at least one element is a valid URI
 * (4.10.1 asks for "at least one syntactically valid reporting URI"). */
static bool
urilist_has_valid(const char *v, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t a = i, b;
		while (i < len && v[i] != ',')
			i++;
		b = i;
		while (a < b && lex_is_wsp((unsigned char)v[a]))
			a++;
		while (b > a && lex_is_wsp((unsigned char)v[b - 1]))
			b--;
		if (uri_ok(v + a, b - a))
			return true;
		i++;
	}
	return false;
}

static void note(struct buf *why, const char *fmt, ...) UTIL_PRINTF(2, 3);

/* Add one "; "-separated remark to a record's reason text. */
static void
note(struct buf *why, const char *fmt, ...)
{
	va_list ap;

	if (why->len > 0)
		buf_adds(why, "; ");
	va_start(ap, fmt);
	buf_vprintf(why, fmt, ap);
	va_end(ap);
}

/* Which tags a record has given: the first instance of each counts. */
struct dmarc_seen {
	bool p, sp, np, t, psd, adkim, aspf;
};

/* t=, psd=, adkim= and aspf=: a value from a short list (4.7), any case.
 * The first instance of the tag counts (*once).  Returns the index of the
 * value in words (NULL-terminated), or -1 when the tag was given already
 * or the value is none of the words (then noted on w as ignored). */
static int
tag_keyword(struct buf *w, bool *once, const char *name, size_t namelen,
    const char *v, size_t vlen, bool value_ok, const char *const words[])
{
	size_t i;

	if (*once)
		return -1;
	*once = true;
	for (i = 0; value_ok && words[i] != NULL; i++)
		if (val_eq(v, vlen, words[i]))
			return (int)i;
	note(w, "invalid %.*s= ignored", (int)namelen, name);
	return -1;
}

/* One tag NAME=V after v=DMARC1 into OUT (4.7), notes to W; value_ok: V is
 * non-empty printable ASCII.  True when it is an invalid p, sp or np
 * (4.10.1 then decides what the record means).  Over 80 lines because it
 * is the tag table of 4.7, one short branch per tag. */
static bool
record_tag(struct dmarc_record *out, struct dmarc_seen *seen, struct buf *w,
    const char *name, size_t namelen, const char *v, size_t vlen,
    bool value_ok)
{
	bool bad = false;
	int pol;

	if (val_eq(name, namelen, "p") || val_eq(name, namelen, "sp") ||
	    val_eq(name, namelen, "np")) {
		enum dmarc_policy *dst;
		bool *once;
		if (namelen == 1) {
			dst = &out->p;
			once = &seen->p;
		} else if (name[0] == 's' || name[0] == 'S') {
			dst = &out->sp;
			once = &seen->sp;
		} else {
			dst = &out->np;
			once = &seen->np;
		}
		if (*once) {
			note(w, "second %.*s= ignored",
			    (int)namelen, name);
			return false;
		}
		*once = true;
		if (namelen == 1)
			out->p_given = true;
		pol = value_ok ? parse_request(v, vlen) : -1;
		if (pol < 0) {
			/* 4.10.1: an invalid p, sp or np. */
			bad = true;
			note(w, "invalid %.*s=",
			    (int)namelen, name);
		} else
			*dst = (enum dmarc_policy)pol;
	} else if (val_eq(name, namelen, "t")) {
		static const char *const yn[] = {"n", "y", NULL};
		if (tag_keyword(w, &seen->t, name, namelen, v, vlen, value_ok,
		    yn) == 1)
			out->testing = true;
	} else if (val_eq(name, namelen, "psd")) {
		/* in the order of enum dmarc_psd */
		static const char *const psd[] = {"u", "y", "n", NULL};
		int k = tag_keyword(w, &seen->psd, name, namelen, v, vlen,
		    value_ok, psd);
		if (k > 0)
			out->psd = (enum dmarc_psd)k;
	} else if (val_eq(name, namelen, "adkim") ||
	    val_eq(name, namelen, "aspf")) {
		static const char *const rs[] = {"r", "s", NULL};
		bool *dst = namelen == 5 ? &out->adkim_strict :
		    &out->aspf_strict;
		bool *once = namelen == 5 ? &seen->adkim : &seen->aspf;
		if (tag_keyword(w, once, name, namelen, v, vlen, value_ok,
		    rs) == 1)
			*dst = true;
	} else if (val_eq(name, namelen, "rua")) {
		if (out->rua != NULL || !value_ok)
			return false;
		out->rua = xstrndup(v, vlen);
		out->rua_valid = urilist_has_valid(v, vlen);
	} else if (val_eq(name, namelen, "ruf")) {
		if (out->ruf == NULL && value_ok)
			out->ruf = xstrndup(v, vlen);
	} else if (val_eq(name, namelen, "fo")) {
		if (out->fo == NULL && value_ok)
			out->fo = xstrndup(v, vlen);
	} else if (val_eq(name, namelen, "pct") ||
	    val_eq(name, namelen, "rf") || val_eq(name, namelen, "ri"))
		out->removed_tags = true;
	/* Anything else (pct, rf, ri included: gone in RFC 9989) is
	 * an unknown tag and MUST be ignored (4.7). */
	return bad;
}

/* dmarc-tag = 1*ALPHA equals 1*dmarc-value in txt[a, b) (WSP already
 * trimmed at both ends): false when it is not a tag.  *value_ok: the value
 * is non-empty printable ASCII. */
static bool
split_tag(const char *txt, size_t a, size_t b, const char **name,
    size_t *namelen, const char **v, size_t *vlen, bool *value_ok)
{
	size_t n1 = a, v0, k;

	while (n1 < b && lex_is_alpha((unsigned char)txt[n1]))
		n1++;
	v0 = n1;
	while (v0 < b && lex_is_wsp((unsigned char)txt[v0]))
		v0++;
	if (n1 == a || v0 >= b || txt[v0] != '=')
		return false;
	v0++;
	while (v0 < b && lex_is_wsp((unsigned char)txt[v0]))
		v0++;
	*name = txt + a;
	*namelen = n1 - a;
	*v = txt + v0;
	*vlen = b - v0;
	*value_ok = *vlen > 0;
	for (k = 0; k < *vlen; k++)
		if ((unsigned char)(*v)[k] < 0x20 ||
		    (unsigned char)(*v)[k] > 0x7e)
			*value_ok = false;
	return true;
}

/* The policy of a record whose tags are all read (bad_policy: an invalid
 * p, sp or np was seen). */
static enum dmarc_rec_status
record_policy(struct dmarc_record *out, bool bad_policy, struct buf *w)
{
	if (bad_policy) {
		/* 4.10.1: with a valid rua, act as if p=none; otherwise no
		 * DMARC processing. */
		if (out->rua_valid) {
			out->p = DMARC_POLICY_NONE;
			out->sp = out->np = DMARC_POLICY_UNSET;
			out->p_as_none = true;
			note(w, "read as p=none (valid rua=)");
		} else {
			note(w, "no valid rua=: DMARC does not apply");
			return DMARC_REC_NO_POLICY;
		}
	} else if (out->p == DMARC_POLICY_UNSET)
		out->p = DMARC_POLICY_NONE; /* 4.7 "p": absent is p=none */
	return DMARC_REC_OK;
}

enum dmarc_rec_status
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out,
    char **why)
{
	struct buf w = BUF_INIT;
	bool first = true, bad_policy = false;
	struct dmarc_seen seen = {false};
	size_t i = 0;
	enum dmarc_rec_status st = DMARC_REC_OK;

	memset(out, 0, sizeof(*out));
	if (why != NULL)
		*why = NULL;
	out->text = xmemdup(txt, len); /* NUL-terminated copy */
	/* dmarc-record = dmarc-version *(dmarc-sep dmarc-tag) [dmarc-sep],
	 * dmarc-sep = *WSP ";" *WSP: split at ';', which no value holds. */
	while (i <= len) {
		size_t a = i, b;
		const char *name, *v;
		size_t namelen, vlen;
		bool value_ok;

		while (i < len && txt[i] != ';')
			i++;
		b = i++;
		while (a < b && lex_is_wsp((unsigned char)txt[a]))
			a++;
		while (b > a && lex_is_wsp((unsigned char)txt[b - 1]))
			b--;
		if (a == b) {
			if (first) {
				st = DMARC_REC_NOT_DMARC;
				goto done;
			}
			if (i <= len) /* not the optional final separator */
				note(&w, "empty tag ignored");
			continue;
		}
		if (!split_tag(txt, a, b, &name, &namelen, &v, &vlen,
		    &value_ok)) {
			if (first) {
				st = DMARC_REC_NOT_DMARC;
				goto done;
			}
			note(&w, "\"%.*s\": not a tag, ignored",
			    (int)(b - a > 40 ? 40 : b - a), txt + a);
			continue;
		}
		if (first) {
			/* 4.7 "v": first, and exactly "DMARC1" (case
			 * sensitive), or the whole record is ignored. */
			first = false;
			if (!val_eq(name, namelen, "v") || vlen != 6 ||
			    memcmp(v, "DMARC1", 6) != 0) {
				st = DMARC_REC_NOT_DMARC;
				goto done;
			}
			continue;
		}
		if (record_tag(out, &seen, &w, name, namelen, v, vlen,
		    value_ok))
			bad_policy = true;
	}
	if (first) {
		st = DMARC_REC_NOT_DMARC;
		goto done;
	}
	st = record_policy(out, bad_policy, &w);
done:
	if (st == DMARC_REC_NOT_DMARC && w.len == 0)
		buf_adds(&w, "not a DMARC record (no leading v=DMARC1)");
	if (why != NULL && w.len > 0)
		*why = buf_detach(&w);
	buf_free(&w);
	return st;
}

void
dmarc_record_free(struct dmarc_record *r)
{
	if (r == NULL)
		return;
	UTIL_FREE_CLEAR(r, r->rua, r->ruf, r->fo, r->text);
}

/* --------------------------------------------------------- tree walk */

/* Query _dmarc.domain and keep the record when there is exactly one
 * (4.10 steps 1-2 and 5-6). */
static void
fetch(struct dns_ctx *dns, const char *domain, struct dmarc_step *s)
{
	const struct dns_answer *ans;
	char *q;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->domain = xstrdup(domain);
	s->fetch = DMARC_ABSENT;
	if (strlen(domain) + strlen(DMARC_PREFIX) > NAME_MAX_OCTETS) {
		/* No such name can exist, so no record either. */
		s->dns = DNS_NXDOMAIN;
		return;
	}
	q = xasprintf(DMARC_PREFIX "%s", domain);
	ans = dns_query(dns, q, DNS_T_TXT);
	free(q);
	s->dns = ans->status;
	if (ans->status == DNS_SERVFAIL || ans->status == DNS_TIMEOUT ||
	    ans->status == DNS_ERROR) {
		s->fetch = DMARC_TEMP;
		return;
	}
	if (ans->status != DNS_OK)
		return;
	for (i = 0; i < ans->n; i++) {
		struct dmarc_record r;
		enum dmarc_rec_status st;

		st = dmarc_record_parse(ans->rr[i].data, ans->rr[i].len, &r,
		    NULL);
		if (st == DMARC_REC_NOT_DMARC) {
			dmarc_record_free(&r);
			continue;
		}
		if (++s->ndmarc == 1) {
			s->rec = r;
			s->rec_status = st;
		} else
			dmarc_record_free(&r);
	}
	if (s->ndmarc == 1)
		s->fetch = DMARC_FOUND;
	else if (s->ndmarc > 1) /* several: all discarded (4.10 step 2) */
		dmarc_record_free(&s->rec);
}

void
dmarc_walk_names(const char *domain, char *names[DMARC_MAX_WALK_QUERIES],
    size_t *n)
{
	char *d = name_norm(domain);
	size_t x = count_labels(d), k;

	*n = 0;
	names[(*n)++] = xstrdup(d);
	/* Step 4: fewer than 8 labels lose one; 8 or more are cut to 7.
	 * Step 7: then one label at a time, down to a single label. */
	k = x < DMARC_MAX_WALK_QUERIES ? x - 1 : DMARC_WALK_SHORTEN_TO;
	for (; k >= 1 && *n < DMARC_MAX_WALK_QUERIES; k--)
		names[(*n)++] = xstrdup(last_labels(d, k));
	free(d);
}

void
dmarc_walk(struct dns_ctx *dns, const char *domain, struct dmarc_walk *w)
{
	char *names[DMARC_MAX_WALK_QUERIES];
	size_t n, i;

	memset(w, 0, sizeof(*w));
	w->start = name_norm(domain);
	dmarc_walk_names(domain, names, &n);
	for (i = 0; i < n; i++) {
		struct dmarc_step *s = &w->step[w->n];
		if (w->temperror) {
			free(names[i]);
			continue;
		}
		fetch(dns, names[i], s);
		free(names[i]);
		w->n++;
		if (s->fetch == DMARC_TEMP) {
			/* What lies above cannot be trusted to decide. */
			w->temperror = true;
			continue;
		}
		if (s->fetch == DMARC_FOUND && s->rec.psd != DMARC_PSD_U) {
			/* Steps 2 and 6: a single record with psd=y or
			 * psd=n ends the walk. */
			for (i++; i < n; i++)
				free(names[i]);
			break;
		}
	}
}

/* What one step of a walk owns (util_array_clear's elem_clear: the steps
 * are in the struct itself). */
static void
step_clear(void *p)
{
	struct dmarc_step *s = p;

	free(s->domain);
	dmarc_record_free(&s->rec);
}

void
dmarc_walk_free(struct dmarc_walk *w)
{
	if (w == NULL)
		return;
	util_array_clear(w->step, w->n, sizeof(w->step[0]), step_clear);
	UTIL_FREE_CLEAR(w, w->start);
}

/* Index of the step whose record is the Organizational Domain's (4.10.2
 * rules 1 and 3), or of the psd=y step (rule 2, *psd_y set); -1 when the
 * walk found no record. */
static long
org_step(const struct dmarc_walk *w, bool *psd_y)
{
	long last = -1;
	size_t i;

	*psd_y = false;
	for (i = 0; i < w->n; i++) {
		const struct dmarc_step *s = &w->step[i];
		if (s->fetch != DMARC_FOUND)
			continue;
		if (s->rec.psd == DMARC_PSD_N)
			return (long)i; /* rule 1 */
		if (s->rec.psd == DMARC_PSD_Y && i > 0) {
			*psd_y = true; /* rule 2 */
			return (long)i;
		}
		last = (long)i; /* rule 3: fewest labels wins */
	}
	return last;
}

char *
dmarc_org_domain(const struct dmarc_walk *w)
{
	bool psd_y;
	long i = org_step(w, &psd_y);

	if (i < 0)
		return xstrdup(w->start); /* "the initial target domain" */
	if (psd_y) {
		/* The domain one label below the PSD, on the way to the
		 * start (whatever names the shortcut of step 4 skipped). */
		size_t k = count_labels(w->step[i].domain) + 1;
		return xstrdup(last_labels(w->start, k));
	}
	return xstrdup(w->step[i].domain);
}

bool
dmarc_relaxed_aligned(const struct dmarc_walk *a, const struct dmarc_walk *b)
{
	char *oa = dmarc_org_domain(a), *ob = dmarc_org_domain(b);
	bool r = strcmp(oa, ob) == 0;

	free(oa);
	free(ob);
	return r;
}

/* ------------------------------------------------------ author domain */

int
dmarc_author_domain(const struct msg *m, char **domain, char **why)
{
	char *doms[DMARC_MAX_AUTHOR_DOMAINS];
	size_t nd = 0, nfields = 0, i;
	long f = -1;
	int rc = -1;

	*domain = NULL;
	*why = NULL;
	if (msg_header_malformed(m)) {
		/* Mail readers take the fields below a line without a colon
		 * as header, the index does not: the From they show may not
		 * be the one found here (msg.h), so no Author Domain can be
		 * trusted. */
		*why = xstrdup("header line without a colon: the From field "
		    "mail readers show is not certain");
		return -1;
	}
	while ((f = msg_find_field(m, "From", (size_t)(f + 1))) >= 0) {
		const struct msg_field *fl = msg_field(m, (size_t)f);
		struct addr_list *l;

		nfields++;
		l = addr_parse_mailbox_list(fl->value, fl->valuelen);
		if (l == NULL) {
			*why = xstrdup("the From field does not parse "
			    "(RFC 5322 3.6.2)");
			goto out;
		}
		for (i = 0; i < l->n; i++) {
			char *d;
			size_t j;
			if (l->mb[i].domain == NULL)
				continue;
			if (!name_ok(l->mb[i].domain)) {
				*why = xasprintf("From domain is not a usable "
				    "domain name%s",
				    (unsigned char)l->mb[i].domain[0] >= 0x80 ?
				    " (U-labels are not converted, RFC 9989 "
				    "5.3.1)" : "");
				addr_list_free(l);
				goto out;
			}
			d = name_norm(l->mb[i].domain);
			for (j = 0; j < nd; j++)
				if (strcmp(doms[j], d) == 0)
					break;
			if (j < nd || nd == DMARC_MAX_AUTHOR_DOMAINS) {
				free(d);
				if (j == nd)
					nd++; /* counted, not kept */
				continue;
			}
			doms[nd++] = d;
		}
		addr_list_free(l);
	}
	if (nfields == 0)
		*why = xstrdup("no From field");
	else if (nd == 0)
		*why = xstrdup("the From field names no domain "
		    "(RFC 9989 5.3.1)");
	else if (nd > 1)
		*why = xasprintf("the From field%s name%s %s%zu domains: "
		    "DMARC validation is not possible (RFC 9989 5.3.1, 11.5)",
		    nfields > 1 ? "s" : "", nfields > 1 ? "" : "s",
		    nd > DMARC_MAX_AUTHOR_DOMAINS ? "over " : "",
		    nd > DMARC_MAX_AUTHOR_DOMAINS ?
		    (size_t)DMARC_MAX_AUTHOR_DOMAINS : nd);
	else {
		*domain = doms[0];
		doms[0] = NULL;
		rc = 0;
	}
out:
	for (i = 0; i < nd && i < DMARC_MAX_AUTHOR_DOMAINS; i++)
		free(doms[i]);
	return rc;
}

/* ------------------------------------------------------------- check */

/* Walks done during one check, so each starts once. */
struct walks {
	struct dmarc_walk w[DMARC_MAX_IDENTIFIERS + 1];
	size_t n;
};

static const struct dmarc_walk *
walk_for(struct dns_ctx *dns, struct walks *ws, const char *domain)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i].start, domain) == 0)
			return &ws->w[i];
	if (ws->n == DMARC_MAX_IDENTIFIERS + 1)
		return NULL;
	dmarc_walk(dns, domain, &ws->w[ws->n]);
	return &ws->w[ws->n++];
}

/* The last label of a and b differ: no common ancestor but the root, so
 * no common Organizational Domain (which is always one of a name's own
 * suffixes). */
static bool
unrelated(const char *a, const char *b)
{
	const char *la = strrchr(a, '.'), *lb = strrchr(b, '.');

	la = la != NULL ? la + 1 : a;
	lb = lb != NULL ? lb + 1 : b;
	return strcmp(la, lb) != 0;
}

/* 1 aligned, 0 not, -1 unknown (a walk hit a temporary error). */
static int
aligned(struct dns_ctx *dns, struct walks *ws, const char *author,
    const char *id, bool strict)
{
	const struct dmarc_walk *wa, *wi;
	char *n = name_norm(id);
	int r;

	if (strcmp(n, author) == 0)
		r = 1; /* strict, hence relaxed too (3.2.10) */
	else if (strict || !name_ok(n) || unrelated(n, author))
		r = 0;
	else {
		wa = walk_for(dns, ws, author);
		wi = walk_for(dns, ws, n);
		if (wa == NULL || wi == NULL)
			r = 0;
		else if (wa->temperror || wi->temperror)
			r = -1;
		else
			r = dmarc_relaxed_aligned(wa, wi) ? 1 : 0;
	}
	free(n);
	return r;
}

static void set_reason(struct dmarc_result *out, const char *fmt, ...)
    UTIL_PRINTF(2, 3);

static void
set_reason(struct dmarc_result *out, const char *fmt, ...)
{
	va_list ap;

	free(out->reason);
	va_start(ap, fmt);
	out->reason = xvasprintf(fmt, ap);
	va_end(ap);
}

/* The Domain Owner Assessment Policy of OUT->author under the record of
 * POL (4.10.1), and what applies of it under t=y. */
static void
choose_policy(struct dns_ctx *dns, const struct dmarc_step *pol,
    struct dmarc_result *out)
{
	/* The Domain Owner Assessment Policy (4.10.1): p for the domain's
	 * own record; for a subdomain sp, or np when it does not exist
	 * (3.2.13: NXDOMAIN, RFC 8020), each falling back to p. */
	out->policy_tag = "p";
	out->policy = pol->rec.p;
	if (strcmp(out->author, out->policy_domain) != 0) {
		const struct dns_answer *a = dns_query(dns, out->author,
		    DNS_T_A);
		if (a->status == DNS_NXDOMAIN)
			out->author_exists = false;
		if (!out->author_exists && pol->rec.np != DMARC_POLICY_UNSET) {
			out->policy_tag = "np";
			out->policy = pol->rec.np;
		} else if (pol->rec.sp != DMARC_POLICY_UNSET) {
			out->policy_tag = "sp";
			out->policy = pol->rec.sp;
		}
	}

	out->applied = out->policy;
	if (out->testing && out->policy == DMARC_POLICY_REJECT)
		out->applied = DMARC_POLICY_QUARANTINE;
	else if (out->testing && out->policy == DMARC_POLICY_QUARANTINE)
		out->applied = DMARC_POLICY_NONE;
}

/* The identifier alignment and the result (5.3.4, 5.3.5). */
static void
check_alignment(struct dns_ctx *dns, struct walks *ws,
    const struct dmarc_input *in, struct dmarc_result *out)
{
	bool temp = false;
	size_t i;

	/* 5.3.4 and 5.3.5: any aligned identifier passes.  SPF counts only
	 * for the MAIL FROM identity with an SPF pass (4.4.2). */
	if (in->spf_domain != NULL && in->spf_result == RES_PASS) {
		int r = aligned(dns, ws, out->author, in->spf_domain,
		    out->aspf_strict);
		out->spf_aligned = r == 1;
		temp |= r < 0;
	}
	/* 5.3.6: when a DNS query DMARC validation needs does not complete
	 * (an SPF or DKIM temperror for an identifier that would be aligned,
	 * or whose alignment is unknown), the message "cannot be considered
	 * to pass or fail": temperror, so that a receiver defers it (B.3.1:
	 * a 4xy reply) rather than applies the policy. */
	if (in->spf_domain != NULL && in->spf_result == RES_TEMPERROR)
		temp |= aligned(dns, ws, out->author, in->spf_domain,
		    out->aspf_strict) != 0;
	for (i = 0; i < in->ndkim; i++) {
		int r;
		if (in->dkim_results[i] == RES_TEMPERROR &&
		    in->dkim_domains[i] != NULL) {
			temp |= aligned(dns, ws, out->author,
			    in->dkim_domains[i], out->adkim_strict) != 0;
			continue;
		}
		if (in->dkim_results[i] != RES_PASS ||
		    in->dkim_domains[i] == NULL)
			continue;
		r = aligned(dns, ws, out->author, in->dkim_domains[i],
		    out->adkim_strict);
		temp |= r < 0;
		if (r == 1 && !out->dkim_aligned) {
			out->dkim_aligned = true;
			out->aligned_dkim = name_norm(in->dkim_domains[i]);
		}
	}
	if (out->spf_aligned || out->dkim_aligned)
		out->result = RES_PASS;
	else if (temp) {
		out->result = RES_TEMPERROR;
		out->reason = xstrdup("no aligned pass, and an aligned "
		    "identifier or the alignment unknown: temporary DNS error "
		    "(RFC 9989 5.3.6)");
	} else {
		out->result = RES_FAIL;
		out->reason = xstrdup("no aligned identifier with an SPF or "
		    "DKIM pass (RFC 9989 5.3.5)");
	}
	if (out->testing && out->result != RES_PASS &&
	    out->policy != DMARC_POLICY_NONE) {
		char *r = xasprintf("%s; t=y: %s is tested, %s applies",
		    out->reason, dmarc_policy_name(out->policy),
		    dmarc_policy_name(out->applied));
		free(out->reason);
		out->reason = r;
	}
}

void
dmarc_check(struct dns_ctx *dns, const struct dmarc_input *in,
    struct dmarc_result *out)
{
	struct walks ws;
	struct dmarc_step first;
	const struct dmarc_step *pol = NULL;
	unsigned long sent0 = dns_queries_sent(dns);
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&ws, 0, sizeof(ws));
	memset(&first, 0, sizeof(first));
	out->author_exists = true;
	if (in->author == NULL || !name_ok(in->author)) {
		out->result = RES_PERMERROR;
		out->reason = xstrdup(in->author == NULL ?
		    "no single Author Domain (RFC 9989 5.3.1)" :
		    "the Author Domain is not a usable domain name");
		return;
	}
	out->author = name_norm(in->author);

	/* 4.10.1: first the Author Domain's own record. */
	fetch(dns, out->author, &first);
	if (first.fetch == DMARC_TEMP) {
		out->result = RES_TEMPERROR;
		set_reason(out, "_dmarc.%s: temporary DNS error", out->author);
		goto done;
	}
	if (first.fetch == DMARC_FOUND) {
		pol = &first;
	} else {
		/* Then the DNS Tree Walk for the Organizational Domain or
		 * the Public Suffix Domain. */
		const struct dmarc_walk *w = walk_for(dns, &ws, out->author);
		bool psd_y;
		long k;

		if (w->temperror) {
			out->result = RES_TEMPERROR;
			set_reason(out, "DNS Tree Walk from %s: temporary DNS "
			    "error", out->author);
			goto done;
		}
		k = org_step(w, &psd_y);
		if (k < 0) {
			out->result = RES_NONE;
			out->reason = xstrdup(first.ndmarc > 1 ?
			    "several DMARC records at the Author Domain: all "
			    "discarded (RFC 9989 4.10), none above" :
			    "no DMARC Policy Record (RFC 9989 4.10.1)");
			goto done;
		}
		out->org_domain = dmarc_org_domain(w);
		pol = &w->step[k];
		if (psd_y) {
			/* The Organizational Domain's own record, when the
			 * walk met one below the PSD, wins over the PSD's
			 * (4.10.1 order of preference). */
			for (i = 0; i < (size_t)k; i++)
				if (w->step[i].fetch == DMARC_FOUND &&
				    strcmp(w->step[i].domain,
				    out->org_domain) == 0)
					pol = &w->step[i];
		}
	}
	out->policy_domain = xstrdup(pol->domain);
	out->record = xstrdup(pol->rec.text);
	if (pol->rec_status == DMARC_REC_NO_POLICY) {
		out->result = RES_NONE;
		set_reason(out, "_dmarc.%s: invalid p, sp or np and no valid "
		    "rua: DMARC does not apply (RFC 9989 4.10.1)",
		    out->policy_domain);
		goto done;
	}
	out->testing = pol->rec.testing;
	out->adkim_strict = pol->rec.adkim_strict;
	out->aspf_strict = pol->rec.aspf_strict;

	choose_policy(dns, pol, out);
	check_alignment(dns, &ws, in, out);
done:
	out->queries = (unsigned)(dns_queries_sent(dns) - sent0);
	free(first.domain);
	dmarc_record_free(&first.rec);
	for (i = 0; i < ws.n; i++)
		dmarc_walk_free(&ws.w[i]);
}

void
dmarc_result_free(struct dmarc_result *r)
{
	if (r == NULL)
		return;
	UTIL_FREE_CLEAR(r, r->reason, r->author, r->policy_domain,
	    r->org_domain, r->aligned_dkim, r->record);
}
