/* test_presets.c - network presets against the data file they come from,
 * the scenario's "network", "hash_power", "relay" and topology fields, and
 * what sim/netmodel deals each node of a run (regions, bandwidth, outbound
 * degrees, hash power and pools). Run from the project root (ctest does). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/netmodel.h"
#include "scenario/presets.h"
#include "scenario/scenario.h"
#include "sim/sim.h"

#define PRESETS_FILE "assets/network-presets.json"

static char why[1024];

/* Scenario text with single quotes for double quotes; aborts if refused. */
static void parse(scenario *s, const char *json) {
    char *text = strdup(json);
    for (char *p = text; *p; p++)
        if (*p == '\'') *p = '"';
    if (scenario_parse(s, "t.json", text, strlen(text), why, sizeof why) != CS_OK) {
        fprintf(stderr, "scenario refused: %s\n", why);
        abort();
    }
    free(text);
}

/* The error line for text that must be refused ("" if it was accepted). */
static const char *refusal(const char *json) {
    char *text = strdup(json);
    for (char *p = text; *p; p++)
        if (*p == '\'') *p = '"';
    scenario s;
    why[0] = '\0';
    if (scenario_parse(&s, "t.json", text, strlen(text), why, sizeof why) == CS_OK) {
        scenario_cleanup(&s);
        why[0] = '\0';
    }
    free(text);
    return why;
}

static cJSON *load_data_file(void) {
    FILE *f = fopen(PRESETS_FILE, "rb");
    if (!f) return NULL;
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    return cJSON_Parse(text);
}

static const cJSON *item(const cJSON *obj, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* ---- the presets against assets/network-presets.json ---- */

/* Compares one preset with the tables its composition entry names; returns
 * the number of mismatches (printed). */
static int preset_mismatches(const preset *p, const cJSON *data, const cJSON *entry) {
    int bad = 0;
    const char *lat_year = item(entry, "latency")->valuestring;
    const char *bw_year = item(entry, "bandwidth")->valuestring;
    const cJSON *regions = item(data, "regions");
    const cJSON *lat = item(item(data, "latency_ms"), lat_year);
    const cJSON *up = item(item(data, "upload_bps"), bw_year);
    const cJSON *down = item(item(data, "download_bps"), bw_year);
    const char *share_key = item(entry, "region_distribution")->valuestring;
    const char *cdf_key = item(entry, "outbound_degree_cdf")->valuestring;
    const cJSON *share = item(item(data, "region_distribution"), share_key);
    const cJSON *cdf = item(item(data, "outbound_degree_cdf"), cdf_key);
    if (!lat || !up || !down || !share || !cdf) {
        fprintf(stderr, "  %s: a table its entry names is missing\n", p->name);
        return 1;
    }
    if (cJSON_GetArraySize(regions) != p->n_regions ||
        cJSON_GetArraySize(cdf) != p->n_outbound_cdf) {
        fprintf(stderr, "  %s: region or degree count differs\n", p->name);
        return 1;
    }
    for (int r = 0; r < p->n_regions; r++) {
        if (strcmp(cJSON_GetArrayItem(regions, r)->valuestring, p->region_names[r]) != 0) bad++;
        const cJSON *row = cJSON_GetArrayItem(lat, r);
        for (int c = 0; c < p->n_regions; c++)
            if (cJSON_GetArrayItem(row, c)->valuedouble != p->latency_ms[r * p->n_regions + c]) {
                fprintf(stderr, "  %s: latency[%d][%d]\n", p->name, r, c);
                bad++;
            }
        if (cJSON_GetArrayItem(up, r)->valuedouble != (double)p->upload_bps[r]) bad++;
        if (cJSON_GetArrayItem(down, r)->valuedouble != (double)p->download_bps[r]) bad++;
        if (cJSON_GetArrayItem(share, r)->valuedouble != p->region_share[r]) bad++;
    }
    for (int k = 0; k < p->n_outbound_cdf; k++)
        if (cJSON_GetArrayItem(cdf, k)->valuedouble != p->outbound_cdf[k]) {
            fprintf(stderr, "  %s: outbound_cdf[%d]\n", p->name, k);
            bad++;
        }
    const cJSON *defaults = item(data, "simblock_defaults");
    if (item(defaults, "processing_ms")->valuedouble != p->processing_ms) bad++;
    return bad;
}

static void test_presets_match_data_file(void) {
    cJSON *data = load_data_file();
    CHECK(data != NULL);
    const cJSON *entries = item(data, "presets");
    CHECK(entries != NULL);
    CHECK_INT_EQ(cJSON_GetArraySize(entries), preset_count());
    for (const cJSON *e = entries->child; e; e = e->next) {
        const preset *p = preset_find(e->string);
        if (!p) {
            cJSON_Delete(data);
            CHECK_STR_EQ(e->string, "(a compiled-in preset)");
        }
        int bad = preset_mismatches(p, data, e);
        if (bad) cJSON_Delete(data);
        CHECK_INT_EQ(bad, 0);
    }
    /* The data file keeps its citation and the published results. */
    CHECK(item(data, "_about") && strstr(item(data, "_about")->valuestring, "SimBlock"));
    CHECK(item(item(item(data, "published_results"), "gervais_ccs2016_bitcoin_measured"),
               "median_block_propagation_s")->valuedouble == 8.7);
    cJSON_Delete(data);
}

static void test_preset_tables_sane(void) {
    CHECK(preset_find("bitcoin-2015") != NULL);
    CHECK(preset_find("bitcoin") == NULL);
    for (size_t i = 0; i < preset_count(); i++) {
        const preset *p = preset_at(i);
        double sum = 0;
        for (int r = 0; r < p->n_regions; r++) sum += p->region_share[r];
        CHECK_DBL_NEAR(sum, 1.0, 1e-9);
        CHECK_DBL_NEAR(p->outbound_cdf[p->n_outbound_cdf - 1], 1.0, 0);
        int n = p->n_regions;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) /* symmetric: one-way both ways */
                CHECK_INT_EQ(p->latency_ms[r * n + c], p->latency_ms[c * n + r]);
    }
    CHECK(preset_at(preset_count()) == NULL);
}

/* ---- "network" in a scenario ---- */

static void test_network_preset_parsed(void) {
    scenario s;
    parse(&s, "{'name': 'p', 'nodes': 10, 'network': {'preset': 'bitcoin-2019'}}");
    const preset *p = preset_find("bitcoin-2019");
    CHECK(s.network.on);
    CHECK_STR_EQ(s.network.preset, "bitcoin-2019");
    CHECK_INT_EQ(s.latency, LATENCY_REGIONS);
    CHECK_INT_EQ(s.n_regions, 6);
    CHECK_INT_EQ(s.region_latency_us[0 * 6 + 1], 124000); /* NA -> EU, 2019 */
    CHECK_INT_EQ(s.region_latency_us[3 * 6 + 4], 58000);  /* Asia-Pacific -> Japan */
    CHECK_INT_EQ(s.network.region_upload_bps[2], 5800000);
    CHECK_INT_EQ(s.network.region_download_bps[0], 52000000);
    CHECK_DBL_NEAR(s.network.region_share[1], 0.4998, 1e-12);
    CHECK_INT_EQ(s.processing_us, 2000);
    /* No topology given: the model's outbound degrees. */
    CHECK_INT_EQ(s.topology, TOPO_RANDOM_DEGREES);
    CHECK_INT_EQ(s.n_outbound_cdf, p->n_outbound_cdf);
    CHECK_DBL_NEAR(s.outbound_cdf[4], 0.2, 0);
    scenario_cleanup(&s);
    /* An explicit topology and processing time win over the preset's. */
    parse(&s, "{'name': 'p', 'nodes': 10, 'network': {'preset': 'dogecoin'},"
              " 'topology': {'type': 'small-world', 'k': 4, 'beta': 0.2},"
              " 'links': {'processing_ms': 0.5, 'loss': 0.01}}");
    CHECK_INT_EQ(s.topology, TOPO_SMALL_WORLD);
    CHECK_INT_EQ(s.topology_k, 4);
    CHECK_DBL_NEAR(s.topology_beta, 0.2, 0);
    CHECK(s.outbound_cdf == NULL);
    CHECK_INT_EQ(s.processing_us, 500);
    CHECK_DBL_NEAR(s.loss, 0.01, 0);
    scenario_cleanup(&s);
}

static void test_network_overrides_and_custom(void) {
    scenario s;
    parse(&s, "{'name': 'p', 'nodes': 4, 'network': {'preset': 'bitcoin-2015',"
              " 'upload_bps': [1, 2, 3, 4, 5, 0], 'region_share': [1, 1, 0, 0, 0, 2]}}");
    CHECK_INT_EQ(s.network.region_upload_bps[1], 2);
    CHECK_INT_EQ(s.network.region_download_bps[1], 24000000); /* still the preset's */
    CHECK_DBL_NEAR(s.network.region_share[0], 0.25, 1e-12);   /* normalised */
    CHECK_DBL_NEAR(s.network.region_share[5], 0.5, 1e-12);
    CHECK_INT_EQ(s.region_latency_us[0], 36000);
    scenario_cleanup(&s);
    /* A model of one's own: two regions, no shares (the nodes say where they are). */
    parse(&s, "{'name': 'c', 'nodes': [{'name': 'a'}, {'name': 'b', 'region': 1,"
              " 'upload_bps': 1000}], 'network': {'latency_ms': [[10, 100], [100, 20]],"
              " 'download_bps': [5000, 6000], 'outbound_cdf': [0.5, 1]}}");
    CHECK_INT_EQ(s.n_regions, 2);
    CHECK_INT_EQ(s.region_latency_us[1], 100000);
    CHECK(s.network.region_upload_bps == NULL);
    CHECK(s.network.region_share == NULL);
    CHECK_INT_EQ(s.nodes[1].upload_bps, 1000);
    CHECK(s.nodes[1].region_set && !s.nodes[0].region_set);
    CHECK_INT_EQ(s.processing_us, 0);
    CHECK_INT_EQ(s.topology, TOPO_RANDOM_DEGREES);
    scenario_cleanup(&s);
}

static void test_network_refusals(void) {
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {'preset': 'bitcon'}}"),
                 "t.json: $.network.preset: unknown preset \"bitcon\" (known: \"bitcoin-2015\", "
                 "\"bitcoin-2019\", \"litecoin\", \"dogecoin\")");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {'preset': 'litecoin'},"
                         " 'links': {'upload_bps': 10}}"),
                 "t.json: $.links.upload_bps: set by $.network (give it there)");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {}}"),
                 "t.json: $.network: needs a preset or latency_ms (a square matrix of region "
                 "latencies)");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {'preset': 'litecoin',"
                         " 'region_share': [1, 2]}}"),
                 "t.json: $.network.region_share: expected 6 numbers (one per region)");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {'preset': 'litecoin',"
                         " 'latency_ms': [[1, 2], [2, 1]]}}"),
                 "t.json: $.network.latency_ms: expected 6 regions (as the preset)");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {'preset': 'litecoin',"
                         " 'outbound_cdf': [0.5, 0.4, 1]}}"),
                 "t.json: $.network.outbound_cdf[1]: a cumulative distribution never decreases");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'network': {'preset': 'litecoin',"
                         " 'outbound_cdf': [0.5, 0.9]}}"),
                 "t.json: $.network.outbound_cdf[1]: the last cumulative probability must be 1");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': [{'name': 'a', 'region': 6}],"
                         " 'network': {'preset': 'litecoin'}}"),
                 "t.json: $.nodes[0].region: region 6 out of range ($.network has 6)");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'topology': {'type': 'small-world', 'k': 3}}"),
                 "t.json: $.topology.k: a small-world lattice needs an even k "
                 "(k/2 neighbours a side)");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'topology': {'type': 'ring', 'k': 3}}"),
                 "t.json: $.topology.k: only a \"random\", \"small-world\" or \"scale-free\" "
                 "topology takes k");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2,"
                         " 'topology': {'type': 'scale-free', 'beta': 0.1}}"),
                 "t.json: $.topology.beta: only a \"small-world\" topology takes beta");
    CHECK_STR_EQ(refusal("{'name': 'p', 'nodes': 2, 'topology': {'type': 'random', 'k': 2,"
                         " 'outbound_cdf': [1]}}"),
                 "t.json: $.topology: give either k or outbound_cdf");
}

/* ---- hash power and relay in a scenario ---- */

static void test_hash_power_and_relay_parsed(void) {
    scenario s;
    parse(&s, "{'name': 'h',"
              " 'nodes': [{'name': 'a'}, {'name': 'b', 'hash_power': 3}, {'name': 'c'}],"
              " 'hash_power': {'distribution': {'type': 'normal', 'mean': 400000, 'stdev': 100000},"
              "   'pools': [0.25, {'share': 0.5, 'node': 'c'}]},"
              " 'relay': {'compact': {'failure_rate': 0.13, 'announce': 'push', 'bytes': 18000}}}");
    CHECK_INT_EQ(s.hash_power.dist, HP_NORMAL);
    CHECK_DBL_NEAR(s.hash_power.a, 400000, 0);
    CHECK_DBL_NEAR(s.hash_power.b, 100000, 0);
    CHECK_INT_EQ(s.hash_power.n_pools, 2);
    CHECK_INT_EQ(s.hash_power.pools[0].node, -1);
    CHECK_DBL_NEAR(s.hash_power.pools[1].share, 0.5, 0);
    CHECK_INT_EQ(s.hash_power.pools[1].node, 2);
    CHECK(s.nodes[1].hash_power_set && !s.nodes[0].hash_power_set);
    CHECK_INT_EQ(s.relay.mode, NODE_RELAY_COMPACT);
    CHECK_DBL_NEAR(s.relay.compact_failure_rate, 0.13, 0);
    CHECK(s.relay.compact_push);
    CHECK_INT_EQ(s.relay.compact_bytes, 18000);
    scenario_cleanup(&s);
    parse(&s, "{'name': 'h', 'nodes': 3, 'hash_power': {'list': [1, 0, 2.5]}, 'relay': 'push'}");
    CHECK_DBL_NEAR(s.nodes[2].hash_power, 2.5, 0);
    CHECK(s.nodes[1].hash_power_set);
    CHECK_INT_EQ(s.relay.mode, NODE_RELAY_PUSH);
    scenario_cleanup(&s);
    parse(&s, "{'name': 'h', 'nodes': 3, 'relay': 'compact'}");
    CHECK_INT_EQ(s.relay.mode, NODE_RELAY_COMPACT);
    CHECK_DBL_NEAR(s.relay.compact_failure_rate, 0, 0);
    CHECK(!s.relay.compact_push);
    scenario_cleanup(&s);
    parse(&s, "{'name': 'h', 'nodes': 3}");
    CHECK_INT_EQ(s.relay.mode, NODE_RELAY_INV);
    CHECK_INT_EQ(s.hash_power.dist, HP_EQUAL);
    scenario_cleanup(&s);
}

static void test_hash_power_and_relay_refusals(void) {
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'hash_power': {'pools': [0.6, 0.5]}}"),
                 "t.json: $.hash_power.pools[1]: pools hold more than all hash power");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'hash_power': {'list': [1, 2]}}"),
                 "t.json: $.hash_power.list: expected 3 numbers (one per node)");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': [{'name': 'a', 'hash_power': 2}],"
                         " 'hash_power': {'list': [1]}}"),
                 "t.json: $.hash_power.list[0]: node \"a\" sets its own hash_power");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'hash_power': {'distribution':"
                         " {'type': 'zipf'}}}"),
                 "t.json: $.hash_power.distribution.type: expected \"normal\", \"exponential\", "
                 "\"uniform\" or \"pareto\"");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'hash_power': {'distribution':"
                         " {'type': 'exponential', 'mean': 1, 'stdev': 2}}}"),
                 "t.json: $.hash_power.distribution.stdev: unknown field");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'hash_power': {'distribution':"
                         " {'type': 'uniform', 'min': 5, 'max': 2}}}"),
                 "t.json: $.hash_power.distribution.max: max is less than min");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'hash_power': {'pools':"
                         " [{'share': 0.1, 'node': 1}, {'share': 0.1, 'node': 'node1'}]}}"),
                 "t.json: $.hash_power.pools[1].node: node is already pool 0");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'relay': 'flood'}"),
                 "t.json: $.relay: expected \"inv\", \"push\", \"compact\" or "
                 "{\"compact\": {...}}");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3, 'relay': {'compact': {'failure_rate': 1.5}}}"),
                 "t.json: $.relay.compact.failure_rate: expected a number >= 0 and <= 1");
    CHECK_STR_EQ(refusal("{'name': 'h', 'nodes': 3,"
                         " 'relay': {'compact': {'announce': 'headers'}}}"),
                 "t.json: $.relay.compact.announce: expected \"inv\" or \"push\"");
}

/* ---- netmodel: what each node of a run gets ---- */

/* Of n nodes dealt by a cdf, exactly round(n * cdf[k]) have a label <= k. */
static void test_deal_exact(void) {
    const preset *p = preset_find("bitcoin-2015");
    int n = 6000, *labels = malloc(sizeof(int) * (size_t)n);
    rng r;
    rng_seed(&r, 1, 1);
    netmodel_deal(labels, n, p->outbound_cdf, p->n_outbound_cdf, &r);
    for (int k = 0; k < p->n_outbound_cdf; k++) {
        int at_most = 0;
        for (int i = 0; i < n; i++) at_most += labels[i] <= k;
        CHECK_INT_EQ(at_most, (int)llround(n * p->outbound_cdf[k]));
    }
    /* Shuffled: the first 100 are not all the smallest label. */
    int first_zero = 0;
    for (int i = 0; i < 100; i++) first_zero += labels[i] == 0;
    CHECK(first_zero < 20);
    free(labels);
    /* Hand-sized: 3 nodes, shares 1/3 each -> one of each label. */
    const double thirds[] = {1.0 / 3, 2.0 / 3, 1};
    int three[3];
    netmodel_deal(three, 3, thirds, 3, &r);
    CHECK_INT_EQ(three[0] + three[1] + three[2], 0 + 1 + 2);
    CHECK(three[0] != three[1] && three[1] != three[2] && three[0] != three[2]);
}

static void test_netmodel_regions_and_bandwidth(void) {
    scenario s;
    parse(&s, "{'name': 'n', 'nodes': 6000, 'network': {'preset': 'bitcoin-2015'}}");
    const preset *p = preset_find("bitcoin-2015");
    netmodel a, b, c;
    netmodel_init(&a, &s, 7);
    netmodel_init(&b, &s, 7);
    netmodel_init(&c, &s, 8);
    int count[6] = {0};
    for (int i = 0; i < 6000; i++) {
        count[a.region[i]]++;
        CHECK_INT_EQ(a.upload_bps[i], p->upload_bps[a.region[i]]);
        CHECK_INT_EQ(a.download_bps[i], p->download_bps[a.region[i]]);
    }
    /* Exact shares: 0.3869 of 6000 = 2321.4 -> 2321; 0.5159 -> cumulative
     * 0.9028 = 5416.8 -> 5417, so 3096 in Europe; ... */
    CHECK_INT_EQ(count[0], 2321);
    CHECK_INT_EQ(count[1], 5417 - 2321);
    double cum = 0;
    int prev = 0;
    for (int k = 0; k < 6; k++) {
        cum += p->region_share[k];
        int upto = k == 5 ? 6000 : (int)llround(6000 * cum);
        CHECK_INT_EQ(count[k], upto - prev);
        prev = upto;
    }
    CHECK(memcmp(a.region, b.region, sizeof(int) * 6000) == 0);
    CHECK(memcmp(a.out_degree, b.out_degree, sizeof(int) * 6000) == 0);
    CHECK(memcmp(a.region, c.region, sizeof(int) * 6000) != 0);
    long degrees = 0;
    for (int i = 0; i < 6000; i++) {
        CHECK(a.out_degree[i] >= 1 && a.out_degree[i] <= 20);
        degrees += a.out_degree[i];
    }
    /* Mean outbound degree of the 2015 CDF: sum over k of (k+1) P(k+1) = 8.645. */
    CHECK_DBL_NEAR(degrees / 6000.0, 8.645, 0.01);
    netmodel_cleanup(&a);
    netmodel_cleanup(&b);
    netmodel_cleanup(&c);
    scenario_cleanup(&s);
    /* A node that names its region and bandwidth keeps them. */
    parse(&s, "{'name': 'n', 'nodes': [{'name': 'a', 'region': 4, 'download_bps': 77},"
              " {'name': 'b'}], 'network': {'preset': 'bitcoin-2019'}}");
    netmodel_init(&a, &s, 1);
    CHECK_INT_EQ(a.region[0], 4);
    CHECK_INT_EQ(a.download_bps[0], 77);
    CHECK_INT_EQ(a.upload_bps[0], 10200000); /* Japan, 2019 */
    netmodel_cleanup(&a);
    scenario_cleanup(&s);
    /* Without a network model: links' bandwidth, nodes' own regions. */
    parse(&s, "{'name': 'n', 'nodes': [{'name': 'a', 'upload_bps': 5}, {'name': 'b', 'region': 1}],"
              " 'links': {'latency_ms': {'regions': [[1, 2], [2, 1]]}, 'upload_bps': 9}}");
    netmodel_init(&a, &s, 1);
    CHECK_INT_EQ(a.upload_bps[0], 5);
    CHECK_INT_EQ(a.upload_bps[1], 9);
    CHECK_INT_EQ(a.region[1], 1);
    CHECK(a.out_degree == NULL);
    netmodel_cleanup(&a);
    scenario_cleanup(&s);
}

static void test_netmodel_hash_power(void) {
    scenario s;
    /* Normal draws: mean and spread of 20,000 nodes within a few standard errors. */
    parse(&s, "{'name': 'h', 'nodes': 20000, 'hash_power': {'distribution':"
              " {'type': 'normal', 'mean': 400000, 'stdev': 100000}}}");
    netmodel m;
    netmodel_init(&m, &s, 3);
    double sum = 0, sq = 0;
    for (int i = 0; i < 20000; i++) {
        sum += m.hash_power[i];
        sq += m.hash_power[i] * m.hash_power[i];
    }
    double mean = sum / 20000, sd = sqrt(sq / 20000 - mean * mean);
    CHECK_DBL_NEAR(mean, 400000, 3000);  /* standard error 707 */
    CHECK_DBL_NEAR(sd, 100000, 3000);
    netmodel_cleanup(&m);
    scenario_cleanup(&s);
    /* Pools take their shares of the total; the others keep their ratios. */
    parse(&s, "{'name': 'h',"
              " 'nodes': [{'name': 'a', 'hash_power': 1}, {'name': 'b', 'hash_power': 3},"
              " {'name': 'c'}, {'name': 'd'}, {'name': 'e'}],"
              " 'hash_power': {'pools': [{'share': 0.5, 'node': 'e'}, 0.2]}}");
    netmodel_init(&m, &s, 5);
    double total = 0;
    int pool2 = -1;
    for (int i = 0; i < 5; i++) total += m.hash_power[i];
    for (int i = 0; i < 4; i++)
        if (fabs(m.hash_power[i] / total - 0.2) < 1e-12) pool2 = i;
    CHECK_DBL_NEAR(m.hash_power[4] / total, 0.5, 1e-12);
    CHECK(pool2 >= 0);
    /* Non-pools: a 1, b 3, c 1, d 1 minus the drawn pool, in 30% of the total. */
    double rest = 0;
    for (int i = 0; i < 4; i++)
        if (i != pool2) rest += m.hash_power[i];
    CHECK_DBL_NEAR(rest / total, 0.3, 1e-12);
    if (pool2 != 1 && pool2 != 0) CHECK_DBL_NEAR(m.hash_power[1] / m.hash_power[0], 3, 1e-12);
    netmodel_cleanup(&m);
    scenario_cleanup(&s);
    /* Pools that hold everything leave the others nothing. */
    parse(&s, "{'name': 'h', 'nodes': 4, 'hash_power': {'pools': [0.75, 0.25]}}");
    netmodel_init(&m, &s, 5);
    int zero = 0;
    for (int i = 0; i < 4; i++) zero += m.hash_power[i] == 0;
    CHECK_INT_EQ(zero, 2);
    netmodel_cleanup(&m);
    scenario_cleanup(&s);
}

/* A preset scenario builds a sim whose links are the dealt outbound degrees:
 * every pick is one link (no merges), so peers add up to twice the picks. */
static void test_sim_uses_model(void) {
    scenario s;
    parse(&s, "{'name': 'm', 'nodes': 500, 'network': {'preset': 'litecoin'}}");
    netmodel m;
    netmodel_init(&m, &s, s.seed);
    long picks = 0;
    for (int i = 0; i < 500; i++) picks += m.out_degree[i];
    char err[256];
    sim *x = sim_new(&(sim_desc){.scn = &s}, err, sizeof err);
    CHECK(x != NULL);
    long peers = 0;
    for (int i = 0; i < 500; i++) {
        const int *ids;
        size_t n = node_peer_list(sim_node(x, i), &ids);
        peers += (long)n;
        CHECK((int)n >= m.out_degree[i]);
    }
    CHECK_INT_EQ(peers, 2 * picks);
    sim_free(x);
    netmodel_cleanup(&m);
    scenario_cleanup(&s);
}

static const test_case cases[] = {
    TEST(test_presets_match_data_file),
    TEST(test_preset_tables_sane),
    TEST(test_network_preset_parsed),
    TEST(test_network_overrides_and_custom),
    TEST(test_network_refusals),
    TEST(test_hash_power_and_relay_parsed),
    TEST(test_hash_power_and_relay_refusals),
    TEST(test_deal_exact),
    TEST(test_netmodel_regions_and_bandwidth),
    TEST(test_netmodel_hash_power),
    TEST(test_sim_uses_model),
    {0},
};

TEST_MAIN(cases)
