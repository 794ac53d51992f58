/* store_repair.c - what the store does with files it did not just write:
 * checking node.db at start, --recover of a damaged one, and the one-time
 * import of the old block log (blocks.jsonl).
 *
 * A check reads on a read-only connection, so a damaged file is never
 * written to (a read-write connection would checkpoint its WAL into it on
 * close). --recover reads the moved-aside file row by row with point
 * lookups on the primary key, so a damaged page costs the rows on it and
 * not every row after it, as a table scan would. */
#include "http/store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/file.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/mem.h"

/* Meta keys the store writes (store.h); salvage looks each one up. */
static const char *const store__meta_keys[] = {"name", "tx_ids_reserved", "imported"};

static bool store__block_row_ok(const char *hash, const void *canon, size_t len) {
    if (!hash || (!canon && len)) return false;
    uint8_t h[SHA256_LEN];
    sha256(h, canon, len);
    char hex[2 * SHA256_LEN + 1];
    hex_encode(hex, h, SHA256_LEN);
    return strcmp(hex, hash) == 0;
}

static bool store__sum_ok(const char *table, const char *key, const char *value, const char *sum) {
    if (!key || !value || !sum) return false;
    char want[STORE_SUM_HEX + 1];
    store__row_sum(want, table, key, value);
    return strcmp(want, sum) == 0;
}

/* One integer from a query with no parameters; false on any error. */
static bool store__query_int(sqlite3 *db, const char *sql, int64_t *out) {
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (ok) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok;
}

/* Checks every row of the three tables; false with the first bad one. */
static bool store__check_rows(sqlite3 *db, char *detail, size_t detail_len) {
    static const char *const queries[] = {
        "SELECT seq, hash, canon FROM blocks ORDER BY seq",
        "SELECT seq, url, sum FROM peers ORDER BY seq",
        "SELECT key, value, sum FROM meta",
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) != SQLITE_OK) {
            snprintf(detail, detail_len, "%s", sqlite3_errmsg(db));
            return false;
        }
        int rc;
        bool ok = true;
        while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *a = (const char *)sqlite3_column_text(st, 1);
            if (q == 0) {
                ok = store__block_row_ok(a, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
                if (!ok) snprintf(detail, detail_len, "block row %lld does not match its hash",
                                  (long long)sqlite3_column_int64(st, 0));
            } else if (q == 1) {
                ok = store__sum_ok("peers", a, "", (const char *)sqlite3_column_text(st, 2));
                if (!ok) snprintf(detail, detail_len, "peer row %lld does not match its sum",
                                  (long long)sqlite3_column_int64(st, 0));
            } else {
                const char *key = (const char *)sqlite3_column_text(st, 0);
                ok = store__sum_ok("meta", key, a, (const char *)sqlite3_column_text(st, 2));
                if (!ok) snprintf(detail, detail_len, "setting '%.40s' does not match its sum", key ? key : "");
            }
        }
        if (ok && rc != SQLITE_DONE) {
            snprintf(detail, detail_len, "%s", sqlite3_errmsg(db));
            ok = false;
        }
        sqlite3_finalize(st);
        if (!ok) return false;
    }
    return true;
}

/* SQLite's reports span lines; a message is one line. */
static void store__one_line(char *text) {
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

/* A read-only connection, with no pragma run yet (on a file that is not a
 * database even those fail). NULL with SQLite's reason in detail. */
static sqlite3 *store__open_readonly(const char *path, char *detail, size_t detail_len) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) return db;
    snprintf(detail, detail_len, "cannot be opened (%s)", db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
}

bool store__check(const char *db_path, bool *is_new, char *detail, size_t detail_len) {
    *is_new = false;
    sqlite3 *db = store__open_readonly(db_path, detail, detail_len);
    if (!db) return false;
    bool ok = false;
    int64_t app_id = 0, version = 0, tables = 0;
    if (!store__query_int(db, "PRAGMA application_id", &app_id) ||
        !store__query_int(db, "PRAGMA user_version", &version) ||
        !store__query_int(db, "SELECT count(*) FROM sqlite_master", &tables)) {
        snprintf(detail, detail_len, "not a readable SQLite database (%s)", sqlite3_errmsg(db));
        goto done;
    }
    if (app_id == 0 && tables == 0) { /* made, but its first transaction never committed */
        *is_new = true;
        ok = true;
        goto done;
    }
    if (app_id != STORE_APP_ID) {
        snprintf(detail, detail_len, "not a chainsim node database (application_id %" PRId64 ")", app_id);
        goto done;
    }
    if (version > STORE_FORMAT) {
        snprintf(detail, detail_len, "format %" PRId64 " is newer than this chainsim's (%d)", version,
                 STORE_FORMAT);
        goto done;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(detail, detail_len, "PRAGMA quick_check: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        goto done;
    }
    const char *first = (const char *)sqlite3_column_text(st, 0);
    if (!first || strcmp(first, "ok") != 0) {
        snprintf(detail, detail_len, "PRAGMA quick_check: %s", first ? first : "no answer");
        sqlite3_finalize(st);
        goto done;
    }
    sqlite3_finalize(st);
    ok = store__check_rows(db, detail, detail_len);
done:
    sqlite3_close(db);
    if (!ok) store__one_line(detail);
    return ok;
}

/* ---- --recover ----------------------------------------------------------- */

typedef struct store__salvaged {
    size_t blocks, peers, settings, lost;
    bool name;
} store__salvaged;

/* The highest seq of a table, or a bound from the file's size when the
 * table's last page cannot be read (a row takes more than 64 bytes). */
static int64_t store__last_seq(sqlite3 *old, const char *table, const char *path) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT max(seq) FROM %s", table);
    int64_t hi = 0;
    if (store__query_int(old, sql, &hi)) return hi;
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)(sb.st_size / 64) + 1 : 0;
}

/* Copies one row read from the old file if it checks out: 1 copied, 0 a
 * row that fails its check, -1 the write failed (message in err). */
typedef int (*store__copy_fn)(store *s, sqlite3_stmt *row, char *err, size_t err_len);

static int store__copy_peer(store *s, sqlite3_stmt *row, char *err, size_t err_len) {
    const char *url = (const char *)sqlite3_column_text(row, 0);
    if (!store__sum_ok("peers", url, "", (const char *)sqlite3_column_text(row, 1))) return 0;
    bool added;
    return store__insert_peer(s->db, url, &added, err, err_len) ? 1 : -1;
}

static int store__copy_block(store *s, sqlite3_stmt *row, char *err, size_t err_len) {
    const char *hash = (const char *)sqlite3_column_text(row, 0);
    const void *canon = sqlite3_column_blob(row, 1);
    size_t len = (size_t)sqlite3_column_bytes(row, 1);
    if (!store__block_row_ok(hash, canon, len)) return 0;
    bool added;
    return store__insert_block(s->db, hash, canon, len, &added, err, err_len) ? 1 : -1;
}

/* Looks up seq 1, 2, ... of a table in the old file one at a time with
 * `sql` and hands each row found to copy; counts the rows copied in *kept
 * and those unreadable or failing their check in *lost. False only if
 * writing fails. */
static bool store__copy_table(store *s, sqlite3 *old, const char *old_path, const char *table,
                              const char *sql, store__copy_fn copy, size_t *kept, size_t *lost,
                              char *err, size_t err_len) {
    sqlite3_stmt *st = NULL;
    int64_t hi = store__last_seq(old, table, old_path);
    if (sqlite3_prepare_v2(old, sql, -1, &st, NULL) != SQLITE_OK) {
        (*lost)++;
        hi = 0;
    }
    bool ok = true;
    for (int64_t seq = 1; ok && seq <= hi; seq++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, seq);
        int rc = sqlite3_step(st);
        int copied = rc == SQLITE_ROW ? copy(s, st, err, err_len) : 0;
        ok = copied >= 0;
        if (copied > 0) (*kept)++;
        else if (ok && rc != SQLITE_DONE) (*lost)++; /* unreadable, or read but failing its check */
    }
    sqlite3_finalize(st);
    return ok;
}

/* Copies the rows of `old` that read and check out into s->db (inside a
 * transaction of the caller's). False only if writing fails. */
static bool store__copy_rows(store *s, sqlite3 *old, const char *old_path, store__salvaged *got,
                             char *err, size_t err_len) {
    for (size_t k = 0; k < sizeof store__meta_keys / sizeof store__meta_keys[0]; k++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(old, "SELECT value, sum FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK) {
            got->lost++;
            break;
        }
        sqlite3_bind_text(st, 1, store__meta_keys[k], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        const char *value = (const char *)sqlite3_column_text(st, 0);
        bool copied = rc == SQLITE_ROW && store__sum_ok("meta", store__meta_keys[k], value,
                                                        (const char *)sqlite3_column_text(st, 1));
        bool written = !copied || store__put_meta(s->db, store__meta_keys[k], value, err, err_len);
        sqlite3_finalize(st);
        if (!written) return false;
        got->settings += copied;
        got->name |= copied && k == 0;
        if (!copied && rc != SQLITE_DONE) got->lost++;
    }
    return store__copy_table(s, old, old_path, "peers", "SELECT url, sum FROM peers WHERE seq = ?",
                             store__copy_peer, &got->peers, &got->lost, err, err_len) &&
           store__copy_table(s, old, old_path, "blocks", "SELECT hash, canon FROM blocks WHERE seq = ?",
                             store__copy_block, &got->blocks, &got->lost, err, err_len);
}

/* Renames path+suffix to aside+suffix if it exists. */
static bool store__move(const char *path, const char *aside, const char *suffix, char *err, size_t err_len) {
    char from[PATH_MAX + 8], to[PATH_MAX + 8];
    snprintf(from, sizeof from, "%s%s", path, suffix);
    snprintf(to, sizeof to, "%s%s", aside, suffix);
    if (rename(from, to) == 0 || errno == ENOENT) return true;
    snprintf(err, err_len, "cannot move %s aside to %s: %s", from, to, strerror(errno));
    return false;
}

bool store__salvage(store *s, const char *damage, char *err, size_t err_len) {
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    char aside[PATH_MAX];
    struct stat sb;
    snprintf(aside, sizeof aside, "%s.damaged-%s", s->db_path, stamp);
    for (int k = 2; stat(aside, &sb) == 0; k++) /* a second --recover in the same second */
        snprintf(aside, sizeof aside, "%s.damaged-%s-%d", s->db_path, stamp, k);
    /* The WAL first: were node.db moved alone, a crash here would leave a
     * WAL that SQLite applies to the next node.db. */
    if (!store__move(s->db_path, aside, "-wal", err, err_len) ||
        !store__move(s->db_path, aside, "-shm", err, err_len) ||
        !store__move(s->db_path, aside, "", err, err_len))
        return false;
    char ignored[256];
    sqlite3 *old = store__open_readonly(aside, ignored, sizeof ignored);
    store__salvaged got = {0};
    bool ok = store__create(s, err, err_len) &&
              store__exec(s->db, "BEGIN", s->db_path, err, err_len) &&
              (!old || store__copy_rows(s, old, aside, &got, err, err_len)) &&
              store__exec(s->db, "COMMIT", s->db_path, err, err_len);
    sqlite3_close(old);
    if (!ok) return false;
    log_warn("%s was damaged (%s): moved it to %s and recovered %zu blocks, %zu peers and %zu "
             "settings from it; %zu rows could not be read or failed their check%s",
             s->db_path, damage, aside, got.blocks, got.peers, got.settings, got.lost,
             got.name ? "" : "; the node's name was lost (it starts with --name or the default)");
    return true;
}

/* ---- the old block log --------------------------------------------------- */

/* The log's lines decoded. A last line without its newline is a write the
 * old log never acknowledged (it synced after the newline): skipped. */
typedef struct store__log {
    block **blocks;
    size_t n, cap;
    size_t bad, first_bad_line;
    char first_reason[256];
    buf skipped;          /* ", 7, 9": the damaged lines' numbers */
    size_t torn_bytes;
} store__log;

static void store__log_read(store__log *log, const char *data, size_t data_len, ledger_rules rules) {
    size_t pos = 0, line_no = 0;
    while (pos < data_len) {
        const char *nl = memchr(data + pos, '\n', data_len - pos);
        if (!nl) {
            log->torn_bytes = data_len - pos;
            break;
        }
        line_no++;
        size_t len = (size_t)(nl - (data + pos));
        char reason[256] = "longer than the longest block";
        block *b = len <= STORE_JSONL_MAX_LINE ? store__block_decode(data + pos, len, rules, reason, sizeof reason)
                                               : NULL;
        if (b) {
            log->blocks = xgrow(log->blocks, &log->cap, log->n + 1, sizeof *log->blocks);
            log->blocks[log->n++] = b;
        } else if (log->bad++ == 0) {
            log->first_bad_line = line_no;
            snprintf(log->first_reason, sizeof log->first_reason, "%s", reason);
        }
        if (!b) buf_printf(&log->skipped, ", %zu", line_no);
        pos += len + 1;
    }
}

static void store__log_cleanup(store__log *log) {
    for (size_t i = 0; i < log->n; i++) block_unref(log->blocks[i]);
    free(log->blocks);
    buf_cleanup(&log->skipped);
}

bool store__import_jsonl(store *s, ledger_rules rules, store_fail *why, char *err, size_t err_len) {
    char path[PATH_MAX], kept[PATH_MAX];
    store__path(path, s->dir, STORE_JSONL_FILE);
    store__path(kept, s->dir, STORE_JSONL_IMPORTED);
    *why = STORE_FAIL_IO;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) return true;
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return false;
    }
    char *data = NULL;
    size_t data_len = 0;
    int read_err = file_read_all(path, SIZE_MAX, &data, &data_len); /* the log, however long */
    if (read_err) {
        snprintf(err, err_len, "%s: %s", path, strerror(read_err));
        return false;
    }
    uint8_t h[SHA256_LEN];
    sha256(h, data, data_len);
    char digest[2 * SHA256_LEN + 1];
    hex_encode(digest, h, SHA256_LEN);
    char mark[sizeof digest + 32];
    snprintf(mark, sizeof mark, "%s sha256=%s", STORE_JSONL_FILE, digest);
    store__log log = {0};
    buf_init(&log.skipped);
    bool ok = false;
    if (s->imported && strcmp(s->imported, mark) == 0) {
        /* Imported before, but the rename did not happen (a crash between
         * the two): the database has it; only the rename is left. */
        ok = true;
        goto rename;
    }
    store__log_read(&log, data, data_len, rules);
    if (log.bad && !s->recover) {
        *why = STORE_FAIL_DAMAGED;
        snprintf(err, err_len,
                 "%s line %zu: %s (%zu damaged lines in all). Nothing was imported or changed. "
                 "Restore the log from a backup, or start with --recover to import its %zu intact "
                 "blocks (the log is kept as %s)",
                 path, log.first_bad_line, log.first_reason, log.bad, log.n, STORE_JSONL_IMPORTED);
        goto done;
    }
    size_t added_blocks = 0;
    ok = (s->db || store__create(s, err, err_len)) && store__exec(s->db, "BEGIN", s->db_path, err, err_len);
    for (size_t i = 0; ok && i < log.n; i++) {
        bool added = false;
        const block *b = log.blocks[i];
        ok = store__insert_block(s->db, b->hash_hex, b->canon, b->canon_len, &added, err, err_len);
        added_blocks += added;
    }
    ok = ok && store__put_meta(s->db, "imported", mark, err, err_len) &&
         store__exec(s->db, "COMMIT", s->db_path, err, err_len);
    if (!ok) {
        if (s->db) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        goto done;
    }
    s->n_blocks += added_blocks;
    free(s->imported);
    s->imported = xstrdup(mark);
    log_warn("imported %zu blocks from %s (kept as %s)%s%s%s", log.n, path, STORE_JSONL_IMPORTED,
             log.bad ? "; --recover skipped damaged lines " : "", log.bad ? log.skipped.data + 2 : "",
             log.torn_bytes ? "; a torn last line (never acknowledged) was left out" : "");
rename:
    if (rename(path, kept) != 0) {
        snprintf(err, err_len, "cannot rename %s to %s: %s", path, kept, strerror(errno));
        ok = false;
    }
done:
    store__log_cleanup(&log);
    free(data);
    return ok;
}
