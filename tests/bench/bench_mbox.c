/* bench_mbox.c - mailbox throughput: P producer threads push messages into
 * one mailbox, one consumer takes them in batches.
 *
 *     bench_mbox [messages_per_producer] [max_producers]
 *
 * Prints messages per second and the mean batch size for 1, 2, 4, ...
 * producers up to max_producers. Messages are allocated before the clock
 * starts and freed after it stops, so the figure is the mailbox's (lock,
 * append, wake, detach), not malloc's. Compare with shared/PERF-NOTES.md:
 * ~7 M msgs/s one per lock, ~10 M msgs/s in batches of 256 on this kind of
 * machine with one producer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/mbox.h"
#include "util/mem.h"

typedef struct producer {
    pthread_t thread;
    mbox *mb;
    msg **msgs;
    long n;
} producer;

static void *bench__produce(void *p) {
    producer *pr = p;
    for (long i = 0; i < pr->n; i++) mbox_send(pr->mb, pr->msgs[i]);
    return NULL;
}

static void bench__run(int n_producers, long per_producer) {
    mbox *mb = mbox_new();
    producer *prs = xcalloc((size_t)n_producers, sizeof *prs);
    for (int p = 0; p < n_producers; p++) {
        prs[p].mb = mb;
        prs[p].n = per_producer;
        prs[p].msgs = xmalloc((size_t)per_producer * sizeof *prs[p].msgs);
        for (long i = 0; i < per_producer; i++) prs[p].msgs[i] = msg_new(MSG_INV);
    }
    long total = (long)n_producers * per_producer, received = 0, batches = 0;
    int64_t start = clock_now_us();
    for (int p = 0; p < n_producers; p++)
        if (pthread_create(&prs[p].thread, NULL, bench__produce, &prs[p]) != 0) abort();
    while (received < total) {
        msg *batch = mbox_take(mb, -1);
        batches++;
        for (msg *m = batch; m; m = m->next) received++;
    }
    int64_t elapsed_us = clock_now_us() - start;
    for (int p = 0; p < n_producers; p++) pthread_join(prs[p].thread, NULL);
    printf("producers %d  messages %ld  %.2f M msgs/s  mean batch %.1f  (%.3f s)\n",
           n_producers, total, (double)total / (double)(elapsed_us ? elapsed_us : 1),
           (double)total / (double)batches, (double)elapsed_us / 1e6);
    for (int p = 0; p < n_producers; p++) {
        for (long i = 0; i < per_producer; i++) msg_free(prs[p].msgs[i]);
        free(prs[p].msgs);
    }
    free(prs);
    mbox_free(mb);
}

int main(int argc, char **argv) {
    long per_producer = argc > 1 ? atol(argv[1]) : 2000000;
    int max_producers = argc > 2 ? atoi(argv[2]) : 4;
    if (per_producer <= 0 || max_producers <= 0) {
        fprintf(stderr, "usage: bench_mbox [messages_per_producer] [max_producers]\n");
        return 2;
    }
    for (int p = 1; p <= max_producers; p *= 2) bench__run(p, per_producer);
    return 0;
}
