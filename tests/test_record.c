/* test_record.c - --record: the GIF decodes with giflib, has one frame per
 * 1/fps s of playback from --from to --to at the view's speed, with delays
 * that add up to that time, shows what --screenshot shows at the same sim
 * time (through a palette of the window's own colours, so nearly every
 * pixel is exact), changes over the fork and is the same file twice; a
 * start after the run's end and an unwritable file are errors that leave
 * nothing behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <cairo.h>
#include <gif_lib.h>

#include "check.h"
#include "view/record.h"
#include "view/view.h"

/* fork-race: alice and dave mine at 1 s, the fork resolves when bob's
 * block has spread (5.6 s); the run ends at 5.8 s. Speed 1: one frame per
 * 1/fps sim seconds. */
static view_options race(void) {
    return (view_options){.scenario_path = "scenarios/fork-race.json", .speed = 1,
                          .width = 640, .height = 400};
}

static char dir[64];

static const char *path_in(const char *name) {
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static int record(const char *name, int64_t from_us, int64_t to_us, int fps) {
    view_options o = race();
    return view_record(&o, &(view_record_options){.gif_path = path_in(name), .from_us = from_us,
                                                  .to_us = to_us, .fps = fps});
}

/* The frames composited as a viewer shows them: 0xRRGGBB per pixel. */
typedef struct movie {
    int w, h, n;
    uint32_t **frames;
    int *delay_cs;
} movie;

static bool movie_load(movie *mv, const char *path) {
    int err = 0;
    GifFileType *g = DGifOpenFileName(path, &err);
    if (!g) {
        fprintf(stderr, "  %s: %s\n", path, GifErrorString(err));
        return false;
    }
    if (DGifSlurp(g) != GIF_OK) {
        fprintf(stderr, "  %s: %s\n", path, GifErrorString(g->Error));
        DGifCloseFile(g, &err);
        return false;
    }
    mv->w = g->SWidth;
    mv->h = g->SHeight;
    mv->n = g->ImageCount;
    mv->frames = calloc((size_t)mv->n, sizeof *mv->frames);
    mv->delay_cs = calloc((size_t)mv->n, sizeof *mv->delay_cs);
    size_t px = (size_t)mv->w * (size_t)mv->h;
    for (int k = 0; k < mv->n; k++) {
        uint32_t *f = malloc(px * sizeof *f);
        if (k) memcpy(f, mv->frames[k - 1], px * sizeof *f);
        else memset(f, 0, px * sizeof *f);
        const SavedImage *im = &g->SavedImages[k];
        GraphicsControlBlock gcb;
        DGifSavedExtensionToGCB(g, k, &gcb);
        mv->delay_cs[k] = gcb.DelayTime;
        const ColorMapObject *map = im->ImageDesc.ColorMap ? im->ImageDesc.ColorMap : g->SColorMap;
        for (int y = 0; y < im->ImageDesc.Height; y++)
            for (int x = 0; x < im->ImageDesc.Width; x++) {
                int v = im->RasterBits[y * im->ImageDesc.Width + x];
                if (v == gcb.TransparentColor) continue;
                GifColorType c = map->Colors[v];
                f[(size_t)(y + im->ImageDesc.Top) * mv->w + x + im->ImageDesc.Left] =
                    (uint32_t)c.Red << 16 | (uint32_t)c.Green << 8 | c.Blue;
            }
        mv->frames[k] = f;
    }
    DGifCloseFile(g, &err);
    return true;
}

static void movie_free(movie *mv) {
    for (int k = 0; k < mv->n; k++) free(mv->frames[k]);
    free(mv->frames);
    free(mv->delay_cs);
}

static int dist(uint32_t a, uint32_t b) {
    int d = 0;
    for (int s = 0; s < 24; s += 8) {
        int x = (int)(a >> s & 255) - (int)(b >> s & 255);
        d += x < 0 ? -x : x;
    }
    return d;
}

static long differing(const uint32_t *a, const uint32_t *b, size_t n) {
    long d = 0;
    for (size_t i = 0; i < n; i++) d += a[i] != b[i];
    return d;
}

/* ------------------------------------------------------------ cases */

/* 0 to 2 s at 10 fps: frames at 0.0, 0.1, ..., 2.0 s, 21 of them, 10 cs
 * each, the last held 2 s longer; 1 to 3 s at 4 fps: 1.0, 1.25, ..., 3.0,
 * 9 frames of 25 cs; without --to, until the run's end at 5.8 s: 59. */
static void test_frame_count(void) {
    CHECK_INT_EQ(record("a.gif", 0, 2000000, 10), 0);
    movie mv;
    CHECK(movie_load(&mv, path_in("a.gif")));
    CHECK_INT_EQ(mv.w, 640);
    CHECK_INT_EQ(mv.h, 400);
    CHECK_INT_EQ(mv.n, 21);
    for (int k = 0; k + 1 < mv.n; k++) CHECK_INT_EQ(mv.delay_cs[k], 10);
    CHECK_INT_EQ(mv.delay_cs[mv.n - 1], 10 + RECORD_END_HOLD_CS);
    movie_free(&mv);

    CHECK_INT_EQ(record("b.gif", 1000000, 3000000, 4), 0);
    CHECK(movie_load(&mv, path_in("b.gif")));
    CHECK_INT_EQ(mv.n, 9);
    CHECK_INT_EQ(mv.delay_cs[0], 25);
    movie_free(&mv);

    CHECK_INT_EQ(record("c.gif", 0, -1, 10), 0);
    CHECK(movie_load(&mv, path_in("c.gif")));
    CHECK_INT_EQ(mv.n, 59);
    movie_free(&mv);
    unlink(path_in("a.gif"));
    unlink(path_in("b.gif"));
    unlink(path_in("c.gif"));
}

/* The last frame of 0 to 3 s (the fork: two branches, 3 vs 1 nodes) is the
 * window's frame at 3 s: --screenshot's PNG there, pixel for pixel, up to
 * the palette (a GIF has 255 colours; the frame's main colours are exact,
 * anti-aliased edges round to a neighbour: no pixel is off by more than a
 * rounding). Rendered after 30 frames of history or alone, the window
 * shows the same: each block keeps its colour. */
static void test_frames_are_the_window(void) {
    CHECK_INT_EQ(record("w.gif", 0, 3000000, 10), 0);
    view_options o = race();
    o.at_us = 3000000;
    CHECK_INT_EQ(view_screenshot(&o, path_in("w.png")), 0);
    movie mv;
    CHECK(movie_load(&mv, path_in("w.gif")));
    CHECK_INT_EQ(mv.n, 31);
    cairo_surface_t *png = cairo_image_surface_create_from_png(path_in("w.png"));
    CHECK_INT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(png);
    CHECK_INT_EQ(cairo_image_surface_get_width(png), mv.w);
    CHECK_INT_EQ(cairo_image_surface_get_height(png), mv.h);
    long exact = 0, close = 0, n = (long)mv.w * mv.h;
    const uint32_t *last = mv.frames[mv.n - 1];
    for (int y = 0; y < mv.h; y++)
        for (int x = 0; x < mv.w; x++) {
            const unsigned char *row = cairo_image_surface_get_data(png) +
                                       (size_t)y * (size_t)cairo_image_surface_get_stride(png);
            uint32_t want = ((const uint32_t *)row)[x];
            int d = dist(want & 0xffffff, last[(size_t)y * mv.w + x]);
            exact += d == 0;
            close += d <= 30;
        }
    fprintf(stderr, "  %ld of %ld pixels exact, %ld within 30\n", exact, n, close);
    CHECK(exact * 100 >= n * 95);
    CHECK(close * 1000 >= n * 998);
    cairo_surface_destroy(png);
    movie_free(&mv);
    unlink(path_in("w.gif"));
    unlink(path_in("w.png"));
}

/* Over the fork the picture changes: before the blocks (0.5 s), during the
 * race (2 s: two branches) and after it resolved (5.8 s) are three
 * different frames, each by more than a few pixels (the clock alone); the
 * frames of one quiet second (3.0 and 3.5 s: nothing mined or sent) differ
 * in far fewer. */
static void test_frames_differ_over_fork(void) {
    CHECK_INT_EQ(record("f.gif", 0, -1, 2), 0);
    movie mv;
    CHECK(movie_load(&mv, path_in("f.gif")));
    CHECK_INT_EQ(mv.n, 13); /* 0, 0.5, ..., 5.5 s, then the end, 5.8 s */
    size_t n = (size_t)mv.w * (size_t)mv.h;
    long before_race = differing(mv.frames[1], mv.frames[4], n);
    long race_end = differing(mv.frames[4], mv.frames[12], n);
    long quiet = differing(mv.frames[6], mv.frames[7], n);
    fprintf(stderr, "  pixels changed: 0.5->2 s %ld, 2->5.8 s %ld, 3->3.5 s %ld\n", before_race,
            race_end, quiet);
    CHECK(before_race > 2000);
    CHECK(race_end > 2000);
    CHECK(quiet * 4 < before_race);
    movie_free(&mv);
    unlink(path_in("f.gif"));
}

static void test_same_bytes(void) {
    CHECK_INT_EQ(record("s1.gif", 500000, 2500000, 5), 0);
    CHECK_INT_EQ(record("s2.gif", 500000, 2500000, 5), 0);
    CHECK(check_same_file(path_in("s1.gif"), path_in("s2.gif")));
    unlink(path_in("s1.gif"));
    unlink(path_in("s2.gif"));
}

static void test_errors(void) {
    /* after the end of the run: no frame to show */
    CHECK_INT_EQ(record("late.gif", 60000000, -1, 10), 2);
    CHECK(access(path_in("late.gif"), F_OK) != 0);
    CHECK(access(path_in("late.gif.part"), F_OK) != 0);
    /* a directory that is not there */
    CHECK_INT_EQ(record("missing/x.gif", 0, 1000000, 10), 2);
    CHECK(access(path_in("missing"), F_OK) != 0);
    /* a scenario that cannot be read */
    view_options o = race();
    o.scenario_path = "scenarios/no-such-file.json";
    CHECK_INT_EQ(view_record(&o, &(view_record_options){.gif_path = path_in("n.gif")}), 2);
    CHECK(access(path_in("n.gif"), F_OK) != 0);
}

static const test_case cases[] = {
    TEST(test_frame_count),
    TEST(test_frames_are_the_window),
    TEST(test_frames_differ_over_fork),
    TEST(test_same_bytes),
    TEST(test_errors),
    {0},
};

int main(int argc, char **argv) {
    snprintf(dir, sizeof dir, "/tmp/test_record.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    int code = check__run(cases, argc, argv);
    rmdir(dir);
    return code;
}
