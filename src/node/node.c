/* node.c - a node's lifecycle, message dispatch, commands and snapshot.
 *
 * Everything here runs on the node's own thread (or the virtual executor's
 * one thread), except node_snapshot_get, which readers call from anywhere and
 * which only touches `snap` under `snap_lock`. */
#include "node/node.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_int.h"
#include "util/mem.h"

void node_init(node *n, const node_desc *desc) {
    assert(desc->store && desc->env && desc->name);
    memset(n, 0, sizeof *n);
    n->id = desc->id;
    n->name = xstrdup(desc->name);
    n->store = desc->store;
    n->params = bstore_params(desc->store);
    n->env = desc->env;
    rng_seed(&n->rng, desc->seed, 1000 + (uint64_t)desc->id);
    n->mining = desc->mining;
    n->share = desc->share;
    n->gossip = desc->gossip;
    n->traffic_max_amount = desc->traffic_max_amount > 0 ? desc->traffic_max_amount : 10;
    n->block_bytes = desc->block_bytes;
    n->relay = desc->relay;
    n->compact_failure_rate = desc->compact_failure_rate;
    n->compact_push = desc->compact_push;
    n->compact_bytes = desc->compact_bytes;
    rng_seed(&n->relay_rng, desc->seed, NODE_RELAY_STREAM + (uint64_t)desc->id);
    n->churn = desc->churn;
    rng_seed(&n->churn_rng, desc->seed, NODE_CHURN_STREAM + (uint64_t)desc->id);
    if (desc->attack.strategy != NODE_HONEST) node__attack_init(n, &desc->attack, desc->seed);
    chain_init(&n->chain, desc->store);
    mempool_init(&n->mempool, 0);
    hmap_init(&n->orphans);
    ptrset_init(&n->orphan_set);
    hmap_init(&n->requested);
    hmap_init(&n->tx_requested);
    pthread_mutex_init(&n->snap_lock, NULL);
    n->snap_dirty = true;
    node_publish(n);
}

void node_cleanup(node *n) {
    node__resolve_abort(n, "the simulation ended");
    node_stop(n);
    free(n->mine_queue);
    node__race_reset(n);
    node__clear_orphans(n);
    hmap_cleanup(&n->orphans);
    ptrset_cleanup(&n->orphan_set);
    node__clear_requests(n);
    node__clear_tx_requests(n);
    node__attack_free(n);
    mempool_cleanup(&n->mempool);
    chain_cleanup(&n->chain);
    free(n->peers);
    free(n->name);
    ledger_unref(n->snap.balances);
    pthread_mutex_destroy(&n->snap_lock);
}

void node__emit(node *n, sim_event ev) {
    ev.t_us = node__now(n);
    ev.node = n->id;
    n->env->emit(n->env->ctx, &ev);
}

void node__send(node *n, int to, msg *m) {
    if (n->attack && !node__attack_talks_to(n, to)) {
        msg_free(m);
        return;
    }
    m->from = n->id;
    m->to = to;
    m->sent_us = node__now(n);
    m->size_bytes = msg_wire_size(m);
    if (n->block_bytes > 0) { /* a scenario's declared block size replaces the real one */
        uint64_t size = MSG_HEADER_BYTES;
        if (m->kind == MSG_BLOCK) size += (uint64_t)n->block_bytes;
        else if (m->kind == MSG_BLOCKS || m->kind == MSG_CHAIN) size += (uint64_t)n->block_bytes * m->n_blocks;
        else size = m->size_bytes;
        m->size_bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    }
    if (m->kind == MSG_CMPCTBLOCK && n->compact_bytes > 0) {
        uint64_t size = MSG_HEADER_BYTES + (uint64_t)n->compact_bytes;
        m->size_bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    }
    n->env->send(n->env->ctx, m);
}

void node__send_block_msg(node *n, int to, msg_kind kind, block *b) {
    msg *m = msg_new(kind);
    m->block = b;
    node__send(n, to, m);
}

bool node_has_peer(const node *n, int id) {
    for (size_t i = 0; i < n->n_peers; i++)
        if (n->peers[i] == id) return true;
    return false;
}

void node_remove_peer(node *n, int peer) {
    for (size_t i = 0; i < n->n_peers; i++) {
        if (n->peers[i] != peer) continue;
        memmove(n->peers + i, n->peers + i + 1, (n->n_peers - i - 1) * sizeof *n->peers);
        n->n_peers--;
        n->snap_dirty = true;
        return;
    }
}

node_strategy node_get_strategy(const node *n) {
    return n->attack ? node__attack_strategy(n) : NODE_HONEST;
}

void node_add_peer(node *n, int peer) {
    if (peer == n->id || node_has_peer(n, peer)) return;
    n->peers = xgrow(n->peers, &n->cap_peers, n->n_peers + 1, sizeof *n->peers);
    n->peers[n->n_peers++] = peer;
    n->snap_dirty = true;
    node__emit(n, (sim_event){.kind = EV_PEER_ADDED, .peer = peer});
}

void node__complete(node *n, node_cmd *cmd) {
    /* Whoever waits on the command reads the snapshot next: publish first,
     * so a reply to "mine" or "resolve" never shows the state before it. */
    node_publish(n);
    if (cmd->done)
        cmd->done(cmd);
    else
        node_cmd_free(cmd);
}

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

static void node__on_command(node *n, node_cmd *cmd) {
    if (cmd->kind == CMD_SEALED) { /* internal: no one waits on it */
        node__mine_sealed(n, cmd);
        node_cmd_free(cmd);
        return;
    }
    if (n->crashed && cmd->kind != CMD_RESTART && cmd->kind != CMD_CRASH &&
        cmd->kind != CMD_REGISTER && cmd->kind != CMD_SET_HASH_POWER && cmd->kind != CMD_INSPECT) {
        cmd->error = "the node is down (crashed)";
        node__complete(n, cmd);
        return;
    }
    switch (cmd->kind) {
    case CMD_ADD_TX: node__cmd_add_tx(n, cmd); return;
    case CMD_GEN_TX: node__cmd_gen_tx(n, cmd); return;
    case CMD_MINE: node__cmd_mine(n, cmd); return;
    case CMD_REGISTER:
        if (cmd->peer == n->id) cmd->error = "a node cannot be its own peer";
        else node_add_peer(n, cmd->peer);
        break;
    case CMD_RESOLVE: node__resolve_start(n, cmd); return;
    case CMD_CRASH:
        if (!n->crashed) node__crash(n);
        break;
    case CMD_RESTART:
        if (n->crashed) node__restart(n);
        break;
    case CMD_INSPECT:
        cmd->n_peers = n->n_peers;
        cmd->peers = xmalloc((n->n_peers + 1) * sizeof *cmd->peers);
        if (n->n_peers) memcpy(cmd->peers, n->peers, n->n_peers * sizeof *cmd->peers);
        cmd->n_txs = n->mempool.n;
        cmd->txs = xmalloc((n->mempool.n + 1) * sizeof *cmd->txs);
        for (size_t i = 0; i < n->mempool.n; i++) cmd->txs[i] = tx_ref(n->mempool.txs[i]);
        cmd->block = n->chain.tip;
        break;
    case CMD_SEALED: break; /* handled above */
    case CMD_SET_HASH_POWER:
        n->share = cmd->share < 0 ? 0 : cmd->share;
        n->mine_token++;
        n->snap_dirty = true;
        node__emit(n, (sim_event){.kind = EV_HASH_POWER, .peer = -1, .value = n->share});
        if (!n->crashed) node__mine_schedule(n);
        break;
    }
    node__complete(n, cmd);
}

void node_start(node *n) {
    if (n->attack) node__attack_start(n);
    node__churn_start(n);
    node__mine_schedule(n);
    node_publish(n);
}

void node_handle(node *n, msg *m) {
    if (m->kind == MSG_COMMAND) {
        node_cmd *cmd = m->cmd;
        m->cmd = NULL;
        msg_free(m);
        node__on_command(n, cmd);
        node_publish(n);
        return;
    }
    node_receive(n, m);
    msg_free(m);
}

void node_receive(node *n, msg *m) {
    assert(m->kind != MSG_COMMAND);
    if (n->crashed) return; /* the executor drops these; this is the backstop */
    if (n->attack && !node__attack_talks_to(n, m->from)) return;
    switch (m->kind) {
    case MSG_INV:
    case MSG_GETDATA:
    case MSG_BLOCK:
    case MSG_GETBLOCKS:
    case MSG_BLOCKS:
    case MSG_CMPCTBLOCK:
    case MSG_GETBLOCKTXN:
        if (m->tx) node__on_tx_msg(n, m);
        else node__on_block_msg(n, m);
        break;
    case MSG_TX: node__on_tx_msg(n, m); break;
    case MSG_GETCHAIN:
    case MSG_CHAIN: node__on_chain_msg(n, m); break;
    case MSG_COMMAND: break;
    }
    node_publish(n);
}

void node_timer(node *n, node_timer_kind kind, uint32_t token) {
    if (kind == TIMER_CHURN) { /* the one timer that also wakes a crashed node */
        node__churn_timer(n, token);
        node_publish(n);
        return;
    }
    if (n->crashed) return;
    switch (kind) {
    case TIMER_MINE: node__mine_timer(n, token); break;
    case TIMER_RACE: node__race_step(n, token); break;
    case TIMER_RESOLVE: node__resolve_timeout(n, token); break;
    case TIMER_ATTACK:
    case TIMER_RELEASE:
        if (n->attack) node__attack_timer(n, kind, token);
        break;
    case TIMER_CHURN: break;
    }
    node_publish(n);
}

bool node_timer_live(const node *n, node_timer_kind kind, uint32_t token) {
    if (kind == TIMER_CHURN) return token == n->churn_token;
    if (n->crashed) return false;
    switch (kind) {
    case TIMER_MINE:
    case TIMER_RACE: return token == n->mine_token;
    case TIMER_RESOLVE: return n->resolve_token != 0 && token == n->resolve_token;
    case TIMER_ATTACK:
    case TIMER_RELEASE: return n->attack != NULL;
    case TIMER_CHURN: break;
    }
    return false;
}

void node_publish(node *n) {
    if (!n->snap_dirty) return;
    n->snap_dirty = false;
    const block *tip = n->chain.tip;
    ledger *bal = tip->ledger ? ledger_ref(tip->ledger) : NULL;
    pthread_mutex_lock(&n->snap_lock);
    ledger *old = n->snap.balances;
    n->snap.tip = tip;
    n->snap.height = tip->index;
    n->snap.balances = bal;
    n->snap.mempool_size = n->mempool.n;
    n->snap.n_peers = n->n_peers;
    n->snap.n_orphans = n->n_orphans;
    n->snap.crashed = n->crashed;
    n->snap.share = n->share;
    n->snap.blocks_rejected = n->blocks_rejected;
    n->snap.version++;
    pthread_mutex_unlock(&n->snap_lock);
    ledger_unref(old);
}

void node_snapshot_get(node *n, node_snapshot *out) {
    pthread_mutex_lock(&n->snap_lock);
    *out = n->snap;
    if (out->balances) ledger_ref(out->balances);
    pthread_mutex_unlock(&n->snap_lock);
}

void node_snapshot_release(node_snapshot *s) {
    ledger_unref(s->balances);
    s->balances = NULL;
}
