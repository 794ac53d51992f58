/* exec_lane.c - one queue of virtual-time entries, the order keys and the
 * running of node entries: what the sequential and the parallel virtual
 * executors share (see exec_lane.h for the order). */
#include "sim/exec_lane.h"

#include <assert.h>
#include <stdlib.h>

#include "util/mem.h"

void sim__lane_init(sim__lane *l, sim *s, uint64_t *made) {
    *l = (sim__lane){.s = s, .made = made};
    evq_init(&l->queue, SIM__BUCKET_US, SIM__BUCKETS);
}

void sim__lane_cleanup(sim__lane *l) {
    heap_entry e;
    while (evq_pop(&l->queue, &e))
        if (e.item && sim__tag(e.aux) != TAG_BLOCK_INV) msg_free(e.item);
    evq_cleanup(&l->queue);
    free(l->due);
    l->due = NULL;
}

uint64_t sim__key(uint64_t *made, int origin) {
    uint64_t n = made[origin + 1]++;
    assert(n < (uint64_t)1 << SIM__KEY_COUNT_BITS);
    return (uint64_t)(origin + 1) << SIM__KEY_COUNT_BITS | n;
}

heap_entry sim__lane_msg_entry(sim__lane *l, msg *m) {
    int origin = m->from >= 0 && m->from < l->s->n_nodes ? m->from : -1;
    heap_entry e = {.t_us = m->deliver_us, .seq = sim__key(l->made, origin), .item = m};
    if ((m->kind == MSG_INV || m->kind == MSG_GETDATA) && m->block && !m->tx) {
        e.item = m->block;
        e.aux = (uint64_t)TAG_BLOCK_INV << 56 | (uint64_t)m->kind << 48 |
                (uint64_t)m->from << 24 | (uint64_t)m->to;
        msg_free(m);
    }
    return e;
}

void sim__lane_push_msg(sim__lane *l, msg *m) {
    heap_entry e = sim__lane_msg_entry(l, m);
    evq_push(&l->queue, e.t_us, e.seq, e.item, e.aux);
}

void sim__lane_push_timer(sim__lane *l, int node_id, int64_t at_us, node_timer_kind kind,
                          uint32_t token) {
    if (at_us <= l->now_us) {
        l->due = xgrow(l->due, &l->cap_due, l->n_due + 1, sizeof *l->due);
        l->due[l->n_due++] = (sim__due){node_id, token, kind};
        return;
    }
    evq_push(&l->queue, at_us, sim__key(l->made, node_id), NULL,
             sim__aux((unsigned)kind, node_id, token));
}

void sim__lane_push_own(sim__lane *l, int64_t t_us, unsigned tag, uint32_t low) {
    evq_push(&l->queue, t_us, sim__key(l->made, -1), NULL, sim__aux(tag, 0, low));
}

static bool sim__timer_void(const sim *s, int node_id, unsigned tag, uint32_t token,
                            bool winding) {
    return !node_timer_live(s->nodes[node_id], (node_timer_kind)tag, token) ||
           (winding && tag != TAG_TIMER_RESOLVE);
}

bool sim__lane_void(const sim__lane *l, const heap_entry *e, bool winding) {
    unsigned tag = sim__tag(e->aux);
    if (e->item || tag < TAG_TIMER_MINE || tag > TAG_TIMER_LAST) return false;
    return sim__timer_void(l->s, (int)((e->aux >> 32) & 0xffffff), tag, (uint32_t)e->aux,
                           winding);
}

static void sim__lane_deliver_block_inv(sim__lane *l, block *b, uint64_t aux) {
    msg m = {
        .kind = (msg_kind)((aux >> 48) & 0xff),
        .from = (int)((aux >> 24) & 0xffffff),
        .to = (int)(aux & 0xffffff),
        .deliver_us = l->now_us,
        .block = b,
    };
    m.size_bytes = msg_wire_size(&m);
    sim__deliver(l->s, &m, l->now_us);
}

/* The node an entry runs on and the peer it came from (-1: none): a
 * message's receiver and sender, a timer's node; id -1 for the run's own
 * entries. A queued msg is read, so it must be in the cache by then. */
static inline int sim__entry_node(const heap_entry *e, int *from) {
    unsigned tag = sim__tag(e->aux);
    *from = -1;
    if (tag == TAG_BLOCK_INV) {
        *from = (int)((e->aux >> 24) & 0xffffff);
        return (int)(e->aux & 0xffffff);
    }
    if (e->item) {
        const msg *m = e->item;
        *from = m->from;
        return m->to;
    }
    if (tag >= TAG_TIMER_MINE && tag <= TAG_TIMER_LAST) return (int)((e->aux >> 32) & 0xffffff);
    return -1;
}

/* Fetches into the cache, while this entry runs, what the next ones will
 * read first: their receivers are random nodes, and at 100,000 nodes
 * (120 MB of node structs) each was a cache miss at every delivery. In
 * stages, as each address is read from the one before: SIM__AHEAD_MSG
 * entries ahead the queued msg (which names the receiver), SIM__AHEAD_NODE
 * the hot part of the receiver's struct and of its wire state as a sender
 * (it answers the sender or relays), SIM__AHEAD_PEERS its peer list and
 * its record of the block an announcement names. Then, before a block is
 * delivered, what relaying it sends to: each peer's wire state as a
 * receiver. Only the cache changes, never the order or a value. */
static void sim__lane_prefetch(const sim__lane *l, const heap_entry *cur) {
    const sim *s = l->s;
    const evq *q = &l->queue;
    const heap_entry *e = evq_ahead(q, SIM__AHEAD_MSG);
    if (e && e->item && sim__tag(e->aux) != TAG_BLOCK_INV) __builtin_prefetch(e->item);
    int id, from;
    if ((e = evq_ahead(q, SIM__AHEAD_NODE)) && (id = sim__entry_node(e, &from)) >= 0 &&
        id < s->n_nodes) {
        node_prefetch(sim__node(s, id));
        wire_prefetch(s->wire, id, from >= 0 && from < s->n_nodes ? from : id);
    }
    if ((e = evq_ahead(q, SIM__AHEAD_PEERS)) && (id = sim__entry_node(e, &from)) >= 0 &&
        id < s->n_nodes) {
        const node *n = sim__node(s, id);
        node_prefetch_peers(n);
        if (sim__tag(e->aux) == TAG_BLOCK_INV) node_prefetch_block(n, e->item);
    }
    if (cur->item && sim__tag(cur->aux) != TAG_BLOCK_INV) {
        const msg *m = cur->item;
        if (m->kind == MSG_BLOCK && m->to >= 0 && m->to < s->n_nodes) {
            const int *peers;
            size_t n_peers = node_peer_list(sim__node(s, m->to), &peers);
            for (size_t i = 0; i < n_peers; i++) wire_prefetch_receiver(s->wire, peers[i]);
        }
    }
}

void sim__lane_run_node(sim__lane *l, const heap_entry *e) {
    sim__lane_prefetch(l, e);
    l->now_us = e->t_us;
    l->cur_t_us = e->t_us;
    l->cur_key = e->seq;
    l->events_handled++;
    unsigned tag = sim__tag(e->aux);
    if (tag == TAG_BLOCK_INV) {
        sim__lane_deliver_block_inv(l, e->item, e->aux);
    } else if (e->item) {
        sim__deliver(l->s, e->item, l->now_us);
        msg_free(e->item);
    } else {
        node_timer(l->s->nodes[(e->aux >> 32) & 0xffffff], (node_timer_kind)tag,
                   (uint32_t)e->aux);
    }
}

void sim__lane_run_due(sim__lane *l, bool winding) {
    for (size_t i = 0; i < l->n_due; i++) {
        sim__due d = l->due[i];
        if (sim__timer_void(l->s, d.node, (unsigned)d.kind, d.token, winding)) continue;
        l->events_handled++;
        node_timer(l->s->nodes[d.node], d.kind, d.token);
    }
    l->n_due = 0;
}

void sim__lane_begin(sim__lane *own, sim__wind *w) {
    sim__lane_begin_nodes(own, w, 0, own->s->n_nodes);
}

void sim__lane_begin_nodes(sim__lane *own, sim__wind *w, int lo, int hi) {
    sim *s = own->s;
    const scenario *scn = s->scn;
    *w = (sim__wind){.wind_at = INT64_MAX, .drain_until = INT64_MAX};
    /* One thread at a time uses the wire from here (a window that drives a
     * run calls sim_isolate from its thread; a parallel run's senders
     * touch only their own state, wire.h): it skips its mutex. */
    wire_set_single_thread(s->wire, true);
    for (int i = lo; i < hi; i++) node_start(s->nodes[i]);
    sim__lane_run_due(own, false);
    for (size_t i = 0; i < scn->n_events; i++)
        if (scn->events[i].at_us <= s->end_us)
            sim__lane_push_own(own, scn->events[i].at_us, TAG_SCENARIO, (uint32_t)i);
    if (scn->traffic.tx_per_s > 0) sim__lane_push_own(own, scn->traffic.start_us, TAG_TRAFFIC, 0);
    if (s->end_us != INT64_MAX) sim__lane_push_own(own, s->end_us, TAG_END, 0);
}

bool sim__lane_run_own(sim__lane *own, const heap_entry *e, sim__wind *w) {
    sim *s = own->s;
    unsigned tag = sim__tag(e->aux);
    if (w->winding && tag == TAG_TRAFFIC) return false;
    own->now_us = e->t_us;
    own->events_handled++;
    switch (tag) {
    case TAG_SCENARIO:
        if (!w->winding) sim__apply_event(s, &s->scn->events[(uint32_t)e->aux]);
        break;
    case TAG_TRAFFIC:
        sim__lane_push_own(own, e->t_us + sim__traffic_tick(s), TAG_TRAFFIC, 0);
        break;
    default: atomic_store(&s->stop_reached, true); break; /* TAG_END */
    }
    sim__lane_run_due(own, w->winding);
    sim__wind_note(s, w, tag == TAG_END, e->t_us);
    return true;
}

void sim__wind_note(sim *s, sim__wind *w, bool at_once, int64_t now_us) {
    if (w->wind_at == INT64_MAX && atomic_load(&s->stop_reached))
        w->wind_at = sim__wind_at(s, at_once, now_us);
}

void sim__wind_if_due(sim *s, sim__wind *w, int64_t t_us) {
    if (w->winding || t_us < w->wind_at) return;
    w->winding = true;
    sim__wind_down(s);
    w->drain_until = w->wind_at + SIM_DRAIN_US;
}
