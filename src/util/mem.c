/* mem.c - see mem.h. _DEFAULT_SOURCE for MAP_ANONYMOUS and MADV_HUGEPAGE,
 * here only. */
#define _DEFAULT_SOURCE
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void mem__oom(size_t size) {
    fprintf(stderr, "chainsim: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) mem__oom(size);
    return p;
}

void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) mem__oom(count * size);
    return p;
}

void *xcalloc_aligned(size_t align, size_t size) {
    size_t bytes = size ? (size + align - 1) / align * align : align;
    void *p = aligned_alloc(align, bytes);
    if (!p) mem__oom(bytes);
    memset(p, 0, bytes);
    return p;
}

void *xmap(size_t size) {
    size_t bytes = size ? size : 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) mem__oom(bytes);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
    return p;
}

void xunmap(void *p, size_t size) {
    if (p) munmap(p, size ? size : 1);
}

void *xrealloc(void *ptr, size_t size) {
    void *p = realloc(ptr, size ? size : 1);
    if (!p) mem__oom(size);
    return p;
}

void *xgrow_to(void *ptr, size_t *cap, size_t need, size_t elem_size) {
    if (need <= *cap) return ptr;
    size_t n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    *cap = n;
    return xrealloc(ptr, n * elem_size);
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t len) {
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
