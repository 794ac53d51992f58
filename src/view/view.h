/* view.h - the window: watch a simulation live and steer it with the mouse.
 *
 * The view is a leaf of the program: it builds a sim from a scenario, reads
 * the nodes only through their snapshots and the event stream, and steers
 * them only with commands (the same path as HTTP and scenario events). All
 * SDL and SDL_ttf calls happen on the calling (main) thread. The drawing
 * code renders to any SDL_Renderer, so the same frame can be rendered with
 * the software renderer and no display (--screenshot, the tests).
 *
 * main.c calls one of two functions:
 *
 *   view_main        opens the window (threads executor by default, live, at
 *                    the scenario's speed) and runs until it is closed
 *   view_screenshot  runs the scenario in the virtual executor up to a sim
 *                    time and writes the frame there as a PNG (deterministic)
 *
 * Both return a process exit code: 0 done, 2 usage, scenario or display
 * error (with one line on stderr saying what to do). */
#ifndef CHAINSIM_VIEW_VIEW_H
#define CHAINSIM_VIEW_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"

typedef struct view_options {
    const char *scenario_path;   /* NULL: the built-in default scenario */
    const char *font_path;       /* NULL: DejaVu Sans, else fontconfig's "sans" */
    bool executor_set;           /* else the threads executor (window) */
    sim_executor executor;
    bool seed_set;
    uint64_t seed;
    double speed;                /* 0: the scenario's "speed", else 1 */
    double speed_scale;          /* 0 = 1 */
    int64_t until_us;            /* 0: the scenario's end */
    int width, height;           /* window or image size; 0 = 1280 x 800 */
    /* view_screenshot: the sim time of the frame; < 0 = the end of the run */
    int64_t at_us;
    /* view_main: close the window after this much wall time (demos, tests);
     * 0 = never */
    int64_t quit_after_us;

    /* Hooks for the other faces (HTTP): called with each sim the view makes
     * (at start, on reload, on a dropped file) before it runs, and before it
     * is freed. node_url gives the URL to show for a node, or NULL. */
    void *hook_user;
    void (*on_sim_start)(void *user, sim *s);
    void (*on_sim_stop)(void *user, sim *s);
    const char *(*node_url)(void *user, int node_id);
} view_options;

/* Opens the window and runs until the user closes it. */
int view_main(const view_options *o);
/* Renders the frame at o->at_us of o->scenario_path into png_path. */
int view_screenshot(const view_options *o, const char *png_path);

#endif
