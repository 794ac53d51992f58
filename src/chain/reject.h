/* reject.h - why a transaction, block or chain was refused.
 *
 * Every rejection carries one of these codes: it is counted in the metrics
 * (rejected by reason), written in the trace, and shown to the user with its
 * sentence. reject_code() is a stable snake_case name for reports. */
#ifndef CHAINSIM_CHAIN_REJECT_H
#define CHAINSIM_CHAIN_REJECT_H

typedef enum reject {
    REJ_NONE = 0,
    /* transactions */
    REJ_TX_MALFORMED,      /* missing field, wrong type */
    REJ_TX_AMOUNT,         /* amount not a positive integer (or too large) */
    REJ_TX_NAME_EMPTY,     /* sender or receiver empty */
    REJ_TX_NAME_LONG,      /* sender or receiver longer than TX_NAME_MAX */
    REJ_TX_NAME_INVALID,   /* not UTF-8, or control characters */
    REJ_TX_UNKNOWN_SENDER, /* sender has no account */
    REJ_TX_OVERSPEND,      /* amount exceeds the sender's balance */
    REJ_TX_DUPLICATE,      /* id already in the mempool or the branch */
    REJ_TX_REWARD,         /* a "0"-sender tx outside a block's reward slot */
    /* blocks */
    REJ_BLK_MALFORMED,     /* missing field, wrong type, not canonical JSON */
    REJ_BLK_HASH,          /* stated hash is not the hash of the contents */
    REJ_BLK_POW,           /* hash has fewer leading zero bits than required */
    REJ_BLK_DIFFICULTY,    /* difficulty differs from the chain's */
    REJ_BLK_INDEX,         /* index is not parent's index + 1 */
    REJ_BLK_REWARD,        /* not exactly one reward of the right amount */
    REJ_BLK_TX,            /* a transaction is invalid at the parent */
    REJ_BLK_DUP_TX,        /* a transaction id appears twice in the branch */
    REJ_BLK_PARENT_INVALID,/* descends from an invalid block */
    REJ_BLK_TOO_BIG,       /* more transactions than allowed */
    /* chains pulled by resolve */
    REJ_CHAIN_EMPTY,
    REJ_CHAIN_GENESIS,     /* first block is not our genesis */
    REJ_CHAIN_LINK,        /* previous_hash does not match the block before */
    REJ_CHAIN_MALFORMED,   /* body is not {"chain": [...]} */
    REJ_CHAIN_JSON,        /* body is not valid JSON (util/json_strict) */
    REJ_CHAIN_TOO_LARGE,   /* more blocks or bytes than a pull accepts */
    /* transactions, added later (kept at the end: codes are counted by value) */
    REJ_TX_NAME_SPACE,     /* a name begins or ends with white space */
    REJ_MEMPOOL_FULL,      /* the mempool holds its maximum; nothing was evicted */
} reject;

#define REJ_COUNT (REJ_MEMPOOL_FULL + 1)

/* A stable snake_case name ("tx_overspend"). */
const char *reject_code(reject r);
/* A sentence for people ("the sender's balance is too low"). */
const char *reject_message(reject r);

#endif
