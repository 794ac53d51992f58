/* http_api.c - the reads of the classic API and what users of such nodes
 * ask for: chain, nodes, mempool, balances, one block, status.
 *
 * They come from snapshots and the server's event records and never wait
 * for a node, except the mempool, which the node lists on request (a
 * command). Every answer is one JSON object written with util/jsonw (its
 * ", " and ": " layout), then a newline; strings are escaped by the writer,
 * and blocks and transactions are copied as the wire and canonical JSON
 * they are hashed and relayed as. The actions are in http_actions.c. */
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/jsonw.h"
#include "util/mem.h"

/* ---- what the answers share ---------------------------------------------- */

const block *http__tip(http__req *r, node_snapshot *snap) {
    node_snapshot_get(sim_node(r->hn->srv->s, r->hn->id), snap);
    return snap->tip;
}

size_t http__write_chain_array(jsonw *w, const block *tip) {
    size_t len = (size_t)tip->index;
    const block **list = xmalloc((len + 1) * sizeof *list);
    size_t i = len;
    for (const block *b = tip; b && i > 0; b = b->parent) list[--i] = b;
    jsonw_arr_begin(w);
    for (size_t k = i; k < len; k++) {
        jsonw_value_begin(w);
        block_to_json(w->out, list[k]);
    }
    jsonw_arr_end(w);
    free(list);
    return len - i;
}

void http__write_peers(jsonw *w, http__node *hn) {
    int *peers = NULL;
    size_t n = http__peers(hn, &peers);
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++) jsonw_str(w, http__peer_url(hn->srv, peers[i]));
    jsonw_arr_end(w);
    free(peers);
}

enum MHD_Result http__call_failed(http__req *r, unsigned status) {
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        return http__fail(r, status, "stopped", "the simulation has stopped");
    return http__fail(r, status, "timeout", "the node did not answer within %d ms",
                      r->hn->srv->desc.cmd_timeout_ms);
}

/* ---- GET /chain ----------------------------------------------------------- */

void http__write_chain(buf *out, const block *tip) {
    jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "chain");
    size_t n = http__write_chain_array(&w, tip);
    jsonw_kuint(&w, "length", n);
    jsonw_obj_end(&w);
    buf_putc(out, '\n');
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

/* ---- the other reads ------------------------------------------------------ */

enum MHD_Result http__api_nodes(http__req *r) {
    buf b;
    jsonw w;
    http__json_begin(&b, &w);
    jsonw_key(&w, "nodes");
    http__write_peers(&w, r->hn);
    jsonw_obj_end(&w);
    return http__reply_json(r, MHD_HTTP_OK, &b);
}

enum MHD_Result http__api_mempool(http__req *r) {
    node_cmd *cmd = node_cmd_new(CMD_INSPECT);
    unsigned st = http__call(r, cmd, 0);
    if (st) return http__call_failed(r, st);
    buf b;
    jsonw w;
    http__json_begin(&b, &w);
    jsonw_key(&w, "transactions");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < cmd->n_txs; i++) jsonw_raw_n(&w, cmd->txs[i]->canon, cmd->txs[i]->canon_len);
    jsonw_arr_end(&w);
    jsonw_kuint(&w, "size", cmd->n_txs);
    jsonw_obj_end(&w);
    node_cmd_free(cmd);
    return http__reply_json(r, MHD_HTTP_OK, &b);
}

enum MHD_Result http__api_balances(http__req *r) {
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    buf b;
    jsonw w;
    http__json_begin(&b, &w);
    jsonw_key(&w, "balances");
    jsonw_obj_begin(&w);
    size_t n = snap.balances ? ledger_count(snap.balances) : 0;
    ledger_entry *entries = xmalloc((n ? n : 1) * sizeof *entries);
    if (n) ledger_list(snap.balances, entries, n);
    for (size_t i = 0; i < n; i++) jsonw_kint(&w, entries[i].name, entries[i].balance);
    free(entries);
    jsonw_obj_end(&w);
    jsonw_kint(&w, "height", tip->index);
    jsonw_kstr(&w, "tip", tip->hash_hex);
    jsonw_obj_end(&w);
    node_snapshot_release(&snap);
    return http__reply_json(r, MHD_HTTP_OK, &b);
}

enum MHD_Result http__api_block(http__req *r, const char *hash) {
    if (strlen(hash) != BLOCK_HASH_HEX_LEN || strspn(hash, "0123456789abcdefABCDEF") != BLOCK_HASH_HEX_LEN)
        return http__reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_hash",
                                 "a block hash is 64 hexadecimal digits");
    http_server *h = r->hn->srv;
    const node *n = sim_node(h->s, r->hn->id);
    block *b = bstore_get_hex(sim_store(h->s), hash);
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    node_snapshot_release(&snap);
    /* On the active chain: an ancestor of the tip. Held on a side branch:
     * the block's holder bit for this node (atomic, in the block). */
    bool active = b && atomic_load(&b->rooted) && b->index <= tip->index &&
                  block_ancestor(tip, b->index) == b;
    if (!b || (!active && !node_holds(n, b)))
        return http__reply_error(r, MHD_HTTP_NOT_FOUND, "unknown_block",
                                 "this node holds no block %s", hash);
    buf out;
    jsonw w;
    http__json_begin(&out, &w);
    jsonw_key(&w, "block");
    jsonw_value_begin(&w);
    block_to_json(&out, b);
    jsonw_kbool(&w, "in_active_chain", active);
    jsonw_kint(&w, "confirmations", active ? tip->index - b->index + 1 : 0);
    jsonw_obj_end(&w);
    return http__reply_json(r, MHD_HTTP_OK, &out);
}

/* The transport's state of each URL peer (remote.h: queues, caps,
 * backoff), so a user sees which peer is hung and what was dropped. */
static void http__write_transport(jsonw *w, http__node *hn) {
    int *peers = NULL;
    size_t n = http__peers(hn, &peers);
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        remote_peer_stats st;
        if (peers[i] < sim_node_count(hn->srv->s) || !remote_peer_stats_get(hn->srv->rt, peers[i], &st))
            continue;
        jsonw_obj_begin(w);
        jsonw_kstr(w, "node", http__peer_url(hn->srv, peers[i]));
        jsonw_kuint(w, "pulls_queued", st.pulls_queued);
        jsonw_kuint(w, "pushes_queued", st.pushes_queued);
        jsonw_kint(w, "in_flight", st.pulls_in_flight + st.pushes_in_flight);
        jsonw_kint(w, "failures", st.failures);
        jsonw_kint(w, "backoff_ms", st.backoff_left_ms);
        jsonw_kuint(w, "pushes_dropped", st.pushes_dropped);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    free(peers);
}

enum MHD_Result http__api_status(http__req *r) {
    http_server *h = r->hn->srv;
    const node *n = sim_node(h->s, r->hn->id);
    node_snapshot snap;
    const block *tip = http__tip(r, &snap);
    const chain_params *p = bstore_params(sim_store(h->s));
    pthread_mutex_lock(&r->hn->lock);
    uint64_t mined = r->hn->blocks_mined;
    pthread_mutex_unlock(&r->hn->lock);
    static const char *const modes[] = {"manual", "auto", "race"};
    buf b;
    jsonw w;
    http__json_begin(&b, &w);
    jsonw_kstr(&w, "node", node_name(n));
    jsonw_kstr(&w, "url", r->hn->url);
    jsonw_kint(&w, "height", tip->index);
    jsonw_kstr(&w, "tip", tip->hash_hex);
    jsonw_kint(&w, "difficulty", p->difficulty);
    jsonw_kstr(&w, "ledger", p->ledger == LEDGER_OPEN ? "open" : "strict");
    jsonw_kuint(&w, "mempool_size", snap.mempool_size);
    jsonw_key(&w, "peers");
    http__write_peers(&w, r->hn);
    jsonw_key(&w, "transport");
    http__write_transport(&w, r->hn);
    jsonw_kuint(&w, "orphans", snap.n_orphans);
    jsonw_kbool(&w, "crashed", snap.crashed);
    jsonw_kuint(&w, "blocks_rejected", snap.blocks_rejected);
    jsonw_key(&w, "mining");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "mode", modes[node_mining_mode(n)]);
    jsonw_kbool(&w, "in_progress", atomic_load(&r->hn->mining) > 0);
    jsonw_kuint(&w, "blocks_mined", mined);
    jsonw_obj_end(&w);
    jsonw_key(&w, "sim_time");
    jsonw_fixed(&w, (double)sim_now_us(h->s) / 1e6, 3);
    jsonw_obj_end(&w);
    node_snapshot_release(&snap);
    return http__reply_json(r, MHD_HTTP_OK, &b);
}
