/* test_block.c - src/chain/block.c: the classic genesis known answer,
 * canonical bytes of block_new, wire JSON and its round trip, parse errors
 * with their reasons and messages, ancestry through skip pointers.
 *
 * Expected bytes and hashes were written from the rules and checked with
 * CPython (json.dumps(sort_keys=True), hashlib.sha256). */
#include <cjson/cJSON.h>
#include <math.h>

#include "chain/block.h"
#include "check.h"
#include "util/canon.h"

#define GENESIS_HASH "0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8"
#define GENESIS_CANON \
    "{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, \"transactions\": []}"

static char detail[256];

static block *parse(const char *json, ledger_rules rules, reject *why) {
    cJSON *obj = cJSON_Parse(json);
    detail[0] = '\0';
    block *b = block_from_json(obj, rules, why, detail, sizeof detail);
    cJSON_Delete(obj);
    return b;
}

static char *wire_of(const block *b) {
    buf out;
    buf_init(&out);
    block_to_json(&out, b);
    return buf_detach(&out, NULL);
}

static void test_classic_genesis(void) {
    const char *inputs[] = {
        GENESIS_CANON,
        "{\"hash\":\"" GENESIS_HASH "\",\"transactions\":[],\"proof\":16552,"
        "\"previous_hash\":\"0\",\"index\":1}",
    };
    for (int i = 0; i < 2; i++) {
        reject why = REJ_TX_DUPLICATE;
        block *b = parse(inputs[i], LEDGER_STRICT, &why);
        CHECK(b != NULL);
        CHECK_INT_EQ(why, REJ_NONE);
        CHECK_STR_EQ(b->hash_hex, GENESIS_HASH);
        CHECK_STR_EQ(b->canon, GENESIS_CANON);
        CHECK_INT_EQ(b->index, 1);
        CHECK_STR_EQ(b->prev_hash, "0");
        CHECK_INT_EQ(b->proof, 16552);
        CHECK_INT_EQ(b->difficulty, 16);
        CHECK_STR_EQ(b->miner, "");
        CHECK_INT_EQ(b->timestamp_ms, 0);
        CHECK_INT_EQ(b->n_txs, 0);
        CHECK_INT_EQ(b->self_check, REJ_NONE);
        CHECK_INT_EQ(block_hash_zero_digits(b), 4);
        char *wire = wire_of(b);
        CHECK_STR_EQ(wire, "{\"hash\": \"" GENESIS_HASH "\", \"index\": 1, \"previous_hash\": "
                           "\"0\", \"proof\": 16552, \"transactions\": []}");
        CHECK_INT_EQ(b->wire_bytes, strlen(wire));
        free(wire);
        block_unref(b);
    }
}

static void test_stated_hash(void) {
    reject why = REJ_NONE;
    /* Upper-case hex of the right hash is the same hash. */
    block *b = parse("{\"hash\": \"0000EA8562570C51773F54F97E1DD61131092B841B3F8E4592600791124FE4D8\", "
                     "\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, \"transactions\": []}",
                     LEDGER_OPEN, &why);
    CHECK(b != NULL);
    block_unref(b);
    const char *wrong[] = {
        "{\"hash\": \"1000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8\", "
        "\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, \"transactions\": []}",
        "{\"hash\": \"0000ea85\", \"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, "
        "\"transactions\": []}",
        "{\"hash\": \"" GENESIS_HASH "\", \"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, "
        "\"transactions\": [], \"extra\": 1}",
    };
    for (int i = 0; i < 3; i++) {
        CHECK(parse(wrong[i], LEDGER_STRICT, &why) == NULL);
        CHECK_INT_EQ(why, REJ_BLK_HASH);
        CHECK(strncmp(detail, "hash: stated ", 13) == 0);
    }
}

static void test_insufficient_work(void) {
    reject why = REJ_NONE;
    /* proof 16551 hashes to 09634a55...: 4 leading zero bits, not 16. */
    CHECK(parse("{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16551, \"transactions\": []}",
                LEDGER_STRICT, &why) == NULL);
    CHECK_INT_EQ(why, REJ_BLK_POW);
    CHECK_STR_EQ(detail, "hash: 09634a55b86b287814b55fd48c2bb5fe367d5ade1e9e7e6dcf75474724e6d73b "
                         "has 4 leading zero bits, difficulty 16 needs more");
    /* The same block stating difficulty 0 (part of what is hashed) is fine. */
    block *b = parse("{\"difficulty\": 0, \"index\": 1, \"previous_hash\": \"0\", \"proof\": 16551, "
                     "\"transactions\": []}", LEDGER_STRICT, &why);
    CHECK(b != NULL);
    CHECK_STR_EQ(b->hash_hex, "02542339470eb805890478642d631049158e336dcd1a4a0ca480a9a4dae0542d");
    CHECK_INT_EQ(b->difficulty, 0);
    block_unref(b);
}

#define TX_OK "{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}"
#define BLK(fields) "{\"difficulty\": 0, \"previous_hash\": \"0\", " fields "}"

static void test_malformed(void) {
    static const struct {
        const char *json;
        reject why;
        const char *detail;
    } cases[] = {
        {"[]", REJ_BLK_MALFORMED, "block: expected an object"},
        {BLK("\"proof\": 1, \"transactions\": []"), REJ_BLK_MALFORMED, "index: missing"},
        {BLK("\"index\": 1, \"transactions\": []"), REJ_BLK_MALFORMED, "proof: missing"},
        {BLK("\"index\": 1, \"proof\": 1"), REJ_BLK_MALFORMED, "transactions: missing"},
        {BLK("\"index\": 0, \"proof\": 1, \"transactions\": []"), REJ_BLK_MALFORMED,
         "index: expected an integer >= 1"},
        {BLK("\"index\": \"1\", \"proof\": 1, \"transactions\": []"), REJ_BLK_MALFORMED,
         "index: expected an integer >= 1"},
        {"{\"index\": 1, \"previous_hash\": \"\", \"proof\": 1, \"transactions\": []}",
         REJ_BLK_MALFORMED, "previous_hash: expected a string of 1 to 64 characters"},
        {"{\"index\": 1, \"previous_hash\": "
         "\"00000000000000000000000000000000000000000000000000000000000000000\", "
         "\"proof\": 1, \"transactions\": []}",
         REJ_BLK_MALFORMED, "previous_hash: expected a string of 1 to 64 characters"},
        {"{\"index\": 1, \"previous_hash\": 0, \"proof\": 1, \"transactions\": []}",
         REJ_BLK_MALFORMED, "previous_hash: expected a string of 1 to 64 characters"},
        {BLK("\"index\": 1, \"proof\": -1, \"transactions\": []"), REJ_BLK_MALFORMED,
         "proof: expected an integer >= 0"},
        {BLK("\"index\": 1, \"proof\": 1.5, \"transactions\": []"), REJ_BLK_MALFORMED,
         "proof: expected an integer >= 0"},
        {"{\"difficulty\": 256, \"index\": 1, \"previous_hash\": \"0\", \"proof\": 1, "
         "\"transactions\": []}", REJ_BLK_MALFORMED, "difficulty: expected an integer from 0 to 255"},
        {BLK("\"index\": 1, \"proof\": 1, \"timestamp\": -5, \"transactions\": []"),
         REJ_BLK_MALFORMED, "timestamp: expected an integer >= 0"},
        {BLK("\"index\": 1, \"proof\": 1, \"miner\": 5, \"transactions\": []"), REJ_BLK_MALFORMED,
         "miner: expected a string"},
        {BLK("\"index\": 1, \"proof\": 1, \"hash\": null, \"transactions\": []"),
         REJ_BLK_MALFORMED, "hash: expected a string"},
        {BLK("\"index\": 1, \"proof\": 1, \"transactions\": {}"), REJ_BLK_MALFORMED,
         "transactions: expected an array"},
        {BLK("\"index\": 1, \"proof\": 1, \"transactions\": [" TX_OK ", 5]"), REJ_BLK_MALFORMED,
         "transactions[1]: expected an object"},
        {BLK("\"index\": 1, \"proof\": 1, \"transactions\": [" TX_OK ", " TX_OK ", {\"amount\": \"5\", "
             "\"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}]"),
         REJ_BLK_MALFORMED, "transactions[2].amount: expected an integer"},
        {BLK("\"index\": 1, \"proof\": 1, \"transactions\": [{\"amount\": 0, \"id\": \"i\", "
             "\"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}]"),
         REJ_BLK_TX,
         "transactions[0].amount: the amount must be a positive whole number of at most 10^15"},
        {BLK("\"index\": 1, \"proof\": 1, \"transactions\": [], \"note\": 0.5"), REJ_BLK_MALFORMED,
         "note: not canonical JSON (a fraction, a huge number, bad UTF-8 or a duplicate key)"},
        {BLK("\"index\": 1, \"proof\": 1, \"transactions\": [], \"x\": 1, \"x\": 2"),
         REJ_BLK_MALFORMED,
         "x: not canonical JSON (a fraction, a huge number, bad UTF-8 or a duplicate key)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject why = REJ_NONE;
        block *b = parse(cases[i].json, LEDGER_STRICT, &why);
        if (b) CHECK_FAIL_("case %zu parsed: %s", i, b->canon);
        if (why != cases[i].why)
            CHECK_FAIL_("case %zu: why %s, expected %s", i, reject_code(why),
                        reject_code(cases[i].why));
        CHECK_STR_EQ(detail, cases[i].detail);
    }
}

static void test_too_many_txs(void) {
    buf json;
    buf_init(&json);
    buf_puts(&json, BLK("\"index\": 1, \"proof\": 1, \"transactions\": [0"));
    json.len -= 1; /* drop the closing "}" to append the rest of the array */
    for (int i = 1; i <= CHAIN_MAX_BLOCK_TXS; i++) buf_puts(&json, ", 0");
    buf_puts(&json, "]}");
    reject why = REJ_NONE;
    CHECK(parse(json.data, LEDGER_OPEN, &why) == NULL);
    CHECK_INT_EQ(why, REJ_BLK_TOO_BIG);
    buf_cleanup(&json);
}

/* Two transactions: the reward and an ordinary one. */
static void make_txs(tx *txs[2]) {
    reject why;
    txs[0] = tx_create("0", "m", 50, "r1", 5, &why);
    txs[1] = tx_create("alice", "bob", 3, "t2", 6, &why);
}

static void test_new_canonical_bytes(void) {
    tx *txs[2];
    make_txs(txs);
    block *b = block_new(2, GENESIS_HASH, 12345, 777, 0, "m", txs, 2);
    CHECK_STR_EQ(b->canon,
                 "{\"difficulty\": 0, \"index\": 2, \"miner\": \"m\", \"previous_hash\": \""
                 GENESIS_HASH "\", \"proof\": 12345, \"timestamp\": 777, \"transactions\": ["
                 "{\"amount\": 50, \"id\": \"r1\", \"receiver\": \"m\", \"sender\": \"0\", "
                 "\"timestamp\": 5}, {\"amount\": 3, \"id\": \"t2\", \"receiver\": \"bob\", "
                 "\"sender\": \"alice\", \"timestamp\": 6}]}");
    CHECK_STR_EQ(b->hash_hex, "f9f070aae5b92637ea0e3d8e8f0ab74e4220a3b66460f468c56ff24a67f76a59");
    CHECK_INT_EQ(b->self_check, REJ_NONE);
    /* The block holds its own references: the caller's can go. */
    CHECK_INT_EQ(atomic_load(&txs[1]->refs), 2);
    tx_unref(txs[0]);
    tx_unref(txs[1]);
    CHECK_STR_EQ(b->txs[1]->id, "t2");
    block_unref(b);
}

static void test_new_self_check(void) {
    tx *txs[2];
    make_txs(txs);
    block *b = block_new(2, GENESIS_HASH, 12345, 777, 1, "m", txs, 2);
    /* a9dc1a16...: the first bit is set, so difficulty 1 is not met. */
    CHECK_STR_EQ(b->hash_hex, "a9dc1a169e28d0bd8d6609d57ace2dcddc4da46a867d0d454a766c65f549f0ec");
    CHECK_INT_EQ(b->self_check, REJ_BLK_POW);
    block_unref(b);
    b = block_new(0, GENESIS_HASH, 1, 0, 0, "m", txs, 2);
    CHECK_INT_EQ(b->self_check, REJ_BLK_MALFORMED);
    block_unref(b);
    b = block_new(2, GENESIS_HASH, 1, 0, 256, "m", txs, 2);
    CHECK_INT_EQ(b->self_check, REJ_BLK_MALFORMED);
    block_unref(b);
    tx **many = malloc((CHAIN_MAX_BLOCK_TXS + 1) * sizeof *many);
    for (int i = 0; i <= CHAIN_MAX_BLOCK_TXS; i++) many[i] = txs[1];
    b = block_new(2, GENESIS_HASH, 1, 0, 0, "m", many, CHAIN_MAX_BLOCK_TXS);
    CHECK_INT_EQ(b->self_check, REJ_NONE);
    block_unref(b);
    b = block_new(2, GENESIS_HASH, 1, 0, 0, "m", many, CHAIN_MAX_BLOCK_TXS + 1);
    CHECK_INT_EQ(b->self_check, REJ_BLK_TOO_BIG);
    block_unref(b);
    free(many);
    /* The classic genesis built field by field is checked the same way; its
     * canonical bytes carry our extra fields, so its hash differs. */
    b = block_new(1, "0", 16552, 0, 16, NULL, NULL, 0);
    CHECK_STR_EQ(b->miner, "");
    CHECK_STR_EQ(b->hash_hex, "22d6e2d25787d8846ffd245bd9737f20c0af611ea3d14cba4a17972096a56c65");
    CHECK_INT_EQ(b->self_check, REJ_BLK_POW);
    block_unref(b);
    tx_unref(txs[0]);
    tx_unref(txs[1]);
}

/* block_new -> block_to_json -> parse: canon_write_json of the parsed wire
 * form (without "hash") is the same bytes, and block_from_json rebuilds the
 * same block. Sealed at difficulty 8 by trying proofs in order. */
static void test_round_trip(void) {
    reject why;
    tx *txs[3];
    make_txs(txs);
    cJSON *classic = cJSON_Parse("{\"sender\": \"x\", \"recipient\": \"y\", \"amount\": 1}");
    txs[2] = tx_from_json(classic, LEDGER_OPEN, &why, NULL, 0);
    cJSON_Delete(classic);
    CHECK(txs[2] != NULL);
    const char *miner = "Zo\xc3\xab \xf0\x9f\x98\x80 \"q\"";
    block *b = NULL;
    for (uint64_t proof = 0; proof < 100000; proof++) {
        b = block_new(9, GENESIS_HASH, proof, 123456, 8, miner, txs, 3);
        if (b->self_check == REJ_NONE) break;
        block_unref(b);
        b = NULL;
    }
    CHECK(b != NULL);
    char *wire = wire_of(b);
    CHECK_INT_EQ(b->wire_bytes, strlen(wire));
    cJSON *obj = cJSON_Parse(wire);
    CHECK(obj != NULL);
    buf canon;
    buf_init(&canon);
    CHECK_INT_EQ(canon_write_json(&canon, obj, "hash", NULL), CS_OK);
    CHECK_MEM_EQ(canon.data, canon.len, b->canon, b->canon_len);
    buf_cleanup(&canon);

    block *back = block_from_json(obj, LEDGER_OPEN, &why, detail, sizeof detail);
    CHECK(back != NULL);
    CHECK_STR_EQ(back->hash_hex, b->hash_hex);
    CHECK_STR_EQ(back->canon, b->canon);
    CHECK_STR_EQ(back->miner, miner);
    CHECK_INT_EQ(back->index, 9);
    CHECK_INT_EQ(back->proof, b->proof);
    CHECK_INT_EQ(back->timestamp_ms, 123456);
    CHECK_INT_EQ(back->difficulty, 8);
    CHECK_INT_EQ(back->n_txs, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_STR_EQ(back->txs[i]->canon, txs[i]->canon);
        CHECK_STR_EQ(back->txs[i]->id, txs[i]->id);
    }
    CHECK_INT_EQ(back->wire_bytes, b->wire_bytes);
    block_unref(back);
    cJSON_Delete(obj);
    free(wire);
    block_unref(b);
    for (int i = 0; i < 3; i++) tx_unref(txs[i]);
}

/* Bitcoin's GetSkipHeight on 0-based heights; our index is height + 1. */
static int64_t skip_index(int64_t index) {
    int64_t h = index - 1;
    if (h < 2) return 1;
    int64_t s = (h & 1) ? (((h - 1) & (h - 2)) & (((h - 1) & (h - 2)) - 1)) + 1 : (h & (h - 1));
    return s + 1;
}

static void test_ancestor(void) {
    enum { N = 300 };
    block *chain[N + 1] = {NULL};
    for (int64_t i = 1; i <= N; i++) {
        chain[i] = block_new(i, i == 1 ? "0" : chain[i - 1]->hash_hex, 0, 0, 0, "", NULL, 0);
        chain[i]->parent = i == 1 ? NULL : chain[i - 1];
        chain[i]->skip = i == 1 ? NULL : chain[skip_index(i)];
    }
    CHECK_INT_EQ(skip_index(2), 1);
    CHECK_INT_EQ(skip_index(9), 1);   /* height 8: 8 & 7 = 0 */
    CHECK_INT_EQ(skip_index(13), 9);  /* height 12: 12 & 11 = 8 */
    CHECK_INT_EQ(skip_index(24), 18); /* height 23: ((22 & 21) & 19) + 1 = 17 */
    for (int64_t tip = 1; tip <= N; tip += 37)
        for (int64_t k = 1; k <= tip; k++) CHECK(block_ancestor(chain[tip], k) == chain[k]);
    for (int64_t k = 1; k <= N; k++) CHECK(block_ancestor(chain[N], k) == chain[k]);
    CHECK(block_ancestor(chain[N], 0) == NULL);
    CHECK(block_ancestor(chain[N], N + 1) == NULL);
    CHECK(block_ancestor(chain[1], 1) == chain[1]);
    /* Without skip pointers the walk still arrives, by parents only. */
    for (int64_t i = 1; i <= N; i++) chain[i]->skip = NULL;
    CHECK(block_ancestor(chain[N], 7) == chain[7]);
    /* A lineage with a gap in its indices (10 -> 3) has no block 5. */
    chain[10]->parent = chain[3];
    CHECK(block_ancestor(chain[10], 5) == NULL);
    CHECK(block_ancestor(chain[10], 2) == chain[2]);
    for (int64_t i = 1; i <= N; i++) block_unref(chain[i]);
}

static void test_work_and_refs(void) {
    CHECK_DBL_NEAR(block_work(0), 1.0, 0);
    CHECK_DBL_NEAR(block_work(16), 65536.0, 0);
    CHECK(block_work(255) == ldexp(1.0, 255));
    block *b = block_new(1, "0", 0, 0, 0, "", NULL, 0);
    CHECK(block_ref(b) == b);
    CHECK_INT_EQ(atomic_load(&b->refs), 2);
    block_unref(b);
    block_unref(b);
    block_unref(NULL);
}

static const test_case cases[] = {
    TEST(test_classic_genesis),
    TEST(test_stated_hash),
    TEST(test_insufficient_work),
    TEST(test_malformed),
    TEST(test_too_many_txs),
    TEST(test_new_canonical_bytes),
    TEST(test_new_self_check),
    TEST(test_round_trip),
    TEST(test_ancestor),
    TEST(test_work_and_refs),
    {0},
};

TEST_MAIN(cases)
