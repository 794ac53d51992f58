/* double_spend.c - pay a merchant in public, take it back in private.
 *
 * At attack_at_us (TIMER_ATTACK) the attacker sends every peer a payment
 * to `merchant` and starts a private branch on its tip whose first block
 * moves everything the payment would spend to an account of its own, under
 * the payment's own id. Every block it finds goes on the branch, withheld.
 * It releases the branch once the payment has `confirmations` blocks on
 * the public chain and the branch is longer, and gives up (forgets the
 * branch) when `give_up` blocks behind. Either outcome is one EV_ATTACK
 * (value 1 released, 0 gave up, -1 could not start). */
#include <stdio.h>
#include <string.h>

#include "node/attack/attack.h"

typedef enum node__ds_phase { DS_WAITING = 0, DS_MINING, DS_DONE } node__ds_phase;

typedef struct node__ds_state {
    node__attack base;
    node__ds_phase phase;
    const block *priv_tip;   /* the private branch's tip */
    const block *pub_tip;    /* the heaviest block the others showed us */
    int64_t fork_height;     /* where the private branch leaves the public one */
    tx *pay, *back;          /* the payment the merchant sees, the one we mine */
} node__ds_state;

static node__ds_state *node__self(const node *n) { return (node__ds_state *)n->attack; }

static void node__ds_cleanup(node *n) {
    node__ds_state *s = node__self(n);
    tx_unref(s->pay);
    tx_unref(s->back);
}

/* Blocks on the public chain since the fork that hold the payment, as
 * confirmations (the block itself counts one); 0 if not there. */
static int64_t node__ds_confirmations(const node__ds_state *s) {
    for (const block *b = s->pub_tip; b && b->index > s->fork_height; b = b->parent)
        for (size_t i = 0; i < b->n_txs; i++)
            if (strcmp(b->txs[i]->id, s->pay->id) == 0) return s->pub_tip->index - b->index + 1;
    return 0;
}

static void node__ds_finish(node *n, bool released) {
    node__ds_state *s = node__self(n);
    s->phase = DS_DONE;
    if (released) node__release(n, s->priv_tip, s->priv_tip->index, false);
    else node__withhold_none(n);
    node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1,
                              .block = released ? s->priv_tip : s->pub_tip,
                              .strategy = NODE_DOUBLE_SPEND, .value = released ? 1 : 0});
}

static void node__ds_check(node *n) {
    node__ds_state *s = node__self(n);
    if (s->phase != DS_MINING) return;
    if (s->priv_tip->index > s->pub_tip->index &&
        node__ds_confirmations(s) >= s->base.d.confirmations)
        node__ds_finish(n, true);
    else if (s->pub_tip->index - s->priv_tip->index >= s->base.d.give_up)
        node__ds_finish(n, false);
}

static void node__ds_begin(node *n) {
    node__ds_state *s = node__self(n);
    const block *tip = n->chain.tip;
    bool exists = false;
    int64_t balance = tip->ledger ? ledger_balance(tip->ledger, n->name, &exists) : 0;
    char id[TX_ID_MAX + 1];
    reject why = REJ_NONE;
    int64_t now_ms = node__now(n) / 1000;
    snprintf(id, sizeof id, "%.40s-pay", n->name);
    s->pay = tx_create(n->name, s->base.merchant, s->base.d.amount, id, now_ms, &why);
    /* The private branch moves everything the payment would spend to an
     * account of ours, under the payment's own id: once it is in the chain
     * the payment is a replay, invalid for good (as a spent output is),
     * whatever the attacker earns later. */
    char vault[TX_NAME_MAX + 1];
    snprintf(vault, sizeof vault, "%.40s-vault", n->name);
    s->back = tx_create(n->name, vault, balance > 0 ? balance : 1, id, now_ms, &why);
    if (!s->pay || !s->back || balance < s->base.d.amount) {
        s->phase = DS_DONE; /* nothing to spend twice: the attack cannot start */
        node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1, .block = tip,
                                  .strategy = NODE_DOUBLE_SPEND, .value = -1});
        return;
    }
    /* The payment goes straight to every peer (not into our own mempool:
     * our branch holds the other spend under the same id). */
    for (size_t i = 0; i < n->n_peers; i++) {
        msg *m = msg_new(MSG_TX);
        m->tx = tx_ref(s->pay);
        node__send(n, n->peers[i], m);
    }
    s->phase = DS_MINING;
    s->priv_tip = tip;
    s->pub_tip = tip;
    s->fork_height = tip->index;
}

static void node__ds_on_timer(node *n, node_timer_kind kind, uint32_t token) {
    (void)token;
    if (kind == TIMER_ATTACK && n->env->mining_enabled(n->env->ctx) &&
        node__self(n)->phase == DS_WAITING)
        node__ds_begin(n);
}

/* While the attack runs, every block we find extends the private branch. */
static bool node__ds_mine(node *n) {
    node__ds_state *s = node__self(n);
    if (s->phase != DS_MINING) return false;
    bool first = s->priv_tip->index == s->fork_height;
    const char *error = NULL;
    block *sealed = node__seal(n, s->priv_tip, n->params->reward, first ? &s->back : NULL,
                               first ? 1 : 0, false, &error);
    if (!sealed) return true;
    s->priv_tip = node__mined(n, sealed);
    node__ds_check(n);
    return true;
}

static void node__ds_on_mined(node *n, const block *b) {
    if (node__self(n)->phase == DS_MINING) node__withhold(n, b);
}

static void node__ds_on_peer_block(node *n, const block *b, int from) {
    (void)from;
    node__ds_state *s = node__self(n);
    if (s->phase != DS_MINING) return;
    if (b->cum_work > s->pub_tip->cum_work) s->pub_tip = b;
    node__ds_check(n);
}

static bool node__ds_may_show(const node *n, const block *b, int peer) {
    (void)peer;
    return !node__withheld(n, b);
}

const node__strategy node__double_spend = {
    .kind = NODE_DOUBLE_SPEND,
    .state_size = sizeof(node__ds_state),
    .cleanup = node__ds_cleanup,
    .start = node__attack_start_at,
    .mine = node__ds_mine,
    .on_mined = node__ds_on_mined,
    .on_peer_block = node__ds_on_peer_block,
    .may_show = node__ds_may_show,
    .shown_tip = node__withheld_tip,
    .on_timer = node__ds_on_timer,
};
