/* test_store.c - the data dir of a standalone node on real SQLite files:
 * what is stored comes back after a reopen (blocks in order, name, peers,
 * the transaction-id reservation), one process at a time holds the dir, a
 * damaged file is refused untouched and --recover keeps it and reads what
 * it can, and the old block log is imported once. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "chain/bstore.h"
#include "http/store.h"
#include "util/buf.h"

static char dir[64];

/* A fresh temporary directory for one case. */
static void fresh_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/chainsim-store-XXXXXX");
    if (!mkdtemp(dir)) abort();
}

static void remove_dir(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) abort();
}

static void path_of(char *out, const char *file) { snprintf(out, PATH_MAX, "%s/%s", dir, file); }

static bool exists(const char *file) {
    char p[PATH_MAX];
    path_of(p, file);
    struct stat sb;
    return stat(p, &sb) == 0;
}

static buf read_all(const char *file) {
    char p[PATH_MAX];
    path_of(p, file);
    buf b;
    buf_init(&b);
    FILE *f = fopen(p, "rb");
    if (!f) abort();
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    return b;
}

static void write_all(const char *file, const char *data, size_t len) {
    char p[PATH_MAX];
    path_of(p, file);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, len, f) != len) abort();
    fclose(f);
}

static bstore *classic_store(void) {
    return bstore_new(&(chain_params){.ledger = LEDGER_OPEN}, genesis_classic());
}

/* Seals n blocks on the classic genesis at difficulty 16 into out[]; block
 * i carries a transaction with id ids[i] if ids is given. */
static void seal(bstore *st, block **out, size_t n, const char *const *ids) {
    block *prev = bstore_genesis(st);
    for (size_t i = 0; i < n; i++) {
        tx *t = ids ? tx_create("a", "b", 1, ids[i], 0, NULL) : NULL;
        block *next = NULL;
        for (uint64_t proof = 0; !next; proof++) {
            block *c = block_new(prev->index + 1, prev->hash_hex, proof, (int64_t)i, 16, "m", &t, t ? 1 : 0);
            if (c->self_check == REJ_NONE) next = bstore_intern(st, c);
            else block_unref(c);
        }
        tx_unref(t);
        out[i] = prev = next;
    }
}

/* Opens the dir and loads it into st; a test's setup, so a failure ends
 * the test program with the message. */
static store *open_loaded(bstore *st, bool recover, const char *name, block ***got, size_t *n,
                          uint64_t *counter) {
    store_fail why = STORE_FAIL_IO;
    char err[1024] = "";
    store *s = store_open(dir, recover, &why, err, sizeof err);
    if (!s || store_load(s, st, name, got, n, counter, &why, err, sizeof err) != CS_OK) {
        fprintf(stderr, "FAIL %s:%d: opening %s: %s\n", __FILE__, __LINE__, dir, err);
        exit(1);
    }
    return s;
}

/* Where needle first occurs in data, or NULL. */
static char *find(char *data, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return data + i;
    return NULL;
}

/* Stores blocks[0..n) in the dir under `name`, as a node would, and closes it. */
static void store_blocks(bstore *st, block **blocks, size_t n, const char *name) {
    block **got = NULL;
    size_t k = 0;
    uint64_t counter = 0;
    char err[512];
    store *s = open_loaded(st, false, name, &got, &k, &counter);
    free(got);
    for (size_t i = 0; i < n; i++) CHECK_INT_EQ(store_put_block(s, blocks[i], err, sizeof err), CS_OK);
    store_close(s);
}

static void test_blocks_come_back_in_order(void) {
    fresh_dir();
    bstore *st = classic_store();
    block *made[3];
    seal(st, made, 3, NULL);
    block **got = NULL;
    size_t n = 9;
    uint64_t counter = 9;
    char err[512];
    store *s = open_loaded(st, false, "alice", &got, &n, &counter);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(counter, 0);
    free(got);
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(store_put_block(s, made[i], err, sizeof err), CS_OK);
    CHECK_INT_EQ(store_put_block(s, made[1], err, sizeof err), CS_OK); /* already there: once */
    CHECK_INT_EQ(store_count(s), 3);
    store_close(s);
    CHECK(!exists("node.db-wal")); /* a clean close folds the WAL into the file */
    /* A new process: a new store, the same blocks by hash, the name kept. */
    bstore *st2 = classic_store();
    s = open_loaded(st2, false, "ignored", &got, &n, &counter);
    CHECK_STR_EQ(store_name(s), "alice");
    CHECK_INT_EQ(n, 3);
    for (int i = 0; i < 3; i++) CHECK_STR_EQ(got[i]->hash_hex, made[i]->hash_hex);
    CHECK(got[0]->parent == bstore_genesis(st2)); /* rooted on the genesis */
    CHECK(got[2]->parent == got[1]);
    free(got);
    store_close(s);
    bstore_free(st);
    bstore_free(st2);
    remove_dir();
}

static void test_peers_and_tx_ids(void) {
    fresh_dir();
    bstore *st = classic_store();
    block **got = NULL;
    size_t n = 0;
    uint64_t counter = 0;
    char err[512];
    store *s = open_loaded(st, false, "alice", &got, &n, &counter);
    free(got);
    CHECK_INT_EQ(store_put_peer(s, "http://127.0.0.1:5001", err, sizeof err), CS_OK);
    CHECK_INT_EQ(store_put_peer(s, "http://127.0.0.1:5000", err, sizeof err), CS_OK);
    CHECK_INT_EQ(store_put_peer(s, "http://127.0.0.1:5001", err, sizeof err), CS_OK);
    CHECK_INT_EQ(store_tx_ids_used(s, 5, err, sizeof err), CS_OK);
    store_close(s);
    s = open_loaded(st, false, "alice", &got, &n, &counter);
    free(got);
    const char *const *urls;
    CHECK_INT_EQ(store_peers(s, &urls), 2); /* once each, in registration order */
    CHECK_STR_EQ(urls[0], "http://127.0.0.1:5001");
    CHECK_STR_EQ(urls[1], "http://127.0.0.1:5000");
    /* Ids go on above the reservation: 5 was used, 5 + batch reserved. */
    CHECK_INT_EQ(counter, 5 + STORE_TX_ID_BATCH);
    CHECK_INT_EQ(store_tx_ids_used(s, counter + 1, err, sizeof err), CS_OK);
    store_close(s);
    s = open_loaded(st, false, "alice", &got, &n, &counter);
    free(got);
    CHECK_INT_EQ(counter, 5 + 2 * STORE_TX_ID_BATCH + 1);
    store_close(s);
    bstore_free(st);
    remove_dir();
}

/* A chain that holds ids of this node's name above the reservation (a data
 * dir imported from the old log, which kept no counter): ids go on above
 * them. Another name's ids, and ids that only look alike, do not count. */
static void test_tx_ids_above_the_chain(void) {
    fresh_dir();
    bstore *st = classic_store();
    static const char *const ids[] = {"alice-7", "alice-3000", "bob-9000", "alice-12x", "alice9999"};
    block *made[5];
    seal(st, made, 5, ids);
    store_blocks(st, made, 5, "alice");
    block **got = NULL;
    size_t n = 0;
    uint64_t counter = 0;
    store *s = open_loaded(st, false, "alice", &got, &n, &counter);
    CHECK_INT_EQ(n, 5);
    CHECK_INT_EQ(counter, 3000);
    free(got);
    store_close(s);
    bstore_free(st);
    remove_dir();
}

static void test_one_process_per_dir(void) {
    fresh_dir();
    store_fail why = STORE_FAIL_NONE;
    char err[512] = "";
    store *first = store_open(dir, false, &why, err, sizeof err);
    CHECK(first != NULL);
    /* flock(2) locks belong to an open file, so a second open in the same
     * process is refused as another process's would be. */
    store *second = store_open(dir, false, &why, err, sizeof err);
    CHECK(second == NULL);
    CHECK_INT_EQ(why, STORE_FAIL_IN_USE);
    char want[256];
    snprintf(want, sizeof want, "data dir %s is in use by another chainsim (pid %ld)", dir, (long)getpid());
    CHECK_STR_EQ(err, want);
    store_close(first);
    second = store_open(dir, false, &why, err, sizeof err);
    CHECK(second != NULL);
    store_close(second);
    remove_dir();
}

/* Stores 4 blocks, then flips one byte of block 3's bytes in the file. */
static void damaged_dir(bstore *st, block **made) {
    seal(st, made, 4, NULL);
    store_blocks(st, made, 4, "alice");
    buf db = read_all("node.db");
    char needle[128];
    snprintf(needle, sizeof needle, "\"previous_hash\": \"%s\"", made[1]->hash_hex);
    char *at = find(db.data, db.len, needle);
    CHECK(at != NULL);
    at[20] ^= 0x01;
    write_all("node.db", db.data, db.len);
    buf_cleanup(&db);
}

/* The name of the moved-aside database (not its -wal or -shm). */
static bool find_aside(char out[NAME_MAX + 1]) {
    DIR *d = opendir(dir);
    bool found = false;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        bool companion = len > 4 && (strcmp(e->d_name + len - 4, "-wal") == 0 ||
                                     strcmp(e->d_name + len - 4, "-shm") == 0);
        if (strncmp(e->d_name, "node.db.damaged-", 16) == 0 && !companion) {
            snprintf(out, NAME_MAX + 1, "%s", e->d_name);
            found = true;
        }
    }
    if (d) closedir(d);
    return found;
}

/* The moved-aside database holds exactly `want`. */
static void check_kept(const buf *want) {
    char aside[NAME_MAX + 1];
    CHECK(find_aside(aside));
    buf kept = read_all(aside);
    CHECK_MEM_EQ(kept.data, kept.len, want->data, want->len);
    buf_cleanup(&kept);
}

static void test_damaged_file_refused_untouched(void) {
    fresh_dir();
    bstore *st = classic_store();
    block *made[4];
    damaged_dir(st, made);
    buf before = read_all("node.db");
    store_fail why = STORE_FAIL_NONE;
    char err[1024] = "";
    store *s = store_open(dir, false, &why, err, sizeof err);
    CHECK(s == NULL);
    CHECK_INT_EQ(why, STORE_FAIL_DAMAGED);
    CHECK(strstr(err, "node.db is damaged: block row 3 does not match its hash") != NULL);
    CHECK(strstr(err, "start with --recover") != NULL);
    buf after = read_all("node.db");
    CHECK_MEM_EQ(after.data, after.len, before.data, before.len);
    buf_cleanup(&after);
    /* --recover: the damaged file is kept byte for byte, the rest read. */
    block **got = NULL;
    size_t n = 0;
    uint64_t counter = 0;
    bstore *st2 = classic_store();
    s = open_loaded(st2, true, "ignored", &got, &n, &counter);
    CHECK_STR_EQ(store_name(s), "alice");
    CHECK_INT_EQ(n, 3);
    CHECK_STR_EQ(got[0]->hash_hex, made[0]->hash_hex);
    CHECK_STR_EQ(got[1]->hash_hex, made[1]->hash_hex);
    CHECK_STR_EQ(got[2]->hash_hex, made[3]->hash_hex); /* waits for its parent */
    CHECK(!atomic_load(&got[2]->rooted));
    free(got);
    store_close(s);
    check_kept(&before);
    buf_cleanup(&before);
    bstore_free(st);
    bstore_free(st2);
    remove_dir();
}

/* A node.db that SQLite cannot read at all (its header overwritten):
 * refused; --recover keeps it and starts a new, empty database. */
static void test_unreadable_file(void) {
    fresh_dir();
    buf junk;
    buf_init(&junk);
    for (int i = 0; i < 512; i++) buf_puts(&junk, "not a database. ");
    write_all("node.db", junk.data, junk.len);
    store_fail why = STORE_FAIL_NONE;
    char err[1024] = "";
    CHECK(store_open(dir, false, &why, err, sizeof err) == NULL);
    CHECK_INT_EQ(why, STORE_FAIL_DAMAGED);
    CHECK(strstr(err, "node.db is damaged: not a readable SQLite database (file is not a database)") != NULL);
    bstore *st = classic_store();
    block **got = NULL;
    size_t n = 9;
    uint64_t counter = 9;
    store *s = store_open(dir, true, &why, err, sizeof err);
    CHECK(s != NULL);
    CHECK(store_name(s) == NULL); /* lost with the file: the node's --name decides */
    CHECK_INT_EQ(store_load(s, st, "bob", &got, &n, &counter, &why, err, sizeof err), CS_OK);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(counter, 0);
    CHECK_STR_EQ(store_name(s), "bob");
    free(got);
    store_close(s);
    check_kept(&junk);
    buf_cleanup(&junk);
    bstore_free(st);
    remove_dir();
}

/* The old log: each block's wire JSON a line. */
static void write_log(block **blocks, size_t n, const char *extra_line, size_t at, const char *tail) {
    buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (extra_line && i == at) buf_printf(&b, "%s\n", extra_line);
        block_to_json(&b, blocks[i]);
        buf_putc(&b, '\n');
    }
    if (tail) buf_puts(&b, tail);
    write_all("blocks.jsonl", b.data, b.len);
    buf_cleanup(&b);
}

static void test_old_log_imported_once(void) {
    fresh_dir();
    bstore *st = classic_store();
    block *made[3];
    seal(st, made, 3, NULL);
    write_log(made, 3, NULL, 0, "{\"hash\": \"00"); /* a torn last write */
    buf log = read_all("blocks.jsonl");
    block **got = NULL;
    size_t n = 0;
    uint64_t counter = 0;
    bstore *st2 = classic_store();
    store *s = open_loaded(st2, false, "alice", &got, &n, &counter);
    CHECK_INT_EQ(n, 3);
    for (int i = 0; i < 3; i++) CHECK_STR_EQ(got[i]->hash_hex, made[i]->hash_hex);
    free(got);
    store_close(s);
    CHECK(!exists("blocks.jsonl"));
    buf kept = read_all("blocks.jsonl.imported");
    CHECK_MEM_EQ(kept.data, kept.len, log.data, log.len);
    buf_cleanup(&kept);
    buf_cleanup(&log);
    /* Once: the next start reads the database only. */
    s = open_loaded(st2, false, "alice", &got, &n, &counter);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(store_count(s), 3);
    free(got);
    store_close(s);
    bstore_free(st);
    bstore_free(st2);
    remove_dir();
}

/* Damaged lines in the old log: the import is refused and nothing written,
 * whatever the damage (a garbled line, trailing data after a block's JSON,
 * an empty line); with --recover every intact line is imported. */
static void test_damaged_old_log(void) {
    static const char *const bad_lines[] = {"garbage", "{\"index\": 3}", "", "{\"index\": 2} {}"};
    for (size_t k = 0; k < sizeof bad_lines / sizeof bad_lines[0]; k++) {
        fresh_dir();
        bstore *st = classic_store();
        block *made[3];
        seal(st, made, 3, NULL);
        write_log(made, 3, bad_lines[k], 1, NULL);
        store_fail why = STORE_FAIL_NONE;
        char err[1024] = "";
        store *s = store_open(dir, false, &why, err, sizeof err);
        CHECK(s != NULL);
        block **got = NULL;
        size_t n = 0;
        uint64_t counter = 0;
        bstore *st2 = classic_store();
        CHECK_INT_EQ(store_load(s, st2, "alice", &got, &n, &counter, &why, err, sizeof err), CS_EINVAL);
        CHECK_INT_EQ(why, STORE_FAIL_DAMAGED);
        CHECK(strstr(err, "blocks.jsonl line 2: ") != NULL);
        CHECK(strstr(err, "--recover to import its 3 intact blocks") != NULL);
        store_close(s);
        CHECK(exists("blocks.jsonl"));
        CHECK(!exists("node.db"));
        s = open_loaded(st2, true, "alice", &got, &n, &counter);
        CHECK_INT_EQ(n, 3);
        free(got);
        store_close(s);
        CHECK(exists("blocks.jsonl.imported"));
        /* A crash between the import's commit and the rename leaves the
         * log in place: the next start, without --recover, knows it by its
         * hash and only renames it (reading it again would refuse it). */
        buf kept = read_all("blocks.jsonl.imported");
        write_all("blocks.jsonl", kept.data, kept.len);
        buf_cleanup(&kept);
        s = open_loaded(st2, false, "alice", &got, &n, &counter);
        CHECK_INT_EQ(n, 3);
        free(got);
        store_close(s);
        CHECK(!exists("blocks.jsonl"));
        bstore_free(st);
        bstore_free(st2);
        remove_dir();
    }
}

/* Replaces the first `from` in b with `to` (the case's edit of a line). */
static void edit(buf *b, const char *from, const char *to) {
    char *at = find(b->data, b->len, from);
    CHECK(at != NULL);
    buf out;
    buf_init(&out);
    buf_append(&out, b->data, (size_t)(at - b->data));
    buf_puts(&out, to);
    buf_puts(&out, at + strlen(from));
    buf_cleanup(b);
    *b = out;
}

/* Stored JSON that cJSON alone would read as something else (or read at
 * all): each line, an edited copy of a real block's JSON, is refused by the
 * strict check with its reason, before any block check. */
static void test_stored_json_is_read_strictly(void) {
    static const struct {
        const char *from, *to, *reason; /* from NULL: `to` goes after the JSON */
    } cases[] = {
        {NULL, " x", "more text follows the JSON value"},
        {"\"miner\": \"m\"", "\"miner\": \"m\\u0000evil\"", "holds \\u0000 (NUL)"},
        {"\"difficulty\": 16", "\"difficulty\": 16.0", "whole number written with a fraction"},
        {"\"timestamp\": 0", "\"timestamp\": 9007199254740993", "beyond +-2^53"},
        {"\"proof\": ", "\"proof\": 0", "does not start with 0 unless it is 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fresh_dir();
        bstore *st = classic_store();
        block *made[1];
        seal(st, made, 1, NULL);
        buf b;
        buf_init(&b);
        block_to_json(&b, made[0]);
        if (cases[k].from) edit(&b, cases[k].from, cases[k].to);
        else buf_puts(&b, cases[k].to);
        buf_putc(&b, '\n');
        write_all("blocks.jsonl", b.data, b.len);
        buf_cleanup(&b);
        store_fail why;
        char err[1024] = "";
        store *s = store_open(dir, false, &why, err, sizeof err);
        block **got = NULL;
        size_t n = 0;
        uint64_t counter = 0;
        CHECK_INT_EQ(store_load(s, st, "alice", &got, &n, &counter, &why, err, sizeof err), CS_EINVAL);
        CHECK(strstr(err, "blocks.jsonl line 1: ") != NULL);
        CHECK(strstr(err, cases[k].reason) != NULL);
        store_close(s);
        bstore_free(st);
        remove_dir();
    }
}

static void test_bad_dir(void) {
    store_fail why = STORE_FAIL_NONE;
    char err[256] = "";
    store *s = store_open("/proc/self/status/x", false, &why, err, sizeof err);
    CHECK(s == NULL);
    CHECK_INT_EQ(why, STORE_FAIL_IO);
    CHECK(strstr(err, "/proc/self/status/x") != NULL);
}

static const test_case cases[] = {
    TEST(test_blocks_come_back_in_order),
    TEST(test_peers_and_tx_ids),
    TEST(test_tx_ids_above_the_chain),
    TEST(test_one_process_per_dir),
    TEST(test_damaged_file_refused_untouched),
    TEST(test_unreadable_file),
    TEST(test_old_log_imported_once),
    TEST(test_damaged_old_log),
    TEST(test_stored_json_is_read_strictly),
    TEST(test_bad_dir),
    {0},
};

TEST_MAIN(cases)
