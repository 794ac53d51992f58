/* sha256.c - SHA-256 through OpenSSL's low-level API, and the miner's midstate.
 *
 * The low-level SHA256_Init/Update/Final calls are deprecated in OpenSSL 3.0
 * but still shipped, and they are what makes a midstate cheap: a SHA256_CTX
 * is a plain struct that can be copied by value, while EVP contexts need an
 * allocation or a fetched method per copy and one-shot EVP calls look the
 * algorithm up on every call (~1 us, see shared/PERF-NOTES.md). So this file,
 * the only one that includes OpenSSL, silences the deprecation and keeps the
 * context inside the opaque sha256_mid. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "chain/sha256.h"

#include <openssl/sha.h>
#include <string.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((sha256_mid *)0)->opaque),
               "sha256_mid.opaque must hold a SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= 8, "sha256_mid is 8-byte aligned");

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t len) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out, &ctx);
}

void sha256_mid_init(sha256_mid *mid, const void *prefix, size_t len) {
    SHA256_CTX *ctx = (SHA256_CTX *)mid->opaque;
    memset(mid, 0, sizeof *mid);
    SHA256_Init(ctx);
    SHA256_Update(ctx, prefix, len);
}

void sha256_mid_finish2(const sha256_mid *mid, const void *a, size_t a_len,
                        const void *b, size_t b_len, uint8_t out[SHA256_LEN]) {
    SHA256_CTX ctx;
    memcpy(&ctx, mid->opaque, sizeof ctx);
    SHA256_Update(&ctx, a, a_len);
    SHA256_Update(&ctx, b, b_len);
    SHA256_Final(out, &ctx);
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
