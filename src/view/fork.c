/* fork.c - who agrees, decided on the block tree, and the colour of each
 * branch.
 *
 * Colours. A block's colour is fixed when the view first sees it: the first
 * valid child of a block continues its parent's branch and takes its
 * colour; a second or later child starts a new branch, which takes the
 * next palette colour (round robin) that no live node's tip has. So a
 * colour names one branch for the whole run and never changes because tips
 * moved; a node is drawn in the colour of the branch it is on.
 *
 * Agreement, from the blocks live nodes are on (the tips):
 *
 *   agreed       one tip
 *   propagating  every tip is an ancestor of the newest one: one chain,
 *                its newest block still spreading ("#23 reached 27 of 50")
 *   forked       two or more branch tips (tips that are no other tip's
 *                ancestor); the fork point is their common ancestor
 *
 * A tip that is an ancestor of a branch tip is "behind" it by the height
 * difference: the node is on that branch, catching up. A fork lasts from
 * the first instant the state is forked until it is not (one branch won,
 * or the last node on the others went down); out/forks.h keeps that
 * history (the latest and the longest fork that ended, with the blocks
 * they orphaned), the same one the run's summary reports.
 *
 * Cost: one walk from each branch tip down to the lowest tip, stamping the
 * blocks it passes (view_block.mark, an epoch per evaluation) so no block
 * is visited twice; it runs once per instant in which a tip changed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/forks.h"
#include "util/mem.h"
#include "view/view_int.h"

static bool fork__colour_live(const view_model *m, int c) {
    for (size_t t = 0; t < m->n_tips; t++)
        if (m->blocks[m->tips[t]].colour == c) return true;
    return false;
}

int view__fork_colour(view_model *m, int i, bool first_child) {
    int p = m->blocks[i].parent;
    if (first_child && p >= 0) return m->blocks[p].colour;
    int parent_colour = p >= 0 ? m->blocks[p].colour : -1;
    for (int k = 0; k < VIEW_PALETTE; k++) {
        int c = (m->next_colour + k) % VIEW_PALETTE;
        if (c == parent_colour || fork__colour_live(m, c)) continue;
        m->next_colour = (c + 1) % VIEW_PALETTE;
        return c;
    }
    int c = m->next_colour; /* more live branches than colours: share one */
    m->next_colour = (c + 1) % VIEW_PALETTE;
    return c;
}

void view__fork_cleanup(view_fork *f) {
    free(f->branches);
    free(f->scratch);
    memset(f, 0, sizeof *f);
}

/* qsort has no context argument: the blocks the comparators read. */
static const view_block *fork__blocks;

static int fork__by_height(const void *pa, const void *pb) {
    int a = *(const int *)pa, b = *(const int *)pb;
    int64_t ha = fork__blocks[a].height, hb = fork__blocks[b].height;
    if (ha != hb) return ha > hb ? -1 : 1;
    return (a > b) - (a < b);
}

static int fork__branch_cmp(const void *pa, const void *pb) {
    const view_branch *a = pa, *b = pb;
    if (a->nodes != b->nodes) return a->nodes > b->nodes ? -1 : 1;
    int64_t ha = fork__blocks[a->tip].height, hb = fork__blocks[b->tip].height;
    if (ha != hb) return ha > hb ? -1 : 1;
    return (a->tip > b->tip) - (a->tip < b->tip);
}

static int fork__lca(const view_model *m, int a, int b) {
    while (a >= 0 && b >= 0 && a != b) {
        int64_t ha = m->blocks[a].height, hb = m->blocks[b].height;
        if (ha >= hb) a = m->blocks[a].parent;
        if (hb >= ha) b = m->blocks[b].parent;
    }
    return a == b ? a : -1;
}

static uint32_t fork__stamp(view_fork *f) {
    if (++f->epoch == 0) f->epoch = 1; /* after 2^32 evaluations: a stale stamp can only
                                          make a walk stop early once */
    return f->epoch;
}

/* The model's blocks as out/forks.h counts a fork's orphans: in the order
 * seen (parents first), rejected ones left out. */
static const block *fork__known_at(const void *user, size_t i) {
    const view_block *v = &((const view_model *)user)->blocks[i];
    return v->rejected ? NULL : v->b;
}

static size_t fork__known_after(const void *user, const block *b) {
    const view_model *m = user;
    intptr_t i = (intptr_t)hmap_get(&m->by_hash, b->hash, SHA256_LEN);
    return i ? (size_t)i : 0; /* index + 1: the first that may descend from it */
}

static void fork__series(view_model *m, int64_t t_us, int branches) {
    if (m->n_series && m->series[m->n_series - 1].branches == branches) return;
    if (m->n_series && m->series[m->n_series - 1].t_us == t_us) {
        m->series[m->n_series - 1].branches = branches; /* one instant, one point */
        return;
    }
    m->series = xgrow(m->series, &m->cap_series, m->n_series + 1, sizeof *m->series);
    m->series[m->n_series++] = (view_branches_point){t_us, branches};
}

/* The fork history (out/forks.h) from the state just decided. */
static void fork__episode(view_model *m, int64_t t_us) {
    const view_fork *f = &m->fork;
    forks_state st = {.kind = f->state == VIEW_FORKED     ? FORKS_FORKED
                              : f->state == VIEW_ALL_DOWN ? FORKS_ALL_DOWN
                                                          : FORKS_ONE_CHAIN,
                      .fork_point = f->fork_point >= 0 ? m->blocks[f->fork_point].b : NULL,
                      .n_branches = (int)f->n_branches,
                      .top = f->top >= 0 ? m->blocks[f->top].b : NULL};
    forks_blocks known = {.user = m, .n = m->n_blocks, .at = fork__known_at,
                          .after = fork__known_after};
    forks_history_update(&m->fork.hist, t_us, &st, &known);
}

void view__fork_eval(view_model *m, int64_t t_us) {
    view_fork *f = &m->fork;
    m->fork_dirty = false;
    f->n_branches = 0;
    f->fork_point = f->top = -1;
    f->top_nodes = f->behind_fork = 0;
    if (m->n_tips == 0) {
        f->state = VIEW_ALL_DOWN;
        fork__series(m, t_us, 0);
        return;
    }
    f->scratch = xgrow(f->scratch, &f->cap_scratch, m->n_tips, sizeof *f->scratch);
    int *order = f->scratch;
    memcpy(order, m->tips, m->n_tips * sizeof *order);
    fork__blocks = m->blocks;
    qsort(order, m->n_tips, sizeof *order, fork__by_height);
    int64_t low = m->blocks[order[m->n_tips - 1]].height;
    /* Highest first: a tip no higher tip's walk has stamped is a branch tip;
     * its walk stamps its ancestors down to the lowest tip with its branch. */
    uint32_t e = fork__stamp(f);
    for (size_t k = 0; k < m->n_tips; k++) {
        int t = order[k];
        if (m->blocks[t].mark == e) continue;
        int br = (int)f->n_branches;
        f->branches = xgrow(f->branches, &f->cap_branches, f->n_branches + 1, sizeof *f->branches);
        f->branches[f->n_branches++] = (view_branch){.tip = t};
        for (int b = t; b >= 0 && m->blocks[b].height >= low && m->blocks[b].mark != e;
             b = m->blocks[b].parent) {
            m->blocks[b].mark = e;
            m->blocks[b].mark_arg = br;
        }
    }
    int fp = -1;
    if (f->n_branches > 1) {
        fp = f->branches[0].tip;
        for (size_t j = 1; j < f->n_branches && fp >= 0; j++) fp = fork__lca(m, fp, f->branches[j].tip);
    }
    int64_t fp_h = fp >= 0 ? m->blocks[fp].height : -1;
    for (size_t k = 0; k < m->n_tips; k++) {
        view_block *v = &m->blocks[m->tips[k]];
        const view_block *front = &m->blocks[f->branches[v->mark_arg].tip];
        v->front = f->branches[v->mark_arg].tip;
        v->behind = (int)(front->height - v->height);
        v->behind_fork = f->n_branches > 1 && v->height <= fp_h;
        if (v->behind_fork) f->behind_fork += v->tip_nodes;
        else f->branches[v->mark_arg].nodes += v->tip_nodes;
    }
    if (f->n_branches == 1) {
        f->state = m->n_tips == 1 ? VIEW_AGREED : VIEW_PROPAGATING;
    } else {
        f->state = VIEW_FORKED;
        f->fork_point = fp;
        qsort(f->branches, f->n_branches, sizeof *f->branches, fork__branch_cmp);
    }
    f->top = f->branches[0].tip;
    f->top_nodes = m->blocks[f->top].tip_nodes;
    fork__episode(m, t_us);
    fork__series(m, t_us, (int)f->n_branches);
}

int view__node_behind(const view_model *m, int node_id) {
    const view_node *n = &m->nodes[node_id];
    return n->crashed ? 0 : m->blocks[n->tip_idx].behind;
}

int view__node_colour(const view_model *m, int node_id) {
    const view_node *n = &m->nodes[node_id];
    if (n->crashed) return -1;
    const view_block *v = &m->blocks[n->tip_idx];
    /* behind on a branch: that branch's colour (its tip's block may be an
     * older branch's, the fork point of a branch that took over) */
    return v->behind > 0 && !v->behind_fork ? m->blocks[v->front].colour : v->colour;
}

void view__fork_banner(const view_model *m, char *title, size_t title_len, char *detail,
                       size_t detail_len) {
    const view_fork *f = &m->fork;
    detail[0] = '\0';
    int64_t top_h = f->top >= 0 ? m->blocks[f->top].height : 0;
    switch (f->state) {
    case VIEW_ALL_DOWN: snprintf(title, title_len, "every node is down"); return;
    case VIEW_AGREED:
        snprintf(title, title_len, "All %d nodes agree on #%" PRId64, m->live, top_h);
        return;
    case VIEW_PROPAGATING:
        snprintf(title, title_len, "#%" PRId64 " reached %d of %d", top_h, f->top_nodes, m->live);
        snprintf(detail, detail_len, "one chain: the others are catching up, no fork");
        return;
    case VIEW_FORKED: break;
    }
    if (f->fork_point >= 0)
        snprintf(title, title_len, "Fork at #%" PRId64 ": %zu branches",
                 m->blocks[f->fork_point].height, f->n_branches);
    else /* a branch whose ancestors the view has not seen */
        snprintf(title, title_len, "Fork: %zu branches", f->n_branches);
    size_t n = 0;
    for (size_t j = 0; j < f->n_branches && n + 16 < detail_len; j++)
        n += (size_t)snprintf(detail + n, detail_len - n, "%s%d", j ? " vs " : "", f->branches[j].nodes);
    if (n + 8 < detail_len) n += (size_t)snprintf(detail + n, detail_len - n, " nodes");
    if (f->behind_fork > 0 && n + 40 < detail_len)
        snprintf(detail + n, detail_len - n, ", %d still at the fork point", f->behind_fork);
}
