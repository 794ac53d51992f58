/* plot.h - a finished run as charts for a paper (--plot DIR).
 *
 *   propagation_cdf   for each block, the time from its mining until 50%,
 *                     90% and 100% of the nodes held it: three CDFs (x
 *                     seconds, linear or logarithmic; y the fraction of all
 *                     mined blocks, so a curve that stays below 1 shows
 *                     blocks that never got there)
 *   forks_over_time   blocks mined, stale blocks and forks so far over sim
 *                     time (csv_timeseries: the numbers of timeseries.csv),
 *                     the x axis from 0 to the run's end, the scenario's
 *                     network events (partition, heal, crash, ...) as
 *                     labelled vertical lines
 *   block_tree        the final block tree: x = height, the main chain on
 *                     the top row, stale branches on the rows below; as
 *                     tall as its rows need
 *
 * Each chart is written as NAME.png, NAME.svg and/or NAME.pdf. The line
 * charts are 3.5 in wide (one column of a two-column paper), the tree 7 in
 * (both columns); text is 6.5 to 8 pt at that size, so it reads as the
 * paper's captions do. PNGs are 300 dpi. SVG text is <text> elements (the
 * words can be searched and edited); PDF text is real text too.
 *
 * Drawn with cairo, no display or SDL involved. The files hold no date: the
 * same run gives the same bytes (with the same font). A run with no blocks
 * gives the same charts with a note. Call after metrics_finish, with no
 * thread running. */
#ifndef CHAINSIM_OUT_PLOT_H
#define CHAINSIM_OUT_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "out/metrics.h"
#include "sim/sim.h"

/* Formats, as bits. */
#define PLOT_PNG 1u
#define PLOT_SVG 2u
#define PLOT_PDF 4u
#define PLOT_ALL_FORMATS (PLOT_PNG | PLOT_SVG | PLOT_PDF)

/* Sizes in points (1/72 in), and where the data goes (tests probe it): the
 * line charts' area is inset by these margins; the tree's rows are
 * PLOT_TREE_LANE_PT apart under a top margin of PLOT_AREA_TOP_PT, and the
 * tree is as tall as its rows plus the two margins. PNGs have
 * PLOT_PNG_DPI / 72 pixels per point. */
#define PLOT_CHART_W_PT 252.0     /* 3.5 in */
#define PLOT_CHART_H_PT 180.0     /* 2.5 in */
#define PLOT_TREE_W_PT 504.0      /* 7 in */
#define PLOT_AREA_LEFT_PT 34.0
#define PLOT_AREA_RIGHT_PT 9.0
#define PLOT_AREA_TOP_PT 33.0
#define PLOT_AREA_BOTTOM_PT 25.0
#define PLOT_TREE_LANE_PT 14.0
#define PLOT_PNG_DPI 300.0

typedef struct plot_options {
    unsigned formats;       /* PLOT_* bits; 0 = all three */
    bool log_time;          /* propagation_cdf: logarithmic x axis */
    const char *font_path;  /* a .ttf/.otf file; NULL = DejaVu Sans (fontconfig) */
} plot_options;

/* Parses a comma-separated list of "png", "svg", "pdf" into *formats.
 * Returns false with the reason in err for an empty list or another word. */
bool plot_parse_formats(const char *list, unsigned *formats, char *err, size_t err_len);

/* Writes the charts into dir (created if missing). o NULL = defaults.
 * Returns false with the reason in err (the font, the directory, a file
 * that cannot be written). */
bool plot_write_dir(const char *dir, sim *s, const metrics *m, const plot_options *o, char *err,
                    size_t err_len);

#endif
