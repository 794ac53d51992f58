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
 */
#include <stdint.h>

#include "net/mbox.h"
#include "sim/sim_int.h"

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


static inline uint64_t vx__aux(unsigned tag, int node_id, uint32_t low) {
    return (uint64_t)tag << 56 | (uint64_t)(uint32_t)node_id << 32 | low;
}

static int64_t vx__now(void *ctx) { return ((sim *)ctx)->now_us; }

static void vx__drop(sim *s, msg *m, wire_fate fate) {
    sim__emit(s, &(sim_event){.kind = EV_MSG_DROPPED, .t_us = s->now_us, .node = m->to,
                              .peer = m->from, .msg = m->kind, .bytes = m->size_bytes,
                              .fate = fate});
    msg_free(m);
}

static void vx__send(void *ctx, msg *m) {
    sim *s = ctx;
    if (m->to >= s->n_nodes) {
        sim__send_remote(s, m);
        return;
    }
    int64_t arrive = 0;
    wire_fate fate = wire_route(s->wire, m->from, m->to, m->size_bytes, s->now_us, &arrive);
    if (sim__wants(s, EV_MSG_SENT))
        sim__emit(s, &(sim_event){.kind = EV_MSG_SENT, .t_us = s->now_us, .node = m->from,
                                  .peer = m->to, .msg = m->kind, .bytes = m->size_bytes,
                                  .block = m->block, .tx = m->tx,
                                  .arrive_us = fate == WIRE_DELIVER ? arrive : -1});
    if (fate != WIRE_DELIVER) {
        vx__drop(s, m, fate);
        return;
    }
    if ((m->kind == MSG_INV || m->kind == MSG_GETDATA) && m->block && !m->tx) {
        uint64_t aux = (uint64_t)TAG_BLOCK_INV << 56 | (uint64_t)m->kind << 48 |
                       (uint64_t)m->from << 24 | (uint64_t)m->to;
        evq_push(&s->queue, arrive, m->block, aux);
        msg_free(m);
        return;
    }
    m->deliver_us = arrive;
    evq_push(&s->queue, arrive, m, 0);
}

static void vx__set_timer(void *ctx, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token) {
    sim *s = ctx;
    evq_push(&s->queue, at_us < s->now_us ? s->now_us : at_us, NULL,
              vx__aux((unsigned)kind, node_id, token));
}

static void vx__emit(void *ctx, const sim_event *ev) { sim__emit(ctx, ev); }

void sim__virtual_env(node_env *env) {
    env->now_us = vx__now;
    env->send = vx__send;
    env->set_timer = vx__set_timer;
    env->emit = vx__emit;
}

void sim__virtual_command(sim *s, int node_id, node_cmd *cmd) {
    msg *m = msg_new(MSG_COMMAND);
    m->to = node_id;
    m->cmd = cmd;
    node_handle(&s->nodes[node_id], m);
}

/* Delivers m if the link still holds and the receiver is up; does not free m. */
static bool vx__deliver(sim *s, msg *m) {
    node *n = &s->nodes[m->to];
    wire_fate fate = m->from < 0 || m->from >= s->n_nodes ? WIRE_DELIVER
                                                           : wire_check(s->wire, m->from, m->to);
    if (fate == WIRE_DELIVER && n->crashed) fate = EV_DROP_CRASHED;
    if (fate != WIRE_DELIVER) {
        sim__emit(s, &(sim_event){.kind = EV_MSG_DROPPED, .t_us = s->now_us, .node = m->to,
                                  .peer = m->from, .msg = m->kind, .bytes = m->size_bytes,
                                  .fate = fate});
        return false;
    }
    if (sim__wants(s, EV_MSG_DELIVERED))
        sim__emit(s, &(sim_event){.kind = EV_MSG_DELIVERED, .t_us = s->now_us, .node = m->to,
                                  .peer = m->from, .msg = m->kind, .bytes = m->size_bytes,
                                  .arrive_us = m->deliver_us});
    node_receive(n, m);
    return true;
}

static void vx__deliver_block_inv(sim *s, block *b, uint64_t aux) {
    msg m = {
        .kind = (msg_kind)((aux >> 48) & 0xff),
        .from = (int)((aux >> 24) & 0xffffff),
        .to = (int)(aux & 0xffffff),
        .deliver_us = s->now_us,
        .block = b,
    };
    m.size_bytes = msg_wire_size(&m);
    vx__deliver(s, &m);
}

/* Buckets of 4 ms over 8.192 s: a message's latency fits within the horizon. */
#define VX_BUCKET_US 4000
#define VX_BUCKETS 2048

void sim__virtual_init(sim *s) { evq_init(&s->queue, VX_BUCKET_US, VX_BUCKETS); }

static void vx__begin(sim *s) {
    const scenario *scn = s->scn;
    s->v_started = true;
    s->v_drain_until = INT64_MAX;
    /* This thread alone runs the sim from here (a window that drives it
     * calls sim_isolate from the same thread): the wire skips its mutex. */
    wire_set_single_thread(s->wire, true);
    for (int i = 0; i < s->n_nodes; i++) node_start(&s->nodes[i]);
    for (size_t i = 0; i < scn->n_events; i++)
        if (scn->events[i].at_us <= s->end_us)
            evq_push(&s->queue, scn->events[i].at_us, NULL, vx__aux(TAG_SCENARIO, 0, (uint32_t)i));
    if (scn->traffic.tx_per_s > 0)
        evq_push(&s->queue, scn->traffic.start_us, NULL, vx__aux(TAG_TRAFFIC, 0, 0));
    if (s->end_us != INT64_MAX) evq_push(&s->queue, s->end_us, NULL, vx__aux(TAG_END, 0, 0));
}

/* Runs one entry. Void timers (a finished resolve, mining once winding
 * down) are consumed without moving the clock, so the end time is the last
 * event that mattered. */
static void vx__run_entry(sim *s, const heap_entry *e) {
    unsigned tag = (unsigned)(e->aux >> 56);
    int node_id = (int)((e->aux >> 32) & 0xffffff);
    uint32_t low = (uint32_t)e->aux;
    if (!e->item && tag >= TAG_TIMER_MINE && tag <= TAG_TIMER_LAST &&
        (!node_timer_live(&s->nodes[node_id], (node_timer_kind)tag, low) ||
         (s->v_winding && tag != TAG_TIMER_RESOLVE)))
        return;
    if (s->v_winding && tag == TAG_TRAFFIC) return;
    s->now_us = e->t_us;
    s->events_handled++;
    if (tag == TAG_BLOCK_INV) {
        vx__deliver_block_inv(s, e->item, e->aux);
    } else if (e->item) {
        vx__deliver(s, e->item);
        msg_free(e->item);
    } else {
        switch (tag) {
        case TAG_SCENARIO:
            if (!s->v_winding) sim__apply_event(s, &s->scn->events[low]);
            break;
        case TAG_TRAFFIC:
            evq_push(&s->queue, s->now_us + sim__traffic_tick(s), NULL, vx__aux(TAG_TRAFFIC, 0, 0));
            break;
        case TAG_END: atomic_store(&s->stop_reached, true); break;
        default: /* a node timer */
            node_timer(&s->nodes[node_id], (node_timer_kind)tag, low);
            break;
        }
    }
    if (!s->v_winding && atomic_load(&s->stop_reached)) {
        s->v_winding = true;
        sim__wind_down(s);
        s->v_drain_until = s->now_us + SIM_DRAIN_US;
    }
}

bool sim__virtual_advance(sim *s, int64_t until_us, uint64_t max_events) {
    if (!s->v_started) vx__begin(s);
    if (s->v_done) return true;
    int64_t last_report = clock_now_us();
    uint64_t ran = 0;
    const heap_entry *top;
    while (ran < max_events && (top = evq_peek(&s->queue)) && top->t_us <= until_us) {
        if (top->t_us > s->v_drain_until) break;
        heap_entry e;
        evq_pop(&s->queue, &e);
        vx__run_entry(s, &e);
        ran++;
        if (s->desc.progress && (ran & 0xffff) == 0) {
            int64_t wall = clock_now_us();
            if (wall - last_report > 250000) {
                last_report = wall;
                s->desc.progress(s->desc.progress_user, s->now_us,
                                 s->end_us == INT64_MAX ? 0 : s->end_us);
            }
        }
    }
    top = evq_peek(&s->queue);
    if (!top || top->t_us > s->v_drain_until) {
        s->v_done = true;
        s->final_us = s->now_us;
        return true;
    }
    if (ran < max_events && until_us != INT64_MAX && until_us > s->now_us) s->now_us = until_us;
    return false;
}

cs_err sim__virtual_run(sim *s) {
    sim__virtual_advance(s, INT64_MAX, UINT64_MAX);
    return CS_OK;
}

void sim__virtual_inject(sim *s, msg *m) {
    if (m->kind == MSG_COMMAND) {
        node_handle(&s->nodes[m->to], m);
        return;
    }
    m->deliver_us = s->now_us;
    evq_push(&s->queue, s->now_us, m, 0);
    s->v_done = false; /* a finished run goes on with what came from outside */
}

void sim__virtual_discard(sim *s) {
    heap_entry e;
    while (evq_pop(&s->queue, &e))
        if (e.item && (unsigned)(e.aux >> 56) != TAG_BLOCK_INV) msg_free(e.item);
    evq_cleanup(&s->queue);
}
