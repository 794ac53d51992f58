/* bench_threads.c - the threads executor live: N nodes (default 1000), one
 * thread each, random 8-out, auto mining every 2 s and 20 transactions per
 * second, for 10 s of sim time at speed 1 (or the speed given: above what
 * the machine keeps up with, the figure is the executor's capacity, and
 * the run lags). Prints messages per wall second, the CPU split into user
 * and system time (getrusage: the kernel's share is the cost of waking and
 * switching threads and of contended locks), context switches per message,
 * and checks that none was lost: after the drain, every message sent was
 * delivered (the links have no loss and there is no partition).
 *
 * usage: bench_threads [N [sim_seconds [speed]]] */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "net/mbox.h"
#include "scenario/scenario.h"
#include "sim/sim.h"

typedef struct counts {
    atomic_ullong sent, delivered, dropped, blocks;
} counts;

static void count_sink(void *user, const sim_event *ev) {
    counts *c = user;
    switch (ev->kind) {
    case EV_MSG_SENT: atomic_fetch_add(&c->sent, 1); break;
    case EV_MSG_DELIVERED: atomic_fetch_add(&c->delivered, 1); break;
    case EV_MSG_DROPPED: atomic_fetch_add(&c->dropped, 1); break;
    case EV_MINED: atomic_fetch_add(&c->blocks, 1); break;
    default: break;
    }
}

int main(int argc, char **argv) {
    int n_nodes = argc > 1 ? atoi(argv[1]) : 1000;
    int seconds = argc > 2 ? atoi(argv[2]) : 10;
    double speed = argc > 3 ? atof(argv[3]) : 1;
    if (n_nodes <= 0 || seconds <= 0 || !(speed > 0)) {
        fprintf(stderr, "usage: bench_threads [N [sim_seconds [speed]]]\n");
        return 2;
    }
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"bench-threads\", \"nodes\": %d,"
             " \"topology\": {\"type\": \"random\", \"k\": 8},"
             " \"links\": {\"latency_ms\": {\"min\": 50, \"max\": 200}},"
             " \"chain\": {\"difficulty\": 12, \"block_interval_s\": 2,"
             "   \"genesis\": {\"balances\": {\"node0\": 1000000, \"node1\": 1000000}}},"
             " \"traffic\": {\"tx_per_s\": 20},"
             " \"mining\": \"auto\", \"duration_s\": %d}",
             n_nodes, seconds);
    scenario scn;
    char err[512];
    if (scenario_parse(&scn, "bench", json, strlen(json), err, sizeof err) != CS_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sim *s = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS, .speed = speed}, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    counts c = {0};
    sim_add_sink_filtered(s, count_sink, &c,
                          SIM_EVENT_BIT(EV_MSG_SENT) | SIM_EVENT_BIT(EV_MSG_DELIVERED) |
                              SIM_EVENT_BIT(EV_MSG_DROPPED) | SIM_EVENT_BIT(EV_MINED));
    int64_t t0 = clock_now_us();
    sim_run(s);
    double wall = (double)(clock_now_us() - t0) / 1e6;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double cpu = user + sys;
    unsigned long long sent = c.sent, delivered = c.delivered, dropped = c.dropped;
    double switches = (double)ru.ru_nvcsw + (double)ru.ru_nivcsw;
    printf("threads executor: %d nodes, %d s of sim time at speed %g\n", n_nodes, seconds, speed);
    printf("  wall %.2f s (sim ended at %.2f s) | blocks %llu\n", wall,
           (double)sim_end_us(s) / 1e6, (unsigned long long)c.blocks);
    printf("  cpu %.2f s = user %.2f s + system %.2f s (kernel share %.0f%%)\n", cpu, user, sys,
           cpu > 0 ? 100.0 * sys / cpu : 0.0);
    printf("  context switches %.0f (%.2f per message delivered; voluntary %.2f, involuntary %.2f)\n",
           switches, delivered ? switches / (double)delivered : 0.0,
           delivered ? (double)ru.ru_nvcsw / (double)delivered : 0.0,
           delivered ? (double)ru.ru_nivcsw / (double)delivered : 0.0);
    printf("  messages sent %llu, delivered %llu, dropped %llu | %.0f msgs/s (wall), %.0f per cpu s\n",
           sent, delivered, dropped, (double)delivered / wall, cpu > 0 ? (double)delivered / cpu : 0.0);
    sim_lateness late;
    if (sim_lateness_get(s, &late))
        printf("  lateness p50 %.3f ms, p99 %.3f ms, max %.3f ms, mean %.3f ms = %.1f%% of the"
               " %.1f ms mean wire time%s\n",
               late.p50_ms, late.p99_ms, late.max_ms, late.mean_ms, 100 * late.share,
               late.wire_mean_ms, late.skewed ? " (skewed)" : "");
    sim_thr_stats ts;
    if (sim_threads_stats_get(s, &ts) && ts.messages)
        printf("  node threads: %.3f sleeps per message (%" PRIu64 "; ended by a send %" PRIu64
               ", at the deadline %" PRIu64 "), %" PRIu64 " empty rounds, %" PRIu64 " timers\n",
               (double)ts.sleeps / (double)ts.messages, ts.sleeps, ts.woken_by_send, ts.timed_out,
               ts.empty_rounds, ts.timers);
    printf("  lost: %lld %s | peak RSS %.1f MB\n", (long long)(sent - delivered - dropped),
           sent == delivered + dropped ? "(none)" : "(MESSAGES LOST)", (double)ru.ru_maxrss / 1024.0);
    sim_free(s);
    scenario_cleanup(&scn);
    return sent == delivered + dropped ? 0 : 1;
}
