/*
 * cli_filter: the --filter input and output shared by dkimverify and
 * authcheck (cli.h).  It prints (errors, a -v diagnostic), so only cmd/
 * calls it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/msg.h"
#include "common/result.h"
#include "common/util.h"

int
cli_write_filtered(struct msg *m, const char *fields, const char *authserv_id)
{
	size_t mlen = 0, nremoved = 0;
	const char *mbox = msg_mbox_from(m, &mlen);
	int r;

	if (fields != NULL) {
		if (mlen > 0 && fwrite(mbox, 1, mlen, stdout) != mlen)
			return -1;
		if (fputs(fields, stdout) == EOF)
			return -1;
	} else
		mlen = 0; /* ar_write_stripped() copies the mbox line itself */
	r = ar_write_stripped(m, stdout, mlen, authserv_id, &nremoved);
	if (nremoved > 0)
		debug("removed %zu Authentication-Results field%s claiming "
		    "to be from %s", nremoved, nremoved == 1 ? "" : "s",
		    authserv_id);
	return r;
}

int
cli_msg_unusable(const struct msg *m, const char *name)
{
	error("%s: %s", name != NULL ? name : "input",
	    msg_status_text(msg_status(m)));
	return msg_status(m) == MSG_EIO ? EX_NOINPUT : EX_DATAERR;
}

int
cli_filter_read(struct msg **mp, bool dns_ok,
    int (*check)(struct msg *m, void *arg, char **err), void *arg,
    const char *authserv_id)
{
	struct msg *m;
	enum msg_status mst;
	char *err = NULL;
	int status = 0;

	*mp = NULL;
	m = msg_read_fd(STDIN_FILENO, &mst);
	if (m == NULL) {
		syserror("reading the message");
		return EX_NOINPUT;
	}
	if (!dns_ok)
		status = EX_CONFIG; /* reported by the caller */
	else if (msg_status(m) != MSG_OK)
		status = cli_msg_unusable(m, NULL);
	else if (check(m, arg, &err) < 0) {
		error("input: %s", err);
		free(err);
		status = EX_NOINPUT;
	}
	if (status == 0) {
		*mp = m;
		return 0;
	}
	/* Nothing is lost, but a forged result is no part of the message
	 * worth keeping (DESIGN.md "Nothing is lost"). */
	if (cli_write_filtered(m, NULL, authserv_id) < 0) {
		syserror("writing the output");
		status = EX_IOERR;
	}
	msg_free(m);
	return status;
}
