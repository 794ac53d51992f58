/* fuzz_store.c - the decoder of stored blocks (store__block_decode: every
 * block row of DIR/node.db and every line of an old blocks.jsonl goes
 * through it at start). Any bytes: a block, or NULL with a reason; a block
 * decoded writes back to its canonical bytes plus hash and decodes again to
 * the same block. */
#include <string.h>

#include "fuzz.h"
#include "http/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ledger_rules rules = data[0] & 1 ? LEDGER_OPEN : LEDGER_STRICT;
    char why[300] = "";
    block *b = store__block_decode((const char *)data + 1, size - 1, rules, why, sizeof why);
    if (!b) {
        FUZZ_CHECK(why[0] != '\0', "a stored block refused without a reason");
        return 0;
    }
    buf out;
    buf_init(&out);
    block_to_json(&out, b);
    block *again = store__block_decode(out.data, out.len, rules, why, sizeof why);
    FUZZ_CHECK(again != NULL, "a written block does not decode (%s): %s", why, out.data);
    FUZZ_CHECK(again->canon_len == b->canon_len && memcmp(again->canon, b->canon, b->canon_len) == 0 &&
                   strcmp(again->hash_hex, b->hash_hex) == 0,
               "the block changed on the way back: %s", out.data);
    block_unref(again);
    buf_cleanup(&out);
    block_unref(b);
    return 0;
}
