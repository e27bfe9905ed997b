/*
 * Tests for common/hashq: every hash fed through the queue ends with the
 * digest of the same bytes fed straight to it, whatever the sizes of the
 * pieces, the interleaving of hashes (more than a block's run table holds),
 * drains in between, and whether the worker thread started; a short input
 * starts no thread and hashq_free() stops it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/hashq.h"
#include "common/util.h"
#include "t/tap/basic.h"

#define NH 24 /* hashes at once: more than HASHQ_NSEG (16) */

/* The process's thread count (-1: unknown). */
static int
threads(void)
{
	return (int)test_proc_value("status", "Threads");
}

static unsigned long rng = 12345;
#define rnd() test_rand(&rng)

struct pair {
	struct crypto_hash *q, *d; /* through the queue, direct */
	enum crypto_hash_alg alg;
};

static void
pairs_new(struct pair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i].alg = i % 3 == 2 ? CRYPTO_SHA1 : CRYPTO_SHA256;
		p[i].q = crypto_hash_new(p[i].alg);
		p[i].d = crypto_hash_new(p[i].alg);
	}
}

/* Finish both of pair i; 1 when the digests agree. */
static int
pair_same(struct pair *p)
{
	unsigned char a[CRYPTO_MAX_DIGEST], b[CRYPTO_MAX_DIGEST];
	size_t la = crypto_hash_final(p->q, a), lb = crypto_hash_final(p->d, b);

	p->q = p->d = NULL;
	return la == lb && la > 0 && memcmp(a, b, la) == 0;
}

/* Feed total bytes of data to the n pairs in pieces of up to maxpiece
 * bytes (some empty), each piece to a hash picked at random.  The data
 * is overwritten after each piece, as a caller's buffer is. */
static void
feed(struct hashq *q, struct pair *p, size_t n, size_t total,
    size_t maxpiece)
{
	unsigned char *buf = xmalloc(maxpiece + 1);
	size_t done = 0, len, i, k;

	while (done < total) {
		len = rnd() % (maxpiece + 1);
		if (len > total - done)
			len = total - done;
		for (k = 0; k < len; k++)
			buf[k] = (unsigned char)rnd();
		i = rnd() % n;
		hashq_update(q, p[i].q, buf, len);
		crypto_hash_update(p[i].d, buf, len);
		memset(buf, 0xAA, len); /* the caller reuses its buffer */
		done += len;
	}
	free(buf);
}

static int
all_same(struct pair *p, size_t n)
{
	size_t i;
	int same = 1;

	for (i = 0; i < n; i++)
		same &= pair_same(&p[i]);
	return same;
}

int
main(void)
{
	struct pair p[NH];
	struct hashq *q;
	int before, during;

	plan(12);
	crypto_init();
	before = threads();
	ok(before >= 1, "thread count readable (%d)", before);

	/* short: straight through, no thread */
	q = hashq_new();
	pairs_new(p, 3);
	feed(q, p, 3, 64 * 1024, 700);
	is_int(before, threads(), "a short input starts no thread");
	hashq_drain(q);
	ok(all_same(p, 3), "short input: digests as fed directly");
	hashq_free(q);

	/* long, two hashes, pieces from 0 to 300 KiB */
	q = hashq_new();
	pairs_new(p, 2);
	feed(q, p, 2, 6 * HASHQ_THREAD_MIN, 300 * 1024);
	/* (a sanitizer may start a thread of its own with the first one) */
	during = threads();
	ok(during > before, "a long input runs a worker thread (%d)", during);
	hashq_drain(q);
	ok(all_same(p, 2), "long input, large pieces: digests as fed directly");
	hashq_free(q);
	is_int(during - 1, threads(), "hashq_free() stops the worker");

	/* long, many hashes interleaved in small pieces */
	q = hashq_new();
	pairs_new(p, NH);
	feed(q, p, NH, 4 * HASHQ_THREAD_MIN, 97);
	hashq_drain(q);
	ok(all_same(p, NH), "%d hashes in pieces of 0..97 bytes", NH);

	/* the same queue again after a drain, once past the threshold */
	pairs_new(p, 5);
	feed(q, p, 5, 2 * HASHQ_THREAD_MIN, 5000);
	hashq_drain(q);
	ok(all_same(p, 5), "a drained queue takes new hashes");

	/* a drain in the middle: one hash finished early, the others go on */
	pairs_new(p, 3);
	feed(q, p, 3, HASHQ_THREAD_MIN, 20000);
	hashq_drain(q);
	ok(pair_same(&p[0]), "a hash finished after a drain in the middle");
	feed(q, p + 1, 2, HASHQ_THREAD_MIN, 20000);
	hashq_drain(q);
	ok(all_same(p + 1, 2), "... and the others go on");

	/* pieces of exactly a block and beyond the whole ring */
	pairs_new(p, 2);
	feed(q, p, 2, 8 * HASHQ_THREAD_MIN, 3 * HASHQ_THREAD_MIN);
	hashq_free(q); /* drains */
	ok(all_same(p, 2), "pieces larger than the ring; hashq_free() drains");

	/* empty pieces only, past the threshold by size 0: nothing breaks */
	q = hashq_new();
	pairs_new(p, 1);
	hashq_update(q, p[0].q, "", 0);
	hashq_free(q);
	ok(pair_same(&p[0]), "no bytes at all");
	return 0;
}
