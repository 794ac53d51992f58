/* sweep_int.h - what the sweep files share among themselves (sweep__), not
 * part of sweep.h's API. */
#ifndef CHAINSIM_SWEEP_SWEEP_INT_H
#define CHAINSIM_SWEEP_SWEEP_INT_H

#include "sweep/sweep.h"

/* The value axis `axis` takes at its value index i (inside the plan's
 * "sweep" object; the plan owns it). */
const cJSON *sweep__value(const sweep_plan *p, size_t axis, size_t i);
/* A value as the table, the CSV and labels show it: a string as itself,
 * anything else as compact JSON. The caller frees it. */
char *sweep__value_text(const cJSON *v);

/* Collective (sweep_mpi.h): each rank filled rows[j] of the runs j it ran
 * (j mod size == rank); afterwards every rank holds all n rows, as one
 * process running them all would. Without a job, nothing to do. */
void sweep__mpi_share_rows(const sweep_plan *p, sweep_row *rows, size_t n);

/* Fills r->points from r->rows: the stats and verdicts of each point. */
void sweep__aggregate(const sweep_plan *p, const scenario *points, sweep_result *r);

#endif
