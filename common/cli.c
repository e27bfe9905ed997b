/*
 * cli: shared popt tables for -v, -q, -V, --nameserver, --dns-timeout,
 * --dns-budget, --dns-zone.  Values are collected with a popt callback so a program's own
 * option loop never sees them.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/cli.h"
#include "common/util.h"

struct cli_state cli = {.dns_timeout = DNS_DEFAULT_TIMEOUT,
    .dns_budget = DNS_DEFAULT_BUDGET};

enum {
	CLI_VERBOSE = 1,
	CLI_QUIET,
	CLI_VERSION,
	CLI_NS,
	CLI_TIMEOUT,
	CLI_BUDGET,
	CLI_ZONE
};

static void
set_error(char *msg)
{
	if (cli.error == NULL)
		cli.error = msg;
	else
		free(msg);
}

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
		set_error(xasprintf("%s: not a number of seconds between 0 "
		    "and %d: %s", option, CLI_SECONDS_MAX, arg));
	else
		*out = d;
}

static void
callback(poptContext con, enum poptCallbackReason reason,
    const struct poptOption *opt, const char *arg, const void *data)
{
	char *end;
	double d;

	(void)con;
	(void)data;
	if (reason != POPT_CALLBACK_REASON_OPTION)
		return;
	switch (opt->val) {
	case CLI_VERBOSE:
		cli.verbose++;
		util_verbosity++;
		break;
	case CLI_QUIET:
		cli.quiet = 1;
		util_verbosity = -1;
		break;
	case CLI_VERSION:
		cli.version = 1;
		break;
	case CLI_NS: {
		unsigned char a[16];
		size_t alen;
		unsigned port;

		/* A malformed address is a usage error (64), caught here
		 * before any input is read. */
		if (dns_parse_nameserver(arg, a, &alen, &port) < 0) {
			set_error(xasprintf("--nameserver: want ADDR or "
			    "ADDR@PORT (IPv4 or IPv6): %s", arg));
			break;
		}
		cli.nameservers = xreallocarray(cli.nameservers,
		    cli.nnameservers + 1, sizeof(char *));
		cli.nameservers[cli.nnameservers++] = xstrdup(arg);
		break;
	}
	case CLI_ZONE:
		cli.zones = xreallocarray(cli.zones, cli.nzones + 1,
		    sizeof(char *));
		cli.zones[cli.nzones++] = xstrdup(arg);
		break;
	case CLI_TIMEOUT:
		set_seconds(&cli.dns_timeout, "--dns-timeout", arg);
		break;
	case CLI_BUDGET:
		set_seconds(&cli.dns_budget, "--dns-budget", arg);
		break;
	}
}

struct poptOption cli_common_table[] = {
    {NULL, '\0', POPT_ARG_CALLBACK, (void *)callback, 0, NULL, NULL},
    {"verbose", 'v', POPT_ARG_NONE, NULL, CLI_VERBOSE,
	"more diagnostics on stderr (repeatable)", NULL},
    {"quiet", 'q', POPT_ARG_NONE, NULL, CLI_QUIET,
	"no warnings on stderr, only errors", NULL},
    {"version", 'V', POPT_ARG_NONE, NULL, CLI_VERSION,
	"print the version and exit", NULL},
    POPT_TABLEEND};

struct poptOption cli_dns_table[] = {
    {NULL, '\0', POPT_ARG_CALLBACK, (void *)callback, 0, NULL, NULL},
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

void
cli_init(const char *program)
{
	util_set_program(program);
	/* A reader that goes away must give a write error (exit 74), not
	 * kill the program. */
	signal(SIGPIPE, SIG_IGN);
}

poptContext
cli_start(const char *program, int argc, const char **argv,
    const struct poptOption *options, const char *other_help)
{
	poptContext pc;

	cli_init(program);
	pc = poptGetContext(program, argc, argv, options, 0);
	if (other_help != NULL)
		poptSetOtherOptionHelp(pc, other_help);
	return pc;
}

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

void
cli_free(void)
{
	size_t i;

	for (i = 0; i < cli.nnameservers; i++)
		free(cli.nameservers[i]);
	for (i = 0; i < cli.nzones; i++)
		free(cli.zones[i]);
	free(cli.nameservers);
	free(cli.zones);
	free(cli.error);
	cli.nameservers = cli.zones = NULL;
	cli.nnameservers = cli.nzones = 0;
	cli.error = NULL;
}

int
cli_usage_error(poptContext pc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	error("%s", msg);
	free(msg);
	/* One line for the cause and one pointing at --help (the GNU coding
	 * standards' form), not the whole option table: a usage error lands
	 * in an MTA's log, where the cause must be the line one sees. */
	(void)pc;
	(void)fprintf(stderr, "Try '%s --help' for more information.\n",
	    util_program());
	return EX_USAGE;
}

int
cli_check_options(poptContext pc, int rc)
{
	if (rc < -1)
		/* poptStrerror() of this rc, not of a stale variable. */
		return cli_usage_error(pc, "%s: %s",
		    poptBadOption(pc, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
	if (cli.error != NULL)
		return cli_usage_error(pc, "%s", cli.error);
	if (cli.version) {
		printf("%s (%s) %s\n", util_program(), PACKAGE_NAME,
		    PACKAGE_VERSION);
		return cli_finish_output(0);
	}
	return CLI_RUN;
}

int
cli_parse_options(poptContext pc)
{
	int rc;

	while ((rc = poptGetNextOpt(pc)) >= 0)
		;
	return cli_check_options(pc, rc);
}

int
cli_finish_output(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF) {
		if (status != EX_IOERR)
			syserror("writing the output");
		return EX_IOERR;
	}
	return status;
}
