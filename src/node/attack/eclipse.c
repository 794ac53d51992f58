/* eclipse.c - cut one node off from the network.
 *
 * The attacker sends nothing to `victim` and takes nothing from it; with
 * all the victim's peers eclipse nodes (the scenario wires them so), the
 * victim hears of no block but its own. Otherwise the attacker is honest. */
#include "node/attack/attack.h"

static bool node__eclipse_talks_to(const node *n, int peer) {
    return peer != n->attack->d.victim;
}

static bool node__eclipse_may_show(const node *n, const block *b, int peer) {
    (void)b;
    return node__eclipse_talks_to(n, peer);
}

const node__strategy node__eclipse = {
    .kind = NODE_ECLIPSE,
    .state_size = sizeof(node__attack),
    .start = node__attack_announce,
    .may_show = node__eclipse_may_show,
    .talks_to = node__eclipse_talks_to,
};
