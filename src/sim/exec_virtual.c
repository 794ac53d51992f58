/* exec_virtual.c - the virtual-time executor: one thread, one queue.
 *
 * Everything that will happen is an entry in one min-heap ordered by (time,
 * insertion sequence): message deliveries (item = the msg), node timers,
 * scenario events, traffic ticks and the end. The loop pops the earliest,
 * sets the clock to its time and runs it; nothing else runs meanwhile, so
 * the same scenario and seed always produce the same sequence.
 *
 * Entries without a message pack their meaning into `aux`:
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
 * Driven: the caller moves the clock (sim_run, sim_run_until, sim_step, or
 * sim_advance_wall with the speed and pause a window sets). Its state is
 * private (struct vx, behind s->exec and env.ctx). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim_int.h"
#include "util/clock.h"
#include "util/evq.h"
#include "util/mem.h"

enum {
    TAG_TIMER_MINE = TIMER_MINE,
    TAG_TIMER_RACE = TIMER_RACE,
    TAG_TIMER_RESOLVE = TIMER_RESOLVE,
    TAG_TIMER_LAST = TIMER_CHURN, /* node timers are tags 1..TAG_TIMER_LAST */
    TAG_SCENARIO = 10,
    TAG_TRAFFIC,
    TAG_END,
    TAG_BLOCK_INV,
};

/* Buckets of 4 ms over 8.192 s: a message's latency fits within the horizon. */
#define VX_BUCKET_US 4000
#define VX_BUCKETS 2048
#define VX_MAX_NODES (1 << 24) /* node ids are 24 bits in an entry's aux */

typedef struct vx {
    sim *s;
    evq queue;
    int64_t now_us;
    uint64_t events_handled;
    bool started, winding, done;
    int64_t drain_until;
    double speed;              /* sim_advance_wall: sim seconds per wall second */
    bool paused;               /* sim_advance_wall: the clock stands */
} vx;

static inline vx *vx__of(const sim *s) { return s->exec; }

static inline uint64_t vx__aux(unsigned tag, int node_id, uint32_t low) {
    return (uint64_t)tag << 56 | (uint64_t)(uint32_t)node_id << 32 | low;
}

static int64_t vx__now(void *ctx) { return ((vx *)ctx)->now_us; }

static void vx__send(void *ctx, msg *m) {
    vx *v = ctx;
    if (!sim__route(v->s, m, v->now_us)) return;
    if ((m->kind == MSG_INV || m->kind == MSG_GETDATA) && m->block && !m->tx) {
        uint64_t aux = (uint64_t)TAG_BLOCK_INV << 56 | (uint64_t)m->kind << 48 |
                       (uint64_t)m->from << 24 | (uint64_t)m->to;
        evq_push(&v->queue, m->deliver_us, m->block, aux);
        msg_free(m);
        return;
    }
    evq_push(&v->queue, m->deliver_us, m, 0);
}

static void vx__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token) {
    vx *v = ctx;
    evq_push(&v->queue, at_us < v->now_us ? v->now_us : at_us, NULL,
             vx__aux((unsigned)kind, node_id, token));
}

static void vx__emit(void *ctx, const sim_event *ev) { sim__emit(((vx *)ctx)->s, ev); }
static bool vx__mining_enabled(void *ctx) { return sim__mining_enabled(((vx *)ctx)->s); }

static bool vx__accepts(const sim_desc *desc, char *err, size_t err_len) {
    const scenario *scn = desc->scn;
    if (scn->n_nodes > VX_MAX_NODES) {
        snprintf(err, err_len, "%s: the virtual executor runs at most %d nodes", scn->path,
                 VX_MAX_NODES);
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
    evq_init(&v->queue, VX_BUCKET_US, VX_BUCKETS);
    s->exec = v;
    s->env = (node_env){.ctx = v, .now_us = vx__now, .send = vx__send,
                        .set_timer = vx__set_timer, .emit = vx__emit,
                        .mining_enabled = vx__mining_enabled};
}

/* Frees what is still queued (messages in flight when the run ended). */
static void vx__free(sim *s) {
    vx *v = vx__of(s);
    if (!v) return;
    heap_entry e;
    while (evq_pop(&v->queue, &e))
        if (e.item && (unsigned)(e.aux >> 56) != TAG_BLOCK_INV) msg_free(e.item);
    evq_cleanup(&v->queue);
    free(v);
    s->exec = NULL;
}

static void vx__command(sim *s, int node_id, node_cmd *cmd) {
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    node_handle(s->nodes[node_id], m);
}

static void vx__deliver_block_inv(vx *v, block *b, uint64_t aux) {
    msg m = {
        .kind = (msg_kind)((aux >> 48) & 0xff),
        .from = (int)((aux >> 24) & 0xffffff),
        .to = (int)(aux & 0xffffff),
        .deliver_us = v->now_us,
        .block = b,
    };
    m.size_bytes = msg_wire_size(&m);
    sim__deliver(v->s, &m, v->now_us);
}

static void vx__begin(vx *v) {
    sim *s = v->s;
    const scenario *scn = s->scn;
    v->started = true;
    v->drain_until = INT64_MAX;
    /* This thread alone runs the sim from here (a window that drives it
     * calls sim_isolate from the same thread): the wire skips its mutex. */
    wire_set_single_thread(s->wire, true);
    for (int i = 0; i < s->n_nodes; i++) node_start(s->nodes[i]);
    for (size_t i = 0; i < scn->n_events; i++)
        if (scn->events[i].at_us <= s->end_us)
            evq_push(&v->queue, scn->events[i].at_us, NULL, vx__aux(TAG_SCENARIO, 0, (uint32_t)i));
    if (scn->traffic.tx_per_s > 0)
        evq_push(&v->queue, scn->traffic.start_us, NULL, vx__aux(TAG_TRAFFIC, 0, 0));
    if (s->end_us != INT64_MAX) evq_push(&v->queue, s->end_us, NULL, vx__aux(TAG_END, 0, 0));
}

static cs_err vx__start(sim *s) {
    vx *v = vx__of(s);
    if (v->started) return CS_EEXIST;
    vx__begin(v);
    return CS_OK;
}

/* Runs one entry. Void timers (a finished resolve, mining once winding
 * down) are consumed without moving the clock, so the end time is the last
 * event that mattered. */
static void vx__run_entry(vx *v, const heap_entry *e) {
    sim *s = v->s;
    unsigned tag = (unsigned)(e->aux >> 56);
    int node_id = (int)((e->aux >> 32) & 0xffffff);
    uint32_t low = (uint32_t)e->aux;
    if (!e->item && tag >= TAG_TIMER_MINE && tag <= TAG_TIMER_LAST &&
        (!node_timer_live(s->nodes[node_id], (node_timer_kind)tag, low) ||
         (v->winding && tag != TAG_TIMER_RESOLVE)))
        return;
    if (v->winding && tag == TAG_TRAFFIC) return;
    v->now_us = e->t_us;
    v->events_handled++;
    if (tag == TAG_BLOCK_INV) {
        vx__deliver_block_inv(v, e->item, e->aux);
    } else if (e->item) {
        sim__deliver(s, e->item, v->now_us);
        msg_free(e->item);
    } else {
        switch (tag) {
        case TAG_SCENARIO:
            if (!v->winding) sim__apply_event(s, &s->scn->events[low]);
            break;
        case TAG_TRAFFIC:
            evq_push(&v->queue, v->now_us + sim__traffic_tick(s), NULL, vx__aux(TAG_TRAFFIC, 0, 0));
            break;
        case TAG_END: atomic_store(&s->stop_reached, true); break;
        default: /* a node timer */
            node_timer(s->nodes[node_id], (node_timer_kind)tag, low);
            break;
        }
    }
    if (!v->winding && atomic_load(&s->stop_reached)) {
        v->winding = true;
        sim__wind_down(s);
        v->drain_until = v->now_us + SIM_DRAIN_US;
    }
}

static bool vx__advance(sim *s, int64_t until_us, uint64_t max_events) {
    vx *v = vx__of(s);
    if (!v->started) vx__begin(v);
    if (v->done) return true;
    int64_t last_report = clock_now_us();
    uint64_t ran = 0;
    const heap_entry *top;
    while (ran < max_events && (top = evq_peek(&v->queue)) && top->t_us <= until_us) {
        if (top->t_us > v->drain_until) break;
        heap_entry e;
        evq_pop(&v->queue, &e);
        vx__run_entry(v, &e);
        ran++;
        if (s->desc.progress && (ran & 0xffff) == 0) {
            int64_t wall = clock_now_us();
            if (wall - last_report > 250000) {
                last_report = wall;
                s->desc.progress(s->desc.progress_user, v->now_us,
                                 s->end_us == INT64_MAX ? 0 : s->end_us);
            }
        }
    }
    top = evq_peek(&v->queue);
    if (!top || top->t_us > v->drain_until) {
        v->done = true;
        s->final_us = v->now_us;
        return true;
    }
    if (ran < max_events && until_us != INT64_MAX && until_us > v->now_us) v->now_us = until_us;
    return false;
}

static void vx__inject(sim *s, msg *m) {
    vx *v = vx__of(s);
    if (m->kind == MSG_COMMAND) {
        node_handle(s->nodes[m->to], m);
        return;
    }
    m->deliver_us = v->now_us;
    evq_push(&v->queue, v->now_us, m, 0);
    v->done = false; /* a finished run goes on with what came from outside */
}

static void vx__stop(sim *s) { (void)s; /* nothing runs unless called */ }
static int64_t vx__now_of(const sim *s) { return vx__of(s)->now_us; }

static void vx__set_clock(sim *s, double speed, int paused) {
    vx *v = vx__of(s);
    if (speed > 0) v->speed = speed;
    if (paused >= 0) v->paused = paused != 0;
}

static double vx__speed(const sim *s) { return vx__of(s)->speed; }
static bool vx__paused(const sim *s) { return vx__of(s)->paused; }
static bool vx__finished(const sim *s) { return vx__of(s)->done; }
static uint64_t vx__events_handled(const sim *s) { return vx__of(s)->events_handled; }

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
    .concurrent = false,
};
