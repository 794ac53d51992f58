/* fuzz_relay.c - what POST /relay/block and POST /relay/tx read from a peer:
 * the body through json_strict (exact integers), then block_from_json or
 * tx_from_json. The first byte picks block or transaction and the ledger
 * rules. A refusal carries a reason; what is accepted writes back to text
 * that reads again to the same canonical bytes (nothing silently changed
 * between what a peer sent and what is hashed and stored). */
#include <cjson/cJSON.h>
#include <string.h>

#include "chain/block.h"
#include "fuzz.h"
#include "util/json_strict.h"

static void fuzz__block(const cJSON *obj, ledger_rules rules) {
    reject why = REJ_NONE;
    char detail[200] = "";
    block *b = block_from_json(obj, rules, &why, detail, sizeof detail);
    if (!b) {
        FUZZ_CHECK(why != REJ_NONE, "a block refused without a reason");
        return;
    }
    fuzz_block_round_trip(b, rules);
    block_unref(b);
}

static void fuzz__tx(const cJSON *obj, ledger_rules rules) {
    reject why = REJ_NONE;
    char detail[200] = "";
    tx *t = tx_from_json(obj, rules, &why, detail, sizeof detail);
    if (!t) {
        FUZZ_CHECK(why != REJ_NONE, "a transaction refused without a reason");
        return;
    }
    json_strict_error err;
    cJSON *again_obj = json_strict_parse(t->canon, t->canon_len, JSON_STRICT_EXACT_INTEGERS, &err);
    FUZZ_CHECK(again_obj != NULL, "a transaction's canonical bytes are not strict JSON: %s", t->canon);
    tx *again = tx_from_json(again_obj, rules, &why, detail, sizeof detail);
    FUZZ_CHECK(again != NULL, "a transaction's canonical bytes do not read back (%s): %s", detail,
               t->canon);
    FUZZ_CHECK(again->canon_len == t->canon_len && memcmp(again->canon, t->canon, t->canon_len) == 0,
               "the canonical bytes changed: %s", t->canon);
    tx_unref(again);
    cJSON_Delete(again_obj);
    tx_unref(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ledger_rules rules = data[0] & 1 ? LEDGER_OPEN : LEDGER_STRICT;
    bool is_tx = (data[0] & 2) != 0;
    json_strict_error err;
    cJSON *obj = json_strict_parse((const char *)data + 1, size - 1, JSON_STRICT_EXACT_INTEGERS, &err);
    if (!obj) {
        char d[200];
        FUZZ_CHECK(json_strict_describe(&err, d, sizeof d)[0] != '\0', "refused without a reason");
        return 0;
    }
    if (cJSON_IsObject(obj)) {
        if (is_tx) fuzz__tx(obj, rules);
        else fuzz__block(obj, rules);
    }
    cJSON_Delete(obj);
    return 0;
}
