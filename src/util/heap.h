/* heap.h - a min-heap of timed entries, ordered by (t_us, seq).
 *
 * The virtual-time executor's event queue and each node thread's timer and
 * delivery queue. `seq` breaks ties in insertion order, which is what makes
 * a virtual run deterministic. The heap is 4-ary: shallower than binary, and
 * a node's four children share a cache line or two. Not thread-safe. */
#ifndef CHAINSIM_UTIL_HEAP_H
#define CHAINSIM_UTIL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct heap_entry {
    int64_t t_us;  /* when */
    uint64_t seq;  /* tie-break: order of insertion */
    void *item;    /* what (owned by whoever pushed it) */
    uint64_t aux;  /* a small payload that needs no allocation */
} heap_entry;

typedef struct heap {
    heap_entry *v;
    size_t len;
    size_t cap;
    uint64_t next_seq;
} heap;

void heap_init(heap *h);
/* Frees the array only; items are the caller's to release first. */
void heap_cleanup(heap *h);
/* Adds an entry; assigns it the next sequence number. */
void heap_push(heap *h, int64_t t_us, void *item, uint64_t aux);
/* Removes the earliest entry into *out; false if empty. */
bool heap_pop(heap *h, heap_entry *out);
/* The earliest entry, or NULL if empty. */
const heap_entry *heap_peek(const heap *h);
static inline size_t heap_len(const heap *h) { return h->len; }

#endif
