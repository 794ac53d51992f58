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
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Initialises c to time out on CLOCK_MONOTONIC. Aborts if it cannot (an
 * out-of-resources condition the program cannot go on without). Destroy
 * with pthread_cond_destroy as usual. */
void cond_init_monotonic(pthread_cond_t *c);
/* Initialises m as a mutex for short critical sections taken by many
 * threads: where the C library offers it (glibc), a contended lock spins a
 * little before it sleeps in the kernel, since its holder is most likely
 * running on the other core and about to let go. Aborts like
 * cond_init_monotonic. */
void mutex_init_brief(pthread_mutex_t *m);
/* Waits on s until it is posted (true, the count taken) or monotonic time
 * deadline_us passes (false); deadline_us < 0 waits without a deadline. A
 * signal's interruption counts as a post: the caller looks again. */
bool sem_wait_until_us(sem_t *s, int64_t deadline_us);
/* The absolute deadline for pthread_cond_timedwait at monotonic time
 * t_us (microseconds, as clock_now_us counts them). */
struct timespec cond_deadline_at_us(int64_t t_us);
/* The absolute deadline ms milliseconds from now (ms >= 0). */
struct timespec cond_deadline_in_ms(int64_t ms);

#endif
