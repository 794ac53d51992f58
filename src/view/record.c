/* record.c - the window's frames as an animated GIF (see record.h).
 *
 * Frames: the view is built on a plain surface with SDL's software
 * renderer, as for --screenshot; the scenario runs in the virtual executor
 * to --from, and then each frame is one view__app_update with the playback
 * clock 1/fps s further on, so sim time moves speed/fps per frame exactly
 * as in a window running at that frame rate, and the same drawing code
 * renders it.
 *
 * Colours: a GIF holds 256 colours. Dithering the window's frames into a
 * fixed palette turns text into speckled mush, so the palette is made for
 * each file from the colours the frames really hold: a first pass renders
 * every frame and counts its colours, the palette takes them most frequent
 * first (the background, panels, text and branch colours, each exactly),
 * at first only those far enough from the ones already taken, then closer
 * ones, until 255 are chosen; every pixel then maps to its nearest entry,
 * without dithering, so an anti-aliased edge stays a clean edge. The second
 * pass renders the same frames again (the run is deterministic) and
 * encodes them. Index 255 is transparent.
 *
 * Size: after the first frame, each frame stores only the rectangle that
 * changed, with the pixels that did not change inside it transparent (long
 * runs of one index, which LZW packs well), drawn over the frame before.
 *
 * Timing: GIF delays are hundredths of a second; frame k lasts
 * (k+1)*100/fps - k*100/fps of them (integer division), so the delays add
 * up to the recording's length at any fps; the last frame is held
 * RECORD_END_HOLD_CS longer, so the end is seen before the loop restarts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gif_lib.h>

#include "util/mem.h"
#include "view/record.h"
#include "view/view_int.h"

#define REC_W 1280
#define REC_H 800
#define REC_COLOURS 255          /* index 255 is the transparent one */
#define REC_TRANSPARENT 255

/* ------------------------------------------------------- colour table */

/* rgb -> value, open addressing; a key is rgb | 1 << 24 (0: empty slot). */
typedef struct rec__table {
    uint32_t *keys;
    uint64_t *vals;
    size_t cap, n;
} rec__table;

static void rec__table_init(rec__table *t) {
    t->cap = 1024;
    t->n = 0;
    t->keys = xcalloc(t->cap, sizeof *t->keys);
    t->vals = xcalloc(t->cap, sizeof *t->vals);
}

static void rec__table_cleanup(rec__table *t) {
    free(t->keys);
    free(t->vals);
}

static size_t rec__slot(const rec__table *t, uint32_t key) {
    size_t i = (size_t)(key * 2654435761u) & (t->cap - 1);
    while (t->keys[i] && t->keys[i] != key) i = (i + 1) & (t->cap - 1);
    return i;
}

/* The value of rgb; *found says whether it was there (else a new 0). */
static uint64_t *rec__at(rec__table *t, uint32_t rgb, bool *found) {
    uint32_t key = rgb | 1u << 24;
    size_t i = rec__slot(t, key);
    *found = t->keys[i] != 0;
    if (*found) return &t->vals[i];
    if (2 * (t->n + 1) > t->cap) {
        rec__table big = {xcalloc(t->cap * 2, sizeof *big.keys),
                          xcalloc(t->cap * 2, sizeof *big.vals), t->cap * 2, t->n};
        for (size_t j = 0; j < t->cap; j++)
            if (t->keys[j]) {
                size_t k = rec__slot(&big, t->keys[j]);
                big.keys[k] = t->keys[j];
                big.vals[k] = t->vals[j];
            }
        rec__table_cleanup(t);
        *t = big;
        i = rec__slot(t, key);
    }
    t->keys[i] = key;
    t->vals[i] = 0;
    t->n++;
    return &t->vals[i];
}

/* ------------------------------------------------------------ frames */

typedef struct rec__frames {
    SDL_Surface *surf;
    SDL_Renderer *r;
    view_app *a;
    int fps;
    int64_t to_us;
    int k;                   /* frames drawn */
    bool done;
} rec__frames;

static void rec__frames_close(rec__frames *f) {
    if (f->a) view__app_free(f->a);
    if (f->r) SDL_DestroyRenderer(f->r);
    SDL_FreeSurface(f->surf);
    TTF_Quit();
    memset(f, 0, sizeof *f);
}

/* The view, run to the first frame's time. */
static bool rec__frames_open(rec__frames *f, const view_options *vo, const view_record_options *ro,
                             int w, int h, char *err, size_t err_len) {
    memset(f, 0, sizeof *f);
    f->fps = ro->fps;
    f->to_us = ro->to_us;
    f->surf = view__frame_surface(w, h);
    f->r = f->surf ? SDL_CreateSoftwareRenderer(f->surf) : NULL;
    if (!f->r) {
        snprintf(err, err_len, "--record: %s", SDL_GetError());
        rec__frames_close(f);
        return false;
    }
    f->a = view__app_new(vo, f->r, w, h, err, err_len);
    if (!f->a) {
        rec__frames_close(f);
        return false;
    }
    view__app_run_to(f->a, ro->from_us);
    if (f->a->finished && f->a->now_us < ro->from_us) {
        snprintf(err, err_len, "--from %.3f: the run ends at %.3f s, before the first frame",
                 (double)ro->from_us / 1e6, (double)f->a->now_us / 1e6);
        rec__frames_close(f);
        return false;
    }
    return true;
}

/* Draws the next frame onto f->surf; false once there is none. */
static bool rec__frames_next(rec__frames *f) {
    if (f->done) return false;
    view__app_update(f->a, (int64_t)f->k * 1000000 / f->fps);
    if (f->k > 0 && f->to_us >= 0 && f->a->now_us > f->to_us) return false;
    view__app_draw(f->a);
    SDL_RenderPresent(f->r);
    f->k++;
    f->done = f->a->finished; /* this frame shows the end */
    return true;
}

static uint32_t rec__rgb(const SDL_Surface *s, int x, int y) {
    const Uint32 *row = (const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch);
    return row[x] & 0xffffffu;
}

/* Counts the frame's colours, a run of one colour at a time. */
static void rec__count(rec__table *hist, const SDL_Surface *s) {
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w;) {
            uint32_t c = rec__rgb(s, x, y);
            int run = 1;
            while (x + run < s->w && rec__rgb(s, x + run, y) == c) run++;
            bool found;
            *rec__at(hist, c, &found) += (uint64_t)run;
            x += run;
        }
}

/* ----------------------------------------------------------- palette */

typedef struct rec__entry {
    uint32_t rgb;
    uint64_t count;
} rec__entry;

static int rec__by_count(const void *pa, const void *pb) {
    const rec__entry *a = pa, *b = pb;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return (a->rgb > b->rgb) - (a->rgb < b->rgb);
}

static int rec__dist2(uint32_t a, uint32_t b) {
    int dr = (int)(a >> 16 & 255) - (int)(b >> 16 & 255);
    int dg = (int)(a >> 8 & 255) - (int)(b >> 8 & 255), db = (int)(a & 255) - (int)(b & 255);
    return dr * dr + dg * dg + db * db;
}

/* Up to REC_COLOURS colours from the counts into pal; returns how many. */
static int rec__palette(const rec__table *hist, uint32_t *pal) {
    rec__entry *e = xmalloc((hist->n + 1) * sizeof *e);
    size_t n = 0;
    for (size_t i = 0; i < hist->cap; i++)
        if (hist->keys[i]) e[n++] = (rec__entry){hist->keys[i] & 0xffffffu, hist->vals[i]};
    qsort(e, n, sizeof *e, rec__by_count);
    bool *taken = xcalloc(n + 1, sizeof *taken);
    static const int min_d2[] = {48 * 48, 24 * 24, 12 * 12, 0};
    int k = 0;
    for (size_t pass = 0; pass < sizeof min_d2 / sizeof min_d2[0]; pass++)
        for (size_t i = 0; i < n && k < REC_COLOURS; i++) {
            if (taken[i]) continue;
            int j = 0;
            while (j < k && rec__dist2(pal[j], e[i].rgb) >= min_d2[pass] && min_d2[pass] > 0) j++;
            if (min_d2[pass] > 0 && j < k) continue;
            pal[k++] = e[i].rgb;
            taken[i] = true;
        }
    free(taken);
    free(e);
    return k;
}

/* The nearest palette entry of each pixel (remembered per colour). */
static void rec__index(rec__table *cache, const uint32_t *pal, int n_pal, const SDL_Surface *s,
                       uint8_t *out) {
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            uint32_t c = rec__rgb(s, x, y);
            bool found;
            uint64_t *v = rec__at(cache, c, &found);
            if (!found) {
                int best = 0;
                for (int j = 1; j < n_pal; j++)
                    if (rec__dist2(pal[j], c) < rec__dist2(pal[best], c)) best = j;
                *v = (uint64_t)best;
            }
            out[(size_t)y * (size_t)s->w + (size_t)x] = (uint8_t)*v;
        }
}

/* --------------------------------------------------------------- GIF */

static GifFileType *rec__gif_open(const char *path, int w, int h, const uint32_t *pal, int n_pal,
                                  char *err, size_t err_len) {
    int code = 0;
    /* opened here, not by giflib, which would make it private (0600) */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        return NULL;
    }
    GifFileType *gif = EGifOpenFileHandle(fd, &code);
    if (!gif) {
        snprintf(err, err_len, "cannot write %s: %s", path, GifErrorString(code));
        close(fd);
        return NULL;
    }
    EGifSetGifVersion(gif, true); /* GIF89a: delays, transparency, looping */
    ColorMapObject *map = GifMakeMapObject(256, NULL);
    for (int i = 0; i < 256; i++) {
        uint32_t c = i < n_pal ? pal[i] : 0;
        map->Colors[i] = (GifColorType){(GifByteType)(c >> 16), (GifByteType)(c >> 8),
                                        (GifByteType)c};
    }
    static const GifByteType loop[3] = {1, 0, 0}; /* play forever */
    bool ok = EGifPutScreenDesc(gif, w, h, 8, 0, map) == GIF_OK &&
              EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK &&
              EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_OK &&
              EGifPutExtensionBlock(gif, 3, loop) == GIF_OK &&
              EGifPutExtensionTrailer(gif) == GIF_OK;
    GifFreeMapObject(map);
    if (!ok) {
        snprintf(err, err_len, "cannot write %s: %s", path, GifErrorString(gif->Error));
        EGifCloseFile(gif, &code);
        return NULL;
    }
    return gif;
}

/* One frame: all of it (prev NULL), else the rectangle that differs from
 * prev, unchanged pixels transparent. */
static bool rec__gif_frame(GifFileType *gif, const uint8_t *cur, const uint8_t *prev, int w, int h,
                           int delay_cs) {
    int x0 = 0, y0 = 0, x1 = w - 1, y1 = h - 1;
    if (prev) {
        x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (cur[(size_t)y * w + x] != prev[(size_t)y * w + x]) {
                    if (x < x0) x0 = x;
                    if (x > x1) x1 = x;
                    if (y < y0) y0 = y;
                    if (y > y1) y1 = y;
                }
        if (x1 < 0) x0 = y0 = x1 = y1 = 0; /* nothing changed: one transparent pixel */
    }
    GraphicsControlBlock gcb = {.DisposalMode = DISPOSE_DO_NOT, .UserInputFlag = false,
                                .DelayTime = delay_cs,
                                .TransparentColor = prev ? REC_TRANSPARENT : NO_TRANSPARENT_COLOR};
    GifByteType ext[4];
    EGifGCBToExtension(&gcb, ext);
    int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_OK ||
        EGifPutImageDesc(gif, x0, y0, bw, bh, false, NULL) != GIF_OK)
        return false;
    GifByteType *line = xmalloc((size_t)bw);
    bool ok = true;
    for (int y = y0; y <= y1 && ok; y++) {
        for (int x = x0; x <= x1; x++) {
            uint8_t v = cur[(size_t)y * w + x];
            line[x - x0] = prev && v == prev[(size_t)y * w + x] ? REC_TRANSPARENT : v;
        }
        ok = EGifPutLine(gif, line, bw) == GIF_OK;
    }
    free(line);
    return ok;
}

/* ------------------------------------------------------------- entry */

/* Pass 1: the number of frames and their colours. */
static bool rec__survey(const view_options *vo, const view_record_options *ro, int w, int h,
                        rec__table *hist, int *n_frames, char *err, size_t err_len) {
    rec__frames f;
    if (!rec__frames_open(&f, vo, ro, w, h, err, err_len)) return false;
    *n_frames = 0;
    /* with --to the count is known before drawing any */
    double step_us = 1e6 * f.a->speed / ro->fps;
    bool too_many =
        ro->to_us >= 0 && (double)(ro->to_us - ro->from_us) / step_us >= RECORD_MAX_FRAMES;
    while (!too_many && rec__frames_next(&f)) {
        too_many = ++*n_frames > RECORD_MAX_FRAMES;
        if (!too_many) rec__count(hist, f.surf);
    }
    if (too_many) {
        snprintf(err, err_len,
                 "--record: more than %d frames; record less (--from, --to), faster "
                 "(--speed) or with fewer frames per second (--fps)",
                 RECORD_MAX_FRAMES);
        rec__frames_close(&f);
        return false;
    }
    rec__frames_close(&f);
    return true;
}

/* Pass 2: the same frames, encoded. */
static bool rec__encode(const view_options *vo, const view_record_options *ro, int w, int h,
                        const uint32_t *pal, int n_pal, int n_frames, const char *path, char *err,
                        size_t err_len) {
    GifFileType *gif = rec__gif_open(path, w, h, pal, n_pal, err, err_len);
    if (!gif) return false;
    rec__frames f;
    bool ok = rec__frames_open(&f, vo, ro, w, h, err, err_len);
    uint8_t *cur = xmalloc((size_t)w * h), *prev = xmalloc((size_t)w * h);
    rec__table cache;
    rec__table_init(&cache);
    for (int k = 0; ok && k < n_frames; k++) {
        if (!rec__frames_next(&f)) {
            snprintf(err, err_len, "--record: the second pass drew %d frames, the first %d", k,
                     n_frames);
            ok = false;
            break;
        }
        rec__index(&cache, pal, n_pal, f.surf, cur);
        int delay = (k + 1) * 100 / ro->fps - k * 100 / ro->fps;
        if (k == n_frames - 1) delay += RECORD_END_HOLD_CS;
        ok = rec__gif_frame(gif, cur, k ? prev : NULL, w, h, delay);
        if (!ok) snprintf(err, err_len, "cannot write %s: %s", path, GifErrorString(gif->Error));
        uint8_t *t = prev;
        prev = cur;
        cur = t;
    }
    rec__table_cleanup(&cache);
    free(cur);
    free(prev);
    if (f.a) rec__frames_close(&f);
    int code = 0;
    if (EGifCloseFile(gif, &code) != GIF_OK && ok) {
        snprintf(err, err_len, "cannot write %s: %s", path, GifErrorString(code));
        ok = false;
    }
    return ok;
}

int view_record(const view_options *o, const view_record_options *r) {
    view_record_options ro = *r;
    if (ro.fps <= 0) ro.fps = RECORD_DEFAULT_FPS;
    view_options vo = *o;
    vo.executor_set = true;
    vo.executor = SIM_VIRTUAL; /* deterministic: the frames depend on the seed only */
    int w = o->width > 0 ? o->width : REC_W, h = o->height > 0 ? o->height : REC_H;
    char err[1024];
    rec__table hist;
    rec__table_init(&hist);
    uint32_t pal[REC_COLOURS];
    int n_frames = 0, n_pal = 0;
    bool ok = rec__survey(&vo, &ro, w, h, &hist, &n_frames, err, sizeof err);
    if (ok) n_pal = rec__palette(&hist, pal);
    rec__table_cleanup(&hist);
    size_t len = strlen(ro.gif_path) + 8;
    char *tmp = xmalloc(len);
    snprintf(tmp, len, "%s.part", ro.gif_path);
    if (ok) ok = rec__encode(&vo, &ro, w, h, pal, n_pal, n_frames, tmp, err, sizeof err);
    if (ok && rename(tmp, ro.gif_path) != 0) {
        snprintf(err, sizeof err, "cannot write %s: %s", ro.gif_path, strerror(errno));
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        fprintf(stderr, "chainsim: %s\n", err);
    }
    free(tmp);
    return ok ? 0 : 2;
}
