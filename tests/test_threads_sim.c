/* test_threads_sim.c - the threads executor: one thread per node, sim time
 * from the wall clock. A whole small run that must converge, the clock
 * under pause and speed changes, sim_stop from another thread, commands
 * completed through their done callback, and a busy run whose sinks must
 * see every cause before its effect (the node threads hold their events
 * back for a batch) and whose lateness figures must add up, and a run
 * whose deliveries must fall on the wake-up grid, none before its due time.
 * Runs whose drain must wait for work decided before the wind-down (a
 * mining grind, a selfish release due after the end).
 *
 * Runs under TSan in CI (the "threads" label). Timing is kept loose: sim
 * seconds are spaced so that a loaded machine has hundreds of milliseconds
 * of slack, and no assertion needs a deadline tighter than a second or two.
 * While threads run, nodes are read only through snapshots; their fields
 * only after the run has ended (every thread joined). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define HAVE_RSEQ 1
#endif
#endif

#include "chain/ledger.h"
#include "check.h"
#include "sim_fixture.h"
#include "util/hmap.h"

static int64_t wall_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static sim *threads_sim(const scenario *scn, double speed) {
    char err[256] = "";
    sim *s = sim_new(&(sim_desc){.scn = scn, .executor = SIM_THREADS, .speed = speed}, err,
                     sizeof err);
    if (!s) {
        fprintf(stderr, "sim_new: %s\n", err);
        abort();
    }
    return s;
}

/* ---- a whole run ---- */

/* Classic start: no peers until registered (both ways, by hand). alice
 * pays bob 10 at 0.5 s; bob mines at 2 s, carol at 5 s on top of it (by
 * then bob's block has crossed bob > alice > carol: 0.3 s of sim time).
 * Whichever block holds the payment: alice 90, bob 50 + 10, carol 50. At
 * speed 10 carol has 270 ms of wall time to spare. */
static void test_live_run_converges(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'live', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'},"
                " {'name': 'dave'}], 'topology': 'none', 'links': {'latency_ms': 50},"
                " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100}}},"
                " 'events': [{'at': 0, 'do': 'register', 'node': 'alice', 'peers': ['bob', 'carol', 'dave']},"
                "  {'at': 0, 'do': 'register', 'node': 'bob', 'peers': ['alice']},"
                "  {'at': 0, 'do': 'register', 'node': 'carol', 'peers': ['alice']},"
                "  {'at': 0, 'do': 'register', 'node': 'dave', 'peers': ['alice']},"
                "  {'at': 0.5, 'do': 'tx', 'node': 'alice', 'from': 'alice', 'to': 'bob', 'amount': 10},"
                "  {'at': 2, 'do': 'mine', 'node': 'bob'}, {'at': 5, 'do': 'mine', 'node': 'carol'}]}");
    sim *s = threads_sim(&scn, 10);
    fx_recorder r;
    fx_recorder_init(&r);
    sim_add_sink(s, fx_record, &r);
    int64_t t0 = wall_us();
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK(wall_us() - t0 < 3000000);

    CHECK(sim_end_us(s) >= 5000000);
    CHECK_INT_EQ(fx_count(&r, EV_MINED, FX_ANY_NODE), 2);
    CHECK_INT_EQ(fx_count(&r, EV_PEER_ADDED, FX_ANY_NODE), 6);
    CHECK_INT_EQ(fx_snap(s, 0).n_peers, 3);
    CHECK_INT_EQ(fx_snap(s, 1).n_peers, 1);
    const block *tip = fx_tip(s, 2);
    CHECK_INT_EQ(tip->index, 3);
    static const struct {
        const char *account;
        int64_t balance;
    } want[] = {{"alice", 90}, {"bob", 60}, {"carol", 50}, {"dave", 0}};
    for (int i = 0; i < 4; i++) {
        node_snapshot snap;
        node_snapshot_get(sim_node(s, i), &snap);
        CHECK(snap.tip == tip);
        CHECK_INT_EQ(snap.mempool_size, 0);
        for (size_t k = 0; k < 4; k++)
            CHECK_INT_EQ(ledger_balance(snap.balances, want[k].account, NULL), want[k].balance);
        node_snapshot_release(&snap);
    }
    sim_free(s);
    fx_recorder_cleanup(&r);
    scenario_cleanup(&scn);
}

/* ---- the clock ---- */

static const char *const long_manual =
    "{'name': 'long', 'nodes': 3, 'links': {'latency_ms': 50}, 'chain': {'difficulty': 6},"
    " 'duration_s': 1000000}";

static void test_pause_and_speed(void) {
    scenario scn;
    fx_scenario(&scn, long_manual);
    sim *s = threads_sim(&scn, 50);
    CHECK_DBL_NEAR(sim_speed(s), 50, 0);
    CHECK_INT_EQ(sim_start(s), CS_OK);
    CHECK_INT_EQ(sim_start(s), CS_EEXIST);
    sleep_ms(20);

    sim_set_paused(s, true);
    CHECK(sim_paused(s));
    int64_t p1 = sim_now_us(s);
    sleep_ms(50);
    int64_t p2 = sim_now_us(s);
    CHECK_INT_EQ(p2, p1);
    CHECK(p1 > 0);

    /* Resumed: time goes on from where it stood (no jump over the pause). */
    sim_set_paused(s, false);
    CHECK(!sim_paused(s));
    int64_t r1 = sim_now_us(s);
    CHECK(r1 >= p2);
    sleep_ms(50);
    int64_t r2 = sim_now_us(s);
    CHECK(r2 >= r1 + 50 * 50 * 1000 - 1000); /* >= 50 ms of wall at x50 */
    /* 50 ms of pause at x50 would be 2.5 s of sim time: none of it shows
     * unless the machine stalled for a second. */
    CHECK(r1 - p2 < 1000000);

    sim_set_speed(s, 1000);
    CHECK_DBL_NEAR(sim_speed(s), 1000, 0);
    sim_set_speed(s, 0); /* ignored */
    CHECK_DBL_NEAR(sim_speed(s), 1000, 0);
    int64_t f1 = sim_now_us(s);
    CHECK(f1 >= r2);
    sleep_ms(50);
    int64_t f2 = sim_now_us(s);
    CHECK(f2 - f1 >= 50LL * 1000 * 1000 - 1000);

    /* Paused at x1000, still frozen; the speed survives the pause. */
    sim_set_paused(s, true);
    int64_t q1 = sim_now_us(s);
    sleep_ms(30);
    CHECK_INT_EQ(sim_now_us(s), q1);
    CHECK_DBL_NEAR(sim_speed(s), 1000, 0);

    int64_t t0 = wall_us();
    sim_stop(s);
    CHECK(wall_us() - t0 < 2000000);
    sim_free(s);
    scenario_cleanup(&scn);
}

/* ---- stopping from elsewhere ---- */

/* The live pattern: the sim is started, one thread waits for the end
 * (sim_wait), another stops it (sim_stop, as a window or HTTP thread
 * would); each reports when its call has returned. Both threads are made
 * after sim_start returned, so they see a started sim. The test's own
 * thread only watches, so that a call that never returns is a failure
 * after a deadline, not a hung test. */
typedef struct stop_race {
    sim *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool wait_returned, stop_returned;
    int64_t started_us, wait_took_us;
} stop_race;

static void *stop_race_wait(void *arg) {
    stop_race *r = arg;
    sim_wait(r->s);
    pthread_mutex_lock(&r->mu);
    r->wait_took_us = wall_us() - r->started_us;
    r->wait_returned = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void *stop_race_stop(void *arg) {
    stop_race *r = arg;
    sleep_ms(100);
    sim_stop(r->s);
    pthread_mutex_lock(&r->mu);
    r->stop_returned = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Auto mining for a million sim seconds at x1: the run would take days.
 * Another thread stops it after 100 ms; both calls must return within
 * 3 s. */
static void test_stop_from_another_thread(void) {
    static scenario scn; /* both may outlive the case if a call hangs */
    static stop_race r;
    fx_scenario(&scn,
                "{'name': 'endless', 'nodes': 4, 'links': {'latency_ms': 50},"
                " 'chain': {'difficulty': 6, 'block_interval_s': 1}, 'mining': 'auto',"
                " 'duration_s': 1000000}");
    r = (stop_race){.s = threads_sim(&scn, 1)};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    r.started_us = wall_us();
    CHECK_INT_EQ(sim_start(r.s), CS_OK);
    pthread_t wait_tid, stop_tid;
    CHECK(pthread_create(&wait_tid, NULL, stop_race_wait, &r) == 0);
    CHECK(pthread_create(&stop_tid, NULL, stop_race_stop, &r) == 0);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 3;
    pthread_mutex_lock(&r.mu);
    while (!(r.wait_returned && r.stop_returned))
        if (pthread_cond_timedwait(&r.cv, &r.mu, &until) != 0) break;
    bool wait_returned = r.wait_returned, stop_returned = r.stop_returned;
    pthread_mutex_unlock(&r.mu);
    if (!wait_returned || !stop_returned) {
        /* Leave the stuck thread and everything it may touch alone. */
        pthread_detach(wait_tid);
        pthread_detach(stop_tid);
        CHECK_FAIL_("after 3 s: sim_wait %s, sim_stop %s", wait_returned ? "returned" : "hangs",
                    stop_returned ? "returned" : "hangs");
    }
    pthread_join(wait_tid, NULL);
    pthread_join(stop_tid, NULL);
    CHECK(r.wait_took_us >= 90000);
    CHECK(r.wait_took_us < 2000000);
    CHECK(sim_end_us(r.s) < 10000000);
    sim_free(r.s);
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.cv);
    scenario_cleanup(&scn);
}

/* ---- commands ---- */

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} waiter;

static void waiter_init(waiter *w) {
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->done = false;
}

static void waiter_cleanup(waiter *w) {
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

static void cmd_signal(node_cmd *cmd) {
    waiter *w = cmd->user;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Sends cmd (with cmd_signal as done) and waits up to timeout_ms for it.
 * Returns true if done ran; then the caller owns cmd (and frees it). On a
 * timeout the waiter is left allocated, since done may still run later. */
static bool run_cmd(sim *s, int node_id, node_cmd *cmd, int timeout_ms) {
    waiter *w = xmalloc(sizeof *w);
    waiter_init(w);
    cmd->done = cmd_signal;
    cmd->user = w;
    sim_command(s, node_id, cmd);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0) break;
    bool done = w->done;
    pthread_mutex_unlock(&w->mu);
    if (done) {
        waiter_cleanup(w);
        free(w);
    }
    return done;
}

static node_cmd *tx_cmd(const char *from, const char *to, int64_t amount) {
    node_cmd *c = node_cmd_new(CMD_ADD_TX);
    c->from = xstrdup(from);
    c->to = xstrdup(to);
    c->amount = amount;
    return c;
}

static void test_commands_complete(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'commands', 'nodes': [{'name': 'alice'}, {'name': 'bob'}, {'name': 'carol'}],"
                " 'links': {'latency_ms': 50},"
                " 'chain': {'difficulty': 6, 'genesis': {'balances': {'alice': 100}}},"
                " 'duration_s': 1000000}");
    sim *s = threads_sim(&scn, 20);

    /* Before the start there is nowhere to run it: cancelled at once. */
    node_cmd *c = node_cmd_new(CMD_MINE);
    CHECK(run_cmd(s, 0, c, 2000));
    CHECK_INT_EQ(c->status, CMD_STOPPED);
    CHECK_STR_EQ(c->error, "the simulation stopped");
    CHECK(c->block == NULL);
    node_cmd_free(c);

    CHECK_INT_EQ(sim_start(s), CS_OK);
    c = node_cmd_new(CMD_MINE);
    CHECK(run_cmd(s, 0, c, 2000));
    CHECK(c->error == NULL);
    CHECK(c->block != NULL);
    CHECK_INT_EQ(c->block->index, 2);
    CHECK_STR_EQ(c->block->miner, "alice");
    node_cmd_free(c);

    c = tx_cmd("alice", "bob", 5);
    CHECK(run_cmd(s, 0, c, 2000));
    CHECK_INT_EQ(c->reason, REJ_NONE);
    node_cmd_free(c);
    c = tx_cmd("alice", "bob", 1000);
    CHECK(run_cmd(s, 0, c, 2000));
    CHECK_STR_EQ(reject_code(c->reason), reject_code(REJ_TX_OVERSPEND));
    node_cmd_free(c);

    /* bob pulls both peers' chains: alice's has her block. */
    c = node_cmd_new(CMD_RESOLVE);
    CHECK(run_cmd(s, 1, c, 2000));
    CHECK(c->error == NULL);
    CHECK(c->block != NULL);
    CHECK_INT_EQ(c->block->index, 2);
    node_cmd_free(c);

    c = node_cmd_new(CMD_CRASH);
    CHECK(run_cmd(s, 2, c, 2000));
    CHECK(c->error == NULL);
    node_cmd_free(c);
    c = node_cmd_new(CMD_MINE);
    CHECK(run_cmd(s, 2, c, 2000));
    CHECK_STR_EQ(c->error, "the node is down (crashed)");
    CHECK(c->block == NULL);
    node_cmd_free(c);
    node_snapshot snap;
    node_snapshot_get(sim_node(s, 2), &snap);
    CHECK(snap.crashed);
    node_snapshot_release(&snap);

    sim_stop(s);
    CHECK_INT_EQ(fx_tip(s, 0)->index, 2);
    CHECK_INT_EQ(fx_snap(s, 0).mempool_size, 1);
    sim_free(s);
    scenario_cleanup(&scn);
}

/* After the run has stopped nothing will ever handle a command: whoever
 * waits for it must hear so (an HTTP thread would hang otherwise). */
static void test_command_after_stop_is_cancelled(void) {
    scenario scn;
    fx_scenario(&scn, long_manual);
    sim *s = threads_sim(&scn, 20);
    CHECK_INT_EQ(sim_start(s), CS_OK);
    sim_stop(s);
    waiter w;
    waiter_init(&w);
    node_cmd *c = node_cmd_new(CMD_MINE);
    c->done = cmd_signal;
    c->user = &w;
    sim_command(s, 0, c);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        if (pthread_cond_timedwait(&w.cv, &w.mu, &until) != 0) break;
    bool done_in_time = w.done;
    pthread_mutex_unlock(&w.mu);
    /* sim_free cancels whatever is still queued, so w is signalled by now
     * either way, and c is ours to free. */
    sim_free(s);
    CHECK(w.done);
    CHECK_INT_EQ(c->status, CMD_STOPPED);
    CHECK_STR_EQ(c->error, "the simulation stopped");
    node_cmd_free(c);
    waiter_cleanup(&w);
    scenario_cleanup(&scn);
    CHECK(done_in_time);
}

/* ---- cause before effect, and lateness ---- */

/* What the sink saw, in the order it saw it (sinks run one at a time). */
typedef struct causal {
    ptrset mined;        /* blocks whose EV_MINED came */
    hmap tx_at;          /* "id|node" of every EV_TX_ACCEPTED; keys owned here */
    long blocks_accepted, txs_relayed, delivered;
    long block_before_mined, tx_before_sender; /* effects seen before their cause */
} causal;

static char *causal_key(const tx *t, int node_id) {
    char *k = xmalloc(TX_ID_MAX + 16);
    snprintf(k, TX_ID_MAX + 16, "%s|%d", t->id, node_id);
    return k;
}

static void causal_sink(void *user, const sim_event *ev) {
    causal *c = user;
    switch (ev->kind) {
    case EV_MINED: ptrset_add(&c->mined, ev->block); break;
    case EV_BLOCK_ACCEPTED:
        c->blocks_accepted++;
        if (!ptrset_has(&c->mined, ev->block)) c->block_before_mined++;
        break;
    case EV_TX_ACCEPTED: {
        if (ev->peer >= 0) { /* relayed: the sender accepted it first */
            c->txs_relayed++;
            char *from = causal_key(ev->tx, ev->peer);
            if (!hmap_get(&c->tx_at, from, strlen(from))) c->tx_before_sender++;
            free(from);
        }
        char *k = causal_key(ev->tx, ev->node);
        if (hmap_get(&c->tx_at, k, strlen(k))) free(k);
        else hmap_put(&c->tx_at, k, strlen(k), k);
        break;
    }
    case EV_MSG_DELIVERED: c->delivered++; break;
    default: break;
    }
}

/* Twenty nodes on 1 ms links at speed 20 (50 us of wall time a hop, about
 * what waking a thread takes), mining a block every 0.3 s and relaying 40
 * transactions a second: busy enough that threads hold many events at
 * once. Every block accepted was mined before (in the sinks' order), every
 * relayed transaction was accepted by its sender before. A race: a thread
 * that sent its messages before flushing its events would break this only
 * when the receiver overtakes it, which the short hops make likely enough
 * to show over a run, not certain. Then the lateness figures are those of
 * the messages the sinks saw delivered, and the virtual executor has none. */
static void test_sinks_see_cause_first(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'causal', 'nodes': 20, 'topology': {'type': 'random', 'k': 4},"
                " 'links': {'latency_ms': 1},"
                " 'chain': {'difficulty': 8, 'block_interval_s': 0.3,"
                "  'genesis': {'balances': {'node0': 1000000, 'node1': 1000000, 'node2': 1000000}}},"
                " 'mining': 'auto', 'traffic': {'tx_per_s': 40}, 'duration_s': 20}");
    sim *s = threads_sim(&scn, 20);
    causal c = {0};
    ptrset_init(&c.mined);
    hmap_init(&c.tx_at);
    sim_add_sink_filtered(s, causal_sink, &c,
                          SIM_EVENT_BIT(EV_MINED) | SIM_EVENT_BIT(EV_BLOCK_ACCEPTED) |
                              SIM_EVENT_BIT(EV_TX_ACCEPTED) | SIM_EVENT_BIT(EV_MSG_DELIVERED));
    sim_lateness late;
    CHECK(!sim_lateness_get(s, &late)); /* not before the run has ended */
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK(c.blocks_accepted > 20);
    CHECK(c.txs_relayed > 100);
    CHECK_INT_EQ(c.block_before_mined, 0);
    CHECK_INT_EQ(c.tx_before_sender, 0);

    CHECK(sim_lateness_get(s, &late));
    /* Every message delivered was measured (and those dropped at delivery:
     * none here, no loss, nobody down). */
    CHECK_INT_EQ((long)late.messages, c.delivered);
    CHECK(late.mean_ms >= 0 && late.p50_ms >= 0);
    CHECK(late.p50_ms <= late.p99_ms && late.p99_ms <= late.max_ms);
    CHECK(late.mean_ms <= late.max_ms);
    CHECK(late.wire_mean_ms == 1.0); /* fixed latency, unlimited bandwidth */
    CHECK(late.share == late.mean_ms / late.wire_mean_ms);
    CHECK(late.skewed == (late.share >= SIM_LATENESS_SKEWED));
    sim_free(s);

    sim *v = sim_new(&(sim_desc){.scn = &scn}, (char[64]){0}, 64);
    CHECK(v != NULL);
    CHECK_INT_EQ(sim_run(v), CS_OK);
    CHECK(!sim_lateness_get(v, &late));
    sim_free(v);

    for (size_t i = 0; ; ) {
        const hmap_slot *slot;
        if (!hmap_next(&c.tx_at, &i, &slot)) break;
        free(slot->val);
    }
    hmap_cleanup(&c.tx_at);
    ptrset_cleanup(&c.mined);
    scenario_cleanup(&scn);
}

/* ---- the wake-up grid ---- */

typedef struct timing {
    long delivered, early;
    int64_t worst_early_us;
    double cos_sum, sin_sum; /* each delivery's phase on the grid */
} timing;

/* The grid of the run below in sim time: 4% of the 1,000 ms mean latency. */
#define GRID_SIM_US 40000.0

static void timing_sink(void *user, const sim_event *ev) {
    timing *t = user;
    if (ev->kind != EV_MSG_DELIVERED) return;
    t->delivered++;
    if (ev->t_us < ev->arrive_us) {
        t->early++;
        if (ev->arrive_us - ev->t_us > t->worst_early_us) t->worst_early_us = ev->arrive_us - ev->t_us;
    }
    double phase = 6.283185307179586 * fmod((double)ev->t_us, GRID_SIM_US) / GRID_SIM_US;
    t->cos_sum += cos(phase);
    t->sin_sum += sin(phase);
}

/* Links of 500-1,500 ms at speed 2: the node threads wake on a grid of
 * 40 ms of sim time (20 ms of wall time), so a message waits for the
 * first grid point at or after its due time and a thread takes everything
 * due by then. None may be handed over before its due time (the sink sees
 * each delivery's moment and the wire's due time), every one is counted
 * in the lateness, and the deliveries fall on the grid: their phases
 * modulo the step cluster (mean resultant length near 1; a thread waking
 * at each message's own due time spreads them evenly, near 0). A wake-up
 * a few ms late on a loaded machine still leaves it far above 0.5. */
static void test_wakes_on_the_grid(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'grid', 'nodes': 12, 'topology': {'type': 'random', 'k': 3},"
                " 'links': {'latency_ms': {'min': 500, 'max': 1500}},"
                " 'chain': {'difficulty': 8, 'block_interval_s': 1,"
                "  'genesis': {'balances': {'node0': 1000000, 'node1': 1000000}}},"
                " 'mining': 'auto', 'traffic': {'tx_per_s': 20}, 'duration_s': 10}");
    sim *s = threads_sim(&scn, 2);
    timing t = {0};
    sim_add_sink_filtered(s, timing_sink, &t, SIM_EVENT_BIT(EV_MSG_DELIVERED));
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK(t.delivered > 300);
    CHECK_INT_EQ(t.early, 0);
    CHECK_INT_EQ(t.worst_early_us, 0);
    double r = t.delivered ? hypot(t.cos_sum, t.sin_sum) / (double)t.delivered : 0;
    printf("  %ld deliveries, phase on the 40 ms grid: resultant length %.2f\n", t.delivered, r);
    CHECK(r > 0.5);
    sim_lateness late;
    CHECK(sim_lateness_get(s, &late));
    CHECK_INT_EQ((long)late.messages, t.delivered);
    CHECK(late.p50_ms >= 0 && late.mean_ms >= 0);
    sim_free(s);
    scenario_cleanup(&scn);
}

/* ---- what a wake-up costs ---- */

#ifdef HAVE_RSEQ
/* The calling thread's rseq cpu_id: >= 0 while the kernel updates it on
 * every switch (registered), < 0 otherwise. */
static int rseq_cpu_id(void) {
    if (__rseq_size == 0) return RSEQ_CPU_ID_UNINITIALIZED;
    const struct rseq *area = (const struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
    return (int)atomic_load_explicit((const _Atomic uint32_t *)&area->cpu_id, memory_order_relaxed);
}

typedef struct rseq_seen {
    atomic_long registered, not_registered;
} rseq_seen;

/* Deliveries are handed to the sinks on the receiver's node thread. */
static void rseq_sink(void *user, const sim_event *ev) {
    rseq_seen *r = user;
    (void)ev;
    atomic_fetch_add(rseq_cpu_id() >= 0 ? &r->registered : &r->not_registered, 1);
}
#endif

/* A node thread gives up the C library's rseq registration: with it the
 * kernel writes the thread's CPU into user memory on the way back from
 * every context switch (__rseq_handle_notify_resume: 9% of the kernel's
 * time in bench_threads), and node threads switch on every wake-up. */
static void test_node_threads_without_rseq(void) {
#ifdef HAVE_RSEQ
    if (rseq_cpu_id() < 0) {
        printf("  (the C library did not register rseq here: nothing to check)\n");
        return;
    }
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'rseq', 'nodes': 6, 'topology': {'type': 'random', 'k': 2},"
                " 'links': {'latency_ms': 20},"
                " 'chain': {'difficulty': 6, 'block_interval_s': 0.5,"
                "  'genesis': {'balances': {'node0': 1000000}}},"
                " 'mining': 'auto', 'traffic': {'tx_per_s': 10}, 'duration_s': 2}");
    sim *s = threads_sim(&scn, 4);
    rseq_seen r = {0};
    sim_add_sink_filtered(s, rseq_sink, &r, SIM_EVENT_BIT(EV_MSG_DELIVERED));
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK(atomic_load(&r.not_registered) > 10);
    CHECK_INT_EQ(atomic_load(&r.registered), 0);
    CHECK(rseq_cpu_id() >= 0); /* the caller's own is left alone */
    sim_free(s);
    scenario_cleanup(&scn);
#else
    printf("  (no rseq here)\n");
#endif
}

/* sim_threads_stats_get: every sleep ended by a send, its deadline or a
 * wake of the executor's own; every message handed over counted. */
static void test_thread_stats_add_up(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'stats', 'nodes': 8, 'topology': {'type': 'random', 'k': 3},"
                " 'links': {'latency_ms': {'min': 20, 'max': 60}},"
                " 'chain': {'difficulty': 6, 'block_interval_s': 0.5,"
                "  'genesis': {'balances': {'node0': 1000000}}},"
                " 'mining': 'auto', 'traffic': {'tx_per_s': 20}, 'duration_s': 2}");
    sim *s = threads_sim(&scn, 4);
    sim_thr_stats st;
    CHECK(!sim_threads_stats_get(s, &st)); /* not before the end */
    timing t = {0};
    sim_add_sink_filtered(s, timing_sink, &t, SIM_EVENT_BIT(EV_MSG_DELIVERED));
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK(sim_threads_stats_get(s, &st));
    CHECK(t.delivered > 100);
    CHECK((long)st.messages >= t.delivered); /* and the commands */
    CHECK(st.sleeps > 0);
    CHECK(st.woken_by_send + st.timed_out <= st.sleeps);
    CHECK(st.empty_rounds <= st.sleeps + (uint64_t)scn.n_nodes);
    sim_free(s);
    scenario_cleanup(&scn);
}

static void count_sends(void *user, const sim_event *ev) {
    sim_sends *c = user;
    c->msgs++;
    c->bytes += ev->bytes;
    c->by_kind[ev->msg]++;
}

/* sim_sends_get: the node threads' counts, once they have ended, are the
 * EV_MSG_SENT events the sinks saw, kind by kind. */
static void test_sends_counted(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'sends', 'nodes': 8, 'topology': {'type': 'random', 'k': 3},"
                " 'links': {'latency_ms': {'min': 20, 'max': 60}, 'loss': 0.05},"
                " 'chain': {'difficulty': 6, 'block_interval_s': 0.5,"
                "  'genesis': {'balances': {'node0': 1000000}}},"
                " 'mining': 'auto', 'traffic': {'tx_per_s': 20}, 'duration_s': 2}");
    sim *s = threads_sim(&scn, 4);
    sim_sends seen = {0}, got;
    sim_add_sink_filtered(s, count_sends, &seen, SIM_EVENT_BIT(EV_MSG_SENT));
    CHECK_INT_EQ(sim_run(s), CS_OK);
    sim_sends_get(s, &got);
    CHECK(seen.msgs > 100);
    CHECK(seen.by_kind[MSG_TX] > 0);
    CHECK_INT_EQ(got.msgs, seen.msgs);
    CHECK_INT_EQ(got.bytes, seen.bytes);
    for (int k = 0; k < MSG_KIND_COUNT; k++) CHECK_INT_EQ(got.by_kind[k], seen.by_kind[k]);
    sim_free(s);
    scenario_cleanup(&scn);
}

/* The drain waits for a node that found work to do before the wind-down:
 * node1's mining timer fires about a millisecond in and its grind
 * (difficulty 20: about 35 ms here, longer under a sanitizer) outlasts
 * the run's 5 ms, while no message is in flight. The block it finds must
 * still cross the link before the run stops: every message sent is handed
 * over (the drain used to see an idle network, stop, and leave the
 * block's inv unread in node0's mailbox, sent but never delivered). */
static void test_drain_waits_for_a_grind(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'grind', 'nodes': 2, 'topology': {'type': 'mesh'},"
                " 'links': {'latency_ms': 1},"
                " 'chain': {'difficulty': 20, 'block_interval_s': 0.001},"
                " 'mining': 'auto', 'duration_s': 0.005}");
    sim *s = threads_sim(&scn, 1);
    CHECK_INT_EQ(sim_run(s), CS_OK);
    sim_sends sent;
    sim_sends_get(s, &sent);
    sim_lateness late;
    CHECK(sim_lateness_get(s, &late));
    CHECK(sent.msgs >= 1); /* the block announced */
    CHECK_INT_EQ(late.messages, sent.msgs);
    /* node0 holds a block: node1's (or its own, if a slow machine let its
     * timer fire in time too: then the tips may differ, one block each). */
    CHECK(fx_tip(s, 0)->index >= 1 && fx_tip(s, 1)->index >= 1);
    sim_free(s);
    scenario_cleanup(&scn);
}

typedef struct from_to {
    int from, to;
    atomic_int delivered;
} from_to;

static void count_from_to(void *user, const sim_event *ev) {
    from_to *c = user;
    if (ev->node == c->to && ev->peer == c->from && ev->block) atomic_fetch_add(&c->delivered, 1);
}

/* The drain waits for a selfish miner's release that is due after the
 * run's end, as the virtual executor's does: sm withholds its block (mined
 * at 10 ms), h0's block of the same height reaches it at ~301 ms, and the
 * tie race (gamma 0) sends sm's block to h0 only race_delay_s (500 ms)
 * later, long after the run's 400 ms (auto mining is on, as a selfish
 * miner needs, but a block every 10^6 s: only the scripted ones come).
 * The release was decided before the wind-down, so h0 must get the block
 * (without the release counted in flight from when it is set, the drain
 * saw an idle network and stopped, and the block never left). */
static void test_drain_waits_for_a_release(void) {
    scenario scn;
    fx_scenario(&scn,
                "{'name': 'release', 'nodes': [{'name': 'sm'}, {'name': 'h0'}],"
                " 'topology': 'mesh', 'links': {'latency_ms': 1},"
                " 'chain': {'difficulty': 4, 'block_interval_s': 1000000}, 'mining': 'auto',"
                " 'relay': 'push', 'duration_s': 0.4,"
                " 'events': [{'at': 0.01, 'do': 'mine', 'node': 'sm'},"
                "  {'at': 0.3, 'do': 'mine', 'node': 'h0'}],"
                " 'attackers': [{'node': 'sm', 'strategy': 'selfish', 'gamma': 0,"
                "  'race_delay_s': 0.5}]}");
    sim *s = threads_sim(&scn, 1);
    from_to c = {.from = 0, .to = 1};
    sim_add_sink_filtered(s, count_from_to, &c, SIM_EVENT_BIT(EV_MSG_DELIVERED));
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK_INT_EQ(atomic_load(&c.delivered), 1); /* sm's block, pushed once */
    sim_sends sent;
    sim_sends_get(s, &sent);
    sim_lateness late;
    CHECK(sim_lateness_get(s, &late));
    CHECK_INT_EQ(late.messages, sent.msgs);
    CHECK_INT_EQ(fx_tip(s, 0)->index, 2); /* each keeps its own block of the tie */
    CHECK_INT_EQ(fx_tip(s, 1)->index, 2);
    sim_free(s);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_live_run_converges),
    TEST(test_pause_and_speed),
    TEST(test_stop_from_another_thread),
    TEST(test_commands_complete),
    TEST(test_command_after_stop_is_cancelled),
    TEST(test_sinks_see_cause_first),
    TEST(test_wakes_on_the_grid),
    TEST(test_node_threads_without_rseq),
    TEST(test_thread_stats_add_up),
    TEST(test_sends_counted),
    TEST(test_drain_waits_for_a_grind),
    TEST(test_drain_waits_for_a_release),
    {0},
};

TEST_MAIN(cases)
