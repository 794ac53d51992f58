/* selfish.c - Eyal & Sirer's selfish mining (2014), Algorithm 1, in heights.
 *
 * `pub_height` is the longest chain the others know of (their blocks and
 * the ones we released). Every block we find is withheld. When a peer's
 * block makes the public chain longer, our lead (private height -
 * pub_height) decides: below 0 the chain has already switched to theirs
 * (adopt); 0 means a tie: release our block of that height and race (state
 * 0'); 1 releases everything (we win); more releases the private blocks up
 * to their height. A block we find while racing is released at once. In a
 * tie race each peer gets the released block at once with probability
 * gamma, else race_delay_us later: gamma is the share of the honest network
 * that hears it first. A selfish miner never relays a competing block. */
#include <string.h>

#include "node/attack/attack.h"

typedef struct node__selfish_state {
    node__attack base;
    int64_t pub_height;
    bool racing;             /* state 0': our block and theirs tie, both shown */
} node__selfish_state;

static node__selfish_state *node__self(const node *n) { return (node__selfish_state *)n->attack; }

static void node__selfish_release(node *n, const block *tip, int64_t upto, bool race) {
    node__selfish_state *s = node__self(n);
    int64_t top = node__release(n, tip, upto, race);
    if (top > s->pub_height) s->pub_height = top;
}

static void node__selfish_start(node *n) {
    node__self(n)->pub_height = 1;
    node__attack_announce(n);
}

static void node__selfish_on_peer_block(node *n, const block *b, int from) {
    (void)from;
    node__selfish_state *s = node__self(n);
    if (b->index <= s->pub_height) return; /* not longer than what they had */
    if (s->racing && b->index == s->pub_height + 1) {
        /* The race is decided by an honest block: on our side of the tie or
         * on theirs. Counted, these measure the network's gamma. */
        bool ours = b->parent && strcmp(b->parent->miner, n->name) == 0;
        node__emit(n, (sim_event){.kind = EV_ATTACK, .peer = -1, .block = b,
                                  .strategy = NODE_SELFISH, .value = ours ? 1 : 0});
    }
    s->pub_height = b->index;
    s->racing = false;
    const block *tip = n->chain.tip;
    int64_t lead = tip->index - s->pub_height;
    if (!node__withheld(n, tip)) {
        /* We follow their chain now (or held nothing back): whatever we
         * kept is lost. */
        node__withhold_none(n);
        return;
    }
    if (lead == 1) {
        node__selfish_release(n, tip, tip->index, false); /* we win by one */
    } else {
        s->racing = lead == 0; /* a tie, or we stay ahead */
        node__selfish_release(n, tip, s->pub_height, s->racing);
    }
}

/* Racing (state 0'), we extended our branch: show it, and the others follow
 * the longer chain. */
static void node__selfish_after_mined(node *n, const block *b) {
    node__selfish_state *s = node__self(n);
    if (!s->racing) return;
    s->racing = false;
    node__selfish_release(n, b, b->index, false);
}

static bool node__selfish_may_show(const node *n, const block *b, int peer) {
    (void)peer;
    return strcmp(b->miner, n->name) == 0 && !node__withheld(n, b);
}

static void node__selfish_on_timer(node *n, node_timer_kind kind, uint32_t token) {
    (void)token;
    if (kind == TIMER_RELEASE) node__release_due(n);
}

const node__strategy node__selfish = {
    .kind = NODE_SELFISH,
    .state_size = sizeof(node__selfish_state),
    .start = node__selfish_start,
    .on_mined = node__withhold,
    .after_mined = node__selfish_after_mined,
    .on_peer_block = node__selfish_on_peer_block,
    .may_show = node__selfish_may_show,
    .shown_tip = node__withheld_tip,
    .on_timer = node__selfish_on_timer,
};
