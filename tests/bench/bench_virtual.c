/* bench_virtual.c - the virtual-time executor at scale: N nodes on a random
 * 8-out graph mine 100 blocks (stop at height 101) with default difficulty
 * (16 bits, every block sealed with a real nonce). Prints wall time, events
 * per second, messages and peak memory for each size. Each size runs in its
 * own child process so that peak RSS is its own.
 *
 * usage: bench_virtual [--parallel W] [N[xB] ...]
 *   (default: 1000 10000; B blocks, default 100; W worker threads of the
 *   parallel virtual executor, default 1: the same run, byte for byte)
 *   e.g. bench_virtual 1000x3000 10000x3000 100000x1000: the ledger's
 *   memory per block (docs/benchmarks.md); bench_virtual --parallel 2 10000
 *   against --parallel 1 10000: the parallel speed-up; with W > 1 two more
 *   lines say where its time went (sim_par_stats, sim.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/mbox.h"
#include "out/metrics.h"
#include "scenario/scenario.h"
#include "sim/sim.h"

static int bench_one(int n_nodes, int n_blocks, int parallel) {
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"bench-%d\", \"seed\": 1, \"nodes\": %d,"
             " \"topology\": {\"type\": \"random\", \"k\": 8},"
             " \"links\": {\"latency_ms\": {\"min\": 20, \"max\": 300},"
             "   \"upload_bps\": 20000000, \"download_bps\": 50000000, \"processing_ms\": 2},"
             " \"chain\": {\"block_interval_s\": 600},"
             " \"mining\": \"auto\", \"duration_s\": 1000000000, \"stop\": {\"height\": %d}}",
             n_nodes, n_nodes, n_blocks + 1);
    scenario scn;
    char err[512];
    if (scenario_parse(&scn, "bench", json, strlen(json), err, sizeof err) != CS_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int64_t t0 = clock_now_us();
    sim *s = sim_new(&(sim_desc){.scn = &scn, .parallel = parallel}, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    metrics *m = metrics_attach(s);
    int64_t t1 = clock_now_us();
    sim_run(s);
    int64_t t2 = clock_now_us();
    metrics_finish(m, sim_end_us(s));
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double run_s = (double)(t2 - t1) / 1e6;
    printf("%7d nodes x %5d blocks | %d thr | setup %6.2f s | run %6.2f s | %6.2f M events/s | %9" PRIu64
           " msgs | height %3" PRId64 " | stale %4.1f%% | prop50 %5.2f s | peak RSS %6.1f MB\n",
           n_nodes, n_blocks, sim_workers(s), (double)(t1 - t0) / 1e6, run_s, (double)sim_events_handled(s) / run_s / 1e6,
           m->sent.msgs, m->height, 100 * m->stale_rate, m->prop50.median,
           (double)ru.ru_maxrss / 1024.0);
    sim_par_stats ps;
    if (sim_parallel_stats_get(s, &ps)) {
        /* Where the parallel run's time went (sim.h): the windows, the
         * serial section, and each worker thread's wall and CPU time. */
        printf("  windows %" PRIu64 " (%" PRIu64 " shared, %.0f entries each) | entries %" PRIu64
               " (%.1f%% in shared windows) | cross %" PRIu64 " | merged %" PRIu64 "\n",
               ps.windows, ps.windows_shared,
               ps.windows ? (double)ps.entries / (double)ps.windows : 0.0, ps.entries,
               ps.entries ? 100.0 * (double)ps.entries_shared / (double)ps.entries : 0.0,
               ps.cross, ps.merged);
        printf("  wall %.2f s: serial %.2f s (%.1f%%; merge %.2f s), its CPU %.2f s (merge %.2f s),"
               " merge behind %.2f s (CPU %.2f s) | per worker: run/wait/CPU s, sleeps:",
               ps.wall_s, ps.serial_s, ps.wall_s > 0 ? 100 * ps.serial_s / ps.wall_s : 0.0,
               ps.merge_s, ps.serial_cpu_s, ps.merge_cpu_s, ps.behind_s, ps.behind_cpu_s);
        int k = ps.workers < SIM_PAR_STATS_WORKERS ? ps.workers : SIM_PAR_STATS_WORKERS;
        for (int i = 0; i < k; i++)
            printf(" [%d] %.2f/%.2f/%.2f %" PRIu64, i, ps.run_s[i], ps.wait_s[i], ps.cpu_s[i],
                   ps.sleeps[i]);
        printf("\n");
    }
    fflush(stdout);
    metrics_free(m);
    sim_free(s);
    scenario_cleanup(&scn);
    return 0;
}

int main(int argc, char **argv) {
    int sizes[16] = {1000, 10000}, blocks[16] = {100, 100};
    int n = 2, parallel = 1, first = 1;
    if (argc > 2 && strcmp(argv[1], "--parallel") == 0) {
        parallel = atoi(argv[2]);
        first = 3;
        if (parallel < 1) {
            fprintf(stderr, "bench_virtual: --parallel: expected a count >= 1, got %s\n", argv[2]);
            return 2;
        }
    }
    if (argc > first) {
        n = 0;
        for (int i = first; i < argc && n < 16; i++) {
            char *x = NULL;
            sizes[n] = (int)strtol(argv[i], &x, 10);
            blocks[n] = (x && *x == 'x') ? atoi(x + 1) : 100;
            if (sizes[n] < 1 || blocks[n] < 1) {
                fprintf(stderr, "bench_virtual: expected N or NxB, got %s\n", argv[i]);
                return 2;
            }
            n++;
        }
    }
    printf("virtual executor: random 8-out, blocks at 16-bit difficulty, 600 s interval\n");
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(bench_one(sizes[i], blocks[i], parallel));
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "run with %d nodes failed\n", sizes[i]);
            return 1;
        }
    }
    return 0;
}
