/* test_topology.c - peer graphs: degrees, symmetry, sortedness, determinism,
 * connectivity, invalid input; the small-world and scale-free generators
 * against the properties that define them (clustering and distances,
 * a power-law tail). */
#include "net/topology.h"

#include <stdlib.h>

#include "check.h"

/* Rows sorted strictly (so no duplicates), no self-loops, every link both
 * ways. Returns 1 if all hold; prints the first problem otherwise. */
static int well_formed(const topology *t) {
    if (t->offsets[0] != 0) return 0;
    for (int i = 0; i < t->n; i++) {
        if (t->offsets[i + 1] < t->offsets[i]) return 0;
        for (int p = t->offsets[i]; p < t->offsets[i + 1]; p++) {
            int j = t->peers[p];
            if (j < 0 || j >= t->n || j == i) {
                fprintf(stderr, "  node %d: bad peer %d\n", i, j);
                return 0;
            }
            if (p > t->offsets[i] && t->peers[p - 1] >= j) {
                fprintf(stderr, "  node %d: row not strictly sorted\n", i);
                return 0;
            }
            int back = 0;
            for (int q = t->offsets[j]; q < t->offsets[j + 1]; q++) back |= t->peers[q] == i;
            if (!back) {
                fprintf(stderr, "  link %d-%d only one way\n", i, j);
                return 0;
            }
        }
    }
    return 1;
}

/* The engine's kinds by their parameters (the random-degree, small-world and
 * scale-free cases below build their topo_desc themselves). */
static cs_err build(topology *t, topo_kind kind, int n, int k, const int *edges, size_t n_edges,
                    rng *r) {
    return topo_build(t, &(topo_desc){.kind = kind, .n = n, .k = k, .edges = edges,
                                      .n_edges = n_edges}, r);
}

static cs_err build_degrees(topology *t, int n, const int *out_degree, rng *r) {
    topo_desc d = {.kind = TOPO_RANDOM_DEGREES, .n = n, .out_degree = out_degree};
    return topo_build(t, &d, r);
}

static cs_err build_small_world(topology *t, int n, int k, double beta, rng *r) {
    return topo_build(t, &(topo_desc){.kind = TOPO_SMALL_WORLD, .n = n, .k = k, .beta = beta}, r);
}

static cs_err build_scale_free(topology *t, int n, int k, rng *r) {
    return topo_build(t, &(topo_desc){.kind = TOPO_SCALE_FREE, .n = n, .k = k}, r);
}

static int has_peer(const topology *t, int i, int j) {
    for (int p = t->offsets[i]; p < t->offsets[i + 1]; p++)
        if (t->peers[p] == j) return 1;
    return 0;
}

static void test_none(void) {
    topology t;
    CHECK_INT_EQ(build(&t, TOPO_NONE, 5, 0, NULL, 0, NULL), CS_OK);
    CHECK_INT_EQ(t.n, 5);
    for (int i = 0; i < 5; i++) CHECK_INT_EQ(topo_degree(&t, i), 0);
    topo_cleanup(&t);
}

static void test_mesh(void) {
    for (int n = 0; n <= 6; n++) {
        topology t;
        CHECK_INT_EQ(build(&t, TOPO_MESH, n, 0, NULL, 0, NULL), CS_OK);
        CHECK(well_formed(&t));
        CHECK_INT_EQ(t.offsets[n], n * (n > 0 ? n - 1 : 0));
        for (int i = 0; i < n; i++) CHECK_INT_EQ(topo_degree(&t, i), n - 1);
        topo_cleanup(&t);
    }
}

static void test_ring_small(void) {
    topology t;
    CHECK_INT_EQ(build(&t, TOPO_RING, 1, 0, NULL, 0, NULL), CS_OK);
    CHECK_INT_EQ(topo_degree(&t, 0), 0);
    topo_cleanup(&t);

    CHECK_INT_EQ(build(&t, TOPO_RING, 2, 0, NULL, 0, NULL), CS_OK);
    CHECK(well_formed(&t));
    CHECK_INT_EQ(topo_degree(&t, 0), 1);
    CHECK_INT_EQ(topo_degree(&t, 1), 1);
    CHECK_INT_EQ(t.peers[0], 1);
    CHECK_INT_EQ(t.peers[1], 0);
    topo_cleanup(&t);

    CHECK_INT_EQ(build(&t, TOPO_RING, 3, 0, NULL, 0, NULL), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(topo_degree(&t, i), 2);
    topo_cleanup(&t);
}

static void test_ring(void) {
    topology t;
    CHECK_INT_EQ(build(&t, TOPO_RING, 10, 0, NULL, 0, NULL), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < 10; i++) CHECK_INT_EQ(topo_degree(&t, i), 2);
    /* Node 0: peers 1 and 9, sorted; node 5: 4 and 6. */
    CHECK_INT_EQ(t.peers[t.offsets[0]], 1);
    CHECK_INT_EQ(t.peers[t.offsets[0] + 1], 9);
    CHECK_INT_EQ(t.peers[t.offsets[5]], 4);
    CHECK_INT_EQ(t.peers[t.offsets[5] + 1], 6);
    topo_cleanup(&t);
}

static void test_random_degrees(void) {
    rng r;
    rng_seed(&r, 42, 1);
    topology t;
    int n = 200, k = 8;
    CHECK_INT_EQ(build(&t, TOPO_RANDOM, n, k, NULL, 0, &r), CS_OK);
    CHECK(well_formed(&t));
    long total = 0;
    for (int i = 0; i < n; i++) {
        CHECK(topo_degree(&t, i) >= k);
        total += topo_degree(&t, i);
    }
    /* n*k picks; a link picked from both ends counts once. Such mutual picks
     * are rare (expected n*k*k/(n-1) / 2 ~ 64 of 1600 links), so the average
     * degree is a little under 2k. */
    CHECK(total <= 2L * n * k);
    CHECK(total >= 2L * n * k * 9 / 10);
    topo_cleanup(&t);
}

static void test_random_clamped(void) {
    rng r;
    rng_seed(&r, 7, 1);
    topology t;
    /* k >= n-1: every node picks everyone, i.e. a mesh. */
    CHECK_INT_EQ(build(&t, TOPO_RANDOM, 5, 10, NULL, 0, &r), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < 5; i++) CHECK_INT_EQ(topo_degree(&t, i), 4);
    topo_cleanup(&t);
    CHECK_INT_EQ(build(&t, TOPO_RANDOM, 1, 3, NULL, 0, &r), CS_OK);
    CHECK_INT_EQ(topo_degree(&t, 0), 0);
    topo_cleanup(&t);
    CHECK_INT_EQ(build(&t, TOPO_RANDOM, 0, 3, NULL, 0, &r), CS_OK);
    CHECK_INT_EQ(t.n, 0);
    topo_cleanup(&t);
}

static void test_random_deterministic(void) {
    rng r1, r2, r3;
    rng_seed(&r1, 99, 5);
    rng_seed(&r2, 99, 5);
    rng_seed(&r3, 100, 5);
    topology a, b, c;
    CHECK_INT_EQ(build(&a, TOPO_RANDOM, 300, 4, NULL, 0, &r1), CS_OK);
    CHECK_INT_EQ(build(&b, TOPO_RANDOM, 300, 4, NULL, 0, &r2), CS_OK);
    CHECK_INT_EQ(build(&c, TOPO_RANDOM, 300, 4, NULL, 0, &r3), CS_OK);
    CHECK_INT_EQ(a.offsets[300], b.offsets[300]);
    CHECK(memcmp(a.offsets, b.offsets, sizeof(int) * 301) == 0);
    CHECK(memcmp(a.peers, b.peers, sizeof(int) * (size_t)a.offsets[300]) == 0);
    int same = a.offsets[300] == c.offsets[300] &&
               memcmp(a.peers, c.peers, sizeof(int) * (size_t)a.offsets[300]) == 0;
    CHECK(!same);
    topo_cleanup(&a);
    topo_cleanup(&b);
    topo_cleanup(&c);
}

/* Nodes reached from node 0 by breadth-first search. */
static int reached_from_0(const topology *t) {
    int *queue = malloc(sizeof(int) * (size_t)t->n);
    char *seen = calloc((size_t)t->n, 1);
    int head = 0, tail = 0;
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
        int i = queue[head++];
        for (int p = t->offsets[i]; p < t->offsets[i + 1]; p++) {
            int j = t->peers[p];
            if (!seen[j]) {
                seen[j] = 1;
                queue[tail++] = j;
            }
        }
    }
    free(queue);
    free(seen);
    return tail;
}

static void test_random_connected(void) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        rng r;
        rng_seed(&r, seed, 2);
        topology t;
        CHECK_INT_EQ(build(&t, TOPO_RANDOM, 1000, 2, NULL, 0, &r), CS_OK);
        CHECK(well_formed(&t));
        CHECK_INT_EQ(reached_from_0(&t), 1000);
        topo_cleanup(&t);
    }
}

/* ---- random with a degree per node (SimBlock's outbound links) ---- */

static void test_random_degrees_exact(void) {
    int n = 200, out[200];
    long want_links = 0;
    for (int i = 0; i < n; i++) {
        out[i] = 1 + i % 10;
        want_links += out[i];
    }
    rng r;
    rng_seed(&r, 3, 1);
    topology t;
    CHECK_INT_EQ(build_degrees(&t, n, out, &r), CS_OK);
    CHECK(well_formed(&t));
    /* A node never links to a node already linked to it, so no link merges:
     * exactly one link per outbound pick. */
    CHECK_INT_EQ(t.offsets[n], 2 * want_links);
    for (int i = 0; i < n; i++) CHECK(topo_degree(&t, i) >= out[i]);
    topo_cleanup(&t);
}

static void test_random_degrees_small(void) {
    rng r;
    rng_seed(&r, 4, 1);
    topology t;
    /* More wanted than there are nodes: everyone ends linked to everyone. */
    const int five[] = {5, 5, 5, 5};
    CHECK_INT_EQ(build_degrees(&t, 4, five, &r), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < 4; i++) CHECK_INT_EQ(topo_degree(&t, i), 3);
    topo_cleanup(&t);
    /* One pick in three nodes: one link, from node 0. */
    const int one[] = {1, 0, 0};
    CHECK_INT_EQ(build_degrees(&t, 3, one, &r), CS_OK);
    CHECK(well_formed(&t));
    CHECK_INT_EQ(t.offsets[3], 2);
    CHECK_INT_EQ(topo_degree(&t, 0), 1);
    topo_cleanup(&t);
    const int lone[] = {3};
    CHECK_INT_EQ(build_degrees(&t, 1, lone, &r), CS_OK);
    CHECK_INT_EQ(topo_degree(&t, 0), 0);
    topo_cleanup(&t);
}

static void test_random_degrees_deterministic_connected(void) {
    int n = 1000, out[1000];
    rng d;
    rng_seed(&d, 1, 9);
    for (int i = 0; i < n; i++) out[i] = 1 + (int)rng_below(&d, 20);
    topology a, b;
    rng r1, r2;
    rng_seed(&r1, 5, 2);
    rng_seed(&r2, 5, 2);
    topo_desc desc = {.kind = TOPO_RANDOM_DEGREES, .n = n, .out_degree = out};
    CHECK_INT_EQ(topo_build(&a, &desc, &r1), CS_OK);
    CHECK_INT_EQ(topo_build(&b, &desc, &r2), CS_OK);
    CHECK(well_formed(&a));
    CHECK(memcmp(a.offsets, b.offsets, sizeof(int) * (size_t)(n + 1)) == 0);
    CHECK(memcmp(a.peers, b.peers, sizeof(int) * (size_t)a.offsets[n]) == 0);
    CHECK_INT_EQ(reached_from_0(&a), n);
    topo_cleanup(&a);
    topo_cleanup(&b);
}

/* ---- small world and scale free ---- */

/* Mean over nodes of (links among a node's peers) / (d (d - 1) / 2). */
static double clustering(const topology *t) {
    double sum = 0;
    for (int i = 0; i < t->n; i++) {
        int d = topo_degree(t, i), links = 0;
        if (d < 2) continue;
        for (int p = t->offsets[i]; p < t->offsets[i + 1]; p++)
            for (int q = p + 1; q < t->offsets[i + 1]; q++)
                links += has_peer(t, t->peers[p], t->peers[q]);
        sum += links / (d * (d - 1) / 2.0);
    }
    return sum / t->n;
}

/* Mean hop distance from node `from` to every node it reaches. */
static double mean_distance(const topology *t, int from) {
    int *dist = malloc(sizeof(int) * (size_t)t->n), *queue = malloc(sizeof(int) * (size_t)t->n);
    for (int i = 0; i < t->n; i++) dist[i] = -1;
    int head = 0, tail = 0;
    long total = 0;
    dist[from] = 0;
    queue[tail++] = from;
    while (head < tail) {
        int i = queue[head++];
        total += dist[i];
        for (int p = t->offsets[i]; p < t->offsets[i + 1]; p++)
            if (dist[t->peers[p]] < 0) {
                dist[t->peers[p]] = dist[i] + 1;
                queue[tail++] = t->peers[p];
            }
    }
    free(dist);
    free(queue);
    return (double)total / (tail - 1);
}

static void test_small_world_lattice(void) {
    rng r;
    rng_seed(&r, 1, 1);
    topology t;
    int n = 12;
    CHECK_INT_EQ(build_small_world(&t, n, 4, 0, &r), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < n; i++) {
        CHECK_INT_EQ(topo_degree(&t, i), 4);
        for (int j = 1; j <= 2; j++) {
            CHECK(has_peer(&t, i, (i + j) % n));
            CHECK(has_peer(&t, i, (i + n - j) % n));
        }
    }
    /* Ring lattice with k = 4: of a node's 6 peer pairs, 3 are linked. */
    CHECK_DBL_NEAR(clustering(&t), 0.5, 1e-12);
    topo_cleanup(&t);
    /* k >= n - 1: the lattice is everyone. */
    CHECK_INT_EQ(build_small_world(&t, 5, 4, 0.5, &r), CS_OK);
    for (int i = 0; i < 5; i++) CHECK_INT_EQ(topo_degree(&t, i), 4);
    topo_cleanup(&t);
}

/* Watts-Strogatz's point: a few rewired links keep the lattice's clustering
 * (0.6 for k = 6, times (1 - beta)^3 ~ 0.44 expected) but shrink distances
 * from ~n / 2k to a handful of hops. */
static void test_small_world_rewired(void) {
    int n = 1000, k = 6;
    rng r;
    rng_seed(&r, 11, 1);
    topology lattice, sw, sw2;
    CHECK_INT_EQ(build_small_world(&lattice, n, k, 0, &r), CS_OK);
    CHECK_DBL_NEAR(clustering(&lattice), 0.6, 1e-12);
    CHECK(mean_distance(&lattice, 0) > 80);
    rng_seed(&r, 11, 1);
    topo_desc d = {.kind = TOPO_SMALL_WORLD, .n = n, .k = k, .beta = 0.1};
    CHECK_INT_EQ(topo_build(&sw, &d, &r), CS_OK);
    CHECK(well_formed(&sw));
    CHECK_INT_EQ(sw.offsets[n], n * k); /* rewiring moves links, never adds or drops */
    int moved = 0;
    for (int i = 0; i < n; i++) {
        CHECK(topo_degree(&sw, i) >= k / 2);
        for (int p = sw.offsets[i]; p < sw.offsets[i + 1]; p++) {
            int gap = abs(sw.peers[p] - i);
            if (gap > k / 2 && n - gap > k / 2) moved++;
        }
    }
    /* 3000 links, each moved with probability 0.1: 300 +- 16 expected
     * (seen from both ends, so twice that). */
    CHECK(moved / 2 >= 240 && moved / 2 <= 360);
    double c = clustering(&sw);
    CHECK(c > 0.35 && c < 0.52);
    CHECK(mean_distance(&sw, 0) < 12);
    CHECK_INT_EQ(reached_from_0(&sw), n);
    rng_seed(&r, 11, 1);
    CHECK_INT_EQ(topo_build(&sw2, &d, &r), CS_OK);
    CHECK(memcmp(sw.peers, sw2.peers, sizeof(int) * (size_t)sw.offsets[n]) == 0);
    topo_cleanup(&lattice);
    topo_cleanup(&sw);
    topo_cleanup(&sw2);
}

static void test_scale_free(void) {
    int n = 10000, m = 3;
    rng r;
    rng_seed(&r, 21, 1);
    topology t, again, flat;
    topo_desc d = {.kind = TOPO_SCALE_FREE, .n = n, .k = m};
    CHECK_INT_EQ(topo_build(&t, &d, &r), CS_OK);
    CHECK(well_formed(&t));
    /* A clique of m + 1, then m links per node: no link merges. */
    CHECK_INT_EQ(t.offsets[n], 2 * (m * (m + 1) / 2 + (n - m - 1) * m));
    int min_deg = n, max_deg = 0, hubs = 0;
    for (int i = 0; i < n; i++) {
        int deg = topo_degree(&t, i);
        min_deg = deg < min_deg ? deg : min_deg;
        max_deg = deg > max_deg ? deg : max_deg;
        hubs += deg >= 30;
    }
    CHECK_INT_EQ(min_deg, m);
    /* Power law: P(deg >= k) = m (m + 1) / (k (k + 1)), 1.3% at k = 30, and
     * hubs of ~m sqrt(n) = 300; a random graph of the same mean degree (6)
     * has none of either. */
    CHECK(hubs >= 65 && hubs <= 250);
    CHECK(max_deg > 100);
    CHECK_INT_EQ(reached_from_0(&t), n);
    rng_seed(&r, 21, 1);
    CHECK_INT_EQ(topo_build(&again, &d, &r), CS_OK);
    CHECK(memcmp(t.peers, again.peers, sizeof(int) * (size_t)t.offsets[n]) == 0);
    CHECK_INT_EQ(build(&flat, TOPO_RANDOM, n, m, NULL, 0, &r), CS_OK);
    int flat_max = 0;
    for (int i = 0; i < n; i++)
        if (topo_degree(&flat, i) > flat_max) flat_max = topo_degree(&flat, i);
    CHECK(flat_max < 30);
    topo_cleanup(&t);
    topo_cleanup(&again);
    topo_cleanup(&flat);
}

static void test_scale_free_small(void) {
    rng r;
    rng_seed(&r, 2, 1);
    topology t;
    /* m = 1 grows a tree: n - 1 links, connected. */
    CHECK_INT_EQ(build_scale_free(&t, 50, 1, &r), CS_OK);
    CHECK(well_formed(&t));
    CHECK_INT_EQ(t.offsets[50], 2 * 49);
    CHECK_INT_EQ(reached_from_0(&t), 50);
    topo_cleanup(&t);
    /* At most m + 1 nodes: the seed clique, i.e. a mesh. */
    CHECK_INT_EQ(build_scale_free(&t, 4, 3, &r), CS_OK);
    for (int i = 0; i < 4; i++) CHECK_INT_EQ(topo_degree(&t, i), 3);
    topo_cleanup(&t);
}

static void test_new_kinds_invalid(void) {
    rng r;
    rng_seed(&r, 1, 1);
    topology t;
    const int negative[] = {1, -1};
    CHECK_INT_EQ(build_small_world(&t, 10, 3, 0, &r), CS_EINVAL);
    CHECK_INT_EQ(build_small_world(&t, 10, 0, 0, &r), CS_EINVAL);
    CHECK_INT_EQ(build_small_world(&t, 10, 2, 1.5, &r), CS_EINVAL);
    CHECK_INT_EQ(build_scale_free(&t, 10, 0, &r), CS_EINVAL);
    CHECK_INT_EQ(topo_build(&t, &(topo_desc){.kind = TOPO_RANDOM_DEGREES, .n = 10}, &r), CS_EINVAL);
    CHECK_INT_EQ(build_degrees(&t, 2, negative, &r), CS_EINVAL);
    CHECK(t.offsets == NULL && t.peers == NULL);
}

static void test_edges(void) {
    /* A triangle plus a tail, with 0-1 listed twice (once reversed). */
    const int edges[] = {0, 1, 1, 2, 2, 0, 1, 0, 3, 2};
    topology t;
    CHECK_INT_EQ(build(&t, TOPO_EDGES, 5, 0, edges, 5, NULL), CS_OK);
    CHECK(well_formed(&t));
    CHECK_INT_EQ(topo_degree(&t, 0), 2);
    CHECK_INT_EQ(topo_degree(&t, 1), 2);
    CHECK_INT_EQ(topo_degree(&t, 2), 3);
    CHECK_INT_EQ(topo_degree(&t, 3), 1);
    CHECK_INT_EQ(topo_degree(&t, 4), 0);
    CHECK(has_peer(&t, 2, 3));
    CHECK(has_peer(&t, 3, 2));
    CHECK(!has_peer(&t, 0, 3));
    const int want2[] = {0, 1, 3};
    for (int p = 0; p < 3; p++) CHECK_INT_EQ(t.peers[t.offsets[2] + p], want2[p]);
    topo_cleanup(&t);
}

static void test_edges_invalid(void) {
    topology t;
    const int self_loop[] = {0, 1, 2, 2};
    const int out_of_range[] = {0, 3};
    const int negative[] = {-1, 0};
    CHECK_INT_EQ(build(&t, TOPO_EDGES, 3, 0, self_loop, 2, NULL), CS_EINVAL);
    CHECK(t.offsets == NULL && t.peers == NULL);
    topo_cleanup(&t);
    CHECK_INT_EQ(build(&t, TOPO_EDGES, 3, 0, out_of_range, 1, NULL), CS_EINVAL);
    CHECK_INT_EQ(build(&t, TOPO_EDGES, 3, 0, negative, 1, NULL), CS_EINVAL);
    CHECK_INT_EQ(build(&t, TOPO_EDGES, 3, 0, NULL, 1, NULL), CS_EINVAL);
    CHECK_INT_EQ(build(&t, TOPO_MESH, -1, 0, NULL, 0, NULL), CS_EINVAL);
    rng r;
    rng_seed(&r, 1, 1);
    CHECK_INT_EQ(build(&t, TOPO_RANDOM, 5, -1, NULL, 0, &r), CS_EINVAL);
    CHECK_INT_EQ(build(&t, TOPO_MESH, 50000, 0, NULL, 0, NULL), CS_ERANGE);
}

static const test_case cases[] = {
    TEST(test_none),
    TEST(test_mesh),
    TEST(test_ring_small),
    TEST(test_ring),
    TEST(test_random_degrees),
    TEST(test_random_clamped),
    TEST(test_random_deterministic),
    TEST(test_random_connected),
    TEST(test_random_degrees_exact),
    TEST(test_random_degrees_small),
    TEST(test_random_degrees_deterministic_connected),
    TEST(test_small_world_lattice),
    TEST(test_small_world_rewired),
    TEST(test_scale_free),
    TEST(test_scale_free_small),
    TEST(test_new_kinds_invalid),
    TEST(test_edges),
    TEST(test_edges_invalid),
    {0},
};

TEST_MAIN(cases)
