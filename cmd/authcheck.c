/*
 * authcheck: the receiver's whole verdict on a message in one pass and one
 * DNS cache: SPF for MAIL FROM and HELO (RFC 7208), Sender ID (RFC 4406),
 * every DKIM and DomainKeys signature (RFC 6376, RFC 4870), DMARC
 * (RFC 9989) and iprev (RFC 8601 2.7.3) (DESIGN.md "authcheck").
 *
 *	authcheck [--ip=IP] [--helo=NAME] [--sender=ADDR] [--envelope=received]
 *	          [--format=summary|ar|json] [--filter] [-A ID] [--time=T]
 *	          [FILE...]
 *	authcheck --lint=DOMAIN [-s SELECTOR...]
 *
 * Options, I/O and exit status only; every check is a common/ module.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/batch.h"
#include "common/cli.h"
#include "common/dkim.h"
#include "common/dmarc.h"
#include "common/dns.h"
#include "common/iprev.h"
#include "common/msg.h"
#include "common/pra.h"
#include "common/received.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"

static char *opt_ip, *opt_helo, *opt_sender, *opt_envelope, *opt_format;
static char *opt_authserv, *opt_time, *opt_lint;
static const char **opt_s; /* every -s: the sender, or --lint's selectors */
static int opt_filter;
static char *opt_files_from;
static int opt_null;

static struct poptOption options[] = {
    {"ip", 'i', POPT_ARG_STRING, &opt_ip, 0,
	"the SMTP client's address (IPv4 or IPv6)", "IP"},
    {"helo", 'H', POPT_ARG_STRING, &opt_helo, 0,
	"the client's HELO/EHLO name", "NAME"},
    {"sender", 's', POPT_ARG_ARGV, &opt_s, 0,
	"the MAIL FROM address; empty: the null sender (with --lint: a DKIM "
	"selector to check, repeatable)", "ADDRESS"},
    {"envelope", '\0', POPT_ARG_STRING, &opt_envelope, 0,
	"\"received\": take the client address and HELO from the topmost "
	"Received field and the sender from Return-Path (options win)",
	"received"},
    {"format", '\0', POPT_ARG_STRING, &opt_format, 0,
	"output: summary (default), ar (one Authentication-Results field) "
	"or json (one object per message)", "summary|ar|json"},
    CLI_FILTER_OPTIONS(&opt_filter, "copy the message to stdout with "
	"Received-SPF and one Authentication-Results field prepended",
	&opt_authserv, "authserv-id for Authentication-Results (default: the "
	"host name); with --filter, existing fields with this id are removed",
	"ID"),
    {"time", '\0', POPT_ARG_STRING, &opt_time, 0,
	"check as of this time (DKIM t= and x=) instead of now", "UNIXTIME"},
    {"lint", '\0', POPT_ARG_STRING, &opt_lint, 0,
	"check what DOMAIN publishes: SPF, DMARC and, with -s, DKIM keys; "
	"one finding a line", "DOMAIN"},
    CLI_BATCH_OPTIONS(&opt_files_from, "check the files named in FILE, one "
	"a line (\"-\": stdin), after the FILE operands", &opt_null),
    CLI_DNS_OPTIONS,
    CLI_COMMON_OPTIONS,
    POPT_AUTOHELP
    POPT_TABLEEND};

enum format { FMT_SUMMARY, FMT_AR, FMT_JSON };
static enum format format = FMT_SUMMARY;
static const char *authserv_id;
static struct dns_ctx *dns;
static int64_t now;

/* The checks, in output order; each collects the DNS answers its queries
 * brought (an answer already cached for an earlier check is not asked
 * again, so it shows under that check). */
enum { C_SPF, C_SID, C_DKIM, C_DMARC, C_IPREV, C_N };
static const char *const check_names[C_N] = {"SPF", "Sender-ID", "DKIM",
    "DMARC", "iprev"};
static struct buf dnslog[C_N];
static int cur_check = -1;

static void
trace_line(void *arg, const char *line)
{
	(void)arg;
	if (cur_check < 0 || strncmp(line, "answer ", 7) != 0)
		return;
	buf_adds(&dnslog[cur_check], line + 7);
	buf_addc(&dnslog[cur_check], '\n');
}

/* Everything found about one message. */
struct verdict {
	const char *ip, *helo, *sender; /* the envelope used */
	char *env_note;                 /* --envelope=received problem */
	bool spf_done, helo_done, sid_done, iprev_done;
	struct spf_response spf, spf_helo, sid;
	struct spf_request spf_req;
	struct pra_result pra;
	struct dkim_results *dk;
	struct dmarc_result dmarc;
	struct iprev_result iprev;
	const char *no_ip;              /* why SPF, Sender ID, iprev: none */
	unsigned long queries;
};

static void
verdict_free(struct verdict *v)
{
	if (v->spf_done)
		spf_response_free(&v->spf);
	if (v->helo_done)
		spf_response_free(&v->spf_helo);
	if (v->sid_done)
		spf_response_free(&v->sid);
	pra_result_free(&v->pra);
	dkim_results_free(v->dk);
	dmarc_result_free(&v->dmarc);
	iprev_result_free(&v->iprev);
	free(v->env_note);
}

/* The domain of a MAIL FROM address (after its last '@'), or NULL. */
static const char *
sender_domain(const char *s)
{
	const char *at = s != NULL ? strrchr(s, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* The envelope: the options, or what --envelope=received finds in the
 * topmost Received field and Return-Path for what they leave out. */
static void
take_envelope(struct msg *m, struct verdict *v, struct received_env *env)
{
	v->ip = opt_ip;
	v->helo = opt_helo;
	v->sender = opt_sender;
	if (opt_envelope == NULL)
		return;
	if (received_env(m, env, &v->env_note) < 0)
		debug("--envelope=received: %s", v->env_note);
	if (v->ip == NULL)
		v->ip = env->ip;
	if (v->helo == NULL)
		v->helo = env->helo;
	if (v->sender == NULL)
		v->sender = env->sender;
}

/* SPF, MAIL FROM then HELO identity (RFC 7208 2.3, 2.4). */
static void
check_spf(struct verdict *v)
{
	struct spf_request hr;

	cur_check = C_SPF;
	if (v->ip == NULL) {
		v->no_ip = opt_envelope != NULL ? "no client address: no "
		    "--ip, and none in the topmost Received field" :
		    "no client address: give --ip or --envelope=received";
		return;
	}
	memset(&v->spf_req, 0, sizeof(v->spf_req));
	v->spf_req.ip = v->ip;
	v->spf_req.sender = v->sender;
	v->spf_req.helo = v->helo;
	v->spf_req.receiver = authserv_id;
	v->spf_req.scope = SPF_SCOPE_MFROM;
	v->spf_req.now = now;
	spf_check(dns, &v->spf_req, &v->spf);
	v->spf_done = true;
	if (v->helo != NULL && spf_domain_ok(v->helo)) {
		hr = v->spf_req;
		hr.scope = SPF_SCOPE_HELO;
		spf_check(dns, &hr, &v->spf_helo);
		v->helo_done = true;
	}
}

/* DMARC (RFC 9989 5.3): SPF counts through MAIL FROM only (4.4.2),
 * DKIM through DKIM-Signature d= (4.4.1; not DomainKeys). */
static void
check_dmarc(struct msg *m, struct verdict *v)
{
	struct dmarc_input din;
	const char **dd;
	enum res *dr;
	char *author = NULL, *why = NULL;
	size_t i, n = 0;

	cur_check = C_DMARC;
	memset(&din, 0, sizeof(din));
	if (dmarc_author_domain(m, &author, &why) == 0)
		din.author = author;
	if (v->spf_done) {
		din.spf_domain = sender_domain(v->sender);
		din.spf_result = v->spf.result;
	}
	dd = xcalloc(v->dk->n + 1, sizeof(*dd));
	dr = xcalloc(v->dk->n + 1, sizeof(*dr));
	for (i = 0; i < v->dk->n; i++) {
		if (v->dk->r[i].kind != DKIM_KIND_DKIM)
			continue;
		dd[n] = v->dk->r[i].d;
		dr[n++] = v->dk->r[i].result;
	}
	din.dkim_domains = dd;
	din.dkim_results = dr;
	din.ndkim = n;
	dmarc_check(dns, &din, &v->dmarc);
	if (v->dmarc.result == RES_FAIL && !v->spf_done) {
		/* Say so: with an address, SPF might have aligned. */
		char *r = xasprintf("%s; SPF not checked: no client address",
		    v->dmarc.reason);
		free(v->dmarc.reason);
		v->dmarc.reason = r;
	}
	if (din.author == NULL && why != NULL) {
		free(v->dmarc.reason);
		v->dmarc.reason = why;
		why = NULL;
	}
	free(dd);
	free(dr);
	free(author);
	free(why);
}

/* Run every check on m, in the order of docs/authcheck.1, sharing one
 * DNS cache.  Returns 0, or -1 with *err when the message cannot be read
 * (body I/O). */
static int
run_checks(struct msg *m, struct verdict *v, struct received_env *env,
    char **err)
{
	struct dkim_verify_opts vo;
	unsigned long sent0 = dns_queries_sent(dns);
	int k;

	memset(v, 0, sizeof(*v));
	for (k = 0; k < C_N; k++)
		buf_reset(&dnslog[k]);
	/* DESIGN: the DNS budget bounds each message, also in a batch. */
	dns_budget_start(dns);
	take_envelope(m, v, env);
	check_spf(v);

	/* Sender ID (RFC 4406) on the PRA (RFC 4407). */
	cur_check = C_SID;
	if (pra_find(m, &v->pra) == 0 && v->ip != NULL) {
		pra_check(dns, v->ip, v->helo, v->pra.address, &v->sid);
		v->sid_done = true;
	}

	/* Every DKIM and DomainKeys signature, one body pass. */
	cur_check = C_DKIM;
	vo.min_key_bits = DKIM_MIN_RSA_BITS;
	vo.now = now;
	if (dkim_verify(m, dns, &vo, &v->dk, err) < 0) {
		cur_check = -1;
		return -1;
	}
	check_dmarc(m, v);

	/* iprev (RFC 8601 2.7.3). */
	cur_check = C_IPREV;
	if (v->ip != NULL) {
		iprev_check(dns, v->ip, &v->iprev);
		v->iprev_done = true;
	}
	cur_check = -1;
	v->queries = dns_queries_sent(dns) - sent0;
	return 0;
}

/* The exit status of a verdict: DMARC's (docs/authcheck.1). */
static int
verdict_exit(const struct verdict *v)
{
	return res_check_exit(v->dmarc.result);
}

/* ------------------------------------------------------------ outputs */

static struct ar *
verdict_ar(const struct verdict *v)
{
	struct ar *a = ar_new(authserv_id);
	size_t i;
	bool any_dkim = false, any_dk = false;

	if (v->spf_done) {
		/* RFC 8601 2.7.2, RFC 7208 9.2. */
		ar_add(a, "spf", v->spf.result, v->spf.problem);
		ar_prop(a, "smtp", "mailfrom", v->spf.identity);
	} else
		ar_add(a, "spf", RES_NONE, v->no_ip);
	if (v->helo_done) {
		ar_add(a, "spf", v->spf_helo.result, v->spf_helo.problem);
		ar_prop(a, "smtp", "helo", v->helo);
	}
	if (v->sid_done) {
		ar_add(a, "sender-id", v->sid.result, v->sid.problem);
		ar_prop(a, "header", pra_header_property(v->pra.header),
		    v->pra.address);
	} else if (v->pra.address == NULL) {
		char *why = xasprintf("no purported responsible address: %s",
		    v->pra.reason != NULL ? v->pra.reason : "?");
		ar_add(a, "sender-id", RES_PERMERROR, why);
		free(why);
	} else
		ar_add(a, "sender-id", RES_NONE, v->no_ip);
	for (i = 0; i < v->dk->n; i++) {
		dkim_result_ar(&v->dk->r[i], a);
		if (v->dk->r[i].kind == DKIM_KIND_DKIM)
			any_dkim = true;
		else
			any_dk = true;
	}
	if (!any_dkim)
		ar_add(a, "dkim", RES_NONE, NULL);
	if (!any_dk)
		ar_add(a, "domainkeys", RES_NONE, NULL);
	/* RFC 9989 9.1: header.from, policy.dmarc. */
	ar_add(a, "dmarc", v->dmarc.result, v->dmarc.reason);
	if (v->dmarc.author != NULL)
		ar_prop(a, "header", "from", v->dmarc.author);
	if (v->dmarc.policy_tag != NULL)
		ar_prop(a, "policy", "dmarc",
		    dmarc_policy_name(v->dmarc.applied));
	if (v->iprev_done) {
		/* RFC 8601 2.7.3: policy.iprev is the client address. */
		ar_add(a, "iprev", v->iprev.result, v->iprev.reason);
		ar_prop(a, "policy", "iprev", v->iprev.ip != NULL ?
		    v->iprev.ip : v->ip);
	} else
		ar_add(a, "iprev", RES_NONE, v->no_ip);
	return a;
}

/* Text safe for a terminal: control bytes as \ooo. */
static void
put_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			printf("\\%03o", c);
		else
			putchar(c);
	}
}

static void
detail(const char *label, const char *value)
{
	if (value == NULL)
		return;
	printf("  %-10s ", label);
	put_safe(value);
	putchar('\n');
}

static void
detail_dns(int c)
{
	const char *p = dnslog[c].data, *nl;

	if (dnslog[c].len == 0)
		return;
	printf("  DNS records consulted:\n");
	for (; p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		char *line = xstrndup(p, nl != NULL ? (size_t)(nl - p) :
		    strlen(p));
		printf("    ");
		put_safe(line);
		putchar('\n');
		free(line);
		if (nl == NULL)
			break;
	}
}

/* "NAME check: RESULT" for each signature of kind (DKIM or DomainKeys),
 * or "NAME check: none" when there is none. */
static void
summary_kind(const struct verdict *v, enum dkim_kind kind, const char *name)
{
	size_t i;
	bool any = false;

	for (i = 0; i < v->dk->n; i++)
		if (v->dk->r[i].kind == kind) {
			printf("%s check: %s\n", name,
			    res_name(v->dk->r[i].result));
			any = true;
		}
	if (!any)
		printf("%s check: none\n", name);
}

/* The "Summary of Results" block: one line per check, in port25's words. */
static void
summary_lines(const struct verdict *v)
{
	printf("Summary of Results\n");
	printf("SPF check: %s\n", v->spf_done ? res_name(v->spf.result) :
	    "none");
	printf("Sender-ID check: %s\n", v->sid_done ?
	    res_name(v->sid.result) : v->pra.address == NULL ? "permerror" :
	    "none");
	summary_kind(v, DKIM_KIND_DOMAINKEYS, "DomainKeys");
	summary_kind(v, DKIM_KIND_DKIM, "DKIM");
	printf("DMARC check: %s\n", res_name(v->dmarc.result));
	printf("iprev check: %s\n", v->iprev_done ?
	    res_name(v->iprev.result) : "none");
}

/* Details: SPF (MAIL FROM and HELO), with RFC 7208 4.6.4's lookups spent. */
static void
details_spf(const struct verdict *v)
{
	char *s;

	printf("\nDetails\n");
	printf("\nSPF check details:\n");
	if (v->spf_done) {
		detail("Result:", res_name(v->spf.result));
		s = xasprintf("smtp.mailfrom=%s", v->spf.identity ?
		    v->spf.identity : "");
		detail("Identity:", s);
		free(s);
		detail("Client:", v->ip);
		detail("Reason:", v->spf.problem != NULL ? v->spf.problem :
		    v->spf.comment);
		if (v->helo_done) {
			s = xasprintf("%s (smtp.helo=%s)",
			    res_name(v->spf_helo.result), v->helo);
			detail("HELO:", s);
			free(s);
		}
		/* RFC 7208 4.6.4's limits, and how much of them was spent. */
		s = xasprintf("%u of %u DNS-querying terms, %u of %u void "
		    "lookups", v->spf.dns_terms, SPF_MAX_DNS_TERMS,
		    v->spf.void_lookups, SPF_MAX_VOID_LOOKUPS);
		detail("Lookups:", s);
		free(s);
	} else
		detail("Result:", "none"), detail("Reason:", v->no_ip);
	if (v->env_note != NULL)
		detail("Envelope:", v->env_note);
	detail_dns(C_SPF);
}

/* Details: Sender ID: the PRA (RFC 4407) and its check (RFC 4406). */
static void
details_sid(const struct verdict *v)
{
	char *s;

	printf("\nSender-ID check details:\n");
	detail("Result:", v->sid_done ? res_name(v->sid.result) :
	    v->pra.address == NULL ? "permerror" : "none");
	if (v->pra.address != NULL) {
		s = xasprintf("header.%s=%s",
		    pra_header_property(v->pra.header), v->pra.address);
		detail("Identity:", s);
		free(s);
	}
	detail("Reason:", v->pra.address == NULL ? v->pra.reason :
	    !v->sid_done ? v->no_ip : v->sid.problem != NULL ?
	    v->sid.problem : v->sid.comment);
	detail_dns(C_SID);
}

/* Details: every DKIM and DomainKeys signature, with its key size. */
static void
details_dkim(const struct verdict *v)
{
	size_t i;
	char *s;

	printf("\nDKIM and DomainKeys check details:\n");
	if (v->dk->n == 0)
		detail("Result:", "none (no signature)");
	for (i = 0; i < v->dk->n; i++) {
		const struct dkim_result *r = &v->dk->r[i];
		s = xasprintf("%s %s", r->kind == DKIM_KIND_DKIM ? "DKIM" :
		    "DomainKeys", res_name(r->result));
		detail("Result:", s);
		free(s);
		s = xasprintf("header.d=%s header.s=%s%s%s", r->d ? r->d : "",
		    r->s ? r->s : "", r->a ? " header.a=" : "", r->a ? r->a :
		    "");
		detail("Identity:", s);
		free(s);
		detail("Reason:", r->reason);
		if (r->key_bits != 0) {
			s = xasprintf("%u bits", r->key_bits);
			detail("Key:", s);
			free(s);
		}
		if (r->testing)
			detail("Testing:", "the key has t=y");
	}
	detail_dns(C_DKIM);
}

/* Details: DMARC (RFC 9989): the policy that applies, where it came from, alignment. */
static void
details_dmarc(const struct verdict *v)
{
	char *s;

	printf("\nDMARC check details:\n");
	detail("Result:", res_name(v->dmarc.result));
	if (v->dmarc.author != NULL) {
		s = xasprintf("header.from=%s", v->dmarc.author);
		detail("Identity:", s);
		free(s);
	}
	detail("Reason:", v->dmarc.reason);
	if (v->dmarc.policy_tag != NULL) {
		s = xasprintf("%s=%s from _dmarc.%s%s%s",
		    v->dmarc.policy_tag, dmarc_policy_name(v->dmarc.policy),
		    v->dmarc.policy_domain, v->dmarc.testing ?
		    " (t=y: testing; applied: " : "", v->dmarc.testing ?
		    dmarc_policy_name(v->dmarc.applied) : "");
		if (v->dmarc.testing) {
			char *t = xasprintf("%s)", s);
			free(s);
			s = t;
		}
		detail("Policy:", s);
		free(s);
		detail("Org domain:", v->dmarc.org_domain);
		s = xasprintf("SPF %s%s, DKIM %s%s",
		    v->dmarc.spf_aligned ? "aligned" : "not aligned",
		    v->dmarc.aspf_strict ? " (strict)" : "",
		    v->dmarc.dkim_aligned ? "aligned" : "not aligned",
		    v->dmarc.adkim_strict ? " (strict)" : "");
		detail("Alignment:", s);
		free(s);
		if (v->dmarc.aligned_dkim != NULL) {
			s = xasprintf("header.d=%s", v->dmarc.aligned_dkim);
			detail("Aligned:", s);
			free(s);
		}
	}
	detail("Record:", v->dmarc.record);
	detail_dns(C_DMARC);
}

/* Details: iprev (RFC 8601 2.7.3). */
static void
details_iprev(const struct verdict *v)
{
	char *s;

	printf("\niprev check details:\n");
	if (v->iprev_done) {
		detail("Result:", res_name(v->iprev.result));
		s = xasprintf("policy.iprev=%s", v->iprev.ip ? v->iprev.ip :
		    v->ip);
		detail("Identity:", s);
		free(s);
		detail("Name:", v->iprev.name);
		detail("Reason:", v->iprev.reason);
	} else
		detail("Result:", "none"), detail("Reason:", v->no_ip);
	detail_dns(C_IPREV);
}

/* --format=summary: the summary block, then the details of each check. */
static void
print_summary(const struct verdict *v)
{
	summary_lines(v);
	details_spf(v);
	details_sid(v);
	details_dkim(v);
	details_dmarc(v);
	details_iprev(v);
	(void)check_names;
}

/* ---------------------------------------------------------------- JSON */

static void
json_str(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			/* Bytes from the message may be any bytes: anything
			 * but printable ASCII as \u00XX keeps the output
			 * valid JSON (bytes >= 0x80 read as Latin-1). */
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
json_kv(const char *k, const char *v, bool comma)
{
	json_str(k);
	putchar(':');
	json_str(v);
	if (comma)
		putchar(',');
}

static void
json_spf(const char *key, const struct spf_response *r, const char *idkey,
    const char *id)
{
	json_str(key);
	fputs(":{", stdout);
	json_kv("result", res_name(r->result), true);
	json_kv(idkey, id, true);
	json_kv("mechanism", r->mechanism, true);
	json_kv("reason", r->problem != NULL ? r->problem : r->comment, false);
	fputs("},", stdout);
}

static void
print_json(const struct verdict *v, const char *name)
{
	size_t i;
	int kind;

	putchar('{');
	if (name != NULL)
		json_kv("file", name, true);
	fputs("\"envelope\":{", stdout);
	json_kv("ip", v->ip, true);
	json_kv("helo", v->helo, true);
	json_kv("mailfrom", v->sender, false);
	fputs("},", stdout);
	if (v->spf_done)
		json_spf("spf", &v->spf, "smtp.mailfrom", v->spf.identity);
	else {
		fputs("\"spf\":{\"result\":\"none\",", stdout);
		json_kv("reason", v->no_ip, false);
		fputs("},", stdout);
	}
	if (v->helo_done)
		json_spf("spf_helo", &v->spf_helo, "smtp.helo", v->helo);
	if (v->sid_done)
		json_spf("sender_id", &v->sid, "pra", v->pra.address);
	else {
		fputs("\"sender_id\":{", stdout);
		json_kv("result", v->pra.address == NULL ? "permerror" :
		    "none", true);
		json_kv("pra", v->pra.address, true);
		json_kv("reason", v->pra.address == NULL ? v->pra.reason :
		    v->no_ip, false);
		fputs("},", stdout);
	}
	for (kind = 0; kind < 2; kind++) {
		bool first = true;
		fputs(kind == 0 ? "\"dkim\":[" : "\"domainkeys\":[", stdout);
		for (i = 0; i < v->dk->n; i++) {
			const struct dkim_result *r = &v->dk->r[i];
			if ((kind == 0) != (r->kind == DKIM_KIND_DKIM))
				continue;
			if (!first)
				putchar(',');
			first = false;
			putchar('{');
			json_kv("result", res_name(r->result), true);
			json_kv("d", r->d, true);
			json_kv("s", r->s, true);
			json_kv("a", r->a, true);
			json_kv("b", r->b, true);
			json_kv("reason", r->reason, true);
			printf("\"testing\":%s,\"key_bits\":%u}",
			    r->testing ? "true" : "false", r->key_bits);
		}
		fputs("],", stdout);
	}
	fputs("\"dmarc\":{", stdout);
	json_kv("result", res_name(v->dmarc.result), true);
	json_kv("from", v->dmarc.author, true);
	json_kv("policy", dmarc_policy_name(v->dmarc.policy_tag != NULL ?
	    v->dmarc.applied : DMARC_POLICY_UNSET), true);
	json_kv("published_policy", dmarc_policy_name(v->dmarc.policy_tag !=
	    NULL ? v->dmarc.policy : DMARC_POLICY_UNSET), true);
	json_kv("policy_tag", v->dmarc.policy_tag, true);
	json_kv("policy_domain", v->dmarc.policy_domain, true);
	json_kv("org_domain", v->dmarc.org_domain, true);
	json_kv("aligned_dkim", v->dmarc.aligned_dkim, true);
	json_kv("record", v->dmarc.record, true);
	json_kv("reason", v->dmarc.reason, true);
	printf("\"testing\":%s,\"spf_aligned\":%s,\"dkim_aligned\":%s},",
	    v->dmarc.testing ? "true" : "false",
	    v->dmarc.spf_aligned ? "true" : "false",
	    v->dmarc.dkim_aligned ? "true" : "false");
	fputs("\"iprev\":{", stdout);
	json_kv("result", v->iprev_done ? res_name(v->iprev.result) : "none",
	    true);
	json_kv("ip", v->iprev_done ? v->iprev.ip : NULL, true);
	json_kv("name", v->iprev_done ? v->iprev.name : NULL, true);
	json_kv("reason", v->iprev_done ? v->iprev.reason : v->no_ip, false);
	printf("},\"dns_queries_sent\":%lu}\n", v->queries);
}

/* ----------------------------------------------------------- messages */

/* In a JSON batch, a file that could not be checked still gets its line,
 * so that every operand has one: {"file": NAME, "error": TEXT}. */
static void
json_error(const char *name, const char *text)
{
	if (format != FMT_JSON || name == NULL)
		return;
	putchar('{');
	json_kv("file", name, true);
	json_kv("error", text, false);
	puts("}");
}

/* Check one message and print the verdict in the chosen format. */
static int
check_print(int fd, const char *name)
{
	struct received_env env;
	struct verdict v;
	struct msg *m;
	enum msg_status mst;
	char *err = NULL;
	int st;

	memset(&env, 0, sizeof(env));
	m = msg_read_fd_once(fd, &mst);
	if (m == NULL) {
		syserror("%s", name != NULL ? name : "reading the message");
		json_error(name, strerror(errno));
		return EX_NOINPUT;
	}
	if (msg_status(m) != MSG_OK) {
		st = cli_msg_unusable(m, name);
		json_error(name, msg_status_text(msg_status(m)));
		msg_free(m);
		return st;
	}
	if (run_checks(m, &v, &env, &err) < 0) {
		error("%s: %s", name != NULL ? name : "input", err);
		json_error(name, err);
		free(err);
		verdict_free(&v);
		received_env_free(&env);
		msg_free(m);
		return EX_NOINPUT;
	}
	if (format == FMT_JSON)
		print_json(&v, name);
	else {
		if (name != NULL)
			printf("%s%s:\n", format == FMT_SUMMARY ? "\n" : "",
			    name);
		if (format == FMT_SUMMARY)
			print_summary(&v);
		else {
			struct ar *a = verdict_ar(&v);
			char *f = ar_field(a, "\n");
			fputs(f, stdout);
			free(f);
			ar_free(a);
		}
	}
	st = verdict_exit(&v);
	verdict_free(&v);
	received_env_free(&env);
	msg_free(m);
	return st;
}

/* --filter output: our fields on top, forged ones claiming our
 * authserv-id removed on every path (cli_write_filtered()). */
static int
write_filtered(struct msg *m, const char *fields)
{
	return cli_write_filtered(m, fields, authserv_id);
}

/* What cli_filter_read()'s check fills. */
struct filter_arg {
	struct verdict *v;
	struct received_env *env;
};

static int
filter_check(struct msg *m, void *arg, char **err)
{
	struct filter_arg *fa = arg;

	return run_checks(m, fa->v, fa->env, err);
}

static int
filter(void)
{
	struct received_env env;
	struct verdict v;
	struct filter_arg fa = {&v, &env};
	struct msg *m;
	struct buf b = BUF_INIT;
	char *f;
	int status;

	memset(&env, 0, sizeof(env));
	memset(&v, 0, sizeof(v));
	/* Nothing is lost (DESIGN.md), forged results are. */
	status = cli_filter_read(&m, dns != NULL, filter_check, &fa,
	    authserv_id);
	if (status != 0) {
		verdict_free(&v);
		received_env_free(&env);
		return status;
	}
	if (v.spf_done) {
		/* Received-SPF for the MAIL FROM check (RFC 7208 9.1). */
		struct ar_spf rs;
		memset(&rs, 0, sizeof(rs));
		rs.result = v.spf.result;
		rs.comment = v.spf.comment;
		rs.client_ip = v.spf.client_ip;
		rs.envelope_from = v.sender != NULL ? v.sender : "";
		rs.helo = v.helo;
		rs.receiver = authserv_id;
		rs.identity = "mailfrom";
		rs.mechanism = v.spf.mechanism;
		rs.problem = v.spf.problem;
		f = ar_received_spf(&rs, true, msg_eol(m));
		buf_adds(&b, f);
		free(f);
	}
	{
		struct ar *a = verdict_ar(&v);
		f = ar_field(a, msg_eol(m));
		buf_adds(&b, f);
		free(f);
		ar_free(a);
	}
	if (write_filtered(m, b.data) < 0) {
		syserror("writing the output");
		status = EX_IOERR;
	}
	buf_free(&b);
	verdict_free(&v);
	received_env_free(&env);
	msg_free(m);
	return status;
}

/* -------------------------------------------------------------- lint */

/* --lint DOMAIN: SPF (spfquery --lint's checks), DMARC (dmarc_lint) and
 * each -s SELECTOR's DKIM key.  Findings one a line; notes "note: ...".
 * Exit 0 when clean, 1 with findings, 75 when every finding is a
 * temporary DNS error. */
static int
lint(const char *domain, const char **selectors)
{
	struct spf_lint sl;
	struct dmarc_lint dl;
	size_t i, n, temp;

	n = spf_lint(dns, domain, NULL, &sl);
	for (i = 0; i < sl.nfindings; i++) {
		put_safe(sl.findings[i]);
		putchar('\n');
	}
	temp = sl.temperrors;
	spf_lint_free(&sl);
	n += dmarc_lint(dns, domain, &dl);
	for (i = 0; i < dl.nfindings; i++) {
		put_safe(dl.findings[i]);
		putchar('\n');
	}
	for (i = 0; i < dl.nnotes; i++) {
		printf("note: ");
		put_safe(dl.notes[i]);
		putchar('\n');
	}
	temp += dl.temperrors;
	dmarc_lint_free(&dl);
	for (i = 0; selectors != NULL && selectors[i] != NULL; i++) {
		struct dkim_key k;
		struct crypto_pubkey *pub;
		char *reason = NULL, *err = NULL;
		enum res r;

		r = dkim_key_fetch(dns, selectors[i], domain, &k, &reason);
		if (r != RES_PASS) {
			printf("%s._domainkey.%s: ", selectors[i], domain);
			put_safe(reason != NULL ? reason : res_name(r));
			printf(" (RFC 6376 3.6.1)\n");
			n++;
			temp += r == RES_TEMPERROR;
			free(reason);
			continue;
		}
		pub = crypto_pubkey_import(k.type, k.p, k.plen, &err);
		if (pub == NULL) {
			printf("%s._domainkey.%s: p= is not a usable public key"
			    "%s", selectors[i], domain, err ? ": " : "");
			put_safe(err ? err : "");
			putchar('\n');
			n++;
		} else if (k.type == CRYPTO_KEY_RSA &&
		    crypto_pubkey_bits(pub) < DKIM_MIN_RSA_BITS) {
			printf("%s._domainkey.%s: %u-bit RSA key: verifiers "
			    "refuse keys under %d bits (RFC 8301 3.2)\n",
			    selectors[i], domain, crypto_pubkey_bits(pub),
			    DKIM_MIN_RSA_BITS);
			n++;
		} else
			printf("note: %s._domainkey.%s: %u-bit %s key%s\n",
			    selectors[i], domain, crypto_pubkey_bits(pub),
			    k.type == CRYPTO_KEY_RSA ? "RSA" : "Ed25519",
			    k.testing ? ", t=y (testing)" : "");
		crypto_pubkey_free(pub);
		free(err);
		dkim_key_clear(&k);
	}
	printf("%s: %zu finding%s\n", domain, n, n == 1 ? "" : "s");
	if (n > 0 && temp == n)
		return EX_TEMPFAIL;
	return n == 0 ? EXIT_PASS : EXIT_NOTPASS;
}

/* ------------------------------------------------------------- batch */

/* One file of a batch that cannot be read: a JSON line for it too. */
static void
batch_unreadable(const char *name, int err, void *arg)
{
	(void)arg;
	json_error(name, strerror(err));
}

static int
batch_one(int fd, const char *name, void *arg)
{
	(void)arg;
	return check_print(fd, name);
}

/* The FILE operands, their directories and the --files-from names, one
 * at a time (common/batch.h, cli_batch()), then the summary. */
static int
batch(const char **files)
{
	struct cli_tally t = {0};
	int st;

	st = cli_batch(files, opt_files_from, opt_null, batch_one,
	    batch_unreadable, NULL, &t);
	if (st != 0)
		return st;
	/* JSON output stays one object a line: no summary line there. */
	if (format != FMT_JSON)
		cli_tally_print(&t, "\n", "DMARC ");
	return cli_tally_exit(&t);
}

/* --lint DOMAIN [-s SELECTOR...]: the domain and the selectors only. */
static int
check_lint_options(poptContext pc)
{
	size_t len = strlen(opt_lint);

	if (len == 0 || util_has_control(opt_lint) || len > 253 ||
	    strchr(opt_lint, ' ') != NULL)
		return cli_usage_error(pc,
		    "--lint=%s: not a domain name", opt_lint);
	if (opt_filter || opt_ip != NULL || opt_envelope != NULL ||
	    poptPeekArg(pc) != NULL || opt_files_from != NULL)
		return cli_usage_error(pc, "--lint takes a domain and "
		    "-s selectors only");
	for (size_t i = 0; opt_s != NULL && opt_s[i] != NULL; i++)
		if (opt_s[i][0] == '\0' || util_has_control(opt_s[i]) ||
		    strchr(opt_s[i], ' ') != NULL)
			return cli_usage_error(pc,
			    "-s %s: not a selector", opt_s[i]);
	return CLI_RUN;
}

/* The options' values, checked before anything is read (DESIGN: a usage
 * error reads nothing).  Returns CLI_RUN to go on, else the exit status. */
static int
check_options(poptContext pc)
{
	unsigned char abuf[16];
	int st;

	if (opt_s != NULL && opt_lint == NULL) {
		if (opt_s[1] != NULL)
			return cli_usage_error(pc, "-s/--sender given twice "
			    "(several -s are --lint's selectors)");
		opt_sender = (char *)opt_s[0];
	}
	if (opt_lint != NULL && (st = check_lint_options(pc)) != CLI_RUN)
		return st;
	if (opt_format != NULL) {
		if (strcmp(opt_format, "summary") == 0)
			format = FMT_SUMMARY;
		else if (strcmp(opt_format, "ar") == 0)
			format = FMT_AR;
		else if (strcmp(opt_format, "json") == 0)
			format = FMT_JSON;
		else
			return cli_usage_error(pc, "--format=%s: not summary, "
			    "ar or json", opt_format);
	}
	if (opt_envelope != NULL && strcmp(opt_envelope, "received") != 0)
		return cli_usage_error(pc, "--envelope=%s: only \"received\" "
		    "is known", opt_envelope);
	if (opt_ip != NULL && inet_pton(AF_INET, opt_ip, abuf) != 1 &&
	    inet_pton(AF_INET6, opt_ip, abuf) != 1)
		return cli_usage_error(pc,
		    "--ip=%s: not an IPv4 or IPv6 address", opt_ip);
	if (opt_helo != NULL && (*opt_helo == '\0' || util_has_control(opt_helo)))
		return cli_usage_error(pc, "--helo: not a usable name");
	if (opt_sender != NULL && util_has_control(opt_sender))
		return cli_usage_error(pc, "--sender: control characters");
	return cli_check_verify_options(pc, opt_time, &now, opt_authserv,
	    &authserv_id, opt_filter, opt_files_from, opt_null);
}

/* The man page's steps: set up DNS, then lint a domain, filter stdin,
 * check each FILE, or check stdin. */
static int
run(const char **files)
{
	crypto_init();
	dns = cli_dns_setup();
	if (dns == NULL && !opt_filter)
		return EX_CONFIG;
	if (dns != NULL)
		dns_set_trace(dns, trace_line, NULL);
	if (opt_lint != NULL)
		return dns != NULL ? lint(opt_lint, opt_s) : EX_CONFIG;
	if (opt_filter)
		return filter();
	if (files != NULL || opt_files_from != NULL)
		return batch(files);
	return check_print(STDIN_FILENO, NULL);
}

int
main(int argc, char **argv)
{
	poptContext pc;
	int status, k;

	pc = cli_start("authcheck", argc, (const char **)argv, options, NULL);
	status = cli_parse_options(pc);
	if (status == CLI_RUN)
		status = check_options(pc);
	if (status == CLI_RUN)
		status = cli_finish_output(run(poptGetArgs(pc)));
	for (k = 0; k < C_N; k++)
		buf_free(&dnslog[k]);
	dns_free(dns);
	for (k = 0; opt_s != NULL && opt_s[k] != NULL; k++)
		free((char *)opt_s[k]);
	free(opt_s);
	poptFreeContext(pc);
	cli_free();
	return status;
}
