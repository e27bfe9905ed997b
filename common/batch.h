/*
 * batch: the operands of a batch run (dkimverify and authcheck FILE...),
 * one file name at a time, so that any number of messages goes through one
 * process with one DNS cache (DESIGN.md "dkimverify", docs/guides/cron.md).
 *
 * An operand is a file, "-" (stdin, opened by the caller), or a directory:
 * a Maildir (a directory with cur/ or new/) gives the regular files of
 * cur/ then new/, any other directory its own regular files; in both the
 * names are sorted bytewise for a stable order, names starting with "."
 * are skipped (Maildir's rule), and nothing deeper is visited.  After the
 * operands come the names of a list stream (--files-from), one per line or
 * NUL-terminated, each expanded the same way except that "-" is a file.
 *
 * Memory: one directory's names at a time (bounded by that directory, not
 * by the batch), never the whole list.
 *
 * Ownership: batch_new() keeps pointers to the operands and the stream,
 * which the caller owns and keeps open until batch_free(); the name that
 * batch_next() returns is the iterator's and is valid until the next call.
 * Nothing here prints or reads stdin: the caller passes the stream.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "common/util.h"

/* The longest name taken from a list: PATH_MAX on Linux.  A longer line
 * cannot name a file open(2) accepts; it is skipped up to its end and
 * reported as ENAMETOOLONG, so hostile lists cost bounded memory. */
#define BATCH_NAME_MAX 4096

struct batch;

struct batch_item {
	const char *name; /* as given, or DIR/NAME, or DIR/cur/NAME */
	bool is_stdin;    /* the operand "-" */
	int err;          /* 0, or the errno of a directory or list line
			   * that could not be read: count it, open nothing */
};

/* operands: NULL-terminated, may be NULL.  list: may be NULL; nul: its
 * names end in '\0' instead of '\n'. */
struct batch *batch_new(const char *const *operands, FILE *list, bool nul)
    UTIL_MALLOC;

/* The next file: 1 and *it set, or 0 at the end (a read error of the list
 * is reported once as an item with err set, then the end). */
int batch_next(struct batch *b, struct batch_item *it);

void batch_free(struct batch *b); /* NULL is a no-op */

#endif
