/* chain_fixture.h - transactions and blocks made by hand, for the tests of
 * chain/ and of the node (sim_fixture.h builds on it). */
#ifndef CHAINSIM_TEST_CHAIN_FIXTURE_H
#define CHAINSIM_TEST_CHAIN_FIXTURE_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "chain/bstore.h"
#include "chain/pow.h"
#include "chain/tx.h"
#include "util/mem.h"

/* A transaction valid in form; aborts otherwise. id NULL: a fresh "t<n>". */
static inline tx *cf_tx(const char *from, const char *to, int64_t amount, const char *id) {
    static int seq;
    char fresh[32];
    if (!id) {
        snprintf(fresh, sizeof fresh, "t%d", ++seq);
        id = fresh;
    }
    reject why = REJ_NONE;
    tx *t = tx_create(from, to, amount, id, 0, &why);
    if (!t) {
        fprintf(stderr, "fixture: tx %s (%s -> %s, %" PRId64 ") refused: %s\n", id, from, to,
                amount, reject_code(why));
        abort();
    }
    return t;
}

/* Seals a block (a real nonce search from nonce 0) with a reward of
 * `reward` to `miner` under a fresh id, then `extra` (borrowed). Not
 * interned; one reference for the caller. */
static inline block *cf_seal(int64_t index, const char *prev_hex, int difficulty, int64_t reward,
                             const char *miner, tx *const *extra, size_t n_extra) {
    static int seq;
    tx **txs = xmalloc((n_extra + 1) * sizeof *txs);
    char id[64];
    snprintf(id, sizeof id, "cf-reward-%" PRId64 "-%d", index, ++seq);
    txs[0] = cf_tx(TX_REWARD_SENDER, miner, reward, id);
    for (size_t i = 0; i < n_extra; i++) txs[i + 1] = extra[i];
    pow_job job;
    pow_job_init(&job, &(block_template){.index = index, .prev_hash = prev_hex,
                                         .difficulty = difficulty, .miner = miner,
                                         .txs = txs, .n_txs = n_extra + 1});
    uint64_t tries = 0;
    block *b = pow_job_search(&job, 0, (uint64_t)1 << 40, &tries);
    pow_job_cleanup(&job);
    tx_unref(txs[0]);
    free(txs);
    if (!b) abort();
    return b;
}

/* A store whose genesis gives alice 100 and bob 50. */
static inline bstore *cf_store(const chain_params *p) {
    const char *names[] = {"alice", "bob"};
    const int64_t amounts[] = {100, 50};
    return bstore_new(p, genesis_with_balances(names, amounts, 2, p->difficulty));
}

#endif
