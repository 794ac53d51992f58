/* cond.h - condition variables whose timed waits run on the monotonic clock.
 *
 * Every deadline in chainsim is measured on CLOCK_MONOTONIC (clock_now_us,
 * the same clock the threads executor's wall time uses). A condition
 * variable made with pthread_cond_init(c, NULL) times out on
 * CLOCK_REALTIME instead: given a monotonic deadline (seconds since boot) it
 * sees a time decades past and returns at once, so a "sleep until" becomes a
 * busy loop. Every condition variable that is ever waited on with a timeout
 * is made with cond_init_monotonic, and its deadlines with cond_deadline_*. */
#ifndef CHAINSIM_UTIL_COND_H
#define CHAINSIM_UTIL_COND_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Initialises c to time out on CLOCK_MONOTONIC. Aborts if it cannot (an
 * out-of-resources condition the program cannot go on without). Destroy
 * with pthread_cond_destroy as usual. */
void cond_init_monotonic(pthread_cond_t *c);
/* The absolute deadline for pthread_cond_timedwait at monotonic time
 * t_us (microseconds, as clock_now_us counts them). */
struct timespec cond_deadline_at_us(int64_t t_us);
/* The absolute deadline ms milliseconds from now (ms >= 0). */
struct timespec cond_deadline_in_ms(int64_t ms);

#endif
