/* node_miner.c - sealing blocks.
 *
 * Every block is sealed with a real nonce: the search starts at a random
 * nonce (from the node's nonce stream, so two miners of the same template do
 * not collide, and virtual runs stay reproducible) and runs until the hash
 * meets the chain's difficulty. Auto mining's times come from another stream
 * of their own (mine_rng), so nothing else the node draws moves them.
 *
 *   manual  one search now (a command). Where the executor lets a node
 *           work off its thread (env->post: the threads executor, the
 *           standalone node), the search runs on a pow_pool of one worker
 *           per core and the node goes on handling its mailbox: commands
 *           queue, the first one's search runs, and reports back in a
 *           CMD_SEALED that carries its token. A new tip cancels the search
 *           and starts it again on the new tip with the mempool as it is
 *           then; the command is answered with the block finally found. A
 *           report whose token is not the search in progress is stale and
 *           dropped. In the virtual executor the search runs inline.
 *   auto    when the node finds a block is a Poisson process of rate
 *           share / (D x block_interval), D the relative difficulty of a
 *           block on the node's tip (chain/retarget.h; 1 without
 *           retargeting); memoryless, so a tip change needs no reschedule
 *           unless it changes D (a new window, or a branch whose windows
 *           went otherwise): then the timer is drawn again at the new rate;
 *           a share change bumps mine_token to cancel the timer
 *   race    the node grinds NODE_RACE_BATCH nonces per step and yields to its
 *           mailbox between steps; a new tip restarts the template */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/retarget.h"
#include "node/node_int.h"
#include "util/mem.h"

/* Proofs stay below 2^53 so every JSON reader holds them exactly: a search
 * starts below 2^51 and may run 2^51 nonces (no difficulty needs that many). */
#define NODE_NONCE_SPAN ((uint64_t)1 << 51)

static uint64_t node__nonce_start(node *n) { return rng_u64(node__rng(n, NODE__RNG_NONCE)) >> 13; }

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
    block *sealed =
        n->env->search
            ? n->env->search(n->env->ctx, &job, node__nonce_start(n), NODE_NONCE_SPAN, &tries)
            : pow_job_search(&job, node__nonce_start(n), NODE_NONCE_SPAN, &tries);
    pow_job_cleanup(&job);
    node__template_free(txs, t.n_txs);
    return sealed;
}

/* A block we sealed: its size drawn (chain.block_size), into the store,
 * announced as mined, then accepted like any other (an attacker may keep it
 * to itself: the on_mined hook). */
const block *node__mined(node *n, block *sealed) {
    /* Nobody else holds the block yet: its size can still be given. */
    if (n->block_size)
        sealed->sim_bytes = dist_draw_size(n->block_size, node__rng(n, NODE__RNG_SIZE));
    block *b = bstore_intern(n->store, sealed);
    node__emit(n, (sim_event){.kind = EV_MINED, .peer = -1, .block = b});
    node__hook_on_mined(n, b);
    node__accept_block(n, b, -1);
    node__hook_after_mined(n, b);
    return b;
}

const block *node__mine_now(node *n, const char **error) {
    block *sealed = node__seal(n, n->chain.tip, n->params->reward, NULL, 0, true, error);
    return sealed ? node__mined(n, sealed) : NULL;
}

/* ---- off the node's thread ---------------------------------------------- */

/* Mining off the node's thread (env->post set), made at the first CMD_MINE. */
typedef struct node__offthread {
    pow_pool *pool;          /* NULL: no worker could start (or node_stop) */
    node_cmd **mine_queue;   /* CMD_MINE waiting, the first one being searched for */
    size_t n_mine_queue, cap_mine_queue;
    uint32_t mine_search;    /* token of the search in progress; 0: none */
    uint32_t mine_seq;       /* source of search tokens */
    const block *mine_parent;/* the tip the search builds on */
} node__offthread;

/* What a search's done callback needs to report back. */
typedef struct node__report {
    const node_env *env;
    int node;
    uint32_t token;
} node__report;

/* On a pool worker: the search ended (found, cancelled or superseded). */
static void node__search_done(void *user, block *sealed, uint64_t tries) {
    (void)tries;
    node__report *r = user;
    node_cmd *cmd = node_cmd_new(CMD_SEALED);
    cmd->sealed = sealed;
    cmd->token = r->token;
    r->env->post(r->env->ctx, r->node, cmd);
    r->env->hold(r->env->ctx, -1); /* after the post: the node never looks idle in between */
    free(r);
}

static node_cmd *node__mine_pop(node__offthread *o) {
    assert(o->n_mine_queue > 0);
    node_cmd *cmd = o->mine_queue[0];
    memmove(o->mine_queue, o->mine_queue + 1, --o->n_mine_queue * sizeof *o->mine_queue);
    return cmd;
}

/* Starts (or starts again) the search for the first waiting command, on the
 * current tip; answers the commands that cannot be mined. */
static void node__search_start(node *n) {
    node__offthread *o = n->off;
    while (o->n_mine_queue > 0) {
        block_template t;
        tx **txs;
        const char *error = NULL;
        if (!node__template(n, n->chain.tip, n->params->reward, NULL, 0, true, &t, &txs, &error)) {
            if (o->mine_search) pow_pool_cancel(o->pool);
            o->mine_search = 0;
            node_cmd *cmd = node__mine_pop(o);
            cmd->error = error;
            node__complete(n, cmd);
            continue;
        }
        pow_job *job = xmalloc(sizeof *job);
        pow_job_init(job, &t);
        node__template_free(txs, t.n_txs);
        if (++o->mine_seq == 0) o->mine_seq = 1;
        o->mine_search = o->mine_seq;
        o->mine_parent = n->chain.tip;
        node__report *r = xmalloc(sizeof *r);
        *r = (node__report){.env = n->env, .node = n->id, .token = o->mine_search};
        n->env->hold(n->env->ctx, +1);
        pow_pool_start(o->pool, job, node__nonce_start(n), NODE_NONCE_SPAN, node__search_done, r);
        return;
    }
}

void node__cmd_mine(node *n, node_cmd *cmd) {
    if (n->env->post && !n->off) n->off = xcalloc(1, sizeof *n->off);
    node__offthread *o = n->off;
    if (o && !o->pool) o->pool = pow_pool_new(0);
    if (!o || !o->pool) { /* one thread for everything (or no worker could start) */
        cmd->block = node__mine_now(n, &cmd->error);
        node__complete(n, cmd);
        return;
    }
    o->mine_queue = xgrow(o->mine_queue, &o->cap_mine_queue, o->n_mine_queue + 1,
                          sizeof *o->mine_queue);
    o->mine_queue[o->n_mine_queue++] = cmd;
    if (!o->mine_search) node__search_start(n);
}

void node__mine_sealed(node *n, node_cmd *report) {
    node__offthread *o = n->off;
    if (!o || report->token == 0 || report->token != o->mine_search) return; /* stale */
    o->mine_search = 0;
    node_cmd *cmd = node__mine_pop(o);
    block *sealed = report->sealed;
    report->sealed = NULL;
    if (sealed) cmd->block = node__mined(n, sealed);
    else cmd->error = "no nonce of the range met the difficulty";
    node__complete(n, cmd);
    node__search_start(n);
}

void node__mine_tip_changed(node *n) {
    node__race_reset(n);
    /* The rate follows the tip's branch: a new D draws the timer again
     * (never without retargeting, where D is always 1). */
    if (n->mining == NODE_MINING_AUTO && !n->crashed &&
        retarget_next(n->chain.tip, n->params) != n->mine_rel) {
        n->mine_token++;
        node__mine_schedule(n);
    }
    if (n->off && n->off->mine_search && n->off->mine_parent != n->chain.tip)
        node__search_start(n);
}

void node__mine_abort(node *n, node_cmd_status status, const char *error) {
    node__offthread *o = n->off;
    if (!o) return;
    if (o->mine_search) pow_pool_cancel(o->pool);
    o->mine_search = 0;
    while (o->n_mine_queue > 0) {
        node_cmd *cmd = node__mine_pop(o);
        cmd->status = status;
        cmd->error = error;
        node__complete(n, cmd);
    }
}

void node_stop(node *n) {
    node__mine_abort(n, CMD_STOPPED, node_cmd_strerror(CMD_STOPPED));
    if (!n->off) return;
    pow_pool_free(n->off->pool); /* joins the workers; a last report goes to the mailbox */
    n->off->pool = NULL;
}

void node__mine_free(node *n) {
    if (n->off) free(n->off->mine_queue);
    free(n->off);
    n->off = NULL;
    node__race_reset(n);
}

/* ---- auto and race ------------------------------------------------------- */

void node__mine_schedule(node *n) {
    if (n->crashed || n->share <= 0 || !n->env->mining_enabled(n->env->ctx)) return;
    int64_t now = node__now(n);
    if (n->mining == NODE_MINING_AUTO) {
        n->mine_rel = retarget_next(n->chain.tip, n->params);
        double mean_us = (double)n->params->block_interval_us * n->mine_rel / n->share;
        double delay = rng_exp(&n->mine_rng, mean_us);
        int64_t at = now + (delay > 1e15 ? (int64_t)1e15 : (int64_t)ceil(delay));
        n->env->set_timer(n->env->ctx, n->id, at, TIMER_MINE, n->mine_token);
    } else if (n->mining == NODE_MINING_RACE) {
        n->env->set_timer(n->env->ctx, n->id, now, TIMER_RACE, n->mine_token);
    }
}

void node__mine_timer(node *n, uint32_t token) {
    if (token != n->mine_token || !n->env->mining_enabled(n->env->ctx)) return;
    const char *error = NULL;
    if (!node__hook_mine(n)) node__mine_now(n, &error);
    /* Our block may have started a window: then the tip change drew the
     * next timer already, at the new rate. */
    if (token == n->mine_token) node__mine_schedule(n);
}

/* Race mining's template, made when a step finds none, gone at a reset. */
typedef struct node__race {
    pow_job job;
    tx **txs;                /* its transactions (one reference each) */
    size_t n_txs;
    const block *tip;        /* the tip it builds on */
    uint64_t nonce;          /* the next to try */
} node__race;

void node__race_reset(node *n) {
    node__race *r = n->race;
    if (!r) return;
    pow_job_cleanup(&r->job);
    node__template_free(r->txs, r->n_txs);
    free(r);
    n->race = NULL;
}

void node__race_step(node *n, uint32_t token) {
    if (token != n->mine_token || !n->env->mining_enabled(n->env->ctx)) return;
    if (n->race && n->race->tip != n->chain.tip) node__race_reset(n);
    if (!n->race) {
        block_template t;
        tx **txs;
        const char *error = NULL;
        if (!node__template(n, n->chain.tip, n->params->reward, NULL, 0, true, &t, &txs, &error))
            return;
        node__race *r = xmalloc(sizeof *r);
        pow_job_init(&r->job, &t);
        r->txs = txs;
        r->n_txs = t.n_txs;
        r->tip = n->chain.tip;
        r->nonce = node__nonce_start(n);
        n->race = r;
    }
    uint64_t tries = 0;
    block *sealed = pow_job_search(&n->race->job, n->race->nonce, NODE_RACE_BATCH, &tries);
    n->race->nonce += tries;
    if (sealed) {
        node__race_reset(n);
        node__mined(n, sealed);
    }
    n->env->set_timer(n->env->ctx, n->id, node__now(n), TIMER_RACE, n->mine_token);
}
