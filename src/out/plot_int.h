/* plot_int.h - what the plot files share (not exported).
 *
 *   plot.c         the canvas: one cairo surface per format, fonts, text,
 *                  pens, axes, legends, notes, files; plot_write_dir
 *   plot_charts.c  the propagation CDF and blocks/forks over time
 *   plot_tree.c    the block tree
 *   plot_sweep.c   a metric against a swept parameter, with error bars
 *
 * A chart is a function that draws on a canvas; plot__write_chart calls it
 * once per format onto a fresh surface of the same size in points
 * (1/72 in), so the PNG, SVG and PDF show the same picture. Charts draw
 * lines and shapes with cairo directly (c->cr) and text only through
 * plot__text, which the SVG pass turns into <text> elements. */
#ifndef CHAINSIM_OUT_PLOT_INT_H
#define CHAINSIM_OUT_PLOT_INT_H

#include <cairo.h>

#include "out/palette.h"
#include "out/plot.h"
#include "util/buf.h"

/* Text sizes (pt) and the fixed inks. */
#define PLOT__TITLE_PT 8.0
#define PLOT__LABEL_PT 7.0     /* axis labels, legend */
#define PLOT__TICK_PT 6.5      /* tick values, notes, event labels */
#define PLOT__INK 0x222222u
#define PLOT__AXIS 0x555555u
#define PLOT__GRID 0xe6e6e6u
#define PLOT__DIM 0x707070u
#define PLOT__PAPER 0xffffffu

typedef struct plot__rect {
    double x, y, w, h;
} plot__rect;

typedef struct plot__fonts {    /* plot.c loads them */
    cairo_font_face_t *face[2]; /* PLOT__REGULAR, PLOT__BOLD */
    char family[128];           /* the SVG's font-family */
} plot__fonts;
/* Loads the faces (path NULL = DejaVu Sans); false with the reason in err.
 * The caller owns f afterwards (plot__fonts_cleanup). */
bool plot__fonts_init(plot__fonts *f, const char *path, char *err, size_t err_len);
void plot__fonts_cleanup(plot__fonts *f);

typedef struct plot__canvas {
    cairo_t *cr;
    unsigned format;          /* the one PLOT_* bit this pass writes */
    double w, h;              /* points */
    plot__rect area;          /* where the data goes */
    const plot__fonts *fonts;
    buf svg_text;             /* SVG pass: the <text> elements so far */
    bool no_x_ticks;          /* plot__axes: the chart writes its own x values */
} plot__canvas;

/* Text: x is the anchor (anchor 0 = left end, 0.5 = centre, 1 = right end),
 * y the baseline; vertical runs bottom to top, anchored the same way along
 * its length. cls names the text's role in the SVG ("tick-x", "label-y",
 * "event", ...), for readers and tests. Returns the width in points. */
typedef enum plot__weight { PLOT__REGULAR, PLOT__BOLD } plot__weight;
double plot__text(plot__canvas *c, plot__weight wt, double size, uint32_t rgb, double x, double y,
                  double anchor, bool vertical, const char *cls, const char *s);
double plot__text_width(plot__canvas *c, plot__weight wt, double size, const char *s);

/* A line style: colour, width (pt) and one of the dash patterns. */
typedef enum plot__dash { PLOT__SOLID, PLOT__DASHED, PLOT__DOTTED, PLOT__DASHDOT } plot__dash;
typedef struct plot__pen {
    uint32_t rgb;
    double width;
    plot__dash dash;
} plot__pen;
void plot__use_pen(plot__canvas *c, const plot__pen *p);
void plot__fill_rgb(plot__canvas *c, uint32_t rgb);

/* An axis over [lo, hi], linear or logarithmic (lo > 0). */
typedef struct plot__axis {
    double lo, hi;
    bool log;
    const char *label;
} plot__axis;
/* Points of data value v (x: left to right, y: bottom to top). */
double plot__px(const plot__canvas *c, const plot__axis *x, double v);
double plot__py(const plot__canvas *c, const plot__axis *y, double v);
/* A "nice" upper bound >= max (1, 2 or 5 times a power of ten); 1 if max <= 0. */
double plot__nice_ceil(double max);
/* The grid, the axis lines, ticks with their values, and the labels. */
void plot__axes(plot__canvas *c, const plot__axis *x, const plot__axis *y);

/* One legend entry: a short line in its pen, then the label. */
typedef struct plot__key {
    const char *label;
    plot__pen pen;
    bool box;                 /* a filled square in pen.rgb instead of a line */
} plot__key;
/* A legend in one row, right-aligned, its baseline at y. */
void plot__legend(plot__canvas *c, const plot__key *keys, int n, double y);
double plot__legend_width(plot__canvas *c, const plot__key *keys, int n);

/* The title and the subtitle (NULL for none) at the top left. */
void plot__heading(plot__canvas *c, const char *title, const char *subtitle);
/* A note centred in the area ("no blocks were mined"). */
void plot__note(plot__canvas *c, const char *text);
/* Limits drawing to the area (grown by `pad` points) until plot__unclip. */
void plot__clip_area(plot__canvas *c, double pad);
void plot__unclip(plot__canvas *c);

/* Draws the chart in every format asked for into dir/name.{png,svg,pdf}.
 * The chart sets c->area itself. */
typedef void plot__draw_fn(plot__canvas *c, const void *data);
bool plot__write_chart(const char *dir, const char *name, double w_pt, double h_pt,
                       plot__draw_fn *draw, const void *data, const plot_options *o,
                       const plot__fonts *fonts, char *err, size_t err_len);

/* The charts: each writes its files. */
bool plot__cdf_write(const char *dir, sim *s, const metrics *m, const plot_options *o,
                     const plot__fonts *fonts, char *err, size_t err_len);
bool plot__over_time_write(const char *dir, sim *s, const metrics *m, const plot_options *o,
                           const plot__fonts *fonts, char *err, size_t err_len);
bool plot__tree_write(const char *dir, sim *s, const metrics *m, const plot_options *o,
                      const plot__fonts *fonts, char *err, size_t err_len);

#endif
