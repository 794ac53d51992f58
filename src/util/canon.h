/* canon.h - canonical JSON, byte for byte what Python prints with
 * json.dumps(obj, sort_keys=True).
 *
 * Block hashes are SHA-256 of these bytes, and the classic Python nodes
 * compute them the same way, so every detail matters:
 *
 *   | what              | output                                          |
 *   |-------------------|-------------------------------------------------|
 *   | object            | {"a": 1, "b": 2}   keys sorted by code point    |
 *   | array             | [1, 2]             separators ", " and ": "     |
 *   | string            | "..." with \" \\ \n \r \t \b \f escaped,        |
 *   |                   | other controls and all non-ASCII as \uXXXX      |
 *   |                   | (lowercase hex), above U+FFFF a surrogate pair  |
 *   | number            | integers only, no exponent, no fraction         |
 *   | true/false/null   | true, false, null                               |
 *
 * Sorting UTF-8 keys byte-wise gives code point order, which is Python's. */
#ifndef CHAINSIM_UTIL_CANON_H
#define CHAINSIM_UTIL_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct cJSON;

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8 s[0..len). */
size_t utf8_count(const char *s, size_t len);

/* Appends s[0..len) as a canonical JSON string literal. Returns CS_EINVAL
 * (and appends nothing) if s is not valid UTF-8. */
cs_err canon_put_str(buf *out, const char *s, size_t len);
/* Appends a decimal integer. */
void canon_put_int(buf *out, int64_t v);
void canon_put_uint(buf *out, uint64_t v);

/* Appends the canonical form of a cJSON tree. If skip_key is non-NULL, a
 * member of that name at the top level of an object is left out (how a
 * block's "hash" field is removed before hashing). Errors: CS_EINVAL for a
 * number that is not an integer in [-2^53, 2^53], a string or key that is not
 * valid UTF-8, or a duplicate key. On error `out` may hold a partial result;
 * `*where` (if given) points at the offending item. */
cs_err canon_write_json(buf *out, const struct cJSON *item, const char *skip_key,
                        const struct cJSON **where);

#endif
