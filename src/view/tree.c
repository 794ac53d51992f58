/* tree.c - the shape of the block tree: which blocks form the main chain,
 * what each other block is, which lane each branch takes, and which
 * heights are folded.
 *
 *   main chain  the ancestors of the heaviest tip a live node holds (ties:
 *               the higher, then the tip more nodes hold, then the one seen
 *               first), lane 0
 *   competing   a block off the main chain that a live node is on (its tip
 *               or an ancestor of it), or whose branch is not shorter than
 *               the main chain yet: the race is open
 *   stale       off the main chain, no live node on it, and the main chain
 *               is longer than its branch: buried
 *   branches    a run of non-main blocks, each child continuing its
 *               parent's branch except the second and later children,
 *               which start new ones; branches take the lowest lane >= 1
 *               free over their heights (interval colouring by start)
 *   columns     one per height, except runs of "plain" heights, which fold
 *               into one column drawn as "... 40 blocks ...": a height is
 *               plain when each block at it is a straight link of its
 *               branch (one child, no node on it, not rejected, not a fork
 *               point) and it is not among the newest. The shared prefix
 *               folds, and so do long straight stretches of two branches
 *               side by side; fork points, branch ends and tips never do.
 *               Runs of VIEW_FOLD_MIN fold, the newest VIEW_TREE_TAIL
 *               heights stay; when that is still wider than the screen,
 *               shorter runs fold and fewer heights stay.
 *
 * Recomputed from scratch when a block or a tip changes: a few hundred
 * blocks take microseconds, and from-scratch cannot drift. */
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "view/view_int.h"

typedef struct tree__branch {
    int64_t first_h, last_h;
    int lane;
} tree__branch;

typedef struct tree__key {
    int64_t height;
    int index;
} tree__key;

static int tree__by_height(const void *pa, const void *pb) {
    const tree__key *a = pa, *b = pb;
    if (a->height != b->height) return a->height < b->height ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static int tree__branch_by_start(const void *pa, const void *pb) {
    const tree__branch *a = *(tree__branch *const *)pa, *b = *(tree__branch *const *)pb;
    if (a->first_h != b->first_h) return a->first_h < b->first_h ? -1 : 1;
    return (a > b) - (a < b);
}

static int tree__best(const view_model *m) {
    int best = -1;
    for (size_t t = 0; t < m->n_tips; t++) {
        int i = m->tips[t];
        if (best < 0) {
            best = i;
            continue;
        }
        const view_block *v = &m->blocks[i], *cur = &m->blocks[best];
        double w = v->b->cum_work, cw = cur->b->cum_work;
        if (w != cw) {
            if (w > cw) best = i;
        } else if (v->height != cur->height) {
            if (v->height > cur->height) best = i;
        } else if (v->tip_nodes != cur->tip_nodes) {
            if (v->tip_nodes > cur->tip_nodes) best = i;
        } else if (i < best) {
            best = i;
        }
    }
    return best < 0 ? 0 : best;
}

/* States: main, competing, stale, rejected (children come after parents,
 * so one backward pass gathers each block's subtree). */
static void tree__states(view_model *m) {
    size_t n = m->n_blocks;
    bool *live_below = xcalloc(n + 1, sizeof *live_below);
    int64_t *reach = xmalloc((n + 1) * sizeof *reach); /* highest valid block of the subtree */
    for (size_t i = 0; i < n; i++) reach[i] = m->blocks[i].rejected ? -1 : m->blocks[i].height;
    for (size_t k = n; k-- > 0;) {
        view_block *v = &m->blocks[k];
        if (v->tip_nodes > 0) live_below[k] = true;
        if (v->parent < 0 || v->rejected) continue;
        if (live_below[k]) live_below[v->parent] = true;
        if (reach[k] > reach[v->parent]) reach[v->parent] = reach[k];
    }
    int64_t main_h = m->blocks[m->best].height;
    m->stale = m->competing = m->forks = 0;
    for (size_t i = 0; i < n; i++) {
        view_block *v = &m->blocks[i];
        if (v->n_children >= 2) m->forks++;
        if (v->rejected) v->state = VB_REJECTED;
        else if (v->main) v->state = VB_MAIN;
        else if (live_below[i] || reach[i] >= main_h) v->state = VB_COMPETING;
        else v->state = VB_STALE;
        if (v->state == VB_STALE && v->parent >= 0) m->stale++;
        if (v->state == VB_COMPETING) m->competing++;
    }
    free(reach);
    free(live_below);
}

/* Lanes for the non-main blocks. */
static void tree__lanes(view_model *m) {
    size_t n = m->n_blocks;
    tree__key *order = xmalloc((n + 1) * sizeof *order);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!m->blocks[i].main) order[k++] = (tree__key){m->blocks[i].height, (int)i};
    qsort(order, k, sizeof *order, tree__by_height);
    /* branch_of[i]: the branch a block belongs to; continued[i]: a child
     * already carries the parent's branch on */
    int *branch_of = xmalloc((n + 1) * sizeof *branch_of);
    bool *continued = xcalloc(n + 1, sizeof *continued);
    tree__branch *br = xmalloc((k + 1) * sizeof *br);
    size_t n_br = 0;
    for (size_t j = 0; j < k; j++) {
        int i = order[j].index;
        int p = m->blocks[i].parent;
        if (p >= 0 && !m->blocks[p].main && !continued[p]) {
            continued[p] = true;
            branch_of[i] = branch_of[p];
            br[branch_of[i]].last_h = m->blocks[i].height;
        } else {
            branch_of[i] = (int)n_br;
            br[n_br++] = (tree__branch){m->blocks[i].height, m->blocks[i].height, 0};
        }
    }
    tree__branch **by_start = xmalloc((n_br + 1) * sizeof *by_start);
    for (size_t b = 0; b < n_br; b++) by_start[b] = &br[b];
    qsort(by_start, n_br, sizeof *by_start, tree__branch_by_start);
    int64_t *lane_end = xmalloc((n_br + 2) * sizeof *lane_end);
    int lanes = 1;
    for (size_t b = 0; b < n_br; b++) {
        int lane = 1;
        while (lane < lanes && lane_end[lane] >= by_start[b]->first_h) lane++;
        if (lane == lanes) lanes++;
        lane_end[lane] = by_start[b]->last_h;
        by_start[b]->lane = lane;
    }
    for (size_t j = 0; j < k; j++)
        m->blocks[order[j].index].lane = br[branch_of[order[j].index]].lane;
    m->lanes = lanes;
    free(lane_end);
    free(by_start);
    free(br);
    free(continued);
    free(branch_of);
    free(order);
}

/* A block that may sit inside a fold: a straight link of its branch. */
static bool tree__straight(const view_model *m, size_t i, int pinned) {
    const view_block *v = &m->blocks[i];
    return v->n_children == 1 && v->tip_nodes == 0 && !v->rejected && (int)i != pinned &&
           (int)i != m->fork.fork_point;
}

/* Columns for one choice of fold length and tail; returns the width in
 * plain columns (a fold counts VIEW_FOLD_UNITS). */
#define VIEW_FOLD_UNITS 1.7
static double tree__columns_with(view_model *m, const bool *straight_h, int64_t fold_min,
                                 int64_t tail) {
    int64_t hmax = m->max_height;
    m->n_columns = 0;
    m->col_of_height[0] = 0;
    double units = 0;
    for (int64_t h = 1; h <= hmax;) {
        bool plain = straight_h[h] && h > 1 && h <= hmax - tail;
        int64_t end = h;
        if (plain)
            while (end + 1 <= hmax - tail && straight_h[end + 1]) end++;
        bool fold = plain && end - h + 1 >= fold_min;
        if (!fold) end = h;
        m->columns = xgrow(m->columns, &m->cap_columns, m->n_columns + 1, sizeof *m->columns);
        m->columns[m->n_columns] = (view_column){h, end, fold};
        for (int64_t x = h; x <= end; x++) m->col_of_height[x] = m->n_columns;
        m->n_columns++;
        units += fold ? VIEW_FOLD_UNITS : 1;
        h = end + 1;
    }
    return units;
}

static void tree__columns(view_model *m, int pinned, int fit_cols) {
    int64_t hmax = 1;
    for (size_t i = 0; i < m->n_blocks; i++)
        if (m->blocks[i].height > hmax) hmax = m->blocks[i].height;
    m->max_height = hmax;
    bool *straight_h = xmalloc((size_t)(hmax + 1) * sizeof *straight_h);
    for (int64_t h = 0; h <= hmax; h++) straight_h[h] = true;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const view_block *v = &m->blocks[i];
        if (v->height >= 0 && v->height <= hmax && !tree__straight(m, i, pinned))
            straight_h[v->height] = false;
    }
    m->col_of_height = xgrow(m->col_of_height, &m->cap_col_of_height, (size_t)hmax + 1,
                             sizeof *m->col_of_height);
    /* the roomiest folding that fits: shorter runs fold, fewer heights stay */
    for (int64_t k = VIEW_FOLD_MIN; k >= 2; k--) {
        double units = tree__columns_with(m, straight_h, k, k);
        if (fit_cols <= 0 || units <= fit_cols) break;
    }
    free(straight_h);
}

size_t view__tree_column(const view_model *m, int64_t height) {
    if (height < 1) return 0;
    if (height > m->max_height) return m->n_columns ? m->n_columns - 1 : 0;
    return m->col_of_height[height];
}

void view__tree_update(view_model *m, int pinned_block, int fit_cols) {
    view__model_tips(m);
    for (size_t i = 0; i < m->n_blocks; i++) {
        m->blocks[i].main = false;
        m->blocks[i].lane = 0;
    }
    m->best = tree__best(m);
    for (int i = m->best; i >= 0; i = m->blocks[i].parent) m->blocks[i].main = true;
    tree__states(m);
    tree__lanes(m);
    tree__columns(m, pinned_block, fit_cols);
    m->tree_dirty = false;
}
