/* clock.h - the monotonic wall clock every deadline in chainsim is measured
 * on: mailbox waits, the threads executor's sim time, progress reports,
 * frame pacing. CLOCK_MONOTONIC, so a change of the system's time of day
 * moves no deadline. */
#ifndef CHAINSIM_UTIL_CLOCK_H
#define CHAINSIM_UTIL_CLOCK_H

#include <stdint.h>

/* Microseconds on CLOCK_MONOTONIC (any thread). */
int64_t clock_now_us(void);
/* Nanoseconds on CLOCK_MONOTONIC: for measuring short spans. */
int64_t clock_now_ns(void);
/* Nanoseconds of CPU time the calling thread has used (user + system). */
int64_t clock_thread_cpu_ns(void);

#endif
