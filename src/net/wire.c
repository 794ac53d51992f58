/* wire.c - link model: latency, bandwidth with per-sender upload queues,
 * loss, partitions and isolation.
 *
 * State per node (all guarded by `lock`):
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
 * draws a random number; (3) loss, one draw only when loss > 0; (4) the
 * latency draw (none for FIXED). A lost message still occupied the sender's
 * upload (it was sent and vanished on the way); a cut one never left.
 *
 * Region latencies follow SimBlock's Network.getLatency: with the pair's
 * mean m in milliseconds, shape = 0.2 * m and scale = m - 5 ms, and the
 * latency is scale / u^(1/shape) for u uniform in (0, 1] - a Pareto whose
 * mean is exactly m (shape * scale / (shape - 1) = m) and whose minimum is
 * the scale. We keep microseconds, so shape = m_us / 5000; for m <= 5 ms
 * there is no such Pareto and the mean is used as is. */
#include "net/wire.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/rng.h"

#define WIRE_RNG_STREAM 0x57495245 /* "WIRE" */
#define WIRE_PARETO_OFFSET_US 5000 /* SimBlock's "mean - 5 ms" */

typedef struct wire_node {
    int64_t upload_free_us;
    int64_t upload_bps;
    int64_t download_bps;
    int region;
    int group;
    bool isolated;
} wire_node;

struct wire {
    pthread_mutex_t lock;
    /* guarded by lock: */
    rng rng;
    latency_model latency;
    int64_t latency_us;
    int64_t latency_max_us;
    int n_regions;
    int64_t *region_latency_us; /* n_regions^2 */
    double loss;
    int64_t processing_us;
    int n_nodes;
    wire_node *nodes;
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

wire *wire_new(const wire_desc *desc, cs_err *err) {
    assert(desc && err);
    if (!wire__desc_valid(desc)) {
        *err = CS_EINVAL;
        return NULL;
    }
    wire *w = xcalloc(1, sizeof *w);
    if (pthread_mutex_init(&w->lock, NULL) != 0) abort();
    rng_seed(&w->rng, desc->seed, WIRE_RNG_STREAM);
    w->latency = desc->latency;
    w->latency_us = desc->latency_us;
    w->latency_max_us = desc->latency_max_us;
    w->loss = desc->loss;
    w->processing_us = desc->processing_us;
    w->n_nodes = desc->n_nodes;
    if (desc->latency == LATENCY_REGIONS) {
        size_t cells = (size_t)desc->n_regions * (size_t)desc->n_regions;
        w->n_regions = desc->n_regions;
        w->region_latency_us = xmalloc(cells * sizeof *w->region_latency_us);
        memcpy(w->region_latency_us, desc->region_latency_us,
               cells * sizeof *w->region_latency_us);
    }
    w->nodes = xcalloc((size_t)desc->n_nodes, sizeof *w->nodes);
    for (int i = 0; i < desc->n_nodes; i++) {
        wire_node *n = &w->nodes[i];
        n->upload_bps = desc->upload_bps ? desc->upload_bps[i] : 0;
        n->download_bps = desc->download_bps ? desc->download_bps[i] : 0;
        if (desc->latency == LATENCY_REGIONS && desc->node_region)
            n->region = desc->node_region[i];
    }
    *err = CS_OK;
    return w;
}

void wire_free(wire *w) {
    if (!w) return;
    pthread_mutex_destroy(&w->lock);
    free(w->region_latency_us);
    free(w->nodes);
    free(w);
}

/* Why a and b cannot talk now, or WIRE_DELIVER. Caller holds the lock. */
static wire_fate wire__reach(const wire *w, int from, int to) {
    if (w->nodes[from].isolated || w->nodes[to].isolated) return WIRE_DROP_ISOLATED;
    if (w->nodes[from].group != w->nodes[to].group) return WIRE_DROP_PARTITION;
    return WIRE_DELIVER;
}

/* SimBlock's Pareto draw around a region pair's mean (see the top). */
static int64_t wire__region_latency(wire *w, int64_t mean_us) {
    double scale_us = (double)(mean_us - WIRE_PARETO_OFFSET_US);
    if (scale_us <= 0) return mean_us;
    double shape = (double)mean_us / WIRE_PARETO_OFFSET_US; /* 0.2 * mean in ms */
    return llround(rng_pareto(&w->rng, shape, scale_us));
}

/* Latency of one message; caller holds the lock. */
static int64_t wire__latency(wire *w, int from, int to) {
    switch (w->latency) {
    case LATENCY_FIXED:
        return w->latency_us;
    case LATENCY_UNIFORM: {
        uint64_t span = (uint64_t)(w->latency_max_us - w->latency_us) + 1;
        return w->latency_us + (int64_t)rng_below(&w->rng, span);
    }
    case LATENCY_REGIONS: {
        int ra = w->nodes[from].region, rb = w->nodes[to].region;
        return wire__region_latency(w, w->region_latency_us[ra * w->n_regions + rb]);
    }
    }
    return w->latency_us;
}

/* Microseconds to push size_bytes through the slower of the two ends,
 * rounded up (a started microsecond keeps the link busy). */
static int64_t wire__transfer_us(const wire_node *a, const wire_node *b, size_t size_bytes) {
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
    assert(from >= 0 && from < w->n_nodes && to >= 0 && to < w->n_nodes);
    assert(arrive_us);
    pthread_mutex_lock(&w->lock);
    wire_fate fate = wire__reach(w, from, to);
    if (fate != WIRE_DELIVER) goto done;

    wire_node *a = &w->nodes[from];
    int64_t start_us = a->upload_free_us > now_us ? a->upload_free_us : now_us;
    int64_t sent_us = start_us + wire__transfer_us(a, &w->nodes[to], size_bytes);
    a->upload_free_us = sent_us;
    if (w->loss > 0 && rng_unit(&w->rng) < w->loss) {
        fate = WIRE_DROP_LOSS;
        goto done;
    }
    *arrive_us = sent_us + wire__latency(w, from, to) + w->processing_us;
done:
    pthread_mutex_unlock(&w->lock);
    return fate;
}

wire_fate wire_check(wire *w, int from, int to) {
    assert(from >= 0 && from < w->n_nodes && to >= 0 && to < w->n_nodes);
    pthread_mutex_lock(&w->lock);
    wire_fate fate = wire__reach(w, from, to);
    pthread_mutex_unlock(&w->lock);
    return fate;
}

void wire_set_partition(wire *w, const int *group_of_node) {
    pthread_mutex_lock(&w->lock);
    for (int i = 0; i < w->n_nodes; i++)
        w->nodes[i].group = group_of_node ? group_of_node[i] : 0;
    pthread_mutex_unlock(&w->lock);
}

void wire_set_isolated(wire *w, int node, bool isolated) {
    assert(node >= 0 && node < w->n_nodes);
    pthread_mutex_lock(&w->lock);
    w->nodes[node].isolated = isolated;
    pthread_mutex_unlock(&w->lock);
}

bool wire_is_isolated(wire *w, int node) {
    assert(node >= 0 && node < w->n_nodes);
    pthread_mutex_lock(&w->lock);
    bool isolated = w->nodes[node].isolated;
    pthread_mutex_unlock(&w->lock);
    return isolated;
}

void wire_set_loss(wire *w, double loss) {
    assert(loss >= 0.0 && loss < 1.0);
    pthread_mutex_lock(&w->lock);
    w->loss = loss;
    pthread_mutex_unlock(&w->lock);
}

void wire_set_fixed_latency(wire *w, int64_t latency_us) {
    assert(latency_us >= 0);
    pthread_mutex_lock(&w->lock);
    w->latency = LATENCY_FIXED;
    w->latency_us = latency_us;
    pthread_mutex_unlock(&w->lock);
}

void wire_set_bandwidth(wire *w, int node, int64_t upload_bps, int64_t download_bps) {
    assert(node >= 0 && node < w->n_nodes);
    assert(upload_bps >= 0 && download_bps >= 0);
    pthread_mutex_lock(&w->lock);
    w->nodes[node].upload_bps = upload_bps;
    w->nodes[node].download_bps = download_bps;
    pthread_mutex_unlock(&w->lock);
}

const char *wire_fate_name(wire_fate f) {
    switch (f) {
    case WIRE_DELIVER: return "deliver";
    case WIRE_DROP_LOSS: return "loss";
    case WIRE_DROP_PARTITION: return "partition";
    case WIRE_DROP_ISOLATED: return "isolated";
    }
    return "?";
}
