/*
 * dkkeygen: make a DKIM key pair and the TXT record to publish, or check
 * that the record DNS serves matches a private key (DESIGN.md "dkkeygen").
 *
 *	dkkeygen -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS] [-D DIR]
 *	    [--testing]
 *	dkkeygen --check -d DOMAIN -s SELECTOR [-k KEYFILE]
 *
 * Options, I/O and exit status only: key handling is common/crypto, the
 * record is judged by common/dkim (as dkimverify judges it), DNS is
 * common/dns.
 *
 * Two executables are built from this file.  dkkeygen makes keys and
 * links no DNS code, so it loads neither ldns nor the OpenSSL libraries
 * ldns needs (issue 11: a program loads only the libraries it calls).
 * For --check it checks the options as always, then runs dkkeygen-check
 * (this file built with DKKEYGEN_CHECK, installed in
 * $(libexecdir)/senderauth) with the same arguments: that program parses
 * and checks them the same way, queries DNS and says what it found, so
 * the messages and the exit status are dkkeygen's own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <popt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/crypto.h"
#include "common/dkim.h"
#include "common/dns.h"
#include "common/result.h"
#include "common/taglist.h"
#include "common/util.h"

/* RFC 8301 3.2: signers MUST use RSA keys of at least 1024 bits, SHOULD use
 * at least 2048, and verifiers MUST be able to validate keys of 1024 to
 * 4096 bits; a larger key might not verify everywhere. */
#define KEYGEN_RSA_MIN_BITS 1024
#define KEYGEN_RSA_GOOD_BITS 2048
#define KEYGEN_RSA_MAX_BITS 4096
#define KEYGEN_RSA_DEFAULT_BITS KEYGEN_RSA_GOOD_BITS

/* RFC 1035 3.3: a <character-string> is a length octet and at most 255
 * octets; RFC 6376 3.6.2.2: a key record longer than that is split into
 * several strings of one TXT RR, concatenated by the verifier. */
#define TXT_STRING_MAX 255
/* Key data per string, as opendkim-genkey writes it: the first string is
 * "p=" plus this many characters, so every string stays <= TXT_STRING_MAX. */
#define KEYGEN_CHUNK 250

/* RFC 1035 2.3.4: labels are at most 63 octets, names at most 255 octets
 * in wire form, i.e. 253 characters in text form without the final dot. */
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 253

/* A PEM private key is a few KiB (4096-bit RSA PKCS#1: about 3.3 KiB);
 * anything larger than this is not a key file. */
#define KEYFILE_MAX (64 * 1024)

/* RFC 6376 3.6.1: the selector's key record lives at
 * SELECTOR._domainkey.DOMAIN (3.6.2.1). */
#define DKIM_KEY_LABEL "_domainkey"

static char *opt_domain;
static char *opt_selector;
static char *opt_type;
static char *opt_bits;
static char *opt_directory;
static char *opt_key;
static int opt_testing;
static int opt_check;
static unsigned opt_bits_n = KEYGEN_RSA_DEFAULT_BITS; /* -b, checked */

/* String options come back from poptGetNextOpt() (arg NULL), so that a
 * repeated option replaces the earlier value without leaking it. */
enum { OPT_DOMAIN = 1, OPT_SELECTOR, OPT_TYPE, OPT_BITS, OPT_DIRECTORY,
    OPT_KEY };

static struct poptOption options[] = {
    CLI_KEY_NAME_OPTIONS(OPT_DOMAIN, "the signing domain (d=)",
	OPT_SELECTOR, "the selector (s=); also names the output files"),
    {"type", 't', POPT_ARG_STRING, NULL, OPT_TYPE,
	"key type: rsa (default) or ed25519", "rsa|ed25519"},
    {"bits", 'b', POPT_ARG_STRING, NULL, OPT_BITS,
	"RSA key size, 1024 to 4096 (default 2048)", "BITS"},
    {"directory", 'D', POPT_ARG_STRING, NULL, OPT_DIRECTORY,
	"write (or, with --check, find) the files in DIR (default .)", "DIR"},
    {"testing", '\0', POPT_ARG_NONE, &opt_testing, 0,
	"add t=y to the record (domain is testing DKIM)", NULL},
    {"check", '\0', POPT_ARG_NONE, &opt_check, 0,
	"fetch the published record and compare it with the private key",
	NULL},
    {"key", 'k', POPT_ARG_STRING, NULL, OPT_KEY,
	"private key for --check (default DIR/SELECTOR.private)", "KEYFILE"},
    CLI_DNS_OPTIONS,
    CLI_COMMON_OPTIONS,
    POPT_AUTOHELP
    POPT_TABLEEND};

/*
 * RFC 5321 4.1.2 sub-domain = Let-dig [Ldh-str], which RFC 6376 3.1 uses
 * for selectors and 3.5 (d=) for domains.  Checks one name of dot-separated
 * labels; "why" gets a reason on failure.
 */
static bool
valid_name(const char *s, const char **why)
{
	size_t lablen = 0, len = strlen(s);
	const char *p;

	if (len == 0) {
		*why = "empty";
		return false;
	}
	if (len > DNS_NAME_MAX) {
		*why = "longer than 253 characters";
		return false;
	}
	for (p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (lablen == 0) {
				*why = "empty label";
				return false;
			}
			if (p[-1] == '-') {
				*why = "a label ends with '-'";
				return false;
			}
			if (*p == '\0')
				return true;
			lablen = 0;
			continue;
		}
		if (++lablen > DNS_LABEL_MAX) {
			*why = "a label is longer than 63 characters";
			return false;
		}
		if (*p == '-' && lablen == 1) {
			*why = "a label starts with '-'";
			return false;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')) {
			*why = "only letters, digits, '-' and '.' are allowed";
			return false;
		}
	}
}

/* "DIR/SELECTOR.EXT", without doubling a '/' the user typed. */
static char *
file_path(const char *dir, const char *selector, const char *ext)
{
	size_t n = strlen(dir);

	return xasprintf("%s%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" :
	    "/", selector, ext);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Create path (which must not exist: O_EXCL, and no symlink is followed)
 * with mode and write text to it.  Returns 0, or an exit status after
 * saying why; a file that was created is removed again on a write error.
 */
static int
create_file(const char *path, mode_t mode, const char *text)
{
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0) {
		if (errno == EEXIST)
			error("%s: already exists; not overwriting it", path);
		else
			syserror("%s: cannot create", path);
		return EX_CANTCREAT;
	}
	/* The umask may have removed bits; it must not add any either. */
	if (fchmod(fd, mode) < 0 || write_all(fd, text, strlen(text)) < 0 ||
	    fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(path);
		errno = e;
		syserror("%s: cannot write", path);
		return EX_IOERR;
	}
	if (close(fd) < 0) {
		e = errno;
		unlink(path);
		errno = e;
		syserror("%s: cannot write", path);
		return EX_IOERR;
	}
	return 0;
}

/*
 * The zone-file line, in opendkim-genkey's shape (DESIGN.md):
 *
 *	SEL._domainkey	IN	TXT	( "v=DKIM1; k=rsa; "
 *		  "p=<250 characters>"
 *		  "<250 more>" )  ; ----- DKIM key SEL for DOMAIN
 *
 * preceded by a "$ORIGIN DOMAIN." line (RFC 1035 5.1), so that the
 * file as written is a master file --dns-zone=SEL.txt reads (issue 10:
 * without it the relative owner name was read under the root, "key not
 * found").  The owner name stays relative, as opendkim-genkey writes it,
 * to be pasted into DOMAIN's zone without the $ORIGIN line.  No h= tag: it would forbid the SHA-1
 * that DomainKeys (RFC 4870) needs, and RFC 6376 3.6.1 makes it optional.
 * *value gets the record's text as a resolver returns it (the strings
 * joined), for the self-check in main().
 */
static char *
make_record(const char *selector, const char *domain, const char *ktype,
    bool testing, const char *pub, char **value)
{
	struct buf rec = BUF_INIT, val = BUF_INIT;
	size_t off = 0, len = strlen(pub), n;
	char head[64];

	snprintf(head, sizeof head, "v=DKIM1; k=%s; %s", ktype,
	    testing ? "t=y; " : "");
	buf_printf(&rec, "$ORIGIN %s%s\n", domain,
	    domain[strlen(domain) - 1] == '.' ? "" : ".");
	buf_printf(&rec, "%s.%s\tIN\tTXT\t( \"%s\"", selector, DKIM_KEY_LABEL,
	    head);
	buf_adds(&val, head);
	buf_adds(&val, "p=");
	buf_adds(&rec, "\n\t  \"p=");
	do {
		n = len - off < KEYGEN_CHUNK ? len - off : KEYGEN_CHUNK;
		if (off > 0)
			buf_adds(&rec, "\n\t  \"");
		buf_add(&rec, pub + off, n);
		buf_addc(&rec, '"');
		buf_add(&val, pub + off, n);
		off += n;
	} while (off < len);
	buf_printf(&rec, " )  ; ----- DKIM key %s for %s\n", selector, domain);
	*value = buf_detach(&val);
	return buf_detach(&rec);
}

/* Every quoted string of a record made by make_record is short enough. */
static bool
record_strings_fit(const char *rec)
{
	const char *p, *q;

	for (p = strchr(rec, '"'); p != NULL; p = strchr(q + 1, '"')) {
		q = strchr(p + 1, '"');
		if (q == NULL || (size_t)(q - p - 1) > TXT_STRING_MAX)
			return false;
	}
	return true;
}

/* A new key of type (opt_bits_n bits for RSA): *pem gets its PKCS#8 PEM
 * (the caller wipes and frees it), *rec the zone-file line to publish.
 * Returns 0, or EX_SOFTWARE after saying why. */
static int
make_key(enum crypto_key_type type, char **pem, char **rec)
{
	struct crypto_privkey *key;
	struct tag tags[TAG_MAX];
	size_t ntags;
	char *pub = NULL, *value = NULL, *err = NULL;
	int status = EX_SOFTWARE;

	if (type == CRYPTO_KEY_RSA)
		debug("generating a %u-bit RSA key", opt_bits_n);
	else
		debug("generating an Ed25519 key");
	key = crypto_privkey_generate(type, opt_bits_n, &err);
	if (key == NULL) {
		error("key generation failed: %s", err ? err : "unknown error");
		goto out;
	}
	*pem = crypto_privkey_pem(key, &err);
	if (*pem == NULL) {
		error("cannot export the private key: %s",
		    err ? err : "unknown error");
		goto out;
	}
	pub = crypto_privkey_public_b64(key, &err);
	if (pub == NULL) {
		error("cannot export the public key: %s",
		    err ? err : "unknown error");
		goto out;
	}
	*rec = make_record(opt_selector, opt_domain,
	    type == CRYPTO_KEY_RSA ? "rsa" : "ed25519", opt_testing, pub,
	    &value);
	/* What we publish must be what a verifier parses (RFC 6376 3.6.1). */
	if (tag_parse(value, strlen(value), tags, &ntags) != TAG_OK ||
	    !record_strings_fit(*rec)) {
		error("internal error: the record does not parse: %s", value);
		goto out;
	}
	status = 0;
out:
	crypto_privkey_free(key);
	free(pub);
	free(value);
	free(err);
	return status;
}

/* dkkeygen(1) without --check: refuse to overwrite, make the key, write
 * DIR/SELECTOR.private and DIR/SELECTOR.txt, say what was written. */
static int
generate(void)
{
	enum crypto_key_type type = CRYPTO_KEY_RSA;
	char *privpath, *txtpath, *pem = NULL, *rec = NULL;
	const char *dir = opt_directory != NULL ? opt_directory : ".";
	const char *exists;
	struct stat st;
	int status;

	if (opt_type != NULL && util_strcaseeq(opt_type, "ed25519"))
		type = CRYPTO_KEY_ED25519;
	privpath = file_path(dir, opt_selector, ".private");
	txtpath = file_path(dir, opt_selector, ".txt");

	/* Refuse before spending seconds on a 4096-bit key (create_file()
	 * refuses again, atomically). */
	exists = lstat(privpath, &st) == 0 ? privpath :
	    lstat(txtpath, &st) == 0 ? txtpath : NULL;
	if (exists != NULL) {
		error("%s: already exists; not overwriting it", exists);
		status = EX_CANTCREAT;
		goto out;
	}
	if ((status = make_key(type, &pem, &rec)) != 0)
		goto out;
	if ((status = create_file(privpath, 0600, pem)) != 0)
		goto out;
	if ((status = create_file(txtpath, 0644, rec)) != 0) {
		unlink(privpath);
		goto out;
	}
	printf("wrote %s (the private key: keep it secret) and %s "
	    "(publish it as the TXT record %s.%s.%s)\n", privpath, txtpath,
	    opt_selector, DKIM_KEY_LABEL, opt_domain);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		syserror("stdout");
		status = EX_IOERR;
	}
out:
	if (pem != NULL) {
		util_wipe(pem, strlen(pem));
		free(pem);
	}
	free(rec);
	free(privpath);
	free(txtpath);
	return status;
}

#ifdef DKKEYGEN_CHECK
/* Printable copy of untrusted record text for a message (at most 120
 * characters; control and 8-bit bytes become '?'). */
static char *
printable(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < len && i < 120; i++)
		buf_addc(&b, (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?');
	if (len > 120)
		buf_adds(&b, "...");
	return buf_detach(&b);
}

static const char *
type_name(enum crypto_key_type t)
{
	return t == CRYPTO_KEY_RSA ? "RSA" : "Ed25519";
}

/*
 * Judge the key record at name as dkimverify does (dkim_key_fetch(): the
 * same parser, the same reasons for a permerror), then check what a
 * verifier does not: that the record is the only one, that it holds the
 * public half of priv, that it is ready for production (no t=y), that it
 * allows sha256 and that the key is large enough.  One line on stderr per
 * problem; on success one line on stdout.  Returns the exit status.
 */
/* The TXT record at name, alone, parsed as dkimverify parses it into *k
 * (the caller clears it).  Returns 0, or the exit status after saying
 * why. */
static int
fetch_record(struct dns_ctx *dns, const char *name, struct dkim_key *k)
{
	const struct dns_answer *a;
	char *reason = NULL, *txt;
	enum res r;

	debug("querying TXT %s", name);
	a = dns_query(dns, name, DNS_T_TXT);
	switch (a->status) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		error("%s: no key record: the name has no TXT record (%s)",
		    name, dns_status_name(a->status));
		return EXIT_NOTPASS;
	default:
		/* RFC 6376 6.1.2: a failed query is TEMPFAIL: try later. */
		error("%s: DNS query failed: %s; try again later", name,
		    dns_status_name(a->status));
		return EX_TEMPFAIL;
	}
	/* RFC 6376 3.6.2.2: TXT RRs MUST be unique for a selector name;
	 * verifiers differ in which of several they use. */
	if (a->n != 1) {
		error("%s: %zu TXT records; a selector must have exactly one "
		    "(RFC 6376 3.6.2.2)", name, a->n);
		return EXIT_NOTPASS;
	}
	txt = printable(a->rr[0].data, a->rr[0].len);
	debug("%s: \"%s\"", name, txt);

	/* Answered from the dns_ctx cache: no second query. */
	r = dkim_key_fetch(dns, opt_selector, opt_domain, k, &reason);
	if (r == RES_TEMPERROR)
		error("%s: %s; try again later", name, reason);
	else if (r != RES_PASS)
		error("%s: %s (RFC 6376 3.6.1): \"%s\"", name,
		    reason ? reason : "unusable key record", txt);
	free(reason);
	free(txt);
	return r == RES_PASS ? 0 :
	    r == RES_TEMPERROR ? EX_TEMPFAIL : EXIT_NOTPASS;
}

/* What a verifier does not check in a parsed record k: that it holds the
 * public half of priv, that it is ready for production (no t=y), that it
 * allows sha256 and that the key is large enough.  Returns the number of
 * problems (one line on stderr each), or -1 when p= is no key; *bits
 * gets the key size. */
static int
judge_key(const char *name, const struct dkim_key *k,
    const struct crypto_privkey *priv, const char *keyfile, unsigned *bits)
{
	struct crypto_pubkey *pub;
	char *err = NULL;
	int problems = 0;

	pub = crypto_pubkey_import(k->type, k->p, k->plen, &err);
	if (pub == NULL) {
		error("%s: p= is not a valid %s public key%s%s", name,
		    type_name(k->type), err ? ": " : "", err ? err : "");
		free(err);
		return -1;
	}
	*bits = crypto_pubkey_bits(pub);
	if (k->type != crypto_privkey_type(priv)) {
		error("%s: wrong key: the record has an %s key, %s holds an "
		    "%s key", name, type_name(k->type), keyfile,
		    type_name(crypto_privkey_type(priv)));
		problems++;
	} else if (!crypto_keys_match(priv, pub)) {
		error("%s: wrong key: the published key is not the public "
		    "half of %s", name, keyfile);
		problems++;
	}
	crypto_pubkey_free(pub);
	if (k->testing) {
		error("%s: t=y is still set: verifiers treat the domain as "
		    "testing DKIM (RFC 6376 3.6.1); remove it", name);
		problems++;
	}
	/* RFC 8301 3.1: rsa-sha256 and ed25519-sha256 are the algorithms
	 * left; a record without sha256 in h= verifies no signature. */
	if (!k->sha256) {
		error("%s: h= does not allow sha256, so no DKIM signature "
		    "can verify (RFC 8301 3.1)", name);
		problems++;
	}
	if (k->type == CRYPTO_KEY_RSA && *bits < KEYGEN_RSA_MIN_BITS) {
		error("%s: key too small: %u bits; verifiers reject RSA keys "
		    "under %d bits (RFC 8301 3.2)", name, *bits,
		    KEYGEN_RSA_MIN_BITS);
		problems++;
	} else if (k->type == CRYPTO_KEY_RSA && *bits < KEYGEN_RSA_GOOD_BITS)
		warn("%s: %u-bit key: RFC 8301 3.2 recommends at least %d "
		    "bits", name, *bits, KEYGEN_RSA_GOOD_BITS);
	return problems;
}

static int
check_record(struct dns_ctx *dns, const char *name,
    const struct crypto_privkey *priv, const char *keyfile)
{
	struct dkim_key k;
	unsigned bits = 0;
	int status, problems;

	if ((status = fetch_record(dns, name, &k)) != 0)
		return status;
	problems = judge_key(name, &k, priv, keyfile, &bits);
	if (problems == 0)
		printf("%s: key OK (%s, %u bits)\n", name, type_name(k.type),
		    bits);
	dkim_key_clear(&k);
	return problems == 0 ? EXIT_PASS : EXIT_NOTPASS;
}

/* Read a key file (at most KEYFILE_MAX bytes, a regular file: a FIFO or
 * device would block or never end).  NULL with a message on failure;
 * *status is then the exit status. */
static char *
read_keyfile(const char *path, size_t *len, int *status)
{
	char *err = NULL;
	char *data = util_read_file(path, KEYFILE_MAX, len, &err);

	if (data != NULL)
		return data;
	if (errno == EFBIG) {
		error("%s: not a private key (larger than %d bytes)", path,
		    KEYFILE_MAX);
		*status = EX_CONFIG;
	} else {
		error("%s: cannot read the key: %s", path, err);
		*status = EX_NOINPUT;
	}
	free(err);
	return NULL;
}

static int
check(char **argv)
{
	struct crypto_privkey *priv = NULL;
	struct dns_ctx *dns = NULL;
	struct stat st;
	char *keyfile, *data = NULL, *name, *err = NULL;
	size_t len = 0;
	int status = EX_SOFTWARE;

	(void)argv;
	if (opt_key != NULL)
		keyfile = xstrdup(opt_key);
	else
		keyfile = file_path(opt_directory ? opt_directory : ".",
		    opt_selector, ".private");
	name = xasprintf("%s.%s.%s", opt_selector, DKIM_KEY_LABEL, opt_domain);

	data = read_keyfile(keyfile, &len, &status);
	if (data == NULL)
		goto out;
	priv = crypto_privkey_load(data, len, &err);
	util_wipe(data, len);
	if (priv != NULL && crypto_privkey_selftest(priv, &err) < 0) {
		crypto_privkey_free(priv);
		priv = NULL;
	}
	if (priv == NULL) {
		error("%s: not a usable private key: %s", keyfile,
		    err ? err : "unknown format");
		status = EX_CONFIG;
		goto out;
	}
	if (stat(keyfile, &st) == 0 && (st.st_mode & 077) != 0)
		warn("%s: readable by other users; chmod 600 it", keyfile);

	/* A --dns-zone file that cannot be read or parsed is an unusable
	 * setting (78), as in every program: it is configuration, not the
	 * input, and an MTA defers on 78 where it would bounce on 66. */
	dns = cli_dns_new(&err);
	if (dns == NULL) {
		error("DNS: %s", err ? err : "cannot set up a resolver");
		status = EX_CONFIG;
		goto out;
	}
	status = check_record(dns, name, priv, keyfile);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		syserror("stdout");
		status = EX_IOERR;
	}
out:
	dns_free(dns);
	crypto_privkey_free(priv);
	free(data);
	free(keyfile);
	free(name);
	free(err);
	return status;
}

#else /* !DKKEYGEN_CHECK */

/* The program that does --check, next to this one (the build tree, where
 * the tests run it) or else where it is installed. */
#define DKKEYGEN_CHECK_NAME "dkkeygen-check"

/*
 * dkkeygen --check: replace this process with dkkeygen-check and the same
 * argv.  It is looked for first in the directory of /proc/self/exe (the
 * build tree), then in SENDERAUTH_LIBEXECDIR.  Returns only on failure:
 * EX_SOFTWARE (an incomplete installation is an internal error) after
 * saying why.
 */
static int
check(char **argv)
{
	const char *installed = SENDERAUTH_LIBEXECDIR "/" DKKEYGEN_CHECK_NAME;
	char self[4096], *near = NULL, *slash;
	ssize_t n;
	int near_errno = ENOENT;

	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			near = xasprintf("%.*s/%s", (int)(slash - self), self,
			    DKKEYGEN_CHECK_NAME);
			execv(near, argv);
			near_errno = errno;
		}
	}
	execv(installed, argv);
	/* Name the one that exists but would not run, if only that one
	 * exists; else the installed one. */
	if (errno == ENOENT && near != NULL && near_errno != ENOENT) {
		errno = near_errno;
		syserror("--check: cannot run %s", near);
	} else
		syserror("--check: cannot run %s", installed);
	free(near);
	return EX_SOFTWARE;
}
#endif /* DKKEYGEN_CHECK */

/* -d and -s: required, and together a DNS name (RFC 6376 3.6.2.1).
 * Returns CLI_RUN or EX_USAGE. */
static int
check_names(poptContext ctx)
{
	const char *why;
	size_t n;

	if (poptPeekArg(ctx) != NULL)
		return cli_usage_error(ctx, "unexpected argument: %s",
		    poptPeekArg(ctx));
	if (opt_domain == NULL || opt_selector == NULL)
		return cli_usage_error(ctx, "both -d DOMAIN and -s SELECTOR "
		    "are required");
	/* A trailing dot names the same domain (RFC 1035 5.1). */
	n = strlen(opt_domain);
	if (n > 1 && opt_domain[n - 1] == '.')
		opt_domain[n - 1] = '\0';
	if (!valid_name(opt_domain, &why))
		return cli_usage_error(ctx, "-d %s: not a domain name: %s",
		    opt_domain, why);
	if (!valid_name(opt_selector, &why))
		return cli_usage_error(ctx, "-s %s: not a selector: %s",
		    opt_selector, why);
	if (strlen(opt_selector) + strlen(DKIM_KEY_LABEL) +
	    strlen(opt_domain) + 2 > DNS_NAME_MAX)
		return cli_usage_error(ctx, "%s.%s.%s: longer than %d "
		    "characters", opt_selector, DKIM_KEY_LABEL, opt_domain,
		    DNS_NAME_MAX);
	return CLI_RUN;
}

/* The options of the mode: --check reads -k; generating takes -t, -b.
 * Returns CLI_RUN or EX_USAGE. */
static int
check_mode_options(poptContext ctx)
{
	char *end;
	unsigned long ul;

	if (opt_check) {
		if (opt_type != NULL || opt_bits != NULL || opt_testing)
			return cli_usage_error(ctx, "--check takes no -t, -b "
			    "or --testing: it reads the key from -k KEYFILE");
		return CLI_RUN;
	}

	if (opt_key != NULL)
		return cli_usage_error(ctx, "-k is for --check; a new key is "
		    "written to DIR/SELECTOR.private");
	if (opt_type != NULL && !util_strcaseeq(opt_type, "rsa") &&
	    !util_strcaseeq(opt_type, "ed25519"))
		return cli_usage_error(ctx, "-t %s: key type must be rsa or "
		    "ed25519", opt_type);
	if (opt_bits == NULL)
		return CLI_RUN;
	if (opt_type != NULL && util_strcaseeq(opt_type, "ed25519"))
		return cli_usage_error(ctx, "-b is for RSA keys; an Ed25519 "
		    "key has a fixed size");
	errno = 0;
	ul = strtoul(opt_bits, &end, 10);
	if (errno != 0 || end == opt_bits || *end != '\0' ||
	    *opt_bits < '0' || *opt_bits > '9' || ul < KEYGEN_RSA_MIN_BITS ||
	    ul > KEYGEN_RSA_MAX_BITS)
		return cli_usage_error(ctx, "-b %s: RSA keys must have %d to "
		    "%d bits (RFC 8301 3.2)", opt_bits, KEYGEN_RSA_MIN_BITS,
		    KEYGEN_RSA_MAX_BITS);
	opt_bits_n = (unsigned)ul;
	return CLI_RUN;
}

/* dkkeygen(1): parse and check the options, then generate or --check. */
int
main(int argc, char **argv)
{
	poptContext ctx;
	int rc, status;

	ctx = cli_start("dkkeygen", argc, (const char **)argv, options,
	    "-d DOMAIN -s SELECTOR [-t rsa|ed25519] "
	    "[-b BITS] [-D DIR] [--testing]\n"
	    "   or: dkkeygen --check -d DOMAIN -s SELECTOR [-k KEYFILE]");
	while ((rc = poptGetNextOpt(ctx)) > 0) {
		char **opt = rc == OPT_DOMAIN ? &opt_domain :
		    rc == OPT_SELECTOR ? &opt_selector :
		    rc == OPT_TYPE ? &opt_type :
		    rc == OPT_BITS ? &opt_bits :
		    rc == OPT_DIRECTORY ? &opt_directory : &opt_key;

		free(*opt);
		*opt = poptGetOptArg(ctx);
	}
	status = cli_check_options(ctx, rc);
	if (status == CLI_RUN)
		status = check_names(ctx);
	if (status == CLI_RUN)
		status = check_mode_options(ctx);
	poptFreeContext(ctx);
	if (status == CLI_RUN) {
		crypto_init();
		status = opt_check ? check(argv) : generate();
	}
	cli_free();
	free(opt_domain);
	free(opt_selector);
	free(opt_type);
	free(opt_bits);
	free(opt_directory);
	free(opt_key);
	return status;
}
