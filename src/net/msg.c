/* msg.c - message lifecycle and wire sizes.
 *
 * A message is a small struct of pointers. Blocks it names are borrowed from
 * the shared store (interned blocks live as long as the store), so freeing a
 * message never touches a block's count; a transaction is a counted reference
 * and is dropped here. Sizes follow Bitcoin's framing: a 24-byte header, then
 * 36 bytes per inventory entry or the object's JSON bytes, so bandwidth
 * costs match what a real relay would carry. A compact block is its header
 * and a short id per transaction (BIP 152); a getblocktxn names the block
 * like an inventory entry.
 *
 * Freed messages are kept for reuse on a short list per thread. A large
 * run allocates a message for every inv and getdata it sends (millions),
 * and most are freed again at once (the virtual executor carries block
 * announcements inside its queue entry); malloc and free cost more than
 * the rest of sending. Per thread, because the threads executor creates and
 * frees messages on every node thread: no lock, and a message made on one
 * thread and freed on another simply joins the second one's list. The list
 * is capped so a thread that receives far more than it sends does not
 * hoard, and a thread's list is freed when the thread ends. Under
 * AddressSanitizer a listed message is poisoned, so a use after msg_free
 * is still caught. */
#include "net/msg.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/mem.h"

#if defined(__SANITIZE_ADDRESS__)
#define MSG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSG_ASAN 1
#endif
#endif
#ifdef MSG_ASAN
#include <sanitizer/asan_interface.h>
#define MSG_POISON(m) ASAN_POISON_MEMORY_REGION((m), sizeof(msg))
#define MSG_UNPOISON(m) ASAN_UNPOISON_MEMORY_REGION((m), sizeof(msg))
#else
#define MSG_POISON(m) ((void)(m))
#define MSG_UNPOISON(m) ((void)(m))
#endif

/* Enough for a node relaying to all its peers between two deliveries. */
#define MSG_POOL_MAX 64

/* The list is an array, not a chain through the messages: a listed message
 * is wholly poisoned under ASan, and LeakSanitizer still finds it. */
typedef struct msg__pool {
    msg *free[MSG_POOL_MAX];
    int n;
    bool registered; /* the thread-exit destructor knows this list */
} msg__pool;

static _Thread_local msg__pool msg__pool_local;
static pthread_key_t msg__pool_key;
static pthread_once_t msg__pool_once = PTHREAD_ONCE_INIT;

/* Runs when a thread that listed messages ends. */
static void msg__pool_drain(void *arg) {
    msg__pool *p = arg;
    while (p->n > 0) {
        msg *m = p->free[--p->n];
        MSG_UNPOISON(m);
        free(m);
    }
    p->registered = false;
}

static void msg__pool_key_make(void) {
    if (pthread_key_create(&msg__pool_key, msg__pool_drain) != 0) abort();
}

msg *msg_new(msg_kind kind) {
    assert(kind >= MSG_INV && kind < MSG_KIND_COUNT);
    msg__pool *p = &msg__pool_local;
    msg *m;
    if (p->n > 0) {
        m = p->free[--p->n];
        MSG_UNPOISON(m);
    } else {
        m = xmalloc(sizeof *m);
    }
    *m = (msg){.kind = kind, .from = -1, .to = -1};
    return m;
}

void msg_free(msg *m) {
    if (!m) return;
    free(m->blocks);
    tx_unref(m->tx);
    msg__pool *p = &msg__pool_local;
    if (p->n == MSG_POOL_MAX) {
        free(m);
        return;
    }
    if (!p->registered) {
        pthread_once(&msg__pool_once, msg__pool_key_make);
        if (pthread_setspecific(msg__pool_key, p) != 0) abort();
        p->registered = true;
    }
    MSG_POISON(m);
    p->free[p->n++] = m;
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
