/* model.c - what the window knows about the network, built from the event
 * stream alone (and each node's peers, read once before the run starts).
 *
 * Events are applied in the order the sim emitted them, so the model at a
 * frame is the network as of the last event taken: each node's tip, the
 * blocks seen (a tree by parent), the links and which are cut, messages in
 * flight, and the consensus figures. Tip counts are kept event by event (as
 * metrics.c does) so the time a split began or ended is the time of the
 * event that caused it, not of the frame that noticed.
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
 * any ancestors the view has not seen) if needed. */
static int view__model_block(view_model *m, const block *b, int64_t t_us) {
    int i = view__model_find(m, b);
    if (i >= 0) return i;
    int parent = -1;
    if (atomic_load_explicit(&b->rooted, memory_order_acquire) && b->parent)
        parent = view__model_block(m, b->parent, t_us);
    else if (b->index > 1)
        parent = view__model_find_hex(m, b->prev_hash);
    m->blocks = xgrow(m->blocks, &m->cap_blocks, m->n_blocks + 1, sizeof *m->blocks);
    i = (int)m->n_blocks++;
    m->blocks[i] = (view_block){.b = b, .parent = parent, .height = b->index, .seen_us = t_us,
                                .miner = -1, .rejected_by = -1, .first_tip_node = -1};
    hmap_put(&m->by_hash, b->hash, SHA256_LEN, (void *)(intptr_t)(i + 1));
    if (parent >= 0) m->blocks[parent].n_children++;
    m->tree_dirty = true;
    return i;
}

/* ---- tips ---- */

static void view__tip_add(view_model *m, const block *b, int delta, int64_t t_us) {
    intptr_t c = (intptr_t)hmap_get(&m->tip_count, b->hash, SHA256_LEN) + delta;
    if (c <= 0) {
        if (hmap_del(&m->tip_count, b->hash, SHA256_LEN)) m->distinct--;
    } else if (!hmap_put(&m->tip_count, b->hash, SHA256_LEN, (void *)c)) {
        m->distinct++;
    }
    m->tips_dirty = true;
    m->tree_dirty = true;
    if (m->n_series && m->series[m->n_series - 1].distinct == m->distinct) return;
    if (m->n_series && m->series[m->n_series - 1].t_us == t_us) {
        m->series[m->n_series - 1].distinct = m->distinct; /* one instant, one point */
    } else {
        m->series = xgrow(m->series, &m->cap_series, m->n_series + 1, sizeof *m->series);
        m->series[m->n_series++] = (view_tips_point){t_us, m->distinct};
    }
    if (m->distinct > 1 && m->split_since_us < 0) {
        m->split_since_us = t_us;
        m->last_split_us = t_us;
    } else if (m->distinct <= 1 && m->split_since_us >= 0) {
        m->split_since_us = -1;
        m->last_agree_us = t_us;
    }
}

/* ---- lifecycle ---- */

void view__model_init(view_model *m, const scenario *scn, sim *s) {
    memset(m, 0, sizeof *m);
    m->scn = scn;
    m->n_nodes = sim_node_count(s);
    m->genesis = bstore_genesis(sim_store(s));
    hmap_init(&m->by_hash);
    hmap_init(&m->tip_count);
    hmap_init(&m->colour_of);
    m->split_since_us = m->last_split_us = m->last_reorg_us = -1;
    m->last_agree_us = -1;
    m->last_miner = m->last_block = -1;
    m->best = -1;
    view__model_block(m, m->genesis, 0);
    double total = 0;
    for (int i = 0; i < scn->n_nodes; i++) total += scn->nodes[i].hash_power;
    m->nodes = xcalloc((size_t)m->n_nodes, sizeof *m->nodes);
    for (int i = 0; i < m->n_nodes; i++) {
        m->nodes[i].tip = m->genesis;
        m->nodes[i].share = total > 0 ? scn->nodes[i].hash_power / total : 0;
        /* Before the run no thread touches a node: its peers are safe to read.
         * Later links arrive as EV_PEER_ADDED. */
        const node *n = sim_node(s, i);
        for (size_t j = 0; j < n->n_peers; j++) view__model_link(m, i, n->peers[j]);
    }
    view__tip_add(m, m->genesis, m->n_nodes, 0);
    m->live = m->n_nodes;
}

void view__model_cleanup(view_model *m) {
    hmap_cleanup(&m->by_hash);
    hmap_cleanup(&m->tip_count);
    hmap_cleanup(&m->colour_of);
    free(m->nodes);
    free(m->blocks);
    free(m->edges);
    free(m->edge_set);
    free(m->flights);
    free(m->drops);
    free(m->groups);
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

static void view__apply_event(view_model *m, const view_ev *ev) {
    view_node *n = ev->node >= 0 && ev->node < m->n_nodes ? &m->nodes[ev->node] : NULL;
    switch (ev->kind) {
    case EV_MINED: {
        int i = view__model_block(m, ev->block, ev->t_us);
        m->blocks[i].miner = ev->node;
        m->last_miner = ev->node;
        m->last_block = i;
        view__note(m, ev);
        break;
    }
    case EV_BLOCK_ACCEPTED: view__model_block(m, ev->block, ev->t_us); break;
    case EV_BLOCK_REJECTED:
        if (ev->block) {
            int i = view__model_block(m, ev->block, ev->t_us);
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
        view__model_block(m, ev->block, ev->t_us);
        if (!n->crashed) {
            view__tip_add(m, n->tip, -1, ev->t_us);
            view__tip_add(m, ev->block, +1, ev->t_us);
        }
        n->tip = ev->block;
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
            view__tip_add(m, n->tip, n->crashed ? -1 : 1, ev->t_us);
        }
        view__note(m, ev);
        break;
    case EV_ISOLATE:
    case EV_RECONNECT:
        if (n) n->isolated = ev->kind == EV_ISOLATE;
        view__note(m, ev);
        break;
    case EV_PARTITION: view__partition(m, ev->t_us); break;
    case EV_HEAL:
        m->partitioned = false;
        for (int i = 0; i < m->n_nodes; i++) m->nodes[i].group = 0;
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
    case EV_LINKS: break;
    }
}

void view__model_apply(view_model *m, const view_batch *batch) {
    for (size_t i = 0; i < batch->n_evs; i++) view__apply_event(m, &batch->evs[i]);
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
        m->drops = xgrow(m->drops, &m->cap_drops, m->n_drops + batch->n_drops, sizeof *m->drops);
        memcpy(m->drops + m->n_drops, batch->drops, batch->n_drops * sizeof *m->drops);
        m->n_drops += batch->n_drops;
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

/* ---- tip groups and colours ---- */

static int view__group_cmp(const void *pa, const void *pb) {
    const view_tip_group *a = pa, *b = pb;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    if (a->tip->index != b->tip->index) return a->tip->index > b->tip->index ? -1 : 1;
    return memcmp(a->tip->hash, b->tip->hash, SHA256_LEN);
}

int view__model_colour(const view_model *m, const block *b) {
    intptr_t c = (intptr_t)hmap_get(&m->colour_of, b->hash, SHA256_LEN);
    return (int)c - 1;
}

void view__model_tips(view_model *m) {
    if (!m->tips_dirty) return;
    m->tips_dirty = false;
    m->n_groups = 0;
    size_t pos = 0;
    const hmap_slot *slot;
    while (hmap_next(&m->tip_count, &pos, &slot)) {
        m->groups = xgrow(m->groups, &m->cap_groups, m->n_groups + 1, sizeof *m->groups);
        intptr_t bi = (intptr_t)hmap_get(&m->by_hash, slot->key, SHA256_LEN);
        m->groups[m->n_groups++] = (view_tip_group){.tip = m->blocks[bi - 1].b,
                                                    .count = (int)(intptr_t)slot->val,
                                                    .first_node = -1, .colour = -1};
    }
    qsort(m->groups, m->n_groups, sizeof *m->groups, view__group_cmp);
    for (int i = 0; i < m->n_nodes; i++) {
        if (m->nodes[i].crashed) continue;
        for (size_t g = 0; g < m->n_groups; g++)
            if (m->groups[g].tip == m->nodes[i].tip) {
                if (m->groups[g].first_node < 0) m->groups[g].first_node = i;
                break;
            }
        if (m->n_groups > 64) break; /* many tips: the names are not shown anyway */
    }
    /* Colours: a tip keeps its colour while some live node holds it; a new
     * tip takes the first colour no current tip uses, so nodes that agree
     * share a colour and two tips never do (up to VIEW_PALETTE tips). */
    hmap keep;
    hmap_init(&keep);
    bool used[VIEW_PALETTE] = {false};
    for (size_t g = 0; g < m->n_groups; g++) {
        int c = view__model_colour(m, m->groups[g].tip);
        if (c >= 0 && !used[c]) {
            used[c] = true;
            m->groups[g].colour = c;
        }
    }
    for (size_t g = 0; g < m->n_groups; g++) {
        view_tip_group *gr = &m->groups[g];
        if (gr->colour < 0) {
            int c = 0;
            while (c < VIEW_PALETTE && used[c]) c++;
            if (c == VIEW_PALETTE) c = gr->tip->hash[0] % VIEW_PALETTE;
            else used[c] = true;
            gr->colour = c;
        }
        hmap_put(&keep, gr->tip->hash, SHA256_LEN, (void *)(intptr_t)(gr->colour + 1));
    }
    hmap_cleanup(&m->colour_of);
    m->colour_of = keep;
}
