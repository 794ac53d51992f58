/* test_plot.c - the --plot charts: written in each format, the PNGs read
 * back with cairo and probed where the data must be (positions follow from
 * plot.h's margins and the run's numbers, worked out next to each check):
 * the time axis ends at the run's end, a log axis puts a value where a log
 * axis does, the scenario's events are vertical lines at their times, the
 * tree is cropped to its rows. Plus a run with no blocks, byte-identical
 * files for the same run (in one process: cairo's per-process counters
 * must not leak into the files), a long run's tree, and the errors.
 * cli_outputs.sh checks the SVG and PDF as text (their words, the axis
 * range read from the SVG's ticks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "check.h"
#include "out/palette.h"
#include "out/plot.h"
#include "sim_fixture.h"
#include "out/metrics.h"

static const char *const charts[] = {"propagation_cdf", "forks_over_time", "block_tree"};
static const char *const exts[] = {"png", "svg", "pdf"};
#define N_CHARTS 3

/* ------------------------------------------------------------ runs */

typedef fx_run run;

static void run_start(run *r, const char *json) {
    fx_run_start(r, json, false);
    fx_run_tmpdir(r, "test_plot");
}

static void run_cleanup(run *r) {
    char path[512];
    for (int i = 0; i < N_CHARTS; i++)
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/%s.%s", r->dir, charts[i], exts[k]);
            unlink(path);
        }
    rmdir(r->dir);
    fx_run_end(r);
}

static bool run_plot(run *r, const plot_options *o) {
    char err[512] = "";
    bool ok = plot_write_dir(r->dir, r->s, r->m, o, err, sizeof err);
    if (!ok) fprintf(stderr, "  plot_write_dir: %s\n", err);
    return ok;
}

static bool exists(const char *dir, const char *chart, const char *ext) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%s", dir, chart, ext);
    return access(path, R_OK) == 0;
}

/* scenarios/fork-race.json: alice and dave mine at 1 s, bob on alice's
 * block at 5 s; every block reaches every node in three 200 ms hops (inv,
 * getdata, block), so at 0.6 s; the run ends at 5.8 s. */
static const char *race_json =
    "{'name': 'race', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'},"
    " {'name': 'dave'}], 'topology': 'mesh', 'links': {'latency_ms': 200},"
    " 'chain': {'difficulty': 8},"
    " 'events': [{'at': 1, 'do': 'mine', 'node': 'alice'}, {'at': 1, 'do': 'mine', 'node': 'dave'},"
    "  {'at': 5, 'do': 'mine', 'node': 'bob'}]}";

/* ------------------------------------------------------------ pixels */

typedef struct image {
    cairo_surface_t *surf;
    int w, h, stride;
    const unsigned char *px;
} image;

static bool load_png(image *im, const char *dir, const char *chart) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.png", dir, chart);
    im->surf = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(im->surf) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "  %s: %s\n", path, cairo_status_to_string(cairo_surface_status(im->surf)));
        cairo_surface_destroy(im->surf);
        return false;
    }
    im->w = cairo_image_surface_get_width(im->surf);
    im->h = cairo_image_surface_get_height(im->surf);
    im->stride = cairo_image_surface_get_stride(im->surf);
    im->px = cairo_image_surface_get_data(im->surf);
    return true;
}

static void image_free(image *im) { cairo_surface_destroy(im->surf); }

static uint32_t pixel(const image *im, int x, int y) {
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) return 0xffffff;
    return *(const uint32_t *)(im->px + (size_t)y * (size_t)im->stride + (size_t)x * 4) & 0xffffffu;
}

/* Near a colour: anti-aliased edges blend with the paper, the centre of a
 * line or box is the colour itself. */
static bool near(uint32_t a, uint32_t b) {
    int d = 0;
    for (int s = 0; s < 24; s += 8) {
        int x = (int)(a >> s & 255) - (int)(b >> s & 255);
        d += x < 0 ? -x : x;
    }
    return d <= 24;
}

/* Data colours are saturated; ink, grid and text are grey. */
static bool coloured(uint32_t rgb) {
    int r = (int)(rgb >> 16 & 255), g = (int)(rgb >> 8 & 255), b = (int)(rgb & 255);
    int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    return hi - lo > 40;
}

#define ANY_COLOUR 0x1000000u
static long count(const image *im, int x0, int y0, int x1, int y1, uint32_t rgb) {
    long n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            uint32_t p = pixel(im, x, y);
            n += rgb == ANY_COLOUR ? coloured(p) : near(p, rgb);
        }
    return n;
}

/* points -> PNG pixels */
static int px_of(double pt) { return (int)lround(pt * PLOT_PNG_DPI / 72); }

/* The line charts' area in points, and data values on it. */
#define AREA_W (PLOT_CHART_W_PT - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT)
#define AREA_H (PLOT_CHART_H_PT - PLOT_AREA_TOP_PT - PLOT_AREA_BOTTOM_PT)
static int at_x(double v, double lo, double hi) {
    return px_of(PLOT_AREA_LEFT_PT + (v - lo) / (hi - lo) * AREA_W);
}
static int at_y(double v, double hi) {
    return px_of(PLOT_AREA_TOP_PT + AREA_H - v / hi * AREA_H);
}
#define AREA_X0 px_of(PLOT_AREA_LEFT_PT)
#define AREA_X1 px_of(PLOT_AREA_LEFT_PT + AREA_W)
#define AREA_Y0 px_of(PLOT_AREA_TOP_PT)
#define AREA_Y1 px_of(PLOT_AREA_TOP_PT + AREA_H)

#define MAIN palette_on_light(PALETTE_MAIN)
#define STALE palette_on_light(PALETTE_STALE)
#define FORKS palette_on_light(PALETTE_BAD)
#define CDF50 palette_on_light(palette_branch[0])
#define CDF90 palette_on_light(palette_branch[3])
#define CDF100 palette_on_light(palette_branch[4])

/* The box around every pixel near rgb. */
typedef struct bbox {
    int x0, y0, x1, y1;
} bbox;
static bbox bbox_of(const image *im, const uint32_t *rgbs, int n) {
    bbox b = {im->w, im->h, -1, -1};
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            for (int k = 0; k < n; k++)
                if (near(pixel(im, x, y), rgbs[k])) {
                    if (x < b.x0) b.x0 = x;
                    if (x > b.x1) b.x1 = x;
                    if (y < b.y0) b.y0 = y;
                    if (y > b.y1) b.y1 = y;
                }
    return b;
}

/* ------------------------------------------------------------ cases */

static void test_race_plots(void) {
    run r;
    run_start(&r, race_json);
    CHECK_INT_EQ(r.m->n_blocks, 3);
    CHECK_INT_EQ(r.m->end_us, 5800000);
    for (size_t i = 0; i < r.m->n_blocks; i++) {
        CHECK_INT_EQ(r.m->blocks[i].t50_us, 600000);
        CHECK_INT_EQ(r.m->blocks[i].t100_us, 600000);
    }
    CHECK(run_plot(&r, NULL));
    for (int i = 0; i < N_CHARTS; i++)
        for (int k = 0; k < 3; k++) CHECK(exists(r.dir, charts[i], exts[k]));
    image cdf, ot, tr;
    CHECK(load_png(&cdf, r.dir, "propagation_cdf"));
    CHECK(load_png(&ot, r.dir, "forks_over_time"));
    CHECK(load_png(&tr, r.dir, "block_tree"));
    /* 3.5 x 2.5 in and 7 in wide at 300 dpi */
    CHECK_INT_EQ(cdf.w, 1050);
    CHECK_INT_EQ(cdf.h, 750);
    CHECK_INT_EQ(ot.w, 1050);
    CHECK_INT_EQ(tr.w, 2100);

    /* CDF: the x axis ends 4% past the slowest block (0.624 s); all three
     * curves rise at 0.6 s: halfway up each colour shows within a few
     * pixels of x(0.6) (drawn widest first, so the lower ones show around
     * the upper ones); nothing is drawn at 0.3 s above the baseline. */
    int x6 = at_x(0.6, 0, 0.624), y_mid = at_y(0.5, 1);
    CHECK(count(&cdf, x6 - 8, y_mid - 20, x6 + 8, y_mid + 20, CDF100) > 0);
    CHECK(count(&cdf, x6 - 8, y_mid - 20, x6 + 8, y_mid + 20, CDF90) > 0);
    CHECK(count(&cdf, x6 - 8, y_mid - 20, x6 + 8, y_mid + 20, CDF50) > 0);
    int x3 = at_x(0.3, 0, 0.624);
    CHECK_INT_EQ(count(&cdf, x3 - 4, AREA_Y0 + 5, x3 + 4, AREA_Y1 - 12, ANY_COLOUR), 0);

    /* Over time: x from 0 to the run's end, 5.8 s, exactly; y to 5. At 3 s
     * two blocks are mined, one stale, one fork. Bob's block at 5 s rises
     * where a 0..5.8 axis puts 5 s, and not where a 0..6 axis would. */
    int xt = at_x(3, 0, 5.8);
    CHECK(count(&ot, xt, at_y(2, 5) - 3, xt, at_y(2, 5) + 3, MAIN) > 0);
    CHECK(count(&ot, xt - 30, at_y(1, 5) - 3, xt + 30, at_y(1, 5) + 3, STALE) > 0);
    CHECK(count(&ot, xt - 30, at_y(1, 5) - 3, xt + 30, at_y(1, 5) + 3, FORKS) > 0);
    CHECK_INT_EQ(count(&ot, xt, at_y(3, 5) + 5, xt, at_y(2, 5) - 5, ANY_COLOUR), 0);
    int x5 = at_x(5, 0, 5.8), x5_wrong = at_x(5, 0, 6), y25 = at_y(2.5, 5);
    CHECK(x5 - x5_wrong > 20);
    CHECK(count(&ot, x5 - 3, y25, x5 + 3, y25, MAIN) > 0);
    CHECK_INT_EQ(count(&ot, x5_wrong - 3, y25, x5_wrong + 3, y25, MAIN), 0);
    /* and the mined line runs to the axis' end at 3 */
    CHECK(near(pixel(&ot, AREA_X1 - 3, at_y(3, 5)), MAIN));

    /* Tree: heights 1..3 in three equal columns; the main row's centre half
     * a lane under the area's top, the stale row one lane lower. Genesis
     * grey, alice's and bob's blocks main, dave's stale; nothing on a third
     * row, because the picture ends after two rows and its margins. */
    double col_w = (PLOT_TREE_W_PT - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT) / 3;
    int main_y = px_of(PLOT_AREA_TOP_PT + PLOT_TREE_LANE_PT / 2);
    int stale_y = px_of(PLOT_AREA_TOP_PT + PLOT_TREE_LANE_PT * 1.5);
    int cx1 = px_of(PLOT_AREA_LEFT_PT + col_w / 2), cx2 = px_of(PLOT_AREA_LEFT_PT + col_w * 1.5);
    int cx3 = px_of(PLOT_AREA_LEFT_PT + col_w * 2.5);
    double tree_pt = PLOT_AREA_TOP_PT + 2 * PLOT_TREE_LANE_PT + PLOT_AREA_BOTTOM_PT;
    CHECK_INT_EQ(tr.h, (int)ceil(tree_pt * PLOT_PNG_DPI / 72));
    uint32_t genesis = pixel(&tr, cx1, main_y - 12);
    CHECK(!coloured(genesis) && genesis != 0xffffff);
    CHECK(near(pixel(&tr, cx2, main_y - 12), MAIN));  /* alice (above her name) */
    CHECK(near(pixel(&tr, cx3, main_y - 12), MAIN));  /* bob */
    CHECK(near(pixel(&tr, cx2, stale_y - 12), STALE)); /* dave */
    CHECK_INT_EQ(count(&tr, cx1 - 20, stale_y - 10, cx1 + 20, stale_y + 10, STALE), 0);
    CHECK_INT_EQ(count(&tr, cx3 - 20, stale_y - 10, cx3 + 20, stale_y + 10, STALE), 0);
    image_free(&cdf);
    image_free(&ot);
    image_free(&tr);
    run_cleanup(&r);
}

/* The tree is cropped to its content: the blocks take most of the
 * picture's height (the rest is one title, legend and axis), and a long
 * run's main row spans the width. */
static void test_tree_cropped(void) {
    run r;
    run_start(&r, race_json);
    CHECK(run_plot(&r, &(plot_options){.formats = PLOT_PNG}));
    image tr;
    CHECK(load_png(&tr, r.dir, "block_tree"));
    const uint32_t blocks[2] = {MAIN, STALE};
    bbox b = bbox_of(&tr, blocks, 2);
    /* two rows of boxes 0.62 lane high, one lane apart, with the legend's
     * swatches above: at least a third of the height, which the old
     * 600-pixel canvas with two 36-pixel rows (a tenth) did not reach */
    CHECK((b.y1 - b.y0) * 3 >= tr.h);
    /* white above the title, between the parts and under the axis label:
     * at most the margins, no empty rows */
    CHECK(tr.h <= px_of(PLOT_AREA_TOP_PT + 2 * PLOT_TREE_LANE_PT + PLOT_AREA_BOTTOM_PT) + 1);
    image_free(&tr);
    run_cleanup(&r);
}

/* No mining at all: the charts with a note, no data drawn. */
static void test_no_blocks(void) {
    run r;
    run_start(&r, "{'name': 'idle', 'nodes': 3, 'duration_s': 5}");
    CHECK_INT_EQ(r.m->n_blocks, 0);
    CHECK(run_plot(&r, &(plot_options){.formats = PLOT_PNG}));
    for (int i = 0; i < N_CHARTS; i++) {
        image im;
        CHECK(load_png(&im, r.dir, charts[i]));
        CHECK_INT_EQ(count(&im, 0, 0, im.w - 1, im.h - 1, ANY_COLOUR), 0);
        /* the note, in the middle of the area */
        int mid = i < 2 ? (AREA_Y0 + AREA_Y1) / 2
                        : px_of(PLOT_AREA_TOP_PT + 1.5 * PLOT_TREE_LANE_PT);
        CHECK(count(&im, im.w / 3, mid - 30, im.w * 2 / 3, mid + 10, 0x707070) > 20);
        image_free(&im);
        CHECK(!exists(r.dir, charts[i], "svg"));
        CHECK(!exists(r.dir, charts[i], "pdf"));
    }
    run_cleanup(&r);
}

static bool same_bytes(const char *dir_a, const char *dir_b, const char *name) {
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", dir_a, name);
    snprintf(pb, sizeof pb, "%s/%s", dir_b, name);
    return check_same_file(pa, pb);
}

/* Two runs of the same scenario and seed give the same files, in every
 * format, even in one process (cairo numbers SVG surfaces per process,
 * and would date the PDF). */
static void test_same_run_same_bytes(void) {
    run a, b;
    run_start(&a, race_json);
    run_start(&b, race_json);
    CHECK(run_plot(&a, NULL));
    CHECK(run_plot(&b, NULL));
    for (int i = 0; i < N_CHARTS; i++)
        for (int k = 0; k < 3; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s.%s", charts[i], exts[k]);
            if (!same_bytes(a.dir, b.dir, name)) fprintf(stderr, "  %s differs\n", name);
            CHECK(same_bytes(a.dir, b.dir, name));
        }
    run_cleanup(&a);
    run_cleanup(&b);
}

/* A partition at 10 s and a heal at 40 s of a 60 s run: a red dashed line
 * at x(10) and a green one at x(40), each down most of the area's height
 * (dashes: about two thirds of it inked), and no such line between. */
static void test_event_markers(void) {
    run r;
    run_start(&r, "{'name': 'cut', 'nodes': 4, 'topology': 'mesh', 'duration_s': 60,"
                  " 'chain': {'difficulty': 1, 'block_interval_s': 5}, 'mining': 'auto',"
                  " 'events': [{'at': 10, 'do': 'partition', 'halves': true},"
                  "  {'at': 40, 'do': 'heal'}]}");
    CHECK_INT_EQ(r.m->end_us, 60000000);
    CHECK(run_plot(&r, &(plot_options){.formats = PLOT_PNG}));
    image ot;
    CHECK(load_png(&ot, r.dir, "forks_over_time"));
    uint32_t cut = palette_on_light(PALETTE_BAD), heal = palette_on_light(PALETTE_GOOD);
    int x10 = at_x(10, 0, 60), x40 = at_x(40, 0, 60), x25 = at_x(25, 0, 60);
    long rows = AREA_Y1 - AREA_Y0;
    CHECK(count(&ot, x10, AREA_Y0, x10, AREA_Y1, cut) > rows / 2);
    CHECK(count(&ot, x40, AREA_Y0, x40, AREA_Y1, heal) > rows / 2);
    CHECK_INT_EQ(count(&ot, x25 - 5, AREA_Y0, x25 + 5, AREA_Y1, heal), 0);
    CHECK(count(&ot, x25 - 5, AREA_Y0, x25 + 5, AREA_Y1, cut) < rows / 4); /* only forks' dots */
    image_free(&ot);
    run_cleanup(&r);
}

/* --plot-log: the CDF's x axis is logarithmic from the decade below the
 * fastest block (0.1) to 4% past the slowest (0.624): 0.6 s is at
 * log(6)/log(6.24) of the width, 15 pixels right of where a linear axis
 * would put it. */
static void test_log_axis(void) {
    run r;
    run_start(&r, race_json);
    CHECK(run_plot(&r, &(plot_options){.formats = PLOT_PNG, .log_time = true}));
    image cdf;
    CHECK(load_png(&cdf, r.dir, "propagation_cdf"));
    int x_log = px_of(PLOT_AREA_LEFT_PT + log10(6.0) / log10(6.24) * AREA_W);
    int x_lin = at_x(0.6, 0, 0.624), y_mid = at_y(0.5, 1);
    CHECK(x_log - x_lin > 10);
    CHECK(count(&cdf, x_log - 4, y_mid, x_log + 4, y_mid, CDF100) > 0);
    CHECK_INT_EQ(count(&cdf, x_lin - 3, y_mid, x_lin + 3, y_mid, ANY_COLOUR), 0);
    image_free(&cdf);
    run_cleanup(&r);
}

/* 3,000 blocks with about 10% stale (scenarios/validation/stale-rate.json,
 * shorter): straight runs fold and columns narrow, but the main row is
 * still drawn end to end and the stale rows hold blocks, and the blocks
 * fill the picture: the full width of the area, and most of the height. */
static void test_long_run_tree(void) {
    run r;
    run_start(&r, "{'name': 'long', 'seed': 7, 'nodes': 20, 'topology': {'type': 'random', 'k': 3},"
                  " 'links': {'latency_ms': {'min': 200, 'max': 1000}, 'upload_bps': 1000000,"
                  " 'download_bps': 1000000}, 'chain': {'difficulty': 1, 'block_interval_s': 30,"
                  " 'block_bytes': 20000}, 'mining': 'auto', 'stop': {'height': 3001},"
                  " 'duration_s': 100000000}");
    CHECK(r.m->n_blocks >= 3000);
    CHECK(r.m->stale_blocks > 100);
    CHECK(run_plot(&r, &(plot_options){.formats = PLOT_PNG}));
    image tr;
    CHECK(load_png(&tr, r.dir, "block_tree"));
    int main_y = px_of(PLOT_AREA_TOP_PT + PLOT_TREE_LANE_PT / 2);
    int x0 = px_of(PLOT_AREA_LEFT_PT), x1 = px_of(PLOT_TREE_W_PT - PLOT_AREA_RIGHT_PT) - 1;
    /* more than 9 of every 10 pixels of the main row are blocks */
    CHECK(count(&tr, x0, main_y, x1, main_y, MAIN) > (x1 - x0) * 9 / 10);
    CHECK(near(pixel(&tr, x1 - 3, main_y), MAIN));
    int stale_y = px_of(PLOT_AREA_TOP_PT + PLOT_TREE_LANE_PT * 1.5);
    CHECK(count(&tr, x0, stale_y, x1, stale_y, STALE) > 50);
    const uint32_t blocks[2] = {MAIN, STALE};
    bbox b = bbox_of(&tr, blocks, 2);
    CHECK((b.x1 - b.x0) * 10 >= tr.w * 9);
    CHECK((b.y1 - b.y0) * 2 >= tr.h);
    image_free(&tr);
    run_cleanup(&r);
}

/* --font FILE: the charts are drawn in it, and the SVG names its family. */
static void test_font_file(void) {
    const char *mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    if (access(mono, R_OK) != 0) return; /* fonts-dejavu-core: .ci/install-deps */
    run r;
    run_start(&r, race_json);
    CHECK(run_plot(&r, &(plot_options){.formats = PLOT_SVG, .font_path = mono}));
    char path[512], text[65536];
    snprintf(path, sizeof path, "%s/forks_over_time.svg", r.dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    CHECK(strstr(text, "font-family=\"DejaVu Sans Mono, sans-serif\"") != NULL);
    CHECK(strstr(text, ">sim time (s)</text>") != NULL);
    run_cleanup(&r);
}

static void test_errors(void) {
    run r;
    run_start(&r, race_json);
    char file[128], sub[160], err[512] = "";
    snprintf(file, sizeof file, "%s/plain", r.dir);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    fclose(f);
    snprintf(sub, sizeof sub, "%s/plots", file);
    CHECK(!plot_write_dir(sub, r.s, r.m, NULL, err, sizeof err));
    CHECK(strstr(err, "is not a directory") != NULL);
    CHECK(!plot_write_dir(r.dir, r.s, r.m, &(plot_options){.font_path = "/nonexistent/font.ttf"},
                          err, sizeof err));
    CHECK(strstr(err, "/nonexistent/font.ttf") != NULL);
    CHECK(!plot_write_dir(r.dir, r.s, r.m, &(plot_options){.font_path = file}, err, sizeof err));
    CHECK(strstr(err, "cannot read the file as a font") != NULL);
    unlink(file);

    unsigned fm = 0;
    CHECK(plot_parse_formats("svg,pdf", &fm, err, sizeof err));
    CHECK_INT_EQ(fm, PLOT_SVG | PLOT_PDF);
    CHECK(plot_parse_formats("png", &fm, err, sizeof err));
    CHECK_INT_EQ(fm, PLOT_PNG);
    CHECK(!plot_parse_formats("png,jpg", &fm, err, sizeof err));
    CHECK(strstr(err, "got 'jpg'") != NULL);
    CHECK_INT_EQ(fm, PLOT_PNG); /* untouched */
    CHECK(!plot_parse_formats("", &fm, err, sizeof err));
    CHECK(!plot_parse_formats(",", &fm, err, sizeof err));
    run_cleanup(&r);
}

static const test_case cases[] = {
    TEST(test_race_plots),
    TEST(test_tree_cropped),
    TEST(test_no_blocks),
    TEST(test_same_run_same_bytes),
    TEST(test_event_markers),
    TEST(test_log_axis),
    TEST(test_long_run_tree),
    TEST(test_font_file),
    TEST(test_errors),
    {0},
};

TEST_MAIN(cases)
