/* test_pareto.c - rng_pareto_rounded (util/rng.h), the wire's region
 * latency draw without pow: the same integer as the pow formula,
 * (int64_t)(rng_pareto_inv(r, a, xm) + 0.5), from the same draw, over
 * millions of draws of every shape and scale the shipped presets give the
 * wire (every network preset's latency matrix: SimBlock's 2015 and 2019
 * means, shape = mean / 5 ms, scale = mean - 5 ms), at the edges of the
 * uniform (u near 1 and near 2^-53, every binade and bucket boundary), on
 * draws that fall within the fast path's error bound of a half-integer
 * (where only pow decides), and for shapes and scales outside the fast
 * path's domain; and the fast path's error bound itself, against powl. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "scenario/presets.h"
#include "util/rng.h"

/* The pow formula the wire used (wire.c's comment: llround of it). */
static int64_t formula(rng *r, double a, double xm) {
    return (int64_t)(rng_pareto_inv(r, a, xm) + 0.5);
}

/* The distinct means (us) of every preset's latency matrix above 5 ms,
 * plus the domain's corners: just above 5 ms (shape ~1, the longest tail),
 * 5.2 ms, 6 ms, 1 s and 60 s (the smallest shapes' inverse). */
static int pair_means(int64_t *out, int cap) {
    int n = 0;
    const int64_t extra[] = {5001, 5002, 5200, 6000, 1000000, 60000000};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) out[n++] = extra[i];
    for (size_t p = 0; p < preset_count(); p++) {
        const preset *pr = preset_at(p);
        for (int c = 0; c < pr->n_regions * pr->n_regions; c++) {
            int64_t us = (int64_t)pr->latency_ms[c] * 1000;
            if (us <= 5000) continue;
            bool seen = false;
            for (int k = 0; k < n; k++) seen |= out[k] == us;
            if (!seen && n < cap) out[n++] = us;
        }
    }
    return n;
}

static void pair_of(int64_t mean_us, double *a, double *xm) {
    *a = 1.0 / ((double)mean_us / 5000); /* wire.c's inv_shape */
    *xm = (double)(mean_us - 5000);
}

/* 24 million draws in all, over every mean, one generator each. */
static void test_same_integer_as_pow_all_preset_pairs(void) {
    int64_t means[128];
    int n = pair_means(means, 128);
    CHECK(n >= 40); /* 2015 and 2019 together have 40 distinct means > 5 ms */
    long total = 24000000, per = total / n;
    for (int i = 0; i < n; i++) {
        double a, xm;
        pair_of(means[i], &a, &xm);
        rng_pareto_table t;
        rng_pareto_table_init(&t, a, xm);
        CHECK(t.k_max >= 40); /* the fast path is on, u >= 2^-40 at least */
        rng fast, slow;
        rng_seed(&fast, 42, (uint64_t)i);
        rng_seed(&slow, 42, (uint64_t)i);
        for (long d = 0; d < per; d++) {
            int64_t x = rng_pareto_rounded(&fast, &t), want = formula(&slow, a, xm);
            if (x != want) CHECK_FAIL_("mean %lld us, draw %ld: %lld != %lld", (long long)means[i], d,
                                       (long long)x, (long long)want);
        }
        CHECK(fast.s[0] == slow.s[0] && fast.s[3] == slow.s[3]); /* one draw each */
    }
}

/* A generator whose next rng_u64 is `out`: xoshiro256** outputs
 * rotl(s1 * 5, 7) * 9, and 5 and 9 are odd (invertible mod 2^64). */
static uint64_t inverse_odd(uint64_t a) {
    uint64_t x = a; /* Newton: each step doubles the correct low bits */
    for (int i = 0; i < 6; i++) x *= 2 - a * x;
    return x;
}

static rng rng_giving(uint64_t out) {
    uint64_t v = out * inverse_odd(9);
    v = (v >> 7) | (v << 57);
    rng r = {{0x9e3779b97f4a7c15ULL, v * inverse_odd(5), 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL}};
    return r;
}

/* The draw for the uniform m (rng_unit = m 2^-53) through both ways. */
static bool same_at(const rng_pareto_table *t, uint64_t m) {
    rng f = rng_giving(m << 11), s = rng_giving(m << 11);
    return rng_pareto_rounded(&f, t) == formula(&s, t->inv_alpha, t->xm);
}

static void test_rng_giving(void) {
    rng r = rng_giving(0x0123456789abcdefULL);
    CHECK(rng_u64(&r) == 0x0123456789abcdefULL);
    r = rng_giving((uint64_t)12345 << 11);
    CHECK(rng_unit(&r) == 12345 * 0x1.0p-53);
}

/* u = 1 - m 2^-53 near 1 and near 2^-53, and around every binade edge
 * (u = 2^-k) and every bucket edge of a few binades, a few ulps each side. */
static void test_same_integer_at_the_edges(void) {
    int64_t means[128];
    int n = pair_means(means, 128);
    const uint64_t top = (uint64_t)1 << 53; /* m < top; u = (top - m) 2^-53 */
    for (int i = 0; i < n; i++) {
        double a, xm;
        pair_of(means[i], &a, &xm);
        rng_pareto_table t;
        rng_pareto_table_init(&t, a, xm);
        for (uint64_t m = 0; m < 2000; m++) {
            if (!same_at(&t, m)) CHECK_FAIL_("mean %lld, m = %llu", (long long)means[i], (unsigned long long)m);
            if (!same_at(&t, top - 1 - m))
                CHECK_FAIL_("mean %lld, m = 2^53 - 1 - %llu", (long long)means[i], (unsigned long long)m);
        }
        for (int e = 1; e <= 53; e++) { /* u's numerator top - m = 2^e + delta */
            for (int64_t delta = -8; delta <= 8; delta++) {
                int64_t num = ((int64_t)1 << e) + delta;
                if (num < 1 || num > (int64_t)top) continue;
                if (!same_at(&t, top - (uint64_t)num))
                    CHECK_FAIL_("mean %lld, u = (2^%d + %lld) 2^-53", (long long)means[i], e, (long long)delta);
            }
        }
        const int binades[] = {52, 51, 50, 45, 30, 12};
        for (size_t b = 0; b < sizeof binades / sizeof *binades; b++) {
            int e = binades[b];
            for (int j = 0; j <= RNG_PARETO_BUCKETS; j++) {
                for (int64_t delta = -3; delta <= 3; delta++) {
                    int64_t num = ((int64_t)1 << e) + ((int64_t)j << (e - RNG_PARETO_BUCKET_BITS)) + delta;
                    if (num < 1 || num > (int64_t)top) continue;
                    if (!same_at(&t, top - (uint64_t)num))
                        CHECK_FAIL_("mean %lld, bucket %d of 2^%d, %+lld", (long long)means[i], j, e,
                                    (long long)delta);
                }
            }
        }
    }
}

/* Draws next to a half-integer: for targets K + 0.5 over the body and the
 * tail, the uniforms whose draw lies there, 4,001 each side by side. The
 * fast path's x is off by up to eps x there, so for many of them it rounds
 * the other way than pow: only the fallback gets them right. */
static void test_same_integer_next_to_half_integers(void) {
    int64_t means[128];
    int n = pair_means(means, 128);
    const double top = 0x1p53;
    long checked = 0;
    for (int i = 0; i < n; i++) {
        double a, xm;
        pair_of(means[i], &a, &xm);
        rng_pareto_table t;
        rng_pareto_table_init(&t, a, xm);
        const double times[] = {1.0001, 1.01, 1.1, 1.5, 2, 3, 10, 100, 1e4};
        for (size_t k = 0; k < sizeof times / sizeof *times; k++) {
            double half = floor(xm * times[k]) + 0.5;
            if (half >= 0x1p50) continue;
            /* (xm / half)^(1 / a) = u = 1 - m 2^-53 */
            double u = pow(xm / half, 1.0 / a);
            if (!(u > 0x1p-52 && u < 1)) continue;
            int64_t mid = (int64_t)floor((1 - u) * top);
            for (int64_t m = mid - 2000; m <= mid + 2000; m++) {
                if (m < 0 || m >= (int64_t)top) continue;
                checked++;
                if (!same_at(&t, (uint64_t)m))
                    CHECK_FAIL_("mean %lld, x near %.1f, m = %lld", (long long)means[i], half, (long long)m);
            }
        }
    }
    CHECK(checked > 1000000);
}

/* Outside the fast path's domain the formula itself: shapes below 1
 * (inv_alpha > 1), and a scale so large the tail passes 2^50. */
static void test_same_integer_outside_the_fast_domain(void) {
    const double as[] = {1.0, 1.5, 3.0}, xms[] = {1.0, 1000.0, 1e9, 1e14};
    for (size_t i = 0; i < sizeof as / sizeof *as; i++) {
        for (size_t j = 0; j < sizeof xms / sizeof *xms; j++) {
            double a = as[i], xm = xms[j];
            rng_pareto_table t;
            rng_pareto_table_init(&t, a, xm);
            if (a > 1) CHECK_INT_EQ(t.k_max, -1);
            rng f, s;
            rng_seed(&f, 7, i * 10 + j);
            rng_seed(&s, 7, i * 10 + j);
            for (int d = 0; d < 20000; d++) {
                /* the int64 cast of the formula is defined below 2^63 only */
                rng probe = s;
                double x = rng_pareto_inv(&probe, a, xm);
                if (x >= 0x1p62) {
                    rng_u64(&f);
                    rng_u64(&s);
                    continue;
                }
                int64_t got = rng_pareto_rounded(&f, &t), want = formula(&s, a, xm);
                if (got != want) CHECK_FAIL_("a %g xm %g draw %d: %lld != %lld", a, xm, d, (long long)got, (long long)want);
            }
        }
    }
    rng_pareto_table t;
    rng_pareto_table_init(&t, 0.5, 1e14); /* 1e14 2^(k/2) < 2^50: k <= 6 */
    CHECK_INT_EQ(t.k_max, 6);
}

/* The fast path's error bound (rng.h), measured against powl: never more
 * than eps minus the slack left for roundings (1e-13) plus 1e-14, over
 * random uniforms and the edges, for every mean. */
static void test_error_bound_holds(void) {
    int64_t means[128];
    int n = pair_means(means, 128);
    rng r;
    rng_seed(&r, 3, 0);
    for (int i = 0; i < n; i++) {
        double a, xm;
        pair_of(means[i], &a, &xm);
        rng_pareto_table t;
        rng_pareto_table_init(&t, a, xm);
        double bound = t.eps - 1e-13 + 1e-14, worst = 0;
        for (int d = 0; d < 200000; d++) {
            uint64_t m = d < 1000 ? (uint64_t)d : d < 2000 ? ((uint64_t)1 << 53) - 1 - (uint64_t)(d - 1000)
                                                          : rng_u64(&r) >> 11;
            double x = rng_pareto_table_x(&t, m);
            if (isnan(x)) continue;
            long double u = 1.0L - (long double)m * 0x1p-53L;
            long double exact = (long double)xm * powl(u, -(long double)a);
            double rel = (double)fabsl(((long double)x - exact) / exact);
            if (rel > worst) worst = rel;
        }
        if (!(worst <= bound)) CHECK_FAIL_("mean %lld: error %.3g > bound %.3g", (long long)means[i], worst, bound);
    }
}

static const test_case cases[] = {
    TEST(test_rng_giving),
    TEST(test_same_integer_as_pow_all_preset_pairs),
    TEST(test_same_integer_at_the_edges),
    TEST(test_same_integer_next_to_half_integers),
    TEST(test_same_integer_outside_the_fast_domain),
    TEST(test_error_bound_holds),
    {0},
};

TEST_MAIN(cases)
