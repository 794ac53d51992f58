/* store.h - the durable state of a standalone node (--data-dir), in SQLite.
 *
 * DIR/node.db (WAL mode, synchronous=FULL) holds what makes a restarted
 * node the same node:
 *
 *   | table  | columns                                   | what                        |
 *   |--------|-------------------------------------------|-----------------------------|
 *   | blocks | seq INTEGER PRIMARY KEY, hash TEXT UNIQUE,| every block the node        |
 *   |        | canon BLOB                                | accepted, in that order;    |
 *   |        |                                           | canon = its canonical bytes,|
 *   |        |                                           | hash = their SHA-256 (hex)  |
 *   | peers  | seq INTEGER PRIMARY KEY, url TEXT UNIQUE, | registered peers, in order  |
 *   |        | sum TEXT                                  |                             |
 *   | meta   | key TEXT PRIMARY KEY, value TEXT, sum TEXT| name, tx_ids_reserved,      |
 *   |        |                                           | imported                    |
 *
 * `sum` is the start of a SHA-256 of the row (store__row_sum), as the hash
 * is for a block: every row is checked when the store opens, so a flipped
 * byte is found even where SQLite's own `PRAGMA quick_check`, which checks
 * the file's structure and not its contents, sees nothing.
 *
 * Durability: each write is one SQLite transaction, committed (and so
 * fsync'ed) before the call returns; the node's event sink calls it inside
 * the event, before the request that caused it is answered.
 *
 * Transaction ids: the node names the transactions it makes NAME-N with a
 * counter. The store keeps a reservation, tx_ids_reserved >= every N handed
 * out: when the counter passes it, STORE_TX_ID_BATCH more are reserved (one
 * commit per batch, not per transaction). A restart goes on above the
 * reservation, so no id is used twice, at the cost of a gap.
 *
 * A damaged file (quick_check fails, a row's hash or sum does not match) is
 * never changed: the store refuses to open, saying what to do, unless
 * `recover` is set; then the file (with its -wal) is renamed
 * node.db.damaged-TIME and every row that can still be read and checks out
 * is copied into a new node.db.
 *
 * DIR/lock is held with flock(2) while the store is open and holds the
 * holder's pid: a second process on the same DIR is refused.
 *
 * DIR/blocks.jsonl (the format before the database: a block's wire JSON a
 * line) is imported once by store_load and then renamed
 * blocks.jsonl.imported. A damaged line stops the import (nothing is
 * written) unless `recover` is set; then every intact line is imported.
 *
 * Threads: one thread at a time (the main thread until the node starts,
 * then the node's sink). */
#ifndef CHAINSIM_HTTP_STORE_H
#define CHAINSIM_HTTP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/bstore.h"
#include "util/err.h"

#define STORE_DB_FILE "node.db"
#define STORE_LOCK_FILE "lock"
#define STORE_JSONL_FILE "blocks.jsonl"
#define STORE_JSONL_IMPORTED "blocks.jsonl.imported"
/* Transaction ids reserved per commit (the most a restart skips). */
#define STORE_TX_ID_BATCH 1000
/* Longest old-format line read back (the largest block chainsim makes fits). */
#define STORE_JSONL_MAX_LINE ((size_t)16 << 20)

typedef struct store store;

/* Why store_open failed; the message says the rest. */
typedef enum store_fail {
    STORE_FAIL_NONE = 0,
    STORE_FAIL_IN_USE,   /* another process holds DIR/lock */
    STORE_FAIL_DAMAGED,  /* node.db or blocks.jsonl is damaged, nothing changed */
    STORE_FAIL_IO,       /* a file or SQLite call failed */
} store_fail;

/* Opens DIR (creating it if needed): takes the lock, then opens and checks
 * DIR/node.db if it exists (a new one is made by store_load). With recover,
 * a damaged node.db is moved aside and what can be read is copied into a
 * new one (a warning says what was kept and where the old file is).
 * Returns the store, or NULL with *why and a message in err that names the
 * file and says what to do. */
store *store_open(const char *dir, bool recover, store_fail *why, char *err, size_t err_len);

/* The stored name, or NULL for a new data dir. Owned by the store. */
const char *store_name(const store *s);

/* The stored peers' URLs, in registration order; *urls belongs to the store
 * (valid until the next store call that adds a peer). */
size_t store_peers(const store *s, const char *const **urls);

/* Finishes opening: imports DIR/blocks.jsonl if it is there and not yet
 * imported, records `name` if none is stored, then decodes every stored
 * block and interns it in st. Returns CS_OK with *blocks (an array the
 * caller frees; the blocks belong to st) and *n in the order they were
 * accepted, and *tx_counter: where the node's transaction counter goes on
 * (above the reservation and above every NAME-N id in the blocks). Else a
 * message in err (and *why): a damaged old log without recover
 * (STORE_FAIL_DAMAGED, nothing written), or a failed write (STORE_FAIL_IO). */
cs_err store_load(store *s, bstore *st, const char *name, block ***blocks, size_t *n,
                  uint64_t *tx_counter, store_fail *why, char *err, size_t err_len);

/* Stores b unless it is there already, in one committed transaction.
 * CS_OK, or CS_EIO with a message in err. */
cs_err store_put_block(store *s, const block *b, char *err, size_t err_len);
/* Stores a peer's URL unless it is there already. CS_OK or CS_EIO. */
cs_err store_put_peer(store *s, const char *url, char *err, size_t err_len);
/* The node's transaction counter is at `counter`: if that passes the
 * reservation, reserves up to counter + STORE_TX_ID_BATCH. CS_OK or CS_EIO. */
cs_err store_tx_ids_used(store *s, uint64_t counter, char *err, size_t err_len);

/* Number of stored blocks. */
size_t store_count(const store *s);

/* Closes the database (checkpointing its WAL into node.db) and releases the
 * lock. store_close(NULL) does nothing. */
void store_close(store *s);

#endif
