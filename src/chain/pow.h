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

#endif
