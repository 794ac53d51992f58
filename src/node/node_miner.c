/* node_miner.c - sealing blocks.
 *
 * Every block is sealed with a real nonce: the search starts at a random
 * nonce (from the node's rng, so two miners of the same template do not
 * collide, and virtual runs stay reproducible) and runs until the hash meets
 * the chain's difficulty.
 *
 *   manual  one search now (a command)
 *   auto    when the node finds a block is a Poisson process of rate
 *           share / block_interval; memoryless, so a tip change needs no
 *           reschedule; a share change bumps mine_token to cancel the timer
 *   race    the node grinds NODE_RACE_BATCH nonces per step and yields to its
 *           mailbox between steps; a new tip restarts the template */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "node/node_int.h"
#include "util/mem.h"

/* Proofs stay below 2^53 so every JSON reader holds them exactly: a search
 * starts below 2^51 and may run 2^51 nonces (no difficulty needs that many). */
#define NODE_NONCE_SPAN ((uint64_t)1 << 51)

static uint64_t node__nonce_start(node *n) { return rng_u64(&n->rng) >> 13; }

/* The template for a block on `parent`: the reward (of `reward`), then
 * `extra`, then what the mempool offers if use_mempool. Returns false (with
 * *error) if the node cannot be paid. */
static bool node__template(node *n, const block *parent, int64_t reward, tx *const *extra,
                           size_t n_extra, bool use_mempool, block_template *t, tx ***txs_out,
                           const char **error) {
    tx **txs = xmalloc((NODE_MAX_TXS_PER_BLOCK + 1 + n_extra) * sizeof *txs);
    char id[96]; /* at most 7 + 20 + 1 + 30 bytes: within TX_ID_MAX */
    snprintf(id, sizeof id, "reward-%" PRId64 "-%.30s", parent->index + 1, n->name);
    reject why = REJ_NONE;
    int64_t now_ms = node__now(n) / 1000;
    txs[0] = tx_create(TX_REWARD_SENDER, n->name, reward, id, now_ms, &why);
    if (!txs[0]) {
        free(txs);
        *error = "the node's name cannot receive a reward (see transaction name rules)";
        return false;
    }
    size_t k = 1;
    for (size_t i = 0; i < n_extra; i++) txs[k++] = tx_ref(extra[i]);
    if (use_mempool) {
        size_t got = mempool_select(&n->mempool, parent, n->params, txs + k, NODE_MAX_TXS_PER_BLOCK);
        for (size_t i = k; i < k + got; i++) tx_ref(txs[i]);
        k += got;
    }
    *t = (block_template){
        .index = parent->index + 1,
        .prev_hash = parent->hash_hex,
        .timestamp_ms = now_ms,
        .difficulty = n->params->difficulty,
        .miner = n->name,
        .txs = txs,
        .n_txs = k,
    };
    *txs_out = txs;
    return true;
}

static void node__template_free(tx **txs, size_t n_txs) {
    for (size_t i = 0; i < n_txs; i++) tx_unref(txs[i]);
    free(txs);
}

block *node__seal(node *n, const block *parent, int64_t reward, tx *const *extra, size_t n_extra,
                  bool use_mempool, const char **error) {
    block_template t;
    tx **txs;
    if (!node__template(n, parent, reward, extra, n_extra, use_mempool, &t, &txs, error))
        return NULL;
    pow_job job;
    pow_job_init(&job, &t);
    uint64_t tries = 0;
    block *sealed = pow_job_search(&job, node__nonce_start(n), NODE_NONCE_SPAN, &tries);
    pow_job_cleanup(&job);
    node__template_free(txs, t.n_txs);
    return sealed;
}

/* A block we sealed: into the store, announced as mined, then accepted like
 * any other (an attacker may keep it to itself: node_attack.c). */
const block *node__mined(node *n, block *sealed) {
    block *b = bstore_intern(n->store, sealed);
    node__emit(n, (sim_event){.kind = EV_MINED, .peer = -1, .block = b});
    if (n->attack) node__attack_hold(n, b);
    node__accept_block(n, b, -1);
    if (n->attack) node__attack_after_mined(n, b);
    return b;
}

const block *node__mine_now(node *n, const char **error) {
    block *sealed = node__seal(n, n->chain.tip, n->params->reward, NULL, 0, true, error);
    return sealed ? node__mined(n, sealed) : NULL;
}

void node__mine_schedule(node *n) {
    if (n->crashed || n->share <= 0 || !n->env->mining_enabled(n->env->ctx)) return;
    int64_t now = node__now(n);
    if (n->mining == NODE_MINING_AUTO) {
        double mean_us = (double)n->params->block_interval_us / n->share;
        double delay = rng_exp(&n->rng, mean_us);
        int64_t at = now + (delay > 1e15 ? (int64_t)1e15 : (int64_t)ceil(delay));
        n->env->set_timer(n->env->ctx, n->id, at, TIMER_MINE, n->mine_token);
    } else if (n->mining == NODE_MINING_RACE) {
        n->env->set_timer(n->env->ctx, n->id, now, TIMER_RACE, n->mine_token);
    }
}

void node__mine_timer(node *n, uint32_t token) {
    if (token != n->mine_token || !n->env->mining_enabled(n->env->ctx)) return;
    const char *error = NULL;
    if (!n->attack || !node__attack_mine(n)) node__mine_now(n, &error);
    node__mine_schedule(n);
}

void node__race_reset(node *n) {
    if (!n->race_job) return;
    pow_job_cleanup(n->race_job);
    free(n->race_job);
    node__template_free(n->race_txs, n->race_n_txs);
    n->race_txs = NULL;
    n->race_n_txs = 0;
    n->race_job = NULL;
    n->race_tip = NULL;
}

void node__race_step(node *n, uint32_t token) {
    if (token != n->mine_token || !n->env->mining_enabled(n->env->ctx)) return;
    if (n->race_tip != n->chain.tip) node__race_reset(n);
    if (!n->race_job) {
        block_template t;
        tx **txs;
        const char *error = NULL;
        if (!node__template(n, n->chain.tip, n->params->reward, NULL, 0, true, &t, &txs, &error))
            return;
        n->race_job = xmalloc(sizeof *n->race_job);
        pow_job_init(n->race_job, &t);
        n->race_txs = txs;
        n->race_n_txs = t.n_txs;
        n->race_tip = n->chain.tip;
        n->race_nonce = node__nonce_start(n);
    }
    uint64_t tries = 0;
    block *sealed = pow_job_search(n->race_job, n->race_nonce, NODE_RACE_BATCH, &tries);
    n->race_nonce += tries;
    if (sealed) {
        node__race_reset(n);
        node__mined(n, sealed);
    }
    n->env->set_timer(n->env->ctx, n->id, node__now(n), TIMER_RACE, n->mine_token);
}
