/* event.h - what happened: the one record every observer consumes.
 *
 * Nodes and the executors emit events; metrics, the trace file, the view and
 * HTTP's live stream consume them (nobody polls nodes for history). An event
 * borrows its block and tx pointers for the duration of the callback only;
 * blocks stay valid for the whole run (the store owns them), so a consumer
 * may keep a block pointer, but must tx_ref a tx it keeps.
 *
 *   | kind            | node     | peer   | block / tx     | extra            |
 *   |-----------------|----------|--------|----------------|------------------|
 *   | MINED           | miner    |        | block          |                  |
 *   | MSG_SENT        | sender   | to     | msg's block/tx | msg, bytes,      |
 *   |                 |          |        |                | arrive_us        |
 *   | MSG_DELIVERED   | receiver | from   |                | msg, bytes,      |
 *   |                 |          |        |                | arrive_us        |
 *   | MSG_DROPPED     | receiver | from   |                | msg, bytes, fate |
 *   | BLOCK_ACCEPTED  | node     | from   | block          |                  |
 *   | BLOCK_REJECTED  | node     | from   | block          | reason           |
 *   | TIP_CHANGED     | node     |        | new tip        | old_tip, depth   |
 *   | TX_ACCEPTED     | node     | from*  | tx             |                  |
 *   | TX_REJECTED     | node     | from*  | tx (or NULL)   | reason           |
 *   | CHAIN_REJECTED  | node     | from   |                | reason, index    |
 *   | RESOLVED        | node     |        | tip            | replaced (value) |
 *   | PEER_ADDED      | node     | peer   |                |                  |
 *   | PARTITION, HEAL |   -1     |        |                |                  |
 *   | ISOLATE, RECONNECT, CRASH, RESTART | node |  |      |                  |
 *   | HASH_POWER      | node     |        |                | value            |
 *   | LINKS           |   -1     |        |                |                  |
 *   | ATTACKER        | attacker | victim |                | strategy, value: |
 *   |                 |          | or -1  |                | share, value2: γ |
 *   | ATTACK          | attacker |        | branch tip, or | strategy; value: |
 *   |                 |          |        | the honest     | double spend: 1  |
 *   |                 |          |        | block deciding | released, 0 gave |
 *   |                 |          |        | a race         | up, -1 no funds; |
 *   |                 |          |        |                | selfish: 1 the   |
 *   |                 |          |        |                | race went its way|
 *   |                 |          |        |                | double spend: 2  |
 *   |                 |          |        |                | a round started  |
 *   |                 |          |        |                | (value2 z, lead  |
 *   |                 |          |        |                | the rule's need),|
 *   |                 |          |        |                | released: lead   |
 *
 *   | HEARD           | observer | from   | block          | msg: inv, block, |
 *   |                 |          |        |                | cmpctblock or    |
 *   |                 |          |        |                | blocks; value k: |
 *   |                 |          |        |                | the k-th peer to |
 *   |                 |          |        |                | announce it (1 = |
 *   |                 |          |        |                | first); value2:  |
 *   |                 |          |        |                | observer's peers |
 *
 *   * peer = -1 when the transaction came from a user (command), not a peer.
 *
 * arrive_us: for MSG_SENT, when the wire will hand the message over (-1 if
 * it was dropped at once - a MSG_DROPPED follows - or went to a remote
 * peer, whose arrival the wire does not decide), so an observer can draw it
 * in flight; for MSG_DELIVERED, when it was due (the threads executor may
 * deliver a little late: t_us - arrive_us is the lag).
 *
 * HEARD comes once per (block, peer) at an observer (node/attack/observer.c):
 * the first message from that peer that named the block, whatever its kind
 * - as Decker & Wattenhofer (2013) and Gervais et al. (2015) recorded each
 * peer's first announcement. The one with k = 1 is the block's first
 * announcement, which their delays are timed from; k / value2 is the share
 * of the observer's peers that have announced it (out/metrics.h). In the
 * trace: {"ev":"heard","node":o,"peer":p,"block":hash,"height":h,
 * "msg":"inv","nth":k,"peers":n}.
 *
 * ATTACKER comes once per attacker when the run starts (strategy is a
 * node_strategy, value its hash-power share); ATTACK when a double-spend
 * round starts and when it ends, and when an honest block decides a selfish
 * miner's tie race. A double spend's `lead` is, when a round starts, the
 * lead over the honest chain its release rule needs once the payment has
 * value2 = z confirmations, counting a pre-mined block (1 "longer", 0
 * "tie", one less with a pre-mined block); when it is released, its lead
 * (private height - public height); when it gives up, minus the deficit. */
#ifndef CHAINSIM_NODE_EVENT_H
#define CHAINSIM_NODE_EVENT_H

#include <stdint.h>

#include "chain/block.h"
#include "chain/reject.h"
#include "chain/tx.h"
#include "net/msg.h"
#include "net/wire.h"

typedef enum ev_kind {
    EV_MINED,
    EV_MSG_SENT,
    EV_MSG_DELIVERED,
    EV_MSG_DROPPED,
    EV_BLOCK_ACCEPTED,
    EV_BLOCK_REJECTED,
    EV_TIP_CHANGED,
    EV_TX_ACCEPTED,
    EV_TX_REJECTED,
    EV_CHAIN_REJECTED,
    EV_RESOLVED,
    EV_PEER_ADDED,
    EV_PARTITION,
    EV_HEAL,
    EV_ISOLATE,
    EV_RECONNECT,
    EV_CRASH,
    EV_RESTART,
    EV_HASH_POWER,
    EV_LINKS,
    EV_ATTACKER,
    EV_ATTACK,
    EV_HEARD,
} ev_kind;

#define EV_KIND_COUNT (EV_HEARD + 1)

typedef struct sim_event {
    ev_kind kind;
    int64_t t_us;
    int node;
    int peer;
    const block *block;
    const block *old_tip;
    const tx *tx;
    int reorg_depth;
    msg_kind msg;
    uint32_t bytes;
    wire_fate fate;
    reject reason;
    int strategy;
    double value;
    double value2;
    int64_t arrive_us;
    int lead;               /* ATTACK of a double spend, see above */
} sim_event;

/* "mined", "msg_sent", ... (stable names, used in traces). */
const char *ev_kind_name(ev_kind k);

#endif
