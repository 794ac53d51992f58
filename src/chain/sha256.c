/* sha256.c - SHA-256 through OpenSSL's low-level API, the miner's midstate,
 * and a hand-written SHA-NI compression for tails.
 *
 * The low-level SHA256_Init/Update/Final calls are deprecated in OpenSSL 3.0
 * but still shipped, and they are what makes a midstate cheap: a SHA256_CTX
 * is a plain struct that can be copied by value, while EVP contexts need an
 * allocation or a fetched method per copy and one-shot EVP calls look the
 * algorithm up on every call (~1 us, see shared/PERF-NOTES.md). So this file,
 * the only one that includes OpenSSL, silences the deprecation and keeps the
 * context inside sha256_mid (the `ossl` bytes).
 *
 * A miner's try is a handful of compressions (~4 for a reward-only block),
 * and through OpenSSL every try pays a context copy and Update/Final calls
 * and runs one message at a time. A tail removes both limits: the bytes to
 * hash after the midstate are laid out once, already padded, per try only
 * the nonce digits are rewritten, and the blocks are compressed with the x86
 * SHA extensions through intrinsics, compiled for that target per function
 * (the rest of the binary runs on any x86-64, or any other CPU) and chosen
 * at run time. Four nonces (lanes) are compressed side by side because one
 * SHA-NI round chain is latency-bound (each SHA256RNDS2 waits ~4 cycles for
 * the one before, where the unit could start one every cycle); and since the
 * lanes differ only in the nonce digits, every block after the digits' is
 * the same bytes in all four, so one message schedule serves them all. The
 * message words stay in __m128i values through the rounds: gcc 12 turns word
 * arrays here into memory round trips (PERF-NOTES: 16x slower). Without
 * SHA-NI (or when forced portable) a tail hashes through the OpenSSL
 * midstate exactly as sha256_mid_finish2 does. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "chain/sha256.h"

#include <assert.h>
#include <openssl/sha.h>
#include <stdatomic.h>
#include <string.h>

#include "util/mem.h"

#if defined(__x86_64__) || defined(__i386__)
#define SHA256_NI_CODE 1
#include <immintrin.h>
#if defined(__clang__)
#include <cpuid.h>
#endif
#else
#define SHA256_NI_CODE 0
#endif

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((sha256_mid *)0)->ossl),
               "sha256_mid.ossl must hold a SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= 8, "sha256_mid.ossl is 8-byte aligned");

/* Set by sha256_force_portable; read when a tail is initialised. */
static atomic_bool sha256__portable;

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t len) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out, &ctx);
}

void sha256_mid_init(sha256_mid *mid, const void *prefix, size_t len) {
    SHA256_CTX *ctx = (SHA256_CTX *)mid->ossl;
    memset(mid, 0, sizeof *mid);
    size_t whole = len / 64 * 64;
    SHA256_Init(ctx);
    SHA256_Update(ctx, prefix, whole);
    /* After whole blocks nothing is pending: h[] is the chaining value. */
    for (int i = 0; i < 8; i++) mid->h[i] = ctx->h[i];
    mid->blocks = whole / 64;
    mid->rest_len = len - whole;
    memcpy(mid->rest, (const uint8_t *)prefix + whole, len - whole);
    SHA256_Update(ctx, mid->rest, len - whole);
}

void sha256_mid_finish2(const sha256_mid *mid, const void *a, size_t a_len,
                        const void *b, size_t b_len, uint8_t out[SHA256_LEN]) {
    SHA256_CTX ctx;
    memcpy(&ctx, mid->ossl, sizeof ctx);
    SHA256_Update(&ctx, a, a_len);
    SHA256_Update(&ctx, b, b_len);
    SHA256_Final(out, &ctx);
}

/* ---- SHA-NI compression ------------------------------------------------ */

#if SHA256_NI_CODE

#define SHA256__NI __attribute__((target("sha,sse4.1,ssse3")))
#define SHA256__NI_INLINE static inline __attribute__((always_inline, target("sha,sse4.1,ssse3")))

/* The round constants, four per 128-bit load. */
static const uint32_t sha256__k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

/* Byte order of each 32-bit word reversed (SHA-256 words are big-endian). */
SHA256__NI_INLINE __m128i sha256__bswap_mask(void) {
    return _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
}

/* SHA-NI keeps the eight state words as ABEF and CDGH (A in the top lane);
 * h[] holds them A..H in host order. */
SHA256__NI_INLINE void sha256__ni_load_state(const uint32_t h[8], __m128i *abef, __m128i *cdgh) {
    __m128i badc = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b);
    *abef = _mm_alignr_epi8(badc, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, badc, 0xf0);
}

/* Writes the state as the 32-byte big-endian digest. */
SHA256__NI_INLINE void sha256__ni_store_digest(uint8_t out[SHA256_LEN], __m128i abef,
                                               __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    __m128i abcd = _mm_blend_epi16(feba, dchg, 0xf0);
    __m128i efgh = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128((__m128i *)&out[0], _mm_shuffle_epi8(abcd, sha256__bswap_mask()));
    _mm_storeu_si128((__m128i *)&out[16], _mm_shuffle_epi8(efgh, sha256__bswap_mask()));
}

/* Round constants K[4g..4g+3]. */
#define SHA256__K4(g) _mm_load_si128((const __m128i *)&sha256__k[4 * (g)])

/* Four rounds, g-th group (0..15), message words w = W[4g..4g+3]. */
#define SHA256__R4(s0, s1, w, g)                                                \
    do {                                                                        \
        __m128i wk_ = _mm_add_epi32((w), SHA256__K4(g));                        \
        (s1) = _mm_sha256rnds2_epu32((s1), (s0), wk_);                          \
        (s0) = _mm_sha256rnds2_epu32((s0), (s1), _mm_shuffle_epi32(wk_, 0x0e)); \
    } while (0)

/* Message schedule: w0 = W[i-16..i-13] becomes W[i..i+3], given
 * w1 = W[i-12..], w2 = W[i-8..], w3 = W[i-4..i-1]. */
#define SHA256__SCHED(w0, w1, w2, w3) \
    ((w0) = _mm_sha256msg2_epu32(     \
         _mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), _mm_alignr_epi8((w3), (w2), 4)), (w3)))

/* The four message words in bytes off..off+15 of the block at p (SHA-256
 * reads them big-endian); needs `mask` = sha256__bswap_mask() in scope. */
#define SHA256__LOADW(p, off) \
    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + (off))), mask)

/* Groups 4..15: each first extends the schedule by four words. */
#define SHA256__GROUPS_4_TO_15(R, S)                                           \
    S(0, 1, 2, 3); R(0, 4);  S(1, 2, 3, 0); R(1, 5);  S(2, 3, 0, 1); R(2, 6);  \
    S(3, 0, 1, 2); R(3, 7);  S(0, 1, 2, 3); R(0, 8);  S(1, 2, 3, 0); R(1, 9);  \
    S(2, 3, 0, 1); R(2, 10); S(3, 0, 1, 2); R(3, 11); S(0, 1, 2, 3); R(0, 12); \
    S(1, 2, 3, 0); R(1, 13); S(2, 3, 0, 1); R(2, 14); S(3, 0, 1, 2); R(3, 15)

/* Compresses `nblocks` 64-byte blocks at p into the state h; writes the digest. */
SHA256__NI static void sha256__ni_hash(const uint32_t h[8], const uint8_t *p, size_t nblocks,
                                       uint8_t out[SHA256_LEN]) {
    const __m128i mask = sha256__bswap_mask();
    __m128i abef, cdgh;
    sha256__ni_load_state(h, &abef, &cdgh);
    for (size_t blk = 0; blk < nblocks; blk++, p += 64) {
        __m128i s0 = abef, s1 = cdgh;
        __m128i w0 = SHA256__LOADW(p, 0);
        __m128i w1 = SHA256__LOADW(p, 16);
        __m128i w2 = SHA256__LOADW(p, 32);
        __m128i w3 = SHA256__LOADW(p, 48);
#define R1(i, g) SHA256__R4(s0, s1, w##i, g)
#define S1(a, b, c, d) SHA256__SCHED(w##a, w##b, w##c, w##d)
        R1(0, 0);
        R1(1, 1);
        R1(2, 2);
        R1(3, 3);
        SHA256__GROUPS_4_TO_15(R1, S1);
#undef R1
#undef S1
        abef = _mm_add_epi32(abef, s0);
        cdgh = _mm_add_epi32(cdgh, s1);
    }
    sha256__ni_store_digest(out, abef, cdgh);
}

/* Four messages, lanes a..d, at p + k * stride, of `nblocks` blocks each,
 * all from state h. The first `n_private` blocks differ between the lanes
 * and each lane runs its own message schedule there, interleaved with the
 * others round by round; the later blocks are the same bytes in every lane
 * (lane a's are read), so one schedule feeds all four. Four round chains in
 * flight keep the SHA unit busy where one would wait on its latency. */
SHA256__NI static void sha256__ni_hash4(const uint32_t h[8], const uint8_t *p, size_t stride,
                                        size_t nblocks, size_t n_private,
                                        uint8_t out[SHA256_LANES][SHA256_LEN]) {
    const __m128i mask = sha256__bswap_mask();
    __m128i abef_a, cdgh_a;
    sha256__ni_load_state(h, &abef_a, &cdgh_a);
    __m128i abef_b = abef_a, abef_c = abef_a, abef_d = abef_a;
    __m128i cdgh_b = cdgh_a, cdgh_c = cdgh_a, cdgh_d = cdgh_a;
    /* Two loops rather than one with a branch: gcc allocates registers for
     * each on its own, which keeps the shared loop free of spills. */
    size_t blk = 0;
    for (; blk < n_private; blk++, p += 64) {
        __m128i s0a = abef_a, s1a = cdgh_a, s0b = abef_b, s1b = cdgh_b;
        __m128i s0c = abef_c, s1c = cdgh_c, s0d = abef_d, s1d = cdgh_d;
        const uint8_t *pa = p, *pb = p + stride, *pc = p + 2 * stride, *pd = p + 3 * stride;
        __m128i w0a = SHA256__LOADW(pa, 0), w1a = SHA256__LOADW(pa, 16);
        __m128i w2a = SHA256__LOADW(pa, 32), w3a = SHA256__LOADW(pa, 48);
        __m128i w0b = SHA256__LOADW(pb, 0), w1b = SHA256__LOADW(pb, 16);
        __m128i w2b = SHA256__LOADW(pb, 32), w3b = SHA256__LOADW(pb, 48);
        __m128i w0c = SHA256__LOADW(pc, 0), w1c = SHA256__LOADW(pc, 16);
        __m128i w2c = SHA256__LOADW(pc, 32), w3c = SHA256__LOADW(pc, 48);
        __m128i w0d = SHA256__LOADW(pd, 0), w1d = SHA256__LOADW(pd, 16);
        __m128i w2d = SHA256__LOADW(pd, 32), w3d = SHA256__LOADW(pd, 48);
#define RP(i, g)                          \
    do {                                  \
        SHA256__R4(s0a, s1a, w##i##a, g); \
        SHA256__R4(s0b, s1b, w##i##b, g); \
        SHA256__R4(s0c, s1c, w##i##c, g); \
        SHA256__R4(s0d, s1d, w##i##d, g); \
    } while (0)
#define SP(i, j, k, l)                                     \
    do {                                                   \
        SHA256__SCHED(w##i##a, w##j##a, w##k##a, w##l##a); \
        SHA256__SCHED(w##i##b, w##j##b, w##k##b, w##l##b); \
        SHA256__SCHED(w##i##c, w##j##c, w##k##c, w##l##c); \
        SHA256__SCHED(w##i##d, w##j##d, w##k##d, w##l##d); \
    } while (0)
        RP(0, 0);
        RP(1, 1);
        RP(2, 2);
        RP(3, 3);
        SHA256__GROUPS_4_TO_15(RP, SP);
#undef RP
#undef SP
        abef_a = _mm_add_epi32(abef_a, s0a);
        cdgh_a = _mm_add_epi32(cdgh_a, s1a);
        abef_b = _mm_add_epi32(abef_b, s0b);
        cdgh_b = _mm_add_epi32(cdgh_b, s1b);
        abef_c = _mm_add_epi32(abef_c, s0c);
        cdgh_c = _mm_add_epi32(cdgh_c, s1c);
        abef_d = _mm_add_epi32(abef_d, s0d);
        cdgh_d = _mm_add_epi32(cdgh_d, s1d);
    }
    for (; blk < nblocks; blk++, p += 64) {
        __m128i s0a = abef_a, s1a = cdgh_a, s0b = abef_b, s1b = cdgh_b;
        __m128i s0c = abef_c, s1c = cdgh_c, s0d = abef_d, s1d = cdgh_d;
        __m128i w0 = SHA256__LOADW(p, 0), w1 = SHA256__LOADW(p, 16);
        __m128i w2 = SHA256__LOADW(p, 32), w3 = SHA256__LOADW(p, 48);
#define RS(i, g)                                          \
    do {                                                  \
        __m128i wk_ = _mm_add_epi32(w##i, SHA256__K4(g)); \
        __m128i wk_hi_ = _mm_shuffle_epi32(wk_, 0x0e);    \
        s1a = _mm_sha256rnds2_epu32(s1a, s0a, wk_);       \
        s1b = _mm_sha256rnds2_epu32(s1b, s0b, wk_);       \
        s1c = _mm_sha256rnds2_epu32(s1c, s0c, wk_);       \
        s1d = _mm_sha256rnds2_epu32(s1d, s0d, wk_);       \
        s0a = _mm_sha256rnds2_epu32(s0a, s1a, wk_hi_);    \
        s0b = _mm_sha256rnds2_epu32(s0b, s1b, wk_hi_);    \
        s0c = _mm_sha256rnds2_epu32(s0c, s1c, wk_hi_);    \
        s0d = _mm_sha256rnds2_epu32(s0d, s1d, wk_hi_);    \
    } while (0)
#define SS(i, j, k, l) SHA256__SCHED(w##i, w##j, w##k, w##l)
        RS(0, 0);
        RS(1, 1);
        RS(2, 2);
        RS(3, 3);
        SHA256__GROUPS_4_TO_15(RS, SS);
#undef RS
#undef SS
        abef_a = _mm_add_epi32(abef_a, s0a);
        cdgh_a = _mm_add_epi32(cdgh_a, s1a);
        abef_b = _mm_add_epi32(abef_b, s0b);
        cdgh_b = _mm_add_epi32(cdgh_b, s1b);
        abef_c = _mm_add_epi32(abef_c, s0c);
        cdgh_c = _mm_add_epi32(cdgh_c, s1c);
        abef_d = _mm_add_epi32(abef_d, s0d);
        cdgh_d = _mm_add_epi32(cdgh_d, s1d);
    }
    sha256__ni_store_digest(out[0], abef_a, cdgh_a);
    sha256__ni_store_digest(out[1], abef_b, cdgh_b);
    sha256__ni_store_digest(out[2], abef_c, cdgh_c);
    sha256__ni_store_digest(out[3], abef_d, cdgh_d);
}

/* gcc's __builtin_cpu_supports knows "sha"; clang 14's does not, so it asks
 * CPUID directly (leaf 7 EBX bit 29: SHA; leaf 1 ECX: SSSE3, SSE4.1). */
static bool sha256__cpu_has_ni(void) {
#if defined(__clang__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1)) return false;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
#else
    return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
           __builtin_cpu_supports("ssse3");
#endif
}

#else /* !SHA256_NI_CODE */

static bool sha256__cpu_has_ni(void) { return false; }

#endif

/* ---- Tails --------------------------------------------------------------- */

bool sha256_accelerated(void) {
    return !atomic_load_explicit(&sha256__portable, memory_order_relaxed) && sha256__cpu_has_ni();
}

void sha256_force_portable(bool portable) {
    atomic_store_explicit(&sha256__portable, portable, memory_order_relaxed);
}

/* Lays lane `lane` out as mid->rest || (room for a_len bytes of a) || b ||
 * padding, growing every lane's room first if needed. */
static void sha256__tail_layout(sha256_tail *t, int lane, size_t a_len) {
    size_t rest = (size_t)t->mid->rest_len;
    size_t msg_len = rest + a_len + t->b_len;
    /* Padding: 0x80, zeros, then the message length in bits as 8 bytes. */
    size_t nblocks = (msg_len + 9 + 63) / 64;
    if (nblocks * 64 > t->stride) {
        /* Every lane's layout fits in its first old-stride bytes. */
        size_t stride = nblocks * 64;
        uint8_t *buf = xmalloc(SHA256_LANES * stride);
        for (int k = 0; k < SHA256_LANES && t->buf; k++)
            memcpy(buf + (size_t)k * stride, t->buf + (size_t)k * t->stride, t->nblocks[k] * 64);
        free(t->buf);
        t->buf = buf;
        t->stride = stride;
    }
    uint8_t *p = t->buf + (size_t)lane * t->stride;
    memcpy(p, t->mid->rest, rest);
    memset(p + rest, 0, a_len);
    if (t->b_len) memcpy(p + rest + a_len, t->b, t->b_len);
    p[msg_len] = 0x80;
    memset(p + msg_len + 1, 0, nblocks * 64 - msg_len - 9);
    uint64_t bits = (t->mid->blocks * 64 + msg_len) * 8;
    for (int i = 0; i < 8; i++) p[nblocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    t->nblocks[lane] = nblocks;
    t->a_len[lane] = a_len;
}

void sha256_tail_init(sha256_tail *t, const sha256_mid *mid, const void *b, size_t b_len) {
    assert(mid && (b || b_len == 0));
    *t = (sha256_tail){.mid = mid, .b = b, .b_len = b_len, .ni = sha256_accelerated()};
    for (int k = 0; k < SHA256_LANES; k++) sha256__tail_layout(t, k, 0);
}

void sha256_tail_cleanup(sha256_tail *t) {
    free(t->buf);
    memset(t, 0, sizeof *t);
}

void sha256_tail_set(sha256_tail *t, int lane, const void *a, size_t a_len) {
    assert(lane >= 0 && lane < SHA256_LANES && (a || a_len == 0));
    if (a_len != t->a_len[lane]) sha256__tail_layout(t, lane, a_len);
    if (a_len) memcpy(t->buf + (size_t)lane * t->stride + t->mid->rest_len, a, a_len);
}

void sha256_tail_hash(const sha256_tail *t, int lane, uint8_t out[SHA256_LEN]) {
    assert(lane >= 0 && lane < SHA256_LANES);
    const uint8_t *p = t->buf + (size_t)lane * t->stride;
#if SHA256_NI_CODE
    if (t->ni) {
        sha256__ni_hash(t->mid->h, p, t->nblocks[lane], out);
        return;
    }
#endif
    sha256_mid_finish2(t->mid, p + t->mid->rest_len, t->a_len[lane], t->b, t->b_len, out);
}

void sha256_tail_hash_all(const sha256_tail *t, uint8_t out[SHA256_LANES][SHA256_LEN]) {
#if SHA256_NI_CODE
    bool same_len = true;
    for (int k = 1; k < SHA256_LANES; k++) same_len = same_len && t->a_len[k] == t->a_len[0];
    if (t->ni && same_len) {
        /* Blocks holding any byte of `a` differ between lanes; the rest
         * (the tail of b and the padding) are the same bytes everywhere. */
        size_t a_end = (size_t)t->mid->rest_len + t->a_len[0];
        size_t n_private = t->a_len[0] ? (a_end + 63) / 64 : 0;
        sha256__ni_hash4(t->mid->h, t->buf, t->stride, t->nblocks[0], n_private, out);
        return;
    }
#endif
    /* Lanes of different lengths (a nonce crossing into one more digit) or
     * the portable path: one lane at a time. */
    for (int k = 0; k < SHA256_LANES; k++) sha256_tail_hash(t, k, out[k]);
}

int sha256_leading_zero_bits(const uint8_t hash[SHA256_LEN]) {
    int bits = 0;
    for (int i = 0; i < SHA256_LEN; i++) {
        if (hash[i] == 0) {
            bits += 8;
            continue;
        }
        /* Count the zero bits above the highest set bit of this byte. */
        for (unsigned mask = 0x80; !(hash[i] & mask); mask >>= 1) bits++;
        break;
    }
    return bits;
}
