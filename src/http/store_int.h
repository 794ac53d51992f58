/* store_int.h - what store.c (opening, writes, loading) and store_repair.c
 * (checking a file, --recover, the old-format import) share. */
#ifndef CHAINSIM_HTTP_STORE_INT_H
#define CHAINSIM_HTTP_STORE_INT_H

#include <sqlite3.h>

#include "http/store.h"

/* PRAGMA application_id of a node database ("csnd"), and its format. */
#define STORE_APP_ID 0x63736e64
#define STORE_FORMAT 1
/* Hex digits of a row's sum. */
#define STORE_SUM_HEX 16

struct store {
    char *dir;
    char *db_path;             /* DIR/node.db */
    int lock_fd;               /* DIR/lock, flock'ed */
    sqlite3 *db;               /* NULL until store_load makes a new file */
    bool recover;
    char *name;                /* stored name, or NULL */
    char **peers;              /* stored peer URLs */
    size_t n_peers, cap_peers;
    uint64_t tx_reserved;      /* meta tx_ids_reserved */
    char *imported;            /* meta imported: "blocks.jsonl sha256=HEX", or NULL */
    size_t n_blocks;
};

/* ---- store.c ---- */
/* Creates DIR/node.db with its tables, as s->db. False with a message. */
bool store__create(store *s, char *err, size_t err_len);
/* Runs SQL text with no results; false with "what: SQLite's message". */
bool store__exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t err_len);
/* The sum of a row: the first STORE_SUM_HEX hex digits of
 * SHA-256(table NUL key NUL value), NUL-terminated in out. */
void store__row_sum(char out[STORE_SUM_HEX + 1], const char *table, const char *key,
                    const char *value);
/* Writes a meta row (with its sum). False with a message. */
bool store__put_meta(sqlite3 *db, const char *key, const char *value, char *err, size_t err_len);
/* Inserts a block row (its hex hash and canonical bytes) unless the hash is
 * there; *added tells which. */
bool store__insert_block(sqlite3 *db, const char *hash_hex, const void *canon, size_t len,
                         bool *added, char *err, size_t err_len);
/* Inserts a peer row unless its URL is there; *added tells which. */
bool store__insert_peer(sqlite3 *db, const char *url, bool *added, char *err, size_t err_len);
/* "DIR/FILE" into out (which holds PATH_MAX). */
void store__path(char *out, const char *dir, const char *file);

/* The one place stored block JSON is decoded: text[0..len) must pass
 * json_strict (RFC 8259 exactly, integers exact, nothing after the value)
 * and be an object, then block_from_json under rules (which checks a
 * stated "hash"). Returns the block (one reference), or NULL with the
 * reason in why. */
block *store__block_decode(const char *text, size_t len, ledger_rules rules, char *why,
                           size_t why_len);

/* ---- store_repair.c ---- */
/* Checks an existing node.db on a read-only connection: its identity,
 * PRAGMA quick_check, and every row against its hash or sum. Returns true
 * if it is sound (*is_new when it holds no tables yet: a file whose
 * creation did not finish); false with what is wrong in detail. */
bool store__check(const char *db_path, bool *is_new, char *detail, size_t detail_len);
/* --recover of a damaged node.db: moves it (and its -wal, -shm) aside,
 * creates a new s->db and copies into it every row that can be read and
 * checks out. Logs what was kept. False with a message if a file cannot be
 * moved or written. */
bool store__salvage(store *s, const char *damage, char *err, size_t err_len);
/* Imports DIR/blocks.jsonl (see store.h), creating s->db if needed; does
 * nothing if the file is not there. False with *why and a message. */
bool store__import_jsonl(store *s, ledger_rules rules, store_fail *why, char *err, size_t err_len);

#endif
