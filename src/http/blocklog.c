/* blocklog.c - the durable block log (see blocklog.h).
 *
 * Appends go through one O_APPEND descriptor, a whole line per write(2),
 * then fdatasync: the line is on disk before the event that carries it
 * returns. Which blocks are logged already is a pointer set (blocks are
 * interned, so one block is one pointer). */
#include "http/blocklog.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/mem.h"

struct blocklog {
    int fd;
    char *path;
    int node_id;
    pthread_mutex_t lock;  /* guards logged and the descriptor's writes */
    ptrset logged;
    size_t count;
};

static bool blocklog__mkdir(const char *dir, char *err, size_t err_len) {
    if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return true;
        snprintf(err, err_len, "--data-dir %s: not a directory", dir);
        return false;
    }
    snprintf(err, err_len, "--data-dir %s: %s", dir, strerror(errno));
    return false;
}

/* Reads the whole file (it holds a chain; chains fit in memory). */
static bool blocklog__slurp(int fd, buf *out) {
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) buf_append(out, chunk, (size_t)n);
    return n == 0;
}

blocklog *blocklog_open(const char *dir, bstore *st, block ***blocks, size_t *n,
                        size_t *torn_bytes, char *err, size_t err_len) {
    *blocks = NULL;
    *n = 0;
    *torn_bytes = 0;
    if (!blocklog__mkdir(dir, err, err_len)) return NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, BLOCKLOG_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf data;
    buf_init(&data);
    if (!blocklog__slurp(fd, &data)) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        buf_cleanup(&data);
        close(fd);
        return NULL;
    }
    blocklog *l = xcalloc(1, sizeof *l);
    l->fd = fd;
    l->path = xstrdup(path);
    l->node_id = -1;
    pthread_mutex_init(&l->lock, NULL);
    ptrset_init(&l->logged);
    ledger_rules rules = bstore_params(st)->ledger;
    size_t cap = 0, good_end = 0, pos = 0;
    while (pos < data.len) {
        char *nl = memchr(data.data + pos, '\n', data.len - pos);
        if (!nl) break; /* torn: written without its newline */
        size_t line_len = (size_t)(nl - (data.data + pos));
        cJSON *obj = line_len <= BLOCKLOG_MAX_LINE ? cJSON_ParseWithLength(data.data + pos, line_len) : NULL;
        reject why = REJ_NONE;
        block *b = cJSON_IsObject(obj) ? block_from_json(obj, rules, &why, NULL, 0) : NULL;
        cJSON_Delete(obj);
        if (!b) break;
        b = bstore_intern(st, b);
        if (ptrset_add(&l->logged, b)) {
            *blocks = xgrow(*blocks, &cap, *n + 1, sizeof **blocks);
            (*blocks)[(*n)++] = b;
        }
        pos += line_len + 1;
        good_end = pos;
    }
    l->count = *n;
    if (good_end < data.len) {
        *torn_bytes = data.len - good_end;
        log_warn("%s: ignoring a torn tail of %zu bytes after %zu blocks", path, *torn_bytes, *n);
        if (ftruncate(fd, (off_t)good_end) != 0 || fdatasync(fd) != 0)
            log_warn("%s: cannot cut the torn tail: %s", path, strerror(errno));
    }
    buf_cleanup(&data);
    /* A new file's directory entry must survive a crash too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return l;
}

cs_err blocklog_append(blocklog *l, const block *b) {
    pthread_mutex_lock(&l->lock);
    if (ptrset_has(&l->logged, b)) {
        pthread_mutex_unlock(&l->lock);
        return CS_OK;
    }
    buf line;
    buf_init(&line);
    block_to_json(&line, b);
    buf_putc(&line, '\n');
    size_t off = 0;
    cs_err e = CS_OK;
    while (off < line.len) {
        ssize_t w = write(l->fd, line.data + off, line.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            e = CS_EIO;
            break;
        }
        off += (size_t)w;
    }
    if (e == CS_OK && fdatasync(l->fd) != 0) e = CS_EIO;
    if (e == CS_OK) {
        ptrset_add(&l->logged, b);
        l->count++;
    } else {
        log_error("%s: cannot save block %" PRId64 " (%s): %s", l->path, b->index, b->hash_hex,
                  strerror(errno));
    }
    pthread_mutex_unlock(&l->lock);
    buf_cleanup(&line);
    return e;
}

size_t blocklog_count(const blocklog *l) { return l->count; }

void blocklog_close(blocklog *l) {
    if (!l) return;
    close(l->fd);
    ptrset_cleanup(&l->logged);
    pthread_mutex_destroy(&l->lock);
    free(l->path);
    free(l);
}

void blocklog_follow(blocklog *l, int node_id) { l->node_id = node_id; }

void blocklog_sink(void *user, const sim_event *ev) {
    blocklog *l = user;
    if (ev->kind == EV_BLOCK_ACCEPTED && ev->node == l->node_id && ev->block)
        blocklog_append(l, ev->block);
}
