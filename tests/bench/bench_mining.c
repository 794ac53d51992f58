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
 *       too short for that and is judged by its tries/s;
 *   (e) the worker pool (pow_pool) on the 10-tx template with 1 and with 2
 *       threads, alternating, median tries/s of each and the speed-up.
 *
 * With --node, instead: what a client of the standalone node sees while it
 * mines. It starts `CHAINSIM node 0` (difficulty 16, the classic rules),
 * and for each of ROUNDS rounds submits 1,000 transactions, sends POST /mine
 * from one thread and, until that answers, GET /chain and POST
 * /add_transaction one after the other from another every 20 ms (one
 * keep-alive connection each; the transactions go to the next block); prints each round's mining time and the p50/p99/max
 * latency of both requests over all rounds.
 *
 * Usage: bench_mining [seconds_per_run]            (default 1)
 *        bench_mining --node CHAINSIM [ROUNDS]     (default 3) */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* ---- (e) the pool ---- */

typedef struct pool_done {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    uint64_t tries;
} pool_done;

static void on_pool_done(void *user, block *sealed, uint64_t tries) {
    pool_done *d = user;
    block_unref(sealed); /* never found at difficulty 255 */
    pthread_mutex_lock(&d->lock);
    d->done = true;
    d->tries = tries;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

static void sleep_s(double s) {
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Tries per second of a pool of n_threads over about `seconds`. */
static double bench_pool(int n_threads, double seconds) {
    tx *txs[11];
    block_template tmpl;
    make_template(txs, 11, &tmpl);
    pow_job *job = xmalloc(sizeof *job);
    pow_job_init(job, &tmpl);
    for (size_t i = 0; i < 11; i++) tx_unref(txs[i]);
    pow_pool *p = pow_pool_new(n_threads);
    pool_done d = {.done = false};
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cond, NULL);
    double t0 = now_s();
    pow_pool_start(p, job, NONCE_START, (uint64_t)1 << 50, on_pool_done, &d);
    sleep_s(seconds);
    pow_pool_cancel(p);
    pthread_mutex_lock(&d.lock);
    while (!d.done) pthread_cond_wait(&d.cond, &d.lock);
    pthread_mutex_unlock(&d.lock);
    double t = now_s() - t0;
    pow_pool_free(p);
    pthread_mutex_destroy(&d.lock);
    pthread_cond_destroy(&d.cond);
    return (double)d.tries / t;
}

static void bench_pool_speedup(double seconds) {
    double one[RUNS], two[RUNS], ratio[RUNS];
    for (int r = 0; r < RUNS; r++) {
        one[r] = bench_pool(1, seconds);
        two[r] = bench_pool(2, seconds);
        ratio[r] = two[r] / one[r];
    }
    printf("\n  (e) pow_pool, 10 txs: 1 thread %.3f M/s, 2 threads %.3f M/s, speed-up %.2fx"
           " (median of %d alternating pairs; pairs:", median(one, RUNS) / 1e6,
           median(two, RUNS) / 1e6, median(ratio, RUNS), RUNS);
    for (int r = 0; r < RUNS; r++) printf(" %.2f", ratio[r]);
    printf(")\n");
}

/* ---- --node: latency while the standalone node mines ---- */

typedef struct client {
    CURL *c;
    struct curl_slist *hs;
    char base[128];
} client;

static size_t discard(char *d, size_t sz, size_t n, void *u) {
    (void)d;
    (void)u;
    return sz * n;
}

static void client_init(client *cl, const char *base) {
    cl->c = curl_easy_init();
    cl->hs = curl_slist_append(NULL, "Accept: application/json");
    cl->hs = curl_slist_append(cl->hs, "Content-Type: application/json");
    snprintf(cl->base, sizeof cl->base, "%s", base);
    curl_easy_setopt(cl->c, CURLOPT_HTTPHEADER, cl->hs);
    curl_easy_setopt(cl->c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(cl->c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(cl->c, CURLOPT_NOSIGNAL, 1L);
}

static void client_cleanup(client *cl) {
    curl_slist_free_all(cl->hs);
    curl_easy_cleanup(cl->c);
}

/* One request on the client's connection; returns its status (-1: none). */
static long client_do(client *cl, const char *path, const char *json) {
    char url[256];
    snprintf(url, sizeof url, "%s%s", cl->base, path);
    curl_easy_setopt(cl->c, CURLOPT_URL, url);
    if (json) {
        curl_easy_setopt(cl->c, CURLOPT_POSTFIELDS, json);
    } else {
        curl_easy_setopt(cl->c, CURLOPT_HTTPGET, 1L);
    }
    long status = -1;
    if (curl_easy_perform(cl->c) == CURLE_OK)
        curl_easy_getinfo(cl->c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* A client that asks 50 times a second, not a flood. */
#define PROBE_PAUSE_S 0.02

static const char tx_body[] = "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1}";

typedef struct miner {
    client cl;
    atomic_bool finished;
    long status;
} miner;

static void *miner_main(void *arg) {
    miner *m = arg;
    m->status = client_do(&m->cl, "/mine", "");
    atomic_store(&m->finished, true);
    return NULL;
}

typedef struct samples {
    double *ms;
    size_t n, cap;
} samples;

static void samples_add(samples *s, double ms) {
    s->ms = xgrow(s->ms, &s->cap, s->n + 1, sizeof *s->ms);
    s->ms[s->n++] = ms;
}

static void samples_print(const char *name, samples *s) {
    if (!s->n) return;
    qsort(s->ms, s->n, sizeof *s->ms, cmp_double);
    size_t p99 = (s->n * 99 + 99) / 100 - 1;
    printf("  %-22s %6zu requests   p50 %8.2f ms   p99 %8.2f ms   max %8.2f ms\n", name, s->n,
           s->ms[s->n / 2], s->ms[p99 < s->n ? p99 : s->n - 1], s->ms[s->n - 1]);
}

/* Starts `bin node 0`; returns its pid, its URL in url and its stdout in
 * *out (kept open until the node is stopped), or -1. */
static pid_t start_node(const char *bin, char *url, size_t url_len, FILE **out_p) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(bin, bin, "node", "0", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[256];
    url[0] = 0;
    while (out && fgets(line, sizeof line, out)) {
        char *at = strstr(line, "http://");
        if (!at) continue;
        snprintf(url, url_len, "%.*s", (int)strcspn(at, " \r\n"), at);
        break;
    }
    *out_p = out;
    return url[0] ? pid : -1;
}

static int bench_node(const char *bin, int rounds) {
    char url[160];
    FILE *node_out = NULL;
    pid_t pid = start_node(bin, url, sizeof url, &node_out);
    if (pid < 0) {
        fprintf(stderr, "bench_mining: could not start %s node 0\n", bin);
        return 1;
    }
    printf("bench_mining --node: %s at %s (difficulty 16), %d rounds of 1,000 transactions\n\n",
           bin, url, rounds);
    client probe;
    client_init(&probe, url);
    samples chain = {0}, add = {0};
    int rc = 0;
    for (int r = 0; r < rounds && rc == 0; r++) {
        for (int i = 0; i < 1000; i++)
            if (client_do(&probe, "/add_transaction", tx_body) != 201) rc = 1;
        miner m = {.status = 0};
        client_init(&m.cl, url);
        atomic_init(&m.finished, false);
        pthread_t tid;
        double t0 = now_s();
        pthread_create(&tid, NULL, miner_main, &m);
        size_t before = chain.n;
        while (!atomic_load(&m.finished)) {
            double a = now_s();
            long st_chain = client_do(&probe, "/chain", NULL);
            double b = now_s();
            long st_add = client_do(&probe, "/add_transaction", tx_body);
            double c = now_s();
            if (atomic_load(&m.finished)) break; /* these may have come after the block */
            samples_add(&chain, (b - a) * 1e3);
            samples_add(&add, (c - b) * 1e3);
            if (st_chain != 200 || st_add != 201) rc = 1;
            sleep_s(PROBE_PAUSE_S);
        }
        pthread_join(tid, NULL);
        double took = now_s() - t0;
        client_cleanup(&m.cl);
        printf("  round %d: POST /mine %ld after %.2f s%s; %zu probe pairs meanwhile\n", r + 1,
               m.status, took, m.status == 504 ? " (longer than the node's 60 s wait)" : "",
               chain.n - before);
        if (m.status != 201 && m.status != 504) rc = 1;
        fflush(stdout);
    }
    printf("\n");
    samples_print("GET /chain", &chain);
    samples_print("POST /add_transaction", &add);
    client_cleanup(&probe);
    free(chain.ms);
    free(add.ms);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    fclose(node_out);
    if (rc) fprintf(stderr, "bench_mining: a request failed (see the statuses above)\n");
    return rc;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "--node") == 0) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        int rc = bench_node(argv[2], argc > 3 ? atoi(argv[3]) : 3);
        curl_global_cleanup();
        return rc;
    }
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
    bench_pool_speedup(seconds);
    return 0;
}
