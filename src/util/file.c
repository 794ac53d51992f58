/* file.c - a whole file read into memory (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/mem.h"

int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno ? errno : EIO;
    char *text = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    for (;;) {
        text = xgrow(text, &cap, n + 65536 + 1, 1); /* + 1: the NUL */
        size_t got = fread(text + n, 1, cap - n - 1, f);
        n += got;
        if (n > max_bytes) err = EFBIG;
        else if (got == 0 && ferror(f)) err = errno ? errno : EIO;
        if (err || got == 0) break;
    }
    fclose(f);
    if (err) {
        free(text);
        return err;
    }
    text[n] = '\0';
    *out = text;
    *len = n;
    return 0;
}
