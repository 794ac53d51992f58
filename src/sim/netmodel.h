/* netmodel.h - what a scenario's network model and hash-power rules give
 * each node of one run: its region, bandwidth, number of outbound peers and
 * hash power.
 *
 * Everything drawn comes from the run's seed, each kind of draw from a
 * stream of its own (regions, degrees, hash power, pools), so --seed changes
 * them all and the same seed repeats them; a scenario without a network
 * model or hash-power rules draws nothing and gets its nodes' own values.
 *
 * Regions and outbound degrees are dealt, not sampled: of n nodes, exactly
 * round(n * cumulative share) fall at or below each category, and the labels
 * are then shuffled (as SimBlock's makeRandomListFollowDistribution), so a
 * run has the measured shares up to rounding instead of a sample of them. */
#ifndef CHAINSIM_SIM_NETMODEL_H
#define CHAINSIM_SIM_NETMODEL_H

#include <stdint.h>

#include "scenario/scenario.h"
#include "util/rng.h"

typedef struct netmodel {
    int n;
    int *region;             /* per node */
    int64_t *upload_bps;     /* per node; 0 = unlimited */
    int64_t *download_bps;
    int *out_degree;         /* per node when the topology is RANDOM_DEGREES, else NULL */
    double *hash_power;      /* per node, relative */
} netmodel;

/* Fills m for scenario s and the run's seed; the caller owns m
 * (netmodel_cleanup). The scenario must have passed its parser's checks. */
void netmodel_init(netmodel *m, const scenario *s, uint64_t seed);
void netmodel_cleanup(netmodel *m);

/* Deals n labels: label k for round(n * cdf[k]) - round(n * cdf[k-1]) of
 * them (cdf non-decreasing, last 1), in a random order from r. */
void netmodel_deal(int *labels, int n, const double *cdf, int n_cdf, rng *r);

#endif
