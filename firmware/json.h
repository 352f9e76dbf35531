/* A strict JSON parser into a fixed token table (no heap), for the credential documents the agent reads. */
#ifndef AMP_JSON_H
#define AMP_JSON_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits. A credentials document has a dozen values: these leave room for unknown extra fields and
 * refuse anything built to exhaust a parser. Going over one is AMP_ERR_FULL with doc->error saying which.
 */
#define AMP_JSON_MAX_TOKENS 64     /* values and keys in one document */
#define AMP_JSON_MAX_DEPTH 8       /* objects and arrays inside each other */
#define AMP_JSON_MAX_DOC 65535     /* bytes of one document */

enum amp_json_type {
	AMP_JSON_OBJECT = 1,
	AMP_JSON_ARRAY,
	AMP_JSON_STRING,
	AMP_JSON_NUMBER,
	AMP_JSON_BOOL,
	AMP_JSON_NULL,
};

/* One value or object key, as a span of the text; strings are kept escaped until read. */
struct amp_json_token {
	uint8_t type;       /* enum amp_json_type */
	uint8_t is_key;     /* an object member's name; its value is the next token */
	int16_t parent;     /* keys: the object; array elements: the array; member values: their key; root: -1 */
	uint16_t start;     /* first byte (for strings: after the opening quote) */
	uint16_t len;       /* bytes (strings: without the quotes, escapes not decoded) */
};

struct amp_json_doc {
	const char *text;
	size_t len;
	struct amp_json_token tokens[AMP_JSON_MAX_TOKENS];
	unsigned count;
	char error[96];     /* why amp_json_parse refused the text: "byte 17: expected ':' after a key" */
};

/*
 * Parses `len` bytes of `text` (which must stay in place while `doc` is used): one value (token 0, the
 * root) and nothing after it but whitespace. Strict RFC 8259: no comments, no trailing commas, no
 * single quotes, no leading zeros or '+', no control bytes or invalid UTF-8 in strings, no lone
 * surrogates and no \u0000; objects must not repeat a key (compared after decoding escapes).
 * Returns 0, AMP_ERR_INVALID (not valid JSON) or AMP_ERR_FULL (a limit above); doc->error says why and where.
 */
int amp_json_parse(struct amp_json_doc *doc, const char *text, size_t len) AMP_MUST_CHECK;

/* Index of the value of member `key` of the object at token `object` (0 for the root), or -1. */
int amp_json_member(const struct amp_json_doc *doc, int object, const char *key);

/* The type of token `tok`, or 0 when there is no such token. */
enum amp_json_type amp_json_type(const struct amp_json_doc *doc, int tok);

/*
 * Copies the string at token `tok`, escapes decoded (UTF-8), NUL-terminated, into `out`; `*len` (may be
 * NULL) gets its length. Returns 0, AMP_ERR_INVALID (not a string) or AMP_ERR_FULL (does not fit cap - 1
 * bytes; out is then "").
 */
int amp_json_string(const struct amp_json_doc *doc, int tok, char *out, size_t cap, size_t *len) AMP_MUST_CHECK;

/* The integer at `tok` (no fraction, no exponent). Returns 0, AMP_ERR_INVALID or AMP_ERR_RANGE (over 64 bits). */
int amp_json_int(const struct amp_json_doc *doc, int tok, int64_t *out) AMP_MUST_CHECK;

/*
 * Decodes the UTF-8 sequence at s[*i] of the n bytes at s: returns its code point and advances *i, or
 * returns -1 for an invalid sequence (overlong, a UTF-16 surrogate, past U+10FFFF, cut short). ASCII
 * (control characters included) is itself. Also used for the configuration's UTF-8 checks.
 */
long amp_json_utf8_next(const char *s, size_t n, size_t *i);

/* The boolean at `tok`. Returns 0 or AMP_ERR_INVALID. */
int amp_json_bool(const struct amp_json_doc *doc, int tok, bool *out) AMP_MUST_CHECK;

#endif
