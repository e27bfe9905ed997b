/*
 * spfquery: the SPF check of RFC 7208 (and the Sender ID record selection
 * of RFC 4406) for one client address and identity, as a query tool, as a
 * message filter adding Received-SPF (and Authentication-Results), or as a
 * linter of a published record.  Options, I/O and exit status only: the
 * engine is common/spf.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <popt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/cli.h"
#include "common/dns.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"

static char *opt_ip, *opt_sender, *opt_helo, *opt_receiver, *opt_scope;
static char *opt_authserv, *opt_lint, *opt_defexp, *opt_max_void;
static char *opt_identity, *opt_pra;
static int opt_sender_id, opt_filter, opt_trace;

/* libspf2's spfquery spells some options with one dash (-ip=, -sender=,
 * -helo=, -default-explanation=): hidden copies with POPT_ARGFLAG_ONEDASH
 * accept those, so --help shows only the double-dash names. */
#define LIBSPF2 (POPT_ARGFLAG_ONEDASH | POPT_ARGFLAG_DOC_HIDDEN)
/* Perl Mail::SPF's spfquery names some options differently (--identity,
 * --ip-address, --helo-identity, --mfrom, --pra, --hostname, --def-exp):
 * hidden synonyms accept those too. */
#define MAILSPF POPT_ARGFLAG_DOC_HIDDEN

static struct poptOption options[] = {
    {"ip", 'i', POPT_ARG_STRING, &opt_ip, 0,
     "the SMTP client's address, IPv4 or IPv6", "IP"},
    {"sender", 's', POPT_ARG_STRING, &opt_sender, 0,
     "the MAIL FROM address; empty: postmaster@HELO", "ADDRESS"},
    {"helo", 'H', POPT_ARG_STRING, &opt_helo, 0, "the HELO/EHLO name", "NAME"},
    {"receiver", 'r', POPT_ARG_STRING, &opt_receiver, 0,
     "this host's name, for %{r} and receiver=", "NAME"},
    {"scope", '\0', POPT_ARG_STRING, &opt_scope, 0,
     "identity to check: mfrom (default), helo or pra", "SCOPE"},
    {"sender-id", '\0', POPT_ARG_NONE, &opt_sender_id, 0,
     "select records by RFC 4406 (spf2.0/mfrom, spf2.0/pra, then v=spf1)",
     NULL},
    CLI_FILTER_OPTIONS(&opt_filter, "copy a message from stdin to stdout "
     "with Received-SPF: prepended", &opt_authserv, "with --filter, also "
     "prepend Authentication-Results: for this authserv-id", "ID"),
    {"lint", '\0', POPT_ARG_STRING, &opt_lint, 0,
     "check the SPF record DOMAIN publishes", "DOMAIN"},
    {"trace", '\0', POPT_ARG_NONE, &opt_trace, 0,
     "show each term, DNS query and counter on stderr", NULL},
    {"default-explanation", '\0', POPT_ARG_STRING, &opt_defexp, 0,
     "explanation for fail when the domain gives none", "TEXT"},
    {"max-void-lookups", '\0', POPT_ARG_STRING, &opt_max_void, 0,
     "void lookups allowed (default 2; 0: no limit)", "N"},
    {"ip", '\0', POPT_ARG_STRING | LIBSPF2, &opt_ip, 0, NULL, NULL},
    {"sender", '\0', POPT_ARG_STRING | LIBSPF2, &opt_sender, 0, NULL, NULL},
    {"helo", '\0', POPT_ARG_STRING | LIBSPF2, &opt_helo, 0, NULL, NULL},
    {"default-explanation", '\0', POPT_ARG_STRING | LIBSPF2, &opt_defexp, 0,
     NULL, NULL},
    {"name", '\0', POPT_ARG_STRING | LIBSPF2, &opt_receiver, 0, NULL, NULL},
    {"ip-address", '\0', POPT_ARG_STRING | MAILSPF, &opt_ip, 0, NULL, NULL},
    {"identity", '\0', POPT_ARG_STRING | MAILSPF, &opt_identity, 0, NULL, NULL},
    {"id", '\0', POPT_ARG_STRING | MAILSPF, &opt_identity, 0, NULL, NULL},
    {"helo-identity", '\0', POPT_ARG_STRING | MAILSPF, &opt_helo, 0, NULL,
     NULL},
    {"helo-id", '\0', POPT_ARG_STRING | MAILSPF, &opt_helo, 0, NULL, NULL},
    {"mfrom", 'm', POPT_ARG_STRING | MAILSPF, &opt_sender, 0, NULL, NULL},
    {"mail-from", '\0', POPT_ARG_STRING | MAILSPF, &opt_sender, 0, NULL, NULL},
    {"pra", '\0', POPT_ARG_STRING | MAILSPF, &opt_pra, 0, NULL, NULL},
    {"hostname", '\0', POPT_ARG_STRING | MAILSPF, &opt_receiver, 0, NULL, NULL},
    {"def-exp", '\0', POPT_ARG_STRING | MAILSPF, &opt_defexp, 0, NULL, NULL},
    CLI_DNS_OPTIONS,
    CLI_COMMON_OPTIONS,
    POPT_AUTOHELP POPT_TABLEEND};

static void
trace_line(void *arg, const char *line)
{
	char *safe = util_escape_str(line);

	(void)arg;
	/* terms and names come from DNS and the sender: one line each */
	fprintf(stderr, "trace: %s\n", safe);
	free(safe);
}

static const char *
identity_name(enum spf_scope scope)
{
	return scope == SPF_SCOPE_HELO  ? "helo"
	       : scope == SPF_SCOPE_PRA ? "pra"
	                                : "mailfrom";
}

/* Received-SPF (RFC 7208 9.1) through the one writer in common/result. */
static char *
received_spf(const struct spf_request *req, const struct spf_response *resp,
             bool fold, const char *eol)
{
	struct ar_spf s;

	memset(&s, 0, sizeof(s));
	s.result = resp->result;
	s.comment = resp->comment;
	s.client_ip = resp->client_ip;
	/* envelope-from is the MAIL FROM as given (empty for a null
	 * sender); a PRA is no envelope sender. */
	if (req->scope != SPF_SCOPE_PRA)
		s.envelope_from =
		    req->sender != NULL
		        ? req->sender
		        : (req->scope == SPF_SCOPE_MFROM ? "" : NULL);
	s.helo = req->helo;
	s.receiver = req->receiver;
	s.identity = identity_name(req->scope);
	if (req->scope == SPF_SCOPE_PRA)
		s.pra = req->sender;
	s.mechanism = resp->mechanism;
	s.problem = resp->problem;
	return ar_received_spf(&s, fold, eol);
}

static char *
auth_results(const struct spf_request *req, const struct spf_response *resp,
             const char *eol)
{
	struct ar *a = ar_new(opt_authserv);
	char *f;

	if (req->scope == SPF_SCOPE_PRA) {
		/* RFC 8601 2.7.3 (sender-id): the PRA's header field. */
		ar_add(a, "sender-id", resp->result, resp->problem);
		ar_prop(a, "header", "from", resp->identity);
	} else {
		/* RFC 8601 2.7.2 / RFC 7208 9.2 (spf). */
		ar_add(a, "spf", resp->result, resp->problem);
		if (req->scope == SPF_SCOPE_MFROM)
			ar_prop(a, "smtp", "mailfrom", resp->identity);
		if (req->helo != NULL && req->helo[0] != '\0')
			ar_prop(a, "smtp", "helo", req->helo);
	}
	f = ar_field(a, eol);
	ar_free(a);
	return f;
}

static int
lint(struct dns_ctx *dns, struct spf_request *req)
{
	struct spf_lint l;
	size_t i, n;

	n = spf_lint(dns, opt_lint, req, &l);
	for (i = 0; i < l.nfindings; i++) {
		char *safe = util_escape_str(l.findings[i]);
		printf("%s\n", safe);
		free(safe);
	}
	printf("%s: %u of %d DNS-querying terms, %u void lookup%s, %u "
	       "record%s%s\n",
	       opt_lint, l.dns_terms, SPF_MAX_DNS_TERMS, l.void_lookups,
	       l.void_lookups == 1 ? "" : "s", l.records,
	       l.records == 1 ? "" : "s",
	       l.macros ? " (targets with macros not followed)" : "");
	/* Only temporary DNS errors in the way: try later (DESIGN.md:
	 * 75), not "the record has a problem". */
	if (n > 0 && l.temperrors == n) {
		spf_lint_free(&l);
		return EX_TEMPFAIL;
	}
	spf_lint_free(&l);
	return n == 0 ? EXIT_PASS : EXIT_NOTPASS;
}

/* The sender of a message: its topmost Return-Path (RFC 5321 4.4).
 * Returns 0 with *sender set (caller frees; "" for "<>"), or -1. */
static int
return_path(struct msg *m, char **sender)
{
	const struct msg_field *f;
	struct addr_list *l;
	bool null_path = false;
	long i;

	i = msg_find_field(m, "Return-Path", 0);
	if (i < 0) {
		error("no Return-Path field and no --sender");
		return -1;
	}
	f = msg_field(m, (size_t)i);
	l = addr_parse_path(f->value, f->valuelen, &null_path);
	if (l == NULL || (!null_path && l->n != 1)) {
		error("Return-Path: not an address: %.*s",
		      (int)(f->valuelen > 200 ? 200 : f->valuelen), f->value);
		addr_list_free(l);
		return -1;
	}
	*sender = null_path ? xstrdup("") : addr_mailbox_string(&l->mb[0]);
	addr_list_free(l);
	return 0;
}

/* The check of --filter for message m: *rs gets the Received-SPF field
 * and *ar (with -A) the Authentication-Results field, both in the
 * message's line endings.  Returns 0, or the exit status after saying why
 * (then the message is copied without new fields). */
static int
filter_check(struct dns_ctx *dns, struct spf_request *req, struct msg *m,
             char **sender, char **rs, char **ar)
{
	struct spf_response resp;
	int ret = 0;

	memset(&resp, 0, sizeof(resp));
	if (msg_status(m) != MSG_OK) {
		error("the input: %s", msg_status_text(msg_status(m)));
		return EX_DATAERR;
	}
	if (req->sender == NULL && req->scope != SPF_SCOPE_HELO) {
		if (return_path(m, sender) < 0)
			return EX_DATAERR;
		req->sender = *sender;
	}
	if (spf_check(dns, req, &resp) < 0) {
		error("%s", resp.problem);
		ret = EX_SOFTWARE;
	} else if (resp.result == RES_TEMPERROR) {
		/* A temporary DNS error: the check could not be done now.
		 * Copy the message unchanged and let the mail system try
		 * again later (DESIGN.md: 75), as an MTA answers 4xx. */
		error("temporary error: %s",
		      resp.problem != NULL ? resp.problem : "temperror");
		ret = EX_TEMPFAIL;
	} else {
		debug("%s: %s", res_name(resp.result), resp.comment);
		*rs = received_spf(req, &resp, true, msg_eol(m));
		if (opt_authserv != NULL)
			*ar = auth_results(req, &resp, msg_eol(m));
	}
	spf_response_free(&resp);
	return ret;
}

static int
filter(struct dns_ctx *dns, struct spf_request *req)
{
	enum msg_status st;
	struct msg *m;
	char *sender = NULL, *rs = NULL, *ar = NULL;
	const char *mbox;
	size_t mboxlen, nremoved = 0;
	int ret;
	bool checked;

	m = msg_read_fd(STDIN_FILENO, &st);
	if (m == NULL) {
		/* Nothing could be read: nothing to copy (DESIGN.md: 66). */
		syserror("reading the message");
		return EX_NOINPUT;
	}
	ret = filter_check(dns, req, m, &sender, &rs, &ar);
	checked = ret == 0;
	/* New fields go after an mbox "From " line, before the header. */
	mbox = msg_mbox_from(m, &mboxlen);
	if (checked && mboxlen > 0 &&
	    fwrite(mbox, 1, mboxlen, stdout) != mboxlen)
		goto ioerr;
	if (rs != NULL && fputs(rs, stdout) == EOF)
		goto ioerr;
	if (ar != NULL && fputs(ar, stdout) == EOF)
		goto ioerr;
	/* With -A, on every path, without the fields that claim our
	 * authserv-id (RFC 8601 5; DESIGN.md "Nothing is lost"). */
	if (ar_write_stripped(m, stdout, checked ? mboxlen : 0, opt_authserv,
	                      &nremoved) < 0)
		goto ioerr;
	if (nremoved > 0)
		debug("removed %zu Authentication-Results field%s claiming "
		      "to be from %s",
		      nremoved, nremoved == 1 ? "" : "s", opt_authserv);
	if (fflush(stdout) == EOF)
		goto ioerr;
	goto out;
ioerr:
	syserror("writing the message");
	ret = EX_IOERR;
out:
	free(rs);
	free(ar);
	free(sender);
	msg_free(m);
	return ret;
}

static int
query(struct dns_ctx *dns, struct spf_request *req)
{
	struct spf_response resp;
	char *rs, *exp;
	int ret;

	if (spf_check(dns, req, &resp) < 0) {
		error("%s", resp.problem);
		spf_response_free(&resp);
		return EX_USAGE;
	}
	rs = received_spf(req, &resp, false, "\n");
	/* the explanation is the domain's text with the sender's macros
	 * expanded (RFC 7208 6.2): keep it one line (util_escape()) */
	exp = util_escape_str(resp.explanation != NULL ? resp.explanation : "");
	/* Line 1 the result, line 2 the explanation (empty unless fail),
	 * line 3 the Received-SPF field, unfolded. */
	printf("%s\n%s\n%s\n", res_name(resp.result), exp,
	       rs != NULL ? rs : "");
	free(exp);
	if (resp.problem != NULL)
		debug("%s", resp.problem);
	ret = res_spf_exit(resp.result);
	free(rs);
	spf_response_free(&resp);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		syserror("writing the result");
		return EX_IOERR;
	}
	return ret;
}

/* Copy stdin to stdout unchanged but for forged Authentication-Results
 * fields (with -A), when the filter cannot run at all.  Returns 0, or the
 * exit status of an I/O error. */
static int
passthrough(void)
{
	enum msg_status st;
	struct msg *m = msg_read_fd(STDIN_FILENO, &st);
	int ret = 0;

	if (m == NULL) {
		syserror("reading the message");
		return EX_NOINPUT;
	}
	if (ar_write_stripped(m, stdout, 0, opt_authserv, NULL) < 0 ||
	    fflush(stdout) == EOF) {
		syserror("writing the message");
		ret = EX_IOERR;
	}
	msg_free(m);
	return ret;
}

static bool
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* The identity to check, from --scope, --sender, --pra, --identity and
 * Mail::SPF's spellings of them (spfquery(1) OPTIONS).  Sets req->scope
 * and req->sender_id; opt_sender and opt_helo hold the identity.
 * Returns CLI_RUN or EX_USAGE. */
static int
check_scope(poptContext pc, struct spf_request *req)
{
	/* Mail::SPF's spfquery reads "-s WORD" as --scope when WORD has no
	 * '@' and no '.' (it cannot be a sender then): do the same for the
	 * three scope names. */
	if (opt_scope == NULL && opt_sender != NULL &&
	    (util_strcaseeq(opt_sender, "mfrom") ||
	     util_strcaseeq(opt_sender, "helo") ||
	     util_strcaseeq(opt_sender, "pra"))) {
		opt_scope = opt_sender;
		opt_sender = NULL;
	}
	/* Mail::SPF's --pra ADDRESS: the PRA check of that address. */
	if (opt_pra != NULL) {
		if ((opt_scope != NULL && !util_strcaseeq(opt_scope, "pra")) ||
		    (opt_sender != NULL && strcmp(opt_sender, opt_pra) != 0)) {
			return cli_usage_error(pc, "--pra: conflicts with "
			    "--scope or --sender");
		}
		opt_scope = (char *)"pra";
		opt_sender = opt_pra;
	}
	req->scope = SPF_SCOPE_MFROM;
	if (opt_scope != NULL) {
		if (util_strcaseeq(opt_scope, "mfrom"))
			req->scope = SPF_SCOPE_MFROM;
		else if (util_strcaseeq(opt_scope, "helo"))
			req->scope = SPF_SCOPE_HELO;
		else if (util_strcaseeq(opt_scope, "pra"))
			req->scope = SPF_SCOPE_PRA;
		else {
			return cli_usage_error(pc, "--scope: not mfrom, "
			    "helo or pra: %s", opt_scope);
		}
	}
	/* Mail::SPF's --identity: the identity of the scope (a HELO name
	 * for helo, an address for mfrom and pra). */
	if (opt_identity != NULL) {
		if (req->scope == SPF_SCOPE_HELO) {
			opt_helo = opt_identity;
		} else if (opt_sender != NULL &&
		           strcmp(opt_sender, opt_identity) != 0) {
			return cli_usage_error(pc, "--identity: conflicts "
			    "with --sender");
		} else {
			opt_sender = opt_identity;
		}
	}
	req->sender_id = opt_sender_id || req->scope == SPF_SCOPE_PRA;
	return CLI_RUN;
}

/* --max-void-lookups: RFC 7208 4.6.4 lets the limit be configurable; 0
 * turns it off (as RFC 4408, which had none).  Returns CLI_RUN or
 * EX_USAGE. */
static int
check_max_void(poptContext pc, struct spf_request *req)
{
	char *end;
	unsigned long n;

	if (opt_max_void == NULL)
		return CLI_RUN;
	errno = 0;
	n = strtoul(opt_max_void, &end, 10);
	if (errno != 0 || end == opt_max_void || *end != '\0' ||
	    opt_max_void[0] == '-' || n > 1000000) {
		return cli_usage_error(pc, "--max-void-lookups: not a "
		    "number from 0 to 1000000: %s", opt_max_void);
	}
	req->max_void_lookups = n == 0 ? SPF_VOID_UNLIMITED : (unsigned)n;
	return CLI_RUN;
}

/* What a check (not --lint) needs: an address, and the identity of the
 * scope.  Returns CLI_RUN or EX_USAGE. */
static int
check_query_options(poptContext pc, const struct spf_request *req)
{
	if (opt_lint != NULL)
		return CLI_RUN;
	if (opt_ip == NULL)
		return cli_usage_error(pc, "--ip is required (or --lint "
		    "DOMAIN)");
	if (!is_ip(opt_ip)) {
		return cli_usage_error(pc, "--ip: not an IPv4 or IPv6 "
		    "address: %s", opt_ip);
	}
	if (req->scope == SPF_SCOPE_HELO &&
	    (opt_helo == NULL || opt_helo[0] == '\0')) {
		return cli_usage_error(pc, "--scope=helo needs --helo");
	}
	if (req->scope == SPF_SCOPE_PRA &&
	    (opt_sender == NULL || opt_sender[0] == '\0'))
		return cli_usage_error(pc, "--scope=pra needs the PRA as "
		    "--sender");
	/* An empty or absent MAIL FROM is checked as postmaster@HELO (RFC
	 * 7208 section 2.4), so a check needs at least one of the two: with
	 * neither there is no identity, and "postmaster@" is not one.  A
	 * filter takes the sender from Return-Path and decides per message. */
	if (req->scope == SPF_SCOPE_MFROM && !opt_filter &&
	    (opt_sender == NULL || opt_sender[0] == '\0') &&
	    (opt_helo == NULL || opt_helo[0] == '\0'))
		return cli_usage_error(pc, "--sender or --helo is required "
		    "(an empty sender is checked as postmaster@HELO)");
	if (opt_authserv != NULL && !opt_filter) {
		return cli_usage_error(pc, "-A/--authserv-id needs --filter");
	}
	return CLI_RUN;
}

/* Check the options and fill req.  Returns CLI_RUN or EX_USAGE. */
static int
check_options(poptContext pc, struct spf_request *req)
{
	int st;

	if (poptPeekArg(pc) != NULL) {
		return cli_usage_error(pc, "unexpected argument: %s",
		    poptPeekArg(pc));
	}
	memset(req, 0, sizeof(*req));
	if ((st = check_scope(pc, req)) != CLI_RUN ||
	    (st = check_max_void(pc, req)) != CLI_RUN ||
	    (st = check_query_options(pc, req)) != CLI_RUN)
		return st;
	req->default_explanation = opt_defexp;
	if (opt_trace) {
		req->trace = trace_line;
		req->trace_arg = NULL;
	}
	req->ip = opt_ip;
	req->sender = opt_sender;
	req->helo = opt_helo;
	req->receiver = opt_receiver;
	return CLI_RUN;
}

/* Set up DNS, then lint, filter or query. */
static int
run(struct spf_request *req)
{
	struct dns_ctx *dns;
	char *err = NULL;
	int ret, rc;

	dns = cli_dns_new(&err);
	if (dns == NULL) {
		error("%s", err != NULL ? err : "cannot set up DNS");
		ret = EX_CONFIG;
		free(err);
		/* Nothing is lost: a filter that cannot work still copies
		 * its input. */
		if (opt_filter && opt_lint == NULL && (rc = passthrough()) != 0)
			ret = rc;
		return ret;
	}
	if (opt_trace)
		dns_set_trace(dns, trace_line, NULL);
	if (opt_lint != NULL)
		ret = lint(dns, req);
	else if (opt_filter)
		ret = filter(dns, req);
	else
		ret = query(dns, req);
	dns_free(dns);
	return ret;
}

/* spfquery(1): parse and check the options, then run the check. */
int
main(int argc, const char **argv)
{
	poptContext pc;
	struct spf_request req;
	int ret;

	pc = cli_start("spfquery", argc, argv, options,
	    "-i IP [-s SENDER] [-H HELO] [OPTION...]");
	ret = cli_parse_options(pc);
	if (ret == CLI_RUN)
		ret = check_options(pc, &req);
	if (ret == CLI_RUN)
		ret = run(&req);
	poptFreeContext(pc);
	cli_free();
	return ret;
}
