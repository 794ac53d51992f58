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

/* ---- error bars: a metric against a swept parameter (plot_sweep.c) ----
 *
 * One chart per metric: x the swept parameter, y the metric; each point is
 * the mean over its replicas (a filled dot) with its 95% interval as a
 * vertical bar with caps, the means of a series joined by a thin line; a
 * reference value (an expect rule's "reference") is a hollow red diamond
 * PLOT_ERR_REF_DX_PT right of its point's bar, at the reference's height.
 * With several series, series s of n is drawn PLOT_ERR_DODGE_PT x
 * (s - (n - 1) / 2) right of its x, so that bars at one x stay apart.
 *
 * Axes, so a reader (and a test) can place any value:
 *   x  numeric: from the smallest to the largest x, widened by 6% of the
 *      span on each side (a span of 0: +-1); logarithmic when every x > 0
 *      and the largest is at least 20 times the smallest (widened by 6%
 *      of the span in log10). Not numeric (x_text only): the points'
 *      x are 0, 1, 2, ... placed as a numeric axis of those, labelled by
 *      their text.
 *   y  from the lowest to the highest value drawn (interval ends, means,
 *      references), widened by 8% of the span on each side, but not below
 *      0 when no value is negative; a span of 0 widens by 10% of the value
 *      (+-1 for 0). */
#define PLOT_ERR_REF_DX_PT 4.5
#define PLOT_ERR_MAX_SERIES 8
#define PLOT_ERR_DODGE_PT 3.0

typedef struct plot_err_point {
    double x;              /* the parameter's value (numeric axes), else its index */
    double mean, lo, hi;   /* lo, hi: the interval; NaN = none (n < 2) */
    const double *refs;    /* references at this point, n_refs of them */
    size_t n_refs;
} plot_err_point;

typedef struct plot_err_series {
    const char *label;     /* the legend's text; NULL with one series */
    const plot_err_point *pts;
    size_t n;
} plot_err_series;

typedef struct plot_err_chart {
    const char *name;      /* the file's name, without extension */
    const char *title, *subtitle;
    const char *x_label, *y_label;
    bool x_numeric;        /* false: the x are indices labelled by x_text */
    const char *const *x_text; /* the labels of the indices 0..n_x_text */
    size_t n_x_text;
    const plot_err_series *series; /* at most PLOT_ERR_MAX_SERIES */
    size_t n_series;
} plot_err_chart;

/* Writes the chart into dir (which must exist) as o's formats (o NULL =
 * defaults). Returns false with the reason in err. */
bool plot_errorbars_write(const char *dir, const plot_err_chart *ch, const plot_options *o,
                          char *err, size_t err_len);

/* ---- bands: a replicated run's counts over time (plot_sweep.c) ----
 *
 * forks_over_time for N replicas of one scenario: blocks mined, stale
 * blocks and forks so far, each as the mean over the replicas (a step
 * line, the single run's pens) inside a band of its 95% confidence
 * interval (mean +- t sd / sqrt(N), Student t): the band is a fill of the
 * series' colour at PLOT_BAND_ALPHA over the paper, from lo to hi at every
 * time, so it has no width where the replicas agree and is drawn exactly
 * where they differ. Axes as the single run's chart (x from 0 to the
 * longest replica's end, in s, minutes or hours; y from 0 to a nice number
 * at or above the highest hi). */
#define PLOT_BAND_ALPHA 0.28

typedef struct plot_band_chart {
    const char *name, *title, *subtitle;
    const char *band_label;  /* the legend's word for the band */
    const double *t_s;       /* n times, rising: each value holds from t_s[i] to t_s[i + 1] */
    size_t n;
    double end_s;            /* the x axis's end */
    const double *mean[3], *lo[3], *hi[3]; /* mined, stale, forks: n values each */
} plot_band_chart;

/* Writes the chart into dir (which must exist); false with the reason. */
bool plot_bands_write(const char *dir, const plot_band_chart *ch, const plot_options *o,
                      char *err, size_t err_len);

#endif
