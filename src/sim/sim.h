/* sim.h - a simulation: the nodes of a scenario, the store they share, the
 * wire between them, and an executor that runs them.
 *
 *   virtual  one thread, one event queue ordered by (time, sequence); the
 *            clock jumps from event to event. Same scenario + seed -> the
 *            same events, byte for byte. Headless default; every test.
 *   threads  one thread per node blocking on its mailbox; sim time is the
 *            wall clock times `speed`, which can change or pause. Live
 *            default (the window, HTTP).
 *
 * A run ends at the scenario's duration (or --until), when a node reaches
 * the stop height, or when nothing is left to happen. At the end mining and
 * traffic stop and messages in flight are delivered ("drain", at most
 * SIM_DRAIN_US of sim time), so "converged" means: once the network had time
 * to settle, all live nodes agree.
 *
 * Events go to every sink added with sim_add_sink, one at a time (the
 * threads executor serialises them), in the order they happen. In the
 * threads executor a node thread hands its events over a batch at a time
 * (each thread's in their order, a message's causes before anything its
 * receiver does, everything before a command is answered), so a sink
 * hears of an event a few microseconds after it happened. */
#ifndef CHAINSIM_SIM_SIM_H
#define CHAINSIM_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/bstore.h"
#include "net/wire.h"
#include "node/cmd.h"
#include "node/event.h"
#include "node/node.h"
#include "scenario/scenario.h"
#include "util/err.h"

#define SIM_DRAIN_US (600LL * 1000000)

typedef enum sim_executor {
    SIM_VIRTUAL = 0,
    SIM_THREADS,
} sim_executor;

typedef struct sim_desc {
    const scenario *scn;       /* borrowed; must outlive the sim */
    sim_executor executor;
    bool seed_set;             /* use `seed` instead of the scenario's */
    uint64_t seed;
    double speed;              /* threads: sim seconds per wall second; 0 = 1 */
    int64_t until_us;          /* end time instead of the scenario's; 0 = keep */
    bool live;                 /* threads: run until sim_stop, even with
                                  nothing scheduled (a server, the window) */
    int node_nice;             /* threads: the node threads' nice value, if
                                  above the process's (Linux: per thread),
                                  so a window on the main thread stays
                                  responsive when the nodes saturate the
                                  CPU; 0 = inherit */
    /* virtual: worker threads (the parallel virtual executor) when more
     * than 1 and the links leave a lookahead (sim_lookahead_us > 0); the
     * output is the same whatever the number. 0 or 1: one thread. */
    int parallel;
    /* virtual: the run's nodes split over the ranks of the MPI job this
     * process is one of (consecutive ids, a part per rank; a process
     * started alone is a job of one), with the parallel executor's windows
     * and the sequential run's output on rank 0 (sim/exec_mpi.c). Refused,
     * with the reason in sim_new's message, for what it does not carry
     * across ranks yet: transactions, attackers, churn, download queues,
     * links without latency; and in a build without MPI. */
    bool ranks_partition;
    /* virtual: called about every 1/4 s of wall time while running */
    void (*progress)(void *user, int64_t now_us, int64_t end_us);
    void *progress_user;
} sim_desc;

typedef void (*sim_sink_fn)(void *user, const sim_event *ev);

typedef struct sim sim;

/* Builds the nodes, store, wire and topology of a scenario. Returns NULL and
 * a one-line message in err if the scenario cannot run as asked (race
 * mining in the virtual executor, a wire setting out of range). */
sim *sim_new(const sim_desc *desc, char *err, size_t err_len);
/* Stops a running sim (threads) and frees everything. NULL does nothing. */
void sim_free(sim *s);

/* Adds an event consumer of every kind of event. Call before running. */
void sim_add_sink(sim *s, sim_sink_fn fn, void *user);
/* Same, for the kinds in `kinds` only (bit 1u << ev_kind). Events nobody
 * wants are never built or serialised: in the threads executor that spares
 * a lock per message. */
void sim_add_sink_filtered(sim *s, sim_sink_fn fn, void *user, uint32_t kinds);
#define SIM_EVENTS_ALL 0xffffffffu
#define SIM_EVENT_BIT(kind) (1u << (kind))

/* Runs to the end (either executor) and returns when done. */
cs_err sim_run(sim *s);

/* A driven executor (virtual), in steps: runs everything due at or before
 * t_us and leaves the clock at t_us (unless the run ended earlier); it may
 * be called again and again (and before sim_run) and returns true once the
 * run has ended. The order of events is the same whatever the steps. A
 * self-clocked executor (threads) keeps its own time: false, nothing done. */
bool sim_run_until(sim *s, int64_t t_us);
/* Pauses the clock (sim_set_paused) after the next event: a driven
 * executor runs that one event now; a self-clocked one resumes and pauses
 * again when the next event is emitted. True once the run has ended. */
bool sim_step(sim *s);
/* The caller's wall clock moved on by wall_dt_us (a window's frame): a
 * driven executor, unless paused, runs sim_speed() times as far in sim
 * time; a self-clocked one has moved by itself. True once the run ended. */
bool sim_advance_wall(sim *s, int64_t wall_dt_us);
/* True once the run has ended (any thread; threads: every node thread has
 * stopped and later commands complete at once, cancelled). */
bool sim_finished(const sim *s);

/* Peers elsewhere. A remote transport (http/remote.h) carries messages
 * for peer ids >= sim_node_count(): send takes ownership of m and is called
 * from node threads; it must not block them (hand the work to a worker). */
typedef struct sim_remote {
    void *user;
    void (*send)(void *user, msg *m);
} sim_remote;
/* Installs the transport; call before running. Without one, messages to
 * remote peers are dropped (EV_MSG_DROPPED, fate WIRE_DROP_ISOLATED). */
void sim_set_remote(sim *s, const sim_remote *r);
/* The peer id of a URL: the same id for the same URL (any thread). */
int sim_remote_add(sim *s, const char *url);
/* The URL of a remote peer id, or NULL if the id is a local node. The string
 * lives as long as the sim. */
const char *sim_remote_url(sim *s, int id);
/* Delivers a message from outside (a remote peer, a test) to node m->to
 * now; takes ownership. m->from is a remote peer id or -1. Threads: any
 * thread. Virtual: between steps. Blocks it carries must be interned in
 * sim_store(s). */
void sim_inject(sim *s, msg *m);

/* Live control. start begins the run and returns at once (CS_EEXIST if it
 * had begun; threads: CS_EIO if a thread could not be made); in the
 * virtual executor it only sets the run up, which sim_run_until, sim_step
 * and sim_advance_wall then drive. wait blocks until a self-clocked run
 * ends (virtual: returns at once); stop ends it now. wait and stop may be
 * called from different threads at once, but only after sim_start has
 * returned. After a threads run, commands complete at once, cancelled
 * ("the simulation stopped"). The speed and the pause are the threads
 * executor's clock, and in the virtual one what sim_advance_wall follows
 * (the speed starts as desc.speed, or 1). */
cs_err sim_start(sim *s);
void sim_wait(sim *s);
void sim_stop(sim *s);
void sim_set_paused(sim *s, bool paused);
bool sim_paused(sim *s);
void sim_set_speed(sim *s, double speed);
double sim_speed(sim *s);

/* Current sim time (any thread). */
int64_t sim_now_us(sim *s);
/* Sends a command to a node (any thread, threads executor; from the
 * executor's own thread, or before/after a run, in the virtual one). The
 * message owns cmd until the node completes it (see cmd.h). */
void sim_command(sim *s, int node_id, node_cmd *cmd);
/* Network steering (any thread). */
void sim_partition(sim *s, const int *group_of_node);
void sim_heal(sim *s);
void sim_isolate(sim *s, int node_id, bool isolated);

int sim_node_count(const sim *s);
/* Node i's region as the run drew it (the network model, or the file's);
 * 0 without regions. */
int sim_node_region(const sim *s, int i);
/* Who node i is in this run, as sim_new drew and wired it (before any
 * scenario event changed it): what the report and nodes.csv print beside
 * each node's final state. */
typedef struct sim_node_profile {
    int region;              /* as sim_node_region; -1 without regions */
    const char *region_name; /* when the regions are a preset's ("north_america"), else NULL */
    int64_t upload_bps;      /* its uplink; 0 = unlimited */
    int64_t download_bps;    /* its downlink; 0 = unlimited */
    int degree;              /* peers at the start, both directions counted once */
    double share;            /* hash-power share at the start, 0..1 */
} sim_node_profile;
/* Node i's profile (valid as long as s). */
const sim_node_profile *sim_node_profile_of(const sim *s, int i);
node *sim_node(sim *s, int i);
bstore *sim_store(sim *s);
const scenario *sim_scenario(const sim *s);
uint64_t sim_seed(const sim *s);
sim_executor sim_executor_kind(const sim *s);
/* Sim time the run ended at (after draining), valid after sim_run. */
int64_t sim_end_us(const sim *s);
/* Virtual executor: events handled so far. */
uint64_t sim_events_handled(const sim *s);
/* What the nodes sent: every message routed (each EV_MSG_SENT the run
 * emits, dropped ones included), counted where it is sent, by every
 * executor. A run that only needs the totals (the metrics) reads them here
 * instead of taking an event per message: 13 M events at 10,000 nodes,
 * most of a parallel run's deferred events. */
typedef struct sim_sends {
    uint64_t msgs, bytes;
    uint64_t by_kind[MSG_KIND_COUNT];
} sim_sends;
/* The sends so far: between calls that move a driven run, or after the
 * run (a self-clocked run's node threads count their own until they end;
 * a run split over MPI ranks: every rank's once it has ended). */
void sim_sends_get(const sim *s, sim_sends *out);
/* to += c, field by field. */
void sim_sends_add(sim_sends *to, const sim_sends *c);
/* The least delay any message of this run can have (latency + processing,
 * over every link setting the scenario makes); 0 if some link has none. */
int64_t sim_lookahead_us(const sim *s);
/* Threads running the nodes of a virtual run: desc->parallel (at most one
 * per node) if the parallel executor runs it, else 1 (threads: 1). */
int sim_workers(const sim *s);
/* Why a run asked to go parallel runs on one worker ("links without
 * latency leave no lookahead", ...); NULL if it was not asked or runs on
 * several. */
const char *sim_one_worker_why(const sim *s);

/* Where a parallel virtual run's time went, for benchmarks (the per-phase
 * figures in docs/benchmarks.md). A window is a stretch of virtual time
 * the workers run side by side (exec_parallel.c); between windows the
 * calling thread alone exchanges the outboxes and runs the run's own
 * entries: the serial section. A window's events reach the sinks in the
 * sequential order (the merge) during the next window, merged by the first
 * worker done with its lane (the merge behind), or in the serial section
 * when something must see them first (exec_parallel.c). Wall times are CLOCK_MONOTONIC, CPU times
 * the thread's own; worker 0 is the calling thread. Counted from the first
 * sim_run/sim_advance to the end of the run (or now). */
#define SIM_PAR_STATS_WORKERS 8 /* workers past this are summed into the last */
typedef struct sim_par_stats {
    int workers;
    uint64_t windows;        /* windows run */
    uint64_t windows_shared; /* of them, with work for more than one worker */
    uint64_t entries;        /* entries run inside windows (all workers) */
    uint64_t entries_shared; /*   of them, in shared windows */
    uint64_t cross;          /* messages to another worker's nodes (outboxes) */
    uint64_t merged;         /* events the merge handed to the sinks */
    uint64_t merged_behind;  /*   of them, during the next window (merge behind) */
    uint64_t searches_split; /* nonce searches split over the workers (node_env.search) */
    double wall_s;           /* the calling thread inside sim_run/advance */
    double serial_s;         /*   of it, outside windows (the serial section) */
    double merge_s;          /*     of that, the merge in the serial section */
    double serial_cpu_s;     /* the calling thread's CPU time in the serial section */
    double merge_cpu_s;      /*   of it, in the merge */
    double behind_s;         /* the merge behind, summed over the workers that ran it (wall) */
    double behind_cpu_s;     /*   and its CPU time */
    double run_s[SIM_PAR_STATS_WORKERS];  /* wall time running its partition */
    double wait_s[SIM_PAR_STATS_WORKERS]; /* wall time waiting at the barrier */
    double cpu_s[SIM_PAR_STATS_WORKERS];  /* the thread's CPU time */
    uint64_t sleeps[SIM_PAR_STATS_WORKERS]; /* barrier waits that went to sleep */
} sim_par_stats;
/* Fills *out for a run on the parallel executor and returns true; false
 * (nothing written) for any other. */
bool sim_parallel_stats_get(const sim *s, sim_par_stats *out);

/* How often the threads executor's node threads slept and woke, for
 * benchmarks and tests: a wake-up is a context switch and, on a virtual
 * machine, tens of microseconds of system time (docs/benchmarks.md). */
typedef struct sim_thr_stats {
    uint64_t sleeps;        /* node threads' sleeps on their mailboxes */
    uint64_t woken_by_send; /*   of them, ended by a send to the mailbox */
    uint64_t timed_out;     /*   of them, ended at their deadline */
    uint64_t empty_rounds;  /* rounds (take, handle what is due) that handled nothing */
    uint64_t messages;      /* messages and commands handed to the nodes */
    uint64_t timers;        /* timers run */
} sim_thr_stats;
/* Fills *out and returns true for a threads run that has finished; false
 * (nothing written) for any other. */
bool sim_threads_stats_get(const sim *s, sim_thr_stats *out);

/* How late the threads executor handed messages over, against the time
 * the wire said they were due (sim time; the virtual executor is never
 * late). Lateness adds to every hop, so its mean over the mean time a
 * message spent on the wire is about how far the run's delays (tau, reach
 * times) and what follows from them (stale rate) are inflated. */
typedef struct sim_lateness {
    uint64_t messages;   /* handed over at their due time (delivered or dropped then) */
    double mean_ms;
    double p50_ms, p99_ms, max_ms; /* quantiles within 6.25% (util/hist.h) */
    double wire_mean_ms; /* mean time on the wire (latency + transfer) of messages sent */
    double share;        /* mean_ms / wire_mean_ms; 0 without messages */
    bool skewed;         /* share >= SIM_LATENESS_SKEWED */
} sim_lateness;
/* "Sizeable": a run whose messages arrive 5% later than the wire says has
 * delays 5% too long, more than the sampling error of a typical run's
 * tau; the summary then warns that the results are skewed. */
#define SIM_LATENESS_SKEWED 0.05
/* Fills *out and returns true for a threads run that has finished; false
 * (nothing written) for the virtual executor or a run still going. */
bool sim_lateness_get(const sim *s, sim_lateness *out);

#endif
