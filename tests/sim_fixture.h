/* sim_fixture.h - what test_node, test_sim, test_metrics and test_threads_sim
 * share: scenarios from inline JSON, a recording event sink, whole runs with
 * their metrics, and blocks sealed by hand on a run's store.
 *
 * Scenario text is written with single quotes ('name') so it reads well
 * inside C strings; fx_scenario turns them into double quotes (no scenario
 * here needs a literal single quote).
 *
 * The recorder keeps a copy of every event (block pointers are borrowed from
 * the store, which outlives the recorder; the tx is kept by id only) and a
 * running FNV-1a hash over every field, so two runs can be compared in one
 * number. Setup failures abort: they are bugs of the test, not verdicts.
 *
 * Everything is static inline so a test that uses a part only gets no
 * unused-function warning. */
#ifndef CHAINSIM_TEST_SIM_FIXTURE_H
#define CHAINSIM_TEST_SIM_FIXTURE_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_fixture.h"
#include "chain/bstore.h"
#include "chain/pow.h"
#include "node/event.h"
#include "node/node.h"
#include "out/metrics.h"
#include "scenario/scenario.h"
#include "sim/sim.h"
#include "util/mem.h"

/* ---- scenarios and sims ---- */

/* Parses `json` (single quotes for double quotes) into *out; aborts with the
 * parser's message if the text is refused. */
static inline void fx_scenario(scenario *out, const char *json) {
    char *text = xstrdup(json);
    for (char *p = text; *p; p++)
        if (*p == '\'') *p = '"';
    char err[512];
    if (scenario_parse(out, "inline.json", text, strlen(text), err, sizeof err) != CS_OK) {
        fprintf(stderr, "fixture: scenario refused: %s\n", err);
        abort();
    }
    free(text);
}

/* A sim of the scenario in the given executor; aborts if sim_new refuses. */
static inline sim *fx_sim(const scenario *scn, sim_executor executor) {
    char err[256] = "";
    sim *s = sim_new(&(sim_desc){.scn = scn, .executor = executor, .speed = 50}, err, sizeof err);
    if (!s) {
        fprintf(stderr, "fixture: sim_new: %s\n", err);
        abort();
    }
    return s;
}

/* Node i's snapshot as it last published it (a node publishes after every
 * message and timer it handles), without its ledger (balances NULL). */
static inline node_snapshot fx_snap(sim *s, int i) {
    node_snapshot snap;
    node_snapshot_get(sim_node(s, i), &snap);
    node_snapshot_release(&snap);
    return snap;
}

/* Node i's last published tip (borrowed from the store). */
static inline const block *fx_tip(sim *s, int i) { return fx_snap(s, i).tip; }

static inline int64_t fx_height(sim *s, int i) { return fx_tip(s, i)->index; }

/* Index of the node by name; aborts if unknown. */
static inline int fx_node(const scenario *scn, const char *name) {
    int i = scenario_node_index(scn, name);
    if (i < 0) abort();
    return i;
}

/* ---- the recording sink ---- */

/* "any node" for the counters below, and "any time" for their ranges. */
#define FX_ANY_NODE (-2)
#define FX_ALWAYS INT64_MIN, INT64_MAX

typedef struct fx_event {
    sim_event ev;                /* ev.tx is cleared: see tx_id */
    char tx_id[TX_ID_MAX + 1];   /* "" if the event had no tx */
} fx_event;

typedef struct fx_recorder {
    fx_event *evs;
    size_t n, cap;
    uint64_t hash;               /* FNV-1a over every event's fields */
} fx_recorder;

static inline void fx_recorder_init(fx_recorder *r) {
    memset(r, 0, sizeof *r);
    r->hash = 14695981039346656037ull;
}

static inline void fx_recorder_cleanup(fx_recorder *r) {
    free(r->evs);
    memset(r, 0, sizeof *r);
}

static inline void fx__mix(fx_recorder *r, const void *p, size_t len) {
    const unsigned char *c = p;
    for (size_t i = 0; i < len; i++) {
        r->hash ^= c[i];
        r->hash *= 1099511628211ull;
    }
}

static inline void fx__mix_i64(fx_recorder *r, int64_t v) { fx__mix(r, &v, sizeof v); }

static inline void fx_record(void *user, const sim_event *ev) {
    fx_recorder *r = user;
    r->evs = xgrow(r->evs, &r->cap, r->n + 1, sizeof *r->evs);
    fx_event *e = &r->evs[r->n++];
    e->ev = *ev;
    e->ev.tx = NULL;
    e->tx_id[0] = '\0';
    if (ev->tx) snprintf(e->tx_id, sizeof e->tx_id, "%s", ev->tx->id);

    static const uint8_t none[SHA256_LEN];
    fx__mix_i64(r, ev->kind);
    fx__mix_i64(r, ev->t_us);
    fx__mix_i64(r, ev->node);
    fx__mix_i64(r, ev->peer);
    fx__mix(r, ev->block ? ev->block->hash : none, SHA256_LEN);
    fx__mix(r, ev->old_tip ? ev->old_tip->hash : none, SHA256_LEN);
    fx__mix(r, e->tx_id, strlen(e->tx_id) + 1);
    fx__mix_i64(r, ev->reorg_depth);
    fx__mix_i64(r, ev->msg);
    fx__mix_i64(r, ev->bytes);
    fx__mix_i64(r, ev->fate);
    fx__mix_i64(r, ev->reason);
    fx__mix(r, &ev->value, sizeof ev->value);
}

/* Events of this kind (at node `at`, or any node if at == -2) with
 * t_us in [from_us, to_us]. */
static inline size_t fx_count_in(const fx_recorder *r, ev_kind kind, int at, int64_t from_us,
                                 int64_t to_us) {
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++) {
        const sim_event *e = &r->evs[i].ev;
        if (e->kind == kind && (at == -2 || e->node == at) && e->t_us >= from_us &&
            e->t_us <= to_us)
            c++;
    }
    return c;
}

static inline size_t fx_count(const fx_recorder *r, ev_kind kind, int at) {
    return fx_count_in(r, kind, at, FX_ALWAYS);
}

/* Messages of kind `mk` sent from `from` to `to` (-2 = anyone). */
static inline size_t fx_count_sent(const fx_recorder *r, msg_kind mk, int from, int to) {
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++) {
        const sim_event *e = &r->evs[i].ev;
        if (e->kind == EV_MSG_SENT && e->msg == mk && (from == -2 || e->node == from) &&
            (to == -2 || e->peer == to))
            c++;
    }
    return c;
}

/* Dropped messages with this fate (to any node). */
static inline size_t fx_count_dropped(const fx_recorder *r, wire_fate fate, int64_t from_us,
                                      int64_t to_us) {
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++) {
        const sim_event *e = &r->evs[i].ev;
        if (e->kind == EV_MSG_DROPPED && e->fate == fate && e->t_us >= from_us && e->t_us <= to_us)
            c++;
    }
    return c;
}

/* The last event of this kind at node `at` (-2: any), or NULL. */
static inline const fx_event *fx_last(const fx_recorder *r, ev_kind kind, int at) {
    for (size_t i = r->n; i-- > 0;)
        if (r->evs[i].ev.kind == kind && (at == -2 || r->evs[i].ev.node == at))
            return &r->evs[i];
    return NULL;
}

/* ---- whole runs ---- */

/* A scenario run to its end in the virtual executor, with its metrics
 * finished, its events recorded if asked, and a fresh directory for its
 * files if asked (fx_run_tmpdir; the test removes what it wrote). */
typedef struct fx_run {
    scenario scn;
    sim *s;
    metrics *m;
    fx_recorder rec;     /* empty unless fx_run_start was asked to record */
    char dir[64];
} fx_run;

static inline void fx_run_start(fx_run *r, const char *json, bool record) {
    memset(r, 0, sizeof *r);
    fx_scenario(&r->scn, json);
    r->s = fx_sim(&r->scn, SIM_VIRTUAL);
    fx_recorder_init(&r->rec);
    if (record) sim_add_sink(r->s, fx_record, &r->rec);
    r->m = metrics_attach(r->s);
    if (sim_run(r->s) != CS_OK) abort();
    metrics_finish(r->m, sim_end_us(r->s));
}

/* Makes r->dir, /tmp/PREFIX.XXXXXX. */
static inline void fx_run_tmpdir(fx_run *r, const char *prefix) {
    snprintf(r->dir, sizeof r->dir, "/tmp/%.40s.XXXXXX", prefix);
    if (!mkdtemp(r->dir)) abort();
}

static inline void fx_run_end(fx_run *r) {
    metrics_free(r->m);
    fx_recorder_cleanup(&r->rec);
    sim_free(r->s);
    scenario_cleanup(&r->scn);
}

/* ---- blocks made by hand ---- */

/* A transaction that must be valid in form; aborts otherwise. */
static inline tx *fx_tx(const char *from, const char *to, int64_t amount, const char *id) {
    return cf_tx(from, to, amount, id);
}

/* Seals a block on `parent` at `difficulty` (a real nonce search) with the
 * store's reward to `miner` followed by `extra` (borrowed), and interns it.
 * Every call makes a fresh reward id, so two hand-made blocks on the same
 * parent by the same miner differ. */
static inline block *fx_seal(bstore *s, const block *parent, const char *miner, int difficulty,
                             tx *const *extra, size_t n_extra) {
    return bstore_intern(s, cf_seal(parent->index + 1, parent->hash_hex, difficulty,
                                    bstore_params(s)->reward, miner, extra, n_extra));
}

/* Hands `node` a message "from" peer `from` carrying one block (kind BLOCK)
 * or a list of blocks (CHAIN, BLOCKS). The node handles it at once. */
static inline void fx_deliver_block(sim *s, int node_id, int from, block *b) {
    msg *m = msg_new(MSG_BLOCK);
    m->from = from;
    m->to = node_id;
    m->block = b;
    node_handle(sim_node(s, node_id), m);
}

static inline void fx_deliver_list(sim *s, int node_id, int from, msg_kind kind,
                                   block *const *blocks, size_t n) {
    msg *m = msg_new(kind);
    m->from = from;
    m->to = node_id;
    m->blocks = xmalloc((n ? n : 1) * sizeof *m->blocks);
    memcpy(m->blocks, blocks, n * sizeof *blocks);
    m->n_blocks = n;
    node_handle(sim_node(s, node_id), m);
}

#endif
