/* attack.h - what the attackers share (attack.c), and their tables.
 *
 * An attacker runs the same chain, store and validation as everyone else
 * (it never lies to itself); it differs in what it shows, when, and what it
 * seals, through the hooks of its table (node__strategy, node_int.h). Each
 * strategy is one file here that defines its table and a state struct that
 * begins with node__attack:
 *
 *   selfish.c         node__selfish
 *   double_spend.c    node__double_spend
 *   invalid_blocks.c  node__invalid_blocks
 *   fake_chain.c      node__fake_chain
 *   eclipse.c         node__eclipse
 *   observer.c        node__observer (not an attacker: it measures)
 *
 * To add a strategy: a value in node_strategy (node.h) and its name in
 * node_strategy_name, a file here with its table, the table in node.c's
 * list, and the scenario's name for it (scenario/). A hook left NULL is the
 * honest behaviour.
 *
 * Withheld blocks sit in `secret`: they are never announced, never answered
 * to a getdata, and cut from any chain or ancestors the node sends
 * (node__withheld_tip), until released. */
#ifndef CHAINSIM_NODE_ATTACK_ATTACK_H
#define CHAINSIM_NODE_ATTACK_ATTACK_H

#include "node/node_int.h"

/* A released block that a peer is to hear late (selfish tie races). */
typedef struct node__held {
    const block *b;
    int peer;
    int64_t due_us;
} node__held;

/* The state every attacker has; a strategy's own state begins with it. */
typedef struct node__attack {
    node_attack_desc d;
    char *merchant;          /* d.merchant points here */
    rng rng;                 /* (seed, stream NODE_ATTACK_STREAM + id) */
    ptrset secret;           /* blocks of ours not shown to anyone yet */
    node__held *held;        /* released, waiting for a TIMER_RELEASE */
    size_t n_held, cap_held;
} node__attack;

extern const node__strategy node__selfish;
extern const node__strategy node__double_spend;
extern const node__strategy node__invalid_blocks;
extern const node__strategy node__fake_chain;
extern const node__strategy node__eclipse;
extern const node__strategy node__observer;

/* Makes the state of `table` (zeroed, table->state_size bytes) for the
 * attacker described by d, and sets n->strategy and n->attack. */
void node__attack_init(node *n, const node__strategy *table, const node_attack_desc *d,
                       uint64_t seed);
/* Frees the state (the table's cleanup first); nothing for honest nodes. */
void node__attack_free(node *n);

/* Emits EV_ATTACKER: what every strategy's start does first. */
void node__attack_announce(node *n);
/* The start of a strategy that makes its move at a set time (double_spend,
 * fake_chain): announces it, then sets TIMER_ATTACK at d.at_us. */
void node__attack_start_at(node *n);
/* Sends b unasked to every peer. */
void node__push_to_all(node *n, const block *b);

/* Withholding: b is kept from everyone until released. */
void node__withhold(node *n, const block *b);
bool node__withheld(const node *n, const block *b);
/* Everything withheld is lost (the chain moved on without it). */
void node__withhold_none(node *n);
/* The shown_tip hook of a withholding strategy: the active tip, below
 * whatever is withheld. */
const block *node__withheld_tip(const node *n);
/* Shows the withheld blocks of the branch ending at `tip` up to height
 * `upto`, lowest first. With `race` each peer gets them at once with
 * probability gamma, else race_delay_us later (TIMER_RELEASE). Returns the
 * height of the highest block released, 0 if none. */
int64_t node__release(node *n, const block *tip, int64_t upto, bool race);
/* TIMER_RELEASE: sends the held blocks that are due. */
void node__release_due(node *n);

#endif
