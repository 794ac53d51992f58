/* sweep.c - parameter sweeps: one scenario file, a grid of runs, one table.
 *
 * The format and the outputs are documented in sweep.h. How it works:
 *
 *   file --read--> text --scenario_parse--> (the file is a valid scenario)
 *        --cJSON--> base document; "sweep" detached and checked -> plan
 *   plan --per point: copy base, set each path, print, scenario_parse-->
 *        points[] (all checked before anything runs)
 *   points --worker threads, one (point, seed) run at a time--> rows[]
 *   rows --in run order--> table, CSV, JSON
 *
 * Every run is a virtual-time sim of its own: its own scenario (read only,
 * shared by the seeds of a point), store, wire, nodes, metrics and
 * verdicts. Workers take run numbers from a counter under a lock and write
 * only their own row, so the rows, and everything printed from them after
 * the workers are joined, do not depend on the number of workers or on
 * which worker ran what.
 *
 * Process-wide state the workers could meet, checked: the log level
 * (util/log.c) is an atomic that nobody sets during a sweep; log lines are
 * single fprintf calls (atomic in POSIX stdio); sha256's portable switch is
 * an atomic read. The one unsafe thing is cJSON's parser, which writes a
 * static error position on every call: it is used while building a sim
 * whose scenario asks for the classic genesis (bstore.c parses it), so sim
 * construction takes sweep__cjson_lock; every other cJSON call here runs
 * on the calling thread before the workers start or after they end. */
#include "sweep/sweep.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/csv.h"
#include "sim/metrics.h"
#include "sim/report.h"
#include "sim/sim.h"
#include "util/jpath.h"
#include "util/mem.h"

#define SWEEP_LABEL_VALUE_MAX 40 /* bytes of a value shown in a point's label */
#define SWEEP_LABEL_MAX 512
#define SWEEP_MAX_WORKERS 256

static pthread_mutex_t sweep__cjson_lock = PTHREAD_MUTEX_INITIALIZER;

#define SWEEP_METRIC_NAME_(name, doc) #name,
static const char *const sweep__metric_names[SWEEP_N_METRICS] = {
    METRIC_NAMES(SWEEP_METRIC_NAME_)};
#undef SWEEP_METRIC_NAME_

const char *sweep_metric_name(int i) {
    assert(i >= 0 && i < SWEEP_N_METRICS);
    return sweep__metric_names[i];
}

int sweep_metric_index(const char *name) {
    for (int i = 0; i < SWEEP_N_METRICS; i++)
        if (strcmp(sweep__metric_names[i], name) == 0) return i;
    return -1;
}

/* ---- messages (the style of scenario/scenario.c) --------------------------------- */

typedef struct sweep__ctx {
    const char *path; /* the file */
    char *message;
    size_t message_len;
} sweep__ctx;

/* Writes "path: jpath: <text>"; returns CS_EINVAL. */
static cs_err sweep__fail(sweep__ctx *c, const char *jpath, const char *fmt, ...) {
    if (c->message && c->message_len > 0) {
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        snprintf(c->message, c->message_len, "%s: %s: %s", c->path, jpath, text);
    }
    return CS_EINVAL;
}

static const char *sweep__type_name(const cJSON *v) {
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsBool(v)) return "a boolean";
    return "null";
}

/* ---- paths ------------------------------------------------------------- */

/* A path is one or more non-empty segments joined by '.'. */
static bool sweep__path_ok(const char *path) {
    if (!*path) return false;
    for (const char *p = path; *p; p++)
        if (*p == '.' && (p == path || p[1] == '.' || p[1] == '\0')) return false;
    return true;
}

/* "3" -> 3; false unless a plain decimal (no sign, no leading zero). */
static bool sweep__index(const char *seg, size_t *out) {
    if (!*seg || strlen(seg) > 9 || (seg[0] == '0' && seg[1])) return false;
    size_t v = 0;
    for (const char *p = seg; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    *out = v;
    return true;
}

cs_err sweep_path_set(cJSON *root, const char *path, const cJSON *value, char *why,
                      size_t why_len) {
    assert(root && path && value);
    if (!sweep__path_ok(path)) {
        snprintf(why, why_len, "expected a dotted path of keys and indices, as "
                               "\"chain.block_interval_s\" or \"nodes.3.hash_power\"");
        return CS_EINVAL;
    }
    /* Objects are created only once the walk has left the existing
     * document; from there on every segment is a key of a new object, so
     * nothing fails after the first change and a refused path leaves root
     * as it was. */
    char jp[JPATH_MAX] = "$", q[JPATH_QUOTE_BUF];
    char *segs = xstrdup(path);
    cJSON *cur = root;
    cs_err e = CS_OK;
    for (char *seg = segs;;) {
        char *dot = strchr(seg, '.');
        if (dot) *dot = '\0';
        cJSON *child = NULL;
        size_t i = 0;
        if (cJSON_IsObject(cur)) {
            child = cJSON_GetObjectItemCaseSensitive(cur, seg);
        } else if (cJSON_IsArray(cur)) {
            size_t n = (size_t)cJSON_GetArraySize(cur);
            if (!sweep__index(seg, &i) || i >= n) {
                if (n == 0)
                    snprintf(why, why_len, "%s is an empty array: no index \"%s\"", jp,
                             jpath_quote(q, sizeof q, seg));
                else
                    snprintf(why, why_len,
                             "%s is an array of %zu: expected an index 0..%zu, got \"%s\"", jp, n,
                             n - 1, jpath_quote(q, sizeof q, seg));
                e = CS_EINVAL;
                break;
            }
            child = cJSON_GetArrayItem(cur, (int)i);
        } else {
            snprintf(why, why_len, "%s is %s: a path goes through objects and arrays only", jp,
                     sweep__type_name(cur));
            e = CS_EINVAL;
            break;
        }
        if (!dot) { /* the last segment: set it */
            cJSON *copy = cJSON_Duplicate(value, true);
            if (!copy) abort(); /* out of memory: as util/mem.h does */
            if (cJSON_IsArray(cur)) cJSON_ReplaceItemInArray(cur, (int)i, copy);
            else if (child) cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, copy);
            else cJSON_AddItemToObject(cur, seg, copy);
            break;
        }
        char next[JPATH_MAX];
        if (cJSON_IsArray(cur)) {
            jpath_idx(next, jp, i);
        } else {
            jpath_key(next, jp, seg);
            if (!child && !(child = cJSON_AddObjectToObject(cur, seg))) abort();
        }
        memcpy(jp, next, sizeof jp);
        cur = child;
        seg = dot + 1;
    }
    free(segs);
    return e;
}

/* True if path a is b or lies inside it, or the other way round, segment by
 * segment ("chain" and "chain.difficulty"; not "chain" and "chains"). */
static bool sweep__overlap(const char *a, const char *b) {
    size_t n = 0;
    while (a[n] && a[n] == b[n]) n++;
    return (a[n] == '\0' && (b[n] == '\0' || b[n] == '.')) || (b[n] == '\0' && a[n] == '.');
}

/* ---- the plan ---------------------------------------------------------- */

static cs_err sweep__read_file(const char *path, char **text, size_t *len, char *message,
                               size_t message_len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (message && message_len)
            snprintf(message, message_len, "%s: cannot read: %s", path, strerror(errno));
        return CS_EIO;
    }
    char *data = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    for (;;) {
        data = xgrow(data, &cap, n + 65536, 1);
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (n > SCN_MAX_FILE_BYTES) err = EFBIG;
        else if (got == 0 && ferror(f)) err = errno ? errno : EIO;
        if (err || got == 0) break;
    }
    fclose(f);
    if (err) {
        free(data);
        if (message && message_len)
            snprintf(message, message_len, "%s: cannot read: %s", path, strerror(err));
        return CS_EIO;
    }
    *text = data;
    *len = n;
    return CS_OK;
}

static cs_err sweep__parse_vary(sweep__ctx *c, sweep_plan *p, const cJSON *vary) {
    char jp[JPATH_MAX], why[512];
    jpath_key(jp, "$.sweep", "vary");
    if (!vary) return sweep__fail(c, jp, "required field is missing");
    if (!cJSON_IsObject(vary) || !vary->child)
        return sweep__fail(c, jp, "expected a non-empty object of paths and value arrays");
    size_t n = (size_t)cJSON_GetArraySize(vary);
    p->axes = xcalloc(n, sizeof *p->axes);
    /* A scratch copy of the base: each path is tried with its first value
     * (the paths do not overlap, so one copy serves them all). */
    cJSON *scratch = cJSON_Duplicate(p->base, true);
    if (!scratch) abort();
    cs_err e = CS_OK;
    p->n_points = 1;
    for (const cJSON *it = vary->child; it && !e; it = it->next) {
        char kp[JPATH_MAX], q[JPATH_QUOTE_BUF];
        jpath_key(kp, jp, it->string);
        for (size_t i = 0; i < p->n_axes && !e; i++) {
            if (strcmp(p->axes[i].path, it->string) == 0)
                e = sweep__fail(c, kp, "duplicate field");
            else if (sweep__overlap(p->axes[i].path, it->string))
                e = sweep__fail(c, kp, "overlaps \"%s\" (a path may not lie inside another)",
                                jpath_quote(q, sizeof q, p->axes[i].path));
        }
        if (e) break;
        if (!sweep__path_ok(it->string)) {
            e = sweep__fail(c, kp, "expected a dotted path of keys and indices, as "
                                   "\"chain.block_interval_s\" or \"nodes.3.hash_power\"");
        } else if (sweep__overlap(it->string, "sweep")) {
            e = sweep__fail(c, kp, "a sweep cannot vary itself");
        } else if (strcmp(it->string, "seed") == 0) {
            e = sweep__fail(c, kp, "vary the seed with $.sweep.seeds (each point runs seeds "
                                   "seed, seed+1, ...)");
        } else if (!cJSON_IsArray(it) || !it->child) {
            e = sweep__fail(c, kp, "expected a non-empty array");
        } else if (sweep_path_set(scratch, it->string, it->child, why, sizeof why) != CS_OK) {
            e = sweep__fail(c, kp, "%s", why);
        }
        if (e) break;
        sweep_axis *a = &p->axes[p->n_axes++];
        a->path = xstrdup(it->string);
        a->values = it;
        a->n_values = (size_t)cJSON_GetArraySize(it);
        /* saturate: the limit is checked against points x seeds later */
        p->n_points = p->n_points > SWEEP_MAX_RUNS ? p->n_points : p->n_points * a->n_values;
    }
    cJSON_Delete(scratch);
    return e;
}

static cs_err sweep__parse_columns(sweep__ctx *c, sweep_plan *p, const cJSON *cols) {
    char jp[JPATH_MAX], ip[JPATH_MAX], q[JPATH_QUOTE_BUF];
    if (!cols) { /* default: every metric */
        for (int i = 0; i < SWEEP_N_METRICS; i++) p->columns[i] = i;
        p->n_columns = SWEEP_N_METRICS;
        return CS_OK;
    }
    jpath_key(jp, "$.sweep", "columns");
    if (!cJSON_IsArray(cols) || !cols->child)
        return sweep__fail(c, jp, "expected a non-empty array of metric names");
    size_t i = 0;
    for (const cJSON *it = cols->child; it; it = it->next, i++) {
        jpath_idx(ip, jp, i);
        if (!cJSON_IsString(it)) return sweep__fail(c, ip, "expected a metric name (a string)");
        int m = sweep_metric_index(it->valuestring);
        if (m < 0)
            return sweep__fail(c, ip, "unknown metric \"%s\"",
                               jpath_quote(q, sizeof q, it->valuestring));
        for (size_t j = 0; j < p->n_columns; j++)
            if (p->columns[j] == m)
                return sweep__fail(c, ip, "\"%s\" is already column %zu", it->valuestring, j);
        p->columns[p->n_columns++] = m;
    }
    return CS_OK;
}

static cs_err sweep__parse_sweep(sweep__ctx *c, sweep_plan *p, const cJSON *sw) {
    static const char *const keys[] = {"vary", "seeds", "columns", NULL};
    char jp[JPATH_MAX];
    cs_err e;
    if (!cJSON_IsObject(sw)) return sweep__fail(c, "$.sweep", "expected an object");
    for (const cJSON *it = sw->child; it; it = it->next) {
        bool known = false;
        for (const char *const *k = keys; *k; k++) known = known || strcmp(*k, it->string) == 0;
        jpath_key(jp, "$.sweep", it->string);
        if (!known) return sweep__fail(c, jp, "unknown field");
        for (const cJSON *prev = sw->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0) return sweep__fail(c, jp, "duplicate field");
    }
    if ((e = sweep__parse_vary(c, p, cJSON_GetObjectItemCaseSensitive(sw, "vary")))) return e;
    p->seeds = 1;
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(sw, "seeds");
    if (seeds) {
        double v = cJSON_IsNumber(seeds) ? seeds->valuedouble : 0;
        if (!(v >= 1 && v <= SWEEP_MAX_SEEDS) || v != floor(v))
            return sweep__fail(c, "$.sweep.seeds", "expected an integer in 1..%d",
                               SWEEP_MAX_SEEDS);
        p->seeds = (int)v;
    }
    if ((e = sweep__parse_columns(c, p, cJSON_GetObjectItemCaseSensitive(sw, "columns"))))
        return e;
    if (p->n_points > SWEEP_MAX_RUNS || p->n_points * (size_t)p->seeds > SWEEP_MAX_RUNS) {
        if (p->n_points > SWEEP_MAX_RUNS)
            return sweep__fail(c, "$.sweep", "more than %d points; at most %d runs (points x seeds)",
                               SWEEP_MAX_RUNS, SWEEP_MAX_RUNS);
        return sweep__fail(c, "$.sweep", "%zu points x %d seeds = %zu runs; at most %d",
                           p->n_points, p->seeds, p->n_points * (size_t)p->seeds, SWEEP_MAX_RUNS);
    }
    return CS_OK;
}

cs_err sweep_plan_parse(sweep_plan *out, const char *path, const char *text, size_t len,
                        char *message, size_t message_len) {
    assert(out && path && (text || len == 0));
    /* 1. the file as a scenario: syntax errors with line:column, and every
     * rule of the format, before the sweep is looked at */
    scenario base;
    cs_err e = scenario_parse(&base, path, text, len, message, message_len);
    if (e) return e;
    sweep_plan p = {.name = xstrdup(base.name)};
    bool has_sweep = base.has_sweep;
    scenario_cleanup(&base);
    sweep__ctx c = {.path = path, .message = message, .message_len = message_len};
    /* 2. the same text as a document; the scenario parser accepted it, BOM
     * and all, so this parse cannot fail */
    size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    p.base = cJSON_ParseWithLength(text + skip, len - skip);
    assert(p.base);
    if (!has_sweep) {
        e = sweep__fail(&c, "$.sweep", "required field is missing (this file is not a sweep)");
        goto fail;
    }
    p.sweep = cJSON_DetachItemFromObjectCaseSensitive(p.base, "sweep");
    if ((e = sweep__parse_sweep(&c, &p, p.sweep))) goto fail;
    p.path = xstrdup(path);
    *out = p;
    return CS_OK;
fail:
    sweep_plan_cleanup(&p);
    return e;
}

cs_err sweep_plan_load(sweep_plan *out, const char *path, char *message, size_t message_len) {
    char *text = NULL;
    size_t len = 0;
    cs_err e = sweep__read_file(path, &text, &len, message, message_len);
    if (e) return e;
    e = sweep_plan_parse(out, path, text, len, message, message_len);
    free(text);
    return e;
}

void sweep_plan_cleanup(sweep_plan *p) {
    free(p->path);
    free(p->name);
    cJSON_Delete(p->base);
    cJSON_Delete(p->sweep);
    for (size_t i = 0; i < p->n_axes; i++) free(p->axes[i].path);
    free(p->axes);
    memset(p, 0, sizeof *p);
}

size_t sweep_plan_runs(const sweep_plan *p) { return p->n_points * (size_t)p->seeds; }

void sweep_point_indices(const sweep_plan *p, size_t point, size_t *idx) {
    assert(point < p->n_points);
    /* mixed radix, the last axis the fastest digit */
    for (size_t i = p->n_axes; i-- > 0;) {
        idx[i] = point % p->axes[i].n_values;
        point /= p->axes[i].n_values;
    }
}

static const cJSON *sweep__value(const sweep_plan *p, size_t axis, size_t i) {
    return cJSON_GetArrayItem(p->axes[axis].values, (int)i);
}

/* A value as the table, the CSV and labels show it: a string as itself,
 * anything else as compact JSON. The caller frees it. */
static char *sweep__value_text(const cJSON *v) {
    if (cJSON_IsString(v)) return xstrdup(v->valuestring);
    char *s = cJSON_PrintUnformatted(v);
    if (!s) abort();
    char *copy = xstrdup(s);
    cJSON_free(s);
    return copy;
}

void sweep_point_label(const sweep_plan *p, size_t point, char *out, size_t len) {
    size_t *idx = xmalloc(p->n_axes * sizeof *idx);
    sweep_point_indices(p, point, idx);
    size_t o = (size_t)snprintf(out, len, "sweep point %zu (", point + 1);
    for (size_t a = 0; a < p->n_axes && o < len; a++) {
        char *v = sweep__value_text(sweep__value(p, a, idx[a]));
        char q[JPATH_QUOTE_BUF], qv[SWEEP_LABEL_VALUE_MAX * 4 + 8];
        jpath_quote(qv, sizeof qv, v);
        if (strlen(qv) > SWEEP_LABEL_VALUE_MAX) memcpy(qv + SWEEP_LABEL_VALUE_MAX - 3, "...", 4);
        o += (size_t)snprintf(out + o, len - o, "%s%s=%s", a ? ", " : "",
                              jpath_quote(q, sizeof q, p->axes[a].path), qv);
        free(v);
    }
    if (o < len) snprintf(out + o, len - o, ")");
    free(idx);
}

char *sweep_point_json(const sweep_plan *p, size_t point) {
    size_t *idx = xmalloc(p->n_axes * sizeof *idx);
    sweep_point_indices(p, point, idx);
    cJSON *doc = cJSON_Duplicate(p->base, true);
    if (!doc) abort();
    for (size_t a = 0; a < p->n_axes; a++) {
        char why[256];
        cs_err e = sweep_path_set(doc, p->axes[a].path, sweep__value(p, a, idx[a]), why, sizeof why);
        assert(e == CS_OK && "every path was tried against the base when the plan was made");
        (void)e;
    }
    char *s = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    free(idx);
    if (!s) abort();
    char *text = xstrdup(s);
    cJSON_free(s);
    return text;
}

cs_err sweep_point_scenario(scenario *out, const sweep_plan *p, size_t point, char *message,
                            size_t message_len) {
    char label[SWEEP_LABEL_MAX], where[SWEEP_LABEL_MAX + 1024];
    sweep_point_label(p, point, label, sizeof label);
    snprintf(where, sizeof where, "%s: %s", p->path, label);
    char *text = sweep_point_json(p, point);
    scenario s;
    cs_err e = scenario_parse(&s, where, text, strlen(text), message, message_len);
    free(text);
    if (e) return e;
    if (s.mining == MINING_RACE) {
        if (message && message_len)
            snprintf(message, message_len, "%s: $.mining: race mining needs the threads executor; a "
                                   "sweep runs in virtual time", where);
        scenario_cleanup(&s);
        return CS_EINVAL;
    }
    *out = s;
    return CS_OK;
}

/* ---- running ----------------------------------------------------------- */

typedef struct sweep__pool {
    const sweep_plan *p;
    const scenario *points;
    const sweep_options *o;
    sweep_row *rows;
    size_t n_runs;
    FILE *err;
    pthread_mutex_t lock; /* guards next and done */
    size_t next, done;
} sweep__pool;

/* "label [actual]; label [actual]" of the failed rules, or NULL. */
static char *sweep__failures(const scenario *scn, const expect_result *res) {
    char *s = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < scn->n_expects; i++) {
        if (res[i].pass) continue;
        size_t need = strlen(res[i].rule->label) + strlen(res[i].actual) + 8;
        s = xgrow(s, &cap, len + need, 1);
        len += (size_t)snprintf(s + len, cap - len, "%s%s [%s]", len ? "; " : "",
                                res[i].rule->label, res[i].actual);
    }
    return s;
}

static void sweep__run_one(sweep__pool *pool, size_t j) {
    const sweep_plan *p = pool->p;
    sweep_row *row = &pool->rows[j];
    row->point = j / (size_t)p->seeds;
    row->seed_index = (int)(j % (size_t)p->seeds);
    const scenario *scn = &pool->points[row->point];
    row->seed = (pool->o->seed_set ? pool->o->seed : scn->seed) + (uint64_t)row->seed_index;
    row->n_expects = scn->n_expects;
    char err[1024];
    sim_desc d = {.scn = scn, .executor = SIM_VIRTUAL, .seed_set = true, .seed = row->seed};
    pthread_mutex_lock(&sweep__cjson_lock);
    sim *s = sim_new(&d, err, sizeof err);
    pthread_mutex_unlock(&sweep__cjson_lock);
    if (!s) {
        row->error = xstrdup(err);
        return;
    }
    metrics *m = metrics_new(scn->n_nodes, bstore_genesis(sim_store(s)));
    metrics_set_block_interval(m, scn->params.block_interval_us);
    sim_add_sink_filtered(s, metrics_sink, m, METRICS_EVENTS);
    cs_err e = sim_run(s);
    if (e) {
        snprintf(err, sizeof err, "%s, seed %llu: the run failed: %s", scn->path,
                 (unsigned long long)row->seed, cs_strerror(e));
        row->error = xstrdup(err);
    }
    metrics_finish(m, sim_end_us(s));
    for (int i = 0; i < SWEEP_N_METRICS; i++) metrics_value(m, sweep__metric_names[i], &row->metric[i]);
    expect_result *res = report_check(s, m, &row->n_failed);
    row->failed = sweep__failures(scn, res);
    free(res);
    metrics_free(m);
    sim_free(s);
}

static void *sweep__worker(void *arg) {
    sweep__pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        size_t j = pool->next < pool->n_runs ? pool->next++ : pool->n_runs;
        pthread_mutex_unlock(&pool->lock);
        if (j >= pool->n_runs) return NULL;
        sweep__run_one(pool, j);
        pthread_mutex_lock(&pool->lock);
        pool->done++;
        if (pool->o->progress) {
            fprintf(pool->err, "\r  sweep: %zu of %zu runs done   ", pool->done, pool->n_runs);
            fflush(pool->err);
        }
        pthread_mutex_unlock(&pool->lock);
    }
}

int sweep_run(sweep_result *out, const sweep_plan *p, const scenario *points,
              const sweep_options *o) {
    size_t n = sweep_plan_runs(p);
    long want = o->workers > 0 ? o->workers : sysconf(_SC_NPROCESSORS_ONLN);
    if (want < 1) want = 1;
    if (want > SWEEP_MAX_WORKERS) want = SWEEP_MAX_WORKERS;
    int workers = (size_t)want > n ? (int)n : (int)want;
    sweep__pool pool = {
        .p = p, .points = points, .o = o, .n_runs = n,
        .rows = xcalloc(n ? n : 1, sizeof *pool.rows),
        .err = o->err ? o->err : stderr,
    };
    pthread_mutex_init(&pool.lock, NULL);
    pthread_t *threads = xmalloc((size_t)(workers > 0 ? workers : 1) * sizeof *threads);
    int started = 0;
    if (workers > 1)
        while (started < workers && pthread_create(&threads[started], NULL, sweep__worker, &pool) == 0)
            started++;
    /* One worker, or no thread could be made: this thread runs what is left. */
    if (started == 0) sweep__worker(&pool);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&pool.lock);
    if (o->progress && n) fputs("\r\033[K", pool.err);
    *out = (sweep_result){.rows = pool.rows, .n_rows = n};
    return started > 0 ? started : 1;
}

void sweep_result_cleanup(sweep_result *r) {
    for (size_t i = 0; i < r->n_rows; i++) {
        free(r->rows[i].failed);
        free(r->rows[i].error);
    }
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* ---- output ------------------------------------------------------------ */

/* For people: integers as integers, else 6 significant digits. */
static void sweep__fmt_short(char *out, size_t len, double v) {
    if (v == 0) snprintf(out, len, "0");
    else if (isfinite(v) && v == floor(v) && fabs(v) < 1e15) snprintf(out, len, "%.0f", v);
    else snprintf(out, len, "%.6g", v);
}

/* A table of cells, printed with columns right-aligned to their widest
 * cell, two spaces apart; the last column is left-aligned (no trailing
 * blanks). */
typedef struct sweep__table {
    size_t n_cols, n_cells, cap_cells;
    char **cells;
} sweep__table;

static void sweep__cell(sweep__table *t, const char *s) {
    t->cells = xgrow(t->cells, &t->cap_cells, t->n_cells + 1, sizeof *t->cells);
    t->cells[t->n_cells++] = xstrdup(s);
}

static void sweep__table_print(FILE *out, sweep__table *t) {
    size_t *w = xcalloc(t->n_cols, sizeof *w);
    for (size_t i = 0; i < t->n_cells; i++) {
        size_t l = strlen(t->cells[i]);
        if (l > w[i % t->n_cols]) w[i % t->n_cols] = l;
    }
    for (size_t i = 0; i < t->n_cells; i++) {
        size_t col = i % t->n_cols;
        if (col + 1 < t->n_cols) fprintf(out, "%*s  ", (int)w[col], t->cells[i]);
        else fprintf(out, "%s\n", t->cells[i]);
        free(t->cells[i]);
    }
    free(t->cells);
    free(w);
    t->cells = NULL;
    t->n_cells = t->cap_cells = 0;
}

static void sweep__header(sweep__table *t, const sweep_plan *p, const char *seed_col) {
    t->n_cols = 1 + p->n_axes + 1 + p->n_columns + 1;
    sweep__cell(t, "point");
    for (size_t a = 0; a < p->n_axes; a++) sweep__cell(t, p->axes[a].path);
    sweep__cell(t, seed_col);
    for (size_t c = 0; c < p->n_columns; c++) sweep__cell(t, sweep__metric_names[p->columns[c]]);
    sweep__cell(t, "expect");
}

static void sweep__point_cells(sweep__table *t, const sweep_plan *p, size_t point, size_t *idx) {
    char text[64];
    snprintf(text, sizeof text, "%zu", point + 1);
    sweep__cell(t, text);
    sweep_point_indices(p, point, idx);
    for (size_t a = 0; a < p->n_axes; a++) {
        char *v = sweep__value_text(sweep__value(p, a, idx[a]));
        sweep__cell(t, v);
        free(v);
    }
}

/* "ok 3/3", "FAIL 2/3", "-" (no rules) or "error". */
static void sweep__verdict(char *out, size_t len, size_t passed, size_t total, bool error) {
    if (error) snprintf(out, len, "error");
    else if (total == 0) snprintf(out, len, "-");
    else snprintf(out, len, "%s %zu/%zu", passed == total ? "ok" : "FAIL", passed, total);
}

void sweep_print_table(FILE *out, const sweep_plan *p, const sweep_result *r) {
    char text[64];
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    sweep__table t = {0};
    fprintf(out, "sweep: %s (%s): %zu point%s x %d seed%s = %zu run%s\n", p->name, p->path,
            p->n_points, p->n_points == 1 ? "" : "s", p->seeds, p->seeds == 1 ? "" : "s",
            r->n_rows, r->n_rows == 1 ? "" : "s");
    sweep__header(&t, p, "seed");
    size_t runs_failed = 0, runs_error = 0, rules = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        sweep__point_cells(&t, p, row->point, idx);
        snprintf(text, sizeof text, "%llu", (unsigned long long)row->seed);
        sweep__cell(&t, text);
        for (size_t c = 0; c < p->n_columns; c++) {
            sweep__fmt_short(text, sizeof text, row->metric[p->columns[c]]);
            sweep__cell(&t, text);
        }
        sweep__verdict(text, sizeof text, row->n_expects - row->n_failed, row->n_expects, row->error);
        sweep__cell(&t, text);
        runs_failed += row->n_failed > 0;
        runs_error += row->error != NULL;
        rules += row->n_expects;
    }
    sweep__table_print(out, &t);
    if (p->seeds > 1 && r->n_rows) {
        fprintf(out, "mean over %d seeds:\n", p->seeds);
        sweep__header(&t, p, "runs");
        for (size_t pt = 0; pt < p->n_points; pt++) {
            const sweep_row *rows = &r->rows[pt * (size_t)p->seeds];
            sweep__point_cells(&t, p, pt, idx);
            snprintf(text, sizeof text, "%d", p->seeds);
            sweep__cell(&t, text);
            for (size_t c = 0; c < p->n_columns; c++) {
                double sum = 0;
                for (int k = 0; k < p->seeds; k++) sum += rows[k].metric[p->columns[c]];
                sweep__fmt_short(text, sizeof text, sum / p->seeds);
                sweep__cell(&t, text);
            }
            size_t passed = 0, total = 0;
            bool error = false;
            for (int k = 0; k < p->seeds; k++) {
                passed += rows[k].n_expects - rows[k].n_failed;
                total += rows[k].n_expects;
                error = error || rows[k].error;
            }
            sweep__verdict(text, sizeof text, passed, total, error);
            sweep__cell(&t, text);
        }
        sweep__table_print(out, &t);
    }
    if (runs_error)
        fprintf(out, "%zu of %zu runs could not run\n", runs_error, r->n_rows);
    if (rules && runs_failed)
        fprintf(out, "expectations: %zu of %zu runs failed\n", runs_failed, r->n_rows);
    else if (rules)
        fprintf(out, "expectations: held in all %zu runs\n", r->n_rows);
    free(idx);
}

static cs_err sweep__close(FILE *f) {
    bool bad = ferror(f) != 0;
    int saved = errno;
    if (fclose(f) != 0) return CS_EIO;
    if (bad) {
        errno = saved ? saved : EIO;
        return CS_EIO;
    }
    return CS_OK;
}

cs_err sweep_write_csv(const char *file, const sweep_plan *p, const sweep_result *r) {
    FILE *f = fopen(file, "w");
    if (!f) return CS_EIO;
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    fputs("point", f);
    for (size_t a = 0; a < p->n_axes; a++) {
        fputc(',', f);
        csv_field(f, p->axes[a].path);
    }
    fputs(",seed", f);
    for (size_t c = 0; c < p->n_columns; c++) fprintf(f, ",%s", sweep__metric_names[p->columns[c]]);
    fputs(",expect_passed,expect_failed\n", f);
    char text[64];
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        fprintf(f, "%zu", row->point + 1);
        sweep_point_indices(p, row->point, idx);
        for (size_t a = 0; a < p->n_axes; a++) {
            char *v = sweep__value_text(sweep__value(p, a, idx[a]));
            fputc(',', f);
            csv_field(f, v);
            free(v);
        }
        fprintf(f, ",%llu", (unsigned long long)row->seed);
        for (size_t c = 0; c < p->n_columns; c++) {
            csv_format_number(text, sizeof text, row->metric[p->columns[c]]);
            fprintf(f, ",%s", text);
        }
        fprintf(f, ",%zu,%zu\n", row->n_expects - row->n_failed, row->n_failed);
    }
    free(idx);
    return sweep__close(f);
}

cs_err sweep_write_json(const char *file, const sweep_plan *p, const sweep_result *r) {
    FILE *f = fopen(file, "w");
    if (!f) return CS_EIO;
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
    char text[64];
    fputs("[", f);
    for (size_t i = 0; i < r->n_rows; i++) {
        const sweep_row *row = &r->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "point", (double)(row->point + 1));
        sweep_point_indices(p, row->point, idx);
        for (size_t a = 0; a < p->n_axes; a++)
            cJSON_AddItemToObject(o, p->axes[a].path,
                                  cJSON_Duplicate(sweep__value(p, a, idx[a]), true));
        cJSON_AddNumberToObject(o, "seed", (double)row->seed);
        for (size_t c = 0; c < p->n_columns; c++) { /* the CSV's digits (cJSON's may be
                                                       an ulp off); JSON has no NaN */
            double v = row->metric[p->columns[c]];
            csv_format_number(text, sizeof text, v);
            cJSON_AddRawToObject(o, sweep__metric_names[p->columns[c]], isfinite(v) ? text : "null");
        }
        cJSON_AddNumberToObject(o, "expect_passed", (double)(row->n_expects - row->n_failed));
        cJSON_AddNumberToObject(o, "expect_failed", (double)row->n_failed);
        if (row->failed) cJSON_AddStringToObject(o, "failed", row->failed);
        if (row->error) cJSON_AddStringToObject(o, "error", row->error);
        char *s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!s) abort();
        fprintf(f, "%s\n  %s", i ? "," : "", s);
        cJSON_free(s);
    }
    fputs(r->n_rows ? "\n]\n" : "]\n", f);
    free(idx);
    return sweep__close(f);
}

/* ---- the command ------------------------------------------------------- */

static int sweep__write_files(const sweep_plan *p, const sweep_result *r, const sweep_options *o,
                              FILE *err) {
    int code = SWEEP_EXIT_OK;
    char why[512];
    if (o->csv_dir && !csv_mkdirs(o->csv_dir, why, sizeof why)) {
        fprintf(err, "chainsim: --csv %s: %s\n", o->csv_dir, why);
        code = SWEEP_EXIT_USAGE;
    } else if (o->csv_dir) {
        size_t n = strlen(o->csv_dir) + sizeof "/sweep.csv";
        char *file = xmalloc(n);
        snprintf(file, n, "%s/sweep.csv", o->csv_dir);
        errno = 0;
        if (sweep_write_csv(file, p, r) != CS_OK) {
            fprintf(err, "chainsim: --csv %s: %s\n", file, strerror(errno ? errno : EIO));
            code = SWEEP_EXIT_USAGE;
        }
        free(file);
    }
    errno = 0;
    if (o->json_path && sweep_write_json(o->json_path, p, r) != CS_OK) {
        fprintf(err, "chainsim: --report %s: %s\n", o->json_path, strerror(errno ? errno : EIO));
        code = SWEEP_EXIT_USAGE;
    }
    return code;
}

int sweep_main(const char *path, const sweep_options *o) {
    FILE *out = o->out ? o->out : stdout, *err = o->err ? o->err : stderr;
    char message[2048];
    sweep_plan p;
    if (sweep_plan_load(&p, path, message, sizeof message) != CS_OK) {
        fprintf(err, "chainsim: %s\n", message);
        return SWEEP_EXIT_USAGE;
    }
    scenario *points = xcalloc(p.n_points, sizeof *points);
    size_t n_parsed = 0;
    int code = SWEEP_EXIT_OK;
    for (; n_parsed < p.n_points; n_parsed++) {
        if (sweep_point_scenario(&points[n_parsed], &p, n_parsed, message, sizeof message) != CS_OK) {
            fprintf(err, "chainsim: %s\n", message);
            code = SWEEP_EXIT_USAGE;
            break;
        }
    }
    if (code == SWEEP_EXIT_OK) {
        sweep_result r;
        sweep_run(&r, &p, points, o);
        if (!o->quiet) sweep_print_table(out, &p, &r);
        fflush(out);
        for (size_t i = 0; i < r.n_rows; i++) {
            const sweep_row *row = &r.rows[i];
            if (row->error) {
                fprintf(err, "chainsim: %s\n", row->error);
                code = SWEEP_EXIT_USAGE;
            } else if (row->failed) {
                fprintf(err, "chainsim: %s, seed %llu: %zu expectation%s failed: %s\n",
                        points[row->point].path, (unsigned long long)row->seed, row->n_failed,
                        row->n_failed == 1 ? "" : "s", row->failed);
                if (code == SWEEP_EXIT_OK) code = SWEEP_EXIT_EXPECT_FAILED;
            }
        }
        int wcode = sweep__write_files(&p, &r, o, err);
        if (wcode != SWEEP_EXIT_OK) code = wcode;
        sweep_result_cleanup(&r);
    }
    for (size_t i = 0; i < n_parsed; i++) scenario_cleanup(&points[i]);
    free(points);
    sweep_plan_cleanup(&p);
    return code;
}
