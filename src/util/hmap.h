/* hmap.h - an open-addressing hash map from byte-string keys to pointers.
 *
 * The map does not copy keys: a key must stay valid and unchanged while its
 * entry is in the map; usually it lives inside the value (a block's hash, a
 * transaction's id). Linear probing, power-of-two capacity, load <= 1/2,
 * deletion by backward shift (no tombstones). Not thread-safe.
 *
 * Up to HMAP_SMALL entries live inside the struct itself, searched in turn,
 * and the table is made only when a third entry comes (it then stays). Most
 * maps in a large run are a node's and hold one or two entries (the blocks
 * it is fetching), and the struct sits in the node's own cache lines: a
 * separate table was a cache miss on every inv at 6,000 nodes. The order
 * hmap_next visits is arbitrary either way: the table's hash order, or
 * while small, insertion order with a deleted entry's place taken by the
 * last. */
#ifndef CHAINSIM_UTIL_HMAP_H
#define CHAINSIM_UTIL_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hmap_slot {
    uint64_t hash; /* 0 = empty slot (real hashes are forced non-zero) */
    const void *key;
    size_t key_len;
    void *val;
} hmap_slot;

/* Entries held inline before a table is made. */
#define HMAP_SMALL 2

typedef struct hmap {
    hmap_slot *slots; /* the table; NULL while the map is small */
    size_t cap;       /* 0 while small, else a power of two */
    size_t len;
    hmap_slot small[HMAP_SMALL]; /* the entries while slots is NULL: [0, len) */
} hmap;

void hmap_init(hmap *m);
void hmap_cleanup(hmap *m); /* frees the table, not keys or values */
/* Returns the value stored under the key, or NULL. */
void *hmap_get(const hmap *m, const void *key, size_t key_len);
/* Stores val under key. If the key was present its value is replaced and the
 * old value returned; otherwise returns NULL. */
void *hmap_put(hmap *m, const void *key, size_t key_len, void *val);
/* Removes the key; returns its value or NULL if absent. */
void *hmap_del(hmap *m, const void *key, size_t key_len);
static inline size_t hmap_len(const hmap *m) { return m->len; }
/* Iteration: for (size_t i = 0; hmap_next(m, &i, &slot);) ... Do not modify
 * the map while iterating. */
bool hmap_next(const hmap *m, size_t *pos, const hmap_slot **slot);

/* The hash hmap uses (exported for tests): 64 bits, never 0, the same on
 * every host; word-at-a-time multiply, then murmur3's fmix64. For 8-byte
 * keys it is one-to-one apart from a single pair (both hash to 1), which
 * lets the map compare such keys by hash alone. */
uint64_t hmap_hash(const void *key, size_t len);

/* A set of pointers (identity, not contents), same scheme. Used for "which
 * blocks does this node hold", so it is lean: one pointer per slot. */
typedef struct ptrset {
    const void **slots; /* NULL = empty */
    size_t cap;
    size_t len;
} ptrset;

void ptrset_init(ptrset *s);
void ptrset_cleanup(ptrset *s);
bool ptrset_has(const ptrset *s, const void *p);
/* Returns true if p was added, false if it was already there. */
bool ptrset_add(ptrset *s, const void *p);
bool ptrset_del(ptrset *s, const void *p);
static inline size_t ptrset_len(const ptrset *s) { return s->len; }

#endif
