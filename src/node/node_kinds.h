/* node_kinds.h - the kinds of node a scenario asks for: how it mines, how
 * it relays blocks, how it behaves. One enum each, used by the node and by
 * the scenario format alike (scenario.h stores these values as they are),
 * in a header of their own so the scenario format does not take in all of
 * node.h. */
#ifndef CHAINSIM_NODE_NODE_KINDS_H
#define CHAINSIM_NODE_NODE_KINDS_H

typedef enum node_mining {
    NODE_MINING_MANUAL = 0, /* blocks only when asked (event, click, HTTP) */
    NODE_MINING_AUTO,       /* Poisson per node: rate = share / interval */
    NODE_MINING_RACE,       /* threads executor only: nodes really grind nonces */
} node_mining;

typedef enum node_relay {
    NODE_RELAY_INV = 0, /* inv, getdata, block (Bitcoin's default) */
    NODE_RELAY_PUSH,    /* the whole block to every peer, unasked */
    NODE_RELAY_COMPACT, /* compact blocks (BIP 152), failing at a rate */
} node_relay;

/* How a node behaves (node/attack/, one file per strategy). Everything but
 * HONEST is an attacker of the kind the scenario's "attackers" names:
 *
 *   selfish       Eyal & Sirer's selfish mining: keeps the blocks it finds,
 *                 and releases them as the honest chain catches up. In a tie
 *                 race each peer gets the released block at once with
 *                 probability gamma, else race_delay_us later: gamma is the
 *                 share of the honest network that hears it first.
 *   double_spend  at attack_at_us pays `merchant` publicly while mining a
 *                 private branch that pays itself instead; releases it once
 *                 the payment has `confirmations` blocks and the branch is
 *                 longer, gives up when `give_up` blocks behind.
 *   invalid_blocks   every block it finds breaks a rule (an overspending
 *                 transaction), pushed to every peer.
 *   fake_chain    at attack_at_us makes `fake_length` blocks without proof of
 *                 work on the genesis, announces the tip and answers every
 *                 chain request with them.
 *   eclipse       relays nothing to `victim` and nothing from it: with all
 *                 the victim's peers eclipse nodes, it is cut off.
 *   observer      not an attacker: a monitoring node that never mines,
 *                 wired to `peers` more nodes, that notes each peer's
 *                 first announcement of each block (EV_HEARD); with relay
 *                 false it shows no block to anyone. Not counted as an
 *                 attacker, and never given hash power. */
typedef enum node_strategy {
    NODE_HONEST = 0,
    NODE_SELFISH,
    NODE_DOUBLE_SPEND,
    NODE_INVALID_BLOCKS,
    NODE_FAKE_CHAIN,
    NODE_ECLIPSE,
    NODE_OBSERVER,
} node_strategy;

/* "honest", "selfish", "double_spend", ... (the scenario's names). */
const char *node_strategy_name(node_strategy s);

#endif
