/* http_page.c - the web page, rendered on the server.
 *
 * assets/index.html is a template: the server replaces each marker
 * <!--@name--> with HTML built from the node's snapshot, so the page shows
 * the chain, mempool, balances and peers, and its forms post, with
 * JavaScript off. assets/app.js then keeps it live: on each Server-Sent
 * Event it fetches / again and swaps the marked sections, and it posts the
 * forms itself to show the outcome (or the reason for a refusal) without
 * leaving the page. A refused form post without JavaScript gets this page
 * with the reason in the message banner and the 4xx status, and its inputs
 * filled with what was typed (<!--@typed:FIELD--> in a value attribute). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/canon.h"
#include "util/mem.h"

/* Wait this long at most for the mempool before drawing the page without it
 * (the node may be busy sealing a block). */
#define HTTP_PAGE_INSPECT_MS 2000

typedef struct http__view {
    http__req *r;
    node_snapshot snap;
    const char *message;
    bool is_error;
    node_cmd *inspect;    /* the mempool, or NULL if the node was busy */
    http__form typed;     /* a refused form's fields, to fill its inputs again */
} http__view;

static void http__hash_html(buf *out, const char *hex, int zeros) {
    if (strcmp(hex, "0") == 0) {
        buf_puts(out, "0 <small>(none: the genesis)</small>");
        return;
    }
    buf_printf(out, "<span class=\"zeros\">%.*s</span>%s", zeros, hex, hex + zeros);
}

static int http__leading_zeros(const char *hex) {
    int z = 0;
    while (hex[z] == '0') z++;
    return z;
}

/* The amount as the transaction carried it (a classic node may send text). */
static void http__amount_html(buf *out, const tx *t) {
    if (t->amount != 0) {
        buf_printf(out, "%" PRId64, t->amount);
        return;
    }
    cJSON *o = cJSON_ParseWithLength(t->canon, t->canon_len);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "amount");
    char *text = a ? cJSON_PrintUnformatted(a) : NULL;
    buf_puts_markup(out, text ? text : "?");
    cJSON_free(text);
    cJSON_Delete(o);
}

static void http__tx_rows(buf *out, tx *const *txs, size_t n) {
    if (n == 0) {
        buf_puts(out, "<p class=\"empty\">no transactions</p>");
        return;
    }
    buf_puts(out, "<table class=\"txs\"><thead><tr><th>sender</th><th></th><th>receiver</th>"
                  "<th class=\"num\">amount</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const tx *t = txs[i];
        buf_printf(out, "<tr%s title=\"id ", tx_is_reward(t) ? " class=\"reward\"" : "");
        buf_puts_markup(out, t->id);
        buf_puts(out, "\"><td>");
        buf_puts_markup(out, tx_is_reward(t) ? "reward" : t->sender);
        buf_puts(out, "</td><td>&rarr;</td><td>");
        buf_puts_markup(out, t->receiver);
        buf_puts(out, "</td><td class=\"num\">");
        http__amount_html(out, t);
        buf_puts(out, "</td></tr>");
    }
    buf_puts(out, "</tbody></table>");
}

static void http__block_card(buf *out, const block *b) {
    buf_printf(out, "<article class=\"block\" id=\"block-%s\"><header><span class=\"index\">#%" PRId64
               "</span>", b->hash_hex, b->index);
    if (b->miner[0]) {
        buf_puts(out, " <span class=\"miner\">mined by ");
        buf_puts_markup(out, b->miner);
        buf_puts(out, "</span>");
    }
    if (b->timestamp_ms > 0)
        buf_printf(out, " <span class=\"time\">t = %.3f s</span>", (double)b->timestamp_ms / 1e3);
    buf_puts(out, "</header><dl><dt>hash</dt><dd class=\"hash\">");
    http__hash_html(out, b->hash_hex, block_hash_zero_digits(b));
    buf_puts(out, "</dd><dt>previous</dt><dd class=\"hash\">");
    http__hash_html(out, b->prev_hash, http__leading_zeros(b->prev_hash));
    buf_printf(out, "</dd><dt>nonce</dt><dd>%" PRIu64 "</dd><dt>difficulty</dt><dd>%d bits</dd></dl>",
               b->proof, b->difficulty);
    http__tx_rows(out, b->txs, b->n_txs);
    buf_puts(out, "</article>");
}

static void http__section(http__view *v, buf *out, const char *name) {
    http__req *r = v->r;
    http_server *h = r->hn->srv;
    const block *tip = v->snap.tip;
    if (strcmp(name, "node") == 0) {
        buf_puts_markup(out, node_name(sim_node(h->s, r->hn->id)));
    } else if (strcmp(name, "url") == 0) {
        buf_puts_markup(out, r->hn->url);
    } else if (strncmp(name, "typed:", 6) == 0) {
        /* Typed back only if it is text: bytes that are not UTF-8 would make
         * the page invalid (the message quotes them as \xNN). */
        const char *value = http__form_get(&v->typed, name + 6);
        if (value && utf8_valid(value, strlen(value))) buf_puts_markup(out, value);
    } else if (strcmp(name, "message") == 0) {
        if (v->message) {
            buf_printf(out, "<div class=\"message %s\" role=\"%s\">", v->is_error ? "error" : "info",
                       v->is_error ? "alert" : "status");
            buf_puts_markup(out, v->message);
            buf_puts(out, "</div>");
        }
    } else if (strcmp(name, "status") == 0) {
        const chain_params *p = bstore_params(sim_store(h->s));
        buf_printf(out, "<span>height <b>%" PRId64 "</b></span> <span>tip <code>%.16s&hellip;</code></span> "
                   "<span>peers <b>%zu</b></span> <span>mempool <b>%zu</b></span> "
                   "<span>difficulty <b>%d</b> bits</span> <span>ledger <b>%s</b></span>%s%s",
                   tip->index, tip->hash_hex, v->snap.n_peers, v->snap.mempool_size, p->difficulty,
                   p->ledger == LEDGER_OPEN ? "open" : "strict",
                   atomic_load(&r->hn->mining) > 0 ? " <span class=\"busy\">mining&hellip;</span>" : "",
                   v->snap.crashed ? " <span class=\"down\">crashed</span>" : "");
    } else if (strcmp(name, "peers") == 0) {
        int *peers = NULL;
        size_t n = http__peers(r->hn, &peers);
        if (n == 0) buf_puts(out, "<p class=\"empty\">no peers yet: register one below</p>");
        else buf_puts(out, "<ul class=\"peers\">");
        for (size_t i = 0; i < n; i++) {
            const char *url = http__peer_url(h, peers[i]);
            buf_puts(out, "<li><a href=\"");
            buf_puts_markup(out, url);
            buf_puts(out, "/\">");
            buf_puts_markup(out, url);
            buf_puts(out, "</a></li>");
        }
        if (n) buf_puts(out, "</ul>");
        free(peers);
    } else if (strcmp(name, "mempool") == 0) {
        if (v->inspect) http__tx_rows(out, v->inspect->txs, v->inspect->n_txs);
        else buf_puts(out, "<p class=\"empty\">the node is busy; reload in a moment</p>");
    } else if (strcmp(name, "balances") == 0) {
        const ledger *l = v->snap.balances;
        size_t n = l ? ledger_count(l) : 0;
        if (n == 0) {
            buf_puts(out, "<p class=\"empty\">no accounts yet</p>");
            return;
        }
        ledger_entry *entries = xmalloc(n * sizeof *entries);
        ledger_list(l, entries, n);
        buf_puts(out, "<table class=\"balances\"><tbody>");
        for (size_t i = 0; i < n; i++) {
            buf_puts(out, "<tr><td>");
            buf_puts_markup(out, entries[i].name);
            buf_printf(out, "</td><td class=\"num\">%" PRId64 "</td></tr>", entries[i].balance);
        }
        buf_puts(out, "</tbody></table>");
        free(entries);
    } else if (strcmp(name, "chain") == 0) {
        int shown = 0;
        for (const block *b = tip; b && shown < HTTP_PAGE_BLOCKS; b = b->parent, shown++)
            http__block_card(out, b);
        if (tip->index > HTTP_PAGE_BLOCKS)
            buf_printf(out, "<p class=\"empty\">%" PRId64 " older blocks: see <a href=\"/chain\">/chain</a></p>",
                       tip->index - HTTP_PAGE_BLOCKS);
    }
}

enum MHD_Result http__page(http__req *r, unsigned status, const char *message, bool is_error) {
    const http__asset *tpl = http__asset_named(r->hn->srv, "index.html");
    if (!tpl)
        return http__reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "no_assets",
                                 "the web page's files were not found; start chainsim with "
                                 "CHAINSIM_ASSETS=/path/to/assets (the API works without them)");
    http__view v = {.r = r, .message = message, .is_error = is_error};
    const char *why = NULL;
    if (is_error && r->kind == HTTP_BODY_FORM && !http__form_parse(&v.typed, r->body.data, r->body.len, &why))
        http__form_cleanup(&v.typed); /* an undecodable body: the inputs stay empty */
    v.inspect = node_cmd_new(CMD_INSPECT);
    if (http__call(r, v.inspect, HTTP_PAGE_INSPECT_MS) != 0) v.inspect = NULL;
    node_snapshot_get(sim_node(r->hn->srv->s, r->hn->id), &v.snap);
    buf out;
    buf_init(&out);
    const char *p = tpl->data, *end = tpl->data + tpl->len;
    while (p < end) {
        const char *mark = strstr(p, "<!--@");
        if (!mark || mark >= end) {
            buf_append(&out, p, (size_t)(end - p));
            break;
        }
        buf_append(&out, p, (size_t)(mark - p));
        const char *close = strstr(mark, "-->");
        if (!close) {
            buf_append(&out, mark, (size_t)(end - mark));
            break;
        }
        char name[32];
        size_t nl = (size_t)(close - (mark + 5));
        if (nl < sizeof name) {
            memcpy(name, mark + 5, nl);
            name[nl] = '\0';
            http__section(&v, &out, name);
        }
        p = close + 3;
    }
    node_snapshot_release(&v.snap);
    node_cmd_free(v.inspect);
    http__form_cleanup(&v.typed);
    return http__reply_buf(r, status, "text/html; charset=utf-8", &out);
}
