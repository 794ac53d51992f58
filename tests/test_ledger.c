/* test_ledger.c - balances, every rejection reason, sequential application,
 * open rules. Amounts are small and the expected balances are worked out by
 * hand in the comments. */
#include "chain/ledger.h"

#include <stdio.h>

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
    CHECK_INT_EQ(l->n, 0);
    ledger_unref(l);
    ledger_unref(NULL);
}

static void test_genesis_balances_sorted(void) {
    chain_params p = strict_params();
    ledger *l = genesis_ledger(&p);
    CHECK(l != NULL);
    CHECK_INT_EQ(l->n, 2);
    CHECK_STR_EQ(l->entries[0].name, "alice");
    CHECK_INT_EQ(l->entries[0].balance, 100);
    CHECK_STR_EQ(l->entries[1].name, "bob");
    CHECK_INT_EQ(l->entries[1].balance, 50);
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
    CHECK_INT_EQ(l->n, 4);
    const char *names[] = {"alice", "bob", "carol", "dave"};
    const int64_t balances[] = {70, 75, 50, 5};
    for (size_t i = 0; i < 4; i++) {
        CHECK_STR_EQ(l->entries[i].name, names[i]);
        CHECK_INT_EQ(l->entries[i].balance, balances[i]);
    }
    CHECK_INT_EQ(ledger_balance(g, "alice", NULL), 100);
    CHECK_INT_EQ(ledger_balance(g, "bob", NULL), 50);
    CHECK_INT_EQ(g->n, 2);
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
    CHECK_INT_EQ(l->n, 3);
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
    CHECK_INT_EQ(l->n, 0);
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
    CHECK_INT_EQ(l->n, N + 3);
    for (size_t i = 1; i < l->n; i++)
        if (strcmp(l->entries[i - 1].name, l->entries[i].name) >= 0)
            CHECK_FAIL_("entries %zu/%zu out of order: %s, %s", i - 1, i,
                        l->entries[i - 1].name, l->entries[i].name);
    CHECK_INT_EQ(ledger_balance(l, "alice", NULL), 0);
    CHECK_INT_EQ(ledger_balance(l, "bob", NULL), 0);
    CHECK_STR_EQ(l->entries[1].name, "b000");
    CHECK_STR_EQ(l->entries[N].name, "b149");
    CHECK_STR_EQ(l->entries[N + 1].name, "bob");
    for (size_t i = 1; i <= N; i++) CHECK_INT_EQ(l->entries[i].balance, 1);
    CHECK_INT_EQ(ledger_balance(l, "m", NULL), 50);
    ledger_unref(l);
    ledger_unref(g);
}

static void test_refcount(void) {
    ledger *l = ledger_new_empty();
    CHECK(ledger_ref(l) == l);
    CHECK_INT_EQ(atomic_load(&l->refs), 2);
    ledger_unref(l);
    CHECK_INT_EQ(atomic_load(&l->refs), 1);
    ledger_unref(l);
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
    {0},
};

TEST_MAIN(cases)
