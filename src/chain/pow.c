/* pow.c - proof of work: nonce search over a midstate.
 *
 * A job takes the canonical bytes of the template (block_new's own output,
 * sealed with proof 0, so the split can never disagree with block_new) and
 * cuts them around the proof value:
 *
 *   prefix  `{"difficulty": .., "index": .., "miner": .., "previous_hash": .., "proof": `
 *   nonce   decimal digits
 *   suffix  `, "timestamp": .., "transactions": [..]}`
 *
 * The prefix goes into a SHA-256 midstate once. Per try the search hashes
 * only the digits and the suffix, so a try costs the compressions of
 * (prefix_len % 64) + digits + suffix + padding. The digits live in a small
 * buffer that is incremented in place like an odometer rather than formatted
 * afresh for every nonce.
 *
 * The search runs SHA256_LANES lanes, nonces n, n+1, .., through a SHA-256
 * tail (sha256.h): it holds the suffix laid out and padded once per lane, so
 * a try only rewrites its digits, and sha256_tail_hash_all hashes every lane
 * side by side (SHA-NI) or one after the other (the portable OpenSSL path).
 * Lanes are judged in order, so the nonces are judged in the same order as
 * one at a time and the first nonce found is the same on every path. */
#include "chain/pow.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* Nonces stay below 2^53 so every JSON reader (and block_from_json) keeps
 * them exact. */
#define POW_NONCE_LIMIT ((uint64_t)1 << 53)
/* Room for any uint64_t in decimal, plus one digit of carry. */
#define POW_DIGITS_MAX 24

static const char pow__proof_key[] = "\"proof\": ";

/* Lanes step by SHA256_LANES with one pow__add, which adds a single digit. */
_Static_assert(SHA256_LANES >= 1 && SHA256_LANES <= 9, "pow__add adds 1..9");

void pow_job_init(pow_job *job, const block_template *tmpl) {
    assert(tmpl->prev_hash && (tmpl->txs || tmpl->n_txs == 0));
    job->tmpl = *tmpl;
    job->tmpl.prev_hash = xstrdup(tmpl->prev_hash);
    job->tmpl.miner = xstrdup(tmpl->miner ? tmpl->miner : "");
    tx **txs = xmalloc((tmpl->n_txs ? tmpl->n_txs : 1) * sizeof *txs);
    for (size_t i = 0; i < tmpl->n_txs; i++) txs[i] = tx_ref(tmpl->txs[i]);
    job->tmpl.txs = txs;

    block *b = block_new(tmpl->index, tmpl->prev_hash, 0, tmpl->timestamp_ms,
                         tmpl->difficulty, job->tmpl.miner, txs, tmpl->n_txs);
    /* Strings in the canonical bytes escape every '"', so the first `"proof": `
     * outside a string is the block's own key; miner and previous_hash come
     * before it and cannot hold it, transactions come after it. */
    const char *key = strstr(b->canon, pow__proof_key);
    assert(key && key[sizeof pow__proof_key - 1] == '0');
    job->prefix_len = (size_t)(key - b->canon) + sizeof pow__proof_key - 1;
    job->prefix = xstrndup(b->canon, job->prefix_len);
    job->suffix = xstrdup(b->canon + job->prefix_len + 1); /* past the "0" */
    job->suffix_len = b->canon_len - job->prefix_len - 1;
    sha256_mid_init(&job->mid, job->prefix, job->prefix_len);
    block_unref(b);
}

void pow_job_cleanup(pow_job *job) {
    for (size_t i = 0; i < job->tmpl.n_txs; i++) tx_unref(job->tmpl.txs[i]);
    free((void *)job->tmpl.txs);
    free((char *)job->tmpl.prev_hash);
    free((char *)job->tmpl.miner);
    free(job->prefix);
    free(job->suffix);
    memset(job, 0, sizeof *job);
}

bool pow_meets(const uint8_t hash[SHA256_LEN], int difficulty) {
    if (difficulty <= 0) return true;
    if (difficulty > 8 * SHA256_LEN) return false;
    int whole = difficulty >> 3;
    for (int i = 0; i < whole; i++)
        if (hash[i] != 0) return false;
    int rest = difficulty & 7;
    return rest == 0 || (hash[whole] >> (8 - rest)) == 0;
}

/* Writes v in decimal to out (no NUL); returns the number of digits. */
static size_t pow__format(char out[POW_DIGITS_MAX], uint64_t v) {
    char tmp[POW_DIGITS_MAX];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* Adds k (1..9) to the decimal number digits[0..*len), growing it on carry
 * out ("998" + 4 -> "1002"). */
static void pow__add(char digits[POW_DIGITS_MAX], size_t *len, unsigned k) {
    assert(k >= 1 && k <= 9 && *len < POW_DIGITS_MAX);
    size_t i = *len - 1;
    unsigned d = (unsigned)(digits[i] - '0') + k;
    digits[i] = (char)('0' + d % 10);
    if (d < 10) return;
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i > 0) {
        digits[i - 1]++;
        return;
    }
    /* Carried out of the top digit: one more digit, a leading 1. */
    memmove(digits + 1, digits, *len);
    digits[0] = '1';
    (*len)++;
}

void pow_job_hash(const pow_job *job, uint64_t nonce, uint8_t out[SHA256_LEN]) {
    char digits[POW_DIGITS_MAX];
    size_t len = pow__format(digits, nonce);
    sha256_mid_finish2(&job->mid, digits, len, job->suffix, job->suffix_len, out);
}

static block *pow__seal(const pow_job *job, uint64_t nonce, const char *digits,
                        size_t digits_len) {
    const block_template *t = &job->tmpl;
    block *b = block_new(t->index, t->prev_hash, nonce, t->timestamp_ms, t->difficulty,
                         t->miner, t->txs, t->n_txs);
    assert(b->canon_len == job->prefix_len + digits_len + job->suffix_len);
    assert(memcmp(b->canon, job->prefix, job->prefix_len) == 0);
    assert(memcmp(b->canon + job->prefix_len, digits, digits_len) == 0);
    assert(memcmp(b->canon + job->prefix_len + digits_len, job->suffix, job->suffix_len) == 0);
    (void)digits;
    (void)digits_len;
    return b;
}

block *pow_job_search(pow_job *job, uint64_t start, uint64_t count, uint64_t *tries) {
    assert(start < POW_NONCE_LIMIT && count <= POW_NONCE_LIMIT - start);
    const int difficulty = job->tmpl.difficulty;
    /* Lane k holds nonce start + i + k; after each round every lane steps by
     * SHA256_LANES. The last round may hash up to SHA256_LANES - 1 nonces
     * past `count`; they are never judged. */
    char digits[SHA256_LANES][POW_DIGITS_MAX];
    size_t len[SHA256_LANES];
    len[0] = pow__format(digits[0], start);
    for (int k = 1; k < SHA256_LANES; k++) {
        memcpy(digits[k], digits[k - 1], len[k - 1]);
        len[k] = len[k - 1];
        pow__add(digits[k], &len[k], 1);
    }
    sha256_tail tail;
    sha256_tail_init(&tail, &job->mid, job->suffix, job->suffix_len);

    uint8_t hash[SHA256_LANES][SHA256_LEN];
    uint64_t i = 0;
    int found = -1; /* the lane whose nonce start + i + found met the difficulty */
    for (; i < count; i += SHA256_LANES) {
        for (int k = 0; k < SHA256_LANES; k++) sha256_tail_set(&tail, k, digits[k], len[k]);
        sha256_tail_hash_all(&tail, hash);
        int judged = count - i < SHA256_LANES ? (int)(count - i) : SHA256_LANES;
        for (int k = 0; k < judged && found < 0; k++)
            if (pow_meets(hash[k], difficulty)) found = k;
        if (found >= 0) break;
        for (int k = 0; k < SHA256_LANES; k++) pow__add(digits[k], &len[k], SHA256_LANES);
    }
    sha256_tail_cleanup(&tail);

    if (found < 0) {
        *tries = count;
        return NULL;
    }
    *tries = i + (uint64_t)found + 1;
    return pow__seal(job, start + i + (uint64_t)found, digits[found], len[found]);
}
