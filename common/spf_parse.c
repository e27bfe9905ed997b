/*
 * spf_parse: SPF record syntax (RFC 7208 section 12 ABNF), domain-spec and
 * macro-string checks, record selection (RFC 7208 4.5, RFC 4406 4.4).
 *
 * The whole record is parsed before anything is evaluated, so a syntax
 * error anywhere gives permerror (RFC 7208 4.6: "detect-errors-anywhere").
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/lex.h"
#include "common/spf.h"
#include "common/spf_int.h"
#include "common/util.h"

/* RFC 7208 5.6: prefix lengths. */
#define SPF_IP4_BITS 32
#define SPF_IP6_BITS 128


/* ------------------------------------------------------------------ */
/* macro-string (RFC 7208 7.1)                                         */

static bool
macro_letter_ok(int ch, enum spf_mstr kind)
{
	ch = lex_to_lower((unsigned char)ch);
	if (strchr("slodiphv", ch) != NULL && ch != '\0')
		return true;
	/* RFC 7208 7.3: c, r and t are allowed only in "exp" text; the
	 * unknown-modifier ABNF (macro-string) has every letter. */
	if (strchr("crt", ch) != NULL && ch != '\0')
		return kind != SPF_MS_DOMAIN;
	return false;
}

static bool
delimiter(int ch)
{
	/* RFC 7208 7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" */
	return ch != '\0' && strchr(".-+,/_=", ch) != NULL;
}

/* The error half of the 0 / -1 convention: hands msg to the caller (who
 * frees it) or frees it when the caller did not ask. */
static int
set_err(char **err, char *msg)
{
	if (err != NULL)
		*err = msg;
	else
		free(msg);
	return -1;
}

/* (Declared in spf_int.h.)  About 90 lines: one pass over RFC 7208 7.1's
 * macro-string with a branch per macro-expand form; split, each branch
 * would need the position and the error back. */
int
spf_mstr_check(const char *s, size_t len, enum spf_mstr kind,
               bool *ends_in_macro, char **err)
{
	size_t i = 0, j;
	bool macro = false;

	while (i < len) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '%') {
			if (i + 1 >= len)
				return set_err(err,
				               xstrdup("'%' at the end of a "
				                       "macro-string"));
			ch = (unsigned char)s[i + 1];
			if (ch == '%' || ch == '_' || ch == '-') {
				i += 2;
				macro = true;
				continue;
			}
			if (ch != '{')
				return set_err(err, xasprintf(
				    "invalid macro '%%%c' (RFC "
				    "7208 7.1: '%%' must be followed by '{', "
				    "'%%', '_' or '-')",
				    ch >= 0x21 && ch < 0x7f ? ch : '?'));
			j = i + 2;
			if (j >= len || !macro_letter_ok(s[j], kind)) {
				if (j < len && kind == SPF_MS_DOMAIN &&
				    macro_letter_ok(s[j], SPF_MS_EXPLAIN))
					return set_err(err, xasprintf(
					    "macro '%%{%c}' is "
					    "allowed only in exp= text (RFC "
					    "7208 7.3)",
					    s[j]));
				return set_err(err, xasprintf(
				    "invalid macro letter in "
				    "'%.*s'",
				    (int)(len - i > 8 ? 8 : len - i), s + i));
			}
			j++;
			if (j < len && lex_is_digit((unsigned char)s[j])) {
				/* RFC 7208 7.3: a DIGIT transformer MUST be
				 * nonzero. */
				size_t d = j;
				unsigned long n = 0;

				while (j < len &&
				    lex_is_digit((unsigned char)s[j])) {
					if (n < 100000)
						n = n * 10 +
						    (unsigned)(s[j] - '0');
					j++;
				}
				if (n == 0)
					return set_err(err, xasprintf(
					    "macro transformer "
					    "'%.*s' must not be zero",
					    (int)(j - d), s + d));
			}
			if (j < len && (s[j] == 'r' || s[j] == 'R'))
				j++;
			while (j < len && delimiter(s[j]))
				j++;
			if (j >= len || s[j] != '}')
				return set_err(
				    err,
				    xasprintf("invalid macro '%.*s'",
				              (int)(j - i + (j < len)), s + i));
			i = j + 1;
			macro = true;
			continue;
		}
		/* macro-literal = %x21-24 / %x26-7E; explain-string adds SP */
		if (ch == ' ' && kind == SPF_MS_EXPLAIN) {
			i++;
			macro = false;
			continue;
		}
		if (ch < 0x21 || ch > 0x7e)
			return set_err(
			    err, xasprintf("invalid character 0x%02x", ch));
		i++;
		macro = false;
	}
	if (ends_in_macro != NULL)
		*ends_in_macro = macro;
	return 0;
}

int
spf_domain_spec_check(const char *s, size_t len, char **err)
{
	bool macro = false;
	size_t end, dot, lit;

	if (len == 0)
		return set_err(err, xstrdup("empty domain-spec"));
	if (spf_mstr_check(s, len, SPF_MS_DOMAIN, &macro, err) < 0)
		return -1;
	/* domain-end = ( "." toplabel [ "." ] ) / macro-expand */
	if (macro)
		return 0;
	/* The trailing literal run: back to the end of the last macro.  A
	 * literal '%' never appears (it always starts a macro), so scanning
	 * back to a '%' or '}' of a macro is enough; '}' is also a literal,
	 * so find the run by re-scanning forward. */
	lit = 0;
	{
		size_t i = 0;

		while (i < len) {
			if (s[i] == '%') {
				if (s[i + 1] == '{') {
					while (s[i] != '}')
						i++;
				} else {
					i++;
				}
				i++;
				lit = i;
			} else {
				i++;
			}
		}
	}
	end = len;
	if (end > lit && s[end - 1] == '.')
		end--;
	for (dot = end; dot > lit && s[dot - 1] != '.'; dot--)
		;
	if (dot == lit || !lex_check_toplabel(s + dot, end - dot))
		return set_err(
		    err, xasprintf("'%.*s' does not end in a valid top-level "
		                   "label (RFC 7208 7.1 domain-end)",
		                   (int)len, s));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Domain names                                                        */

/* The name checks are lex_check_domain()'s; these keep SPF's flags in one
 * place (see lex.h for why SPF takes any octet in a label). */
bool
spf_name_ok(const char *name)
{
	return lex_check_domain(name, strlen(name), LEX_DN_TRAILING_DOT);
}

bool
spf_domain_ok(const char *name)
{
	/* A domain literal ("[192.0.2.1]") is not a domain, nor is a single
	 * label (RFC 7208 4.3); printable ASCII only. */
	return name != NULL && name[0] != '[' &&
	    lex_check_domain(name, strlen(name), LEX_DN_TRAILING_DOT |
	    LEX_DN_VCHAR | LEX_DN_MULTI_LABEL);
}

void
spf_domain_truncate(char *name)
{
	size_t len = strlen(name);
	char *p;

	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	p = name;
	while (len > SPF_MAX_DOMAIN) {
		char *dot = strchr(p, '.');

		if (dot == NULL)
			break;
		len -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
	if (p != name)
		memmove(name, p, len + 1);
}

bool
spf_name_in(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (d > 0 && domain[d - 1] == '.')
		d--;
	return lex_domain_within(name, n, domain, d);
}

/* ------------------------------------------------------------------ */
/* Addresses and prefix lengths                                        */

/* RFC 7208 5.6: ip4-network = qnum "." qnum "." qnum "." qnum, with
 * qnum a decimal 0-255 without leading zeros. */
static bool
parse_ip4(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && lex_is_digit((unsigned char)s[i])) {
			if (digits > 0 && v == 0)
				return false; /* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return false;
			digits++;
			i++;
		}
		if (digits == 0)
			return false;
		out[part] = (unsigned char)v;
	}
	return i == len;
}

static bool
parse_ip6(const char *s, size_t len, unsigned char out[16])
{
	char tmp[64];
	size_t i;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	for (i = 0; i < len; i++)
		if (!lex_is_hexdig((unsigned char)s[i]) && s[i] != ':' &&
		    s[i] != '.')
			return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, out) == 1;
}

/* A prefix length "0" / %x31-39 0*2DIGIT, at most max; -1 if bad. */
static int
parse_cidr(const char *s, size_t len, int max)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (!lex_is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Length of a trailing "/" 1*DIGIT in s[0..len), or 0. */
static size_t
trailing_slash_digits(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && lex_is_digit((unsigned char)s[i - 1]))
		i--;
	if (i == len || i == 0 || s[i - 1] != '/')
		return 0;
	return len - i + 1;
}

/* ------------------------------------------------------------------ */
/* Terms                                                               */

static void
add_error(struct spf_record *r, char *msg)
{
	r->errors = xreallocarray(r->errors, r->nerrors + 1, sizeof(char *));
	r->errors[r->nerrors++] = msg;
}

static const struct {
	const char *name;
	enum spf_mech mech;
} mechs[] = {
    {"all", SPF_M_ALL}, {"include", SPF_M_INCLUDE}, {"a", SPF_M_A},
    {"mx", SPF_M_MX},   {"ptr", SPF_M_PTR},         {"ip4", SPF_M_IP4},
    {"ip6", SPF_M_IP6}, {"exists", SPF_M_EXISTS},
};

/* ":" domain-spec in s[0..len) (len > 0), kept in t->spec; NULL or the
 * error text. */
static char *
colon_spec(struct spf_term *t, const char *s, size_t len)
{
	char *err, *e;

	if (s[0] != ':')
		return xasprintf("unexpected text after the mechanism name in "
		                 "'%s'",
		                 t->text);
	if (spf_domain_spec_check(s + 1, len - 1, &err) < 0) {
		e = xasprintf("%s: %s", t->text, err);
		free(err);
		return e;
	}
	t->spec = xstrndup(s + 1, len - 1);
	return NULL;
}

/* a, mx: [ ":" domain-spec ] [ dual-cidr-length ] in s[0..len). */
static char *
parse_a_mx(struct spf_term *t, const char *s, size_t len)
{
	size_t n;

	/* dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ],
	 * taken from the end since a domain-spec may hold '/' itself. */
	n = trailing_slash_digits(s, len);
	if (n > 0 && len - n > 0 && s[len - n - 1] == '/') {
		t->cidr6 = parse_cidr(s + len - n + 1, n - 1, SPF_IP6_BITS);
		if (t->cidr6 < 0)
			return xasprintf("bad IPv6 prefix length in '%s'",
			                 t->text);
		len -= n + 1;
		n = trailing_slash_digits(s, len);
	}
	if (n > 0) {
		t->cidr4 = parse_cidr(s + len - n + 1, n - 1, SPF_IP4_BITS);
		if (t->cidr4 < 0)
			return xasprintf("bad IPv4 prefix length in '%s'",
			                 t->text);
		len -= n;
	}
	return len == 0 ? NULL : colon_spec(t, s, len);
}

/* ":" domain-spec, required (include, exists) or optional (ptr). */
static char *
parse_target(struct spf_term *t, const char *s, size_t len, bool required)
{
	if (len == 0) {
		if (required)
			return xasprintf("'%s' needs ':' and a domain",
			                 t->text);
		return NULL;
	}
	return colon_spec(t, s, len);
}

static char *
parse_ip(struct spf_term *t, const char *s, size_t len, bool six)
{
	size_t n, alen;
	int max = six ? SPF_IP6_BITS : SPF_IP4_BITS;
	const char *slash;

	if (len == 0 || s[0] != ':')
		return xasprintf("'%s' needs ':' and an address", t->text);
	s++;
	len--;
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	if (six ? !parse_ip6(s, alen, t->net) : !parse_ip4(s, alen, t->net))
		return xasprintf("bad %s address in '%s'",
		                 six ? "IPv6" : "IPv4", t->text);
	if (slash != NULL) {
		n = len - alen - 1;
		if (six)
			t->cidr6 = parse_cidr(slash + 1, n, max);
		else
			t->cidr4 = parse_cidr(slash + 1, n, max);
		if ((six ? t->cidr6 : t->cidr4) < 0)
			return xasprintf("bad prefix length in '%s'", t->text);
	}
	return NULL;
}

static void
parse_modifier(struct spf_record *r, const char *name, size_t namelen,
               const char *val, size_t vlen, const char *text)
{
	char *err = NULL;

	if (util_strcaseeq_n(name, namelen, "redirect", 8) ||
	    util_strcaseeq_n(name, namelen, "exp", 3)) {
		bool redirect = namelen == 8;
		char **slot = redirect ? &r->redirect : &r->exp;

		/* RFC 7208 6: each at most once. */
		if (*slot != NULL) {
			add_error(r, xasprintf("'%.*s' appears more than once "
			                       "(RFC 7208 6)",
			                       (int)namelen, name));
			return;
		}
		if (spf_domain_spec_check(val, vlen, &err) < 0) {
			add_error(r, xasprintf("%s: %s", text, err));
			free(err);
			return;
		}
		*slot = xstrndup(val, vlen);
		return;
	}
	/* RFC 7208 6: unknown modifiers are ignored, but their value must
	 * still be a macro-string (A/3).  RFC 4406 3.3 adds positional
	 * modifiers to spf2.0 records, but defines none: every modifier
	 * other than redirect and exp (global, singular) is unknown there
	 * too, and ignored wherever it stands. */
	if (spf_mstr_check(val, vlen, SPF_MS_MODIFIER, NULL, &err) < 0) {
		add_error(r, xasprintf("%s: %s", text, err));
		free(err);
		return;
	}
	r->mods = xreallocarray(r->mods, r->nmods + 1, sizeof(*r->mods));
	r->mods[r->nmods].name = xstrndup(name, namelen);
	r->mods[r->nmods].value = xstrndup(val, vlen);
	r->nmods++;
}

/* One term of a record (RFC 7208 4.6.1): a directive or a modifier.
 * About 90 lines: the ABNF of each mechanism's argument (domain-spec,
 * dual-cidr-length, ip4-network, ip6-network), checked in order. */
static void
parse_term(struct spf_record *r, const char *s, size_t len)
{
	struct spf_term t;
	size_t i = 0, namelen, k;
	const char *name;
	char *err = NULL;
	char *text = xstrndup(s, len);

	for (k = 0; k < len; k++) {
		if ((unsigned char)s[k] < 0x21 || (unsigned char)s[k] > 0x7e) {
			add_error(r, xasprintf("invalid character 0x%02x in a "
			                       "term (RFC 7208 4.6.1, 3.1)",
			                       (unsigned char)s[k]));
			free(text);
			return;
		}
	}
	memset(&t, 0, sizeof(t));
	t.qual = '+';
	t.cidr4 = t.cidr6 = -1;
	t.text = text;
	if (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?') {
		t.qual = s[0];
		i = 1;
	}
	/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	name = s + i;
	namelen = (size_t)(lex_skip_spf_name(name, s + len) - name);
	if (namelen == 0) {
		add_error(r, xasprintf("'%s' is neither a mechanism nor a "
		                       "modifier",
		                       text));
		free(text);
		return;
	}
	i += namelen;
	if (i < len && s[i] == '=') {
		if (t.qual != '+' || s[0] == '+')
			add_error(r, xasprintf("'%s': a modifier takes no "
			                       "qualifier",
			                       text));
		else
			parse_modifier(r, name, namelen, s + i + 1, len - i - 1,
			               text);
		free(text);
		return;
	}
	for (k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++)
		if (util_strcaseeq_n(name, namelen, mechs[k].name,
		                     strlen(mechs[k].name)))
			break;
	if (k == sizeof(mechs) / sizeof(mechs[0])) {
		add_error(r, xasprintf("unknown mechanism '%.*s' in '%s'",
		                       (int)namelen, name, text));
		free(text);
		return;
	}
	t.mech = mechs[k].mech;
	switch (t.mech) {
	case SPF_M_ALL:
		if (i != len)
			err = xasprintf("'all' takes no argument: '%s'", text);
		r->has_all = true;
		break;
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
		err = parse_target(&t, s + i, len - i, true);
		break;
	case SPF_M_PTR:
		err = parse_target(&t, s + i, len - i, false);
		break;
	case SPF_M_A:
	case SPF_M_MX:
		err = parse_a_mx(&t, s + i, len - i);
		break;
	case SPF_M_IP4:
	case SPF_M_IP6:
		err = parse_ip(&t, s + i, len - i, t.mech == SPF_M_IP6);
		break;
	}
	if (err != NULL) {
		add_error(r, err);
		free(t.spec);
		free(text);
		return;
	}
	r->terms = xreallocarray(r->terms, r->nterms + 1, sizeof(t));
	r->terms[r->nterms++] = t;
}

struct spf_record *
spf_record_parse(const char *s, size_t len)
{
	struct spf_record *r = xcalloc(1, sizeof(*r));
	size_t i = 0, start;

	/* record = version terms *SP; terms = *( 1*SP ( directive /
	 * modifier ) ): terms are separated by spaces only (RFC 7208
	 * 4.6.1), so a TAB or CR inside is part of a term, and an error. */
	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		parse_term(r, s + start, i - start);
	}
	return r;
}

/* What one term and one modifier own (util_array_free's elem_clear). */
static void
term_clear(void *p)
{
	struct spf_term *t = p;

	UTIL_FREE_ALL(t->text, t->spec);
}

static void
modifier_clear(void *p)
{
	struct spf_modifier *m = p;

	UTIL_FREE_ALL(m->name, m->value);
}

void
spf_record_free(struct spf_record *r)
{
	if (r == NULL)
		return;
	util_array_free(r->terms, r->nterms, sizeof(*r->terms), term_clear);
	util_array_free(r->mods, r->nmods, sizeof(*r->mods), modifier_clear);
	util_strv_free(r->errors, r->nerrors);
	UTIL_FREE_ALL(r->redirect, r->exp, r);
}

/* ------------------------------------------------------------------ */
/* Versions and record selection                                       */

size_t
spf_version_len(const char *s, size_t len, bool sender_id, bool *v2,
                const char **scopes, size_t *scopeslen)
{
	size_t i;

	*v2 = false;
	/* RFC 7208 4.5: "v=spf1" followed by SP or the end (case-
	 * insensitive: ABNF strings are). */
	if (len >= 6 && util_strcaseeq_n(s, 6, "v=spf1", 6) &&
	    (len == 6 || s[6] == ' '))
		return 6;
	if (!sender_id)
		return 0;
	/* RFC 4406 3.1: "spf2." ver-minor scope; scope = "/" scope-id
	 * *( "," scope-id ). */
	if (len < 5 || !util_strcaseeq_n(s, 5, "spf2.", 5))
		return 0;
	i = 5;
	if (i >= len || !lex_is_digit((unsigned char)s[i]))
		return 0;
	while (i < len && lex_is_digit((unsigned char)s[i]))
		i++;
	if (i >= len || s[i] != '/')
		return 0;
	i++;
	*scopes = s + i;
	for (;;) {
		/* scope-id = "mfrom" / "pra" / name */
		size_t n =
		    (size_t)(lex_skip_spf_name(s + i, s + len) - (s + i));
		if (n == 0)
			return 0;
		i += n;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		break;
	}
	if (i < len && s[i] != ' ')
		return 0;
	*scopeslen = (size_t)(s + i - *scopes);
	*v2 = true;
	return i;
}

/* RFC 4406 4.4 step 3: a complete, case-insensitive match of one token. */
static bool
scope_listed(const char *scopes, size_t len, const char *want)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && scopes[j] != ',')
			j++;
		if (util_strcaseeq_n(scopes + i, j - i, want, strlen(want)))
			return true;
		i = j + 1;
	}
	return false;
}

long
spf_select_record(const struct dns_answer *ans, enum spf_scope scope,
                  bool sender_id)
{
	long v1 = -1, v2 = -1;
	unsigned nv1 = 0, nv2 = 0;
	size_t i;
	const char *want;

	if (ans == NULL || ans->status != DNS_OK)
		return -1;
	/* Sender ID has no HELO scope: the HELO check uses v=spf1. */
	if (scope == SPF_SCOPE_HELO)
		sender_id = false;
	want = scope == SPF_SCOPE_PRA ? "pra" : "mfrom";
	for (i = 0; i < ans->n; i++) {
		const char *s = ans->rr[i].data, *scopes = NULL;
		size_t len = ans->rr[i].len, slen = 0;
		bool isv2;

		if (s == NULL || spf_version_len(s, len, sender_id, &isv2,
		                                 &scopes, &slen) == 0)
			continue;
		if (!isv2) {
			if (nv1++ == 0)
				v1 = (long)i;
		} else if (scope_listed(scopes, slen, want)) {
			if (nv2++ == 0)
				v2 = (long)i;
		}
	}
	/* RFC 4406 4.4 steps 4-5 and 3.4: spf2.0 records for the scope win;
	 * else v=spf1 counts as "spf2.0/mfrom,pra". */
	if (nv2 > 0)
		return nv2 > 1 ? -2 : v2;
	if (nv1 > 0)
		return nv1 > 1 ? -2 : v1;
	return -1;
}

int
spf_record_check(const char *record, size_t len, char **err)
{
	struct spf_record *r;
	size_t vlen, k;
	bool v2;
	const char *scopes;
	size_t slen;
	int ret = 0;

	vlen = spf_version_len(record, len, true, &v2, &scopes, &slen);
	if (vlen == 0)
		return set_err(
		    err, xstrdup("not an SPF record (no \"v=spf1\" version)"));
	for (k = 0; k < len; k++)
		if ((unsigned char)record[k] < 0x20 ||
		    (unsigned char)record[k] > 0x7e)
			return set_err(
			    err,
			    xasprintf("invalid character 0x%02x in the "
			              "record (RFC 7208 3.1: US-ASCII only)",
			              (unsigned char)record[k]));
	r = spf_record_parse(record + vlen, len - vlen);
	if (r->nerrors > 0)
		ret = set_err(err, xstrdup(r->errors[0]));
	spf_record_free(r);
	return ret;
}
