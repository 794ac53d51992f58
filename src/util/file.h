/* file.h - a whole file read into memory (scenario and sweep files). */
#ifndef CHAINSIM_UTIL_FILE_H
#define CHAINSIM_UTIL_FILE_H

#include <stddef.h>

/* Reads the file at path into a new buffer: *out (the caller frees it)
 * holds *len bytes and a NUL after them. Returns 0, or an errno value
 * (fopen's or the read's; EFBIG when the file has more than max_bytes);
 * then *out is NULL and *len 0. */
int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len);

#endif
