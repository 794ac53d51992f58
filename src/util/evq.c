#include "util/evq.h"

#include <assert.h>
#include <stdlib.h>

#include "util/mem.h"

void evq_init(evq *q, int64_t bucket_us, size_t n_buckets) {
    assert(bucket_us > 0);
    size_t n = 1;
    while (n < n_buckets) n *= 2;
    *q = (evq){.bucket_us = bucket_us, .n_buckets = n};
    q->buckets = xcalloc(n, sizeof *q->buckets);
    heap_init(&q->current);
    heap_init(&q->far);
}

void evq_cleanup(evq *q) {
    for (size_t i = 0; i < q->n_buckets; i++) free(q->buckets[i].v);
    free(q->buckets);
    heap_cleanup(&q->current);
    heap_cleanup(&q->far);
    *q = (evq){0};
}

/* Keeps the entry's sequence number: heap_push would assign a new one. */
static void evq__heap_put(heap *h, const heap_entry *e) {
    uint64_t saved = h->next_seq;
    h->next_seq = e->seq;
    heap_push(h, e->t_us, e->item, e->aux);
    h->next_seq = saved;
}

static void evq__place(evq *q, const heap_entry *e) {
    int64_t offset = e->t_us - q->cur_start_us;
    if (offset < q->bucket_us) {
        evq__heap_put(&q->current, e);
        return;
    }
    uint64_t k = (uint64_t)(offset / q->bucket_us);
    if (k >= q->n_buckets) {
        evq__heap_put(&q->far, e);
        return;
    }
    evq_bucket *b = &q->buckets[(q->cur + k) & (q->n_buckets - 1)];
    b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof *b->v);
    b->v[b->n++] = *e;
    q->in_buckets++;
}

void evq_push(evq *q, int64_t t_us, void *item, uint64_t aux) {
    heap_entry e = {t_us, q->next_seq++, item, aux};
    evq__place(q, &e);
    q->len++;
}

/* Moves the current bucket forward until it holds something. */
static void evq__advance(evq *q) {
    while (heap_len(&q->current) == 0) {
        if (q->in_buckets == 0) {
            /* Nothing within the horizon: jump to the far heap's earliest. */
            const heap_entry *top = heap_peek(&q->far);
            if (!top) return;
            int64_t skip = (top->t_us - q->cur_start_us) / q->bucket_us;
            if (skip > 0) q->cur_start_us += skip * q->bucket_us;
        } else {
            q->cur = (q->cur + 1) & (q->n_buckets - 1);
            q->cur_start_us += q->bucket_us;
            evq_bucket *b = &q->buckets[q->cur];
            for (size_t i = 0; i < b->n; i++) evq__heap_put(&q->current, &b->v[i]);
            q->in_buckets -= b->n;
            b->n = 0;
            /* Every bucket comes round again: keeping each one's peak size
             * would hold n_buckets x the largest burst. */
            if (b->cap > 64) {
                free(b->v);
                *b = (evq_bucket){0};
            }
        }
        /* Far entries that the horizon now reaches move into place. */
        int64_t horizon = q->cur_start_us + (int64_t)q->n_buckets * q->bucket_us;
        heap_entry e;
        while (heap_peek(&q->far) && heap_peek(&q->far)->t_us < horizon) {
            heap_pop(&q->far, &e);
            evq__place(q, &e);
        }
    }
}

bool evq_pop(evq *q, heap_entry *out) {
    if (q->len == 0) return false;
    evq__advance(q);
    bool ok = heap_pop(&q->current, out);
    assert(ok);
    q->len--;
    return ok;
}

const heap_entry *evq_peek(evq *q) {
    if (q->len == 0) return NULL;
    evq__advance(q);
    return heap_peek(&q->current);
}
