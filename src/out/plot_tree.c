/* plot_tree.c - the final block tree as a picture (block_tree.*).
 *
 *   rows     the main chain (the ancestors of metrics' main tip) on the top
 *            row; stale branches on the rows below. A branch is a run of
 *            stale blocks, each child continuing its parent's row except
 *            the second and later children, which start new branches; a
 *            branch takes the lowest row >= 1 that is free from one height
 *            before its first block (so two branches never touch). Blocks
 *            are placed in height order, so a row is free exactly when its
 *            last block is two or more heights back.
 *   columns  one per height while every height fits at TREE_MIN_COL_PT or
 *            more. Beyond that, runs of at least TREE_FOLD_MIN "straight"
 *            heights (a main block only: no stale block at that height, no
 *            fork) fold into one grey column labelled "+N", so what remains
 *            are the heights where something happened. If even those are
 *            more than the width holds (a long run with many forks),
 *            columns get narrower, and several share a pixel of the PNG;
 *            each block is still drawn, so no fork disappears, but
 *            neighbours merge. Narrow columns drop what needs room: links
 *            between blocks, the "+N" of a folded run, which is then drawn
 *            as the chain it stands for, and the gap between boxes, so the
 *            main row reads as one line with the stale rows under it.
 *   size     7 in wide; as tall as the rows need at TREE_LANE_PT each (the
 *            picture is cropped to its content: two rows make a short
 *            strip), up to TREE_MAX_AREA_PT, where rows get thinner.
 *   colour   the window's: blue for the main chain, brown for stale, grey
 *            for the genesis; with room, each block says who mined it.
 *
 * With 10,000 blocks at a 1-2% stale rate that leaves a few hundred
 * columns of a point or two each; 100 blocks fit unfolded. Work and memory
 * are linear in blocks + heights. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/plot_int.h"
#include "util/mem.h"

#define TREE_LANE_PT PLOT_TREE_LANE_PT /* a row's height while they fit */
#define TREE_MAX_AREA_PT 360.0   /* rows beyond this height get thinner */
#define TREE_MIN_LANE_PT 1.5     /* rows beyond what fits at this share the last */
#define TREE_MIN_COL_PT 5.0      /* narrower than this: fold straight runs */
#define TREE_FOLD_MIN 3          /* straight runs at least this long fold */
#define TREE_MAX_BOX_PT 24.0
#define TREE_LABEL_GAP_PT 28.0   /* between height labels */
#define TREE_MIN_LINK_COL_PT 1.6 /* narrower columns: no links drawn */
#define TREE_FOLD_LABEL_COL_PT 3.0 /* narrower: folded runs drawn as plain chain */
#define TREE_TOUCH_COL_PT 1.2    /* narrower: boxes fill their columns */
#define TREE_NAME_PT 5.5         /* the miner's name in a block */

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

static void tree__columns(tree__shape *t, double area_w) {
    int64_t H = t->max_h;
    bool *busy = xcalloc((size_t)H + 1, sizeof *busy); /* something happens at this height */
    busy[1] = busy[H] = true;
    for (size_t i = 0; i < t->n; i++) {
        const tree__node *v = &t->nodes[i];
        if (!v->main || v->children >= 2) busy[v->b->index] = true;
    }
    bool fold = (double)H * TREE_MIN_COL_PT > area_w;
    t->cols = xmalloc((size_t)H * sizeof *t->cols);
    t->col_of = xmalloc(((size_t)H + 1) * sizeof *t->col_of);
    for (int64_t h = 1; h <= H;) {
        int64_t end = h;
        if (fold && !busy[h])
            while (end + 1 <= H && !busy[end + 1]) end++;
        bool folded = end - h + 1 >= TREE_FOLD_MIN;
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
    double col_w, lane_h, box_w, box_h;
    int max_lane;
    bool dense;            /* no room for "+N": folded runs drawn as chain */
} tree__geo;

typedef struct tree__data {
    sim *s;
    const metrics *m;
    tree__shape t;
    tree__geo g;
} tree__data;

static double tree__cx(const plot__canvas *c, const tree__geo *g, size_t col) {
    return c->area.x + g->col_w * ((double)col + 0.5);
}

static double tree__cy(const plot__canvas *c, const tree__geo *g, int lane) {
    if (lane > g->max_lane) lane = g->max_lane;
    return c->area.y + g->lane_h * ((double)lane + 0.5);
}

/* The rows' height and the columns' width; the area's height follows. */
static tree__geo tree__geometry(const tree__shape *t, double area_w) {
    tree__geo g;
    g.col_w = area_w / (double)t->n_cols;
    g.lane_h = TREE_LANE_PT;
    if (g.lane_h * t->lanes > TREE_MAX_AREA_PT) g.lane_h = TREE_MAX_AREA_PT / t->lanes;
    g.max_lane = t->lanes - 1;
    if (g.lane_h < TREE_MIN_LANE_PT) {
        g.lane_h = TREE_MIN_LANE_PT;
        g.max_lane = (int)(TREE_MAX_AREA_PT / TREE_MIN_LANE_PT) - 1;
    }
    g.dense = g.col_w < TREE_FOLD_LABEL_COL_PT;
    /* touching boxes overlap by a quarter point, so that no seam of
     * anti-aliased paper shows between them */
    g.box_w = g.col_w < TREE_TOUCH_COL_PT ? g.col_w + 0.25 : g.col_w * 0.7;
    if (g.box_w > TREE_MAX_BOX_PT) g.box_w = TREE_MAX_BOX_PT;
    g.box_h = g.lane_h * 0.62;
    return g;
}

static uint32_t tree__colour(const tree__node *v) {
    if (v->miner < 0) return PLOT__DIM;
    return palette_on_light(v->main ? PALETTE_MAIN : PALETTE_STALE);
}

static void tree__links(plot__canvas *c, const tree__shape *t, const tree__geo *g) {
    /* Narrower columns leave no room between boxes: the links would only
     * paint over them, and the rows already say which branch is which. */
    if (g->col_w < TREE_MIN_LINK_COL_PT) return;
    plot__pen pen = {PLOT__AXIS, 0.5, PLOT__SOLID};
    plot__use_pen(c, &pen);
    for (size_t i = 1; i < t->n; i++) {
        const tree__node *v = &t->nodes[i];
        if (v->parent < 0) continue;
        const tree__node *p = &t->nodes[v->parent];
        size_t pc = t->col_of[p->b->index], vc = t->col_of[v->b->index];
        if (pc == vc) continue; /* inside a folded run */
        cairo_move_to(c->cr, tree__cx(c, g, pc) + g->box_w / 2, tree__cy(c, g, p->lane));
        cairo_line_to(c->cr, tree__cx(c, g, vc) - g->box_w / 2, tree__cy(c, g, v->lane));
    }
    cairo_stroke(c->cr);
}

static void tree__box(plot__canvas *c, uint32_t rgb, double cx, double cy, double w, double h) {
    plot__fill_rgb(c, rgb);
    cairo_rectangle(c->cr, cx - w / 2, cy - h / 2, w, h);
    cairo_fill(c->cr);
}

static void tree__blocks(plot__canvas *c, const tree__data *d) {
    const tree__shape *t = &d->t;
    const tree__geo *g = &d->g;
    for (size_t k = 0; k < t->n_cols; k++) {
        const tree__column *col = &t->cols[k];
        if (!col->folded) continue;
        double cx = tree__cx(c, g, k), cy = tree__cy(c, g, 0);
        /* too narrow for a "+N": the run is drawn as the main chain it
         * stands for, so the main row reads as one line */
        if (g->dense) {
            tree__box(c, palette_on_light(PALETTE_MAIN), cx, cy, g->col_w, g->box_h);
            continue;
        }
        double w = g->col_w * 0.9;
        tree__box(c, PLOT__GRID, cx, cy, w, g->box_h);
        char label[32];
        snprintf(label, sizeof label, "+%" PRId64, col->h_last - col->h_first + 1);
        double size = g->box_h * 0.8 < PLOT__TICK_PT ? g->box_h * 0.8 : PLOT__TICK_PT;
        if (plot__text_width(c, PLOT__REGULAR, size, label) + 2 <= w)
            plot__text(c, PLOT__REGULAR, size, PLOT__DIM, cx, cy + size * 0.36, 0.5, false,
                       "fold", label);
    }
    int n_nodes = sim_node_count(d->s);
    const scenario *scn = sim_scenario(d->s);
    for (size_t i = 0; i < t->n; i++) {
        const tree__node *v = &t->nodes[i];
        size_t col = t->col_of[v->b->index];
        if (t->cols[col].folded) continue;
        double cx = tree__cx(c, g, col), cy = tree__cy(c, g, v->lane);
        tree__box(c, tree__colour(v), cx, cy, g->box_w, g->box_h);
        if (v->miner < 0 || v->miner >= n_nodes || g->box_h < TREE_NAME_PT + 1) continue;
        const char *name = scn->nodes[v->miner].name;
        if (plot__text_width(c, PLOT__REGULAR, TREE_NAME_PT, name) + 2 <= g->box_w)
            plot__text(c, PLOT__REGULAR, TREE_NAME_PT, PLOT__PAPER, cx, cy + TREE_NAME_PT * 0.36,
                       0.5, false, "miner", name);
    }
}

/* Height labels under the columns, at least TREE_LABEL_GAP_PT apart, and
 * the row names in the left margin. */
static void tree__axis(plot__canvas *c, const tree__shape *t, const tree__geo *g) {
    const plot__rect *a = &c->area;
    double base = a->y + a->h;
    plot__pen axis = {PLOT__AXIS, 0.6, PLOT__SOLID};
    plot__use_pen(c, &axis);
    cairo_move_to(c->cr, a->x, base);
    cairo_line_to(c->cr, a->x + a->w, base);
    double last_x = -1e9;
    char label[32];
    for (size_t k = 0; k < t->n_cols; k++) {
        if (t->cols[k].folded) continue;
        double cx = tree__cx(c, g, k);
        if (cx - last_x < TREE_LABEL_GAP_PT) continue;
        cairo_move_to(c->cr, cx, base);
        cairo_line_to(c->cr, cx, base + 2.5);
        last_x = cx;
    }
    cairo_stroke(c->cr);
    last_x = -1e9;
    for (size_t k = 0; k < t->n_cols; k++) {
        if (t->cols[k].folded) continue;
        double cx = tree__cx(c, g, k);
        if (cx - last_x < TREE_LABEL_GAP_PT) continue;
        snprintf(label, sizeof label, "%" PRId64, t->cols[k].h_first);
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__INK, cx, base + 2.5 + PLOT__TICK_PT + 0.5,
                   0.5, false, "tick-x", label);
        last_x = cx;
    }
    const char *xl = !t->folded_runs ? "height"
                     : g->dense ? "height (not to scale: straight runs of the main chain are "
                                  "compressed to one column each)"
                                : "height (grey +N: N straight main-chain heights in one column)";
    plot__text(c, PLOT__REGULAR, PLOT__LABEL_PT, PLOT__INK, a->x + a->w / 2,
               base + 2.5 + PLOT__TICK_PT + PLOT__LABEL_PT + 2.5, 0.5, false, "label-x", xl);
    const char *rows[2] = {"main", "stale"};
    for (int lane = 0; lane < 2 && lane < t->lanes; lane++)
        plot__text(c, PLOT__REGULAR, PLOT__TICK_PT, PLOT__INK, a->x - 4,
                   tree__cy(c, g, lane) + PLOT__TICK_PT * 0.36, 1, false, "row", rows[lane]);
}

static void tree__draw(plot__canvas *c, const void *data) {
    const tree__data *d = data;
    const metrics *m = d->m;
    c->area = (plot__rect){PLOT_AREA_LEFT_PT, PLOT_AREA_TOP_PT,
                           c->w - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT,
                           c->h - PLOT_AREA_TOP_PT - PLOT_AREA_BOTTOM_PT};
    char title[256], sub[256];
    snprintf(title, sizeof title,
             "Final block tree: %zu blocks mined, main chain height %" PRId64 ", %" PRIu64
             " stale, %" PRIu64 " fork(s)",
             m->n_blocks, m->height, m->stale_blocks, m->forks);
    snprintf(sub, sizeof sub,
             "%s, seed %" PRIu64 ". Top row: the main chain; rows below: stale branches.%s",
             sim_scenario(d->s)->name, sim_seed(d->s),
             d->g.max_lane < d->t.lanes - 1 ? " Rows beyond the picture share its last row." : "");
    plot__heading(c, title, sub);
    const plot__key keys[3] = {
        {"main chain", {palette_on_light(PALETTE_MAIN), 1, PLOT__SOLID}, true},
        {"stale", {palette_on_light(PALETTE_STALE), 1, PLOT__SOLID}, true},
        {"genesis", {PLOT__DIM, 1, PLOT__SOLID}, true}};
    if (m->n_blocks > 0) plot__legend(c, keys, 3, 28);
    tree__axis(c, &d->t, &d->g);
    plot__clip_area(c, 0);
    tree__links(c, &d->t, &d->g);
    tree__blocks(c, d);
    plot__unclip(c);
    if (m->n_blocks == 0) plot__note(c, "no blocks were mined");
}

bool plot__tree_write(const char *dir, sim *s, const metrics *m, const plot_options *o,
                      const plot__fonts *fonts, char *err, size_t err_len) {
    tree__data d = {.s = s, .m = m};
    double area_w = PLOT_TREE_W_PT - PLOT_AREA_LEFT_PT - PLOT_AREA_RIGHT_PT;
    tree__nodes(&d.t, m);
    tree__lanes(&d.t);
    tree__columns(&d.t, area_w);
    d.g = tree__geometry(&d.t, area_w);
    int rows = d.g.max_lane + 1;
    /* no blocks: room for the note */
    double area_h = m->n_blocks ? d.g.lane_h * rows : 3 * TREE_LANE_PT;
    double h = PLOT_AREA_TOP_PT + area_h + PLOT_AREA_BOTTOM_PT;
    bool ok = plot__write_chart(dir, "block_tree", PLOT_TREE_W_PT, h, tree__draw, &d, o, fonts, err,
                                err_len);
    tree__shape_cleanup(&d.t);
    return ok;
}
