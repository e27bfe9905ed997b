/*
 * policy: Postfix policy delegation requests and their SPF actions (see
 * common/policy.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/policy.h"
#include "common/result.h"
#include "common/spf.h"
#include "common/util.h"

static const char *const attr_names[POLICY_NATTRS] = {
    "request", "protocol_state", "client_address", "helo_name",
    "sender", "recipient", "instance"};

void
policy_req_init(struct policy_req *r)
{
	memset(r, 0, sizeof(*r));
}

void
policy_req_clear(struct policy_req *r)
{
	size_t i;

	for (i = 0; i < POLICY_NATTRS; i++)
		free(r->attr[i]);
	policy_req_init(r);
}

void
policy_req_fail(struct policy_req *r, const char *why)
{
	if (r->malformed == NULL)
		r->malformed = why;
}

int
policy_req_line(struct policy_req *r, const char *line, size_t len)
{
	const char *eq;
	size_t i, nlen;

	/* Postfix ends lines with LF; a CR before it (a hand-typed or
	 * CRLF client) is not part of the value. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 1;
	if (++r->nlines > POLICY_ATTRS_MAX) {
		policy_req_fail(r, "too many attributes");
		return 0;
	}
	if (len > POLICY_LINE_MAX) {
		policy_req_fail(r, "attribute line too long");
		return 0;
	}
	/* No control characters in names or values: a CR or NUL here
	 * could only come from a hostile or broken client, and would end up
	 * in a header field or a log line. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			policy_req_fail(r, "control character in an attribute");
			return 0;
		}
	}
	eq = memchr(line, '=', len);
	if (eq == NULL || eq == line) {
		policy_req_fail(r, "attribute line without name=value");
		return 0;
	}
	nlen = (size_t)(eq - line);
	for (i = 0; i < POLICY_NATTRS; i++) {
		if (strlen(attr_names[i]) != nlen ||
		    memcmp(attr_names[i], line, nlen) != 0)
			continue;
		if (r->attr[i] != NULL) {
			/* Which one would Postfix mean?  Neither. */
			policy_req_fail(r, "attribute given twice");
			return 0;
		}
		r->attr[i] = xstrndup(eq + 1, len - nlen - 1);
		return 0;
	}
	return 0; /* an attribute this service does not use */
}

void
policy_cache_clear(struct policy_cache *c)
{
	free(c->key);
	free(c->action);
	c->key = c->action = NULL;
}

/* One line of printable ASCII: whatever DNS (exp=) or the request put in
 * the text cannot start a new reply or header line. */
static void
clean_line(char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			*s = '?';
	}
}

static bool
rejects(const struct policy_conf *conf, enum res res)
{
	switch (res) {
	case RES_FAIL:
		return conf->reject != POLICY_REJECT_NONE;
	case RES_SOFTFAIL:
		return conf->reject == POLICY_REJECT_SOFTFAIL;
	case RES_PERMERROR:
		return conf->reject_permerror;
	default:
		return false;
	}
}

char *
policy_action(const struct policy_conf *conf, enum res res,
    const char *explanation, const char *problem, const char *field)
{
	char *a;

	if (res == RES_TEMPERROR && conf->defer_temperror) {
		/* RFC 7208 8.6: temperror, "the SMTP server MAY return a
		 * 451 or 4xx reply"; 4.4.3 (RFC 3463 3.5, directory server
		 * failure) as postfix-policyd-spf-python answers.
		 * DEFER_IF_PERMIT: a later reject still wins. */
		a = xasprintf("DEFER_IF_PERMIT 4.4.3 SPF temporary error: %.*s",
		    POLICY_REPLY_TEXT_MAX,
		    problem != NULL ? problem : "DNS lookup failed");
	} else if (rejects(conf, res) && res == RES_PERMERROR) {
		/* RFC 7208 8.7: permerror "SHOULD" be 550; RFC 7372 3.2:
		 * X.7.24 "SPF validation error". */
		a = xasprintf("550 5.7.24 SPF permanent error: %.*s",
		    POLICY_REPLY_TEXT_MAX,
		    problem != NULL ? problem : "bad SPF record");
	} else if (rejects(conf, res)) {
		/* RFC 7208 8.4: fail, 550 with the explanation; RFC 7372
		 * 3.2: 5.7.23 "SPF validation failed". */
		a = xasprintf("550 5.7.23 %.*s", POLICY_REPLY_TEXT_MAX,
		    explanation != NULL && explanation[0] != '\0'
		        ? explanation
		        : "SPF validation failed");
	} else {
		a = xasprintf("PREPEND %s", field);
	}
	clean_line(a);
	return a;
}

/* Received-SPF (RFC 7208 9.1), unfolded, through the one writer in
 * common/result. */
static char *
received_spf(const struct spf_request *req, const struct spf_response *resp)
{
	struct ar_spf s;

	memset(&s, 0, sizeof(s));
	s.result = resp->result;
	s.comment = resp->comment;
	s.client_ip = resp->client_ip;
	if (req->scope == SPF_SCOPE_MFROM)
		s.envelope_from = req->sender != NULL ? req->sender : "";
	s.helo = req->helo;
	s.receiver = req->receiver;
	s.identity = req->scope == SPF_SCOPE_HELO ? "helo" : "mailfrom";
	s.mechanism = resp->mechanism;
	s.problem = resp->problem;
	return ar_received_spf(&s, false, "");
}

/* One check of scope; *res gets the result.  Returns the action, or NULL
 * when the request is unusable (a bad client address) with *log set. */
static char *
check(struct dns_ctx *dns, const struct policy_conf *conf,
    const struct policy_req *r, enum spf_scope scope, enum res *res,
    char **log)
{
	struct spf_request req;
	struct spf_response resp;
	char *field, *a;

	memset(&req, 0, sizeof(req));
	req.ip = r->attr[POLICY_CLIENT_ADDRESS];
	req.sender = r->attr[POLICY_SENDER];
	req.helo = r->attr[POLICY_HELO_NAME];
	req.receiver = conf->receiver;
	req.scope = scope;
	req.default_explanation = conf->default_explanation;
	req.max_void_lookups = conf->max_void_lookups;
	req.trace = conf->trace;
	req.trace_arg = conf->trace_arg;
	if (spf_check(dns, &req, &resp) < 0) {
		*log = xasprintf("DUNNO: %s",
		    resp.problem != NULL ? resp.problem : "unusable request");
		spf_response_free(&resp);
		return NULL;
	}
	*res = resp.result;
	field = received_spf(&req, &resp);
	a = policy_action(conf, resp.result, resp.explanation, resp.problem,
	    field != NULL ? field : "Received-SPF: none");
	free(*log);
	*log = xasprintf("%s=%s %s: %s", scope == SPF_SCOPE_HELO ? "helo"
	    : "mailfrom", resp.identity != NULL ? resp.identity : "",
	    res_name(resp.result), a);
	free(field);
	spf_response_free(&resp);
	return a;
}

char *
policy_decide(struct dns_ctx *dns, const struct policy_conf *conf,
    const struct policy_req *r, struct policy_cache *cache, char **log)
{
	const char *state = r->attr[POLICY_PROTOCOL_STATE];
	const char *inst = r->attr[POLICY_INSTANCE];
	char *key = NULL, *a = NULL;
	enum res res = RES_NONE;

	*log = NULL;
	if (r->malformed != NULL) {
		*log = xasprintf("DUNNO: malformed request: %s", r->malformed);
		return xstrdup("DUNNO");
	}
	if (r->attr[POLICY_REQUEST] == NULL ||
	    strcmp(r->attr[POLICY_REQUEST], "smtpd_access_policy") != 0) {
		*log = xstrdup("DUNNO: malformed request: no "
		    "request=smtpd_access_policy");
		return xstrdup("DUNNO");
	}
	/* SPF is about the envelope: decide at RCPT, where a reject is
	 * per recipient and Postfix still talks to the client (RFC 7208
	 * 2.4 lets the check run once MAIL FROM is known).  Other states
	 * (DATA, END-OF-MESSAGE, ...): no opinion. */
	if (state == NULL || strcmp(state, "RCPT") != 0)
		return xstrdup("DUNNO");
	if (r->attr[POLICY_CLIENT_ADDRESS] == NULL ||
	    r->attr[POLICY_CLIENT_ADDRESS][0] == '\0') {
		*log = xstrdup("DUNNO: malformed request: no client_address");
		return xstrdup("DUNNO");
	}
	/* Several recipients of one message: one check (Postfix gives
	 * every request of a message the same instance). */
	if (inst != NULL && inst[0] != '\0') {
		const char *h = r->attr[POLICY_HELO_NAME];
		const char *s = r->attr[POLICY_SENDER];
		key = xasprintf("%s\n%s\n%s\n%s", inst,
		    r->attr[POLICY_CLIENT_ADDRESS], h != NULL ? h : "",
		    s != NULL ? s : "");
		if (cache->key != NULL && strcmp(cache->key, key) == 0) {
			free(key);
			*log = xstrdup("same message as before: cached");
			/* Postfix adds a PREPEND's field once per RCPT that
			 * answers it: one Received-SPF per message, so the
			 * later recipients get no opinion, as in
			 * postfix-policyd-spf-python.  A reject or defer
			 * applies to each recipient. */
			if (strncmp(cache->action, "PREPEND ", 8) == 0)
				return xstrdup("DUNNO");
			return xstrdup(cache->action);
		}
	}
	dns_budget_start(dns);
	/* HELO first (RFC 7208 2.3 recommends checking it): a HELO result
	 * that rejects or defers decides; otherwise MAIL FROM does. */
	if (conf->helo_first && r->attr[POLICY_HELO_NAME] != NULL &&
	    r->attr[POLICY_HELO_NAME][0] != '\0') {
		a = check(dns, conf, r, SPF_SCOPE_HELO, &res, log);
		if (a != NULL && strncmp(a, "PREPEND ", 8) == 0) {
			free(a);
			a = NULL;
		} else if (a == NULL) {
			free(key);
			return xstrdup("DUNNO");
		}
	}
	/* MAIL FROM; a null sender is checked as postmaster@HELO (RFC
	 * 7208 2.4), which the engine does for an empty sender. */
	if (a == NULL)
		a = check(dns, conf, r, SPF_SCOPE_MFROM, &res, log);
	if (a == NULL) {
		free(key);
		return xstrdup("DUNNO");
	}
	policy_cache_clear(cache);
	if (key != NULL) {
		cache->key = key;
		cache->action = xstrdup(a);
	}
	return a;
}
