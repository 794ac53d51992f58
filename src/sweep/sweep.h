/* sweep.h - one scenario file, many runs: a parameter sweep.
 *
 * A scenario file with a top-level "sweep" object is run once per point of
 * a grid of parameter values (and per seed), each run an independent
 * virtual-time sim, on a pool of worker threads; the runs' metrics make one
 * table (stdout), and optionally a CSV file and a JSON file.
 *
 *   "sweep": {
 *     "vary": {"chain.block_interval_s": [600, 60, 20, 10],
 *              "chain.block_bytes": [500000, 1000000]},
 *     "seeds": 3,
 *     "columns": ["stale_rate", "propagation_mean_s"]
 *   }
 *
 * vary     required, a non-empty object. Each key is a dotted path into the
 *          scenario's JSON, each value a non-empty array of the values that
 *          path takes. A path walks objects by key and arrays by 0-based
 *          index ("nodes.3.hash_power": the fourth node object's
 *          hash_power); missing object keys are created (as objects on the
 *          way, "network.preset" adds "network": {} if the file has none),
 *          array elements never are (an index past the end is refused), and
 *          a path cannot go through a number, string, boolean or null. Two
 *          paths may not overlap ("chain" and "chain.difficulty"), nor point
 *          into "sweep". Any JSON value may be given; the scenario parser
 *          judges it at each point.
 * seeds    integer 1..SWEEP_MAX_SEEDS, default 1: the replicas of each
 *          point, the same count as the top-level "replications" (give one
 *          of the two; --replications overrides either).
 * paired   boolean, default false: every point runs the same seeds (common
 *          random numbers, a variance-reduction choice: the differences
 *          between points are sharper, but the points are not independent
 *          samples). Without it each (point, replica) gets its own seed.
 * columns  a non-empty array of distinct metric names (metric_names.h);
 *          default every metric, in METRIC_NAMES order.
 *
 * Replications. A file without "sweep" but with "replications": N > 1 (or
 * any file with --replications N > 1) is a plan of one point and no axes.
 * Replica r of point p runs with sweep_run_seed(seed, p, r, paired):
 * replica 1 of point 1 keeps the file's seed, so it is the single run.
 * With N > 1 a point's replicas are judged together: each metric's mean,
 * sample sd and 95% interval (Student t, N-1 degrees of freedom), a
 * metric rule's bounds on the mean and, with "within_ci": true, its
 * reference inside the interval; the other rules must hold in every
 * replica. These verdicts, not the per-run ones, decide the exit code.
 *
 * Points are the cartesian product of the vary arrays in file order, the
 * first key varying slowest (like nested loops, the first outermost). They
 * are numbered from 1 in messages and in the table; the API counts from 0.
 * Runs are (point, seed) pairs in point order, then seed order.
 *
 * Checking, before anything runs, in this order (the first problem ends it,
 * with one line as scenario.h's):
 *   1. the file is read and parsed as a scenario: it must be valid on its
 *      own, the values the points replace included; syntax errors keep
 *      their line:column ("x.json:4:17: JSON syntax error near '}'");
 *   2. the sweep object: "x.json: $.sweep.vary[\"chain.block_bytes\"]:
 *      expected a non-empty array", unknown and repeated fields refused;
 *   3. every point: its scenario is the file without "sweep", with each
 *      path set to the point's value, and must parse: "x.json: sweep point 3
 *      (chain.block_interval_s=0): $.chain.block_interval_s: expected a
 *      number > 0". Race mining is refused (a sweep runs virtual time).
 *
 * Under mpirun the runs are spread over the ranks (sweep_mpi.h) and rank 0
 * alone prints and writes the output below, the same bytes.
 *
 * Output (byte-identical whatever the number of workers: rows are kept in
 * run order and no wall-clock figure is printed on stdout):
 *   table    one row per run: point, the varied values, replica, seed, the
 *            columns, and "expect" (ok/FAIL, passed/total rules); with
 *            seeds > 1 then a table of point, values, metric, n, mean, sd,
 *            ci95_low, ci95_high, and the verdicts over the replicas.
 *   CSV      DIR/sweep.csv (DIR is created if missing): a header, then one
 *            row per run: point, one column per path (named by the path),
 *            replica, seed, the columns, expect_passed, expect_failed; with
 *            seeds > 1 also DIR/summary.csv, the stats table's rows (an
 *            undefined sd or interval is an empty field). Numbers are
 *            written to round-trip exactly; strings and JSON values are
 *            quoted as RFC 4180 says. pandas.read_csv loads it as is.
 *   JSON     an array of objects, one per run, with the same fields (the
 *            varied values as the file gave them); with seeds > 1 an object
 *            {"name", "replications", "paired", "interval", "runs": that
 *            array, "stats": [the stats rows], "expect": [{point, rule,
 *            pass, actual}]}, NaN as null.
 *
 * Each run's "expect" rules are checked as a single run's are; the exit
 * status of sweep_main says whether all held in all runs. */
#ifndef CHAINSIM_SWEEP_SWEEP_H
#define CHAINSIM_SWEEP_SWEEP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario/metric_names.h"
#include "scenario/scenario.h"
#include "util/err.h"

#define SWEEP_MAX_SEEDS 10000
#define SWEEP_MAX_RUNS 100000   /* points x seeds */

/* Exit codes of sweep_main, as the command line's. */
#define SWEEP_EXIT_OK 0
#define SWEEP_EXIT_EXPECT_FAILED 1
#define SWEEP_EXIT_USAGE 2

/* Every metric of metric_names.h, by position: sweep_metric_name(i). */
#define SWEEP_METRIC_ENUM_(name, doc) SWEEP_METRIC_##name,
enum { METRIC_NAMES(SWEEP_METRIC_ENUM_) SWEEP_N_METRICS };
#undef SWEEP_METRIC_ENUM_

/* The name of metric i (0 <= i < SWEEP_N_METRICS), as metrics_value()
 * knows it; its index by name, or -1. */
const char *sweep_metric_name(int i);
int sweep_metric_index(const char *name);

typedef struct sweep_axis {
    char *path;        /* dotted, as in the file */
    const cJSON *values; /* the file's array (inside the plan's `sweep`) */
    size_t n_values;
} sweep_axis;

/* A checked sweep file (steps 1 and 2 above). */
typedef struct sweep_plan {
    char *path;        /* the file, for messages */
    char *name;        /* the scenario's name */
    cJSON *base;       /* the file's JSON without "sweep" */
    cJSON *sweep;      /* the "sweep" object */
    sweep_axis *axes;
    size_t n_axes;
    size_t n_points;   /* product of the axes' lengths */
    int seeds;         /* replicas per point ("replications", sweep.seeds or
                          --replications); > 1: the runs are replicated */
    bool paired;       /* sweep.paired: every point runs the same seeds */
    int columns[SWEEP_N_METRICS]; /* metric indices, n_columns of them */
    size_t n_columns;
} sweep_plan;

/* Reads and checks a sweep file, or a file with "replications" > 1 (or
 * any file when `replications` > 1: the command line's count, 0 = the
 * file's): a plan of one point without axes. On error returns CS_EIO/CS_EPARSE/CS_EINVAL
 * and writes one line into message ("path: $.sweep.seeds: ..."); *out is then
 * untouched. A file without "sweep" is CS_EINVAL ("$.sweep: required field
 * is missing"). On success the caller owns *out (sweep_plan_cleanup). */
cs_err sweep_plan_load(sweep_plan *out, const char *path, int replications, char *message,
                       size_t message_len);
/* Same, from text in memory; `path` only names it in messages. */
cs_err sweep_plan_parse(sweep_plan *out, const char *path, const char *text, size_t len,
                        int replications, char *message, size_t message_len);
void sweep_plan_cleanup(sweep_plan *p);

/* Runs in the plan: n_points x seeds. */
size_t sweep_plan_runs(const sweep_plan *p);
/* The value index of each axis at `point` (0-based): idx[0..n_axes). */
void sweep_point_indices(const sweep_plan *p, size_t point, size_t *idx);
/* "sweep point 3 (chain.block_interval_s=15, relay=compact)" for point 2
 * (0-based in, 1-based out); long values are cut. Writes at most len bytes. */
void sweep_point_label(const sweep_plan *p, size_t point, char *out, size_t len);
/* The point's scenario as JSON text (the file without "sweep", the point's
 * values set); the caller frees it. */
char *sweep_point_json(const sweep_plan *p, size_t point);
/* Builds and parses the point's scenario (step 3 above). On error returns
 * the parser's code and writes "path: sweep point N (...): <why>" into message.
 * On success the caller owns *out (scenario_cleanup); its `path` is
 * "path: sweep point N (...)", so later messages name the point. */
cs_err sweep_point_scenario(scenario *out, const sweep_plan *p, size_t point, char *message,
                            size_t message_len);

/* Sets the value at a dotted path of `root` to a copy of `value` (the walk
 * described above). On error returns CS_EINVAL, leaves root unchanged, and
 * writes why into why[0..why_len) ("$.nodes is a number: a path goes through
 * objects and arrays only"). */
cs_err sweep_path_set(cJSON *root, const char *path, const cJSON *value, char *why,
                      size_t why_len);

/* One run's outcome. */
typedef struct sweep_row {
    size_t point;          /* 0-based */
    int seed_index;        /* the replica, 0 .. seeds-1 */
    uint64_t seed;         /* sweep_run_seed() */
    double metric[SWEEP_N_METRICS]; /* every metric, by SWEEP_METRIC_* */
    size_t n_expects, n_failed;
    bool *rule_failed;     /* n_expects flags, by rule; NULL if the run failed */
    char *failed;          /* the failed rules, "label [actual]; ...", or NULL */
    char *error;           /* why the run could not be made or finished, or NULL */
} sweep_row;

/* A metric over a point's replicas (sweep_stats.c says how). */
typedef struct sweep_stat {
    size_t n;              /* finite values */
    double mean, sd;       /* sd: sample (n - 1); NaN if n < 2 */
    double half, lo, hi;   /* 95% interval mean +- half; NaN if n < 2 */
} sweep_stat;

/* A point's replicas together: the stats of every metric, and the expect
 * rules judged on them (metric rules on the mean and, with within_ci, on
 * the interval; the others must hold in every replica). */
typedef struct sweep_verdict {
    const scn_expect *rule;
    bool pass;
    char actual[160];      /* "mean 7.69, 95% CI [7.2, 8.1] (n=10)", "held in 9 of 10 replicas" */
} sweep_verdict;

typedef struct sweep_point_result {
    sweep_stat stat[SWEEP_N_METRICS];
    sweep_verdict *res;    /* n_expects; rule points into the point's scenario */
    size_t n_expects, n_failed;
} sweep_point_result;

typedef struct sweep_result {
    sweep_row *rows;       /* sweep_plan_runs() of them, in run order */
    size_t n_rows;
    sweep_point_result *points; /* n_points of them */
    size_t n_points;
} sweep_result;

/* Replica `replica` of `point` runs with this seed (sweep_stats.c gives the
 * formula): `seed` itself for replica 0 of point 0, else a 53-bit mix of
 * the three; paired ignores the point (every point the same seeds). */
uint64_t sweep_run_seed(uint64_t seed, size_t point, int replica, bool paired);
/* The 0.975 quantile of Student's t with df >= 1 degrees of freedom; NaN
 * for df < 1. */
double sweep_t975(int df);
/* The p quantile of Student's t with df >= 1 degrees of freedom, for
 * 0.5 <= p < 1 (bisection on the distribution function, to 1e-10); NaN
 * otherwise. sweep_t_quantile(0.975, df) is sweep_t975(df) to 1e-9. */
double sweep_t_quantile(double p, int df);
/* The stat of the finite values among x[0..n). */
void sweep_stat_of(const double *x, size_t n, sweep_stat *out);

struct metrics; /* out/metrics.h: a finished run's figures */

typedef struct sweep_options {
    int workers;           /* threads running points; 0 = online CPUs (in an
                              MPI job, divided by the ranks on this machine);
                              always capped by the number of runs */
    const char *csv_dir;   /* write csv_dir/sweep.csv; NULL = no CSV */
    const char *json_path; /* write the rows as JSON here (--report); NULL = none */
    bool quiet;            /* no table on stdout */
    int replications;      /* replicas per point instead of the file's; 0 = the file's */
    bool seed_set;         /* the base seed of every point instead of its own */
    uint64_t seed;
    bool progress;         /* "runs done" on `err` as they finish (for a tty) */
    FILE *out;             /* the table; NULL = stdout */
    FILE *err;             /* messages; NULL = stderr */
    /* Called once on the process that writes the files (rank 0), after the
     * table and the files, with every run's row and the points' stats:
     * the command line draws --plot's charts here (sweep_plot.h), which
     * live in the plot face the engine does not link. False: sweep_main
     * prints "chainsim: <err>" and exits SWEEP_EXIT_USAGE. NULL = none. */
    bool (*after)(void *user, const sweep_plan *p, const scenario *points,
                  const sweep_result *r, char *err, size_t err_len);
    /* Called after each run this process makes, in the worker thread that
     * made it, with its row (point, replica, seed and metrics filled) and
     * its finished metrics (metrics_finish done; freed after the call):
     * calls for distinct runs come concurrently, so the callee writes only
     * what belongs to that run. NULL = none. */
    void (*on_run)(void *user, const sweep_plan *p, const sweep_row *row,
                   const struct metrics *m); /* out/metrics.h */
    void *hook_user;       /* the `user` of after and on_run */
} sweep_options;

/* Runs every (point, seed) of the plan; points[i] is point i's scenario
 * (sweep_point_scenario). Workers share nothing but the queue of run
 * numbers: each run builds its own sim, metrics and verdicts. The caller
 * owns *out (sweep_result_cleanup). Returns the number of workers used. */
int sweep_run(sweep_result *out, const sweep_plan *p, const scenario *points,
              const sweep_options *o);
void sweep_result_cleanup(sweep_result *r);

/* The table(s) described above. */
void sweep_print_table(FILE *out, const sweep_plan *p, const sweep_result *r);
/* The CSV and JSON files; CS_EIO (errno set) if a file cannot be written. */
cs_err sweep_write_csv(const char *file, const sweep_plan *p, const sweep_result *r);
cs_err sweep_write_json(const char *file, const sweep_plan *p, const sweep_result *r);

/* Everything: load and check the file, check every point, run, print the
 * table, write the files, report failed rules and errors on o->err. Returns
 * SWEEP_EXIT_OK when every rule held in every run, SWEEP_EXIT_EXPECT_FAILED
 * when one did not, SWEEP_EXIT_USAGE for a file, point, run or output error. */
int sweep_main(const char *path, const sweep_options *o);

/* The file's and the machine's summary of a replicated plan (seeds > 1):
 * per point and metric of the columns, n, mean, sd, ci95_low, ci95_high,
 * as a table on `out` and as summary.csv; and the rules' verdicts. */
void sweep_print_stats(FILE *out, const sweep_plan *p, const sweep_result *r);
cs_err sweep_write_stats_csv(const char *file, const sweep_plan *p, const sweep_result *r);

#endif
