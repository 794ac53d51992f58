/* observer.c - a monitoring node, as Decker & Wattenhofer (2013) and
 * Gervais et al. (2015) measured propagation: connected to many peers
 * (the scenario wires `peers` more links to it, sim.c), it never mines and
 * notes when EACH peer first announces each block - an inv, or the block
 * itself (pushed, compact, or in a blocks answer) where the relay mode
 * sends no inv - with one EV_HEARD per (block, peer), however often that
 * peer names it again. The k-th peer to announce a block comes with
 * value k (1: the first announcement, which the papers time the others
 * from) and value2 the observer's peer count then (the share's
 * denominator); out/metrics.c derives reach and delays from them. With
 * relay false it shows no block to anyone (no inv, no block, no answer to
 * a getdata), so it does not speed up what it measures and every peer
 * announces each block it gets; it still fetches the blocks it hears of,
 * to keep a chain as its peers do. With relay true a peer it handed a
 * block to may never announce it, so the shares are of the peers that
 * could. Memory: one peer id per (block, announcing peer). */
#include <stdlib.h>
#include <string.h>

#include "node/attack/attack.h"
#include "util/mem.h"

/* The peers that announced one block, sorted by id. */
typedef struct node__heard {
    const block *b;          /* its hash is the map's key */
    int *peers;
    size_t n, cap;
} node__heard;

typedef struct node__observer {
    node__attack a;          /* first: the state every attacker has */
    hmap heard;              /* block hash -> node__heard (zeroed: empty) */
} node__observer_state;

static void node__observer_cleanup(node *n) {
    node__observer_state *o = (node__observer_state *)n->attack;
    size_t pos = 0;
    const hmap_slot *slot;
    while (hmap_next(&o->heard, &pos, &slot)) {
        node__heard *h = slot->val;
        free(h->peers);
        free(h);
    }
    hmap_cleanup(&o->heard);
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

/* Peer `from` named block b: an EV_HEARD if it is the first time it did. */
static void node__observer_heard(node *n, const msg *m, const block *b) {
    node__observer_state *o = (node__observer_state *)n->attack;
    node__heard *h = hmap_get(&o->heard, b->hash, SHA256_LEN);
    if (!h) {
        h = xcalloc(1, sizeof *h);
        h->b = b;
        hmap_put(&o->heard, b->hash, SHA256_LEN, h);
    }
    size_t lo = 0, hi = h->n; /* the first peer id >= from */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->peers[mid] < m->from) lo = mid + 1;
        else hi = mid;
    }
    if (lo < h->n && h->peers[lo] == m->from) return;
    h->peers = xgrow(h->peers, &h->cap, h->n + 1, sizeof *h->peers);
    memmove(h->peers + lo + 1, h->peers + lo, (h->n - lo) * sizeof *h->peers);
    h->peers[lo] = m->from;
    h->n++;
    node__emit(n, (sim_event){.kind = EV_HEARD, .peer = m->from, .block = b, .msg = m->kind,
                              .value = (double)h->n, .value2 = (double)n->n_peers});
}

static void node__observer_on_message(node *n, const msg *m) {
    if (m->tx) return;
    switch (m->kind) {
    case MSG_INV:
    case MSG_BLOCK:
    case MSG_CMPCTBLOCK:
        if (m->block) node__observer_heard(n, m, m->block);
        return;
    case MSG_BLOCKS:
        for (size_t i = 0; i < m->n_blocks; i++) node__observer_heard(n, m, m->blocks[i]);
        return;
    default: return;
    }
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
