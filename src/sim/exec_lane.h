/* exec_lane.h - a queue of virtual-time entries and how one runs, shared by
 * the two virtual executors: the sequential one keeps everything in one
 * lane, the parallel one a lane per partition of nodes (exec_parallel.c).
 *
 * An entry without a message packs its meaning into `aux`:
 *
 *   | bits 63..56 | bits 55..32 | bits 31..0              |
 *   |-------------|-------------|-------------------------|
 *   | tag         | node id     | timer token / event idx |
 *
 * Block announcements and requests (most of the traffic: every node tells
 * every peer) travel inside the entry instead of as a msg: item = the block,
 * and aux = TAG_BLOCK_INV | kind | from | to. The msg is freed at once,
 * while still in cache, and delivery rebuilds it on the stack: at 10,000
 * nodes this saves a cold cache miss and an allocation per message.
 *
 *   | bits 63..56   | 55..48 | 47..24 | 23..0 |
 *   |---------------|--------|--------|-------|
 *   | TAG_BLOCK_INV | kind   | from   | to    |
 *
 * The order: entries run by (time, key), key = (origin + 1) << 39 | n,
 * where origin is the node whose handling made the entry (a message's
 * sender, a timer's node; -1 for the run's own entries: scenario events,
 * traffic ticks, the end, messages from outside) and n counts the entries
 * that origin made before. A key depends on what one node did, never on
 * how the nodes' work interleaves, so partitions run on several threads
 * give each entry the key the sequential run gives it. At one instant the
 * run's own entries come first, then the nodes' by id.
 *
 * A timer due at once (at or before now) is not queued: it runs right
 * after the entry that set it, in the order set, as if its key were that
 * entry's plus a hair. Every other new entry lies later in time (a message
 * takes at least the lookahead), so the entries a lane runs come one after
 * another in (time, key): the parallel executor merges its partitions'
 * events by that pair alone. */
#ifndef CHAINSIM_SIM_EXEC_LANE_H
#define CHAINSIM_SIM_EXEC_LANE_H

#include "sim/sim_int.h"
#include "util/evq.h"

enum {
    TAG_TIMER_MINE = TIMER_MINE,
    TAG_TIMER_RESOLVE = TIMER_RESOLVE,
    TAG_TIMER_LAST = TIMER_CHURN, /* node timers are tags 1..TAG_TIMER_LAST */
    TAG_SCENARIO = 10,            /* the run's own entries: TAG_SCENARIO..TAG_END */
    TAG_TRAFFIC,
    TAG_END,
    TAG_BLOCK_INV,
};

/* Buckets of 4 ms over 8.192 s: a message's latency fits within the horizon. */
#define SIM__BUCKET_US 4000
#define SIM__BUCKETS 2048
#define SIM__MAX_NODES (1 << 24) /* node ids are 24 bits in an entry's aux */
#define SIM__KEY_COUNT_BITS 39   /* 25 bits of origin + 1 above */
/* How many entries ahead sim__lane_run_node prefetches what (exec_lane.c). */
#define SIM__AHEAD_MSG 5
#define SIM__AHEAD_NODE 3
#define SIM__AHEAD_PEERS 1

typedef struct sim__due {
    int node;
    uint32_t token;
    node_timer_kind kind;
} sim__due;

typedef struct sim__lane {
    sim *s;
    evq queue;
    /* Entries made so far per origin + 1 (n_nodes + 1 slots), shared by a
     * run's lanes: a slot is written only by the lane that runs its node
     * (or by whoever runs the run's own entries, when no lane runs). */
    uint64_t *made;
    int64_t now_us;
    uint64_t events_handled;
    int64_t cur_t_us;          /* the entry being run: */
    uint64_t cur_key;          /*   its place in the order */
    sim__due *due;             /* timers due at once, after the current entry */
    size_t n_due, cap_due;
    sim_sends sends;           /* what this lane's entries sent */
} sim__lane;

/* Winding down, as both virtual executors keep it: the stop is known
 * (wind_at set) before it applies (winding, from the first entry at or
 * after wind_at; then entries past drain_until do not run). */
typedef struct sim__wind {
    bool winding;
    int64_t wind_at;           /* INT64_MAX until the stop is known */
    int64_t drain_until;       /* INT64_MAX until winding */
} sim__wind;

static inline uint64_t sim__aux(unsigned tag, int node_id, uint32_t low) {
    return (uint64_t)tag << 56 | (uint64_t)(uint32_t)node_id << 32 | low;
}
static inline unsigned sim__tag(uint64_t aux) { return (unsigned)(aux >> 56); }

void sim__lane_init(sim__lane *l, sim *s, uint64_t *made);
/* Frees the queue and the messages still in it. */
void sim__lane_cleanup(sim__lane *l);
/* The next key of `origin` (-1: the run's own), counting it. */
uint64_t sim__key(uint64_t *made, int origin);
/* The queue entry of a routed message (m->deliver_us set), under its
 * sender's key (counted in l->made); a block announcement or request is
 * packed into the entry and m freed, else the entry's item is m. */
heap_entry sim__lane_msg_entry(sim__lane *l, msg *m);
/* Queues a routed message: its entry, in this lane. */
void sim__lane_push_msg(sim__lane *l, msg *m);
/* A node's timer: queued under the node's key, or due at once (at_us <=
 * now: after the current entry, sim__lane_run_due). */
void sim__lane_push_timer(sim__lane *l, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token);
/* One of the run's own entries (tag TAG_SCENARIO..TAG_END) at t_us. */
void sim__lane_push_own(sim__lane *l, int64_t t_us, unsigned tag, uint32_t low);
/* True if a node timer entry is void: superseded, or any timer but a
 * resolve's once winding down. Void entries are consumed without moving
 * the clock. */
bool sim__lane_void(const sim__lane *l, const heap_entry *e, bool winding);
/* Runs a node entry (a delivery or a timer; not void): the clock moves to
 * its time and it counts as handled. */
void sim__lane_run_node(sim__lane *l, const heap_entry *e);
/* Runs the timers that came due at once, in the order set (more may come
 * due meanwhile). */
void sim__lane_run_due(sim__lane *l, bool winding);

/* Begins a run whose own entries go to `own`: the wire to one thread at a
 * time, every node started (timers due at once run), the scenario's events,
 * the first traffic tick and the end queued; *w not winding. */
void sim__lane_begin(sim__lane *own, sim__wind *w);
/* The same, starting only nodes [lo, hi) (a run partitioned over MPI ranks
 * starts the nodes of its own rank; the others are started elsewhere). */
void sim__lane_begin_nodes(sim__lane *own, sim__wind *w, int lo, int hi);
/* Runs one of the run's own entries (tag TAG_SCENARIO..TAG_END) in `own`
 * at its time, then the timers it made due; false (nothing done, the clock
 * kept) for traffic once winding down. */
bool sim__lane_run_own(sim__lane *own, const heap_entry *e, sim__wind *w);
/* Once s->stop_reached is set: when winding down begins (sim__wind_at). */
void sim__wind_note(sim *s, sim__wind *w, bool at_once, int64_t now_us);
/* Before an entry at t_us: winding down begins if it is due. */
void sim__wind_if_due(sim *s, sim__wind *w, int64_t t_us);

#endif
