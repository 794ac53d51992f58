/* mempool.c - a node's pending transactions, in arrival order.
 *
 * The array keeps arrival order (what mempool_select honours); by_id makes
 * duplicate checks O(1); pending_out keeps, per sender, the sum of that
 * sender's pending amounts, so a new transaction is checked against the
 * tip's balance minus what the sender already promised (no double spending
 * through the pool). Removals compact the array in one pass, so a block of
 * k transactions costs O(n + k), not O(n * k).
 *
 * Invariant between calls (once the node has called block_applied /
 * block_undone / revalidate after a tip change): no pooled id is in the
 * tip's branch, and pending_out[s] is the sum of the pooled amounts sent by
 * s (no entry at zero). mempool_select re-checks validity itself, so a pool
 * that was not revalidated after a plain extension still yields a valid
 * block. */
#include "chain/mempool.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* A pending_out value: the sum first (readers may treat the value as an
 * int64_t *), then the sender's name, which is the entry's key, so the key
 * lives exactly as long as the entry. */
typedef struct mempool__out {
    int64_t sum;
    char sender[];
} mempool__out;

void mempool_init(mempool *m, size_t max) {
    *m = (mempool){0};
    m->max = max ? max : MEMPOOL_DEFAULT_MAX;
}

static void mempool__clear_pending(mempool *m) {
    if (!m->maps) return;
    hmap *out = &m->maps->pending_out;
    const hmap_slot *slot;
    for (size_t i = 0; hmap_next(out, &i, &slot);) free(slot->val);
    hmap_cleanup(out);
    hmap_init(out);
}

void mempool_clear(mempool *m) {
    for (size_t i = 0; i < m->n; i++) tx_unref(m->txs[i]);
    m->n = 0;
    if (m->maps) {
        hmap_cleanup(&m->maps->by_id);
        hmap_init(&m->maps->by_id);
    }
    mempool__clear_pending(m);
}

void mempool_cleanup(mempool *m) {
    mempool_clear(m);
    if (m->maps) {
        hmap_cleanup(&m->maps->by_id);
        hmap_cleanup(&m->maps->pending_out);
        free(m->maps);
    }
    free(m->txs);
    *m = (mempool){0};
}

tx *mempool_get(const mempool *m, const char *id) {
    return m->maps ? hmap_get(&m->maps->by_id, id, strlen(id)) : NULL;
}

bool mempool_has(const mempool *m, const char *id) { return mempool_get(m, id) != NULL; }

int64_t mempool_pending(const mempool *m, const char *sender) {
    if (!m->maps) return 0;
    const mempool__out *o = hmap_get(&m->maps->pending_out, sender, strlen(sender));
    return o ? o->sum : 0;
}

/* Adds delta to the sender's pending sum, creating or dropping the entry. */
static void mempool__pending_add(mempool *m, const char *sender, int64_t delta) {
    size_t len = strlen(sender);
    hmap *out = &m->maps->pending_out; /* made with the sender's first tx (mempool__push) */
    mempool__out *o = hmap_get(out, sender, len);
    if (!o) {
        o = xmalloc(sizeof *o + len + 1);
        o->sum = 0;
        memcpy(o->sender, sender, len + 1);
        hmap_put(out, o->sender, len, o);
    }
    o->sum += delta;
    if (o->sum == 0) free(hmap_del(out, sender, len));
}

/* Rewards create coins rather than move them: nothing is pending for "0". */
static void mempool__push(mempool *m, tx *t) {
    m->txs = xgrow(m->txs, &m->cap, m->n + 1, sizeof *m->txs);
    m->txs[m->n++] = tx_ref(t);
    if (!m->maps) m->maps = xcalloc(1, sizeof *m->maps); /* both maps empty */
    hmap_put(&m->maps->by_id, t->id, strlen(t->id), t);
    if (!tx_is_reward(t)) mempool__pending_add(m, t->sender, t->amount);
}

reject mempool_add(mempool *m, bstore *s, const block *tip, const chain_params *p,
                   tx *t) {
    assert(tip->ledger && "the tip is a valid block");
    if (mempool_has(m, t->id) || bstore_tx_in_branch(s, t->id, tip)) return REJ_TX_DUPLICATE;
    reject r = ledger_check_tx(tip->ledger, p->ledger, t, mempool_pending(m, t->sender));
    if (r != REJ_NONE) return r;
    /* A full pool refuses, and the submitter hears it: evicting the oldest
     * would drop a transaction whose submitter was told it will be mined. */
    if (m->n >= m->max) return REJ_MEMPOOL_FULL;
    mempool__push(m, t);
    return REJ_NONE;
}

/* Per-sender sums local to one mempool_select: sender -> slot + 1 in sums. */
typedef struct mempool__spent {
    hmap slot_of;
    int64_t *sums;
    size_t n, cap;
} mempool__spent;

static int64_t *mempool__spent_slot(mempool__spent *sp, const char *sender) {
    size_t len = strlen(sender);
    uintptr_t tag = (uintptr_t)hmap_get(&sp->slot_of, sender, len);
    if (tag) return &sp->sums[tag - 1];
    sp->sums = xgrow(sp->sums, &sp->cap, sp->n + 1, sizeof *sp->sums);
    sp->sums[sp->n++] = 0;
    hmap_put(&sp->slot_of, sender, len, (void *)(uintptr_t)sp->n);
    return &sp->sums[sp->n - 1];
}

size_t mempool_select(const mempool *m, const block *tip, const chain_params *p,
                      tx **out, size_t max_txs) {
    assert(tip->ledger && "the tip is a valid block");
    mempool__spent spent = {0};
    hmap_init(&spent.slot_of);
    size_t k = 0;
    for (size_t i = 0; i < m->n && k < max_txs; i++) {
        tx *t = m->txs[i];
        /* The miner writes the block's one reward itself. */
        if (p->ledger == LEDGER_STRICT && tx_is_reward(t)) continue;
        int64_t *sum = mempool__spent_slot(&spent, t->sender);
        if (ledger_check_tx(tip->ledger, p->ledger, t, *sum) != REJ_NONE) continue;
        *sum += t->amount;
        out[k++] = t;
    }
    hmap_cleanup(&spent.slot_of);
    free(spent.sums);
    return k;
}

void mempool_block_applied(mempool *m, const block *b) {
    if (!m->maps) return; /* nothing was ever pooled */
    size_t removed = 0;
    for (size_t i = 0; i < b->n_txs; i++) {
        const char *id = b->txs[i]->id;
        tx *t = hmap_del(&m->maps->by_id, id, strlen(id));
        if (!t) continue;
        if (!tx_is_reward(t)) mempool__pending_add(m, t->sender, -t->amount);
        removed++;
    }
    if (!removed) return;
    /* Keep what is still indexed as itself; the rest left by id above. */
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++) {
        tx *t = m->txs[i];
        if (hmap_get(&m->maps->by_id, t->id, strlen(t->id)) == t) m->txs[w++] = t;
        else tx_unref(t);
    }
    m->n = w;
}

void mempool_block_undone(mempool *m, const block *b) {
    for (size_t i = 0; i < b->n_txs; i++) {
        tx *t = b->txs[i];
        /* Returning txs may exceed max: losing them to a reorg would be worse. */
        if (!tx_is_reward(t) && !mempool_has(m, t->id)) mempool__push(m, t);
    }
}

size_t mempool_revalidate(mempool *m, bstore *s, const block *tip, const chain_params *p) {
    assert(tip->ledger && "the tip is a valid block");
    mempool__clear_pending(m);
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++) {
        tx *t = m->txs[i];
        bool keep = !bstore_tx_in_branch(s, t->id, tip) &&
                    ledger_check_tx(tip->ledger, p->ledger, t, mempool_pending(m, t->sender)) ==
                        REJ_NONE;
        if (keep) {
            m->txs[w++] = t;
            if (!tx_is_reward(t)) mempool__pending_add(m, t->sender, t->amount);
        } else {
            hmap_del(&m->maps->by_id, t->id, strlen(t->id));
            tx_unref(t);
        }
    }
    size_t dropped = m->n - w;
    m->n = w;
    return dropped;
}
