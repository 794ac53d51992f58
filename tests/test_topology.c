/* test_topology.c - peer graphs: degrees, symmetry, sortedness, determinism,
 * connectivity, invalid input. */
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

static int has_peer(const topology *t, int i, int j) {
    for (int p = t->offsets[i]; p < t->offsets[i + 1]; p++)
        if (t->peers[p] == j) return 1;
    return 0;
}

static void test_none(void) {
    topology t;
    CHECK_INT_EQ(topo_build(&t, TOPO_NONE, 5, 0, NULL, 0, NULL), CS_OK);
    CHECK_INT_EQ(t.n, 5);
    for (int i = 0; i < 5; i++) CHECK_INT_EQ(topo_degree(&t, i), 0);
    topo_cleanup(&t);
}

static void test_mesh(void) {
    for (int n = 0; n <= 6; n++) {
        topology t;
        CHECK_INT_EQ(topo_build(&t, TOPO_MESH, n, 0, NULL, 0, NULL), CS_OK);
        CHECK(well_formed(&t));
        CHECK_INT_EQ(t.offsets[n], n * (n > 0 ? n - 1 : 0));
        for (int i = 0; i < n; i++) CHECK_INT_EQ(topo_degree(&t, i), n - 1);
        topo_cleanup(&t);
    }
}

static void test_ring_small(void) {
    topology t;
    CHECK_INT_EQ(topo_build(&t, TOPO_RING, 1, 0, NULL, 0, NULL), CS_OK);
    CHECK_INT_EQ(topo_degree(&t, 0), 0);
    topo_cleanup(&t);

    CHECK_INT_EQ(topo_build(&t, TOPO_RING, 2, 0, NULL, 0, NULL), CS_OK);
    CHECK(well_formed(&t));
    CHECK_INT_EQ(topo_degree(&t, 0), 1);
    CHECK_INT_EQ(topo_degree(&t, 1), 1);
    CHECK_INT_EQ(t.peers[0], 1);
    CHECK_INT_EQ(t.peers[1], 0);
    topo_cleanup(&t);

    CHECK_INT_EQ(topo_build(&t, TOPO_RING, 3, 0, NULL, 0, NULL), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(topo_degree(&t, i), 2);
    topo_cleanup(&t);
}

static void test_ring(void) {
    topology t;
    CHECK_INT_EQ(topo_build(&t, TOPO_RING, 10, 0, NULL, 0, NULL), CS_OK);
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
    CHECK_INT_EQ(topo_build(&t, TOPO_RANDOM, n, k, NULL, 0, &r), CS_OK);
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
    CHECK_INT_EQ(topo_build(&t, TOPO_RANDOM, 5, 10, NULL, 0, &r), CS_OK);
    CHECK(well_formed(&t));
    for (int i = 0; i < 5; i++) CHECK_INT_EQ(topo_degree(&t, i), 4);
    topo_cleanup(&t);
    CHECK_INT_EQ(topo_build(&t, TOPO_RANDOM, 1, 3, NULL, 0, &r), CS_OK);
    CHECK_INT_EQ(topo_degree(&t, 0), 0);
    topo_cleanup(&t);
    CHECK_INT_EQ(topo_build(&t, TOPO_RANDOM, 0, 3, NULL, 0, &r), CS_OK);
    CHECK_INT_EQ(t.n, 0);
    topo_cleanup(&t);
}

static void test_random_deterministic(void) {
    rng r1, r2, r3;
    rng_seed(&r1, 99, 5);
    rng_seed(&r2, 99, 5);
    rng_seed(&r3, 100, 5);
    topology a, b, c;
    CHECK_INT_EQ(topo_build(&a, TOPO_RANDOM, 300, 4, NULL, 0, &r1), CS_OK);
    CHECK_INT_EQ(topo_build(&b, TOPO_RANDOM, 300, 4, NULL, 0, &r2), CS_OK);
    CHECK_INT_EQ(topo_build(&c, TOPO_RANDOM, 300, 4, NULL, 0, &r3), CS_OK);
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
        CHECK_INT_EQ(topo_build(&t, TOPO_RANDOM, 1000, 2, NULL, 0, &r), CS_OK);
        CHECK(well_formed(&t));
        CHECK_INT_EQ(reached_from_0(&t), 1000);
        topo_cleanup(&t);
    }
}

static void test_edges(void) {
    /* A triangle plus a tail, with 0-1 listed twice (once reversed). */
    const int edges[] = {0, 1, 1, 2, 2, 0, 1, 0, 3, 2};
    topology t;
    CHECK_INT_EQ(topo_build(&t, TOPO_EDGES, 5, 0, edges, 5, NULL), CS_OK);
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
    CHECK_INT_EQ(topo_build(&t, TOPO_EDGES, 3, 0, self_loop, 2, NULL), CS_EINVAL);
    CHECK(t.offsets == NULL && t.peers == NULL);
    topo_cleanup(&t);
    CHECK_INT_EQ(topo_build(&t, TOPO_EDGES, 3, 0, out_of_range, 1, NULL), CS_EINVAL);
    CHECK_INT_EQ(topo_build(&t, TOPO_EDGES, 3, 0, negative, 1, NULL), CS_EINVAL);
    CHECK_INT_EQ(topo_build(&t, TOPO_EDGES, 3, 0, NULL, 1, NULL), CS_EINVAL);
    CHECK_INT_EQ(topo_build(&t, TOPO_MESH, -1, 0, NULL, 0, NULL), CS_EINVAL);
    rng r;
    rng_seed(&r, 1, 1);
    CHECK_INT_EQ(topo_build(&t, TOPO_RANDOM, 5, -1, NULL, 0, &r), CS_EINVAL);
    CHECK_INT_EQ(topo_build(&t, TOPO_MESH, 50000, 0, NULL, 0, NULL), CS_ERANGE);
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
    TEST(test_edges),
    TEST(test_edges_invalid),
    {0},
};

TEST_MAIN(cases)
