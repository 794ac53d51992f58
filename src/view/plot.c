/* plot.c - the run's charts as PNG files (see plot.h): the canvas, axes and
 * legends, the propagation CDF, blocks and forks over time, and the entry
 * point that writes all three.
 *
 * The canvas is an SDL surface with SDL's software renderer on it, the same
 * way view_screenshot renders a frame without a display; text goes through
 * the view's text cache (view__text_*) with the view's font
 * (view__font_find), and SDL2_image writes the PNG. The surface is RGB
 * without alpha, so the files hold three channels and no transparency.
 *
 * Charts are white with dark ink so they can go into a paper as they are.
 * Both line charts draw step functions: a CDF rises at each sample and a
 * count rises at each event; interpolating between points would show
 * values that never occurred. Axes start at 0 and end at a "nice" number
 * (1, 2 or 5 times a power of ten ticks) at or above the largest value. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_image.h>

#include "out/csv.h"
#include "util/mem.h"
#include "view/plot_int.h"

#define PLOT_TICKS 6          /* about this many ticks per axis */
#define PLOT_TICK_PX 5
#define PLOT_LEGEND_SWATCH_PX 22
#define PLOT_LEGEND_GAP_PX 18

/* Curves are drawn widest first, each over the one before, so where two
 * coincide (every block reached 90% and 100% at once; each fork left one
 * stale block) both colours still show, as a cased line. */
static const int plot__widths[3] = {6, 4, 2};

SDL_Color plot__rgb(uint32_t rgb) {
    return (SDL_Color){(Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255};
}

/* ---------------------------------------------------------------- canvas */

static void plot__canvas_cleanup(plot__canvas *c) {
    view__text_cleanup(&c->text);
    if (c->r) SDL_DestroyRenderer(c->r);
    SDL_FreeSurface(c->surf);
    if (c->ttf_ours && TTF_WasInit()) TTF_Quit();
    memset(c, 0, sizeof *c);
}

static bool plot__canvas_init(plot__canvas *c, const char *font_path, char *err, size_t err_len) {
    memset(c, 0, sizeof *c);
    char *path = view__font_find(font_path, err, err_len);
    if (!path) return false;
    c->surf = SDL_CreateRGBSurfaceWithFormat(0, PLOT_WIDTH_PX, PLOT_HEIGHT_PX, 32,
                                             SDL_PIXELFORMAT_RGB888);
    c->r = c->surf ? SDL_CreateSoftwareRenderer(c->surf) : NULL;
    if (!c->r) {
        snprintf(err, err_len, "SDL: %s", SDL_GetError());
        goto fail;
    }
    c->ttf_ours = !TTF_WasInit();
    if (!view__text_init(&c->text, c->r, path, err, err_len)) goto fail;
    c->area = (SDL_Rect){PLOT_AREA_X_PX, PLOT_AREA_Y_PX, PLOT_AREA_W_PX, PLOT_AREA_H_PX};
    free(path);
    return true;
fail:
    free(path);
    plot__canvas_cleanup(c);
    return false;
}

static bool plot__save(plot__canvas *c, const char *dir, const char *name, char *err,
                       size_t err_len) {
    SDL_RenderFlush(c->r);
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s", dir, name);
    bool ok = IMG_SavePNG(c->surf, path) == 0;
    if (!ok) snprintf(err, err_len, "cannot write %s: %s", path, IMG_GetError());
    free(path);
    return ok;
}

void plot__begin(plot__canvas *c, const char *title, const char *subtitle) {
    SDL_RenderSetClipRect(c->r, NULL);
    view__fill(c->r, plot__rgb(PLOT_BACKGROUND), 0, 0, PLOT_WIDTH_PX, PLOT_HEIGHT_PX);
    view__text(&c->text, VF_BIG, plot__rgb(PLOT__INK), 8, 6, title);
    if (subtitle) view__text(&c->text, VF_SMALL, plot__rgb(PLOT__DIM), 8, 30, subtitle);
}

/* ------------------------------------------------------------------ axes */

/* An axis from 0 to a nice number >= max (1 if max <= 0). */
static plot__axis plot__nice_axis(double max, const char *label) {
    if (!(max > 0)) max = 1;
    double raw = max / PLOT_TICKS, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    return (plot__axis){0, ceil(max / step - 1e-9) * step, step, label};
}

float plot__px(const plot__canvas *c, const plot__axis *x, double v) {
    return (float)(c->area.x + (v - x->lo) / (x->hi - x->lo) * c->area.w);
}

float plot__py(const plot__canvas *c, const plot__axis *y, double v) {
    return (float)(c->area.y + c->area.h - (v - y->lo) / (y->hi - y->lo) * c->area.h);
}

/* A tick label with as many decimals as the step needs. */
static void plot__tick_label(char *out, size_t len, double v, double step) {
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(out, len, "%.*f", decimals, v);
}

void plot__axes(plot__canvas *c, const plot__axis *x, const plot__axis *y) {
    SDL_Color ink = plot__rgb(PLOT__INK), axis = plot__rgb(PLOT__AXIS);
    SDL_Color grid = plot__rgb(PLOT__GRID);
    const SDL_Rect *a = &c->area;
    int th = view__text_height(&c->text, VF_SMALL);
    char label[32];
    int n_x = (int)lround((x->hi - x->lo) / x->step), n_y = (int)lround((y->hi - y->lo) / y->step);
    for (int i = 0; i <= n_x; i++) {
        double v = x->lo + i * x->step;
        float px = plot__px(c, x, v);
        if (i > 0) view__line(c->r, grid, px, (float)a->y, px, (float)(a->y + a->h));
        view__line(c->r, axis, px, (float)(a->y + a->h), px, (float)(a->y + a->h + PLOT_TICK_PX));
        plot__tick_label(label, sizeof label, v, x->step);
        int w = view__text_width(&c->text, VF_SMALL, label);
        view__text(&c->text, VF_SMALL, ink, (int)px - w / 2, a->y + a->h + PLOT_TICK_PX + 2, label);
    }
    for (int i = 0; i <= n_y; i++) {
        double v = y->lo + i * y->step;
        float py = plot__py(c, y, v);
        if (i > 0) view__line(c->r, grid, (float)a->x, py, (float)(a->x + a->w), py);
        view__line(c->r, axis, (float)(a->x - PLOT_TICK_PX), py, (float)a->x, py);
        plot__tick_label(label, sizeof label, v, y->step);
        int w = view__text_width(&c->text, VF_SMALL, label);
        view__text(&c->text, VF_SMALL, ink, a->x - PLOT_TICK_PX - 4 - w, (int)py - th / 2, label);
    }
    float base = (float)(a->y + a->h);
    view__line(c->r, axis, (float)a->x, base, (float)(a->x + a->w), base);
    view__line(c->r, axis, (float)a->x, (float)a->y, (float)a->x, (float)(a->y + a->h));
    if (x->label) {
        int w = view__text_width(&c->text, VF_NORMAL, x->label);
        view__text(&c->text, VF_NORMAL, ink, a->x + (a->w - w) / 2,
                   a->y + a->h + PLOT_TICK_PX + th + 8, x->label);
    }
    /* the y label reads horizontally, above the axis */
    if (y->label)
        view__text(&c->text, VF_NORMAL, ink, 8, a->y - view__text_height(&c->text, VF_NORMAL) - 4,
                   y->label);
}

int plot__legend_width(plot__canvas *c, const plot__key *keys, int n) {
    int total = 0;
    for (int i = 0; i < n; i++)
        total += PLOT_LEGEND_SWATCH_PX + 6 + view__text_width(&c->text, VF_NORMAL, keys[i].label) +
                 (i + 1 < n ? PLOT_LEGEND_GAP_PX : 0);
    return total;
}

void plot__legend(plot__canvas *c, const plot__key *keys, int n) {
    int th = view__text_height(&c->text, VF_NORMAL);
    int x = c->area.x + c->area.w - plot__legend_width(c, keys, n), y = c->area.y - th - 4;
    for (int i = 0; i < n; i++) {
        int w = keys[i].width > 0 ? keys[i].width : 4;
        view__fill(c->r, keys[i].colour, x, y + th / 2 - w / 2, PLOT_LEGEND_SWATCH_PX, w);
        x += PLOT_LEGEND_SWATCH_PX + 6;
        x += view__text(&c->text, VF_NORMAL, plot__rgb(PLOT__INK), x, y, keys[i].label) +
             PLOT_LEGEND_GAP_PX;
    }
}

void plot__note(plot__canvas *c, const char *text) {
    int w = view__text_width(&c->text, VF_BIG, text), h = view__text_height(&c->text, VF_BIG);
    view__text(&c->text, VF_BIG, plot__rgb(PLOT__DIM), c->area.x + (c->area.w - w) / 2,
               c->area.y + (c->area.h - h) / 2, text);
}

void plot__segment(plot__canvas *c, SDL_Color col, float x0, float y0, float x1, float y1,
                   int width) {
    float lx = x0 < x1 ? x0 : x1, ty = y0 < y1 ? y0 : y1;
    float w = (x0 < x1 ? x1 - x0 : x0 - x1) + (float)width;
    float h = (y0 < y1 ? y1 - y0 : y0 - y1) + (float)width;
    view__fill(c->r, col, (int)lroundf(lx - (float)width / 2), (int)lroundf(ty - (float)width / 2),
               (int)lroundf(w), (int)lroundf(h));
}

/* Data stays inside the area (and its axis lines). */
static void plot__clip_area(plot__canvas *c) {
    SDL_Rect clip = {c->area.x, c->area.y - 1, c->area.w + 2, c->area.h + 2};
    SDL_RenderSetClipRect(c->r, &clip);
}

/* ------------------------------------------------------- propagation CDF */

static int plot__cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static void plot__cdf(plot__canvas *c, sim *s, const metrics *m) {
    char sub[256];
    snprintf(sub, sizeof sub,
             "%s, seed %" PRIu64 ": %zu blocks, %d nodes. A curve that ends below 1: blocks "
             "that never reached that share.",
             sim_scenario(s)->name, sim_seed(s), m->n_blocks, m->n_nodes);
    plot__begin(c, "Block propagation: time from mining until 50%, 90%, 100% of the nodes hold it",
                sub);
    size_t n = m->n_blocks;
    double *v[3];
    size_t cnt[3] = {0, 0, 0};
    double vmax = 0;
    for (int k = 0; k < 3; k++) {
        v[k] = xmalloc((n + 1) * sizeof *v[k]);
        for (size_t i = 0; i < n; i++) {
            const block_stat *st = &m->blocks[i];
            int64_t us = k == 0 ? st->t50_us : k == 1 ? st->t90_us : st->t100_us;
            if (us < 0) continue;
            v[k][cnt[k]++] = (double)us / 1e6;
            if ((double)us / 1e6 > vmax) vmax = (double)us / 1e6;
        }
        qsort(v[k], cnt[k], sizeof *v[k], plot__cmp_double);
    }
    /* headroom: the last rise must not fall on the frame */
    plot__axis x = plot__nice_axis(vmax * 1.05, "seconds after the block was mined");
    plot__axis y = {0, 1, 0.2, "fraction of blocks"};
    plot__axes(c, &x, &y);
    const plot__key keys[3] = {{"50% of nodes", plot__rgb(PLOT_REACH50), plot__widths[2]},
                               {"90% of nodes", plot__rgb(PLOT_REACH90), plot__widths[1]},
                               {"100% of nodes", plot__rgb(PLOT_REACH100), plot__widths[0]}};
    if (n == 0) plot__note(c, "no blocks were mined");
    else plot__legend(c, keys, 3);
    plot__clip_area(c);
    for (int d = 0; d < 3 && n > 0; d++) {
        int k = 2 - d; /* 100% first: it is the rightmost curve */
        float px = plot__px(c, &x, 0), py = plot__py(c, &y, 0);
        for (size_t i = 0; i < cnt[k]; i++) {
            float nx = plot__px(c, &x, v[k][i]), ny = plot__py(c, &y, (double)(i + 1) / (double)n);
            plot__segment(c, keys[k].colour, px, py, nx, py, plot__widths[d]);
            plot__segment(c, keys[k].colour, nx, py, nx, ny, plot__widths[d]);
            px = nx;
            py = ny;
        }
        plot__segment(c, keys[k].colour, px, py, plot__px(c, &x, x.hi), py, plot__widths[d]);
    }
    for (int k = 0; k < 3; k++) free(v[k]);
    SDL_RenderSetClipRect(c->r, NULL);
}

/* ------------------------------------------------------ blocks over time */

static void plot__over_time(plot__canvas *c, sim *s, const metrics *m) {
    char sub[256];
    snprintf(sub, sizeof sub,
             "%s, seed %" PRIu64 ": %zu mined, %" PRIu64 " stale (not in the final main chain), "
             "%" PRIu64 " fork(s) (blocks with a second child)",
             sim_scenario(s)->name, sim_seed(s), m->n_blocks, m->stale_blocks, m->forks);
    plot__begin(c, "Blocks, stale blocks and forks over time", sub);
    size_t n;
    csv_point *pts = csv_timeseries(m, &n);
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
    plot__axis x = plot__nice_axis(end_s / unit_s, x_label);
    plot__axis y = plot__nice_axis((double)m->n_blocks, "blocks so far");
    if (y.step < 1) y = (plot__axis){0, y.hi < 1 ? 1 : ceil(y.hi), 1, y.label};
    plot__axes(c, &x, &y);
    const plot__key keys[3] = {{"blocks mined", plot__rgb(PLOT_MINED), plot__widths[0]},
                               {"stale blocks", plot__rgb(PLOT_STALE), plot__widths[1]},
                               {"forks", plot__rgb(PLOT_FORKS), plot__widths[2]}};
    if (m->n_blocks == 0) {
        plot__note(c, "no blocks were mined");
        free(pts);
        return;
    }
    plot__legend(c, keys, 3);
    plot__clip_area(c);
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++) {
            const csv_point *p = &pts[i];
            uint64_t val = k == 0 ? p->blocks_mined : k == 1 ? p->stale_blocks : p->forks;
            float px = plot__px(c, &x, (double)p->t_us / 1e6 / unit_s);
            float py = plot__py(c, &y, (double)val);
            double t_next = i + 1 < n ? (double)pts[i + 1].t_us / 1e6 / unit_s : x.hi;
            float nx = plot__px(c, &x, t_next);
            plot__segment(c, keys[k].colour, px, py, nx, py, plot__widths[k]);
            if (i + 1 < n) {
                const csv_point *q = &pts[i + 1];
                uint64_t next = k == 0 ? q->blocks_mined : k == 1 ? q->stale_blocks : q->forks;
                if (next != val)
                    plot__segment(c, keys[k].colour, nx, py, nx, plot__py(c, &y, (double)next),
                                  plot__widths[k]);
            }
        }
    }
    SDL_RenderSetClipRect(c->r, NULL);
    free(pts);
}

/* ----------------------------------------------------------------- entry */

bool plot_write_dir(const char *dir, sim *s, const metrics *m, const char *font_path, char *err,
                    size_t err_len) {
    if (!csv_mkdirs(dir, err, err_len)) return false;
    plot__canvas c;
    if (!plot__canvas_init(&c, font_path, err, err_len)) return false;
    plot__cdf(&c, s, m);
    bool ok = plot__save(&c, dir, "propagation_cdf.png", err, err_len);
    if (ok) {
        plot__over_time(&c, s, m);
        ok = plot__save(&c, dir, "forks_over_time.png", err, err_len);
    }
    if (ok) {
        plot__block_tree(&c, s, m);
        ok = plot__save(&c, dir, "block_tree.png", err, err_len);
    }
    plot__canvas_cleanup(&c);
    return ok;
}
