/* fake_chain.c - a longer chain with no work behind it.
 *
 * At attack_at_us (TIMER_ATTACK) the attacker makes `fake_length` blocks on
 * the genesis whose nonces miss the difficulty, pushes the tip to every
 * peer, and answers every chain request (getchain) and every request for
 * their ancestors (getblocks) with them. Honest nodes reject the chain for
 * its proof of work; the attacker keeps mining honestly meanwhile. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "node/attack/attack.h"
#include "util/mem.h"

typedef struct node__fake_state {
    node__attack base;
    block **fake;            /* fake[0] on the genesis, lowest first */
    size_t n_fake;
} node__fake_state;

static node__fake_state *node__self(const node *n) { return (node__fake_state *)n->attack; }

static void node__fake_cleanup(node *n) { free(node__self(n)->fake); }

static void node__make_fake_chain(node *n) {
    node__fake_state *s = node__self(n);
    const block *parent = bstore_genesis(n->store);
    s->fake = xmalloc((size_t)s->base.d.fake_length * sizeof *s->fake);
    int64_t now_ms = node__now(n) / 1000;
    for (int i = 0; i < s->base.d.fake_length; i++) {
        char id[96];
        snprintf(id, sizeof id, "reward-%" PRId64 "-%.30s", parent->index + 1, n->name);
        reject why = REJ_NONE;
        tx *reward = tx_create(TX_REWARD_SENDER, n->name, n->params->reward, id, now_ms, &why);
        if (!reward) break;
        block *b = NULL;
        for (uint64_t proof = 0;; proof++) {
            b = block_new(parent->index + 1, parent->hash_hex, proof, now_ms, n->params->difficulty,
                          n->name, &reward, 1);
            if (n->params->difficulty == 0 || !pow_meets(b->hash, n->params->difficulty)) break;
            block_unref(b); /* met the difficulty by chance: not fake enough */
        }
        tx_unref(reward);
        if (n->params->difficulty == 0) { /* no work to fake: give up at once */
            block_unref(b);
            break;
        }
        s->fake[s->n_fake++] = bstore_intern(n->store, b);
        parent = s->fake[s->n_fake - 1];
    }
    if (s->n_fake) node__push_to_all(n, s->fake[s->n_fake - 1]);
}

static void node__fake_on_timer(node *n, node_timer_kind kind, uint32_t token) {
    (void)token;
    if (kind == TIMER_ATTACK && n->env->mining_enabled(n->env->ctx) && node__self(n)->n_fake == 0)
        node__make_fake_chain(n);
}

/* 1 + the position of b in the fake chain; 0 if not in it. */
static size_t node__fake_index(const node__fake_state *s, const block *b) {
    for (size_t i = 0; i < s->n_fake; i++)
        if (s->fake[i] == b) return i + 1;
    return 0;
}

static bool node__fake_answer(node *n, const msg *req) {
    node__fake_state *s = node__self(n);
    if (s->n_fake == 0) return false;
    size_t upto = s->n_fake;
    if (req->kind == MSG_GETBLOCKS) {
        upto = req->block ? node__fake_index(s, req->block) : s->n_fake;
        if (upto == 0) return false; /* not about the fake chain */
    }
    bool whole = req->kind == MSG_GETCHAIN;
    size_t len = upto + (whole ? 1 : 0);
    msg *m = msg_new(whole ? MSG_CHAIN : MSG_BLOCKS);
    m->blocks = xmalloc(len * sizeof *m->blocks);
    size_t k = 0;
    if (whole) m->blocks[k++] = bstore_genesis(n->store);
    for (size_t i = 0; i < upto; i++) m->blocks[k++] = s->fake[i];
    m->n_blocks = len;
    node__send(n, req->from, m);
    return true;
}

const node__strategy node__fake_chain = {
    .kind = NODE_FAKE_CHAIN,
    .state_size = sizeof(node__fake_state),
    .cleanup = node__fake_cleanup,
    .start = node__attack_start_at,
    .answer = node__fake_answer,
    .on_timer = node__fake_on_timer,
};
