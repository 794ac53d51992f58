/* text.c - fonts, and a cache of rendered strings.
 *
 * The font is the one given with --font, else DejaVu Sans from Debian's
 * fonts-dejavu-core, else whatever fontconfig matches for "sans"; the
 * monospaced face (hashes) is DejaVu Sans Mono next to it when present.
 *
 * Rendering a string with SDL_ttf costs far more than drawing it, and most
 * of a frame's strings are the last frame's, so each (face, colour, text)
 * becomes a texture once and is reused; strings not drawn for a while are
 * dropped, least recently used first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"
#include "view/view_int.h"

#define TEXT_DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define TEXT_DEJAVU_MONO "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define TEXT_KEEP_FRAMES 90   /* unused this long: may go */
#define TEXT_MIN_ENTRIES 256  /* never trim below this */
#define TEXT_MAX_ENTRIES 4096 /* never grow beyond (least recent go first) */

static const int text__pt[VF_COUNT] = {11, 13, 17, 12};

struct view_text_entry {
    SDL_Texture *tex;
    int w, h;
    uint64_t used;
    view_text_entry *prev, *next; /* LRU list, most recent first */
    size_t key_len;
    char key[]; /* face, r, g, b, a, then the string */
};

static bool text__readable(const char *path) { return path && access(path, R_OK) == 0; }

char *view__font_find(const char *requested, char *err, size_t err_len) {
    if (requested) {
        if (text__readable(requested)) return xstrdup(requested);
        snprintf(err, err_len, "--font %s: cannot read the file", requested);
        return NULL;
    }
    if (text__readable(TEXT_DEJAVU)) return xstrdup(TEXT_DEJAVU);
    FILE *p = popen("fc-match -f '%{file}' sans 2>/dev/null", "r");
    if (p) {
        char path[1024];
        size_t n = fread(path, 1, sizeof path - 1, p);
        pclose(p);
        path[n] = '\0';
        if (n > 0 && text__readable(path)) return xstrdup(path);
    }
    snprintf(err, err_len,
             "no font found: install DejaVu Sans (Debian: apt-get install fonts-dejavu-core) "
             "or give one with --font FILE.ttf");
    return NULL;
}

bool view__text_init(view_text *t, SDL_Renderer *r, const char *path, char *err, size_t err_len) {
    memset(t, 0, sizeof *t);
    t->r = r;
    hmap_init(&t->cache);
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(err, err_len, "SDL_ttf: %s", TTF_GetError());
        return false;
    }
    t->path = xstrdup(path);
    /* the mono face: DejaVu Sans Mono beside the chosen font, else the font */
    const char *mono = text__readable(TEXT_DEJAVU_MONO) ? TEXT_DEJAVU_MONO : path;
    t->mono_path = xstrdup(mono);
    for (int f = 0; f < VF_COUNT; f++) {
        t->fonts[f] = TTF_OpenFont(f == VF_MONO ? t->mono_path : t->path, text__pt[f]);
        if (!t->fonts[f]) {
            snprintf(err, err_len, "%s: not a font SDL_ttf can open (%s)",
                     f == VF_MONO ? t->mono_path : t->path, TTF_GetError());
            view__text_cleanup(t);
            return false;
        }
    }
    return true;
}

static void text__unlink(view_text *t, view_text_entry *e) {
    if (e->prev) e->prev->next = e->next;
    else t->lru = e->next;
    if (e->next) e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

static void text__push_front(view_text *t, view_text_entry *e) {
    e->prev = NULL;
    e->next = t->lru;
    if (t->lru) t->lru->prev = e;
    t->lru = e;
}

static void text__evict(view_text *t, view_text_entry *e) {
    text__unlink(t, e);
    hmap_del(&t->cache, e->key, e->key_len);
    if (e->tex) SDL_DestroyTexture(e->tex);
    free(e);
    t->n_entries--;
}

void view__text_cleanup(view_text *t) {
    while (t->lru) text__evict(t, t->lru);
    hmap_cleanup(&t->cache);
    for (int f = 0; f < VF_COUNT; f++)
        if (t->fonts[f]) TTF_CloseFont(t->fonts[f]);
    free(t->path);
    free(t->mono_path);
    memset(t, 0, sizeof *t);
}

static view_text_entry *text__get(view_text *t, view_font_size f, SDL_Color c, const char *s) {
    size_t len = strlen(s);
    char stack[256];
    size_t key_len = 5 + len;
    char *key = key_len <= sizeof stack ? stack : xmalloc(key_len);
    key[0] = (char)f;
    key[1] = (char)c.r;
    key[2] = (char)c.g;
    key[3] = (char)c.b;
    key[4] = (char)c.a;
    memcpy(key + 5, s, len);
    view_text_entry *e = hmap_get(&t->cache, key, key_len);
    if (!e) {
        e = xcalloc(1, sizeof *e + key_len);
        e->key_len = key_len;
        memcpy(e->key, key, key_len);
        SDL_Surface *surf = TTF_RenderUTF8_Blended(t->fonts[f], s, c);
        if (surf) {
            e->tex = SDL_CreateTextureFromSurface(t->r, surf);
            e->w = surf->w;
            e->h = surf->h;
            SDL_FreeSurface(surf);
        }
        hmap_put(&t->cache, e->key, e->key_len, e);
        text__push_front(t, e);
        t->n_entries++;
        if (t->n_entries > TEXT_MAX_ENTRIES) {
            view_text_entry *last = t->lru;
            while (last->next) last = last->next;
            text__evict(t, last);
        }
    } else if (t->lru != e) {
        text__unlink(t, e);
        text__push_front(t, e);
    }
    e->used = t->frame;
    if (key != stack) free(key);
    return e;
}

int view__text(view_text *t, view_font_size f, SDL_Color c, int x, int y, const char *s) {
    if (!s || !*s) return 0;
    view_text_entry *e = text__get(t, f, c, s);
    if (e->tex) SDL_RenderCopy(t->r, e->tex, NULL, &(SDL_Rect){x, y, e->w, e->h});
    return e->w;
}

int view__text_width(view_text *t, view_font_size f, const char *s) {
    if (!s || !*s) return 0;
    /* measured strings are nearly always drawn too: measure by rendering
     * once into the cache (white; the size does not depend on the colour) */
    return text__get(t, f, (SDL_Color){255, 255, 255, 255}, s)->w;
}

int view__text_height(view_text *t, view_font_size f) { return TTF_FontHeight(t->fonts[f]); }

void view__text_frame(view_text *t) {
    t->frame++;
    if (t->n_entries <= TEXT_MIN_ENTRIES || !t->lru) return;
    view_text_entry *e = t->lru;
    while (e->next) e = e->next;
    while (e && t->n_entries > TEXT_MIN_ENTRIES && e->used + TEXT_KEEP_FRAMES < t->frame) {
        view_text_entry *prev = e->prev;
        text__evict(t, e);
        e = prev;
    }
}

int view__text_wrapped(view_text *t, view_font_size f, SDL_Color c, int x, int y, int max_w,
                       const char *s) {
    int line_h = view__text_height(t, f);
    char line[512];
    size_t len = 0;
    int lines = 0;
    const char *p = s;
    while (*p) {
        const char *word_end = p;
        while (*word_end && *word_end != ' ') word_end++;
        size_t wl = (size_t)(word_end - p);
        char trial[512];
        if (len + 1 + wl >= sizeof trial) wl = sizeof trial - len - 2;
        memcpy(trial, line, len);
        size_t tl = len;
        if (tl) trial[tl++] = ' ';
        memcpy(trial + tl, p, wl);
        tl += wl;
        trial[tl] = '\0';
        if (len && view__text_width(t, f, trial) > max_w) {
            line[len] = '\0';
            view__text(t, f, c, x, y + lines * line_h, line);
            lines++;
            memcpy(line, p, wl);
            len = wl;
        } else {
            memcpy(line, trial, tl);
            len = tl;
        }
        p = *word_end ? word_end + 1 : word_end;
    }
    if (len) {
        line[len] = '\0';
        view__text(t, f, c, x, y + lines * line_h, line);
        lines++;
    }
    return lines * line_h;
}
