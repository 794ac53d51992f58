/* dist.c - drawing sizes from a distribution (dist.h). */
#include "util/dist.h"

#include <assert.h>
#include <math.h>

int64_t dist_draw_size(const dist_spec *d, rng *r) {
    switch (d->kind) {
    case DIST_FIXED: return d->lo;
    case DIST_UNIFORM: return d->lo + (int64_t)rng_below(r, (uint64_t)(d->hi - d->lo) + 1);
    case DIST_LOGNORMAL: {
        double v = d->median * exp(d->sigma * rng_normal(r));
        if (!(v < (double)DIST_MAX_SIZE)) return DIST_MAX_SIZE;
        int64_t size = llround(v);
        return size < 1 ? 1 : size;
    }
    case DIST_EMPIRICAL:
        assert(d->n_values > 0);
        return d->values[rng_below(r, d->n_values)];
    case DIST_NONE: break;
    }
    assert(!"dist_draw_size of no distribution");
    return 1;
}
