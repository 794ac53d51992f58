/* tree_draw.c - the block tree, drawn by height from left to right.
 *
 * Each column is a height (or a folded run of heights, "... 40 blocks ...",
 * dashed in every lane that runs through it); lane 0 is the main chain,
 * other branches sit in the lanes below it. A block is framed in its
 * branch's colour (the colour its nodes have in the graph) while it is on
 * the main chain or competing; a stale block is brown, a rejected one red;
 * a fork point carries a yellow diamond (the live fork's is larger). Above
 * each block that is some node's tip sits a chip in its nodes' colour with
 * the node's name, or the count when several share it. Columns cut off at
 * either edge are marked with the heights they hold. The view follows the
 * newest block (keeping the live fork point in view when both do not fit)
 * unless the user pans (drag) or zooms (wheel); F or the "newest" button
 * follows again. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/mem.h"
#include "view/view_int.h"

#define TREE_COL_W 74
#define TREE_FOLD_W 124
#define TREE_BLOCK_W 56
#define TREE_BLOCK_H 26
#define TREE_LANE_H 54
#define TREE_PAD 14

typedef struct tree__geo {
    float z, x0, y0, scroll;
    float lane_h; /* TREE_LANE_H zoomed, squeezed so every lane fits */
    float *col_x; /* unscaled left edge of each column */
} tree__geo;

static float tree__col_w(const view_column *c) { return c->folded ? TREE_FOLD_W : TREE_COL_W; }

static float tree__x(const tree__geo *g, size_t col) { return g->x0 + g->col_x[col] * g->z - g->scroll; }

static float tree__lane_y(const tree__geo *g, int lane) {
    return g->y0 + (float)lane * g->lane_h;
}

/* Block rectangle of a (non-folded) block. */
static SDL_FRect tree__rect(const tree__geo *g, const view_model *m, const view_block *v) {
    size_t c = view__tree_column(m, v->height);
    float cw = tree__col_w(&m->columns[c]) * g->z;
    float bw = TREE_BLOCK_W * g->z, bh = TREE_BLOCK_H * g->z;
    return (SDL_FRect){tree__x(g, c) + (cw - bw) / 2, tree__lane_y(g, v->lane) - bh / 2, bw, bh};
}

static bool tree__folded(const view_model *m, const view_block *v) {
    return v->height >= 1 && m->columns[view__tree_column(m, v->height)].folded;
}

static void tree__block_colours(const view_app *a, const view_block *v, SDL_Color *fill,
                                SDL_Color *edge) {
    const view_theme *th = a->theme;
    switch (v->state) {
    case VB_REJECTED:
        *fill = th->bad_fill;
        *edge = th->drop;
        return;
    case VB_STALE:
        *fill = th->stale_fill;
        *edge = th->stale_edge;
        return;
    case VB_MAIN: *fill = th->main_fill; break;
    case VB_COMPETING: *fill = th->competing_fill; break;
    }
    *edge = view__branch_colour(v->colour);
}

static void tree__connectors(view_app *a, const tree__geo *g) {
    const view_model *m = &a->model;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const view_block *v = &m->blocks[i];
        if (v->parent < 0) continue;
        const view_block *p = &m->blocks[v->parent];
        bool vf = tree__folded(m, v), pf = tree__folded(m, p);
        if (vf && pf) continue;
        size_t pc = view__tree_column(m, p->height), vc = view__tree_column(m, v->height);
        float x1 = pf ? tree__x(g, pc) + TREE_FOLD_W * g->z : tree__rect(g, m, p).x + TREE_BLOCK_W * g->z;
        float x2 = vf ? tree__x(g, vc) : tree__rect(g, m, v).x;
        float y1 = tree__lane_y(g, p->lane), y2 = tree__lane_y(g, v->lane);
        if (x2 < a->rects.tree.x || x1 > a->rects.tree.x + a->rects.tree.w) continue;
        SDL_Color fill, c;
        tree__block_colours(a, v, &fill, &c);
        if (y1 == y2) {
            view__line(a->r, c, x1, y1, x2, y2);
        } else {
            float xm = x2 - 6 * g->z;
            view__line(a->r, c, x1, y1, xm, y1);
            view__line(a->r, c, xm, y1, xm, y2);
            view__line(a->r, c, xm, y2, x2, y2);
        }
    }
}

/* Folded columns: a dashed line in each lane that runs through the run,
 * in the colour of that lane's blocks there. */
static void tree__folds(view_app *a, const tree__geo *g) {
    const view_model *m = &a->model;
    char label[64];
    for (size_t i = 0; i < m->n_blocks; i++) {
        const view_block *v = &m->blocks[i];
        if (!tree__folded(m, v)) continue;
        size_t c = view__tree_column(m, v->height);
        const view_column *col = &m->columns[c];
        if (v->height != col->h_first) continue; /* one line per lane: from its first block */
        float x = tree__x(g, c), w = TREE_FOLD_W * g->z, y = tree__lane_y(g, v->lane);
        if (x + w < a->rects.tree.x || x > a->rects.tree.x + a->rects.tree.w) continue;
        SDL_Color fill, edge;
        tree__block_colours(a, v, &fill, &edge);
        view__dashed(a->r, edge, x, y, x + w, y, 4);
        if (v->lane != 0) continue;
        snprintf(label, sizeof label, "... %" PRId64 " blocks ...", col->h_last - col->h_first + 1);
        int tw = view__text_width(&a->text, VF_SMALL, label);
        int th = view__text_height(&a->text, VF_SMALL);
        view__fill(a->r, a->theme->panel, (int)(x + w / 2) - tw / 2 - 3, (int)y - th / 2, tw + 6, th);
        view__text(&a->text, VF_SMALL, a->theme->dim, (int)(x + w / 2) - tw / 2, (int)y - th / 2, label);
    }
}

static void tree__chip(view_app *a, const view_block *v, SDL_FRect br) {
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    char label[48];
    if (v->tip_nodes == 1 && v->first_tip_node >= 0)
        snprintf(label, sizeof label, "%.8s", a->scn.nodes[v->first_tip_node].name);
    else
        snprintf(label, sizeof label, "%d nodes", v->tip_nodes);
    /* the colour of the nodes on it, as the graph draws them */
    bool behind = v->behind > 0;
    int c = behind && !v->behind_fork ? m->blocks[v->front].colour : v->colour;
    SDL_Color fill = behind ? view__dim(th, view__branch_colour(c)) : view__branch_colour(c);
    int tw = view__text_width(&a->text, VF_SMALL, label);
    int th_px = view__text_height(&a->text, VF_SMALL);
    int w = tw + 8, x = (int)(br.x + br.w / 2) - w / 2, y = (int)br.y - th_px - 4;
    view__fill(a->r, fill, x, y, w, th_px + 1);
    view__text(&a->text, VF_SMALL, th->bg, x + 4, y, label);
}

static void tree__blocks(view_app *a, const tree__geo *g) {
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    char label[32];
    for (size_t i = 0; i < m->n_blocks; i++) {
        const view_block *v = &m->blocks[i];
        if (tree__folded(m, v)) continue;
        SDL_FRect br = tree__rect(g, m, v);
        if (br.x + br.w < a->rects.tree.x || br.x > a->rects.tree.x + a->rects.tree.w) continue;
        SDL_Color fill, edge;
        tree__block_colours(a, v, &fill, &edge);
        SDL_Rect ir = {(int)br.x, (int)br.y, (int)br.w, (int)br.h};
        view__fill(a->r, fill, ir.x, ir.y, ir.w, ir.h);
        view__frame_rect(a->r, edge, ir.x, ir.y, ir.w, ir.h);
        if (v->tip_nodes > 0) view__frame_rect(a->r, edge, ir.x + 1, ir.y + 1, ir.w - 2, ir.h - 2);
        if ((int)i == m->last_block)
            view__fill(a->r, th->miner_ring, ir.x + 2, ir.y + ir.h - 3, ir.w - 4, 2);
        if ((int)i == a->card) view__frame_rect(a->r, th->select_ring, ir.x - 2, ir.y - 2, ir.w + 4, ir.h + 4);
        snprintf(label, sizeof label, "#%" PRId64, v->height);
        int tw = view__text_width(&a->text, VF_SMALL, label);
        int tht = view__text_height(&a->text, VF_SMALL);
        view__text(&a->text, VF_SMALL, th->text, ir.x + (ir.w - tw) / 2, ir.y + (ir.h - tht) / 2, label);
        if (v->n_children >= 2) {
            float k = (int)i == m->fork.fork_point ? 8 : 5;
            float cx = br.x + br.w / 2, y = br.y + br.h + 3;
            SDL_FPoint d[4] = {{cx, y}, {cx + k, y + k}, {cx, y + 2 * k}, {cx - k, y + k}};
            view__poly(a->r, th->warn, d, 4);
        }
        if (v->tip_nodes > 0) tree__chip(a, v, br);
        view__ui_add(&a->ui, ir, ACT_BLOCK, (int)i);
    }
}

/* "< #1-#12" at the left edge, "#40-#45 >" at the right: heights cut off. */
static void tree__edges(view_app *a, const tree__geo *g) {
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    const SDL_Rect *t = &a->rects.tree;
    float left = (float)t->x + TREE_PAD, right = (float)(t->x + t->w) - TREE_PAD;
    size_t first = m->n_columns, last = 0;
    for (size_t c = 0; c < m->n_columns; c++) {
        float x = tree__x(g, c), w = tree__col_w(&m->columns[c]) * g->z;
        if (x >= left - 1 && x + w <= right + 1) {
            if (first == m->n_columns) first = c;
            last = c;
        }
    }
    a->tree_hidden_left = a->tree_hidden_right = 0;
    if (first == m->n_columns) return;
    char label[64];
    int th_px = view__text_height(&a->text, VF_SMALL);
    int y = (int)g->y0 - th_px / 2;
    a->tree_hidden_left = first > 0 ? m->columns[first - 1].h_last : 0;
    a->tree_hidden_right = last + 1 < m->n_columns ? m->columns[last + 1].h_first : 0;
    if (first > 0) {
        snprintf(label, sizeof label, "#1-#%" PRId64, m->columns[first - 1].h_last);
        int w = view__text_width(&a->text, VF_SMALL, label);
        view__fill(a->r, th->panel_edge, t->x, y - 3, w + 20, th_px + 6);
        SDL_FPoint d[3] = {{(float)t->x + 3, (float)y + th_px / 2.0f},
                           {(float)t->x + 10, (float)y - 1}, {(float)t->x + 10, (float)y + th_px + 1}};
        view__poly(a->r, th->text, d, 3);
        view__text(&a->text, VF_SMALL, th->text, t->x + 14, y, label);
    }
    if (last + 1 < m->n_columns) {
        snprintf(label, sizeof label, "#%" PRId64 "-#%" PRId64, m->columns[last + 1].h_first,
                 m->max_height);
        int w = view__text_width(&a->text, VF_SMALL, label);
        int x = t->x + t->w - w - 20;
        view__fill(a->r, th->panel_edge, x, y - 3, w + 20, th_px + 6);
        view__text(&a->text, VF_SMALL, th->text, x + 4, y, label);
        float ax = (float)(t->x + t->w) - 3;
        SDL_FPoint d[3] = {{ax, (float)y + th_px / 2.0f}, {ax - 7, (float)y - 1}, {ax - 7, (float)y + th_px + 1}};
        view__poly(a->r, th->text, d, 3);
    }
}

static void tree__header(view_app *a) {
    const SDL_Rect *t = &a->rects.tree;
    const view_model *m = &a->model;
    const view_theme *th = a->theme;
    int x = t->x + 10, y = t->y + 7;
    x += view__text(&a->text, VF_NORMAL, th->dim, x, y, "Block tree") + 18;
    const struct {
        SDL_Color fill, edge;
        const char *label;
    } legend[] = {{th->main_fill, th->main_edge, "main chain"},
                  {th->competing_fill, th->main_edge, "competing"},
                  {th->stale_fill, th->stale_edge, "stale"},
                  {th->bad_fill, th->drop, "rejected"}};
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        view__fill(a->r, legend[i].fill, x, y + 3, 14, 10);
        view__frame_rect(a->r, legend[i].edge, x, y + 3, 14, 10);
        x += 18 + view__text(&a->text, VF_SMALL, th->dim, x + 18, y + 1, legend[i].label) + 12;
    }
    SDL_FPoint d[4] = {{(float)x + 5, (float)y + 3}, {(float)x + 10, (float)y + 8},
                       {(float)x + 5, (float)y + 13}, {(float)x, (float)y + 8}};
    view__poly(a->r, th->warn, d, 4);
    x += 14 + view__text(&a->text, VF_SMALL, th->dim, x + 14, y + 1, "fork point") + 12;
    char info[96];
    snprintf(info, sizeof info, "%zu blocks, height #%" PRId64, m->n_blocks, m->max_height);
    int w = view__text_width(&a->text, VF_SMALL, info);
    int right = t->x + t->w - 10;
    if (!a->t_follow) {
        int bw = view__text_width(&a->text, VF_SMALL, "newest (F)") + VIEW_BUTTON_PAD * 2;
        view__button(a, right - bw, y - 4, "newest (F)", ACT_FOLLOW, 0, true);
        right -= bw + 10;
    }
    view__text(&a->text, VF_SMALL, th->dim, right - w, y + 1, info);
}

void view__draw_tree(view_app *a) {
    const SDL_Rect *t = &a->rects.tree;
    view_model *m = &a->model;
    view__fill(a->r, a->theme->panel, t->x, t->y, t->w, t->h);
    view__line(a->r, a->theme->panel_edge, (float)t->x, (float)t->y, (float)(t->x + t->w), (float)t->y);
    tree__header(a);
    tree__geo g = {.z = a->t_zoom, .x0 = (float)t->x + TREE_PAD};
    a->col_x = xgrow(a->col_x, &a->cap_col_x, m->n_columns + 1, sizeof *a->col_x);
    g.col_x = a->col_x;
    float acc = 0;
    for (size_t c = 0; c < m->n_columns; c++) {
        g.col_x[c] = acc;
        acc += tree__col_w(&m->columns[c]);
    }
    float content = acc * g.z, view_w = (float)t->w - 2 * TREE_PAD;
    float max_scroll = content > view_w ? content - view_w : 0;
    if (a->t_follow) {
        a->t_scroll = max_scroll;
        /* the live fork point matters more than the newest blocks */
        int fp = m->fork.state == VIEW_FORKED ? m->fork.fork_point : -1;
        if (fp >= 0) {
            float fx = g.col_x[view__tree_column(m, m->blocks[fp].height)] * g.z - TREE_COL_W * g.z / 2;
            if (fx < 0) fx = 0;
            if (fx < a->t_scroll) a->t_scroll = fx;
        }
    }
    if (a->t_scroll > max_scroll) {
        a->t_scroll = max_scroll;
        a->t_follow = true;
    }
    if (a->t_scroll < 0) a->t_scroll = 0;
    g.scroll = a->t_scroll;
    g.y0 = (float)t->y + 34 + 16 + TREE_BLOCK_H * g.z / 2;
    float room = (float)(t->y + t->h) - g.y0 - TREE_BLOCK_H * g.z / 2 - 6;
    g.lane_h = TREE_LANE_H * g.z;
    if (m->lanes > 1 && g.lane_h * (float)(m->lanes - 1) > room) {
        g.lane_h = room / (float)(m->lanes - 1);
        if (g.lane_h < (TREE_BLOCK_H + 4) * g.z) g.lane_h = (TREE_BLOCK_H + 4) * g.z;
    }
    SDL_Rect clip = {t->x, t->y + 26, t->w, t->h - 26};
    SDL_RenderSetClipRect(a->r, &clip);
    tree__connectors(a, &g);
    tree__folds(a, &g);
    tree__blocks(a, &g);
    tree__edges(a, &g);
    SDL_RenderSetClipRect(a->r, NULL);
}

int view__tree_fit_cols(const view_app *a) {
    float z = a->t_zoom > 0 ? a->t_zoom : 1;
    int n = (int)(((float)a->rects.tree.w - 2 * TREE_PAD) / (TREE_COL_W * z));
    return n > 1 ? n : 1;
}
