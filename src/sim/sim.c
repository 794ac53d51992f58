/* sim.c - building a run from a scenario, and what every executor shares:
 * event sinks, scenario events, traffic and the stop rules. The public
 * calls that depend on the executor are one call through s->ops each
 * (sim_int.h); none of them asks which executor it is. */
#include "sim/sim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/presets.h"
#include "sim/netmodel.h"
#include "sim/sim_int.h"
#include "util/cond.h"
#include "util/mem.h"

bool sim__reaches_stop_height(const sim *s, const sim_event *ev) {
    return ev->kind == EV_TIP_CHANGED && s->scn->stop_height > 0 &&
           ev->block->index >= s->scn->stop_height;
}

static void sim__stop_height_sink(void *user, const sim_event *ev) {
    sim *s = user;
    if (sim__reaches_stop_height(s, ev) && !atomic_load(&s->stop_reached)) {
        s->stop_at_us = ev->t_us;
        atomic_store(&s->stop_reached, true);
    }
}

int64_t sim__wind_at(const sim *s, bool at_once, int64_t now_us) {
    if (at_once || s->lookahead_us <= 0) return now_us;
    return sim__grid_after(s, s->stop_at_us);
}

/* The least delay of any message over the whole run: the links as they
 * start, and every latency the scenario's link events will set. */
static int64_t sim__lookahead(const sim *s) {
    int64_t least = wire_min_delay_us(s->wire);
    for (size_t i = 0; i < s->scn->n_events; i++) {
        const scn_event *ev = &s->scn->events[i];
        if (ev->kind == SCN_LINKS && ev->set_latency &&
            ev->latency_us + s->scn->processing_us < least)
            least = ev->latency_us + s->scn->processing_us;
    }
    return least > 0 ? least : 0;
}

/* seq_cst, as sim__wind_down's store: the threads executor's drain relies
 * on it (thr__timer in exec_threads.c). A plain load on x86. */
bool sim__mining_enabled(const sim *s) { return atomic_load(&((sim *)s)->mining_on); }

static wire *sim__make_wire(const scenario *scn, const netmodel *nm, uint64_t seed, char *err,
                            size_t err_len) {
    int n = scn->n_nodes;
    wire_desc wd = {
        .n_nodes = n,
        .seed = seed,
        .latency = scn->latency,
        .latency_us = scn->latency_us,
        .latency_max_us = scn->latency_max_us,
        .n_regions = scn->n_regions,
        .region_latency_us = scn->region_latency_us,
        .node_region = scn->latency == LATENCY_REGIONS ? nm->region : NULL,
        .upload_bps = nm->upload_bps,
        .download_bps = nm->download_bps,
        .loss = scn->loss,
        .processing_us = scn->processing_us,
        .download_queue = scn->download_queue,
    };
    cs_err e = CS_OK;
    wire *w = wire_new(&wd, &e);
    if (!w) snprintf(err, err_len, "%s: links: %s", scn->path, cs_strerror(e));
    return w;
}

/* A compact block's payload: as the scenario says, else from the declared
 * block size at a typical transaction size, else (0) from each block's own
 * transactions. */
static int64_t sim__compact_bytes(const scenario *scn) {
    if (scn->relay.compact_bytes > 0) return scn->relay.compact_bytes;
    if (scn->block_bytes > 0)
        return (int64_t)msg_compact_payload((uint64_t)scn->block_bytes / MSG_TYPICAL_TX_BYTES);
    return 0;
}

static block *sim__make_genesis(const scenario *scn) {
    if (scn->genesis_classic) return genesis_classic();
    return genesis_with_balances((const char *const *)scn->genesis_names, scn->genesis_amounts,
                                 scn->n_genesis, scn->params.difficulty);
}

static bool sim__link_topology(sim *s, const netmodel *nm, char *err, size_t err_len) {
    const scenario *scn = s->scn;
    rng r;
    rng_seed(&r, s->seed, 2);
    topology t;
    topo_desc td = {.kind = scn->topology, .n = scn->n_nodes,
                    .k = scn->topology_k > 0 ? scn->topology_k : 8,
                    .out_degree = nm->out_degree, .beta = scn->topology_beta,
                    .edges = scn->edges, .n_edges = scn->n_edges};
    cs_err e = topo_build(&t, &td, &r);
    if (e) {
        snprintf(err, err_len, "%s: topology: %s", scn->path, cs_strerror(e));
        return false;
    }
    for (int i = 0; i < t.n; i++)
        for (int j = t.offsets[i]; j < t.offsets[i + 1]; j++) node_add_peer(s->nodes[i], t.peers[j]);
    topo_cleanup(&t);
    return true;
}

/* The scenario's attacker entry for node i, or NULL. */
static const scn_attacker *sim__attacker_of(const scenario *scn, int i) {
    for (size_t a = 0; a < scn->n_attackers; a++)
        if (scn->attackers[a].node == i) return &scn->attackers[a];
    return NULL;
}

static node_attack_desc sim__attack_desc(const scn_attacker *a) {
    if (!a) return (node_attack_desc){.strategy = NODE_HONEST, .victim = -1};
    return (node_attack_desc){
        .strategy = a->strategy,
        .gamma = a->gamma,
        .race_delay_us = a->race_delay_us,
        .at_us = a->at_us,
        .merchant = a->merchant,
        .amount = a->amount,
        .confirmations = a->confirmations,
        .give_up = a->give_up,
        .release_tie = a->release_tie,
        .premine = a->premine,
        .rounds = a->rounds,
        .settle = a->settle,
        .fake_length = a->fake_length,
        .victim = a->victim,
        .relay = a->relay,
    };
}

/* The name of region k if the scenario's regions are a preset's, else NULL. */
static const char *sim__region_name(const scenario *scn, int k) {
    const preset *p = scn->network.preset ? preset_find(scn->network.preset) : NULL;
    if (!p || p->n_regions != scn->n_regions || k < 0 || k >= p->n_regions) return NULL;
    return p->region_names[k];
}

/* Eclipse: the victim's only peers, both ways, are its eclipse nodes. */
static void sim__wire_eclipse(sim *s) {
    const scenario *scn = s->scn;
    for (size_t a = 0; a < scn->n_attackers; a++) {
        int v = scn->attackers[a].victim;
        if (scn->attackers[a].strategy != NODE_ECLIPSE) continue;
        node *victim = s->nodes[v];
        const int *peers;
        for (size_t k; (k = node_peer_list(victim, &peers)) > 0;) {
            int p = peers[k - 1];
            node_remove_peer(victim, p);
            node_remove_peer(s->nodes[p], v);
        }
    }
    for (size_t a = 0; a < scn->n_attackers; a++) {
        const scn_attacker *at = &scn->attackers[a];
        if (at->strategy != NODE_ECLIPSE) continue;
        node_add_peer(s->nodes[at->victim], at->node);
        node_add_peer(s->nodes[at->node], at->victim);
    }
}

/* Observers: `peers` more links each, both ways, to nodes drawn at random
 * among those it is not linked to yet (stream 7; none drawn without
 * observers, so other runs keep their bytes). */
static void sim__wire_observers(sim *s) {
    const scenario *scn = s->scn;
    rng r;
    rng_seed(&r, s->seed, 7);
    for (size_t a = 0; a < scn->n_attackers; a++) {
        const scn_attacker *at = &scn->attackers[a];
        if (at->strategy != NODE_OBSERVER) continue;
        node *o = s->nodes[at->node];
        const int *peers;
        int free_nodes = s->n_nodes - 1 - (int)node_peer_list(o, &peers);
        for (int k = 0; k < at->peers && free_nodes > 0;) {
            int p = (int)rng_below(&r, (uint64_t)s->n_nodes);
            if (p == at->node || node_has_peer(o, p)) continue;
            node_add_peer(o, p);
            node_add_peer(s->nodes[p], at->node);
            free_nodes--;
            k++;
        }
    }
}

int sim_workers(const sim *s) {
    return s->ops == &sim__parallel_ops ? sim__parallel_workers(s) : 1;
}

const char *sim_one_worker_why(const sim *s) { return s->one_worker_why; }

static const sim__ops *sim__ops_of(sim_executor executor) {
    switch (executor) {
    case SIM_VIRTUAL: return &sim__virtual_ops;
    case SIM_THREADS: return &sim__threads_ops;
    }
    return &sim__virtual_ops;
}

sim *sim_new(const sim_desc *desc, char *err, size_t err_len) {
    const scenario *scn = desc->scn;
    const sim__ops *ops = sim__ops_of(desc->executor);
    if (desc->ranks_partition) ops = &sim__mpi_ops;
    if (!ops->accepts(desc, err, err_len)) return NULL;
    sim *s = xcalloc(1, sizeof *s);
    s->desc = *desc;
    s->ops = ops;
    s->scn = scn;
    s->seed = desc->seed_set ? desc->seed : scn->seed;
    s->n_nodes = scn->n_nodes;
    rng_seed(&s->rng, s->seed, 1);
    mutex_init_brief(&s->sink_lock);
    pthread_mutex_init(&s->remote_lock, NULL);
    int64_t end = desc->until_us > 0 ? desc->until_us : scn->duration_us;
    s->end_us = end > 0 ? end : INT64_MAX;
    atomic_store(&s->mining_on, true);

    netmodel nm;
    netmodel_init(&nm, scn, s->seed);
    s->wire = sim__make_wire(scn, &nm, s->seed, err, err_len);
    if (!s->wire) goto fail;
    s->lookahead_us = sim__lookahead(s);
    /* Several workers need a lookahead (links without latency run on one)
     * and senders that touch only their own state (download queues make a
     * send change the receiver). */
    if (ops == &sim__virtual_ops && desc->parallel > 1 && s->n_nodes > 1) {
        if (s->lookahead_us <= 0) s->one_worker_why = "links without latency leave no lookahead";
        else if (wire_shares_receivers(s->wire))
            s->one_worker_why = "download queues make every send touch its receiver";
        else s->ops = ops = &sim__parallel_ops;
    }
    if (ops == &sim__mpi_ops && (s->lookahead_us <= 0 || wire_shares_receivers(s->wire))) {
        snprintf(err, err_len, "%s: --ranks-partition: %s, so the nodes cannot be split over ranks",
                 scn->path, s->lookahead_us <= 0 ? "links without latency leave no lookahead"
                                                 : "download queues make every send touch its receiver");
        goto fail;
    }

    chain_params params = scn->params;
    if (scn->genesis_classic) params.ledger = LEDGER_OPEN;
    s->store = bstore_new(&params, sim__make_genesis(scn));
    bstore_reserve_holders(s->store, s->n_nodes);

    ops->init(s);

    s->hash_power = xmalloc((size_t)s->n_nodes * sizeof *s->hash_power);
    for (int i = 0; i < s->n_nodes; i++) {
        const scn_attacker *at = sim__attacker_of(scn, i);
        /* An observer never mines: the others share the hash power (its
         * own is in neither its share nor the total). */
        s->hash_power[i] = at && at->strategy == NODE_OBSERVER ? 0 : nm.hash_power[i];
        s->hash_power_total += s->hash_power[i];
    }
    s->nodes = xcalloc((size_t)s->n_nodes, sizeof *s->nodes);
    /* One mapping for the nodes (huge pages where the kernel gives them):
     * a delivery goes to a random node, and at 100,000 nodes a node per
     * 4 kB page missed the TLB on every one. */
    s->node_size = node_struct_size();
    s->node_mem_bytes = (size_t)s->n_nodes * s->node_size;
    s->node_mem = xmap(s->node_mem_bytes);
    for (int i = 0; i < s->n_nodes; i++) {
        node_desc nd = {
            .id = i,
            .name = scn->nodes[i].name,
            .store = s->store,
            .env = &s->env,
            .seed = s->seed,
            .mining = scn->mining,
            .share = s->hash_power_total > 0 ? s->hash_power[i] / s->hash_power_total : 0,
            .gossip = scn->gossip,
            .traffic_max_amount = scn->traffic.max_amount,
            .block_bytes = scn->block_bytes,
            .block_size = scn->block_size.kind > DIST_FIXED ? &scn->block_size : NULL,
            .relay = scn->relay.mode,
            .compact_failure_rate = scn->relay.compact_failure_rate,
            .compact_push = scn->relay.compact_push,
            .compact_bytes = sim__compact_bytes(scn),
            .attack = sim__attack_desc(sim__attacker_of(scn, i)),
            .place = sim__node(s, i),
        };
        if (!scn->churn.node_churns || scn->churn.node_churns[i])
            nd.churn = (node_churn){scn->churn.mean_up_us, scn->churn.mean_down_us};
        s->nodes[i] = node_new(&nd);
    }
    if (!sim__link_topology(s, &nm, err, err_len)) goto fail;
    sim__wire_eclipse(s);
    sim__wire_observers(s);
    s->profiles = xcalloc((size_t)s->n_nodes, sizeof *s->profiles);
    for (int i = 0; i < s->n_nodes; i++) {
        const int *peers;
        s->profiles[i] = (sim_node_profile){
            .region = scn->n_regions > 0 ? nm.region[i] : -1,
            .region_name = scn->n_regions > 0 ? sim__region_name(scn, nm.region[i]) : NULL,
            .upload_bps = nm.upload_bps ? nm.upload_bps[i] : 0,
            .download_bps = nm.download_bps ? nm.download_bps[i] : 0,
            .degree = (int)node_peer_list(s->nodes[i], &peers),
            .share = s->hash_power_total > 0 ? s->hash_power[i] / s->hash_power_total : 0,
        };
    }
    netmodel_cleanup(&nm);
    sim_add_sink_filtered(s, sim__stop_height_sink, s, SIM_EVENT_BIT(EV_TIP_CHANGED));
    return s;
fail:
    netmodel_cleanup(&nm);
    sim_free(s);
    return NULL;
}

void sim_free(sim *s) {
    if (!s) return;
    if (s->exec) {
        s->ops->stop(s);
        s->ops->free(s);
    }
    if (s->nodes)
        for (int i = 0; i < s->n_nodes; i++) node_free(s->nodes[i]);
    free(s->nodes);
    xunmap(s->node_mem, s->node_mem_bytes);
    free(s->hash_power);
    free(s->profiles);
    bstore_free(s->store);
    wire_free(s->wire);
    free(s->sinks);
    pthread_mutex_destroy(&s->sink_lock);
    pthread_mutex_destroy(&s->remote_lock);
    for (size_t i = 0; i < s->n_remote; i++) free(s->remote_urls[i]);
    free(s->remote_urls);
    free(s);
}

void sim_add_sink(sim *s, sim_sink_fn fn, void *user) {
    sim_add_sink_filtered(s, fn, user, SIM_EVENTS_ALL);
}

void sim_add_sink_filtered(sim *s, sim_sink_fn fn, void *user, uint32_t kinds) {
    s->sinks = xgrow(s->sinks, &s->cap_sinks, s->n_sinks + 1, sizeof *s->sinks);
    s->sinks[s->n_sinks++] = (sim_sink){fn, user, kinds};
    s->sink_kinds |= kinds;
}

/* The events this thread holds back (a node thread of the threads
 * executor, between sim__hold_events calls), or NULL. */
static _Thread_local sim__evbuf *sim__held;

void sim__hold_events(sim__evbuf *b) { sim__held = b; }

void sim__flush_events(sim__evbuf *b) {
    if (!b->n) return;
    sim *s = b->s;
    pthread_mutex_lock(&s->sink_lock);
    for (size_t k = 0; k < b->n; k++) {
        const sim_event *ev = &b->ev[k];
        for (size_t i = 0; i < s->n_sinks; i++)
            if ((s->sinks[i].kinds >> ev->kind) & 1u) s->sinks[i].fn(s->sinks[i].user, ev);
    }
    pthread_mutex_unlock(&s->sink_lock);
    for (size_t k = 0; k < b->n; k++) tx_unref((tx *)b->ev[k].tx);
    b->n = 0;
}

void sim__evbuf_cleanup(sim__evbuf *b) {
    for (size_t k = 0; k < b->n; k++) tx_unref((tx *)b->ev[k].tx);
    free(b->ev);
    *b = (sim__evbuf){.s = b->s};
}

void sim__emit(sim *s, const sim_event *ev) {
    if (!sim__wants(s, ev->kind)) return;
    sim__evbuf *held = sim__held;
    if (held && held->s == s) {
        /* A step waits for this very event: no holding back. */
        if (!atomic_load_explicit(&s->pause_at_event, memory_order_relaxed)) {
            held->ev = xgrow(held->ev, &held->cap, held->n + 1, sizeof *held->ev);
            held->ev[held->n] = *ev;
            if (ev->tx) tx_ref((tx *)ev->tx); /* the event outlives the call */
            held->n++;
            return;
        }
        sim__flush_events(held); /* this thread's earlier events first */
    }
    if (s->ops->defer && s->ops->defer(s, ev)) return;
    sim__dispatch(s, ev);
}

void sim__dispatch(sim *s, const sim_event *ev) {
    bool concurrent = s->ops->concurrent;
    if (concurrent) pthread_mutex_lock(&s->sink_lock);
    for (size_t i = 0; i < s->n_sinks; i++)
        if ((s->sinks[i].kinds >> ev->kind) & 1u) s->sinks[i].fn(s->sinks[i].user, ev);
    if (concurrent) pthread_mutex_unlock(&s->sink_lock);
    /* sim_step of a self-clocked run: this was the next event. */
    if (atomic_load_explicit(&s->pause_at_event, memory_order_relaxed) &&
        atomic_exchange(&s->pause_at_event, false))
        s->ops->set_clock(s, 0, 1);
}

static void sim__emit_net(sim *s, ev_kind kind, int node_id) {
    sim__emit(s, &(sim_event){.kind = kind, .t_us = sim_now_us(s), .node = node_id, .peer = -1});
}

void sim_command(sim *s, int node_id, node_cmd *cmd) { s->ops->command(s, node_id, cmd); }

void sim_partition(sim *s, const int *group_of_node) {
    wire_set_partition(s->wire, group_of_node);
    sim__emit_net(s, EV_PARTITION, -1);
}

void sim_heal(sim *s) {
    wire_set_partition(s->wire, NULL);
    sim__emit_net(s, EV_HEAL, -1);
}

void sim_isolate(sim *s, int node_id, bool isolated) {
    wire_set_isolated(s->wire, node_id, isolated);
    sim__emit_net(s, isolated ? EV_ISOLATE : EV_RECONNECT, node_id);
}

static void sim__send_cmd(sim *s, int node_id, node_cmd_kind kind) {
    sim_command(s, node_id, node_cmd_new(kind));
}

void sim__apply_event(sim *s, const scn_event *ev) {
    node_cmd *cmd;
    switch (ev->kind) {
    case SCN_TX:
        cmd = node_cmd_new(CMD_ADD_TX);
        cmd->from = xstrdup(ev->from);
        cmd->to = xstrdup(ev->to);
        cmd->amount = ev->amount;
        sim_command(s, ev->node, cmd);
        break;
    case SCN_MINE: sim__send_cmd(s, ev->node, CMD_MINE); break;
    case SCN_REGISTER:
        for (size_t i = 0; i < ev->n_peers; i++) {
            cmd = node_cmd_new(CMD_REGISTER);
            cmd->peer = ev->peers[i];
            sim_command(s, ev->node, cmd);
        }
        break;
    case SCN_RESOLVE: sim__send_cmd(s, ev->node, CMD_RESOLVE); break;
    case SCN_PARTITION: sim_partition(s, ev->group_of_node); break;
    case SCN_HEAL: sim_heal(s); break;
    case SCN_ISOLATE: sim_isolate(s, ev->node, true); break;
    case SCN_RECONNECT: sim_isolate(s, ev->node, false); break;
    case SCN_CRASH: sim__send_cmd(s, ev->node, CMD_CRASH); break;
    case SCN_RESTART: sim__send_cmd(s, ev->node, CMD_RESTART); break;
    case SCN_HASH_POWER: {
        int lo = ev->node >= 0 ? ev->node : 0, hi = ev->node >= 0 ? ev->node + 1 : s->n_nodes;
        for (int i = lo; i < hi; i++) {
            if (node_get_strategy(s->nodes[i]) == NODE_OBSERVER) continue; /* never mines */
            s->hash_power[i] = ev->hash_power;
            cmd = node_cmd_new(CMD_SET_HASH_POWER);
            cmd->share = s->hash_power_total > 0 ? ev->hash_power / s->hash_power_total : 0;
            sim_command(s, i, cmd);
        }
        break;
    }
    case SCN_LINKS:
        if (ev->set_loss) wire_set_loss(s->wire, ev->loss);
        if (ev->set_latency) wire_set_fixed_latency(s->wire, ev->latency_us);
        sim__emit_net(s, EV_LINKS, -1);
        break;
    }
}

int64_t sim__traffic_tick(sim *s) {
    int target = (int)rng_below(&s->rng, (uint64_t)s->n_nodes);
    sim_command(s, target, node_cmd_new(CMD_GEN_TX));
    double mean_us = 1e6 / s->scn->traffic.tx_per_s;
    int64_t delay = (int64_t)rng_exp(&s->rng, mean_us);
    return delay > 0 ? delay : 1;
}

void sim__wind_down(sim *s) { atomic_store(&s->mining_on, false); }

cs_err sim_run(sim *s) {
    if (s->ops->advance) {
        s->ops->advance(s, INT64_MAX, UINT64_MAX);
        return CS_OK;
    }
    cs_err e = s->ops->start(s);
    if (e) return e;
    s->ops->wait(s);
    return CS_OK;
}

bool sim_run_until(sim *s, int64_t t_us) {
    return s->ops->advance ? s->ops->advance(s, t_us, UINT64_MAX) : false;
}

bool sim_step(sim *s) {
    s->ops->set_clock(s, 0, 1);
    if (s->ops->advance) return s->ops->advance(s, INT64_MAX, 1);
    atomic_store(&s->pause_at_event, true);
    s->ops->set_clock(s, 0, 0);
    return s->ops->finished(s);
}

bool sim_advance_wall(sim *s, int64_t wall_dt_us) {
    if (s->ops->advance && wall_dt_us > 0 && !s->ops->paused(s)) {
        double sim_dt = (double)wall_dt_us * s->ops->speed(s);
        return s->ops->advance(s, s->ops->now(s) + (int64_t)sim_dt, UINT64_MAX);
    }
    return s->ops->finished(s);
}

bool sim_finished(const sim *s) { return s->ops->finished(s); }

void sim_set_remote(sim *s, const sim_remote *r) { s->remote = *r; }

int sim_remote_add(sim *s, const char *url) {
    pthread_mutex_lock(&s->remote_lock);
    size_t i = 0;
    while (i < s->n_remote && strcmp(s->remote_urls[i], url) != 0) i++;
    if (i == s->n_remote) {
        s->remote_urls = xgrow(s->remote_urls, &s->cap_remote, s->n_remote + 1,
                               sizeof *s->remote_urls);
        s->remote_urls[s->n_remote++] = xstrdup(url);
    }
    pthread_mutex_unlock(&s->remote_lock);
    return s->n_nodes + (int)i;
}

const char *sim_remote_url(sim *s, int id) {
    const char *url = NULL;
    pthread_mutex_lock(&s->remote_lock);
    if (id >= s->n_nodes && (size_t)(id - s->n_nodes) < s->n_remote) url = s->remote_urls[id - s->n_nodes];
    pthread_mutex_unlock(&s->remote_lock);
    return url;
}

void sim_inject(sim *s, msg *m) { s->ops->inject(s, m); }
cs_err sim_start(sim *s) { return s->ops->start(s); }

void sim_wait(sim *s) {
    if (s->ops->wait) s->ops->wait(s);
}

void sim_stop(sim *s) { s->ops->stop(s); }
void sim_set_paused(sim *s, bool paused) { s->ops->set_clock(s, 0, paused); }
bool sim_paused(sim *s) { return s->ops->paused(s); }

void sim_set_speed(sim *s, double speed) {
    if (speed > 0) s->ops->set_clock(s, speed, -1);
}

double sim_speed(sim *s) { return s->ops->speed(s); }
int64_t sim_now_us(sim *s) { return s->ops->now(s); }

int sim_node_count(const sim *s) { return s->n_nodes; }

int sim_node_region(const sim *s, int i) { return wire_node_region(s->wire, i); }
const sim_node_profile *sim_node_profile_of(const sim *s, int i) { return &s->profiles[i]; }
node *sim_node(sim *s, int i) { return s->nodes[i]; }
bstore *sim_store(sim *s) { return s->store; }
const scenario *sim_scenario(const sim *s) { return s->scn; }
uint64_t sim_seed(const sim *s) { return s->seed; }
sim_executor sim_executor_kind(const sim *s) { return s->desc.executor; }
int64_t sim_end_us(const sim *s) { return s->final_us; }
uint64_t sim_events_handled(const sim *s) { return s->ops->events_handled(s); }

void sim_sends_get(const sim *s, sim_sends *out) {
    *out = (sim_sends){0};
    s->ops->sends(s, out);
}

void sim_sends_add(sim_sends *to, const sim_sends *c) {
    to->msgs += c->msgs;
    to->bytes += c->bytes;
    for (int k = 0; k < MSG_KIND_COUNT; k++) to->by_kind[k] += c->by_kind[k];
}

bool sim_lateness_get(const sim *s, sim_lateness *out) {
    return s->ops->lateness && s->ops->lateness(s, out);
}
int64_t sim_lookahead_us(const sim *s) { return s->lookahead_us; }

bool sim_threads_stats_get(const sim *s, sim_thr_stats *out) {
    return s->ops->thr_stats && s->ops->thr_stats(s, out);
}

bool sim_parallel_stats_get(const sim *s, sim_par_stats *out) {
    if (s->ops != &sim__parallel_ops) return false;
    sim__parallel_stats(s, out);
    return true;
}
