/* test_tx.c - src/chain/tx.c: canonical bytes, the user-facing field rules,
 * strict and open parsing, reference counts.
 *
 * Expected canonical strings and derived ids were computed by hand from the
 * rules and checked with CPython (json.dumps(sort_keys=True), hashlib). */
#include <cjson/cJSON.h>

#include "chain/tx.h"
#include "check.h"
#include "util/buf.h"
#include "util/canon.h"

static char detail[200];

/* Parses `json` and runs tx_from_json; *why gets the code. */
static tx *parse(const char *json, ledger_rules rules, reject *why) {
    cJSON *obj = cJSON_Parse(json);
    detail[0] = '\0';
    tx *t = tx_from_json(obj, rules, why, detail, sizeof detail);
    cJSON_Delete(obj);
    return t;
}

static void test_create_canonical_bytes(void) {
    reject why = REJ_TX_DUPLICATE;
    tx *t = tx_create("alice", "Zo\xc3\xab", 5, "t1", 1000, &why);
    CHECK(t != NULL);
    CHECK_INT_EQ(why, REJ_NONE);
    CHECK_STR_EQ(t->canon, "{\"amount\": 5, \"id\": \"t1\", \"receiver\": \"Zo\\u00eb\", "
                           "\"sender\": \"alice\", \"timestamp\": 1000}");
    CHECK_INT_EQ(t->canon_len, strlen(t->canon));
    CHECK_STR_EQ(t->sender, "alice");
    CHECK_STR_EQ(t->receiver, "Zo\xc3\xab");
    CHECK_STR_EQ(t->id, "t1");
    CHECK_INT_EQ(t->amount, 5);
    CHECK_INT_EQ(t->timestamp_ms, 1000);
    CHECK(!tx_is_reward(t));
    /* The direct bytes are what canon_write_json gives for the same object. */
    cJSON *obj = cJSON_Parse(t->canon);
    buf out;
    buf_init(&out);
    CHECK_INT_EQ(canon_write_json(&out, obj, NULL, NULL), CS_OK);
    CHECK_MEM_EQ(out.data, out.len, t->canon, t->canon_len);
    buf_cleanup(&out);
    cJSON_Delete(obj);
    tx_unref(t);
}

static void test_create_reward(void) {
    reject why;
    tx *t = tx_create(TX_REWARD_SENDER, "miner-1", 50, "reward-7", 0, &why);
    CHECK(t && tx_is_reward(t));
    tx *u = tx_create("00", "miner-1", 50, "x", 0, &why);
    CHECK(u && !tx_is_reward(u));
    tx_unref(t);
    tx_unref(u);
}

static void test_check_fields_names(void) {
    char n64[65], n65[66], e32[65], e33[67];
    memset(n64, 'n', 64), n64[64] = '\0';
    memset(n65, 'n', 65), n65[65] = '\0';
    for (int i = 0; i < 32; i++) memcpy(e32 + 2 * i, "\xc3\xa9", 2);
    e32[64] = '\0';
    memcpy(e33, e32, 64), memcpy(e33 + 64, "\xc3\xa9", 3);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, "i"), REJ_NONE);
    CHECK_INT_EQ(tx_check_fields("", "b", 1, "i"), REJ_TX_NAME_EMPTY);
    CHECK_INT_EQ(tx_check_fields("a", "", 1, "i"), REJ_TX_NAME_EMPTY);
    CHECK_INT_EQ(tx_check_fields(n64, "b", 1, "i"), REJ_NONE);
    CHECK_INT_EQ(tx_check_fields(n65, "b", 1, "i"), REJ_TX_NAME_LONG);
    CHECK_INT_EQ(tx_check_fields("a", e32, 1, "i"), REJ_NONE);       /* 64 bytes */
    CHECK_INT_EQ(tx_check_fields("a", e33, 1, "i"), REJ_TX_NAME_LONG); /* 66 bytes, 33 chars */
    CHECK_INT_EQ(tx_check_fields("a\xc3", "b", 1, "i"), REJ_TX_NAME_INVALID);
    CHECK_INT_EQ(tx_check_fields("a\tb", "b", 1, "i"), REJ_TX_NAME_INVALID);
    CHECK_INT_EQ(tx_check_fields("a", "b\x7f", 1, "i"), REJ_TX_NAME_INVALID);
    CHECK_INT_EQ(tx_check_fields("a\xc2\x85", "b", 1, "i"), REJ_TX_NAME_INVALID); /* U+0085 */
    CHECK_INT_EQ(tx_check_fields("a\xc2\xa0" "b", "b", 1, "i"), REJ_NONE);        /* U+00A0 inside */
    CHECK_INT_EQ(tx_check_fields("a\xc2\xa0", "b", 1, "i"), REJ_TX_NAME_SPACE);   /* at an end */
    CHECK_INT_EQ(tx_check_fields("with space", "\xf0\x9f\x98\x80", 1, "i"), REJ_NONE);
}

static void test_check_fields_amount_and_id(void) {
    char id64[65], id65[66];
    memset(id64, 'x', 64), id64[64] = '\0';
    memset(id65, 'x', 65), id65[65] = '\0';
    CHECK_INT_EQ(tx_check_fields("a", "b", 0, "i"), REJ_TX_AMOUNT);
    CHECK_INT_EQ(tx_check_fields("a", "b", -3, "i"), REJ_TX_AMOUNT);
    CHECK_INT_EQ(tx_check_fields("a", "b", TX_AMOUNT_MAX, "i"), REJ_NONE);
    CHECK_INT_EQ(tx_check_fields("a", "b", TX_AMOUNT_MAX + 1, "i"), REJ_TX_AMOUNT);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, ""), REJ_TX_MALFORMED);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, id64), REJ_NONE);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, id65), REJ_TX_MALFORMED);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, "a\x01"), REJ_TX_MALFORMED);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, "\xc3\xa9"), REJ_TX_MALFORMED);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, "id with ~ space"), REJ_NONE);
    CHECK_INT_EQ(tx_check_fields("a", "b", 1, NULL), REJ_TX_MALFORMED);
    /* The first problem wins: sender before amount before id. */
    CHECK_INT_EQ(tx_check_fields("", "b", 0, ""), REJ_TX_NAME_EMPTY);
    CHECK_INT_EQ(tx_check_fields("a", "b", 0, ""), REJ_TX_AMOUNT);
}

static void test_create_rejects(void) {
    reject why = REJ_NONE;
    CHECK(tx_create("a", "b", 0, "i", 0, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_AMOUNT);
    CHECK(tx_create("a", "b", 1, "i", -1, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_MALFORMED);
    CHECK(tx_create("a", "", 1, "i", 0, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_NAME_EMPTY);
}

static void test_refcount(void) {
    reject why;
    tx *t = tx_create("a", "b", 1, "i", 0, &why);
    CHECK(tx_ref(t) == t);
    CHECK_INT_EQ(atomic_load(&t->refs), 2);
    tx_unref(t);
    CHECK_INT_EQ(atomic_load(&t->refs), 1);
    tx_unref(t); /* frees: ASan would report a leak or a double free */
    tx_unref(NULL);
}

static void test_strict_parse_equals_create(void) {
    reject why;
    tx *p = parse("{\"timestamp\": 1000, \"sender\": \"alice\", \"receiver\": \"Zo\\u00eb\", "
                  "\"id\": \"t1\", \"amount\": 5}", LEDGER_STRICT, &why);
    tx *c = tx_create("alice", "Zo\xc3\xab", 5, "t1", 1000, &why);
    CHECK(p && c);
    CHECK_STR_EQ(p->canon, c->canon);
    CHECK_STR_EQ(p->receiver, "Zo\xc3\xab");
    CHECK_INT_EQ(p->amount, 5);
    CHECK_INT_EQ(p->timestamp_ms, 1000);
    tx_unref(p);
    tx_unref(c);
}

static void test_strict_parse_errors(void) {
    static const struct {
        const char *json;
        reject why;
        const char *detail;
    } cases[] = {
        {"[1]", REJ_TX_MALFORMED, "expected an object"},
        {"{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\"}",
         REJ_TX_MALFORMED, "timestamp: missing"},
        {"{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0, "
         "\"memo\": \"x\"}", REJ_TX_MALFORMED, "memo: unexpected field"},
        {"{\"amount\": 5, \"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", "
         "\"timestamp\": 0}", REJ_TX_MALFORMED, "amount: duplicate field"},
        {"{\"amount\": \"5\", \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}",
         REJ_TX_MALFORMED, "amount: expected an integer"},
        {"{\"amount\": 1.5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}",
         REJ_TX_AMOUNT, "amount: expected a whole number"},
        {"{\"amount\": 0, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}",
         REJ_TX_AMOUNT, "amount: the amount must be a positive whole number of at most 10^15"},
        {"{\"amount\": 5, \"id\": 3, \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}",
         REJ_TX_MALFORMED, "id: expected a string"},
        {"{\"amount\": 5, \"id\": \"\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": 0}",
         REJ_TX_MALFORMED, "id: expected 1..64 printable ASCII characters"},
        {"{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"\", \"timestamp\": 0}",
         REJ_TX_NAME_EMPTY, "sender: the sender and the receiver must not be empty"},
        {"{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\\u0007\", \"sender\": \"a\", \"timestamp\": 0}",
         REJ_TX_NAME_INVALID,
         "receiver: the sender or the receiver is not valid UTF-8 or holds control characters"},
        {"{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": -1}",
         REJ_TX_MALFORMED, "timestamp: expected an integer >= 0"},
        {"{\"amount\": 5, \"id\": \"i\", \"receiver\": \"b\", \"sender\": \"a\", \"timestamp\": null}",
         REJ_TX_MALFORMED, "timestamp: expected an integer >= 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject why = REJ_NONE;
        tx *t = parse(cases[i].json, LEDGER_STRICT, &why);
        if (t) CHECK_FAIL_("case %zu parsed: %s", i, t->canon);
        CHECK_INT_EQ(why, cases[i].why);
        CHECK_STR_EQ(detail, cases[i].detail);
    }
}

static void test_open_classic_tx(void) {
    reject why;
    tx *t = parse("{\"sender\": \"a\", \"recipient\": \"b\", \"amount\": 5}", LEDGER_OPEN, &why);
    CHECK(t != NULL);
    CHECK_STR_EQ(t->canon, "{\"amount\": 5, \"recipient\": \"b\", \"sender\": \"a\"}");
    CHECK_STR_EQ(t->receiver, "b");
    CHECK_STR_EQ(t->sender, "a");
    CHECK_INT_EQ(t->amount, 5);
    CHECK_INT_EQ(t->timestamp_ms, 0);
    /* First 16 bytes of SHA-256 of the canonical bytes, in hex. */
    CHECK_STR_EQ(t->id, "a6f1eaa00f02c78778bc448359db29a7");
    tx_unref(t);
}

static void test_open_keeps_whatever(void) {
    reject why;
    tx *t = parse("{\"sender\": 7, \"receiver\": \"b\", \"amount\": \"5\", \"memo\": \"hi\", "
                  "\"timestamp\": 12}", LEDGER_OPEN, &why);
    CHECK(t != NULL);
    CHECK_STR_EQ(t->canon, "{\"amount\": \"5\", \"memo\": \"hi\", \"receiver\": \"b\", "
                           "\"sender\": 7, \"timestamp\": 12}");
    CHECK_STR_EQ(t->sender, "7");
    CHECK_INT_EQ(t->amount, 0); /* not an integer: reads as 0 */
    CHECK_INT_EQ(t->timestamp_ms, 12);
    CHECK_STR_EQ(t->id, "76974db0c72dada7a816318d9bd6f5c9");
    tx_unref(t);

    t = parse("{\"sender\": \"a\", \"receiver\": \"b\", \"amount\": -4, \"id\": \"mine\"}",
              LEDGER_OPEN, &why);
    CHECK(t != NULL);
    CHECK_STR_EQ(t->id, "mine");
    CHECK_INT_EQ(t->amount, -4);
    tx_unref(t);
}

static void test_open_rejects(void) {
    reject why = REJ_NONE;
    CHECK(parse("{\"receiver\": \"b\", \"amount\": 5}", LEDGER_OPEN, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_MALFORMED);
    CHECK_STR_EQ(detail, "sender: missing");
    CHECK(parse("{\"sender\": \"a\", \"amount\": 5}", LEDGER_OPEN, &why) == NULL);
    CHECK_STR_EQ(detail, "receiver: missing");
    CHECK(parse("{\"sender\": \"a\", \"receiver\": \"b\"}", LEDGER_OPEN, &why) == NULL);
    CHECK_STR_EQ(detail, "amount: missing");
    CHECK(parse("{\"sender\": \"a\", \"receiver\": \"b\", \"amount\": 2.5}", LEDGER_OPEN, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_MALFORMED);
    CHECK(strncmp(detail, "amount: not canonical JSON", 26) == 0);
    CHECK(parse("{\"sender\": [1], \"receiver\": \"b\", \"amount\": 2}", LEDGER_OPEN, &why) == NULL);
    CHECK_STR_EQ(detail, "sender: expected a string or an integer");
    CHECK(parse("\"tx\"", LEDGER_OPEN, &why) == NULL);
    CHECK_INT_EQ(why, REJ_TX_MALFORMED);
}

static const test_case cases[] = {
    TEST(test_create_canonical_bytes),
    TEST(test_create_reward),
    TEST(test_check_fields_names),
    TEST(test_check_fields_amount_and_id),
    TEST(test_create_rejects),
    TEST(test_refcount),
    TEST(test_strict_parse_equals_create),
    TEST(test_strict_parse_errors),
    TEST(test_open_classic_tx),
    TEST(test_open_keeps_whatever),
    TEST(test_open_rejects),
    {0},
};

TEST_MAIN(cases)
