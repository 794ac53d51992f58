/* test_http.c - the HTTP face against a real server on loopback.
 *
 * One live sim (threads executor) of three nodes with a strict ledger
 * (alice starts with 100), difficulty 8, manual mining, no topology, served
 * on free ports; requests go through libcurl like any client's. Every
 * endpoint with both body kinds, redirects and status codes; a battery of
 * bad inputs, each answered with its status and reason while the node's
 * state (chain, mempool, peers) stays as it was; the live event stream; and
 * /consensus against fake peers (a libmicrohttpd server in this test) that
 * serve long chains with broken links, wrong hashes, no proof of work, a
 * foreign genesis or no chain at all: each is refused, whatever its length. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "http_client.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/canon.h"
#include "util/mem.h"

static const char *const scenario_json =
    "{\"name\": \"http\", \"nodes\": [{\"name\": \"n0\"}, {\"name\": \"n1\"}, {\"name\": \"n2\"}],"
    " \"topology\": \"none\", \"mining\": \"manual\","
    " \"chain\": {\"difficulty\": 8, \"genesis\": {\"balances\": {\"alice\": 100}}}}";

static scenario scn;
static sim *S;
static http_server *H;

static void setup(void) {
    char err[512];
    if (scenario_parse(&scn, "http.json", scenario_json, strlen(scenario_json), err, sizeof err) != CS_OK) {
        fprintf(stderr, "scenario: %s\n", err);
        abort();
    }
    S = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS, .live = true}, err, sizeof err);
    if (!S) abort();
    H = http_server_new(S, &(http_desc){.quiet = true, .max_body_bytes = 64 * 1024}, err, sizeof err);
    if (!H) {
        fprintf(stderr, "http_server_new: %s\n", err);
        abort();
    }
    if (sim_start(S) != CS_OK) abort();
}

static void teardown(void) {
    sim_stop(S);
    http_server_free(H);
    sim_free(S);
    scenario_cleanup(&scn);
}

/* ---- a small client ---- */

typedef hc_res res;

/* A request to node i (or a full URL if path starts with "http"). */
static res req_n(const char *method, int i, const char *path, const char *ctype, const char *body,
                 size_t len, const char *accept) {
    char url[512];
    if (strncmp(path, "http", 4) == 0) snprintf(url, sizeof url, "%s", path);
    else snprintf(url, sizeof url, "%s%s", http_server_url(H, i), path);
    return hc_request(method, url, ctype, body, len, accept, 30);
}

static res get(int i, const char *path) { return req_n("GET", i, path, NULL, NULL, 0, NULL); }
static res post_json(int i, const char *path, const char *json) {
    return req_n("POST", i, path, "application/json", json, strlen(json), NULL);
}
static res post_form(int i, const char *path, const char *form) {
    return req_n("POST", i, path, "application/x-www-form-urlencoded", form, strlen(form), NULL);
}


/* What the battery must leave unchanged: chain, mempool and peers of node i. */
static char *state_of(int i) {
    res a = get(i, "/chain"), b = get(i, "/mempool"), c = get(i, "/nodes");
    buf s;
    buf_init(&s);
    buf_printf(&s, "%s|%s|%s", a.body.data, b.body.data, c.body.data);
    buf_cleanup(&a.body);
    buf_cleanup(&b.body);
    buf_cleanup(&c.body);
    return buf_detach(&s, NULL);
}

/* Tip hash of node i via /status. */
static void tip_of(int i, char out[65]) {
    res r = get(i, "/status");
    cJSON *o = hc_json(&r);
    snprintf(out, 65, "%s", hc_str(o, "tip"));
    cJSON_Delete(o);
    buf_cleanup(&r.body);
}

static int64_t height_of(int i) {
    res r = get(i, "/status");
    cJSON *o = hc_json(&r);
    int64_t h = (int64_t)hc_num(o, "height");
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    return h;
}

/* ---- cases ---- */

static void test_chain_genesis(void) {
    res r = get(0, "/chain");
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.type, "application/json") != NULL);
    cJSON *o = hc_json(&r);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "chain");
    CHECK_INT_EQ(cJSON_GetArraySize(list), hc_num(o, "length"));
    const cJSON *g = cJSON_GetArrayItem(list, 0);
    CHECK_INT_EQ(hc_num(g, "index"), 1);
    CHECK_STR_EQ(hc_str(g, "previous_hash"), "0");
    CHECK_STR_EQ(hc_str(g, "hash"), bstore_genesis(sim_store(S))->hash_hex);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
}

static void test_add_tx_json(void) {
    res r = post_json(0, "/add_transaction", "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 10}");
    CHECK_INT_EQ(r.status, 201);
    cJSON *o = hc_json(&r);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "transaction");
    CHECK_STR_EQ(hc_str(t, "sender"), "alice");
    CHECK_STR_EQ(hc_str(t, "receiver"), "bob");
    CHECK_INT_EQ(hc_num(t, "amount"), 10);
    CHECK(strlen(hc_str(t, "id")) > 0);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    r = get(0, "/mempool");
    o = hc_json(&r);
    CHECK_INT_EQ(hc_num(o, "size"), 1);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
}

static void test_add_tx_form_redirects(void) {
    res r = post_form(0, "/add_transaction", "sender=alice&receiver=carol+c&amount=5");
    CHECK_INT_EQ(r.status, 302);
    CHECK_STR_EQ(r.location, "/");
    buf_cleanup(&r.body);
    r = get(0, "/mempool");
    CHECK(strstr(r.body.data, "\"receiver\": \"carol c\"") != NULL);
    buf_cleanup(&r.body);
    /* A form with Accept: application/json gets JSON. */
    r = req_n("POST", 0, "/add_transaction", "application/x-www-form-urlencoded",
              "sender=alice&receiver=dave&amount=1", 35, "application/json");
    CHECK_INT_EQ(r.status, 201);
    CHECK(strstr(r.body.data, "\"receiver\": \"dave\"") != NULL);
    buf_cleanup(&r.body);
}

static void test_form_refusal_shows_page(void) {
    char *before = state_of(0);
    res r = post_form(0, "/add_transaction", "sender=alice&receiver=bob&amount=100000");
    CHECK_INT_EQ(r.status, 400);
    CHECK(strstr(r.type, "text/html") != NULL);
    CHECK(strstr(r.body.data, "class=\"message error\"") != NULL);
    /* The reason, as the page escapes it. */
    buf esc;
    buf_init(&esc);
    for (const char *p = reject_message(REJ_TX_OVERSPEND); *p; p++)
        if (*p == '\'') buf_puts(&esc, "&#39;");
        else buf_putc(&esc, *p);
    CHECK(strstr(r.body.data, esc.data) != NULL);
    buf_cleanup(&esc);
    char *after = state_of(0);
    CHECK_STR_EQ(after, before);
    free(before);
    free(after);
    buf_cleanup(&r.body);
}

/* A refused form whose value is not UTF-8 (%ff%fe decodes to two bytes no
 * text holds): the page is text/html; charset=utf-8, so it says why with the
 * bytes quoted (\xff\xfe) and leaves the input empty, instead of echoing the
 * raw bytes into value="..." and serving a page that is not UTF-8. A value
 * that is UTF-8 is still typed back. */
static void test_form_refusal_page_is_utf8(void) {
    res r = post_form(0, "/register_node", "node=http://%ff%fe.example");
    CHECK_INT_EQ(r.status, 400);
    CHECK(strstr(r.type, "text/html") != NULL);
    CHECK(utf8_valid(r.body.data, r.body.len));
    CHECK(strstr(r.body.data, "http://\\xff\\xfe.example: ") != NULL);
    CHECK(strstr(r.body.data, "name=\"node\" value=\"\"") != NULL);
    buf_cleanup(&r.body);
    r = post_form(0, "/register_node", "node=http://caf%C3%A9.example");
    CHECK_INT_EQ(r.status, 400);
    CHECK(utf8_valid(r.body.data, r.body.len));
    CHECK(strstr(r.body.data, "name=\"node\" value=\"http://caf\xc3\xa9.example\"") != NULL);
    buf_cleanup(&r.body);
}

static void test_mine(void) {
    int64_t h0 = height_of(0);
    res r = req_n("POST", 0, "/mine", NULL, NULL, 0, "application/json");
    CHECK_INT_EQ(r.status, 201);
    cJSON *o = hc_json(&r);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "block");
    CHECK_INT_EQ(hc_num(b, "index"), h0 + 1);
    CHECK_STR_EQ(hc_str(b, "miner"), "n0");
    /* The mempool went into the block (reward + 3 transactions). */
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "transactions")), 4);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    r = post_form(0, "/mine", "");
    CHECK_INT_EQ(r.status, 302);
    CHECK_STR_EQ(r.location, "/");
    buf_cleanup(&r.body);
    CHECK_INT_EQ(height_of(0), h0 + 2);
    r = get(0, "/mempool");
    CHECK(strstr(r.body.data, "\"size\": 0") != NULL);
    buf_cleanup(&r.body);
}

static void test_balances(void) {
    res r = get(0, "/balances");
    CHECK_INT_EQ(r.status, 200);
    cJSON *o = hc_json(&r);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "balances");
    CHECK_INT_EQ(hc_num(b, "alice"), 100 - 10 - 5 - 1);
    CHECK_INT_EQ(hc_num(b, "bob"), 10);
    CHECK_INT_EQ(hc_num(b, "carol c"), 5);
    CHECK_INT_EQ(hc_num(b, "n0"), 100);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
}

static void test_block_lookup(void) {
    char tip[65];
    tip_of(0, tip);
    char path[128];
    snprintf(path, sizeof path, "/block/%s", tip);
    res r = get(0, path);
    CHECK_INT_EQ(r.status, 200);
    cJSON *o = hc_json(&r);
    CHECK_STR_EQ(hc_str(cJSON_GetObjectItemCaseSensitive(o, "block"), "hash"), tip);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "in_active_chain")));
    CHECK_INT_EQ(hc_num(o, "confirmations"), 1);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    r = get(1, path); /* node 1 does not hold it */
    CHECK_INT_EQ(r.status, 404);
    buf_cleanup(&r.body);
    r = get(0, "/block/xyz");
    CHECK_INT_EQ(r.status, 400);
    buf_cleanup(&r.body);
    r = get(0, "/block/1111111111111111111111111111111111111111111111111111111111111111");
    CHECK_INT_EQ(r.status, 404);
    buf_cleanup(&r.body);
}

static void test_register_consensus_nodes(void) {
    char body[256];
    snprintf(body, sizeof body, "{\"node\": \"%s\"}", http_server_url(H, 0));
    res r = post_json(1, "/register_node", body);
    CHECK_INT_EQ(r.status, 201);
    CHECK(strstr(r.body.data, http_server_url(H, 0)) != NULL);
    buf_cleanup(&r.body);
    /* The form, with a scheme-less URL: same peer, nothing new. */
    char form[256];
    snprintf(form, sizeof form, "node=%s", http_server_url(H, 0) + 7);
    r = post_form(1, "/register_node", form);
    CHECK_INT_EQ(r.status, 302);
    buf_cleanup(&r.body);
    r = get(1, "/nodes");
    cJSON *o = hc_json(&r);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(o, "nodes");
    CHECK_INT_EQ(cJSON_GetArraySize(nodes), 1);
    CHECK_STR_EQ(cJSON_GetArrayItem(nodes, 0)->valuestring, http_server_url(H, 0));
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    r = req_n("POST", 1, "/consensus", NULL, NULL, 0, "application/json");
    CHECK_INT_EQ(r.status, 200);
    o = hc_json(&r);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "replaced")));
    CHECK_INT_EQ(hc_num(o, "length"), height_of(0));
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "rejected")), 0);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    char t0[65], t1[65];
    tip_of(0, t0);
    tip_of(1, t1);
    CHECK_STR_EQ(t1, t0);
    /* Again: nothing to replace. */
    r = req_n("POST", 1, "/consensus", NULL, NULL, 0, "application/json");
    CHECK(strstr(r.body.data, "\"replaced\": false") != NULL);
    buf_cleanup(&r.body);
}

static void test_status(void) {
    res r = get(1, "/status");
    CHECK_INT_EQ(r.status, 200);
    cJSON *o = hc_json(&r);
    CHECK_STR_EQ(hc_str(o, "node"), "n1");
    CHECK_STR_EQ(hc_str(o, "url"), http_server_url(H, 1));
    CHECK_INT_EQ(hc_num(o, "difficulty"), 8);
    CHECK_STR_EQ(hc_str(o, "ledger"), "strict");
    CHECK_STR_EQ(hc_str(cJSON_GetObjectItemCaseSensitive(o, "mining"), "mode"), "manual");
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "peers")), 1);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
}

static void test_page_and_static(void) {
    res r = get(0, "/");
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.type, "text/html") != NULL);
    CHECK(strstr(r.body.data, "action=\"/add_transaction\"") != NULL);
    CHECK(strstr(r.body.data, "action=\"/register_node\"") != NULL);
    CHECK(strstr(r.body.data, "<span class=\"zeros\">") != NULL); /* the hash's leading zeros */
    CHECK(strstr(r.body.data, "carol c") != NULL);                /* a block's transaction */
    CHECK(strstr(r.body.data, "<!--@") == NULL);                  /* every marker filled */
    buf_cleanup(&r.body);
    r = get(0, "/static/app.js");
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.type, "javascript") != NULL);
    buf_cleanup(&r.body);
    r = get(0, "/static/nope.js");
    CHECK_INT_EQ(r.status, 404);
    buf_cleanup(&r.body);
}

typedef struct bad_case {
    const char *method, *path, *ctype, *body;
    long status;
    const char *code; /* the JSON "error", or NULL (page/any) */
} bad_case;

static void test_bad_input_battery(void) {
    static char big[70 * 1024];
    memset(big, 'a', sizeof big - 1);
    const char *J = "application/json", *F = "application/x-www-form-urlencoded";
    const bad_case cases[] = {
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\"}", 400, "missing_field"},
        {"POST", "/add_transaction", J, "{\"receiver\": \"bob\", \"amount\": 1}", 400, "missing_field"},
        {"POST", "/add_transaction", J, "{}", 400, "missing_field"},
        {"POST", "/add_transaction", J, "{\"sender\": 5, \"receiver\": \"bob\", \"amount\": 1}", 400, "bad_field"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": [\"bob\"], \"amount\": 1}", 400, "bad_field"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": \"5\"}", 400, "bad_field"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": true}", 400, "bad_field"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1.5}", 400, "bad_field"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": -5}", 400, "tx_amount"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 0}", 400, "tx_amount"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1e300}", 400, "bad_json"},
        /* What cJSON reads loosely (util/json_strict refuses it before). */
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\\u0000evil\", \"receiver\": \"bob\", \"amount\": 1}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"b\\u12g4\", \"amount\": 1}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"b\tb\", \"amount\": 1}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 5.0}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 01}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1.}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1, \"amount\": 2}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 9007199254740993}", 400, "bad_json"},
        {"POST", "/relay/tx", J, "", 400, "bad_json"},
        {"POST", "/relay/tx", J, "{\"amount\": 3.0, \"id\": \"r-1\", \"receiver\": \"bob\", \"sender\": \"alice\", \"timestamp\": 1}", 400, "bad_json"},
        {"POST", "/relay/block", J, "{\"index\": 2} {}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 10000000000000000}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1000}", 400, "tx_overspend"},
        {"POST", "/add_transaction", J, "{\"sender\": \"nobody\", \"receiver\": \"bob\", \"amount\": 1}", 400, "tx_unknown_sender"},
        {"POST", "/add_transaction", J, "{\"sender\": \"\", \"receiver\": \"bob\", \"amount\": 1}", 400, "tx_name_empty"},
        /* The name rule (tx_check_name): blank or padded names are refused. */
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"   \", \"amount\": 1}", 400, "tx_name_space"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob \", \"amount\": 1}", 400, "tx_name_space"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"\\u00a0bob\", \"amount\": 1}", 400, "tx_name_space"},
        {"POST", "/add_transaction", F, "sender=alice&receiver=+++&amount=1", 400, NULL},
        {"POST", "/relay/tx", J, "{\"amount\": 3, \"id\": \"r-2\", \"receiver\": \" \", \"sender\": \"alice\", \"timestamp\": 1}", 400, "tx_name_space"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"receiver\": \"bob\", \"amount\": 1, \"id\": 7}", 400, "bad_field"},
        {"POST", "/add_transaction", J, "{\"sender\": \"al\xff\", \"receiver\": \"bob\", \"amount\": 1}", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\", \"rec", 400, "bad_json"},
        {"POST", "/add_transaction", J, "{\"sender\": \"alice\"} trailing", 400, "bad_json"},
        {"POST", "/add_transaction", J, "[1, 2]", 400, "bad_json"},
        {"POST", "/add_transaction", J, big, 413, "body_too_large"},
        {"POST", "/add_transaction", "text/plain", "sender=alice", 415, NULL},
        {"POST", "/add_transaction", F, "sender=alice&receiver=bob&amount=-5", 400, NULL},
        {"POST", "/add_transaction", F, "sender=alice&receiver=bob&amount=abc", 400, NULL},
        {"POST", "/add_transaction", F, "sender=alice&receiver=bob&amount=99999999999999999999999", 400, NULL},
        {"POST", "/add_transaction", F, "sender=%FF%FE&receiver=bob&amount=1", 400, NULL},
        {"POST", "/add_transaction", F, "sender=al%G1&receiver=bob&amount=1", 400, NULL},
        {"POST", "/add_transaction", F, "sender=al%00ice&receiver=bob&amount=1", 400, NULL},
        {"GET", "/nope", NULL, NULL, 404, "not_found"},
        {"POST", "/chain", J, "{}", 405, "method_not_allowed"},
        {"GET", "/mine", NULL, NULL, 405, "method_not_allowed"},
        {"DELETE", "/chain", NULL, NULL, 405, "method_not_allowed"},
        {"PUT", "/block/00", NULL, NULL, 405, "method_not_allowed"},
        {"POST", "/register_node", J, "{\"node\": \"ftp://127.0.0.1:1\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"node\": \"http://\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"node\": \"http://a b:80\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"node\": \"http://127.0.0.1:99999\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"node\": \"http://127.0.0.1:5000/x\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"node\": \"http://u:p@127.0.0.1:5000\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"node\": 5}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"nodes\": \"http://127.0.0.1:1\"}", 400, "bad_node"},
        {"POST", "/register_node", J, "{\"nodes\": [\"http://127.0.0.1:1\", \"gopher://x\"]}", 400, "bad_node"},
        {"POST", "/register_node", J, "{}", 400, "bad_node"},
        {"POST", "/register_node", F, "node=", 400, NULL},
        {"POST", "/relay/block", J, "{\"index\": \"x\"}", 400, "blk_malformed"},
        {"POST", "/relay/block", "text/plain", "x", 415, "unsupported_media_type"},
        {"POST", "/relay/tx", J, "{\"sender\": 1.5}", 400, "tx_malformed"},
        {"POST", "/mine", "text/plain", "x", 415, NULL},
    };
    char *before = state_of(2);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        res r = req_n(c->method, 2, c->path, c->ctype, c->body, c->body ? strlen(c->body) : 0, NULL);
        if (r.status != c->status) {
            buf_cleanup(&r.body);
            CHECK_FAIL_("case %zu (%s %s %.60s): status %ld, expected %ld", i, c->method, c->path,
                        c->body ? c->body : "", r.status, c->status);
        }
        if (c->code) {
            cJSON *o = hc_json(&r);
            const char *code = hc_str(o, "error");
            bool ok = strcmp(code, c->code) == 0 && strlen(hc_str(o, "message")) > 0;
            if (!ok) {
                fprintf(stderr, "  case %zu: error %s, expected %s\n", i, code, c->code);
                cJSON_Delete(o);
                buf_cleanup(&r.body);
                CHECK(ok);
            }
            cJSON_Delete(o);
        } else {
            CHECK(strstr(r.body.data, "class=\"message error\"") != NULL);
        }
        buf_cleanup(&r.body);
    }
    /* An echoed URL keeps the reply UTF-8: bytes that are not UTF-8 are
     * quoted, a long one is cut between characters. */
    char long_url[300] = "node=http://"; /* 12 + 40 x 6 bytes */
    for (int k = 0; k < 40; k++) strcat(long_url, "%C3%A9");
    const char *echo_bodies[] = {"node=http://%FF%FE", "node=http://a%C3", long_url};
    for (size_t k = 0; k < 3; k++) {
        res e = req_n("POST", 2, "/register_node", F, echo_bodies[k], strlen(echo_bodies[k]), "application/json");
        CHECK_INT_EQ(e.status, 400);
        CHECK(utf8_valid(e.body.data, e.body.len));
        cJSON *eo = hc_json(&e);
        CHECK_STR_EQ(hc_str(eo, "error"), "bad_node");
        if (k == 0) CHECK(strstr(hc_str(eo, "message"), "http://\\xff\\xfe: ") != NULL);
        cJSON_Delete(eo);
        buf_cleanup(&e.body);
    }
    /* Registering a node as its own peer. */
    char self[256];
    snprintf(self, sizeof self, "{\"node\": \"%s\"}", http_server_url(H, 2));
    res r = post_json(2, "/register_node", self);
    CHECK_INT_EQ(r.status, 400);
    CHECK(strstr(r.body.data, "own peer") != NULL);
    buf_cleanup(&r.body);
    char *after = state_of(2);
    CHECK_STR_EQ(after, before);
    free(before);
    free(after);
}

/* A raw socket to node i; returns the fd. */
static int connect_node(int i) {
    const char *url = http_server_url(H, i);
    int port = atoi(strrchr(url, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) abort();
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Reads until `want` appears (or EOF/timeout); returns what was read. */
static void read_until(int fd, buf *got, const char *want) {
    char chunk[4096];
    for (int k = 0; k < 200 && !strstr(got->data ? got->data : "", want); k++) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buf_append(got, chunk, (size_t)n);
    }
}

static void test_truncated_body(void) {
    char *before = state_of(2);
    int fd = connect_node(2);
    const char *head = "POST /add_transaction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 100\r\n\r\n{\"sender\": \"alice\"";
    CHECK(send(fd, head, strlen(head), 0) == (ssize_t)strlen(head));
    shutdown(fd, SHUT_WR);
    buf got;
    buf_init(&got);
    read_until(fd, &got, "\r\n\r\n");
    close(fd);
    /* The server either says nothing and closes, or refuses: never 2xx. */
    CHECK(got.len == 0 || strstr(got.data, " 2") != got.data + 8);
    buf_cleanup(&got);
    char *after = state_of(2);
    CHECK_STR_EQ(after, before);
    free(before);
    free(after);
}

static void test_event_stream(void) {
    int fd = connect_node(0);
    const char *get_req = "GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
    CHECK(send(fd, get_req, strlen(get_req), 0) > 0);
    buf got;
    buf_init(&got);
    read_until(fd, &got, "event: hello");
    CHECK(strstr(got.data, "text/event-stream") != NULL);
    CHECK(strstr(got.data, "event: hello") != NULL);
    res r = req_n("POST", 0, "/mine", NULL, NULL, 0, "application/json");
    CHECK_INT_EQ(r.status, 201);
    buf_cleanup(&r.body);
    read_until(fd, &got, "event: tip_changed");
    close(fd);
    CHECK(strstr(got.data, "event: mined") != NULL);
    CHECK(strstr(got.data, "event: tip_changed") != NULL);
    buf_cleanup(&got);
}

/* ---- fake peers ---- */

static char *fake_body; /* what the fake peer serves at /chain */

static enum MHD_Result fake_access(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *v, const char *ud, size_t *uds,
                                   void **rc) {
    (void)cls, (void)method, (void)v, (void)ud, (void)uds, (void)rc;
    const char *body = strcmp(url, "/chain") == 0 ? fake_body : "{}";
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The chain of node 0, as a cJSON array (caller deletes the root). */
static cJSON *chain_json(int i, cJSON **root) {
    res r = get(i, "/chain");
    *root = hc_json(&r);
    buf_cleanup(&r.body);
    return cJSON_GetObjectItemCaseSensitive(*root, "chain");
}

/* Canonical JSON: cJSON's printer writes integers past 10^15 with an
 * exponent (1.70821125068802e+15), which is not the number any more. */
static void serve(cJSON *root) {
    free(fake_body);
    buf b;
    buf_init(&b);
    if (canon_write_json(&b, root, NULL, NULL) != CS_OK) abort();
    fake_body = buf_detach(&b, NULL);
}

static void test_consensus_refuses_fakes(void) {
    /* Node 2 builds a long valid chain (12 blocks over node 0's); node 1
     * asks a fake peer that serves broken copies of it. */
    for (int k = 0; k < 12; k++) {
        res r = req_n("POST", 2, "/mine", NULL, NULL, 0, "application/json");
        CHECK_INT_EQ(r.status, 201);
        buf_cleanup(&r.body);
    }
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                            0, NULL, NULL, fake_access, NULL, MHD_OPTION_END);
    CHECK(d != NULL);
    char fake_url[64];
    snprintf(fake_url, sizeof fake_url, "http://127.0.0.1:%u",
             MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
    char body[128];
    snprintf(body, sizeof body, "{\"node\": \"%s\"}", fake_url);
    res r = post_json(1, "/register_node", body);
    CHECK_INT_EQ(r.status, 201);
    buf_cleanup(&r.body);
    /* Catch up with node 0 first, so that only the fake could change the tip. */
    fake_body = xstrdup("{}");
    r = req_n("POST", 1, "/consensus", NULL, NULL, 0, "application/json");
    buf_cleanup(&r.body);
    char tip_before[65];
    tip_of(1, tip_before);
    const struct { const char *name, *reason; } kinds[] = {
        {"broken link", "chain_link"}, {"wrong hash", "blk_hash"}, {"no proof of work", "blk_pow"},
        {"foreign genesis", "chain_genesis"}, {"not a chain", "chain_malformed"},
        {"blocks out of order", "chain_link"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        cJSON *root;
        cJSON *list = chain_json(2, &root);
        CHECK(cJSON_GetArraySize(list) >= 13);
        switch (k) {
        case 0: cJSON_DeleteItemFromArray(list, 4); break; /* a gap: 4 links to 3 */
        case 1: {
            cJSON *b = cJSON_GetArrayItem(list, 6);
            cJSON_ReplaceItemInObject(b, "hash", cJSON_CreateString(
                "0000000000000000000000000000000000000000000000000000000000000000"));
            break;
        }
        case 2: { /* new contents, honest hash, no proof of work */
            cJSON *b = cJSON_GetArrayItem(list, 6);
            cJSON_ReplaceItemInObject(b, "proof", cJSON_CreateNumber(1));
            cJSON_DeleteItemFromObject(b, "hash");
            break;
        }
        case 3: { /* the classic genesis instead of ours */
            cJSON_ReplaceItemInArray(list, 0, cJSON_Parse(
                "{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, \"transactions\": []}"));
            break;
        }
        case 4:
            cJSON_Delete(root);
            root = cJSON_Parse("{\"blocks\": []}");
            break;
        case 5: { /* blocks 4 and 5 swapped */
            cJSON *b4 = cJSON_Duplicate(cJSON_GetArrayItem(list, 3), true);
            cJSON *b5 = cJSON_Duplicate(cJSON_GetArrayItem(list, 4), true);
            cJSON_ReplaceItemInArray(list, 3, b5);
            cJSON_ReplaceItemInArray(list, 4, b4);
            break;
        }
        }
        serve(root);
        cJSON_Delete(root);
        r = req_n("POST", 1, "/consensus", NULL, NULL, 0, "application/json");
        CHECK_INT_EQ(r.status, 200);
        cJSON *o = hc_json(&r);
        CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "replaced")));
        bool ok = false;
        const cJSON *rej;
        cJSON_ArrayForEach(rej, cJSON_GetObjectItemCaseSensitive(o, "rejected"))
            ok |= strcmp(hc_str(rej, "reason"), kinds[k].reason) == 0 && strcmp(hc_str(rej, "node"), fake_url) == 0;
        if (!ok) fprintf(stderr, "  %s: %s\n", kinds[k].name, r.body.data);
        cJSON_Delete(o);
        buf_cleanup(&r.body);
        CHECK(ok);
        char tip_after[65];
        tip_of(1, tip_after);
        CHECK_STR_EQ(tip_after, tip_before);
    }
    MHD_stop_daemon(d);
    /* An unreachable peer now: a refusal with curl's reason, quickly. */
    r = req_n("POST", 1, "/consensus", NULL, NULL, 0, "application/json");
    CHECK_INT_EQ(r.status, 200);
    CHECK(strstr(r.body.data, "\"unreachable\"") != NULL);
    CHECK(strstr(r.body.data, fake_url) != NULL);
    buf_cleanup(&r.body);
    free(fake_body);
    fake_body = NULL;
    /* And the honest chain is still adopted once node 2 is a peer. */
    char me[128];
    snprintf(me, sizeof me, "node=%s", http_server_url(H, 2));
    r = post_form(1, "/register_node", me);
    buf_cleanup(&r.body);
    r = req_n("POST", 1, "/consensus", NULL, NULL, 0, "application/json");
    CHECK(strstr(r.body.data, "\"replaced\": true") != NULL);
    buf_cleanup(&r.body);
}

static void test_relay_between_nodes(void) {
    /* Node 0 pushes a block to node 2 as another process would. */
    char tip2[65];
    tip_of(2, tip2);
    char path[128];
    snprintf(path, sizeof path, "/block/%s", tip2);
    res r = get(2, path);
    cJSON *o = hc_json(&r);
    buf block_text; /* canonical: cJSON's printer rounds a proof past 10^15 */
    buf_init(&block_text);
    CHECK_INT_EQ(canon_write_json(&block_text, cJSON_GetObjectItemCaseSensitive(o, "block"), NULL, NULL), CS_OK);
    cJSON_Delete(o);
    buf_cleanup(&r.body);
    r = post_json(0, "/relay/block", block_text.data);
    CHECK_INT_EQ(r.status, 202);
    buf_cleanup(&r.body);
    buf_cleanup(&block_text);
    r = post_json(0, "/relay/tx", "{\"amount\": 3, \"id\": \"relayed-1\", \"receiver\": \"bob\", "
                                  "\"sender\": \"alice\", \"timestamp\": 1}");
    CHECK_INT_EQ(r.status, 202);
    CHECK(strstr(r.body.data, "relayed-1") != NULL);
    buf_cleanup(&r.body);
}

static const test_case cases[] = {
    TEST(test_chain_genesis),
    TEST(test_add_tx_json),
    TEST(test_add_tx_form_redirects),
    TEST(test_form_refusal_shows_page),
    TEST(test_form_refusal_page_is_utf8),
    TEST(test_mine),
    TEST(test_balances),
    TEST(test_block_lookup),
    TEST(test_register_consensus_nodes),
    TEST(test_status),
    TEST(test_page_and_static),
    TEST(test_bad_input_battery),
    TEST(test_truncated_body),
    TEST(test_event_stream),
    TEST(test_consensus_refuses_fakes),
    TEST(test_relay_between_nodes),
    {0},
};

int main(int argc, char **argv) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    setup();
    int rc = check__run(cases, argc, argv);
    teardown();
    curl_global_cleanup();
    return rc;
}
