/* Strict JSON (RFC 8259) into a fixed token table: recursive descent bounded by AMP_JSON_MAX_DEPTH. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct parser {
	struct amp_json_doc *doc;
	size_t pos;
	int rc;           /* the first error, 0 while none */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(struct parser *p, int rc, const char *fmt, ...)
{
	char what[80];
	va_list ap;

	if (p->rc != 0)
		return p->rc;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->doc->error, sizeof(p->doc->error), "byte %zu: %s", p->pos, what);
	p->rc = rc;
	return rc;
}

static bool at_end(const struct parser *p)
{
	return p->pos >= p->doc->len;
}

static char peek(const struct parser *p)
{
	return at_end(p) ? '\0' : p->doc->text[p->pos];
}

static void skip_ws(struct parser *p)
{
	while (!at_end(p)) {
		char c = p->doc->text[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int hex_value(char c)
{
	static const char digits[] = "0123456789abcdef";
	char lower = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
	const char *at = lower != '\0' ? strchr(digits, lower) : NULL;

	return at != NULL ? (int)(at - digits) : -1;
}

static long read_hex4(const char *s, size_t n, size_t at)
{
	long v = 0;

	if (n - at < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = hex_value(s[at + k]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Decodes the code point at s[*i] of a string's raw body (n bytes): an escape or one UTF-8 sequence.
 * Returns the code point and advances *i, or returns -1 with *why set. Shared by validation, copying
 * and key comparison, so the three can never disagree.
 */
static long next_code_point(const char *s, size_t n, size_t *i, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t at = *i;
	unsigned c = u[at];
	long cp;

	if (c == '\\') {
		if (at + 1 >= n) {
			*why = "unfinished escape";
			return -1;
		}
		switch (s[at + 1]) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = read_hex4(s, n, at + 2);
			if (cp < 0) {
				*why = "\\u needs four hex digits";
				return -1;
			}
			if (cp >= 0xDC00 && cp <= 0xDFFF) {
				*why = "lone low surrogate";
				return -1;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				long lo = at + 7 < n && s[at + 6] == '\\' && s[at + 7] == 'u' ? read_hex4(s, n, at + 8) : -1;

				if (lo < 0xDC00 || lo > 0xDFFF) {
					*why = "high surrogate without its low surrogate";
					return -1;
				}
				*i = at + 12;
				return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (cp == 0) {
				*why = "\\u0000 (NUL) in a string";
				return -1;
			}
			*i = at + 6;
			return cp;
		default:
			*why = "unknown escape";
			return -1;
		}
		*i = at + 2;
		return cp;
	}
	if (c < 0x20) {
		*why = "control character in a string";
		return -1;
	}
	cp = amp_json_utf8_next(s, n, i);
	if (cp < 0)
		*why = "invalid UTF-8";
	return cp;
}

long amp_json_utf8_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t at = *i;
	unsigned c = u[at];
	unsigned need;
	long cp;

	if (c < 0x80) {
		*i = at + 1;
		return (long)c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		cp = c & 0x07;
	} else {
		return -1;
	}
	if (n - at <= need)
		return -1;
	for (unsigned k = 1; k <= need; k++) {
		if ((u[at + k] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (u[at + k] & 0x3F);
	}
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 */
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i = at + need + 1;
	return cp;
}

static int add_token(struct parser *p, enum amp_json_type type, int parent, size_t start, size_t len, bool key)
{
	struct amp_json_doc *d = p->doc;
	struct amp_json_token *t;

	if (d->count >= AMP_JSON_MAX_TOKENS)
		return fail(p, AMP_ERR_FULL, "more than %d values and keys", AMP_JSON_MAX_TOKENS);
	t = &d->tokens[d->count];
	t->type = (uint8_t)type;
	t->is_key = key;
	t->parent = (int16_t)parent;
	t->start = (uint16_t)start;
	t->len = (uint16_t)len;
	return (int)d->count++;
}

/* Compares two raw string bodies by their decoded code points (both already validated). */
static bool same_string(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;
	const char *why;

	while (i < an && j < bn) {
		if (next_code_point(a, an, &i, &why) != next_code_point(b, bn, &j, &why))
			return false;
	}
	return i == an && j == bn;
}

/* A string at p->pos (the opening quote). Validates every code point; returns the token index. */
static int parse_string(struct parser *p, int parent, bool key)
{
	const char *s = p->doc->text;
	size_t start = ++p->pos;
	size_t end = start;

	/* the closing quote is the first '"' not escaped: find it, then validate the body in between */
	while (end < p->doc->len && s[end] != '"')
		end += s[end] == '\\' && end + 1 < p->doc->len ? 2 : 1;
	if (end >= p->doc->len) {
		p->pos = p->doc->len;
		return fail(p, AMP_ERR_INVALID, "string without its closing quote");
	}
	for (size_t k = 0; k < end - start;) {
		const char *why = NULL;

		p->pos = start + k;
		if (next_code_point(s + start, end - start, &k, &why) < 0)
			return fail(p, AMP_ERR_INVALID, "%s", why);
	}
	p->pos = end + 1;
	return add_token(p, AMP_JSON_STRING, parent, start, end - start, key);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *p, int parent)
{
	size_t start = p->pos;

	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0') {
		p->pos++;
		if (is_digit(peek(p)))
			return fail(p, AMP_ERR_INVALID, "leading zero in a number");
	} else if (is_digit(peek(p))) {
		while (is_digit(peek(p)))
			p->pos++;
	} else {
		return fail(p, AMP_ERR_INVALID, "expected a digit");
	}
	if (peek(p) == '.') {
		p->pos++;
		if (!is_digit(peek(p)))
			return fail(p, AMP_ERR_INVALID, "expected a digit after '.'");
		while (is_digit(peek(p)))
			p->pos++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!is_digit(peek(p)))
			return fail(p, AMP_ERR_INVALID, "expected a digit in the exponent");
		while (is_digit(peek(p)))
			p->pos++;
	}
	return add_token(p, AMP_JSON_NUMBER, parent, start, p->pos - start, false);
}

static int parse_literal(struct parser *p, int parent, const char *word, enum amp_json_type type)
{
	size_t n = strlen(word);
	size_t start = p->pos;

	if (p->doc->len - p->pos < n || memcmp(p->doc->text + p->pos, word, n) != 0)
		return fail(p, AMP_ERR_INVALID, "unexpected character");
	p->pos += n;
	return add_token(p, type, parent, start, n, false);
}

static int parse_value(struct parser *p, int parent, unsigned depth);

static int parse_object(struct parser *p, int parent, unsigned depth)
{
	int obj = add_token(p, AMP_JSON_OBJECT, parent, p->pos, 1, false);

	if (obj < 0)
		return obj;
	p->pos++;
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
		return obj;
	}
	for (;;) {
		int key;
		const struct amp_json_token *kt;

		skip_ws(p);
		if (peek(p) != '"')
			return fail(p, AMP_ERR_INVALID, "expected a quoted key");
		key = parse_string(p, obj, true);
		if (key < 0)
			return key;
		kt = &p->doc->tokens[key];
		for (int k = obj + 1; k < key; k++) {
			const struct amp_json_token *o = &p->doc->tokens[k];

			if (o->is_key && o->parent == obj &&
			    same_string(p->doc->text + o->start, o->len, p->doc->text + kt->start, kt->len)) {
				p->pos = kt->start - 1;
				return fail(p, AMP_ERR_INVALID, "duplicate key");
			}
		}
		skip_ws(p);
		if (peek(p) != ':')
			return fail(p, AMP_ERR_INVALID, "expected ':' after a key");
		p->pos++;
		if (parse_value(p, key, depth) < 0)
			return p->rc;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == '}') {
			p->pos++;
			return obj;
		}
		return fail(p, AMP_ERR_INVALID, "expected ',' or '}'");
	}
}

static int parse_array(struct parser *p, int parent, unsigned depth)
{
	int arr = add_token(p, AMP_JSON_ARRAY, parent, p->pos, 1, false);

	if (arr < 0)
		return arr;
	p->pos++;
	skip_ws(p);
	if (peek(p) == ']') {
		p->pos++;
		return arr;
	}
	for (;;) {
		if (parse_value(p, arr, depth) < 0)
			return p->rc;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == ']') {
			p->pos++;
			return arr;
		}
		return fail(p, AMP_ERR_INVALID, "expected ',' or ']'");
	}
}

static int parse_value(struct parser *p, int parent, unsigned depth)
{
	skip_ws(p);
	if (at_end(p))
		return fail(p, AMP_ERR_INVALID, "unexpected end of the document");
	switch (peek(p)) {
	case '{':
	case '[':
		if (depth >= AMP_JSON_MAX_DEPTH)
			return fail(p, AMP_ERR_FULL, "nested deeper than %d", AMP_JSON_MAX_DEPTH);
		return peek(p) == '{' ? parse_object(p, parent, depth + 1) : parse_array(p, parent, depth + 1);
	case '"':
		return parse_string(p, parent, false);
	case 't':
		return parse_literal(p, parent, "true", AMP_JSON_BOOL);
	case 'f':
		return parse_literal(p, parent, "false", AMP_JSON_BOOL);
	case 'n':
		return parse_literal(p, parent, "null", AMP_JSON_NULL);
	default:
		if (peek(p) == '-' || is_digit(peek(p)))
			return parse_number(p, parent);
		return fail(p, AMP_ERR_INVALID, "unexpected character");
	}
}

int amp_json_parse(struct amp_json_doc *doc, const char *text, size_t len)
{
	struct parser p = {doc, 0, 0};

	doc->text = text;
	doc->len = len;
	doc->count = 0;
	doc->error[0] = '\0';
	if (text == NULL)
		return fail(&p, AMP_ERR_INVALID, "no document");
	if (len > AMP_JSON_MAX_DOC)
		return fail(&p, AMP_ERR_FULL, "document larger than %d bytes", AMP_JSON_MAX_DOC);
	if (parse_value(&p, -1, 0) < 0)
		return p.rc;
	skip_ws(&p);
	if (!at_end(&p))
		return fail(&p, AMP_ERR_INVALID, "text after the document");
	return AMP_OK;
}

enum amp_json_type amp_json_type(const struct amp_json_doc *doc, int tok)
{
	if (tok < 0 || (unsigned)tok >= doc->count)
		return (enum amp_json_type)0;
	return (enum amp_json_type)doc->tokens[tok].type;
}

int amp_json_member(const struct amp_json_doc *doc, int object, const char *key)
{
	size_t kn = strlen(key);

	if (amp_json_type(doc, object) != AMP_JSON_OBJECT)
		return -1;
	for (unsigned i = (unsigned)object + 1; i + 1 < doc->count; i++) {
		const struct amp_json_token *t = &doc->tokens[i];

		if (t->is_key && t->parent == object && same_string(doc->text + t->start, t->len, key, kn))
			return (int)i + 1;
	}
	return -1;
}

/* Appends code point cp as UTF-8; false when it does not fit before the NUL. */
static bool put_utf8(char *out, size_t cap, size_t *o, long cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (cap - *o <= n)
		return false;
	memcpy(out + *o, b, n);
	*o += n;
	return true;
}

int amp_json_string(const struct amp_json_doc *doc, int tok, char *out, size_t cap, size_t *len)
{
	const struct amp_json_token *t;
	const char *s;
	size_t i = 0, o = 0;
	const char *why;

	if (len != NULL)
		*len = 0;
	if (cap > 0)
		out[0] = '\0';
	if (amp_json_type(doc, tok) != AMP_JSON_STRING)
		return AMP_ERR_INVALID;
	if (cap == 0)
		return AMP_ERR_FULL;
	t = &doc->tokens[tok];
	s = doc->text + t->start;
	while (i < t->len) {
		long cp = next_code_point(s, t->len, &i, &why);

		if (cp < 0 || !put_utf8(out, cap, &o, cp)) {
			memset(out, 0, o);
			return cp < 0 ? AMP_ERR_INVALID : AMP_ERR_FULL;
		}
	}
	out[o] = '\0';
	if (len != NULL)
		*len = o;
	return AMP_OK;
}

int amp_json_int(const struct amp_json_doc *doc, int tok, int64_t *out)
{
	const struct amp_json_token *t;
	const char *s;
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0;
	uint64_t limit;

	if (amp_json_type(doc, tok) != AMP_JSON_NUMBER)
		return AMP_ERR_INVALID;
	t = &doc->tokens[tok];
	s = doc->text + t->start;
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (; i < t->len; i++) {
		unsigned d;

		if (!is_digit(s[i]))
			return AMP_ERR_INVALID; /* a fraction or an exponent */
		d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return AMP_ERR_RANGE;
		v = v * 10 + d;
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return AMP_OK;
}

int amp_json_bool(const struct amp_json_doc *doc, int tok, bool *out)
{
	if (amp_json_type(doc, tok) != AMP_JSON_BOOL)
		return AMP_ERR_INVALID;
	*out = doc->text[doc->tokens[tok].start] == 't';
	return AMP_OK;
}
