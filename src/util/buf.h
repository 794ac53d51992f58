/* buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Caller-owned: buf_init() then buf_cleanup(). `data` may move on every
 * append; `len` excludes the terminating NUL. */
#ifndef CHAINSIM_UTIL_BUF_H
#define CHAINSIM_UTIL_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf;

void buf_init(buf *b);
void buf_cleanup(buf *b);
void buf_reset(buf *b); /* len = 0, keeps the memory */
void buf_append(buf *b, const void *data, size_t len);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for HTML or XML text and attribute values: & < > " '
 * become entities (the page, the plots' SVG). */
void buf_puts_markup(buf *b, const char *s);
/* Hands the bytes to the caller (free() them); `b` is empty afterwards. */
char *buf_detach(buf *b, size_t *len_out);

#endif
