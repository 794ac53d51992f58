/* test_util.c - src/util: rng, heap, hmap, ptrset, buf, hex, jpath, jsonw,
 * hist.
 *
 * Known answers where a reference exists (xoshiro256** from state {1,2,3,4},
 * hex of fixed bytes), tiny exhaustive cases where the structure has corner
 * cases (every deletion order of a wrapped collision cluster in the hash
 * map), and statistical bounds wide enough to be deterministic with a fixed
 * seed but narrow enough to catch a wrong distribution. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/heap.h"
#include "util/hex.h"
#include "util/hist.h"
#include "util/hmap.h"
#include "util/jpath.h"
#include "util/jsonw.h"
#include "util/rng.h"

/* ---- rng ---- */

static void test_rng_xoshiro_known_answer(void) {
    /* Reference outputs of xoshiro256** (Blackman & Vigna) from s = {1,2,3,4}. */
    rng r = {{1, 2, 3, 4}};
    CHECK_INT_EQ(rng_u64(&r), 11520);
    CHECK_INT_EQ(rng_u64(&r), 0);
    CHECK_INT_EQ(rng_u64(&r), 1509978240);
    CHECK_INT_EQ(rng_u64(&r), 1215971899390074240LL);
}

static void test_rng_deterministic(void) {
    rng a, b, other_stream, other_seed;
    rng_seed(&a, 42, 7);
    rng_seed(&b, 42, 7);
    rng_seed(&other_stream, 42, 8);
    rng_seed(&other_seed, 43, 7);
    int same_stream = 0, same_seed = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_u64(&a);
        CHECK(x == rng_u64(&b));
        same_stream += x == rng_u64(&other_stream);
        same_seed += x == rng_u64(&other_seed);
    }
    CHECK_INT_EQ(same_stream, 0);
    CHECK_INT_EQ(same_seed, 0);
}

static void test_rng_unit_range(void) {
    rng r;
    rng_seed(&r, 1, 0);
    double lo = 1, hi = 0, sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = rng_unit(&r);
        CHECK(u >= 0.0 && u < 1.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    CHECK(lo < 0.001);
    CHECK(hi > 0.999);
    CHECK_DBL_NEAR(sum / 100000, 0.5, 0.005);
}

static void test_rng_below_uniform(void) {
    rng r;
    rng_seed(&r, 2, 0);
    int counts[6] = {0};
    for (int i = 0; i < 60000; i++) {
        uint64_t x = rng_below(&r, 6);
        CHECK(x < 6);
        counts[x]++;
    }
    /* Each bucket expects 10000, sd ~91: +-500 is over 5 sd. */
    for (int k = 0; k < 6; k++) CHECK(counts[k] > 9500 && counts[k] < 10500);
    for (int i = 0; i < 100; i++) CHECK_INT_EQ(rng_below(&r, 1), 0);
    /* n just above 2^63: half of all u64 values are rejected. */
    uint64_t big = ((uint64_t)1 << 63) + 1;
    for (int i = 0; i < 1000; i++) CHECK(rng_below(&r, big) < big);
}

static void test_rng_exp_and_pareto(void) {
    rng r;
    rng_seed(&r, 3, 0);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double x = rng_exp(&r, 2.0);
        CHECK(x >= 0 && isfinite(x));
        sum += x;
    }
    CHECK_DBL_NEAR(sum / 100000, 2.0, 0.05);
    /* Pareto(alpha=2, xm=3): never below xm, median xm * 2^(1/alpha). */
    int below_median = 0;
    double median = 3.0 * sqrt(2.0);
    for (int i = 0; i < 100000; i++) {
        double x = rng_pareto(&r, 2.0, 3.0);
        CHECK(x >= 3.0);
        below_median += x < median;
    }
    CHECK(below_median > 49000 && below_median < 51000);
}

/* ---- heap ---- */

/* rng_pareto_inv is rng_pareto given 1 / alpha, bit for bit. */
static void test_rng_pareto_inv_same_draw(void) {
    rng a, b;
    rng_seed(&a, 9, 1);
    rng_seed(&b, 9, 1);
    const double shapes[] = {1.0002, 1.04, 6.4, 80.0};
    for (int i = 0; i < 4000; i++) {
        double alpha = shapes[i % 4], xm = 27000.0 + i;
        double x = rng_pareto(&a, alpha, xm), y = rng_pareto_inv(&b, 1.0 / alpha, xm);
        CHECK(x == y);
        CHECK(x >= xm);
    }
}

static void test_heap_order_and_ties(void) {
    heap h;
    heap_init(&h);
    heap_entry e;
    CHECK(!heap_pop(&h, &e));
    CHECK(heap_peek(&h) == NULL);
    char items[] = "abcde";
    heap_push(&h, 5, &items[0], 0);
    heap_push(&h, 3, &items[1], 1);
    heap_push(&h, 5, &items[2], 2);
    heap_push(&h, 3, &items[3], 3);
    heap_push(&h, 1, &items[4], 4);
    CHECK_INT_EQ(heap_len(&h), 5);
    CHECK(heap_peek(&h)->item == &items[4]);
    const char *expected = "ebdac";
    for (int i = 0; i < 5; i++) {
        CHECK(heap_pop(&h, &e));
        CHECK_INT_EQ(*(char *)e.item, expected[i]);
    }
    CHECK(!heap_pop(&h, &e));
    heap_cleanup(&h);
}

static void test_heap_random_ties_by_insertion(void) {
    heap h;
    heap_init(&h);
    rng r;
    rng_seed(&r, 4, 0);
    enum { N = 5000 };
    /* Few distinct times, so most entries tie; aux = insertion number. */
    uint64_t pushes = 0;
    for (int i = 0; i < N; i++) {
        heap_push(&h, (int64_t)rng_below(&r, 20) - 10, NULL, pushes++);
        if (i % 7 == 0) { /* interleave pops so sifting is exercised mid-way */
            heap_entry e;
            CHECK(heap_pop(&h, &e));
            heap_push(&h, e.t_us, NULL, pushes++); /* re-inserted: after all so far */
        }
    }
    heap_entry prev, e;
    CHECK(heap_pop(&h, &prev));
    size_t popped = 1;
    while (heap_pop(&h, &e)) {
        CHECK(prev.t_us < e.t_us || (prev.t_us == e.t_us && prev.seq < e.seq));
        /* Among equal times, insertion order: aux grows with seq. */
        if (prev.t_us == e.t_us) CHECK(prev.aux < e.aux);
        prev = e;
        popped++;
    }
    CHECK_INT_EQ(popped, N);
    heap_cleanup(&h);
}

/* ---- hmap ---- */

/* Every entry must be reachable from its home slot without crossing an empty
 * slot (what backward-shift deletion preserves), and len must match. */
static int hmap_invariant_ok(const hmap *m) {
    if (!m->slots) return m->cap == 0 && m->len <= HMAP_SMALL;
    size_t used = 0, mask = m->cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].hash == 0) continue;
        used++;
        for (size_t j = m->slots[i].hash & mask; j != i; j = (j + 1) & mask)
            if (m->slots[j].hash == 0) return 0;
    }
    return used == m->len;
}

static void test_hmap_basic(void) {
    hmap m;
    hmap_init(&m);
    CHECK(hmap_get(&m, "a", 1) == NULL);
    CHECK(hmap_del(&m, "a", 1) == NULL);
    int v1 = 1, v2 = 2, v3 = 3;
    CHECK(hmap_put(&m, "alpha", 5, &v1) == NULL);
    CHECK(hmap_put(&m, "beta", 4, &v2) == NULL);
    CHECK(hmap_get(&m, "alpha", 5) == &v1);
    CHECK(hmap_get(&m, "alph", 4) == NULL); /* a prefix is another key */
    CHECK(hmap_put(&m, "alpha", 5, &v3) == &v1);
    CHECK(hmap_get(&m, "alpha", 5) == &v3);
    CHECK_INT_EQ(hmap_len(&m), 2);
    CHECK(hmap_del(&m, "alpha", 5) == &v3);
    CHECK(hmap_get(&m, "alpha", 5) == NULL);
    CHECK_INT_EQ(hmap_len(&m), 1);
    hmap_cleanup(&m);
}

static void test_hmap_grow_many(void) {
    hmap m;
    hmap_init(&m);
    enum { N = 3000 };
    static char keys[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        CHECK(hmap_put(&m, keys[i], strlen(keys[i]), keys[i]) == NULL);
    }
    CHECK_INT_EQ(hmap_len(&m), N);
    CHECK(m.cap >= 2 * N);
    for (int i = 0; i < N; i += 2) CHECK(hmap_del(&m, keys[i], strlen(keys[i])) == keys[i]);
    CHECK(hmap_invariant_ok(&m));
    for (int i = 0; i < N; i++) {
        void *want = i % 2 ? keys[i] : NULL;
        CHECK(hmap_get(&m, keys[i], strlen(keys[i])) == want);
    }
    size_t seen = 0;
    const hmap_slot *s;
    for (size_t pos = 0; hmap_next(&m, &pos, &s);) seen++;
    CHECK_INT_EQ(seen, N / 2);
    hmap_cleanup(&m);
}

/* Five keys whose homes (in a 16-slot table) are 14, 14, 14, 15, 0: they fill
 * slots 14, 15, 0, 1, 2, wrapping around the end. Every one of the 120
 * deletion orders must leave the others findable and the chains intact. */
static void test_hmap_backward_shift_all_orders(void) {
    static char pool[400][16];
    const char *keys[5];
    int want_home[5] = {14, 14, 14, 15, 0}, found = 0;
    bool used[400] = {false};
    for (int k = 0; k < 5; k++) {
        for (int i = 0; i < 400; i++) {
            snprintf(pool[i], sizeof pool[i], "c%d", i);
            if (!used[i] && (hmap_hash(pool[i], strlen(pool[i])) & 15) == (uint64_t)want_home[k]) {
                used[i] = true;
                keys[k] = pool[i];
                found++;
                break;
            }
        }
    }
    CHECK_INT_EQ(found, 5);
    int perm[5] = {0, 1, 2, 3, 4};
    for (int n = 0; n < 120; n++) {
        /* n-th permutation via the factorial number system */
        int avail[5] = {0, 1, 2, 3, 4}, left = 5, x = n;
        for (int i = 0; i < 5; i++) {
            int f = 1;
            for (int j = 2; j < left; j++) f *= j;
            int pick = x / f;
            x %= f;
            perm[i] = avail[pick];
            for (int j = pick; j < left - 1; j++) avail[j] = avail[j + 1];
            left--;
        }
        hmap m;
        hmap_init(&m);
        for (int k = 0; k < 5; k++) hmap_put(&m, keys[k], strlen(keys[k]), (void *)keys[k]);
        CHECK_INT_EQ(m.cap, 16);
        CHECK(m.slots[14].hash && m.slots[15].hash && m.slots[0].hash && m.slots[1].hash &&
              m.slots[2].hash);
        bool gone[5] = {false};
        for (int d = 0; d < 5; d++) {
            const char *k = keys[perm[d]];
            CHECK(hmap_del(&m, k, strlen(k)) == k);
            gone[perm[d]] = true;
            CHECK(hmap_invariant_ok(&m));
            for (int j = 0; j < 5; j++) {
                void *want = gone[j] ? NULL : (void *)keys[j];
                CHECK(hmap_get(&m, keys[j], strlen(keys[j])) == want);
            }
        }
        CHECK_INT_EQ(hmap_len(&m), 0);
        hmap_cleanup(&m);
    }
}

/* Two entries live in the struct; the third makes the table, which keeps
 * them all; replacing, deleting and iterating work the same in both. */
static void test_hmap_small_then_table(void) {
    hmap m;
    hmap_init(&m);
    int v[4] = {0, 1, 2, 3};
    CHECK(hmap_put(&m, "one", 3, &v[1]) == NULL);
    CHECK(hmap_put(&m, "two", 3, &v[2]) == NULL);
    CHECK(m.slots == NULL && m.cap == 0);
    CHECK(hmap_put(&m, "one", 3, &v[0]) == &v[1]); /* replaced, still small */
    CHECK(m.slots == NULL);
    CHECK(hmap_get(&m, "one", 3) == &v[0]);
    CHECK(hmap_get(&m, "two", 3) == &v[2]);
    CHECK(hmap_get(&m, "three", 5) == NULL);
    CHECK(hmap_get(&m, "on", 2) == NULL);
    size_t seen = 0, pos = 0;
    const hmap_slot *sl;
    int sum = 0;
    while (hmap_next(&m, &pos, &sl)) {
        seen++;
        sum += *(int *)sl->val;
    }
    CHECK_INT_EQ(seen, 2);
    CHECK_INT_EQ(sum, 0 + 2);
    /* Deleting the first moves the last into its place. */
    CHECK(hmap_del(&m, "one", 3) == &v[0]);
    CHECK(hmap_del(&m, "one", 3) == NULL);
    CHECK_INT_EQ(hmap_len(&m), 1);
    CHECK(hmap_get(&m, "two", 3) == &v[2]);
    CHECK(hmap_put(&m, "one", 3, &v[1]) == NULL);
    CHECK(hmap_put(&m, "three", 5, &v[3]) == NULL); /* the third: a table */
    CHECK(m.slots != NULL && m.cap == 16);
    CHECK(hmap_invariant_ok(&m));
    CHECK_INT_EQ(hmap_len(&m), 3);
    CHECK(hmap_get(&m, "one", 3) == &v[1]);
    CHECK(hmap_get(&m, "two", 3) == &v[2]);
    CHECK(hmap_get(&m, "three", 5) == &v[3]);
    pos = 0;
    seen = 0;
    while (hmap_next(&m, &pos, &sl)) seen++;
    CHECK_INT_EQ(seen, 3);
    CHECK(hmap_del(&m, "one", 3) == &v[1]);
    CHECK(hmap_del(&m, "two", 3) == &v[2]);
    CHECK(hmap_del(&m, "three", 5) == &v[3]);
    CHECK_INT_EQ(hmap_len(&m), 0);
    CHECK(hmap_get(&m, "two", 3) == NULL);
    CHECK(m.slots != NULL); /* the table stays */
    CHECK(hmap_put(&m, "two", 3, &v[2]) == NULL);
    CHECK(hmap_get(&m, "two", 3) == &v[2]);
    hmap_cleanup(&m);
    CHECK(m.slots == NULL && hmap_len(&m) == 0);
}

/* A replacing put hands the entry the new key's memory (the old key may go
 * with the old value): small and in a table. */
static void test_hmap_replace_takes_new_key(void) {
    for (int table = 0; table < 2; table++) {
        hmap m;
        hmap_init(&m);
        int v1 = 1, v2 = 2;
        const char *fill[3] = {"f0", "f1", "f2"};
        for (int i = 0; table && i < 3; i++) hmap_put(&m, fill[i], 2, &v1);
        char old_key[4] = "dup", new_key[4] = "dup";
        CHECK(hmap_put(&m, old_key, 3, &v1) == NULL);
        CHECK(hmap_put(&m, new_key, 3, &v2) == &v1);
        memcpy(old_key, "xxx", 3); /* freed with the old value, say */
        CHECK(hmap_get(&m, "dup", 3) == &v2);
        CHECK_INT_EQ(m.slots != NULL, table);
        hmap_cleanup(&m);
    }
}

/* Known answers from an independent implementation (Python) of the
 * documented hash: len * K, then per little-endian word (the tail zero-
 * padded) h = (h ^ w) * K, K = 0x9e3779b97f4a7c15, then fmix64, 0 -> 1. */
static void test_hmap_hash_known_answer(void) {
    CHECK(hmap_hash("", 0) == 1);
    CHECK(hmap_hash("a", 1) == 0x47d1e6b392f8636dULL);
    CHECK(hmap_hash("alpha", 5) == 0xe394b89d13b2e0ccULL);
    CHECK(hmap_hash("12345678", 8) == 0x0541f3e034c6c43bULL);
    CHECK(hmap_hash("tx-0000000001", 13) == 0x85a7ff83f1cc2451ULL);
    CHECK(hmap_hash("0123456789abcdef0123456789abcdef", 32) == 0xcf0371e36c91e360ULL);
}

/* Pointers as keys (8 bytes, 64 apart like heap objects) must spread over
 * a table's homes: the identity would put 4096 of them on 1024 homes of a
 * 65536-slot table, a good hash on ~3970. */
static void test_hmap_hash_spreads_pointers(void) {
    static unsigned char seen[65536];
    int distinct = 0;
    for (uint64_t i = 0; i < 4096; i++) {
        uint64_t p = 0x7f0000001000ULL + 64 * i;
        size_t home = hmap_hash(&p, sizeof p) & 0xffff;
        distinct += !seen[home];
        seen[home] = 1;
    }
    CHECK(distinct > 3900);
}

/* The only two 8-byte keys that share a hash (the fold of 0 to 1, found by
 * inverting the hash in Python): the map compares them by content. */
static void test_hmap_hash_fold_pair(void) {
    static const unsigned char k0[8] = {0xa8, 0xe0, 0x53, 0xfa, 0xcb, 0xcd, 0xbb, 0xf1};
    static const unsigned char k1[8] = {0x98, 0xe2, 0xb2, 0x80, 0x60, 0x37, 0x4a, 0x8c};
    CHECK(hmap_hash(k0, 8) == 1);
    CHECK(hmap_hash(k1, 8) == 1);
    hmap m;
    hmap_init(&m);
    int v0 = 0, v1 = 1;
    CHECK(hmap_put(&m, k0, 8, &v0) == NULL);
    CHECK(hmap_get(&m, k1, 8) == NULL);
    CHECK(hmap_put(&m, k1, 8, &v1) == NULL);
    CHECK_INT_EQ(hmap_len(&m), 2);
    CHECK(hmap_get(&m, k0, 8) == &v0);
    CHECK(hmap_get(&m, k1, 8) == &v1);
    CHECK(hmap_del(&m, k0, 8) == &v0);
    CHECK(hmap_get(&m, k0, 8) == NULL);
    CHECK(hmap_get(&m, k1, 8) == &v1);
    /* The same in a table (past the entries held inline). */
    uint64_t others[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++) CHECK(hmap_put(&m, &others[i], 8, &others[i]) == NULL);
    CHECK(m.slots != NULL);
    CHECK(hmap_get(&m, k0, 8) == NULL);
    CHECK(hmap_put(&m, k0, 8, &v0) == NULL);
    CHECK(hmap_get(&m, k0, 8) == &v0);
    CHECK(hmap_get(&m, k1, 8) == &v1);
    CHECK(hmap_del(&m, k1, 8) == &v1);
    CHECK(hmap_get(&m, k0, 8) == &v0);
    CHECK(hmap_get(&m, k1, 8) == NULL);
    CHECK(hmap_invariant_ok(&m));
    hmap_cleanup(&m);
}

/* 8-byte keys are matched by hash alone: equal contents at different
 * addresses are the same key, different contents are not. */
static void test_hmap_word_keys(void) {
    hmap m;
    hmap_init(&m);
    uint64_t keys[200], probe;
    for (int i = 0; i < 200; i++) {
        keys[i] = 0x7f0000001000ULL + 48 * (uint64_t)i;
        CHECK(hmap_put(&m, &keys[i], sizeof keys[i], &keys[i]) == NULL);
    }
    for (int i = 0; i < 200; i++) {
        probe = keys[i]; /* another address, same bytes */
        CHECK(hmap_get(&m, &probe, sizeof probe) == &keys[i]);
        probe = keys[i] + 8; /* between two keys */
        CHECK(hmap_get(&m, &probe, sizeof probe) == NULL);
    }
    CHECK(hmap_invariant_ok(&m));
    hmap_cleanup(&m);
}

/* ---- ptrset ---- */

static void test_ptrset(void) {
    ptrset s;
    ptrset_init(&s);
    static char objs[2000];
    CHECK(!ptrset_has(&s, &objs[0]));
    CHECK(!ptrset_del(&s, &objs[0]));
    for (int i = 0; i < 2000; i++) CHECK(ptrset_add(&s, &objs[i]));
    CHECK(!ptrset_add(&s, &objs[5]));
    CHECK_INT_EQ(ptrset_len(&s), 2000);
    for (int i = 0; i < 2000; i += 3) CHECK(ptrset_del(&s, &objs[i]));
    CHECK(!ptrset_del(&s, &objs[0]));
    for (int i = 0; i < 2000; i++) CHECK_INT_EQ(ptrset_has(&s, &objs[i]), i % 3 != 0);
    CHECK_INT_EQ(ptrset_len(&s), 2000 - 667);
    for (int i = 0; i < 2000; i += 3) CHECK(ptrset_add(&s, &objs[i]));
    for (int i = 0; i < 2000; i++) CHECK(ptrset_has(&s, &objs[i]));
    ptrset_cleanup(&s);
}

/* ---- buf ---- */

static void test_buf(void) {
    buf b;
    buf_init(&b);
    size_t len = 99;
    char *empty = buf_detach(&b, &len);
    CHECK_STR_EQ(empty, "");
    CHECK_INT_EQ(len, 0);
    free(empty);

    buf_puts(&b, "ab");
    buf_putc(&b, 'c');
    buf_append(&b, "d\0e", 3);
    CHECK_INT_EQ(b.len, 6);
    CHECK_MEM_EQ(b.data, b.len, "abcd\0e", 6);
    CHECK_INT_EQ(b.data[6], '\0');
    buf_printf(&b, "-%d-%s", 42, "x");
    CHECK_MEM_EQ(b.data + 6, b.len - 6, "-42-x", 5);
    buf_reset(&b);
    CHECK_INT_EQ(b.len, 0);
    CHECK_STR_EQ(b.data, "");
    buf_puts_markup(&b, "a<b & \"c\" 'd'> \xc3\xa9");
    CHECK_STR_EQ(b.data, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt; \xc3\xa9");
    buf_reset(&b);
    for (int i = 0; i < 5000; i++) buf_printf(&b, "%d,", i % 10);
    CHECK_INT_EQ(b.len, 10000);
    CHECK_INT_EQ(b.data[9998], '9');
    CHECK_INT_EQ(b.data[10000], '\0');
    char *p = buf_detach(&b, &len);
    CHECK_INT_EQ(len, 10000);
    CHECK(b.data == NULL && b.len == 0);
    free(p);
    buf_cleanup(&b);
}

/* ---- hex ---- */

static void test_hex(void) {
    const uint8_t bytes[4] = {0x00, 0xab, 0xff, 0x10};
    char out[9];
    hex_encode(out, bytes, 4);
    CHECK_STR_EQ(out, "00abff10");
    uint8_t back[4];
    CHECK(hex_decode(back, 4, "00ABff10"));
    CHECK_MEM_EQ(back, 4, bytes, 4);
    CHECK(!hex_decode(back, 4, "00abff1"));   /* short */
    CHECK(!hex_decode(back, 4, "00abff100")); /* long */
    CHECK(!hex_decode(back, 4, "00abfg10"));  /* not hex */
    CHECK(!hex_decode(back, 4, "0 abff10"));
    hex_encode(out, bytes, 0);
    CHECK_STR_EQ(out, "");
}

/* JSON paths for messages: identifiers join with '.', others are quoted,
 * control bytes and quotes become \xNN, long strings and paths are cut. */
static void test_jpath(void) {
    char p[JPATH_MAX], q[JPATH_QUOTE_BUF];
    jpath_key(p, "$", "chain");
    CHECK_STR_EQ(p, "$.chain");
    jpath_key(p, "$.chain.genesis.balances", "with space");
    CHECK_STR_EQ(p, "$.chain.genesis.balances[\"with space\"]");
    jpath_key(p, "$.sweep.vary", "chain.block_bytes");
    CHECK_STR_EQ(p, "$.sweep.vary[\"chain.block_bytes\"]");
    jpath_key(p, "$", "9lives");
    CHECK_STR_EQ(p, "$[\"9lives\"]");
    jpath_idx(p, "$.events", 3);
    CHECK_STR_EQ(p, "$.events[3]");
    CHECK_STR_EQ(jpath_quote(q, sizeof q, "a\"b\\c\nd"), "a\\x22b\\x5cc\\x0ad");
    char long_name[100];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    jpath_quote(q, sizeof q, long_name);
    CHECK_INT_EQ(strlen(q), JPATH_QUOTE_MAX + 3);
    CHECK_STR_EQ(q + JPATH_QUOTE_MAX, "...");
    char parent[400];
    memset(parent, 'p', sizeof parent - 1);
    parent[sizeof parent - 1] = '\0';
    jpath_idx(p, parent, 1);
    CHECK_INT_EQ(strlen(p), JPATH_MAX - 1);
    CHECK_STR_EQ(p + JPATH_MAX - 4, "...");
}

/* A located message is "file: jpath: text", cut to the buffer. */
static void message_into(char *out, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    jpath_vmessage(out, len, "x.json", "$.chain.difficulty", fmt, ap);
    va_end(ap);
}

static void test_jpath_message(void) {
    char m[64] = "untouched", tiny[12];
    message_into(m, sizeof m, "expected an integer in %d..%d", 1, 64);
    CHECK_STR_EQ(m, "x.json: $.chain.difficulty: expected an integer in 1..64");
    message_into(tiny, sizeof tiny, "%s", "long");
    CHECK_STR_EQ(tiny, "x.json: $.c");
    message_into(NULL, 0, "%s", "nowhere"); /* no buffer: nothing written, no crash */
}

/* A whole file: its bytes and a NUL after them; the errno of what failed,
 * and EFBIG one byte past the limit (then nothing is handed out). */
static void test_file_read_all(void) {
    char path[] = "/tmp/chainsim_test_file_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static const char data[] = "{\"a\": 1}\0tail";
    CHECK_INT_EQ(write(fd, data, sizeof data - 1), (long)(sizeof data - 1));
    close(fd);
    char *text = NULL;
    size_t len = 7;
    CHECK_INT_EQ(file_read_all(path, sizeof data - 1, &text, &len), 0);
    CHECK_MEM_EQ(text, len, data, sizeof data - 1);
    CHECK_INT_EQ(text[len], '\0');
    free(text);
    CHECK_INT_EQ(file_read_all(path, sizeof data - 2, &text, &len), EFBIG);
    CHECK(text == NULL);
    CHECK_INT_EQ(len, 0);
    unlink(path);
    CHECK_INT_EQ(file_read_all(path, 100, &text, &len), ENOENT);
    CHECK_INT_EQ(file_read_all("/tmp", 100, &text, &len), EISDIR);
    CHECK(text == NULL);
}

/* The writer's layout, known in advance: ", " and ": ", nesting, every kind
 * of value, and text after what was already in the buffer. */
static void test_jsonw_layout(void) {
    buf b;
    buf_init(&b);
    buf_puts(&b, "> ");
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "t_us", -1500000);
    jsonw_kuint(&w, "max", UINT64_MAX);
    jsonw_key(&w, "list");
    jsonw_arr_begin(&w);
    jsonw_int(&w, 1);
    jsonw_str(&w, "x");
    jsonw_bool(&w, false);
    jsonw_null(&w);
    jsonw_obj_begin(&w);
    jsonw_obj_end(&w);
    jsonw_arr_begin(&w);
    jsonw_arr_end(&w);
    jsonw_arr_end(&w);
    jsonw_key(&w, "fixed");
    jsonw_fixed(&w, 2.5, 3);
    jsonw_key(&w, "ppm");
    jsonw_fixed(&w, 0.25 * 1e6, 0);
    jsonw_key(&w, "nan");
    jsonw_fixed(&w, NAN, 2);
    jsonw_key(&w, "raw");
    jsonw_raw(&w, "{\"k\": [1]}");
    jsonw_kbool(&w, "last", true);
    jsonw_obj_end(&w);
    CHECK_INT_EQ(w.depth, 0);
    CHECK_STR_EQ(b.data, "> {\"t_us\": -1500000, \"max\": 18446744073709551615, "
                         "\"list\": [1, \"x\", false, null, {}, []], \"fixed\": 2.500, "
                         "\"ppm\": 250000, \"nan\": null, \"raw\": {\"k\": [1]}, \"last\": true}");
    buf_cleanup(&b);
}

/* The compact layout is cJSON_PrintUnformatted's, byte for byte (the HTTP
 * error replies), and values the caller appends itself (a block's wire
 * JSON) or gives with a length (a transaction's canonical bytes) take their
 * separators like any other value. */
static void test_jsonw_compact_and_raw(void) {
    buf b;
    buf_init(&b);
    jsonw w;
    jsonw_init_compact(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "error", "bad_node");
    jsonw_kstr(&w, "message", "http://a\\x01b: \"q\" caf\xc3\xa9 \x02");
    jsonw_obj_end(&w);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", "bad_node");
    cJSON_AddStringToObject(o, "message", "http://a\\x01b: \"q\" caf\xc3\xa9 \x02");
    char *want = cJSON_PrintUnformatted(o);
    CHECK_STR_EQ(b.data, want);
    cJSON_free(want);
    cJSON_Delete(o);

    buf_reset(&b);
    jsonw_init(&w, &b);
    jsonw_arr_begin(&w);
    jsonw_raw_n(&w, "{\"a\": 1}xyz", 8);
    jsonw_value_begin(&w);
    buf_puts(&b, "{\"b\": 2}");
    jsonw_int(&w, 3);
    jsonw_arr_end(&w);
    CHECK_STR_EQ(b.data, "[{\"a\": 1}, {\"b\": 2}, 3]");
    buf_cleanup(&b);
}

/* Every byte but NUL, alone and in a run: the writer escapes exactly as
 * cJSON does (so the two agree byte for byte), and cJSON reads back the
 * string that went in, keys included. */
static void test_jsonw_escapes_like_cjson(void) {
    char all[256];
    for (int i = 1; i < 256; i++) all[i - 1] = (char)i;
    all[255] = '\0';
    buf b;
    buf_init(&b);
    for (int i = 0; i <= 255; i++) {
        char one[2] = {all[i], '\0'};
        const char *s = i < 255 ? one : all;
        buf_reset(&b);
        jsonw_put_str(&b, s);
        cJSON *str = cJSON_CreateString(s);
        char *want = cJSON_PrintUnformatted(str);
        CHECK_STR_EQ(b.data, want);
        cJSON_free(want);
        cJSON_Delete(str);
    }
    buf_reset(&b);
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "a\"b\\c\n", "id \"q\" \\ \x01 caf\xc3\xa9");
    jsonw_obj_end(&w);
    CHECK_STR_EQ(b.data, "{\"a\\\"b\\\\c\\n\": \"id \\\"q\\\" \\\\ \\u0001 caf\xc3\xa9\"}");
    cJSON *back = cJSON_Parse(b.data);
    CHECK(back != NULL);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(back, "a\"b\\c\n");
    CHECK(cJSON_IsString(v));
    CHECK_STR_EQ(v->valuestring, "id \"q\" \\ \x01 caf\xc3\xa9");
    cJSON_Delete(back);
    buf_cleanup(&b);
}

/* ---- hist ---- */

/* Exact below 16; above, a quantile is the bound of its bucket: never
 * below the true value, at most 1/16 above, never above the maximum. */
static void test_hist_quantiles(void) {
    hist *h = calloc(1, sizeof *h);
    CHECK_INT_EQ(hist_quantile(h, 0.5), 0); /* empty */
    CHECK(hist_mean(h) == 0.0);
    for (int64_t v = 0; v < 10; v++) hist_add(h, v);
    CHECK_INT_EQ(hist_quantile(h, 0.5), 4);  /* the 5th of 0..9 */
    CHECK_INT_EQ(hist_quantile(h, 0.99), 9);
    CHECK_INT_EQ(hist_quantile(h, 1.0), 9);
    CHECK(hist_mean(h) == 4.5);
    hist_add(h, -5); /* counts as 0 */
    CHECK_INT_EQ(h->n, 11);
    CHECK_INT_EQ(h->sum, 45);

    /* 1..100000 once each: every percentile within 1/16 above the truth. */
    hist *big = calloc(1, sizeof *big);
    for (int64_t v = 1; v <= 100000; v++) hist_add(big, v);
    for (int p = 1; p <= 100; p++) {
        int64_t truth = (int64_t)p * 1000, got = hist_quantile(big, p / 100.0);
        if (got < truth || (double)got > (double)truth * (1 + 1.0 / HIST_SUB))
            CHECK_FAIL_("p%d: %" PRId64 " for %" PRId64, p, got, truth);
    }
    CHECK_INT_EQ(hist_quantile(big, 1.0), 100000); /* capped at the exact max */
    CHECK_INT_EQ(big->max, 100000);
    CHECK(hist_mean(big) == 50000.5);

    /* Merging two halves gives the whole. */
    hist *lo = calloc(1, sizeof *lo), *hi = calloc(1, sizeof *hi);
    for (int64_t v = 1; v <= 100000; v++) hist_add(v <= 50000 ? lo : hi, v);
    hist_merge(lo, hi);
    CHECK(memcmp(lo, big, sizeof *lo) == 0);

    /* A huge value lands in the top bucket; the max stays exact. */
    hist_add(hi, (int64_t)1 << 50);
    CHECK_INT_EQ(hi->max, (int64_t)1 << 50);
    CHECK_INT_EQ(hist_quantile(hi, 1.0), (int64_t)1 << 50);
    free(h);
    free(big);
    free(lo);
    free(hi);
}

static const test_case cases[] = {
    TEST(test_jpath),
    TEST(test_jpath_message),
    TEST(test_file_read_all),
    TEST(test_jsonw_layout),
    TEST(test_jsonw_escapes_like_cjson),
    TEST(test_jsonw_compact_and_raw),
    TEST(test_rng_xoshiro_known_answer),
    TEST(test_rng_deterministic),
    TEST(test_rng_unit_range),
    TEST(test_rng_below_uniform),
    TEST(test_rng_exp_and_pareto),
    TEST(test_rng_pareto_inv_same_draw),
    TEST(test_heap_order_and_ties),
    TEST(test_heap_random_ties_by_insertion),
    TEST(test_hmap_basic),
    TEST(test_hmap_grow_many),
    TEST(test_hmap_backward_shift_all_orders),
    TEST(test_hmap_small_then_table),
    TEST(test_hmap_replace_takes_new_key),
    TEST(test_hmap_hash_known_answer),
    TEST(test_hmap_hash_spreads_pointers),
    TEST(test_hmap_hash_fold_pair),
    TEST(test_hmap_word_keys),
    TEST(test_ptrset),
    TEST(test_buf),
    TEST(test_hex),
    TEST(test_hist_quantiles),
    {0},
};

TEST_MAIN(cases)
