/* trace.c - the event stream as JSON Lines: each event is written into one
 * reused line buffer by the JSON writer (util/jsonw), which escapes every
 * string, then handed to stdio's 1 MB buffer in one call. */
#include "out/trace.h"

#include <stdlib.h>

#include "node/node.h"
#include "util/jsonw.h"
#include "util/mem.h"

#define TRACE_BUFFER_BYTES (1 << 20)

cs_err trace_open(trace *t, const char *path) {
    t->f = fopen(path, "w");
    if (!t->f) return CS_EIO;
    t->buffer = xmalloc(TRACE_BUFFER_BYTES);
    setvbuf(t->f, t->buffer, _IOFBF, TRACE_BUFFER_BYTES);
    return CS_OK;
}

cs_err trace_close(trace *t) {
    if (!t->f) return CS_OK;
    bool bad = ferror(t->f) != 0;
    bad |= fclose(t->f) != 0;
    free(t->buffer);
    buf_cleanup(&t->line);
    t->f = NULL;
    t->buffer = NULL;
    return bad ? CS_EIO : CS_OK;
}

void trace_sink(void *user, const sim_event *ev) {
    trace *t = user;
    jsonw w;
    buf_reset(&t->line);
    jsonw_init(&w, &t->line);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "t_us", ev->t_us);
    jsonw_kstr(&w, "ev", ev_kind_name(ev->kind));
    jsonw_kint(&w, "node", ev->node);
    if (ev->peer >= 0) jsonw_kint(&w, "peer", ev->peer);
    switch (ev->kind) {
    case EV_MSG_SENT:
    case EV_MSG_DELIVERED:
    case EV_MSG_DROPPED:
        jsonw_kstr(&w, "msg", msg_kind_name(ev->msg));
        jsonw_kuint(&w, "bytes", ev->bytes);
        if (ev->block) jsonw_kstr(&w, "block", ev->block->hash_hex);
        if (ev->tx) jsonw_kstr(&w, "tx", ev->tx->id);
        if (ev->kind == EV_MSG_DROPPED) jsonw_kstr(&w, "fate", wire_fate_name(ev->fate));
        break;
    case EV_TIP_CHANGED:
        jsonw_kstr(&w, "block", ev->block->hash_hex);
        jsonw_kint(&w, "height", ev->block->index);
        jsonw_kstr(&w, "old_tip", ev->old_tip ? ev->old_tip->hash_hex : "");
        jsonw_kint(&w, "reorg_depth", ev->reorg_depth);
        break;
    case EV_BLOCK_REJECTED:
    case EV_CHAIN_REJECTED:
        if (ev->block) jsonw_kstr(&w, "block", ev->block->hash_hex);
        jsonw_kstr(&w, "reason", reject_code(ev->reason));
        break;
    case EV_TX_ACCEPTED:
    case EV_TX_REJECTED:
        if (ev->tx) {
            jsonw_kstr(&w, "tx", ev->tx->id);
            jsonw_kint(&w, "amount", ev->tx->amount);
        }
        if (ev->kind == EV_TX_REJECTED) jsonw_kstr(&w, "reason", reject_code(ev->reason));
        break;
    case EV_MINED:
    case EV_BLOCK_ACCEPTED:
    case EV_RESOLVED:
        jsonw_kstr(&w, "block", ev->block->hash_hex);
        jsonw_kint(&w, "height", ev->block->index);
        if (ev->kind == EV_MINED) jsonw_kuint(&w, "txs", ev->block->n_txs);
        if (ev->kind == EV_RESOLVED) jsonw_kbool(&w, "replaced", ev->value != 0);
        break;
    case EV_HASH_POWER:
        jsonw_key(&w, "share_ppm");
        jsonw_fixed(&w, ev->value * 1e6, 0);
        break;
    case EV_HEARD:
        jsonw_kstr(&w, "block", ev->block->hash_hex);
        jsonw_kint(&w, "height", ev->block->index);
        jsonw_kstr(&w, "msg", msg_kind_name(ev->msg));
        jsonw_kint(&w, "nth", (int64_t)ev->value);
        jsonw_kint(&w, "peers", (int64_t)ev->value2);
        break;
    case EV_ATTACKER:
        jsonw_kstr(&w, "strategy", node_strategy_name((node_strategy)ev->strategy));
        break;
    case EV_ATTACK:
        if (ev->strategy == NODE_SELFISH)
            jsonw_kstr(&w, "outcome", ev->value > 0 ? "race_won" : "race_lost");
        else if (ev->value > 1)
            jsonw_kstr(&w, "outcome", "started");
        else
            jsonw_kstr(&w, "outcome", ev->value > 0 ? "released" : ev->value == 0 ? "gave_up" : "no_funds");
        if (ev->strategy == NODE_DOUBLE_SPEND && (ev->value == 0 || ev->value == 1))
            jsonw_kint(&w, "lead", ev->lead);
        break;
    default: break;
    }
    jsonw_obj_end(&w);
    buf_putc(&t->line, '\n');
    fwrite(t->line.data, 1, t->line.len, t->f);
}
