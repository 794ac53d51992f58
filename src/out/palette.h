/* palette.h - the colours of chainsim's pictures, as 0xRRGGBB: the plots
 * (out/plot*.c) and the window (its theme in view/draw.c, the branch colours
 * through view__branch_colour) both take theirs from here, so a colour means
 * the same thing in both: blue is the main chain, brown a stale block, red a
 * fork or a cut, green a heal.
 *
 * The window draws these on a dark background; the plots draw on white
 * paper, where the light tones lose contrast, so they pass each colour
 * through palette_on_light(), which keeps its hue and darkens it. */
#ifndef CHAINSIM_OUT_PALETTE_H
#define CHAINSIM_OUT_PALETTE_H

#include <stdint.h>

#define PALETTE_MAIN 0x7da6dcu   /* the main chain (the window's tree: main edge) */
#define PALETTE_STALE 0x9c8666u  /* stale blocks (the window's tree: stale edge) */
#define PALETTE_BAD 0xc63b3bu    /* forks, partitions, crashes */
#define PALETTE_GOOD 0x2e9e5bu   /* heals, restarts, agreement */
#define PALETTE_WARN 0xe0a430u   /* changes of hash power or links */
#define PALETTE_ACCENT 0x5da9e9u /* highlights */

/* The window's tip colours, far apart in hue. */
#define PALETTE_BRANCHES 10
static const uint32_t palette_branch[PALETTE_BRANCHES] = {
    0x38bdf8u, 0xf472b6u, 0xa3e635u, 0xfb923cu, 0xa78bfau,
    0x2dd4bfu, 0xfacc15u, 0xf87171u, 0x608dffu, 0xe879f9u,
};

/* The colour darkened to about 70% of its brightness, hue kept. */
static inline uint32_t palette_on_light(uint32_t rgb) {
    uint32_t r = (rgb >> 16 & 255u) * 7 / 10, g = (rgb >> 8 & 255u) * 7 / 10,
             b = (rgb & 255u) * 7 / 10;
    return r << 16 | g << 8 | b;
}

#endif
