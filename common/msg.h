/*
 * msg: read one RFC 5322 message without holding its body in memory.
 *
 * Input may use LF or CRLF line endings and may start with an mbox
 * "From " line (kept in the output, never hashed or parsed).  The header
 * section is held in memory as raw bytes (folding intact, never unfolded in
 * place: DKIM hashes the raw bytes); each field is a view into that memory.
 * The body stays where it is: a regular file is read in place (the body
 * pass maps a window of MSG_CHUNK bytes at a time, the rest uses pread());
 * a pipe is read into memory up to MSG_SPOOL_MEM bytes and the rest is
 * spilled to an unlinked temporary file in $TMPDIR (default /tmp).  So memory
 * does not grow with the body, and the whole input can be written out again,
 * byte for byte, after it has been checked or signed.
 *
 * If no temporary file can be written (unusable $TMPDIR, disk full), what
 * was spooled is read back into memory and reading goes on there: memory
 * then grows with the body, but nothing is lost.
 *
 * Ownership: struct msg owns all its memory and the temporary file; every
 * pointer it returns (fields, chunks) is valid until msg_free().
 *
 * Errors (the convention of common/: 0 or -1, an object or NULL, with the
 * reason for the caller): every failure here is an I/O error, reported
 * as -1 (NULL from msg_read_fd()) with errno set, as read(2) and write(2)
 * do, so the caller says what it was doing and adds strerror().  A header
 * that cannot be parsed is no error but the message's state,
 * msg_status(), so that the input can still be copied out unchanged.
 */
#ifndef COMMON_MSG_H
#define COMMON_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes of a piped message kept in memory before spilling to a temporary
 * file (DESIGN.md: "keep the first MiB in memory"). */
#define MSG_SPOOL_MEM (1024 * 1024)

/* Largest header section accepted.  RFC 5322 sets no limit; this cap keeps
 * a hostile message from using unbounded memory.  A larger header section
 * gives MSG_ETOOBIG (and filters pass the message through unchanged). */
#define MSG_HEADER_MAX (8 * 1024 * 1024)

/* Most header fields indexed; more gives MSG_ETOOBIG. */
#define MSG_FIELDS_MAX 10000

/* Chunk size used by msg_body_next() (a hint; chunks may be shorter):
 * the size of one read() or pread().  Larger means
 * fewer system calls per 100 MiB (800 of them here); this stays well
 * inside the cache and the resident-set budget (issue 11: 8 MiB for a
 * 100 MiB message, with common/hashq.c's ring of two chunks' worth;
 * 256 KiB was no faster and took 0.5 MiB more). */
#define MSG_CHUNK (128 * 1024)

enum msg_status {
	MSG_OK = 0,
	MSG_ENOHEADER, /* input empty, or its first line is not a header field */
	MSG_ETOOBIG,   /* header section over MSG_HEADER_MAX / MSG_FIELDS_MAX */
	MSG_EIO,       /* read or temporary-file error; errno is kept */
};

/* One header field.  raw..raw+rawlen is the field exactly as in the input,
 * from the first byte of its name to the end of its last line INCLUDING that
 * line's terminator (LF or CRLF; may be absent only for a header at end of
 * input without a final newline).  name/namelen is the field name (no
 * trailing whitespace, no colon).  value/valuelen is everything after the
 * colon up to, but not including, the final line terminator: folding (CRLF
 * or LF followed by WSP) is left intact inside it. */
struct msg_field {
	const char *raw;
	size_t rawlen;
	const char *name;
	size_t namelen;
	const char *value;
	size_t valuelen;
	uint64_t offset; /* offset of raw within the input */
};

struct msg;

/* Read a message from fd (stdin or a file) until EOF.  Returns NULL only on
 * I/O error before anything could be read (sets *status = MSG_EIO); a read
 * error after some input gives a message with status MSG_EIO and no
 * fields, holding what was read; otherwise
 * returns a message whose msg_status() tells whether its header could be
 * parsed.  Even when the header is unusable (ENOHEADER, ETOOBIG) the message
 * holds all the input, so msg_write_all() can still copy it out unchanged.
 * fd is not closed; for a regular file it must stay open until msg_free(). */
struct msg *msg_read_fd(int fd, enum msg_status *status);

/* The same for a reader that needs the body once and never writes the
 * input out again (dkimverify and authcheck without --filter): from a
 * pipe only the header section is read here and the body is read by
 * msg_body_next() straight from fd, once, so nothing is spooled to disk
 * and memory stays bounded.  A regular file is read as by msg_read_fd().
 * For a piped message: a second msg_body_rewind()/msg_body_next() pass,
 * msg_write_range() or msg_input_chunk() past the bytes read with the
 * header fail with ESPIPE; msg_size() is the bytes read so far; and
 * msg_free() reads fd to its end (the writer of a pipe is not cut off). */
struct msg *msg_read_fd_once(int fd, enum msg_status *status);

/* The same for a reader that hashes the body and then writes the whole
 * input out (dkimsign): from a pipe, what follows the first MSG_SPOOL_MEM
 * bytes is read when msg_body_next() first needs it and spooled as it
 * goes, so the body pass reads the pipe itself and the spool is read back
 * once, by the output, instead of twice.  msg_size(), msg_write_range()
 * and msg_input_chunk() read (and keep) whatever is left first; msg_free()
 * reads the rest of an unread pipe.  A read error after the header shows
 * there (-1 with errno; msg_write_range() first writes all that could be
 * read), not in msg_status().  A regular file is read as by msg_read_fd(). */
struct msg *msg_read_fd_tee(int fd, enum msg_status *status);

/* The same from memory (for tests); buf is copied. */
struct msg *msg_from_mem(const void *buf, size_t len, enum msg_status *status);

void msg_free(struct msg *m); /* NULL is a no-op */

enum msg_status msg_status(const struct msg *m);
const char *msg_status_text(enum msg_status st); /* "no header section", ... */

/* Line ending convention of the input: true when its first line ended in
 * CRLF.  msg_eol() is "\r\n" or "\n" accordingly; added header fields use
 * it. */
bool msg_is_crlf(const struct msg *m);
const char *msg_eol(const struct msg *m);

/* The mbox "From " line, if the input started with one (the line and its
 * terminator), else NULL with *len = 0. */
const char *msg_mbox_from(const struct msg *m, size_t *len);

/* Header fields, in input order (0 = topmost). */
size_t msg_nfields(const struct msg *m);
const struct msg_field *msg_field(const struct msg *m, size_t i);

/* Index of the next field at or after `from` whose name equals `name`
 * case-insensitively, or -1. */
long msg_find_field(const struct msg *m, const char *name, size_t from);

/* The field indexes sorted by name (msg_name_cmp), equal names by
 * position: every name's instances are adjacent, topmost first.  Built
 * on first use (O(n log n)) and owned by m until msg_free(), so several
 * signatures over one message share it: selecting the fields an h= list
 * names (RFC 6376 5.4.2) then costs no scan of the fields per name. */
const size_t *msg_fields_by_name(struct msg *m);
/* The order of msg_fields_by_name(): bytes compared after ASCII
 * lowercasing (so equal exactly when util_strcaseeq_n says so), a prefix
 * before longer names.  <0, 0, >0. */
int msg_name_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Size of the whole input (mbox line, header section and body). */
uint64_t msg_size(struct msg *m); /* tee: reads the rest of the input */
bool msg_has_body_separator(const struct msg *m); /* empty line present */

/* True when the indexed header section ended at a line that is neither a
 * header field, nor a continuation, nor the empty line (e.g. a line without
 * a colon): RFC 5322 2.2 and 3.5 allow no such line in a header section.
 * Offsets are as described at the top of msg.c (the line starts the body),
 * but mail readers go on reading header fields up to the first empty line,
 * so what they see as the header differs from what was indexed: a
 * verifier must not trust such a message (dkimverify(1), "HEADER LINES
 * WITHOUT A COLON"). */
bool msg_header_malformed(const struct msg *m);

/* Body iteration: msg_body_rewind() then msg_body_next() until it returns
 * 0 (end) or -1 (I/O error, errno set).  On > 0, *chunk points to that many
 * bytes, valid until the next call.  Bytes are exactly the input's (LF or
 * CRLF as they came); canonicalisation is the canon module's job. */
void msg_body_rewind(struct msg *m);
long msg_body_next(struct msg *m, const char **chunk);

/* Output.  msg_write_range() writes input bytes [from, to) to f;
 * msg_write_all() writes the whole input unchanged (mbox line, header, body).
 * Return 0, or -1 on a write or read error (errno set).  They do not fflush;
 * the caller checks fflush()/fclose() to detect a failing stdout. */
int msg_write_range(struct msg *m, FILE *f, uint64_t from, uint64_t to);
int msg_write_all(struct msg *m, FILE *f);

/* Raw access: up to MSG_CHUNK input bytes at offset off (< msg_size()),
 * whatever msg_status() says.  Returns the count (> 0) with *chunk valid
 * until the next call, 0 at or past the end, or -1 on a read error (errno
 * set).  For scanners that must see the input as it came, independently
 * of the field index (ar_write_stripped() in common/result.h). */
long msg_input_chunk(struct msg *m, uint64_t off, const char **chunk);

#endif
