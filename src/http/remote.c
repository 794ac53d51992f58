/* remote.c - the libcurl transport for URL peers (see remote.h).
 *
 * Node threads call remote__send, which turns nothing into bytes: it takes
 * the message, finds the peer's two queues (chain pulls, gossip pushes) and
 * appends a job under `lock`, or refuses it there if a bound is reached,
 * then wakes the worker. The worker owns the curl multi handle and every
 * job once taken: each round it takes from every peer in turn what that
 * peer's in-flight caps allow (pulls first, and pushes never in the slots
 * kept for pulls), serialises the payloads, runs the transfers, and on
 * completion parses what came back and injects it with sim_inject. So a
 * peer that accepts and never answers holds at most its own few slots for
 * one timeout each, then is backed off, and a pull to a healthy peer starts
 * at once whatever waits for the others. Blocks a message carries are
 * borrowed from the store, which outlives the worker.
 *
 * The outcome of each pull is written down (under `lock`) before the chain
 * or the empty chain that stands for a failure reaches the node, under the
 * round of the /consensus that asked: so the reason /consensus reports is
 * always that exchange's, never a push's or an earlier round's. */
#include "http/remote.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"

/* Most blocks taken from one pulled chain. */
#define REMOTE_MAX_CHAIN_BLOCKS 1000000

typedef struct remote__job {
    msg *m;                      /* owned */
    int peer;                    /* m->to */
    bool pull;                   /* GETCHAIN or GETBLOCKS: the pull lane */
    uint64_t round;              /* GETCHAIN: the round it was asked in */
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

typedef struct remote__jobq {
    remote__job *head, *tail;
    size_t n;
} remote__jobq;

/* One URL peer: its queues, what it has in flight, its health. */
typedef struct remote__peer {
    remote__jobq pulls, pushes;
    int pulls_in_flight, pushes_in_flight;
    int failures;                /* transfers in a row that timed out or found nobody */
    int64_t backoff_ms;          /* the current backoff; 0 = none */
    int64_t backoff_until_ms;    /* monotonic; pushes are dropped before it */
    uint64_t pushes_dropped;
} remote__peer;

/* The pull a local node last asked of a peer, and how it ended. */
typedef struct remote__pull_rec {
    int node, peer;
    uint64_t round;
    remote_pull pull;
} remote__pull_rec;

struct remote {
    sim *s;
    remote_desc desc;
    int base;                    /* the first remote peer id (sim_node_count) */
    CURLM *multi;                /* worker only, but for curl_multi_wakeup */
    pthread_t worker;
    bool worker_running;
    atomic_bool stopping;

    pthread_mutex_t lock;        /* guards everything below */
    remote__peer *peers;         /* [id - base] */
    size_t n_peers;
    size_t n_queued;             /* jobs in every peer's queues */
    size_t next_peer;            /* where the worker's next round starts */
    char **origins;              /* per local node, or NULL */
    int n_origins;
    uint64_t *rounds;            /* per local node: its current /consensus round */
    char **peer_urls;            /* URLs given ids through remote_peer */
    size_t n_peer_urls, cap_peer_urls;
    remote__pull_rec *pulls;
    size_t n_pulls, cap_pulls;
};

static pthread_once_t remote__curl_once = PTHREAD_ONCE_INIT;
static void remote__curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static int64_t remote__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void remote__jobq_push(remote__jobq *q, remote__job *j) {
    j->next = NULL;
    if (q->tail) q->tail->next = j;
    else q->head = j;
    q->tail = j;
    q->n++;
}

static remote__job *remote__jobq_pop(remote__jobq *q) {
    remote__job *j = q->head;
    if (!j) return NULL;
    q->head = j->next;
    if (!q->head) q->tail = NULL;
    q->n--;
    j->next = NULL;
    return j;
}

/* ---- peers, rounds and pull outcomes (under lock) ------------------------ */

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

static remote__peer *remote__peer_at(remote *r, int id) {
    size_t slot = (size_t)(id - r->base);
    if (slot >= r->n_peers) {
        r->peers = xrealloc(r->peers, (slot + 1) * sizeof *r->peers);
        memset(r->peers + r->n_peers, 0, (slot + 1 - r->n_peers) * sizeof *r->peers);
        r->n_peers = slot + 1;
    }
    return &r->peers[slot];
}

static remote__pull_rec *remote__pull_rec_of(remote *r, int node_id, int peer) {
    for (size_t i = 0; i < r->n_pulls; i++)
        if (r->pulls[i].node == node_id && r->pulls[i].peer == peer) return &r->pulls[i];
    r->pulls = xgrow(r->pulls, &r->cap_pulls, r->n_pulls + 1, sizeof *r->pulls);
    r->pulls[r->n_pulls] = (remote__pull_rec){.node = node_id, .peer = peer};
    return &r->pulls[r->n_pulls++];
}

static void remote__pull_set(remote_pull *p, remote_pull_state state, const char *code,
                             const char *message) {
    p->state = state;
    snprintf(p->code, sizeof p->code, "%s", code ? code : "");
    snprintf(p->message, sizeof p->message, "%s", message ? message : "");
}

uint64_t remote_round_begin(remote *r, int node_id) {
    pthread_mutex_lock(&r->lock);
    uint64_t round = 0;
    if (node_id >= 0 && node_id < r->base) round = ++r->rounds[node_id];
    pthread_mutex_unlock(&r->lock);
    return round;
}

void remote_pull_get(remote *r, int node_id, int peer, uint64_t round, remote_pull *out) {
    remote__pull_set(out, REMOTE_PULL_NONE, NULL, NULL);
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n_pulls; i++) {
        const remote__pull_rec *p = &r->pulls[i];
        if (p->node == node_id && p->peer == peer && p->round == round) *out = p->pull;
    }
    pthread_mutex_unlock(&r->lock);
}

bool remote_peer_stats_get(remote *r, int peer, remote_peer_stats *out) {
    *out = (remote_peer_stats){0};
    pthread_mutex_lock(&r->lock);
    bool known = peer >= r->base && (size_t)(peer - r->base) < r->n_peers;
    if (known) {
        const remote__peer *p = &r->peers[peer - r->base];
        int64_t left = p->backoff_until_ms - remote__now_ms();
        *out = (remote_peer_stats){
            .pulls_queued = p->pulls.n, .pushes_queued = p->pushes.n,
            .pulls_in_flight = p->pulls_in_flight, .pushes_in_flight = p->pushes_in_flight,
            .failures = p->failures, .backoff_left_ms = left > 0 ? left : 0,
            .pushes_dropped = p->pushes_dropped, .total_queued = r->n_queued};
    }
    pthread_mutex_unlock(&r->lock);
    return known;
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

/* A transfer that found nobody or timed out: after REMOTE_BACKOFF_AFTER in a
 * row the peer's pushes are dropped for a while, doubling each time, and
 * what waits for it is dropped now (gossip is best effort: the peer pulls
 * what it missed). Any answer at all ends the backoff. Under lock. */
static void remote__peer_health(remote *r, remote__peer *p, const char *url, bool failed) {
    if (!failed) {
        p->failures = 0;
        p->backoff_ms = 0;
        p->backoff_until_ms = 0;
        return;
    }
    if (++p->failures < REMOTE_BACKOFF_AFTER) return;
    p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : REMOTE_BACKOFF_MIN_MS;
    if (p->backoff_ms > REMOTE_BACKOFF_MAX_MS) p->backoff_ms = REMOTE_BACKOFF_MAX_MS;
    p->backoff_until_ms = remote__now_ms() + p->backoff_ms;
    size_t dropped = p->pushes.n;
    for (remote__job *j; (j = remote__jobq_pop(&p->pushes));) remote__job_free(j);
    r->n_queued -= dropped;
    p->pushes_dropped += dropped;
    log_warn("remote: %s failed %d transfers in a row; its gossip is backed off for %lld ms "
             "(%zu queued messages dropped)", url, p->failures, (long long)p->backoff_ms, dropped);
}

/* How a transfer ended: *code is NULL if it worked, else a short code for
 * /consensus and error a sentence. Returns whether the peer failed to
 * answer at all (the backoff's concern). */
static bool remote__classify(remote *r, remote__job *j, CURLcode code, const char **out_code,
                             char *error, size_t error_len) {
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    *out_code = NULL;
    if (j->resp_too_big) {
        *out_code = reject_code(REJ_CHAIN_TOO_LARGE);
        snprintf(error, error_len, "%s: the answer is larger than %zu bytes", j->url,
                 r->desc.max_chain_bytes);
        return false;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        *out_code = "timeout";
        snprintf(error, error_len, "%s: no complete answer within %ld ms", j->url, r->desc.timeout_ms);
        return true;
    }
    if (code != CURLE_OK) {
        *out_code = "unreachable";
        snprintf(error, error_len, "%s: %s", j->url, curl_easy_strerror(code));
        return true;
    }
    if (status < 200 || status >= 300) {
        *out_code = "http_status";
        snprintf(error, error_len, "%s: HTTP %ld", j->url, status);
    }
    return false;
}

static void remote__finish(remote *r, remote__job *j, CURLcode code) {
    char error[REMOTE_PULL_MESSAGE_MAX];
    const char *err_code = NULL;
    bool no_answer = remote__classify(r, j, code, &err_code, error, sizeof error);
    msg *m = j->m;
    block **blocks = NULL;
    size_t n = 0;
    if (!err_code && j->pull) {
        char detail[REMOTE_PULL_MESSAGE_MAX - REMOTE_MAX_URL - 40];
        reject why = remote_parse_chain(sim_store(r->s), j->resp.data, j->resp.len,
                                        REMOTE_MAX_CHAIN_BLOCKS, &blocks, &n, detail, sizeof detail);
        if (why != REJ_NONE) {
            err_code = reject_code(why);
            snprintf(error, sizeof error, "%s: %s", j->url, detail);
        }
    }
    if (err_code) {
        if (j->pull) log_info("remote: %s", error);
        else log_debug("remote: %s", error);
    }
    /* The outcome first, then the node hears of it: /consensus reads it
     * once the node has every answer. An answer to an older round than the
     * peer's latest pull is not that pull's, and a failed one is not
     * injected (the node stopped waiting for that round). */
    bool current = true;
    pthread_mutex_lock(&r->lock);
    remote__peer *p = remote__peer_at(r, j->peer);
    if (j->pull) p->pulls_in_flight--;
    else p->pushes_in_flight--;
    remote__peer_health(r, p, j->peer_url, no_answer);
    if (m->kind == MSG_GETCHAIN) {
        remote__pull_rec *rec = remote__pull_rec_of(r, m->from, m->to);
        current = rec->round == j->round;
        if (current)
            remote__pull_set(&rec->pull, err_code ? REMOTE_PULL_FAILED : REMOTE_PULL_DELIVERED,
                             err_code, err_code ? error : NULL);
    }
    pthread_mutex_unlock(&r->lock);
    if (m->kind == MSG_GETCHAIN && (!err_code || current)) remote__inject_chain(r, m, blocks, n);
    else if (m->kind == MSG_GETBLOCKS && !err_code) remote__inject_blocks(r, m, blocks, n);
}

static void remote__active_unlink(remote__job **active, remote__job *j) {
    if (j->prev_active) j->prev_active->next_active = j->next_active;
    else *active = j->next_active;
    if (j->next_active) j->next_active->prev_active = j->prev_active;
}

/* Takes, under lock, what may start now: every peer in turn (from where the
 * last round stopped, so none is always last) gets its pulls started up to
 * its cap, then its pushes, while slots are free; pushes leave
 * REMOTE_PULL_RESERVE slots to pulls. Returns the jobs, linked by next. */
static remote__job *remote__take(remote *r, int n_active, int n_push_active) {
    remote__job *taken = NULL, **tail = &taken;
    int64_t now = remote__now_ms();
    pthread_mutex_lock(&r->lock);
    size_t np = r->n_peers;
    for (size_t k = 0; k < np && n_active < REMOTE_MAX_ACTIVE; k++) {
        size_t slot = (r->next_peer + k) % np;
        remote__peer *p = &r->peers[slot];
        remote__job *j;
        while (p->pulls_in_flight < REMOTE_PEER_PULLS_IN_FLIGHT && n_active < REMOTE_MAX_ACTIVE &&
               (j = remote__jobq_pop(&p->pulls))) {
            p->pulls_in_flight++;
            n_active++;
            r->n_queued--;
            *tail = j;
            tail = &j->next;
        }
        while (p->pushes_in_flight < REMOTE_PEER_PUSHES_IN_FLIGHT &&
               n_push_active < REMOTE_MAX_ACTIVE - REMOTE_PULL_RESERVE && now >= p->backoff_until_ms &&
               (j = remote__jobq_pop(&p->pushes))) {
            p->pushes_in_flight++;
            n_active++;
            n_push_active++;
            r->n_queued--;
            *tail = j;
            tail = &j->next;
        }
    }
    if (np) r->next_peer = (r->next_peer + 1) % np;
    pthread_mutex_unlock(&r->lock);
    return taken;
}

static void *remote__worker_main(void *arg) {
    remote *r = arg;
    remote__job *active = NULL; /* in the multi handle */
    int n_active = 0, n_push_active = 0;
    while (!atomic_load(&r->stopping)) {
        remote__job *j = remote__take(r, n_active, n_push_active);
        while (j) {
            remote__job *next = j->next;
            j->next = NULL;
            if (j->pull) n_active++;
            else n_active++, n_push_active++;
            if (!remote__prepare(r, j) || curl_multi_add_handle(r->multi, j->easy) != CURLM_OK) {
                /* Never started: ends like a transfer that failed at once. */
                if (j->pull) n_active--;
                else n_active--, n_push_active--;
                if (j->easy) remote__finish(r, j, CURLE_FAILED_INIT);
                else {
                    pthread_mutex_lock(&r->lock);
                    remote__peer *p = remote__peer_at(r, j->peer);
                    if (j->pull) p->pulls_in_flight--;
                    else p->pushes_in_flight--;
                    pthread_mutex_unlock(&r->lock);
                }
                remote__job_free(j);
            } else {
                j->next_active = active;
                if (active) active->prev_active = j;
                active = j;
            }
            j = next;
        }
        int running = 0;
        curl_multi_perform(r->multi, &running);
        CURLMsg *info;
        int left;
        while ((info = curl_multi_info_read(r->multi, &left))) {
            if (info->msg != CURLMSG_DONE) continue;
            remote__job *done = NULL;
            CURL *e = info->easy_handle;
            CURLcode code = info->data.result;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&done);
            curl_multi_remove_handle(r->multi, e);
            remote__active_unlink(&active, done);
            n_active--;
            if (!done->pull) n_push_active--;
            remote__finish(r, done, code);
            remote__job_free(done);
        }
        curl_multi_poll(r->multi, NULL, 0, 1000, NULL);
    }
    /* Drop what is in flight (the queues are remote_free's). */
    while (active) {
        remote__job *j = active;
        remote__active_unlink(&active, j);
        curl_multi_remove_handle(r->multi, j->easy);
        remote__job_free(j);
    }
    return NULL;
}

/* ---- the sim_remote hook and lifecycle ----------------------------------- */

/* Queues j on its peer, or says why not (under lock). */
static const char *remote__enqueue(remote *r, remote__job *j, char *why, size_t why_len) {
    remote__peer *p = remote__peer_at(r, j->peer);
    remote__jobq *q = j->pull ? &p->pulls : &p->pushes;
    size_t cap = j->pull ? REMOTE_PEER_MAX_PULLS : REMOTE_PEER_MAX_PUSHES;
    int64_t left = p->backoff_until_ms - remote__now_ms();
    if (r->n_queued >= r->desc.max_queue)
        snprintf(why, why_len, "%zu messages already wait for all peers", r->n_queued);
    else if (q->n >= cap)
        snprintf(why, why_len, "%zu %s already wait for this peer", q->n, j->pull ? "pulls" : "pushes");
    else if (!j->pull && left > 0)
        snprintf(why, why_len, "its gossip is backed off for %lld ms more", (long long)left);
    else {
        remote__jobq_push(q, j);
        r->n_queued++;
        return NULL;
    }
    if (!j->pull) p->pushes_dropped++;
    return why;
}

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
    j->peer = m->to;
    j->pull = m->kind == MSG_GETCHAIN || m->kind == MSG_GETBLOCKS;
    j->peer_url = url;
    buf_init(&j->body);
    buf_init(&j->resp);
    char why[160];
    pthread_mutex_lock(&r->lock);
    if (m->kind == MSG_GETCHAIN) {
        remote__pull_rec *rec = remote__pull_rec_of(r, m->from, m->to);
        j->round = m->from >= 0 && m->from < r->base ? r->rounds[m->from] : 0;
        rec->round = j->round;
        remote__pull_set(&rec->pull, REMOTE_PULL_PENDING, NULL, NULL);
    }
    const char *refused = remote__enqueue(r, j, why, sizeof why);
    if (refused && m->kind == MSG_GETCHAIN) {
        char message[REMOTE_PULL_MESSAGE_MAX];
        snprintf(message, sizeof message, "%s: not asked: %s", url, refused);
        remote__pull_set(&remote__pull_rec_of(r, m->from, m->to)->pull, REMOTE_PULL_FAILED,
                         "queue_full", message);
    }
    pthread_mutex_unlock(&r->lock);
    if (!refused) {
        curl_multi_wakeup(r->multi);
        return;
    }
    if (j->pull) log_warn("remote: dropping %s to %s: %s", msg_kind_name(m->kind), url, refused);
    else log_debug("remote: dropping %s to %s: %s", msg_kind_name(m->kind), url, refused);
    if (m->kind == MSG_GETCHAIN) remote__inject_chain(r, m, NULL, 0); /* the resolve need not wait */
    remote__job_free(j);
}

remote *remote_new(sim *s, const remote_desc *desc) {
    pthread_once(&remote__curl_once, remote__curl_init);
    remote *r = xcalloc(1, sizeof *r);
    r->s = s;
    r->base = sim_node_count(s);
    r->rounds = xcalloc((size_t)r->base + 1, sizeof *r->rounds);
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
    for (size_t i = 0; i < r->n_peers; i++) {
        for (remote__job *j; (j = remote__jobq_pop(&r->peers[i].pulls));) remote__job_free(j);
        for (remote__job *j; (j = remote__jobq_pop(&r->peers[i].pushes));) remote__job_free(j);
    }
    free(r->peers);
    if (r->multi) curl_multi_cleanup(r->multi);
    for (int i = 0; i < r->n_origins; i++) free(r->origins[i]);
    free(r->origins);
    free(r->rounds);
    for (size_t i = 0; i < r->n_peer_urls; i++) free(r->peer_urls[i]);
    free(r->peer_urls);
    free(r->pulls);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
