/* test_plot_sweep.c - a sweep's error-bar charts (sweep/sweep_plot.h, the
 * drawing in out/plot_sweep.c): a small replicated sweep is run, charted,
 * and its PNG read back with cairo. Each point's bar must span exactly its
 * 95% interval from the sweep's stats, its dot sit at the mean and its
 * reference diamond at the rule's reference, placed by plot.h's axis rule
 * (worked out here from the stats, not taken from the drawing code). Plus:
 * a metric undefined everywhere gets no chart, and the series of a second
 * axis are drawn in their own colour. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "check.h"
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

static const test_case cases[] = {
    TEST(test_bars_match_the_intervals),
    TEST(test_second_axis_is_a_series),
    {NULL, NULL},
};

TEST_MAIN(cases)
