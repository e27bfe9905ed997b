/*
 * dkimverify: verify the DKIM signatures of a message (RFC 6376, RFC 8463,
 * RFC 8301 policy) and its DomainKeys signatures (RFC 4870), and print one
 * RFC 8601 result per signature; with
 * --filter, prepend one Authentication-Results field instead; with FILE
 * operands, verify each file and print a summary (DESIGN.md "dkimverify").
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <popt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/batch.h"
#include "common/cli.h"
#include "common/dkim.h"
#include "common/dns.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/util.h"

/* Largest --min-key-bits accepted (RSA keys in DNS are at most 4096 bits
 * in practice; anything above this is a typo). */
#define MAX_KEY_BITS 16384

/* Smallest --min-key-bits accepted.  Below DKIM_MIN_RSA_BITS it only
 * lowers the floor for DomainKeys (RFC 8301 3.2 still holds for DKIM):
 * RFC 4871 3.3.3, written while DomainKeys was current, had verifiers
 * handle keys from 512 bits, and old DomainKeys mail used them. */
#define MIN_KEY_BITS 512

static int opt_filter;
static char *opt_authserv;
static char *opt_min_bits;
static char *opt_time;
static char *opt_files_from;
static int opt_null;

static struct poptOption options[] = {
    CLI_FILTER_OPTIONS(&opt_filter, "copy the message to stdout with an "
	"Authentication-Results field prepended", &opt_authserv,
	"authserv-id for Authentication-Results (default: the host name); "
	"existing fields with this id are removed", "ID"),
    {"min-key-bits", '\0', POPT_ARG_STRING, &opt_min_bits, 0,
	"smallest RSA key that can pass (default 1024; DKIM never below 1024, "
	"RFC 8301; DomainKeys down to 512)", "BITS"},
    {"time", '\0', POPT_ARG_STRING, &opt_time, 0,
	"verify as of this time (t= and x= checks) instead of now",
	"UNIXTIME"},
    CLI_BATCH_OPTIONS(&opt_files_from, "verify the files named in FILE, one "
	"a line (\"-\": stdin), after the FILE operands", &opt_null),
    CLI_DNS_OPTIONS,
    CLI_COMMON_OPTIONS,
    POPT_AUTOHELP
    POPT_TABLEEND};

static struct dkim_verify_opts vopts;
static const char *authserv_id;
static struct dns_ctx *dns;

static int
parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The results as an Authentication-Results builder ("dkim=none" when the
 * message has no signature). */
static struct ar *
results_ar(const struct dkim_results *rs)
{
	struct ar *a = ar_new(authserv_id);
	size_t i;

	for (i = 0; i < rs->n; i++)
		dkim_result_ar(&rs->r[i], a);
	if (rs->n == 0)
		ar_add(a, "dkim", RES_NONE, NULL);
	return a;
}

static void
debug_results(const char *name, const struct dkim_results *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		debug("%s%ssignature %zu (field %zu): %s, key %u bits%s",
		    name != NULL ? name : "", name != NULL ? ": " : "", i,
		    rs->r[i].field, res_name(rs->r[i].result),
		    rs->r[i].key_bits, rs->r[i].testing ? ", t=y" : "");
}

/* Verify one message and print its result lines, prefixed by name in
 * batch mode.  Returns the message's exit status (0, 1, 2, 75, or 65/66
 * when it could not be verified). */
static int
verify_print(int fd, const char *name)
{
	struct dkim_results *rs = NULL;
	struct msg *m;
	struct ar *a;
	enum msg_status mst;
	enum res v;
	char *err = NULL, *safe_name;
	size_t i;

	m = msg_read_fd_once(fd, &mst);
	if (m == NULL) {
		syserror("%s", name != NULL ? name : "reading the message");
		return EX_NOINPUT;
	}
	if (msg_status(m) != MSG_OK) {
		int st = cli_msg_unusable(m, name);
		msg_free(m);
		return st;
	}
	if (dkim_verify(m, dns, &vopts, &rs, &err) < 0) {
		error("%s: %s", name != NULL ? name : "input", err);
		free(err);
		msg_free(m);
		return EX_NOINPUT;
	}
	debug_results(name, rs);
	a = results_ar(rs);
	/* a file name may hold any byte: a newline in it must not make a
	 * line of its own (a forged "N messages: ..." summary) */
	safe_name = name != NULL ? util_escape_str(name) : NULL;
	for (i = 0; i < ar_count(a); i++) {
		char *line = ar_resinfo_line(a, i);
		if (name != NULL)
			printf("%s: %s\n", safe_name, line);
		else
			printf("%s\n", line);
		free(line);
	}
	free(safe_name);
	ar_free(a);
	v = dkim_verdict(rs);
	dkim_results_free(rs);
	msg_free(m);
	return res_check_exit(v);
}

/* --filter output: our fields on top, forged ones claiming our
 * authserv-id removed on every path (cli_write_filtered()). */
static int
write_filtered(struct msg *m, const char *fields)
{
	return cli_write_filtered(m, fields, authserv_id);
}

/* cli_filter_read()'s check: the signatures of m into *arg. */
static int
filter_verify(struct msg *m, void *arg, char **err)
{
	return dkim_verify(m, dns, &vopts, arg, err);
}

static int
filter(void)
{
	struct dkim_results *rs = NULL;
	struct msg *m;
	struct ar *a;
	char *field;
	int status;

	status = cli_filter_read(&m, dns != NULL, filter_verify, &rs,
	    authserv_id);
	if (status != 0) {
		dkim_results_free(rs);
		return status;
	}
	debug_results(NULL, rs);
	if (res_check_exit(dkim_verdict(rs)) == EX_TEMPFAIL) {
		/* Nothing passed and a temporary DNS error stood in the way:
		 * the job could not be done now (DESIGN.md "Nothing is lost"),
		 * so copy the message unchanged and let the MTA retry. */
		size_t i;

		for (i = 0; i < rs->n; i++)
			if (rs->r[i].result == RES_TEMPERROR)
				break;
		error("d=%s s=%s: %s: try again later",
		    i < rs->n && rs->r[i].d ? rs->r[i].d : "?",
		    i < rs->n && rs->r[i].s ? rs->r[i].s : "?",
		    i < rs->n && rs->r[i].reason ? rs->r[i].reason :
		    "temporary DNS error");
		status = write_filtered(m, NULL) < 0 ? EX_IOERR : EX_TEMPFAIL;
		if (status == EX_IOERR)
			syserror("writing the output");
		dkim_results_free(rs);
		msg_free(m);
		return status;
	}
	a = results_ar(rs);
	field = ar_field(a, msg_eol(m));
	if (write_filtered(m, field) < 0) {
		syserror("writing the output");
		status = EX_IOERR;
	}
	free(field);
	ar_free(a);
	dkim_results_free(rs);
	msg_free(m);
	return status;
}

/* One file of a batch: the DNS budget is per message (DESIGN.md). */
static int
batch_one(int fd, const char *name, void *arg)
{
	(void)arg;
	if (dns != NULL)
		dns_budget_start(dns);
	return verify_print(fd, name);
}

static int
batch(const char **files)
{
	struct cli_tally t = {0};
	int st;

	st = cli_batch(files, opt_files_from, opt_null, batch_one, NULL, NULL,
	    &t);
	if (st != 0)
		return st;
	cli_tally_print(&t, "", "");
	return cli_tally_exit(&t);
}

/* Check the option values (dkimverify(1) OPTIONS) and set vopts and
 * authserv_id.  Returns CLI_RUN or EX_USAGE. */
static int
check_options(poptContext pc)
{
	long long v;

	vopts.min_key_bits = DKIM_MIN_RSA_BITS;
	if (opt_min_bits != NULL) {
		if (parse_num(opt_min_bits, MIN_KEY_BITS, MAX_KEY_BITS,
		    &v) < 0)
			return cli_usage_error(pc, "--min-key-bits=%s: not a "
			    "number from %d to %d", opt_min_bits, MIN_KEY_BITS,
			    MAX_KEY_BITS);
		vopts.min_key_bits = (unsigned)v;
	}
	return cli_check_verify_options(pc, opt_time, &vopts.now, opt_authserv,
	    &authserv_id, opt_filter, opt_files_from, opt_null);
}

/* Set up DNS, then verify stdin as a filter, the FILEs, or stdin. */
static int
run(const char **files)
{
	int status;

	crypto_init();
	dns = cli_dns_setup();
	/* a filter still copies the message (DESIGN.md) */
	if (dns == NULL && !opt_filter)
		return EX_CONFIG;
	if (opt_filter)
		status = filter();
	else if (files != NULL || opt_files_from != NULL)
		status = batch(files);
	else
		status = verify_print(STDIN_FILENO, NULL);
	return cli_finish_output(status);
}

/* dkimverify(1): parse and check the options, then verify. */
int
main(int argc, char **argv)
{
	poptContext pc;
	int status;

	pc = cli_start("dkimverify", argc, (const char **)argv, options,
	    NULL);
	status = cli_parse_options(pc);
	if (status == CLI_RUN)
		status = check_options(pc);
	if (status == CLI_RUN)
		status = run(poptGetArgs(pc));
	dns_free(dns);
	poptFreeContext(pc);
	cli_free();
	return status;
}
