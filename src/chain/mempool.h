/* mempool.h - transactions a node has accepted but not yet seen in its
 * active chain, in arrival order.
 *
 * A transaction enters only if it is valid against the tip's ledger after
 * the sender's other pending transactions (no double spending through the
 * mempool), its id is neither pending nor in the active branch, and the pool
 * is below its limit. After a reorg the node calls mempool_block_undone for
 * each undone block (its transactions come back) and mempool_block_applied
 * for each applied one (its transactions leave), then mempool_revalidate.
 *
 * Owned by one node; not thread-safe. Holds one reference per tx. */
#ifndef CHAINSIM_CHAIN_MEMPOOL_H
#define CHAINSIM_CHAIN_MEMPOOL_H

#include <stddef.h>

#include "chain/bstore.h"
#include "chain/ledger.h"
#include "chain/tx.h"
#include "util/hmap.h"

#define MEMPOOL_DEFAULT_MAX 100000

typedef struct mempool {
    tx **txs;         /* arrival order */
    size_t n;
    size_t cap;
    size_t max;       /* 0 = MEMPOOL_DEFAULT_MAX */
    hmap by_id;       /* id -> tx */
    hmap pending_out; /* sender -> heap-allocated int64_t sum of amounts */
} mempool;

void mempool_init(mempool *m, size_t max);
void mempool_cleanup(mempool *m);
void mempool_clear(mempool *m);

/* Checks and adds `t` (a new reference is taken on success). Returns
 * REJ_NONE, REJ_TX_DUPLICATE, a ledger reason, or REJ_TX_REWARD. Reasons in
 * OPEN rules: only duplicates. */
reject mempool_add(mempool *m, bstore *s, const block *tip, const chain_params *p,
                   tx *t);
bool mempool_has(const mempool *m, const char *id);

/* Picks up to `max_txs` transactions for a new block on `tip`, in arrival
 * order, each valid after the ones picked before it. Returns the count;
 * out[] borrows from the pool. */
size_t mempool_select(const mempool *m, const block *tip, const chain_params *p,
                      tx **out, size_t max_txs);

/* After a tip change: the transactions of an applied block leave the pool;
 * those of an undone block come back (rewards excepted). */
void mempool_block_applied(mempool *m, const block *b);
void mempool_block_undone(mempool *m, const block *b);
/* Drops every transaction no longer valid at `tip` (double spends and ids in
 * the branch after a reorg). Returns how many were dropped. */
size_t mempool_revalidate(mempool *m, bstore *s, const block *tip,
                          const chain_params *p);

#endif
