/* retarget.c - the retarget rule (retarget.h). Only a window's first block
 * looks back (one block_ancestor, O(log n)); every other block copies its
 * parent's relative difficulty. */
#include "chain/retarget.h"

#include <assert.h>

double retarget_factor(int64_t expected_us, int64_t actual_us, double clamp) {
    assert(clamp >= 1);
    if (actual_us <= 0) return clamp;
    double f = (double)expected_us / (double)actual_us;
    if (f > clamp) return clamp;
    if (f < 1 / clamp) return 1 / clamp;
    return f;
}

bool retarget_due(const block *parent, const chain_params *p) {
    /* The child's height is parent->index (the genesis has height 0). */
    return p->retarget_every > 0 && parent->index % p->retarget_every == 0;
}

double retarget_next(const block *parent, const chain_params *p) {
    if (!retarget_due(parent, p)) return parent->rel_difficulty;
    /* Heights: the parent is h - 1, the window began after h - 1 - every
     * (the genesis, height 0, for the first window). */
    int64_t first_index = parent->index - p->retarget_every;
    if (first_index < 1) first_index = 1;
    const block *first = block_ancestor(parent, first_index);
    assert(first);
    int64_t intervals = parent->index - first_index;
    if (intervals == 0) return parent->rel_difficulty; /* every 1: nothing measured yet */
    int64_t actual_us = (parent->timestamp_ms - first->timestamp_ms) * 1000;
    return parent->rel_difficulty *
           retarget_factor(intervals * p->block_interval_us, actual_us, p->retarget_clamp);
}
