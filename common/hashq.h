/*
 * hashq: hashing on a second thread, so that a large body pass reads and
 * canonicalises on one core while SHA-256 runs on another (issue 11: a
 * 100 MiB message within 1.5x the time of hashing it alone).
 *
 * A queue feeds any number of hashes, each in the order its bytes were
 * given.  Below HASHQ_THREAD_MIN bytes it hashes in the caller's thread,
 * straight from the caller's buffer, and starts no thread: a short message
 * costs nothing more.  Past that, bytes are copied into a ring of blocks
 * that one worker thread hashes; if the thread cannot be started, hashing
 * simply stays in the caller's thread.  Nothing here can fail.
 *
 * Ownership: the hashes are borrowed.  Between the first hashq_update()
 * for a hash and the next hashq_drain() (or hashq_free()) the caller must
 * not touch that hash; after it, the hash holds every byte given and may
 * be finished or freed.  A struct hashq is freed with hashq_free(), which
 * drains it and stops its thread.
 */
#ifndef COMMON_HASHQ_H
#define COMMON_HASHQ_H

#include <stddef.h>

#include "common/crypto.h"

/* Bytes hashed in the caller's thread before the worker starts: a thread
 * costs about as much as hashing 100 KiB, so only a large body pays it
 * (an engineering figure, not a protocol limit). */
#define HASHQ_THREAD_MIN (1024 * 1024)

struct hashq;
struct hashq *hashq_new(void);
/* Hash p[0, n) into h after everything given before. */
void hashq_update(struct hashq *q, struct crypto_hash *h, const void *p,
    size_t n);
/* Wait until every byte given so far is in its hash. */
void hashq_drain(struct hashq *q);
void hashq_free(struct hashq *q); /* NULL is a no-op */

#endif
