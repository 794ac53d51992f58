/* metrics.h - what a run measured, computed from the event stream alone.
 *
 * A metrics object is an event sink (metrics_sink). It keeps one record per
 * mined block (when it reached 50%, 90%, 100% of the nodes), each node's
 * current tip and how many nodes share each tip, and counters. At the end,
 * metrics_finish picks the main chain (the live nodes' heaviest tip; ties to
 * the tip most nodes hold) and derives stale blocks, forks, confirmation
 * latencies and percentiles. Percentiles interpolate linearly between ranks
 * (as numpy's default). Memory: one record per mined block plus a few words
 * per node; it does not grow with messages.
 *
 * Observers (EV_HEARD) are measured as Decker & Wattenhofer (2013) and
 * Gervais et al. (2015) measured the real network: per (observer, block),
 * the time from the first announcement the observer got until 50% and 90%
 * of its peers had announced the block (observer_reach50/90_median_s; the
 * mining-time variant adds the time from mining to that first
 * announcement), and the distribution of every later announcement's delay
 * after the first (observer_delay_*). Memory: a record per (observer,
 * block) and a double per announcement. */
#ifndef CHAINSIM_OUT_METRICS_H
#define CHAINSIM_OUT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"
#include "chain/reject.h"
#include "net/msg.h"
#include "node/event.h"
#include "out/forks.h"
#include "sim/sim.h"
#include "util/hmap.h"

typedef struct block_stat {
    const block *b;
    int64_t mined_us;
    int miner;
    int64_t reached;         /* nodes that accepted it */
    double delay_sum_s;      /* their delays from its mining (the miner's 0 too) */
    int64_t t50_us, t90_us, t100_us; /* from mining until that share of the nodes
                                        up at the time held it; -1 = never */
    int children;            /* mined blocks built on it */
    bool main;               /* in the final main chain */
} block_stat;

/* One double-spend round: when it started and ended (-1: still racing at
 * the end), 1 released, 0 gave up, -1 unresolved, and the lead at its end. */
typedef struct ds_round {
    int node;
    int64_t start_us, end_us;
    int outcome;
    int lead;
} ds_round;

/* One block as one observer (node/attack/observer.c) heard it announced:
 * each peer's first announcement counts once (EV_HEARD), and the shares are
 * of the observer's peers at that announcement (the event's value2). */
typedef struct obs_stat {
    uint8_t key[sizeof(int32_t) + SHA256_LEN]; /* observer id, block hash */
    const block *b;
    int observer;
    int64_t mined_us;        /* the block's mining (its block_stat) */
    int64_t first_us;        /* the first announcement it got */
    int64_t heard;           /* peers that announced it */
    int64_t t50_us, t90_us;  /* from first_us until that share of its peers
                                had announced it; -1 = never */
} obs_stat;

typedef struct tips_point {
    int64_t t_us;
    int distinct;            /* distinct tips among live nodes from t on */
} tips_point;

typedef struct percentiles {
    size_t n;                /* samples */
    double median, p90, max;
} percentiles;

/* The main chain's retarget windows (metrics_retarget.c); all 0 without
 * retargeting. Window 0 holds heights 1 .. every - 1 (every - 1 intervals
 * from the genesis), window k >= 1 heights k x every .. (k + 1) x every - 1
 * (every intervals, the first one from the last block of window k - 1).
 * Rates are main-chain blocks per block_interval (an honest miner of share
 * a earns a); times are the blocks' timestamps. */
typedef struct metrics_retarget {
    uint64_t retargets;              /* windows begun after the first */
    double difficulty_final;         /* the main tip's relative difficulty */
    double interval_first_s;         /* mean interval of window 0, if complete */
    double interval_last_s;          /* of the last complete window */
    double attacker_rate_first;      /* attackers' blocks per interval in window 0 */
    double attacker_rate_after;      /* from the end of window 0 to the main tip */
    double attacker_profit_time_s;   /* from then on their blocks stay >= share x
                                        t / interval; -1 if not so at the end */
    double selfish_profit_theory_s;  /* Grunspan & Perez-Marco: when selfish
                                        mining's revenue overtakes honest mining;
                                        -1 = never; 0 without a selfish miner */
    size_t n_windows;                /* complete windows, for the report: */
    double *window_interval_s;       /*   mean interval of each */
    double *window_difficulty;       /*   relative difficulty of its blocks */
} metrics_retarget;

typedef struct metrics {
    int n_nodes;
    const sim *sim;          /* metrics_attach's: where metrics_finish reads the sends */
    const block *genesis;

    block_stat *blocks;      /* mined blocks, in mining order */
    size_t n_blocks, cap_blocks;
    hmap by_hash;            /* block hash -> index + 1 into blocks */
    int genesis_children;
    double delay_sum_s;      /* every node's delay from a block's mining to its */
    uint64_t delay_samples;  /* acceptance there (the miner at 0): tau's parts */

    const block **tip;       /* per node */
    bool *down;              /* per node: crashed */
    int n_down;
    hmap tip_count;          /* block hash -> (intptr) live nodes on it */
    hmap tip_block;          /* the same keys -> the block (const block *) */
    int distinct;
    int64_t last_split_us, last_agree_us;
    bool ever_split;
    tips_point *tips_series;
    size_t n_tips_series, cap_tips_series;
    forks_history fork_hist; /* forks among the live tips (out/forks.h), decided once
                                per instant in which a tip changed */
    bool forks_dirty;        /* a tip changed at forks_dirty_us: decide again */
    int64_t forks_dirty_us;
    const block **forks_scratch;
    size_t cap_forks_scratch;

    uint64_t reorgs, max_reorg_depth;
    uint64_t blocks_rejected, chains_rejected;
    uint64_t rejected_by[REJ_COUNT];      /* blocks and chains, by reason */
    uint64_t tx_accepted, tx_rejected;
    uint64_t tx_rejected_by[REJ_COUNT];   /* user submissions, by reason */
    hmap tx_submitted;       /* id -> submit record (user transactions) */
    sim_sends sent;          /* every message sent: the sim's count, taken by
                                metrics_finish (metrics_add_sends without a sim) */
    uint64_t msgs_dropped;
    uint64_t dropped_by_fate[WIRE_FATE_COUNT]; /* by wire_fate ([WIRE_DELIVER] stays 0) */
    bool *attacker;                       /* per node: announced EV_ATTACKER */
    int n_attackers, n_selfish, n_double_spenders; /* observers are none of them */
    int n_observers;                      /* EV_ATTACKER of strategy observer */
    obs_stat **obs;                       /* (observer, block) records, in the */
    size_t n_obs, cap_obs;                /* order of their first announcement */
    hmap obs_by_key;                      /* obs_stat.key -> the record */
    double *obs_delays;                   /* every later announcement's delay */
    size_t n_obs_delays, cap_obs_delays;  /* from the first, seconds */
    int64_t obs_delay_sum_us;
    double attacker_share;                /* their hash-power share, summed */
    double selfish_share, selfish_gamma;  /* alpha and gamma of selfish mining */
    uint64_t double_spends_released;
    double ds_share;                      /* the first double spender's q */
    int ds_z, ds_need;                    /* its z and the lead its rule needs
                                             (dspend.h); ds_z 0 = no round yet */
    uint64_t ds_success, ds_failed;
    int64_t ds_lead_sum;                  /* over released rounds */
    ds_round *ds_rounds;                  /* in the order they started */
    size_t n_ds_rounds, cap_ds_rounds;
    uint64_t selfish_races, selfish_races_ours; /* tie races an honest block decided,
                                                   and those it decided on the
                                                   attacker's side: gamma */
    int64_t block_interval_us;            /* for stale_rate_theory; 0 = unknown */
    int64_t measure_from_us, measure_to_us; /* the measurement window; to 0 = the end */
    int64_t retarget_every;               /* the chain's window; 0 = no retargeting */

    /* filled by metrics_finish */
    bool finished;
    int64_t end_us;
    const block *main_tip;
    int64_t height;
    size_t n_measured;                    /* mined blocks inside the window (all: none set) */
    uint64_t stale_blocks, forks, tx_confirmed, nodes_live; /* stale, forks: in the window */
    double stale_rate;
    percentiles prop50, prop90, prop100;  /* seconds, over blocks that got there */
    percentiles obs50, obs90;             /* seconds from the first announcement, over
                                             (observer, block) records that got there */
    percentiles obs50_mined;              /* the same from the block's mining */
    percentiles obs_delay;                /* over obs_delays; obs_delay_mean_s */
    double obs_delay_mean_s;              /* their mean (0 without any) */
    percentiles confirm;                  /* seconds, user tx -> main-chain block */
    double convergence_time_s;            /* -1 if not converged */
    double mean_delay_s;                  /* tau: the stale rate theory predicts
                                             is 1 - exp(-tau / block interval) */
    double attacker_revenue;              /* attackers' share of main-chain blocks */
    double selfish_theory;                /* Eyal & Sirer's R(alpha, gamma);
                                             0 without selfish miners */
    metrics_retarget retarget;            /* retargeting on the main chain */
} metrics;

metrics *metrics_new(int n_nodes, const block *genesis);
void metrics_free(metrics *m);
/* The event sink: sim_add_sink_filtered(s, metrics_sink, m, METRICS_EVENTS).
 * It takes no event per message: the sends are counted by the sim
 * (sim_sends_get), deliveries are not counted at all. */
#define METRICS_EVENTS (~(1u << EV_MSG_DELIVERED | 1u << EV_MSG_SENT))
void metrics_sink(void *user, const sim_event *ev);
/* The scenario's mean block interval T, so that the stale rate theory
 * predicts from the run's tau (1 - e^(-tau/T)) is a metric too. Without it
 * (0, the default) the theory does not apply. */
void metrics_set_block_interval(metrics *m, int64_t us);
/* The measurement window (scenario "measure"): blocks_mined, stale
 * blocks and rate, forks, the propagation percentiles, tau (and the theory
 * from it) and the attackers' revenue count only the blocks mined at
 * from_us <= t < to_us (to_us 0: to the end). Counters of messages,
 * transactions, reorgs and agreement stay the whole run's. Call before
 * metrics_finish; metrics_attach sets the scenario's. */
void metrics_set_window(metrics *m, int64_t from_us, int64_t to_us);
/* True if a window narrower than the whole run is set. */
bool metrics_windowed(const metrics *m);
/* True if block st counts in the window. */
bool metrics_measured(const metrics *m, const block_stat *st);
/* The metrics of a run: a new object for s's nodes and genesis, with the
 * scenario's block interval when its blocks come from automatic mining
 * (manual and race mining have no T to predict from), attached to s as a
 * sink, with the scenario's measurement window. The caller owns it (metrics_free, after sim_free or before the
 * run only if never run). */
metrics *metrics_attach(sim *s);
/* The chain's retarget window (chain_params.retarget_every; 0 = none), for
 * the retarget metrics. */
void metrics_set_retarget(metrics *m, int64_t every);
/* Adds sends to the message counts (metrics_finish adds the attached sim's
 * itself; for metrics fed by hand, as the tests do). */
void metrics_add_sends(metrics *m, const sim_sends *c);
/* Derives the end-of-run figures; call once, after the run, while the sim
 * metrics_attach tied it to still exists (its sends are read here). */
void metrics_finish(metrics *m, int64_t end_us);
/* A scalar by name (see metric_names.h); false if the name is unknown.
 * *out is NAN when the metric does not apply to this run (attacker figures
 * without attackers, convergence when the nodes never agreed, the stale
 * rate theory without a block interval, ...): the CSV tables write such a
 * value as an empty field, the JSON report as null, and an `expect` rule on
 * it fails with metrics_not_applicable's reason. */
bool metrics_value(const metrics *m, const char *name, double *out);
/* Why metric `name` does not apply to this run ("no attackers"), or NULL
 * when it does (or the name is unknown). A static string. */
const char *metrics_not_applicable(const metrics *m, const char *name);
/* Eyal & Sirer (2014), eq. 8: the revenue share of a selfish pool of hash
 * share alpha whose blocks win a tie race at a share gamma of the honest
 * network:
 *   R = [a(1-a)^2 (4a + g(1-2a)) - a^3] / [1 - a(1 + (2-a)a)] */
double metrics_selfish_revenue(double alpha, double gamma);
/* Grunspan & Perez-Marco (2018): the time from the start after which a
 * selfish miner (Eyal & Sirer's strategy, hash share alpha, tie share
 * gamma) has earned more than honest mining would have, when the difficulty
 * retargets after `first_intervals` main-chain blocks of mean interval T
 * (then 1): before the retarget its blocks come at R x delta / T, delta the
 * share of all blocks that end in the main chain, after it at R / T, so
 *   t = t1 x R (1 - delta) / (R - alpha),   t1 = first_intervals x T / delta.
 * Seconds; -1 if R <= alpha (never profitable). */
double metrics_selfish_profit_time(double alpha, double gamma, int64_t first_intervals,
                                   double interval_s);
/* Eyal & Sirer's delta: of all blocks found, the share that ends in the
 * main chain under selfish mining (their Markov chain's main-chain blocks
 * per state transition). */
double metrics_selfish_main_share(double alpha, double gamma);
/* A block's own tau: its mean delay from mining to acceptance over the
 * nodes that accepted it (the miner at 0); NAN if none did. */
double metrics_block_tau(const block_stat *st);
/* Percentiles of v[0..n) (sorts v in place). */
percentiles metrics_percentiles(double *v, size_t n);

#endif
