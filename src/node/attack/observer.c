/* observer.c - a monitoring node, as Decker & Wattenhofer (2013) and
 * Gervais et al. (2015) measured propagation: connected to many peers
 * (the scenario wires `peers` more links to it, sim.c), it never mines and
 * notes when it first hears of each block - an inv, or the block itself
 * (pushed, compact, or in a blocks answer) where the relay mode sends no
 * inv - with one EV_HEARD per block, however often it is announced. With
 * relay false it shows no block to anyone (no inv, no block, no answer to
 * a getdata), so it does not speed up what it measures; it still fetches
 * the blocks it hears of, to keep a chain as its peers do. */
#include "node/attack/attack.h"

typedef struct node__observer {
    node__attack a;          /* first: the state every attacker has */
    ptrset heard;            /* blocks it has heard of */
} node__observer_state;

static void node__observer_cleanup(node *n) {
    ptrset_cleanup(&((node__observer_state *)n->attack)->heard);
}

static bool node__observer_mine(node *n) {
    (void)n;
    return true; /* it never seals a block */
}

static bool node__observer_may_show(const node *n, const block *b, int peer) {
    (void)b;
    (void)peer;
    return n->attack->d.relay;
}

static void node__observer_on_message(node *n, const msg *m) {
    node__observer_state *o = (node__observer_state *)n->attack;
    if (m->tx) return;
    const block *b = NULL;
    switch (m->kind) {
    case MSG_INV:
    case MSG_BLOCK:
    case MSG_CMPCTBLOCK: b = m->block; break;
    case MSG_BLOCKS:
        for (size_t i = 0; i < m->n_blocks; i++) {
            if (ptrset_has(&o->heard, m->blocks[i])) continue;
            ptrset_add(&o->heard, m->blocks[i]);
            node__emit(n, (sim_event){.kind = EV_HEARD, .peer = m->from,
                                      .block = m->blocks[i], .msg = m->kind});
        }
        return;
    default: return;
    }
    if (!b || ptrset_has(&o->heard, b)) return;
    ptrset_add(&o->heard, b);
    node__emit(n, (sim_event){.kind = EV_HEARD, .peer = m->from, .block = b, .msg = m->kind});
}

const node__strategy node__observer = {
    .kind = NODE_OBSERVER,
    .state_size = sizeof(node__observer_state),
    .cleanup = node__observer_cleanup,
    .start = node__attack_announce,
    .mine = node__observer_mine,
    .may_show = node__observer_may_show,
    .on_message = node__observer_on_message,
};
