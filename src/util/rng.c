#include "util/rng.h"

#include <assert.h>
#include <math.h>

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
