/* bench_view.c - the window's frame time with 1,000 live nodes.
 *
 * The threads executor runs N nodes (default 1000: one thread each, random
 * 8-out, wide-area latencies, a block every 2 s on average, TX transactions
 * a second, default 2) at speed 1. First without the view, as a baseline;
 * then with the view drawing frames as the window does (60 a second at
 * most): take the events, update the model, draw everything, present.
 * Prints the median, p95 and worst frame time, the share of the process's
 * CPU the view's thread took, and whether the simulation kept up in both
 * runs: how late messages were delivered (sim time after they were due).
 *
 * By default frames go to the software renderer on a 1280x800 surface (no
 * display: what CI and --screenshot use). --window draws into a real window
 * with the renderer the window would pick (run it under xvfb-run or on a
 * desktop); frames are not paced by vsync there, as in the surface case.
 *
 * usage: bench_view [--window] [N [wall_seconds [tx_per_s]]] */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "net/mbox.h"
#include "view/view_int.h"

#define FRAME_US 16666
#define LAG_BUCKET_US 1000 /* lag histogram: 1 ms buckets */
#define LAG_BUCKETS 10000

typedef struct lag {
    uint64_t count[LAG_BUCKETS + 1]; /* guarded by the sim's sink lock (sinks are serialised) */
    uint64_t n;
} lag;

static void lag_sink(void *user, const sim_event *ev) {
    lag *l = user;
    int64_t late = ev->t_us - ev->arrive_us;
    size_t b = late < 0 ? 0 : (size_t)(late / LAG_BUCKET_US);
    l->count[b > LAG_BUCKETS ? LAG_BUCKETS : b]++;
    l->n++;
}

static double lag_percentile(const lag *l, double p) {
    uint64_t want = (uint64_t)(p * (double)l->n), seen = 0;
    for (size_t b = 0; b <= LAG_BUCKETS; b++) {
        seen += l->count[b];
        if (seen > want) return (double)b * LAG_BUCKET_US / 1000.0;
    }
    return (double)LAG_BUCKETS * LAG_BUCKET_US / 1000.0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double cpu_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double process_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* The scenario as a file (the view opens scenarios by path). */
static bool write_scenario(char *path, int n_nodes, int seconds, double tx_per_s) {
    int fd = mkstemp(path);
    if (fd < 0) return false;
    char json[1024];
    int len = snprintf(json, sizeof json,
                       "{\"name\": \"bench-view\", \"nodes\": %d,"
                       " \"topology\": {\"type\": \"random\", \"k\": 8},"
                       " \"links\": {\"latency_ms\": {\"min\": 50, \"max\": 200}},"
                       " \"chain\": {\"difficulty\": 12, \"block_interval_s\": 2,"
                       "   \"genesis\": {\"balances\": {\"node0\": 1000000, \"node1\": 1000000}}},"
                       " \"traffic\": {\"tx_per_s\": %g},"
                       " \"mining\": \"auto\", \"duration_s\": %d}",
                       n_nodes, tx_per_s, seconds + 60);
    bool ok = write(fd, json, (size_t)len) == len;
    close(fd);
    return ok;
}

static void print_lag(const char *what, const lag *l) {
    printf("  %s: %" PRIu64 " messages delivered, late by median %.0f ms, p95 %.0f ms, p99 %.0f ms\n",
           what, l->n, lag_percentile(l, 0.5), lag_percentile(l, 0.95), lag_percentile(l, 0.99));
}

/* The same network without the view: how well the sim keeps up alone. */
static void baseline(const char *path, int seconds) {
    scenario scn;
    char err[512];
    if (scenario_load(&scn, path, err, sizeof err) != CS_OK) return;
    sim *s = sim_new(&(sim_desc){.scn = &scn, .executor = SIM_THREADS, .speed = 1, .live = true},
                     err, sizeof err);
    if (!s) return;
    lag *l = calloc(1, sizeof *l);
    sim_add_sink_filtered(s, lag_sink, l, SIM_EVENT_BIT(EV_MSG_DELIVERED));
    double proc0 = process_cpu_s();
    int64_t wall0 = clock_now_us();
    sim_start(s);
    SDL_Delay((Uint32)seconds * 1000);
    double wall = (double)(clock_now_us() - wall0) / 1e6, cpu = process_cpu_s() - proc0;
    sim_stop(s);
    printf("  without the view: process CPU %.1f s in %.1f s (%.0f%% of 2 cores)\n", cpu, wall,
           100 * cpu / (2 * wall));
    print_lag("  sim keeping up", l);
    sim_free(s);
    scenario_cleanup(&scn);
    free(l);
}

int main(int argc, char **argv) {
    bool window = false;
    int pos = 0, n_nodes = 1000, seconds = 20;
    double tx_per_s = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--window") == 0) window = true;
        else if (pos == 0) n_nodes = atoi(argv[i]), pos++;
        else if (pos == 1) seconds = atoi(argv[i]), pos++;
        else tx_per_s = atof(argv[i]);
    }
    char path[] = "/tmp/bench_view_XXXXXX";
    if (!write_scenario(path, n_nodes, seconds, tx_per_s)) return 1;
    if (!window) setenv("SDL_VIDEODRIVER", "dummy", 0);
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "bench_view: SDL_Init: %s\n", SDL_GetError());
        return 1;
    }
    printf("view: %d nodes, threads executor at speed 1, a block per 2 s, %g tx/s, %d s per run\n",
           n_nodes, tx_per_s, seconds);
    baseline(path, seconds);

    SDL_Window *win = NULL;
    SDL_Surface *surf = NULL;
    SDL_Renderer *r;
    if (window) {
        bool vsync;
        win = SDL_CreateWindow("bench_view", 0, 0, 1280, 800, 0);
        r = win ? view__window_renderer(win, &vsync) : NULL;
    } else {
        surf = SDL_CreateRGBSurfaceWithFormat(0, 1280, 800, 32, SDL_PIXELFORMAT_ARGB8888);
        r = SDL_CreateSoftwareRenderer(surf);
    }
    if (!r) {
        fprintf(stderr, "bench_view: no renderer: %s\n", SDL_GetError());
        return 1;
    }
    SDL_RendererInfo info;
    SDL_GetRendererInfo(r, &info);
    char err[512];
    int64_t t_init = clock_now_us();
    view_options o = {.scenario_path = path, .executor_set = true, .executor = SIM_THREADS, .speed = 1};
    view_app *a = view__app_new(&o, r, 1280, 800, err, sizeof err);
    if (!a) {
        fprintf(stderr, "bench_view: %s\n", err);
        return 1;
    }
    double init_ms = (double)(clock_now_us() - t_init) / 1000.0;
    lag *l = calloc(1, sizeof *l);
    sim_add_sink_filtered(a->sim, lag_sink, l, SIM_EVENT_BIT(EV_MSG_DELIVERED));
    view__app_start(a);

    size_t cap = (size_t)seconds * 70 + 16, n_frames = 0;
    int64_t *frame_us = malloc(cap * sizeof *frame_us);
    double flights = 0;
    int64_t wall0 = clock_now_us();
    double thread0 = cpu_s(CLOCK_THREAD_CPUTIME_ID), proc0 = process_cpu_s();
    while (clock_now_us() - wall0 < (int64_t)seconds * 1000000) {
        int64_t t0 = clock_now_us();
        SDL_Event e;
        while (SDL_PollEvent(&e)) view__app_event(a, &e);
        view__app_update(a, t0);
        view__app_draw(a);
        SDL_RenderPresent(r);
        int64_t spent = clock_now_us() - t0;
        if (n_frames < cap) frame_us[n_frames++] = spent;
        flights += (double)a->model.n_flights;
        if (spent < FRAME_US) SDL_Delay((Uint32)((FRAME_US - spent) / 1000));
    }
    double wall = (double)(clock_now_us() - wall0) / 1e6;
    double thread_cpu = cpu_s(CLOCK_THREAD_CPUTIME_ID) - thread0, proc_cpu = process_cpu_s() - proc0;
    size_t blocks = a->model.n_blocks - 1;
    sim_stop(a->sim);
    qsort(frame_us, n_frames, sizeof *frame_us, cmp_i64);
    int64_t p95 = frame_us[(size_t)((double)n_frames * 0.95)];
    printf("  with the view (%s renderer, start-up %.0f ms, %zu blocks):\n", info.name, init_ms, blocks);
    printf("    frames %zu (%.1f per s): median %.1f ms, p95 %.1f ms, max %.1f ms (target p95 <= 33 ms)\n",
           n_frames, (double)n_frames / wall, (double)frame_us[n_frames / 2] / 1000.0,
           (double)p95 / 1000.0, (double)frame_us[n_frames - 1] / 1000.0);
    printf("    messages in flight on screen: %.0f on average\n", flights / (double)n_frames);
    printf("    view thread CPU %.1f s = %.0f%% of the process's %.1f s (%.0f%% of one core)\n",
           thread_cpu, 100 * thread_cpu / proc_cpu, proc_cpu, 100 * thread_cpu / wall);
    print_lag("  sim keeping up", l);
    view__app_free(a);
    SDL_DestroyRenderer(r);
    if (win) SDL_DestroyWindow(win);
    SDL_FreeSurface(surf);
    TTF_Quit();
    SDL_Quit();
    free(frame_us);
    free(l);
    unlink(path);
    return p95 <= 33000 ? 0 : 1;
}
