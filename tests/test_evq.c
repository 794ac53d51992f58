/* test_evq: the calendar queue pops exactly what a plain heap pops. */
#include "check.h"
#include "util/evq.h"
#include "util/heap.h"
#include "util/rng.h"

/* Random pushes (near, far, same-time ties) interleaved with pops, on both
 * structures, comparing every popped entry. */
static void run_against_heap_(int64_t bucket_us, size_t n_buckets, uint64_t seed, bool peeks) {
    evq q;
    heap h;
    evq_init(&q, bucket_us, n_buckets);
    heap_init(&h);
    rng r;
    rng_seed(&r, seed, 0);
    int64_t now = 0;
    for (int step = 0; step < 200000; step++) {
        uint64_t dice = rng_below(&r, 10);
        if (dice < 6) {
            int64_t dt;
            switch (rng_below(&r, 4)) {
            case 0: dt = 0; break;                                   /* a tie with now */
            case 1: dt = (int64_t)rng_below(&r, 300000); break;      /* a message */
            case 2: dt = (int64_t)rng_below(&r, 3); break;           /* same bucket */
            default: dt = (int64_t)rng_below(&r, 2000000000); break; /* a mining timer */
            }
            evq_push(&q, now + dt, h.next_seq, (void *)(uintptr_t)step, (uint64_t)step * 3);
            heap_push(&h, now + dt, (void *)(uintptr_t)step, (uint64_t)step * 3);
        } else if (peeks && dice == 6) {
            /* A peek moves the calendar to the next entry, past any gap;
             * the next push may come before it (now + 0..2). */
            const heap_entry *a = evq_peek(&q), *b = heap_peek(&h);
            CHECK_INT_EQ(a != NULL, b != NULL);
            if (a && b) CHECK_INT_EQ(a->seq, b->seq);
        } else {
            heap_entry a, b;
            bool got_q = evq_pop(&q, &a), got_h = heap_pop(&h, &b);
            CHECK_INT_EQ(got_q, got_h);
            if (!got_h) continue;
            CHECK_INT_EQ(a.t_us, b.t_us);
            CHECK_INT_EQ(a.seq, b.seq);
            CHECK(a.item == b.item);
            CHECK_INT_EQ(a.aux, b.aux);
            now = a.t_us;
        }
        CHECK_INT_EQ(evq_len(&q), heap_len(&h));
    }
    heap_entry a, b;
    while (heap_pop(&h, &b)) {
        CHECK(evq_pop(&q, &a));
        CHECK_INT_EQ(a.t_us, b.t_us);
        CHECK_INT_EQ(a.seq, b.seq);
    }
    CHECK(!evq_pop(&q, &a));
    evq_cleanup(&q);
    heap_cleanup(&h);
}

static void run_against_heap(int64_t bucket_us, size_t n_buckets, uint64_t seed) {
    run_against_heap_(bucket_us, n_buckets, seed, false);
}

static void test_matches_heap_small_buckets(void) { run_against_heap(1000, 4096, 1); }
/* Peeks between pushes: the calendar steps back for an earlier entry. */
static void test_peeks_small_buckets(void) { run_against_heap_(1000, 4096, 8, true); }
static void test_peeks_few_buckets(void) { run_against_heap_(1000, 8, 9, true); }

/* A peek that jumped to a far entry, then an entry long before it. */
static void test_peek_far_then_near(void) {
    evq q;
    evq_init(&q, 1000, 16);
    evq_push(&q, 5000000000LL, 1, NULL, 1);
    evq_push(&q, 5000000500LL, 2, NULL, 2);
    evq_push(&q, 5000009000LL, 3, NULL, 3); /* within the horizon after the jump */
    CHECK_INT_EQ(evq_peek(&q)->aux, 1);
    evq_push(&q, 10, 4, NULL, 4);            /* the calendar steps back 5e9 us */
    evq_push_many(&q, (heap_entry[]){{20, 6, NULL, 6}, {15, 5, NULL, 5}}, 2);
    const uint64_t order[] = {4, 5, 6, 1, 2, 3};
    heap_entry e;
    for (int i = 0; i < 6; i++) {
        CHECK(evq_pop(&q, &e));
        CHECK_INT_EQ(e.aux, order[i]);
    }
    CHECK(!evq_pop(&q, &e));
    evq_cleanup(&q);
}
static void test_matches_heap_one_bucket(void) { run_against_heap(1, 1, 2); }
static void test_matches_heap_wide_buckets(void) { run_against_heap(1000000, 8, 3); }

static void test_empty_and_far_jump(void) {
    evq q;
    evq_init(&q, 1000, 16);
    heap_entry e;
    CHECK(!evq_pop(&q, &e));
    evq_push(&q, 5000000000LL, 2, NULL, 7); /* far beyond the horizon */
    evq_push(&q, 5000000000LL, 3, NULL, 8); /* a tie: the larger key, popped second */
    evq_push(&q, 10, 1, NULL, 6);
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 6);
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.t_us, 5000000000LL);
    CHECK_INT_EQ(e.aux, 7);
    evq_push(&q, 5000000000LL, 4, NULL, 9); /* at "now" after the jump */
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 8);
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 9);
    CHECK_INT_EQ(evq_len(&q), 0);
    evq_cleanup(&q);
}

/* Ties go by the key, not by the order of the pushes: near (sorted run),
 * in the bucket being popped (late heap) and far. */
static void test_ties_by_key(void) {
    evq q;
    evq_init(&q, 1000, 16);
    evq_push(&q, 500, 9, NULL, 1);
    evq_push(&q, 500, 4, NULL, 2);
    evq_push(&q, 9000000000LL, 7, NULL, 3);
    evq_push(&q, 9000000000LL, 5, NULL, 4);
    heap_entry e;
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 2);
    evq_push(&q, 500, 6, NULL, 5); /* into the bucket being popped */
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 5);
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 1);
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 4);
    CHECK(evq_pop(&q, &e));
    CHECK_INT_EQ(e.aux, 3);
    evq_cleanup(&q);
}

/* Bursts: hundreds to thousands of entries in one bucket's span (the
 * counting sort's path, and arrays larger than a bucket keeps, which go to
 * the spares), many of them at the very same time or at the span's edges,
 * while earlier bursts are being popped. */
static void run_bursts(int64_t bucket_us, uint64_t seed, bool batched) {
    static heap_entry batch[3000];
    evq q;
    heap h;
    evq_init(&q, bucket_us, 64);
    heap_init(&h);
    rng r;
    rng_seed(&r, seed, 0);
    int64_t now = 0;
    for (int round = 0; round < 60; round++) {
        int64_t base = now + (int64_t)rng_below(&r, 40) * bucket_us;
        size_t burst = 1 + (size_t)rng_below(&r, 3000);
        for (size_t i = 0; i < burst; i++) {
            int64_t t;
            switch (rng_below(&r, 4)) {
            case 0: t = base; break;                      /* a tie at the start */
            case 1: t = base + bucket_us - 1; break;      /* the last instant */
            case 2: t = base + (int64_t)rng_below(&r, 5); break;
            default: t = base + (int64_t)rng_below(&r, (uint64_t)bucket_us); break;
            }
            if (t < now) t = now;
            if (batched) batch[i] = (heap_entry){t, h.next_seq, NULL, (uint64_t)i};
            else evq_push(&q, t, h.next_seq, NULL, (uint64_t)i);
            heap_push(&h, t, NULL, (uint64_t)i);
        }
        if (batched) {
            /* A peek first sorts the current bucket (as a lane's does
             * before the window's messages from other partitions come),
             * then the batch in an order that is not the pop order. */
            evq_peek(&q);
            for (size_t i = burst; i > 1; i--) {
                size_t j = (size_t)rng_below(&r, i);
                heap_entry x = batch[i - 1];
                batch[i - 1] = batch[j];
                batch[j] = x;
            }
            evq_push_many(&q, batch, burst);
        }
        size_t pops = (size_t)rng_below(&r, 4000);
        for (size_t i = 0; i < pops; i++) {
            heap_entry a, b;
            bool got_q = evq_pop(&q, &a), got_h = heap_pop(&h, &b);
            CHECK_INT_EQ(got_q, got_h);
            if (!got_h) break;
            CHECK_INT_EQ(a.t_us, b.t_us);
            CHECK_INT_EQ(a.seq, b.seq);
            CHECK_INT_EQ(a.aux, b.aux);
            now = a.t_us;
            if (i % 7 == 0) { /* into the bucket being popped: the late heap */
                int64_t t = now + (int64_t)rng_below(&r, 3);
                if (batched) evq_push_many(&q, &(heap_entry){t, h.next_seq, NULL, 99}, 1);
                else evq_push(&q, t, h.next_seq, NULL, 99);
                heap_push(&h, t, NULL, 99);
            }
        }
    }
    heap_entry a, b;
    while (heap_pop(&h, &b)) {
        CHECK(evq_pop(&q, &a));
        CHECK_INT_EQ(a.t_us, b.t_us);
        CHECK_INT_EQ(a.seq, b.seq);
    }
    CHECK(!evq_pop(&q, &a));
    evq_cleanup(&q);
    heap_cleanup(&h);
}

static void test_bursts_4000(void) { run_bursts(4000, 4, false); }
static void test_bursts_narrow(void) { run_bursts(7, 5, false); }
/* evq_push_many: the same pops as one push at a time. */
static void test_batches_4000(void) { run_bursts(4000, 6, true); }
static void test_batches_narrow(void) { run_bursts(7, 7, true); }

static const test_case cases[] = {
    TEST(test_matches_heap_small_buckets),
    TEST(test_ties_by_key),
    TEST(test_peeks_small_buckets),
    TEST(test_peeks_few_buckets),
    TEST(test_peek_far_then_near),
    TEST(test_matches_heap_one_bucket),
    TEST(test_matches_heap_wide_buckets),
    TEST(test_empty_and_far_jump),
    TEST(test_bursts_4000),
    TEST(test_bursts_narrow),
    TEST(test_batches_4000),
    TEST(test_batches_narrow),
    {0},
};

TEST_MAIN(cases)
