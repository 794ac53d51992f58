/* plot_sweep.c - a metric against a swept parameter, with error bars, and a
 * replicated run's counts over time with bands (see plot.h, "error bars"
 * and "bands").
 *
 * The chart gets plain numbers (means, interval ends, references), not a
 * sweep: out/ sits below sweep/, which turns its results into these
 * (sweep/sweep_plot.c). Each series is one colour; its bars are drawn
 * first, then the line through the means, then the dots, then the
 * reference diamonds, so that a reference shows even where it sits on its
 * bar's cap. A point with an undefined interval (n < 2) has a dot and no
 * bar; a point with an undefined mean is left out. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "out/plot_int.h"

#define ERR_LEGEND_Y_PT 28.0
#define ERR_CAP_PT 2.2      /* half the width of a bar's caps */
#define ERR_BAR_PT 0.6      /* the bar's and caps' line width */
#define ERR_DOT_PT 1.5      /* the mean's radius */
#define ERR_REF_PT 2.3      /* the diamond's half diagonal */

static uint32_t err__colour(size_t i) {
    static const int pick[PLOT_ERR_MAX_SERIES] = {8, 3, 2, 4, 5, 1, 6, 9};
    return palette_on_light(palette_branch[pick[i % PLOT_ERR_MAX_SERIES]]);
}

static uint32_t err__ref_colour(void) { return palette_on_light(PALETTE_BAD); }

typedef struct err__range {
    double lo, hi;
    bool any;
} err__range;

static void err__take(err__range *r, double v) {
    if (!isfinite(v)) return;
    if (!r->any || v < r->lo) r->lo = v;
    if (!r->any || v > r->hi) r->hi = v;
    r->any = true;
}

static bool err__log_x(const plot_err_chart *ch, const err__range *xr) {
    return ch->x_numeric && xr->any && xr->lo > 0 && xr->hi >= 20 * xr->lo;
}

/* The axes of plot.h's rule. */
static void err__axes(const plot_err_chart *ch, plot__axis *x, plot__axis *y) {
    err__range xr = {0}, yr = {0};
    for (size_t s = 0; s < ch->n_series; s++)
        for (size_t i = 0; i < ch->series[s].n; i++) {
            const plot_err_point *p = &ch->series[s].pts[i];
            if (!isfinite(p->mean)) continue;
            err__take(&xr, p->x);
            err__take(&yr, p->mean);
            err__take(&yr, p->lo);
            err__take(&yr, p->hi);
            for (size_t k = 0; k < p->n_refs; k++) err__take(&yr, p->refs[k]);
        }
    *x = (plot__axis){0, 0, false, ch->x_label};
    if (err__log_x(ch, &xr)) {
        double a = log10(xr.lo), b = log10(xr.hi), pad = 0.06 * (b - a);
        *x = (plot__axis){pow(10, a - pad), pow(10, b + pad), true, ch->x_label};
    } else if (xr.any && xr.hi > xr.lo) {
        double pad = 0.06 * (xr.hi - xr.lo);
        x->lo = xr.lo - pad;
        x->hi = xr.hi + pad;
    } else {
        x->lo = (xr.any ? xr.lo : 0) - 1;
        x->hi = (xr.any ? xr.lo : 0) + 1;
    }
    *y = (plot__axis){0, 0, false, ch->y_label};
    if (!yr.any) {
        y->lo = 0;
        y->hi = 1;
    } else if (yr.hi > yr.lo) {
        double pad = 0.08 * (yr.hi - yr.lo);
        y->lo = yr.lo - pad;
        y->hi = yr.hi + pad;
        if (yr.lo >= 0 && y->lo < 0) y->lo = 0;
    } else {
        double pad = yr.lo != 0 ? 0.1 * fabs(yr.lo) : 1;
        y->lo = yr.lo - pad;
        y->hi = yr.lo + pad;
        if (yr.lo >= 0 && y->lo < 0) y->lo = 0;
    }
}

/* Category labels under the x axis in place of the numeric ticks. */
static void err__categories(plot__canvas *c, const plot_err_chart *ch, const plot__axis *x) {
    const plot__rect *a = &c->area;
    double base = a->y + a->h + 2.5 + PLOT__TICK_PT + 0.5;
    for (size_t i = 0; i < ch->n_x_text; i++)
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__INK, plot__px(c, x, (double)i), base,
                   0.5, false, "tick-x", ch->x_text[i]);
    if (x->label)
        plot__text(c, PLOT__REGULAR, PLOT__LABEL_PT, PLOT__INK, a->x + a->w / 2,
                   base + PLOT__LABEL_PT + 2, 0.5, false, "label-x", x->label);
}

/* Where series s puts x (plot.h: the dodge). */
static double err__px(const plot__canvas *c, const plot__axis *x, const plot_err_chart *ch,
                      size_t s, double v) {
    double n = (double)(ch->n_series < PLOT_ERR_MAX_SERIES ? ch->n_series : PLOT_ERR_MAX_SERIES);
    return plot__px(c, x, v) + PLOT_ERR_DODGE_PT * ((double)s - (n - 1) / 2);
}

static void err__diamond(cairo_t *cr, double x, double y) {
    cairo_move_to(cr, x, y - ERR_REF_PT);
    cairo_line_to(cr, x + ERR_REF_PT, y);
    cairo_line_to(cr, x, y + ERR_REF_PT);
    cairo_line_to(cr, x - ERR_REF_PT, y);
    cairo_close_path(cr);
}

static void err__draw(plot__canvas *c, const void *data) {
    const plot_err_chart *ch = data;
    cairo_t *cr = c->cr;
    plot__heading(c, ch->title, ch->subtitle);
    c->area = (plot__rect){PLOT_AREA_LEFT_PT, PLOT_AREA_TOP_PT,
                           c->w - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT,
                           c->h - PLOT_AREA_TOP_PT - PLOT_AREA_BOTTOM_PT};
    plot__axis x, y;
    err__axes(ch, &x, &y);
    if (ch->x_numeric) {
        plot__axes(c, &x, &y);
    } else { /* the grid and y ticks as usual; the x values are names */
        c->no_x_ticks = true;
        plot__axes(c, &(plot__axis){x.lo, x.hi, false, NULL}, &y);
        c->no_x_ticks = false;
        err__categories(c, ch, &x);
    }
    size_t n_ref = 0, n_pts = 0;
    for (size_t s = 0; s < ch->n_series; s++)
        for (size_t i = 0; i < ch->series[s].n; i++) {
            n_ref += ch->series[s].pts[i].n_refs;
            n_pts += isfinite(ch->series[s].pts[i].mean);
        }
    if (n_pts == 0) {
        plot__note(c, "no value is defined");
        return;
    }
    plot__key keys[PLOT_ERR_MAX_SERIES + 1];
    int nk = 0;
    for (size_t s = 0; s < ch->n_series && s < PLOT_ERR_MAX_SERIES; s++)
        keys[nk++] = (plot__key){ch->series[s].label ? ch->series[s].label : "mean, 95% CI",
                                 {err__colour(s), 1.2, PLOT__SOLID}, false};
    if (n_ref) keys[nk++] = (plot__key){"reference", {err__ref_colour(), 1.2, PLOT__SOLID}, true};
    plot__legend(c, keys, nk, ERR_LEGEND_Y_PT);
    plot__clip_area(c, 3);
    for (size_t s = 0; s < ch->n_series && s < PLOT_ERR_MAX_SERIES; s++) {
        const plot_err_series *se = &ch->series[s];
        uint32_t rgb = err__colour(s);
        plot__use_pen(c, &(plot__pen){rgb, ERR_BAR_PT, PLOT__SOLID});
        for (size_t i = 0; i < se->n; i++) {
            const plot_err_point *p = &se->pts[i];
            if (!isfinite(p->mean) || !isfinite(p->lo) || !isfinite(p->hi)) continue;
            double px = err__px(c, &x, ch, s, p->x), top = plot__py(c, &y, p->hi),
                   bottom = plot__py(c, &y, p->lo);
            cairo_move_to(cr, px, top);
            cairo_line_to(cr, px, bottom);
            cairo_move_to(cr, px - ERR_CAP_PT, top);
            cairo_line_to(cr, px + ERR_CAP_PT, top);
            cairo_move_to(cr, px - ERR_CAP_PT, bottom);
            cairo_line_to(cr, px + ERR_CAP_PT, bottom);
        }
        cairo_stroke(cr);
        plot__use_pen(c, &(plot__pen){rgb, 0.5, PLOT__SOLID});
        bool open = false;
        for (size_t i = 0; i < se->n; i++) {
            const plot_err_point *p = &se->pts[i];
            if (!isfinite(p->mean)) continue;
            double px = err__px(c, &x, ch, s, p->x), py = plot__py(c, &y, p->mean);
            if (open) cairo_line_to(cr, px, py);
            else cairo_move_to(cr, px, py);
            open = true;
        }
        cairo_stroke(cr);
        plot__fill_rgb(c, rgb);
        for (size_t i = 0; i < se->n; i++) {
            const plot_err_point *p = &se->pts[i];
            if (!isfinite(p->mean)) continue;
            cairo_new_sub_path(cr);
            cairo_arc(cr, err__px(c, &x, ch, s, p->x), plot__py(c, &y, p->mean), ERR_DOT_PT, 0,
                      6.283185307179586);
        }
        cairo_fill(cr);
    }
    plot__use_pen(c, &(plot__pen){err__ref_colour(), 0.7, PLOT__SOLID});
    for (size_t s = 0; s < ch->n_series && s < PLOT_ERR_MAX_SERIES; s++)
        for (size_t i = 0; i < ch->series[s].n; i++) {
            const plot_err_point *p = &ch->series[s].pts[i];
            for (size_t k = 0; k < p->n_refs; k++) {
                if (!isfinite(p->refs[k])) continue;
                err__diamond(cr, err__px(c, &x, ch, s, p->x) + PLOT_ERR_REF_DX_PT,
                             plot__py(c, &y, p->refs[k]));
                cairo_stroke(cr);
            }
        }
    plot__unclip(c);
}

bool plot_errorbars_write(const char *dir, const plot_err_chart *ch, const plot_options *o,
                          char *err, size_t err_len) {
    plot_options opt = o ? *o : (plot_options){0};
    if (!opt.formats) opt.formats = PLOT_ALL_FORMATS;
    plot__fonts fonts;
    if (!plot__fonts_init(&fonts, opt.font_path, err, err_len)) return false;
    bool ok = plot__write_chart(dir, ch->name, PLOT_CHART_W_PT, PLOT_CHART_H_PT, err__draw, ch,
                                &opt, &fonts, err, err_len);
    plot__fonts_cleanup(&fonts);
    return ok;
}

/* ------------------------------------------------------------- bands */

static void band__draw(plot__canvas *c, const void *data) {
    const plot_band_chart *ch = data;
    cairo_t *cr = c->cr;
    plot__heading(c, ch->title, ch->subtitle);
    c->area = (plot__rect){PLOT_AREA_LEFT_PT, PLOT_AREA_TOP_PT,
                           c->w - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT,
                           c->h - PLOT_AREA_TOP_PT - PLOT_AREA_BOTTOM_PT};
    double unit_s = 1;
    const char *x_label = "sim time (s)";
    if (ch->end_s > 3 * 3600) {
        unit_s = 3600;
        x_label = "sim time (hours)";
    } else if (ch->end_s > 600) {
        unit_s = 60;
        x_label = "sim time (minutes)";
    }
    double top = 0;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < ch->n; i++) {
            if (isfinite(ch->hi[k][i]) && ch->hi[k][i] > top) top = ch->hi[k][i];
            if (isfinite(ch->mean[k][i]) && ch->mean[k][i] > top) top = ch->mean[k][i];
        }
    double y_hi = plot__nice_ceil(top);
    plot__axis x = {0, ch->end_s > 0 ? ch->end_s / unit_s : 1, false, x_label};
    plot__axis y = {0, y_hi < 5 ? 5 : y_hi, false, "blocks so far"};
    plot__axes(c, &x, &y);
    const plot__pen pens[3] = {{palette_on_light(PALETTE_MAIN), 1.2, PLOT__SOLID},
                               {palette_on_light(PALETTE_STALE), 1.2, PLOT__DASHED},
                               {palette_on_light(PALETTE_BAD), 0.9, PLOT__DOTTED}};
    const plot__key keys[4] = {{"mined", pens[0], false},
                               {"stale", pens[1], false},
                               {"forks", pens[2], false},
                               {ch->band_label, {0xb8b8b8u, 1, PLOT__SOLID}, true}};
    plot__legend(c, keys, 4, ERR_LEGEND_Y_PT);
    plot__clip_area(c, 1.5);
    for (int k = 0; k < 3; k++) { /* bands first, the lines over them */
        uint32_t rgb = pens[k].rgb;
        cairo_set_source_rgba(cr, (rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0,
                              (rgb & 255) / 255.0, PLOT_BAND_ALPHA);
        for (size_t i = 0; i < ch->n; i++) {
            double lo = ch->lo[k][i], hi = ch->hi[k][i];
            if (!isfinite(lo) || !isfinite(hi) || !(hi > lo)) continue;
            double x0 = plot__px(c, &x, ch->t_s[i] / unit_s);
            double x1 = plot__px(c, &x, i + 1 < ch->n ? ch->t_s[i + 1] / unit_s : x.hi);
            double y0 = plot__py(c, &y, hi), y1 = plot__py(c, &y, lo);
            cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
        }
        cairo_fill(cr);
    }
    for (int k = 0; k < 3; k++) {
        plot__use_pen(c, &pens[k]);
        for (size_t i = 0; i < ch->n; i++) {
            double px = plot__px(c, &x, ch->t_s[i] / unit_s), py = plot__py(c, &y, ch->mean[k][i]);
            if (i == 0) cairo_move_to(cr, px, py);
            else cairo_line_to(cr, px, py);
            cairo_line_to(cr, plot__px(c, &x, i + 1 < ch->n ? ch->t_s[i + 1] / unit_s : x.hi), py);
        }
        cairo_stroke(cr);
    }
    plot__unclip(c);
}

bool plot_bands_write(const char *dir, const plot_band_chart *ch, const plot_options *o,
                      char *err, size_t err_len) {
    plot_options opt = o ? *o : (plot_options){0};
    if (!opt.formats) opt.formats = PLOT_ALL_FORMATS;
    plot__fonts fonts;
    if (!plot__fonts_init(&fonts, opt.font_path, err, err_len)) return false;
    bool ok = plot__write_chart(dir, ch->name, PLOT_CHART_W_PT, PLOT_CHART_H_PT, band__draw, ch,
                                &opt, &fonts, err, err_len);
    plot__fonts_cleanup(&fonts);
    return ok;
}
