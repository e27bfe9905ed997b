/*
 * pra: Purported Responsible Address (RFC 4407 section 2) and the Sender
 * ID check (RFC 4406).  See pra.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/msg.h"
#include "common/pra.h"
#include "common/spf.h"
#include "common/util.h"

/* The steps of RFC 4407 section 2 that can end in step 6 ("no PRA");
 * steps 1 and 2 always go on to step 5. */
#define PRA_STEP_SENDER 3
#define PRA_STEP_FROM 4
#define PRA_STEP_MAILBOX 5

static const struct {
	const char *name;
	const char *property;
} headers[] = {
    [PRA_HDR_NONE] = {NULL, NULL},
    [PRA_HDR_RESENT_SENDER] = {"Resent-Sender", "resent-sender"},
    [PRA_HDR_RESENT_FROM] = {"Resent-From", "resent-from"},
    [PRA_HDR_SENDER] = {"Sender", "sender"},
    [PRA_HDR_FROM] = {"From", "from"},
};

const char *
pra_header_name(enum pra_header h)
{
	if ((size_t)h >= sizeof(headers) / sizeof(headers[0]))
		return NULL;
	return headers[h].name;
}

const char *
pra_header_property(enum pra_header h)
{
	if ((size_t)h >= sizeof(headers) / sizeof(headers[0]))
		return NULL;
	return headers[h].property;
}

void
pra_result_free(struct pra_result *r)
{
	if (r == NULL)
		return;
	UTIL_FREE_CLEAR(r, r->address, r->local, r->domain, r->reason);
	r->field = -1;
}

/*
 * RFC 4407 section 2: 'a header field is "non-empty" if and only if it
 * contains any non-whitespace characters.'  Whitespace in a field value is
 * WSP and the CR/LF of folding (RFC 5322 2.2.3); anything else, even a
 * lone comment, makes the field non-empty (and step 5 then judges it).
 */
static bool
nonempty(const struct msg_field *f)
{
	size_t i;

	for (i = 0; i < f->valuelen; i++)
		switch (f->value[i]) {
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			break;
		default:
			return true;
		}
	return false;
}

static bool
named(const struct msg_field *f, const char *name)
{
	return util_strcaseeq_n(f->name, f->namelen, name, strlen(name));
}

static int
no_pra(struct pra_result *out, int step, char *reason)
{
	out->step = step;
	out->reason = reason;
	return -1;
}

/*
 * When the parser for the field's own syntax refused the value, say in
 * which way it is malformed (step 5's examples: several mailboxes, a
 * mailbox without a domain, a hopelessly malformed one).  Only the wording
 * of the reason depends on this; the outcome (no PRA) does not.
 */
static char *
malformed_reason(const char *hname, const char *value, size_t len)
{
	struct addr_list *l;
	char *r;

	l = addr_parse_address_list(value, len);
	if (l != NULL && l->ngroups > 0)
		r = xasprintf("the %s field holds a group, not a single "
		              "mailbox",
		              hname);
	else if (l != NULL && l->n > 1)
		r = xasprintf("the %s field holds %zu mailboxes", hname, l->n);
	else if (l != NULL && l->n == 0)
		r = xasprintf("the %s field holds no mailbox", hname);
	else if (memchr(value, '@', len) == NULL)
		r = xasprintf("the %s field holds no mailbox with a domain",
		              hname);
	else
		r = xasprintf("the %s field is not a valid mailbox", hname);
	addr_list_free(l);
	return r;
}

/*
 * Step 5: the selected field must hold exactly one mailbox, and that
 * mailbox must have a domain name.  Resent-Sender and Sender are a single
 * mailbox in RFC 5322 (3.6.2, 3.6.6); Resent-From and From a mailbox-list,
 * of which exactly one element is allowed here.  Everything RFC 5322
 * allows (display names, comments, quoted local-parts, folding, the
 * obsolete syntax of its section 4) is the address parser's business.
 */
static int
select_mailbox(const struct msg *m, long idx, enum pra_header h,
               struct pra_result *out)
{
	const struct msg_field *f = msg_field(m, (size_t)idx);
	const char *hname = pra_header_name(h);
	const struct addr_mailbox *mb;
	struct addr_list *l;
	int ret = -1;

	out->header = h;
	out->field = idx;
	out->step = PRA_STEP_MAILBOX;
	if (h == PRA_HDR_SENDER || h == PRA_HDR_RESENT_SENDER)
		l = addr_parse_mailbox(f->value, f->valuelen);
	else
		l = addr_parse_mailbox_list(f->value, f->valuelen);
	if (l == NULL) {
		out->reason = malformed_reason(hname, f->value, f->valuelen);
		return -1;
	}
	if (l->ngroups > 0) {
		out->reason = xasprintf("the %s field holds a group, not a "
		                        "single mailbox",
		                        hname);
		goto out;
	}
	if (l->n != 1) {
		out->reason =
		    l->n == 0
		        ? xasprintf("the %s field holds no mailbox", hname)
		        : xasprintf("the %s field holds %zu mailboxes", hname,
		                    l->n);
		goto out;
	}
	mb = &l->mb[0];
	if (mb->local == NULL || mb->domain == NULL || mb->domain[0] == '\0') {
		out->reason = xasprintf("the mailbox in the %s field has no "
		                        "domain",
		                        hname);
		goto out;
	}
	/* "does not contain a domain name": an address literal
	 * (user@[192.0.2.1]) names a host, not a domain that could publish
	 * a record. */
	if (mb->domain[0] == '[') {
		out->reason = xasprintf("the mailbox in the %s field has an "
		                        "address literal, not a domain name",
		                        hname);
		goto out;
	}
	out->address = addr_mailbox_string(mb);
	out->local = xstrdup(mb->local);
	out->domain = xstrdup(mb->domain);
	ret = 0;
out:
	addr_list_free(l);
	return ret;
}

/* What steps 1 to 4 look at, from one pass over the header, topmost
 * field first: the first non-empty Resent-Sender and Resent-From, the
 * first non-empty Sender and From and how many there are.  Empty fields
 * are "treated as if they were not present". */
struct pra_scan {
	long resent_sender, resent_from, sender, from;
	size_t nsender, nfrom;
};

static void
scan_fields(const struct msg *m, struct pra_scan *sc)
{
	const struct msg_field *f;
	size_t i, n = msg_nfields(m);

	sc->resent_sender = sc->resent_from = sc->sender = sc->from = -1;
	sc->nsender = sc->nfrom = 0;
	for (i = 0; i < n; i++) {
		f = msg_field(m, i);
		if (f == NULL || !nonempty(f))
			continue;
		if (named(f, "Resent-Sender")) {
			if (sc->resent_sender < 0)
				sc->resent_sender = (long)i;
		} else if (named(f, "Resent-From")) {
			if (sc->resent_from < 0)
				sc->resent_from = (long)i;
		} else if (named(f, "Sender")) {
			if (sc->nsender++ == 0)
				sc->sender = (long)i;
		} else if (named(f, "From")) {
			if (sc->nfrom++ == 0)
				sc->from = (long)i;
		}
	}
}

/*
 * Step 1's exception: a non-empty Resent-From precedes the Resent-Sender
 * with a Received or Return-Path field in between, so the Resent-Sender
 * belongs to an older resent block (RFC 5322 3.6.6: each block is
 * prepended with its trace fields) and step 2 takes the newer block's
 * Resent-From.  The first non-empty Resent-From is the one to test: if a
 * trace field lies between any preceding Resent-From and the
 * Resent-Sender, it lies between the first one and the Resent-Sender too.
 * Trace fields count even when empty: the RFC says "one or more Received
 * or Return-Path headers", not non-empty ones.
 */
static bool
older_block(const struct msg *m, const struct pra_scan *sc)
{
	const struct msg_field *f;
	long j;

	if (sc->resent_from < 0 || sc->resent_from > sc->resent_sender)
		return false;
	for (j = sc->resent_from + 1; j < sc->resent_sender; j++) {
		f = msg_field(m, (size_t)j);
		if (f != NULL &&
		    (named(f, "Received") || named(f, "Return-Path")))
			return true;
	}
	return false;
}

int
pra_find(const struct msg *m, struct pra_result *out)
{
	struct pra_scan sc;

	memset(out, 0, sizeof(*out));
	out->field = -1;
	if (m == NULL || msg_status(m) != MSG_OK)
		return no_pra(out, 0,
		              xstrdup(m == NULL
		                          ? "no message"
		                          : msg_status_text(msg_status(m))));
	scan_fields(m, &sc);

	/* Step 1: the first non-empty Resent-Sender, unless it belongs to
	 * an older resent block than the first Resent-From. */
	if (sc.resent_sender >= 0 && !older_block(m, &sc))
		return select_mailbox(m, sc.resent_sender,
		                      PRA_HDR_RESENT_SENDER, out);

	/* Step 2: the first non-empty Resent-From. */
	if (sc.resent_from >= 0)
		return select_mailbox(m, sc.resent_from, PRA_HDR_RESENT_FROM,
		                      out);

	/* Step 3: all non-empty Sender fields; exactly one is used, more
	 * than one is step 6. */
	if (sc.nsender > 1)
		return no_pra(
		    out, PRA_STEP_SENDER,
		    xasprintf("%zu non-empty Sender fields", sc.nsender));
	if (sc.nsender == 1)
		return select_mailbox(m, sc.sender, PRA_HDR_SENDER, out);

	/* Step 4: exactly one non-empty From field, else step 6. */
	if (sc.nfrom > 1)
		return no_pra(out, PRA_STEP_FROM,
		              xasprintf("%zu non-empty From fields", sc.nfrom));
	if (sc.nfrom == 0)
		return no_pra(
		    out, PRA_STEP_FROM,
		    xstrdup("no non-empty Resent-Sender, Resent-From, Sender "
		            "or From field"));
	return select_mailbox(m, sc.from, PRA_HDR_FROM, out);
}

int
pra_check(struct dns_ctx *dns, const char *ip, const char *helo,
          const char *pra, struct spf_response *resp)
{
	struct spf_request req;

	memset(&req, 0, sizeof(req));
	memset(resp, 0, sizeof(*resp));
	req.ip = ip;
	req.sender = pra;
	req.helo = helo;
	/* RFC 4406 4.1: scope "pra"; 4.4 record selection and 4.3
	 * NXDOMAIN-is-fail are the engine's for this scope. */
	req.scope = SPF_SCOPE_PRA;
	req.sender_id = true;
	return spf_check(dns, &req, resp);
}
