/* timeline.c - the timeline part of the format: what happens when
 * ("events"), who breaks the rules ("attackers"), who comes and goes
 * ("churn"), and what the run is expected to show ("expect").
 *
 * Events and attackers are variant objects (scn_int.h): "do" and "strategy"
 * choose which of the table's fields an element takes, and in which order
 * they are read. Events are read in file order, so messages give the file's
 * index, and sorted by time (stably) at the end. An eclipse attacker is one
 * element for several nodes: each of its "nodes" becomes an attacker of its
 * own around the one victim. */
#include "scenario/scn_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "scenario/metric_names.h"
#include "util/mem.h"

/* ---- events ----------------------------------------------------------- */

static const scn__choice scn_action_choices[] = {
    {"tx", SCN_TX},
    {"mine", SCN_MINE},
    {"register", SCN_REGISTER},
    {"resolve", SCN_RESOLVE},
    {"partition", SCN_PARTITION},
    {"heal", SCN_HEAL},
    {"isolate", SCN_ISOLATE},
    {"reconnect", SCN_RECONNECT},
    {"crash", SCN_CRASH},
    {"restart", SCN_RESTART},
    {"hash_power", SCN_HASH_POWER},
    {"links", SCN_LINKS},
    {NULL, 0},
};

static cs_err scn_read_peers(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                             void *base) {
    scn_event *ev = base;
    char ep[JPATH_MAX];
    cs_err e;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return scn__fail(c, jp, "expected a non-empty array of nodes");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    ev->peers = xcalloc(n, sizeof *ev->peers);
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        jpath_idx(ep, jp, i);
        if ((e = scn__get_node(c, it, ep, &ev->peers[i]))) return e;
        if (ev->peers[i] == ev->node) return scn__fail(c, ep, "a node cannot register itself");
        for (size_t j = 0; j < i; j++)
            if (ev->peers[j] == ev->peers[i]) return scn__fail(c, ep, "node listed twice");
        ev->n_peers = i + 1;
    }
    return CS_OK;
}

static cs_err scn_rule_groups_or_halves(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    if (!cJSON_GetObjectItemCaseSensitive(obj, "groups") ==
        !cJSON_GetObjectItemCaseSensitive(obj, "halves"))
        return scn__fail(c, jp, "a partition takes either groups or halves");
    return CS_OK;
}

static cs_err scn_read_halves(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                              void *base) {
    scn_event *ev = base;
    int n = c->s->n_nodes;
    bool v = false;
    cs_err e = scn__get_bool(c, it, jp, &v);
    if (e) return e;
    if (!v) return scn__fail(c, jp, "expected true (or use groups)");
    ev->group_of_node = xcalloc((size_t)n, sizeof *ev->group_of_node);
    for (int i = 0; i < n; i++) ev->group_of_node[i] = i < n / 2 ? 0 : 1;
    return CS_OK;
}

static cs_err scn_read_groups(scn__ctx *c, const scn__field *f, const cJSON *groups,
                              const char *jp, void *base) {
    const scenario *s = c->s;
    scn_event *ev = base;
    char gp[JPATH_MAX], np[JPATH_MAX];
    cs_err e;
    ev->group_of_node = xcalloc((size_t)s->n_nodes, sizeof *ev->group_of_node);
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) == 0)
        return scn__fail(c, jp, "expected a non-empty array of groups of nodes");
    for (int i = 0; i < s->n_nodes; i++) ev->group_of_node[i] = -1;
    int g = 0;
    for (const cJSON *grp = groups->child; grp; grp = grp->next, g++) {
        jpath_idx(gp, jp, (size_t)g);
        if (!cJSON_IsArray(grp) || cJSON_GetArraySize(grp) == 0)
            return scn__fail(c, gp, "expected a non-empty array of nodes");
        size_t j = 0;
        for (const cJSON *it = grp->child; it; it = it->next, j++) {
            int node = 0;
            jpath_idx(np, gp, j);
            if ((e = scn__get_node(c, it, np, &node))) return e;
            if (ev->group_of_node[node] >= 0)
                return scn__fail(c, np, "node \"%s\" is already in group %d", s->nodes[node].name,
                                 ev->group_of_node[node]);
            ev->group_of_node[node] = g;
        }
    }
    for (int i = 0; i < s->n_nodes; i++)
        if (ev->group_of_node[i] < 0) ev->group_of_node[i] = g;
    return CS_OK;
}

static cs_err scn_rule_links_change(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    if (!cJSON_GetObjectItemCaseSensitive(obj, "loss") &&
        !cJSON_GetObjectItemCaseSensitive(obj, "latency_ms"))
        return scn__fail(c, jp, "links needs loss or latency_ms");
    return CS_OK;
}

#define SCN_NODE_EVENTS                                                                    \
    (SCN__BIT(SCN_TX) | SCN__BIT(SCN_MINE) | SCN__BIT(SCN_REGISTER) | SCN__BIT(SCN_RESOLVE) | \
     SCN__BIT(SCN_ISOLATE) | SCN__BIT(SCN_RECONNECT) | SCN__BIT(SCN_CRASH) |                \
     SCN__BIT(SCN_RESTART))
#define SCN_TX_ONLY .in = SCN__BIT(SCN_TX), .req = SCN__BIT(SCN_TX)

static const scn__field scn_event_fields[] = {
    {"do", SCN__CHOICE, SCN__AT(scn_event, kind), .flags = SCN__VARIANT | SCN__REQUIRED | SCN__ONE_OF,
     .choices = scn_action_choices, .doc = "what happens"},
    {"at", SCN__SECONDS, SCN__AT(scn_event, at_us), .flags = SCN__REQUIRED, .doc = "when, in seconds"},
    {"note", SCN__STRING, SCN__AT(scn_event, note), .doc = "shown in the log and the window"},
    {"node", SCN__NODE, SCN__AT(scn_event, node), .def = -1,
     .in = SCN_NODE_EVENTS | SCN__BIT(SCN_HASH_POWER), .req = SCN_NODE_EVENTS,
     .def_doc = "hash_power: every node", .doc = "the node it happens at"},
    {"from", SCN__STRING, SCN__AT(scn_event, from), SCN_TX_ONLY,
     .doc = "the account paying (judged by the ledger when the event runs, not here)"},
    {"to", SCN__STRING, SCN__AT(scn_event, to), SCN_TX_ONLY, .doc = "the account paid"},
    {"amount", SCN__INT, SCN__AT(scn_event, amount), .lo = -SCN_INT_MAX, .hi = SCN_INT_MAX,
     SCN_TX_ONLY, .doc = "any sign, so a scenario can show a refusal"},
    {"peers", SCN__CUSTOM, .read = scn_read_peers, .in = SCN__BIT(SCN_REGISTER),
     .req = SCN__BIT(SCN_REGISTER), .value_doc = "non-empty array of nodes, not the node itself",
     .doc = "peers the node adds, one way (as the classic /register_node)"},
    {NULL, SCN__RULE, .rule = scn_rule_groups_or_halves, .in = SCN__BIT(SCN_PARTITION),
     .doc = "a partition takes either groups or halves"},
    {"halves", SCN__CUSTOM, .read = scn_read_halves, .in = SCN__BIT(SCN_PARTITION),
     .value_doc = "true", .doc = "the first n/2 nodes (by index) against the rest"},
    {"groups", SCN__CUSTOM, .read = scn_read_groups, .in = SCN__BIT(SCN_PARTITION),
     .value_doc = "non-empty array of non-empty arrays of nodes",
     .doc = "nodes in different groups cannot talk; unlisted nodes form one more group"},
    {"value", SCN__NUMBER, SCN__AT(scn_event, hash_power), .lo = 0, .hi = SCN_MAX_HASH_POWER,
     .in = SCN__BIT(SCN_HASH_POWER), .req = SCN__BIT(SCN_HASH_POWER),
     .doc = "the new hash power; 0 never mines (an observer keeps 0)"},
    {NULL, SCN__RULE, .rule = scn_rule_links_change, .in = SCN__BIT(SCN_LINKS),
     .doc = "links needs loss or latency_ms"},
    {"loss", SCN__NUMBER, SCN__AT(scn_event, loss), .flags = SCN__HI_OPEN | SCN__SHOW_HI, .lo = 0,
     .hi = 1, .in = SCN__BIT(SCN_LINKS), SCN__SET(scn_event, set_loss), .def_doc = "unchanged",
     .doc = "every link's new loss"},
    {"latency_ms", SCN__MS, SCN__AT(scn_event, latency_us), .in = SCN__BIT(SCN_LINKS),
     SCN__SET(scn_event, set_latency), .def_doc = "unchanged",
     .doc = "every link's new fixed latency"},
};
const scn__schema scn__event_schema = SCN__VARIANT_SCHEMA(scn_event_fields, scn_action_choices);

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

cs_err scn__read_events(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                        void *base) {
    scenario *s = c->s;
    char ep[JPATH_MAX];
    if (!cJSON_IsArray(arr)) return scn__fail(c, jp, "expected an array of events");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    s->events = xcalloc(n, sizeof *s->events);
    s->n_events = n;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        scn_event *ev = &s->events[i];
        int v = -1;
        cs_err e;
        jpath_idx(ep, jp, i);
        scn__defaults(f->sub, ev);
        if (!cJSON_IsObject(it)) return scn__fail(c, ep, "expected an object");
        if ((e = scn__read_variant(c, it, ep, f->sub, ev, &v))) return e;
        if ((e = scn__check_keys(c, it, ep, f->sub, v))) return e;
        if ((e = scn__read_fields(c, it, ep, f->sub, v, ev))) return e;
    }
    scn_sort_events(s);
    return CS_OK;
}

/* ---- expectations ----------------------------------------------------- */

static scn_expect *scn_new_expect(scn__ctx *c, scn_expect_kind kind) {
    scenario *s = c->s;
    s->expects = xgrow(s->expects, &c->expects_cap, s->n_expects + 1, sizeof *s->expects);
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

/* Which of "equals", "min" and "max" a rule gives; metric rules have no
 * "equals" (a number says it). */
static cs_err scn_rule_bounds(scn__ctx *c, const cJSON *obj, const char *jp, bool allow_equals) {
    bool eq = allow_equals && cJSON_GetObjectItemCaseSensitive(obj, "equals");
    bool lo = cJSON_GetObjectItemCaseSensitive(obj, "min") != NULL;
    bool hi = cJSON_GetObjectItemCaseSensitive(obj, "max") != NULL;
    if (eq && (lo || hi)) return scn__fail(c, jp, "give either equals or min/max");
    if (!eq && !lo && !hi)
        return scn__fail(c, jp, allow_equals ? "needs equals, min or max" : "needs min or max");
    return CS_OK;
}

static cs_err scn_rule_rule_bounds(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    return scn_rule_bounds(c, obj, jp, true);
}

/* A metric rule may give within_ci instead of bounds (or both). */
static cs_err scn_rule_metric_bounds(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(obj, "within_ci");
    if (ci && !cJSON_IsFalse(ci)) return CS_OK; /* true, or not a boolean: its reader says so */
    return scn_rule_bounds(c, obj, jp, false);
}

/* "equals" is both bounds; otherwise min may not exceed max. */
static cs_err scn_rule_bounds_order(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    scn_expect *x = base;
    if (cJSON_GetObjectItemCaseSensitive(obj, "equals")) {
        x->max = x->min;
        x->has_max = true;
    } else if (x->has_min && x->has_max && x->min > x->max) {
        return scn__fail(c, jp, "min is greater than max");
    }
    return CS_OK;
}

static cs_err scn_rule_source(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    char kp[JPATH_MAX];
    if (!cJSON_GetObjectItemCaseSensitive(obj, "source") || ((scn_expect *)base)->has_reference)
        return CS_OK;
    jpath_key(kp, jp, "source");
    return scn__fail(c, kp, "a source needs a \"reference\" value");
}

static cs_err scn_rule_within_ci(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    char kp[JPATH_MAX];
    if (!((scn_expect *)base)->within_ci || ((scn_expect *)base)->has_reference) return CS_OK;
    jpath_key(kp, jp, "within_ci");
    return scn__fail(c, kp, "within_ci needs a \"reference\" value");
}

static cs_err scn_rule_family_wise(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    char kp[JPATH_MAX];
    if (!((scn_expect *)base)->family_wise || ((scn_expect *)base)->within_ci) return CS_OK;
    jpath_key(kp, jp, "family_wise");
    return scn__fail(c, kp, "family_wise needs \"within_ci\": true");
}

/* The bounds of a balance or height rule, and of a metric's (without equals). */
#define SCN_BOUND_MIN_MAX                                                                  \
    {"min", SCN__REAL, SCN__AT(scn_expect, min), SCN__SET(scn_expect, has_min),            \
     .doc = "lowest value that passes"},                                                   \
    {"max", SCN__REAL, SCN__AT(scn_expect, max), SCN__SET(scn_expect, has_max),            \
     .doc = "highest value that passes"},                                                  \
    {NULL, SCN__RULE, .rule = scn_rule_bounds_order, .doc = "min is at most max"}
#define SCN_BOUND_FIELDS                                                                   \
    {NULL, SCN__RULE, .rule = scn_rule_rule_bounds, .doc = "equals, or min and/or max"},   \
    {"equals", SCN__REAL, SCN__AT(scn_expect, min), SCN__SET(scn_expect, has_min),         \
     .doc = "the exact value"},                                                            \
    SCN_BOUND_MIN_MAX

static const scn__field scn_metric_rule_fields[] = {
    {NULL, SCN__RULE, .rule = scn_rule_metric_bounds, .doc = "min and/or max"},
    SCN_BOUND_MIN_MAX,
    {"reference", SCN__REAL, SCN__AT(scn_expect, reference), SCN__SET(scn_expect, has_reference),
     .doc = "a published or theoretical figure, printed next to the measured one"},
    {NULL, SCN__RULE, .rule = scn_rule_source, .doc = "a source needs a reference"},
    {"source", SCN__STRING, SCN__AT(scn_expect, source), .flags = SCN__NONEMPTY,
     .doc = "where the reference comes from"},
    {"within_ci", SCN__BOOL, SCN__AT(scn_expect, within_ci),
     .doc = "replicated runs: the reference must lie inside the mean's 95% interval"},
    {NULL, SCN__RULE, .rule = scn_rule_within_ci, .doc = "within_ci needs a reference"},
    {"family_wise", SCN__BOOL, SCN__AT(scn_expect, family_wise),
     .doc = "with within_ci in a sweep of m points: Bonferroni's interval (level 1 - 0.05 / m), "
            "so that all m hold together with 95%"},
    {NULL, SCN__RULE, .rule = scn_rule_family_wise, .doc = "family_wise needs within_ci"},
};
static const scn__schema scn_metric_rule_schema = SCN__SCHEMA(scn_metric_rule_fields);

static const scn__field scn_balance_rule_fields[] = {
    {"node", SCN__NODE, SCN__AT(scn_expect, node), .flags = SCN__REQUIRED,
     .doc = "the node whose tip is looked at"},
    {"account", SCN__ACCOUNT, SCN__AT(scn_expect, account), .flags = SCN__REQUIRED,
     .doc = "the account"},
    SCN_BOUND_FIELDS,
};
static const scn__schema scn_balance_rule_schema = SCN__SCHEMA(scn_balance_rule_fields);

static const scn__field scn_height_rule_fields[] = {
    {"node", SCN__NODE, SCN__AT(scn_expect, node), .def = -1, .def_doc = "every node",
     .doc = "the node whose tip height (genesis = 1) is looked at"},
    SCN_BOUND_FIELDS,
};
static const scn__schema scn_height_rule_schema = SCN__SCHEMA(scn_height_rule_fields);

static cs_err scn_read_converged(scn__ctx *c, const scn__field *f, const cJSON *it,
                                 const char *jp, void *base) {
    bool v = false;
    cs_err e = scn__get_bool(c, it, jp, &v);
    if (e) return e;
    scn_expect *x = scn_new_expect(c, EXPECT_CONVERGED);
    x->bool_value = v;
    x->label = xstrdup(v ? "converged" : "not converged");
    return CS_OK;
}

static cs_err scn_read_metric_rule(scn__ctx *c, const scn__field *f, const cJSON *it,
                                   const char *jp, void *base) {
    cs_err e;
    if (!metric_name_known(it->string)) return scn__fail(c, jp, "unknown metric");
    scn_expect *x = scn_new_expect(c, EXPECT_METRIC);
    x->metric = xstrdup(it->string);
    if (cJSON_IsNumber(it)) {
        if (!isfinite(it->valuedouble)) return scn__fail(c, jp, "expected a number");
        x->min = x->max = it->valuedouble;
        x->has_min = x->has_max = true;
    } else {
        if (!cJSON_IsObject(it)) return scn__fail(c, jp, "expected a number or {\"min\", \"max\"}");
        if ((e = scn__read_object(c, it, jp, f->sub, x))) return e;
    }
    if (x->within_ci) { /* "m in [a, b], 95% interval holds 8.7" or only the latter */
        char buf[512], *bounds = x->has_min || x->has_max ? scn_bound_label(x->metric, x) : NULL;
        snprintf(buf, sizeof buf, "%s%s%s95%% interval of %s holds %.15g", bounds ? bounds : "",
                 bounds ? ", " : "", x->family_wise ? "family-wise " : "", x->metric,
                 x->reference);
        free(bounds);
        x->label = xstrdup(buf);
    } else {
        x->label = scn_bound_label(x->metric, x);
    }
    return CS_OK;
}

/* An array of balance or height rules (f->sub), each labelled. */
static cs_err scn_read_rules(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                             scn_expect_kind kind, const char *what) {
    char ep[JPATH_MAX];
    if (!cJSON_IsArray(arr)) return scn__fail(c, jp, "expected an array of %s rules", what);
    size_t i = 0;
    for (const cJSON *obj = arr->child; obj; obj = obj->next, i++) {
        cs_err e;
        jpath_idx(ep, jp, i);
        if ((e = scn__check_keys(c, obj, ep, f->sub, -1))) return e;
        scn_expect *x = scn_new_expect(c, kind);
        scn__defaults(f->sub, x);
        if ((e = scn__read_fields(c, obj, ep, f->sub, -1, x))) return e;
        char subject[256];
        const char *node = x->node >= 0 ? c->s->nodes[x->node].name : NULL;
        if (kind == EXPECT_BALANCE)
            snprintf(subject, sizeof subject, "balance of %s at %s", x->account, node);
        else if (node)
            snprintf(subject, sizeof subject, "height of %s", node);
        else
            snprintf(subject, sizeof subject, "height of every node");
        x->label = scn_bound_label(subject, x);
    }
    return CS_OK;
}

static cs_err scn_read_balance_rules(scn__ctx *c, const scn__field *f, const cJSON *arr,
                                     const char *jp, void *base) {
    return scn_read_rules(c, f, arr, jp, EXPECT_BALANCE, "balance");
}

static cs_err scn_read_height_rules(scn__ctx *c, const scn__field *f, const cJSON *arr,
                                    const char *jp, void *base) {
    return scn_read_rules(c, f, arr, jp, EXPECT_HEIGHT, "height");
}

static const scn__field scn_expect_fields[] = {
    {"converged", SCN__BOOL, .read = scn_read_converged,
     .doc = "true: all live nodes end on one tip; false: they do not"},
    {"balances", SCN__CUSTOM, .flags = SCN__ARRAY, .read = scn_read_balance_rules,
     .sub = &scn_balance_rule_schema, .value_doc = "array of balance rules",
     .doc = "an account's balance as a node sees it at its tip"},
    {"node_height", SCN__CUSTOM, .flags = SCN__ARRAY, .read = scn_read_height_rules,
     .sub = &scn_height_rule_schema, .value_doc = "array of height rules",
     .doc = "a node's tip height"},
    {"<metric>", SCN__CUSTOM, .flags = SCN__PATTERN, .read = scn_read_metric_rule,
     .sub = &scn_metric_rule_schema, .value_doc = "number (exactly) or {\"min\", \"max\", ...}",
     .doc = "any metric of the report (scenario/metric_names.h) within bounds"},
};
const scn__schema scn__expect_schema = SCN__SCHEMA(scn_expect_fields);

/* Every key is a rule: a fixed name, or else a metric's. */
cs_err scn__read_expect(scn__ctx *c, const scn__field *f, const cJSON *obj, const char *jp,
                        void *base) {
    const scn__schema *sc = f->sub;
    char kp[JPATH_MAX];
    cs_err e;
    if (!cJSON_IsObject(obj)) return scn__fail(c, jp, "expected an object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        jpath_key(kp, jp, it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0) return scn__fail(c, kp, "duplicate field");
        const scn__field *rule = NULL;
        for (size_t i = 0; i < sc->n_fields && !rule; i++)
            if ((sc->fields[i].flags & SCN__PATTERN) || strcmp(sc->fields[i].key, it->string) == 0)
                rule = &sc->fields[i];
        if ((e = scn__read_value(c, rule, it, kp, base))) return e;
    }
    return CS_OK;
}

/* ---- attackers -------------------------------------------------------- */

static const scn__choice scn_strategy_choices[] = {
    {"selfish", NODE_SELFISH},         {"double_spend", NODE_DOUBLE_SPEND},
    {"invalid_blocks", NODE_INVALID_BLOCKS}, {"fake_chain", NODE_FAKE_CHAIN},
    {"eclipse", NODE_ECLIPSE},         {"observer", NODE_OBSERVER},
    {NULL, 0}};

static const scn__choice scn_release_choices[] = {{"longer", 0}, {"tie", 1}, {NULL, 0}};

static cs_err scn_attack_claim(scn__ctx *c, int node, const char *jp) {
    for (size_t j = 0; j < c->s->n_attackers; j++)
        if (c->s->attackers[j].node == node)
            return scn__fail(c, jp, "node \"%s\" is already an attacker", c->s->nodes[node].name);
    return CS_OK;
}

static void scn_add_attacker(scn__ctx *c, const scn_attacker *a) {
    scenario *s = c->s;
    s->attackers = xgrow(s->attackers, &c->attackers_cap, s->n_attackers + 1, sizeof *s->attackers);
    s->attackers[s->n_attackers++] = *a;
}

/* The rules of a strategy about the rest of the file, at its "strategy". */
static cs_err scn_rule_strategy(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scenario *s = c->s;
    node_strategy st = ((const scn_attacker *)base)->strategy;
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "strategy");
    bool mines = st == NODE_SELFISH || st == NODE_DOUBLE_SPEND || st == NODE_INVALID_BLOCKS;
    if (mines && s->mining != NODE_MINING_AUTO)
        return scn__fail(c, kp, "\"%s\" mines: it needs \"mining\": \"auto\"",
                         scn_strategy_choices[st - 1].name);
    if (st == NODE_DOUBLE_SPEND && (s->genesis_classic || s->params.ledger == LEDGER_OPEN))
        return scn__fail(c, kp, "\"double_spend\" needs balances (not the open ledger)");
    if (st == NODE_FAKE_CHAIN && s->params.difficulty == 0)
        return scn__fail(c, kp, "\"fake_chain\" fakes proof of work: it needs a difficulty > 0");
    return CS_OK;
}

static cs_err scn_rule_claim(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "node");
    return scn_attack_claim(c, ((const scn_attacker *)base)->node, kp);
}

/* eclipse: each node becomes an attacker around the victim (base, the
 * element's template). */
static cs_err scn_read_eclipse_nodes(scn__ctx *c, const scn__field *f, const cJSON *nodes,
                                     const char *jp, void *base) {
    const scn_attacker *tmpl = base;
    char kp[JPATH_MAX];
    cs_err e;
    int n = cJSON_IsArray(nodes) ? cJSON_GetArraySize(nodes) : 0;
    if (n < 1) return scn__fail(c, jp, "expected a non-empty array of nodes");
    size_t i = 0;
    for (const cJSON *x = nodes->child; x; x = x->next, i++) {
        scn_attacker a = *tmpl;
        jpath_idx(kp, jp, i);
        if ((e = scn__get_node(c, x, kp, &a.node))) return e;
        if (a.node == a.victim) return scn__fail(c, kp, "the victim cannot eclipse itself");
        if ((e = scn_attack_claim(c, a.node, kp))) return e;
        scn_add_attacker(c, &a);
    }
    return CS_OK;
}

#define SCN_MINERS (SCN__BIT(NODE_SELFISH) | SCN__BIT(NODE_DOUBLE_SPEND) | SCN__BIT(NODE_INVALID_BLOCKS))
#define SCN_ONE_NODE (SCN_MINERS | SCN__BIT(NODE_FAKE_CHAIN) | SCN__BIT(NODE_OBSERVER))
#define SCN_DS_ONLY .in = SCN__BIT(NODE_DOUBLE_SPEND)

static const scn__field scn_attacker_fields[] = {
    {"strategy", SCN__CHOICE, SCN__AT(scn_attacker, strategy),
     .flags = SCN__VARIANT | SCN__REQUIRED, .choices = scn_strategy_choices,
     .doc = "what the node does (node/node.h describes each strategy)"},
    {NULL, SCN__RULE, .rule = scn_rule_strategy,
     .doc = "miners need auto mining; double_spend needs balances; fake_chain a difficulty"},
    {"node", SCN__NODE, SCN__AT(scn_attacker, node), .def = -1, .in = SCN_ONE_NODE,
     .req = SCN_ONE_NODE, .doc = "the attacker"},
    {NULL, SCN__RULE, .rule = scn_rule_claim, .in = SCN_ONE_NODE,
     .doc = "a node has at most one strategy"},
    {"victim", SCN__NODE, SCN__AT(scn_attacker, victim), .def = -1, .in = SCN__BIT(NODE_ECLIPSE),
     .req = SCN__BIT(NODE_ECLIPSE), .doc = "the honest node the others surround"},
    {"nodes", SCN__CUSTOM, .read = scn_read_eclipse_nodes, .in = SCN__BIT(NODE_ECLIPSE),
     .req = SCN__BIT(NODE_ECLIPSE), .value_doc = "non-empty array of nodes",
     .doc = "the attackers, each cutting the victim off"},
    {"gamma", SCN__NUMBER, SCN__AT(scn_attacker, gamma), .flags = SCN__SHOW_HI, .lo = 0, .hi = 1,
     .in = SCN__BIT(NODE_SELFISH), .doc = "share of honest nodes that mine on the attacker's block in a tie"},
    {"race_delay_s", SCN__SECONDS, SCN__AT(scn_attacker, race_delay_us), .flags = SCN__LO_OPEN,
     .def = 30, .in = SCN__BIT(NODE_SELFISH), .doc = "how late the honest block reaches the rest when not gamma"},
    {"at_s", SCN__SECONDS, SCN__AT(scn_attacker, at_us),
     .in = SCN__BIT(NODE_DOUBLE_SPEND) | SCN__BIT(NODE_FAKE_CHAIN), .doc = "when the attack starts"},
    {"confirmations", SCN__INT, SCN__AT(scn_attacker, confirmations), .lo = 1, .hi = 1000,
     .def = 6, SCN_DS_ONLY, .doc = "blocks the merchant waits for before delivering"},
    {"give_up", SCN__INT, SCN__AT(scn_attacker, give_up), .lo = 1, .hi = 1000, .def = 10,
     SCN_DS_ONLY, .doc = "blocks behind at which the attacker gives up (the lead deficit at which Rosenfeld 2014's attacker stops)"},
    {"release", SCN__CHOICE, SCN__AT(scn_attacker, release_tie), .choices = scn_release_choices,
     SCN_DS_ONLY, .def_doc = "\"longer\"",
     .doc = "when the branch goes public once the payment has its confirmations: \"longer\" (it replaces the honest chain) or \"tie\" (as long: Nakamoto 2008 sec. 11 counts catching up as success; with \"tie\" a round succeeds then)"},
    {"premine", SCN__BOOL, SCN__AT(scn_attacker, premine), SCN_DS_ONLY,
     .doc = "pay only once a private block is ready, mining it again on each new honest tip (Rosenfeld 2014: with \"longer\" his exact model)"},
    {"rounds", SCN__INT, SCN__AT(scn_attacker, rounds), .lo = 1, .hi = 10000000, .def = 1,
     SCN_DS_ONLY, .doc = "attacks in one run, one after another: each round pays anew, so one run gives many samples"},
    {"settle", SCN__INT, SCN__AT(scn_attacker, settle), .lo = 0, .hi = 1000, .def = 6,
     SCN_DS_ONLY, .doc = "blocks the chain grows after a round ends before the next begins (the attacker mines honestly meanwhile)"},
    {"peers", SCN__INT, SCN__AT(scn_attacker, peers), .lo = 0, .hi = 1000000,
     .in = SCN__BIT(NODE_OBSERVER),
     .doc = "links to this many more nodes, drawn at random (Decker & Wattenhofer 2013's monitor was connected to a large share of the network)"},
    {"relay", SCN__BOOL, SCN__AT(scn_attacker, relay), .def = true, .in = SCN__BIT(NODE_OBSERVER),
     .doc = "false: the observer shows no block to anyone (no inv, no block, no answer), so it does not speed up what it measures"},
    {"length", SCN__INT, SCN__AT(scn_attacker, fake_length), .lo = 1, .hi = 100000, .def = 50,
     .in = SCN__BIT(NODE_FAKE_CHAIN), .doc = "blocks of the fake chain"},
    {"merchant", SCN__ACCOUNT, SCN__AT(scn_attacker, merchant), SCN_DS_ONLY,
     .req = SCN__BIT(NODE_DOUBLE_SPEND), .doc = "the account paid, then robbed"},
    {"amount", SCN__INT, SCN__AT(scn_attacker, amount), .lo = 1, .hi = TX_AMOUNT_MAX, SCN_DS_ONLY,
     .req = SCN__BIT(NODE_DOUBLE_SPEND), .doc = "what the merchant is paid"},
};
const scn__schema scn__attacker_schema =
    SCN__VARIANT_SCHEMA(scn_attacker_fields, scn_strategy_choices);

static cs_err scn_read_attacker(scn__ctx *c, const scn__schema *sc, const cJSON *obj,
                                const char *jp) {
    scn_attacker a = {0};
    int v = -1;
    cs_err e;
    scn__defaults(sc, &a);
    if (!cJSON_IsObject(obj)) return scn__fail(c, jp, "expected an object");
    e = scn__read_variant(c, obj, jp, sc, &a, &v);
    if (!e) e = scn__check_keys(c, obj, jp, sc, v);
    if (!e) e = scn__read_fields(c, obj, jp, sc, v, &a);
    if (!e && a.strategy != NODE_ECLIPSE) scn_add_attacker(c, &a); /* eclipse: each of its nodes */
    else free(a.merchant);
    return e;
}

cs_err scn__read_attackers(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                           void *base) {
    char ep[JPATH_MAX];
    if (!cJSON_IsArray(arr)) return scn__fail(c, jp, "expected an array");
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        jpath_idx(ep, jp, i);
        cs_err e = scn_read_attacker(c, f->sub, it, ep);
        if (e) return e;
    }
    /* An eclipse victim is honest: it cannot be an attacker itself. */
    for (size_t a = 0; a < c->s->n_attackers; a++) {
        int v = c->s->attackers[a].victim;
        for (size_t b = 0; v >= 0 && b < c->s->n_attackers; b++)
            if (c->s->attackers[b].node == v)
                return scn__fail(c, jp, "node \"%s\" is both an eclipse victim and an attacker",
                                 c->s->nodes[v].name);
    }
    return CS_OK;
}

/* ---- churn ------------------------------------------------------------ */

static cs_err scn_read_churn_nodes(scn__ctx *c, const scn__field *f, const cJSON *it,
                                   const char *jp, void *base) {
    scenario *s = c->s;
    int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : 0;
    if (n < 1) return scn__fail(c, jp, "expected a non-empty array of nodes");
    s->churn.node_churns = xcalloc((size_t)s->n_nodes, sizeof *s->churn.node_churns);
    size_t i = 0;
    for (const cJSON *x = it->child; x; x = x->next, i++) {
        char ep[JPATH_MAX];
        int node = -1;
        jpath_idx(ep, jp, i);
        cs_err e = scn__get_node(c, x, ep, &node);
        if (e) return e;
        s->churn.node_churns[node] = true;
    }
    return CS_OK;
}

static const scn__field scn_churn_fields[] = {
    {"mean_up_s", SCN__SECONDS, SCN__AT(scenario, churn.mean_up_us),
     .flags = SCN__REQUIRED | SCN__LO_OPEN, .doc = "mean time a node stays up (exponential)"},
    {"mean_down_s", SCN__SECONDS, SCN__AT(scenario, churn.mean_down_us),
     .flags = SCN__REQUIRED | SCN__LO_OPEN, .doc = "mean time a node stays down"},
    {"nodes", SCN__CUSTOM, .read = scn_read_churn_nodes, .value_doc = "non-empty array of nodes",
     .def_doc = "every node", .doc = "the nodes that come and go"},
};
const scn__schema scn__churn_schema = SCN__SCHEMA(scn_churn_fields);
