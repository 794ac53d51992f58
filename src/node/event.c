#include "node/event.h"

const char *ev_kind_name(ev_kind k) {
    switch (k) {
    case EV_MINED: return "mined";
    case EV_MSG_SENT: return "msg_sent";
    case EV_MSG_DELIVERED: return "msg_delivered";
    case EV_MSG_DROPPED: return "msg_dropped";
    case EV_BLOCK_ACCEPTED: return "block_accepted";
    case EV_BLOCK_REJECTED: return "block_rejected";
    case EV_TIP_CHANGED: return "tip_changed";
    case EV_TX_ACCEPTED: return "tx_accepted";
    case EV_TX_REJECTED: return "tx_rejected";
    case EV_CHAIN_REJECTED: return "chain_rejected";
    case EV_RESOLVED: return "resolved";
    case EV_PEER_ADDED: return "peer_added";
    case EV_PARTITION: return "partition";
    case EV_HEAL: return "heal";
    case EV_ISOLATE: return "isolate";
    case EV_RECONNECT: return "reconnect";
    case EV_CRASH: return "crash";
    case EV_RESTART: return "restart";
    case EV_HASH_POWER: return "hash_power";
    case EV_LINKS: return "links";
    case EV_ATTACKER: return "attacker";
    case EV_ATTACK: return "attack";
    case EV_HEARD: return "heard";
    }
    return "?";
}
