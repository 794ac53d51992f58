/* sweep_plot.c - a sweep's results as out/plot.h's error-bar charts, and a
 * replicated run's series as its bands (see sweep_plot.h): the points'
 * stats become plain numbers, one series per combination of the axes other
 * than x; the replicas' time series become a mean and an interval at each
 * time any replica changes. */
#include "sweep/sweep_plot.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/csv.h"
#include "sweep/sweep_int.h"
#include "util/mem.h"

/* The x axis: the first axis of numbers with two values or more, else the
 * first of numbers, else the first with two values or more, else 0. */
static size_t sweep__x_axis(const sweep_plan *p, bool *numeric) {
    for (int pass = 0; pass < 4; pass++)
        for (size_t a = 0; a < p->n_axes; a++) {
            bool all = true;
            for (size_t i = 0; i < p->axes[a].n_values && all; i++)
                all = cJSON_IsNumber(sweep__value(p, a, i));
            bool many = p->axes[a].n_values > 1;
            if ((pass == 0 && all && many) || (pass == 1 && all) || (pass == 2 && many) ||
                pass == 3) {
                *numeric = all;
                return a;
            }
        }
    *numeric = false;
    return 0;
}

/* "name=value, name=value" of the axes other than xa at point pt, each
 * axis named by its path's last part; values only when `bare`. */
static char *sweep__series_label(const sweep_plan *p, size_t xa, size_t pt, bool bare) {
    size_t *idx = xcalloc(p->n_axes, sizeof *idx);
    sweep_point_indices(p, pt, idx);
    char *out = xstrdup("");
    for (size_t a = 0; a < p->n_axes; a++) {
        if (a == xa) continue;
        char *v = sweep__value_text(sweep__value(p, a, idx[a]));
        const char *name = strrchr(p->axes[a].path, '.');
        name = name ? name + 1 : p->axes[a].path;
        size_t n = strlen(out) + strlen(name) + strlen(v) + 4;
        char *next = xmalloc(n);
        if (bare) snprintf(next, n, "%s%s%s", out, *out ? ", " : "", v);
        else snprintf(next, n, "%s%s%s=%s", out, *out ? ", " : "", name, v);
        free(out);
        free(v);
        out = next;
    }
    free(idx);
    return out;
}

static bool sweep__chart(const char *dir, const sweep_plan *p, const scenario *points,
                         const sweep_result *r, int metric, const plot_options *o, char *err,
                         size_t err_len) {
    const char *name = sweep_metric_name(metric);
    bool any = false;
    for (size_t pt = 0; pt < r->n_points; pt++) any |= isfinite(r->points[pt].stat[metric].mean);
    if (!any) return true;
    bool numeric;
    size_t xa = sweep__x_axis(p, &numeric), nx = p->axes[xa].n_values;
    size_t n_series = p->n_points / nx, shown = n_series < PLOT_ERR_MAX_SERIES ? n_series
                                                                                : PLOT_ERR_MAX_SERIES;
    plot_err_series *series = xcalloc(shown, sizeof *series);
    plot_err_point *pts = xcalloc(shown * nx, sizeof *pts);
    double *refs = xcalloc(p->n_points * 8 + 1, sizeof *refs);
    char **labels = xcalloc(shown, sizeof *labels);
    size_t *idx = xcalloc(p->n_axes, sizeof *idx), n_refs = 0;
    for (size_t pt = 0; pt < p->n_points; pt++) {
        sweep_point_indices(p, pt, idx);
        /* the series: the point's index with the x axis taken out */
        size_t s = 0;
        for (size_t a = 0; a < p->n_axes; a++)
            if (a != xa) s = s * p->axes[a].n_values + idx[a];
        if (s >= shown) continue;
        if (!labels[s]) labels[s] = sweep__series_label(p, xa, pt, shown > 3);
        const sweep_stat *st = &r->points[pt].stat[metric];
        const cJSON *xv = sweep__value(p, xa, idx[xa]);
        plot_err_point *q = &pts[s * nx + idx[xa]];
        *q = (plot_err_point){.x = numeric ? xv->valuedouble : (double)idx[xa],
                              .mean = st->mean, .lo = st->lo, .hi = st->hi,
                              .refs = refs + n_refs};
        const scenario *scn = &points[pt];
        for (size_t i = 0; i < scn->n_expects && q->n_refs < 8; i++) {
            const scn_expect *e = &scn->expects[i];
            if (e->kind == EXPECT_METRIC && e->has_reference && strcmp(e->metric, name) == 0)
                refs[n_refs++] = e->reference, q->n_refs++;
        }
    }
    for (size_t s = 0; s < shown; s++)
        series[s] = (plot_err_series){n_series > 1 ? labels[s] : NULL, pts + s * nx, nx};
    char **x_text = xcalloc(nx, sizeof *x_text);
    for (size_t i = 0; i < nx; i++) x_text[i] = sweep__value_text(sweep__value(p, xa, i));
    char file[128], sub[256];
    snprintf(file, sizeof file, "sweep_%s", name);
    int len = snprintf(sub, sizeof sub, "%s: ", p->name);
    if (p->seeds > 1)
        len += snprintf(sub + len, sizeof sub - (size_t)len,
                        "mean and 95%% CI (Student t) over %d replicas%s", p->seeds,
                        p->paired ? ", paired seeds" : "");
    else
        len += snprintf(sub + len, sizeof sub - (size_t)len, "one run per point, no interval");
    if (shown < n_series)
        snprintf(sub + len, sizeof sub - (size_t)len, "; %zu of %zu series", shown, n_series);
    plot_err_chart ch = {.name = file, .title = name, .subtitle = sub,
                         .x_label = p->axes[xa].path, .y_label = name, .x_numeric = numeric,
                         .x_text = (const char *const *)x_text, .n_x_text = nx,
                         .series = series, .n_series = shown};
    bool ok = plot_errorbars_write(dir, &ch, o, err, err_len);
    for (size_t i = 0; i < nx; i++) free(x_text[i]);
    free(x_text);
    for (size_t s = 0; s < shown; s++) free(labels[s]);
    free(labels);
    free(idx);
    free(refs);
    free(pts);
    free(series);
    return ok;
}

bool sweep_plot_write(const char *dir, const sweep_plan *p, const scenario *points,
                      const sweep_result *r, const plot_options *o, char *err, size_t err_len) {
    if (p->n_axes == 0) return true;
    if (!csv_mkdirs(dir, err, err_len)) return false;
    bool drawn[SWEEP_N_METRICS] = {false};
    for (size_t c = 0; c < p->n_columns; c++) {
        if (!sweep__chart(dir, p, points, r, p->columns[c], o, err, err_len)) return false;
        drawn[p->columns[c]] = true;
    }
    /* a metric a rule gives a reference for has its chart, column or not */
    for (size_t i = 0; p->n_points && i < points[0].n_expects; i++) {
        const scn_expect *e = &points[0].expects[i];
        int m = e->kind == EXPECT_METRIC && e->has_reference ? sweep_metric_index(e->metric) : -1;
        if (m < 0 || drawn[m]) continue;
        if (!sweep__chart(dir, p, points, r, m, o, err, err_len)) return false;
        drawn[m] = true;
    }
    return true;
}

/* ---- a replicated run: bands ------------------------------------------ */

struct sweep_plotter {
    const char *dir;
    const plot_options *o;
    pthread_mutex_t lock;  /* guards the allocation of runs */
    csv_point **runs;      /* by run number; each written by its run's worker only */
    size_t *n_pts;
    size_t n_runs;
};

sweep_plotter *sweep_plotter_new(const char *dir, const plot_options *o) {
    sweep_plotter *pl = xcalloc(1, sizeof *pl);
    pl->dir = dir;
    pl->o = o;
    pthread_mutex_init(&pl->lock, NULL);
    return pl;
}

void sweep_plotter_free(sweep_plotter *pl) {
    if (!pl) return;
    for (size_t i = 0; i < pl->n_runs; i++) free(pl->runs[i]);
    free(pl->runs);
    free(pl->n_pts);
    pthread_mutex_destroy(&pl->lock);
    free(pl);
}

void sweep_plotter_on_run(void *user, const sweep_plan *p, const sweep_row *row,
                          const metrics *m) {
    sweep_plotter *pl = user;
    if (p->n_axes != 0 || p->seeds < 2) return; /* bands are for a replicated file */
    pthread_mutex_lock(&pl->lock);
    if (!pl->runs) {
        pl->n_runs = sweep_plan_runs(p);
        pl->runs = xcalloc(pl->n_runs, sizeof *pl->runs);
        pl->n_pts = xcalloc(pl->n_runs, sizeof *pl->n_pts);
    }
    pthread_mutex_unlock(&pl->lock);
    size_t j = row->point * (size_t)p->seeds + (size_t)row->seed_index;
    pl->runs[j] = csv_timeseries(m, &pl->n_pts[j]);
}

static int sweep__cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double sweep__count(const csv_point *q, int k) {
    return (double)(k == 0 ? q->blocks_mined : k == 1 ? q->stale_blocks : q->forks);
}

static bool sweep__bands(const sweep_plotter *pl, const sweep_plan *p, char *err,
                         size_t err_len) {
    size_t n = pl->n_runs, total = 0;
    int64_t end_us = 0;
    for (size_t r = 0; r < n; r++) {
        total += pl->n_pts[r];
        if (pl->n_pts[r] && pl->runs[r][pl->n_pts[r] - 1].t_us > end_us)
            end_us = pl->runs[r][pl->n_pts[r] - 1].t_us;
    }
    int64_t *t = xmalloc((total + 1) * sizeof *t);
    size_t nt = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < pl->n_pts[r]; i++) t[nt++] = pl->runs[r][i].t_us;
    qsort(t, nt, sizeof *t, sweep__cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++)
        if (u == 0 || t[i] != t[u - 1]) t[u++] = t[i];
    if (u > SWEEP_PLOT_MAX_TIMES) {
        u = SWEEP_PLOT_MAX_TIMES;
        for (size_t i = 0; i < u; i++) t[i] = (int64_t)((double)end_us * (double)i / (double)u);
    }
    double *t_s = xmalloc((u + 1) * sizeof *t_s), *vals = xmalloc(9 * (u + 1) * sizeof *vals);
    double *x = xmalloc(n * sizeof *x);
    size_t *at = xcalloc(n, sizeof *at);
    for (size_t i = 0; i < u; i++) {
        t_s[i] = (double)t[i] / 1e6;
        for (size_t r = 0; r < n; r++) /* the point in force at t[i] */
            while (at[r] + 1 < pl->n_pts[r] && pl->runs[r][at[r] + 1].t_us <= t[i]) at[r]++;
        for (int k = 0; k < 3; k++) {
            for (size_t r = 0; r < n; r++)
                x[r] = pl->n_pts[r] ? sweep__count(&pl->runs[r][at[r]], k) : NAN;
            sweep_stat st;
            sweep_stat_of(x, n, &st);
            vals[(size_t)(3 * k) * u + i] = st.mean;
            vals[(size_t)(3 * k + 1) * u + i] = st.sd == 0 ? st.mean : st.lo;
            vals[(size_t)(3 * k + 2) * u + i] = st.sd == 0 ? st.mean : st.hi;
        }
    }
    char sub[256], label[64];
    snprintf(sub, sizeof sub, "%s: mean over %d replicas%s", p->name, p->seeds,
             p->paired ? ", paired seeds" : "");
    snprintf(label, sizeof label, "95%% CI (n=%d)", p->seeds);
    plot_band_chart ch = {.name = "forks_over_time",
                          .title = "Blocks, stale blocks and forks over time",
                          .subtitle = sub, .band_label = label, .t_s = t_s, .n = u,
                          .end_s = (double)end_us / 1e6};
    for (int k = 0; k < 3; k++) {
        ch.mean[k] = vals + (size_t)(3 * k) * u;
        ch.lo[k] = vals + (size_t)(3 * k + 1) * u;
        ch.hi[k] = vals + (size_t)(3 * k + 2) * u;
    }
    bool ok = plot_bands_write(pl->dir, &ch, pl->o, err, err_len);
    free(at);
    free(x);
    free(vals);
    free(t_s);
    free(t);
    return ok;
}

bool sweep_plotter_after(void *user, const sweep_plan *p, const scenario *points,
                         const sweep_result *r, char *err, size_t err_len) {
    sweep_plotter *pl = user;
    char why[512] = "";
    bool ok = sweep_plot_write(pl->dir, p, points, r, pl->o, why, sizeof why);
    if (ok && p->n_axes == 0 && p->seeds > 1) {
        bool all = pl->runs != NULL;
        for (size_t i = 0; all && i < pl->n_runs; i++) all = pl->runs[i] != NULL;
        if (!all)
            fprintf(stderr, "chainsim: --plot %s: the replicas ran in other processes (mpirun): "
                            "no band chart\n", pl->dir);
        else ok = csv_mkdirs(pl->dir, why, sizeof why) && sweep__bands(pl, p, why, sizeof why);
    }
    if (!ok) snprintf(err, err_len, "--plot %s: %s", pl->dir, why);
    return ok;
}
