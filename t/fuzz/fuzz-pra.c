/*
 * fuzz-pra: libFuzzer harness for common/pra.c.  The input is a message
 * (read with msg_from_mem(), as fuzz-msg does); pra_find() must not crash,
 * and its answer must be usable as it stands in Authentication-Results
 * and as the Sender ID identity (RFC 4406 4.1):
 *  - a PRA has a non-empty local-part and domain, and neither they nor
 *    the address hold CR, LF or NUL (RFC 5322 2.2, 3.4.1);
 *  - no PRA comes with a reason, and no address;
 *  - the selected field, when there is one, is a field of the message
 *    with the name pra_header_name() gives for the header.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/msg.h"
#include "common/pra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s is a non-empty C string without CR or LF. */
static void
clean(const char *s)
{
	if (s == NULL || s[0] == '\0' || strpbrk(s, "\r\n") != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum msg_status st;
	struct msg *m = msg_from_mem(data, size, &st);
	struct pra_result r;
	int ret;

	if (m == NULL)
		abort();
	memset(&r, 0xa5, sizeof r); /* pra_find fills every field */
	ret = pra_find(m, &r);
	if (ret == 0) {
		clean(r.address);
		clean(r.local);
		clean(r.domain);
		if (r.reason != NULL || r.step != 5 || r.field < 0 ||
		    r.header == PRA_HDR_NONE)
			abort();
		/* The whole address is local "@" domain: no byte of it can
		 * have been dropped as a NUL. */
		if (strchr(r.address, '@') == NULL ||
		    strlen(r.domain) >= strlen(r.address))
			abort();
	} else if (ret == -1) {
		if (r.address != NULL || r.local != NULL || r.domain != NULL)
			abort();
		clean(r.reason);
		/* Step 0: the header section could not be read. */
		if (r.step == 0 ? st == MSG_OK : r.step < 3 || r.step > 5)
			abort();
	} else
		abort();
	if (r.field >= 0) {
		const struct msg_field *f = msg_field(m, (size_t)r.field);
		const char *name = pra_header_name(r.header);

		if (f == NULL || name == NULL || f->namelen != strlen(name) ||
		    strncasecmp(f->name, name, f->namelen) != 0)
			abort();
		if (pra_header_property(r.header) == NULL)
			abort();
	} else if (r.field != -1)
		abort();
	pra_result_free(&r);
	if (r.address != NULL || r.reason != NULL || r.field != -1)
		abort();
	msg_free(m);
	return 0;
}
