/* retarget.h - difficulty adjustment: Bitcoin's retarget rule on the
 * simulated difficulty.
 *
 * A block's proof of work is real (its `difficulty` bits never change, see
 * block.h); what retargeting changes is the block's *relative difficulty*
 * D, a factor on top of those bits: the auto miner finds a block on a
 * parent at the rate share / (D x block_interval) (node_miner.c) and the
 * block adds 2^bits x D of work (bstore.c), so fork choice stays "most
 * cumulative work". D = 1 at the genesis and whenever retargeting is off,
 * so runs without it have exactly the work and the rates they always had.
 *
 * The rule (Bitcoin's CalculateNextWorkRequired, on D instead of the
 * target): the block at height h (= index - 1) with h a multiple of
 * `every` (h > 0) starts a new window; every other block keeps its parent's
 * D. The new D is the parent's times
 *
 *     expected / actual,   clamped to [1 / clamp, clamp]
 *
 * where actual is the time between the timestamps of the window's last block
 * (height h - 1) and of the block `every` heights before it (the previous
 * window's last block; the genesis for the first window, which therefore
 * spans every - 1 intervals), and expected is the number of those intervals
 * times block_interval. Bitcoin measures 2015 intervals against 2016 x T (an
 * off-by-one of 0.05% at 2016); here the intervals measured and expected are
 * the same, so a short window in a test is not biased either. An actual
 * time of 0 or less (equal timestamps) takes the clamp. */
#ifndef CHAINSIM_CHAIN_RETARGET_H
#define CHAINSIM_CHAIN_RETARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/block.h"
#include "chain/params.h"

/* expected_us / actual_us clamped to [1 / clamp, clamp]; clamp (> 1) when
 * actual_us <= 0. clamp >= 1. */
double retarget_factor(int64_t expected_us, int64_t actual_us, double clamp);

/* True if a child of `parent` starts a new window (its height is a
 * positive multiple of p->retarget_every); always false when retargeting
 * is off. */
bool retarget_due(const block *parent, const chain_params *p);

/* The relative difficulty of a child of `parent` (rooted, with counting
 * heights: a valid block). p is resolved (chain_params_resolve). */
double retarget_next(const block *parent, const chain_params *p);

#endif
