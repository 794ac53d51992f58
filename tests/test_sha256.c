/* test_sha256.c - src/chain/sha256.c: FIPS 180-2 vectors, the classic genesis,
 * the midstate against one-shot hashing at every split point, tails (SHA-NI
 * and portable paths) against one-shot hashing for every tail length 0..300
 * and for the FIPS vectors, and leading zero bits. The SHA-NI cases run only
 * on CPUs that have the extensions (they say so on stderr otherwise). */
#include <stdbool.h>
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

/* The paths a tail can take on this CPU: SHA-NI first if present, then the
 * portable one. Returns how many; each entry is the sha256_force_portable
 * argument. */
static int tail_paths(bool portable[2]) {
    sha256_force_portable(false);
    int n = 0;
    if (sha256_accelerated())
        portable[n++] = false;
    else
        fprintf(stderr, "  (no SHA-NI on this CPU: portable path only)\n");
    portable[n++] = true;
    return n;
}

/* Checks every lane of `t` (hash_all and one lane at a time) against the
 * one-shot hashes want[k]. Returns false on the first mismatch, with *lane. */
static bool tail_matches(const sha256_tail *t, uint8_t want[SHA256_LANES][SHA256_LEN], int *lane) {
    uint8_t all[SHA256_LANES][SHA256_LEN], one[SHA256_LEN];
    sha256_tail_hash_all(t, all);
    for (int k = 0; k < SHA256_LANES; k++) {
        sha256_tail_hash(t, k, one);
        *lane = k;
        if (memcmp(all[k], want[k], SHA256_LEN) != 0 || memcmp(one, want[k], SHA256_LEN) != 0)
            return false;
    }
    return true;
}

/* prefix | a | b for prefixes around the block and padding boundaries,
 * every tail length (a + b) 0..300, `a` of the lengths a nonce has (and 0),
 * on every path. Lane k's `a` differs from lane 0's in its last byte; with
 * `mixed`, odd lanes also have one byte more of `a` (a digit carry), which
 * takes the one-lane-at-a-time route. */
static void test_tail_every_length(void) {
    enum { MAX_PREFIX = 160, MAX_TAIL = 300 };
    static const size_t prefixes[] = {0, 1, 24, 55, 56, 63, 64, 65, 119, 120, 128, 152};
    static const size_t a_lens[] = {0, 1, 7, 10, 16, 17};
    uint8_t msg[SHA256_LANES][MAX_PREFIX + MAX_TAIL + 1];
    for (int k = 0; k < SHA256_LANES; k++)
        for (size_t i = 0; i < sizeof msg[0]; i++) msg[k][i] = (uint8_t)(i * 37 + 11);
    bool portable[2];
    int n_paths = tail_paths(portable);
    for (int path = 0; path < n_paths; path++) {
        sha256_force_portable(portable[path]);
        for (size_t pi = 0; pi < sizeof prefixes / sizeof prefixes[0]; pi++) {
            size_t p = prefixes[pi];
            sha256_mid mid;
            sha256_mid_init(&mid, msg[0], p);
            for (size_t len = 0; len <= MAX_TAIL; len++) {
                for (size_t ai = 0; ai < sizeof a_lens / sizeof a_lens[0]; ai++) {
                    for (int mixed = 0; mixed < 2; mixed++) {
                        size_t a_len = a_lens[ai];
                        if (a_len + (size_t)mixed > len) continue;
                        /* b is the same bytes for every lane: what follows a_len. */
                        size_t b_len = len - a_len - (size_t)mixed;
                        const uint8_t *b = msg[0] + p + a_len + mixed;
                        sha256_tail t;
                        sha256_tail_init(&t, &mid, b, b_len);
                        CHECK_INT_EQ(t.ni, !portable[path]);
                        uint8_t want[SHA256_LANES][SHA256_LEN], whole[MAX_PREFIX + MAX_TAIL + 2];
                        for (int k = 0; k < SHA256_LANES; k++) {
                            size_t lane_a = a_len + (mixed && (k & 1) ? 1 : 0);
                            uint8_t a[32];
                            memcpy(a, msg[0] + p, lane_a);
                            if (lane_a) a[lane_a - 1] = (uint8_t)(a[lane_a - 1] ^ (k * 0x35));
                            sha256_tail_set(&t, k, a, lane_a);
                            memcpy(whole, msg[0], p);
                            memcpy(whole + p, a, lane_a);
                            memcpy(whole + p + lane_a, b, b_len);
                            sha256(want[k], whole, p + lane_a + b_len);
                        }
                        int lane = -1;
                        bool ok = tail_matches(&t, want, &lane);
                        sha256_tail_cleanup(&t);
                        if (!ok)
                            CHECK_FAIL_("%s: prefix %zu a %zu b %zu mixed %d lane %d",
                                        portable[path] ? "portable" : "SHA-NI", p, a_len, b_len,
                                        mixed, lane);
                    }
                }
            }
        }
    }
    sha256_force_portable(false);
}

/* The FIPS 180-2 messages cut into prefix | a | b at several points, each
 * lane with the same `a`, on every path: the published digests. */
static void test_tail_fips_vectors(void) {
    static const struct {
        const char *msg;
        const char *hex;
    } vectors[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    enum { MILLION = 1000000 };
    const char *million_hex = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    char *million = malloc(MILLION + 1);
    memset(million, 'a', MILLION);
    million[MILLION] = 0;
    bool portable[2];
    int n_paths = tail_paths(portable);
    for (int path = 0; path < n_paths; path++) {
        sha256_force_portable(portable[path]);
        for (size_t v = 0; v < 4; v++) {
            const char *m = v < 3 ? vectors[v].msg : million;
            const char *hex = v < 3 ? vectors[v].hex : million_hex;
            size_t len = strlen(m);
            /* Cuts into the last `span` bytes: at the start, inside, at the
             * end (the million keeps its tails short). */
            size_t span = len > 1000 ? 300 : len, base = len - span;
            const size_t cuts[][2] = {{0, 0}, {0, 1}, {1, 2}, {span / 2, 3}, {span, 0}, {span, 1}};
            for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
                size_t p = base + (cuts[c][0] < span ? cuts[c][0] : span);
                size_t a_len = cuts[c][1] < len - p ? cuts[c][1] : len - p;
                sha256_mid mid;
                sha256_mid_init(&mid, m, p);
                sha256_tail t;
                sha256_tail_init(&t, &mid, m + p + a_len, len - p - a_len);
                for (int k = 0; k < SHA256_LANES; k++) sha256_tail_set(&t, k, m + p, a_len);
                uint8_t all[SHA256_LANES][SHA256_LEN];
                sha256_tail_hash_all(&t, all);
                sha256_tail_cleanup(&t);
                for (int k = 0; k < SHA256_LANES; k++)
                    if (strcmp(hex_of(all[k]), hex) != 0)
                        CHECK_FAIL_("%s: vector %zu cut %zu|%zu lane %d: %s",
                                    portable[path] ? "portable" : "SHA-NI", v, p, a_len, k,
                                    hex_of(all[k]));
            }
        }
    }
    sha256_force_portable(false);
    free(million);
}

/* A lane whose `a` grows past the room every lane has moves them all to a
 * larger buffer; the other lanes' contents survive, and an `a` that shrinks
 * back hashes like a fresh one. */
static void test_tail_lane_growth(void) {
    const char *prefix = "{\"proof\": ", *b = "}";
    char big[200];
    memset(big, '7', sizeof big);
    sha256_mid mid;
    sha256_mid_init(&mid, prefix, strlen(prefix));
    bool portable[2];
    int n_paths = tail_paths(portable);
    for (int path = 0; path < n_paths; path++) {
        sha256_force_portable(portable[path]);
        sha256_tail t;
        sha256_tail_init(&t, &mid, b, 1);
        const char *digits[SHA256_LANES] = {"1", "22", "333", "4444"};
        for (int k = 0; k < SHA256_LANES; k++) sha256_tail_set(&t, k, digits[k], strlen(digits[k]));
        sha256_tail_set(&t, 2, big, sizeof big); /* grows every lane's room */
        uint8_t want[SHA256_LANES][SHA256_LEN];
        char whole[256];
        for (int k = 0; k < SHA256_LANES; k++) {
            const char *d = k == 2 ? big : digits[k];
            size_t d_len = k == 2 ? sizeof big : strlen(digits[k]);
            size_t n = strlen(prefix);
            memcpy(whole, prefix, n);
            memcpy(whole + n, d, d_len);
            whole[n + d_len] = '}';
            sha256(want[k], whole, n + d_len + 1);
        }
        int lane = -1;
        if (!tail_matches(&t, want, &lane)) CHECK_FAIL_("after growth: lane %d", lane);
        sha256_tail_set(&t, 2, "333", 3);
        snprintf(whole, sizeof whole, "%s333}", prefix);
        sha256(want[2], whole, strlen(whole));
        if (!tail_matches(&t, want, &lane)) CHECK_FAIL_("after shrinking: lane %d", lane);
        sha256_tail_cleanup(&t);
    }
    sha256_force_portable(false);
}

/* The portable switch: tails take the path in force at their init and keep
 * it; sha256_accelerated follows the switch. */
static void test_force_portable(void) {
    sha256_mid mid;
    sha256_mid_init(&mid, "x", 1);
    sha256_force_portable(false);
    bool cpu = sha256_accelerated();
    sha256_tail before;
    sha256_tail_init(&before, &mid, "y", 1);
    CHECK_INT_EQ(before.ni, cpu);
    sha256_force_portable(true);
    CHECK(!sha256_accelerated());
    sha256_tail forced;
    sha256_tail_init(&forced, &mid, "y", 1);
    CHECK(!forced.ni);
    CHECK_INT_EQ(before.ni, cpu);
    sha256_force_portable(false);
    CHECK_INT_EQ(sha256_accelerated(), cpu);
    CHECK(!forced.ni);
    uint8_t a[SHA256_LANES][SHA256_LEN], b[SHA256_LANES][SHA256_LEN], want[SHA256_LEN];
    sha256_tail_hash_all(&before, a);
    sha256_tail_hash_all(&forced, b);
    sha256(want, "xy", 2);
    for (int k = 0; k < SHA256_LANES; k++) {
        CHECK(memcmp(a[k], want, SHA256_LEN) == 0);
        CHECK(memcmp(b[k], want, SHA256_LEN) == 0);
    }
    sha256_tail_cleanup(&before);
    sha256_tail_cleanup(&forced);
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
    TEST(test_tail_every_length),
    TEST(test_tail_fips_vectors),
    TEST(test_tail_lane_growth),
    TEST(test_force_portable),
    TEST(test_leading_zero_bits),
    {0},
};

TEST_MAIN(cases)
