/*
 * fuzz-msg: libFuzzer harness for common/msg.c.  Any bytes must give a
 * message whose fields are views inside the input, whose body chunks
 * cover exactly [body offset, size), and whose msg_write_all() output is
 * the input byte for byte (DESIGN.md: nothing is lost).
 *
 * The readers for a regular file and for a pipe scan the header in
 * MSG_READ_SIZE (64 KiB) reads; to put that boundary inside the fuzzed
 * bytes, the input is also prefixed with a padding field of just under
 * 64 KiB (its first byte picks whether, and where the boundary falls),
 * and both readers must index it exactly as msg_from_mem() does.
 */
#include "config.h"

#include <sys/mman.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/msg.h"
#include "common/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether "authentication-results" occurs anywhere, in any case. */
static bool
has_ar_name(const uint8_t *d, size_t n)
{
	static const char w[] = "authentication-results";
	size_t i, k;

	for (i = 0; i + sizeof w - 1 <= n; i++) {
		for (k = 0; k < sizeof w - 1; k++)
			if ((d[i + k] | 0x20) != (uint8_t)w[k])
				break;
		if (k == sizeof w - 1)
			return true;
	}
	return false;
}

#define READ_BOUNDARY 65536 /* MSG_READ_SIZE in msg.c */

/* Where the body starts: the input size less the bytes msg_body_next()
 * gives (the body runs to the end of the input); UINT64_MAX on a read
 * error.  The programs never need the offset itself, so msg.h has no
 * accessor for it. */
static uint64_t
body_offset(struct msg *m)
{
	const char *chunk;
	uint64_t n = 0;
	long r;

	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0)
		n += (uint64_t)r;
	return r < 0 || n > msg_size(m) ? UINT64_MAX : msg_size(m) - n;
}

/* Two readings of the same bytes agree. */
static void
same_msg(struct msg *a, struct msg *b)
{
	size_t i, n = msg_nfields(a);

	if (msg_status(a) != msg_status(b) || n != msg_nfields(b) ||
	    msg_size(a) != msg_size(b) ||
	    body_offset(a) != body_offset(b) ||
	    msg_has_body_separator(a) != msg_has_body_separator(b) ||
	    msg_is_crlf(a) != msg_is_crlf(b))
		abort();
	for (i = 0; i < n; i++) {
		const struct msg_field *x = msg_field(a, i);
		const struct msg_field *y = msg_field(b, i);

		if (x->offset != y->offset || x->rawlen != y->rawlen ||
		    x->namelen != y->namelen || x->valuelen != y->valuelen ||
		    memcmp(x->raw, y->raw, x->rawlen) != 0 ||
		    x->value - x->raw != y->value - y->raw)
			abort();
	}
}

/* All of a message's output. */
static void
same_output(struct msg *m, const char *data, size_t size)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *fp = open_memstream(&out, &outlen);

	if (fp == NULL || msg_write_all(m, fp) != 0 || fclose(fp) != 0)
		abort();
	if (outlen != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
}

/* Read p[0..n) back through msg_read_fd() from a regular file and from
 * a pipe, and compare with msg_from_mem(). */
static void
read_paths(const char *p, size_t n)
{
	/* One memory file for all runs: creating one costs more than the
	 * rest of a run. */
	static int fd = -1;
	struct msg *ref = msg_from_mem(p, n, NULL), *m;
	int pfd[2];
	size_t off;
	ssize_t r;

	if (fd < 0 && (fd = memfd_create("fuzz-msg", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 ||
	    write(fd, p, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	m = msg_read_fd(fd, NULL);
	if (m == NULL)
		abort();
	same_msg(ref, m);
	same_output(m, p, n);
	msg_free(m);

	if (pipe(pfd) != 0)
		abort();
	/* Room for all of it, so one thread can write, then read. */
	if (n > 65536 && fcntl(pfd[1], F_SETPIPE_SZ, 1024 * 1024) < 0)
		abort();
	for (off = 0; off < n; off += (size_t)r)
		if ((r = write(pfd[1], p + off, n - off)) <= 0)
			abort();
	close(pfd[1]);
	m = msg_read_fd(pfd[0], NULL);
	if (m == NULL && n > 0)
		abort();
	if (m != NULL) {
		same_msg(ref, m);
		same_output(m, p, n);
		msg_free(m);
	}
	close(pfd[0]);
	msg_free(ref);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum msg_status st;
	struct msg *m = msg_from_mem(data, size, &st);
	const struct msg_field *f;
	const char *chunk, *mb;
	char *out = NULL;
	size_t i, n, outlen = 0, mblen;
	uint64_t body = 0, boff;
	long r;
	FILE *fp;
	volatile unsigned sum = 0;

	if (m == NULL || msg_status(m) != st || msg_size(m) != size)
		abort();
	(void)msg_status_text(st);
	(void)msg_eol(m);
	mb = msg_mbox_from(m, &mblen);
	if (mb != NULL && (mblen == 0 || mblen > size ||
	    memcmp(mb, data, mblen) != 0))
		abort();
	n = msg_nfields(m);
	if (st != MSG_OK && n != 0)
		abort();
	for (i = 0; i < n; i++) {
		f = msg_field(m, i);
		if (f == NULL || f->namelen == 0 || f->rawlen > size ||
		    f->offset > size - f->rawlen)
			abort();
		if (memcmp(f->raw, data + f->offset, f->rawlen) != 0)
			abort();
		if (f->name != f->raw || f->value < f->raw ||
		    f->value + f->valuelen > f->raw + f->rawlen)
			abort();
		/* Touch every byte so ASan sees any out-of-bounds view. */
		for (size_t k = 0; k < f->valuelen; k++)
			sum += (unsigned char)f->value[k];
		if (msg_find_field(m, "From", i) < -1)
			abort();
	}
	(void)sum;
	if (msg_field(m, n) != NULL)
		abort();
	boff = body_offset(m);
	if (boff > size)
		abort();
	msg_body_rewind(m);
	while ((r = msg_body_next(m, &chunk)) > 0) {
		if (memcmp(chunk, data + boff + body, (size_t)r) != 0)
			abort();
		body += (uint64_t)r;
	}
	if (r < 0 || boff + body != size)
		abort();

	fp = open_memstream(&out, &outlen);
	if (fp == NULL)
		abort();
	if (msg_write_all(m, fp) != 0)
		abort();
	if (fclose(fp) != 0)
		abort();
	if (outlen != size || (size > 0 && memcmp(out, data, size) != 0))
		abort();
	free(out);

	/* msg_input_chunk() gives the input too, whatever the status. */
	{
		const char *p;
		uint64_t off = 0;
		long r;

		while ((r = msg_input_chunk(m, off, &p)) > 0) {
			if (r > MSG_CHUNK || off + (uint64_t)r > size ||
			    memcmp(p, data + off, (size_t)r) != 0)
				abort();
			off += (uint64_t)r;
		}
		if (r != 0 || off != size)
			abort();
	}

	/* ar_write_stripped() leaves out whole fields only: never more
	 * bytes than came in, and nothing when no line could start an
	 * Authentication-Results field. */
	{
		char *o = NULL;
		size_t ol = 0;
		FILE *fp2 = open_memstream(&o, &ol);

		if (fp2 == NULL ||
		    ar_write_stripped(m, fp2, 0, "example.org", NULL) != 0 ||
		    fclose(fp2) != 0)
			abort();
		if (ol > size)
			abort();
		if (!has_ar_name(data, size) &&
		    (ol != size || (size > 0 && memcmp(o, data, size) != 0)))
			abort();
		free(o);
	}
	msg_free(m);

	/* The file and pipe readers allocate 128 KiB, which ASan maps and
	 * unmaps each time: ten times the cost of the rest, so only for some
	 * inputs (the first byte says which). */
	if (size > 0 && (data[0] & 6) == 0) {
		/* "X-Pad: aaa...\n" ending k bytes before the boundary. */
		size_t k = 1 + (data[0] >> 3), pad = READ_BOUNDARY - k;
		char *big = malloc(pad + size);

		if (big == NULL)
			abort();
		memcpy(big, "X-Pad: ", 7);
		memset(big + 7, 'a', pad - 8);
		big[pad - 1] = '\n';
		memcpy(big + pad, data, size);
		read_paths(big, pad + size);
		free(big);
	}
	if (size > 0 && (data[0] & 1) != 0)
		read_paths((const char *)data, size);
	return 0;
}
