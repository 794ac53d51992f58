/* test_scenario.c - scenario files: parsing, defaults, conversions, and the
 * battery of malformed files in tests/scenarios_bad (each NAME.json has the
 * exact error line in NAME.expected). Run from the project root (ctest does). */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "scenario/scenario.h"

#define BAD_DIR "tests/scenarios_bad"

static char msg[1024];

/* Parses text that must be valid; on failure the message is the reason. */
static bool parse_ok(scenario *s, const char *text) {
    msg[0] = '\0';
    cs_err e = scenario_parse(s, "t.json", text, strlen(text), msg, sizeof msg);
    if (e != CS_OK) fprintf(stderr, "  unexpected error: %s\n", msg);
    return e == CS_OK;
}

static cs_err parse_err(const char *text) {
    scenario s;
    memset(&s, 0x5a, sizeof s);
    msg[0] = '\0';
    cs_err e = scenario_parse(&s, "t.json", text, strlen(text), msg, sizeof msg);
    const unsigned char *p = (const unsigned char *)&s;
    for (size_t i = 0; i < sizeof s; i++)
        if (p[i] != 0x5a) return (cs_err)-1; /* *out was touched */
    return e;
}

static void test_minimal_defaults(void) {
    scenario s;
    CHECK(parse_ok(&s, "{\"name\": \"m\", \"nodes\": 3}"));
    CHECK_STR_EQ(s.path, "t.json");
    CHECK_STR_EQ(s.name, "m");
    CHECK(s.description == NULL);
    CHECK_INT_EQ(s.seed, 1);
    CHECK_INT_EQ(s.n_nodes, 3);
    CHECK_STR_EQ(s.nodes[0].name, "node0");
    CHECK_STR_EQ(s.nodes[2].name, "node2");
    CHECK_DBL_NEAR(s.nodes[1].hash_power, 1.0, 0);
    CHECK_INT_EQ(s.nodes[1].region, 0);
    CHECK_INT_EQ(s.topology, TOPO_MESH);
    CHECK_INT_EQ(s.topology_k, 8);
    CHECK_INT_EQ(s.latency, LATENCY_FIXED);
    CHECK_INT_EQ(s.latency_us, 50000);
    CHECK_INT_EQ(s.upload_bps, 0);
    CHECK_INT_EQ(s.download_bps, 0);
    CHECK_DBL_NEAR(s.loss, 0, 0);
    CHECK_INT_EQ(s.processing_us, 0);
    CHECK_INT_EQ(s.params.difficulty, 16);
    CHECK_INT_EQ(s.params.reward, 50);
    CHECK_INT_EQ(s.params.block_interval_us, 600000000);
    CHECK_INT_EQ(s.params.ledger, LEDGER_STRICT);
    CHECK(!s.genesis_classic);
    CHECK_INT_EQ(s.n_genesis, 0);
    CHECK_INT_EQ(s.mining, NODE_MINING_MANUAL);
    CHECK(s.gossip);
    CHECK_INT_EQ(s.block_bytes, 0);
    CHECK_INT_EQ(s.duration_us, 0);
    CHECK_INT_EQ(s.stop_height, 0);
    CHECK_DBL_NEAR(s.traffic.tx_per_s, 0, 0);
    CHECK_INT_EQ(s.n_events, 0);
    CHECK_INT_EQ(s.n_expects, 0);
    scenario_cleanup(&s);
    CHECK(s.name == NULL && s.nodes == NULL);
    scenario_cleanup(&s); /* a cleaned scenario may be cleaned again */
}

static void test_all_fields(void) {
    static const char text[] =
        "{\"name\": \"full\", \"description\": \"d\", \"seed\": 0,\n"
        " \"nodes\": [{\"name\": \"zed\", \"hash_power\": 2.5}, {\"name\": \"alice\", \"region\": 1},\n"
        "           {\"name\": \"bob\", \"hash_power\": 0}],\n"
        " \"topology\": {\"type\": \"random\", \"k\": 2},\n"
        " \"links\": {\"latency_ms\": {\"min\": 10, \"max\": 100.5}, \"upload_bps\": 8000000,\n"
        "           \"download_bps\": 20000000, \"loss\": 0.01, \"processing_ms\": 2.5},\n"
        " \"chain\": {\"difficulty\": 20, \"block_interval_s\": 0.25, \"reward\": 7,\n"
        "           \"genesis\": {\"balances\": {\"zed\": 3, \"alice\": 100, \"bob\": 1}},\n"
        "           \"ledger\": \"open\", \"block_bytes\": 1000000},\n"
        " \"mining\": \"race\", \"gossip\": false, \"duration_s\": 3600, \"stop\": {\"height\": 10},\n"
        " \"traffic\": {\"tx_per_s\": 2, \"max_amount\": 4, \"start_s\": 1.5}}";
    scenario s;
    CHECK(parse_ok(&s, text));
    CHECK_STR_EQ(s.description, "d");
    CHECK_INT_EQ(s.seed, 0);
    CHECK_INT_EQ(s.n_nodes, 3);
    CHECK_STR_EQ(s.nodes[0].name, "zed");
    CHECK_DBL_NEAR(s.nodes[0].hash_power, 2.5, 0);
    CHECK_INT_EQ(s.nodes[1].region, 1);
    CHECK_DBL_NEAR(s.nodes[2].hash_power, 0, 0);
    CHECK_INT_EQ(s.topology, TOPO_RANDOM);
    CHECK_INT_EQ(s.topology_k, 2);
    CHECK_INT_EQ(s.latency, LATENCY_UNIFORM);
    CHECK_INT_EQ(s.latency_us, 10000);
    CHECK_INT_EQ(s.latency_max_us, 100500);
    CHECK_INT_EQ(s.upload_bps, 8000000);
    CHECK_INT_EQ(s.download_bps, 20000000);
    CHECK_DBL_NEAR(s.loss, 0.01, 0);
    CHECK_INT_EQ(s.processing_us, 2500);
    CHECK_INT_EQ(s.params.difficulty, 20);
    CHECK_INT_EQ(s.params.block_interval_us, 250000);
    CHECK_INT_EQ(s.params.reward, 7);
    CHECK_INT_EQ(s.params.ledger, LEDGER_OPEN);
    CHECK_INT_EQ(s.block_bytes, 1000000);
    /* genesis balances come sorted by name */
    CHECK_INT_EQ(s.n_genesis, 3);
    CHECK_STR_EQ(s.genesis_names[0], "alice");
    CHECK_INT_EQ(s.genesis_amounts[0], 100);
    CHECK_STR_EQ(s.genesis_names[1], "bob");
    CHECK_INT_EQ(s.genesis_amounts[1], 1);
    CHECK_STR_EQ(s.genesis_names[2], "zed");
    CHECK_INT_EQ(s.genesis_amounts[2], 3);
    CHECK_INT_EQ(s.mining, NODE_MINING_RACE);
    CHECK(!s.gossip);
    CHECK_INT_EQ(s.duration_us, 3600000000LL);
    CHECK_INT_EQ(s.stop_height, 10);
    CHECK_DBL_NEAR(s.traffic.tx_per_s, 2, 0);
    CHECK_INT_EQ(s.traffic.max_amount, 4);
    CHECK_INT_EQ(s.traffic.start_us, 1500000);
    scenario_cleanup(&s);
}

/* Seconds and milliseconds become exact microseconds. */
static void test_time_conversion(void) {
    static const char text[] =
        "{\"name\": \"t\", \"nodes\": 1, \"links\": {\"latency_ms\": 0.5}, \"events\": [\n"
        " {\"at\": 0.5, \"do\": \"heal\"}, {\"at\": 0.1, \"do\": \"heal\"},\n"
        " {\"at\": 0.000001, \"do\": \"heal\"}, {\"at\": 1.25, \"do\": \"heal\"},\n"
        " {\"at\": 3600, \"do\": \"heal\"}, {\"at\": 0, \"do\": \"heal\"},\n"
        " {\"at\": 7, \"do\": \"links\", \"latency_ms\": 12.5}]}";
    scenario s;
    CHECK(parse_ok(&s, text));
    CHECK_INT_EQ(s.latency_us, 500);
    CHECK_INT_EQ(s.n_events, 7);
    CHECK_INT_EQ(s.events[0].at_us, 0);
    CHECK_INT_EQ(s.events[1].at_us, 1);
    CHECK_INT_EQ(s.events[2].at_us, 100000);
    CHECK_INT_EQ(s.events[3].at_us, 500000);
    CHECK_INT_EQ(s.events[4].at_us, 1250000);
    CHECK_INT_EQ(s.events[5].at_us, 7000000);
    CHECK_INT_EQ(s.events[6].at_us, 3600000000LL);
    CHECK(s.events[5].set_latency && !s.events[5].set_loss);
    CHECK_INT_EQ(s.events[5].latency_us, 12500);
    scenario_cleanup(&s);
}

/* Equal times keep file order; the sort moves whole events. */
static void test_events_sorted_stably(void) {
    static const char text[] =
        "{\"name\": \"t\", \"nodes\": 4, \"events\": [\n"
        " {\"at\": 5, \"do\": \"mine\", \"node\": 0},\n"
        " {\"at\": 1, \"do\": \"mine\", \"node\": 1},\n"
        " {\"at\": 5, \"do\": \"crash\", \"node\": 2},\n"
        " {\"at\": 0.5, \"do\": \"tx\", \"node\": 3, \"from\": \"a\", \"to\": \"b\", \"amount\": -4},\n"
        " {\"at\": 1, \"do\": \"resolve\", \"node\": 3},\n"
        " {\"at\": 5, \"do\": \"restart\", \"node\": 1}]}";
    static const struct {
        int64_t at_us;
        scn_event_kind kind;
        int node;
    } want[] = {{500000, SCN_TX, 3},     {1000000, SCN_MINE, 1},    {1000000, SCN_RESOLVE, 3},
                {5000000, SCN_MINE, 0},  {5000000, SCN_CRASH, 2},   {5000000, SCN_RESTART, 1}};
    scenario s;
    CHECK(parse_ok(&s, text));
    CHECK_INT_EQ(s.n_events, 6);
    for (size_t i = 0; i < 6; i++) {
        CHECK_INT_EQ(s.events[i].at_us, want[i].at_us);
        CHECK_INT_EQ(s.events[i].kind, want[i].kind);
        CHECK_INT_EQ(s.events[i].node, want[i].node);
    }
    CHECK_STR_EQ(s.events[0].from, "a");
    CHECK_STR_EQ(s.events[0].to, "b");
    CHECK_INT_EQ(s.events[0].amount, -4);
    scenario_cleanup(&s);
}

/* A node is named by its name or its index, wherever nodes are referenced. */
static void test_node_references(void) {
    static const char text[] =
        "{\"name\": \"t\", \"nodes\": [{\"name\": \"alice\"}, {\"name\": \"bob\"}, {\"name\": \"7\"}],\n"
        " \"topology\": {\"type\": \"edges\", \"edges\": [[\"alice\", \"bob\"], [0, 2], [\"7\", 1]]},\n"
        " \"events\": [{\"at\": 0, \"do\": \"register\", \"node\": 1, \"peers\": [\"alice\", 2]},\n"
        "            {\"at\": 0, \"do\": \"mine\", \"node\": \"7\"},\n"
        "            {\"at\": 0, \"do\": \"hash_power\", \"node\": \"bob\", \"value\": 0.5},\n"
        "            {\"at\": 0, \"do\": \"hash_power\", \"value\": 0}],\n"
        " \"expect\": {\"balances\": [{\"node\": 2, \"account\": \"bob\", \"min\": 1}],\n"
        "            \"node_height\": [{\"node\": \"bob\", \"max\": 9}]}}";
    static const int edges[] = {0, 1, 0, 2, 2, 1};
    scenario s;
    CHECK(parse_ok(&s, text));
    CHECK_INT_EQ(s.topology, TOPO_EDGES);
    CHECK_INT_EQ(s.n_edges, 3);
    for (size_t i = 0; i < 6; i++) CHECK_INT_EQ(s.edges[i], edges[i]);
    CHECK_INT_EQ(s.events[0].kind, SCN_REGISTER);
    CHECK_INT_EQ(s.events[0].node, 1);
    CHECK_INT_EQ(s.events[0].n_peers, 2);
    CHECK_INT_EQ(s.events[0].peers[0], 0);
    CHECK_INT_EQ(s.events[0].peers[1], 2);
    CHECK_INT_EQ(s.events[1].node, 2);
    CHECK_INT_EQ(s.events[2].node, 1);
    CHECK_DBL_NEAR(s.events[2].hash_power, 0.5, 0);
    CHECK_INT_EQ(s.events[3].node, -1); /* no node: every node */
    CHECK_INT_EQ(s.expects[0].node, 2);
    CHECK_INT_EQ(s.expects[1].node, 1);
    CHECK_INT_EQ(scenario_node_index(&s, "bob"), 1);
    CHECK_INT_EQ(scenario_node_index(&s, "7"), 2); /* a name wins over an index */
    CHECK_INT_EQ(scenario_node_index(&s, "2"), 2);
    CHECK_INT_EQ(scenario_node_index(&s, "0"), 0);
    CHECK_INT_EQ(scenario_node_index(&s, "3"), -1);
    CHECK_INT_EQ(scenario_node_index(&s, "-1"), -1);
    CHECK_INT_EQ(scenario_node_index(&s, "carol"), -1);
    CHECK_INT_EQ(scenario_node_index(&s, ""), -1);
    CHECK_INT_EQ(scenario_node_index(&s, "99999999999"), -1);
    scenario_cleanup(&s);
}

static void test_partition_groups(void) {
    static const char text[] =
        "{\"name\": \"t\", \"nodes\": 5, \"events\": [\n"
        " {\"at\": 1, \"do\": \"partition\", \"groups\": [[\"node3\", 4], [1]]},\n"
        " {\"at\": 2, \"do\": \"partition\", \"halves\": true},\n"
        " {\"at\": 3, \"do\": \"partition\", \"groups\": [[0, 1], [2, 3, 4]]},\n"
        " {\"at\": 4, \"do\": \"isolate\", \"node\": 2}, {\"at\": 5, \"do\": \"reconnect\", \"node\": 2}]}";
    static const int want[3][5] = {{2, 1, 2, 0, 0}, {0, 0, 1, 1, 1}, {0, 0, 1, 1, 1}};
    scenario s;
    CHECK(parse_ok(&s, text));
    for (int e = 0; e < 3; e++) {
        CHECK_INT_EQ(s.events[e].kind, SCN_PARTITION);
        CHECK_INT_EQ(s.events[e].node, -1);
        for (int i = 0; i < 5; i++) CHECK_INT_EQ(s.events[e].group_of_node[i], want[e][i]);
    }
    CHECK_INT_EQ(s.events[3].kind, SCN_ISOLATE);
    CHECK_INT_EQ(s.events[4].kind, SCN_RECONNECT);
    scenario_cleanup(&s);
}

static void test_expect_labels(void) {
    static const char text[] =
        "{\"name\": \"t\", \"nodes\": [{\"name\": \"alice\"}, {\"name\": \"bob\"}],\n"
        " \"expect\": {\"converged\": true, \"forks\": {\"min\": 1}, \"reorgs\": {\"min\": 1, \"max\": 5},\n"
        "  \"stale_rate\": {\"max\": 0.2}, \"height\": 3,\n"
        "  \"balances\": [{\"node\": \"alice\", \"account\": \"bob\", \"equals\": 5},\n"
        "               {\"node\": 1, \"account\": \"carol\", \"min\": 2, \"max\": 4}],\n"
        "  \"node_height\": [{\"node\": \"alice\", \"min\": 3}, {\"min\": 2}]}}";
    static const char *const labels[] = {
        "converged", "forks >= 1", "reorgs in [1, 5]", "stale_rate <= 0.2", "height == 3",
        "balance of bob at alice == 5", "balance of carol at bob in [2, 4]",
        "height of alice >= 3", "height of every node >= 2"};
    scenario s;
    CHECK(parse_ok(&s, text));
    CHECK_INT_EQ(s.n_expects, 9);
    for (size_t i = 0; i < 9; i++) CHECK_STR_EQ(s.expects[i].label, labels[i]);
    CHECK_INT_EQ(s.expects[0].kind, EXPECT_CONVERGED);
    CHECK(s.expects[0].bool_value);
    CHECK_INT_EQ(s.expects[1].kind, EXPECT_METRIC);
    CHECK_STR_EQ(s.expects[1].metric, "forks");
    CHECK(s.expects[1].has_min && !s.expects[1].has_max);
    CHECK_DBL_NEAR(s.expects[1].min, 1, 0);
    CHECK(s.expects[3].has_max && !s.expects[3].has_min);
    CHECK_DBL_NEAR(s.expects[3].max, 0.2, 0);
    CHECK(s.expects[4].has_min && s.expects[4].has_max);
    CHECK_DBL_NEAR(s.expects[4].min, 3, 0);
    CHECK_DBL_NEAR(s.expects[4].max, 3, 0);
    CHECK_INT_EQ(s.expects[5].kind, EXPECT_BALANCE);
    CHECK_INT_EQ(s.expects[5].node, 0);
    CHECK_STR_EQ(s.expects[5].account, "bob");
    CHECK_INT_EQ(s.expects[7].kind, EXPECT_HEIGHT);
    CHECK_INT_EQ(s.expects[7].node, 0);
    CHECK_INT_EQ(s.expects[8].node, -1);
    scenario_cleanup(&s);

    CHECK(parse_ok(&s, "{\"name\": \"t\", \"nodes\": 2, \"expect\": {\"converged\": false}}"));
    CHECK_INT_EQ(s.n_expects, 1);
    CHECK(!s.expects[0].bool_value);
    CHECK_STR_EQ(s.expects[0].label, "not converged");
    scenario_cleanup(&s);
}

static void test_regions_and_classic(void) {
    static const char text[] =
        "{\"name\": \"t\", \"nodes\": [{\"name\": \"a\", \"region\": 1}, {\"name\": \"b\"}],\n"
        " \"links\": {\"latency_ms\": {\"regions\": [[36, 119.5], [119, 12]]}},\n"
        " \"chain\": {\"genesis\": \"classic\", \"difficulty\": 16, \"ledger\": \"open\"}}";
    scenario s;
    CHECK(parse_ok(&s, text));
    CHECK_INT_EQ(s.latency, LATENCY_REGIONS);
    CHECK_INT_EQ(s.n_regions, 2);
    CHECK_INT_EQ(s.region_latency_us[0], 36000);
    CHECK_INT_EQ(s.region_latency_us[1], 119500);
    CHECK_INT_EQ(s.region_latency_us[2], 119000);
    CHECK_INT_EQ(s.region_latency_us[3], 12000);
    CHECK_INT_EQ(s.nodes[0].region, 1);
    CHECK(s.genesis_classic);
    CHECK_INT_EQ(s.params.ledger, LEDGER_OPEN);
    CHECK_INT_EQ(s.params.difficulty, 16);
    CHECK_INT_EQ(s.n_genesis, 0);
    scenario_cleanup(&s);

    /* "classic" alone forces the open ledger. */
    CHECK(parse_ok(&s, "{\"name\": \"c\", \"nodes\": 3, \"chain\": {\"genesis\": \"classic\"}}"));
    CHECK(s.genesis_classic);
    CHECK_INT_EQ(s.params.ledger, LEDGER_OPEN);
    scenario_cleanup(&s);
}

/* Syntax errors point at line:column (columns count characters). */
static void test_syntax_positions(void) {
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"{\n  \"name\": \"x\"\n  \"nodes\": 3\n}", "t.json:3:3: JSON syntax error near '\"'"},
        {"{\"a\": 1,}", "t.json:1:9: JSON syntax error near '}'"},
        {"{a: 1}", "t.json:1:2: JSON syntax error near 'a'"},
        {"{,}", "t.json:1:2: JSON syntax error near ','"},
        {"{\"a\": [1 2]}", "t.json:1:10: JSON syntax error near '2'"},
        {"{\"a\": 1} x", "t.json:1:10: JSON syntax error near 'x'"},
        {"{\"\xc3\xa9\xc3\xa9\": tru}", "t.json:1:8: JSON syntax error near 't'"},
        {"{\"a\": \xff}", "t.json:1:7: JSON syntax error near byte 0xff"},
        {"", "t.json:1:1: JSON syntax error: unexpected end of input"},
        {"  \n ", "t.json:2:2: JSON syntax error: unexpected end of input"},
        {"\xef\xbb\xbf{\"name\": \"bom\", \"nodes\": 1,}", "t.json:1:28: JSON syntax error near '}'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT_EQ(parse_err(cases[i].text), CS_EPARSE);
        CHECK_STR_EQ(msg, cases[i].want);
    }
    /* A NUL inside the text is an error at its position, not an end. */
    static const char with_nul[] = "{\"name\": \"x\",\0 \"nodes\": 1}";
    scenario s;
    CHECK_INT_EQ(scenario_parse(&s, "t.json", with_nul, sizeof with_nul - 1, msg, sizeof msg),
                 CS_EPARSE);
    CHECK_STR_EQ(msg, "t.json:1:14: JSON syntax error near byte 0x00");
    /* A byte-order mark is skipped. */
    CHECK(parse_ok(&s, "\xef\xbb\xbf{\"name\": \"bom\", \"nodes\": 1}"));
    scenario_cleanup(&s);
}

/* Messages stay one line whatever a key or name holds, and a short or
 * missing buffer is fine. */
static void test_messages(void) {
    CHECK_INT_EQ(parse_err("{\"name\": \"x\", \"nodes\": 1, \"a\\nb\": 1}"), CS_EINVAL);
    CHECK_STR_EQ(msg, "t.json: $[\"a\\x0ab\"]: unknown field");
    CHECK_INT_EQ(parse_err("{\"name\": \"x\", \"nodes\": 2, \"events\": [{\"at\": 0, \"do\": \"mine\", "
                           "\"node\": \"0123456789012345678901234567890123456789012345678901234\"}]}"),
                 CS_EINVAL);
    CHECK_STR_EQ(msg, "t.json: $.events[0].node: unknown node "
                      "\"012345678901234567890123456789012345678901234567...\"");
    char small[12];
    scenario s;
    CHECK_INT_EQ(scenario_parse(&s, "t.json", "{}", 2, small, sizeof small), CS_EINVAL);
    CHECK_STR_EQ(small, "t.json: $.n");
    CHECK_INT_EQ(scenario_parse(&s, "t.json", "{", 1, NULL, 0), CS_EPARSE);
    CHECK_INT_EQ(scenario_parse(&s, "t.json", "{}", 2, NULL, 0), CS_EINVAL);
}

static void test_load_errors(void) {
    scenario s;
    memset(&s, 0x5a, sizeof s);
    CHECK_INT_EQ(scenario_load(&s, BAD_DIR "/no-such-file.json", msg, sizeof msg), CS_EIO);
    CHECK_STR_EQ(msg, BAD_DIR "/no-such-file.json: cannot read: No such file or directory");
    CHECK_INT_EQ(scenario_load(&s, BAD_DIR, msg, sizeof msg), CS_EIO);
    CHECK_STR_EQ(msg, BAD_DIR ": cannot read: Is a directory");
    CHECK_INT_EQ(((unsigned char *)&s)[0], 0x5a);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool read_line(const char *path, char *out, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    if (ok) out[strcspn(out, "\n")] = '\0';
    return ok;
}

/* Every tests/scenarios_bad/NAME.json fails with exactly the line in
 * NAME.expected, with CS_EPARSE for syntax and CS_EINVAL for content, and
 * leaves *out untouched. */
static void test_bad_battery(void) {
    DIR *d = opendir(BAD_DIR);
    CHECK(d != NULL);
    char *names[256];
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d)) && n < 256;) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
            names[n++] = strndup(de->d_name, len - 5);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[512], exp_path[512], want[1024];
        snprintf(path, sizeof path, BAD_DIR "/%s.json", names[i]);
        snprintf(exp_path, sizeof exp_path, BAD_DIR "/%s.expected", names[i]);
        if (!read_line(exp_path, want, sizeof want)) {
            fprintf(stderr, "  %s: missing\n", exp_path);
            failures++;
            continue;
        }
        scenario s;
        memset(&s, 0x5a, sizeof s);
        msg[0] = '\0';
        cs_err e = scenario_load(&s, path, msg, sizeof msg);
        cs_err want_err = strstr(want, ": JSON syntax error") ? CS_EPARSE : CS_EINVAL;
        bool untouched = true;
        for (size_t b = 0; b < sizeof s; b++)
            if (((unsigned char *)&s)[b] != 0x5a) untouched = false;
        if (e != want_err || strcmp(msg, want) != 0 || !untouched) {
            fprintf(stderr, "  %s:\n    got      %d \"%s\"%s\n    expected %d \"%s\"\n", path, e,
                    msg, untouched ? "" : " (and *out was written)", want_err, want);
            failures++;
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    CHECK_INT_EQ(failures, 0);
    CHECK(n >= 40); /* the battery is there, not an empty directory */
}

static void test_shipped_scenarios(void) {
    scenario s;
    CHECK_INT_EQ(scenario_load(&s, "scenarios/three-nodes.json", msg, sizeof msg), CS_OK);
    CHECK_STR_EQ(s.name, "three-nodes");
    CHECK_INT_EQ(s.n_nodes, 3);
    CHECK_STR_EQ(s.nodes[2].name, "carol");
    CHECK_INT_EQ(s.topology, TOPO_NONE);
    CHECK(!s.gossip);
    CHECK_INT_EQ(s.latency_us, 5000);
    CHECK_INT_EQ(s.mining, NODE_MINING_MANUAL);
    CHECK_INT_EQ(s.n_genesis, 1);
    CHECK_STR_EQ(s.genesis_names[0], "alice");
    CHECK_INT_EQ(s.genesis_amounts[0], 100);
    CHECK_INT_EQ(s.n_events, 12);
    CHECK_INT_EQ(s.events[0].kind, SCN_REGISTER);
    CHECK_INT_EQ(s.events[2].node, 2);
    CHECK_INT_EQ(s.events[4].kind, SCN_MINE);
    CHECK_INT_EQ(s.events[7].amount, 1000);
    CHECK_INT_EQ(s.n_expects, 9);
    CHECK_STR_EQ(s.expects[5].label, "balance of bob at alice == 7");
    CHECK_STR_EQ(s.expects[6].label, "balance of carol at bob == 53");
    CHECK_STR_EQ(s.expects[7].label, "balance of alice at carol == 140");
    scenario_cleanup(&s);

    CHECK_INT_EQ(scenario_load(&s, "scenarios/fork-race.json", msg, sizeof msg), CS_OK);
    CHECK_INT_EQ(s.n_nodes, 4);
    CHECK_INT_EQ(s.topology, TOPO_MESH);
    CHECK_INT_EQ(s.latency_us, 200000);
    CHECK(s.gossip);
    CHECK_INT_EQ(s.n_events, 4);
    CHECK_INT_EQ(s.events[1].at_us, 1000000);
    CHECK_INT_EQ(s.events[2].at_us, 1000000);
    CHECK_INT_EQ(s.events[1].node, 0); /* alice, then dave: file order kept */
    CHECK_INT_EQ(s.events[2].node, 3);
    CHECK_INT_EQ(s.events[3].node, 1);
    scenario_cleanup(&s);

    CHECK_INT_EQ(scenario_load(&s, "scenarios/partition-heal.json", msg, sizeof msg), CS_OK);
    CHECK_INT_EQ(s.n_nodes, 10);
    CHECK_DBL_NEAR(s.nodes[4].hash_power, 3, 0);
    CHECK_DBL_NEAR(s.nodes[5].hash_power, 1, 0);
    CHECK_INT_EQ(s.topology, TOPO_RANDOM);
    CHECK_INT_EQ(s.topology_k, 3);
    CHECK_INT_EQ(s.mining, NODE_MINING_AUTO);
    CHECK_INT_EQ(s.params.block_interval_us, 30000000);
    CHECK_INT_EQ(s.events[0].kind, SCN_PARTITION);
    CHECK_INT_EQ(s.events[0].group_of_node[4], 0);
    CHECK_INT_EQ(s.events[0].group_of_node[5], 1);
    CHECK_INT_EQ(s.events[1].kind, SCN_HEAL);
    CHECK(s.events[1].at_us > s.events[0].at_us);
    CHECK_INT_EQ(s.events[2].kind, SCN_HASH_POWER);
    CHECK_INT_EQ(s.events[2].node, -1);
    CHECK_INT_EQ(s.events[3].node, 0);
    CHECK(s.events[4].at_us < s.duration_us);
    scenario_cleanup(&s);

    CHECK_INT_EQ(scenario_load(&s, "scenarios/busy-network.json", msg, sizeof msg), CS_OK);
    CHECK_INT_EQ(s.n_nodes, 50);
    CHECK_STR_EQ(s.nodes[49].name, "node49");
    CHECK_INT_EQ(s.topology_k, 4);
    CHECK_INT_EQ(s.latency, LATENCY_UNIFORM);
    CHECK_INT_EQ(s.latency_us, 20000);
    CHECK_INT_EQ(s.latency_max_us, 300000);
    CHECK_INT_EQ(s.upload_bps, 10000000);
    CHECK_INT_EQ(s.params.difficulty, 12);
    CHECK_INT_EQ(s.n_genesis, 10);
    CHECK_STR_EQ(s.genesis_names[9], "node9");
    CHECK_DBL_NEAR(s.traffic.tx_per_s, 1, 0);
    CHECK_DBL_NEAR(s.speed, 50, 0);
    CHECK_INT_EQ(s.duration_us, 720000000LL);
    CHECK_INT_EQ(s.n_expects, 4);
    CHECK_STR_EQ(s.expects[2].label, "stale_rate <= 0.2");
    scenario_cleanup(&s);
}

static void test_default_scenario(void) {
    scenario s;
    CHECK_INT_EQ(scenario_parse(&s, "(default)", scenario_default_json,
                                strlen(scenario_default_json), msg, sizeof msg),
                 CS_OK);
    CHECK_STR_EQ(s.name, "default");
    CHECK_INT_EQ(s.n_nodes, 8);
    CHECK_STR_EQ(s.nodes[0].name, "alice");
    CHECK_STR_EQ(s.nodes[7].name, "heidi");
    CHECK_INT_EQ(s.topology, TOPO_RANDOM);
    CHECK_INT_EQ(s.topology_k, 2);
    CHECK_INT_EQ(s.latency, LATENCY_UNIFORM);
    CHECK_INT_EQ(s.latency_us, 40000);
    CHECK_INT_EQ(s.latency_max_us, 200000);
    CHECK_INT_EQ(s.mining, NODE_MINING_AUTO);
    CHECK_INT_EQ(s.params.block_interval_us, 10000000);
    CHECK_INT_EQ(s.params.difficulty, 12);
    CHECK(s.n_genesis >= 2);
    CHECK_DBL_NEAR(s.traffic.tx_per_s, 0.5, 0);
    CHECK_INT_EQ(s.duration_us, 300000000);
    CHECK_INT_EQ(s.n_events, 5);
    CHECK_INT_EQ(s.events[0].kind, SCN_PARTITION);
    CHECK_INT_EQ(s.events[0].at_us, 60000000);
    CHECK_INT_EQ(s.events[0].group_of_node[3], 0);
    CHECK_INT_EQ(s.events[0].group_of_node[4], 1);
    CHECK_INT_EQ(s.events[1].kind, SCN_HEAL);
    CHECK_INT_EQ(s.events[1].at_us, 120000000);
    CHECK_INT_EQ(s.events[2].node, -1); /* everyone stops ... */
    CHECK_INT_EQ(s.events[3].node, 0);  /* ... but alice, in file order */
    CHECK_DBL_NEAR(s.events[3].hash_power, 8, 0);
    CHECK_INT_EQ(s.events[4].kind, SCN_HASH_POWER);
    CHECK_INT_EQ(s.events[4].at_us, 290000000);
    CHECK_INT_EQ(s.n_expects, 1);
    CHECK_INT_EQ(s.expects[0].kind, EXPECT_CONVERGED);
    scenario_cleanup(&s);
}

static const test_case cases[] = {
    TEST(test_minimal_defaults),
    TEST(test_all_fields),
    TEST(test_time_conversion),
    TEST(test_events_sorted_stably),
    TEST(test_node_references),
    TEST(test_partition_groups),
    TEST(test_expect_labels),
    TEST(test_regions_and_classic),
    TEST(test_syntax_positions),
    TEST(test_messages),
    TEST(test_load_errors),
    TEST(test_bad_battery),
    TEST(test_shipped_scenarios),
    TEST(test_default_scenario),
    {0},
};
TEST_MAIN(cases)
