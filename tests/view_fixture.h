/* view_fixture.h - an app of the window drawn headless, for the view's
 * tests: the software renderer into a plain surface (SDL_VIDEODRIVER=dummy:
 * no display), the same SDL events a user makes (SDL_PushEvent: clicks,
 * typing, keys), and pixel probes (a node's colour, which palette colour
 * a pixel is, discs counted by flooding palette-coloured regions). Set
 * VIEW_TEST_PNG_DIR to keep the frames as PNGs. */
#ifndef CHAINSIM_TEST_VIEW_FIXTURE_H
#define CHAINSIM_TEST_VIEW_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim_fixture.h"
#include "view/view_int.h"

#define W 1280
#define H 800

typedef struct fx_view {
    SDL_Surface *surf;
    SDL_Renderer *r;
    view_app *a;
    int64_t wall_us;
} fx_view;

static inline void fxv_sdl(void) {
    static bool done;
    if (done) return;
    done = true;
    setenv("SDL_VIDEODRIVER", "dummy", 0);
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "fixture: SDL_Init: %s\n", SDL_GetError());
        abort();
    }
}

/* An app on `path` (NULL: the default scenario), started. */
static inline void fxv_open(fx_view *f, const char *path, sim_executor ex) {
    fxv_sdl();
    f->surf = view__frame_surface(W, H);
    f->r = SDL_CreateSoftwareRenderer(f->surf);
    char err[512] = "";
    view_options o = {.scenario_path = path, .executor_set = true, .executor = ex};
    f->a = view__app_new(&o, f->r, W, H, err, sizeof err);
    if (!f->a) {
        fprintf(stderr, "fixture: view__app_new: %s\n", err);
        abort();
    }
    f->wall_us = 1000000;
    view__app_start(f->a);
}

static inline void fxv_close(fx_view *f) {
    view__app_free(f->a);
    SDL_DestroyRenderer(f->r);
    SDL_FreeSurface(f->surf);
    SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
}

/* Hands the queued SDL events to the app, then updates and draws a frame
 * `dt_us` of wall time after the last one. */
static inline void fxv_frame(fx_view *f, int64_t dt_us) {
    SDL_Event e;
    while (SDL_PollEvent(&e)) view__app_event(f->a, &e);
    f->wall_us += dt_us;
    view__app_update(f->a, f->wall_us);
    view__app_draw(f->a);
    SDL_RenderPresent(f->r);
}

/* Runs the virtual sim to t and draws that frame (twice: the second sees
 * the first frame's buttons, as a user would). */
static inline void fxv_at(fx_view *f, double t_s) {
    view__app_run_to(f->a, (int64_t)(t_s * 1e6));
    fxv_frame(f, 0);
    fxv_frame(f, 0);
}

static inline void fxv_save(fx_view *f, const char *name) {
    const char *dir = getenv("VIEW_TEST_PNG_DIR");
    if (!dir) return;
    char path[512], err[600];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    if (!view__frame_png(f->surf, path, err, sizeof err)) fprintf(stderr, "fixture: %s\n", err);
}

static inline SDL_Color fxv_pixel(const fx_view *f, int x, int y) {
    const Uint32 *row = (const Uint32 *)((const Uint8 *)f->surf->pixels + y * f->surf->pitch);
    SDL_Color c;
    SDL_GetRGB(row[x], f->surf->format, &c.r, &c.g, &c.b);
    c.a = 255;
    return c;
}

static inline bool fxv_near(SDL_Color a, SDL_Color b) {
    return abs(a.r - b.r) <= 3 && abs(a.g - b.g) <= 3 && abs(a.b - b.b) <= 3;
}

/* The branch colour a pixel has: a palette colour, or one dimmed (a node
 * behind on its branch); -1 if neither. */
static inline int fxv_palette_index(SDL_Color c) {
    for (int i = 0; i < VIEW_PALETTE; i++)
        if (fxv_near(c, view__branch_colour(i)) ||
            fxv_near(c, view__dim(&view__theme_dark, view__branch_colour(i))))
            return i;
    return -1;
}

/* Regions of tip-coloured pixels in `area` of at least min_px pixels. */
static inline int fxv_count_discs(const fx_view *f, SDL_Rect area, int min_px) {
    int n = area.w * area.h, found = 0;
    signed char *cls = malloc((size_t)n);
    bool *seen = calloc((size_t)n, 1);
    int *stack = malloc((size_t)n * sizeof *stack);
    for (int y = 0; y < area.h; y++)
        for (int x = 0; x < area.w; x++)
            cls[y * area.w + x] = (signed char)fxv_palette_index(fxv_pixel(f, area.x + x, area.y + y));
    for (int i = 0; i < n; i++) {
        if (seen[i] || cls[i] < 0) continue;
        int top = 0, size = 0;
        stack[top++] = i;
        seen[i] = true;
        while (top) {
            int p = stack[--top], px = p % area.w, py = p / area.w;
            size++;
            const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (int k = 0; k < 4; k++) {
                int qx = px + nb[k][0], qy = py + nb[k][1];
                if (qx < 0 || qy < 0 || qx >= area.w || qy >= area.h) continue;
                int q = qy * area.w + qx;
                if (!seen[q] && cls[q] == cls[i]) {
                    seen[q] = true;
                    stack[top++] = q;
                }
            }
        }
        if (size >= min_px) found++;
    }
    free(cls);
    free(seen);
    free(stack);
    return found;
}

/* The colour at a node's centre (slightly off: a crashed node's cross
 * runs through the centre). */
static inline SDL_Color fxv_node_colour(const fx_view *f, int node_id) {
    float x, y;
    view__app_node_pos(f->a, node_id, &x, &y);
    float r = view__app_node_radius(f->a);
    return fxv_pixel(f, (int)(x + r / 2), (int)y);
}

static inline void fxv_click_at(int x, int y) {
    SDL_Event e = {0};
    e.type = SDL_MOUSEMOTION;
    e.motion.x = x;
    e.motion.y = y;
    SDL_PushEvent(&e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = SDL_PRESSED;
    e.button.x = x;
    e.button.y = y;
    SDL_PushEvent(&e);
    e.type = SDL_MOUSEBUTTONUP;
    e.button.state = SDL_RELEASED;
    SDL_PushEvent(&e);
}

static inline void fxv_click_node(fx_view *f, int node_id) {
    float x, y;
    view__app_node_pos(f->a, node_id, &x, &y);
    fxv_click_at((int)x, (int)y);
    fxv_frame(f, 0);
}

/* Clicks the button of an action as drawn in the last frame; false if it
 * is not on screen. */
static inline bool fxv_click_action(fx_view *f, view_action act, int arg) {
    SDL_Rect r;
    if (!view__ui_rect(&f->a->ui, act, arg, &r)) return false;
    fxv_click_at(r.x + r.w / 2, r.y + r.h / 2);
    fxv_frame(f, 0);
    fxv_frame(f, 0);
    return true;
}

static inline void fxv_type(const char *text) {
    SDL_Event e = {0};
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "%s", text);
    SDL_PushEvent(&e);
}

static inline void fxv_key(SDL_Keycode k) {
    SDL_Event e = {0};
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    SDL_PushEvent(&e);
}

static inline node_snapshot fxv_snap(fx_view *f, int node_id) {
    node_snapshot s;
    node_snapshot_get(sim_node(f->a->sim, node_id), &s);
    node_snapshot_release(&s); /* the scalar fields stay valid */
    return s;
}

/* Runs the cases, then lets go of SDL_ttf and SDL (so leak checks see
 * only what the view itself kept). */
static inline int fxv_main(const test_case *cases, int argc, char **argv) {
    int code = check__run(cases, argc, argv);
    TTF_Quit();
    SDL_Quit();
    return code;
}

#endif
