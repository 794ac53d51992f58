/* hex.h - lowercase hex for hashes. */
#ifndef CHAINSIM_UTIL_HEX_H
#define CHAINSIM_UTIL_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2*len hex digits and a NUL to out (size >= 2*len+1). */
void hex_encode(char *out, const uint8_t *data, size_t len);
/* Parses exactly 2*len hex digits (either case) from hex into out; false if
 * hex is shorter, longer or holds a non-hex character. */
bool hex_decode(uint8_t *out, size_t len, const char *hex);

#endif
