/* fuzz_chain.c - a chain pulled from a peer (remote_parse_chain: what
 * /consensus and the fetch of an orphan's ancestors read). Either every
 * block decodes and is interned, or the chain is refused with a reason and
 * a detail; every block accepted writes back (block_to_json) to text that
 * decodes to the same canonical bytes and hash. Half the inputs are read
 * under the classic (open) rules, half under the strict ones. */
#include "chain/bstore.h"
#include "fuzz.h"
#include "http/remote.h"

static bstore *fuzz__store(ledger_rules rules) {
    static bstore *stores[2];
    if (!stores[rules])
        stores[rules] = bstore_new(&(chain_params){.difficulty = 1, .ledger = rules},
                                   genesis_classic());
    return stores[rules];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ledger_rules rules = data[0] & 1 ? LEDGER_OPEN : LEDGER_STRICT;
    bstore *st = fuzz__store(rules);
    block **blocks = NULL;
    size_t n = 0;
    char detail[400] = "";
    reject why = remote_parse_chain(st, (const char *)data + 1, size - 1, 100, &blocks, &n, detail,
                                    sizeof detail);
    if (why != REJ_NONE) {
        FUZZ_CHECK(blocks == NULL && n == 0, "a refused chain came with blocks");
        FUZZ_CHECK(detail[0] != '\0', "refused (%s) without a detail", reject_code(why));
        return 0;
    }
    for (size_t i = 0; i < n; i++) fuzz_block_round_trip(blocks[i], rules); /* the store's */
    free(blocks);
    return 0;
}
