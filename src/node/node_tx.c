/* node_tx.c - transactions: from users (commands), from peers (gossip), and
 * random ones for steady traffic.
 *
 * Gossip mirrors blocks: accept into the mempool, announce the id (inv) to
 * every peer but the sender; a peer that lacks it asks (getdata) and gets
 * the transaction. Rejections from users are events with the reason; a
 * peer's transaction that we already hold is not worth an event. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node_int.h"
#include "util/mem.h"

static void node__relay_tx(node *n, tx *t, int except) {
    if (!n->gossip) return;
    for (size_t i = 0; i < n->n_peers; i++) {
        if (n->peers[i] == except) continue;
        msg *m = msg_new(MSG_INV);
        m->tx = tx_ref(t);
        node__send(n, n->peers[i], m);
    }
}

reject node__submit_tx(node *n, tx *t, int from) {
    reject why = mempool_add(&n->mempool, n->store, n->chain.tip, n->params, t);
    if (why == REJ_NONE) {
        n->snap_dirty = true;
        node__emit(n, (sim_event){.kind = EV_TX_ACCEPTED, .peer = from, .tx = t});
        node__relay_tx(n, t, from);
    } else if (from < 0 || why != REJ_TX_DUPLICATE) {
        node__emit(n, (sim_event){.kind = EV_TX_REJECTED, .peer = from, .tx = t, .reason = why});
    }
    return why;
}

static void node__make_id(node *n, char *out, size_t len) {
    snprintf(out, len, "%.40s-%" PRIu64, n->name, ++n->tx_counter);
}

void node__cmd_add_tx(node *n, node_cmd *cmd) {
    char id[TX_ID_MAX + 1];
    if (!cmd->id) node__make_id(n, id, sizeof id);
    reject why = REJ_NONE;
    tx *t = tx_create(cmd->from ? cmd->from : "", cmd->to ? cmd->to : "", cmd->amount,
                      cmd->id ? cmd->id : id, node__now(n) / 1000, &why);
    if (!t) {
        node__emit(n, (sim_event){.kind = EV_TX_REJECTED, .peer = -1, .reason = why});
    } else {
        why = node__submit_tx(n, t, -1);
        cmd->tx = t; /* the command's reference: the caller may show it */
    }
    cmd->reason = why;
    node__complete(n, cmd);
}

static int64_t node__spendable(const node *n, ledger_entry e) {
    return e.balance - mempool_pending(&n->mempool, e.name);
}

/* A random payment between accounts of the tip's ledger: a sender with coins
 * to spare, another account as receiver, 1..max coins. */
void node__cmd_gen_tx(node *n, node_cmd *cmd) {
    const ledger *l = n->chain.tip->ledger;
    cmd->reason = REJ_TX_OVERSPEND;
    size_t accounts = l ? ledger_count(l) : 0;
    if (accounts >= 2) {
        rng *r = node__rng(n, NODE__RNG_TRAFFIC);
        for (int attempt = 0; attempt < 8; attempt++) {
            size_t from_i = rng_below(r, accounts);
            ledger_entry from = ledger_at(l, from_i);
            int64_t spendable = node__spendable(n, from);
            if (spendable <= 0) continue;
            size_t to_i = rng_below(r, accounts - 1);
            if (to_i == from_i) to_i = accounts - 1;
            ledger_entry to = ledger_at(l, to_i);
            int64_t max = spendable < n->traffic_max_amount ? spendable : n->traffic_max_amount;
            int64_t amount = 1 + (int64_t)rng_below(r, (uint64_t)max);
            char id[TX_ID_MAX + 1];
            node__make_id(n, id, sizeof id);
            reject why = REJ_NONE;
            tx *t = tx_create(from.name, to.name, amount, id, node__now(n) / 1000, &why);
            if (t) {
                why = node__submit_tx(n, t, -1);
                tx_unref(t);
            }
            cmd->reason = why;
            break;
        }
    }
    node__complete(n, cmd);
}

/* A pending request for a transaction; the map key is `id`, inside it. */
typedef struct node__tx_request {
    int64_t asked_us;
    char id[];
} node__tx_request;

static bool node__tx_wanted(node *n, const tx *t) {
    if (mempool_has(&n->mempool, t->id)) return false;
    size_t len = strlen(t->id);
    if (!n->tx_requested) n->tx_requested = xcalloc(1, sizeof *n->tx_requested); /* empty */
    node__tx_request *r = hmap_get(n->tx_requested, t->id, len);
    int64_t now = node__now(n);
    if (r && now - r->asked_us < NODE_REQUEST_TIMEOUT_US) return false;
    if (!r) {
        r = xmalloc(sizeof *r + len + 1);
        memcpy(r->id, t->id, len + 1);
        hmap_put(n->tx_requested, r->id, len, r);
    }
    r->asked_us = now;
    return true;
}

static void node__forget_request(node *n, const tx *t) {
    if (n->tx_requested) free(hmap_del(n->tx_requested, t->id, strlen(t->id)));
}

void node__clear_tx_requests(node *n) {
    if (!n->tx_requested) return;
    size_t pos = 0;
    const hmap_slot *slot;
    while (hmap_next(n->tx_requested, &pos, &slot)) free(slot->val);
    hmap_cleanup(n->tx_requested);
    free(n->tx_requested);
    n->tx_requested = NULL;
}

void node__on_tx_msg(node *n, msg *m) {
    tx *t = m->tx;
    switch (m->kind) {
    case MSG_INV:
        if (node__tx_wanted(n, t)) {
            msg *req = msg_new(MSG_GETDATA);
            req->tx = tx_ref(t);
            node__send(n, m->from, req);
        }
        break;
    case MSG_GETDATA: {
        tx *have = mempool_get(&n->mempool, t->id);
        if (have) {
            msg *reply = msg_new(MSG_TX);
            reply->tx = tx_ref(have);
            node__send(n, m->from, reply);
        }
        break;
    }
    case MSG_TX:
        node__forget_request(n, t);
        node__submit_tx(n, t, m->from);
        break;
    default: break;
    }
}
