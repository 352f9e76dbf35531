/* Parsers the /proc collectors share beyond collector_internal.h: tokens, hex fields, device names, sysctl numbers. */
#include "procparse.h"
#include "collector_internal.h"

#include <string.h>

const char *amp_procparse_next(const char **pos, const char *end, const char **tok_end)
{
	const char *p = amp_parse_skip_blanks(*pos, end);
	const char *start = p;

	if (p >= end) {
		*pos = end;
		return NULL;
	}
	while (p < end && !amp_parse_is_blank(*p))
		p++;
	*tok_end = p;
	*pos = p;
	return start;
}

unsigned amp_procparse_split(const char *p, const char *end, struct amp_procparse_field *fields, unsigned cap)
{
	unsigned n = 0;
	const char *tok, *tok_end;

	while ((tok = amp_procparse_next(&p, end, &tok_end)) != NULL) {
		if (n < cap) {
			fields[n].p = tok;
			fields[n].end = tok_end;
		}
		if (n < UINT32_MAX)
			n++;
	}
	return n;
}

bool amp_procparse_is(const struct amp_procparse_field *f, const char *s)
{
	size_t len = strlen(s);

	return (size_t)(f->end - f->p) == len && memcmp(f->p, s, len) == 0;
}

const char *amp_procparse_hex_u64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;
	unsigned significant = 0;

	while (p < end) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a') + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A') + 10;
		else
			break;
		if (v != 0 || d != 0)
			significant++;
		if (significant > 16)
			return NULL;
		v = v << 4 | d;
		p++;
	}
	if (p == start || (p < end && !amp_parse_is_blank(*p)))
		return NULL;
	*out = v;
	return p;
}

/* Length of the UTF-8 sequence at s (at most `left` bytes), or 0 if it is invalid or a control character. */
static size_t utf8_char(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	size_t n;

	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		if (c == 0xc2)
			lo = 0xa0; /* U+0080..U+009F are the C1 control characters */
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0; /* a continuation byte, an overlong C0/C1 lead or F5..FF */
	}
	if (n > left || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

bool amp_procparse_label_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (len == 0 || len >= CONFIG_MAX_LABEL_VALUE_LEN)
		return false;
	while (i < len) {
		size_t n = utf8_char(u + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

int amp_procparse_lines(struct amp_collect_ctx *ctx, const char *module, const char *root, const char *rel,
			uint64_t *last_warn_ms, amp_procparse_line_fn fn, void *arg)
{
	struct amp_bad_lines bad;
	struct amp_lines lines;
	const char *line, *le;
	size_t len;
	int rc = amp_collect_read(ctx, root, rel, &len);

	if (rc != AMP_OK)
		return rc;
	amp_bad_lines_init(&bad, ctx, module, root, rel, last_warn_ms);
	amp_lines_init(&lines, ctx->buf, len);
	while (amp_lines_next(&lines, &line, &le)) {
		const char *why;

		if (amp_parse_skip_blanks(line, le) == le)
			continue;
		why = fn(ctx, arg, line, le, lines.lineno);
		if (why != NULL)
			amp_bad_line(&bad, lines.lineno, why);
	}
	return bad.count > 0 ? AMP_ERR_INVALID : AMP_OK;
}

int amp_procparse_read_u64(struct amp_collect_ctx *ctx, const char *module, const char *root, const char *rel,
			   uint64_t *last_warn_ms, uint64_t *out)
{
	struct amp_bad_lines bad;
	const char *p, *end;
	size_t len;
	int rc = amp_collect_read(ctx, root, rel, &len);

	if (rc != AMP_OK)
		return rc;
	/* The newline ends the number; amp_parse_u64 takes only blanks or the end after it. */
	end = ctx->buf + len;
	if (len > 0 && end[-1] == '\n')
		end--;
	p = amp_parse_u64(ctx->buf, end, out);
	if (p != NULL && amp_parse_skip_blanks(p, end) == end)
		return AMP_OK;
	amp_bad_lines_init(&bad, ctx, module, root, rel, last_warn_ms);
	amp_bad_line(&bad, 1, "not one unsigned decimal");
	return AMP_ERR_INVALID;
}
