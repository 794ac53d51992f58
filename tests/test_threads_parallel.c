/* test_threads_parallel: the parallel virtual executor gives the sequential
 * run's events in the sequential order, whatever the number of workers and
 * however the run is driven (whole, in steps of time, event by event); a run
 * whose links have no latency stays on one thread; the lookahead is the least
 * delay of any message; a stop height winds down at the next multiple of the
 * lookahead in every virtual executor. (Named test_threads_*: TSan runs it.) */
#include <string.h>

#include "check.h"
#include "sim/sim.h"

/* Traffic, a partition and its healing (between windows), random latency
 * with bandwidth (per-sender draws and upload queues), loss. */
static const char *const busy_json =
    "{\"name\": \"par\", \"seed\": 9, \"nodes\": 12, \"topology\": {\"type\": \"random\", \"k\": 3},"
    " \"links\": {\"latency_ms\": {\"min\": 15, \"max\": 400}, \"loss\": 0.02,"
    "   \"upload_bps\": 2000000, \"processing_ms\": 1},"
    " \"chain\": {\"difficulty\": 6, \"block_interval_s\": 3,"
    "   \"genesis\": {\"balances\": {\"node0\": 100, \"node1\": 100}}},"
    " \"traffic\": {\"tx_per_s\": 3}, \"mining\": \"auto\", \"duration_s\": 120,"
    " \"events\": [{\"at\": 30, \"do\": \"partition\", \"halves\": true}, {\"at\": 60, \"do\": \"heal\"},"
    "   {\"at\": 70, \"do\": \"links\", \"latency_ms\": 12}]}";

/* Stops at height 12: winding down at the next multiple of the lookahead. */
static const char *const stop_json =
    "{\"name\": \"stop\", \"seed\": 4, \"nodes\": 9, \"topology\": {\"type\": \"random\", \"k\": 3},"
    " \"links\": {\"latency_ms\": {\"min\": 40, \"max\": 900}},"
    " \"chain\": {\"difficulty\": 4, \"block_interval_s\": 1}, \"mining\": \"auto\","
    " \"duration_s\": 100000, \"stop\": {\"height\": 12}}";

typedef struct digest {
    uint64_t h, n;
    int64_t stop_us;  /* first tip at the stop height */
    int64_t last_mined_us;
    sim_sends sent;   /* counted from the EV_MSG_SENT events */
} digest;

static void digest_sink(void *user, const sim_event *ev) {
    digest *d = user;
    uint64_t parts[10] = {(uint64_t)ev->kind, (uint64_t)ev->t_us, (uint64_t)ev->node,
                          (uint64_t)ev->peer, ev->block ? ev->block->hash[0] : 0, ev->bytes,
                          (uint64_t)ev->fate, (uint64_t)ev->reason, (uint64_t)ev->arrive_us,
                          ev->tx ? (uint64_t)ev->tx->amount : 0};
    for (int i = 0; i < 10; i++) d->h = (d->h ^ parts[i]) * 0x100000001b3ULL;
    d->n++;
    if (ev->kind == EV_MSG_SENT) {
        d->sent.msgs++;
        d->sent.bytes += ev->bytes;
        d->sent.by_kind[ev->msg]++;
    }
    if (ev->kind == EV_TIP_CHANGED && ev->block->index >= 12 && d->stop_us < 0)
        d->stop_us = ev->t_us;
    if (ev->kind == EV_MINED) d->last_mined_us = ev->t_us;
}

typedef enum { WHOLE, UNTIL, STEP } how;

typedef struct outcome {
    digest d;
    uint64_t handled;
    int64_t end_us, lookahead_us;
    int workers;
    sim_sends counted; /* sim_sends_get after the run */
} outcome;

static outcome run(const scenario *scn, int parallel, how h) {
    char err[256];
    outcome o = {.d = {.h = 0xcbf29ce484222325ULL, .stop_us = -1, .last_mined_us = -1}};
    sim *s = sim_new(&(sim_desc){.scn = scn, .parallel = parallel}, err, sizeof err);
    if (!s) return o;
    sim_add_sink(s, digest_sink, &o.d);
    switch (h) {
    case WHOLE: sim_run(s); break;
    case UNTIL:
        for (int64_t t = 0; !sim_run_until(s, t); t += 333333) {}
        break;
    case STEP:
        while (!sim_step(s)) {}
        break;
    }
    o.handled = sim_events_handled(s);
    sim_sends_get(s, &o.counted);
    o.end_us = sim_end_us(s);
    o.lookahead_us = sim_lookahead_us(s);
    o.workers = sim_workers(s);
    sim_free(s);
    return o;
}

/* The sim's own count of sends is the events' count, kind by kind. */
static void check_sends(const outcome *o) {
    CHECK(o->counted.msgs > 0);
    CHECK_INT_EQ(o->counted.msgs, o->d.sent.msgs);
    CHECK_INT_EQ(o->counted.bytes, o->d.sent.bytes);
    for (int k = 0; k < MSG_KIND_COUNT; k++)
        CHECK_INT_EQ(o->counted.by_kind[k], o->d.sent.by_kind[k]);
}

static void check_same(const outcome *a, const outcome *b) {
    check_sends(a);
    check_sends(b);
    CHECK_INT_EQ(b->d.n, a->d.n);
    CHECK_INT_EQ(b->d.h, a->d.h);
    CHECK_INT_EQ(b->handled, a->handled);
    CHECK_INT_EQ(b->end_us, a->end_us);
}

static void test_same_events_any_workers(void) {
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "par", busy_json, strlen(busy_json), err, sizeof err), CS_OK);
    outcome one = run(&scn, 1, WHOLE);
    CHECK_INT_EQ(one.workers, 1);
    CHECK(one.d.n > 5000);
    CHECK(one.counted.msgs > 1000);
    /* 12 nodes: 5 asked give 4 partitions of 3; at most one per node. */
    const int asked[] = {2, 3, 5, 12, 40}, got[] = {2, 3, 4, 12, 12};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        outcome p = run(&scn, asked[i], WHOLE);
        CHECK_INT_EQ(p.workers, got[i]);
        check_same(&one, &p);
    }
    /* In steps the clock ends at the last step's time: compare like with like. */
    outcome until1 = run(&scn, 1, UNTIL), until3 = run(&scn, 3, UNTIL);
    outcome step1 = run(&scn, 1, STEP), step3 = run(&scn, 3, STEP);
    check_same(&until1, &until3);
    check_same(&step1, &step3);
    CHECK_INT_EQ(until3.d.h, one.d.h);
    CHECK_INT_EQ(step3.d.h, one.d.h);
    scenario_cleanup(&scn);
}

/* Blocks sealed while the network is quiet: the parallel executor's
 * workers share the nonce search (node_env.search), and every block, its
 * nonce and hash among the digest's parts, is the one a single thread
 * searching from the start finds. Difficulty 15: ~32,000 tries a block,
 * so the search spans many batches. */
static void test_split_search_same_blocks(void) {
    static const char *const json =
        "{\"name\": \"seal\", \"seed\": 5, \"nodes\": 6, \"topology\": {\"type\": \"random\", \"k\": 2},"
        " \"links\": {\"latency_ms\": {\"min\": 20, \"max\": 80}},"
        " \"chain\": {\"difficulty\": 15, \"block_interval_s\": 30},"
        " \"mining\": \"auto\", \"duration_s\": 600}";
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "seal", json, strlen(json), err, sizeof err), CS_OK);
    outcome one = run(&scn, 1, WHOLE);
    for (int w = 2; w <= 3; w++) {
        outcome p = run(&scn, w, WHOLE);
        check_same(&one, &p);
    }
    sim *s = sim_new(&(sim_desc){.scn = &scn, .parallel = 2}, err, sizeof err);
    digest d = {.h = 0xcbf29ce484222325ULL, .stop_us = -1, .last_mined_us = -1};
    sim_add_sink(s, digest_sink, &d);
    sim_run(s);
    sim_par_stats ps;
    CHECK(sim_parallel_stats_get(s, &ps));
    CHECK_INT_EQ(d.h, one.d.h);
    /* ~20 blocks in 600 s; most are sealed in a window of their own. */
    CHECK(ps.searches_split >= 5);
    sim_free(s);
    scenario_cleanup(&scn);
}

/* A stop height: the same events at 1 and 3 workers, and no block mined at
 * or after the first multiple of the lookahead past the stop. */
static void test_stop_winds_down_at_the_grid(void) {
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "stop", stop_json, strlen(stop_json), err, sizeof err), CS_OK);
    outcome one = run(&scn, 1, WHOLE), three = run(&scn, 3, WHOLE);
    check_same(&one, &three);
    CHECK_INT_EQ(one.lookahead_us, 40000);
    CHECK(one.d.stop_us > 0);
    int64_t grid = (one.d.stop_us / one.lookahead_us + 1) * one.lookahead_us;
    CHECK(one.d.last_mined_us < grid);
    CHECK(one.end_us > grid); /* the drain delivered the last blocks */
    scenario_cleanup(&scn);
}

static void test_lookahead_and_zero_latency(void) {
    scenario scn;
    char err[256];
    /* busy_json: 15 ms + 1 ms, then a links event sets 12 ms: 13 ms. */
    CHECK_INT_EQ(scenario_parse(&scn, "par", busy_json, strlen(busy_json), err, sizeof err), CS_OK);
    sim *s = sim_new(&(sim_desc){.scn = &scn, .parallel = 2}, err, sizeof err);
    CHECK(s != NULL);
    CHECK_INT_EQ(sim_lookahead_us(s), 13000);
    CHECK_INT_EQ(sim_workers(s), 2);
    sim_free(s);
    scenario_cleanup(&scn);
    static const char *const zero =
        "{\"name\": \"zero\", \"nodes\": 4, \"topology\": {\"type\": \"mesh\"},"
        " \"links\": {\"latency_ms\": 0},"
        " \"chain\": {\"difficulty\": 4, \"block_interval_s\": 1}, \"mining\": \"auto\","
        " \"duration_s\": 30}";
    CHECK_INT_EQ(scenario_parse(&scn, "zero", zero, strlen(zero), err, sizeof err), CS_OK);
    outcome a = run(&scn, 1, WHOLE), b = run(&scn, 4, WHOLE);
    CHECK_INT_EQ(b.lookahead_us, 0);
    CHECK_INT_EQ(b.workers, 1);
    CHECK(a.d.n > 100);
    check_same(&a, &b);
    scenario_cleanup(&scn);
}

/* sim_par_stats: what the windows ran adds up to the run's entries, the
 * merge handed the sinks the workers' events, and the times nest. */
static void test_parallel_stats(void) {
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "par", busy_json, strlen(busy_json), err, sizeof err), CS_OK);
    sim_par_stats ps;
    sim *s = sim_new(&(sim_desc){.scn = &scn, .parallel = 1}, err, sizeof err);
    CHECK(!sim_parallel_stats_get(s, &ps)); /* one worker: the sequential executor */
    sim_free(s);
    s = sim_new(&(sim_desc){.scn = &scn, .parallel = 3}, err, sizeof err);
    digest d = {.h = 0xcbf29ce484222325ULL, .stop_us = -1, .last_mined_us = -1};
    sim_add_sink(s, digest_sink, &d);
    sim_run(s);
    CHECK(sim_parallel_stats_get(s, &ps));
    uint64_t handled = sim_events_handled(s);
    CHECK_INT_EQ(ps.workers, 3);
    CHECK(ps.windows > 100 && ps.windows_shared <= ps.windows);
    /* Outside windows only the run's own entries ran: the scenario's 3
     * events, 360 traffic ticks (3/s over 120 s) and the end. */
    CHECK(ps.entries <= handled && handled - ps.entries < 500);
    CHECK(ps.entries_shared <= ps.entries && ps.entries_shared > 0);
    /* 3 partitions of a random graph: many messages cross, not all. */
    CHECK(ps.cross > 100 && ps.cross < ps.entries);
    /* Every event but those of the own entries went through the merge. */
    CHECK(ps.merged <= d.n && ps.merged > d.n * 9 / 10);
    /* Most windows' events reach the sinks during the next window (only
     * those of windows before own entries or the stop merge at once). */
    CHECK(ps.merged_behind <= ps.merged && ps.merged_behind > ps.merged / 2);
    CHECK(ps.behind_s > 0 && ps.behind_cpu_s > 0);
    CHECK(ps.wall_s >= ps.serial_s && ps.serial_s >= ps.merge_s && ps.merge_s >= 0);
    CHECK(ps.cpu_s[0] > 0 && ps.run_s[0] > 0);
    CHECK(ps.serial_cpu_s >= ps.merge_cpu_s && ps.merge_cpu_s >= 0);
    sim_free(s);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_parallel_stats),
    TEST(test_same_events_any_workers),
    TEST(test_split_search_same_blocks),
    TEST(test_stop_winds_down_at_the_grid),
    TEST(test_lookahead_and_zero_latency),
    {0},
};

TEST_MAIN(cases)
