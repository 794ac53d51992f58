/* test_wire.c - link model: arrival times (latency, bandwidth, upload
 * queueing, processing), latency distributions, loss, partitions, isolation,
 * and rejection of bad descriptions. */
#include "net/wire.h"

#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "util/rng.h"

static wire *make(const wire_desc *d) {
    cs_err err = CS_EINVAL;
    wire *w = wire_new(d, &err);
    if (!w || err != CS_OK) {
        fprintf(stderr, "  wire_new failed: %d\n", (int)err);
        abort();
    }
    return w;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_fixed_latency(void) {
    wire *w = make(&(wire_desc){.n_nodes = 2, .latency_us = 50000, .processing_us = 2000});
    int64_t arrive = 0;
    CHECK_INT_EQ(wire_route(w, 0, 1, 100, 1000, &arrive), WIRE_DELIVER);
    CHECK_INT_EQ(arrive, 1000 + 50000 + 2000);
    CHECK_INT_EQ(wire_route(w, 1, 0, 1 << 20, 7, &arrive), WIRE_DELIVER);
    CHECK_INT_EQ(arrive, 7 + 50000 + 2000);
    wire_set_fixed_latency(w, 10);
    CHECK_INT_EQ(wire_route(w, 0, 1, 100, 3000, &arrive), WIRE_DELIVER);
    CHECK_INT_EQ(arrive, 3000 + 10 + 2000);
    wire_free(w);
    wire_free(NULL);
}

/* Two senders with unlimited uploads push 1 MB each at t = 0 to node 2,
 * whose download takes 8 Mbit/s (one second a message), over 30 ms links.
 * Without download_queue both arrive at 1.03 s, as if node 2 read both at
 * full speed at once; with it the second waits for the first. */
static void test_download_queue(void) {
    const int64_t up[] = {0, 0, 0}, down[] = {0, 0, 8000000};
    for (int queue = 0; queue < 2; queue++) {
        wire *w = make(&(wire_desc){.n_nodes = 3, .latency_us = 30000, .processing_us = 2000,
                                    .upload_bps = up, .download_bps = down,
                                    .download_queue = queue});
        CHECK(wire_shares_receivers(w) == (queue == 1));
        int64_t a = 0, b = 0, later = 0, back = 0;
        CHECK_INT_EQ(wire_route(w, 0, 2, 1000000, 0, &a), WIRE_DELIVER);
        CHECK_INT_EQ(wire_route(w, 1, 2, 1000000, 0, &b), WIRE_DELIVER);
        CHECK_INT_EQ(a, 1000000 + 30000 + 2000);
        CHECK_INT_EQ(b, queue ? 2000000 + 30000 + 2000 : 1000000 + 30000 + 2000);
        /* Once the download is idle again nothing waits: the plain rule. */
        CHECK_INT_EQ(wire_route(w, 0, 2, 1000000, 5000000, &later), WIRE_DELIVER);
        CHECK_INT_EQ(later, 6000000 + 30000 + 2000);
        /* Only node 2's download queues: node 0 receives at once. */
        CHECK_INT_EQ(wire_route(w, 2, 0, 1000, 5000000, &back), WIRE_DELIVER);
        CHECK_INT_EQ(back, 5000000 + 30000 + 2000);
        wire_free(w);
    }
}

/* A message that reaches a download still busy with the tail of another
 * waits only for that tail: 1 MB at 8 Mbit/s from node 0 at t = 0 keeps node
 * 2 busy until 1.03 s; a 1 MB message from node 1 sent at t = 0.5 s begins
 * to arrive at 0.53 s, is read from 1.03 s and is in at 2.03 s. One sent at
 * t = 3 s finds the download idle and arrives at 4.03 s. */
static void test_download_queue_tail(void) {
    const int64_t up[] = {0, 0, 0}, down[] = {0, 0, 8000000};
    wire *w = make(&(wire_desc){.n_nodes = 3, .latency_us = 30000, .upload_bps = up,
                                .download_bps = down, .download_queue = true});
    int64_t a = 0, b = 0, c = 0;
    CHECK_INT_EQ(wire_route(w, 0, 2, 1000000, 0, &a), WIRE_DELIVER);
    CHECK_INT_EQ(wire_route(w, 1, 2, 1000000, 500000, &b), WIRE_DELIVER);
    CHECK_INT_EQ(wire_route(w, 1, 2, 1000000, 3000000, &c), WIRE_DELIVER);
    CHECK_INT_EQ(a, 1030000);
    CHECK_INT_EQ(b, 2030000);
    CHECK_INT_EQ(c, 4030000);
    wire_free(w);
}

static void test_bandwidth_queueing(void) {
    /* Node 0 uploads at 8 Mbit/s; node 1's download is unlimited: 1 MB
     * takes exactly one second, and the second message waits for the first. */
    const int64_t up[] = {8000000, 0}, down[] = {0, 0};
    wire *w = make(&(wire_desc){.n_nodes = 2, .latency_us = 30000, .upload_bps = up,
                                .download_bps = down});
    int64_t a1 = 0, a2 = 0, a3 = 0, back = 0;
    CHECK_INT_EQ(wire_route(w, 0, 1, 1000000, 0, &a1), WIRE_DELIVER);
    CHECK_INT_EQ(wire_route(w, 0, 1, 1000000, 0, &a2), WIRE_DELIVER);
    CHECK_INT_EQ(a1, 1000000 + 30000);
    CHECK_INT_EQ(a2, 2000000 + 30000);
    /* Node 1 has an idle, unlimited upload: no queueing behind node 0. */
    CHECK_INT_EQ(wire_route(w, 1, 0, 1000000, 0, &back), WIRE_DELIVER);
    CHECK_INT_EQ(back, 30000);
    /* Once the queue has drained, a message starts when it is sent. */
    CHECK_INT_EQ(wire_route(w, 0, 1, 500000, 5000000, &a3), WIRE_DELIVER);
    CHECK_INT_EQ(a3, 5000000 + 500000 + 30000);
    wire_free(w);
}

/* SimBlock's rule: a held message keeps the sender's upload busy until it
 * arrives (1 s transfer + 30 ms latency), so the next one starts at 1.03 s,
 * not at 1 s; a message routed without hold after it frees the upload at
 * its transfer's end as before; deliveries are never earlier than the plain
 * rule's. */
static void test_upload_held_until_arrival(void) {
    const int64_t up[] = {8000000, 0}, down[] = {0, 0};
    wire *w = make(&(wire_desc){.n_nodes = 2, .latency_us = 30000, .upload_bps = up,
                                .download_bps = down});
    int64_t a1 = 0, a2 = 0, a3 = 0, a4 = 0;
    CHECK_INT_EQ(wire_route_hold(w, 0, 1, 1000000, 0, true, &a1), WIRE_DELIVER);
    CHECK_INT_EQ(wire_route_hold(w, 0, 1, 1000000, 0, true, &a2), WIRE_DELIVER);
    CHECK_INT_EQ(a1, 1000000 + 30000);
    CHECK_INT_EQ(a2, (1000000 + 30000) + 1000000 + 30000); /* plain rule: 2,030,000 */
    /* an inv-sized message without hold waits for the held upload, then
     * frees it at its own transfer's end */
    CHECK_INT_EQ(wire_route_hold(w, 0, 1, 1000, 0, false, &a3), WIRE_DELIVER);
    CHECK_INT_EQ(a3, 2060000 + 1000 + 30000);
    CHECK_INT_EQ(wire_route(w, 0, 1, 1000, 0, &a4), WIRE_DELIVER);
    CHECK_INT_EQ(a4, 2060000 + 2000 + 30000);
    wire_free(w);
}

static void test_bandwidth_min_rule(void) {
    /* node:        0 (8 Mbit up)  1 (4 Mbit down)  2 (unlimited)  3 (3 bit/s down) */
    const int64_t up[] = {8000000, 4000000, 0, 0};
    const int64_t down[] = {0, 4000000, 0, 3};
    wire *w = make(&(wire_desc){.n_nodes = 4, .upload_bps = up, .download_bps = down});
    /* Sends 10 s apart, so no upload queue is busy when the next starts. */
    const int64_t s = 10000000;
    int64_t t = 0;
    CHECK_INT_EQ(wire_route(w, 0, 1, 1000000, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 2000000); /* min(8, 4) Mbit/s */
    CHECK_INT_EQ(wire_route(w, 2, 1, 1000000, s, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, s + 2000000); /* unlimited upload: the download decides */
    CHECK_INT_EQ(wire_route(w, 1, 2, 1000000, 2 * s, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 2 * s + 2000000); /* unlimited download: the upload decides */
    CHECK_INT_EQ(wire_route(w, 2, 0, 1000000, 3 * s, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 3 * s); /* both unlimited */
    /* 8 bits at 3 bit/s = 2666666.67 us, rounded up. */
    CHECK_INT_EQ(wire_route(w, 2, 3, 1, 4 * s, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 4 * s + 2666667);
    /* A slow receiver keeps the sender's upload busy: the next send from
     * node 2, even to an unlimited peer, waits for it. */
    CHECK_INT_EQ(wire_route(w, 2, 0, 1000000, 4 * s, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 4 * s + 2666667);
    wire_set_bandwidth(w, 2, 1000000, 0);
    CHECK_INT_EQ(wire_route(w, 2, 0, 125, 5 * s, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 5 * s + 1000); /* 1000 bits at 1 Mbit/s */
    wire_free(w);
}

static void test_uniform(void) {
    wire_desc d = {.n_nodes = 2, .seed = 11, .latency = LATENCY_UNIFORM,
                   .latency_us = 10000, .latency_max_us = 20000};
    wire *a = make(&d), *b = make(&d);
    d.seed = 12;
    wire *c = make(&d);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    int differs = 0;
    double sum = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        int64_t ta = 0, tb = 0, tc = 0;
        CHECK_INT_EQ(wire_route(a, 0, 1, 10, 0, &ta), WIRE_DELIVER);
        CHECK_INT_EQ(wire_route(b, 0, 1, 10, 0, &tb), WIRE_DELIVER);
        CHECK_INT_EQ(wire_route(c, 0, 1, 10, 0, &tc), WIRE_DELIVER);
        CHECK_INT_EQ(ta, tb);
        differs |= ta != tc;
        lo = ta < lo ? ta : lo;
        hi = ta > hi ? ta : hi;
        sum += (double)ta;
    }
    CHECK(lo >= 10000);
    CHECK(hi <= 20000);
    CHECK(lo < 10100); /* both ends reached closely */
    CHECK(hi > 19900);
    CHECK_DBL_NEAR(sum / n, 15000.0, 100.0); /* sd of the mean ~ 20 */
    CHECK(differs);
    wire_free(a);
    wire_free(b);
    wire_free(c);

    /* min == max: always that value. */
    wire *e = make(&(wire_desc){.n_nodes = 2, .latency = LATENCY_UNIFORM,
                                .latency_us = 500, .latency_max_us = 500});
    int64_t t = 0;
    CHECK_INT_EQ(wire_route(e, 1, 0, 10, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 500);
    wire_free(e);
}

/* Draws n latencies from node `from` to node `to` into out (sorted). */
static void draw_region(wire *w, int from, int to, int64_t *out, int n) {
    for (int i = 0; i < n; i++) {
        out[i] = -1;
        wire_route(w, from, to, 0, 0, &out[i]);
    }
    qsort(out, (size_t)n, sizeof *out, cmp_i64);
}

static void test_regions_pareto(void) {
    /* Region means (ms): 0<->0 32, 0<->1 100, 1<->1 3 (too small for the
     * Pareto: used as is). */
    const int64_t matrix[] = {32000, 100000, 100000, 3000};
    const int node_region[] = {0, 0, 1, 1};
    wire *w = make(&(wire_desc){.n_nodes = 4, .seed = 3, .latency = LATENCY_REGIONS,
                                .n_regions = 2, .region_latency_us = matrix,
                                .node_region = node_region});
    enum { N = 20001 };
    int64_t *v = malloc(sizeof(int64_t) * N);
    struct { int from, to; double mean_us; } pairs[] = {{0, 1, 32000}, {1, 2, 100000}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        double mean = pairs[p].mean_us;
        double shape = 0.2 * (mean / 1000.0); /* SimBlock: in ms */
        double scale = mean - 5000.0;
        double median = scale * pow(2.0, 1.0 / shape); /* Pareto median */
        draw_region(w, pairs[p].from, pairs[p].to, v, N);
        CHECK(v[0] >= (int64_t)scale);
        /* The median's standard error is ~ median / (shape * sqrt(N)) <
         * 0.2%; 3% fails only if the draw is wrong. */
        CHECK_DBL_NEAR((double)v[N / 2], median, 0.03 * median);
        double sum = 0;
        for (int i = 0; i < N; i++) sum += (double)v[i];
        CHECK_DBL_NEAR(sum / N, mean, 0.03 * mean); /* the model's mean is exact */
    }
    /* Mean <= 5 ms: no Pareto with that scale; the mean itself. */
    int64_t t = 0;
    CHECK_INT_EQ(wire_route(w, 2, 3, 0, 100, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 100 + 3000);
    free(v);
    wire_free(w);
}

/* The draw, exactly: each region latency is SimBlock's Pareto rounded to
 * the nearest microsecond, computed here the plain way from generators
 * seeded like the wire's (the sender's own stream, 3 << 32 + its id) - llround of scale / (1 -
 * u)^(1 / shape) with the shape from the mean - for 200,000 draws over
 * means from just above 5 ms to 400 ms. */
static void test_regions_pareto_exact(void) {
    const int64_t matrix[] = {5001, 5200, 32000, 400000};
    const int node_region[] = {0, 1};
    wire *w = make(&(wire_desc){.n_nodes = 2, .seed = 11, .latency = LATENCY_REGIONS,
                                .n_regions = 2, .region_latency_us = matrix,
                                .node_region = node_region});
    rng r[2];
    for (int i = 0; i < 2; i++) rng_seed(&r[i], 11, ((uint64_t)7 << 32) + (uint64_t)i); /* wire.c WIRE_LATENCY_STREAM */
    const int pair_of[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    for (int i = 0; i < 200000; i++) {
        int from = pair_of[i % 4][0], to = pair_of[i % 4][1];
        double mean = (double)matrix[i % 4];
        double want = (mean - 5000) / pow(1.0 - rng_unit(&r[from]), 1.0 / (mean / 5000));
        int64_t t = 0;
        CHECK_INT_EQ(wire_route(w, from, to, 0, 0, &t), WIRE_DELIVER);
        CHECK_INT_EQ(t, llround(want));
    }
    wire_free(w);
}

/* Each sender draws from its own stream: node 0's latencies are the same
 * whether or not node 1 sends in between (a parallel run interleaves
 * senders in no fixed order). */
static void test_senders_draw_apart(void) {
    wire_desc d = {.n_nodes = 3, .seed = 5, .latency = LATENCY_UNIFORM, .latency_us = 1000,
                   .latency_max_us = 900000, .loss = 0.3};
    wire *alone = make(&d), *mixed = make(&d);
    for (int i = 0; i < 1000; i++) {
        int64_t a = -1, b = -1, c = -1;
        wire_fate fa = wire_route(alone, 0, 2, 0, i, &a);
        wire_route(mixed, 1, 2, 0, i, &c);
        wire_fate fb = wire_route(mixed, 0, 2, 0, i, &b);
        CHECK_INT_EQ(fa, fb);
        CHECK_INT_EQ(a, b);
    }
    wire_free(alone);
    wire_free(mixed);
}

/* Latency and loss draw from streams of their own (the streams per
 * purpose): the i-th message's latency is the same whatever the loss rate,
 * lost or not, and which messages are lost does not depend on the latency
 * model. One stream for both made a loss rate change shift every later
 * latency. */
static void test_loss_and_latency_apart(void) {
    wire_desc d = {.n_nodes = 2, .seed = 11, .latency = LATENCY_UNIFORM, .latency_us = 1000,
                   .latency_max_us = 900000};
    wire *clean = make(&d);
    d.loss = 0.3;
    wire *lossy = make(&d);
    d.latency = LATENCY_FIXED;
    wire *fixed = make(&d);
    int delivered = 0, lost = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t a = -1, b = -1, c = -1;
        CHECK_INT_EQ(wire_route(clean, 0, 1, 0, i, &a), WIRE_DELIVER);
        wire_fate fb = wire_route(lossy, 0, 1, 0, i, &b);
        wire_fate fc = wire_route(fixed, 0, 1, 0, i, &c);
        CHECK_INT_EQ(fb, fc);
        if (fb != WIRE_DELIVER) {
            lost++;
            continue;
        }
        delivered++;
        CHECK_INT_EQ(b, a);
    }
    CHECK(lost > 200 && delivered > 600);
    wire_free(clean);
    wire_free(lossy);
    wire_free(fixed);
}

/* The least delay: the smallest latency a draw can give plus processing,
 * for each model, and a latency change moves it. */
static void test_min_delay(void) {
    wire *w = make(&(wire_desc){.n_nodes = 2, .latency = LATENCY_UNIFORM, .latency_us = 20000,
                                .latency_max_us = 300000, .processing_us = 2000});
    CHECK_INT_EQ(wire_min_delay_us(w), 22000);
    wire_set_fixed_latency(w, 7000);
    CHECK_INT_EQ(wire_min_delay_us(w), 9000);
    wire_free(w);
    /* Regions: Pareto draws are at least mean - 5 ms; a mean <= 5 ms is exact. */
    const int64_t matrix[] = {32000, 100000, 100000, 60000};
    w = make(&(wire_desc){.n_nodes = 2, .latency = LATENCY_REGIONS, .n_regions = 2,
                          .region_latency_us = matrix, .processing_us = 10});
    CHECK_INT_EQ(wire_min_delay_us(w), 27010);
    wire_free(w);
    const int64_t small[] = {32000, 4000, 4000, 60000};
    w = make(&(wire_desc){.n_nodes = 2, .latency = LATENCY_REGIONS, .n_regions = 2,
                          .region_latency_us = small});
    CHECK_INT_EQ(wire_min_delay_us(w), 4000);
    wire_free(w);
    w = make(&(wire_desc){.n_nodes = 2});
    CHECK_INT_EQ(wire_min_delay_us(w), 0);
    wire_free(w);
}

/* One thread declared: the same draws and fates as with the mutex, and
 * partitions and isolation still apply. */
static void test_single_thread_same_results(void) {
    const int64_t matrix[] = {32000, 100000, 100000, 60000};
    const int node_region[] = {0, 1, 1, 0};
    const int64_t up[] = {1000000, 0, 5000000, 2000000};
    wire_desc d = {.n_nodes = 4, .seed = 5, .latency = LATENCY_REGIONS, .n_regions = 2,
                   .region_latency_us = matrix, .node_region = node_region,
                   .upload_bps = up, .loss = 0.1, .processing_us = 7};
    wire *locked = make(&d), *single = make(&d);
    wire_set_single_thread(single, true);
    const int groups[] = {0, 0, 1, 1};
    for (int i = 0; i < 4000; i++) {
        if (i == 1000) {
            wire_set_partition(locked, groups);
            wire_set_partition(single, groups);
        }
        if (i == 2000) {
            wire_set_isolated(locked, 1, true);
            wire_set_isolated(single, 1, true);
        }
        if (i == 3000) {
            wire_set_partition(locked, NULL);
            wire_set_partition(single, NULL);
        }
        int from = i % 4, to = (i / 4 + 1 + from) % 4;
        int64_t ta = -1, tb = -1;
        wire_fate fa = wire_route(locked, from, to, 1000, i * 100, &ta);
        wire_fate fb = wire_route(single, from, to, 1000, i * 100, &tb);
        CHECK_INT_EQ(fa, fb);
        CHECK_INT_EQ(ta, tb);
        CHECK_INT_EQ(wire_check(locked, to, from), wire_check(single, to, from));
    }
    CHECK_INT_EQ(wire_check(single, 0, 1), WIRE_DROP_ISOLATED);
    CHECK_INT_EQ(wire_check(single, 0, 2), WIRE_DELIVER);
    wire_free(locked);
    wire_free(single);
}

/* Isolating a node twice and reconnecting it once reconnects it; so does
 * reconnecting a node that was never cut (no count goes wrong). */
static void test_isolation_repeated(void) {
    wire *w = make(&(wire_desc){.n_nodes = 3});
    wire_set_isolated(w, 2, false);
    CHECK_INT_EQ(wire_check(w, 0, 2), WIRE_DELIVER);
    wire_set_isolated(w, 1, true);
    wire_set_isolated(w, 1, true);
    CHECK_INT_EQ(wire_check(w, 0, 1), WIRE_DROP_ISOLATED);
    wire_set_isolated(w, 1, false);
    CHECK_INT_EQ(wire_check(w, 0, 1), WIRE_DELIVER);
    wire_set_isolated(w, 0, true);
    wire_set_isolated(w, 2, true);
    wire_set_isolated(w, 0, false);
    CHECK_INT_EQ(wire_check(w, 0, 1), WIRE_DELIVER);
    CHECK_INT_EQ(wire_check(w, 1, 2), WIRE_DROP_ISOLATED);
    wire_set_isolated(w, 2, false);
    CHECK_INT_EQ(wire_check(w, 1, 2), WIRE_DELIVER);
    /* A partition whose groups are all the same number cuts nothing. */
    const int same[] = {4, 4, 4};
    wire_set_partition(w, same);
    CHECK_INT_EQ(wire_check(w, 0, 2), WIRE_DELIVER);
    wire_free(w);
}

static void test_loss_rate(void) {
    wire *w = make(&(wire_desc){.n_nodes = 2, .seed = 2024, .loss = 0.25});
    const int n = 40000;
    int lost = 0;
    for (int i = 0; i < n; i++) {
        int64_t t = 0;
        wire_fate f = wire_route(w, 0, 1, 10, i, &t);
        CHECK(f == WIRE_DELIVER || f == WIRE_DROP_LOSS);
        lost += f == WIRE_DROP_LOSS;
    }
    /* Binomial(40000, 0.25): mean 10000, sd 86.6; +-5 sd. */
    CHECK(lost >= 10000 - 433);
    CHECK(lost <= 10000 + 433);
    wire_set_loss(w, 0.0);
    for (int i = 0; i < 1000; i++) {
        int64_t t = 0;
        CHECK_INT_EQ(wire_route(w, 0, 1, 10, 0, &t), WIRE_DELIVER);
    }
    wire_free(w);
}

static void test_lost_message_used_upload(void) {
    /* 1 MB at 8 Mbit/s, sent back to back at t=0 with 50% loss: the i-th
     * send finishes at (i+1) s whether or not earlier ones were lost. */
    const int64_t up[] = {8000000, 0};
    wire *w = make(&(wire_desc){.n_nodes = 2, .seed = 5, .loss = 0.5, .upload_bps = up});
    int delivered = 0, lost = 0;
    for (int i = 0; i < 40; i++) {
        int64_t t = -1;
        wire_fate f = wire_route(w, 0, 1, 1000000, 0, &t);
        if (f == WIRE_DELIVER) {
            CHECK_INT_EQ(t, (int64_t)(i + 1) * 1000000);
            delivered++;
        } else {
            CHECK_INT_EQ(f, WIRE_DROP_LOSS);
            lost++;
        }
    }
    CHECK(delivered > 0 && lost > 0);
    wire_free(w);
}

static void test_partition(void) {
    wire *w = make(&(wire_desc){.n_nodes = 4, .latency_us = 10});
    const int groups[] = {0, 0, 1, 1};
    int64_t t = 0;
    wire_set_partition(w, groups);
    CHECK_INT_EQ(wire_route(w, 0, 1, 10, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(wire_route(w, 2, 3, 10, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(wire_route(w, 0, 2, 10, 0, &t), WIRE_DROP_PARTITION);
    CHECK_INT_EQ(wire_route(w, 2, 0, 10, 0, &t), WIRE_DROP_PARTITION);
    CHECK_INT_EQ(wire_route(w, 3, 1, 10, 0, &t), WIRE_DROP_PARTITION);
    CHECK_INT_EQ(wire_check(w, 1, 3), WIRE_DROP_PARTITION);
    CHECK_INT_EQ(wire_check(w, 3, 2), WIRE_DELIVER);
    wire_set_partition(w, NULL);
    CHECK_INT_EQ(wire_route(w, 0, 2, 10, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(wire_check(w, 3, 1), WIRE_DELIVER);
    wire_free(w);
}

static void test_partition_in_flight(void) {
    wire *w = make(&(wire_desc){.n_nodes = 3, .latency_us = 100000});
    int64_t t = 0;
    CHECK_INT_EQ(wire_route(w, 0, 2, 10, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(t, 100000);
    /* The cut comes while the message travels: refused at delivery. */
    const int groups[] = {0, 0, 1};
    wire_set_partition(w, groups);
    CHECK_INT_EQ(wire_check(w, 0, 2), WIRE_DROP_PARTITION);
    CHECK_INT_EQ(wire_check(w, 0, 1), WIRE_DELIVER);
    wire_set_partition(w, NULL);
    CHECK_INT_EQ(wire_check(w, 0, 2), WIRE_DELIVER);
    wire_free(w);
}

static void test_isolation(void) {
    wire *w = make(&(wire_desc){.n_nodes = 3});
    int64_t t = 0;
    CHECK(!wire_is_isolated(w, 1));
    wire_set_isolated(w, 1, true);
    CHECK(wire_is_isolated(w, 1));
    CHECK_INT_EQ(wire_route(w, 0, 1, 10, 0, &t), WIRE_DROP_ISOLATED);
    CHECK_INT_EQ(wire_route(w, 1, 2, 10, 0, &t), WIRE_DROP_ISOLATED);
    CHECK_INT_EQ(wire_route(w, 0, 2, 10, 0, &t), WIRE_DELIVER);
    CHECK_INT_EQ(wire_check(w, 2, 1), WIRE_DROP_ISOLATED);
    /* Isolation is reported before a partition that also separates them. */
    const int groups[] = {0, 1, 0};
    wire_set_partition(w, groups);
    CHECK_INT_EQ(wire_route(w, 0, 1, 10, 0, &t), WIRE_DROP_ISOLATED);
    wire_set_isolated(w, 1, false);
    CHECK(!wire_is_isolated(w, 1));
    CHECK_INT_EQ(wire_route(w, 0, 1, 10, 0, &t), WIRE_DROP_PARTITION);
    wire_set_partition(w, NULL);
    CHECK_INT_EQ(wire_route(w, 0, 1, 10, 0, &t), WIRE_DELIVER);
    wire_free(w);
}

static void test_cut_messages_draw_nothing(void) {
    /* The draw order is: reachability (no draw), latency, loss. So sends
     * that a partition refuses leave the random sequence of the others
     * unchanged. */
    wire_desc d = {.n_nodes = 3, .seed = 77, .loss = 0.3, .latency = LATENCY_UNIFORM,
                   .latency_us = 0, .latency_max_us = 1000000};
    wire *a = make(&d), *b = make(&d);
    const int groups[] = {0, 0, 1};
    wire_set_partition(b, groups);
    for (int i = 0; i < 500; i++) {
        int64_t ta = -1, tb = -1;
        CHECK_INT_EQ(wire_route(b, 0, 2, 10, 0, &tb), WIRE_DROP_PARTITION);
        wire_fate fa = wire_route(a, 0, 1, 10, 0, &ta);
        wire_fate fb = wire_route(b, 0, 1, 10, 0, &tb);
        CHECK_INT_EQ(fa, fb);
        CHECK_INT_EQ(ta, tb);
    }
    wire_free(a);
    wire_free(b);
}

static void test_bad_desc(void) {
    const int64_t matrix[] = {1000, 2000, 2000, 1000};
    const int64_t neg_matrix[] = {1000, -1, 2000, 1000};
    const int bad_region[] = {0, 2};
    const int64_t neg_bw[] = {0, -5};
    const wire_desc bad[] = {
        {.n_nodes = 0},
        {.n_nodes = -3},
        {.n_nodes = 2, .loss = 1.0},
        {.n_nodes = 2, .loss = -0.1},
        {.n_nodes = 2, .loss = NAN},
        {.n_nodes = 2, .latency_us = -1},
        {.n_nodes = 2, .processing_us = -1},
        {.n_nodes = 2, .latency = LATENCY_UNIFORM, .latency_us = 10, .latency_max_us = 9},
        {.n_nodes = 2, .latency = LATENCY_REGIONS, .n_regions = 0, .region_latency_us = matrix},
        {.n_nodes = 2, .latency = LATENCY_REGIONS, .n_regions = 2},
        {.n_nodes = 2, .latency = LATENCY_REGIONS, .n_regions = 2,
         .region_latency_us = neg_matrix},
        {.n_nodes = 2, .latency = LATENCY_REGIONS, .n_regions = 2,
         .region_latency_us = matrix, .node_region = bad_region},
        {.n_nodes = 2, .upload_bps = neg_bw},
        {.n_nodes = 2, .download_bps = neg_bw},
        {.n_nodes = 2, .latency = (latency_model)7},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_err err = CS_OK;
        wire *w = wire_new(&bad[i], &err);
        if (w) fprintf(stderr, "  bad desc %zu accepted\n", i);
        CHECK(w == NULL);
        CHECK_INT_EQ(err, CS_EINVAL);
    }
    /* The good neighbours of those are accepted. */
    cs_err err = CS_EINVAL;
    const int good_region[] = {0, 1};
    wire *w = wire_new(&(wire_desc){.n_nodes = 2, .loss = 0.999, .latency = LATENCY_REGIONS,
                                    .n_regions = 2, .region_latency_us = matrix,
                                    .node_region = good_region},
                       &err);
    CHECK(w != NULL);
    CHECK_INT_EQ(err, CS_OK);
    wire_free(w);
}

static void test_fate_names(void) {
    CHECK_STR_EQ(wire_fate_name(WIRE_DELIVER), "deliver");
    CHECK_STR_EQ(wire_fate_name(WIRE_DROP_LOSS), "loss");
    CHECK_STR_EQ(wire_fate_name(WIRE_DROP_PARTITION), "partition");
    CHECK_STR_EQ(wire_fate_name(WIRE_DROP_ISOLATED), "isolated");
    CHECK_STR_EQ(wire_fate_name(WIRE_DROP_CRASHED), "crashed");
}

static const test_case cases[] = {
    TEST(test_fixed_latency),
    TEST(test_download_queue),
    TEST(test_download_queue_tail),
    TEST(test_bandwidth_queueing),
    TEST(test_upload_held_until_arrival),
    TEST(test_bandwidth_min_rule),
    TEST(test_uniform),
    TEST(test_regions_pareto),
    TEST(test_regions_pareto_exact),
    TEST(test_senders_draw_apart),
    TEST(test_loss_and_latency_apart),
    TEST(test_min_delay),
    TEST(test_single_thread_same_results),
    TEST(test_isolation_repeated),
    TEST(test_loss_rate),
    TEST(test_lost_message_used_upload),
    TEST(test_partition),
    TEST(test_partition_in_flight),
    TEST(test_isolation),
    TEST(test_cut_messages_draw_nothing),
    TEST(test_bad_desc),
    TEST(test_fate_names),
    {0},
};

TEST_MAIN(cases)
