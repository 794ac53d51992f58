/* report.c - the summary table, the JSON report and the expect verdicts. */
#include "out/report.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chain/ledger.h"
#include "util/duration.h"
#include "util/mem.h"

#define REPORT_EPS 1e-9

static bool report__in_range(const scn_expect *r, double v) {
    if (r->has_min && v < r->min - REPORT_EPS) return false;
    if (r->has_max && v > r->max + REPORT_EPS) return false;
    return true;
}

static void report__node_height(sim *s, const scn_expect *r, expect_result *out) {
    int lo = r->node >= 0 ? r->node : 0, hi = r->node >= 0 ? r->node + 1 : sim_node_count(s);
    out->pass = true;
    int64_t worst = -1;
    for (int i = lo; i < hi; i++) {
        node_snapshot snap;
        node_snapshot_get(sim_node(s, i), &snap);
        bool ok = report__in_range(r, (double)snap.height);
        if (!ok && out->pass) {
            out->pass = false;
            worst = snap.height;
            snprintf(out->actual, sizeof out->actual, "%s is at height %" PRId64,
                     node_name(sim_node(s, i)), worst);
        }
        node_snapshot_release(&snap);
    }
    if (out->pass) snprintf(out->actual, sizeof out->actual, "ok");
}

expect_result *report_check(sim *s, const metrics *m, size_t *n_failed) {
    const scenario *scn = sim_scenario(s);
    expect_result *res = xcalloc(scn->n_expects + 1, sizeof *res);
    *n_failed = 0;
    for (size_t i = 0; i < scn->n_expects; i++) {
        const scn_expect *r = &scn->expects[i];
        expect_result *out = &res[i];
        out->rule = r;
        double v = 0;
        switch (r->kind) {
        case EXPECT_CONVERGED:
            out->pass = (m->distinct <= 1) == r->bool_value;
            snprintf(out->actual, sizeof out->actual, "%d distinct tip%s", m->distinct,
                     m->distinct == 1 ? "" : "s");
            break;
        case EXPECT_METRIC:
            metrics_value(m, r->metric, &v);
            if (isnan(v)) { /* a bound on a figure that does not exist here cannot hold */
                out->pass = false;
                snprintf(out->actual, sizeof out->actual, "%s does not apply: %s", r->metric,
                         metrics_not_applicable(m, r->metric));
                break;
            }
            out->pass = report__in_range(r, v);
            if (r->within_ci) { /* one run has no interval: say so, never pass silently */
                out->pass = false;
                snprintf(out->actual, sizeof out->actual, "%s = %.6g; one run has no interval "
                         "(give \"replications\" >= 2)", r->metric, v);
                break;
            }
            if (r->has_reference)
                snprintf(out->actual, sizeof out->actual, "%s = %.6g; reference %.6g%s%s%s",
                         r->metric, v, r->reference, r->source ? " (" : "",
                         r->source ? r->source : "", r->source ? ")" : "");
            else
                snprintf(out->actual, sizeof out->actual, "%s = %.6g", r->metric, v);
            break;
        case EXPECT_BALANCE: {
            node_snapshot snap;
            node_snapshot_get(sim_node(s, r->node), &snap);
            int64_t bal = snap.balances ? ledger_balance(snap.balances, r->account, NULL) : 0;
            node_snapshot_release(&snap);
            out->pass = report__in_range(r, (double)bal);
            snprintf(out->actual, sizeof out->actual, "balance = %" PRId64, bal);
            break;
        }
        case EXPECT_HEIGHT: report__node_height(s, r, out); break;
        }
        if (!out->pass) (*n_failed)++;
    }
    return res;
}

static const char *report__short(const block *b, char out[20]) {
    snprintf(out, 20, "%.12s", b->hash_hex);
    return out;
}

static void report__bytes(double bytes, char *out, size_t len) {
    const char *units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000 && u < 4) bytes /= 1000, u++;
    snprintf(out, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static void report__prop_line(FILE *out, const char *label, const percentiles *p) {
    if (p->n == 0) fprintf(out, "  %-16s no block got there\n", label);
    else fprintf(out, "  %-16s median %.3f s, p90 %.3f s, max %.3f s (%zu blocks)\n", label,
                 p->median, p->p90, p->max, p->n);
}

/* The observers' figures (out/metrics.h), under the acceptance-based
 * reach lines: the same shares as the papers measured them. */
static void report__observers(FILE *out, sim *s, const metrics *m) {
    if (m->n_observers == 0) return;
    const scenario *scn = sim_scenario(s);
    fprintf(out, "  %-16s %d:", "observers", m->n_observers);
    int listed = 0;
    for (size_t i = 0; i < scn->n_attackers; i++) {
        if (scn->attackers[i].strategy != NODE_OBSERVER) continue;
        if (listed == 4) {
            fprintf(out, ", ...");
            break;
        }
        fprintf(out, "%s %s", listed++ ? "," : "", scn->nodes[scn->attackers[i].node].name);
    }
    fprintf(out, "; each peer's first announcement, timed from the block's first one\n");
    report__prop_line(out, "observer 50%", &m->obs50);
    if (m->obs50_mined.n)
        fprintf(out, "  %-16s median %.3f s, p90 %.3f s (the same from mining)\n", "",
                m->obs50_mined.median, m->obs50_mined.p90);
    report__prop_line(out, "observer 90%", &m->obs90);
    if (m->obs_delay.n == 0) fprintf(out, "  %-16s none after the first\n", "announcements");
    else
        fprintf(out, "  %-16s after the first: median %.3f s, p90 %.3f s, mean %.3f s, max %.3f s"
                     " (%zu)\n",
                "announcements", m->obs_delay.median, m->obs_delay.p90, m->obs_delay_mean_s,
                m->obs_delay.max, m->obs_delay.n);
}

/* The live nodes' tips, highest first, then by hash: the same order
 * whatever the map's (heap array, free()). */
static const block **report__tips_sorted(sim *s, const metrics *m, size_t *n_out) {
    size_t pos = 0, n = 0;
    const hmap_slot *slot;
    const block **list = xmalloc((hmap_len(&m->tip_count) + 1) * sizeof *list);
    while (hmap_next(&m->tip_count, &pos, &slot)) {
        const block *b = bstore_get(sim_store(s), slot->key);
        if (b) list[n++] = b;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && (list[j]->index > list[j - 1]->index ||
                                     (list[j]->index == list[j - 1]->index &&
                                      memcmp(list[j]->hash, list[j - 1]->hash, SHA256_LEN) < 0));
             j--) {
            const block *t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    *n_out = n;
    return list;
}

static void report__agreement(FILE *out, sim *s, const metrics *m) {
    char h[20];
    if (m->distinct <= 1) {
        fprintf(out, "  %-16s all %" PRIu64 " live nodes on #%" PRId64 " %s\n", "agreement",
                m->nodes_live, m->main_tip->index, report__short(m->main_tip, h));
        return;
    }
    fprintf(out, "  %-16s SPLIT: %d tips among %" PRIu64 " live nodes\n", "agreement", m->distinct,
            m->nodes_live);
    size_t n = 0;
    const block **list = report__tips_sorted(s, m, &n);
    for (size_t i = 0; i < n && i < 8; i++)
        fprintf(out, "  %-16s   #%" PRId64 " %s held by %" PRIdPTR " node(s)\n", "", list[i]->index,
                report__short(list[i], h),
                (intptr_t)hmap_get(&m->tip_count, list[i]->hash, SHA256_LEN));
    free(list);
}

/* The double spend's rounds, the measured probability and the two
 * references for its q and z. */
static void report__double_spend(FILE *out, const metrics *m) {
    double v[6];
    const char *names[6] = {"double_spend_rounds", "double_spend_success", "double_spend_failed",
                            "double_spend_unresolved", "double_spend_success_rate",
                            "double_spend_lead_mean"};
    for (int i = 0; i < 6; i++) metrics_value(m, names[i], &v[i]);
    fprintf(out, "  %-16s %.0f round(s): %.0f released, %.0f gave up, %.0f unresolved", "double spend",
            v[0], v[1], v[2], v[3]);
    if (!isnan(v[5])) fprintf(out, "; lead at release %.2f", v[5]);
    fputc('\n', out);
    double ros = 0, nak = 0;
    metrics_value(m, "double_spend_rosenfeld", &ros);
    metrics_value(m, "double_spend_nakamoto", &nak);
    if (isnan(ros)) return;
    fprintf(out, "  %-16s ", "");
    if (!isnan(v[4])) fprintf(out, "success %.4g; ", v[4]);
    fprintf(out, "q %.3f, z %d: Rosenfeld %.4g, Nakamoto %.4g\n", m->ds_share, m->ds_z, ros, nak);
}

/* Who attacked, and what they got next to what theory says they should. */
static void report__attackers(FILE *out, sim *s, const metrics *m) {
    if (m->n_attackers == 0) return;
    const scenario *scn = sim_scenario(s);
    fprintf(out, "  %-16s %d:", "attackers", m->n_attackers);
    int listed = 0; /* observers are not attackers: the observer lines name them */
    for (size_t i = 0; i < scn->n_attackers; i++) {
        if (scn->attackers[i].strategy == NODE_OBSERVER) continue;
        if (listed == 4) {
            fprintf(out, ", ...");
            break;
        }
        fprintf(out, "%s %s (%s)", listed++ ? "," : "", scn->nodes[scn->attackers[i].node].name,
                node_strategy_name(scn->attackers[i].strategy));
    }
    fprintf(out, "; %.1f%% of the hash power, %.1f%% of the main chain\n",
            100 * m->attacker_share, 100 * m->attacker_revenue);
    if (m->n_selfish) {
        fprintf(out, "  %-16s revenue %.4f; Eyal & Sirer R(alpha %.3f, gamma %.3f) = %.4f\n",
                "selfish mining", m->attacker_revenue, m->selfish_share, m->selfish_gamma,
                m->selfish_theory);
        if (m->selfish_races)
            fprintf(out, "  %-16s %.3f measured: %" PRIu64 " of %" PRIu64
                         " tie races went the attacker's way\n",
                    "gamma", (double)m->selfish_races_ours / (double)m->selfish_races,
                    m->selfish_races_ours, m->selfish_races);
    }
    if (m->n_double_spenders) report__double_spend(out, m);
}

/* "1500.000 s (25 min 00 s)": seconds, and from a minute on the span in
 * the units a person reads it in. */
static void report__seconds(char *out, size_t len, int64_t us) {
    char human[32];
    int n = snprintf(out, len, "%.3f s", (double)us / 1e6);
    if (us < 60000000 || n < 0 || (size_t)n >= len) return;
    duration_format(human, sizeof human, us);
    snprintf(out + n, len - (size_t)n, " (%s)", human);
}

static void report__fork_line(FILE *out, const char *label, const forks_record *r) {
    char text[128], from[64], to[64];
    forks_record_text(r, text, sizeof text);
    snprintf(from, sizeof from, "%.3f", (double)r->start_us / 1e6);
    snprintf(to, sizeof to, "%.3f", (double)r->end_us / 1e6);
    fprintf(out, "  %-16s %s, from %s s to %s s\n", label, text, from, to);
}

/* Forks among the live nodes' tips (out/forks.h): how many, the longest
 * and the last that ended, and one still open at the end. */
static void report__forks(FILE *out, const metrics *m) {
    const forks_history *h = &m->fork_hist;
    char since[64];
    if (h->n_forks == 0) {
        fprintf(out, "  %-16s none: the live nodes' tips stayed on one chain\n", "tip forks");
        return;
    }
    fprintf(out, "  %-16s %" PRIu64 " begun, %" PRIu64 " ended\n", "tip forks", h->n_forks,
            h->n_forks - (h->since_us >= 0));
    if (h->have_latest) {
        report__fork_line(out, "longest fork", &h->longest);
        if (h->latest.start_us != h->longest.start_us) report__fork_line(out, "last fork", &h->latest);
    }
    if (h->since_us >= 0) {
        report__seconds(since, sizeof since, m->end_us - h->since_us);
        fprintf(out, "  %-16s since %.3f s, still open at the end (%s)\n", "open fork",
                (double)h->since_us / 1e6, since);
    }
}

/* tau/T up to which the first-order stale formulas hold (docs/outputs.md:
 * at 0.2 they differ by 8% of each other, and the measured rate lies
 * between them), and past which neither does (tau is then no propagation
 * delay of a connected network, a partition's say). */
#define REPORT_TAU_SMALL 0.2
#define REPORT_TAU_LARGE 1.0

/* tau, x = tau/T and what the two stale formulas make of x, with where
 * they apply. Only for automatic mining (a block interval to divide by). */
static void report__tau(FILE *out, const metrics *m) {
    double x = NAN, fork_rate = NAN, share = NAN;
    metrics_value(m, "tau_over_interval", &x);
    metrics_value(m, "stale_rate_theory", &fork_rate);
    metrics_value(m, "stale_rate_theory_x1x", &share);
    if (isnan(x)) return;
    fprintf(out, "  %-16s %.3f s mean delay to a node; x = tau/T = %.3g\n", "tau", m->mean_delay_s, x);
    fprintf(out, "  %-16s 1 - e^(-x) = %.2f%% (forks per block), x/(1+x) = %.2f%% (stale per mined)\n",
            "stale theory", 100 * fork_rate, 100 * share);
    if (x <= REPORT_TAU_SMALL)
        fprintf(out, "  %-16s x <= %.1f: small, where both hold\n", "", REPORT_TAU_SMALL);
    else if (x <= REPORT_TAU_LARGE)
        fprintf(out, "  %-16s x > %.1f: not small; both are first order, stale per mined nears x/(1+x)\n",
                "", REPORT_TAU_SMALL);
    else
        fprintf(out, "  %-16s x > %.0f: neither holds (they assume tau << T: one connected network)\n",
                "", REPORT_TAU_LARGE);
}

/* The threads executor's lateness, and the warning when it is sizeable
 * (SIM_LATENESS_SKEWED); nothing for the virtual executor. */
static void report__lateness(FILE *out, const sim *s) {
    sim_lateness l;
    if (!sim_lateness_get(s, &l) || !l.messages) return;
    fprintf(out, "  %-16s p50 %.3f ms, p99 %.3f ms, max %.3f ms; mean %.3f ms = %.1f%% of the"
                 " %.3f ms a message spent on the wire\n",
            "lateness", l.p50_ms, l.p99_ms, l.max_ms, l.mean_ms, 100 * l.share, l.wire_mean_ms);
    if (l.skewed)
        fprintf(out, "  %-16s results are skewed: lower --speed (messages arrived %.1f%% later"
                     " than their links allow, %.0f%% is the limit)\n",
                "warning", 100 * l.share, 100 * SIM_LATENESS_SKEWED);
}

void report_print(FILE *out, sim *s, const metrics *m, const expect_result *res, double wall_s) {
    const scenario *scn = sim_scenario(s);
    char bytes[32];
    fprintf(out, "chainsim: %s (seed %" PRIu64 ", %s executor)\n", scn->name, sim_seed(s),
            sim_executor_kind(s) == SIM_THREADS ? "threads" : "virtual");
    char human[32];
    duration_format(human, sizeof human, m->end_us);
    fprintf(out, "  %-16s %.3f s", "sim time", (double)m->end_us / 1e6);
    if (m->end_us >= 60000000) fprintf(out, " (%s%s", human, wall_s >= 0 ? "; " : ")");
    else if (wall_s >= 0) fputs(" (", out);
    if (wall_s >= 0) fprintf(out, "wall %.3f s)", wall_s);
    fputc('\n', out);
    fprintf(out, "  %-16s %d (%" PRIu64 " live)\n", "nodes", m->n_nodes, m->nodes_live);
    if (metrics_windowed(m)) {
        char to[32] = "the end";
        if (m->measure_to_us > 0) snprintf(to, sizeof to, "%.3f s", (double)m->measure_to_us / 1e6);
        fprintf(out, "  %-16s blocks mined from %.3f s to %s: %zu of %zu (the block figures count these)\n",
                "measured", (double)m->measure_from_us / 1e6, to, m->n_measured, m->n_blocks);
    }
    fprintf(out, "  %-16s %zu mined, height %" PRId64 ", %" PRIu64 " stale (%.2f%%), %" PRIu64 " fork(s)\n",
            "blocks", m->n_measured, m->height, m->stale_blocks, 100 * m->stale_rate, m->forks);
    fprintf(out, "  %-16s %" PRIu64 " (max depth %" PRIu64 "), %" PRIu64 " block(s) and %" PRIu64
                 " chain(s) rejected\n",
            "reorgs", m->reorgs, m->max_reorg_depth, m->blocks_rejected, m->chains_rejected);
    report__attackers(out, s, m);
    report__prop_line(out, "reach 50%", &m->prop50);
    report__prop_line(out, "reach 90%", &m->prop90);
    report__prop_line(out, "reach 100%", &m->prop100);
    report__observers(out, s, m);
    report__tau(out, m);
    fprintf(out, "  %-16s %" PRIu64 " accepted, %" PRIu64 " rejected, %" PRIu64 " confirmed", "transactions",
            m->tx_accepted, m->tx_rejected, m->tx_confirmed);
    if (m->confirm.n) fprintf(out, ", confirmation median %.2f s", m->confirm.median);
    fputc('\n', out);
    for (int r = 1; r < REJ_COUNT; r++)
        if (m->tx_rejected_by[r])
            fprintf(out, "  %-16s   %" PRIu64 " x %s (%s)\n", "", m->tx_rejected_by[r],
                    reject_code((reject)r), reject_message((reject)r));
    report__bytes((double)m->sent.bytes, bytes, sizeof bytes);
    fprintf(out, "  %-16s %" PRIu64 " sent (%s), %" PRIu64 " dropped\n", "messages", m->sent.msgs,
            bytes, m->msgs_dropped);
    report__lateness(out, s);
    report__agreement(out, s, m);
    report__forks(out, m);
    if (m->convergence_time_s >= 0)
        fprintf(out, "  %-16s %.3f s (the last disagreement, forks and spreading blocks alike)\n",
                "converged in", m->convergence_time_s);
    if (scn->n_expects) {
        fprintf(out, "expectations:\n");
        for (size_t i = 0; i < scn->n_expects; i++)
            fprintf(out, "  %-5s %s  [%s]\n", res[i].pass ? "ok" : "FAIL", res[i].rule->label,
                    res[i].actual);
    }
}

static cJSON *report__percentiles(const percentiles *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "blocks", (double)p->n);
    if (p->n) {
        cJSON_AddNumberToObject(o, "median_s", p->median);
        cJSON_AddNumberToObject(o, "p90_s", p->p90);
        cJSON_AddNumberToObject(o, "max_s", p->max);
    }
    return o;
}

static cJSON *report__by_reason(const uint64_t *counts) {
    cJSON *o = cJSON_CreateObject();
    for (int r = 1; r < REJ_COUNT; r++)
        if (counts[r]) cJSON_AddNumberToObject(o, reject_code((reject)r), (double)counts[r]);
    return o;
}

/* A number, or null for one that does not exist here (NAN). */
static void report__num(cJSON *o, const char *name, double v) {
    if (isnan(v)) cJSON_AddNullToObject(o, name);
    else cJSON_AddNumberToObject(o, name, v);
}

/* Seconds, or null for "never" (a negative time). */
static void report__s(cJSON *o, const char *name, int64_t us) {
    report__num(o, name, us < 0 ? NAN : (double)us / 1e6);
}

static cJSON *report__blocks(const metrics *m) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_blocks; i++) {
        const block_stat *st = &m->blocks[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "hash", st->b->hash_hex);
        cJSON_AddNumberToObject(o, "height", (double)st->b->index);
        cJSON_AddStringToObject(o, "parent", st->b->prev_hash);
        cJSON_AddNumberToObject(o, "miner", st->miner);
        report__s(o, "mined_s", st->mined_us);
        cJSON_AddBoolToObject(o, "main", st->main);
        cJSON_AddNumberToObject(o, "txs", (double)st->b->n_txs);
        cJSON_AddNumberToObject(o, "nodes_reached", (double)st->reached);
        report__s(o, "reach50_s", st->t50_us);
        report__s(o, "reach90_s", st->t90_us);
        report__s(o, "reach100_s", st->t100_us);
        report__num(o, "tau_s", metrics_block_tau(st));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* Each double-spend round: who, when, how it ended and the lead then. */
static cJSON *report__ds_rounds(const metrics *m) {
    static const char *const outcome[] = {"unresolved", "failed", "success"};
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_ds_rounds; i++) {
        const ds_round *r = &m->ds_rounds[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "round", (double)(i + 1));
        cJSON_AddNumberToObject(o, "node", r->node);
        report__s(o, "start_s", r->start_us);
        report__s(o, "end_s", r->end_us); /* null: still racing */
        cJSON_AddStringToObject(o, "outcome", outcome[r->outcome + 1]);
        report__num(o, "lead", r->outcome < 0 ? NAN : r->lead);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *report__nodes(sim *s) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < sim_node_count(s); i++) {
        node_snapshot snap;
        node_snapshot_get(sim_node(s, i), &snap);
        cJSON *o = cJSON_CreateObject();
        const sim_node_profile *p = sim_node_profile_of(s, i);
        cJSON_AddStringToObject(o, "name", node_name(sim_node(s, i)));
        report__num(o, "region", p->region >= 0 ? p->region : NAN);
        if (p->region_name) cJSON_AddStringToObject(o, "region_name", p->region_name);
        else cJSON_AddNullToObject(o, "region_name");
        report__num(o, "upload_bps", p->upload_bps > 0 ? (double)p->upload_bps : NAN);
        report__num(o, "download_bps", p->download_bps > 0 ? (double)p->download_bps : NAN);
        cJSON_AddNumberToObject(o, "degree", p->degree);
        cJSON_AddNumberToObject(o, "hash_share_configured", p->share);
        cJSON_AddNumberToObject(o, "hash_share_final", snap.share);
        cJSON_AddNumberToObject(o, "height", (double)snap.height);
        cJSON_AddStringToObject(o, "tip", snap.tip->hash_hex);
        cJSON_AddBoolToObject(o, "crashed", snap.crashed);
        cJSON_AddNumberToObject(o, "mempool", (double)snap.mempool_size);
        cJSON_AddNumberToObject(o, "blocks_rejected", (double)snap.blocks_rejected);
        node_snapshot_release(&snap);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *report__agreement_json(sim *s, const metrics *m) {
    cJSON *tips = cJSON_CreateArray();
    size_t n = 0;
    const block **list = report__tips_sorted(s, m, &n);
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "hash", list[i]->hash_hex);
        cJSON_AddNumberToObject(o, "height", (double)list[i]->index);
        cJSON_AddNumberToObject(o, "nodes",
                                (double)(intptr_t)hmap_get(&m->tip_count, list[i]->hash, SHA256_LEN));
        cJSON_AddItemToArray(tips, o);
    }
    free(list);
    return tips;
}

/* The main chain's retarget windows (only in runs that retarget). */
static cJSON *report__retarget(const metrics *m) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "every", (double)m->retarget_every);
    cJSON *arr = cJSON_AddArrayToObject(o, "windows");
    for (size_t k = 0; k < m->retarget.n_windows; k++) {
        cJSON *w = cJSON_CreateObject();
        cJSON_AddNumberToObject(w, "window", (double)k);
        cJSON_AddNumberToObject(w, "difficulty", m->retarget.window_difficulty[k]);
        cJSON_AddNumberToObject(w, "mean_interval_s", m->retarget.window_interval_s[k]);
        cJSON_AddItemToArray(arr, w);
    }
    return o;
}

static cJSON *report__fork_json(const forks_record *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "start_s", (double)r->start_us / 1e6);
    cJSON_AddNumberToObject(o, "end_s", (double)r->end_us / 1e6);
    cJSON_AddNumberToObject(o, "length_s", (double)(r->end_us - r->start_us) / 1e6);
    report__num(o, "fork_height", r->fork_height >= 0 ? (double)r->fork_height : NAN);
    cJSON_AddNumberToObject(o, "branches", r->branches);
    cJSON_AddNumberToObject(o, "orphaned", r->orphaned);
    return o;
}

/* The fork history: null where there is no such fork. */
static cJSON *report__forks_json(const metrics *m) {
    const forks_history *h = &m->fork_hist;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "begun", (double)h->n_forks);
    if (h->have_latest) {
        cJSON_AddItemToObject(o, "longest", report__fork_json(&h->longest));
        cJSON_AddItemToObject(o, "last", report__fork_json(&h->latest));
    } else {
        cJSON_AddNullToObject(o, "longest");
        cJSON_AddNullToObject(o, "last");
    }
    report__num(o, "open_since_s", h->since_us >= 0 ? (double)h->since_us / 1e6 : NAN);
    return o;
}

cs_err report_write_json(const char *path, sim *s, const metrics *m, const expect_result *res) {
    const scenario *scn = sim_scenario(s);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", scn->name);
    cJSON_AddNumberToObject(root, "seed", (double)sim_seed(s));
    cJSON_AddStringToObject(root, "executor", sim_executor_kind(s) == SIM_THREADS ? "threads" : "virtual");
    cJSON_AddBoolToObject(root, "converged", m->distinct <= 1);
    cJSON_AddNumberToObject(root, "sim_time_s", (double)m->end_us / 1e6);
    cJSON_AddNumberToObject(root, "nodes", m->n_nodes);
    cJSON_AddNumberToObject(root, "nodes_live", (double)m->nodes_live);
    if (metrics_windowed(m)) {
        cJSON *w = cJSON_AddObjectToObject(root, "measure");
        cJSON_AddNumberToObject(w, "from_s", (double)m->measure_from_us / 1e6);
        report__num(w, "to_s", m->measure_to_us > 0 ? (double)m->measure_to_us / 1e6 : NAN);
        cJSON_AddNumberToObject(w, "blocks", (double)m->n_measured);
        cJSON_AddNumberToObject(w, "blocks_in_all", (double)m->n_blocks);
    }
    cJSON *metrics_obj = cJSON_AddObjectToObject(root, "metrics");
    static const char *const names[] = {
#define REPORT_NAME_(n, d) #n,
        METRIC_NAMES(REPORT_NAME_)
#undef REPORT_NAME_
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        double v = 0;
        metrics_value(m, names[i], &v);
        report__num(metrics_obj, names[i], v);
    }
    if (m->n_double_spenders) cJSON_AddItemToObject(root, "double_spend_rounds", report__ds_rounds(m));
    cJSON *prop = cJSON_AddObjectToObject(root, "propagation");
    cJSON_AddItemToObject(prop, "reach50", report__percentiles(&m->prop50));
    cJSON_AddItemToObject(prop, "reach90", report__percentiles(&m->prop90));
    cJSON_AddItemToObject(prop, "reach100", report__percentiles(&m->prop100));
    if (m->n_observers) { /* as the observers measured it: from each block's first announcement */
        cJSON *ob = cJSON_AddObjectToObject(prop, "observer");
        cJSON_AddNumberToObject(ob, "observers", m->n_observers);
        cJSON_AddItemToObject(ob, "reach50", report__percentiles(&m->obs50));
        cJSON_AddItemToObject(ob, "reach90", report__percentiles(&m->obs90));
        cJSON_AddItemToObject(ob, "reach50_from_mining", report__percentiles(&m->obs50_mined));
        cJSON *d = report__percentiles(&m->obs_delay);
        cJSON_DeleteItemFromObject(d, "blocks");
        cJSON_AddNumberToObject(d, "announcements", (double)m->obs_delay.n);
        if (m->obs_delay.n) cJSON_AddNumberToObject(d, "mean_s", m->obs_delay_mean_s);
        cJSON_AddItemToObject(ob, "delay", d);
    }
    cJSON *txo = cJSON_AddObjectToObject(root, "transactions");
    cJSON_AddNumberToObject(txo, "accepted", (double)m->tx_accepted);
    cJSON_AddNumberToObject(txo, "rejected", (double)m->tx_rejected);
    cJSON_AddItemToObject(txo, "rejected_by_reason", report__by_reason(m->tx_rejected_by));
    cJSON_AddNumberToObject(txo, "confirmed", (double)m->tx_confirmed);
    cJSON_AddItemToObject(txo, "confirmation_latency", report__percentiles(&m->confirm));
    cJSON *msgs = cJSON_AddObjectToObject(root, "messages");
    cJSON_AddNumberToObject(msgs, "sent", (double)m->sent.msgs);
    cJSON_AddNumberToObject(msgs, "dropped", (double)m->msgs_dropped);
    cJSON_AddNumberToObject(msgs, "bytes", (double)m->sent.bytes);
    cJSON *kinds = cJSON_AddObjectToObject(msgs, "sent_by_kind");
    for (int k = 0; k < MSG_COMMAND; k++)
        cJSON_AddNumberToObject(kinds, msg_kind_name((msg_kind)k), (double)m->sent.by_kind[k]);
    sim_lateness late;
    if (sim_lateness_get(s, &late)) { /* threads only: the virtual executor is never late */
        cJSON *lo = cJSON_AddObjectToObject(root, "lateness");
        cJSON_AddNumberToObject(lo, "messages", (double)late.messages);
        cJSON_AddNumberToObject(lo, "mean_ms", late.mean_ms);
        cJSON_AddNumberToObject(lo, "p50_ms", late.p50_ms);
        cJSON_AddNumberToObject(lo, "p99_ms", late.p99_ms);
        cJSON_AddNumberToObject(lo, "max_ms", late.max_ms);
        cJSON_AddNumberToObject(lo, "wire_mean_ms", late.wire_mean_ms);
        cJSON_AddNumberToObject(lo, "share", late.share);
        cJSON_AddNumberToObject(lo, "skewed_from", SIM_LATENESS_SKEWED);
        cJSON_AddBoolToObject(lo, "skewed", late.skewed);
    }
    cJSON *blocks_rej = cJSON_AddObjectToObject(root, "rejections");
    cJSON_AddNumberToObject(blocks_rej, "blocks", (double)m->blocks_rejected);
    cJSON_AddNumberToObject(blocks_rej, "chains", (double)m->chains_rejected);
    cJSON_AddItemToObject(blocks_rej, "by_reason", report__by_reason(m->rejected_by));
    cJSON *agree = cJSON_AddObjectToObject(root, "agreement");
    cJSON_AddNumberToObject(agree, "distinct_tips", m->distinct);
    cJSON_AddItemToObject(agree, "tips", report__agreement_json(s, m));
    cJSON_AddStringToObject(agree, "main_tip", m->main_tip->hash_hex);
    cJSON_AddItemToObject(agree, "tip_forks", report__forks_json(m));
    cJSON *exp = cJSON_AddArrayToObject(root, "expectations");
    for (size_t i = 0; i < scn->n_expects; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "rule", res[i].rule->label);
        cJSON_AddBoolToObject(o, "pass", res[i].pass);
        cJSON_AddStringToObject(o, "actual", res[i].actual);
        cJSON_AddItemToArray(exp, o);
    }
    if (m->retarget_every > 0) cJSON_AddItemToObject(root, "retarget", report__retarget(m));
    cJSON_AddItemToObject(root, "blocks", report__blocks(m));
    cJSON_AddItemToObject(root, "final_nodes", report__nodes(s));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0) ok = false;
    free(text);
    return ok ? CS_OK : CS_EIO;
}
