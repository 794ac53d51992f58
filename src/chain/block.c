/* block.c - blocks: building, parsing from peers, wire JSON, ancestry.
 *
 * A block's identity is its canonical JSON without "hash" (block.h). There
 * are two ways to get those bytes, and both must give what Python's
 * json.dumps(block, sort_keys=True) gives:
 *
 *   block_new        writes them directly, keys in sorted order
 *                    (difficulty, index, miner, previous_hash, proof,
 *                    timestamp, transactions), each tx's own canonical bytes
 *                    joined by ", ". This is the miner's path (pow.c splits
 *                    the same bytes at the proof), so it avoids cJSON.
 *   block_from_json  canon_write_json of the received object minus "hash",
 *                    so a classic node's block (index, previous_hash, proof,
 *                    transactions, maybe other fields) hashes exactly as it
 *                    does in Python, whatever fields it carries.
 *
 * The wire form puts "hash" first and then the canonical members, so it is
 * built by string concatenation and its size is known without printing it. */
#include "chain/block.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chain/ledger.h"
#include "util/canon.h"
#include "util/hex.h"
#include "util/mem.h"

#define BLOCK_CLASSIC_DIFFICULTY 16
#define BLOCK_MAX_DIFFICULTY 255

/* `{"hash": "` + 64 hex + `", ` replaces the canonical bytes' leading `{`. */
#define BLOCK_WIRE_OVERHEAD \
    (sizeof "{\"hash\": \"" - 1 + BLOCK_HASH_HEX_LEN + sizeof "\", " - 1 - 1)

/* Fills in a block from its parts, taking ownership of miner, txs (array and
 * references) and the canonical bytes in *canon; hashes and self-checks it. */
static block *block__assemble(int64_t index, const char *prev_hash, uint64_t proof,
                              int64_t timestamp_ms, int difficulty, char *miner,
                              tx **txs, size_t n_txs, buf *canon) {
    block *b = xcalloc(1, sizeof *b);
    atomic_init(&b->refs, 1);
    atomic_init(&b->rooted, false);
    atomic_init(&b->verdict, BLOCK_UNKNOWN);
    b->index = index;
    size_t prev_len = strlen(prev_hash);
    assert(prev_len >= 1 && prev_len <= BLOCK_HASH_HEX_LEN);
    memcpy(b->prev_hash, prev_hash, prev_len + 1);
    b->proof = proof;
    b->timestamp_ms = timestamp_ms;
    b->difficulty = difficulty;
    b->miner = miner;
    b->txs = txs;
    b->n_txs = n_txs;
    b->canon = buf_detach(canon, &b->canon_len);
    sha256(b->hash, b->canon, b->canon_len);
    hex_encode(b->hash_hex, b->hash, SHA256_LEN);
    b->wire_bytes = b->canon_len + BLOCK_WIRE_OVERHEAD;

    if (index < 1 || timestamp_ms < 0 || difficulty < 0 || difficulty > BLOCK_MAX_DIFFICULTY)
        b->self_check = REJ_BLK_MALFORMED;
    else if (n_txs > CHAIN_MAX_BLOCK_TXS)
        b->self_check = REJ_BLK_TOO_BIG;
    else if (sha256_leading_zero_bits(b->hash) < difficulty)
        b->self_check = REJ_BLK_POW;
    else
        b->self_check = REJ_NONE;
    return b;
}

block *block_new(int64_t index, const char *prev_hash, uint64_t proof,
                 int64_t timestamp_ms, int difficulty, const char *miner,
                 tx *const *txs, size_t n_txs) {
    if (!miner) miner = "";
    assert(utf8_valid(miner, strlen(miner)) && utf8_valid(prev_hash, strlen(prev_hash)));
    buf canon;
    buf_init(&canon);
    buf_puts(&canon, "{\"difficulty\": ");
    canon_put_int(&canon, difficulty);
    buf_puts(&canon, ", \"index\": ");
    canon_put_int(&canon, index);
    buf_puts(&canon, ", \"miner\": ");
    canon_put_str(&canon, miner, strlen(miner));
    buf_puts(&canon, ", \"previous_hash\": ");
    canon_put_str(&canon, prev_hash, strlen(prev_hash));
    buf_puts(&canon, ", \"proof\": ");
    canon_put_uint(&canon, proof);
    buf_puts(&canon, ", \"timestamp\": ");
    canon_put_int(&canon, timestamp_ms);
    buf_puts(&canon, ", \"transactions\": [");
    tx **own = xmalloc((n_txs ? n_txs : 1) * sizeof *own);
    for (size_t i = 0; i < n_txs; i++) {
        if (i) buf_puts(&canon, ", ");
        buf_append(&canon, txs[i]->canon, txs[i]->canon_len);
        own[i] = tx_ref(txs[i]);
    }
    buf_puts(&canon, "]}");
    return block__assemble(index, prev_hash, proof, timestamp_ms, difficulty,
                           xstrdup(miner), own, n_txs, &canon);
}

/* The top-level fields of a block object, checked but not yet hashed. */
typedef struct block__fields {
    int64_t index, proof, difficulty, timestamp_ms;
    const char *prev_hash;
    const char *miner;
    const cJSON *stated_hash; /* NULL if absent */
    const cJSON *txs;         /* the array */
} block__fields;

/* Sets *why and the "field: message" detail; returns false for chaining. */
static bool block__fail(reject *why, reject r, char *detail, size_t detail_len,
                        const char *field, const char *msg) {
    *why = r;
    chain__detail(detail, detail_len, "%s: %s", field, msg);
    return false;
}

/* Reads an optional integer member into *out (left as is if absent). False if
 * present but not an integer in [min, max]. */
static bool block__opt_int(const cJSON *obj, const char *name, int64_t min, int64_t max,
                           int64_t *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!item) return true;
    int64_t v;
    if (!chain__json_int(item, &v) || v < min || v > max) return false;
    *out = v;
    return true;
}

/* Checks presence, types and ranges of the top-level fields (block.h). */
static bool block__read_fields(const cJSON *obj, block__fields *f, reject *why, char *detail,
                               size_t detail_len) {
    const reject bad = REJ_BLK_MALFORMED;
    if (!cJSON_IsObject(obj))
        return block__fail(why, bad, detail, detail_len, "block", "expected an object");
    static const char *const required[] = {"index", "previous_hash", "proof", "transactions"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!cJSON_GetObjectItemCaseSensitive(obj, required[i]))
            return block__fail(why, bad, detail, detail_len, required[i], "missing");

    const int64_t int_max = (int64_t)1 << 53; /* what JSON keeps exact */
    *f = (block__fields){.difficulty = BLOCK_CLASSIC_DIFFICULTY};
    if (!block__opt_int(obj, "index", 1, int_max, &f->index))
        return block__fail(why, bad, detail, detail_len, "index", "expected an integer >= 1");
    const cJSON *prev = cJSON_GetObjectItemCaseSensitive(obj, "previous_hash");
    if (!cJSON_IsString(prev) || prev->valuestring[0] == '\0' ||
        strlen(prev->valuestring) > BLOCK_HASH_HEX_LEN)
        return block__fail(why, bad, detail, detail_len, "previous_hash",
                           "expected a string of 1 to 64 characters");
    f->prev_hash = prev->valuestring;
    if (!block__opt_int(obj, "proof", 0, int_max, &f->proof))
        return block__fail(why, bad, detail, detail_len, "proof", "expected an integer >= 0");
    if (!block__opt_int(obj, "difficulty", 0, BLOCK_MAX_DIFFICULTY, &f->difficulty))
        return block__fail(why, bad, detail, detail_len, "difficulty",
                           "expected an integer from 0 to 255");
    if (!block__opt_int(obj, "timestamp", 0, int_max, &f->timestamp_ms))
        return block__fail(why, bad, detail, detail_len, "timestamp", "expected an integer >= 0");
    const cJSON *miner = cJSON_GetObjectItemCaseSensitive(obj, "miner");
    if (miner && !cJSON_IsString(miner))
        return block__fail(why, bad, detail, detail_len, "miner", "expected a string");
    f->miner = miner ? miner->valuestring : "";
    f->stated_hash = cJSON_GetObjectItemCaseSensitive(obj, "hash");
    if (f->stated_hash && !cJSON_IsString(f->stated_hash))
        return block__fail(why, bad, detail, detail_len, "hash", "expected a string");
    f->txs = cJSON_GetObjectItemCaseSensitive(obj, "transactions");
    if (!cJSON_IsArray(f->txs))
        return block__fail(why, bad, detail, detail_len, "transactions", "expected an array");
    if (cJSON_GetArraySize(f->txs) > CHAIN_MAX_BLOCK_TXS)
        return block__fail(why, REJ_BLK_TOO_BIG, detail, detail_len, "transactions",
                           "more than 10000 transactions");
    return true;
}

static void block__free_txs(tx **txs, size_t n) {
    for (size_t i = 0; i < n; i++) tx_unref(txs[i]);
    free(txs);
}

/* Parses every element of the transactions array. Returns the new array (one
 * reference per tx) or NULL with *why and "transactions[i]..." detail. */
static tx **block__read_txs(const cJSON *arr, size_t n_txs, ledger_rules rules, reject *why,
                            char *detail, size_t detail_len) {
    tx **txs = xmalloc((n_txs ? n_txs : 1) * sizeof *txs);
    size_t i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        if (!cJSON_IsObject(c)) {
            *why = REJ_BLK_MALFORMED;
            chain__detail(detail, detail_len, "transactions[%zu]: expected an object", i);
            block__free_txs(txs, i);
            return NULL;
        }
        char sub[160];
        reject r;
        txs[i] = tx_from_json(c, rules, &r, sub, sizeof sub);
        if (!txs[i]) {
            /* Shape problems make the block malformed; a broken field rule
             * (amount, names) is an invalid transaction. */
            *why = r == REJ_TX_MALFORMED ? REJ_BLK_MALFORMED : REJ_BLK_TX;
            chain__detail(detail, detail_len, "transactions[%zu].%s", i, sub);
            block__free_txs(txs, i);
            return NULL;
        }
    }
    return txs;
}

block *block_from_json(const cJSON *obj, ledger_rules rules, reject *why_out,
                       char *detail, size_t detail_len) {
    reject why_local;
    reject *why = why_out ? why_out : &why_local;
    block__fields f;
    if (!block__read_fields(obj, &f, why, detail, detail_len)) return NULL;
    size_t n_txs = (size_t)cJSON_GetArraySize(f.txs);
    tx **txs = block__read_txs(f.txs, n_txs, rules, why, detail, detail_len);
    if (!txs) return NULL;

    buf canon;
    buf_init(&canon);
    const cJSON *where = NULL;
    if (canon_write_json(&canon, obj, "hash", &where) != CS_OK) {
        buf_cleanup(&canon);
        block__free_txs(txs, n_txs);
        block__fail(why, REJ_BLK_MALFORMED, detail, detail_len,
                    where && where->string ? where->string : "block",
                    "not canonical JSON (a fraction, a huge number, bad UTF-8 or a "
                    "duplicate key)");
        return NULL;
    }
    block *b = block__assemble(f.index, f.prev_hash, (uint64_t)f.proof, f.timestamp_ms,
                               (int)f.difficulty, xstrdup(f.miner), txs, n_txs, &canon);
    uint8_t stated[SHA256_LEN];
    if (f.stated_hash && (!hex_decode(stated, SHA256_LEN, f.stated_hash->valuestring) ||
                          memcmp(stated, b->hash, SHA256_LEN) != 0)) {
        *why = REJ_BLK_HASH;
        chain__detail(detail, detail_len, "hash: stated %.64s, contents hash to %s",
                      f.stated_hash->valuestring, b->hash_hex);
        block_unref(b);
        return NULL;
    }
    /* Fields were checked above, so the only self-check left to fail is PoW. */
    if (b->self_check != REJ_NONE) {
        *why = b->self_check;
        chain__detail(detail, detail_len,
                      "hash: %s has %d leading zero bits, difficulty %d needs more",
                      b->hash_hex, sha256_leading_zero_bits(b->hash), b->difficulty);
        block_unref(b);
        return NULL;
    }
    *why = REJ_NONE;
    return b;
}

void block_to_json(buf *out, const block *b) {
    assert(b->canon_len >= 2 && b->canon[0] == '{');
    buf_puts(out, "{\"hash\": \"");
    buf_append(out, b->hash_hex, BLOCK_HASH_HEX_LEN);
    buf_puts(out, "\", ");
    buf_append(out, b->canon + 1, b->canon_len - 1);
}

block *block_ref(block *b) {
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void block_unref(block *b) {
    if (!b) return;
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    block__free_txs(b->txs, b->n_txs);
    ledger_unref(b->ledger);
    free((void *)b->holders);
    free(b->miner);
    free(b->canon);
    free(b);
}

const block *block_ancestor(const block *b, int64_t index) {
    if (index < 1 || index > b->index) return NULL;
    while (b && b->index > index) {
        /* The skip pointer jumps far back; take it unless it overshoots. */
        if (b->skip && b->skip->index >= index)
            b = b->skip;
        else
            b = b->parent;
    }
    /* A lineage whose indices skip (an invalid block's) may step past it. */
    return b && b->index == index ? b : NULL;
}

double block_work(int difficulty) {
    return ldexp(1.0, difficulty);
}

int block_hash_zero_digits(const block *b) {
    int n = 0;
    while (n < BLOCK_HASH_HEX_LEN && b->hash_hex[n] == '0') n++;
    return n;
}
