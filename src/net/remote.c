/* remote.c - the libcurl transport for URL peers (see remote.h).
 *
 * Node threads call remote__send, which turns nothing into bytes: it takes
 * the message, looks up the peer's URL and appends a job to `queue` under
 * `lock`, then wakes the worker. The worker owns the curl multi handle and
 * every job once taken: it serialises the payload, runs the transfers, and
 * on completion parses what came back and injects it with sim_inject. Blocks
 * a message carries are borrowed from the store, which outlives the worker. */
#include "net/remote.h"

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/json_strict.h"
#include "util/log.h"
#include "util/mem.h"

/* Most blocks taken from one pulled chain. */
#define REMOTE_MAX_CHAIN_BLOCKS 1000000

typedef struct remote__job {
    msg *m;                      /* owned */
    char url[REMOTE_MAX_URL + 32]; /* the request's full URL */
    const char *peer_url;        /* lives as long as the sim */
    buf body;                    /* POST body */
    buf resp;                    /* response body */
    size_t max_resp;
    bool resp_too_big;
    struct remote__job *prev_active, *next_active; /* worker: transfers in flight */
    CURL *easy;
    struct curl_slist *headers;
    struct remote__job *next;
} remote__job;

typedef struct remote__peer_note {
    int peer;
    char *error;                 /* NULL: the last exchange worked */
    reject why;                  /* a refused chain's reason; REJ_NONE otherwise */
} remote__peer_note;

struct remote {
    sim *s;
    remote_desc desc;
    CURLM *multi;                /* worker only, but for curl_multi_wakeup */
    pthread_t worker;
    bool worker_running;
    atomic_bool stopping;

    pthread_mutex_t lock;        /* guards queue, n_queued, origins, peers, notes */
    remote__job *queue, *queue_tail;
    size_t n_queued;
    char **origins;              /* per local node, or NULL */
    int n_origins;
    char **peer_urls;            /* URLs given ids through remote_peer */
    size_t n_peer_urls, cap_peer_urls;
    remote__peer_note *notes;
    size_t n_notes, cap_notes;
};

static pthread_once_t remote__curl_once = PTHREAD_ONCE_INIT;
static void remote__curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

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
    if (w < 0 || (size_t)w >= out_len) {
        *why = "the URL is too long";
        return false;
    }
    return true;
}

/* ---- peers and their notes ---------------------------------------------- */

int remote_peer(remote *r, const char *url) {
    pthread_mutex_lock(&r->lock);
    bool known = false;
    for (size_t i = 0; i < r->n_peer_urls && !known; i++) known = strcmp(r->peer_urls[i], url) == 0;
    if (!known) {
        if (r->n_peer_urls >= (size_t)r->desc.max_peers) {
            pthread_mutex_unlock(&r->lock);
            return -1;
        }
        r->peer_urls = xgrow(r->peer_urls, &r->cap_peer_urls, r->n_peer_urls + 1,
                             sizeof *r->peer_urls);
        r->peer_urls[r->n_peer_urls++] = xstrdup(url);
    }
    pthread_mutex_unlock(&r->lock);
    return sim_remote_add(r->s, url);
}

static remote__peer_note *remote__note(remote *r, int peer) {
    for (size_t i = 0; i < r->n_notes; i++)
        if (r->notes[i].peer == peer) return &r->notes[i];
    r->notes = xgrow(r->notes, &r->cap_notes, r->n_notes + 1, sizeof *r->notes);
    r->notes[r->n_notes] = (remote__peer_note){.peer = peer};
    return &r->notes[r->n_notes++];
}

/* Records the outcome of an exchange with a peer (error NULL: it worked). */
static void remote__set_note(remote *r, int peer, const char *error, reject why) {
    pthread_mutex_lock(&r->lock);
    remote__peer_note *n = remote__note(r, peer);
    free(n->error);
    n->error = error ? xstrdup(error) : NULL;
    n->why = why;
    pthread_mutex_unlock(&r->lock);
}

bool remote_peer_error(remote *r, int peer, reject *why, char *out, size_t out_len) {
    bool found = false;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n_notes; i++) {
        if (r->notes[i].peer == peer && r->notes[i].error) {
            snprintf(out, out_len, "%s", r->notes[i].error);
            *why = r->notes[i].why;
            found = true;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return found;
}

void remote_set_origin(remote *r, int node_id, const char *url) {
    pthread_mutex_lock(&r->lock);
    if (node_id >= r->n_origins) {
        r->origins = xrealloc(r->origins, (size_t)(node_id + 1) * sizeof *r->origins);
        for (int i = r->n_origins; i <= node_id; i++) r->origins[i] = NULL;
        r->n_origins = node_id + 1;
    }
    free(r->origins[node_id]);
    r->origins[node_id] = xstrdup(url);
    pthread_mutex_unlock(&r->lock);
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
        return REJ_CHAIN_MALFORMED;
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
        return REJ_CHAIN_MALFORMED;
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

/* ---- the worker ---------------------------------------------------------- */

static size_t remote__on_data(char *data, size_t size, size_t nmemb, void *user) {
    remote__job *j = user;
    size_t len = size * nmemb;
    if (j->resp.len + len > j->max_resp) {
        j->resp_too_big = true;
        return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
    }
    buf_append(&j->resp, data, len);
    return len;
}

static void remote__job_free(remote__job *j) {
    if (!j) return;
    msg_free(j->m);
    buf_cleanup(&j->body);
    buf_cleanup(&j->resp);
    curl_slist_free_all(j->headers);
    if (j->easy) curl_easy_cleanup(j->easy);
    free(j);
}

/* Fills in a job's request: what a message becomes. Returns false for
 * messages the transport does not carry. */
static bool remote__prepare(remote *r, remote__job *j) {
    msg *m = j->m;
    const char *path = NULL;
    switch (m->kind) {
    case MSG_INV:
    case MSG_BLOCK:
    case MSG_CMPCTBLOCK: /* over HTTP the whole block: the peer may lack its txs */
    case MSG_TX:
        if (m->tx) {
            path = "/relay/tx";
            buf_append(&j->body, m->tx->canon, m->tx->canon_len);
        } else if (m->block) {
            path = "/relay/block";
            block_to_json(&j->body, m->block);
        }
        break;
    case MSG_GETCHAIN:
    case MSG_GETBLOCKS: path = "/chain"; break;
    case MSG_GETDATA:
    case MSG_GETBLOCKTXN:
    case MSG_BLOCKS:
    case MSG_CHAIN:
    case MSG_COMMAND: break;
    }
    if (!path) {
        log_debug("remote: %s to %s is not carried over HTTP", msg_kind_name(m->kind), j->peer_url);
        return false;
    }
    snprintf(j->url, sizeof j->url, "%s%s", j->peer_url, path);
    j->max_resp = r->desc.max_chain_bytes;
    j->easy = curl_easy_init();
    if (!j->easy) return false;
    CURL *e = j->easy;
    curl_easy_setopt(e, CURLOPT_URL, j->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->desc.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->desc.timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, remote__on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "chainsim");
    j->headers = curl_slist_append(j->headers, "Accept: application/json");
    if (j->body.len > 0) {
        j->headers = curl_slist_append(j->headers, "Content-Type: application/json");
        pthread_mutex_lock(&r->lock);
        const char *origin = m->from >= 0 && m->from < r->n_origins ? r->origins[m->from] : NULL;
        if (origin) {
            char h[REMOTE_MAX_URL + 32];
            snprintf(h, sizeof h, "X-Chainsim-Origin: %s", origin);
            j->headers = curl_slist_append(j->headers, h);
        }
        pthread_mutex_unlock(&r->lock);
        /* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
        j->headers = curl_slist_append(j->headers, "Expect:");
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body.data);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body.len);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
    return true;
}

/* An empty chain: the node counts the peer's answer as a rejected chain
 * and does not wait for it until its resolve times out. */
static void remote__inject_chain(remote *r, const msg *req, block **blocks, size_t n) {
    msg *m = msg_new(MSG_CHAIN);
    m->from = req->to;
    m->to = req->from;
    m->blocks = blocks;
    m->n_blocks = n;
    sim_inject(r->s, m);
}

/* The blocks of a pulled chain above the highest one the asker's locator
 * names (the asker holds that one and its ancestors). */
static void remote__inject_blocks(remote *r, const msg *req, block **blocks, size_t n) {
    size_t start = 0;
    for (size_t i = n; i-- > 0 && start == 0;)
        for (size_t k = 0; k < req->n_blocks; k++)
            if (req->blocks[k] == blocks[i]) {
                start = i + 1;
                break;
            }
    if (start >= n) {
        free(blocks);
        return;
    }
    msg *m = msg_new(MSG_BLOCKS);
    m->from = req->to;
    m->to = req->from;
    m->n_blocks = n - start;
    m->blocks = xmalloc(m->n_blocks * sizeof *m->blocks);
    memcpy(m->blocks, blocks + start, m->n_blocks * sizeof *m->blocks);
    free(blocks);
    sim_inject(r->s, m);
}

static void remote__finish(remote *r, remote__job *j, CURLcode code) {
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    char error[640];
    error[0] = '\0';
    if (j->resp_too_big)
        snprintf(error, sizeof error, "%s: the answer is larger than %zu bytes", j->url,
                 r->desc.max_chain_bytes);
    else if (code != CURLE_OK)
        snprintf(error, sizeof error, "%s: %s", j->url, curl_easy_strerror(code));
    else if (status < 200 || status >= 300)
        snprintf(error, sizeof error, "%s: HTTP %ld", j->url, status);
    msg *m = j->m;
    bool pull = m->kind == MSG_GETCHAIN || m->kind == MSG_GETBLOCKS;
    reject why = REJ_NONE;
    if (!error[0] && pull) {
        block **blocks = NULL;
        size_t n = 0;
        char detail[256];
        why = remote_parse_chain(sim_store(r->s), j->resp.data, j->resp.len,
                                        REMOTE_MAX_CHAIN_BLOCKS, &blocks, &n, detail, sizeof detail);
        if (why != REJ_NONE) {
            snprintf(error, sizeof error, "%s: %s", j->url, detail);
        } else if (m->kind == MSG_GETCHAIN) {
            remote__inject_chain(r, m, blocks, n);
        } else {
            remote__inject_blocks(r, m, blocks, n);
        }
    }
    if (error[0]) {
        log_info("remote: %s", error);
        if (m->kind == MSG_GETCHAIN) remote__inject_chain(r, m, NULL, 0);
    }
    remote__set_note(r, m->to, error[0] ? error : NULL, why);
}

static void remote__active_unlink(remote__job **active, remote__job *j) {
    if (j->prev_active) j->prev_active->next_active = j->next_active;
    else *active = j->next_active;
    if (j->next_active) j->next_active->prev_active = j->prev_active;
}

static void *remote__worker_main(void *arg) {
    remote *r = arg;
    remote__job *waiting = NULL, *waiting_tail = NULL; /* taken, not yet started */
    remote__job *active = NULL;                        /* in the multi handle */
    int n_active = 0;
    while (!atomic_load(&r->stopping)) {
        pthread_mutex_lock(&r->lock);
        if (r->queue) {
            if (waiting_tail) waiting_tail->next = r->queue;
            else waiting = r->queue;
            waiting_tail = r->queue_tail;
            r->queue = r->queue_tail = NULL;
            r->n_queued = 0;
        }
        pthread_mutex_unlock(&r->lock);
        while (waiting && n_active < REMOTE_MAX_ACTIVE) {
            remote__job *j = waiting;
            waiting = j->next;
            if (!waiting) waiting_tail = NULL;
            j->next = NULL;
            if (!remote__prepare(r, j) || curl_multi_add_handle(r->multi, j->easy) != CURLM_OK) {
                remote__job_free(j);
                continue;
            }
            j->next_active = active;
            if (active) active->prev_active = j;
            active = j;
            n_active++;
        }
        int running = 0;
        curl_multi_perform(r->multi, &running);
        CURLMsg *info;
        int left;
        while ((info = curl_multi_info_read(r->multi, &left))) {
            if (info->msg != CURLMSG_DONE) continue;
            remote__job *j = NULL;
            CURL *e = info->easy_handle;
            CURLcode code = info->data.result;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
            curl_multi_remove_handle(r->multi, e);
            remote__active_unlink(&active, j);
            n_active--;
            remote__finish(r, j, code);
            remote__job_free(j);
        }
        curl_multi_poll(r->multi, NULL, 0, 1000, NULL);
    }
    /* Drop what is left: in flight, taken (the queue is remote_free's). */
    while (active) {
        remote__job *j = active;
        remote__active_unlink(&active, j);
        curl_multi_remove_handle(r->multi, j->easy);
        remote__job_free(j);
    }
    while (waiting) {
        remote__job *next = waiting->next;
        remote__job_free(waiting);
        waiting = next;
    }
    return NULL;
}

/* ---- the sim_remote hook and lifecycle ----------------------------------- */

/* On a node's thread: queue and wake, nothing more. */
static void remote__send(void *user, msg *m) {
    remote *r = user;
    const char *url = sim_remote_url(r->s, m->to);
    if (!url || atomic_load(&r->stopping)) {
        msg_free(m);
        return;
    }
    remote__job *j = xcalloc(1, sizeof *j);
    j->m = m;
    j->peer_url = url;
    buf_init(&j->body);
    buf_init(&j->resp);
    pthread_mutex_lock(&r->lock);
    bool full = r->n_queued >= r->desc.max_queue;
    if (!full) {
        if (r->queue_tail) r->queue_tail->next = j;
        else r->queue = j;
        r->queue_tail = j;
        r->n_queued++;
    }
    pthread_mutex_unlock(&r->lock);
    if (full) {
        log_warn("remote: %zu messages already wait; dropping %s to %s", r->desc.max_queue,
                 msg_kind_name(m->kind), url);
        remote__job_free(j);
        return;
    }
    curl_multi_wakeup(r->multi);
}

remote *remote_new(sim *s, const remote_desc *desc) {
    pthread_once(&remote__curl_once, remote__curl_init);
    remote *r = xcalloc(1, sizeof *r);
    r->s = s;
    if (desc) r->desc = *desc;
    if (r->desc.connect_timeout_ms <= 0) r->desc.connect_timeout_ms = REMOTE_DEFAULT_CONNECT_TIMEOUT_MS;
    if (r->desc.timeout_ms <= 0) r->desc.timeout_ms = REMOTE_DEFAULT_TIMEOUT_MS;
    if (r->desc.max_chain_bytes == 0) r->desc.max_chain_bytes = REMOTE_DEFAULT_MAX_CHAIN_BYTES;
    if (r->desc.max_queue == 0) r->desc.max_queue = REMOTE_DEFAULT_MAX_QUEUE;
    if (r->desc.max_peers <= 0) r->desc.max_peers = REMOTE_DEFAULT_MAX_PEERS;
    pthread_mutex_init(&r->lock, NULL);
    r->multi = curl_multi_init();
    if (!r->multi || pthread_create(&r->worker, NULL, remote__worker_main, r) != 0) {
        log_error("remote: cannot start the transport; URL peers are unreachable");
    } else {
        r->worker_running = true;
        sim_set_remote(s, &(sim_remote){.user = r, .send = remote__send});
    }
    return r;
}

void remote_free(remote *r) {
    if (!r) return;
    atomic_store(&r->stopping, true);
    if (r->worker_running) {
        curl_multi_wakeup(r->multi);
        pthread_join(r->worker, NULL);
    }
    for (remote__job *j = r->queue, *next; j; j = next) {
        next = j->next;
        remote__job_free(j);
    }
    if (r->multi) curl_multi_cleanup(r->multi);
    for (int i = 0; i < r->n_origins; i++) free(r->origins[i]);
    free(r->origins);
    for (size_t i = 0; i < r->n_peer_urls; i++) free(r->peer_urls[i]);
    free(r->peer_urls);
    for (size_t i = 0; i < r->n_notes; i++) free(r->notes[i].error);
    free(r->notes);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
