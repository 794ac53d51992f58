/* test_pow.c - src/chain/pow.c: the prefix/suffix split, per-nonce hashes
 * against whole-block hashes (across digit carries), pow_meets at every bit,
 * and tiny exhaustive searches at difficulties 1..12 whose result must be the
 * first nonce that meets the difficulty, found independently with block_new.
 * Searches also run through both SHA-256 paths (SHA-NI tails where the CPU
 * has them, and the portable OpenSSL midstate), which must agree on every
 * nonce found and every count of tries, across digit carries and counts that
 * end inside a round of lanes. */
#include <stdint.h>

#include "chain/pow.h"
#include "check.h"
#include "util/rng.h"

#define PREV "0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8"

/* n ordinary transactions (plus a reward first if n > 0). */
static size_t make_txs(tx **txs, size_t n) {
    reject why;
    if (n == 0) return 0;
    txs[0] = tx_create("0", "miner-a", 50, "reward-3", 1000, &why);
    for (size_t i = 1; i < n; i++) {
        char id[32], to[32];
        snprintf(id, sizeof id, "tx-%zu", i);
        snprintf(to, sizeof to, "user-%zu", i * 7 % 5);
        txs[i] = tx_create("alice", to, (int64_t)i * 3, id, 900 + (int64_t)i, &why);
    }
    return n;
}

static void free_txs(tx **txs, size_t n) {
    for (size_t i = 0; i < n; i++) tx_unref(txs[i]);
}

static block_template tmpl_of(tx **txs, size_t n, int difficulty) {
    return (block_template){.index = 3, .prev_hash = PREV, .timestamp_ms = 123456,
                            .difficulty = difficulty, .miner = "miner-a",
                            .txs = txs, .n_txs = n};
}

/* The first nonce >= start whose block meets the difficulty, by building
 * whole blocks: independent of the midstate. */
static uint64_t first_nonce_by_block_new(const block_template *t, uint64_t start) {
    for (uint64_t n = start;; n++) {
        block *b = block_new(t->index, t->prev_hash, n, t->timestamp_ms, t->difficulty,
                             t->miner, t->txs, t->n_txs);
        bool ok = b->self_check == REJ_NONE;
        block_unref(b);
        if (ok) return n;
    }
}

static void test_meets_every_bit(void) {
    uint8_t h[SHA256_LEN] = {0};
    for (int d = 0; d <= 256; d++) CHECK(pow_meets(h, d));
    CHECK(!pow_meets(h, 257));
    CHECK(pow_meets(h, -1));
    for (int bit = 0; bit < 256; bit++) {
        memset(h, 0, sizeof h);
        h[bit / 8] = (uint8_t)(0x80 >> (bit % 8));
        for (int d = 0; d <= 256; d++)
            if (pow_meets(h, d) != (bit >= d)) CHECK_FAIL_("bit %d difficulty %d", bit, d);
    }
    /* Random hashes agree with sha256_leading_zero_bits. */
    rng r;
    rng_seed(&r, 9, 0);
    for (int i = 0; i < 2000; i++) {
        for (int j = 0; j < SHA256_LEN; j++) h[j] = (uint8_t)rng_u64(&r);
        int zeros = (int)rng_below(&r, 20);
        for (int j = 0; j < zeros; j++) h[j / 8] &= (uint8_t)~(0x80 >> (j % 8));
        int lzb = sha256_leading_zero_bits(h);
        for (int d = 0; d <= 24; d++) CHECK_INT_EQ(pow_meets(h, d), lzb >= d);
    }
}

static void test_split(void) {
    tx *txs[3];
    size_t n = make_txs(txs, 3);
    block_template t = tmpl_of(txs, n, 16);
    pow_job job;
    pow_job_init(&job, &t);
    CHECK_STR_EQ(job.prefix, "{\"difficulty\": 16, \"index\": 3, \"miner\": \"miner-a\", "
                             "\"previous_hash\": \"" PREV "\", \"proof\": ");
    const char *suffix_start = ", \"timestamp\": 123456, \"transactions\": [{\"amount\": 50, ";
    CHECK(strncmp(job.suffix, suffix_start, strlen(suffix_start)) == 0);
    CHECK_INT_EQ(job.prefix_len, strlen(job.prefix));
    CHECK_INT_EQ(job.suffix_len, strlen(job.suffix));
    block *b = block_new(3, PREV, 0, 123456, 16, "miner-a", txs, n);
    CHECK_INT_EQ(b->canon_len, job.prefix_len + 1 + job.suffix_len);
    CHECK(memcmp(b->canon, job.prefix, job.prefix_len) == 0);
    CHECK_STR_EQ(b->canon + job.prefix_len + 1, job.suffix);
    block_unref(b);
    pow_job_cleanup(&job);
    free_txs(txs, n);
}

static void test_hash_matches_block_across_carries(void) {
    tx *txs[2];
    size_t n = make_txs(txs, 2);
    block_template t = tmpl_of(txs, n, 16);
    pow_job job;
    pow_job_init(&job, &t);
    const uint64_t nonces[] = {0, 1, 9, 10, 99, 100, 999, 1000, 999999, 1000000,
                               ((uint64_t)1 << 53) - 1};
    for (size_t i = 0; i < sizeof nonces / sizeof nonces[0]; i++) {
        uint8_t h[SHA256_LEN];
        pow_job_hash(&job, nonces[i], h);
        block *b = block_new(3, PREV, nonces[i], 123456, 16, "miner-a", txs, n);
        if (memcmp(h, b->hash, SHA256_LEN) != 0) CHECK_FAIL_("nonce %llu", (unsigned long long)nonces[i]);
        block_unref(b);
    }
    pow_job_cleanup(&job);
    free_txs(txs, n);
}

/* Difficulty 1..12, nonces from 0: the search returns the first nonce that
 * meets the difficulty (checked against block_new) and a block whose
 * canonical bytes hash to its hash. */
static void test_search_difficulties_1_to_12(void) {
    tx *txs[2];
    size_t n = make_txs(txs, 2);
    for (int d = 1; d <= 12; d++) {
        block_template t = tmpl_of(txs, n, d);
        pow_job job;
        pow_job_init(&job, &t);
        uint64_t tries = 0;
        block *b = pow_job_search(&job, 0, (uint64_t)1 << 20, &tries);
        CHECK(b != NULL);
        uint64_t want = first_nonce_by_block_new(&t, 0);
        if (b->proof != want || tries != want + 1)
            CHECK_FAIL_("difficulty %d: proof %llu tries %llu, expected proof %llu", d,
                        (unsigned long long)b->proof, (unsigned long long)tries,
                        (unsigned long long)want);
        CHECK(pow_meets(b->hash, d));
        CHECK(sha256_leading_zero_bits(b->hash) >= d);
        CHECK_INT_EQ(b->self_check, REJ_NONE);
        uint8_t h[SHA256_LEN];
        sha256(h, b->canon, b->canon_len);
        CHECK(memcmp(h, b->hash, SHA256_LEN) == 0);
        CHECK_INT_EQ(b->difficulty, d);
        CHECK_INT_EQ(b->index, 3);
        CHECK_STR_EQ(b->miner, "miner-a");
        block_unref(b);
        pow_job_cleanup(&job);
    }
    free_txs(txs, n);
}

static void test_search_ten_txs_across_digit_carry(void) {
    tx *txs[11];
    size_t n = make_txs(txs, 11); /* the reward and 10 ordinary transactions */
    block_template t = tmpl_of(txs, n, 8);
    pow_job job;
    pow_job_init(&job, &t);
    /* Start just below 1000 so the odometer carries from 3 to 4 digits. */
    uint64_t start = 990, tries = 0;
    block *b = pow_job_search(&job, start, 100000, &tries);
    CHECK(b != NULL);
    uint64_t want = first_nonce_by_block_new(&t, start);
    CHECK_INT_EQ(b->proof, want);
    CHECK_INT_EQ(tries, want - start + 1);
    CHECK_INT_EQ(b->n_txs, 11);
    CHECK_INT_EQ(b->self_check, REJ_NONE);
    block_unref(b);
    pow_job_cleanup(&job);
    free_txs(txs, n);
}

static void test_search_count_too_small(void) {
    tx *txs[3];
    size_t n = make_txs(txs, 3);
    block_template t = tmpl_of(txs, n, 10);
    uint64_t want = first_nonce_by_block_new(&t, 5);
    CHECK(want > 5);
    pow_job job;
    pow_job_init(&job, &t);
    uint64_t tries = 7;
    CHECK(pow_job_search(&job, 5, want - 5, &tries) == NULL); /* stops one short */
    CHECK_INT_EQ(tries, want - 5);
    CHECK(pow_job_search(&job, 5, 0, &tries) == NULL);
    CHECK_INT_EQ(tries, 0);
    block *b = pow_job_search(&job, 5, want - 4, &tries);
    CHECK(b != NULL);
    CHECK_INT_EQ(tries, want - 4);
    block_unref(b);
    /* Difficulty 0: the first try succeeds. */
    block_template t0 = tmpl_of(txs, n, 0);
    pow_job job0;
    pow_job_init(&job0, &t0);
    b = pow_job_search(&job0, 42, 1, &tries);
    CHECK(b != NULL);
    CHECK_INT_EQ(tries, 1);
    CHECK_INT_EQ(b->proof, 42);
    block_unref(b);
    pow_job_cleanup(&job0);
    pow_job_cleanup(&job);
    free_txs(txs, n);
}

static void test_job_owns_its_inputs(void) {
    tx *txs[2];
    size_t n = make_txs(txs, 2);
    char miner[16] = "temp-miner", prev[8] = "abc";
    block_template t = {.index = 2, .prev_hash = prev, .timestamp_ms = 1, .difficulty = 4,
                        .miner = miner, .txs = txs, .n_txs = n};
    pow_job job;
    pow_job_init(&job, &t);
    CHECK_INT_EQ(atomic_load(&txs[1]->refs), 2);
    strcpy(miner, "XXXX");
    strcpy(prev, "YYY");
    free_txs(txs, n); /* the job keeps its own references */
    uint64_t tries;
    block *b = pow_job_search(&job, 0, 1 << 16, &tries);
    CHECK(b != NULL);
    CHECK_STR_EQ(b->miner, "temp-miner");
    CHECK_STR_EQ(b->prev_hash, "abc");
    CHECK_STR_EQ(b->txs[1]->id, "tx-1");
    pow_job_cleanup(&job);
    CHECK_INT_EQ(atomic_load(&b->txs[1]->refs), 1); /* only the block's now */
    block_unref(b);
}

/* The sha256_force_portable settings to run searches under: SHA-NI (if this
 * CPU has it), then portable. */
static int search_paths(bool portable[2]) {
    sha256_force_portable(false);
    int n = 0;
    if (sha256_accelerated())
        portable[n++] = false;
    else
        fprintf(stderr, "  (no SHA-NI on this CPU: portable path only)\n");
    portable[n++] = true;
    return n;
}

/* Starts around every digit carry from 1 to 16 digits (where the lanes of a
 * round hold nonces of different lengths, and "..96" + 4 carries into a new
 * digit) and near the 2^53 limit: at difficulty 4 the first nonce found,
 * through each path, is block_new's, and so is the count of tries. */
static void test_search_paths_across_carries(void) {
    tx *txs[2];
    size_t n = make_txs(txs, 2);
    block_template t = tmpl_of(txs, n, 4);
    pow_job job;
    pow_job_init(&job, &t);
    uint64_t starts[80];
    size_t n_starts = 0;
    uint64_t p10 = 10;
    for (int digits = 1; digits <= 15; digits++, p10 *= 10)
        for (uint64_t back = 1; back <= 5; back++) starts[n_starts++] = p10 - back;
    starts[n_starts++] = 0;
    starts[n_starts++] = ((uint64_t)1 << 53) - 200;
    bool portable[2];
    int n_paths = search_paths(portable);
    for (size_t i = 0; i < n_starts; i++) {
        uint64_t want = first_nonce_by_block_new(&t, starts[i]);
        for (int path = 0; path < n_paths; path++) {
            sha256_force_portable(portable[path]);
            uint64_t tries = 0;
            block *b = pow_job_search(&job, starts[i], 200, &tries);
            if (!b || b->proof != want || tries != want - starts[i] + 1)
                CHECK_FAIL_("%s from %llu: proof %llu tries %llu, expected %llu",
                            portable[path] ? "portable" : "SHA-NI",
                            (unsigned long long)starts[i], b ? (unsigned long long)b->proof : 0ULL,
                            (unsigned long long)tries, (unsigned long long)want);
            block_unref(b);
        }
    }
    sha256_force_portable(false);
    pow_job_cleanup(&job);
    free_txs(txs, n);
}

/* Every count from 0 to 9 tries past the first hit's position: through each
 * path the search finds the nonce exactly when it lies within the count, and
 * otherwise reports `count` tries. A reward-only template and a 10-tx one. */
static void test_search_paths_every_count(void) {
    tx *txs[11];
    size_t n = make_txs(txs, 11);
    bool portable[2];
    int n_paths = search_paths(portable);
    for (size_t n_txs = 1; n_txs <= 11; n_txs += 10) {
        block_template t = tmpl_of(txs, n_txs, 6);
        pow_job job;
        pow_job_init(&job, &t);
        for (uint64_t start = 1000; start < 1004; start++) {
            uint64_t want = first_nonce_by_block_new(&t, start), offset = want - start;
            for (uint64_t count = offset > 4 ? offset - 4 : 0; count <= offset + 5; count++) {
                for (int path = 0; path < n_paths; path++) {
                    sha256_force_portable(portable[path]);
                    uint64_t tries = 99;
                    block *b = pow_job_search(&job, start, count, &tries);
                    bool hit = count > offset;
                    if ((b != NULL) != hit || tries != (hit ? offset + 1 : count) ||
                        (b && b->proof != want))
                        CHECK_FAIL_("%s, %zu txs, start %llu count %llu: found %d tries %llu",
                                    portable[path] ? "portable" : "SHA-NI", n_txs,
                                    (unsigned long long)start, (unsigned long long)count,
                                    b != NULL, (unsigned long long)tries);
                    block_unref(b);
                }
            }
        }
        pow_job_cleanup(&job);
    }
    sha256_force_portable(false);
    free_txs(txs, n);
}

/* A longer search at difficulty 14 from a 16-digit start (the nodes' nonces)
 * on a reward-only template: both paths find the same block. */
static void test_search_paths_same_block(void) {
    tx *txs[1];
    size_t n = make_txs(txs, 1);
    block_template t = tmpl_of(txs, n, 14);
    pow_job job;
    pow_job_init(&job, &t);
    const uint64_t start = 1234567890123456ULL;
    bool portable[2];
    int n_paths = search_paths(portable);
    block *found[2] = {NULL, NULL};
    uint64_t tries[2] = {0, 0};
    for (int path = 0; path < n_paths; path++) {
        sha256_force_portable(portable[path]);
        found[path] = pow_job_search(&job, start, (uint64_t)1 << 22, &tries[path]);
    }
    sha256_force_portable(false);
    CHECK(found[0] != NULL);
    CHECK_INT_EQ(found[0]->self_check, REJ_NONE);
    CHECK(sha256_leading_zero_bits(found[0]->hash) >= 14);
    if (n_paths == 2) {
        CHECK(found[1] != NULL);
        CHECK_INT_EQ(found[0]->proof, found[1]->proof);
        CHECK_INT_EQ(tries[0], tries[1]);
        CHECK(memcmp(found[0]->hash, found[1]->hash, SHA256_LEN) == 0);
    }
    /* No earlier nonce qualifies: every one before it hashes above the bar. */
    for (uint64_t nonce = start; nonce < found[0]->proof; nonce++) {
        uint8_t h[SHA256_LEN];
        pow_job_hash(&job, nonce, h);
        if (pow_meets(h, 14)) CHECK_FAIL_("nonce %llu meets 14 bits", (unsigned long long)nonce);
    }
    for (int path = 0; path < 2; path++) block_unref(found[path]);
    pow_job_cleanup(&job);
    free_txs(txs, n);
}

static const test_case cases[] = {
    TEST(test_meets_every_bit),
    TEST(test_split),
    TEST(test_hash_matches_block_across_carries),
    TEST(test_search_difficulties_1_to_12),
    TEST(test_search_ten_txs_across_digit_carry),
    TEST(test_search_count_too_small),
    TEST(test_job_owns_its_inputs),
    TEST(test_search_paths_across_carries),
    TEST(test_search_paths_every_count),
    TEST(test_search_paths_same_block),
    {0},
};

TEST_MAIN(cases)
