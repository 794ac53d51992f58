#include "util/evq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* Arrays larger than this are not kept by an emptied bucket: every bucket
 * comes round again, and keeping each one's peak would hold n_buckets x the
 * largest burst. They go to the spares, or back to malloc. */
#define EVQ_KEEP_CAP 64
/* At most this many sub-slots per sort (a power of two). */
#define EVQ_MAX_SLOTS 1024
/* Up to this many entries, insertion sort alone is cheaper. */
#define EVQ_SMALL_SORT 24

void evq_init(evq *q, int64_t bucket_us, size_t n_buckets) {
    assert(bucket_us > 0);
    size_t n = 1;
    while (n < n_buckets) n *= 2;
    *q = (evq){.bucket_us = bucket_us, .n_buckets = n};
    q->buckets = xcalloc(n, sizeof *q->buckets);
    heap_init(&q->late);
    heap_init(&q->far);
}

void evq_cleanup(evq *q) {
    for (size_t i = 0; i < q->n_buckets; i++) free(q->buckets[i].v);
    for (size_t i = 0; i < q->n_spare; i++) free(q->spare[i].v);
    free(q->buckets);
    free(q->run.v);
    heap_cleanup(&q->late);
    heap_cleanup(&q->far);
    *q = (evq){0};
}

static inline bool evq__before(const heap_entry *a, const heap_entry *b) {
    return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

/* Keeps the entry's sequence number: heap_push would assign a new one. */
static void evq__heap_put(heap *h, const heap_entry *e) {
    uint64_t saved = h->next_seq;
    h->next_seq = e->seq;
    heap_push(h, e->t_us, e->item, e->aux);
    h->next_seq = saved;
}

/* Gives an emptied array back: kept by its bucket if small, else to the
 * spares or freed. */
static void evq__release(evq *q, evq_bucket *b) {
    b->n = 0;
    if (b->cap <= EVQ_KEEP_CAP) return;
    if (q->n_spare < EVQ_SPARES) q->spare[q->n_spare++] = *b;
    else free(b->v);
    *b = (evq_bucket){0};
}

static void evq__append(evq *q, evq_bucket *b, const heap_entry *e) {
    if (b->n == b->cap) {
        if (b->cap == 0 && q->n_spare > 0) *b = q->spare[--q->n_spare];
        else b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof *b->v);
    }
    b->v[b->n++] = *e;
}

static void evq__place(evq *q, const heap_entry *e) {
    int64_t offset = e->t_us - q->cur_start_us;
    if (offset < q->bucket_us) {
        evq__heap_put(&q->late, e);
        return;
    }
    uint64_t k = (uint64_t)(offset / q->bucket_us);
    if (k >= q->n_buckets) {
        evq__heap_put(&q->far, e);
        return;
    }
    evq__append(q, &q->buckets[(q->cur + k) & (q->n_buckets - 1)], e);
    q->in_buckets++;
}

void evq_push(evq *q, int64_t t_us, void *item, uint64_t aux) {
    heap_entry e = {t_us, q->next_seq++, item, aux};
    evq__place(q, &e);
    q->len++;
}

static void evq__insertion_sort(heap_entry *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        heap_entry e = v[i];
        size_t j = i;
        for (; j > 0 && evq__before(&e, &v[j - 1]); j--) v[j] = v[j - 1];
        v[j] = e;
    }
}

/* Sorts src (times in [start, start + bucket_us)) into dst by (t_us, seq).
 * A counting pass spreads the entries over sub-slots of the bucket's span
 * (the slot only grows with the time, so no entry has to cross a slot
 * boundary afterwards); insertion sort then orders each slot's few. */
static void evq__sort_into(const evq *q, heap_entry *dst, const heap_entry *src, size_t n) {
    size_t slots = 1;
    while (slots < n && slots < EVQ_MAX_SLOTS) slots *= 2;
    /* slot = offset * slots / bucket_us, as a multiply and shift: offset <
     * bucket_us keeps offset * scale below 2^32, so the slot stays below
     * `slots`, and it never decreases as the offset grows. */
    uint64_t scale = ((uint64_t)1 << 32) / (uint64_t)q->bucket_us;
    size_t count[EVQ_MAX_SLOTS + 1];
    memset(count, 0, (slots + 1) * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        uint64_t offset = (uint64_t)(src[i].t_us - q->cur_start_us);
        count[((offset * scale * slots) >> 32) + 1]++;
    }
    for (size_t s = 1; s <= slots; s++) count[s] += count[s - 1];
    for (size_t i = 0; i < n; i++) {
        uint64_t offset = (uint64_t)(src[i].t_us - q->cur_start_us);
        dst[count[(offset * scale * slots) >> 32]++] = src[i];
    }
    evq__insertion_sort(dst, n);
}

/* Makes bucket `cur` the sorted run; the used-up run's array is recycled. */
static void evq__take_bucket(evq *q) {
    evq_bucket *b = &q->buckets[q->cur];
    q->in_buckets -= b->n;
    q->run_pos = 0;
    if (b->n <= EVQ_SMALL_SORT) {
        evq__insertion_sort(b->v, b->n);
        evq_bucket used = q->run;
        q->run = *b;
        *b = used;
        evq__release(q, b);
        return;
    }
    if (q->run.cap < b->n) {
        free(q->run.v);
        q->run = (evq_bucket){0};
        q->run.v = xgrow(NULL, &q->run.cap, b->n, sizeof *q->run.v);
    }
    evq__sort_into(q, q->run.v, b->v, b->n);
    q->run.n = b->n;
    evq__release(q, b);
}

static inline bool evq__current_empty(const evq *q) {
    return q->run_pos == q->run.n && heap_len(&q->late) == 0;
}

/* Moves the current bucket forward until it holds something. */
static void evq__advance(evq *q) {
    while (evq__current_empty(q)) {
        if (q->in_buckets == 0) {
            /* Nothing within the horizon: jump to the far heap's earliest. */
            const heap_entry *top = heap_peek(&q->far);
            if (!top) return;
            int64_t skip = (top->t_us - q->cur_start_us) / q->bucket_us;
            if (skip > 0) q->cur_start_us += skip * q->bucket_us;
        } else {
            q->cur = (q->cur + 1) & (q->n_buckets - 1);
            q->cur_start_us += q->bucket_us;
            if (q->buckets[q->cur].n) evq__take_bucket(q);
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

/* The earliest entry of the current bucket: the run's head or the late
 * heap's top. Requires a non-empty current bucket. */
static const heap_entry *evq__first(const evq *q) {
    const heap_entry *late = heap_peek(&q->late);
    if (q->run_pos == q->run.n) return late;
    const heap_entry *head = &q->run.v[q->run_pos];
    return late && evq__before(late, head) ? late : head;
}

bool evq_pop(evq *q, heap_entry *out) {
    if (q->len == 0) return false;
    evq__advance(q);
    const heap_entry *first = evq__first(q);
    assert(first);
    if (first == heap_peek(&q->late)) {
        heap_pop(&q->late, out);
    } else {
        *out = *first;
        q->run_pos++;
    }
    q->len--;
    return true;
}

const heap_entry *evq_peek(evq *q) {
    if (q->len == 0) return NULL;
    evq__advance(q);
    return evq__first(q);
}
