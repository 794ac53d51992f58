/* topology.h - who is whose peer at the start of a run.
 *
 * The result is an undirected graph in compressed rows (peers of node i are
 * peers[offsets[i] .. offsets[i+1]), sorted, no self-loops or duplicates):
 * a link is a peer relation both ways, as after Bitcoin's version handshake.
 *
 *   | kind                | parameters       | graph                            |
 *   |---------------------|------------------|----------------------------------|
 *   | TOPO_NONE           |                  | no links                         |
 *   | TOPO_MESH           |                  | everyone with everyone           |
 *   | TOPO_RING           |                  | i with i-1 and i+1               |
 *   | TOPO_RANDOM         | k                | each node picks k random peers;  |
 *   |                     |                  | mutual picks merge               |
 *   | TOPO_RANDOM_DEGREES | out_degree[n]    | node i opens out_degree[i] links |
 *   |                     |                  | to nodes not yet linked to it    |
 *   |                     |                  | (SimBlock's BitcoinCoreTable)    |
 *   | TOPO_SMALL_WORLD    | k (even), beta   | Watts-Strogatz: ring lattice of  |
 *   |                     |                  | k/2 neighbours a side, each link |
 *   |                     |                  | rewired with probability beta    |
 *   | TOPO_SCALE_FREE     | k (BA's m)       | Barabasi-Albert: a clique of k+1,|
 *   |                     |                  | then each node links to k nodes  |
 *   |                     |                  | chosen in proportion to degree   |
 *   | TOPO_EDGES          | edges, n_edges   | exactly these                    |
 *
 * Every random kind is deterministic for a given rng state. */
#ifndef CHAINSIM_NET_TOPOLOGY_H
#define CHAINSIM_NET_TOPOLOGY_H

#include <stddef.h>

#include "util/err.h"
#include "util/rng.h"

typedef enum topo_kind {
    TOPO_NONE = 0,
    TOPO_MESH,
    TOPO_RING,
    TOPO_RANDOM,
    TOPO_EDGES,
    TOPO_RANDOM_DEGREES,
    TOPO_SMALL_WORLD,
    TOPO_SCALE_FREE,
} topo_kind;

/* What to build; a kind ignores the fields it does not use. */
typedef struct topo_desc {
    topo_kind kind;
    int n;                  /* nodes, >= 0 */
    int k;                  /* RANDOM: picks per node (clamped to n-1);
                               SMALL_WORLD: lattice degree, even, >= 2 (k >= n-1
                               gives a mesh);
                               SCALE_FREE: links per new node, >= 1 (a graph of
                               at most k+1 nodes is a mesh) */
    const int *out_degree;  /* RANDOM_DEGREES: n entries >= 0, each clamped to
                               what is still free */
    double beta;            /* SMALL_WORLD: rewiring probability in [0, 1] */
    const int *edges;       /* EDGES: pairs of node indices, repeats merged */
    size_t n_edges;
} topo_desc;

typedef struct topology {
    int n;
    int *offsets; /* n + 1 entries */
    int *peers;
} topology;

/* Builds the topology `d` describes; r is used by the random kinds only.
 * Returns CS_EINVAL for a negative n or k, an odd or too small k for
 * SMALL_WORLD, k < 1 for SCALE_FREE, beta outside [0, 1], a missing or
 * negative out_degree, or an edge naming a node out of range or a self-loop;
 * CS_ERANGE if the graph has more than INT_MAX peer entries. On error *t is
 * empty (topo_cleanup is still safe). */
cs_err topo_build(topology *t, const topo_desc *d, rng *r);
void topo_cleanup(topology *t);
static inline int topo_degree(const topology *t, int i) {
    return t->offsets[i + 1] - t->offsets[i];
}

#endif
