/* bstore.c - the block store shared by all nodes of a run.
 *
 * Three maps, all guarded by one mutex:
 *
 *   by_hash    hash (32 bytes, the key lives in the block) -> block
 *   waiting    previous_hash text -> blocks whose parent is absent or not yet
 *              rooted; emptied for a hash when that block gets rooted
 *   tx_blocks  tx id -> rooted blocks holding a tx with that id (usually
 *              one; more when the same tx is mined on competing branches)
 *
 * Interning a block whose parent is rooted roots it (parent, skip, relative
 * difficulty and cum_work, tx index), then roots whatever waited for it, breadth by breadth with an
 * explicit stack: a peer may deliver a thousand blocks newest first, and
 * recursion would then be a thousand frames deep.
 *
 * Skip pointers follow Bitcoin's CBlockIndex::GetSkipHeight on the height
 * (index - 1, so the genesis is height 0), which makes block_ancestor
 * O(log n). A block whose index is not its parent's + 1, and everything
 * under it, gets no skip pointer: their indices do not count heights, they
 * are invalid (REJ_BLK_INDEX / REJ_BLK_PARENT_INVALID) and nobody asks for
 * their ancestors.
 *
 * Verdicts are computed lazily, on the first bstore_verdict of a block or of
 * a descendant, from the oldest unjudged ancestor up, iteratively for the
 * same reason. A verdict and the ledger after the block are written once
 * under the mutex and published by a release store of block.verdict, so a
 * later bstore_verdict on any thread is a single acquire load. */
#include "chain/bstore.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "chain/ledger.h"
#include "chain/pow.h"
#include "chain/retarget.h"
#include "util/hex.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/mem.h"

/* A growable array of blocks (waiting lists, tx occurrences, work stacks). */
typedef struct bstore__vec {
    block **v;
    size_t n, cap;
} bstore__vec;

struct bstore {
    chain_params params;  /* resolved; never changes */
    block *genesis;       /* never changes */
    pthread_mutex_t lock; /* guards the maps, and block derived fields until published */
    hmap by_hash;         /* hash -> block; the store holds one reference each */
    hmap waiting;         /* prev_hash text -> bstore__vec * */
    hmap tx_blocks;       /* tx id -> bstore__vec * of rooted blocks */
    size_t holder_words;  /* words in each block's holders bitmap */
    atomic_int next_holder;
};

static void bstore__alloc_holders(const bstore *s, block *b) {
    free((void *)b->holders);
    b->holders = xcalloc(s->holder_words, sizeof *b->holders);
}

static void bstore__push(bstore__vec *v, block *b) {
    v->v = xgrow(v->v, &v->cap, v->n + 1, sizeof *v->v);
    v->v[v->n++] = b;
}

/* Appends b to the vector stored under key in m, creating it. The key must
 * outlive the entry (it points into a block the store keeps). */
static void bstore__push_keyed(hmap *m, const char *key, block *b) {
    size_t len = strlen(key);
    bstore__vec *v = hmap_get(m, key, len);
    if (!v) {
        v = xcalloc(1, sizeof *v);
        hmap_put(m, key, len, v);
    }
    bstore__push(v, b);
}

static void bstore__free_vecs(hmap *m) {
    const hmap_slot *slot;
    for (size_t i = 0; hmap_next(m, &i, &slot);) {
        bstore__vec *v = slot->val;
        free(v->v);
        free(v);
    }
    hmap_cleanup(m);
}

/* Bitcoin's skip height for a height >= 0 (chain.cpp): clear the lowest set
 * bit, or for odd heights twice from height - 1, so that block_ancestor
 * needs O(log n) jumps. */
static int64_t bstore__invert_lowest_one(int64_t n) { return n & (n - 1); }

static int64_t bstore__skip_height(int64_t height) {
    if (height < 2) return 0;
    return (height & 1) ? bstore__invert_lowest_one(bstore__invert_lowest_one(height - 1)) + 1
                        : bstore__invert_lowest_one(height);
}

/* Roots b under its rooted parent: the derived link fields, then the tx
 * index, then the release store that lets other threads read them. Caller
 * holds the lock. */
static void bstore__root(bstore *s, block *b, block *parent) {
    b->parent = parent;
    /* parent->skip == NULL on a non-genesis parent marks a broken lineage. */
    bool heights_ok = b->index == parent->index + 1 && (parent->parent == NULL || parent->skip);
    if (heights_ok) {
        int64_t skip_index = bstore__skip_height(b->index - 1) + 1;
        /* The store owns every block, so dropping const here is sound. */
        b->skip = (block *)block_ancestor(parent, skip_index);
    } else {
        b->skip = NULL;
    }
    /* A broken lineage has no heights to count windows by; it is invalid. */
    b->rel_difficulty = heights_ok ? retarget_next(parent, &s->params) : parent->rel_difficulty;
    b->cum_work = parent->cum_work + block_work(b->difficulty) * b->rel_difficulty;
    for (size_t i = 0; i < b->n_txs; i++) bstore__push_keyed(&s->tx_blocks, b->txs[i]->id, b);
    atomic_store_explicit(&b->rooted, true, memory_order_release);
}

/* Roots every block that waited, directly or not, for `first`. */
static void bstore__root_waiting(bstore *s, block *first) {
    bstore__vec todo = {0};
    bstore__push(&todo, first);
    while (todo.n) {
        block *p = todo.v[--todo.n];
        bstore__vec *kids = hmap_del(&s->waiting, p->hash_hex, BLOCK_HASH_HEX_LEN);
        if (!kids) continue;
        for (size_t i = 0; i < kids->n; i++) {
            bstore__root(s, kids->v[i], p);
            bstore__push(&todo, kids->v[i]);
        }
        free(kids->v);
        free(kids);
    }
    free(todo.v);
}

/* The rooted block b->prev_hash names exactly (lowercase, as we print it),
 * or NULL. Caller holds the lock. */
static block *bstore__rooted_parent(bstore *s, const block *b) {
    uint8_t hash[SHA256_LEN];
    if (!hex_decode(hash, SHA256_LEN, b->prev_hash)) return NULL;
    block *p = hmap_get(&s->by_hash, hash, SHA256_LEN);
    if (!p || strcmp(p->hash_hex, b->prev_hash) != 0) return NULL;
    return atomic_load_explicit(&p->rooted, memory_order_relaxed) ? p : NULL;
}

bstore *bstore_new(const chain_params *params, block *genesis) {
    assert(genesis && genesis->index == 1);
    bstore *s = xcalloc(1, sizeof *s);
    if (params) s->params = *params;
    chain_params_resolve(&s->params);
    pthread_mutex_init(&s->lock, NULL);
    hmap_init(&s->by_hash);
    hmap_init(&s->waiting);
    hmap_init(&s->tx_blocks);

    s->holder_words = 1;
    bstore__alloc_holders(s, genesis);
    /* The genesis is trusted: no proof-of-work or difficulty check. */
    s->genesis = genesis;
    hmap_put(&s->by_hash, genesis->hash, SHA256_LEN, genesis);
    genesis->parent = NULL;
    genesis->skip = NULL;
    genesis->rel_difficulty = 1;
    genesis->cum_work = block_work(genesis->difficulty);
    for (size_t i = 0; i < genesis->n_txs; i++)
        bstore__push_keyed(&s->tx_blocks, genesis->txs[i]->id, genesis);
    ledger *empty = ledger_new_empty();
    reject why;
    size_t bad;
    genesis->ledger = ledger_apply(empty, &s->params, genesis->miner, genesis->txs,
                                   genesis->n_txs, true, &why, &bad);
    ledger_unref(empty);
    if (!genesis->ledger) {
        /* Only a programmer can build such a genesis; nothing can run on it. */
        log_error("bstore: the genesis's transaction %zu is invalid: %s", bad, reject_message(why));
        abort();
    }
    genesis->reason = REJ_NONE;
    atomic_store_explicit(&genesis->rooted, true, memory_order_release);
    atomic_store_explicit(&genesis->verdict, BLOCK_VALID, memory_order_release);
    return s;
}

void bstore_free(bstore *s) {
    if (!s) return;
    const hmap_slot *slot;
    for (size_t i = 0; hmap_next(&s->by_hash, &i, &slot);) block_unref(slot->val);
    hmap_cleanup(&s->by_hash);
    bstore__free_vecs(&s->waiting);
    bstore__free_vecs(&s->tx_blocks);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const chain_params *bstore_params(const bstore *s) { return &s->params; }

block *bstore_genesis(const bstore *s) { return s->genesis; }

block *bstore_intern(bstore *s, block *b) {
    pthread_mutex_lock(&s->lock);
    block *have = hmap_get(&s->by_hash, b->hash, SHA256_LEN);
    if (have) {
        pthread_mutex_unlock(&s->lock);
        if (have != b) block_unref(b);
        return have;
    }
    hmap_put(&s->by_hash, b->hash, SHA256_LEN, b);
    bstore__alloc_holders(s, b);
    block *parent = bstore__rooted_parent(s, b);
    if (parent) {
        bstore__root(s, b, parent);
        bstore__root_waiting(s, b);
    } else {
        bstore__push_keyed(&s->waiting, b->prev_hash, b);
    }
    pthread_mutex_unlock(&s->lock);
    return b;
}

void bstore_reserve_holders(bstore *s, int n) {
    pthread_mutex_lock(&s->lock);
    assert(hmap_len(&s->by_hash) == 1 && atomic_load(&s->next_holder) == 0);
    s->holder_words = (size_t)(n > 0 ? n + 63 : 64) / 64;
    bstore__alloc_holders(s, s->genesis);
    pthread_mutex_unlock(&s->lock);
}

int bstore_new_holder(bstore *s) {
    int slot = atomic_fetch_add(&s->next_holder, 1);
    if ((size_t)slot >= s->holder_words * 64) {
        log_error("bstore: more chains than reserved (%zu); call bstore_reserve_holders",
                  s->holder_words * 64);
        abort();
    }
    return slot;
}

void bstore_forget_holder(bstore *s, int slot) {
    uint64_t mask = ~((uint64_t)1 << (slot % 64));
    pthread_mutex_lock(&s->lock);
    size_t pos = 0;
    const hmap_slot *e;
    while (hmap_next(&s->by_hash, &pos, &e)) {
        block *b = e->val;
        atomic_fetch_and_explicit(&b->holders[slot / 64], mask, memory_order_relaxed);
    }
    pthread_mutex_unlock(&s->lock);
}

block *bstore_get(bstore *s, const uint8_t hash[SHA256_LEN]) {
    pthread_mutex_lock(&s->lock);
    block *b = hmap_get(&s->by_hash, hash, SHA256_LEN);
    pthread_mutex_unlock(&s->lock);
    return b;
}

block *bstore_get_hex(bstore *s, const char *hex) {
    uint8_t hash[SHA256_LEN];
    if (!hex || !hex_decode(hash, SHA256_LEN, hex)) return NULL;
    return bstore_get(s, hash);
}

size_t bstore_count(bstore *s) {
    pthread_mutex_lock(&s->lock);
    size_t n = hmap_len(&s->by_hash);
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* bstore_tx_in_branch with the lock held. tip must be properly linked
 * (valid), so that block_ancestor answers by height. */
static bool bstore__in_branch(bstore *s, const char *id, const block *tip) {
    const bstore__vec *v = hmap_get(&s->tx_blocks, id, strlen(id));
    if (!v) return false;
    for (size_t i = 0; i < v->n; i++) {
        const block *x = v->v[i];
        if (x->index <= tip->index && block_ancestor(tip, x->index) == x) return true;
    }
    return false;
}

bool bstore_tx_in_branch(bstore *s, const char *id, const block *tip) {
    assert(atomic_load_explicit(&tip->rooted, memory_order_acquire));
    pthread_mutex_lock(&s->lock);
    bool found = bstore__in_branch(s, id, tip);
    pthread_mutex_unlock(&s->lock);
    return found;
}

/* True if a tx id occurs twice in b, or already in the branch up to b's
 * parent. Caller holds the lock. */
static bool bstore__dup_tx(bstore *s, const block *b) {
    hmap seen;
    hmap_init(&seen);
    bool dup = false;
    for (size_t i = 0; i < b->n_txs && !dup; i++) {
        const char *id = b->txs[i]->id;
        dup = hmap_put(&seen, id, strlen(id), b->txs[i]) != NULL ||
              bstore__in_branch(s, id, b->parent);
    }
    hmap_cleanup(&seen);
    return dup;
}

/* Judges one rooted block whose parent has a verdict, and publishes the
 * result. Caller holds the lock. */
static void bstore__judge(bstore *s, block *b) {
    const block *parent = b->parent;
    reject r = REJ_NONE;
    ledger *after = NULL;
    if (atomic_load_explicit(&parent->verdict, memory_order_relaxed) != BLOCK_VALID)
        r = REJ_BLK_PARENT_INVALID;
    else if (b->self_check != REJ_NONE)
        r = b->self_check;
    else if (b->index != parent->index + 1)
        r = REJ_BLK_INDEX;
    else if (b->difficulty != s->params.difficulty)
        r = REJ_BLK_DIFFICULTY;
    /* Classic nodes do not check replays, and a classic tx's derived id
     * repeats whenever a user sends the same amount twice. */
    else if (s->params.ledger == LEDGER_STRICT && bstore__dup_tx(s, b))
        r = REJ_BLK_DUP_TX;
    else {
        reject why;
        size_t bad;
        after = ledger_apply(parent->ledger, &s->params, b->miner, b->txs, b->n_txs, false,
                             &why, &bad);
        if (!after) r = why == REJ_BLK_REWARD ? REJ_BLK_REWARD : REJ_BLK_TX;
    }
    b->reason = r;
    b->ledger = after;
    atomic_store_explicit(&b->verdict, r == REJ_NONE ? BLOCK_VALID : BLOCK_INVALID,
                          memory_order_release);
}

block_verdict bstore_verdict(bstore *s, block *b) {
    block_verdict v = atomic_load_explicit(&b->verdict, memory_order_acquire);
    if (v != BLOCK_UNKNOWN) return v;
    if (!atomic_load_explicit(&b->rooted, memory_order_acquire)) return BLOCK_UNKNOWN;

    pthread_mutex_lock(&s->lock);
    /* Unjudged ancestors, newest first; the genesis always has a verdict. */
    bstore__vec path = {0};
    for (block *x = b; atomic_load_explicit(&x->verdict, memory_order_relaxed) == BLOCK_UNKNOWN;
         x = x->parent)
        bstore__push(&path, x);
    while (path.n) bstore__judge(s, path.v[--path.n]);
    free(path.v);
    v = atomic_load_explicit(&b->verdict, memory_order_relaxed);
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* ---- genesis blocks ---- */

block *genesis_classic(void) {
    static const char json[] =
        "{\"index\": 1, \"previous_hash\": \"0\", \"proof\": 16552, \"transactions\": []}";
    cJSON *obj = cJSON_Parse(json);
    block *b = block_from_json(obj, LEDGER_OPEN, NULL, NULL, 0);
    cJSON_Delete(obj);
    assert(b && "the classic genesis parses and meets its proof of work");
    return b;
}

typedef struct bstore__balance {
    const char *name;
    int64_t amount;
} bstore__balance;

static int bstore__cmp_balance(const void *a, const void *b) {
    return strcmp(((const bstore__balance *)a)->name, ((const bstore__balance *)b)->name);
}

/* "genesis-<name>" if that is a valid tx id, else "genesis-" and 32 hex
 * digits of SHA-256(name) (long or non-ASCII names). */
static void bstore__genesis_id(char out[TX_ID_MAX + 1], const char *name) {
    static const char prefix[] = "genesis-";
    size_t len = strlen(name);
    bool ascii = len + sizeof prefix - 1 <= TX_ID_MAX;
    for (size_t i = 0; ascii && i < len; i++)
        ascii = name[i] >= 0x20 && name[i] <= 0x7e;
    memcpy(out, prefix, sizeof prefix);
    if (ascii) {
        memcpy(out + sizeof prefix - 1, name, len + 1);
    } else {
        uint8_t hash[SHA256_LEN];
        sha256(hash, name, len);
        hex_encode(out + sizeof prefix - 1, hash, 16);
    }
}

/* One "0" -> name tx per balance, in name order; false if a name repeats or
 * a tx breaks the rules. txs[] must hold n NULLs on entry. */
static bool bstore__genesis_txs(tx **txs, bstore__balance *sorted, size_t n) {
    qsort(sorted, n, sizeof *sorted, bstore__cmp_balance);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(sorted[i - 1].name, sorted[i].name) == 0) return false;
        char id[TX_ID_MAX + 1];
        bstore__genesis_id(id, sorted[i].name);
        txs[i] = tx_create(TX_REWARD_SENDER, sorted[i].name, sorted[i].amount, id, 0, NULL);
        if (!txs[i]) return false;
    }
    return true;
}

block *genesis_with_balances(const char *const *names, const int64_t *amounts,
                             size_t n, int difficulty) {
    bstore__balance *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++) sorted[i] = (bstore__balance){names[i], amounts[i]};
    tx **txs = xcalloc(n ? n : 1, sizeof *txs);
    block *b = NULL;
    if (bstore__genesis_txs(txs, sorted, n)) {
        pow_job job;
        pow_job_init(&job, &(block_template){.index = 1, .prev_hash = "0", .timestamp_ms = 0,
                                             .difficulty = difficulty, .miner = "",
                                             .txs = txs, .n_txs = n});
        uint64_t tries;
        /* 2^53 nonces, the JSON-exact range: at any sane difficulty one is found. */
        b = pow_job_search(&job, 0, (uint64_t)1 << 53, &tries);
        pow_job_cleanup(&job);
    }
    for (size_t i = 0; i < n; i++) tx_unref(txs[i]);
    free(txs);
    free(sorted);
    return b;
}
