/* test_msg.c - message lifecycle (the tx reference is dropped, borrowed
 * blocks are not) and wire sizes, hand-computed per kind. */
#include "net/msg.h"

#include "check.h"
#include "util/mem.h"

/* Only wire_bytes is read by msg_wire_size; the blocks are the test's. */
static block fake_block(size_t wire_bytes) {
    block b;
    memset(&b, 0, sizeof b);
    b.wire_bytes = wire_bytes;
    return b;
}

static void test_new_defaults(void) {
    msg *m = msg_new(MSG_GETCHAIN);
    CHECK_INT_EQ(m->kind, MSG_GETCHAIN);
    CHECK_INT_EQ(m->from, -1);
    CHECK_INT_EQ(m->to, -1);
    CHECK(m->block == NULL && m->tx == NULL && m->blocks == NULL && m->cmd == NULL);
    CHECK(m->next == NULL);
    CHECK_INT_EQ(m->n_blocks, 0);
    CHECK_INT_EQ(m->sent_us, 0);
    msg_free(m);
    msg_free(NULL);
}

/* A freed message is kept for reuse; what msg_new hands out next must be
 * as fresh as a new one, whatever the old one held. */
static void test_reuse_is_fresh(void) {
    msg *m = msg_new(MSG_BLOCKS);
    m->from = 3;
    m->to = 4;
    m->sent_us = 5;
    m->deliver_us = 6;
    m->size_bytes = 7;
    m->blocks = xmalloc(2 * sizeof *m->blocks);
    m->n_blocks = 2;
    m->next = m;
    msg_free(m);
    msg *again = msg_new(MSG_INV);
    CHECK_INT_EQ(again->kind, MSG_INV);
    CHECK_INT_EQ(again->from, -1);
    CHECK_INT_EQ(again->to, -1);
    CHECK_INT_EQ(again->sent_us, 0);
    CHECK_INT_EQ(again->deliver_us, 0);
    CHECK_INT_EQ(again->size_bytes, 0);
    CHECK(again->blocks == NULL && again->next == NULL && again->block == NULL);
    CHECK_INT_EQ(again->n_blocks, 0);
    msg_free(again);
}

/* More messages than the reuse list holds, freed and made again: every one
 * distinct and fresh (the surplus goes back to malloc; ASan checks that
 * nothing leaks or is used twice). */
static void test_reuse_many(void) {
    enum { N = 300 };
    msg *ms[N];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            ms[i] = msg_new(MSG_GETDATA);
            CHECK_INT_EQ(ms[i]->from, -1);
            ms[i]->from = i;
        }
        for (int i = 0; i < N; i++) CHECK_INT_EQ(ms[i]->from, i);
        for (int i = 0; i < N; i++) msg_free(ms[i]);
    }
}

static void test_sizes_fixed(void) {
    msg *m = msg_new(MSG_INV);
    CHECK_INT_EQ(msg_wire_size(m), 24 + 36);
    m->kind = MSG_GETDATA;
    CHECK_INT_EQ(msg_wire_size(m), 60);
    m->kind = MSG_GETBLOCKTXN;
    CHECK_INT_EQ(msg_wire_size(m), 60);
    m->kind = MSG_GETCHAIN;
    CHECK_INT_EQ(msg_wire_size(m), 24);
    m->kind = MSG_COMMAND;
    CHECK_INT_EQ(msg_wire_size(m), 0);
    msg_free(m);
}

static void test_size_block(void) {
    block b = fake_block(1234);
    msg *m = msg_new(MSG_BLOCK);
    m->block = &b;
    CHECK_INT_EQ(msg_wire_size(m), 24 + 1234);
    msg_free(m); /* must not touch the borrowed block */
    CHECK_INT_EQ(b.wire_bytes, 1234);
}

/* A compact block: 24-byte frame, 80-byte header, 8-byte nonce, 6 bytes a
 * transaction - whatever the block's full size. */
static void test_size_compact(void) {
    block b = fake_block(535000);
    b.n_txs = 2000;
    msg *m = msg_new(MSG_CMPCTBLOCK);
    m->block = &b;
    CHECK_INT_EQ(msg_wire_size(m), 24 + 80 + 8 + 6 * 2000);
    b.n_txs = 1;
    CHECK_INT_EQ(msg_wire_size(m), 24 + 88 + 6);
    CHECK_INT_EQ(msg_compact_payload(2140), 88 + 12840);
    msg_free(m);
}

static void test_size_blocks_and_chain(void) {
    block b1 = fake_block(100), b2 = fake_block(250), b3 = fake_block(7);
    msg *m = msg_new(MSG_BLOCKS);
    m->blocks = xmalloc(3 * sizeof *m->blocks);
    m->blocks[0] = &b1;
    m->blocks[1] = &b2;
    m->blocks[2] = &b3;
    m->n_blocks = 3;
    CHECK_INT_EQ(msg_wire_size(m), 24 + 100 + 250 + 7);
    m->kind = MSG_CHAIN;
    CHECK_INT_EQ(msg_wire_size(m), 381);
    /* GETBLOCKS: the wanted hash plus one hash per locator entry. */
    m->kind = MSG_GETBLOCKS;
    CHECK_INT_EQ(msg_wire_size(m), 24 + 32 * 4);
    m->n_blocks = 0;
    CHECK_INT_EQ(msg_wire_size(m), 24 + 32);
    msg_free(m); /* frees the array, not the blocks */
}

static void test_size_saturates(void) {
    block big = fake_block(3000000000u);
    block *two[] = {&big, &big};
    msg *m = msg_new(MSG_CHAIN);
    m->blocks = two;
    m->n_blocks = 2;
    CHECK_INT_EQ(msg_wire_size(m), UINT32_MAX);
    m->blocks = NULL; /* the array is the test's */
    msg_free(m);
}

static void test_tx_reference(void) {
    reject why = REJ_NONE;
    tx *t = tx_create("alice", "bob", 5, "t1", 1000, &why);
    CHECK(t != NULL);
    const char *canon =
        "{\"amount\": 5, \"id\": \"t1\", \"receiver\": \"bob\", \"sender\": \"alice\", "
        "\"timestamp\": 1000}";
    msg *m = msg_new(MSG_TX);
    m->tx = tx_ref(t);
    CHECK_INT_EQ(atomic_load(&t->refs), 2);
    CHECK_INT_EQ(msg_wire_size(m), 24 + strlen(canon));
    /* An INV of a tx is an inventory entry, whatever the tx's size. */
    m->kind = MSG_INV;
    CHECK_INT_EQ(msg_wire_size(m), 60);
    msg_free(m);
    CHECK_INT_EQ(atomic_load(&t->refs), 1);
    tx_unref(t);
}

static void test_kind_names(void) {
    static const char *const want[MSG_KIND_COUNT] = {
        "inv",   "getdata",    "block",       "tx",      "getblocks", "blocks",
        "getchain", "chain", "cmpctblock", "getblocktxn", "command",
    };
    for (int k = 0; k < MSG_KIND_COUNT; k++) CHECK_STR_EQ(msg_kind_name((msg_kind)k), want[k]);
}

static const test_case cases[] = {
    TEST(test_new_defaults),
    TEST(test_reuse_is_fresh),
    TEST(test_reuse_many),
    TEST(test_sizes_fixed),
    TEST(test_size_block),
    TEST(test_size_compact),
    TEST(test_size_blocks_and_chain),
    TEST(test_size_saturates),
    TEST(test_tx_reference),
    TEST(test_kind_names),
    {0},
};

TEST_MAIN(cases)
