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
#include <fcntl.h>
#include <popt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/cli.h"
#include "common/dns.h"
#include "common/msg.h"
#include "common/policy.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"

static char *opt_ip, *opt_sender, *opt_helo, *opt_receiver, *opt_scope;
static char *opt_authserv, *opt_lint, *opt_defexp, *opt_max_void;
static char *opt_identity, *opt_pra;
static char *opt_file; /* --file: libspf2's batch form, see file_queries() */
static int opt_sender_id, opt_filter, opt_trace;
static int opt_policy, opt_policy_helo;
static char *opt_policy_reject, *opt_policy_temperror, *opt_policy_permerror;

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
    {"policy", '\0', POPT_ARG_NONE, &opt_policy, 0,
     "serve Postfix's policy delegation protocol on stdin/stdout", NULL},
    {"policy-reject", '\0', POPT_ARG_STRING, &opt_policy_reject, 0,
     "with --policy, reject: fail (default), softfail (and fail) or none",
     "WHAT"},
    {"policy-temperror", '\0', POPT_ARG_STRING, &opt_policy_temperror, 0,
     "with --policy, temperror: defer (default) or prepend", "ACTION"},
    {"policy-permerror", '\0', POPT_ARG_STRING, &opt_policy_permerror, 0,
     "with --policy, permerror: prepend (default) or reject", "ACTION"},
    {"policy-helo", '\0', POPT_ARG_NONE, &opt_policy_helo, 0,
     "with --policy, check the HELO name first", NULL},
    {"default-explanation", '\0', POPT_ARG_STRING, &opt_defexp, 0,
     "explanation for fail when the domain gives none", "TEXT"},
    {"max-void-lookups", '\0', POPT_ARG_STRING, &opt_max_void, 0,
     "void lookups allowed (default 2; 0: no limit)", "N"},
    {"file", 'f', POPT_ARG_STRING, &opt_file, 0,
     "one query a line of FILE (\"-\": stdin): IP SENDER [HELO [RCPT]]",
     "FILE"},
    {"ip", '\0', POPT_ARG_STRING | LIBSPF2, &opt_ip, 0, NULL, NULL},
    {"sender", '\0', POPT_ARG_STRING | LIBSPF2, &opt_sender, 0, NULL, NULL},
    {"helo", '\0', POPT_ARG_STRING | LIBSPF2, &opt_helo, 0, NULL, NULL},
    {"default-explanation", '\0', POPT_ARG_STRING | LIBSPF2, &opt_defexp, 0,
     NULL, NULL},
    {"name", '\0', POPT_ARG_STRING | LIBSPF2, &opt_receiver, 0, NULL, NULL},
    {"file", '\0', POPT_ARG_STRING | LIBSPF2, &opt_file, 0, NULL, NULL},
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

static struct policy_conf policy_conf;
/* --policy under spawn(8): log through syslog (see policy_log_setup). */
static bool policy_syslog;

/* spawn(8) connects the command's standard input, output AND error to
 * the socket: a diagnostic on stderr would reach Postfix as a line of
 * the reply and break the protocol.  When stderr is the same file as
 * stdout (and no terminal), log through syslog(3) (facility mail, as
 * Postfix) and point stderr at /dev/null for any other message. */
static void
policy_log_setup(void)
{
	struct stat o, e;
	int fd;

	if (fstat(STDOUT_FILENO, &o) != 0 || fstat(STDERR_FILENO, &e) != 0 ||
	    o.st_dev != e.st_dev || o.st_ino != e.st_ino ||
	    isatty(STDERR_FILENO))
		return;
	openlog("spfquery", LOG_PID, LOG_MAIL);
	policy_syslog = true;
	fd = open("/dev/null", O_WRONLY);
	if (fd >= 0 && fd != STDERR_FILENO) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

/* One log line of the policy service: warn (a malformed request) or
 * debug (-v: each result). */
static void
policy_log(bool warning, const char *line)
{
	char *safe;

	if (!policy_syslog) {
		if (warning)
			warn("%s", line);
		else
			debug("%s", line);
		return;
	}
	if (util_verbosity < (warning ? 0 : 1))
		return;
	safe = util_escape_str(line);
	syslog(warning ? LOG_WARNING : LOG_INFO, "%s", safe);
	free(safe);
}

/* One --policy-* choice: *idx is the index of opt in words (NULL-ended;
 * words[0] is the default, taken when opt is NULL).  Returns CLI_RUN, or
 * EX_USAGE naming the choices. */
static int
policy_choice(poptContext pc, const char *option, const char *opt,
    const char *const words[], const char *choices, int *idx)
{
	for (*idx = 0; words[*idx] != NULL; (*idx)++)
		if (opt == NULL || strcmp(opt, words[*idx]) == 0)
			return CLI_RUN;
	return cli_usage_error(pc, "--%s: not %s: %s", option, choices, opt);
}

/* --policy's options into policy_conf.  Returns CLI_RUN or EX_USAGE. */

static int
check_policy_options(poptContext pc)
{
	static const char *const rejects[] = {"fail", "softfail", "none", NULL};
	static const enum policy_reject reject_of[] = {POLICY_REJECT_FAIL,
	    POLICY_REJECT_SOFTFAIL, POLICY_REJECT_NONE};
	static const char *const temperrors[] = {"defer", "prepend", NULL};
	static const char *const permerrors[] = {"prepend", "reject", NULL};
	struct policy_conf *c = &policy_conf;
	int rej, temp, perm, st;

	if ((st = policy_choice(pc, "policy-reject", opt_policy_reject,
	    rejects, "fail, softfail or none", &rej)) != CLI_RUN ||
	    (st = policy_choice(pc, "policy-temperror", opt_policy_temperror,
	    temperrors, "defer or prepend", &temp)) != CLI_RUN ||
	    (st = policy_choice(pc, "policy-permerror", opt_policy_permerror,
	    permerrors, "prepend or reject", &perm)) != CLI_RUN)
		return st;
	memset(c, 0, sizeof(*c));
	c->reject = reject_of[rej];
	c->defer_temperror = temp == 0;
	c->reject_permerror = perm == 1;
	/* The requests give the client, sender and HELO name: options
	 * for them would be silently ignored. */
	if (opt_filter || opt_lint != NULL || opt_ip != NULL ||
	    opt_sender != NULL || opt_helo != NULL || opt_scope != NULL ||
	    opt_identity != NULL || opt_pra != NULL || opt_authserv != NULL) {
		return cli_usage_error(pc, "%s", "--policy: takes no "
		    "--filter, --lint, -A, -i, -s, -H or --scope (the requests "
		    "give the client)");
	}
	c->helo_first = opt_policy_helo;
	c->receiver = opt_receiver;
	c->default_explanation = opt_defexp;
	if (opt_trace)
		c->trace = trace_line;
	policy_log_setup();
	return CLI_RUN;
}

/* Read one line of at most POLICY_LINE_MAX octets into buf (the rest of
 * a longer line is read and dropped, *toolong set).  Returns the length,
 * or -1 at end of input before any byte. */
static long
policy_read_line(char *buf, size_t size, bool *toolong)
{
	size_t n = 0;
	int ch;

	*toolong = false;
	while ((ch = getchar()) != EOF && ch != '\n') {
		if (n < size)
			buf[n++] = (char)ch;
		else
			*toolong = true;
	}
	if (ch == EOF && n == 0 && !*toolong)
		return -1;
	return (long)n;
}

/* --policy: Postfix's policy delegation protocol (SMTPD_POLICY_README),
 * one request after another until end of input (then exit 0: spawn(8)
 * closes the pipe when the smtpd goes away). */
static int
policy_serve(struct dns_ctx *dns)
{
	static char line[POLICY_LINE_MAX + 1];
	struct policy_req r;
	struct policy_cache cache = {NULL, NULL};
	char *action, *log;
	bool toolong;
	long n;
	int ret = 0;

	policy_req_init(&r);
	for (;;) {
		n = policy_read_line(line, sizeof(line), &toolong);
		if (n < 0)
			break; /* end of input: a partial request is dropped */
		if (toolong) {
			policy_req_fail(&r, "attribute line too long");
			continue;
		}
		if (policy_req_line(&r, line, (size_t)n) == 0)
			continue;
		action = policy_decide(dns, &policy_conf, &r, &cache, &log);
		if (log != NULL)
			policy_log(strncmp(log, "DUNNO", 5) == 0, log);
		printf("action=%s\n\n", action);
		free(action);
		free(log);
		policy_req_clear(&r);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			syserror("writing the policy reply");
			ret = EX_IOERR;
			break;
		}
	}
	policy_req_clear(&r);
	policy_cache_clear(&cache);
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

/* --file (libspf2's batch form, spfquery.libspf2(1)): one query a line,
 * "IP SENDER [HELO [RCPT]]" separated by spaces or tabs.  A line is at
 * most an address (45 bytes), a reverse-path (256 octets, RFC 5321
 * 4.5.3.1.3), a HELO domain (255, RFC 1035 2.3.4) and a forward-path
 * (256) with separators: FILE_LINE_MAX is generous and bounds memory;
 * a longer line is reported and skipped. */
#define FILE_LINE_MAX 2048

/* Read one line of f into buf (NUL-terminated, without its newline).
 * Returns its length, -1 at the end, or -2 when it was too long (the
 * rest of it is skipped). */
static long
file_line(FILE *f, char *buf, size_t size)
{
	size_t len = 0;
	bool toolong = false;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (len + 1 < size)
			buf[len++] = (char)c;
		else
			toolong = true;
	}
	buf[len] = '\0';
	if (c == EOF && len == 0 && !toolong)
		return -1;
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return toolong ? -2 : (long)len;
}

/* One query line: fill req's ip, sender and helo from its fields (they
 * point into line) and run it.  Returns the query's exit status, or
 * EX_DATAERR for a line that is not a query. */
static int
file_query(struct dns_ctx *dns, struct spf_request *req, char *line,
    const char *where)
{
	char *f[5], *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(line, " \t", &save); tok != NULL && n < 5;
	     tok = strtok_r(NULL, " \t", &save))
		f[n++] = tok;
	if (n < 2 || n > 4) {
		error("%s: not \"IP SENDER [HELO [RCPT]]\"", where);
		return EX_DATAERR;
	}
	if (!is_ip(f[0])) {
		error("%s: not an IPv4 or IPv6 address: %s", where, f[0]);
		return EX_DATAERR;
	}
	req->ip = f[0];
	/* "<>" is the null reverse-path (RFC 5321 4.5.5): the check is
	 * then of postmaster@HELO (RFC 7208 2.4), as with -s "" */
	req->sender = strcmp(f[1], "<>") == 0 ? "" : f[1];
	req->helo = n >= 3 ? f[2] : NULL;
	/* f[3], RCPT, is libspf2's for its secondary-MX whitelist, which
	 * RFC 7208 has no part of: accepted and not used */
	dns_budget_start(dns);
	return query(dns, req);
}

/* --file: the queries of opt_file in order, each printed as one query is
 * (three lines); lines starting with '#' and empty lines are skipped.
 * The exit status is that of the last query, as libspf2's spfquery
 * does (a malformed line counts as a query with status 65). */
static int
file_queries(struct dns_ctx *dns, struct spf_request *req)
{
	char line[FILE_LINE_MAX + 1], where[64];
	unsigned long lineno = 0;
	FILE *f;
	long len;
	int ret = 0;

	if (strcmp(opt_file, "-") == 0)
		f = stdin;
	else if ((f = fopen(opt_file, "r")) == NULL) {
		syserror("--file=%s", opt_file);
		return EX_NOINPUT;
	}
	while ((len = file_line(f, line, sizeof(line))) != -1) {
		char *p = line;

		lineno++;
		snprintf(where, sizeof(where), "line %lu", lineno);
		if (len == -2) {
			error("%s: longer than %d bytes", where,
			    FILE_LINE_MAX);
			ret = EX_DATAERR;
			continue;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		ret = file_query(dns, req, p, where);
		if (ret == EX_IOERR)
			break;
	}
	if (ferror(f)) {
		syserror("--file=%s", opt_file);
		ret = EX_NOINPUT;
	}
	if (f != stdin)
		fclose(f);
	return ret;
}

/* --file replaces the data options (as in libspf2: "The --file option
 * conflicts with all the other data options").  Returns CLI_RUN or
 * EX_USAGE. */
static int
check_file_options(poptContext pc, const struct spf_request *req)
{
	if (opt_ip != NULL || opt_sender != NULL || opt_helo != NULL ||
	    opt_identity != NULL || opt_pra != NULL)
		return cli_usage_error(pc, "%s", "--file: the queries come "
		    "from the file, not from -i, -s or -H");
	if (opt_filter || opt_lint != NULL)
		return cli_usage_error(pc, "%s", "--file: not with --filter "
		    "or --lint");
	if (req->scope != SPF_SCOPE_MFROM)
		return cli_usage_error(pc, "%s", "--file: MAIL FROM checks "
		    "only (no --scope)");
	if (opt_authserv != NULL)
		return cli_usage_error(pc, "%s", "-A/--authserv-id needs "
		    "--filter");
	return CLI_RUN;
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
	if (opt_policy)
		return check_policy_options(pc);
	if ((st = check_scope(pc, req)) != CLI_RUN ||
	    (st = check_max_void(pc, req)) != CLI_RUN ||
	    (st = opt_file != NULL ? check_file_options(pc, req) :
	     check_query_options(pc, req)) != CLI_RUN)
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
	if (opt_policy)
		ret = policy_serve(dns);
	else if (opt_lint != NULL)
		ret = lint(dns, req);
	else if (opt_filter)
		ret = filter(dns, req);
	else if (opt_file != NULL)
		ret = file_queries(dns, req);
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
