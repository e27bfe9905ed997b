/*
 * fuzz-taglist: libFuzzer harness for common/taglist.c.  Views must lie
 * inside the input, names must be tag-names, and the copies must match.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/taglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = {"v", "a", "b", "bh", "c", "d", "h",
	    "i", "l", "q", "s", "t", "x", "z", "p", "k", "n", "g"};
	struct tag tags[TAG_MAX];
	const char *s = (const char *)data;
	enum tag_status st;
	size_t n = 12345, i, j;

	st = tag_parse(s, size, tags, &n);
	if (st != TAG_OK && st != TAG_ESYNTAX && st != TAG_EDUPLICATE &&
	    st != TAG_ETOOMANY)
		abort();
	if (n > TAG_MAX)
		abort();
	if (st != TAG_OK)
		n = 0; /* the tags are not promised on error */
	for (i = 0; i < n; i++) {
		const struct tag *t = &tags[i];
		char *a, *b;

		if (t->name < s || t->name + t->namelen > s + size ||
		    t->namelen == 0 || t->value < s ||
		    t->value + t->valuelen > s + size)
			abort();
		if (!((t->name[0] >= 'a' && t->name[0] <= 'z') ||
		    (t->name[0] >= 'A' && t->name[0] <= 'Z')))
			abort();
		for (j = i + 1; j < n; j++)
			if (tags[j].namelen == t->namelen &&
			    memcmp(tags[j].name, t->name, t->namelen) == 0)
				abort(); /* a duplicate got through */
		/* tag-value: VALCHAR and folding only, no FWS at the ends. */
		for (j = 0; j < t->valuelen; j++) {
			unsigned char c = (unsigned char)t->value[j];

			if (c == ';' || (c < 0x21 && c != ' ' && c != '\t' &&
			    c != '\r' && c != '\n') || c == 0x7f)
				abort();
		}
		if (t->valuelen > 0 && (strchr(" \t\r\n", t->value[0]) ||
		    strchr(" \t\r\n", t->value[t->valuelen - 1])))
			abort();
		a = tag_value_nows(t);
		b = tag_value_dup(t);
		if (strlen(b) != t->valuelen && memchr(t->value, 0,
		    t->valuelen) == NULL)
			abort();
		if (strpbrk(a, " \t\r\n") != NULL)
			abort();
		free(a);
		free(b);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct tag *t = tag_find(tags, n, names[i]);

		if (t != NULL && (t->namelen != strlen(names[i]) ||
		    memcmp(t->name, names[i], t->namelen) != 0))
			abort();
	}
	return 0;
}
