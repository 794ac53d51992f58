/* test_ledger.c - balances, every rejection reason, sequential application,
 * open rules. Amounts are small and the expected balances are worked out by
 * hand in the comments. */
#include "chain/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static chain_params strict_params(void) {
    chain_params p = {.difficulty = 1, .reward = 50, .ledger = LEDGER_STRICT};
    chain_params_resolve(&p);
    return p;
}

static chain_params open_params(void) {
    chain_params p = {.difficulty = 16, .reward = 50, .ledger = LEDGER_OPEN};
    chain_params_resolve(&p);
    return p;
}

static int tx_seq;

/* A tx with a fresh id; aborts the test run if the fields are refused. */
static tx *mk(const char *from, const char *to, int64_t amount) {
    char id[32];
    snprintf(id, sizeof id, "t%d", ++tx_seq);
    reject why;
    tx *t = tx_create(from, to, amount, id, 0, &why);
    if (!t) {
        fprintf(stderr, "tx_create(%s, %s, %lld) failed: %d\n", from, to,
                (long long)amount, (int)why);
        abort();
    }
    return t;
}

static void unref_all(tx **txs, size_t n) {
    for (size_t i = 0; i < n; i++) tx_unref(txs[i]);
}

/* The ledger after a genesis giving alice 100 and bob 50. */
static ledger *genesis_ledger(const chain_params *p) {
    tx *g[2] = {mk("0", "bob", 50), mk("0", "alice", 100)};
    ledger *empty = ledger_new_empty();
    reject why;
    size_t bad;
    ledger *l = ledger_apply(empty, p, "", g, 2, true, &why, &bad);
    ledger_unref(empty);
    unref_all(g, 2);
    return l;
}

/* Applies a non-genesis block; returns the ledger or NULL with why/bad. */
static ledger *apply(const ledger *parent, const chain_params *p, const char *miner,
                     tx **txs, size_t n, reject *why, size_t *bad) {
    ledger *l = ledger_apply(parent, p, miner, txs, n, false, why, bad);
    unref_all(txs, n);
    return l;
}

static void test_empty(void) {
    ledger *l = ledger_new_empty();
    bool exists = true;
    CHECK_INT_EQ(ledger_balance(l, "alice", &exists), 0);
    CHECK(!exists);
    CHECK_INT_EQ(ledger_count(l), 0);
    ledger_unref(l);
    ledger_unref(NULL);
}

static void test_genesis_balances_sorted(void) {
    chain_params p = strict_params();
    ledger *l = genesis_ledger(&p);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_count(l), 2);
    CHECK_STR_EQ(ledger_at(l, 0).name, "alice");
    CHECK_INT_EQ(ledger_at(l, 0).balance, 100);
    CHECK_STR_EQ(ledger_at(l, 1).name, "bob");
    CHECK_INT_EQ(ledger_at(l, 1).balance, 50);
    bool exists = false;
    CHECK_INT_EQ(ledger_balance(l, "bob", &exists), 50);
    CHECK(exists);
    CHECK_INT_EQ(ledger_balance(l, "carol", &exists), 0);
    CHECK(!exists);
    ledger_unref(l);
}

static void test_block_applies_and_parent_unchanged(void) {
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    tx *txs[] = {mk("0", "carol", 50), mk("alice", "bob", 30), mk("bob", "dave", 5)};
    reject why;
    size_t bad;
    ledger *l = apply(g, &p, "carol", txs, 3, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(why, REJ_NONE);
    /* alice 100-30, bob 50+30-5, carol 0+50 (reward), dave 0+5 */
    CHECK_INT_EQ(ledger_count(l), 4);
    const char *names[] = {"alice", "bob", "carol", "dave"};
    const int64_t balances[] = {70, 75, 50, 5};
    for (size_t i = 0; i < 4; i++) {
        CHECK_STR_EQ(ledger_at(l, i).name, names[i]);
        CHECK_INT_EQ(ledger_at(l, i).balance, balances[i]);
    }
    CHECK_INT_EQ(ledger_balance(g, "alice", NULL), 100);
    CHECK_INT_EQ(ledger_balance(g, "bob", NULL), 50);
    CHECK_INT_EQ(ledger_count(g), 2);
    ledger_unref(l);
    ledger_unref(g);
}

/* One refused block per reason, each with the index of the culprit. */
static void test_every_rejection(void) {
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    struct {
        const char *what;
        tx *txs[3];
        size_t n;
        reject why;
        size_t bad;
    } cases[] = {
        {"overspend", {mk("0", "m", 50), mk("alice", "bob", 101)}, 2, REJ_TX_OVERSPEND, 1},
        {"unknown sender", {mk("0", "m", 50), mk("zed", "bob", 1)}, 2, REJ_TX_UNKNOWN_SENDER, 1},
        {"no reward, empty", {0}, 0, REJ_BLK_REWARD, 0},
        {"no reward, ordinary first", {mk("alice", "bob", 1)}, 1, REJ_BLK_REWARD, 0},
        {"reward not first", {mk("alice", "bob", 1), mk("0", "m", 50)}, 2, REJ_BLK_REWARD, 0},
        {"reward twice", {mk("0", "m", 50), mk("alice", "bob", 1), mk("0", "m", 50)}, 3,
         REJ_BLK_REWARD, 2},
        {"reward amount", {mk("0", "m", 51)}, 1, REJ_BLK_REWARD, 0},
        {"reward receiver", {mk("0", "alice", 50)}, 1, REJ_BLK_REWARD, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject why = REJ_NONE;
        size_t bad = 99;
        ledger *l = apply(g, &p, "m", cases[i].txs, cases[i].n, &why, &bad);
        if (l) {
            ledger_unref(l);
            CHECK_FAIL_("case '%s' was accepted", cases[i].what);
        }
        if (why != cases[i].why || bad != cases[i].bad)
            CHECK_FAIL_("case '%s': why %s bad %zu, expected %s bad %zu", cases[i].what,
                        reject_code(why), bad, reject_code(cases[i].why), cases[i].bad);
    }
    ledger_unref(g);
}

/* alice has 100: 60 then 50 fails on the second; 60 then 40 spends all. */
static void test_sequential_overspend(void) {
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    reject why;
    size_t bad;
    tx *over[] = {mk("0", "m", 50), mk("alice", "bob", 60), mk("alice", "carol", 50)};
    CHECK(apply(g, &p, "m", over, 3, &why, &bad) == NULL);
    CHECK_INT_EQ(why, REJ_TX_OVERSPEND);
    CHECK_INT_EQ(bad, 2);

    tx *exact[] = {mk("0", "m", 50), mk("alice", "bob", 60), mk("alice", "carol", 40)};
    ledger *l = apply(g, &p, "m", exact, 3, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_balance(l, "alice", NULL), 0);
    bool exists = false;
    ledger_balance(l, "alice", &exists);
    CHECK(exists); /* a zero balance keeps its account */
    ledger_unref(l);

    /* Money received earlier in the block can be spent later in it, not before. */
    tx *chain_ok[] = {mk("0", "m", 50), mk("alice", "carol", 10), mk("carol", "dave", 10)};
    l = apply(g, &p, "m", chain_ok, 3, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_balance(l, "carol", NULL), 0);
    CHECK_INT_EQ(ledger_balance(l, "dave", NULL), 10);
    ledger_unref(l);
    tx *chain_bad[] = {mk("0", "m", 50), mk("carol", "dave", 10), mk("alice", "carol", 10)};
    CHECK(apply(g, &p, "m", chain_bad, 3, &why, &bad) == NULL);
    CHECK_INT_EQ(why, REJ_TX_UNKNOWN_SENDER);
    CHECK_INT_EQ(bad, 1);
    /* The miner may spend its own reward in the same block. */
    tx *spend_reward[] = {mk("0", "m", 50), mk("m", "bob", 50)};
    l = apply(g, &p, "m", spend_reward, 2, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_balance(l, "m", NULL), 0);
    CHECK_INT_EQ(ledger_balance(l, "bob", NULL), 100);
    ledger_unref(l);
    ledger_unref(g);
}

/* Sending to oneself needs the balance, and leaves it unchanged. */
static void test_self_send(void) {
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    reject why;
    size_t bad;
    tx *ok[] = {mk("0", "m", 50), mk("alice", "alice", 100)};
    ledger *l = apply(g, &p, "m", ok, 2, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_balance(l, "alice", NULL), 100);
    ledger_unref(l);
    tx *over[] = {mk("0", "m", 50), mk("alice", "alice", 101)};
    CHECK(apply(g, &p, "m", over, 2, &why, &bad) == NULL);
    CHECK_INT_EQ(why, REJ_TX_OVERSPEND);
    ledger_unref(g);
}

static void test_check_tx_pending(void) {
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    tx *t60 = mk("alice", "bob", 60), *t61 = mk("alice", "bob", 61);
    tx *reward = mk("0", "bob", 5), *unknown = mk("zed", "bob", 1);
    /* alice 100, 40 pending elsewhere: 60 fits exactly, 61 does not. */
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_STRICT, t60, 40), REJ_NONE);
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_STRICT, t61, 40), REJ_TX_OVERSPEND);
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_STRICT, t61, 0), REJ_NONE);
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_STRICT, reward, 0), REJ_TX_REWARD);
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_STRICT, unknown, 0), REJ_TX_UNKNOWN_SENDER);
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_OPEN, unknown, 0), REJ_NONE);
    CHECK_INT_EQ(ledger_check_tx(g, LEDGER_OPEN, t61, 100), REJ_NONE);
    tx_unref(t60);
    tx_unref(t61);
    tx_unref(reward);
    tx_unref(unknown);
    ledger_unref(g);
}

/* Open rules: no reward rule, unknown senders go negative. */
static void test_open_negative(void) {
    chain_params p = open_params();
    ledger *empty = ledger_new_empty();
    reject why = REJ_TX_MALFORMED;
    size_t bad = 7;
    tx *txs[] = {mk("zed", "bob", 10), mk("0", "alice", 3), mk("0", "alice", 4),
                 mk("bob", "alice", 25)};
    ledger *l = apply(empty, &p, "someone", txs, 4, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(why, REJ_NONE);
    /* zed -10, bob 10-25 = -15, alice 3+4+25 = 32; no account for "0" or the miner */
    CHECK_INT_EQ(ledger_count(l), 3);
    CHECK_INT_EQ(ledger_balance(l, "zed", NULL), -10);
    CHECK_INT_EQ(ledger_balance(l, "bob", NULL), -15);
    CHECK_INT_EQ(ledger_balance(l, "alice", NULL), 32);
    bool exists = true;
    ledger_balance(l, "0", &exists);
    CHECK(!exists);
    ledger_unref(l);
    /* An empty block is fine too. */
    l = ledger_apply(empty, &p, "m", NULL, 0, false, &why, &bad);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_count(l), 0);
    ledger_unref(l);
    ledger_unref(empty);
}

/* 150 new accounts in one block, created in reverse order, sorting between
 * existing names: the result must be sorted, complete and exact. */
static void test_many_new_accounts(void) {
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    enum { N = 150 };
    tx *txs[N + 1];
    txs[0] = mk("0", "m", 50);
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%03d", N - 1 - i); /* between "alice" and "bob" */
        txs[i + 1] = mk(i < 100 ? "alice" : "bob", name, 1);
    }
    ledger *l = ledger_apply(g, &p, "m", txs, N + 1, false, &(reject){0}, &(size_t){0});
    unref_all(txs, N + 1);
    CHECK(l != NULL);
    CHECK_INT_EQ(ledger_count(l), N + 3);
    for (size_t i = 1; i < ledger_count(l); i++)
        if (strcmp(ledger_at(l, i - 1).name, ledger_at(l, i).name) >= 0)
            CHECK_FAIL_("entries %zu/%zu out of order: %s, %s", i - 1, i,
                        ledger_at(l, i - 1).name, ledger_at(l, i).name);
    CHECK_INT_EQ(ledger_balance(l, "alice", NULL), 0);
    CHECK_INT_EQ(ledger_balance(l, "bob", NULL), 0);
    CHECK_STR_EQ(ledger_at(l, 1).name, "b000");
    CHECK_STR_EQ(ledger_at(l, N).name, "b149");
    CHECK_STR_EQ(ledger_at(l, N + 1).name, "bob");
    for (size_t i = 1; i <= N; i++) CHECK_INT_EQ(ledger_at(l, i).balance, 1);
    CHECK_INT_EQ(ledger_balance(l, "m", NULL), 50);
    ledger_unref(l);
    ledger_unref(g);
}

/* A ledger stays readable while any reference is held, and its tree nodes
 * are freed with the last one (ASan checks the rest). */
static void test_refcount(void) {
    size_t before = ledger_nodes_live();
    chain_params p = strict_params();
    ledger *g = genesis_ledger(&p);
    CHECK_INT_EQ(ledger_nodes_live() - before, 2);
    CHECK(ledger_ref(g) == g);
    ledger_unref(g);
    CHECK_INT_EQ(ledger_balance(g, "alice", NULL), 100);
    ledger_unref(g);
    CHECK_INT_EQ(ledger_nodes_live(), before);
}

/* The reference model: a plain sorted array, copied whole per block. */
typedef struct model {
    int n;
    char names[64][8];
    int64_t bal[64];
} model;

static int model_find(const model *m, const char *name) {
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], name) == 0) return i;
    return -1;
}

static void model_credit(model *m, const char *name, int64_t amount) {
    int i = model_find(m, name);
    if (i < 0) {
        i = m->n++;
        snprintf(m->names[i], sizeof m->names[i], "%s", name);
        m->bal[i] = 0;
        /* keep sorted: bubble the new name into place */
        for (; i > 0 && strcmp(m->names[i - 1], m->names[i]) > 0; i--) {
            char tmp[8];
            memcpy(tmp, m->names[i], 8);
            memcpy(m->names[i], m->names[i - 1], 8);
            memcpy(m->names[i - 1], tmp, 8);
            int64_t b = m->bal[i];
            m->bal[i] = m->bal[i - 1];
            m->bal[i - 1] = b;
        }
    }
    m->bal[i] += amount;
}

static void check_same(const ledger *l, const model *m) {
    CHECK_INT_EQ(ledger_count(l), m->n);
    ledger_entry all[64];
    CHECK_INT_EQ(ledger_list(l, all, 64), m->n);
    for (int i = 0; i < m->n; i++) {
        CHECK_STR_EQ(all[i].name, m->names[i]);
        CHECK_INT_EQ(all[i].balance, m->bal[i]);
        CHECK_STR_EQ(ledger_at(l, (size_t)i).name, m->names[i]);
        bool exists = false;
        CHECK_INT_EQ(ledger_balance(l, m->names[i], &exists), m->bal[i]);
        CHECK(exists);
    }
}

/* Random blocks on random earlier ledgers (a tree of branches, as forks
 * make), each checked against the model: balances, name order, ith access,
 * refusals (an overspend leaves no new ledger). Parents are dropped in a
 * scrambled order while their children live on; at the end every tree node
 * is gone. */
static void test_random_against_model(void) {
    size_t before = ledger_nodes_live();
    chain_params p = strict_params();
    enum { BLOCKS = 400 };
    ledger *lg[BLOCKS + 1];
    model *md = calloc(BLOCKS + 1, sizeof *md);
    lg[0] = genesis_ledger(&p);
    model_credit(&md[0], "alice", 100);
    model_credit(&md[0], "bob", 50);
    uint64_t seed = 12345;
    int made = 1, refused = 0;
    for (int b = 1; b <= BLOCKS; b++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int parent = (int)((seed >> 33) % (uint64_t)made);
        model m = md[parent];
        char miner[8], to[8];
        snprintf(miner, sizeof miner, "m%02d", (int)((seed >> 20) % 40));
        tx *txs[3];
        size_t n_tx = 1;
        txs[0] = mk("0", miner, 50);
        model_credit(&m, miner, 50);
        /* a payment from an account that exists (maybe too much) */
        const char *from = m.names[(seed >> 40) % (uint64_t)m.n];
        snprintf(to, sizeof to, "r%02d", (int)((seed >> 12) % 50));
        int64_t amount = 1 + (int64_t)((seed >> 50) % 80);
        int fi = model_find(&m, from);
        bool ok = m.bal[fi] >= amount;
        txs[n_tx++] = mk(from, to, amount);
        reject why;
        size_t bad;
        ledger *l = ledger_apply(lg[parent], &p, miner, txs, n_tx, false, &why, &bad);
        unref_all(txs, n_tx);
        if (!ok) {
            CHECK(l == NULL);
            CHECK_INT_EQ(why, REJ_TX_OVERSPEND);
            CHECK_INT_EQ(bad, 1);
            refused++;
            continue;
        }
        CHECK(l != NULL);
        model_credit(&m, from, -amount);
        model_credit(&m, to, amount);
        check_same(l, &m);
        check_same(lg[parent], &md[parent]); /* the parent is unchanged */
        lg[made] = l;
        md[made] = m;
        made++;
    }
    CHECK(refused > 10 && made > 200);
    /* drop every third, then check the rest */
    for (int i = 0; i < made; i += 3) ledger_unref(lg[i]);
    for (int i = 0; i < made; i++)
        if (i % 3) check_same(lg[i], &md[i]);
    for (int i = 0; i < made; i++)
        if (i % 3) ledger_unref(lg[i]);
    CHECK_INT_EQ(ledger_nodes_live(), before);
    free(md);
}

/* Structural sharing: on 10,000 accounts, a block that pays a reward and one
 * transfer adds O(log n) tree nodes (3 accounts x the tree's height), not
 * a copy of the 10,000 balances: 3,000 such blocks hold fewer nodes than
 * two full copies would. */
static void test_blocks_share_untouched_accounts(void) {
    size_t before = ledger_nodes_live();
    chain_params p = strict_params();
    enum { ACCOUNTS = 10000, BLOCKS = 3000 };
    tx **g = malloc(ACCOUNTS * sizeof *g);
    for (int i = 0; i < ACCOUNTS; i++) {
        char name[16];
        snprintf(name, sizeof name, "a%05d", (i * 7919) % ACCOUNTS);
        g[i] = mk("0", name, 1000);
    }
    ledger *empty = ledger_new_empty();
    ledger *l = ledger_apply(empty, &p, "", g, ACCOUNTS, true, &(reject){0}, &(size_t){0});
    ledger_unref(empty);
    unref_all(g, ACCOUNTS);
    free(g);
    CHECK_INT_EQ(ledger_count(l), ACCOUNTS);
    size_t base = ledger_nodes_live() - before;
    CHECK_INT_EQ(base, ACCOUNTS);
    ledger **chain = malloc(BLOCKS * sizeof *chain);
    size_t worst = 0;
    for (int b = 0; b < BLOCKS; b++) {
        char miner[16], from[16], to[16];
        snprintf(miner, sizeof miner, "a%05d", (b * 31) % ACCOUNTS);
        snprintf(from, sizeof from, "a%05d", (b * 17 + 3) % ACCOUNTS);
        snprintf(to, sizeof to, "a%05d", (b * 13 + 5) % ACCOUNTS);
        tx *txs[2] = {mk("0", miner, 50), mk(from, to, 1)};
        size_t n0 = ledger_nodes_live();
        ledger *next = ledger_apply(b ? chain[b - 1] : l, &p, miner, txs, 2, false,
                                    &(reject){0}, &(size_t){0});
        unref_all(txs, 2);
        CHECK(next != NULL);
        size_t added = ledger_nodes_live() - n0;
        if (added > worst) worst = added;
        chain[b] = next;
    }
    /* AVL height for 10,000 keys is at most 1.44 log2(10002) ~ 19 */
    CHECK(worst <= 3 * 20);
    CHECK(ledger_nodes_live() - before < 2 * (size_t)ACCOUNTS + (size_t)BLOCKS * 3 * 20);
    CHECK_INT_EQ(ledger_balance(chain[BLOCKS - 1], "a00000", NULL) > 0, 1);
    for (int b = 0; b < BLOCKS; b++) ledger_unref(chain[b]);
    ledger_unref(l);
    free(chain);
    CHECK_INT_EQ(ledger_nodes_live(), before);
}

static const test_case cases[] = {
    TEST(test_empty),
    TEST(test_genesis_balances_sorted),
    TEST(test_block_applies_and_parent_unchanged),
    TEST(test_every_rejection),
    TEST(test_sequential_overspend),
    TEST(test_self_send),
    TEST(test_check_tx_pending),
    TEST(test_open_negative),
    TEST(test_many_new_accounts),
    TEST(test_refcount),
    TEST(test_random_against_model),
    TEST(test_blocks_share_untouched_accounts),
    {0},
};

TEST_MAIN(cases)
