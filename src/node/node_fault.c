/* node_fault.c - faults: what happens to a node, whatever its strategy.
 *
 * A crash loses what a node holds in memory (mempool, orphans, requests, a
 * resolve or a search in progress) and keeps its chain, as a restarted
 * process keeps its disk; a restart asks every peer for what it missed. A
 * crash and a restart come from a command (the scenario's timeline, HTTP)
 * or from churn: a node that leaves and comes back on its own, up and down
 * for exponential times drawn from its churn rng.
 *
 * Churn lives in the node rather than in the executors: its times come
 * from the node's own rng stream and its own timer (TIMER_CHURN, the one
 * that wakes a crashed node), so both executors run it the same way with no
 * code of their own, and the same seed gives the same departures. */
#include <stdint.h>

#include "node/node_int.h"

void node__crash(node *n) {
    node__resolve_abort(n, "the node crashed");
    node__mine_abort(n, CMD_RAN, "the node crashed");
    node__race_reset(n);
    node__clear_orphans(n);
    mempool_clear(&n->mempool);
    node__clear_requests(n);
    node__clear_tx_requests(n);
    n->mine_token++;
    n->crashed = true;
    n->snap_dirty = true;
    node__emit(n, (sim_event){.kind = EV_CRASH, .peer = -1});
}

void node__restart(node *n) {
    n->crashed = false;
    n->snap_dirty = true;
    node__emit(n, (sim_event){.kind = EV_RESTART, .peer = -1});
    node__mine_schedule(n);
    for (size_t i = 0; i < n->n_peers; i++) node__request_news(n, n->peers[i]);
}

/* ---- churn --------------------------------------------------------------- */

static void node__churn_schedule(node *n, int64_t mean_us) {
    double delay = rng_exp(node__rng(n, NODE__RNG_CHURN), (double)mean_us);
    int64_t at = node__now(n) + (delay > 1e15 ? (int64_t)1e15 : (int64_t)delay + 1);
    n->env->set_timer(n->env->ctx, n->id, at, TIMER_CHURN, ++n->churn_token);
}

void node__churn_start(node *n) {
    if (n->churn.mean_up_us > 0 && n->churn.mean_down_us > 0)
        node__churn_schedule(n, n->churn.mean_up_us);
}

void node__churn_timer(node *n, uint32_t token) {
    if (token != n->churn_token || !n->env->mining_enabled(n->env->ctx)) return;
    if (n->crashed) {
        node__restart(n);
        node__churn_schedule(n, n->churn.mean_up_us);
    } else {
        node__crash(n);
        node__churn_schedule(n, n->churn.mean_down_us);
    }
}
