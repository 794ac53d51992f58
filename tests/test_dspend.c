/* test_dspend.c - the double spend as the literature models it: the
 * reference probabilities (out/dspend.h) against the tables their authors
 * printed, and the attacker's rounds, pre-mined block and release rules
 * (node/attack/double_spend.c) judged from a run's events. The statistical
 * comparison is scenarios/validation/double-spend-*.json. */
#include <math.h>
#include <unistd.h>

#include "check.h"
#include "out/csv.h"
#include "out/dspend.h"
#include "out/metrics.h"
#include "sim_fixture.h"

/* Nakamoto (2008), sec. 11, prints P for q = 0.1 (z = 0..10) and q = 0.3
 * (z = 0, 5, ..., 50) to 7 decimals, and the z that brings P below 0.1%. */
static void test_nakamoto_tables(void) {
    static const double q10[] = {1.0000000, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137,
                                 0.0002428, 0.0000647, 0.0000173, 0.0000046, 0.0000012};
    static const double q30[] = {1.0000000, 0.1773523, 0.0416605, 0.0101008, 0.0024804, 0.0006132,
                                 0.0001522, 0.0000379, 0.0000095, 0.0000024, 0.0000006};
    for (int z = 0; z <= 10; z++) CHECK_DBL_NEAR(dspend_nakamoto(0.1, z), q10[z], 5e-8);
    for (int i = 0; i <= 10; i++) CHECK_DBL_NEAR(dspend_nakamoto(0.3, 5 * i), q30[i], 5e-8);
    static const struct { double q; int z; } below[] = {
        {0.10, 5}, {0.15, 8}, {0.20, 11}, {0.25, 15}, {0.30, 24}, {0.35, 41}, {0.40, 89}, {0.45, 340}};
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++) {
        CHECK(dspend_nakamoto(below[i].q, below[i].z) < 0.001);
        CHECK(dspend_nakamoto(below[i].q, below[i].z - 1) >= 0.001);
    }
}

/* Rosenfeld (2014) tabulates the confirmations a merchant needs for the
 * success probability to fall below 0.1%: 6, 9, 13, 20, 32, 58, 133, 539
 * for q = 10%, 15%, ..., 45% (against Nakamoto's 5, 8, 11, ...). */
static void test_rosenfeld_table(void) {
    static const struct { double q; int n; } need[] = {
        {0.10, 6}, {0.15, 9}, {0.20, 13}, {0.25, 20}, {0.30, 32}, {0.35, 58}, {0.40, 133}, {0.45, 539}};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        CHECK(dspend_rosenfeld(need[i].q, need[i].n, 0) < 0.001);
        CHECK(dspend_rosenfeld(need[i].q, need[i].n - 1, 0) >= 0.001);
    }
}

/* Rosenfeld's closed form, written out here on its own: 1 - sum_{m=0}^{z}
 * C(m+z-1, m) (p^z q^m - p^m q^z); the sum in dspend.c over the negative
 * binomial must give the same. By hand: z = 1 is 2q; z = 2 is
 * 1 - (p - q)(1 + 2pq); a strictly longer branch without a pre-mined block
 * (need 1) at z = 1 is q^2/p + 2q^2; a majority always wins. */
static void test_rosenfeld_closed_form(void) {
    for (int qi = 1; qi <= 4; qi++) {
        double q = 0.1 * qi, p = 1 - q;
        for (int z = 1; z <= 12; z++) {
            double sum = 0, c = 1; /* C(m + z - 1, m), from m = 0 */
            for (int m = 0; m <= z; m++) {
                sum += c * (pow(p, z) * pow(q, m) - pow(p, m) * pow(q, z));
                c = c * (m + z) / (m + 1);
            }
            CHECK_DBL_NEAR(dspend_rosenfeld(q, z, 0), 1 - sum, 1e-12);
        }
        CHECK_DBL_NEAR(dspend_rosenfeld(q, 1, 0), 2 * q, 1e-12);
        CHECK_DBL_NEAR(dspend_rosenfeld(q, 2, 0), 1 - (p - q) * (1 + 2 * p * q), 1e-12);
        CHECK_DBL_NEAR(dspend_rosenfeld(q, 1, 1), q * q / p + 2 * q * q, 1e-12);
        CHECK_DBL_NEAR(dspend_rosenfeld(q, 1, -1), 1, 1e-12); /* a tie after one block, ahead already */
    }
    CHECK_DBL_NEAR(dspend_rosenfeld(0.1, 6, 0), 0.0005914, 5e-8);
    CHECK_DBL_NEAR(dspend_rosenfeld(0.5, 6, 1), 1, 0);
    CHECK_DBL_NEAR(dspend_nakamoto(0.6, 6), 1, 0);
    CHECK_DBL_NEAR(dspend_rosenfeld(0, 6, 0), 0, 0);
}

/* eve (30%) against two honest nodes 1 ms away, attacking round after
 * round. */
#define ROUNDS_JSON(extra, rounds, settle)                                                     \
    "{'name': 'ds-rounds', 'seed': 5, 'nodes': [{'name': 'eve'}, {'name': 'h0'},"              \
    " {'name': 'h1'}], 'hash_power': {'pools': [{'share': 0.3, 'node': 'eve'}]},"               \
    " 'topology': 'mesh', 'links': {'latency_ms': 1}, 'relay': 'push',"                        \
    " 'chain': {'difficulty': 4, 'block_interval_s': 600, 'genesis': {'balances':"             \
    " {'eve': 1000}}}, 'mining': 'auto', 'duration_s': 600000,"                                \
    " 'attackers': [{'node': 'eve', 'strategy': 'double_spend', 'merchant': 'shop',"            \
    " 'amount': 1, 'confirmations': 2, 'give_up': 4, 'rounds': " #rounds ", 'settle': "        \
    #settle extra "}]}"

/* Height of eve's (node 0's) active chain at the time of event i. */
static int64_t eve_height_before(const fx_recorder *rec, size_t i) {
    for (size_t k = i + 1; k-- > 0;) {
        const sim_event *e = &rec->evs[k].ev;
        if (e->kind == EV_TIP_CHANGED && e->node == 0) return e->block->index;
    }
    return 1;
}

/* double_spend.csv, written by csv_write_dir: one row per round, in the
 * order of the events, with the outcome and lead each end event gave. */
static void check_round_table(fx_run *r) {
    fx_run_tmpdir(r, "test_dspend");
    char err[256] = "", path[128];
    CHECK(csv_write_dir(r->dir, r->s, r->m, err, sizeof err));
    snprintf(path, sizeof path, "%s/double_spend.csv", r->dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[256];
    CHECK(fgets(line, sizeof line, f) && strcmp(line, "round,node,name,start_s,end_s,outcome,lead\n") == 0);
    size_t row = 0, ev = 0;
    while (fgets(line, sizeof line, f)) {
        row++;
        /* the round's end event, or none if it was still racing */
        const sim_event *end = NULL;
        size_t starts = 0;
        for (; ev < r->rec.n; ev++) {
            const sim_event *e = &r->rec.evs[ev].ev;
            if (e->kind != EV_ATTACK) continue;
            if (e->value == 2 && ++starts == 2) break; /* the next round began */
            if (e->value != 2) end = e;
        }
        char want[256];
        if (end)
            snprintf(want, sizeof want, ",%s,%d\n", end->value == 1 ? "success" : "failed", end->lead);
        else
            snprintf(want, sizeof want, ",unresolved,\n");
        size_t n = strlen(line), w = strlen(want);
        CHECK(n > w && strcmp(line + n - w, want) == 0);
        char head[32];
        snprintf(head, sizeof head, "%zu,0,eve,", row);
        CHECK(strncmp(line, head, strlen(head)) == 0);
    }
    fclose(f);
    CHECK_INT_EQ(row, r->m->n_ds_rounds);
    remove(path);
    char other[128];
    static const char *const files[] = {"blocks.csv", "nodes.csv", "timeseries.csv", "summary.csv"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(other, sizeof other, "%s/%s", r->dir, files[i]);
        remove(other);
    }
    rmdir(r->dir);
}

/* Each round starts after the last one ended, once the chain has grown
 * `settle` blocks past it, pays under an id of its own and ends once; the
 * counts add up and match the events; at most `rounds` start. */
static void test_rounds_follow_each_other(void) {
    fx_run r;
    fx_run_start(&r, ROUNDS_JSON("", 40, 3), true);
    size_t started = 0, ended = 0, released = 0;
    int64_t end_top = -1;
    char want_id[64];
    for (size_t i = 0; i < r.rec.n; i++) {
        const sim_event *e = &r.rec.evs[i].ev;
        if (e->kind == EV_MSG_SENT && e->node == 0 && e->msg == MSG_TX) {
            /* the round's payment (sent before its start event): eve-pay,
             * then eve-pay-2, ... */
            if (started == 0) snprintf(want_id, sizeof want_id, "eve-pay");
            else snprintf(want_id, sizeof want_id, "eve-pay-%zu", started + 1);
            CHECK_STR_EQ(r.rec.evs[i].tx_id, want_id);
        }
        if (e->kind != EV_ATTACK) continue;
        CHECK_INT_EQ(e->node, 0);
        if (e->value == 2) {
            CHECK_INT_EQ(started, ended); /* the last round was over */
            if (end_top >= 0) CHECK(eve_height_before(&r.rec, i) >= end_top + 3);
            CHECK_DBL_NEAR(e->value2, 2, 0); /* z */
            CHECK_INT_EQ(e->lead, 1);        /* "longer", nothing pre-mined */
            started++;
        } else {
            CHECK(e->value == 0 || e->value == 1);
            CHECK_INT_EQ(started, ended + 1);
            ended++;
            released += e->value == 1;
            if (e->value == 1) CHECK(e->lead >= 1);
            else CHECK(e->lead <= -4);
            end_top = eve_height_before(&r.rec, i);
        }
    }
    CHECK_INT_EQ(started, 40);
    double v = -1;
    CHECK(metrics_value(r.m, "double_spend_rounds", &v) && v == (double)started);
    CHECK(metrics_value(r.m, "double_spend_success", &v) && v == (double)released);
    CHECK(metrics_value(r.m, "double_spend_failed", &v) && v == (double)(ended - released));
    CHECK(metrics_value(r.m, "double_spend_unresolved", &v) && v == (double)(started - ended));
    /* both outcomes happen at q = 0.3 (about 15% succeed: with 12 rounds none
     * did in one seed of seven; with 40, 0.85^40 = 0.2%) */
    CHECK(released > 0 && released < ended);
    CHECK_INT_EQ(r.m->n_ds_rounds, started);
    for (size_t i = 0; i < r.m->n_ds_rounds; i++) /* the report's per-round list */
        CHECK(r.m->ds_rounds[i].end_us < 0 ? r.m->ds_rounds[i].outcome == -1
                                           : r.m->ds_rounds[i].end_us > r.m->ds_rounds[i].start_us);
    check_round_table(&r);
    fx_run_end(&r);
}

/* With premine the payment leaves only once eve holds a private block that
 * spends the same id, found on the public tip of the moment; the release
 * rule then needs one block less (lead 0 at the start event). */
static void test_premine_pays_after_its_block(void) {
    fx_run r;
    fx_run_start(&r, ROUNDS_JSON(", 'premine': true", 6, 1), true);
    size_t rounds = 0, checked = 0;
    for (size_t i = 0; i < r.rec.n; i++) {
        const sim_event *e = &r.rec.evs[i].ev;
        if (e->kind == EV_ATTACK && e->value == 2) {
            rounds++;
            CHECK_INT_EQ(e->lead, 0);
        }
        if (!(e->kind == EV_MSG_SENT && e->node == 0 && e->msg == MSG_TX)) continue;
        /* eve's last mined block before the payment holds its double */
        const sim_event *mined = NULL;
        for (size_t k = i; k-- > 0 && !mined;)
            if (r.rec.evs[k].ev.kind == EV_MINED && r.rec.evs[k].ev.node == 0) mined = &r.rec.evs[k].ev;
        CHECK(mined != NULL);
        if (!mined) continue;
        bool holds = false;
        for (size_t t = 0; t < mined->block->n_txs; t++)
            holds |= strcmp(mined->block->txs[t]->id, r.rec.evs[i].tx_id) == 0;
        CHECK(holds);
        CHECK_INT_EQ(mined->block->parent->index, eve_height_before(&r.rec, i) - 1);
        checked++;
    }
    CHECK(rounds >= 2);
    CHECK(checked >= rounds * 2 - 2); /* one payment to each of two peers a round */
    fx_run_end(&r);
}

/* "tie" releases a branch as long as the public one (lead 0 at least once,
 * never behind); "longer" never releases one that is not ahead. */
static void test_release_rules(void) {
    for (int tie = 0; tie <= 1; tie++) {
        fx_run r;
        fx_run_start(&r, tie ? ROUNDS_JSON(", 'release': 'tie'", 40, 1) : ROUNDS_JSON("", 40, 1), true);
        size_t released = 0, at_tie = 0;
        for (size_t i = 0; i < r.rec.n; i++) {
            const sim_event *e = &r.rec.evs[i].ev;
            if (e->kind != EV_ATTACK || e->value != 1) continue;
            released++;
            at_tie += e->lead == 0;
            CHECK(e->lead >= (tie ? 0 : 1));
        }
        CHECK(released > 0);
        if (tie) CHECK(at_tie > 0);
        double need = 0;
        CHECK_INT_EQ(r.m->ds_need, tie ? 0 : 1);
        CHECK(metrics_value(r.m, "double_spend_rosenfeld", &need));
        CHECK_DBL_NEAR(need, dspend_rosenfeld(0.3, 2, tie ? 0 : 1), 1e-12);
        fx_run_end(&r);
    }
}

/* Without a double spender every double-spend metric does not apply: NAN,
 * never a 0 a mean would swallow. With one that has not resolved a round,
 * the rate and the lead do not apply yet but the counts do. */
static void test_not_applicable(void) {
    static const char *const names[] = {
        "double_spend_rounds", "double_spend_success", "double_spend_failed",
        "double_spend_unresolved", "double_spend_success_rate", "double_spend_lead_mean",
        "double_spend_rosenfeld", "double_spend_nakamoto", "double_spend_rosenfeld_gap"};
    fx_run r;
    fx_run_start(&r,
                 "{'name': 'honest', 'seed': 1, 'nodes': 3, 'mining': 'auto', 'duration_s': 6000,"
                 " 'chain': {'difficulty': 4, 'block_interval_s': 600}}",
                 false);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        double v = 0;
        CHECK(metrics_value(r.m, names[i], &v));
        CHECK(isnan(v));
    }
    fx_run_end(&r);
    fx_run_start(&r, "{'name': 'short', 'seed': 1, 'nodes': [{'name': 'eve', 'hash_power': 1},"
                     " {'name': 'h', 'hash_power': 3}], 'mining': 'auto', 'duration_s': 1,"
                     " 'chain': {'difficulty': 4, 'block_interval_s': 600, 'genesis':"
                     " {'balances': {'eve': 5}}}, 'attackers': [{'node': 'eve',"
                     " 'strategy': 'double_spend', 'merchant': 'shop', 'amount': 1}]}",
                 false);
    double v = -1;
    CHECK(metrics_value(r.m, "double_spend_rounds", &v) && v == 1);
    CHECK(metrics_value(r.m, "double_spend_unresolved", &v) && v == 1);
    CHECK(metrics_value(r.m, "double_spend_success_rate", &v) && isnan(v));
    CHECK(metrics_value(r.m, "double_spend_lead_mean", &v) && isnan(v));
    CHECK(metrics_value(r.m, "double_spend_rosenfeld", &v) && v > 0 && v < 1);
    fx_run_end(&r);
}

static const test_case cases[] = {
    TEST(test_nakamoto_tables),
    TEST(test_rosenfeld_table),
    TEST(test_rosenfeld_closed_form),
    TEST(test_rounds_follow_each_other),
    TEST(test_premine_pays_after_its_block),
    TEST(test_release_rules),
    TEST(test_not_applicable),
    {0},
};

TEST_MAIN(cases)
