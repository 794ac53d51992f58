/* test_sim_steps: the virtual executor run in steps gives the same events as
 * one run; messages for remote peers go to the remote transport; injected
 * messages reach their node. */
#include <string.h>

#include "check.h"
#include "chain/sha256.h"
#include "sim/sim.h"

/* Node i's tip as it last published it. */
static const block *tip_of(sim *s, int i) {
    node_snapshot snap;
    node_snapshot_get(sim_node(s, i), &snap);
    const block *tip = snap.tip;
    node_snapshot_release(&snap);
    return tip;
}

static const char *const auto_json =
    "{\"name\": \"steps\", \"seed\": 5, \"nodes\": 6, \"topology\": {\"type\": \"random\", \"k\": 2},"
    " \"links\": {\"latency_ms\": {\"min\": 10, \"max\": 900}},"
    " \"chain\": {\"difficulty\": 6, \"block_interval_s\": 2,"
    "   \"genesis\": {\"balances\": {\"node0\": 100, \"node1\": 100}}},"
    " \"traffic\": {\"tx_per_s\": 2}, \"mining\": \"auto\", \"duration_s\": 60,"
    " \"events\": [{\"at\": 20, \"do\": \"partition\", \"halves\": true}, {\"at\": 40, \"do\": \"heal\"}]}";

/* Folds every event into a running hash: equal sequences, equal digests. */
typedef struct digest {
    uint64_t h;
    uint64_t n;
} digest;

static void digest_sink(void *user, const sim_event *ev) {
    digest *d = user;
    uint64_t parts[6] = {(uint64_t)ev->kind, (uint64_t)ev->t_us, (uint64_t)ev->node,
                         (uint64_t)ev->peer, ev->block ? ev->block->hash[0] : 0, ev->bytes};
    for (int i = 0; i < 6; i++) d->h = (d->h ^ parts[i]) * 0x100000001b3ULL;
    d->n++;
}

typedef enum { WHOLE, UNTIL, STEP } how;

static digest run(const scenario *scn, how h) {
    char err[256];
    sim *s = sim_new(&(sim_desc){.scn = scn}, err, sizeof err);
    digest d = {0xcbf29ce484222325ULL, 0};
    if (!s) return d;
    sim_add_sink(s, digest_sink, &d);
    switch (h) {
    case WHOLE: sim_run(s); break;
    case UNTIL:
        for (int64_t t = 0; !sim_run_until(s, t); t += 700000) {}
        break;
    case STEP:
        while (!sim_step(s)) {}
        break;
    }
    sim_free(s);
    return d;
}

static void test_steps_match_one_run(void) {
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "steps", auto_json, strlen(auto_json), err, sizeof err), CS_OK);
    digest whole = run(&scn, WHOLE), until = run(&scn, UNTIL), step = run(&scn, STEP);
    scenario_cleanup(&scn);
    CHECK(whole.n > 1000);
    CHECK_INT_EQ(until.n, whole.n);
    CHECK_INT_EQ(until.h, whole.h);
    CHECK_INT_EQ(step.n, whole.n);
    CHECK_INT_EQ(step.h, whole.h);
}

static void test_run_until_sets_clock(void) {
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "steps", auto_json, strlen(auto_json), err, sizeof err), CS_OK);
    sim *s = sim_new(&(sim_desc){.scn = &scn}, err, sizeof err);
    CHECK(s != NULL);
    CHECK(!sim_run_until(s, 12345678));
    CHECK_INT_EQ(sim_now_us(s), 12345678);
    CHECK(!sim_finished(s));
    while (!sim_step(s)) {}
    CHECK(sim_finished(s));
    CHECK(sim_now_us(s) >= 60000000);
    sim_free(s);
    scenario_cleanup(&scn);
}

typedef struct captured {
    msg *msgs[64];
    int n;
} captured;

static void capture_send(void *user, msg *m) {
    captured *c = user;
    if (c->n < 64) c->msgs[c->n++] = m;
    else msg_free(m);
}

static void test_remote_peer_and_inject(void) {
    static const char *const json =
        "{\"name\": \"remote\", \"nodes\": 2, \"topology\": \"none\", \"chain\": {\"difficulty\": 4}}";
    scenario scn;
    char err[256];
    CHECK_INT_EQ(scenario_parse(&scn, "remote", json, strlen(json), err, sizeof err), CS_OK);
    sim *s = sim_new(&(sim_desc){.scn = &scn}, err, sizeof err);
    CHECK(s != NULL);
    captured cap = {0};
    sim_set_remote(s, &(sim_remote){.user = &cap, .send = capture_send});
    int far = sim_remote_add(s, "http://127.0.0.1:5999");
    CHECK_INT_EQ(far, 2);
    CHECK_INT_EQ(sim_remote_add(s, "http://127.0.0.1:5999"), 2);
    CHECK_INT_EQ(sim_remote_add(s, "http://127.0.0.1:6000"), 3);
    CHECK_STR_EQ(sim_remote_url(s, 2), "http://127.0.0.1:5999");
    CHECK(sim_remote_url(s, 1) == NULL);

    node_cmd *reg = node_cmd_new(CMD_REGISTER);
    reg->peer = far;
    sim_command(s, 0, reg);
    sim_command(s, 0, node_cmd_new(CMD_MINE));
    sim_run(s);
    /* The mined block was announced to the remote peer. */
    CHECK_INT_EQ(cap.n, 1);
    CHECK_INT_EQ(cap.msgs[0]->kind, MSG_INV);
    CHECK_INT_EQ(cap.msgs[0]->to, far);
    const block *mined = tip_of(s, 0);
    CHECK(cap.msgs[0]->block == mined);

    /* A request from the remote peer is answered to it. */
    msg *ask = msg_new(MSG_GETCHAIN);
    ask->from = far;
    ask->to = 0;
    sim_inject(s, ask);
    sim_run_until(s, sim_now_us(s) + 1000000);
    CHECK_INT_EQ(cap.n, 2);
    CHECK_INT_EQ(cap.msgs[1]->kind, MSG_CHAIN);
    CHECK_INT_EQ(cap.msgs[1]->n_blocks, 2);

    /* A block pushed by the remote peer reaches node 1. */
    msg *push = msg_new(MSG_BLOCK);
    push->from = far;
    push->to = 1;
    push->block = (block *)mined;
    sim_inject(s, push);
    sim_run_until(s, sim_now_us(s) + 1000000);
    CHECK(tip_of(s, 1) == mined);

    for (int i = 0; i < cap.n; i++) msg_free(cap.msgs[i]);
    sim_free(s);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_steps_match_one_run),
    TEST(test_run_until_sets_clock),
    TEST(test_remote_peer_and_inject),
    {0},
};

TEST_MAIN(cases)
