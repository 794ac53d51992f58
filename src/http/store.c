/* store.c - the durable state of a standalone node (see store.h): the data
 * dir's lock, the database's tables, the writes the node's sink makes, and
 * reading it all back at start.
 *
 * Every write is a single statement in SQLite's autocommit mode, so it is
 * its own transaction, committed with synchronous=FULL (the WAL is fsync'ed)
 * before sqlite3_step returns. A statement that changes nothing (a block
 * stored already) writes nothing and costs no fsync. */
#include "http/store_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/hex.h"
#include "util/json_strict.h"
#include "util/log.h"
#include "util/mem.h"

static const char store__schema[] =
    "CREATE TABLE IF NOT EXISTS blocks (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
    " canon BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS peers (seq INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE,"
    " sum TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
    " sum TEXT NOT NULL) WITHOUT ROWID;";

void store__path(char *out, const char *dir, const char *file) {
    snprintf(out, PATH_MAX, "%s/%s", dir, file);
}

bool store__exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t err_len) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return true;
    snprintf(err, err_len, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return false;
}

/* Opens path read-write (flags as sqlite3_open_v2) with synchronous=FULL,
 * which is per connection; journal_mode=WAL is kept in the file (set by
 * store__create). NULL with a message in err. */
static sqlite3 *store__db_open(const char *path, int flags, char *err, size_t err_len) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    char what[PATH_MAX + 32];
    snprintf(what, sizeof what, "%s: synchronous=FULL", path);
    if (!store__exec(db, "PRAGMA synchronous=FULL;", what, err, err_len)) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static bool store__sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

bool store__create(store *s, char *err, size_t err_len) {
    sqlite3 *db = store__db_open(s->db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, err_len);
    if (!db) return false;
    char what[PATH_MAX + 32];
    snprintf(what, sizeof what, "%s: creating the tables", s->db_path);
    char sql[sizeof store__schema + 128];
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=WAL; BEGIN; %s PRAGMA application_id=%d;"
             " PRAGMA user_version=%d; COMMIT;", store__schema, STORE_APP_ID, STORE_FORMAT);
    if (!store__exec(db, sql, what, err, err_len)) {
        sqlite3_close(db);
        return false;
    }
    store__sync_dir(s->dir); /* the new file's name must survive a crash too */
    s->db = db;
    return true;
}

void store__row_sum(char out[STORE_SUM_HEX + 1], const char *table, const char *key,
                    const char *value) {
    buf b;
    buf_init(&b);
    buf_append(&b, table, strlen(table) + 1);
    buf_append(&b, key, strlen(key) + 1);
    buf_append(&b, value, strlen(value));
    uint8_t h[SHA256_LEN];
    sha256(h, b.data, b.len);
    buf_cleanup(&b);
    char hex[2 * SHA256_LEN + 1];
    hex_encode(hex, h, SHA256_LEN);
    memcpy(out, hex, STORE_SUM_HEX);
    out[STORE_SUM_HEX] = '\0';
}

/* Runs a prepared write with its bindings done; *changed as sqlite3_changes. */
static bool store__step_write(sqlite3 *db, sqlite3_stmt *st, bool *changed, const char *what,
                              char *err, size_t err_len) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, err_len, "%s: %s", what, sqlite3_errmsg(db));
        return false;
    }
    if (changed) *changed = sqlite3_changes(db) > 0;
    return true;
}

static sqlite3_stmt *store__prepare(sqlite3 *db, const char *sql, const char *what, char *err,
                                    size_t err_len) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "%s: %s", what, sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

/* Runs an INSERT whose parameters are the texts given (up to 3, NULL ends
 * them early); *added (if non-NULL) tells whether a row was written. */
static bool store__write_texts(sqlite3 *db, const char *sql, const char *what, const char *a,
                               const char *b, const char *c, bool *added, char *err, size_t err_len) {
    sqlite3_stmt *st = store__prepare(db, sql, what, err, err_len);
    if (!st) return false;
    const char *texts[] = {a, b, c};
    for (int i = 0; i < 3 && texts[i]; i++) sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
    return store__step_write(db, st, added, what, err, err_len);
}

bool store__put_meta(sqlite3 *db, const char *key, const char *value, char *err, size_t err_len) {
    char what[PATH_MAX + 96], sum[STORE_SUM_HEX + 1];
    snprintf(what, sizeof what, "%s: cannot store %s", sqlite3_db_filename(db, "main"), key);
    store__row_sum(sum, "meta", key, value);
    return store__write_texts(db, "INSERT OR REPLACE INTO meta (key, value, sum) VALUES (?, ?, ?)", what,
                              key, value, sum, NULL, err, err_len);
}

bool store__insert_block(sqlite3 *db, const char *hash_hex, const void *canon, size_t len,
                         bool *added, char *err, size_t err_len) {
    char what[PATH_MAX + 96];
    snprintf(what, sizeof what, "%s: cannot store block %.16s...", sqlite3_db_filename(db, "main"), hash_hex);
    sqlite3_stmt *st = store__prepare(db, "INSERT OR IGNORE INTO blocks (hash, canon) VALUES (?, ?)",
                                      what, err, err_len);
    if (!st) return false;
    sqlite3_bind_text(st, 1, hash_hex, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, canon, (int)len, SQLITE_STATIC);
    return store__step_write(db, st, added, what, err, err_len);
}

bool store__insert_peer(sqlite3 *db, const char *url, bool *added, char *err, size_t err_len) {
    char what[PATH_MAX + 256], sum[STORE_SUM_HEX + 1];
    snprintf(what, sizeof what, "%s: cannot store peer %.200s", sqlite3_db_filename(db, "main"), url);
    store__row_sum(sum, "peers", url, "");
    return store__write_texts(db, "INSERT OR IGNORE INTO peers (url, sum) VALUES (?, ?)", what, url, sum,
                              NULL, added, err, err_len);
}

block *store__block_decode(const char *text, size_t len, ledger_rules rules, char *why,
                           size_t why_len) {
    json_strict_error jerr;
    cJSON *obj = json_strict_parse(text, len, JSON_STRICT_EXACT_INTEGERS, &jerr);
    if (!cJSON_IsObject(obj)) {
        if (obj) snprintf(why, why_len, "not a JSON object");
        else json_strict_describe(&jerr, why, why_len);
        cJSON_Delete(obj);
        return NULL;
    }
    reject r = REJ_NONE;
    char detail[200] = "";
    block *b = block_from_json(obj, rules, &r, detail, sizeof detail);
    cJSON_Delete(obj);
    if (!b) snprintf(why, why_len, "%s", detail[0] ? detail : reject_message(r));
    return b;
}

/* ---- the lock ------------------------------------------------------------ */

/* The pid written in a lock file held by another process: it writes it
 * right after taking the lock, so a start that races with it waits briefly. */
static long store__lock_holder(int fd) {
    for (int attempt = 0; attempt < 50; attempt++) {
        char text[32] = "";
        ssize_t got = pread(fd, text, sizeof text - 1, 0);
        char *end = NULL;
        long pid = got > 0 ? strtol(text, &end, 10) : 0;
        if (pid > 0 && end && *end == '\n') return pid;
        nanosleep(&(struct timespec){.tv_nsec = 2 * 1000000L}, NULL);
    }
    return 0;
}

/* Takes DIR/lock; its descriptor, or -1 with *why and a message. */
static int store__lock(const char *dir, store_fail *why, char *err, size_t err_len) {
    char path[PATH_MAX];
    store__path(path, dir, STORE_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            long pid = store__lock_holder(fd);
            *why = STORE_FAIL_IN_USE;
            if (pid > 0) snprintf(err, err_len, "data dir %s is in use by another chainsim (pid %ld)", dir, pid);
            else snprintf(err, err_len, "data dir %s is in use by another chainsim (pid unknown)", dir);
        } else {
            snprintf(err, err_len, "%s: cannot lock: %s", path, strerror(errno));
        }
        close(fd);
        return -1;
    }
    char text[32];
    int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static bool store__mkdir(const char *dir, char *err, size_t err_len) {
    if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return true;
        snprintf(err, err_len, "--data-dir %s: not a directory", dir);
        return false;
    }
    snprintf(err, err_len, "--data-dir %s: %s", dir, strerror(errno));
    return false;
}

/* ---- opening ------------------------------------------------------------- */

static bool store__parse_u64(const char *text, uint64_t *out) {
    if (!text[0] || strlen(text) > 20) return false;
    for (const char *p = text; *p; p++)
        if (*p < '0' || *p > '9') return false;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno) return false;
    *out = (uint64_t)v;
    return true;
}

static void store__add_peer_url(store *s, const char *url) {
    s->peers = xgrow(s->peers, &s->cap_peers, s->n_peers + 1, sizeof *s->peers);
    s->peers[s->n_peers++] = xstrdup(url);
}

/* Reads meta and peers (checked already by store__check or written by
 * store__salvage) into s. */
static bool store__read(store *s, char *err, size_t err_len) {
    sqlite3_stmt *st = store__prepare(s->db, "SELECT key, value FROM meta", s->db_path, err, err_len);
    if (!st) return false;
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        if (!key || !value) continue;
        if (strcmp(key, "name") == 0) {
            free(s->name);
            s->name = xstrdup(value);
        } else if (strcmp(key, "tx_ids_reserved") == 0 && !store__parse_u64(value, &s->tx_reserved)) {
            snprintf(err, err_len, "%s: tx_ids_reserved is not a number: '%.40s'", s->db_path, value);
            ok = false;
        } else if (strcmp(key, "imported") == 0) {
            free(s->imported);
            s->imported = xstrdup(value);
        }
    }
    sqlite3_finalize(st);
    if (!ok) return false;
    st = store__prepare(s->db, "SELECT url FROM peers ORDER BY seq", s->db_path, err, err_len);
    if (!st) return false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(st, 0);
        if (url) store__add_peer_url(s, url);
    }
    sqlite3_finalize(st);
    st = store__prepare(s->db, "SELECT count(*) FROM blocks", s->db_path, err, err_len);
    if (!st) return false;
    if (sqlite3_step(st) == SQLITE_ROW) s->n_blocks = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return true;
}

store *store_open(const char *dir, bool recover, store_fail *why, char *err, size_t err_len) {
    *why = STORE_FAIL_IO;
    if (!store__mkdir(dir, err, err_len)) return NULL;
    int fd = store__lock(dir, why, err, err_len);
    if (fd < 0) return NULL;
    store *s = xcalloc(1, sizeof *s);
    s->dir = xstrdup(dir);
    s->db_path = xmalloc(PATH_MAX);
    store__path(s->db_path, dir, STORE_DB_FILE);
    s->lock_fd = fd;
    s->recover = recover;
    struct stat sb;
    if (stat(s->db_path, &sb) != 0) {
        if (errno == ENOENT) goto opened; /* a new data dir: store_load makes the file */
        snprintf(err, err_len, "%s: %s", s->db_path, strerror(errno));
        goto fail;
    }
    bool is_new = false;
    char detail[512];
    if (store__check(s->db_path, &is_new, detail, sizeof detail)) {
        if (is_new) goto opened;
        s->db = store__db_open(s->db_path, SQLITE_OPEN_READWRITE, err, err_len);
        /* Fold what the last run left in the WAL into the file. */
        if (!s->db || !store__exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE);", s->db_path, err, err_len))
            goto fail;
    } else if (!recover) {
        *why = STORE_FAIL_DAMAGED;
        snprintf(err, err_len,
                 "%s is damaged: %s. Nothing was changed. Restore the data dir from a backup, or "
                 "start with --recover: the damaged file is kept as %s.damaged-TIME and the node "
                 "starts with every block, peer and setting that can still be read from it",
                 s->db_path, detail, STORE_DB_FILE);
        goto fail;
    } else if (!store__salvage(s, detail, err, err_len)) {
        goto fail;
    }
    if (!store__read(s, err, err_len)) goto fail;
opened:
    *why = STORE_FAIL_NONE;
    return s;
fail:
    store_close(s);
    return NULL;
}

const char *store_name(const store *s) { return s->name; }

size_t store_peers(const store *s, const char *const **urls) {
    *urls = (const char *const *)s->peers;
    return s->n_peers;
}

size_t store_count(const store *s) { return s->n_blocks; }

/* ---- loading ------------------------------------------------------------- */

/* The largest N of the ids "NAME-N" among b's transactions (the node cuts
 * NAME to 40 bytes in its ids, node_tx.c), or 0. */
static uint64_t store__max_own_id(const block *b, const char *name) {
    size_t plen = strnlen(name, 40);
    uint64_t max = 0, v;
    for (size_t i = 0; i < b->n_txs; i++) {
        const char *id = b->txs[i]->id;
        if (strncmp(id, name, plen) == 0 && id[plen] == '-' && store__parse_u64(id + plen + 1, &v) &&
            v > max)
            max = v;
    }
    return max;
}

cs_err store_load(store *s, bstore *st, const char *name, block ***blocks, size_t *n,
                  uint64_t *tx_counter, store_fail *why, char *err, size_t err_len) {
    *blocks = NULL;
    *n = 0;
    *tx_counter = 0;
    *why = STORE_FAIL_IO;
    ledger_rules rules = bstore_params(st)->ledger;
    if (!store__import_jsonl(s, rules, why, err, err_len)) return *why == STORE_FAIL_DAMAGED ? CS_EINVAL : CS_EIO;
    if (!s->db && !store__create(s, err, err_len)) return CS_EIO;
    if (!s->name) {
        if (!store__put_meta(s->db, "name", name, err, err_len)) return CS_EIO;
        s->name = xstrdup(name);
    }
    sqlite3_stmt *q = store__prepare(s->db, "SELECT seq, hash, canon FROM blocks ORDER BY seq", s->db_path,
                                     err, err_len);
    if (!q) return CS_EIO;
    size_t cap = 0;
    uint64_t counter = s->tx_reserved;
    cs_err e = CS_OK;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(q, 1);
        const char *canon = sqlite3_column_blob(q, 2);
        size_t len = (size_t)sqlite3_column_bytes(q, 2);
        char reason[256] = "its bytes differ from its canonical form";
        block *b = store__block_decode(canon, len, rules, reason, sizeof reason);
        if (!b || !hash || strcmp(b->hash_hex, hash) != 0 || b->canon_len != len ||
            memcmp(b->canon, canon, len) != 0) {
            *why = STORE_FAIL_DAMAGED;
            snprintf(err, err_len, "%s: block row %lld cannot be read back: %s", s->db_path,
                     (long long)sqlite3_column_int64(q, 0), reason);
            block_unref(b);
            e = CS_EINVAL;
            break;
        }
        b = bstore_intern(st, b);
        uint64_t own = store__max_own_id(b, name);
        if (own > counter) counter = own;
        *blocks = xgrow(*blocks, &cap, *n + 1, sizeof **blocks);
        (*blocks)[(*n)++] = b;
    }
    if (e == CS_OK && rc != SQLITE_DONE) {
        snprintf(err, err_len, "%s: reading the blocks: %s", s->db_path, sqlite3_errmsg(s->db));
        e = CS_EIO;
    }
    sqlite3_finalize(q);
    if (e != CS_OK) {
        free(*blocks);
        *blocks = NULL;
        *n = 0;
        return e;
    }
    *why = STORE_FAIL_NONE;
    *tx_counter = counter;
    return CS_OK;
}

/* ---- writes -------------------------------------------------------------- */

cs_err store_put_block(store *s, const block *b, char *err, size_t err_len) {
    bool added = false;
    if (!store__insert_block(s->db, b->hash_hex, b->canon, b->canon_len, &added, err, err_len))
        return CS_EIO;
    if (added) s->n_blocks++;
    return CS_OK;
}

cs_err store_put_peer(store *s, const char *url, char *err, size_t err_len) {
    bool added = false;
    if (!store__insert_peer(s->db, url, &added, err, err_len)) return CS_EIO;
    if (added) store__add_peer_url(s, url);
    return CS_OK;
}

cs_err store_tx_ids_used(store *s, uint64_t counter, char *err, size_t err_len) {
    if (counter <= s->tx_reserved) return CS_OK;
    uint64_t reserve = counter + STORE_TX_ID_BATCH;
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, reserve);
    if (!store__put_meta(s->db, "tx_ids_reserved", text, err, err_len)) return CS_EIO;
    s->tx_reserved = reserve;
    return CS_OK;
}

void store_close(store *s) {
    if (!s) return;
    sqlite3_close(s->db); /* the last connection: folds the WAL into the file */
    if (s->lock_fd >= 0) close(s->lock_fd);
    for (size_t i = 0; i < s->n_peers; i++) free(s->peers[i]);
    free(s->peers);
    free(s->name);
    free(s->imported);
    free(s->db_path);
    free(s->dir);
    free(s);
}
