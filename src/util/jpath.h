/* jpath.h - JSON locations and user strings in one-line error messages:
 * "$.chain.difficulty", "$.events[3].peers[0]",
 * "$.chain.genesis.balances[\"with space\"]".
 *
 * The scenario parser and the sweep reader both name what is wrong this
 * way, so a user sees one style whichever file part is at fault. */
#ifndef CHAINSIM_UTIL_JPATH_H
#define CHAINSIM_UTIL_JPATH_H

#include <stdarg.h>
#include <stddef.h>

#define JPATH_MAX 256       /* a JSON path in a message; longer ones are cut with "..." */
#define JPATH_QUOTE_MAX 48  /* bytes of a user string quoted in a message */
/* Room for a quoted string: every byte may become \xNN, plus "..." and NUL. */
#define JPATH_QUOTE_BUF (JPATH_QUOTE_MAX * 4 + 8)

/* Copies a user string for a message into dst[0..cap): control bytes,
 * quotes, backslashes and bytes that are not UTF-8 become \xNN (the message
 * stays one line of valid UTF-8), strings longer than JPATH_QUOTE_MAX bytes
 * are cut with "..." between characters, never inside one. Returns dst. */
const char *jpath_quote(char *dst, size_t cap, const char *s);
/* parent + key: "$.x" + "y" -> "$.x.y"; a key that is not an identifier is
 * quoted: "$.x[\"a b\"]". */
void jpath_key(char dst[JPATH_MAX], const char *parent, const char *key);
/* parent + index: "$.x" + 3 -> "$.x[3]". */
void jpath_idx(char dst[JPATH_MAX], const char *parent, size_t i);
/* The one line a located message is, "file: jpath: <fmt, ap>", into
 * out[0..out_len); nothing when out is NULL or out_len is 0. */
void jpath_vmessage(char *out, size_t out_len, const char *file, const char *jpath,
                    const char *fmt, va_list ap);

#endif
