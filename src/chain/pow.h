/* pow.h - proof of work: seal a block template by searching nonces.
 *
 * A job splits the template's canonical JSON at the nonce:
 *
 *   {"difficulty": 16, "index": 7, "miner": "a", "previous_hash": "..", "proof": | 12345 | , "timestamp": .., "transactions": [..]}
 *   <---------------------- prefix: hashed once (midstate) --------------------> <nonce> <------------ suffix ------------>
 *
 * so a try costs the compressions of nonce digits + suffix only. The search
 * hashes through SHA-256 tails (SHA-NI where the CPU has it, see sha256.h);
 * which path runs never changes the nonces tried, their order or the result. */
#ifndef CHAINSIM_CHAIN_POW_H
#define CHAINSIM_CHAIN_POW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"
#include "chain/sha256.h"

typedef struct block_template {
    int64_t index;
    const char *prev_hash;
    int64_t timestamp_ms;
    int difficulty;
    const char *miner;
    tx *const *txs;
    size_t n_txs;
} block_template;

typedef struct pow_job {
    block_template tmpl; /* strings and txs copied/referenced by the job */
    sha256_mid mid;
    char *prefix;
    size_t prefix_len;
    char *suffix;
    size_t suffix_len;
} pow_job;

/* Prepares a job: copies the template's strings, takes a reference on each
 * tx (the caller keeps its own), splits the canonical bytes and hashes the
 * prefix. tmpl->miner NULL means "". Release with pow_job_cleanup. */
void pow_job_init(pow_job *job, const block_template *tmpl);
void pow_job_cleanup(pow_job *job);

/* Tries nonces start, start+1, ... up to `count` of them; all of them must
 * stay below 2^53 (the integers JSON keeps exact: asserted). On success
 * returns the sealed block (block_new of the template and the nonce, one
 * reference, self_check REJ_NONE for a well-formed template) and sets *tries
 * to the tries spent; on failure returns NULL with *tries = count. */
block *pow_job_search(pow_job *job, uint64_t start, uint64_t count, uint64_t *tries);

/* Hashes one nonce through the OpenSSL midstate (sha256_mid_finish2): the
 * reference the search's tails must agree with. */
void pow_job_hash(const pow_job *job, uint64_t nonce, uint8_t out[SHA256_LEN]);

/* True if the hash has at least `difficulty` leading zero bits. */
bool pow_meets(const uint8_t hash[SHA256_LEN], int difficulty);

/* A pool of worker threads that runs one search at a time off the caller's
 * thread, the nonce range split in equal, contiguous shares, one per worker.
 * Workers search their share in batches of a few milliseconds of hashing
 * and look between batches whether the search was cancelled or another
 * worker found a block, so a cancel takes effect within one batch. Which
 * worker finds first is up to the scheduler: the block found is *a* valid
 * block of the range, not the lowest nonce (use pow_job_search where the
 * result must be reproducible). Idle workers sleep on a condition variable.
 * Workers run at a nice value 10 above their creator's, so on a busy
 * machine the threads that answer requests get the CPU first.
 *
 * Locks: the pool's one mutex guards which search runs and who is in it;
 * within a search, "stop", the block found and the tries are atomics. */
typedef struct pow_pool pow_pool;

/* Called once per search, after every worker has left it: `sealed` is the
 * block found (one reference, now the callee's) or NULL if the search was
 * cancelled or the range held no block; `tries` counts the nonces judged by
 * all workers. Runs on a worker thread: quick, and without calling back
 * into the pool. */
typedef void (*pow_done_fn)(void *user, block *sealed, uint64_t tries);

/* Starts n_threads workers (0: one per online CPU). NULL if not one thread
 * could be started (then search with pow_job_search). */
pow_pool *pow_pool_new(int n_threads);
/* Cancels the search in progress, waits for its done callback to run and
 * joins the workers. NULL does nothing. */
void pow_pool_free(pow_pool *p);
int pow_pool_threads(const pow_pool *p);
/* Searches `job` over nonces [start, start + count) (both below 2^53, as for
 * pow_job_search; count >= 1). `job` is initialised and from malloc: the
 * pool takes it over (cleans it up and frees it after done). A search still in progress is cancelled first and this waits
 * until its workers have left it (at most a batch; its done may still be
 * running). done(user, ...) runs exactly once per search. One caller thread at a time. */
void pow_pool_start(pow_pool *p, pow_job *job, uint64_t start, uint64_t count, pow_done_fn done,
                    void *user);
/* Asks the search in progress (if any) to stop; returns at once. Its done
 * runs soon with NULL, unless a worker had already found a block. */
void pow_pool_cancel(pow_pool *p);

#endif
