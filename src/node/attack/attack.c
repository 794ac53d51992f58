/* attack.c - what every attacker shares: its state's lifecycle, the
 * announcement, and withheld blocks with their release (attack.h).
 *
 * A release sends each withheld block the way the node's relay mode offers
 * a block (inv, pushed, or compact pushed), lowest first. In a tie race the
 * peers that are to hear late share one due time and one TIMER_RELEASE. */
#include <assert.h>
#include <stdlib.h>

#include "node/attack/attack.h"
#include "util/mem.h"

void node__attack_init(node *n, const node__strategy *table, const node_attack_desc *d,
                       uint64_t seed) {
    assert(table->state_size >= sizeof(node__attack));
    node__attack *a = xcalloc(1, table->state_size);
    a->d = *d;
    a->merchant = d->merchant ? xstrdup(d->merchant) : NULL;
    a->d.merchant = a->merchant;
    rng_seed(&a->rng, seed, NODE_ATTACK_STREAM + (uint64_t)n->id);
    ptrset_init(&a->secret);
    n->strategy = table;
    n->attack = a;
}

void node__attack_free(node *n) {
    node__attack *a = n->attack;
    if (!a) return;
    if (n->strategy->cleanup) n->strategy->cleanup(n);
    ptrset_cleanup(&a->secret);
    free(a->held);
    free(a->merchant);
    free(a);
    n->attack = NULL;
    n->strategy = NULL;
}

void node__attack_announce(node *n) {
    const node__attack *a = n->attack;
    node__emit(n, (sim_event){.kind = EV_ATTACKER, .peer = a->d.victim,
                              .strategy = (int)a->d.strategy, .value = n->share,
                              .value2 = a->d.gamma});
}

void node__attack_start_at(node *n) {
    node__attack_announce(n);
    n->env->set_timer(n->env->ctx, n->id, n->attack->d.at_us, TIMER_ATTACK, 0);
}

void node__push_to_all(node *n, const block *b) {
    for (size_t i = 0; i < n->n_peers; i++)
        node__send_block_msg(n, n->peers[i], MSG_BLOCK, (block *)b);
}

/* ---- withheld blocks -------------------------------------------------- */

void node__withhold(node *n, const block *b) { ptrset_add(&n->attack->secret, b); }

bool node__withheld(const node *n, const block *b) { return ptrset_has(&n->attack->secret, b); }

void node__withhold_none(node *n) {
    ptrset_cleanup(&n->attack->secret);
    ptrset_init(&n->attack->secret);
}

const block *node__withheld_tip(const node *n) {
    const block *b = n->chain.tip;
    while (b->parent && node__withheld(n, b)) b = b->parent;
    return b;
}

static void node__release_later(node *n, const block *b, int peer, int64_t due_us) {
    node__attack *a = n->attack;
    a->held = xgrow(a->held, &a->cap_held, a->n_held + 1, sizeof *a->held);
    a->held[a->n_held++] = (node__held){b, peer, due_us};
}

int64_t node__release(node *n, const block *tip, int64_t upto, bool race) {
    node__attack *a = n->attack;
    const block **list = NULL;
    size_t len = 0, cap = 0;
    for (const block *b = tip; b && ptrset_has(&a->secret, b); b = b->parent) {
        if (b->index > upto) continue;
        list = xgrow(list, &cap, len + 1, sizeof *list);
        list[len++] = b;
    }
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++) ptrset_del(&a->secret, list[i]);
    int64_t top = list[0]->index;
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
    return top;
}

void node__release_due(node *n) {
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
