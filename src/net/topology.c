/* topology.c - initial peer graphs, as sorted compressed rows.
 *
 * MESH and RING are written row by row, already sorted. RANDOM and EDGES
 * first produce a list of undirected links, which may repeat (two nodes that
 * picked each other, an edge listed twice); topo__from_links turns it into
 * rows: count both directions per node, fill, sort each row, drop repeats,
 * compact. RANDOM uses Floyd's sampling, so each node costs exactly k draws
 * and the result depends only on the rng's state. */
#include "net/topology.h"

#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static void topo__alloc(topology *t, int n, size_t n_peers) {
    t->n = n;
    t->offsets = xcalloc((size_t)n + 1, sizeof *t->offsets);
    t->peers = xmalloc((n_peers ? n_peers : 1) * sizeof *t->peers);
}

static void topo__mesh(topology *t, int n) {
    topo__alloc(t, n, (size_t)n * (size_t)(n > 0 ? n - 1 : 0));
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        t->offsets[i] = (int)at;
        for (int j = 0; j < n; j++)
            if (j != i) t->peers[at++] = j;
    }
    t->offsets[n] = (int)at;
}

static void topo__ring(topology *t, int n) {
    topo__alloc(t, n, 2 * (size_t)n);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        t->offsets[i] = (int)at;
        int prev = (i + n - 1) % n, next = (i + 1) % n;
        int lo = prev < next ? prev : next, hi = prev < next ? next : prev;
        /* n = 1: both are i itself; n = 2: both are the other node. */
        if (lo != i) t->peers[at++] = lo;
        if (hi != i && hi != lo) t->peers[at++] = hi;
    }
    t->offsets[n] = (int)at;
}

static int topo__cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Rows from n_links undirected links (pairs in `links`, both in range, no
 * self-loops), deduplicated. */
static void topo__from_links(topology *t, int n, const int *links, size_t n_links) {
    topo__alloc(t, n, 2 * n_links);
    int *fill = xcalloc((size_t)n + 1, sizeof *fill);
    for (size_t e = 0; e < n_links; e++) {
        fill[links[2 * e] + 1]++;
        fill[links[2 * e + 1] + 1]++;
    }
    for (int i = 0; i < n; i++) fill[i + 1] += fill[i];
    for (size_t e = 0; e < n_links; e++) {
        int a = links[2 * e], b = links[2 * e + 1];
        t->peers[fill[a]++] = b;
        t->peers[fill[b]++] = a;
    }
    /* fill[i] now ends row i (= starts row i + 1 before filling). */
    size_t at = 0, row_start = 0;
    for (int i = 0; i < n; i++) {
        size_t row_end = (size_t)fill[i];
        qsort(t->peers + row_start, row_end - row_start, sizeof *t->peers, topo__cmp_int);
        t->offsets[i] = (int)at;
        for (size_t p = row_start; p < row_end; p++)
            if (p == row_start || t->peers[p] != t->peers[p - 1]) t->peers[at++] = t->peers[p];
        row_start = row_end;
    }
    t->offsets[n] = (int)at;
    free(fill);
}

/* Each node picks k distinct peers other than itself (Floyd's algorithm over
 * the n - 1 others; `picked` marks choices and is cleared after each node). */
static void topo__random(topology *t, int n, int k, rng *r) {
    size_t n_links = (size_t)n * (size_t)k;
    int *links = xmalloc((n_links ? n_links : 1) * 2 * sizeof *links);
    unsigned char *picked = xcalloc((size_t)n, 1);
    size_t e = 0;
    int others = n - 1;
    for (int i = 0; i < n; i++) {
        size_t row = e;
        for (int j = others - k; j < others; j++) {
            int v = (int)rng_below(r, (uint64_t)j + 1);
            if (picked[v]) v = j;
            picked[v] = 1;
            links[2 * e] = i;
            links[2 * e + 1] = v >= i ? v + 1 : v; /* skip i itself */
            e++;
        }
        for (size_t p = row; p < e; p++) {
            int v = links[2 * p + 1];
            picked[v > i ? v - 1 : v] = 0;
        }
    }
    topo__from_links(t, n, links, n_links);
    free(picked);
    free(links);
}

/* Offsets are ints: a graph with more peer entries cannot be stored. */
static bool topo__fits(uint64_t n_peer_entries) {
    return n_peer_entries <= INT_MAX;
}

cs_err topo_build(topology *t, topo_kind kind, int n, int k, const int *edges,
                  size_t n_edges, rng *r) {
    memset(t, 0, sizeof *t);
    if (n < 0) return CS_EINVAL;
    switch (kind) {
    case TOPO_NONE:
        topo__alloc(t, n, 0);
        return CS_OK;
    case TOPO_MESH:
        if (!topo__fits((uint64_t)n * (uint64_t)(n > 0 ? n - 1 : 0))) return CS_ERANGE;
        topo__mesh(t, n);
        return CS_OK;
    case TOPO_RING:
        topo__ring(t, n);
        return CS_OK;
    case TOPO_RANDOM:
        assert(r);
        if (k < 0) return CS_EINVAL;
        if (k > n - 1) k = n > 0 ? n - 1 : 0;
        if (!topo__fits(2 * (uint64_t)n * (uint64_t)k)) return CS_ERANGE;
        topo__random(t, n, k, r);
        return CS_OK;
    case TOPO_EDGES:
        if (n_edges > 0 && !edges) return CS_EINVAL;
        if (!topo__fits(2 * (uint64_t)n_edges)) return CS_ERANGE;
        for (size_t e = 0; e < n_edges; e++) {
            int a = edges[2 * e], b = edges[2 * e + 1];
            if (a < 0 || a >= n || b < 0 || b >= n || a == b) return CS_EINVAL;
        }
        topo__from_links(t, n, edges, n_edges);
        return CS_OK;
    }
    return CS_EINVAL;
}

void topo_cleanup(topology *t) {
    free(t->offsets);
    free(t->peers);
    memset(t, 0, sizeof *t);
}
