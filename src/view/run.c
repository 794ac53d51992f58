/* run.c - the two ways main.c uses the view: a window, or one frame as a
 * PNG.
 *
 * The window loop is init, then (events, update, draw, present) until the
 * window closes, then de-init, all on the main thread. Frames are paced by
 * vsync when the renderer has it, else by a sleep to ~60 per second. The
 * renderer is the GPU's when there is one, else SDL's software renderer
 * (set SDL_RENDER_DRIVER to choose).
 *
 * A screenshot needs no display at all: the software renderer draws into a
 * plain surface, the scenario runs in the virtual executor to the asked sim
 * time, and the same drawing code renders the frame. With a seed the
 * picture is the same on every run and machine that has the same font.
 * The surface has no alpha channel (a frame is opaque) and cairo writes it
 * as an RGB PNG: its pixel layout is cairo's RGB24, so no copy is made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "net/mbox.h"
#include "view/view_int.h"

#define RUN_DEFAULT_W 1280
#define RUN_DEFAULT_H 800
#define RUN_FRAME_US 16666

static void run__size(const view_options *o, int *w, int *h) {
    *w = o->width > 0 ? o->width : RUN_DEFAULT_W;
    *h = o->height > 0 ? o->height : RUN_DEFAULT_H;
}

static void run__title(SDL_Window *win, const view_app *a) {
    char title[256];
    snprintf(title, sizeof title, "chainsim - %s", a->have_scn && a->scn.name ? a->scn.name : "");
    SDL_SetWindowTitle(win, title);
}

/* SDL falls back to drivers that draw nowhere (offscreen, dummy) when
 * there is no display; a window there is only wanted if asked for by name. */
static bool run__displayless(void) {
    const char *driver = SDL_GetCurrentVideoDriver();
    const char *asked = SDL_getenv("SDL_VIDEODRIVER");
    if (!driver) return true;
    if (strcmp(driver, "offscreen") != 0 && strcmp(driver, "dummy") != 0) return false;
    return !asked || strcmp(asked, driver) != 0;
}

/* True if the GL driver behind an "opengl" renderer rasterises on the CPU
 * (Mesa's llvmpipe/softpipe: Xvfb, remote X, no GPU). Drawn through GL that
 * way, a frame of 1,000 nodes takes ~200 ms; SDL's own software renderer
 * takes ~10. */
static bool run__gl_in_software(SDL_Renderer *r) {
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(r, &info) != 0 || strncmp(info.name, "opengl", 6) != 0) return false;
    typedef const unsigned char *(*gl_get_string_fn)(unsigned int);
    gl_get_string_fn get = (gl_get_string_fn)SDL_GL_GetProcAddress("glGetString");
    const char *name = get ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") || strstr(name, "Software"));
}

SDL_Renderer *view__window_renderer(SDL_Window *win, bool *vsync) {
    SDL_Renderer *r = SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (r && !SDL_getenv("SDL_RENDER_DRIVER") && run__gl_in_software(r)) {
        SDL_DestroyRenderer(r);
        r = NULL;
    }
    if (!r) r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    SDL_RendererInfo info;
    *vsync = r && SDL_GetRendererInfo(r, &info) == 0 && (info.flags & SDL_RENDERER_PRESENTVSYNC);
    return r;
}

SDL_Surface *view__frame_surface(int w, int h) {
    return SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
}

bool view__frame_png(SDL_Surface *s, const char *path, char *err, size_t err_len) {
    if (s->format->format != SDL_PIXELFORMAT_RGB888 ||
        s->pitch != cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, s->w)) {
        snprintf(err, err_len, "%s: not a frame surface", path);
        return false;
    }
    SDL_LockSurface(s);
    cairo_surface_t *c = cairo_image_surface_create_for_data(s->pixels, CAIRO_FORMAT_RGB24, s->w, s->h, s->pitch);
    cairo_status_t st = cairo_surface_status(c);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_write_to_png(c, path);
    cairo_surface_destroy(c);
    SDL_UnlockSurface(s);
    if (st != CAIRO_STATUS_SUCCESS) snprintf(err, err_len, "%s: %s", path, cairo_status_to_string(st));
    return st == CAIRO_STATUS_SUCCESS;
}

int view_main(const view_options *o) {
    char err[1024];
    if (!view__scenario_check(o->scenario_path, err, sizeof err)) {
        fprintf(stderr, "chainsim: %s\n", err); /* before any window: a typo needs no display */
        return 2;
    }
    /* No display named and no driver asked for: say so before SDL tries
     * Wayland, whose library prints its own complaint (XDG_RUNTIME_DIR) first. */
    bool none = !SDL_getenv("DISPLAY") && !SDL_getenv("WAYLAND_DISPLAY") && !SDL_getenv("SDL_VIDEODRIVER");
    bool up = !none && SDL_Init(SDL_INIT_VIDEO) == 0;
    if (none || !up || run__displayless()) {
        fprintf(stderr,
                "chainsim: cannot open a window: %s\n"
                "  Use --headless to run without a window, or\n"
                "  --screenshot FILE.png [--at SECONDS] to render a frame without a display.\n",
                none || up ? "no display (DISPLAY or WAYLAND_DISPLAY is not set)" : SDL_GetError());
        if (!none) SDL_Quit();
        return 2;
    }
    int w, h;
    run__size(o, &w, &h);
    SDL_Window *win = SDL_CreateWindow("chainsim", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                       w, h, SDL_WINDOW_RESIZABLE);
    if (!win) {
        fprintf(stderr, "chainsim: cannot open a window: %s (use --headless or --screenshot)\n",
                SDL_GetError());
        SDL_Quit();
        return 2;
    }
    bool vsync;
    SDL_Renderer *r = view__window_renderer(win, &vsync);
    if (!r) {
        fprintf(stderr, "chainsim: no renderer for the window: %s\n", SDL_GetError());
        SDL_DestroyWindow(win);
        SDL_Quit();
        return 2;
    }
    SDL_GetRendererOutputSize(r, &w, &h);
    view_app *a = view__app_new(o, r, w, h, err, sizeof err);
    if (!a) {
        fprintf(stderr, "chainsim: %s\n", err);
        SDL_DestroyRenderer(r);
        SDL_DestroyWindow(win);
        TTF_Quit();
        SDL_Quit();
        return 2;
    }
    SDL_StartTextInput();
    view__app_start(a);
    run__title(win, a);
    int64_t start = clock_now_us();
    while (!a->quit) {
        int64_t frame_start = clock_now_us();
        SDL_Event e;
        while (SDL_PollEvent(&e)) {
            bool load = e.type == SDL_DROPFILE;
            view__app_event(a, &e);
            if (load) run__title(win, a);
        }
        int ow, oh;
        if (SDL_GetRendererOutputSize(r, &ow, &oh) == 0 && (ow != a->w || oh != a->h))
            view__app_resize(a, ow, oh);
        view__app_update(a, clock_now_us());
        view__app_draw(a);
        SDL_RenderPresent(r);
        if (o->quit_after_us > 0 && clock_now_us() - start >= o->quit_after_us) a->quit = true;
        int64_t spent = clock_now_us() - frame_start;
        if (!vsync && spent < RUN_FRAME_US) SDL_Delay((Uint32)((RUN_FRAME_US - spent) / 1000));
    }
    SDL_StopTextInput();
    view__app_free(a);
    SDL_DestroyRenderer(r);
    SDL_DestroyWindow(win);
    TTF_Quit();
    SDL_Quit();
    return 0;
}

int view_screenshot(const view_options *o, const char *png_path) {
    int w, h;
    run__size(o, &w, &h);
    view_options vo = *o;
    vo.executor_set = true;
    vo.executor = SIM_VIRTUAL; /* deterministic: the frame depends on the seed only */
    SDL_Surface *surf = view__frame_surface(w, h);
    SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    if (!r) {
        fprintf(stderr, "chainsim: --screenshot: %s\n", SDL_GetError());
        SDL_FreeSurface(surf);
        return 2;
    }
    char err[1024];
    view_app *a = view__app_new(&vo, r, w, h, err, sizeof err);
    if (!a) {
        fprintf(stderr, "chainsim: %s\n", err);
        SDL_DestroyRenderer(r);
        SDL_FreeSurface(surf);
        TTF_Quit();
        return 2;
    }
    view__app_run_to(a, o->at_us >= 0 ? o->at_us : INT64_MAX);
    view__app_update(a, 0);
    view__app_draw(a);
    SDL_RenderPresent(r);
    int code = 0;
    if (!view__frame_png(surf, png_path, err, sizeof err)) {
        fprintf(stderr, "chainsim: --screenshot %s\n", err);
        code = 2;
    }
    view__app_free(a);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
    TTF_Quit();
    return code;
}
