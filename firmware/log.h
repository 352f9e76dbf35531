/* One-line log events, "level module: message", to stderr or syslog. */
#ifndef AMP_LOG_H
#define AMP_LOG_H

#include "opts.h"

enum amp_log_level {
	AMP_LOG_ERROR = 0,
	AMP_LOG_WARN = 1,
	AMP_LOG_INFO = 2,
	AMP_LOG_DEBUG = 3,
};

/* Sets the most verbose level written at run time (default: info). */
void amp_log_set_level(enum amp_log_level level);
enum amp_log_level amp_log_get_level(void);

/* Sends events to syslog (LOG_DAEMON, ident "amp-agent") instead of stderr. */
void amp_log_use_syslog(int on);

/* Parses "error", "warn", "info" or "debug". Returns 0 or AMP_ERR_INVALID. */
int amp_log_level_parse(const char *text, enum amp_log_level *out);

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void amp_log_write(enum amp_log_level level, const char *module, const char *fmt, ...);

/* Levels above CONFIG's compiled maximum cost nothing: the call is compiled out. */
#define AMP_LOG(level, module, ...) \
	do { \
		if ((level) <= AMP_LOG_COMPILED_MAX) \
			amp_log_write((level), (module), __VA_ARGS__); \
	} while (0)
#define AMP_LOG_E(module, ...) AMP_LOG(AMP_LOG_ERROR, module, __VA_ARGS__)
#define AMP_LOG_W(module, ...) AMP_LOG(AMP_LOG_WARN, module, __VA_ARGS__)
#define AMP_LOG_I(module, ...) AMP_LOG(AMP_LOG_INFO, module, __VA_ARGS__)
#define AMP_LOG_D(module, ...) AMP_LOG(AMP_LOG_DEBUG, module, __VA_ARGS__)

#endif
