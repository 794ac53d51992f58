/* bench_presets.c - the measured networks at growing size: Bitcoin's 2019
 * network (SimBlock's 2019 latencies, bandwidths and regions, 535,000-byte
 * blocks every 10 minutes, inv/getdata relay, as
 * scenarios/validation/bitcoin-2019-10k.json) or the 2015 one, run at N
 * nodes for B blocks. Prints one table row per run: wall time (setup and
 * run), CPU time (user + sys, all threads), events per CPU second, CPU per
 * message, peak RSS and the memory the run added per block; then, with
 * several worker counts, the parallel speed-up (CPU and wall) of each size.
 * Each run is its own child process so that peak RSS and CPU are its own.
 * On a shared machine quote CPU figures: wall time moves with the load.
 *
 * usage: bench_presets [--preset bitcoin-2015|bitcoin-2019] [--parallel W[,W...]]
 *                      [--grid] [NxB ...]
 *   default: 1000x100 10000x100 with workers 1,2;
 *   --grid: every N of 1000, 10000, 100000 with every B of 100, 1000, 3000
 *   (100000x3000 takes long); NxB: those sizes (N alone: 100 blocks).
 * bench_presets FILE.json ...: that scenario as written, with the figures
 * the literature gives next to ours (Gervais et al. for the 2015 network). */
#include <inttypes.h>
#include <stdbool.h>
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

#define MAX_RUNS 32
#define MAX_WORKERS 8

/* One run's figures, written by the child into a pipe for the summary. */
typedef struct run_fig {
    double wall_s, cpu_s;
} run_fig;

static double cpu_seconds(const struct rusage *ru) {
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static int run_sized(const char *preset, int n_nodes, int n_blocks, int workers, int out_fd) {
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"%s-%dx%d\", \"seed\": 1, \"nodes\": %d,"
             " \"network\": {\"preset\": \"%s\"}, \"relay\": \"inv\","
             " \"chain\": {\"difficulty\": 8, \"block_interval_s\": 600, \"block_bytes\": 535000},"
             " \"mining\": \"auto\", \"stop\": {\"height\": %d}, \"duration_s\": 100000000}",
             preset, n_nodes, n_blocks, n_nodes, preset, n_blocks + 1);
    scenario scn;
    char err[512];
    if (scenario_parse(&scn, "bench_presets", json, strlen(json), err, sizeof err) != CS_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int64_t t0 = clock_now_us();
    sim *s = sim_new(&(sim_desc){.scn = &scn, .parallel = workers}, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        scenario_cleanup(&scn);
        return 1;
    }
    metrics *m = metrics_attach(s);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    int64_t t1 = clock_now_us();
    sim_run(s);
    int64_t t2 = clock_now_us();
    getrusage(RUSAGE_SELF, &ru1);
    metrics_finish(m, sim_end_us(s));
    double setup_s = (double)(t1 - t0) / 1e6, run_s = (double)(t2 - t1) / 1e6;
    double run_cpu = cpu_seconds(&ru1) - cpu_seconds(&ru0);
    uint64_t events = sim_events_handled(s);
    /* The memory the run added beyond the built network, per block mined. */
    double per_block_kb = (double)(ru1.ru_maxrss - ru0.ru_maxrss) / (double)n_blocks;
    printf("%8d %6d %3d | %7.2f %8.2f %8.2f | %11" PRIu64 " %7.2f | %11" PRIu64
           " %7.3f | %8.1f %8.1f | %5.2f %5.2f%%\n",
           n_nodes, n_blocks, sim_workers(s), setup_s, run_s, run_cpu, events,
           run_cpu > 0 ? (double)events / run_cpu / 1e6 : 0.0, m->sent.msgs,
           m->sent.msgs ? run_cpu * 1e6 / (double)m->sent.msgs : 0.0,
           (double)ru1.ru_maxrss / 1024.0, per_block_kb, m->prop50.median, 100 * m->stale_rate);
    fflush(stdout);
    run_fig fig = {.wall_s = run_s, .cpu_s = run_cpu};
    if (write(out_fd, &fig, sizeof fig) != (ssize_t)sizeof fig) perror("bench_presets: pipe");
    metrics_free(m);
    sim_free(s);
    scenario_cleanup(&scn);
    return 0;
}

static int run_file(const char *path) {
    scenario scn;
    char err[512];
    if (scenario_load(&scn, path, err, sizeof err) != CS_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int64_t t0 = clock_now_us();
    sim *s = sim_new(&(sim_desc){.scn = &scn}, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        scenario_cleanup(&scn);
        return 1;
    }
    metrics *m = metrics_attach(s);
    int64_t t1 = clock_now_us();
    sim_run(s);
    int64_t t2 = clock_now_us();
    metrics_finish(m, sim_end_us(s));
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double setup_s = (double)(t1 - t0) / 1e6, run_s = (double)(t2 - t1) / 1e6;
    static const char *const relay_names[] = {"inv", "push", "compact"};
    printf("%s: %d nodes, %" PRIu64 " blocks (%s, %s relay)\n", scn.name, scn.n_nodes,
           (uint64_t)m->n_blocks, scn.network.preset ? scn.network.preset : "custom network",
           relay_names[scn.relay.mode]);
    printf("  wall      setup %.2f s + run %.2f s = %.2f s (%.2f s of CPU)\n", setup_s, run_s,
           setup_s + run_s, cpu_seconds(&ru));
    printf("  events    %" PRIu64 " handled, %.2f M/s; %" PRIu64 " messages, %.1f GB simulated\n",
           sim_events_handled(s), (double)sim_events_handled(s) / run_s / 1e6, m->sent.msgs,
           (double)m->sent.bytes / 1e9);
    printf("  memory    peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    /* Gervais et al. (CCS 2016) measured the 2015 network; the reference
     * figures only apply to the 2015 preset. */
    bool bitcoin_2015 = scn.network.preset && strcmp(scn.network.preset, "bitcoin-2015") == 0;
    printf("  reach 50%%  median %.2f s, p90 %.2f s%s\n", m->prop50.median, m->prop50.p90,
           bitcoin_2015 ? "   (Gervais et al. 2016, measured: 8.7 s)" : "");
    printf("  reach 100%% median %.2f s, p90 %.2f s\n", m->prop100.median, m->prop100.p90);
    printf("  stale     %" PRIu64 " of %" PRIu64 " = %.2f%%%s\n", m->stale_blocks,
           (uint64_t)m->n_blocks, 100 * m->stale_rate,
           bitcoin_2015 ? "   (measured 0.41%, their simulation 1.85%)" : "");
    double theory = 0;
    metrics_value(m, "stale_rate_theory", &theory);
    printf("  tau       %.2f s mean delay to a node: 1 - exp(-tau/T) = %.2f%% stale expected\n",
           m->mean_delay_s, 100 * theory);
    fflush(stdout);
    metrics_free(m);
    sim_free(s);
    scenario_cleanup(&scn);
    return 0;
}

/* Runs fn in a child; returns its exit status (0 = ran), -1 if it died. */
static int in_child(const char *preset, int n, int b, int w, const char *path, run_fig *fig) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        _exit(path ? run_file(path) : run_sized(preset, n, b, w, fds[1]));
    }
    close(fds[1]);
    run_fig got = {0};
    ssize_t r = read(fds[0], &got, sizeof got);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status)) return -1;
    if (fig && r == (ssize_t)sizeof got) *fig = got;
    return WEXITSTATUS(status);
}

static int usage(const char *what) {
    fprintf(stderr,
            "bench_presets: %s\n"
            "usage: bench_presets [--preset bitcoin-2015|bitcoin-2019] [--parallel W[,W...]]"
            " [--grid] [NxB ...]\n"
            "       bench_presets FILE.json ...\n",
            what);
    return 2;
}

int main(int argc, char **argv) {
    const char *preset = "bitcoin-2019";
    int sizes[MAX_RUNS] = {1000, 10000}, blocks[MAX_RUNS] = {100, 100}, n = 2;
    int workers[MAX_WORKERS] = {1, 2}, n_workers = 2;
    bool sized = false, parallel_given = false;
    const char *files[MAX_RUNS];
    int n_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--preset") == 0 && i + 1 < argc) {
            preset = argv[++i];
            if (strcmp(preset, "bitcoin-2015") != 0 && strcmp(preset, "bitcoin-2019") != 0)
                return usage("--preset: expected bitcoin-2015 or bitcoin-2019");
        } else if (strcmp(a, "--parallel") == 0 && i + 1 < argc) {
            n_workers = 0;
            parallel_given = true;
            for (char *p = argv[++i]; *p && n_workers < MAX_WORKERS;) {
                char *end = NULL;
                long w = strtol(p, &end, 10);
                if (end == p || w < 1 || w > 64 || (*end && *end != ','))
                    return usage("--parallel: expected worker counts 1-64, comma-separated");
                workers[n_workers++] = (int)w;
                p = *end ? end + 1 : end;
            }
        } else if (strcmp(a, "--grid") == 0) {
            static const int gn[] = {1000, 10000, 100000}, gb[] = {100, 1000, 3000};
            n = 0;
            for (int x = 0; x < 3; x++)
                for (int y = 0; y < 3; y++) sizes[n] = gn[x], blocks[n++] = gb[y];
            sized = true;
        } else if (strlen(a) > 5 && strcmp(a + strlen(a) - 5, ".json") == 0) {
            if (n_files < MAX_RUNS) files[n_files++] = a;
        } else {
            char *x = NULL;
            long nn = strtol(a, &x, 10);
            long bb = (x && *x == 'x') ? strtol(x + 1, &x, 10) : 100;
            if (nn < 1 || nn > 100000000 || bb < 1 || bb > 1000000 || (x && *x))
                return usage("expected NxB, N, --grid, --preset, --parallel or a .json file");
            if (!sized) n = 0;
            sized = true;
            if (n < MAX_RUNS) sizes[n] = (int)nn, blocks[n++] = (int)bb;
        }
    }
    if (n_files > 0) {
        for (int i = 0; i < n_files; i++)
            if (in_child(NULL, 0, 0, 0, files[i], NULL) != 0) {
                fprintf(stderr, "%s failed\n", files[i]);
                return 1;
            }
        return 0;
    }
    if (sized && !parallel_given) n_workers = 1, workers[0] = 1;
    printf("%s network, inv relay, 535,000-byte blocks every 600 s; figures of the run (after setup)\n",
           preset);
    printf("   nodes blocks thr | setup s    run s    CPU s |      events   M/CPUs |"
           "    messages  CPU us/msg | peakRSS MB kB/block | prop50 stale\n");
    for (int i = 0; i < n; i++) {
        run_fig figs[MAX_WORKERS] = {{0}};
        for (int w = 0; w < n_workers; w++) {
            if (in_child(preset, sizes[i], blocks[i], workers[w], NULL, &figs[w]) != 0) {
                fprintf(stderr, "%dx%d with %d workers failed\n", sizes[i], blocks[i], workers[w]);
                return 1;
            }
        }
        for (int w = 1; w < n_workers; w++)
            if (figs[w].wall_s > 0 && figs[w].cpu_s > 0)
                printf("  speed-up %dx%d, %d vs %d workers: wall %.2fx, CPU %.2fx (CPU of %d / CPU of %d)\n",
                       sizes[i], blocks[i], workers[w], workers[0], figs[0].wall_s / figs[w].wall_s,
                       figs[0].cpu_s / figs[w].cpu_s, workers[0], workers[w]);
    }
    return 0;
}
