/* sweep_stats.c - replications: the run seeds of (seed, point, replica), and
 * what N replicas of a point say together: each metric's mean, standard
 * deviation and 95% confidence interval, and the expect rules judged on
 * them.
 *
 * Seeds. Replica r of point p (both 0-based) runs with
 *
 *   seed                                  if p' = 0 and r = 0
 *   mix(seed XOR mix(p' * 2^32 + r)) >> 11    otherwise
 *
 * where p' is p, or 0 when the sweep is "paired", and mix is splitmix64's
 * finaliser (Steele, Lea & Flood 2014: z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;
 * z = (z ^ z>>27) * 0x94d049bb133111eb; z ^ z>>31, after adding the golden
 * gamma 0x9e3779b97f4a7c15). The first replica of the first point is the
 * single run's seed, so a replicated file's first row is the run without
 * replications; the shift keeps every seed below 2^53, so a row's seed can
 * be written back into a scenario's "seed" and into JSON exactly. Distinct
 * (p', r) give unrelated seeds, hence unrelated streams in every consumer
 * (util/rng.h derives each consumer's stream from the run seed).
 *
 * Interval. With n finite values x_i: mean = sum x_i / n, sd = sqrt(sum (x_i
 * - mean)^2 / (n - 1)) (the sample standard deviation), and the 95% interval
 * mean +- t * sd / sqrt(n), t the 0.975 quantile of Student's t with n - 1
 * degrees of freedom (exact to 9 digits from a table up to 30, above that
 * the Cornish-Fisher expansion of Abramowitz & Stegun 26.7.5, within 1e-6).
 * With n < 2 the sd and the interval are NaN (null in JSON, empty in CSV). */
#include "sweep/sweep_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

static uint64_t sweep__mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t sweep_run_seed(uint64_t seed, size_t point, int replica, bool paired) {
    uint64_t p = paired ? 0 : (uint64_t)point;
    if (p == 0 && replica == 0) return seed;
    return sweep__mix(seed ^ sweep__mix((p << 32) + (uint64_t)replica)) >> 11;
}

double sweep_t975(int df) {
    static const double table[31] = {
        NAN,         12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836,
        2.446911851, 2.364624252,  2.306004135, 2.262157163, 2.228138852, 2.200985160,
        2.178812830, 2.160368656,  2.144786688, 2.131449546, 2.119905299, 2.109815578,
        2.100922040, 2.093024054,  2.085963447, 2.079613845, 2.073873068, 2.068657610,
        2.063898562, 2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642,
        2.042272456};
    if (df < 1) return NAN;
    if (df <= 30) return table[df];
    const double z = 1.959963984540054, n = df;
    double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
    double g1 = (z3 + z) / 4, g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
    double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
    double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
    return z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n);
}

void sweep_stat_of(const double *x, size_t n, sweep_stat *out) {
    size_t k = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) sum += x[i], k++;
    *out = (sweep_stat){.n = k, .mean = k ? sum / (double)k : NAN, .sd = NAN, .half = NAN,
                        .lo = NAN, .hi = NAN};
    if (k < 2) return;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) ss += (x[i] - out->mean) * (x[i] - out->mean);
    out->sd = sqrt(ss / (double)(k - 1));
    out->half = sweep_t975((int)k - 1) * out->sd / sqrt((double)k);
    out->lo = out->mean - out->half;
    out->hi = out->mean + out->half;
}

/* ---- a point's verdicts ------------------------------------------------ */

#define SWEEP_EPS 1e-9

static bool sweep__in_range(const scn_expect *r, double v) {
    return !(r->has_min && v < r->min - SWEEP_EPS) && !(r->has_max && v > r->max + SWEEP_EPS);
}

/* Rule i of a point over its n replicas rows[0..n). */
static void sweep__judge(sweep_verdict *out, const scn_expect *r, size_t i, const sweep_stat *st,
                         const sweep_row *rows, int n) {
    out->rule = r;
    if (r->kind != EXPECT_METRIC) { /* needs the run's nodes: held in every replica */
        int held = 0;
        for (int k = 0; k < n; k++)
            held += !rows[k].error && rows[k].rule_failed && !rows[k].rule_failed[i];
        out->pass = held == n;
        snprintf(out->actual, sizeof out->actual, "held in %d of %d replicas", held, n);
        return;
    }
    const sweep_stat *s = &st[sweep_metric_index(r->metric)];
    bool bounds_ok = (!r->has_min && !r->has_max) || (s->n > 0 && sweep__in_range(r, s->mean));
    bool ci_ok = !r->within_ci ||
                 (s->n >= 2 && r->reference >= s->lo - SWEEP_EPS && r->reference <= s->hi + SWEEP_EPS);
    out->pass = bounds_ok && ci_ok && s->n == (size_t)n;
    int o = snprintf(out->actual, sizeof out->actual, "mean %.6g, 95%% CI [%.6g, %.6g] (n=%zu)",
                     s->mean, s->lo, s->hi, s->n);
    if (r->has_reference && o > 0 && (size_t)o < sizeof out->actual)
        snprintf(out->actual + o, sizeof out->actual - (size_t)o, "; reference %.6g", r->reference);
}

void sweep__aggregate(const sweep_plan *p, const scenario *points, sweep_result *r) {
    size_t n = (size_t)p->seeds;
    double *x = xmalloc(n * sizeof *x);
    r->points = xcalloc(p->n_points ? p->n_points : 1, sizeof *r->points);
    r->n_points = p->n_points;
    for (size_t pt = 0; pt < p->n_points; pt++) {
        sweep_point_result *pr = &r->points[pt];
        const sweep_row *rows = &r->rows[pt * n];
        for (int m = 0; m < SWEEP_N_METRICS; m++) {
            for (size_t k = 0; k < n; k++) x[k] = rows[k].error ? NAN : rows[k].metric[m];
            sweep_stat_of(x, n, &pr->stat[m]);
        }
        const scenario *scn = &points[pt];
        pr->n_expects = scn->n_expects;
        pr->res = xcalloc(scn->n_expects + 1, sizeof *pr->res);
        for (size_t i = 0; i < scn->n_expects; i++) {
            sweep__judge(&pr->res[i], &scn->expects[i], i, pr->stat, rows, (int)n);
            pr->n_failed += !pr->res[i].pass;
        }
    }
    free(x);
}
