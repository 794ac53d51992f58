/* http_conn.c - what a connection may hold: counts per client address and
 * in total, the deadline for a request's headers, and the threads that run
 * the requests which wait for a node.
 *
 * The daemons serve every connection from a few epoll threads, so an open
 * socket costs memory, not a thread. Three things could still fill them:
 *
 * - Many connections. Each is counted, at accept, against its address
 *   (desc.max_per_address) and the total (desc.max_connections); one over
 *   a limit is still read up to its headers and answered 503 with
 *   Retry-After and a JSON reason, then closed, so a client learns why
 *   instead of meeting a reset. /events streams are counted apart
 *   (desc.max_streams, max_streams_per_address) once they start, so open
 *   pages do not use up the requests' room, nor requests the pages'.
 * - Headers that never finish (a line every few seconds keeps libmicro-
 *   httpd's idle timeout from firing). Every connection waiting for a
 *   request's headers, the first or the next on a kept-alive connection,
 *   is on `pending` with a deadline (desc.header_timeout_s); the sweeper
 *   thread shuts the socket of one past it down, and the daemon then closes
 *   it as any connection whose peer went away.
 * - Requests that wait for their node (a mine, a resolve). The access
 *   handler suspends the connection and hands the request to a caller
 *   thread, which runs the handler (it sleeps in http__call), keeps the
 *   reply and resumes the connection; the daemon's thread then queues the
 *   reply. Caller threads start as needed up to HTTP_CALLERS_MAX and at
 *   most HTTP_WAITING_MAX requests wait (more get 503).
 *
 * Lock order: conns.lock and callers.lock are leaves (nothing else is
 * taken under them; shutdown(2) and MHD_resume_connection are not locks
 * of ours). The daemon calls http__conn_closed before it closes the
 * socket, so a socket on `pending` is open while conns.lock is held. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/http_int.h"
#include "net/mbox.h"
#include "util/cond.h"
#include "util/log.h"
#include "util/mem.h"

/* Stack of each caller thread: handlers keep big things on the heap. */
#define HTTP_CALLER_STACK_BYTES (512u << 10)
/* How often the sweeper looks for late headers and quiet streams. */
#define HTTP_SWEEP_MS 500

/* ---- counts per address -------------------------------------------------- */

struct http__addr {
    http__addr *next;        /* in its bucket */
    unsigned char key[17];   /* family, then 4 or 16 address bytes */
    unsigned conns, streams;
};

static void http__addr_key(unsigned char key[17], const struct sockaddr *sa) {
    memset(key, 0, 17);
    if (sa && sa->sa_family == AF_INET6) {
        key[0] = 6;
        memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    } else if (sa && sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    }
}

static http__addr **http__addr_slot(http__conns *cs, const unsigned char key[17]) {
    uint32_t hash = 2166136261u;
    for (int i = 0; i < 17; i++) hash = (hash ^ key[i]) * 16777619u;
    http__addr **slot = &cs->buckets[hash % HTTP_ADDR_BUCKETS];
    while (*slot && memcmp((*slot)->key, key, 17) != 0) slot = &(*slot)->next;
    return slot;
}

/* Drops the entry once nothing of its address is open. */
static void http__addr_release(http__conns *cs, http__addr *a) {
    if (a->conns || a->streams) return;
    http__addr **slot = http__addr_slot(cs, a->key);
    *slot = a->next;
    free(a);
}

/* ---- connections ------------------------------------------------------------ */

static void http__pending_add(http__conns *cs, http__conn *c, int64_t now_us) {
    c->header_deadline_us = now_us + (int64_t)cs->header_timeout_s * 1000000;
    c->prev = NULL;
    c->next = cs->pending;
    if (cs->pending) cs->pending->prev = c;
    cs->pending = c;
    c->pending = true;
}

static void http__pending_remove(http__conns *cs, http__conn *c) {
    if (!c->pending) return;
    if (c->prev) c->prev->next = c->next;
    else cs->pending = c->next;
    if (c->next) c->next->prev = c->prev;
    c->pending = false;
}

void http__conn_started(http_server *h, struct MHD_Connection *conn, void **socket_context) {
    http__conns *cs = &h->conns;
    http__conn *c = xcalloc(1, sizeof *c);
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ad = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    c->fd = fd ? fd->connect_fd : -1;
    unsigned char key[17];
    http__addr_key(key, ad ? ad->client_addr : NULL);
    pthread_mutex_lock(&cs->lock);
    http__addr **slot = http__addr_slot(cs, key);
    if (!*slot) {
        *slot = xcalloc(1, sizeof **slot);
        memcpy((*slot)->key, key, 17);
    }
    c->addr = *slot;
    if (cs->conns >= h->desc.max_connections) c->refused = HTTP_LIMIT_TOTAL;
    else if (c->addr->conns >= h->desc.max_per_address) c->refused = HTTP_LIMIT_ADDRESS;
    c->addr->conns++;
    cs->conns++;
    http__pending_add(cs, c, clock_now_us());
    pthread_mutex_unlock(&cs->lock);
    *socket_context = c;
}

void http__conn_closed(http_server *h, void **socket_context) {
    http__conns *cs = &h->conns;
    http__conn *c = *socket_context;
    if (!c) return;
    pthread_mutex_lock(&cs->lock);
    http__pending_remove(cs, c);
    if (c->stream) {
        c->addr->streams--;
        cs->streams--;
    } else {
        c->addr->conns--;
        cs->conns--;
    }
    http__addr_release(cs, c->addr);
    pthread_mutex_unlock(&cs->lock);
    free(c);
    *socket_context = NULL;
}

http__conn *http__conn_of(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void http__conn_headers_done(http_server *h, http__conn *c) {
    if (!c) return;
    pthread_mutex_lock(&h->conns.lock);
    http__pending_remove(&h->conns, c);
    pthread_mutex_unlock(&h->conns.lock);
}

void http__conn_request_done(http_server *h, http__conn *c) {
    if (!c || c->stream) return;
    pthread_mutex_lock(&h->conns.lock);
    if (!c->pending) http__pending_add(&h->conns, c, clock_now_us());
    pthread_mutex_unlock(&h->conns.lock);
}

http__limit http__conn_make_stream(http_server *h, http__conn *c) {
    if (!c) return HTTP_LIMIT_NONE;
    http__conns *cs = &h->conns;
    pthread_mutex_lock(&cs->lock);
    http__limit why = HTTP_LIMIT_NONE;
    if (cs->streams >= h->desc.max_streams) why = HTTP_LIMIT_STREAMS_TOTAL;
    else if (c->addr->streams >= h->desc.max_streams_per_address) why = HTTP_LIMIT_STREAMS_ADDRESS;
    if (why == HTTP_LIMIT_NONE) {
        c->stream = true;
        c->addr->conns--;
        cs->conns--;
        c->addr->streams++;
        cs->streams++;
    }
    pthread_mutex_unlock(&cs->lock);
    return why;
}

const char *http__limit_message(const http_server *h, http__limit why) {
    switch (why) {
    case HTTP_LIMIT_NONE: return "";
    case HTTP_LIMIT_TOTAL: return "the node has as many connections open as it serves";
    case HTTP_LIMIT_ADDRESS: return "your address has as many connections open as one address may";
    case HTTP_LIMIT_STREAMS_TOTAL: return "the node has as many live-update streams open as it serves";
    case HTTP_LIMIT_STREAMS_ADDRESS: return "your address has as many live-update streams open as one address may";
    case HTTP_LIMIT_WAITING: return "too many requests are waiting for the node";
    }
    (void)h;
    return "";
}

/* ---- the sweeper --------------------------------------------------------- */

static void *http__sweeper_main(void *arg) {
    http_server *h = arg;
    http__conns *cs = &h->conns;
    pthread_mutex_lock(&cs->lock);
    while (!cs->closing) {
        struct timespec until = cond_deadline_in_ms(HTTP_SWEEP_MS);
        pthread_cond_timedwait(&cs->wake, &cs->lock, &until);
        int64_t now = clock_now_us();
        for (http__conn *c = cs->pending, *next; c; c = next) {
            next = c->next;
            if (c->header_deadline_us > now) continue;
            http__pending_remove(cs, c);
            if (c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
            cs->header_timeouts++;
        }
        pthread_mutex_unlock(&cs->lock);
        http__events_tick(h);
        pthread_mutex_lock(&cs->lock);
    }
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

/* ---- caller threads ------------------------------------------------------ */

static void *http__caller_main(void *arg) {
    http_server *h = arg;
    http__callers *cl = &h->callers;
    pthread_mutex_lock(&cl->lock);
    for (;;) {
        while (!cl->head && !cl->closing) {
            cl->idle++;
            pthread_cond_wait(&cl->work, &cl->lock);
            cl->idle--;
        }
        http__req *r = cl->head;
        if (!r) break; /* closing, and nothing left to run */
        cl->head = r->next_waiting;
        if (!cl->head) cl->tail = NULL;
        cl->queued--;
        pthread_mutex_unlock(&cl->lock);
        http__req_run_deferred(r);
        pthread_mutex_lock(&cl->lock);
        cl->reserved--;
    }
    pthread_mutex_unlock(&cl->lock);
    return NULL;
}

bool http__callers_reserve(http_server *h) {
    http__callers *cl = &h->callers;
    pthread_mutex_lock(&cl->lock);
    bool ok = !cl->closing && cl->reserved < HTTP_WAITING_MAX;
    if (ok) cl->reserved++;
    pthread_mutex_unlock(&cl->lock);
    return ok;
}

void http__callers_submit(http_server *h, http__req *r) {
    http__callers *cl = &h->callers;
    pthread_mutex_lock(&cl->lock);
    r->next_waiting = NULL;
    if (cl->tail) cl->tail->next_waiting = r;
    else cl->head = r;
    cl->tail = r;
    cl->queued++;
    if (cl->queued > cl->idle && cl->n_threads < HTTP_CALLERS_MAX) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, HTTP_CALLER_STACK_BYTES);
        if (pthread_create(&cl->threads[cl->n_threads], &attr, http__caller_main, h) == 0) cl->n_threads++;
        else if (cl->n_threads == 0) abort(); /* no thread at all to answer: out of resources */
        pthread_attr_destroy(&attr);
    }
    pthread_cond_signal(&cl->work);
    pthread_mutex_unlock(&cl->lock);
}

/* ---- lifecycle ------------------------------------------------------------ */

bool http__conns_start(http_server *h) {
    http__conns *cs = &h->conns;
    pthread_mutex_init(&cs->lock, NULL);
    cond_init_monotonic(&cs->wake);
    cs->header_timeout_s = h->desc.header_timeout_s;
    http__callers *cl = &h->callers;
    pthread_mutex_init(&cl->lock, NULL);
    cond_init_monotonic(&cl->work);
    cs->sweeper_running = pthread_create(&cs->sweeper, NULL, http__sweeper_main, h) == 0;
    return cs->sweeper_running;
}

void http__callers_stop(http_server *h) {
    http__callers *cl = &h->callers;
    pthread_mutex_lock(&cl->lock);
    cl->closing = true;
    pthread_cond_broadcast(&cl->work);
    pthread_mutex_unlock(&cl->lock);
    for (unsigned i = 0; i < cl->n_threads; i++) pthread_join(cl->threads[i], NULL);
    cl->n_threads = 0;
}

void http__conns_stop(http_server *h) {
    http__conns *cs = &h->conns;
    if (cs->sweeper_running) {
        pthread_mutex_lock(&cs->lock);
        cs->closing = true;
        pthread_cond_signal(&cs->wake);
        pthread_mutex_unlock(&cs->lock);
        pthread_join(cs->sweeper, NULL);
        cs->sweeper_running = false;
    }
}

void http__conns_cleanup(http_server *h) {
    http__conns *cs = &h->conns;
    for (size_t i = 0; i < HTTP_ADDR_BUCKETS; i++) {
        for (http__addr *a = cs->buckets[i], *next; a; a = next) {
            next = a->next;
            free(a);
        }
    }
    pthread_mutex_destroy(&cs->lock);
    pthread_cond_destroy(&cs->wake);
    pthread_mutex_destroy(&h->callers.lock);
    pthread_cond_destroy(&h->callers.work);
}
