/* Tests for common/util: buffers and string helpers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "t/tap/basic.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	char *s;
	int i;

	plan(12);
	buf_adds(&b, "abc");
	buf_addc(&b, 'd');
	buf_printf(&b, "%d", 42);
	is_string("abcd42", b.data, "buffer appends");
	is_int(6, (long long)b.len, "buffer length");
	buf_reset(&b);
	is_int(0, (long long)b.len, "reset empties");
	for (i = 0; i < 10000; i++)
		buf_add(&b, "0123456789", 10);
	is_int(100000, (long long)b.len, "buffer grows");
	s = buf_detach(&b);
	ok(b.data == NULL && b.len == 0, "detach resets");
	free(s);
	s = buf_detach(&b);
	is_string("", s, "detach of empty gives empty string");
	free(s);
	buf_free(&b);
	ok(util_strcaseeq("From", "fROM"), "caseeq");
	ok(!util_strcaseeq("From", "Fro"), "caseeq length");
	ok(util_has_prefix_ci("DKIM-Signature", 14, "dkim-"), "prefix ci");
	s = xstrndup("abcdef", 3);
	is_string("abc", s, "xstrndup");
	free(s);
	s = xasprintf("%s-%d", "x", 7);
	is_string("x-7", s, "xasprintf");
	util_lowercase(s);
	free(s);
	s = xmemdup("a\0b", 3);
	ok(s[0] == 'a' && s[1] == '\0' && s[2] == 'b' && s[3] == '\0', "xmemdup keeps NUL");
	free(s);
	return 0;
}
