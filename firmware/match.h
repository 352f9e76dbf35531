/* A small, bounded, non-allocating regular-expression matcher for filter patterns (an RE2 subset). */
#ifndef AMP_MATCH_H
#define AMP_MATCH_H

#include "error.h"
#include "opts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Instructions of one compiled pattern (Kconfig); a pattern needing more is refused when it is compiled. */
#ifndef CONFIG_MATCH_MAX_INSTS
#define CONFIG_MATCH_MAX_INSTS 128
#endif
/* Character-class ranges of one compiled pattern ([a-z0-9] is two; \w is four). */
#ifndef CONFIG_MATCH_MAX_RANGES
#define CONFIG_MATCH_MAX_RANGES 32
#endif
#if CONFIG_MATCH_MAX_INSTS < 2 || CONFIG_MATCH_MAX_INSTS > 4096
#error "CONFIG_MATCH_MAX_INSTS must be 2..4096 (the matcher keeps its thread lists on the stack)"
#endif
#if CONFIG_MATCH_MAX_RANGES < 1 || CONFIG_MATCH_MAX_RANGES > 65535
#error "CONFIG_MATCH_MAX_RANGES must be 1..65535"
#endif

/* Longest pattern accepted, in bytes (an INI line is at most 197 bytes anyway). */
#define AMP_MATCH_MAX_PATTERN 512
/* Deepest nesting of groups: bounds the compiler's recursion. */
#define AMP_MATCH_MAX_DEPTH 16

struct amp_match_inst {
	uint8_t op;
	uint16_t y;  /* SPLIT: second branch; CLASS: number of ranges */
	uint32_t x;  /* CHAR: code point; SPLIT/JMP: target; CLASS: first range */
};

struct amp_match_range {
	uint32_t lo;
	uint32_t hi;
};

/* A compiled pattern: a program for a Thompson NFA simulation (Pike VM without captures). */
struct amp_match {
	struct amp_match_inst prog[CONFIG_MATCH_MAX_INSTS];
	uint16_t len;
	struct amp_match_range ranges[CONFIG_MATCH_MAX_RANGES];
	uint16_t range_count;
};

/* Why a pattern was refused: a static text and the byte offset in the pattern where it was noticed. */
struct amp_match_error {
	const char *why;
	size_t offset;
};

/*
 * Compiles `pattern` for amp_match_full. The subset, with RE2's meaning: literals (UTF-8), `.` (any
 * character, newline included, as in Prometheus 3), `*`, `+`, `?` (a lazy `*?` is accepted and means
 * the same in a full match), groups `( )` and `(?: )`, alternation `|` (empty branches allowed),
 * classes `[abc]`, `[a-z]`, `[^...]`, escapes `\.` (any ASCII punctuation), `\n`, `\t`, `\r`, `\f`,
 * `\v`, `\d`, `\w`, `\s` and their negations `\D`, `\W`, `\S` (the negations not inside classes),
 * and the anchors `^` and `$` (redundant: matches are always anchored at both ends).
 * Returns 0; AMP_ERR_INVALID (syntax outside the subset or malformed: counted repetition `{n,m}`, flags
 * `(?i)`, named groups, `\b`, `\pL`, `[[:alpha:]]`, nested repetition `a**`, ...) or AMP_ERR_FULL
 * (longer than AMP_MATCH_MAX_PATTERN, nested deeper than AMP_MATCH_MAX_DEPTH, or more instructions or
 * ranges than the Kconfig sizes); `err` (may be NULL) then says why and where.
 */
int amp_match_compile(struct amp_match *m, const char *pattern, struct amp_match_error *err) AMP_MUST_CHECK;

/*
 * True if the whole of s[0..len) matches (Prometheus anchors its regular expressions at both ends).
 * Time is O(len * program length) whatever the pattern: no backtracking. Invalid UTF-8 bytes in `s`
 * count as one character each (U+FFFD), as in Go. An uncompiled (zeroed) matcher matches nothing.
 */
bool amp_match_full(const struct amp_match *m, const char *s, size_t len);

/*
 * Decodes the UTF-8 sequence at s[0..n) (n > 0) into *cp and returns its length in bytes. A malformed
 * sequence is U+FFFD of length 1, as in Go; a real U+FFFD is 3 bytes long, so callers can tell them apart.
 */
size_t amp_match_utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
