/* http_node.c - `chainsim node PORT`: one node, no window, like the classic
 * `python node.py PORT`, and the signal watcher that ends live runs.
 *
 * The node runs the classic rules so classic Python nodes can be its peers:
 * the classic genesis, the open ledger, difficulty 16 ("0000"), manual
 * mining (POST /mine), gossip on (blocks and transactions relay to URL peers
 * over HTTP), in the threads executor at speed 1 until SIGINT or SIGTERM.
 *
 * With --data-dir the node keeps its state in DIR/node.db (store.h): its
 * blocks, peers, name and transaction-id reservation are committed by a
 * sink inside the events that change them, before the request that caused
 * them is answered, and a restart reads them back. They are handed to the
 * node before its thread starts: until sim_start the calling thread is the
 * only one that touches the node, as when peers are added before a run. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/http_int.h"
#include "http/store.h"
#include "util/log.h"
#include "util/mem.h"

#define HTTP_NODE_EXIT_USAGE 2
/* The data dir cannot be written while the node runs. */
#define HTTP_NODE_EXIT_STORE 1
/* How often the signal watcher looks at its done flag. */
#define HTTP_SIGNAL_POLL_MS 200

/* ---- signals -------------------------------------------------------------
 *
 * SIGINT and SIGTERM are blocked in every thread and taken by one watcher
 * with sigwaitinfo, so no handler runs in the middle of anything. A signal
 * can come at any moment: before the sim has started (sim_stop would do
 * nothing then, and the stop would be lost), while it runs, or while the
 * process winds down. So the watcher only records it under `lock`; the sim
 * is stopped by whichever comes second, the signal or http_signals_arm. A
 * signal still pending when the watcher ends is taken by http_signals_stop,
 * not left to kill the process when the old mask comes back. */

struct http_signals {
    pthread_t tid;
    sigset_t set;            /* SIGINT, SIGTERM */
    sigset_t old_mask;
    atomic_bool done;        /* http_signals_stop: the next poll ends the watcher */
    pthread_mutex_t lock;    /* guards s and caught */
    sim *s;                  /* armed: stop it on a signal */
    bool caught;
};

/* A signal arrived: stop the sim if it runs, else remember it for arm.
 * sim_stop runs under the lock so that disarming waits for it to finish
 * (the sim may be freed right after). */
static void http__signals_caught(http_signals *w) {
    pthread_mutex_lock(&w->lock);
    w->caught = true;
    if (w->s) sim_stop(w->s);
    pthread_mutex_unlock(&w->lock);
}

/* Polls, rather than being woken by a signal of its own: a signal the
 * process inherited as ignored (SIGINT in a shell's background job) is
 * discarded even while blocked, so it could not wake the watcher. */
static void *http__signals_main(void *arg) {
    http_signals *w = arg;
    const struct timespec poll = {.tv_sec = 0, .tv_nsec = HTTP_SIGNAL_POLL_MS * 1000000L};
    while (!atomic_load(&w->done))
        if (sigtimedwait(&w->set, NULL, &poll) > 0) http__signals_caught(w);
    return NULL;
}

http_signals *http_signals_start(void) {
    http_signals *w = xcalloc(1, sizeof *w);
    sigemptyset(&w->set);
    sigaddset(&w->set, SIGINT);
    sigaddset(&w->set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &w->set, &w->old_mask);
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->tid, NULL, http__signals_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
        free(w);
        return NULL;
    }
    return w;
}

void http_signals_arm(http_signals *w, sim *s) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->s = s;
    if (s && w->caught) sim_stop(s);
    pthread_mutex_unlock(&w->lock);
}

cs_err http_signals_run(http_signals *w, sim *s) {
    if (!w) return sim_run(s);
    cs_err e = sim_start(s);
    if (e != CS_OK) return e;
    http_signals_arm(w, s);
    sim_wait(s);
    http_signals_arm(w, NULL);
    return CS_OK;
}

bool http_signals_stop(http_signals *w) {
    if (!w) return false;
    atomic_store(&w->done, true);
    pthread_join(w->tid, NULL);
    const struct timespec now = {0, 0};
    while (sigtimedwait(&w->set, NULL, &now) > 0) w->caught = true;
    pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
    bool caught = w->caught;
    pthread_mutex_destroy(&w->lock);
    free(w);
    return caught;
}

/* ---- chainsim node ------------------------------------------------------- */

typedef struct http__node_opts {
    int port;
    const char *data_dir;
    bool recover;           /* --recover: move a damaged data dir's file aside */
    const char *bind_addr;
    const char *peers;      /* comma-separated URLs */
    const char *name;
    int verbosity;
} http__node_opts;

static void http__node_usage(FILE *out) {
    fputs("usage: chainsim node PORT [--data-dir DIR [--recover]] [--bind ADDR] [--peers URL,...]\n"
          "                          [--name NAME]\n"
          "\n"
          "Runs one node with the classic rules (classic genesis, open ledger, difficulty 16)\n"
          "and serves the classic API and web page on http://ADDR:PORT/ until Ctrl-C.\n"
          "PORT 0 picks a free port (printed).\n"
          "\n"
          "  --data-dir DIR    keep the node's blocks, peers and name in DIR/node.db (SQLite)\n"
          "                    across restarts; one process per DIR\n"
          "  --recover         if DIR/node.db is damaged, move it aside (kept) and start with\n"
          "                    what can still be read from it\n"
          "  --bind ADDR       listen on ADDR (default 127.0.0.1; 0.0.0.0 for every interface)\n"
          "  --peers URL,...   register these peers at start and pull their chains\n"
          "  --name NAME       the node's name: miner and reward account (default node-PORT)\n"
          "  -v, --verbose     log more on stderr (repeat for debug)\n"
          "  -h, --help        this help\n",
          out);
}

/* Returns -1 to go on, or an exit code. */
static int http__node_parse(http__node_opts *o, int argc, char **argv) {
    static const struct option longs[] = {
        {"data-dir", required_argument, NULL, 'd'}, {"recover", no_argument, NULL, 'r'},
        {"bind", required_argument, NULL, 'b'},
        {"peers", required_argument, NULL, 'p'},    {"name", required_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hv", longs, NULL)) != -1) {
        switch (c) {
        case 'd': o->data_dir = optarg; break;
        case 'r': o->recover = true; break;
        case 'b': o->bind_addr = optarg; break;
        case 'p': o->peers = optarg; break;
        case 'n': o->name = optarg; break;
        case 'v': o->verbosity++; break;
        case 'h': http__node_usage(stdout); return 0;
        default: http__node_usage(stderr); return HTTP_NODE_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "chainsim node: expected one PORT\n");
        http__node_usage(stderr);
        return HTTP_NODE_EXIT_USAGE;
    }
    char *end;
    errno = 0;
    long port = strtol(argv[optind], &end, 10);
    if (errno || *end || end == argv[optind] || port < 0 || port > 65535) {
        fprintf(stderr, "chainsim node: PORT: expected 0..65535, got '%s'\n", argv[optind]);
        return HTTP_NODE_EXIT_USAGE;
    }
    o->port = (int)port;
    if (o->recover && !o->data_dir) {
        fprintf(stderr, "chainsim node: --recover needs --data-dir\n");
        return HTTP_NODE_EXIT_USAGE;
    }
    log_set_level(o->verbosity >= 2 ? LOG_DEBUG : o->verbosity == 1 ? LOG_INFO : LOG_WARN);
    return -1;
}

/* The one-node scenario, as JSON text (a new string). */
static char *http__node_scenario(const char *name) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "standalone node");
    cJSON *nodes = cJSON_AddArrayToObject(root, "nodes");
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "name", name);
    cJSON_AddItemToArray(nodes, n);
    cJSON_AddStringToObject(root, "topology", "none");
    cJSON *rules = cJSON_AddObjectToObject(root, "chain");
    cJSON_AddStringToObject(rules, "genesis", "classic");
    cJSON_AddStringToObject(root, "mining", "manual");
    cJSON_AddBoolToObject(root, "gossip", true);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *copy = xstrdup(text);
    cJSON_free(text);
    return copy;
}

/* Registers --peers before the run; false (with a message) on a bad URL. */
static bool http__node_peers(http_server *h, const char *list) {
    char *copy = xstrdup(list);
    bool ok = true;
    for (char *save = NULL, *url = strtok_r(copy, ",", &save); url && ok;
         url = strtok_r(NULL, ",", &save)) {
        const char *why = NULL;
        int id = http__peer_id(h, url, &why);
        if (id < 0 || id == 0) {
            fprintf(stderr, "chainsim node: --peers %s: %s\n", url,
                    id == 0 ? "that is this node" : why);
            ok = false;
        } else {
            node_add_peer(sim_node(h->s, 0), id);
        }
    }
    free(copy);
    return ok;
}

/* ---- the data dir (store.h) ---------------------------------------------- */

typedef struct http__persist {
    store *st;              /* NULL without --data-dir */
    http_server *h;         /* for peer URLs */
    const node *n;          /* node 0 */
} http__persist;

/* Commits what an event changed, on the node's thread inside the event
 * (sim.h), so before the request that caused it is answered. A failed
 * write stops the process at once: going on would acknowledge a block,
 * peer or id that a restart does not have. */
static void http__persist_sink(void *user, const sim_event *ev) {
    http__persist *p = user;
    if (ev->node != 0) return;
    char err[PATH_MAX + 256] = "";
    cs_err e = CS_OK;
    if (ev->kind == EV_BLOCK_ACCEPTED && ev->block) {
        e = store_put_block(p->st, ev->block, err, sizeof err);
    } else if (ev->kind == EV_PEER_ADDED) {
        const char *url = http__peer_url(p->h, ev->peer);
        if (url[0]) e = store_put_peer(p->st, url, err, sizeof err);
    } else if (ev->kind == EV_TX_ACCEPTED) {
        e = store_tx_ids_used(p->st, node_tx_counter(p->n), err, sizeof err);
    }
    if (e != CS_OK) {
        fprintf(stderr, "chainsim: %s; stopping now so that nothing unsaved is acknowledged\n", err);
        _exit(HTTP_NODE_EXIT_STORE);
    }
}

/* Opens --data-dir (if any) and settles the node's name: the stored one,
 * else --name, else default_name. False (message printed) if the dir is
 * in use, damaged, or belongs to a node of another name. */
static bool http__data_open(http__persist *p, const http__node_opts *o, const char *default_name,
                            const char **name) {
    *name = o->name ? o->name : default_name;
    if (!o->data_dir) return true;
    /* Past a file size limit a write fails (EFBIG) instead of killing the
     * process, so the sink reports it as it does a full disk. */
    signal(SIGXFSZ, SIG_IGN);
    char err[PATH_MAX + 768];
    store_fail why;
    p->st = store_open(o->data_dir, o->recover, &why, err, sizeof err);
    if (!p->st) {
        fprintf(stderr, "chainsim: %s\n", err);
        return false;
    }
    const char *stored = store_name(p->st);
    if (stored && o->name && strcmp(stored, o->name) != 0) {
        fprintf(stderr, "chainsim: data dir %s belongs to node '%s': start it without --name, or with "
                "--name '%s'\n", o->data_dir, stored, stored);
        return false;
    }
    if (stored) *name = stored;
    return true;
}

/* Reads the stored blocks and transaction counter into node 0 (before
 * the HTTP server, so the restored blocks are not live events). */
static bool http__data_load(http__persist *p, sim *s, const char *name) {
    if (!p->st) return true;
    char err[PATH_MAX + 768];
    block **blocks = NULL;
    size_t n = 0;
    uint64_t tx_counter = 0;
    store_fail why;
    if (store_load(p->st, sim_store(s), name, &blocks, &n, &tx_counter, &why, err, sizeof err) != CS_OK) {
        fprintf(stderr, "chainsim: %s\n", err);
        return false;
    }
    p->n = sim_node(s, 0);
    node_set_tx_counter(sim_node(s, 0), tx_counter);
    node_restore(sim_node(s, 0), blocks, n);
    free(blocks);
    return true;
}

/* Registers the stored peers again, then follows the node's events. */
static void http__data_follow(http__persist *p, sim *s, http_server *h) {
    if (!p->st) return;
    p->h = h;
    const char *const *urls;
    size_t n = store_peers(p->st, &urls);
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        int id = http__peer_id(h, urls[i], &why);
        if (id > 0) node_add_peer(sim_node(s, 0), id);
        else log_warn("stored peer %s is not registered again: %s", urls[i], id == 0 ? "that is this node" : why);
    }
    sim_add_sink_filtered(s, http__persist_sink, p,
                          SIM_EVENT_BIT(EV_BLOCK_ACCEPTED) | SIM_EVENT_BIT(EV_PEER_ADDED) |
                              SIM_EVENT_BIT(EV_TX_ACCEPTED));
}

/* The node's life after the watcher started: returns the exit code. */
static int http__node_run(http_signals *sig, int argc, char **argv) {
    http__node_opts o = {0};
    int code = http__node_parse(&o, argc, argv);
    if (code >= 0) return code;
    char default_name[32];
    if (o.port > 0) snprintf(default_name, sizeof default_name, "node-%d", o.port);
    else snprintf(default_name, sizeof default_name, "node-%ld", (long)getpid());
    http__persist persist = {0};
    const char *name;
    if (!http__data_open(&persist, &o, default_name, &name)) {
        store_close(persist.st);
        return HTTP_NODE_EXIT_USAGE;
    }
    reject bad_name = tx_check_fields(name, name, 1, "x");
    if (bad_name != REJ_NONE) {
        fprintf(stderr, "chainsim node: --name '%s': %s\n", name, reject_message(bad_name));
        store_close(persist.st);
        return HTTP_NODE_EXIT_USAGE;
    }
    char *text = http__node_scenario(name);
    scenario scn;
    char err[512];
    cs_err e = scenario_parse(&scn, "(chainsim node)", text, strlen(text), err, sizeof err);
    free(text);
    if (e != CS_OK) {
        fprintf(stderr, "chainsim node: %s\n", err);
        store_close(persist.st);
        return HTTP_NODE_EXIT_USAGE;
    }
    code = HTTP_NODE_EXIT_USAGE;
    sim_desc desc = {.scn = &scn, .executor = SIM_THREADS, .speed = 1, .live = true};
    sim *s = sim_new(&desc, err, sizeof err);
    http_server *h = NULL;
    if (!s) {
        fprintf(stderr, "chainsim node: %s\n", err);
        goto done;
    }
    if (!http__data_load(&persist, s, name)) goto done;
    h = http_server_new(s, &(http_desc){.bind_addr = o.bind_addr, .base_port = o.port, .quiet = true},
                        err, sizeof err);
    if (!h) {
        fprintf(stderr, "chainsim: %s\n", err);
        goto done;
    }
    http__data_follow(&persist, s, h);
    if (o.peers && !http__node_peers(h, o.peers)) goto done;
    if (sim_start(s) != CS_OK) {
        fprintf(stderr, "chainsim node: cannot start the node's threads\n");
        goto done;
    }
    http_signals_arm(sig, s); /* a signal that came during the start stops it now */
    node_snapshot snap;
    node_snapshot_get(sim_node(s, 0), &snap);
    printf("chainsim node %s listening on %s (height %" PRId64 "%s%s)\n", name, http_server_url(h, 0),
           snap.height, o.data_dir ? ", data in " : "", o.data_dir ? o.data_dir : "");
    fflush(stdout);
    node_snapshot_release(&snap);
    if (o.peers) sim_command(s, 0, node_cmd_new(CMD_RESOLVE));
    sim_wait(s);
    code = 0;
done:
    http_signals_arm(sig, NULL); /* no stop of s in progress from here on */
    if (s) sim_stop(s);
    http_server_free(h);
    sim_free(s);
    store_close(persist.st);
    scenario_cleanup(&scn);
    return code;
}

int http_node_main(int argc, char **argv) {
    /* First of all, before any thread exists (they inherit the mask) and
     * before anything is read or opened: from here on a SIGINT or SIGTERM
     * is never lost and never kills the process half-way. */
    http_signals *sig = http_signals_start();
    int code = http__node_run(sig, argc, argv);
    http_signals_stop(sig);
    return code;
}
