/* Log sink: formats one event per line into a stack buffer and writes it whole. */
#include "log.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "port.h"

static enum amp_log_level log_level = AMP_LOG_INFO;
static int log_syslog;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void amp_log_set_level(enum amp_log_level level)
{
	log_level = level;
}

enum amp_log_level amp_log_get_level(void)
{
	return log_level;
}

void amp_log_use_syslog(int on)
{
	if (on && !log_syslog)
		port_syslog_open();
	log_syslog = on;
}

int amp_log_level_parse(const char *text, enum amp_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum amp_log_level)i;
			return AMP_OK;
		}
	}
	return AMP_ERR_INVALID;
}

void amp_log_write(enum amp_log_level level, const char *module, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof(line), "%s %s: ", level_names[level], module);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One event is one line: a newline inside a message (from a peer's text) must not forge another. */
	for (char *p = line; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	if (log_syslog) {
		port_syslog_write((int)level, line);
		return;
	}
	fprintf(stderr, "%s\n", line);
}
