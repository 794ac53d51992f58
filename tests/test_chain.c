/* test_chain.c - one node's fork choice: extension, orphans, ties kept by
 * first seen, reorgs with their undone/applied lists, invalid branches,
 * chain_adopt's refusals, and every arrival order of a small tree.
 *
 * Blocks are sealed for real at difficulty 4 on a genesis giving alice 100
 * and bob 50 (reward 50); every block has work 16, so "more work" means
 * "longer". */
#include "chain/chain.h"

#include <stdio.h>

#include "chain/ledger.h"
#include "chain/pow.h"
#include "chain_fixture.h"
#include "check.h"

#define DIFF 4
#define REWARD 50
#define MAX_EXTRA 4

static chain_params params = {.difficulty = DIFF, .reward = REWARD, .ledger = LEDGER_STRICT};

static tx *mk(const char *from, const char *to, int64_t amount) { return cf_tx(from, to, amount, NULL); }

/* Seals a block with a fresh reward and the extra txs (consumed). */
static block *seal(int64_t index, const char *prev_hex, tx **extra, size_t n_extra) {
    block *b = cf_seal(index, prev_hex, DIFF, REWARD, "m", extra, n_extra);
    for (size_t i = 0; i < n_extra; i++) tx_unref(extra[i]);
    return b;
}

static block *child(bstore *s, const block *parent) {
    return bstore_intern(s, seal(parent->index + 1, parent->hash_hex, NULL, 0));
}

/* A child that spends more than alice has: invalid. */
static block *bad_child(bstore *s, const block *parent) {
    return bstore_intern(s, seal(parent->index + 1, parent->hash_hex,
                                 (tx *[]){mk("alice", "bob", 1000)}, 1));
}

static bstore *new_store(void) {
    bstore *s = cf_store(&params);
    bstore_reserve_holders(s, 256); /* test_every_arrival_order makes 120 chains */
    return s;
}

static chain_status add(chain *c, block *b) {
    chain_update upd;
    chain_status st = chain_add(c, b, &upd);
    chain_update_cleanup(&upd);
    return st;
}

static void test_init_and_extend(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    chain c;
    chain_init(&c, s);
    CHECK(c.tip == g);
    CHECK_INT_EQ(chain_height(&c), 1);
    CHECK(chain_at(&c, 1) == g);
    CHECK(chain_at(&c, 0) == NULL && chain_at(&c, 2) == NULL);
    CHECK(chain_has(&c, g));

    block *a1 = child(s, g);
    chain_update upd;
    CHECK_INT_EQ(chain_add(&c, a1, &upd), CHAIN_ADDED);
    CHECK(upd.tip_changed);
    CHECK(upd.old_tip == g && upd.new_tip == a1);
    CHECK_INT_EQ(upd.reorg_depth, 0);
    CHECK_INT_EQ(upd.n_undone, 0);
    CHECK_INT_EQ(upd.n_applied, 1);
    CHECK(upd.applied[0] == a1);
    chain_update_cleanup(&upd);
    CHECK(c.tip == a1);
    CHECK(chain_at(&c, 2) == a1);

    CHECK_INT_EQ(chain_add(&c, a1, &upd), CHAIN_DUPLICATE);
    CHECK(!upd.tip_changed && upd.undone == NULL && upd.applied == NULL);
    chain_update_cleanup(&upd);
    CHECK_INT_EQ(add(&c, g), CHAIN_DUPLICATE);
    chain_cleanup(&c);
    bstore_free(s);
}

static void test_orphans(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    chain c;
    chain_init(&c, s);
    block *a1 = child(s, g);
    block *a2 = child(s, a1);
    CHECK_INT_EQ(add(&c, a2), CHAIN_ORPHAN); /* a1 interned, not held */
    CHECK(!chain_has(&c, a2));
    CHECK_INT_EQ(c.n_held, 1);
    /* A block whose parent the store has never seen: not rooted. */
    block *x2 = seal(2, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL, 0);
    block *x3 = bstore_intern(s, seal(3, x2->hash_hex, NULL, 0));
    CHECK_INT_EQ(add(&c, x3), CHAIN_ORPHAN);
    CHECK(c.tip == g);
    CHECK_INT_EQ(add(&c, a1), CHAIN_ADDED);
    CHECK_INT_EQ(add(&c, a2), CHAIN_ADDED);
    CHECK(c.tip == a2);
    block_unref(x2);
    chain_cleanup(&c);
    bstore_free(s);
}

/* g-a1-a2 and g-b1-b2 have equal work: whichever tip came first stays. */
static void test_equal_work_keeps_first(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a1 = child(s, g), *a2 = child(s, a1);
    block *b1 = child(s, g), *b2 = child(s, b1);
    for (int order = 0; order < 2; order++) {
        chain c;
        chain_init(&c, s);
        block *first[2] = {order ? b1 : a1, order ? b2 : a2};
        block *second[2] = {order ? a1 : b1, order ? a2 : b2};
        CHECK_INT_EQ(add(&c, first[0]), CHAIN_ADDED);
        CHECK_INT_EQ(add(&c, first[1]), CHAIN_ADDED);
        chain_update upd;
        CHECK_INT_EQ(chain_add(&c, second[0], &upd), CHAIN_ADDED);
        CHECK(!upd.tip_changed);
        chain_update_cleanup(&upd);
        CHECK_INT_EQ(chain_add(&c, second[1], &upd), CHAIN_ADDED);
        CHECK(!upd.tip_changed);
        chain_update_cleanup(&upd);
        CHECK(c.tip == first[1]);
        CHECK(chain_has(&c, second[1]));
        CHECK_INT_EQ(c.n_held, 5);
        chain_cleanup(&c);
    }
    bstore_free(s);
}

static void test_heavier_branch_reorg(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a1 = child(s, g), *a2 = child(s, a1);
    block *b1 = child(s, g), *b2 = child(s, b1), *b3 = child(s, b2);
    chain c;
    chain_init(&c, s);
    block *order[] = {a1, a2, b1, b2};
    for (size_t i = 0; i < 4; i++) CHECK_INT_EQ(add(&c, order[i]), CHAIN_ADDED);
    CHECK(c.tip == a2);

    chain_update upd;
    CHECK_INT_EQ(chain_add(&c, b3, &upd), CHAIN_ADDED);
    CHECK(upd.tip_changed);
    CHECK(upd.old_tip == a2 && upd.new_tip == b3);
    CHECK_INT_EQ(upd.reorg_depth, 2);
    CHECK_INT_EQ(upd.n_undone, 2);
    CHECK(upd.undone[0] == a2 && upd.undone[1] == a1);
    CHECK_INT_EQ(upd.n_applied, 3);
    CHECK(upd.applied[0] == b1 && upd.applied[1] == b2 && upd.applied[2] == b3);
    chain_update_cleanup(&upd);
    CHECK(chain_at(&c, 2) == b1 && chain_at(&c, 4) == b3);

    /* Back to the a branch once it is strictly heavier: a3 ties, a4 wins. */
    block *a3 = child(s, a2), *a4 = child(s, a3);
    CHECK_INT_EQ(chain_add(&c, a3, &upd), CHAIN_ADDED);
    CHECK(!upd.tip_changed);
    chain_update_cleanup(&upd);
    CHECK_INT_EQ(chain_add(&c, a4, &upd), CHAIN_ADDED);
    CHECK_INT_EQ(upd.reorg_depth, 3);
    CHECK(upd.undone[0] == b3 && upd.undone[1] == b2 && upd.undone[2] == b1);
    CHECK_INT_EQ(upd.n_applied, 4);
    CHECK(upd.applied[0] == a1 && upd.applied[3] == a4);
    chain_update_cleanup(&upd);
    CHECK(c.tip == a4);
    chain_cleanup(&c);
    bstore_free(s);
}

/* A longer branch with an invalid block in the middle never wins: the
 * invalid block and everything under it are refused as INVALID (the store
 * knows their verdict even though the node lacks their parents), and the
 * node stays on the heaviest valid chain, which may be a prefix of that
 * same branch. */
static void test_invalid_in_middle(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a1 = child(s, g), *a2 = child(s, a1);
    block *c1 = child(s, g), *c2 = bad_child(s, c1), *c3 = child(s, c2), *c4 = child(s, c3);
    chain c;
    chain_init(&c, s);
    CHECK_INT_EQ(add(&c, a1), CHAIN_ADDED);
    CHECK_INT_EQ(add(&c, a2), CHAIN_ADDED);
    CHECK_INT_EQ(add(&c, c1), CHAIN_ADDED);
    CHECK_INT_EQ(add(&c, c2), CHAIN_INVALID);
    CHECK_INT_EQ(c2->reason, REJ_BLK_TX);
    CHECK_INT_EQ(add(&c, c4), CHAIN_INVALID);
    CHECK_INT_EQ(c4->reason, REJ_BLK_PARENT_INVALID);
    CHECK_INT_EQ(add(&c, c3), CHAIN_INVALID);
    CHECK(c.tip == a2);
    CHECK_INT_EQ(c.n_held, 4);
    CHECK(!chain_has(&c, c2) && !chain_has(&c, c3) && !chain_has(&c, c4));

    /* d1-d2-d3 valid, d4 invalid: the node moves to d3 and stays there. */
    block *d1 = child(s, g), *d2 = child(s, d1), *d3 = child(s, d2), *d4 = bad_child(s, d3);
    block *d5 = child(s, d4);
    CHECK_INT_EQ(add(&c, d1), CHAIN_ADDED);
    CHECK_INT_EQ(add(&c, d2), CHAIN_ADDED);
    CHECK_INT_EQ(add(&c, d3), CHAIN_ADDED);
    CHECK(c.tip == d3);
    CHECK_INT_EQ(add(&c, d4), CHAIN_INVALID);
    CHECK_INT_EQ(add(&c, d5), CHAIN_INVALID);
    CHECK(c.tip == d3);
    chain_cleanup(&c);
    bstore_free(s);
}

static void test_adopt(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a[6] = {g};
    for (int i = 1; i < 6; i++) a[i] = child(s, a[i - 1]);
    /* e: 10 blocks past the genesis, the third one invalid. */
    block *e[11] = {g};
    for (int i = 1; i <= 10; i++) e[i] = i == 3 ? bad_child(s, e[i - 1]) : child(s, e[i - 1]);
    const char *names[] = {"alice", "bob", "mallory"};
    block *foreign = bstore_intern(s, genesis_with_balances(names, (const int64_t[]){100, 50, 1000}, 3, DIFF));
    block *f[3] = {foreign, child(s, foreign), NULL};
    f[2] = child(s, f[1]);
    block *wrong_index = bstore_intern(s, seal(4, a[1]->hash_hex, NULL, 0));

    chain c;
    chain_init(&c, s);
    CHECK_INT_EQ(add(&c, a[1]), CHAIN_ADDED);
    size_t held = c.n_held;
    chain_update upd;
    size_t bad = 99;
    struct {
        const char *what;
        block **blocks;
        size_t n;
        reject why;
        size_t bad;
    } refused[] = {
        {"empty", a, 0, REJ_CHAIN_EMPTY, 0},
        {"foreign genesis", f, 3, REJ_CHAIN_GENESIS, 0},
        {"gap", (block *[]){g, a[1], a[3], a[4]}, 4, REJ_CHAIN_LINK, 2},
        {"wrong index", (block *[]){g, a[1], wrong_index}, 3, REJ_CHAIN_LINK, 2},
        {"not from genesis", a + 1, 5, REJ_CHAIN_GENESIS, 0},
        {"invalid third block", e, 11, REJ_BLK_TX, 3},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        reject why = chain_adopt(&c, refused[i].blocks, refused[i].n, &bad, &upd);
        if (why != refused[i].why || bad != refused[i].bad)
            CHECK_FAIL_("%s: %s at %zu, expected %s at %zu", refused[i].what, reject_code(why),
                        bad, reject_code(refused[i].why), refused[i].bad);
        CHECK(!upd.tip_changed);
        chain_update_cleanup(&upd);
        CHECK(c.tip == a[1]);
        CHECK_INT_EQ(c.n_held, held);
    }
    CHECK(!chain_has(&c, e[1]) && !chain_has(&c, e[2]));

    /* A valid longer chain: adopted, the tip moves, the update says how. */
    CHECK_INT_EQ(chain_adopt(&c, a, 6, &bad, &upd), REJ_NONE);
    CHECK(upd.tip_changed && upd.new_tip == a[5] && upd.old_tip == a[1]);
    CHECK_INT_EQ(upd.reorg_depth, 0);
    CHECK_INT_EQ(upd.n_applied, 4);
    CHECK(upd.applied[0] == a[2] && upd.applied[3] == a[5]);
    chain_update_cleanup(&upd);
    CHECK(c.tip == a[5]);

    /* A valid shorter chain: held, the tip stays. */
    block *b[3] = {g, child(s, g), NULL};
    b[2] = child(s, b[1]);
    CHECK_INT_EQ(chain_adopt(&c, b, 3, &bad, &upd), REJ_NONE);
    CHECK(!upd.tip_changed);
    chain_update_cleanup(&upd);
    CHECK(c.tip == a[5]);
    CHECK(chain_has(&c, b[1]) && chain_has(&c, b[2]));
    /* Only the genesis: nothing to do. */
    CHECK_INT_EQ(chain_adopt(&c, a, 1, &bad, &upd), REJ_NONE);
    chain_update_cleanup(&upd);
    CHECK(c.tip == a[5]);
    chain_cleanup(&c);
    bstore_free(s);
}

static void test_reset(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    chain c;
    chain_init(&c, s);
    block *a1 = child(s, g);
    CHECK_INT_EQ(add(&c, a1), CHAIN_ADDED);
    chain_reset(&c);
    CHECK(c.tip == g);
    CHECK_INT_EQ(c.n_held, 1);
    CHECK(!chain_has(&c, a1));
    CHECK_INT_EQ(add(&c, a1), CHAIN_ADDED);
    chain_cleanup(&c);
    bstore_free(s);
}

/* ---- every arrival order of a small tree ---- */

typedef struct active_chain {
    const block *at[16]; /* at[i]: block of index i */
    int64_t height;
} active_chain;

/* Replays an update on a model of the active chain and compares the model
 * with the chain. */
static void replay_update(const chain *c, active_chain *model, const chain_update *upd) {
    if (!upd->tip_changed) {
        CHECK(upd->n_undone == 0 && upd->n_applied == 0);
        return;
    }
    CHECK(upd->old_tip == model->at[model->height]);
    CHECK_INT_EQ(upd->reorg_depth, upd->n_undone);
    for (size_t i = 0; i < upd->n_undone; i++) {
        CHECK(upd->undone[i] == model->at[model->height]);
        model->height--;
    }
    for (size_t i = 0; i < upd->n_applied; i++) {
        CHECK(upd->applied[i]->parent == model->at[model->height]);
        model->at[++model->height] = upd->applied[i];
    }
    CHECK(model->at[model->height] == upd->new_tip && upd->new_tip == c->tip);
    CHECK_INT_EQ(chain_height(c), model->height);
    for (int64_t i = 1; i <= model->height; i++) CHECK(chain_at(c, i) == model->at[i]);
}

/* Tree: g-a1-a2, a1-c2, g-b1-b2 (a2, c2, b2 tie at height 3). For each of
 * the 120 arrival orders, a node adds blocks as they come and retries its
 * orphans after each success. At the end it holds all six blocks and its
 * tip is the first of a2, c2, b2 it added. */
static void test_every_arrival_order(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a1 = child(s, g), *a2 = child(s, a1), *c2 = child(s, a1);
    block *b1 = child(s, g), *b2 = child(s, b1);
    block *blocks[5] = {a1, a2, c2, b1, b2};
    int perm[5] = {0, 1, 2, 3, 4};
    int orders = 0;
    for (;;) {
        chain c;
        chain_init(&c, s);
        active_chain model = {.at = {NULL, g}, .height = 1};
        block *pending[5];
        size_t n_pending = 0;
        const block *first_top = NULL;
        for (int k = 0; k < 5; k++) {
            pending[n_pending++] = blocks[perm[k]];
            for (bool progress = true; progress;) {
                progress = false;
                for (size_t i = 0; i < n_pending; i++) {
                    chain_update upd;
                    chain_status st = chain_add(&c, pending[i], &upd);
                    if (st == CHAIN_ADDED) {
                        if (!first_top && pending[i]->index == 3) first_top = pending[i];
                        replay_update(&c, &model, &upd);
                        pending[i--] = pending[--n_pending];
                        progress = true;
                    } else {
                        CHECK_INT_EQ(st, CHAIN_ORPHAN);
                    }
                    chain_update_cleanup(&upd);
                    if (check__failed) return;
                }
            }
        }
        CHECK_INT_EQ(n_pending, 0);
        CHECK_INT_EQ(c.n_held, 6);
        if (c.tip != first_top)
            CHECK_FAIL_("order %d%d%d%d%d: tip is not the first block of height 3", perm[0],
                        perm[1], perm[2], perm[3], perm[4]);
        chain_cleanup(&c);
        orders++;
        /* Next permutation in lexicographic order. */
        int i = 3;
        while (i >= 0 && perm[i] > perm[i + 1]) i--;
        if (i < 0) break;
        int j = 4;
        while (perm[j] < perm[i]) j--;
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        for (int lo = i + 1, hi = 4; lo < hi; lo++, hi--) {
            t = perm[lo];
            perm[lo] = perm[hi];
            perm[hi] = t;
        }
    }
    CHECK_INT_EQ(orders, 120);
    bstore_free(s);
}

static const test_case cases[] = {
    TEST(test_init_and_extend),
    TEST(test_orphans),
    TEST(test_equal_work_keeps_first),
    TEST(test_heavier_branch_reorg),
    TEST(test_invalid_in_middle),
    TEST(test_adopt),
    TEST(test_reset),
    TEST(test_every_arrival_order),
    {0},
};

TEST_MAIN(cases)
