/* exec_threads.c - the threads executor: one thread per node, real time.
 *
 * Each node thread owns its node, its mailbox's receiving end and a local
 * heap of things due later (messages in flight to it, its timers). A sender
 * computes the arrival time on the wire and puts the message straight into
 * the receiver's mailbox; the receiver holds it in its heap until it is due.
 * So a thread sleeps on one condition variable with one deadline, and one
 * wake-up brings any number of messages (mbox_take takes them all).
 *
 * Batching per wake-up. The mailbox wakes a sleeping receiver only for a
 * message due before the deadline it sleeps to (mbox_send_at); anything
 * due later waits, unseen, until the receiver wakes for its own reason,
 * and then every message due by then is handled in one go. What a node
 * thread does while handling that batch is batched too: its events are
 * held back (sim__hold_events) and the messages it sends wait in a local
 * outbox; at the end of the batch, before it sleeps, the events go to the
 * sinks under one lock and then the outbox goes to the mailboxes. Events
 * first, messages after: no other thread can react to a message before
 * the sinks have seen what led to it. A command (from HTTP, the director,
 * a miner) is handled with nothing held back, and the held events are
 * flushed before any command is answered (its done callback, which may
 * also run later, when a reply from peers completes it: a resolve), so
 * whatever an answer acknowledges has reached the sinks (and a persistent
 * store) first.
 *
 * Wake-up grid. A node thread sleeping until something is due wakes at
 * the first point of a grid on the monotonic clock at or after it, not at
 * its exact due time: the grid's step is 4% of the mean latency of the
 * scenario's shortest kind of link, in sim time (50-200 ms links: 5 ms;
 * none below 20 us of wall time), so a thread wakes once for everything
 * due to it within a step, and every thread due in the same step wakes
 * at the same instant (one timer interrupt for all of them). A sender
 * compares the grid point of its message's due time with the sleeper's.
 * Nothing is handed over before it is due (a thread delivers only what
 * its sim clock says is due); the grid adds up to one step of lateness
 * (half a step, 2% of the mean latency, on average), measured with the
 * rest: on an idle machine well inside what the skew warning tolerates
 * (5%), and on a loaded one less than it saves (bench_threads 1000 10 1:
 * CPU 12.9 vs 15.4 s, mean lateness 10 vs 27 ms). A "links" event may
 * change the latencies later; the grid follows the start's.
 *
 * Timer slack. A node thread lets the kernel end its sleep up to 1% of
 * the shortest link's latency (in wall time at the current speed) late,
 * within [10 us, 2 ms] (Linux: PR_SET_TIMERSLACK, per thread; the default
 * is 50 us). The kernel then wakes the threads whose deadlines fall that
 * close with one timer interrupt, and a thread that wakes a little later
 * finds more messages due: fewer wake-ups for the same messages, at a
 * lateness that stays a fraction of what the warning tolerates (5%).
 *
 * No rseq. The C library registers every thread for restartable sequences
 * (glibc 2.35 and later), and the kernel then writes the thread's CPU into
 * that area on the way back to user space after every context switch
 * (__rseq_handle_notify_resume: 9% of the kernel's time in bench_threads,
 * whose node threads switch on every wake-up). glibc uses the area only
 * for sched_getcpu, which falls back to the vDSO call when it is not
 * registered; nothing on a node thread asks for it. So a node thread
 * unregisters it as it starts (Linux; best effort: left as is if the
 * kernel refuses).
 *
 * Lateness. A message is handed over when its thread gets to it, after its
 * due time; each node thread counts how late (a histogram, its own) and
 * how long the messages it sent were on the wire, and sim_lateness_get
 * merges them after the run (see sim.h for what "skewed" means).
 *
 * Sim time = base_sim + (wall - base_wall) * speed, rebased on every speed
 * change or pause so it never jumps; paused, it stands still and threads
 * sleep until woken. A director thread plays the scenario's timeline and
 * traffic, watches the stop rules, winds down (no more mining), waits for
 * messages in flight to drain, then stops the node threads.
 *
 * `in_flight` counts messages and commands sent but not yet handled or
 * dropped, timers being handled and selfish releases set (thr__timer);
 * zero means the network is quiet.
 *
 * Self-clocked: once started the run goes on by itself; the director, when
 * it ends the run, joins the node threads and closes their mailboxes, then
 * marks the run finished, so sim_finished is true only when no node thread
 * is left. Its state is private (struct thr, behind s->exec and env.ctx). */
#define _DEFAULT_SOURCE /* syscall(2), for rseq (below), here only */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#include <sys/syscall.h>
#define THR_HAVE_RSEQ 1
#endif
#endif

#include "net/mbox.h"
#include "sim/sim_int.h"
#include "util/clock.h"
#include "util/cond.h"
#include "util/heap.h"
#include "util/hist.h"
#include "util/mem.h"

typedef struct thr thr;

typedef struct thr_node {
    thr *x;
    node *n;
    mbox *mb;
    pthread_t tid;
    bool running;
    /* this thread only (read by others once it is joined): */
    heap local;
    sim__evbuf events;        /* held back during a batch */
    msg *out_head, *out_tail; /* sent during a batch, posted at its end */
    bool direct;              /* handling a command: nothing held back */
    hist late;                /* lateness of each message handed over, sim us */
    int64_t wire_us;          /* sum of the wire times of messages sent */
    uint64_t wire_n;
    const void *slack_for;    /* the clock record the timer slack was set for */
    uint64_t n_msgs, n_timers, n_empty; /* sim_thr_stats */
    sim_sends sends;          /* what this node's thread sent */
} thr_node;

/* The node thread running on this thread, if any. */
static _Thread_local thr_node *thr__self;

/* The clock is an immutable record replaced on every change (speed,
 * pause), so reading the time takes no lock: one atomic load. Old records
 * stay on the `older` list until the executor is freed. */
typedef struct thr_clock {
    double speed;              /* sim seconds per wall second */
    int64_t grid_us;           /* wake-up grid (wall us; 0: none), see the top */
    bool paused;
    bool running;              /* false before the threads start: time stands at base */
    int64_t base_sim_us;       /* sim time at base_wall_us */
    int64_t base_wall_us;
    struct thr_clock *older;
} thr_clock;

struct thr {
    sim *s;
    int64_t min_latency_us;    /* the shortest link's latency (sim us), for the slack */
    int64_t grid_sim_us;       /* the wake-up grid's step in sim us (0: none) */
    thr_node *threads;         /* set by start before any thread runs */
    pthread_t director;
    bool director_running;     /* guarded by join_lock after start */
    pthread_mutex_t join_lock; /* one joiner at a time; guards director_running */
    bool started;
    atomic_bool stopping;
    atomic_bool finished;      /* every node thread joined, mailboxes closed */
    atomic_long in_flight;
    _Atomic(thr_clock *) clock;
    pthread_mutex_t clock_lock; /* serialises clock changes; director sleeps on clock_cond */
    pthread_cond_t clock_cond;
    pthread_mutex_t sends_lock; /* guards sends */
    sim_sends sends;           /* sent on other threads than the nodes' */
};

enum { THR_BATCH = 256 };
#define THR_GRID_SHARE 0.04
#define THR_GRID_MIN_US 20
#define THR_SLACK_SHARE 0.01
#define THR_SLACK_MIN_NS 10000LL
#define THR_SLACK_MAX_NS 2000000LL
#define THR_DRAIN_WALL_US (5LL * 1000000)
#define THR_POLL_US 10000

static inline thr *thr__of(const sim *s) { return s->exec; }

static const thr_clock *thr__clock(const thr *x) {
    return atomic_load_explicit(&((thr *)x)->clock, memory_order_acquire);
}

static int64_t thr__time(const thr_clock *c, int64_t wall_us) {
    if (!c->running || c->paused) return c->base_sim_us;
    return c->base_sim_us + (int64_t)((double)(wall_us - c->base_wall_us) * c->speed);
}

static int64_t thr__now_x(const thr *x) { return thr__time(thr__clock(x), clock_now_us()); }

/* The wall step of the wake-up grid at a speed (0: none, below 20 us). */
static int64_t thr__grid_wall_us(const thr *x, double speed) {
    double us = (double)x->grid_sim_us / speed;
    return us >= THR_GRID_MIN_US ? (int64_t)us : 0;
}

/* The wall moment w rounded up onto the clock's wake-up grid (-1 stays). */
static int64_t thr__on_grid(const thr_clock *c, int64_t w) {
    if (c->grid_us <= 0 || w <= 0) return w;
    return (w + c->grid_us - 1) / c->grid_us * c->grid_us;
}

/* Replaces the clock: speed (> 0, or 0 to keep), paused (0/1, or -1 to
 * keep), running (0/1, -1 to keep); rebases so time never jumps. */
static void thr__set_clock_x(thr *x, double speed, int paused, int running) {
    pthread_mutex_lock(&x->clock_lock);
    const thr_clock *cur = thr__clock(x);
    int64_t wall = clock_now_us();
    thr_clock *c = xmalloc(sizeof *c);
    *c = (thr_clock){
        .speed = speed > 0 ? speed : cur->speed,
        .grid_us = thr__grid_wall_us(x, speed > 0 ? speed : cur->speed),
        .paused = paused < 0 ? cur->paused : paused != 0,
        .running = running < 0 ? cur->running : running != 0,
        .base_sim_us = thr__time(cur, wall),
        .base_wall_us = wall,
        .older = (thr_clock *)cur,
    };
    atomic_store_explicit(&x->clock, c, memory_order_release);
    pthread_cond_broadcast(&x->clock_cond);
    pthread_mutex_unlock(&x->clock_lock);
    if (x->threads)
        for (int i = 0; i < x->s->n_nodes; i++) mbox_wake(x->threads[i].mb);
}

/* The wall-clock moment sim time reaches t_us; -1 while paused. */
static int64_t thr__wall_of(const thr *x, int64_t t_us) {
    const thr_clock *c = thr__clock(x);
    if (c->paused || !c->running) return -1;
    double dt = (double)(t_us - c->base_sim_us) / c->speed;
    return c->base_wall_us + (dt > 0 ? (int64_t)dt + 1 : 0);
}

/* When a node thread wakes for something due at t_us: the first grid
 * point at or after it (see the top); -1 while paused. */
static int64_t thr__wake_of(const thr *x, int64_t t_us) {
    return thr__on_grid(thr__clock(x), thr__wall_of(x, t_us));
}

static int64_t thr__now(void *ctx) { return thr__now_x(ctx); }

/* Puts a routed message (counted in flight) into its receiver's mailbox,
 * due at the wall moment of m->deliver_us. */
static void thr__post_msg(thr *x, msg *m) {
    int64_t due_wall = thr__wake_of(x, m->deliver_us);
    if (mbox_send_at(x->threads[m->to].mb, m, due_wall < 0 ? INT64_MIN : due_wall) != CS_OK) {
        atomic_fetch_sub(&x->in_flight, 1);
        msg_free(m);
    }
}

/* The end of a batch: the held events to the sinks, then the outbox out. */
static void thr__flush(thr_node *t) {
    sim__flush_events(&t->events);
    msg *m = t->out_head;
    t->out_head = t->out_tail = NULL;
    while (m) {
        msg *next = m->next;
        thr__post_msg(t->x, m);
        m = next;
    }
}

static void thr__send(void *ctx, msg *m) {
    thr *x = ctx;
    thr_node *t = thr__self && thr__self->x == x ? thr__self : NULL;
    /* To another process: what led to it reaches the sinks first. */
    if (t && m->to >= x->s->n_nodes) thr__flush(t);
    int64_t now = thr__now_x(x);
    sim_sends one = {0}; /* a send from another thread: added under the lock */
    bool routed = sim__route(x->s, m, now, t ? &t->sends : &one);
    if (!t) {
        pthread_mutex_lock(&x->sends_lock);
        sim_sends_add(&x->sends, &one);
        pthread_mutex_unlock(&x->sends_lock);
    }
    if (!routed) return;
    atomic_fetch_add(&x->in_flight, 1);
    if (!t) {
        thr__post_msg(x, m);
        return;
    }
    t->wire_us += m->deliver_us - now;
    t->wire_n++;
    if (t->direct) {
        thr__post_msg(x, m);
        return;
    }
    m->next = NULL;
    if (t->out_tail) t->out_tail->next = m;
    else t->out_head = m;
    t->out_tail = m;
}

/* A selfish miner's release is a send already decided, only delayed: it
 * counts as in flight from the moment it is set, so the drain waits for
 * it as for a message on the wire (the virtual executor's drain runs it
 * too). Other timers count only while handled (thr__timer): mining ones do
 * nothing once winding down, and a resolve's timeout waits for peers that
 * never answer (what they do answer is in flight already). */
static bool thr__timer_pending_counts(node_timer_kind kind) { return kind == TIMER_RELEASE; }

static void thr__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                           uint32_t token) {
    thr *x = ctx;
    if (thr__timer_pending_counts(kind)) atomic_fetch_add(&x->in_flight, 1);
    heap_push(&x->threads[node_id].local, at_us, NULL, (uint64_t)kind << 32 | token);
}

/* Hands a due timer to its node, counted in flight while it runs, so the
 * drain never ends during it. The count goes up before the node asks
 * whether mining is on (both seq_cst, as the director's wind-down and its
 * reads of in_flight): either the director sees this timer in flight and
 * waits for what it sends, or the timer sees the wind-down and mines no
 * block (a grind that began before the wind-down used to outlast a drain
 * that saw the network idle, and its block's sends were never handed
 * over). */
static void thr__timer(thr_node *t, uint64_t aux) {
    node_timer_kind kind = (node_timer_kind)(aux >> 32);
    atomic_fetch_add(&t->x->in_flight, 1);
    node_timer(t->n, kind, (uint32_t)aux);
    atomic_fetch_sub(&t->x->in_flight, thr__timer_pending_counts(kind) ? 2 : 1);
}

static void thr__emit(void *ctx, const sim_event *ev) { sim__emit(((thr *)ctx)->s, ev); }
static bool thr__mining_enabled(void *ctx) { return sim__mining_enabled(((thr *)ctx)->s); }
static void thr__command(sim *s, int node_id, node_cmd *cmd);

/* A node's work off its thread (mining) reports back through its mailbox,
 * and counts as in flight while it runs. */
static void thr__post(void *ctx, int node_id, node_cmd *cmd) { thr__command(((thr *)ctx)->s, node_id, cmd); }
static void thr__hold(void *ctx, int delta) { atomic_fetch_add(&((thr *)ctx)->in_flight, delta); }

/* A command's own completion, kept while the executor's runs in its place. */
typedef struct thr_done {
    void (*done)(node_cmd *cmd);
    void *user;
} thr_done;

/* Answers a command: what the node did before reaches the sinks first. */
static void thr__done(node_cmd *cmd) {
    thr_done *d = cmd->user;
    cmd->done = d->done;
    cmd->user = d->user;
    free(d);
    if (thr__self) sim__flush_events(&thr__self->events);
    cmd->done(cmd);
}

/* A command that will never run (the sim stopped): tell whoever waits. */
static void thr__cancel_cmd(node_cmd *cmd) {
    cmd->status = CMD_STOPPED;
    cmd->error = node_cmd_strerror(CMD_STOPPED);
    if (cmd->done) cmd->done(cmd);
    else node_cmd_free(cmd);
}

static void thr__dispose(msg *m) {
    if (m->kind == MSG_COMMAND && m->cmd) {
        thr__cancel_cmd(m->cmd);
        m->cmd = NULL;
    }
    msg_free(m);
}

static void thr__command(sim *s, int node_id, node_cmd *cmd) {
    thr *x = thr__of(s);
    if (!x->threads) { /* not started: nowhere to queue it */
        thr__cancel_cmd(cmd);
        return;
    }
    if (cmd->done) {
        thr_done *d = xmalloc(sizeof *d);
        *d = (thr_done){cmd->done, cmd->user};
        cmd->done = thr__done;
        cmd->user = d;
    }
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    atomic_fetch_add(&x->in_flight, 1);
    if (mbox_send(x->threads[node_id].mb, m) != CS_OK) {
        atomic_fetch_sub(&x->in_flight, 1);
        thr__dispose(m);
    }
}

static void thr__inject(sim *s, msg *m) {
    thr *x = thr__of(s);
    if (m->kind == MSG_COMMAND) {
        node_cmd *cmd = m->cmd;
        int to = m->to;
        m->cmd = NULL;
        msg_free(m);
        thr__command(s, to, cmd);
        return;
    }
    if (!x->threads) {
        msg_free(m);
        return;
    }
    m->deliver_us = thr__now_x(x);
    atomic_fetch_add(&x->in_flight, 1);
    if (mbox_send(x->threads[m->to].mb, m) != CS_OK) {
        atomic_fetch_sub(&x->in_flight, 1);
        msg_free(m);
    }
}

static void thr__deliver(thr_node *t, msg *m) {
    thr *x = t->x;
    if (m->kind == MSG_COMMAND) {
        thr__flush(t);
        t->direct = true;
        sim__hold_events(NULL);
        node_handle(t->n, m);
        sim__hold_events(&t->events);
        t->direct = false;
    } else {
        int64_t now = thr__now_x(x);
        /* Only what came over the wire was due at a time the wire set. */
        if (m->from >= 0 && m->from < x->s->n_nodes) hist_add(&t->late, now - m->deliver_us);
        sim__deliver(x->s, m, now);
        msg_free(m);
    }
    atomic_fetch_sub(&x->in_flight, 1);
}

/* The shortest latency a link of the scenario can draw (sim us). A
 * "links" event may change it later; the slack follows the start's. */
static int64_t thr__min_latency_us(const scenario *scn) {
    if (scn->latency != LATENCY_REGIONS || scn->n_regions <= 0) return scn->latency_us;
    int64_t min = INT64_MAX;
    for (int i = 0; i < scn->n_regions * scn->n_regions; i++) {
        int64_t mean = scn->region_latency_us[i];
        int64_t low = mean > 5000 ? mean - 5000 : mean; /* a Pareto's scale (wire.c) */
        if (low < min) min = low;
    }
    return min == INT64_MAX ? 0 : min;
}

/* The mean latency of the scenario's shortest kind of link (sim us): the
 * wire time a message spends at the least, on average; the wake-up grid's
 * step is a share of it. */
static int64_t thr__mean_latency_us(const scenario *scn) {
    switch (scn->latency) {
    case LATENCY_FIXED:
        return scn->latency_us;
    case LATENCY_UNIFORM:
        return scn->latency_us + (scn->latency_max_us - scn->latency_us) / 2;
    case LATENCY_REGIONS: {
        int64_t min = INT64_MAX;
        for (int i = 0; i < scn->n_regions * scn->n_regions; i++)
            if (scn->region_latency_us[i] < min) min = scn->region_latency_us[i];
        return min == INT64_MAX ? 0 : min;
    }
    }
    return scn->latency_us;
}

/* Sets this thread's timer slack for the clock's speed (see the top). */
static void thr__set_slack(thr_node *t, const thr_clock *c) {
    if (t->slack_for == c) return;
    t->slack_for = c;
    double ns = THR_SLACK_SHARE * (double)t->x->min_latency_us * 1000.0 / c->speed;
    long long slack = ns < THR_SLACK_MIN_NS ? THR_SLACK_MIN_NS
                      : ns > THR_SLACK_MAX_NS ? THR_SLACK_MAX_NS : (long long)ns;
#ifdef PR_SET_TIMERSLACK
    (void)prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
#else
    (void)slack;
#endif
}

/* Gives up this thread's rseq registration (see the top). */
static void thr__drop_rseq(void) {
#ifdef THR_HAVE_RSEQ
    if (__rseq_size == 0) return; /* not registered (e.g. glibc.pthread.rseq=0) */
    struct rseq *area = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
    if ((int32_t)area->cpu_id < 0) return;
    /* The length must be the registered one: __rseq_size is that up to
     * glibc 2.39, the area's feature size (20) after, with 32 registered. */
    if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) != 0 && errno == EINVAL &&
        __rseq_size < 32)
        (void)syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
#endif
}

static void *thr__node_main(void *arg) {
    thr_node *t = arg;
    thr *x = t->x;
    /* On Linux the nice value is per thread: this one only; never raised
     * above what the process has. Best effort (a failure leaves it as is). */
    if (x->s->desc.node_nice > getpriority(PRIO_PROCESS, 0))
        (void)setpriority(PRIO_PROCESS, 0, x->s->desc.node_nice);
    thr__drop_rseq();
    thr__self = t;
    sim__hold_events(&t->events);
    node_start(t->n);
    while (!atomic_load(&x->stopping)) {
        thr__flush(t); /* before sleeping: the last batch's events and sends */
        thr__set_slack(t, thr__clock(x));
        int64_t now = thr__now_x(x);
        const heap_entry *top = heap_peek(&t->local);
        int64_t deadline = -1;
        if (top) deadline = top->t_us <= now ? 0 : thr__wake_of(x, top->t_us);
        msg *list = mbox_take(t->mb, deadline);
        now = thr__now_x(x);
        while (list) {
            msg *m = list;
            list = m->next;
            m->next = NULL;
            heap_push(&t->local, m->kind == MSG_COMMAND ? now : m->deliver_us, m, 0);
        }
        int k = 0;
        for (; k < THR_BATCH && !atomic_load(&x->stopping); k++) {
            top = heap_peek(&t->local);
            if (!top || top->t_us > now) break;
            heap_entry e;
            heap_pop(&t->local, &e);
            if (e.item) {
                t->n_msgs++;
                thr__deliver(t, e.item);
            } else {
                t->n_timers++;
                thr__timer(t, e.aux);
            }
        }
        if (k == 0) t->n_empty++;
    }
    node_stop(t->n);
    thr__flush(t);
    sim__hold_events(NULL);
    thr__self = NULL;
    return NULL;
}

/* Closes a stopped node's mailbox and cancels what is left, so a command
 * sent after the run completes at once (as cancelled) instead of waiting
 * for the sim to be freed. */
static void thr__close_thread(thr_node *t) {
    mbox_close(t->mb);
    for (msg *m = mbox_take(t->mb, 0), *next; m; m = next) {
        next = m->next;
        thr__dispose(m);
    }
    heap_entry e;
    while (heap_pop(&t->local, &e))
        if (e.item) thr__dispose(e.item);
}

/* Joins the node threads that run, closes every mailbox and marks the run
 * finished: the director's last act, or the starter's if the director
 * could not be made. */
static void thr__join_nodes(thr *x) {
    int n = x->s->n_nodes;
    for (int i = 0; i < n; i++) {
        if (!x->threads[i].running) continue;
        mbox_wake(x->threads[i].mb);
        pthread_join(x->threads[i].tid, NULL);
        x->threads[i].running = false;
    }
    for (int i = 0; i < n; i++) thr__close_thread(&x->threads[i]);
    atomic_store(&x->finished, true);
}

/* Waits on the director's condition until wall time `wall_us` (or a short
 * poll interval, to notice stop rules and a quiet network). */
static void thr__director_sleep(thr *x, int64_t wall_us) {
    int64_t now = clock_now_us();
    int64_t until = now + THR_POLL_US;
    if (wall_us >= 0 && wall_us < until) until = wall_us;
    if (until <= now) return;
    struct timespec ts = cond_deadline_at_us(until);
    pthread_mutex_lock(&x->clock_lock);
    if (!atomic_load(&x->stopping)) pthread_cond_timedwait(&x->clock_cond, &x->clock_lock, &ts);
    pthread_mutex_unlock(&x->clock_lock);
}

static void *thr__director_main(void *arg) {
    thr *x = arg;
    sim *s = x->s;
    const scenario *scn = s->scn;
    size_t next_ev = 0;
    bool traffic = scn->traffic.tx_per_s > 0;
    int64_t next_traffic = traffic ? scn->traffic.start_us : INT64_MAX;
    int quiet_polls = 0;
    while (!atomic_load(&x->stopping)) {
        int64_t now = thr__now_x(x);
        if (sim__past_end(s, now)) break;
        while (next_ev < scn->n_events && scn->events[next_ev].at_us <= now)
            sim__apply_event(s, &scn->events[next_ev++]);
        if (traffic && next_traffic <= now) next_traffic = now + sim__traffic_tick(s);
        /* Nothing scheduled and the network quiet: the run is over. */
        bool idle_end = !s->desc.live && next_ev == scn->n_events && !traffic &&
                        s->end_us == INT64_MAX && scn->mining == NODE_MINING_MANUAL;
        if (idle_end && atomic_load(&x->in_flight) == 0) {
            if (++quiet_polls >= 3) break;
        } else {
            quiet_polls = 0;
        }
        int64_t next = s->end_us;
        if (next_ev < scn->n_events && scn->events[next_ev].at_us < next) next = scn->events[next_ev].at_us;
        if (next_traffic < next) next = next_traffic;
        thr__director_sleep(x, next == INT64_MAX ? -1 : thr__wall_of(x, next));
    }
    sim__wind_down(s);
    int64_t drain_start_wall = clock_now_us();
    int64_t drain_until = thr__now_x(x) + SIM_DRAIN_US;
    while (!atomic_load(&x->stopping) && atomic_load(&x->in_flight) > 0 &&
           thr__now_x(x) < drain_until && clock_now_us() - drain_start_wall < THR_DRAIN_WALL_US)
        thr__director_sleep(x, -1);
    s->final_us = thr__now_x(x);
    atomic_store(&x->stopping, true);
    thr__join_nodes(x);
    return NULL;
}

/* Joins the director once, whichever threads call it (sim_wait in one,
 * sim_stop in another): join_lock makes the second wait for the first. */
static void thr__join_all(thr *x) {
    pthread_mutex_lock(&x->join_lock);
    if (x->director_running) {
        pthread_join(x->director, NULL);
        x->director_running = false;
    } else if (!atomic_load(&x->finished)) {
        thr__join_nodes(x);
    }
    pthread_mutex_unlock(&x->join_lock);
}

static void thr__stop(sim *s) {
    thr *x = thr__of(s);
    if (!x->threads) return;
    atomic_store(&x->stopping, true);
    pthread_mutex_lock(&x->clock_lock);
    pthread_cond_broadcast(&x->clock_cond);
    pthread_mutex_unlock(&x->clock_lock);
    for (int i = 0; i < s->n_nodes; i++) mbox_wake(x->threads[i].mb);
    thr__join_all(x);
}

static cs_err thr__start(sim *s) {
    thr *x = thr__of(s);
    if (x->started) return CS_EEXIST;
    x->threads = xcalloc((size_t)s->n_nodes, sizeof *x->threads);
    for (int i = 0; i < s->n_nodes; i++) {
        x->threads[i].x = x;
        x->threads[i].n = s->nodes[i];
        x->threads[i].mb = mbox_new();
        heap_init(&x->threads[i].local);
        x->threads[i].events.s = s;
    }
    x->started = true;
    thr__set_clock_x(x, 0, -1, 1);
    for (int i = 0; i < s->n_nodes; i++) {
        if (pthread_create(&x->threads[i].tid, NULL, thr__node_main, &x->threads[i]) != 0) {
            thr__stop(s);
            return CS_EIO;
        }
        x->threads[i].running = true;
    }
    if (pthread_create(&x->director, NULL, thr__director_main, x) != 0) {
        thr__stop(s);
        return CS_EIO;
    }
    x->director_running = true;
    return CS_OK;
}

static void thr__wait(sim *s) {
    thr *x = thr__of(s);
    if (x->threads) thr__join_all(x);
}

static bool thr__accepts(const sim_desc *desc, char *err, size_t err_len) { return true; }

static void thr__init(sim *s) {
    thr *x = xcalloc(1, sizeof *x);
    x->s = s;
    x->min_latency_us = thr__min_latency_us(s->scn);
    x->grid_sim_us = (int64_t)(THR_GRID_SHARE * (double)thr__mean_latency_us(s->scn));
    pthread_mutex_init(&x->join_lock, NULL);
    pthread_mutex_init(&x->clock_lock, NULL);
    pthread_mutex_init(&x->sends_lock, NULL);
    cond_init_monotonic(&x->clock_cond); /* the director's deadlines are monotonic */
    thr_clock *c = xcalloc(1, sizeof *c);
    c->speed = s->desc.speed > 0 ? s->desc.speed : 1.0;
    c->grid_us = thr__grid_wall_us(x, c->speed);
    atomic_store(&x->clock, c);
    s->exec = x;
    s->env = (node_env){.ctx = x, .now_us = thr__now, .send = thr__send,
                        .set_timer = thr__set_timer, .emit = thr__emit,
                        .mining_enabled = thr__mining_enabled, .post = thr__post,
                        .hold = thr__hold};
}

static void thr__free(sim *s) {
    thr *x = thr__of(s);
    if (!x) return;
    if (x->threads) {
        for (int i = 0; i < s->n_nodes; i++) {
            thr_node *t = &x->threads[i];
            thr__close_thread(t);
            heap_cleanup(&t->local);
            sim__evbuf_cleanup(&t->events);
            mbox_free(t->mb);
        }
        free(x->threads);
    }
    for (thr_clock *c = atomic_load(&x->clock), *older; c; c = older) {
        older = c->older;
        free(c);
    }
    pthread_mutex_destroy(&x->join_lock);
    pthread_mutex_destroy(&x->clock_lock);
    pthread_mutex_destroy(&x->sends_lock);
    pthread_cond_destroy(&x->clock_cond);
    free(x);
    s->exec = NULL;
}

static int64_t thr__now_of(const sim *s) { return thr__now_x(thr__of(s)); }

static void thr__set_clock(sim *s, double speed, int paused) {
    thr__set_clock_x(thr__of(s), speed, paused, -1);
}

static double thr__speed(const sim *s) { return thr__clock(thr__of(s))->speed; }
static bool thr__paused(const sim *s) { return thr__clock(thr__of(s))->paused; }
static bool thr__finished(const sim *s) { return atomic_load(&thr__of(s)->finished); }
static uint64_t thr__events_handled(const sim *s) { return 0; }

static double thr__ms(double us) { return us / 1000.0; }

/* Merges the node threads' figures; only once they are all joined. */
static bool thr__lateness(const sim *s, sim_lateness *out) {
    const thr *x = thr__of(s);
    if (!x->threads || !atomic_load(&((thr *)x)->finished)) return false;
    hist *all = xcalloc(1, sizeof *all);
    int64_t wire_us = 0;
    uint64_t wire_n = 0;
    for (int i = 0; i < s->n_nodes; i++) {
        hist_merge(all, &x->threads[i].late);
        wire_us += x->threads[i].wire_us;
        wire_n += x->threads[i].wire_n;
    }
    *out = (sim_lateness){
        .messages = all->n,
        .mean_ms = thr__ms(hist_mean(all)),
        .p50_ms = thr__ms((double)hist_quantile(all, 0.50)),
        .p99_ms = thr__ms((double)hist_quantile(all, 0.99)),
        .max_ms = thr__ms((double)all->max),
        .wire_mean_ms = wire_n ? thr__ms((double)wire_us / (double)wire_n) : 0,
    };
    if (out->messages && out->wire_mean_ms > 0) out->share = out->mean_ms / out->wire_mean_ms;
    out->skewed = out->share >= SIM_LATENESS_SKEWED;
    free(all);
    return true;
}

/* Sums the node threads' counts; only once they are all joined. */
static bool thr__stats(const sim *s, sim_thr_stats *out) {
    const thr *x = thr__of(s);
    if (!x->threads || !atomic_load(&((thr *)x)->finished)) return false;
    *out = (sim_thr_stats){0};
    for (int i = 0; i < s->n_nodes; i++) {
        const thr_node *t = &x->threads[i];
        mbox_counts c = mbox_counts_get(t->mb);
        out->sleeps += c.sleeps;
        out->woken_by_send += c.woken_by_send;
        out->timed_out += c.timed_out;
        out->empty_rounds += t->n_empty;
        out->messages += t->n_msgs;
        out->timers += t->n_timers;
    }
    return true;
}

/* The node threads' counts only once they are all joined. */
static void thr__sends(const sim *s, sim_sends *out) {
    thr *x = thr__of(s);
    pthread_mutex_lock(&x->sends_lock);
    sim_sends_add(out, &x->sends);
    pthread_mutex_unlock(&x->sends_lock);
    if (!x->threads || !atomic_load(&x->finished)) return;
    for (int i = 0; i < s->n_nodes; i++) sim_sends_add(out, &x->threads[i].sends);
}

const sim__ops sim__threads_ops = {
    .accepts = thr__accepts,
    .init = thr__init,
    .free = thr__free,
    .start = thr__start,
    .advance = NULL,
    .wait = thr__wait,
    .stop = thr__stop,
    .now = thr__now_of,
    .inject = thr__inject,
    .command = thr__command,
    .set_clock = thr__set_clock,
    .speed = thr__speed,
    .paused = thr__paused,
    .finished = thr__finished,
    .events_handled = thr__events_handled,
    .lateness = thr__lateness,
    .thr_stats = thr__stats,
    .sends = thr__sends,
    .concurrent = true,
};
