/* Parsers the /proc collectors share beyond collector_internal.h: tokens, hex fields, device names, sysctl numbers. */
#ifndef AMP_PROCPARSE_H
#define AMP_PROCPARSE_H

#include "collector.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One blank-separated token of a line: [p, end). */
struct amp_procparse_field {
	const char *p;
	const char *end;
};

/*
 * Returns the next blank-separated token of [*pos, end) (its end in *tok_end) and moves *pos past it, or
 * NULL when only blanks are left. Bytes that are not blanks (NUL, CR, junk) belong to a token, so the
 * field parsers see and refuse them.
 */
const char *amp_procparse_next(const char **pos, const char *end, const char **tok_end);

/* Splits [p, end) into tokens, storing at most `cap`; returns how many there are (may exceed cap). */
unsigned amp_procparse_split(const char *p, const char *end, struct amp_procparse_field *fields, unsigned cap);

/* True if the token is exactly the NUL-free string `s`. */
bool amp_procparse_is(const struct amp_procparse_field *f, const char *s);

/*
 * Like amp_parse_u64 for hexadecimal digits (either case, no "0x", at most 16 significant digits):
 * returns the position after the field, or NULL with nothing written.
 */
const char *amp_procparse_hex_u64(const char *p, const char *end, uint64_t *out);

/*
 * True if [s, s + len) can be a label value as it is: 1 to CONFIG_MAX_LABEL_VALUE_LEN - 1 bytes of valid
 * UTF-8 (no overlong forms, no surrogates) without control characters (C0, DEL, C1). Device names are
 * whatever a driver or a user chose; a value that breaks the exposition format or a receiver's UTF-8
 * check must not reach the registry.
 */
bool amp_procparse_label_ok(const char *s, size_t len);

/*
 * Called for each non-blank line of a file (lineno counts from 1, blank lines too): returns NULL, or why
 * the line is malformed; it is then reported through amp_bad_line and skipped.
 */
typedef const char *(*amp_procparse_line_fn)(struct amp_collect_ctx *ctx, void *arg, const char *line,
					     const char *le, unsigned lineno);

/*
 * Reads "<root>/<rel>" and hands each non-blank line to fn, whatever the others were: one malformed
 * line does not hide the rest of the file. Bad lines are reported rate-limited with *last_warn_ms (one
 * static per file). Returns 0, AMP_ERR_NOTFOUND (not logged but at debug: the caller skips the file
 * silently), AMP_ERR_INVALID when fn refused a line, or amp_collect_read's other errors.
 */
int amp_procparse_lines(struct amp_collect_ctx *ctx, const char *module, const char *root, const char *rel,
			uint64_t *last_warn_ms, amp_procparse_line_fn fn, void *arg) AMP_MUST_CHECK;

/*
 * Reads "<root>/<rel>", a file holding one unsigned decimal (sysctl files such as entropy_avail):
 * blanks and one newline may follow it. A malformed file is reported through amp_bad_line (rate-limited
 * with *last_warn_ms, one static per file). Returns 0, AMP_ERR_NOTFOUND (not logged: the caller skips
 * it), AMP_ERR_INVALID, or amp_collect_read's other errors.
 */
int amp_procparse_read_u64(struct amp_collect_ctx *ctx, const char *module, const char *root, const char *rel,
			   uint64_t *last_warn_ms, uint64_t *out) AMP_MUST_CHECK;

#endif
