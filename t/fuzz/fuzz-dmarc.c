/*
 * fuzz-dmarc: libFuzzer harness for the parsers of common/dmarc.c and
 * common/received.c: the DMARC record (RFC 9989 4.8), the Author Domain
 * of a message (5.3.1), and the Received field's "from" clause.  No DNS.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmarc.h"
#include "common/msg.h"
#include "common/received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	struct received_env e;
	enum dmarc_rec_status st;
	enum msg_status ms;
	struct msg *m;
	char *why = NULL, *d = NULL;

	st = dmarc_record_parse((const char *)data, size, &r, &why);
	if (st != DMARC_REC_OK && st != DMARC_REC_NOT_DMARC &&
	    st != DMARC_REC_NO_POLICY)
		abort();
	/* A usable record always has a policy (4.7: absent p is none). */
	if (st == DMARC_REC_OK && r.p == DMARC_POLICY_UNSET)
		abort();
	if (r.text == NULL || memcmp(r.text, data, size) != 0)
		abort();
	dmarc_record_free(&r);
	free(why);

	memset(&e, 0, sizeof(e));
	if (received_parse((const char *)data, size, &e) == 0 && e.ip == NULL)
		abort();
	received_env_free(&e);

	m = msg_from_mem(data, size, &ms);
	if (m != NULL && msg_status(m) == MSG_OK) {
		if (dmarc_author_domain(m, &d, &why) == 0) {
			if (d == NULL || why != NULL)
				abort();
			for (const char *p = d; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					abort(); /* lower-cased */
		} else if (d != NULL || why == NULL)
			abort();
		free(d);
		free(why);
	}
	msg_free(m);
	return 0;
}
