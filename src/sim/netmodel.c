/* netmodel.c - per-node values of one run from the scenario's network model
 * and hash-power rules (see netmodel.h).
 *
 * Hash power, in order:
 *   1. each node's own value ("hash_power" in its object or the list), else
 *      a draw from the distribution, else 1;
 *   2. pools: named nodes, then nodes drawn among the rest; the pools get
 *      their shares of the total and the other nodes keep their relative
 *      powers in what is left: with H the others' sum and P the pools'
 *      shares, the total is T = H / (1 - P), pool j gets share_j * T. When
 *      the pools hold everything (P = 1) or the others have nothing, T = 1
 *      and the others get 0. */
#include "sim/netmodel.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* rng streams (sim.c uses 1 for traffic, 2 for the topology and 7 for
 * the observers' links). */
enum {
    NETMODEL_STREAM_REGIONS = 3,
    NETMODEL_STREAM_DEGREES = 4,
    NETMODEL_STREAM_HASH_POWER = 5,
    NETMODEL_STREAM_POOLS = 6,
};

void netmodel_deal(int *labels, int n, const double *cdf, int n_cdf, rng *r) {
    int at = 0;
    for (int k = 0; k < n_cdf && at < n; k++) {
        int upto = k == n_cdf - 1 ? n : (int)llround((double)n * cdf[k]);
        while (at < upto) labels[at++] = k;
    }
    while (at < n) labels[at++] = n_cdf - 1; /* a cdf that ends short of 1 */
    for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)rng_below(r, (uint64_t)i + 1);
        int t = labels[i];
        labels[i] = labels[j];
        labels[j] = t;
    }
}

/* Regions: nodes that name theirs keep it; the others are dealt by the
 * model's shares (if any). */
static void netmodel__regions(netmodel *m, const scenario *s, uint64_t seed) {
    const scn_network *net = &s->network;
    int n = s->n_nodes, unset = 0;
    for (int i = 0; i < n; i++) {
        m->region[i] = s->nodes[i].region;
        unset += !s->nodes[i].region_set;
    }
    if (!net->on || !net->region_share || unset == 0) return;
    double *cdf = xmalloc((size_t)s->n_regions * sizeof *cdf);
    double sum = 0;
    for (int k = 0; k < s->n_regions; k++) cdf[k] = sum += net->region_share[k];
    int *labels = xmalloc((size_t)unset * sizeof *labels);
    rng r;
    rng_seed(&r, seed, NETMODEL_STREAM_REGIONS);
    netmodel_deal(labels, unset, cdf, s->n_regions, &r);
    for (int i = 0, next = 0; i < n; i++)
        if (!s->nodes[i].region_set) m->region[i] = labels[next++];
    free(labels);
    free(cdf);
}

static void netmodel__bandwidth(netmodel *m, const scenario *s) {
    const scn_network *net = &s->network;
    for (int i = 0; i < s->n_nodes; i++) {
        int64_t up = s->upload_bps, down = s->download_bps;
        if (net->on) {
            up = net->region_upload_bps ? net->region_upload_bps[m->region[i]] : 0;
            down = net->region_download_bps ? net->region_download_bps[m->region[i]] : 0;
        }
        m->upload_bps[i] = s->nodes[i].upload_bps > 0 ? s->nodes[i].upload_bps : up;
        m->download_bps[i] = s->nodes[i].download_bps > 0 ? s->nodes[i].download_bps : down;
    }
}

static double netmodel__draw(const scn_hash_power *hp, rng *r) {
    switch (hp->dist) {
    case HP_EQUAL: return 1;
    case HP_NORMAL: {
        double v = hp->a + hp->b * rng_normal(r);
        return v > 0 ? v : 0;
    }
    case HP_EXPONENTIAL: return rng_exp(r, hp->a);
    case HP_UNIFORM: return hp->a + (hp->b - hp->a) * rng_unit(r);
    case HP_PARETO: return rng_pareto(r, hp->a, hp->b);
    }
    return 1;
}

static void netmodel__pools(netmodel *m, const scenario *s, uint64_t seed) {
    const scn_hash_power *hp = &s->hash_power;
    int n = s->n_nodes;
    bool *is_pool = xcalloc((size_t)n, sizeof *is_pool);
    int *pool_node = xmalloc(hp->n_pools * sizeof *pool_node);
    for (size_t j = 0; j < hp->n_pools; j++) {
        pool_node[j] = hp->pools[j].node;
        if (pool_node[j] >= 0) is_pool[pool_node[j]] = true;
    }
    rng r;
    rng_seed(&r, seed, NETMODEL_STREAM_POOLS);
    for (size_t j = 0; j < hp->n_pools; j++) {
        if (pool_node[j] >= 0) continue;
        int v;
        do v = (int)rng_below(&r, (uint64_t)n);
        while (is_pool[v]);
        is_pool[v] = true;
        pool_node[j] = v;
    }
    double others = 0, shares = 0;
    for (int i = 0; i < n; i++)
        if (!is_pool[i]) others += m->hash_power[i];
    for (size_t j = 0; j < hp->n_pools; j++) shares += hp->pools[j].share;
    bool others_keep = shares < 1 - 1e-12 && others > 0;
    double total = others_keep ? others / (1 - shares) : 1;
    if (!others_keep)
        for (int i = 0; i < n; i++) m->hash_power[i] = 0;
    for (size_t j = 0; j < hp->n_pools; j++)
        m->hash_power[pool_node[j]] = hp->pools[j].share * total;
    free(pool_node);
    free(is_pool);
}

static void netmodel__hash_power(netmodel *m, const scenario *s, uint64_t seed) {
    rng r;
    rng_seed(&r, seed, NETMODEL_STREAM_HASH_POWER);
    for (int i = 0; i < s->n_nodes; i++)
        m->hash_power[i] = s->nodes[i].hash_power_set || s->hash_power.dist == HP_EQUAL
                               ? s->nodes[i].hash_power
                               : netmodel__draw(&s->hash_power, &r);
    if (s->hash_power.n_pools > 0) netmodel__pools(m, s, seed);
}

static void netmodel__degrees(netmodel *m, const scenario *s, uint64_t seed) {
    if (s->topology != TOPO_RANDOM_DEGREES) return;
    m->out_degree = xmalloc((size_t)s->n_nodes * sizeof *m->out_degree);
    rng r;
    rng_seed(&r, seed, NETMODEL_STREAM_DEGREES);
    netmodel_deal(m->out_degree, s->n_nodes, s->outbound_cdf, s->n_outbound_cdf, &r);
    for (int i = 0; i < s->n_nodes; i++) m->out_degree[i]++; /* label k = k + 1 peers */
}

void netmodel_init(netmodel *m, const scenario *s, uint64_t seed) {
    size_t n = (size_t)s->n_nodes;
    memset(m, 0, sizeof *m);
    m->n = s->n_nodes;
    m->region = xmalloc(n * sizeof *m->region);
    m->upload_bps = xmalloc(n * sizeof *m->upload_bps);
    m->download_bps = xmalloc(n * sizeof *m->download_bps);
    m->hash_power = xmalloc(n * sizeof *m->hash_power);
    netmodel__regions(m, s, seed);
    netmodel__bandwidth(m, s);
    netmodel__hash_power(m, s, seed);
    netmodel__degrees(m, s, seed);
}

void netmodel_cleanup(netmodel *m) {
    free(m->region);
    free(m->upload_bps);
    free(m->download_bps);
    free(m->out_degree);
    free(m->hash_power);
    memset(m, 0, sizeof *m);
}
