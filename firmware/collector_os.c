/* os collector: node_os_info and node_os_version from the host's os-release file, as node_exporter. */
/* os-release(5): KEY=value lines, shell-quoted; /etc/os-release, else /usr/lib/os-release, under the rootfs. */
#include "collector.h"
#include "collector_internal.h"
#include "config.h"
#include "log.h"
#include "sysattr.h"

#include <string.h>

#define MOD "os"
/* Longest value kept (os-release values are names and versions; longer ones are cut). */
#define OS_VALUE_MAX 256

static const struct amp_family fam_info = {
	"node_os_info",
	"A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, "
	"variant, variant_id, version, version_codename, version_id.",
	AMP_METRIC_GAUGE};
static const struct amp_family fam_version = {"node_os_version",
					      "Metric containing the major.minor part of the OS version.",
					      AMP_METRIC_GAUGE};

/* The keys node_os_info carries, in its label order, with their label names. */
static const char *const keys[] = {"BUILD_ID", "ID", "ID_LIKE", "IMAGE_ID", "IMAGE_VERSION", "NAME", "PRETTY_NAME",
				   "VARIANT", "VARIANT_ID", "VERSION", "VERSION_CODENAME", "VERSION_ID"};
static const char *const label_names[] = {"build_id", "id", "id_like", "image_id", "image_version", "name",
					  "pretty_name", "variant", "variant_id", "version", "version_codename",
					  "version_id"};
#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))
enum { K_ID = 1, K_ID_LIKE = 2, K_NAME = 5, K_VERSION_ID = 11 };

static char values[KEY_COUNT][OS_VALUE_MAX];
static uint64_t last_warn_ms;

static bool is_key_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/*
 * Decodes the shell-quoted value at p..le into out (cap bytes, cut when longer): "double quotes" with
 * \\ \" \$ \` escapes, 'single quotes' verbatim, or a bare word with \x escapes, ended by blanks or a
 * comment. Returns NULL with *why set on an unterminated quote or text after the value.
 */
static const char *decode(const char *p, const char *le, char *out, size_t cap, const char **why)
{
	size_t used = 0;

#define PUT(c) \
	do { \
		if (used + 1 < cap) \
			out[used++] = (c); \
	} while (0)
	if (p < le && (*p == '"' || *p == '\'')) {
		char q = *p++;

		while (p < le && *p != q) {
			if (q == '"' && *p == '\\' && p + 1 < le && strchr("\\\"$`", p[1]) != NULL)
				p++;
			PUT(*p);
			p++;
		}
		if (p == le) {
			*why = "unterminated quote";
			return NULL;
		}
		p++;
	} else {
		while (p < le && !amp_parse_is_blank(*p)) {
			if (*p == '"' || *p == '\'') {
				*why = "quote inside an unquoted value";
				return NULL;
			}
			if (*p == '\\' && p + 1 < le)
				p++;
			PUT(*p);
			p++;
		}
	}
#undef PUT
	out[used] = '\0';
	p = amp_parse_skip_blanks(p, le);
	if (p < le && *p != '#') {
		*why = "text after the value";
		return NULL;
	}
	return p;
}

/* Fills values[] from the file in ctx->buf; a malformed line is reported and skipped. */
static bool parse(struct amp_collect_ctx *ctx, const char *root, const char *file, size_t len)
{
	static char raw[OS_VALUE_MAX];
	struct amp_bad_lines bad;
	struct amp_lines lines;
	const char *line, *le;

	amp_bad_lines_init(&bad, ctx, MOD, root, file, &last_warn_ms);
	amp_lines_init(&lines, ctx->buf, len);
	while (amp_lines_next(&lines, &line, &le)) {
		const char *p = amp_parse_skip_blanks(line, le);
		const char *key = p, *why = NULL;
		size_t key_len;

		if (p == le || *p == '#')
			continue;
		if (le - p > 7 && memcmp(p, "export", 6) == 0 && amp_parse_is_blank(p[6]))
			key = p = amp_parse_skip_blanks(p + 6, le);
		while (p < le && is_key_char(*p, p == key))
			p++;
		key_len = (size_t)(p - key);
		if (key_len == 0 || p == le || *p != '=') {
			amp_bad_line(&bad, lines.lineno, "expected KEY=value");
			continue;
		}
		if (decode(p + 1, le, raw, sizeof(raw), &why) == NULL) {
			amp_bad_line(&bad, lines.lineno, why);
			continue;
		}
		for (unsigned k = 0; k < KEY_COUNT; k++) {
			if (strlen(keys[k]) == key_len && memcmp(keys[k], key, key_len) == 0)
				amp_sysattr_utf8(raw, values[k], sizeof(values[k]));
		}
	}
	return bad.count == 0;
}

/* node_exporter's ^[0-9]+\.?[0-9]* of VERSION_ID, as a number; 0 when VERSION_ID does not start so. */
static double major_minor(const char *version_id)
{
	char text[24];
	size_t n = 0;
	double v = 0;

	while (version_id[n] >= '0' && version_id[n] <= '9' && n < 15)
		n++;
	if (n > 0 && version_id[n] == '.') {
		size_t m = n + 1;

		while (version_id[m] >= '0' && version_id[m] <= '9' && m < 16)
			m++;
		if (m > n + 1)
			n = m;
	}
	memcpy(text, version_id, n);
	text[n] = '\0';
	if (n == 0 || amp_parse_decimal(text, text + n, &v) == NULL)
		return 0;
	return v;
}

static int os_collect(struct amp_collect_ctx *ctx)
{
	static const char *const files[] = {"etc/os-release", "usr/lib/os-release"};
	const char *root = ctx->filesystem != NULL ? ctx->filesystem->rootfs : "/";
	struct amp_label labels[KEY_COUNT];
	unsigned n = 0;
	size_t len = 0;
	bool ok;
	double version;
	int rc = AMP_ERR_NOTFOUND;
	unsigned f;

	for (f = 0; f < 2 && rc == AMP_ERR_NOTFOUND; f++)
		rc = amp_collect_read(ctx, root, files[f], &len);
	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;
	memset(values, 0, sizeof(values));
	ok = parse(ctx, root, files[f - 1], len);
	for (unsigned k = 0; k < KEY_COUNT; k++)
		labels[n++] = (struct amp_label){label_names[k], values[k]};
	(void)amp_collect_emit(ctx, &fam_info, labels, n, 1.0);
	version = major_minor(values[K_VERSION_ID]);
	if (version > 0) {
		const struct amp_label vlabels[] = {
			{"id", values[K_ID]}, {"id_like", values[K_ID_LIKE]}, {"name", values[K_NAME]}};

		(void)amp_collect_emit(ctx, &fam_version, vlabels, 3, version);
	}
	return ok ? AMP_OK : AMP_ERR_INVALID;
}

const struct amp_collector amp_collector_os = {"os", AMP_COLLECTOR_OS, os_collect};
