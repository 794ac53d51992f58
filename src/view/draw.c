/* draw.c - the colour theme and the few shapes the view is made of.
 *
 * Everything is drawn with SDL_Renderer calls that every renderer has,
 * software included: rectangles, lines, and triangles (SDL_RenderGeometry)
 * for discs and polygons. A disc is a fan of triangles in its colour plus a
 * thin outer band that fades to transparent, so edges look smooth without
 * blurring the colour inside: the centre pixels are exactly the colour
 * asked for, which is what the render tests probe.
 *
 * The graph's node discs are many (1,000 and more), and triangles are slow
 * in the software renderer, so those are sprites instead: one white disc
 * texture per radius (alpha = coverage at the edge, opaque inside), tinted
 * per node with a colour mod, copied without scaling. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#include "view/view_int.h"

#define RGB(r, g, b) {r, g, b, 255}
/* An out/palette.h colour (0xRRGGBB), opaque. */
#define PAL(rgb) {(Uint8)((rgb) >> 16 & 255u), (Uint8)((rgb) >> 8 & 255u), (Uint8)((rgb) & 255u), 255}

const view_theme view__theme_dark = {
    .bg = RGB(0x15, 0x17, 0x1d),
    .panel = RGB(0x1f, 0x23, 0x2c),
    .panel_edge = RGB(0x34, 0x3a, 0x48),
    .text = RGB(0xe8, 0xea, 0xee),
    .dim = RGB(0x9a, 0xa2, 0xb0),
    .link = RGB(0x3c, 0x44, 0x55),
    .link_cut = RGB(0xc0, 0x39, 0x2b),
    .accent = PAL(PALETTE_ACCENT),
    .good = PAL(PALETTE_GOOD),
    .bad = PAL(PALETTE_BAD),
    .warn = PAL(PALETTE_WARN),
    .main_fill = RGB(0x2b, 0x3f, 0x5e),
    .main_edge = PAL(PALETTE_MAIN),
    .competing_fill = RGB(0x3a, 0x2b, 0x4a),
    .stale_fill = RGB(0x3d, 0x36, 0x2c),
    .stale_edge = PAL(PALETTE_STALE),
    .bad_fill = RGB(0x8a, 0x1c, 0x1c),
    .miner_ring = RGB(0xff, 0xd7, 0x00),
    .select_ring = RGB(0xff, 0xff, 0xff),
    .msg = {RGB(0xff, 0x8c, 0x1a), RGB(0xd6, 0xe2, 0xff), RGB(0x7b, 0xe0, 0x8e)},
    .drop = RGB(0xff, 0x3b, 0x3b),
    .down = RGB(0x55, 0x58, 0x60),
    .button = RGB(0x2c, 0x33, 0x40),
    .button_hot = RGB(0x3b, 0x47, 0x5c),
};

SDL_Color view__branch_colour(int i) {
    assert(i >= 0 && i < VIEW_PALETTE);
    return (SDL_Color)PAL(palette_branch[i]);
}

SDL_Color view__dim(const view_theme *th, SDL_Color c) {
    return (SDL_Color){(Uint8)((c.r + th->bg.r) / 2), (Uint8)((c.g + th->bg.g) / 2),
                       (Uint8)((c.b + th->bg.b) / 2), 255};
}

#define DRAW_LINKS_FULL 150 /* more links than this: each fainter */

/* Links are drawn first, on the background: a colour mixed towards it looks
 * as a translucent one would, and opaque lines are much cheaper to draw in
 * the software renderer than blended ones. */
SDL_Color view__link_colour(const view_theme *th, size_t n_links) {
    SDL_Color c = th->link;
    if (n_links <= DRAW_LINKS_FULL) return c;
    double k = (double)DRAW_LINKS_FULL / (double)n_links; /* share of the link colour */
    if (k < 0.45) k = 0.45;
    c.r = (Uint8)(th->bg.r + (c.r - th->bg.r) * k);
    c.g = (Uint8)(th->bg.g + (c.g - th->bg.g) * k);
    c.b = (Uint8)(th->bg.b + (c.b - th->bg.b) * k);
    return c;
}

SDL_Color view__node_fill(const view_app *a, int node_id) {
    int c = view__node_colour(&a->model, node_id);
    if (c < 0) return a->theme->down;
    SDL_Color fill = view__branch_colour(c);
    return view__node_behind(&a->model, node_id) > 0 ? view__dim(a->theme, fill) : fill;
}

void view__colour(SDL_Renderer *r, SDL_Color c) {
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

void view__fill(SDL_Renderer *r, SDL_Color c, int x, int y, int w, int h) {
    view__colour(r, c);
    SDL_RenderFillRect(r, &(SDL_Rect){x, y, w, h});
}

void view__frame_rect(SDL_Renderer *r, SDL_Color c, int x, int y, int w, int h) {
    view__colour(r, c);
    SDL_RenderDrawRect(r, &(SDL_Rect){x, y, w, h});
}

#define DISC_MAX_SEGMENTS 48

static int draw__segments(float radius) {
    int n = (int)(radius * 1.6f) + 8;
    return n > DISC_MAX_SEGMENTS ? DISC_MAX_SEGMENTS : n;
}

/* Triangles for an annulus [r0, r1] (r0 = 0: a disc) with colour c0 at r0 and
 * c1 at r1. */
static void draw__band(SDL_Renderer *r, float cx, float cy, float r0, float r1, SDL_Color c0,
                       SDL_Color c1) {
    int n = draw__segments(r1);
    SDL_Vertex v[DISC_MAX_SEGMENTS * 6];
    int k = 0;
    for (int i = 0; i < n; i++) {
        float a0 = 6.2831853f * (float)i / (float)n, a1 = 6.2831853f * (float)(i + 1) / (float)n;
        float c0x = cosf(a0), c0y = sinf(a0), c1x = cosf(a1), c1y = sinf(a1);
        SDL_Vertex in0 = {{cx + r0 * c0x, cy + r0 * c0y}, c0, {0, 0}};
        SDL_Vertex in1 = {{cx + r0 * c1x, cy + r0 * c1y}, c0, {0, 0}};
        SDL_Vertex out0 = {{cx + r1 * c0x, cy + r1 * c0y}, c1, {0, 0}};
        SDL_Vertex out1 = {{cx + r1 * c1x, cy + r1 * c1y}, c1, {0, 0}};
        if (r0 <= 0) {
            v[k++] = (SDL_Vertex){{cx, cy}, c0, {0, 0}};
            v[k++] = out0;
            v[k++] = out1;
        } else {
            v[k++] = in0;
            v[k++] = out0;
            v[k++] = out1;
            v[k++] = in0;
            v[k++] = out1;
            v[k++] = in1;
        }
    }
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_RenderGeometry(r, NULL, v, k, NULL, 0);
}

void view__disc(SDL_Renderer *r, SDL_Color c, float cx, float cy, float radius) {
    SDL_Color clear = c;
    clear.a = 0;
    draw__band(r, cx, cy, 0, radius - 0.5f, c, c);
    draw__band(r, cx, cy, radius - 0.5f, radius + 0.7f, c, clear);
}

void view__ring(SDL_Renderer *r, SDL_Color c, float cx, float cy, float radius, float width) {
    SDL_Color clear = c;
    clear.a = 0;
    draw__band(r, cx, cy, radius - 0.6f, radius, clear, c);
    draw__band(r, cx, cy, radius, radius + width, c, c);
    draw__band(r, cx, cy, radius + width, radius + width + 0.6f, c, clear);
}

void view__line(SDL_Renderer *r, SDL_Color c, float x0, float y0, float x1, float y1) {
    view__colour(r, c);
    SDL_RenderDrawLineF(r, x0, y0, x1, y1);
}

void view__dashed(SDL_Renderer *r, SDL_Color c, float x0, float y0, float x1, float y1,
                  float dash) {
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 1) return;
    view__colour(r, c);
    int n = (int)(len / dash);
    for (int i = 0; i < n; i += 2) {
        float t0 = (float)i * dash / len, t1 = (float)(i + 1) * dash / len;
        if (t1 > 1) t1 = 1;
        SDL_RenderDrawLineF(r, x0 + dx * t0, y0 + dy * t0, x0 + dx * t1, y0 + dy * t1);
    }
}

void view__poly(SDL_Renderer *r, SDL_Color c, const SDL_FPoint *p, int n) {
    SDL_Vertex v[3 * 16];
    int k = 0;
    for (int i = 1; i + 1 < n && k + 3 <= (int)(sizeof v / sizeof v[0]); i++) {
        v[k++] = (SDL_Vertex){p[0], c, {0, 0}};
        v[k++] = (SDL_Vertex){p[i], c, {0, 0}};
        v[k++] = (SDL_Vertex){p[i + 1], c, {0, 0}};
    }
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_RenderGeometry(r, NULL, v, k, NULL, 0);
}

void view__sprites_init(view_sprites *s, SDL_Renderer *r) {
    memset(s, 0, sizeof *s);
    s->r = r;
}

void view__sprites_cleanup(view_sprites *s) {
    for (int i = 0; i < VIEW_SPRITE_SIZES; i++)
        if (s->disc[i]) SDL_DestroyTexture(s->disc[i]);
    memset(s, 0, sizeof *s);
}

/* A white disc of radius k/2 px with an anti-aliased edge, centred in a
 * square of side 2 * ceil(k/2) + 2. */
static SDL_Texture *draw__disc_texture(SDL_Renderer *r, int k) {
    float radius = (float)k / 2;
    int half = (int)ceilf(radius) + 1, side = 2 * half;
    Uint32 *px = xmalloc((size_t)side * (size_t)side * sizeof *px);
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            float dx = (float)x + 0.5f - (float)half, dy = (float)y + 0.5f - (float)half;
            float cover = radius + 0.5f - sqrtf(dx * dx + dy * dy);
            cover = cover < 0 ? 0 : cover > 1 ? 1 : cover;
            px[y * side + x] = (Uint32)(cover * 255.0f + 0.5f) << 24 | 0xffffffu;
        }
    SDL_Texture *t = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, side, side);
    if (t) {
        SDL_UpdateTexture(t, NULL, px, side * (int)sizeof *px);
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    }
    free(px);
    return t;
}

void view__sprite_disc(view_sprites *s, SDL_Color c, float cx, float cy, float radius) {
    int k = (int)(radius * 2 + 0.5f);
    if (k < 2) k = 2;
    if (k >= VIEW_SPRITE_SIZES) {
        view__disc(s->r, c, cx, cy, radius);
        return;
    }
    if (!s->disc[k]) s->disc[k] = draw__disc_texture(s->r, k);
    if (!s->disc[k]) {
        view__disc(s->r, c, cx, cy, radius);
        return;
    }
    int half = (int)ceilf((float)k / 2) + 1;
    SDL_SetTextureColorMod(s->disc[k], c.r, c.g, c.b);
    SDL_RenderCopy(s->r, s->disc[k], NULL,
                   &(SDL_Rect){(int)lroundf(cx) - half, (int)lroundf(cy) - half, 2 * half, 2 * half});
}
