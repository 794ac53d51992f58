/* exec_parallel.c - the virtual-time executor on several threads, with the
 * output of the sequential one byte for byte.
 *
 * Nodes are split into N partitions of consecutive ids, one lane each
 * (exec_lane.h), run by N workers: the calling thread is worker 0, the
 * others are threads of their own. The run's own entries (scenario events,
 * traffic, the end) sit in one more lane that only the calling thread runs,
 * between windows, when every worker waits: there they may touch any node.
 *
 * Conservative windows. Every message takes at least the lookahead L
 * (sim_lookahead_us: the least latency plus processing over the run), so a
 * message sent at t >= W arrives at or after W + L. A window [W, E) starts
 * at the earliest entry W and ends at E <= W + L: at the next multiple of
 * L (windows never straddle one: a stop height winds down there, see
 * sim__wind_at), or earlier at the run's next own entry. Inside it each
 * worker runs its lane's entries in (time, key) order as the sequential
 * run would, and nothing another worker does can reach it before E: a
 * message to another partition goes into an outbox; between windows the
 * calling thread hands each outbox to its receiver (a swap of buffers),
 * and each worker queues what it got when the next window begins, side
 * by side with the others (evq_push_many).
 *
 * Why the same bytes. A key says who made an entry and how many that node
 * made before (exec_lane.h); it never depends on interleaving, so each lane
 * holds the entries the sequential queue holds for its nodes, with the same
 * keys, and runs them in the same order. The sequential run's order is the
 * merge of the lanes' orders by (time, key), and within a window no lane
 * can add an entry to another before E; the events the nodes emit are kept
 * per worker with the (time, key) of the entry that emitted them and handed
 * to the sinks at the window's end in that merged order. Each sender draws
 * its wire latency from its own stream and only touches its own upload
 * queue; a node's rng, timers and key count are its own; the block store,
 * the holder bits and the refcounts of blocks, ledgers and transactions are
 * thread-safe, and what they hold does not depend on the order of interning.
 * The sinks (and the stop height) see events only in merged order, on the
 * calling thread; mining stops, links change and commands reach nodes only
 * between windows.
 *
 * Merge behind. The sinks only read the events they are handed (metrics,
 * traces, the view's feed), so a window's events need not reach them
 * before the next window runs: during the next window, the first worker
 * done with its lane merges them while the others still run theirs (the
 * merge was ~12% of a 2-worker run's wall time, all of it while the other
 * workers waited). The sinks run on that worker's thread, one merge at a
 * time, ordered by the barrier. Whatever could depend on the sinks having seen them
 * merges first (px__settle): a window whose events reach the stop height
 * (the stop height's sink decides when the run winds down), the run's own
 * entries (they emit events of their own, which come after), sim_step,
 * commands and injected messages, and every return to the caller.
 *
 * Driven like the sequential executor; sim_step (one event at a time) runs
 * the lanes as one merged queue without windows. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/pow.h"
#include "sim/exec_lane.h"
#include "util/clock.h"
#include "util/mem.h"

/* An event kept until its window ends: the (time, key) of the entry that
 * emitted it is its place in the merged order. */
typedef struct px_ev {
    int64_t t_us;
    uint64_t key;
    sim_event ev;
} px_ev;

/* Entries for another worker's lane, made in one window. */
typedef struct px_box {
    heap_entry *v;
    size_t n, cap;
    int64_t min_t_us;          /* the earliest of them; INT64_MAX if none */
} px_box;

/* Each worker on cache lines of its own: they write their fields for every
 * entry they run (aligned_alloc'd array). */
typedef struct px_worker {
    struct px *p;
    int id;
    sim__lane lane;            /* the entries of nodes [lo, hi) */
    px_box *out;               /* out[j]: made in this window for worker j's lane */
    px_box *in;                /* in[i]: worker i's out[id] of the last window,
                                  handed over between windows, emptied by this
                                  worker at the start of the next */
    px_ev *evs;                /* this window's events, in order */
    size_t n_evs, cap_evs, ev_pos;
    px_ev *behind;             /* the last window's, for the merge behind */
    size_t n_behind, cap_behind;
    bool stops;                /* an event of this window reaches the stop height */
    pthread_t thread;
    uint_fast64_t seen;        /* the last window its thread ran */
    /* sim_par_stats of its thread (worker 0's: the calling thread's) */
    int64_t run_ns, wait_ns, cpu_ns;
    int64_t behind_ns, behind_cpu_ns; /* the merges behind it ran */
    uint64_t sleeps;
} __attribute__((aligned(64))) px_worker;

typedef struct px {
    sim *s;
    int n;                     /* workers */
    int chunk;                 /* nodes per partition: node i is worker i / chunk's */
    px_worker *w;
    sim__lane own;             /* the run's own entries */
    uint64_t *made;            /* keys per origin, shared by the lanes */
    bool started, done;
    sim__wind wind;
    double speed;
    bool paused;

    /* The gate between windows: the calling thread sets `end` and
     * `winding_now`, bumps `gen`; each thread runs its lane up to `end`
     * and counts down `pending`. */
    pthread_mutex_t lock;
    pthread_cond_t go, idle;
    atomic_uint_fast64_t gen;
    atomic_int pending;
    atomic_bool quit;
    int64_t end;
    bool winding_now;
    bool threads_up;
    bool solo;                 /* a window only the calling thread runs */

    /* A nonce search split over the workers (px__search): what the
     * threads woken for it (task PX_SEARCH) search. */
    int task;                  /* PX_WINDOW or PX_SEARCH, set before waking them */
    pow_job *s_job;
    uint64_t s_start, s_count;
    atomic_uint_fast64_t s_next;  /* the next batch to take */
    atomic_uint_fast64_t s_best;  /* the lowest valid nonce found (UINT64_MAX: none) */
    bool behind;               /* the last window's events are not merged yet */
    atomic_bool behind_free;   /* in a shared window: nobody has taken the
                                  merge behind yet (the first to finish its
                                  lane takes it) */

    /* sim_par_stats, kept by the calling thread */
    uint64_t windows, windows_shared, entries, entries_shared, cross, merged, merged_behind;
    uint64_t searches_split;
    int64_t wall_ns, window_ns, merge_ns;
    int64_t window_cpu_ns, merge_cpu_ns; /* the calling thread's CPU in them */
} px;

/* The worker whose lane this thread is running now; NULL between windows
 * (the calling thread then runs the run's own entries and commands). */
static _Thread_local px_worker *px__self;

static inline px *px__of(const sim *s) { return s->exec; }
static inline int px__part(const px *p, int node_id) { return node_id / p->chunk; }

static int64_t px__now(void *ctx) {
    return px__self ? px__self->lane.now_us : ((px *)ctx)->own.now_us;
}

static void px__send(void *ctx, msg *m) {
    px *p = ctx;
    px_worker *me = px__self;
    sim__lane *from = me ? &me->lane : &p->own;
    if (!sim__route(p->s, m, from->now_us, &from->sends)) return;
    px_worker *to = &p->w[px__part(p, m->to)];
    if (!me || me == to) {
        sim__lane_push_msg(&to->lane, m);
        return;
    }
    /* Another partition: it arrives at or after the window's end. */
    px_box *b = &me->out[to->id];
    heap_entry e = sim__lane_msg_entry(&me->lane, m);
    b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof *b->v);
    b->v[b->n++] = e;
    if (e.t_us < b->min_t_us) b->min_t_us = e.t_us;
}

/* Queues the entries of a box in a lane and empties it. */
static void px__unbox(px_box *b, sim__lane *l) {
    evq_push_many(&l->queue, b->v, b->n);
    b->n = 0;
    b->min_t_us = INT64_MAX;
}

static void px__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token) {
    px *p = ctx;
    /* Between windows a timer due at once runs after the current command or
     * own entry, as in the sequential run. */
    sim__lane *l = px__self ? &px__self->lane
                 : at_us <= p->own.now_us ? &p->own : &p->w[px__part(p, node_id)].lane;
    sim__lane_push_timer(l, node_id, at_us, kind, token);
}

static void px__emit(void *ctx, const sim_event *ev) { sim__emit(((px *)ctx)->s, ev); }
static bool px__mining_enabled(void *ctx) { return sim__mining_enabled(((px *)ctx)->s); }

static bool px__defer(sim *s, const sim_event *ev) {
    px_worker *me = px__self;
    if (!me) return false;
    me->evs = xgrow(me->evs, &me->cap_evs, me->n_evs + 1, sizeof *me->evs);
    me->evs[me->n_evs++] = (px_ev){me->lane.cur_t_us, me->lane.cur_key, *ev};
    if (ev->tx) tx_ref((tx *)ev->tx); /* the message that carries it may go first */
    if (sim__reaches_stop_height(s, ev)) me->stops = true;
    return true;
}

/* Runs worker w's lane up to (not including) `end`, after queueing what
 * the others sent it in the last window. */
static void px__run_lane(px_worker *w, int64_t end, bool winding) {
    px__self = w;
    sim__lane *l = &w->lane;
    for (int i = 0; i < w->p->n; i++) px__unbox(&w->in[i], l);
    const heap_entry *top;
    while ((top = evq_peek(&l->queue)) && top->t_us < end) {
        heap_entry e;
        evq_pop(&l->queue, &e);
        if (sim__lane_void(l, &e, winding)) continue;
        sim__lane_run_node(l, &e);
        sim__lane_run_due(l, winding);
    }
    px__self = NULL;
}

static void px__take_behind(px_worker *w);

enum { PX_WINDOW, PX_SEARCH };
/* Nonces per batch of a split search: ~1 ms of hashing at 4 M tries/s. */
#define PX_SEARCH_BATCH 4096

/* Takes batches of the split search in increasing order until one starts
 * past the lowest valid nonce found: every batch below it is searched to
 * its end, so the lowest found is the lowest of the range, as one thread
 * searching from the start would find. */
static void px__search_share(px *p) {
    const uint64_t end = p->s_start + p->s_count;
    for (;;) {
        uint64_t b = atomic_fetch_add_explicit(&p->s_next, 1, memory_order_relaxed);
        uint64_t lo = p->s_start + b * PX_SEARCH_BATCH;
        if (lo >= end || lo >= atomic_load_explicit(&p->s_best, memory_order_acquire)) return;
        uint64_t n = end - lo < PX_SEARCH_BATCH ? end - lo : PX_SEARCH_BATCH, tries;
        block *found = pow_job_search(p->s_job, lo, n, &tries);
        if (!found) continue;
        block_unref(found);
        uint64_t nonce = lo + tries - 1, best = atomic_load(&p->s_best);
        while (nonce < best && !atomic_compare_exchange_weak(&p->s_best, &best, nonce)) {
        }
    }
}

/* How long a waiting thread spins before it sleeps. A window often lasts
 * microseconds, and on a virtual machine sleeping is dear: the wake-up of
 * an idle vCPU cost ~100 us of system time here (1.8 s for 19,000 context
 * switches in the 10,000-node run, 2026-12-03), against ~0.3 ms of work
 * per worker in one of its windows. After PX_SPIN_PAUSES pauses it calls
 * sched_yield, so on a loaded machine it hands the core to whatever else
 * can run (the worker it waits for, often) instead of burning it. */
#define PX_SPIN_PAUSES 2000
#define PX_SPIN_NS 400000

static inline void px__relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* One turn of a wait's spin; false once it has lasted PX_SPIN_NS (*t0 is
 * when its yielding part began, 0 before). */
static inline bool px__spin_on(int *spins, int64_t *t0) {
    if (++*spins < PX_SPIN_PAUSES) {
        px__relax();
        return true;
    }
    sched_yield();
    int64_t now = clock_now_ns();
    if (!*t0) *t0 = now;
    return now - *t0 < PX_SPIN_NS;
}

static void *px__thread(void *arg) {
    px_worker *w = arg;
    px *p = w->p;
    uint_fast64_t seen = w->seen;
    int64_t cpu0 = clock_thread_cpu_ns(), t_idle = clock_now_ns();
    for (;;) {
        uint_fast64_t g;
        int spins = 0;
        int64_t t0 = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
               px__spin_on(&spins, &t0)) {
        }
        if (g == seen) {
            w->sleeps++;
            pthread_mutex_lock(&p->lock);
            while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen)
                pthread_cond_wait(&p->go, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        seen = g;
        int64_t t_run = clock_now_ns();
        w->wait_ns += t_run - t_idle;
        if (atomic_load(&p->quit)) {
            w->cpu_ns += clock_thread_cpu_ns() - cpu0;
            return NULL;
        }
        if (p->task == PX_SEARCH) {
            px__search_share(p);
        } else {
            px__run_lane(w, p->end, p->winding_now);
            t_idle = clock_now_ns();
            w->run_ns += t_idle - t_run;
            px__take_behind(w);
        }
        t_idle = clock_now_ns();
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->idle);
            pthread_mutex_unlock(&p->lock);
        }
    }
}

/* Moves every outbox into its lane on this thread (between windows). */
static void px__flush_outboxes(px *p) {
    for (int i = 0; i < p->n; i++) {
        px_worker *w = &p->w[i];
        for (int j = 0; j < p->n; j++) {
            p->cross += w->out[j].n;
            px__unbox(&w->out[j], &p->w[j].lane);
            px__unbox(&w->in[j], &w->lane);
        }
    }
}

/* Hands every outbox to its receiver (between windows): a swap of
 * buffers, so that the receivers queue the entries themselves, side by
 * side, when the next window begins. The inboxes are empty. */
static void px__hand_over(px *p) {
    for (int i = 0; i < p->n; i++) {
        for (int j = 0; j < p->n; j++) {
            px_box *o = &p->w[i].out[j], *in = &p->w[j].in[i];
            p->cross += o->n;
            px_box t = *in;
            *in = *o;
            *o = t;
        }
    }
}

/* The earliest entry in the outboxes for worker j (INT64_MAX: none). */
static int64_t px__boxed_min(const px *p, int j) {
    int64_t t = INT64_MAX;
    for (int i = 0; i < p->n; i++)
        if (p->w[i].out[j].min_t_us < t) t = p->w[i].out[j].min_t_us;
    return t;
}

static bool px__ev_before(const px_ev *a, const px_ev *b) {
    return a->t_us < b->t_us || (a->t_us == b->t_us && a->key < b->key);
}

/* Hands one window's events to the sinks in the sequential order: each
 * worker's are in (time, key) order already; take the earliest head.
 * `behind`: the buffers of the last window (else this one's). */
static void px__merge(px *p, bool behind) {
    for (;;) {
        px_worker *best = NULL;
        const px_ev *bx = NULL;
        for (int i = 0; i < p->n; i++) {
            px_worker *w = &p->w[i];
            const px_ev *v = behind ? w->behind : w->evs;
            size_t n = behind ? w->n_behind : w->n_evs;
            if (w->ev_pos < n && (!best || px__ev_before(&v[w->ev_pos], bx)))
                best = w, bx = &v[w->ev_pos];
        }
        if (!best) break;
        best->ev_pos++;
        p->merged++;
        p->merged_behind += behind;
        sim__dispatch(p->s, &bx->ev);
        tx_unref((tx *)bx->ev.tx);
    }
    for (int i = 0; i < p->n; i++) {
        px_worker *w = &p->w[i];
        w->ev_pos = 0;
        if (behind) w->n_behind = 0;
        else w->n_evs = 0;
    }
}

/* Merges the last window's events now if they are still behind. */
static void px__settle(px *p) {
    if (!p->behind) return;
    int64_t t0 = clock_now_ns(), c0 = clock_thread_cpu_ns();
    px__merge(p, true);
    p->behind = false;
    p->merge_ns += clock_now_ns() - t0;
    p->merge_cpu_ns += clock_thread_cpu_ns() - c0;
}

/* The window's events wait for the merge behind (the buffers swap). */
static void px__leave_behind(px *p) {
    for (int i = 0; i < p->n; i++) {
        px_worker *w = &p->w[i];
        px_ev *v = w->behind;
        size_t cap = w->cap_behind;
        w->behind = w->evs, w->n_behind = w->n_evs, w->cap_behind = w->cap_evs;
        w->evs = v, w->n_evs = 0, w->cap_evs = cap;
    }
    p->behind = true;
}

/* Merges the last window's events on w's thread, counted as its work. */
static void px__merge_behind(px_worker *w) {
    int64_t t0 = clock_now_ns(), c0 = clock_thread_cpu_ns();
    px__merge(w->p, true);
    w->behind_ns += clock_now_ns() - t0;
    w->behind_cpu_ns += clock_thread_cpu_ns() - c0;
}

/* Runs the merge behind on this worker's thread if nobody has taken it:
 * called by each worker when its lane is done, so the first to finish
 * merges while the others still run (the sinks only read their events;
 * the barrier orders this before the window's end). */
static void px__take_behind(px_worker *w) {
    if (atomic_exchange_explicit(&w->p->behind_free, false, memory_order_acq_rel))
        px__merge_behind(w);
}

static void px__start_threads(px *p) {
    p->threads_up = true;
    atomic_store(&p->quit, false);
    for (int i = 1; i < p->n; i++) {
        p->w[i].seen = atomic_load(&p->gen);
        if (pthread_create(&p->w[i].thread, NULL, px__thread, &p->w[i]) != 0) abort();
    }
}

/* Wakes the other threads for p->task. */
static void px__wake(px *p) {
    if (!p->threads_up) px__start_threads(p);
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->lock);
}

/* Waits until every other thread is done with p->task. */
static void px__wait(px *p) {
    int spins = 0;
    int64_t t0 = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0 && px__spin_on(&spins, &t0)) {
    }
    if (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
        p->w[0].sleeps++;
        pthread_mutex_lock(&p->lock);
        while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
            pthread_cond_wait(&p->idle, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}

/* node_env.search: in a window only the calling thread runs (a block is
 * sealed while the rest of the network is quiet, ~10% of a 10,000-node
 * run, all of it on one thread), the other workers sleep: they search
 * with it, in batches; the result is pow_job_search's, nonce and tries.
 * Anywhere else the node searches alone. */
static block *px__search(void *ctx, pow_job *job, uint64_t start, uint64_t count,
                         uint64_t *tries) {
    px *p = ctx;
    if (!p->solo || count < 4 * PX_SEARCH_BATCH)
        return pow_job_search(job, start, count, tries);
    p->s_job = job;
    p->s_start = start;
    p->s_count = count;
    atomic_store(&p->s_next, 0);
    atomic_store(&p->s_best, UINT64_MAX);
    p->task = PX_SEARCH;
    p->searches_split++;
    px__wake(p);
    px__search_share(p);
    px__wait(p);
    p->task = PX_WINDOW;
    uint64_t best = atomic_load(&p->s_best);
    if (best == UINT64_MAX) {
        *tries = count;
        return NULL;
    }
    uint64_t one;
    *tries = best - start + 1;
    return pow_job_search(job, best, 1, &one);
}

/* Runs the window [.., end) on every worker that has work in it; one such
 * worker runs on the calling thread without waking anyone. */
static uint64_t px__entries(const px *p) {
    uint64_t n = 0;
    for (int i = 0; i < p->n; i++) n += p->w[i].lane.events_handled;
    return n;
}

static void px__window(px *p, int64_t end) {
    int64_t t0 = clock_now_ns(), c0 = clock_thread_cpu_ns();
    uint64_t e0 = px__entries(p);
    int busy = 0, last = -1;
    for (int i = 0; i < p->n; i++) {
        const heap_entry *top = evq_peek(&p->w[i].lane.queue);
        if ((top && top->t_us < end) || px__boxed_min(p, i) < end) busy++, last = i;
    }
    p->windows++;
    int64_t t_run = t0, t_merged = t0;
    if (busy <= 1) {
        px__flush_outboxes(p);
        p->solo = true;
        if (busy == 1) px__run_lane(&p->w[last], end, p->wind.winding);
        p->solo = false;
        t_run = clock_now_ns();
        if (p->behind) px__merge_behind(&p->w[0]); /* only this thread runs */
        t_merged = clock_now_ns();
    } else if (busy > 1) {
        p->windows_shared++;
        px__hand_over(p);
        p->end = end;
        p->winding_now = p->wind.winding;
        atomic_store_explicit(&p->behind_free, p->behind, memory_order_relaxed);
        p->task = PX_WINDOW;
        px__wake(p);
        px__run_lane(&p->w[0], end, p->wind.winding);
        t_run = clock_now_ns();
        px__take_behind(&p->w[0]); /* unless another worker finished first */
        t_merged = clock_now_ns();
        px__wait(p);
    }
    int64_t t_done = clock_now_ns(), c_done = clock_thread_cpu_ns();
    p->window_cpu_ns += c_done - c0;
    uint64_t ran = px__entries(p) - e0;
    p->entries += ran;
    if (busy > 1) p->entries_shared += ran;
    p->behind = false; /* merged by whoever finished first */
    p->w[0].run_ns += t_run - t0;
    p->w[0].wait_ns += t_done - t_merged;
    p->window_ns += t_done - t0;
    bool stops = false;
    for (int i = 0; i < p->n; i++) stops |= p->w[i].stops, p->w[i].stops = false;
    if (!stops) {
        px__leave_behind(p);
        return;
    }
    /* The stop height's sink must see them before the next window. */
    px__merge(p, false);
    p->merge_ns += clock_now_ns() - t_done;
    p->merge_cpu_ns += clock_thread_cpu_ns() - c_done;
}

static bool px__accepts(const sim_desc *desc, char *err, size_t err_len) {
    return sim__virtual_ops.accepts(desc, err, err_len);
}

static void px__init(sim *s) {
    px *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->speed = s->desc.speed > 0 ? s->desc.speed : 1.0;
    p->n = s->desc.parallel < s->n_nodes ? s->desc.parallel : s->n_nodes;
    p->chunk = (s->n_nodes + p->n - 1) / p->n;
    p->n = (s->n_nodes + p->chunk - 1) / p->chunk; /* no empty partition */
    p->made = xcalloc((size_t)s->n_nodes + 1, sizeof *p->made);
    sim__lane_init(&p->own, s, p->made);
    p->w = aligned_alloc(_Alignof(px_worker), (size_t)p->n * sizeof *p->w);
    if (!p->w) abort();
    memset(p->w, 0, (size_t)p->n * sizeof *p->w);
    for (int i = 0; i < p->n; i++) {
        px_worker *w = &p->w[i];
        w->p = p;
        w->id = i;
        sim__lane_init(&w->lane, s, p->made);
        w->out = xcalloc((size_t)p->n, sizeof *w->out);
        w->in = xcalloc((size_t)p->n, sizeof *w->in);
        for (int j = 0; j < p->n; j++) w->out[j].min_t_us = w->in[j].min_t_us = INT64_MAX;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->idle, NULL);
    s->exec = p;
    s->env = (node_env){.ctx = p, .now_us = px__now, .send = px__send,
                        .set_timer = px__set_timer, .emit = px__emit,
                        .mining_enabled = px__mining_enabled, .search = px__search};
}

static void px__stop_threads(px *p) {
    if (!p->threads_up) return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->quit, true);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->lock);
    for (int i = 1; i < p->n; i++) pthread_join(p->w[i].thread, NULL);
    p->threads_up = false;
}

static void px__free(sim *s) {
    px *p = px__of(s);
    if (!p) return;
    px__stop_threads(p);
    px__flush_outboxes(p);
    for (int i = 0; i < p->n; i++) {
        px_worker *w = &p->w[i];
        for (size_t k = 0; k < w->n_evs; k++) tx_unref((tx *)w->evs[k].ev.tx);
        for (size_t k = 0; k < w->n_behind; k++) tx_unref((tx *)w->behind[k].ev.tx);
        sim__lane_cleanup(&w->lane);
        for (int j = 0; j < p->n; j++) free(w->out[j].v), free(w->in[j].v);
        free(w->out);
        free(w->in);
        free(w->evs);
        free(w->behind);
    }
    sim__lane_cleanup(&p->own);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->idle);
    free(p->w);
    free(p->made);
    free(p);
    s->exec = NULL;
}

int sim__parallel_workers(const sim *s) { return px__of(s)->n; }

void sim__parallel_stats(const sim *s, sim_par_stats *out) {
    const px *p = px__of(s);
    *out = (sim_par_stats){.workers = p->n, .windows = p->windows,
                           .windows_shared = p->windows_shared, .entries = p->entries,
                           .entries_shared = p->entries_shared, .cross = p->cross,
                           .merged = p->merged, .merged_behind = p->merged_behind,
                           .searches_split = p->searches_split, .wall_s = (double)p->wall_ns / 1e9,
                           .serial_s = (double)(p->wall_ns - p->window_ns) / 1e9,
                           .merge_s = (double)p->merge_ns / 1e9,

                           .serial_cpu_s = (double)(p->w[0].cpu_ns - p->window_cpu_ns) / 1e9,
                           .merge_cpu_s = (double)p->merge_cpu_ns / 1e9};
    for (int i = 0; i < p->n; i++) {
        int k = i < SIM_PAR_STATS_WORKERS ? i : SIM_PAR_STATS_WORKERS - 1;
        out->run_s[k] += (double)p->w[i].run_ns / 1e9;
        out->wait_s[k] += (double)p->w[i].wait_ns / 1e9;
        out->cpu_s[k] += (double)p->w[i].cpu_ns / 1e9;
        out->sleeps[k] += p->w[i].sleeps;
        out->behind_s += (double)p->w[i].behind_ns / 1e9;
        out->behind_cpu_s += (double)p->w[i].behind_cpu_ns / 1e9;
    }
}

static void px__command(sim *s, int node_id, node_cmd *cmd) {
    px *p = px__of(s);
    px__settle(p);
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    node_handle(s->nodes[node_id], m);
    sim__lane_run_due(&p->own, p->wind.winding);
}

static void px__begin(px *p) {
    p->started = true;
    sim__lane_begin(&p->own, &p->wind);
}

static cs_err px__start(sim *s) {
    px *p = px__of(s);
    if (p->started) return CS_EEXIST;
    px__begin(p);
    return CS_OK;
}

/* The lane with the earliest entry: a worker's index, PX_OWN for the run's
 * own (first at a tie: their keys are the smallest), PX_NONE if all are
 * empty. *top is its entry. */
enum { PX_OWN = -1, PX_NONE = -2 };

static int px__earliest(px *p, const heap_entry **top) {
    int best = PX_NONE;
    const heap_entry *bt = NULL;
    for (int i = PX_OWN; i < p->n; i++) {
        const heap_entry *t = evq_peek(i == PX_OWN ? &p->own.queue : &p->w[i].lane.queue);
        if (t && (!bt || t->t_us < bt->t_us || (t->t_us == bt->t_us && t->seq < bt->seq)))
            best = i, bt = t;
    }
    *top = bt;
    return best;
}

/* sim_step: one entry (not void) from the merged lanes, no window. */
static void px__step(px *p) {
    const heap_entry *top;
    int i;
    px__settle(p);
    while ((i = px__earliest(p, &top)) != PX_NONE) {
        sim__wind_if_due(p->s, &p->wind, top->t_us);
        if (top->t_us > p->wind.drain_until) return;
        sim__lane *l = i == PX_OWN ? &p->own : &p->w[i].lane;
        heap_entry e;
        evq_pop(&l->queue, &e);
        if (i == PX_OWN) {
            if (!sim__lane_run_own(&p->own, &e, &p->wind)) continue;
            return;
        }
        if (sim__lane_void(l, &e, p->wind.winding)) continue;
        px__self = &p->w[i];
        sim__lane_run_node(l, &e);
        sim__lane_run_due(l, p->wind.winding);
        px__self = NULL;
        px__flush_outboxes(p);
        px__merge(p, false);
        sim__wind_note(p->s, &p->wind, false, 0);
        return;
    }
}

static int64_t px__clock(const px *p) {
    int64_t t = p->own.now_us;
    for (int i = 0; i < p->n; i++)
        if (p->w[i].lane.now_us > t) t = p->w[i].lane.now_us;
    return t;
}

/* Every lane's clock to t: what the run's own entries and sim_now see. */
static void px__set_clocks(px *p, int64_t t) {
    p->own.now_us = t;
    for (int i = 0; i < p->n; i++) p->w[i].lane.now_us = t;
}

static bool px__advance_(sim *s, int64_t until_us, uint64_t max_events);

/* Counts the calling thread's wall and CPU time (sim_par_stats). */
static bool px__advance(sim *s, int64_t until_us, uint64_t max_events) {
    px *p = px__of(s);
    int64_t t0 = clock_now_ns(), cpu0 = clock_thread_cpu_ns();
    bool r = px__advance_(s, until_us, max_events);
    p->wall_ns += clock_now_ns() - t0;
    p->w[0].cpu_ns += clock_thread_cpu_ns() - cpu0;
    return r;
}

static bool px__advance_(sim *s, int64_t until_us, uint64_t max_events) {
    px *p = px__of(s);
    if (!p->started) px__begin(p);
    if (p->done) return true;
    int64_t last_report = clock_now_us();
    uint64_t windows = 0;
    const heap_entry *top;
    int i;
    if (max_events != UINT64_MAX) {
        for (uint64_t k = 0; k < max_events && px__earliest(p, &top) != PX_NONE &&
                             top->t_us <= until_us; k++) {
            px__step(p);
            px__set_clocks(p, px__clock(p));
        }
    } else {
        for (;;) {
            /* The earliest entry: in a lane, or in an outbox of the last
             * window (not yet queued; the run's own entries first at a tie). */
            i = px__earliest(p, &top);
            int64_t w_us = top ? top->t_us : INT64_MAX, boxed = INT64_MAX;
            for (int j = 0; j < p->n; j++) {
                int64_t b = px__boxed_min(p, j);
                if (b < boxed) boxed = b;
            }
            if (boxed < w_us) w_us = boxed, i = 0;
            if (i == PX_NONE) break;
            if (w_us > until_us) break;
            sim__wind_if_due(p->s, &p->wind, w_us);
            if (w_us > p->wind.drain_until) break;
            if (i == PX_OWN) {
                heap_entry e;
                px__settle(p); /* its events come after the windows' */
                evq_pop(&p->own.queue, &e);
                sim__lane_run_own(&p->own, &e, &p->wind);
                continue;
            }
            int64_t end = sim__grid_after(s, w_us);
            const heap_entry *own = evq_peek(&p->own.queue);
            if (own && own->t_us < end) end = own->t_us;
            if (until_us != INT64_MAX && until_us + 1 < end) end = until_us + 1;
            if (p->wind.drain_until != INT64_MAX && p->wind.drain_until + 1 < end)
                end = p->wind.drain_until + 1;
            px__window(p, end);
            sim__wind_note(p->s, &p->wind, false, 0);
            p->own.now_us = px__clock(p);
            if (s->desc.progress && (++windows & 0xff) == 0) {
                int64_t wall = clock_now_us();
                if (wall - last_report > 250000) {
                    last_report = wall;
                    s->desc.progress(s->desc.progress_user, p->own.now_us,
                                     s->end_us == INT64_MAX ? 0 : s->end_us);
                }
            }
        }
    }
    px__settle(p);
    px__flush_outboxes(p);
    if (px__earliest(p, &top) != PX_NONE) sim__wind_if_due(p->s, &p->wind, top->t_us);
    if (!top || top->t_us > p->wind.drain_until) {
        p->done = true;
        s->final_us = px__clock(p);
        px__stop_threads(p);
        return true;
    }
    if (max_events == UINT64_MAX && until_us != INT64_MAX && until_us > px__clock(p))
        px__set_clocks(p, until_us);
    return false;
}

static void px__inject(sim *s, msg *m) {
    px *p = px__of(s);
    px__settle(p);
    if (m->kind == MSG_COMMAND) {
        node_handle(s->nodes[m->to], m);
        sim__lane_run_due(&p->own, p->wind.winding);
        return;
    }
    m->deliver_us = p->own.now_us;
    sim__lane_push_msg(&p->w[px__part(p, m->to)].lane, m);
    p->done = false; /* a finished run goes on with what came from outside */
}

static void px__stop(sim *s) { (void)s; /* nothing runs unless called */ }
static int64_t px__now_of(const sim *s) { return px__now(px__of(s)); }

static void px__set_clock(sim *s, double speed, int paused) {
    px *p = px__of(s);
    if (speed > 0) p->speed = speed;
    if (paused >= 0) p->paused = paused != 0;
}

static double px__speed(const sim *s) { return px__of(s)->speed; }
static bool px__paused(const sim *s) { return px__of(s)->paused; }
static bool px__finished(const sim *s) { return px__of(s)->done; }

static void px__sends(const sim *s, sim_sends *out) {
    const px *p = px__of(s);
    sim_sends_add(out, &p->own.sends);
    for (int i = 0; i < p->n; i++) sim_sends_add(out, &p->w[i].lane.sends);
}

static uint64_t px__events_handled(const sim *s) {
    const px *p = px__of(s);
    uint64_t n = p->own.events_handled;
    for (int i = 0; i < p->n; i++) n += p->w[i].lane.events_handled;
    return n;
}

const sim__ops sim__parallel_ops = {
    .accepts = px__accepts,
    .init = px__init,
    .free = px__free,
    .start = px__start,
    .advance = px__advance,
    .wait = NULL,
    .stop = px__stop,
    .now = px__now_of,
    .inject = px__inject,
    .command = px__command,
    .set_clock = px__set_clock,
    .speed = px__speed,
    .paused = px__paused,
    .finished = px__finished,
    .events_handled = px__events_handled,
    .sends = px__sends,
    .defer = px__defer,
    .concurrent = false,
};
