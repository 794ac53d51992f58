/* remote_parse.c - what the transport reads from outside: peer URLs and
 * pulled chains (see remote.h). Pure functions, no transport state: the
 * HTTP face checks a URL before it gives it a peer id, and the worker parses
 * a /chain answer on its own thread. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/remote.h"
#include "util/json_strict.h"
#include "util/mem.h"

/* ---- URLs --------------------------------------------------------------- */

bool remote_url_normalize(char *out, size_t out_len, const char *in, const char **why) {
    const char *p = in;
    size_t in_len = strlen(in);
    if (in_len == 0) {
        *why = "the URL is empty";
        return false;
    }
    if (in_len > REMOTE_MAX_URL) {
        *why = "the URL is too long";
        return false;
    }
    for (size_t i = 0; i < in_len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= 0x20 || c >= 0x7f) {
            *why = "the URL holds spaces, control or non-ASCII characters";
            return false;
        }
    }
    const char *scheme = "http";
    const char *sep = strstr(p, "://");
    if (sep) {
        size_t sl = (size_t)(sep - p);
        if (sl == 4 && strncasecmp(p, "http", 4) == 0) scheme = "http";
        else if (sl == 5 && strncasecmp(p, "https", 5) == 0) scheme = "https";
        else {
            *why = "only http:// and https:// peers are supported";
            return false;
        }
        p = sep + 3;
    }
    size_t auth_len = strcspn(p, "/?#");
    const char *rest = p + auth_len;
    if (*rest == '?' || *rest == '#' || (*rest == '/' && rest[1] != '\0')) {
        *why = "a peer URL has no path, query or fragment (just http://host:port)";
        return false;
    }
    if (memchr(p, '@', auth_len)) {
        *why = "a peer URL has no user name or password";
        return false;
    }
    /* host: [v6] or name/IPv4, then an optional :port */
    const char *host = p, *host_end, *port = NULL;
    if (*host == '[') {
        host_end = memchr(p, ']', auth_len);
        if (!host_end || host_end == host + 1) {
            *why = "a bracketed IPv6 host is not closed";
            return false;
        }
        host_end++;
        if (host_end < p + auth_len) {
            if (*host_end != ':') {
                *why = "unexpected characters after the host";
                return false;
            }
            port = host_end + 1;
        }
    } else {
        const char *colon = memchr(p, ':', auth_len);
        host_end = colon ? colon : p + auth_len;
        if (colon) port = colon + 1;
        for (const char *c = host; c < host_end; c++) {
            if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_') {
                *why = "the host name holds characters a host name cannot have";
                return false;
            }
        }
    }
    if (host_end == host) {
        *why = "the URL has no host";
        return false;
    }
    long port_num = -1;
    if (port) {
        const char *pe = p + auth_len;
        if (port == pe || pe - port > 5) {
            *why = "the port must be a number from 1 to 65535";
            return false;
        }
        port_num = 0;
        for (const char *c = port; c < pe; c++) {
            if (!isdigit((unsigned char)*c)) {
                *why = "the port must be a number from 1 to 65535";
                return false;
            }
            port_num = port_num * 10 + (*c - '0');
        }
        if (port_num < 1 || port_num > 65535) {
            *why = "the port must be a number from 1 to 65535";
            return false;
        }
    }
    char hostbuf[REMOTE_MAX_URL + 1];
    size_t hl = (size_t)(host_end - host);
    for (size_t i = 0; i < hl; i++) hostbuf[i] = (char)tolower((unsigned char)host[i]);
    hostbuf[hl] = '\0';
    int w = port_num > 0 ? snprintf(out, out_len, "%s://%s:%ld", scheme, hostbuf, port_num)
                         : snprintf(out, out_len, "%s://%s", scheme, hostbuf);
    /* The limit holds for the normalised form too: "host:port" gains
     * "http://", and what is accepted must be accepted again unchanged. */
    if (w < 0 || (size_t)w >= out_len || (size_t)w > REMOTE_MAX_URL) {
        *why = "the URL is too long";
        return false;
    }
    return true;
}

/* ---- parsing a pulled chain --------------------------------------------- */

reject remote_parse_chain(bstore *st, const char *body, size_t len, size_t max_blocks,
                          block ***out, size_t *n, char *detail, size_t detail_len) {
    *out = NULL;
    *n = 0;
    json_strict_error err;
    cJSON *root = json_strict_parse(body, len, JSON_STRICT_EXACT_INTEGERS, &err);
    if (!root) {
        char d[200];
        snprintf(detail, detail_len, "the body is not valid JSON: %s",
                 json_strict_describe(&err, d, sizeof d));
        return REJ_CHAIN_JSON;
    }
    const cJSON *list = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "chain") : NULL;
    if (!cJSON_IsArray(list)) {
        snprintf(detail, detail_len, "the body is not {\"chain\": [...]}");
        cJSON_Delete(root);
        return REJ_CHAIN_MALFORMED;
    }
    size_t count = (size_t)cJSON_GetArraySize(list);
    if (count > max_blocks) {
        snprintf(detail, detail_len, "the chain has %zu blocks, more than the %zu accepted", count,
                 max_blocks);
        cJSON_Delete(root);
        return REJ_CHAIN_TOO_LARGE;
    }
    ledger_rules rules = bstore_params(st)->ledger;
    block **blocks = xmalloc((count + 1) * sizeof *blocks);
    size_t got = 0;
    reject why = REJ_NONE;
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        char d[200];
        d[0] = '\0';
        block *b = cJSON_IsObject(it) ? block_from_json(it, rules, &why, d, sizeof d) : NULL;
        if (!b) {
            if (!cJSON_IsObject(it)) {
                why = REJ_CHAIN_MALFORMED;
                snprintf(d, sizeof d, "not an object");
            }
            snprintf(detail, detail_len, "chain[%zu]: %s (%s)", got, d[0] ? d : reject_message(why),
                     reject_code(why));
            break;
        }
        blocks[got++] = b;
    }
    cJSON_Delete(root);
    if (why != REJ_NONE) {
        for (size_t i = 0; i < got; i++) block_unref(blocks[i]);
        free(blocks);
        return why;
    }
    for (size_t i = 0; i < got; i++) blocks[i] = bstore_intern(st, blocks[i]);
    *out = blocks;
    *n = got;
    return REJ_NONE;
}
