/* node.h - one simulated node: an actor with its own chain, mempool, peers
 * and miner.
 *
 * A node is driven by exactly three calls, made by its executor from one
 * thread at a time: node_start, node_handle (a message: from a peer or a
 * command) and node_timer (a timer it set earlier). It reaches the world only
 * through its node_env: the time, sending a message, setting a timer,
 * emitting an event. It never knows which executor runs it.
 *
 * Message flow (gossip on):
 *
 *   mined/accepted block B --inv(B)--> peer --getdata(B)--> us --block(B)--> peer
 *   block whose parent is unknown: kept as an orphan, getblocks(parent,
 *   locator) to the sender, which answers with the missing ancestors.
 *
 * Relay modes (node_relay) change how B reaches a peer:
 *
 *   inv      inv(B), getdata(B), block(B)                    (the default)
 *   push     block(B), unasked
 *   compact  inv(B), getdata(B), cmpctblock(B); or cmpctblock(B) unasked
 *            (compact_push, BIP 152's high-bandwidth mode). With probability
 *            compact_failure_rate the receiver lacks transactions and asks
 *            getblocktxn(B), answered by block(B): one more round trip.
 *   resolve: getchain to every peer; each chain answered is validated from
 *   the shared genesis and adopted if it has more work.
 *
 * Everyone else (view, HTTP, the outputs) reads a node only through
 * node_snapshot_get, which copies what the node last published under its
 * lock, and the few const accessors at the end of this header; its fields
 * are private to src/node/ (node_int.h), so nothing outside can poke into
 * them. */
#ifndef CHAINSIM_NODE_NODE_H
#define CHAINSIM_NODE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/bstore.h"
#include "chain/ledger.h"
#include "net/msg.h"
#include "node/cmd.h"
#include "node/event.h"
#include "node/node_kinds.h"
#include "util/dist.h"

typedef struct node_attack_desc {
    node_strategy strategy;
    double gamma;             /* selfish */
    int64_t race_delay_us;    /* selfish: the late peers' delay */
    int64_t at_us;            /* double_spend, fake_chain: when */
    const char *merchant;     /* double_spend: the account paid */
    int64_t amount;           /* double_spend */
    int confirmations;        /* double_spend: k */
    int give_up;              /* double_spend: blocks behind */
    bool release_tie;         /* double_spend: release once the branch ties */
    bool premine;             /* double_spend: pay once a private block is ahead */
    int rounds;               /* double_spend: attacks, one after another */
    int settle;               /* double_spend: public blocks between two rounds */
    int fake_length;          /* fake_chain */
    int victim;               /* eclipse: node id */
    bool relay;               /* observer: shows blocks to its peers */
} node_attack_desc;

/* Churn: a node that leaves and comes back, up and down for exponential
 * times of these means (0: no churn). It keeps its chain while away. */
typedef struct node_churn {
    int64_t mean_up_us, mean_down_us;
} node_churn;

/* Timer kinds a node sets (the executor hands them back in node_timer). */
typedef enum node_timer_kind {
    TIMER_MINE = 1,    /* auto mining: a block is found now */
    TIMER_RACE,        /* race mining: grind the next batch of nonces */
    TIMER_RESOLVE,     /* resolve: stop waiting for slow peers */
    TIMER_ATTACK,      /* an attacker's scheduled move (attack_at_us) */
    TIMER_RELEASE,     /* selfish: send the blocks held back for late peers */
    TIMER_CHURN,       /* churn: leave or come back (runs while crashed) */
} node_timer_kind;

/* What an executor provides. All calls come from the node's own thread. */
struct pow_job; /* chain/pow.h */

typedef struct node_env {
    void *ctx;
    int64_t (*now_us)(void *ctx);
    /* Takes ownership of m (m->from, m->to, m->size_bytes are set). */
    void (*send)(void *ctx, msg *m);
    /* Calls node_timer(node, kind, token) at sim time at_us (or later). */
    void (*set_timer)(void *ctx, int node, int64_t at_us, node_timer_kind kind,
                      uint32_t token);
    void (*emit)(void *ctx, const sim_event *ev);
    /* False once the run is winding down: no new blocks. */
    bool (*mining_enabled)(void *ctx);
    /* Optional, both or neither. NULL in an executor that runs every node on
     * one thread (the virtual one: the same bytes for the same seed), where
     * a node does all its work inline. Set, a command to mine (CMD_MINE)
     * searches nonces on worker threads while the node goes on handling its
     * mailbox: `post` hands a command to node `node`'s own mailbox from any
     * thread (the search reporting back, as sim_command); `hold(ctx, +1)`
     * and `hold(ctx, -1)` bracket such outstanding work (from any thread),
     * so that the executor does not take the node for idle meanwhile. */
    void (*post)(void *ctx, int node, node_cmd *cmd);
    void (*hold)(void *ctx, int delta);
    /* Optional: a nonce search that returns exactly what pow_job_search
     * returns (the lowest valid nonce of the range, the same tries), done
     * however the executor likes (the parallel one splits it over its idle
     * workers). NULL: pow_job_search on the node's thread. */
    struct block *(*search)(void *ctx, struct pow_job *job, uint64_t start, uint64_t count,
                            uint64_t *tries);
} node_env;

/* A node's rng streams, one per purpose (its mining stream is 1000 + id), so
 * that draws for one purpose never shift another's: more traffic does not
 * move the block finders, nor a restarted search the next block's time. */
#define NODE_RELAY_STREAM ((uint64_t)1 << 32)
#define NODE_CHURN_STREAM ((uint64_t)2 << 32)
#define NODE_ATTACK_STREAM ((uint64_t)3 << 32)
#define NODE_SIZE_STREAM ((uint64_t)4 << 32)
#define NODE_NONCE_STREAM ((uint64_t)5 << 32)
#define NODE_TRAFFIC_STREAM ((uint64_t)6 << 32)

typedef struct node_desc {
    int id;
    const char *name;
    bstore *store;
    const node_env *env;
    uint64_t seed;           /* every rng of the node: (seed, a stream per purpose) */
    node_mining mining;
    double share;            /* hash-power share, 0..1 */
    bool gossip;             /* relay blocks and transactions */
    int64_t traffic_max_amount; /* CMD_GEN_TX upper bound; 0 = 10 */
    int64_t block_bytes;     /* declared size of a block on the wire; 0 = real */
    const dist_spec *block_size;  /* or NULL: each block this node mines gets a size
                                drawn from it (stream NODE_SIZE_STREAM + id);
                                borrowed, outlives the node */
    node_relay relay;
    double compact_failure_rate; /* compact: P(the receiver must fetch the block) */
    bool compact_push;       /* compact: announce with the compact block itself */
    int64_t compact_bytes;   /* payload of a compact block; 0 = from the block
                                (msg_compact_payload of its transactions) */
    node_attack_desc attack; /* strategy NODE_HONEST (0) for honest nodes */
    node_churn churn;
    void *place;             /* NULL: node_new allocates the node; else
                                node_struct_size() zeroed bytes on a 64-byte
                                boundary, the caller's (node_free leaves them):
                                a run's nodes side by side in one mapping */
} node_desc;

/* What a node publishes for readers on other threads. */
typedef struct node_snapshot {
    const block *tip;        /* borrowed from the store */
    int64_t height;
    ledger *balances;        /* one reference: node_snapshot_release */
    size_t mempool_size;
    size_t n_peers;
    size_t n_orphans;
    bool crashed;
    double share;
    uint64_t blocks_rejected;
    uint64_t version;        /* increases with every publish */
} node_snapshot;

/* A node is opaque outside src/node/ (its fields are in node_int.h): the
 * executors drive it through the calls below, everyone else reads it through
 * its snapshot and the const accessors at the end of this header. */
typedef struct node node;

/* A node holding only the genesis (the caller owns it: node_free). */
node *node_new(const node_desc *desc);
/* The bytes of a node, a multiple of 64 (for node_desc.place). */
size_t node_struct_size(void);
/* Answers what is still waiting ("the simulation ended") and frees n; NULL
 * is ignored. After the run: no thread may be running n. */
void node_free(node *n);

/* First call of the run: schedules auto mining. */
void node_start(node *n);
/* Before node_start: adopts blocks read back from the node's own store
 * (the standalone node's --data-dir), oldest first, checked as any block
 * is; a block whose parent is missing waits as an orphan. The caller keeps
 * the array. */
void node_restore(node *n, block *const *blocks, size_t n_blocks);
/* Handles one message; takes ownership of m (frees it). */
void node_handle(node *n, msg *m);
/* Handles a peer's message (not a command) without taking it: the caller
 * keeps and frees m (the virtual executor delivers small messages from the
 * stack). */
void node_receive(node *n, msg *m);
/* A timer set through env->set_timer fired. */
void node_timer(node *n, node_timer_kind kind, uint32_t token);
/* False if a timer set earlier has become void (superseded or cancelled),
 * so an executor need not advance its clock for it. */
bool node_timer_live(const node *n, node_timer_kind kind, uint32_t token);
/* The run is over for this node (its executor's last call on its thread):
 * stops a search on worker threads, joins them and answers the commands
 * that waited for it ("the simulation stopped"). */
void node_stop(node *n);
/* Publishes the snapshot if anything changed since the last publish. */
void node_publish(node *n);

/* Adds a peer (one way, like the classic /register_node) and emits
 * EV_PEER_ADDED; ignores the node itself and known peers. From the node's
 * own thread, or before the run starts. */
void node_add_peer(node *n, int peer);
/* True if id is already a peer. */
bool node_has_peer(const node *n, int id);
/* Drops a peer (one way); before the run starts (eclipse wiring). */
void node_remove_peer(node *n, int peer);
/* The node's strategy (NODE_HONEST for most). */
node_strategy node_get_strategy(const node *n);

/* Copies the last published snapshot (takes a ledger reference). Any thread. */
void node_snapshot_get(node *n, node_snapshot *out);
void node_snapshot_release(node_snapshot *s);
/* Makes `snap` the node's published snapshot, as if the node had published
 * it (takes a reference on snap->balances; tip from this node's store).
 * Only for a node that ran elsewhere: a run partitioned over MPI ranks
 * hands rank 0 the final snapshots of the nodes other ranks ran, so that
 * what reads snapshots after the run (report, CSV) reads theirs. After the
 * run, on the thread that reads them. */
void node_snapshot_adopt(node *n, const node_snapshot *snap);

/* ---- reading a node from outside ------------------------------------------
 *
 * The snapshot above is how a reader on any thread sees a node's state. The
 * few facts it does not carry are read through these, each saying when it
 * may be called. "Own thread" means the node's executor's thread while it
 * drives this node (a sink of its events included), or any thread while no
 * executor runs the node (before the run starts, after it ends). */

/* The node's name (fixed at node_new; the node owns it). Any thread. */
const char *node_name(const node *n);
/* How the node mines (fixed at node_new). Any thread. */
node_mining node_mining_mode(const node *n);
/* The most transactions its mempool holds (fixed at node_new). Any thread. */
size_t node_mempool_max(const node *n);
/* True if the node holds b, on any branch (its holder bit in b, read
 * atomically). Any thread; b from the node's store. */
bool node_holds(const node *n, const block *b);
/* The node's peers, in order of registration: sets *peers (borrowed, valid
 * until the next peer change) and returns how many. Own thread. */
size_t node_peer_list(const node *n, const int **peers);
/* True while the node is crashed. Own thread (the executor delivering to it). */
bool node_crashed(const node *n);
/* Hints, no effect but speed: start fetching into the cache what a
 * delivery to n reads first - node_prefetch the hot part of its struct,
 * node_prefetch_peers (once that is in the cache) its peer list. An
 * executor calls them for the receivers of the entries a few places ahead
 * of the one it runs. Own thread. */
void node_prefetch(const node *n);
void node_prefetch_peers(const node *n);
/* Once the hot part is in the cache: what the node keeps about block b,
 * which an announcement of b will read (its record of a block it lacks). */
void node_prefetch_block(const node *n, const block *b);
/* The counter of the ids of transactions the node makes. Own thread. */
uint64_t node_tx_counter(const node *n);
/* Before the run: the most transactions its mempool holds (0 = the
 * default, MEMPOOL_DEFAULT_MAX); a small pool makes "mempool full" easy to
 * reach. */
void node_set_mempool_max(node *n, size_t max);
/* Before the run: a node restored from a data dir goes on from the ids it
 * had used (so it never makes an id twice). */
void node_set_tx_counter(node *n, uint64_t counter);

#endif
