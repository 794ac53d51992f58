/* node_int.h - what the node's files share among themselves (not exported):
 * the node itself (struct node, opaque outside src/node/: tests/layers.sh
 * checks that nothing else includes this header), and the helpers below.
 *
 * The files, from the top of the node down (each uses only those below it,
 * and the honest files reach a strategy only through the hooks below):
 *
 *   node.c             lifecycle, dispatch, commands, which table each
 *                      strategy runs
 *   node_fault.c       faults: crash, restart, churn
 *   attack/            attackers: attack.c holds what they share (withheld
 *                      blocks and their release), one file per strategy
 *   node_resolve.c     resolve conflicts: getchain/chain
 *   node_miner.c       sealing: manual, auto (Poisson), race
 *   node_blocks.c      inv/getdata/block, orphans, getblocks, tip changes
 *   node_tx.c          transactions: user, peers, random traffic
 *   node_core.c        emitting events, sending messages, answering
 *                      commands, the snapshot
 *
 * node_miner.c and node_blocks.c call each other, on purpose: a block the
 * miner finds is accepted like any other, and a new tip restarts the miner. */
#ifndef CHAINSIM_NODE_NODE_INT_H
#define CHAINSIM_NODE_NODE_INT_H

#include "node/node.h"

#include <pthread.h>
#include <stddef.h>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "chain/pow.h"
#include "util/hmap.h"
#include "util/rng.h"

/* A node's orphans: blocks held until their parent arrives. Most nodes of a
 * large run never hold one, so this is made at the first (node_blocks.c). */
typedef struct node__orphanage {
    hmap by_parent;          /* prev_hash hex -> node__orphans (blocks awaiting that parent) */
    ptrset blocks;           /* the same blocks, for "do I have it as an orphan?" */
} node__orphanage;

/* The node itself: only the files of src/node/ see its fields (node.h keeps
 * it opaque). Everything here is touched only on the node's own thread,
 * except snap (under snap_lock) and what the comments say otherwise. */
/* The bytes at the start of struct node that node_prefetch fetches. */
#define NODE__HOT_BYTES 256

struct node {
    /* The hot part: what a delivery reads (is it up, which strategy, does
     * it hold the block or have it as an orphan, has it heard of it, whom
     * to tell, how to size a send), packed in the first NODE__HOT_BYTES
     * (four cache lines: node_new allocates the node on a line), which
     * node_prefetch fetches a few entries before the node's turn. At
     * 100,000 nodes a node's struct has left the caches by the time its next
     * message comes, and these fields were spread over eight of its ~1.2 kB. */
    int id;
    node_relay relay;
    bool crashed;
    bool gossip;
    bool compact_push;
    bool snap_dirty;
    uint8_t rngs_seeded;     /* bit k: rngs[k] seeded (node__rng) */
    bool placed;             /* in memory node_desc.place lent: not freed (cold; here it
                                fills a hole) */
    const node_env *env;
    const struct node__strategy *strategy; /* the hooks; NULL for honest nodes (node_int.h) */
    chain chain;
    int *peers;              /* node ids, in order of registration */
    size_t n_peers, cap_peers;
    int64_t block_bytes;
    const dist_spec *block_size;  /* borrowed; NULL: no distribution */
    int64_t compact_bytes;
    double compact_failure_rate;
    node__orphanage *orphans; /* made at the first orphan (node_blocks.c); NULL before */
    size_t n_orphans;
    hmap requested;          /* block (by address) -> what we know of a block we lack
                                (node_blocks.c) */

    /* The rest: set up once, or touched when a block is accepted or mined. */
    char *name;
    bstore *store;
    const chain_params *params;
    rng mine_rng;            /* when it finds blocks: (seed, stream 1000 + id) */
    uint64_t seed;           /* the run's: the streams node__rng seeds */
    rng *rngs;               /* NODE__N_RNGS streams, made at the first draw of any
                                (node__rng); NULL before */
    double share;
    int64_t traffic_max_amount;
    node_churn churn;
    uint32_t churn_token;
    node_mining mining;
    struct node__attack *attack; /* the strategy's state; NULL for honest nodes (attack/attack.h) */

    mempool mempool;

    hmap *tx_requested;      /* tx id -> node__tx_request (node_tx.c); made at the first
                                request, NULL before */

    uint32_t mine_token;     /* bumped to cancel pending mining timers */
    double mine_rel;         /* auto: the relative difficulty the timer was
                                drawn for (chain/retarget.h) */
    /* Made at their first use, NULL before (node_miner.c, node_resolve.c):
     * most nodes never race, mine off their thread nor resolve. */
    struct node__race *race;       /* race mining: the template being ground */
    struct node__offthread *off;   /* mining off the node's thread (env->post set) */
    struct node__resolve *resolve; /* resolve conflicts */

    uint64_t tx_counter;     /* for ids of transactions the node makes */
    uint64_t blocks_rejected;
    uint64_t chains_rejected;

    pthread_mutex_t snap_lock; /* guards snap only */
    node_snapshot snap;
};
_Static_assert(offsetof(struct node, requested) + sizeof(hmap) <= NODE__HOT_BYTES,
               "the hot fields of struct node fit in NODE__HOT_BYTES");

/* Give up on a getdata after this long and ask again on the next inv. */
#define NODE_REQUEST_TIMEOUT_US (30LL * 1000000)
/* A resolve stops waiting for peers' chains after this long. */
#define NODE_RESOLVE_TIMEOUT_US (30LL * 1000000)
/* Most blocks held as orphans; more are dropped (and asked for again later). */
#define NODE_MAX_ORPHANS 2000
/* Most blocks sent in one answer to getblocks. */
#define NODE_MAX_BLOCKS_PER_MSG 2000
/* Most transactions in a block the node seals (the reward not counted). */
#define NODE_MAX_TXS_PER_BLOCK 2000
/* Nonces tried per race step before looking at the mailbox again. */
#define NODE_RACE_BATCH 4096

static inline int64_t node__now(const node *n) { return n->env->now_us(n->env->ctx); }

/* The node's rarely drawn streams: most nodes of a large run never draw from
 * them (only the few that seal a block draw a nonce), so they are seeded at
 * the first draw, (seed, the purpose's stream + id) as they would have been
 * when the node was made: the same numbers, without 32 bytes a stream in
 * every node. */
typedef enum node__rng_kind {
    NODE__RNG_NONCE,   /* where a search starts: NODE_NONCE_STREAM + id */
    NODE__RNG_TRAFFIC, /* random transactions: NODE_TRAFFIC_STREAM + id */
    NODE__RNG_SIZE,    /* block sizes: NODE_SIZE_STREAM + id */
    NODE__RNG_RELAY,   /* compact failures: NODE_RELAY_STREAM + id */
    NODE__RNG_CHURN,   /* churn: NODE_CHURN_STREAM + id */
    NODE__N_RNGS
} node__rng_kind;

/* The stream, seeded if this is its first draw (node.c). */
rng *node__rng(node *n, node__rng_kind kind);

/* node_core.c */
void node__emit(node *n, sim_event ev);
/* Fills in from/to/sent/size and hands m to the executor (or frees it if the
 * strategy does not talk to `to`). */
void node__send(node *n, int to, msg *m);
/* The bytes block b is taken to have on the wire: the size drawn for it
 * (chain.block_size), else the scenario's block_bytes, else its real size. */
uint64_t node__block_size(const node *n, const block *b);
void node__send_block_msg(node *n, int to, msg_kind kind, block *b);
/* Publishes the snapshot, then hands cmd back (done callback) or frees it. */
void node__complete(node *n, node_cmd *cmd);

/* node_blocks.c */
void node__on_block_msg(node *n, msg *m);
void node__accept_block(node *n, block *b, int from);
void node__apply_update(node *n, chain_update *upd);
/* How a block is offered to a peer unasked in our relay mode: inv, the
 * block itself (push), or a compact block (compact_push). */
msg_kind node__announce_kind(const node *n);
void node__relay_block(node *n, const block *b, int except);
void node__request_news(node *n, int peer);
void node__clear_orphans(node *n);
void node__clear_requests(node *n);

/* node_tx.c */
void node__on_tx_msg(node *n, msg *m);
reject node__submit_tx(node *n, tx *t, int from);
void node__cmd_add_tx(node *n, node_cmd *cmd);
void node__cmd_gen_tx(node *n, node_cmd *cmd);
void node__clear_tx_requests(node *n);

/* node_miner.c */
void node__mine_schedule(node *n);
/* A block on `parent` with a real nonce: reward, `extra` txs, then the
 * mempool's if use_mempool. Not interned. NULL (and *error) if the node's
 * name cannot take a reward. */
block *node__seal(node *n, const block *parent, int64_t reward, tx *const *extra, size_t n_extra,
                  bool use_mempool, const char **error);
/* Interns a block this node sealed, emits EV_MINED, accepts it. */
const block *node__mined(node *n, block *sealed);
const block *node__mine_now(node *n, const char **error);
/* CMD_MINE: inline, or queued and searched off the thread (see node_miner.c);
 * completes cmd when its block is found. */
void node__cmd_mine(node *n, node_cmd *cmd);
/* CMD_SEALED: a search off the thread reports back (stale reports dropped). */
void node__mine_sealed(node *n, node_cmd *report);
/* The tip changed: race and off-thread searches start again on it. */
void node__mine_tip_changed(node *n);
/* Cancels the search off the thread; answers every waiting CMD_MINE with
 * `status` and `error` (static). */
void node__mine_abort(node *n, node_cmd_status status, const char *error);
void node__mine_timer(node *n, uint32_t token);
void node__race_step(node *n, uint32_t token);
void node__race_reset(node *n);
/* At node_free, after node_stop: what mining left (race, off-thread queue). */
void node__mine_free(node *n);

/* node_resolve.c */
/* The token of the resolve in progress (0: none). */
uint32_t node__resolve_token(const node *n);
void node__resolve_start(node *n, node_cmd *cmd);
void node__on_chain_msg(node *n, msg *m);
void node__resolve_timeout(node *n, uint32_t token);
void node__resolve_abort(node *n, const char *error);

/* node_fault.c: faults, which happen to a node whatever its strategy. */
void node__crash(node *n);
void node__restart(node *n);
/* Churn: schedules the first departure (node_start). */
void node__churn_start(node *n);
void node__churn_timer(node *n, uint32_t token);

/* ---- strategies: the table of hooks ---------------------------------------
 *
 * An attacker is an honest node with some of these hooks filled in; an
 * honest node has no table (n->strategy NULL), and a NULL hook behaves as an
 * honest node does. Each strategy is one file in attack/ that defines its
 * table (attack/attack.h lists them; node.c picks one by node_strategy). The
 * honest code calls a hook only through the node__hook_* helpers below, at
 * the few points where an attacker may differ. */
typedef struct node__strategy {
    node_strategy kind;
    /* Bytes of the strategy's state, a struct that begins with node__attack
     * (attack/attack.h); made zeroed with the node, freed with it. */
    size_t state_size;
    /* Frees what the state holds (not the state itself). */
    void (*cleanup)(node *n);
    /* At node_start: announces the attacker (EV_ATTACKER), schedules its
     * moves. */
    void (*start)(node *n);
    /* The mining timer fired: true if the strategy sealed (or skipped) the
     * block itself; false to mine as an honest node does. */
    bool (*mine)(node *n);
    /* A block this node sealed, before it is accepted (withhold it or not). */
    void (*on_mined)(node *n, const block *b);
    /* The same block, once accepted. */
    void (*after_mined)(node *n, const block *b);
    /* A peer's block (sent by `from`) was just accepted. */
    void (*on_peer_block)(node *n, const block *b, int from);
    /* False if b is not to be announced or sent to `peer`. */
    bool (*may_show)(const node *n, const block *b, int peer);
    /* False if nothing is to be sent to `peer`, nor taken from it. */
    bool (*talks_to)(const node *n, int peer);
    /* The highest block of the active chain the node shows its peers. */
    const block *(*shown_tip)(const node *n);
    /* A getchain or getblocks request: true if answered the strategy's own
     * way, false to answer honestly. */
    bool (*answer)(node *n, const msg *req);
    /* A message from a peer it talks to, before the node handles it. */
    void (*on_message)(node *n, const msg *m);
    /* TIMER_ATTACK or TIMER_RELEASE fired (the node is up). */
    void (*on_timer)(node *n, node_timer_kind kind, uint32_t token);
} node__strategy;

#define NODE__HAS_HOOK(n, hook) ((n)->strategy && (n)->strategy->hook)

static inline void node__hook_start(node *n) {
    if (NODE__HAS_HOOK(n, start)) n->strategy->start(n);
}
static inline bool node__hook_mine(node *n) {
    return NODE__HAS_HOOK(n, mine) && n->strategy->mine(n);
}
static inline void node__hook_on_mined(node *n, const block *b) {
    if (NODE__HAS_HOOK(n, on_mined)) n->strategy->on_mined(n, b);
}
static inline void node__hook_after_mined(node *n, const block *b) {
    if (NODE__HAS_HOOK(n, after_mined)) n->strategy->after_mined(n, b);
}
static inline void node__hook_on_peer_block(node *n, const block *b, int from) {
    if (NODE__HAS_HOOK(n, on_peer_block)) n->strategy->on_peer_block(n, b, from);
}
static inline bool node__hook_may_show(const node *n, const block *b, int peer) {
    return !NODE__HAS_HOOK(n, may_show) || n->strategy->may_show(n, b, peer);
}
static inline bool node__hook_talks_to(const node *n, int peer) {
    return !NODE__HAS_HOOK(n, talks_to) || n->strategy->talks_to(n, peer);
}
static inline const block *node__hook_shown_tip(const node *n) {
    return NODE__HAS_HOOK(n, shown_tip) ? n->strategy->shown_tip(n) : n->chain.tip;
}
static inline bool node__hook_answer(node *n, const msg *req) {
    return NODE__HAS_HOOK(n, answer) && n->strategy->answer(n, req);
}
static inline void node__hook_on_message(node *n, const msg *m) {
    if (NODE__HAS_HOOK(n, on_message)) n->strategy->on_message(n, m);
}
static inline void node__hook_on_timer(node *n, node_timer_kind kind, uint32_t token) {
    if (NODE__HAS_HOOK(n, on_timer)) n->strategy->on_timer(n, kind, token);
}


#endif
