/* jsonw.c - the JSON writer: a separator before every member but the first
 * of its container, decided by one bit per nesting level. */
#include "util/jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/canon.h"

void jsonw_init(jsonw *w, buf *out) { *w = (jsonw){.out = out}; }
void jsonw_init_compact(jsonw *w, buf *out) { *w = (jsonw){.out = out, .compact = true}; }

/* buf_append without the call when the bytes fit, which is always the case
 * for a buffer reused line after line (the trace writes millions). */
static inline void jsonw__put(buf *out, const char *s, size_t n) {
    if (out->len + n < out->cap) {
        memcpy(out->data + out->len, s, n);
        out->len += n;
        out->data[out->len] = '\0';
    } else {
        buf_append(out, s, n);
    }
}

/* Before any value: the ", " that separates it from the one before, unless
 * it is the value of a key (the key wrote the separator). */
static void jsonw__value(jsonw *w) {
    if (w->key_pending) {
        w->key_pending = false;
        return;
    }
    assert(w->depth == 0 || !(w->is_object >> w->depth & 1u));
    if (w->depth > 0) {
        if (w->has_members >> w->depth & 1u) jsonw__put(w->out, ", ", w->compact ? 1 : 2);
        w->has_members |= 1u << w->depth;
    }
}

static void jsonw__open(jsonw *w, char c, bool object) {
    jsonw__value(w);
    assert(w->depth + 1 < JSONW_DEPTH);
    w->depth++;
    w->has_members &= ~(1u << w->depth);
    if (object) w->is_object |= 1u << w->depth;
    else w->is_object &= ~(1u << w->depth);
    jsonw__put(w->out, &c, 1);
}

static void jsonw__close(jsonw *w, char c, bool object) {
    assert(w->depth > 0 && !w->key_pending);
    assert(((w->is_object >> w->depth & 1u) != 0) == object);
    (void)object;
    w->depth--;
    jsonw__put(w->out, &c, 1);
}

void jsonw_obj_begin(jsonw *w) { jsonw__open(w, '{', true); }
void jsonw_obj_end(jsonw *w) { jsonw__close(w, '}', true); }
void jsonw_arr_begin(jsonw *w) { jsonw__open(w, '[', false); }
void jsonw_arr_end(jsonw *w) { jsonw__close(w, ']', false); }

void jsonw_key(jsonw *w, const char *key) {
    assert(w->depth > 0 && (w->is_object >> w->depth & 1u) && !w->key_pending);
    if (w->has_members >> w->depth & 1u) jsonw__put(w->out, ", ", w->compact ? 1 : 2);
    w->has_members |= 1u << w->depth;
    jsonw_put_str(w->out, key);
    jsonw__put(w->out, ": ", w->compact ? 1 : 2);
    w->key_pending = true;
}

void jsonw_str(jsonw *w, const char *s) {
    jsonw__value(w);
    jsonw_put_str(w->out, s);
}

void jsonw_int(jsonw *w, int64_t v) {
    jsonw__value(w);
    canon_put_int(w->out, v);
}

void jsonw_uint(jsonw *w, uint64_t v) {
    jsonw__value(w);
    canon_put_uint(w->out, v);
}

void jsonw_bool(jsonw *w, bool v) {
    jsonw__value(w);
    jsonw__put(w->out, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(jsonw *w) {
    jsonw__value(w);
    buf_puts(w->out, "null");
}

void jsonw_fixed(jsonw *w, double v, int decimals) {
    jsonw__value(w);
    if (isfinite(v)) buf_printf(w->out, "%.*f", decimals, v);
    else buf_puts(w->out, "null");
}

void jsonw_raw(jsonw *w, const char *json) {
    jsonw__value(w);
    buf_puts(w->out, json);
}

void jsonw_raw_n(jsonw *w, const char *json, size_t len) {
    jsonw__value(w);
    buf_append(w->out, json, len);
}

void jsonw_value_begin(jsonw *w) { jsonw__value(w); }

void jsonw_kstr(jsonw *w, const char *key, const char *s) { jsonw_key(w, key), jsonw_str(w, s); }
void jsonw_kint(jsonw *w, const char *key, int64_t v) { jsonw_key(w, key), jsonw_int(w, v); }
void jsonw_kuint(jsonw *w, const char *key, uint64_t v) { jsonw_key(w, key), jsonw_uint(w, v); }
void jsonw_kbool(jsonw *w, const char *key, bool v) { jsonw_key(w, key), jsonw_bool(w, v); }

void jsonw_put_str(buf *out, const char *s) {
    static const char hex[] = "0123456789abcdef";
    jsonw__put(out, "\"", 1);
    const char *run = s; /* bytes copied as they are, flushed before an escape */
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        jsonw__put(out, run, (size_t)(p - run));
        run = p + 1;
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            n = 6;
            break;
        }
        jsonw__put(out, esc, n);
    }
    size_t tail = strlen(run);
    jsonw__put(out, run, tail);
    jsonw__put(out, "\"", 1);
}
