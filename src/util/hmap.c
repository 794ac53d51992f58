#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* The hash works a word (8 bytes) at a time: each word is multiplied into
 * the state, then the state goes through murmur3's fmix64 finaliser. Byte-
 * wise FNV-1a took a multiply per byte, which showed in profiles: the
 * hottest keys are 8-byte pointers (a node's requested blocks) and 32-byte
 * block hashes. For an 8-byte key every step is a bijection of the word, so
 * two different 8-byte keys never share a hash - except through the fold of
 * 0 to 1 below - and hmap__same trusts an equal hash without reading the
 * key, which lives in another cache line (often a cold one). */
/* Bytes read as a little-endian word whatever the host, so the hash - and
 * with it the order hmap_next visits - is the same on every machine. The
 * compiler turns the full-word expression into one load on such a host. */
static inline uint64_t hmap__word_le(const unsigned char *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static inline uint64_t hmap__tail_le(const unsigned char *p, size_t n) {
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
    return w;
}

static inline uint64_t hmap__fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

#define HMAP_MUL 0x9e3779b97f4a7c15ULL /* odd: multiplying by it is a bijection */

uint64_t hmap_hash(const void *key, size_t len) {
    const unsigned char *p = key;
    uint64_t h = (uint64_t)len * HMAP_MUL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) h = (h ^ hmap__word_le(p + i)) * HMAP_MUL;
    if (i < len) h = (h ^ hmap__tail_le(p + i, len - i)) * HMAP_MUL;
    h = hmap__fmix64(h);
    return h ? h : 1;
}

/* Whether slot s holds key: the full hashes match first; an 8-byte key is
 * then settled by its hash alone (see above: only the folded value 1 is
 * shared by two keys); the common other sizes compare at a constant length,
 * which the compiler inlines. */
static inline bool hmap__same(const hmap_slot *s, uint64_t h, const void *key, size_t key_len) {
    if (s->hash != h || s->key_len != key_len) return false;
    if (key_len == 8 && h != 1) return true;
    if (key_len == 32) return memcmp(s->key, key, 32) == 0;
    return memcmp(s->key, key, key_len) == 0;
}

void hmap_init(hmap *m) { *m = (hmap){0}; }

void hmap_cleanup(hmap *m) {
    free(m->slots);
    *m = (hmap){0};
}

static size_t hmap__find(const hmap *m, uint64_t h, const void *key, size_t key_len) {
    size_t mask = m->cap - 1, i = h & mask;
    for (;;) {
        const hmap_slot *s = &m->slots[i];
        if (s->hash == 0) return i;
        if (hmap__same(s, h, key, key_len)) return i;
        i = (i + 1) & mask;
    }
}

static void hmap__resize(hmap *m, size_t cap) {
    hmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = xcalloc(cap, sizeof *m->slots);
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].hash == 0) continue;
        size_t j = hmap__find(m, old[i].hash, old[i].key, old[i].key_len);
        m->slots[j] = old[i];
    }
    free(old);
}

/* Small mode: the index of key in m->small, or len if absent. */
static size_t hmap__find_small(const hmap *m, uint64_t h, const void *key, size_t key_len) {
    size_t i = 0;
    while (i < m->len && !hmap__same(&m->small[i], h, key, key_len)) i++;
    return i;
}

void *hmap_get(const hmap *m, const void *key, size_t key_len) {
    if (m->len == 0) return NULL;
    uint64_t h = hmap_hash(key, key_len);
    if (!m->slots) {
        size_t i = hmap__find_small(m, h, key, key_len);
        return i < m->len ? m->small[i].val : NULL;
    }
    size_t i = hmap__find(m, h, key, key_len);
    return m->slots[i].hash ? m->slots[i].val : NULL;
}

void *hmap_put(hmap *m, const void *key, size_t key_len, void *val) {
    uint64_t h = hmap_hash(key, key_len);
    if (!m->slots) {
        size_t i = hmap__find_small(m, h, key, key_len);
        if (i < m->len) {
            void *old = m->small[i].val;
            m->small[i].key = key;
            m->small[i].val = val;
            return old;
        }
        if (m->len < HMAP_SMALL) {
            m->small[m->len++] = (hmap_slot){h, key, key_len, val};
            return NULL;
        }
        /* The first entry past the small ones: move them into a table. */
        m->slots = xcalloc(16, sizeof *m->slots);
        m->cap = 16;
        for (size_t k = 0; k < m->len; k++) {
            const hmap_slot *e = &m->small[k];
            m->slots[hmap__find(m, e->hash, e->key, e->key_len)] = *e;
        }
    }
    if ((m->len + 1) * 2 > m->cap) hmap__resize(m, m->cap * 2);
    size_t i = hmap__find(m, h, key, key_len);
    hmap_slot *s = &m->slots[i];
    if (s->hash) {
        void *old = s->val;
        s->key = key; /* the new value owns the key memory now */
        s->val = val;
        return old;
    }
    *s = (hmap_slot){h, key, key_len, val};
    m->len++;
    return NULL;
}

void *hmap_del(hmap *m, const void *key, size_t key_len) {
    if (m->len == 0) return NULL;
    uint64_t h = hmap_hash(key, key_len);
    if (!m->slots) {
        size_t k = hmap__find_small(m, h, key, key_len);
        if (k == m->len) return NULL;
        void *val = m->small[k].val;
        m->small[k] = m->small[--m->len];
        return val;
    }
    size_t mask = m->cap - 1;
    size_t i = hmap__find(m, h, key, key_len);
    if (m->slots[i].hash == 0) return NULL;
    void *val = m->slots[i].val;
    /* Backward-shift deletion keeps every probe chain unbroken. */
    size_t j = i;
    for (;;) {
        m->slots[i].hash = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (m->slots[j].hash == 0) goto done;
            size_t home = m->slots[j].hash & mask;
            /* Move j back to i unless its home lies cyclically in (i, j]. */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        m->slots[i] = m->slots[j];
        i = j;
    }
done:
    m->len--;
    return val;
}

bool hmap_next(const hmap *m, size_t *pos, const hmap_slot **slot) {
    if (!m->slots) {
        if (*pos >= m->len) return false;
        *slot = &m->small[(*pos)++];
        return true;
    }
    while (*pos < m->cap) {
        const hmap_slot *s = &m->slots[(*pos)++];
        if (s->hash) {
            *slot = s;
            return true;
        }
    }
    return false;
}

/* ---- ptrset ---- */

static inline size_t ptrset__home(const void *p, size_t mask) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & mask;
}

void ptrset_init(ptrset *s) { *s = (ptrset){0}; }

void ptrset_cleanup(ptrset *s) {
    free(s->slots);
    *s = (ptrset){0};
}

static size_t ptrset__find(const ptrset *s, const void *p) {
    size_t mask = s->cap - 1, i = ptrset__home(p, mask);
    while (s->slots[i] && s->slots[i] != p) i = (i + 1) & mask;
    return i;
}

bool ptrset_has(const ptrset *s, const void *p) {
    if (s->len == 0) return false;
    return s->slots[ptrset__find(s, p)] == p;
}

bool ptrset_add(ptrset *s, const void *p) {
    if ((s->len + 1) * 2 > s->cap) {
        const void **old = s->slots;
        size_t old_cap = s->cap;
        s->cap = s->cap ? s->cap * 2 : 16;
        s->slots = xcalloc(s->cap, sizeof *s->slots);
        for (size_t i = 0; i < old_cap; i++)
            if (old[i]) s->slots[ptrset__find(s, old[i])] = old[i];
        free(old);
    }
    size_t i = ptrset__find(s, p);
    if (s->slots[i]) return false;
    s->slots[i] = p;
    s->len++;
    return true;
}

bool ptrset_del(ptrset *s, const void *p) {
    if (s->len == 0) return false;
    size_t mask = s->cap - 1, i = ptrset__find(s, p), j = i;
    if (!s->slots[i]) return false;
    for (;;) {
        s->slots[i] = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!s->slots[j]) goto done;
            size_t home = ptrset__home(s->slots[j], mask);
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        s->slots[i] = s->slots[j];
        i = j;
    }
done:
    s->len--;
    return true;
}
