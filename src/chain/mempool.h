/* mempool.h - transactions a node has accepted but not yet seen in its
 * active chain, in arrival order.
 *
 * A transaction enters only if it is valid against the tip's ledger after
 * the sender's other pending transactions (no double spending through the
 * mempool) and its id is neither pending nor in the active branch. A full
 * pool (max transactions) refuses new ones (REJ_MEMPOOL_FULL) and never
 * evicts: every transaction it took stays until a block or a reorg's
 * revalidation removes it, so no acknowledged one vanishes. After a tip
 * change the node calls mempool_block_undone for each undone block (its
 * transactions come back) and mempool_block_applied for each applied one
 * (its transactions leave), then, after a reorg, mempool_revalidate.
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

/* The pool's maps, made at its first transaction: most nodes of a large run
 * never pool one, and the two maps are most of the pool's size. */
typedef struct mempool_maps {
    hmap by_id;       /* id -> tx */
    hmap pending_out; /* sender -> heap-allocated sum of the sender's pending
                       * amounts; the value starts with that int64_t, so
                       * readers may use it as an int64_t *; no entry at 0 */
} mempool_maps;

typedef struct mempool {
    tx **txs;         /* arrival order */
    size_t n;
    size_t cap;
    size_t max;       /* 0 = MEMPOOL_DEFAULT_MAX */
    mempool_maps *maps; /* NULL until the first transaction (then n > 0 at least once) */
} mempool;

void mempool_init(mempool *m, size_t max);
void mempool_cleanup(mempool *m);
void mempool_clear(mempool *m);

/* Checks and adds `t` (a new reference is taken on success) against `tip`
 * (a VALID block of the store `s`). Returns REJ_NONE, REJ_TX_DUPLICATE (id
 * pending or in tip's branch), a ledger_check_tx reason (REJ_TX_REWARD,
 * REJ_TX_UNKNOWN_SENDER, REJ_TX_OVERSPEND, ...), or REJ_MEMPOOL_FULL (max
 * transactions pending; checked last, so a bad transaction gets its own
 * reason). Reasons in OPEN rules: only duplicates and a full pool. */
reject mempool_add(mempool *m, bstore *s, const block *tip, const chain_params *p,
                   tx *t);
bool mempool_has(const mempool *m, const char *id);
/* The pooled transaction of that id (borrowed), or NULL. */
tx *mempool_get(const mempool *m, const char *id);
/* The sum of the sender's pending amounts (0: none). */
int64_t mempool_pending(const mempool *m, const char *sender);

/* Picks up to `max_txs` transactions for a new block on `tip`, in arrival
 * order, each valid at tip's ledger after the ones picked before it (so
 * the block passes ledger_apply with its reward first); in STRICT rules
 * "0"-sender txs are skipped (the miner writes the reward). Relies on the
 * pool holding no id of tip's branch (block_applied removes them). Returns
 * the count; out[] borrows from the pool. */
size_t mempool_select(const mempool *m, const block *tip, const chain_params *p,
                      tx **out, size_t max_txs);

/* After a tip change: the transactions of an applied block leave the pool
 * (by id); those of an undone block come back at the end of the queue,
 * unchecked and even beyond max, unless pending already ("0"-sender txs
 * excepted). */
void mempool_block_applied(mempool *m, const block *b);
void mempool_block_undone(mempool *m, const block *b);
/* Drops every transaction no longer valid at `tip` (ids in the branch, and
 * in arrival order whatever overspends after the sender's earlier pending
 * ones), and recomputes pending_out. Returns how many were dropped. */
size_t mempool_revalidate(mempool *m, bstore *s, const block *tip,
                          const chain_params *p);

#endif
