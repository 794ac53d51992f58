/* cond.c - monotonic timed waits and brief mutexes (see cond.h for why).
 * _GNU_SOURCE for glibc's adaptive mutex kind and sem_clockwait, here only. */
#define _GNU_SOURCE
#include "util/cond.h"

#include <errno.h>
#include <stdlib.h>

void cond_init_monotonic(pthread_cond_t *c) {
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) abort();
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0) abort();
    if (pthread_cond_init(c, &attr) != 0) abort();
    pthread_condattr_destroy(&attr);
}

void mutex_init_brief(pthread_mutex_t *m) {
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0) abort();
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    (void)pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    if (pthread_mutex_init(m, &attr) != 0) abort();
    pthread_mutexattr_destroy(&attr);
}

struct timespec cond_deadline_at_us(int64_t t_us) {
    return (struct timespec){.tv_sec = (time_t)(t_us / 1000000), .tv_nsec = (long)(t_us % 1000000) * 1000};
}

bool sem_wait_until_us(sem_t *s, int64_t deadline_us) {
    if (deadline_us < 0) return sem_wait(s) == 0 || errno != ETIMEDOUT;
    struct timespec until = cond_deadline_at_us(deadline_us);
    return sem_clockwait(s, CLOCK_MONOTONIC, &until) == 0 || errno != ETIMEDOUT;
}

struct timespec cond_deadline_in_ms(int64_t ms) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t t_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 + ms * 1000;
    return cond_deadline_at_us(t_us);
}
