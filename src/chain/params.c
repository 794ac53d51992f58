/* params.c - defaults for the chain rules (params.h). */
#include "chain/params.h"

void chain_params_resolve(chain_params *p) {
    if (p->difficulty == 0) p->difficulty = CHAIN_DEFAULT_DIFFICULTY;
    if (p->reward == 0) p->reward = CHAIN_DEFAULT_REWARD;
    if (p->block_interval_us == 0) p->block_interval_us = CHAIN_DEFAULT_INTERVAL_US;
    if (p->retarget_clamp == 0) p->retarget_clamp = CHAIN_DEFAULT_RETARGET_CLAMP;
}
