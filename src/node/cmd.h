/* cmd.h - a request to a node from outside: a scenario event, a click in the
 * window, an HTTP call. Every way of steering a node goes through one of
 * these, sent to its mailbox, so the node's state is only touched by its own
 * thread.
 *
 * Ownership: whoever makes a command sends it in a MSG_COMMAND; the node
 * handles it and then calls cmd->done(cmd) if set (the caller then owns and
 * frees the command with node_cmd_free, typically after waking a waiting
 * HTTP thread), or frees it itself if done is NULL. done runs on the node's
 * thread: it must be quick and must not call back into the node. */
#ifndef CHAINSIM_NODE_CMD_H
#define CHAINSIM_NODE_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/block.h"
#include "chain/reject.h"
#include "chain/tx.h"

typedef enum node_cmd_kind {
    CMD_ADD_TX,        /* from, to, amount (+ optional id) */
    CMD_GEN_TX,        /* a random transaction from the node's ledger (traffic) */
    CMD_MINE,          /* seal one block now with a real nonce search */
    CMD_REGISTER,      /* add peer, one way (as the classic /register_node) */
    CMD_RESOLVE,       /* pull all peers' chains, adopt the best valid one */
    CMD_CRASH,         /* stop; lose mempool, orphans, requests */
    CMD_RESTART,       /* come back with the chain; ask peers for news */
    CMD_SET_HASH_POWER,/* share of the total hash power (0..1) */
    CMD_INSPECT,       /* copy out the peers and the mempool (for a page, a panel) */
    CMD_SEALED,        /* internal: a search off the node's thread ended (node_miner.c) */
} node_cmd_kind;

/* Whether a command was handled at all. One that ran gives its verdict in
 * `reason`, `error` and the results; one that never ran says why here, so a
 * caller tells the two apart by value, not by comparing messages. */
typedef enum node_cmd_status {
    CMD_RAN = 0,  /* the node handled it */
    CMD_STOPPED,  /* never handled: the simulation stopped first */
} node_cmd_status;

/* "ran", "the simulation stopped". */
const char *node_cmd_strerror(node_cmd_status status);

typedef struct node_cmd node_cmd;
struct node_cmd {
    node_cmd_kind kind;
    /* arguments */
    char *from, *to, *id; /* CMD_ADD_TX (id NULL: the node makes one) */
    int64_t amount;
    int peer;             /* CMD_REGISTER */
    double share;         /* CMD_SET_HASH_POWER */
    /* results, valid in done() */
    reject reason;        /* REJ_NONE on success */
    node_cmd_status status;
    const char *error;    /* a static message if the command could not run
                             (CMD_STOPPED: node_cmd_strerror's) */
    const block *block;   /* CMD_MINE: the new block; CMD_RESOLVE: the tip */
    tx *tx;               /* CMD_ADD_TX: the transaction made, accepted or
                             not (one reference; NULL if its fields were bad) */
    bool replaced;        /* CMD_RESOLVE: the tip changed */
    int *peers;           /* CMD_INSPECT: peer ids (owned by the command) */
    size_t n_peers;
    tx **txs;             /* CMD_INSPECT: the mempool in arrival order (one reference each) */
    size_t n_txs;
    block *sealed;        /* CMD_SEALED: the block found (one reference) or NULL */
    uint32_t token;       /* CMD_SEALED: which search it reports on */
    /* completion */
    void (*done)(node_cmd *cmd);
    void *user;
};

/* A zeroed command of this kind. */
node_cmd *node_cmd_new(node_cmd_kind kind);
/* Frees the command, its strings and its results. NULL does nothing. */
void node_cmd_free(node_cmd *cmd);
const char *node_cmd_name(node_cmd_kind kind);

#endif
