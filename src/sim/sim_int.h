/* sim_int.h - what sim.c shares with the two executors (not exported).
 *
 *   sim.c            construction, sinks, scenario events, stop rules
 *   exec_virtual.c   the single-threaded event queue
 *   exec_threads.c   one thread per node, the wall clock, the director */
#ifndef CHAINSIM_SIM_SIM_INT_H
#define CHAINSIM_SIM_SIM_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "net/mbox.h"
#include "net/topology.h"
#include "sim/sim.h"
#include "util/evq.h"
#include "util/heap.h"
#include "util/rng.h"

typedef struct sim_sink {
    sim_sink_fn fn;
    void *user;
    uint32_t kinds;
} sim_sink;

typedef struct sim__thread sim__thread; /* exec_threads.c */

typedef struct sim__clock {
    double speed;              /* sim seconds per wall second */
    bool paused;
    bool running;              /* false before the threads start: time stands at base */
    int64_t base_sim_us;       /* sim time at base_wall_us */
    int64_t base_wall_us;
    struct sim__clock *older;
} sim__clock;

struct sim {
    sim_desc desc;
    const scenario *scn;
    uint64_t seed;
    int n_nodes;
    node *nodes;
    bstore *store;
    wire *wire;
    node_env env;
    rng rng;                   /* traffic picks */
    double *hash_power;        /* per node, as in the scenario and its events */
    double hash_power_total;   /* the scenario's initial total: shares are relative to it */

    sim_sink *sinks;
    size_t n_sinks, cap_sinks;
    uint32_t sink_kinds;       /* union of the sinks' kinds */
    pthread_mutex_t sink_lock; /* threads: serialises sinks (guards nothing else) */

    int64_t end_us;            /* scheduled end; INT64_MAX if none */
    atomic_bool mining_on;     /* false once winding down */
    atomic_bool stop_reached;  /* a node reached the stop height */
    int64_t final_us;

    /* virtual executor */
    evq queue;
    int64_t now_us;
    uint64_t events_handled;
    bool v_started, v_winding, v_done;
    int64_t v_drain_until;

    /* peers that live elsewhere (URLs), ids n_nodes, n_nodes + 1, ... */
    sim_remote remote;
    char **remote_urls;
    size_t n_remote, cap_remote;
    pthread_mutex_t remote_lock; /* guards remote_urls/n_remote */

    /* threads executor */
    sim__thread *threads;      /* set by sim_start before any thread runs */
    pthread_t director;
    bool director_running;     /* guarded by join_lock after start */
    pthread_mutex_t join_lock; /* one joiner at a time; guards `finished` */
    bool started;
    atomic_bool stopping;
    atomic_long in_flight;
    /* The clock is an immutable record replaced on every change (speed,
     * pause), so reading the time takes no lock: one atomic load. Old
     * records stay on the `older` list until sim_free. */
    _Atomic(struct sim__clock *) clock;
    pthread_mutex_t clock_lock; /* serialises clock changes; director sleeps on clock_cond */
    pthread_cond_t clock_cond;
    bool finished;
};

/* Delivers an event to every sink that wants it (locks in the threads
 * executor). */
void sim__emit(sim *s, const sim_event *ev);
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
/* Ends mining and traffic: the wind-down before the drain. */
void sim__wind_down(sim *s);

/* Fills in the executor's half of the node environment. */
void sim__virtual_env(node_env *env);
void sim__threads_env(node_env *env);
bool sim__mining_enabled(void *ctx);

void sim__virtual_init(sim *s);
cs_err sim__virtual_run(sim *s);
/* Runs queued entries with time <= until_us, at most max_events of them;
 * true once the run has ended. */
bool sim__virtual_advance(sim *s, int64_t until_us, uint64_t max_events);
void sim__virtual_inject(sim *s, msg *m);
void sim__threads_inject(sim *s, msg *m);
/* Hands a message for a remote peer to the remote transport (or drops it). */
void sim__send_remote(sim *s, msg *m);
/* Frees what is still queued (messages in flight when the run ended). */
void sim__virtual_discard(sim *s);
void sim__virtual_command(sim *s, int node_id, node_cmd *cmd);

cs_err sim__threads_start(sim *s);
void sim__threads_wait(sim *s);
void sim__threads_stop(sim *s);
void sim__threads_command(sim *s, int node_id, node_cmd *cmd);
int64_t sim__threads_now(sim *s);
/* Replaces the clock: speed (> 0, or 0 to keep), paused (0/1, or -1 to
 * keep), running (0/1, -1 to keep); rebases so time never jumps. */
void sim__threads_set_clock(sim *s, double speed, int paused, int running);
const sim__clock *sim__threads_clock(sim *s);
void sim__threads_free(sim *s);

#endif
