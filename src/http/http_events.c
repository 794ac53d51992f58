/* http_events.c - the server's event sink, and the live stream built on it.
 *
 * The sink runs on node threads (under the sim's sink lock) and only
 * records: each served node keeps its peers (so /nodes and the page never
 * wait for a node that is busy mining), the chain rejections since the last
 * /consensus, and a ring of its last HTTP_EVENT_RING events as JSON text.
 * A Server-Sent Events stream (GET /events) is a response whose reader
 * sleeps on the node's condition variable and sends each new event as
 *
 *   id: 17
 *   event: tip_changed
 *   data: {"kind": "tip_changed", "height": 5, "hash": "0000...", ...}
 *
 * with a comment line every HTTP_SSE_KEEPALIVE_MS. A reader that fell
 * further behind than the ring gets "event: resync" and should reload. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_int.h"
#include "util/mem.h"

#define HTTP_EVENT_KINDS                                                                   \
    (SIM_EVENT_BIT(EV_MINED) | SIM_EVENT_BIT(EV_BLOCK_ACCEPTED) |                          \
     SIM_EVENT_BIT(EV_BLOCK_REJECTED) | SIM_EVENT_BIT(EV_TIP_CHANGED) |                    \
     SIM_EVENT_BIT(EV_TX_ACCEPTED) | SIM_EVENT_BIT(EV_TX_REJECTED) |                       \
     SIM_EVENT_BIT(EV_CHAIN_REJECTED) | SIM_EVENT_BIT(EV_RESOLVED) |                       \
     SIM_EVENT_BIT(EV_PEER_ADDED) | SIM_EVENT_BIT(EV_CRASH) | SIM_EVENT_BIT(EV_RESTART))

/* The event as one line of JSON (a new string). */
static char *http__event_json(http_server *h, const sim_event *ev) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", ev_kind_name(ev->kind));
    cJSON_AddNumberToObject(o, "t", (double)ev->t_us / 1e6);
    if (ev->peer >= 0) cJSON_AddStringToObject(o, "peer", http__peer_url(h, ev->peer));
    if (ev->block) {
        cJSON_AddNumberToObject(o, "height", (double)ev->block->index);
        cJSON_AddStringToObject(o, "hash", ev->block->hash_hex);
    }
    if (ev->tx) {
        cJSON_AddStringToObject(o, "tx", ev->tx->id);
        cJSON_AddStringToObject(o, "sender", ev->tx->sender);
        cJSON_AddStringToObject(o, "receiver", ev->tx->receiver);
        cJSON_AddNumberToObject(o, "amount", (double)ev->tx->amount);
    }
    if (ev->reason != REJ_NONE) {
        cJSON_AddStringToObject(o, "reason", reject_code(ev->reason));
        cJSON_AddStringToObject(o, "message", reject_message(ev->reason));
    }
    if (ev->kind == EV_TIP_CHANGED) cJSON_AddNumberToObject(o, "reorg_depth", ev->reorg_depth);
    if (ev->kind == EV_RESOLVED) cJSON_AddBoolToObject(o, "replaced", ev->value != 0);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *copy = xstrdup(text);
    cJSON_free(text);
    return copy;
}

static void http__events_sink(void *user, const sim_event *ev) {
    http_server *h = user;
    if (ev->node < 0 || ev->node >= h->n_nodes) return;
    http__node *hn = &h->nodes[ev->node];
    char *text = http__event_json(h, ev);
    pthread_mutex_lock(&hn->lock);
    switch (ev->kind) {
    case EV_PEER_ADDED:
        hn->peers = xgrow(hn->peers, &hn->cap_peers, hn->n_peers + 1, sizeof *hn->peers);
        hn->peers[hn->n_peers++] = ev->peer;
        break;
    case EV_MINED: hn->blocks_mined++; break;
    case EV_CHAIN_REJECTED:
        if (hn->n_rejections < HTTP_MAX_REJECTIONS)
            hn->rejections[hn->n_rejections++] =
                (http__rejection){.peer = ev->peer, .reason = ev->reason, .index = (int64_t)ev->value};
        break;
    default: break;
    }
    size_t slot = hn->seq % HTTP_EVENT_RING;
    free(hn->ring[slot]);
    hn->ring[slot] = text;
    hn->seq++;
    pthread_cond_broadcast(&hn->changed);
    pthread_mutex_unlock(&hn->lock);
}

void http__events_init(http_server *h) {
    /* Before the run: the nodes' peers so far (the topology's) are read
     * here, once; later ones arrive as EV_PEER_ADDED. */
    for (int i = 0; i < h->n_nodes; i++) {
        const node *n = sim_node(h->s, i);
        http__node *hn = &h->nodes[i];
        hn->peers = xgrow(hn->peers, &hn->cap_peers, n->n_peers + 1, sizeof *hn->peers);
        if (n->n_peers) memcpy(hn->peers, n->peers, n->n_peers * sizeof *hn->peers);
        hn->n_peers = n->n_peers;
    }
    sim_add_sink_filtered(h->s, http__events_sink, h, HTTP_EVENT_KINDS);
}

void http__events_cleanup(http_server *h) {
    for (int i = 0; i < h->n_nodes; i++) {
        http__node *hn = &h->nodes[i];
        for (size_t k = 0; k < HTTP_EVENT_RING; k++) free(hn->ring[k]);
        free(hn->peers);
    }
}

void http__events_close(http_server *h) {
    for (int i = 0; i < h->n_nodes; i++) {
        pthread_mutex_lock(&h->nodes[i].lock);
        pthread_cond_broadcast(&h->nodes[i].changed);
        pthread_mutex_unlock(&h->nodes[i].lock);
    }
}

size_t http__peers(http__node *hn, int **out) {
    pthread_mutex_lock(&hn->lock);
    size_t n = hn->n_peers;
    *out = xmalloc((n + 1) * sizeof **out);
    if (n) memcpy(*out, hn->peers, n * sizeof **out);
    pthread_mutex_unlock(&hn->lock);
    return n;
}

void http__rejections_clear(http__node *hn) {
    pthread_mutex_lock(&hn->lock);
    hn->n_rejections = 0;
    pthread_mutex_unlock(&hn->lock);
}

size_t http__rejections(http__node *hn, http__rejection *out, size_t max) {
    pthread_mutex_lock(&hn->lock);
    size_t n = hn->n_rejections < max ? hn->n_rejections : max;
    if (n) memcpy(out, hn->rejections, n * sizeof *out);
    pthread_mutex_unlock(&hn->lock);
    return n;
}

/* ---- the stream ---------------------------------------------------------- */

typedef struct http__stream {
    http__node *hn;
    uint64_t next;      /* the next event to send */
    bool greeted;
} http__stream;

static void http__deadline(struct timespec *ts, int ms) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Copies text into out if it fits; returns bytes written (0: no room). */
static size_t http__put(char *out, size_t max, size_t used, const char *text, size_t len) {
    if (used + len > max) return 0;
    memcpy(out + used, text, len);
    return len;
}

static ssize_t http__stream_read(void *cls, uint64_t pos, char *out, size_t max) {
    (void)pos;
    http__stream *st = cls;
    http__node *hn = st->hn;
    http_server *h = hn->srv;
    char line[160];
    if (!st->greeted) {
        st->greeted = true;
        int n = snprintf(line, sizeof line, "retry: 2000\nevent: hello\ndata: {\"node\": %d}\n\n", hn->id);
        return (ssize_t)http__put(out, max, 0, line, (size_t)n);
    }
    struct timespec until;
    http__deadline(&until, HTTP_SSE_KEEPALIVE_MS);
    size_t used = 0;
    pthread_mutex_lock(&hn->lock);
    int rc = 0;
    while (st->next == hn->seq && !atomic_load(&h->closing) && rc == 0)
        rc = pthread_cond_timedwait(&hn->changed, &hn->lock, &until);
    if (atomic_load(&h->closing)) {
        pthread_mutex_unlock(&hn->lock);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (hn->seq - st->next > HTTP_EVENT_RING) {
        st->next = hn->seq;
        int n = snprintf(line, sizeof line, "event: resync\ndata: {}\n\n");
        used += http__put(out, max, used, line, (size_t)n);
    }
    while (st->next < hn->seq) {
        const char *text = hn->ring[st->next % HTTP_EVENT_RING];
        const char *kind_start = strstr(text, "\"kind\":\"");
        size_t kind_len = kind_start ? strcspn(kind_start + 8, "\"") : 0;
        int n = snprintf(line, sizeof line, "id: %" PRIu64 "\nevent: %.*s\ndata: ", st->next,
                         (int)kind_len, kind_start ? kind_start + 8 : "");
        size_t tl = strlen(text);
        if (used + (size_t)n + tl + 2 > max) break;
        used += http__put(out, max, used, line, (size_t)n);
        used += http__put(out, max, used, text, tl);
        used += http__put(out, max, used, "\n\n", 2);
        st->next++;
    }
    pthread_mutex_unlock(&hn->lock);
    if (used == 0) used = http__put(out, max, 0, ": keepalive\n\n", 13);
    return (ssize_t)used;
}

static void http__stream_free(void *cls) { free(cls); }

enum MHD_Result http__events_stream(http__req *r) {
    http__stream *st = xcalloc(1, sizeof *st);
    st->hn = r->hn;
    pthread_mutex_lock(&r->hn->lock);
    st->next = r->hn->seq;
    pthread_mutex_unlock(&r->hn->lock);
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16384, http__stream_read, st, http__stream_free);
    if (!resp) {
        free(st);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}
