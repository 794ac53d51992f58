/* node_resolve.c - "resolve conflicts", the classic /consensus: ask every
 * peer for its whole chain and adopt the best valid one.
 *
 * Each chain that arrives is validated block by block from the shared
 * genesis (chain_adopt); a chain with a foreign genesis, a broken link or an
 * invalid block is rejected whatever its length and counted, and the node
 * keeps its own. Chains are adopted as they come, so the best valid one wins
 * (fork choice keeps the most work). The resolve ends when every peer has
 * answered or after NODE_RESOLVE_TIMEOUT_US; then the command completes and
 * says whether the tip was replaced. */
#include <assert.h>
#include <stdlib.h>

#include "node/node_int.h"
#include "util/mem.h"

/* The resolve's state, made at the first (and kept: the tokens go on). */
typedef struct node__resolve {
    uint32_t token;          /* the resolve in progress (0 = none) */
    uint32_t seq;            /* source of resolve tokens */
    size_t waiting;          /* chains still expected */
    const block *start_tip;
    node_cmd *cmd;           /* completed when the resolve ends */
} node__resolve;

uint32_t node__resolve_token(const node *n) { return n->resolve ? n->resolve->token : 0; }

static void node__resolve_finish(node *n) {
    node__resolve *r = n->resolve;
    node_cmd *cmd = r->cmd;
    bool replaced = n->chain.tip != r->start_tip;
    r->cmd = NULL;
    r->token = 0;
    r->waiting = 0;
    node__emit(n, (sim_event){.kind = EV_RESOLVED, .peer = -1, .block = n->chain.tip,
                              .value = replaced ? 1 : 0});
    if (cmd) {
        cmd->replaced = replaced;
        cmd->block = n->chain.tip;
        node__complete(n, cmd);
    }
}

void node__resolve_abort(node *n, const char *error) {
    node__resolve *r = n->resolve;
    if (!r) return;
    node_cmd *cmd = r->cmd;
    r->cmd = NULL;
    r->token = 0;
    r->waiting = 0;
    if (cmd) {
        cmd->error = error;
        node__complete(n, cmd);
    }
}

void node__resolve_start(node *n, node_cmd *cmd) {
    if (!n->resolve) n->resolve = xcalloc(1, sizeof *n->resolve);
    node__resolve *r = n->resolve;
    if (r->token) node__resolve_finish(n); /* a new request supersedes */
    r->cmd = cmd;
    r->start_tip = n->chain.tip;
    r->token = ++r->seq ? r->seq : ++r->seq;
    r->waiting = n->n_peers;
    if (n->n_peers == 0) {
        node__resolve_finish(n);
        return;
    }
    for (size_t i = 0; i < n->n_peers; i++) node__send(n, n->peers[i], msg_new(MSG_GETCHAIN));
    n->env->set_timer(n->env->ctx, n->id, node__now(n) + NODE_RESOLVE_TIMEOUT_US, TIMER_RESOLVE,
                      r->token);
}

void node__resolve_timeout(node *n, uint32_t token) {
    if (token == node__resolve_token(n) && token) node__resolve_finish(n);
}

/* Our active chain, genesis first. Held blocks are rooted and heights
 * are consecutive, so the parent walk fills exactly tip->index slots. */
static void node__answer_getchain(node *n, int to) {
    const block *tip = node__hook_shown_tip(n);
    size_t len = (size_t)tip->index;
    block **list = xmalloc(len * sizeof *list);
    size_t i = len;
    for (block *b = (block *)tip; b; b = b->parent) list[--i] = b;
    assert(i == 0);
    msg *m = msg_new(MSG_CHAIN);
    m->blocks = list;
    m->n_blocks = len;
    node__send(n, to, m);
}

static void node__adopt_chain(node *n, const msg *m) {
    size_t bad = 0;
    chain_update upd;
    /* Blocks new to us, to announce as accepted if the chain is adopted. */
    bool *fresh = xmalloc((m->n_blocks + 1) * sizeof *fresh);
    for (size_t i = 0; i < m->n_blocks; i++) fresh[i] = !chain_has(&n->chain, m->blocks[i]);
    reject why = chain_adopt(&n->chain, m->blocks, m->n_blocks, &bad, &upd);
    if (why != REJ_NONE) {
        n->chains_rejected++;
        n->snap_dirty = true;
        node__emit(n, (sim_event){.kind = EV_CHAIN_REJECTED, .peer = m->from, .reason = why,
                                  .value = (double)bad,
                                  .block = bad < m->n_blocks ? m->blocks[bad] : NULL});
    } else {
        for (size_t i = 0; i < m->n_blocks; i++)
            if (fresh[i])
                node__emit(n, (sim_event){.kind = EV_BLOCK_ACCEPTED, .peer = m->from,
                                          .block = m->blocks[i]});
        node__apply_update(n, &upd);
        if (upd.tip_changed) node__relay_block(n, n->chain.tip, m->from);
    }
    free(fresh);
    chain_update_cleanup(&upd);
}

void node__on_chain_msg(node *n, msg *m) {
    if (m->kind == MSG_GETCHAIN) {
        if (!node__hook_answer(n, m)) node__answer_getchain(n, m->from);
        return;
    }
    node__adopt_chain(n, m);
    node__resolve *r = n->resolve;
    if (r && r->token && r->waiting > 0 && node_has_peer(n, m->from)) {
        if (--r->waiting == 0) node__resolve_finish(n);
    }
}
