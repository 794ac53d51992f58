/* test_relay.c - how blocks travel in each relay mode (node_blocks.c):
 * which messages, of what size, and when the block arrives, on a line of
 * three nodes with 100 ms links and no bandwidth limit (so arrival times
 * count one-way trips: inv+getdata+block is three, a push is one); the
 * compact-block failure rate, and the rule that a node waiting for a full
 * block does not ask again for each compact block of it. */
#include "check.h"
#include "sim_fixture.h"

/* a - b - c, 100 ms each way, node a mines one block at t = 1 s. */
static const char *const line_fmt =
    "{'name': 'relay', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}],"
    " 'topology': {'type': 'edges', 'edges': [['a', 'b'], ['b', 'c']]},"
    " 'links': {'latency_ms': 100}, 'chain': {'difficulty': 4%s}, 'relay': %s,"
    " 'events': [{'at': 1, 'do': 'mine', 'node': 'a'}]}";

typedef struct relay_run {
    fx_recorder rec;
    int64_t at_b_us, at_c_us; /* when b and c accepted the block */
    uint32_t block_bytes, compact_bytes; /* sizes seen on the wire (0 = none sent) */
} relay_run;

/* Runs a scenario (fx_scenario's quoting) to its end and records it. */
static void run_json(relay_run *out, const char *json) {
    scenario scn;
    fx_scenario(&scn, json);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder_init(&out->rec);
    sim_add_sink(s, fx_record, &out->rec);
    sim_run(s);
    const fx_event *b = fx_last(&out->rec, EV_BLOCK_ACCEPTED, 1);
    const fx_event *c = fx_last(&out->rec, EV_BLOCK_ACCEPTED, 2);
    out->at_b_us = b ? b->ev.t_us : -1;
    out->at_c_us = c ? c->ev.t_us : -1;
    out->block_bytes = out->compact_bytes = 0;
    for (size_t i = 0; i < out->rec.n; i++) {
        const sim_event *e = &out->rec.evs[i].ev;
        if (e->kind != EV_MSG_SENT) continue;
        if (e->msg == MSG_BLOCK) out->block_bytes = e->bytes;
        if (e->msg == MSG_CMPCTBLOCK) out->compact_bytes = e->bytes;
    }
    sim_free(s);
    scenario_cleanup(&scn);
}

static void run_line(relay_run *out, const char *relay, const char *chain_extra) {
    char json[1024];
    snprintf(json, sizeof json, line_fmt, chain_extra, relay);
    run_json(out, json);
}

#define MS(x) ((int64_t)(x) * 1000)

static void test_inv_getdata_block(void) {
    relay_run r;
    run_line(&r, "'inv'", "");
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_INV, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_GETDATA, 1, 0), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, FX_ANY_NODE, FX_ANY_NODE), 2);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_INV, 1, 0), 0); /* never back to the sender */
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_CMPCTBLOCK, FX_ANY_NODE, FX_ANY_NODE), 0);
    CHECK_INT_EQ(r.at_b_us, MS(1300));
    CHECK_INT_EQ(r.at_c_us, MS(1600));
    fx_recorder_cleanup(&r.rec);
}

/* b - a - c: a pushes a 1 MB block (1,000,024 bytes with the header: 1.000024 s
 * at 8 Mbit/s) to b, then to c, over 100 ms links. Chainsim's rule starts
 * c's copy when b's transfer ends; SimBlock's ("upload_rule": "simblock")
 * when b's copy arrives, 100 ms later. */
static void test_upload_rules(void) {
    static const char *const fmt =
        "{'name': 'star', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}],"
        " 'topology': {'type': 'edges', 'edges': [['a', 'b'], ['a', 'c']]},"
        " 'links': {'latency_ms': 100, 'upload_bps': 8000000%s},"
        " 'chain': {'difficulty': 4, 'block_bytes': 1000000}, 'relay': 'push',"
        " 'events': [{'at': 1, 'do': 'mine', 'node': 'a'}]}";
    int64_t want_c[2] = {1000000 + 2 * 1000024 + 100000, 1000000 + 2 * 1000024 + 2 * 100000};
    const char *rule[2] = {"", ", 'upload_rule': 'simblock'"};
    for (int k = 0; k < 2; k++) {
        char json[1024];
        snprintf(json, sizeof json, fmt, rule[k]);
        relay_run r;
        run_json(&r, json);
        CHECK_INT_EQ(r.at_b_us, 1000000 + 1000024 + 100000);
        CHECK_INT_EQ(r.at_c_us, want_c[k]);
        fx_recorder_cleanup(&r.rec);
    }
}

/* Validation (links.validation_ms, validation_ms_per_kb) is paid once per
 * hop by the message that hands over the whole block, never by inv or
 * getdata: a - b - c, 100 ms links, a 100,000-byte declared block, 40 ms +
 * 0.5 ms/kB = 90 ms a hop on top of the three 100 ms trips. */
static void test_validation_cost(void) {
    static const char *const fmt =
        "{'name': 'relay', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}],"
        " 'topology': {'type': 'edges', 'edges': [['a', 'b'], ['b', 'c']]},"
        " 'links': {'latency_ms': 100, 'validation_ms': 40, 'validation_ms_per_kb': 0.5},"
        " 'chain': {'difficulty': 4, 'block_bytes': 100000}, 'relay': %s,"
        " 'events': [{'at': 1, 'do': 'mine', 'node': 'a'}]}";
    char json[1024];
    relay_run r;
    snprintf(json, sizeof json, fmt, "'inv'");
    run_json(&r, json);
    CHECK_INT_EQ(r.at_b_us, MS(1000 + 300 + 90));
    CHECK_INT_EQ(r.at_c_us, MS(1000 + 2 * (300 + 90)));
    fx_recorder_cleanup(&r.rec);
    snprintf(json, sizeof json, fmt, "'push'");
    run_json(&r, json);
    CHECK_INT_EQ(r.at_b_us, MS(1000 + 100 + 90));
    CHECK_INT_EQ(r.at_c_us, MS(1000 + 2 * (100 + 90)));
    fx_recorder_cleanup(&r.rec);
    /* A compact block that fails and is completed by a full block is
     * validated once: five trips and 90 ms a hop, not 180. */
    snprintf(json, sizeof json, fmt, "{'compact': {'failure_rate': 1}}");
    run_json(&r, json);
    CHECK_INT_EQ(r.at_b_us, MS(1000 + 500 + 90));
    CHECK_INT_EQ(r.at_c_us, MS(1000 + 2 * (500 + 90)));
    fx_recorder_cleanup(&r.rec);
}

static void test_push(void) {
    relay_run r;
    run_line(&r, "'push'", "");
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, 1, 2), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, FX_ANY_NODE, FX_ANY_NODE), 2);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_INV, FX_ANY_NODE, FX_ANY_NODE), 0);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_GETDATA, FX_ANY_NODE, FX_ANY_NODE), 0);
    CHECK_INT_EQ(r.at_b_us, MS(1100));
    CHECK_INT_EQ(r.at_c_us, MS(1200));
    fx_recorder_cleanup(&r.rec);
}

static void test_compact_after_inv(void) {
    relay_run r;
    run_line(&r, "'compact'", "");
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_INV, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_GETDATA, 1, 0), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_CMPCTBLOCK, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, FX_ANY_NODE, FX_ANY_NODE), 0);
    /* The block holds only its reward: frame, header + nonce, one short id. */
    CHECK_INT_EQ(r.compact_bytes, 24 + 88 + 6);
    CHECK_INT_EQ(r.at_b_us, MS(1300));
    CHECK_INT_EQ(r.at_c_us, MS(1600));
    fx_recorder_cleanup(&r.rec);
}

static void test_compact_always_failing(void) {
    relay_run r;
    run_line(&r, "{'compact': {'failure_rate': 1}}", "");
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_CMPCTBLOCK, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_GETBLOCKTXN, 1, 0), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_BLOCK, 0, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_GETBLOCKTXN, 2, 1), 1);
    /* Two more one-way trips per hop: 5 x 100 ms. */
    CHECK_INT_EQ(r.at_b_us, MS(1500));
    CHECK_INT_EQ(r.at_c_us, MS(2000));
    fx_recorder_cleanup(&r.rec);
}

static void test_compact_pushed(void) {
    relay_run r;
    run_line(&r, "{'compact': {'announce': 'push'}}", "");
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_CMPCTBLOCK, FX_ANY_NODE, FX_ANY_NODE), 2);
    CHECK_INT_EQ(fx_count_sent(&r.rec, MSG_INV, FX_ANY_NODE, FX_ANY_NODE), 0);
    CHECK_INT_EQ(r.at_b_us, MS(1100));
    CHECK_INT_EQ(r.at_c_us, MS(1200));
    fx_recorder_cleanup(&r.rec);
    run_line(&r, "{'compact': {'announce': 'push', 'failure_rate': 1}}", "");
    CHECK_INT_EQ(r.at_b_us, MS(1300));
    CHECK_INT_EQ(r.at_c_us, MS(1600));
    fx_recorder_cleanup(&r.rec);
}

/* Declared block sizes: a compact block counts block_bytes / 250
 * transactions (535000 -> 2140 short ids); the full block is the declared
 * size; a scenario may also fix the compact size. */
static void test_compact_sizes_declared(void) {
    relay_run r;
    run_line(&r, "{'compact': {'failure_rate': 1}}", ", 'block_bytes': 535000");
    CHECK_INT_EQ(r.compact_bytes, 24 + 88 + 6 * 2140);
    CHECK_INT_EQ(r.block_bytes, 24 + 535000);
    fx_recorder_cleanup(&r.rec);
    run_line(&r, "{'compact': {'bytes': 18000}}", ", 'block_bytes': 535000");
    CHECK_INT_EQ(r.compact_bytes, 24 + 18000);
    fx_recorder_cleanup(&r.rec);
}

/* A star: the hub mines, 400 leaves each get one compact block and fail at
 * 30%: 120 +- 9 getblocktxn expected. */
static void test_failure_rate(void) {
    char json[512];
    snprintf(json, sizeof json,
             "{'name': 'star', 'seed': 5, 'nodes': 401, 'topology': {'type': 'edges', 'edges': []},"
             " 'chain': {'difficulty': 4},"
             " 'relay': {'compact': {'failure_rate': 0.3, 'announce': 'push'}},"
             " 'events': [{'at': 1, 'do': 'mine', 'node': 0}]}");
    scenario scn;
    fx_scenario(&scn, json);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    for (int i = 1; i <= 400; i++) node_add_peer(sim_node(s, 0), i);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    sim_run(s);
    size_t failed = fx_count_sent(&r, MSG_GETBLOCKTXN, FX_ANY_NODE, 0);
    CHECK(failed >= 90 && failed <= 150);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_BLOCK, 0, FX_ANY_NODE), failed);
    CHECK_INT_EQ(fx_count(&r, EV_BLOCK_ACCEPTED, FX_ANY_NODE), 401);
    fx_recorder_cleanup(&r);
    sim_free(s);
    scenario_cleanup(&scn);
}

/* a - b, a - c, b - d, c - d, every compact block failing: d gets compact
 * blocks from b and from c at the same moment and asks only once. */
static void test_one_request_while_waiting(void) {
    scenario scn;
    fx_scenario(&scn, "{'name': 'diamond', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'},"
                      " {'name': 'd'}], 'topology': {'type': 'edges', 'edges': [['a', 'b'],"
                      " ['a', 'c'], ['b', 'd'], ['c', 'd']]}, 'links': {'latency_ms': 100},"
                      " 'chain': {'difficulty': 4},"
                      " 'relay': {'compact': {'failure_rate': 1, 'announce': 'push'}},"
                      " 'events': [{'at': 1, 'do': 'mine', 'node': 'a'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    sim_run(s);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_CMPCTBLOCK, FX_ANY_NODE, 3), 2);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETBLOCKTXN, 3, FX_ANY_NODE), 1);
    const fx_event *at_d = fx_last(&r, EV_BLOCK_ACCEPTED, 3);
    CHECK(at_d != NULL);
    CHECK_INT_EQ(at_d->ev.t_us, MS(1600)); /* 3 trips to b or c, then 3 more */
    fx_recorder_cleanup(&r);
    sim_free(s);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_inv_getdata_block),
    TEST(test_push),
    TEST(test_upload_rules),
    TEST(test_validation_cost),
    TEST(test_compact_after_inv),
    TEST(test_compact_always_failing),
    TEST(test_compact_pushed),
    TEST(test_compact_sizes_declared),
    TEST(test_failure_rate),
    TEST(test_one_request_while_waiting),
    {0},
};

TEST_MAIN(cases)
