/* params.h - the rules of one chain, shared by every node of a run.
 *
 * Zero means default, so (chain_params){0} is the classic chain's strict
 * cousin: difficulty 16, reward 50, 10-minute interval. */
#ifndef CHAINSIM_CHAIN_PARAMS_H
#define CHAINSIM_CHAIN_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#define CHAIN_DEFAULT_DIFFICULTY 16
#define CHAIN_DEFAULT_REWARD 50
#define CHAIN_DEFAULT_INTERVAL_US (600LL * 1000000)
#define CHAIN_MAX_BLOCK_TXS 10000
#define CHAIN_DEFAULT_RETARGET_CLAMP 4.0

typedef enum ledger_rules {
    LEDGER_STRICT = 0, /* balances checked, one reward per block, names checked */
    LEDGER_OPEN,       /* classic rules: no balance checks, no reward rule */
} ledger_rules;

typedef struct chain_params {
    int difficulty;           /* leading zero bits; 0 = 16 */
    int64_t reward;           /* coins per block to the miner; 0 = 50 */
    int64_t block_interval_us;/* target mean time between blocks; 0 = 600 s */
    ledger_rules ledger;
    /* Difficulty adjustment (chain/retarget.h): every `retarget_every`
     * blocks the simulated difficulty is scaled by expected / actual time
     * of the window, by at most retarget_clamp either way. 0 = never (the
     * difficulty stays the chain's starting one); clamp 0 = 4. */
    int64_t retarget_every;
    double retarget_clamp;
} chain_params;

/* Fills the zero fields of *p with the defaults. */
void chain_params_resolve(chain_params *p);

#endif
