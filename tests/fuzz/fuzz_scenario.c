/* fuzz_scenario.c - the scenario parser (scenario_parse) on any text: it
 * loads a scenario or refuses it with a located message, never anything
 * else; a refusal leaves nothing allocated. */
#include <string.h>

#include "fuzz.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    scenario scn;
    char msg[512] = "";
    cs_err e = scenario_parse(&scn, "fuzz.json", (const char *)data, size, msg, sizeof msg);
    if (e == CS_OK) {
        FUZZ_CHECK(scn.n_nodes >= 1, "a scenario without nodes was accepted");
        scenario_cleanup(&scn);
    } else {
        FUZZ_CHECK(msg[0] != '\0', "refused without a message");
        FUZZ_CHECK(strncmp(msg, "fuzz.json", 9) == 0, "the message names no file: %s", msg);
    }
    return 0;
}
