/* evq.h - the virtual executor's event queue: a calendar of time buckets.
 *
 * Pops entries in exactly the order of a min-heap on (t_us, seq) - the
 * same sequence numbers, so the same run - but most pushes and pops touch
 * a small heap of one bucket instead of one heap of everything in flight:
 *
 *   now ─┬─ current bucket: a heap ordered by (t_us, seq)
 *        ├─ buckets 1..n-1: unsorted arrays, width `bucket_us` each
 *        └─ beyond n buckets: the `far` heap (mining timers, the end)
 *
 * When the current bucket empties, the queue moves to the next bucket and
 * heapifies its array (plus whatever of `far` now falls inside). At 10,000
 * nodes the in-flight messages (~100,000) make a single heap too big for the
 * cache; one bucket's worth fits. Not thread-safe. */
#ifndef CHAINSIM_UTIL_EVQ_H
#define CHAINSIM_UTIL_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/heap.h"

typedef struct evq_bucket {
    heap_entry *v;
    size_t n, cap;
} evq_bucket;

typedef struct evq {
    int64_t bucket_us;
    size_t n_buckets;        /* power of two */
    evq_bucket *buckets;
    size_t cur;              /* index of the current bucket */
    int64_t cur_start_us;    /* start time of the current bucket */
    size_t in_buckets;       /* entries in buckets other than the current */
    heap current;            /* the current bucket's entries */
    heap far;                /* entries past the last bucket */
    uint64_t next_seq;
    size_t len;
} evq;

/* bucket_us > 0; n_buckets is rounded up to a power of two. */
void evq_init(evq *q, int64_t bucket_us, size_t n_buckets);
/* Frees the queue's memory only; items are the caller's. */
void evq_cleanup(evq *q);
/* Adds an entry at t_us (never earlier than the last popped entry's time). */
void evq_push(evq *q, int64_t t_us, void *item, uint64_t aux);
/* Removes the earliest entry (ties: first pushed first); false if empty. */
bool evq_pop(evq *q, heap_entry *out);
/* The earliest entry without removing it (NULL if empty); valid until the
 * next push or pop. */
const heap_entry *evq_peek(evq *q);
static inline size_t evq_len(const evq *q) { return q->len; }

#endif
