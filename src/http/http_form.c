/* http_form.c - request bodies: urlencoded forms, and the fields every POST
 * endpoint reads from a form or a JSON object alike. A JSON body passes
 * util/json_strict first (so nothing cJSON would change gets through); UTF-8
 * in names is checked by the transaction rules. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/json_strict.h"
#include "util/mem.h"

static int http__hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) ('+' is a space, %XX a byte) into a new string, or
 * NULL with *why for a broken escape or a NUL byte (which would silently
 * cut the value short). */
static char *http__url_decode(const char *s, size_t len, const char **why) {
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < len ? http__hex_val(s[i + 1]) : -1;
            int lo = i + 2 < len ? http__hex_val(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                *why = "a %-escape in the form is not followed by two hex digits";
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            free(out);
            *why = "the form holds a NUL byte";
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

bool http__form_parse(http__form *f, const char *body, size_t len, const char **why) {
    memset(f, 0, sizeof *f);
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end > i) {
            const char *eq = memchr(body + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;
            char *k = http__url_decode(body + i, klen, why);
            char *v = k ? (eq ? http__url_decode(eq + 1, (size_t)(body + end - eq - 1), why)
                              : xstrdup(""))
                        : NULL;
            if (!k || !v) {
                free(k);
                http__form_cleanup(f);
                return false;
            }
            size_t cap = f->cap;
            f->keys = xgrow(f->keys, &f->cap, f->n + 1, sizeof *f->keys);
            f->vals = xgrow(f->vals, &cap, f->n + 1, sizeof *f->vals);
            f->keys[f->n] = k;
            f->vals[f->n] = v;
            f->n++;
        }
        i = end + 1;
    }
    return true;
}

const char *http__form_get(const http__form *f, const char *key) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0) return f->vals[i];
    return NULL;
}

void http__form_cleanup(http__form *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->vals[i]);
    }
    free(f->keys);
    free(f->vals);
    memset(f, 0, sizeof *f);
}

/* ---- the fields of a body ------------------------------------------------ */

bool http__fields_parse(http__fields *f, http__body_kind kind, const char *body, size_t len,
                        http__body_error *e) {
    memset(f, 0, sizeof *f);
    const char *why = NULL;
    switch (kind) {
    case HTTP_BODY_NONE: return true;
    case HTTP_BODY_FORM:
        if (http__form_parse(&f->form, body, len, &why)) return true;
        *e = (http__body_error){MHD_HTTP_BAD_REQUEST, "bad_form", ""};
        snprintf(e->message, sizeof e->message, "%s", why);
        return false;
    case HTTP_BODY_JSON: {
        /* Strict first (RFC 8259, exact numbers): what cJSON would change
         * (a cut string, a rounded number, one of two equal keys) is refused. */
        json_strict_error err;
        f->json = json_strict_parse(body, len, JSON_STRICT_EXACT_INTEGERS, &err);
        if (!f->json) {
            char d[200];
            *e = (http__body_error){MHD_HTTP_BAD_REQUEST, "bad_json", ""};
            snprintf(e->message, sizeof e->message, "the body is not valid JSON: %s",
                     json_strict_describe(&err, d, sizeof d));
            return false;
        }
        if (!cJSON_IsObject(f->json)) {
            cJSON_Delete(f->json);
            f->json = NULL;
            *e = (http__body_error){MHD_HTTP_BAD_REQUEST, "bad_json", "the body must be a JSON object"};
            return false;
        }
        return true;
    }
    case HTTP_BODY_OTHER: break;
    }
    *e = (http__body_error){MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                            "send application/x-www-form-urlencoded or application/json"};
    return false;
}

bool http__read_fields(http__req *r, http__fields *f, enum MHD_Result *ret) {
    http__body_error e;
    if (http__fields_parse(f, r->kind, r->body.data, r->body.len, &e)) return true;
    *ret = http__fail(r, e.status, e.code, "%s", e.message);
    return false;
}

void http__fields_cleanup(http__fields *f) {
    http__form_cleanup(&f->form);
    cJSON_Delete(f->json);
}

bool http__field_str(const http__fields *f, const char *key, const char **out, char *why,
                     size_t why_len) {
    *out = NULL;
    if (!f->json) {
        *out = http__form_get(&f->form, key);
        return true;
    }
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(f->json, key);
    if (!it) return true;
    if (!cJSON_IsString(it)) {
        snprintf(why, why_len, "%s: expected a string", key);
        return false;
    }
    *out = it->valuestring;
    return true;
}

bool http__field_amount(const http__fields *f, int64_t *out, bool *present, char *why,
                        size_t why_len) {
    *present = false;
    if (f->json) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(f->json, "amount");
        if (!it) return true;
        *present = true;
        double d = it->valuedouble;
        if (!cJSON_IsNumber(it) || d != floor(d)) {
            snprintf(why, why_len, "amount: expected a whole number");
            return false;
        }
        if (fabs(d) > (double)TX_AMOUNT_MAX) {
            *out = d > 0 ? TX_AMOUNT_MAX + 1 : -1; /* refused by the tx rules, with their reason */
            return true;
        }
        *out = (int64_t)d;
        return true;
    }
    const char *s = http__form_get(&f->form, "amount");
    if (!s) return true;
    *present = true;
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (!*p || strspn(p, "0123456789") != strlen(p)) {
        snprintf(why, why_len, "amount: expected a whole number");
        return false;
    }
    int64_t v = 0;
    for (; *p; p++) {
        if (v > TX_AMOUNT_MAX) break; /* too large either way: stop before overflow */
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}
