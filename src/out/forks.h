/* forks.h - forks among the live nodes' tips, and their history: one
 * definition for the run's summary (out/metrics) and the window (view/).
 *
 * At an instant the live nodes' tips are either on one chain (every tip an
 * ancestor of the newest: agreed, or a block still spreading) or forked:
 * two or more branch tips, tips that are no other tip's ancestor; the fork
 * point is their common ancestor. A fork lasts from the first instant the
 * tips are forked until the first instant they are on one chain again (an
 * instant with no live node leaves it open). Its record keeps its start and
 * end, the lowest fork point it had, the most branches at once, and the
 * blocks it orphaned: those past that fork point that are not on the chain
 * of the tip the nodes ended it on. The history keeps the latest fork that
 * ended and the longest (a tie goes to the later one).
 *
 * Everything here works on the store's blocks (chain/block.h): rooted
 * blocks with parent and skip pointers, so ancestry costs O(log height). */
#ifndef CHAINSIM_OUT_FORKS_H
#define CHAINSIM_OUT_FORKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"

typedef struct forks_record {
    int64_t start_us, end_us;
    int64_t fork_height;   /* the lowest fork point it had (genesis = 1); -1 unknown */
    int branches;          /* the most branches at once */
    int orphaned;          /* blocks past the fork point left off the winning chain */
} forks_record;

/* What the tips are at one instant. */
typedef enum forks_kind {
    FORKS_ONE_CHAIN,       /* agreed, or propagating along one chain */
    FORKS_FORKED,          /* two or more branch tips */
    FORKS_ALL_DOWN,        /* no live node: an open fork stays open */
} forks_kind;

typedef struct forks_state {
    forks_kind kind;
    const block *fork_point; /* FORKED: the branch tips' common ancestor; NULL unknown */
    int n_branches;          /* FORKED: the branch tips */
    const block *top;        /* ONE_CHAIN: the newest tip (the fork's winner) */
} forks_state;

/* The blocks a caller knows, for counting a fork's orphans: block i for i
 * in [0, n), parents before children; `at` may return NULL for a block
 * that does not count (rejected, not rooted). `after` gives the first i
 * that may descend from b (0 when b is not among them, the genesis say):
 * the scan for a fork's orphans starts there. */
typedef struct forks_blocks {
    const void *user;
    size_t n;
    const block *(*at)(const void *user, size_t i);
    size_t (*after)(const void *user, const block *b);
} forks_blocks;

typedef struct forks_history {
    int64_t since_us;           /* the open fork's start; -1 when none is open */
    const block *since_fork_point; /* its lowest fork point so far */
    int since_branches;         /* its most branches so far */
    uint64_t n_forks;           /* forks begun */
    bool have_latest;           /* a fork has ended: latest and longest are set */
    forks_record latest, longest;
} forks_history;

void forks_history_init(forks_history *h);

/* The tips' state at t_us (instants in order): opens a fork, extends the
 * open one, or ends it, recording it (its orphans counted among `known`)
 * as latest and, if no shorter, as longest. Returns true when a fork ended
 * at this instant. */
bool forks_history_update(forks_history *h, int64_t t_us, const forks_state *st,
                          const forks_blocks *known);

/* The state of the distinct tips tips[0..n) (rooted blocks): ONE_CHAIN
 * with the newest as top, or FORKED with the branch tips' count and common
 * ancestor; ALL_DOWN for n == 0. Sorts tips (highest first, then by hash)
 * and uses them as scratch: tips[0..n_branches) are the branch tips after. */
forks_state forks_classify(const block **tips, size_t n);

/* The common ancestor of two rooted blocks (NULL if their lineages do not
 * meet: a block not rooted). */
const block *forks_common_ancestor(const block *a, const block *b);

/* Blocks of `known` past fork point fp that descend from it and are not on
 * winner's chain; 0 if fp or winner is NULL. */
int forks_orphaned(const forks_blocks *known, const block *fp, const block *winner);

/* "20 min 00 s, 11 blocks orphaned (fork at #3)" into out[0..len). */
void forks_record_text(const forks_record *r, char *out, size_t len);

#endif
