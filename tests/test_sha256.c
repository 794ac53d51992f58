/* test_sha256.c - src/chain/sha256.c: FIPS 180-2 vectors, the classic genesis,
 * the midstate against one-shot hashing at every split point, and leading
 * zero bits. */
#include <stdint.h>

#include "chain/sha256.h"
#include "check.h"
#include "util/hex.h"

static const char *hex_of(const uint8_t h[SHA256_LEN]) {
    static char out[2 * SHA256_LEN + 1];
    hex_encode(out, h, SHA256_LEN);
    return out;
}

static void test_fips_vectors(void) {
    uint8_t h[SHA256_LEN];
    sha256(h, "", 0);
    CHECK_STR_EQ(hex_of(h), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256(h, "abc", 3);
    CHECK_STR_EQ(hex_of(h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256(h, two_blocks, strlen(two_blocks));
    CHECK_STR_EQ(hex_of(h), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    sha256(h, million, 1000000);
    free(million);
    CHECK_STR_EQ(hex_of(h), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_classic_genesis(void) {
    const char *genesis = "{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, "
                          "\"transactions\": []}";
    uint8_t h[SHA256_LEN];
    sha256(h, genesis, strlen(genesis));
    CHECK_STR_EQ(hex_of(h), "0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8");
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 16);
}

/* Every split of a 150-byte message into prefix | a | b (crossing the 64-byte
 * block boundary and the 56-byte padding limit in every way) must hash like
 * the whole message, and finishing must leave the midstate untouched. */
static void test_midstate_every_split(void) {
    enum { LEN = 150 };
    uint8_t msg[LEN];
    for (int i = 0; i < LEN; i++) msg[i] = (uint8_t)(i * 37 + 11);
    uint8_t whole[SHA256_LEN], got[SHA256_LEN];
    sha256(whole, msg, LEN);
    for (size_t p = 0; p <= LEN; p++) {
        sha256_mid mid, before;
        sha256_mid_init(&mid, msg, p);
        before = mid;
        for (size_t a = 0; p + a <= LEN; a++) {
            sha256_mid_finish2(&mid, msg + p, a, msg + p + a, LEN - p - a, got);
            if (memcmp(got, whole, SHA256_LEN) != 0)
                CHECK_FAIL_("split %zu|%zu|%zu: %s", p, a, LEN - p - a, hex_of(got));
        }
        CHECK(memcmp(&mid, &before, sizeof mid) == 0);
    }
}

static void test_midstate_reused_for_many_suffixes(void) {
    const char *prefix = "{\"proof\": ";
    sha256_mid mid;
    sha256_mid_init(&mid, prefix, strlen(prefix));
    for (int nonce = 0; nonce < 200; nonce++) {
        char digits[16], full[64];
        int n = snprintf(digits, sizeof digits, "%d", nonce);
        snprintf(full, sizeof full, "%s%d}", prefix, nonce);
        uint8_t a[SHA256_LEN], b[SHA256_LEN];
        sha256_mid_finish2(&mid, digits, (size_t)n, "}", 1, a);
        sha256(b, full, strlen(full));
        CHECK(memcmp(a, b, SHA256_LEN) == 0);
    }
}

static void test_leading_zero_bits(void) {
    uint8_t h[SHA256_LEN] = {0};
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 256);
    h[31] = 1;
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 255);
    memset(h, 0, sizeof h);
    h[0] = 0x80;
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 0);
    h[0] = 0x01;
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 7);
    h[0] = 0;
    h[1] = 0xff;
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 8);
    h[1] = 0;
    h[2] = 0x10;
    h[3] = 0xff;
    CHECK_INT_EQ(sha256_leading_zero_bits(h), 19);
    /* Every single-bit position. */
    for (int bit = 0; bit < 256; bit++) {
        memset(h, 0, sizeof h);
        h[bit / 8] = (uint8_t)(0x80 >> (bit % 8));
        CHECK_INT_EQ(sha256_leading_zero_bits(h), bit);
    }
}

static const test_case cases[] = {
    TEST(test_fips_vectors),
    TEST(test_classic_genesis),
    TEST(test_midstate_every_split),
    TEST(test_midstate_reused_for_many_suffixes),
    TEST(test_leading_zero_bits),
    {0},
};

TEST_MAIN(cases)
