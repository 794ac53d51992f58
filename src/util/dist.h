/* dist.h - a distribution of sizes (block sizes: chain.block_size), drawn
 * from a caller's rng.
 *
 *   DIST_FIXED      always lo
 *   DIST_UNIFORM    an integer uniform in [lo, hi]
 *   DIST_LOGNORMAL  median x exp(sigma Z), Z standard normal (mean median x
 *                   exp(sigma^2 / 2)), rounded, at least 1
 *   DIST_EMPIRICAL  one of values[0..n_values), each as likely (a list of
 *                   observed sizes, repeats weigh more)
 *
 * Each draw uses the rng only as its kind needs (fixed: never, uniform and
 * empirical: one rng_below, lognormal: one rng_normal), so the same rng
 * state gives the same sizes. The values belong to whoever made the dist. */
#ifndef CHAINSIM_UTIL_DIST_H
#define CHAINSIM_UTIL_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

typedef enum dist_kind {
    DIST_NONE = 0, /* no distribution (the caller's default applies) */
    DIST_FIXED,
    DIST_UNIFORM,
    DIST_LOGNORMAL,
    DIST_EMPIRICAL,
} dist_kind;

typedef struct dist_spec {
    dist_kind kind;
    int64_t lo, hi;         /* FIXED, UNIFORM */
    double median, sigma;   /* LOGNORMAL */
    int64_t *values;        /* EMPIRICAL */
    size_t n_values;
} dist_spec;

/* The largest size a draw returns (a lognormal's far tail is cut there). */
#define DIST_MAX_SIZE ((int64_t)1 << 40)

/* One size, 1..DIST_MAX_SIZE (the fixed, uniform and empirical values as
 * given). d->kind != DIST_NONE. */
int64_t dist_draw_size(const dist_spec *d, rng *r);

#endif
