/* wire.h - the simulated network between nodes: when a message arrives, or
 * whether it is lost.
 *
 * A message of S bytes sent from a to b at time t:
 *
 *   start    = max(t, upload_free[a])          one upload at a time per sender
 *   transfer = S * 8 / min(upload[a], download[b])   (0 if both unlimited)
 *   upload_free[a] = start + transfer
 *   arrive   = start + transfer + latency(a, b) + processing
 *
 * or, for a message routed with hold_until_arrival (links.upload_rule
 * "simblock", block messages), upload_free[a] = arrive.
 *
 * With download_queue (links.download_queue) the receiver takes one
 * download at a time too: the bytes begin to reach b at start + latency,
 * b reads them from then or from when its download is free, whichever is
 * later, for as long as the transfer takes:
 *
 *   received = max(start + latency, download_free[b]) + transfer
 *   download_free[b] = received
 *   arrive   = received + processing
 *
 * which is the plain rule's arrival whenever b's download is idle. The
 * receiver's state then changes on a send, so such runs are not split
 * over the parallel executor's workers (wire_shares_receivers).
 *
 * latency(a, b) is drawn per message: fixed, uniform in [min, max], or from a
 * region matrix (mean for the pair of regions, drawn around it from a Pareto
 * distribution as SimBlock does: see wire.c). A message is dropped when a and
 * b are in different partition groups or either is isolated - checked when
 * sent and again when delivered (wire_check), so a cut made while a message
 * is in flight drops it - or, when sent, with probability `loss` (a lost
 * message still occupies the sender's upload; a cut one does not).
 *
 * Thread safety: every function takes the wire's mutex, unless the wire
 * was told that one thread calls it (wire_set_single_thread: the virtual
 * executor, one parallel run). Each sender draws its latency and its loss
 * from two rng streams of its own (so a loss rate change moves no latency)
 * and only the sender's own state changes on a send, so
 * senders on different threads touch disjoint state; in the threads
 * executor the draws still depend on thread timing (the virtual executors
 * are deterministic). download_queue is the exception: a send also
 * changes the receiver's download_free. */
#ifndef CHAINSIM_NET_WIRE_H
#define CHAINSIM_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef enum latency_model {
    LATENCY_FIXED = 0, /* latency_us */
    LATENCY_UNIFORM,   /* uniform in [latency_us, latency_max_us] */
    LATENCY_REGIONS,   /* region_latency_us[ra * n_regions + rb], Pareto around it */
} latency_model;

typedef struct wire_desc {
    int n_nodes;
    uint64_t seed;
    latency_model latency;
    int64_t latency_us;        /* FIXED value / UNIFORM min; 0 = 0 */
    int64_t latency_max_us;    /* UNIFORM max */
    int n_regions;             /* REGIONS: matrix size */
    const int64_t *region_latency_us; /* n_regions^2 means, copied */
    const int *node_region;    /* n_nodes entries, copied; NULL = all region 0 */
    const int64_t *upload_bps; /* n_nodes entries, copied; NULL or 0 = unlimited */
    const int64_t *download_bps;
    double loss;               /* probability in [0, 1) */
    int64_t processing_us;     /* per hop, added at the receiver */
    bool download_queue;       /* receivers queue downloads too (see the top) */
} wire_desc;

/* A message's fate. The wire decides the first four; WIRE_DROP_CRASHED is
 * the executor's verdict at delivery (the receiver was down), never the
 * wire's, and lives here so one enum names every reason a message is lost. */
typedef enum wire_fate {
    WIRE_DELIVER = 0,
    WIRE_DROP_LOSS,
    WIRE_DROP_PARTITION,
    WIRE_DROP_ISOLATED,
    WIRE_DROP_CRASHED,
} wire_fate;
#define WIRE_FATE_COUNT (WIRE_DROP_CRASHED + 1)

typedef struct wire wire;

/* Makes a wire; copies every array. Returns NULL with *err = CS_EINVAL if a
 * value is out of range (negative latency, loss outside [0,1), region out
 * of range). */
wire *wire_new(const wire_desc *desc, cs_err *err);
void wire_free(wire *w);

/* Decides the fate of a message of size_bytes sent now; for WIRE_DELIVER
 * sets *arrive_us and charges the sender's upload queue. */
wire_fate wire_route(wire *w, int from, int to, size_t size_bytes, int64_t now_us,
                     int64_t *arrive_us);
/* The same, and with hold_until_arrival the sender's upload stays busy
 * until the message arrives (SimBlock's rule for blocks: the next upload
 * starts at arrive, not at start + transfer). A lost message holds it for
 * its transfer only. Only the sender's later messages wait longer: no
 * delivery is ever earlier than with the plain rule. */
wire_fate wire_route_hold(wire *w, int from, int to, size_t size_bytes, int64_t now_us,
                          bool hold_until_arrival,
                     int64_t *arrive_us);
/* The least time from a send to its arrival under the links as they are
 * now: the smallest latency any draw can give plus processing (upload
 * queues and transfers only add). The parallel executor's lookahead: any
 * new cost on a message's way (queues, validation) must keep it a lower
 * bound. */
int64_t wire_min_delay_us(wire *w);
/* True if a send changes the receiver's state too (download_queue), so two
 * senders to one receiver must not run side by side. */
bool wire_shares_receivers(const wire *w);
/* At delivery: WIRE_DELIVER if a and b may still talk, else why not. */
wire_fate wire_check(wire *w, int from, int to);

/* single = true: from now on only the calling thread uses the wire, and
 * no function takes the mutex (it costs two atomic operations per call,
 * twice per message). The virtual executors set it when their run starts
 * (the parallel one changes links only between windows, when its workers
 * wait); the threads executor never does. Call it from the thread that will use the
 * wire, before any call it covers. */
void wire_set_single_thread(wire *w, bool single);

/* Partition: group_of_node[i] for each node; nodes in different groups are
 * cut apart. NULL heals every partition. */
void wire_set_partition(wire *w, const int *group_of_node);
/* Cuts one node off from everyone (or reconnects it). */
void wire_set_isolated(wire *w, int node, bool isolated);
bool wire_is_isolated(wire *w, int node);
/* A hint, no effect but speed: starts fetching into the cache what a send
 * from `from` to `to` reads (the sender's own state, the receiver's
 * download rate). Reads nothing; the sender's thread. */
void wire_prefetch(const wire *w, int from, int to);
/* The same for the receiver's part alone. */
void wire_prefetch_receiver(const wire *w, int to);
/* A node's region (its row in the latency matrix); 0 without regions. Set
 * at creation, never changed: no lock needed. */
int wire_node_region(const wire *w, int node);
/* Link changes while running; they apply to messages routed afterwards.
 * wire_set_fixed_latency switches the latency model to LATENCY_FIXED;
 * wire_set_bandwidth takes bits per second, 0 = unlimited. */
void wire_set_loss(wire *w, double loss);
void wire_set_fixed_latency(wire *w, int64_t latency_us);
void wire_set_bandwidth(wire *w, int node, int64_t upload_bps, int64_t download_bps);

const char *wire_fate_name(wire_fate f);

#endif
