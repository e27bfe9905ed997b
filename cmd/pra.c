/*
 * pra: print the Purported Responsible Address of a message (RFC 4407),
 * or run the Sender ID check on it (RFC 4406), as a query or as a filter
 * that prepends Authentication-Results and Received-SPF fields.
 *
 *	pra [--ip=IP [--helo=HELO] [--filter] [-A AUTHSERV-ID]] < message
 *
 * Options, I/O and exit status only; the algorithm is common/pra.c, the
 * record selection and evaluation common/spf.c, the header fields
 * common/result.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/cli.h"
#include "common/dns.h"
#include "common/msg.h"
#include "common/pra.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"

static char *opt_ip;
static char *opt_helo;
static char *opt_authserv;
static int opt_filter;

static struct poptOption options[] = {
    {"ip", 'i', POPT_ARG_STRING, &opt_ip, 0,
     "run the Sender ID check for a message from this client address "
     "(IPv4 or IPv6)",
     "IP"},
    {"helo", 'H', POPT_ARG_STRING, &opt_helo, 0,
     "the client's HELO/EHLO name (for %{h} in records)", "HELO"},
    CLI_FILTER_OPTIONS(&opt_filter, "copy the message to stdout with "
     "Received-SPF (and, with -A, Authentication-Results) prepended; needs "
     "--ip", &opt_authserv, "with --filter, also prepend "
     "Authentication-Results with this authserv-id", "AUTHSERV-ID"),
    CLI_DNS_OPTIONS,
    CLI_COMMON_OPTIONS,
    POPT_AUTOHELP POPT_TABLEEND};

static bool
valid_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

/*
 * "Nothing is lost" (DESIGN.md): a filter that cannot do its job copies
 * the message through unchanged, says why in one line, and exits with
 * status.  One change is made even then: with -A, the fields claiming our
 * authserv-id are left out (RFC 8601 5), as on success.
 */
static int
pass_through(struct msg *m, int status)
{
	if (ar_write_stripped(m, stdout, 0, opt_authserv, NULL) < 0) {
		syserror("copying the message");
		return EX_IOERR;
	}
	return cli_finish_output(status);
}

/* Exit status for a message whose header section cannot be read. */
static int
unreadable(enum msg_status st)
{
	error("reading the message: %s", msg_status_text(st));
	return st == MSG_EIO ? EX_NOINPUT : EX_DATAERR;
}

static void
say_no_pra(const struct pra_result *pr)
{
	if (pr->step > 0)
		error("no purported responsible address: %s (RFC 4407 "
		      "section 2, step %d)",
		      pr->reason, pr->step);
	else
		error("no purported responsible address: %s", pr->reason);
}

static void
trace_response(const struct pra_result *pr, const struct spf_response *r)
{
	debug("PRA %s from the %s field (#%ld)", pr->address,
	      pra_header_name(pr->header), pr->field + 1);
	debug("sender-id=%s%s%s%s%s", res_name(r->result),
	      r->mechanism ? " mechanism=" : "",
	      r->mechanism ? r->mechanism : "", r->problem ? " problem=" : "",
	      r->problem ? r->problem : "");
	if (r->explanation != NULL)
		debug("explanation: %s", r->explanation);
}

/* The PRA on a line of its own: an address from the message may hold any
 * byte (a quoted local part with CR, LF or ESC), so it is escaped
 * (util_escape()) and can neither add a line nor drive a terminal. */
static void
print_address(const char *address)
{
	char *safe = util_escape_str(address);

	printf("%s\n", safe);
	free(safe);
}

/* pra < message: print the PRA. */
static int
run_print(struct msg *m)
{
	struct pra_result pr;
	int status;

	if (msg_status(m) != MSG_OK)
		return unreadable(msg_status(m));
	if (pra_find(m, &pr) < 0) {
		say_no_pra(&pr);
		status = EXIT_NOTPASS;
	} else {
		debug("taken from the %s field (#%ld)",
		      pra_header_name(pr.header), pr.field + 1);
		print_address(pr.address);
		status = cli_finish_output(EXIT_PASS);
	}
	pra_result_free(&pr);
	return status;
}

static struct dns_ctx *
make_dns(void)
{
	struct dns_ctx *dns;
	char *err = NULL;

	dns = cli_dns_new(&err);
	if (dns == NULL) {
		error("DNS: %s", err ? err : "cannot set up a resolver");
		free(err);
	}
	return dns;
}

/* pra --ip=IP < message: the Sender ID check, two lines out. */
static int
run_check(struct msg *m)
{
	struct pra_result pr;
	struct spf_response r;
	struct dns_ctx *dns = NULL;
	int status;

	memset(&r, 0, sizeof(r));
	if (msg_status(m) != MSG_OK)
		return unreadable(msg_status(m));
	if (pra_find(m, &pr) < 0) {
		/* No PRA: permerror, the result Sender ID implementations
		 * give (RFC 4406 4: the message is malformed). */
		say_no_pra(&pr);
		printf("%s\n\n", res_name(RES_PERMERROR));
		status = cli_finish_output(res_spf_exit(RES_PERMERROR));
		goto out;
	}
	if ((dns = make_dns()) == NULL) {
		status = EX_CONFIG;
		goto out;
	}
	if (pra_check(dns, opt_ip, opt_helo, pr.address, &r) < 0) {
		error("%s", r.problem ? r.problem : "the check failed");
		status = EX_SOFTWARE;
		goto out;
	}
	trace_response(&pr, &r);
	printf("%s\n", res_name(r.result));
	print_address(pr.address);
	status = cli_finish_output(res_spf_exit(r.result));
out:
	spf_response_free(&r);
	pra_result_free(&pr);
	dns_free(dns);
	return status;
}

/*
 * The fields --filter prepends.  Without a PRA the verdict is permerror
 * (as Sender ID filters write it: the message is malformed, RFC 4406
 * section 4), with the reason in a comment and no header.* property, since
 * no header supplied one.
 */
static char *
make_fields(struct msg *m, const struct pra_result *pr,
            const struct spf_response *r)
{
	const char *eol = msg_eol(m);
	struct buf b = BUF_INIT;
	struct ar_spf rs;
	struct ar *ar;
	char *s, *why;

	/* Received-SPF first, then Authentication-Results, as spfquery
	 * --filter writes them. */
	memset(&rs, 0, sizeof(rs));
	rs.client_ip = opt_ip;
	rs.helo = opt_helo;
	rs.identity = "pra";
	if (pr->address != NULL) {
		rs.pra = pr->address;
		rs.result = r->result;
		rs.comment = r->comment;
		rs.mechanism = r->mechanism;
		rs.problem = r->problem;
	} else {
		rs.result = RES_PERMERROR;
		rs.comment = "message has no purported responsible address";
		rs.problem = pr->reason;
	}
	s = ar_received_spf(&rs, true, eol);
	buf_adds(&b, s);
	free(s);

	if (opt_authserv != NULL) {
		ar = ar_new(opt_authserv);
		if (pr->address != NULL) {
			ar_add(ar, "sender-id", r->result, NULL);
			ar_prop(ar, "header", pra_header_property(pr->header),
			        pr->address);
		} else {
			why = xasprintf("no purported responsible address: %s",
			                pr->reason);
			ar_add(ar, "sender-id", RES_PERMERROR, why);
			free(why);
		}
		s = ar_field(ar, eol);
		buf_adds(&b, s);
		free(s);
		ar_free(ar);
	}
	return buf_detach(&b);
}

/* pra --ip=IP --filter [-A ID] < message > message */
static int
run_filter(struct msg *m)
{
	struct pra_result pr;
	struct spf_response r;
	struct dns_ctx *dns = NULL;
	const char *mbox;
	size_t mboxlen;
	char *fields = NULL;
	int status;

	memset(&r, 0, sizeof(r));
	memset(&pr, 0, sizeof(pr));
	if (msg_status(m) != MSG_OK) {
		status = unreadable(msg_status(m));
		return pass_through(m, status);
	}
	if (pra_find(m, &pr) < 0) {
		say_no_pra(&pr);
	} else {
		if ((dns = make_dns()) == NULL) {
			status = pass_through(m, EX_CONFIG);
			goto out;
		}
		if (pra_check(dns, opt_ip, opt_helo, pr.address, &r) < 0) {
			error("%s", r.problem ? r.problem : "the check failed");
			status = pass_through(m, EX_SOFTWARE);
			goto out;
		}
		trace_response(&pr, &r);
		/* A temporary DNS failure is not a verdict: the message goes
		 * through unchanged and the exit status asks the MTA to try
		 * again later (DESIGN.md "Nothing is lost"). */
		if (r.result == RES_TEMPERROR) {
			error("%s: temporary error: %s", pr.domain,
			      r.problem ? r.problem : "DNS lookup failed");
			status = pass_through(m, EX_TEMPFAIL);
			goto out;
		}
	}
	fields = make_fields(m, &pr, &r);

	/* The mbox "From " line stays first; our fields go on top of the
	 * header section (RFC 8601 5, RFC 7208 9.1: prepended), then every
	 * input byte after the mbox line, unchanged but for the fields that
	 * claim our authserv-id (with -A, RFC 8601 5). */
	mbox = msg_mbox_from(m, &mboxlen);
	if ((mbox != NULL && fwrite(mbox, 1, mboxlen, stdout) != mboxlen) ||
	    fputs(fields, stdout) == EOF ||
	    ar_write_stripped(m, stdout, mbox != NULL ? mboxlen : 0,
	                      opt_authserv, NULL) < 0) {
		syserror("writing the message");
		status = EX_IOERR;
		goto out;
	}
	status = cli_finish_output(EXIT_PASS);
out:
	free(fields);
	spf_response_free(&r);
	pra_result_free(&pr);
	dns_free(dns);
	return status;
}

/* pra(1) OPTIONS: --ip enables the check, --filter and -A need it.
 * Returns CLI_RUN or EX_USAGE. */
static int
check_options(poptContext ctx)
{
	if (poptPeekArg(ctx) != NULL)
		return cli_usage_error(ctx, "the message is read from stdin; "
		    "no operands");
	if (opt_ip == NULL && (opt_filter || opt_helo || opt_authserv))
		return cli_usage_error(ctx, "--filter, --helo and -A need "
		    "--ip");
	if (opt_authserv != NULL && !opt_filter)
		return cli_usage_error(ctx, "-A/--authserv-id needs --filter");
	if (opt_authserv != NULL && opt_authserv[0] == '\0')
		return cli_usage_error(ctx, "-A/--authserv-id: empty");
	if (opt_ip != NULL && !valid_ip(opt_ip))
		return cli_usage_error(ctx, "--ip: not an IPv4 or IPv6 "
		    "address");
	return CLI_RUN;
}

/* Read the message; print its PRA, or check it, or filter it. */
static int
run(void)
{
	struct msg *m;
	enum msg_status st;
	int status;

	m = msg_read_fd(0, &st);
	if (m == NULL) {
		error("reading the message: %s", msg_status_text(st));
		return EX_NOINPUT;
	}
	if (opt_ip == NULL)
		status = run_print(m);
	else if (!opt_filter)
		status = run_check(m);
	else
		status = run_filter(m);
	msg_free(m);
	return status;
}

/* pra(1): parse and check the options, then run. */
int
main(int argc, const char **argv)
{
	poptContext ctx;
	int status;

	ctx = cli_start("pra", argc, argv, options, "[OPTION...] < message");
	status = cli_parse_options(ctx);
	if (status == CLI_RUN)
		status = check_options(ctx);
	if (status == CLI_RUN)
		status = run();
	poptFreeContext(ctx);
	free(opt_ip);
	free(opt_helo);
	free(opt_authserv);
	cli_free();
	return status;
}
