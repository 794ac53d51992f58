/* test_blocklog.c - the durable block log: what is appended comes back in
 * order after a reopen, a block is logged once, and a torn or garbled tail
 * is cut off while everything before it survives. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "chain/bstore.h"
#include "http/blocklog.h"

static char dir[64];

/* A fresh temporary directory for one case. */
static void fresh_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/chainsim-blocklog-XXXXXX");
    if (!mkdtemp(dir)) abort();
}

static void remove_dir(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, BLOCKLOG_FILE);
    unlink(path);
    rmdir(dir);
}

/* Seals n blocks on the classic genesis at difficulty 16 into out[]. */
static void seal(bstore *st, block **out, size_t n) {
    block *prev = bstore_genesis(st);
    for (size_t i = 0; i < n; i++) {
        block *next = NULL;
        for (uint64_t proof = 0; !next; proof++) {
            block *c = block_new(prev->index + 1, prev->hash_hex, proof, (int64_t)i, 16, "m", NULL, 0);
            if (c->self_check == REJ_NONE) next = bstore_intern(st, c);
            else block_unref(c);
        }
        out[i] = prev = next;
    }
}

static bstore *classic_store(void) {
    return bstore_new(&(chain_params){.ledger = LEDGER_OPEN}, genesis_classic());
}

static void test_append_and_reopen(void) {
    fresh_dir();
    bstore *st = classic_store();
    block *made[3];
    seal(st, made, 3);
    block **got = NULL;
    size_t n = 9, torn = 9;
    char err[256];
    blocklog *l = blocklog_open(dir, st, &got, &n, &torn, err, sizeof err);
    CHECK(l != NULL);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(torn, 0);
    free(got);
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(blocklog_append(l, made[i]), CS_OK);
    CHECK_INT_EQ(blocklog_append(l, made[1]), CS_OK); /* already there: not twice */
    CHECK_INT_EQ(blocklog_count(l), 3);
    blocklog_close(l);
    /* A new process: a new store, the same blocks by hash. */
    bstore *st2 = classic_store();
    l = blocklog_open(dir, st2, &got, &n, &torn, err, sizeof err);
    CHECK(l != NULL);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(torn, 0);
    for (int i = 0; i < 3; i++) CHECK_STR_EQ(got[i]->hash_hex, made[i]->hash_hex);
    CHECK(got[0]->parent == bstore_genesis(st2)); /* rooted on the genesis */
    free(got);
    blocklog_close(l);
    bstore_free(st);
    bstore_free(st2);
    remove_dir();
}

static void append_raw(const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, BLOCKLOG_FILE);
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) abort();
    close(fd);
}

static off_t file_size(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, BLOCKLOG_FILE);
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void test_torn_tails(void) {
    static const char *const tails[] = {
        "{\"hash\": \"00",                     /* cut mid-line, no newline */
        "{\"index\": 3}\n",                    /* a whole line, not a block */
        "garbage\n{\"index\": 1}\n",           /* garbage and everything after it */
        "\n",                                  /* an empty line */
    };
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        fresh_dir();
        bstore *st = classic_store();
        block *made[2];
        seal(st, made, 2);
        block **got = NULL;
        size_t n = 0, torn = 0;
        char err[256];
        blocklog *l = blocklog_open(dir, st, &got, &n, &torn, err, sizeof err);
        free(got);
        blocklog_append(l, made[0]);
        blocklog_append(l, made[1]);
        blocklog_close(l);
        off_t good = file_size();
        append_raw(tails[k]);
        l = blocklog_open(dir, st, &got, &n, &torn, err, sizeof err);
        CHECK(l != NULL);
        CHECK_INT_EQ(n, 2);
        CHECK_INT_EQ(torn, strlen(tails[k]));
        CHECK_INT_EQ(file_size(), good); /* cut off on disk */
        free(got);
        /* Appends go on after the good part. */
        block *more[3];
        seal(st, more, 3);
        CHECK_INT_EQ(blocklog_append(l, more[2]), CS_OK);
        blocklog_close(l);
        l = blocklog_open(dir, st, &got, &n, &torn, err, sizeof err);
        CHECK_INT_EQ(n, 3);
        CHECK_INT_EQ(torn, 0);
        free(got);
        blocklog_close(l);
        bstore_free(st);
        remove_dir();
    }
}

static void test_bad_dir(void) {
    block **got = NULL;
    size_t n = 0, torn = 0;
    char err[256] = "";
    bstore *st = classic_store();
    blocklog *l = blocklog_open("/proc/self/status/x", st, &got, &n, &torn, err, sizeof err);
    bstore_free(st);
    CHECK(l == NULL);
    CHECK(strstr(err, "/proc/self/status/x") != NULL);
}

static const test_case cases[] = {
    TEST(test_append_and_reopen),
    TEST(test_torn_tails),
    TEST(test_bad_dir),
    {0},
};

TEST_MAIN(cases)
