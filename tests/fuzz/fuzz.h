/* fuzz.h - what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput and is built only with
 * -DCHAINSIM_FUZZ=ON (clang, -fsanitize=fuzzer,address,undefined). A harness
 * feeds its input to the real decoder and checks what must hold for every
 * input: no crash, no leak, a refusal with a reason, and for what is
 * accepted, that writing it back and reading it again changes nothing.
 * FUZZ_CHECK aborts with the broken property, which libFuzzer reports as a
 * crash and saves the input. */
#ifndef CHAINSIM_TESTS_FUZZ_H
#define CHAINSIM_TESTS_FUZZ_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/block.h"
#include "util/json_strict.h"

#define FUZZ_CHECK(cond, ...)                                                     \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: property broken: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
            abort();                                                              \
        }                                                                         \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A block that was accepted, written back (block_to_json) and read again
 * as a peer's would be, must come back the same: bytes, hash, verdict. */
static inline void fuzz_block_round_trip(const block *b, ledger_rules rules) {
    buf out;
    buf_init(&out);
    block_to_json(&out, b);
    json_strict_error err;
    cJSON *obj = json_strict_parse(out.data, out.len, JSON_STRICT_EXACT_INTEGERS, &err);
    FUZZ_CHECK(obj != NULL, "block_to_json wrote what json_strict refuses: %s", out.data);
    reject why = REJ_NONE;
    char detail[200] = "";
    block *again = block_from_json(obj, rules, &why, detail, sizeof detail);
    FUZZ_CHECK(again != NULL, "a written block does not read back (%s): %s", detail, out.data);
    FUZZ_CHECK(again->canon_len == b->canon_len && memcmp(again->canon, b->canon, b->canon_len) == 0,
               "the canonical bytes changed: %s", out.data);
    FUZZ_CHECK(strcmp(again->hash_hex, b->hash_hex) == 0 && again->self_check == b->self_check,
               "the hash or the verdict changed");
    block_unref(again);
    cJSON_Delete(obj);
    buf_cleanup(&out);
}

#endif
