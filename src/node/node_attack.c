/* node_attack.c - attackers and churn: nodes that break the honest rules on
 * purpose, and nodes that come and go (node.h lists the strategies).
 *
 * An attacker runs the same chain, store and validation as everyone else
 * (it never lies to itself); it differs in what it shows, when, and what it
 * seals. Withheld blocks sit in `secret`: they are never announced, never
 * answered to a getdata, and cut from any chain or ancestors it sends
 * (node__shown_tip), until released.
 *
 * Selfish mining follows Eyal & Sirer (2014), Algorithm 1, in heights:
 * `pub_height` is the longest chain the others know of (their blocks and
 * the ones we released). When a peer's block makes it longer, our lead
 * (private height - pub_height) decides: below 0 the chain has already
 * switched to theirs (adopt); 0 means a tie: release our block of that
 * height and race (state 0'); 1 releases everything (we win); more releases
 * the private blocks up to their height. A block we find while racing is
 * released at once. Blocks a peer is to hear late (probability 1 - gamma)
 * wait in `held` for a TIMER_RELEASE. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_int.h"
#include "util/mem.h"

typedef struct node__held {
    const block *b;
    int peer;
    int64_t due_us;
} node__held;

typedef enum node__ds_state { DS_WAITING = 0, DS_MINING, DS_DONE } node__ds_state;

typedef struct node__attack node__attack;

struct node__attack {
    node_attack_desc d;
    char *merchant;
    rng rng;
    ptrset secret;           /* blocks of ours not shown to anyone yet */

    /* selfish */
    int64_t pub_height;
    bool racing;             /* state 0': our block and theirs tie, both shown */
    node__held *held;
    size_t n_held, cap_held;

    /* double spend */
    node__ds_state ds;
    const block *priv_tip;   /* the private branch's tip */
    const block *pub_tip;    /* the heaviest block the others showed us */
    int64_t fork_height;     /* where the private branch leaves the public one */
    tx *pay, *back;          /* the payment the merchant sees, the one we mine */

    /* fake chain */
    block **fake;            /* fake[0] on the genesis, lowest first */
    size_t n_fake;
};

void node__attack_init(node *n, const node_attack_desc *d, uint64_t seed) {
    node__attack *a = xcalloc(1, sizeof *a);
    a->d = *d;
    a->merchant = d->merchant ? xstrdup(d->merchant) : NULL;
    a->d.merchant = a->merchant;
    rng_seed(&a->rng, seed, NODE_ATTACK_STREAM + (uint64_t)n->id);
    ptrset_init(&a->secret);
    a->pub_height = 1;
    n->attack = a;
}

void node__attack_free(node *n) {
    node__attack *a = n->attack;
    if (!a) return;
    ptrset_cleanup(&a->secret);
    free(a->held);
    tx_unref(a->pay);
    tx_unref(a->back);
    free(a->fake);
    free(a->merchant);
    free(a);
    n->attack = NULL;
}

node_strategy node__attack_strategy(const node *n) { return n->attack->d.strategy; }

const char *node_strategy_name(node_strategy s) {
    switch (s) {
    case NODE_HONEST: return "honest";
    case NODE_SELFISH: return "selfish";
    case NODE_DOUBLE_SPEND: return "double_spend";
    case NODE_INVALID_BLOCKS: return "invalid_blocks";
    case NODE_FAKE_CHAIN: return "fake_chain";
    case NODE_ECLIPSE: return "eclipse";
    }
    return "?";
}

void node__attack_start(node *n) {
    node__attack *a = n->attack;
    node__emit(n, (sim_event){.kind = EV_ATTACKER, .peer = a->d.victim,
                              .strategy = (int)a->d.strategy, .value = n->share,
                              .value2 = a->d.gamma});
    if (a->d.strategy == NODE_DOUBLE_SPEND || a->d.strategy == NODE_FAKE_CHAIN)
        n->env->set_timer(n->env->ctx, n->id, a->d.at_us, TIMER_ATTACK, 0);
}

/* ---- showing blocks -------------------------------------------------- */

bool node__attack_talks_to(const node *n, int peer) {
    const node__attack *a = n->attack;
    return a->d.strategy != NODE_ECLIPSE || peer != a->d.victim;
}

bool node__attack_may_show(const node *n, const block *b, int peer) {
    const node__attack *a = n->attack;
    /* A selfish miner never helps a competing block along. */
    if (a->d.strategy == NODE_SELFISH && strcmp(b->miner, n->name) != 0) return false;
    return node__attack_talks_to(n, peer) && !ptrset_has(&a->secret, b);
}

const block *node__shown_tip(const node *n) {
    const block *b = n->chain.tip;
    if (!n->attack) return b;
    while (b->parent && ptrset_has(&n->attack->secret, b)) b = b->parent;
    return b;
}

/* How a block is offered to a peer in our relay mode. */
static msg_kind node__announce_kind(const node *n) {
    if (n->relay == NODE_RELAY_PUSH) return MSG_BLOCK;
    if (n->relay == NODE_RELAY_COMPACT && n->compact_push) return MSG_CMPCTBLOCK;
    return MSG_INV;
}

static void node__release_later(node *n, const block *b, int peer, int64_t due_us) {
    node__attack *a = n->attack;
    a->held = xgrow(a->held, &a->cap_held, a->n_held + 1, sizeof *a->held);
    a->held[a->n_held++] = (node__held){b, peer, due_us};
}

/* Shows the withheld blocks of the branch ending at `tip` up to height
 * `upto`, lowest first. A block released into a tie race reaches each peer
 * at once with probability gamma, else race_delay_us later. */
static void node__release(node *n, const block *tip, int64_t upto, bool race) {
    node__attack *a = n->attack;
    const block **list = NULL;
    size_t len = 0, cap = 0;
    for (const block *b = tip; b && ptrset_has(&a->secret, b); b = b->parent) {
        if (b->index > upto) continue;
        list = xgrow(list, &cap, len + 1, sizeof *list);
        list[len++] = b;
    }
    if (len == 0) return;
    for (size_t i = 0; i < len; i++) ptrset_del(&a->secret, list[i]);
    if (list[0]->index > a->pub_height) a->pub_height = list[0]->index;
    msg_kind kind = node__announce_kind(n);
    int64_t due = node__now(n) + a->d.race_delay_us;
    bool any_late = false;
    for (size_t p = 0; p < n->n_peers; p++) {
        int peer = n->peers[p];
        bool late = race && rng_unit(&a->rng) >= a->d.gamma;
        any_late |= late;
        for (size_t i = len; i-- > 0;) {
            if (late) node__release_later(n, list[i], peer, due);
            else node__send_block_msg(n, peer, kind, (block *)list[i]);
        }
    }
    /* One timer for every late peer of this release: they share the due time. */
    if (any_late) n->env->set_timer(n->env->ctx, n->id, due, TIMER_RELEASE, 0);
    free(list);
}

static void node__release_due(node *n) {
    node__attack *a = n->attack;
    int64_t now = node__now(n);
    msg_kind kind = node__announce_kind(n);
    size_t keep = 0;
    for (size_t i = 0; i < a->n_held; i++) {
        node__held h = a->held[i];
        if (h.due_us <= now) node__send_block_msg(n, h.peer, kind, (block *)h.b);
        else a->held[keep++] = h;
    }
    a->n_held = keep;
}

/* ---- selfish mining ---------------------------------------------------- */

static void node__selfish_on_block(node *n, const block *b) {
    node__attack *a = n->attack;
    if (b->index <= a->pub_height) return; /* not longer than what they had */
    if (a->racing && b->index == a->pub_height + 1) {
        /* The race is decided by an honest block: on our side of the tie or
         * on theirs. Counted, these measure the network's gamma. */
        bool ours = b->parent && strcmp(b->parent->miner, n->name) == 0;
        node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1, .block = b,
                                  .strategy = NODE_SELFISH, .value = ours ? 1 : 0});
    }
    a->pub_height = b->index;
    a->racing = false;
    const block *tip = n->chain.tip;
    int64_t lead = tip->index - a->pub_height;
    if (!ptrset_has(&a->secret, tip)) {
        /* We follow their chain now (or held nothing back): whatever we
         * kept is lost. */
        ptrset_cleanup(&a->secret);
        ptrset_init(&a->secret);
        return;
    }
    if (lead == 1) {
        node__release(n, tip, tip->index, false); /* we win by one */
    } else {
        a->racing = lead == 0; /* a tie, or we stay ahead */
        node__release(n, tip, a->pub_height, a->racing);
    }
}

/* Racing (state 0'), we extended our branch: show it, and the others follow
 * the longer chain. */
static void node__selfish_after_mined(node *n, const block *b) {
    node__attack *a = n->attack;
    if (!a->racing) return;
    a->racing = false;
    node__release(n, b, b->index, false);
}

/* ---- double spend ------------------------------------------------------ */

/* Blocks on the public chain since the fork that hold the payment, as
 * confirmations (the block itself counts one); 0 if not there. */
static int64_t node__ds_confirmations(const node__attack *a) {
    for (const block *b = a->pub_tip; b && b->index > a->fork_height; b = b->parent)
        for (size_t i = 0; i < b->n_txs; i++)
            if (strcmp(b->txs[i]->id, a->pay->id) == 0) return a->pub_tip->index - b->index + 1;
    return 0;
}

static void node__ds_finish(node *n, bool released) {
    node__attack *a = n->attack;
    a->ds = DS_DONE;
    if (released) {
        node__release(n, a->priv_tip, a->priv_tip->index, false);
    } else {
        ptrset_cleanup(&a->secret);
        ptrset_init(&a->secret);
    }
    node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1,
                              .block = released ? a->priv_tip : a->pub_tip,
                              .strategy = NODE_DOUBLE_SPEND, .value = released ? 1 : 0});
}

static void node__ds_check(node *n) {
    node__attack *a = n->attack;
    if (a->ds != DS_MINING) return;
    if (a->priv_tip->index > a->pub_tip->index &&
        node__ds_confirmations(a) >= a->d.confirmations)
        node__ds_finish(n, true);
    else if (a->pub_tip->index - a->priv_tip->index >= a->d.give_up)
        node__ds_finish(n, false);
}

static void node__ds_begin(node *n) {
    node__attack *a = n->attack;
    const block *tip = n->chain.tip;
    bool exists = false;
    int64_t balance = tip->ledger ? ledger_balance(tip->ledger, n->name, &exists) : 0;
    char id[TX_ID_MAX + 1];
    reject why = REJ_NONE;
    int64_t now_ms = node__now(n) / 1000;
    snprintf(id, sizeof id, "%.40s-pay", n->name);
    a->pay = tx_create(n->name, a->merchant, a->d.amount, id, now_ms, &why);
    /* The private branch moves everything the payment would spend to an
     * account of ours, under the payment's own id: once it is in the chain
     * the payment is a replay, invalid for good (as a spent output is),
     * whatever the attacker earns later. */
    char vault[TX_NAME_MAX + 1];
    snprintf(vault, sizeof vault, "%.40s-vault", n->name);
    a->back = tx_create(n->name, vault, balance > 0 ? balance : 1, id, now_ms, &why);
    if (!a->pay || !a->back || balance < a->d.amount) {
        a->ds = DS_DONE; /* nothing to spend twice: the attack cannot start */
        node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1, .block = tip,
                                  .strategy = NODE_DOUBLE_SPEND, .value = -1});
        return;
    }
    /* The payment goes straight to every peer (not into our own mempool:
     * our branch holds the other spend under the same id). */
    for (size_t i = 0; i < n->n_peers; i++) {
        msg *m = msg_new(MSG_TX);
        m->tx = tx_ref(a->pay);
        node__send(n, n->peers[i], m);
    }
    a->ds = DS_MINING;
    a->priv_tip = tip;
    a->pub_tip = tip;
    a->fork_height = tip->index;
}

static void node__ds_mine(node *n) {
    node__attack *a = n->attack;
    bool first = a->priv_tip->index == a->fork_height;
    const char *error = NULL;
    block *sealed = node__seal(n, a->priv_tip, n->params->reward, first ? &a->back : NULL,
                               first ? 1 : 0, false, &error);
    if (!sealed) return;
    a->priv_tip = node__mined(n, sealed);
    node__ds_check(n);
}

/* ---- invalid blocks and fake chains ----------------------------------- */

static void node__push_to_all(node *n, const block *b) {
    for (size_t i = 0; i < n->n_peers; i++)
        node__send_block_msg(n, n->peers[i], MSG_BLOCK, (block *)b);
}

/* A block that breaks a rule with valid proof of work: it pays its miner
 * ten times the reward (REJ_BLK_REWARD at every honest node). */
static void node__mine_invalid(node *n) {
    const char *error = NULL;
    block *sealed = node__seal(n, n->chain.tip, n->params->reward * 10, NULL, 0, false, &error);
    if (!sealed) return;
    block *b = bstore_intern(n->store, sealed);
    node__push_to_all(n, b);
}

/* `fake_length` blocks on the genesis with nonces that miss the
 * difficulty: a longer chain with no work behind it. */
static void node__make_fake_chain(node *n) {
    node__attack *a = n->attack;
    const block *parent = bstore_genesis(n->store);
    a->fake = xmalloc((size_t)a->d.fake_length * sizeof *a->fake);
    int64_t now_ms = node__now(n) / 1000;
    for (int i = 0; i < a->d.fake_length; i++) {
        char id[96];
        snprintf(id, sizeof id, "reward-%" PRId64 "-%.30s", parent->index + 1, n->name);
        reject why = REJ_NONE;
        tx *reward = tx_create(TX_REWARD_SENDER, n->name, n->params->reward, id, now_ms, &why);
        if (!reward) break;
        block *b = NULL;
        for (uint64_t proof = 0;; proof++) {
            b = block_new(parent->index + 1, parent->hash_hex, proof, now_ms, n->params->difficulty,
                          n->name, &reward, 1);
            if (n->params->difficulty == 0 || !pow_meets(b->hash, n->params->difficulty)) break;
            block_unref(b); /* met the difficulty by chance: not fake enough */
        }
        tx_unref(reward);
        if (n->params->difficulty == 0) { /* no work to fake: give up at once */
            block_unref(b);
            break;
        }
        a->fake[a->n_fake++] = bstore_intern(n->store, b);
        parent = a->fake[a->n_fake - 1];
    }
    if (a->n_fake) node__push_to_all(n, a->fake[a->n_fake - 1]);
}

static size_t node__fake_index(const node__attack *a, const block *b) {
    for (size_t i = 0; i < a->n_fake; i++)
        if (a->fake[i] == b) return i + 1;
    return 0;
}

bool node__attack_answer(node *n, const msg *req) {
    node__attack *a = n->attack;
    if (a->d.strategy != NODE_FAKE_CHAIN || a->n_fake == 0) return false;
    size_t upto = a->n_fake;
    if (req->kind == MSG_GETBLOCKS) {
        upto = req->block ? node__fake_index(a, req->block) : a->n_fake;
        if (upto == 0) return false; /* not about the fake chain */
    }
    bool whole = req->kind == MSG_GETCHAIN;
    size_t len = upto + (whole ? 1 : 0);
    msg *m = msg_new(whole ? MSG_CHAIN : MSG_BLOCKS);
    m->blocks = xmalloc(len * sizeof *m->blocks);
    size_t k = 0;
    if (whole) m->blocks[k++] = bstore_genesis(n->store);
    for (size_t i = 0; i < upto; i++) m->blocks[k++] = a->fake[i];
    m->n_blocks = len;
    node__send(n, req->from, m);
    return true;
}

/* ---- hooks --------------------------------------------------------------- */

bool node__attack_mine(node *n) {
    node__attack *a = n->attack;
    switch (a->d.strategy) {
    case NODE_DOUBLE_SPEND:
        if (a->ds != DS_MINING) return false;
        node__ds_mine(n);
        return true;
    case NODE_INVALID_BLOCKS: node__mine_invalid(n); return true;
    default: return false;
    }
}

void node__attack_hold(node *n, const block *b) {
    node__attack *a = n->attack;
    if (a->d.strategy == NODE_SELFISH || (a->d.strategy == NODE_DOUBLE_SPEND && a->ds == DS_MINING))
        ptrset_add(&a->secret, b);
}

void node__attack_after_mined(node *n, const block *b) {
    if (n->attack->d.strategy == NODE_SELFISH) node__selfish_after_mined(n, b);
}

void node__attack_on_block(node *n, const block *b, int from) {
    node__attack *a = n->attack;
    if (a->d.strategy == NODE_SELFISH) {
        node__selfish_on_block(n, b);
    } else if (a->d.strategy == NODE_DOUBLE_SPEND && a->ds == DS_MINING) {
        if (b->cum_work > a->pub_tip->cum_work) a->pub_tip = b;
        node__ds_check(n);
    }
}

void node__attack_timer(node *n, node_timer_kind kind, uint32_t token) {
    node__attack *a = n->attack;
    if (kind == TIMER_RELEASE) {
        node__release_due(n);
    } else if (kind == TIMER_ATTACK && n->env->mining_enabled(n->env->ctx)) {
        if (a->d.strategy == NODE_DOUBLE_SPEND && a->ds == DS_WAITING) node__ds_begin(n);
        else if (a->d.strategy == NODE_FAKE_CHAIN && a->n_fake == 0) node__make_fake_chain(n);
    }
}

/* ---- churn --------------------------------------------------------------- */

static void node__churn_schedule(node *n, int64_t mean_us) {
    double delay = rng_exp(&n->churn_rng, (double)mean_us);
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
