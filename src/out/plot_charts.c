/* plot_charts.c - the two line charts: the propagation CDF and blocks,
 * stale blocks and forks over time (see plot.h).
 *
 * Both draw step functions: a CDF rises at each sample and a count rises
 * at each event; a line between two points would show values that never
 * occurred. The axes are clipped to the data: the CDF's x axis ends at the
 * slowest block, the time axis at the run's end (not at a rounder number
 * past it); the count axis ends at a nice number at or above the blocks
 * mined. Ticks are nice numbers inside the range.
 *
 * Series that coincide (every block reached 90% and 100% of the nodes at
 * the same moment; each fork left exactly one stale block) are told apart
 * three ways: each has its own dash pattern, they are drawn widest first so
 * the lower one shows around the upper one, and a note in the chart says
 * which ones coincide. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/plot_int.h"
#include "out/csv.h"
#include "util/mem.h"

#define CHART_LEGEND_Y_PT 28.0 /* the legend's baseline, above the area */

static void chart__layout(plot__canvas *c) {
    /* left: the y label and tick values; top: title, subtitle, legend;
     * bottom: tick values and the x label */
    c->area = (plot__rect){PLOT_AREA_LEFT_PT, PLOT_AREA_TOP_PT,
                           c->w - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT,
                           c->h - PLOT_AREA_TOP_PT - PLOT_AREA_BOTTOM_PT};
}

/* A note in a corner of the area: right = bottom right, else top left. */
static void chart__corner_note(plot__canvas *c, bool right, const char *text) {
    const plot__rect *a = &c->area;
    if (right)
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__DIM, a->x + a->w - 3, a->y + a->h - 4, 1,
                   false, "coincide", text);
    else
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__DIM, a->x + 3, a->y + PLOT__TICK_PT + 2,
                   0, false, "coincide", text);
}

/* ------------------------------------------------------- propagation CDF */

typedef struct cdf__data {
    sim *s;
    const metrics *m;
    bool log;
    double *v[3];      /* 50%, 90%, 100%: the sorted delays in seconds */
    size_t cnt[3];
    double vmin, vmax; /* smallest positive and largest delay */
} cdf__data;

static const char *const cdf__names[3] = {"50%", "90%", "100%"};

static int cdf__cmp(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static bool cdf__same(const cdf__data *d, int i, int j) {
    if (d->cnt[i] != d->cnt[j]) return false;
    for (size_t k = 0; k < d->cnt[i]; k++)
        if (d->v[i][k] != d->v[j][k]) return false;
    return true;
}

static void cdf__draw(plot__canvas *c, const void *data) {
    const cdf__data *d = data;
    const metrics *m = d->m;
    char sub[256];
    snprintf(sub, sizeof sub, "%s, seed %" PRIu64 ": %zu blocks, %d nodes",
             sim_scenario(d->s)->name, sim_seed(d->s), m->n_blocks, m->n_nodes);
    plot__heading(c, "Block propagation delay", sub);
    chart__layout(c);
    /* 4% past the slowest block, so its rise is not drawn on the frame */
    plot__axis x = {0, d->vmax > 0 ? d->vmax * 1.04 : 1, false,
                    "seconds after the block was mined"};
    if (d->log) {
        x.log = true;
        x.lo = d->vmin > 0 ? pow(10, floor(log10(d->vmin) + 1e-9)) : 0.1;
        if (!(x.hi > x.lo * 1.5)) x.hi = x.lo * 10;
        x.label = "seconds after the block was mined (log scale)";
    }
    plot__axis y = {0, 1, false, "fraction of blocks"};
    plot__axes(c, &x, &y);
    /* widest first: where two curves coincide the lower one shows around
     * the one drawn over it */
    const plot__pen pens[3] = {{palette_on_light(palette_branch[0]), 0.9, PLOT__DOTTED},
                               {palette_on_light(palette_branch[3]), 1.2, PLOT__DASHED},
                               {palette_on_light(palette_branch[4]), 2.2, PLOT__SOLID}};
    plot__key keys[3];
    char labels[3][32];
    for (int k = 0; k < 3; k++) {
        snprintf(labels[k], sizeof labels[k], "%s of nodes", cdf__names[k]);
        keys[k] = (plot__key){labels[k], pens[k], false};
    }
    size_t n = m->n_blocks;
    if (n == 0) {
        plot__note(c, "no blocks were mined");
        return;
    }
    plot__legend(c, keys, 3, CHART_LEGEND_Y_PT);
    cairo_t *cr = c->cr;
    plot__clip_area(c, 1.5);
    for (int k = 2; k >= 0; k--) {
        plot__use_pen(c, &pens[k]);
        double py = plot__py(c, &y, 0);
        cairo_move_to(cr, plot__px(c, &x, x.lo), py);
        for (size_t i = 0; i < d->cnt[k]; i++) {
            double v = d->v[k][i] < x.lo ? x.lo : d->v[k][i];
            double nx = plot__px(c, &x, v), ny = plot__py(c, &y, (double)(i + 1) / (double)n);
            cairo_line_to(cr, nx, py);
            cairo_line_to(cr, nx, ny);
            py = ny;
        }
        cairo_line_to(cr, plot__px(c, &x, x.hi), py);
        cairo_stroke(cr);
    }
    plot__unclip(c);
    bool s01 = cdf__same(d, 0, 1), s12 = cdf__same(d, 1, 2), s02 = cdf__same(d, 0, 2);
    const char *note = s01 && s12   ? "the three curves coincide"
                       : s12        ? "the 90% and 100% curves coincide"
                       : s01        ? "the 50% and 90% curves coincide"
                       : s02        ? "the 50% and 100% curves coincide"
                                    : NULL;
    if (note) chart__corner_note(c, true, note);
}

bool plot__cdf_write(const char *dir, sim *s, const metrics *m, const plot_options *o,
                     const plot__fonts *fonts, char *err, size_t err_len) {
    cdf__data d = {.s = s, .m = m, .log = o->log_time};
    for (int k = 0; k < 3; k++) {
        d.v[k] = xmalloc((m->n_blocks + 1) * sizeof *d.v[k]);
        for (size_t i = 0; i < m->n_blocks; i++) {
            const block_stat *st = &m->blocks[i];
            int64_t us = k == 0 ? st->t50_us : k == 1 ? st->t90_us : st->t100_us;
            if (us < 0) continue;
            double v = (double)us / 1e6;
            d.v[k][d.cnt[k]++] = v;
            if (v > d.vmax) d.vmax = v;
            if (v > 0 && (d.vmin == 0 || v < d.vmin)) d.vmin = v;
        }
        qsort(d.v[k], d.cnt[k], sizeof *d.v[k], cdf__cmp);
    }
    bool ok = plot__write_chart(dir, "propagation_cdf", PLOT_CHART_W_PT, PLOT_CHART_H_PT, cdf__draw,
                                &d, o, fonts, err, err_len);
    for (int k = 0; k < 3; k++) free(d.v[k]);
    return ok;
}

/* ------------------------------------------------------ blocks over time */

typedef struct time__data {
    sim *s;
    const metrics *m;
    csv_point *pts;
    size_t n;
} time__data;

/* The scenario's events that change the network or the miners, as
 * labels; NULL for the others (transactions, manual mining: the data
 * shows those). *rgb: red for a cut, green for a repair, amber else. */
static const char *time__event_label(const scenario *scn, const scn_event *e, char *out, size_t len,
                                     uint32_t *rgb) {
    *rgb = PALETTE_WARN;
    const char *what = NULL;
    const char *who = e->node >= 0 && e->node < scn->n_nodes ? scn->nodes[e->node].name : "";
    switch (e->kind) {
    case SCN_PARTITION: what = "partition"; *rgb = PALETTE_BAD; break;
    case SCN_HEAL: what = "heal"; *rgb = PALETTE_GOOD; break;
    case SCN_ISOLATE: what = "isolate"; *rgb = PALETTE_BAD; break;
    case SCN_RECONNECT: what = "reconnect"; *rgb = PALETTE_GOOD; break;
    case SCN_CRASH: what = "crash"; *rgb = PALETTE_BAD; break;
    case SCN_RESTART: what = "restart"; *rgb = PALETTE_GOOD; break;
    case SCN_HASH_POWER: what = "hash power"; who = ""; *rgb = PALETTE_WARN; break;
    case SCN_LINKS: what = "links"; *rgb = PALETTE_WARN; break;
    case SCN_TX:
    case SCN_MINE:
    case SCN_REGISTER:
    case SCN_RESOLVE: break;
    }
    if (!what) return NULL;
    snprintf(out, len, "%s%s%s", what, *who ? " " : "", who);
    *rgb = palette_on_light(*rgb);
    return out;
}

/* Each event as a dashed vertical line with its label to its right, read
 * upwards from the top of the area. Several at one time with the same
 * label make one; a label that would overlap the one before is left out
 * (its line stays). */
static void time__events(plot__canvas *c, const time__data *d, const plot__axis *x, double unit_s) {
    const scenario *scn = sim_scenario(d->s);
    cairo_t *cr = c->cr;
    double last_label_x = -1e9, last_x = -1e9;
    char last[64] = "", label[64];
    for (size_t i = 0; i < scn->n_events; i++) {
        const scn_event *e = &scn->events[i];
        uint32_t rgb;
        if (e->at_us > d->m->end_us || !time__event_label(scn, e, label, sizeof label, &rgb))
            continue;
        double px = plot__px(c, x, (double)e->at_us / 1e6 / unit_s);
        if (px == last_x && strcmp(label, last) == 0) continue;
        plot__pen pen = {rgb, 0.7, PLOT__DASHED};
        plot__use_pen(c, &pen);
        cairo_move_to(cr, px, c->area.y);
        cairo_line_to(cr, px, c->area.y + c->area.h);
        cairo_stroke(cr);
        double lx = px + 1 + PLOT__TICK_PT * 0.76; /* the glyphs' tops 1 pt right of the line */
        if (lx - last_label_x >= PLOT__TICK_PT + 1) {
            /* a veil behind the label, so that it reads over the curves */
            double tw = plot__text_width(c, PLOT__REGULAR, PLOT__TICK_PT, label);
            cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
            cairo_rectangle(cr, px + 0.6, c->area.y + 1.5, PLOT__TICK_PT + 0.4, tw + 1);
            cairo_fill(cr);
            plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, rgb, lx, c->area.y + 2, 1, true, "event",
                       label);
            last_label_x = lx;
        }
        last_x = px;
        snprintf(last, sizeof last, "%s", label);
    }
}

static uint64_t time__value(const csv_point *p, int k) {
    return k == 0 ? p->blocks_mined : k == 1 ? p->stale_blocks : p->forks;
}

static void time__draw(plot__canvas *c, const void *data) {
    const time__data *d = data;
    const metrics *m = d->m;
    char sub[256];
    snprintf(sub, sizeof sub,
             "%s, seed %" PRIu64 ": %zu mined, %" PRIu64 " stale, %" PRIu64 " fork(s)",
             sim_scenario(d->s)->name, sim_seed(d->s), m->n_blocks, m->stale_blocks, m->forks);
    plot__heading(c, "Blocks, stale blocks and forks over time", sub);
    chart__layout(c);
    /* long runs read better in minutes or hours than in 400000 s */
    double end_s = (double)m->end_us / 1e6, unit_s = 1;
    const char *x_label = "sim time (s)";
    if (end_s > 3 * 3600) {
        unit_s = 3600;
        x_label = "sim time (hours)";
    } else if (end_s > 600) {
        unit_s = 60;
        x_label = "sim time (minutes)";
    }
    plot__axis x = {0, end_s > 0 ? end_s / unit_s : 1, false, x_label};
    double y_hi = plot__nice_ceil((double)m->n_blocks);
    plot__axis y = {0, y_hi < 5 ? 5 : y_hi, false, "blocks so far"};
    plot__axes(c, &x, &y);
    time__events(c, d, &x, unit_s);
    const plot__pen pens[3] = {{palette_on_light(PALETTE_MAIN), 1.6, PLOT__SOLID},
                               {palette_on_light(PALETTE_STALE), 1.6, PLOT__DASHED},
                               {palette_on_light(PALETTE_BAD), 1.0, PLOT__DOTTED}};
    const plot__key keys[3] = {{"blocks mined", pens[0], false},
                               {"stale blocks", pens[1], false},
                               {"forks", pens[2], false}};
    if (m->n_blocks == 0) {
        plot__note(c, "no blocks were mined");
        return;
    }
    plot__legend(c, keys, 3, CHART_LEGEND_Y_PT);
    cairo_t *cr = c->cr;
    plot__clip_area(c, 1.5);
    for (int k = 0; k < 3; k++) {
        plot__use_pen(c, &pens[k]);
        for (size_t i = 0; i < d->n; i++) {
            const csv_point *p = &d->pts[i];
            double px = plot__px(c, &x, (double)p->t_us / 1e6 / unit_s);
            double py = plot__py(c, &y, (double)time__value(p, k));
            if (i == 0) cairo_move_to(cr, px, py);
            else cairo_line_to(cr, px, py);
            double nx = i + 1 < d->n ? plot__px(c, &x, (double)d->pts[i + 1].t_us / 1e6 / unit_s)
                                     : plot__px(c, &x, x.hi);
            cairo_line_to(cr, nx, py);
        }
        cairo_stroke(cr);
    }
    plot__unclip(c);
    bool same = m->forks > 0;
    for (size_t i = 0; i < d->n && same; i++) same = d->pts[i].stale_blocks == d->pts[i].forks;
    if (same)
        chart__corner_note(c, false,
                           "stale blocks and forks coincide: each fork left one stale block");
}

bool plot__over_time_write(const char *dir, sim *s, const metrics *m, const plot_options *o,
                           const plot__fonts *fonts, char *err, size_t err_len) {
    time__data d = {.s = s, .m = m};
    d.pts = csv_timeseries(m, &d.n);
    bool ok = plot__write_chart(dir, "forks_over_time", PLOT_CHART_W_PT, PLOT_CHART_H_PT,
                                time__draw, &d, o, fonts, err, err_len);
    free(d.pts);
    return ok;
}
