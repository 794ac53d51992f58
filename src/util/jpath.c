/* jpath.c - JSON locations for error messages (see jpath.h). */
#include "util/jpath.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/canon.h"

const char *jpath_quote(char *dst, size_t cap, const char *s) {
    size_t o = 0, len = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        /* A well-formed character is copied whole or not at all; a byte
         * that is not UTF-8 is written as \xNN, so the message stays UTF-8. */
        size_t n = p[i] < 0x80 ? 1 : 0;
        for (size_t k = 2; k <= 4 && !n && i + k <= len; k++)
            if (utf8_valid(s + i, k)) n = k;
        if (o + 8 >= cap || i + (n ? n : 1) > JPATH_QUOTE_MAX) {
            memcpy(dst + o, "...", 4);
            return dst;
        }
        if (!n || p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\') {
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", p[i]);
            i++;
        } else {
            memcpy(dst + o, s + i, n);
            o += n;
            i += n;
        }
    }
    dst[o] = '\0';
    return dst;
}

static bool jpath__is_ident(const char *k) {
    if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_')) return false;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

/* A path too long for the buffer is cut and ends in "...". */
static void jpath__cut(char dst[JPATH_MAX], int written) {
    if (written >= JPATH_MAX) memcpy(dst + JPATH_MAX - 4, "...", 4);
}

void jpath_key(char dst[JPATH_MAX], const char *parent, const char *key) {
    char q[JPATH_QUOTE_BUF];
    if (jpath__is_ident(key))
        jpath__cut(dst, snprintf(dst, JPATH_MAX, "%s.%s", parent, key));
    else
        jpath__cut(dst, snprintf(dst, JPATH_MAX, "%s[\"%s\"]", parent, jpath_quote(q, sizeof q, key)));
}

void jpath_idx(char dst[JPATH_MAX], const char *parent, size_t i) {
    jpath__cut(dst, snprintf(dst, JPATH_MAX, "%s[%zu]", parent, i));
}

void jpath_vmessage(char *out, size_t out_len, const char *file, const char *jpath,
                    const char *fmt, va_list ap) {
    if (!out || out_len == 0) return;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    snprintf(out, out_len, "%s: %s: %s", file, jpath, text);
}
