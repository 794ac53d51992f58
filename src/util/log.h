/* log.h - messages for the person running chainsim, on stderr.
 *
 * Levels: error, warn, info, debug. The level is process-wide and set once at
 * start-up (main.c); log_* may be called from any thread (each line is one
 * fprintf, which POSIX makes atomic with respect to other stdio calls). */
#ifndef CHAINSIM_UTIL_LOG_H
#define CHAINSIM_UTIL_LOG_H

typedef enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level level);
log_level log_get_level(void);
void log_msg(log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
