/* topology.c - initial peer graphs, as sorted compressed rows.
 *
 * MESH and RING are written row by row, already sorted. RANDOM, SCALE_FREE
 * and EDGES first produce a list of undirected links, which may repeat (two
 * nodes that picked each other, an edge listed twice); topo__from_links turns
 * it into rows: count both directions per node, fill, sort each row, drop
 * repeats, compact. RANDOM uses Floyd's sampling, so each node costs exactly
 * k draws and the result depends only on the rng's state.
 *
 * RANDOM_DEGREES and SMALL_WORLD must ask "are i and j linked already?"
 * while they build, and SMALL_WORLD removes links, so they grow a
 * topo__adj (a small array of peers per node, searched linearly: degrees
 * here are tens, not thousands) and turn it into rows at the end.
 *
 * SCALE_FREE samples a target in proportion to its degree by picking a
 * uniform entry of the link list built so far, where every node appears
 * once per link it has (the "repeated nodes" trick of networkx). */
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

/* ---- graphs under construction ---------------------------------------- */

typedef struct topo__row {
    int *peers;
    int len, cap;
} topo__row;

typedef struct topo__adj {
    int n;
    topo__row *rows;
} topo__adj;

static void topo__adj_init(topo__adj *a, int n) {
    a->n = n;
    a->rows = xcalloc((size_t)n + 1, sizeof *a->rows);
}

static void topo__adj_cleanup(topo__adj *a) {
    for (int i = 0; i < a->n; i++) free(a->rows[i].peers);
    free(a->rows);
}

static bool topo__adj_has(const topo__adj *a, int i, int j) {
    const topo__row *row = &a->rows[i];
    for (int p = 0; p < row->len; p++)
        if (row->peers[p] == j) return true;
    return false;
}

static void topo__row_push(topo__row *row, int peer) {
    size_t cap = (size_t)row->cap;
    row->peers = xgrow(row->peers, &cap, (size_t)row->len + 1, sizeof *row->peers);
    row->cap = (int)cap;
    row->peers[row->len++] = peer;
}

static void topo__row_remove(topo__row *row, int peer) {
    for (int p = 0; p < row->len; p++)
        if (row->peers[p] == peer) {
            row->peers[p] = row->peers[--row->len];
            return;
        }
}

static void topo__adj_link(topo__adj *a, int i, int j) {
    topo__row_push(&a->rows[i], j);
    topo__row_push(&a->rows[j], i);
}

static void topo__adj_unlink(topo__adj *a, int i, int j) {
    topo__row_remove(&a->rows[i], j);
    topo__row_remove(&a->rows[j], i);
}

/* Sorted rows from an adjacency without repeats. */
static void topo__from_adj(topology *t, const topo__adj *a) {
    size_t total = 0;
    for (int i = 0; i < a->n; i++) total += (size_t)a->rows[i].len;
    topo__alloc(t, a->n, total);
    size_t at = 0;
    for (int i = 0; i < a->n; i++) {
        const topo__row *row = &a->rows[i];
        t->offsets[i] = (int)at;
        if (row->len > 0) memcpy(t->peers + at, row->peers, (size_t)row->len * sizeof *t->peers);
        qsort(t->peers + at, (size_t)row->len, sizeof *t->peers, topo__cmp_int);
        at += (size_t)row->len;
    }
    t->offsets[a->n] = (int)at;
}

/* ---- RANDOM_DEGREES --------------------------------------------------- */

/* Node i opens up to `want` links to nodes it is not linked to yet. When
 * most of the free nodes are wanted (small graphs), it lists them and takes
 * a random subset; otherwise it draws and redraws on a taken node, which
 * costs about one draw per link when the graph is sparse. */
static void topo__open_links(topo__adj *a, int i, int want, unsigned char *mark, rng *r) {
    int n = a->n, free_nodes = n - 1 - a->rows[i].len;
    if (want > free_nodes) want = free_nodes;
    if (want <= 0) return;
    if (2 * want < free_nodes) {
        for (int got = 0; got < want;) {
            int j = (int)rng_below(r, (uint64_t)n - 1);
            if (j >= i) j++;
            if (topo__adj_has(a, i, j)) continue;
            topo__adj_link(a, i, j);
            got++;
        }
        return;
    }
    int *cand = xmalloc((size_t)free_nodes * sizeof *cand);
    const topo__row *row = &a->rows[i];
    for (int p = 0; p < row->len; p++) mark[row->peers[p]] = 1;
    int m = 0;
    for (int j = 0; j < n; j++)
        if (j != i && !mark[j]) cand[m++] = j;
    for (int p = 0; p < row->len; p++) mark[row->peers[p]] = 0;
    for (int got = 0; got < want; got++) {
        int x = got + (int)rng_below(r, (uint64_t)(m - got));
        int pick = cand[x];
        cand[x] = cand[got];
        topo__adj_link(a, i, pick);
    }
    free(cand);
}

static void topo__random_degrees(topology *t, int n, const int *out_degree, rng *r) {
    topo__adj a;
    topo__adj_init(&a, n);
    unsigned char *mark = xcalloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++) topo__open_links(&a, i, out_degree[i], mark, r);
    topo__from_adj(t, &a);
    free(mark);
    topo__adj_cleanup(&a);
}

/* ---- SMALL_WORLD (Watts-Strogatz) ------------------------------------- */

/* The ring lattice, then, lattice distance by distance, each link (i, i+j)
 * is moved with probability beta to (i, w) for a uniform w that is neither i
 * nor linked to i (networkx's watts_strogatz_graph). i keeps the link, so
 * every node keeps at least k/2 peers. */
static void topo__small_world(topology *t, int n, int k, double beta, rng *r) {
    int half = k / 2;
    topo__adj a;
    topo__adj_init(&a, n);
    for (int j = 1; j <= half; j++)
        for (int i = 0; i < n; i++) topo__adj_link(&a, i, (i + j) % n);
    for (int j = 1; j <= half; j++)
        for (int i = 0; i < n; i++) {
            if (rng_unit(r) >= beta || a.rows[i].len >= n - 1) continue;
            int w;
            do w = (int)rng_below(r, (uint64_t)n);
            while (w == i || topo__adj_has(&a, i, w));
            topo__adj_unlink(&a, i, (i + j) % n);
            topo__adj_link(&a, i, w);
        }
    topo__from_adj(t, &a);
    topo__adj_cleanup(&a);
}

/* ---- SCALE_FREE (Barabasi-Albert) ------------------------------------- */

static void topo__scale_free(topology *t, int n, int m, rng *r) {
    size_t n_links = (size_t)m * (size_t)(m + 1) / 2 + (size_t)(n - m - 1) * (size_t)m;
    int *links = xmalloc(2 * n_links * sizeof *links);
    int *targets = xmalloc((size_t)m * sizeof *targets);
    size_t e = 0;
    for (int i = 0; i <= m; i++)
        for (int j = i + 1; j <= m; j++) {
            links[2 * e] = i;
            links[2 * e + 1] = j;
            e++;
        }
    for (int v = m + 1; v < n; v++) {
        uint64_t ends = 2 * (uint64_t)e; /* links of the nodes before v */
        for (int got = 0; got < m;) {
            int u = links[rng_below(r, ends)];
            bool dup = false;
            for (int g = 0; g < got && !dup; g++) dup = targets[g] == u;
            if (!dup) targets[got++] = u;
        }
        for (int g = 0; g < m; g++) {
            links[2 * e] = v;
            links[2 * e + 1] = targets[g];
            e++;
        }
    }
    assert(e == n_links);
    topo__from_links(t, n, links, n_links);
    free(targets);
    free(links);
}

/* Offsets are ints: a graph with more peer entries cannot be stored. */
static bool topo__fits(uint64_t n_peer_entries) {
    return n_peer_entries <= INT_MAX;
}

static cs_err topo__build_random_degrees(topology *t, const topo_desc *d, rng *r) {
    if (!d->out_degree) return CS_EINVAL;
    uint64_t entries = 0;
    for (int i = 0; i < d->n; i++) {
        if (d->out_degree[i] < 0) return CS_EINVAL;
        int k = d->out_degree[i] < d->n - 1 ? d->out_degree[i] : d->n - 1;
        entries += 2 * (uint64_t)k;
    }
    if (!topo__fits(entries)) return CS_ERANGE;
    topo__random_degrees(t, d->n, d->out_degree, r);
    return CS_OK;
}

cs_err topo_build(topology *t, const topo_desc *d, rng *r) {
    memset(t, 0, sizeof *t);
    int n = d->n, k = d->k;
    if (n < 0) return CS_EINVAL;
    switch (d->kind) {
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
    case TOPO_RANDOM_DEGREES:
        assert(r);
        return topo__build_random_degrees(t, d, r);
    case TOPO_SMALL_WORLD:
        assert(r);
        if (k < 2 || k % 2 != 0 || !(d->beta >= 0 && d->beta <= 1)) return CS_EINVAL;
        if (k >= n - 1) {
            if (!topo__fits((uint64_t)n * (uint64_t)(n > 0 ? n - 1 : 0))) return CS_ERANGE;
            topo__mesh(t, n);
            return CS_OK;
        }
        if (!topo__fits((uint64_t)n * (uint64_t)k)) return CS_ERANGE;
        topo__small_world(t, n, k, d->beta, r);
        return CS_OK;
    case TOPO_SCALE_FREE:
        assert(r);
        if (k < 1) return CS_EINVAL;
        if (n <= k + 1) {
            if (!topo__fits((uint64_t)n * (uint64_t)(n > 0 ? n - 1 : 0))) return CS_ERANGE;
            topo__mesh(t, n);
            return CS_OK;
        }
        if (!topo__fits(2 * (uint64_t)n * (uint64_t)k)) return CS_ERANGE;
        topo__scale_free(t, n, k, r);
        return CS_OK;
    case TOPO_EDGES:
        if (d->n_edges > 0 && !d->edges) return CS_EINVAL;
        if (!topo__fits(2 * (uint64_t)d->n_edges)) return CS_ERANGE;
        for (size_t e = 0; e < d->n_edges; e++) {
            int a = d->edges[2 * e], b = d->edges[2 * e + 1];
            if (a < 0 || a >= n || b < 0 || b >= n || a == b) return CS_EINVAL;
        }
        topo__from_links(t, n, d->edges, d->n_edges);
        return CS_OK;
    }
    return CS_EINVAL;
}

void topo_cleanup(topology *t) {
    free(t->offsets);
    free(t->peers);
    memset(t, 0, sizeof *t);
}
