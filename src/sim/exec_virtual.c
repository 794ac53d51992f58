/* exec_virtual.c - the virtual-time executor: one thread, one queue.
 *
 * Everything that will happen is an entry in one lane (exec_lane.h), ordered
 * by (time, key): message deliveries, node timers, scenario events, traffic
 * ticks and the end. The loop pops the earliest, sets the clock to its time
 * and runs it; nothing else runs meanwhile, so the same scenario and seed
 * always produce the same sequence - the one the parallel executor
 * reproduces on several threads.
 *
 * Winding down: the end of the run's time winds down at once; a stop height
 * reached at time t winds down from the next multiple of the lookahead
 * after t (sim__wind_at), the point up to which a parallel run has already
 * gone when it learns of the stop.
 *
 * Driven: the caller moves the clock (sim_run, sim_run_until, sim_step, or
 * sim_advance_wall with the speed and pause a window sets). Its state is
 * private (struct vx, behind s->exec and env.ctx). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/exec_lane.h"
#include "util/clock.h"
#include "util/mem.h"

typedef struct vx {
    sim *s;
    sim__lane lane;
    uint64_t *made;            /* the lane's keys per origin */
    bool started, done;
    sim__wind wind;
    double speed;              /* sim_advance_wall: sim seconds per wall second */
    bool paused;               /* sim_advance_wall: the clock stands */
} vx;

static inline vx *vx__of(const sim *s) { return s->exec; }

static int64_t vx__now(void *ctx) { return ((vx *)ctx)->lane.now_us; }

static void vx__send(void *ctx, msg *m) {
    vx *v = ctx;
    if (sim__route(v->s, m, v->lane.now_us, &v->lane.sends)) sim__lane_push_msg(&v->lane, m);
}

static void vx__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token) {
    sim__lane_push_timer(&((vx *)ctx)->lane, node_id, at_us, kind, token);
}

static void vx__emit(void *ctx, const sim_event *ev) { sim__emit(((vx *)ctx)->s, ev); }
static bool vx__mining_enabled(void *ctx) { return sim__mining_enabled(((vx *)ctx)->s); }

static bool vx__accepts(const sim_desc *desc, char *err, size_t err_len) {
    const scenario *scn = desc->scn;
    if (scn->n_nodes > SIM__MAX_NODES) {
        snprintf(err, err_len, "%s: the virtual executor runs at most %d nodes", scn->path,
                 SIM__MAX_NODES);
        return false;
    }
    if (scn->mining == NODE_MINING_RACE) {
        snprintf(err, err_len,
                 "%s: race mining needs the threads executor (--executor threads)", scn->path);
        return false;
    }
    return true;
}

static void vx__init(sim *s) {
    vx *v = xcalloc(1, sizeof *v);
    v->s = s;
    v->speed = s->desc.speed > 0 ? s->desc.speed : 1.0;
    v->made = xcalloc((size_t)s->n_nodes + 1, sizeof *v->made);
    sim__lane_init(&v->lane, s, v->made);
    s->exec = v;
    s->env = (node_env){.ctx = v, .now_us = vx__now, .send = vx__send,
                        .set_timer = vx__set_timer, .emit = vx__emit,
                        .mining_enabled = vx__mining_enabled};
}

/* Frees what is still queued (messages in flight when the run ended). */
static void vx__free(sim *s) {
    vx *v = vx__of(s);
    if (!v) return;
    sim__lane_cleanup(&v->lane);
    free(v->made);
    free(v);
    s->exec = NULL;
}

static void vx__command(sim *s, int node_id, node_cmd *cmd) {
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    node_handle(s->nodes[node_id], m);
    sim__lane_run_due(&vx__of(s)->lane, vx__of(s)->wind.winding);
}

static void vx__begin(vx *v) {
    v->started = true;
    sim__lane_begin(&v->lane, &v->wind);
}

static cs_err vx__start(sim *s) {
    vx *v = vx__of(s);
    if (v->started) return CS_EEXIST;
    vx__begin(v);
    return CS_OK;
}

/* Runs one entry (not void), then the timers it made due at once; false
 * if it was consumed without running (traffic once winding down). */
static bool vx__run_entry(vx *v, const heap_entry *e) {
    unsigned tag = sim__tag(e->aux);
    if (!e->item && tag >= TAG_SCENARIO && tag <= TAG_END)
        return sim__lane_run_own(&v->lane, e, &v->wind);
    sim__lane_run_node(&v->lane, e);
    sim__lane_run_due(&v->lane, v->wind.winding);
    sim__wind_note(v->s, &v->wind, false, v->lane.now_us);
    return true;
}

static bool vx__advance(sim *s, int64_t until_us, uint64_t max_events) {
    vx *v = vx__of(s);
    if (!v->started) vx__begin(v);
    if (v->done) return true;
    int64_t last_report = clock_now_us();
    uint64_t ran = 0;
    const heap_entry *top;
    while (ran < max_events && (top = evq_peek(&v->lane.queue)) && top->t_us <= until_us) {
        sim__wind_if_due(s, &v->wind, top->t_us);
        if (top->t_us > v->wind.drain_until) break;
        heap_entry e;
        evq_pop(&v->lane.queue, &e);
        if (sim__lane_void(&v->lane, &e, v->wind.winding) || !vx__run_entry(v, &e)) continue;
        ran++;
        if (s->desc.progress && (ran & 0xffff) == 0) {
            int64_t wall = clock_now_us();
            if (wall - last_report > 250000) {
                last_report = wall;
                s->desc.progress(s->desc.progress_user, v->lane.now_us,
                                 s->end_us == INT64_MAX ? 0 : s->end_us);
            }
        }
    }
    top = evq_peek(&v->lane.queue);
    if (top) sim__wind_if_due(s, &v->wind, top->t_us);
    if (!top || top->t_us > v->wind.drain_until) {
        v->done = true;
        s->final_us = v->lane.now_us;
        return true;
    }
    if (ran < max_events && until_us != INT64_MAX && until_us > v->lane.now_us)
        v->lane.now_us = until_us;
    return false;
}

static void vx__inject(sim *s, msg *m) {
    vx *v = vx__of(s);
    if (m->kind == MSG_COMMAND) {
        node_handle(s->nodes[m->to], m);
        sim__lane_run_due(&v->lane, v->wind.winding);
        return;
    }
    m->deliver_us = v->lane.now_us;
    sim__lane_push_msg(&v->lane, m);
    v->done = false; /* a finished run goes on with what came from outside */
}

static void vx__stop(sim *s) { (void)s; /* nothing runs unless called */ }
static int64_t vx__now_of(const sim *s) { return vx__of(s)->lane.now_us; }

static void vx__set_clock(sim *s, double speed, int paused) {
    vx *v = vx__of(s);
    if (speed > 0) v->speed = speed;
    if (paused >= 0) v->paused = paused != 0;
}

static double vx__speed(const sim *s) { return vx__of(s)->speed; }
static bool vx__paused(const sim *s) { return vx__of(s)->paused; }
static bool vx__finished(const sim *s) { return vx__of(s)->done; }
static uint64_t vx__events_handled(const sim *s) { return vx__of(s)->lane.events_handled; }
static void vx__sends(const sim *s, sim_sends *out) { sim_sends_add(out, &vx__of(s)->lane.sends); }

const sim__ops sim__virtual_ops = {
    .accepts = vx__accepts,
    .init = vx__init,
    .free = vx__free,
    .start = vx__start,
    .advance = vx__advance,
    .wait = NULL,
    .stop = vx__stop,
    .now = vx__now_of,
    .inject = vx__inject,
    .command = vx__command,
    .set_clock = vx__set_clock,
    .speed = vx__speed,
    .paused = vx__paused,
    .finished = vx__finished,
    .events_handled = vx__events_handled,
    .sends = vx__sends,
    .concurrent = false,
};
