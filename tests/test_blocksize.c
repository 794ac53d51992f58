/* test_blocksize.c - block sizes from a distribution (chain.block_size):
 * the draws follow each distribution (means and quantiles over many draws),
 * a miner's blocks carry its own stream's sizes and go on the wire at them,
 * the block finders do not move when sizes are drawn, and the same seed
 * gives the same run. */
#include <math.h>

#include "check.h"
#include "sim_fixture.h"
#include "util/dist.h"

#define DRAWS 200000

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* DRAWS sizes from d (stream 7 of seed 1), sorted; their mean in *mean. */
static int64_t *draw_sorted(const dist_spec *d, double *mean) {
    rng r;
    rng_seed(&r, 1, 7);
    int64_t *v = xmalloc(DRAWS * sizeof *v);
    double sum = 0;
    for (size_t i = 0; i < DRAWS; i++) sum += (double)(v[i] = dist_draw_size(d, &r));
    qsort(v, DRAWS, sizeof *v, cmp_i64);
    *mean = sum / DRAWS;
    return v;
}

static double quantile(const int64_t *sorted, double p) { return (double)sorted[(size_t)(p * (DRAWS - 1))]; }

/* Uniform on 1000..2000: every draw in range, both ends drawn, mean 1500
 * (sd of the mean 0.65: bound 5 sd), quartiles 1250 and 1750 (bound +-5,
 * about 4 sd of a quartile over 200,000 draws). */
static void test_uniform(void) {
    dist_spec d = {.kind = DIST_UNIFORM, .lo = 1000, .hi = 2000};
    double mean = 0;
    int64_t *v = draw_sorted(&d, &mean);
    CHECK_INT_EQ(v[0], 1000);
    CHECK_INT_EQ(v[DRAWS - 1], 2000);
    CHECK_DBL_NEAR(mean, 1500, 3.3);
    CHECK_DBL_NEAR(quantile(v, 0.25), 1250, 5);
    CHECK_DBL_NEAR(quantile(v, 0.75), 1750, 5);
    free(v);
}

/* Lognormal, median 500 kB, sigma 0.5: median within 0.5%, the 84.1%
 * quantile at median x e^sigma, mean median x e^(sigma^2/2) within 0.5%
 * (sd of the mean: 0.12%). */
static void test_lognormal(void) {
    dist_spec d = {.kind = DIST_LOGNORMAL, .median = 500000, .sigma = 0.5};
    double mean = 0;
    int64_t *v = draw_sorted(&d, &mean);
    CHECK_DBL_NEAR(quantile(v, 0.5), 500000, 2500);
    CHECK_DBL_NEAR(quantile(v, 0.841345), 500000 * exp(0.5), 500000 * exp(0.5) * 0.01);
    CHECK_DBL_NEAR(quantile(v, 0.158655), 500000 * exp(-0.5), 500000 * exp(-0.5) * 0.01);
    CHECK_DBL_NEAR(mean, 500000 * exp(0.125), 500000 * exp(0.125) * 0.005);
    CHECK(v[0] >= 1);
    free(v);
    /* sigma 0: every draw is the median */
    dist_spec z = {.kind = DIST_LOGNORMAL, .median = 1234.4, .sigma = 0};
    rng r;
    rng_seed(&r, 3, 3);
    for (int i = 0; i < 100; i++) CHECK_INT_EQ(dist_draw_size(&z, &r), 1234);
}

/* An empirical list: each entry as likely, so a size listed twice comes
 * twice as often (+-0.01: about 4 sd of a share over 200,000 draws). */
static void test_empirical(void) {
    int64_t sizes[] = {100, 200, 900, 200};
    dist_spec d = {.kind = DIST_EMPIRICAL, .values = sizes, .n_values = 4};
    double mean = 0;
    int64_t *v = draw_sorted(&d, &mean);
    size_t n100 = 0, n200 = 0, n900 = 0;
    for (size_t i = 0; i < DRAWS; i++) {
        n100 += v[i] == 100;
        n200 += v[i] == 200;
        n900 += v[i] == 900;
    }
    CHECK_INT_EQ(n100 + n200 + n900, DRAWS);
    CHECK_DBL_NEAR((double)n100 / DRAWS, 0.25, 0.01);
    CHECK_DBL_NEAR((double)n200 / DRAWS, 0.5, 0.01);
    CHECK_DBL_NEAR((double)n900 / DRAWS, 0.25, 0.01);
    CHECK_DBL_NEAR(mean, 350, 3);
    free(v);
}

/* A fixed size draws nothing; the others give the same sizes from the same
 * seed and stream, and other sizes from another stream. */
static void test_streams(void) {
    dist_spec f = {.kind = DIST_FIXED, .lo = 777};
    rng a, b;
    rng_seed(&a, 5, 9);
    rng_seed(&b, 5, 9);
    CHECK_INT_EQ(dist_draw_size(&f, &a), 777);
    CHECK(rng_u64(&a) == rng_u64(&b)); /* a untouched by the fixed draw */
    dist_spec d = {.kind = DIST_LOGNORMAL, .median = 1000, .sigma = 1};
    rng x, y, z;
    rng_seed(&x, 5, 9);
    rng_seed(&y, 5, 9);
    rng_seed(&z, 5, 10);
    int same = 0, other = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t s = dist_draw_size(&d, &x);
        same += s == dist_draw_size(&d, &y);
        other += s == dist_draw_size(&d, &z);
    }
    CHECK_INT_EQ(same, 1000);
    CHECK(other < 50);
}

#define SIZED_RUN                                                                              \
    "{'name': 'sizes', 'seed': 4, 'nodes': 6, 'topology': 'ring', 'mining': 'auto',"           \
    " 'relay': 'push', 'links': {'latency_ms': 100, 'upload_bps': 8000000},"                   \
    " 'chain': {'difficulty': 1, 'block_interval_s': 60%s}, 'duration_s': 6000}"

static void run_sized(fx_run *r, const char *chain_extra) {
    char json[1024];
    snprintf(json, sizeof json, SIZED_RUN, chain_extra);
    fx_run_start(r, json, true);
}

/* Each miner's blocks carry the sizes of its own stream (seed, NODE_SIZE_
 * STREAM + id) in mining order, every block message is that size plus the
 * header, and drawing sizes moves no block finder: the same nodes mine at
 * the same times as with no sizes at all. */
static void test_run_sizes(void) {
    fx_run plain, sized, again;
    run_sized(&plain, "");
    const char *extra = ", 'block_size': {'type': 'lognormal', 'median': 400000, 'sigma': 0.7}";
    run_sized(&sized, extra);
    run_sized(&again, extra);
    CHECK(sized.rec.hash == again.rec.hash); /* same seed: the same events, byte for byte */
    CHECK(sized.rec.hash != plain.rec.hash);

    rng streams[6];
    for (int i = 0; i < 6; i++) rng_seed(&streams[i], 4, NODE_SIZE_STREAM + (uint64_t)i);
    const dist_spec *d = &sized.scn.block_size;
    size_t mined = 0, block_msgs = 0;
    for (size_t i = 0; i < sized.rec.n; i++) {
        const sim_event *e = &sized.rec.evs[i].ev;
        if (e->kind == EV_MINED) {
            CHECK_INT_EQ(e->block->sim_bytes, dist_draw_size(d, &streams[e->node]));
            mined++;
        } else if (e->kind == EV_MSG_SENT && e->msg == MSG_BLOCK) {
            CHECK_INT_EQ(e->bytes, (uint64_t)e->block->sim_bytes + MSG_HEADER_BYTES);
            block_msgs++;
        }
    }
    CHECK(mined >= 50);
    CHECK(block_msgs >= mined);

    size_t k = 0;
    for (size_t i = 0; i < plain.rec.n; i++) {
        const sim_event *e = &plain.rec.evs[i].ev;
        if (e->kind != EV_MINED) continue;
        while (k < sized.rec.n && sized.rec.evs[k].ev.kind != EV_MINED) k++;
        CHECK(k < sized.rec.n);
        CHECK_INT_EQ(sized.rec.evs[k].ev.node, e->node);
        CHECK_INT_EQ(sized.rec.evs[k].ev.t_us, e->t_us);
        k++;
    }
    fx_run_end(&plain);
    fx_run_end(&sized);
    fx_run_end(&again);
}

/* "fixed" is block_bytes by another name: the same run, byte for byte. */
static void test_fixed_is_block_bytes(void) {
    fx_run a, b;
    run_sized(&a, ", 'block_bytes': 300000");
    run_sized(&b, ", 'block_size': {'type': 'fixed', 'bytes': 300000}");
    CHECK(a.rec.hash == b.rec.hash);
    CHECK_INT_EQ(b.scn.block_bytes, 300000);
    fx_run_end(&a);
    fx_run_end(&b);
}

static const test_case cases[] = {
    TEST(test_uniform),
    TEST(test_lognormal),
    TEST(test_empirical),
    TEST(test_streams),
    TEST(test_run_sizes),
    TEST(test_fixed_is_block_bytes),
    {0},
};

TEST_MAIN(cases)
