/* test_plot.c - the --plot PNGs: written, loaded back with SDL2_image, and
 * probed where the data must be (the positions follow from plot.h's area
 * and the numbers of the run, worked out next to each check), plus a run
 * with no blocks, byte-identical files for the same run, a long run's tree,
 * and the errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "check.h"
#include "sim_fixture.h"
#include "out/metrics.h"
#include "view/plot.h"

static const char *const pngs[] = {"propagation_cdf.png", "forks_over_time.png", "block_tree.png"};
#define N_PNGS (sizeof pngs / sizeof pngs[0])

/* ------------------------------------------------------------ runs */

typedef fx_run run;

static void run_start(run *r, const char *json) {
    fx_run_start(r, json, false);
    fx_run_tmpdir(r, "test_plot");
}

static void remove_pngs(const char *dir) {
    char path[512];
    for (size_t i = 0; i < N_PNGS; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, pngs[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void run_cleanup(run *r) {
    remove_pngs(r->dir);
    fx_run_end(r);
}

static bool run_plot(run *r) {
    char err[512] = "";
    bool ok = plot_write_dir(r->dir, r->s, r->m, NULL, err, sizeof err);
    if (!ok) fprintf(stderr, "  plot_write_dir: %s\n", err);
    return ok;
}

/* scenarios/fork-race.json: alice and dave mine at 1 s, bob on alice's
 * block at 5 s; every block reaches every node in three 200 ms hops (inv,
 * getdata, block), so at 0.6 s. */
static const char *race_json =
    "{'name': 'race', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'},"
    " {'name': 'dave'}], 'topology': 'mesh', 'links': {'latency_ms': 200},"
    " 'chain': {'difficulty': 8},"
    " 'events': [{'at': 1, 'do': 'mine', 'node': 'alice'}, {'at': 1, 'do': 'mine', 'node': 'dave'},"
    "  {'at': 5, 'do': 'mine', 'node': 'bob'}]}";

/* ------------------------------------------------------------ pixels */

/* The PNG as 0xXXRRGGBB pixels; NULL if it cannot be read. */
static SDL_Surface *load_png(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    SDL_Surface *raw = IMG_Load(path);
    if (!raw) {
        fprintf(stderr, "  IMG_Load %s: %s\n", path, IMG_GetError());
        return NULL;
    }
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_RGB888, 0);
    SDL_FreeSurface(raw);
    return s;
}

static uint32_t pixel(const SDL_Surface *s, int x, int y) {
    const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch);
    return row[x] & 0xffffffu;
}

/* Data colours are saturated; ink, grid and text are grey. */
static bool coloured(uint32_t rgb) {
    int r = (int)(rgb >> 16 & 255), g = (int)(rgb >> 8 & 255), b = (int)(rgb & 255);
    int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    return hi - lo > 60;
}

/* Pixels in [x0, x1] x [y0, y1] that are exactly rgb (rgb = 0x1000000:
 * any saturated colour; 0x2000000: anything but the background). */
#define ANY_COLOUR 0x1000000u
#define NOT_BACKGROUND 0x2000000u
static long count(const SDL_Surface *s, int x0, int y0, int x1, int y1, uint32_t rgb) {
    long n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            uint32_t p = pixel(s, x, y);
            bool hit = rgb == ANY_COLOUR       ? coloured(p)
                       : rgb == NOT_BACKGROUND ? p != PLOT_BACKGROUND
                                               : p == rgb;
            n += hit;
        }
    return n;
}

#define AREA_X0 PLOT_AREA_X_PX
#define AREA_Y0 PLOT_AREA_Y_PX
#define AREA_X1 (PLOT_AREA_X_PX + PLOT_AREA_W_PX - 1)
#define AREA_Y1 (PLOT_AREA_Y_PX + PLOT_AREA_H_PX - 1)

/* x and y of data values on a linear axis 0..hi */
static int at_x(double v, double hi) { return (int)(AREA_X0 + v / hi * PLOT_AREA_W_PX); }
static int at_y(double v, double hi) {
    return (int)(AREA_Y0 + PLOT_AREA_H_PX - v / hi * PLOT_AREA_H_PX);
}

/* ------------------------------------------------------------ cases */

static void test_race_plots(void) {
    run r;
    run_start(&r, race_json);
    CHECK_INT_EQ(r.m->n_blocks, 3);
    for (size_t i = 0; i < r.m->n_blocks; i++) {
        CHECK_INT_EQ(r.m->blocks[i].t50_us, 600000);
        CHECK_INT_EQ(r.m->blocks[i].t100_us, 600000);
    }
    CHECK(run_plot(&r));
    SDL_Surface *img[N_PNGS];
    for (size_t i = 0; i < N_PNGS; i++) {
        img[i] = load_png(r.dir, pngs[i]);
        CHECK(img[i] != NULL);
        CHECK_INT_EQ(img[i]->w, PLOT_WIDTH_PX);
        CHECK_INT_EQ(img[i]->h, PLOT_HEIGHT_PX);
    }

    /* CDF: the x axis ends at 0.8 (0.6 s plus 5% headroom, rounded up to
     * the tick step 0.2); all three curves rise at 0.6 s, so halfway up
     * each colour shows within their width (6 px) of x(0.6), and nothing
     * is coloured at 0.3 s. */
    SDL_Surface *cdf = img[0];
    int x6 = at_x(0.6, 0.8), y_mid = at_y(0.5, 1);
    CHECK(count(cdf, x6 - 4, y_mid, x6 + 4, y_mid, PLOT_REACH100) > 0);
    CHECK(count(cdf, x6 - 4, y_mid, x6 + 4, y_mid, PLOT_REACH90) > 0);
    CHECK(count(cdf, x6 - 4, y_mid, x6 + 4, y_mid, PLOT_REACH50) > 0);
    int x3 = at_x(0.3, 0.8);
    CHECK_INT_EQ(count(cdf, x3 - 4, AREA_Y0 + 5, x3 + 4, AREA_Y1 - 5, ANY_COLOUR), 0);

    /* Over time: x to 6 s (the end, 5.8 s, rounded up to the step 1), y to
     * 3 blocks. At 3 s two blocks are mined, one stale, one fork. */
    SDL_Surface *ot = img[1];
    int xt = at_x(3, 6);
    CHECK(count(ot, xt, at_y(2, 3) - 2, xt, at_y(2, 3) + 2, PLOT_MINED) > 0);
    CHECK(count(ot, xt, at_y(1, 3) - 2, xt, at_y(1, 3) + 2, PLOT_STALE) > 0);
    CHECK(count(ot, xt, at_y(1, 3) - 2, xt, at_y(1, 3) + 2, PLOT_FORKS) > 0);
    CHECK_INT_EQ(count(ot, xt, at_y(3, 3) + 4, xt, at_y(2, 3) - 4, ANY_COLOUR), 0);

    /* Tree: heights 1..3 in three equal columns; the main row's centre
     * PLOT_TREE_LANE_PX / 2 under the area's top, the stale row one lane
     * lower. Genesis grey, alice's and bob's main blocks and dave's stale
     * one each in its miner's colour; nothing on a third row. */
    SDL_Surface *tr = img[2];
    int col_w = PLOT_AREA_W_PX / 3, main_y = AREA_Y0 + PLOT_TREE_LANE_PX / 2;
    int stale_y = main_y + PLOT_TREE_LANE_PX;
    int cx1 = AREA_X0 + col_w / 2, cx2 = cx1 + col_w, cx3 = cx2 + col_w;
    uint32_t genesis = pixel(tr, cx1, main_y), alice = pixel(tr, cx2, main_y);
    uint32_t bob = pixel(tr, cx3, main_y), dave = pixel(tr, cx2, stale_y);
    CHECK(genesis != PLOT_BACKGROUND && !coloured(genesis));
    CHECK(coloured(alice));
    CHECK(coloured(bob));
    CHECK(coloured(dave));
    CHECK(alice != bob && alice != dave && bob != dave);
    CHECK_INT_EQ(count(tr, cx1, stale_y - 4, cx1, stale_y + 4, NOT_BACKGROUND), 0);
    CHECK_INT_EQ(count(tr, cx3, stale_y - 4, cx3, stale_y + 4, ANY_COLOUR), 0);
    CHECK_INT_EQ(count(tr, AREA_X0, stale_y + PLOT_TREE_LANE_PX - 8, AREA_X1,
                       stale_y + PLOT_TREE_LANE_PX + 8, ANY_COLOUR), 0);
    for (size_t i = 0; i < N_PNGS; i++) SDL_FreeSurface(img[i]);
    run_cleanup(&r);
}

/* No mining at all: three images with a note, no data drawn. */
static void test_no_blocks(void) {
    run r;
    run_start(&r, "{'name': 'idle', 'nodes': 3, 'duration_s': 5}");
    CHECK_INT_EQ(r.m->n_blocks, 0);
    CHECK(run_plot(&r));
    for (size_t i = 0; i < N_PNGS; i++) {
        SDL_Surface *img = load_png(r.dir, pngs[i]);
        CHECK(img != NULL);
        CHECK_INT_EQ(img->w, PLOT_WIDTH_PX);
        CHECK_INT_EQ(count(img, AREA_X0 + 2, AREA_Y0 + 2, AREA_X1, AREA_Y1 - 2, ANY_COLOUR), 0);
        /* the note, in the middle of the area */
        CHECK(count(img, AREA_X0 + PLOT_AREA_W_PX / 4, AREA_Y0 + PLOT_AREA_H_PX / 2 - 15,
                    AREA_X1 - PLOT_AREA_W_PX / 4, AREA_Y0 + PLOT_AREA_H_PX / 2 + 15,
                    NOT_BACKGROUND) > 50);
        SDL_FreeSurface(img);
    }
    run_cleanup(&r);
}

static bool same_bytes(const char *dir_a, const char *dir_b, const char *name) {
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", dir_a, name);
    snprintf(pb, sizeof pb, "%s/%s", dir_b, name);
    FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = false;
        if (ca == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

/* Two runs of the same scenario and seed give the same files. */
static void test_same_run_same_bytes(void) {
    run a, b;
    run_start(&a, race_json);
    run_start(&b, race_json);
    CHECK(run_plot(&a));
    CHECK(run_plot(&b));
    for (size_t i = 0; i < N_PNGS; i++) {
        if (!same_bytes(a.dir, b.dir, pngs[i])) fprintf(stderr, "  %s differs\n", pngs[i]);
        CHECK(same_bytes(a.dir, b.dir, pngs[i]));
    }
    run_cleanup(&a);
    run_cleanup(&b);
}

/* 3,000 blocks with about 10% stale (scenarios/validation/stale-rate.json,
 * shorter): straight runs fold and columns narrow, but the main row is
 * still drawn end to end and the stale rows hold blocks. */
static void test_long_run_tree(void) {
    run r;
    run_start(&r, "{'name': 'long', 'seed': 7, 'nodes': 20, 'topology': {'type': 'random', 'k': 3},"
                  " 'links': {'latency_ms': {'min': 200, 'max': 1000}, 'upload_bps': 1000000,"
                  " 'download_bps': 1000000}, 'chain': {'difficulty': 1, 'block_interval_s': 30,"
                  " 'block_bytes': 20000}, 'mining': 'auto', 'stop': {'height': 3001},"
                  " 'duration_s': 100000000}");
    CHECK(r.m->n_blocks >= 3000);
    CHECK(r.m->stale_blocks > 100);
    CHECK(run_plot(&r));
    SDL_Surface *tr = load_png(r.dir, "block_tree.png");
    CHECK(tr != NULL);
    int main_y = AREA_Y0 + PLOT_TREE_LANE_PX / 2;
    /* more than 9 of every 10 pixels of the main row are blocks */
    CHECK(count(tr, AREA_X0, main_y, AREA_X1, main_y, ANY_COLOUR) > PLOT_AREA_W_PX * 9 / 10);
    CHECK(coloured(pixel(tr, AREA_X1 - 2, main_y)));
    CHECK(count(tr, AREA_X0, main_y + PLOT_TREE_LANE_PX, AREA_X1, main_y + PLOT_TREE_LANE_PX,
                PLOT_STALE) > 50);
    SDL_FreeSurface(tr);
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
    CHECK(!plot_write_dir(r.dir, r.s, r.m, "/nonexistent/font.ttf", err, sizeof err));
    CHECK(strstr(err, "/nonexistent/font.ttf") != NULL);
    unlink(file);
    run_cleanup(&r);
}

static const test_case cases[] = {
    TEST(test_race_plots),
    TEST(test_no_blocks),
    TEST(test_same_run_same_bytes),
    TEST(test_long_run_tree),
    TEST(test_errors),
    {0},
};

TEST_MAIN(cases)
