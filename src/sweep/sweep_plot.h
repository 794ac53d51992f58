/* sweep_plot.h - a sweep's charts (--plot DIR on a sweep file): for each
 * metric of the plan's columns, DIR/sweep_METRIC.{png,svg,pdf}, the metric
 * against the swept parameter with each point's mean and 95% interval
 * (Student t over its replicas, sweep_stat's lo and hi) as an error bar,
 * and each expect rule's "reference" for that metric at that point as a
 * marker (out/plot.h, "error bars", draws them and gives the axes' rule);
 * a metric with such a reference that is not a column gets its chart too.
 *
 * The x axis is the first axis whose values are all numbers (else the
 * first axis, its values as names); every combination of the other axes'
 * values is a series of its own (the first PLOT_ERR_MAX_SERIES of them). A
 * metric undefined at every point (NaN: an attacker's figure without
 * attackers) gets no chart. A plan without axes (a replicated file) gets
 * none either.
 *
 * A replicated file (no axes, N > 1 replicas) gets DIR/forks_over_time:
 * out/plot.h's "bands" chart, each count's mean over the replicas inside
 * its 95% interval, from every replica's csv_timeseries evaluated at the
 * union of their change times (a uniform grid of SWEEP_PLOT_MAX_TIMES
 * times when that union is longer). The series come from the runs
 * themselves (sweep_options.on_run), so under mpirun, where rank 0 makes
 * only its share of the runs, the chart is not drawn (a note says so).
 *
 * This file is built into the plot face (cairo), not the engine: the
 * command line calls it through sweep_options' hooks. */
#ifndef CHAINSIM_SWEEP_SWEEP_PLOT_H
#define CHAINSIM_SWEEP_SWEEP_PLOT_H

#include "out/plot.h"
#include "sweep/sweep.h"

/* Writes the charts into dir (created if missing); o NULL = defaults.
 * Returns false with the reason in err. */
#define SWEEP_PLOT_MAX_TIMES 8192

/* The hooks' state: what --plot DIR needs from the runs. */
typedef struct sweep_plotter sweep_plotter;
/* dir and o are borrowed until sweep_plotter_free; o NULL = defaults. */
sweep_plotter *sweep_plotter_new(const char *dir, const plot_options *o);
void sweep_plotter_free(sweep_plotter *pl);
/* sweep_options.on_run and .after with hook_user = the plotter: on_run
 * keeps a replicated file's series, after writes every chart (err: "--plot
 * DIR: why"). */
void sweep_plotter_on_run(void *pl, const sweep_plan *p, const sweep_row *row, const metrics *m);
bool sweep_plotter_after(void *pl, const sweep_plan *p, const scenario *points,
                         const sweep_result *r, char *err, size_t err_len);

bool sweep_plot_write(const char *dir, const sweep_plan *p, const scenario *points,
                      const sweep_result *r, const plot_options *o, char *err, size_t err_len);

#endif
