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
#include "util/heap.h"
#include "util/rng.h"

typedef struct sim_sink {
    sim_sink_fn fn;
    void *user;
} sim_sink;

typedef struct sim__thread sim__thread; /* exec_threads.c */

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
    pthread_mutex_t sink_lock; /* threads: serialises sinks (guards nothing else) */

    int64_t end_us;            /* scheduled end; INT64_MAX if none */
    atomic_bool mining_on;     /* false once winding down */
    atomic_bool stop_reached;  /* a node reached the stop height */
    int64_t final_us;

    /* virtual executor */
    heap queue;
    int64_t now_us;
    uint64_t events_handled;

    /* threads executor */
    sim__thread *threads;
    pthread_t director;
    bool started;
    atomic_bool stopping;
    atomic_long in_flight;
    pthread_mutex_t clock_lock; /* guards the clock fields below */
    pthread_cond_t clock_cond;  /* director waits here */
    double speed;
    bool paused;
    int64_t base_sim_us, base_wall_us;
    bool finished;
};

/* Delivers an event to every sink (locks in the threads executor). */
void sim__emit(sim *s, const sim_event *ev);
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

cs_err sim__virtual_run(sim *s);
void sim__virtual_command(sim *s, int node_id, node_cmd *cmd);

cs_err sim__threads_start(sim *s);
void sim__threads_wait(sim *s);
void sim__threads_stop(sim *s);
void sim__threads_command(sim *s, int node_id, node_cmd *cmd);
int64_t sim__threads_now(sim *s);
void sim__threads_clock_changed(sim *s);
void sim__threads_free(sim *s);

#endif
