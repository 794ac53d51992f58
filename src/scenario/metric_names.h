/* metric_names.h - the scalar metrics a scenario's "expect" may bound and
 * the report prints. metrics_value() (metrics.h) answers each of them. */
#ifndef CHAINSIM_SCENARIO_METRIC_NAMES_H
#define CHAINSIM_SCENARIO_METRIC_NAMES_H

#include <stdbool.h>
#include <string.h>

#define METRIC_NAMES(X)                                                        \
    X(blocks_mined, "blocks sealed by any node (genesis excluded)")            \
    X(blocks_rejected, "blocks refused by some node (counted per node)")       \
    X(stale_blocks, "mined blocks not in the final main chain")                \
    X(stale_rate, "stale_blocks / blocks_mined")                               \
    X(forks, "blocks with two or more children")                               \
    X(reorgs, "tip changes that undid at least one block")                     \
    X(max_reorg_depth, "most blocks undone by one reorg")                      \
    X(height, "height of the final main chain's tip (genesis = 1)")            \
    X(tx_accepted, "transactions accepted into some mempool")                  \
    X(tx_rejected, "transactions refused (all reasons)")                       \
    X(tx_confirmed, "distinct transactions in the final main chain")           \
    X(messages_sent, "messages put on the wire")                               \
    X(messages_dropped, "messages lost, cut off or sent to a crashed node")    \
    X(bytes_sent, "bytes put on the wire")                                     \
    X(propagation_median_s, "median over blocks of the time to reach all live nodes") \
    X(propagation_p90_s, "90th percentile of that")                            \
    X(propagation_mean_s, "mean delay from mining to a node, over every node and block (tau)") \
    X(convergence_time_s, "time from the last block to all nodes agreeing")    \
    X(distinct_tips, "distinct tips among live nodes at the end")                \
    X(reach50_median_s, "median over blocks of the time to reach half the nodes") \
    X(reach90_median_s, "median over blocks of the time to reach 90% of the nodes") \
    X(observer_reach50_median_s, "median over (observer, block) of the time from the first announcement it got until half its peers announced the block") \
    X(observer_reach90_median_s, "the same until 90% of its peers announced it") \
    X(observer_reach50_mined_median_s, "observer_reach50 timed from the block's mining instead of its first announcement") \
    X(observer_delay_median_s, "median over (observer, block, peer) of a peer's first announcement after the first one (the first excluded)") \
    X(observer_delay_p90_s, "90th percentile of that")                         \
    X(observer_delay_mean_s, "mean of that")                                   \
    X(chains_rejected, "chains refused by a resolve (counted per node)")        \
    X(nodes_live, "nodes up at the end")                                       \
    X(attacker_share, "attackers' share of the hash power")                   \
    X(attacker_revenue, "attackers' share of the main chain's blocks")         \
    X(selfish_revenue_theory, "Eyal & Sirer's R(alpha, gamma) for the selfish miner") \
    X(selfish_revenue_gap, "attacker_revenue - selfish_revenue_theory")        \
    X(selfish_gamma_measured, "tie races an honest block decided on the selfish miner's side, of all") \
    X(double_spends_released, "double-spend branches released")              \
    X(double_spend_rounds, "double-spend rounds started (\"rounds\" attacks in one run)") \
    X(double_spend_success, "rounds whose branch was released: the payment reversed (with release \"tie\": caught up)") \
    X(double_spend_failed, "rounds the attacker gave up (give_up blocks behind)") \
    X(double_spend_unresolved, "rounds still racing when the run ended")     \
    X(double_spend_success_rate, "double_spend_success / (success + failed): the measured probability") \
    X(double_spend_lead_mean, "mean lead of a released branch over the public chain, in blocks") \
    X(double_spend_rosenfeld, "Rosenfeld 2014's exact probability for the attacker's q, z, release rule and pre-mining") \
    X(double_spend_nakamoto, "Nakamoto 2008 (sec. 11)'s Poisson approximation for q and z") \
    X(double_spend_rosenfeld_gap, "double_spend_success_rate - double_spend_rosenfeld") \
    X(stale_rate_theory, "1 - exp(-propagation_mean_s / block interval): what tau predicts") \
    X(stale_rate_gap, "(stale_rate - stale_rate_theory) / stale_rate_theory")  \
    X(retargets, "difficulty adjustments on the main chain (chain.retarget)")  \
    X(difficulty_final, "the main tip's difficulty relative to the start (1 without retargeting)") \
    X(interval_first_window_s, "mean block interval of the main chain's first retarget window") \
    X(interval_last_window_s, "mean block interval of its last complete retarget window") \
    X(attacker_rate_first_window, "attackers' main-chain blocks per block interval before the first retarget") \
    X(attacker_rate_after_retarget, "the same from the first retarget to the end") \
    X(attacker_profit_time_s, "from then on the attackers' main-chain blocks stay >= share x t / interval") \
    X(selfish_profit_time_theory_s, "Grunspan & Perez-Marco: when selfish mining's revenue overtakes honest mining's") \
    X(longest_fork_s, "the longest fork that ended: from the first instant live nodes were on competing branches until one won") \
    X(longest_fork_orphaned, "blocks that fork left off the winning chain") \
    X(tau_over_interval, "x = propagation_mean_s / block interval: the stale formulas hold while it is small") \
    X(stale_rate_theory_x1x, "x / (1 + x): stale blocks per mined block that tau predicts, to second order")

static inline bool metric_name_known(const char *name) {
#define METRIC_NAME_CMP_(n, d) if (strcmp(name, #n) == 0) return true;
    METRIC_NAMES(METRIC_NAME_CMP_)
#undef METRIC_NAME_CMP_
    return false;
}

#endif
