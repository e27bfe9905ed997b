/*
 * fuzz-addr: libFuzzer harness for common/addr.c.  Every parser must
 * survive any bytes; every mailbox it returns must have a non-empty
 * local-part and (for addr_parse_*) a domain, none of them holding CR, LF
 * or NUL (they end up in new header fields), and addr_mailbox_string()
 * must re-parse to the same mailbox.  What a narrower rule (mailbox,
 * mailbox-list) accepts, the wider one must accept with the same result.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *(*const skips[])(const char *, const char *) = {
    lex_skip_fws,           lex_skip_comment,
    lex_skip_cfws,          lex_skip_atext,
    lex_skip_atext_utf8,    lex_skip_atom,
    lex_skip_dot_atom_text, lex_skip_quoted_string,
    lex_skip_quoted_string_utf8, lex_skip_domain_literal,
    lex_skip_token,         lex_skip_tag_name,
    lex_skip_tval,          lex_skip_tag_value,
    lex_skip_spf_name,
};

static void
check_str(const char *s, bool may_be_empty)
{
	if (s == NULL)
		abort();
	if (!may_be_empty && *s == '\0')
		abort();
	if (strchr(s, '\r') != NULL || strchr(s, '\n') != NULL)
		abort();
}

static void
check_list(struct addr_list *l, bool single)
{
	size_t i;

	if (l == NULL)
		return;
	if (single && l->n != 1)
		abort();
	for (i = 0; i < l->n; i++) {
		struct addr_mailbox *mb = &l->mb[i];
		struct addr_list *again;
		char *s;

		check_str(mb->local, false);
		check_str(mb->domain, false);
		if (mb->display != NULL)
			check_str(mb->display, true);
		s = addr_mailbox_string(mb);
		check_str(s, false);
		/* The string form is an addr-spec that parses back to the
		 * same local-part and domain. */
		again = addr_parse_mailbox(s, strlen(s));
		if (again == NULL || again->n != 1 ||
		    strcmp(again->mb[0].local, mb->local) != 0 ||
		    strcmp(again->mb[0].domain, mb->domain) != 0)
			abort();
		addr_list_free(again);
		free(s);
	}
	addr_list_free(l);
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_list(const struct addr_list *a, const struct addr_list *b)
{
	size_t i;

	if (b == NULL || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!same_str(a->mb[i].local, b->mb[i].local) ||
		    !same_str(a->mb[i].domain, b->mb[i].domain) ||
		    !same_str(a->mb[i].display, b->mb[i].display))
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data, *end = v + size, *p;
	bool null_path = true;
	struct addr_list *l;
	size_t i;

	struct addr_list *al = addr_parse_address_list(v, size);
	struct addr_list *ml = addr_parse_mailbox_list(v, size);
	struct addr_list *one = addr_parse_mailbox(v, size);

	/* mailbox, mailbox-list, address-list nest (RFC 5322 3.4): what the
	 * narrower rule accepts, the wider one accepts the same way. */
	if (ml != NULL && !same_list(ml, al))
		abort();
	if (one != NULL && !same_list(one, ml))
		abort();
	check_list(al, false);
	check_list(ml, false);
	check_list(one, true);
	l = addr_parse_path(v, size, &null_path);
	if (l != NULL && null_path && l->n != 0)
		abort();
	if (l != NULL && !null_path && l->n != 1)
		abort();
	check_list(l, false);

	/* The lexer's skip functions stay within [v, end]. */
	for (i = 0; i < sizeof skips / sizeof skips[0]; i++) {
		p = skips[i](v, end);
		if (p < v || p > end)
			abort();
	}
	return 0;
}
