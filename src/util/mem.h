/* mem.h - allocation that never returns NULL.
 *
 * chainsim's state is built from many small allocations; checking each would
 * triple the code for a case (out of memory) the program cannot recover from.
 * These wrappers print a message and abort instead, like Redis' zmalloc. */
#ifndef CHAINSIM_UTIL_MEM_H
#define CHAINSIM_UTIL_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Zeroed, starting on a multiple of `align` (a power of two, at least
 * sizeof(void *)); the size is rounded up to a multiple of it. free() frees it. */
void *xcalloc_aligned(size_t align, size_t size);
/* Zeroed memory of its own mapping, where the kernel may use huge pages
 * (madvise MADV_HUGEPAGE where there is one): for the per-node arrays of
 * a large run, read at random (a 4 kB page per node struct cost a TLB miss
 * per delivery at 100,000 nodes). Never NULL; xunmap(p, size) frees it. */
void *xmap(size_t size);
void xunmap(void *p, size_t size);
/* Grows an array to hold at least `need` elements of `elem_size` bytes,
 * doubling; updates *cap. Returns the (possibly moved) array. Inline for
 * the case with room: the executors call it for each queued entry. */
void *xgrow_to(void *ptr, size_t *cap, size_t need, size_t elem_size);
static inline void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem_size) {
    return need <= *cap ? ptr : xgrow_to(ptr, cap, need, elem_size);
}
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

#endif
