/* test_retarget.c - difficulty adjustment: the rule's factor and clamp, the
 * relative difficulty and work the store derives per branch, fork choice by
 * cumulative work (not length), and whole runs where hash power leaves and
 * the interval comes back to T. */
#include <math.h>

#include "check.h"
#include "chain/chain.h"
#include "chain/retarget.h"
#include "sim_fixture.h"

#define US(s) ((int64_t)llround((double)(s) * 1e6))

static void test_factor_and_clamp(void) {
    CHECK_DBL_NEAR(retarget_factor(US(600), US(600), 4), 1.0, 0);
    CHECK_DBL_NEAR(retarget_factor(US(600), US(300), 4), 2.0, 0);   /* too fast: harder */
    CHECK_DBL_NEAR(retarget_factor(US(600), US(1200), 4), 0.5, 0);  /* too slow: easier */
    CHECK_DBL_NEAR(retarget_factor(US(600), US(100), 4), 4.0, 0);   /* 6x: clamped */
    CHECK_DBL_NEAR(retarget_factor(US(600), US(6000), 4), 0.25, 0); /* 1/10: clamped */
    CHECK_DBL_NEAR(retarget_factor(US(600), US(6000), 20), 0.1, 1e-15);
    CHECK_DBL_NEAR(retarget_factor(US(600), 0, 4), 4.0, 0);         /* equal timestamps */
    CHECK_DBL_NEAR(retarget_factor(US(600), -5, 4), 4.0, 0);
    CHECK_DBL_NEAR(retarget_factor(US(600), US(300), 1), 1.0, 0);   /* clamp 1: never moves */
}

/* A block on `parent` sealed at sim time t_s (difficulty 1), interned. */
static block *seal_at(bstore *s, const block *parent, double t_s, const char *miner) {
    static int seq;
    char id[64];
    snprintf(id, sizeof id, "r-%d", ++seq);
    tx *reward = cf_tx(TX_REWARD_SENDER, miner, bstore_params(s)->reward, id);
    pow_job job;
    pow_job_init(&job, &(block_template){.index = parent->index + 1, .prev_hash = parent->hash_hex,
                                         .timestamp_ms = (int64_t)llround(t_s * 1000),
                                         .difficulty = 1, .miner = miner, .txs = &reward,
                                         .n_txs = 1});
    uint64_t tries = 0;
    block *b = pow_job_search(&job, 0, (uint64_t)1 << 20, &tries);
    pow_job_cleanup(&job);
    tx_unref(reward);
    if (!b) abort();
    return bstore_intern(s, b);
}

static bstore *store_every(int64_t every, double clamp, double interval_s) {
    chain_params p = {.difficulty = 1, .block_interval_us = US(interval_s),
                      .retarget_every = every, .retarget_clamp = clamp};
    return bstore_new(&p, genesis_with_balances(NULL, NULL, 0, 1));
}

/* every 4, T = 10 s: window 0 is heights 1..3 (3 intervals from the
 * genesis at t = 0), window 1 heights 4..7 (4 intervals from height 3). */
static void test_windows_on_one_branch(void) {
    bstore *s = store_every(4, 4, 10);
    const block *b = bstore_genesis(s);
    CHECK_DBL_NEAR(b->rel_difficulty, 1.0, 0);
    const block *h[16] = {b};
    double t = 0;
    for (int k = 1; k <= 3; k++) h[k] = seal_at(s, h[k - 1], t += 20, "m"); /* twice too slow */
    for (int k = 1; k <= 3; k++) CHECK_DBL_NEAR(h[k]->rel_difficulty, 1.0, 0);
    CHECK(!retarget_due(h[2], bstore_params(s)));
    CHECK(retarget_due(h[3], bstore_params(s)));
    /* 3 intervals took 60 s instead of 30 s: half the difficulty. */
    CHECK_DBL_NEAR(retarget_next(h[3], bstore_params(s)), 0.5, 1e-15);
    for (int k = 4; k <= 7; k++) h[k] = seal_at(s, h[k - 1], t += 2.5, "m"); /* 4x too fast */
    for (int k = 4; k <= 7; k++) CHECK_DBL_NEAR(h[k]->rel_difficulty, 0.5, 1e-15);
    /* 4 intervals in 10 s instead of 40 s: x4 (the clamp exactly). */
    h[8] = seal_at(s, h[7], t += 10, "m");
    CHECK_DBL_NEAR(h[8]->rel_difficulty, 2.0, 1e-15);
    /* Work: 2^1 per unit of difficulty, the genesis included. */
    CHECK_DBL_NEAR(h[8]->cum_work, 2 * (1 + 3 * 1.0 + 4 * 0.5 + 2.0), 1e-12);
    bstore_free(s);
}

/* A window far too slow is clamped: at most a quarter as hard per retarget. */
static void test_clamp_on_a_slow_window(void) {
    bstore *s = store_every(2, 4, 10);
    const block *g = bstore_genesis(s);
    const block *a = seal_at(s, g, 1000, "m"); /* 1 interval of 10 s took 1000 s */
    const block *b = seal_at(s, a, 1010, "m");
    CHECK_DBL_NEAR(b->rel_difficulty, 0.25, 0);
    const block *c = seal_at(s, b, 1020, "m");
    /* heights 2..3 in 20 s over 2 intervals from height 1: on time */
    const block *d = seal_at(s, c, 1030, "m");
    CHECK_DBL_NEAR(d->rel_difficulty, 0.25, 0);
    bstore_free(s);
}

/* Without retargeting every block has difficulty 1 and the work is the sum
 * of 2^bits, as before retargeting existed. */
static void test_off_keeps_work(void) {
    bstore *s = store_every(0, 0, 10);
    const block *x = bstore_genesis(s);
    for (int k = 1; k <= 9; k++) x = seal_at(s, x, k * 0.001, "m"); /* absurdly fast */
    CHECK_DBL_NEAR(x->rel_difficulty, 1.0, 0);
    CHECK_DBL_NEAR(x->cum_work, 2.0 * 10, 0);
    CHECK(!retarget_due(x, bstore_params(s)));
    bstore_free(s);
}

/* Fork choice is the most cumulative work, which is no longer the longest
 * chain once branches retarget differently: a fast branch of 2 blocks
 * (window 1 four times as hard) beats a slow branch of 3 (a quarter). */
static void test_fork_choice_by_work_not_length(void) {
    bstore *s = store_every(2, 4, 10);
    const block *g = bstore_genesis(s);
    block *a1 = seal_at(s, g, 1, "fast"), *a2 = seal_at(s, a1, 2, "fast");
    block *b1 = seal_at(s, g, 100, "slow"), *b2 = seal_at(s, b1, 101, "slow");
    block *b3 = seal_at(s, b2, 102, "slow");
    CHECK_DBL_NEAR(a2->rel_difficulty, 4.0, 0);
    CHECK_DBL_NEAR(b3->rel_difficulty, 0.25, 0);
    CHECK(a2->cum_work > b3->cum_work); /* 2 + 2 + 8 = 12 > 2 + 2 + 0.5 + 0.5 = 5 */
    chain c;
    chain_init(&c, s);
    chain_update u;
    block *order[] = {b1, b2, b3, a1, a2};
    for (size_t i = 0; i < 5; i++) {
        CHECK_INT_EQ(chain_add(&c, order[i], &u), CHAIN_ADDED);
        chain_update_cleanup(&u);
    }
    CHECK(c.tip == a2);
    CHECK_INT_EQ(chain_height(&c), 3);
    chain_cleanup(&c);
    bstore_free(s);
}

/* 20 equal miners, T = 60 s, windows of 400; `left` of them stop at t = 0. */
static void run_leave(fx_run *r, int left, int windows) {
    char json[4096];
    int n = snprintf(json, sizeof json,
                     "{'name': 'leave', 'nodes': 20, 'mining': 'auto', 'relay': 'push',"
                     " 'links': {'latency_ms': 10},"
                     " 'chain': {'difficulty': 1, 'block_interval_s': 60,"
                     "           'retarget': {'every': 400}},"
                     " 'stop': {'height': %d}, 'events': [",
                     1 + 400 * windows);
    for (int i = 0; i < left; i++)
        n += snprintf(json + n, sizeof json - (size_t)n,
                      "%s{'at': 0, 'do': 'hash_power', 'node': %d, 'value': 0}", i ? ", " : "",
                      19 - i);
    snprintf(json + n, sizeof json - (size_t)n, "]}");
    fx_run_start(r, json, false);
}

/* Each window's difficulty is the one before times T / its mean interval,
 * clamped (the rule, applied to what the main chain measured). */
static void check_rule_applied(const metrics_retarget *rt, double t_s, double clamp) {
    for (size_t k = 1; k < rt->n_windows; k++) {
        double f = t_s / rt->window_interval_s[k - 1];
        f = f > clamp ? clamp : f < 1 / clamp ? 1 / clamp : f;
        CHECK_DBL_NEAR(rt->window_difficulty[k], rt->window_difficulty[k - 1] * f,
                       1e-9 * rt->window_difficulty[k]);
    }
}

static double mean_interval(const metrics_retarget *rt, size_t from, size_t to) {
    double sum = 0;
    for (size_t k = from; k <= to; k++) sum += rt->window_interval_s[k];
    return sum / (double)(to - from + 1);
}

/* Half the hash power leaves at the start: window 0 runs at 2T, the first
 * retarget halves the difficulty and from window 1 on the interval is back
 * at T. Bounds: a window's mean of 400 exponential intervals has a relative
 * sd of 5%, the mean of three windows about 3.5% (the retargets pass each
 * window's error on to the next); the bounds are 3 sd. */
static void test_half_leaves_interval_returns(void) {
    fx_run r;
    run_leave(&r, 10, 4);
    const metrics_retarget *rt = &r.m->retarget;
    CHECK_INT_EQ(rt->n_windows, 4);
    CHECK_INT_EQ(rt->retargets, 4); /* heights 400, 800, 1200, 1600 */
    check_rule_applied(rt, 60, 4);
    CHECK_DBL_NEAR(rt->window_interval_s[0], 120, 120 * 0.15);
    CHECK_DBL_NEAR(rt->window_difficulty[1], 0.5, 0.5 * 0.15);
    CHECK_DBL_NEAR(mean_interval(rt, 1, 3), 60, 60 * 0.1);
    CHECK_DBL_NEAR(rt->interval_first_s, rt->window_interval_s[0], 0);
    CHECK_DBL_NEAR(rt->interval_last_s, rt->window_interval_s[3], 0);
    /* The tip at height 1600 begins window 4: its difficulty is the last one. */
    CHECK_DBL_NEAR(rt->difficulty_final, r.m->main_tip->rel_difficulty, 0);
    CHECK_INT_EQ(r.m->main_tip->index, 1601);
    double v = 0;
    CHECK(metrics_value(r.m, "interval_last_window_s", &v));
    CHECK_DBL_NEAR(v, rt->interval_last_s, 0);
    CHECK(metrics_value(r.m, "retargets", &v));
    CHECK_DBL_NEAR(v, 4, 0);
    fx_run_end(&r);
}

/* 18 of 20 leave: window 0 runs at 10T, more than the clamp allows, so the
 * first retarget divides the difficulty by exactly 4 (window 1 at 2.5T) and
 * the second finishes the job (difficulty near 0.1, the interval back at T
 * from window 2 on). */
static void test_ninety_percent_leave_clamped(void) {
    fx_run r;
    run_leave(&r, 18, 6);
    const metrics_retarget *rt = &r.m->retarget;
    CHECK_INT_EQ(rt->n_windows, 6);
    check_rule_applied(rt, 60, 4);
    CHECK_DBL_NEAR(rt->window_interval_s[0], 600, 600 * 0.15);
    CHECK_DBL_NEAR(rt->window_difficulty[1], 0.25, 0); /* the clamp, exactly */
    CHECK_DBL_NEAR(rt->window_interval_s[1], 150, 150 * 0.15);
    CHECK_DBL_NEAR(rt->window_difficulty[2], 0.1, 0.1 * 0.2);
    CHECK_DBL_NEAR(mean_interval(rt, 2, 5), 60, 60 * 0.1);
    fx_run_end(&r);
}

/* A selfish miner of 35% (gamma 1/2) on a chain that retargets every 300
 * blocks: before the first retarget its orphaning slows the main chain and
 * it earns less per unit time than its share (R x delta = 0.313 < 0.35),
 * after it more (R = 0.416); every retarget figure applies and is what
 * metrics_value answers (20 honest nodes as in selfish-a30-g50.json: gamma
 * about 0.475). Windows of 3000 blocks: over ten seeds the first window's
 * rate has sd 0.008 (0.35 lies 4.7 sd above its mean), the rate after and
 * the final difficulty sd 0.008 and 0.014; the bounds are about 3.5 sd.
 * (Windows of 300 gave sd 0.045: "< 0.35" held for a lucky seed only.) */
static void test_selfish_profits_after_retarget(void) {
    char json[4096];
    int n = snprintf(json, sizeof json,
                     "{'name': 'sr', 'nodes': [{'name': 's', 'hash_power': 35, 'region': 1}");
    for (int i = 0; i < 20; i++)
        n += snprintf(json + n, sizeof json - (size_t)n,
                      ", {'name': 'h%d', 'hash_power': 3.25, 'region': 0}", i);
    snprintf(json + n, sizeof json - (size_t)n,
             "], 'links': {'latency_ms': {'regions': [[5, 1], [1, 1]]}},"
             " 'chain': {'difficulty': 1, 'block_interval_s': 600, 'retarget': {'every': 3000}},"
             " 'mining': 'auto', 'relay': 'push', 'stop': {'height': 12001},"
             " 'attackers': [{'node': 's', 'strategy': 'selfish', 'gamma': 0.5}]}");
    fx_run r;
    fx_run_start(&r, json, false);
    const metrics_retarget *rt = &r.m->retarget;
    CHECK(rt->attacker_rate_first < 0.35);
    CHECK_DBL_NEAR(rt->attacker_rate_first, 0.313, 0.03);
    CHECK(rt->attacker_rate_after > 0.35);
    CHECK_DBL_NEAR(rt->attacker_rate_after, 0.416, 0.03);
    /* the main chain lost a quarter of the blocks: the difficulty follows */
    CHECK_DBL_NEAR(rt->difficulty_final, 0.752, 0.05);
    CHECK_DBL_NEAR(rt->selfish_profit_theory_s, metrics_selfish_profit_time(0.35, 0.5, 2999, 600),
                   1e-6);
    CHECK(rt->attacker_profit_time_s > 3000 * 600); /* never before the first retarget */
    struct { const char *name; double want; } all[] = {
        {"retargets", (double)rt->retargets},
        {"difficulty_final", rt->difficulty_final},
        {"interval_first_window_s", rt->interval_first_s},
        {"interval_last_window_s", rt->interval_last_s},
        {"attacker_rate_first_window", rt->attacker_rate_first},
        {"attacker_rate_after_retarget", rt->attacker_rate_after},
        {"attacker_profit_time_s", rt->attacker_profit_time_s},
        {"selfish_profit_time_theory_s", rt->selfish_profit_theory_s},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        double v = NAN;
        CHECK(metrics_value(r.m, all[i].name, &v));
        CHECK(metrics_not_applicable(r.m, all[i].name) == NULL);
        CHECK_DBL_NEAR(v, all[i].want, 0);
    }
    CHECK_INT_EQ(rt->retargets, 4);
    fx_run_end(&r);
}

/* Grunspan & Perez-Marco's time to profit from Eyal & Sirer's chain: the
 * main-chain share delta from the stationary distribution, checked against
 * R(a, g) (which uses the same distribution) and worked values. */
static void test_selfish_profit_theory(void) {
    /* alpha = 0.35, gamma = 0.5: R = 0.41603, delta = 0.75178 */
    CHECK_DBL_NEAR(metrics_selfish_revenue(0.35, 0.5), 0.41603, 1e-5);
    CHECK_DBL_NEAR(metrics_selfish_main_share(0.35, 0.5), 0.75178, 1e-5);
    /* t1 = 2015 x 600 / delta; t = t1 R (1 - delta) / (R - alpha) */
    double d = metrics_selfish_main_share(0.35, 0.5), R = metrics_selfish_revenue(0.35, 0.5);
    double want = 2015 * 600 / d * R * (1 - d) / (R - 0.35);
    CHECK_DBL_NEAR(metrics_selfish_profit_time(0.35, 0.5, 2015, 600), want, 1e-6);
    CHECK_DBL_NEAR(want / (2016 * 600), 2.0791, 1e-3); /* about two windows: four weeks */
    /* alpha = 0.1, gamma = 0.9: about five windows (ten weeks) */
    CHECK_DBL_NEAR(metrics_selfish_profit_time(0.1, 0.9, 2015, 600) / (2016 * 600), 5.09, 0.01);
    /* Below the threshold selfish mining never pays: */
    CHECK_DBL_NEAR(metrics_selfish_profit_time(0.25, 0, 2015, 600), -1, 0);
    /* With nothing withheld (alpha -> 0) every block is in the main chain. */
    CHECK_DBL_NEAR(metrics_selfish_main_share(1e-9, 0.5), 1.0, 1e-8);
}

static const test_case cases[] = {
    TEST(test_factor_and_clamp),
    TEST(test_windows_on_one_branch),
    TEST(test_clamp_on_a_slow_window),
    TEST(test_off_keeps_work),
    TEST(test_fork_choice_by_work_not_length),
    TEST(test_half_leaves_interval_returns),
    TEST(test_ninety_percent_leave_clamped),
    TEST(test_selfish_profit_theory),
    TEST(test_selfish_profits_after_retarget),
    {0},
};

TEST_MAIN(cases)
