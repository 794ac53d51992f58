/* http_actions.c - the actions of the classic API (add a transaction, mine,
 * register peers, resolve conflicts) and the relays other processes push.
 *
 * Every action checks its whole input before it sends anything, so a
 * refused request leaves the node as it was; then it is a command the node
 * answers (http__call). Bodies are forms (the classic page) or JSON
 * (programs); a form gets a redirect to / on success and the page with the
 * reason on failure, JSON gets JSON, written with util/jsonw as the reads
 * are (http_api.c). A relay is acknowledged (202) once it is queued for the
 * node, which judges it as it judges a peer's message. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/jpath.h"
#include "util/jsonw.h"
#include "util/mem.h"

/* ---- actions ------------------------------------------------------------- */

/* Success: 201 with the JSON for programs, the classic redirect for forms. */
static enum MHD_Result http__done(http__req *r, buf *json) {
    if (r->wants_json) return http__reply_json(r, MHD_HTTP_CREATED, json);
    buf_cleanup(json);
    return http__reply_redirect(r, "/");
}

/* {"message": message, key: <the value the caller appends>: the start of
 * the answer to a successful action. */
static void http__done_begin(jsonw *w, buf *b, const char *message, const char *key) {
    http__json_begin(b, w);
    jsonw_kstr(w, "message", message);
    jsonw_key(w, key);
}

enum MHD_Result http__api_add_tx(http__req *r) {
    http__fields f;
    enum MHD_Result ret;
    if (!http__read_fields(r, &f, &ret)) return ret;
    char why[160] = "";
    const char *sender = NULL, *receiver = NULL, *id = NULL;
    int64_t amount = 0;
    bool has_amount = false;
    if (!http__field_str(&f, "sender", &sender, why, sizeof why) ||
        !http__field_str(&f, "receiver", &receiver, why, sizeof why) ||
        !http__field_str(&f, "id", &id, why, sizeof why) ||
        !http__field_amount(&f, &amount, &has_amount, why, sizeof why)) {
        ret = http__fail(r, MHD_HTTP_BAD_REQUEST, "bad_field", "%s", why);
        http__fields_cleanup(&f);
        return ret;
    }
    const char *missing = !sender ? "sender" : !receiver ? "receiver" : !has_amount ? "amount" : NULL;
    if (missing) {
        ret = http__fail(r, MHD_HTTP_BAD_REQUEST, "missing_field",
                         "%s is required (sender, receiver, amount)", missing);
        http__fields_cleanup(&f);
        return ret;
    }
    /* The node checks the rules again; checking here too gives the reason
     * before anything is queued, and spares the node malformed input. */
    reject pre = tx_check_fields(sender, receiver, amount, id ? id : "x");
    if (pre != REJ_NONE) {
        ret = http__fail(r, MHD_HTTP_BAD_REQUEST, reject_code(pre), "%s", reject_message(pre));
        http__fields_cleanup(&f);
        return ret;
    }
    node_cmd *cmd = node_cmd_new(CMD_ADD_TX);
    cmd->from = xstrdup(sender);
    cmd->to = xstrdup(receiver);
    cmd->id = id ? xstrdup(id) : NULL;
    cmd->amount = amount;
    http__fields_cleanup(&f);
    unsigned st = http__call(r, cmd, 0);
    if (st) return http__call_failed(r, st);
    if (cmd->error || cmd->reason != REJ_NONE) {
        /* A full mempool is the node's state, not the request's fault. */
        unsigned status = cmd->reason == REJ_MEMPOOL_FULL ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                          : MHD_HTTP_BAD_REQUEST;
        ret = cmd->error ? http__fail(r, MHD_HTTP_CONFLICT, "node_down", "%s", cmd->error)
                         : http__fail(r, status, reject_code(cmd->reason), "%s",
                                      reject_message(cmd->reason));
        node_cmd_free(cmd);
        return ret;
    }
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    node_snapshot_release(&snap);
    char message[64];
    snprintf(message, sizeof message, "Transaction will be added to Block %" PRId64, tip->index + 1);
    buf b;
    jsonw w;
    http__done_begin(&w, &b, message, "transaction");
    jsonw_raw_n(&w, cmd->tx->canon, cmd->tx->canon_len);
    jsonw_obj_end(&w);
    node_cmd_free(cmd);
    return http__done(r, &b);
}

enum MHD_Result http__api_mine(http__req *r) {
    http__fields f;
    enum MHD_Result ret;
    if (!http__read_fields(r, &f, &ret)) return ret; /* no fields, but a bad body is still refused */
    http__fields_cleanup(&f);
    node_cmd *cmd = node_cmd_new(CMD_MINE);
    atomic_fetch_add(&r->hn->mining, 1);
    unsigned st = http__call(r, cmd, 0);
    atomic_fetch_sub(&r->hn->mining, 1);
    if (st) return http__call_failed(r, st);
    if (!cmd->block) {
        ret = http__fail(r, MHD_HTTP_CONFLICT, "cannot_mine", "%s",
                         cmd->error ? cmd->error : "the node could not seal a block");
        node_cmd_free(cmd);
        return ret;
    }
    buf b;
    jsonw w;
    http__done_begin(&w, &b, "New Block Forged", "block");
    jsonw_value_begin(&w);
    block_to_json(&b, cmd->block);
    jsonw_obj_end(&w);
    node_cmd_free(cmd);
    return http__done(r, &b);
}

/* Most URLs taken by one /register_node. */
#define HTTP_MAX_REGISTER 64

enum MHD_Result http__api_register(http__req *r) {
    http__fields f;
    enum MHD_Result ret;
    if (!http__read_fields(r, &f, &ret)) return ret;
    const char *urls[HTTP_MAX_REGISTER];
    size_t n = 0;
    char why[200] = "";
    if (f.json) {
        const cJSON *one = cJSON_GetObjectItemCaseSensitive(f.json, "node");
        const cJSON *many = cJSON_GetObjectItemCaseSensitive(f.json, "nodes");
        if (one && !cJSON_IsString(one)) snprintf(why, sizeof why, "node: expected a URL string");
        else if (one) urls[n++] = one->valuestring;
        if (many && !cJSON_IsArray(many)) snprintf(why, sizeof why, "nodes: expected an array of URLs");
        const cJSON *it;
        if (cJSON_IsArray(many)) cJSON_ArrayForEach(it, many) {
            if (!cJSON_IsString(it)) {
                snprintf(why, sizeof why, "nodes: expected an array of URL strings");
                break;
            }
            if (n == HTTP_MAX_REGISTER) {
                snprintf(why, sizeof why, "nodes: at most %d URLs at once", HTTP_MAX_REGISTER);
                break;
            }
            urls[n++] = it->valuestring;
        }
    } else {
        for (size_t i = 0; i < f.form.n && n < HTTP_MAX_REGISTER; i++)
            if (strcmp(f.form.keys[i], "node") == 0 || strcmp(f.form.keys[i], "nodes") == 0)
                urls[n++] = f.form.vals[i];
    }
    if (!why[0] && n == 0) snprintf(why, sizeof why, "node is required: the URL of a peer, e.g. http://127.0.0.1:5001");
    /* Every URL is checked before any is registered. */
    int ids[HTTP_MAX_REGISTER];
    for (size_t i = 0; i < n && !why[0]; i++) {
        const char *bad = NULL;
        ids[i] = http__peer_id(r->hn->srv, urls[i], &bad);
        /* Quoted: the reply stays UTF-8 whatever bytes the URL holds. */
        char q[JPATH_QUOTE_BUF];
        if (ids[i] < 0) snprintf(why, sizeof why, "%s: %s", jpath_quote(q, sizeof q, urls[i]), bad);
        else if (ids[i] == r->hn->id)
            snprintf(why, sizeof why, "%s: a node cannot be its own peer", jpath_quote(q, sizeof q, urls[i]));
    }
    http__fields_cleanup(&f);
    if (why[0]) return http__fail(r, MHD_HTTP_BAD_REQUEST, "bad_node", "%s", why);
    for (size_t i = 0; i < n; i++) {
        node_cmd *cmd = node_cmd_new(CMD_REGISTER);
        cmd->peer = ids[i];
        unsigned st = http__call(r, cmd, 0);
        if (st) return http__call_failed(r, st);
        node_cmd_free(cmd);
    }
    buf b;
    jsonw w;
    http__done_begin(&w, &b, "New nodes have been added", "total_nodes");
    http__write_peers(&w, r->hn);
    jsonw_obj_end(&w);
    return http__done(r, &b);
}

/* One refused chain of a /consensus round. */
typedef struct http__refusal {
    int peer;
    char code[32];
    char message[REMOTE_PULL_MESSAGE_MAX];
} http__refusal;

/* The node's own verdict on a chain from peer in this round, if it refused
 * one (the last, should a peer have answered twice). */
static const http__rejection *http__verdict(const http__rejection *rej, size_t n, int peer) {
    const http__rejection *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (rej[i].peer == peer) found = &rej[i];
    return found;
}

/* Every peer's refusal in this round, in the order of registration, each
 * with the reason of its own exchange: for a URL peer what the transport
 * recorded for this round's pull (a failed transfer or body), or the node's
 * verdict on the chain it delivered; for a peer in this process the node's
 * verdict. A reason from a gossip push or an earlier round cannot appear:
 * neither is recorded under this round. */
static size_t http__round_refusals(http__req *r, uint64_t round, http__refusal *out, size_t max) {
    http_server *h = r->hn->srv;
    http__rejection rej[HTTP_MAX_REJECTIONS];
    size_t n_rej = http__rejections(r->hn, rej, HTTP_MAX_REJECTIONS);
    int *peers = NULL;
    size_t n_peers = http__peers(r->hn, &peers), n = 0;
    for (size_t i = 0; i < n_peers && n < max; i++) {
        http__refusal *f = &out[n];
        f->peer = peers[i];
        const http__rejection *v = http__verdict(rej, n_rej, peers[i]);
        if (peers[i] >= sim_node_count(h->s)) {
            remote_pull pull;
            remote_pull_get(h->rt, r->hn->id, peers[i], round, &pull);
            if (pull.state == REMOTE_PULL_FAILED) {
                snprintf(f->code, sizeof f->code, "%s", pull.code);
                snprintf(f->message, sizeof f->message, "%s", pull.message);
                n++;
                continue;
            }
            if (pull.state == REMOTE_PULL_PENDING) {
                snprintf(f->code, sizeof f->code, "timeout");
                snprintf(f->message, sizeof f->message, "%s: no answer before the resolve ended",
                         http__peer_url(h, peers[i]));
                n++;
                continue;
            }
            if (pull.state == REMOTE_PULL_NONE) continue;
        }
        if (!v) continue;
        snprintf(f->code, sizeof f->code, "%s", reject_code(v->reason));
        snprintf(f->message, sizeof f->message, "chain[%" PRId64 "]: %s", v->index,
                 reject_message(v->reason));
        n++;
    }
    free(peers);
    return n;
}

enum MHD_Result http__api_consensus(http__req *r) {
    http__fields f;
    enum MHD_Result ret;
    if (!http__read_fields(r, &f, &ret)) return ret;
    http__fields_cleanup(&f);
    uint64_t round = remote_round_begin(r->hn->srv->rt, r->hn->id);
    http__rejections_clear(r->hn);
    node_cmd *cmd = node_cmd_new(CMD_RESOLVE);
    unsigned st = http__call(r, cmd, 0);
    if (st) return http__call_failed(r, st);
    if (cmd->error) {
        ret = http__fail(r, MHD_HTTP_CONFLICT, "cannot_resolve", "%s", cmd->error);
        node_cmd_free(cmd);
        return ret;
    }
    bool replaced = cmd->replaced;
    const block *tip = cmd->block;
    node_cmd_free(cmd);
    http__refusal *refused = xmalloc(HTTP_MAX_REJECTIONS * sizeof *refused);
    size_t n_ref = http__round_refusals(r, round, refused, HTTP_MAX_REJECTIONS);
    if (!r->wants_json) {
        if (n_ref == 0) {
            free(refused);
            return http__reply_redirect(r, "/");
        }
        /* Forms: say on the page which chains were refused. */
        char note[600];
        int len = snprintf(note, sizeof note, "%s; refused: ",
                           replaced ? "Our chain was replaced" : "Our chain is authoritative");
        for (size_t i = 0; i < n_ref && len > 0 && (size_t)len < sizeof note; i++)
            len += snprintf(note + len, sizeof note - (size_t)len, "%s%s (%s)", i ? ", " : "",
                            http__peer_url(r->hn->srv, refused[i].peer), refused[i].code);
        free(refused);
        return http__page(r, MHD_HTTP_OK, note, false);
    }
    buf b;
    jsonw w;
    http__json_begin(&b, &w);
    jsonw_kbool(&w, "replaced", replaced);
    jsonw_kstr(&w, "message", replaced ? "Our chain was replaced" : "Our chain is authoritative");
    jsonw_kint(&w, "length", tip->index);
    jsonw_kstr(&w, "tip", tip->hash_hex);
    jsonw_key(&w, "rejected");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n_ref; i++) {
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "node", http__peer_url(r->hn->srv, refused[i].peer));
        jsonw_kstr(&w, "reason", refused[i].code);
        jsonw_kstr(&w, "message", refused[i].message);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    free(refused);
    jsonw_key(&w, "chain");
    http__write_chain_array(&w, tip);
    jsonw_obj_end(&w);
    return http__reply_json(r, MHD_HTTP_OK, &b);
}

/* ---- relays from other processes ---------------------------------------- */

/* The sender's peer id from X-Chainsim-Origin, or -1. */
static int http__origin(http__req *r) {
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Chainsim-Origin");
    if (!origin) return -1;
    const char *why = NULL;
    int id = http__peer_id(r->hn->srv, origin, &why);
    return id == r->hn->id ? -1 : id;
}

/* Hands m, from the peer in X-Chainsim-Origin, to the request's node and
 * answers 202 {"received": what}. The answer is written first: m, and what
 * it carries, is the node's once injected. */
static enum MHD_Result http__relay_inject(http__req *r, msg *m, const char *what) {
    m->from = http__origin(r);
    m->to = r->hn->id;
    buf b;
    jsonw w;
    http__json_begin(&b, &w);
    jsonw_kstr(&w, "received", what);
    jsonw_obj_end(&w);
    sim_inject(r->hn->srv->s, m);
    return http__reply_json(r, MHD_HTTP_ACCEPTED, &b);
}

static bool http__relay_body(http__req *r, cJSON **out, enum MHD_Result *ret) {
    if (r->kind != HTTP_BODY_JSON && r->kind != HTTP_BODY_NONE) {
        *ret = http__reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                                 "relays are application/json");
        return false;
    }
    r->wants_json = true;
    r->kind = HTTP_BODY_JSON;
    http__fields f;
    if (!http__read_fields(r, &f, ret)) return false;
    *out = f.json;
    f.json = NULL;
    http__fields_cleanup(&f);
    return true;
}

enum MHD_Result http__api_relay_block(http__req *r) {
    cJSON *obj = NULL;
    enum MHD_Result ret;
    if (!http__relay_body(r, &obj, &ret)) return ret;
    bstore *st = sim_store(r->hn->srv->s);
    reject why = REJ_NONE;
    char detail[200] = "";
    block *b = block_from_json(obj, bstore_params(st)->ledger, &why, detail, sizeof detail);
    cJSON_Delete(obj);
    if (!b)
        return http__reply_error(r, MHD_HTTP_BAD_REQUEST, reject_code(why), "%s",
                                 detail[0] ? detail : reject_message(why));
    b = bstore_intern(st, b);
    msg *m = msg_new(MSG_BLOCK);
    m->block = b;
    return http__relay_inject(r, m, b->hash_hex);
}

enum MHD_Result http__api_relay_tx(http__req *r) {
    cJSON *obj = NULL;
    enum MHD_Result ret;
    if (!http__relay_body(r, &obj, &ret)) return ret;
    /* A relay is acknowledged before the node judges it (202); a pool that
     * is full already says so now. One that fills meanwhile refuses it with
     * a counted, traced rejection (tx_rejected, mempool_full). */
    node_snapshot snap;
    node_snapshot_get(sim_node(r->hn->srv->s, r->hn->id), &snap);
    size_t pending = snap.mempool_size;
    node_snapshot_release(&snap);
    if (pending >= node_mempool_max(sim_node(r->hn->srv->s, r->hn->id))) {
        cJSON_Delete(obj);
        return http__reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, reject_code(REJ_MEMPOOL_FULL), "%s",
                                 reject_message(REJ_MEMPOOL_FULL));
    }
    reject why = REJ_NONE;
    char detail[200] = "";
    tx *t = tx_from_json(obj, bstore_params(sim_store(r->hn->srv->s))->ledger, &why, detail,
                         sizeof detail);
    cJSON_Delete(obj);
    if (!t)
        return http__reply_error(r, MHD_HTTP_BAD_REQUEST, reject_code(why), "%s",
                                 detail[0] ? detail : reject_message(why));
    msg *m = msg_new(MSG_TX);
    m->tx = t;
    return http__relay_inject(r, m, t->id);
}
