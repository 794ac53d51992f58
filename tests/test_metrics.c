/* test_metrics.c - the metrics sink fed with hand-made events.
 *
 * Blocks are sealed at difficulty 1 and interned in a store of their own, so
 * parent links and cumulative work are real; the events around them are
 * written by hand, with times in seconds, and every expected figure below
 * is worked out in the comment next to it. */
#include <math.h>

#include "check.h"
#include "out/metrics.h"
#include "scenario/metric_names.h"
#include "sim_fixture.h"

#define US(seconds) ((int64_t)llround((seconds) * 1e6))
#define EPS 1e-9

static bstore *new_store(void) {
    const char *names[] = {"alice"};
    const int64_t amounts[] = {100};
    return bstore_new(&(chain_params){.difficulty = 1},
                      genesis_with_balances(names, amounts, 1, 1));
}

static block *blk(bstore *s, const block *parent) {
    return fx_seal(s, parent, "m", 1, NULL, 0);
}

static void feed(metrics *m, sim_event ev) { metrics_sink(m, &ev); }

static void mined(metrics *m, double t, int who, const block *b) {
    feed(m, (sim_event){.kind = EV_MINED, .t_us = US(t), .node = who, .peer = -1, .block = b});
}

static void accepted(metrics *m, double t, int who, const block *b) {
    feed(m, (sim_event){.kind = EV_BLOCK_ACCEPTED, .t_us = US(t), .node = who, .peer = -1,
                        .block = b});
}

static void tip(metrics *m, double t, int who, const block *b, int depth) {
    feed(m, (sim_event){.kind = EV_TIP_CHANGED, .t_us = US(t), .node = who, .peer = -1,
                        .block = b, .reorg_depth = depth});
}

static void node_event(metrics *m, ev_kind kind, double t, int who) {
    feed(m, (sim_event){.kind = kind, .t_us = US(t), .node = who, .peer = -1});
}

/* The tree (every block of work 2):
 *
 *   G - a2 - a3 - a4        main chain (all three nodes end on a4)
 *    |    \
 *    |     b3               stale
 *    c2 - d3                stale
 *
 * forks: G (a2, c2) and a2 (a3, b3) = 2; stale: b3, c2, d3 = 3 of 6.
 * Tips: node0 G>a2 (1.0) >a3 (2.0) >a4 (3.0); node1 G>a2 (1.3) >b3 (2.1)
 * >a4 (3.3, undoes b3: depth 1); node2 G>c2 (1.05) >d3 (2.2) >a4 (3.3,
 * undoes d3 and c2: depth 2). Distinct tips: 1 until 1.0 (split), 1 again
 * at node2's last move, 3.3: converged in 2.3 s. */
typedef struct tree {
    bstore *s;
    block *g, *a2, *a3, *a4, *b3, *c2, *d3;
} tree;

static void tree_build(tree *t) {
    t->s = new_store();
    t->g = bstore_genesis(t->s);
    t->a2 = blk(t->s, t->g);
    t->a3 = blk(t->s, t->a2);
    t->a4 = blk(t->s, t->a3);
    t->b3 = blk(t->s, t->a2);
    t->c2 = blk(t->s, t->g);
    t->d3 = blk(t->s, t->c2);
}

static void tree_feed(const tree *t, metrics *m) {
    mined(m, 1.0, 0, t->a2);
    tip(m, 1.0, 0, t->a2, 0);
    mined(m, 1.05, 2, t->c2);
    tip(m, 1.05, 2, t->c2, 0);
    tip(m, 1.3, 1, t->a2, 0);
    mined(m, 2.0, 0, t->a3);
    tip(m, 2.0, 0, t->a3, 0);
    mined(m, 2.1, 1, t->b3);
    tip(m, 2.1, 1, t->b3, 0);
    mined(m, 2.2, 2, t->d3);
    tip(m, 2.2, 2, t->d3, 0);
    mined(m, 3.0, 0, t->a4);
    tip(m, 3.0, 0, t->a4, 0);
    tip(m, 3.3, 1, t->a4, 1);
    tip(m, 3.3, 2, t->a4, 2);
}

static void test_stale_forks_reorgs(void) {
    tree t;
    tree_build(&t);
    metrics *m = metrics_new(3, t.g);
    tree_feed(&t, m);
    metrics_finish(m, US(4));
    CHECK_INT_EQ(m->n_blocks, 6);
    CHECK(m->main_tip == t.a4);
    CHECK_INT_EQ(m->height, 4);
    CHECK_INT_EQ(m->stale_blocks, 3);
    CHECK_DBL_NEAR(m->stale_rate, 0.5, EPS);
    CHECK_INT_EQ(m->forks, 2);
    CHECK_INT_EQ(m->reorgs, 2);
    CHECK_INT_EQ(m->max_reorg_depth, 2);
    CHECK_INT_EQ(m->distinct, 1);
    CHECK_DBL_NEAR(m->convergence_time_s, 2.3, EPS);
    CHECK_INT_EQ(m->nodes_live, 3);
    /* Which blocks are on the main chain, by record. */
    for (size_t i = 0; i < m->n_blocks; i++) {
        const block *b = m->blocks[i].b;
        bool main = b == t.a2 || b == t.a3 || b == t.a4;
        CHECK_INT_EQ(m->blocks[i].main, main);
    }
    metrics_free(m);
    bstore_free(t.s);
}

/* Equal work: the tip more live nodes hold is the main one, wherever it
 * sits in the node order. */
static void test_main_tip_tie(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s), *x2 = blk(s, g), *y2 = blk(s, g);
    for (int order = 0; order < 2; order++) {
        metrics *m = metrics_new(3, g);
        mined(m, 1, 0, x2);
        mined(m, 1, 2, y2);
        /* order 0: node0 on y2, nodes 1 and 2 on x2; order 1: node2 on y2. */
        int lone = order == 0 ? 0 : 2;
        for (int i = 0; i < 3; i++) tip(m, 1.5, i, i == lone ? y2 : x2, 0);
        metrics_finish(m, US(2));
        CHECK(m->main_tip == x2);
        CHECK_INT_EQ(m->stale_blocks, 1);
        CHECK_INT_EQ(m->forks, 1);
        CHECK_INT_EQ(m->distinct, 2);
        CHECK_DBL_NEAR(m->convergence_time_s, -1, 0);
        metrics_free(m);
    }
    bstore_free(s);
}

/* Four nodes; the miner accepts its block at once.
 *   X mined 1.0, accepted 1.0 1.2 1.5 2.0: t50 0.2 (2nd), t90 = t100 1.0
 *   Y mined 3.0, accepted 3.0 3.1 3.3 3.9: t50 0.1, t90 = t100 0.9
 *   Z mined 5.0, accepted 5.0 5.4 5.5    : t50 0.4, never 90% or 100%
 * reach 50%:  {0.1, 0.2, 0.4}: median 0.2, p90 0.2 + 0.8 * 0.2 = 0.36
 * reach 100%: {0.9, 1.0}: median 0.95, p90 0.9 + 0.9 * 0.1 = 0.99 */
static void test_propagation(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s), *x = blk(s, g), *y = blk(s, x), *z = blk(s, y);
    metrics *m = metrics_new(4, g);
    static const double tx_[] = {1.0, 1.2, 1.5, 2.0}, ty[] = {3.0, 3.1, 3.3, 3.9},
                        tz[] = {5.0, 5.4, 5.5};
    mined(m, 1.0, 0, x);
    for (int i = 0; i < 4; i++) accepted(m, tx_[i], i, x);
    mined(m, 3.0, 1, y);
    for (int i = 0; i < 4; i++) accepted(m, ty[i], (i + 1) % 4, y);
    mined(m, 5.0, 2, z);
    for (int i = 0; i < 3; i++) accepted(m, tz[i], (i + 2) % 4, z);
    metrics_finish(m, US(6));

    CHECK_INT_EQ(m->blocks[0].reached, 4);
    CHECK_INT_EQ(m->blocks[0].t50_us, US(0.2));
    CHECK_INT_EQ(m->blocks[0].t90_us, US(1.0));
    CHECK_INT_EQ(m->blocks[0].t100_us, US(1.0));
    CHECK_INT_EQ(m->blocks[1].t50_us, US(0.1));
    CHECK_INT_EQ(m->blocks[1].t100_us, US(0.9));
    CHECK_INT_EQ(m->blocks[2].reached, 3);
    CHECK_INT_EQ(m->blocks[2].t50_us, US(0.4));
    CHECK_INT_EQ(m->blocks[2].t90_us, -1);
    CHECK_INT_EQ(m->blocks[2].t100_us, -1);

    CHECK_INT_EQ(m->prop50.n, 3);
    CHECK_DBL_NEAR(m->prop50.median, 0.2, EPS);
    CHECK_DBL_NEAR(m->prop50.p90, 0.36, EPS);
    CHECK_DBL_NEAR(m->prop50.max, 0.4, EPS);
    CHECK_INT_EQ(m->prop90.n, 2);
    CHECK_INT_EQ(m->prop100.n, 2);
    CHECK_DBL_NEAR(m->prop100.median, 0.95, EPS);
    CHECK_DBL_NEAR(m->prop100.p90, 0.99, EPS);
    CHECK_DBL_NEAR(m->prop100.max, 1.0, EPS);
    double v = 0;
    CHECK(metrics_value(m, "propagation_median_s", &v));
    CHECK_DBL_NEAR(v, 0.95, EPS);
    CHECK(metrics_value(m, "propagation_p90_s", &v));
    CHECK_DBL_NEAR(v, 0.99, EPS);
    metrics_free(m);

    /* Ten nodes, node k accepts at k * 0.1 s: 50% is the 5th (0.4 s), 90%
     * the 9th (0.8 s), 100% the 10th (0.9 s). */
    m = metrics_new(10, g);
    mined(m, 1.0, 0, x);
    for (int k = 0; k < 10; k++) accepted(m, 1.0 + 0.1 * k, k, x);
    metrics_finish(m, US(3));
    CHECK_INT_EQ(m->blocks[0].t50_us, US(0.4));
    CHECK_INT_EQ(m->blocks[0].t90_us, US(0.8));
    CHECK_INT_EQ(m->blocks[0].t100_us, US(0.9));
    metrics_free(m);
    bstore_free(s);
}

/* "the time to reach all live nodes" (metric_names.h): with node 3 down
 * for the whole run, a block that reached nodes 0..2 reached every live
 * node, at 0.5 s. */
static void test_propagation_counts_live_nodes(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s), *x = blk(s, g);
    metrics *m = metrics_new(4, g);
    node_event(m, EV_CRASH, 0.5, 3);
    mined(m, 1.0, 0, x);
    accepted(m, 1.0, 0, x);
    accepted(m, 1.2, 1, x);
    accepted(m, 1.5, 2, x);
    metrics_finish(m, US(3));
    CHECK_INT_EQ(m->blocks[0].t100_us, US(0.5));
    CHECK_INT_EQ(m->prop100.n, 1);
    metrics_free(m);
    bstore_free(s);
}

static void test_percentiles(void) {
    double five[] = {5, 1, 4, 2, 3};
    percentiles p = metrics_percentiles(five, 5);
    CHECK_INT_EQ(p.n, 5);
    CHECK_DBL_NEAR(p.median, 3, EPS);
    CHECK_DBL_NEAR(p.p90, 4.6, EPS); /* rank 0.9 * 4 = 3.6: 4 + 0.6 * (5 - 4) */
    CHECK_DBL_NEAR(p.max, 5, EPS);
    for (int i = 0; i < 5; i++) CHECK_DBL_NEAR(five[i], i + 1, 0); /* sorted in place */

    double four[] = {40, 10, 30, 20};
    p = metrics_percentiles(four, 4);
    CHECK_DBL_NEAR(p.median, 25, EPS); /* rank 1.5 */
    CHECK_DBL_NEAR(p.p90, 37, EPS);    /* rank 2.7: 30 + 0.7 * 10 */
    CHECK_DBL_NEAR(p.max, 40, EPS);

    double one[] = {7};
    p = metrics_percentiles(one, 1);
    CHECK_INT_EQ(p.n, 1);
    CHECK_DBL_NEAR(p.median, 7, 0);
    CHECK_DBL_NEAR(p.p90, 7, 0);
    CHECK_DBL_NEAR(p.max, 7, 0);

    p = metrics_percentiles(NULL, 0);
    CHECK_INT_EQ(p.n, 0);
    CHECK_DBL_NEAR(p.median, 0, 0);
    CHECK_DBL_NEAR(p.p90, 0, 0);
    CHECK_DBL_NEAR(p.max, 0, 0);

    double same[] = {2, 2, 2};
    p = metrics_percentiles(same, 3);
    CHECK_DBL_NEAR(p.median, 2, 0);
    CHECK_DBL_NEAR(p.p90, 2, 0);
}

/* Distinct tips over time: a split and a re-agreement, then a second split
 * that lasts to the end. */
static void test_convergence(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s), *a2 = blk(s, g), *a3 = blk(s, a2),
          *b3 = blk(s, a2);
    metrics *m = metrics_new(3, g);
    tip(m, 2.0, 0, a2, 0); /* split: {a2, G} */
    tip(m, 2.5, 1, a2, 0);
    tip(m, 3.0, 2, a2, 0); /* agreed: 1.0 s after the split */
    CHECK_INT_EQ(m->distinct, 1);
    tip(m, 5.0, 0, a3, 0); /* split again */
    tip(m, 5.1, 1, b3, 0); /* three tips: a3, b3, a2 */
    CHECK_INT_EQ(m->distinct, 3);
    tip(m, 5.4, 2, a3, 0); /* a3, b3 */
    CHECK_INT_EQ(m->n_tips_series, 5);
    CHECK_INT_EQ(m->tips_series[0].t_us, US(2.0));
    CHECK_INT_EQ(m->tips_series[0].distinct, 2);
    CHECK_INT_EQ(m->tips_series[1].t_us, US(3.0));
    CHECK_INT_EQ(m->tips_series[1].distinct, 1);
    CHECK_INT_EQ(m->tips_series[3].distinct, 3);
    CHECK_INT_EQ(m->tips_series[4].t_us, US(5.4));
    CHECK_INT_EQ(m->tips_series[4].distinct, 2);

    /* Still split at the end: not converged. */
    metrics_finish(m, US(6));
    CHECK_INT_EQ(m->distinct, 2);
    CHECK_DBL_NEAR(m->convergence_time_s, -1, 0);
    double v = 0;
    CHECK(metrics_value(m, "distinct_tips", &v));
    CHECK_DBL_NEAR(v, 2, 0);
    metrics_free(m);

    /* The same, healed by node 1 at 7.0: 2.0 s after the split at 5.0. */
    m = metrics_new(3, g);
    tip(m, 2.0, 0, a2, 0);
    tip(m, 2.5, 1, a2, 0);
    tip(m, 3.0, 2, a2, 0);
    tip(m, 5.0, 0, a3, 0);
    tip(m, 5.1, 1, b3, 0);
    tip(m, 5.4, 2, a3, 0);
    tip(m, 7.0, 1, a3, 1);
    metrics_finish(m, US(8));
    CHECK_INT_EQ(m->distinct, 1);
    CHECK_DBL_NEAR(m->convergence_time_s, 2.0, EPS);
    metrics_free(m);
    bstore_free(s);
}

/* A split that starts at t = 0 (a block mined by a scenario's first event)
 * and heals at 0.3 s took 0.3 s to converge. */
static void test_convergence_split_at_zero(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s), *a2 = blk(s, g);
    metrics *m = metrics_new(2, g);
    tip(m, 0.0, 0, a2, 0);
    tip(m, 0.3, 1, a2, 0);
    metrics_finish(m, US(1));
    CHECK_INT_EQ(m->distinct, 1);
    CHECK_DBL_NEAR(m->convergence_time_s, 0.3, EPS);
    metrics_free(m);
    bstore_free(s);
}

/* A crashed node leaves the agreement: its tip does not count, even when
 * it moves (or is heavier) while down; back up, it counts again. */
static void test_crash_leaves_agreement(void) {
    bstore *s = new_store();
    block *g = bstore_genesis(s), *a2 = blk(s, g), *c2 = blk(s, g),
          *c3 = blk(s, c2);
    metrics *m = metrics_new(3, g);
    tip(m, 1.0, 0, a2, 0); /* split at 1.0: {a2, G, G} */
    node_event(m, EV_CRASH, 2.0, 2);
    CHECK_INT_EQ(m->distinct, 2); /* node 1 is still on G */
    tip(m, 3.0, 1, a2, 0); /* agreed among the live ones at 3.0 */
    CHECK_INT_EQ(m->distinct, 1);
    tip(m, 3.5, 2, c3, 0); /* down: not counted */
    CHECK_INT_EQ(m->distinct, 1);
    metrics_finish(m, US(4));
    CHECK_INT_EQ(m->nodes_live, 2);
    CHECK(m->main_tip == a2); /* c3 is heavier, but its node is down */
    CHECK_INT_EQ(m->height, 2);
    CHECK_DBL_NEAR(m->convergence_time_s, 2.0, EPS);
    metrics_free(m);

    m = metrics_new(3, g);
    tip(m, 1.0, 0, a2, 0);
    node_event(m, EV_CRASH, 2.0, 2);
    tip(m, 3.0, 1, a2, 0);
    tip(m, 3.5, 2, c3, 0);
    node_event(m, EV_RESTART, 4.0, 2); /* back on c3: split again */
    CHECK_INT_EQ(m->distinct, 2);
    metrics_finish(m, US(5));
    CHECK_INT_EQ(m->nodes_live, 3);
    CHECK(m->main_tip == c3);
    CHECK_INT_EQ(m->height, 3);
    CHECK_DBL_NEAR(m->convergence_time_s, -1, 0);
    metrics_free(m);
    bstore_free(s);
}

/* Users submit t1 (0.5 s), t2 (1.0 s), t3 (1.5 s); t1 is confirmed by a2
 * (mined 2.0 s), t2 and t4 (never submitted by a user here) by a3 (4.0 s);
 * t3 sits in a stale block. Confirmed: t1, t2, t4 = 3; latencies t1 1.5 s,
 * t2 3.0 s: median 2.25, p90 1.5 + 0.9 * 1.5 = 2.85. */
static void test_tx_confirmation(void) {
    bstore *s = new_store();
    tx *t1 = fx_tx("alice", "bob", 1, "t1"), *t2 = fx_tx("alice", "bob", 2, "t2"),
       *t3 = fx_tx("alice", "bob", 3, "t3"), *t4 = fx_tx("alice", "bob", 4, "t4");
    block *g = bstore_genesis(s);
    block *a2 = fx_seal(s, g, "m", 1, &t1, 1);
    block *a3 = fx_seal(s, a2, "m", 1, (tx *[]){t2, t4}, 2);
    block *b3 = fx_seal(s, a2, "m", 1, &t3, 1);
    metrics *m = metrics_new(2, g);
    feed(m, (sim_event){.kind = EV_TX_ACCEPTED, .t_us = US(0.5), .node = 0, .peer = -1, .tx = t1});
    feed(m, (sim_event){.kind = EV_TX_ACCEPTED, .t_us = US(0.8), .node = 1, .peer = 0, .tx = t1});
    feed(m, (sim_event){.kind = EV_TX_ACCEPTED, .t_us = US(1.0), .node = 1, .peer = -1, .tx = t2});
    feed(m, (sim_event){.kind = EV_TX_ACCEPTED, .t_us = US(1.5), .node = 1, .peer = -1, .tx = t3});
    feed(m, (sim_event){.kind = EV_TX_REJECTED, .t_us = US(1.6), .node = 0, .peer = -1,
                        .reason = REJ_TX_OVERSPEND});
    feed(m, (sim_event){.kind = EV_TX_REJECTED, .t_us = US(1.7), .node = 1, .peer = 0, .tx = t3,
                        .reason = REJ_TX_DUPLICATE});
    mined(m, 2.0, 0, a2);
    tip(m, 2.0, 0, a2, 0);
    tip(m, 2.2, 1, a2, 0);
    mined(m, 3.0, 1, b3);
    mined(m, 4.0, 0, a3);
    tip(m, 4.0, 0, a3, 0);
    tip(m, 4.2, 1, a3, 0);
    metrics_finish(m, US(5));

    CHECK_INT_EQ(m->tx_accepted, 3);
    CHECK_INT_EQ(m->tx_rejected, 1);
    CHECK_INT_EQ(m->tx_rejected_by[REJ_TX_OVERSPEND], 1);
    CHECK_INT_EQ(m->tx_rejected_by[REJ_TX_DUPLICATE], 0);
    CHECK(m->main_tip == a3);
    CHECK_INT_EQ(m->tx_confirmed, 3);
    CHECK_INT_EQ(m->confirm.n, 2);
    CHECK_DBL_NEAR(m->confirm.median, 2.25, EPS);
    CHECK_DBL_NEAR(m->confirm.p90, 2.85, EPS);
    CHECK_DBL_NEAR(m->confirm.max, 3.0, EPS);
    metrics_free(m);
    tx_unref(t1);
    tx_unref(t2);
    tx_unref(t3);
    tx_unref(t4);
    bstore_free(s);
}

static void test_message_counters(void) {
    bstore *s = new_store();
    metrics *m = metrics_new(2, bstore_genesis(s));
    /* Sends come counted from the sim: an event of them is no second count. */
    sim_sends c = {.msgs = 2, .bytes = 350};
    c.by_kind[MSG_INV] = c.by_kind[MSG_BLOCK] = 1;
    metrics_add_sends(m, &c);
    feed(m, (sim_event){.kind = EV_MSG_SENT, .node = 0, .peer = 1, .msg = MSG_INV, .bytes = 100});
    feed(m, (sim_event){.kind = EV_MSG_DELIVERED, .node = 1, .peer = 0, .msg = MSG_INV, .bytes = 100});
    feed(m, (sim_event){.kind = EV_MSG_DROPPED, .node = 1, .peer = 0, .fate = WIRE_DROP_LOSS});
    feed(m, (sim_event){.kind = EV_MSG_DROPPED, .node = 1, .peer = 0, .fate = WIRE_DROP_PARTITION});
    feed(m, (sim_event){.kind = EV_MSG_DROPPED, .node = 1, .peer = 0, .fate = WIRE_DROP_CRASHED});
    feed(m, (sim_event){.kind = EV_BLOCK_REJECTED, .node = 1, .peer = 0, .reason = REJ_BLK_POW});
    feed(m, (sim_event){.kind = EV_CHAIN_REJECTED, .node = 1, .peer = 0, .reason = REJ_CHAIN_LINK});
    metrics_finish(m, 0);
    CHECK_INT_EQ(m->sent.msgs, 2);
    CHECK_INT_EQ(m->sent.bytes, 350);
    CHECK_INT_EQ(m->sent.by_kind[MSG_INV], 1);
    CHECK_INT_EQ(m->sent.by_kind[MSG_BLOCK], 1);
    CHECK_INT_EQ(m->msgs_dropped, 3);
    CHECK_INT_EQ(m->dropped_by_fate[WIRE_DROP_CRASHED], 1);
    CHECK_INT_EQ(m->dropped_by_fate[WIRE_DELIVER], 0);
    CHECK_INT_EQ(m->dropped_by_fate[WIRE_DROP_LOSS], 1);
    CHECK_INT_EQ(m->dropped_by_fate[WIRE_DROP_PARTITION], 1);
    CHECK_INT_EQ(m->dropped_by_fate[WIRE_DROP_ISOLATED], 0);
    CHECK_INT_EQ(m->blocks_rejected, 1);
    CHECK_INT_EQ(m->chains_rejected, 1);
    CHECK_INT_EQ(m->rejected_by[REJ_BLK_POW], 1);
    CHECK_INT_EQ(m->rejected_by[REJ_CHAIN_LINK], 1);
    /* Nothing mined: the main chain is the genesis. */
    CHECK_INT_EQ(m->height, 1);
    CHECK_DBL_NEAR(m->stale_rate, 0, 0);
    CHECK_DBL_NEAR(m->convergence_time_s, 0, 0);
    metrics_free(m);
    bstore_free(s);
}

/* Every name of METRIC_NAMES has a value, checked on the tree run plus
 * the counters above. */
/* Eyal & Sirer's closed form at points known by hand: the profit
 * thresholds alpha = (1 - gamma) / (3 - 2 gamma) give R = alpha (1/3 at
 * gamma 0, 1/4 at gamma 1/2, 0 at gamma 1), and alpha 0.4, gamma 0:
 * [0.4 * 0.36 * 1.6 - 0.064] / [1 - 0.4 * 1.64] = 0.1664 / 0.344. */
static void test_selfish_revenue(void) {
    CHECK_DBL_NEAR(metrics_selfish_revenue(1.0 / 3, 0), 1.0 / 3, 1e-12);
    CHECK_DBL_NEAR(metrics_selfish_revenue(0.25, 0.5), 0.25, 1e-12);
    CHECK_DBL_NEAR(metrics_selfish_revenue(0.4, 0), 0.1664 / 0.344, 1e-12);
    /* gamma 1: any pool gains; gamma 0: a small pool loses. */
    CHECK(metrics_selfish_revenue(0.1, 1) > 0.1);
    CHECK(metrics_selfish_revenue(0.1, 0) < 0.1);
}

static void test_every_metric_name(void) {
    tree t;
    tree_build(&t);
    metrics *m = metrics_new(3, t.g);
    metrics_set_block_interval(m, US(1)); /* T = 1 s: tau 0.2 s predicts 1 - e^-0.2 */
    tree_feed(&t, m);
    tx *t1 = fx_tx("alice", "bob", 1, "t1");
    feed(m, (sim_event){.kind = EV_TX_ACCEPTED, .t_us = US(0.5), .node = 0, .peer = -1, .tx = t1});
    feed(m, (sim_event){.kind = EV_TX_REJECTED, .t_us = US(0.6), .node = 0, .peer = -1,
                        .reason = REJ_TX_AMOUNT});
    sim_sends one = {.msgs = 1, .bytes = 61};
    one.by_kind[MSG_INV] = 1;
    metrics_add_sends(m, &one);
    feed(m, (sim_event){.kind = EV_MSG_DROPPED, .node = 1, .peer = 0, .fate = WIRE_DROP_LOSS});
    feed(m, (sim_event){.kind = EV_BLOCK_REJECTED, .node = 1, .peer = 0, .reason = REJ_BLK_POW});
    /* Node 0, which mined the whole main chain, is a selfish miner with a
     * quarter of the hash power and gamma 1/2: R(1/4, 1/2) = 1/4 exactly
     * (the break-even point of Eyal & Sirer's figure 2). */
    feed(m, (sim_event){.kind = EV_ATTACKER, .node = 0, .peer = -1, .strategy = NODE_SELFISH,
                        .value = 0.25, .value2 = 0.5});
    /* Node 2 double-spends with a tenth of the hash power, z = 1, the
     * "tie" rule: a round released 2 ahead, one given up 5 behind, one
     * still racing at the end. Rosenfeld: 2q = 0.2. */
    feed(m, (sim_event){.kind = EV_ATTACKER, .node = 2, .peer = -1,
                        .strategy = NODE_DOUBLE_SPEND, .value = 0.1});
    const double outcome[] = {2, 1, 2, 0, 2};
    const int lead[] = {0, 2, 0, -5, 0};
    for (int k = 0; k < 5; k++)
        feed(m, (sim_event){.kind = EV_ATTACK, .t_us = US(0.1 * k), .node = 2, .peer = -1,
                            .strategy = NODE_DOUBLE_SPEND, .value = outcome[k], .value2 = 1,
                            .lead = lead[k]});
    /* Three tie races decided by honest blocks, one on the attacker's side. */
    for (int k = 0; k < 3; k++)
        feed(m, (sim_event){.kind = EV_ATTACK, .node = 0, .peer = -1, .strategy = NODE_SELFISH,
                            .value = k == 0 ? 1 : 0});
    /* a4 reaches all three nodes, 0.3 s after it was mined. */
    accepted(m, 3.0, 0, t.a4);
    accepted(m, 3.3, 1, t.a4);
    accepted(m, 3.3, 2, t.a4);
    metrics_finish(m, US(4));
    tx_unref(t1);

    static const struct {
        const char *name;
        double want;
    } want[] = {
        {"blocks_mined", 6},     {"blocks_rejected", 1},      {"stale_blocks", 3},
        {"stale_rate", 0.5},     {"forks", 2},                {"reorgs", 2},
        {"max_reorg_depth", 2},  {"height", 4},               {"tx_accepted", 1},
        {"tx_rejected", 1},      {"tx_confirmed", 0},         {"messages_sent", 1},
        {"messages_dropped", 1}, {"bytes_sent", 61},          {"propagation_median_s", 0.3},
        {"propagation_p90_s", 0.3}, {"convergence_time_s", 2.3}, {"distinct_tips", 1},
        {"propagation_mean_s", 0.2}, /* a4's delays 0, 0.3, 0.3: the only acceptances */
        {"reach50_median_s", 0.3},   /* a4: its second node (of 3) at 3.3 s */
        {"reach90_median_s", 0.3},
        {"chains_rejected", 0},      {"nodes_live", 3},           {"attacker_share", 0.35},
        {"attacker_revenue", 1},     {"selfish_revenue_theory", 0.25},
        {"selfish_revenue_gap", 0.75}, {"double_spends_released", 1},
        {"double_spend_rounds", 3},  {"double_spend_success", 1}, {"double_spend_failed", 1},
        {"double_spend_unresolved", 1}, {"double_spend_success_rate", 0.5},
        {"double_spend_lead_mean", 2}, {"double_spend_rosenfeld", 0.2},
        {"double_spend_nakamoto", 1 - 8.0 / 9 * exp(-1.0 / 9)}, /* 0.2045873 in his table */
        {"double_spend_rosenfeld_gap", 0.3},
        {"selfish_gamma_measured", 1.0 / 3},
        {"stale_rate_theory", 0.18126924692201818}, /* 1 - e^-0.2 */
        {"stale_rate_gap", (0.5 - 0.18126924692201818) / 0.18126924692201818},
        {"longest_fork_s", 2.25},      /* see test_fork_history */
        {"longest_fork_orphaned", 3},
        {"tau_over_interval", 0.2},
        {"stale_rate_theory_x1x", 0.2 / 1.2},
    };
    /* Figures of a chain that retargets: test_retarget.c checks them on
     * runs that do (this tree does not, see test_not_applicable). */
    static const char *const elsewhere[] = {
        "observer_reach50_median_s", "observer_reach90_median_s", /* test_observers */
        "observer_reach50_mined_median_s", "observer_delay_median_s", "observer_delay_p90_s",
        "observer_delay_mean_s", "retargets", "difficulty_final", "interval_first_window_s", "interval_last_window_s",
        "attacker_rate_first_window", "attacker_rate_after_retarget", "attacker_profit_time_s",
        "selfish_profit_time_theory_s",
    };
    for (size_t i = 0; i < sizeof elsewhere / sizeof elsewhere[0]; i++)
        CHECK(metric_name_known(elsewhere[i]));
    size_t n_names = 0;
#define COUNT_NAME_(n, d) n_names++;
    METRIC_NAMES(COUNT_NAME_)
#undef COUNT_NAME_
    CHECK_INT_EQ(n_names, sizeof want / sizeof want[0] + sizeof elsewhere / sizeof elsewhere[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK(metric_name_known(want[i].name));
        double v = -12345;
        if (!metrics_value(m, want[i].name, &v)) CHECK_STR_EQ(want[i].name, "(answered)");
        CHECK(metrics_not_applicable(m, want[i].name) == NULL);
        if (fabs(v - want[i].want) > EPS)
            CHECK_FAIL_("%s = %.9g, expected %.9g", want[i].name, v, want[i].want);
    }
    double v = 0;
    CHECK(!metrics_value(m, "no_such_metric", &v));
    CHECK(!metric_name_known("no_such_metric"));
    metrics_free(m);
    bstore_free(t.s);
}

static void heard(metrics *m, double t, int observer, int peer, const block *b, int peers) {
    feed(m, (sim_event){.kind = EV_HEARD, .t_us = US(t), .node = observer, .peer = peer,
                        .block = b, .msg = MSG_INV, .value2 = peers});
}

/* Two observers, as Decker & Wattenhofer and Gervais et al. measured: each
 * peer's first announcement, timed from the first one the observer got.
 *   node 3 (4 peers), a2 (mined 1.0): 1.2 first, 1.3, 1.5, 2.0
 *     reach50 (2 of 4) 0.1, reach90 (4 of 4) 0.8; from mining 0.2 + 0.1;
 *     delays 0.1, 0.3, 0.8
 *   node 3, a3 (mined 2.0): 2.1 first, 2.5: reach50 0.4, no reach90;
 *     from mining 0.5; delay 0.4
 *   node 4 (2 peers), a2: 1.1 first (1 of 2 is half: reach50 0), 1.4:
 *     reach90 0.3; from mining 0.1; delay 0.3
 *   b3 is never mined here: its announcement counts nowhere.
 * reach50 {0.1, 0.4, 0}: median 0.1; reach90 {0.8, 0.3}: 0.55; from
 * mining {0.3, 0.5, 0.1}: 0.3; delays {0.1, 0.3, 0.3, 0.4, 0.8}: median
 * 0.3, p90 at rank 3.6: 0.4 + 0.6 x 0.4 = 0.64, mean 1.9 / 5 = 0.38.
 * Observers are no attackers: attacker_share does not apply. With the
 * window from 1.5 s only a3 counts. */
static void observers_feed(metrics *m, const tree *t) {
    for (int o = 3; o <= 4; o++)
        feed(m, (sim_event){.kind = EV_ATTACKER, .node = o, .peer = -1,
                            .strategy = NODE_OBSERVER});
    mined(m, 1.0, 0, t->a2);
    heard(m, 1.1, 4, 0, t->a2, 2);
    heard(m, 1.2, 3, 0, t->a2, 4);
    heard(m, 1.3, 3, 1, t->a2, 4);
    heard(m, 1.4, 4, 1, t->a2, 2);
    heard(m, 1.5, 3, 2, t->a2, 4);
    heard(m, 1.6, 3, 0, t->b3, 4);
    heard(m, 2.0, 3, 4, t->a2, 4);
    mined(m, 2.0, 0, t->a3);
    heard(m, 2.1, 3, 0, t->a3, 4);
    heard(m, 2.5, 3, 1, t->a3, 4);
}

static void test_observers(void) {
    tree t;
    tree_build(&t);
    metrics *m = metrics_new(5, t.g);
    observers_feed(m, &t);
    metrics_finish(m, US(4));
    static const struct {
        const char *name;
        double want;
    } want[] = {
        {"observer_reach50_median_s", 0.1},  {"observer_reach90_median_s", 0.55},
        {"observer_reach50_mined_median_s", 0.3}, {"observer_delay_median_s", 0.3},
        {"observer_delay_p90_s", 0.64},      {"observer_delay_mean_s", 0.38},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double v = -1;
        CHECK(metrics_value(m, want[i].name, &v));
        if (fabs(v - want[i].want) > EPS)
            CHECK_FAIL_("%s = %.9g, expected %.9g", want[i].name, v, want[i].want);
    }
    CHECK_INT_EQ(m->n_observers, 2);
    CHECK_INT_EQ(m->n_attackers, 0);
    CHECK_INT_EQ(m->obs50.n, 3);
    CHECK_INT_EQ(m->obs90.n, 2);
    CHECK_INT_EQ(m->obs_delay.n, 5);
    CHECK_DBL_NEAR(m->obs_delay.max, 0.8, EPS);
    double v = 0;
    CHECK(metrics_value(m, "attacker_share", &v) && isnan(v));
    CHECK_STR_EQ(metrics_not_applicable(m, "attacker_share"), "no attackers");
    metrics_free(m);

    m = metrics_new(5, t.g);
    metrics_set_window(m, US(1.5), 0);
    observers_feed(m, &t);
    metrics_finish(m, US(4));
    CHECK(metrics_value(m, "observer_reach50_median_s", &v));
    CHECK_DBL_NEAR(v, 0.4, EPS);
    CHECK(metrics_value(m, "observer_delay_mean_s", &v));
    CHECK_DBL_NEAR(v, 0.4, EPS);
    CHECK(metrics_value(m, "observer_reach90_median_s", &v) && isnan(v));
    CHECK_STR_EQ(metrics_not_applicable(m, "observer_reach90_median_s"),
                 "no block was announced by 90% of an observer's peers");
    metrics_free(m);

    /* an observer that heard nothing: the figures do not apply, saying why */
    m = metrics_new(5, t.g);
    feed(m, (sim_event){.kind = EV_ATTACKER, .node = 3, .peer = -1, .strategy = NODE_OBSERVER});
    metrics_finish(m, US(4));
    CHECK_STR_EQ(metrics_not_applicable(m, "observer_reach50_median_s"),
                 "no block was announced by half an observer's peers");
    CHECK_STR_EQ(metrics_not_applicable(m, "observer_delay_p90_s"),
                 "no block was announced by two of an observer's peers");
    metrics_free(m);
    bstore_free(t.s);
}

/* Forks among the tips, on the tree: G is the only tip besides a2 at 1.0
 * (one chain: node1 and node2 are behind); c2 at 1.05 opens a fork at G;
 * b3 at 2.1 makes three branch tips (a3, b3, d3 from 2.2); at 3.3 node1
 * and node2 both move to a4 in one instant: one chain again. So one fork,
 * 1.05 -> 3.3 = 2.25 s, fork point G (#1), 3 branches at most, and b3, c2,
 * d3 orphaned. The convergence time (2.3 s) counts from 1.0, when the
 * tips first differed though they were on one chain. */
static void test_fork_history(void) {
    tree t;
    tree_build(&t);
    metrics *m = metrics_new(3, t.g);
    tree_feed(&t, m);
    CHECK_INT_EQ(m->fork_hist.since_us, US(1.05)); /* open until an instant after 3.3 */
    CHECK(!m->fork_hist.have_latest);
    metrics_finish(m, US(4));
    const forks_history *h = &m->fork_hist;
    CHECK_INT_EQ(h->n_forks, 1);
    CHECK_INT_EQ(h->since_us, -1);
    CHECK(h->have_latest);
    CHECK_INT_EQ(h->longest.start_us, US(1.05));
    CHECK_INT_EQ(h->longest.end_us, US(3.3));
    CHECK_INT_EQ(h->longest.fork_height, 1);
    CHECK_INT_EQ(h->longest.branches, 3);
    CHECK_INT_EQ(h->longest.orphaned, 3);
    CHECK_INT_EQ(h->latest.start_us, h->longest.start_us);
    CHECK_DBL_NEAR(m->convergence_time_s, 2.3, EPS);
    char text[128];
    forks_record_text(&h->longest, text, sizeof text);
    CHECK_STR_EQ(text, "2.2 s, 3 blocks orphaned (fork at #1)"); /* 2.25 rounds to even */
    metrics_free(m);

    /* the classification alone: a3 and b3 compete above a2; G and a2 are
     * under them; d3's branch meets them at G */
    const block *tips[] = {t.g, t.a3, t.a2, t.b3};
    forks_state st = forks_classify(tips, 4);
    CHECK_INT_EQ(st.kind, FORKS_FORKED);
    CHECK_INT_EQ(st.n_branches, 2);
    CHECK(st.fork_point == t.a2);
    const block *tips3[] = {t.d3, t.a4, t.b3};
    st = forks_classify(tips3, 3);
    CHECK_INT_EQ(st.n_branches, 3);
    CHECK(st.fork_point == t.g);
    const block *line[] = {t.a2, t.g, t.a4};
    st = forks_classify(line, 3);
    CHECK_INT_EQ(st.kind, FORKS_ONE_CHAIN);
    CHECK(st.top == t.a4);
    CHECK(forks_common_ancestor(t.a4, t.b3) == t.a2);
    CHECK(forks_common_ancestor(t.d3, t.a3) == t.g);
    CHECK(forks_common_ancestor(t.a3, t.a4) == t.a3);
    bstore_free(t.s);
}

/* The window [1.5 s, 2.5 s) holds a3 (2.0), b3 (2.1) and d3 (2.2): three
 * blocks, b3 and d3 stale; no fork point in it (a2 and G are older); tau
 * from their acceptances only. Height and reorgs stay the whole run's. */
static void test_measure_window(void) {
    tree t;
    tree_build(&t);
    metrics *m = metrics_new(3, t.g);
    metrics_set_window(m, US(1.5), US(2.5));
    CHECK(metrics_windowed(m));
    metrics_set_block_interval(m, US(10));
    tree_feed(&t, m);
    accepted(m, 2.0, 0, t.a3);  /* delay 0 */
    accepted(m, 2.4, 1, t.a3);  /* 0.4 */
    accepted(m, 3.0, 0, t.a4);  /* outside: a4 was mined at 3.0 */
    accepted(m, 3.5, 1, t.a4);
    metrics_finish(m, US(4));
    double v = 0;
    CHECK(metrics_value(m, "blocks_mined", &v));
    CHECK_DBL_NEAR(v, 3, 0);
    CHECK_INT_EQ(m->stale_blocks, 2);
    CHECK_DBL_NEAR(m->stale_rate, 2.0 / 3, EPS);
    CHECK_INT_EQ(m->forks, 0);
    CHECK_DBL_NEAR(m->mean_delay_s, 0.2, EPS); /* a3's two acceptances */
    CHECK_INT_EQ(m->height, 4);
    CHECK_INT_EQ(m->reorgs, 2);
    CHECK_INT_EQ(m->n_blocks, 6); /* every block still has its record */
    metrics_free(m);

    m = metrics_new(3, t.g); /* no window: everything */
    CHECK(!metrics_windowed(m));
    tree_feed(&t, m);
    metrics_finish(m, US(4));
    CHECK_INT_EQ(m->n_measured, 6);
    CHECK_INT_EQ(m->forks, 2);
    metrics_free(m);
    bstore_free(t.s);
}

/* The same tree without attackers, manual mining (no block interval) and
 * no block reaching all three nodes: every figure that cannot exist is NAN
 * with its reason, never a 0 or -1 a mean would swallow; the rest keep
 * their values (a real 0 stays 0). */
static void test_not_applicable(void) {
    tree t;
    tree_build(&t);
    metrics *m = metrics_new(3, t.g);
    tree_feed(&t, m);
    metrics_finish(m, US(4));
    static const struct {
        const char *name, *why;
    } na[] = {
        {"attacker_share", "no attackers"},
        {"attacker_revenue", "no attackers"},
        {"selfish_revenue_theory", "no selfish miner"},
        {"selfish_revenue_gap", "no selfish miner"},
        {"selfish_gamma_measured", "no selfish miner"},
        {"double_spends_released", "no double-spend attacker"},
        {"stale_rate_theory", "no block interval (mining is not automatic)"},
        {"stale_rate_gap", "no block interval (mining is not automatic)"},
        {"tau_over_interval", "no block interval (mining is not automatic)"},
        {"stale_rate_theory_x1x", "no block interval (mining is not automatic)"},
        {"propagation_median_s", "no block reached every node"},
        {"propagation_p90_s", "no block reached every node"},
        {"propagation_mean_s", "no block was accepted"},
        {"reach50_median_s", "no block reached half the nodes"},
        {"reach90_median_s", "no block reached 90% of the nodes"},
        {"observer_reach50_median_s", "no observer"},
        {"observer_reach90_median_s", "no observer"},
        {"observer_reach50_mined_median_s", "no observer"},
        {"observer_delay_median_s", "no observer"},
        {"observer_delay_p90_s", "no observer"},
        {"observer_delay_mean_s", "no observer"},
        {"retargets", "no retargeting (chain.retarget)"},
        {"interval_first_window_s", "no retargeting (chain.retarget)"},
        {"interval_last_window_s", "no retargeting (chain.retarget)"},
        {"attacker_rate_first_window", "no retargeting (chain.retarget)"},
        {"attacker_rate_after_retarget", "no retargeting (chain.retarget)"},
        {"attacker_profit_time_s", "no retargeting (chain.retarget)"},
        {"selfish_profit_time_theory_s", "no retargeting (chain.retarget)"},
    };
    for (size_t i = 0; i < sizeof na / sizeof na[0]; i++) {
        double v = 0;
        CHECK(metrics_value(m, na[i].name, &v));
        if (!isnan(v)) CHECK_FAIL_("%s = %g, expected NAN (does not apply)", na[i].name, v);
        const char *why = metrics_not_applicable(m, na[i].name);
        CHECK_STR_EQ(why ? why : "(applies)", na[i].why);
    }
    double v = -1;
    CHECK(metrics_value(m, "chains_rejected", &v));
    CHECK_DBL_NEAR(v, 0, 0);
    CHECK(metrics_not_applicable(m, "chains_rejected") == NULL);
    CHECK(metrics_value(m, "difficulty_final", &v)); /* constant: it applies */
    CHECK_DBL_NEAR(v, 1, 0);
    CHECK(metrics_value(m, "convergence_time_s", &v));
    CHECK_DBL_NEAR(v, 2.3, EPS);
    CHECK(metrics_not_applicable(m, "no_such_metric") == NULL);
    metrics_free(m);

    /* a selfish miner whose tie races no honest block decided: gamma is
     * not measured; the nodes never agree: no convergence time */
    m = metrics_new(2, t.g);
    feed(m, (sim_event){.kind = EV_ATTACKER, .node = 0, .peer = -1, .strategy = NODE_SELFISH,
                        .value = 0.3, .value2 = 0});
    mined(m, 1.0, 0, t.a2);
    tip(m, 1.0, 0, t.a2, 0);
    metrics_finish(m, US(2));
    CHECK(metrics_value(m, "selfish_gamma_measured", &v));
    CHECK(isnan(v));
    CHECK_STR_EQ(metrics_not_applicable(m, "selfish_gamma_measured"), "no tie race was decided");
    CHECK(metrics_value(m, "attacker_share", &v));
    CHECK_DBL_NEAR(v, 0.3, EPS);
    CHECK(metrics_value(m, "convergence_time_s", &v));
    CHECK(isnan(v));
    CHECK_STR_EQ(metrics_not_applicable(m, "convergence_time_s"),
                 "the live nodes do not agree at the end");
    /* node1 is behind on one chain, not on a branch of its own: no fork */
    CHECK(metrics_value(m, "longest_fork_s", &v));
    CHECK(isnan(v));
    CHECK_STR_EQ(metrics_not_applicable(m, "longest_fork_s"), "no fork ended");
    CHECK_INT_EQ(m->fork_hist.n_forks, 0);
    metrics_free(m);
    bstore_free(t.s);
}

static const test_case cases[] = {
    TEST(test_stale_forks_reorgs),
    TEST(test_main_tip_tie),
    TEST(test_propagation),
    TEST(test_propagation_counts_live_nodes),
    TEST(test_percentiles),
    TEST(test_convergence),
    TEST(test_convergence_split_at_zero),
    TEST(test_crash_leaves_agreement),
    TEST(test_tx_confirmation),
    TEST(test_message_counters),
    TEST(test_selfish_revenue),
    TEST(test_every_metric_name),
    TEST(test_not_applicable),
    TEST(test_observers),
    TEST(test_fork_history),
    TEST(test_measure_window),
    {0},
};

TEST_MAIN(cases)
