/*
 * dns_spec: dns_parse_nameserver() (dns.h), the one DNS function a program
 * needs to check --nameserver before any work.  A file of its own, without
 * ldns: cli_dns.c's option table calls it, and a program that takes the
 * DNS options but asks DNS in another process (dkkeygen, whose --check
 * runs dkkeygen-check) then links no dns.o, so it does not load ldns and
 * the OpenSSL libraries ldns needs (issue 11: each program loads only the
 * libraries it calls).
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/util.h"

int
dns_parse_nameserver(const char *spec, unsigned char addr[16], size_t *addrlen,
    unsigned *port)
{
	char *a, *at, *end;
	unsigned long p = 53;
	size_t len;
	int r = -1;

	a = xstrdup(spec);
	at = strrchr(a, '@');
	if (at != NULL) {
		*at = '\0';
		errno = 0;
		p = strtoul(at + 1, &end, 10);
		if (at[1] < '0' || at[1] > '9' || *end != '\0' || errno != 0 ||
		    p == 0 || p > 65535)
			goto out;
	}
	len = strlen(a);
	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		memmove(a, a + 1, len - 2);     /* "[::1]@53" */
		a[len - 2] = '\0';
	}
	if (inet_pton(AF_INET, a, addr) == 1)
		*addrlen = 4;
	else if (inet_pton(AF_INET6, a, addr) == 1)
		*addrlen = 16;
	else
		goto out;
	*port = (unsigned)p;
	r = 0;
out:
	free(a);
	return r;
}
