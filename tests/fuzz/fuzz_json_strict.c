/* fuzz_json_strict.c - util/json_strict on any bytes, under each flag set.
 * A refusal names a byte inside the text and a reason; a text it accepts
 * cJSON reads too, and reading it again gives the same tree (the checker
 * and cJSON agree on where the value ends and what it holds). Under exact
 * integers, a whole number can only have been written as an integer within
 * +-2^53 (5.0, 1e3 and 1e300 are refused; 5.1 is a fraction and passes). */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "util/json_strict.h"

static void fuzz__exact_numbers(const cJSON *it) {
    for (; it; it = it->next) {
        if (cJSON_IsNumber(it)) {
            double d = it->valuedouble;
            FUZZ_CHECK(d != floor(d) || fabs(d) <= JSON_STRICT_INT_MAX,
                       "a whole number past 2^53 passed: %.17g", d);
        }
        fuzz__exact_numbers(it->child);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    unsigned flags = data[0] & 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_strict_error err;
    memset(&err, 0, sizeof err);
    bool ok = json_strict_check(text, len, flags, &err);
    cJSON *strict = json_strict_parse(text, len, flags, &err);
    FUZZ_CHECK(ok == (strict != NULL), "check and parse disagree");
    if (!ok) {
        char d[200];
        FUZZ_CHECK(json_strict_describe(&err, d, sizeof d)[0] != '\0', "refused without a reason");
        FUZZ_CHECK(err.offset <= len, "the refusal points past the text (%zu > %zu)", err.offset, len);
        return 0;
    }
    cJSON *loose = cJSON_ParseWithLength(text, len);
    FUZZ_CHECK(loose != NULL, "cJSON refuses a text json_strict accepted");
    /* Printed, not cJSON_Compare: that looks keys up, so it cannot tell
     * {"a": 1, "a": 2} (allowed with JSON_STRICT_DUPLICATE_KEYS_OK) from itself. */
    char *a = cJSON_PrintUnformatted(strict), *b = cJSON_PrintUnformatted(loose);
    FUZZ_CHECK(a && b && strcmp(a, b) == 0, "the two readings differ: %s / %s", a, b);
    cJSON_free(a);
    cJSON_free(b);
    if (flags & JSON_STRICT_EXACT_INTEGERS) fuzz__exact_numbers(strict);
    cJSON_Delete(loose);
    cJSON_Delete(strict);
    return 0;
}
