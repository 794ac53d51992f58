/* sha256.h - SHA-256 for block hashes, and the midstate trick for mining.
 *
 * The only file of chainsim that includes OpenSSL. One-shot hashing uses
 * OpenSSL's low-level SHA256_* functions (deprecated in 3.0 but present and
 * ~8x faster than EVP for small inputs, see shared/PERF-NOTES.md).
 *
 * Midstate: a block's canonical JSON is constant up to its "proof" value, so
 * a miner hashes that prefix once (sha256_mid_init) and per try only hashes
 * the nonce digits and the rest (sha256_mid_finish2). */
#ifndef CHAINSIM_CHAIN_SHA256_H
#define CHAINSIM_CHAIN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t len);

/* Opaque copy of OpenSSL's SHA256_CTX (112 bytes; checked in sha256.c). */
typedef struct sha256_mid {
    _Alignas(8) unsigned char opaque[112];
} sha256_mid;

/* Hashes `prefix` into `mid`. */
void sha256_mid_init(sha256_mid *mid, const void *prefix, size_t len);
/* out = SHA-256(prefix || a || b), leaving `mid` unchanged. */
void sha256_mid_finish2(const sha256_mid *mid, const void *a, size_t a_len,
                        const void *b, size_t b_len, uint8_t out[SHA256_LEN]);

/* Number of leading zero bits of a 32-byte hash (0..256). */
int sha256_leading_zero_bits(const uint8_t hash[SHA256_LEN]);

#endif
