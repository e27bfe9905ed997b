/*
 * batch: operands, directories (Maildir cur/ and new/) and a list stream
 * as one sequence of file names.  See batch.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/batch.h"
#include "common/util.h"

struct batch {
	const char *const *ops; /* remaining operands, or NULL */
	FILE *list;
	int delim;
	bool list_done;
	char line[BATCH_NAME_MAX + 1];
	/* the directory being listed */
	char **names;
	size_t n, pos;
	char *prefix;    /* "DIR/" or "DIR/cur/" */
	char *next_sub;  /* a Maildir's "DIR/new" still to list, or NULL */
	char *cur;       /* the name last returned */
};

struct batch *
batch_new(const char *const *operands, FILE *list, bool nul)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	b->ops = operands;
	b->list = list;
	b->delim = nul ? '\0' : '\n';
	return b;
}

static void
drop_names(struct batch *b)
{
	util_strv_free(b->names, b->n);
	b->names = NULL;
	b->n = b->pos = 0;
	free(b->prefix);
	b->prefix = NULL;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Read the regular files of dir, sorted.  Returns 0 or an errno. */
static int
load_dir(struct batch *b, const char *dir)
{
	DIR *d;
	struct dirent *e;
	size_t cap = 0, len = strlen(dir);

	drop_names(b);
	if ((d = opendir(dir)) == NULL)
		return errno != 0 ? errno : EIO;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		/* Maildir (maildir(5)): names starting with "." are not
		 * messages; the same rule skips "." and "..". */
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type != DT_REG) {
			if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK)
				continue;
			/* a name that cannot be looked at (a dangling
			 * link) is kept: opening it reports it, and the
			 * summary counts it; only what is known not to
			 * be a file (a directory, a FIFO that would
			 * block) is left out */
			if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 &&
			    !S_ISREG(st.st_mode))
				continue;
		}
		if (b->n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			b->names = xreallocarray(b->names, cap,
			    sizeof(*b->names));
		}
		b->names[b->n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (b->n > 1)
		qsort(b->names, b->n, sizeof(*b->names), cmp_name);
	b->prefix = xmalloc(len + 2);
	memcpy(b->prefix, dir, len);
	/* "dir/" and "dir" name the same directory: one slash */
	if (len > 0 && dir[len - 1] == '/')
		b->prefix[len] = '\0';
	else {
		b->prefix[len] = '/';
		b->prefix[len + 1] = '\0';
	}
	return 0;
}

static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = xmalloc(dl + nl + 2);

	memcpy(p, dir, dl);
	if (dl > 0 && dir[dl - 1] == '/')
		dl--;
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

/* The next line of the list into b->line: 1, 0 at its end, or -1 with
 * *err set (a read error, or a line longer than BATCH_NAME_MAX). */
static int
next_line(struct batch *b, int *err)
{
	size_t len;
	bool toolong;
	int c;

	for (;;) {
		len = 0;
		toolong = false;
		while ((c = getc(b->list)) != EOF && c != b->delim) {
			if (len < BATCH_NAME_MAX)
				b->line[len++] = (char)c;
			else
				toolong = true;
		}
		if (c == EOF && ferror(b->list)) {
			*err = errno != 0 ? errno : EIO;
			b->list_done = true;
			b->line[0] = '\0';
			return -1;
		}
		b->line[len] = '\0';
		if (toolong) {
			*err = ENAMETOOLONG;
			return -1;
		}
		if (len > 0)
			return 1;
		if (c == EOF) {
			b->list_done = true;
			return 0;
		}
		/* an empty line names nothing */
	}
}

static void
set_cur(struct batch *b, char *name, struct batch_item *it, int err)
{
	free(b->cur);
	b->cur = name;
	it->name = name;
	it->is_stdin = false;
	it->err = err;
}

int
batch_next(struct batch *b, struct batch_item *it)
{
	for (;;) {
		const char *name;
		bool operand;
		int err = 0, r;

		if (b->pos < b->n) {
			set_cur(b, join(b->prefix, b->names[b->pos]), it, 0);
			b->pos++;
			return 1;
		}
		if (b->next_sub != NULL) {
			char *sub = b->next_sub;

			b->next_sub = NULL;
			if ((err = load_dir(b, sub)) != 0) {
				set_cur(b, sub, it, err);
				return 1;
			}
			free(sub);
			continue;
		}
		drop_names(b);
		if (b->ops != NULL && *b->ops != NULL) {
			name = *b->ops++;
			operand = true;
		} else if (b->list != NULL && !b->list_done) {
			r = next_line(b, &err);
			if (r == 0)
				return 0;
			if (r < 0) {
				/* the name as far as it was read, so that
				 * the error can say which */
				set_cur(b, xstrdup(b->line[0] != '\0' ?
				    b->line : "(list)"), it, err);
				return 1;
			}
			name = b->line;
			operand = false;
		} else
			return 0;
		if (operand && strcmp(name, "-") == 0) {
			set_cur(b, xstrdup(name), it, 0);
			it->is_stdin = true;
			return 1;
		}
		if (!is_dir(name)) {
			/* a file, or nothing: open(2) will say */
			set_cur(b, xstrdup(name), it, 0);
			return 1;
		}
		{
			char *cur = join(name, "cur"), *new = join(name, "new");
			bool has_cur = is_dir(cur), has_new = is_dir(new);

			if (!has_cur && !has_new) {
				free(cur);
				free(new);
				if ((err = load_dir(b, name)) != 0) {
					set_cur(b, xstrdup(name), it, err);
					return 1;
				}
				continue;
			}
			/* a Maildir: cur/ (seen mail) then new/ */
			if (has_new)
				b->next_sub = new;
			else
				free(new);
			if (has_cur) {
				if ((err = load_dir(b, cur)) != 0) {
					set_cur(b, cur, it, err);
					return 1;
				}
			}
			free(cur);
		}
	}
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	drop_names(b);
	free(b->next_sub);
	free(b->cur);
	free(b);
}
