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
 * This file is built into the plot face (cairo), not the engine: the
 * command line calls it through sweep_options.after. */
#ifndef CHAINSIM_SWEEP_SWEEP_PLOT_H
#define CHAINSIM_SWEEP_SWEEP_PLOT_H

#include "out/plot.h"
#include "sweep/sweep.h"

/* Writes the charts into dir (created if missing); o NULL = defaults.
 * Returns false with the reason in err. */
bool sweep_plot_write(const char *dir, const sweep_plan *p, const scenario *points,
                      const sweep_result *r, const plot_options *o, char *err, size_t err_len);

#endif
