/*
 * cli_dns_new: the dns_ctx the DNS options describe (cli.h).  Apart from
 * the option table (cli_dns.c) because this is what links dns.o, hence
 * ldns: dkkeygen takes the options and leaves the querying to
 * dkkeygen-check, and so loads neither ldns nor OpenSSL.  cli_dns_setup()
 * prints (one error line), so only cmd/ calls it.
 */
#include "config.h"

#include <stdlib.h>

#include "common/cli.h"
#include "common/dns.h"
#include "common/util.h"

struct dns_ctx *
cli_dns_new(char **err)
{
	struct dns_ctx *c;
	size_t i;

	c = dns_new(err);
	if (c == NULL)
		return NULL;
	for (i = 0; i < cli.nnameservers; i++)
		if (dns_add_nameserver(c, cli.nameservers[i], err) < 0)
			goto fail;
	dns_set_timeout(c, cli.dns_timeout);
	dns_set_budget(c, cli.dns_budget);
	for (i = 0; i < cli.nzones; i++)
		if (dns_load_zone(c, cli.zones[i], err) < 0)
			goto fail;
	return c;
fail:
	dns_free(c);
	return NULL;
}

struct dns_ctx *
cli_dns_setup(void)
{
	struct dns_ctx *dns;
	char *err = NULL;

	dns = cli_dns_new(&err);
	if (dns == NULL) {
		error("DNS setup: %s", err != NULL ? err : "failed");
		free(err);
	}
	return dns;
}
