#include "sim/trace.h"

#include <inttypes.h>
#include <stdlib.h>

#include "node/node.h"
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
    t->f = NULL;
    t->buffer = NULL;
    return bad ? CS_EIO : CS_OK;
}

static const char *trace__fate(wire_fate f) {
    return f == EV_DROP_CRASHED ? "crashed" : wire_fate_name(f);
}

void trace_sink(void *user, const sim_event *ev) {
    trace *t = user;
    FILE *f = t->f;
    fprintf(f, "{\"t_us\": %" PRId64 ", \"ev\": \"%s\", \"node\": %d", ev->t_us,
            ev_kind_name(ev->kind), ev->node);
    if (ev->peer >= 0) fprintf(f, ", \"peer\": %d", ev->peer);
    switch (ev->kind) {
    case EV_MSG_SENT:
    case EV_MSG_DELIVERED:
        fprintf(f, ", \"msg\": \"%s\", \"bytes\": %u", msg_kind_name(ev->msg), ev->bytes);
        break;
    case EV_MSG_DROPPED:
        fprintf(f, ", \"msg\": \"%s\", \"bytes\": %u, \"fate\": \"%s\"", msg_kind_name(ev->msg),
                ev->bytes, trace__fate(ev->fate));
        break;
    case EV_TIP_CHANGED:
        fprintf(f, ", \"block\": \"%s\", \"height\": %" PRId64 ", \"old_tip\": \"%s\", \"reorg_depth\": %d",
                ev->block->hash_hex, ev->block->index, ev->old_tip ? ev->old_tip->hash_hex : "",
                ev->reorg_depth);
        break;
    case EV_BLOCK_REJECTED:
    case EV_CHAIN_REJECTED:
        if (ev->block) fprintf(f, ", \"block\": \"%s\"", ev->block->hash_hex);
        fprintf(f, ", \"reason\": \"%s\"", reject_code(ev->reason));
        break;
    case EV_TX_ACCEPTED:
    case EV_TX_REJECTED:
        if (ev->tx) fprintf(f, ", \"tx\": \"%s\", \"amount\": %" PRId64, ev->tx->id, ev->tx->amount);
        if (ev->kind == EV_TX_REJECTED) fprintf(f, ", \"reason\": \"%s\"", reject_code(ev->reason));
        break;
    case EV_MINED:
    case EV_BLOCK_ACCEPTED:
    case EV_RESOLVED:
        fprintf(f, ", \"block\": \"%s\", \"height\": %" PRId64, ev->block->hash_hex, ev->block->index);
        if (ev->kind == EV_MINED) fprintf(f, ", \"txs\": %zu", ev->block->n_txs);
        if (ev->kind == EV_RESOLVED) fprintf(f, ", \"replaced\": %s", ev->value != 0 ? "true" : "false");
        break;
    case EV_HASH_POWER: fprintf(f, ", \"share_ppm\": %.0f", ev->value * 1e6); break;
    case EV_ATTACKER:
        fprintf(f, ", \"strategy\": \"%s\"", node_strategy_name((node_strategy)ev->strategy));
        break;
    case EV_ATTACK:
        if (ev->strategy == NODE_SELFISH)
            fprintf(f, ", \"outcome\": \"%s\"", ev->value > 0 ? "race_won" : "race_lost");
        else
            fprintf(f, ", \"outcome\": \"%s\"",
                    ev->value > 0 ? "released" : ev->value == 0 ? "gave_up" : "no_funds");
        break;
    default: break;
    }
    fputs("}\n", f);
}
