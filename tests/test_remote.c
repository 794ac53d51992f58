/* test_remote.c - the remote transport's pure parts: peer URL checks and
 * normalisation, and parsing a pulled chain (every refusal leaves the store
 * as it was; a good chain comes back interned, genesis first). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "chain/bstore.h"
#include "http/remote.h"
#include "util/buf.h"

static void test_url_normalize_accepts(void) {
    static const char *const cases[][2] = {
        {"http://127.0.0.1:5000", "http://127.0.0.1:5000"},
        {"http://127.0.0.1:5000/", "http://127.0.0.1:5000"},
        {"127.0.0.1:5001", "http://127.0.0.1:5001"},
        {"HTTP://LocalHost:80", "http://localhost:80"},
        {"https://node.example", "https://node.example"},
        {"http://[::1]:5000", "http://[::1]:5000"},
        {"http://a-b_c.d:65535", "http://a-b_c.d:65535"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[REMOTE_MAX_URL + 16];
        const char *why = NULL;
        CHECK(remote_url_normalize(out, sizeof out, cases[i][0], &why));
        CHECK_STR_EQ(out, cases[i][1]);
    }
}

static void test_url_normalize_refuses(void) {
    char long_url[400];
    memset(long_url, 'a', sizeof long_url - 1);
    long_url[sizeof long_url - 1] = '\0';
    memcpy(long_url, "http://", 7);
    const char *const bad[] = {
        "", "ftp://127.0.0.1:1", "http://", "http://:5000", "http://a b:80", "http://h:0",
        "http://h:65536", "http://h:123456", "http://h:5x", "http://h/path", "http://h?x=1",
        "http://h#f", "http://u:p@h:1", "http://[::1", "http://h\x01", "http://h\xc3\xa9",
        "http://h%41:1", long_url,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[REMOTE_MAX_URL + 16];
        const char *why = NULL;
        bool ok = remote_url_normalize(out, sizeof out, bad[i], &why);
        if (ok) CHECK_FAIL_("accepted '%s' as '%s'", bad[i], out);
        CHECK(why != NULL && why[0] != '\0');
    }
}

/* What normalising accepts, normalising again accepts unchanged: a
 * scheme-less host:port of exactly REMOTE_MAX_URL bytes must not grow past
 * the limit when "http://" is put in front (found by fuzz_body). */
static void test_url_normalize_is_idempotent_at_the_limit(void) {
    char at_limit[REMOTE_MAX_URL + 1];
    memset(at_limit, 'h', REMOTE_MAX_URL);
    at_limit[REMOTE_MAX_URL] = '\0';
    memcpy(at_limit + REMOTE_MAX_URL - 5, ":5000", 5);
    char out[REMOTE_MAX_URL + 16], again[REMOTE_MAX_URL + 16];
    const char *why = NULL;
    CHECK(!remote_url_normalize(out, sizeof out, at_limit, &why));
    CHECK_STR_EQ(why, "the URL is too long");
    /* Shortest refused and longest accepted differ by one byte. */
    char fits[REMOTE_MAX_URL + 1];
    size_t n = REMOTE_MAX_URL - 7; /* "http://" + n bytes == the limit */
    memset(fits, 'h', n);
    fits[n] = '\0';
    memcpy(fits + n - 5, ":5000", 5);
    CHECK(remote_url_normalize(out, sizeof out, fits, &why));
    CHECK(strlen(out) == REMOTE_MAX_URL);
    CHECK(remote_url_normalize(again, sizeof again, out, &why));
    CHECK_STR_EQ(again, out);
    char over[REMOTE_MAX_URL + 1]; /* one byte longer: refused, not cut */
    memset(over, 'h', n + 1);
    over[n + 1] = '\0';
    memcpy(over + n + 1 - 5, ":5000", 5);
    CHECK(!remote_url_normalize(out, sizeof out, over, &why));
    CHECK_STR_EQ(why, "the URL is too long");
}

/* A classic chain of n blocks (genesis + n-1 sealed at difficulty 16). */
static char *classic_chain(bstore *st, size_t n) {
    buf b;
    buf_init(&b);
    buf_puts(&b, "{\"chain\": [");
    block *prev = bstore_genesis(st);
    block_to_json(&b, prev);
    for (size_t i = 1; i < n; i++) {
        block *next = NULL;
        for (uint64_t proof = 0; !next; proof++) {
            block *c = block_new(prev->index + 1, prev->hash_hex, proof, 0, 16, "", NULL, 0);
            if (c->self_check == REJ_NONE) next = c;
            else block_unref(c);
        }
        buf_puts(&b, ", ");
        block_to_json(&b, next);
        block_unref(prev == bstore_genesis(st) ? NULL : prev);
        prev = next;
    }
    if (prev != bstore_genesis(st)) block_unref(prev);
    buf_puts(&b, "], \"length\": 0}");
    return buf_detach(&b, NULL);
}

static void test_parse_chain(void) {
    bstore *st = bstore_new(&(chain_params){.ledger = LEDGER_OPEN}, genesis_classic());
    char *text = classic_chain(st, 3);
    block **blocks = NULL;
    size_t n = 0;
    char detail[256] = "";
    reject why = remote_parse_chain(st, text, strlen(text), 100, &blocks, &n, detail, sizeof detail);
    CHECK_INT_EQ(why, REJ_NONE);
    CHECK_INT_EQ(n, 3);
    CHECK(blocks[0] == bstore_genesis(st)); /* interned: the store's own genesis */
    CHECK_INT_EQ(blocks[2]->index, 3);
    CHECK_INT_EQ(bstore_count(st), 3);
    free(blocks);
    /* Too many blocks for the limit. */
    why = remote_parse_chain(st, text, strlen(text), 2, &blocks, &n, detail, sizeof detail);
    CHECK_INT_EQ(why, REJ_CHAIN_TOO_LARGE);
    CHECK_STR_EQ(detail, "the chain has 3 blocks, more than the 2 accepted");
    free(text);
    bstore_free(st);
}

static void test_parse_chain_refusals(void) {
    bstore *st = bstore_new(&(chain_params){.ledger = LEDGER_OPEN}, genesis_classic());
    const char *g = "{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, \"transactions\": []}";
    char nopow[256], badhash[300];
    snprintf(nopow, sizeof nopow, "{\"chain\": [%s, {\"index\": 2, \"previous_hash\": \"x\", \"proof\": 1, "
             "\"transactions\": []}]}", g);
    snprintf(badhash, sizeof badhash, "{\"chain\": [{\"hash\": \"00\", \"index\": 1, \"previous_hash\": \"0\", "
             "\"proof\": 16552, \"transactions\": []}]}");
    char trailing[300], whole[300];
    snprintf(trailing, sizeof trailing, "{\"chain\": [%s]} {}", g);
    snprintf(whole, sizeof whole, "{\"chain\": [{\"index\": 1.0, \"previous_hash\": \"0\", \"proof\": 16552, "
             "\"transactions\": []}]}");
    /* Each refusal with its own reason and where it is. */
    const struct { const char *body; reject why; const char *detail; } cases[] = {
        {"", REJ_CHAIN_JSON, "the body is not valid JSON: the text holds no JSON value at byte 0"},
        {"{\"chain\": [", REJ_CHAIN_JSON, "the body is not valid JSON: the text ends where a value was expected at byte 11"},
        {trailing, REJ_CHAIN_JSON, "the body is not valid JSON: more text follows the JSON value at byte 84"},
        {whole, REJ_CHAIN_JSON, "the body is not valid JSON: 1.0 is a whole number written with a fraction or an exponent: write it as an integer at byte 21"},
        {"{\"chain\": 5}", REJ_CHAIN_MALFORMED, "the body is not {\"chain\": [...]}"},
        {"[1, 2]", REJ_CHAIN_MALFORMED, "the body is not {\"chain\": [...]}"},
        {"{\"chain\": [1]}", REJ_CHAIN_MALFORMED, "chain[0]: not an object (chain_malformed)"},
        {"{\"chain\": [{\"index\": \"1\"}]}", REJ_BLK_MALFORMED, "chain[0]: "},
        {nopow, REJ_BLK_POW, "chain[1]: "},
        {badhash, REJ_BLK_HASH, "chain[0]: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        block **blocks = (block **)1;
        size_t n = 99;
        char detail[256] = "";
        reject why = remote_parse_chain(st, cases[i].body, strlen(cases[i].body), 100, &blocks, &n,
                                        detail, sizeof detail);
        CHECK_INT_EQ(why, cases[i].why);
        CHECK(blocks == NULL && n == 0);
        if (strncmp(detail, cases[i].detail, strlen(cases[i].detail)) != 0)
            CHECK_FAIL_("case %zu: detail \"%s\", expected \"%s...\"", i, detail, cases[i].detail);
        CHECK_INT_EQ(bstore_count(st), 1); /* nothing interned */
    }
    bstore_free(st);
}

static const test_case cases[] = {
    TEST(test_url_normalize_accepts),
    TEST(test_url_normalize_refuses),
    TEST(test_url_normalize_is_idempotent_at_the_limit),
    TEST(test_parse_chain),
    TEST(test_parse_chain_refusals),
    {0},
};

TEST_MAIN(cases)
