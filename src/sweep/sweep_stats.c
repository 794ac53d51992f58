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
 * With n < 2 the sd and the interval are NaN (null in JSON, empty in CSV).
 *
 * Family-wise. A rule with "family_wise" is judged at every point of a
 * sweep; m points at 95% each miss somewhere with probability up to
 * 1 - 0.95^m (34% at m = 8) even when the model is right. Such a rule uses
 * Bonferroni's interval instead: level 1 - 0.05 / m, t at 1 - 0.025 / m, so
 * the chance that any of the m intervals misses the truth is at most 5%. */
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

/* P(T <= t) for Student's t, t >= 0: 1 - I_x(df/2, 1/2) / 2 with
 * x = df / (df + t^2), the regularized incomplete beta by its continued
 * fraction (modified Lentz; Numerical Recipes 6.4), which converges fast for
 * x < (a + 1) / (a + b + 2), else through I_x(a, b) = 1 - I_{1-x}(b, a). */
static double sweep__beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = fabs(d) < tiny ? 1 / tiny : 1 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        for (int half = 0; half < 2; half++) {
            d = 1 + aa * d;
            d = fabs(d) < tiny ? 1 / tiny : 1 / d;
            c = 1 + aa / c;
            c = fabs(c) < tiny ? tiny : c;
            h *= d * c;
            aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        }
        if (fabs(d * c - 1) < 1e-15) break;
    }
    return h;
}

static double sweep__beta_reg(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1) / (a + b + 2)) return front * sweep__beta_cf(a, b, x) / a;
    return 1 - front * sweep__beta_cf(b, a, 1 - x) / b;
}

static double sweep__t_cdf(double t, int df) {
    double n = df;
    return 1 - 0.5 * sweep__beta_reg(n / 2, 0.5, n / (n + t * t));
}

double sweep_t_quantile(double p, int df) {
    if (df < 1 || !(p >= 0.5 && p < 1)) return NAN;
    double lo = 0, hi = 1;
    while (sweep__t_cdf(hi, df) < p && hi < 1e12) hi *= 2;
    while (hi - lo > 1e-10 * (1 + lo)) {
        double mid = (lo + hi) / 2;
        if (sweep__t_cdf(mid, df) < p) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2;
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

/* Rule i of a point over its n replicas rows[0..n); family is the number of
 * points a family-wise rule is judged at (1 otherwise). */
static void sweep__judge(sweep_verdict *out, const scn_expect *r, size_t i, const sweep_stat *st,
                         const sweep_row *rows, int n, size_t family) {
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
    double lo = s->lo, hi = s->hi, level = 0.95;
    bool bonferroni = r->family_wise && family > 1 && s->n >= 2;
    if (bonferroni) { /* top of the file */
        level = 1 - 0.05 / (double)family;
        double half = sweep_t_quantile(1 - 0.025 / (double)family, (int)s->n - 1) * s->sd /
                      sqrt((double)s->n);
        lo = s->mean - half;
        hi = s->mean + half;
    }
    bool bounds_ok = (!r->has_min && !r->has_max) || (s->n > 0 && sweep__in_range(r, s->mean));
    bool ci_ok = !r->within_ci ||
                 (s->n >= 2 && r->reference >= lo - SWEEP_EPS && r->reference <= hi + SWEEP_EPS);
    out->pass = bounds_ok && ci_ok && s->n == (size_t)n;
    int o = snprintf(out->actual, sizeof out->actual, "mean %.6g, %.6g%% CI [%.6g, %.6g] (n=%zu",
                     s->mean, 100 * level, lo, hi, s->n);
    if (bonferroni && o > 0 && (size_t)o < sizeof out->actual)
        o += snprintf(out->actual + o, sizeof out->actual - (size_t)o, ", Bonferroni over %zu points",
                      family);
    if (o > 0 && (size_t)o < sizeof out->actual)
        o += snprintf(out->actual + o, sizeof out->actual - (size_t)o, ")");
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
            sweep__judge(&pr->res[i], &scn->expects[i], i, pr->stat, rows, (int)n, p->n_points);
            pr->n_failed += !pr->res[i].pass;
        }
    }
    free(x);
}
