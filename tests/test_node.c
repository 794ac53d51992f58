/* test_node.c - the node actor, driven through a real simulation in the
 * virtual executor: bad blocks from peers, orphans fetched with getblocks,
 * chains pulled by resolve, reorgs and the mempool, crashes, transaction
 * gossip and refusals, one-way registration, and gossip switched off.
 *
 * Every run is a small scenario (difficulty 6, so sealing is instant; 100 ms
 * per hop, no loss) whose timeline does the steering. Messages "from a peer"
 * are handed to node_handle after the run has ended (or before it starts),
 * when nothing else is running. Expected times are hand-computed from the
 * hop latency: a gossiped item is accepted 3 hops (inv, getdata, item) =
 * 300 ms after its sender accepted it. */
#include <stdio.h>

#include "chain/ledger.h"
#include "check.h"
#include "node/node_int.h" /* white-box: the node module's own test reads its fields */
#include "sim_fixture.h"

#define DIFF 6
#define HOP_US 100000

static const char *const three_mesh =
    "{'name': 'node-test', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
    " 'links': {'latency_ms': 100},"
    " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100, 'bob': 20}}},"
    " 'events': [{'at': 1, 'do': 'mine', 'node': 'alice'}]}";

/* A block on `parent` whose hash misses the difficulty (block_new records
 * REJ_BLK_POW): the first nonce from 0 that fails. */
static block *bad_pow_block(bstore *s, const block *parent) {
    tx *reward = fx_tx(TX_REWARD_SENDER, "carol", bstore_params(s)->reward, "bad-pow-reward");
    block *b = NULL;
    for (uint64_t nonce = 0; !b; nonce++) {
        b = block_new(parent->index + 1, parent->hash_hex, nonce, 0, DIFF, "carol", &reward, 1);
        if (b->self_check != REJ_BLK_POW) {
            block_unref(b);
            b = NULL;
        }
    }
    tx_unref(reward);
    return bstore_intern(s, b);
}

static void test_bad_pow_rejected(void) {
    scenario scn;
    fx_scenario(&scn, three_mesh);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    node *bob = sim_node(s, 1);
    block *tip = bob->chain.tip;
    CHECK_INT_EQ(tip->index, 2);
    size_t sent_before = fx_count(&r, EV_MSG_SENT, FX_ANY_NODE);

    block *bad = bad_pow_block(sim_store(s), tip);
    fx_deliver_block(s, 1, 2, bad);

    const fx_event *e = fx_last(&r, EV_BLOCK_REJECTED, 1);
    CHECK(e != NULL);
    CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(REJ_BLK_POW));
    CHECK_INT_EQ(e->ev.peer, 2);
    CHECK(e->ev.block == bad);
    CHECK_INT_EQ(bob->blocks_rejected, 1);
    node_snapshot snap;
    node_snapshot_get(bob, &snap);
    CHECK_INT_EQ(snap.blocks_rejected, 1);
    CHECK(snap.tip == tip);
    node_snapshot_release(&snap);
    CHECK(bob->chain.tip == tip);
    CHECK(!chain_has(&bob->chain, bad));
    /* What readers outside node/ see of it (http's /block): held or not. */
    CHECK(!node_holds(bob, bad));
    CHECK(node_holds(bob, tip) && node_holds(bob, tip->parent));
    CHECK_INT_EQ(bob->n_orphans, 0);
    /* Refused blocks are neither relayed nor asked about. */
    CHECK_INT_EQ(fx_count(&r, EV_MSG_SENT, FX_ANY_NODE), sent_before);

    /* The right work at the wrong difficulty: REJ_BLK_DIFFICULTY. */
    block *easy = fx_seal(sim_store(s), tip, "carol", DIFF - 3, NULL, 0);
    fx_deliver_block(s, 1, 2, easy);
    e = fx_last(&r, EV_BLOCK_REJECTED, 1);
    CHECK(e != NULL && e->ev.block == easy);
    CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(REJ_BLK_DIFFICULTY));
    CHECK_INT_EQ(bob->blocks_rejected, 2);
    CHECK(bob->chain.tip == tip);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

static void test_overspending_block_rejected(void) {
    scenario scn;
    fx_scenario(&scn, three_mesh);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    node *bob = sim_node(s, 1);
    block *tip = bob->chain.tip;
    CHECK_INT_EQ(tip->index, 2);

    /* alice holds 100: 1000 is an overspend. */
    tx *big = fx_tx("alice", "carol", 1000, "too-much");
    block *bad = fx_seal(sim_store(s), tip, "carol", DIFF, &big, 1);
    tx_unref(big);
    CHECK_INT_EQ(bad->self_check, REJ_NONE);
    fx_deliver_block(s, 1, 2, bad);
    const fx_event *e = fx_last(&r, EV_BLOCK_REJECTED, 1);
    CHECK(e != NULL && e->ev.block == bad);
    CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(REJ_BLK_TX));
    CHECK_INT_EQ(bob->blocks_rejected, 1);
    CHECK(bob->chain.tip == tip);
    CHECK_INT_EQ(fx_count(&r, EV_BLOCK_ACCEPTED, 1), 1);

    /* Control: the same block with an amount alice has is accepted. */
    tx *fine = fx_tx("alice", "carol", 10, "affordable");
    block *good = fx_seal(sim_store(s), tip, "carol", DIFF, &fine, 1);
    tx_unref(fine);
    fx_deliver_block(s, 1, 2, good);
    CHECK(bob->chain.tip == good);
    CHECK_INT_EQ(bob->blocks_rejected, 1);
    CHECK_INT_EQ(ledger_balance(good->ledger, "carol", NULL), 60);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* a - b - c in a line; c is cut off while a mines three blocks, then comes
 * back and a mines a fourth. c hears of block 5 from b, holds it as an
 * orphan, and asks b (getblocks) for blocks 2..4. */
static void test_orphan_fetches_ancestors(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'orphans', 'nodes': [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}],"
                " 'topology': {'type': 'edges', 'edges': [['a', 'b'], ['b', 'c']]},"
                " 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 0, 'do': 'isolate', 'node': 'c'},"
                "  {'at': 1, 'do': 'mine', 'node': 'a'}, {'at': 2, 'do': 'mine', 'node': 'a'},"
                "  {'at': 3, 'do': 'mine', 'node': 'a'}, {'at': 10, 'do': 'reconnect', 'node': 'c'},"
                "  {'at': 11, 'do': 'mine', 'node': 'a'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    node *a = sim_node(s, 0), *c = sim_node(s, 2);
    CHECK_INT_EQ(fx_height(s, 0), 5);
    CHECK(c->chain.tip == a->chain.tip);
    CHECK(sim_node(s, 1)->chain.tip == a->chain.tip);
    /* While cut off, b's announcements to c were dropped, and c moved not. */
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_ISOLATED, 0, 10000000), 3);
    CHECK_INT_EQ(fx_count_in(&r, EV_TIP_CHANGED, 2, 0, 11000000), 0);
    /* The orphan's ancestors came through getblocks from c to b. */
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETBLOCKS, 2, 1), 1);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_BLOCKS, 1, 2), 1);
    CHECK_INT_EQ(fx_count(&r, EV_BLOCK_ACCEPTED, 2), 4);
    CHECK_INT_EQ(c->n_orphans, 0);
    /* Block 5 reaches b at 11.3 s; c has its inv at 11.4, the block at
     * 11.6; getblocks goes out then, the blocks arrive at 11.8 s. */
    const fx_event *last = fx_last(&r, EV_TIP_CHANGED, 2);
    CHECK(last != NULL && last->ev.block == a->chain.tip);
    CHECK_INT_EQ(last->ev.t_us, 11000000 + 8 * HOP_US);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* A chain "from alice" handed to bob as a resolve answer. */
static void give_chain(sim *s, block *const *blocks, size_t n) {
    fx_deliver_list(s, 1, 0, MSG_CHAIN, blocks, n);
}

static void test_resolve_refuses_bad_chains(void) {
    scenario scn;
    fx_scenario(&scn, three_mesh);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    bstore *st = sim_store(s);
    node *bob = sim_node(s, 1);
    block *tip = bob->chain.tip;
    CHECK_INT_EQ(tip->index, 2);

    /* An honest 5-block chain, longer than bob's 2: h2..h5. */
    block *g = bstore_genesis(st);
    block *h[6] = {0};
    h[1] = g;
    for (int i = 2; i <= 5; i++) h[i] = fx_seal(st, h[i - 1], "mallory", DIFF, NULL, 0);

    /* Foreign genesis, even with more blocks: refused at block 0. */
    const char *names[] = {"mallory"};
    const int64_t amounts[] = {1000000};
    block *fg = bstore_intern(st, genesis_with_balances(names, amounts, 1, DIFF));
    block *f[6] = {0};
    f[1] = fg;
    for (int i = 2; i <= 5; i++) f[i] = fx_seal(st, f[i - 1], "mallory", DIFF, NULL, 0);
    give_chain(s, f + 1, 5);
    const fx_event *e = fx_last(&r, EV_CHAIN_REJECTED, 1);
    CHECK(e != NULL);
    CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(REJ_CHAIN_GENESIS));
    CHECK_INT_EQ(e->ev.peer, 0);
    CHECK_DBL_NEAR(e->ev.value, 0, 0);
    CHECK_INT_EQ(bob->chains_rejected, 1);
    CHECK(bob->chain.tip == tip);

    /* A broken link (h3 left out): refused at index 2, whatever the length. */
    block *gap[] = {g, h[2], h[4], h[5]};
    give_chain(s, gap, 4);
    e = fx_last(&r, EV_CHAIN_REJECTED, 1);
    CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(REJ_CHAIN_LINK));
    CHECK_DBL_NEAR(e->ev.value, 2, 0);
    CHECK(e->ev.block == h[4]);
    CHECK_INT_EQ(bob->chains_rejected, 2);
    CHECK(bob->chain.tip == tip);

    /* An invalid block inside (an overspend at height 3). */
    tx *big = fx_tx("alice", "mallory", 5000, "steal");
    block *x3 = fx_seal(st, h[2], "mallory", DIFF, &big, 1);
    tx_unref(big);
    block *x4 = fx_seal(st, x3, "mallory", DIFF, NULL, 0);
    block *invalid[] = {g, h[2], x3, x4};
    give_chain(s, invalid, 4);
    e = fx_last(&r, EV_CHAIN_REJECTED, 1);
    CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(REJ_BLK_TX));
    CHECK_DBL_NEAR(e->ev.value, 2, 0);
    CHECK_INT_EQ(bob->chains_rejected, 3);
    CHECK(bob->chain.tip == tip);
    CHECK_INT_EQ(fx_count(&r, EV_TIP_CHANGED, 1), 1);

    /* Control: the honest chain is adopted. */
    give_chain(s, h + 1, 5);
    CHECK(bob->chain.tip == h[5]);
    CHECK_INT_EQ(bob->chains_rejected, 3);
    const fx_event *tc = fx_last(&r, EV_TIP_CHANGED, 1);
    CHECK(tc != NULL && tc->ev.block == h[5] && tc->ev.old_tip == tip);
    CHECK_INT_EQ(tc->ev.reorg_depth, 1);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* alice, cut off, mines a block with her transaction; bob builds two blocks
 * without it. Once back, alice hears of bob's third block, fetches the
 * branch, reorganises, and the transaction is pending again. */
static void test_reorg_returns_tx_to_mempool(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'reorg', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'links': {'latency_ms': 100},"
                " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100}}},"
                " 'events': [{'at': 0, 'do': 'isolate', 'node': 'alice'},"
                "  {'at': 1, 'do': 'tx', 'node': 'alice', 'from': 'alice', 'to': 'carol', 'amount': 7},"
                "  {'at': 2, 'do': 'mine', 'node': 'alice'},"
                "  {'at': 3, 'do': 'mine', 'node': 'bob'}, {'at': 4, 'do': 'mine', 'node': 'bob'},"
                "  {'at': 10, 'do': 'reconnect', 'node': 'alice'},"
                "  {'at': 11, 'do': 'mine', 'node': 'bob'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    node *alice = sim_node(s, 0), *bob = sim_node(s, 1);

    /* alice's own block held the transaction. */
    const fx_event *mined = NULL;
    for (size_t i = 0; i < r.n; i++)
        if (r.evs[i].ev.kind == EV_MINED && r.evs[i].ev.node == 0) mined = &r.evs[i];
    CHECK(mined != NULL);
    const block *ab = mined->ev.block;
    CHECK_INT_EQ(ab->n_txs, 2);
    CHECK_STR_EQ(ab->txs[1]->id, "alice-1");

    CHECK_INT_EQ(fx_height(s, 1), 4);
    CHECK(alice->chain.tip == bob->chain.tip);
    /* B2 ties A2 (kept), B3 outweighs it: one reorg of depth 1, then B4,
     * the orphan that waited for B3, extends. */
    const fx_event *reorg = NULL;
    size_t n_reorgs = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.evs[i].ev.kind == EV_TIP_CHANGED && r.evs[i].ev.node == 0 &&
            r.evs[i].ev.reorg_depth > 0) {
            reorg = &r.evs[i];
            n_reorgs++;
        }
    CHECK_INT_EQ(n_reorgs, 1);
    CHECK_INT_EQ(reorg->ev.reorg_depth, 1);
    CHECK(reorg->ev.old_tip == ab);
    CHECK_INT_EQ(reorg->ev.block->index, 3);
    /* alice still holds her stale block, off the active chain (http's
     * /block answers it with in_active_chain false). */
    CHECK(node_holds(alice, ab));
    CHECK(block_ancestor(fx_tip(s, 0), ab->index) != ab);
    CHECK_INT_EQ(alice->mempool.n, 1);
    CHECK(mempool_has(&alice->mempool, "alice-1"));
    CHECK_INT_EQ(bob->mempool.n, 0);
    /* The balances are the new branch's: the payment is undone. */
    node_snapshot snap;
    node_snapshot_get(alice, &snap);
    CHECK_INT_EQ(snap.mempool_size, 1);
    CHECK_INT_EQ(ledger_balance(snap.balances, "alice", NULL), 100);
    CHECK_INT_EQ(ledger_balance(snap.balances, "carol", NULL), 0);
    CHECK_INT_EQ(ledger_balance(snap.balances, "bob", NULL), 150);
    node_snapshot_release(&snap);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* carol holds alice's first transaction, crashes (losing it), misses the
 * second one while down, and comes back with an empty mempool. */
static void test_crash_loses_mempool_and_drops(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'crash', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'links': {'latency_ms': 100},"
                " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100}}},"
                " 'events': [{'at': 0, 'do': 'tx', 'node': 'alice', 'from': 'alice', 'to': 'bob', 'amount': 5},"
                "  {'at': 1, 'do': 'crash', 'node': 'carol'},"
                "  {'at': 2, 'do': 'tx', 'node': 'alice', 'from': 'alice', 'to': 'bob', 'amount': 6},"
                "  {'at': 2.5, 'do': 'mine', 'node': 'carol'},"
                "  {'at': 3, 'do': 'restart', 'node': 'carol'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    /* carol had the first one before the crash. */
    CHECK_INT_EQ(fx_count_in(&r, EV_TX_ACCEPTED, 2, 0, 999999), 1);
    CHECK_INT_EQ(fx_count(&r, EV_CRASH, 2), 1);
    CHECK_INT_EQ(fx_count(&r, EV_RESTART, 2), 1);
    CHECK_INT_EQ(sim_node(s, 0)->mempool.n, 2);
    CHECK_INT_EQ(sim_node(s, 1)->mempool.n, 2);
    CHECK_INT_EQ(sim_node(s, 2)->mempool.n, 0);
    /* The second tx's announcements to carol: alice's (arrives 2.1 s) and
     * bob's once he has it (2.4 s); both dropped as "crashed". */
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_CRASHED, FX_ALWAYS), 2);
    for (size_t i = 0; i < r.n; i++)
        if (r.evs[i].ev.kind == EV_MSG_DROPPED) CHECK_INT_EQ(r.evs[i].ev.node, 2);
    /* A crashed node does not mine. */
    CHECK_INT_EQ(fx_count(&r, EV_MINED, FX_ANY_NODE), 0);
    CHECK(!sim_node(s, 2)->crashed);
    /* On restart it asks both peers for news. */
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETBLOCKS, 2, FX_ANY_NODE), 2);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

static void test_restart_catches_up(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'catch-up', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 1, 'do': 'crash', 'node': 'carol'},"
                "  {'at': 2, 'do': 'mine', 'node': 'alice'}, {'at': 3, 'do': 'mine', 'node': 'bob'},"
                "  {'at': 10, 'do': 'restart', 'node': 'carol'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);

    CHECK_INT_EQ(fx_height(s, 0), 3);
    CHECK(sim_node(s, 2)->chain.tip == sim_node(s, 0)->chain.tip);
    /* Down: alice's and bob's invs of both blocks (each sends one to carol
     * for each block: the miner, then the relayer). */
    CHECK_INT_EQ(fx_count_dropped(&r, WIRE_DROP_CRASHED, 1000000, 10000000), 4);
    CHECK_INT_EQ(fx_count_in(&r, EV_BLOCK_ACCEPTED, 2, 0, 9999999), 0);
    /* Up: getblocks to both, blocks back, accepted after 10 s. */
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETBLOCKS, 2, FX_ANY_NODE), 2);
    CHECK(fx_count_sent(&r, MSG_BLOCKS, FX_ANY_NODE, 2) >= 1);
    CHECK_INT_EQ(fx_count_in(&r, EV_BLOCK_ACCEPTED, 2, 10000000, INT64_MAX), 2);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* A ring of four: the transaction crosses two hops to reach carol. */
static void test_tx_gossip_reaches_all(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'tx-gossip', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'},"
                " {'name': 'dave'}], 'topology': 'ring', 'links': {'latency_ms': 100},"
                " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100}}},"
                " 'events': [{'at': 0, 'do': 'tx', 'node': 'alice', 'from': 'alice', 'to': 'carol', 'amount': 9}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    for (int i = 0; i < 4; i++) {
        CHECK_INT_EQ(sim_node(s, i)->mempool.n, 1);
        CHECK(mempool_has(&sim_node(s, i)->mempool, "alice-1"));
    }
    CHECK_INT_EQ(fx_count(&r, EV_TX_ACCEPTED, FX_ANY_NODE), 4);
    const fx_event *e = fx_last(&r, EV_TX_ACCEPTED, 0);
    CHECK(e != NULL && e->ev.peer == -1);
    e = fx_last(&r, EV_TX_ACCEPTED, 2);
    CHECK(e != NULL && e->ev.peer >= 0);
    CHECK_STR_EQ(e->tx_id, "alice-1");
    CHECK_INT_EQ(e->ev.t_us, 6 * HOP_US);
    /* carol heard two invs but asked once; nothing was refused. */
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETDATA, 2, FX_ANY_NODE), 1);
    CHECK_INT_EQ(fx_count(&r, EV_TX_REJECTED, FX_ANY_NODE), 0);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

typedef struct cmd_result {
    reject reason;
    const char *error;
    int calls;
} cmd_result;

static void cmd_done(node_cmd *cmd) {
    cmd_result *res = cmd->user;
    res->reason = cmd->reason;
    res->error = cmd->error;
    res->calls++;
    node_cmd_free(cmd);
}

static cmd_result submit(sim *s, int node_id, const char *from, const char *to, int64_t amount,
                         const char *id) {
    cmd_result res = {0};
    node_cmd *cmd = node_cmd_new(CMD_ADD_TX);
    cmd->from = xstrdup(from);
    cmd->to = xstrdup(to);
    cmd->amount = amount;
    cmd->id = id ? xstrdup(id) : NULL;
    cmd->done = cmd_done;
    cmd->user = &res;
    sim_command(s, node_id, cmd);
    return res;
}

static int64_t pending_of(const node *n, const char *name) {
    return mempool_pending(&n->mempool, name);
}

/* Every refusal: the reason in the command and in the event, and nothing
 * about the node changed. */
static void test_tx_refusals(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'tx-refusals', 'nodes': [{'name': 'alice'}, {'name': 'bob'}],"
                " 'links': {'latency_ms': 100},"
                " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100}}}}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    node *alice = sim_node(s, 0);
    block *tip = alice->chain.tip;

    cmd_result ok = submit(s, 0, "alice", "bob", 30, "pay-1");
    CHECK_INT_EQ(ok.calls, 1);
    CHECK_INT_EQ(ok.reason, REJ_NONE);
    CHECK_INT_EQ(alice->mempool.n, 1);
    CHECK_INT_EQ(pending_of(alice, "alice"), 30);
    size_t sent = fx_count(&r, EV_MSG_SENT, FX_ANY_NODE);
    CHECK_INT_EQ(sent, 1); /* the inv to bob */

    static const struct {
        const char *from, *to;
        int64_t amount;
        const char *id;
        reject why;
        bool has_tx; /* the tx could be built (refused by the ledger) */
    } bad[] = {
        {"alice", "bob", 80, NULL, REJ_TX_OVERSPEND, true}, /* 100 - 30 pending < 80 */
        {"alice", "bob", 0, NULL, REJ_TX_AMOUNT, false},
        {"alice", "bob", -5, NULL, REJ_TX_AMOUNT, false},
        {"", "bob", 5, NULL, REJ_TX_NAME_EMPTY, false},
        {"alice", "", 5, NULL, REJ_TX_NAME_EMPTY, false},
        {"alice", "bob", 1, "pay-1", REJ_TX_DUPLICATE, true},
        {"bob", "alice", 1, NULL, REJ_TX_UNKNOWN_SENDER, true},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t rejected = fx_count(&r, EV_TX_REJECTED, 0);
        cmd_result res = submit(s, 0, bad[i].from, bad[i].to, bad[i].amount, bad[i].id);
        CHECK_INT_EQ(res.calls, 1);
        CHECK_STR_EQ(reject_code(res.reason), reject_code(bad[i].why));
        CHECK_INT_EQ(fx_count(&r, EV_TX_REJECTED, 0), rejected + 1);
        const fx_event *e = fx_last(&r, EV_TX_REJECTED, 0);
        CHECK_STR_EQ(reject_code(e->ev.reason), reject_code(bad[i].why));
        CHECK_INT_EQ(e->ev.peer, -1);
        CHECK_INT_EQ(e->tx_id[0] != '\0', bad[i].has_tx);
        CHECK_INT_EQ(alice->mempool.n, 1);
        CHECK_INT_EQ(pending_of(alice, "alice"), 30);
        CHECK_INT_EQ(pending_of(alice, "bob"), 0);
        CHECK(alice->chain.tip == tip);
        CHECK_INT_EQ(fx_count(&r, EV_MSG_SENT, FX_ANY_NODE), sent);
    }
    node_snapshot snap;
    node_snapshot_get(alice, &snap);
    CHECK_INT_EQ(snap.mempool_size, 1);
    node_snapshot_release(&snap);

    /* The accepted one still spreads when the run plays the queue. */
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK(mempool_has(&sim_node(s, 1)->mempool, "pay-1"));
    CHECK_INT_EQ(sim_node(s, 1)->mempool.n, 1);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* register is the classic /register_node: alice learns of bob, bob does not
 * learn of alice. alice's block reaches bob (he answers her inv); bob's
 * block reaches nobody. */
static void test_register_is_one_way(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'register', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'topology': 'none', 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 0, 'do': 'register', 'node': 'alice', 'peers': ['bob']},"
                "  {'at': 1, 'do': 'mine', 'node': 'alice'}, {'at': 5, 'do': 'mine', 'node': 'bob'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    node *alice = sim_node(s, 0), *bob = sim_node(s, 1);
    CHECK_INT_EQ(alice->n_peers, 1);
    CHECK_INT_EQ(alice->peers[0], 1);
    CHECK_INT_EQ(bob->n_peers, 0);
    CHECK_INT_EQ(sim_node(s, 2)->n_peers, 0);
    CHECK_INT_EQ(fx_count(&r, EV_PEER_ADDED, FX_ANY_NODE), 1);
    CHECK_INT_EQ(fx_height(s, 0), 2);
    CHECK_INT_EQ(fx_height(s, 1), 3);
    CHECK_INT_EQ(fx_height(s, 2), 1);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_INV, 1, FX_ANY_NODE), 0);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* gossip off: alice's block stays with her until bob resolves; bob does not
 * pass it on to carol. */
static void test_no_gossip_until_resolve(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'classic', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'gossip': false, 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'events': [{'at': 1, 'do': 'mine', 'node': 'alice'},"
                "  {'at': 5, 'do': 'resolve', 'node': 'bob'}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK_INT_EQ(fx_count_in(&r, EV_TIP_CHANGED, 1, 0, 4999999), 0);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_INV, FX_ANY_NODE, FX_ANY_NODE), 0);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETCHAIN, 1, FX_ANY_NODE), 2);
    CHECK(sim_node(s, 1)->chain.tip == sim_node(s, 0)->chain.tip);
    CHECK_INT_EQ(fx_height(s, 1), 2);
    CHECK_INT_EQ(fx_height(s, 2), 1);
    const fx_event *e = fx_last(&r, EV_RESOLVED, 1);
    CHECK(e != NULL);
    CHECK_DBL_NEAR(e->ev.value, 1, 0);
    /* Both answers are in after two hops. */
    CHECK_INT_EQ(e->ev.t_us, 5000000 + 2 * HOP_US);
    e = fx_last(&r, EV_BLOCK_ACCEPTED, 1);
    CHECK(e != NULL && e->ev.peer == 0);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* Announcers beyond the room made for them: bob has one peer when he first
 * hears of b, so its record has room for two announcers; alice, carol and
 * dave announce it (dave's inv moves them to an array of their own), then
 * bob gains carol, dave and eve as peers. He asks only alice (the first),
 * and once he holds b tells only eve, the one peer that did not announce it. */
static void test_announcers_beyond_peers(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'announcers', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'},"
                "  {'name': 'dave'}, {'name': 'eve'}],"
                " 'topology': 'none', 'links': {'latency_ms': 100}, 'chain': {'difficulty': 6},"
                " 'duration_s': 1,"
                " 'events': [{'at': 0, 'do': 'register', 'node': 'bob', 'peers': ['alice']}]}");
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    node *bob = sim_node(s, 1);
    CHECK_INT_EQ(bob->n_peers, 1);
    block *b = fx_seal(sim_store(s), bob->chain.tip, "alice", DIFF, NULL, 0);
    const int from[] = {0, 2, 3, 2, 0};
    for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
        msg *m = msg_new(MSG_INV);
        m->from = from[i];
        m->to = 1;
        m->block = b;
        node_handle(bob, m);
    }
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETDATA, 1, 0), 1);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_GETDATA, 1, FX_ANY_NODE), 1);
    for (int p = 2; p <= 4; p++) node_add_peer(bob, p);
    fx_deliver_block(s, 1, 0, b);
    CHECK(chain_has(&bob->chain, b));
    CHECK_INT_EQ(fx_count_sent(&r, MSG_INV, 1, 4), 1);
    CHECK_INT_EQ(fx_count_sent(&r, MSG_INV, 1, FX_ANY_NODE), 1);

    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_bad_pow_rejected),
    TEST(test_overspending_block_rejected),
    TEST(test_orphan_fetches_ancestors),
    TEST(test_resolve_refuses_bad_chains),
    TEST(test_reorg_returns_tx_to_mempool),
    TEST(test_crash_loses_mempool_and_drops),
    TEST(test_restart_catches_up),
    TEST(test_tx_gossip_reaches_all),
    TEST(test_tx_refusals),
    TEST(test_register_is_one_way),
    TEST(test_no_gossip_until_resolve),
    TEST(test_announcers_beyond_peers),
    {0},
};

TEST_MAIN(cases)
