/*
 * cli: the popt option tables shared by every program (DESIGN.md "Common
 * to all programs"), and turning the DNS options into a dns_ctx.
 *
 * Programs include CLI_COMMON_OPTIONS (and CLI_DNS_OPTIONS when they query
 * DNS) in their own popt table:
 *
 *	static struct poptOption options[] = {
 *		{ "filter", '\0', POPT_ARG_NONE, &opt_filter, 0, "...", NULL },
 *		CLI_DNS_OPTIONS,
 *		CLI_COMMON_OPTIONS,
 *		POPT_AUTOHELP
 *		POPT_TABLEEND
 *	};
 *
 * The tables only record values in `cli`; nothing here prints or exits.
 * After the poptGetNextOpt() loop a program checks cli.error (a usage
 * error: print it and exit 64) and cli.version (print the version, exit 0).
 */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <popt.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/dns.h"
#include "common/util.h"

struct cli_state {
	int verbose;         /* count of -v */
	int quiet;           /* -q given */
	int version;         /* -V given */
	char **nameservers;  /* --nameserver, in order */
	size_t nnameservers;
	char **zones;        /* --dns-zone files, in order */
	size_t nzones;
	double dns_timeout;  /* --dns-timeout, default DNS_DEFAULT_TIMEOUT */
	double dns_budget;   /* --dns-budget, default DNS_DEFAULT_BUDGET */
	char *error;         /* first usage error seen by the tables, or NULL */
};
extern struct cli_state cli;

extern struct poptOption cli_common_table[];
extern struct poptOption cli_dns_table[];

#define CLI_COMMON_OPTIONS                                                     \
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_common_table, 0,              \
	    "Common options:", NULL}
#define CLI_DNS_OPTIONS                                                        \
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_dns_table, 0,                 \
	    "DNS options:", NULL}

/* Call first in main(): sets the program name for messages and ignores
 * SIGPIPE, so a closed stdout is a write error (exit 74), not a signal. */
void cli_init(const char *program);

/* Make the dns_ctx the options describe (nameservers, timeout, budget,
 * zone files).  Returns NULL with *err set (caller frees) when a nameserver
 * address or a zone file is unusable. */
struct dns_ctx *cli_dns_new(char **err);

/*
 * Helpers for the programs' main() (they print and exit, like util's die
 * family, so only cmd/ calls them):
 *
 * cli_check_options: after the poptGetNextOpt() loop ended with rc.  A bad
 *   option (rc < -1) or a value the shared tables refused (cli.error) is a
 *   usage error; -V prints "PROGRAM (senderauth) VERSION" and exits 0.
 * cli_usage_error: "program: message", the usage summary, exit 64 (nothing
 *   has been read).  Frees pc.
 * cli_finish_output: flush and close stdout; returns EX_IOERR (after one
 *   message) when that fails, else status.  Use as the last step of main.
 */
void cli_check_options(poptContext pc, int rc);
void cli_usage_error(poptContext pc, const char *fmt, ...)
    UTIL_PRINTF(2, 3) UTIL_NORETURN;
int cli_finish_output(int status);

/* Free what the tables collected. */
void cli_free(void);

#endif
