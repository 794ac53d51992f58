/* ledger.h - account balances after a block, immutable and shared.
 *
 * Each valid block carries the ledger after it (see bstore.h); a node's
 * balances are its tip's ledger, so 10,000 nodes on one tip share one
 * ledger. Entries are sorted by name for binary search. Memory: accounts x
 * valid blocks (a full copy per block keeps lookups O(log n); fine for the
 * hundreds of accounts a scenario has). */
#ifndef CHAINSIM_CHAIN_LEDGER_H
#define CHAINSIM_CHAIN_LEDGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/params.h"
#include "chain/reject.h"
#include "chain/tx.h"

typedef struct ledger_entry {
    char *name;
    int64_t balance;
} ledger_entry;

typedef struct ledger {
    atomic_int refs;
    size_t n;
    ledger_entry *entries; /* sorted by strcmp(name) */
} ledger;

/* An empty ledger with one reference. */
ledger *ledger_new_empty(void);
ledger *ledger_ref(ledger *l);
void ledger_unref(ledger *l);

/* The balance of `name`; *exists (if given) tells whether it has an entry. */
int64_t ledger_balance(const ledger *l, const char *name, bool *exists);

/* Checks one ordinary (non-reward) transaction against the balances in `l`
 * under `rules`: REJ_TX_UNKNOWN_SENDER, REJ_TX_OVERSPEND (balance - pending <
 * amount), REJ_TX_REWARD, or REJ_NONE. `pending_out` is what the sender has
 * already committed elsewhere (the mempool's other transactions). */
reject ledger_check_tx(const ledger *l, ledger_rules rules, const tx *t,
                       int64_t pending_out);

/* Applies a block's transactions to `parent`: in STRICT rules the first must
 * be the only reward (sender "0", receiver = miner, amount = reward) unless
 * `is_genesis` (whose "0" transactions create the starting balances), and
 * every other one must pass ledger_check_tx in order. Returns a new ledger
 * with one reference, or NULL with *why and *bad_tx (index) set. In OPEN
 * rules nothing is refused and balances may go negative. */
ledger *ledger_apply(const ledger *parent, const chain_params *params,
                     const char *miner, tx *const *txs, size_t n_txs,
                     bool is_genesis, reject *why, size_t *bad_tx);

#endif
