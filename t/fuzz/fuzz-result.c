/*
 * fuzz-result: libFuzzer harness for common/result.c.  The input, split at
 * NUL bytes, gives the authserv-id, reasons and property values.  Whatever
 * they hold, the field written must be exactly one header field (every
 * line after the first starts with WSP, no line of only WSP, no line over
 * 998 bytes, RFC 5322 2.1.1, 2.2.3), with exactly as many ';' and words outside
 * quoted-strings and comments as the builder was given resinfos and
 * properties: no input can add a result, a property or a field.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 5322 2.1.1: at most 998 characters per line, excluding the CRLF. */
#define LINE_MAX_RFC5322 998

#define NPARTS 8

/* Count the ';', the words (runs of bytes between WSP, ';' or line breaks)
 * and the '=' outside quoted-strings and comments; abort on an unterminated
 * quoted-string or comment, or a stray ')'.  A value never holds a space
 * outside quotes, so the word count is the number of "method=result" and
 * "ptype.property=value" items; and never an '=' (issue 8: no value reads
 * as a result), so each of those words holds exactly one.  Inside quotes
 * every '=' is the quoted-pair "\\=", inside a comment every '=' before a
 * non-space too: abort on a bare one there. */
static void
count_specials(const char *s, size_t *semi, size_t *words, size_t *eqs)
{
	size_t depth = 0;
	bool quoted = false, inword = false;

	*semi = *words = *eqs = 0;
	for (; *s; s++) {
		if ((quoted || depth > 0) && *s == '\\') {
			if (s[1] == '\0')
				abort();
			s++;
		} else if (quoted) {
			if (*s == '"')
				quoted = false;
			else if (*s == '=')
				abort();
		} else if (depth > 0 && *s == '=' &&
		    strchr(" \t\r\n)", s[1]) == NULL) {
			abort();
		} else if (*s == '(') {
			depth++;
			inword = false;
		} else if (*s == ')') {
			if (depth == 0)
				abort();
			depth--;
		} else if (depth > 0)
			;
		else if (strchr(" \t\r\n", *s) != NULL)
			inword = false;
		else if (*s == ';') {
			(*semi)++;
			inword = false;
		} else {
			if (*s == '=')
				(*eqs)++;
			if (!inword)
				(*words)++;
			inword = true;
			if (*s == '"')
				quoted = true;
		}
	}
	if (quoted || depth > 0)
		abort();
}

/* One header field: name, lines joined by eol, continuation lines start
 * with WSP, none only WSP, none too long, no other control bytes.
 * Returns the value (the part after the colon), unfolded. */
static char *
check_field(const char *f, const char *name, const char *eol, bool ends,
    size_t maxline)
{
	size_t el = strlen(eol), nl = strlen(name), i;
	const char *p = f, *e;
	char *val = malloc(strlen(f) + 1), *v = val;
	bool first = true;

	if (val == NULL || strncmp(f, name, nl) != 0 || f[nl] != ':')
		abort();
	for (;;) {
		e = strstr(p, eol);
		if (e == NULL) {
			if (ends)
				abort();
			e = p + strlen(p);
		}
		if ((size_t)(e - p) > maxline)
			abort();
		if (!first) {
			if (*p != ' ' && *p != '\t')
				abort();
			if (strspn(p, " \t") >= (size_t)(e - p))
				abort(); /* line of only WSP */
		}
		for (i = 0; p + i < e; i++) {
			unsigned char c = (unsigned char)p[i];

			if ((c < 0x20 && c != '\t') || c >= 0x7f)
				abort();
		}
		memcpy(v, p, (size_t)(e - p));
		v += e - p;
		first = false;
		if (*e == '\0')
			break;
		p = e + el;
		if (*p == '\0')
			break;
	}
	*v = '\0';
	memmove(val, val + nl + 1, strlen(val + nl + 1) + 1);
	return val;
}

/* An authserv-id that is kept whole: printable ASCII, short enough not to
 * be cut (AR_VALUE_MAX 512, escaped bytes counting two). */
static bool
printable_ascii(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return n > 0 && n <= max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *parts[NPARTS], *f, *v, *line;
	size_t np = 0, i, j, nres, nprops_total = 0, semi, nw, neq, nkv;
	struct ar *a;
	struct ar_spf spf;
	const char *eol;

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	parts[np++] = copy;
	for (i = 0; i < size && np < NPARTS; i++)
		if (copy[i] == '\0')
			parts[np++] = copy + i + 1;
	for (i = np; i < NPARTS; i++)
		parts[i] = copy;

	(void)ar_value_has_authserv_id((const char *)data, size, parts[1]);
	(void)ar_value_has_authserv_id((const char *)data, size, "");

	v = ar_quote(parts[0]);
	count_specials(v, &semi, &nw, &neq);
	if (semi != 0 || nw != 1 || neq != 0 ||
	    (!ar_is_token(v) && v[0] != '"'))
		abort();
	free(v);

	/* Authentication-Results. */
	nres = size > 0 ? data[0] % 4 : 1;
	a = ar_new(parts[0]);
	for (i = 0; i < nres; i++) {
		size_t np_i = (size > i + 1 ? data[i + 1] : i) % 4;

		ar_add(a, i % 2 ? "spf" : "dkim", (enum res)(i % 9),
		    parts[(1 + i) % NPARTS]);
		for (j = 0; j < np_i; j++)
			ar_prop(a, j % 2 ? "smtp" : "header", "d",
			    parts[(2 + i + j) % NPARTS]);
		nprops_total += np_i;
		line = ar_resinfo_line(a, i);
		count_specials(line, &semi, &nw, &neq);
		/* a value that cannot be written safely is left out (issue
		 * 8), so up to np_i properties; one '=' in each word */
		if (semi != 0 || nw < 1 || nw > 1 + np_i || neq != nw ||
		    strpbrk(line, "\r\n") != NULL)
			abort();
		free(line);
	}
	if (ar_count(a) != nres)
		abort();
	for (i = 0; i < 2; i++) {
		eol = i ? "\n" : "\r\n";
		f = ar_field(a, eol);
		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s", f);
		v = check_field(f, "Authentication-Results", eol, true,
		    LINE_MAX_RFC5322);
		count_specials(v, &semi, &nw, &neq);
		if (semi != (nres ? nres : 1) ||
		    (nres == 0 && (nw != 2 || neq != 0)) ||
		    (nres > 0 && (nw < 1 + nres ||
		    nw > 1 + nres + nprops_total || neq != nw - 1)))
			abort();
		/* Our own field names our authserv-id. */
		if (printable_ascii(parts[0], 256) &&
		    !ar_value_has_authserv_id(v, strlen(v), parts[0]))
			abort();
		free(v);
		free(f);
	}
	ar_free(a);

	/* Received-SPF. */
	memset(&spf, 0, sizeof spf);
	spf.result = (enum res)(size > 0 ? data[size - 1] % 8 : 0);
	spf.comment = parts[1];
	spf.client_ip = parts[2];
	spf.envelope_from = parts[3];
	spf.helo = size > 2 && data[2] & 1 ? NULL : parts[4];
	spf.receiver = parts[5];
	spf.identity = size > 3 && data[3] & 1 ? NULL : "mailfrom";
	spf.mechanism = parts[6];
	spf.problem = size > 4 && data[4] & 1 ? NULL : parts[7];
	nkv = 4 + (spf.helo != NULL) + (spf.identity != NULL) +
	    (spf.problem != NULL);
	for (i = 0; i < 3; i++) {
		eol = i == 1 ? "\n" : "\r\n";
		f = ar_received_spf(&spf, i < 2, eol);
		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s\n", f);
		/* Unfolded (spfquery's result line) is one line of any
		 * length: not a header field in a message. */
		v = check_field(f, "Received-SPF", i < 2 ? eol : "\n", i < 2,
		    i < 2 ? LINE_MAX_RFC5322 : SIZE_MAX);
		if (i == 2 && strpbrk(f, "\r\n") != NULL)
			abort();
		count_specials(v, &semi, &nw, &neq);
		if (semi != nkv - 1 || nw != 1 + nkv || neq != nkv)
			abort();
		free(v);
		free(f);
	}
	free(copy);
	return 0;
}
