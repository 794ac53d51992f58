#include "util/heap.h"

#include <stdlib.h>

#include "util/mem.h"

void heap_init(heap *h) { *h = (heap){0}; }

void heap_cleanup(heap *h) {
    free(h->v);
    *h = (heap){0};
}

static inline bool heap__less(const heap_entry *a, const heap_entry *b) {
    return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

void heap_push(heap *h, int64_t t_us, void *item, uint64_t aux) {
    h->v = xgrow(h->v, &h->cap, h->len + 1, sizeof *h->v);
    heap_entry e = {t_us, h->next_seq++, item, aux};
    size_t i = h->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!heap__less(&e, &h->v[parent])) break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = e;
}

bool heap_pop(heap *h, heap_entry *out) {
    if (h->len == 0) return false;
    *out = h->v[0];
    heap_entry last = h->v[--h->len];
    size_t n = h->len, i = 0;
    for (;;) {
        size_t first = 4 * i + 1;
        if (first >= n) break;
        size_t best = first, end = first + 4 < n ? first + 4 : n;
        for (size_t c = first + 1; c < end; c++)
            if (heap__less(&h->v[c], &h->v[best])) best = c;
        if (!heap__less(&h->v[best], &last)) break;
        h->v[i] = h->v[best];
        i = best;
    }
    if (n) h->v[i] = last;
    return true;
}

const heap_entry *heap_peek(const heap *h) { return h->len ? &h->v[0] : NULL; }
