/* tree.c - the shape of the block tree: which blocks form the main chain,
 * which lane each stale branch takes, and which heights are folded.
 *
 *   main chain  the ancestors of the heaviest tip a live node holds (ties:
 *               the tip more nodes hold, then the one seen first), lane 0
 *   branches    a run of non-main blocks, each child continuing its
 *               parent's branch except the second and later children,
 *               which start new ones; branches take the lowest lane >= 1
 *               free over their heights (interval colouring by start)
 *   columns     one per height, except runs of at least VIEW_FOLD_MIN
 *               "plain" heights (only a main-chain block, no tip, no fork,
 *               no rejection, not among the newest VIEW_TREE_TAIL), which
 *               fold into one column drawn as "... 40 blocks ..."
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
    int best = -1, best_count = 0;
    for (size_t g = 0; g < m->n_groups; g++) {
        int i = view__model_find(m, m->groups[g].tip);
        if (i < 0) continue;
        const block *b = m->blocks[i].b;
        int c = m->groups[g].count;
        if (best < 0) {
            best = i;
            best_count = c;
            continue;
        }
        const block *cur = m->blocks[best].b;
        if (b->cum_work > cur->cum_work ||
            (b->cum_work == cur->cum_work && (c > best_count || (c == best_count && i < best)))) {
            best = i;
            best_count = c;
        }
    }
    return best < 0 ? 0 : best;
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

/* Columns, folding long runs of plain heights. */
static void tree__columns(view_model *m, int pinned) {
    int64_t hmax = 1;
    for (size_t i = 0; i < m->n_blocks; i++)
        if (m->blocks[i].height > hmax) hmax = m->blocks[i].height;
    m->max_height = hmax;
    bool *plain = xmalloc((size_t)(hmax + 1) * sizeof *plain);
    for (int64_t h = 0; h <= hmax; h++) plain[h] = h > 1 && h <= hmax - VIEW_TREE_TAIL;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const view_block *v = &m->blocks[i];
        if (v->height < 0 || v->height > hmax) continue;
        if (!v->main || v->tip_count > 0 || v->n_children > 1 || v->rejected || (int)i == pinned)
            plain[v->height] = false;
    }
    m->col_of_height = xgrow(m->col_of_height, &m->cap_col_of_height, (size_t)hmax + 1,
                             sizeof *m->col_of_height);
    m->n_columns = 0;
    m->col_of_height[0] = 0;
    for (int64_t h = 1; h <= hmax;) {
        int64_t end = h;
        if (plain[h])
            while (end + 1 <= hmax && plain[end + 1]) end++;
        bool fold = plain[h] && end - h + 1 >= VIEW_FOLD_MIN;
        if (!fold) end = h;
        m->columns = xgrow(m->columns, &m->cap_columns, m->n_columns + 1, sizeof *m->columns);
        m->columns[m->n_columns] = (view_column){h, end, fold};
        for (int64_t x = h; x <= end; x++) m->col_of_height[x] = m->n_columns;
        m->n_columns++;
        h = end + 1;
    }
    free(plain);
}

size_t view__tree_column(const view_model *m, int64_t height) {
    if (height < 1) return 0;
    if (height > m->max_height) return m->n_columns ? m->n_columns - 1 : 0;
    return m->col_of_height[height];
}

void view__tree_update(view_model *m, int pinned_block) {
    view__model_tips(m);
    for (size_t i = 0; i < m->n_blocks; i++) {
        m->blocks[i].main = false;
        m->blocks[i].lane = 0;
        m->blocks[i].tip_count = 0;
        m->blocks[i].first_tip_node = -1;
    }
    for (size_t g = 0; g < m->n_groups; g++) {
        int i = view__model_find(m, m->groups[g].tip);
        if (i < 0) continue;
        m->blocks[i].tip_count = m->groups[g].count;
        m->blocks[i].first_tip_node = m->groups[g].first_node;
    }
    m->best = tree__best(m);
    for (int i = m->best; i >= 0; i = m->blocks[i].parent) m->blocks[i].main = true;
    m->forks = m->stale = 0;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const view_block *v = &m->blocks[i];
        if (v->n_children >= 2) m->forks++;
        if (!v->main && !v->rejected && v->parent >= 0) m->stale++;
    }
    tree__lanes(m);
    tree__columns(m, pinned_block);
    m->tree_dirty = false;
}
