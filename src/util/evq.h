/* evq.h - the virtual executor's event queue: a calendar of time buckets.
 *
 * Pops entries in exactly the order of a min-heap on (t_us, seq), where seq
 * is the key the caller gives each entry (unique: the virtual executors
 * derive it from who made the entry, see exec_lane.h) - but a push is an
 * append to an unsorted bucket and a pop is a step along a sorted array:
 *
 *   now ─┬─ current bucket: `run`, sorted by (t_us, seq), read from run_pos
 *        │                  + `late`, a heap of what was pushed into the
 *        │                    current bucket after it was sorted (rare)
 *        ├─ buckets 1..n-1: unsorted, width `bucket_us` each
 *        └─ beyond n buckets: the `far` heap (mining timers, the end)
 *
 * When the current bucket is used up, the queue moves to the next one and
 * sorts its entries into `run` (a counting pass over sub-slots of the
 * bucket's time span, then insertion sort within each); far entries that
 * the horizon now reaches move into their buckets. The pop takes the
 * earlier of the run's head and the late heap's top. A bucket stores its
 * entries in fixed chunks from a shared free list, so a burst never
 * reallocates and copies a growing array. At 10,000 nodes the in-flight
 * messages (~100,000) make a single heap too big for the cache, and even a
 * heap per bucket cost ~250 instructions an entry; appending and sorting a
 * bucket costs a fraction of that. Not thread-safe. */
#ifndef CHAINSIM_UTIL_EVQ_H
#define CHAINSIM_UTIL_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/heap.h"

/* Entries per chunk: 1 kB of them. */
#define EVQ_CHUNK_ENTRIES 32

typedef struct evq_chunk {
    heap_entry v[EVQ_CHUNK_ENTRIES];
    struct evq_chunk *next;
    size_t n;
} evq_chunk;

typedef struct evq_bucket {
    evq_chunk *head, *tail; /* NULL when empty */
    size_t n;
} evq_bucket;

typedef struct evq {
    int64_t bucket_us;
    size_t n_buckets;        /* power of two */
    evq_bucket *buckets;
    size_t cur;              /* index of the current bucket */
    int64_t cur_start_us;    /* start time of the current bucket */
    size_t in_buckets;       /* entries in buckets other than the current */
    heap_entry *run;         /* the current bucket, sorted; [run_pos, run_len) are left */
    size_t run_pos, run_len, run_cap;
    heap_entry *spare;       /* evq_push_many: the merged run is built here, then swapped */
    size_t spare_cap;
    heap_entry *batch;       /* evq_push_many: its entries for the current bucket */
    size_t batch_cap;
    heap late;               /* pushed into the current bucket after it was sorted */
    heap far;                /* entries past the last bucket */
    evq_chunk *free_chunks;  /* emptied chunks, linked through next */
    size_t len;
} evq;

/* bucket_us > 0; n_buckets is rounded up to a power of two. */
void evq_init(evq *q, int64_t bucket_us, size_t n_buckets);
/* Frees the queue's memory only; items are the caller's. */
void evq_cleanup(evq *q);
/* Adds an entry at t_us (never earlier than the last popped entry's time)
 * with tie-break `key` (stored as the entry's seq; the caller keeps keys
 * unique). */
void evq_push(evq *q, int64_t t_us, uint64_t key, void *item, uint64_t aux);
/* The same as evq_push of each of v[0..n) (seq as each one's key), in a
 * batch: those that fall into the current bucket (which a peek may have
 * sorted already) are sorted among themselves and merged into its run in
 * one pass, instead of one by one into the late heap (log n and a cache
 * miss or two each): the parallel executor queues a window's messages from
 * other partitions this way, and a good share lands in the current bucket. */
void evq_push_many(evq *q, const heap_entry *v, size_t n);
/* Removes the earliest entry (ties: the smaller key first); false if empty. */
bool evq_pop(evq *q, heap_entry *out);
/* The earliest entry without removing it (NULL if empty); valid until the
 * next push or pop. */
const heap_entry *evq_peek(evq *q);
static inline size_t evq_len(const evq *q) { return q->len; }
/* An entry likely to be popped soon: the k-th after the head of the
 * current bucket's sorted run (k = 0: the head), or NULL past its end. A
 * hint for prefetching, not the order: an entry of the late heap may come
 * first, and the next bucket is not sorted yet. Valid until the next push
 * or pop. */
static inline const heap_entry *evq_ahead(const evq *q, size_t k) {
    size_t i = q->run_pos + k;
    return i < q->run_len ? &q->run[i] : NULL;
}

#endif
