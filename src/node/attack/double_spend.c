/* double_spend.c - pay a merchant in public, take it back in private.
 *
 * A round: the attacker sends every peer a payment to `merchant` and mines
 * a private branch on its tip whose first block moves everything the
 * payment would spend to an account of its own, under the payment's own
 * id. Every block it finds goes on the branch, withheld. Once the payment
 * has `confirmations` blocks on the public chain and the branch is longer
 * (release "longer") or at least as long ("tie"), it releases the branch
 * (success); when `give_up` blocks behind, it forgets the branch (failed).
 * With `premine` the payment waits until the branch's first block is found
 * (Rosenfeld 2014: the attacker starts one block ahead); each honest block
 * before that moves the attempt onto the new tip, as the branch must fork
 * where the payment is confirmed.
 *
 * Round 1 starts at attack_at_us (TIMER_ATTACK). With `rounds` > 1 the
 * attacker then mines honestly until the chain has grown `settle` blocks
 * past the round's end, and starts the next: rounds are independent
 * samples (mining is memoryless), each paying anew under an id of its own.
 * Each round is one EV_ATTACK when it starts (value 2) and one when it ends
 * (1 released, 0 gave up); -1 when there is nothing to spend, which ends
 * the attacks. event.h says what value2 and lead carry. */
#include <stdio.h>
#include <string.h>

#include "node/attack/attack.h"

typedef enum node__ds_phase {
    DS_WAITING = 0, /* for attack_at_us */
    DS_PREMINE,     /* mining the branch's first block, nothing paid yet */
    DS_MINING,      /* paid; the private branch races the public chain */
    DS_SETTLING,    /* between rounds: honest until the chain grows */
    DS_DONE,
} node__ds_phase;

typedef struct node__ds_state {
    node__attack base;
    node__ds_phase phase;
    int round;               /* the current or last round, from 1 */
    const block *priv_tip;   /* the private branch's tip */
    const block *pub_tip;    /* the heaviest block the others showed us */
    int64_t fork_height;     /* where the private branch leaves the public one */
    int64_t next_height;     /* settling: the height at which the next round starts */
    tx *pay, *back;          /* the payment the merchant sees, the one we mine */
} node__ds_state;

static node__ds_state *node__self(const node *n) { return (node__ds_state *)n->attack; }

static void node__ds_forget_txs(node__ds_state *s) {
    tx_unref(s->pay);
    tx_unref(s->back);
    s->pay = s->back = NULL;
}

static void node__ds_cleanup(node *n) { node__ds_forget_txs(node__self(n)); }

/* Blocks on the public chain since the fork that hold the payment, as
 * confirmations (the block itself counts one); 0 if not there. */
static int64_t node__ds_confirmations(const node__ds_state *s) {
    for (const block *b = s->pub_tip; b && b->index > s->fork_height; b = b->parent)
        for (size_t i = 0; i < b->n_txs; i++)
            if (strcmp(b->txs[i]->id, s->pay->id) == 0) return s->pub_tip->index - b->index + 1;
    return 0;
}

static void node__ds_check(node *n);

static void node__ds_finish(node *n, bool released) {
    node__ds_state *s = node__self(n);
    int64_t lead = s->priv_tip->index - s->pub_tip->index;
    if (released) node__release(n, s->priv_tip, s->priv_tip->index, false);
    else node__withhold_none(n);
    node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1,
                              .block = released ? s->priv_tip : s->pub_tip,
                              .strategy = NODE_DOUBLE_SPEND, .value = released ? 1 : 0,
                              .lead = (int)lead});
    node__ds_forget_txs(s);
    if (s->round >= s->base.d.rounds) {
        s->phase = DS_DONE;
        return;
    }
    s->phase = DS_SETTLING;
    int64_t top = s->priv_tip->index > s->pub_tip->index ? s->priv_tip->index : s->pub_tip->index;
    s->next_height = top + s->base.d.settle;
    if (s->base.d.settle == 0) node__ds_check(n); /* the next round starts now */
}

/* Sends the payment straight to every peer (not into our own mempool: our
 * branch holds the other spend under the same id). */
static void node__ds_pay(node *n) {
    node__ds_state *s = node__self(n);
    for (size_t i = 0; i < n->n_peers; i++) {
        msg *m = msg_new(MSG_TX);
        m->tx = tx_ref(s->pay);
        node__send(n, n->peers[i], m);
    }
}

/* The payment and its double, spending from the ledger at `tip`. False,
 * with the EV_ATTACK that ends the attacks, if there is nothing to spend. */
static bool node__ds_make_txs(node *n, const block *tip) {
    node__ds_state *s = node__self(n);
    bool exists = false;
    int64_t balance = tip->ledger ? ledger_balance(tip->ledger, n->name, &exists) : 0;
    char id[TX_ID_MAX + 1];
    reject why = REJ_NONE;
    int64_t now_ms = node__now(n) / 1000;
    if (s->round == 1) snprintf(id, sizeof id, "%.40s-pay", n->name);
    else snprintf(id, sizeof id, "%.40s-pay-%d", n->name, s->round);
    s->pay = tx_create(n->name, s->base.merchant, s->base.d.amount, id, now_ms, &why);
    /* The private branch moves everything the payment would spend to an
     * account of ours, under the payment's own id: once it is in the chain
     * the payment is a replay, invalid for good (as a spent output is),
     * whatever the attacker earns later. */
    char vault[TX_NAME_MAX + 1];
    snprintf(vault, sizeof vault, "%.40s-vault", n->name);
    s->back = tx_create(n->name, vault, balance > 0 ? balance : 1, id, now_ms, &why);
    if (s->pay && s->back && balance >= s->base.d.amount) return true;
    node__ds_forget_txs(s);
    s->phase = DS_DONE; /* nothing to spend twice: the attack cannot start */
    node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1, .block = tip,
                              .strategy = NODE_DOUBLE_SPEND, .value = -1});
    return false;
}

static void node__ds_begin(node *n) {
    node__ds_state *s = node__self(n);
    const node_attack_desc *d = &s->base.d;
    const block *tip = n->chain.tip;
    s->round++;
    s->priv_tip = tip;
    s->pub_tip = tip;
    s->fork_height = tip->index;
    if (d->premine) {
        s->phase = DS_PREMINE; /* the transactions are made on the tip the block is found on */
    } else {
        if (!node__ds_make_txs(n, tip)) return;
        node__ds_pay(n);
        s->phase = DS_MINING;
    }
    node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1, .block = tip,
                              .strategy = NODE_DOUBLE_SPEND, .value = 2,
                              .value2 = d->confirmations,
                              .lead = (d->release_tie ? 0 : 1) - (d->premine ? 1 : 0)});
}

static void node__ds_check(node *n) {
    node__ds_state *s = node__self(n);
    if (s->phase == DS_SETTLING) {
        if (n->chain.tip->index >= s->next_height && n->env->mining_enabled(n->env->ctx))
            node__ds_begin(n);
        return;
    }
    if (s->phase != DS_MINING) return;
    int64_t lead = s->priv_tip->index - s->pub_tip->index;
    if (lead >= (s->base.d.release_tie ? 0 : 1) &&
        node__ds_confirmations(s) >= s->base.d.confirmations)
        node__ds_finish(n, true);
    else if (-lead >= s->base.d.give_up)
        node__ds_finish(n, false);
}

static void node__ds_on_timer(node *n, node_timer_kind kind, uint32_t token) {
    (void)token;
    if (kind == TIMER_ATTACK && n->env->mining_enabled(n->env->ctx) &&
        node__self(n)->phase == DS_WAITING)
        node__ds_begin(n);
}

/* While a round runs, every block we find extends the private branch; the
 * pre-mined one is found on the public tip of the moment. */
static bool node__ds_mine(node *n) {
    node__ds_state *s = node__self(n);
    if (s->phase == DS_PREMINE) {
        const block *tip = n->chain.tip;
        s->pub_tip = tip;
        s->priv_tip = tip;
        s->fork_height = tip->index;
        node__ds_forget_txs(s); /* an earlier try that could not seal */
        if (!node__ds_make_txs(n, tip)) return false;
    } else if (s->phase != DS_MINING) {
        return false;
    }
    bool first = s->priv_tip->index == s->fork_height;
    const block *parent = s->priv_tip;
    const char *error = NULL;
    block *sealed = node__seal(n, parent, n->params->reward, first ? &s->back : NULL,
                               first ? 1 : 0, false, &error);
    if (!sealed) return true;
    bool premined = s->phase == DS_PREMINE;
    s->phase = DS_MINING;
    s->priv_tip = node__mined(n, sealed);
    if (premined) node__ds_pay(n); /* the branch's first block exists: pay now */
    node__ds_check(n);
    return true;
}

static void node__ds_on_mined(node *n, const block *b) {
    if (node__self(n)->phase == DS_MINING) node__withhold(n, b);
}

/* Settling, a block of ours (mined honestly) may be the one that ends it. */
static void node__ds_after_mined(node *n, const block *b) {
    (void)b;
    if (node__self(n)->phase == DS_SETTLING) node__ds_check(n);
}

static void node__ds_on_peer_block(node *n, const block *b, int from) {
    (void)from;
    node__ds_state *s = node__self(n);
    if (s->phase == DS_MINING && b->cum_work > s->pub_tip->cum_work) s->pub_tip = b;
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
    .after_mined = node__ds_after_mined,
    .on_peer_block = node__ds_on_peer_block,
    .may_show = node__ds_may_show,
    .shown_tip = node__withheld_tip,
    .on_timer = node__ds_on_timer,
};
