/* http_events.c - the server's event sink, and the live stream built on it.
 *
 * The sink runs on node threads (under the sim's sink lock) and only
 * records: each served node keeps its peers (so /nodes and the page never
 * wait for a node that is busy mining), the chain rejections since the last
 * /consensus, and a ring of its last HTTP_EVENT_RING events as JSON text.
 * A Server-Sent Events stream (GET /events) is a response whose reader
 * sends each new event as
 *
 *   id: 17
 *   event: tip_changed
 *   data: {"kind": "tip_changed", "height": 5, "hash": "0000...", ...}
 *
 * with a comment line every HTTP_SSE_KEEPALIVE_MS. A reader that fell
 * further behind than the ring gets "event: resync" and should reload.
 * The reader runs on a daemon's epoll thread and never waits there: with
 * nothing to send it suspends its connection, and the sink (a new event),
 * the sweeper (a keep-alive is due) or the server's close resumes it. The
 * node's `streams` list, under its lock, is how they find it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_int.h"
#include "net/mbox.h"
#include "util/mem.h"

#define HTTP_EVENT_KINDS                                                                   \
    (SIM_EVENT_BIT(EV_MINED) | SIM_EVENT_BIT(EV_BLOCK_ACCEPTED) |                          \
     SIM_EVENT_BIT(EV_BLOCK_REJECTED) | SIM_EVENT_BIT(EV_TIP_CHANGED) |                    \
     SIM_EVENT_BIT(EV_TX_ACCEPTED) | SIM_EVENT_BIT(EV_TX_REJECTED) |                       \
     SIM_EVENT_BIT(EV_CHAIN_REJECTED) | SIM_EVENT_BIT(EV_RESOLVED) |                       \
     SIM_EVENT_BIT(EV_PEER_ADDED) | SIM_EVENT_BIT(EV_CRASH) | SIM_EVENT_BIT(EV_RESTART))

typedef struct http__stream {
    http__node *hn;
    struct MHD_Connection *conn;
    uint64_t next;          /* the next event to send */
    bool greeted;
    /* guarded by hn->lock: */
    bool suspended;         /* nothing to send: its connection waits */
    int64_t sent_us;        /* last bytes sent (clock_now_us) */
    struct http__stream *prev, *next_stream; /* in hn->streams */
} http__stream;

/* Resumes hn's suspended streams that last sent before before_us (all of
 * them: INT64_MAX). Under hn->lock. */
static void http__streams_resume(http__node *hn, int64_t before_us) {
    for (http__stream *st = hn->streams; st; st = st->next_stream) {
        if (!st->suspended || st->sent_us >= before_us) continue;
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
}

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
    http__streams_resume(hn, INT64_MAX);
    pthread_mutex_unlock(&hn->lock);
}

void http__events_init(http_server *h) {
    /* Before the run: the nodes' peers so far (the topology's) are read
     * here, once; later ones arrive as EV_PEER_ADDED. */
    for (int i = 0; i < h->n_nodes; i++) {
        const int *peers;
        size_t n_peers = node_peer_list(sim_node(h->s, i), &peers);
        http__node *hn = &h->nodes[i];
        hn->peers = xgrow(hn->peers, &hn->cap_peers, n_peers + 1, sizeof *hn->peers);
        if (n_peers) memcpy(hn->peers, peers, n_peers * sizeof *hn->peers);
        hn->n_peers = n_peers;
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
        http__streams_resume(&h->nodes[i], INT64_MAX);
        pthread_mutex_unlock(&h->nodes[i].lock);
    }
}

void http__events_tick(http_server *h) {
    int64_t due = clock_now_us() - (int64_t)HTTP_SSE_KEEPALIVE_MS * 1000;
    for (int i = 0; i < h->n_nodes; i++) {
        pthread_mutex_lock(&h->nodes[i].lock);
        http__streams_resume(&h->nodes[i], due);
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

/* Copies text into out if it fits; returns bytes written (0: no room). */
static size_t http__put(char *out, size_t max, size_t used, const char *text, size_t len) {
    if (used + len > max) return 0;
    memcpy(out + used, text, len);
    return len;
}

/* The events st has not sent yet, as many as fit in out. Under hn->lock. */
static size_t http__stream_events(http__stream *st, char *out, size_t max) {
    http__node *hn = st->hn;
    char line[160];
    size_t used = 0;
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
    return used;
}

static ssize_t http__stream_read(void *cls, uint64_t pos, char *out, size_t max) {
    (void)pos;
    http__stream *st = cls;
    http__node *hn = st->hn;
    http_server *h = hn->srv;
    size_t used = 0;
    pthread_mutex_lock(&hn->lock);
    int64_t now = clock_now_us();
    if (atomic_load(&h->closing)) {
        pthread_mutex_unlock(&hn->lock);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (!st->greeted) {
        st->greeted = true;
        char line[96];
        int n = snprintf(line, sizeof line, "retry: 2000\nevent: hello\ndata: {\"node\": %d}\n\n", hn->id);
        used = http__put(out, max, 0, line, (size_t)n);
    } else {
        used = http__stream_events(st, out, max);
    }
    if (used == 0 && now - st->sent_us >= (int64_t)HTTP_SSE_KEEPALIVE_MS * 1000)
        used = http__put(out, max, 0, ": keepalive\n\n", 13);
    if (used == 0) {
        /* Nothing to send: wait off the daemon's thread (0 bytes with the
         * connection suspended is how libmicrohttpd lets a reader wait). */
        st->suspended = true;
        MHD_suspend_connection(st->conn);
    } else {
        st->sent_us = now;
    }
    pthread_mutex_unlock(&hn->lock);
    return (ssize_t)used;
}

static void http__stream_free(void *cls) {
    http__stream *st = cls;
    http__node *hn = st->hn;
    pthread_mutex_lock(&hn->lock);
    if (st->prev) st->prev->next_stream = st->next_stream;
    else if (hn->streams == st) hn->streams = st->next_stream;
    if (st->next_stream) st->next_stream->prev = st->prev;
    pthread_mutex_unlock(&hn->lock);
    free(st);
}

enum MHD_Result http__events_stream(http__req *r) {
    http__limit why = http__conn_make_stream(r->hn->srv, r->c);
    if (why != HTTP_LIMIT_NONE) return http__reply_busy(r, why);
    http__stream *st = xcalloc(1, sizeof *st);
    st->hn = r->hn;
    st->conn = r->conn;
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16384, http__stream_read, st, http__stream_free);
    if (!resp) {
        free(st);
        return MHD_NO;
    }
    http__node *hn = r->hn;
    pthread_mutex_lock(&hn->lock);
    st->next = hn->seq;
    st->sent_us = clock_now_us();
    st->next_stream = hn->streams;
    if (hn->streams) hn->streams->prev = st;
    hn->streams = st;
    pthread_mutex_unlock(&hn->lock);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return http__queue(r, MHD_HTTP_OK, resp);
}
