/* sweep_plot.c - a sweep's results as out/plot.h's error-bar charts (see
 * sweep_plot.h): the points' stats become plain numbers, one series per
 * combination of the axes other than x. */
#include "sweep/sweep_plot.h"

#include <math.h>
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
