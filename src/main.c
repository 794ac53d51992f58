/* main.c - the chainsim command line: options, wiring, exit codes.
 *
 *   exit 0  the run finished and every `expect` rule held
 *   exit 1  the run finished and a rule failed (the summary says which)
 *   exit 2  usage error, or a scenario that cannot be read or run */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/mbox.h"
#include "out/csv.h"
#include "out/metrics.h"
#include "out/plot.h"
#include "out/report.h"
#include "out/trace.h"
#include "scenario/scenario.h"
#include "sim/sim.h"
#include "sweep/sweep.h"
#include "sweep/sweep_mpi.h"
#include "sweep/sweep_plot.h"
#include "util/clock.h"
#include "util/log.h"
#ifdef CHAINSIM_HAVE_HTTP
#include "http/http.h"
#endif
#ifdef CHAINSIM_HAVE_VIEW
#include "view/record.h"
#include "view/view.h"
#endif

#define EXIT_EXPECT_FAILED 1
#define EXIT_USAGE 2

typedef struct options {
    const char *scenario_path; /* NULL: the built-in default */
    bool headless;
    sim_executor executor;
    bool executor_set;
    bool seed_set;
    uint64_t seed;
    double speed;
    double speed_scale;
    int64_t until_us;
    const char *report_path;
    const char *trace_path;
    const char *csv_dir;       /* --csv: tidy CSV tables of the run */
    const char *plot_dir;      /* --plot: charts of the run */
    plot_options plot;         /* --plot-format, --plot-log, --font */
    int workers;               /* --workers: sweep points run at once; 0 = CPUs */
    int parallel;              /* --parallel: virtual executor's threads; 0 = default */
    bool ranks_partition;      /* --ranks-partition: one run's nodes over the MPI ranks */
    int replications;          /* --replications: replicas instead of the file's; 0 = its */
    bool quiet;
    bool http_set;             /* --http: serve every node over HTTP */
    int http_port;
    const char *bind_addr;
    const char *screenshot_path; /* --screenshot: one frame as PNG, no display */
    const char *record_path;     /* --record: the frames as an animated GIF */
    int64_t from_us, to_us;      /* --from, --to; to < 0 = the end */
    int fps;                     /* --fps; 0 = the default */
    int64_t at_us;               /* its sim time; -1 = the end of the run */
    const char *font_path;
    int64_t quit_after_us;       /* the window closes itself after this (wall) */
} options;

static void usage(FILE *out) {
    fputs("usage: chainsim [--headless] [SCENARIO.json] [options]\n"
          "\n"
          "Simulates a peer-to-peer blockchain network described by a scenario file\n"
          "(see scenarios/ and README.md). Without a file, runs the built-in default.\n"
          "\n"
          "  --headless           run without a window and print a summary\n"
          "  --executor KIND      virtual (default headless: deterministic virtual time)\n"
          "                       or threads (one thread per node, real time x speed)\n"
          "  --parallel N         the virtual executor on N worker threads, the same\n"
          "                       output as on one (default: every core for 1,000\n"
          "                       nodes or more, else 1; links without latency: 1)\n"
          "  --ranks-partition    under mpirun: split one run's nodes over the ranks,\n"
          "                       the same output as one process (headless; scenarios\n"
          "                       without transactions, attackers or churn)\n"
          "  --seed N             override the scenario's seed\n"
          "  --speed X            threads executor: sim seconds per wall second\n"
          "                       (default: the scenario's \"speed\", else 1)\n"
          "  --speed-scale F      multiply that speed by F (e.g. 0.25 on a slow machine)\n"
          "  --until T            stop at sim time T seconds instead of the scenario's end\n"
          "  --report FILE.json   write the full report as JSON\n"
          "  --trace FILE.jsonl   write every event as JSON Lines\n"
          "  --csv DIR            write blocks.csv, nodes.csv, timeseries.csv and\n"
          "                       summary.csv into DIR (created if missing)\n"
          "  --plot DIR           write the charts propagation_cdf, forks_over_time and\n"
          "                       block_tree into DIR (created if missing), each as\n"
          "                       .png, .svg and .pdf\n"
          "  --plot-format LIST   only these of png,svg,pdf (comma-separated)\n"
          "  --plot-log           propagation_cdf with a logarithmic time axis\n"
          "                       (--csv and --plot imply --headless)\n"
          "  --workers N          a sweep's runs at once (default: the number of CPUs);\n"
          "                       a scenario with \"sweep\" writes one table (stdout,\n"
          "                       --csv DIR/sweep.csv, --report FILE.json)\n"
          "  --replications N     run N independent replicas (seeds derived from the seed)\n"
          "                       and give each metric's mean, sd and 95% interval\n"
          "  --quiet              no summary on stdout (exit code only)\n"
          "  --http BASE_PORT     serve node i on http://127.0.0.1:BASE_PORT+i (0: any free\n"
          "                       ports, printed) until the scenario ends or Ctrl-C;\n"
          "                       implies --executor threads\n"
          "  --bind ADDR          the address --http listens on (default 127.0.0.1)\n"
          "  (chainsim node PORT [--data-dir DIR] ...: one standalone node; see node --help)\n"
          "  --screenshot FILE.png  render the window's frame at sim time --at (default: the\n"
          "                       end) in the virtual executor, with no display, and exit\n"
          "  --at T               the sim time of --screenshot, in seconds\n"
          "  --record FILE.gif    render the window's frames from --from to --to (default:\n"
          "                       the whole run) in the virtual executor, with no display,\n"
          "                       as an animated GIF at the window's speed (--speed)\n"
          "  --from T, --to T     the sim times of --record's first and last frames\n"
          "  --fps N              --record's frames per second of playback, 1..50\n"
          "                       (default 10)\n"
          "  --font FILE.ttf      the window's and plots' font (default DejaVu Sans, else\n"
          "                       fontconfig)\n"
          "  --quit-after S       close the window after S seconds of wall time\n"
          "  -v, --verbose        log more on stderr (repeat for debug)\n"
          "  --scenario-fields    print the reference of every scenario field (Markdown,\n"
          "                       docs/scenario-fields.md) and exit\n"
          "  -h, --help           this help\n"
          "\n"
          "exit status: 0 all expectations held, 1 one failed, 2 usage or scenario error\n",
          out);
}

static bool parse_number(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

/* An integer option in lo..hi: false (and the one-line message, naming the
 * option and what it takes as `what`, e.g. "an integer") when it is not. */
static bool parse_int_option(const char *name, const char *arg, int lo, int hi,
                             const char *what, int *out) {
    double v;
    if (!parse_number(arg, &v) || v < lo || v > hi || v != (int)v) {
        fprintf(stderr, "chainsim: --%s: expected %s %d..%d, got '%s'\n", name, what, lo, hi, arg);
        return false;
    }
    *out = (int)v;
    return true;
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(options *o, int argc, char **argv) {
    static const struct option longs[] = {
        {"headless", no_argument, NULL, 'H'}, {"executor", required_argument, NULL, 'e'},
        {"seed", required_argument, NULL, 's'}, {"speed", required_argument, NULL, 'x'},
        {"until", required_argument, NULL, 'u'}, {"speed-scale", required_argument, NULL, 'X'}, {"report", required_argument, NULL, 'r'},
        {"trace", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {"http", required_argument, NULL, 'P'}, {"bind", required_argument, NULL, 'B'},
        {"screenshot", required_argument, NULL, 'S'}, {"at", required_argument, NULL, 'A'},
        {"font", required_argument, NULL, 'F'}, {"quit-after", required_argument, NULL, 'Q'},
        {"csv", required_argument, NULL, 'C'}, {"plot", required_argument, NULL, 'G'},
        {"plot-format", required_argument, NULL, 'g'}, {"plot-log", no_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'W'}, {"parallel", required_argument, NULL, 'J'}, {"ranks-partition", no_argument, NULL, 'K'}, {"replications", required_argument, NULL, 'N'},
        {"scenario-fields", no_argument, NULL, 'R'},
        {"record", required_argument, NULL, 'M'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 'T'}, {"fps", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0}};
    int c, verbosity = 0;
    double v;
    opterr = 0; /* getopt's messages name argv[0]'s path and come before 40 lines of usage */
    while ((c = getopt_long(argc, argv, ":hvq", longs, NULL)) != -1) {
        switch (c) {
        case 'H': o->headless = true; break;
        case 'K': o->ranks_partition = true; break;
        case 'W':
            if (!parse_int_option("workers", optarg, 1, 256, "an integer", &o->workers))
                return EXIT_USAGE;
            break;
        case 'J':
            if (!parse_int_option("parallel", optarg, 1, 256, "an integer", &o->parallel))
                return EXIT_USAGE;
            break;
        case 'N':
            if (!parse_int_option("replications", optarg, 1, SWEEP_MAX_SEEDS, "an integer",
                                  &o->replications))
                return EXIT_USAGE;
            break;
        case 'e':
            if (strcmp(optarg, "virtual") == 0) o->executor = SIM_VIRTUAL;
            else if (strcmp(optarg, "threads") == 0) o->executor = SIM_THREADS;
            else {
                fprintf(stderr, "chainsim: --executor: expected 'virtual' or 'threads', got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o->executor_set = true;
            break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "chainsim: --seed: expected a non-negative integer, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o->seed = n;
            o->seed_set = true;
            break;
        }
        case 'x':
            if (!parse_number(optarg, &v) || !(v > 0) || v > 1e6) {
                fprintf(stderr, "chainsim: --speed: expected a number in (0, 1e6], got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o->speed = v;
            break;
        case 'X':
            if (!parse_number(optarg, &v) || !(v > 0) || v > 1e6) {
                fprintf(stderr, "chainsim: --speed-scale: expected a number in (0, 1e6], got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o->speed_scale = v;
            break;
        case 'u':
            if (!parse_number(optarg, &v) || !(v > 0) || v > 1e9) {
                fprintf(stderr, "chainsim: --until: expected seconds > 0, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o->until_us = (int64_t)(v * 1e6);
            break;
        case 'r': o->report_path = optarg; break;
        case 't': o->trace_path = optarg; break;
        case 'C': o->csv_dir = optarg; break;
        case 'G': o->plot_dir = optarg; break;
        case 'g': {
            char why[160];
            if (!plot_parse_formats(optarg, &o->plot.formats, why, sizeof why)) {
                fprintf(stderr, "chainsim: --plot-format: %s\n", why);
                return EXIT_USAGE;
            }
            break;
        }
        case 'l': o->plot.log_time = true; break;
        case 'q': o->quiet = true; break;
        case 'P':
            if (!parse_int_option("http", optarg, 0, 65535, "a port", &o->http_port))
                return EXIT_USAGE;
            o->http_set = true;
            break;
        case 'B': o->bind_addr = optarg; break;
        case 'S': o->screenshot_path = optarg; break;
        case 'M': {
            size_t n = strlen(optarg);
            if (n < 5 || strcmp(optarg + n - 4, ".gif") != 0) {
                fprintf(stderr, "chainsim: --record: expected a file name ending in .gif, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            o->record_path = optarg;
            break;
        }
        case 'p':
            if (!parse_int_option("fps", optarg, 1, RECORD_MAX_FPS, "an integer", &o->fps))
                return EXIT_USAGE;
            break;
        case 'F': o->font_path = o->plot.font_path = optarg; break;
        case 'A':
        case 'Q':
        case 'f':
        case 'T':
            if (!parse_number(optarg, &v) || !(v >= 0) || v > 1e9) {
                fprintf(stderr, "chainsim: --%s: expected seconds >= 0, got '%s'\n",
                        c == 'A' ? "at" : c == 'Q' ? "quit-after" : c == 'f' ? "from" : "to",
                        optarg);
                return EXIT_USAGE;
            }
            if (c == 'A') o->at_us = (int64_t)(v * 1e6);
            else if (c == 'Q') o->quit_after_us = (int64_t)(v * 1e6);
            else if (c == 'f') o->from_us = (int64_t)(v * 1e6);
            else o->to_us = (int64_t)(v * 1e6);
            break;
        case 'v': verbosity++; break;
        case 'h': usage(stdout); return 0;
        case 'R': scenario_write_fields(stdout); return 0;
        case ':':
            fprintf(stderr, "chainsim: %s needs a value\nsee chainsim --help\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            if (optopt) fprintf(stderr, "chainsim: unknown option '-%c'\n", optopt);
            else fprintf(stderr, "chainsim: unknown option '%s'\n", argv[optind - 1]);
            fputs("see chainsim --help\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) o->scenario_path = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "chainsim: unexpected argument '%s' (one scenario file at a time)\n", argv[optind]);
        return EXIT_USAGE;
    }
    log_set_level(verbosity >= 2 ? LOG_DEBUG : verbosity == 1 ? LOG_INFO : LOG_WARN);
    if (o->at_us >= 0 && !o->screenshot_path) {
        fprintf(stderr, "chainsim: --at goes with --screenshot FILE.png (the sim time of its frame)\n");
        return EXIT_USAGE;
    }
    if (!o->record_path && (o->from_us || o->to_us >= 0 || o->fps)) {
        fprintf(stderr, "chainsim: --from, --to and --fps go with --record FILE.gif\n");
        return EXIT_USAGE;
    }
    if (o->record_path) {
        const char *other = o->screenshot_path ? "--screenshot" : o->headless ? "--headless"
                            : o->csv_dir       ? "--csv"        : o->plot_dir ? "--plot"
                            : o->http_set      ? "--http"       : NULL;
        if (other) {
            fprintf(stderr, "chainsim: --record renders the window's frames: not with %s\n", other);
            return EXIT_USAGE;
        }
        if (o->to_us >= 0 && o->to_us <= o->from_us) {
            fprintf(stderr, "chainsim: --record: --to (%g s) must come after --from (%g s)\n",
                    (double)o->to_us / 1e6, (double)o->from_us / 1e6);
            return EXIT_USAGE;
        }
    }
    if ((o->plot.formats || o->plot.log_time) && !o->plot_dir) {
        fprintf(stderr, "chainsim: --plot-format and --plot-log go with --plot DIR\n");
        return EXIT_USAGE;
    }
    if (o->csv_dir || o->plot_dir) { /* tables and charts of a whole run: headless */
        if (o->screenshot_path) {
            fprintf(stderr, "chainsim: --%s goes with a headless run, not --screenshot\n",
                    o->csv_dir ? "csv" : "plot");
            return EXIT_USAGE;
        }
        o->headless = true;
    }
    if (o->parallel > 1 && (o->http_set || (o->executor_set && o->executor == SIM_THREADS))) {
        fprintf(stderr, "chainsim: --parallel runs the virtual executor: not with %s\n",
                o->http_set ? "--http" : "--executor threads");
        return EXIT_USAGE;
    }
    if (o->ranks_partition) { /* one run to its end, printed by rank 0 */
        const char *other = o->screenshot_path ? "--screenshot" : o->record_path ? "--record"
                            : o->http_set ? "--http" : o->parallel > 1 ? "--parallel"
                            : o->executor_set && o->executor == SIM_THREADS ? "--executor threads"
                            : NULL;
        if (other) {
            fprintf(stderr, "chainsim: --ranks-partition runs the virtual executor headless: not with %s\n",
                    other);
            return EXIT_USAGE;
        }
        o->headless = true;
    }
    if (o->http_set) { /* HTTP answers in real time: the threads executor */
        if (o->executor_set && o->executor != SIM_THREADS) {
            fprintf(stderr, "chainsim: --http needs --executor threads\n");
            return EXIT_USAGE;
        }
        o->executor = SIM_THREADS;
        o->executor_set = true;
    }
    return -1;
}

static void show_progress(void *user, int64_t now_us, int64_t end_us) {
    (void)user;
    if (end_us > 0)
        fprintf(stderr, "\r  sim time %.0f s of %.0f s (%.0f%%)   ", (double)now_us / 1e6,
                (double)end_us / 1e6, 100.0 * (double)now_us / (double)end_us);
    else
        fprintf(stderr, "\r  sim time %.0f s   ", (double)now_us / 1e6);
}

/* Below this many nodes a run keeps to one thread unless --parallel says
 * otherwise: it ends in about a second either way, and a teaching run of a
 * few nodes leaves the other cores free (docs/benchmarks.md, "Parallel
 * virtual executor", the default). */
#define PARALLEL_DEFAULT_NODES 1000

/* The virtual executor's threads: --parallel, else every online core for a
 * large run (the output is the same whatever the number), else one. A run
 * split over MPI ranks has one thread per rank (--parallel is refused). */
static int parallel_workers(const options *o, const scenario *scn) {
    if (o->parallel > 0) return o->parallel;
    if (scn->n_nodes < PARALLEL_DEFAULT_NODES || o->http_set || o->ranks_partition) return 1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
}

static int run_headless(const options *o, const scenario *scn) {
    bool tty = isatty(STDERR_FILENO);
    int parallel = parallel_workers(o, scn); /* the virtual executor only */
    sim_desc desc = {
        .scn = scn,
        .executor = o->executor,
        .seed_set = o->seed_set,
        .seed = o->seed,
        .speed = (o->speed > 0 ? o->speed : scn->speed > 0 ? scn->speed : 1) *
                 (o->speed_scale > 0 ? o->speed_scale : 1),
        .until_us = o->until_us,
        .progress = tty && !o->quiet ? show_progress : NULL,
        .live = o->http_set,
        .parallel = parallel,
        .ranks_partition = o->ranks_partition,
    };
    /* Split over ranks, rank 0 writes the files (the others' output is
     * silenced: sweep_mpi_start). */
    bool writes = !o->ranks_partition || sweep_mpi_rank() == 0;
    char err[512];
    sim *s = sim_new(&desc, err, sizeof err);
    if (!s) {
        fprintf(stderr, "chainsim: %s\n", err);
        return EXIT_USAGE;
    }
    if (sim_one_worker_why(s) && o->parallel > 1) /* asked for, not the default */
        fprintf(stderr, "chainsim: %s: %s: running on one thread, not %d\n", scn->path,
                sim_one_worker_why(s), parallel);
    log_info("%d worker thread(s), lookahead %lld us", sim_workers(s),
             (long long)sim_lookahead_us(s));
    metrics *m = metrics_attach(s);
    trace tr = {0};
    if (o->trace_path && writes) {
        if (trace_open(&tr, o->trace_path) != CS_OK) {
            fprintf(stderr, "chainsim: --trace %s: %s\n", o->trace_path, strerror(errno));
            metrics_free(m);
            sim_free(s);
            return EXIT_USAGE;
        }
        sim_add_sink(s, trace_sink, &tr);
    }
#ifdef CHAINSIM_HAVE_HTTP
    http_server *hs = NULL;
    http_signals *sigs = NULL;
    if (o->http_set) { /* node i on BASE+i until the scenario ends or Ctrl-C */
        sigs = http_signals_start(); /* first: the server's threads inherit the mask */
        hs = http_server_new(s, &(http_desc){.base_port = o->http_port, .bind_addr = o->bind_addr},
                             err, sizeof err);
        if (!hs) {
            fprintf(stderr, "chainsim: --http: %s\n", err);
            http_signals_stop(sigs);
            trace_close(&tr);
            metrics_free(m);
            sim_free(s);
            return EXIT_USAGE;
        }
    }
#endif
    int64_t wall0 = clock_now_us();
#ifdef CHAINSIM_HAVE_HTTP
    cs_err e = http_signals_run(sigs, s); /* a signal before the start stops it too */
#else
    cs_err e = sim_run(s);
#endif
#ifdef CHAINSIM_HAVE_HTTP
    http_signals_stop(sigs);
    http_server_free(hs);
#endif
    double wall_s = (double)(clock_now_us() - wall0) / 1e6;
    if (desc.progress) fputs("\r\033[K", stderr);
    int code = 0;
    if (e != CS_OK) {
        fprintf(stderr, "chainsim: the run failed: %s\n", cs_strerror(e));
        code = EXIT_USAGE;
    }
    if (trace_close(&tr) != CS_OK) {
        fprintf(stderr, "chainsim: --trace %s: write failed\n", o->trace_path);
        code = EXIT_USAGE;
    }
    metrics_finish(m, sim_end_us(s));
    size_t n_failed = 0;
    expect_result *res = report_check(s, m, &n_failed);
    if (!o->quiet) report_print(stdout, s, m, res, wall_s);
    if (o->report_path && writes && report_write_json(o->report_path, s, m, res) != CS_OK) {
        fprintf(stderr, "chainsim: --report %s: %s\n", o->report_path, strerror(errno));
        code = EXIT_USAGE;
    }
    if (o->csv_dir && writes && !csv_write_dir(o->csv_dir, s, m, err, sizeof err)) {
        fprintf(stderr, "chainsim: --csv %s: %s\n", o->csv_dir, err);
        code = EXIT_USAGE;
    }
    if (o->plot_dir && writes && !plot_write_dir(o->plot_dir, s, m, &o->plot, err, sizeof err)) {
        fprintf(stderr, "chainsim: --plot %s: %s\n", o->plot_dir, err);
        code = EXIT_USAGE;
    }
    if (code == 0 && n_failed) {
        fprintf(stderr, "chainsim: %zu expectation(s) failed:\n", n_failed);
        for (size_t i = 0; i < scn->n_expects; i++)
            if (!res[i].pass) fprintf(stderr, "  %s [%s]\n", res[i].rule->label, res[i].actual);
        code = EXIT_EXPECT_FAILED;
    }
    free(res);
    metrics_free(m);
    sim_free(s);
    return code;
}

#ifdef CHAINSIM_HAVE_VIEW
/* The window (or --screenshot): src/view runs it; with --http each sim the
 * window makes (at start, on reload) gets its daemons, and the node panel
 * shows their URLs. */
typedef struct view_http {
    const options *o;
#ifdef CHAINSIM_HAVE_HTTP
    http_server *hs;
#endif
} view_http;

#ifdef CHAINSIM_HAVE_HTTP
static void view_http_start(void *user, sim *s) {
    view_http *vh = user;
    char err[512];
    vh->hs = http_server_new(s, &(http_desc){.base_port = vh->o->http_port, .bind_addr = vh->o->bind_addr},
                             err, sizeof err);
    if (!vh->hs) fprintf(stderr, "chainsim: --http: %s\n", err);
}

static void view_http_stop(void *user, sim *s) {
    (void)s;
    view_http *vh = user;
    http_server_free(vh->hs);
    vh->hs = NULL;
}

static const char *view_http_url(void *user, int node_id) {
    view_http *vh = user;
    return vh->hs ? http_server_url(vh->hs, node_id) : NULL;
}
#endif

static int run_view(const options *o) {
    view_http vh = {.o = o};
    view_options vo = {
        .scenario_path = o->scenario_path,
        .font_path = o->font_path,
        .executor_set = o->executor_set,
        .executor = o->executor,
        .seed_set = o->seed_set,
        .seed = o->seed,
        .speed = o->speed,
        .speed_scale = o->speed_scale,
        .until_us = o->until_us,
        .at_us = o->at_us,
        .quit_after_us = o->quit_after_us,
        .hook_user = &vh,
    };
    if (o->screenshot_path) return view_screenshot(&vo, o->screenshot_path);
    if (o->record_path)
        return view_record(&vo, &(view_record_options){.gif_path = o->record_path,
                                                       .from_us = o->from_us, .to_us = o->to_us,
                                                       .fps = o->fps});
#ifdef CHAINSIM_HAVE_HTTP
    if (o->http_set) {
        vo.on_sim_start = view_http_start;
        vo.on_sim_stop = view_http_stop;
        vo.node_url = view_http_url;
    }
#endif
    return view_main(&vo);
}
#endif

/* A scenario with "sweep" runs once per point, and a replicated one once per
 * replica, in virtual time (sweep/sweep.h). */
static int run_sweep(const options *o, bool is_sweep) {
    if ((o->executor_set && o->executor != SIM_VIRTUAL) || o->trace_path || o->until_us ||
        o->http_set || o->screenshot_path || o->record_path) {
        fprintf(stderr, "chainsim: %s is %s: it runs in virtual time, without "
                        "--executor threads, --http, --trace, --until, --screenshot or "
                        "--record\n",
                o->scenario_path, is_sweep ? "a sweep" : "replicated");
        return EXIT_USAGE;
    }
    sweep_plotter *pl = o->plot_dir ? sweep_plotter_new(o->plot_dir, &o->plot) : NULL;
    int code = sweep_main(o->scenario_path,
                      &(sweep_options){.workers = o->workers, .csv_dir = o->csv_dir,
                                       .json_path = o->report_path, .quiet = o->quiet,
                                       .replications = o->replications,
                                       .seed_set = o->seed_set, .seed = o->seed,
                                       .progress = isatty(STDERR_FILENO) && !o->quiet,
                                       .after = pl ? sweep_plotter_after : NULL,
                                       .on_run = pl ? sweep_plotter_on_run : NULL,
                                       .hook_user = pl});
    sweep_plotter_free(pl);
    return code;
}

/* Under mpirun every rank must read the same scenario (on a cluster each
 * machine reads its own copy of the file): else the ranks' runs would make
 * a table of different files. True when they did, or without a job. */
static bool same_file_on_every_rank(const options *o) {
    if (sweep_mpi_size() == 1) return true;
    char *text = NULL, why[512];
    size_t len = 0;
    if (o->scenario_path && scenario_read_file(o->scenario_path, &text, &len, why, sizeof why) != CS_OK)
        len = 0; /* read just now by scenario_load: gone since, as good as other bytes */
    int first;
    bool same = sweep_mpi_same(text ? text : "", len, &first);
    free(text);
    if (!same)
        fprintf(stderr, "chainsim: rank %d read other bytes from %s than rank 0: every rank must "
                        "see the same scenario file\n", first, o->scenario_path);
    return same;
}

static int run(int argc, char **argv) {
    options o = {.at_us = -1, .to_us = -1};
    int code = parse_options(&o, argc, argv);
    if (code >= 0) return code;
    scenario scn;
    char error[1024];
    cs_err e = o.scenario_path
                   ? scenario_load(&scn, o.scenario_path, error, sizeof error)
                   : scenario_parse(&scn, "(built-in default)", scenario_default_json,
                                    strlen(scenario_default_json), error, sizeof error);
    if (!sweep_mpi_all_ok(e == CS_OK, error, sizeof error)) { /* under mpirun: any rank's */
        fprintf(stderr, "chainsim: %s\n", error);
        if (e == CS_OK) scenario_cleanup(&scn);
        return EXIT_USAGE;
    }
    if (!same_file_on_every_rank(&o)) {
        scenario_cleanup(&scn);
        return EXIT_USAGE;
    }
    int replicas = o.replications ? o.replications : scn.replications;
    if ((scn.has_sweep || replicas > 1) && o.ranks_partition) {
        fprintf(stderr, "chainsim: %s is %s: --ranks-partition splits one run over the ranks "
                        "(a sweep's or replicas' runs spread over them without it)\n",
                o.scenario_path, scn.has_sweep ? "a sweep" : "replicated");
        scenario_cleanup(&scn);
        return EXIT_USAGE;
    }
    if (scn.has_sweep || replicas > 1) {
        bool is_sweep = scn.has_sweep;
        scenario_cleanup(&scn);
        if (!o.scenario_path) {
            fprintf(stderr, "chainsim: --replications needs a scenario file\n");
            return EXIT_USAGE;
        }
        return run_sweep(&o, is_sweep);
    }
    if (sweep_mpi_size() > 1 && !o.ranks_partition) { /* one run is not spread: rank 0 makes it alone */
        if (sweep_mpi_rank() > 0) {
            scenario_cleanup(&scn);
            return EXIT_SUCCESS;
        }
        fprintf(stderr, "chainsim: note: a single run is not spread over MPI ranks; rank 0 "
                        "makes it alone (a sweep or --replications N is)\n");
    }
#ifdef CHAINSIM_HAVE_VIEW
    if (o.screenshot_path || o.record_path || !o.headless) {
        scenario_cleanup(&scn); /* the window loads (and reloads) it itself */
        return run_view(&o);
    }
#else
    if (!o.headless)
        fprintf(stderr, "chainsim: this build has no window; running headless "
                        "(use --headless to silence this note)\n");
#endif
    code = run_headless(&o, &scn);
    scenario_cleanup(&scn);
    return code;
}

int main(int argc, char **argv) {
#ifdef CHAINSIM_HAVE_HTTP
    if (argc > 1 && strcmp(argv[1], "node") == 0) return http_node_main(argc - 1, argv + 1);
#endif
    int code = sweep_mpi_start(&argc, &argv); /* under mpirun: this rank of the job */
    if (code < 0) code = run(argc, argv);
    return sweep_mpi_end(code);
}
