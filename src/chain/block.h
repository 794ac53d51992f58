/* block.h - a block: immutable contents plus facts derived once and shared.
 *
 * Wire format (canonical JSON, keys sorted; "hash" is not part of what is
 * hashed):
 *
 *   | field         | type    | meaning                                     |
 *   |---------------|---------|---------------------------------------------|
 *   | difficulty    | integer | leading zero bits the hash must have        |
 *   | hash          | string  | 64 hex: SHA-256 of the canonical JSON of    |
 *   |               |         | all other fields                            |
 *   | index         | integer | height; the genesis is 1                    |
 *   | miner         | string  | who sealed it                               |
 *   | previous_hash | string  | parent's hash ("0" for the genesis)         |
 *   | proof         | integer | the nonce                                   |
 *   | timestamp     | integer | ms of sim time when sealed                  |
 *   | transactions  | array   | the reward first, then the others           |
 *
 * Blocks from classic nodes lack difficulty, miner and timestamp; their
 * canonical bytes are exactly what they carried, their difficulty is 16 (the
 * classic "0000" hex prefix) and miner "" and timestamp 0.
 *
 * Ownership: a block is created with one reference (block_new,
 * block_from_json). It owns one reference to each of its txs and, once the
 * store sets it, one reference to b->ledger; both are released with the
 * block. Once interned in a bstore (bstore.h) the store holds it
 * until the store is freed, so nodes, messages and the view borrow interned
 * blocks without counting. The "derived" fields are written by the store,
 * once, under its lock, and published by the `rooted` / `verdict` atomics
 * (release/acquire), so any thread may read them after checking those. */
#ifndef CHAINSIM_CHAIN_BLOCK_H
#define CHAINSIM_CHAIN_BLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/params.h"
#include "chain/reject.h"
#include "chain/sha256.h"
#include "chain/tx.h"
#include "util/buf.h"

struct cJSON;
struct ledger;

#define BLOCK_HASH_HEX_LEN 64

typedef enum block_verdict {
    BLOCK_UNKNOWN = 0, /* not yet checked against its branch */
    BLOCK_VALID,
    BLOCK_INVALID,
} block_verdict;

typedef struct block {
    atomic_int refs;

    /* ---- contents, immutable ---- */
    int64_t index;
    char prev_hash[BLOCK_HASH_HEX_LEN + 1]; /* hex, or "0" for a genesis */
    uint64_t proof;
    int64_t timestamp_ms;
    int difficulty;
    char *miner;
    tx **txs;            /* one reference each */
    size_t n_txs;
    char *canon;         /* canonical JSON without "hash", NUL-terminated */
    size_t canon_len;
    uint8_t hash[SHA256_LEN];
    char hash_hex[BLOCK_HASH_HEX_LEN + 1];
    size_t wire_bytes;   /* bytes of block_to_json's output */
    int64_t sim_bytes;   /* simulated size drawn for it by its miner
                            (chain.block_size), set before it is interned,
                            never after; 0 = none (not part of the hash) */
    reject self_check;   /* checks that need no parent: REJ_NONE, REJ_BLK_POW, ... */

    /* ---- derived by the store (bstore.c), shared by every node ---- */
    atomic_bool rooted;       /* parent chain reaches the genesis; then: */
    struct block *parent;     /*   the parent block (NULL for the genesis) */
    struct block *skip;       /*   an ancestor further back, for block_ancestor */
    double rel_difficulty;    /*   difficulty relative to the chain's
                                   starting one: 1 unless retargeting
                                   (chain/retarget.h) changed it */
    double cum_work;          /*   sum of 2^difficulty x rel_difficulty,
                                   genesis included */
    atomic_int verdict;       /* block_verdict; once VALID or INVALID: */
    reject reason;            /*   why INVALID */
    struct ledger *ledger;    /*   balances after this block, if VALID */
    /* Which chains hold this block: bit `slot` of every chain.c that holds
     * it (bstore_new_holder). Node-owned facts kept here because one bit per
     * node per block is far smaller, and far hotter in cache, than a set per
     * node; each chain only touches its own bit, atomically. Allocated by
     * the store at intern time. */
    _Atomic uint64_t *holders;
} block;

/* Builds a block from its fields and computes its canonical bytes and hash.
 * Takes a new reference on each tx; copies the strings (miner NULL = "";
 * prev_hash 1..64 bytes, both valid UTF-8: asserted). Never fails: what is
 * wrong with the fields is recorded in self_check, in this order:
 * REJ_BLK_MALFORMED (index < 1, timestamp < 0, difficulty outside 0..255),
 * REJ_BLK_TOO_BIG (more than CHAIN_MAX_BLOCK_TXS txs), REJ_BLK_POW (fewer
 * than `difficulty` leading zero bits), else REJ_NONE. A genesis (index 1,
 * prev "0") is checked the same way. Returns a block with one reference. */
block *block_new(int64_t index, const char *prev_hash, uint64_t proof,
                 int64_t timestamp_ms, int difficulty, const char *miner,
                 tx *const *txs, size_t n_txs);

/* Parses a block object from a peer. Required: index (integer >= 1),
 * previous_hash (string of 1..64 bytes), proof (integer >= 0), transactions
 * (array of tx objects, parsed with tx_from_json under `rules`). Optional:
 * difficulty (integer 0..255, default 16), miner (string, default ""),
 * timestamp (integer >= 0, default 0), hash (string). Other members are kept:
 * the canonical bytes are canon_write_json of the object without "hash".
 *
 * Only a block that passes every check that needs no parent is returned, so
 * the result always has self_check == REJ_NONE. Otherwise returns NULL with
 * *why (if why is non-NULL) and a message in detail[0..detail_len) (detail
 * may be NULL), checked in this order:
 *   REJ_BLK_MALFORMED  a field missing or of the wrong type or range, a tx
 *                      malformed ("transactions[2].amount: expected an
 *                      integer"), or not canonical JSON (fractions, numbers
 *                      beyond 2^53, bad UTF-8, duplicate keys);
 *   REJ_BLK_TOO_BIG    more than CHAIN_MAX_BLOCK_TXS transactions;
 *   REJ_BLK_TX         a tx breaks a field rule (tx_check_fields) in STRICT;
 *   REJ_BLK_HASH       a stated "hash" (hex, either case) differs from the
 *                      SHA-256 of the canonical bytes;
 *   REJ_BLK_POW        the hash has fewer leading zero bits than difficulty. */
block *block_from_json(const struct cJSON *obj, ledger_rules rules, reject *why,
                       char *detail, size_t detail_len);

/* Appends the wire JSON: {"hash": "...", <canonical members>}, i.e.
 * `{"hash": "<hex>", ` followed by the canonical bytes after their leading
 * `{`. Exactly b->wire_bytes bytes. */
void block_to_json(buf *out, const block *b);

block *block_ref(block *b);
/* Drops one reference; frees at zero. block_unref(NULL) does nothing. */
void block_unref(block *b);

/* The ancestor of a rooted block at the given index (<= b->index; b itself
 * at b->index), in O(log n) steps through the skip pointers; NULL if
 * index < 1 or index > b->index, or if the lineage holds no block of that
 * index (indices that do not grow by one, which only an invalid branch has). */
const block *block_ancestor(const block *b, int64_t index);

/* The work a block of this difficulty adds: 2^difficulty. */
double block_work(int difficulty);

/* Leading hex zeros of the hash, for display ("0000ea85..." -> 4). */
int block_hash_zero_digits(const block *b);

#endif
