/*
 * cli_dns: the popt table for --nameserver, --dns-timeout, --dns-budget,
 * --dns-zone (declared in cli.h).  A file of its own so that programs that
 * never ask DNS (dkimsign) do not link dns.o and, with -Wl,--as-needed, do
 * not load ldns and OpenSSL at start-up; cli_dns_new() is in
 * cli_dns_new.c, so that a program can take the options without linking
 * dns.o either (dkkeygen, whose --check runs in dkkeygen-check).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "common/cli.h"
#include "common/dns.h"
#include "common/util.h"

enum {
	CLI_NS = 1,
	CLI_TIMEOUT,
	CLI_BUDGET,
	CLI_ZONE
};

/* --dns-timeout, --dns-budget: seconds, more than 0 and at most 3600 (an
 * hour is far past any DNS answer worth waiting for). */
#define CLI_SECONDS_MAX 3600

static void
set_seconds(double *out, const char *option, const char *arg)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !(d > 0) ||
	    d > CLI_SECONDS_MAX)
		cli_set_error(xasprintf("%s: not a number of seconds between 0 "
		    "and %d: %s", option, CLI_SECONDS_MAX, arg));
	else
		*out = d;
}

static void
dns_option(int val, const char *arg)
{
	switch (val) {
	case CLI_NS: {
		unsigned char a[16];
		size_t alen;
		unsigned port;

		/* A malformed address is a usage error (64), caught here
		 * before any input is read. */
		if (dns_parse_nameserver(arg, a, &alen, &port) < 0) {
			cli_set_error(xasprintf("--nameserver: want ADDR or "
			    "ADDR@PORT (IPv4 or IPv6): %s", arg));
			break;
		}
		util_strv_push(&cli.nameservers, &cli.nnameservers,
		    xstrdup(arg));
		break;
	}
	case CLI_ZONE:
		util_strv_push(&cli.zones, &cli.nzones, xstrdup(arg));
		break;
	case CLI_TIMEOUT:
		set_seconds(&cli.dns_timeout, "--dns-timeout", arg);
		break;
	case CLI_BUDGET:
		set_seconds(&cli.dns_budget, "--dns-budget", arg);
		break;
	}
}

static const struct cli_handler dns_handler = {dns_option};

struct poptOption cli_dns_table[] = {
    CLI_CALLBACK(&dns_handler),
    {"nameserver", 'n', POPT_ARG_STRING, NULL, CLI_NS,
	"ask this DNS server instead of /etc/resolv.conf's (repeatable)",
	"ADDR[@PORT]"},
    {"dns-timeout", '\0', POPT_ARG_STRING, NULL, CLI_TIMEOUT,
	"seconds to wait for each DNS answer (default 5)", "SECONDS"},
    {"dns-budget", '\0', POPT_ARG_STRING, NULL, CLI_BUDGET,
	"seconds of DNS per message, all queries together (default 20)",
	"SECONDS"},
    {"dns-zone", '\0', POPT_ARG_STRING, NULL, CLI_ZONE,
	"answer the names in this master file from it (repeatable)", "FILE"},
    POPT_TABLEEND};
