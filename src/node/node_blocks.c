/* node_blocks.c - how blocks move: announcements, requests, orphans, and
 * what a node does when its tip changes.
 *
 * A block arrives (mined here, a BLOCK or BLOCKS message, a pulled chain):
 *
 *   held already      -> ignore
 *   self-check failed -> rejected (counted, event with the reason)
 *   parent not held   -> orphan: kept, and the sender is asked for the
 *                        missing ancestors (getblocks with our locator)
 *   invalid in branch -> rejected
 *   valid             -> held; tip may change (mempool follows); announced
 *                        to every peer but the sender; orphans waiting for
 *                        it are tried next (a loop, not recursion).
 *
 * How a block is announced and sent follows the node's relay mode (node.h):
 * inv/getdata/block, the block pushed unasked, or a compact block (after
 * inv/getdata, or pushed) that fails to rebuild at the compact failure rate
 * and then costs a getblocktxn and the full block. A node that waits for
 * the full block ignores further compact blocks of it until the request
 * times out, as their missing transactions are the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_int.h"
#include "util/mem.h"

typedef struct node__orphans {
    block **blocks;
    int *from;
    size_t n, cap;
} node__orphans;

/* What a node remembers about a block it has heard of but not yet holds:
 * when it asked for it, and which peers announced it (they have it, so it
 * is not announced back to them: Bitcoin's per-peer known inventory).
 *
 * n->requested is keyed by the block's address, stored here: blocks are
 * interned, so the address is the block's identity, and hashing 8 bytes
 * instead of the 32-byte hash matters on the busiest path of a large run
 * (every inv looks a block up). The announcers are kept in the same
 * allocation (room for every peer, made at once) unless more come: a
 * second allocation was a second cache miss on every inv at 100,000 nodes. */
typedef struct node__wanted {
    const block *block; /* the key */
    int64_t asked_us;  /* -1: not asked yet */
    int64_t full_asked_us; /* getblocktxn sent after a failed compact block; -1: no */
    int *announcers;   /* own_announcers, or an array of its own once that is full */
    size_t n, cap;
    int own_announcers[];
} node__wanted;

static void node__wanted_free(node__wanted *w) {
    if (!w) return;
    if (w->announcers != w->own_announcers) free(w->announcers);
    free(w);
}

void node__clear_requests(node *n) {
    size_t pos = 0;
    const hmap_slot *slot;
    while (hmap_next(&n->requested, &pos, &slot)) node__wanted_free(slot->val);
    hmap_cleanup(&n->requested);
}

static node__wanted *node__wanted_get(const node *n, const block *b) {
    return hmap_get(&n->requested, &b, sizeof b);
}

void node_prefetch_block(const node *n, const block *b) {
    const node__wanted *w = node__wanted_get(n, b);
    if (w) __builtin_prefetch(w);
}

static void node__forget_block(node *n, const block *b) {
    node__wanted_free(hmap_del(&n->requested, &b, sizeof b));
}

static bool node__announced_by(const node__wanted *w, int peer) {
    for (size_t i = 0; w && i < w->n; i++)
        if (w->announcers[i] == peer) return true;
    return false;
}

void node__clear_orphans(node *n) {
    node__orphanage *g = n->orphans;
    if (!g) return;
    size_t pos = 0;
    const hmap_slot *slot;
    while (hmap_next(&g->by_parent, &pos, &slot)) {
        node__orphans *o = slot->val;
        free(o->blocks);
        free(o->from);
        free(o);
    }
    hmap_cleanup(&g->by_parent);
    ptrset_cleanup(&g->blocks);
    free(g);
    n->orphans = NULL;
    n->n_orphans = 0;
}

static bool node__is_orphan(const node *n, const block *b) {
    return n->orphans && ptrset_has(&n->orphans->blocks, b);
}

static bool node__add_orphan(node *n, block *b, int from) {
    if (node__is_orphan(n, b)) return false;
    if (n->n_orphans >= NODE_MAX_ORPHANS) return false;
    if (!n->orphans) n->orphans = xcalloc(1, sizeof *n->orphans); /* both empty */
    node__orphanage *g = n->orphans;
    size_t klen = strlen(b->prev_hash);
    node__orphans *o = hmap_get(&g->by_parent, b->prev_hash, klen);
    if (!o) {
        o = xcalloc(1, sizeof *o);
        hmap_put(&g->by_parent, b->prev_hash, klen, o);
    }
    size_t cap = o->cap;
    o->blocks = xgrow(o->blocks, &o->cap, o->n + 1, sizeof *o->blocks);
    o->from = xgrow(o->from, &cap, o->n + 1, sizeof *o->from);
    o->blocks[o->n] = b;
    o->from[o->n] = from;
    o->n++;
    ptrset_add(&g->blocks, b);
    n->n_orphans++;
    n->snap_dirty = true;
    return true;
}

/* Removes and returns the orphans waiting for `parent` (NULL if none). The
 * map key points into the first orphan's prev_hash, so the entry goes before
 * anyone frees anything. */
static node__orphans *node__take_orphans(node *n, const block *parent) {
    node__orphanage *g = n->orphans;
    node__orphans *o = g ? hmap_del(&g->by_parent, parent->hash_hex, BLOCK_HASH_HEX_LEN) : NULL;
    if (!o) return NULL;
    for (size_t i = 0; i < o->n; i++) ptrset_del(&g->blocks, o->blocks[i]);
    n->n_orphans -= o->n;
    n->snap_dirty = true;
    return o;
}

/* Our active chain, sampled: tip, tip-1, tip-2, tip-4, ... genesis. A peer
 * walks back from what we asked for until it meets one of these. */
static void node__locator(node *n, msg *m) {
    const block *tip = n->chain.tip;
    size_t cap = 0;
    int64_t step = 1;
    for (int64_t h = tip->index;; h -= step) {
        if (h < 1) h = 1;
        m->blocks = xgrow(m->blocks, &cap, m->n_blocks + 1, sizeof *m->blocks);
        m->blocks[m->n_blocks++] = (block *)block_ancestor(tip, h);
        if (h == 1) break;
        if (m->n_blocks > 8) step *= 2;
    }
}

/* Asks `peer` for what we miss: ancestors of `wanted` (or of its tip if
 * wanted is NULL) down to where our chains meet. */
static void node__request_ancestors(node *n, int peer, block *wanted) {
    msg *m = msg_new(MSG_GETBLOCKS);
    m->block = wanted;
    node__locator(n, m);
    node__send(n, peer, m);
}

void node__request_news(node *n, int peer) { node__request_ancestors(n, peer, NULL); }

/* What a peer that asked for a block (getdata) gets. */
static msg_kind node__block_answer(const node *n) {
    return n->relay == NODE_RELAY_COMPACT ? MSG_CMPCTBLOCK : MSG_BLOCK;
}

msg_kind node__announce_kind(const node *n) {
    if (n->relay == NODE_RELAY_PUSH) return MSG_BLOCK;
    if (n->relay == NODE_RELAY_COMPACT && n->compact_push) return MSG_CMPCTBLOCK;
    return MSG_INV;
}

void node__relay_block(node *n, const block *b, int except) {
    if (!n->gossip) return;
    msg_kind kind = node__announce_kind(n);
    const node__wanted *w = node__wanted_get(n, b);
    for (size_t i = 0; i < n->n_peers; i++) {
        int p = n->peers[i];
        if (p == except || node__announced_by(w, p)) continue;
        if (!node__hook_may_show(n, b, p)) continue;
        node__send_block_msg(n, p, kind, (block *)b);
    }
}

void node__apply_update(node *n, chain_update *upd) {
    if (!upd->tip_changed) return;
    for (size_t i = 0; i < upd->n_undone; i++) mempool_block_undone(&n->mempool, upd->undone[i]);
    for (size_t i = 0; i < upd->n_applied; i++) mempool_block_applied(&n->mempool, upd->applied[i]);
    mempool_revalidate(&n->mempool, n->store, n->chain.tip, n->params);
    node__mine_tip_changed(n);
    n->snap_dirty = true;
    node__emit(n, (sim_event){.kind = EV_TIP_CHANGED, .peer = -1, .block = upd->new_tip,
                              .old_tip = upd->old_tip, .reorg_depth = upd->reorg_depth});
}

static void node__reject_block(node *n, const block *b, int from, reject why) {
    n->blocks_rejected++;
    n->snap_dirty = true;
    node__emit(n, (sim_event){.kind = EV_BLOCK_REJECTED, .peer = from, .block = b, .reason = why});
}

/* One block, no orphan follow-up. Returns true if it is held now (new). */
static bool node__accept_one(node *n, block *b, int from) {
    if (chain_has(&n->chain, b)) return false;
    if (b->self_check != REJ_NONE) {
        node__reject_block(n, b, from, b->self_check);
        return false;
    }
    chain_update upd;
    chain_status st = chain_add(&n->chain, b, &upd);
    bool added = false;
    switch (st) {
    case CHAIN_ADDED:
        added = true;
        node__emit(n, (sim_event){.kind = EV_BLOCK_ACCEPTED, .peer = from, .block = b});
        node__apply_update(n, &upd);
        node__relay_block(n, b, from);
        node__forget_block(n, b);
        if (from >= 0) node__hook_on_peer_block(n, b, from);
        break;
    case CHAIN_ORPHAN:
        if (node__add_orphan(n, b, from) && from >= 0) node__request_ancestors(n, from, b);
        break;
    case CHAIN_INVALID: node__reject_block(n, b, from, b->reason); break;
    case CHAIN_DUPLICATE: break;
    }
    chain_update_cleanup(&upd);
    return added;
}

void node__accept_block(node *n, block *b, int from) {
    if (!node__accept_one(n, b, from)) return;
    /* Orphans waiting on newly held blocks, breadth first. */
    block **queue = NULL;
    size_t head = 0, len = 0, cap = 0;
    queue = xgrow(queue, &cap, 1, sizeof *queue);
    queue[len++] = b;
    while (head < len) {
        node__orphans *o = node__take_orphans(n, queue[head++]);
        if (!o) continue;
        for (size_t i = 0; i < o->n; i++) {
            if (node__accept_one(n, o->blocks[i], o->from[i])) {
                queue = xgrow(queue, &cap, len + 1, sizeof *queue);
                queue[len++] = o->blocks[i];
            }
        }
        free(o->blocks);
        free(o->from);
        free(o);
    }
    free(queue);
}

void node_restore(node *n, block *const *blocks, size_t n_blocks) {
    for (size_t i = 0; i < n_blocks; i++) node__accept_block(n, blocks[i], -1);
    node_publish(n);
}

static bool node__in_locator(const msg *m, const block *b) {
    for (size_t i = 0; i < m->n_blocks; i++)
        if (m->blocks[i] == b) return true;
    return false;
}

/* True if we hold b and may show it to `peer`. */
static bool node__can_send(const node *n, const block *b, int peer) {
    return chain_has(&n->chain, b) && node__hook_may_show(n, b, peer);
}

static void node__answer_getblocks(node *n, const msg *req) {
    if (node__hook_answer(n, req)) return;
    block *wanted = req->block ? req->block : (block *)node__hook_shown_tip(n);
    if (!node__can_send(n, wanted, req->from)) return;
    block **list = NULL;
    size_t len = 0, cap = 0;
    for (block *b = wanted; b && b->index > 1 && len < NODE_MAX_BLOCKS_PER_MSG; b = b->parent) {
        if (node__in_locator(req, b)) break;
        list = xgrow(list, &cap, len + 1, sizeof *list);
        list[len++] = b;
    }
    if (len == 0) {
        free(list);
        return;
    }
    for (size_t i = 0; i < len / 2; i++) {
        block *t = list[i];
        list[i] = list[len - 1 - i];
        list[len - 1 - i] = t;
    }
    msg *m = msg_new(MSG_BLOCKS);
    m->blocks = list;
    m->n_blocks = len;
    node__send(n, req->from, m);
}

/* The record of a block we lack, made on first hearing of it; `from` has
 * the block, so it is noted among the announcers (room for every peer is
 * made at once: most of them announce it). */
static node__wanted *node__want(node *n, block *b, int from) {
    node__wanted *w = node__wanted_get(n, b);
    if (!w) {
        size_t cap = n->n_peers + 1;
        w = xmalloc(sizeof *w + cap * sizeof *w->own_announcers);
        *w = (node__wanted){.block = b, .asked_us = -1, .full_asked_us = -1, .cap = cap};
        w->announcers = w->own_announcers;
        hmap_put(&n->requested, &w->block, sizeof w->block, w);
    }
    if (!node__announced_by(w, from)) {
        if (w->n == w->cap && w->announcers == w->own_announcers) { /* a peer added since */
            size_t cap = 0;
            int *more = xgrow(NULL, &cap, w->n + 1, sizeof *more);
            memcpy(more, w->own_announcers, w->n * sizeof *more);
            w->announcers = more;
            w->cap = cap;
        } else {
            w->announcers = xgrow(w->announcers, &w->cap, w->n + 1, sizeof *w->announcers);
        }
        w->announcers[w->n++] = from;
    }
    return w;
}

static void node__on_inv(node *n, const msg *m) {
    block *b = m->block;
    if (chain_has(&n->chain, b) || node__is_orphan(n, b)) return;
    int64_t now = node__now(n);
    node__wanted *w = node__want(n, b, m->from);
    if (w->asked_us >= 0 && now - w->asked_us < NODE_REQUEST_TIMEOUT_US) return;
    w->asked_us = now;
    node__send_block_msg(n, m->from, MSG_GETDATA, b);
}

/* A compact block rebuilds from the mempool, or (at the failure rate) asks
 * its sender for the missing transactions. */
static void node__on_compact(node *n, const msg *m) {
    block *b = m->block;
    if (chain_has(&n->chain, b) || node__is_orphan(n, b)) return;
    int64_t now = node__now(n);
    node__wanted *w = node__want(n, b, m->from);
    if (w->full_asked_us >= 0 && now - w->full_asked_us < NODE_REQUEST_TIMEOUT_US) return;
    if (n->compact_failure_rate > 0 &&
        rng_unit(node__rng(n, NODE__RNG_RELAY)) < n->compact_failure_rate) {
        w->full_asked_us = now;
        node__send_block_msg(n, m->from, MSG_GETBLOCKTXN, b);
        return;
    }
    node__accept_block(n, b, m->from);
}

void node__on_block_msg(node *n, msg *m) {
    switch (m->kind) {
    case MSG_INV: node__on_inv(n, m); break;
    case MSG_GETDATA:
        if (node__can_send(n, m->block, m->from))
            node__send_block_msg(n, m->from, node__block_answer(n), m->block);
        break;
    case MSG_CMPCTBLOCK: node__on_compact(n, m); break;
    case MSG_GETBLOCKTXN:
        if (node__can_send(n, m->block, m->from)) {
            msg *rest = msg_new(MSG_BLOCK);
            rest->block = m->block;
            rest->compact_rest = true;
            node__send(n, m->from, rest);
        }
        break;
    case MSG_BLOCK:
        node__accept_block(n, m->block, m->from);
        break;
    case MSG_GETBLOCKS: node__answer_getblocks(n, m); break;
    case MSG_BLOCKS:
        for (size_t i = 0; i < m->n_blocks; i++) node__accept_block(n, m->blocks[i], m->from);
        break;
    default: break;
    }
}
