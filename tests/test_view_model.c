/* test_view_model.c - what the window says, checked on its model: no
 * window, no pixels.
 *
 * Two kinds of cases. Hand-made event sequences (a fork race, a
 * propagation wave, a partition and heal) drive view__model_apply with
 * blocks sealed in the sim's store, so each step's expected state is
 * exact: every node's branch colour, the banner's state and numbers, the
 * fork history, each block's state (main / competing / stale) and which
 * tree columns are folded. And the shipped scenarios, run by the virtual
 * executor into the view's own feed and model as the window does (fork
 * race, partition-heal, eclipse), checked at the moments the issue named. */
#include <stdlib.h>
#include <string.h>

#include "chain_fixture.h"
#include "check.h"
#include "out/metrics.h"
#include "sim_fixture.h"
#include "view/view_int.h"

/* ---- hand-made sequences ---- */

typedef struct fm {
    scenario scn;
    sim *s;
    view_model m;
    view_batch batch;
} fm;

/* n nodes named n0.. (ids 0..n-1), difficulty 1; nothing runs. */
static void fm_open(fm *f, int n, const char *events) {
    char json[2048];
    int len = snprintf(json, sizeof json, "{'name': 'm', 'nodes': %d, 'topology': 'mesh',"
                                          " 'chain': {'difficulty': 1}, 'events': [%s]}", n,
                       events ? events : "");
    CHECK(len > 0 && (size_t)len < sizeof json);
    fx_scenario(&f->scn, json);
    f->s = fx_sim(&f->scn, SIM_VIRTUAL);
    view__model_init(&f->m, &f->scn, f->s);
    memset(&f->batch, 0, sizeof f->batch);
}

static void fm_close(fm *f) {
    view__batch_cleanup(&f->batch);
    view__model_cleanup(&f->m);
    sim_free(f->s);
    scenario_cleanup(&f->scn);
}

static void fm_ev(fm *f, view_ev ev) {
    f->batch.evs = xgrow(f->batch.evs, &f->batch.cap_evs, f->batch.n_evs + 1, sizeof *f->batch.evs);
    f->batch.evs[f->batch.n_evs++] = ev;
}

/* Applies the events queued since the last call and reshapes the tree. */
static void fm_apply(fm *f) {
    view__model_apply(&f->m, &f->batch);
    f->batch.n_evs = 0;
    view__tree_update(&f->m, -1, 0);
}

/* node mines a block on parent at t (seconds) and takes it as its tip. */
static const block *fm_mine(fm *f, double t, int node_id, const block *parent) {
    bstore *st = sim_store(f->s);
    char miner[16];
    snprintf(miner, sizeof miner, "n%d", node_id);
    const block *b = fx_seal(st, parent, miner, bstore_params(st)->difficulty, NULL, 0);
    int64_t t_us = (int64_t)(t * 1e6);
    fm_ev(f, (view_ev){.kind = EV_MINED, .t_us = t_us, .node = node_id, .peer = -1, .block = b});
    fm_ev(f, (view_ev){.kind = EV_TIP_CHANGED, .t_us = t_us, .node = node_id, .peer = -1, .block = b});
    return b;
}

static void fm_tip(fm *f, double t, int node_id, const block *b, int reorg_depth) {
    fm_ev(f, (view_ev){.kind = EV_TIP_CHANGED, .t_us = (int64_t)(t * 1e6), .node = node_id, .peer = -1,
                       .block = b, .reorg_depth = reorg_depth});
}

static int fm_colour_of(const fm *f, const block *b) {
    int i = view__model_find(&f->m, b);
    return i < 0 ? -100 : f->m.blocks[i].colour;
}

static view_block_state fm_state(const fm *f, const block *b) {
    return f->m.blocks[view__model_find(&f->m, b)].state;
}

static void fm_banner(const fm *f, char *title, char *detail) {
    view__fork_banner(&f->m, title, 96, detail, 160);
}

/* alice (0) and dave (3) mine #2 at the same instant; bob (1) and carol (2)
 * take alice's; bob mines #3 on it at 5 s; it spreads; dave reorganises. */
static void test_fork_race_sequence(void) {
    fm f;
    fm_open(&f, 4, NULL);
    const block *g = f.m.genesis;
    char title[96], detail[160];
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    const block *a2 = fm_mine(&f, 1, 0, g), *d2 = fm_mine(&f, 1, 3, g);
    fm_apply(&f);
    /* one instant, two blocks on the same parent: forked from 1 s on */
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    CHECK_INT_EQ(f.m.fork.hist.since_us, 1000000);
    CHECK_INT_EQ(f.m.fork.n_branches, 2);
    CHECK_INT_EQ(f.m.fork.behind_fork, 2); /* bob and carol have neither yet */
    CHECK(f.m.fork.fork_point == 0);
    CHECK_INT_EQ(fm_colour_of(&f, a2), fm_colour_of(&f, g)); /* the first child goes on */
    CHECK(fm_colour_of(&f, d2) != fm_colour_of(&f, a2));
    fm_tip(&f, 1.2, 1, a2, 0);
    fm_tip(&f, 1.2, 2, a2, 0);
    fm_apply(&f);
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "Fork at #1: 2 branches");
    CHECK_STR_EQ(detail, "3 vs 1 nodes");
    CHECK_INT_EQ(fm_state(&f, d2), VB_COMPETING); /* dave is on it: not stale */
    int dave_before = view__node_colour(&f.m, 3), alice_before = view__node_colour(&f.m, 0);
    CHECK(dave_before != alice_before);
    /* bob mines #3: dave's tip did not move, so neither does his colour */
    const block *b3 = fm_mine(&f, 5, 1, a2);
    fm_apply(&f);
    CHECK_INT_EQ(view__node_colour(&f.m, 3), dave_before);
    CHECK_INT_EQ(view__node_colour(&f.m, 1), alice_before); /* #3 continues alice's branch */
    CHECK_INT_EQ(view__node_colour(&f.m, 0), alice_before);
    CHECK_INT_EQ(view__node_behind(&f.m, 0), 1); /* alice and carol: same branch, catching up */
    CHECK_INT_EQ(view__node_behind(&f.m, 2), 1);
    CHECK_INT_EQ(view__node_behind(&f.m, 3), 0);
    CHECK_INT_EQ(f.m.fork.hist.since_us, 1000000); /* the same fork, not a new one */
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "Fork at #1: 2 branches");
    CHECK_STR_EQ(detail, "3 vs 1 nodes");
    fm_tip(&f, 5.2, 0, b3, 0);
    fm_tip(&f, 5.2, 2, b3, 0);
    fm_apply(&f);
    CHECK_INT_EQ(fm_state(&f, d2), VB_COMPETING); /* still dave's */
    CHECK(!f.m.fork.hist.have_latest);
    fm_tip(&f, 5.4, 3, b3, 1);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "All 4 nodes agree on #3");
    for (int i = 0; i < 4; i++) CHECK_INT_EQ(view__node_colour(&f.m, i), alice_before);
    CHECK_INT_EQ(fm_state(&f, d2), VB_STALE); /* nobody on it, buried by #3 */
    CHECK_INT_EQ(fm_state(&f, a2), VB_MAIN);
    CHECK(f.m.fork.hist.have_latest);
    CHECK_INT_EQ(f.m.fork.hist.latest.start_us, 1000000);
    CHECK_INT_EQ(f.m.fork.hist.latest.end_us, 5400000);
    CHECK_INT_EQ(f.m.fork.hist.latest.fork_height, 1);
    CHECK_INT_EQ(f.m.fork.hist.latest.orphaned, 1);
    CHECK_INT_EQ(f.m.fork.hist.latest.branches, 2);
    CHECK_INT_EQ(f.m.fork.hist.n_forks, 1);
    char rec[128];
    forks_record_text(&f.m.fork.hist.latest, rec, sizeof rec);
    CHECK_STR_EQ(rec, "4.4 s, 1 block orphaned (fork at #1)");
    /* the chart: one branch, two from 1 s, one again from 5.4 s */
    CHECK_INT_EQ(f.m.n_series, 3);
    CHECK_INT_EQ(f.m.series[1].t_us, 1000000);
    CHECK_INT_EQ(f.m.series[1].branches, 2);
    CHECK_INT_EQ(f.m.series[2].t_us, 5400000);
    CHECK_INT_EQ(f.m.series[2].branches, 1);
    fm_close(&f);
}

/* A block spreading along one chain is propagation, never a fork. */
static void test_propagation_wave(void) {
    fm f;
    fm_open(&f, 5, NULL);
    char title[96], detail[160];
    const block *b2 = fm_mine(&f, 1, 0, f.m.genesis);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_PROPAGATING);
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "#2 reached 1 of 5");
    int colour = view__node_colour(&f.m, 0);
    for (int i = 1; i < 5; i++) {
        CHECK_INT_EQ(view__node_colour(&f.m, i), colour); /* the same branch, dimmed */
        CHECK_INT_EQ(view__node_behind(&f.m, i), 1);
    }
    fm_tip(&f, 1.1, 1, b2, 0);
    fm_tip(&f, 1.1, 2, b2, 0);
    fm_apply(&f);
    /* node 0 is faster still: #3 before the others have #2 */
    const block *b3 = fm_mine(&f, 1.15, 0, b2);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_PROPAGATING);
    CHECK_INT_EQ(view__node_behind(&f.m, 3), 2);
    CHECK_INT_EQ(view__node_behind(&f.m, 1), 1);
    CHECK_INT_EQ(view__node_colour(&f.m, 3), colour);
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "#3 reached 1 of 5");
    for (int i = 1; i < 5; i++) fm_tip(&f, 1.3, i, b3, 0);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    CHECK_INT_EQ(f.m.fork.hist.n_forks, 0);
    CHECK(!f.m.fork.hist.have_latest);
    CHECK_INT_EQ(f.m.n_series, 1); /* never more than one branch */
    CHECK_INT_EQ(fm_colour_of(&f, b3), fm_colour_of(&f, f.m.genesis));
    fm_close(&f);
}

/* Six nodes agree on #2, split into 0-2 | 3-5 for 20 minutes: the east
 * mines four blocks, the west two. At the heal the west takes the east's
 * chain: everyone ends in the east's colour, the west's blocks go stale,
 * and the history keeps the 20 minutes and the 2 orphans. */
static void test_partition_and_heal_sequence(void) {
    fm f;
    fm_open(&f, 6, "{'at': 10, 'do': 'partition', 'halves': true}, {'at': 1210, 'do': 'heal'}");
    char title[96], detail[160];
    const block *b2 = fm_mine(&f, 5, 0, f.m.genesis);
    for (int i = 1; i < 6; i++) fm_tip(&f, 5.2, i, b2, 0);
    fm_ev(&f, (view_ev){.kind = EV_PARTITION, .t_us = 10000000, .node = -1, .peer = -1});
    fm_apply(&f);
    CHECK(f.m.partitioned);
    CHECK(view__model_cut(&f.m, 0, 5));
    const block *e = b2, *w = b2, *west[2];
    e = fm_mine(&f, 60, 1, e);
    for (int i = 0; i < 3; i++) if (i != 1) fm_tip(&f, 60.2, i, e, 0);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_PROPAGATING); /* the west is behind, not forked */
    west[0] = w = fm_mine(&f, 100, 4, w);
    for (int i = 3; i < 6; i++) if (i != 4) fm_tip(&f, 100.2, i, w, 1);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    CHECK_INT_EQ(f.m.fork.hist.since_us, 100000000);
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "Fork at #2: 2 branches");
    CHECK_STR_EQ(detail, "3 vs 3 nodes");
    int east_colour = view__node_colour(&f.m, 0), west_colour = view__node_colour(&f.m, 3);
    CHECK(east_colour != west_colour);
    for (int k = 0; k < 3; k++) {
        e = fm_mine(&f, 300 + 200 * k, k, e);
        for (int i = 0; i < 3; i++) if (i != k) fm_tip(&f, 300.2 + 200 * k, i, e, 0);
        fm_apply(&f);
    }
    west[1] = w = fm_mine(&f, 900, 5, w);
    for (int i = 3; i < 5; i++) fm_tip(&f, 900.2, i, w, 0);
    fm_apply(&f);
    /* ten minutes on: the same fork, its branches competing (half the
     * nodes are on each), none of them stale */
    CHECK_INT_EQ(f.m.fork.hist.since_us, 100000000);
    CHECK_INT_EQ(fm_state(&f, west[0]), VB_COMPETING);
    CHECK_INT_EQ(fm_state(&f, west[1]), VB_COMPETING);
    CHECK_INT_EQ(f.m.stale, 0);
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(view__node_colour(&f.m, i), east_colour);
    for (int i = 3; i < 6; i++) CHECK_INT_EQ(view__node_colour(&f.m, i), west_colour);
    fm_ev(&f, (view_ev){.kind = EV_HEAL, .t_us = 1210000000, .node = -1, .peer = -1});
    for (int i = 3; i < 6; i++) fm_tip(&f, 1210.4, i, e, 2);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    for (int i = 0; i < 6; i++) CHECK_INT_EQ(view__node_colour(&f.m, i), east_colour);
    CHECK_INT_EQ(fm_state(&f, west[0]), VB_STALE);
    CHECK_INT_EQ(fm_state(&f, west[1]), VB_STALE);
    CHECK_INT_EQ(f.m.stale, 2);
    const forks_record *r = &f.m.fork.hist.longest;
    CHECK_INT_EQ(r->start_us, 100000000);
    CHECK_INT_EQ(r->end_us, 1210400000);
    CHECK_INT_EQ(r->fork_height, 2);
    CHECK_INT_EQ(r->orphaned, 2);
    char rec[128];
    forks_record_text(r, rec, sizeof rec);
    CHECK_STR_EQ(rec, "18 min 30 s, 2 blocks orphaned (fork at #2)");
    /* a short tie later is the latest fork; the partition stays the longest */
    const block *t1 = fm_mine(&f, 1300, 0, e), *t2 = fm_mine(&f, 1300, 5, e);
    fm_apply(&f);
    for (int i = 1; i < 5; i++) fm_tip(&f, 1300.2, i, t1, 0);
    fm_tip(&f, 1300.5, 5, t1, 1);
    fm_apply(&f);
    (void)t2;
    CHECK_INT_EQ(f.m.fork.hist.n_forks, 2);
    CHECK_INT_EQ(f.m.fork.hist.latest.start_us, 1300000000);
    CHECK_INT_EQ(f.m.fork.hist.latest.orphaned, 1);
    CHECK_INT_EQ(f.m.fork.hist.longest.start_us, 100000000);
    fm_close(&f);
}

/* The tree folds the shared prefix, keeps the fork point and both
 * branches, and folds only what fits nowhere else. */
static void test_tree_folds_prefix_keeps_fork(void) {
    fm f;
    fm_open(&f, 2, NULL);
    const block *b = f.m.genesis;
    for (int h = 2; h <= 30; h++) {
        b = fm_mine(&f, h, 0, b);
        fm_tip(&f, h + 0.1, 1, b, 0);
    }
    fm_apply(&f);
    const block *fork_point = b;
    const block *x = fm_mine(&f, 40, 0, b), *y = fm_mine(&f, 40, 1, b);
    fm_apply(&f);
    x = fm_mine(&f, 50, 0, x);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    CHECK_INT_EQ(f.m.blocks[f.m.fork.fork_point].height, 30);
    (void)y;
    const view_model *m = &f.m;
    /* #1, then #2..#(30 - tail) in one fold, then every height from there */
    CHECK(!m->columns[0].folded);
    CHECK(m->columns[1].folded);
    CHECK_INT_EQ(m->columns[1].h_first, 2);
    size_t fp_col = view__tree_column(m, 30);
    CHECK(!m->columns[fp_col].folded);
    CHECK(!m->columns[view__tree_column(m, 31)].folded);
    CHECK(!m->columns[view__tree_column(m, 32)].folded);
    CHECK_INT_EQ(m->blocks[view__model_find(m, fork_point)].n_children, 2);
    /* squeezed into 8 columns: the fold grows, the fork point stays */
    view__tree_update(&f.m, -1, 8);
    CHECK(!m->columns[view__tree_column(m, 30)].folded);
    CHECK(m->columns[view__tree_column(m, 27)].folded);
    double units = 0;
    for (size_t c = 0; c < m->n_columns; c++) units += m->columns[c].folded ? 1.7 : 1;
    CHECK(units <= 8);
    fm_close(&f);
}

/* A branch that its node left but that is as long as the main chain is
 * still competing; once the main chain is longer it is stale. */
static void test_stale_needs_buried(void) {
    fm f;
    fm_open(&f, 3, NULL);
    const block *g = f.m.genesis;
    const block *a = fm_mine(&f, 1, 0, g), *c = fm_mine(&f, 1, 2, g);
    fm_tip(&f, 1.1, 1, a, 0);
    fm_apply(&f);
    fm_ev(&f, (view_ev){.kind = EV_CRASH, .t_us = 2000000, .node = 2, .peer = -1});
    fm_apply(&f);
    /* carol is down: her block has no live node, and #2 vs #2 is a tie */
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    CHECK_INT_EQ(f.m.live, 2);
    CHECK_INT_EQ(fm_state(&f, c), VB_COMPETING);
    CHECK_INT_EQ(view__node_colour(&f.m, 2), -1);
    /* the fork ended when the last node on the other branch went down */
    CHECK(f.m.fork.hist.have_latest);
    CHECK_INT_EQ(f.m.fork.hist.latest.end_us, 2000000);
    fm_mine(&f, 3, 0, a);
    fm_apply(&f);
    CHECK_INT_EQ(fm_state(&f, c), VB_STALE);
    fm_close(&f);
}

/* A tip whose ancestors the view never saw cannot be placed on a chain:
 * it competes, and the banner does not invent a fork height. */
static void test_fork_with_unseen_ancestors(void) {
    fm f;
    fm_open(&f, 2, NULL);
    bstore *st = sim_store(f.s);
    char nowhere[65];
    memset(nowhere, 'a', 64); /* a parent no store holds */
    nowhere[64] = '\0';
    const block *c = bstore_intern(st, cf_seal(3, nowhere, bstore_params(st)->difficulty,
                                               bstore_params(st)->reward, "n1", NULL, 0));
    fm_tip(&f, 1, 1, c, 0);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.blocks[view__model_find(&f.m, c)].parent, -1);
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    CHECK_INT_EQ(f.m.fork.fork_point, -1);
    char title[96], detail[160];
    fm_banner(&f, title, detail);
    CHECK_STR_EQ(title, "Fork: 2 branches");
    CHECK_STR_EQ(detail, "1 vs 1 nodes");
    fm_tip(&f, 2, 0, c, 0);
    fm_apply(&f);
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    char rec[128];
    forks_record_text(&f.m.fork.hist.latest, rec, sizeof rec);
    CHECK_STR_EQ(rec, "1.0 s, 0 blocks orphaned");
    fm_close(&f);
}

/* ---- shipped scenarios, through the feed, as the window takes them ---- */

typedef struct fr {
    scenario scn;
    sim *s;
    view_feed feed;
    view_batch batch;
    view_model m;
} fr;

static void fr_open(fr *f, const char *path) {
    CHECK_INT_EQ(scenario_load(&f->scn, path, NULL, 0), CS_OK);
    f->s = fx_sim(&f->scn, SIM_VIRTUAL);
    view__feed_init(&f->feed);
    sim_add_sink_filtered(f->s, view__feed_sink, &f->feed, view__feed_kinds());
    view__model_init(&f->m, &f->scn, f->s);
    memset(&f->batch, 0, sizeof f->batch);
}

/* Runs to t seconds and takes everything, as one frame would. */
static void fr_at(fr *f, double t) {
    int64_t t_us = (int64_t)(t * 1e6);
    sim_run_until(f->s, t_us);
    view__feed_take(&f->feed, &f->batch);
    view__model_apply(&f->m, &f->batch);
    view__model_expire(&f->m, t_us, 120000000); /* drops of the last 2 min */
    view__tree_update(&f->m, -1, 0);
}

static void fr_close(fr *f) {
    view__model_cleanup(&f->m);
    view__batch_cleanup(&f->batch);
    sim_free(f->s);
    view__feed_cleanup(&f->feed);
    scenario_cleanup(&f->scn);
}

/* The first frame: dave's tip (#2) is the same at 4.9 s and 5.0 s,
 * so is his colour, though bob mined #3 in between. */
static void test_scenario_fork_race(void) {
    fr f;
    fr_open(&f, "scenarios/fork-race.json");
    int dave = fx_node(&f.scn, "dave"), bob = fx_node(&f.scn, "bob");
    fr_at(&f, 4.9);
    const block *tip = f.m.nodes[dave].tip;
    int colour = view__node_colour(&f.m, dave);
    CHECK_INT_EQ(tip->index, 2);
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    fr_at(&f, 5.0);
    CHECK_INT_EQ(f.m.nodes[bob].tip->index, 3);
    CHECK(f.m.nodes[dave].tip == tip);
    CHECK_INT_EQ(view__node_colour(&f.m, dave), colour);
    CHECK(view__node_colour(&f.m, bob) != colour);
    fr_at(&f, 8);
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    CHECK_INT_EQ(f.m.fork.hist.latest.start_us, 1000000);
    CHECK_INT_EQ(f.m.fork.hist.latest.orphaned, 1);
    for (int i = 0; i < f.m.n_nodes; i++)
        CHECK_INT_EQ(view__node_colour(&f.m, i), view__node_colour(&f.m, bob));
    fr_close(&f);
}

/* After the heal every node has the colour the east had, not the west's;
 * 90 s later the history still shows the partition's fork for what it was;
 * no drop is left on a link that is up again. */
static void test_scenario_partition_heal(void) {
    fr f;
    fr_open(&f, "scenarios/partition-heal.json");
    int east = fx_node(&f.scn, "east0"), west = fx_node(&f.scn, "west0");
    fr_at(&f, 1200);
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    CHECK(f.m.fork.hist.since_us < 300000000); /* since early in the partition */
    int east_colour = view__node_colour(&f.m, east), west_colour = view__node_colour(&f.m, west);
    CHECK(east_colour != west_colour);
    CHECK(f.m.n_drops > 0);
    fr_at(&f, 1300);
    CHECK_INT_EQ(f.m.fork.state, VIEW_AGREED);
    for (int i = 0; i < f.m.n_nodes; i++) CHECK_INT_EQ(view__node_colour(&f.m, i), east_colour);
    const forks_record *r = &f.m.fork.hist.longest;
    CHECK(r->end_us > 1210000000);
    CHECK(r->end_us - r->start_us > 15 * 60 * 1000000LL);
    CHECK(r->orphaned >= 2);
    CHECK_INT_EQ(r->orphaned, (int)f.m.stale);
    for (size_t i = 0; i < f.m.n_drops; i++)
        CHECK(view__model_cut(&f.m, f.m.drops[i].from, f.m.drops[i].to) ||
              f.m.drops[i].sent_us >= 1210000000);
    fr_close(&f);
}

/* The run's summary (out/metrics) and the window keep one fork history
 * (out/forks.h): fed the same run, they record the same forks, event for
 * event, whenever the window takes its frames. partition-heal has one fork
 * of 18 minutes; busy-network several short ones. */
static void summary_agrees(const char *path, double end_s, uint64_t want_min_forks) {
    fr f;
    fr_open(&f, path);
    metrics *mt = metrics_attach(f.s);
    for (double t = 50; t < end_s; t += 50) fr_at(&f, t);
    fr_at(&f, end_s);
    metrics_finish(mt, sim_end_us(f.s));
    const forks_history *v = &f.m.fork.hist, *o = &mt->fork_hist;
    CHECK(v->n_forks >= want_min_forks);
    CHECK_INT_EQ(o->n_forks, v->n_forks);
    CHECK(o->have_latest && v->have_latest);
    const forks_record *pairs[2][2] = {{&o->longest, &v->longest}, {&o->latest, &v->latest}};
    for (int k = 0; k < 2; k++) {
        CHECK_INT_EQ(pairs[k][0]->start_us, pairs[k][1]->start_us);
        CHECK_INT_EQ(pairs[k][0]->end_us, pairs[k][1]->end_us);
        CHECK_INT_EQ(pairs[k][0]->fork_height, pairs[k][1]->fork_height);
        CHECK_INT_EQ(pairs[k][0]->branches, pairs[k][1]->branches);
        CHECK_INT_EQ(pairs[k][0]->orphaned, pairs[k][1]->orphaned);
    }
    metrics_free(mt);
    fr_close(&f);
}

static void test_summary_and_view_share_forks(void) {
    summary_agrees("scenarios/partition-heal.json", 2000, 1);
    summary_agrees("scenarios/busy-network.json", 800, 2);
}

/* The victim never agrees with the network: one fork from the first
 * block he mined on his own, however often he mines since. */
static void test_scenario_eclipse_timer(void) {
    fr f;
    fr_open(&f, "scenarios/attacks/eclipse.json");
    int victor = fx_node(&f.scn, "victor");
    fr_at(&f, 200);
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    int64_t since = f.m.fork.hist.since_us;
    int64_t mined_before = f.m.nodes[victor].tip->index;
    fr_at(&f, 1500);
    CHECK(f.m.nodes[victor].tip->index > mined_before); /* he mined in between */
    CHECK_INT_EQ(f.m.fork.state, VIEW_FORKED);
    CHECK_INT_EQ(f.m.fork.hist.since_us, since);
    CHECK_INT_EQ(f.m.fork.hist.n_forks, 1);
    /* his branch is competing (he is on it), the network's is the main chain */
    const view_block *vt = &f.m.blocks[f.m.nodes[victor].tip_idx];
    CHECK_INT_EQ(vt->state, VB_COMPETING);
    CHECK_INT_EQ(f.m.blocks[f.m.nodes[0].tip_idx].state, VB_MAIN);
    fr_close(&f);
}

static const test_case cases[] = {
    TEST(test_fork_race_sequence),
    TEST(test_propagation_wave),
    TEST(test_partition_and_heal_sequence),
    TEST(test_tree_folds_prefix_keeps_fork),
    TEST(test_stale_needs_buried),
    TEST(test_fork_with_unseen_ancestors),
    TEST(test_scenario_fork_race),
    TEST(test_scenario_partition_heal),
    TEST(test_summary_and_view_share_forks),
    TEST(test_scenario_eclipse_timer),
    {0},
};

TEST_MAIN(cases)
