/* msg.c - message lifecycle and wire sizes.
 *
 * A message is a small struct of pointers. Blocks it names are borrowed from
 * the shared store (interned blocks live as long as the store), so freeing a
 * message never touches a block's count; a transaction is a counted reference
 * and is dropped here. Sizes follow Bitcoin's framing: a 24-byte header, then
 * 36 bytes per inventory entry or the object's JSON bytes, so bandwidth
 * costs match what a real relay would carry. A compact block is its header
 * and a short id per transaction (BIP 152); a getblocktxn names the block
 * like an inventory entry. */
#include "net/msg.h"

#include <assert.h>
#include <stdlib.h>

#include "util/mem.h"

msg *msg_new(msg_kind kind) {
    assert(kind >= MSG_INV && kind < MSG_KIND_COUNT);
    msg *m = xmalloc(sizeof *m);
    *m = (msg){.kind = kind, .from = -1, .to = -1};
    return m;
}

void msg_free(msg *m) {
    if (!m) return;
    free(m->blocks);
    tx_unref(m->tx);
    free(m);
}

/* Sum of the blocks' JSON sizes, saturating: a whole chain may exceed what
 * a uint32_t size can say, and "too big to matter" is the right answer. */
static uint64_t msg__blocks_bytes(block *const *blocks, size_t n_blocks) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n_blocks; i++) {
        assert(blocks[i]);
        sum += blocks[i]->wire_bytes;
        if (sum > UINT32_MAX) return UINT32_MAX;
    }
    return sum;
}

uint32_t msg_wire_size(const msg *m) {
    uint64_t payload = 0;
    switch (m->kind) {
    case MSG_INV:
    case MSG_GETDATA:
    case MSG_GETBLOCKTXN:
        payload = MSG_INV_BYTES;
        break;
    case MSG_CMPCTBLOCK:
        assert(m->block);
        payload = msg_compact_payload(m->block->n_txs);
        break;
    case MSG_BLOCK:
        assert(m->block);
        payload = m->block->wire_bytes;
        break;
    case MSG_TX:
        assert(m->tx);
        payload = m->tx->canon_len;
        break;
    case MSG_GETBLOCKS:
        /* The wanted hash plus one 32-byte hash per locator entry. */
        payload = 32 * ((uint64_t)m->n_blocks + 1);
        break;
    case MSG_BLOCKS:
    case MSG_CHAIN:
        payload = msg__blocks_bytes(m->blocks, m->n_blocks);
        break;
    case MSG_GETCHAIN:
        payload = 0;
        break;
    case MSG_COMMAND:
        return 0; /* local to the process: never crosses the wire */
    }
    uint64_t total = MSG_HEADER_BYTES + payload;
    return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

uint64_t msg_compact_payload(uint64_t n_txs) {
    return MSG_COMPACT_HEADER_BYTES + MSG_COMPACT_TX_BYTES * n_txs;
}

const char *msg_kind_name(msg_kind kind) {
    switch (kind) {
    case MSG_INV: return "inv";
    case MSG_GETDATA: return "getdata";
    case MSG_BLOCK: return "block";
    case MSG_TX: return "tx";
    case MSG_GETBLOCKS: return "getblocks";
    case MSG_BLOCKS: return "blocks";
    case MSG_GETCHAIN: return "getchain";
    case MSG_CHAIN: return "chain";
    case MSG_CMPCTBLOCK: return "cmpctblock";
    case MSG_GETBLOCKTXN: return "getblocktxn";
    case MSG_COMMAND: return "command";
    }
    return "?";
}
