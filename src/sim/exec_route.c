/* exec_route.c - a message's way from sender to receiver, the part every
 * executor shares. An executor only decides *when*: it calls sim__route at
 * the send, keeps the message until its arrival time in its own queue, and
 * calls sim__deliver then. What the wire says, which events are emitted and
 * when a message counts as dropped is written here once, so the executors
 * cannot disagree about it. */
#include <math.h>

#include "sim/sim_int.h"

/* The block a message is about: the one it names or carries, else the
 * highest of the blocks it carries (BLOCKS, CHAIN); NULL for none. */
static const block *sim__msg_block(const msg *m) {
    if (m->block) return m->block;
    return m->n_blocks && m->kind != MSG_GETBLOCKS ? m->blocks[m->n_blocks - 1] : NULL;
}

void sim__dropped(sim *s, const msg *m, wire_fate fate, int64_t now_us) {
    sim__emit(s, &(sim_event){.kind = EV_MSG_DROPPED, .t_us = now_us, .node = m->to,
                              .peer = m->from, .msg = m->kind, .bytes = m->size_bytes,
                              .block = sim__msg_block(m), .tx = m->tx, .fate = fate});
}

/* The receiver's time to validate what the message carries (msg.h):
 * links.validation_ms per whole block, validation_ms_per_kb per 1,000 of
 * their declared bytes (ms per kB = us per byte). */
static int64_t sim__validation_us(const sim *s, const msg *m) {
    if (m->validate_blocks == 0) return 0;
    return s->scn->validation_us * (int64_t)m->validate_blocks +
           llround(s->scn->validation_ms_per_kb * (double)m->validate_bytes);
}

bool sim__route(sim *s, msg *m, int64_t now_us, sim_sends *count) {
    count->msgs++;
    count->bytes += m->size_bytes;
    count->by_kind[m->kind]++;
    if (m->to >= s->n_nodes) {
        sim__send_remote(s, m);
        return false;
    }
    int64_t arrive = 0;
    /* SimBlock's rule holds a sender's upload until its block arrives. */
    bool hold = s->scn->upload_rule == UPLOAD_UNTIL_ARRIVAL &&
                (m->kind == MSG_BLOCK || m->kind == MSG_CMPCTBLOCK || m->kind == MSG_BLOCKS ||
                 m->kind == MSG_CHAIN);
    wire_fate fate = wire_route_hold(s->wire, m->from, m->to, m->size_bytes, now_us, hold, &arrive);
    if (fate == WIRE_DELIVER) arrive += sim__validation_us(s, m);
    if (sim__wants(s, EV_MSG_SENT))
        sim__emit(s, &(sim_event){.kind = EV_MSG_SENT, .t_us = now_us, .node = m->from,
                                  .peer = m->to, .msg = m->kind, .bytes = m->size_bytes,
                                  .block = sim__msg_block(m), .tx = m->tx,
                                  .arrive_us = fate == WIRE_DELIVER ? arrive : -1});
    if (fate != WIRE_DELIVER) {
        sim__dropped(s, m, fate, now_us);
        msg_free(m);
        return false;
    }
    m->deliver_us = arrive;
    return true;
}

bool sim__deliver(sim *s, msg *m, int64_t now_us) {
    node *n = sim__node(s, m->to);
    /* A link cut while the message was on it loses the message; one from
     * outside (a remote peer, a test) has no link here to check. */
    wire_fate fate = m->from < 0 || m->from >= s->n_nodes ? WIRE_DELIVER
                                                           : wire_check(s->wire, m->from, m->to);
    if (fate == WIRE_DELIVER && node_crashed(n)) fate = WIRE_DROP_CRASHED;
    if (fate != WIRE_DELIVER) {
        sim__dropped(s, m, fate, now_us);
        return false;
    }
    if (sim__wants(s, EV_MSG_DELIVERED))
        sim__emit(s, &(sim_event){.kind = EV_MSG_DELIVERED, .t_us = now_us, .node = m->to,
                                  .peer = m->from, .msg = m->kind, .bytes = m->size_bytes,
                                  .block = sim__msg_block(m), .tx = m->tx,
                                  .arrive_us = m->deliver_us});
    node_receive(n, m);
    return true;
}

void sim__send_remote(sim *s, msg *m) {
    int64_t now_us = sim_now_us(s);
    if (sim__wants(s, EV_MSG_SENT))
        sim__emit(s, &(sim_event){.kind = EV_MSG_SENT, .t_us = now_us, .node = m->from,
                                  .peer = m->to, .msg = m->kind, .bytes = m->size_bytes,
                                  .block = sim__msg_block(m), .tx = m->tx, .arrive_us = -1});
    if (s->remote.send) {
        s->remote.send(s->remote.user, m);
        return;
    }
    sim__dropped(s, m, WIRE_DROP_ISOLATED, now_us);
    msg_free(m);
}
