/* test_mempool.c - admission (every reason, no double spending through the
 * pool), selection order, block applied/undone around a reorg, revalidation
 * after a conflicting branch, open rules, the size limit.
 *
 * The genesis gives alice 100 and bob 50; blocks are sealed at difficulty 4
 * with a reward of 50 to "m". */
#include "chain/mempool.h"

#include <stdio.h>

#include "chain/pow.h"
#include "chain_fixture.h"
#include "check.h"

#define DIFF 4
#define REWARD 50
#define MAX_EXTRA 4

static chain_params strict = {.difficulty = DIFF, .reward = REWARD, .ledger = LEDGER_STRICT};
static chain_params open_rules = {.difficulty = DIFF, .reward = REWARD, .ledger = LEDGER_OPEN};
static tx *mk(const char *from, const char *to, int64_t amount) { return cf_tx(from, to, amount, NULL); }

/* A valid (judged) child of parent holding a fresh reward and the given
 * txs, which stay the caller's. */
static block *child(bstore *s, const block *parent, tx **extra, size_t n_extra) {
    block *b = bstore_intern(s, cf_seal(parent->index + 1, parent->hash_hex, DIFF, REWARD, "m",
                                        extra, n_extra));
    bstore_verdict(s, b);
    return b;
}

static bstore *new_store(const chain_params *p) { return cf_store(p); }

/* The pending sum as the node reads it (hmap value as int64_t *). */
static int64_t pending(const mempool *m, const char *sender) {
    if (!m->maps) return -1;
    const int64_t *sum = hmap_get(&m->maps->pending_out, sender, strlen(sender));
    return sum ? *sum : -1;
}

/* Checks the pool holds exactly `want`, in this order. */
static void check_pool(const mempool *m, tx *const *want, size_t n) {
    CHECK_INT_EQ(m->n, n);
    CHECK_INT_EQ(m->maps ? hmap_len(&m->maps->by_id) : 0, n);
    for (size_t i = 0; i < n; i++) {
        if (m->txs[i] != want[i])
            CHECK_FAIL_("pool[%zu] is %s, expected %s", i, m->txs[i]->id, want[i]->id);
        CHECK(mempool_has(m, want[i]->id));
    }
}

static void test_add_reasons(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    CHECK_INT_EQ(m.max, MEMPOOL_DEFAULT_MAX);
    tx *t60 = mk("alice", "bob", 60), *t50 = mk("alice", "carol", 50);
    tx *t40 = mk("alice", "carol", 40), *reward = mk("0", "carol", 5);
    tx *unknown = mk("zed", "bob", 1), *t1 = mk("alice", "zed", 1);
    tx *replay = tx_create("bob", "alice", 1, "genesis-alice", 0, NULL);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t60), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t60), REJ_TX_DUPLICATE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, replay), REJ_TX_DUPLICATE); /* id in the branch */
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, reward), REJ_TX_REWARD);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, unknown), REJ_TX_UNKNOWN_SENDER);
    /* alice has 100 with 60 pending: 50 more would double spend, 40 fits. */
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t50), REJ_TX_OVERSPEND);
    CHECK_INT_EQ(pending(&m, "alice"), 60);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t40), REJ_NONE);
    CHECK_INT_EQ(pending(&m, "alice"), 100);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t1), REJ_TX_OVERSPEND);
    CHECK_INT_EQ(pending(&m, "bob"), -1);
    check_pool(&m, (tx *[]){t60, t40}, 2);
    CHECK_INT_EQ(atomic_load(&t60->refs), 2);
    CHECK(!mempool_has(&m, t50->id));
    mempool_cleanup(&m);
    CHECK_INT_EQ(atomic_load(&t60->refs), 1);
    tx *all[] = {t60, t50, t40, reward, unknown, t1, replay};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tx_unref(all[i]);
    bstore_free(s);
}

static void test_select_order_and_validity(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    tx *t1 = mk("alice", "bob", 10), *t2 = mk("bob", "carol", 20), *t3 = mk("alice", "dave", 30);
    tx *t4 = mk("carol", "dave", 1); /* unknown at g: refused */
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t1), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t2), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t3), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t4), REJ_TX_UNKNOWN_SENDER);
    tx *out[8];
    CHECK_INT_EQ(mempool_select(&m, g, &strict, out, 8), 3);
    CHECK(out[0] == t1 && out[1] == t2 && out[2] == t3);
    CHECK_INT_EQ(mempool_select(&m, g, &strict, out, 2), 2);
    CHECK(out[0] == t1 && out[1] == t2);
    CHECK_INT_EQ(mempool_select(&m, g, &strict, out, 0), 0);

    /* A block spends 80 of alice's 100 with another tx: at its tip, t1 (10)
     * still fits and t3 (10 + 30 > 20) does not, even before revalidation. */
    tx *spend = mk("alice", "zed", 80);
    block *a1 = child(s, g, &spend, 1);
    CHECK_INT_EQ(atomic_load(&a1->verdict), BLOCK_VALID);
    CHECK_INT_EQ(mempool_select(&m, a1, &strict, out, 8), 2);
    CHECK(out[0] == t1 && out[1] == t2);
    /* What select picks makes a valid block. */
    block *a2 = child(s, a1, out, 2);
    CHECK_INT_EQ(bstore_verdict(s, a2), BLOCK_VALID);
    mempool_cleanup(&m);
    tx *all[] = {t1, t2, t3, t4, spend};
    for (size_t i = 0; i < 5; i++) tx_unref(all[i]);
    bstore_free(s);
}

static void test_block_applied(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    tx *t1 = mk("alice", "bob", 10), *t2 = mk("bob", "carol", 20), *t3 = mk("alice", "dave", 30);
    tx *other = mk("bob", "zed", 5);
    tx *txs[] = {t1, t2, t3};
    for (size_t i = 0; i < 3; i++) CHECK_INT_EQ(mempool_add(&m, s, g, &strict, txs[i]), REJ_NONE);
    block *a1 = child(s, g, (tx *[]){other, t2}, 2);
    mempool_block_applied(&m, a1);
    check_pool(&m, (tx *[]){t1, t3}, 2);
    CHECK_INT_EQ(pending(&m, "bob"), -1);
    CHECK_INT_EQ(pending(&m, "alice"), 40);
    CHECK_INT_EQ(atomic_load(&t2->refs), 2); /* ours and the block's */
    mempool_block_applied(&m, a1); /* nothing left of it */
    check_pool(&m, (tx *[]){t1, t3}, 2);
    mempool_cleanup(&m);
    tx *all[] = {t1, t2, t3, other};
    for (size_t i = 0; i < 4; i++) tx_unref(all[i]);
    bstore_free(s);
}

/* t1 is mined on branch a; the node then moves to the heavier branch b
 * (b1, b2) that lacks it: t1 comes back (after the txs already pending),
 * the reward does not. */
static void test_reorg_returns_txs(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    tx *t1 = mk("alice", "bob", 60), *t2 = mk("bob", "carol", 10);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t1), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t2), REJ_NONE);
    block *a1 = child(s, g, &t1, 1);
    mempool_block_applied(&m, a1);
    check_pool(&m, &t2, 1);

    block *b1 = child(s, g, NULL, 0), *b2 = child(s, b1, NULL, 0);
    mempool_block_undone(&m, a1);
    mempool_block_applied(&m, b1);
    mempool_block_applied(&m, b2);
    CHECK_INT_EQ(mempool_revalidate(&m, s, b2, &strict), 0);
    check_pool(&m, (tx *[]){t2, t1}, 2);
    CHECK_INT_EQ(pending(&m, "alice"), 60);
    CHECK_INT_EQ(pending(&m, "0"), -1);
    /* Undoing again changes nothing: t1 is pending already. */
    mempool_block_undone(&m, a1);
    check_pool(&m, (tx *[]){t2, t1}, 2);
    mempool_cleanup(&m);
    tx_unref(t1);
    tx_unref(t2);
    bstore_free(s);
}

/* The new branch spends alice's coins differently: the returned t1 no
 * longer fits and revalidation drops it. */
static void test_revalidate_drops_conflict(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    tx *t1 = mk("alice", "bob", 60), *t9 = mk("alice", "dave", 70);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t1), REJ_NONE);
    block *a1 = child(s, g, &t1, 1);
    mempool_block_applied(&m, a1);
    CHECK_INT_EQ(m.n, 0);
    block *b1 = child(s, g, &t9, 1), *b2 = child(s, b1, NULL, 0);
    mempool_block_undone(&m, a1);
    mempool_block_applied(&m, b1);
    mempool_block_applied(&m, b2);
    check_pool(&m, &t1, 1);
    CHECK_INT_EQ(mempool_revalidate(&m, s, b2, &strict), 1);
    check_pool(&m, NULL, 0);
    CHECK_INT_EQ(pending(&m, "alice"), -1);
    CHECK_INT_EQ(atomic_load(&t1->refs), 2); /* ours and a1's */
    mempool_cleanup(&m);
    tx_unref(t1);
    tx_unref(t9);
    bstore_free(s);
}

/* Revalidation keeps arrival order: the earlier spend survives. It also
 * drops a tx whose id reached the branch without block_applied. */
static void test_revalidate_order_and_branch(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    tx *p1 = mk("alice", "bob", 30), *p2 = mk("alice", "carol", 40), *x = mk("bob", "zed", 5);
    tx *spend = mk("alice", "dave", 50);
    tx *txs[] = {p1, p2, x};
    for (size_t i = 0; i < 3; i++) CHECK_INT_EQ(mempool_add(&m, s, g, &strict, txs[i]), REJ_NONE);
    block *a1 = child(s, g, (tx *[]){spend, x}, 2); /* alice 50 left; x confirmed */
    CHECK_INT_EQ(mempool_revalidate(&m, s, a1, &strict), 2);
    check_pool(&m, &p1, 1);
    CHECK_INT_EQ(pending(&m, "alice"), 30);
    CHECK_INT_EQ(pending(&m, "bob"), -1);
    mempool_cleanup(&m);
    tx *all[] = {p1, p2, x, spend};
    for (size_t i = 0; i < 4; i++) tx_unref(all[i]);
    bstore_free(s);
}

static void test_open_rules(void) {
    bstore *s = new_store(&open_rules);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 0);
    tx *unknown = mk("zed", "bob", 500), *over = mk("alice", "bob", 1000), *zero = mk("0", "bob", 3);
    CHECK_INT_EQ(mempool_add(&m, s, g, &open_rules, unknown), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &open_rules, over), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &open_rules, zero), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &open_rules, over), REJ_TX_DUPLICATE);
    tx *out[4];
    CHECK_INT_EQ(mempool_select(&m, g, &open_rules, out, 4), 3);
    CHECK(out[0] == unknown && out[1] == over && out[2] == zero);
    CHECK_INT_EQ(mempool_revalidate(&m, s, g, &open_rules), 0);
    mempool_cleanup(&m);
    tx_unref(unknown);
    tx_unref(over);
    tx_unref(zero);
    bstore_free(s);
}

/* A full pool refuses and keeps every transaction it took (it used to drop
 * the oldest, whose submitter had been told it would be mined); room comes
 * back when a block takes some. */
static void test_full_pool_refuses(void) {
    bstore *s = new_store(&strict);
    block *g = bstore_genesis(s);
    mempool m;
    mempool_init(&m, 3);
    tx *t[5] = {mk("alice", "x", 10), mk("bob", "x", 10), mk("alice", "x", 10), mk("bob", "x", 10),
                mk("alice", "x", 1000)};
    for (size_t i = 0; i < 3; i++) CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t[i]), REJ_NONE);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t[3]), REJ_MEMPOOL_FULL);
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t[4]), REJ_TX_OVERSPEND); /* its own reason first */
    CHECK_INT_EQ(mempool_add(&m, s, g, &strict, t[0]), REJ_TX_DUPLICATE);
    check_pool(&m, t, 3);
    CHECK_INT_EQ(pending(&m, "alice"), 20);
    CHECK_INT_EQ(pending(&m, "bob"), 10);
    CHECK_INT_EQ(atomic_load(&t[3]->refs), 1); /* not taken */
    /* A block with t[1] makes room for t[3]. */
    block *b = child(s, g, &t[1], 1);
    mempool_block_applied(&m, b);
    CHECK_INT_EQ(mempool_add(&m, s, b, &strict, t[3]), REJ_NONE);
    tx *want[3] = {t[0], t[2], t[3]};
    check_pool(&m, want, 3);
    mempool_cleanup(&m);
    for (size_t i = 0; i < 5; i++) tx_unref(t[i]);
    bstore_free(s);
}

static const test_case cases[] = {
    TEST(test_add_reasons),
    TEST(test_select_order_and_validity),
    TEST(test_block_applied),
    TEST(test_reorg_returns_txs),
    TEST(test_revalidate_drops_conflict),
    TEST(test_revalidate_order_and_branch),
    TEST(test_open_rules),
    TEST(test_full_pool_refuses),
    {0},
};

TEST_MAIN(cases)
