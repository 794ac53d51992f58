#include "util/canon.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* Decodes one code point from valid-or-not UTF-8; returns its length in
 * bytes, or 0 if malformed. */
static size_t utf8__decode(const unsigned char *s, size_t len, uint32_t *cp) {
    if (len == 0) return 0;
    unsigned char c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t n;
    uint32_t v, min;
    if ((c & 0xe0) == 0xc0) { n = 2; v = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { n = 3; v = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (len < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return n;
}

bool utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t n = utf8__decode(p + i, len - i, &cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

size_t utf8_count(const char *s, size_t len) {
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) count++;
    return count;
}

cs_err canon_put_str(buf *out, const char *s, size_t len) {
    if (!utf8_valid(s, len)) return CS_EINVAL;
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    buf_putc(out, '"');
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = utf8__decode(p + i, len - i, &cp);
        i += n;
        switch (cp) {
        case '"': buf_puts(out, "\\\""); continue;
        case '\\': buf_puts(out, "\\\\"); continue;
        case '\n': buf_puts(out, "\\n"); continue;
        case '\r': buf_puts(out, "\\r"); continue;
        case '\t': buf_puts(out, "\\t"); continue;
        case '\b': buf_puts(out, "\\b"); continue;
        case '\f': buf_puts(out, "\\f"); continue;
        default: break;
        }
        if (cp >= 0x20 && cp < 0x7f) {
            buf_putc(out, (char)cp);
            continue;
        }
        uint32_t units[2];
        int n_units = 1;
        units[0] = cp;
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000;
            units[0] = 0xd800 | (v >> 10);
            units[1] = 0xdc00 | (v & 0x3ff);
            n_units = 2;
        }
        for (int u = 0; u < n_units; u++) {
            char esc[6] = {'\\', 'u', hex[(units[u] >> 12) & 15], hex[(units[u] >> 8) & 15],
                           hex[(units[u] >> 4) & 15], hex[units[u] & 15]};
            buf_append(out, esc, sizeof esc);
        }
    }
    buf_putc(out, '"');
    return CS_OK;
}

void canon_put_int(buf *out, int64_t v) {
    if (v < 0) {
        buf_putc(out, '-');
        canon_put_uint(out, (uint64_t)0 - (uint64_t)v);
    } else {
        canon_put_uint(out, (uint64_t)v);
    }
}

void canon_put_uint(buf *out, uint64_t v) {
    char tmp[24];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    char digits[24];
    for (size_t i = 0; i < n; i++) digits[i] = tmp[n - 1 - i];
    buf_append(out, digits, n);
}

static int canon__key_cmp(const void *a, const void *b) {
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

cs_err canon_write_json(buf *out, const cJSON *item, const char *skip_key,
                        const cJSON **where) {
    if (where) *where = item;
    if (cJSON_IsNull(item)) { buf_puts(out, "null"); return CS_OK; }
    if (cJSON_IsTrue(item)) { buf_puts(out, "true"); return CS_OK; }
    if (cJSON_IsFalse(item)) { buf_puts(out, "false"); return CS_OK; }
    if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (!(d == floor(d)) || fabs(d) > 9007199254740992.0) return CS_EINVAL;
        canon_put_int(out, (int64_t)d);
        return CS_OK;
    }
    if (cJSON_IsString(item))
        return canon_put_str(out, item->valuestring, strlen(item->valuestring));
    if (cJSON_IsArray(item)) {
        buf_putc(out, '[');
        int i = 0;
        for (const cJSON *c = item->child; c; c = c->next, i++) {
            if (i) buf_puts(out, ", ");
            cs_err err = canon_write_json(out, c, NULL, where);
            if (err) return err;
        }
        buf_putc(out, ']');
        return CS_OK;
    }
    if (cJSON_IsObject(item)) {
        size_t n = 0, cap = 0;
        const cJSON **members = NULL;
        for (const cJSON *c = item->child; c; c = c->next) {
            if (skip_key && strcmp(c->string, skip_key) == 0) continue;
            members = xgrow(members, &cap, n + 1, sizeof *members);
            members[n++] = c;
        }
        if (n) qsort(members, n, sizeof *members, canon__key_cmp);
        cs_err err = CS_OK;
        buf_putc(out, '{');
        for (size_t i = 0; i < n && !err; i++) {
            if (i && strcmp(members[i - 1]->string, members[i]->string) == 0) {
                if (where) *where = members[i];
                err = CS_EINVAL;
                break;
            }
            if (i) buf_puts(out, ", ");
            err = canon_put_str(out, members[i]->string, strlen(members[i]->string));
            if (err) { if (where) *where = members[i]; break; }
            buf_puts(out, ": ");
            err = canon_write_json(out, members[i], NULL, where);
        }
        free(members);
        if (err) return err;
        buf_putc(out, '}');
        return CS_OK;
    }
    return CS_EINVAL; /* cJSON_Raw or cJSON_Invalid */
}
