#include "util/rng.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static uint64_t rng__splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rng__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_seed(rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ rng__rotl(stream * 0xd1342543de82ef95ULL + 1, 17);
    for (int i = 0; i < 4; i++) r->s[i] = rng__splitmix(&x);
}

uint64_t rng_u64(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rng__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng__rotl(s[3], 45);
    return result;
}

double rng_unit(rng *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t rng_below(rng *r, uint64_t n) {
    assert(n > 0);
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = rng_u64(r); while (x >= limit);
    return x % n;
}

double rng_exp(rng *r, double mean) {
    assert(mean > 0);
    return -mean * log1p(-rng_unit(r));
}

double rng_normal(rng *r) {
    double u1 = 1.0 - rng_unit(r), u2 = rng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

double rng_pareto(rng *r, double alpha, double xm) {
    assert(alpha > 0);
    return rng_pareto_inv(r, 1.0 / alpha, xm);
}

double rng_pareto_inv(rng *r, double inv_alpha, double xm) {
    assert(inv_alpha > 0 && xm > 0);
    return xm / pow(1.0 - rng_unit(r), inv_alpha);
}

/* ---- rounded Pareto draws without pow (rng.h) ---- */

#define RNG__SLACK 1e-13 /* every rounding of both sides, with room to spare (rng.h) */
#define RNG__FAST_MAX 0x1p50 /* the draws the fast path takes stay below */
#define RNG__BITS RNG_PARETO_BUCKET_BITS

void rng_pareto_table_init(rng_pareto_table *t, double inv_alpha, double xm) {
    assert(inv_alpha > 0 && xm >= 1);
    double a = inv_alpha;
    memset(t, 0, sizeof *t);
    t->inv_alpha = a;
    t->xm = xm;
    t->k_max = -1;
    /* Taylor's remainder after the quadratic in d = f - c, f in c's bucket:
     * c^-a C(-a, 3) (1 + s)^(-a-3) (d / c)^3 for some s between 0 and d / c,
     * |d / c| < rho - relative to the draw, at most C(a + 2, 3) rho^3
     * (1 - rho)^(-a-3). */
    const double rho = ldexp(1.0, -RNG__BITS - 1);
    t->eps = a * (a + 1) * (a + 2) / 6 * pow(rho, 3) * pow(1 - rho, -a - 3) + RNG__SLACK;
    for (int j = 0; j < RNG_PARETO_BUCKETS; j++) {
        double c = 1.0 + (j + 0.5) / RNG_PARETO_BUCKETS, g = pow(c, -a);
        t->by_mant[j].g0 = g;
        t->by_mant[j].g1 = -a * g / c;
        t->by_mant[j].g2 = a * (a + 1) / 2 * g / (c * c);
    }
    for (int k = 0; k <= 53; k++) {
        t->by_exp[k] = xm * pow(2.0, a * k);
        /* u >= 2^-k: the draw is at most xm 2^(a k) */
        if (a <= 1 && t->by_exp[k] < RNG__FAST_MAX) t->k_max = k;
    }
}

static inline uint64_t rng__bits(double d) {
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static inline double rng__double(uint64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* u = 1 - m 2^-53 = n 2^-53 with n = 2^53 - m in [1, 2^53], exactly; n's
 * exponent E gives u's k = 53 - E, and u's mantissa f (in [1, 2)) is n's;
 * f lies in bucket j, around c = 1 + (j + 1/2) / BUCKETS, and
 * x = xm 2^(a k) (c + d)^-a with d = f - c. */
static inline double rng__pareto_fast_x(const rng_pareto_table *t, uint64_t m, int *k) {
    uint64_t b = rng__bits((double)(((uint64_t)1 << 53) - m));
    *k = 53 - ((int)(b >> 52) - 1023);
    uint64_t j = (b >> (52 - RNG__BITS)) & (RNG_PARETO_BUCKETS - 1);
    uint64_t one = (uint64_t)1023 << 52, mant = b & (((uint64_t)1 << 52) - 1);
    double f = rng__double(one | mant);
    double c = rng__double(one | (j << (52 - RNG__BITS)) | ((uint64_t)1 << (51 - RNG__BITS)));
    double d = f - c; /* exact (Sterbenz) */
    double be = t->by_exp[*k];
    return be * t->by_mant[j].g0 + (be * d) * (t->by_mant[j].g1 + d * t->by_mant[j].g2);
}

static int64_t rng__pareto_slow(double u, const rng_pareto_table *t) {
    return (int64_t)(t->xm / pow(1.0 - u, t->inv_alpha) + 0.5);
}

int64_t rng_pareto_rounded(rng *r, const rng_pareto_table *t) {
    uint64_t m = rng_u64(r) >> 11; /* rng_unit's */
    int k;
    double x = rng__pareto_fast_x(t, m, &k);
    /* z's low bits are the integer nearest x (x < 2^51); pow's draw is
     * within eps x of x, so if x is farther than that from a half-integer,
     * both round alike. */
    const double magic = 0x1.8p52;
    double z = x + magic;
    int64_t n = (int64_t)(rng__bits(z) - rng__bits(magic));
    if (k <= t->k_max && fabs(x - (z - magic)) < 0.5 - t->eps * x) return n;
    return rng__pareto_slow((double)m * 0x1.0p-53, t);
}

double rng_pareto_table_x(const rng_pareto_table *t, uint64_t m) {
    assert(m < (uint64_t)1 << 53);
    int k;
    double x = rng__pareto_fast_x(t, m, &k);
    return k <= t->k_max ? x : NAN;
}

