/* tx.h - a transaction: immutable once made, shared by reference count.
 *
 * Wire format (canonical JSON, keys sorted):
 *
 *   | field       | type    | rule                                          |
 *   |-------------|---------|-----------------------------------------------|
 *   | amount      | integer | > 0 and <= TX_AMOUNT_MAX                      |
 *   | id          | string  | unique in a branch; 1..TX_ID_MAX bytes        |
 *   | receiver    | string  | 1..TX_NAME_MAX bytes of UTF-8, no controls,   |
 *   |             |         | no space at either end (tx_check_name)        |
 *   | sender      | string  | same; "0" marks a block reward                |
 *   | timestamp   | integer | ms of sim time when created                   |
 *
 * A transaction keeps its canonical bytes: they are what a block embeds and
 * hashes. A transaction parsed from a classic node may lack id/timestamp or
 * carry other fields; its canonical bytes are then exactly what it had, and
 * its id is derived (first 16 bytes of SHA-256 of those bytes, in hex: 32
 * characters) unless it carries an "id" string of 1..TX_ID_MAX printable
 * ASCII characters, which is kept.
 *
 * Thread safety: the contents never change after creation; refs is atomic,
 * so any thread may tx_ref/tx_unref. */
#ifndef CHAINSIM_CHAIN_TX_H
#define CHAINSIM_CHAIN_TX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/params.h"
#include "chain/reject.h"

struct cJSON;

#define TX_NAME_MAX 64            /* bytes */
#define TX_ID_MAX 64              /* bytes */
#define TX_AMOUNT_MAX 1000000000000000LL /* 10^15: exact in every JSON reader */
#define TX_REWARD_SENDER "0"

typedef struct tx {
    atomic_int refs;
    char *sender;
    char *receiver;
    char *id;
    int64_t amount;       /* 0 if a classic tx's amount is not an integer */
    int64_t timestamp_ms; /* 0 if absent */
    char *canon;          /* canonical JSON, NUL-terminated */
    size_t canon_len;
} tx;

/* Makes a transaction from checked values (see tx_check_fields; also
 * timestamp_ms >= 0). Copies the strings. Returns a new tx with one
 * reference, or NULL with *why set if a field breaks the rules. */
tx *tx_create(const char *sender, const char *receiver, int64_t amount,
              const char *id, int64_t timestamp_ms, reject *why);

/* The one rule for names (senders, receivers, node names), used by forms,
 * JSON bodies, transactions from peers under LEDGER_STRICT and scenario
 * files alike. A name is refused, never changed: REJ_TX_NAME_EMPTY,
 * REJ_TX_NAME_LONG (more than TX_NAME_MAX bytes), REJ_TX_NAME_INVALID (not
 * UTF-8, or a control character), REJ_TX_NAME_SPACE (begins or ends with a
 * space or a no-break space: so a name of only spaces is refused, and
 * "alice " is not a second alice). Returns REJ_NONE for a good name. */
reject tx_check_name(const char *name);

/* Checks the fields a user gives: names (tx_check_name), amount (positive, <= TX_AMOUNT_MAX), id (1..TX_ID_MAX
 * printable ASCII, space included). Returns REJ_NONE or the first problem,
 * checking sender, receiver, amount, id in that order; a bad or NULL id is
 * REJ_TX_MALFORMED. */
reject tx_check_fields(const char *sender, const char *receiver, int64_t amount,
                       const char *id);

/* Parses a transaction object. LEDGER_STRICT requires all five fields with
 * the types above and no others, and checks them like tx_check_fields
 * (timestamp >= 0); the result equals tx_create's. LEDGER_OPEN accepts what
 * classic nodes send: sender and receiver (or "recipient") as strings or
 * integers (kept as decimal text), amount of any JSON type (an integer is
 * kept, anything else reads as 0), id and timestamp optional, other fields
 * kept; only what cannot be canonical JSON (fractions, bad UTF-8, duplicate
 * keys) is refused. Returns a new tx with one reference, or NULL with *why
 * set (REJ_TX_MALFORMED for shape and types, the tx_check_fields code for a
 * rule) and a message such as "amount: expected an integer" in
 * detail[0..detail_len) (detail may be NULL). */
tx *tx_from_json(const struct cJSON *obj, ledger_rules rules, reject *why,
                 char *detail, size_t detail_len);

tx *tx_ref(tx *t);
/* Drops one reference; frees at zero. tx_unref(NULL) does nothing. */
void tx_unref(tx *t);

/* ---- folder-internal helpers (src/chain only) ---- */

/* True and *out set if item is a JSON number holding an integer within
 * +-2^53 (what canonical JSON accepts). */
bool chain__json_int(const struct cJSON *item, int64_t *out);
/* snprintf into detail[0..detail_len) if detail is non-NULL. */
void chain__detail(char *detail, size_t detail_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool tx_is_reward(const tx *t) {
    return t->sender[0] == '0' && t->sender[1] == '\0';
}

#endif
