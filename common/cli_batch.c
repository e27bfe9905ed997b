/*
 * cli_batch: the batch loop shared by dkimverify and authcheck (cli.h).
 * Like the rest of cli, it prints, so only cmd/ calls it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/batch.h"
#include "common/cli.h"
#include "common/result.h"
#include "common/util.h"

/* Files between two progress updates on a terminal. */
#define CLI_PROGRESS_EVERY 100

static void
progress(const struct cli_tally *t, bool done)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty || util_verbosity < 0)
		return;
	if (done)
		fputs("\r\033[K", stderr);
	else if (t->n % CLI_PROGRESS_EVERY == 0)
		fprintf(stderr, "\r%lu messages...", t->n);
	fflush(stderr);
}

static void
tally(struct cli_tally *t, int st)
{
	t->n++;
	switch (st) {
	case EXIT_PASS:
		t->pass++;
		break;
	case EXIT_NOTPASS:
		t->fail++;
		break;
	case EXIT_NOTHING:
		t->none++;
		break;
	case EX_TEMPFAIL:
		t->temp++;
		break;
	default:
		/* not a message, or unreadable: counted apart, so that N
		 * adds up (dkimverify(1), authcheck(1) "Batch mode") */
		t->err++;
		if (t->worst_error != EX_NOINPUT)
			t->worst_error = st;
		break;
	}
}

int
cli_batch(const char **files, const char *files_from, bool nul,
    int (*check)(int fd, const char *name, void *arg),
    void (*unreadable)(const char *name, int err, void *arg), void *arg,
    struct cli_tally *t)
{
	struct batch *b;
	struct batch_item it;
	FILE *list = NULL;

	if (files_from != NULL) {
		if (strcmp(files_from, "-") == 0)
			list = stdin;
		else if ((list = fopen(files_from, "r")) == NULL) {
			syserror("--files-from=%s", files_from);
			return EX_NOINPUT;
		}
	}
	b = batch_new(files, list, nul);
	while (batch_next(b, &it)) {
		int fd, st, e = it.err;

		if (e == 0 && it.is_stdin)
			st = check(STDIN_FILENO, it.name, arg);
		else if (e == 0 && (fd = open(it.name, O_RDONLY)) >= 0) {
			st = check(fd, it.name, arg);
			close(fd);
		} else {
			if (e == 0)
				e = errno;
			errno = e;
			syserror("%s", it.name);
			if (unreadable != NULL)
				unreadable(it.name, e, arg);
			st = EX_NOINPUT;
		}
		tally(t, st);
		progress(t, false);
	}
	progress(t, true);
	batch_free(b);
	if (list != NULL && list != stdin)
		fclose(list);
	return 0;
}

void
cli_tally_print(const struct cli_tally *t, const char *lead, const char *what)
{
	printf("%s%lu messages: %s%lu pass, %lu fail, %lu none, %lu temperror",
	    lead, t->n, what, t->pass, t->fail, t->none, t->temp);
	if (t->err > 0)
		printf(", %lu unreadable", t->err);
	putchar('\n');
}

int
cli_tally_exit(const struct cli_tally *t)
{
	if (t->worst_error != 0)
		return t->worst_error;
	if (t->fail > 0)
		return EXIT_NOTPASS;
	if (t->temp > 0)
		return EX_TEMPFAIL;
	if (t->none > 0)
		return EXIT_NOTHING;
	return EXIT_PASS;
}

int
cli_check_batch_options(poptContext pc, bool filter, const char *files_from,
    bool nul)
{
	const char **a;

	if (filter && (poptPeekArg(pc) != NULL || files_from != NULL))
		return cli_usage_error(pc, "%s", "--filter reads stdin: no "
		    "FILE operands");
	if (nul && files_from == NULL)
		return cli_usage_error(pc, "%s", "--null goes with "
		    "--files-from");
	if (files_from != NULL && strcmp(files_from, "-") == 0)
		for (a = poptGetArgs(pc); a != NULL && *a != NULL; a++)
			if (strcmp(*a, "-") == 0)
				return cli_usage_error(pc, "%s", "--files-from=- "
				    "and the FILE \"-\" both read stdin");
	return CLI_RUN;
}

const char *
cli_authserv_id(const char *opt)
{
	static char host[HOST_NAME_MAX + 1];

	if (opt != NULL)
		return *opt == '\0' || util_has_control(opt) ? NULL : opt;
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0' ||
	    util_has_control(host))
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	return host;
}

/* RFC 6376 3.5 t=: at most 12 digits (--time is the verifiers' "now"). */
#define CLI_TIME_MAX 999999999999LL

int
cli_check_verify_options(poptContext pc, const char *at, int64_t *now,
    const char *authserv, const char **authserv_id, bool filter,
    const char *files_from, bool nul)
{
	char *end;
	long long t;

	*now = (int64_t)time(NULL);
	if (at != NULL) {
		errno = 0;
		t = strtoll(at, &end, 10);
		if (errno != 0 || end == at || *end != '\0' || t < 0 ||
		    t > CLI_TIME_MAX)
			return cli_usage_error(pc, "--time=%s: not a Unix time",
			    at);
		*now = t;
	}
	*authserv_id = cli_authserv_id(authserv);
	if (*authserv_id == NULL)
		return cli_usage_error(pc, "-A: not a usable authserv-id: "
		    "\"%s\"", authserv);
	return cli_check_batch_options(pc, filter, files_from, nul);
}
