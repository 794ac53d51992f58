/* node.c - a node's lifecycle, message dispatch and commands, and which
 * table of hooks each strategy runs (node_int.h).
 *
 * Everything here runs on the node's own thread (or the virtual executor's
 * one thread). */
#include "node/node.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "node/attack/attack.h"
#include "node/node_int.h"
#include "util/mem.h"

/* The table each attacker strategy runs (honest nodes run none). */
static const node__strategy *node__table(node_strategy s) {
    switch (s) {
    case NODE_HONEST: return NULL;
    case NODE_SELFISH: return &node__selfish;
    case NODE_DOUBLE_SPEND: return &node__double_spend;
    case NODE_INVALID_BLOCKS: return &node__invalid_blocks;
    case NODE_FAKE_CHAIN: return &node__fake_chain;
    case NODE_ECLIPSE: return &node__eclipse;
    case NODE_OBSERVER: return &node__observer;
    }
    return NULL;
}

const char *node_strategy_name(node_strategy s) {
    switch (s) {
    case NODE_HONEST: return "honest";
    case NODE_SELFISH: return "selfish";
    case NODE_DOUBLE_SPEND: return "double_spend";
    case NODE_INVALID_BLOCKS: return "invalid_blocks";
    case NODE_FAKE_CHAIN: return "fake_chain";
    case NODE_ECLIPSE: return "eclipse";
    case NODE_OBSERVER: return "observer";
    }
    return "?";
}

size_t node_struct_size(void) { return (sizeof(node) + 63) / 64 * 64; }

node *node_new(const node_desc *desc) {
    assert(desc->store && desc->env && desc->name);
    node *n = desc->place ? desc->place : xcalloc_aligned(64, sizeof *n); /* hot part on whole lines */
    assert(((uintptr_t)n & 63) == 0);
    n->placed = desc->place != NULL;
    n->id = desc->id;
    n->name = xstrdup(desc->name);
    n->store = desc->store;
    n->params = bstore_params(desc->store);
    n->env = desc->env;
    rng_seed(&n->mine_rng, desc->seed, 1000 + (uint64_t)desc->id);
    n->seed = desc->seed;
    n->mining = desc->mining;
    n->share = desc->share;
    n->gossip = desc->gossip;
    n->traffic_max_amount = desc->traffic_max_amount > 0 ? desc->traffic_max_amount : 10;
    n->block_bytes = desc->block_bytes;
    n->block_size = desc->block_size;
    n->relay = desc->relay;
    n->compact_failure_rate = desc->compact_failure_rate;
    n->compact_push = desc->compact_push;
    n->compact_bytes = desc->compact_bytes;
    n->churn = desc->churn;
    const node__strategy *table = node__table(desc->attack.strategy);
    if (table) node__attack_init(n, table, &desc->attack, desc->seed);
    chain_init(&n->chain, desc->store);
    mempool_init(&n->mempool, 0);
    hmap_init(&n->requested);
    pthread_mutex_init(&n->snap_lock, NULL);
    n->snap_dirty = true;
    node_publish(n);
    return n;
}

void node_free(node *n) {
    if (!n) return;
    node__resolve_abort(n, "the simulation ended");
    node_stop(n);
    node__mine_free(n);
    free(n->resolve); /* nothing in it after node__resolve_abort */
    node__clear_orphans(n);
    node__clear_requests(n);
    node__clear_tx_requests(n);
    node__attack_free(n);
    mempool_cleanup(&n->mempool);
    chain_cleanup(&n->chain);
    free(n->peers);
    free(n->rngs);
    free(n->name);
    ledger_unref(n->snap.balances);
    pthread_mutex_destroy(&n->snap_lock);
    if (!n->placed) free(n);
}

rng *node__rng(node *n, node__rng_kind kind) {
    static const uint64_t stream[NODE__N_RNGS] = {
        [NODE__RNG_NONCE] = NODE_NONCE_STREAM, [NODE__RNG_TRAFFIC] = NODE_TRAFFIC_STREAM,
        [NODE__RNG_SIZE] = NODE_SIZE_STREAM,   [NODE__RNG_RELAY] = NODE_RELAY_STREAM,
        [NODE__RNG_CHURN] = NODE_CHURN_STREAM,
    };
    assert((unsigned)kind < NODE__N_RNGS);
    if (!n->rngs) n->rngs = xmalloc(NODE__N_RNGS * sizeof *n->rngs);
    if (!(n->rngs_seeded & (1u << kind))) {
        rng_seed(&n->rngs[kind], n->seed, stream[kind] + (uint64_t)n->id);
        n->rngs_seeded |= (uint8_t)(1u << kind);
    }
    return &n->rngs[kind];
}

node_strategy node_get_strategy(const node *n) {
    return n->strategy ? n->strategy->kind : NODE_HONEST;
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
    /* The peers are registered by now, the list grown by doubling: give back
     * the room beyond them (a peer added later grows it again). */
    if (n->n_peers && n->cap_peers > n->n_peers) {
        n->peers = xrealloc(n->peers, n->n_peers * sizeof *n->peers);
        n->cap_peers = n->n_peers;
    }
    node__hook_start(n);
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
    if (!node__hook_talks_to(n, m->from)) return;
    node__hook_on_message(n, m);
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
        node__hook_on_timer(n, kind, token);
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
    case TIMER_RESOLVE: return node__resolve_token(n) != 0 && token == node__resolve_token(n);
    case TIMER_ATTACK:
    case TIMER_RELEASE: return n->strategy != NULL;
    case TIMER_CHURN: break;
    }
    return false;
}

