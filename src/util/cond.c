/* cond.c - monotonic condition variables (see cond.h for why). */
#include "util/cond.h"

#include <stdlib.h>

void cond_init_monotonic(pthread_cond_t *c) {
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) abort();
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0) abort();
    if (pthread_cond_init(c, &attr) != 0) abort();
    pthread_condattr_destroy(&attr);
}

struct timespec cond_deadline_at_us(int64_t t_us) {
    return (struct timespec){.tv_sec = (time_t)(t_us / 1000000), .tv_nsec = (long)(t_us % 1000000) * 1000};
}

struct timespec cond_deadline_in_ms(int64_t ms) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t t_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 + ms * 1000;
    return cond_deadline_at_us(t_us);
}
