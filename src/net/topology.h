/* topology.h - who is whose peer at the start of a run.
 *
 * The result is an undirected graph in compressed rows (peers of node i are
 * peers[offsets[i] .. offsets[i+1]), sorted, no self-loops or duplicates):
 * a link is a peer relation both ways, as after Bitcoin's version handshake. */
#ifndef CHAINSIM_NET_TOPOLOGY_H
#define CHAINSIM_NET_TOPOLOGY_H

#include <stddef.h>

#include "util/err.h"
#include "util/rng.h"

typedef enum topo_kind {
    TOPO_NONE = 0, /* no peers: the classic start, peers registered later */
    TOPO_MESH,     /* everyone with everyone */
    TOPO_RING,     /* i with i-1 and i+1 */
    TOPO_RANDOM,   /* each node picks k distinct random outbound peers */
    TOPO_EDGES,    /* the given list */
} topo_kind;

typedef struct topology {
    int n;
    int *offsets; /* n + 1 entries */
    int *peers;
} topology;

/* Builds a topology. k is used by TOPO_RANDOM (clamped to n-1; a node's
 * degree is then k plus the nodes that picked it, about 2k on average);
 * edges (pairs of node indices, n_edges pairs, repeats merged) by TOPO_EDGES;
 * r only by TOPO_RANDOM, which is deterministic for a given rng state.
 * Returns CS_EINVAL for a negative n or k or an edge naming a node out of
 * range or a self-loop, CS_ERANGE if the graph has more than INT_MAX peer
 * entries. On error *t is empty (topo_cleanup is still safe). */
cs_err topo_build(topology *t, topo_kind kind, int n, int k, const int *edges,
                  size_t n_edges, rng *r);
void topo_cleanup(topology *t);
static inline int topo_degree(const topology *t, int i) {
    return t->offsets[i + 1] - t->offsets[i];
}

#endif
