/*
 * received: the envelope from Received and Return-Path (see
 * common/received.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/lex.h"
#include "common/received.h"
#include "common/util.h"

/* Longest HELO name or address literal taken (RFC 5321 4.5.3.1.2: a
 * domain is at most 255 octets). */
#define RECEIVED_TOKEN_MAX 255

/* An address literal's text ("1.2.3.4", "IPv6:..." or a bare IPv6) as
 * inet_ntop writes it, or NULL. */
static char *
literal_ip(const char *s, size_t len)
{
	unsigned char a[16];
	char buf[RECEIVED_TOKEN_MAX + 1], out[INET6_ADDRSTRLEN];

	if (len >= 5 && util_strcaseeq_n(s, 5, "IPv6:", 5)) {
		s += 5;
		len -= 5;
	}
	if (len == 0 || len > RECEIVED_TOKEN_MAX)
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return xstrdup(inet_ntop(AF_INET, a, out, sizeof(out)));
	if (inet_pton(AF_INET6, buf, a) == 1)
		return xstrdup(inet_ntop(AF_INET6, a, out, sizeof(out)));
	return NULL;
}

int
received_parse(const char *v, size_t len, struct received_env *out)
{
	const char *p = v, *end = v + len, *t0, *c0, *c1;
	int depth;

	p = lex_skip_cfws(p, end);
	if (end - p < 5 || !util_strcaseeq_n(p, 4, "from", 4) ||
	    !lex_is_fws_char((unsigned char)p[4]))
		return -1;
	p = lex_skip_cfws(p + 4, end);
	/* HELO (or an address literal) up to space or comment. */
	t0 = p;
	while (p < end && !lex_is_fws_char((unsigned char)*p) && *p != '(')
		p++;
	if (p == t0 || p - t0 > RECEIVED_TOKEN_MAX)
		return -1;
	if (*t0 == '[' && p[-1] == ']')
		out->ip = literal_ip(t0 + 1, (size_t)(p - t0 - 2));
	else
		out->helo = xstrndup(t0, (size_t)(p - t0));
	while (p < end && lex_is_fws_char((unsigned char)*p))
		p++;
	if (p < end && *p == '(') {
		/* The comment after it, nested comments included. */
		c0 = ++p;
		for (depth = 1; p < end && depth > 0; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
		}
		c1 = depth == 0 ? p - 1 : p;
		for (p = c0; p < c1; p++) {
			if (*p == '[' && out->ip == NULL) {
				const char *q = p + 1;
				while (q < c1 && *q != ']')
					q++;
				if (q < c1)
					out->ip = literal_ip(p + 1,
					    (size_t)(q - p - 1));
			} else if ((p == c0 ||
			    lex_is_fws_char((unsigned char)p[-1])) &&
			    c1 - p > 5 &&
			    util_strcaseeq_n(p, 5, "helo=", 5)) {
				const char *q = p + 5;
				while (q < c1 &&
				    !lex_is_fws_char((unsigned char)*q) &&
				    *q != ')')
					q++;
				if (q > p + 5 &&
				    q - p - 5 <= RECEIVED_TOKEN_MAX) {
					free(out->helo);
					out->helo = xstrndup(p + 5,
					    (size_t)(q - p - 5));
				}
			}
		}
	}
	return out->ip != NULL ? 0 : -1;
}

int
received_env(const struct msg *m, struct received_env *out, char **why)
{
	const struct msg_field *f;
	long i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	i = msg_find_field(m, "Return-Path", 0);
	if (i >= 0) {
		struct addr_list *l;
		bool null_path = false;
		f = msg_field(m, (size_t)i);
		l = addr_parse_path(f->value, f->valuelen, &null_path);
		if (l != NULL && null_path)
			out->sender = xstrdup("");
		else if (l != NULL && l->n == 1)
			out->sender = addr_mailbox_string(&l->mb[0]);
		addr_list_free(l);
	}
	i = msg_find_field(m, "Received", 0);
	if (i < 0)
		*why = xstrdup("no Received field");
	else {
		f = msg_field(m, (size_t)i);
		rc = received_parse(f->value, f->valuelen, out);
		if (rc < 0)
			*why = xstrdup("the topmost Received field has no "
			    "\"from HELO (... [IP])\" clause");
	}
	return rc;
}

void
received_env_free(struct received_env *e)
{
	if (e == NULL)
		return;
	UTIL_FREE_CLEAR(e, e->ip, e->helo, e->sender);
}
