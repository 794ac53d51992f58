/* csv.c - the tidy CSV tables of a finished run (see csv.h).
 *
 * Columns, in order:
 *
 *   blocks.csv      hash, height, parent_hash, miner, miner_name, mined_s,
 *                   reached, t50_s, t90_s, t100_s, tau_s, children, main
 *   nodes.csv       node, name, region, region_name, upload_bps,
 *                   download_bps, degree, hash_share_configured,
 *                   hash_share_final, tip_hash, tip_height, on_main_tip,
 *                   crashed, blocks_rejected (who the node is as the run
 *                   drew it: sim_node_profile; then its final state)
 *   timeseries.csv  t_s, distinct_tips, blocks_mined, stale_blocks, forks,
 *                   main_height
 *   summary.csv     scenario, seed, nodes, sim_time_s, then METRIC_NAMES
 *   double_spend.csv  (only with a double spender) round, node, name,
 *                   start_s, end_s, outcome, lead: one row per round
 *
 * The time series has one row per change point rather than a fixed step:
 * every field is a step function that changes only when a block is mined
 * or the number of distinct tips changes, so the change points are exact
 * (a fixed step would blur a fork that opens and closes within one step,
 * or pad a quiet run with identical rows), and their number is bounded by
 * blocks + tip changes whatever the run's length. stale_blocks and
 * main_height are judged against the final main chain, which is known only
 * at the end: a block counts as stale from the moment it is mined.
 *
 * Missing values are empty fields: a block that never reached 50/90/100% of
 * the nodes, a region when the scenario has none, a region name when the
 * regions do not come from a preset, convergence_time_s when the nodes
 * never agreed, and every metric that does not apply to the run
 * (metrics_value gives NAN: attacker figures without attackers, the
 * propagation percentiles when no block reached every node, ...); a 0 or a
 * -1 there would poison a mean over many runs. */
#include "out/csv.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario/metric_names.h"
#include "scenario/presets.h"
#include "util/mem.h"

void csv_field(FILE *f, const char *text) {
    if (!text) return;
    size_t n = strlen(text);
    bool blank_ends = n && (text[0] == ' ' || text[n - 1] == ' '); /* readers may trim them */
    if (!blank_ends && !strpbrk(text, ",\"\r\n")) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

void csv_format_number(char *out, size_t len, double v) {
    if (!isfinite(v)) { /* a value that does not exist: an empty field */
        snprintf(out, len, "%s", "");
        return;
    }
    if (v == 0) { /* -0 too */
        snprintf(out, len, "0");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, len, "%.*g", digits, v);
        if (strtod(out, NULL) == v) break;
    }
}

static void csv__num(FILE *f, double v) {
    char text[32];
    csv_format_number(text, sizeof text, v);
    fputs(text, f);
}

/* Seconds from microseconds; a negative time ("never") is an empty field. */
static void csv__seconds(FILE *f, int64_t us) {
    if (us >= 0) csv__num(f, (double)us / 1e6);
}

/* ---------------------------------------------------------------- blocks */

/* Index into m->blocks of a mined block, or -1 (the genesis, or unknown). */
static long csv__block_index(const metrics *m, const block *b) {
    if (!b) return -1;
    intptr_t i = (intptr_t)hmap_get(&m->by_hash, b->hash, SHA256_LEN);
    return i ? (long)i - 1 : -1;
}

void csv_write_blocks(FILE *f, sim *s, const metrics *m) {
    fputs("hash,height,parent_hash,miner,miner_name,mined_s,reached,t50_s,t90_s,t100_s,tau_s,"
          "children,main\n",
          f);
    int n_nodes = sim_node_count(s);
    for (size_t i = 0; i < m->n_blocks; i++) {
        const block_stat *st = &m->blocks[i];
        fprintf(f, "%s,%" PRId64 ",%s,", st->b->hash_hex, st->b->index, st->b->prev_hash);
        if (st->miner >= 0 && st->miner < n_nodes) {
            fprintf(f, "%d,", st->miner);
            csv_field(f, node_name(sim_node(s, st->miner)));
        } else {
            fputc(',', f);
        }
        fputc(',', f);
        csv__seconds(f, st->mined_us);
        fprintf(f, ",%" PRId64 ",", st->reached);
        csv__seconds(f, st->t50_us);
        fputc(',', f);
        csv__seconds(f, st->t90_us);
        fputc(',', f);
        csv__seconds(f, st->t100_us);
        fputc(',', f);
        csv__num(f, metrics_block_tau(st)); /* NAN (no node accepted it): empty */
        fprintf(f, ",%d,%d\n", st->children, st->main ? 1 : 0);
    }
}

/* ----------------------------------------------------------------- nodes */

void csv_write_nodes(FILE *f, sim *s, const metrics *m) {
    fputs("node,name,region,region_name,upload_bps,download_bps,degree,hash_share_configured,"
          "hash_share_final,tip_hash,tip_height,on_main_tip,crashed,blocks_rejected\n",
          f);
    for (int i = 0; i < sim_node_count(s); i++) {
        const sim_node_profile *p = sim_node_profile_of(s, i);
        node_snapshot snap;
        node_snapshot_get(sim_node(s, i), &snap);
        fprintf(f, "%d,", i);
        csv_field(f, node_name(sim_node(s, i)));
        fputc(',', f);
        if (p->region >= 0) fprintf(f, "%d", p->region);
        fputc(',', f);
        csv_field(f, p->region_name);
        fputc(',', f); /* an unlimited link has no rate: empty */
        if (p->upload_bps > 0) fprintf(f, "%" PRId64, p->upload_bps);
        fputc(',', f);
        if (p->download_bps > 0) fprintf(f, "%" PRId64, p->download_bps);
        fprintf(f, ",%d,", p->degree);
        csv__num(f, p->share);
        fputc(',', f);
        csv__num(f, snap.share);
        bool on_main = m->main_tip && memcmp(snap.tip->hash, m->main_tip->hash, SHA256_LEN) == 0;
        fprintf(f, ",%s,%" PRId64 ",%d,%d,%" PRIu64 "\n", snap.tip->hash_hex, snap.height,
                on_main ? 1 : 0, snap.crashed ? 1 : 0, snap.blocks_rejected);
        node_snapshot_release(&snap);
    }
}

/* ------------------------------------------------------------ timeseries */

csv_point *csv_timeseries(const metrics *m, size_t *n) {
    size_t cap = m->n_blocks + m->n_tips_series + 2, len = 0;
    csv_point *out = xmalloc(cap * sizeof *out);
    /* children so far of each mined block, and of the genesis */
    int *children = xcalloc(m->n_blocks + 1, sizeof *children);
    int genesis_children = 0;
    csv_point cur = {.t_us = 0, .distinct_tips = 1, .main_height = 1};
    out[len++] = cur;
    size_t bi = 0, ti = 0;
    while (bi < m->n_blocks || ti < m->n_tips_series) {
        int64_t t = bi < m->n_blocks ? m->blocks[bi].mined_us : INT64_MAX;
        if (ti < m->n_tips_series && m->tips_series[ti].t_us < t) t = m->tips_series[ti].t_us;
        for (; bi < m->n_blocks && m->blocks[bi].mined_us == t; bi++) {
            const block_stat *st = &m->blocks[bi];
            cur.blocks_mined++;
            if (st->main) cur.main_height = st->b->index;
            else cur.stale_blocks++;
            long p = csv__block_index(m, st->b->parent);
            int c = p >= 0 ? ++children[p] : st->b->parent == m->genesis ? ++genesis_children : 0;
            if (c == 2) cur.forks++;
        }
        for (; ti < m->n_tips_series && m->tips_series[ti].t_us == t; ti++)
            cur.distinct_tips = m->tips_series[ti].distinct;
        cur.t_us = t;
        csv_point *last = &out[len - 1];
        bool same = last->distinct_tips == cur.distinct_tips &&
                    last->blocks_mined == cur.blocks_mined &&
                    last->stale_blocks == cur.stale_blocks && last->forks == cur.forks &&
                    last->main_height == cur.main_height;
        if (same) continue; /* a tip split and healed within one instant */
        if (last->t_us == t) *last = cur; /* events at 0 change the first point */
        else out[len++] = cur;
    }
    if (m->end_us > out[len - 1].t_us) {
        cur = out[len - 1];
        cur.t_us = m->end_us;
        out[len++] = cur;
    }
    free(children);
    *n = len;
    return out;
}

void csv_write_timeseries(FILE *f, const metrics *m) {
    size_t n;
    csv_point *pts = csv_timeseries(m, &n);
    fputs("t_s,distinct_tips,blocks_mined,stale_blocks,forks,main_height\n", f);
    for (size_t i = 0; i < n; i++) {
        csv__seconds(f, pts[i].t_us);
        fprintf(f, ",%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRId64 "\n", pts[i].distinct_tips,
                pts[i].blocks_mined, pts[i].stale_blocks, pts[i].forks, pts[i].main_height);
    }
    free(pts);
}

/* --------------------------------------------------------------- summary */

static const char *const csv__metric_names[] = {
#define CSV_NAME_(n, d) #n,
    METRIC_NAMES(CSV_NAME_)
#undef CSV_NAME_
};
#define CSV_N_METRICS (sizeof csv__metric_names / sizeof csv__metric_names[0])

void csv_summary_header(FILE *f) {
    fputs("scenario,seed,nodes,sim_time_s", f);
    for (size_t i = 0; i < CSV_N_METRICS; i++) fprintf(f, ",%s", csv__metric_names[i]);
    fputc('\n', f);
}

void csv_summary_row(FILE *f, sim *s, const metrics *m) {
    csv_field(f, sim_scenario(s)->name);
    fprintf(f, ",%" PRIu64 ",%d,", sim_seed(s), m->n_nodes);
    csv__seconds(f, m->end_us);
    for (size_t i = 0; i < CSV_N_METRICS; i++) {
        double v = 0;
        fputc(',', f);
        if (metrics_value(m, csv__metric_names[i], &v)) csv__num(f, v); /* NAN: empty */
    }
    fputc('\n', f);
}

void csv_write_summary(FILE *f, sim *s, const metrics *m) {
    csv_summary_header(f);
    csv_summary_row(f, s, m);
}

/* ---------------------------------------------------------- double spend */

void csv_write_double_spend(FILE *f, sim *s, const metrics *m) {
    static const char *const outcome[] = {"unresolved", "failed", "success"};
    fputs("round,node,name,start_s,end_s,outcome,lead\n", f);
    for (size_t i = 0; i < m->n_ds_rounds; i++) {
        const ds_round *r = &m->ds_rounds[i];
        fprintf(f, "%zu,%d,", i + 1, r->node);
        csv_field(f, node_name(sim_node(s, r->node)));
        fputc(',', f);
        csv__seconds(f, r->start_us);
        fputc(',', f);
        csv__seconds(f, r->end_us); /* empty: still racing at the end */
        fprintf(f, ",%s,", outcome[r->outcome + 1]);
        if (r->outcome >= 0) fprintf(f, "%d", r->lead);
        fputc('\n', f);
    }
}

/* ----------------------------------------------------------------- files */

bool csv_mkdirs(const char *dir, char *err, size_t err_len) {
    char *path = xstrdup(dir);
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') path[--len] = '\0';
    bool ok = len > 0;
    if (!ok) snprintf(err, err_len, "empty directory name");
    /* each prefix ending before a '/', then the whole path */
    for (char *p = path + 1; ok; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
            ok = false;
        } else if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "%s is not a directory", path);
            ok = false;
        }
        *p = saved;
        if (saved == '\0') break;
    }
    free(path);
    return ok;
}

typedef enum csv_table {
    CSV_BLOCKS,
    CSV_NODES,
    CSV_TIMESERIES,
    CSV_SUMMARY,
    CSV_DOUBLE_SPEND,
} csv_table;

static bool csv__write_file(const char *dir, const char *name, csv_table table, sim *s,
                            const metrics *m, char *err, size_t err_len) {
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    bool ok = f != NULL;
    if (ok) {
        switch (table) {
        case CSV_BLOCKS: csv_write_blocks(f, s, m); break;
        case CSV_NODES: csv_write_nodes(f, s, m); break;
        case CSV_TIMESERIES: csv_write_timeseries(f, m); break;
        case CSV_SUMMARY: csv_write_summary(f, s, m); break;
        case CSV_DOUBLE_SPEND: csv_write_double_spend(f, s, m); break;
        }
        ok = !ferror(f);
        if (fclose(f) != 0) ok = false;
    }
    if (!ok) snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
    free(path);
    return ok;
}

bool csv_write_dir(const char *dir, sim *s, const metrics *m, char *err, size_t err_len) {
    if (!csv_mkdirs(dir, err, err_len)) return false;
    return csv__write_file(dir, "blocks.csv", CSV_BLOCKS, s, m, err, err_len) &&
           csv__write_file(dir, "nodes.csv", CSV_NODES, s, m, err, err_len) &&
           csv__write_file(dir, "timeseries.csv", CSV_TIMESERIES, s, m, err, err_len) &&
           csv__write_file(dir, "summary.csv", CSV_SUMMARY, s, m, err, err_len) &&
           (!m->n_double_spenders ||
            csv__write_file(dir, "double_spend.csv", CSV_DOUBLE_SPEND, s, m, err, err_len));
}
