/* http_api.c - the classic API and what users of such nodes ask for.
 *
 * Reads (chain, balances, block, status, nodes) come from snapshots and the
 * server's event records and never wait for a node; actions (add a
 * transaction, mine, register, resolve) and the mempool are commands the
 * node answers. Every action checks its whole input before it sends
 * anything, so a refused request leaves the node as it was. Bodies are
 * forms (the classic page) or JSON (programs); a form gets a redirect to /
 * on success and the page with the reason on failure, JSON gets JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/jpath.h"
#include "util/json_strict.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- bodies -------------------------------------------------------------- */

bool http__fields_parse(http__fields *f, http__body_kind kind, const char *body, size_t len,
                        http__body_error *e) {
    memset(f, 0, sizeof *f);
    const char *why = NULL;
    switch (kind) {
    case HTTP_BODY_NONE: return true;
    case HTTP_BODY_FORM:
        if (http__form_parse(&f->form, body, len, &why)) return true;
        *e = (http__body_error){MHD_HTTP_BAD_REQUEST, "bad_form", ""};
        snprintf(e->message, sizeof e->message, "%s", why);
        return false;
    case HTTP_BODY_JSON: {
        /* Strict first (RFC 8259, exact numbers): what cJSON would change
         * (a cut string, a rounded number, one of two equal keys) is refused. */
        json_strict_error err;
        f->json = json_strict_parse(body, len, JSON_STRICT_EXACT_INTEGERS, &err);
        if (!f->json) {
            char d[200];
            *e = (http__body_error){MHD_HTTP_BAD_REQUEST, "bad_json", ""};
            snprintf(e->message, sizeof e->message, "the body is not valid JSON: %s",
                     json_strict_describe(&err, d, sizeof d));
            return false;
        }
        if (!cJSON_IsObject(f->json)) {
            cJSON_Delete(f->json);
            f->json = NULL;
            *e = (http__body_error){MHD_HTTP_BAD_REQUEST, "bad_json", "the body must be a JSON object"};
            return false;
        }
        return true;
    }
    case HTTP_BODY_OTHER: break;
    }
    *e = (http__body_error){MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                            "send application/x-www-form-urlencoded or application/json"};
    return false;
}

/* Parses the request's body into fields. On a bad body answers the request
 * and returns false (*ret holds the handler's result). */
static bool http__read_fields(http__req *r, http__fields *f, enum MHD_Result *ret) {
    http__body_error e;
    if (http__fields_parse(f, r->kind, r->body.data, r->body.len, &e)) return true;
    *ret = http__fail(r, e.status, e.code, "%s", e.message);
    return false;
}

void http__fields_cleanup(http__fields *f) {
    http__form_cleanup(&f->form);
    cJSON_Delete(f->json);
}

bool http__field_str(const http__fields *f, const char *key, const char **out,
                            char *why, size_t why_len) {
    *out = NULL;
    if (!f->json) {
        *out = http__form_get(&f->form, key);
        return true;
    }
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(f->json, key);
    if (!it) return true;
    if (!cJSON_IsString(it)) {
        snprintf(why, why_len, "%s: expected a string", key);
        return false;
    }
    *out = it->valuestring;
    return true;
}

bool http__field_amount(const http__fields *f, int64_t *out, bool *present, char *why,
                               size_t why_len) {
    *present = false;
    if (f->json) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(f->json, "amount");
        if (!it) return true;
        *present = true;
        double d = it->valuedouble;
        if (!cJSON_IsNumber(it) || d != floor(d)) {
            snprintf(why, why_len, "amount: expected a whole number");
            return false;
        }
        if (fabs(d) > (double)TX_AMOUNT_MAX) {
            *out = d > 0 ? TX_AMOUNT_MAX + 1 : -1; /* refused by the tx rules, with their reason */
            return true;
        }
        *out = (int64_t)d;
        return true;
    }
    const char *s = http__form_get(&f->form, "amount");
    if (!s) return true;
    *present = true;
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (!*p || strspn(p, "0123456789") != strlen(p)) {
        snprintf(why, why_len, "amount: expected a whole number");
        return false;
    }
    int64_t v = 0;
    for (; *p; p++) {
        if (v > TX_AMOUNT_MAX) break; /* too large either way: stop before overflow */
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* ---- reads --------------------------------------------------------------- */

void http__write_chain(buf *out, const block *tip) {
    size_t len = (size_t)tip->index;
    const block **list = xmalloc((len + 1) * sizeof *list);
    size_t i = len;
    for (const block *b = tip; b && i > 0; b = b->parent) list[--i] = b;
    buf_puts(out, "{\"chain\": [");
    for (size_t k = i; k < len; k++) {
        if (k > i) buf_puts(out, ", ");
        block_to_json(out, list[k]);
    }
    buf_printf(out, "], \"length\": %zu}\n", len - i);
    free(list);
}

static const block *http__tip(http__req *r, node_snapshot *snap) {
    node_snapshot_get(sim_node(r->hn->srv->s, r->hn->id), snap);
    return snap->tip;
}

static void http__free_text(void *p) { free(p); }

/* The most asked-for answer: serialised once per tip, then shared. */
enum MHD_Result http__api_chain(http__req *r) {
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    node_snapshot_release(&snap);
    http__node *hn = r->hn;
    pthread_mutex_lock(&hn->lock);
    if (hn->chain_tip != tip || !hn->chain_resp) {
        if (hn->chain_resp) MHD_destroy_response(hn->chain_resp);
        buf b;
        buf_init(&b);
        http__write_chain(&b, tip);
        size_t len = 0;
        char *text = buf_detach(&b, &len);
        hn->chain_resp = MHD_create_response_from_buffer_with_free_callback(len, text, http__free_text);
        if (hn->chain_resp) {
            MHD_add_response_header(hn->chain_resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
            MHD_add_response_header(hn->chain_resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        } else {
            free(text);
        }
        hn->chain_tip = tip;
    }
    enum MHD_Result ret = hn->chain_resp ? MHD_queue_response(r->conn, MHD_HTTP_OK, hn->chain_resp) : MHD_NO;
    pthread_mutex_unlock(&hn->lock);
    return ret;
}

static void http__json_str(buf *out, const char *s) {
    cJSON *str = cJSON_CreateString(s);
    char *text = cJSON_PrintUnformatted(str);
    buf_puts(out, text);
    cJSON_free(text);
    cJSON_Delete(str);
}

static void http__write_peers(buf *out, http__node *hn) {
    int *peers = NULL;
    size_t n = http__peers(hn, &peers);
    buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(out, ", ");
        http__json_str(out, http__peer_url(hn->srv, peers[i]));
    }
    buf_putc(out, ']');
    free(peers);
}

/* The transport's state of each URL peer (remote.h: queues, caps,
 * backoff), so a user sees which peer is hung and what was dropped. */
static void http__write_transport(buf *out, http__node *hn) {
    int *peers = NULL;
    size_t n = http__peers(hn, &peers), k = 0;
    buf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        remote_peer_stats st;
        if (peers[i] < sim_node_count(hn->srv->s) || !remote_peer_stats_get(hn->srv->rt, peers[i], &st))
            continue;
        buf_puts(out, k++ ? ", {\"node\": " : "{\"node\": ");
        http__json_str(out, http__peer_url(hn->srv, peers[i]));
        buf_printf(out, ", \"pulls_queued\": %zu, \"pushes_queued\": %zu, \"in_flight\": %d, "
                   "\"failures\": %d, \"backoff_ms\": %" PRId64 ", \"pushes_dropped\": %" PRIu64 "}",
                   st.pulls_queued, st.pushes_queued, st.pulls_in_flight + st.pushes_in_flight,
                   st.failures, st.backoff_left_ms, st.pushes_dropped);
    }
    buf_putc(out, ']');
    free(peers);
}

enum MHD_Result http__api_nodes(http__req *r) {
    buf b;
    buf_init(&b);
    buf_puts(&b, "{\"nodes\": ");
    http__write_peers(&b, r->hn);
    buf_puts(&b, "}\n");
    return http__reply_buf(r, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result http__call_failed(http__req *r, unsigned status) {
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        return http__fail(r, status, "stopped", "the simulation has stopped");
    return http__fail(r, status, "timeout", "the node did not answer within %d ms",
                      r->hn->srv->desc.cmd_timeout_ms);
}

enum MHD_Result http__api_mempool(http__req *r) {
    node_cmd *cmd = node_cmd_new(CMD_INSPECT);
    unsigned st = http__call(r, cmd, 0);
    if (st) return http__call_failed(r, st);
    buf b;
    buf_init(&b);
    buf_puts(&b, "{\"transactions\": [");
    for (size_t i = 0; i < cmd->n_txs; i++) {
        if (i) buf_puts(&b, ", ");
        buf_append(&b, cmd->txs[i]->canon, cmd->txs[i]->canon_len);
    }
    buf_printf(&b, "], \"size\": %zu}\n", cmd->n_txs);
    node_cmd_free(cmd);
    return http__reply_buf(r, MHD_HTTP_OK, "application/json", &b);
}

enum MHD_Result http__api_balances(http__req *r) {
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    buf b;
    buf_init(&b);
    buf_puts(&b, "{\"balances\": {");
    size_t n = snap.balances ? ledger_count(snap.balances) : 0;
    ledger_entry *entries = xmalloc((n ? n : 1) * sizeof *entries);
    if (n) ledger_list(snap.balances, entries, n);
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(&b, ", ");
        http__json_str(&b, entries[i].name);
        buf_printf(&b, ": %" PRId64, entries[i].balance);
    }
    free(entries);
    buf_printf(&b, "}, \"height\": %" PRId64 ", \"tip\": \"%s\"}\n", tip->index, tip->hash_hex);
    node_snapshot_release(&snap);
    return http__reply_buf(r, MHD_HTTP_OK, "application/json", &b);
}

enum MHD_Result http__api_block(http__req *r, const char *hash) {
    if (strlen(hash) != BLOCK_HASH_HEX_LEN || strspn(hash, "0123456789abcdefABCDEF") != BLOCK_HASH_HEX_LEN)
        return http__reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_hash",
                                 "a block hash is 64 hexadecimal digits");
    http_server *h = r->hn->srv;
    node *n = sim_node(h->s, r->hn->id);
    block *b = bstore_get_hex(sim_store(h->s), hash);
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    node_snapshot_release(&snap);
    /* On the active chain: an ancestor of the tip. Held on a side branch:
     * the block's holder bit for this node (atomic, in the block). */
    bool active = b && atomic_load(&b->rooted) && b->index <= tip->index &&
                  block_ancestor(tip, b->index) == b;
    if (!b || (!active && !chain_has(&n->chain, b)))
        return http__reply_error(r, MHD_HTTP_NOT_FOUND, "unknown_block",
                                 "this node holds no block %s", hash);
    buf out;
    buf_init(&out);
    buf_puts(&out, "{\"block\": ");
    block_to_json(&out, b);
    buf_printf(&out, ", \"in_active_chain\": %s, \"confirmations\": %" PRId64 "}\n",
               active ? "true" : "false", active ? tip->index - b->index + 1 : 0);
    return http__reply_buf(r, MHD_HTTP_OK, "application/json", &out);
}

enum MHD_Result http__api_status(http__req *r) {
    http_server *h = r->hn->srv;
    node *n = sim_node(h->s, r->hn->id);
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    const chain_params *p = bstore_params(sim_store(h->s));
    pthread_mutex_lock(&r->hn->lock);
    uint64_t mined = r->hn->blocks_mined;
    pthread_mutex_unlock(&r->hn->lock);
    static const char *const modes[] = {"manual", "auto", "race"};
    buf b;
    buf_init(&b);
    buf_puts(&b, "{\"node\": ");
    http__json_str(&b, n->name);
    buf_printf(&b, ", \"url\": \"%s\", \"height\": %" PRId64 ", \"tip\": \"%s\", "
               "\"difficulty\": %d, \"ledger\": \"%s\", \"mempool_size\": %zu, \"peers\": ",
               r->hn->url, tip->index, tip->hash_hex, p->difficulty,
               p->ledger == LEDGER_OPEN ? "open" : "strict", snap.mempool_size);
    http__write_peers(&b, r->hn);
    buf_puts(&b, ", \"transport\": ");
    http__write_transport(&b, r->hn);
    buf_printf(&b, ", \"orphans\": %zu, \"crashed\": %s, \"blocks_rejected\": %" PRIu64 ", "
               "\"mining\": {\"mode\": \"%s\", \"in_progress\": %s, \"blocks_mined\": %" PRIu64 "}, "
               "\"sim_time\": %.3f}\n",
               snap.n_orphans, snap.crashed ? "true" : "false", snap.blocks_rejected,
               modes[n->mining], atomic_load(&r->hn->mining) > 0 ? "true" : "false", mined,
               (double)sim_now_us(h->s) / 1e6);
    node_snapshot_release(&snap);
    return http__reply_buf(r, MHD_HTTP_OK, "application/json", &b);
}

/* ---- actions ------------------------------------------------------------- */

/* Success: 201 with the JSON for programs, the classic redirect for forms. */
static enum MHD_Result http__done(http__req *r, buf *json) {
    if (r->wants_json) return http__reply_buf(r, MHD_HTTP_CREATED, "application/json", json);
    buf_cleanup(json);
    return http__reply_redirect(r, "/");
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
    buf b;
    buf_init(&b);
    buf_printf(&b, "{\"message\": \"Transaction will be added to Block %" PRId64 "\", "
               "\"transaction\": ", tip->index + 1);
    buf_append(&b, cmd->tx->canon, cmd->tx->canon_len);
    buf_puts(&b, "}\n");
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
    buf_init(&b);
    buf_puts(&b, "{\"message\": \"New Block Forged\", \"block\": ");
    block_to_json(&b, cmd->block);
    buf_puts(&b, "}\n");
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
    buf_init(&b);
    buf_puts(&b, "{\"message\": \"New nodes have been added\", \"total_nodes\": ");
    http__write_peers(&b, r->hn);
    buf_puts(&b, "}\n");
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
    buf_init(&b);
    buf_printf(&b, "{\"replaced\": %s, \"message\": \"%s\", \"length\": %" PRId64 ", \"tip\": \"%s\", "
               "\"rejected\": [",
               replaced ? "true" : "false",
               replaced ? "Our chain was replaced" : "Our chain is authoritative", tip->index,
               tip->hash_hex);
    for (size_t i = 0; i < n_ref; i++) {
        buf_puts(&b, i ? ", {\"node\": " : "{\"node\": ");
        http__json_str(&b, http__peer_url(r->hn->srv, refused[i].peer));
        buf_puts(&b, ", \"reason\": ");
        http__json_str(&b, refused[i].code);
        buf_puts(&b, ", \"message\": ");
        http__json_str(&b, refused[i].message);
        buf_putc(&b, '}');
    }
    free(refused);
    buf_puts(&b, "], \"chain\": ");
    buf mid;
    buf_init(&mid);
    http__write_chain(&mid, tip);
    /* {"chain": [...], "length": N}\n -> just the array */
    const char *open = strchr(mid.data, '[');
    const char *close = strrchr(mid.data, ']');
    buf_append(&b, open, (size_t)(close - open + 1));
    buf_cleanup(&mid);
    buf_puts(&b, "}\n");
    return http__reply_buf(r, MHD_HTTP_OK, "application/json", &b);
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
    m->from = http__origin(r);
    m->to = r->hn->id;
    sim_inject(r->hn->srv->s, m);
    buf out;
    buf_init(&out);
    buf_printf(&out, "{\"received\": \"%s\"}\n", b->hash_hex);
    return http__reply_buf(r, MHD_HTTP_ACCEPTED, "application/json", &out);
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
    if (pending >= sim_node(r->hn->srv->s, r->hn->id)->mempool.max) {
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
    m->from = http__origin(r);
    m->to = r->hn->id;
    buf out;
    buf_init(&out);
    buf_puts(&out, "{\"received\": ");
    http__json_str(&out, t->id);
    buf_puts(&out, "}\n");
    sim_inject(r->hn->srv->s, m);
    return http__reply_buf(r, MHD_HTTP_ACCEPTED, "application/json", &out);
}
