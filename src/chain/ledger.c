/* ledger.c - account balances after a block, as a persistent AVL tree.
 *
 * A ledger is the root of an immutable AVL tree of (name, balance) ordered
 * by strcmp(name), each tree node also counting the accounts below it (so
 * the i-th account is found in O(log n), which the traffic generator's
 * random picks need). Tree nodes and names are reference counted: the
 * ledger after a block is its parent's tree with only the paths to the
 * touched accounts copied (path copying), everything else shared. 10,000
 * accounts and a block that pays one reward cost ~20 new tree nodes, not
 * 10,000 entries.
 *
 * ledger_apply works in two steps:
 *   1. run the block's transactions in order against a scratch table of the
 *      accounts they touch (hmap name -> change), read from the parent on
 *      first touch; a refused transaction ends here and nothing else was
 *      allocated;
 *   2. write each changed balance into a copy of the parent's tree, one
 *      path copy per account (the intermediate roots are dropped at once).
 *
 * Refcounts are atomic because ledgers are shared between node threads in
 * the threads executor; a tree node is freed by whichever thread drops the
 * last reference to it. */
#include "chain/ledger.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hmap.h"
#include "util/mem.h"

/* An account name, shared by every tree node (in every ledger) that holds
 * the account. */
typedef struct ledger__name {
    atomic_uint refs;
    char s[];
} ledger__name;

typedef struct ledger__node ledger__node;
struct ledger__node {
    ledger__node *left, *right;
    ledger__name *name;
    int64_t balance;
    uint32_t size;    /* accounts in this subtree */
    uint8_t height;   /* 1 for a leaf */
    atomic_uint refs; /* parents + ledgers pointing here */
};

struct ledger {
    atomic_int refs;
    ledger__node *root;
};

/* AVL trees of 2^32 nodes are under 47 high; iteration keeps a stack. */
#define LEDGER__MAX_HEIGHT 64

static atomic_size_t ledger__live_nodes;

size_t ledger_nodes_live(void) {
    return atomic_load_explicit(&ledger__live_nodes, memory_order_relaxed);
}

/* ---- names ------------------------------------------------------------- */

static ledger__name *ledger__name_new(const char *s) {
    size_t len = strlen(s);
    ledger__name *n = xmalloc(sizeof *n + len + 1);
    atomic_init(&n->refs, 1);
    memcpy(n->s, s, len + 1);
    return n;
}

static ledger__name *ledger__name_ref(ledger__name *n) {
    atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
    return n;
}

static void ledger__name_unref(ledger__name *n) {
    if (n && atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) == 1) free(n);
}

/* ---- tree nodes ---------------------------------------------------------- */

static inline int ledger__h(const ledger__node *t) { return t ? t->height : 0; }
static inline uint32_t ledger__sz(const ledger__node *t) { return t ? t->size : 0; }

static ledger__node *ledger__node_ref(const ledger__node *t) {
    ledger__node *m = (ledger__node *)t; /* refcounts change; contents never do */
    if (m) atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

static void ledger__node_unref(ledger__node *t) {
    /* Recursion on the left, a loop on the right: depth <= the tree's height. */
    while (t) {
        /* acq_rel: the thread that frees must see every other thread's last use. */
        if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
        ledger__node *left = t->left, *right = t->right;
        ledger__name_unref(t->name);
        free(t);
        atomic_fetch_sub_explicit(&ledger__live_nodes, 1, memory_order_relaxed);
        ledger__node_unref(left);
        t = right;
    }
}

/* A new node holding a new reference to `name` and taking over the
 * references `left` and `right`. */
static ledger__node *ledger__mk(ledger__name *name, int64_t balance, ledger__node *left,
                                ledger__node *right) {
    ledger__node *t = xmalloc(sizeof *t);
    int hl = ledger__h(left), hr = ledger__h(right);
    t->left = left;
    t->right = right;
    t->name = ledger__name_ref(name);
    t->balance = balance;
    t->size = 1 + ledger__sz(left) + ledger__sz(right);
    t->height = (uint8_t)(1 + (hl > hr ? hl : hr));
    atomic_init(&t->refs, 1);
    atomic_fetch_add_explicit(&ledger__live_nodes, 1, memory_order_relaxed);
    return t;
}

/* ledger__mk, rotating once (or twice) if the two sides differ by two in
 * height, as after one insertion below. `left` and `right` are taken over;
 * a heavy side's root is rebuilt, its children shared. */
static ledger__node *ledger__join(ledger__name *name, int64_t balance, ledger__node *left,
                                  ledger__node *right) {
    int hl = ledger__h(left), hr = ledger__h(right);
    ledger__node *out;
    if (hl > hr + 1) {
        ledger__node *l = left;
        if (ledger__h(l->left) >= ledger__h(l->right)) {
            out = ledger__mk(l->name, l->balance, ledger__node_ref(l->left),
                             ledger__mk(name, balance, ledger__node_ref(l->right), right));
        } else {
            ledger__node *lr = l->right;
            out = ledger__mk(lr->name, lr->balance,
                             ledger__mk(l->name, l->balance, ledger__node_ref(l->left),
                                        ledger__node_ref(lr->left)),
                             ledger__mk(name, balance, ledger__node_ref(lr->right), right));
        }
        ledger__node_unref(l);
        return out;
    }
    if (hr > hl + 1) {
        ledger__node *r = right;
        if (ledger__h(r->right) >= ledger__h(r->left)) {
            out = ledger__mk(r->name, r->balance,
                             ledger__mk(name, balance, left, ledger__node_ref(r->left)),
                             ledger__node_ref(r->right));
        } else {
            ledger__node *rl = r->left;
            out = ledger__mk(rl->name, rl->balance,
                             ledger__mk(name, balance, left, ledger__node_ref(rl->left)),
                             ledger__mk(r->name, r->balance, ledger__node_ref(rl->right),
                                        ledger__node_ref(r->right)));
        }
        ledger__node_unref(r);
        return out;
    }
    return ledger__mk(name, balance, left, right);
}

/* A new tree: `t` (borrowed) with `key` set to `balance`. `fresh` names a
 * key that is not in `t` (it is only used then). */
static ledger__node *ledger__set(const ledger__node *t, const char *key, ledger__name *fresh,
                                 int64_t balance) {
    if (!t) {
        assert(fresh);
        return ledger__mk(fresh, balance, NULL, NULL);
    }
    int c = strcmp(key, t->name->s);
    if (c == 0)
        return ledger__mk(t->name, balance, ledger__node_ref(t->left), ledger__node_ref(t->right));
    if (c < 0)
        return ledger__join(t->name, t->balance, ledger__set(t->left, key, fresh, balance),
                            ledger__node_ref(t->right));
    return ledger__join(t->name, t->balance, ledger__node_ref(t->left),
                        ledger__set(t->right, key, fresh, balance));
}

static const ledger__node *ledger__find(const ledger__node *t, const char *name) {
    while (t) {
        int c = strcmp(name, t->name->s);
        if (c == 0) return t;
        t = c < 0 ? t->left : t->right;
    }
    return NULL;
}

/* ---- ledgers ------------------------------------------------------------- */

static ledger *ledger__wrap(ledger__node *root) {
    ledger *l = xcalloc(1, sizeof *l);
    atomic_init(&l->refs, 1);
    l->root = root;
    return l;
}

ledger *ledger_new_empty(void) { return ledger__wrap(NULL); }

ledger *ledger_ref(ledger *l) {
    atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    return l;
}

void ledger_unref(ledger *l) {
    if (!l) return;
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1) return;
    ledger__node_unref(l->root);
    free(l);
}

size_t ledger_count(const ledger *l) { return ledger__sz(l->root); }

int64_t ledger_balance(const ledger *l, const char *name, bool *exists) {
    const ledger__node *t = ledger__find(l->root, name);
    if (exists) *exists = t != NULL;
    return t ? t->balance : 0;
}

ledger_entry ledger_at(const ledger *l, size_t i) {
    assert(i < ledger_count(l));
    const ledger__node *t = l->root;
    for (;;) {
        size_t left = ledger__sz(t->left);
        if (i == left) return (ledger_entry){t->name->s, t->balance};
        if (i < left) {
            t = t->left;
        } else {
            i -= left + 1;
            t = t->right;
        }
    }
}

size_t ledger_list(const ledger *l, ledger_entry *out, size_t max) {
    const ledger__node *stack[LEDGER__MAX_HEIGHT];
    int depth = 0;
    size_t n = 0;
    const ledger__node *t = l->root;
    while (n < max && (t || depth > 0)) {
        while (t) {
            assert(depth < LEDGER__MAX_HEIGHT);
            stack[depth++] = t;
            t = t->left;
        }
        t = stack[--depth];
        out[n++] = (ledger_entry){t->name->s, t->balance};
        t = t->right;
    }
    return n;
}

/* ---- checking and applying transactions ---------------------------------- */

/* The rule shared by ledger_check_tx and ledger_apply, on a bare balance. */
static reject ledger__check_spend(bool exists, int64_t balance, const tx *t,
                                  int64_t pending_out) {
    if (tx_is_reward(t)) return REJ_TX_REWARD;
    if (t->amount <= 0) return REJ_TX_AMOUNT;
    if (!exists) return REJ_TX_UNKNOWN_SENDER;
    /* Strict balances and pending sums are never negative: no overflow. */
    if (balance - pending_out < t->amount) return REJ_TX_OVERSPEND;
    return REJ_NONE;
}

reject ledger_check_tx(const ledger *l, ledger_rules rules, const tx *t,
                       int64_t pending_out) {
    assert(pending_out >= 0);
    if (rules == LEDGER_OPEN) return REJ_NONE;
    bool exists;
    int64_t balance = ledger_balance(l, t->sender, &exists);
    return ledger__check_spend(exists, balance, t, pending_out);
}

/* Balances only saturate: a strict run's coins are bounded by the genesis
 * amounts (each <= TX_AMOUNT_MAX) plus the rewards, far below INT64_MAX, and
 * an open run's negative balances are for display only. */
static int64_t ledger__add_sat(int64_t a, int64_t b) {
    int64_t r;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

/* An account a block touches. */
typedef struct ledger__change {
    const char *name; /* borrowed: from the parent's tree, or from a tx */
    int64_t balance, before;
    bool is_new;      /* not in the parent */
} ledger__change;

/* Scratch state of one ledger_apply. */
typedef struct ledger__work {
    const ledger *parent;
    ledger__change *changes; /* in order of first touch */
    size_t n, cap;
    hmap by_name;            /* name -> (index in changes) + 1, as a pointer-sized int */
} ledger__work;

/* The balance slot of `name`, created at 0 if `create` and absent. The slot
 * moves when a later call adds an account. */
static int64_t *ledger__slot(ledger__work *w, const char *name, bool create) {
    size_t len = strlen(name);
    uintptr_t tag = (uintptr_t)hmap_get(&w->by_name, name, len);
    if (tag) return &w->changes[tag - 1].balance;
    const ledger__node *old = ledger__find(w->parent->root, name);
    if (!old && !create) return NULL;
    w->changes = xgrow(w->changes, &w->cap, w->n + 1, sizeof *w->changes);
    ledger__change *c = &w->changes[w->n++];
    if (old)
        *c = (ledger__change){old->name->s, old->balance, old->balance, false};
    else
        *c = (ledger__change){name, 0, 0, true};
    hmap_put(&w->by_name, c->name, len, (void *)(uintptr_t)w->n);
    return &c->balance;
}

/* Runs one transaction on the scratch state; returns why it fails, if so. */
static reject ledger__run_tx(ledger__work *w, ledger_rules rules, const tx *t) {
    if (!tx_is_reward(t)) {
        int64_t *from = ledger__slot(w, t->sender, rules == LEDGER_OPEN);
        if (rules == LEDGER_STRICT) {
            reject r = ledger__check_spend(from != NULL, from ? *from : 0, t, 0);
            if (r != REJ_NONE) return r;
        }
        *from = ledger__add_sat(*from, -t->amount);
    }
    /* Looked up after the debit: the scratch array may have moved. */
    int64_t *to = ledger__slot(w, t->receiver, true);
    *to = ledger__add_sat(*to, t->amount);
    return REJ_NONE;
}

/* The parent's tree with every changed balance written in. */
static ledger *ledger__finish(ledger__work *w) {
    ledger__node *root = ledger__node_ref(w->parent->root);
    for (size_t i = 0; i < w->n; i++) {
        const ledger__change *c = &w->changes[i];
        if (!c->is_new && c->balance == c->before) continue; /* e.g. paid itself */
        ledger__name *fresh = c->is_new ? ledger__name_new(c->name) : NULL;
        ledger__node *next = ledger__set(root, c->name, fresh, c->balance);
        ledger__name_unref(fresh);
        ledger__node_unref(root);
        root = next;
    }
    return ledger__wrap(root);
}

/* The STRICT reward rule: txs[0] is the one reward, to the miner, of the
 * chain's amount; any other "0"-sender tx is a second reward. Returns the
 * index of the offending tx (0 if there is none at all), or SIZE_MAX if the
 * rule holds. */
static size_t ledger__check_reward(const chain_params *params, const char *miner,
                                   tx *const *txs, size_t n_txs) {
    if (n_txs == 0) return 0;
    const tx *r = txs[0];
    if (!tx_is_reward(r) || strcmp(r->receiver, miner) != 0 || r->amount != params->reward)
        return 0;
    for (size_t i = 1; i < n_txs; i++)
        if (tx_is_reward(txs[i])) return i;
    return SIZE_MAX;
}

ledger *ledger_apply(const ledger *parent, const chain_params *params,
                     const char *miner, tx *const *txs, size_t n_txs,
                     bool is_genesis, reject *why, size_t *bad_tx) {
    assert(parent && params && miner && why && bad_tx);
    bool strict = params->ledger == LEDGER_STRICT;
    *why = REJ_NONE;
    *bad_tx = 0;
    if (strict && !is_genesis) {
        size_t bad = ledger__check_reward(params, miner, txs, n_txs);
        if (bad != SIZE_MAX) {
            *why = REJ_BLK_REWARD;
            *bad_tx = bad;
            return NULL;
        }
    }

    ledger__work w = {.parent = parent};
    hmap_init(&w.by_name);
    ledger *out = NULL;
    for (size_t i = 0; i < n_txs; i++) {
        reject r = ledger__run_tx(&w, params->ledger, txs[i]);
        if (r != REJ_NONE) {
            *why = r;
            *bad_tx = i;
            goto done;
        }
    }
    out = ledger__finish(&w);
done:
    hmap_cleanup(&w.by_name);
    free(w.changes);
    return out;
}
