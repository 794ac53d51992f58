/* jsonw.h - a small JSON writer for the text chainsim writes without cJSON
 * (the trace, one line per event; the HTTP replies, built piece by piece).
 *
 * It appends to a caller's buf and keeps only the nesting, so a line is
 * written in one pass with no tree behind it. The layout is fixed: members
 * and elements separated by ", ", keys by ": ", no newlines:
 *
 *     {"t_us": 1500000, "ev": "mined", "tx": "a\"b", "ids": [1, 2]}
 *
 * jsonw_init_compact writes cJSON_PrintUnformatted's layout instead ("," and
 * ":", no spaces): the HTTP error replies, which clients have read in it.
 *
 * Strings are escaped as cJSON escapes them, so the two writers agree byte
 * for byte: `"` and `\` and the controls \b \f \n \r \t get their short
 * escape, other bytes below 0x20 become \u00xx, and every other byte is
 * copied (UTF-8 stays UTF-8; callers pass checked UTF-8, as every name and
 * id in chainsim is).
 *
 * Misuse (a value where a key is due, more than JSONW_DEPTH levels, ending
 * what was not begun) is a programmer error and asserted. */
#ifndef CHAINSIM_UTIL_JSONW_H
#define CHAINSIM_UTIL_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define JSONW_DEPTH 16

typedef struct jsonw {
    buf *out;               /* borrowed */
    int depth;              /* open containers */
    uint32_t has_members;   /* bit d: the container at depth d has one already */
    uint32_t is_object;     /* bit d: the container at depth d is an object */
    bool key_pending;       /* a key was written, its value is due */
    bool compact;           /* "," and ":" instead of ", " and ": " */
} jsonw;

/* Starts writing at the end of out (which stays the caller's). */
void jsonw_init(jsonw *w, buf *out);
/* The same, in the compact layout. */
void jsonw_init_compact(jsonw *w, buf *out);

void jsonw_obj_begin(jsonw *w);
void jsonw_obj_end(jsonw *w);
void jsonw_arr_begin(jsonw *w);
void jsonw_arr_end(jsonw *w);

/* The next member's name, inside an object. */
void jsonw_key(jsonw *w, const char *key);

/* Values: in an array, or after jsonw_key. */
void jsonw_str(jsonw *w, const char *s);
void jsonw_int(jsonw *w, int64_t v);
void jsonw_uint(jsonw *w, uint64_t v);
void jsonw_bool(jsonw *w, bool v);
void jsonw_null(jsonw *w);
/* v with `decimals` digits after the point ("%.*f"); null if v is not
 * finite (JSON has no NaN or infinity). */
void jsonw_fixed(jsonw *w, double v, int decimals);
/* A value that is already JSON text (a block's stored form), copied as is. */
void jsonw_raw(jsonw *w, const char *json);
/* The same for len bytes (a transaction's canonical JSON). */
void jsonw_raw_n(jsonw *w, const char *json, size_t len);
/* Writes what goes before a value (its separator) and leaves the value to
 * the caller, who appends exactly one JSON value to w->out next (a block's
 * wire JSON, straight from block_to_json). */
void jsonw_value_begin(jsonw *w);

/* Key and value in one call, the common case of a flat object. */
void jsonw_kstr(jsonw *w, const char *key, const char *s);
void jsonw_kint(jsonw *w, const char *key, int64_t v);
void jsonw_kuint(jsonw *w, const char *key, uint64_t v);
void jsonw_kbool(jsonw *w, const char *key, bool v);

/* Appends s as a JSON string literal (quotes included), escaped as above:
 * the escaping alone, for text assembled by other means. */
void jsonw_put_str(buf *out, const char *s);

#endif
