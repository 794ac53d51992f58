/* http_int.h - what the files of src/http share (not exported).
 *
 *   http.c          daemons, request bodies, routing, replies, refusals
 *   http_conn.c     connection limits, the header timeout, caller threads
 *   http_api.c      the classic API's reads: chain, nodes, mempool, status, ...
 *   http_actions.c  its actions (add a transaction, mine, register, resolve)
 *                   and the relays of other processes
 *   http_page.c     the web page (server-rendered, so forms work without JS)
 *   http_events.c   the server's event sink: peers, live-event ring (SSE)
 *   http_form.c     request bodies: urlencoded forms, a form's or JSON's fields
 *   http_assets.c   finding and loading assets/ (index.html, app.js, ...)
 *   http_node.c     `chainsim node PORT`, signals
 *   store.c         the durable state of --data-dir (SQLite; store.h)
 *   store_repair.c  checking it, --recover, importing the old block log
 *
 * Locks: each http__node's `lock` guards its peers, event ring and
 * resolve notes; it is taken inside the sim's sink lock (sink callbacks)
 * and by request threads, which never call into the sim while holding it. */
#ifndef CHAINSIM_HTTP_HTTP_INT_H
#define CHAINSIM_HTTP_HTTP_INT_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "http/http.h"
#include "http/remote.h"
#include "util/buf.h"
#include "util/jsonw.h"

/* Live events kept per node for the stream; a client further behind gets a
 * "resync" event and reloads. */
#define HTTP_EVENT_RING 128
/* A stream sends a comment this often so proxies and clients see it alive. */
#define HTTP_SSE_KEEPALIVE_MS 15000
/* Chain rejections kept per node for /consensus replies. */
#define HTTP_MAX_REJECTIONS 32
/* Blocks drawn as cards on the page (the newest); /chain has them all. */
#define HTTP_PAGE_BLOCKS 50
/* Longest URL accepted for a peer. */
#define HTTP_MAX_URL 256

/* Caller threads (http_conn.c) and the requests that may wait for them. */
#define HTTP_CALLERS_MAX 32
#define HTTP_WAITING_MAX 256
/* Buckets of the per-address connection counts. */
#define HTTP_ADDR_BUCKETS 256

typedef struct http__rejection {
    int peer;
    reject reason;
    int64_t index;     /* the offending block's position, as the node saw it */
} http__rejection;

typedef struct http__node {
    http_server *srv;
    int id;
    struct MHD_Daemon *daemon;
    int port;
    char url[HTTP_MAX_URL];
    atomic_int mining;        /* POST /mine requests in progress */

    pthread_mutex_t lock;     /* guards everything below */
    int *peers;               /* in order of registration */
    size_t n_peers, cap_peers;
    char *ring[HTTP_EVENT_RING]; /* event text; ring[seq % N] is event `seq` */
    uint64_t seq;             /* events so far */
    uint64_t blocks_mined;
    http__rejection rejections[HTTP_MAX_REJECTIONS]; /* since the last /consensus */
    size_t n_rejections;
    /* GET /chain for one tip, built once and queued on every connection
     * that asks until the tip moves (MHD counts its references). */
    const block *chain_tip;
    struct MHD_Response *chain_resp;
    struct http__stream *streams; /* open /events streams (http_events.c) */
} http__node;

/* Why a connection or stream is answered 503 (http_conn.c). */
typedef enum http__limit {
    HTTP_LIMIT_NONE,
    HTTP_LIMIT_TOTAL,            /* desc.max_connections open */
    HTTP_LIMIT_ADDRESS,          /* desc.max_per_address open from its address */
    HTTP_LIMIT_STREAMS_TOTAL,    /* desc.max_streams /events open */
    HTTP_LIMIT_STREAMS_ADDRESS,  /* desc.max_streams_per_address from its address */
    HTTP_LIMIT_WAITING,          /* HTTP_WAITING_MAX requests wait for nodes */
} http__limit;

typedef struct http__addr http__addr;

/* One connection, from accept to close (the daemon's socket context). */
typedef struct http__conn {
    int fd;
    http__addr *addr;             /* its address's counts */
    http__limit refused;        /* over a limit at accept: answered 503 */
    bool stream;                  /* counted as an /events stream */
    /* guarded by conns.lock: */
    bool pending;                 /* waiting for a request's headers ... */
    int64_t header_deadline_us;   /* ... until then (clock_now_us) */
    struct http__conn *prev, *next;
} http__conn;

typedef struct http__conns {
    pthread_mutex_t lock;         /* guards everything below */
    pthread_cond_t wake;          /* the sweeper: closing */
    http__addr *buckets[HTTP_ADDR_BUCKETS];
    unsigned conns, streams;      /* open, all daemons */
    http__conn *pending;          /* headers not complete yet */
    uint64_t header_timeouts;     /* connections cut for slow headers */
    unsigned header_timeout_s;
    bool closing;
    pthread_t sweeper;
    bool sweeper_running;
} http__conns;

typedef struct http__req http__req;

typedef struct http__callers {
    pthread_mutex_t lock;         /* guards everything below */
    pthread_cond_t work;
    http__req *head, *tail;       /* queued, oldest first */
    unsigned queued, idle, reserved; /* reserved: queued or running */
    pthread_t threads[HTTP_CALLERS_MAX];
    unsigned n_threads;
    bool closing;
} http__callers;

typedef struct http__asset {
    const char *name;         /* "index.html" */
    const char *type;         /* Content-Type */
    char *data;
    size_t len;
} http__asset;

enum { HTTP_ASSET_INDEX, HTTP_ASSET_JS, HTTP_ASSET_CSS, HTTP_ASSET_COUNT };

struct http_server {
    sim *s;
    http_desc desc;           /* strings copied below */
    char *bind_addr;
    remote *rt;
    http__asset assets[HTTP_ASSET_COUNT];
    char *assets_dir;         /* where they were found, or NULL */
    http__node *nodes;
    int n_nodes;
    atomic_bool closing;
    http__conns conns;
    http__callers callers;
};

typedef enum http__body_kind {
    HTTP_BODY_NONE,           /* empty */
    HTTP_BODY_FORM,           /* application/x-www-form-urlencoded */
    HTTP_BODY_JSON,           /* application/json */
    HTTP_BODY_OTHER,
} http__body_kind;

typedef enum MHD_Result (*http__handler)(http__req *r);

/* One request, from its first callback to its completion. */
struct http__req {
    http__node *hn;
    struct MHD_Connection *conn;
    http__conn *c;                /* NULL if the daemon gave none */
    const char *method;
    const char *path;
    buf body;
    bool too_big;
    http__body_kind kind;
    bool wants_json;          /* reply in JSON (Accept or a JSON body) */
    /* A request run on a caller thread (its connection suspended): the
     * reply is kept here and queued when the daemon resumes it. */
    http__handler deferred_fn;
    bool deferred;            /* the handler runs (or ran) on a caller */
    bool deferred_done;
    enum MHD_Result deferred_ret;
    unsigned deferred_status;
    struct MHD_Response *deferred_resp;
    http__req *next_waiting;  /* callers' queue */
};

/* An urlencoded body's fields (http_form.c). */
typedef struct http__form {
    char **keys, **vals;   /* decoded, NUL-terminated */
    size_t n, cap;
} http__form;

/* ---- http.c: replies (each returns what the access handler returns) ---- */
enum MHD_Result http__reply(http__req *r, unsigned status, const char *type,
                            const char *body, size_t len);
enum MHD_Result http__reply_buf(http__req *r, unsigned status, const char *type, buf *b);
/* Starts an answer: *b new and empty, *w writing into it (util/jsonw's
 * layout), the answer's object open. */
void http__json_begin(buf *b, jsonw *w);
/* b holds one JSON value (written with jsonw): a newline is appended and
 * it is sent as application/json. b is the reply's afterwards. */
enum MHD_Result http__reply_json(http__req *r, unsigned status, buf *b);
/* {"error": code, "message": message}, always JSON (reads, relays, routing). */
enum MHD_Result http__reply_error(http__req *r, unsigned status, const char *code,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A failed action: the same JSON, or for a form that wants no JSON the page
 * with the message (when the page's assets are there). */
enum MHD_Result http__fail(http__req *r, unsigned status, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum MHD_Result http__reply_redirect(http__req *r, const char *location);
/* Queues resp (and drops the caller's reference), or keeps it for the
 * daemon's thread when r runs on a caller thread. Every reply goes here. */
enum MHD_Result http__queue(http__req *r, unsigned status, struct MHD_Response *resp);
/* 503 with Retry-After and {"error": "busy", "message": why}; the
 * connection is closed after it. */
enum MHD_Result http__reply_busy(http__req *r, http__limit why);
/* On a caller thread: runs r's handler, keeps its reply, resumes r. */
void http__req_run_deferred(http__req *r);
/* Sends a command to the request's node and waits for it (or the
 * timeout). Returns 0 when done (the caller then owns cmd and frees it),
 * or an HTTP status (503 stopped, 504 timeout) after which cmd is no longer
 * the caller's. */
unsigned http__call(http__req *r, node_cmd *cmd, int timeout_ms);
/* The peer id of a URL: a node of this server, or a remote one (-1 with
 * *why if the URL is not acceptable). */
int http__peer_id(http_server *h, const char *url, const char **why);
/* The URL of a peer id (ours or remote); "" if unknown. */
const char *http__peer_url(http_server *h, int id);

/* ---- http_conn.c ---- */
/* Starts the sweeper; false if it cannot. */
bool http__conns_start(http_server *h);
/* Ends the caller threads once every queued request has run. */
void http__callers_stop(http_server *h);
void http__conns_stop(http_server *h);
void http__conns_cleanup(http_server *h);
/* The daemon's connection notifications: counted against the limits at
 * accept (refused ones are marked), uncounted at close. */
void http__conn_started(http_server *h, struct MHD_Connection *conn, void **socket_context);
void http__conn_closed(http_server *h, void **socket_context);
http__conn *http__conn_of(struct MHD_Connection *conn);
/* A request's headers arrived: off the header deadline. */
void http__conn_headers_done(http_server *h, http__conn *c);
/* A request ended; a kept-alive connection waits for the next headers. */
void http__conn_request_done(http_server *h, http__conn *c);
/* Counts c as a stream instead of a request, or says which limit is full. */
http__limit http__conn_make_stream(http_server *h, http__conn *c);
const char *http__limit_message(const http_server *h, http__limit why);
/* A slot for one more waiting request (false: HTTP_WAITING_MAX wait). */
bool http__callers_reserve(http_server *h);
/* Queues r (after a reserve) for a caller thread. */
void http__callers_submit(http_server *h, http__req *r);

/* ---- http_api.c ---- */
enum MHD_Result http__api_chain(http__req *r);
enum MHD_Result http__api_nodes(http__req *r);
enum MHD_Result http__api_mempool(http__req *r);
enum MHD_Result http__api_balances(http__req *r);
enum MHD_Result http__api_block(http__req *r, const char *hash);
enum MHD_Result http__api_status(http__req *r);
/* Appends {"chain": [...], "length": N}\n for the chain ending at tip. */
void http__write_chain(buf *out, const block *tip);
/* Writes the chain ending at tip as one array value; returns its length. */
size_t http__write_chain_array(jsonw *w, const block *tip);
/* Writes the node's peers' URLs as one array value, in order of registration. */
void http__write_peers(jsonw *w, http__node *hn);
/* Takes the request's node's snapshot into *snap (the caller releases it)
 * and returns its tip. */
const block *http__tip(http__req *r, node_snapshot *snap);
/* The answer to a command http__call did not complete: 503 stopped or 504
 * timeout (its status). */
enum MHD_Result http__call_failed(http__req *r, unsigned status);

/* ---- http_actions.c ---- */
enum MHD_Result http__api_add_tx(http__req *r);
enum MHD_Result http__api_mine(http__req *r);
enum MHD_Result http__api_register(http__req *r);
enum MHD_Result http__api_consensus(http__req *r);
enum MHD_Result http__api_relay_block(http__req *r);
enum MHD_Result http__api_relay_tx(http__req *r);

/* ---- http_form.c ---- */
/* Parses an urlencoded body. Returns false (form left empty) with *why if
 * an escape is malformed. */
bool http__form_parse(http__form *f, const char *body, size_t len, const char **why);
/* The first value of key, or NULL. */
const char *http__form_get(const http__form *f, const char *key);
void http__form_cleanup(http__form *f);

/* A POST body's fields: a form's, or a JSON object's (the parsing every
 * POST endpoint starts with; tests/fuzz/fuzz_body.c calls it directly). */
typedef struct http__fields {
    http__form form;
    cJSON *json; /* an object, or NULL for form/empty bodies */
} http__fields;
/* Why a body was refused: the status, code and message of the answer. */
typedef struct http__body_error {
    unsigned status;
    const char *code;      /* static */
    char message[256];
} http__body_error;
/* Parses body[0..len) of this kind into *f (release with
 * http__fields_cleanup, also after a refusal). A JSON body passes
 * json_strict (exact integers) and must be an object. False with *e. */
bool http__fields_parse(http__fields *f, http__body_kind kind, const char *body, size_t len,
                        http__body_error *e);
/* The request's body into *f; on a bad body answers the request and
 * returns false (*ret holds the handler's result, f needs no cleanup). */
bool http__read_fields(http__req *r, http__fields *f, enum MHD_Result *ret);
void http__fields_cleanup(http__fields *f);
/* A text field: *out is NULL if absent (borrowed from f). False (and
 * *why) if present with another JSON type. */
bool http__field_str(const http__fields *f, const char *key, const char **out, char *why,
                     size_t why_len);
/* The amount: a JSON integer, or decimal digits in a form (with an optional
 * sign, so that "-5" is refused for its value, not its spelling). Values
 * past TX_AMOUNT_MAX come back as TX_AMOUNT_MAX + 1 or -1, for the tx rules
 * to refuse with their reason. */
bool http__field_amount(const http__fields *f, int64_t *out, bool *present, char *why,
                        size_t why_len);

/* ---- http_page.c ---- */
/* The page, with an optional message (error when is_error). */
enum MHD_Result http__page(http__req *r, unsigned status, const char *message, bool is_error);

/* ---- http_events.c ---- */
void http__events_init(http_server *h);
void http__events_cleanup(http_server *h);
/* Server-Sent Events for the request's node. */
enum MHD_Result http__events_stream(http__req *r);
/* Copies the node's peers (caller frees *out). */
size_t http__peers(http__node *hn, int **out);
/* Forgets the node's recorded chain rejections (a new /consensus). */
void http__rejections_clear(http__node *hn);
/* Copies them out (at most max). */
size_t http__rejections(http__node *hn, http__rejection *out, size_t max);
/* Wakes every stream so it can end (server closing). */
void http__events_close(http_server *h);
/* Resumes the streams due for a keep-alive comment (the sweeper). */
void http__events_tick(http_server *h);

/* ---- http_assets.c ---- */
/* Finds assets/ (desc dir, $CHAINSIM_ASSETS, next to the executable, the
 * working directory) and loads the page's files. False if not found. */
bool http__assets_load(http_server *h);
void http__assets_free(http_server *h);
const http__asset *http__asset_named(const http_server *h, const char *name);

#endif
