/* Helpers every collector shares: strict field parsers, a line walker and rate-limited bad-line reports. */
#ifndef AMP_COLLECTOR_INTERNAL_H
#define AMP_COLLECTOR_INTERNAL_H

#include "collector.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A malformed line warns at most this often per file; the others in between go to debug. */
#define AMP_BAD_LINE_WARN_INTERVAL_MS (10u * 60u * 1000u)

static inline bool amp_parse_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

const char *amp_parse_skip_blanks(const char *p, const char *end);

/*
 * Field parsers: each takes one field starting at p that must end at a blank or at `end`, and returns
 * the position after it, or NULL (nothing written to *out) on anything else: no digits, a stray
 * character, overflow. No strtod/strtoull: they take signs, spaces, exponents, "nan", hex and locales.
 */
const char *amp_parse_u64(const char *p, const char *end, uint64_t *out);
const char *amp_parse_i64(const char *p, const char *end, int64_t *out);
/* "digits[.digits]" with an optional leading '-', at most 15 significant digits (exact in a double). */
const char *amp_parse_decimal(const char *p, const char *end, double *out);

/* Walks a buffer line by line; the last line may lack its newline. */
struct amp_lines {
	const char *pos;
	const char *end;
	unsigned lineno; /* of the line last returned, from 1 */
};

void amp_lines_init(struct amp_lines *it, const char *buf, size_t len);
/* Returns true with [*line, *le) the next line (without its newline), false at the end. */
bool amp_lines_next(struct amp_lines *it, const char **line, const char **le);

/*
 * Reports the malformed lines of one file read: the first of a read is a warning unless the same file
 * warned less than AMP_BAD_LINE_WARN_INTERVAL_MS ago (then debug, like the rest of the read), so a broken
 * file cannot flood the log. `last_warn_ms` is a static of the calling collector, one per file.
 */
struct amp_bad_lines {
	const char *module;
	const char *root;
	const char *file;
	uint64_t *last_warn_ms;
	uint64_t now_ms;
	unsigned count;
};

void amp_bad_lines_init(struct amp_bad_lines *bad, const struct amp_collect_ctx *ctx, const char *module,
			const char *root, const char *file, uint64_t *last_warn_ms);
void amp_bad_line(struct amp_bad_lines *bad, unsigned lineno, const char *why);

#endif
