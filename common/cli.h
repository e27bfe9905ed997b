/*
 * cli: the popt option tables shared by every program (DESIGN.md "Common
 * to all programs"), and turning the DNS options into a dns_ctx (those
 * two are in cli_dns.c: a program that does not use them links no DNS).
 *
 * Programs include CLI_COMMON_OPTIONS (and CLI_DNS_OPTIONS when they query
 * DNS, CLI_FILTER_OPTIONS when they filter) in their own popt table, and
 * their main() reads as the steps of the man page:
 *
 *	static struct poptOption options[] = {
 *		CLI_FILTER_OPTIONS(&opt_filter, "...", &opt_authserv, "...",
 *		    "ID"),
 *		CLI_DNS_OPTIONS,
 *		CLI_COMMON_OPTIONS,
 *		POPT_AUTOHELP
 *		POPT_TABLEEND
 *	};
 *
 *	pc = cli_start("prog", argc, argv, options, NULL);
 *	status = cli_parse_options(pc);        (or a loop + cli_check_options)
 *	if (status == CLI_RUN)
 *		status = check_options(pc);    (the program's own checks)
 *	if (status == CLI_RUN)
 *		status = run();                (read, check, write)
 *	poptFreeContext(pc);
 *	cli_free();
 *	return status;
 *
 * The tables only record values in `cli`; they never print or exit.
 *
 * Where this module prints: the program helpers at the end
 * (cli_check_options, cli_parse_options, cli_usage_error,
 * cli_finish_output, and the verifiers' cli_check_verify_options,
 * cli_dns_setup, cli_batch, cli_filter_read, cli_msg_unusable,
 * cli_write_filtered) write the messages every program writes the same way
 * (a usage error, --version, a failing stdout, an unreadable message) to
 * stderr or stdout, so that there is one copy of them.  They are for cmd/ only: no module in
 * common/ calls them (t/layering.t checks), and none of them exits; each
 * returns the exit status for main() to return.  cli_init() ignores
 * SIGPIPE, process-wide, which is also the programs' business.
 *
 * Ownership: `cli` owns the strings it collected until cli_free(); a
 * function taking char **err sets it, on failure only, to a message the
 * caller frees.
 */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <popt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* --filter and -A/--authserv-id, which every verifier has (DESIGN.md
 * "Contract"), with the program's variables and help texts. */
#define CLI_FILTER_OPTIONS(filter, filter_help, authserv, authserv_help,      \
    authserv_arg)                                                              \
	{"filter", '\0', POPT_ARG_NONE, (filter), 0, (filter_help), NULL},     \
	{"authserv-id", 'A', POPT_ARG_STRING, (authserv), 0, (authserv_help),  \
	    (authserv_arg)}
/* -d/--domain and -s/--selector, the name of a DKIM key (RFC 6376 3.5 d=
 * and s=), with the same letters in every program that signs or makes keys
 * (dkimsign, dkkeygen).  Each comes back from poptGetNextOpt() as the
 * program's val, so that the program decides how a repeated one counts. */
#define CLI_KEY_NAME_OPTIONS(domain_val, domain_help, selector_val,            \
    selector_help)                                                             \
	{"domain", 'd', POPT_ARG_STRING, NULL, (domain_val), (domain_help),    \
	    "DOMAIN"},                                                         \
	{"selector", 's', POPT_ARG_STRING, NULL, (selector_val),               \
	    (selector_help), "SELECTOR"}
/* --files-from and --null, which every program with a batch mode has
 * (cli_batch() below), with the program's variables and --files-from's
 * help text. */
#define CLI_BATCH_OPTIONS(files_from, files_from_help, nul)                    \
	{"files-from", '\0', POPT_ARG_STRING, (files_from), 0,                 \
	    (files_from_help), "FILE"},                                        \
	{"null", '\0', POPT_ARG_NONE, (nul), 0,                                \
	    "--files-from names end in a NUL byte, not a newline", NULL}
#define CLI_COMMON_OPTIONS                                                     \
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_common_table, 0,              \
	    "Common options:", NULL}
#define CLI_DNS_OPTIONS                                                        \
	{NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_dns_table, 0,                 \
	    "DNS options:", NULL}

/* Call first in main(): sets the program name for messages and ignores
 * SIGPIPE, so a closed stdout is a write error (exit 74), not a signal. */
void cli_init(const char *program);

/* cli_init(program), then the popt context for argv and options, with
 * other_help (may be NULL) after "Usage: program" in --help and --usage.
 * The caller frees it with poptFreeContext(). */
poptContext cli_start(const char *program, int argc, const char **argv,
    const struct poptOption *options, const char *other_help);

/* For the option tables (cli.c, cli_dns.c): keep MSG (malloc'd) as
 * cli.error if it is the first usage error, else free it. */
void cli_set_error(char *msg);

/* For the option tables (cli.c, cli_dns.c): one popt callback for all of
 * them, so popt's callback protocol is written once.  A table starts with
 * CLI_CALLBACK(&handler); popt passes the entry's descrip to the callback
 * as its data (popt.h, POPT_ARG_CALLBACK), and cli_callback() calls
 * handler->fn with the option's val and argument. */
struct cli_handler {
	void (*fn)(int val, const char *arg);
};
void cli_callback(poptContext con, enum poptCallbackReason reason,
    const struct poptOption *opt, const char *arg, const void *data);
#define CLI_CALLBACK(handler)                                                  \
	{NULL, '\0', POPT_ARG_CALLBACK, (void *)cli_callback, 0,               \
	    (const char *)(handler), NULL}

/* cli_dns_new.c (apart from cli_dns_table: it links dns.o): make the
 * dns_ctx the options describe (nameservers, timeout, budget, zone files).
 * Returns NULL with *err set (caller frees) when a nameserver address or a
 * zone file is unusable. */
struct dns_ctx *cli_dns_new(char **err);
/* cli_dns_new() for a program that reads mail (dkimverify, authcheck),
 * after crypto_init(): on failure it says why on stderr ("DNS setup: ...")
 * and returns NULL, and the caller decides (a filter still copies the
 * message: DESIGN.md "Nothing is lost").  cmd/ only: it prints. */
struct dns_ctx *cli_dns_setup(void);

/*
 * Helpers for the programs' main() (cmd/ only: they print, see above).
 * None of them exits or frees the popt context: main() returns the
 * status they give, after its own clean-up (poptFreeContext, cli_free).
 * The compiler warns when that status is ignored (CLI_STATUS): a program
 * would go on after a usage error.
 *
 * cli_check_options: after the poptGetNextOpt() loop ended with rc.
 *   Returns CLI_RUN when the program goes on.  A bad option (rc < -1) or
 *   a value the shared tables refused (cli.error) is a usage error: it
 *   prints it as cli_usage_error() does and returns EX_USAGE.  -V prints
 *   "PROGRAM (senderauth) VERSION" and returns cli_finish_output(0).
 * cli_usage_error: prints "program: message" and "Try 'program --help'
 *   for more information." on stderr (two lines, not the option table);
 *   returns EX_USAGE (64: nothing has been read).
 * cli_finish_output: flush and close stdout; returns EX_IOERR (after one
 *   message) when that fails, else status.  Use as the last step of main.
 */
#define CLI_RUN (-1) /* cli_check_options: go on (never an exit status) */
#if defined(__GNUC__)
#define CLI_STATUS __attribute__((__warn_unused_result__))
#else
#define CLI_STATUS
#endif
int cli_check_options(poptContext pc, int rc) CLI_STATUS;
/* The whole poptGetNextOpt() loop, then cli_check_options(), for a table
 * whose options all store through their arg pointers (none returns a
 * val for the program to handle). */
int cli_parse_options(poptContext pc) CLI_STATUS;
int cli_usage_error(poptContext pc, const char *fmt, ...) UTIL_PRINTF(2, 3)
    CLI_STATUS;
int cli_finish_output(int status) CLI_STATUS;

/*
 * Batch mode of dkimverify and authcheck (FILE operands, directories,
 * --files-from; common/batch.h finds the files): cli_batch() calls
 * check(fd, name, arg) once per file, which returns that message's exit
 * status (EXIT_PASS, EXIT_NOTPASS, EXIT_NOTHING, EX_TEMPFAIL, or an
 * error: EX_DATAERR, EX_NOINPUT...), and unreadable(name, err, arg) (may
 * be NULL) after the one-line diagnostic for a file that cannot be
 * opened.  Every file is counted once in *t, so that N adds up; progress
 * goes to stderr only when it is a terminal (a cron job's mail or a log
 * is no place for carriage returns).  Returns 0, or EX_NOINPUT when the
 * --files-from list cannot be opened (said on stderr).  cmd/ only: it
 * prints.
 */
struct cli_tally {
	unsigned long n, pass, fail, none, temp, err;
	int worst_error; /* the first EX_NOINPUT, else the last other error */
};
int cli_batch(const char **files, const char *files_from, bool nul,
    int (*check)(int fd, const char *name, void *arg),
    void (*unreadable)(const char *name, int err, void *arg), void *arg,
    struct cli_tally *t);
/* "LEAD N messages: WHAT P pass, F fail, U none, T temperror" on stdout,
 * with ", E unreadable" only when E > 0 (so the line is DESIGN.md's when
 * every file was a message). */
void cli_tally_print(const struct cli_tally *t, const char *lead,
    const char *what);
/* Worst first: an unreadable file, a non-message, then the verdicts
 * (fail, temperror, none, pass). */
int cli_tally_exit(const struct cli_tally *t);
/* The batch options' rules (usage errors, printed as cli_usage_error()
 * does): --filter reads stdin, so no FILE and no --files-from; --null
 * only with --files-from; --files-from=- and the FILE "-" not both.
 * Returns CLI_RUN or EX_USAGE. */
int cli_check_batch_options(poptContext pc, bool filter,
    const char *files_from, bool nul) CLI_STATUS;
/* The authserv-id for -A ID: ID itself, or the host name when opt is NULL
 * ("localhost" when it has none usable).  NULL when ID is empty or holds a
 * control character (the caller's usage error).  Valid until the next
 * call. */
const char *cli_authserv_id(const char *opt);
/* The option checks every verifier (dkimverify, authcheck) ends with:
 * --time (at: NULL for now, else a Unix time of at most 12 digits, RFC
 * 6376 3.5 t=) into *now, -A (authserv) into *authserv_id by
 * cli_authserv_id(), then cli_check_batch_options().  Usage errors are
 * printed as cli_usage_error() does.  Returns CLI_RUN or EX_USAGE. */
int cli_check_verify_options(poptContext pc, const char *at, int64_t *now,
    const char *authserv, const char **authserv_id, bool filter,
    const char *files_from, bool nul) CLI_STATUS;

/* --filter output of dkimverify and authcheck (cli_filter.c): the mbox
 * line, fields (when not NULL) on top of the header, then the message
 * without the Authentication-Results fields claiming authserv_id (RFC 8601
 * section 5: on every path, also when fields is NULL because the check
 * could not be done).  Says with -v how many it removed.  Returns 0, or -1
 * on a write error (errno set). */
struct msg;
int cli_write_filtered(struct msg *m, const char *fields,
    const char *authserv_id);
/* The first steps of --filter in dkimverify and authcheck: read the message
 * on stdin and, when DNS could be set up (dns_ok) and the message is
 * usable, check(m, arg, &err), which returns 0, or -1 with a message in
 * err (said here as "input: ERR", exit EX_NOINPUT).  Returns 0 with *mp,
 * the message, for the caller to write its fields with
 * cli_write_filtered() and free it.  Else the exit status (EX_NOINPUT when
 * stdin cannot be read or check failed; EX_CONFIG without DNS, which the
 * caller has reported; EX_NOINPUT or EX_DATAERR for an unusable message;
 * EX_IOERR when the copy fails), after the message went out with forged
 * results removed (DESIGN.md "Nothing is lost"); *mp is then NULL. */
int cli_filter_read(struct msg **mp, bool dns_ok,
    int (*check)(struct msg *m, void *arg, char **err), void *arg,
    const char *authserv_id) CLI_STATUS;
/* The one-line error for a message msg_status() says is unusable, with its
 * name (NULL: "input"); returns EX_NOINPUT for a read error, else
 * EX_DATAERR. */
int cli_msg_unusable(const struct msg *m, const char *name);

/* Free what the tables collected. */
void cli_free(void);

#endif
