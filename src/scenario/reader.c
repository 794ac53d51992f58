/* reader.c - scenario files: JSON text in, a checked `scenario` out.
 *
 * The text is parsed by cJSON, then walked once, top to bottom, along the
 * root table below: every value is checked where it is read (fields.c), and
 * the first problem ends the walk with one line that names the file, the
 * JSON location and what is wrong, so a user can fix files one error at a
 * time. This file holds the driver and the top of the format (the header,
 * "chain", how a run mines and ends); network.c has the nodes and how they
 * are connected, timeline.c what happens when and what is expected.
 *
 * Ownership: everything allocated during the walk hangs off the scenario
 * under construction as soon as it is allocated (arrays are zeroed first), so
 * the single failure path is scenario_cleanup() of that scenario and the
 * caller's *out is written only on success.
 *
 * The order of the root table matters where one part refers to another:
 * nodes come first (topology edges, events and expectations name them),
 * links and network before the node regions are checked against the region
 * matrix, and the "needs an end" rule after mining, traffic, duration and
 * stop are known. Events are validated in file order (messages give the
 * file's index) and sorted by time only at the end. */
#include "scenario/scn_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "util/file.h"
#include "util/json_strict.h"
#include "util/mem.h"

/* ---- chain ------------------------------------------------------------ */

static int scn_cmp_genesis(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cs_err scn_read_balances(scn__ctx *c, const scn__field *f, const cJSON *obj,
                                const char *jp, void *base) {
    scenario *s = c->s;
    if (!cJSON_IsObject(obj))
        return scn__fail(c, jp, "expected an object of account names to amounts");
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
        e = scn__check_account(c, it->string, kp);
        if (!e) e = scn__get_int(c, it, kp, 1, TX_AMOUNT_MAX, &pairs[i].amount);
    }
    if (!e) {
        qsort(pairs, n, sizeof *pairs, scn_cmp_genesis);
        s->genesis_names = xcalloc(n, sizeof *s->genesis_names);
        s->genesis_amounts = xcalloc(n, sizeof *s->genesis_amounts);
        for (i = 0; i < n && !e; i++) {
            if (i > 0 && strcmp(pairs[i].name, pairs[i - 1].name) == 0) {
                char kp[JPATH_MAX];
                jpath_key(kp, jp, pairs[i].name);
                e = scn__fail(c, kp, "duplicate field");
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

static const scn__field scn_genesis_fields[] = {
    {"balances", SCN__CUSTOM, .read = scn_read_balances,
     .value_doc = "object of account names to integers 1..10^15",
     .doc = "starting balances (names follow the transaction rules)"},
};
static const scn__schema scn_genesis_schema = SCN__SCHEMA(scn_genesis_fields);

/* "classic" or {"balances": {...}}. */
static cs_err scn_read_genesis(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                               void *base) {
    if (cJSON_IsString(it) && strcmp(it->valuestring, "classic") == 0) {
        c->s->genesis_classic = true;
        return CS_OK;
    }
    if (!cJSON_IsObject(it)) return scn__fail(c, jp, "%s", f->expected);
    return scn__read_object(c, it, jp, f->sub, base);
}

/* The classic nodes know one rule set; a file that asks for another with the
 * classic genesis has a mistake in it. */
static cs_err scn_rule_classic(scn__ctx *c, const cJSON *chain, const char *jp, void *base) {
    scenario *s = base;
    char kp[JPATH_MAX];
    if (!s->genesis_classic) return CS_OK;
    if (cJSON_GetObjectItemCaseSensitive(chain, "ledger") && s->params.ledger != LEDGER_OPEN) {
        jpath_key(kp, jp, "ledger");
        return scn__fail(c, kp, "the classic genesis needs ledger \"open\"");
    }
    if (cJSON_GetObjectItemCaseSensitive(chain, "difficulty") &&
        s->params.difficulty != CHAIN_DEFAULT_DIFFICULTY) {
        jpath_key(kp, jp, "difficulty");
        return scn__fail(c, kp, "the classic genesis needs difficulty %d", CHAIN_DEFAULT_DIFFICULTY);
    }
    s->params.ledger = LEDGER_OPEN;
    return CS_OK;
}

static const scn__choice scn_ledger_choices[] = {
    {"strict", LEDGER_STRICT}, {"open", LEDGER_OPEN}, {NULL, 0}};

static const scn__field scn_retarget_fields[] = {
    {"every", SCN__INT, SCN__AT(scenario, params.retarget_every), .flags = SCN__REQUIRED, .lo = 1,
     .hi = SCN_MAX_HEIGHT,
     .doc = "blocks per window: the block at every height that is a multiple of it gets a new "
            "difficulty (Bitcoin: 2016)"},
    {"clamp", SCN__NUMBER, SCN__AT(scenario, params.retarget_clamp), .lo = 1, .hi = 1e6,
     .def = CHAIN_DEFAULT_RETARGET_CLAMP,
     .doc = "the most one retarget scales the difficulty by, up or down (Bitcoin: 4)"},
};
static const scn__schema scn_retarget_schema = SCN__SCHEMA(scn_retarget_fields);

static cs_err scn_read_sizes(scn__ctx *c, const scn__field *f, const cJSON *arr, const char *jp,
                             void *base) {
    scenario *s = base;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n < 1 || n > SCN_MAX_SIZES)
        return scn__fail(c, jp, "expected an array of 1..%d sizes in bytes", SCN_MAX_SIZES);
    s->block_size.values = xcalloc((size_t)n, sizeof *s->block_size.values);
    for (const cJSON *it = arr->child; it; it = it->next) {
        char ep[JPATH_MAX];
        jpath_idx(ep, jp, s->block_size.n_values);
        cs_err e = scn__get_int(c, it, ep, 1, SCN_MAX_BLOCK_BYTES,
                                &s->block_size.values[s->block_size.n_values]);
        if (e) return e;
        s->block_size.n_values++;
    }
    return CS_OK;
}

static cs_err scn_rule_size_max(scn__ctx *c, const cJSON *obj, const char *jp, void *base) {
    const scenario *s = base;
    char kp[JPATH_MAX];
    jpath_key(kp, jp, "max");
    return s->block_size.hi < s->block_size.lo ? scn__fail(c, kp, "max is less than min") : CS_OK;
}

static const scn__choice scn_size_choices[] = {
    {"fixed", DIST_FIXED}, {"uniform", DIST_UNIFORM}, {"lognormal", DIST_LOGNORMAL},
    {"empirical", DIST_EMPIRICAL}, {NULL, 0}};

static const scn__field scn_size_fields[] = {
    {"type", SCN__CHOICE, SCN__AT(scenario, block_size.kind), .flags = SCN__VARIANT | SCN__REQUIRED,
     .choices = scn_size_choices, .doc = "the distribution each mined block's size is drawn from"},
    {"bytes", SCN__INT, SCN__AT(scenario, block_bytes), .lo = 1, .hi = SCN_MAX_BLOCK_BYTES,
     .in = SCN__BIT(DIST_FIXED), .req = SCN__BIT(DIST_FIXED),
     .doc = "every block's size (the same as block_bytes)"},
    {"min", SCN__INT, SCN__AT(scenario, block_size.lo), .lo = 1, .hi = SCN_MAX_BLOCK_BYTES,
     .in = SCN__BIT(DIST_UNIFORM), .req = SCN__BIT(DIST_UNIFORM), .doc = "smallest size, bytes"},
    {"max", SCN__INT, SCN__AT(scenario, block_size.hi), .lo = 1, .hi = SCN_MAX_BLOCK_BYTES,
     .in = SCN__BIT(DIST_UNIFORM), .req = SCN__BIT(DIST_UNIFORM),
     .doc = "largest size, at least min (every integer between equally likely)"},
    {NULL, SCN__RULE, .rule = scn_rule_size_max, .in = SCN__BIT(DIST_UNIFORM),
     .doc = "max is at least min"},
    {"median", SCN__NUMBER, SCN__AT(scenario, block_size.median), .flags = SCN__LO_OPEN, .lo = 0,
     .hi = SCN_MAX_BLOCK_BYTES, .in = SCN__BIT(DIST_LOGNORMAL), .req = SCN__BIT(DIST_LOGNORMAL),
     .doc = "median size, bytes (exp of the log's mean)"},
    {"sigma", SCN__NUMBER, SCN__AT(scenario, block_size.sigma), .lo = 0, .hi = 10,
     .in = SCN__BIT(DIST_LOGNORMAL), .req = SCN__BIT(DIST_LOGNORMAL),
     .doc = "standard deviation of the log of the size"},
    {"sizes", SCN__CUSTOM, .read = scn_read_sizes, .in = SCN__BIT(DIST_EMPIRICAL),
     .req = SCN__BIT(DIST_EMPIRICAL), .value_doc = "array of integers 1..1000000000",
     .doc = "observed sizes, each drawn as often (repeat a size to weigh it)"},
};
static const scn__schema scn_size_schema = SCN__VARIANT_SCHEMA(scn_size_fields, scn_size_choices);

/* 0 is not offered as a difficulty: in chain_params a zero means "default". */
static const scn__field scn_chain_fields[] = {
    {"difficulty", SCN__INT, SCN__AT(scenario, params.difficulty), .lo = 1, .hi = 64,
     .def = CHAIN_DEFAULT_DIFFICULTY,
     .doc = "leading zero bits a block hash needs (16 = the classic \"0000\")"},
    {"block_interval_s", SCN__SECONDS, SCN__AT(scenario, params.block_interval_us),
     .flags = SCN__LO_OPEN, .def = CHAIN_DEFAULT_INTERVAL_US / 1e6,
     .doc = "mean time between blocks for auto mining"},
    {"reward", SCN__INT, SCN__AT(scenario, params.reward), .lo = 1, .hi = TX_AMOUNT_MAX,
     .def = CHAIN_DEFAULT_REWARD, .doc = "coins paid to the miner of each block"},
    {"ledger", SCN__CHOICE, SCN__AT(scenario, params.ledger), .choices = scn_ledger_choices,
     .def = LEDGER_STRICT,
     .doc = "\"strict\": balances checked, one reward per block; \"open\": the classic rules"},
    {"retarget", SCN__OBJECT, .sub = &scn_retarget_schema, .def_doc = "none",
     .doc = "difficulty adjustment: every N blocks the difficulty is scaled by expected / actual "
            "time of the window (docs/experiments.md); needs auto mining"},
    {"block_bytes", SCN__INT, SCN__AT(scenario, block_bytes), .lo = 0, .hi = SCN_MAX_BLOCK_BYTES,
     .doc = "the size a block is taken to have on the wire; 0 = its real size"},
    {"block_size", SCN__CUSTOM, .read = scn__read_typed_variant, .sub = &scn_size_schema,
     .excludes = "block_bytes", .value_doc = "{\"type\": ..., ...}", .def_doc = "block_bytes",
     .doc = "sizes drawn per mined block (fixed, uniform, lognormal, empirical), each miner "
            "from its own stream"},
    {"genesis", SCN__CUSTOM, .read = scn_read_genesis, .sub = &scn_genesis_schema,
     .expected = "expected \"classic\" or {\"balances\": {...}}",
     .value_doc = "\"classic\" or {\"balances\": {...}}", .def_doc = "no balances",
     .doc = "\"classic\": the classic nodes' genesis (implies ledger \"open\" and difficulty 16)"},
    {NULL, SCN__RULE, .rule = scn_rule_classic,
     .doc = "the classic genesis refuses another ledger or difficulty"},
};
static const scn__schema scn_chain_schema = SCN__SCHEMA(scn_chain_fields);

/* ---- how a run mines and ends ------------------------------------------ */

static const scn__choice scn_mining_choices[] = {
    {"manual", NODE_MINING_MANUAL}, {"auto", NODE_MINING_AUTO}, {"race", NODE_MINING_RACE}, {NULL, 0}};

static const scn__field scn_stop_fields[] = {
    {"height", SCN__INT, SCN__AT(scenario, stop_height), .flags = SCN__REQUIRED, .lo = 2,
     .hi = SCN_MAX_HEIGHT, .doc = "stop once some node's tip reaches this height (genesis = 1)"},
};
static const scn__schema scn_stop_schema = SCN__SCHEMA(scn_stop_fields);

static const scn__field scn_traffic_fields[] = {
    {"tx_per_s", SCN__NUMBER, SCN__AT(scenario, traffic.tx_per_s), .flags = SCN__REQUIRED | SCN__LO_OPEN,
     .lo = 0, .hi = SCN_MAX_RATE,
     .doc = "random transactions per second over the whole network (Poisson)"},
    {"max_amount", SCN__INT, SCN__AT(scenario, traffic.max_amount), .lo = 1, .hi = TX_AMOUNT_MAX,
     .def = 10, .doc = "each amount is drawn from 1..max_amount"},
    {"start_s", SCN__SECONDS, SCN__AT(scenario, traffic.start_us),
     .doc = "the first transaction is sent after this time"},
};
static const scn__schema scn_traffic_schema = SCN__SCHEMA(scn_traffic_fields);

static const scn__field scn_measure_fields[] = {
    {"from_s", SCN__SECONDS, SCN__AT(scenario, measure_from_us),
     .doc = "block metrics count the blocks mined from this time on"},
    {"to_s", SCN__SECONDS, SCN__AT(scenario, measure_to_us), .flags = SCN__LO_OPEN,
     .def_doc = "the end of the run", .doc = "... and before this time"},
};
static const scn__schema scn_measure_schema = SCN__SCHEMA(scn_measure_fields);

static cs_err scn_rule_measure(scn__ctx *c, const cJSON *root, const char *jp, void *base) {
    const scenario *s = base;
    if (s->measure_to_us == 0 || s->measure_to_us > s->measure_from_us) return CS_OK;
    char kp[JPATH_MAX], tp[JPATH_MAX];
    jpath_key(kp, jp, "measure");
    jpath_key(tp, kp, "to_s");
    return scn__fail(c, tp, "expected a time after from_s (%g s)", (double)s->measure_from_us / 1e6);
}

/* Auto mining and traffic never run out of things to do. */
static cs_err scn_rule_needs_end(scn__ctx *c, const cJSON *root, const char *jp, void *base) {
    const scenario *s = base;
    if (s->duration_us != 0 || s->stop_height != 0) return CS_OK;
    if (s->mining == NODE_MINING_AUTO) return scn__fail(c, jp, "auto mining needs duration_s or stop.height");
    if (s->mining == NODE_MINING_RACE) return scn__fail(c, jp, "race mining needs duration_s or stop.height");
    if (s->traffic.tx_per_s > 0) return scn__fail(c, jp, "traffic needs duration_s or stop.height");
    return CS_OK;
}

/* The difficulty sets the rate of the simulated block finder; manual and
 * race mining search real nonces at the fixed difficulty bits. */
static cs_err scn_rule_retarget_auto(scn__ctx *c, const cJSON *root, const char *jp, void *base) {
    const scenario *s = base;
    if (s->params.retarget_every == 0 || s->mining == NODE_MINING_AUTO) return CS_OK;
    char kp[JPATH_MAX], rp[JPATH_MAX];
    jpath_key(kp, jp, "chain");
    jpath_key(rp, kp, "retarget");
    return scn__fail(c, rp, "retargeting needs \"mining\": \"auto\" (the difficulty sets the "
                            "simulated block finder's rate)");
}

/* ---- the root --------------------------------------------------------- */

/* "sweep" is read by sweep/sweep_plan.c, which runs this file once per point. */
static cs_err scn_read_sweep(scn__ctx *c, const scn__field *f, const cJSON *it, const char *jp,
                             void *base) {
    return CS_OK;
}

static const scn__field scn_root_fields[] = {
    {"name", SCN__STRING, SCN__AT(scenario, name), .flags = SCN__REQUIRED | SCN__NONEMPTY,
     .doc = "the scenario's name, shown in the summary and the window"},
    {"description", SCN__STRING, SCN__AT(scenario, description), .doc = "one or two sentences"},
    {"seed", SCN__INT, SCN__AT(scenario, seed), .lo = 0, .hi = SCN_INT_MAX, .def = 1,
     .doc = "every random choice derives from it; --seed overrides it"},
    {"replications", SCN__INT, SCN__AT(scenario, replications), .lo = 1, .hi = 10000, .def = 1,
     .doc = "run N independent replicas (seeds derived from seed) and report each metric's "
            "mean, sd and 95% interval; --replications overrides it"},
    {"nodes", SCN__CUSTOM, .flags = SCN__REQUIRED | SCN__ARRAY, .read = scn__read_nodes,
     .sub = &scn__node_schema,
     .value_doc = "integer 1..1000000 (named node0, node1, ...) or array of node objects",
     .doc = "the nodes; elsewhere a node is given by name or by 0-based index"},
    {"topology", SCN__CHOICE, SCN__AT(scenario, topology), .choices = scn__topology_choices,
     .def = TOPO_MESH, .read = scn__read_topology, .sub = &scn__topology_schema,
     .value_doc = "a topology name or {\"type\": ..., ...}",
     .doc = "who is connected to whom (\"edges\" only in the object form)"},
    {"links", SCN__OBJECT, .sub = &scn__links_schema, .doc = "latency, bandwidth, loss of every link"},
    {"network", SCN__OBJECT, .sub = &scn__network_schema, SCN__SET(scenario, network.on),
     .doc = "a measured network model (a preset and/or its tables); it owns latency and bandwidth"},
    {NULL, SCN__RULE, .rule = scn__check_regions,
     .doc = "a node's region must be a row of the region latency matrix"},
    {"hash_power", SCN__OBJECT, .sub = &scn__hash_power_schema,
     .doc = "hash power beyond each node's own: a distribution or a list, and pools"},
    {"relay", SCN__CHOICE, SCN__AT(scenario, relay.mode), .choices = scn__relay_choices,
     .def = NODE_RELAY_INV, .read = scn__read_relay, .sub = &scn__relay_schema,
     .expected = "expected \"inv\", \"push\", \"compact\" or {\"compact\": {...}}",
     .value_doc = "\"inv\", \"push\", \"compact\" or {\"compact\": {...}}",
     .doc = "how blocks travel between peers: inv/getdata, pushed whole, compact blocks (BIP 152)"},
    {"chain", SCN__OBJECT, .sub = &scn_chain_schema, .doc = "the chain's rules and genesis"},
    {"mining", SCN__CHOICE, SCN__AT(scenario, mining), .choices = scn_mining_choices,
     .def = NODE_MINING_MANUAL,
     .doc = "manual: blocks only when asked; auto: Poisson per node; race: threads grind nonces"},
    {NULL, SCN__RULE, .rule = scn_rule_retarget_auto, .doc = "chain.retarget needs auto mining"},
    {"gossip", SCN__BOOL, SCN__AT(scenario, gossip), .def = true,
     .doc = "new blocks and transactions spread by inv/getdata; false: sync only on resolve"},
    {"speed", SCN__NUMBER, SCN__AT(scenario, speed), .flags = SCN__LO_OPEN, .lo = 0, .hi = 1e6,
     .def_doc = "1", .doc = "threads executor and window: sim seconds per wall second"},
    {"duration_s", SCN__SECONDS, SCN__AT(scenario, duration_us), .flags = SCN__LO_OPEN,
     .def_doc = "none", .doc = "the run stops at this time"},
    {"stop", SCN__OBJECT, .sub = &scn_stop_schema, .doc = "the run stops at a height"},
    {"measure", SCN__OBJECT, .sub = &scn_measure_schema, .def_doc = "the whole run",
     .doc = "a measurement window: every block metric counts only the blocks mined inside it"},
    {NULL, SCN__RULE, .rule = scn_rule_measure, .doc = "measure.to_s comes after measure.from_s"},
    {"traffic", SCN__OBJECT, .sub = &scn_traffic_schema,
     .doc = "steady random transactions from accounts with a balance"},
    {NULL, SCN__RULE, .rule = scn_rule_needs_end,
     .doc = "auto or race mining, and traffic, need duration_s or stop.height"},
    {"events", SCN__CUSTOM, .flags = SCN__ARRAY, .read = scn__read_events,
     .sub = &scn__event_schema, .value_doc = "array of event objects",
     .doc = "what happens when; events at the same time happen in file order"},
    {"attackers", SCN__CUSTOM, .flags = SCN__ARRAY, .read = scn__read_attackers,
     .sub = &scn__attacker_schema, .value_doc = "array of attacker objects",
     .doc = "nodes that break the rules on purpose (at most one strategy per node)"},
    {"churn", SCN__OBJECT, .sub = &scn__churn_schema,
     .doc = "nodes leave and come back, up and down for exponential times"},
    {"expect", SCN__CUSTOM, .flags = SCN__OWN, .read = scn__read_expect,
     .sub = &scn__expect_schema, .value_doc = "object of rules",
     .doc = "rules checked at the end of the run; they decide the exit code"},
    {"sweep", SCN__CUSTOM, .read = scn_read_sweep, SCN__SET(scenario, has_sweep),
     .value_doc = "object", .doc = "run the file once per point of a parameter grid (sweep/sweep.h)"},
};
const scn__schema scn__root_schema = SCN__SCHEMA(scn_root_fields);

/* ---- text, files ------------------------------------------------------- */

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
static cs_err scn_syntax_error(scn__ctx *c, const char *text, size_t len, size_t pos,
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
    scn__ctx c = {.path = path, .msg = msg, .msg_len = msg_len, .s = &s};
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
    c.root = root;
    hmap_init(&c.names);
    scn__defaults(&scn__root_schema, &s);
    cs_err e = scn__read_object(&c, root, "$", &scn__root_schema, &s);
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

cs_err scenario_read_file(const char *path, char **text, size_t *len, char *msg, size_t msg_len) {
    int err = file_read_all(path, SCN_MAX_FILE_BYTES, text, len);
    if (!err) return CS_OK;
    if (msg && msg_len) snprintf(msg, msg_len, "%s: cannot read: %s", path, strerror(err));
    return CS_EIO;
}

cs_err scenario_load(scenario *out, const char *path, char *msg, size_t msg_len) {
    char *text = NULL;
    size_t len = 0;
    cs_err e = scenario_read_file(path, &text, &len, msg, msg_len);
    if (e) return e;
    e = scenario_parse(out, path, text, len, msg, msg_len);
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
    free(s->block_size.values);
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
