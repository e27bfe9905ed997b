/*
 * result: RFC 8601 result words, exit codes, and the writers of every
 * header field the programs add (Authentication-Results, Received-SPF).
 *
 * Injection safety (DESIGN.md "Contract"): every value that comes from a
 * message or the command line passes through ar_pvalue()/ar_quote() or
 * comment(), which never let a ';', a line break, or an unbalanced quote or
 * parenthesis through unescaped.  So no input can add a resinfo, a
 * property, a Received-SPF key or a header field.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/lex.h"
#include "common/result.h"
#include "common/util.h"

/* RFC 5322 2.1.1: a line MUST be no more than 998 characters.  A single
 * value longer than this (a hostile address, say) is cut so that even an
 * unfoldable word keeps the field valid; the cut is marked with "...". */
#define AR_VALUE_MAX 512

static const char *const res_names[] = {
    [RES_NONE] = "none",
    [RES_PASS] = "pass",
    [RES_FAIL] = "fail",
    [RES_SOFTFAIL] = "softfail",
    [RES_NEUTRAL] = "neutral",
    [RES_TEMPERROR] = "temperror",
    [RES_PERMERROR] = "permerror",
    [RES_POLICY] = "policy",
};

const char *
res_name(enum res r)
{
	if ((unsigned)r >= sizeof res_names / sizeof res_names[0])
		return "permerror";
	return res_names[r];
}

int
res_spf_exit(enum res r)
{
	/* Mail::SPF's spfquery exit codes (DESIGN.md, spfquery). */
	switch (r) {
	case RES_PASS:
		return 0;
	case RES_FAIL:
		return 1;
	case RES_SOFTFAIL:
		return 2;
	case RES_NEUTRAL:
		return 3;
	case RES_PERMERROR:
	case RES_POLICY:
		return 4;
	case RES_TEMPERROR:
		return 5;
	case RES_NONE:
	default:
		return 6;
	}
}

int
res_check_exit(enum res r)
{
	switch (r) {
	case RES_PASS:
		return EXIT_PASS;
	case RES_NONE:
		return EXIT_NOTHING;
	case RES_TEMPERROR:
		return EX_TEMPFAIL;
	default:
		return EXIT_NOTPASS;
	}
}

bool
ar_is_token(const char *s)
{
	size_t len = strlen(s);

	/* RFC 2045 5.1 token */
	return len > 0 && lex_skip_token(s, s + len) == s + len;
}

/* A domain name as a pvalue may hold it (RFC 8601 2.2 domain-name, RFC
 * 6376 3.5 / RFC 5321 4.1.2 Domain): labels of letters, digits, '-' (and
 * '_', which DKIM selectors and SPF names use), separated by single dots,
 * an optional final dot.  Nothing in it can read as "method=result". */
static bool
is_domain_name(const char *s)
{
	return lex_check_domain(s, strlen(s), LEX_DN_TRAILING_DOT |
	    LEX_DN_LDH_UNDERSCORE | LEX_DN_ANY_LENGTH);
}

/* Characters a quoted pvalue may hold.  A quoted-string is valid RFC 8601
 * syntax for any text, but readers of the field (procmail and maildrop
 * recipes, the regexes of docs/guides) match "dkim=pass" anywhere on the
 * line, and naive parsers split at ';' and spaces: sender-chosen text
 * such as header.i="dkim=pass header.d=bank.test x@example.com" used to
 * read as a second result (issue 8).  So a quoted value never holds '=',
 * ';', a space, a quote, a backslash or a parenthesis. */
static bool
quotable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("=;\"\\()", *s) != NULL)
			return false;
	return true;
}

/* Copy s, cut at AR_VALUE_MAX bytes, with every control byte (CR, LF, TAB,
 * NUL cannot occur) and every non-ASCII byte replaced: the result is safe
 * printable ASCII.  The cut counts the bytes a quoted-string or comment
 * will escape ('"', '\\', '(', ')') as two: cutting on the raw length let
 * a value of 512 '"' become a 1026-byte word, and a line over the 998 of
 * RFC 5322 2.1.1 (found by t/fuzz/fuzz-result.c). */
static char *
sanitize(const char *s)
{
	size_t n, i, cost = 0;
	bool cut;
	char *o;

	for (n = 0; s[n] != '\0'; n++) {
		cost += strchr("\"\\()=", s[n]) != NULL ? 2 : 1;
		if (cost > AR_VALUE_MAX)
			break;
	}
	cut = s[n] != '\0';
	o = xmalloc(n + 4);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		o[i] = (c < 0x20 || c == 0x7f) ? ' ' : (c >= 0x80 ? '?' : (char)c);
	}
	if (cut)
		memcpy(o + n, "...", 3), n += 3;
	o[n] = '\0';
	return o;
}

/* CLEAN (sanitize()d; freed here) as a quoted-string (RFC 5322 3.2.4). */
static char *
quoted_string(char *clean)
{
	struct buf b = BUF_INIT;
	const char *p;

	buf_addc(&b, '"');
	for (p = clean; *p; p++) {
		/* '=' as a quoted-pair: see spf_value() */
		if (*p == '"' || *p == '\\' || *p == '=')
			buf_addc(&b, '\\');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	free(clean);
	return buf_detach(&b);
}

char *
ar_quote(const char *s)
{
	char *clean = sanitize(s);

	if (ar_is_token(clean))
		return clean;
	return quoted_string(clean);
}

/*
 * A property value (RFC 8601 2.2 pvalue = value / [ [ local-part ] "@" ]
 * domain-name), or NULL when the property is better left out.  Values
 * come from the message (header.i, header.from, smtp.mailfrom, smtp.helo,
 * ...) and must not read as a result (see quotable()):
 *   - an RFC 2045 token (no '=' in one) is written as it is;
 *   - an address whose domain is a domain name: bare when its local part
 *     is a dot-atom (RFC 5322 3.2.3) without '=', else "@domain" alone
 *     (the pvalue grammar above makes the local part optional);
 *   - anything else is quoted only when quotable(), else left out.
 * SRS addresses (local parts full of '=') thus show as "@forwarder".
 */
static char *
ar_pvalue(const char *s)
{
	char *clean = sanitize(s), *at, *r;

	if (ar_is_token(clean))
		return clean;
	at = strrchr(clean, '@');
	if (at != NULL && is_domain_name(at + 1)) {
		if (at == clean ||
		    (lex_check_dot_atom_text(clean, (size_t)(at - clean)) &&
		    memchr(clean, '=', (size_t)(at - clean)) == NULL))
			return clean;
		r = xstrdup(at);
		free(clean);
		return r;
	}
	if (quotable(clean))
		return quoted_string(clean);
	free(clean);
	return NULL;
}

/* Received-SPF key-value (RFC 7208 9.1): dot-atom / quoted-string.  A
 * dot-atom holding '=' is quoted, and in the quoted-string every '=' is
 * the quoted-pair "\\=" (the same character to an RFC 5322 parser): no
 * sender-chosen text then reads as "key=value" or "spf=pass" to a regex
 * or a splitter at ';' (issue 8). */
static char *
spf_value(const char *s)
{
	char *clean = sanitize(s);

	if (lex_check_dot_atom_text(clean, strlen(clean)) &&
	    strchr(clean, '=') == NULL)
		return clean;
	return quoted_string(clean);
}

/* A comment "(text)" (RFC 5322 3.2.2) that always closes where we close
 * it, and that a regex or a naive parser cannot misread (issue 8): reasons
 * and the Received-SPF comment carry sender-chosen text (addresses, HELO
 * names, record text).  '(' and ')' become '[' and ']' (a quoted-pair
 * "\(" is valid but leaves the parentheses unbalanced to a reader that
 * counts them), ';' becomes ',' (readers split results at ';'), '\' is a
 * quoted-pair, and an '=' followed by a non-space is the quoted-pair
 * "\=", so no "word=word" (dkim=pass) appears. */
static char *
comment(const char *s)
{
	char *clean = sanitize(s);
	struct buf b = BUF_INIT;
	const char *p;

	buf_addc(&b, '(');
	for (p = clean; *p; p++) {
		if (*p == '(')
			buf_addc(&b, '[');
		else if (*p == ')')
			buf_addc(&b, ']');
		else if (*p == ';')
			buf_addc(&b, ',');
		else {
			if (*p == '\\' ||
			    (*p == '=' && p[1] != ' ' && p[1] != '\0'))
				buf_addc(&b, '\\');
			buf_addc(&b, *p);
		}
	}
	buf_addc(&b, ')');
	free(clean);
	return buf_detach(&b);
}

/* Names we generate (methods, ptypes, properties) are program constants;
 * still, keep only token characters so a caller's mistake cannot break
 * the syntax. */
static char *
keyword(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s; s++)
		if (lex_is_token_char((unsigned char)*s) || *s == '.')
			buf_addc(&b, *s);
	if (b.len == 0)
		buf_adds(&b, "x");
	return buf_detach(&b);
}

struct ar_prop {
	char *ptype;
	char *property;
	char *value; /* already quoted as needed */
};

struct ar_resinfo {
	char *method;
	enum res r;
	char *reason; /* already a "(comment)", or NULL */
	struct ar_prop *props;
	size_t nprops;
};

struct ar {
	char *id; /* already quoted as needed */
	struct ar_resinfo *ri;
	size_t n;
};

struct ar *
ar_new(const char *authserv_id)
{
	struct ar *a = xcalloc(1, sizeof *a);

	a->id = ar_quote(authserv_id && *authserv_id ? authserv_id : "localhost");
	return a;
}

void
ar_free(struct ar *a)
{
	size_t i, j;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < a->ri[i].nprops; j++) {
			free(a->ri[i].props[j].ptype);
			free(a->ri[i].props[j].property);
			free(a->ri[i].props[j].value);
		}
		free(a->ri[i].props);
		free(a->ri[i].method);
		free(a->ri[i].reason);
	}
	free(a->ri);
	free(a->id);
	free(a);
}

void
ar_add(struct ar *a, const char *method, enum res r, const char *reason)
{
	struct ar_resinfo *ri;

	a->ri = xreallocarray(a->ri, a->n + 1, sizeof *a->ri);
	ri = &a->ri[a->n++];
	memset(ri, 0, sizeof *ri);
	ri->method = keyword(method);
	ri->r = r;
	ri->reason = reason && *reason ? comment(reason) : NULL;
}

void
ar_prop(struct ar *a, const char *ptype, const char *property,
    const char *value)
{
	struct ar_resinfo *ri;
	struct ar_prop *p;
	char *v;

	if (a->n == 0 || value == NULL)
		return;
	/* NULL: a value that cannot be written safely is left out */
	if ((v = ar_pvalue(value)) == NULL)
		return;
	ri = &a->ri[a->n - 1];
	ri->props = xreallocarray(ri->props, ri->nprops + 1, sizeof *ri->props);
	p = &ri->props[ri->nprops++];
	p->ptype = keyword(ptype);
	p->property = keyword(property);
	p->value = v;
}

size_t
ar_count(const struct ar *a)
{
	return a->n;
}

/* The words of one resinfo, for joining with spaces or folding. */
static size_t
resinfo_words(const struct ar_resinfo *ri, char ***words)
{
	size_t n = 0, j;
	char **w = xcalloc(ri->nprops + 2, sizeof *w);

	w[n++] = xasprintf("%s=%s", ri->method, res_name(ri->r));
	if (ri->reason)
		w[n++] = xstrdup(ri->reason);
	for (j = 0; j < ri->nprops; j++)
		w[n++] = xasprintf("%s.%s=%s", ri->props[j].ptype,
		    ri->props[j].property, ri->props[j].value);
	*words = w;
	return n;
}

char *
ar_resinfo_line(const struct ar *a, size_t i)
{
	struct buf b = BUF_INIT;
	char **w;
	size_t n, j;

	if (i >= a->n)
		return xstrdup("");
	n = resinfo_words(&a->ri[i], &w);
	for (j = 0; j < n; j++) {
		if (j)
			buf_addc(&b, ' ');
		buf_adds(&b, w[j]);
	}
	util_strv_free(w, n);
	return buf_detach(&b);
}

/* Folding writer: words separated by one space, a new line (eol + TAB)
 * started before a word that would pass AR_FOLD_COLUMN.  A comment word is
 * split at its own spaces when it is too long for a line (FWS is allowed
 * inside a comment, RFC 5322 3.2.2). */
struct folder {
	struct buf b;
	size_t col;
	const char *eol;
};

static void
fold_newline(struct folder *f)
{
	buf_adds(&f->b, f->eol);
	buf_addc(&f->b, '\t');
	f->col = 1;
}

/* Where to split a comment word w[0..n): the longest head w[0..k) that
 * fits in room columns, with w[k] a space and w[k - 1] not one: so no line
 * holds only WSP (RFC 5322 3.2.2: folding "MUST NOT be inserted in such a
 * way that any line of a folded header field is made up entirely of WSP
 * characters"), and none ends in WSP.  Every space in a comment we write
 * is plain content (comment() escapes only '(', ')' and '\\'), so any of
 * them is a place to fold.  With any, when no head fits, the shortest
 * head.  0 when there is none. */
static size_t
comment_split(const char *w, size_t n, size_t room, bool any)
{
	size_t k, best = 0;

	for (k = 2; k < n; k++) {
		if (w[k] != ' ' || w[k - 1] == ' ')
			continue;
		if (k > room) {
			if (any && best == 0)
				best = k;
			break;
		}
		best = k;
	}
	return best;
}

/*
 * Add word w, after a space when space is true.  A long comment (over 20
 * bytes) is split at its spaces as often as needed.  It used to be split
 * at most twice, never at a space after an escaped backslash, and anywhere
 * in a run of spaces: a long reason made lines of hundreds of columns, or
 * lines of only WSP (found by t/fuzz/fuzz-result.c).
 */
static void
fold_word(struct folder *f, const char *w, bool space)
{
	size_t n = strlen(w), k, sp;
	bool cmt = w[0] == '(' && n > 20;

	for (;;) {
		sp = space ? 1 : 0;
		if (f->col + sp + n <= AR_FOLD_COLUMN)
			break;
		if (cmt && f->col + sp + 8 < AR_FOLD_COLUMN &&
		    (k = comment_split(w, n, AR_FOLD_COLUMN - f->col - sp,
		    f->col <= 1)) > 0) {
			if (space)
				buf_addc(&f->b, ' ');
			buf_add(&f->b, w, k);
			fold_newline(f);
			w += k + 1; /* the space becomes the fold */
			n -= k + 1;
			space = false;
			continue;
		}
		if (space && f->col > 1) {
			fold_newline(f);
			space = false;
			continue;
		}
		break; /* an unbreakable word: it gets a line of its own */
	}
	if (space) {
		buf_addc(&f->b, ' ');
		f->col++;
	}
	buf_add(&f->b, w, n);
	f->col += n;
}

char *
ar_field(const struct ar *a, const char *eol)
{
	struct folder f = {BUF_INIT, 0, eol};
	size_t i, j, n;
	char **w;

	buf_adds(&f.b, "Authentication-Results:");
	f.col = f.b.len;
	if (a->n == 0) {
		char *id = xasprintf("%s;", a->id);
		fold_word(&f, id, true);
		fold_word(&f, "none", true);
		free(id);
	} else {
		char *id = xasprintf("%s;", a->id);
		fold_word(&f, id, true);
		free(id);
	}
	for (i = 0; i < a->n; i++) {
		n = resinfo_words(&a->ri[i], &w);
		for (j = 0; j < n; j++) {
			if (j == n - 1 && i != a->n - 1) {
				char *last = xasprintf("%s;", w[j]);
				fold_word(&f, last, true);
				free(last);
			} else {
				fold_word(&f, w[j], true);
			}
		}
		util_strv_free(w, n);
	}
	buf_adds(&f.b, eol);
	return buf_detach(&f.b);
}

/* authserv-ids compare without case and without one trailing dot: they
 * are usually host names (RFC 8601 2.5), where "MX.example.org." names the
 * same host as "mx.example.org" (RFC 4343, RFC 1034 3.1), and a forger
 * must not escape removal by changing either. */
static bool
id_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen > 1 && a[alen - 1] == '.')
		alen--;
	if (blen > 1 && b[blen - 1] == '.')
		blen--;
	return util_strcaseeq_n(a, alen, b, blen);
}

/* RFC 8601 2.2: authres-header-field = "Authentication-Results:"
 * authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo ) CRLF,
 * authserv-id = value = token / quoted-string. */
bool
ar_value_has_authserv_id(const char *value, size_t len, const char *authserv_id)
{
	const char *p = value, *end = value + len, *q;
	char *id;
	size_t idlen;
	bool r;

	p = lex_skip_cfws(p, end);
	if (p < end && *p == '"') {
		q = lex_skip_quoted_string_utf8(p, end);
		if (q == p)
			return false;
		/* Unquoted: quoted-pairs resolved, folding removed. */
		id = xmalloc((size_t)(q - p));
		idlen = lex_quoted_string_value(p, q, id);
	} else {
		q = lex_skip_token(p, end);
		id = xmemdup(p, (size_t)(q - p));
		idlen = (size_t)(q - p);
	}
	r = idlen > 0 && id_eq(id, idlen, authserv_id);
	free(id);
	return r;
}

/* ------------------------------------------------ ar_write_stripped() */

#define AR_NAME "authentication-results"
#define AR_NAMELEN 22

enum strip_line {
	SL_HEAD, /* start of a line, not yet classified (bytes in s->fb) */
	SL_KEEP, /* a line (or field) written as it comes */
	SL_CAND, /* an Authentication-Results field, held in s->fb */
	SL_DROP, /* an Authentication-Results field being left out */
};

struct strip {
	FILE *f;
	const char *id;
	enum strip_line st;
	enum strip_line field; /* what continuation lines belong to */
	size_t headlen;        /* bytes of the line in fb while SL_HEAD */
	struct buf fb;
	size_t nremoved;
};

static int
strip_put(struct strip *s, const char *p, size_t n)
{
	errno = 0;
	if (n > 0 && fwrite(p, 1, n, s->f) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* The held Authentication-Results field is complete: write it unless it
 * claims our authserv-id. */
static int
strip_decide(struct strip *s)
{
	const char *p = s->fb.data, *colon, *end = p + s->fb.len;

	colon = memchr(p, ':', s->fb.len);
	if (end > p && end[-1] == '\n')
		end--;
	if (end > p && end[-1] == '\r')
		end--;
	if (colon != NULL && colon < end &&
	    !ar_value_has_authserv_id(colon + 1, (size_t)(end - colon - 1),
	    s->id)) {
		if (strip_put(s, s->fb.data, s->fb.len) < 0)
			return -1;
	} else
		s->nremoved++;
	s->fb.len = 0;
	return 0;
}

/* A line starts with byte c: a continuation of the field above, or a new
 * line (which decides a held field).  Returns 0, or -1 on a write
 * error. */
static int
strip_line_start(struct strip *s, char c)
{
	if (c == ' ' || c == '\t') {
		/* Folding: the line belongs to the field above (RFC 5322
		 * 2.2.3). */
		s->st = s->field;
		return 0;
	}
	if (s->field == SL_CAND && strip_decide(s) < 0)
		return -1;
	s->st = SL_HEAD;
	s->headlen = 0;
	return 0;
}

/* The line held in fb is not an Authentication-Results field: write it
 * and the rest of the line as it comes. */
static int
strip_keep_line(struct strip *s)
{
	s->st = s->field = SL_KEEP;
	if (strip_put(s, s->fb.data, s->fb.len) < 0)
		return -1;
	s->fb.len = 0;
	return 0;
}

/* An Authentication-Results field too long to read within bounded memory
 * (see AR_STRIP_FIELD_MAX): left out, with its continuation lines. */
static void
strip_too_long(struct strip *s)
{
	s->fb.len = 0;
	s->nremoved++;
	s->st = s->field = SL_DROP;
}

/* One header byte.  Returns 1 when it ended the header section (the
 * empty line, written), 0, or -1 on a write error. */
static int
strip_byte(struct strip *s, char c)
{
	switch (s->st) {
	case SL_KEEP:
		if (strip_put(s, &c, 1) < 0)
			return -1;
		break;
	case SL_DROP:
		break;
	case SL_CAND:
		if (s->fb.len >= AR_STRIP_FIELD_MAX) {
			strip_too_long(s);
			break;
		}
		buf_addc(&s->fb, c);
		break;
	case SL_HEAD:
		buf_addc(&s->fb, c);
		s->headlen++;
		if (s->fb.data[0] == '\r' && s->headlen <= 2) {
			/* CRLF alone is the empty line; CR then anything
			 * else starts a line that is no field. */
			if (s->headlen == 1)
				return 0;
			if (c == '\n')
				goto empty;
			if (strip_keep_line(s) < 0)
				return -1;
			break;
		}
		if (s->headlen == 1 && c == '\n')
			goto empty;
		if (s->headlen <= AR_NAMELEN) {
			/* The name, in any case (RFC 5322 1.2.2). */
			if (tolower((unsigned char)c) ==
			    AR_NAME[s->headlen - 1])
				return 0;
		} else if (c == ' ' || c == '\t') {
			/* obs-optional WSP before the colon (RFC 5322
			 * 4.5): held like the field itself. */
			if (s->fb.len < AR_STRIP_FIELD_MAX)
				return 0;
			strip_too_long(s);
			break;
		} else if (c == ':') {
			s->st = s->field = SL_CAND;
			return 0;
		}
		if (strip_keep_line(s) < 0)
			return -1;
		break;
	}
	if (c == '\n') {
		/* The next byte starts a line. */
		s->st = SL_HEAD;
		s->headlen = 0;
	}
	return 0;
empty:
	if (strip_put(s, s->fb.data, s->fb.len) < 0)
		return -1;
	s->fb.len = 0;
	return 1;
}

int
ar_write_stripped(struct msg *m, FILE *f, uint64_t from,
    const char *authserv_id, size_t *nremoved)
{
	struct strip s;
	size_t mboxlen = 0, i;
	uint64_t off, size = msg_size(m);
	const char *p;
	long n;
	int r = 0;

	if (nremoved != NULL)
		*nremoved = 0;
	(void)msg_mbox_from(m, &mboxlen);
	if (authserv_id == NULL || from > mboxlen)
		return msg_write_range(m, f, from, size);
	if (msg_write_range(m, f, from, mboxlen) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.f = f;
	s.id = authserv_id;
	s.st = SL_HEAD;
	s.field = SL_KEEP; /* a first line starting with WSP is kept */
	s.fb = (struct buf)BUF_INIT;
	off = mboxlen;
	while (r == 0 && (n = msg_input_chunk(m, off, &p)) > 0) {
		for (i = 0; r == 0 && i < (size_t)n;) {
			if (s.st == SL_KEEP || s.st == SL_DROP) {
				/* The rest of the line in one go. */
				const char *nl = memchr(p + i, '\n', (size_t)n - i);
				size_t run = nl != NULL ?
				    (size_t)(nl - (p + i)) + 1 : (size_t)n - i;

				if (s.st == SL_KEEP)
					r = strip_put(&s, p + i, run);
				if (nl != NULL) {
					s.st = SL_HEAD;
					s.headlen = 0;
				}
				i += run;
				continue;
			}
			if (s.st == SL_HEAD && s.headlen == 0)
				r = strip_line_start(&s, p[i]);
			if (r == 0)
				r = strip_byte(&s, p[i]);
			i++;
		}
		off += i;
	}
	if (r == 0 && n < 0)
		r = -1;
	if (r == 0) {
		/* End of input inside the header: a held field is complete;
		 * the start of a line that is no field is written. */
		if (s.st == SL_CAND ||
		    (s.st == SL_HEAD && s.headlen == 0 && s.field == SL_CAND))
			r = strip_decide(&s);
		else if (s.st == SL_HEAD)
			r = strip_put(&s, s.fb.data, s.fb.len);
	} else if (r == 1) {
		/* The rest (the body) goes out unchanged. */
		r = msg_write_range(m, f, off, size);
	}
	buf_free(&s.fb);
	if (nremoved != NULL)
		*nremoved = s.nremoved;
	return r < 0 ? -1 : 0;
}

char *
ar_received_spf(const struct ar_spf *s, bool fold, const char *eol)
{
	struct folder f = {BUF_INIT, 0, eol ? eol : "\r\n"};
	struct {
		const char *key, *value;
	} kv[] = {
	    {"client-ip", s->client_ip},
	    {"envelope-from", s->envelope_from},
	    {"helo", s->helo},
	    {"receiver", s->receiver},
	    {"identity", s->identity},
	    {"pra", s->pra},
	    {"mechanism", s->mechanism},
	    {"problem", s->problem},
	};
	size_t i, last = 0, nkv = sizeof kv / sizeof kv[0];
	char *w, *v;

	for (i = 0; i < nkv; i++)
		if (kv[i].value)
			last = i;
	buf_adds(&f.b, "Received-SPF:");
	f.col = f.b.len;
	if (fold) {
		fold_word(&f, res_name(s->result), true);
	} else {
		buf_addc(&f.b, ' ');
		buf_adds(&f.b, res_name(s->result));
	}
	if (s->comment && *s->comment) {
		w = comment(s->comment);
		if (fold)
			fold_word(&f, w, true);
		else
			buf_printf(&f.b, " %s", w);
		free(w);
	}
	for (i = 0; i < nkv; i++) {
		if (kv[i].value == NULL)
			continue;
		v = spf_value(kv[i].value);
		w = xasprintf("%s=%s%s", kv[i].key, v, i == last ? "" : ";");
		if (fold)
			fold_word(&f, w, true);
		else
			buf_printf(&f.b, " %s", w);
		free(w);
		free(v);
	}
	if (fold)
		buf_adds(&f.b, f.eol);
	return buf_detach(&f.b);
}
