/* test_sim.c - the simulation in the virtual executor: reproducible runs,
 * the stop rules (height, duration and the drain after it, an idle
 * network), partitions and their healing, link changes, hash power, and
 * what sim_new refuses.
 *
 * Every run records all its events (sim_fixture.h); expected times come
 * from the fixed hop latency of each scenario. */
#include <string.h>

#include "check.h"
#include "sim_fixture.h"

/* ---- determinism ---- */

static const char *const busy_auto =
    "{'name': 'busy', 'nodes': 6, 'topology': {'type': 'random', 'k': 2},"
    " 'links': {'latency_ms': {'min': 20, 'max': 300}, 'loss': 0.05},"
    " 'chain': {'difficulty': 6, 'block_interval_s': 30,"
    "           'genesis': {'balances': {'node0': 1000, 'node1': 1000}}},"
    " 'mining': 'auto', 'traffic': {'tx_per_s': 0.5, 'max_amount': 5}, 'duration_s': 600}";

typedef struct run_digest {
    uint64_t hash;
    size_t n_events, n_mined;
    int64_t end_us;
} run_digest;

static run_digest run_once(const scenario *scn, bool seed_set, uint64_t seed) {
    char err[256] = "";
    sim *s = sim_new(&(sim_desc){.scn = scn, .seed_set = seed_set, .seed = seed}, err, sizeof err);
    if (!s) {
        fprintf(stderr, "sim_new: %s\n", err);
        abort();
    }
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    sim_run(s);
    run_digest d = {r.hash, r.n, fx_count(&r, EV_MINED, FX_ANY_NODE), sim_end_us(s)};
    sim_free(s);
    fx_recorder_cleanup(&r);
    return d;
}

static void test_same_seed_same_events(void) {
    scenario scn;
    fx_scenario(&scn, busy_auto);
    run_digest a = run_once(&scn, false, 0);
    run_digest b = run_once(&scn, false, 0);
    run_digest c = run_once(&scn, true, scn.seed); /* the same seed, given explicitly */
    run_digest d = run_once(&scn, true, 7);
    scenario_cleanup(&scn);
    /* Something happened: ~20 blocks are expected in 600 s at 30 s each. */
    CHECK(a.n_mined >= 5);
    CHECK(a.n_events > 500);
    CHECK_INT_EQ(a.hash, b.hash);
    CHECK_INT_EQ(a.n_events, b.n_events);
    CHECK_INT_EQ(a.end_us, b.end_us);
    CHECK_INT_EQ(a.hash, c.hash);
    CHECK(a.hash != d.hash);
}

/* ---- stop rules ---- */

static void test_stop_height(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'stop', 'nodes': 4, 'links': {'latency_ms': 100},"
                " 'chain': {'difficulty': 6, 'block_interval_s': 10},"
                " 'mining': 'auto', 'stop': {'height': 6}}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    int64_t reached_us = -1;
    int64_t max_mined = 0;
    for (size_t i = 0; i < r.n; i++) {
        const sim_event *e = &r.evs[i].ev;
        if (e->kind == EV_TIP_CHANGED && e->block->index >= 6 && reached_us < 0) reached_us = e->t_us;
        if (e->kind == EV_MINED && e->block->index > max_mined) max_mined = e->block->index;
    }
    CHECK(reached_us > 0);
    CHECK_INT_EQ(fx_count_in(&r, EV_MINED, FX_ANY_NODE, reached_us + 1, INT64_MAX), 0);
    CHECK_INT_EQ(max_mined, 6);
    /* The drain let the last block reach everyone. */
    for (int i = 0; i < 4; i++) CHECK_INT_EQ(fx_height(s, i), 6);
    CHECK(sim_end_us(s) >= reached_us);
    CHECK(sim_end_us(s) <= reached_us + SIM_DRAIN_US);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* Auto mining until 10 s, plus a block mined by hand at 9.9 s that needs
 * 3 s (inv, getdata, block at 1 s per hop) to reach the others; a mine
 * event at 11 s is past the end and never runs. */
static void test_duration_and_drain(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'drain', 'nodes': 3, 'links': {'latency_ms': 1000},"
                " 'chain': {'difficulty': 6, 'block_interval_s': 2},"
                " 'mining': 'auto', 'duration_s': 10,"
                " 'events': [{'at': 9.9, 'do': 'mine', 'node': 0},"
                "            {'at': 11, 'do': 'mine', 'node': 1}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    CHECK(fx_count(&r, EV_MINED, FX_ANY_NODE) >= 2);
    CHECK_INT_EQ(fx_count_in(&r, EV_MINED, FX_ANY_NODE, 10000001, INT64_MAX), 0);
    const block *late = NULL;
    for (size_t i = 0; i < r.n; i++)
        if (r.evs[i].ev.kind == EV_MINED && r.evs[i].ev.t_us == 9900000) late = r.evs[i].ev.block;
    CHECK(late != NULL);
    for (int i = 1; i < 3; i++) {
        int64_t accepted_us = -1;
        for (size_t k = 0; k < r.n; k++)
            if (r.evs[k].ev.kind == EV_BLOCK_ACCEPTED && r.evs[k].ev.node == i &&
                r.evs[k].ev.block == late)
                accepted_us = r.evs[k].ev.t_us;
        CHECK_INT_EQ(accepted_us, 12900000);
    }
    CHECK(sim_end_us(s) >= 12900000);
    CHECK(sim_end_us(s) <= 10000000 + SIM_DRAIN_US);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* Manual mining, no duration: the run ends with the last message. alice
 * mines at 1 s; bob and carol have the block at 1.3 s and announce it to
 * each other (1.4 s), which changes nothing: the end. */
static void test_idle_run_ends(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'idle', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 1, 'do': 'mine', 'node': 'alice'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK_INT_EQ(sim_end_us(s), 1400000);
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(fx_height(s, i), 2);
    /* 1 event + 2 inv + 2 getdata + 2 block + 2 inv. */
    CHECK_INT_EQ(sim_events_handled(s), 9);
    CHECK_INT_EQ(fx_count(&r, EV_MSG_DELIVERED, FX_ANY_NODE), 8);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* ---- the network ---- */

static void test_partition_and_heal(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'split', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}, {'name': 'd'}],"
                " 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 0, 'do': 'partition', 'groups': [['a', 'b']]},"
                "  {'at': 1, 'do': 'mine', 'node': 'a'}, {'at': 5, 'do': 'heal'},"
                "  {'at': 6, 'do': 'mine', 'node': 'b'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    CHECK_INT_EQ(fx_count(&r, EV_PARTITION, -1), 1);
    CHECK_INT_EQ(fx_count(&r, EV_HEAL, -1), 1);
    /* a's invs to c and d, then b's relays to c and d: cut. */
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_PARTITION, 0, 5000000), 4);
    CHECK_INT_EQ(fx_count(&r, EV_MSG_DROPPED, FX_ANY_NODE), 4);
    CHECK_INT_EQ(fx_count_in(&r, EV_TIP_CHANGED, 2, 0, 6000000), 0);
    /* After the heal b's block brings c and d up through getblocks. */
    CHECK(fx_count_sent(&r, MSG_GETBLOCKS, 2, FX_ANY_NODE) >= 1);
    for (int i = 0; i < 4; i++) {
        CHECK_INT_EQ(fx_height(s, i), 3);
        CHECK(fx_tip(s, i) == fx_tip(s, 1));
    }
    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);

    /* A cut made while a message is in flight drops it on arrival. */
    fx_scenario(&scn,
                "{'name': 'split-in-flight', 'nodes': 4, 'links': {'latency_ms': 100},"
                " 'chain': {'difficulty': 6},"
                " 'events': [{'at': 1, 'do': 'mine', 'node': 0},"
                "  {'at': 1.05, 'do': 'partition', 'halves': true}]}");
    s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    /* 0's invs to 2 and 3 left at 1 s, before the cut: dropped on arrival
     * at 1.1 s. Then 1 relays the block (1.3 s): cut when sent. */
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_PARTITION, 1100000, 1100000), 2);
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_PARTITION, 1300000, 1300000), 2);
    CHECK_INT_EQ(fx_count(&r, EV_MSG_DROPPED, FX_ANY_NODE), 4);
    CHECK_INT_EQ(fx_height(s, 1), 2);
    CHECK_INT_EQ(fx_height(s, 2), 1);
    CHECK_INT_EQ(fx_height(s, 3), 1);
    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* Links that lose everything, then links with no loss and 500 ms. */
static void test_links_event(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'links', 'nodes': 3, 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 0, 'do': 'links', 'loss': 0.999999},"
                "  {'at': 1, 'do': 'mine', 'node': 0},"
                "  {'at': 5, 'do': 'links', 'loss': 0, 'latency_ms': 500},"
                "  {'at': 6, 'do': 'mine', 'node': 0}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    CHECK_INT_EQ(fx_count(&r, EV_LINKS, -1), 2);
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_LOSS, 0, 5000000), 2);
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_LOSS, 5000000, INT64_MAX), 0);
    CHECK_INT_EQ(fx_count_in(&r, EV_MSG_DELIVERED, FX_ANY_NODE, 0, 5000000), 0);
    /* The first delivery after the change: the inv sent at 6 s, 500 ms on. */
    int64_t first_us = -1;
    for (size_t i = 0; i < r.n && first_us < 0; i++)
        if (r.evs[i].ev.kind == EV_MSG_DELIVERED) first_us = r.evs[i].ev.t_us;
    CHECK_INT_EQ(first_us, 6500000);
    /* inv 6.5, getdata 7.0, block 7.5 (orphan), getblocks 8.0, blocks 8.5. */
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(fx_height(s, i), 3);
    const fx_event *e = fx_last(&r, EV_TIP_CHANGED, 1);
    CHECK(e != NULL);
    CHECK_INT_EQ(e->ev.t_us, 8500000);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

static void test_hash_power_zero(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'power', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c', 'hash_power': 0}],"
                " 'links': {'latency_ms': 50}, 'chain': {'difficulty': 6, 'block_interval_s': 10},"
                " 'mining': 'auto', 'duration_s': 600,"
                " 'events': [{'at': 300, 'do': 'hash_power', 'node': 'a', 'value': 0}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    /* a and b hold half each: ~15 blocks each in the first 300 s. */
    CHECK_INT_EQ(fx_count(&r, EV_MINED, 2), 0);
    CHECK(fx_count_in(&r, EV_MINED, 0, 0, 300000000) >= 3);
    CHECK_INT_EQ(fx_count_in(&r, EV_MINED, 0, 300000000, INT64_MAX), 0);
    CHECK(fx_count_in(&r, EV_MINED, 1, 300000000, INT64_MAX) >= 3);
    const fx_event *e = fx_last(&r, EV_HASH_POWER, 0);
    CHECK(e != NULL);
    CHECK_DBL_NEAR(e->ev.value, 0, 0);
    CHECK_DBL_NEAR(fx_snap(s, 1).share, 0.5, 1e-12);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

static void test_race_needs_threads(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'race', 'nodes': 2, 'mining': 'race', 'duration_s': 5,"
                " 'chain': {'difficulty': 6}}");
    char err[256] = "";
    sim *s = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_VIRTUAL}, err, sizeof err);
    CHECK(s == NULL);
    CHECK(strstr(err, "race mining needs the threads executor") != NULL);
    CHECK(strstr(err, "inline.json") == err);
    err[0] = '\0';
    s = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS}, err, sizeof err);
    CHECK(s != NULL);
    CHECK_STR_EQ(err, "");
    sim_free(s);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_same_seed_same_events),
    TEST(test_stop_height),
    TEST(test_duration_and_drain),
    TEST(test_idle_run_ends),
    TEST(test_partition_and_heal),
    TEST(test_links_event),
    TEST(test_hash_power_zero),
    TEST(test_race_needs_threads),
    {0},
};

TEST_MAIN(cases)
