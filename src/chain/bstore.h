/* bstore.h - the block store: every block of a run, once, and what follows
 * from each block alone.
 *
 * All nodes of one simulation share one store. A block received or mined by
 * any node is interned here (same hash -> same object), so 10,000 nodes that
 * hold a block hold one copy. The store derives, once, what every honest
 * node would derive the same way:
 *
 *   intern  -> parent link, skip pointer, relative difficulty (the
 *              retarget rule, chain/retarget.h), cumulative work (when "rooted":
 *              its ancestors reach the genesis; a block whose parent is not
 *              here yet waits and is rooted when the parent arrives)
 *   verdict -> valid or invalid given its branch (index, difficulty, reward,
 *              each tx against the ledger at the parent, no tx id twice in
 *              the branch), and the ledger after it
 *
 * The simulated cost of validation is still charged to each node by the
 * wire; only the CPU work is shared. A node with different rules (an
 * attacker) must not use bstore_verdict.
 *
 * Thread safety: one mutex guards the maps and the derivations; block fields
 * are published through block.rooted and block.verdict (release/acquire). */
#ifndef CHAINSIM_CHAIN_BSTORE_H
#define CHAINSIM_CHAIN_BSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "chain/block.h"
#include "chain/params.h"

typedef struct bstore bstore;

/* Makes a store whose genesis is `genesis` (index 1; one reference is taken
 * over). The genesis is trusted: rooted and VALID without proof-of-work or
 * difficulty checks; its "0"-sender transactions set the starting balances
 * (a genesis whose transactions do not apply aborts: a programmer error).
 * `params` is copied (NULL or zero fields take defaults). */
bstore *bstore_new(const chain_params *params, block *genesis);
/* Frees the store and every block in it. bstore_free(NULL) does nothing. */
void bstore_free(bstore *s);

/* Chains (chain.h) mark the blocks they hold in a bitmap per block; the
 * store sizes those bitmaps for n chains. Call once, right after
 * bstore_new, before any other block is interned or chain made. Without it
 * the store serves up to 64 chains. */
void bstore_reserve_holders(bstore *s, int n);
/* A new chain's slot in the holder bitmaps (aborts past the reservation). */
int bstore_new_holder(bstore *s);
/* Clears a slot's bit in every block (a chain that lost everything). */
void bstore_forget_holder(bstore *s, int slot);

const chain_params *bstore_params(const bstore *s);
block *bstore_genesis(const bstore *s);

/* Interns `b`: takes over the caller's reference and returns the store's
 * block with that hash (b itself, or an existing equal block, in which case
 * b is released; interning a block that is already the store's does
 * nothing). If b's parent is rooted, b is rooted now, and so is every
 * interned block that waited for b. Never fails. */
block *bstore_intern(bstore *s, block *b);
/* The interned block with this hash, or NULL. */
block *bstore_get(bstore *s, const uint8_t hash[SHA256_LEN]);
/* Same, by 64-digit hex; NULL if absent or not hex. */
block *bstore_get_hex(bstore *s, const char *hex);

/* Valid or invalid, computing (and caching) the verdict of a rooted block
 * and of its ancestors as needed. Returns BLOCK_VALID (b->ledger set) or
 * BLOCK_INVALID with b->reason, the first failing check of:
 * REJ_BLK_PARENT_INVALID, b->self_check, REJ_BLK_INDEX, REJ_BLK_DIFFICULTY
 * (!= params difficulty), REJ_BLK_DUP_TX (an id twice in b or already in the
 * parent's branch; STRICT only, as classic nodes allow replays),
 * REJ_BLK_REWARD, REJ_BLK_TX (ledger_apply at the parent). BLOCK_UNKNOWN
 * only if b is not rooted. */
block_verdict bstore_verdict(bstore *s, block *b);

/* True if a transaction with this id is in `tip` or one of its ancestors.
 * `tip` must be rooted with indices that count heights (any VALID block). */
bool bstore_tx_in_branch(bstore *s, const char *id, const block *tip);

/* Number of interned blocks. */
size_t bstore_count(bstore *s);

/* The genesis of a run: the classic one ({"index": 1, "previous_hash": "0",
 * "proof": 16552, "transactions": []}, difficulty 16) or ours: index 1,
 * previous_hash "0", timestamp 0, miner "", the given difficulty (the nonce
 * search costs ~2^difficulty hashes), and one "0" -> name transaction per
 * starting balance, sorted by name, with id "genesis-<name>" (or
 * "genesis-<32 hex of SHA-256(name)>" when the name is long or not ASCII).
 * Deterministic. Returns a new block with one reference, or NULL if a name
 * repeats or a name or amount breaks the tx rules (tx_check_fields). */
block *genesis_classic(void);
block *genesis_with_balances(const char *const *names, const int64_t *amounts,
                             size_t n, int difficulty);

#endif
