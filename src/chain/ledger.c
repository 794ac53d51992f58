/* ledger.c - account balances after a block.
 *
 * A ledger is an immutable array of (name, balance) sorted by name, so a
 * lookup is a binary search and a node's balances are simply its tip's
 * ledger. ledger_apply builds the next ledger in three steps:
 *
 *   1. copy the parent's balances into a scratch array (names still borrowed
 *      from the parent);
 *   2. run the block's transactions in order against the scratch: existing
 *      accounts are found by binary search in it, new receivers go to a
 *      small side table (hmap name -> slot) so that a block creating many
 *      accounts costs O(k log k), not one memmove per new account;
 *   3. sort the new accounts and merge them with the old ones, copying every
 *      name, into the new ledger.
 *
 * Nothing is allocated for the result until every transaction has passed, so
 * a refused block costs only the scratch space. */
#include "chain/ledger.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hmap.h"
#include "util/mem.h"

ledger *ledger_new_empty(void) {
    ledger *l = xcalloc(1, sizeof *l);
    atomic_init(&l->refs, 1);
    return l;
}

ledger *ledger_ref(ledger *l) {
    atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    return l;
}

void ledger_unref(ledger *l) {
    if (!l) return;
    /* acq_rel: the thread that frees must see every other thread's last use. */
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < l->n; i++) free(l->entries[i].name);
    free(l->entries);
    free(l);
}

/* Index of `name` in entries[0..n), or -(insertion point) - 1 if absent. */
static ptrdiff_t ledger__find(const ledger_entry *entries, size_t n, const char *name) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(entries[mid].name, name);
        if (c == 0) return (ptrdiff_t)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -(ptrdiff_t)lo - 1;
}

int64_t ledger_balance(const ledger *l, const char *name, bool *exists) {
    ptrdiff_t i = ledger__find(l->entries, l->n, name);
    if (exists) *exists = i >= 0;
    return i >= 0 ? l->entries[i].balance : 0;
}

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

/* Scratch state of one ledger_apply. */
typedef struct ledger__work {
    ledger_entry *old;   /* copy of the parent's entries, names borrowed */
    size_t n_old;
    ledger_entry *added; /* new accounts, names borrowed from the txs */
    size_t n_added, cap_added;
    hmap added_by_name;  /* name -> (slot in added) + 1, as a pointer-sized int */
} ledger__work;

/* The balance slot of `name`, created at 0 if `create` and absent. */
static int64_t *ledger__slot(ledger__work *w, const char *name, bool create) {
    ptrdiff_t i = ledger__find(w->old, w->n_old, name);
    if (i >= 0) return &w->old[i].balance;
    size_t len = strlen(name);
    uintptr_t tag = (uintptr_t)hmap_get(&w->added_by_name, name, len);
    if (tag) return &w->added[tag - 1].balance;
    if (!create) return NULL;
    w->added = xgrow(w->added, &w->cap_added, w->n_added + 1, sizeof *w->added);
    w->added[w->n_added] = (ledger_entry){(char *)name, 0};
    w->n_added++;
    hmap_put(&w->added_by_name, name, len, (void *)(uintptr_t)w->n_added);
    return &w->added[w->n_added - 1].balance;
}

static int ledger__cmp_entry(const void *a, const void *b) {
    return strcmp(((const ledger_entry *)a)->name, ((const ledger_entry *)b)->name);
}

/* Merges old and added (both sorted, disjoint) into a new ledger. */
static ledger *ledger__finish(ledger__work *w) {
    if (w->n_added) qsort(w->added, w->n_added, sizeof *w->added, ledger__cmp_entry);
    ledger *l = ledger_new_empty();
    l->n = w->n_old + w->n_added;
    l->entries = xmalloc((l->n ? l->n : 1) * sizeof *l->entries);
    size_t i = 0, j = 0;
    for (size_t k = 0; k < l->n; k++) {
        const ledger_entry *src;
        if (j == w->n_added || (i < w->n_old && strcmp(w->old[i].name, w->added[j].name) < 0))
            src = &w->old[i++];
        else
            src = &w->added[j++];
        l->entries[k] = (ledger_entry){xstrdup(src->name), src->balance};
    }
    return l;
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

    ledger__work w = {0};
    w.n_old = parent->n;
    w.old = xmalloc((w.n_old ? w.n_old : 1) * sizeof *w.old);
    if (w.n_old) memcpy(w.old, parent->entries, w.n_old * sizeof *w.old);
    hmap_init(&w.added_by_name);

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
    hmap_cleanup(&w.added_by_name);
    free(w.added);
    free(w.old);
    return out;
}
