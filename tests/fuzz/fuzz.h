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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
