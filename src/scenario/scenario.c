/* scenario.c - scenario files: JSON text in, a checked `scenario` out.
 *
 * The text is parsed by cJSON, then walked once, top to bottom, into a
 * scenario under construction. Every value is checked where it is read, and
 * the first problem ends the walk with one line that names the file, the
 * JSON location and what is wrong:
 *
 *   scenarios/x.json: $.events[3].at: expected a number >= 0
 *
 * so a user can fix files one error at a time. Objects are checked for
 * unknown and repeated keys before their fields are read: a typo
 * ("dificulty") must not silently become a default.
 *
 * Ownership: everything allocated during the walk hangs off the scenario
 * under construction as soon as it is allocated (arrays are zeroed first), so
 * the single failure path is scenario_cleanup() of that scenario and the
 * caller's *out is written only on success.
 *
 * The order of the walk matters where one part refers to another: nodes
 * come first (topology edges, events and expectations name them), links
 * before the node regions are checked against the region matrix, and the
 * "needs an end" rule after mining, traffic, duration and stop are known.
 * Events are validated in file order (messages give the file's index) and
 * sorted by time only at the end. */
#include "scenario/scenario.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "scenario/metric_names.h"
#include "scenario/presets.h"
#include "util/hmap.h"
#include "util/jpath.h"
#include "util/json_strict.h"
#include "util/mem.h"

/* Integers in the file are read through a double (cJSON); beyond 2^53 - 1
 * they are no longer exact, so that is the widest integer accepted. */
#define SCN_INT_MAX 9007199254740991LL
#define SCN_MAX_BLOCK_BYTES 1000000000LL
#define SCN_MAX_HEIGHT 1000000000LL
#define SCN_MAX_RATE 1e6    /* tx_per_s */
#define SCN_MAX_HASH_POWER 1e15

typedef struct scn_ctx {
    const char *path; /* the file, for messages */
    char *msg;
    size_t msg_len;
    scenario *s;      /* under construction */
    hmap names;       /* node name -> index + 1 (keys live in s->nodes) */
} scn_ctx;

/* ---- messages --------------------------------------------------------- */

/* Writes "path: jpath: <text>" into the caller's buffer; returns err. */
static cs_err scn_fail_code(scn_ctx *c, cs_err err, const char *jpath, const char *fmt, ...) {
    if (c->msg && c->msg_len > 0) {
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        snprintf(c->msg, c->msg_len, "%s: %s: %s", c->path, jpath, text);
    }
    return err;
}

#define scn_fail(c, jpath, ...) scn_fail_code((c), CS_EINVAL, (jpath), __VA_ARGS__)

/* ---- generic checks --------------------------------------------------- */

static bool scn_in_list(const char *key, const char *const *list) {
    for (; list && *list; list++)
        if (strcmp(key, *list) == 0) return true;
    return false;
}

/* Checks that obj is an object whose keys are all in `a` or `b` (NULL-ended
 * lists; b may be NULL), each at most once. */
static cs_err scn_check_object(scn_ctx *c, const cJSON *obj, const char *jp,
                               const char *const *a, const char *const *b) {
    if (!cJSON_IsObject(obj)) return scn_fail(c, jp, "expected an object");
    char kp[JPATH_MAX];
    for (const cJSON *it = obj->child; it; it = it->next) {
        jpath_key(kp, jp, it->string);
        if (!scn_in_list(it->string, a) && !scn_in_list(it->string, b))
            return scn_fail(c, kp, "unknown field");
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return scn_fail(c, kp, "duplicate field");
    }
    return CS_OK;
}

/* Fetches a required field; its path goes to kp. */
static cs_err scn_required(scn_ctx *c, const cJSON *obj, const char *jp, const char *key,
                           const cJSON **out, char kp[JPATH_MAX]) {
    jpath_key(kp, jp, key);
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!*out) return scn_fail(c, kp, "required field is missing");
    return CS_OK;
}

static cs_err scn_get_string(scn_ctx *c, const cJSON *it, const char *jp, bool nonempty,
                             const char **out) {
    if (!cJSON_IsString(it) || (nonempty && it->valuestring[0] == '\0'))
        return scn_fail(c, jp, nonempty ? "expected a non-empty string" : "expected a string");
    *out = it->valuestring;
    return CS_OK;
}

static cs_err scn_get_bool(scn_ctx *c, const cJSON *it, const char *jp, bool *out) {
    if (!cJSON_IsBool(it)) return scn_fail(c, jp, "expected true or false");
    *out = cJSON_IsTrue(it);
    return CS_OK;
}

/* An integer in [lo, hi]. The message gives the whole range unless a bound
 * is only the format's technical limit (+-(2^53 - 1)) and was not exceeded. */
static cs_err scn_get_int(scn_ctx *c, const cJSON *it, const char *jp, int64_t lo, int64_t hi,
                          int64_t *out) {
    bool num = cJSON_IsNumber(it) && isfinite(it->valuedouble);
    double v = num ? it->valuedouble : 0;
    bool over = num && v > (double)hi, under = num && v < (double)lo;
    if (num && !over && !under && v == floor(v)) {
        *out = (int64_t)v;
        return CS_OK;
    }
    if (lo == -SCN_INT_MAX && hi == SCN_INT_MAX && !over && !under)
        return scn_fail(c, jp, "expected an integer");
    if (hi == SCN_INT_MAX && !over)
        return scn_fail(c, jp, "expected an integer >= %lld", (long long)lo);
    return scn_fail(c, jp, "expected an integer in %lld..%lld", (long long)lo, (long long)hi);
}

/* A number with bounds; lo_open/hi_open make them strict. The upper bound is
 * named in the message when show_hi is set or when the value exceeds it. */
typedef struct scn_range {
    double lo, hi;
    bool lo_open, hi_open, show_hi;
} scn_range;

static cs_err scn_get_num(scn_ctx *c, const cJSON *it, const char *jp, scn_range r, double *out) {
    bool num = cJSON_IsNumber(it) && isfinite(it->valuedouble);
    double v = num ? it->valuedouble : 0;
    bool low_ok = r.lo_open ? v > r.lo : v >= r.lo;
    bool high_ok = r.hi_open ? v < r.hi : v <= r.hi;
    if (num && low_ok && high_ok) {
        *out = v;
        return CS_OK;
    }
    if (!r.show_hi && (!num || !low_ok))
        return scn_fail(c, jp, "expected a number %s %.15g", r.lo_open ? ">" : ">=", r.lo);
    return scn_fail(c, jp, "expected a number %s %.15g and %s %.15g", r.lo_open ? ">" : ">=",
                    r.lo, r.hi_open ? "<" : "<=", r.hi);
}

/* Seconds in the file -> microseconds. positive: > 0 and at least 1 us. */
static cs_err scn_get_seconds(scn_ctx *c, const cJSON *it, const char *jp, bool positive,
                              int64_t *out_us) {
    double v = 0;
    scn_range r = {.lo = 0, .lo_open = positive, .hi = SCN_MAX_SECONDS};
    cs_err e = scn_get_num(c, it, jp, r, &v);
    if (e) return e;
    int64_t us = llround(v * 1e6);
    if (positive && us < 1) return scn_fail(c, jp, "expected a number >= 0.000001");
    *out_us = us;
    return CS_OK;
}

/* Milliseconds in the file -> microseconds, >= 0. */
static cs_err scn_get_ms(scn_ctx *c, const cJSON *it, const char *jp, int64_t *out_us) {
    double v = 0;
    scn_range r = {.lo = 0, .hi = SCN_MAX_SECONDS * 1000};
    cs_err e = scn_get_num(c, it, jp, r, &v);
    if (e) return e;
    *out_us = llround(v * 1000);
    return CS_OK;
}

/* A node reference: a name string or an integer index. */
static cs_err scn_get_node(scn_ctx *c, const cJSON *it, const char *jp, int *out) {
    const scenario *s = c->s;
    if (cJSON_IsString(it)) {
        void *v = hmap_get(&c->names, it->valuestring, strlen(it->valuestring));
        if (!v) {
            char q[JPATH_QUOTE_BUF];
            return scn_fail(c, jp, "unknown node \"%s\"", jpath_quote(q, sizeof q, it->valuestring));
        }
        *out = (int)((uintptr_t)v - 1);
        return CS_OK;
    }
    if (cJSON_IsNumber(it) && isfinite(it->valuedouble) &&
        it->valuedouble == floor(it->valuedouble)) {
        double v = it->valuedouble;
        if (v < 0 || v >= s->n_nodes)
            return scn_fail(c, jp, "node index %.0f out of range (%d nodes)", v, s->n_nodes);
        *out = (int)v;
        return CS_OK;
    }
    return scn_fail(c, jp, "expected a node name or index");
}

/* A name that becomes an account (a node's, as miner, or a genesis balance):
 * the transaction rules for names, and not the reward sender "0". */
static cs_err scn_check_account(scn_ctx *c, const char *name, const char *jp) {
    if (strcmp(name, TX_REWARD_SENDER) == 0)
        return scn_fail(c, jp, "\"0\" is reserved (the sender of block rewards)");
    reject r = tx_check_fields(name, name, 1, "scenario");
    if (r == REJ_TX_NAME_EMPTY) return scn_fail(c, jp, "expected a non-empty name");
    if (r == REJ_TX_NAME_LONG) return scn_fail(c, jp, "name longer than %d bytes", TX_NAME_MAX);
    if (r != REJ_NONE)
        return scn_fail(c, jp, "name is not UTF-8 or contains control characters");
    return CS_OK;
}

/* ---- nodes and topology ----------------------------------------------- */

static cs_err scn_add_name(scn_ctx *c, int i, const char *jp) {
    const char *name = c->s->nodes[i].name;
    void *prev = hmap_put(&c->names, name, strlen(name), (void *)(uintptr_t)(i + 1));
    if (prev) {
        char q[JPATH_QUOTE_BUF];
        hmap_put(&c->names, name, strlen(name), prev);
        return scn_fail(c, jp, "duplicate node name \"%s\" (also $.nodes[%d])",
                        jpath_quote(q, sizeof q, name), (int)((uintptr_t)prev - 1));
    }
    return CS_OK;
}

static cs_err scn_parse_node(scn_ctx *c, const cJSON *obj, int i, const char *jp) {
    static const char *const keys[] = {"name", "hash_power", "region", "upload_bps",
                                       "download_bps", NULL};
    scn_node *n = &c->s->nodes[i];
    char kp[JPATH_MAX];
    const cJSON *it = NULL;
    const char *name = NULL;
    cs_err e = scn_check_object(c, obj, jp, keys, NULL);
    if (!e) e = scn_required(c, obj, jp, "name", &it, kp);
    if (!e) e = scn_get_string(c, it, kp, true, &name);
    if (!e) e = scn_check_account(c, name, kp);
    if (e) return e;
    n->name = xstrdup(name);
    if ((e = scn_add_name(c, i, kp))) return e;
    n->hash_power = 1;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "hash_power"))) {
        jpath_key(kp, jp, "hash_power");
        scn_range r = {.lo = 0, .hi = SCN_MAX_HASH_POWER};
        if ((e = scn_get_num(c, it, kp, r, &n->hash_power))) return e;
        n->hash_power_set = true;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "region"))) {
        int64_t region = 0;
        jpath_key(kp, jp, "region");
        if ((e = scn_get_int(c, it, kp, 0, SCN_MAX_REGIONS - 1, &region))) return e;
        n->region = (int)region;
        n->region_set = true;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "upload_bps"))) {
        jpath_key(kp, jp, "upload_bps");
        if ((e = scn_get_int(c, it, kp, 1, SCN_INT_MAX, &n->upload_bps))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "download_bps"))) {
        jpath_key(kp, jp, "download_bps");
        if ((e = scn_get_int(c, it, kp, 1, SCN_INT_MAX, &n->download_bps))) return e;
    }
    return CS_OK;
}

static cs_err scn_parse_nodes(scn_ctx *c, const cJSON *root) {
    scenario *s = c->s;
    char jp[JPATH_MAX];
    const cJSON *it = NULL;
    cs_err e = scn_required(c, root, "$", "nodes", &it, jp);
    if (e) return e;
    if (cJSON_IsArray(it)) {
        int n = cJSON_GetArraySize(it);
        if (n < 1 || n > SCN_MAX_NODES)
            return scn_fail(c, jp, "expected 1..%d nodes, got %d", SCN_MAX_NODES, n);
        s->nodes = xcalloc((size_t)n, sizeof *s->nodes);
        s->n_nodes = n;
        int i = 0;
        for (const cJSON *el = it->child; el; el = el->next, i++) {
            char ep[JPATH_MAX];
            jpath_idx(ep, jp, (size_t)i);
            if ((e = scn_parse_node(c, el, i, ep))) return e;
        }
        return CS_OK;
    }
    if (!cJSON_IsNumber(it))
        return scn_fail(c, jp, "expected a number of nodes or an array of nodes");
    int64_t n = 0;
    if ((e = scn_get_int(c, it, jp, 1, SCN_MAX_NODES, &n))) return e;
    s->nodes = xcalloc((size_t)n, sizeof *s->nodes);
    s->n_nodes = (int)n;
    for (int i = 0; i < s->n_nodes; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%d", i);
        s->nodes[i].name = xstrdup(name);
        s->nodes[i].hash_power = 1;
        if ((e = scn_add_name(c, i, jp))) return e;
    }
    return CS_OK;
}

static cs_err scn_parse_edges(scn_ctx *c, const cJSON *arr, const char *jp) {
    scenario *s = c->s;
    if (!cJSON_IsArray(arr)) return scn_fail(c, jp, "expected an array of [node, node] pairs");
    int n = cJSON_GetArraySize(arr);
    s->edges = xcalloc((size_t)n * 2, sizeof *s->edges);
    s->n_edges = (size_t)n;
    size_t i = 0;
    for (const cJSON *el = arr->child; el; el = el->next, i++) {
        char ep[JPATH_MAX], np[JPATH_MAX];
        jpath_idx(ep, jp, i);
        if (!cJSON_IsArray(el) || cJSON_GetArraySize(el) != 2)
            return scn_fail(c, ep, "expected a pair [node, node]");
        cs_err e;
        jpath_idx(np, ep, 0);
        if ((e = scn_get_node(c, el->child, np, &s->edges[2 * i]))) return e;
        jpath_idx(np, ep, 1);
        if ((e = scn_get_node(c, el->child->next, np, &s->edges[2 * i + 1]))) return e;
        if (s->edges[2 * i] == s->edges[2 * i + 1])
            return scn_fail(c, ep, "an edge from a node to itself");
    }
    return CS_OK;
}

static cs_err scn_topo_kind(scn_ctx *c, const cJSON *it, const char *jp, topo_kind *out) {
    static const struct {
        const char *name;
        topo_kind kind;
    } kinds[] = {{"mesh", TOPO_MESH}, {"none", TOPO_NONE}, {"ring", TOPO_RING},
                 {"random", TOPO_RANDOM}, {"edges", TOPO_EDGES},
                 {"small-world", TOPO_SMALL_WORLD}, {"scale-free", TOPO_SCALE_FREE}};
    if (cJSON_IsString(it))
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcmp(it->valuestring, kinds[i].name) == 0) {
                *out = kinds[i].kind;
                return CS_OK;
            }
    return scn_fail(c, jp, "expected \"mesh\", \"none\", \"ring\", \"random\", \"small-world\", "
                           "\"scale-free\" or \"edges\"");
}

/* A cumulative distribution over 1, 2, ... (index k: P(value <= k + 1)):
 * 1..1000 numbers in [0, 1], never decreasing, the last 1. */
static cs_err scn_parse_cdf(scn_ctx *c, const cJSON *arr, const char *jp, double **out,
                            int *n_out) {
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n < 1 || n > 1000)
        return scn_fail(c, jp, "expected an array of 1..1000 cumulative probabilities");
    double *cdf = xcalloc((size_t)n, sizeof *cdf);
    int i = 0;
    cs_err e = CS_OK;
    char ep[JPATH_MAX];
    for (const cJSON *v = arr->child; v && !e; v = v->next, i++) {
        jpath_idx(ep, jp, (size_t)i);
        e = scn_get_num(c, v, ep, (scn_range){.lo = 0, .hi = 1, .show_hi = true}, &cdf[i]);
        if (!e && i > 0 && cdf[i] < cdf[i - 1])
            e = scn_fail(c, ep, "a cumulative distribution never decreases");
    }
    if (!e && fabs(cdf[n - 1] - 1.0) > 1e-9) {
        jpath_idx(ep, jp, (size_t)(n - 1));
        e = scn_fail(c, ep, "the last cumulative probability must be 1");
    }
    if (e) {
        free(cdf);
        return e;
    }
    *out = cdf;
    *n_out = n;
    return CS_OK;
}

/* Which object fields each kind takes (besides "type"). */
static cs_err scn_topo_fields(scn_ctx *c, const cJSON *it, const char *jp, topo_kind kind) {
    static const struct {
        const char *key;
        const char *who;
    } fields[] = {{"k", "only a \"random\", \"small-world\" or \"scale-free\" topology takes k"},
                  {"beta", "only a \"small-world\" topology takes beta"},
                  {"outbound_cdf", "only a \"random\" topology takes outbound_cdf"},
                  {"edges", "only an \"edges\" topology takes edges"}};
    bool ok[] = {kind == TOPO_RANDOM || kind == TOPO_SMALL_WORLD || kind == TOPO_SCALE_FREE,
                 kind == TOPO_SMALL_WORLD, kind == TOPO_RANDOM, kind == TOPO_EDGES};
    char kp[JPATH_MAX];
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!ok[i] && cJSON_GetObjectItemCaseSensitive(it, fields[i].key)) {
            jpath_key(kp, jp, fields[i].key);
            return scn_fail(c, kp, "%s", fields[i].who);
        }
    return CS_OK;
}

static cs_err scn_parse_topology(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"type", "k", "beta", "outbound_cdf", "edges", NULL};
    scenario *s = c->s;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "topology");
    char jp[JPATH_MAX], kp[JPATH_MAX];
    cs_err e;
    s->topology = TOPO_MESH;
    s->topology_k = 8;
    s->topology_beta = 0.1;
    if (!it) return CS_OK;
    jpath_key(jp, "$", "topology");
    if (cJSON_IsString(it)) {
        if ((e = scn_topo_kind(c, it, jp, &s->topology))) return e;
        if (s->topology == TOPO_EDGES)
            return scn_fail(c, jp, "\"edges\" needs the object form {\"type\": \"edges\", \"edges\": [...]}");
        return CS_OK;
    }
    if (!cJSON_IsObject(it))
        return scn_fail(c, jp, "expected a topology name or an object with \"type\"");
    if ((e = scn_check_object(c, it, jp, keys, NULL))) return e;
    const cJSON *type = NULL;
    if ((e = scn_required(c, it, jp, "type", &type, kp))) return e;
    if ((e = scn_topo_kind(c, type, kp, &s->topology))) return e;
    if ((e = scn_topo_fields(c, it, jp, s->topology))) return e;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "k");
    const cJSON *beta = cJSON_GetObjectItemCaseSensitive(it, "beta");
    const cJSON *cdf = cJSON_GetObjectItemCaseSensitive(it, "outbound_cdf");
    const cJSON *edges = cJSON_GetObjectItemCaseSensitive(it, "edges");
    if (k && cdf) return scn_fail(c, jp, "give either k or outbound_cdf");
    if (k) {
        int64_t v = 0;
        jpath_key(kp, jp, "k");
        if ((e = scn_get_int(c, k, kp, 1, SCN_MAX_NODES, &v))) return e;
        if (s->topology == TOPO_SMALL_WORLD && v % 2 != 0)
            return scn_fail(c, kp, "a small-world lattice needs an even k (k/2 neighbours a side)");
        s->topology_k = (int)v;
    }
    if (beta) {
        jpath_key(kp, jp, "beta");
        scn_range r = {.lo = 0, .hi = 1, .show_hi = true};
        if ((e = scn_get_num(c, beta, kp, r, &s->topology_beta))) return e;
    }
    if (cdf) {
        jpath_key(kp, jp, "outbound_cdf");
        if ((e = scn_parse_cdf(c, cdf, kp, &s->outbound_cdf, &s->n_outbound_cdf))) return e;
        s->topology = TOPO_RANDOM_DEGREES;
    }
    if (s->topology == TOPO_EDGES) {
        if ((e = scn_required(c, it, jp, "edges", &edges, kp))) return e;
        return scn_parse_edges(c, edges, kp);
    }
    return CS_OK;
}

/* ---- links ------------------------------------------------------------ */

static cs_err scn_parse_regions(scn_ctx *c, const cJSON *m, const char *jp) {
    scenario *s = c->s;
    int n = cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 0;
    if (n < 1 || n > SCN_MAX_REGIONS)
        return scn_fail(c, jp, "expected a square matrix (1..%d rows) of latencies in ms",
                        SCN_MAX_REGIONS);
    s->region_latency_us = xcalloc((size_t)n * (size_t)n, sizeof *s->region_latency_us);
    s->n_regions = n;
    int r = 0;
    for (const cJSON *row = m->child; row; row = row->next, r++) {
        char rp[JPATH_MAX], cp[JPATH_MAX];
        jpath_idx(rp, jp, (size_t)r);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return scn_fail(c, rp, "expected a row of %d numbers (the matrix must be square)", n);
        int col = 0;
        for (const cJSON *v = row->child; v; v = v->next, col++) {
            jpath_idx(cp, rp, (size_t)col);
            cs_err e = scn_get_ms(c, v, cp, &s->region_latency_us[r * n + col]);
            if (e) return e;
        }
    }
    return CS_OK;
}

static cs_err scn_parse_latency(scn_ctx *c, const cJSON *it, const char *jp) {
    static const char *const keys[] = {"min", "max", "regions", NULL};
    scenario *s = c->s;
    char kp[JPATH_MAX];
    cs_err e;
    if (cJSON_IsNumber(it)) {
        s->latency = LATENCY_FIXED;
        return scn_get_ms(c, it, jp, &s->latency_us);
    }
    if (!cJSON_IsObject(it))
        return scn_fail(c, jp, "expected a number of ms, {\"min\", \"max\"} or {\"regions\"}");
    if ((e = scn_check_object(c, it, jp, keys, NULL))) return e;
    const cJSON *regions = cJSON_GetObjectItemCaseSensitive(it, "regions");
    if (regions) {
        if (it->child->next)
            return scn_fail(c, jp, "give either \"min\" and \"max\" or \"regions\"");
        s->latency = LATENCY_REGIONS;
        jpath_key(kp, jp, "regions");
        return scn_parse_regions(c, regions, kp);
    }
    const cJSON *lo = NULL, *hi = NULL;
    s->latency = LATENCY_UNIFORM;
    if ((e = scn_required(c, it, jp, "min", &lo, kp))) return e;
    if ((e = scn_get_ms(c, lo, kp, &s->latency_us))) return e;
    if ((e = scn_required(c, it, jp, "max", &hi, kp))) return e;
    if ((e = scn_get_ms(c, hi, kp, &s->latency_max_us))) return e;
    if (s->latency_max_us < s->latency_us) return scn_fail(c, kp, "max is less than min");
    return CS_OK;
}

static cs_err scn_parse_links(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"latency_ms", "upload_bps", "download_bps", "loss",
                                       "processing_ms", NULL};
    scenario *s = c->s;
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "links");
    char jp[JPATH_MAX], kp[JPATH_MAX];
    cs_err e;
    s->latency = LATENCY_FIXED;
    s->latency_us = 50 * 1000;
    if (!links) return CS_OK;
    jpath_key(jp, "$", "links");
    if ((e = scn_check_object(c, links, jp, keys, NULL))) return e;
    const cJSON *it = NULL;
    if ((it = cJSON_GetObjectItemCaseSensitive(links, "latency_ms"))) {
        jpath_key(kp, jp, "latency_ms");
        if ((e = scn_parse_latency(c, it, kp))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(links, "upload_bps"))) {
        jpath_key(kp, jp, "upload_bps");
        if ((e = scn_get_int(c, it, kp, 1, SCN_INT_MAX, &s->upload_bps))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(links, "download_bps"))) {
        jpath_key(kp, jp, "download_bps");
        if ((e = scn_get_int(c, it, kp, 1, SCN_INT_MAX, &s->download_bps))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(links, "loss"))) {
        jpath_key(kp, jp, "loss");
        scn_range r = {.lo = 0, .hi = 1, .hi_open = true, .show_hi = true};
        if ((e = scn_get_num(c, it, kp, r, &s->loss))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(links, "processing_ms"))) {
        jpath_key(kp, jp, "processing_ms");
        if ((e = scn_get_ms(c, it, kp, &s->processing_us))) return e;
    }
    return CS_OK;
}

/* Node regions index the region matrix, so they are checked once both are read. */
static cs_err scn_check_regions(scn_ctx *c) {
    const scenario *s = c->s;
    if (s->latency != LATENCY_REGIONS) return CS_OK;
    for (int i = 0; i < s->n_nodes; i++)
        if (s->nodes[i].region >= s->n_regions) {
            char jp[JPATH_MAX];
            snprintf(jp, sizeof jp, "$.nodes[%d].region", i);
            return scn_fail(c, jp, "region %d out of range (%s has %d)", s->nodes[i].region,
                            s->network.on ? "$.network" : "$.links.latency_ms.regions",
                            s->n_regions);
        }
    return CS_OK;
}

/* ---- network model ----------------------------------------------------- */

/* One number per region: integers >= 0 (bandwidth) or numbers >= 0 (shares).
 * *out (the preset's values, or NULL) is replaced. */
static cs_err scn_region_ints(scn_ctx *c, const cJSON *arr, const char *jp, int n, int64_t **out) {
    free(*out);
    *out = NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
        return scn_fail(c, jp, "expected %d numbers (one per region)", n);
    int64_t *v = xcalloc((size_t)n, sizeof *v);
    *out = v; /* owned by the scenario from here, also on error */
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, (size_t)i);
        cs_err e = scn_get_int(c, it, ep, 0, SCN_INT_MAX, &v[i]);
        if (e) return e;
    }
    return CS_OK;
}

static cs_err scn_region_shares(scn_ctx *c, const cJSON *arr, const char *jp, int n, double **out) {
    free(*out);
    *out = NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
        return scn_fail(c, jp, "expected %d numbers (one per region)", n);
    double *v = xcalloc((size_t)n, sizeof *v);
    *out = v;
    double sum = 0;
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, (size_t)i);
        cs_err e = scn_get_num(c, it, ep, (scn_range){.lo = 0, .hi = 1e9}, &v[i]);
        if (e) return e;
        sum += v[i];
    }
    if (sum <= 0) return scn_fail(c, jp, "the shares add up to 0");
    for (i = 0; i < n; i++) v[i] /= sum;
    return CS_OK;
}

/* The preset's tables, copied, for the fields the file does not give. */
static void scn_network_from_preset(scenario *s, const preset *p) {
    int n = p->n_regions;
    s->n_regions = n;
    s->region_latency_us = xcalloc((size_t)n * (size_t)n, sizeof *s->region_latency_us);
    for (int i = 0; i < n * n; i++) s->region_latency_us[i] = (int64_t)p->latency_ms[i] * 1000;
    scn_network *net = &s->network;
    net->region_upload_bps = xcalloc((size_t)n, sizeof *net->region_upload_bps);
    net->region_download_bps = xcalloc((size_t)n, sizeof *net->region_download_bps);
    net->region_share = xcalloc((size_t)n, sizeof *net->region_share);
    memcpy(net->region_upload_bps, p->upload_bps, (size_t)n * sizeof *p->upload_bps);
    memcpy(net->region_download_bps, p->download_bps, (size_t)n * sizeof *p->download_bps);
    memcpy(net->region_share, p->region_share, (size_t)n * sizeof *p->region_share);
    net->outbound_cdf = xcalloc((size_t)p->n_outbound_cdf, sizeof *net->outbound_cdf);
    memcpy(net->outbound_cdf, p->outbound_cdf, (size_t)p->n_outbound_cdf * sizeof *p->outbound_cdf);
    net->n_outbound_cdf = p->n_outbound_cdf;
}

static cs_err scn_network_preset(scn_ctx *c, const cJSON *it, const char *jp, const preset **out) {
    const char *name = NULL;
    cs_err e = scn_get_string(c, it, jp, true, &name);
    if (e) return e;
    *out = preset_find(name);
    if (*out) {
        c->s->network.preset = xstrdup(name);
        return CS_OK;
    }
    char list[256] = "", q[JPATH_QUOTE_BUF];
    for (size_t i = 0; i < preset_count(); i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                 preset_at(i)->name);
    return scn_fail(c, jp, "unknown preset \"%s\" (known: %s)", jpath_quote(q, sizeof q, name), list);
}

/* "network": a preset and/or its fields. It owns latency and bandwidth, so
 * $.links may not set them too; links.processing_ms still wins over the
 * preset's. Without a "topology", nodes open outbound links as the model's
 * outbound_cdf says. */
static cs_err scn_parse_network(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"preset", "latency_ms", "upload_bps", "download_bps",
                                       "region_share", "outbound_cdf", NULL};
    static const char *const link_keys[] = {"latency_ms", "upload_bps", "download_bps", NULL};
    scenario *s = c->s;
    scn_network *net = &s->network;
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "network");
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "links");
    char jp[JPATH_MAX], kp[JPATH_MAX];
    const preset *p = NULL;
    const cJSON *it;
    cs_err e;
    if (!obj) return CS_OK;
    jpath_key(jp, "$", "network");
    if ((e = scn_check_object(c, obj, jp, keys, NULL))) return e;
    for (const char *const *k = link_keys; *k; k++)
        if (links && cJSON_GetObjectItemCaseSensitive(links, *k)) {
            jpath_key(kp, "$.links", *k);
            return scn_fail(c, kp, "set by $.network (give it there)");
        }
    net->on = true;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "preset"))) {
        jpath_key(kp, jp, "preset");
        if ((e = scn_network_preset(c, it, kp, &p))) return e;
        scn_network_from_preset(s, p);
        if (!links || !cJSON_GetObjectItemCaseSensitive(links, "processing_ms"))
            s->processing_us = (int64_t)p->processing_ms * 1000;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "latency_ms"))) {
        int before = s->n_regions;
        jpath_key(kp, jp, "latency_ms");
        free(s->region_latency_us);
        s->region_latency_us = NULL;
        if ((e = scn_parse_regions(c, it, kp))) return e;
        if (p && s->n_regions != before)
            return scn_fail(c, kp, "expected %d regions (as the preset)", before);
    } else if (!p) {
        return scn_fail(c, jp,
                        "needs a preset or latency_ms (a square matrix of region latencies)");
    }
    s->latency = LATENCY_REGIONS;
    int n = s->n_regions;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "upload_bps"))) {
        jpath_key(kp, jp, "upload_bps");
        if ((e = scn_region_ints(c, it, kp, n, &net->region_upload_bps))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "download_bps"))) {
        jpath_key(kp, jp, "download_bps");
        if ((e = scn_region_ints(c, it, kp, n, &net->region_download_bps))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "region_share"))) {
        jpath_key(kp, jp, "region_share");
        if ((e = scn_region_shares(c, it, kp, n, &net->region_share))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "outbound_cdf"))) {
        jpath_key(kp, jp, "outbound_cdf");
        free(net->outbound_cdf);
        net->outbound_cdf = NULL;
        if ((e = scn_parse_cdf(c, it, kp, &net->outbound_cdf, &net->n_outbound_cdf))) return e;
    }
    if (net->outbound_cdf && !cJSON_GetObjectItemCaseSensitive(root, "topology")) {
        s->topology = TOPO_RANDOM_DEGREES;
        s->n_outbound_cdf = net->n_outbound_cdf;
        s->outbound_cdf = xmalloc((size_t)net->n_outbound_cdf * sizeof *s->outbound_cdf);
        memcpy(s->outbound_cdf, net->outbound_cdf,
               (size_t)net->n_outbound_cdf * sizeof *s->outbound_cdf);
    }
    return CS_OK;
}

/* ---- hash power and relay --------------------------------------------- */

static cs_err scn_hp_distribution(scn_ctx *c, const cJSON *obj, const char *jp) {
    static const struct {
        const char *type;
        scn_hp_dist dist;
        const char *a, *b; /* parameter names; b may be NULL */
    } dists[] = {{"normal", HP_NORMAL, "mean", "stdev"},
                 {"exponential", HP_EXPONENTIAL, "mean", NULL},
                 {"uniform", HP_UNIFORM, "min", "max"},
                 {"pareto", HP_PARETO, "shape", "min"}};
    scn_hash_power *hp = &c->s->hash_power;
    char kp[JPATH_MAX];
    const cJSON *type = NULL, *it = NULL;
    cs_err e;
    if (!cJSON_IsObject(obj)) return scn_fail(c, jp, "expected an object with \"type\"");
    if ((e = scn_required(c, obj, jp, "type", &type, kp))) return e;
    size_t d = 0;
    while (d < sizeof dists / sizeof dists[0] &&
           !(cJSON_IsString(type) && strcmp(type->valuestring, dists[d].type) == 0))
        d++;
    if (d == sizeof dists / sizeof dists[0])
        return scn_fail(c, kp, "expected \"normal\", \"exponential\", \"uniform\" or \"pareto\"");
    const char *const keys[] = {"type", dists[d].a, dists[d].b, NULL};
    if ((e = scn_check_object(c, obj, jp, keys, NULL))) return e;
    hp->dist = dists[d].dist;
    /* Every parameter is > 0 except a normal's stdev and a uniform's min. */
    scn_range pos = {.lo = 0, .lo_open = true, .hi = SCN_MAX_HASH_POWER};
    scn_range nonneg = {.lo = 0, .hi = SCN_MAX_HASH_POWER};
    if ((e = scn_required(c, obj, jp, dists[d].a, &it, kp))) return e;
    if ((e = scn_get_num(c, it, kp, hp->dist == HP_UNIFORM ? nonneg : pos, &hp->a))) return e;
    if (!dists[d].b) return CS_OK;
    if ((e = scn_required(c, obj, jp, dists[d].b, &it, kp))) return e;
    if ((e = scn_get_num(c, it, kp, hp->dist == HP_NORMAL ? nonneg : pos, &hp->b))) return e;
    if (hp->dist == HP_UNIFORM && hp->b < hp->a) return scn_fail(c, kp, "max is less than min");
    return CS_OK;
}

static cs_err scn_hp_list(scn_ctx *c, const cJSON *arr, const char *jp) {
    scenario *s = c->s;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != s->n_nodes)
        return scn_fail(c, jp, "expected %d numbers (one per node)", s->n_nodes);
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, (size_t)i);
        if (s->nodes[i].hash_power_set)
            return scn_fail(c, ep, "node \"%s\" sets its own hash_power", s->nodes[i].name);
        cs_err e = scn_get_num(c, it, ep, (scn_range){.lo = 0, .hi = SCN_MAX_HASH_POWER},
                               &s->nodes[i].hash_power);
        if (e) return e;
        s->nodes[i].hash_power_set = true;
    }
    return CS_OK;
}

static cs_err scn_hp_pools(scn_ctx *c, const cJSON *arr, const char *jp) {
    static const char *const keys[] = {"share", "node", NULL};
    scn_hash_power *hp = &c->s->hash_power;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n < 1 || n > c->s->n_nodes)
        return scn_fail(c, jp, "expected 1..%d pools (a share, or {\"share\", \"node\"})",
                        c->s->n_nodes);
    hp->pools = xcalloc((size_t)n, sizeof *hp->pools);
    hp->n_pools = (size_t)n;
    double total = 0;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX], kp[JPATH_MAX];
        scn_pool *pool = &hp->pools[i];
        const cJSON *share = it;
        cs_err e;
        jpath_idx(ep, jp, i);
        pool->node = -1;
        strcpy(kp, ep);
        if (cJSON_IsObject(it)) {
            const cJSON *node = cJSON_GetObjectItemCaseSensitive(it, "node");
            if ((e = scn_check_object(c, it, ep, keys, NULL))) return e;
            if ((e = scn_required(c, it, ep, "share", &share, kp))) return e;
            if (node) {
                char np[JPATH_MAX];
                jpath_key(np, ep, "node");
                if ((e = scn_get_node(c, node, np, &pool->node))) return e;
                for (size_t j = 0; j < i; j++)
                    if (hp->pools[j].node == pool->node)
                        return scn_fail(c, np, "node is already pool %zu", j);
            }
        }
        scn_range r = {.lo = 0, .lo_open = true, .hi = 1, .show_hi = true};
        if ((e = scn_get_num(c, share, kp, r, &pool->share))) return e;
        total += pool->share;
        if (total > 1 + 1e-9) return scn_fail(c, kp, "pools hold more than all hash power");
    }
    return CS_OK;
}

/* "hash_power": {"distribution": {...}} or {"list": [...]}, and "pools". */
static cs_err scn_parse_hash_power(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"distribution", "list", "pools", NULL};
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "hash_power");
    char jp[JPATH_MAX], kp[JPATH_MAX];
    const cJSON *it;
    cs_err e;
    if (!obj) return CS_OK;
    jpath_key(jp, "$", "hash_power");
    if ((e = scn_check_object(c, obj, jp, keys, NULL))) return e;
    const cJSON *dist = cJSON_GetObjectItemCaseSensitive(obj, "distribution");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, "list");
    if (dist && list) return scn_fail(c, jp, "give either distribution or list");
    if (dist) {
        jpath_key(kp, jp, "distribution");
        if ((e = scn_hp_distribution(c, dist, kp))) return e;
    }
    if (list) {
        jpath_key(kp, jp, "list");
        if ((e = scn_hp_list(c, list, kp))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "pools"))) {
        jpath_key(kp, jp, "pools");
        if ((e = scn_hp_pools(c, it, kp))) return e;
    }
    return CS_OK;
}

static cs_err scn_parse_compact(scn_ctx *c, const cJSON *obj, const char *jp) {
    static const char *const keys[] = {"failure_rate", "announce", "bytes", NULL};
    scn_relay *relay = &c->s->relay;
    char kp[JPATH_MAX];
    const cJSON *it;
    cs_err e;
    relay->mode = SCN_RELAY_COMPACT;
    if ((e = scn_check_object(c, obj, jp, keys, NULL))) return e;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "failure_rate"))) {
        jpath_key(kp, jp, "failure_rate");
        scn_range r = {.lo = 0, .hi = 1, .show_hi = true};
        if ((e = scn_get_num(c, it, kp, r, &relay->compact_failure_rate))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "announce"))) {
        jpath_key(kp, jp, "announce");
        const char *a = cJSON_IsString(it) ? it->valuestring : "";
        if (strcmp(a, "push") == 0) relay->compact_push = true;
        else if (strcmp(a, "inv") != 0) return scn_fail(c, kp, "expected \"inv\" or \"push\"");
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "bytes"))) {
        jpath_key(kp, jp, "bytes");
        if ((e = scn_get_int(c, it, kp, 1, SCN_MAX_BLOCK_BYTES, &relay->compact_bytes))) return e;
    }
    return CS_OK;
}

/* "relay": "inv" | "push" | "compact" | {"compact": {...}}. */
static cs_err scn_parse_relay(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"compact", NULL};
    static const char scn_relay_choices[] =
        "expected \"inv\", \"push\", \"compact\" or {\"compact\": {...}}";
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "relay");
    char jp[JPATH_MAX], kp[JPATH_MAX];
    cs_err e;
    if (!it) return CS_OK;
    jpath_key(jp, "$", "relay");
    if (cJSON_IsString(it)) {
        if (strcmp(it->valuestring, "inv") == 0) c->s->relay.mode = SCN_RELAY_INV;
        else if (strcmp(it->valuestring, "push") == 0) c->s->relay.mode = SCN_RELAY_PUSH;
        else if (strcmp(it->valuestring, "compact") == 0) c->s->relay.mode = SCN_RELAY_COMPACT;
        else return scn_fail(c, jp, "%s", scn_relay_choices);
        return CS_OK;
    }
    if (!cJSON_IsObject(it)) return scn_fail(c, jp, "%s", scn_relay_choices);
    if ((e = scn_check_object(c, it, jp, keys, NULL))) return e;
    const cJSON *compact = cJSON_GetObjectItemCaseSensitive(it, "compact");
    if (!compact) return scn_fail(c, jp, "expected {\"compact\": {...}}");
    jpath_key(kp, jp, "compact");
    return scn_parse_compact(c, compact, kp);
}

/* ---- chain ------------------------------------------------------------ */

static int scn_cmp_genesis(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cs_err scn_parse_balances(scn_ctx *c, const cJSON *obj, const char *jp) {
    scenario *s = c->s;
    if (!cJSON_IsObject(obj))
        return scn_fail(c, jp, "expected an object of account names to amounts");
    size_t n = (size_t)cJSON_GetArraySize(obj), i = 0;
    /* names and amounts are sorted together: pair them, sort, then split. */
    typedef struct {
        char *name;
        int64_t amount;
    } pair;
    pair *pairs = xcalloc(n, sizeof *pairs);
    cs_err e = CS_OK;
    for (const cJSON *it = obj->child; it && !e; it = it->next, i++) {
        char kp[JPATH_MAX];
        jpath_key(kp, jp, it->string);
        pairs[i].name = it->string;
        e = scn_check_account(c, it->string, kp);
        if (!e) e = scn_get_int(c, it, kp, 1, TX_AMOUNT_MAX, &pairs[i].amount);
    }
    if (!e) {
        qsort(pairs, n, sizeof *pairs, scn_cmp_genesis);
        s->genesis_names = xcalloc(n, sizeof *s->genesis_names);
        s->genesis_amounts = xcalloc(n, sizeof *s->genesis_amounts);
        for (i = 0; i < n && !e; i++) {
            if (i > 0 && strcmp(pairs[i].name, pairs[i - 1].name) == 0) {
                char kp[JPATH_MAX];
                jpath_key(kp, jp, pairs[i].name);
                e = scn_fail(c, kp, "duplicate field");
                break;
            }
            s->genesis_names[i] = xstrdup(pairs[i].name);
            s->genesis_amounts[i] = pairs[i].amount;
            s->n_genesis = i + 1;
        }
    }
    free(pairs);
    return e;
}

static cs_err scn_parse_genesis(scn_ctx *c, const cJSON *it, const char *jp) {
    static const char *const keys[] = {"balances", NULL};
    cs_err e;
    if (cJSON_IsString(it)) {
        if (strcmp(it->valuestring, "classic") != 0)
            return scn_fail(c, jp, "expected \"classic\" or {\"balances\": {...}}");
        c->s->genesis_classic = true;
        return CS_OK;
    }
    if (!cJSON_IsObject(it)) return scn_fail(c, jp, "expected \"classic\" or {\"balances\": {...}}");
    if ((e = scn_check_object(c, it, jp, keys, NULL))) return e;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(it, "balances");
    if (!b) return CS_OK;
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "balances");
    return scn_parse_balances(c, b, kp);
}

static cs_err scn_parse_chain(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"difficulty", "block_interval_s", "reward", "genesis",
                                       "ledger", "block_bytes", NULL};
    scenario *s = c->s;
    chain_params *p = &s->params;
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(root, "chain");
    const cJSON *diff = NULL, *ledger = NULL, *it;
    char jp[JPATH_MAX], kp[JPATH_MAX];
    cs_err e;
    p->difficulty = CHAIN_DEFAULT_DIFFICULTY;
    p->reward = CHAIN_DEFAULT_REWARD;
    p->block_interval_us = CHAIN_DEFAULT_INTERVAL_US;
    p->ledger = LEDGER_STRICT;
    if (!chain) return CS_OK;
    jpath_key(jp, "$", "chain");
    if ((e = scn_check_object(c, chain, jp, keys, NULL))) return e;
    if ((diff = cJSON_GetObjectItemCaseSensitive(chain, "difficulty"))) {
        int64_t v = 0;
        jpath_key(kp, jp, "difficulty");
        /* 0 is not offered: in chain_params a zero difficulty means "default". */
        if ((e = scn_get_int(c, diff, kp, 1, 64, &v))) return e;
        p->difficulty = (int)v;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(chain, "block_interval_s"))) {
        jpath_key(kp, jp, "block_interval_s");
        if ((e = scn_get_seconds(c, it, kp, true, &p->block_interval_us))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(chain, "reward"))) {
        jpath_key(kp, jp, "reward");
        if ((e = scn_get_int(c, it, kp, 1, TX_AMOUNT_MAX, &p->reward))) return e;
    }
    if ((ledger = cJSON_GetObjectItemCaseSensitive(chain, "ledger"))) {
        jpath_key(kp, jp, "ledger");
        if (cJSON_IsString(ledger) && strcmp(ledger->valuestring, "strict") == 0)
            p->ledger = LEDGER_STRICT;
        else if (cJSON_IsString(ledger) && strcmp(ledger->valuestring, "open") == 0)
            p->ledger = LEDGER_OPEN;
        else
            return scn_fail(c, kp, "expected \"strict\" or \"open\"");
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(chain, "block_bytes"))) {
        jpath_key(kp, jp, "block_bytes");
        if ((e = scn_get_int(c, it, kp, 0, SCN_MAX_BLOCK_BYTES, &s->block_bytes))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(chain, "genesis"))) {
        jpath_key(kp, jp, "genesis");
        if ((e = scn_parse_genesis(c, it, kp))) return e;
    }
    if (s->genesis_classic) {
        /* The classic nodes know one rule set; a file that asks for another
         * with the classic genesis has a mistake in it. */
        if (ledger && p->ledger != LEDGER_OPEN) {
            jpath_key(kp, jp, "ledger");
            return scn_fail(c, kp, "the classic genesis needs ledger \"open\"");
        }
        if (diff && p->difficulty != CHAIN_DEFAULT_DIFFICULTY) {
            jpath_key(kp, jp, "difficulty");
            return scn_fail(c, kp, "the classic genesis needs difficulty %d",
                            CHAIN_DEFAULT_DIFFICULTY);
        }
        p->ledger = LEDGER_OPEN;
    }
    return CS_OK;
}

/* ---- run: mining, end, traffic ---------------------------------------- */

static cs_err scn_parse_run(scn_ctx *c, const cJSON *root) {
    static const char *const stop_keys[] = {"height", NULL};
    static const char *const traffic_keys[] = {"tx_per_s", "max_amount", "start_s", NULL};
    scenario *s = c->s;
    char jp[JPATH_MAX], kp[JPATH_MAX];
    const cJSON *it = NULL;
    cs_err e;
    s->gossip = true;
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "mining"))) {
        jpath_key(jp, "$", "mining");
        const char *m = cJSON_IsString(it) ? it->valuestring : "";
        if (strcmp(m, "manual") == 0) s->mining = MINING_MANUAL;
        else if (strcmp(m, "auto") == 0) s->mining = MINING_AUTO;
        else if (strcmp(m, "race") == 0) s->mining = MINING_RACE;
        else return scn_fail(c, jp, "expected \"manual\", \"auto\" or \"race\"");
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "gossip"))) {
        jpath_key(jp, "$", "gossip");
        if ((e = scn_get_bool(c, it, jp, &s->gossip))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "speed"))) {
        jpath_key(jp, "$", "speed");
        scn_range r = {.lo = 0, .lo_open = true, .hi = 1e6};
        if ((e = scn_get_num(c, it, jp, r, &s->speed))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "duration_s"))) {
        jpath_key(jp, "$", "duration_s");
        if ((e = scn_get_seconds(c, it, jp, true, &s->duration_us))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "stop"))) {
        const cJSON *h = NULL;
        jpath_key(jp, "$", "stop");
        if ((e = scn_check_object(c, it, jp, stop_keys, NULL))) return e;
        if ((e = scn_required(c, it, jp, "height", &h, kp))) return e;
        if ((e = scn_get_int(c, h, kp, 2, SCN_MAX_HEIGHT, &s->stop_height))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "traffic"))) {
        const cJSON *f = NULL;
        jpath_key(jp, "$", "traffic");
        if ((e = scn_check_object(c, it, jp, traffic_keys, NULL))) return e;
        if ((e = scn_required(c, it, jp, "tx_per_s", &f, kp))) return e;
        scn_range r = {.lo = 0, .lo_open = true, .hi = SCN_MAX_RATE};
        if ((e = scn_get_num(c, f, kp, r, &s->traffic.tx_per_s))) return e;
        s->traffic.max_amount = 10;
        if ((f = cJSON_GetObjectItemCaseSensitive(it, "max_amount"))) {
            jpath_key(kp, jp, "max_amount");
            if ((e = scn_get_int(c, f, kp, 1, TX_AMOUNT_MAX, &s->traffic.max_amount))) return e;
        }
        if ((f = cJSON_GetObjectItemCaseSensitive(it, "start_s"))) {
            jpath_key(kp, jp, "start_s");
            if ((e = scn_get_seconds(c, f, kp, false, &s->traffic.start_us))) return e;
        }
    }
    /* Auto mining and traffic never run out of things to do. */
    if (s->duration_us == 0 && s->stop_height == 0) {
        if (s->mining == MINING_AUTO)
            return scn_fail(c, "$", "auto mining needs duration_s or stop.height");
        if (s->mining == MINING_RACE)
            return scn_fail(c, "$", "race mining needs duration_s or stop.height");
        if (s->traffic.tx_per_s > 0)
            return scn_fail(c, "$", "traffic needs duration_s or stop.height");
    }
    return CS_OK;
}

/* ---- events ----------------------------------------------------------- */

typedef struct scn_action {
    const char *name;
    scn_event_kind kind;
    const char *const keys[5]; /* besides at, do, note; NULL-ended */
} scn_action;

static const scn_action scn_actions[] = {
    {"tx", SCN_TX, {"node", "from", "to", "amount", NULL}},
    {"mine", SCN_MINE, {"node", NULL}},
    {"register", SCN_REGISTER, {"node", "peers", NULL}},
    {"resolve", SCN_RESOLVE, {"node", NULL}},
    {"partition", SCN_PARTITION, {"groups", "halves", NULL}},
    {"heal", SCN_HEAL, {NULL}},
    {"isolate", SCN_ISOLATE, {"node", NULL}},
    {"reconnect", SCN_RECONNECT, {"node", NULL}},
    {"crash", SCN_CRASH, {"node", NULL}},
    {"restart", SCN_RESTART, {"node", NULL}},
    {"hash_power", SCN_HASH_POWER, {"node", "value", NULL}},
    {"links", SCN_LINKS, {"loss", "latency_ms", NULL}},
};
#define SCN_N_ACTIONS (sizeof scn_actions / sizeof scn_actions[0])

static cs_err scn_event_node(scn_ctx *c, const cJSON *obj, const char *jp, scn_event *ev) {
    char kp[JPATH_MAX];
    const cJSON *it = NULL;
    cs_err e = scn_required(c, obj, jp, "node", &it, kp);
    return e ? e : scn_get_node(c, it, kp, &ev->node);
}

static cs_err scn_event_tx(scn_ctx *c, const cJSON *obj, const char *jp, scn_event *ev) {
    char kp[JPATH_MAX];
    const cJSON *it = NULL;
    const char *str = NULL;
    cs_err e;
    /* from/to are not checked here: refusing bad ones is the ledger's job,
     * and scenarios show those refusals. */
    if ((e = scn_required(c, obj, jp, "from", &it, kp))) return e;
    if ((e = scn_get_string(c, it, kp, false, &str))) return e;
    ev->from = xstrdup(str);
    if ((e = scn_required(c, obj, jp, "to", &it, kp))) return e;
    if ((e = scn_get_string(c, it, kp, false, &str))) return e;
    ev->to = xstrdup(str);
    if ((e = scn_required(c, obj, jp, "amount", &it, kp))) return e;
    return scn_get_int(c, it, kp, -SCN_INT_MAX, SCN_INT_MAX, &ev->amount);
}

static cs_err scn_event_register(scn_ctx *c, const cJSON *obj, const char *jp, scn_event *ev) {
    char kp[JPATH_MAX], ep[JPATH_MAX];
    const cJSON *arr = NULL;
    cs_err e = scn_required(c, obj, jp, "peers", &arr, kp);
    if (e) return e;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return scn_fail(c, kp, "expected a non-empty array of nodes");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    ev->peers = xcalloc(n, sizeof *ev->peers);
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        jpath_idx(ep, kp, i);
        if ((e = scn_get_node(c, it, ep, &ev->peers[i]))) return e;
        if (ev->peers[i] == ev->node) return scn_fail(c, ep, "a node cannot register itself");
        for (size_t j = 0; j < i; j++)
            if (ev->peers[j] == ev->peers[i]) return scn_fail(c, ep, "node listed twice");
        ev->n_peers = i + 1;
    }
    return CS_OK;
}

static cs_err scn_event_partition(scn_ctx *c, const cJSON *obj, const char *jp, scn_event *ev) {
    const scenario *s = c->s;
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(obj, "groups");
    const cJSON *halves = cJSON_GetObjectItemCaseSensitive(obj, "halves");
    char kp[JPATH_MAX], gp[JPATH_MAX], np[JPATH_MAX];
    cs_err e;
    if (!groups == !halves) return scn_fail(c, jp, "a partition takes either groups or halves");
    ev->group_of_node = xcalloc((size_t)s->n_nodes, sizeof *ev->group_of_node);
    if (halves) {
        bool v = false;
        jpath_key(kp, jp, "halves");
        if ((e = scn_get_bool(c, halves, kp, &v))) return e;
        if (!v) return scn_fail(c, kp, "expected true (or use groups)");
        for (int i = 0; i < s->n_nodes; i++) ev->group_of_node[i] = i < s->n_nodes / 2 ? 0 : 1;
        return CS_OK;
    }
    jpath_key(kp, jp, "groups");
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) == 0)
        return scn_fail(c, kp, "expected a non-empty array of groups of nodes");
    for (int i = 0; i < s->n_nodes; i++) ev->group_of_node[i] = -1;
    int g = 0;
    for (const cJSON *grp = groups->child; grp; grp = grp->next, g++) {
        jpath_idx(gp, kp, (size_t)g);
        if (!cJSON_IsArray(grp) || cJSON_GetArraySize(grp) == 0)
            return scn_fail(c, gp, "expected a non-empty array of nodes");
        size_t j = 0;
        for (const cJSON *it = grp->child; it; it = it->next, j++) {
            int node = 0;
            jpath_idx(np, gp, j);
            if ((e = scn_get_node(c, it, np, &node))) return e;
            if (ev->group_of_node[node] >= 0)
                return scn_fail(c, np, "node \"%s\" is already in group %d", s->nodes[node].name,
                                ev->group_of_node[node]);
            ev->group_of_node[node] = g;
        }
    }
    for (int i = 0; i < s->n_nodes; i++)
        if (ev->group_of_node[i] < 0) ev->group_of_node[i] = g;
    return CS_OK;
}

static cs_err scn_event_links(scn_ctx *c, const cJSON *obj, const char *jp, scn_event *ev) {
    const cJSON *loss = cJSON_GetObjectItemCaseSensitive(obj, "loss");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(obj, "latency_ms");
    char kp[JPATH_MAX];
    cs_err e;
    if (!loss && !lat) return scn_fail(c, jp, "links needs loss or latency_ms");
    if (loss) {
        jpath_key(kp, jp, "loss");
        scn_range r = {.lo = 0, .hi = 1, .hi_open = true, .show_hi = true};
        if ((e = scn_get_num(c, loss, kp, r, &ev->loss))) return e;
        ev->set_loss = true;
    }
    if (lat) {
        jpath_key(kp, jp, "latency_ms");
        if ((e = scn_get_ms(c, lat, kp, &ev->latency_us))) return e;
        ev->set_latency = true;
    }
    return CS_OK;
}

static cs_err scn_parse_event(scn_ctx *c, const cJSON *obj, const char *jp, scn_event *ev) {
    static const char *const common[] = {"at", "do", "note", NULL};
    char kp[JPATH_MAX];
    const cJSON *it = NULL;
    cs_err e;
    ev->node = -1;
    if (!cJSON_IsObject(obj)) return scn_fail(c, jp, "expected an object");
    if ((e = scn_required(c, obj, jp, "do", &it, kp))) return e;
    const scn_action *a = NULL;
    for (size_t i = 0; i < SCN_N_ACTIONS && cJSON_IsString(it); i++)
        if (strcmp(it->valuestring, scn_actions[i].name) == 0) a = &scn_actions[i];
    if (!a)
        return scn_fail(c, kp, "expected one of tx, mine, register, resolve, partition, heal, "
                               "isolate, reconnect, crash, restart, hash_power, links");
    ev->kind = a->kind;
    if ((e = scn_check_object(c, obj, jp, common, a->keys))) return e;
    if ((e = scn_required(c, obj, jp, "at", &it, kp))) return e;
    if ((e = scn_get_seconds(c, it, kp, false, &ev->at_us))) return e;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "note"))) {
        const char *note = NULL;
        jpath_key(kp, jp, "note");
        if ((e = scn_get_string(c, it, kp, false, &note))) return e;
        ev->note = xstrdup(note);
    }
    switch (a->kind) {
    case SCN_TX:
        if ((e = scn_event_node(c, obj, jp, ev))) return e;
        return scn_event_tx(c, obj, jp, ev);
    case SCN_REGISTER:
        if ((e = scn_event_node(c, obj, jp, ev))) return e;
        return scn_event_register(c, obj, jp, ev);
    case SCN_PARTITION:
        return scn_event_partition(c, obj, jp, ev);
    case SCN_HEAL:
        return CS_OK;
    case SCN_HASH_POWER:
        if (cJSON_GetObjectItemCaseSensitive(obj, "node") &&
            (e = scn_event_node(c, obj, jp, ev)))
            return e;
        if ((e = scn_required(c, obj, jp, "value", &it, kp))) return e;
        return scn_get_num(c, it, kp, (scn_range){.lo = 0, .hi = SCN_MAX_HASH_POWER},
                           &ev->hash_power);
    case SCN_LINKS:
        return scn_event_links(c, obj, jp, ev);
    case SCN_MINE:
    case SCN_RESOLVE:
    case SCN_ISOLATE:
    case SCN_RECONNECT:
    case SCN_CRASH:
    case SCN_RESTART:
        return scn_event_node(c, obj, jp, ev);
    }
    return CS_OK;
}

typedef struct scn_order {
    int64_t at_us;
    size_t index;
} scn_order;

static int scn_cmp_order(const void *a, const void *b) {
    const scn_order *x = a, *y = b;
    if (x->at_us != y->at_us) return x->at_us < y->at_us ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Stable sort by time: qsort on (time, file position). */
static void scn_sort_events(scenario *s) {
    size_t n = s->n_events;
    if (n < 2) return;
    scn_order *order = xmalloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = (scn_order){s->events[i].at_us, i};
    qsort(order, n, sizeof *order, scn_cmp_order);
    scn_event *sorted = xmalloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) sorted[i] = s->events[order[i].index];
    free(s->events);
    free(order);
    s->events = sorted;
}

static cs_err scn_parse_events(scn_ctx *c, const cJSON *root) {
    scenario *s = c->s;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "events");
    char jp[JPATH_MAX], ep[JPATH_MAX];
    if (!arr) return CS_OK;
    jpath_key(jp, "$", "events");
    if (!cJSON_IsArray(arr)) return scn_fail(c, jp, "expected an array of events");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    s->events = xcalloc(n, sizeof *s->events);
    s->n_events = n;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        jpath_idx(ep, jp, i);
        cs_err e = scn_parse_event(c, it, ep, &s->events[i]);
        if (e) return e;
    }
    scn_sort_events(s);
    return CS_OK;
}

/* ---- expectations ----------------------------------------------------- */

static scn_expect *scn_new_expect(scenario *s, size_t *cap, scn_expect_kind kind) {
    s->expects = xgrow(s->expects, cap, s->n_expects + 1, sizeof *s->expects);
    scn_expect *x = &s->expects[s->n_expects++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->node = -1;
    return x;
}

/* "forks >= 1", "forks in [1, 5]", "height == 3". */
static char *scn_bound_label(const char *subject, const scn_expect *x) {
    char buf[512];
    if (x->has_min && x->has_max && x->min == x->max)
        snprintf(buf, sizeof buf, "%s == %.15g", subject, x->min);
    else if (x->has_min && x->has_max)
        snprintf(buf, sizeof buf, "%s in [%.15g, %.15g]", subject, x->min, x->max);
    else if (x->has_min)
        snprintf(buf, sizeof buf, "%s >= %.15g", subject, x->min);
    else
        snprintf(buf, sizeof buf, "%s <= %.15g", subject, x->max);
    return xstrdup(buf);
}

static cs_err scn_bound_value(scn_ctx *c, const cJSON *it, const char *jp, double *out) {
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return scn_fail(c, jp, "expected a number");
    *out = it->valuedouble;
    return CS_OK;
}

/* Reads "equals" or "min"/"max" from an object (a metric's bound object, a
 * balance or a height rule). */
static cs_err scn_parse_bounds(scn_ctx *c, const cJSON *obj, const char *jp, bool allow_equals,
                               scn_expect *x) {
    const cJSON *eq = allow_equals ? cJSON_GetObjectItemCaseSensitive(obj, "equals") : NULL;
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(obj, "min");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(obj, "max");
    char kp[JPATH_MAX];
    cs_err e;
    if (eq && (lo || hi)) return scn_fail(c, jp, "give either equals or min/max");
    if (!eq && !lo && !hi)
        return scn_fail(c, jp, allow_equals ? "needs equals, min or max" : "needs min or max");
    if (eq) {
        jpath_key(kp, jp, "equals");
        if ((e = scn_bound_value(c, eq, kp, &x->min))) return e;
        x->max = x->min;
        x->has_min = x->has_max = true;
        return CS_OK;
    }
    if (lo) {
        jpath_key(kp, jp, "min");
        if ((e = scn_bound_value(c, lo, kp, &x->min))) return e;
        x->has_min = true;
    }
    if (hi) {
        jpath_key(kp, jp, "max");
        if ((e = scn_bound_value(c, hi, kp, &x->max))) return e;
        x->has_max = true;
    }
    if (lo && hi && x->min > x->max) return scn_fail(c, jp, "min is greater than max");
    return CS_OK;
}

static cs_err scn_expect_metric(scn_ctx *c, const cJSON *it, const char *jp, size_t *cap) {
    static const char *const keys[] = {"min", "max", "reference", "source", NULL};
    cs_err e;
    if (!metric_name_known(it->string)) return scn_fail(c, jp, "unknown metric");
    scn_expect *x = scn_new_expect(c->s, cap, EXPECT_METRIC);
    x->metric = xstrdup(it->string);
    if (cJSON_IsNumber(it)) {
        if ((e = scn_bound_value(c, it, jp, &x->min))) return e;
        x->max = x->min;
        x->has_min = x->has_max = true;
    } else {
        if (!cJSON_IsObject(it)) return scn_fail(c, jp, "expected a number or {\"min\", \"max\"}");
        if ((e = scn_check_object(c, it, jp, keys, NULL))) return e;
        if ((e = scn_parse_bounds(c, it, jp, false, x))) return e;
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(it, "reference");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(it, "source");
        char kp[JPATH_MAX];
        if (ref) {
            jpath_key(kp, jp, "reference");
            if ((e = scn_bound_value(c, ref, kp, &x->reference))) return e;
            x->has_reference = true;
        }
        if (src) {
            const char *str = NULL;
            jpath_key(kp, jp, "source");
            if (!ref) return scn_fail(c, kp, "a source needs a \"reference\" value");
            if ((e = scn_get_string(c, src, kp, true, &str))) return e;
            x->source = xstrdup(str);
        }
    }
    x->label = scn_bound_label(x->metric, x);
    return CS_OK;
}

static cs_err scn_expect_balances(scn_ctx *c, const cJSON *arr, const char *jp, size_t *cap) {
    static const char *const keys[] = {"node", "account", "equals", "min", "max", NULL};
    char ep[JPATH_MAX], kp[JPATH_MAX];
    if (!cJSON_IsArray(arr)) return scn_fail(c, jp, "expected an array of balance rules");
    size_t i = 0;
    for (const cJSON *obj = arr->child; obj; obj = obj->next, i++) {
        const cJSON *it = NULL;
        const char *account = NULL;
        cs_err e;
        jpath_idx(ep, jp, i);
        if ((e = scn_check_object(c, obj, ep, keys, NULL))) return e;
        scn_expect *x = scn_new_expect(c->s, cap, EXPECT_BALANCE);
        if ((e = scn_required(c, obj, ep, "node", &it, kp))) return e;
        if ((e = scn_get_node(c, it, kp, &x->node))) return e;
        if ((e = scn_required(c, obj, ep, "account", &it, kp))) return e;
        if ((e = scn_get_string(c, it, kp, true, &account))) return e;
        if ((e = scn_check_account(c, account, kp))) return e;
        x->account = xstrdup(account);
        if ((e = scn_parse_bounds(c, obj, ep, true, x))) return e;
        char subject[256];
        snprintf(subject, sizeof subject, "balance of %s at %s", x->account,
                 c->s->nodes[x->node].name);
        x->label = scn_bound_label(subject, x);
    }
    return CS_OK;
}

static cs_err scn_expect_heights(scn_ctx *c, const cJSON *arr, const char *jp, size_t *cap) {
    static const char *const keys[] = {"node", "equals", "min", "max", NULL};
    char ep[JPATH_MAX], kp[JPATH_MAX];
    if (!cJSON_IsArray(arr)) return scn_fail(c, jp, "expected an array of height rules");
    size_t i = 0;
    for (const cJSON *obj = arr->child; obj; obj = obj->next, i++) {
        const cJSON *it = NULL;
        cs_err e;
        jpath_idx(ep, jp, i);
        if ((e = scn_check_object(c, obj, ep, keys, NULL))) return e;
        scn_expect *x = scn_new_expect(c->s, cap, EXPECT_HEIGHT);
        if ((it = cJSON_GetObjectItemCaseSensitive(obj, "node"))) {
            jpath_key(kp, ep, "node");
            if ((e = scn_get_node(c, it, kp, &x->node))) return e;
        }
        if ((e = scn_parse_bounds(c, obj, ep, true, x))) return e;
        char subject[256];
        if (x->node >= 0)
            snprintf(subject, sizeof subject, "height of %s", c->s->nodes[x->node].name);
        else
            snprintf(subject, sizeof subject, "height of every node");
        x->label = scn_bound_label(subject, x);
    }
    return CS_OK;
}

static cs_err scn_parse_expect(scn_ctx *c, const cJSON *root) {
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "expect");
    char jp[JPATH_MAX], kp[JPATH_MAX];
    size_t cap = 0;
    cs_err e;
    if (!obj) return CS_OK;
    jpath_key(jp, "$", "expect");
    if (!cJSON_IsObject(obj)) return scn_fail(c, jp, "expected an object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        jpath_key(kp, jp, it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0) return scn_fail(c, kp, "duplicate field");
        if (strcmp(it->string, "converged") == 0) {
            bool v = false;
            if ((e = scn_get_bool(c, it, kp, &v))) return e;
            scn_expect *x = scn_new_expect(c->s, &cap, EXPECT_CONVERGED);
            x->bool_value = v;
            x->label = xstrdup(v ? "converged" : "not converged");
        } else if (strcmp(it->string, "balances") == 0) {
            if ((e = scn_expect_balances(c, it, kp, &cap))) return e;
        } else if (strcmp(it->string, "node_height") == 0) {
            if ((e = scn_expect_heights(c, it, kp, &cap))) return e;
        } else if ((e = scn_expect_metric(c, it, kp, &cap))) {
            return e;
        }
    }
    return CS_OK;
}

/* ---- attackers and churn ---------------------------------------------- */

static const char *const scn_strategy_names[] = {"", "selfish", "double_spend", "invalid_blocks",
                                                 "fake_chain", "eclipse", NULL};

static cs_err scn_attack_claim(scn_ctx *c, int node, const char *jp) {
    for (size_t j = 0; j < c->s->n_attackers; j++)
        if (c->s->attackers[j].node == node)
            return scn_fail(c, jp, "node \"%s\" is already an attacker", c->s->nodes[node].name);
    return CS_OK;
}

static scn_attacker *scn_new_attacker(scenario *s, size_t *cap) {
    s->attackers = xgrow(s->attackers, cap, s->n_attackers + 1, sizeof *s->attackers);
    scn_attacker *a = &s->attackers[s->n_attackers++];
    *a = (scn_attacker){.node = -1, .victim = -1, .race_delay_us = 30 * 1000000LL,
                        .confirmations = 6, .give_up = 10, .fake_length = 50};
    return a;
}

/* The strategy's own fields into `a` (node and victim are set by the caller). */
static cs_err scn_attack_fields(scn_ctx *c, const cJSON *obj, const char *jp, scn_attacker *a) {
    char kp[JPATH_MAX];
    const cJSON *it;
    int64_t v = 0;
    cs_err e;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "gamma"))) {
        jpath_key(kp, jp, "gamma");
        scn_range r = {.lo = 0, .hi = 1, .show_hi = true};
        if ((e = scn_get_num(c, it, kp, r, &a->gamma))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "race_delay_s"))) {
        jpath_key(kp, jp, "race_delay_s");
        if ((e = scn_get_seconds(c, it, kp, true, &a->race_delay_us))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "at_s"))) {
        jpath_key(kp, jp, "at_s");
        if ((e = scn_get_seconds(c, it, kp, false, &a->at_us))) return e;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "confirmations"))) {
        jpath_key(kp, jp, "confirmations");
        if ((e = scn_get_int(c, it, kp, 1, 1000, &v))) return e;
        a->confirmations = (int)v;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "give_up"))) {
        jpath_key(kp, jp, "give_up");
        if ((e = scn_get_int(c, it, kp, 1, 1000, &v))) return e;
        a->give_up = (int)v;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "length"))) {
        jpath_key(kp, jp, "length");
        if ((e = scn_get_int(c, it, kp, 1, 100000, &v))) return e;
        a->fake_length = (int)v;
    }
    if (a->strategy == SCN_DOUBLE_SPEND) {
        const char *str = NULL;
        if ((e = scn_required(c, obj, jp, "merchant", &it, kp))) return e;
        if ((e = scn_get_string(c, it, kp, true, &str))) return e;
        if ((e = scn_check_account(c, str, kp))) return e;
        a->merchant = xstrdup(str);
        if ((e = scn_required(c, obj, jp, "amount", &it, kp))) return e;
        if ((e = scn_get_int(c, it, kp, 1, TX_AMOUNT_MAX, &a->amount))) return e;
    }
    return CS_OK;
}

/* Which fields each strategy takes (beyond "strategy" and its node(s)). */
static const char *const *scn_attack_keys(scn_strategy st) {
    static const char *const selfish[] = {"node", "gamma", "race_delay_s", NULL};
    static const char *const ds[] = {"node", "merchant", "amount", "at_s", "confirmations",
                                     "give_up", NULL};
    static const char *const invalid[] = {"node", NULL};
    static const char *const fake[] = {"node", "at_s", "length", NULL};
    static const char *const eclipse[] = {"nodes", "victim", NULL};
    switch (st) {
    case SCN_SELFISH: return selfish;
    case SCN_DOUBLE_SPEND: return ds;
    case SCN_INVALID_BLOCKS: return invalid;
    case SCN_FAKE_CHAIN: return fake;
    case SCN_ECLIPSE: return eclipse;
    }
    return invalid;
}

static cs_err scn_parse_attacker(scn_ctx *c, const cJSON *obj, const char *jp, size_t *cap) {
    static const char *const common[] = {"strategy", NULL};
    scenario *s = c->s;
    char kp[JPATH_MAX];
    const cJSON *it;
    cs_err e;
    if (!cJSON_IsObject(obj)) return scn_fail(c, jp, "expected an object");
    if ((e = scn_required(c, obj, jp, "strategy", &it, kp))) return e;
    int st = 0;
    for (int i = 1; scn_strategy_names[i]; i++)
        if (cJSON_IsString(it) && strcmp(it->valuestring, scn_strategy_names[i]) == 0) st = i;
    if (!st)
        return scn_fail(c, kp, "expected \"selfish\", \"double_spend\", \"invalid_blocks\", "
                               "\"fake_chain\" or \"eclipse\"");
    if ((e = scn_check_object(c, obj, jp, common, scn_attack_keys((scn_strategy)st)))) return e;
    bool mines = st == SCN_SELFISH || st == SCN_DOUBLE_SPEND || st == SCN_INVALID_BLOCKS;
    if (mines && s->mining != MINING_AUTO)
        return scn_fail(c, kp, "\"%s\" mines: it needs \"mining\": \"auto\"",
                        scn_strategy_names[st]);
    if (st == SCN_DOUBLE_SPEND && (s->genesis_classic || s->params.ledger == LEDGER_OPEN))
        return scn_fail(c, kp, "\"double_spend\" needs balances (not the open ledger)");
    if (st == SCN_FAKE_CHAIN && s->params.difficulty == 0)
        return scn_fail(c, kp, "\"fake_chain\" fakes proof of work: it needs a difficulty > 0");
    if (st != SCN_ECLIPSE) {
        int node = -1;
        if ((e = scn_required(c, obj, jp, "node", &it, kp))) return e;
        if ((e = scn_get_node(c, it, kp, &node))) return e;
        if ((e = scn_attack_claim(c, node, kp))) return e;
        scn_attacker *a = scn_new_attacker(s, cap);
        a->node = node;
        a->strategy = (scn_strategy)st;
        return scn_attack_fields(c, obj, jp, a);
    }
    /* eclipse: several nodes around one victim */
    const cJSON *nodes = NULL, *victim = NULL;
    char np[JPATH_MAX];
    int v = -1;
    if ((e = scn_required(c, obj, jp, "victim", &victim, kp))) return e;
    if ((e = scn_get_node(c, victim, kp, &v))) return e;
    if ((e = scn_required(c, obj, jp, "nodes", &nodes, np))) return e;
    int n = cJSON_IsArray(nodes) ? cJSON_GetArraySize(nodes) : 0;
    if (n < 1) return scn_fail(c, np, "expected a non-empty array of nodes");
    size_t i = 0;
    for (const cJSON *x = nodes->child; x; x = x->next, i++) {
        int node = -1;
        jpath_idx(kp, np, i);
        if ((e = scn_get_node(c, x, kp, &node))) return e;
        if (node == v) return scn_fail(c, kp, "the victim cannot eclipse itself");
        if ((e = scn_attack_claim(c, node, kp))) return e;
        scn_attacker *a = scn_new_attacker(s, cap);
        a->node = node;
        a->strategy = SCN_ECLIPSE;
        a->victim = v;
    }
    return CS_OK;
}

static cs_err scn_parse_attackers(scn_ctx *c, const cJSON *root) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "attackers");
    char jp[JPATH_MAX], ep[JPATH_MAX];
    size_t cap = 0;
    if (!arr) return CS_OK;
    jpath_key(jp, "$", "attackers");
    if (!cJSON_IsArray(arr)) return scn_fail(c, jp, "expected an array");
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        jpath_idx(ep, jp, i);
        cs_err e = scn_parse_attacker(c, it, ep, &cap);
        if (e) return e;
    }
    /* An eclipse victim is honest: it cannot be an attacker itself. */
    for (size_t a = 0; a < c->s->n_attackers; a++) {
        int v = c->s->attackers[a].victim;
        for (size_t b = 0; v >= 0 && b < c->s->n_attackers; b++)
            if (c->s->attackers[b].node == v)
                return scn_fail(c, jp, "node \"%s\" is both an eclipse victim and an attacker",
                                c->s->nodes[v].name);
    }
    return CS_OK;
}

static cs_err scn_parse_churn(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"mean_up_s", "mean_down_s", "nodes", NULL};
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "churn");
    scenario *s = c->s;
    char jp[JPATH_MAX], kp[JPATH_MAX];
    const cJSON *it;
    cs_err e;
    if (!obj) return CS_OK;
    jpath_key(jp, "$", "churn");
    if ((e = scn_check_object(c, obj, jp, keys, NULL))) return e;
    if ((e = scn_required(c, obj, jp, "mean_up_s", &it, kp))) return e;
    if ((e = scn_get_seconds(c, it, kp, true, &s->churn.mean_up_us))) return e;
    if ((e = scn_required(c, obj, jp, "mean_down_s", &it, kp))) return e;
    if ((e = scn_get_seconds(c, it, kp, true, &s->churn.mean_down_us))) return e;
    if ((it = cJSON_GetObjectItemCaseSensitive(obj, "nodes"))) {
        jpath_key(kp, jp, "nodes");
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
        if (n < 1) return scn_fail(c, kp, "expected a non-empty array of nodes");
        s->churn.node_churns = xcalloc((size_t)s->n_nodes, sizeof *s->churn.node_churns);
        size_t i = 0;
        for (const cJSON *x = it->child; x; x = x->next, i++) {
            char ep[JPATH_MAX];
            int node = -1;
            jpath_idx(ep, kp, i);
            if ((e = scn_get_node(c, x, ep, &node))) return e;
            s->churn.node_churns[node] = true;
        }
    }
    return CS_OK;
}

/* ---- top level -------------------------------------------------------- */

static cs_err scn_parse_header(scn_ctx *c, const cJSON *root) {
    scenario *s = c->s;
    char jp[JPATH_MAX];
    const cJSON *it = NULL;
    const char *str = NULL;
    cs_err e;
    if ((e = scn_required(c, root, "$", "name", &it, jp))) return e;
    if ((e = scn_get_string(c, it, jp, true, &str))) return e;
    s->name = xstrdup(str);
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "description"))) {
        jpath_key(jp, "$", "description");
        if ((e = scn_get_string(c, it, jp, false, &str))) return e;
        s->description = xstrdup(str);
    }
    s->seed = 1;
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "seed"))) {
        int64_t seed = 0;
        jpath_key(jp, "$", "seed");
        if ((e = scn_get_int(c, it, jp, 0, SCN_INT_MAX, &seed))) return e;
        s->seed = (uint64_t)seed;
    }
    return CS_OK;
}

static cs_err scn_parse_root(scn_ctx *c, const cJSON *root) {
    static const char *const keys[] = {"name", "description", "seed", "nodes", "topology",
                                       "links", "network", "chain", "mining", "hash_power",
                                       "relay", "gossip", "speed", "duration_s", "stop",
                                       "traffic", "events", "expect", "sweep", "attackers",
                                       "churn", NULL};
    cs_err e = scn_check_object(c, root, "$", keys, NULL);
    /* "sweep" is read by sweep/sweep_plan.c, which runs this file once per point. */
    c->s->has_sweep = cJSON_GetObjectItemCaseSensitive(root, "sweep") != NULL;
    if (!e) e = scn_parse_header(c, root);
    if (!e) e = scn_parse_nodes(c, root);
    if (!e) e = scn_parse_topology(c, root);
    if (!e) e = scn_parse_links(c, root);
    if (!e) e = scn_parse_network(c, root);
    if (!e) e = scn_check_regions(c);
    if (!e) e = scn_parse_hash_power(c, root);
    if (!e) e = scn_parse_relay(c, root);
    if (!e) e = scn_parse_chain(c, root);
    if (!e) e = scn_parse_run(c, root);
    if (!e) e = scn_parse_events(c, root);
    if (!e) e = scn_parse_attackers(c, root);
    if (!e) e = scn_parse_churn(c, root);
    if (!e) e = scn_parse_expect(c, root);
    return e;
}

/* cJSON reports where it stopped. After a missing object key it stops one
 * byte past the offending character ("{a: 1}", "{\"a\": 1,}"): step back
 * when the character before the reported one follows '{' or ','. */
static size_t scn_syntax_pos(const char *text, size_t len, size_t pos) {
    if (pos == 0 || pos > len) return pos > len ? len : pos;
    char c = text[pos - 1];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"') return pos;
    size_t j = pos - 1;
    while (j > 0) {
        char p = text[--j];
        if (p == ' ' || p == '\t' || p == '\n' || p == '\r') continue;
        return p == '{' || p == ',' ? pos - 1 : pos;
    }
    return pos;
}

/* A located syntax error; `what` (if non-NULL) says what is wrong, else
 * the character there is named. */
static cs_err scn_syntax_error(scn_ctx *c, const char *text, size_t len, size_t pos,
                               const char *what) {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos; i++) {
        unsigned char b = (unsigned char)text[i];
        if (b == '\n') {
            line++;
            col = 1;
        } else if ((b & 0xc0) != 0x80) {
            col++; /* columns count characters: UTF-8 continuation bytes do not */
        }
    }
    if (c->msg && c->msg_len > 0) {
        unsigned char b = pos < len ? (unsigned char)text[pos] : 0;
        if (what)
            snprintf(c->msg, c->msg_len, "%s:%d:%d: %s", c->path, line, col, what);
        else if (pos >= len)
            snprintf(c->msg, c->msg_len, "%s:%d:%d: JSON syntax error: unexpected end of input",
                     c->path, line, col);
        else if (b > 0x20 && b < 0x7f)
            snprintf(c->msg, c->msg_len, "%s:%d:%d: JSON syntax error near '%c'", c->path, line,
                     col, b);
        else
            snprintf(c->msg, c->msg_len, "%s:%d:%d: JSON syntax error near byte 0x%02x", c->path,
                     line, col, b);
    }
    return CS_EPARSE;
}

cs_err scenario_parse(scenario *out, const char *path, const char *text, size_t len,
                      char *msg, size_t msg_len) {
    assert(out && path && (text || len == 0));
    scenario s = {0};
    scn_ctx c = {.path = path, .msg = msg, .msg_len = msg_len, .s = &s};
    size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0; /* UTF-8 BOM */
    const char *body = text + skip;
    size_t body_len = len - skip;
    const char *nul = memchr(body, '\0', body_len);
    if (nul) return scn_syntax_error(&c, body, body_len, (size_t)(nul - body), NULL);
    /* cJSON wants the terminating NUL inside the length to reject trailing text. */
    char *copy = xstrndup(body, body_len);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(copy, body_len + 1, &end, true);
    if (!root) {
        size_t pos = end ? (size_t)(end - copy) : 0;
        cs_err e = scn_syntax_error(&c, copy, body_len, scn_syntax_pos(copy, body_len, pos), NULL);
        free(copy);
        return e;
    }
    free(copy);
    /* What cJSON read loosely (a cut string, a rounded integer) is refused,
     * located; duplicate keys are found below, by path. */
    json_strict_error strict;
    if (!json_strict_check(body, body_len, JSON_STRICT_DUPLICATE_KEYS_OK, &strict)) {
        cJSON_Delete(root);
        return scn_syntax_error(&c, body, body_len, strict.offset, strict.message);
    }
    hmap_init(&c.names);
    cs_err e = scn_parse_root(&c, root);
    hmap_cleanup(&c.names);
    cJSON_Delete(root);
    if (e) {
        scenario_cleanup(&s);
        return e;
    }
    s.path = xstrdup(path);
    *out = s;
    return CS_OK;
}

cs_err scenario_load(scenario *out, const char *path, char *msg, size_t msg_len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (msg && msg_len) snprintf(msg, msg_len, "%s: cannot read: %s", path, strerror(errno));
        return CS_EIO;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    int err = 0;
    for (;;) {
        text = xgrow(text, &cap, len + 65536, 1);
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (len > SCN_MAX_FILE_BYTES) err = EFBIG;
        else if (got == 0 && ferror(f)) err = errno ? errno : EIO;
        if (err || got == 0) break;
    }
    fclose(f);
    if (err) {
        free(text);
        if (msg && msg_len) snprintf(msg, msg_len, "%s: cannot read: %s", path, strerror(err));
        return CS_EIO;
    }
    cs_err e = scenario_parse(out, path, text, len, msg, msg_len);
    free(text);
    return e;
}

void scenario_cleanup(scenario *s) {
    free(s->path);
    free(s->name);
    free(s->description);
    for (int i = 0; i < s->n_nodes; i++) free(s->nodes[i].name);
    free(s->nodes);
    free(s->edges);
    free(s->outbound_cdf);
    free(s->region_latency_us);
    free(s->network.preset);
    free(s->network.region_upload_bps);
    free(s->network.region_download_bps);
    free(s->network.region_share);
    free(s->network.outbound_cdf);
    free(s->hash_power.pools);
    for (size_t i = 0; i < s->n_genesis; i++) free(s->genesis_names[i]);
    free(s->genesis_names);
    free(s->genesis_amounts);
    for (size_t i = 0; i < s->n_events; i++) {
        scn_event *ev = &s->events[i];
        free(ev->note);
        free(ev->from);
        free(ev->to);
        free(ev->peers);
        free(ev->group_of_node);
    }
    free(s->events);
    for (size_t i = 0; i < s->n_expects; i++) {
        free(s->expects[i].label);
        free(s->expects[i].metric);
        free(s->expects[i].account);
        free(s->expects[i].source);
    }
    free(s->expects);
    for (size_t i = 0; i < s->n_attackers; i++) free(s->attackers[i].merchant);
    free(s->attackers);
    free(s->churn.node_churns);
    memset(s, 0, sizeof *s);
}

int scenario_node_index(const scenario *s, const char *name) {
    for (int i = 0; i < s->n_nodes; i++)
        if (strcmp(s->nodes[i].name, name) == 0) return i;
    if (name[0] == '\0' || strlen(name) > 9) return -1;
    int v = 0;
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    return v < s->n_nodes ? v : -1;
}
