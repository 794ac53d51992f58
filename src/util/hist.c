/* hist.c - the log-linear histogram: a value's bucket is its top bit and
 * the four bits below it (see hist.h), so adding one is a shift and a
 * count-leading-zeros, cheap enough for every message of a run. */
#include "util/hist.h"

#include <math.h>

static int hist__index(int64_t v) {
    if (v < HIST_SUB) return (int)v;
    if (v >= (int64_t)1 << HIST_TOP_BIT) return HIST_BUCKETS - 1;
    int top = 63 - __builtin_clzll((unsigned long long)v); /* >= 4 */
    int sub = (int)((v >> (top - 4)) & (HIST_SUB - 1));
    return HIST_SUB + (top - 4) * HIST_SUB + sub;
}

/* The largest value that falls in bucket i (the top one has no bound). */
static int64_t hist__upper(int i) {
    if (i < HIST_SUB) return i;
    if (i == HIST_BUCKETS - 1) return INT64_MAX;
    int top = 4 + (i - HIST_SUB) / HIST_SUB;
    int64_t sub = (i - HIST_SUB) % HIST_SUB;
    int64_t low = ((int64_t)HIST_SUB + sub) << (top - 4);
    return low + ((int64_t)1 << (top - 4)) - 1;
}

void hist_add(hist *h, int64_t v) {
    if (v < 0) v = 0;
    uint32_t *b = &h->bucket[hist__index(v)];
    if (*b != UINT32_MAX) (*b)++;
    h->n++;
    h->sum += v;
    if (v > h->max) h->max = v;
}

void hist_merge(hist *into, const hist *from) {
    for (int i = 0; i < HIST_BUCKETS; i++) {
        uint64_t c = (uint64_t)into->bucket[i] + from->bucket[i];
        into->bucket[i] = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
    }
    into->n += from->n;
    into->sum += from->sum;
    if (from->max > into->max) into->max = from->max;
}

int64_t hist_quantile(const hist *h, double q) {
    if (!h->n) return 0;
    double want = ceil(q * (double)h->n);
    if (want < 1) want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if ((double)seen >= want) {
            int64_t up = hist__upper(i);
            return up < h->max ? up : h->max;
        }
    }
    return h->max;
}

double hist_mean(const hist *h) { return h->n ? (double)h->sum / (double)h->n : 0.0; }
