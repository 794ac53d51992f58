/* sweep_run.c - a sweep's runs on a pool of worker threads, and the whole
 * command (sweep_main): plan, points, runs, table, files.
 *
 * Every run is a virtual-time sim of its own: its own scenario (read only,
 * shared by the seeds of a point), store, wire, nodes, metrics and
 * verdicts. Workers take run numbers from a counter under a lock and write
 * only their own row, so the rows, and everything printed from them after
 * the workers are joined, do not depend on the number of workers or on
 * which worker ran what. In an MPI job (sweep_mpi.h) a process's workers
 * take only its rank's runs (j mod ranks == rank); the rows of the others
 * arrive from their ranks before anything is aggregated or printed, so the
 * same holds whatever the number of ranks.
 *
 * Process-wide state the workers could meet, checked: the log level
 * (util/log.c) is an atomic that nobody sets during a sweep; log lines are
 * single fprintf calls (atomic in POSIX stdio); sha256's portable switch is
 * an atomic read. The one unsafe thing is cJSON's parser, which writes a
 * static error position on every call: it is used while building a sim
 * whose scenario asks for the classic genesis (bstore.c parses it), so sim
 * construction takes sweep__cjson_lock; every other cJSON call here runs
 * on the calling thread before the workers start or after they end. */
#include "sweep/sweep_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/csv.h"
#include "out/metrics.h"
#include "out/report.h"
#include "sim/sim.h"
#include "sweep/sweep_mpi.h"
#include "util/mem.h"

#define SWEEP_MAX_WORKERS 256

static pthread_mutex_t sweep__cjson_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- running ----------------------------------------------------------- */

typedef struct sweep__pool {
    const sweep_plan *p;
    const scenario *points;
    const sweep_options *o;
    sweep_row *rows;
    size_t n_runs;
    size_t rank, ranks;   /* this process runs the runs j with j % ranks == rank */
    size_t n_mine;        /* how many that is */
    FILE *err;
    pthread_mutex_t lock; /* guards next and done, which count this rank's runs */
    size_t next, done;
} sweep__pool;

/* "label [actual]; label [actual]" of the failed rules, or NULL. */
static char *sweep__failures(const scenario *scn, const expect_result *res) {
    char *s = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < scn->n_expects; i++) {
        if (res[i].pass) continue;
        size_t need = strlen(res[i].rule->label) + strlen(res[i].actual) + 8;
        s = xgrow(s, &cap, len + need, 1);
        len += (size_t)snprintf(s + len, cap - len, "%s%s [%s]", len ? "; " : "",
                                res[i].rule->label, res[i].actual);
    }
    return s;
}

static void sweep__run_one(sweep__pool *pool, size_t j) {
    const sweep_plan *p = pool->p;
    sweep_row *row = &pool->rows[j];
    row->point = j / (size_t)p->seeds;
    row->seed_index = (int)(j % (size_t)p->seeds);
    const scenario *scn = &pool->points[row->point];
    row->seed = sweep_run_seed(pool->o->seed_set ? pool->o->seed : scn->seed, row->point,
                               row->seed_index, p->paired);
    row->n_expects = scn->n_expects;
    char err[1024];
    sim_desc d = {.scn = scn, .executor = SIM_VIRTUAL, .seed_set = true, .seed = row->seed};
    pthread_mutex_lock(&sweep__cjson_lock);
    sim *s = sim_new(&d, err, sizeof err);
    pthread_mutex_unlock(&sweep__cjson_lock);
    if (!s) {
        row->error = xstrdup(err);
        return;
    }
    metrics *m = metrics_attach(s);
    cs_err e = sim_run(s);
    if (e) {
        snprintf(err, sizeof err, "%s, seed %llu: the run failed: %s", scn->path,
                 (unsigned long long)row->seed, cs_strerror(e));
        row->error = xstrdup(err);
    }
    metrics_finish(m, sim_end_us(s));
    for (int i = 0; i < SWEEP_N_METRICS; i++) metrics_value(m, sweep_metric_name(i), &row->metric[i]);
    if (pool->o->on_run) pool->o->on_run(pool->o->hook_user, p, row, m);
    expect_result *res = report_check(s, m, &row->n_failed);
    row->failed = sweep__failures(scn, res);
    row->rule_failed = xcalloc(scn->n_expects + 1, sizeof *row->rule_failed);
    for (size_t i = 0; i < scn->n_expects; i++) row->rule_failed[i] = !res[i].pass;
    free(res);
    metrics_free(m);
    sim_free(s);
}

static void *sweep__worker(void *arg) {
    sweep__pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        size_t k = pool->next < pool->n_mine ? pool->next++ : pool->n_mine;
        pthread_mutex_unlock(&pool->lock);
        if (k >= pool->n_mine) return NULL;
        sweep__run_one(pool, pool->rank + k * pool->ranks);
        pthread_mutex_lock(&pool->lock);
        pool->done++;
        if (pool->o->progress) {
            fprintf(pool->err, "\r  sweep: %zu of %zu runs done   ", pool->done, pool->n_mine);
            fflush(pool->err);
        }
        pthread_mutex_unlock(&pool->lock);
    }
}

int sweep_run(sweep_result *out, const sweep_plan *p, const scenario *points,
              const sweep_options *o) {
    size_t n = sweep_plan_runs(p);
    size_t rank = (size_t)sweep_mpi_rank(), ranks = (size_t)sweep_mpi_size();
    size_t mine = rank < n ? (n - rank + ranks - 1) / ranks : 0;
    /* By default the ranks on one machine share its CPUs. */
    long want = o->workers > 0 ? o->workers
                               : sysconf(_SC_NPROCESSORS_ONLN) / sweep_mpi_local_size();
    if (want < 1) want = 1;
    if (want > SWEEP_MAX_WORKERS) want = SWEEP_MAX_WORKERS;
    int workers = (size_t)want > mine ? (int)mine : (int)want;
    sweep__pool pool = {
        .p = p, .points = points, .o = o, .n_runs = n,
        .rank = rank, .ranks = ranks, .n_mine = mine,
        .rows = xcalloc(n ? n : 1, sizeof *pool.rows),
        .err = o->err ? o->err : stderr,
    };
    pthread_mutex_init(&pool.lock, NULL);
    pthread_t *threads = xmalloc((size_t)(workers > 0 ? workers : 1) * sizeof *threads);
    int started = 0;
    if (workers > 1)
        while (started < workers && pthread_create(&threads[started], NULL, sweep__worker, &pool) == 0)
            started++;
    /* One worker, or no thread could be made: this thread runs what is left. */
    if (started == 0) sweep__worker(&pool);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&pool.lock);
    if (o->progress && mine) fputs("\r\033[K", pool.err);
    sweep__mpi_share_rows(p, pool.rows, n);
    *out = (sweep_result){.rows = pool.rows, .n_rows = n};
    sweep__aggregate(p, points, out);
    return started > 0 ? started : 1;
}

void sweep_result_cleanup(sweep_result *r) {
    for (size_t i = 0; i < r->n_rows; i++) {
        free(r->rows[i].failed);
        free(r->rows[i].error);
        free(r->rows[i].rule_failed);
    }
    free(r->rows);
    for (size_t i = 0; i < r->n_points; i++) free(r->points[i].res);
    free(r->points);
    memset(r, 0, sizeof *r);
}

/* ---- the command ------------------------------------------------------- */

static int sweep__write_files(const sweep_plan *p, const sweep_result *r, const sweep_options *o,
                              FILE *err) {
    int code = SWEEP_EXIT_OK;
    char why[512];
    if (o->csv_dir && !csv_mkdirs(o->csv_dir, why, sizeof why)) {
        fprintf(err, "chainsim: --csv %s: %s\n", o->csv_dir, why);
        code = SWEEP_EXIT_USAGE;
    } else if (o->csv_dir) {
        size_t n = strlen(o->csv_dir) + sizeof "/sweep.csv";
        char *file = xmalloc(n);
        snprintf(file, n, "%s/sweep.csv", o->csv_dir);
        errno = 0;
        if (sweep_write_csv(file, p, r) != CS_OK) {
            fprintf(err, "chainsim: --csv %s: %s\n", file, strerror(errno ? errno : EIO));
            code = SWEEP_EXIT_USAGE;
        }
        free(file);
        n = strlen(o->csv_dir) + sizeof "/summary.csv";
        file = xmalloc(n);
        snprintf(file, n, "%s/summary.csv", o->csv_dir);
        errno = 0;
        if (code == SWEEP_EXIT_OK && p->seeds > 1 && sweep_write_stats_csv(file, p, r) != CS_OK) {
            fprintf(err, "chainsim: --csv %s: %s\n", file, strerror(errno ? errno : EIO));
            code = SWEEP_EXIT_USAGE;
        }
        free(file);
    }
    errno = 0;
    if (o->json_path && sweep_write_json(o->json_path, p, r) != CS_OK) {
        fprintf(err, "chainsim: --report %s: %s\n", o->json_path, strerror(errno ? errno : EIO));
        code = SWEEP_EXIT_USAGE;
    }
    return code;
}

int sweep_main(const char *path, const sweep_options *o) {
    FILE *out = o->out ? o->out : stdout, *err = o->err ? o->err : stderr;
    char message[2048];
    sweep_plan p;
    /* Under MPI every rank loads and checks the plan; they go on together
     * or stop together, rank 0 saying why (sweep_mpi.h). */
    bool loaded = sweep_plan_load(&p, path, o->replications, message, sizeof message) == CS_OK;
    if (!sweep_mpi_all_ok(loaded, message, sizeof message)) {
        fprintf(err, "chainsim: %s\n", message);
        if (loaded) sweep_plan_cleanup(&p);
        return SWEEP_EXIT_USAGE;
    }
    scenario *points = xcalloc(p.n_points, sizeof *points);
    size_t n_parsed = 0;
    int code = SWEEP_EXIT_OK;
    for (; n_parsed < p.n_points; n_parsed++) {
        if (sweep_point_scenario(&points[n_parsed], &p, n_parsed, message, sizeof message) != CS_OK) {
            code = SWEEP_EXIT_USAGE;
            break;
        }
    }
    if (!sweep_mpi_all_ok(code == SWEEP_EXIT_OK, message, sizeof message)) {
        fprintf(err, "chainsim: %s\n", message);
        code = SWEEP_EXIT_USAGE;
    }
    bool lead = sweep_mpi_rank() == 0; /* the one that prints and writes */
    if (code == SWEEP_EXIT_OK) {
        sweep_result r;
        sweep_run(&r, &p, points, o);
        if (!o->quiet && lead) sweep_print_table(out, &p, &r);
        if (!o->quiet && lead && p.seeds > 1) sweep_print_stats(out, &p, &r);
        fflush(out);
        for (size_t i = 0; i < r.n_rows; i++) {
            const sweep_row *row = &r.rows[i];
            if (row->error) {
                fprintf(err, "chainsim: %s\n", row->error);
                code = SWEEP_EXIT_USAGE;
            } else if (row->failed && p.seeds == 1) { /* replicated: judged per point below */
                fprintf(err, "chainsim: %s, seed %llu: %zu expectation%s failed: %s\n",
                        points[row->point].path, (unsigned long long)row->seed, row->n_failed,
                        row->n_failed == 1 ? "" : "s", row->failed);
                if (code == SWEEP_EXIT_OK) code = SWEEP_EXIT_EXPECT_FAILED;
            }
        }
        for (size_t pt = 0; pt < r.n_points && p.seeds > 1; pt++) {
            const sweep_point_result *pr = &r.points[pt];
            if (!pr->n_failed) continue;
            fprintf(err, "chainsim: %s: %zu expectation%s failed over %d replicas:\n",
                    points[pt].path, pr->n_failed, pr->n_failed == 1 ? "" : "s", p.seeds);
            for (size_t i = 0; i < pr->n_expects; i++)
                if (!pr->res[i].pass)
                    fprintf(err, "  %s [%s]\n", pr->res[i].rule->label, pr->res[i].actual);
            if (code == SWEEP_EXIT_OK) code = SWEEP_EXIT_EXPECT_FAILED;
        }
        int wcode = lead ? sweep__write_files(&p, &r, o, err) : SWEEP_EXIT_OK;
        if (wcode != SWEEP_EXIT_OK) code = wcode;
        if (lead && o->after && !o->after(o->hook_user, &p, points, &r, message, sizeof message)) {
            fprintf(err, "chainsim: %s\n", message);
            code = SWEEP_EXIT_USAGE;
        }
        sweep_result_cleanup(&r);
    }
    for (size_t i = 0; i < n_parsed; i++) scenario_cleanup(&points[i]);
    free(points);
    sweep_plan_cleanup(&p);
    return code;
}
