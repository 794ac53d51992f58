/* plot_tree.c - the final block tree as a picture (block_tree.png).
 *
 *   rows     the main chain (the ancestors of metrics' main tip) on the top
 *            row; stale branches on the rows below. A branch is a run of
 *            stale blocks, each child continuing its parent's row except
 *            the second and later children, which start new branches; a
 *            branch takes the lowest row >= 1 that is free from one height
 *            before its first block (so two branches never touch). Blocks
 *            are placed in height order, so a row is free exactly when its
 *            last block is two or more heights back.
 *   columns  one per height while every height fits at PLOT_TREE_MIN_COL_PX
 *            or more. Beyond that, runs of at least PLOT_TREE_FOLD_MIN
 *            "straight" heights (a main block only: no stale block at that
 *            height, no fork) fold into one grey column labelled "+N", so
 *            what remains are the heights where something happened. If even
 *            those are more than the width holds (a long run with many
 *            forks), columns get narrower down to a pixel and several share
 *            one: each block still draws at least one pixel, so no fork
 *            disappears, but neighbours merge. Narrow columns drop what
 *            needs room: links between blocks (under 4 px), the "+N" of a
 *            folded run, which is then drawn as the chain it stands for
 *            (under 8 px), and the gap between boxes (under 3 px), so the
 *            main row reads as one line with the stale rows under it.
 *   colour   the miner, when the nodes are few enough for distinct colours
 *            (a legend names them); else blue for main, orange for stale.
 *            The genesis is grey.
 *
 * With 10,000 blocks at a 1-2% stale rate that leaves a few hundred
 * columns of a few pixels each; 100 blocks fit unfolded. Work and memory
 * are linear in blocks + heights. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "view/plot_int.h"

#define PLOT_TREE_MIN_COL_PX 12 /* narrower than this: fold straight runs */
#define PLOT_TREE_FOLD_MIN 3    /* straight runs at least this long fold */
#define PLOT_TREE_MIN_LANE_PX 3 /* rows beyond what fits at this share the last */
#define PLOT_TREE_MAX_BOX_PX 40
#define PLOT_TREE_LABEL_GAP_PX 70
#define PLOT_TREE_MIN_LINK_COL_PX 4 /* narrower columns: no links drawn */
#define PLOT_TREE_FOLD_LABEL_COL_PX 8 /* narrower: folded runs drawn as plain chain */
#define PLOT_TREE_TOUCH_COL_PX 3 /* narrower: boxes fill their columns */

/* The miners' colours (tab10 with its grey swapped out: grey is the
 * genesis and the folded runs). */
static const uint32_t tree__palette[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                         0x8c564b, 0xe377c2, 0xbcbd22, 0x17becf, 0x393b79};
#define TREE_PALETTE_N ((int)(sizeof tree__palette / sizeof tree__palette[0]))

/* A block of the tree: [0] is the genesis, [i + 1] is m->blocks[i]. */
typedef struct tree__node {
    const block *b;
    int parent;            /* index into the nodes, -1 for none */
    int miner;             /* -1: the genesis */
    int children;
    bool main;
    bool continued;        /* a child carries its row on */
    int lane;
} tree__node;

typedef struct tree__column {
    int64_t h_first, h_last;
    bool folded;
} tree__column;

typedef struct tree__shape {
    tree__node *nodes;
    size_t n;
    int64_t max_h;
    int lanes;
    tree__column *cols;
    size_t n_cols;
    size_t *col_of;        /* height -> column, heights 1..max_h */
    size_t folded_runs;
    int64_t folded_heights;
} tree__shape;

typedef struct tree__key {
    int64_t height;
    size_t index;
} tree__key;

static int tree__by_height(const void *pa, const void *pb) {
    const tree__key *a = pa, *b = pb;
    if (a->height != b->height) return a->height < b->height ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static void tree__nodes(tree__shape *t, const metrics *m) {
    t->n = m->n_blocks + 1;
    t->nodes = xcalloc(t->n, sizeof *t->nodes);
    t->nodes[0] = (tree__node){.b = m->genesis, .parent = -1, .miner = -1, .main = true};
    t->max_h = m->genesis->index;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const block_stat *st = &m->blocks[i];
        const block *p = st->b->parent;
        intptr_t pi = p ? (intptr_t)hmap_get(&m->by_hash, p->hash, SHA256_LEN) : 0;
        int parent = pi ? (int)pi : p == m->genesis ? 0 : -1;
        t->nodes[i + 1] = (tree__node){.b = st->b, .parent = parent, .miner = st->miner,
                                       .main = st->main};
        if (parent >= 0) t->nodes[parent].children++;
        if (st->b->index > t->max_h) t->max_h = st->b->index;
    }
}

static void tree__lanes(tree__shape *t) {
    tree__key *order = xmalloc(t->n * sizeof *order);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!t->nodes[i].main) order[k++] = (tree__key){t->nodes[i].b->index, i};
    qsort(order, k, sizeof *order, tree__by_height);
    int64_t *last_h = xmalloc((k + 2) * sizeof *last_h); /* per row: its last height */
    t->lanes = 1;
    for (size_t j = 0; j < k; j++) {
        tree__node *v = &t->nodes[order[j].index];
        tree__node *p = v->parent >= 0 ? &t->nodes[v->parent] : NULL;
        int lane = 0;
        if (p && !p->main && !p->continued) {
            lane = p->lane;
            p->continued = true;
        } else {
            for (lane = 1; lane < t->lanes && last_h[lane] >= order[j].height - 1; lane++) {}
            if (lane == t->lanes) t->lanes++;
        }
        v->lane = lane;
        last_h[lane] = order[j].height;
    }
    free(last_h);
    free(order);
}

static void tree__columns(tree__shape *t, int area_w) {
    int64_t H = t->max_h;
    bool *busy = xcalloc((size_t)H + 1, sizeof *busy); /* something happens at this height */
    busy[1] = busy[H] = true;
    for (size_t i = 0; i < t->n; i++) {
        const tree__node *v = &t->nodes[i];
        if (!v->main || v->children >= 2) busy[v->b->index] = true;
    }
    bool fold = H * PLOT_TREE_MIN_COL_PX > area_w;
    t->cols = xmalloc((size_t)H * sizeof *t->cols);
    t->col_of = xmalloc(((size_t)H + 1) * sizeof *t->col_of);
    for (int64_t h = 1; h <= H;) {
        int64_t end = h;
        if (fold && !busy[h])
            while (end + 1 <= H && !busy[end + 1]) end++;
        bool folded = end - h + 1 >= PLOT_TREE_FOLD_MIN;
        if (!folded) end = h;
        if (folded) {
            t->folded_runs++;
            t->folded_heights += end - h + 1;
        }
        t->cols[t->n_cols] = (tree__column){h, end, folded};
        for (int64_t x = h; x <= end; x++) t->col_of[x] = t->n_cols;
        t->n_cols++;
        h = end + 1;
    }
    free(busy);
}

static void tree__shape_cleanup(tree__shape *t) {
    free(t->nodes);
    free(t->cols);
    free(t->col_of);
}

/* Where things go on the canvas. */
typedef struct tree__geo {
    float col_w, lane_h, box_w, box_h;
    int max_lane;
    bool dense;            /* no room for "+N": folded runs drawn as chain */
} tree__geo;

static float tree__cx(const plot__canvas *c, const tree__geo *g, size_t col) {
    return (float)c->area.x + g->col_w * ((float)col + 0.5f);
}

static float tree__cy(const plot__canvas *c, const tree__geo *g, int lane) {
    if (lane > g->max_lane) lane = g->max_lane;
    return (float)c->area.y + g->lane_h * ((float)lane + 0.5f);
}

static tree__geo tree__geometry(const plot__canvas *c, const tree__shape *t) {
    tree__geo g;
    g.col_w = (float)c->area.w / (float)t->n_cols;
    g.lane_h = (float)c->area.h / (float)t->lanes;
    if (g.lane_h > PLOT_TREE_LANE_PX) g.lane_h = PLOT_TREE_LANE_PX;
    g.max_lane = t->lanes - 1;
    if (g.lane_h < PLOT_TREE_MIN_LANE_PX) {
        g.lane_h = PLOT_TREE_MIN_LANE_PX;
        g.max_lane = c->area.h / PLOT_TREE_MIN_LANE_PX - 1;
    }
    g.dense = g.col_w < PLOT_TREE_FOLD_LABEL_COL_PX;
    g.box_w = g.col_w < PLOT_TREE_TOUCH_COL_PX ? g.col_w : g.col_w * 0.7f;
    if (g.box_w > PLOT_TREE_MAX_BOX_PX) g.box_w = PLOT_TREE_MAX_BOX_PX;
    if (g.box_w < 1) g.box_w = 1;
    g.box_h = g.lane_h * 0.6f;
    if (g.box_h < 1) g.box_h = 1;
    return g;
}

static SDL_Color tree__colour(const tree__node *v, bool by_miner) {
    if (v->miner < 0) return plot__rgb(PLOT__DIM);
    if (by_miner) return plot__rgb(tree__palette[v->miner % TREE_PALETTE_N]);
    return plot__rgb(v->main ? PLOT_MINED : PLOT_STALE);
}

static void tree__links(plot__canvas *c, const tree__shape *t, const tree__geo *g) {
    SDL_Color ink = plot__rgb(PLOT__AXIS);
    /* Narrower columns leave no room between boxes: the links would only
     * paint over them, and the rows already say which branch is which. */
    if (g->col_w < PLOT_TREE_MIN_LINK_COL_PX) return;
    for (size_t i = 1; i < t->n; i++) {
        const tree__node *v = &t->nodes[i];
        if (v->parent < 0) continue;
        const tree__node *p = &t->nodes[v->parent];
        size_t pc = t->col_of[p->b->index], vc = t->col_of[v->b->index];
        if (pc == vc) continue; /* inside a folded run */
        view__line(c->r, ink, tree__cx(c, g, pc) + g->box_w / 2, tree__cy(c, g, p->lane),
                   tree__cx(c, g, vc) - g->box_w / 2, tree__cy(c, g, v->lane));
    }
}

/* A box centred at (cx, cy), edges on whole pixels so that boxes as wide
 * as their columns touch without gaps or overlaps; at least 1 x 1. */
static void tree__box(plot__canvas *c, SDL_Color col, float cx, float cy, float w, float h) {
    int x0 = (int)floorf(cx - w / 2), x1 = (int)floorf(cx + w / 2);
    int y0 = (int)floorf(cy - h / 2), y1 = (int)floorf(cy + h / 2);
    view__fill(c->r, col, x0, y0, x1 > x0 ? x1 - x0 : 1, y1 > y0 ? y1 - y0 : 1);
}

static void tree__blocks(plot__canvas *c, const tree__shape *t, const tree__geo *g, bool by_miner) {
    SDL_Color dim = plot__rgb(PLOT__DIM), light = plot__rgb(PLOT__GRID);
    /* Too narrow for a "+N": a folded run is drawn as the main chain it
     * stands for, so the main row reads as one line. */
    SDL_Color run = by_miner ? dim : plot__rgb(PLOT_MINED);
    for (size_t k = 0; k < t->n_cols; k++) {
        const tree__column *col = &t->cols[k];
        if (!col->folded) continue;
        float cx = tree__cx(c, g, k), cy = tree__cy(c, g, 0);
        if (g->dense) {
            tree__box(c, run, cx, cy, g->col_w, g->box_h);
            continue;
        }
        float w = g->col_w * 0.9f;
        tree__box(c, light, cx, cy, w, g->box_h);
        view__line(c->r, dim, cx - w / 2, cy, cx + w / 2, cy);
        char label[32];
        snprintf(label, sizeof label, "+%" PRId64, col->h_last - col->h_first + 1);
        int tw = view__text_width(&c->text, VF_SMALL, label);
        if (tw + 4 <= (int)w)
            view__text(&c->text, VF_SMALL, dim, (int)cx - tw / 2,
                       (int)(cy + g->box_h / 2) + 2, label);
    }
    for (size_t i = 0; i < t->n; i++) {
        const tree__node *v = &t->nodes[i];
        size_t col = t->col_of[v->b->index];
        if (t->cols[col].folded) continue;
        tree__box(c, tree__colour(v, by_miner), tree__cx(c, g, col), tree__cy(c, g, v->lane),
                  g->box_w, g->box_h);
    }
}

/* Height labels under the columns, at least PLOT_TREE_LABEL_GAP_PX apart,
 * and the row names in the left margin. */
static void tree__axis(plot__canvas *c, const tree__shape *t, const tree__geo *g) {
    SDL_Color ink = plot__rgb(PLOT__INK), axis = plot__rgb(PLOT__AXIS);
    const SDL_Rect *a = &c->area;
    int base = a->y + a->h;
    view__line(c->r, axis, (float)a->x, (float)base, (float)(a->x + a->w), (float)base);
    float last_x = -1e9f;
    for (size_t k = 0; k < t->n_cols; k++) {
        if (t->cols[k].folded) continue;
        float cx = tree__cx(c, g, k);
        if (cx - last_x < PLOT_TREE_LABEL_GAP_PX) continue;
        char label[32];
        snprintf(label, sizeof label, "%" PRId64, t->cols[k].h_first);
        int w = view__text_width(&c->text, VF_SMALL, label);
        view__line(c->r, axis, cx, (float)base, cx, (float)base + 5);
        view__text(&c->text, VF_SMALL, ink, (int)cx - w / 2, base + 7, label);
        last_x = cx;
    }
    const char *xl = !t->folded_runs ? "height"
                     : g->dense ? "height (not to scale: straight runs of the main chain are "
                                  "compressed to one column each)"
                                : "height (grey +N: N straight main-chain heights in one column)";
    int th = view__text_height(&c->text, VF_SMALL);
    int w = view__text_width(&c->text, VF_NORMAL, xl);
    view__text(&c->text, VF_NORMAL, ink, a->x + (a->w - w) / 2, base + 7 + th + 8, xl);
    const char *rows[2] = {"main", "stale"};
    for (int lane = 0; lane < 2 && lane < t->lanes; lane++) {
        int lw = view__text_width(&c->text, VF_SMALL, rows[lane]);
        view__text(&c->text, VF_SMALL, ink, a->x - 8 - lw, (int)tree__cy(c, g, lane) - th / 2,
                   rows[lane]);
    }
}

/* The legend: the miners, if each gets its own colour and the names fit
 * (then *by_miner), else main and stale. Returns the number of keys. */
static int tree__keys(plot__canvas *c, sim *s, const tree__shape *t, plot__key *keys,
                      bool *by_miner) {
    int n = sim_node_count(s), k = 0;
    bool *mined = xcalloc((size_t)n + 1, sizeof *mined);
    for (size_t j = 1; j < t->n; j++)
        if (t->nodes[j].miner >= 0 && t->nodes[j].miner < n) mined[t->nodes[j].miner] = true;
    if (n <= TREE_PALETTE_N)
        for (int i = 0; i < n; i++)
            if (mined[i])
                keys[k++] = (plot__key){.label = sim_node(s, i)->name,
                                        .colour = plot__rgb(tree__palette[i])};
    free(mined);
    *by_miner = n <= TREE_PALETTE_N && plot__legend_width(c, keys, k) <= c->area.w;
    if (*by_miner) return k;
    keys[0] = (plot__key){.label = "main chain", .colour = plot__rgb(PLOT_MINED)};
    keys[1] = (plot__key){.label = "stale", .colour = plot__rgb(PLOT_STALE)};
    return 2;
}

void plot__block_tree(plot__canvas *c, sim *s, const metrics *m) {
    tree__shape t = {0};
    tree__nodes(&t, m);
    tree__lanes(&t);
    tree__columns(&t, c->area.w);
    tree__geo g = tree__geometry(c, &t);
    plot__key keys[TREE_PALETTE_N];
    bool by_miner;
    int n_keys = tree__keys(c, s, &t, keys, &by_miner);
    char title[256], sub[256];
    snprintf(title, sizeof title,
             "Final block tree: %zu blocks mined, main chain height %" PRId64 ", %" PRIu64
             " stale, %" PRIu64 " fork(s)",
             m->n_blocks, m->height, m->stale_blocks, m->forks);
    snprintf(sub, sizeof sub,
             "%s, seed %" PRIu64 ". Top row: the main chain; rows below: stale branches; "
             "colour: %s.%s",
             sim_scenario(s)->name, sim_seed(s), by_miner ? "the miner" : "main or stale",
             g.max_lane < t.lanes - 1 ? " Rows beyond the image share its last row." : "");
    plot__begin(c, title, sub);
    if (m->n_blocks > 0) plot__legend(c, keys, n_keys);
    tree__axis(c, &t, &g);
    SDL_RenderSetClipRect(c->r, &c->area);
    tree__links(c, &t, &g);
    tree__blocks(c, &t, &g, by_miner);
    SDL_RenderSetClipRect(c->r, NULL);
    if (m->n_blocks == 0) plot__note(c, "no blocks were mined");
    tree__shape_cleanup(&t);
}
