/* test_sweep.c - parameter sweeps (sweep/sweep.h): points, paths, every
 * malformed sweep, the worker pool's determinism, the outputs read back,
 * and the stale rate climbing as the block interval shrinks.
 *
 * Known answers come from a 3-node mesh with manual mining (two blocks, one
 * per event): a block reaches both peers after inv, getdata and block, three
 * link latencies (0.15 s at 50 ms), and costs 8 messages (2 inv, 2 getdata,
 * 2 block from the miner, then each receiver's inv to the other). Files go
 * to a fresh directory under /tmp, removed at the end of each case.
 *
 * Run from the project root (ctest does): one case runs the shipped
 * scenarios/sweeps/stale-vs-interval.json. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sweep/sweep.h"

/* ---- helpers ----------------------------------------------------------- */

static char tmp_dir[64];

static void tmp_make(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_sweep.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        exit(1);
    }
}

/* Removes a directory and everything under it. */
static void tmp_remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) tmp_remove_dir(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void tmp_clean(void) { tmp_remove_dir(tmp_dir); }

static const char *tmp_path(char *out, size_t len, const char *name) {
    snprintf(out, len, "%s/%s", tmp_dir, name);
    return out;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* The whole of a file or stream, NUL-ended (free()); NULL if unreadable. */
static char *read_stream(FILE *f) {
    if (!f) return NULL;
    rewind(f);
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    size_t got;
    while ((got = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) s = realloc(s, cap *= 2);
    }
    s[len] = '\0';
    return s;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    char *s = read_stream(f);
    if (f) fclose(f);
    return s;
}

/* The 3-node scenario of the known answers; `rest` adds top-level fields
 * (the sweep). */
#define TINY_HEAD                                                                         \
    "{\"name\": \"tiny\", \"seed\": 5, \"nodes\": [{\"name\": \"a\"}, {\"name\": \"b\"}, " \
    "{\"name\": \"c\"}], \"topology\": \"mesh\", \"links\": {\"latency_ms\": 50}, "       \
    "\"chain\": {\"difficulty\": 4}, \"duration_s\": 100, "                               \
    "\"events\": [{\"at\": 1, \"do\": \"mine\", \"node\": \"a\"}, "                       \
    "{\"at\": 10, \"do\": \"mine\", \"node\": 1}], "                                      \
    "\"expect\": {\"converged\": true, \"height\": 3}"

static cs_err plan_text(sweep_plan *p, const char *text, char *msg, size_t len) {
    msg[0] = '\0';
    return sweep_plan_parse(p, "t.json", text, strlen(text), 0, msg, len);
}

/* TINY_HEAD + ", " + rest + "}" */
static cs_err plan_tiny(sweep_plan *p, const char *rest, char *msg, size_t len) {
    char text[4096];
    snprintf(text, sizeof text, "%s, %s}", TINY_HEAD, rest);
    return plan_text(p, text, msg, len);
}

/* ---- points ------------------------------------------------------------ */

static void test_metric_names(void) {
    /* the enum and the names follow METRIC_NAMES in the same order */
    CHECK_STR_EQ(sweep_metric_name(SWEEP_METRIC_blocks_mined), "blocks_mined");
    CHECK_STR_EQ(sweep_metric_name(SWEEP_METRIC_stale_rate), "stale_rate");
    CHECK_STR_EQ(sweep_metric_name(SWEEP_METRIC_distinct_tips), "distinct_tips");
    CHECK_INT_EQ(sweep_metric_index("propagation_mean_s"), SWEEP_METRIC_propagation_mean_s);
    CHECK_INT_EQ(sweep_metric_index("stale"), -1);
    for (int i = 0; i < SWEEP_N_METRICS; i++) {
        CHECK(metric_name_known(sweep_metric_name(i)));
        CHECK_INT_EQ(sweep_metric_index(sweep_metric_name(i)), i);
    }
}

static void test_point_order(void) {
    sweep_plan p;
    char msg[512], label[256];
    CHECK_INT_EQ(plan_tiny(&p, "\"sweep\": {\"vary\": {\"chain.block_interval_s\": [600, 60, 10], "
                               "\"chain.block_bytes\": [0, 1000]}, \"seeds\": 2}",
                           msg, sizeof msg), CS_OK);
    CHECK_INT_EQ(p.n_axes, 2);
    CHECK_INT_EQ(p.n_points, 6);
    CHECK_INT_EQ(p.seeds, 2);
    CHECK_INT_EQ(sweep_plan_runs(&p), 12);
    CHECK_INT_EQ(p.n_columns, SWEEP_N_METRICS); /* the default: every metric */
    CHECK_STR_EQ(p.name, "tiny");
    /* the first key slowest: (0,0) (0,1) (1,0) (1,1) (2,0) (2,1) */
    static const size_t want[6][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}};
    for (size_t i = 0; i < 6; i++) {
        size_t idx[2];
        sweep_point_indices(&p, i, idx);
        CHECK_INT_EQ(idx[0], want[i][0]);
        CHECK_INT_EQ(idx[1], want[i][1]);
    }
    sweep_point_label(&p, 3, label, sizeof label);
    CHECK_STR_EQ(label, "sweep point 4 (chain.block_interval_s=60, chain.block_bytes=1000)");
    /* each point's scenario has its values, the rest of the file unchanged */
    static const double interval_s[6] = {600, 600, 60, 60, 10, 10};
    static const int64_t bytes[6] = {0, 1000, 0, 1000, 0, 1000};
    for (size_t i = 0; i < 6; i++) {
        scenario s;
        CHECK_INT_EQ(sweep_point_scenario(&s, &p, i, msg, sizeof msg), CS_OK);
        CHECK_INT_EQ(s.params.block_interval_us, (int64_t)(interval_s[i] * 1e6));
        CHECK_INT_EQ(s.block_bytes, bytes[i]);
        CHECK_INT_EQ(s.n_nodes, 3);
        CHECK_INT_EQ(s.params.difficulty, 4);
        CHECK_INT_EQ(s.n_expects, 2);
        CHECK(!s.has_sweep);
        sweep_point_label(&p, i, label, sizeof label);
        char where[512];
        snprintf(where, sizeof where, "t.json: %s", label);
        CHECK_STR_EQ(s.path, where);
        scenario_cleanup(&s);
    }
    char *json = sweep_point_json(&p, 5);
    CHECK(strstr(json, "\"sweep\"") == NULL);
    CHECK(strstr(json, "\"chain\":{\"difficulty\":4,\"block_interval_s\":10,\"block_bytes\":1000}") != NULL);
    free(json);
    sweep_plan_cleanup(&p);
}

/* The formula sweep_stats.c documents, written out again: splitmix64's
 * finaliser, seed itself for replica 0 of point 0. */
static uint64_t doc_mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t doc_seed(uint64_t seed, size_t point, int replica) {
    if (point == 0 && replica == 0) return seed;
    return doc_mix(seed ^ doc_mix(((uint64_t)point << 32) + (uint64_t)replica)) >> 11;
}

static void test_run_seeds(void) {
    /* the single run's seed first; below 2^53; all distinct; paired ignores the point */
    CHECK_INT_EQ(sweep_run_seed(5, 0, 0, false), 5);
    CHECK_INT_EQ(sweep_run_seed(5, 3, 0, true), 5);
    CHECK_INT_EQ(sweep_run_seed(5, 0, 1, false), 6236995356031757ull);
    uint64_t seen[40];
    for (size_t pt = 0; pt < 4; pt++)
        for (int k = 0; k < 10; k++) {
            uint64_t s = sweep_run_seed(5, pt, k, false);
            CHECK_INT_EQ(s, doc_seed(5, pt, k));
            CHECK(s < (1ull << 53));
            CHECK_INT_EQ(sweep_run_seed(5, pt, k, true), sweep_run_seed(5, 0, k, false));
            for (size_t i = 0; i < pt * 10 + (size_t)k; i++) CHECK(seen[i] != s);
            seen[pt * 10 + (size_t)k] = s;
        }
    /* another base seed gives other seeds */
    CHECK(sweep_run_seed(6, 0, 1, false) != sweep_run_seed(5, 0, 1, false));
}

static void test_stats(void) {
    /* Student t's 0.975 quantile: tables (R's qt(0.975, df)) */
    CHECK_DBL_NEAR(sweep_t975(1), 12.706204736, 1e-9);
    CHECK_DBL_NEAR(sweep_t975(9), 2.262157163, 1e-9);
    CHECK_DBL_NEAR(sweep_t975(31), 2.039513446, 1e-6);
    CHECK_DBL_NEAR(sweep_t975(40), 2.021075390, 1e-6);
    CHECK_DBL_NEAR(sweep_t975(120), 1.979930405, 1e-6);
    CHECK_DBL_NEAR(sweep_t975(100000), 1.959963985 + 2.3723e-5, 1e-8); /* z + (z^3+z)/(4 df) */
    CHECK(isnan(sweep_t975(0)));
    /* any quantile: closed forms at 1 and 2 degrees of freedom (tan(pi (p -
     * 1/2)) and (2p - 1) / sqrt(2p (1 - p))), tables at 9 (R's qt), and
     * the 0.975 table above */
    const double pi = 3.14159265358979323846;
    for (double p = 0.6; p < 0.9999; p = 1 - (1 - p) / 2) {
        CHECK_DBL_NEAR(sweep_t_quantile(p, 1), tan(pi * (p - 0.5)), 1e-8 * tan(pi * (p - 0.5)));
        CHECK_DBL_NEAR(sweep_t_quantile(p, 2), (2 * p - 1) / sqrt(2 * p * (1 - p)), 1e-8);
    }
    CHECK_DBL_NEAR(sweep_t_quantile(0.995, 9), 3.249835542, 1e-8);
    CHECK_DBL_NEAR(sweep_t_quantile(0.75, 3), 0.764892328, 1e-8);
    CHECK_DBL_NEAR(sweep_t_quantile(0.999, 1), 318.308838986, 1e-6);
    CHECK_DBL_NEAR(sweep_t_quantile(0.5, 9), 0, 1e-9);
    for (int df = 1; df <= 120; df++) CHECK_DBL_NEAR(sweep_t_quantile(0.975, df), sweep_t975(df), 1e-6);
    CHECK(isnan(sweep_t_quantile(0.975, 0)) && isnan(sweep_t_quantile(1, 9)) &&
          isnan(sweep_t_quantile(0.4, 9)));
    /* 2 4 4 4 5 5 7 9 (and a NaN, left out): mean 5, sd sqrt(32/7),
     * half-width t(7) sd / sqrt(8) */
    double x[] = {2, 4, 4, NAN, 4, 5, 5, 7, 9};
    sweep_stat st;
    sweep_stat_of(x, 9, &st);
    CHECK_INT_EQ(st.n, 8);
    CHECK_DBL_NEAR(st.mean, 5, 1e-12);
    CHECK_DBL_NEAR(st.sd, sqrt(32.0 / 7), 1e-12);
    CHECK_DBL_NEAR(st.half, 2.364624252 * sqrt(32.0 / 7) / sqrt(8), 1e-8);
    CHECK_DBL_NEAR(st.lo, 5 - st.half, 1e-12);
    CHECK_DBL_NEAR(st.hi, 5 + st.half, 1e-12);
    /* one value: a mean, no spread, no interval */
    sweep_stat_of(x, 1, &st);
    CHECK_INT_EQ(st.n, 1);
    CHECK_DBL_NEAR(st.mean, 2, 0);
    CHECK(isnan(st.sd) && isnan(st.half) && isnan(st.lo) && isnan(st.hi));
}

static void test_seeds(void) {
    /* seeds 3 from the scenario's 5, then from an override of 100 */
    sweep_plan p;
    char msg[512];
    CHECK_INT_EQ(plan_tiny(&p, "\"sweep\": {\"vary\": {\"links.latency_ms\": [50, 100]}, "
                               "\"seeds\": 3, \"columns\": [\"propagation_median_s\"]}",
                           msg, sizeof msg), CS_OK);
    scenario pts[2];
    CHECK_INT_EQ(sweep_point_scenario(&pts[0], &p, 0, msg, sizeof msg), CS_OK);
    CHECK_INT_EQ(sweep_point_scenario(&pts[1], &p, 1, msg, sizeof msg), CS_OK);
    for (int pass = 0; pass < 2; pass++) {
        sweep_options o = {.workers = 2, .seed_set = pass == 1, .seed = 100};
        sweep_result r;
        CHECK_INT_EQ(sweep_run(&r, &p, pts, &o), 2);
        CHECK_INT_EQ(r.n_rows, 6);
        for (size_t j = 0; j < 6; j++) {
            CHECK_INT_EQ(r.rows[j].point, j / 3);
            CHECK_INT_EQ(r.rows[j].seed_index, j % 3);
            CHECK_INT_EQ(r.rows[j].seed, doc_seed(pass ? 100 : 5, j / 3, (int)(j % 3)));
            CHECK(r.rows[j].error == NULL && r.rows[j].failed == NULL);
            CHECK_INT_EQ(r.rows[j].n_expects, 2);
            CHECK_INT_EQ(r.rows[j].n_failed, 0);
            CHECK_DBL_NEAR(r.rows[j].metric[SWEEP_METRIC_propagation_median_s],
                           j < 3 ? 0.15 : 0.30, 1e-9);
            CHECK_INT_EQ(r.rows[j].metric[SWEEP_METRIC_messages_sent], 16);
            CHECK_INT_EQ(r.rows[j].metric[SWEEP_METRIC_height], 3);
        }
        sweep_result_cleanup(&r);
    }
    scenario_cleanup(&pts[0]);
    scenario_cleanup(&pts[1]);
    sweep_plan_cleanup(&p);
}

/* ---- paths ------------------------------------------------------------- */

static char *set_and_print(const char *doc, const char *path, const char *value, cs_err *e,
                           char *why, size_t why_len) {
    cJSON *root = cJSON_Parse(doc), *v = cJSON_Parse(value);
    why[0] = '\0';
    *e = sweep_path_set(root, path, v, why, why_len);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    cJSON_Delete(v);
    return s;
}

static void test_path_set(void) {
    static const char doc[] = "{\"a\":{\"b\":1},\"arr\":[{\"x\":1},2],\"s\":\"str\"}";
    static const struct {
        const char *path, *value, *doc_after;
    } ok[] = {
        {"a.b", "5", "{\"a\":{\"b\":5},\"arr\":[{\"x\":1},2],\"s\":\"str\"}"},
        {"a", "[1,2]", "{\"a\":[1,2],\"arr\":[{\"x\":1},2],\"s\":\"str\"}"},
        {"a.c.d", "true", "{\"a\":{\"b\":1,\"c\":{\"d\":true}},\"arr\":[{\"x\":1},2],\"s\":\"str\"}"},
        {"new.deep.key", "\"v\"",
         "{\"a\":{\"b\":1},\"arr\":[{\"x\":1},2],\"s\":\"str\",\"new\":{\"deep\":{\"key\":\"v\"}}}"},
        {"arr.0.x", "7", "{\"a\":{\"b\":1},\"arr\":[{\"x\":7},2],\"s\":\"str\"}"},
        {"arr.0.y", "null", "{\"a\":{\"b\":1},\"arr\":[{\"x\":1,\"y\":null},2],\"s\":\"str\"}"},
        {"arr.1", "{\"k\":1}", "{\"a\":{\"b\":1},\"arr\":[{\"x\":1},{\"k\":1}],\"s\":\"str\"}"},
        {"s", "3", "{\"a\":{\"b\":1},\"arr\":[{\"x\":1},2],\"s\":3}"},
    };
    char why[256];
    cs_err e;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *got = set_and_print(doc, ok[i].path, ok[i].value, &e, why, sizeof why);
        CHECK_INT_EQ(e, CS_OK);
        CHECK_STR_EQ(got, ok[i].doc_after);
        cJSON_free(got);
    }
    static const struct {
        const char *path, *why;
    } bad[] = {
        {"arr.2.x", "$.arr is an array of 2: expected an index 0..1, got \"2\""},
        {"arr.01", "$.arr is an array of 2: expected an index 0..1, got \"01\""},
        {"arr.x", "$.arr is an array of 2: expected an index 0..1, got \"x\""},
        {"arr.-1", "$.arr is an array of 2: expected an index 0..1, got \"-1\""},
        {"arr.1.x", "$.arr[1] is a number: a path goes through objects and arrays only"},
        {"s.x", "$.s is a string: a path goes through objects and arrays only"},
        {"a.b.c.d", "$.a.b is a number: a path goes through objects and arrays only"},
        {"", "expected a dotted path of keys and indices, as \"chain.block_interval_s\" or "
             "\"nodes.3.hash_power\""},
        {"a..b", "expected a dotted path of keys and indices, as \"chain.block_interval_s\" or "
                 "\"nodes.3.hash_power\""},
        {".a", "expected a dotted path of keys and indices, as \"chain.block_interval_s\" or "
               "\"nodes.3.hash_power\""},
        {"a.", "expected a dotted path of keys and indices, as \"chain.block_interval_s\" or "
               "\"nodes.3.hash_power\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *got = set_and_print(doc, bad[i].path, "1", &e, why, sizeof why);
        CHECK_INT_EQ(e, CS_EINVAL);
        CHECK_STR_EQ(why, bad[i].why);
        CHECK_STR_EQ(got, doc); /* refused: unchanged */
        cJSON_free(got);
    }
    /* an empty array has no index at all */
    char *got = set_and_print("{\"e\":[]}", "e.0", "1", &e, why, sizeof why);
    CHECK_INT_EQ(e, CS_EINVAL);
    CHECK_STR_EQ(why, "$.e is an empty array: no index \"0\"");
    cJSON_free(got);
}

/* ---- malformed sweeps -------------------------------------------------- */

static void test_malformed(void) {
    static const struct {
        const char *rest, *msg;
    } cases[] = {
        {"\"sweep\": 5", "t.json: $.sweep: expected an object"},
        {"\"sweep\": [1]", "t.json: $.sweep: expected an object"},
        {"\"sweep\": {}", "t.json: $.sweep.vary: required field is missing"},
        {"\"sweep\": {\"vary\": {}}",
         "t.json: $.sweep.vary: expected a non-empty object of paths and value arrays"},
        {"\"sweep\": {\"vary\": [1, 2]}",
         "t.json: $.sweep.vary: expected a non-empty object of paths and value arrays"},
        {"\"sweep\": {\"vary\": {\"chain.block_interval_s\": 60}}",
         "t.json: $.sweep.vary[\"chain.block_interval_s\"]: expected a non-empty array"},
        {"\"sweep\": {\"vary\": {\"chain.block_interval_s\": []}}",
         "t.json: $.sweep.vary[\"chain.block_interval_s\"]: expected a non-empty array"},
        {"\"sweep\": {\"vary\": {\"gossip\": {\"a\": 1}}}",
         "t.json: $.sweep.vary.gossip: expected a non-empty array"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"sweeps\": 2}",
         "t.json: $.sweep.sweeps: unknown field"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"vary\": {}}",
         "t.json: $.sweep.vary: duplicate field"},
        {"\"sweep\": {\"vary\": {\"chain.difficulty\": [1], \"chain.difficulty\": [2]}}",
         "t.json: $.sweep.vary[\"chain.difficulty\"]: duplicate field"},
        {"\"sweep\": {\"vary\": {\"chain\": [{}], \"chain.difficulty\": [1]}}",
         "t.json: $.sweep.vary[\"chain.difficulty\"]: overlaps \"chain\" (a path may not lie "
         "inside another)"},
        {"\"sweep\": {\"vary\": {\"chain.difficulty\": [1], \"chain\": [{}]}}",
         "t.json: $.sweep.vary.chain: overlaps \"chain.difficulty\" (a path may not lie inside "
         "another)"},
        {"\"sweep\": {\"vary\": {\"sweep.seeds\": [1]}}",
         "t.json: $.sweep.vary[\"sweep.seeds\"]: a sweep cannot vary itself"},
        {"\"sweep\": {\"vary\": {\"seed\": [1, 2]}}",
         "t.json: $.sweep.vary.seed: replicate the points with $.replications (each point runs "
         "that many replicas, seeds derived from seed)"},
        {"\"sweep\": {\"vary\": {\"replications\": [1, 2]}}",
         "t.json: $.sweep.vary.replications: replicate the points with $.replications (each "
         "point runs that many replicas, seeds derived from seed)"},
        {"\"replications\": 2, \"sweep\": {\"vary\": {\"gossip\": [true]}, \"seeds\": 2}",
         "t.json: $.sweep.seeds: give either $.replications or $.sweep.seeds (they are the same "
         "count)"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"paired\": 1}",
         "t.json: $.sweep.paired: expected true or false"},
        {"\"sweep\": {\"vary\": {\"chain..difficulty\": [1]}}",
         "t.json: $.sweep.vary[\"chain..difficulty\"]: expected a dotted path of keys and "
         "indices, as \"chain.block_interval_s\" or \"nodes.3.hash_power\""},
        {"\"sweep\": {\"vary\": {\"nodes.3.hash_power\": [1]}}",
         "t.json: $.sweep.vary[\"nodes.3.hash_power\"]: $.nodes is an array of 3: expected an "
         "index 0..2, got \"3\""},
        {"\"sweep\": {\"vary\": {\"name.x\": [1]}}",
         "t.json: $.sweep.vary[\"name.x\"]: $.name is a string: a path goes through objects and "
         "arrays only"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"seeds\": 0}",
         "t.json: $.sweep.seeds: expected an integer in 1..10000"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"seeds\": 1.5}",
         "t.json: $.sweep.seeds: expected an integer in 1..10000"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"seeds\": \"2\"}",
         "t.json: $.sweep.seeds: expected an integer in 1..10000"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"seeds\": 10001}",
         "t.json: $.sweep.seeds: expected an integer in 1..10000"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"columns\": []}",
         "t.json: $.sweep.columns: expected a non-empty array of metric names"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"columns\": \"forks\"}",
         "t.json: $.sweep.columns: expected a non-empty array of metric names"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"columns\": [\"forks\", \"stale\"]}",
         "t.json: $.sweep.columns[1]: unknown metric \"stale\""},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"columns\": [3]}",
         "t.json: $.sweep.columns[0]: expected a metric name (a string)"},
        {"\"sweep\": {\"vary\": {\"gossip\": [true]}, \"columns\": [\"forks\", \"height\", "
         "\"forks\"]}",
         "t.json: $.sweep.columns[2]: \"forks\" is already column 0"},
        {"\"sweep\": {\"vary\": {\"chain.difficulty\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}, "
         "\"seeds\": 10000}",
         "t.json: $.sweep: 11 points x 10000 seeds = 110000 runs; at most 100000"},
        /* the file itself first: the scenario's own rules, then the sweep */
        {"\"chain.x\": 1, \"sweep\": 5", "t.json: $[\"chain.x\"]: unknown field"},
        {"\"gossip\": 3, \"sweep\": {\"vary\": {\"gossip\": [true]}}",
         "t.json: $.gossip: expected true or false"},
        {"\"gossip\": true", "t.json: $.sweep: required field is missing (this file is not a sweep)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sweep_plan p;
        char msg[512];
        cs_err e = plan_tiny(&p, cases[i].rest, msg, sizeof msg);
        if (e == CS_OK) sweep_plan_cleanup(&p);
        CHECK_INT_EQ(e, CS_EINVAL);
        CHECK_STR_EQ(msg, cases[i].msg);
    }
    /* 100000 runs is the limit, not over it */
    sweep_plan p;
    char msg[512];
    CHECK_INT_EQ(plan_tiny(&p, "\"sweep\": {\"vary\": {\"chain.difficulty\": [1, 2, 3, 4, 5, 6, "
                               "7, 8, 9, 10]}, \"seeds\": 10000}", msg, sizeof msg), CS_OK);
    CHECK_INT_EQ(sweep_plan_runs(&p), 100000);
    sweep_plan_cleanup(&p);
}

static void test_syntax_error_keeps_position(void) {
    sweep_plan p;
    char msg[512];
    CHECK_INT_EQ(plan_text(&p, "{\"name\": \"x\", \"nodes\": 2,\n  \"sweep\": {\"vary\": {,}}}",
                           msg, sizeof msg), CS_EPARSE);
    CHECK_STR_EQ(msg, "t.json:2:22: JSON syntax error near ','");
    CHECK_INT_EQ(sweep_plan_load(&p, "/nonexistent/dir/s.json", 0, msg, sizeof msg), CS_EIO);
    CHECK_STR_EQ(msg, "/nonexistent/dir/s.json: cannot read: No such file or directory");
}

/* A value the scenario parser refuses: found before anything runs, and
 * named by its point and its values. */
static void test_bad_point(void) {
    static const struct {
        const char *rest;
        size_t bad_point;
        const char *msg;
    } cases[] = {
        {"\"sweep\": {\"vary\": {\"chain.block_interval_s\": [600, 0]}}", 1,
         "t.json: sweep point 2 (chain.block_interval_s=0): $.chain.block_interval_s: "
         "expected a number > 0"},
        {"\"sweep\": {\"vary\": {\"chain.difficulty\": [4, 8], \"links.loss\": [0, 1]}}", 1,
         "t.json: sweep point 2 (chain.difficulty=4, links.loss=1): $.links.loss: expected a "
         "number >= 0 and < 1"},
        {"\"sweep\": {\"vary\": {\"nodes.2.name\": [\"c\", \"a\"]}}", 1,
         "t.json: sweep point 2 (nodes.2.name=a): $.nodes[2].name: duplicate node name \"a\" (also $.nodes[0])"},
        {"\"sweep\": {\"vary\": {\"mining\": [\"manual\", \"race\"]}}", 1,
         "t.json: sweep point 2 (mining=race): $.mining: race mining needs the threads "
         "executor; a sweep runs in virtual time"},
        {"\"sweep\": {\"vary\": {\"network.preset\": [\"bitcoin-2019\"]}}", 0,
         "t.json: sweep point 1 (network.preset=bitcoin-2019): $.links.latency_ms: set by "
         "$.network (give it there)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sweep_plan p;
        char msg[512];
        CHECK_INT_EQ(plan_tiny(&p, cases[i].rest, msg, sizeof msg), CS_OK);
        for (size_t pt = 0; pt < cases[i].bad_point; pt++) {
            scenario s;
            CHECK_INT_EQ(sweep_point_scenario(&s, &p, pt, msg, sizeof msg), CS_OK);
            scenario_cleanup(&s);
        }
        scenario s;
        CHECK_INT_EQ(sweep_point_scenario(&s, &p, cases[i].bad_point, msg, sizeof msg), CS_EINVAL);
        CHECK_STR_EQ(msg, cases[i].msg);
        sweep_plan_cleanup(&p);
    }
}

/* ---- sweep_main end to end --------------------------------------------- */

typedef struct main_out {
    int code;
    char *table, *errors;
} main_out;

static main_out run_main(const char *file, sweep_options o) {
    FILE *out = tmpfile(), *err = tmpfile();
    o.out = out;
    o.err = err;
    main_out r = {.code = sweep_main(file, &o)};
    r.table = read_stream(out);
    r.errors = read_stream(err);
    fclose(out);
    fclose(err);
    return r;
}

static void main_out_free(main_out *r) {
    free(r->table);
    free(r->errors);
}

static void test_main_table(void) {
    tmp_make();
    char file[256];
    write_text(tmp_path(file, sizeof file, "tiny.json"),
               TINY_HEAD ", \"sweep\": {\"vary\": {\"links.latency_ms\": [50, 100]}, \"seeds\": 2, "
                         "\"columns\": [\"blocks_mined\", \"propagation_median_s\", "
                         "\"messages_sent\"]}}");
    main_out r = run_main(file, (sweep_options){.workers = 2});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_OK);
    CHECK_STR_EQ(r.errors, "");
    char want[2048];
    snprintf(want, sizeof want,
             "sweep: tiny (%s): 2 points x 2 replicas = 4 runs\n"
             "point  links.latency_ms  replica              seed  blocks_mined  propagation_median_s  messages_sent  expect\n"
             "    1                50        1                 5             2                  0.15             16  ok 2/2\n"
             "    1                50        2  6236995356031757             2                  0.15             16  ok 2/2\n"
             "    2               100        1  8798191079777300             2                   0.3             16  ok 2/2\n"
             "    2               100        2  3469080558409034             2                   0.3             16  ok 2/2\n"
             "mean, sd and 95%% confidence interval over 2 replicas (Student t, 1 degree of freedom):\n"
             "point  links.latency_ms                metric  n  mean  sd  ci95_low  ci95_high\n"
             "    1                50          blocks_mined  2     2   0         2  2\n"
             "    1                50  propagation_median_s  2  0.15   0      0.15  0.15\n"
             "    1                50         messages_sent  2    16   0        16  16\n"
             "    2               100          blocks_mined  2     2   0         2  2\n"
             "    2               100  propagation_median_s  2   0.3   0       0.3  0.3\n"
             "    2               100         messages_sent  2    16   0        16  16\n"
             "expectations over the replicas (a metric's bounds on its mean; the other rules in "
             "every replica):\n"
             "  point 1: ok   converged [held in 2 of 2 replicas]\n"
             "  point 1: ok   height == 3 [mean 3, 95%% CI [3, 3] (n=2)]\n"
             "  point 2: ok   converged [held in 2 of 2 replicas]\n"
             "  point 2: ok   height == 3 [mean 3, 95%% CI [3, 3] (n=2)]\n"
             "expectations: held at every point\n",
             file);
    CHECK_STR_EQ(r.table, want);
    main_out_free(&r);
    r = run_main(file, (sweep_options){.quiet = true});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_OK);
    CHECK_STR_EQ(r.table, "");
    main_out_free(&r);
    tmp_clean();
}

static void test_main_exit_codes(void) {
    tmp_make();
    char file[256];
    /* a rule that fails at one point only: height 3 needs both blocks, and
     * the second is mined at 10 s, after a 6 s end */
    write_text(tmp_path(file, sizeof file, "fail.json"),
               TINY_HEAD ", \"sweep\": {\"vary\": {\"duration_s\": [100, 6]}, "
                         "\"columns\": [\"height\"]}}");
    main_out r = run_main(file, (sweep_options){.workers = 1});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_EXPECT_FAILED);
    char want[512];
    snprintf(want, sizeof want,
             "chainsim: %s: sweep point 2 (duration_s=6), seed %llu: 1 expectation failed: "
             "height == 3 [height = 2]\n", file, (unsigned long long)doc_seed(5, 1, 0));
    CHECK_STR_EQ(r.errors, want);
    CHECK(strstr(r.table, "    2           6        1  8798191079777300       2  FAIL 1/2\n") != NULL);
    CHECK(strstr(r.table, "expectations: 1 of 2 runs failed\n") != NULL);
    main_out_free(&r);
    /* a bad point: nothing runs, no table */
    write_text(file, TINY_HEAD ", \"sweep\": {\"vary\": {\"duration_s\": [100, -1]}}}");
    r = run_main(file, (sweep_options){0});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_USAGE);
    snprintf(want, sizeof want,
             "chainsim: %s: sweep point 2 (duration_s=-1): $.duration_s: expected a number > 0\n",
             file);
    CHECK_STR_EQ(r.errors, want);
    CHECK_STR_EQ(r.table, "");
    main_out_free(&r);
    /* an output that cannot be written: the table is still printed */
    write_text(file, TINY_HEAD ", \"sweep\": {\"vary\": {\"duration_s\": [100]}}}");
    char bad_csv[300];
    snprintf(bad_csv, sizeof bad_csv, "%s/fail.json/sub", tmp_dir); /* under a file */
    r = run_main(file, (sweep_options){.csv_dir = bad_csv});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_USAGE);
    snprintf(want, sizeof want, "chainsim: --csv %s: %s/fail.json is not a directory\n", bad_csv,
             tmp_dir);
    CHECK_STR_EQ(r.errors, want);
    CHECK(strstr(r.table, "expectations: held in all 1 runs\n") != NULL);
    main_out_free(&r);
    tmp_clean();
}

/* ---- determinism and the files ----------------------------------------- */

/* 20 nodes, random peers, 0.2-1 s links at 1 Mbit/s, 20 kB blocks
 * (scenarios/validation/stale-rate.json's network), `blocks` blocks a run. */
#define STALE_HEAD                                                                        \
    "{\"name\": \"stale\", \"seed\": 7, \"nodes\": 20, "                                  \
    "\"topology\": {\"type\": \"random\", \"k\": 3}, "                                    \
    "\"links\": {\"latency_ms\": {\"min\": 200, \"max\": 1000}, \"upload_bps\": 1000000, " \
    "\"download_bps\": 1000000}, "                                                        \
    "\"chain\": {\"difficulty\": 1, \"block_interval_s\": 30, \"block_bytes\": 20000}, "  \
    "\"mining\": \"auto\", \"duration_s\": 100000000, "

static void test_workers_do_not_change_output(void) {
    tmp_make();
    char file[256], csv1[256], csv2[256], json1[256], json2[256];
    write_text(tmp_path(file, sizeof file, "stale.json"),
               STALE_HEAD "\"stop\": {\"height\": 201}, "
                          "\"expect\": {\"stale_rate\": {\"max\": 0.2}}, "
                          "\"sweep\": {\"vary\": {\"chain.block_interval_s\": [60, 20, 5], "
                          "\"relay\": [\"inv\", \"push\"]}, \"seeds\": 2}}");
    tmp_path(csv1, sizeof csv1, "w1");
    tmp_path(csv2, sizeof csv2, "w2/deeper");
    tmp_path(json1, sizeof json1, "w1.json");
    tmp_path(json2, sizeof json2, "w2.json");
    main_out a = run_main(file, (sweep_options){.workers = 1, .csv_dir = csv1, .json_path = json1});
    main_out b = run_main(file, (sweep_options){.workers = 2, .csv_dir = csv2, .json_path = json2});
    main_out c = run_main(file, (sweep_options){.workers = 5});
    /* at 5 s the stale rate passes 20%: some runs fail, the same ones */
    CHECK_INT_EQ(a.code, SWEEP_EXIT_EXPECT_FAILED);
    CHECK_INT_EQ(b.code, a.code);
    CHECK_INT_EQ(c.code, a.code);
    CHECK_STR_EQ(b.table, a.table);
    CHECK_STR_EQ(c.table, a.table);
    CHECK_STR_EQ(b.errors, a.errors);
    CHECK(strstr(a.table, "12 runs") != NULL);
    char p1[300], p2[300];
    snprintf(p1, sizeof p1, "%s/sweep.csv", csv1);
    snprintf(p2, sizeof p2, "%s/sweep.csv", csv2);
    char *x = read_text(p1), *y = read_text(p2), *jx = read_text(json1), *jy = read_text(json2);
    CHECK(x && y && jx && jy);
    CHECK_STR_EQ(y, x);
    CHECK_STR_EQ(jy, jx);
    free(x);
    free(y);
    free(jx);
    free(jy);
    main_out_free(&a);
    main_out_free(&b);
    main_out_free(&c);
    tmp_clean();
}

/* An RFC 4180 reader: splits one record at *pos into fields (quotes
 * undone); returns the number of fields, 0 at the end. */
static int csv_record(const char *s, size_t *pos, char fields[][128], int max) {
    size_t i = *pos;
    if (!s[i]) return 0;
    int n = 0;
    for (;;) {
        size_t o = 0;
        char *f = fields[n < max ? n : max - 1];
        if (s[i] == '"') {
            for (i++; s[i] && !(s[i] == '"' && s[i + 1] != '"'); i++) {
                if (s[i] == '"') i++;
                if (o < 127) f[o++] = s[i];
            }
            if (s[i] == '"') i++;
        } else {
            for (; s[i] && s[i] != ',' && s[i] != '\n'; i++)
                if (o < 127) f[o++] = s[i];
        }
        f[o] = '\0';
        n++;
        if (s[i] == ',') {
            i++;
            continue;
        }
        if (s[i] == '\n') i++;
        break;
    }
    *pos = i;
    return n;
}

static void test_files_read_back(void) {
    tmp_make();
    char file[256], json[256];
    write_text(tmp_path(file, sizeof file, "tiny.json"),
               TINY_HEAD ", \"sweep\": {\"vary\": {\"links.latency_ms\": [50, 100], "
                         "\"description\": [\"plain\", \"with, comma\", \"say \\\"hi\\\"\"]}, "
                         "\"columns\": [\"propagation_median_s\", \"height\"]}}");
    main_out r = run_main(file, (sweep_options){.csv_dir = tmp_dir,
                                                .json_path = tmp_path(json, sizeof json, "rows.json")});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_OK);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/sweep.csv", tmp_dir);
    char *text = read_text(csv);
    CHECK(text != NULL);
    size_t pos = 0;
    char f[16][128];
    static const char *const header[] = {"point", "links.latency_ms", "description", "replica",
                                         "seed", "propagation_median_s", "height",
                                         "expect_passed", "expect_failed"};
    CHECK_INT_EQ(csv_record(text, &pos, f, 16), 9);
    for (int i = 0; i < 9; i++) CHECK_STR_EQ(f[i], header[i]);
    static const char *const desc[] = {"plain", "with, comma", "say \"hi\""};
    int rows = 0, n;
    while ((n = csv_record(text, &pos, f, 16)) > 0) {
        CHECK_INT_EQ(n, 9);
        CHECK_INT_EQ(atoi(f[0]), rows + 1);
        CHECK_INT_EQ(atoi(f[1]), rows < 3 ? 50 : 100);
        CHECK_STR_EQ(f[2], desc[rows % 3]);
        CHECK_STR_EQ(f[3], "1");
        CHECK_INT_EQ(strtoull(f[4], NULL, 10), doc_seed(5, (size_t)rows, 0));
        CHECK(strtod(f[5], NULL) == (rows < 3 ? 0.15 : 0.3)); /* exact, not near */
        CHECK_STR_EQ(f[6], "3");
        CHECK_STR_EQ(f[7], "2");
        CHECK_STR_EQ(f[8], "0");
        rows++;
    }
    CHECK_INT_EQ(rows, 6);
    free(text);
    /* the JSON: an array of the same rows, the values as the file gave them */
    text = read_text(json);
    cJSON *root = cJSON_Parse(text);
    free(text);
    CHECK(cJSON_IsArray(root));
    CHECK_INT_EQ(cJSON_GetArraySize(root), 6);
    int i = 0;
    for (const cJSON *row = root ? root->child : NULL; row; row = row->next, i++) {
        CHECK_INT_EQ(cJSON_GetObjectItem(row, "point")->valuedouble, i + 1);
        CHECK_INT_EQ(cJSON_GetObjectItem(row, "links.latency_ms")->valuedouble, i < 3 ? 50 : 100);
        CHECK_STR_EQ(cJSON_GetObjectItem(row, "description")->valuestring, desc[i % 3]);
        CHECK(cJSON_GetObjectItem(row, "propagation_median_s")->valuedouble == (i < 3 ? 0.15 : 0.3));
        CHECK_INT_EQ(cJSON_GetObjectItem(row, "expect_failed")->valuedouble, 0);
        CHECK(cJSON_GetObjectItem(row, "failed") == NULL);
    }
    cJSON_Delete(root);
    main_out_free(&r);
    tmp_clean();
}

/* ---- the physics ------------------------------------------------------- */

/* Stale rate against block interval on the 20-node network: about
 * 1 - exp(-3.3 s / T), so 2.7%, 10%, 28% and 60% at 120, 30, 10 and 3 s.
 * With 2,000 blocks a point the gaps are many standard errors wide. */
static void test_stale_rate_rises_as_interval_shrinks(void) {
    sweep_plan p;
    char msg[512];
    CHECK_INT_EQ(plan_text(&p, STALE_HEAD "\"stop\": {\"height\": 2001}, \"sweep\": {\"vary\": "
                                          "{\"chain.block_interval_s\": [120, 30, 10, 3]}, "
                                          "\"columns\": [\"stale_rate\"]}}",
                           msg, sizeof msg), CS_OK);
    scenario pts[4];
    for (size_t i = 0; i < 4; i++)
        CHECK_INT_EQ(sweep_point_scenario(&pts[i], &p, i, msg, sizeof msg), CS_OK);
    sweep_result r;
    sweep_run(&r, &p, pts, &(sweep_options){0});
    CHECK_INT_EQ(r.n_rows, 4);
    double prev = 0;
    for (size_t i = 0; i < 4; i++) {
        double rate = r.rows[i].metric[SWEEP_METRIC_stale_rate];
        double tau = r.rows[i].metric[SWEEP_METRIC_propagation_mean_s];
        printf("  interval %4.0f s: stale rate %.4f (tau %.3f s, %g mined)\n",
               (double)pts[i].params.block_interval_us / 1e6, rate, tau,
               r.rows[i].metric[SWEEP_METRIC_blocks_mined]);
        CHECK(r.rows[i].metric[SWEEP_METRIC_blocks_mined] >= 2000);
        CHECK(rate > prev);
        prev = rate;
    }
    CHECK(r.rows[0].metric[SWEEP_METRIC_stale_rate] > 0.01);
    CHECK(r.rows[3].metric[SWEEP_METRIC_stale_rate] > 0.4);
    sweep_result_cleanup(&r);
    for (size_t i = 0; i < 4; i++) scenario_cleanup(&pts[i]);
    sweep_plan_cleanup(&p);
}

/* The shipped sweep: its rules hold at every point, and its stale rate
 * climbs for each seed as the interval shrinks (600, 60, 20, 10 s). */
static void test_shipped_sweep(void) {
    tmp_make();
    main_out r = run_main("scenarios/sweeps/stale-vs-interval.json",
                          (sweep_options){.csv_dir = tmp_dir});
    CHECK_INT_EQ(r.code, SWEEP_EXIT_OK);
    fputs(r.errors, stdout);
    fputs(r.table, stdout);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/sweep.csv", tmp_dir);
    char *text = read_text(csv);
    CHECK(text != NULL);
    size_t pos = 0;
    char f[16][128];
    int n = csv_record(text, &pos, f, 16), col = -1, seeds = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(f[i], "stale_rate") == 0) col = i;
    CHECK(col >= 0);
    double rate[4][2] = {{0}};
    int rows = 0;
    while (csv_record(text, &pos, f, 16) > 0 && rows < 8) {
        int point = atoi(f[0]) - 1, seed = atoi(f[2]) - 1;
        CHECK(point >= 0 && point < 4 && seed >= 0 && seed < 2);
        rate[point][seed] = strtod(f[col], NULL);
        seeds += seed;
        rows++;
    }
    free(text);
    CHECK_INT_EQ(rows, 8);
    CHECK_INT_EQ(seeds, 4);
    for (int s = 0; s < 2; s++)
        for (int pt = 1; pt < 4; pt++) CHECK(rate[pt][s] > rate[pt - 1][s]);
    main_out_free(&r);
    tmp_clean();
}

static const test_case cases[] = {
    TEST(test_metric_names),
    TEST(test_point_order),
    TEST(test_run_seeds),
    TEST(test_stats),
    TEST(test_seeds),
    TEST(test_path_set),
    TEST(test_malformed),
    TEST(test_syntax_error_keeps_position),
    TEST(test_bad_point),
    TEST(test_main_table),
    TEST(test_main_exit_codes),
    TEST(test_workers_do_not_change_output),
    TEST(test_files_read_back),
    TEST(test_stale_rate_rises_as_interval_shrinks),
    TEST(test_shipped_sweep),
    {0},
};

TEST_MAIN(cases)
