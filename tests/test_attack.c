/* test_attack.c - attackers (node/attack/) and churn (node_fault.c), run in
 * virtual time and judged from their events: what a selfish miner shows and when, a
 * double spend won and one without funds, lies rejected with their reasons,
 * the eclipse wiring, churn's crash/restart rhythm. The statistical checks
 * against Eyal & Sirer's R(alpha, gamma) are scenarios/validation/selfish-*. */
#include <math.h>

#include "check.h"
#include "out/metrics.h"
#include "sim_fixture.h"

typedef fx_run run;

static void run_start(run *r, const char *json) { fx_run_start(r, json, true); }
static void run_end(run *r) { fx_run_end(r); }

/* One selfish miner (node 0, region 1: 1 ms from everyone) and six honest
 * nodes 5 ms apart, pushing blocks. */
#define SELFISH_JSON(power, gamma, duration_s)                                               \
    "{'name': 'selfish', 'seed': 7, 'nodes': [{'name': 'sm', 'hash_power': " #power          \
    ", 'region': 1}, {'name': 'h0'}, {'name': 'h1'}, {'name': 'h2'}, {'name': 'h3'},"        \
    " {'name': 'h4'}, {'name': 'h5'}],"                                                       \
    " 'topology': 'mesh', 'links': {'latency_ms': {'regions': [[5, 1], [1, 1]]}},"            \
    " 'chain': {'difficulty': 4, 'block_interval_s': 600}, 'mining': 'auto', 'relay': 'push'," \
    " 'duration_s': " #duration_s ","                                                         \
    " 'attackers': [{'node': 'sm', 'strategy': 'selfish', 'gamma': " #gamma "}]}"

/* The selfish miner shows a block only once the honest chain comes within
 * one block of it (a tie to race, a lead of one to cash in), or at once when
 * it extends its side of a tie race; it never helps an honest block along,
 * and loses some blocks. */
static void test_selfish_withholds(void) {
    run r;
    run_start(&r, "{'name': 'selfish', 'seed': 7, 'nodes': [{'name': 'sm', 'hash_power': 4, "
                  "'region': 1}, {'name': 'h0'}, {'name': 'h1'}, {'name': 'h2'}, {'name': 'h3'}, "
                  "{'name': 'h4'}, {'name': 'h5'}], 'topology': 'mesh', "
                  "'links': {'latency_ms': {'regions': [[5, 1], [1, 1]]}}, "
                  "'chain': {'difficulty': 4, 'block_interval_s': 600}, 'mining': 'auto', "
                  "'relay': 'push', 'duration_s': 300000, "
                  "'attackers': [{'node': 'sm', 'strategy': 'selfish', 'gamma': 0.5}]}");
    const int sm = 0;
    CHECK_INT_EQ(node_get_strategy(sim_node(r.s, sm)), NODE_SELFISH);
    CHECK_INT_EQ(fx_count(&r.rec, EV_ATTACKER, sm), 1);
    size_t mined = 0, withheld = 0, checked = 0, honest_relayed = 0;
    int64_t best_honest = 1; /* the best honest block the attacker holds, so far */
    ptrset shown;
    ptrset_init(&shown);
    for (size_t i = 0; i < r.rec.n; i++) {
        const sim_event *e = &r.rec.evs[i].ev;
        if (e->kind == EV_BLOCK_ACCEPTED && e->node == sm && e->peer >= 0 &&
            e->block->index > best_honest)
            best_honest = e->block->index;
        if (e->kind == EV_MINED && e->node == sm) mined++;
        if (e->kind != EV_MSG_SENT || e->node != sm || !e->block) continue;
        const block *b = e->block;
        if (strcmp(b->miner, "sm") != 0) {
            honest_relayed++;
            continue;
        }
        if (!ptrset_add(&shown, b)) continue; /* not its first showing */
        checked++;
        if (e->t_us > b->timestamp_ms * 1000 + 999) withheld++;
        else if (best_honest != b->index - 1) /* shown at once: it wins a tie race */
            CHECK_FAIL_("block #%" PRId64 " shown at once, not in a race", b->index);
        if (best_honest < b->index - 1)
            CHECK_FAIL_("block #%" PRId64 " shown with the honest chain at #%" PRId64, b->index,
                        best_honest);
    }
    ptrset_cleanup(&shown);
    CHECK(mined > 100);
    CHECK(checked > 50);
    CHECK(withheld > checked / 2); /* most wait for the honest chain */
    CHECK(withheld < checked);     /* and some win a race at once */
    CHECK_INT_EQ(honest_relayed, 0);
    /* alpha = 0.4: it wins races and loses some; the honest lose more. */
    CHECK(r.m->stale_blocks > 0);
    CHECK_DBL_NEAR(r.m->attacker_share, 0.4, 1e-12);
    CHECK(r.m->attacker_revenue > 0.4);
    run_end(&r);
}

/* gamma decides tie races: the same seed with gamma 1 earns clearly more
 * than with gamma 0 (R(0.3, 1) - R(0.3, 0) = 0.38 - 0.27). */
static void test_selfish_gamma_matters(void) {
    double rev[2];
    for (int k = 0; k < 2; k++) {
        run r;
        run_start(&r, k == 0 ? SELFISH_JSON(3, 0, 1800000) : SELFISH_JSON(3, 1, 1800000));
        CHECK_DBL_NEAR(r.m->selfish_gamma, (double)k, 1e-12);
        CHECK_DBL_NEAR(r.m->selfish_share, 3.0 / 9, 1e-12);
        /* The races as the network decided them: with gamma 1 every honest
         * node but the finder of the competing block is on the attacker's
         * side (5 of 6 of the honest power); with gamma 0, none. */
        double g = -1;
        CHECK(metrics_value(r.m, "selfish_gamma_measured", &g));
        CHECK(r.m->selfish_races > 50);
        if (k == 0) CHECK_DBL_NEAR(g, 0, 0);
        else CHECK(g > 0.7 && g < 0.95);
        rev[k] = r.m->attacker_revenue;
        run_end(&r);
    }
    CHECK(rev[1] > rev[0] + 0.05);
}

#define DS_JSON(eve_power, balance, k)                                                        \
    "{'name': 'ds', 'seed': 3, 'nodes': [{'name': 'eve', 'hash_power': " #eve_power "},"       \
    " {'name': 'n0'}, {'name': 'n1'}, {'name': 'n2'}, {'name': 'n3'}],"                        \
    " 'topology': 'mesh', 'links': {'latency_ms': 100},"                                      \
    " 'chain': {'difficulty': 6, 'block_interval_s': 60, 'genesis': {'balances':"              \
    " {'eve': " #balance ", 'n0': 1}}}, 'mining': 'auto', 'duration_s': 7200,"                \
    " 'attackers': [{'node': 'eve', 'strategy': 'double_spend', 'merchant': 'shop',"            \
    " 'amount': 40, 'at_s': 5, 'confirmations': " #k ", 'give_up': 30}]}"

static int64_t balance_at(sim *s, int node_id, const char *account) {
    node_snapshot snap;
    node_snapshot_get(sim_node(s, node_id), &snap);
    int64_t v = snap.balances ? ledger_balance(snap.balances, account, NULL) : -1;
    node_snapshot_release(&snap);
    return v;
}

/* With most of the hash power the private branch wins: the payment had its
 * confirmations, then vanished in a reorg at least that deep, for good. */
static void test_double_spend_wins(void) {
    run r;
    run_start(&r, DS_JSON(12, 40, 2));
    const fx_event *done = fx_last(&r.rec, EV_ATTACK, 0);
    CHECK(done != NULL);
    if (done) CHECK_DBL_NEAR(done->ev.value, 1, 0);
    CHECK(r.m->max_reorg_depth >= 2);
    CHECK_INT_EQ(r.m->distinct, 1);
    for (int i = 1; i < 5; i++) {
        CHECK_INT_EQ(balance_at(r.s, i, "shop"), 0);
        CHECK_INT_EQ(balance_at(r.s, i, "eve-vault"), 40);
    }
    /* The payment was in some honest node's chain before the release. */
    size_t paid = 0;
    for (size_t i = 0; i < r.rec.n; i++) {
        const sim_event *e = &r.rec.evs[i].ev;
        if (e->kind != EV_TIP_CHANGED || e->node == 0 || e->t_us > done->ev.t_us) continue;
        paid += ledger_balance(e->block->ledger, "shop", NULL) == 40;
    }
    CHECK(paid > 0);
    run_end(&r);
}

/* Nothing to spend twice: the attack does not start (value -1), eve mines
 * honestly and nobody reorganises. */
static void test_double_spend_without_funds(void) {
    run r;
    run_start(&r, DS_JSON(1, 10, 2));
    const fx_event *done = fx_last(&r.rec, EV_ATTACK, 0);
    CHECK(done != NULL);
    if (done) CHECK_DBL_NEAR(done->ev.value, -1, 0);
    CHECK_INT_EQ(r.m->double_spends_released, 0);
    CHECK_INT_EQ(balance_at(r.s, 1, "shop"), 0);
    CHECK_INT_EQ(r.m->distinct, 1);
    run_end(&r);
}

/* Blocks that overpay their miner and a chain without work are refused by
 * every honest node with the right reason; the honest chain holds neither. */
static void test_lies_rejected(void) {
    run r;
    run_start(&r, "{'name': 'liars', 'seed': 1, 'nodes': [{'name': 'a'}, {'name': 'b'}, "
                  "{'name': 'c'}, {'name': 'mal', 'hash_power': 2}, {'name': 'fk', 'hash_power': 0}], "
                  "'topology': 'mesh', 'links': {'latency_ms': 50}, "
                  "'chain': {'difficulty': 8, 'block_interval_s': 30}, 'mining': 'auto', "
                  "'duration_s': 600, 'attackers': [{'node': 'mal', 'strategy': 'invalid_blocks'}, "
                  "{'node': 'fk', 'strategy': 'fake_chain', 'at_s': 60, 'length': 12}], "
                  "'events': [{'at': 200, 'do': 'resolve', 'node': 'a'}]}");
    CHECK(r.m->rejected_by[REJ_BLK_REWARD] >= 3); /* mal's, at a, b and c at least once */
    CHECK(r.m->rejected_by[REJ_BLK_POW] >= 3);    /* fk's first fake block */
    CHECK_INT_EQ(r.m->chains_rejected, 1);        /* a's resolve pulled fk's chain */
    const fx_event *rej = fx_last(&r.rec, EV_CHAIN_REJECTED, 0);
    CHECK(rej != NULL);
    if (rej) CHECK_INT_EQ(rej->ev.reason, REJ_BLK_POW);
    for (int i = 0; i < 3; i++) {
        for (const block *b = fx_tip(r.s, i); b; b = b->parent)
            if (strcmp(b->miner, "mal") == 0 || strcmp(b->miner, "fk") == 0)
                CHECK_FAIL_("node %d holds a block of %s", i, b->miner);
        CHECK(fx_height(r.s, i) > 5);
    }
    CHECK_INT_EQ(r.m->n_attackers, 2);
    run_end(&r);
}

/* The victim's only peers are the eclipse nodes, both ways; nothing reaches
 * it, and its chain is its own blocks only. */
static void test_eclipse(void) {
    run r;
    run_start(&r, "{'name': 'eclipse', 'seed': 2, 'nodes': [{'name': 'a'}, {'name': 'b'}, "
                  "{'name': 'c'}, {'name': 'd'}, {'name': 'v'}, {'name': 'e0'}, {'name': 'e1'}], "
                  "'topology': 'mesh', 'links': {'latency_ms': 50}, "
                  "'chain': {'difficulty': 8, 'block_interval_s': 30}, 'mining': 'auto', "
                  "'duration_s': 1200, "
                  "'attackers': [{'strategy': 'eclipse', 'nodes': ['e0', 'e1'], 'victim': 'v'}]}");
    const int v = 4;
    const int *peers;
    CHECK_INT_EQ(node_peer_list(sim_node(r.s, v), &peers), 2);
    CHECK(node_has_peer(sim_node(r.s, v), 5) && node_has_peer(sim_node(r.s, v), 6));
    for (int i = 0; i < 7; i++)
        if (i != v) CHECK_INT_EQ(node_has_peer(sim_node(r.s, i), v), i == 5 || i == 6);
    CHECK_INT_EQ(fx_count(&r.rec, EV_MSG_DELIVERED, v), 0);
    size_t own = 0;
    for (const block *b = fx_tip(r.s, v); b->parent; b = b->parent) {
        own++;
        CHECK_STR_EQ(b->miner, "v");
    }
    CHECK(own >= 1);
    CHECK(fx_height(r.s, 0) > fx_height(r.s, v) + 10);
    run_end(&r);
}

/* An observer (node o, relay false) on a mesh of 50 ms links, pushing
 * blocks: it never mines, sends no block message, hears each block once
 * (every peer pushes it) and first exactly one link after its mining. */
static void test_observer(void) {
    run r;
    run_start(&r, "{'name': 'observer', 'seed': 3, 'nodes': [{'name': 'a'}, {'name': 'b'}, "
                  "{'name': 'c'}, {'name': 'o', 'hash_power': 5}], "
                  "'topology': 'mesh', 'links': {'latency_ms': 50}, 'relay': 'push', "
                  "'chain': {'difficulty': 8, 'block_interval_s': 30}, 'mining': 'auto', "
                  "'duration_s': 1200, "
                  "'attackers': [{'strategy': 'observer', 'node': 'o', 'relay': false}]}");
    const int o = 3;
    CHECK_INT_EQ(node_get_strategy(sim_node(r.s, o)), NODE_OBSERVER);
    CHECK_INT_EQ(fx_count(&r.rec, EV_MINED, o), 0);
    /* Each of its 3 peers announces each block once: the miner 50 ms after
     * mining it (k = 1), the two others 50 ms later (k = 2, 3). */
    size_t mined = 0, heard = 0, block_msgs = 0;
    for (size_t i = 0; i < r.rec.n; i++) {
        const sim_event *e = &r.rec.evs[i].ev;
        if (e->kind == EV_MINED) mined++;
        if (e->kind == EV_MSG_SENT && e->node == o && e->block) block_msgs++;
        if (e->kind != EV_HEARD) continue;
        CHECK_INT_EQ(e->node, o);
        CHECK_DBL_NEAR(e->value2, 3, 0);
        heard++;
        int k = 0;
        for (size_t j = 0; j < i; j++) {
            const sim_event *f = &r.rec.evs[j].ev;
            if (f->kind == EV_MINED && f->block == e->block) {
                CHECK_INT_EQ(e->t_us - f->t_us, f->node == e->peer ? 50000 : 100000);
                if ((f->node == e->peer) != (e->value == 1))
                    CHECK_FAIL_("peer %d announced #%" PRId64 " as k = %g (miner %d)", e->peer,
                                e->block->index, e->value, f->node);
            }
            if (f->kind == EV_HEARD && f->block == e->block) {
                k++;
                if (f->peer == e->peer) CHECK_FAIL_("peer %d heard twice", e->peer);
            }
        }
        CHECK_DBL_NEAR(e->value, k + 1, 0);
    }
    CHECK(mined >= 10);
    CHECK_INT_EQ(heard, 3 * mined);
    CHECK_INT_EQ(block_msgs, 0);
    run_end(&r);
}

/* A line a - b - c - d, the observer linked to all four, only a mining,
 * 50 ms links, blocks pushed: a block reaches the observer from a at +50
 * ms (the first announcement), from b at +100, c +150, d +200. Timed from
 * the first: half of 4 peers at 50 ms, 90% (all 4) at 150 ms; from mining
 * half at 100 ms; delays 50, 100, 150 ms (median 100, p90 150, mean 100).
 * Acceptance: 3 of the 5 nodes (a, b, the observer) hold it at 50 ms. */
static void test_observer_delays(void) {
    run r;
    run_start(&r, "{'name': 'observer-line', 'seed': 5, 'nodes': [{'name': 'a'}, "
                  "{'name': 'b', 'hash_power': 0}, {'name': 'c', 'hash_power': 0}, "
                  "{'name': 'd', 'hash_power': 0}, {'name': 'o'}], "
                  "'topology': {'type': 'edges', 'edges': [['a', 'b'], ['b', 'c'], ['c', 'd'], "
                  "['o', 'a'], ['o', 'b'], ['o', 'c'], ['o', 'd']]}, "
                  "'links': {'latency_ms': 50}, 'relay': 'push', "
                  "'chain': {'difficulty': 8, 'block_interval_s': 30}, 'mining': 'auto', "
                  "'duration_s': 600, "
                  "'attackers': [{'strategy': 'observer', 'node': 'o', 'relay': false}]}");
    CHECK(r.m->n_measured >= 5);
    static const struct {
        const char *name;
        double want;
    } want[] = {
        {"observer_reach50_median_s", 0.05},  {"observer_reach90_median_s", 0.15},
        {"observer_reach50_mined_median_s", 0.1}, {"observer_delay_median_s", 0.1},
        {"observer_delay_p90_s", 0.15},       {"observer_delay_mean_s", 0.1},
        {"reach50_median_s", 0.05},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double v = -1;
        CHECK(metrics_value(r.m, want[i].name, &v));
        if (fabs(v - want[i].want) > 1e-12)
            CHECK_FAIL_("%s = %.9g, expected %.9g", want[i].name, v, want[i].want);
    }
    CHECK_INT_EQ(r.m->obs90.n, r.m->n_measured); /* every block reached all 4 peers */
    CHECK_INT_EQ(r.m->obs_delay.n, 3 * r.m->n_measured);
    CHECK_DBL_NEAR(r.m->obs_delay.max, 0.15, 1e-12);
    run_end(&r);
}

/* An observer is no attacker and never mines: its configured hash power is
 * not in the total (the others' shares sum to 1, so the block interval is
 * the scenario's), a hash_power event for every node leaves it at 0, and
 * the attacker metrics do not apply (nor does the summary list it). */
static void test_observer_no_hash_power(void) {
    run r;
    run_start(&r, "{'name': 'observer', 'seed': 3, 'nodes': [{'name': 'a'}, {'name': 'b'}, "
                  "{'name': 'c'}, {'name': 'o', 'hash_power': 5}], "
                  "'topology': 'mesh', 'links': {'latency_ms': 50}, 'relay': 'push', "
                  "'chain': {'difficulty': 8, 'block_interval_s': 30}, 'mining': 'auto', "
                  "'duration_s': 1200, "
                  "'events': [{'at': 600, 'do': 'hash_power', 'value': 2}], "
                  "'attackers': [{'strategy': 'observer', 'node': 'o', 'relay': false}]}");
    const int o = 3;
    double others = 0;
    for (int i = 0; i < 3; i++) others += sim_node_profile_of(r.s, i)->share;
    CHECK_DBL_NEAR(others, 1.0, 1e-12);
    CHECK_DBL_NEAR(sim_node_profile_of(r.s, o)->share, 0.0, 0);
    node_snapshot snap;
    node_snapshot_get(sim_node(r.s, o), &snap);
    CHECK_DBL_NEAR(snap.share, 0.0, 0);
    node_snapshot_release(&snap);
    CHECK_INT_EQ(fx_count(&r.rec, EV_HASH_POWER, o), 0);
    CHECK_INT_EQ(fx_count(&r.rec, EV_HASH_POWER, 0), 1);
    CHECK_INT_EQ(fx_count(&r.rec, EV_MINED, o), 0);
    double v = 0;
    CHECK(metrics_value(r.m, "attacker_share", &v) && isnan(v));
    CHECK(metrics_value(r.m, "attacker_revenue", &v) && isnan(v));
    CHECK_INT_EQ(r.m->n_attackers, 0);
    run_end(&r);
}

/* Churn: listed nodes alternate crash, restart, crash... and only they;
 * the same seed gives the same rhythm. */
static void test_churn(void) {
    static const char *json =
        "{'name': 'churn', 'seed': 5, 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}, "
        "{'name': 'd'}], 'topology': 'mesh', 'links': {'latency_ms': 50}, "
        "'chain': {'difficulty': 8, 'block_interval_s': 30}, 'mining': 'auto', "
        "'duration_s': 7200, 'churn': {'mean_up_s': 300, 'mean_down_s': 60, 'nodes': ['b', 'd']}}";
    uint64_t hash[2];
    for (int k = 0; k < 2; k++) {
        run r;
        run_start(&r, json);
        hash[k] = r.rec.hash;
        for (int i = 0; i < 4; i++) {
            bool down = false;
            size_t flips = 0;
            for (size_t j = 0; j < r.rec.n; j++) {
                const sim_event *e = &r.rec.evs[j].ev;
                if (e->node != i || (e->kind != EV_CRASH && e->kind != EV_RESTART)) continue;
                CHECK_INT_EQ(e->kind, down ? EV_RESTART : EV_CRASH);
                down = !down;
                flips++;
            }
            if (i == 1 || i == 3) CHECK(flips >= 10); /* ~ 7200 / 360 = 20 each */
            else CHECK_INT_EQ(flips, 0);
        }
        CHECK(r.m->height > 100);
        run_end(&r);
    }
    CHECK(hash[0] == hash[1]);
}

static const test_case cases[] = {
    TEST(test_selfish_withholds),
    TEST(test_selfish_gamma_matters),
    TEST(test_double_spend_wins),
    TEST(test_double_spend_without_funds),
    TEST(test_lies_rejected),
    TEST(test_eclipse),
    TEST(test_observer),
    TEST(test_observer_delays),
    TEST(test_observer_no_hash_power),
    TEST(test_churn),
    {0},
};

TEST_MAIN(cases)
