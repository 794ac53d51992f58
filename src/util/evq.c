#include "util/evq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* At most this many sub-slots per sort (a power of two). */
#define EVQ_MAX_SLOTS 1024
/* Up to this many entries (within one chunk), insertion sort alone is
 * cheaper. */
#define EVQ_SMALL_SORT 24
_Static_assert(EVQ_SMALL_SORT <= EVQ_CHUNK_ENTRIES, "a small bucket is one chunk");

void evq_init(evq *q, int64_t bucket_us, size_t n_buckets) {
    assert(bucket_us > 0);
    size_t n = 1;
    while (n < n_buckets) n *= 2;
    *q = (evq){.bucket_us = bucket_us, .n_buckets = n};
    q->buckets = xcalloc(n, sizeof *q->buckets);
    heap_init(&q->late);
    heap_init(&q->far);
}

static void evq__free_chunks(evq_chunk *c) {
    while (c) {
        evq_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void evq_cleanup(evq *q) {
    for (size_t i = 0; i < q->n_buckets; i++) evq__free_chunks(q->buckets[i].head);
    evq__free_chunks(q->free_chunks);
    free(q->buckets);
    free(q->run);
    free(q->spare);
    free(q->batch);
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

static evq_chunk *evq__chunk(evq *q) {
    evq_chunk *c = q->free_chunks;
    if (c) q->free_chunks = c->next;
    else c = xmalloc(sizeof *c);
    c->next = NULL;
    c->n = 0;
    return c;
}

static void evq__append(evq *q, evq_bucket *b, const heap_entry *e) {
    evq_chunk *t = b->tail;
    if (!t || t->n == EVQ_CHUNK_ENTRIES) {
        evq_chunk *c = evq__chunk(q);
        if (t) t->next = c;
        else b->head = c;
        b->tail = t = c;
    }
    t->v[t->n++] = *e;
    b->n++;
}

static void evq__place(evq *q, const heap_entry *e);

/* Moves a bucket's entries to the far heap and empties it. */
static void evq__bucket_to_far(evq *q, evq_bucket *b) {
    if (!b->head) return;
    for (const evq_chunk *c = b->head; c; c = c->next)
        for (size_t i = 0; i < c->n; i++) evq__heap_put(&q->far, &c->v[i]);
    q->in_buckets -= b->n;
    b->tail->next = q->free_chunks;
    q->free_chunks = b->head;
    *b = (evq_bucket){0};
}

/* An entry comes before the current bucket: a peek moved the calendar on
 * (past a gap, to the next entry it held) and someone else's entry comes
 * in earlier (the parallel executor's messages from other partitions).
 * The calendar steps back to t's bucket: the current bucket's entries go
 * back into the ring as a bucket to be sorted again, and the buckets that
 * fall past the shorter horizon into the far heap. */
static void evq__rewind(evq *q, int64_t t_us) {
    assert(t_us >= 0 && t_us < q->cur_start_us);
    int64_t new_start = t_us / q->bucket_us * q->bucket_us;
    uint64_t k = (uint64_t)((q->cur_start_us - new_start) / q->bucket_us);
    size_t mask = q->n_buckets - 1;
    if (k >= q->n_buckets) {
        for (size_t i = 0; i < q->n_buckets; i++) evq__bucket_to_far(q, &q->buckets[i]);
    } else {
        for (uint64_t i = 1; i <= k; i++) evq__bucket_to_far(q, &q->buckets[(q->cur - i) & mask]);
    }
    q->cur = (q->cur - (size_t)(k & mask)) & mask;
    q->cur_start_us = new_start;
    /* The old current bucket: k >= 1 buckets on now, in the ring or far. */
    for (size_t i = q->run_pos; i < q->run_len; i++) evq__place(q, &q->run[i]);
    q->run_pos = q->run_len = 0;
    heap_entry e;
    while (heap_pop(&q->late, &e)) evq__place(q, &e);
}

static void evq__place(evq *q, const heap_entry *e) {
    if (e->t_us < q->cur_start_us) evq__rewind(q, e->t_us);
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

void evq_push(evq *q, int64_t t_us, uint64_t key, void *item, uint64_t aux) {
    heap_entry e = {t_us, key, item, aux};
    evq__place(q, &e);
    q->len++;
}

static int evq__cmp(const void *pa, const void *pb) {
    const heap_entry *a = pa, *b = pb;
    if (a->t_us != b->t_us) return a->t_us < b->t_us ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void evq_push_many(evq *q, const heap_entry *v, size_t n) {
    int64_t least = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (v[i].t_us < least) least = v[i].t_us;
    if (least < q->cur_start_us) evq__rewind(q, least);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].t_us - q->cur_start_us < q->bucket_us) {
            q->batch = xgrow(q->batch, &q->batch_cap, k + 1, sizeof *q->batch);
            q->batch[k++] = v[i];
        } else {
            evq__place(q, &v[i]);
        }
    }
    q->len += n;
    if (k == 0) return;
    qsort(q->batch, k, sizeof *q->batch, evq__cmp);
    /* Merge the run's rest and the batch into `spare`, which becomes the run. */
    size_t left = q->run_len - q->run_pos, total = left + k;
    if (q->spare_cap < total) q->spare = xgrow(q->spare, &q->spare_cap, total, sizeof *q->spare);
    const heap_entry *a = q->run + q->run_pos, *a_end = a + left;
    const heap_entry *b = q->batch, *b_end = b + k;
    heap_entry *d = q->spare;
    while (a < a_end && b < b_end) *d++ = evq__before(b, a) ? *b++ : *a++;
    while (a < a_end) *d++ = *a++;
    while (b < b_end) *d++ = *b++;
    heap_entry *t = q->run;
    size_t tc = q->run_cap;
    q->run = q->spare, q->run_cap = q->spare_cap;
    q->spare = t, q->spare_cap = tc;
    q->run_pos = 0;
    q->run_len = total;
}

static void evq__insertion_sort(heap_entry *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        heap_entry e = v[i];
        size_t j = i;
        for (; j > 0 && evq__before(&e, &v[j - 1]); j--) v[j] = v[j - 1];
        v[j] = e;
    }
}

/* The sub-slot of an entry in the current bucket: offset * slots /
 * bucket_us, as a multiply and shift. offset < bucket_us keeps offset *
 * scale below 2^32, so the slot stays below `slots`, and it never
 * decreases as the offset grows. */
static inline size_t evq__slot(const evq *q, const heap_entry *e, uint64_t scale, size_t slots) {
    uint64_t offset = (uint64_t)(e->t_us - q->cur_start_us);
    return (size_t)((offset * scale * slots) >> 32);
}

/* Sorts bucket b (times in [start, start + bucket_us)) into the run by
 * (t_us, seq). Many entries: a counting pass spreads them over sub-slots of
 * the bucket's span (the slot only grows with the time, so no entry has to
 * cross a slot boundary afterwards), and insertion sort orders each slot's
 * few; few entries: copied, then insertion sort. */
static void evq__sort_into_run(evq *q, const evq_bucket *b) {
    heap_entry *dst = q->run;
    size_t n = b->n;
    if (n <= EVQ_SMALL_SORT) { /* one chunk */
        memcpy(dst, b->head->v, n * sizeof *dst);
        evq__insertion_sort(dst, n);
        return;
    }
    size_t slots = 1;
    while (slots < n && slots < EVQ_MAX_SLOTS) slots *= 2;
    uint64_t scale = ((uint64_t)1 << 32) / (uint64_t)q->bucket_us;
    size_t count[EVQ_MAX_SLOTS + 1];
    memset(count, 0, (slots + 1) * sizeof *count);
    for (const evq_chunk *c = b->head; c; c = c->next)
        for (size_t i = 0; i < c->n; i++) count[evq__slot(q, &c->v[i], scale, slots) + 1]++;
    for (size_t s = 1; s <= slots; s++) count[s] += count[s - 1];
    for (const evq_chunk *c = b->head; c; c = c->next)
        for (size_t i = 0; i < c->n; i++) dst[count[evq__slot(q, &c->v[i], scale, slots)]++] = c->v[i];
    evq__insertion_sort(dst, n);
}

/* Makes bucket `cur` the sorted run; its chunks go back to the free list. */
static void evq__take_bucket(evq *q) {
    evq_bucket *b = &q->buckets[q->cur];
    q->in_buckets -= b->n;
    if (q->run_cap < b->n) q->run = xgrow(q->run, &q->run_cap, b->n, sizeof *q->run);
    evq__sort_into_run(q, b);
    q->run_pos = 0;
    q->run_len = b->n;
    b->tail->next = q->free_chunks;
    q->free_chunks = b->head;
    *b = (evq_bucket){0};
}

static inline bool evq__current_empty(const evq *q) {
    return q->run_pos == q->run_len && heap_len(&q->late) == 0;
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
    if (q->run_pos == q->run_len) return late;
    const heap_entry *head = &q->run[q->run_pos];
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
