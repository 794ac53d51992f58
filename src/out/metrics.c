#include "out/metrics_int.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node/node.h"
#include "out/dspend.h"
#include "scenario/metric_names.h"
#include "util/mem.h"

#define METRICS_MAX_SERIES 1000000

typedef struct tx_submit {
    int64_t t_us;
    char id[];
} tx_submit;

metrics *metrics_new(int n_nodes, const block *genesis) {
    metrics *m = xcalloc(1, sizeof *m);
    m->n_nodes = n_nodes;
    m->genesis = genesis;
    hmap_init(&m->by_hash);
    hmap_init(&m->tip_count);
    hmap_init(&m->tip_block);
    hmap_init(&m->tx_submitted);
    hmap_init(&m->obs_by_key);
    m->tip = xmalloc((size_t)n_nodes * sizeof *m->tip);
    m->down = xcalloc((size_t)n_nodes, sizeof *m->down);
    m->attacker = xcalloc((size_t)n_nodes, sizeof *m->attacker);
    for (int i = 0; i < n_nodes; i++) m->tip[i] = genesis;
    hmap_put(&m->tip_count, genesis->hash, SHA256_LEN, (void *)(intptr_t)n_nodes);
    hmap_put(&m->tip_block, genesis->hash, SHA256_LEN, (void *)genesis);
    m->distinct = 1;
    forks_history_init(&m->fork_hist);
    m->convergence_time_s = -1;
    return m;
}

void metrics_set_block_interval(metrics *m, int64_t us) { m->block_interval_us = us; }

void metrics_set_window(metrics *m, int64_t from_us, int64_t to_us) {
    m->measure_from_us = from_us;
    m->measure_to_us = to_us;
}

bool metrics_windowed(const metrics *m) { return m->measure_from_us > 0 || m->measure_to_us > 0; }

metrics *metrics_attach(sim *s) {
    const scenario *scn = sim_scenario(s);
    metrics *m = metrics_new(sim_node_count(s), bstore_genesis(sim_store(s)));
    metrics_set_window(m, scn->measure_from_us, scn->measure_to_us);
    if (scn->mining == NODE_MINING_AUTO) metrics_set_block_interval(m, scn->params.block_interval_us);
    metrics_set_retarget(m, scn->params.retarget_every);
    sim_add_sink_filtered(s, metrics_sink, m, METRICS_EVENTS);
    m->sim = s;
    return m;
}

void metrics_free(metrics *m) {
    if (!m) return;
    size_t pos = 0;
    const hmap_slot *slot;
    while (hmap_next(&m->tx_submitted, &pos, &slot)) free(slot->val);
    hmap_cleanup(&m->tx_submitted);
    hmap_cleanup(&m->by_hash);
    hmap_cleanup(&m->tip_count);
    hmap_cleanup(&m->tip_block);
    free(m->forks_scratch);
    free(m->blocks);
    free(m->tip);
    free(m->down);
    free(m->attacker);
    free(m->tips_series);
    free(m->retarget.window_interval_s);
    free(m->retarget.window_difficulty);
    free(m->ds_rounds);
    for (size_t i = 0; i < m->n_obs; i++) free(m->obs[i]);
    free(m->obs);
    hmap_cleanup(&m->obs_by_key);
    free(m->obs_delays);
    free(m);
}

static block_stat *metrics__stat(metrics *m, const block *b) {
    intptr_t i = (intptr_t)hmap_get(&m->by_hash, b->hash, SHA256_LEN);
    return i ? &m->blocks[i - 1] : NULL;
}

/* Live nodes on each tip: +1/-1, keeping the count of distinct tips and
 * when the network last split and last agreed. */
static void metrics__tip_add(metrics *m, const block *b, int delta, int64_t t_us) {
    intptr_t c = (intptr_t)hmap_get(&m->tip_count, b->hash, SHA256_LEN) + delta;
    int before = m->distinct;
    m->forks_dirty = true;
    m->forks_dirty_us = t_us;
    if (c <= 0) {
        if (hmap_del(&m->tip_count, b->hash, SHA256_LEN)) m->distinct--;
        hmap_del(&m->tip_block, b->hash, SHA256_LEN);
    } else {
        if (!hmap_put(&m->tip_count, b->hash, SHA256_LEN, (void *)c)) m->distinct++;
        hmap_put(&m->tip_block, b->hash, SHA256_LEN, (void *)b);
    }
    if (before == m->distinct) return;
    if (before <= 1 && m->distinct > 1) {
        m->last_split_us = t_us;
        m->ever_split = true;
    }
    if (before > 1 && m->distinct <= 1) m->last_agree_us = t_us;
    if (m->n_tips_series < METRICS_MAX_SERIES) {
        m->tips_series = xgrow(m->tips_series, &m->cap_tips_series, m->n_tips_series + 1,
                               sizeof *m->tips_series);
        m->tips_series[m->n_tips_series++] = (tips_point){t_us, m->distinct};
    }
}

static void metrics__mined(metrics *m, const sim_event *ev) {
    if (metrics__stat(m, ev->block)) return;
    m->blocks = xgrow(m->blocks, &m->cap_blocks, m->n_blocks + 1, sizeof *m->blocks);
    m->blocks[m->n_blocks] = (block_stat){.b = ev->block, .mined_us = ev->t_us, .miner = ev->node,
                                          .t50_us = -1, .t90_us = -1, .t100_us = -1};
    m->n_blocks++;
    hmap_put(&m->by_hash, ev->block->hash, SHA256_LEN, (void *)(intptr_t)m->n_blocks);
    const block *parent = ev->block->parent;
    block_stat *ps = parent ? metrics__stat(m, parent) : NULL;
    if (ps) ps->children++;
    else if (parent == m->genesis) m->genesis_children++;
}

static void metrics__accepted(metrics *m, const sim_event *ev) {
    block_stat *st = metrics__stat(m, ev->block);
    if (!st) return;
    st->reached++;
    int64_t dt = ev->t_us - st->mined_us;
    m->delay_sum_s += (double)dt / 1e6;
    m->delay_samples++;
    st->delay_sum_s += (double)dt / 1e6;
    int64_t n = m->n_nodes - m->n_down; /* shares of the nodes that are up */
    if (st->t50_us < 0 && st->reached * 2 >= n) st->t50_us = dt;
    if (st->t90_us < 0 && st->reached * 10 >= n * 9) st->t90_us = dt;
    if (st->t100_us < 0 && st->reached >= n) st->t100_us = dt;
}

/* Peer ev->peer announced ev->block to observer ev->node for the first
 * time (value2: the observer's peers then). Blocks mined outside the
 * measurement window, or never seen mined, are not counted. */
static void metrics__heard(metrics *m, const sim_event *ev) {
    const block_stat *st = metrics__stat(m, ev->block);
    if (!st || !metrics_measured(m, st)) return;
    uint8_t key[sizeof(int32_t) + SHA256_LEN];
    int32_t who = ev->node;
    memcpy(key, &who, sizeof who);
    memcpy(key + sizeof who, ev->block->hash, SHA256_LEN);
    obs_stat *o = hmap_get(&m->obs_by_key, key, sizeof key);
    if (!o) {
        o = xmalloc(sizeof *o);
        *o = (obs_stat){.b = ev->block, .observer = ev->node, .mined_us = st->mined_us,
                        .first_us = ev->t_us, .t50_us = -1, .t90_us = -1};
        memcpy(o->key, key, sizeof key);
        hmap_put(&m->obs_by_key, o->key, sizeof o->key, o);
        m->obs = xgrow(m->obs, &m->cap_obs, m->n_obs + 1, sizeof *m->obs);
        m->obs[m->n_obs++] = o;
    }
    o->heard++;
    int64_t dt = ev->t_us - o->first_us, peers = (int64_t)ev->value2;
    if (o->t50_us < 0 && o->heard * 2 >= peers) o->t50_us = dt;
    if (o->t90_us < 0 && o->heard * 10 >= peers * 9) o->t90_us = dt;
    if (o->heard < 2) return; /* the first is what the others are timed from */
    m->obs_delays = xgrow(m->obs_delays, &m->cap_obs_delays, m->n_obs_delays + 1,
                          sizeof *m->obs_delays);
    m->obs_delays[m->n_obs_delays++] = (double)dt / 1e6;
    m->obs_delay_sum_us += dt;
}

static void metrics__tx_submitted(metrics *m, const sim_event *ev) {
    const char *id = ev->tx->id;
    size_t len = strlen(id);
    if (hmap_get(&m->tx_submitted, id, len)) return;
    tx_submit *r = xmalloc(sizeof *r + len + 1);
    r->t_us = ev->t_us;
    memcpy(r->id, id, len + 1);
    hmap_put(&m->tx_submitted, r->id, len, r);
}

/* A double-spend round starts (value 2) or ends (1 released, 0 gave up);
 * -1, nothing to spend, is no round. */
static void metrics__double_spend(metrics *m, const sim_event *ev) {
    if (ev->value == 2) {
        if (m->ds_z == 0) { /* the first round says the model */
            m->ds_z = (int)ev->value2;
            m->ds_need = ev->lead;
        }
        m->ds_rounds = xgrow(m->ds_rounds, &m->cap_ds_rounds, m->n_ds_rounds + 1,
                             sizeof *m->ds_rounds);
        m->ds_rounds[m->n_ds_rounds++] =
            (ds_round){.node = ev->node, .start_us = ev->t_us, .end_us = -1, .outcome = -1};
        return;
    }
    if (ev->value < 0) return;
    for (size_t i = m->n_ds_rounds; i-- > 0;) { /* the node's open round */
        ds_round *r = &m->ds_rounds[i];
        if (r->node != ev->node || r->end_us >= 0) continue;
        r->end_us = ev->t_us;
        r->outcome = ev->value > 0 ? 1 : 0;
        r->lead = ev->lead;
        break;
    }
    if (ev->value > 0) {
        m->double_spends_released++;
        m->ds_success++;
        m->ds_lead_sum += ev->lead;
    } else {
        m->ds_failed++;
    }
}

/* The mined blocks as out/forks.h counts a fork's orphans (mining order:
 * parents first). */
static const block *metrics__known_at(const void *user, size_t i) {
    return ((const metrics *)user)->blocks[i].b;
}

static size_t metrics__known_after(const void *user, const block *b) {
    const metrics *m = user;
    return (size_t)(intptr_t)hmap_get(&m->by_hash, b->hash, SHA256_LEN); /* index + 1, or 0 */
}

/* The fork history, from the live tips as they are at the end of the
 * instant forks_dirty_us. One chain is the common case and needs no walk. */
static void metrics__forks_eval(metrics *m) {
    m->forks_dirty = false;
    forks_state st;
    size_t n = hmap_len(&m->tip_block);
    m->forks_scratch = xgrow(m->forks_scratch, &m->cap_forks_scratch, n + 1, sizeof *m->forks_scratch);
    size_t pos = 0, k = 0;
    const hmap_slot *slot;
    while (hmap_next(&m->tip_block, &pos, &slot)) m->forks_scratch[k++] = slot->val;
    if (k == 1) st = (forks_state){.kind = FORKS_ONE_CHAIN, .n_branches = 1, .top = m->forks_scratch[0]};
    else st = forks_classify(m->forks_scratch, k);
    forks_blocks known = {.user = m, .n = m->n_blocks, .at = metrics__known_at,
                          .after = metrics__known_after};
    forks_history_update(&m->fork_hist, m->forks_dirty_us, &st, &known);
}

void metrics_sink(void *user, const sim_event *ev) {
    metrics *m = user;
    if (m->forks_dirty && ev->t_us > m->forks_dirty_us) metrics__forks_eval(m);
    switch (ev->kind) {
    case EV_MSG_DROPPED:
        m->msgs_dropped++;
        assert(ev->fate < WIRE_FATE_COUNT);
        m->dropped_by_fate[ev->fate]++;
        break;
    case EV_MINED: metrics__mined(m, ev); break;
    case EV_BLOCK_ACCEPTED: metrics__accepted(m, ev); break;
    case EV_HEARD: metrics__heard(m, ev); break;
    case EV_BLOCK_REJECTED:
        m->blocks_rejected++;
        m->rejected_by[ev->reason]++;
        break;
    case EV_CHAIN_REJECTED:
        m->chains_rejected++;
        m->rejected_by[ev->reason]++;
        break;
    case EV_TIP_CHANGED:
        if (ev->reorg_depth > 0) {
            m->reorgs++;
            if ((uint64_t)ev->reorg_depth > m->max_reorg_depth) m->max_reorg_depth = (uint64_t)ev->reorg_depth;
        }
        if (!m->down[ev->node]) {
            metrics__tip_add(m, m->tip[ev->node], -1, ev->t_us);
            metrics__tip_add(m, ev->block, +1, ev->t_us);
        }
        m->tip[ev->node] = ev->block;
        break;
    case EV_TX_ACCEPTED:
        if (ev->peer < 0) {
            m->tx_accepted++;
            metrics__tx_submitted(m, ev);
        }
        break;
    case EV_TX_REJECTED:
        if (ev->peer < 0) {
            m->tx_rejected++;
            m->tx_rejected_by[ev->reason]++;
        }
        break;
    case EV_ATTACKER:
        if (ev->strategy == NODE_OBSERVER) { /* it measures: no attacker */
            m->n_observers++;
            break;
        }
        m->attacker[ev->node] = true;
        m->n_attackers++;
        m->attacker_share += ev->value;
        if (ev->strategy == NODE_DOUBLE_SPEND && m->n_double_spenders++ == 0)
            m->ds_share = ev->value;
        if (ev->strategy == NODE_SELFISH) {
            m->selfish_share += ev->value;
            m->selfish_gamma = ev->value2;
            m->n_selfish++;
        }
        break;
    case EV_ATTACK:
        if (ev->strategy == NODE_SELFISH) {
            m->selfish_races++;
            m->selfish_races_ours += ev->value > 0;
        } else if (ev->strategy == NODE_DOUBLE_SPEND) {
            metrics__double_spend(m, ev);
        }
        break;
    case EV_CRASH:
        if (!m->down[ev->node]) {
            m->down[ev->node] = true;
            m->n_down++;
            metrics__tip_add(m, m->tip[ev->node], -1, ev->t_us);
        }
        break;
    case EV_RESTART:
        if (m->down[ev->node]) {
            m->down[ev->node] = false;
            m->n_down--;
            metrics__tip_add(m, m->tip[ev->node], +1, ev->t_us);
        }
        break;
    default: break;
    }
}

static int metrics__cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

percentiles metrics_percentiles(double *v, size_t n) {
    percentiles p = {.n = n};
    if (n == 0) return p;
    qsort(v, n, sizeof *v, metrics__cmp_double);
    double ranks[2] = {0.5, 0.9}, out[2];
    for (int k = 0; k < 2; k++) {
        double pos = ranks[k] * (double)(n - 1);
        size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
        out[k] = v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
    }
    p.median = out[0];
    p.p90 = out[1];
    p.max = v[n - 1];
    return p;
}

/* The main chain's tip: heaviest among live nodes' tips; ties go to the tip
 * more nodes hold, then to the smaller hash (deterministic). */
static const block *metrics__main_tip(metrics *m) {
    const block *best = NULL;
    intptr_t best_count = 0;
    for (int i = 0; i < m->n_nodes; i++) {
        if (m->down[i]) continue;
        const block *t = m->tip[i];
        intptr_t c = (intptr_t)hmap_get(&m->tip_count, t->hash, SHA256_LEN);
        if (!best || t->cum_work > best->cum_work ||
            (t->cum_work == best->cum_work &&
             (c > best_count || (c == best_count && memcmp(t->hash, best->hash, SHA256_LEN) < 0)))) {
            best = t;
            best_count = c;
        }
    }
    return best ? best : m->genesis;
}

bool metrics_measured(const metrics *m, const block_stat *st) {
    return st->mined_us >= m->measure_from_us && (m->measure_to_us <= 0 || st->mined_us < m->measure_to_us);
}

static percentiles metrics__prop(const metrics *m, size_t field_offset, double *scratch) {
    size_t n = 0;
    for (size_t i = 0; i < m->n_blocks; i++) {
        if (!metrics_measured(m, &m->blocks[i])) continue;
        int64_t v = *(const int64_t *)((const char *)&m->blocks[i] + field_offset);
        if (v >= 0) scratch[n++] = (double)v / 1e6;
    }
    return metrics_percentiles(scratch, n);
}

/* The observers' percentiles, over their (observer, block) records. */
static void metrics__observers(metrics *m) {
    double *v = xmalloc((m->n_obs + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < m->n_obs; i++)
        if (m->obs[i]->t50_us >= 0) v[n++] = (double)m->obs[i]->t50_us / 1e6;
    m->obs50 = metrics_percentiles(v, n);
    n = 0;
    for (size_t i = 0; i < m->n_obs; i++)
        if (m->obs[i]->t90_us >= 0) v[n++] = (double)m->obs[i]->t90_us / 1e6;
    m->obs90 = metrics_percentiles(v, n);
    n = 0;
    for (size_t i = 0; i < m->n_obs; i++) {
        const obs_stat *o = m->obs[i];
        if (o->t50_us >= 0) v[n++] = (double)(o->first_us - o->mined_us + o->t50_us) / 1e6;
    }
    m->obs50_mined = metrics_percentiles(v, n);
    free(v);
    m->obs_delay_mean_s =
        m->n_obs_delays ? (double)m->obs_delay_sum_us / 1e6 / (double)m->n_obs_delays : 0;
    m->obs_delay = metrics_percentiles(m->obs_delays, m->n_obs_delays); /* sorts them */
}

static void metrics__confirmations(metrics *m) {
    double *lat = NULL;
    size_t n = 0, cap = 0;
    for (const block *b = m->main_tip; b && b != m->genesis; b = b->parent) {
        block_stat *st = metrics__stat(m, b);
        for (size_t i = 0; i < b->n_txs; i++) {
            const tx *t = b->txs[i];
            if (tx_is_reward(t)) continue;
            m->tx_confirmed++;
            const tx_submit *r = hmap_get(&m->tx_submitted, t->id, strlen(t->id));
            if (r && st) {
                lat = xgrow(lat, &cap, n + 1, sizeof *lat);
                lat[n++] = (double)(st->mined_us - r->t_us) / 1e6;
            }
        }
    }
    m->confirm = metrics_percentiles(lat, n);
    free(lat);
}

double metrics_block_tau(const block_stat *st) {
    return st->reached ? st->delay_sum_s / (double)st->reached : NAN;
}

double metrics_selfish_revenue(double alpha, double gamma) {
    double a = alpha, b = 1 - alpha;
    double num = a * b * b * (4 * a + gamma * (1 - 2 * a)) - a * a * a;
    double den = 1 - a * (1 + (2 - a) * a);
    return num / den;
}

/* Attackers' share of the main chain, and what selfish mining should get. */
static void metrics__attack(metrics *m) {
    uint64_t main = 0, theirs = 0;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const block_stat *st = &m->blocks[i];
        if (!st->main || !metrics_measured(m, st)) continue;
        main++;
        if (st->miner >= 0 && st->miner < m->n_nodes && m->attacker[st->miner]) theirs++;
    }
    m->attacker_revenue = main ? (double)theirs / (double)main : 0;
    if (m->n_selfish > 0)
        m->selfish_theory = metrics_selfish_revenue(m->selfish_share, m->selfish_gamma);
}

void metrics_add_sends(metrics *m, const sim_sends *c) { sim_sends_add(&m->sent, c); }

void metrics_finish(metrics *m, int64_t end_us) {
    if (m->finished) return;
    m->finished = true;
    if (m->sim) {
        sim_sends c;
        sim_sends_get(m->sim, &c);
        metrics_add_sends(m, &c);
    }
    m->end_us = end_us;
    if (m->forks_dirty) metrics__forks_eval(m);
    m->main_tip = metrics__main_tip(m);
    m->height = m->main_tip->index;
    for (const block *b = m->main_tip; b; b = b->parent) {
        block_stat *st = metrics__stat(m, b);
        if (st) st->main = true;
    }
    m->forks = m->genesis_children >= 2 && m->measure_from_us == 0; /* the genesis is "mined" at 0 */
    double window_delay_s = 0;
    uint64_t window_samples = 0;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const block_stat *st = &m->blocks[i];
        if (!metrics_measured(m, st)) continue;
        m->n_measured++;
        if (!st->main) m->stale_blocks++;
        if (st->children >= 2) m->forks++;
        window_delay_s += st->delay_sum_s;
        window_samples += (uint64_t)st->reached;
    }
    m->stale_rate = m->n_measured ? (double)m->stale_blocks / (double)m->n_measured : 0;
    if (metrics_windowed(m)) { /* tau over the window's blocks only */
        m->delay_sum_s = window_delay_s;
        m->delay_samples = window_samples;
    }
    double *scratch = xmalloc((m->n_blocks + 1) * sizeof *scratch);
    m->prop50 = metrics__prop(m, offsetof(block_stat, t50_us), scratch);
    m->prop90 = metrics__prop(m, offsetof(block_stat, t90_us), scratch);
    m->prop100 = metrics__prop(m, offsetof(block_stat, t100_us), scratch);
    free(scratch);
    metrics__observers(m);
    metrics__confirmations(m);
    for (int i = 0; i < m->n_nodes; i++) m->nodes_live += !m->down[i];
    m->mean_delay_s = m->delay_samples ? m->delay_sum_s / (double)m->delay_samples : 0;
    metrics__attack(m);
    metrics__retarget(m);
    if (m->distinct <= 1)
        m->convergence_time_s =
            m->ever_split ? (double)(m->last_agree_us - m->last_split_us) / 1e6 : 0;
}

/* Every scalar of metric_names.h with its value in this run, or the reason
 * it does not apply (then the value is NAN): a figure that cannot exist here
 * is not a 0 or a -1 that a mean over many runs would swallow. */
typedef struct metrics__entry {
    const char *name;
    double v;
    const char *na; /* NULL: the metric applies */
} metrics__entry;

#define METRICS__ONE_(n, d) +1
enum { METRICS__N_ENTRIES = 0 METRIC_NAMES(METRICS__ONE_) };
#undef METRICS__ONE_

/* The double spend's rounds, its measured probability and the two
 * references (out/dspend.h) for the first double spender's q, z and rule. */
static void metrics__double_spend_entries(const metrics *m, metrics__entry *t, size_t *n) {
    const char *none = m->n_double_spenders ? NULL : "no double-spend attacker";
    const char *no_round = none ? none : m->ds_z ? NULL : "no double-spend round started";
    uint64_t resolved = m->ds_success + m->ds_failed;
    const char *unresolved = none ? none : resolved ? NULL : "no double-spend round ended";
    double rate = resolved ? (double)m->ds_success / (double)resolved : 0;
    double ref = no_round ? 0 : dspend_rosenfeld(m->ds_share, m->ds_z, m->ds_need);
#define METRICS__DS_(nm, value, why) t[(*n)++] = (metrics__entry){nm, (why) ? NAN : (value), (why)}
    METRICS__DS_("double_spend_rounds", (double)m->n_ds_rounds, none);
    METRICS__DS_("double_spend_success", (double)m->ds_success, none);
    METRICS__DS_("double_spend_failed", (double)m->ds_failed, none);
    METRICS__DS_("double_spend_unresolved", (double)(m->n_ds_rounds - resolved), none);
    METRICS__DS_("double_spend_success_rate", rate, unresolved);
    METRICS__DS_("double_spend_lead_mean",
                 m->ds_success ? (double)m->ds_lead_sum / (double)m->ds_success : 0,
                 none ? none : m->ds_success ? NULL : "no double-spend branch was released");
    METRICS__DS_("double_spend_rosenfeld", ref, no_round);
    METRICS__DS_("double_spend_nakamoto", no_round ? 0 : dspend_nakamoto(m->ds_share, m->ds_z),
                 no_round);
    METRICS__DS_("double_spend_rosenfeld_gap", rate - ref, no_round ? no_round : unresolved);
#undef METRICS__DS_
}

static size_t metrics__entries(const metrics *m, metrics__entry *t) {
    bool blocks = m->n_measured > 0, interval = m->block_interval_us > 0 && m->delay_samples;
    double theory = interval ? 1 - exp(-m->mean_delay_s * 1e6 / (double)m->block_interval_us) : 0;
    const char *no_attackers = m->n_attackers ? NULL : "no attackers";
    const char *no_selfish = m->n_selfish ? NULL : "no selfish miner";
    const char *no_theory = !m->block_interval_us ? "no block interval (mining is not automatic)"
                            : !m->delay_samples   ? "no block was accepted"
                                                  : NULL;
    const char *no_full = m->prop100.n ? NULL : "no block reached every node";
    size_t n = 0;
#define METRICS__PUT_(nm, value, why) t[n++] = (metrics__entry){nm, (why) ? NAN : (value), (why)}
    METRICS__PUT_("blocks_mined", (double)m->n_measured, NULL);
    METRICS__PUT_("blocks_rejected", (double)m->blocks_rejected, NULL);
    METRICS__PUT_("stale_blocks", (double)m->stale_blocks, NULL);
    METRICS__PUT_("stale_rate", m->stale_rate, blocks ? NULL : "no block was mined");
    METRICS__PUT_("forks", (double)m->forks, NULL);
    METRICS__PUT_("reorgs", (double)m->reorgs, NULL);
    METRICS__PUT_("max_reorg_depth", (double)m->max_reorg_depth, NULL);
    METRICS__PUT_("height", (double)m->height, NULL);
    METRICS__PUT_("tx_accepted", (double)m->tx_accepted, NULL);
    METRICS__PUT_("tx_rejected", (double)m->tx_rejected, NULL);
    METRICS__PUT_("tx_confirmed", (double)m->tx_confirmed, NULL);
    METRICS__PUT_("messages_sent", (double)m->sent.msgs, NULL);
    METRICS__PUT_("messages_dropped", (double)m->msgs_dropped, NULL);
    METRICS__PUT_("bytes_sent", (double)m->sent.bytes, NULL);
    METRICS__PUT_("propagation_median_s", m->prop100.median, no_full);
    METRICS__PUT_("propagation_p90_s", m->prop100.p90, no_full);
    METRICS__PUT_("propagation_mean_s", m->mean_delay_s,
                  m->delay_samples ? NULL : "no block was accepted");
    METRICS__PUT_("convergence_time_s", m->convergence_time_s,
                  m->convergence_time_s >= 0 ? NULL : "the live nodes do not agree at the end");
    METRICS__PUT_("distinct_tips", (double)m->distinct, NULL);
    METRICS__PUT_("reach50_median_s", m->prop50.median,
                  m->prop50.n ? NULL : "no block reached half the nodes");
    METRICS__PUT_("reach90_median_s", m->prop90.median,
                  m->prop90.n ? NULL : "no block reached 90% of the nodes");
    const char *no_obs = m->n_observers ? NULL : "no observer";
    const char *no_obs50 = no_obs ? no_obs : m->obs50.n ? NULL
                                   : "no block was announced by half an observer's peers";
    const char *no_delay = no_obs ? no_obs : m->obs_delay.n ? NULL
                                   : "no block was announced by two of an observer's peers";
    METRICS__PUT_("observer_reach50_median_s", m->obs50.median, no_obs50);
    METRICS__PUT_("observer_reach90_median_s", m->obs90.median,
                  no_obs ? no_obs : m->obs90.n ? NULL
                                  : "no block was announced by 90% of an observer's peers");
    METRICS__PUT_("observer_reach50_mined_median_s", m->obs50_mined.median, no_obs50);
    METRICS__PUT_("observer_delay_median_s", m->obs_delay.median, no_delay);
    METRICS__PUT_("observer_delay_p90_s", m->obs_delay.p90, no_delay);
    METRICS__PUT_("observer_delay_mean_s", m->obs_delay_mean_s, no_delay);
    METRICS__PUT_("chains_rejected", (double)m->chains_rejected, NULL);
    METRICS__PUT_("nodes_live", (double)m->nodes_live, NULL);
    METRICS__PUT_("attacker_share", m->attacker_share, no_attackers);
    METRICS__PUT_("attacker_revenue", m->attacker_revenue,
                  no_attackers ? no_attackers : m->height > 1 ? NULL : "the main chain has no mined block");
    METRICS__PUT_("selfish_revenue_theory", m->selfish_theory, no_selfish);
    METRICS__PUT_("selfish_revenue_gap", m->attacker_revenue - m->selfish_theory,
                  no_selfish ? no_selfish : m->height > 1 ? NULL : "the main chain has no mined block");
    METRICS__PUT_("double_spends_released", (double)m->double_spends_released,
                  m->n_double_spenders ? NULL : "no double-spend attacker");
    metrics__double_spend_entries(m, t, &n);
    METRICS__PUT_("selfish_gamma_measured",
                  m->selfish_races ? (double)m->selfish_races_ours / (double)m->selfish_races : 0,
                  no_selfish ? no_selfish : m->selfish_races ? NULL : "no tie race was decided");
    METRICS__PUT_("stale_rate_theory", theory, no_theory);
    METRICS__PUT_("stale_rate_gap", theory > 0 ? (m->stale_rate - theory) / theory : 0,
                  no_theory         ? no_theory
                  : !blocks         ? "no block was mined"
                  : theory > 0      ? NULL
                                    : "the theory predicts no stale block");
    const metrics_retarget *rt = &m->retarget;
    const char *no_retarget = m->retarget_every ? NULL : "no retargeting (chain.retarget)";
    const char *no_window = no_retarget ? no_retarget : rt->n_windows ? NULL
                                                      : "no retarget window was completed";
    const char *no_attack_rt = no_retarget ? no_retarget : no_attackers ? no_attackers
                             : rt->retargets ? NULL : "the main chain never retargeted";
    METRICS__PUT_("retargets", (double)rt->retargets, no_retarget);
    METRICS__PUT_("difficulty_final", rt->difficulty_final, NULL);
    METRICS__PUT_("interval_first_window_s", rt->interval_first_s, no_window);
    METRICS__PUT_("interval_last_window_s", rt->interval_last_s, no_window);
    METRICS__PUT_("attacker_rate_first_window", rt->attacker_rate_first, no_attack_rt);
    METRICS__PUT_("attacker_rate_after_retarget", rt->attacker_rate_after, no_attack_rt);
    METRICS__PUT_("attacker_profit_time_s", rt->attacker_profit_time_s,
                  no_attack_rt         ? no_attack_rt
                  : rt->attacker_profit_time_s >= 0 ? NULL
                                       : "the attackers earned less than honest mining at the end");
    METRICS__PUT_("selfish_profit_time_theory_s", rt->selfish_profit_theory_s,
                  no_retarget           ? no_retarget
                  : no_selfish          ? no_selfish
                  : rt->selfish_profit_theory_s >= 0 ? NULL
                                        : "R(alpha, gamma) <= alpha: selfish mining never pays");
    double x = interval ? m->mean_delay_s * 1e6 / (double)m->block_interval_us : 0;
    METRICS__PUT_("tau_over_interval", x, no_theory);
    METRICS__PUT_("stale_rate_theory_x1x", x / (1 + x), no_theory);
    const char *no_fork = m->fork_hist.have_latest ? NULL : "no fork ended";
    const forks_record *lf = &m->fork_hist.longest;
    METRICS__PUT_("longest_fork_s", (double)(lf->end_us - lf->start_us) / 1e6, no_fork);
    METRICS__PUT_("longest_fork_orphaned", (double)lf->orphaned, no_fork);
#undef METRICS__PUT_
    assert(n == METRICS__N_ENTRIES);
    return n;
}

static bool metrics__lookup(const metrics *m, const char *name, metrics__entry *out) {
    metrics__entry t[METRICS__N_ENTRIES];
    size_t n = metrics__entries(m, t);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            *out = t[i];
            return true;
        }
    }
    return false;
}

bool metrics_value(const metrics *m, const char *name, double *out) {
    metrics__entry e;
    if (!metrics__lookup(m, name, &e)) return false;
    *out = e.v;
    return true;
}

const char *metrics_not_applicable(const metrics *m, const char *name) {
    metrics__entry e;
    return metrics__lookup(m, name, &e) ? e.na : NULL;
}
