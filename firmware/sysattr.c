/* Helpers of the /sys and system collectors: quiet attribute reads, sorted listings, Go-compatible value parsers. */
#include "sysattr.h"
#include "json.h"
#include "collector_internal.h"
#include "log.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

int amp_sysattr_path(char *out, size_t cap, const char *root, const char *dir, const char *name)
{
	const char *parts[3] = {root, dir, name};
	size_t used = 0;

	if (cap == 0)
		return AMP_ERR_FULL;
	out[0] = '\0';
	for (unsigned i = 0; i < 3; i++) {
		const char *p = parts[i];
		size_t n;

		if (p == NULL || p[0] == '\0')
			continue;
		/* one '/' between parts, whatever slashes the parts bring */
		if (used > 0) {
			while (*p == '/')
				p++;
			if (out[used - 1] != '/') {
				if (used + 1 >= cap)
					return AMP_ERR_FULL;
				out[used++] = '/';
			}
		}
		n = strlen(p);
		if (used + n >= cap)
			return AMP_ERR_FULL;
		memcpy(out + used, p, n);
		used += n;
		out[used] = '\0';
	}
	return AMP_OK;
}

static bool is_trimmed(char c, enum amp_sysattr_trim trim)
{
	if (trim == AMP_SYSATTR_TRIM_NEWLINES)
		return c == '\n';
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int amp_sysattr_read(const char *root, const char *dir, const char *name, enum amp_sysattr_trim trim, char *buf,
		     size_t cap, char **value)
{
	char path[AMP_SYSATTR_PATH_MAX];
	size_t len = 0;
	char *s, *e;
	int rc;

	*value = NULL;
	if (cap == 0)
		return AMP_ERR_FULL;
	buf[0] = '\0';
	rc = amp_sysattr_path(path, sizeof(path), root, dir, name);
	if (rc != AMP_OK)
		return rc;
	rc = port_read_file(path, buf, cap, &len);
	if (rc != AMP_OK)
		return rc;
	e = memchr(buf, '\0', len);
	if (e == NULL)
		e = buf + len;
	s = buf;
	while (s < e && is_trimmed(*s, trim))
		s++;
	while (e > s && is_trimmed(e[-1], trim))
		e--;
	*e = '\0';
	*value = s;
	return AMP_OK;
}

struct list_ctx {
	struct amp_sysattr_names *names;
	size_t used;
	amp_sysattr_keep_fn keep;
};

static int list_one(void *arg, const char *name, int is_dir)
{
	struct list_ctx *lc = arg;
	struct amp_sysattr_names *n = lc->names;
	size_t len = strlen(name);

	if (lc->keep != NULL && !lc->keep(name, is_dir))
		return 0;
	if (n->count == AMP_SYSATTR_MAX_NAMES || lc->used + len + 1 > sizeof(n->text)) {
		n->truncated = true;
		return 0;
	}
	memcpy(n->text + lc->used, name, len + 1);
	n->off[n->count++] = (uint16_t)lc->used;
	lc->used += len + 1;
	return 0;
}

/* Insertion sort of the offsets: a few hundred names at most, and no qsort (it may allocate). */
static void sort_names(struct amp_sysattr_names *n)
{
	for (unsigned i = 1; i < n->count; i++) {
		uint16_t cur = n->off[i];
		unsigned j = i;

		while (j > 0 && strcmp(n->text + n->off[j - 1], n->text + cur) > 0) {
			n->off[j] = n->off[j - 1];
			j--;
		}
		n->off[j] = cur;
	}
}

int amp_sysattr_list(const char *root, const char *dir, amp_sysattr_keep_fn keep,
		     const struct amp_sysattr_names **out)
{
	static struct amp_sysattr_names names;
	char path[AMP_SYSATTR_PATH_MAX];
	struct list_ctx lc = {&names, 0, keep};
	int rc;

	names.count = 0;
	names.truncated = false;
	*out = &names;
	rc = amp_sysattr_path(path, sizeof(path), root, dir, NULL);
	if (rc != AMP_OK)
		return rc;
	rc = port_dir_list(path, list_one, &lc);
	if (rc != AMP_OK) {
		names.count = 0;
		return rc;
	}
	sort_names(&names);
	return AMP_OK;
}

int amp_sysattr_scan(const struct amp_collect_ctx *ctx, const char *module, const char *dir, amp_sysattr_keep_fn keep,
		     const struct amp_sysattr_names **out)
{
	static uint64_t last_truncated_ms;
	int rc = amp_sysattr_list(ctx->sysfs, dir, keep, out);

	if (rc == AMP_ERR_NOTFOUND) {
		AMP_LOG_D(module, "%s/%s: not found, skipped", ctx->sysfs, dir);
		return AMP_OK;
	}
	if (rc != AMP_OK) {
		AMP_LOG_W(module, "%s/%s: %s", ctx->sysfs, dir, amp_strerror(rc));
		return rc;
	}
	if ((*out)->truncated && (last_truncated_ms == 0 || ctx->now_ms - last_truncated_ms >= AMP_BAD_LINE_WARN_INTERVAL_MS)) {
		last_truncated_ms = ctx->now_ms != 0 ? ctx->now_ms : 1;
		AMP_LOG_W(module, "%s/%s: more than %d entries, the rest is not read", ctx->sysfs, dir, AMP_SYSATTR_MAX_NAMES);
	}
	return AMP_OK;
}

bool amp_sysattr_numbered(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && name[n] >= '0' && name[n] <= '9';
}

bool amp_sysattr_i64(const char *s, int64_t *out)
{
	const char *end = s + strlen(s);
	const char *p = amp_parse_i64(s, end, out);

	return p != NULL && p == end;
}

bool amp_sysattr_u64(const char *s, uint64_t *out)
{
	const char *end = s + strlen(s);
	const char *p = amp_parse_u64(s, end, out);

	return p != NULL && p == end;
}

bool amp_sysattr_int_any_base(const char *s, int64_t *out)
{
	bool neg = false;
	unsigned base = 10;
	uint64_t v = 0;
	const char *start;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		s += 2;
	} else if (s[0] == '0' && s[1] != '\0') {
		base = 8;
		s++;
	}
	start = s;
	for (; *s; s++) {
		static const char digits[] = "0123456789abcdef";
		char lower = *s >= 'A' && *s <= 'F' ? (char)(*s - 'A' + 'a') : *s;
		const char *at = memchr(digits, lower, base);
		unsigned d;

		if (lower == '\0' || at == NULL)
			return false;
		d = (unsigned)(at - digits);
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (s == start || v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return false;
	*out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return true;
}

bool amp_sysattr_number(const char *s, double *out)
{
	const char *end = s + strlen(s);
	int64_t i;
	const char *p;

	if (amp_sysattr_i64(s, &i)) {
		*out = (double)i;
		return true;
	}
	p = amp_parse_decimal(s, end, out);
	return p != NULL && p == end;
}

size_t amp_sysattr_utf8_char(const char *str)
{
	size_t i = 0, n = 0;

	/* one decoder for the whole agent (json.c's); a NUL inside a sequence makes it too short */
	while (n < 4 && str[n] != '\0')
		n++;
	if (n == 0 || amp_json_utf8_next(str, n, &i) < 0)
		return 0;
	return i;
}

const char *amp_sysattr_utf8(const char *in, char *out, size_t cap)
{
	static const char replacement[] = "\xEF\xBF\xBD";
	const unsigned char *s = (const unsigned char *)in;
	size_t used = 0;

	if (cap == 0)
		return out;
	while (*s) {
		size_t n = amp_sysattr_utf8_char((const char *)s);
		const char *piece = (const char *)s;

		if (n == 0) {
			/* one replacement for the whole run of invalid bytes */
			while (*s && amp_sysattr_utf8_char((const char *)s) == 0)
				s++;
			piece = replacement;
			n = 3;
		} else {
			s += n;
		}
		if (used + n >= cap)
			break;
		memcpy(out + used, piece, n);
		used += n;
	}
	out[used] = '\0';
	return out;
}

char *amp_sysattr_slot(const struct amp_collect_ctx *ctx, unsigned i, unsigned n, size_t *cap)
{
	size_t size = n > 0 ? ctx->buf_cap / n : 0;

	*cap = size;
	return ctx->buf + (size_t)i * size;
}

const char *amp_sysattr_text(const struct amp_collect_ctx *ctx, const char *dir, const char *name,
			     enum amp_sysattr_trim trim, unsigned i, unsigned n)
{
	size_t cap;
	char *slot = amp_sysattr_slot(ctx, i, n, &cap);
	char *v;

	/* read into the first half, repair into the second: U+FFFD may be longer than the byte it replaces */
	if (amp_sysattr_read(ctx->sysfs, dir, name, trim, slot, cap / 2, &v) != AMP_OK)
		return NULL;
	return amp_sysattr_utf8(v, slot + cap / 2, cap - cap / 2);
}

bool amp_sysattr_int(struct amp_sysattr_reader *r, const char *dir, const char *name, bool any_base, int64_t *out)
{
	char buf[64];
	char *v;
	int rc = amp_sysattr_read(r->ctx->sysfs, dir, name, AMP_SYSATTR_TRIM_SPACE, buf, sizeof(buf), &v);

	if (rc == AMP_OK && (any_base ? amp_sysattr_int_any_base(v, out) : amp_sysattr_i64(v, out)))
		return true;
	if (rc == AMP_OK || rc == AMP_ERR_FULL) {
		amp_sysattr_bad(r->ctx, r->module, r->ctx->sysfs, dir, name, r->last_warn_ms, "not an integer (or over 63 bytes)");
		r->bad = true;
	} else {
		AMP_LOG_D(r->module, "%s/%s/%s: %s, skipped", r->ctx->sysfs, dir, name, amp_strerror(rc));
	}
	return false;
}

void amp_sysattr_bad(const struct amp_collect_ctx *ctx, const char *module, const char *root, const char *dir,
		     const char *name, uint64_t *last_warn_ms, const char *why)
{
	char file[AMP_SYSATTR_PATH_MAX];
	struct amp_bad_lines bad;

	if (amp_sysattr_path(file, sizeof(file), dir, name, NULL) != AMP_OK)
		snprintf(file, sizeof(file), "%s", name != NULL ? name : "?");
	amp_bad_lines_init(&bad, ctx, module, root, file, last_warn_ms);
	amp_bad_line(&bad, 1, why);
}
