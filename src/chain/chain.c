/* chain.c - one node's block tree: what it holds, its tip, fork choice.
 *
 * The heavy facts (parent links, cumulative work, validity, ledgers) live in
 * the shared store; a node only keeps the set of blocks it holds and its
 * tip. Because a block is held only if its parent is held and its verdict is
 * VALID, every held block is valid and properly linked, so block_ancestor
 * answers by height on any of them.
 *
 * The tip is always a held block of maximal cumulative work, the first seen
 * among equals: a new block moves the tip only if it has strictly more work.
 * A switch reports the blocks between the fork point and each tip, found by
 * bringing both tips to the same height with block_ancestor and then
 * stepping both back until they meet. */
#include "chain/chain.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static void chain__hold(chain *c, block *b) {
    uint64_t bit = (uint64_t)1 << (c->slot % 64);
    uint64_t was = atomic_fetch_or_explicit(&b->holders[c->slot / 64], bit, memory_order_relaxed);
    if (!(was & bit)) c->n_held++;
}

void chain_init(chain *c, bstore *store) {
    c->store = store;
    c->tip = bstore_genesis(store);
    c->slot = bstore_new_holder(store);
    c->n_held = 0;
    chain__hold(c, c->tip);
}

/* The holder bits stay: the slot is never handed out again. */
void chain_cleanup(chain *c) { c->tip = NULL; }

void chain_reset(chain *c) {
    bstore_forget_holder(c->store, c->slot);
    c->tip = bstore_genesis(c->store);
    c->n_held = 0;
    chain__hold(c, c->tip);
}

void chain_update_cleanup(chain_update *upd) {
    free(upd->undone);
    free(upd->applied);
    *upd = (chain_update){0};
}

#ifndef NDEBUG
/* Whole-structure check for debug builds: the tip is held and valid, and so
 * are its recent ancestors. */
static void chain__check(const chain *c) {
    const block *tip = c->tip;
    assert(chain_has(c, tip));
    assert(atomic_load_explicit(&tip->verdict, memory_order_acquire) == BLOCK_VALID);
    const block *x = tip;
    for (int i = 0; i < 64 && x; i++, x = x->parent) {
        assert(chain_has(c, x));
        assert(atomic_load_explicit(&x->verdict, memory_order_acquire) == BLOCK_VALID);
    }
}
#endif

/* Moves the tip to `to` and describes the move in *upd. */
static void chain__switch(chain *c, block *to, chain_update *upd) {
    block *from = c->tip;
    const block *a = from, *b = to;
    if (a->index > b->index) a = block_ancestor(a, b->index);
    else b = block_ancestor(b, a->index);
    while (a != b) {
        a = a->parent;
        b = b->parent;
    }
    const block *fork = a;

    upd->tip_changed = true;
    upd->old_tip = from;
    upd->new_tip = to;
    upd->n_undone = (size_t)(from->index - fork->index);
    upd->n_applied = (size_t)(to->index - fork->index);
    upd->reorg_depth = (int)upd->n_undone;
    if (upd->n_undone) upd->undone = xmalloc(upd->n_undone * sizeof *upd->undone);
    if (upd->n_applied) upd->applied = xmalloc(upd->n_applied * sizeof *upd->applied);
    block *x = from;
    for (size_t i = 0; i < upd->n_undone; i++, x = x->parent) upd->undone[i] = x;
    x = to;
    for (size_t i = upd->n_applied; i-- > 0; x = x->parent) upd->applied[i] = x;
    c->tip = to;
}

chain_status chain_add(chain *c, block *b, chain_update *upd) {
    *upd = (chain_update){0};
    if (chain_has(c, b)) return CHAIN_DUPLICATE;
    /* A held block is rooted, so an unrooted block's parent is not held. */
    if (!atomic_load_explicit(&b->rooted, memory_order_acquire)) return CHAIN_ORPHAN;
    block_verdict v = bstore_verdict(c->store, b);
    /* A rooted block's verdict is known even if this node lacks the parent:
     * asking peers for the ancestors of a block that cannot be valid would
     * only fetch the invalid one. The genesis (no parent) is always held. */
    if (!chain_has(c, b->parent)) return v == BLOCK_INVALID ? CHAIN_INVALID : CHAIN_ORPHAN;
    if (v != BLOCK_VALID) return CHAIN_INVALID;
    chain__hold(c, b);
    if (b->cum_work > c->tip->cum_work) chain__switch(c, b, upd);
#ifndef NDEBUG
    chain__check(c);
#endif
    return CHAIN_ADDED;
}

reject chain_adopt(chain *c, block *const *blocks, size_t n, size_t *bad_index,
                   chain_update *upd) {
    *upd = (chain_update){0};
    *bad_index = 0;
    if (n == 0) return REJ_CHAIN_EMPTY;
    if (blocks[0] != bstore_genesis(c->store)) return REJ_CHAIN_GENESIS;
    /* Links first: cheap, and a broken chain is refused before any ledger
     * work, whatever its length. */
    for (size_t i = 1; i < n; i++) {
        if (blocks[i]->index != blocks[i - 1]->index + 1 ||
            strcmp(blocks[i]->prev_hash, blocks[i - 1]->hash_hex) != 0) {
            *bad_index = i;
            return REJ_CHAIN_LINK;
        }
        /* Interned, linked to a rooted block: rooted under it. */
        assert(blocks[i]->parent == blocks[i - 1]);
    }
    for (size_t i = 1; i < n; i++) {
        if (bstore_verdict(c->store, blocks[i]) != BLOCK_VALID) {
            *bad_index = i;
            return blocks[i]->reason;
        }
    }
    for (size_t i = 1; i < n; i++) chain__hold(c, blocks[i]);
    if (blocks[n - 1]->cum_work > c->tip->cum_work) chain__switch(c, blocks[n - 1], upd);
#ifndef NDEBUG
    chain__check(c);
#endif
    return REJ_NONE;
}

const block *chain_at(const chain *c, int64_t index) {
    return block_ancestor(c->tip, index);
}
