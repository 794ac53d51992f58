/* bench_presets.c - the measured-network runs at full size: the 2015
 * Bitcoin network of Gervais et al. (6,000 nodes x 100 blocks) and the 2019
 * network at 10,000 nodes x 100 blocks, from scenarios/validation/. For
 * each: wall time (setup and run), events per second, messages, peak RSS,
 * and the figures to compare with published ones (median time for a block
 * to reach half the nodes, stale rate). Each scenario runs in its own child
 * process so that peak RSS is its own. Run from the project root.
 *
 * usage: bench_presets [scenario.json ...]
 *        (default: bitcoin-2015-paper.json and bitcoin-2019-10k.json) */
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

static const char *const default_runs[] = {
    "scenarios/validation/bitcoin-2015-paper.json",
    "scenarios/validation/bitcoin-2019-10k.json",
};

static int bench_one(const char *path) {
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
    double cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    static const char *const relay_names[] = {"inv", "push", "compact"};
    printf("%s: %d nodes, %" PRIu64 " blocks (%s, %s relay)\n", scn.name, scn.n_nodes,
           (uint64_t)m->n_blocks, scn.network.preset ? scn.network.preset : "custom network",
           relay_names[scn.relay.mode]);
    printf("  wall      setup %.2f s + run %.2f s = %.2f s (%.2f s of CPU)\n", setup_s, run_s,
           setup_s + run_s, cpu_s);
    printf("  events    %" PRIu64 " handled, %.2f M/s; %" PRIu64 " messages, %.1f GB simulated\n",
           sim_events_handled(s), (double)sim_events_handled(s) / run_s / 1e6, m->msgs_sent,
           (double)m->bytes_sent / 1e9);
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

int main(int argc, char **argv) {
    const char *const *runs = default_runs;
    int n = (int)(sizeof default_runs / sizeof default_runs[0]);
    if (argc > 1) {
        runs = (const char *const *)argv + 1;
        n = argc - 1;
    }
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(bench_one(runs[i]));
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "%s failed\n", runs[i]);
            return 1;
        }
    }
    return 0;
}
