/* exec_threads.c - the threads executor: one thread per node, real time.
 *
 * Each node thread owns its node, its mailbox's receiving end and a local
 * heap of things due later (messages in flight to it, its timers). A sender
 * computes the arrival time on the wire and puts the message straight into
 * the receiver's mailbox; the receiver holds it in its heap until it is due.
 * So a thread sleeps on one condition variable with one deadline, and one
 * wake-up brings any number of messages (mbox_take takes them all).
 *
 * Sim time = base_sim + (wall - base_wall) * speed, rebased on every speed
 * change or pause so it never jumps; paused, it stands still and threads
 * sleep until woken. A director thread plays the scenario's timeline and
 * traffic, watches the stop rules, winds down (no more mining), waits for
 * messages in flight to drain, then stops the node threads.
 *
 * `in_flight` counts messages and commands sent but not yet handled or
 * dropped; zero means the network is quiet. */
#include <assert.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "sim/sim_int.h"
#include "util/cond.h"
#include "util/mem.h"

struct sim__thread {
    sim *s;
    node *n;
    mbox *mb;
    heap local; /* this thread only */
    pthread_t tid;
    bool running;
};

enum { THR_BATCH = 256 };
#define THR_DRAIN_WALL_US (5LL * 1000000)
#define THR_POLL_US 10000

const sim__clock *sim__threads_clock(sim *s) {
    return atomic_load_explicit(&s->clock, memory_order_acquire);
}

static int64_t thr__time(const sim__clock *c, int64_t wall_us) {
    if (!c->running || c->paused) return c->base_sim_us;
    return c->base_sim_us + (int64_t)((double)(wall_us - c->base_wall_us) * c->speed);
}

int64_t sim__threads_now(sim *s) { return thr__time(sim__threads_clock(s), clock_now_us()); }

void sim__threads_set_clock(sim *s, double speed, int paused, int running) {
    pthread_mutex_lock(&s->clock_lock);
    const sim__clock *cur = sim__threads_clock(s);
    int64_t wall = clock_now_us();
    sim__clock *c = xmalloc(sizeof *c);
    *c = (sim__clock){
        .speed = speed > 0 ? speed : cur->speed,
        .paused = paused < 0 ? cur->paused : paused != 0,
        .running = running < 0 ? cur->running : running != 0,
        .base_sim_us = thr__time(cur, wall),
        .base_wall_us = wall,
        .older = (sim__clock *)cur,
    };
    atomic_store_explicit(&s->clock, c, memory_order_release);
    pthread_cond_broadcast(&s->clock_cond);
    pthread_mutex_unlock(&s->clock_lock);
    if (s->threads)
        for (int i = 0; i < s->n_nodes; i++) mbox_wake(s->threads[i].mb);
}

/* The wall-clock moment sim time reaches t_us; -1 while paused. */
static int64_t thr__wall_of(sim *s, int64_t t_us) {
    const sim__clock *c = sim__threads_clock(s);
    if (c->paused || !c->running) return -1;
    double dt = (double)(t_us - c->base_sim_us) / c->speed;
    return c->base_wall_us + (dt > 0 ? (int64_t)dt + 1 : 0);
}

static int64_t thr__now(void *ctx) { return sim__threads_now(ctx); }

static void thr__drop(sim *s, msg *m, wire_fate fate) {
    sim__emit(s, &(sim_event){.kind = EV_MSG_DROPPED, .t_us = sim__threads_now(s), .node = m->to,
                              .peer = m->from, .msg = m->kind, .bytes = m->size_bytes,
                              .fate = fate});
    msg_free(m);
}

static void thr__send(void *ctx, msg *m) {
    sim *s = ctx;
    if (m->to >= s->n_nodes) {
        sim__send_remote(s, m);
        return;
    }
    int64_t now = sim__threads_now(s);
    int64_t arrive = 0;
    wire_fate fate = wire_route(s->wire, m->from, m->to, m->size_bytes, now, &arrive);
    if (sim__wants(s, EV_MSG_SENT))
        sim__emit(s, &(sim_event){.kind = EV_MSG_SENT, .t_us = now, .node = m->from, .peer = m->to,
                                  .msg = m->kind, .bytes = m->size_bytes, .block = m->block,
                                  .tx = m->tx, .arrive_us = fate == WIRE_DELIVER ? arrive : -1});
    if (fate != WIRE_DELIVER) {
        thr__drop(s, m, fate);
        return;
    }
    m->deliver_us = arrive;
    atomic_fetch_add(&s->in_flight, 1);
    int64_t due_wall = thr__wall_of(s, arrive);
    if (mbox_send_at(s->threads[m->to].mb, m, due_wall < 0 ? INT64_MIN : due_wall) != CS_OK) {
        atomic_fetch_sub(&s->in_flight, 1);
        msg_free(m);
    }
}

static void thr__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                           uint32_t token) {
    sim *s = ctx;
    heap_push(&s->threads[node_id].local, at_us, NULL, (uint64_t)kind << 32 | token);
}

static void thr__emit(void *ctx, const sim_event *ev) { sim__emit(ctx, ev); }

/* A node's work off its thread (mining) reports back through its mailbox,
 * and counts as in flight while it runs. */
static void thr__post(void *ctx, int node_id, node_cmd *cmd) { sim__threads_command(ctx, node_id, cmd); }
static void thr__hold(void *ctx, int delta) { atomic_fetch_add(&((sim *)ctx)->in_flight, delta); }

void sim__threads_env(node_env *env) {
    env->now_us = thr__now;
    env->send = thr__send;
    env->set_timer = thr__set_timer;
    env->emit = thr__emit;
    env->post = thr__post;
    env->hold = thr__hold;
}

/* A command that will never run (the sim stopped): tell whoever waits. */
static void thr__cancel_cmd(node_cmd *cmd) {
    cmd->error = "the simulation stopped";
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

void sim__threads_command(sim *s, int node_id, node_cmd *cmd) {
    if (!s->threads) { /* not started: nowhere to queue it */
        thr__cancel_cmd(cmd);
        return;
    }
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    atomic_fetch_add(&s->in_flight, 1);
    if (mbox_send(s->threads[node_id].mb, m) != CS_OK) {
        atomic_fetch_sub(&s->in_flight, 1);
        thr__dispose(m);
    }
}

void sim__threads_inject(sim *s, msg *m) {
    if (m->kind == MSG_COMMAND) {
        node_cmd *cmd = m->cmd;
        int to = m->to;
        m->cmd = NULL;
        msg_free(m);
        sim__threads_command(s, to, cmd);
        return;
    }
    if (!s->threads) {
        msg_free(m);
        return;
    }
    m->deliver_us = sim__threads_now(s);
    atomic_fetch_add(&s->in_flight, 1);
    if (mbox_send(s->threads[m->to].mb, m) != CS_OK) {
        atomic_fetch_sub(&s->in_flight, 1);
        msg_free(m);
    }
}

static void thr__deliver(sim *s, sim__thread *t, msg *m) {
    wire_fate fate = m->kind == MSG_COMMAND || m->from < 0 || m->from >= s->n_nodes
                         ? WIRE_DELIVER
                         : wire_check(s->wire, m->from, m->to);
    if (fate == WIRE_DELIVER && m->kind != MSG_COMMAND && t->n->crashed) fate = EV_DROP_CRASHED;
    if (fate != WIRE_DELIVER) {
        thr__drop(s, m, fate);
    } else {
        if (m->kind != MSG_COMMAND)
            sim__emit(s, &(sim_event){.kind = EV_MSG_DELIVERED, .t_us = sim__threads_now(s),
                                      .node = m->to, .peer = m->from, .msg = m->kind,
                                      .bytes = m->size_bytes, .arrive_us = m->deliver_us});
        node_handle(t->n, m);
    }
    atomic_fetch_sub(&s->in_flight, 1);
}

static void *thr__node_main(void *arg) {
    sim__thread *t = arg;
    sim *s = t->s;
    /* On Linux the nice value is per thread: this one only; never raised
     * above what the process has. Best effort (a failure leaves it as is). */
    if (s->desc.node_nice > getpriority(PRIO_PROCESS, 0))
        (void)setpriority(PRIO_PROCESS, 0, s->desc.node_nice);
    node_start(t->n);
    while (!atomic_load(&s->stopping)) {
        int64_t now = sim__threads_now(s);
        const heap_entry *top = heap_peek(&t->local);
        int64_t deadline = -1;
        if (top) deadline = top->t_us <= now ? 0 : thr__wall_of(s, top->t_us);
        msg *list = mbox_take(t->mb, deadline);
        now = sim__threads_now(s);
        while (list) {
            msg *m = list;
            list = m->next;
            m->next = NULL;
            heap_push(&t->local, m->kind == MSG_COMMAND ? now : m->deliver_us, m, 0);
        }
        for (int k = 0; k < THR_BATCH && !atomic_load(&s->stopping); k++) {
            top = heap_peek(&t->local);
            if (!top || top->t_us > now) break;
            heap_entry e;
            heap_pop(&t->local, &e);
            if (e.item) thr__deliver(s, t, e.item);
            else node_timer(t->n, (node_timer_kind)(e.aux >> 32), (uint32_t)e.aux);
        }
    }
    node_stop(t->n);
    return NULL;
}

/* Waits on the director's condition until wall time `wall_us` (or a short
 * poll interval, to notice stop rules and a quiet network). */
static void thr__director_sleep(sim *s, int64_t wall_us) {
    int64_t now = clock_now_us();
    int64_t until = now + THR_POLL_US;
    if (wall_us >= 0 && wall_us < until) until = wall_us;
    if (until <= now) return;
    struct timespec ts = cond_deadline_at_us(until);
    pthread_mutex_lock(&s->clock_lock);
    if (!atomic_load(&s->stopping)) pthread_cond_timedwait(&s->clock_cond, &s->clock_lock, &ts);
    pthread_mutex_unlock(&s->clock_lock);
}

static void *thr__director_main(void *arg) {
    sim *s = arg;
    const scenario *scn = s->scn;
    size_t next_ev = 0;
    bool traffic = scn->traffic.tx_per_s > 0;
    int64_t next_traffic = traffic ? scn->traffic.start_us : INT64_MAX;
    int quiet_polls = 0;
    while (!atomic_load(&s->stopping)) {
        int64_t now = sim__threads_now(s);
        if (sim__past_end(s, now)) break;
        while (next_ev < scn->n_events && scn->events[next_ev].at_us <= now)
            sim__apply_event(s, &scn->events[next_ev++]);
        if (traffic && next_traffic <= now) next_traffic = now + sim__traffic_tick(s);
        /* Nothing scheduled and the network quiet: the run is over. */
        bool idle_end = !s->desc.live && next_ev == scn->n_events && !traffic &&
                        s->end_us == INT64_MAX && scn->mining == MINING_MANUAL;
        if (idle_end && atomic_load(&s->in_flight) == 0) {
            if (++quiet_polls >= 3) break;
        } else {
            quiet_polls = 0;
        }
        int64_t next = s->end_us;
        if (next_ev < scn->n_events && scn->events[next_ev].at_us < next) next = scn->events[next_ev].at_us;
        if (next_traffic < next) next = next_traffic;
        thr__director_sleep(s, next == INT64_MAX ? -1 : thr__wall_of(s, next));
    }
    sim__wind_down(s);
    int64_t drain_start_wall = clock_now_us();
    int64_t drain_until = sim__threads_now(s) + SIM_DRAIN_US;
    while (!atomic_load(&s->stopping) && atomic_load(&s->in_flight) > 0 &&
           sim__threads_now(s) < drain_until && clock_now_us() - drain_start_wall < THR_DRAIN_WALL_US)
        thr__director_sleep(s, -1);
    s->final_us = sim__threads_now(s);
    atomic_store(&s->stopping, true);
    for (int i = 0; i < s->n_nodes; i++) mbox_wake(s->threads[i].mb);
    return NULL;
}

cs_err sim__threads_start(sim *s) {
    if (s->started) return CS_EEXIST;
    s->threads = xcalloc((size_t)s->n_nodes, sizeof *s->threads);
    for (int i = 0; i < s->n_nodes; i++) {
        s->threads[i].s = s;
        s->threads[i].n = &s->nodes[i];
        s->threads[i].mb = mbox_new();
        heap_init(&s->threads[i].local);
    }
    s->started = true;
    sim__threads_set_clock(s, 0, -1, 1);
    for (int i = 0; i < s->n_nodes; i++) {
        if (pthread_create(&s->threads[i].tid, NULL, thr__node_main, &s->threads[i]) != 0) {
            atomic_store(&s->stopping, true);
            sim__threads_stop(s);
            return CS_EIO;
        }
        s->threads[i].running = true;
    }
    if (pthread_create(&s->director, NULL, thr__director_main, s) != 0) {
        atomic_store(&s->stopping, true);
        sim__threads_stop(s);
        return CS_EIO;
    }
    s->director_running = true;
    return CS_OK;
}

/* Closes a stopped node's mailbox and cancels what is left, so a command
 * sent after the run completes at once (as cancelled) instead of waiting
 * for sim_free. */
static void thr__close_thread(sim__thread *t) {
    mbox_close(t->mb);
    for (msg *m = mbox_take(t->mb, 0), *next; m; m = next) {
        next = m->next;
        thr__dispose(m);
    }
    heap_entry e;
    while (heap_pop(&t->local, &e))
        if (e.item) thr__dispose(e.item);
}

/* Joins every thread once, whichever threads call it (sim_wait in one,
 * sim_stop in another): join_lock makes the second wait for the first. */
static void thr__join_all(sim *s) {
    pthread_mutex_lock(&s->join_lock);
    if (!s->finished) {
        if (s->director_running) pthread_join(s->director, NULL);
        s->director_running = false;
        for (int i = 0; i < s->n_nodes; i++) {
            if (!s->threads[i].running) continue;
            mbox_wake(s->threads[i].mb);
            pthread_join(s->threads[i].tid, NULL);
            s->threads[i].running = false;
        }
        for (int i = 0; i < s->n_nodes; i++) thr__close_thread(&s->threads[i]);
        s->finished = true;
    }
    pthread_mutex_unlock(&s->join_lock);
}

void sim__threads_wait(sim *s) {
    if (s->threads) thr__join_all(s);
}

void sim__threads_stop(sim *s) {
    if (!s->threads) return;
    atomic_store(&s->stopping, true);
    pthread_mutex_lock(&s->clock_lock);
    pthread_cond_broadcast(&s->clock_cond);
    pthread_mutex_unlock(&s->clock_lock);
    for (int i = 0; i < s->n_nodes; i++) mbox_wake(s->threads[i].mb);
    thr__join_all(s);
}

void sim__threads_free(sim *s) {
    if (!s->threads) return;
    for (int i = 0; i < s->n_nodes; i++) {
        sim__thread *t = &s->threads[i];
        thr__close_thread(t);
        heap_cleanup(&t->local);
        mbox_free(t->mb);
    }
    free(s->threads);
    s->threads = NULL;
}
