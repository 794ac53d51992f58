/* test_plot_sweep.c - a sweep's error-bar charts (sweep/sweep_plot.h, the
 * drawing in out/plot_sweep.c): a small replicated sweep is run, charted,
 * and its PNG read back with cairo. Each point's bar must span exactly its
 * 95% interval from the sweep's stats, its dot sit at the mean and its
 * reference diamond at the rule's reference, placed by plot.h's axis rule
 * (worked out here from the stats, not taken from the drawing code). Plus:
 * a metric undefined everywhere gets no chart, and the series of a second
 * axis are drawn in their own colour. A replicated file's forks_over_time
 * has a band exactly where its replicas differ: none when N replicas are
 * the same run, and, when they differ, band colour between the interval's
 * ends at every time the test's own copy of the replicas says they do, and
 * none before the first block of any replica (all at 0). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "check.h"
#include "out/csv.h"
#include "out/palette.h"
#include "out/plot.h"
#include "sweep/sweep_plot.h"

/* Four random miners at block intervals of 5, 10 and 20 s for 300 s: the
 * replicas differ in blocks mined, so the intervals are a few blocks wide;
 * the rule's reference is the expected count, 300 / T. */
#define SWEEP_JSON                                                                          \
    "{'name': 'bars', 'seed': 3, 'nodes': 4, 'topology': 'mesh',"                          \
    " 'links': {'latency_ms': 100}, 'mining': 'auto',"                                     \
    " 'chain': {'difficulty': 4, 'block_interval_s': 10}, 'duration_s': 300,"              \
    " 'expect': {'blocks_mined': {'reference': 30, 'within_ci': true}},"                   \
    " 'sweep': {'vary': {'chain.block_interval_s': [5, 10, 20]%s}, 'seeds': 12,"            \
    "  'columns': ['blocks_mined', 'attacker_revenue']}}"

typedef struct swept {
    sweep_plan p;
    scenario pts[8];
    sweep_result r;
    char dir[64];
} swept;

static bool swept_run(swept *w, const char *extra_axis) {
    char text[2048], why[512];
    snprintf(text, sizeof text, SWEEP_JSON, extra_axis);
    for (char *c = text; *c; c++)
        if (*c == '\'') *c = '"';
    if (sweep_plan_parse(&w->p, "bars.json", text, strlen(text), 0, why, sizeof why) != CS_OK) {
        fprintf(stderr, "  %s\n", why);
        return false;
    }
    for (size_t i = 0; i < w->p.n_points; i++)
        if (sweep_point_scenario(&w->pts[i], &w->p, i, why, sizeof why) != CS_OK) return false;
    sweep_run(&w->r, &w->p, w->pts, &(sweep_options){.workers = 2, .quiet = true});
    snprintf(w->dir, sizeof w->dir, "/tmp/test_plot_sweep.XXXXXX");
    if (!mkdtemp(w->dir)) return false;
    char err[512] = "";
    bool ok = sweep_plot_write(w->dir, &w->p, w->pts, &w->r,
                               &(plot_options){.formats = PLOT_PNG}, err, sizeof err);
    if (!ok) fprintf(stderr, "  sweep_plot_write: %s\n", err);
    return ok;
}

static void swept_cleanup(swept *w) {
    char path[512];
    const char *names[] = {"blocks_mined", "attacker_revenue"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/sweep_%s.png", w->dir, names[i]);
        unlink(path);
    }
    rmdir(w->dir);
    sweep_result_cleanup(&w->r);
    for (size_t i = 0; i < w->p.n_points; i++) scenario_cleanup(&w->pts[i]);
    sweep_plan_cleanup(&w->p);
}

/* ------------------------------------------------------------ pixels */

typedef struct image {
    cairo_surface_t *surf;
    int w, h, stride;
    const unsigned char *px;
} image;

static bool load_png(image *im, const char *path) {
    im->surf = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(im->surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(im->surf);
        return false;
    }
    im->w = cairo_image_surface_get_width(im->surf);
    im->h = cairo_image_surface_get_height(im->surf);
    im->stride = cairo_image_surface_get_stride(im->surf);
    im->px = cairo_image_surface_get_data(im->surf);
    return true;
}

static uint32_t pixel(const image *im, int x, int y) {
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) return 0xffffff;
    return *(const uint32_t *)(im->px + (size_t)y * (size_t)im->stride + (size_t)x * 4) & 0xffffffu;
}

static bool near(uint32_t a, uint32_t b) {
    int d = 0;
    for (int s = 0; s < 24; s += 8) {
        int x = (int)(a >> s & 255) - (int)(b >> s & 255);
        d += x < 0 ? -x : x;
    }
    return d <= 30;
}

static double px_of(double pt) { return pt * PLOT_PNG_DPI / 72; }

#define AREA_W (PLOT_CHART_W_PT - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT)
#define AREA_H (PLOT_CHART_H_PT - PLOT_AREA_TOP_PT - PLOT_AREA_BOTTOM_PT)
#define SERIES0 palette_on_light(palette_branch[8])
#define SERIES1 palette_on_light(palette_branch[3])
#define REF palette_on_light(PALETTE_BAD)

/* The first and last rows (top to bottom) of pixels near rgb in columns
 * x0..x1; false if none. */
static bool rows_of(const image *im, int x0, int x1, uint32_t rgb, int *top, int *bottom) {
    *top = im->h;
    *bottom = -1;
    for (int y = 0; y < im->h; y++)
        for (int x = x0; x <= x1; x++)
            if (near(pixel(im, x, y), rgb)) {
                if (y < *top) *top = y;
                if (y > *bottom) *bottom = y;
            }
    return *bottom >= 0;
}

/* ------------------------------------------------------------ cases */

static void test_bars_match_the_intervals(void) {
    swept w;
    CHECK(swept_run(&w, ""));
    CHECK_INT_EQ(w.r.n_points, 3);
    int m = sweep_metric_index("blocks_mined");
    /* plot.h's axes: x 5..20 is linear (20 < 20 x 5 is false: 20 >= 4 x 5
     * but not 20 x), widened 6%; y over the interval ends, means and the
     * reference 30, widened 8% (not below 0) */
    double ylo = 30, yhi = 30;
    for (size_t i = 0; i < 3; i++) {
        const sweep_stat *s = &w.r.points[i].stat[m];
        CHECK_INT_EQ(s->n, 12);
        CHECK(s->hi - s->lo > 2); /* a bar tall enough to measure */
        if (s->lo < ylo) ylo = s->lo;
        if (s->hi > yhi) yhi = s->hi;
    }
    double pad = 0.08 * (yhi - ylo);
    ylo = ylo - pad < 0 ? 0 : ylo - pad;
    yhi += pad;
    double xlo = 5 - 0.06 * 15, xhi = 20 + 0.06 * 15;
    char path[512];
    snprintf(path, sizeof path, "%s/sweep_blocks_mined.png", w.dir);
    image im;
    CHECK(load_png(&im, path));
    const double xs[3] = {5, 10, 20};
    for (size_t i = 0; i < 3; i++) {
        const sweep_stat *s = &w.r.points[i].stat[m];
        double cx = px_of(PLOT_AREA_LEFT_PT + (xs[i] - xlo) / (xhi - xlo) * AREA_W);
        double y_hi = px_of(PLOT_AREA_TOP_PT + AREA_H - (s->hi - ylo) / (yhi - ylo) * AREA_H);
        double y_lo = px_of(PLOT_AREA_TOP_PT + AREA_H - (s->lo - ylo) / (yhi - ylo) * AREA_H);
        double y_ref = px_of(PLOT_AREA_TOP_PT + AREA_H - (30 - ylo) / (yhi - ylo) * AREA_H);
        int top, bottom;
        /* the bar's column: its caps end it, half a line width (1.25 px)
         * beyond the interval's ends */
        CHECK(rows_of(&im, (int)lround(cx), (int)lround(cx), SERIES0, &top, &bottom));
        CHECK_DBL_NEAR(top, y_hi - 1.25, 2);
        CHECK_DBL_NEAR(bottom, y_lo + 1.25, 2);
        /* the dot: 1.5 pt round the mean, just left of the bar (the line
         * joining the means may cross that column near the mean) */
        double y_mean = px_of(PLOT_AREA_TOP_PT + AREA_H - (s->mean - ylo) / (yhi - ylo) * AREA_H);
        int dx = (int)lround(cx - px_of(1.2));
        CHECK(rows_of(&im, dx, dx, SERIES0, &top, &bottom));
        CHECK(top >= y_hi - 2 && bottom <= y_lo + 2);
        CHECK_DBL_NEAR((top + bottom) / 2.0, y_mean, 3);
        /* the reference diamond, 4.5 pt right: its box is centred on 30 */
        double rx = cx + px_of(PLOT_ERR_REF_DX_PT);
        CHECK(rows_of(&im, (int)lround(rx - px_of(3)), (int)lround(rx + px_of(3)), REF, &top,
                      &bottom));
        CHECK_DBL_NEAR((top + bottom) / 2.0, y_ref, 2);
        CHECK_DBL_NEAR(bottom - top, px_of(2 * 2.3), 4);
    }
    cairo_surface_destroy(im.surf);
    /* no attacker: attacker_revenue is NaN at every point, no chart */
    snprintf(path, sizeof path, "%s/sweep_attacker_revenue.png", w.dir);
    CHECK(access(path, F_OK) != 0);
    swept_cleanup(&w);
}

static void test_second_axis_is_a_series(void) {
    swept w;
    CHECK(swept_run(&w, ", 'links.latency_ms': [100, 2000]"));
    CHECK_INT_EQ(w.r.n_points, 6);
    char path[512];
    snprintf(path, sizeof path, "%s/sweep_blocks_mined.png", w.dir);
    image im;
    CHECK(load_png(&im, path));
    /* each series' bar at its three x, moved apart by the dodge: series 0
     * 1.5 pt left, series 1 1.5 pt right */
    int top, bottom, m = sweep_metric_index("blocks_mined");
    double xlo = 5 - 0.06 * 15, xhi = 20 + 0.06 * 15;
    const double xs[3] = {5, 10, 20};
    for (int i = 0; i < 3; i++)
        for (int s = 0; s < 2; s++) {
            double cx = px_of(PLOT_AREA_LEFT_PT + (xs[i] - xlo) / (xhi - xlo) * AREA_W +
                              PLOT_ERR_DODGE_PT * (s - 0.5));
            const sweep_stat *st = &w.r.points[i * 2 + s].stat[m];
            CHECK(rows_of(&im, (int)lround(cx), (int)lround(cx), s ? SERIES1 : SERIES0, &top,
                          &bottom));
            CHECK(st->n == 12);
        }
    cairo_surface_destroy(im.surf);
    swept_cleanup(&w);
}

/* ------------------------------------------------------------ bands */

#define BAND_MAX_RUNS 16
typedef struct band_run {
    sweep_plotter *pl;
    csv_point *pts[BAND_MAX_RUNS]; /* the test's own copy of each replica's series */
    size_t n[BAND_MAX_RUNS];
} band_run;

static void band_on_run(void *user, const sweep_plan *p, const sweep_row *row, const metrics *m) {
    band_run *b = user;
    sweep_plotter_on_run(b->pl, p, row, m);
    b->pts[row->seed_index] = csv_timeseries(m, &b->n[row->seed_index]);
}

/* Runs a replicated file, charts it into dir, returns the plan's seeds. */
static int band_chart(const char *json, band_run *b, char *dir) {
    char text[2048], why[512];
    snprintf(text, sizeof text, "%s", json);
    for (char *c = text; *c; c++)
        if (*c == '\'') *c = '"';
    sweep_plan p;
    scenario pt;
    if (sweep_plan_parse(&p, "band.json", text, strlen(text), 0, why, sizeof why) != CS_OK ||
        sweep_point_scenario(&pt, &p, 0, why, sizeof why) != CS_OK) {
        fprintf(stderr, "  %s\n", why);
        return 0;
    }
    snprintf(dir, 64, "/tmp/test_plot_band.XXXXXX");
    if (!mkdtemp(dir)) abort();
    plot_options o = {.formats = PLOT_PNG};
    memset(b, 0, sizeof *b);
    b->pl = sweep_plotter_new(dir, &o);
    sweep_result r;
    sweep_run(&r, &p, &pt, &(sweep_options){.workers = 2, .quiet = true, .on_run = band_on_run,
                                            .hook_user = b});
    bool ok = sweep_plotter_after(b->pl, &p, &pt, &r, why, sizeof why);
    if (!ok) fprintf(stderr, "  %s\n", why);
    int seeds = ok ? p.seeds : 0;
    sweep_plotter_free(b->pl);
    sweep_result_cleanup(&r);
    scenario_cleanup(&pt);
    sweep_plan_cleanup(&p);
    return seeds;
}

static void band_cleanup(band_run *b, const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/forks_over_time.png", dir);
    unlink(path);
    rmdir(dir);
    for (int i = 0; i < BAND_MAX_RUNS; i++) free(b->pts[i]);
}

/* The band's colour: the series' colour at PLOT_BAND_ALPHA over white. */
static uint32_t tint(uint32_t rgb) {
    uint32_t out = 0;
    for (int s = 0; s < 24; s += 8) {
        double c = (double)(rgb >> s & 255);
        out |= (uint32_t)lround(255 - PLOT_BAND_ALPHA * (255 - c)) << s;
    }
    return out;
}

/* A 4 x 4 block of band colour with its corner at (x, y): a line's
 * anti-aliased edge is one pixel wide and never makes one. */
static bool band_block(const image *im, int x, int y, uint32_t rgb) {
    for (int dy = 0; dy < 4; dy++)
        for (int dx = 0; dx < 4; dx++)
            if (!near(pixel(im, x + dx, y + dy), rgb)) return false;
    return true;
}

static long band_blocks(const image *im, int x0, int x1, uint32_t rgb) {
    long n = 0;
    for (int y = (int)px_of(PLOT_AREA_TOP_PT); y < (int)px_of(PLOT_AREA_TOP_PT + AREA_H) - 4; y++)
        for (int x = x0; x <= x1; x++) n += band_block(im, x, y, rgb);
    return n;
}

/* The value of replica r's count at time t (the step in force). */
static double band_value(const band_run *b, int r, int64_t t_us) {
    size_t i = 0;
    while (i + 1 < b->n[r] && b->pts[r][i + 1].t_us <= t_us) i++;
    return (double)b->pts[r][i].blocks_mined;
}

static void test_band_zero_when_replicas_agree(void) {
    /* manual mining at fixed times on fixed links: every replica the same */
    band_run b;
    char dir[64];
    int n = band_chart("{'name': 'same', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}],"
                       " 'topology': 'mesh', 'links': {'latency_ms': 200},"
                       " 'chain': {'difficulty': 8}, 'replications': 4,"
                       " 'events': [{'at': 1, 'do': 'mine', 'node': 'a'},"
                       "  {'at': 1, 'do': 'mine', 'node': 'c'}, {'at': 5, 'do': 'mine', 'node': 'b'}]}",
                       &b, dir);
    CHECK_INT_EQ(n, 4);
    for (int r = 1; r < 4; r++) CHECK_INT_EQ(b.n[r], b.n[0]);
    char path[512];
    snprintf(path, sizeof path, "%s/forks_over_time.png", dir);
    image im;
    CHECK(load_png(&im, path));
    int x0 = (int)px_of(PLOT_AREA_LEFT_PT), x1 = (int)px_of(PLOT_AREA_LEFT_PT + AREA_W) - 4;
    CHECK_INT_EQ(band_blocks(&im, x0, x1, tint(palette_on_light(PALETTE_MAIN))), 0);
    CHECK_INT_EQ(band_blocks(&im, x0, x1, tint(palette_on_light(PALETTE_STALE))), 0);
    CHECK_INT_EQ(band_blocks(&im, x0, x1, tint(palette_on_light(PALETTE_BAD))), 0);
    /* the mean line is there all the same */
    int top, bottom;
    CHECK(rows_of(&im, x1 - 10, x1 - 10, palette_on_light(PALETTE_MAIN), &top, &bottom));
    cairo_surface_destroy(im.surf);
    band_cleanup(&b, dir);
}

static void test_band_where_replicas_differ(void) {
    /* one random miner for 300 s: the replicas' counts differ, nothing forks */
    band_run b;
    char dir[64];
    int n = band_chart("{'name': 'differ', 'seed': 7, 'nodes': 1, 'mining': 'auto',"
                       " 'chain': {'difficulty': 4, 'block_interval_s': 10}, 'duration_s': 300,"
                       " 'replications': 8}",
                       &b, dir);
    CHECK_INT_EQ(n, 8);
    char path[512];
    snprintf(path, sizeof path, "%s/forks_over_time.png", dir);
    image im;
    CHECK(load_png(&im, path));
    uint32_t band = tint(palette_on_light(PALETTE_MAIN));
    int64_t end_us = 0, first_us = INT64_MAX;
    for (int r = 0; r < 8; r++) {
        CHECK(b.n[r] > 2);
        if (b.pts[r][b.n[r] - 1].t_us > end_us) end_us = b.pts[r][b.n[r] - 1].t_us;
        if (b.pts[r][1].t_us < first_us) first_us = b.pts[r][1].t_us;
    }
    /* the y axis: 0 to plot.h's nice number at or above the highest hi
     * over every time a replica changes (a step of 1, 2 or 5 x 10^k near a
     * fifth of it, the first multiple of the step at or above it; >= 5) */
    double top_v = 0;
    for (int q = 0; q < 8; q++)
        for (size_t i = 0; i < b.n[q]; i++) {
            double x[8];
            for (int r = 0; r < 8; r++) x[r] = band_value(&b, r, b.pts[q][i].t_us);
            sweep_stat st;
            sweep_stat_of(x, 8, &st);
            if (st.hi > top_v) top_v = st.hi;
        }
    double raw = top_v / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    double y_top = ceil(top_v / step - 1e-9) * step;
    if (y_top < 5) y_top = 5;
    int checked = 0;
    /* before any replica's first block all are 0: no band there */
    int x0 = (int)px_of(PLOT_AREA_LEFT_PT) + 2;
    int x_first = (int)px_of(PLOT_AREA_LEFT_PT + (double)first_us / (double)end_us * AREA_W) - 6;
    if (x_first > x0) CHECK_INT_EQ(band_blocks(&im, x0, x_first, band), 0);
    /* at times away from any step: no band where the replicas agree, and
     * where they differ band colour from hi down to lo */
    for (int k = 4; k < 196; k++) {
        int64_t t = end_us * k / 200;
        bool near_step = false;
        for (int r = 0; r < 8 && !near_step; r++)
            for (size_t i = 0; i < b.n[r]; i++) {
                int64_t d = b.pts[r][i].t_us - t;
                if (d < 0) d = -d;
                if (d < end_us / 200) near_step = true; /* 4.4 px */
            }
        /* nor on a vertical grid line (every 100 s): the band is drawn over it */
        if (llabs((t + 50000000) % 100000000 - 50000000) < 2000000) near_step = true;
        if (near_step) continue;
        double x[8];
        for (int r = 0; r < 8; r++) x[r] = band_value(&b, r, t);
        sweep_stat st;
        sweep_stat_of(x, 8, &st);
        int cx = (int)lround(px_of(PLOT_AREA_LEFT_PT + (double)t / (double)end_us * AREA_W));
        long blocks = band_blocks(&im, cx - 2, cx - 2, band);
        if (st.sd == 0) {
            CHECK_INT_EQ(blocks, 0);
        } else {
            /* an end on a horizontal grid line (every 10 blocks) blends
             * with it: skip those */
            double px_per_block = px_of(AREA_H) / y_top;
            if (fabs(st.hi - 10 * round(st.hi / 10)) * px_per_block < 5 ||
                fabs(st.lo - 10 * round(st.lo / 10)) * px_per_block < 5)
                continue;
            int top = im.h, bottom = -1; /* the rows of 4 x 4 band blocks */
            for (int y = 0; y < im.h; y++)
                if (band_block(&im, cx - 2, y, band)) {
                    if (y < top) top = y;
                    if (y + 3 > bottom) bottom = y + 3;
                }
            CHECK(bottom > top);
            double y_hi = px_of(PLOT_AREA_TOP_PT + AREA_H - st.hi / y_top * AREA_H);
            double y_lo = px_of(PLOT_AREA_TOP_PT + AREA_H - st.lo / y_top * AREA_H);
            CHECK_DBL_NEAR(top, y_hi, 2);
            CHECK_DBL_NEAR(bottom, y_lo, 2);
            checked++;
        }
    }
    CHECK(checked >= 5);
    cairo_surface_destroy(im.surf);
    band_cleanup(&b, dir);
}

static const test_case cases[] = {
    TEST(test_band_zero_when_replicas_agree),
    TEST(test_band_where_replicas_differ),
    TEST(test_bars_match_the_intervals),
    TEST(test_second_axis_is_a_series),
    {NULL, NULL},
};

TEST_MAIN(cases)
