/*
 * iprev: RFC 8601 2.7.3 (see common/iprev.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/iprev.h"
#include "common/util.h"

static bool
temporary(enum dns_status st)
{
	return st == DNS_SERVFAIL || st == DNS_TIMEOUT || st == DNS_ERROR;
}

void
iprev_check(struct dns_ctx *dns, const char *ip, struct iprev_result *out)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	size_t alen, i, j, n;
	const struct dns_answer *ptr;
	bool temp = false;

	memset(out, 0, sizeof(*out));
	if (ip != NULL && inet_pton(AF_INET, ip, a) == 1)
		alen = 4;
	else if (ip != NULL && inet_pton(AF_INET6, ip, a) == 1) {
		alen = 16;
		if (memcmp(a, mapped, 12) == 0) { /* ::ffff:a.b.c.d */
			memmove(a, a + 12, 4);
			alen = 4;
		}
	} else {
		out->result = RES_PERMERROR;
		out->reason = xstrdup("not an IP address");
		return;
	}
	inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, text, sizeof(text));
	out->ip = xstrdup(text);
	ptr = dns_query_ptr(dns, a, alen);
	if (temporary(ptr->status)) {
		out->result = RES_TEMPERROR;
		out->reason = xasprintf("PTR lookup: %s",
		    dns_status_name(ptr->status));
		return;
	}
	if (ptr->status != DNS_OK) {
		out->result = RES_FAIL;
		out->reason = xasprintf("no PTR record (%s)",
		    dns_status_name(ptr->status));
		return;
	}
	n = ptr->n < IPREV_MAX_NAMES ? ptr->n : IPREV_MAX_NAMES;
	for (i = 0; i < n; i++) {
		const struct dns_answer *fw = dns_query(dns, ptr->rr[i].data,
		    alen == 4 ? DNS_T_A : DNS_T_AAAA);
		if (temporary(fw->status))
			temp = true;
		if (fw->status != DNS_OK)
			continue;
		for (j = 0; j < fw->n; j++)
			if (memcmp(fw->rr[j].addr, a, alen) == 0) {
				out->result = RES_PASS;
				out->name = xstrdup(ptr->rr[i].data);
				return;
			}
	}
	out->result = temp ? RES_TEMPERROR : RES_FAIL;
	if (temp)
		out->reason = xstrdup("a forward lookup failed temporarily");
	else
		out->reason = xasprintf("no PTR name of %s leads back to it",
		    out->ip);
}

void
iprev_result_free(struct iprev_result *r)
{
	if (r == NULL)
		return;
	UTIL_FREE_CLEAR(r, r->ip, r->name, r->reason);
}
