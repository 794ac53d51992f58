/* duration.h - a span of time in the units a person reads it in: the
 * summary's long runs and forks, the window's fork panel. */
#ifndef CHAINSIM_UTIL_DURATION_H
#define CHAINSIM_UTIL_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Writes `us` microseconds into out[0..len) in the largest unit it has
 * reached and the next one, truncated (never rounded up into a unit it has
 * not reached):
 *   under a minute   "4.4 s" (to the nearest tenth)
 *   under an hour    "20 min 00 s"
 *   under a day      "5 h 03 min"
 *   from a day on    "277 d 18 h"
 * A negative span is written with a leading "-". */
void duration_format(char *out, size_t len, int64_t us);

#endif
