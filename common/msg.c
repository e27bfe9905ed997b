/*
 * msg: read one RFC 5322 message; index its header fields; keep the body
 * where it is (see msg.h for the contract).
 *
 * Layout of a message in memory: m->mem holds the first m->memlen bytes of
 * the input (always the whole header section, plus whatever part of the
 * body came with the last read).  Input bytes at or after m->memlen live in
 * m->backfd: the caller's regular file (read in place with pread(), one
 * chunk of MSG_CHUNK bytes at a time, so the resident set stays at one
 * chunk however long the body is), or an unlinked temporary
 * file holding what came through a pipe after the first MSG_SPOOL_MEM
 * bytes (or, when no temporary file can be written, in mem too: see
 * spool_rest()).
 *
 * Header section rules (RFC 5322 2.2, 2.2.3, 3.5), with our leniencies:
 *  - a line ends in LF; a CR before it makes it CRLF.  A lone CR is an
 *    ordinary byte.  The input's convention is that of its first header
 *    line (msg_is_crlf()).
 *  - an optional first line "From ..." (mbox separator) is kept apart and
 *    is not a field.  "From:" and "From :" are fields, not mbox lines.
 *  - a field line is 1*ftext, optional WSP (obsolete syntax, RFC 5322
 *    4.5), then ":".  A line starting with SP or HTAB continues the field
 *    above it (folding, RFC 5322 2.2.3), even when it holds only WSP.
 *  - the header section ends at the first empty line ("\n" or "\r\n"),
 *    which is the separator; the body starts after it.
 *  - a later line that is neither a field nor a continuation (e.g. "foo"
 *    without a colon, or a line starting with ':' or a NUL byte) also ends
 *    the header section, with no separator: by RFC 5322 3.5 a message is
 *    header fields, then optionally an empty line and a body, so such a
 *    line cannot be part of the header.  Treating it as the first body line
 *    keeps every byte of the input (nothing is dropped or rewritten), but
 *    mail readers (procmail, maildrop, MUAs) read header fields on up to
 *    the first empty line, so the header they see is longer than the one
 *    indexed here: msg_header_malformed() says so, verifiers refuse to pass
 *    such a message, and ar_write_stripped() scans up to the empty line.
 *  - a first line (after the mbox line) that is not a field gives
 *    MSG_ENOHEADER, as does empty input; a header without an empty line and
 *    without a body is valid (the body is empty).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/lex.h"
#include "common/msg.h"
#include "common/util.h"

/* Bytes asked for per read() or pread() while reading the header or
 * spooling a pipe: the memory overshoot past a limit is at most this. */
#define MSG_READ_SIZE MSG_CHUNK

/* Pipe buffer asked for with F_SETPIPE_SZ: Linux's default
 * /proc/sys/fs/pipe-max-size, so an unprivileged reader gets it. */
#define MSG_PIPE_SIZE (1024 * 1024)

/* Bytes asked of one sendfile(2) call (below Linux's 0x7ffff000 cap). */
#define MSG_SEND_MAX (1024 * 1024 * 1024)

/* Largest in-memory prefix ever allocated: the header limit plus one read
 * of slack (the read that crosses the limit). */
#define MSG_MEM_MAX ((size_t)MSG_HEADER_MAX + 2 * MSG_READ_SIZE)

enum scan_state {
	SCAN_MBOX,   /* at the first line: maybe an mbox "From " line */
	SCAN_FIRST,  /* at the first header line: must be a field */
	SCAN_FIELDS, /* inside the header section */
	SCAN_DONE,   /* end of header section found (or header unusable) */
};

struct msg {
	enum msg_status status;
	int saved_errno;

	/* Input bytes [0, memlen) are in mem; [memlen, size) in backfd at
	 * file offset (input offset - memlen + backbase). */
	char *mem;
	size_t memlen;
	size_t memcap;
	uint64_t size;
	int backfd; /* -1 when everything is in memory */
	off_t backbase;
	bool owntmp; /* backfd is our temporary file: close it */
	/* One pass (msg_read_fd_once()): input bytes from memlen on are
	 * read from streamfd by msg_body_next() only, once; streampos is
	 * the input offset of the next byte it gives.  -1: not streaming. */
	int streamfd;
	uint64_t streampos;
	/* Tee (msg_read_fd_tee()): input from size on is still in streamfd;
	 * tee_read() appends it to the spool (or to mem) as it is needed. */
	bool tee;
	bool tee_nospool;  /* no spool could be written: xmem holds it */
	int tee_errno;     /* a read error ended the input early */
	char *teebuf;      /* the piece tee_read() read last */
	/* Tee without a spool: input [memlen, size) in memory of its own
	 * (mem cannot move: the fields point into it). */
	char *xmem;
	size_t xcap;

	/* Header scanner. */
	enum scan_state state;
	size_t scan;    /* start of the first line not yet classified */
	size_t lfscan;  /* where to resume looking for that line's LF */
	size_t mboxlen; /* length of the mbox "From " line, 0 if none */
	size_t *starts; /* offsets of field starts */
	size_t nstarts;
	size_t capstarts;
	size_t hdrend; /* end of the last field (start of separator) */
	uint64_t bodyoff;
	bool sep;
	bool crlf;
	bool badline; /* the header ended at a line that is not a field */

	struct msg_field *fields;
	size_t nfields;

	uint64_t bodypos;
	char *chunkbuf; /* msg_body_next() chunks read from backfd */
	char *writebuf; /* msg_write_range() copies from backfd */
	char *inputbuf; /* msg_input_chunk() reads from backfd */
	size_t *byname; /* msg_fields_by_name(), built on first use */
};

/* Length of the field name when the line l[0..n) starts a header field
 * (1*ftext *WSP ":"; the WSP is obs-optional, RFC 5322 4.5), else 0. */
static size_t
field_name_len(const char *l, size_t n)
{
	size_t i = 0, namelen;

	while (i < n && lex_is_ftext((unsigned char)l[i]))
		i++;
	if (i == 0)
		return 0;
	namelen = i;
	while (i < n && lex_is_wsp((unsigned char)l[i]))
		i++;
	return i < n && l[i] == ':' ? namelen : 0;
}

static bool
line_is_crlf(const char *l, size_t n)
{
	return n >= 2 && l[n - 2] == '\r' && l[n - 1] == '\n';
}

static void
end_header(struct msg *m, enum msg_status st, size_t hdrend, size_t bodyoff,
           bool sep)
{
	m->status = st;
	m->hdrend = hdrend;
	m->bodyoff = bodyoff;
	m->sep = sep;
	m->state = SCAN_DONE;
}

static void
add_field_start(struct msg *m, size_t off)
{
	if (m->nstarts >= MSG_FIELDS_MAX) {
		end_header(m, MSG_ETOOBIG, m->mboxlen, m->mboxlen, false);
		return;
	}
	if (m->nstarts == m->capstarts) {
		m->capstarts = m->capstarts ? m->capstarts * 2 : 64;
		m->starts =
		    xreallocarray(m->starts, m->capstarts, sizeof *m->starts);
	}
	m->starts[m->nstarts++] = off;
}

/* Classify the complete line mem[ls, le) (le is just past its LF, or the
 * end of input for a last line without one). */
static void
classify_line(struct msg *m, size_t ls, size_t le)
{
	const char *l = m->mem + ls;
	size_t n = le - ls;
	bool empty = (n == 1 && l[0] == '\n') ||
	             (n == 2 && l[0] == '\r' && l[1] == '\n');

	switch (m->state) {
	case SCAN_MBOX:
		m->state = SCAN_FIRST;
		/* Without a header line, the convention is the first line's. */
		m->crlf = line_is_crlf(l, n);
		if (n >= 5 && memcmp(l, "From ", 5) == 0 &&
		    field_name_len(l, n) == 0) {
			m->mboxlen = n;
			return;
		}
		/* FALLTHROUGH */
	case SCAN_FIRST:
		if (field_name_len(l, n) > 0) {
			m->crlf = line_is_crlf(l, n);
			add_field_start(m, ls);
			if (m->state != SCAN_DONE)
				m->state = SCAN_FIELDS;
		} else if (empty)
			end_header(m, MSG_ENOHEADER, ls, le, true);
		else
			end_header(m, MSG_ENOHEADER, ls, ls, false);
		return;
	case SCAN_FIELDS:
		if (empty)
			end_header(m, MSG_OK, ls, le, true);
		else if (lex_is_wsp((unsigned char)l[0]))
			; /* continuation line (folding) */
		else if (field_name_len(l, n) > 0)
			add_field_start(m, ls);
		else {
			/* Not a header line: the body starts here (see the
			 * comment at the top of this file), and the header
			 * is malformed (msg_header_malformed()). */
			end_header(m, MSG_OK, ls, ls, false);
			m->badline = true;
		}
		return;
	case SCAN_DONE:
		return;
	}
}

/* Classify every complete line in mem[scan, memlen).  With eof, the
 * bytes after the last LF form a last line, and the end of input ends the
 * header section. */
static void
scan_header(struct msg *m, bool eof)
{
	while (m->state != SCAN_DONE) {
		size_t ls = m->scan, le;
		const char *nl;

		if (ls > MSG_HEADER_MAX) {
			/* No end in sight within the limit (msg_from_mem()
			 * gets here; readers stop reading before). */
			end_header(m, MSG_ETOOBIG, m->mboxlen, m->mboxlen,
			           false);
			return;
		}
		if (m->lfscan < ls)
			m->lfscan = ls;
		nl = memchr(m->mem + m->lfscan, '\n', m->memlen - m->lfscan);
		if (nl != NULL)
			le = (size_t)(nl - m->mem) + 1;
		else if (!eof) {
			m->lfscan = m->memlen;
			return; /* wait for the rest of the line */
		} else if (ls < m->memlen)
			le = m->memlen;
		else {
			/* End of input inside the header: no separator, no
			 * body; or nothing but an mbox line at all. */
			if (m->state == SCAN_FIELDS)
				end_header(m, MSG_OK, ls, ls, false);
			else
				end_header(m, MSG_ENOHEADER, ls, ls, false);
			return;
		}
		classify_line(m, ls, le);
		m->scan = le;
	}
}

/* After the last read: turn the scan into fields, or give up on the
 * header (the input is kept whole either way). */
static void
finish_header(struct msg *m)
{
	size_t i;

	if (m->state != SCAN_DONE)
		/* Still inside the header after MSG_HEADER_MAX bytes. */
		end_header(m, MSG_ETOOBIG, m->mboxlen, m->mboxlen, false);
	if (m->status == MSG_OK && m->bodyoff > MSG_HEADER_MAX)
		end_header(m, MSG_ETOOBIG, m->mboxlen, m->mboxlen, false);
	if (m->status == MSG_ETOOBIG || m->status == MSG_EIO) {
		m->hdrend = m->mboxlen;
		m->bodyoff = m->mboxlen;
		m->sep = false;
	}
	if (m->status == MSG_OK && m->nstarts > 0) {
		m->fields = xreallocarray(NULL, m->nstarts, sizeof *m->fields);
		for (i = 0; i < m->nstarts; i++) {
			struct msg_field *f = &m->fields[i];
			size_t start = m->starts[i];
			size_t end =
			    i + 1 < m->nstarts ? m->starts[i + 1] : m->hdrend;
			size_t colon, vend = end;

			f->raw = m->mem + start;
			f->rawlen = end - start;
			f->offset = start;
			f->name = f->raw;
			f->namelen = field_name_len(f->raw, f->rawlen);
			colon = start + f->namelen;
			while (m->mem[colon] != ':')
				colon++;
			if (vend > colon + 1 && m->mem[vend - 1] == '\n') {
				vend--;
				if (vend > colon + 1 &&
				    m->mem[vend - 1] == '\r')
					vend--;
			}
			f->value = m->mem + colon + 1;
			f->valuelen = vend - (colon + 1);
		}
		m->nfields = m->nstarts;
	}
	free(m->starts);
	m->starts = NULL;
	m->nstarts = m->capstarts = 0;
}

static struct msg *
msg_new(void)
{
	struct msg *m = xcalloc(1, sizeof *m);

	m->backfd = -1;
	m->streamfd = -1;
	m->state = SCAN_MBOX;
	return m;
}

/* Make room for need more bytes in mem.  Growth is geometric, but while
 * the header limit can use all of it (MSG_MEM_MAX), no further, so the
 * usual case stays bounded; only the no-temporary-file fallback of
 * read_stream() grows past it. */
static void
mem_reserve(struct msg *m, size_t need)
{
	size_t cap, want = m->memlen + need;

	if (m->memcap - m->memlen >= need)
		return;
	cap = m->memcap ? m->memcap * 2 : 2 * MSG_READ_SIZE;
	if (cap > MSG_MEM_MAX && want <= MSG_MEM_MAX)
		cap = MSG_MEM_MAX;
	if (cap < want)
		cap = want;
	m->mem = xrealloc(m->mem, cap);
	m->memcap = cap;
}

/* read() that retries on EINTR.  Returns bytes read, 0 at EOF, -1. */
static ssize_t
read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* pread() until n bytes or EOF, retrying on EINTR and short reads. */
static ssize_t
pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Write n bytes to fd at offset off, retrying on EINTR and short
 * writes. */
static int
write_full(int fd, const void *buf, size_t n, off_t off)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = pwrite(fd, (const char *)buf + done, n - done,
		    off + (off_t)done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* An unlinked temporary file in $TMPDIR (default /tmp), or -1. */
static int
spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd, e;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = xasprintf("%s/senderauth-msg.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd >= 0) {
		(void)unlink(path);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	e = errno;
	free(path);
	errno = e;
	return fd;
}

static void
set_eio(struct msg *m)
{
	m->saved_errno = errno;
	m->status = MSG_EIO;
	m->state = SCAN_DONE;
}

/* A regular file from offset base, total bytes long (from fstat): read the
 * header into memory; the body is read in place later. */
static void
read_regular(struct msg *m, int fd, off_t base, uint64_t total)
{
	ssize_t r;
	size_t want;

	while (m->state != SCAN_DONE && m->memlen <= MSG_HEADER_MAX &&
	       m->memlen < total) {
		want = MSG_READ_SIZE;
		if (total - m->memlen < want)
			want = (size_t)(total - m->memlen);
		mem_reserve(m, want);
		r = pread_full(fd, m->mem + m->memlen, want,
		               base + (off_t)m->memlen);
		if (r < 0) {
			set_eio(m);
			total = m->memlen;
			break;
		}
		if (r == 0)
			total = m->memlen; /* the file shrank */
		m->memlen += (size_t)r;
		scan_header(m, m->memlen == total);
	}
	if (m->state != SCAN_DONE && m->memlen == total)
		scan_header(m, true);
	m->size = total;
	if (total > m->memlen) {
		m->backfd = fd;
		m->backbase = base + (off_t)m->memlen;
	}
	/* Leave the offset at the end, as reading the stream would. */
	(void)lseek(fd, base + (off_t)total, SEEK_SET);
}

/* Read the rest of a stream into an unlinked temporary file.  When no
 * temporary file can be made or written ($TMPDIR unwritable, disk full),
 * what was spooled comes back into memory and the rest is read there:
 * losing mail (DESIGN.md: "nothing is lost") is worse than using memory. */
static void
spool_rest(struct msg *m, int fd, uint64_t *spooled)
{
	char *buf = xmalloc(MSG_READ_SIZE);
	int tfd = spool_open();
	ssize_t r;

	for (;;) {
		if (tfd < 0) {
			mem_reserve(m, MSG_READ_SIZE);
			r = read_retry(fd, m->mem + m->memlen, MSG_READ_SIZE);
			if (r <= 0)
				break;
			m->memlen += (size_t)r;
			continue;
		}
		r = read_retry(fd, buf, MSG_READ_SIZE);
		if (r <= 0)
			break;
		if (write_full(tfd, buf, (size_t)r, (off_t)*spooled) == 0) {
			*spooled += (uint64_t)r;
			continue;
		}
		/* The spool failed: move it back into memory. */
		mem_reserve(m, (size_t)*spooled + (size_t)r);
		if (pread_full(tfd, m->mem + m->memlen, (size_t)*spooled, 0) !=
		    (ssize_t)*spooled) {
			set_eio(m);
			break;
		}
		m->memlen += (size_t)*spooled;
		memcpy(m->mem + m->memlen, buf, (size_t)r);
		m->memlen += (size_t)r;
		*spooled = 0;
		(void)close(tfd);
		tfd = -1;
	}
	if (r < 0)
		set_eio(m);
	if (tfd >= 0) {
		m->backfd = tfd;
		m->owntmp = true;
	}
	free(buf);
}

/* A pipe or other stream: the first MSG_SPOOL_MEM bytes (and at least the
 * whole header section, up to its limit) in memory, the rest in an
 * unlinked temporary file. */
enum read_mode {
	READ_ALL,  /* msg_read_fd(): everything now */
	READ_ONCE, /* msg_read_fd_once(): the header now, the body once */
	READ_TEE,  /* msg_read_fd_tee(): the first MiB now, the rest kept as
		    * it is first read */
};

static void
read_stream(struct msg *m, int fd, enum read_mode mode)
{
	bool once = mode == READ_ONCE;
	bool eof = false;
	uint64_t spooled = 0;
	ssize_t r;

#ifdef F_SETPIPE_SZ
	/* A larger pipe lets the writer run ahead while we hash, instead
	 * of waking us every 64 KiB; refused (EPERM, EBUSY, not a pipe)
	 * it changes nothing, so the result is not checked. */
	(void)fcntl(fd, F_SETPIPE_SZ, MSG_PIPE_SIZE);
#endif

	while (!eof &&
	       ((!once && m->memlen < MSG_SPOOL_MEM) ||
	        (m->state != SCAN_DONE && m->memlen <= MSG_HEADER_MAX))) {
		mem_reserve(m, MSG_READ_SIZE);
		r = read_retry(fd, m->mem + m->memlen, MSG_READ_SIZE);
		if (r < 0) {
			set_eio(m);
			break;
		}
		if (r == 0)
			eof = true;
		m->memlen += (size_t)r;
		scan_header(m, eof);
	}
	if (once && !eof && m->status != MSG_EIO) {
		/* the rest is the body: msg_body_next() reads it once */
		m->streamfd = fd;
		m->streampos = m->memlen;
	} else if (mode == READ_TEE && !eof && m->status != MSG_EIO) {
		/* the rest is read (and kept) when it is first needed */
		m->streamfd = fd;
		m->tee = true;
	} else if (!eof && m->status != MSG_EIO)
		spool_rest(m, fd, &spooled);
	m->size = m->memlen + spooled;
	m->backbase = 0;
}

static struct msg *
read_fd(int fd, enum msg_status *status, enum read_mode mode)
{
	struct msg *m = msg_new();
	struct stat st;
	off_t base;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (base = lseek(fd, 0, SEEK_CUR)) >= 0 && st.st_size > base)
		read_regular(m, fd, base, (uint64_t)(st.st_size - base));
	else
		read_stream(m, fd, mode);
	if (m->status == MSG_EIO && m->size == 0) {
		int e = m->saved_errno;

		msg_free(m);
		if (status != NULL)
			*status = MSG_EIO;
		errno = e;
		return NULL;
	}
	finish_header(m);
	if (status != NULL)
		*status = m->status;
	if (m->status == MSG_EIO)
		errno = m->saved_errno;
	return m;
}

struct msg *
msg_read_fd(int fd, enum msg_status *status)
{
	return read_fd(fd, status, READ_ALL);
}

struct msg *
msg_read_fd_once(int fd, enum msg_status *status)
{
	return read_fd(fd, status, READ_ONCE);
}

struct msg *
msg_read_fd_tee(int fd, enum msg_status *status)
{
	return read_fd(fd, status, READ_TEE);
}

/* Tee without a spool: room in xmem for need bytes in all. */
static void
xmem_reserve(struct msg *m, size_t need)
{
	if (m->xcap >= need)
		return;
	m->xcap = m->xcap ? 2 * m->xcap : 4 * MSG_READ_SIZE;
	if (m->xcap < need)
		m->xcap = need;
	m->xmem = xrealloc(m->xmem, m->xcap);
}

/* Tee: the spool failed (disk full) at spool offset valid, writing
 * pend[0, plen): what it holds comes back into memory, pend after it, and
 * the rest of the input is kept there too, as spool_rest() does: losing
 * mail is worse than using memory.  0, or -1 when the spool cannot be
 * read back (tee_errno; the input ends there). */
static int
tee_unspool(struct msg *m, uint64_t valid, const char *pend, size_t plen)
{
	xmem_reserve(m, (size_t)valid + plen);
	if (pread_full(m->backfd, m->xmem, (size_t)valid, 0) !=
	    (ssize_t)valid) {
		m->tee_errno = errno != 0 ? errno : EIO;
		m->streamfd = -1;
		return -1;
	}
	memcpy(m->xmem + valid, pend, plen);
	(void)close(m->backfd);
	m->backfd = -1;
	m->owntmp = false;
	m->tee_nospool = true;
	return 0;
}

/* Tee: keep buf[0, n), the input from m->size on: in the spool (opened
 * on first use), or in xmem when there is none.  0, or -1 (tee_errno
 * set). */
static int
tee_store(struct msg *m, const char *buf, size_t n)
{
	uint64_t off = m->size - m->memlen;
	int tfd;

	if (!m->tee_nospool && m->backfd < 0) {
		tfd = spool_open();
		if (tfd >= 0) {
			m->backfd = tfd;
			m->owntmp = true;
			m->backbase = 0;
		} else
			m->tee_nospool = true;
	}
	if (!m->tee_nospool) {
		if (write_full(m->backfd, buf, n, (off_t)off) < 0 &&
		    tee_unspool(m, off, buf, n) < 0)
			return -1;
		m->size += n;
		return 0;
	}
	xmem_reserve(m, (size_t)off + n);
	memcpy(m->xmem + off, buf, n);
	m->size += n;
	return 0;
}

/*
 * Tee: read the next piece of the input from the stream and keep it
 * (tee_store()).  Returns its length with the bytes in m->teebuf, 0 at
 * the end of the input, or -1 on a read error (kept in tee_errno; the
 * input ends there) or when a failed spool cannot be read back.
 */
static long
tee_read(struct msg *m)
{
	ssize_t r;

	if (m->streamfd < 0)
		return m->tee_errno != 0 ? -1 : 0;
	if (m->teebuf == NULL)
		m->teebuf = xmalloc(MSG_CHUNK);
	/* One read: what the pipe holds, up to MSG_CHUNK.  Waiting to fill
	 * the buffer would stop the body pass while the writer refills a
	 * small pipe (the two would take turns instead of running side by
	 * side). */
	r = read_retry(m->streamfd, m->teebuf, MSG_CHUNK);
	if (r <= 0) {
		if (r < 0)
			m->tee_errno = errno != 0 ? errno : EIO;
		m->streamfd = -1;
		return r < 0 ? -1 : 0;
	}
	if (tee_store(m, m->teebuf, (size_t)r) < 0)
		return -1;
	return (long)r;
}

/* Tee: read and keep the rest of the input.  0, or -1 (errno set) when
 * a read error ended it early (what came before it is kept). */
static int
tee_drain(struct msg *m)
{
	long r;

	if (!m->tee)
		return 0;
	while ((r = tee_read(m)) > 0)
		continue;
	if (r < 0) {
		errno = m->tee_errno;
		return -1;
	}
	return 0;
}

struct msg *
msg_from_mem(const void *buf, size_t len, enum msg_status *status)
{
	struct msg *m = msg_new();

	m->mem = xmemdup(len ? buf : "", len);
	m->memlen = m->memcap = len;
	m->size = len;
	scan_header(m, true);
	finish_header(m);
	if (status != NULL)
		*status = m->status;
	return m;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	if (m->streamfd >= 0) {
		/* Read what the body pass left (it stops early when no
		 * signature needs the body) so that the writer of a pipe
		 * is not cut off with EPIPE. */
		char tmp[4096];

		while (read_retry(m->streamfd, tmp, sizeof tmp) > 0)
			continue;
	}
	if (m->owntmp && m->backfd >= 0)
		(void)close(m->backfd);
	UTIL_FREE_ALL(m->mem, m->starts, m->fields, m->chunkbuf, m->writebuf,
	    m->inputbuf, m->teebuf, m->xmem, m->byname, m);
}

enum msg_status
msg_status(const struct msg *m)
{
	return m->status;
}

const char *
msg_status_text(enum msg_status st)
{
	switch (st) {
	case MSG_OK:
		return "ok";
	case MSG_ENOHEADER:
		return "no header section";
	case MSG_ETOOBIG:
		return "header section too large";
	case MSG_EIO:
		return "read error";
	}
	return "unknown status";
}

bool
msg_is_crlf(const struct msg *m)
{
	return m->crlf;
}

const char *
msg_eol(const struct msg *m)
{
	return m->crlf ? "\r\n" : "\n";
}

const char *
msg_mbox_from(const struct msg *m, size_t *len)
{
	if (m->mboxlen == 0) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = m->mboxlen;
	return m->mem;
}

size_t
msg_nfields(const struct msg *m)
{
	return m->nfields;
}

const struct msg_field *
msg_field(const struct msg *m, size_t i)
{
	return i < m->nfields ? &m->fields[i] : NULL;
}

long
msg_find_field(const struct msg *m, const char *name, size_t from)
{
	size_t i, n = strlen(name);

	for (i = from; i < m->nfields; i++)
		if (util_strcaseeq_n(m->fields[i].name, m->fields[i].namelen,
		                     name, n))
			return (long)i;
	return -1;
}

int
msg_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		unsigned char ca = lex_to_lower((unsigned char)a[i]);
		unsigned char cb = lex_to_lower((unsigned char)b[i]);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

struct name_ref {
	const char *name;
	size_t namelen;
	size_t idx;
};

static int
name_ref_cmp(const void *x, const void *y)
{
	const struct name_ref *a = x, *b = y;
	int c = msg_name_cmp(a->name, a->namelen, b->name, b->namelen);

	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

const size_t *
msg_fields_by_name(struct msg *m)
{
	struct name_ref *r;
	size_t i;

	if (m->byname != NULL)
		return m->byname;
	r = xcalloc(m->nfields + 1, sizeof(*r));
	for (i = 0; i < m->nfields; i++) {
		r[i].name = m->fields[i].name;
		r[i].namelen = m->fields[i].namelen;
		r[i].idx = i;
	}
	qsort(r, m->nfields, sizeof(*r), name_ref_cmp);
	m->byname = xcalloc(m->nfields + 1, sizeof(size_t));
	for (i = 0; i < m->nfields; i++)
		m->byname[i] = r[i].idx;
	free(r);
	return m->byname;
}

uint64_t
msg_size(struct msg *m)
{
	(void)tee_drain(m); /* a read error shows when the input is used */
	return m->size;
}

bool
msg_has_body_separator(const struct msg *m)
{
	return m->sep;
}

bool
msg_header_malformed(const struct msg *m)
{
	return m->status == MSG_OK && m->badline;
}

/* Up to MSG_CHUNK input bytes from off: a view into mem, or a pread()
 * into buf.  Returns the count (> 0), or -1 with errno set (EIO when the
 * file turned out shorter than it was). */
static long
fetch(struct msg *m, uint64_t off, const char **out, char **buf)
{
	uint64_t n = m->size - off;
	ssize_t r;

	if (n > MSG_CHUNK)
		n = MSG_CHUNK;
	if (off < m->memlen) {
		if (n > m->memlen - off)
			n = m->memlen - off;
		*out = m->mem + off;
		return (long)n;
	}
	if (m->xmem != NULL) {
		/* tee without a spool */
		*out = m->xmem + (off - m->memlen);
		return (long)n;
	}
	if (m->backfd < 0) {
		/* one pass: the body was not kept (msg_read_fd_once()) */
		errno = ESPIPE;
		return -1;
	}
	if (*buf == NULL)
		*buf = xmalloc(MSG_CHUNK);
	r = pread_full(m->backfd, *buf, (size_t)n,
	               m->backbase + (off_t)(off - m->memlen));
	if (r < 0)
		return -1;
	if (r == 0) {
		errno = EIO;
		return -1;
	}
	*out = *buf;
	return (long)r;
}

void
msg_body_rewind(struct msg *m)
{
	m->bodypos = m->bodyoff;
}

long
msg_body_next(struct msg *m, const char **chunk)
{
	long r;

	if (m->bodypos < m->bodyoff)
		m->bodypos = m->bodyoff;
	if (m->streamfd >= 0 && !m->tee && m->bodypos >= m->memlen) {
		/* one pass: straight from the input, once */
		if (m->bodypos != m->streampos) {
			errno = ESPIPE;
			return -1;
		}
		if (m->chunkbuf == NULL)
			m->chunkbuf = xmalloc(MSG_CHUNK);
		r = (long)read_retry(m->streamfd, m->chunkbuf, MSG_CHUNK);
		if (r <= 0) {
			if (r == 0)
				m->streamfd = -1; /* EOF: nothing to drain */
			return r;
		}
		m->streampos += (uint64_t)r;
		m->size = m->bodypos = m->streampos;
		*chunk = m->chunkbuf;
		return r;
	}
	if (m->tee && m->bodypos >= m->size) {
		/* tee: the next piece of the stream, kept as it goes */
		r = tee_read(m);
		if (r < 0) {
			errno = m->tee_errno;
			return -1;
		}
		if (r > 0) {
			m->bodypos += (uint64_t)r;
			*chunk = m->teebuf;
		}
		return r;
	}
	if (m->bodypos >= m->size)
		return 0;
	/* pread() into our buffer, not mmap(): a mapped file that another
	 * process truncates raises SIGBUS, and a filter must never die of
	 * its input (DESIGN.md "Nothing is lost"); mapping saved only about
	 * 5% of a 100 MiB verify. */
	r = fetch(m, m->bodypos, chunk, &m->chunkbuf);
	if (r > 0)
		m->bodypos += (uint64_t)r;
	return r;
}

/*
 * Copy input bytes [from, to) that live in the backing file (the input
 * file itself, or the spool) to f's descriptor with sendfile(2): the
 * kernel copies them, no pass through our buffers.  f is flushed first so
 * the order of the output is kept.  Returns the bytes copied (possibly 0:
 * sendfile() does not work for these descriptors, the caller copies the
 * rest itself), or -1 on a write error (errno set).
 */
static int64_t
send_backing(struct msg *m, FILE *f, uint64_t from, uint64_t to)
{
	uint64_t done = 0;
	off_t off;
	ssize_t r;
	int fd;

	if (m->backfd < 0 || from < m->memlen || (fd = fileno(f)) < 0)
		return 0;
	if (fflush(f) != 0)
		return -1;
	off = m->backbase + (off_t)(from - m->memlen);
	while (from + done < to) {
		size_t n = to - from - done > MSG_SEND_MAX ? MSG_SEND_MAX :
		    (size_t)(to - from - done);

		r = sendfile(fd, m->backfd, &off, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && done == 0 && (errno == EINVAL ||
		    errno == ENOSYS || errno == ESPIPE))
			return 0; /* not for these descriptors */
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EIO; /* the input file shrank */
			return -1;
		}
		done += (uint64_t)r;
	}
	return (int64_t)done;
}

int
msg_write_range(struct msg *m, FILE *f, uint64_t from, uint64_t to)
{
	const char *p;
	int64_t sent;
	long r;
	int drained = tee_drain(m), e = errno;

	if (from > to || to > m->size) {
		errno = EINVAL;
		return -1;
	}
	while (from < to) {
		if (from >= m->memlen && m->backfd >= 0) {
			sent = send_backing(m, f, from, to);
			if (sent < 0)
				return -1;
			from += (uint64_t)sent;
			if (from >= to)
				break;
		}
		r = fetch(m, from, &p, &m->writebuf);
		if (r < 0)
			return -1;
		if ((uint64_t)r > to - from)
			r = (long)(to - from);
		errno = 0;
		if (fwrite(p, 1, (size_t)r, f) != (size_t)r) {
			if (errno == 0)
				errno = EIO;
			return -1;
		}
		from += (uint64_t)r;
	}
	if (drained < 0) {
		/* all that could be read is out; the input was cut short */
		errno = e;
		return -1;
	}
	return 0;
}

int
msg_write_all(struct msg *m, FILE *f)
{
	return msg_write_range(m, f, 0, msg_size(m));
}

long
msg_input_chunk(struct msg *m, uint64_t off, const char **chunk)
{
	if (off >= m->size && tee_drain(m) < 0 && off >= m->size)
		return -1;
	if (off >= m->size)
		return 0;
	return fetch(m, off, chunk, &m->inputbuf);
}
