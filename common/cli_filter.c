/*
 * cli_filter: the --filter output shared by dkimverify and authcheck
 * (cli.h).  It prints (a -v diagnostic), so only cmd/ calls it.
 */
#include "config.h"

#include <stdio.h>

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
