/*
 * policy: Postfix's policy delegation protocol (SMTPD_POLICY_README) for
 * spfquery --policy: parse one request (name=value lines, ended by an
 * empty line) and decide its action from the SPF check (RFC 7208).
 *
 * The I/O loop is the program's (cmd/spfquery.c): it reads a line at a
 * time, at most POLICY_LINE_MAX octets (a longer line is cut and the
 * request marked malformed with policy_req_fail()), feeds it to
 * policy_req_line(), and at the empty line calls policy_decide() and
 * writes "action=ACTION" and an empty line.  Nothing here prints or reads.
 *
 * Attributes are hostile input: bounded in length and number, duplicates
 * and control characters make the request malformed, and a malformed
 * request gets the action DUNNO (no opinion: Postfix goes on with its
 * other restrictions; a policy service never loses mail).
 *
 * Ownership: struct policy_req owns its strings (policy_req_clear());
 * struct policy_cache owns its strings (policy_cache_clear()); the
 * returned action and log line are the caller's to free.
 */
#ifndef COMMON_POLICY_H
#define COMMON_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dns.h"
#include "common/result.h"

/* Longest attribute line taken, "name=value" without the newline.
 * SMTPD_POLICY_README sets no limit; Postfix's own attribute values are
 * bounded by line_length_limit (default 2048), and an address is at most
 * 256 octets (RFC 5321 4.5.3.1.3), a domain 255 (RFC 5321 4.5.3.1.2). */
#define POLICY_LINE_MAX 2048
/* Most attribute lines in one request: Postfix 3.7 sends about 30
 * (SMTPD_POLICY_README "Protocol description"); room for later ones. */
#define POLICY_ATTRS_MAX 100
/* Longest explanation put in a reject reply: an SMTP reply line is at
 * most 512 octets with its code (RFC 5321 4.5.3.1.5). */
#define POLICY_REPLY_TEXT_MAX 400

/* The attributes used (SMTPD_POLICY_README); others are counted and
 * ignored. */
enum policy_attr {
	POLICY_REQUEST,        /* must be "smtpd_access_policy" */
	POLICY_PROTOCOL_STATE, /* RCPT, DATA, END-OF-MESSAGE, ... */
	POLICY_CLIENT_ADDRESS,
	POLICY_HELO_NAME,
	POLICY_SENDER,         /* empty: the null reverse-path */
	POLICY_RECIPIENT,
	POLICY_INSTANCE,       /* the same for every recipient of a message */
	POLICY_NATTRS
};

struct policy_req {
	char *attr[POLICY_NATTRS]; /* NULL: not sent */
	size_t nlines;             /* attribute lines seen */
	const char *malformed;     /* why the request is unusable, or NULL */
};

/* Start (or restart) a request: all fields empty. */
void policy_req_init(struct policy_req *r);
void policy_req_clear(struct policy_req *r); /* frees, then as init */

/* One line of the request, without its newline (a CR before it is
 * dropped).  Returns 1 when the line was the empty line that ends the
 * request, 0 otherwise.  Any bytes are accepted; what is wrong marks the
 * request malformed (the first reason is kept). */
int policy_req_line(struct policy_req *r, const char *line, size_t len);

/* Mark the request malformed (e.g. a line over POLICY_LINE_MAX); the
 * first reason is kept.  why is a static string. */
void policy_req_fail(struct policy_req *r, const char *why);

/* What the service does with each result (spfquery(1) --policy-*). */
enum policy_reject {
	POLICY_REJECT_FAIL,     /* reject fail (default) */
	POLICY_REJECT_SOFTFAIL, /* reject fail and softfail */
	POLICY_REJECT_NONE,     /* never reject: prepend Received-SPF */
};

struct policy_conf {
	enum policy_reject reject;
	bool defer_temperror;   /* temperror: DEFER_IF_PERMIT (default) */
	bool reject_permerror;  /* permerror: 550 5.7.24 (default: prepend) */
	bool helo_first;        /* check the HELO identity first */
	const char *receiver;   /* %{r} and receiver=; NULL: "unknown" */
	const char *default_explanation; /* NULL: built in */
	unsigned max_void_lookups;       /* 0: RFC 7208 4.6.4's 2 */
	void (*trace)(void *arg, const char *line);
	void *trace_arg;
};

/* The last message's decision: several RCPTs of one message (one
 * "instance") are checked once; the later ones get the same reject or
 * defer, or DUNNO after a PREPEND (one Received-SPF per message). */
struct policy_cache {
	char *key;    /* instance, client, HELO, sender; NULL: empty */
	char *action;
};
void policy_cache_clear(struct policy_cache *c);

/* The action for result res: "550 5.7.23 TEXT", "DEFER_IF_PERMIT 4.4.3
 * TEXT", or "PREPEND FIELD" with field the unfolded Received-SPF field
 * (without "\r\n").  explanation and problem may be NULL.  The result
 * is one line of printable ASCII (controls become '?'). */
char *policy_action(const struct policy_conf *conf, enum res res,
    const char *explanation, const char *problem, const char *field);

/* Decide the request: DUNNO for a malformed request or one not at RCPT;
 * else the SPF check(s) (calling dns_budget_start() once per request)
 * mapped by policy_action().  *log (caller frees, may be set to NULL)
 * is one line for the log: why DUNNO for a malformed request, or the
 * result.  Returns the action (caller frees), never NULL. */
char *policy_decide(struct dns_ctx *dns, const struct policy_conf *conf,
    const struct policy_req *r, struct policy_cache *cache, char **log);

#endif
