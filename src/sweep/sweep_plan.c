/* sweep_plan.c - parameter sweeps: one scenario file, a grid of runs, one table;
 * this file reads the file and its "sweep" block into a plan, and makes each
 * point's scenario (sweep_run.c runs them, sweep_table.c writes the table).
 *
 * The format and the outputs are documented in sweep.h. How it works:
 *
 *   file --read--> text --scenario_parse--> (the file is a valid scenario)
 *        --cJSON--> base document; "sweep" detached and checked -> plan
 *   plan --per point: copy base, set each path, print, scenario_parse-->
 *        points[] (all checked before anything runs)
 *   points --worker threads, one (point, seed) run at a time--> rows[]
 *   rows --in run order--> table, CSV, JSON
 */
#include "sweep/sweep_int.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/jpath.h"
#include "util/mem.h"

#define SWEEP_LABEL_VALUE_MAX 40 /* bytes of a value shown in a point's label */
#define SWEEP_LABEL_MAX 512

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

/* ---- messages (the style of the scenario reader) ------------------------ */

typedef struct sweep__ctx {
    const char *path; /* the file */
    char *message;
    size_t message_len;
} sweep__ctx;

/* Writes "path: jpath: <text>"; returns CS_EINVAL. */
static cs_err sweep__fail(sweep__ctx *c, const char *jpath, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    jpath_vmessage(c->message, c->message_len, c->path, jpath, fmt, ap);
    va_end(ap);
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
        } else if (strcmp(it->string, "seed") == 0 || strcmp(it->string, "replications") == 0) {
            e = sweep__fail(c, kp, "replicate the points with $.replications (each point runs "
                                   "that many replicas, seeds derived from seed)");
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
    static const char *const keys[] = {"vary", "seeds", "columns", "paired", NULL};
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
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(sw, "seeds");
    if (seeds) {
        double v = cJSON_IsNumber(seeds) ? seeds->valuedouble : 0;
        if (!(v >= 1 && v <= SWEEP_MAX_SEEDS) || v != floor(v))
            return sweep__fail(c, "$.sweep.seeds", "expected an integer in 1..%d",
                               SWEEP_MAX_SEEDS);
        if (cJSON_GetObjectItemCaseSensitive(p->base, "replications"))
            return sweep__fail(c, "$.sweep.seeds", "give either $.replications or $.sweep.seeds "
                                                   "(they are the same count)");
        p->seeds = (int)v;
    }
    const cJSON *paired = cJSON_GetObjectItemCaseSensitive(sw, "paired");
    if (paired && !cJSON_IsBool(paired))
        return sweep__fail(c, "$.sweep.paired", "expected true or false");
    p->paired = cJSON_IsTrue(paired);
    if ((e = sweep__parse_columns(c, p, cJSON_GetObjectItemCaseSensitive(sw, "columns"))))
        return e;
    return CS_OK;
}

/* The runs' limit, once the replica count is known. */
static cs_err sweep__check_runs(sweep__ctx *c, const sweep_plan *p) {
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
                        int replications, char *message, size_t message_len) {
    assert(out && path && (text || len == 0));
    /* 1. the file as a scenario: syntax errors with line:column, and every
     * rule of the format, before the sweep is looked at */
    scenario base;
    cs_err e = scenario_parse(&base, path, text, len, message, message_len);
    if (e) return e;
    sweep_plan p = {.name = xstrdup(base.name), .seeds = base.replications};
    bool has_sweep = base.has_sweep;
    scenario_cleanup(&base);
    sweep__ctx c = {.path = path, .message = message, .message_len = message_len};
    /* 2. the same text as a document; the scenario parser accepted it, BOM
     * and all, so this parse cannot fail */
    size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    p.base = cJSON_ParseWithLength(text + skip, len - skip);
    assert(p.base);
    if (!has_sweep && (replications > 0 ? replications : p.seeds) < 2) {
        e = sweep__fail(&c, "$.sweep", "required field is missing (this file is not a sweep)");
        goto fail;
    }
    if (has_sweep) {
        p.sweep = cJSON_DetachItemFromObjectCaseSensitive(p.base, "sweep");
        if ((e = sweep__parse_sweep(&c, &p, p.sweep))) goto fail;
    } else { /* replicas of the file itself: one point, no axes, every metric */
        p.n_points = 1;
        for (int i = 0; i < SWEEP_N_METRICS; i++) p.columns[i] = i;
        p.n_columns = SWEEP_N_METRICS;
    }
    if (replications > 0) p.seeds = replications;
    if ((e = sweep__check_runs(&c, &p))) goto fail;
    p.path = xstrdup(path);
    *out = p;
    return CS_OK;
fail:
    sweep_plan_cleanup(&p);
    return e;
}

cs_err sweep_plan_load(sweep_plan *out, const char *path, int replications, char *message,
                       size_t message_len) {
    char *text = NULL;
    size_t len = 0;
    cs_err e = scenario_read_file(path, &text, &len, message, message_len);
    if (e) return e;
    e = sweep_plan_parse(out, path, text, len, replications, message, message_len);
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

const cJSON *sweep__value(const sweep_plan *p, size_t axis, size_t i) {
    return cJSON_GetArrayItem(p->axes[axis].values, (int)i);
}

char *sweep__value_text(const cJSON *v) {
    if (cJSON_IsString(v)) return xstrdup(v->valuestring);
    char *s = cJSON_PrintUnformatted(v);
    if (!s) abort();
    char *copy = xstrdup(s);
    cJSON_free(s);
    return copy;
}

void sweep_point_label(const sweep_plan *p, size_t point, char *out, size_t len) {
    if (p->n_axes == 0) { /* replicas of one scenario */
        snprintf(out, len, "replicas");
        return;
    }
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
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
    size_t *idx = xmalloc((p->n_axes ? p->n_axes : 1) * sizeof *idx);
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
    if (s.mining == NODE_MINING_RACE) {
        if (message && message_len)
            snprintf(message, message_len, "%s: $.mining: race mining needs the threads executor; a "
                                   "sweep runs in virtual time", where);
        scenario_cleanup(&s);
        return CS_EINVAL;
    }
    *out = s;
    return CS_OK;
}

