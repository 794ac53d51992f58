/* plot.h - a finished run as PNG charts (--plot DIR).
 *
 *   propagation_cdf.png  for each block, the time from its mining until 50%,
 *                        90% and 100% of the nodes held it: three CDFs
 *                        (x seconds, y fraction of all mined blocks, so a
 *                        curve that stays below 1 shows blocks that never
 *                        got there)
 *   forks_over_time.png  blocks mined, stale blocks and forks so far over
 *                        sim time (csv_timeseries, the same numbers as
 *                        timeseries.csv)
 *   block_tree.png       the final block tree: x = height, the main chain
 *                        on the top row, stale branches on the rows below
 *
 * The images are drawn with SDL's software renderer onto a plain surface
 * (no display needed), text with SDL_ttf, and written with SDL2_image. They
 * hold no timestamp: the same run gives the same bytes (with the same
 * font). A run with no blocks gives the same three images with a note.
 *
 * Call after metrics_finish, with no thread running. */
#ifndef CHAINSIM_VIEW_PLOT_H
#define CHAINSIM_VIEW_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "out/metrics.h"
#include "sim/sim.h"

/* Every image is this size, and its data (inside the axes) is drawn within
 * this rectangle: tests probe it. */
#define PLOT_WIDTH_PX 1200
#define PLOT_HEIGHT_PX 600
#define PLOT_AREA_X_PX 80
#define PLOT_AREA_Y_PX 70
#define PLOT_AREA_W_PX 1090
#define PLOT_AREA_H_PX 450

/* The background, and the colours of the data, as 0xRRGGBB. */
#define PLOT_BACKGROUND 0xffffffu
#define PLOT_REACH50 0x1f77b4u   /* CDF: 50% of nodes */
#define PLOT_REACH90 0xff7f0eu   /*      90% */
#define PLOT_REACH100 0x2ca02cu  /*      100% */
#define PLOT_MINED 0x1f77b4u     /* over time: blocks mined */
#define PLOT_STALE 0xff7f0eu     /*            stale blocks */
#define PLOT_FORKS 0xd62728u     /*            forks */
/* Block tree: the rows are at most this far apart; the main chain's row
 * is the first, centred PLOT_TREE_LANE_PX / 2 below the area's top. */
#define PLOT_TREE_LANE_PX 36

/* Writes the three PNGs into dir (created if missing). font_path NULL: the
 * window's default font (view/text.c). Returns false with the reason in
 * err (the font, the directory, a file that cannot be written). */
bool plot_write_dir(const char *dir, sim *s, const metrics *m, const char *font_path, char *err,
                    size_t err_len);

#endif
