/* network.c - the network part of the format: the nodes, who is connected
 * to whom ("topology"), what the links are like ("links", or a measured
 * model in "network" from a preset), how hash power is spread
 * ("hash_power") and how blocks travel ("relay").
 *
 * Each object is a table of fields (scn_int.h); the readers here are the
 * values with several forms ("topology": "ring" or an object) and the
 * arrays. A "network" owns latency and bandwidth: its tables start as the
 * preset's and the file's fields replace them, and $.links may not set them
 * too. Node regions index the region matrix, so they are checked once both
 * links and network are read (scn__check_regions, a rule of the root). */
#include "scenario/scn_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/presets.h"
#include "util/mem.h"

/* ---- nodes ------------------------------------------------------------ */

static cs_err scn_add_name(scn__ctx *c, int i, const char *jp) {
    const char *name = c->s->nodes[i].name;
    void *prev = hmap_put(&c->names, name, strlen(name), (void *)(uintptr_t)(i + 1));
    if (prev) {
        char q[JPATH_QUOTE_BUF];
        hmap_put(&c->names, name, strlen(name), prev);
        return scn__fail(c, jp, "duplicate node name \"%s\" (also $.nodes[%d])",
                         jpath_quote(q, sizeof q, name), (int)((uintptr_t)prev - 1));
    }
    return CS_OK;
}

static cs_err scn_rule_node_name(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "name");
    return scn_add_name(c, (int)((scn_node *)base - c->s->nodes), kp);
}

static const scn__field scn_node_fields[] = {
    {"name", SCN__ACCOUNT, SCN__AT(scn_node, name), .flags = SCN__REQUIRED,
     .doc = "unique; also the node's account, where its block rewards go (not \"0\")"},
    {NULL, SCN__RULE, .rule = scn_rule_node_name, .doc = "node names are unique"},
    {"hash_power", SCN__NUMBER, SCN__AT(scn_node, hash_power), .lo = 0, .hi = SCN_MAX_HASH_POWER,
     .def = 1, SCN__SET(scn_node, hash_power_set),
     .doc = "relative: the node's share is its hash power over the sum; 0 never mines"},
    {"region", SCN__INT, SCN__AT(scn_node, region), .lo = 0, .hi = SCN_MAX_REGIONS - 1,
     SCN__SET(scn_node, region_set),
     .def_doc = "0, or drawn from network.region_share", .doc = "its row in the region latency matrix"},
    {"upload_bps", SCN__INT, SCN__AT(scn_node, upload_bps), .lo = 1, .hi = SCN_INT_MAX,
     .def_doc = "its region's or the links'", .doc = "the node's own upload bandwidth, bits per second"},
    {"download_bps", SCN__INT, SCN__AT(scn_node, download_bps), .lo = 1, .hi = SCN_INT_MAX,
     .def_doc = "its region's or the links'", .doc = "the node's own download bandwidth"},
};
const scn__schema scn__node_schema = SCN__SCHEMA(scn_node_fields);

/* An array of node objects, or a number of nodes named node0, node1, ... */
cs_err scn__read_nodes(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base) {
    scenario *s = c->s;
    cs_err e;
    if (cJSON_IsArray(it)) {
        int n = cJSON_GetArraySize(it);
        if (n < 1 || n > SCN_MAX_NODES)
            return scn__fail(c, jp, "expected 1..%d nodes, got %d", SCN_MAX_NODES, n);
        s->nodes = xcalloc((size_t)n, sizeof *s->nodes);
        s->n_nodes = n;
        int i = 0;
        for (const cJSON *el = it->child; el; el = el->next, i++) {
            char ep[JPATH_MAX];
            jpath_idx(ep, jp, (size_t)i);
            scn__defaults(f->sub, &s->nodes[i]);
            if ((e = scn__read_object(c, el, ep, f->sub, &s->nodes[i]))) return e;
        }
        return CS_OK;
    }
    if (!cJSON_IsNumber(it))
        return scn__fail(c, jp, "expected a number of nodes or an array of nodes");
    int64_t n = 0;
    if ((e = scn__get_int(c, it, jp, 1, SCN_MAX_NODES, &n))) return e;
    s->nodes = xcalloc((size_t)n, sizeof *s->nodes);
    s->n_nodes = (int)n;
    for (int i = 0; i < s->n_nodes; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%d", i);
        scn__defaults(f->sub, &s->nodes[i]);
        s->nodes[i].name = xstrdup(name);
        if ((e = scn_add_name(c, i, jp))) return e;
    }
    return CS_OK;
}

/* ---- topology --------------------------------------------------------- */

/* A cumulative distribution over 1, 2, ... (index k: P(value <= k + 1)):
 * 1..1000 numbers in [0, 1], never decreasing, the last 1. */
static cs_err scn_parse_cdf(scn__ctx *c, const cJSON *arr, const char *jp, double **out,
                            int *n_out) {
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n < 1 || n > 1000)
        return scn__fail(c, jp, "expected an array of 1..1000 cumulative probabilities");
    double *cdf = xcalloc((size_t)n, sizeof *cdf);
    int i = 0;
    cs_err e = CS_OK;
    char ep[JPATH_MAX];
    for (const cJSON *v = arr->child; v && !e; v = v->next, i++) {
        jpath_idx(ep, jp, (size_t)i);
        e = scn__get_num(c, v, ep, (scn__range){.lo = 0, .hi = 1, .show_hi = true}, &cdf[i]);
        if (!e && i > 0 && cdf[i] < cdf[i - 1])
            e = scn__fail(c, ep, "a cumulative distribution never decreases");
    }
    if (!e && fabs(cdf[n - 1] - 1.0) > 1e-9) {
        jpath_idx(ep, jp, (size_t)(n - 1));
        e = scn__fail(c, ep, "the last cumulative probability must be 1");
    }
    if (e) {
        free(cdf);
        return e;
    }
    *out = cdf;
    *n_out = n;
    return CS_OK;
}

static cs_err scn_read_topology_cdf(scn__ctx *c, const scn__field *f, const cJSON *it,
                                    const char *jp, void *base) {
    scenario *s = base;
    cs_err e = scn_parse_cdf(c, it, jp, &s->outbound_cdf, &s->n_outbound_cdf);
    if (!e) s->topology = TOPO_RANDOM_DEGREES;
    return e;
}

static cs_err scn_read_edges(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                             void *base) {
    scenario *s = base;
    if (!cJSON_IsArray(arr)) return scn__fail(c, jp, "expected an array of [node, node] pairs");
    int n = cJSON_GetArraySize(arr);
    s->edges = xcalloc((size_t)n * 2, sizeof *s->edges);
    s->n_edges = (size_t)n;
    size_t i = 0;
    for (const cJSON *el = arr->child; el; el = el->next, i++) {
        char ep[JPATH_MAX], np[JPATH_MAX];
        jpath_idx(ep, jp, i);
        if (!cJSON_IsArray(el) || cJSON_GetArraySize(el) != 2)
            return scn__fail(c, ep, "expected a pair [node, node]");
        cs_err e;
        jpath_idx(np, ep, 0);
        if ((e = scn__get_node(c, el->child, np, &s->edges[2 * i]))) return e;
        jpath_idx(np, ep, 1);
        if ((e = scn__get_node(c, el->child->next, np, &s->edges[2 * i + 1]))) return e;
        if (s->edges[2 * i] == s->edges[2 * i + 1])
            return scn__fail(c, ep, "an edge from a node to itself");
    }
    return CS_OK;
}

static cs_err scn_rule_even_k(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scenario *s = base;
    char kp[JPATH_MAX];
    if (!cJSON_GetObjectItemCaseSensitive(obj, "k") || s->topology_k % 2 == 0) return CS_OK;
    jpath_key(kp, jp, "k");
    return scn__fail(c, kp, "a small-world lattice needs an even k (k/2 neighbours a side)");
}

/* In the order the messages list them. */
const scn__choice scn__topology_choices[] = {
    {"mesh", TOPO_MESH},   {"none", TOPO_NONE},   {"ring", TOPO_RING},
    {"random", TOPO_RANDOM}, {"small-world", TOPO_SMALL_WORLD},
    {"scale-free", TOPO_SCALE_FREE}, {"edges", TOPO_EDGES}, {NULL, 0}};

#define SCN_K_TOPOLOGIES \
    (SCN__BIT(TOPO_RANDOM) | SCN__BIT(TOPO_SMALL_WORLD) | SCN__BIT(TOPO_SCALE_FREE))

static const scn__field scn_topology_fields[] = {
    {"type", SCN__CHOICE, SCN__AT(scenario, topology), .flags = SCN__VARIANT | SCN__REQUIRED,
     .choices = scn__topology_choices,
     .doc = "mesh: everyone with everyone; none: peers come from register events; ring; "
            "random: k random peers each; small-world: Watts-Strogatz; scale-free: "
            "Barabasi-Albert; edges: exactly these links"},
    {"k", SCN__INT, SCN__AT(scenario, topology_k), .lo = 1, .hi = SCN_MAX_NODES, .def = 8,
     .in = SCN_K_TOPOLOGIES, .excludes = "outbound_cdf",
     .only = "only a \"random\", \"small-world\" or \"scale-free\" topology takes k",
     .doc = "random: outbound peers per node; small-world: lattice degree (even); "
            "scale-free: links per new node"},
    {NULL, SCN__RULE, .rule = scn_rule_even_k, .in = SCN__BIT(TOPO_SMALL_WORLD),
     .doc = "a small-world k is even (k/2 neighbours a side)"},
    {"beta", SCN__NUMBER, SCN__AT(scenario, topology_beta), .flags = SCN__SHOW_HI, .lo = 0,
     .hi = 1, .def = 0.1, .in = SCN__BIT(TOPO_SMALL_WORLD),
     .only = "only a \"small-world\" topology takes beta", .doc = "rewiring probability"},
    {"outbound_cdf", SCN__CUSTOM, .read = scn_read_topology_cdf, .in = SCN__BIT(TOPO_RANDOM),
     .only = "only a \"random\" topology takes outbound_cdf",
     .value_doc = "array of 1..1000 cumulative probabilities, the last 1",
     .doc = "each node's number of outbound peers: entry k is P(peers <= k + 1)"},
    {"edges", SCN__CUSTOM, .read = scn_read_edges, .in = SCN__BIT(TOPO_EDGES),
     .req = SCN__BIT(TOPO_EDGES), .only = "only an \"edges\" topology takes edges",
     .value_doc = "array of [node, node] pairs", .doc = "the links, both ways"},
};
const scn__schema scn__topology_schema =
    SCN__VARIANT_SCHEMA(scn_topology_fields, scn__topology_choices);

cs_err scn__read_topology(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                          void *base) {
    scenario *s = base;
    cs_err e;
    int v = -1;
    if (cJSON_IsString(it)) {
        if ((e = scn__read_typed(c, f, it, jp, base))) return e;
        if (s->topology == TOPO_EDGES)
            return scn__fail(c, jp, "\"edges\" needs the object form {\"type\": \"edges\", \"edges\": [...]}");
        return CS_OK;
    }
    if (!cJSON_IsObject(it))
        return scn__fail(c, jp, "expected a topology name or an object with \"type\"");
    if ((e = scn__check_keys(c, it, jp, f->sub, -1))) return e;
    if ((e = scn__read_variant(c, it, jp, f->sub, base, &v))) return e;
    return scn__read_fields(c, it, jp, f->sub, v, base);
}

/* ---- links ------------------------------------------------------------ */

static cs_err scn_parse_regions(scn__ctx *c, const cJSON *m, const char *jp) {
    scenario *s = c->s;
    int n = cJSON_IsArray(m) ? cJSON_GetArraySize(m) : 0;
    if (n < 1 || n > SCN_MAX_REGIONS)
        return scn__fail(c, jp, "expected a square matrix (1..%d rows) of latencies in ms",
                         SCN_MAX_REGIONS);
    s->region_latency_us = xcalloc((size_t)n * (size_t)n, sizeof *s->region_latency_us);
    s->n_regions = n;
    int r = 0;
    for (const cJSON *row = m->child; row; row = row->next, r++) {
        char rp[JPATH_MAX], cp[JPATH_MAX];
        jpath_idx(rp, jp, (size_t)r);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return scn__fail(c, rp, "expected a row of %d numbers (the matrix must be square)", n);
        int col = 0;
        for (const cJSON *v = row->child; v; v = v->next, col++) {
            jpath_idx(cp, rp, (size_t)col);
            cs_err e = scn__get_ms(c, v, cp, &s->region_latency_us[r * n + col]);
            if (e) return e;
        }
    }
    return CS_OK;
}

static cs_err scn_read_regions(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                               void *base) {
    return scn_parse_regions(c, it, jp);
}

static cs_err scn_rule_max_latency(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scenario *s = base;
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "max");
    return s->latency_max_us < s->latency_us ? scn__fail(c, kp, "max is less than min") : CS_OK;
}

static const scn__choice scn_latency_forms[] = {
    {"min/max", LATENCY_UNIFORM}, {"regions", LATENCY_REGIONS}, {NULL, 0}};

static const scn__field scn_latency_fields[] = {
    {"regions", SCN__CUSTOM, .read = scn_read_regions, .in = SCN__BIT(LATENCY_REGIONS),
     .req = SCN__BIT(LATENCY_REGIONS), .value_doc = "square matrix of ms, 1..1000 rows",
     .doc = "mean latency between regions (Pareto around it), indexed by the nodes' region"},
    {"min", SCN__MS, SCN__AT(scenario, latency_us), .in = SCN__BIT(LATENCY_UNIFORM),
     .req = SCN__BIT(LATENCY_UNIFORM), .doc = "latency uniform in [min, max]"},
    {"max", SCN__MS, SCN__AT(scenario, latency_max_us), .in = SCN__BIT(LATENCY_UNIFORM),
     .req = SCN__BIT(LATENCY_UNIFORM), .doc = "at least min"},
    {NULL, SCN__RULE, .rule = scn_rule_max_latency, .in = SCN__BIT(LATENCY_UNIFORM),
     .doc = "max is at least min"},
};
static const scn__schema scn_latency_schema =
    SCN__VARIANT_SCHEMA(scn_latency_fields, scn_latency_forms);

/* A number (fixed), {"min", "max"} or {"regions"}. */
static cs_err scn_read_latency(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                               void *base) {
    scenario *s = base;
    cs_err e;
    if (cJSON_IsNumber(it)) {
        s->latency = LATENCY_FIXED;
        return scn__read_typed(c, f, it, jp, base);
    }
    if (!cJSON_IsObject(it))
        return scn__fail(c, jp, "expected a number of ms, {\"min\", \"max\"} or {\"regions\"}");
    if ((e = scn__check_keys(c, it, jp, f->sub, -1))) return e;
    s->latency = cJSON_GetObjectItemCaseSensitive(it, "regions") ? LATENCY_REGIONS : LATENCY_UNIFORM;
    if (s->latency == LATENCY_REGIONS && it->child->next)
        return scn__fail(c, jp, "give either \"min\" and \"max\" or \"regions\"");
    return scn__read_fields(c, it, jp, f->sub, s->latency, base);
}

static const scn__choice scn_upload_choices[] = {
    {"transfer", UPLOAD_UNTIL_TRANSFER}, {"simblock", UPLOAD_UNTIL_ARRIVAL}, {NULL, 0}};

static const scn__field scn_links_fields[] = {
    {"latency_ms", SCN__MS, SCN__AT(scenario, latency_us), .def = 50, .read = scn_read_latency,
     .sub = &scn_latency_schema, .value_doc = "ms >= 0, {\"min\", \"max\"} or {\"regions\"}",
     .doc = "one-way latency of every link: fixed, uniform, or by region"},
    {"upload_bps", SCN__INT, SCN__AT(scenario, upload_bps), .lo = 1, .hi = SCN_INT_MAX,
     .def_doc = "unlimited", .doc = "per node, bits per second"},
    {"download_bps", SCN__INT, SCN__AT(scenario, download_bps), .lo = 1, .hi = SCN_INT_MAX,
     .def_doc = "unlimited", .doc = "per node, bits per second"},
    {"loss", SCN__NUMBER, SCN__AT(scenario, loss), .flags = SCN__HI_OPEN | SCN__SHOW_HI, .lo = 0,
     .hi = 1, .doc = "probability a message is lost"},
    {"upload_rule", SCN__CHOICE, SCN__AT(scenario, upload_rule), .choices = scn_upload_choices,
     .def = UPLOAD_UNTIL_TRANSFER,
     .doc = "\"transfer\": a sender's next upload starts when a transfer ends; \"simblock\": "
            "after a block it starts when the block arrives (latency + transfer), as in SimBlock"},
    {"processing_ms", SCN__MS, SCN__AT(scenario, processing_us),
     .def_doc = "0, or the preset's", .doc = "delay a receiver adds to every message"},
    {"validation_ms", SCN__MS, SCN__AT(scenario, validation_us),
     .doc = "delay a receiver adds per whole block a message carries (block, compact block, "
            "blocks, chain), before it may use it"},
    {"validation_ms_per_kb", SCN__NUMBER, SCN__AT(scenario, validation_ms_per_kb), .lo = 0,
     .hi = 1000, .doc = "and per 1,000 bytes of those blocks' declared sizes"},
    {"download_queue", SCN__BOOL, SCN__AT(scenario, download_queue),
     .doc = "true: a receiver's download takes one message at a time, so a message whose bytes "
            "reach a busy download waits (false: only the sender's upload queues, as in SimBlock)"},
};
const scn__schema scn__links_schema = SCN__SCHEMA(scn_links_fields);

cs_err scn__check_regions(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scenario *s = c->s;
    if (s->latency != LATENCY_REGIONS) return CS_OK;
    for (int i = 0; i < s->n_nodes; i++)
        if (s->nodes[i].region >= s->n_regions) {
            char rp[JPATH_MAX];
            snprintf(rp, sizeof rp, "$.nodes[%d].region", i);
            return scn__fail(c, rp, "region %d out of range (%s has %d)", s->nodes[i].region,
                             s->network.on ? "$.network" : "$.links.latency_ms.regions",
                             s->n_regions);
        }
    return CS_OK;
}

/* ---- network model ----------------------------------------------------- */

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

/* links.processing_ms still wins over the preset's. */
static cs_err scn_read_preset(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                              void *base) {
    scenario *s = base;
    const char *name = NULL;
    cs_err e = scn__get_string(c, it, jp, true, &name);
    if (e) return e;
    const preset *p = preset_find(name);
    if (!p) {
        char list[256] = "", q[JPATH_QUOTE_BUF];
        for (size_t i = 0; i < preset_count(); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                     preset_at(i)->name);
        return scn__fail(c, jp, "unknown preset \"%s\" (known: %s)", jpath_quote(q, sizeof q, name),
                         list);
    }
    s->network.preset = xstrdup(name);
    scn_network_from_preset(s, p);
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(c->root, "links");
    if (!cJSON_GetObjectItemCaseSensitive(links, "processing_ms"))
        s->processing_us = (int64_t)p->processing_ms * 1000;
    return CS_OK;
}

/* The fields "network" and "links" both have belong to the network. */
static cs_err scn_rule_links_conflict(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(c->root, "links");
    for (size_t i = 0; links && i < scn__links_schema.n_fields; i++) {
        const char *key = scn__links_schema.fields[i].key;
        bool shared = false;
        for (size_t j = 0; j < scn__network_schema.n_fields; j++)
            shared = shared || (scn__network_schema.fields[j].key &&
                                strcmp(scn__network_schema.fields[j].key, key) == 0);
        if (shared && cJSON_GetObjectItemCaseSensitive(links, key)) {
            char kp[JPATH_MAX];
            jpath_key(kp, "$.links", key);
            return scn__fail(c, kp, "set by $.network (give it there)");
        }
    }
    return CS_OK;
}

static cs_err scn_read_network_latency(scn__ctx *c, const scn__field *f, const cJSON *it,
                                       const char *jp, void *base) {
    scenario *s = base;
    int before = s->n_regions;
    free(s->region_latency_us);
    s->region_latency_us = NULL;
    cs_err e = scn_parse_regions(c, it, jp);
    if (!e && s->network.preset && s->n_regions != before)
        return scn__fail(c, jp, "expected %d regions (as the preset)", before);
    return e;
}

static cs_err scn_rule_network_matrix(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    scenario *s = base;
    if (!s->region_latency_us)
        return scn__fail(c, jp, "needs a preset or latency_ms (a square matrix of region latencies)");
    s->latency = LATENCY_REGIONS;
    return CS_OK;
}

/* One integer >= 0 per region (bandwidth); the preset's values, if any, are
 * replaced. */
static cs_err scn_read_region_ints(scn__ctx *c, const scn__field *f, const cJSON *arr,
                                   const char *jp, void *base) {
    int n = c->s->n_regions;
    int64_t **out = (int64_t **)((char *)base + f->offset);
    free(*out);
    *out = NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
        return scn__fail(c, jp, "expected %d numbers (one per region)", n);
    int64_t *v = xcalloc((size_t)n, sizeof *v);
    *out = v; /* owned by the scenario from here, also on error */
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, (size_t)i);
        cs_err e = scn__get_int(c, it, ep, 0, SCN_INT_MAX, &v[i]);
        if (e) return e;
    }
    return CS_OK;
}

/* One number >= 0 per region, normalised to sum 1. */
static cs_err scn_read_region_shares(scn__ctx *c, const scn__field *f, const cJSON *arr,
                                     const char *jp, void *base) {
    int n = c->s->n_regions;
    double **out = &c->s->network.region_share;
    free(*out);
    *out = NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
        return scn__fail(c, jp, "expected %d numbers (one per region)", n);
    double *v = xcalloc((size_t)n, sizeof *v);
    *out = v;
    double sum = 0;
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, (size_t)i);
        cs_err e = scn__get_num(c, it, ep, (scn__range){.lo = 0, .hi = 1e9}, &v[i]);
        if (e) return e;
        sum += v[i];
    }
    if (sum <= 0) return scn__fail(c, jp, "the shares add up to 0");
    for (i = 0; i < n; i++) v[i] /= sum;
    return CS_OK;
}

static cs_err scn_read_network_cdf(scn__ctx *c, const scn__field *f, const cJSON *it,
                                   const char *jp, void *base) {
    scn_network *net = &c->s->network;
    free(net->outbound_cdf);
    net->outbound_cdf = NULL;
    return scn_parse_cdf(c, it, jp, &net->outbound_cdf, &net->n_outbound_cdf);
}

/* Without a "topology", nodes open outbound links as the model says. */
static cs_err scn_rule_network_topology(scn__ctx *c, const cJSON *obj, const char *jp,
                                        void *base) {
    scenario *s = base;
    const scn_network *net = &s->network;
    if (!net->outbound_cdf || cJSON_GetObjectItemCaseSensitive(c->root, "topology")) return CS_OK;
    s->topology = TOPO_RANDOM_DEGREES;
    s->n_outbound_cdf = net->n_outbound_cdf;
    s->outbound_cdf = xmalloc((size_t)net->n_outbound_cdf * sizeof *s->outbound_cdf);
    memcpy(s->outbound_cdf, net->outbound_cdf, (size_t)net->n_outbound_cdf * sizeof *s->outbound_cdf);
    return CS_OK;
}

static const scn__field scn_network_fields[] = {
    {NULL, SCN__RULE, .rule = scn_rule_links_conflict,
     .doc = "links.latency_ms, upload_bps and download_bps are then given here"},
    {"preset", SCN__CUSTOM, .read = scn_read_preset,
     .value_doc = "\"bitcoin-2015\", \"bitcoin-2019\", \"litecoin\" or \"dogecoin\"",
     .def_doc = "none", .doc = "a measured network (scenario/presets.h) whose tables the fields below replace"},
    {"latency_ms", SCN__CUSTOM, .read = scn_read_network_latency,
     .value_doc = "square matrix of ms (as many regions as the preset)", .def_doc = "the preset's",
     .doc = "mean latency between regions"},
    {NULL, SCN__RULE, .rule = scn_rule_network_matrix, .doc = "a preset or latency_ms is required"},
    {"upload_bps", SCN__CUSTOM, SCN__AT(scenario, network.region_upload_bps),
     .read = scn_read_region_ints, .value_doc = "one integer >= 0 per region (0 = unlimited)",
     .def_doc = "the preset's", .doc = "upload bandwidth of a node in each region"},
    {"download_bps", SCN__CUSTOM, SCN__AT(scenario, network.region_download_bps),
     .read = scn_read_region_ints, .value_doc = "one integer >= 0 per region (0 = unlimited)",
     .def_doc = "the preset's", .doc = "download bandwidth of a node in each region"},
    {"region_share", SCN__CUSTOM, .read = scn_read_region_shares,
     .value_doc = "one number >= 0 per region", .def_doc = "the preset's",
     .doc = "how nodes without a region are spread over the regions (normalised)"},
    {"outbound_cdf", SCN__CUSTOM, .read = scn_read_network_cdf,
     .value_doc = "array of cumulative probabilities, the last 1", .def_doc = "the preset's",
     .doc = "outbound peers per node, used when the file has no topology"},
    {NULL, SCN__RULE, .rule = scn_rule_network_topology,
     .doc = "without a topology, nodes open outbound links as outbound_cdf says"},
};
const scn__schema scn__network_schema = SCN__SCHEMA(scn_network_fields);

/* ---- hash power ------------------------------------------------------- */

static cs_err scn_rule_uniform_max(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scn_hash_power *hp = &((const scenario *)base)->hash_power;
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "max");
    return hp->b < hp->a ? scn__fail(c, kp, "max is less than min") : CS_OK;
}

static const scn__choice scn_hp_choices[] = {
    {"normal", HP_NORMAL}, {"exponential", HP_EXPONENTIAL}, {"uniform", HP_UNIFORM},
    {"pareto", HP_PARETO}, {NULL, 0}};

/* Every parameter is > 0 except a normal's stdev and a uniform's min. */
#define SCN_HP_PARAM(key, member, variant, open, text)                                          \
    {key, SCN__NUMBER, SCN__AT(scenario, hash_power.member), .flags = (open), .lo = 0,          \
     .hi = SCN_MAX_HASH_POWER, .in = (variant), .req = (variant), .doc = text}

static const scn__field scn_hp_dist_fields[] = {
    {"type", SCN__CHOICE, SCN__AT(scenario, hash_power.dist), .flags = SCN__VARIANT | SCN__REQUIRED,
     .choices = scn_hp_choices, .doc = "the distribution nodes without their own hash_power draw from"},
    SCN_HP_PARAM("mean", a, SCN__BIT(HP_NORMAL) | SCN__BIT(HP_EXPONENTIAL), SCN__LO_OPEN,
                 "mean (negative normal draws become 0)"),
    SCN_HP_PARAM("stdev", b, SCN__BIT(HP_NORMAL), 0, "standard deviation"),
    SCN_HP_PARAM("min", a, SCN__BIT(HP_UNIFORM), 0, "lowest value"),
    SCN_HP_PARAM("max", b, SCN__BIT(HP_UNIFORM), SCN__LO_OPEN, "highest value, at least min"),
    {NULL, SCN__RULE, .rule = scn_rule_uniform_max, .in = SCN__BIT(HP_UNIFORM),
     .doc = "max is at least min"},
    SCN_HP_PARAM("shape", a, SCN__BIT(HP_PARETO), SCN__LO_OPEN, "the Pareto shape (alpha)"),
    SCN_HP_PARAM("min", b, SCN__BIT(HP_PARETO), SCN__LO_OPEN, "the Pareto minimum (scale)"),
};
static const scn__schema scn_hp_dist_schema = SCN__VARIANT_SCHEMA(scn_hp_dist_fields, scn_hp_choices);

static cs_err scn_read_hp_list(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                               void *base) {
    scenario *s = c->s;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != s->n_nodes)
        return scn__fail(c, jp, "expected %d numbers (one per node)", s->n_nodes);
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, (size_t)i);
        if (s->nodes[i].hash_power_set)
            return scn__fail(c, ep, "node \"%s\" sets its own hash_power", s->nodes[i].name);
        cs_err e = scn__get_num(c, it, ep, (scn__range){.lo = 0, .hi = SCN_MAX_HASH_POWER},
                                &s->nodes[i].hash_power);
        if (e) return e;
        s->nodes[i].hash_power_set = true;
    }
    return CS_OK;
}

static cs_err scn_rule_pool_node(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scn_pool *pool = base, *pools = c->s->hash_power.pools;
    char np[JPATH_MAX];
    jpath_key(np, jp, "node");
    for (const scn_pool *p = pools; pool->node >= 0 && p < pool; p++)
        if (p->node == pool->node) return scn__fail(c, np, "node is already pool %zu", (size_t)(p - pools));
    return CS_OK;
}

static const scn__field scn_pool_fields[] = {
    {"node", SCN__NODE, SCN__AT(scn_pool, node), .def = -1, .def_doc = "drawn with the seed",
     .doc = "the pool's node"},
    {NULL, SCN__RULE, .rule = scn_rule_pool_node, .doc = "a node is at most one pool"},
    {"share", SCN__NUMBER, SCN__AT(scn_pool, share),
     .flags = SCN__FIRST | SCN__SHORT | SCN__LO_OPEN | SCN__SHOW_HI, .lo = 0, .hi = 1,
     .doc = "the pool's share of the whole network's hash power (a pool may be just this number)"},
};
static const scn__schema scn_pool_schema = SCN__SCHEMA(scn_pool_fields);

static cs_err scn_read_pools(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                             void *base) {
    scn_hash_power *hp = &c->s->hash_power;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n < 1 || n > c->s->n_nodes)
        return scn__fail(c, jp, "expected 1..%d pools (a share, or {\"share\", \"node\"})",
                         c->s->n_nodes);
    hp->pools = xcalloc((size_t)n, sizeof *hp->pools);
    hp->n_pools = (size_t)n;
    const scn__field *share = scn__short_field(f->sub);
    double total = 0;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ep[JPATH_MAX], kp[JPATH_MAX];
        scn_pool *pool = &hp->pools[i];
        cs_err e;
        jpath_idx(ep, jp, i);
        scn__defaults(f->sub, pool);
        if (cJSON_IsObject(it)) {
            jpath_key(kp, ep, share->key);
            e = scn__read_object(c, it, ep, f->sub, pool);
        } else {
            strcpy(kp, ep);
            e = scn__read_value(c, share, it, kp, pool);
        }
        if (e) return e;
        total += pool->share;
        if (total > 1 + 1e-9) return scn__fail(c, kp, "pools hold more than all hash power");
    }
    return CS_OK;
}

static const scn__field scn_hash_power_fields[] = {
    {"distribution", SCN__CUSTOM, .read = scn__read_typed_variant, .sub = &scn_hp_dist_schema,
     .excludes = "list",
     .value_doc = "{\"type\": ..., parameters}", .def_doc = "every node 1",
     .doc = "nodes that do not set their hash_power draw it with the seed"},
    {"list", SCN__CUSTOM, .read = scn_read_hp_list, .value_doc = "one number >= 0 per node",
     .doc = "every node's hash power, in node order (not for nodes that set their own)"},
    {"pools", SCN__CUSTOM, .flags = SCN__ARRAY, .read = scn_read_pools, .sub = &scn_pool_schema,
     .value_doc = "array of shares or {\"share\", \"node\"}",
     .doc = "pools take fixed shares of the total; the others share the rest"},
};
const scn__schema scn__hash_power_schema = SCN__SCHEMA(scn_hash_power_fields);

/* ---- relay ------------------------------------------------------------ */

static const scn__choice scn_announce_choices[] = {{"inv", false}, {"push", true}, {NULL, 0}};

static const scn__field scn_compact_fields[] = {
    {"failure_rate", SCN__NUMBER, SCN__AT(scenario, relay.compact_failure_rate),
     .flags = SCN__SHOW_HI, .lo = 0, .hi = 1,
     .doc = "probability a receiver must fetch the whole block"},
    {"announce", SCN__CHOICE, SCN__AT(scenario, relay.compact_push), .choices = scn_announce_choices,
     .doc = "inv: announce first; push: send the compact block at once (BIP 152 high bandwidth)"},
    {"bytes", SCN__INT, SCN__AT(scenario, relay.compact_bytes), .lo = 1, .hi = SCN_MAX_BLOCK_BYTES,
     .def_doc = "derived (node.h)", .doc = "payload of a compact block"},
};
static const scn__schema scn_compact_schema = SCN__SCHEMA(scn_compact_fields);

static const scn__field scn_relay_fields[] = {
    {"compact", SCN__OBJECT, .sub = &scn_compact_schema, .doc = "compact blocks, with these settings"},
};
const scn__schema scn__relay_schema = SCN__SCHEMA(scn_relay_fields);

const scn__choice scn__relay_choices[] = {
    {"inv", NODE_RELAY_INV}, {"push", NODE_RELAY_PUSH}, {"compact", NODE_RELAY_COMPACT}, {NULL, 0}};

/* "inv" | "push" | "compact" | {"compact": {...}}. */
cs_err scn__read_relay(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                       void *base) {
    scenario *s = base;
    const scn__field *compact = &f->sub->fields[0];
    cs_err e;
    if (cJSON_IsString(it)) return scn__read_typed(c, f, it, jp, base);
    if (!cJSON_IsObject(it)) return scn__fail(c, jp, "%s", f->expected);
    if ((e = scn__check_keys(c, it, jp, f->sub, -1))) return e;
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(it, compact->key);
    if (!obj) return scn__fail(c, jp, "expected {\"compact\": {...}}");
    char kp[JPATH_MAX];
    jpath_key(kp, jp, compact->key);
    s->relay.mode = NODE_RELAY_COMPACT;
    return scn__read_value(c, compact, obj, kp, base);
}
