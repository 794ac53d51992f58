/* record.h - the window's frames over a stretch of sim time as an animated
 * GIF, with no display (chainsim --record FILE.gif).
 *
 * The scenario runs in the virtual executor, and the window's drawing code
 * renders frames with SDL's software renderer as the window would show
 * them at `fps` frames per second of playback and the view's speed (sim
 * seconds per second: --speed, else the scenario's "speed", else 1). Like
 * --screenshot the result depends on the scenario and seed only: the same
 * run gives the same bytes (with the same font). */
#ifndef CHAINSIM_VIEW_RECORD_H
#define CHAINSIM_VIEW_RECORD_H

#include <stdint.h>

#include "view/view.h"

#define RECORD_DEFAULT_FPS 10
#define RECORD_MAX_FPS 50        /* GIF delays are in 1/100 s; viewers slow 1/100 down */
#define RECORD_MAX_FRAMES 3000
#define RECORD_END_HOLD_CS 200   /* the last frame stays 2 s before the loop restarts */

typedef struct view_record_options {
    const char *gif_path;
    int64_t from_us;             /* the first frame's sim time */
    int64_t to_us;               /* no frame after this; < 0 = until the run ends */
    int fps;                     /* 1..RECORD_MAX_FPS; 0 = RECORD_DEFAULT_FPS */
} view_record_options;

/* Writes the recording to r->gif_path (through a temporary file beside it,
 * renamed at the end, so a failed recording leaves no partial GIF).
 * Returns a process exit code: 0 written, 2 with one line on stderr (the
 * scenario, the font, too many frames, the file). */
int view_record(const view_options *o, const view_record_options *r);

#endif
