/* sha256.h - SHA-256 for block hashes, and the midstate trick for mining.
 *
 * The only header of chainsim that speaks about SHA-256 internals; sha256.c
 * is the only file that includes OpenSSL or x86 intrinsics. One-shot hashing
 * uses OpenSSL's low-level SHA256_* functions (deprecated in 3.0 but present
 * and ~8x faster than EVP for small inputs, see shared/PERF-NOTES.md).
 *
 * Midstate: a block's canonical JSON is constant up to its "proof" value, so
 * a miner hashes that prefix once (sha256_mid_init) and per try only hashes
 * the nonce digits and the rest (sha256_mid_finish2, or much faster for many
 * tries, a sha256_tail).
 *
 * Tail: prefix || a || b where only `a` (the nonce digits) changes between
 * hashes. The bytes after the midstate's whole 64-byte blocks are laid out
 * once, padded, in a buffer; per hash `a` is rewritten in place and the
 * buffer's blocks are compressed from the midstate. On CPUs with the x86 SHA
 * extensions (SHA-NI, checked at run time) that compression is hand-written
 * and hashes four lanes (four values of `a`) side by side; elsewhere, or when
 * forced portable, a tail hash is exactly sha256_mid_finish2. Both give the
 * same bytes. */
#ifndef CHAINSIM_CHAIN_SHA256_H
#define CHAINSIM_CHAIN_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t len);

/* A hashed prefix, in two forms: the chaining value after its whole 64-byte
 * blocks plus the bytes after them (for tails), and an OpenSSL SHA256_CTX of
 * the whole prefix (for sha256_mid_finish2; size checked in sha256.c). Plain
 * data: copy it by value. */
typedef struct sha256_mid {
    uint32_t h[8];         /* chaining value after `blocks` whole blocks */
    uint64_t blocks;       /* whole 64-byte blocks of the prefix */
    uint8_t rest[64];      /* the prefix bytes after them */
    uint64_t rest_len;     /* 0..63 */
    _Alignas(8) unsigned char ossl[112];
} sha256_mid;

/* Hashes `prefix` into `mid`. */
void sha256_mid_init(sha256_mid *mid, const void *prefix, size_t len);
/* out = SHA-256(prefix || a || b), leaving `mid` unchanged. */
void sha256_mid_finish2(const sha256_mid *mid, const void *a, size_t a_len,
                        const void *b, size_t b_len, uint8_t out[SHA256_LEN]);

/* Rehashing prefix || a || b for many values of `a`, SHA256_LANES at a time;
 * see the top of this file. Each lane holds its own `a` and its own padded
 * layout; lanes whose `a` has the same length share every block after the
 * ones `a` touches, and the SHA-NI code compresses those blocks for all lanes
 * from one message schedule. The tail borrows `mid` and `b`: both must
 * outlive it unchanged. */
#define SHA256_LANES 4

typedef struct sha256_tail {
    const sha256_mid *mid;
    const uint8_t *b;
    size_t b_len;
    uint8_t *buf;                   /* lane k at buf + k * stride: rest || a || b || padding */
    size_t stride;                  /* bytes per lane, a multiple of 64 */
    size_t nblocks[SHA256_LANES];   /* 64-byte blocks of each lane's layout */
    size_t a_len[SHA256_LANES];
    bool ni;                        /* SHA-NI compression (sha256_accelerated() at init) */
} sha256_tail;

/* Prepares a tail of prefix `mid` and constant part `b`, every lane with an
 * empty `a`; chooses the SHA-NI or the portable path once, here. Release
 * with sha256_tail_cleanup. */
void sha256_tail_init(sha256_tail *t, const sha256_mid *mid, const void *b, size_t b_len);
void sha256_tail_cleanup(sha256_tail *t);
/* Sets lane `lane`'s `a` (copied). A new length lays the lane out anew; the
 * same length only rewrites the bytes. */
void sha256_tail_set(sha256_tail *t, int lane, const void *a, size_t a_len);
/* out = SHA-256(prefix || a || b) for lane `lane`'s current `a`. */
void sha256_tail_hash(const sha256_tail *t, int lane, uint8_t out[SHA256_LEN]);
/* out[k] = the hash of lane k, for every lane: on SHA-NI with equal `a`
 * lengths ~3x the throughput of one lane at a time. */
void sha256_tail_hash_all(const sha256_tail *t, uint8_t out[SHA256_LANES][SHA256_LEN]);

/* True if this CPU has the SHA extensions (with SSSE3 and SSE4.1) and the
 * portable path is not forced: new tails will use the SHA-NI compression. */
bool sha256_accelerated(void);
/* Forces (true) or releases (false) the portable OpenSSL path for tails
 * initialised from now on, in every thread; tails already initialised keep
 * their path. For tests and benchmarks that compare the two paths. */
void sha256_force_portable(bool portable);

/* Number of leading zero bits of a 32-byte hash (0..256). */
int sha256_leading_zero_bits(const uint8_t hash[SHA256_LEN]);

#endif
