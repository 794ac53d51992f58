/* bench_threads.c - the threads executor live: N nodes (default 1000), one
 * thread each, random 8-out, auto mining every 2 s and 20 transactions per
 * second, for 10 s of sim time at speed 1. Prints messages per wall second
 * and checks that none was lost: after the drain, every message sent was
 * delivered (the links have no loss and there is no partition).
 *
 * usage: bench_threads [N [sim_seconds]] */
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
    sim *s = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS, .speed = 1}, err, sizeof err);
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
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                 ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    unsigned long long sent = c.sent, delivered = c.delivered, dropped = c.dropped;
    printf("threads executor: %d nodes, %d s of sim time at speed 1\n", n_nodes, seconds);
    printf("  wall %.2f s (sim ended at %.2f s) | cpu %.2f s | blocks %llu\n", wall,
           (double)sim_end_us(s) / 1e6, cpu, (unsigned long long)c.blocks);
    printf("  messages sent %llu, delivered %llu, dropped %llu | %.0f msgs/s (wall)\n", sent,
           delivered, dropped, (double)delivered / wall);
    printf("  lost: %lld %s | peak RSS %.1f MB\n", (long long)(sent - delivered - dropped),
           sent == delivered + dropped ? "(none)" : "(MESSAGES LOST)", (double)ru.ru_maxrss / 1024.0);
    sim_free(s);
    scenario_cleanup(&scn);
    return sent == delivered + dropped ? 0 : 1;
}
