/* json_strict.h - RFC 8259, exactly: the check every JSON text from outside
 * passes before cJSON reads it.
 *
 * cJSON is lenient where leniency changes data: it cuts a string at
 * \u0000, ends a string at a bad escape, reads 01 and 1. as numbers, lets
 * raw control characters through, rounds integers past 2^53, reads 5.0 as 5
 * (so a block carrying it no longer hashes to its stated hash) and keeps
 * the first of two equal keys where Python keeps the last. Whatever
 * chainsim reads from outside (HTTP bodies, peers' chains and relays,
 * stored data, scenario files) goes through json_strict_check first, which
 * reads the text once without building anything and refuses, with the byte
 * offset and a sentence:
 *
 *   | refused                              | example                 |
 *   |--------------------------------------|-------------------------|
 *   | bytes that are not UTF-8 (RFC 3629)  | "al\xff"                |
 *   | a byte order mark                    | EF BB BF at byte 0      |
 *   | a raw control character in a string  | "a<TAB>b"               |
 *   | \u0000 in a string or a key          | "alice\u0000evil"       |
 *   | an escape RFC 8259 does not define   | "\x41", "\u12g4"        |
 *   | a lone or reversed UTF-16 surrogate  | "\ud800", "\udc00\ud800"|
 *   | a number outside the grammar         | 01, 1., .5, +1, -, 1e   |
 *   | an integer beyond +-2^53 (inexact)   | 9007199254740993        |
 *   | a number beyond a double             | 1e400                   |
 *   | with JSON_STRICT_EXACT_INTEGERS: a   | 5.0, 1e3, -0.0, 1e-400  |
 *   |   fraction or exponent whose value   |                         |
 *   |   is whole                           |                         |
 *   | the same key twice in an object      | {"a": 1, "a": 2}        |
 *   |   (unless JSON_STRICT_DUPLICATE_KEYS_OK)                       |
 *   | nesting deeper than the limit        | [[[[...                 |
 *   | anything but whitespace after the    | {"a": 1} x, {} {}       |
 *   |   value; an empty text               |                         |
 *
 * What passes is read by cJSON exactly as written: strings whole, numbers
 * to the same value, the one value of each key. */
#ifndef CHAINSIM_UTIL_JSON_STRICT_H
#define CHAINSIM_UTIL_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* Deepest nesting of arrays and objects accepted (cJSON's own limit is
 * 1000; a chain is three levels, a scenario a handful). */
#define JSON_STRICT_MAX_DEPTH 256
/* Largest integer every JSON reader keeps exact: 2^53. */
#define JSON_STRICT_INT_MAX 9007199254740992.0

typedef enum json_strict_flags {
    JSON_STRICT_DEFAULT = 0,
    /* For data that is hashed, stored or echoed (blocks, transactions,
     * relays, HTTP bodies): a number written with a fraction or an exponent
     * must not hold a whole value. cJSON reads 5.0 as 5 and canonical JSON
     * writes 5, so the bytes hashed would not be the bytes sent; a sender
     * means an integer and writes one. Scenario files leave this off (there
     * 1.0 is a rate). */
    JSON_STRICT_EXACT_INTEGERS = 1u << 0,
    /* The caller refuses duplicate keys itself and names them by their
     * JSON path (the scenario parser: "$.name: duplicate field"). */
    JSON_STRICT_DUPLICATE_KEYS_OK = 1u << 1,
} json_strict_flags;

typedef struct json_strict_error {
    size_t offset;      /* byte of the text where the problem is */
    char message[160];  /* "a string holds \\u0000 (NUL), which would cut it short" */
} json_strict_error;

/* Checks text[0..len) (NUL bytes included: len, not strlen, ends it; text
 * may be NULL when len is 0). Returns true if it is one JSON value, with
 * optional whitespace around it, that breaks none of the rules above;
 * otherwise false with *err filled in (err may be NULL). */
bool json_strict_check(const char *text, size_t len, unsigned flags, json_strict_error *err);

/* json_strict_check, then cJSON. Returns the tree (the caller frees it with
 * cJSON_Delete), or NULL with *err (err may be NULL; an allocation failure
 * reads "out of memory at byte 0"). */
struct cJSON *json_strict_parse(const char *text, size_t len, unsigned flags,
                                json_strict_error *err);

/* Formats "<message> at byte <offset>" into out[0..out_len): the one way
 * callers put a refusal into a reply or a log line. Returns out. */
const char *json_strict_describe(const json_strict_error *err, char *out, size_t out_len);

#endif
