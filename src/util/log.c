#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int log__level = LOG_WARN;

void log_set_level(log_level level) { atomic_store(&log__level, (int)level); }
log_level log_get_level(void) { return (log_level)atomic_load(&log__level); }

void log_msg(log_level level, const char *fmt, ...) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if ((int)level > atomic_load(&log__level)) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "chainsim: %s: %s\n", names[level], line);
}
