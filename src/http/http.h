/* http.h - every node a real HTTP endpoint: the classic API, JSON for
 * programs, a web page, a live event stream, and relays between processes.
 *
 * One libmicrohttpd daemon per node, bound to 127.0.0.1 unless told
 * otherwise, node i on base_port + i (0: any free port; http_server_url
 * says which). Connections are served by a few epoll threads per daemon;
 * a request that waits for its node (a mine, a resolve) is suspended and
 * runs on a caller thread, so it never holds up another request or
 * another node. Connections are limited per client address and in total,
 * headers must arrive within header_timeout_s (http_conn.c).
 *
 * Handlers never touch node state. They read what nodes publish
 * (node_snapshot_get; blocks are immutable, so a chain is read by walking a
 * snapshot's tip back through ->parent), what the server's own event sink
 * recorded (peers, live events), or send the node a command and wait for
 * its done callback on a condition variable, up to cmd_timeout_ms.
 *
 * The endpoints, their bodies and status codes are listed in docs-http.md
 * (README "HTTP"). Peers given as URLs travel through http/remote.h, which
 * the server creates and installs on the sim.
 *
 * Lifecycle: sim_new -> http_server_new (adds its sinks: before the run) ->
 * sim_start -> ... -> the run ends -> http_server_free -> sim_free. */
#ifndef CHAINSIM_HTTP_HTTP_H
#define CHAINSIM_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define HTTP_DEFAULT_BIND "127.0.0.1"
#define HTTP_DEFAULT_MAX_BODY (1u << 20)
#define HTTP_DEFAULT_MAX_CONNECTIONS 4096
#define HTTP_DEFAULT_MAX_PER_ADDRESS 128
#define HTTP_DEFAULT_MAX_STREAMS 512
#define HTTP_DEFAULT_MAX_STREAMS_PER_ADDRESS 32
#define HTTP_DEFAULT_HEADER_TIMEOUT_S 10
#define HTTP_DEFAULT_TIMEOUT_S 30
#define HTTP_DEFAULT_CMD_TIMEOUT_MS 60000

typedef struct http_desc {
    const char *bind_addr;       /* IPv4 or IPv6 literal; NULL = 127.0.0.1 */
    int base_port;               /* node i on base_port + i; 0 = any free port */
    const char *assets_dir;      /* the web page; NULL = search (http_assets.c) */
    size_t max_body_bytes;       /* request bodies; 0 = 1 MiB */
    /* Limits over all daemons; a connection over one is answered 503. */
    unsigned max_connections;    /* open connections in total; 0 = 4096 */
    unsigned max_per_address;    /* ... from one client address; 0 = 128 */
    unsigned max_streams;        /* open GET /events streams (apart); 0 = 512 */
    unsigned max_streams_per_address; /* ... from one address; 0 = 32 */
    unsigned header_timeout_s;   /* a request's headers must be in by then; 0 = 10 */
    unsigned timeout_s;          /* idle connection timeout; 0 = 30 */
    int cmd_timeout_ms;          /* wait for a node's reply; 0 = 60 s */
    bool quiet;                  /* do not print the URLs on stdout */
} http_desc;

typedef struct http_server http_server;

/* Starts one daemon per node of `s`, adds the server's event sinks and
 * installs the remote transport (sim_set_remote); call before the run
 * starts. Prints "node NAME: URL" per node on stdout unless quiet. Returns
 * NULL with a one-line message in err if a daemon cannot start (port in
 * use, bad bind address). */
http_server *http_server_new(sim *s, const http_desc *desc, char *err, size_t err_len);
/* Stops the daemons (open event streams end) and the remote transport.
 * Call after the run has ended (sim_wait/sim_stop), before sim_free. NULL
 * does nothing. */
void http_server_free(http_server *h);
/* "http://127.0.0.1:5000": where node_id listens (lives as long as h). */
const char *http_server_url(const http_server *h, int node_id);

/* `chainsim node PORT [options]`: one node, no window, like the classic
 * `python node.py PORT`. argv[0] is "node". Runs until SIGINT/SIGTERM;
 * returns the process exit code (0, or 2 for a usage error). */
int http_node_main(int argc, char **argv);

/* Live runs end on SIGINT or SIGTERM, whenever it comes. http_signals_start
 * blocks both in the calling thread (and the threads it starts later) and
 * starts a watcher thread that takes them; call it before any other thread
 * starts (sim_start, http_server_new). Returns NULL if the thread cannot
 * start. (A shell starts background jobs with SIGINT ignored: stop those
 * with SIGTERM.) */
typedef struct http_signals http_signals;
http_signals *http_signals_start(void);
/* Call right after sim_start succeeded: from now on a signal stops s, and
 * one that came earlier (while loading, before the start) stops it at once.
 * s NULL disarms, and waits for a stop in progress: do it before sim_free.
 * NULL w does nothing. */
void http_signals_arm(http_signals *w, sim *s);
/* sim_run(s) with the watcher armed between the start and the wait (the
 * threads executor); NULL w: plain sim_run. */
cs_err http_signals_run(http_signals *w, sim *s);
/* Ends the watcher and restores the signal mask. True if a signal came
 * (the ones still pending are taken here, not left to kill the process).
 * Frees w. NULL: false. */
bool http_signals_stop(http_signals *w);

#endif
