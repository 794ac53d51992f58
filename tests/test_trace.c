/* test_trace.c - the --trace JSON Lines and the strings in them.
 *
 * A run whose transaction ids and node names hold `"` and `\` (both allowed:
 * an id is printable ASCII, a name any UTF-8 without controls) is traced and
 * reported; every line of the trace, and the report, must parse back as JSON
 * and give the very strings that went in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "sim_fixture.h"
#include "out/report.h"
#include "out/trace.h"
#include "util/file.h"

#define QUOTED_ID "id \"quoted\" \\ back\\slash"
#define QUOTED_NAME "al\"ice\\"

/* alice (named with a quote and a backslash) pays bob twice, once with the
 * id above and once with an id of the node's making, then mines both. */
static const char *const quoted_scenario =
    "{'name': 'quotes', 'nodes': [{'name': 'al\\\"ice\\\\'}, {'name': 'b\\\\ob\\\"'}],"
    " 'topology': 'mesh', 'links': {'latency_ms': 5},"
    " 'chain': {'difficulty': 4, 'genesis': {'balances': {'al\\\"ice\\\\': 100}}},"
    " 'events': [{'at': 1, 'do': 'mine', 'node': 'al\\\"ice\\\\'}], 'duration_s': 5}";

/* The whole file, NUL-terminated (NULL if it cannot be read). */
static char *read_whole(const char *path) {
    char *text = NULL;
    size_t len = 0;
    return file_read_all(path, 1 << 26, &text, &len) == 0 ? text : NULL;
}

static void test_trace_escapes_ids_and_names(void) {
    scenario scn;
    fx_scenario(&scn, quoted_scenario);
    CHECK_STR_EQ(scn.nodes[0].name, QUOTED_NAME);
    sim *s = fx_sim(&scn, SIM_VIRTUAL);
    char dir[] = "/tmp/test_trace.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char trace_path[64], report_path[64];
    snprintf(trace_path, sizeof trace_path, "%s/t.jsonl", dir);
    snprintf(report_path, sizeof report_path, "%s/r.json", dir);
    trace tr = {0};
    CHECK_INT_EQ(trace_open(&tr, trace_path), CS_OK);
    sim_add_sink(s, trace_sink, &tr);
    metrics *m = metrics_attach(s);
    for (int i = 0; i < 2; i++) {
        node_cmd *cmd = node_cmd_new(CMD_ADD_TX);
        cmd->from = xstrdup(QUOTED_NAME);
        cmd->to = xstrdup(scn.nodes[1].name);
        cmd->amount = 10 + i;
        cmd->id = i == 0 ? xstrdup(QUOTED_ID) : NULL;
        sim_command(s, 0, cmd);
    }
    CHECK_INT_EQ(sim_run(s), CS_OK);
    CHECK_INT_EQ(trace_close(&tr), CS_OK);
    metrics_finish(m, sim_end_us(s));

    /* Every line is one JSON object; the quoted id is there as given, at
     * both nodes (alice accepts it from the command, bob from gossip), and
     * the id alice made from her name is there too. */
    char *text = read_whole(trace_path);
    CHECK(text != NULL);
    size_t lines = 0, quoted_accepted = 0, named_accepted = 0;
    char named_prefix[32];
    snprintf(named_prefix, sizeof named_prefix, "%s-", QUOTED_NAME);
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CHECK(nl != NULL);
        *nl = '\0';
        lines++;
        cJSON *o = cJSON_Parse(line);
        if (!o) CHECK_FAIL_("trace line %zu is not JSON: %s", lines, line);
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "ev");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "tx");
        if (cJSON_IsString(ev) && strcmp(ev->valuestring, "tx_accepted") == 0 && cJSON_IsString(id)) {
            quoted_accepted += strcmp(id->valuestring, QUOTED_ID) == 0;
            named_accepted += strncmp(id->valuestring, named_prefix, strlen(named_prefix)) == 0;
        }
        cJSON_Delete(o);
    }
    CHECK(lines > 10);
    CHECK_INT_EQ(quoted_accepted, 2);
    CHECK_INT_EQ(named_accepted, 2);
    free(text);

    /* The report names the nodes as the scenario did. */
    size_t n_failed = 0;
    expect_result *res = report_check(s, m, &n_failed);
    CHECK_INT_EQ(report_write_json(report_path, s, m, res), CS_OK);
    free(res);
    text = read_whole(report_path);
    cJSON *report = cJSON_Parse(text);
    free(text);
    CHECK(report != NULL);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(report, "final_nodes");
    CHECK_INT_EQ(cJSON_GetArraySize(nodes), 2);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(nodes, 0), "name")->valuestring,
                 QUOTED_NAME);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(nodes, 1), "name")->valuestring,
                 "b\\ob\"");
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(report, "metrics"),
                                                  "tx_confirmed")->valuedouble, 2);
    cJSON_Delete(report);

    unlink(trace_path);
    unlink(report_path);
    rmdir(dir);
    metrics_free(m);
    sim_free(s);
    scenario_cleanup(&scn);
}

static const test_case cases[] = {
    TEST(test_trace_escapes_ids_and_names),
    {0},
};

TEST_MAIN(cases)
