/* layout.c - where the nodes sit, in the unit square.
 *
 * Up to VIEW_CIRCLE_MAX nodes go on a circle, in id order from the top,
 * clockwise: with few nodes every link is visible and the order is the
 * scenario's. More nodes get a force-directed layout (Fruchterman-Reingold:
 * links pull, every pair pushes), so clusters and bridges show. Repulsion
 * only counts neighbours within two ideal distances, found through a grid,
 * so an iteration is O(nodes + links) and 10,000 nodes lay out in well
 * under a second. The start is a sunflower spiral and there is no
 * randomness: the same scenario always gets the same picture (screenshots
 * are compared pixel by pixel). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "view/view_int.h"

#define VIEW_CIRCLE_MAX 16
#define LAYOUT_ITERATIONS 300
#define LAYOUT_PI 3.14159265358979323846

static void layout__circle(view_layout *l) {
    for (int i = 0; i < l->n; i++) {
        double a = -LAYOUT_PI / 2 + 2 * LAYOUT_PI * i / l->n;
        l->x[i] = (float)(0.5 + 0.5 * cos(a));
        l->y[i] = (float)(0.5 + 0.5 * sin(a));
    }
    if (l->n == 1) l->x[0] = l->y[0] = 0.5f;
}

/* Stretches the positions to fill [0,1]^2. */
static void layout__normalise(view_layout *l) {
    float x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < l->n; i++) {
        x0 = fminf(x0, l->x[i]);
        x1 = fmaxf(x1, l->x[i]);
        y0 = fminf(y0, l->y[i]);
        y1 = fmaxf(y1, l->y[i]);
    }
    float w = x1 - x0 > 1e-6f ? x1 - x0 : 1, h = y1 - y0 > 1e-6f ? y1 - y0 : 1;
    for (int i = 0; i < l->n; i++) {
        l->x[i] = (l->x[i] - x0) / w;
        l->y[i] = (l->y[i] - y0) / h;
    }
}

static void layout__force(view_layout *l, const view_model *m) {
    int n = l->n;
    double k = 1.0 / sqrt((double)n); /* ideal distance in the unit square */
    double cell = 2 * k;
    int g = (int)ceil(1.0 / cell) + 1;
    int *head = xmalloc((size_t)g * (size_t)g * sizeof *head);
    int *next = xmalloc((size_t)n * sizeof *next);
    double *dx = xmalloc((size_t)n * sizeof *dx), *dy = xmalloc((size_t)n * sizeof *dy);
    double *x = xmalloc((size_t)n * sizeof *x), *y = xmalloc((size_t)n * sizeof *y);
    for (int i = 0; i < n; i++) { /* sunflower: even, deterministic */
        double r = 0.45 * sqrt((i + 0.5) / n), a = i * 2.399963229728653;
        x[i] = 0.5 + r * cos(a);
        y[i] = 0.5 + r * sin(a);
    }
    for (int it = 0; it < LAYOUT_ITERATIONS; it++) {
        double temp = 0.08 * (1.0 - (double)it / LAYOUT_ITERATIONS) + 0.002;
        for (int c = 0; c < g * g; c++) head[c] = -1;
        for (int i = 0; i < n; i++) {
            int cx = (int)(x[i] / cell), cy = (int)(y[i] / cell);
            cx = cx < 0 ? 0 : cx >= g ? g - 1 : cx;
            cy = cy < 0 ? 0 : cy >= g ? g - 1 : cy;
            next[i] = head[cy * g + cx];
            head[cy * g + cx] = i;
            dx[i] = dy[i] = 0;
        }
        for (int i = 0; i < n; i++) {
            int cx = (int)(x[i] / cell), cy = (int)(y[i] / cell);
            for (int oy = -1; oy <= 1; oy++)
                for (int ox = -1; ox <= 1; ox++) {
                    int gx = cx + ox, gy = cy + oy;
                    if (gx < 0 || gy < 0 || gx >= g || gy >= g) continue;
                    for (int j = head[gy * g + gx]; j >= 0; j = next[j]) {
                        if (j == i) continue;
                        double ddx = x[i] - x[j], ddy = y[i] - y[j];
                        double d2 = ddx * ddx + ddy * ddy;
                        if (d2 > cell * cell) continue;
                        if (d2 < 1e-12) { /* coincident: nudge apart by id */
                            ddx = (i < j ? 1e-4 : -1e-4);
                            d2 = 1e-8;
                        }
                        double f = k * k / d2; /* k^2 / d, along the unit vector */
                        dx[i] += ddx * f;
                        dy[i] += ddy * f;
                    }
                }
            /* a weak pull to the centre keeps separate components on screen */
            dx[i] += (0.5 - x[i]) * k;
            dy[i] += (0.5 - y[i]) * k;
        }
        for (size_t e = 0; e < m->n_edges; e++) {
            int a = m->edges[e].a, b = m->edges[e].b;
            double ddx = x[a] - x[b], ddy = y[a] - y[b];
            double d = sqrt(ddx * ddx + ddy * ddy);
            double f = d / k; /* d^2 / k, along the unit vector */
            dx[a] -= ddx * f;
            dy[a] -= ddy * f;
            dx[b] += ddx * f;
            dy[b] += ddy * f;
        }
        for (int i = 0; i < n; i++) {
            double d = sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
            if (d < 1e-12) continue;
            double step = d < temp ? d : temp;
            x[i] += dx[i] / d * step;
            y[i] += dy[i] / d * step;
            x[i] = x[i] < 0 ? 0 : x[i] > 1 ? 1 : x[i];
            y[i] = y[i] < 0 ? 0 : y[i] > 1 ? 1 : y[i];
        }
    }
    for (int i = 0; i < n; i++) {
        l->x[i] = (float)x[i];
        l->y[i] = (float)y[i];
    }
    layout__normalise(l);
    free(head);
    free(next);
    free(dx);
    free(dy);
    free(x);
    free(y);
}

void view__layout_init(view_layout *l, const view_model *m) {
    l->n = m->n_nodes;
    l->x = xmalloc((size_t)(l->n + 1) * sizeof *l->x);
    l->y = xmalloc((size_t)(l->n + 1) * sizeof *l->y);
    if (l->n <= VIEW_CIRCLE_MAX) layout__circle(l);
    else layout__force(l, m);
}

void view__layout_cleanup(view_layout *l) {
    free(l->x);
    free(l->y);
    memset(l, 0, sizeof *l);
}
