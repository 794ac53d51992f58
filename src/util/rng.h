/* rng.h - the seeded pseudo-random generator behind every random choice.
 *
 * xoshiro256** (Blackman & Vigna), seeded through splitmix64. Each consumer
 * (the wire, each node, the topology builder) owns its own rng derived from
 * the run's seed and a stream number, so adding draws in one place does not
 * shift the numbers another place sees, and a run can be replayed from its
 * seed. Not thread-safe: one owner at a time. */
#ifndef CHAINSIM_UTIL_RNG_H
#define CHAINSIM_UTIL_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

/* Seeds `r` from `seed` and an independent `stream` number. */
void rng_seed(rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(rng *r);
/* Uniform in [0, 1). */
double rng_unit(rng *r);
/* Uniform integer in [0, n); n > 0. Unbiased (rejection). */
uint64_t rng_below(rng *r, uint64_t n);
/* Exponential with the given mean (> 0). */
double rng_exp(rng *r, double mean);
/* Standard normal (Box-Muller on two uniforms; 1 - u keeps the log's
 * argument in (0, 1]). */
double rng_normal(rng *r);
/* Pareto with shape `alpha` and scale `xm` (both > 0). */
double rng_pareto(rng *r, double alpha, double xm);
/* The same draw given 1 / alpha (> 0), for a caller that draws many times
 * with one shape: rng_pareto(r, a, xm) is rng_pareto_inv(r, 1.0 / a, xm),
 * bit for bit. */
double rng_pareto_inv(rng *r, double inv_alpha, double xm);

#endif
