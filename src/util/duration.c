/* duration.c - spans of time for people (see duration.h). */
#include "util/duration.h"

#include <inttypes.h>
#include <stdio.h>

void duration_format(char *out, size_t len, int64_t us) {
    const char *sign = us < 0 ? "-" : "";
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    uint64_t s = u / 1000000;
    if (u < 59950000) snprintf(out, len, "%s%.1f s", sign, (double)u / 1e6); /* "60.0 s" never */
    else if (s < 3600) snprintf(out, len, "%s%" PRIu64 " min %02" PRIu64 " s", sign, s / 60, s % 60);
    else if (s < 86400) snprintf(out, len, "%s%" PRIu64 " h %02" PRIu64 " min", sign, s / 3600, s % 3600 / 60);
    else snprintf(out, len, "%s%" PRIu64 " d %" PRIu64 " h", sign, s / 86400, s % 86400 / 3600);
}
