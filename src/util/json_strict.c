/* json_strict.c - the RFC 8259 checker of json_strict.h.
 *
 * A recursive descent over the bytes, one function per grammar rule, that
 * builds nothing: strings are walked (escapes and UTF-8 decoded only to be
 * checked), numbers are measured (strtod only for those with a fraction or
 * an exponent, to know their value), and the first rule broken stops the
 * walk with its offset. Each object keeps a set of its keys (decoded when
 * they hold escapes, else pointing into the text) to find duplicates. The
 * depth limit keeps the recursion and cJSON's own within bounds. */
#include "util/json_strict.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hmap.h"
#include "util/mem.h"

/* Longest number token: cJSON 1.7.15 copies at most 63 bytes of a number
 * before strtod, so a longer one would be read as a different value. */
#define JSON_STRICT_NUMBER_MAX 63

typedef struct jst {
    const unsigned char *p;
    size_t len, pos;
    unsigned flags;
    int depth;
    json_strict_error *err;
} jst;

static bool jst__fail(jst *s, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool jst__fail(jst *s, size_t at, const char *fmt, ...) {
    if (!s->err) return false;
    s->err->offset = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err->message, sizeof s->err->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool jst__unexpected(jst *s, const char *wanted) {
    if (s->pos >= s->len) return jst__fail(s, s->pos, "the text ends where %s was expected", wanted);
    unsigned char c = s->p[s->pos];
    if (c > 0x20 && c < 0x7f)
        return jst__fail(s, s->pos, "unexpected character '%c' where %s was expected", c, wanted);
    return jst__fail(s, s->pos, "unexpected byte 0x%02x where %s was expected", c, wanted);
}

static void jst__ws(jst *s) {
    while (s->pos < s->len) {
        unsigned char c = s->p[s->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        s->pos++;
    }
}

static int jst__hex(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s->pos (after "\u"); advances past them. */
static bool jst__u4(jst *s, size_t esc_at, uint32_t *out) {
    if (s->len - s->pos < 4)
        return jst__fail(s, esc_at, "a \\u escape needs four hexadecimal digits");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = jst__hex(s->p[s->pos + (size_t)i]);
        if (h < 0) return jst__fail(s, esc_at, "a \\u escape needs four hexadecimal digits");
        v = v << 4 | (uint32_t)h;
    }
    s->pos += 4;
    *out = v;
    return true;
}

static void jst__put_utf8(buf *out, uint32_t cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
    } else {
        b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        b[2] = (char)(0x80 | (cp >> 6 & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
    }
    buf_append(out, b, n);
}

/* One escape after the backslash at esc_at; appends what it stands for to
 * out (if non-NULL). */
static bool jst__escape(jst *s, size_t esc_at, buf *out) {
    if (s->pos >= s->len) return jst__fail(s, esc_at, "the text ends inside an escape");
    unsigned char c = s->p[s->pos++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k) {
        if (out) buf_putc(out, to[k - from]);
        return true;
    }
    if (c != 'u') {
        if (c > 0x20 && c < 0x7f)
            return jst__fail(s, esc_at, "\\%c is not a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", c);
        return jst__fail(s, esc_at, "a backslash in a string is not followed by an escape");
    }
    uint32_t cp;
    if (!jst__u4(s, esc_at, &cp)) return false;
    if (cp == 0)
        return jst__fail(s, esc_at, "a string holds \\u0000 (NUL), which would cut it short");
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return jst__fail(s, esc_at, "\\u%04x is a low surrogate without a high one before it", (unsigned)cp);
    if (cp >= 0xd800 && cp <= 0xdbff) {
        uint32_t lo = 0;
        if (s->len - s->pos < 2 || s->p[s->pos] != '\\' || s->p[s->pos + 1] != 'u')
            return jst__fail(s, esc_at, "\\u%04x is a high surrogate without a low one after it", (unsigned)cp);
        s->pos += 2;
        if (!jst__u4(s, s->pos - 2, &lo)) return false;
        if (lo < 0xdc00 || lo > 0xdfff)
            return jst__fail(s, esc_at, "\\u%04x is a high surrogate without a low one after it", (unsigned)cp);
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (out) jst__put_utf8(out, cp);
    return true;
}

/* The length of one well-formed UTF-8 sequence at p[0..avail) (RFC 3629: no
 * overlongs, no surrogates, at most U+10FFFF), or 0. */
static size_t jst__utf8_seq(const unsigned char *p, size_t avail) {
    unsigned c = p[0];
    size_t n;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (avail < n) return 0;
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* A string at s->pos (its opening quote). If out is non-NULL the decoded
 * bytes are appended to it; *escaped (if non-NULL) says whether any escape
 * was seen (if not, the decoded bytes are the raw ones). */
static bool jst__string(jst *s, buf *out, bool *escaped) {
    size_t open = s->pos++;
    if (escaped) *escaped = false;
    for (;;) {
        if (s->pos >= s->len) return jst__fail(s, open, "a string is not closed");
        size_t at = s->pos;
        unsigned char c = s->p[at];
        if (c == '"') {
            s->pos++;
            return true;
        }
        if (c == '\\') {
            s->pos++;
            if (escaped) *escaped = true;
            if (!jst__escape(s, at, out)) return false;
            continue;
        }
        if (c < 0x20)
            return jst__fail(s, at, "a string holds the raw control character 0x%02x (escape it as \\u%04x)", c, c);
        size_t n = c < 0x80 ? 1 : jst__utf8_seq(s->p + at, s->len - at);
        if (n == 0) return jst__fail(s, at, "the text is not valid UTF-8 (byte 0x%02x)", c);
        if (out) buf_append(out, s->p + at, n);
        s->pos += n;
    }
}

static bool jst__digit(const jst *s) { return s->pos < s->len && s->p[s->pos] >= '0' && s->p[s->pos] <= '9'; }

static bool jst__number(jst *s) {
    size_t start = s->pos;
    if (s->p[s->pos] == '-') s->pos++;
    if (!jst__digit(s)) return jst__fail(s, start, "a number needs a digit after its minus sign");
    size_t int_start = s->pos;
    if (s->p[s->pos] == '0') {
        s->pos++;
        if (jst__digit(s)) return jst__fail(s, start, "a number does not start with 0 unless it is 0 (01)");
    } else {
        while (jst__digit(s)) s->pos++;
    }
    size_t int_digits = s->pos - int_start;
    bool integer = true;
    if (s->pos < s->len && s->p[s->pos] == '.') {
        s->pos++;
        integer = false;
        if (!jst__digit(s)) return jst__fail(s, start, "a decimal point must be followed by a digit (1.)");
        while (jst__digit(s)) s->pos++;
    }
    if (s->pos < s->len && (s->p[s->pos] == 'e' || s->p[s->pos] == 'E')) {
        s->pos++;
        integer = false;
        if (s->pos < s->len && (s->p[s->pos] == '+' || s->p[s->pos] == '-')) s->pos++;
        if (!jst__digit(s)) return jst__fail(s, start, "an exponent needs digits (1e)");
        while (jst__digit(s)) s->pos++;
    }
    size_t len = s->pos - start;
    if (len > JSON_STRICT_NUMBER_MAX)
        return jst__fail(s, start, "a number longer than %d characters", JSON_STRICT_NUMBER_MAX);
    if (integer) {
        /* 2^53 = 9007199254740992 has 16 digits. */
        static const char max[] = "9007199254740992";
        const char *d = (const char *)s->p + int_start;
        if (int_digits > 16 || (int_digits == 16 && memcmp(d, max, 16) > 0))
            return jst__fail(s, start, "the integer %.*s is beyond +-2^53 and cannot be kept exactly",
                             (int)len, (const char *)s->p + start);
        return true;
    }
    char tmp[JSON_STRICT_NUMBER_MAX + 1];
    memcpy(tmp, s->p + start, len);
    tmp[len] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v)) return jst__fail(s, start, "the number %s is beyond the range of a double", tmp);
    if ((s->flags & JSON_STRICT_EXACT_INTEGERS) && v == floor(v))
        return jst__fail(s, start, "%s is a whole number written with a fraction or an exponent: "
                         "write it as an integer", tmp);
    return true;
}

static bool jst__value(jst *s);

static bool jst__literal(jst *s, const char *word) {
    size_t n = strlen(word);
    if (s->len - s->pos < n || memcmp(s->p + s->pos, word, n) != 0) {
        char what[16];
        snprintf(what, sizeof what, "'%s'", word);
        return jst__unexpected(s, what);
    }
    s->pos += n;
    return true;
}

static bool jst__enter(jst *s) {
    if (++s->depth > JSON_STRICT_MAX_DEPTH)
        return jst__fail(s, s->pos, "arrays and objects nest deeper than %d levels", JSON_STRICT_MAX_DEPTH);
    s->pos++;
    jst__ws(s);
    return true;
}

static bool jst__array(jst *s) {
    if (!jst__enter(s)) return false;
    if (s->pos < s->len && s->p[s->pos] == ']') {
        s->pos++;
        s->depth--;
        return true;
    }
    for (;;) {
        if (!jst__value(s)) return false;
        jst__ws(s);
        if (s->pos < s->len && s->p[s->pos] == ',') {
            s->pos++;
            jst__ws(s);
            continue;
        }
        if (s->pos < s->len && s->p[s->pos] == ']') {
            s->pos++;
            s->depth--;
            return true;
        }
        return jst__unexpected(s, "',' or ']'");
    }
}

/* The keys of one object: decoded copies of escaped keys are owned here. */
typedef struct jst__keys {
    hmap set;
    char **owned;
    size_t n_owned, cap_owned;
} jst__keys;

static void jst__keys_cleanup(jst__keys *k) {
    for (size_t i = 0; i < k->n_owned; i++) free(k->owned[i]);
    free(k->owned);
    hmap_cleanup(&k->set);
}

/* A key at s->pos; false if malformed or already in keys. */
static bool jst__key(jst *s, jst__keys *keys, buf *scratch) {
    size_t at = s->pos;
    bool escaped = false;
    buf_reset(scratch);
    if (!jst__string(s, scratch, &escaped)) return false;
    const char *key = (const char *)s->p + at + 1;
    size_t key_len = s->pos - at - 2;
    if (escaped) {
        key_len = scratch->len;
        char *copy = xmalloc(key_len + 1);
        if (key_len) memcpy(copy, scratch->data, key_len);
        copy[key_len] = '\0';
        keys->owned = xgrow(keys->owned, &keys->cap_owned, keys->n_owned + 1, sizeof *keys->owned);
        keys->owned[keys->n_owned++] = copy;
        key = copy;
    }
    if (s->flags & JSON_STRICT_DUPLICATE_KEYS_OK) return true;
    if (hmap_get(&keys->set, key, key_len))
        return jst__fail(s, at, "a key appears twice in one object");
    hmap_put(&keys->set, key, key_len, (void *)s->p); /* any non-NULL value */
    return true;
}

static bool jst__object(jst *s) {
    if (!jst__enter(s)) return false;
    if (s->pos < s->len && s->p[s->pos] == '}') {
        s->pos++;
        s->depth--;
        return true;
    }
    jst__keys keys = {0};
    hmap_init(&keys.set);
    buf scratch;
    buf_init(&scratch);
    bool ok = false;
    for (;;) {
        if (s->pos >= s->len || s->p[s->pos] != '"') {
            jst__unexpected(s, "a key (a string)");
            break;
        }
        if (!jst__key(s, &keys, &scratch)) break;
        jst__ws(s);
        if (s->pos >= s->len || s->p[s->pos] != ':') {
            jst__unexpected(s, "':'");
            break;
        }
        s->pos++;
        jst__ws(s);
        if (!jst__value(s)) break;
        jst__ws(s);
        if (s->pos < s->len && s->p[s->pos] == ',') {
            s->pos++;
            jst__ws(s);
            continue;
        }
        if (s->pos < s->len && s->p[s->pos] == '}') {
            s->pos++;
            s->depth--;
            ok = true;
            break;
        }
        jst__unexpected(s, "',' or '}'");
        break;
    }
    buf_cleanup(&scratch);
    jst__keys_cleanup(&keys);
    return ok;
}

static bool jst__value(jst *s) {
    if (s->pos >= s->len) return jst__unexpected(s, "a value");
    switch (s->p[s->pos]) {
    case '{': return jst__object(s);
    case '[': return jst__array(s);
    case '"': return jst__string(s, NULL, NULL);
    case 't': return jst__literal(s, "true");
    case 'f': return jst__literal(s, "false");
    case 'n': return jst__literal(s, "null");
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return jst__number(s);
    default: return jst__unexpected(s, "a value");
    }
}

bool json_strict_check(const char *text, size_t len, unsigned flags, json_strict_error *err) {
    jst s = {.p = (const unsigned char *)text, .len = text ? len : 0, .flags = flags, .err = err};
    if (s.len >= 3 && memcmp(s.p, "\xef\xbb\xbf", 3) == 0)
        return jst__fail(&s, 0, "the text starts with a byte order mark (RFC 8259 forbids it)");
    jst__ws(&s);
    if (s.pos >= s.len) return jst__fail(&s, s.pos, "the text holds no JSON value");
    if (!jst__value(&s)) return false;
    jst__ws(&s);
    if (s.pos < s.len) return jst__fail(&s, s.pos, "more text follows the JSON value");
    return true;
}

cJSON *json_strict_parse(const char *text, size_t len, unsigned flags, json_strict_error *err) {
    if (!json_strict_check(text, len, flags, err)) return NULL;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root && err) {
        err->offset = 0;
        snprintf(err->message, sizeof err->message, "out of memory");
    }
    return root;
}

const char *json_strict_describe(const json_strict_error *err, char *out, size_t out_len) {
    snprintf(out, out_len, "%s at byte %zu", err->message, err->offset);
    return out;
}
