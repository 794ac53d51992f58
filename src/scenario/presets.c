/* presets.c - the measured network models (see presets.h for the sources).
 *
 * The tables are SimBlock's, unchanged: latency in ms, bandwidth in bits per
 * second, region shares of nodes, cumulative outbound-degree distributions.
 * tests/test_presets.c compares every number here with
 * assets/network-presets.json. */
#include "scenario/presets.h"

#include <string.h>

#define PRESET_REGIONS 6
#define PRESET_DEGREES 20

static const char *const preset__regions[PRESET_REGIONS] = {
    "NORTH_AMERICA", "EUROPE", "SOUTH_AMERICA", "ASIA_PACIFIC", "JAPAN", "AUSTRALIA",
};

static const int preset__latency_2015[PRESET_REGIONS * PRESET_REGIONS] = {
    36,  119, 255, 310, 154, 208,
    119, 12,  221, 242, 266, 350,
    255, 221, 137, 347, 256, 269,
    310, 242, 347, 99,  172, 278,
    154, 266, 256, 172, 9,   163,
    208, 350, 269, 278, 163, 22,
};

static const int preset__latency_2019[PRESET_REGIONS * PRESET_REGIONS] = {
    32,  124, 184, 198, 151, 189,
    124, 11,  227, 237, 252, 294,
    184, 227, 88,  325, 301, 322,
    198, 237, 325, 85,  58,  198,
    151, 252, 301, 58,  12,  126,
    189, 294, 322, 198, 126, 16,
};

static const int64_t preset__download_2015[PRESET_REGIONS] = {
    25000000, 24000000, 6500000, 10000000, 17500000, 14000000,
};
static const int64_t preset__upload_2015[PRESET_REGIONS] = {
    4700000, 8100000, 1800000, 5300000, 3400000, 5200000,
};
static const int64_t preset__download_2019[PRESET_REGIONS] = {
    52000000, 40000000, 18000000, 22800000, 22800000, 29900000,
};
static const int64_t preset__upload_2019[PRESET_REGIONS] = {
    19200000, 20700000, 5800000, 15700000, 10200000, 11300000,
};

static const double preset__share_bitcoin_2015[PRESET_REGIONS] = {
    0.3869, 0.5159, 0.0113, 0.0574, 0.0119, 0.0166,
};
static const double preset__share_bitcoin_2019[PRESET_REGIONS] = {
    0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195,
};
static const double preset__share_litecoin[PRESET_REGIONS] = {
    0.3661, 0.4791, 0.0149, 0.1022, 0.0238, 0.0139,
};
static const double preset__share_dogecoin[PRESET_REGIONS] = {
    0.3924, 0.4879, 0.0212, 0.0697, 0.0106, 0.0182,
};

static const double preset__degrees_bitcoin_2015[PRESET_DEGREES] = {
    0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
    0.8,   0.85, 0.9,   0.95, 0.97, 0.97, 0.98, 0.99, 0.995, 1.0,
};
static const double preset__degrees_litecoin[PRESET_DEGREES] = {
    0.01, 0.02, 0.04, 0.07, 0.09, 0.14, 0.2,  0.28, 0.39, 0.5,
    0.6,  0.69, 0.76, 0.81, 0.85, 0.87, 0.89, 0.92, 0.93, 1.0,
};
static const double preset__degrees_dogecoin[PRESET_DEGREES] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
};

#define PRESET__COMMON .n_regions = PRESET_REGIONS, .region_names = preset__regions, \
                       .n_outbound_cdf = PRESET_DEGREES, .processing_ms = 2

static const preset preset__all[] = {
    {
        .name = "bitcoin-2015",
        .description = "Bitcoin in 2015: 2015 latencies and bandwidths, node locations and "
                       "outbound degrees",
        .latency_ms = preset__latency_2015,
        .upload_bps = preset__upload_2015,
        .download_bps = preset__download_2015,
        .region_share = preset__share_bitcoin_2015,
        .outbound_cdf = preset__degrees_bitcoin_2015,
        PRESET__COMMON,
    },
    {
        .name = "bitcoin-2019",
        .description = "Bitcoin in 2019: 2019 latencies, bandwidths and node locations; "
                       "outbound degrees of 2015 (the only measurement)",
        .latency_ms = preset__latency_2019,
        .upload_bps = preset__upload_2019,
        .download_bps = preset__download_2019,
        .region_share = preset__share_bitcoin_2019,
        .outbound_cdf = preset__degrees_bitcoin_2015,
        PRESET__COMMON,
    },
    {
        .name = "litecoin",
        .description = "Litecoin: its node locations and outbound degrees; 2019 latencies and "
                       "bandwidths",
        .latency_ms = preset__latency_2019,
        .upload_bps = preset__upload_2019,
        .download_bps = preset__download_2019,
        .region_share = preset__share_litecoin,
        .outbound_cdf = preset__degrees_litecoin,
        PRESET__COMMON,
    },
    {
        .name = "dogecoin",
        .description = "Dogecoin: its node locations, 8 outbound peers each; 2019 latencies and "
                       "bandwidths",
        .latency_ms = preset__latency_2019,
        .upload_bps = preset__upload_2019,
        .download_bps = preset__download_2019,
        .region_share = preset__share_dogecoin,
        .outbound_cdf = preset__degrees_dogecoin,
        PRESET__COMMON,
    },
};

#define PRESET__COUNT (sizeof preset__all / sizeof preset__all[0])

const preset *preset_find(const char *name) {
    for (size_t i = 0; i < PRESET__COUNT; i++)
        if (strcmp(preset__all[i].name, name) == 0) return &preset__all[i];
    return NULL;
}

size_t preset_count(void) { return PRESET__COUNT; }

const preset *preset_at(size_t i) { return i < PRESET__COUNT ? &preset__all[i] : NULL; }
