/* report.h - the end of a run in words and in JSON: the summary table on
 * stdout, the --report file, and the verdict of the scenario's `expect`
 * rules.
 *
 * Everything here reads the finished metrics and the nodes' final
 * snapshots, after the run (no thread is running). The JSON report holds no
 * wall-clock figure, so the same scenario and seed give the same bytes. */
#ifndef CHAINSIM_OUT_REPORT_H
#define CHAINSIM_OUT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "out/metrics.h"
#include "scenario/metric_names.h"
#include "scenario/scenario.h"
#include "sim/sim.h"

typedef struct expect_result {
    const scn_expect *rule;
    bool pass;
    char actual[128]; /* what was measured, in words */
} expect_result;

/* Evaluates every expect rule; returns a heap array of s->n_expects results
 * (free()) and the number that failed in *n_failed. */
expect_result *report_check(sim *s, const metrics *m, size_t *n_failed);

/* Prints the summary table. wall_s < 0 leaves out the wall time. */
void report_print(FILE *out, sim *s, const metrics *m, const expect_result *res,
                  double wall_s);

/* Writes the JSON report; CS_EIO (errno set) if the file cannot be written. */
cs_err report_write_json(const char *path, sim *s, const metrics *m,
                         const expect_result *res);

#endif
