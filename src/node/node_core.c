/* node_core.c - what every file of a node uses to reach out: its peers,
 * emitting an event, sending a message, answering a command, publishing the
 * snapshot; and the const accessors through which the world outside node/
 * reads the little the snapshot does not carry.
 *
 * All of it runs on the node's own thread, except node_snapshot_get, which
 * readers call from anywhere and which only touches `snap` under
 * `snap_lock`, and the accessors node.h marks "any thread" (fields fixed at
 * node_new, or the atomic holder bit). */
#include <stdint.h>
#include <string.h>

#include "node/node_int.h"
#include "util/mem.h"

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

void node_add_peer(node *n, int peer) {
    if (peer == n->id || node_has_peer(n, peer)) return;
    n->peers = xgrow(n->peers, &n->cap_peers, n->n_peers + 1, sizeof *n->peers);
    n->peers[n->n_peers++] = peer;
    n->snap_dirty = true;
    node__emit(n, (sim_event){.kind = EV_PEER_ADDED, .peer = peer});
}

void node__emit(node *n, sim_event ev) {
    ev.t_us = node__now(n);
    ev.node = n->id;
    n->env->emit(n->env->ctx, &ev);
}

uint64_t node__block_size(const node *n, const block *b) {
    if (b->sim_bytes > 0) return (uint64_t)b->sim_bytes;
    return n->block_bytes > 0 ? (uint64_t)n->block_bytes : b->wire_bytes;
}

/* The whole blocks a message hands the receiver to validate (msg.h). */
static void node__validate_load(const node *n, msg *m) {
    m->validate_blocks = 0;
    m->validate_bytes = 0;
    switch (m->kind) {
    case MSG_BLOCK:
        if (m->compact_rest) return;
        /* fallthrough */
    case MSG_CMPCTBLOCK:
        m->validate_blocks = 1;
        m->validate_bytes = node__block_size(n, m->block);
        return;
    case MSG_BLOCKS:
    case MSG_CHAIN:
        m->validate_blocks = (uint32_t)m->n_blocks;
        for (size_t i = 0; i < m->n_blocks; i++) m->validate_bytes += node__block_size(n, m->blocks[i]);
        return;
    default: return;
    }
}

void node__send(node *n, int to, msg *m) {
    if (!node__hook_talks_to(n, to)) {
        msg_free(m);
        return;
    }
    m->from = n->id;
    m->to = to;
    m->sent_us = node__now(n);
    m->size_bytes = msg_wire_size(m);
    node__validate_load(n, m);
    if (n->block_bytes > 0 || n->block_size) { /* declared sizes replace the real ones */
        uint64_t size = MSG_HEADER_BYTES;
        if (m->kind == MSG_BLOCK) size += node__block_size(n, m->block);
        else if (m->kind == MSG_BLOCKS || m->kind == MSG_CHAIN)
            for (size_t i = 0; i < m->n_blocks; i++) size += node__block_size(n, m->blocks[i]);
        else size = m->size_bytes;
        m->size_bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    }
    if (m->kind == MSG_CMPCTBLOCK && (n->compact_bytes > 0 || m->block->sim_bytes > 0)) {
        /* A drawn size counts its transactions at the typical size. */
        uint64_t payload = n->compact_bytes > 0
                               ? (uint64_t)n->compact_bytes
                               : msg_compact_payload((uint64_t)m->block->sim_bytes / MSG_TYPICAL_TX_BYTES);
        uint64_t size = MSG_HEADER_BYTES + payload;
        m->size_bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    }
    n->env->send(n->env->ctx, m);
}

void node__send_block_msg(node *n, int to, msg_kind kind, block *b) {
    msg *m = msg_new(kind);
    m->block = b;
    node__send(n, to, m);
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

void node_snapshot_adopt(node *n, const node_snapshot *snap) {
    ledger *bal = snap->balances ? ledger_ref(snap->balances) : NULL;
    pthread_mutex_lock(&n->snap_lock);
    ledger *old = n->snap.balances;
    n->snap = *snap;
    n->snap.balances = bal;
    pthread_mutex_unlock(&n->snap_lock);
    ledger_unref(old);
}

void node_snapshot_release(node_snapshot *s) {
    ledger_unref(s->balances);
    s->balances = NULL;
}

/* ---- reading from outside (node.h says from which thread) ---- */

const char *node_name(const node *n) { return n->name; }
node_mining node_mining_mode(const node *n) { return n->mining; }
size_t node_mempool_max(const node *n) { return n->mempool.max; }
bool node_holds(const node *n, const block *b) { return chain_has(&n->chain, b); }

size_t node_peer_list(const node *n, const int **peers) {
    *peers = n->peers;
    return n->n_peers;
}

bool node_crashed(const node *n) { return n->crashed; }

void node_prefetch(const node *n) {
    for (size_t off = 0; off < NODE__HOT_BYTES; off += 64) __builtin_prefetch((const char *)n + off);
}

void node_prefetch_peers(const node *n) {
    __builtin_prefetch(n->peers);
    __builtin_prefetch((const char *)n->peers + 64);
}
uint64_t node_tx_counter(const node *n) { return n->tx_counter; }
void node_set_mempool_max(node *n, size_t max) { n->mempool.max = max ? max : MEMPOOL_DEFAULT_MAX; }
void node_set_tx_counter(node *n, uint64_t counter) { n->tx_counter = counter; }
