/*
 * spf_macro: macro expansion (RFC 7208 section 7).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/spf.h"
#include "common/spf_int.h"
#include "common/util.h"

/* Parts a transformer can address; more than this many parts cannot
 * happen in a value that fits a DNS name or an e-mail address anyway. */
#define SPF_MACRO_MAX_PARTS 1024

/* RFC 3986 2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
static bool
unreserved(unsigned char ch)
{
	return isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* One letter's value (RFC 7208 7.3); *freeme is set when it was
 * allocated. */
static const char *
letter_value(struct spf_ctx *c, const char *domain, int letter, char **freeme,
             char *tbuf, size_t tlen)
{
	*freeme = NULL;
	switch (letter) {
	case 's':
		return c->sender;
	case 'l':
		return c->local;
	case 'o':
		return c->sdomain;
	case 'd':
		return domain;
	case 'i':
		return c->ipi;
	case 'p':
		*freeme = spf_ctx_p(c, domain);
		return *freeme;
	case 'v':
		return c->family == 4 ? "in-addr" : "ip6";
	case 'h':
		return c->helo != NULL && c->helo[0] != '\0' ? c->helo
		                                             : "unknown";
	case 'c':
		return c->ipc;
	case 'r':
		return c->receiver != NULL && c->receiver[0] != '\0'
		           ? c->receiver
		           : "unknown";
	case 't':
		snprintf(tbuf, tlen, "%lld", c->now);
		return tbuf;
	}
	return "";
}

/* Apply transformers and delimiters (RFC 7208 7.3): split on any of the
 * delimiters (default "."), optionally reverse, keep the rightmost n
 * parts, join with ".". */
static void
transform(struct buf *out, const char *v, unsigned long n, bool reverse,
          const char *delims, size_t ndelims, bool escape)
{
	const char *part[SPF_MACRO_MAX_PARTS];
	size_t plen[SPF_MACRO_MAX_PARTS];
	size_t np = 0, i, first;
	const char *p = v, *start = v;
	struct buf tmp = BUF_INIT;

	if (ndelims == 0) {
		delims = ".";
		ndelims = 1;
	}
	for (;; p++) {
		if (*p == '\0' || memchr(delims, *p, ndelims) != NULL) {
			if (np < SPF_MACRO_MAX_PARTS) {
				part[np] = start;
				plen[np] = (size_t)(p - start);
				np++;
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	if (reverse)
		for (i = 0; i < np / 2; i++) {
			const char *tp = part[i];
			size_t tl = plen[i];

			part[i] = part[np - 1 - i];
			plen[i] = plen[np - 1 - i];
			part[np - 1 - i] = tp;
			plen[np - 1 - i] = tl;
		}
	first = n > 0 && n < np ? np - n : 0;
	for (i = first; i < np; i++) {
		if (i > first)
			buf_addc(&tmp, '.');
		buf_add(&tmp, part[i], plen[i]);
	}
	if (!escape) {
		buf_add(out, tmp.data != NULL ? tmp.data : "", tmp.len);
	} else {
		/* RFC 7208 7.3: upper-case macro letters are URL-escaped
		 * (RFC 3986): every character not "unreserved". */
		for (i = 0; i < tmp.len; i++) {
			unsigned char ch = (unsigned char)tmp.data[i];

			if (unreserved(ch))
				buf_addc(out, (char)ch);
			else
				buf_printf(out, "%%%02X", ch);
		}
	}
	buf_free(&tmp);
}

int
spf_macro_expand(struct spf_ctx *c, const char *domain, const char *s,
                 size_t len, enum spf_mstr kind, struct buf *out, char **err)
{
	size_t i = 0;
	char *e;

	/* Check the whole string first: a syntax error anywhere means the
	 * string is not used at all. */
	if ((e = spf_mstr_check(s, len, kind, NULL)) != NULL) {
		*err = e;
		return -1;
	}
	while (i < len) {
		const char *v;
		char *freeme, tbuf[32];
		unsigned long n = 0;
		bool reverse = false, escape;
		size_t d0, nd;
		int letter;

		if (s[i] != '%') {
			buf_addc(out, s[i++]);
			continue;
		}
		switch (s[i + 1]) {
		case '%':
			buf_addc(out, '%');
			i += 2;
			continue;
		case '_':
			buf_addc(out, ' ');
			i += 2;
			continue;
		case '-':
			buf_adds(out, "%20");
			i += 2;
			continue;
		}
		/* "%{" letter *DIGIT [ "r" ] *delimiter "}" */
		i += 2;
		letter = tolower((unsigned char)s[i]);
		escape = isupper((unsigned char)s[i]) != 0;
		i++;
		while (isdigit((unsigned char)s[i])) {
			if (n < SPF_MACRO_MAX_PARTS)
				n = n * 10 + (unsigned long)(s[i] - '0');
			i++;
		}
		if (s[i] == 'r' || s[i] == 'R') {
			reverse = true;
			i++;
		}
		d0 = i;
		while (s[i] != '}')
			i++;
		nd = i - d0;
		i++;
		v = letter_value(c, domain, letter, &freeme, tbuf,
		                 sizeof(tbuf));
		if (v == NULL)
			v = "";
		transform(out, v, n, reverse, s + d0, nd, escape);
		free(freeme);
	}
	return 0;
}

char *
spf_expand(struct dns_ctx *dns, const struct spf_request *req,
           const char *domain, const char *s, bool explain, char **err)
{
	struct spf_response resp;
	struct spf_ctx *c;
	struct buf out = BUF_INIT;
	char *ret = NULL;

	*err = NULL;
	memset(&resp, 0, sizeof(resp));
	c = spf_ctx_new(dns, req, &resp);
	if (c == NULL) {
		*err = resp.problem;
		resp.problem = NULL;
		spf_response_free(&resp);
		return NULL;
	}
	if (domain == NULL)
		domain = c->sdomain;
	if (spf_macro_expand(c, domain, s, strlen(s),
	                     explain ? SPF_MS_EXPLAIN : SPF_MS_DOMAIN, &out,
	                     err) == 0)
		ret = buf_detach(&out);
	buf_free(&out);
	spf_ctx_free(c);
	spf_response_free(&resp);
	return ret;
}
