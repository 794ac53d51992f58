/* msg.h - the messages nodes exchange, and their size on the wire.
 *
 *   | kind            | payload                          | answer          |
 *   |-----------------|----------------------------------|-----------------|
 *   | MSG_INV         | block hash, or tx (id only used) | MSG_GETDATA     |
 *   | MSG_GETDATA     | block hash, or tx (id only used) | MSG_BLOCK / TX  |
 *   |                 |                                  | / CMPCTBLOCK    |
 *   | MSG_BLOCK       | one block                        |                 |
 *   | MSG_TX          | one transaction                  |                 |
 *   | MSG_GETBLOCKS   | wanted hash + locator (blocks)   | MSG_BLOCKS      |
 *   | MSG_BLOCKS      | blocks, lowest first             |                 |
 *   | MSG_GETCHAIN    | -                                | MSG_CHAIN       |
 *   | MSG_CHAIN       | the whole active chain           |                 |
 *   | MSG_CMPCTBLOCK  | one block, as a compact block    | MSG_GETBLOCKTXN |
 *   |                 |                                  | if txs are lacking |
 *   | MSG_GETBLOCKTXN | block hash                       | MSG_BLOCK       |
 *   | MSG_COMMAND     | a node_cmd (local, never wired)  | cmd's reply     |
 *
 * In one process a message carries pointers: blocks are borrowed from the
 * shared store, a tx is referenced. A message has one owner at a time: the
 * sender until it hands it to the executor, then the executor, then the
 * receiving node, which frees it with msg_free after handling it. */
#ifndef CHAINSIM_NET_MSG_H
#define CHAINSIM_NET_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"
#include "chain/tx.h"

struct node_cmd;

typedef enum msg_kind {
    MSG_INV,
    MSG_GETDATA,
    MSG_BLOCK,
    MSG_TX,
    MSG_GETBLOCKS,
    MSG_BLOCKS,
    MSG_GETCHAIN,
    MSG_CHAIN,
    MSG_CMPCTBLOCK,
    MSG_GETBLOCKTXN,
    MSG_COMMAND,
} msg_kind;

#define MSG_KIND_COUNT (MSG_COMMAND + 1)

/* Bytes a message adds beyond its payload (Bitcoin's 24-byte header). */
#define MSG_HEADER_BYTES 24
/* Bytes of one inventory entry (type + 32-byte hash). */
#define MSG_INV_BYTES 36
/* A compact block (BIP 152): the 80-byte header and an 8-byte nonce, then a
 * 6-byte short id per transaction (the reward counted as one). */
#define MSG_COMPACT_HEADER_BYTES 88
#define MSG_COMPACT_TX_BYTES 6
/* A typical Bitcoin transaction, to count the transactions of a block whose
 * size is declared (chain.block_bytes) rather than real. */
#define MSG_TYPICAL_TX_BYTES 250

typedef struct msg {
    msg_kind kind;
    int from;            /* sender node id; -1 for the outside (command) */
    int to;              /* receiver node id */
    int64_t sent_us;
    int64_t deliver_us;  /* set by the executor */
    uint32_t size_bytes; /* on the wire, from msg_wire_size */
    /* What the receiver validates before it may use the blocks (links.
     * validation_ms, validation_ms_per_kb): the whole blocks the message
     * carries (BLOCK, CMPCTBLOCK, BLOCKS, CHAIN) and their declared bytes;
     * 0 for the rest and for a BLOCK that completes a compact block (that
     * block was charged with its CMPCTBLOCK). Set by the sending node. */
    uint32_t validate_blocks;
    uint64_t validate_bytes;
    bool compact_rest;   /* BLOCK answering GETBLOCKTXN */
    block *block;        /* INV/GETDATA of a block (by hash), BLOCK, GETBLOCKS (wanted) */
    tx *tx;              /* INV/GETDATA/TX of a transaction: one reference */
    block **blocks;      /* BLOCKS, CHAIN: lowest first; GETBLOCKS: locator */
    size_t n_blocks;
    struct node_cmd *cmd;/* COMMAND: owned by the message until handled */
    struct msg *next;    /* queue link, used by the mailbox */
} msg;

/* A zeroed message of this kind (from = to = -1). */
msg *msg_new(msg_kind kind);
/* Frees the message, the blocks array and the tx reference; not the cmd
 * (the node owns a command once it takes it). msg_free(NULL) does nothing. */
void msg_free(msg *m);
/* Bytes the message occupies on the wire (header + payload). */
uint32_t msg_wire_size(const msg *m);
/* Payload of a compact block of a block with n_txs transactions. */
uint64_t msg_compact_payload(uint64_t n_txs);
/* "inv", "getdata", ... for traces. */
const char *msg_kind_name(msg_kind kind);

#endif
