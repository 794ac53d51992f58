/* node_int.h - what the node's files share among themselves (not exported).
 *
 *   node.c          lifecycle, dispatch, commands, snapshot
 *   node_blocks.c   inv/getdata/block, orphans, getblocks, tip changes
 *   node_tx.c       transactions: user, peers, random traffic
 *   node_miner.c    sealing: manual, auto (Poisson), race
 *   node_resolve.c  resolve conflicts: getchain/chain
 *   node_attack.c   attackers' strategies and churn */
#ifndef CHAINSIM_NODE_NODE_INT_H
#define CHAINSIM_NODE_NODE_INT_H

#include "node/node.h"

/* Give up on a getdata after this long and ask again on the next inv. */
#define NODE_REQUEST_TIMEOUT_US (30LL * 1000000)
/* A resolve stops waiting for peers' chains after this long. */
#define NODE_RESOLVE_TIMEOUT_US (30LL * 1000000)
/* Most blocks held as orphans; more are dropped (and asked for again later). */
#define NODE_MAX_ORPHANS 2000
/* Most blocks sent in one answer to getblocks. */
#define NODE_MAX_BLOCKS_PER_MSG 2000
/* Most transactions in a block the node seals (the reward not counted). */
#define NODE_MAX_TXS_PER_BLOCK 2000
/* Nonces tried per race step before looking at the mailbox again. */
#define NODE_RACE_BATCH 4096

static inline int64_t node__now(const node *n) { return n->env->now_us(n->env->ctx); }

void node__emit(node *n, sim_event ev);
/* Fills in from/to/sent/size and hands m to the executor. */
void node__send(node *n, int to, msg *m);
void node__send_block_msg(node *n, int to, msg_kind kind, block *b);

/* node_blocks.c */
void node__on_block_msg(node *n, msg *m);
void node__accept_block(node *n, block *b, int from);
void node__apply_update(node *n, chain_update *upd);
void node__relay_block(node *n, const block *b, int except);
void node__request_news(node *n, int peer);
void node__clear_orphans(node *n);
void node__clear_requests(node *n);

/* node_tx.c */
void node__on_tx_msg(node *n, msg *m);
reject node__submit_tx(node *n, tx *t, int from);
void node__cmd_add_tx(node *n, node_cmd *cmd);
void node__cmd_gen_tx(node *n, node_cmd *cmd);
void node__clear_tx_requests(node *n);

/* node_miner.c */
void node__mine_schedule(node *n);
/* A block on `parent` with a real nonce: reward, `extra` txs, then the
 * mempool's if use_mempool. Not interned. NULL (and *error) if the node's
 * name cannot take a reward. */
block *node__seal(node *n, const block *parent, int64_t reward, tx *const *extra, size_t n_extra,
                  bool use_mempool, const char **error);
/* Interns a block this node sealed, emits EV_MINED, accepts it. */
const block *node__mined(node *n, block *sealed);
const block *node__mine_now(node *n, const char **error);
/* CMD_MINE: inline, or queued and searched off the thread (see node_miner.c);
 * completes cmd when its block is found. */
void node__cmd_mine(node *n, node_cmd *cmd);
/* CMD_SEALED: a search off the thread reports back (stale reports dropped). */
void node__mine_sealed(node *n, node_cmd *report);
/* The tip changed: race and off-thread searches start again on it. */
void node__mine_tip_changed(node *n);
/* Cancels the search off the thread; answers every waiting CMD_MINE with
 * `status` and `error` (static). */
void node__mine_abort(node *n, node_cmd_status status, const char *error);
void node__mine_timer(node *n, uint32_t token);
void node__race_step(node *n, uint32_t token);
void node__race_reset(node *n);

/* node_resolve.c */
void node__resolve_start(node *n, node_cmd *cmd);
void node__on_chain_msg(node *n, msg *m);
void node__resolve_timeout(node *n, uint32_t token);
void node__resolve_abort(node *n, const char *error);

/* node_attack.c: every hook is called only when n->attack is set. */
void node__attack_init(node *n, const node_attack_desc *d, uint64_t seed);
node_strategy node__attack_strategy(const node *n);
void node__attack_free(node *n);
/* At node_start: announces the strategy (EV_ATTACKER), schedules its move. */
void node__attack_start(node *n);
/* The mining timer fired: true if the strategy sealed (or skipped) the
 * block itself, false to mine as an honest node does. */
bool node__attack_mine(node *n);
/* Our freshly mined block, before it is accepted: withheld or not. */
void node__attack_hold(node *n, const block *b);
void node__attack_after_mined(node *n, const block *b);
/* A peer's block just became held. */
void node__attack_on_block(node *n, const block *b, int from);
/* False if the block is not to be shown to `peer` (withheld, eclipse). */
bool node__attack_may_show(const node *n, const block *b, int peer);
/* False if a message to/from `peer` is to be ignored (eclipse). */
bool node__attack_talks_to(const node *n, int peer);
/* Answers a chain or ancestors request the strategy's own way; false to
 * answer honestly. */
bool node__attack_answer(node *n, const msg *req);
void node__attack_timer(node *n, node_timer_kind kind, uint32_t token);
/* The highest block of the active chain the node would show its peers. */
const block *node__shown_tip(const node *n);

/* Churn: schedules the first departure (node_start). */
void node__churn_start(node *n);
void node__churn_timer(node *n, uint32_t token);

/* node.c */
void node__complete(node *n, node_cmd *cmd);
void node__crash(node *n);
void node__restart(node *n);

#endif
