/* http_node.c - `chainsim node PORT`: one node, no window, like the classic
 * `python node.py PORT`, and the signal watcher that ends live runs.
 *
 * The node runs the classic rules so classic Python nodes can be its peers:
 * the classic genesis, the open ledger, difficulty 16 ("0000"), manual
 * mining (POST /mine), gossip on (blocks and transactions relay to URL peers
 * over HTTP), in the threads executor at speed 1 until SIGINT or SIGTERM.
 *
 * With --data-dir the node's accepted blocks go to a block log
 * (blocklog.h) before they are acknowledged, and a restart reads them
 * back. They are handed to the node before its thread starts: until
 * sim_start the calling thread is the only one that touches the node, as
 * when peers are added before a run. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/blocklog.h"
#include "http/http_int.h"
#include "util/log.h"
#include "util/mem.h"

#define HTTP_NODE_EXIT_USAGE 2

/* ---- signals ------------------------------------------------------------- */

struct http_signals {
    sim *s;
    pthread_t tid;
    atomic_bool done;
    atomic_bool caught;
    sigset_t old_mask;
};

static void *http__signals_main(void *arg) {
    http_signals *w = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const struct timespec poll = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
    while (!atomic_load(&w->done)) {
        if (sigtimedwait(&set, NULL, &poll) < 0) continue;
        atomic_store(&w->caught, true);
        sim_stop(w->s);
    }
    return NULL;
}

http_signals *http_signals_start(sim *s) {
    http_signals *w = xcalloc(1, sizeof *w);
    w->s = s;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &w->old_mask);
    if (pthread_create(&w->tid, NULL, http__signals_main, w) != 0) {
        pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
        free(w);
        return NULL;
    }
    return w;
}

bool http_signals_stop(http_signals *w) {
    if (!w) return false;
    atomic_store(&w->done, true);
    pthread_join(w->tid, NULL);
    pthread_sigmask(SIG_SETMASK, &w->old_mask, NULL);
    bool caught = atomic_load(&w->caught);
    free(w);
    return caught;
}

/* ---- chainsim node ------------------------------------------------------- */

typedef struct http__node_opts {
    int port;
    const char *data_dir;
    const char *bind_addr;
    const char *peers;      /* comma-separated URLs */
    const char *name;
    int verbosity;
} http__node_opts;

static void http__node_usage(FILE *out) {
    fputs("usage: chainsim node PORT [--data-dir DIR] [--bind ADDR] [--peers URL,...] [--name NAME]\n"
          "\n"
          "Runs one node with the classic rules (classic genesis, open ledger, difficulty 16)\n"
          "and serves the classic API and web page on http://ADDR:PORT/ until Ctrl-C.\n"
          "PORT 0 picks a free port (printed).\n"
          "\n"
          "  --data-dir DIR    keep the chain in DIR/blocks.jsonl across restarts\n"
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
        {"data-dir", required_argument, NULL, 'd'}, {"bind", required_argument, NULL, 'b'},
        {"peers", required_argument, NULL, 'p'},    {"name", required_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hv", longs, NULL)) != -1) {
        switch (c) {
        case 'd': o->data_dir = optarg; break;
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

/* Hands the logged blocks to the node (before its thread runs). */
static void http__node_restore(sim *s, block **blocks, size_t n) {
    if (n == 0) {
        free(blocks);
        return;
    }
    msg *m = msg_new(MSG_BLOCKS);
    m->from = -1;
    m->to = 0;
    m->blocks = blocks;
    m->n_blocks = n;
    node_handle(sim_node(s, 0), m);
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

int http_node_main(int argc, char **argv) {
    http__node_opts o = {0};
    int code = http__node_parse(&o, argc, argv);
    if (code >= 0) return code;
    char default_name[32];
    if (o.port > 0) snprintf(default_name, sizeof default_name, "node-%d", o.port);
    else snprintf(default_name, sizeof default_name, "node-%ld", (long)getpid());
    const char *name = o.name ? o.name : default_name;
    reject bad_name = tx_check_fields(name, name, 1, "x");
    if (bad_name != REJ_NONE) {
        fprintf(stderr, "chainsim node: --name '%s': %s\n", name, reject_message(bad_name));
        return HTTP_NODE_EXIT_USAGE;
    }
    char *text = http__node_scenario(name);
    scenario scn;
    char err[512];
    cs_err e = scenario_parse(&scn, "(chainsim node)", text, strlen(text), err, sizeof err);
    free(text);
    if (e != CS_OK) {
        fprintf(stderr, "chainsim node: %s\n", err);
        return HTTP_NODE_EXIT_USAGE;
    }
    code = HTTP_NODE_EXIT_USAGE;
    sim_desc desc = {.scn = &scn, .executor = SIM_THREADS, .speed = 1, .live = true};
    sim *s = sim_new(&desc, err, sizeof err);
    blocklog *log = NULL;
    http_server *h = NULL;
    http_signals *sig = NULL;
    if (!s) {
        fprintf(stderr, "chainsim node: %s\n", err);
        goto done;
    }
    sig = http_signals_start(s); /* before any thread: they inherit the mask */
    if (o.data_dir) {
        block **blocks = NULL;
        size_t n = 0, torn = 0;
        log = blocklog_open(o.data_dir, sim_store(s), &blocks, &n, &torn, err, sizeof err);
        if (!log) {
            fprintf(stderr, "chainsim node: %s\n", err);
            goto done;
        }
        blocklog_follow(log, 0);
        sim_add_sink_filtered(s, blocklog_sink, log, SIM_EVENT_BIT(EV_BLOCK_ACCEPTED));
        http__node_restore(s, blocks, n);
    }
    h = http_server_new(s, &(http_desc){.bind_addr = o.bind_addr, .base_port = o.port, .quiet = true},
                        err, sizeof err);
    if (!h) {
        fprintf(stderr, "chainsim node: %s\n", err);
        goto done;
    }
    if (o.peers && !http__node_peers(h, o.peers)) goto done;
    if (sim_start(s) != CS_OK) {
        fprintf(stderr, "chainsim node: cannot start the node's threads\n");
        goto done;
    }
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
    http_signals_stop(sig);
    if (s) sim_stop(s);
    http_server_free(h);
    sim_free(s);
    blocklog_close(log);
    scenario_cleanup(&scn);
    return code;
}
