/* trace.h - the event stream as JSON Lines (--trace FILE.jsonl).
 *
 * One object per event, keys in a fixed order, integers only:
 *   {"t_us": 1500000, "ev": "mined", "node": 0, "block": "00ab...", "height": 2}
 * Blocks are named by their full hash; transactions by id (escaped like
 * every string, so any id gives a line that parses). In the virtual
 * executor the file is identical for the same scenario and seed. */
#ifndef CHAINSIM_OUT_TRACE_H
#define CHAINSIM_OUT_TRACE_H

#include <stdio.h>

#include "node/event.h"
#include "util/buf.h"
#include "util/err.h"

typedef struct trace {
    FILE *f;
    char *buffer; /* stdio's buffer for f */
    buf line;     /* the event being written */
} trace;

/* Opens path for writing; CS_EIO (errno set) on failure. */
cs_err trace_open(trace *t, const char *path);
/* Flushes and closes; CS_EIO if a write failed. */
cs_err trace_close(trace *t);
/* The event sink: sim_add_sink(s, trace_sink, &t). */
void trace_sink(void *user, const sim_event *ev);

#endif
