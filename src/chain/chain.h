/* chain.h - one node's view of the block tree: what it holds, its tip, and
 * the fork choice.
 *
 * Fork choice: the valid chain with the most cumulative work wins; on a tie
 * the tip seen first stays. A block is added only if the node holds its
 * parent (otherwise the caller keeps it as an orphan) and the store's verdict
 * is VALID; every accepted block is therefore fully validated, side branches
 * included. Switching to a heavier branch reports the blocks undone (old
 * branch) and applied (new branch) so the node can move transactions between
 * its mempool and the chain.
 *
 * Owned by one node; not thread-safe. Blocks are borrowed from the store. */
#ifndef CHAINSIM_CHAIN_CHAIN_H
#define CHAINSIM_CHAIN_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <stdatomic.h>

#include "chain/bstore.h"

typedef struct chain {
    bstore *store;
    block *tip;
    int slot;    /* our bit in each block's holders: the blocks this node holds
                    (all valid), side branches too */
    size_t n_held; /* how many */
} chain;

typedef enum chain_status {
    CHAIN_ADDED,     /* held now; see chain_update for a tip change */
    CHAIN_DUPLICATE, /* already held */
    CHAIN_ORPHAN,    /* parent not held (and the block not known to be
                      * invalid): nothing done */
    CHAIN_INVALID,   /* refused: see the block's reason (nothing held); also
                      * for a block whose parent is not held when the store
                      * already knows it is invalid (e.g. it descends from an
                      * invalid block) */
} chain_status;

typedef struct chain_update {
    bool tip_changed;
    block *old_tip;
    block *new_tip;
    int reorg_depth;         /* blocks undone from the old branch (0: extension) */
    block **undone;          /* old branch, old tip first */
    size_t n_undone;
    block **applied;         /* new branch, lowest first, new tip last */
    size_t n_applied;
} chain_update;

/* Starts a chain holding only the store's genesis. */
void chain_init(chain *c, bstore *store);
void chain_cleanup(chain *c);
/* Back to just the genesis (a node that lost its disk). */
void chain_reset(chain *c);

static inline bool chain_has(const chain *c, const block *b) {
    uint64_t word = atomic_load_explicit(&b->holders[c->slot / 64], memory_order_relaxed);
    return (word >> (c->slot % 64)) & 1u;
}

/* Adds an interned block. If it has strictly more cumulative work than the
 * tip it becomes the tip and *upd describes the switch (ties keep the tip
 * seen first). *upd is always initialised; release it with
 * chain_update_cleanup. */
chain_status chain_add(chain *c, block *b, chain_update *upd);
void chain_update_cleanup(chain_update *upd);

/* Validates a whole chain pulled from a peer (resolve conflicts), given as
 * interned blocks from genesis up: blocks[0] must be our genesis
 * (REJ_CHAIN_GENESIS), each block must link to the one before (previous_hash,
 * index + 1: REJ_CHAIN_LINK; all links are checked before any verdict), and
 * every block must be VALID (else its reason, REJ_BLK_*). On success adds
 * them all (the tip moves if the chain has strictly more work; *upd as for
 * chain_add) and returns REJ_NONE; otherwise returns the reason, sets
 * *bad_index to the offending block (0 for empty/genesis), and changes
 * nothing. *upd is always initialised. */
reject chain_adopt(chain *c, block *const *blocks, size_t n, size_t *bad_index,
                   chain_update *upd);

/* The block of the active chain at `index` (1 = genesis), or NULL. */
const block *chain_at(const chain *c, int64_t index);
/* Height of the tip (the genesis is 1). */
static inline int64_t chain_height(const chain *c) { return c->tip->index; }

#endif
