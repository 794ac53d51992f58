/* sim_int.h - what sim.c shares with the executors (not exported).
 *
 *   sim.c            construction, sinks, scenario events, stop rules, and
 *                    the public calls, each a call through the ops table
 *   exec_route.c     what every executor does with a message: route it on
 *                    the wire, drop it, deliver it (written once)
 *   exec_lane.c      a virtual-time queue, its order keys, node entries
 *   exec_virtual.c   the single-threaded event queue
 *   exec_parallel.c  the virtual executor on several threads: partitions
 *                    of nodes, windows of the lookahead, merged events
 *   exec_threads.c   one thread per node, the wall clock, the director
 *   exec_mpi.c       the virtual executor over MPI ranks: a partition of
 *                    nodes per rank, blocks and messages sent between them
 *
 * The executor interface. sim_new picks one sim__ops table from
 * desc->executor, once; nothing else asks which executor runs. Each
 * executor keeps its own state behind s->exec (made by init, freed by
 * free) and fills s->env, the node_env through which the nodes reach it,
 * with env.ctx pointing at that state. struct sim holds only what every
 * executor shares: the nodes, the store, the wire, the sinks, the stop
 * rules. A new executor (a parallel virtual one) is a new table and a new
 * private state; it may hand each partition its own env. */
#ifndef CHAINSIM_SIM_SIM_INT_H
#define CHAINSIM_SIM_SIM_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "net/topology.h"
#include "sim/sim.h"
#include "util/rng.h"

typedef struct sim_sink {
    sim_sink_fn fn;
    void *user;
    uint32_t kinds;
} sim_sink;

typedef struct sim__ops {
    /* Refuses a scenario this executor cannot run (a one-line reason in
     * err): called by sim_new before anything is built. */
    bool (*accepts)(const sim_desc *desc, char *err, size_t err_len);
    /* Makes s->exec and fills s->env; called before the nodes exist. */
    void (*init)(sim *s);
    /* Frees s->exec and what it still holds (messages in flight). The run
     * has been stopped; the nodes still exist. */
    void (*free)(sim *s);
    /* Begins the run: CS_EEXIST if it already began, CS_EIO if a thread
     * could not be made. */
    cs_err (*start)(sim *s);
    /* Driven executors (the caller moves the clock): runs queued entries
     * due at or before until_us, at most max_events of them; true once the
     * run has ended. NULL for a self-clocked executor. */
    bool (*advance)(sim *s, int64_t until_us, uint64_t max_events);
    /* Self-clocked: blocks until the run ends (NULL: nothing to wait for). */
    void (*wait)(sim *s);
    /* Ends the run now (any thread); a run not started is left as is. */
    void (*stop)(sim *s);
    int64_t (*now)(const sim *s);
    /* Delivers m (from outside) to node m->to now; takes ownership. */
    void (*inject)(sim *s, msg *m);
    /* Sends cmd to node_id (see sim_command); takes ownership. */
    void (*command)(sim *s, int node_id, node_cmd *cmd);
    /* The clock a person steers: speed > 0 (0 keeps it), paused 0/1 (-1
     * keeps it). A driven executor only records them for sim_advance_wall. */
    void (*set_clock)(sim *s, double speed, int paused);
    double (*speed)(const sim *s);
    bool (*paused)(const sim *s);
    bool (*finished)(const sim *s);
    uint64_t (*events_handled)(const sim *s);
    /* Adds the sends counted so far to *out (sim_sends_get). */
    void (*sends)(const sim *s, sim_sends *out);
    /* sim_lateness_get; NULL for an executor that is never late. */
    bool (*lateness)(const sim *s, sim_lateness *out);
    /* sim_threads_stats_get; NULL but for the threads executor. */
    bool (*thr_stats)(const sim *s, sim_thr_stats *out);
    /* Takes an event emitted while nodes run on its workers, to be handed
     * to the sinks later in the order of the sequential run (true); false:
     * emit it now. NULL: always now. */
    bool (*defer)(sim *s, const sim_event *ev);
    /* Nodes run on several threads at once: sinks are called under a lock. */
    bool concurrent;
} sim__ops;

extern const sim__ops sim__virtual_ops;
extern const sim__ops sim__threads_ops;
extern const sim__ops sim__parallel_ops;
extern const sim__ops sim__mpi_ops;  /* exec_mpi.c, or exec_mpi_none.c (refuses) */
/* The parallel executor's number of workers. */
int sim__parallel_workers(const sim *s);
/* Its sim_parallel_stats_get. */
void sim__parallel_stats(const sim *s, sim_par_stats *out);

struct sim {
    sim_desc desc;
    const sim__ops *ops;       /* chosen once by sim_new */
    void *exec;                /* the executor's private state */
    const scenario *scn;
    uint64_t seed;
    int n_nodes;
    node **nodes;              /* node_new each, node_free in sim_free */
    void *node_mem;            /* the nodes themselves, side by side (xmap): */
    size_t node_mem_bytes;
    size_t node_size;          /* node i at node_mem + i * node_size (sim__node) */
    bstore *store;
    wire *wire;
    node_env env;              /* filled by ops->init */
    rng rng;                   /* traffic picks */
    double *hash_power;        /* per node, as in the scenario and its events */
    double hash_power_total;   /* the scenario's initial total: shares are relative to it */
    sim_node_profile *profiles; /* per node, fixed by sim_new */

    sim_sink *sinks;
    size_t n_sinks, cap_sinks;
    uint32_t sink_kinds;       /* union of the sinks' kinds */
    pthread_mutex_t sink_lock; /* ops->concurrent: serialises sinks (guards nothing else) */
    atomic_bool pause_at_event; /* sim_step, self-clocked: pause at the next event */

    int64_t end_us;            /* scheduled end; INT64_MAX if none */
    atomic_bool mining_on;     /* false once winding down */
    atomic_bool stop_reached;  /* a node reached the stop height */
    int64_t stop_at_us;        /* when (set before stop_reached, by the sink) */
    int64_t lookahead_us;      /* the least delay of any message in this run; 0: none */
    const char *one_worker_why; /* --parallel asked for more, and why it runs on one */
    int64_t final_us;          /* set by the executor when the run ends */

    /* peers that live elsewhere (URLs), ids n_nodes, n_nodes + 1, ... */
    sim_remote remote;
    char **remote_urls;
    size_t n_remote, cap_remote;
    pthread_mutex_t remote_lock; /* guards remote_urls/n_remote */
};

/* Delivers an event to every sink that wants it (under sink_lock if the
 * executor is concurrent), or, on a thread that holds its events back for
 * this sim, appends it to that thread's buffer, or leaves it to the
 * executor to hand on later (ops->defer). */
void sim__emit(sim *s, const sim_event *ev);
/* Delivers an event to the sinks now (a deferred one, in its turn). */
void sim__dispatch(sim *s, const sim_event *ev);

/* Events held back by one thread, to reach the sinks under one lock per
 * batch instead of one per event (the threads executor's node threads:
 * with a thousand threads on two cores, a lock per event was most of a
 * run's kernel time). A held event keeps a reference on its tx. */
typedef struct sim__evbuf {
    sim *s;
    sim_event *ev;
    size_t n, cap;
} sim__evbuf;
/* From now on this thread's events for b->s go to b (NULL: straight to
 * the sinks again). The caller must flush before anything the events
 * describe can be seen by another thread (a message leaving the thread, a
 * command's answer), so the sinks still see cause before effect. A sim_step
 * waiting for the next event bypasses the buffer (after flushing it). */
void sim__hold_events(sim__evbuf *b);
/* Hands b's events to the sinks in order, under one lock, and empties b. */
void sim__flush_events(sim__evbuf *b);
/* Frees b's storage and drops what it still holds (not emitted). */
void sim__evbuf_cleanup(sim__evbuf *b);
static inline bool sim__wants(const sim *s, ev_kind kind) {
    return (s->sink_kinds >> kind) & 1u;
}
/* Applies scenario event i (commands go through sim_command). */
void sim__apply_event(sim *s, const scn_event *ev);
/* Sends a random transaction command to a random live node; returns the
 * delay until the next one (Poisson). */
int64_t sim__traffic_tick(sim *s);
/* True if nothing scheduled may run any more at time t. */
static inline bool sim__past_end(const sim *s, int64_t t) {
    return t > s->end_us || atomic_load(&s->stop_reached);
}
/* The first multiple of the lookahead after t_us (lookahead > 0). */
static inline int64_t sim__grid_after(const sim *s, int64_t t_us) {
    return (t_us / s->lookahead_us + 1) * s->lookahead_us;
}
/* Whether the event is one the stop height's sink stops the run at (a tip
 * at or above the scenario's stop_height); the parallel executor merges a
 * window holding one before the next window runs. */
bool sim__reaches_stop_height(const sim *s, const sim_event *ev);
/* When winding down begins, now that s->stop_reached is set: at once
 * (now_us) for the end of the run's time (at_once) or without lookahead;
 * for a stop height reached at stop_at_us, at the next multiple of the
 * lookahead, where every virtual executor learns of it alike. */
int64_t sim__wind_at(const sim *s, bool at_once, int64_t now_us);
/* Ends mining and traffic: the wind-down before the drain. */
void sim__wind_down(sim *s);
/* False once winding down: node_env.mining_enabled of every executor. */
bool sim__mining_enabled(const sim *s);

/* ---- exec_route.c: a message's way, the same in every executor ---- */

/* The first half of a send at sim time now_us, counted in *count (the
 * sending thread's: the executor's, its worker's or its lane's). A message
 * for a remote peer goes to the remote transport; otherwise the wire
 * decides its fate and arrival time and EV_MSG_SENT is emitted; a dropped
 * message is emitted (EV_MSG_DROPPED) and freed. Returns true if the executor must now queue m
 * for m->deliver_us (then set); false if m is gone. */
bool sim__route(sim *s, msg *m, int64_t now_us, sim_sends *count);
/* Emits EV_MSG_DROPPED for m at now_us with this fate (m stays the
 * caller's). */
void sim__dropped(sim *s, const msg *m, wire_fate fate, int64_t now_us);
/* The second half, when a message (not a command) is due: if the link
 * still holds and the receiver is up, emits EV_MSG_DELIVERED and hands m to
 * node m->to (node_receive); else emits EV_MSG_DROPPED. m stays the
 * caller's either way. Returns true if delivered. */
bool sim__deliver(sim *s, msg *m, int64_t now_us);
/* s->nodes[id] without reading s->nodes (a cache miss of its own at
 * 100,000 nodes): the nodes lie side by side in s->node_mem. */
static inline node *sim__node(const sim *s, int id) {
    return (node *)((char *)s->node_mem + (size_t)id * s->node_size);
}
/* Hands a message for a remote peer to the remote transport (or drops it). */
void sim__send_remote(sim *s, msg *m);

#endif
