/* forks.c - forks among the live tips and their history (see forks.h).
 *
 * Classifying the tips sorts them highest first: a tip can only be the
 * ancestor of a higher one, so each tip is checked against the branch tips
 * found before it, with block_ancestor (skip pointers, O(log height)). The
 * common ancestor of two blocks is found by bisecting on height, since two
 * lineages that agree at a height agree below it. A fork's orphans are
 * counted once, when it ends, by one scan of the blocks from its fork point
 * on (blocks come parents first, so nothing before it can descend from it). */
#include "out/forks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/duration.h"

void forks_history_init(forks_history *h) {
    memset(h, 0, sizeof *h);
    h->since_us = -1;
}

static bool forks__descends(const block *b, const block *ancestor) {
    return b->index >= ancestor->index && block_ancestor(b, ancestor->index) == ancestor;
}

const block *forks_common_ancestor(const block *a, const block *b) {
    if (!a || !b) return NULL;
    int64_t h = a->index < b->index ? a->index : b->index;
    a = block_ancestor(a, h);
    b = block_ancestor(b, h);
    if (!a || !b) return NULL;
    if (a == b) return a;
    if (block_ancestor(a, 1) != block_ancestor(b, 1)) return NULL;
    int64_t lo = 1, hi = h; /* agree at lo, differ at hi */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (block_ancestor(a, mid) == block_ancestor(b, mid)) lo = mid;
        else hi = mid;
    }
    return block_ancestor(a, lo);
}

static int forks__by_height(const void *pa, const void *pb) {
    const block *a = *(const block *const *)pa, *b = *(const block *const *)pb;
    if (a->index != b->index) return a->index > b->index ? -1 : 1;
    return memcmp(a->hash, b->hash, SHA256_LEN);
}

forks_state forks_classify(const block **tips, size_t n) {
    if (n == 0) return (forks_state){.kind = FORKS_ALL_DOWN};
    qsort(tips, n, sizeof *tips, forks__by_height);
    size_t branches = 0;
    for (size_t k = 0; k < n; k++) {
        const block *t = tips[k];
        bool under = false;
        for (size_t j = 0; j < branches && !under; j++) under = forks__descends(tips[j], t);
        if (under) continue;
        tips[k] = tips[branches];
        tips[branches++] = t;
    }
    if (branches == 1) return (forks_state){.kind = FORKS_ONE_CHAIN, .n_branches = 1, .top = tips[0]};
    const block *fp = tips[0];
    for (size_t j = 1; j < branches && fp; j++) fp = forks_common_ancestor(fp, tips[j]);
    return (forks_state){.kind = FORKS_FORKED, .fork_point = fp, .n_branches = (int)branches};
}

int forks_orphaned(const forks_blocks *known, const block *fp, const block *winner) {
    if (!fp || !winner) return 0;
    int orphaned = 0;
    for (size_t i = known->after(known->user, fp); i < known->n; i++) {
        const block *b = known->at(known->user, i);
        if (!b || b == fp || !forks__descends(b, fp)) continue;
        bool on_winner = b->index <= winner->index && block_ancestor(winner, b->index) == b;
        orphaned += !on_winner;
    }
    return orphaned;
}

bool forks_history_update(forks_history *h, int64_t t_us, const forks_state *st,
                          const forks_blocks *known) {
    if (st->kind == FORKS_FORKED) {
        const block *fp = st->fork_point;
        if (h->since_us < 0) {
            h->since_us = t_us;
            h->since_fork_point = fp;
            h->since_branches = st->n_branches;
            h->n_forks++;
            return false;
        }
        if (fp && (!h->since_fork_point || fp->index < h->since_fork_point->index))
            h->since_fork_point = fp;
        if (st->n_branches > h->since_branches) h->since_branches = st->n_branches;
        return false;
    }
    if (st->kind == FORKS_ALL_DOWN || h->since_us < 0) return false;
    const block *fp = h->since_fork_point;
    forks_record r = {.start_us = h->since_us, .end_us = t_us,
                      .fork_height = fp ? fp->index : -1,
                      .branches = h->since_branches,
                      .orphaned = forks_orphaned(known, fp, st->top)};
    h->latest = r;
    if (!h->have_latest || r.end_us - r.start_us >= h->longest.end_us - h->longest.start_us)
        h->longest = r;
    h->have_latest = true;
    h->since_us = -1;
    h->since_fork_point = NULL;
    return true;
}

void forks_record_text(const forks_record *r, char *out, size_t len) {
    char d[32];
    duration_format(d, sizeof d, r->end_us - r->start_us);
    int n = snprintf(out, len, "%s, %d block%s orphaned", d, r->orphaned, r->orphaned == 1 ? "" : "s");
    if (r->fork_height >= 0 && n > 0 && (size_t)n < len)
        snprintf(out + n, len - (size_t)n, " (fork at #%" PRId64 ")", r->fork_height);
}
