/* http.c - the daemons: one per node, a few epoll threads each; request
 * bodies under a size limit; routing; replies; commands sent to nodes and
 * waited for.
 *
 * A request arrives in several access-handler calls: the first (headers
 * only) makes an http__req, answers 503 if its connection was over a limit
 * at accept (http_conn.c) and refuses a declared body over the limit at
 * once (413, the body is never read); the next ones append the body (one
 * that grows past the limit, chunked, is answered 413 there and then); the
 * last routes it. A route that waits for its node runs on a caller thread
 * with its connection suspended (http_conn.c); there it sends a command
 * (sim_command) and sleeps on a waiter until the node's done callback, so
 * slow work in one node (mining) holds only the requests that asked that
 * node for it, and no daemon thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http_int.h"
#include "util/cond.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/mem.h"

/* Stack of each daemon thread: handlers keep big things on the heap. */
#define HTTP_THREAD_STACK_BYTES (512u << 10)
/* Seconds a client over a limit is asked to wait (Retry-After). */
#define HTTP_RETRY_AFTER_S "5"
/* Up to this many nodes per process, each daemon gets a thread per core. */
#define HTTP_POOLED_NODES_MAX 8
/* Connections the daemon accepts beyond the soft limits, to answer 503. */
#define HTTP_REFUSE_MARGIN 64
/* Connections the kernel queues before accept. */
#define HTTP_LISTEN_BACKLOG 1024

/* ---- replies ------------------------------------------------------------ */

enum MHD_Result http__reply(http__req *r, unsigned status, const char *type, const char *body,
                            size_t len) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    if (type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return http__queue(r, status, resp);
}

static void http__free_buf(void *p) { free(p); }

static struct MHD_Response *http__buf_response(const char *type, buf *b) {
    size_t len = 0;
    char *data = buf_detach(b, &len);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(len, data, http__free_buf);
    if (!resp) {
        free(data);
        return NULL;
    }
    if (type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return resp;
}

enum MHD_Result http__reply_buf(http__req *r, unsigned status, const char *type, buf *b) {
    struct MHD_Response *resp = http__buf_response(type, b);
    return resp ? http__queue(r, status, resp) : MHD_NO;
}

void http__json_begin(buf *b, jsonw *w) {
    buf_init(b);
    jsonw_init(w, b);
    jsonw_obj_begin(w);
}

enum MHD_Result http__reply_json(http__req *r, unsigned status, buf *b) {
    buf_putc(b, '\n');
    return http__reply_buf(r, status, "application/json", b);
}

/* {"error": code, "message": message}\n into a new b, in cJSON's compact
 * layout (the one error answers have always had). */
static void http__error_json(buf *b, const char *code, const char *message) {
    buf_init(b);
    jsonw w;
    jsonw_init_compact(&w, b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "error", code);
    jsonw_kstr(&w, "message", message);
    jsonw_obj_end(&w);
    buf_putc(b, '\n');
}

/* The two ways to refuse: JSON always (page_for_forms false), or the page
 * with the message for a client that posted a form and wants no JSON. */
static enum MHD_Result http__refuse(http__req *r, unsigned status, const char *code, bool page_for_forms,
                                    const char *fmt, va_list ap) {
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    if (page_for_forms && !r->wants_json && http__asset_named(r->hn->srv, "index.html"))
        return http__page(r, status, message, true);
    buf b;
    http__error_json(&b, code, message);
    return http__reply_buf(r, status, "application/json", &b);
}

enum MHD_Result http__reply_error(http__req *r, unsigned status, const char *code, const char *fmt,
                                  ...) {
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ret = http__refuse(r, status, code, false, fmt, ap);
    va_end(ap);
    return ret;
}

enum MHD_Result http__fail(http__req *r, unsigned status, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ret = http__refuse(r, status, code, true, fmt, ap);
    va_end(ap);
    return ret;
}

enum MHD_Result http__reply_busy(http__req *r, http__limit why) {
    buf b;
    http__error_json(&b, "busy", http__limit_message(r->hn->srv, why));
    struct MHD_Response *resp = http__buf_response("application/json", &b);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, HTTP_RETRY_AFTER_S);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    return http__queue(r, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
}

enum MHD_Result http__queue(http__req *r, unsigned status, struct MHD_Response *resp) {
    if (r->deferred) {
        /* on a caller thread: the daemon queues it after the resume */
        if (r->deferred_resp) MHD_destroy_response(r->deferred_resp);
        r->deferred_resp = resp;
        r->deferred_status = status;
        return MHD_YES;
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result http__reply_redirect(http__req *r, const char *location) {
    static const char body[] = "Redirecting to /\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return http__queue(r, MHD_HTTP_FOUND, resp);
}

/* ---- commands and waiting ----------------------------------------------- */

/* Shared by a request thread and a node's done callback. Whoever comes
 * second frees it: the callback if the request gave up (abandoned), the
 * request otherwise. */
typedef struct http__waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    bool abandoned;
} http__waiter;

static void http__waiter_free(http__waiter *w) {
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w);
}

/* On the node's thread: wake the request, or clean up after it left. */
static void http__cmd_done(node_cmd *cmd) {
    http__waiter *w = cmd->user;
    pthread_mutex_lock(&w->lock);
    if (w->abandoned) {
        pthread_mutex_unlock(&w->lock);
        http__waiter_free(w);
        node_cmd_free(cmd);
        return;
    }
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

unsigned http__call(http__req *r, node_cmd *cmd, int timeout_ms) {
    http_server *h = r->hn->srv;
    if (timeout_ms <= 0) timeout_ms = h->desc.cmd_timeout_ms;
    http__waiter *w = xcalloc(1, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    cond_init_monotonic(&w->cond);
    cmd->done = http__cmd_done;
    cmd->user = w;
    struct timespec until = cond_deadline_in_ms(timeout_ms);
    sim_command(h->s, r->hn->id, cmd);
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&w->cond, &w->lock, &until);
    if (!w->done) {
        w->abandoned = true; /* the callback frees w and cmd */
        pthread_mutex_unlock(&w->lock);
        return MHD_HTTP_GATEWAY_TIMEOUT;
    }
    pthread_mutex_unlock(&w->lock);
    http__waiter_free(w);
    if (cmd->status == CMD_STOPPED) {
        node_cmd_free(cmd);
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    return 0;
}

/* ---- peers by URL -------------------------------------------------------- */

int http__peer_id(http_server *h, const char *url, const char **why) {
    char norm[HTTP_MAX_URL + 16];
    if (!remote_url_normalize(norm, sizeof norm, url, why)) return -1;
    for (int i = 0; i < h->n_nodes; i++)
        if (strcmp(h->nodes[i].url, norm) == 0) return i;
    /* localhost and 127.0.0.1 are the same place */
    if (strncmp(norm, "http://localhost:", 17) == 0) {
        char alt[HTTP_MAX_URL + 16];
        snprintf(alt, sizeof alt, "http://127.0.0.1:%s", norm + 17);
        for (int i = 0; i < h->n_nodes; i++)
            if (strcmp(h->nodes[i].url, alt) == 0) return i;
    }
    int id = remote_peer(h->rt, norm);
    if (id < 0) *why = "this node already knows as many peers as it accepts";
    return id;
}

const char *http__peer_url(http_server *h, int id) {
    if (id >= 0 && id < h->n_nodes) return h->nodes[id].url;
    const char *url = sim_remote_url(h->s, id);
    return url ? url : "";
}

/* ---- routing ------------------------------------------------------------- */

typedef struct http__route {
    const char *method;
    const char *path;
    http__handler fn;
    bool waits;               /* asks the node (http__call): on a caller thread */
} http__route;

static enum MHD_Result http__page_get(http__req *r) { return http__page(r, MHD_HTTP_OK, NULL, false); }

static const http__route http__routes[] = {
    {"GET", "/", http__page_get, true},
    {"GET", "/chain", http__api_chain, false},
    {"GET", "/nodes", http__api_nodes, false},
    {"GET", "/mempool", http__api_mempool, true},
    {"GET", "/balances", http__api_balances, false},
    {"GET", "/status", http__api_status, false},
    {"GET", "/events", http__events_stream, false},
    /* every POST: a refused form answers with the page, which asks the node */
    {"POST", "/add_transaction", http__api_add_tx, true},
    {"POST", "/mine", http__api_mine, true},
    {"POST", "/register_node", http__api_register, true},
    {"POST", "/consensus", http__api_consensus, true},
    {"POST", "/relay/block", http__api_relay_block, true},
    {"POST", "/relay/tx", http__api_relay_tx, true},
};

/* Suspends r's connection and hands r to a caller thread; 503 if too many
 * wait already. The slot is reserved before the suspend, so that the
 * caller can always resume what was suspended. */
static enum MHD_Result http__defer(http__req *r, http__handler fn) {
    http_server *h = r->hn->srv;
    if (!http__callers_reserve(h)) return http__reply_busy(r, HTTP_LIMIT_WAITING);
    r->deferred_fn = fn;
    r->deferred = true;
    MHD_suspend_connection(r->conn);
    http__callers_submit(h, r);
    return MHD_YES;
}

void http__req_run_deferred(http__req *r) {
    r->deferred_ret = r->deferred_fn(r);
    r->deferred_done = true;
    MHD_resume_connection(r->conn);
}

static enum MHD_Result http__static(http__req *r, const char *name) {
    const http__asset *a = http__asset_named(r->hn->srv, name);
    if (!a) return http__reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such file: /static/%s", name);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(a->len, a->data, MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    return http__queue(r, MHD_HTTP_OK, resp);
}

static bool http__is_get(const char *method) {
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static enum MHD_Result http__route_request(http__req *r) {
    const char *path = r->path;
    bool get = http__is_get(r->method);
    if (strncmp(path, "/static/", 8) == 0 && get) return http__static(r, path + 8);
    if (strncmp(path, "/block/", 7) == 0) {
        if (get) return http__api_block(r, path + 7);
        return http__reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                 "%s %s: use GET", r->method, path);
    }
    const char *allowed = NULL;
    for (size_t i = 0; i < sizeof http__routes / sizeof http__routes[0]; i++) {
        const http__route *rt = &http__routes[i];
        if (strcmp(rt->path, path) != 0) continue;
        bool match = strcmp(rt->method, "GET") == 0 ? get : strcmp(rt->method, r->method) == 0;
        if (match) return rt->waits ? http__defer(r, rt->fn) : rt->fn(r);
        allowed = rt->method;
    }
    if (allowed) {
        enum MHD_Result ret = http__reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                                "%s %s: use %s", r->method, path, allowed);
        return ret;
    }
    return http__reply_error(r, MHD_HTTP_NOT_FOUND, "not_found",
                             "no such endpoint: %s %s (see GET / for the page, docs for the API)",
                             r->method, path);
}

/* ---- the access handler -------------------------------------------------- */

static http__body_kind http__content_kind(const char *type) {
    if (!type) return HTTP_BODY_NONE;
    size_t n = strcspn(type, ";");
    while (n > 0 && (type[n - 1] == ' ' || type[n - 1] == '\t')) n--;
    if (n == 33 && strncasecmp(type, "application/x-www-form-urlencoded", n) == 0) return HTTP_BODY_FORM;
    if (n == 16 && strncasecmp(type, "application/json", n) == 0) return HTTP_BODY_JSON;
    return HTTP_BODY_OTHER;
}

/* What RFC 9112 makes a request unreadable in a way that lets two readers
 * see two different requests (request smuggling), found by walking every
 * header as received. */
typedef struct http__framing {
    const char *length;       /* the first Content-Length */
    const char *problem;      /* NULL: fine */
    bool chunked;             /* a Transfer-Encoding was sent */
} http__framing;

static enum MHD_Result http__framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                            const char *value) {
    (void)kind;
    http__framing *f = cls;
    size_t kl = strlen(key);
    if (kl == 0 || key[kl - 1] == ' ' || key[kl - 1] == '\t') {
        f->problem = "whitespace between a header's name and its colon";
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->length && strcmp(f->length, value) != 0) f->problem = "two different Content-Length values";
        f->length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->chunked = true;
    }
    if (f->length && f->chunked && !f->problem) f->problem = "both Content-Length and Transfer-Encoding";
    return f->problem ? MHD_NO : MHD_YES;
}

/* 400 for an ambiguous request; the connection closes after it, since
 * where its body ends is not known. */
static enum MHD_Result http__reply_bad_framing(http__req *r, const char *problem) {
    buf b;
    char message[160];
    snprintf(message, sizeof message, "the request has %s (RFC 9112 forbids it)", problem);
    http__error_json(&b, "bad_request", message);
    struct MHD_Response *resp = http__buf_response("application/json", &b);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    return http__queue(r, MHD_HTTP_BAD_REQUEST, resp);
}

static enum MHD_Result http__access(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls) {
    (void)version;
    http__node *hn = cls;
    http__req *r = *req_cls;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->hn = hn;
        r->conn = conn;
        r->c = http__conn_of(conn);
        r->method = method;
        r->path = url;
        buf_init(&r->body);
        *req_cls = r;
        http__conn_headers_done(hn->srv, r->c);
        if (r->c && r->c->refused) return http__reply_busy(r, r->c->refused);
        http__framing framing = {0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, http__framing_header, &framing);
        if (framing.problem) return http__reply_bad_framing(r, framing.problem);
        const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        r->kind = http__content_kind(type);
        const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
        r->wants_json = r->kind == HTTP_BODY_JSON || (accept && strstr(accept, "application/json"));
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > hn->srv->desc.max_body_bytes) {
            r->too_big = true;
            return http__reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                                     "the request body is larger than %zu bytes",
                                     hn->srv->desc.max_body_bytes);
        }
        return MHD_YES;
    }
    if (r->deferred) {
        /* resumed: the caller thread ran the handler */
        if (!r->deferred_done) return MHD_YES;
        struct MHD_Response *resp = r->deferred_resp;
        r->deferred_resp = NULL;
        if (!resp || r->deferred_ret != MHD_YES) {
            if (resp) MHD_destroy_response(resp);
            return MHD_NO;
        }
        enum MHD_Result ret = MHD_queue_response(conn, r->deferred_status, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (*upload_data_size > 0) {
        if (r->body.len + *upload_data_size > hn->srv->desc.max_body_bytes) {
            /* A body without a declared length (chunked) that grows past
             * the limit: answered now, the rest is never read. */
            *upload_data_size = 0;
            r->too_big = true;
            return http__reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                                     "the request body is larger than %zu bytes",
                                     hn->srv->desc.max_body_bytes);
        }
        buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_big)
        return http__reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                                 "the request body is larger than %zu bytes",
                                 hn->srv->desc.max_body_bytes);
    if (r->body.len == 0) r->kind = HTTP_BODY_NONE;
    else if (r->kind == HTTP_BODY_NONE) r->kind = HTTP_BODY_OTHER;
    return http__route_request(r);
}

static void http__completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                            enum MHD_RequestTerminationCode toe) {
    (void)conn;
    http__node *hn = cls;
    http__req *r = *req_cls;
    if (!r) return;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) http__conn_request_done(hn->srv, r->c);
    if (r->deferred_resp) MHD_destroy_response(r->deferred_resp);
    buf_cleanup(&r->body);
    free(r);
    *req_cls = NULL;
}

static void http__notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                    enum MHD_ConnectionNotificationCode code) {
    http__node *hn = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) http__conn_started(hn->srv, conn, socket_context);
    else http__conn_closed(hn->srv, socket_context);
}

/* ---- daemons ------------------------------------------------------------- */

static void http__mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    log_debug("http: %s", line);
}

/* The listening socket, made here rather than by libmicrohttpd so that a
 * port in use is refused by name: SO_REUSEADDR only (a restart may bind
 * over connections in TIME_WAIT), never SO_REUSEPORT, with which a second
 * process would share the port and the kernel would split requests between
 * two different nodes. Returns the socket, or -1 with a message in err. */
static int http__listen(const struct sockaddr_storage *ss, int port, const char *bind_addr, char *err,
                        size_t err_len) {
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_len, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, HTTP_LISTEN_BACKLOG) != 0) {
        int e = errno;
        if (e == EADDRINUSE) snprintf(err, err_len, "port %d is in use", port);
        else if (e == EACCES) snprintf(err, err_len, "port %d: not allowed (ports below 1024 need root)", port);
        else snprintf(err, err_len, "cannot listen on %s port %d: %s", bind_addr, port, strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

/* Epoll threads per daemon: the cores (at most 4) for a few nodes, one
 * each when one process serves many. */
static unsigned http__pool_size(const http_server *h) {
    if (h->n_nodes > HTTP_POOLED_NODES_MAX) return 1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > 4 ? 4 : (unsigned)cores;
}

/* Each connection is a descriptor: the soft limit of open files is raised
 * to the hard one, so that the connection limits, not EMFILE, decide. */
static void http__raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static bool http__start_daemon(http_server *h, http__node *hn, int port, char *err, size_t err_len) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     MHD_USE_TURBO;
    bool v6 = strchr(h->bind_addr, ':') != NULL;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, h->bind_addr, &a->sin6_addr) != 1) goto bad_addr;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, h->bind_addr, &a->sin_addr) != 1) goto bad_addr;
    }
    int fd = http__listen(&ss, port, h->bind_addr, err, err_len);
    if (fd < 0) return false;
    hn->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, http__access, hn,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, http__pool_size(h),
        /* the soft limits answer 503; this one only protects the process */
        MHD_OPTION_CONNECTION_LIMIT, h->desc.max_connections + h->desc.max_streams + HTTP_REFUSE_MARGIN,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->desc.timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, http__completed, hn,
        MHD_OPTION_NOTIFY_CONNECTION, http__notify_connection, hn,
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_THREAD_STACK_BYTES,
        MHD_OPTION_EXTERNAL_LOGGER, http__mhd_log, NULL,
        MHD_OPTION_END);
    if (!hn->daemon) {
        close(fd);
        snprintf(err, err_len, "cannot start the HTTP server on %s port %d", h->bind_addr, port);
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(hn->daemon, MHD_DAEMON_INFO_BIND_PORT);
    hn->port = info ? (int)info->port : port;
    const char *host = h->bind_addr;
    if (strcmp(host, "0.0.0.0") == 0) host = "127.0.0.1";
    if (strcmp(host, "::") == 0) host = "::1";
    if (v6) snprintf(hn->url, sizeof hn->url, "http://[%s]:%d", host, hn->port);
    else snprintf(hn->url, sizeof hn->url, "http://%s:%d", host, hn->port);
    return true;
bad_addr:
    snprintf(err, err_len, "--bind %s: not an IPv4 or IPv6 address", h->bind_addr);
    return false;
}

http_server *http_server_new(sim *s, const http_desc *desc, char *err, size_t err_len) {
    http_server *h = xcalloc(1, sizeof *h);
    h->s = s;
    h->desc = *desc;
    h->bind_addr = xstrdup(desc->bind_addr ? desc->bind_addr : HTTP_DEFAULT_BIND);
    h->desc.bind_addr = h->bind_addr;
    if (!h->desc.max_body_bytes) h->desc.max_body_bytes = HTTP_DEFAULT_MAX_BODY;
    if (!h->desc.max_connections) h->desc.max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
    if (!h->desc.max_per_address) h->desc.max_per_address = HTTP_DEFAULT_MAX_PER_ADDRESS;
    if (!h->desc.max_streams) h->desc.max_streams = HTTP_DEFAULT_MAX_STREAMS;
    if (!h->desc.max_streams_per_address) h->desc.max_streams_per_address = HTTP_DEFAULT_MAX_STREAMS_PER_ADDRESS;
    if (!h->desc.header_timeout_s) h->desc.header_timeout_s = HTTP_DEFAULT_HEADER_TIMEOUT_S;
    if (!h->desc.timeout_s) h->desc.timeout_s = HTTP_DEFAULT_TIMEOUT_S;
    if (h->desc.cmd_timeout_ms <= 0) h->desc.cmd_timeout_ms = HTTP_DEFAULT_CMD_TIMEOUT_MS;
    h->desc.assets_dir = NULL;
    h->n_nodes = sim_node_count(s);
    h->nodes = xcalloc((size_t)h->n_nodes, sizeof *h->nodes);
    for (int i = 0; i < h->n_nodes; i++) {
        http__node *hn = &h->nodes[i];
        hn->srv = h;
        hn->id = i;
        pthread_mutex_init(&hn->lock, NULL);
    }
    if (desc->assets_dir) h->assets_dir = xstrdup(desc->assets_dir);
    if (!http__assets_load(h))
        log_warn("http: the web page's files (assets/) were not found; GET / will say so "
                 "(set CHAINSIM_ASSETS=/path/to/assets)");
    h->rt = remote_new(s, NULL);
    http__events_init(h);
    http__raise_fd_limit();
    if (!http__conns_start(h)) {
        snprintf(err, err_len, "cannot start the HTTP server's threads");
        goto fail;
    }
    for (int i = 0; i < h->n_nodes; i++) {
        int port = desc->base_port > 0 ? desc->base_port + i : 0;
        if (port > 65535) {
            snprintf(err, err_len, "--http %d: node %d would need port %d, beyond 65535",
                     desc->base_port, i, port);
            goto fail;
        }
        if (!http__start_daemon(h, &h->nodes[i], port, err, err_len)) goto fail;
        remote_set_origin(h->rt, i, h->nodes[i].url);
    }
    if (!desc->quiet) {
        for (int i = 0; i < h->n_nodes; i++)
            printf("node %s: %s\n", node_name(sim_node(s, i)), h->nodes[i].url);
        fflush(stdout);
    }
    return h;
fail:
    http_server_free(h);
    return NULL;
}

void http_server_free(http_server *h) {
    if (!h) return;
    atomic_store(&h->closing, true);
    /* Every suspended connection is resumed before its daemon stops:
     * waiting requests end (the run has ended, so their commands complete
     * as cancelled), then the streams. */
    http__callers_stop(h);
    http__conns_stop(h);
    http__events_close(h);
    for (int i = 0; i < h->n_nodes; i++)
        if (h->nodes[i].daemon) MHD_stop_daemon(h->nodes[i].daemon);
    remote_free(h->rt);
    http__events_cleanup(h);
    http__conns_cleanup(h);
    for (int i = 0; i < h->n_nodes; i++) {
        if (h->nodes[i].chain_resp) MHD_destroy_response(h->nodes[i].chain_resp);
        pthread_mutex_destroy(&h->nodes[i].lock);
    }
    free(h->nodes);
    http__assets_free(h);
    free(h->assets_dir);
    free(h->bind_addr);
    free(h);
}

const char *http_server_url(const http_server *h, int node_id) { return h->nodes[node_id].url; }
