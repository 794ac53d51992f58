/* reject.c - names and sentences for the rejection codes of reject.h.
 *
 * Both functions are switches without a default, so adding a code to the enum
 * without a name or a sentence is a compiler warning (-Wswitch). */
#include "chain/reject.h"

const char *reject_code(reject r) {
    switch (r) {
    case REJ_NONE: return "none";
    case REJ_TX_MALFORMED: return "tx_malformed";
    case REJ_TX_AMOUNT: return "tx_amount";
    case REJ_TX_NAME_EMPTY: return "tx_name_empty";
    case REJ_TX_NAME_LONG: return "tx_name_long";
    case REJ_TX_NAME_INVALID: return "tx_name_invalid";
    case REJ_TX_UNKNOWN_SENDER: return "tx_unknown_sender";
    case REJ_TX_OVERSPEND: return "tx_overspend";
    case REJ_TX_DUPLICATE: return "tx_duplicate";
    case REJ_TX_REWARD: return "tx_reward";
    case REJ_BLK_MALFORMED: return "blk_malformed";
    case REJ_BLK_HASH: return "blk_hash";
    case REJ_BLK_POW: return "blk_pow";
    case REJ_BLK_DIFFICULTY: return "blk_difficulty";
    case REJ_BLK_INDEX: return "blk_index";
    case REJ_BLK_REWARD: return "blk_reward";
    case REJ_BLK_TX: return "blk_tx";
    case REJ_BLK_DUP_TX: return "blk_dup_tx";
    case REJ_BLK_PARENT_INVALID: return "blk_parent_invalid";
    case REJ_BLK_TOO_BIG: return "blk_too_big";
    case REJ_CHAIN_EMPTY: return "chain_empty";
    case REJ_CHAIN_GENESIS: return "chain_genesis";
    case REJ_CHAIN_LINK: return "chain_link";
    case REJ_CHAIN_MALFORMED: return "chain_malformed";
    case REJ_CHAIN_JSON: return "chain_json";
    case REJ_CHAIN_TOO_LARGE: return "chain_too_large";
    case REJ_TX_NAME_SPACE: return "tx_name_space";
    case REJ_MEMPOOL_FULL: return "mempool_full";
    }
    return "unknown";
}

const char *reject_message(reject r) {
    switch (r) {
    case REJ_NONE: return "accepted";
    case REJ_TX_MALFORMED:
        return "the transaction is missing a field or has a field of the wrong type";
    case REJ_TX_AMOUNT: return "the amount must be a positive whole number of at most 10^15";
    case REJ_TX_NAME_EMPTY: return "the sender and the receiver must not be empty";
    case REJ_TX_NAME_LONG: return "the sender or the receiver is longer than 64 bytes";
    case REJ_TX_NAME_INVALID:
        return "the sender or the receiver is not valid UTF-8 or holds control characters";
    case REJ_TX_UNKNOWN_SENDER: return "the sender has no account on this chain";
    case REJ_TX_OVERSPEND: return "the sender's balance is too low";
    case REJ_TX_DUPLICATE: return "a transaction with this id is already known";
    case REJ_TX_REWARD: return "only a block's reward may come from sender \"0\"";
    case REJ_BLK_MALFORMED: return "the block is missing a field or has a field of the wrong type";
    case REJ_BLK_HASH: return "the stated hash is not the hash of the block's contents";
    case REJ_BLK_POW: return "the hash does not have enough leading zero bits for the difficulty";
    case REJ_BLK_DIFFICULTY: return "the block's difficulty differs from the chain's";
    case REJ_BLK_INDEX: return "the block's index is not its parent's index plus one";
    case REJ_BLK_REWARD: return "the block must hold exactly one reward of the chain's amount";
    case REJ_BLK_TX: return "a transaction in the block is invalid at its parent";
    case REJ_BLK_DUP_TX: return "a transaction id appears twice in the block's branch";
    case REJ_BLK_PARENT_INVALID: return "the block descends from an invalid block";
    case REJ_BLK_TOO_BIG: return "the block holds more transactions than allowed";
    case REJ_CHAIN_EMPTY: return "the chain is empty";
    case REJ_CHAIN_GENESIS: return "the chain does not start with our genesis block";
    case REJ_CHAIN_LINK: return "a block's previous_hash does not match the block before it";
    case REJ_CHAIN_MALFORMED: return "the body is not {\"chain\": [...]}";
    case REJ_CHAIN_JSON: return "the body is not valid JSON";
    case REJ_CHAIN_TOO_LARGE: return "the chain is larger than a pull accepts";
    case REJ_TX_NAME_SPACE:
        return "the sender and the receiver must not begin or end with white space";
    case REJ_MEMPOOL_FULL:
        return "the mempool is full: try again after the next block";
    }
    return "unknown rejection";
}
