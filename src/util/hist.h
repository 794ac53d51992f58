/* hist.h - a log-linear histogram of non-negative integers (durations in
 * microseconds), for quantiles of figures too many to keep one by one.
 *
 * Values below 16 have a bucket each; above, every power of two is split
 * into 16 buckets, so a bucket spans at most 1/16 of its values and a
 * quantile read from it is never below the true value and at most 6.25%
 * above it (and never above the exact maximum). Count, sum and max are
 * exact. Values from 2^40 - 2^36 (12 days in microseconds) up share the
 * top bucket, whose quantile is the maximum; a bucket saturates at
 * UINT32_MAX. One writer at a time, no lock:
 * a thread keeps its own and hist_merge combines them. */
#ifndef CHAINSIM_UTIL_HIST_H
#define CHAINSIM_UTIL_HIST_H

#include <stdint.h>

#define HIST_SUB 16     /* buckets per power of two */
#define HIST_TOP_BIT 40 /* values from 1 << HIST_TOP_BIT share the top bucket */
#define HIST_BUCKETS (HIST_SUB + (HIST_TOP_BIT - 4) * HIST_SUB)

typedef struct hist {
    uint64_t n;
    int64_t sum;
    int64_t max;
    uint32_t bucket[HIST_BUCKETS];
} hist;

/* Counts v (a negative v counts as 0). hist zeroed ({0}) is empty. */
void hist_add(hist *h, int64_t v);
/* Adds every count of `from` into `into`. */
void hist_merge(hist *into, const hist *from);
/* The q-quantile (0 < q <= 1): the smallest bucket bound that at least
 * q * n of the values do not exceed, capped at the maximum; 0 if empty. */
int64_t hist_quantile(const hist *h, double q);
/* The mean of the values counted, 0 if empty. */
double hist_mean(const hist *h);

#endif
