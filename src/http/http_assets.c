/* http_assets.c - the web page's files, found at start-up and kept in
 * memory.
 *
 * The page is plain files in assets/ (no build step), read once when the
 * server starts, from the first directory that has index.html:
 *
 *   1. http_desc.assets_dir (the caller's choice)
 *   2. $CHAINSIM_ASSETS
 *   3. next to the executable: <dir>/assets, <dir>/../assets,
 *      <dir>/../share/chainsim/assets (build trees and installs)
 *   4. ./assets (running from the source tree)
 *
 * Without them the API still works and GET / says what to set. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_int.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

/* Largest asset file read. */
#define HTTP_MAX_ASSET_BYTES (4u << 20)

static const struct {
    const char *name, *type;
} http__asset_files[HTTP_ASSET_COUNT] = {
    [HTTP_ASSET_INDEX] = {"index.html", "text/html; charset=utf-8"},
    [HTTP_ASSET_JS] = {"app.js", "text/javascript; charset=utf-8"},
    [HTTP_ASSET_CSS] = {"style.css", "text/css; charset=utf-8"},
};

/* dir/name into out; false if it does not fit. */
static bool http__join(char *out, size_t out_len, const char *dir, const char *name) {
    int n = snprintf(out, out_len, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < out_len;
}

static bool http__has_index(const char *dir) {
    char path[PATH_MAX];
    return http__join(path, sizeof path, dir, "index.html") && access(path, R_OK) == 0;
}

/* The first candidate directory with index.html (a new string), or NULL. */
static char *http__find_dir(const char *given) {
    if (given) return http__has_index(given) ? xstrdup(given) : NULL;
    const char *env = getenv("CHAINSIM_ASSETS");
    if (env && *env) return http__has_index(env) ? xstrdup(env) : NULL;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        static const char *const rel[] = {"/assets", "/../assets", "/../share/chainsim/assets"};
        for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
            char dir[PATH_MAX];
            int len = snprintf(dir, sizeof dir, "%s%s", exe, rel[i]);
            if (len > 0 && (size_t)len < sizeof dir && http__has_index(dir)) return xstrdup(dir);
        }
    }
    return http__has_index("assets") ? xstrdup("assets") : NULL;
}

bool http__assets_load(http_server *h) {
    char *dir = http__find_dir(h->assets_dir);
    free(h->assets_dir);
    h->assets_dir = dir;
    if (!dir) return false;
    for (int i = 0; i < HTTP_ASSET_COUNT; i++) {
        char path[PATH_MAX];
        http__asset *a = &h->assets[i];
        a->name = http__asset_files[i].name;
        a->type = http__asset_files[i].type;
        int e = http__join(path, sizeof path, dir, a->name)
                    ? file_read_all(path, HTTP_MAX_ASSET_BYTES, &a->data, &a->len)
                    : ENAMETOOLONG;
        if (e) log_warn("http: cannot read %s/%s: %s", dir, a->name, strerror(e));
    }
    log_info("http: web page from %s", dir);
    return h->assets[HTTP_ASSET_INDEX].data != NULL;
}

void http__assets_free(http_server *h) {
    for (int i = 0; i < HTTP_ASSET_COUNT; i++) free(h->assets[i].data);
}

const http__asset *http__asset_named(const http_server *h, const char *name) {
    for (int i = 0; i < HTTP_ASSET_COUNT; i++)
        if (h->assets[i].data && strcmp(h->assets[i].name, name) == 0) return &h->assets[i];
    return NULL;
}
