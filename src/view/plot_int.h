/* plot_int.h - what plot.c and plot_tree.c share (not exported).
 *
 *   plot.c       the canvas (surface, software renderer, fonts), axes,
 *                legends, PNG output, the two line charts, plot_write_dir
 *   plot_tree.c  the block tree
 *
 * A canvas is one PLOT_WIDTH_PX x PLOT_HEIGHT_PX surface reused for every
 * image: each chart clears it, draws, and saves it. */
#ifndef CHAINSIM_VIEW_PLOT_INT_H
#define CHAINSIM_VIEW_PLOT_INT_H

#include "view/plot.h"
#include "view/view_int.h"

typedef struct plot__canvas {
    SDL_Surface *surf;
    SDL_Renderer *r;
    view_text text;
    bool ttf_ours;         /* we started SDL_ttf, so we stop it */
    SDL_Rect area;         /* where the data goes */
} plot__canvas;

/* A linear axis: data [lo, hi] onto the area; ticks every `step`. */
typedef struct plot__axis {
    double lo, hi, step;
    const char *label;
} plot__axis;

/* One legend entry. */
typedef struct plot__key {
    const char *label;
    SDL_Color colour;
    int width;             /* the swatch's thickness in px; 0 = 4 */
} plot__key;

/* The fixed colours (data colours are in plot.h). */
SDL_Color plot__rgb(uint32_t rgb);
#define PLOT__INK 0x222222u    /* text */
#define PLOT__AXIS 0x555555u   /* axis lines and ticks */
#define PLOT__GRID 0xe8e8e8u
#define PLOT__DIM 0x777777u    /* notes, folded runs */

/* Clears the canvas to the background and draws the title and subtitle
 * (subtitle may be NULL). */
void plot__begin(plot__canvas *c, const char *title, const char *subtitle);
/* Draws the grid, the axes, their ticks and labels. */
void plot__axes(plot__canvas *c, const plot__axis *x, const plot__axis *y);
/* Pixel position of data value v on an axis (x: left to right, y: bottom
 * to top). */
float plot__px(const plot__canvas *c, const plot__axis *x, double v);
float plot__py(const plot__canvas *c, const plot__axis *y, double v);
/* A legend right-aligned above the area, and its width in pixels. */
void plot__legend(plot__canvas *c, const plot__key *keys, int n);
int plot__legend_width(plot__canvas *c, const plot__key *keys, int n);
/* A note centred in the area ("no blocks were mined"). */
void plot__note(plot__canvas *c, const char *text);
/* A horizontal or vertical segment `width` px thick, centred on the line
 * (step curves are made of these). */
void plot__segment(plot__canvas *c, SDL_Color col, float x0, float y0, float x1, float y1,
                   int width);

/* plot_tree.c: draws the final block tree on the canvas (not saved). */
void plot__block_tree(plot__canvas *c, sim *s, const metrics *m);

#endif
