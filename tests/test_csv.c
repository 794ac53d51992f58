/* test_csv.c - the --csv tables: quoting, the time series on a hand-made
 * event stream (every point known in advance), and real runs written to a
 * directory and read back with an RFC 4180 parser, checked against the
 * metrics they came from. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sim_fixture.h"
#include "out/csv.h"
#include "out/metrics.h"
#include "scenario/metric_names.h"

/* ------------------------------------------------------------ a reader */

/* A whole CSV file: rows of fields (the header is row 0). */
typedef struct table {
    char ***rows;
    size_t *n_fields;
    size_t n_rows;
} table;

static void table__push_field(table *t, char *field) {
    size_t r = t->n_rows - 1;
    t->rows[r] = xrealloc(t->rows[r], (t->n_fields[r] + 1) * sizeof *t->rows[r]);
    t->rows[r][t->n_fields[r]++] = field;
}

static void table__new_row(table *t) {
    t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
    t->n_fields = xrealloc(t->n_fields, (t->n_rows + 1) * sizeof *t->n_fields);
    t->rows[t->n_rows] = NULL;
    t->n_fields[t->n_rows] = 0;
    t->n_rows++;
}

/* Parses RFC 4180 text (quoted fields may hold commas, "" and newlines;
 * rows end in \n or \r\n; no row after a final newline). */
static void table_parse(table *t, const char *text) {
    memset(t, 0, sizeof *t);
    const char *p = text;
    while (*p) {
        table__new_row(t);
        for (;;) {
            char *field = xmalloc(strlen(p) + 1);
            size_t len = 0;
            if (*p == '"') {
                for (p++; *p; p++) {
                    if (*p == '"' && p[1] == '"') field[len++] = *p++;
                    else if (*p == '"') break;
                    else field[len++] = *p;
                }
                if (*p == '"') p++;
            } else {
                while (*p && *p != ',' && *p != '\n' && *p != '\r') field[len++] = *p++;
            }
            field[len] = '\0';
            table__push_field(t, field);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\r') p++;
            if (*p == '\n') p++;
            break;
        }
    }
}

static void table_cleanup(table *t) {
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t f = 0; f < t->n_fields[r]; f++) free(t->rows[r][f]);
        free(t->rows[r]);
    }
    free(t->rows);
    free(t->n_fields);
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        text = xgrow(text, &cap, len + n + 1, 1);
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!text) text = xcalloc(1, 1);
    text[len] = '\0';
    return text;
}

/* Reads dir/name into t; false if the file is missing. */
static bool table_load(table *t, const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = read_text(path);
    if (!text) return false;
    table_parse(t, text);
    free(text);
    return true;
}

/* The column of a header name, or -1. */
static int table_col(const table *t, const char *name) {
    for (size_t f = 0; t->n_rows && f < t->n_fields[0]; f++)
        if (strcmp(t->rows[0][f], name) == 0) return (int)f;
    return -1;
}

/* The header as one comma-joined string (for CHECK_STR_EQ). */
static const char *table_header(const table *t, char *out, size_t len) {
    out[0] = '\0';
    for (size_t f = 0; t->n_rows && f < t->n_fields[0]; f++) {
        if (f) strncat(out, ",", len - strlen(out) - 1);
        strncat(out, t->rows[0][f], len - strlen(out) - 1);
    }
    return out;
}

/* ------------------------------------------------------------ runs */

typedef fx_run run;

static void run_start(run *r, const char *json) {
    fx_run_start(r, json, false);
    fx_run_tmpdir(r, "test_csv");
}

static void remove_tree(const char *dir) {
    const char *names[] = {"blocks.csv", "nodes.csv", "timeseries.csv", "summary.csv"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void run_cleanup(run *r) {
    remove_tree(r->dir);
    fx_run_end(r);
}

/* The fork race of scenarios/fork-race.json, with a name that needs
 * quoting: alice and dave mine at once, the "bob, jr" node builds on
 * alice's block, dave's goes stale. */
static const char *race_json =
    "{'name': 'race, quoted', 'nodes': [{'name': 'alice'}, {'name': 'bob, jr'},"
    " {'name': 'carol \\'q\\''}, {'name': 'dave'}],"
    " 'topology': 'mesh', 'links': {'latency_ms': 200},"
    " 'chain': {'difficulty': 8},"
    " 'events': [{'at': 1, 'do': 'mine', 'node': 'alice'}, {'at': 1, 'do': 'mine', 'node': 'dave'},"
    "  {'at': 5, 'do': 'mine', 'node': 'bob, jr'}]}";

/* ------------------------------------------------------------ cases */

static char *field_text(const char *in) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    csv_field(f, in);
    fclose(f);
    return out;
}

static void test_field_quoting(void) {
    const char *cases[][2] = {
        {"alice", "alice"},
        {"", ""},
        {"bob, jr", "\"bob, jr\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"semi;colon", "semi;colon"},
        {" padded", "\" padded\""},  /* readers may trim blanks at the ends */
        {"inner space", "inner space"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = field_text(cases[i][0]);
        bool ok = strcmp(got, cases[i][1]) == 0;
        if (!ok) fprintf(stderr, "  input \"%s\"\n", cases[i][0]);
        CHECK_STR_EQ(got, cases[i][1]);
        free(got);
    }
}

/* Three nodes, genesis G. At 1 s node 0 mines A and node 1 mines B, both
 * on G (a fork at the genesis; B will be stale). At 2 s nodes 2 and 1 move
 * to A: one tip again. At 3 s node 2 mines C on A, at 4 s the others follow.
 * The run ends at 5 s. Every point is known. */
/* Numbers in the fewest digits that read back exactly, as Python's repr. */
static void test_number_format(void) {
    const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1, "0.1"}, {1.0 / 3, "0.3333333333333333"}, {303, "303"}, {-0.0, "0"},
        {2.5e-7, "2.5e-07"}, {0.1 + 0.2, "0.30000000000000004"}, {1e15, "1e+15"},
    };
    char text[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csv_format_number(text, sizeof text, cases[i].v);
        CHECK_STR_EQ(text, cases[i].want);
    }
}

static void test_timeseries_known_events(void) {
    chain_params p = {.difficulty = 4};
    bstore *st = cf_store(&p);
    const block *g = bstore_genesis(st);
    const block *a = fx_seal(st, g, "n0", 4, NULL, 0);
    const block *b = fx_seal(st, g, "n1", 4, NULL, 0);
    const block *c = fx_seal(st, a, "n2", 4, NULL, 0);
    metrics *m = metrics_new(3, g);
    const int64_t s = 1000000;
    const sim_event evs[] = {
        {.kind = EV_MINED, .t_us = 1 * s, .node = 0, .block = a},
        {.kind = EV_TIP_CHANGED, .t_us = 1 * s, .node = 0, .block = a, .old_tip = g},
        {.kind = EV_MINED, .t_us = 1 * s, .node = 1, .block = b},
        {.kind = EV_TIP_CHANGED, .t_us = 1 * s, .node = 1, .block = b, .old_tip = g},
        {.kind = EV_TIP_CHANGED, .t_us = 2 * s, .node = 2, .block = a, .old_tip = g},
        {.kind = EV_TIP_CHANGED, .t_us = 2 * s, .node = 1, .block = a, .old_tip = b,
         .reorg_depth = 1},
        {.kind = EV_MINED, .t_us = 3 * s, .node = 2, .block = c},
        {.kind = EV_TIP_CHANGED, .t_us = 3 * s, .node = 2, .block = c, .old_tip = a},
        {.kind = EV_TIP_CHANGED, .t_us = 4 * s, .node = 0, .block = c, .old_tip = a},
        {.kind = EV_TIP_CHANGED, .t_us = 4 * s, .node = 1, .block = c, .old_tip = a},
    };
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) metrics_sink(m, &evs[i]);
    metrics_finish(m, 5 * s);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    csv_write_timeseries(f, m);
    fclose(f);
    /* at 2 s the split (A, B) heals within the instant: one point, 1 tip */
    CHECK_STR_EQ(text, "t_s,distinct_tips,blocks_mined,stale_blocks,forks,main_height\n"
                       "0,1,0,0,0,1\n"
                       "1,3,2,1,1,2\n"
                       "2,1,2,1,1,2\n"
                       "3,2,3,1,1,3\n"
                       "4,1,3,1,1,3\n"
                       "5,1,3,1,1,3\n");
    free(text);
    size_t n = 0;
    csv_point *pts = csv_timeseries(m, &n);
    CHECK_INT_EQ(n, 6);
    CHECK_INT_EQ(pts[n - 1].forks, m->forks);
    CHECK_INT_EQ(pts[n - 1].stale_blocks, m->stale_blocks);
    free(pts);
    metrics_free(m);
    bstore_free(st);
}

static void test_no_blocks(void) {
    chain_params p = {.difficulty = 4};
    bstore *st = cf_store(&p);
    metrics *m = metrics_new(2, bstore_genesis(st));
    metrics_finish(m, 0);
    size_t n = 0;
    csv_point *pts = csv_timeseries(m, &n);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(pts[0].t_us, 0);
    CHECK_INT_EQ(pts[0].distinct_tips, 1);
    CHECK_INT_EQ(pts[0].main_height, 1);
    free(pts);
    metrics_free(m);
    bstore_free(st);
}

static void test_race_tables(void) {
    run r;
    run_start(&r, race_json);
    char err[256] = "";
    bool wrote = csv_write_dir(r.dir, r.s, r.m, err, sizeof err);
    if (!wrote) fprintf(stderr, "  %s\n", err);
    CHECK(wrote);
    char hdr[1024];
    table t;

    /* blocks.csv: one row per block, in mining order */
    CHECK(table_load(&t, r.dir, "blocks.csv"));
    CHECK_STR_EQ(table_header(&t, hdr, sizeof hdr),
                 "hash,height,parent_hash,miner,miner_name,mined_s,reached,t50_s,t90_s,t100_s,"
                 "tau_s,children,main");
    CHECK_INT_EQ(r.m->n_blocks, 3);
    CHECK_INT_EQ(t.n_rows - 1, r.m->n_blocks);
    int c_hash = table_col(&t, "hash"), c_t50 = table_col(&t, "t50_s");
    int c_main = table_col(&t, "main"), c_miner = table_col(&t, "miner_name");
    long main_sum = 0;
    for (size_t i = 0; i < r.m->n_blocks; i++) {
        char **row = t.rows[i + 1];
        CHECK_INT_EQ(t.n_fields[i + 1], 13);
        /* a block's own tau: 4 nodes, the miner at 0 and 3 peers one hop
         * away (a mesh), each reached by inv, getdata and block over 200 ms
         * links: 0.6 s; 3 x 0.6 / 4 = 0.45 s, if every node took it first hand */
        if (i == 2) {
            CHECK_INT_EQ(r.m->blocks[i].reached, 4);
            CHECK_DBL_NEAR(strtod(row[table_col(&t, "tau_s")], NULL), 0.45, 1e-6);
        }
        CHECK_DBL_NEAR(strtod(row[table_col(&t, "tau_s")], NULL),
                       metrics_block_tau(&r.m->blocks[i]), 1e-12);
        CHECK_STR_EQ(row[c_hash], r.m->blocks[i].b->hash_hex);
        CHECK_DBL_NEAR(strtod(row[c_t50], NULL), (double)r.m->blocks[i].t50_us / 1e6, 1e-9);
        main_sum += strtol(row[c_main], NULL, 10);
    }
    CHECK_INT_EQ(main_sum, r.m->height - 1);
    CHECK_STR_EQ(t.rows[3][c_miner], "bob, jr"); /* the third block: bob's */
    table_cleanup(&t);

    /* nodes.csv: one row per node; the quoted names come back whole */
    CHECK(table_load(&t, r.dir, "nodes.csv"));
    CHECK_STR_EQ(table_header(&t, hdr, sizeof hdr),
                 "node,name,region,region_name,upload_bps,download_bps,degree,"
                 "hash_share_configured,hash_share_final,tip_hash,tip_height,on_main_tip,crashed,"
                 "blocks_rejected");
    CHECK_INT_EQ(t.n_rows - 1, 4);
    int c_name = table_col(&t, "name"), c_tip = table_col(&t, "tip_hash");
    CHECK_STR_EQ(t.rows[2][c_name], "bob, jr");
    CHECK_STR_EQ(t.rows[3][c_name], "carol \"q\"");
    for (size_t i = 1; i < t.n_rows; i++) {
        CHECK_INT_EQ(t.n_fields[i], 14);
        CHECK_STR_EQ(t.rows[i][table_col(&t, "degree")], "3");      /* a mesh of 4 */
        CHECK_STR_EQ(t.rows[i][table_col(&t, "upload_bps")], "");   /* unlimited links */
        CHECK_STR_EQ(t.rows[i][c_tip], r.m->main_tip->hash_hex);
        CHECK_STR_EQ(t.rows[i][table_col(&t, "on_main_tip")], "1");
        CHECK_STR_EQ(t.rows[i][table_col(&t, "region")], ""); /* no regions here */
    }
    table_cleanup(&t);

    /* timeseries.csv: bounded, ordered, ends where the metrics end */
    CHECK(table_load(&t, r.dir, "timeseries.csv"));
    CHECK_STR_EQ(table_header(&t, hdr, sizeof hdr),
                 "t_s,distinct_tips,blocks_mined,stale_blocks,forks,main_height");
    CHECK(t.n_rows - 1 <= r.m->n_blocks + r.m->n_tips_series + 2);
    for (size_t i = 2; i < t.n_rows; i++)
        CHECK(strtod(t.rows[i][0], NULL) > strtod(t.rows[i - 1][0], NULL));
    char **last = t.rows[t.n_rows - 1];
    CHECK_DBL_NEAR(strtod(last[0], NULL), (double)r.m->end_us / 1e6, 1e-9);
    CHECK_INT_EQ(strtol(last[1], NULL, 10), r.m->distinct);
    CHECK_INT_EQ(strtol(last[2], NULL, 10), r.m->n_blocks);
    CHECK_INT_EQ(strtol(last[3], NULL, 10), r.m->stale_blocks);
    CHECK_INT_EQ(strtol(last[4], NULL, 10), r.m->forks);
    CHECK_INT_EQ(strtol(last[5], NULL, 10), r.m->height);
    table_cleanup(&t);

    /* summary.csv: one row, every metric by name, equal to metrics_value */
    CHECK(table_load(&t, r.dir, "summary.csv"));
    CHECK_INT_EQ(t.n_rows, 2);
    CHECK_STR_EQ(t.rows[1][0], "race, quoted");
    CHECK_STR_EQ(t.rows[1][1], "1");
    static const char *const names[] = {
#define TEST_NAME_(n, d) #n,
        METRIC_NAMES(TEST_NAME_)
#undef TEST_NAME_
    };
    size_t n_names = sizeof names / sizeof names[0];
    CHECK_INT_EQ(t.n_fields[0], 4 + n_names);
    CHECK_INT_EQ(t.n_fields[1], 4 + n_names);
    for (size_t i = 0; i < n_names; i++) {
        int col = table_col(&t, names[i]);
        double want = 0;
        CHECK(col >= 0);
        CHECK(metrics_value(r.m, names[i], &want));
        if (metrics_not_applicable(r.m, names[i])) { /* no attackers, no block interval */
            CHECK(isnan(want));
            CHECK_STR_EQ(t.rows[1][col], "");
            continue;
        }
        CHECK(t.rows[1][col][0] != '\0');
        CHECK_DBL_NEAR(strtod(t.rows[1][col], NULL), want, 0);
    }
    table_cleanup(&t);
    run_cleanup(&r);
}

/* Two halves that never meet: blocks reach half the nodes only, the nodes
 * never agree. What does not exist is an empty field, not -1 or 0: the
 * attacker figures of a run without attackers too. node0 stops mining at
 * 2 s (an end game): nodes.csv keeps the share it was given beside the
 * final 0. */
static void test_missing_values_are_empty(void) {
    run r;
    run_start(&r, "{'name': 'split', 'nodes': 4, 'topology': 'mesh', 'links': {'latency_ms': 100},"
                  " 'chain': {'difficulty': 8}, 'duration_s': 20,"
                  " 'events': [{'at': 0.5, 'do': 'partition', 'halves': true},"
                  "  {'at': 1, 'do': 'mine', 'node': 'node0'},"
                  "  {'at': 1, 'do': 'mine', 'node': 'node2'},"
                  "  {'at': 2, 'do': 'hash_power', 'node': 'node0', 'value': 0}]}");
    char err[256] = "";
    CHECK(csv_write_dir(r.dir, r.s, r.m, err, sizeof err));
    table t;
    CHECK(table_load(&t, r.dir, "blocks.csv"));
    CHECK_INT_EQ(t.n_rows - 1, 2);
    for (size_t i = 1; i < t.n_rows; i++) {
        CHECK_STR_EQ(t.rows[i][table_col(&t, "reached")], "2");
        CHECK(t.rows[i][table_col(&t, "t50_s")][0] != '\0');
        CHECK_STR_EQ(t.rows[i][table_col(&t, "t90_s")], "");
        CHECK_STR_EQ(t.rows[i][table_col(&t, "t100_s")], "");
    }
    table_cleanup(&t);
    CHECK(table_load(&t, r.dir, "summary.csv"));
    CHECK_STR_EQ(t.rows[1][table_col(&t, "convergence_time_s")], "");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "propagation_median_s")], "");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "distinct_tips")], "2");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "attacker_share")], "");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "attacker_revenue")], "");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "selfish_revenue_gap")], "");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "double_spends_released")], "");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "stale_rate_theory")], ""); /* manual mining: no T */
    CHECK_STR_EQ(t.rows[1][table_col(&t, "chains_rejected")], "0");   /* applies: a real 0 */
    table_cleanup(&t);
    CHECK(table_load(&t, r.dir, "nodes.csv"));
    CHECK_STR_EQ(t.rows[1][table_col(&t, "hash_share_configured")], "0.25");
    CHECK_STR_EQ(t.rows[1][table_col(&t, "hash_share_final")], "0");
    CHECK_STR_EQ(t.rows[2][table_col(&t, "hash_share_configured")], "0.25");
    CHECK_STR_EQ(t.rows[2][table_col(&t, "hash_share_final")], "0.25");
    int on_main = 0;
    for (size_t i = 1; i < t.n_rows; i++) on_main += atoi(t.rows[i][table_col(&t, "on_main_tip")]);
    CHECK_INT_EQ(on_main, 2);
    table_cleanup(&t);
    run_cleanup(&r);
}

static void test_dirs(void) {
    char base[] = "/tmp/test_csv_dirs.XXXXXX";
    CHECK(mkdtemp(base) != NULL);
    char nested[256], file[256], under_file[256], err[256] = "";
    snprintf(nested, sizeof nested, "%s/a/b/", base);
    CHECK(csv_mkdirs(nested, err, sizeof err));
    CHECK(csv_mkdirs(nested, err, sizeof err)); /* again: already there */
    struct stat sb;
    CHECK(stat(nested, &sb) == 0 && S_ISDIR(sb.st_mode));
    snprintf(file, sizeof file, "%s/plain", base);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    fclose(f);
    CHECK(!csv_mkdirs(file, err, sizeof err));
    CHECK(strstr(err, "is not a directory") != NULL);
    snprintf(under_file, sizeof under_file, "%s/plain/sub", base);
    CHECK(!csv_mkdirs(under_file, err, sizeof err)); /* the parent is the file */
    CHECK(strstr(err, "plain is not a directory") != NULL);
    unlink(file);
    snprintf(nested, sizeof nested, "%s/a/b", base);
    rmdir(nested);
    snprintf(nested, sizeof nested, "%s/a", base);
    rmdir(nested);
    rmdir(base);
}

static const test_case cases[] = {
    TEST(test_field_quoting),
    TEST(test_number_format),
    TEST(test_timeseries_known_events),
    TEST(test_no_blocks),
    TEST(test_race_tables),
    TEST(test_missing_values_are_empty),
    TEST(test_dirs),
    {0},
};

TEST_MAIN(cases)
