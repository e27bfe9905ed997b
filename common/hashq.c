/*
 * hashq: see hashq.h.  A ring of HASHQ_NBLOCKS blocks: the caller fills
 * one while the worker hashes the ones queued before it; a block records
 * which hash each run of its bytes goes to.  One mutex guards the count
 * of queued blocks, so every byte a block holds is written before the
 * worker reads it and every hash is updated before hashq_drain() returns.
 */
#include "config.h"

#include "common/hashq.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Bytes per block: large enough that a hand-over (a mutex and a wake-up)
 * is rare, small enough to stay in the second-level cache. */
#define HASHQ_BLOCK (64 * 1024)
/* Blocks in the ring: 256 KiB in all, the canonical form of two input
 * chunks (MSG_CHUNK), so the reader can canonicalise one while the worker
 * hashes the last (two blocks, or one chunk's worth, were 20-40% slower
 * from a pipe), within the 8 MiB of memory a 100 MiB message may take
 * (issue 11). */
#define HASHQ_NBLOCKS 4
/* Runs of bytes for different hashes in one block; a block with this many
 * is handed over early.  Several signatures over one body alternate
 * between their hashes once per input chunk, so a few suffice. */
#define HASHQ_NSEG 16

struct hashq_seg {
	struct crypto_hash *h;
	size_t len;
};

struct hashq_block {
	size_t len, nseg;
	struct hashq_seg seg[HASHQ_NSEG];
	unsigned char data[HASHQ_BLOCK];
};

struct hashq {
	size_t given;       /* bytes given before the worker started */
	bool threaded;      /* the worker runs: bytes go through the ring */
	bool failed;        /* no worker could be started: never try again */
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t more;  /* a block was queued, or stop */
	pthread_cond_t room;  /* a block was hashed */
	size_t head;        /* the oldest queued block (the worker's) */
	size_t queued;      /* blocks queued from head on */
	bool stop;
	struct hashq_block *ring; /* HASHQ_NBLOCKS of them */
	struct hashq_block *fill; /* the caller's: ring[(head + queued) % N] */
};

static void
block_hash(struct hashq_block *b)
{
	const unsigned char *p = b->data;
	size_t i;

	for (i = 0; i < b->nseg; i++) {
		crypto_hash_update(b->seg[i].h, p, b->seg[i].len);
		p += b->seg[i].len;
	}
	b->len = b->nseg = 0;
}

static void *
worker(void *arg)
{
	struct hashq *q = arg;
	struct hashq_block *b;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->queued == 0 && !q->stop)
			pthread_cond_wait(&q->more, &q->lock);
		if (q->queued == 0)
			break; /* stop, and nothing left */
		b = &q->ring[q->head];
		pthread_mutex_unlock(&q->lock);
		block_hash(b);
		pthread_mutex_lock(&q->lock);
		q->head = (q->head + 1) % HASHQ_NBLOCKS;
		q->queued--;
		pthread_cond_signal(&q->room);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct hashq *
hashq_new(void)
{
	return xcalloc(1, sizeof(struct hashq));
}

/* Start the worker with every signal blocked, so that signals keep going
 * to the caller's thread as before.  false: run without it. */
static bool
start(struct hashq *q)
{
	sigset_t all, old;
	int rc;

	q->ring = xcalloc(HASHQ_NBLOCKS, sizeof(*q->ring));
	if (pthread_mutex_init(&q->lock, NULL) != 0)
		goto fail_mutex;
	if (pthread_cond_init(&q->more, NULL) != 0)
		goto fail_more;
	if (pthread_cond_init(&q->room, NULL) != 0)
		goto fail_room;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&q->worker, NULL, worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto fail_thread;
	q->fill = &q->ring[0];
	return true;
fail_thread:
	pthread_cond_destroy(&q->room);
fail_room:
	pthread_cond_destroy(&q->more);
fail_more:
	pthread_mutex_destroy(&q->lock);
fail_mutex:
	free(q->ring);
	q->ring = NULL;
	return false;
}

/* Queue the block being filled and wait for a free one. */
static void
submit(struct hashq *q)
{
	pthread_mutex_lock(&q->lock);
	q->queued++;
	pthread_cond_signal(&q->more);
	while (q->queued == HASHQ_NBLOCKS)
		pthread_cond_wait(&q->room, &q->lock);
	q->fill = &q->ring[(q->head + q->queued) % HASHQ_NBLOCKS];
	pthread_mutex_unlock(&q->lock);
}

void
hashq_update(struct hashq *q, struct crypto_hash *h, const void *p, size_t n)
{
	const unsigned char *s = p;
	struct hashq_block *b;
	size_t k;

	if (!q->threaded) {
		if (q->failed || q->given < HASHQ_THREAD_MIN) {
			q->given += n;
			crypto_hash_update(h, p, n);
			return;
		}
		if (!start(q)) {
			q->failed = true;
			crypto_hash_update(h, p, n);
			return;
		}
		q->threaded = true;
	}
	while (n > 0) {
		b = q->fill;
		if (b->nseg > 0 && b->seg[b->nseg - 1].h == h)
			k = b->nseg - 1; /* continue this hash's run */
		else if (b->nseg < HASHQ_NSEG)
			b->seg[k = b->nseg++] = (struct hashq_seg){ h, 0 };
		else {
			submit(q);
			continue;
		}
		if (n < HASHQ_BLOCK - b->len) {
			memcpy(b->data + b->len, s, n);
			b->len += n;
			b->seg[k].len += n;
			return;
		}
		memcpy(b->data + b->len, s, HASHQ_BLOCK - b->len);
		s += HASHQ_BLOCK - b->len;
		n -= HASHQ_BLOCK - b->len;
		b->seg[k].len += HASHQ_BLOCK - b->len;
		b->len = HASHQ_BLOCK;
		submit(q);
	}
}

void
hashq_drain(struct hashq *q)
{
	if (!q->threaded)
		return;
	if (q->fill->len > 0)
		submit(q);
	pthread_mutex_lock(&q->lock);
	while (q->queued > 0)
		pthread_cond_wait(&q->room, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void
hashq_free(struct hashq *q)
{
	if (q == NULL)
		return;
	if (q->threaded) {
		hashq_drain(q);
		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_cond_signal(&q->more);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->worker, NULL);
		pthread_cond_destroy(&q->room);
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->lock);
		free(q->ring);
	}
	free(q);
}
