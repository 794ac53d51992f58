/* test_threads_bstore.c - one store, four threads (run under TSan: ctest -L
 * threads with CHAINSIM_SANITIZE=thread).
 *
 * A random tree of 160 blocks (seeded), about one in six invalid (an
 * overspend, so its subtree is invalid too), is sealed once. Each thread then
 * builds its own copies of the blocks (same contents, same hashes) and
 * interns them in its own shuffled order, children often before parents,
 * asking for the verdict of a random block it already interned after every
 * intern. At the end every thread must hold the very same pointers, and every
 * block the same verdict and reason as in a store filled by one thread.
 * Twenty rounds, each on a fresh store, give the races room to happen. */
#include "chain/bstore.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "chain/ledger.h"
#include "chain/pow.h"
#include "check.h"
#include "util/mem.h"
#include "util/rng.h"

#define DIFF 4
#define REWARD 50
#define N_BLOCKS 160
#define N_THREADS 4
#define N_ROUNDS 20

static chain_params params = {.difficulty = DIFF, .reward = REWARD, .ledger = LEDGER_STRICT};

/* The sealed originals, never interned: each thread copies their fields. */
static block *originals[N_BLOCKS];

typedef struct worker {
    bstore *store;
    atomic_int *ready; /* threads spin until all are ready, to overlap */
    uint64_t seed;
    block *got[N_BLOCKS];
    block_verdict verdict[N_BLOCKS];
} worker;

static block *copy_of(const block *o) {
    return block_new(o->index, o->prev_hash, o->proof, o->timestamp_ms, o->difficulty, o->miner,
                     o->txs, o->n_txs);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    rng r;
    rng_seed(&r, w->seed, 1);
    int order[N_BLOCKS];
    for (int i = 0; i < N_BLOCKS; i++) order[i] = i;
    for (int i = N_BLOCKS - 1; i > 0; i--) {
        int j = (int)rng_below(&r, (uint64_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    atomic_fetch_sub(w->ready, 1);
    while (atomic_load(w->ready) > 0) sched_yield();
    for (int k = 0; k < N_BLOCKS; k++) {
        int i = order[k];
        w->got[i] = bstore_intern(w->store, copy_of(originals[i]));
        block *probe = w->got[order[rng_below(&r, (uint64_t)k + 1)]];
        bstore_verdict(w->store, probe);
    }
    for (int i = 0; i < N_BLOCKS; i++) w->verdict[i] = bstore_verdict(w->store, w->got[i]);
    return NULL;
}

static tx *mk(const char *from, const char *to, int64_t amount, int n) {
    char id[32];
    snprintf(id, sizeof id, "%s-%d", from, n);
    tx *t = tx_create(from, to, amount, id, 0, NULL);
    if (!t) abort();
    return t;
}

/* Seals the random tree: block i's parent is the genesis or an earlier
 * block; one in six carries an overspend. */
static void seal_tree(const block *genesis) {
    rng r;
    rng_seed(&r, 7, 0);
    for (int i = 0; i < N_BLOCKS; i++) {
        uint64_t pick = rng_below(&r, (uint64_t)i + 1);
        const block *parent = pick == 0 ? genesis : originals[pick - 1];
        tx *txs[2];
        txs[0] = mk("0", "m", REWARD, i);
        bool bad = rng_below(&r, 6) == 0;
        txs[1] = mk("alice", "bob", bad ? 1000 : 1, i);
        pow_job job;
        pow_job_init(&job, &(block_template){.index = parent->index + 1,
                                             .prev_hash = parent->hash_hex, .difficulty = DIFF,
                                             .miner = "m", .txs = txs, .n_txs = 2});
        uint64_t tries;
        originals[i] = pow_job_search(&job, 0, 1u << 24, &tries);
        pow_job_cleanup(&job);
        tx_unref(txs[0]);
        tx_unref(txs[1]);
    }
}

/* One round: a fresh store filled by N_THREADS racing workers, compared
 * with the reference store. */
static void run_round(uint64_t round, block *const *ref_blocks) {
    const char *names[] = {"alice", "bob"};
    const int64_t amounts[] = {100, 50};
    bstore *s = bstore_new(&params, genesis_with_balances(names, amounts, 2, DIFF));
    atomic_int ready = N_THREADS;
    worker *w = xcalloc(N_THREADS, sizeof *w);
    pthread_t th[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t].store = s;
        w[t].ready = &ready;
        w[t].seed = round * N_THREADS + (uint64_t)t;
        pthread_create(&th[t], NULL, worker_main, &w[t]);
    }
    for (int t = 0; t < N_THREADS; t++) pthread_join(th[t], NULL);

    size_t count = bstore_count(s);
    for (int i = 0; i < N_BLOCKS && !check__failed; i++) {
        const block *b = w[0].got[i], *want = ref_blocks[i];
        for (int t = 1; t < N_THREADS; t++)
            if (w[t].got[i] != b) CHECK_FAIL_("block %d: thread %d holds another copy", i, t);
        for (int t = 0; t < N_THREADS; t++)
            if ((int)w[t].verdict[i] != atomic_load(&want->verdict))
                CHECK_FAIL_("block %d: thread %d sees verdict %d, expected %d", i, t,
                            w[t].verdict[i], atomic_load(&want->verdict));
        CHECK(atomic_load(&b->rooted));
        CHECK_INT_EQ(b->parent->index + 1, b->index);
        CHECK_INT_EQ(b->reason, want->reason);
        CHECK_DBL_NEAR(b->cum_work, want->cum_work, 0);
        CHECK((b->ledger == NULL) == (want->ledger == NULL));
        if (b->ledger)
            CHECK_INT_EQ(ledger_balance(b->ledger, "alice", NULL),
                         ledger_balance(want->ledger, "alice", NULL));
    }
    free(w);
    bstore_free(s);
    CHECK_INT_EQ(count, N_BLOCKS + 1);
}

static void test_concurrent_intern_and_verdicts(void) {
    const char *names[] = {"alice", "bob"};
    const int64_t amounts[] = {100, 50};
    /* A store owns its genesis's derived fields: each gets its own (equal)
     * genesis; this one only seeds the tree. */
    block *genesis = genesis_with_balances(names, amounts, 2, DIFF);
    seal_tree(genesis);
    block_unref(genesis);

    /* The reference: one thread, blocks in creation order. */
    bstore *ref = bstore_new(&params, genesis_with_balances(names, amounts, 2, DIFF));
    block *ref_blocks[N_BLOCKS];
    int n_invalid = 0;
    for (int i = 0; i < N_BLOCKS; i++) {
        ref_blocks[i] = bstore_intern(ref, copy_of(originals[i]));
        n_invalid += bstore_verdict(ref, ref_blocks[i]) == BLOCK_INVALID;
    }
    CHECK(n_invalid > 0 && n_invalid < N_BLOCKS);
    for (uint64_t round = 0; round < N_ROUNDS && !check__failed; round++)
        run_round(round, ref_blocks);
    for (int i = 0; i < N_BLOCKS; i++) block_unref(originals[i]);
    bstore_free(ref);
}

static const test_case cases[] = {
    TEST(test_concurrent_intern_and_verdicts),
    {0},
};

TEST_MAIN(cases)
