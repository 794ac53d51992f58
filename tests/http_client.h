/* http_client.h - the small libcurl client the HTTP tests talk through,
 * like any program would: one request, its status, body and two headers.
 *
 * Everything is static inline so a test that uses a part only gets no
 * unused-function warning. Call curl_global_init once in main. */
#ifndef CHAINSIM_TEST_HTTP_CLIENT_H
#define CHAINSIM_TEST_HTTP_CLIENT_H

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

typedef struct hc_res {
    long status;       /* -1: no answer (curl failed) */
    buf body;          /* the caller cleans it up */
    char location[256];
    char type[128];
} hc_res;

static inline size_t hc__on_body(char *d, size_t sz, size_t n, void *u) {
    buf_append(u, d, sz * n);
    return sz * n;
}

static inline size_t hc__on_header(char *d, size_t sz, size_t n, void *u) {
    hc_res *r = u;
    size_t len = sz * n;
    if (len > 10 && strncasecmp(d, "Location: ", 10) == 0)
        snprintf(r->location, sizeof r->location, "%.*s", (int)strcspn(d + 10, "\r\n"), d + 10);
    if (len > 14 && strncasecmp(d, "Content-Type: ", 14) == 0)
        snprintf(r->type, sizeof r->type, "%.*s", (int)strcspn(d + 14, "\r\n"), d + 14);
    return len;
}

/* One request to url. body may hold NULs (len is given) or be NULL;
 * ctype and accept may be NULL. Gives up after timeout_s. */
static inline hc_res hc_request(const char *method, const char *url, const char *ctype,
                                const char *body, size_t len, const char *accept, long timeout_s) {
    hc_res r = {0};
    buf_init(&r.body);
    CURL *c = curl_easy_init();
    struct curl_slist *hs = NULL;
    char line[160];
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        hs = curl_slist_append(hs, line);
    }
    if (accept) {
        snprintf(line, sizeof line, "Accept: %s", accept);
        hs = curl_slist_append(hs, line);
    }
    hs = curl_slist_append(hs, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hc__on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hc__on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode e = curl_easy_perform(c);
    if (e == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    else r.status = -1;
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return r;
}

static inline cJSON *hc_json(const hc_res *r) { return cJSON_ParseWithLength(r->body.data, r->body.len); }

static inline const char *hc_str(const cJSON *o, const char *k) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(it) ? it->valuestring : "(absent)";
}

static inline double hc_num(const cJSON *o, const char *k) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(it) ? it->valuedouble : -1;
}

#endif
