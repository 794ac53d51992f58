/* pow.c - proof of work: nonce search over a midstate.
 *
 * A job takes the canonical bytes of the template (block_new's own output,
 * sealed with proof 0, so the split can never disagree with block_new) and
 * cuts them around the proof value:
 *
 *   prefix  `{"difficulty": .., "index": .., "miner": .., "previous_hash": .., "proof": `
 *   nonce   decimal digits
 *   suffix  `, "timestamp": .., "transactions": [..]}`
 *
 * The prefix goes into a SHA-256 midstate once. Per try the search hashes
 * only the digits and the suffix, so a try costs the compressions of
 * (prefix_len % 64) + digits + suffix + padding. The digits live in a small
 * buffer that is incremented in place like an odometer rather than formatted
 * afresh for every nonce.
 *
 * The search runs SHA256_LANES lanes, nonces n, n+1, .., through a SHA-256
 * tail (sha256.h): it holds the suffix laid out and padded once per lane, so
 * a try only rewrites its digits, and sha256_tail_hash_all hashes every lane
 * side by side (SHA-NI) or one after the other (the portable OpenSSL path).
 * Lanes are judged in order, so the nonces are judged in the same order as
 * one at a time and the first nonce found is the same on every path. */
#include "chain/pow.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/mem.h"

/* Nonces stay below 2^53 so every JSON reader (and block_from_json) keeps
 * them exact. */
#define POW_NONCE_LIMIT ((uint64_t)1 << 53)
/* Room for any uint64_t in decimal, plus one digit of carry. */
#define POW_DIGITS_MAX 24

static const char pow__proof_key[] = "\"proof\": ";

/* Lanes step by SHA256_LANES with one pow__add, which adds a single digit. */
_Static_assert(SHA256_LANES >= 1 && SHA256_LANES <= 9, "pow__add adds 1..9");

void pow_job_init(pow_job *job, const block_template *tmpl) {
    assert(tmpl->prev_hash && (tmpl->txs || tmpl->n_txs == 0));
    job->tmpl = *tmpl;
    job->tmpl.prev_hash = xstrdup(tmpl->prev_hash);
    job->tmpl.miner = xstrdup(tmpl->miner ? tmpl->miner : "");
    tx **txs = xmalloc((tmpl->n_txs ? tmpl->n_txs : 1) * sizeof *txs);
    for (size_t i = 0; i < tmpl->n_txs; i++) txs[i] = tx_ref(tmpl->txs[i]);
    job->tmpl.txs = txs;

    block *b = block_new(tmpl->index, tmpl->prev_hash, 0, tmpl->timestamp_ms,
                         tmpl->difficulty, job->tmpl.miner, txs, tmpl->n_txs);
    /* Strings in the canonical bytes escape every '"', so the first `"proof": `
     * outside a string is the block's own key; miner and previous_hash come
     * before it and cannot hold it, transactions come after it. */
    const char *key = strstr(b->canon, pow__proof_key);
    assert(key && key[sizeof pow__proof_key - 1] == '0');
    job->prefix_len = (size_t)(key - b->canon) + sizeof pow__proof_key - 1;
    job->prefix = xstrndup(b->canon, job->prefix_len);
    job->suffix = xstrdup(b->canon + job->prefix_len + 1); /* past the "0" */
    job->suffix_len = b->canon_len - job->prefix_len - 1;
    sha256_mid_init(&job->mid, job->prefix, job->prefix_len);
    block_unref(b);
}

void pow_job_cleanup(pow_job *job) {
    for (size_t i = 0; i < job->tmpl.n_txs; i++) tx_unref(job->tmpl.txs[i]);
    free((void *)job->tmpl.txs);
    free((char *)job->tmpl.prev_hash);
    free((char *)job->tmpl.miner);
    free(job->prefix);
    free(job->suffix);
    memset(job, 0, sizeof *job);
}

bool pow_meets(const uint8_t hash[SHA256_LEN], int difficulty) {
    if (difficulty <= 0) return true;
    if (difficulty > 8 * SHA256_LEN) return false;
    int whole = difficulty >> 3;
    for (int i = 0; i < whole; i++)
        if (hash[i] != 0) return false;
    int rest = difficulty & 7;
    return rest == 0 || (hash[whole] >> (8 - rest)) == 0;
}

/* Writes v in decimal to out (no NUL); returns the number of digits. */
static size_t pow__format(char out[POW_DIGITS_MAX], uint64_t v) {
    char tmp[POW_DIGITS_MAX];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* Adds k (1..9) to the decimal number digits[0..*len), growing it on carry
 * out ("998" + 4 -> "1002"). */
static void pow__add(char digits[POW_DIGITS_MAX], size_t *len, unsigned k) {
    assert(k >= 1 && k <= 9 && *len < POW_DIGITS_MAX);
    size_t i = *len - 1;
    unsigned d = (unsigned)(digits[i] - '0') + k;
    digits[i] = (char)('0' + d % 10);
    if (d < 10) return;
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i > 0) {
        digits[i - 1]++;
        return;
    }
    /* Carried out of the top digit: one more digit, a leading 1. */
    memmove(digits + 1, digits, *len);
    digits[0] = '1';
    (*len)++;
}

void pow_job_hash(const pow_job *job, uint64_t nonce, uint8_t out[SHA256_LEN]) {
    char digits[POW_DIGITS_MAX];
    size_t len = pow__format(digits, nonce);
    sha256_mid_finish2(&job->mid, digits, len, job->suffix, job->suffix_len, out);
}

static block *pow__seal(const pow_job *job, uint64_t nonce, const char *digits,
                        size_t digits_len) {
    const block_template *t = &job->tmpl;
    block *b = block_new(t->index, t->prev_hash, nonce, t->timestamp_ms, t->difficulty,
                         t->miner, t->txs, t->n_txs);
    assert(b->canon_len == job->prefix_len + digits_len + job->suffix_len);
    assert(memcmp(b->canon, job->prefix, job->prefix_len) == 0);
    assert(memcmp(b->canon + job->prefix_len, digits, digits_len) == 0);
    assert(memcmp(b->canon + job->prefix_len + digits_len, job->suffix, job->suffix_len) == 0);
    (void)digits;
    (void)digits_len;
    return b;
}

block *pow_job_search(pow_job *job, uint64_t start, uint64_t count, uint64_t *tries) {
    assert(start < POW_NONCE_LIMIT && count <= POW_NONCE_LIMIT - start);
    const int difficulty = job->tmpl.difficulty;
    /* Lane k holds nonce start + i + k; after each round every lane steps by
     * SHA256_LANES. The last round may hash up to SHA256_LANES - 1 nonces
     * past `count`; they are never judged. */
    char digits[SHA256_LANES][POW_DIGITS_MAX];
    size_t len[SHA256_LANES];
    len[0] = pow__format(digits[0], start);
    for (int k = 1; k < SHA256_LANES; k++) {
        memcpy(digits[k], digits[k - 1], len[k - 1]);
        len[k] = len[k - 1];
        pow__add(digits[k], &len[k], 1);
    }
    sha256_tail tail;
    sha256_tail_init(&tail, &job->mid, job->suffix, job->suffix_len);

    uint8_t hash[SHA256_LANES][SHA256_LEN];
    uint64_t i = 0;
    int found = -1; /* the lane whose nonce start + i + found met the difficulty */
    for (; i < count; i += SHA256_LANES) {
        for (int k = 0; k < SHA256_LANES; k++) sha256_tail_set(&tail, k, digits[k], len[k]);
        sha256_tail_hash_all(&tail, hash);
        int judged = count - i < SHA256_LANES ? (int)(count - i) : SHA256_LANES;
        for (int k = 0; k < judged && found < 0; k++)
            if (pow_meets(hash[k], difficulty)) found = k;
        if (found >= 0) break;
        for (int k = 0; k < SHA256_LANES; k++) pow__add(digits[k], &len[k], SHA256_LANES);
    }
    sha256_tail_cleanup(&tail);

    if (found < 0) {
        *tries = count;
        return NULL;
    }
    *tries = i + (uint64_t)found + 1;
    return pow__seal(job, start + i + (uint64_t)found, digits[found], len[found]);
}

/* ---- the worker pool ------------------------------------------------------
 *
 * One search at a time is `current`. A worker that wakes takes the next
 * share of the current search (shares_taken < n_threads) and searches it in
 * batches; the last worker to leave a search that is over (stopped, or every
 * share searched) takes it off `current`, runs done and frees it. A search
 * nobody has joined yet is still joined by the first worker to wake, even
 * when already stopped, so done always runs on a worker and exactly once. */

/* Workers run this much nicer than the thread that made the pool: on a
 * machine with fewer cores than busy threads, the node and its HTTP threads
 * get the CPU first and the search takes what is left. */
#define POW_WORKER_NICE 10

/* Bytes hashed per batch: ~5-10 ms at this machine's 1-1.5 GB/s per core
 * (shared/PERF-NOTES.md), the bound on how late a worker sees a cancel. */
#define POW_BATCH_BYTES ((uint64_t)8 << 20)

typedef struct pow__search {
    pow_job *job;
    uint64_t start, count, batch;
    pow_done_fn done;
    void *user;
    int shares_taken;          /* pool lock */
    int active;                /* pool lock: workers inside */
    int shares_done;           /* pool lock: shares searched to their end */
    atomic_bool stop;          /* cancelled, or a block was found */
    _Atomic(block *) found;    /* the first block found (first CAS wins) */
    atomic_uint_fast64_t tries;
} pow__search;

struct pow_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake;       /* a new search, or shutdown */
    pthread_cond_t idle;       /* current became NULL */
    pow__search *current;      /* lock */
    bool shutdown;             /* lock */
    int n_threads;
    pthread_t *tids;
};

/* Searches share k of s; returns true if the share was searched to its end
 * (nothing found, not stopped). */
static bool pow__search_share(pow__search *s, int k, int n) {
    uint64_t from = s->start + s->count / (uint64_t)n * (uint64_t)k;
    uint64_t to = k == n - 1 ? s->start + s->count : from + s->count / (uint64_t)n;
    while (from < to) {
        if (atomic_load_explicit(&s->stop, memory_order_relaxed)) return false;
        uint64_t want = to - from < s->batch ? to - from : s->batch;
        uint64_t tries = 0;
        block *b = pow_job_search(s->job, from, want, &tries);
        atomic_fetch_add_explicit(&s->tries, tries, memory_order_relaxed);
        from += tries;
        if (b) {
            block *none = NULL;
            if (!atomic_compare_exchange_strong(&s->found, &none, b)) block_unref(b);
            atomic_store(&s->stop, true);
            return false;
        }
    }
    return true;
}

static void pow__search_finish(pow__search *s) {
    block *b = atomic_load(&s->found);
    s->done(s->user, b, atomic_load(&s->tries));
    pow_job_cleanup(s->job);
    free(s->job);
    free(s);
}

static void *pow__worker_main(void *arg) {
    pow_pool *p = arg;
    /* On Linux the nice value is per thread: this worker only. Best effort. */
    errno = 0;
    int nice_now = getpriority(PRIO_PROCESS, 0);
    if (errno == 0) (void)setpriority(PRIO_PROCESS, 0, nice_now + POW_WORKER_NICE);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        pow__search *s = p->current;
        if (!s || s->shares_taken == p->n_threads) {
            if (p->shutdown && !s) break;
            pthread_cond_wait(&p->wake, &p->lock);
            continue;
        }
        int k = s->shares_taken++;
        s->active++;
        pthread_mutex_unlock(&p->lock);
        bool whole = pow__search_share(s, k, p->n_threads);
        pthread_mutex_lock(&p->lock);
        s->active--;
        s->shares_done += whole;
        bool over = atomic_load(&s->stop) || s->shares_done == p->n_threads;
        if (s->active == 0 && over) {
            p->current = NULL;
            pthread_cond_broadcast(&p->idle);
            pthread_mutex_unlock(&p->lock);
            pow__search_finish(s);
            pthread_mutex_lock(&p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

pow_pool *pow_pool_new(int n_threads) {
    if (n_threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = cpus > 0 ? (int)cpus : 1;
    }
    pow_pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->tids = xcalloc((size_t)n_threads, sizeof *p->tids);
    for (int i = 0; i < n_threads; i++) {
        if (pthread_create(&p->tids[i], NULL, pow__worker_main, p) != 0) break;
        p->n_threads++;
    }
    if (p->n_threads == 0) { /* not one worker: the caller searches inline */
        pow_pool_free(p);
        return NULL;
    }
    return p;
}

int pow_pool_threads(const pow_pool *p) { return p->n_threads; }

/* Stops the current search and waits until its workers have left it. */
static void pow__pool_quiesce(pow_pool *p) {
    while (p->current) {
        atomic_store(&p->current->stop, true);
        pthread_cond_broadcast(&p->wake); /* a search nobody joined yet is finished by a joiner */
        pthread_cond_wait(&p->idle, &p->lock);
    }
}

void pow_pool_start(pow_pool *p, pow_job *job, uint64_t start, uint64_t count, pow_done_fn done,
                    void *user) {
    assert(start < POW_NONCE_LIMIT && count >= 1 && count <= POW_NONCE_LIMIT - start && done);
    pow__search *s = xcalloc(1, sizeof *s);
    s->job = job;
    s->start = start;
    s->count = count;
    s->done = done;
    s->user = user;
    uint64_t batch = POW_BATCH_BYTES / (job->suffix_len + 128);
    if (batch < 64) batch = 64;
    s->batch = (batch + SHA256_LANES - 1) / SHA256_LANES * SHA256_LANES;
    atomic_init(&s->stop, false);
    atomic_init(&s->found, NULL);
    atomic_init(&s->tries, 0);
    pthread_mutex_lock(&p->lock);
    pow__pool_quiesce(p);
    p->current = s;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void pow_pool_cancel(pow_pool *p) {
    pthread_mutex_lock(&p->lock);
    if (p->current) atomic_store(&p->current->stop, true);
    pthread_mutex_unlock(&p->lock);
}

void pow_pool_free(pow_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    pow__pool_quiesce(p);
    p->shutdown = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_threads; i++) pthread_join(p->tids[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->idle);
    free(p->tids);
    free(p);
}
