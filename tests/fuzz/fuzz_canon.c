/* fuzz_canon.c - the canonical JSON writer (util/canon.c) against Python's
 * json.dumps(obj, sort_keys=True).
 *
 * The input drives a generator that writes one JSON text the way a peer
 * might: strings of ASCII, quotes, backslashes, control characters,
 * non-ASCII of 2, 3 and 4 bytes, raw or as \u escapes (any case), surrogate
 * pairs and lone or reversed surrogates; integers at and past +-2^53, -0,
 * fractions and exponents; arrays and objects (keys in any order, sometimes
 * twice) nested up to 300 deep; whitespace between tokens. chainsim reads it
 * as it reads anything from outside (json_strict_parse with exact
 * integers), then writes it with canon_write_json; or refuses it.
 *
 * In process: what is written is strict JSON, and reading and writing it
 * again gives the same bytes. The comparison with Python needs Python: with
 * CHAINSIM_CANON_CASES=FILE set, each case is appended to FILE as one line
 *   {"text": <the generated text>, "canon": <chainsim's bytes> | null}
 * and tests/fuzz/canon_check.py checks every line: for what chainsim
 * wrote, json.dumps(json.loads(text), sort_keys=True) must be those exact
 * bytes; for what it refused, the text must hold something chainsim
 * refuses by rule (not JSON to Python, a float, an integer past 2^53, a
 * lone surrogate, a duplicate key, nesting past 256), else the refusal was
 * wrong. tests/fuzz/run.sh does both for every case of its fuzzing run. */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"
#include "util/buf.h"
#include "util/canon.h"
#include "util/json_strict.h"

typedef struct gen {
    const uint8_t *p, *end;
    buf out;
    int depth;
} gen;

static unsigned gen__byte(gen *g) { return g->p < g->end ? *g->p++ : 0; }

static void gen__space(gen *g) {
    static const char *const spaces[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
    if (g->p < g->end && (*g->p & 0x80)) buf_puts(&g->out, spaces[gen__byte(g) % 7]);
}

/* \uXXXX of a UTF-16 unit, in lower or upper case hex. */
static void gen__u(gen *g, unsigned unit, bool upper) {
    buf_printf(&g->out, upper ? "\\u%04X" : "\\u%04x", unit & 0xffff);
}

static void gen__code_point(gen *g, uint32_t cp) {
    unsigned how = gen__byte(g) % 3; /* raw UTF-8, \u lowercase, \u uppercase */
    if (how == 0 && cp >= 0x20 && cp != '"' && cp != '\\' && !(cp >= 0xd800 && cp <= 0xdfff)) {
        char u[4];
        size_t n;
        if (cp < 0x80) { u[0] = (char)cp; n = 1; }
        else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
        else if (cp < 0x10000) {
            u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
        } else {
            u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
        }
        buf_append(&g->out, u, n);
    } else if (cp >= 0x10000) {
        gen__u(g, 0xd800 + ((cp - 0x10000) >> 10), how == 2);
        gen__u(g, 0xdc00 + ((cp - 0x10000) & 0x3ff), how == 2);
    } else if (cp == '"' || cp == '\\') {
        buf_putc(&g->out, '\\');
        buf_putc(&g->out, (char)cp);
    } else {
        gen__u(g, cp, how == 2);
    }
}

static void gen__string(gen *g) {
    static const uint32_t palette[] = {
        'a', 'Z', '0', ' ', '/', '"', '\\', 0x7f, 0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f,
        0xe9, 0xff, 0x100, 0x7ff, 0x800, 0x20ac, 0x2028, 0xfeff, 0xfffd, 0xffff, 0x10000,
        0x1f600, 0x10ffff};
    static const char *const escapes[] = {"\\n", "\\t", "\\r", "\\b", "\\f", "\\/", "\\ud800",
                                          "\\udc00", "\\udc00\\ud800", "\\ud83d\\ude00x"};
    buf_putc(&g->out, '"');
    unsigned n = gen__byte(g) % 12;
    for (unsigned i = 0; i < n; i++) {
        unsigned c = gen__byte(g);
        if (c < 20) buf_puts(&g->out, escapes[c % 10]);
        else if (c < 24) buf_putc(&g->out, (char)(c - 20 + 0x01)); /* a raw control: refused */
        else gen__code_point(g, palette[c % (sizeof palette / sizeof *palette)]);
    }
    buf_putc(&g->out, '"');
}

static void gen__number(gen *g) {
    static const char *const special[] = {
        "0", "-0", "1", "-1", "9007199254740992", "-9007199254740992", "9007199254740993",
        "18446744073709551616", "1.5", "5.0", "1e3", "-0.0", "1E400", "0.1e1", "123456789012345",
        "2.5e-3", "100000000000000000000"};
    unsigned c = gen__byte(g);
    if (c < 128) {
        buf_puts(&g->out, special[c % (sizeof special / sizeof *special)]);
    } else {
        int64_t v = 0;
        for (int i = 0; i < 7; i++) v = v << 8 | gen__byte(g);
        buf_printf(&g->out, "%s%lld", c & 1 ? "-" : "", (long long)(v >> (c % 40)));
    }
}

static void gen__value(gen *g) {
    gen__space(g);
    unsigned op = g->p < g->end ? gen__byte(g) % 9 : 0;
    if (g->depth > 300 && (op == 4 || op == 5 || op == 6)) op = 1;
    switch (op) {
    case 0: buf_puts(&g->out, (const char *[]){"null", "true", "false"}[gen__byte(g) % 3]); break;
    case 1:
    case 2: gen__number(g); break;
    case 3:
    case 7: gen__string(g); break;
    case 4:
    case 8: {
        unsigned n = gen__byte(g) % 5;
        g->depth++;
        buf_putc(&g->out, '[');
        for (unsigned i = 0; i < n; i++) {
            if (i) buf_putc(&g->out, ',');
            gen__value(g);
        }
        buf_putc(&g->out, ']');
        g->depth--;
        break;
    }
    case 5: {
        unsigned n = gen__byte(g) % 5;
        g->depth++;
        buf_putc(&g->out, '{');
        for (unsigned i = 0; i < n; i++) {
            if (i) buf_putc(&g->out, ',');
            gen__space(g);
            gen__string(g);
            gen__space(g);
            buf_putc(&g->out, ':');
            gen__value(g);
        }
        buf_putc(&g->out, '}');
        g->depth--;
        break;
    }
    case 6: { /* deep: 1..300 arrays around one value */
        unsigned d = 1 + (gen__byte(g) << 8 | gen__byte(g)) % 300;
        for (unsigned i = 0; i < d; i++) buf_putc(&g->out, '[');
        g->depth += (int)d;
        gen__value(g);
        g->depth -= (int)d;
        for (unsigned i = 0; i < d; i++) buf_putc(&g->out, ']');
        break;
    }
    }
    gen__space(g);
}

/* Appends s[0..len) to f as a JSON string (bytes as code points: the text
 * is UTF-8 except where a raw control makes it invalid JSON, which Python
 * then refuses too; invalid UTF-8 never occurs, the generator writes none). */
static void case__str(FILE *f, const char *s, size_t len) {
    buf b;
    buf_init(&b);
    if (canon_put_str(&b, s, len) == CS_OK) fwrite(b.data, 1, b.len, f);
    else fputs("null", f);
    buf_cleanup(&b);
}

static void case__write(const char *text, size_t len, const buf *canon) {
    static FILE *f;
    static bool tried;
    static unsigned long written;
    if (!tried) {
        tried = true;
        const char *path = getenv("CHAINSIM_CANON_CASES");
        if (path && path[0]) f = fopen(path, "a");
    }
    if (!f || written >= 200000) return;
    written++;
    fputs("{\"text\": ", f);
    case__str(f, text, len);
    fputs(", \"canon\": ", f);
    if (canon) case__str(f, canon->data, canon->len);
    else fputs("null", f);
    fputs("}\n", f); /* buffered: libFuzzer's exit flushes it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gen g = {.p = data, .end = data + size};
    buf_init(&g.out);
    gen__value(&g);
    json_strict_error err;
    cJSON *tree = json_strict_parse(g.out.data, g.out.len, JSON_STRICT_EXACT_INTEGERS, &err);
    buf canon;
    buf_init(&canon);
    bool wrote = tree && canon_write_json(&canon, tree, NULL, NULL) == CS_OK;
    if (wrote) {
        json_strict_error err2;
        cJSON *again = json_strict_parse(canon.data, canon.len, JSON_STRICT_EXACT_INTEGERS, &err2);
        FUZZ_CHECK(again != NULL, "canonical output is not strict JSON: %s", canon.data);
        buf twice;
        buf_init(&twice);
        FUZZ_CHECK(canon_write_json(&twice, again, NULL, NULL) == CS_OK && twice.len == canon.len &&
                       memcmp(twice.data, canon.data, canon.len) == 0,
                   "canonical output is not a fixed point: %s", canon.data);
        buf_cleanup(&twice);
        cJSON_Delete(again);
    }
    case__write(g.out.data, g.out.len, wrote ? &canon : NULL);
    cJSON_Delete(tree);
    buf_cleanup(&canon);
    buf_cleanup(&g.out);
    return 0;
}
