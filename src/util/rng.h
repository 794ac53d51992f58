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

/* Pareto draws rounded to the nearest integer without pow on the hot path,
 * for a caller that draws many times with one shape and scale (the wire's
 * region latencies): rng_pareto_table_init once, then each
 * rng_pareto_rounded(r, t) is (int64_t)(rng_pareto_inv(r, inv_alpha, xm) +
 * 0.5), the same integer from the same one draw, bit for bit: the random
 * stream and every output stay those of the pow formula.
 *
 * How: with u = 1 - rng_unit in [2^-k, 2^(1-k)), u's mantissa f in [1, 2)
 * lies in one of 64 buckets, around its centre c, and the draw is
 * xm 2^(a k) (c + d)^-a with d = f - c (a = inv_alpha, |d / c| < 2^-7): a
 * looked-up xm 2^(a k) times the quadratic Taylor polynomial of (c + d)^-a
 * around c, whose coefficients are looked up too. Taylor's remainder bounds
 * the error (`eps`: C(a + 2, 3) 2^-21 (1 - 2^-7)^(-a-3) relative, plus 1e-13
 * for every rounding on both sides, pow's included); a draw farther than
 * that from a half-integer rounds as the pow formula's does, and only the
 * others are computed with pow - about 2 eps times the mean of the draws,
 * 0.1-0.3% of them for the presets' region pairs. The fast
 * path is used for 0 < inv_alpha <= 1 and where the draw stays below 2^50
 * (k <= k_max); anything else is the pow formula itself. 2.5 kB a table. */
#define RNG_PARETO_BUCKET_BITS 6
#define RNG_PARETO_BUCKETS (1 << RNG_PARETO_BUCKET_BITS)
typedef struct rng_pareto_table {
    /* first, and 32 bytes each: a bucket's entry never straddles two cache
     * lines of an aligned table (the wire's are) */
    _Alignas(64) struct {
        double g0, g1, g2, pad; /* c^-a, its derivative, half its second */
    } by_mant[RNG_PARETO_BUCKETS];
    double by_exp[54]; /* xm 2^(a k), k = 0..53 */
    double inv_alpha, xm;
    double eps;        /* relative error bound of the fast x, slack included */
    int k_max;         /* the fast path for k <= k_max; -1: never */
} rng_pareto_table;

/* inv_alpha > 0, xm >= 1 (so the draw is at least 1, as the wire's are). */
void rng_pareto_table_init(rng_pareto_table *t, double inv_alpha, double xm);
int64_t rng_pareto_rounded(rng *r, const rng_pareto_table *t);
/* The fast path's unrounded draw for the uniform 53-bit integer m (what
 * rng_unit scales by 2^-53), for the tests of its error bound; NAN where
 * the fast path is not used. */
double rng_pareto_table_x(const rng_pareto_table *t, uint64_t m);

#endif
