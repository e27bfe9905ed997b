/*
 * cli: the shared popt table for -v, -q, -V (the DNS options are in
 * cli_dns.c, so that a program without them does not link the resolver).
 * Values are collected with a popt callback so a program's own option loop
 * never sees them.
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
	CLI_VERSION
};

void
cli_set_error(char *msg)
{
	if (cli.error == NULL)
		cli.error = msg;
	else
		free(msg);
}

void
cli_callback(poptContext con, enum poptCallbackReason reason,
    const struct poptOption *opt, const char *arg, const void *data)
{
	const struct cli_handler *h = data;

	(void)con;
	/* The tables set no POPT_CBFLAG_PRE or _POST: options only. */
	if (reason == POPT_CALLBACK_REASON_OPTION)
		h->fn(opt->val, arg);
}

static void
common_option(int val, const char *arg)
{
	(void)arg;
	switch (val) {
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
	}
}

static const struct cli_handler common_handler = {common_option};

struct poptOption cli_common_table[] = {
    CLI_CALLBACK(&common_handler),
    {"verbose", 'v', POPT_ARG_NONE, NULL, CLI_VERBOSE,
	"more diagnostics on stderr (repeatable)", NULL},
    {"quiet", 'q', POPT_ARG_NONE, NULL, CLI_QUIET,
	"no warnings on stderr, only errors", NULL},
    {"version", 'V', POPT_ARG_NONE, NULL, CLI_VERSION,
	"print the version and exit", NULL},
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

void
cli_free(void)
{
	util_strv_free(cli.nameservers, cli.nnameservers);
	util_strv_free(cli.zones, cli.nzones);
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
