/* http_form.c - the small text chores of a web server: urlencoded form
 * bodies and HTML escaping. (UTF-8 is checked by util/json_strict for JSON
 * bodies and by the transaction rules for names.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/mem.h"

static int http__hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) ('+' is a space, %XX a byte) into a new string, or
 * NULL with *why for a broken escape or a NUL byte (which would silently
 * cut the value short). */
static char *http__url_decode(const char *s, size_t len, const char **why) {
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < len ? http__hex_val(s[i + 1]) : -1;
            int lo = i + 2 < len ? http__hex_val(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                *why = "a %-escape in the form is not followed by two hex digits";
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            free(out);
            *why = "the form holds a NUL byte";
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

bool http__form_parse(http__form *f, const char *body, size_t len, const char **why) {
    memset(f, 0, sizeof *f);
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end > i) {
            const char *eq = memchr(body + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;
            char *k = http__url_decode(body + i, klen, why);
            char *v = k ? (eq ? http__url_decode(eq + 1, (size_t)(body + end - eq - 1), why)
                              : xstrdup(""))
                        : NULL;
            if (!k || !v) {
                free(k);
                http__form_cleanup(f);
                return false;
            }
            size_t cap = f->cap;
            f->keys = xgrow(f->keys, &f->cap, f->n + 1, sizeof *f->keys);
            f->vals = xgrow(f->vals, &cap, f->n + 1, sizeof *f->vals);
            f->keys[f->n] = k;
            f->vals[f->n] = v;
            f->n++;
        }
        i = end + 1;
    }
    return true;
}

const char *http__form_get(const http__form *f, const char *key) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0) return f->vals[i];
    return NULL;
}

void http__form_cleanup(http__form *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->vals[i]);
    }
    free(f->keys);
    free(f->vals);
    memset(f, 0, sizeof *f);
}
