/* bench_mining.c - how close proof-of-work tries come to raw SHA-256 speed.
 *
 * Prints, for one thread:
 *   (a) bulk SHA-256 through sha256() over a 64 MiB buffer: MB/s and 64-byte
 *       compressions per second, the ceiling for any miner on this core;
 *   (b) pow_job_search tries per second on a block template holding a reward
 *       and 10 ordinary transactions (median of 5 runs of about 1 s);
 *   (c) compressions per try for that template: the 64-byte blocks SHA-256
 *       processes for prefix + nonce digits + suffix (+ padding), minus those
 *       already in the midstate;
 *   (d) efficiency = tries/s x compressions per try / compressions per s;
 *       1.0 would be every cycle spent compressing. Expect >= 0.8.
 *
 * Usage: bench_mining [seconds_per_run]  (default 1) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/pow.h"
#include "chain/sha256.h"
#include "util/mem.h"

#define BULK_BYTES ((size_t)64 << 20)
#define RUNS 5
/* Nonces start at 10^9 so every try of a run hashes exactly 10 digits. */
#define NONCE_START 1000000000ULL
#define NONCE_DIGITS 10
/* Tries between clock reads. */
#define CHUNK 200000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Bytes per second of bulk hashing, median of RUNS passes over the buffer. */
static double bench_bulk(void) {
    unsigned char *data = xmalloc(BULK_BYTES);
    for (size_t i = 0; i < BULK_BYTES; i++) data[i] = (unsigned char)(i * 131 + 7);
    double rates[RUNS];
    uint8_t h[SHA256_LEN];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        sha256(h, data, BULK_BYTES);
        rates[r] = (double)BULK_BYTES / (now_s() - t0);
    }
    free(data);
    return median(rates, RUNS);
}

/* A template like a busy classic block: the reward and 10 transactions. */
static void make_template(tx **txs, block_template *t) {
    reject why;
    txs[0] = tx_create("0", "miner-node-3", 50, "reward-node-3-000042", 120000, &why);
    for (int i = 1; i <= 10; i++) {
        char from[32], to[32], id[48];
        snprintf(from, sizeof from, "account-%02d", i);
        snprintf(to, sizeof to, "account-%02d", (i * 7) % 11);
        snprintf(id, sizeof id, "node-%d-tx-%06d", i % 4, 1000 + i);
        txs[i] = tx_create(from, to, 10 * i + 3, id, 100000 + 731 * i, &why);
    }
    *t = (block_template){
        .index = 42,
        .prev_hash = "0000c5b2e1f3a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4",
        .timestamp_ms = 123456789,
        .difficulty = 255, /* never met: every try runs to the end */
        .miner = "miner-node-3",
        .txs = txs,
        .n_txs = 11,
    };
}

/* Tries per second of pow_job_search, one run of about `seconds`. */
static double bench_tries(pow_job *job, double seconds) {
    uint64_t nonce = NONCE_START, total = 0, tries;
    double t0 = now_s(), t;
    do {
        block *b = pow_job_search(job, nonce, CHUNK, &tries);
        block_unref(b); /* never found at difficulty 255 */
        nonce += tries;
        total += tries;
        t = now_s() - t0;
    } while (t < seconds);
    return (double)total / t;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0) seconds = 1.0;

    double bytes_per_s = bench_bulk();
    double compressions_per_s = bytes_per_s / 64.0;

    tx *txs[11];
    block_template tmpl;
    make_template(txs, &tmpl);
    pow_job job;
    pow_job_init(&job, &tmpl);

    double rates[RUNS];
    for (int r = 0; r < RUNS; r++) rates[r] = bench_tries(&job, seconds);
    double tries_per_s = median(rates, RUNS);

    size_t total_len = job.prefix_len + NONCE_DIGITS + job.suffix_len;
    /* SHA-256 pads with 0x80 and an 8-byte length: ceil((len + 9) / 64)
     * blocks in all; the midstate already holds the prefix's whole blocks. */
    size_t blocks_total = (total_len + 9 + 63) / 64;
    size_t blocks_in_mid = job.prefix_len / 64;
    size_t compressions_per_try = blocks_total - blocks_in_mid;
    double efficiency = tries_per_s * (double)compressions_per_try / compressions_per_s;

    printf("bench_mining: one thread, %d runs of %.1f s, medians\n\n", RUNS, seconds);
    printf("  %-40s %14.1f MB/s\n", "(a) bulk SHA-256 (64 MiB)", bytes_per_s / 1e6);
    printf("  %-40s %14.2f M/s\n", "    64-byte compressions", compressions_per_s / 1e6);
    printf("  %-40s %14zu bytes\n", "    template prefix (in midstate)", job.prefix_len);
    printf("  %-40s %14d bytes\n", "    nonce digits", NONCE_DIGITS);
    printf("  %-40s %14zu bytes\n", "    template suffix (11 txs)", job.suffix_len);
    printf("  %-40s %14.3f M/s\n", "(b) pow_job_search tries", tries_per_s / 1e6);
    printf("      runs:");
    for (int r = 0; r < RUNS; r++) printf(" %.3f", rates[r] / 1e6);
    printf(" M/s\n");
    printf("  %-40s %14zu\n", "(c) compressions per try", compressions_per_try);
    printf("  %-40s %14.3f %s\n", "(d) efficiency (tries x c / compr.)", efficiency,
           efficiency >= 0.8 ? "(ok, >= 0.8)" : "(below 0.8)");

    pow_job_cleanup(&job);
    for (int i = 0; i < 11; i++) tx_unref(txs[i]);
    return 0;
}
