/* test_threads_mining.c - mining off the node's thread (pow_pool and the
 * node's use of it in the threads executor).
 *
 * The pool: a search finds a block that meets the difficulty inside its
 * range, a block only the last share holds is found (the range is split, not
 * searched by one worker), a range without one ends with NULL after every
 * nonce was judged, a cancel ends a hopeless search within a bound, a new
 * search supersedes the old one (whose done still runs, once), and freeing
 * the pool during a search runs its done before returning.
 *
 * The node (real sims, threads executor): while a slow POST /mine runs, GET
 * /chain, POST /add_transaction, GET /mempool and GET /status answer over
 * real HTTP within a bound (before, every command waited for the search);
 * the run's end answers the waiting POST /mine with 503; a peer's block that
 * arrives during a search cancels it and the search starts again on the new
 * tip, and the command is answered with the block found there; commands
 * queue (two mines, two blocks); a crash answers a waiting mine. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "chain/pow.h"
#include "check.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/mem.h"

#define PREV "0000ea8562570c51773f54f97e1dd61131092b841b3f8e4592600791124fe4d8"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the pool ------------------------------------------------------------ */

typedef struct result {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls;
    block *sealed;
    uint64_t tries;
} result;

static void result_init(result *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &ca);
    pthread_condattr_destroy(&ca);
}

static void result_cleanup(result *r) {
    block_unref(r->sealed);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
}

static void on_search_done(void *user, block *sealed, uint64_t tries) {
    result *r = user;
    pthread_mutex_lock(&r->lock);
    r->calls++;
    r->sealed = sealed;
    r->tries = tries;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* Waits up to timeout_ms for done; returns the number of calls so far. */
static int result_wait(result *r, int timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    while (r->calls == 0 && rc == 0) rc = pthread_cond_timedwait(&r->cond, &r->lock, &until);
    int calls = r->calls;
    pthread_mutex_unlock(&r->lock);
    return calls;
}

/* A job of a reward and n - 1 transactions at `difficulty` (heap, for the pool). */
static pow_job *make_job(size_t n, int difficulty) {
    tx *txs[64];
    reject why;
    txs[0] = tx_create("0", "miner-a", 50, "reward-3", 1000, &why);
    for (size_t i = 1; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "tx-%zu", i);
        txs[i] = tx_create("alice", "bob", (int64_t)i, id, 900 + (int64_t)i, &why);
    }
    block_template t = {.index = 3, .prev_hash = PREV, .timestamp_ms = 123456,
                        .difficulty = difficulty, .miner = "miner-a", .txs = txs, .n_txs = n};
    pow_job *job = xmalloc(sizeof *job);
    pow_job_init(job, &t);
    for (size_t i = 0; i < n; i++) tx_unref(txs[i]);
    return job;
}

static void test_pool_finds_a_block_in_range(void) {
    pow_pool *p = pow_pool_new(2);
    CHECK(p != NULL);
    CHECK_INT_EQ(pow_pool_threads(p), 2);
    result r;
    result_init(&r);
    pow_pool_start(p, make_job(5, 12), 5000, 1u << 30, on_search_done, &r);
    CHECK_INT_EQ(result_wait(&r, 30000), 1);
    CHECK(r.sealed != NULL);
    CHECK_INT_EQ(r.sealed->self_check, REJ_NONE);
    CHECK_INT_EQ(r.sealed->difficulty, 12);
    CHECK_STR_EQ(r.sealed->prev_hash, PREV);
    CHECK(r.sealed->proof >= 5000 && r.sealed->proof < 5000 + (1u << 30));
    CHECK(r.tries >= 1);
    pow_pool_free(p);
    CHECK_INT_EQ(r.calls, 1);
    result_cleanup(&r);
}

/* The only block of the range lies in the last worker's share: found. */
static void test_pool_splits_the_range(void) {
    pow_job *probe = make_job(2, 10);
    uint64_t first_tries = 0;
    block *first = pow_job_search(probe, 0, 1u << 24, &first_tries);
    CHECK(first != NULL);
    uint64_t second_tries = 0;
    block *second = pow_job_search(probe, first->proof + 1, 1u << 24, &second_tries);
    CHECK(second != NULL);
    /* [first + 1, second]: one block, at its very end (in the last share of 4). */
    uint64_t start = first->proof + 1, count = second->proof - first->proof;
    pow_pool *p = pow_pool_new(4);
    result r;
    result_init(&r);
    pow_pool_start(p, probe, start, count, on_search_done, &r);
    CHECK_INT_EQ(result_wait(&r, 30000), 1);
    CHECK(r.sealed != NULL);
    CHECK_INT_EQ(r.sealed->proof, second->proof);
    CHECK_STR_EQ(r.sealed->hash_hex, second->hash_hex);
    CHECK(r.tries >= count / 4); /* the last share was searched to its end */
    result_cleanup(&r);

    /* [first + 1, second): no block; every nonce judged. */
    result_init(&r);
    pow_pool_start(p, make_job(2, 10), start, count - 1, on_search_done, &r);
    CHECK_INT_EQ(result_wait(&r, 30000), 1);
    CHECK(r.sealed == NULL);
    CHECK_INT_EQ(r.tries, count - 1);
    pow_pool_free(p);
    result_cleanup(&r);
    block_unref(first);
    block_unref(second);
}

static void test_pool_cancel_is_prompt(void) {
    pow_pool *p = pow_pool_new(2);
    result r;
    result_init(&r);
    pow_pool_start(p, make_job(40, 200), 0, (uint64_t)1 << 50, on_search_done, &r);
    sleep_ms(50);
    CHECK_INT_EQ(r.calls, 0);
    int64_t t0 = now_ms();
    pow_pool_cancel(p);
    CHECK_INT_EQ(result_wait(&r, 5000), 1);
    int64_t took = now_ms() - t0;
    CHECK(r.sealed == NULL);
    CHECK(r.tries > 0);
    if (took > 1000) CHECK_FAIL_("the cancel took %lld ms (bound 1000)", (long long)took);
    pow_pool_cancel(p); /* nothing in progress: nothing happens */
    pow_pool_free(p);
    CHECK_INT_EQ(r.calls, 1);
    result_cleanup(&r);
}

static void test_pool_new_search_supersedes(void) {
    pow_pool *p = pow_pool_new(2);
    result hopeless, easy;
    result_init(&hopeless);
    result_init(&easy);
    pow_pool_start(p, make_job(3, 200), 0, (uint64_t)1 << 50, on_search_done, &hopeless);
    pow_pool_start(p, make_job(3, 6), 0, (uint64_t)1 << 40, on_search_done, &easy);
    CHECK_INT_EQ(result_wait(&hopeless, 5000), 1);
    CHECK(hopeless.sealed == NULL);
    CHECK_INT_EQ(result_wait(&easy, 30000), 1);
    CHECK(easy.sealed != NULL && easy.sealed->self_check == REJ_NONE);
    pow_pool_free(p);
    CHECK_INT_EQ(hopeless.calls, 1);
    CHECK_INT_EQ(easy.calls, 1);
    result_cleanup(&hopeless);
    result_cleanup(&easy);
}

static void test_pool_free_during_search(void) {
    pow_pool *p = pow_pool_new(0);
    CHECK(pow_pool_threads(p) == (int)sysconf(_SC_NPROCESSORS_ONLN));
    result r;
    result_init(&r);
    pow_pool_start(p, make_job(3, 200), 0, (uint64_t)1 << 50, on_search_done, &r);
    pow_pool_free(p);
    CHECK_INT_EQ(r.calls, 1);
    CHECK(r.sealed == NULL);
    result_cleanup(&r);
}

/* ---- the node ------------------------------------------------------------ */

typedef struct run {
    scenario scn;
    sim *s;
    http_server *h;
} run;

/* One node n0, strict ledger (alice has 1000), manual mining; live in the
 * threads executor, served over HTTP if `http`. */
static void run_start(run *r, int difficulty, bool http) {
    char json[512], err[512];
    snprintf(json, sizeof json,
             "{\"name\": \"mining\", \"nodes\": [{\"name\": \"n0\"}], \"topology\": \"none\","
             " \"mining\": \"manual\", \"chain\": {\"difficulty\": %d,"
             " \"genesis\": {\"balances\": {\"alice\": 1000}}}}", difficulty);
    memset(r, 0, sizeof *r);
    if (scenario_parse(&r->scn, "mining.json", json, strlen(json), err, sizeof err) != CS_OK) {
        fprintf(stderr, "scenario: %s\n", err);
        abort();
    }
    r->s = sim_new(&(sim_desc){.scn = &r->scn, .executor = SIM_THREADS, .live = true}, err, sizeof err);
    if (!r->s) abort();
    if (http) {
        r->h = http_server_new(r->s, &(http_desc){.quiet = true}, err, sizeof err);
        if (!r->h) {
            fprintf(stderr, "http_server_new: %s\n", err);
            abort();
        }
    }
    if (sim_start(r->s) != CS_OK) abort();
}

static void run_stop(run *r) {
    sim_stop(r->s);
    http_server_free(r->h);
    sim_free(r->s);
    scenario_cleanup(&r->scn);
}

/* A command's done callback counts in a `result` (only its calls). */
static void on_cmd_done(node_cmd *cmd) { on_search_done(cmd->user, NULL, 0); }

/* Sends cmd to node 0 with a done callback on w (initialised here). */
static void send_cmd(run *r, node_cmd *cmd, result *w) {
    result_init(w);
    cmd->done = on_cmd_done;
    cmd->user = w;
    sim_command(r->s, 0, cmd);
}

/* Sends and waits (up to timeout_ms): false if it did not complete. */
static bool call(run *r, node_cmd *cmd, int timeout_ms) {
    result w;
    send_cmd(r, cmd, &w);
    bool done = result_wait(&w, timeout_ms) > 0;
    result_cleanup(&w);
    return done;
}

/* n transactions alice -> bob of 1 coin each, into node 0's mempool. */
static void add_txs(run *r, int n) {
    for (int i = 0; i < n; i++) {
        node_cmd *cmd = node_cmd_new(CMD_ADD_TX);
        cmd->from = xstrdup("alice");
        cmd->to = xstrdup("bob");
        cmd->amount = 1;
        if (!call(r, cmd, 10000) || cmd->reason != REJ_NONE) abort();
        node_cmd_free(cmd);
    }
}

/* ---- over HTTP ---- */

static size_t on_body(char *d, size_t sz, size_t n, void *u) {
    buf_append(u, d, sz * n);
    return sz * n;
}

/* One request; returns the status (-1: no answer within timeout_s) and the
 * body in *body if given. */
static long request(const char *url, const char *method, const char *json, int timeout_s,
                    buf *body) {
    buf ignored;
    buf_init(&ignored);
    CURL *c = curl_easy_init();
    struct curl_slist *hs = curl_slist_append(NULL, "Accept: application/json");
    if (json) hs = curl_slist_append(hs, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (json) curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    else if (strcmp(method, "POST") == 0) curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body ? body : &ignored);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    buf_cleanup(&ignored);
    return status;
}

typedef struct miner_thread {
    char url[300];
    long status;
    buf body;
    atomic_bool finished;
} miner_thread;

static void *miner_main(void *arg) {
    miner_thread *m = arg;
    m->status = request(m->url, "POST", NULL, 120, &m->body);
    atomic_store(&m->finished, true);
    return NULL;
}

/* The bound on each answer while a block is being mined. */
#define PROBE_BOUND_MS 1000

/* One round of probes: each must answer with its status; records the
 * slowest and whether /status said a mine was in progress. Returns false
 * with the reason in why. */
static bool probe_round(const char *base, int64_t *worst_ms, bool *in_progress, char *why,
                        size_t why_len) {
    static const struct {
        const char *method, *path, *json;
        long status;
    } probes[] = {
        {"GET", "/chain", NULL, 200},
        {"POST", "/add_transaction", "{\"sender\": \"alice\", \"receiver\": \"carol\", \"amount\": 1}", 201},
        {"GET", "/mempool", NULL, 200},
        {"GET", "/status", NULL, 200},
    };
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        char url[400];
        snprintf(url, sizeof url, "%s%s", base, probes[i].path);
        buf body;
        buf_init(&body);
        int64_t t0 = now_ms();
        long st = request(url, probes[i].method, probes[i].json, 5, &body);
        int64_t took = now_ms() - t0;
        if (took > *worst_ms) *worst_ms = took;
        if (st == probes[i].status && strcmp(probes[i].path, "/status") == 0)
            *in_progress = strstr(body.data, "\"in_progress\": true") != NULL;
        buf_cleanup(&body);
        if (st != probes[i].status) {
            snprintf(why, why_len, "%s %s while mining: status %ld (expected %ld) after %lld ms",
                     probes[i].method, probes[i].path, st, probes[i].status, (long long)took);
            return false;
        }
    }
    return true;
}

/* 100 transactions at difficulty 22: a search of tens of seconds, so the
 * run ends before it does (if a block comes early, mine again). */
static void test_http_answers_while_mining(void) {
    run r;
    run_start(&r, 22, true);
    add_txs(&r, 100);
    const char *base = http_server_url(r.h, 0);
    int64_t worst = 0;
    int rounds = 0;
    char why[300] = "";
    bool ok = true, stopped = false;
    long last_status = 0;
    bool cut_short = false;
    buf last_body;
    buf_init(&last_body);
    for (int attempt = 0; attempt < 4 && ok && !stopped; attempt++) {
        miner_thread m;
        memset(&m, 0, sizeof m);
        buf_init(&m.body);
        snprintf(m.url, sizeof m.url, "%s/mine", base);
        pthread_t tid;
        pthread_create(&tid, NULL, miner_main, &m);
        sleep_ms(200); /* the search is under way */
        for (int k = 0; k < 3 && ok; k++) {
            bool in_progress = false;
            ok = probe_round(base, &worst, &in_progress, why, sizeof why);
            if (ok && in_progress && !atomic_load(&m.finished)) rounds++;
        }
        if (!ok) fprintf(stderr, "  %s\n", why);
        if (!ok || !atomic_load(&m.finished)) {
            cut_short = !atomic_load(&m.finished);
            run_stop(&r); /* ends the search; the mine is answered */
            stopped = true;
        }
        pthread_join(tid, NULL);
        last_status = m.status;
        buf_cleanup(&last_body);
        last_body = m.body;
    }
    if (!stopped) run_stop(&r);
    fprintf(stderr, "  slowest answer while mining: %lld ms (%d rounds during a search)\n",
            (long long)worst, rounds);
    char body_copy[200];
    snprintf(body_copy, sizeof body_copy, "%s", last_body.data ? last_body.data : "");
    buf_cleanup(&last_body);
    if (!ok) CHECK_FAIL_("%s", why);
    CHECK(rounds > 0);
    if (worst > PROBE_BOUND_MS)
        CHECK_FAIL_("an answer took %lld ms while mining (bound %d)", (long long)worst,
                    PROBE_BOUND_MS);
    /* The mine cut short by the end of the run is told so, not given a block. */
    CHECK(cut_short);
    CHECK_INT_EQ(last_status, 503);
    CHECK(strstr(body_copy, "\"stopped\"") != NULL);
}

/* ---- through commands ---- */

/* A block on node 0's tip paying `peer` and moving all of alice's 1000
 * coins to carol, sealed here (three transactions: fast at any difficulty
 * of these tests) and interned. */
/* A peer's block on the genesis (never on the node's tip: if the node's own
 * search had already ended, a block on top of it would make the test read
 * "our block came first" as a failure to restart; on the genesis it is a
 * tie at the same height, which the test recognises). */
static block *peer_block(run *r) {
    const block *tip = bstore_genesis(sim_store(r->s));
    const chain_params *params = bstore_params(sim_store(r->s));
    reject why;
    tx *txs[2];
    txs[0] = tx_create(TX_REWARD_SENDER, "peer", params->reward, "reward-peer", 1, &why);
    txs[1] = tx_create("alice", "carol", 1000, "all-of-alice", 2, &why);
    block_template t = {.index = tip->index + 1, .prev_hash = tip->hash_hex, .timestamp_ms = 3,
                        .difficulty = params->difficulty, .miner = "peer", .txs = txs, .n_txs = 2};
    pow_job job;
    pow_job_init(&job, &t);
    uint64_t tries;
    block *b = pow_job_search(&job, 0, (uint64_t)1 << 40, &tries);
    pow_job_cleanup(&job);
    tx_unref(txs[0]);
    tx_unref(txs[1]);
    return bstore_intern(sim_store(r->s), b);
}

/* A search for 200 transactions at difficulty 18 (seconds); a peer's block
 * arrives that leaves alice nothing, so the 200 leave the mempool: the search
 * starts again on the peer's block, finds a reward-only block fast, and the
 * command is answered with it. */
static void test_new_tip_restarts_the_search(void) {
    for (int attempt = 0; attempt < 4; attempt++) {
        run r;
        run_start(&r, 18, false);
        add_txs(&r, 200);
        node_cmd *mine = node_cmd_new(CMD_MINE);
        result w;
        send_cmd(&r, mine, &w);
        sleep_ms(30);
        block *peer = peer_block(&r);
        msg *m = msg_new(MSG_BLOCK);
        m->block = peer;
        m->from = -1;
        m->to = 0;
        sim_inject(r.s, m);
        bool done = result_wait(&w, 60000) > 0;
        result_cleanup(&w);
        node_snapshot snap;
        node_snapshot_get(sim_node(r.s, 0), &snap);
        const block *tip = snap.tip;
        size_t pending = snap.mempool_size;
        node_snapshot_release(&snap);
        if (done && mine->block && mine->block->index == peer->index) {
            /* Our block came before the peer's: the case under test did not happen. */
            node_cmd_free(mine);
            run_stop(&r);
            continue;
        }
        CHECK(done);
        CHECK(mine->error == NULL);
        CHECK(mine->block != NULL);
        CHECK_INT_EQ(mine->block->index, peer->index + 1);
        CHECK_STR_EQ(mine->block->prev_hash, peer->hash_hex);
        CHECK_INT_EQ(mine->block->n_txs, 1); /* the reward: the 200 became unpayable */
        CHECK_STR_EQ(mine->block->miner, "n0");
        CHECK(tip == mine->block);
        CHECK_INT_EQ(pending, 0);
        node_cmd_free(mine);
        run_stop(&r);
        return;
    }
    CHECK_FAIL_("in 4 attempts the search always ended before the peer's block came");
}

/* Two mines sent at once: two blocks, one on the other. */
static void test_mines_queue(void) {
    run r;
    run_start(&r, 12, false);
    add_txs(&r, 3);
    node_cmd *a = node_cmd_new(CMD_MINE), *b = node_cmd_new(CMD_MINE);
    result wa, wb;
    send_cmd(&r, a, &wa);
    send_cmd(&r, b, &wb);
    CHECK(result_wait(&wa, 30000) > 0);
    CHECK(result_wait(&wb, 30000) > 0);
    result_cleanup(&wa);
    result_cleanup(&wb);
    CHECK(a->block && b->block);
    CHECK_STR_EQ(b->block->prev_hash, a->block->hash_hex);
    CHECK_INT_EQ(a->block->n_txs, 4);
    CHECK_INT_EQ(b->block->n_txs, 1);
    node_cmd_free(a);
    node_cmd_free(b);
    run_stop(&r);
}

/* A crash answers the mine waiting on a long search (200 transactions at
 * difficulty 20), at once. */
static void test_crash_answers_a_waiting_mine(void) {
    run r;
    run_start(&r, 20, false);
    add_txs(&r, 200);
    /* The crash must meet a search in flight. At difficulty 20 a search
     * ends within 50 ms about one time in seven (the tries are exponential;
     * a harder difficulty would make the genesis itself take seconds), so a
     * mine that already answered with its block is followed by another. */
    node_cmd *mine = NULL;
    result w;
    for (int attempt = 0; attempt < 8; attempt++) {
        mine = node_cmd_new(CMD_MINE);
        send_cmd(&r, mine, &w);
        sleep_ms(50);
        if (w.calls == 0) break; /* in flight: crash it */
        CHECK(mine->block != NULL && mine->error == NULL);
        result_cleanup(&w);
        node_cmd_free(mine);
        mine = NULL;
    }
    if (!mine) {
        CHECK_FAIL_("eight searches in a row ended within 50 ms");
        run_stop(&r);
        return;
    }
    CHECK_INT_EQ(w.calls, 0);
    node_cmd *crash = node_cmd_new(CMD_CRASH);
    CHECK(call(&r, crash, 10000));
    node_cmd_free(crash);
    CHECK(result_wait(&w, 10000) > 0);
    result_cleanup(&w);
    CHECK(mine->block == NULL);
    CHECK_STR_EQ(mine->error, "the node crashed");
    node_cmd_free(mine);
    run_stop(&r);
}

static const test_case cases[] = {
    TEST(test_pool_finds_a_block_in_range),
    TEST(test_pool_splits_the_range),
    TEST(test_pool_cancel_is_prompt),
    TEST(test_pool_new_search_supersedes),
    TEST(test_pool_free_during_search),
    TEST(test_http_answers_while_mining),
    TEST(test_new_tip_restarts_the_search),
    TEST(test_mines_queue),
    TEST(test_crash_answers_a_waiting_mine),
    {0},
};

int main(int argc, char **argv) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = check__run(cases, argc, argv);
    curl_global_cleanup();
    return rc;
}
