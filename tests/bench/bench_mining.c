/* bench_mining.c - how close proof-of-work tries come to raw SHA-256 speed.
 *
 * Prints, for one thread:
 *   (a) bulk SHA-256 through sha256() over a 64 MiB buffer: MB/s and 64-byte
 *       compressions per second, the ceiling for any miner on this core;
 *   (b) pow_job_search tries per second (median of 5 runs of about 1 s) on
 *       two block templates: a reward and 10 ordinary transactions, and a
 *       reward only (the small blocks of the large simulations), each through
 *       the SHA-NI tails (if this CPU has them) and the portable OpenSSL
 *       midstate path (sha256_force_portable);
 *   (c) compressions per try for each template: the 64-byte blocks SHA-256
 *       processes for prefix + nonce digits + suffix (+ padding), minus those
 *       already in the midstate;
 *   (d) efficiency = tries/s x compressions per try / compressions per s;
 *       1.0 would be every cycle spent compressing at bulk speed. The 10-tx
 *       template must reach >= 0.8 on the default path; a reward-only try is
 *       too short for that and is judged by its tries/s.
 *
 * Usage: bench_mining [seconds_per_run]  (default 1) */
#include <stdbool.h>
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

/* A template like a busy classic block: the reward and `n_txs - 1`
 * transactions (n_txs 1..11). */
static void make_template(tx **txs, size_t n_txs, block_template *t) {
    reject why;
    txs[0] = tx_create("0", "miner-node-3", 50, "reward-node-3-000042", 120000, &why);
    for (int i = 1; i < (int)n_txs; i++) {
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
        .n_txs = n_txs,
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

/* One template through one path: median tries/s and each run's figure. */
typedef struct bench_row {
    const char *template_name;
    const char *path;
    size_t prefix_len, suffix_len; /* bytes; the nonce has NONCE_DIGITS */
    size_t compressions_per_try;
    double tries_per_s;
    double runs[RUNS];
} bench_row;

static bench_row bench_template(size_t n_txs, const char *name, bool portable, double seconds) {
    tx *txs[11];
    block_template tmpl;
    make_template(txs, n_txs, &tmpl);
    pow_job job;
    pow_job_init(&job, &tmpl);
    sha256_force_portable(portable);

    bench_row row = {.template_name = name, .path = portable ? "portable" : "SHA-NI",
                     .prefix_len = job.prefix_len, .suffix_len = job.suffix_len};
    for (int r = 0; r < RUNS; r++) row.runs[r] = bench_tries(&job, seconds);
    double sorted[RUNS];
    memcpy(sorted, row.runs, sizeof sorted);
    row.tries_per_s = median(sorted, RUNS);

    size_t total_len = job.prefix_len + NONCE_DIGITS + job.suffix_len;
    /* SHA-256 pads with 0x80 and an 8-byte length: ceil((len + 9) / 64)
     * blocks in all; the midstate already holds the prefix's whole blocks. */
    size_t blocks_total = (total_len + 9 + 63) / 64;
    row.compressions_per_try = blocks_total - job.prefix_len / 64;

    sha256_force_portable(false);
    pow_job_cleanup(&job);
    for (size_t i = 0; i < n_txs; i++) tx_unref(txs[i]);
    return row;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0) seconds = 1.0;
    bool ni = sha256_accelerated();

    printf("bench_mining: one thread, %d runs of %.1f s, medians; SHA-NI %s\n\n", RUNS, seconds,
           ni ? "available" : "not available (portable path only)");
    double bytes_per_s = bench_bulk();
    double compressions_per_s = bytes_per_s / 64.0;
    printf("  %-40s %10.1f MB/s\n", "(a) bulk SHA-256 (64 MiB)", bytes_per_s / 1e6);
    printf("  %-40s %10.2f M/s\n\n", "    64-byte compressions", compressions_per_s / 1e6);
    fflush(stdout);

    bench_row rows[4];
    int n_rows = 0;
    for (int t = 0; t < 2; t++) {
        size_t n_txs = t == 0 ? 11 : 1;
        const char *name = t == 0 ? "10 txs" : "reward only";
        if (ni) rows[n_rows++] = bench_template(n_txs, name, false, seconds);
        rows[n_rows++] = bench_template(n_txs, name, true, seconds);
    }

    for (int i = 0; i < n_rows; i++)
        if (!strcmp(rows[i].path, "portable"))
            printf("  %-12s prefix %4zu (in midstate) + digits %2d + suffix %4zu bytes\n",
                   rows[i].template_name, rows[i].prefix_len, NONCE_DIGITS, rows[i].suffix_len);
    printf("\n  %-12s %-9s %14s %18s %14s   runs (M/s)\n", "template", "path",
           "(c) compr/try", "(b) tries/s", "(d) efficiency");
    for (int i = 0; i < n_rows; i++) {
        const bench_row *r = &rows[i];
        double efficiency = r->tries_per_s * (double)r->compressions_per_try / compressions_per_s;
        printf("  %-12s %-9s %14zu %14.3f M/s %14.3f  ", r->template_name, r->path,
               r->compressions_per_try, r->tries_per_s / 1e6, efficiency);
        for (int k = 0; k < RUNS; k++) printf(" %.3f", r->runs[k] / 1e6);
        printf("\n");
    }
    /* rows[0] is the 10-tx template on the default path (SHA-NI if any). */
    double eff10 = rows[0].tries_per_s * (double)rows[0].compressions_per_try / compressions_per_s;
    printf("\n  10 txs, %s: efficiency %.3f %s\n", rows[0].path, eff10,
           eff10 >= 0.8 ? "(ok, >= 0.8)" : "(below 0.8)");
    if (ni) {
        printf("  SHA-NI / portable: 10 txs %.2fx, reward only %.2fx\n",
               rows[0].tries_per_s / rows[1].tries_per_s,
               rows[2].tries_per_s / rows[3].tries_per_s);
    }
    return 0;
}
