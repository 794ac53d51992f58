/* ledger.h - account balances after a block, immutable and shared.
 *
 * Each valid block carries the ledger after it (see bstore.h); a node's
 * balances are its tip's ledger, so 10,000 nodes on one tip share one
 * ledger. A ledger is a persistent balanced tree keyed by account name: the
 * ledger after a block shares every account the block did not touch with
 * its parent's, so a block costs O(k log n) memory for k touched accounts
 * out of n (not a copy of every balance), lookups stay O(log n), and
 * entries come out in name order (strcmp).
 *
 * Thread safety: a ledger never changes after ledger_apply returns it;
 * references may be taken and dropped from any thread. */
#ifndef CHAINSIM_CHAIN_LEDGER_H
#define CHAINSIM_CHAIN_LEDGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/params.h"
#include "chain/reject.h"
#include "chain/tx.h"

typedef struct ledger ledger;

/* One account as read out of a ledger. `name` belongs to the ledger: it
 * stays valid while the caller holds a reference to that ledger. */
typedef struct ledger_entry {
    const char *name;
    int64_t balance;
} ledger_entry;

/* An empty ledger with one reference. */
ledger *ledger_new_empty(void);
ledger *ledger_ref(ledger *l);
void ledger_unref(ledger *l); /* NULL does nothing */

/* The number of accounts. */
size_t ledger_count(const ledger *l);

/* The balance of `name`; *exists (if given) tells whether it has an entry.
 * O(log n). */
int64_t ledger_balance(const ledger *l, const char *name, bool *exists);

/* The i-th account in name order (i < ledger_count). O(log n). */
ledger_entry ledger_at(const ledger *l, size_t i);

/* Copies the first min(max, count) accounts, in name order, into out[] and
 * returns how many it copied. O(count) for the whole ledger. */
size_t ledger_list(const ledger *l, ledger_entry *out, size_t max);

/* Checks one ordinary (non-reward) transaction against the balances in `l`
 * under `rules`: REJ_TX_REWARD (sender "0"), REJ_TX_AMOUNT (amount <= 0),
 * REJ_TX_UNKNOWN_SENDER, REJ_TX_OVERSPEND (balance - pending < amount), or
 * REJ_NONE; always REJ_NONE in OPEN rules. `pending_out` (>= 0) is what the
 * sender has already committed elsewhere (the mempool's other
 * transactions). */
reject ledger_check_tx(const ledger *l, ledger_rules rules, const tx *t,
                       int64_t pending_out);

/* Applies a block's transactions to `parent` (params must be resolved). In
 * STRICT rules the first must be the only reward (sender "0", receiver =
 * miner, amount = params->reward), else *why = REJ_BLK_REWARD; every other
 * one must pass ledger_check_tx in order (so two spends that together
 * overspend fail on the second), else *why is that tx's reason
 * (REJ_TX_OVERSPEND, REJ_TX_UNKNOWN_SENDER, REJ_TX_AMOUNT). A genesis
 * (`is_genesis`) has no reward rule: its "0"-sender transactions create the
 * starting balances. Receivers get accounts as needed; a "0"-sender tx only
 * credits. Returns a new ledger with one reference (sharing the untouched
 * accounts with `parent`), or NULL with *why and *bad_tx (index of the
 * offending tx) set; nothing is allocated for a refused block but scratch
 * space. In OPEN rules nothing is refused, senders get accounts too and
 * balances may go negative. */
ledger *ledger_apply(const ledger *parent, const chain_params *params,
                     const char *miner, tx *const *txs, size_t n_txs,
                     bool is_genesis, reject *why, size_t *bad_tx);

/* Tree nodes alive in the whole process, all ledgers together (for tests
 * and benchmarks of the structural sharing). */
size_t ledger_nodes_live(void);

#endif
