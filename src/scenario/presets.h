/* presets.h - measured network models a scenario can name:
 * "network": {"preset": "bitcoin-2015"}.
 *
 * A preset is the network model of SimBlock (Aoki et al., "SimBlock: A
 * Blockchain Network Simulator", IEEE INFOCOM Workshops 2019;
 * github.com/dsg-titech/simblock, settings/NetworkConfiguration.java): six
 * regions, the mean one-way latency between them, each region's upload and
 * download bandwidth, the share of nodes in each region, and the
 * distribution of a node's outbound peers (Miller et al., "Discovering
 * Bitcoin's public topology and influential nodes", 2015, for Bitcoin).
 *
 *   | preset       | latency, bandwidth | node shares  | outbound peers |
 *   |--------------|--------------------|--------------|----------------|
 *   | bitcoin-2015 | 2015               | bitcoin-2015 | bitcoin-2015   |
 *   | bitcoin-2019 | 2019               | bitcoin-2019 | bitcoin-2015 * |
 *   | litecoin     | 2019 **            | litecoin     | litecoin       |
 *   | dogecoin     | 2019 **            | dogecoin     | dogecoin       |
 *
 *   *  the only Bitcoin degree measurement (SimBlock uses it for 2019 too)
 *   ** SimBlock measured latency and bandwidth per year, not per coin; the
 *      newest year is used, as SimBlock does by default.
 *
 * The same data ships as assets/network-presets.json (verbatim
 * from SimBlock's tables, with the composition above); tests/test_presets.c
 * checks these tables against that file. */
#ifndef CHAINSIM_SCENARIO_PRESETS_H
#define CHAINSIM_SCENARIO_PRESETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct preset {
    const char *name;
    const char *description;
    int n_regions;
    const char *const *region_names;
    const int *latency_ms;        /* n_regions^2, row = sender's region */
    const int64_t *upload_bps;    /* per region */
    const int64_t *download_bps;  /* per region */
    const double *region_share;   /* per region, sums to 1 */
    const double *outbound_cdf;   /* cdf[k] = P(outbound peers <= k + 1); last = 1 */
    int n_outbound_cdf;
    int processing_ms;            /* per hop, at the receiver */
} preset;

/* The preset of that name, or NULL. */
const preset *preset_find(const char *name);
/* All presets, for listing: i in [0, preset_count()). */
size_t preset_count(void);
const preset *preset_at(size_t i);

#endif
