/*
 * dkimsign: read a message on stdin, write it to stdout with one
 * DKIM-Signature field per -s/-k pair prepended (RFC 6376, RFC 8463), and
 * with --domainkeys a DomainKey-Signature field too (RFC 4870), all from
 * one pass over the body.  Every other byte is copied unchanged.  When
 * signing is impossible the input is still copied unchanged and the exit
 * status says why (DESIGN.md "Nothing is lost").
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <popt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/canon.h"
#include "common/cli.h"
#include "common/crypto.h"
#include "common/dk.h"
#include "common/dkim.h"
#include "common/lex.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/util.h"

/* A private key file larger than this is not a key (an RSA-16384 PEM is
 * about 13 KiB); the cap also bounds what a wrong -k path can make us
 * read. */
#define KEYFILE_MAX (256 * 1024)

enum {
	OPT_DOMAIN = 1,
	OPT_SELECTOR,
	OPT_KEY,
	OPT_DOMAINKEYS,
};

static char *opt_alg;
static char *opt_canon;
static char *opt_headers;
static int opt_oversign, opt_no_oversign;
static int opt_length;
static char *opt_expire;
static char *opt_identity;
static char *opt_time;
static int opt_dk;             /* --domainkeys given */
static char *opt_dk_canon;     /* its optional argument */

static char **domains, **selectors, **keyfiles;
static size_t ndomains, nselectors, nkeyfiles;

static struct poptOption options[] = {
    CLI_KEY_NAME_OPTIONS(OPT_DOMAIN, "signing domain (d=); once, or once "
	"per -s/-k pair", OPT_SELECTOR, "selector (s=); repeatable, paired "
	"with -k in order"),
    {"key", 'k', POPT_ARG_STRING, NULL, OPT_KEY,
	"private key file (PEM PKCS#1/PKCS#8, or a base64 Ed25519 seed); "
	"repeatable", "KEYFILE"},
    {"algorithm", 'a', POPT_ARG_STRING, &opt_alg, 0,
	"rsa-sha256 or ed25519-sha256 (default: from the key); rsa-sha1 is "
	"refused (RFC 8301)", "ALG"},
    {"canonicalization", 'c', POPT_ARG_STRING, &opt_canon, 0,
	"header/body canonicalization, simple or relaxed (default "
	"relaxed/relaxed)", "HEADER/BODY"},
    {"headers", 'h', POPT_ARG_STRING, &opt_headers, 0,
	"colon-separated header fields to sign, exactly this h= list "
	"(default: RFC 6376 5.4.1's list, Message-ID and the MIME fields, "
	"those present)", "H1:H2..."},
    {"oversign", '\0', POPT_ARG_NONE, &opt_oversign, 0,
	"sign each listed field once more than present, so none can be "
	"added", NULL},
    {"no-oversign", '\0', POPT_ARG_NONE, &opt_no_oversign, 0,
	"do not oversign From, To, Cc, Subject, Date, Reply-To and "
	"Content-Type (the default list's default)", NULL},
    {"body-length", 'l', POPT_ARG_NONE, &opt_length, 0,
	"add l= (the signed body length)", NULL},
    {"expire", 'x', POPT_ARG_STRING, &opt_expire, 0,
	"add x=: the signature expires SECONDS after t=", "SECONDS"},
    {"identity", 'i', POPT_ARG_STRING, &opt_identity, 0,
	"agent or user identifier (i=), in DOMAIN or a subdomain",
	"[LOCAL]@DOMAIN"},
    {"timestamp", 't', POPT_ARG_STRING, &opt_time, 0,
	"signature time t= (default: now)", "UNIXTIME"},
    {"domainkeys", '\0', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, NULL,
	OPT_DOMAINKEYS, "also add a DomainKey-Signature (RFC 4870, historic) "
	"with the first RSA -s/-k pair; canonicalization nofws (default) or "
	"simple", "nofws|simple"},
    CLI_COMMON_OPTIONS,
    POPT_AUTOHELP
    POPT_TABLEEND};

static void
push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(char *));
	(*v)[(*n)++] = xstrdup(s != NULL ? s : "");
}

static int
parse_time(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 ||
	    v > 999999999999LL) /* RFC 6376 3.5: 12 digits */
		return -1;
	*out = v;
	return 0;
}

/* -c: "header[/body]" (RFC 6376 3.5 c=: body defaults to simple). */
static int
parse_canon(const char *s, enum canon_alg *hc, enum canon_alg *bc)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL) {
		*bc = CANON_SIMPLE;
		return canon_parse(s, strlen(s), 0, hc);
	}
	if (canon_parse(s, (size_t)(slash - s), 0, hc) < 0)
		return -1;
	return canon_parse(slash + 1, strlen(slash + 1), 0, bc);
}

/* Split the -h list at colons (spaces around names are dropped). */
static char **
split_headers(const char *s, size_t *n)
{
	char **v = NULL, *copy = xstrdup(s), *p = copy, *colon;
	size_t cnt = 0;

	for (;;) {
		char *name = p, *e;
		colon = strchr(p, ':');
		if (colon != NULL)
			*colon = '\0';
		while (*name == ' ' || *name == '\t')
			name++;
		e = name + strlen(name);
		while (e > name && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		push(&v, &cnt, name);
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	free(copy);
	*n = cnt;
	return v;
}

/* Read a key file.  Returns 0, EX_NOINPUT (cannot read: missing, or not
 * a regular file, so a FIFO or /dev/zero cannot block or exhaust us) or
 * EX_CONFIG (not a usable key); prints the reason. */
static int
load_key(const char *path, struct crypto_privkey **key)
{
	char *data, *err = NULL;
	size_t len = 0;
	unsigned bits;
	int st;

	data = util_read_file(path, KEYFILE_MAX, &len, &err);
	if (data == NULL) {
		if (errno == EFBIG) {
			error("%s: too large for a key file", path);
			st = EX_CONFIG;
		} else {
			error("%s: %s", path, err);
			st = EX_NOINPUT;
		}
		free(err);
		return st;
	}
	*key = crypto_privkey_load(data, len, &err);
	util_wipe(data, len);
	free(data);
	if (*key == NULL) {
		error("%s: not a usable private key: %s", path,
		    err != NULL ? err : "unknown format");
		free(err);
		return EX_CONFIG;
	}
	/* RFC 8301 3.2: signers MUST use RSA keys of at least 1024 bits
	 * (verifiers MUST NOT accept smaller ones, so such a signature is a
	 * fail everywhere) and SHOULD use at least 2048. */
	if (crypto_privkey_type(*key) == CRYPTO_KEY_RSA) {
		bits = crypto_privkey_bits(*key);
		if (bits < DKIM_MIN_RSA_BITS) {
			error("%s: RSA key of %u bits refused: RFC 8301 3.2 "
			    "requires at least %d", path, bits,
			    DKIM_MIN_RSA_BITS);
			crypto_privkey_free(*key);
			*key = NULL;
			return EX_CONFIG;
		}
		if (bits < DKIM_SIGN_RSA_BITS)
			warn("%s: RSA key of %u bits: RFC 8301 3.2 recommends "
			    "at least %d", path, bits, DKIM_SIGN_RSA_BITS);
	}
	return 0;
}

/* RFC 4870 3.3 d=: a verifier accepts a DomainKeys signature only when
 * the sending address (Sender, else From) is in d= or below it.  Signing
 * anyway is what the user asked for, but say that it cannot pass. */
static void
warn_sending_address(struct msg *m, const char *d)
{
	size_t nf = msg_nfields(m), i, *all = xcalloc(nf + 1, sizeof(size_t));
	char *local = NULL, *domain = NULL;
	const char *why = NULL;
	bool sender = false;

	for (i = 0; i < nf; i++)
		all[i] = i;
	if (dk_sending_address(m, all, nf, &local, &domain, &sender,
	    &why) < 0)
		warn("DomainKeys: %s: verifiers will not accept the "
		    "signature", why);
	else if (!lex_domain_within(domain, strlen(domain), d, strlen(d))) {
		/* bytes from the message: keep the message on one line */
		for (i = 0; local[i] != '\0'; i++)
			if ((unsigned char)local[i] < 0x20 || local[i] == 0x7f)
				local[i] = '?';
		for (i = 0; domain[i] != '\0'; i++)
			if ((unsigned char)domain[i] < 0x20 ||
			    domain[i] == 0x7f)
				domain[i] = '?';
		warn("DomainKeys: the sending address (%s) %s@%s is not in "
		    "%s: verifiers will not accept the signature",
		    sender ? "Sender" : "From", local, domain, d);
	}
	free(local);
	free(domain);
	free(all);
}

/* Write the mbox line, the new fields, then the rest of the input. */
static int
write_signed(struct msg *m, char **fields, size_t n)
{
	size_t mlen = 0, i;
	const char *mbox = msg_mbox_from(m, &mlen);

	if (mlen > 0 && fwrite(mbox, 1, mlen, stdout) != mlen)
		return -1;
	for (i = 0; i < n; i++)
		if (fputs(fields[i], stdout) == EOF)
			return -1;
	return msg_write_range(m, stdout, mlen, msg_size(m));
}

/* What the options ask for: one signing configuration per -s/-k pair,
 * then the DomainKeys one (--domainkeys) last, so its field is written
 * right above the fields it signs (RFC 4870 3.5.6). */
struct job {
	struct dkim_sign_conf *conf;
	size_t nconf;
	size_t npairs;
	struct crypto_privkey **keys; /* one per pair */
	char **headers;               /* -h, split */
	size_t nheaders;
};

/* The poptGetNextOpt() loop: the repeatable options are collected in
 * order.  Returns CLI_RUN or the exit status. */
static int
parse_options(poptContext pc)
{
	int rc;

	while ((rc = poptGetNextOpt(pc)) >= 0) {
		const char *arg = poptGetOptArg(pc);
		switch (rc) {
		case OPT_DOMAIN:
			push(&domains, &ndomains, arg);
			break;
		case OPT_SELECTOR:
			push(&selectors, &nselectors, arg);
			break;
		case OPT_KEY:
			push(&keyfiles, &nkeyfiles, arg);
			break;
		case OPT_DOMAINKEYS:
			opt_dk = 1;
			free(opt_dk_canon);
			opt_dk_canon = arg != NULL ? xstrdup(arg) : NULL;
			break;
		}
		free((void *)arg);
	}
	return cli_check_options(pc, rc);
}

/* The required options and how many of each (dkimsign(1) SYNOPSIS). */
static int
check_counts(poptContext pc)
{
	if (poptPeekArg(pc) != NULL)
		return cli_usage_error(pc, "unexpected argument: %s",
		    poptPeekArg(pc));
	if (ndomains == 0 || nselectors == 0 || nkeyfiles == 0)
		return cli_usage_error(pc, "%s", "-d DOMAIN, -s SELECTOR and "
		    "-k KEYFILE are required");
	if (opt_oversign && opt_no_oversign)
		return cli_usage_error(pc, "%s", "--oversign and --no-oversign "
		    "contradict each other");
	if (nselectors != nkeyfiles)
		return cli_usage_error(pc, "%s", "give one -k KEYFILE per -s "
		    "SELECTOR");
	if (ndomains != 1 && ndomains != nselectors)
		return cli_usage_error(pc, "%s", "give one -d DOMAIN, or one "
		    "per -s/-k pair");
	return CLI_RUN;
}

/* Check the option values and fill j->conf (keys come later).  Returns
 * CLI_RUN or EX_USAGE. */
static int
check_options(poptContext pc, struct job *j)
{
	enum canon_alg hc = CANON_RELAXED, bc = CANON_RELAXED;
	enum canon_alg dkc = CANON_DK_NOFWS;
	int64_t timestamp, expire = 0;
	char *err = NULL;
	size_t i;
	int st;

	if ((st = check_counts(pc)) != CLI_RUN)
		return st;
	if (opt_alg != NULL && strcmp(opt_alg, "rsa-sha256") != 0 &&
	    strcmp(opt_alg, "ed25519-sha256") != 0)
		return cli_usage_error(pc, "-a %s: %s", opt_alg,
		    strcmp(opt_alg, "rsa-sha1") == 0 ?
		    "refused, RFC 8301 forbids rsa-sha1" :
		    "not rsa-sha256 or ed25519-sha256");
	if (opt_canon != NULL && parse_canon(opt_canon, &hc, &bc) < 0)
		return cli_usage_error(pc, "-c %s: not simple or relaxed, or "
		    "HEADER/BODY of those", opt_canon);
	if (opt_dk_canon != NULL && canon_parse(opt_dk_canon,
	    strlen(opt_dk_canon), 1, &dkc) < 0)
		return cli_usage_error(pc, "--domainkeys=%s: not nofws or "
		    "simple (RFC 4870 3.4)", opt_dk_canon);
	timestamp = (int64_t)time(NULL);
	if (opt_time != NULL && parse_time(opt_time, &timestamp) < 0)
		return cli_usage_error(pc, "-t %s: not a Unix time", opt_time);
	if (opt_expire != NULL && (parse_time(opt_expire, &expire) < 0 ||
	    expire == 0))
		return cli_usage_error(pc, "-x %s: not a positive number of "
		    "seconds", opt_expire);
	if (opt_headers != NULL)
		j->headers = split_headers(opt_headers, &j->nheaders);

	j->npairs = nselectors;
	j->nconf = j->npairs + (opt_dk ? 1 : 0);
	j->conf = xcalloc(j->nconf, sizeof(*j->conf));
	j->keys = xcalloc(j->npairs, sizeof(*j->keys));
	for (i = 0; i < j->nconf; i++) {
		struct dkim_sign_conf *c = &j->conf[i];

		c->headers = (const char *const *)j->headers;
		c->nheaders = j->nheaders;
		if (i == j->npairs) {
			/* DomainKeys: domain, selector and key are the
			 * first RSA pair's, once the keys are loaded */
			c->kind = DKIM_KIND_DOMAINKEYS;
			c->hcanon = c->bcanon = dkc;
			break;
		}
		c->domain = domains[ndomains == 1 ? 0 : i];
		c->selector = selectors[i];
		c->hcanon = hc;
		c->bcanon = bc;
		c->oversign = opt_oversign != 0;
		c->no_default_oversign = opt_no_oversign != 0;
		c->body_length = opt_length != 0;
		c->identity = opt_identity;
		c->timestamp = timestamp;
		c->expire = expire;
		if (dkim_sign_conf_check(c, &err) < 0) {
			st = cli_usage_error(pc, "%s", err);
			free(err);
			return st;
		}
	}
	return CLI_RUN;
}

/* Load every key before any mail is read (dkimsign(1): a key that cannot
 * be used is a configuration error).  Returns 0 or the exit status. */
static int
load_keys(struct job *j)
{
	size_t i;
	int status;

	crypto_init();
	for (i = 0; i < j->npairs; i++) {
		status = load_key(keyfiles[i], &j->keys[i]);
		if (status != 0)
			return status;
		j->conf[i].key = j->keys[i];
		if (opt_alg != NULL &&
		    (crypto_privkey_type(j->keys[i]) == CRYPTO_KEY_ED25519) !=
		    (strcmp(opt_alg, "ed25519-sha256") == 0)) {
			error("%s: the key does not suit -a %s", keyfiles[i],
			    opt_alg);
			return EX_CONFIG;
		}
	}
	if (!opt_dk)
		return 0;
	/* DomainKeys is rsa-sha1 only (RFC 4870 3.3 a=) */
	for (i = 0; i < j->npairs; i++)
		if (crypto_privkey_type(j->keys[i]) == CRYPTO_KEY_RSA)
			break;
	if (i == j->npairs) {
		error("--domainkeys: no RSA key among the -k files "
		    "(DomainKeys is rsa-sha1 only)");
		return EX_CONFIG;
	}
	j->conf[j->npairs].domain = j->conf[i].domain;
	j->conf[j->npairs].selector = j->conf[i].selector;
	j->conf[j->npairs].key = j->keys[i];
	return 0;
}

/* A message that can be signed: a header section as every verifier reads
 * it, with a From field.  Returns 0 or the exit status. */
static int
check_message(struct msg *m)
{
	if (msg_status(m) != MSG_OK) {
		error("input: %s", msg_status_text(msg_status(m)));
		return msg_status(m) == MSG_EIO ? EX_NOINPUT : EX_DATAERR;
	}
	if (msg_header_malformed(m)) {
		/* Verifiers disagree on what such a header is (dkimpy
		 * refuses it, Mail::DKIM reads fields below the line, we
		 * give permerror): a signature could not verify anywhere. */
		error("input: a header line without a colon before the empty "
		    "line (RFC 5322 2.2)");
		return EX_DATAERR;
	}
	if (msg_find_field(m, "from", 0) < 0) {
		error("input: no From field (RFC 6376 5.4: From must be "
		    "signed)");
		return EX_DATAERR;
	}
	return 0;
}

/* Sign m: *fields gets one field per configuration.  Returns 0 or the
 * exit status. */
static int
sign(struct job *j, struct msg *m, char ***fields)
{
	char *err = NULL;
	size_t i;
	int status;

	if (opt_dk)
		warn_sending_address(m, j->conf[j->npairs].domain);
	if (dkim_sign(m, j->conf, j->nconf, fields, &err) == 0)
		return 0;
	/* A key file can load and still be damaged (a wrong private
	 * exponent): the signature check in crypto_sign() refuses it.  Name
	 * the key and call it a configuration error. */
	for (i = 0; i < j->npairs; i++)
		if (crypto_privkey_selftest(j->keys[i], NULL) < 0)
			break;
	if (i < j->npairs) {
		error("%s: the key cannot make a valid signature (damaged key "
		    "file?)", keyfiles[i]);
		status = EX_CONFIG;
	} else {
		error("signing: %s", err);
		status = EX_SOFTWARE;
	}
	free(err);
	return status;
}

/* Load the keys, read the message, sign it and write it out; whatever
 * fails after the options were accepted, the message is still copied
 * through unchanged (DESIGN.md "Nothing is lost"). */
static int
run(struct job *j)
{
	struct msg *m;
	enum msg_status mst;
	char **fields = NULL;
	int status, wrote;

	status = load_keys(j);
	m = msg_read_fd_tee(STDIN_FILENO, &mst);
	if (m == NULL) {
		syserror("reading the message");
		return EX_NOINPUT;
	}
	if (status == 0)
		status = check_message(m);
	if (status == 0)
		status = sign(j, m, &fields);
	if (status == 0)
		wrote = write_signed(m, fields, j->nconf);
	else
		wrote = msg_write_all(m, stdout);
	if (wrote < 0) {
		syserror("writing the output");
		status = EX_IOERR;
	}
	dkim_fields_free(fields, j->nconf);
	msg_free(m);
	return cli_finish_output(status);
}

static void
job_free(struct job *j)
{
	size_t i;

	for (i = 0; i < j->npairs; i++)
		crypto_privkey_free(j->keys[i]);
	free(j->keys);
	free(j->conf);
	util_strv_free(j->headers, j->nheaders);
}

/* dkimsign(1): parse the options, check them, then load the keys, read
 * the message, sign it and write it. */
int
main(int argc, char **argv)
{
	poptContext pc;
	struct job j = {0};
	int status;

	pc = cli_start("dkimsign", argc, (const char **)argv, options, NULL);
	status = parse_options(pc);
	if (status == CLI_RUN)
		status = check_options(pc, &j);
	poptFreeContext(pc);
	if (status == CLI_RUN)
		status = run(&j);
	job_free(&j);
	free(opt_dk_canon);
	cli_free();
	return status;
}
