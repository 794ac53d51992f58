/* wire.c - link model: latency, bandwidth with per-sender upload queues,
 * loss, partitions and isolation.
 *
 * State per node (all guarded by `lock`, unless single_thread):
 *
 *   | field          | meaning                                          |
 *   |----------------|--------------------------------------------------|
 *   | upload_free_us | when the sender's upload link is next idle       |
 *   | upload_bps     | 0 = unlimited                                    |
 *   | download_bps   | 0 = unlimited                                    |
 *   | region         | row/column in the region latency matrix          |
 *   | group          | partition group; different groups cannot talk    |
 *   | isolated       | cut off from everyone                            |
 *
 * wire_route decides in a fixed order, which keeps a seeded run
 * reproducible: (1) isolation of either end, (2) partition groups - neither
 * draws a random number; (3) the latency draw (none for FIXED), made for a
 * lost message too; (4) loss, one draw only when loss > 0. Latency and loss
 * come from two streams of the sender's, so the i-th message's latency is
 * the same whatever the loss rate, and which messages are lost the same
 * whatever the latency model. A lost message still occupied the sender's
 * upload (it was sent and vanished on the way); a cut one never left.
 *
 * Region latencies follow SimBlock's Network.getLatency: with the pair's
 * mean m in milliseconds, shape = 0.2 * m and scale = m - 5 ms, and the
 * latency is scale / u^(1/shape) for u uniform in (0, 1] - a Pareto whose
 * mean is exactly m (shape * scale / (shape - 1) = m) and whose minimum is
 * the scale. We keep microseconds, so shape = m_us / 5000; for m <= 5 ms
 * there is no such Pareto and the mean is used as is. Each pair's scale and
 * 1 / shape are worked out once, when the wire is made, and with them the
 * tables of rng_pareto_rounded (util/rng.h), which gives the pow formula's
 * integer without pow for all but 0.1-0.3% of the draws (pow was ~10%
 * of a 10,000-node run's CPU); a pair shares its table with its transposed
 * pair when the two means are the same.
 *
 * The fast paths of a large run: the virtual executor calls the wire from
 * its one thread and says so (wire_set_single_thread), and the mutex is
 * then skipped - two atomic operations per call, twice per message. While
 * no node is isolated and no partition is set, whether two nodes can talk
 * needs no look at their entries, which at 10,000 nodes are cold cache
 * lines. The threads executor checks every delivery (wire_check) from
 * many threads at once; while everyone can talk, that check reads one
 * atomic flag (`connected`) instead of taking the mutex, which on two
 * cores with a thousand node threads was the most contended lock of a
 * run. A cut made while the flag is read is a cut made just after the
 * check, as it would be with the lock. */
#include "net/wire.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util/cond.h"
#include "util/mem.h"
#include "util/rng.h"

/* A sender's draws come from its own streams, one per purpose, + its id
 * (node.h's streams sit at 1 << 32 to 6 << 32): a parallel run makes them
 * on several threads, in an order only each sender keeps. */
#define WIRE_LATENCY_STREAM ((uint64_t)7 << 32)
#define WIRE_LOSS_STREAM ((uint64_t)8 << 32)
#define WIRE_PARETO_OFFSET_US 5000 /* SimBlock's "mean - 5 ms" */

typedef struct wire_node {
    rng latency_rng; /* this sender's latency draws */
    rng loss_rng;    /* and whether its messages are lost */
    int64_t upload_free_us;
    int64_t download_free_us; /* download_queue only */
    int64_t upload_bps;
    int group;
    bool isolated;
} wire_node;

/* What a sender reads of its receiver, apart from the receiver's
 * wire_node, which the receiver writes whenever it sends: in a parallel run
 * the receiver may be sending on another core at the time, and sharing its
 * cache lines cost ~20% more CPU in wire_route_hold (false sharing). */
typedef struct wire_recv {
    int64_t download_bps;
    int region;
} wire_recv;

/* A region pair's latency draw, worked out from its mean. */
typedef struct wire_pair {
    int64_t mean_us;
    double scale_us;  /* mean - 5 ms; <= 0: no Pareto, the mean as is */
    double inv_shape; /* 1 / (mean / 5 ms) */
    const rng_pareto_table *table; /* the draw's; NULL when scale_us <= 0 */
} wire_pair;

struct wire {
    pthread_mutex_t lock;
    bool single_thread; /* set before the calls it covers, by their one thread */
    atomic_bool connected; /* !partitioned && n_isolated == 0; written under lock */
    /* guarded by lock: */
    latency_model latency;
    int64_t latency_us;
    int64_t latency_max_us;
    int n_regions;
    wire_pair *pairs; /* n_regions^2 */
    rng_pareto_table *tables; /* the pairs' draw tables, n_tables of them */
    int n_tables;
    bool partitioned; /* some nodes in different groups */
    int n_isolated;
    double loss;
    int64_t processing_us;
    bool download_queue;
    int n_nodes;
    wire_node *nodes;
    wire_recv *recv;
};

static bool wire__desc_valid(const wire_desc *d) {
    if (d->n_nodes <= 0) return false;
    if (!(d->loss >= 0.0 && d->loss < 1.0)) return false; /* also rejects NaN */
    if (d->latency_us < 0 || d->processing_us < 0) return false;
    switch (d->latency) {
    case LATENCY_FIXED:
        break;
    case LATENCY_UNIFORM:
        if (d->latency_max_us < d->latency_us) return false;
        break;
    case LATENCY_REGIONS:
        if (d->n_regions <= 0 || !d->region_latency_us) return false;
        for (int i = 0; i < d->n_regions * d->n_regions; i++)
            if (d->region_latency_us[i] < 0) return false;
        if (d->node_region)
            for (int i = 0; i < d->n_nodes; i++)
                if (d->node_region[i] < 0 || d->node_region[i] >= d->n_regions) return false;
        break;
    default:
        return false;
    }
    for (int i = 0; i < d->n_nodes; i++) {
        if (d->upload_bps && d->upload_bps[i] < 0) return false;
        if (d->download_bps && d->download_bps[i] < 0) return false;
    }
    return true;
}

/* SimBlock's Pareto around a pair's mean (see the top). */
static wire_pair wire__pair(int64_t mean_us) {
    wire_pair p = {.mean_us = mean_us, .scale_us = (double)(mean_us - WIRE_PARETO_OFFSET_US)};
    if (p.scale_us > 0) p.inv_shape = 1.0 / ((double)mean_us / WIRE_PARETO_OFFSET_US);
    return p;
}

wire *wire_new(const wire_desc *desc, cs_err *err) {
    assert(desc && err);
    if (!wire__desc_valid(desc)) {
        *err = CS_EINVAL;
        return NULL;
    }
    wire *w = xcalloc(1, sizeof *w);
    mutex_init_brief(&w->lock);
    atomic_init(&w->connected, true);
    w->latency = desc->latency;
    w->latency_us = desc->latency_us;
    w->latency_max_us = desc->latency_max_us;
    w->loss = desc->loss;
    w->processing_us = desc->processing_us;
    w->download_queue = desc->download_queue;
    w->n_nodes = desc->n_nodes;
    if (desc->latency == LATENCY_REGIONS) {
        size_t cells = (size_t)desc->n_regions * (size_t)desc->n_regions;
        w->n_regions = desc->n_regions;
        w->pairs = xmalloc(cells * sizeof *w->pairs);
        w->tables = xcalloc_aligned(_Alignof(rng_pareto_table), cells * sizeof *w->tables);
        for (size_t i = 0; i < cells; i++) {
            wire_pair *p = &w->pairs[i];
            *p = wire__pair(desc->region_latency_us[i]);
            p->table = NULL;
            if (p->scale_us <= 0) continue;
            size_t row = i / (size_t)w->n_regions, col = i % (size_t)w->n_regions;
            const wire_pair *q = &w->pairs[col * (size_t)w->n_regions + row];
            if (col < row && q->mean_us == p->mean_us) {
                p->table = q->table;
            } else {
                rng_pareto_table *t = &w->tables[w->n_tables++];
                rng_pareto_table_init(t, p->inv_shape, p->scale_us);
                p->table = t;
            }
        }
    }
    w->nodes = xcalloc((size_t)desc->n_nodes, sizeof *w->nodes);
    w->recv = xcalloc((size_t)desc->n_nodes, sizeof *w->recv);
    for (int i = 0; i < desc->n_nodes; i++) {
        wire_node *n = &w->nodes[i];
        rng_seed(&n->latency_rng, desc->seed, WIRE_LATENCY_STREAM + (uint64_t)i);
        rng_seed(&n->loss_rng, desc->seed, WIRE_LOSS_STREAM + (uint64_t)i);
        n->upload_bps = desc->upload_bps ? desc->upload_bps[i] : 0;
        w->recv[i].download_bps = desc->download_bps ? desc->download_bps[i] : 0;
        if (desc->latency == LATENCY_REGIONS && desc->node_region)
            w->recv[i].region = desc->node_region[i];
    }
    *err = CS_OK;
    return w;
}

void wire_free(wire *w) {
    if (!w) return;
    pthread_mutex_destroy(&w->lock);
    free(w->pairs);
    free(w->tables);
    free(w->nodes);
    free(w->recv);
    free(w);
}

static inline void wire__lock(wire *w) {
    if (!w->single_thread) pthread_mutex_lock(&w->lock);
}

static inline void wire__unlock(wire *w) {
    if (!w->single_thread) pthread_mutex_unlock(&w->lock);
}

/* Why a and b cannot talk now, or WIRE_DELIVER. Caller holds the lock. */
static wire_fate wire__reach(const wire *w, int from, int to) {
    if (!w->partitioned && w->n_isolated == 0) return WIRE_DELIVER;
    if (w->nodes[from].isolated || w->nodes[to].isolated) return WIRE_DROP_ISOLATED;
    if (w->nodes[from].group != w->nodes[to].group) return WIRE_DROP_PARTITION;
    return WIRE_DELIVER;
}

/* SimBlock's Pareto draw around a region pair's mean (see the top),
 * rounded to the nearest microsecond: the draw is at least the scale (>= 1
 * us), and for such x adding 0.5 is exact or rounds to a representable
 * value that no integer lies beyond, so the cast is llround without the
 * call; rng_pareto_rounded is that cast of rng_pareto_inv(r, inv_shape,
 * scale), bit for bit. */
static int64_t wire__region_latency(rng *r, const wire_pair *p) {
    if (p->scale_us <= 0) return p->mean_us;
    return rng_pareto_rounded(r, p->table);
}

/* Latency of one message; caller holds the lock. */
static int64_t wire__latency(wire *w, int from, int to) {
    rng *r = &w->nodes[from].latency_rng;
    switch (w->latency) {
    case LATENCY_FIXED:
        return w->latency_us;
    case LATENCY_UNIFORM: {
        uint64_t span = (uint64_t)(w->latency_max_us - w->latency_us) + 1;
        return w->latency_us + (int64_t)rng_below(r, span);
    }
    case LATENCY_REGIONS: {
        int ra = w->recv[from].region, rb = w->recv[to].region;
        return wire__region_latency(r, &w->pairs[ra * w->n_regions + rb]);
    }
    }
    return w->latency_us;
}

/* Microseconds to push size_bytes through the slower of the two ends,
 * rounded up (a started microsecond keeps the link busy). */
static int64_t wire__transfer_us(const wire_node *a, const wire_recv *b, size_t size_bytes) {
    int64_t up = a->upload_bps, down = b->download_bps;
    int64_t bps = up == 0 ? down : down == 0 ? up : (up < down ? up : down);
    if (bps == 0 || size_bytes == 0) return 0;
    /* size * 8e6 stays exact in 64 bits below 2.3 TB per message. */
    assert(size_bytes <= UINT64_MAX / 8000000);
    uint64_t bit_us = (uint64_t)size_bytes * 8000000u;
    return (int64_t)((bit_us + (uint64_t)bps - 1) / (uint64_t)bps);
}

wire_fate wire_route(wire *w, int from, int to, size_t size_bytes, int64_t now_us,
                     int64_t *arrive_us) {
    return wire_route_hold(w, from, to, size_bytes, now_us, false, arrive_us);
}

wire_fate wire_route_hold(wire *w, int from, int to, size_t size_bytes, int64_t now_us,
                          bool hold_until_arrival, int64_t *arrive_us) {
    assert(from >= 0 && from < w->n_nodes && to >= 0 && to < w->n_nodes);
    assert(arrive_us);
    wire__lock(w);
    wire_fate fate = wire__reach(w, from, to);
    if (fate != WIRE_DELIVER) goto done;

    wire_node *a = &w->nodes[from];
    int64_t start_us = a->upload_free_us > now_us ? a->upload_free_us : now_us;
    int64_t sent_us = start_us + wire__transfer_us(a, &w->recv[to], size_bytes);
    a->upload_free_us = sent_us;
    int64_t latency_us = wire__latency(w, from, to);
    if (w->loss > 0 && rng_unit(&a->loss_rng) < w->loss) {
        fate = WIRE_DROP_LOSS;
        goto done;
    }
    int64_t received_us = sent_us + latency_us;
    if (w->download_queue) {
        wire_node *b = &w->nodes[to];
        int64_t first_us = start_us + latency_us;
        if (b->download_free_us > first_us) first_us = b->download_free_us;
        received_us = first_us + (sent_us - start_us);
        b->download_free_us = received_us;
    }
    *arrive_us = received_us + w->processing_us;
    if (hold_until_arrival) a->upload_free_us = *arrive_us;
done:
    wire__unlock(w);
    return fate;
}

bool wire_shares_receivers(const wire *w) { return w->download_queue; }

int64_t wire_min_delay_us(wire *w) {
    wire__lock(w);
    int64_t least = w->latency_us;
    if (w->latency == LATENCY_REGIONS) {
        least = INT64_MAX;
        for (int i = 0; i < w->n_regions * w->n_regions; i++) {
            const wire_pair *p = &w->pairs[i];
            /* A Pareto draw is at least its scale, rounded as the draw is. */
            int64_t low = p->scale_us > 0 ? (int64_t)(p->scale_us + 0.5) : p->mean_us;
            if (low < least) least = low;
        }
    }
    least += w->processing_us;
    wire__unlock(w);
    return least;
}

wire_fate wire_check(wire *w, int from, int to) {
    assert(from >= 0 && from < w->n_nodes && to >= 0 && to < w->n_nodes);
    if (atomic_load_explicit(&w->connected, memory_order_acquire)) return WIRE_DELIVER;
    wire__lock(w);
    wire_fate fate = wire__reach(w, from, to);
    wire__unlock(w);
    return fate;
}

/* After a change of partition or isolation; caller holds the lock. */
static void wire__update_connected(wire *w) {
    atomic_store_explicit(&w->connected, !w->partitioned && w->n_isolated == 0,
                          memory_order_release);
}

void wire_set_single_thread(wire *w, bool single) { w->single_thread = single; }

void wire_prefetch(const wire *w, int from, int to) {
    __builtin_prefetch(&w->nodes[from]);
    __builtin_prefetch((const char *)&w->nodes[from] + sizeof(wire_node) - 1);
    __builtin_prefetch(&w->recv[to]);
}

void wire_prefetch_receiver(const wire *w, int to) { __builtin_prefetch(&w->recv[to]); }

int wire_node_region(const wire *w, int node) { return w->recv[node].region; }

void wire_set_partition(wire *w, const int *group_of_node) {
    wire__lock(w);
    w->partitioned = false;
    for (int i = 0; i < w->n_nodes; i++) {
        w->nodes[i].group = group_of_node ? group_of_node[i] : 0;
        w->partitioned |= w->nodes[i].group != w->nodes[0].group;
    }
    wire__update_connected(w);
    wire__unlock(w);
}

void wire_set_isolated(wire *w, int node, bool isolated) {
    assert(node >= 0 && node < w->n_nodes);
    wire__lock(w);
    if (w->nodes[node].isolated != isolated) w->n_isolated += isolated ? 1 : -1;
    w->nodes[node].isolated = isolated;
    wire__update_connected(w);
    wire__unlock(w);
}

bool wire_is_isolated(wire *w, int node) {
    assert(node >= 0 && node < w->n_nodes);
    wire__lock(w);
    bool isolated = w->nodes[node].isolated;
    wire__unlock(w);
    return isolated;
}

void wire_set_loss(wire *w, double loss) {
    assert(loss >= 0.0 && loss < 1.0);
    wire__lock(w);
    w->loss = loss;
    wire__unlock(w);
}

void wire_set_fixed_latency(wire *w, int64_t latency_us) {
    assert(latency_us >= 0);
    wire__lock(w);
    w->latency = LATENCY_FIXED;
    w->latency_us = latency_us;
    wire__unlock(w);
}

void wire_set_bandwidth(wire *w, int node, int64_t upload_bps, int64_t download_bps) {
    assert(node >= 0 && node < w->n_nodes);
    assert(upload_bps >= 0 && download_bps >= 0);
    wire__lock(w);
    w->nodes[node].upload_bps = upload_bps;
    w->recv[node].download_bps = download_bps;
    wire__unlock(w);
}

const char *wire_fate_name(wire_fate f) {
    switch (f) {
    case WIRE_DELIVER: return "deliver";
    case WIRE_DROP_LOSS: return "loss";
    case WIRE_DROP_PARTITION: return "partition";
    case WIRE_DROP_ISOLATED: return "isolated";
    case WIRE_DROP_CRASHED: return "crashed";
    }
    return "?";
}
