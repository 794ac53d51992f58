/* model.c - what the window knows about the network, built from the event
 * stream alone (and each node's peers, read once before the run starts).
 *
 * Events are applied in the order the sim emitted them, so the model at a
 * frame is the network as of the last event taken: each node's tip, the
 * blocks seen (a tree by parent), the links and which are cut, messages in
 * flight, and the consensus figures. Live nodes per tip are kept event by
 * event, and agreement is re-decided (fork.c) at the end of each instant in
 * which a tip changed, so the time a fork began or ended is the time of the
 * events that caused it, not of the frame that noticed. A block's colour is
 * fixed when it is first seen (fork.c): it never changes with tip counts.
 *
 * No SDL here: the tests and the benchmark drive the model directly. */
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/mem.h"
#include "view/view_int.h"

#define VIEW_MAX_FLIGHTS 60000 /* drawn at once; the rest are counted */

/* ---- links ---- */

static uint64_t view__edge_hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* Adds key to the open-addressing set; true if it was new. */
static bool view__edge_set_add(view_model *m, uint64_t key) {
    if ((m->n_edges + 1) * 2 > m->edge_set_cap) {
        size_t cap = m->edge_set_cap ? m->edge_set_cap * 2 : 64;
        uint64_t *old = m->edge_set;
        size_t old_cap = m->edge_set_cap;
        m->edge_set = xcalloc(cap, sizeof *m->edge_set);
        m->edge_set_cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (!old[i]) continue;
            size_t j = view__edge_hash(old[i]) & (cap - 1);
            while (m->edge_set[j]) j = (j + 1) & (cap - 1);
            m->edge_set[j] = old[i];
        }
        free(old);
    }
    uint64_t stored = key + 1;
    size_t j = view__edge_hash(stored) & (m->edge_set_cap - 1);
    while (m->edge_set[j]) {
        if (m->edge_set[j] == stored) return false;
        j = (j + 1) & (m->edge_set_cap - 1);
    }
    m->edge_set[j] = stored;
    return true;
}

static void view__model_link(view_model *m, int a, int b) {
    if (a == b || a < 0 || b < 0 || a >= m->n_nodes || b >= m->n_nodes) return;
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    if (!view__edge_set_add(m, (uint64_t)a << 32 | (uint32_t)b)) return;
    m->edges = xgrow(m->edges, &m->cap_edges, m->n_edges + 1, sizeof *m->edges);
    m->edges[m->n_edges++] = (view_edge){a, b};
}

/* ---- blocks ---- */

int view__model_find(const view_model *m, const block *b) {
    intptr_t i = (intptr_t)hmap_get(&m->by_hash, b->hash, SHA256_LEN);
    return (int)i - 1;
}

static int view__model_find_hex(const view_model *m, const char *hex) {
    uint8_t h[SHA256_LEN];
    if (!hex_decode(h, SHA256_LEN, hex)) return -1;
    intptr_t i = (intptr_t)hmap_get(&m->by_hash, h, SHA256_LEN);
    return (int)i - 1;
}

/* The model's index of b, adding it (and, through the store's parent links,
 * any ancestors the view has not seen) if needed. A block first seen as
 * rejected does not carry its parent's colour on: a valid sibling does. */
static int view__model_block(view_model *m, const block *b, int64_t t_us, bool rejected) {
    int i = view__model_find(m, b);
    if (i >= 0) return i;
    int parent = -1;
    if (atomic_load_explicit(&b->rooted, memory_order_acquire) && b->parent)
        parent = view__model_block(m, b->parent, t_us, false);
    else if (b->index > 1)
        parent = view__model_find_hex(m, b->prev_hash);
    m->blocks = xgrow(m->blocks, &m->cap_blocks, m->n_blocks + 1, sizeof *m->blocks);
    i = (int)m->n_blocks++;
    m->blocks[i] = (view_block){.b = b, .parent = parent, .height = b->index, .seen_us = t_us,
                                .miner = -1, .rejected_by = -1, .first_tip_node = -1,
                                .tip_slot = -1};
    hmap_put(&m->by_hash, b->hash, SHA256_LEN, (void *)(intptr_t)(i + 1));
    bool first = false;
    if (parent >= 0) {
        m->blocks[parent].n_children++;
        if (!rejected) first = m->blocks[parent].n_valid_children++ == 0;
    }
    /* a rejected block starts no branch (it is drawn red): no colour used up */
    m->blocks[i].colour = !rejected ? view__fork_colour(m, i, first)
                          : parent >= 0 ? m->blocks[parent].colour : 0;
    m->tree_dirty = true;
    return i;
}

/* ---- tips ---- */

/* delta live nodes arrive on (+) or leave (-) the tip at index i. */
static void view__tip_add(view_model *m, int i, int delta) {
    view_block *v = &m->blocks[i];
    v->tip_nodes += delta;
    if (v->tip_nodes > 0 && v->tip_slot < 0) {
        m->tips = xgrow(m->tips, &m->cap_tips, m->n_tips + 1, sizeof *m->tips);
        v->tip_slot = (int)m->n_tips;
        m->tips[m->n_tips++] = i;
    } else if (v->tip_nodes <= 0 && v->tip_slot >= 0) {
        int last = m->tips[--m->n_tips];
        m->tips[v->tip_slot] = last;
        m->blocks[last].tip_slot = v->tip_slot;
        v->tip_slot = -1;
        v->tip_nodes = 0;
        v->first_tip_node = -1;
    }
    m->tips_dirty = m->fork_dirty = m->tree_dirty = true;
}

/* ---- lifecycle ---- */

void view__model_init(view_model *m, const scenario *scn, sim *s) {
    memset(m, 0, sizeof *m);
    m->scn = scn;
    m->n_nodes = sim_node_count(s);
    m->genesis = bstore_genesis(sim_store(s));
    hmap_init(&m->by_hash);
    m->last_reorg_us = -1;
    m->last_miner = m->last_block = -1;
    m->best = -1;
    forks_history_init(&m->fork.hist);
    m->fork.top = m->fork.fork_point = -1;
    view__model_block(m, m->genesis, 0, false);
    double total = 0;
    for (int i = 0; i < scn->n_nodes; i++) total += scn->nodes[i].hash_power;
    m->nodes = xcalloc((size_t)m->n_nodes, sizeof *m->nodes);
    for (int i = 0; i < m->n_nodes; i++) {
        m->nodes[i].tip = m->genesis;
        m->nodes[i].tip_idx = 0;
        m->nodes[i].share = total > 0 ? scn->nodes[i].hash_power / total : 0;
        /* Before the run no thread touches a node: its peers are safe to read.
         * Later links arrive as EV_PEER_ADDED. */
        const int *peers;
        size_t n_peers = node_peer_list(sim_node(s, i), &peers);
        for (size_t j = 0; j < n_peers; j++) view__model_link(m, i, peers[j]);
    }
    m->live = m->n_nodes;
    view__tip_add(m, 0, m->n_nodes);
    view__fork_eval(m, 0);
}

void view__model_cleanup(view_model *m) {
    hmap_cleanup(&m->by_hash);
    view__fork_cleanup(&m->fork);
    free(m->tips);
    free(m->nodes);
    free(m->blocks);
    free(m->edges);
    free(m->edge_set);
    free(m->flights);
    free(m->drops);
    free(m->series);
    free(m->columns);
    free(m->col_of_height);
    memset(m, 0, sizeof *m);
}

/* ---- events ---- */

static void view__note(view_model *m, const view_ev *ev) {
    if (ev->node < 0 || ev->node >= m->n_nodes) return;
    view_node *n = &m->nodes[ev->node];
    n->notes[n->n_notes % VIEW_NOTES] = *ev;
    n->n_notes++;
}

int view__model_notes(const view_model *m, int node_id, const view_ev **out, int max) {
    const view_node *n = &m->nodes[node_id];
    int have = n->n_notes < VIEW_NOTES ? n->n_notes : VIEW_NOTES;
    if (have > max) have = max;
    for (int k = 0; k < have; k++) out[k] = &n->notes[(n->n_notes - 1 - k) % VIEW_NOTES];
    return have;
}

/* The groups of a partition event: the scenario's latest partition at or
 * before t (the only source of partitions is the timeline). */
static void view__partition(view_model *m, int64_t t_us) {
    const scn_event *found = NULL;
    for (size_t i = 0; i < m->scn->n_events; i++) {
        const scn_event *e = &m->scn->events[i];
        if (e->at_us > t_us) break;
        if (e->kind == SCN_PARTITION) found = e;
    }
    m->partitioned = found != NULL;
    for (int i = 0; i < m->n_nodes; i++) m->nodes[i].group = found ? found->group_of_node[i] : 0;
}

/* A cross on a link that is up again would say messages still die there:
 * once a cut heals, the drops on the links it reopened go. */
static bool view__drop_stands(const view_model *m, const view_flight *d) {
    bool known = d->from >= 0 && d->from < m->n_nodes && d->to >= 0 && d->to < m->n_nodes;
    return known && (d->sent_us >= m->reopened_us || view__model_cut(m, d->from, d->to));
}

static void view__forget_drops_on_open_links(view_model *m, int64_t t_us) {
    m->reopened_us = t_us;
    size_t k = 0;
    for (size_t i = 0; i < m->n_drops; i++)
        if (view__drop_stands(m, &m->drops[i])) m->drops[k++] = m->drops[i];
    m->n_drops = k;
}

static void view__apply_event(view_model *m, const view_ev *ev) {
    view_node *n = ev->node >= 0 && ev->node < m->n_nodes ? &m->nodes[ev->node] : NULL;
    switch (ev->kind) {
    case EV_MINED: {
        int i = view__model_block(m, ev->block, ev->t_us, false);
        m->blocks[i].miner = ev->node;
        m->last_miner = ev->node;
        m->last_block = i;
        view__note(m, ev);
        break;
    }
    case EV_BLOCK_ACCEPTED: view__model_block(m, ev->block, ev->t_us, false); break;
    case EV_BLOCK_REJECTED:
        if (ev->block) {
            int i = view__model_block(m, ev->block, ev->t_us, true);
            if (!m->blocks[i].rejected) {
                m->blocks[i].rejected = true;
                m->blocks[i].reason = ev->reason;
                m->blocks[i].rejected_by = ev->node;
            }
        }
        view__note(m, ev);
        break;
    case EV_TIP_CHANGED:
        if (!n) break;
        int bi = view__model_block(m, ev->block, ev->t_us, false);
        if (!n->crashed) {
            view__tip_add(m, n->tip_idx, -1);
            view__tip_add(m, bi, +1);
        }
        n->tip = ev->block;
        n->tip_idx = bi;
        if (ev->reorg_depth > 0) {
            m->reorgs++;
            m->last_reorg_depth = ev->reorg_depth;
            m->last_reorg_us = ev->t_us;
        }
        view__note(m, ev);
        break;
    case EV_CRASH:
    case EV_RESTART:
        if (!n) break;
        if (n->crashed != (ev->kind == EV_CRASH)) {
            n->crashed = ev->kind == EV_CRASH;
            m->live += n->crashed ? -1 : 1;
            view__tip_add(m, n->tip_idx, n->crashed ? -1 : 1);
        }
        view__note(m, ev);
        break;
    case EV_ISOLATE:
    case EV_RECONNECT:
        if (n) n->isolated = ev->kind == EV_ISOLATE;
        if (ev->kind == EV_RECONNECT) view__forget_drops_on_open_links(m, ev->t_us);
        view__note(m, ev);
        break;
    case EV_PARTITION: view__partition(m, ev->t_us); break;
    case EV_HEAL:
        m->partitioned = false;
        for (int i = 0; i < m->n_nodes; i++) m->nodes[i].group = 0;
        view__forget_drops_on_open_links(m, ev->t_us);
        break;
    case EV_HASH_POWER:
        if (n) n->share = ev->value;
        view__note(m, ev);
        break;
    case EV_PEER_ADDED: view__model_link(m, ev->node, ev->peer); break;
    case EV_TX_ACCEPTED:
    case EV_TX_REJECTED:
    case EV_CHAIN_REJECTED:
    case EV_RESOLVED:
    case EV_ATTACK: view__note(m, ev); break;
    case EV_ATTACKER:
        if (n) n->strategy = ev->strategy;
        view__note(m, ev);
        break;
    case EV_MSG_SENT:
    case EV_MSG_DELIVERED:
    case EV_MSG_DROPPED:
    case EV_HEARD:
    case EV_LINKS: break;
    }
}

void view__model_apply(view_model *m, const view_batch *batch) {
    for (size_t i = 0; i < batch->n_evs; i++) {
        const view_ev *ev = &batch->evs[i];
        view__apply_event(m, ev);
        /* agreement is decided once an instant's events are all in: two
         * blocks mined at the same instant are a fork from that instant */
        bool instant_over = i + 1 == batch->n_evs || batch->evs[i + 1].t_us != ev->t_us;
        if (m->fork_dirty && instant_over) view__fork_eval(m, ev->t_us);
    }
    size_t room = VIEW_MAX_FLIGHTS > m->n_flights ? VIEW_MAX_FLIGHTS - m->n_flights : 0;
    size_t take = batch->n_flights < room ? batch->n_flights : room;
    uint64_t skipped = batch->flights_skipped + (batch->n_flights - take);
    if (skipped) {
        m->flights_skipped = skipped;
        m->skipped_us = batch->n_flights ? batch->flights[batch->n_flights - 1].sent_us : m->skipped_us;
    }
    if (take) {
        m->flights = xgrow(m->flights, &m->cap_flights, m->n_flights + take, sizeof *m->flights);
        memcpy(m->flights + m->n_flights, batch->flights, take * sizeof *m->flights);
        m->n_flights += take;
    }
    if (batch->n_drops) {
        /* the batch's drops come after its events: one made before a heal
         * the events passed is already history */
        m->drops = xgrow(m->drops, &m->cap_drops, m->n_drops + batch->n_drops, sizeof *m->drops);
        for (size_t i = 0; i < batch->n_drops; i++)
            if (view__drop_stands(m, &batch->drops[i])) m->drops[m->n_drops++] = batch->drops[i];
    }
}

void view__model_expire(view_model *m, int64_t now_us, int64_t keep_drops_us) {
    size_t k = 0;
    for (size_t i = 0; i < m->n_flights; i++)
        if (m->flights[i].arrive_us > now_us) m->flights[k++] = m->flights[i];
    m->n_flights = k;
    k = 0;
    for (size_t i = 0; i < m->n_drops; i++)
        if (m->drops[i].sent_us + keep_drops_us >= now_us) m->drops[k++] = m->drops[i];
    m->n_drops = k;
    if (m->flights_skipped && m->skipped_us + keep_drops_us < now_us) m->flights_skipped = 0;
    const scenario *scn = m->scn;
    while (m->next_scn_event < scn->n_events && scn->events[m->next_scn_event].at_us <= now_us) {
        const scn_event *e = &scn->events[m->next_scn_event++];
        if (e->note) {
            m->last_note = e->note;
            m->last_note_us = e->at_us;
        }
    }
}

bool view__model_cut(const view_model *m, int a, int b) {
    const view_node *x = &m->nodes[a], *y = &m->nodes[b];
    return x->isolated || y->isolated || (m->partitioned && x->group != y->group);
}

/* ---- the first node on each tip ---- */

void view__model_tips(view_model *m) {
    if (!m->tips_dirty) return;
    m->tips_dirty = false;
    for (size_t t = 0; t < m->n_tips; t++) m->blocks[m->tips[t]].first_tip_node = -1;
    size_t left = m->n_tips;
    for (int i = 0; i < m->n_nodes && left; i++) {
        if (m->nodes[i].crashed) continue;
        view_block *v = &m->blocks[m->nodes[i].tip_idx];
        if (v->first_tip_node < 0) {
            v->first_tip_node = i;
            left--;
        }
    }
}
