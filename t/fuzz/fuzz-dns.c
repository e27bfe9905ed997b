/*
 * fuzz-dns: libFuzzer harness for the DNS reply check in common/dns_net.c
 * (dns_reply_match), the code every datagram and TCP message from the
 * network goes through before anything is believed.  The first byte picks
 * the query type and transport; the rest is the raw packet.  Whatever the
 * bytes, the check must return one of its three verdicts, fill the answer
 * only as promised, and never read outside the packet (ASan).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = {DNS_T_A, DNS_T_PTR, DNS_T_MX,
	    DNS_T_TXT, DNS_T_AAAA};
	static const char *names[] = {"example.com", "sel._domainkey.Example.COM",
	    "a"};
	struct dns_answer ans;
	enum dns_reply r;
	enum dns_type t;
	unsigned id;
	size_t i;
	bool tcp;

	if (size < 1)
		return 0;
	t = types[data[0] % 5];
	tcp = (data[0] & 0x80) != 0;
	data++;
	size--;
	/* The ID the packet carries, so the header check passes as often
	 * as the fuzzer likes; and a different one, which must drop. */
	id = size >= 2 ? (unsigned)(data[0] << 8 | data[1]) : 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		r = dns_reply_match(data, size, id, names[i], t, tcp, &ans);
		if (r == DNS_REPLY_ANSWER) {
			if (ans.status != DNS_OK && ans.status != DNS_NODATA &&
			    ans.status != DNS_NXDOMAIN &&
			    ans.status != DNS_SERVFAIL)
				abort();
			if ((ans.status == DNS_OK) != (ans.n > 0))
				abort();
			for (size_t k = 0; k < ans.n; k++) {
				if (ans.rr[k].data == NULL ||
				    ans.rr[k].data[ans.rr[k].len] != '\0')
					abort();
				if ((t == DNS_T_A && ans.rr[k].len > 15) ||
				    (t == DNS_T_AAAA && ans.rr[k].len > 45))
					abort();
			}
			dns_answer_clear(&ans);
		} else if (r == DNS_REPLY_TRUNCATED) {
			if (tcp || size < 3 || (data[2] & 0x02) == 0)
				abort();        /* TC only over UDP, only TC=1 */
		} else if (r != DNS_REPLY_DROP)
			abort();
		else if (ans.n != 0 || ans.rr != NULL)
			abort();
		if (size >= 2 &&
		    dns_reply_match(data, size, id ^ 0x1234, names[i], t, tcp,
		    &ans) != DNS_REPLY_DROP)
			abort();                /* another ID: never used */
		if (size >= 3 && (data[2] & 0x80) == 0 && r != DNS_REPLY_DROP)
			abort();                /* QR=0: never used */
	}
	return 0;
}
