/* csv.h - a finished run as tidy CSV tables (--csv DIR), for pandas, R and
 * spreadsheets.
 *
 *   blocks.csv      one row per mined block
 *   nodes.csv       one row per node (its final state)
 *   timeseries.csv  one row per change point of tips, blocks, stale, forks
 *   summary.csv     one row: scenario, seed, then every metric_names.h scalar
 *
 * Every file has a header row and one observation per row; numbers are
 * plain (no units, no thousands separators), times are seconds as floats,
 * a missing value is an empty field, and text fields (names) are quoted as
 * RFC 4180 says when they hold a comma, a quote or a line break. Rows end
 * in "\n" (pandas, R and Python's csv module all read that). The files hold
 * no wall-clock figure: the same scenario and seed give the same bytes.
 *
 * Sizes grow with blocks, nodes and tip changes, each on its own, never
 * with nodes x blocks.
 *
 * Everything here reads the finished metrics (metrics_finish called) and
 * the nodes' final snapshots, after the run (no thread is running). */
#ifndef CHAINSIM_OUT_CSV_H
#define CHAINSIM_OUT_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "out/metrics.h"
#include "sim/sim.h"

/* The state of the run from t_us on, until the next point. */
typedef struct csv_point {
    int64_t t_us;
    int distinct_tips;       /* distinct tips among live nodes */
    uint64_t blocks_mined;   /* mined so far */
    uint64_t stale_blocks;   /* of those, not in the final main chain */
    uint64_t forks;          /* blocks (genesis included) with a second child so far */
    int64_t main_height;     /* height of the final main chain's newest block so far
                                (1 = the genesis) */
} csv_point;

/* The time series of tips and forks of a finished run: a point at 0, one
 * at every time any field changes (several changes at one time make one
 * point, with the state after all of them), and a last point at m->end_us
 * so a step plot reaches the end of the run. At most n_blocks +
 * n_tips_series + 2 points. Returns a heap array (free()) of *n points,
 * never NULL. The CSV file and the plots (out/plot.h) both use this. */
csv_point *csv_timeseries(const metrics *m, size_t *n);

/* Creates dir, and its parents, if missing (as mkdir -p). Returns false
 * with the reason in err if it cannot, or if dir is not a directory. */
bool csv_mkdirs(const char *dir, char *err, size_t err_len);

/* Writes the four files into dir (created if missing), and double_spend.csv
 * when the run has a double spender. Returns false with
 * the reason in err ("cannot write DIR/blocks.csv: Permission denied") if a
 * file cannot be written; the files written before it stay. */
bool csv_write_dir(const char *dir, sim *s, const metrics *m, char *err, size_t err_len);

/* The four tables one by one, to any stream. */
void csv_write_blocks(FILE *f, sim *s, const metrics *m);
void csv_write_nodes(FILE *f, sim *s, const metrics *m);
void csv_write_timeseries(FILE *f, const metrics *m);
void csv_write_summary(FILE *f, sim *s, const metrics *m);
/* One row per double-spend round (metrics.h's ds_round): its outcome
 * "success", "failed" or "unresolved" (end_s and lead empty). */
void csv_write_double_spend(FILE *f, sim *s, const metrics *m);

/* summary.csv in parts, for one table of many runs (a sweep): the header
 * line, then one row per run. */
void csv_summary_header(FILE *f);
void csv_summary_row(FILE *f, sim *s, const metrics *m);

/* One text field, quoted if it needs to be (RFC 4180: a comma, quote or
 * line break; also blanks at either end); no separator. NULL: empty. */
void csv_field(FILE *f, const char *text);
/* A number in the fewest significant digits (15 to 17) that read back to
 * the same double, as Python's repr prints it: 1/3 is 0.3333333333333333;
 * 0 for zero of either sign; "" (an empty field: the value does not exist)
 * for NAN and the infinities. out needs 32 bytes. */
void csv_format_number(char *out, size_t len, double v);

#endif
