/* scenario.h - a scenario file, parsed and checked: the configuration of a
 * run and its timeline.
 *
 * The file format is documented in docs/scenarios.md, every field in
 * docs/scenario-fields.md (generated from the reader's tables, scn_int.h);
 * this is its in-memory form. Parsing never runs anything: a malformed file is answered
 * with one message naming the file, the JSON location and what is wrong:
 *
 *   scenarios/x.json: $.events[3].at: expected a number >= 0
 *   scenarios/x.json:4:17: JSON syntax error near '}'
 *
 * Times are seconds in the file and microseconds here. Nodes are named in the
 * file (by name or index); here they are indices. */
#ifndef CHAINSIM_SCENARIO_SCENARIO_H
#define CHAINSIM_SCENARIO_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chain/params.h"
#include "net/topology.h"
#include "net/wire.h"
#include "node/node_kinds.h"
#include "util/dist.h"
#include "util/err.h"

/* Limits of the file format (beyond them a file is refused). */
#define SCN_MAX_NODES 1000000
#define SCN_MAX_SECONDS 1e9        /* any time or duration, in seconds */
#define SCN_MAX_REGIONS 1000
#define SCN_MAX_FILE_BYTES (64 << 20)

/* When a sender's upload is free for its next message (links.upload_rule). */
typedef enum scn_upload_rule {
    UPLOAD_UNTIL_TRANSFER = 0, /* when the transfer ends (chainsim) */
    UPLOAD_UNTIL_ARRIVAL,      /* blocks: when the block arrives, latency
                                  included (SimBlock's BlockMessageTask) */
} scn_upload_rule;

typedef struct scn_node {
    char *name;
    double hash_power; /* relative; shares are hash_power / sum */
    int region;        /* index into the wire's regions; 0 if none */
    bool hash_power_set; /* given by the file (a distribution does not replace it) */
    bool region_set;     /* given by the file (not drawn from network shares) */
    int64_t upload_bps, download_bps; /* the node's own; 0 = its region's or links' */
} scn_node;

/* A network model ("network"): where nodes are and what their links are
 * like, from a preset (scenario/presets.h) with the file's fields replacing the
 * preset's. The region latency matrix itself is the links' (latency =
 * LATENCY_REGIONS, region_latency_us); sim/netmodel.h draws each node's
 * region, bandwidth and outbound peers from this with the run's seed. */
typedef struct scn_network {
    bool on;                      /* the file has "network" */
    char *preset;                 /* the preset it started from, or NULL */
    int64_t *region_upload_bps;   /* n_regions, or NULL; 0 = unlimited */
    int64_t *region_download_bps;
    double *region_share;         /* n_regions, sums to 1; NULL = nodes' "region" */
    double *outbound_cdf;         /* cdf[k] = P(outbound peers <= k + 1), or NULL */
    int n_outbound_cdf;
} scn_network;

/* Hash power beyond each node's own number ("hash_power" at the top):
 * nodes that do not set theirs draw it from a distribution, then pools take
 * fixed shares of the total. Drawn by sim/netmodel.h with the run's seed. */
typedef enum scn_hp_dist {
    HP_EQUAL = 0,    /* every node 1 (or its own value) */
    HP_NORMAL,       /* a = mean, b = stdev; negative draws become 0 */
    HP_EXPONENTIAL,  /* a = mean */
    HP_UNIFORM,      /* a = min, b = max */
    HP_PARETO,       /* a = shape, b = minimum (scale) */
} scn_hp_dist;

typedef struct scn_pool {
    double share;  /* of the whole network's hash power, (0, 1] */
    int node;      /* the pool's node, or -1: a node drawn with the seed */
} scn_pool;

typedef struct scn_hash_power {
    scn_hp_dist dist;
    double a, b;
    scn_pool *pools;
    size_t n_pools;
} scn_hash_power;

/* How blocks travel between peers ("relay"). */
typedef struct scn_relay {
    node_relay mode;
    double compact_failure_rate;  /* probability a receiver must fetch the block */
    bool compact_push;            /* announce with the compact block itself
                                     (BIP 152 high bandwidth) instead of inv */
    int64_t compact_bytes;        /* payload of a compact block; 0 = derived
                                     (see node.h) */
} scn_relay;

/* Attackers ("attackers"): a strategy of node/node.h (where each is
 * described), never NODE_HONEST. */
typedef struct scn_attacker {
    int node;
    node_strategy strategy;
    double gamma;            /* selfish: default 0 */
    int64_t race_delay_us;   /* selfish: default 30 s */
    int64_t at_us;           /* double_spend, fake_chain: default 0 */
    char *merchant;          /* double_spend */
    int64_t amount;          /* double_spend */
    int confirmations;       /* double_spend: default 6 */
    int give_up;             /* double_spend: blocks behind, default 10 */
    bool release_tie;        /* double_spend: release on a tie too (default: longer) */
    bool premine;            /* double_spend: pay once a private block is ahead */
    int rounds;              /* double_spend: attacks in the run, default 1 */
    int settle;              /* double_spend: blocks between rounds, default 6 */
    int fake_length;         /* fake_chain: default 50 */
    int victim;              /* eclipse */
    int peers;               /* observer: more links, at random */
    bool relay;              /* observer: shows blocks (default true) */
} scn_attacker;

/* Churn ("churn"): nodes leave and come back, up and down for exponential
 * times of these means. */
typedef struct scn_churn {
    int64_t mean_up_us, mean_down_us; /* 0: no churn */
    bool *node_churns;       /* n_nodes flags, or NULL: every node */
} scn_churn;

typedef enum scn_event_kind {
    SCN_TX,         /* node, from, to, amount: a user submits a transaction */
    SCN_MINE,       /* node: mine one block now (manual, real nonce search) */
    SCN_REGISTER,   /* node, peers[]: node adds peers (one way, as the classic
                       /register_node: each side registers the other) */
    SCN_RESOLVE,    /* node: pull every peer's chain, adopt the best valid */
    SCN_PARTITION,  /* groups: group_of_node[] */
    SCN_HEAL,       /* end every partition */
    SCN_ISOLATE,    /* node: cut off from everyone */
    SCN_RECONNECT,  /* node: end its isolation */
    SCN_CRASH,      /* node: stops; its mempool and in-flight messages are lost */
    SCN_RESTART,    /* node: comes back with its chain, asks peers for news */
    SCN_HASH_POWER, /* node (or -1: every node), hash_power; 0 never mines */
    SCN_LINKS,      /* loss and/or latency_us changed for every link */
} scn_event_kind;

typedef struct scn_event {
    int64_t at_us;
    scn_event_kind kind;
    int node;               /* -1 where not used; SCN_HASH_POWER: -1 = every node */
    char *note;             /* the file's optional "note", for logs and the view; or NULL */
    char *from, *to;        /* SCN_TX */
    int64_t amount;         /* SCN_TX */
    int *peers;             /* SCN_REGISTER */
    size_t n_peers;
    int *group_of_node;     /* SCN_PARTITION: n_nodes entries; the file's groups are
                               0, 1, ... in order, unlisted nodes form the next one */
    double hash_power;      /* SCN_HASH_POWER */
    bool set_loss;          /* SCN_LINKS */
    double loss;
    bool set_latency;
    int64_t latency_us;
} scn_event;

/* Steady random transactions: every node in turn submits one every
 * 1/rate seconds on average (Poisson), a random amount in [1, max_amount]
 * from a random account with a balance to another random account. */
typedef struct scn_traffic {
    double tx_per_s;        /* 0 = none */
    int64_t max_amount;     /* default 10 */
    int64_t start_us;
} scn_traffic;

typedef enum scn_expect_kind {
    EXPECT_CONVERGED, /* bool_value: all live nodes on one tip at the end */
    EXPECT_METRIC,    /* metric within [min, max] */
    EXPECT_BALANCE,   /* node's balance of account within [min, max] */
    EXPECT_HEIGHT,    /* node's (or every node's if node < 0) height in [min, max] */
} scn_expect_kind;

typedef struct scn_expect {
    scn_expect_kind kind;
    char *label;        /* how the rule is shown: "forks >= 1" */
    bool bool_value;
    char *metric;       /* EXPECT_METRIC: a name metrics_value() knows */
    int node;
    char *account;
    bool has_min, has_max;
    double min, max;
    bool has_reference;  /* EXPECT_METRIC: a published or theoretical value */
    double reference;    /*   shown next to the measured one */
    char *source;        /*   where it comes from, or NULL */
    bool within_ci;      /* EXPECT_METRIC, replicated: the reference must lie in
                            the mean's 95% interval (a single run fails it) */
    bool family_wise;    /*   with within_ci in a sweep of m points: the interval
                            is Bonferroni's, level 1 - 0.05 / m */
} scn_expect;

typedef struct scenario {
    char *path;                 /* as given, for messages */
    char *name;
    char *description;
    uint64_t seed;              /* default 1 */

    int n_nodes;
    scn_node *nodes;

    topo_kind topology;
    int topology_k;             /* RANDOM: outbound peers; SMALL_WORLD: lattice
                                   degree; SCALE_FREE: links per new node (default 8) */
    double topology_beta;       /* SMALL_WORLD: rewiring probability (default 0.1) */
    double *outbound_cdf;       /* RANDOM_DEGREES: cdf[k] = P(outbound <= k + 1) */
    int n_outbound_cdf;
    int *edges;                 /* TOPO_EDGES: 2 * n_edges node indices */
    size_t n_edges;

    /* Links: copied into a wire_desc by sim (node_region comes from nodes[]). */
    latency_model latency;
    int64_t latency_us, latency_max_us;
    int n_regions;
    int64_t *region_latency_us; /* n_regions^2 */
    int64_t upload_bps, download_bps; /* per node; 0 = unlimited */
    double loss;
    int64_t processing_us;
    int64_t validation_us;        /* per whole block a message carries */
    double validation_ms_per_kb;  /* and per 1,000 of its declared bytes */
    bool download_queue;          /* a receiver downloads one message at a time */
    scn_upload_rule upload_rule;
    scn_network network;

    chain_params params;
    bool genesis_classic;       /* the classic genesis (implies LEDGER_OPEN) */
    char **genesis_names;       /* starting balances otherwise */
    int64_t *genesis_amounts;
    size_t n_genesis;

    node_mining mining;
    bool gossip;                /* default true */
    int64_t block_bytes;        /* declared simulated block size; 0 = real size */
    dist_spec block_size;            /* or drawn per block (DIST_NONE: not); fixed is
                                   read into block_bytes (kind DIST_FIXED) */
    scn_hash_power hash_power;
    scn_relay relay;

    double speed;               /* threads executor: sim seconds per wall second
                                   when the command line does not say; 0 = 1 */
    int64_t duration_us;        /* run until this sim time; 0 = until stop_height */
    int64_t stop_height;        /* stop once a node's tip reaches it; 0 = none */
    int64_t measure_from_us;    /* "measure": block metrics count the blocks mined in */
    int64_t measure_to_us;      /*   [from, to); to 0 = the end of the run */

    scn_traffic traffic;
    scn_event *events;          /* sorted by at_us, stable */
    size_t n_events;
    scn_expect *expects;
    size_t n_expects;
    bool has_sweep;             /* the file has "sweep": run it with sweep/sweep.h */
    int replications;           /* independent replicas of the run (sweep/sweep.h);
                                   1 = a single run (default) */
    scn_attacker *attackers;    /* at most one per node */
    size_t n_attackers;
    scn_churn churn;
} scenario;

/* Parses a scenario from a file. On error returns CS_EIO/CS_EPARSE/CS_EINVAL
 * and writes one line into msg[0..msg_len) ("path: $.x: what is wrong");
 * *out is then untouched. On success the caller owns *out
 * (scenario_cleanup). */
cs_err scenario_load(scenario *out, const char *path, char *msg, size_t msg_len);
/* Same, from text in memory; `path` only names it in messages. */
cs_err scenario_parse(scenario *out, const char *path, const char *text, size_t len,
                      char *msg, size_t msg_len);
void scenario_cleanup(scenario *s);
/* Reads a scenario file's text (at most SCN_MAX_FILE_BYTES) into *text
 * (the caller frees it; NUL-terminated, *len bytes before the NUL). On
 * error returns CS_EIO with "path: cannot read: <why>" in msg. */
cs_err scenario_read_file(const char *path, char **text, size_t *len, char *msg, size_t msg_len);

/* Node index by name or decimal index string; -1 if none. */
int scenario_node_index(const scenario *s, const char *name);

/* Writes the reference of every field of the format (Markdown, the text of
 * docs/scenario-fields.md) to out, from the tables the reader reads with. */
void scenario_write_fields(FILE *out);

/* The built-in default scenario (what `chainsim` runs without a file). */
extern const char scenario_default_json[];

#endif
