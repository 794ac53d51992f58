/* metrics_int.h - what the metrics files share (not exported). */
#ifndef CHAINSIM_OUT_METRICS_INT_H
#define CHAINSIM_OUT_METRICS_INT_H

#include "out/metrics.h"

/* Fills m->retarget from the main chain (m->main_tip set); metrics_finish
 * calls it once. */
void metrics__retarget(metrics *m);

#endif
