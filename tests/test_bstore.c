/* test_bstore.c - the shared block store: genesis blocks, interning and
 * dedup, rooting out of order, cumulative work, skip pointers against a
 * parent walk, verdicts (every reason, caching) and the tx index.
 *
 * Blocks are sealed for real at difficulty 4 (about 16 tries each), with a
 * genesis giving alice 100 and bob 50 and a reward of 50. */
#include "chain/bstore.h"

#include <stdio.h>

#include "chain/ledger.h"
#include "chain/pow.h"
#include "chain_fixture.h"
#include "check.h"
#include "util/hex.h"

#define DIFF 4
#define REWARD 50
#define MAX_EXTRA 8

static chain_params params = {.difficulty = DIFF, .reward = REWARD, .ledger = LEDGER_STRICT};

static tx *mk_id(const char *from, const char *to, int64_t amount, const char *id) {
    return cf_tx(from, to, amount, id);
}

static tx *mk(const char *from, const char *to, int64_t amount) { return cf_tx(from, to, amount, NULL); }

/* Seals (difficulty `diff`) a block with a fresh reward to `miner` and the
 * given extra txs, which it consumes. Not interned. */
static block *seal(int64_t index, const char *prev_hex, int diff, const char *miner,
                   tx **extra, size_t n_extra) {
    block *b = cf_seal(index, prev_hex, diff, REWARD, miner, extra, n_extra);
    for (size_t i = 0; i < n_extra; i++) tx_unref(extra[i]);
    return b;
}

static block *child_of(bstore *s, const block *parent, tx **extra, size_t n_extra) {
    return bstore_intern(s, seal(parent->index + 1, parent->hash_hex, DIFF, "m", extra, n_extra));
}

static bstore *new_store(void) {
    const char *names[] = {"bob", "alice"};
    const int64_t amounts[] = {50, 100};
    return bstore_new(&params, genesis_with_balances(names, amounts, 2, DIFF));
}

static void test_genesis_classic(void) {
    block *g = genesis_classic();
    CHECK(g != NULL);
    CHECK_STR_EQ(g->hash_hex, "0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8");
    CHECK_INT_EQ(g->difficulty, 16);
    CHECK_INT_EQ(g->n_txs, 0);
    chain_params open = {.ledger = LEDGER_OPEN};
    bstore *s = bstore_new(&open, g);
    CHECK(bstore_genesis(s) == g);
    CHECK_INT_EQ(bstore_params(s)->difficulty, 16);
    CHECK_INT_EQ(bstore_params(s)->reward, 50);
    CHECK(atomic_load(&g->rooted));
    CHECK_INT_EQ(bstore_verdict(s, g), BLOCK_VALID);
    CHECK_DBL_NEAR(g->cum_work, 65536.0, 0);
    CHECK(g->ledger && ledger_count(g->ledger) == 0);
    CHECK(bstore_get_hex(s, "0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8") == g);
    CHECK(bstore_get_hex(s, "0000EA8562570C51773F54F97E1DD61131092B841B3F8E4592600791124FE4D8") == g);
    CHECK(bstore_get_hex(s, "0000ea85") == NULL);
    CHECK(bstore_get_hex(s, "zz00ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8") == NULL);
    CHECK(bstore_get(s, g->hash) == g);
    CHECK_INT_EQ(bstore_count(s), 1);
    bstore_free(s);
    bstore_free(NULL);
}

static void test_genesis_with_balances(void) {
    const char *names[] = {"carol", "alice", "bob"};
    const int64_t amounts[] = {7, 100, 50};
    block *g = genesis_with_balances(names, amounts, 3, 8);
    block *again = genesis_with_balances(names, amounts, 3, 8);
    CHECK(g && again);
    CHECK_STR_EQ(g->hash_hex, again->hash_hex); /* deterministic */
    CHECK_INT_EQ(g->self_check, REJ_NONE);
    CHECK_INT_EQ(g->index, 1);
    CHECK_STR_EQ(g->prev_hash, "0");
    CHECK_STR_EQ(g->miner, "");
    CHECK_INT_EQ(g->difficulty, 8);
    CHECK(g->hash[0] == 0); /* 8 leading zero bits */
    CHECK_INT_EQ(g->n_txs, 3);
    const char *sorted[] = {"alice", "bob", "carol"};
    const int64_t sorted_amounts[] = {100, 50, 7};
    for (size_t i = 0; i < 3; i++) {
        char id[64];
        snprintf(id, sizeof id, "genesis-%s", sorted[i]);
        CHECK_STR_EQ(g->txs[i]->sender, "0");
        CHECK_STR_EQ(g->txs[i]->receiver, sorted[i]);
        CHECK_INT_EQ(g->txs[i]->amount, sorted_amounts[i]);
        CHECK_STR_EQ(g->txs[i]->id, id);
    }
    block_unref(again);
    bstore *s = bstore_new(&(chain_params){.difficulty = 8}, g);
    CHECK_INT_EQ(ledger_balance(g->ledger, "alice", NULL), 100);
    CHECK_INT_EQ(ledger_balance(g->ledger, "carol", NULL), 7);
    CHECK(bstore_tx_in_branch(s, "genesis-bob", g));
    CHECK(!bstore_tx_in_branch(s, "genesis-dave", g));
    bstore_free(s);
}

static void test_genesis_with_balances_edge_cases(void) {
    /* A name too long for "genesis-<name>" (60 bytes + 8 > 64) or not ASCII
     * gets a hashed id. */
    const char *long_name = "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij";
    const char *names[] = {long_name, "\xc3\xa9lodie"};
    const int64_t amounts[] = {1, 2};
    block *g = genesis_with_balances(names, amounts, 2, 1);
    CHECK(g != NULL);
    CHECK_INT_EQ(g->n_txs, 2);
    CHECK_STR_EQ(g->txs[0]->receiver, long_name);
    CHECK_INT_EQ(strlen(g->txs[0]->id), 8 + 32);
    CHECK(strncmp(g->txs[0]->id, "genesis-", 8) == 0);
    CHECK_INT_EQ(strlen(g->txs[1]->id), 8 + 32);
    CHECK(strcmp(g->txs[0]->id, g->txs[1]->id) != 0);
    block_unref(g);

    const char *dup[] = {"alice", "bob", "alice"};
    const int64_t dup_amounts[] = {1, 2, 3};
    CHECK(genesis_with_balances(dup, dup_amounts, 3, 1) == NULL);
    const char *one[] = {"alice"};
    CHECK(genesis_with_balances(one, (const int64_t[]){0}, 1, 1) == NULL);
    CHECK(genesis_with_balances((const char *[]){""}, (const int64_t[]){5}, 1, 1) == NULL);
    block *empty = genesis_with_balances(NULL, NULL, 0, 1);
    CHECK(empty != NULL);
    CHECK_INT_EQ(empty->n_txs, 0);
    block_unref(empty);
}

static void test_intern_dedup(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    tx *reward = mk("0", "m", REWARD);
    /* Two separate objects with the same contents: same hash. */
    block *first = block_new(2, g->hash_hex, 0, 0, 0, "m", &reward, 1);
    block *second = block_new(2, g->hash_hex, 0, 0, 0, "m", &reward, 1);
    tx_unref(reward);
    CHECK(first != second);
    CHECK_STR_EQ(first->hash_hex, second->hash_hex);
    CHECK(bstore_intern(s, first) == first);
    CHECK_INT_EQ(bstore_count(s), 2);
    block_ref(second); /* keep it alive to see the store release its reference */
    CHECK(bstore_intern(s, second) == first);
    CHECK_INT_EQ(atomic_load(&second->refs), 1);
    block_unref(second);
    CHECK_INT_EQ(bstore_count(s), 2);
    CHECK(bstore_intern(s, first) == first); /* re-interning the store's block: no-op */
    CHECK_INT_EQ(atomic_load(&first->refs), 1);
    CHECK(bstore_intern(s, g) == g);
    CHECK_INT_EQ(atomic_load(&g->refs), 1);
    CHECK(bstore_get(s, first->hash) == first);
    bstore_free(s);
}

/* g <- a <- b <- c interned c, b, a: rooted only when a arrives. */
static void test_out_of_order(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a = seal(2, g->hash_hex, DIFF, "m", NULL, 0);
    block *b = seal(3, a->hash_hex, DIFF, "m", NULL, 0);
    block *c = seal(4, b->hash_hex, DIFF, "m", NULL, 0);
    block *d = seal(4, b->hash_hex, DIFF, "n", NULL, 0); /* c's sibling */
    CHECK(bstore_intern(s, c) == c);
    CHECK(bstore_intern(s, d) == d);
    CHECK(bstore_intern(s, b) == b);
    CHECK(!atomic_load(&c->rooted) && !atomic_load(&b->rooted));
    CHECK(c->parent == NULL);
    CHECK_INT_EQ(bstore_verdict(s, c), BLOCK_UNKNOWN);
    CHECK(bstore_intern(s, a) == a);
    CHECK(atomic_load(&a->rooted) && atomic_load(&b->rooted));
    CHECK(atomic_load(&c->rooted) && atomic_load(&d->rooted));
    CHECK(a->parent == g && b->parent == a && c->parent == b && d->parent == b);
    CHECK_DBL_NEAR(c->cum_work, 4 * 16.0, 0);
    CHECK_INT_EQ(bstore_verdict(s, c), BLOCK_VALID);
    CHECK_INT_EQ(bstore_verdict(s, d), BLOCK_VALID);
    CHECK_INT_EQ(bstore_count(s), 5);
    /* The rewards: m got three, n one (on its own branch). */
    CHECK_INT_EQ(ledger_balance(c->ledger, "m", NULL), 3 * REWARD);
    CHECK_INT_EQ(ledger_balance(d->ledger, "n", NULL), REWARD);
    CHECK_INT_EQ(ledger_balance(d->ledger, "m", NULL), 2 * REWARD);
    bstore_free(s);
}

/* A parent named in capitals is not the same text: no link. */
static void test_prev_hash_must_match_exactly(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    char upper[BLOCK_HASH_HEX_LEN + 1];
    for (size_t i = 0; i <= BLOCK_HASH_HEX_LEN; i++)
        upper[i] = (char)(g->hash_hex[i] >= 'a' ? g->hash_hex[i] - 32 : g->hash_hex[i]);
    bool has_letter = strcmp(upper, g->hash_hex) != 0;
    block *b = bstore_intern(s, seal(2, upper, DIFF, "m", NULL, 0));
    CHECK(!has_letter || !atomic_load(&b->rooted));
    block *c = bstore_intern(s, seal(2, "0", DIFF, "m", NULL, 0));
    CHECK(!atomic_load(&c->rooted));
    bstore_free(s);
}

/* Bitcoin's GetSkipHeight, restated on heights (index - 1). */
static int64_t clear_low(int64_t n) { return n & (n - 1); }

static int64_t expected_skip_index(int64_t index) {
    int64_t h = index - 1;
    if (h < 2) return 1;
    return ((h & 1) ? clear_low(clear_low(h - 1)) + 1 : clear_low(h)) + 1;
}

/* Hand-computed: height 6 -> 4, 14 -> 12, 15 -> 9, 100 -> 96, 999 -> 993. */
static void test_skip_formula(void) {
    const int64_t index[] = {2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 101, 1000};
    const int64_t skip[] = {1, 1, 2, 1, 2, 5, 2, 1, 13, 10, 97, 994};
    for (size_t i = 0; i < sizeof index / sizeof index[0]; i++)
        CHECK_INT_EQ(expected_skip_index(index[i]), skip[i]);
}

/* 1000 blocks interned newest first (iterative rooting), then every
 * (block, height) pair checked against a walk of parent pointers. */
static void test_skip_and_ancestor(void) {
    enum { N = 1000 };
    bstore *s = new_store();
    static block *chain_blocks[N + 1]; /* [i] has index i; [0] unused */
    chain_blocks[1] = bstore_genesis(s);
    for (int i = 2; i <= N; i++)
        chain_blocks[i] = seal(i, chain_blocks[i - 1]->hash_hex, DIFF, "m", NULL, 0);
    for (int i = N; i >= 2; i--) CHECK(bstore_intern(s, chain_blocks[i]) == chain_blocks[i]);
    for (int i = 2; i <= N; i++) {
        block *b = chain_blocks[i];
        CHECK(atomic_load(&b->rooted));
        CHECK(b->parent == chain_blocks[i - 1]);
        CHECK(b->skip != NULL);
        CHECK_INT_EQ(b->skip->index, expected_skip_index(i));
        CHECK(b->skip == chain_blocks[b->skip->index]);
        CHECK_DBL_NEAR(b->cum_work, 16.0 * i, 0);
    }
    CHECK(chain_blocks[1]->skip == NULL);
    for (int i = 1; i <= N; i++) {
        const block *walk = chain_blocks[i];
        for (int j = i; j >= 1; j--, walk = walk->parent)
            if (block_ancestor(chain_blocks[i], j) != walk)
                CHECK_FAIL_("block_ancestor(#%d, %d) is not the parent walk's", i, j);
        CHECK(block_ancestor(chain_blocks[i], 0) == NULL);
        CHECK(block_ancestor(chain_blocks[i], i + 1) == NULL);
    }
    CHECK_INT_EQ(bstore_verdict(s, chain_blocks[N]), BLOCK_VALID);
    CHECK_INT_EQ(ledger_balance(chain_blocks[N]->ledger, "m", NULL), (N - 1) * REWARD);
    bstore_free(s);
}

/* One verdict call on the tip judges the whole branch, once. */
static void test_verdict_cached(void) {
    bstore *s = new_store();
    block *blocks[11];
    blocks[0] = bstore_genesis(s);
    for (int i = 1; i <= 10; i++) blocks[i] = child_of(s, blocks[i - 1], NULL, 0);
    for (int i = 1; i <= 10; i++) CHECK_INT_EQ(atomic_load(&blocks[i]->verdict), BLOCK_UNKNOWN);
    CHECK_INT_EQ(bstore_verdict(s, blocks[10]), BLOCK_VALID);
    for (int i = 1; i <= 10; i++) {
        CHECK_INT_EQ(atomic_load(&blocks[i]->verdict), BLOCK_VALID);
        CHECK(blocks[i]->ledger != NULL);
        CHECK_INT_EQ(ledger_balance(blocks[i]->ledger, "m", NULL), i * REWARD);
    }
    ledger *l = blocks[10]->ledger;
    size_t live = ledger_nodes_live();
    CHECK_INT_EQ(bstore_verdict(s, blocks[10]), BLOCK_VALID);
    CHECK(blocks[10]->ledger == l);
    CHECK_INT_EQ(ledger_nodes_live(), live); /* judged once: nothing rebuilt */
    bstore_free(s);
}

/* Every rejection reason of bstore_verdict, each on a child of block a. */
static void test_verdict_reasons(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *a = child_of(s, g, (tx *[]){mk("alice", "bob", 10)}, 1);
    CHECK_INT_EQ(bstore_verdict(s, a), BLOCK_VALID);

    /* Proof of work: a nonce whose hash has fewer than DIFF zero bits. */
    block *bad_pow = NULL;
    tx *reward = mk("0", "m", REWARD);
    for (uint64_t proof = 0; !bad_pow; proof++) {
        block *b = block_new(3, a->hash_hex, proof, 0, DIFF, "m", &reward, 1);
        if (b->self_check == REJ_BLK_POW) bad_pow = bstore_intern(s, b);
        else block_unref(b);
    }
    tx_unref(reward);

    struct {
        const char *what;
        block *b;
        reject reason;
    } cases[] = {
        {"pow", bad_pow, REJ_BLK_POW},
        {"index", bstore_intern(s, seal(4, a->hash_hex, DIFF, "m", NULL, 0)), REJ_BLK_INDEX},
        {"difficulty", bstore_intern(s, seal(3, a->hash_hex, DIFF + 1, "m", NULL, 0)),
         REJ_BLK_DIFFICULTY},
        {"overspend", child_of(s, a, (tx *[]){mk("alice", "bob", 91)}, 1), REJ_BLK_TX},
        {"unknown sender", child_of(s, a, (tx *[]){mk("zed", "bob", 1)}, 1), REJ_BLK_TX},
        {"second reward", child_of(s, a, (tx *[]){mk("0", "m", REWARD)}, 1), REJ_BLK_REWARD},
        {"dup in block",
         child_of(s, a, (tx *[]){mk_id("bob", "alice", 1, "x"), mk_id("bob", "alice", 1, "x")}, 2),
         REJ_BLK_DUP_TX},
        {"dup of genesis tx", child_of(s, a, (tx *[]){mk_id("bob", "alice", 1, "genesis-bob")}, 1),
         REJ_BLK_DUP_TX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        block *b = cases[i].b;
        CHECK(atomic_load(&b->rooted));
        if (bstore_verdict(s, b) != BLOCK_INVALID || b->reason != cases[i].reason)
            CHECK_FAIL_("%s: verdict %d reason %s, expected invalid %s", cases[i].what,
                        atomic_load(&b->verdict), reject_code(b->reason),
                        reject_code(cases[i].reason));
        CHECK(b->ledger == NULL);
    }
    /* Under the mis-indexed block: no skip pointer, invalid by descent. */
    block *under = child_of(s, cases[1].b, NULL, 0);
    CHECK(atomic_load(&under->rooted));
    CHECK(under->skip == NULL && cases[1].b->skip == NULL);
    CHECK_INT_EQ(bstore_verdict(s, under), BLOCK_INVALID);
    CHECK_INT_EQ(under->reason, REJ_BLK_PARENT_INVALID);
    block *under_tx = child_of(s, cases[3].b, NULL, 0);
    CHECK_INT_EQ(bstore_verdict(s, under_tx), BLOCK_INVALID);
    CHECK_INT_EQ(under_tx->reason, REJ_BLK_PARENT_INVALID);
    bstore_free(s);
}

/* A tx confirmed 3 blocks back cannot be confirmed again on that branch,
 * but the same tx on a sibling branch is fine. */
static void test_dup_tx_in_branch(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s);
    block *b2 = child_of(s, g, (tx *[]){mk_id("alice", "bob", 5, "pay")}, 1);
    block *b3 = child_of(s, b2, NULL, 0);
    block *b4 = child_of(s, b3, NULL, 0);
    block *replay = child_of(s, b4, (tx *[]){mk_id("alice", "bob", 5, "pay")}, 1);
    CHECK_INT_EQ(bstore_verdict(s, replay), BLOCK_INVALID);
    CHECK_INT_EQ(replay->reason, REJ_BLK_DUP_TX);
    /* Same id, different contents: still a replay of the id. */
    block *replay2 = child_of(s, b4, (tx *[]){mk_id("bob", "alice", 1, "pay")}, 1);
    CHECK_INT_EQ(bstore_verdict(s, replay2), BLOCK_INVALID);
    CHECK_INT_EQ(replay2->reason, REJ_BLK_DUP_TX);

    block *side = child_of(s, g, NULL, 0);
    block *side2 = child_of(s, side, (tx *[]){mk_id("alice", "bob", 5, "pay")}, 1);
    CHECK_INT_EQ(bstore_verdict(s, side2), BLOCK_VALID);
    CHECK_INT_EQ(ledger_balance(side2->ledger, "bob", NULL), 55);

    CHECK(bstore_tx_in_branch(s, "pay", b2));
    CHECK(bstore_tx_in_branch(s, "pay", b4));
    CHECK(!bstore_tx_in_branch(s, "pay", g));
    CHECK(!bstore_tx_in_branch(s, "pay", side));
    CHECK(bstore_tx_in_branch(s, "pay", side2));
    CHECK(!bstore_tx_in_branch(s, "nope", b4));
    bstore_free(s);
}

/* Open rules: classic replays are allowed, balances may go negative. */
static void test_open_rules(void) {
    chain_params open = {.difficulty = DIFF, .reward = REWARD, .ledger = LEDGER_OPEN};
    bstore *s = bstore_new(&open, genesis_with_balances(NULL, NULL, 0, DIFF));
    block *g = bstore_genesis(s);
    block *a = bstore_intern(s, seal(2, g->hash_hex, DIFF, "m",
                                     (tx *[]){mk_id("zed", "bob", 7, "same")}, 1));
    block *b = bstore_intern(s, seal(3, a->hash_hex, DIFF, "m",
                                     (tx *[]){mk_id("zed", "bob", 7, "same")}, 1));
    CHECK_INT_EQ(bstore_verdict(s, b), BLOCK_VALID);
    CHECK_INT_EQ(ledger_balance(b->ledger, "zed", NULL), -14);
    block *c = bstore_intern(s, seal(5, b->hash_hex, DIFF, "m", NULL, 0));
    CHECK_INT_EQ(bstore_verdict(s, c), BLOCK_INVALID);
    CHECK_INT_EQ(c->reason, REJ_BLK_INDEX);
    bstore_free(s);
}

static const test_case cases[] = {
    TEST(test_genesis_classic),
    TEST(test_genesis_with_balances),
    TEST(test_genesis_with_balances_edge_cases),
    TEST(test_intern_dedup),
    TEST(test_out_of_order),
    TEST(test_prev_hash_must_match_exactly),
    TEST(test_skip_formula),
    TEST(test_skip_and_ancestor),
    TEST(test_verdict_cached),
    TEST(test_verdict_reasons),
    TEST(test_dup_tx_in_branch),
    TEST(test_open_rules),
    {0},
};

TEST_MAIN(cases)
