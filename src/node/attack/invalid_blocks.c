/* invalid_blocks.c - every block the attacker finds breaks a rule.
 *
 * The block has valid proof of work but pays its miner ten times the
 * reward, so every honest node rejects it (REJ_BLK_REWARD) and counts the
 * rejection; it is pushed to every peer and never becomes the attacker's
 * own tip. The attacker otherwise follows the honest chain. */
#include "node/attack/attack.h"

static bool node__invalid_mine(node *n) {
    const char *error = NULL;
    block *sealed = node__seal(n, n->chain.tip, n->params->reward * 10, NULL, 0, false, &error);
    if (!sealed) return true;
    block *b = bstore_intern(n->store, sealed);
    node__push_to_all(n, b);
    return true;
}

const node__strategy node__invalid_blocks = {
    .kind = NODE_INVALID_BLOCKS,
    .state_size = sizeof(node__attack),
    .start = node__attack_announce,
    .mine = node__invalid_mine,
};
