/* test_peers.c - URL peers over real loopback HTTP: hung peers do not
 * starve a healthy one, and /consensus gives each refused chain the reason
 * of its own exchange.
 *
 * One live sim (threads executor) of three nodes served on free ports:
 * n0 takes the hung peers, n1 mines the longer valid chain that fake peers
 * serve, n2 faces the battery of refusals. Hung peers are real sockets that
 * accept and never answer; fake peers are libmicrohttpd servers in this
 * test whose every answer (body, status, delay) is set per case. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "http/http.h"
#include "http_client.h"
#include "http/remote.h"
#include "scenario/scenario.h"
#include "util/canon.h"
#include "util/mem.h"

static const char *const scenario_json =
    "{\"name\": \"peers\", \"nodes\": [{\"name\": \"n0\"}, {\"name\": \"n1\"}, {\"name\": \"n2\"}],"
    " \"topology\": \"none\", \"mining\": \"manual\","
    " \"chain\": {\"difficulty\": 8, \"genesis\": {\"balances\": {\"alice\": 1000}}}}";

static scenario scn;
static sim *S;
static http_server *H;

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static hc_res call(int node_id, const char *method, const char *path, const char *json) {
    char url[300];
    snprintf(url, sizeof url, "%s%s", http_server_url(H, node_id), path);
    return hc_request(method, url, json ? "application/json" : NULL, json, json ? strlen(json) : 0,
                      "application/json", 60);
}

static void register_peer(int node_id, const char *peer_url) {
    char body[300];
    snprintf(body, sizeof body, "{\"node\": \"%s\"}", peer_url);
    hc_res r = call(node_id, "POST", "/register_node", body);
    if (r.status != 201) abort();
    buf_cleanup(&r.body);
}

/* ---- hung peers: accept, hold, never answer ---- */

#define HUNG_MAX_CONNS 256

typedef struct hung_peer {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    int fds[HUNG_MAX_CONNS];
    int n_fds;
    atomic_int max_open;      /* most connections seen open at once */
} hung_peer;

static void *hung_main(void *arg) {
    hung_peer *h = arg;
    while (!atomic_load(&h->stop)) {
        struct pollfd p = {.fd = h->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(h->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        if (h->n_fds == HUNG_MAX_CONNS) {
            close(fd);
            continue;
        }
        h->fds[h->n_fds++] = fd;
        /* Connections the client gave up on count no more: what was sent
         * is read (never answered) until the end of the stream shows. */
        int open = 0;
        for (int i = 0; i < h->n_fds; i++) {
            char sink[4096];
            ssize_t got;
            while ((got = recv(h->fds[i], sink, sizeof sink, MSG_DONTWAIT)) > 0) continue;
            if (got < 0) open++; /* EAGAIN: still connected */
            else {
                close(h->fds[i]);
                h->fds[i--] = h->fds[--h->n_fds];
            }
        }
        if (open > atomic_load(&h->max_open)) atomic_store(&h->max_open, open);
    }
    return NULL;
}

static void hung_start(hung_peer *h) {
    memset(h, 0, sizeof *h);
    h->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(h->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(h->listen_fd, 64) != 0) abort();
    socklen_t len = sizeof a;
    getsockname(h->listen_fd, (struct sockaddr *)&a, &len);
    h->port = ntohs(a.sin_port);
    pthread_create(&h->thread, NULL, hung_main, h);
}

static void hung_stop(hung_peer *h) {
    atomic_store(&h->stop, true);
    pthread_join(h->thread, NULL);
    for (int i = 0; i < h->n_fds; i++) close(h->fds[i]);
    close(h->listen_fd);
}

/* ---- fake peers: every answer set by the case ---- */

typedef struct fake_peer {
    struct MHD_Daemon *d;
    char url[64];
    pthread_mutex_t lock;     /* guards the answers */
    char *chain_body;         /* what GET /chain answers */
    unsigned chain_status;
    int chain_delay_ms;
    bool chain_endless;       /* /chain streams whitespace forever */
    unsigned relay_status;    /* what POST /relay/... answers */
    int relay_delay_ms;
} fake_peer;

static ssize_t endless_spaces(void *cls, uint64_t pos, char *out, size_t max) {
    (void)cls, (void)pos;
    memset(out, ' ', max);
    return (ssize_t)max;
}

static enum MHD_Result fake_access(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *v, const char *ud, size_t *uds,
                                   void **rc) {
    (void)v, (void)ud;
    fake_peer *f = cls;
    if (!*rc) { /* the headers: wait for the body */
        *rc = f;
        return MHD_YES;
    }
    if (*uds) {
        *uds = 0;
        return MHD_YES;
    }
    bool is_chain = strcmp(url, "/chain") == 0 && strcmp(method, "GET") == 0;
    pthread_mutex_lock(&f->lock);
    char *body = xstrdup(is_chain && f->chain_body ? f->chain_body : "{}");
    unsigned status = is_chain ? f->chain_status : f->relay_status;
    int delay_ms = is_chain ? f->chain_delay_ms : f->relay_delay_ms;
    bool endless = is_chain && f->chain_endless;
    pthread_mutex_unlock(&f->lock);
    if (delay_ms) nanosleep(&(struct timespec){delay_ms / 1000, (long)(delay_ms % 1000) * 1000000}, NULL);
    struct MHD_Response *resp =
        endless ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1 << 16, endless_spaces, NULL, NULL)
                : MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    free(body);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void fake_start(fake_peer *f) {
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    f->chain_status = f->relay_status = MHD_HTTP_OK;
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                            NULL, fake_access, f, MHD_OPTION_END);
    if (!f->d) abort();
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u",
             MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT)->port);
}

static void fake_serve(fake_peer *f, const char *body, unsigned status, int delay_ms) {
    pthread_mutex_lock(&f->lock);
    free(f->chain_body);
    f->chain_body = body ? xstrdup(body) : NULL;
    f->chain_status = status;
    f->chain_delay_ms = delay_ms;
    f->chain_endless = false;
    pthread_mutex_unlock(&f->lock);
}

static void fake_stop(fake_peer *f) {
    if (f->d) MHD_stop_daemon(f->d);
    f->d = NULL;
    free(f->chain_body);
    f->chain_body = NULL;
    pthread_mutex_destroy(&f->lock);
}

/* n1's chain, mined to `blocks` blocks above genesis, as canonical JSON (the
 * exact bytes a chainsim peer serves). */
static cJSON *n1_chain(int blocks) {
    for (int k = 0; k < blocks; k++) {
        hc_res r = call(1, "POST", "/mine", NULL);
        if (r.status != 201) abort();
        buf_cleanup(&r.body);
    }
    hc_res r = call(1, "GET", "/chain", NULL);
    cJSON *root = hc_json(&r);
    buf_cleanup(&r.body);
    return root;
}

static char *canonical(const cJSON *root) {
    buf b;
    buf_init(&b);
    if (canon_write_json(&b, root, NULL, NULL) != CS_OK) abort();
    return buf_detach(&b, NULL);
}

/* The "rejected" entry /consensus gave for url: its reason and message
 * copied out; false if there is none. */
#define REASON_LEN 64
#define MESSAGE_LEN 600
static bool rejection_of(const cJSON *reply, const char *url, char reason[REASON_LEN],
                         char message[MESSAGE_LEN]) {
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(reply, "rejected")) {
        if (strcmp(hc_str(it, "node"), url) != 0) continue;
        snprintf(reason, REASON_LEN, "%s", hc_str(it, "reason"));
        snprintf(message, MESSAGE_LEN, "%s", hc_str(it, "message"));
        return true;
    }
    return false;
}

/* ---- cases ---- */

/* Five peers that accept and never answer, 100 transactions gossiped to
 * them: n0 still adopts the valid peer's chain within one transfer timeout,
 * each hung peer is refused as timed out, none holds more than its caps'
 * worth of connections, and none was given the 100 pushes at once. */
static void test_hung_peers_do_not_starve(void) {
    hung_peer hung[5];
    for (int i = 0; i < 5; i++) {
        hung_start(&hung[i]);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", hung[i].port);
        register_peer(0, url);
    }
    cJSON *root = n1_chain(1);
    char *text = canonical(root);
    int length = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "chain"));
    cJSON_Delete(root);
    fake_peer valid;
    fake_start(&valid);
    fake_serve(&valid, text, MHD_HTTP_OK, 0);
    register_peer(0, valid.url);
    for (int k = 0; k < 100; k++) {
        hc_res r = call(0, "POST", "/add_transaction", "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1}");
        CHECK_INT_EQ(r.status, 201);
        buf_cleanup(&r.body);
    }
    int64_t t0 = now_ms();
    hc_res r = call(0, "POST", "/consensus", NULL);
    int64_t took_ms = now_ms() - t0;
    CHECK_INT_EQ(r.status, 200);
    cJSON *o = hc_json(&r);
    bool replaced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "replaced"));
    if (!replaced || took_ms > REMOTE_DEFAULT_TIMEOUT_MS + 2500)
        fprintf(stderr, "  took %lld ms: %.400s\n", (long long)took_ms, r.body.data);
    CHECK(replaced);
    CHECK(took_ms <= REMOTE_DEFAULT_TIMEOUT_MS + 2500);
    CHECK_INT_EQ(hc_num(o, "length"), length);
    for (int i = 0; i < 5; i++) {
        char url[64], reason[REASON_LEN], message[MESSAGE_LEN];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", hung[i].port);
        CHECK(rejection_of(o, url, reason, message));
        CHECK_STR_EQ(reason, "timeout");
        CHECK(strstr(message, "no complete answer within 10000 ms") != NULL);
    }
    char reason[REASON_LEN], message[MESSAGE_LEN];
    CHECK(!rejection_of(o, valid.url, reason, message));
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    /* What /status says of the transport: each hung peer backed off after
     * its timeouts, its gossip dropped within the per-peer bound. */
    r = call(0, "GET", "/status", NULL);
    o = hc_json(&r);
    const cJSON *tp;
    int hung_seen = 0;
    cJSON_ArrayForEach(tp, cJSON_GetObjectItemCaseSensitive(o, "transport")) {
        if (strcmp(hc_str(tp, "node"), valid.url) == 0) {
            CHECK_INT_EQ(hc_num(tp, "failures"), 0);
            CHECK_INT_EQ(hc_num(tp, "backoff_ms"), 0);
            continue;
        }
        hung_seen++;
        CHECK(hc_num(tp, "failures") >= REMOTE_BACKOFF_AFTER);
        CHECK(hc_num(tp, "backoff_ms") > 0);
        CHECK(hc_num(tp, "pushes_queued") <= REMOTE_PEER_MAX_PUSHES);
        CHECK(hc_num(tp, "in_flight") <= REMOTE_PEER_PULLS_IN_FLIGHT + REMOTE_PEER_PUSHES_IN_FLIGHT);
        /* 100 transactions: 2 in flight, 64 waited, the rest refused or
         * dropped by the backoff, every one counted. */
        CHECK(hc_num(tp, "pushes_dropped") >= 100 - 2 - REMOTE_PEER_MAX_PUSHES);
    }
    CHECK_INT_EQ(hung_seen, 5);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    /* One pull and two pushes in flight per peer, at most. */
    for (int i = 0; i < 5; i++)
        CHECK(atomic_load(&hung[i].max_open) <= REMOTE_PEER_PULLS_IN_FLIGHT + REMOTE_PEER_PUSHES_IN_FLIGHT);
    for (int i = 0; i < 5; i++) hung_stop(&hung[i]);
    fake_stop(&valid);
    free(text);
}

typedef struct refusal_case {
    const char *name;
    const char *body;         /* NULL: the valid chain */
    unsigned status;
    const char *reason;       /* NULL: accepted, no rejection */
    const char *message;      /* a part of the message */
} refusal_case;

/* Each exchange's own reason, whatever came before it: the cases run one
 * after the other against the same peer, so a reason that leaked from the
 * case before would show. */
static void test_consensus_reasons(void) {
    cJSON *root = n1_chain(3);
    char *valid = canonical(root);
    /* Variants of the valid chain. */
    cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "chain");
    CHECK(cJSON_GetArraySize(list) >= 3);
    size_t vlen = strlen(valid);
    char *trailing = xmalloc(vlen + 8);
    snprintf(trailing, vlen + 8, "%s x", valid);
    cJSON *b2 = cJSON_GetArrayItem(list, 2);
    cJSON_ReplaceItemInObject(b2, "hash", cJSON_CreateString(
        "0000000000000000000000000000000000000000000000000000000000000000"));
    char *bad_hash = canonical(root);
    cJSON_Delete(root);
    /* index 2 written as 2.0 */
    const char *at = strstr(valid, "\"index\": 2,");
    CHECK(at != NULL);
    char *whole = xmalloc(vlen + 8);
    snprintf(whole, vlen + 8, "%.*s\"index\": 2.0,%s", (int)(at - valid), valid, at + 11);
    const char *classic_genesis = "{\"chain\": [{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, "
                                  "\"transactions\": []}]}";
    const refusal_case cases[] = {
        {"truncated", "{\"chain\": [", 200, "chain_json", "the text ends where a value was expected at byte 11"},
        {"the valid chain", NULL, 200, NULL, NULL},
        {"not an object", "[]", 200, "chain_malformed", "the body is not {\"chain\": [...]}"},
        {"not a list", "{\"chain\": {}}", 200, "chain_malformed", "the body is not {\"chain\": [...]}"},
        {"trailing data", trailing, 200, "chain_json", "more text follows the JSON value"},
        {"a wrong hash", bad_hash, 200, "blk_hash", "chain[2]: hash: "},
        {"the valid chain again", NULL, 200, NULL, NULL},
        {"5.0 for an integer", whole, 200, "chain_json", "2.0 is a whole number written with a fraction"},
        {"HTTP 500", "{}", 500, "http_status", "/chain: HTTP 500"},
        {"HTTP 404", "{}", 404, "http_status", "/chain: HTTP 404"},
        {"an empty chain", "{\"chain\": []}", 200, "chain_empty", "chain[0]: the chain is empty"},
        {"a foreign genesis", classic_genesis, 200, "chain_genesis", "chain[0]: the chain does not start"},
        {"a NUL in a string", "{\"chain\": [{\"index\": 1, \"miner\": \"a\\u0000b\"}]}", 200, "chain_json",
         "\\u0000 (NUL)"},
    };
    fake_peer f;
    fake_start(&f);
    register_peer(2, f.url);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const refusal_case *c = &cases[i];
        fake_serve(&f, c->body ? c->body : valid, c->status, 0);
        hc_res r = call(2, "POST", "/consensus", NULL);
        CHECK_INT_EQ(r.status, 200);
        cJSON *o = hc_json(&r);
        char reason[REASON_LEN] = "", message[MESSAGE_LEN] = "";
        bool refused = rejection_of(o, f.url, reason, message);
        cJSON_Delete(o);
        bool ok = c->reason ? refused && strcmp(reason, c->reason) == 0 && strstr(message, c->message)
                            : !refused;
        if (!ok) fprintf(stderr, "  %s: %s\n", c->name, r.body.data);
        buf_cleanup(&r.body);
        if (!ok) CHECK_FAIL_("case %zu (%s): got %s \"%s\", expected %s", i, c->name,
                             refused ? reason : "(accepted)", message, c->reason ? c->reason : "(accepted)");
    }
    /* Larger than a pull accepts: whitespace without end. */
    pthread_mutex_lock(&f.lock);
    f.chain_endless = true;
    pthread_mutex_unlock(&f.lock);
    hc_res r = call(2, "POST", "/consensus", NULL);
    CHECK(strstr(r.body.data, "\"reason\": \"chain_too_large\"") != NULL);
    CHECK(strstr(r.body.data, "the answer is larger than 67108864 bytes") != NULL);
    buf_cleanup(&r.body);
    /* Nobody there any more. */
    fake_stop(&f);
    r = call(2, "POST", "/consensus", NULL);
    CHECK(strstr(r.body.data, "\"reason\": \"unreachable\"") != NULL);
    CHECK(strstr(r.body.data, "Couldn't connect to server") != NULL);
    buf_cleanup(&r.body);
    free(valid);
    free(trailing);
    free(bad_hash);
    free(whole);
}

/* A gossip push that fails while a pull is being judged does not lend the
 * pull its reason: peer a answers /chain with bad JSON at once and
 * /relay/tx with HTTP 500 after 300 ms; peer b answers /chain after 1 s, so
 * the push ends while /consensus still waits. */
static void test_push_reason_stays_out_of_pulls(void) {
    fake_peer a, b;
    fake_start(&a);
    fake_start(&b);
    fake_serve(&a, "{\"chain\": [", 200, 0);
    pthread_mutex_lock(&a.lock);
    a.relay_status = 500;
    a.relay_delay_ms = 300;
    pthread_mutex_unlock(&a.lock);
    fake_serve(&b, "{\"chain\": []}", 200, 1000);
    /* A fresh node view: n1 registers them (n1 has no other peers). */
    register_peer(1, a.url);
    register_peer(1, b.url);
    hc_res r = call(1, "POST", "/add_transaction", "{\"sender\": \"alice\", \"receiver\": \"carol\", \"amount\": 2}");
    CHECK_INT_EQ(r.status, 201);
    buf_cleanup(&r.body);
    r = call(1, "POST", "/consensus", NULL);
    cJSON *o = hc_json(&r);
    char reason[REASON_LEN] = "", message[MESSAGE_LEN] = "";
    CHECK(rejection_of(o, a.url, reason, message));
    if (strcmp(reason, "chain_json") != 0) fprintf(stderr, "  %s\n", r.body.data);
    CHECK_STR_EQ(reason, "chain_json");
    CHECK(strstr(message, "HTTP 500") == NULL);
    CHECK(rejection_of(o, b.url, reason, message));
    CHECK_STR_EQ(reason, "chain_empty");
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    fake_stop(&a);
    fake_stop(&b);
}

/* n2's mempool holds at most MEMPOOL_TEST_MAX (set before the run): the
 * next submission gets 503 mempool_full, a relay too, and every
 * acknowledged transaction is still pending; a block makes room. */
#define MEMPOOL_TEST_MAX 5

static void test_mempool_full(void) {
    char ids[MEMPOOL_TEST_MAX][64];
    for (int k = 0; k < MEMPOOL_TEST_MAX; k++) {
        char body[160];
        snprintf(body, sizeof body, "{\"sender\": \"alice\", \"receiver\": \"dave\", \"amount\": 1, "
                 "\"id\": \"full-%d\"}", k);
        hc_res r = call(2, "POST", "/add_transaction", body);
        CHECK_INT_EQ(r.status, 201);
        buf_cleanup(&r.body);
        snprintf(ids[k], sizeof ids[k], "\"id\": \"full-%d\"", k);
    }
    hc_res r = call(2, "POST", "/add_transaction", "{\"sender\": \"alice\", \"receiver\": \"dave\", "
                    "\"amount\": 1, \"id\": \"full-late\"}");
    CHECK_INT_EQ(r.status, 503);
    cJSON *o = hc_json(&r);
    CHECK_STR_EQ(hc_str(o, "error"), "mempool_full");
    CHECK_STR_EQ(hc_str(o, "message"), reject_message(REJ_MEMPOOL_FULL));
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    r = call(2, "POST", "/relay/tx", "{\"amount\": 1, \"id\": \"relayed-late\", \"receiver\": \"dave\", "
             "\"sender\": \"alice\", \"timestamp\": 1}");
    CHECK_INT_EQ(r.status, 503);
    CHECK(strstr(r.body.data, "\"mempool_full\"") != NULL);
    buf_cleanup(&r.body);
    r = call(2, "GET", "/mempool", NULL);
    o = hc_json(&r);
    CHECK_INT_EQ(hc_num(o, "size"), MEMPOOL_TEST_MAX);
    cJSON_Delete(o);
    for (int k = 0; k < MEMPOOL_TEST_MAX; k++) CHECK(strstr(r.body.data, ids[k]) != NULL);
    CHECK(strstr(r.body.data, "late") == NULL);
    buf_cleanup(&r.body);
    r = call(2, "POST", "/mine", NULL);
    CHECK_INT_EQ(r.status, 201);
    for (int k = 0; k < MEMPOOL_TEST_MAX; k++) CHECK(strstr(r.body.data, ids[k]) != NULL);
    buf_cleanup(&r.body);
    r = call(2, "POST", "/add_transaction", "{\"sender\": \"alice\", \"receiver\": \"dave\", "
             "\"amount\": 1, \"id\": \"full-late\"}");
    CHECK_INT_EQ(r.status, 201);
    buf_cleanup(&r.body);
}

static const test_case cases[] = {
    TEST(test_consensus_reasons),
    TEST(test_push_reason_stays_out_of_pulls),
    TEST(test_hung_peers_do_not_starve),
    TEST(test_mempool_full),
    {0},
};

int main(int argc, char **argv) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[512];
    if (scenario_parse(&scn, "peers.json", scenario_json, strlen(scenario_json), err, sizeof err) != CS_OK)
        abort();
    S = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS, .live = true}, err, sizeof err);
    H = S ? http_server_new(S, &(http_desc){.quiet = true}, err, sizeof err) : NULL;
    /* A small pool for test_mempool_full (100,000 submissions would be slow);
     * set before the run, while no thread reads it. */
    if (S) node_set_mempool_max(sim_node(S, 2), MEMPOOL_TEST_MAX);
    if (!H || sim_start(S) != CS_OK) {
        fprintf(stderr, "setup: %s\n", err);
        abort();
    }
    int rc = check__run(cases, argc, argv);
    sim_stop(S);
    http_server_free(H);
    sim_free(S);
    scenario_cleanup(&scn);
    curl_global_cleanup();
    return rc;
}
