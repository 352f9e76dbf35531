/* Configuration: reads the INI file through inih with our own line reader, validates every key into fixed fields. */
#include "config.h"
#include "collector.h"
#include "creds.h"
#include "json.h"
#include "port.h"
#include "secret.h"
#include "spool.h"
#include "sysattr.h"

#include <ini.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * inih's line buffer is INI_MAX_LINE bytes and "must be 3 more than the longest line" ('\r', '\n', '\0').
 * A longer line would be cut by inih without notice, so the reader refuses it instead.
 */
#define AMP_CONFIG_MAX_LINE (INI_MAX_LINE - 3)
/* The whole file is read at once: the reader needs it to count lines and see every line whole. */
#define AMP_CONFIG_FILE_MAX CONFIG_CONFIG_FILE_MAX_BYTES
/* A broken file (a binary, a wrong path) must not flood the log: stop after this many errors. */
#define AMP_CONFIG_MAX_ERRORS 20
/* Room for a secret file: the secret itself plus surrounding whitespace (a trailing newline, CRLF). */
#define AMP_CONFIG_SECRET_FILE_MAX (CONFIG_MAX_SECRET_LEN + 64)
/* Bounds on durations: a 0 or absurdly short period would spin; more than a day is a typo. */
#define AMP_CONFIG_MIN_DURATION_MS 100u
#define AMP_CONFIG_MAX_DURATION_MS (24u * 3600u * 1000u)
/* Longest name or value quoted in a message (after that "..."). */
#define AMP_CONFIG_SHOW_MAX 48

enum cfg_section {
	SEC_NONE = 0,  /* before the first header */
	SEC_AGENT,
	SEC_LABELS,
	SEC_REMOTE_WRITE,
	SEC_SIGV4,
	SEC_COLLECTORS,
	SEC_TEXTFILE,
	SEC_FILTER,
	SEC_FILESYSTEM,
	SEC_COUNT,
	SEC_SKIP,      /* an unknown or malformed header, already reported: its keys are ignored */
};

static const char *const section_names[SEC_COUNT] = {"", "agent", "labels", "remote_write", "sigv4", "collectors",
						    "textfile", "filter", "filesystem"};

enum cfg_key {
	KEY_INTERVAL,
	KEY_INSTANCE,
	KEY_JOB,
	KEY_PROCFS,
	KEY_SYSFS,
	KEY_LOG_LEVEL,
	KEY_LOG_TARGET,
	KEY_URL,
	KEY_CA_FILE,
	KEY_REMOTE_TIMEOUT,
	KEY_MAX_SAMPLES_PER_SEND,
	KEY_BATCH_SEND_DEADLINE,
	KEY_MIN_BACKOFF,
	KEY_MAX_BACKOFF,
	KEY_RETRY_ON_HTTP_429,
	KEY_SAMPLE_AGE_LIMIT,
	KEY_SHUTDOWN_TIMEOUT,
	KEY_SPOOL_DIR,
	KEY_SPOOL_MAX_BYTES,
	KEY_SPOOL_INTERVAL,
	KEY_REGION,
	KEY_SERVICE,
	KEY_ACCESS_KEY,
	KEY_ACCESS_KEY_FILE,
	KEY_SECRET_KEY,
	KEY_SECRET_KEY_FILE,
	KEY_SESSION_TOKEN,
	KEY_SESSION_TOKEN_FILE,
	KEY_TEXTFILE_DIRECTORY,
	KEY_FS_NETWORK,
	KEY_FS_KEEP_ROOT,
	KEY_FS_ROOTFS,
	KEY_FS_MOUNT_TIMEOUT,
	KEY_FS_MOUNT_POINTS_EXCLUDE,
	KEY_FS_TYPES_EXCLUDE,
	/* authentication and credentials (docs/credentials.md) */
	KEY_BEARER_TOKEN,
	KEY_BEARER_TOKEN_FILE,
	KEY_BASIC_USERNAME,
	KEY_BASIC_PASSWORD,
	KEY_BASIC_PASSWORD_FILE,
	KEY_TLS_CLOCK_BOOTSTRAP,
	KEY_PROXY_URL,
	KEY_CREDENTIALS,
	KEY_REFRESH_MARGIN,
	KEY_PROFILE,
	KEY_SHARED_CREDENTIALS_FILE,
	KEY_IMDS_ENDPOINT,
	KEY_IMDS_V1_FALLBACK,
	KEY_IOT_ENDPOINT,
	KEY_IOT_ROLE_ALIAS,
	KEY_IOT_THING_NAME,
	KEY_IOT_CERT_FILE,
	KEY_IOT_KEY_FILE,
	KEY_IOT_CA_FILE,
	KEY_SYNTHETIC_SERIES,
	KEY_COUNT,
};

static const struct {
	enum cfg_section section;
	const char *name;
} key_table[KEY_COUNT] = {
	[KEY_INTERVAL] = {SEC_AGENT, "interval"},
	[KEY_INSTANCE] = {SEC_AGENT, "instance"},
	[KEY_JOB] = {SEC_AGENT, "job"},
	[KEY_PROCFS] = {SEC_AGENT, "procfs"},
	[KEY_SYSFS] = {SEC_AGENT, "sysfs"},
	[KEY_LOG_LEVEL] = {SEC_AGENT, "log_level"},
	[KEY_LOG_TARGET] = {SEC_AGENT, "log_target"},
	[KEY_URL] = {SEC_REMOTE_WRITE, "url"},
	[KEY_CA_FILE] = {SEC_REMOTE_WRITE, "ca_file"},
	[KEY_REMOTE_TIMEOUT] = {SEC_REMOTE_WRITE, "remote_timeout"},
	[KEY_MAX_SAMPLES_PER_SEND] = {SEC_REMOTE_WRITE, "max_samples_per_send"},
	[KEY_BATCH_SEND_DEADLINE] = {SEC_REMOTE_WRITE, "batch_send_deadline"},
	[KEY_MIN_BACKOFF] = {SEC_REMOTE_WRITE, "min_backoff"},
	[KEY_MAX_BACKOFF] = {SEC_REMOTE_WRITE, "max_backoff"},
	[KEY_RETRY_ON_HTTP_429] = {SEC_REMOTE_WRITE, "retry_on_http_429"},
	[KEY_SAMPLE_AGE_LIMIT] = {SEC_REMOTE_WRITE, "sample_age_limit"},
	[KEY_SHUTDOWN_TIMEOUT] = {SEC_AGENT, "shutdown_timeout"},
	[KEY_SPOOL_DIR] = {SEC_AGENT, "spool_dir"},
	[KEY_SPOOL_MAX_BYTES] = {SEC_AGENT, "spool_max_bytes"},
	[KEY_SPOOL_INTERVAL] = {SEC_AGENT, "spool_interval"},
	[KEY_REGION] = {SEC_SIGV4, "region"},
	[KEY_SERVICE] = {SEC_SIGV4, "service"},
	[KEY_ACCESS_KEY] = {SEC_SIGV4, "access_key"},
	[KEY_ACCESS_KEY_FILE] = {SEC_SIGV4, "access_key_file"},
	[KEY_SECRET_KEY] = {SEC_SIGV4, "secret_key"},
	[KEY_SECRET_KEY_FILE] = {SEC_SIGV4, "secret_key_file"},
	[KEY_SESSION_TOKEN] = {SEC_SIGV4, "session_token"},
	[KEY_SESSION_TOKEN_FILE] = {SEC_SIGV4, "session_token_file"},
	[KEY_TEXTFILE_DIRECTORY] = {SEC_TEXTFILE, "directory"},
	[KEY_FS_NETWORK] = {SEC_FILESYSTEM, "network"},
	[KEY_FS_KEEP_ROOT] = {SEC_FILESYSTEM, "keep_root"},
	[KEY_FS_ROOTFS] = {SEC_FILESYSTEM, "rootfs"},
	[KEY_FS_MOUNT_TIMEOUT] = {SEC_FILESYSTEM, "mount_timeout"},
	[KEY_FS_MOUNT_POINTS_EXCLUDE] = {SEC_FILESYSTEM, "mount_points_exclude"},
	[KEY_FS_TYPES_EXCLUDE] = {SEC_FILESYSTEM, "fs_types_exclude"},
	[KEY_BEARER_TOKEN] = {SEC_REMOTE_WRITE, "bearer_token"},
	[KEY_BEARER_TOKEN_FILE] = {SEC_REMOTE_WRITE, "bearer_token_file"},
	[KEY_BASIC_USERNAME] = {SEC_REMOTE_WRITE, "basic_auth_username"},
	[KEY_BASIC_PASSWORD] = {SEC_REMOTE_WRITE, "basic_auth_password"},
	[KEY_BASIC_PASSWORD_FILE] = {SEC_REMOTE_WRITE, "basic_auth_password_file"},
	[KEY_TLS_CLOCK_BOOTSTRAP] = {SEC_REMOTE_WRITE, "tls_clock_bootstrap"},
	[KEY_PROXY_URL] = {SEC_REMOTE_WRITE, "proxy_url"},
	[KEY_CREDENTIALS] = {SEC_SIGV4, "credentials"},
	[KEY_REFRESH_MARGIN] = {SEC_SIGV4, "refresh_margin"},
	[KEY_PROFILE] = {SEC_SIGV4, "profile"},
	[KEY_SHARED_CREDENTIALS_FILE] = {SEC_SIGV4, "shared_credentials_file"},
	[KEY_IMDS_ENDPOINT] = {SEC_SIGV4, "imds_endpoint"},
	[KEY_IMDS_V1_FALLBACK] = {SEC_SIGV4, "imds_v1_fallback"},
	[KEY_IOT_ENDPOINT] = {SEC_SIGV4, "iot_endpoint"},
	[KEY_IOT_ROLE_ALIAS] = {SEC_SIGV4, "iot_role_alias"},
	[KEY_IOT_THING_NAME] = {SEC_SIGV4, "iot_thing_name"},
	[KEY_IOT_CERT_FILE] = {SEC_SIGV4, "iot_cert_file"},
	[KEY_IOT_KEY_FILE] = {SEC_SIGV4, "iot_key_file"},
	[KEY_IOT_CA_FILE] = {SEC_SIGV4, "iot_ca_file"},
	[KEY_SYNTHETIC_SERIES] = {SEC_COLLECTORS, "synthetic_series"},
};

/* State shared by the line reader and the key handler during one amp_config_load. */
struct cfg_ctx {
	struct amp_config *cfg;
	const char *text;
	size_t len;
	size_t pos;
	unsigned line;                       /* the line inih is handling now (1-based) */
	enum cfg_section section;
	unsigned section_line[SEC_COUNT];    /* where each section's header is; 0 = absent */
	char prev_key[AMP_CONFIG_SHOW_MAX + 4]; /* the last key of this section, for the continuation error */
	unsigned key_line[KEY_COUNT];        /* where each key was set; 0 = not given */
	unsigned label_line[CONFIG_MAX_EXTRA_LABELS > 0 ? CONFIG_MAX_EXTRA_LABELS : 1];
	unsigned collector_line[AMP_COLLECTOR_ID_COUNT];
	bool age_limit_set;
	bool labels_overflowed;
	unsigned errors;
	bool stopped;
};

static int parse_url(const char *text, struct amp_url *out, const char **why);

/* Not on the stack: both are large, and both may hold secrets, so they are wiped after every use. */
static char config_text[AMP_CONFIG_FILE_MAX];
static char secret_file_buf[AMP_CONFIG_SECRET_FILE_MAX];

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * A bounded, printable copy of user text for a message: other bytes become '?', and text longer than
 * the buffer (cap - 4) ends in "...". Callers size the buffer: names are cut short, paths are not.
 */
static const char *show(char *buf, size_t cap, const char *s, size_t n)
{
	size_t limit = cap - 4;
	size_t i;

	for (i = 0; i < n && i < limit; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void cfg_error(struct cfg_ctx *ctx, unsigned line, const char *section, const char *key,
		      const char *fmt, ...)
{
	char what[512];
	char where[16] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(where, sizeof(where), ":%u", line);
	ctx->errors++;
	if (section != NULL && key != NULL)
		AMP_LOG_E("config", "%s%s: [%s] %s: %s", ctx->cfg->source, where, section, key, what);
	else if (section != NULL)
		AMP_LOG_E("config", "%s%s: [%s]: %s", ctx->cfg->source, where, section, what);
	else
		AMP_LOG_E("config", "%s%s: %s", ctx->cfg->source, where, what);
}

/* The error names the current section (or none before the first header). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void line_error(struct cfg_ctx *ctx, const char *key, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	const char *section = ctx->section < SEC_COUNT && ctx->section != SEC_NONE ?
		section_names[ctx->section] : NULL;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (section == NULL && key != NULL)
		cfg_error(ctx, ctx->line, "", key, "%s", what);
	else
		cfg_error(ctx, ctx->line, section, key, "%s", what);
}

/*
 * The name of a key as it may appear in a message. In [sigv4] and [remote_write] (bearer tokens) a name
 * that is not a plausible key may be part of a secret pasted on a line of its own (base64 holds '='), so
 * it is not shown.
 */
static const char *show_key(const struct cfg_ctx *ctx, char *buf, size_t cap, const char *name, size_t n)
{
	if (ctx->section == SEC_SIGV4 || ctx->section == SEC_REMOTE_WRITE) {
		bool plain = n > 0 && n <= 32;

		for (size_t i = 0; plain && i < n; i++)
			plain = (name[i] >= 'a' && name[i] <= 'z') || is_digit(name[i]) || name[i] == '_';
		if (!plain)
			return "(name hidden: it may be part of a secret)";
	}
	return show(buf, cap, name, n);
}

/* A line too long for inih that may hold a secret: its error points at the *_file keys. */
static bool long_secret_line(const struct cfg_ctx *ctx, const char *key, size_t kn)
{
	if (ctx->section == SEC_SIGV4)
		return true;
	return ctx->section == SEC_REMOTE_WRITE && ((kn >= 12 && memcmp(key, "bearer_token", 12) == 0) ||
						     (kn >= 19 && memcmp(key, "basic_auth_password", 19) == 0));
}

/* Where an inline comment starts in inih's eyes: ';' at the start or after whitespace. */
static bool starts_comment(const char *line, const char *p)
{
	return *p == ';' && (p == line || is_space(p[-1]));
}

/*
 * Finds inih's key/value separator: the first '=' or ':' before any inline comment. Returns its offset,
 * or n when the line has none (inih would call that a syntax error).
 */
static size_t find_separator(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' || s[i] == ':')
			return i;
		if (starts_comment(s, s + i))
			return n;
	}
	return n;
}

/* The key of a key = value line, trimmed; *kn = 0 when the line has none. */
static const char *line_key(const char *s, size_t n, size_t *kn)
{
	size_t sep;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	sep = find_separator(s, n);
	*kn = 0;
	if (sep == n)
		return s;
	while (sep > 0 && is_space(s[sep - 1]))
		sep--;
	*kn = sep;
	return s;
}

/* Handles a "[name]" line (s starts at '['). Returns true when inih should see the header. */
static bool section_header(struct cfg_ctx *ctx, const char *s, size_t n)
{
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	size_t close = 1;

	while (close < n && s[close] != ']' && !starts_comment(s, s + close))
		close++;
	ctx->prev_key[0] = '\0';
	if (close == n || s[close] != ']') {
		ctx->section = SEC_SKIP;
		cfg_error(ctx, ctx->line, NULL, NULL, "section header without a closing ']'");
		return false;
	}
	for (size_t i = close + 1; i < n; i++) {
		if (s[i] == ';' || s[i] == '#')
			break;
		if (!is_space(s[i])) {
			ctx->section = SEC_SKIP;
			cfg_error(ctx, ctx->line, show(shown, sizeof(shown), s + 1, close - 1), NULL,
				  "text after ']' (only a comment may follow)");
			return false;
		}
	}
	for (int sec = SEC_AGENT; sec < SEC_COUNT; sec++) {
		if (strlen(section_names[sec]) == close - 1 && memcmp(section_names[sec], s + 1, close - 1) == 0) {
			if (ctx->section_line[sec] != 0)
				cfg_error(ctx, ctx->line, section_names[sec], NULL,
					  "duplicate section (first at line %u)", ctx->section_line[sec]);
			else
				ctx->section_line[sec] = ctx->line;
			ctx->section = (enum cfg_section)sec;
			return true;
		}
	}
	ctx->section = SEC_SKIP;
	cfg_error(ctx, ctx->line, show(shown, sizeof(shown), s + 1, close - 1), NULL,
		  "unknown section (expected agent, labels, remote_write or sigv4)");
	return false;
}

/* A refused line still names its key: it must not be reported "missing" as well. */
static void mark_refused_key(struct cfg_ctx *ctx, const char *key, size_t kn)
{
	for (int i = 0; i < KEY_COUNT; i++) {
		if (key_table[i].section == ctx->section && strlen(key_table[i].name) == kn &&
		    memcmp(key_table[i].name, key, kn) == 0 && ctx->key_line[i] == 0)
			ctx->key_line[i] = ctx->line;
	}
}

/*
 * Checks one raw line and decides what inih gets: the line without its indentation, or an empty line
 * when the line was refused (already reported) or is only a comment. Returns the bytes to pass.
 */
static size_t filter_line(struct cfg_ctx *ctx, const char *p, size_t n, const char **out)
{
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	const char *key;
	size_t kn;
	const char *s = p;
	size_t sn = n;
	size_t sep;

	*out = "";
	key = line_key(p, n, &kn);
	if (n > AMP_CONFIG_MAX_LINE) {
		line_error(ctx, kn > 0 ? show_key(ctx, shown, sizeof(shown), key, kn) : NULL,
			   "line longer than %d bytes (inih's limit)%s", AMP_CONFIG_MAX_LINE,
			   long_secret_line(ctx, key, kn) ? "; put a long secret in a file and use its *_file key" : "");
		mark_refused_key(ctx, key, kn);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			line_error(ctx, kn > 0 ? show_key(ctx, shown, sizeof(shown), key, kn) : NULL,
				   "control character 0x%02x in line", c);
			mark_refused_key(ctx, key, kn);
			return 0;
		}
	}
	while (sn > 0 && is_space(*s)) {
		s++;
		sn--;
	}
	if (sn == 0 || *s == ';' || *s == '#')
		return 0;
	if (s != p) {
		/* inih would append this line to the previous value (Python configparser's continuation). */
		if (ctx->prev_key[0] != '\0' && ctx->section < SEC_COUNT)
			line_error(ctx, ctx->prev_key,
				   "indented line would continue this value; continuation lines are not supported");
		else if (ctx->section != SEC_SKIP)
			line_error(ctx, NULL, "indented line; remove the leading whitespace");
		return 0;
	}
	if (*s == '[') {
		if (!section_header(ctx, s, sn))
			return 0;
		*out = s;
		return sn;
	}
	if (ctx->section == SEC_SKIP)
		return 0;
	sep = find_separator(s, sn);
	if (sep == sn) {
		line_error(ctx, NULL, "expected key = value");
		return 0;
	}
	/* inih also splits "key: value"; a ':' before '=' is more often part of a name or value by mistake. */
	if (s[sep] == ':') {
		line_error(ctx, kn > 0 ? show_key(ctx, shown, sizeof(shown), key, kn) : NULL,
			   "expected key = value (':' is not a separator)");
		mark_refused_key(ctx, key, kn);
		return 0;
	}
	if (kn == 0) {
		line_error(ctx, NULL, "empty key name");
		return 0;
	}
	if (ctx->section == SEC_NONE) {
		line_error(ctx, show_key(ctx, shown, sizeof(shown), key, kn), "key before any [section]");
		return 0;
	}
	snprintf(ctx->prev_key, sizeof(ctx->prev_key), "%s", show_key(ctx, shown, sizeof(shown), key, kn));
	*out = s;
	return sn;
}

/*
 * inih's fgets-like reader over the file already in memory: one call, one line, so our count is inih's.
 * At the end it wipes inih's line buffer, which held every line, secrets included.
 */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct cfg_ctx *ctx = stream;
	const char *p;
	const char *nl;
	const char *pass;
	size_t n;
	size_t pn;

	if (num < 2 || ctx->stopped || ctx->pos >= ctx->len) {
		if (num > 0)
			amp_secret_wipe(str, (size_t)num);
		return NULL;
	}
	if (ctx->errors >= AMP_CONFIG_MAX_ERRORS) {
		ctx->stopped = true;
		cfg_error(ctx, ctx->line, NULL, NULL, "too many errors; the rest of the file is not checked");
		amp_secret_wipe(str, (size_t)num);
		return NULL;
	}
	p = ctx->text + ctx->pos;
	nl = memchr(p, '\n', ctx->len - ctx->pos);
	n = nl != NULL ? (size_t)(nl - p) : ctx->len - ctx->pos;
	ctx->pos += n + (nl != NULL ? 1 : 0);
	ctx->line++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	/* A UTF-8 byte-order mark is allowed before the first line, as inih allows it. */
	if (ctx->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	pn = filter_line(ctx, p, n, &pass);
	if (pn + 2 > (size_t)num) {
		/* inih's buffer is smaller than the limit we check: refuse rather than let the line be cut. */
		line_error(ctx, NULL, "line longer than %d bytes (inih's limit)", num - 3);
		pn = 0;
	}
	memcpy(str, pass, pn);
	str[pn] = '\n';
	str[pn + 1] = '\0';
	return str;
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF): label values must be. */
static bool utf8_valid(const char *s)
{
	while (*s) {
		size_t n = amp_sysattr_utf8_char(s);

		if (n == 0)
			return false;
		s += n;
	}
	return true;
}

/* Copies a value that must fit whole: never truncated. */
static bool copy_value(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value)
{
	size_t n = strlen(value);

	if (n >= cap) {
		line_error(ctx, key, "value too long (at most %zu bytes)", cap - 1);
		return false;
	}
	memcpy(dst, value, n + 1);
	return true;
}

/* A duration within [min_ms, max_ms]; `range` is that range in words, for the message. */
static void set_duration_in(struct cfg_ctx *ctx, const char *key, uint32_t *dst, const char *value,
			    uint32_t min_ms, uint32_t max_ms, const char *range)
{
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	uint32_t ms;

	if (amp_config_parse_duration(value, &ms) != AMP_OK) {
		line_error(ctx, key, "bad duration \"%s\": use a whole number and a unit (ms, s, m, h)",
			   show(shown, sizeof(shown), value, strlen(value)));
		return;
	}
	if (ms < min_ms || ms > max_ms) {
		line_error(ctx, key, "duration \"%s\" out of range (%s)", show(shown, sizeof(shown), value, strlen(value)),
			   range);
		return;
	}
	*dst = ms;
}

static void set_duration(struct cfg_ctx *ctx, const char *key, uint32_t *dst, const char *value)
{
	set_duration_in(ctx, key, dst, value, AMP_CONFIG_MIN_DURATION_MS, AMP_CONFIG_MAX_DURATION_MS, "100ms to 24h");
}

static void set_bool(struct cfg_ctx *ctx, const char *key, bool *dst, const char *value)
{
	if (strcmp(value, "true") == 0) {
		*dst = true;
	} else if (strcmp(value, "false") == 0) {
		*dst = false;
	} else {
		char shown[AMP_CONFIG_SHOW_MAX + 4];

		line_error(ctx, key, "\"%s\": expected true or false", show(shown, sizeof(shown), value, strlen(value)));
	}
}

/* A whole number in [min, max], digits only. */
static void set_count(struct cfg_ctx *ctx, const char *key, uint32_t *dst, const char *value, uint32_t min,
		      uint32_t max)
{
	uint64_t v = 0;
	const char *p = value;

	while (*p >= '0' && *p <= '9' && v <= max)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == value || *p != '\0' || v < min || v > max) {
		char shown[AMP_CONFIG_SHOW_MAX + 4];

		line_error(ctx, key, "\"%s\": expected a whole number from %u to %u",
			   show(shown, sizeof(shown), value, strlen(value)), (unsigned)min, (unsigned)max);
		return;
	}
	*dst = (uint32_t)v;
}

/* A size in bytes: digits and an optional unit, B, KiB, MiB or GiB (K, M, G and KB, MB, GB mean the same). */
static void set_bytes(struct cfg_ctx *ctx, const char *key, uint64_t *dst, const char *value, uint64_t min,
		      uint64_t max)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {{"", 1},       {"B", 1},         {"K", 1024},      {"KB", 1024},       {"KiB", 1024},
		     {"M", 1 << 20}, {"MB", 1 << 20}, {"MiB", 1 << 20}, {"G", 1u << 30}, {"GB", 1u << 30},
		     {"GiB", 1u << 30}};
	uint64_t v = 0;
	const char *p = value;

	while (*p >= '0' && *p <= '9' && v < (UINT64_MAX - 9) / 10)
		v = v * 10 + (uint64_t)(*p++ - '0');
	for (size_t i = 0; p != value && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0 && v <= max / units[i].mult && v * units[i].mult >= min) {
			*dst = v * units[i].mult;
			return;
		}
	}
	{
		char shown[AMP_CONFIG_SHOW_MAX + 4];

		line_error(ctx, key, "\"%s\": expected a size from %llu KiB to %llu GiB (e.g. 64MiB)",
			   show(shown, sizeof(shown), value, strlen(value)), (unsigned long long)(min >> 10),
			   (unsigned long long)(max >> 30));
	}
}

static void set_label_value(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value)
{
	if (!utf8_valid(value)) {
		line_error(ctx, key, "value is not valid UTF-8");
		return;
	}
	copy_value(ctx, key, dst, cap, value);
}

/* Paths are absolute: the agent may run from any directory, and a relative root is a surprise. */
static void set_path(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value)
{
	if (value[0] != '/') {
		char shown[CONFIG_MAX_PATH_LEN + 4];

		line_error(ctx, key, "\"%s\" is not an absolute path", show(shown, sizeof(shown), value, strlen(value)));
		return;
	}
	copy_value(ctx, key, dst, cap, value);
}

/* AWS names (region, service): lower-case letters, digits and '-'. */
static void set_aws_name(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value)
{
	char shown[AMP_CONFIG_SHOW_MAX + 4];

	for (const char *p = value; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '-')) {
			line_error(ctx, key, "\"%s\": use lower-case letters, digits and '-'",
				   show(shown, sizeof(shown), value, strlen(value)));
			return;
		}
	}
	copy_value(ctx, key, dst, cap, value);
}

/* Access key ids are letters, digits and '_' (AWS: [\w]+). The id is not secret but is kept out of messages. */
static bool access_key_ok(const char *s)
{
	for (; *s; s++) {
		if (!is_alpha(*s) && !is_digit(*s) && *s != '_')
			return false;
	}
	return true;
}

/* Secrets are printable ASCII without whitespace: anything else is a paste error, and it is not shown. */
static bool secret_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* What a credential may hold; each is checked without ever showing the value. */
enum cred_kind {
	CRED_ACCESS_KEY, /* letters, digits, '_' */
	CRED_SECRET,     /* printable ASCII without whitespace (secret keys, session and bearer tokens) */
	CRED_PASSWORD,   /* any UTF-8 text without control characters (basic_auth_password) */
};

/* Stores a credential given inline or read from a file; never puts its value in a message. */
static void set_credential(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value,
			   enum cred_kind kind)
{
	size_t n = strlen(value);
	bool ok = kind == CRED_ACCESS_KEY ? access_key_ok(value) :
		  kind == CRED_SECRET ? secret_ok(value) : !has_control(value) && utf8_valid(value);

	if (!ok) {
		line_error(ctx, key, kind == CRED_ACCESS_KEY ? "value must be letters, digits and '_' (value not shown)" :
			   kind == CRED_SECRET ?
			   "value holds whitespace, control or non-ASCII characters (value not shown)" :
			   "value holds control characters or is not UTF-8 (value not shown)");
		return;
	}
	if (n >= cap) {
		line_error(ctx, key, "value too long (at most %zu bytes)", cap - 1);
		return;
	}
	memcpy(dst, value, n + 1);
}

static void set_credential_file(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *path,
				enum cred_kind kind)
{
	char shown[CONFIG_MAX_PATH_LEN + 4];
	size_t n = 0;
	int rc;

	if (path[0] != '/') {
		line_error(ctx, key, "\"%s\" is not an absolute path", show(shown, sizeof(shown), path, strlen(path)));
		return;
	}
	rc = amp_secret_read_file(path, secret_file_buf, sizeof(secret_file_buf), &n);
	if (rc == AMP_ERR_FULL)
		line_error(ctx, key, "%s: file larger than %zu bytes", show(shown, sizeof(shown), path, strlen(path)),
			   sizeof(secret_file_buf) - 1);
	else if (rc == AMP_ERR_INVALID)
		line_error(ctx, key, "%s: file holds a NUL byte (content not shown)",
			   show(shown, sizeof(shown), path, strlen(path)));
	else if (rc != AMP_OK)
		line_error(ctx, key, "%s: cannot read: %s", show(shown, sizeof(shown), path, strlen(path)),
			   amp_strerror(rc));
	else if (n == 0)
		line_error(ctx, key, "%s: file is empty", show(shown, sizeof(shown), path, strlen(path)));
	else
		set_credential(ctx, key, dst, cap, secret_file_buf, kind);
	amp_secret_wipe(secret_file_buf, sizeof(secret_file_buf));
}

/*
 * A *_file key whose file is read again at run time (bearer token, basic password): checked here, so a
 * bad file is a configuration error, but only its path is kept. The push reads it when it needs it and
 * holds the only copy (a rotated-out token must not stay in the configuration until the next reload).
 */
static void set_watched_file(struct cfg_ctx *ctx, const char *key, char *path_dst, size_t path_cap, char *dst,
			     size_t cap, const char *path, enum cred_kind kind)
{
	unsigned errors = ctx->errors;

	set_credential_file(ctx, key, dst, cap, path, kind);
	amp_secret_wipe(dst, cap);
	if (ctx->errors == errors)
		copy_value(ctx, key, path_dst, path_cap, path);
}

/* Characters allowed in a value, for names AWS restricts (role alias, thing name, profile). */
static void set_restricted(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value,
			   const char *extra, const char *what)
{
	char shown[AMP_CONFIG_SHOW_MAX + 4];

	for (const char *p = value; *p; p++) {
		if (!is_alpha(*p) && !is_digit(*p) && strchr(extra, *p) == NULL) {
			line_error(ctx, key, "\"%s\": %s", show(shown, sizeof(shown), value, strlen(value)), what);
			return;
		}
	}
	copy_value(ctx, key, dst, cap, value);
}

/* An endpoint URL that must use one scheme; it is not shown (a query may carry a token). */
static void set_endpoint(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value,
			 bool https)
{
	char text[CONFIG_MAX_URL_LEN + 8];
	struct amp_url url;
	const char *why = NULL;

	/* iot_endpoint is usually a bare host name, as `aws iot describe-endpoint` prints it */
	if (https && strstr(value, "://") == NULL)
		snprintf(text, sizeof(text), "https://%s", value);
	else
		snprintf(text, sizeof(text), "%s", value);
	if (parse_url(text, &url, &why) != AMP_OK) {
		line_error(ctx, key, "bad URL: %s", why);
		return;
	}
	if (url.tls != https) {
		line_error(ctx, key, "bad URL: the scheme must be %s", https ? "https://" : "http://");
		return;
	}
	copy_value(ctx, key, dst, cap, value);
}

static void set_mode(struct cfg_ctx *ctx, const char *key, enum amp_creds_mode *dst, const char *value)
{
	if (amp_creds_mode_parse(value, dst) != AMP_OK) {
		char shown[AMP_CONFIG_SHOW_MAX + 4];

		line_error(ctx, key, "\"%s\": expected auto, static, env, file, imds, container or iot",
			   show(shown, sizeof(shown), value, strlen(value)));
	}
}

static bool label_name_ok(const char *s)
{
	if (!is_alpha(*s) && *s != '_')
		return false;
	for (s++; *s; s++) {
		if (!is_alpha(*s) && !is_digit(*s) && *s != '_')
			return false;
	}
	return true;
}

static void add_label(struct cfg_ctx *ctx, const char *name, const char *value)
{
	struct amp_config *cfg = ctx->cfg;
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	const char *key = show(shown, sizeof(shown), name, strlen(name));
	struct amp_label_pair *pair;

	if (!label_name_ok(name)) {
		line_error(ctx, key, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)");
		return;
	}
	if (name[0] == '_' && name[1] == '_') {
		line_error(ctx, key, "label names starting with \"__\" are reserved");
		return;
	}
	if (strcmp(name, "instance") == 0 || strcmp(name, "job") == 0) {
		line_error(ctx, key, "reserved label name: set it with %s in [agent]", name);
		return;
	}
	if (strlen(name) >= sizeof(pair->name)) {
		line_error(ctx, key, "label name too long (at most %zu bytes)", sizeof(pair->name) - 1);
		return;
	}
	for (unsigned i = 0; i < cfg->label_count; i++) {
		if (strcmp(cfg->labels[i].name, name) == 0) {
			line_error(ctx, key, "duplicate label (first at line %u)", ctx->label_line[i]);
			return;
		}
	}
	if (value[0] == '\0') {
		line_error(ctx, key, "empty label value");
		return;
	}
	if (cfg->label_count >= CONFIG_MAX_EXTRA_LABELS) {
		if (!ctx->labels_overflowed)
			line_error(ctx, key, "too many labels (at most %d)", CONFIG_MAX_EXTRA_LABELS);
		ctx->labels_overflowed = true;
		return;
	}
	pair = &cfg->labels[cfg->label_count];
	if (!utf8_valid(value)) {
		line_error(ctx, key, "value is not valid UTF-8");
		return;
	}
	if (strlen(value) >= sizeof(pair->value)) {
		line_error(ctx, key, "value too long (at most %zu bytes)", sizeof(pair->value) - 1);
		return;
	}
	memcpy(pair->name, name, strlen(name) + 1);
	memcpy(pair->value, value, strlen(value) + 1);
	ctx->label_line[cfg->label_count] = ctx->line;
	cfg->label_count++;
}

/* [collectors] name = true|false: any collector amp-agent knows; turning on one compiled out is an error. */
static void set_collector(struct cfg_ctx *ctx, const char *name, const char *value)
{
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	const char *key = show(shown, sizeof(shown), name, strlen(name));
	enum amp_collector_id id = amp_collector_lookup(name);
	bool on;

	if (id == AMP_COLLECTOR_ID_COUNT) {
		line_error(ctx, key, "unknown collector");
		return;
	}
	if (strcmp(value, "true") == 0) {
		on = true;
	} else if (strcmp(value, "false") == 0) {
		on = false;
	} else {
		line_error(ctx, key, "expected true or false");
		return;
	}
	if (ctx->collector_line[id] != 0) {
		line_error(ctx, key, "duplicate key (first at line %u)", ctx->collector_line[id]);
		return;
	}
	ctx->collector_line[id] = ctx->line;
	if (on && !amp_collector_compiled(id)) {
		line_error(ctx, key, "collector not compiled into this build (Kconfig CONFIG_COLLECTOR_*)");
		return;
	}
	if (on)
		ctx->cfg->collectors_disabled &= ~(1u << id);
	else
		ctx->cfg->collectors_disabled |= 1u << id;
}

/* [textfile] directory: it becomes the `file` label's prefix, so it must be UTF-8 like every label value. */
static void set_textfile_directory(struct cfg_ctx *ctx, const char *key, const char *value)
{
	if (!amp_collector_compiled(AMP_COLLECTOR_TEXTFILE)) {
		line_error(ctx, key, "the textfile collector is not compiled into this build (Kconfig CONFIG_COLLECTOR_TEXTFILE)");
		return;
	}
	if (!utf8_valid(value)) {
		line_error(ctx, key, "value is not valid UTF-8");
		return;
	}
	set_path(ctx, key, ctx->cfg->textfile_dir, sizeof(ctx->cfg->textfile_dir), value);
}

/*
 * [collectors] synthetic_series = N: the test/benchmark collector's series. Bounded by the registry, which
 * the host's own series share; a build without the collector says so rather than ignore the key.
 */
static void set_synthetic_series(struct cfg_ctx *ctx, const char *key, const char *value)
{
	if (!amp_collector_compiled(AMP_COLLECTOR_SYNTHETIC)) {
		line_error(ctx, key,
			   "the synthetic collector (tests and benchmark only) is not compiled into this build "
			   "(Kconfig CONFIG_COLLECTOR_SYNTHETIC)");
		return;
	}
	set_count(ctx, key, &ctx->cfg->synthetic_series, value, 0, CONFIG_MAX_SERIES);
}

/* [filter] drop | keep = PATTERN, drop_label | keep_label = LABEL=~PATTERN; each key as often as needed, in order. */
static void add_filter_rule(struct cfg_ctx *ctx, const char *name, const char *value)
{
	char shown_key[AMP_CONFIG_SHOW_MAX + 4];
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	const char *key = show(shown_key, sizeof(shown_key), name, strlen(name));
	const char *why = NULL;
	int rc;

	if (value[0] == '\0') {
		line_error(ctx, key, "empty value");
		return;
	}
	rc = amp_filter_add(&ctx->cfg->filter, name, value, &why);
	if (rc == AMP_ERR_NOTFOUND)
		line_error(ctx, key, "unknown key (expected drop, keep, drop_label or keep_label)");
	else if (rc == AMP_ERR_FULL && ctx->cfg->filter.count >= CONFIG_FILTER_MAX_RULES)
		line_error(ctx, key, "too many rules (at most %d, CONFIG_FILTER_MAX_RULES)", CONFIG_FILTER_MAX_RULES);
	else if (rc != AMP_OK)
		line_error(ctx, key, "\"%s\": %s", show(shown, sizeof(shown), value, strlen(value)),
			   why != NULL ? why : amp_strerror(rc));
}

/* The statfs deadline is also the most one collection waits for mounts: past a minute it is a typo. */
#define AMP_CONFIG_MAX_MOUNT_TIMEOUT_MS 60000u

/*
 * [filesystem] *_exclude: "none", or globs ('*', '?') separated by spaces; mount point globs are
 * absolute paths (or start with '*').
 */
static void set_patterns(struct cfg_ctx *ctx, const char *key, char *dst, size_t cap, const char *value,
			 bool paths)
{
	if (strcmp(value, "none") != 0) {
		for (const char *p = value; *p;) {
			size_t n;

			while (*p == ' ' || *p == '\t')
				p++;
			n = strcspn(p, " \t");
			if (n == 0)
				break;
			if (paths && p[0] != '/' && p[0] != '*') {
				char shown[AMP_CONFIG_SHOW_MAX + 4];

				line_error(ctx, key, "\"%s\" is not an absolute path pattern",
					   show(shown, sizeof(shown), p, n));
				return;
			}
			p += n;
		}
	}
	copy_value(ctx, key, dst, cap, value);
}

/* The key whose *_file twin this is, or the reverse; KEY_COUNT when the key has no twin. */
static enum cfg_key twin_key(enum cfg_key k)
{
	switch (k) {
	case KEY_ACCESS_KEY: return KEY_ACCESS_KEY_FILE;
	case KEY_ACCESS_KEY_FILE: return KEY_ACCESS_KEY;
	case KEY_SECRET_KEY: return KEY_SECRET_KEY_FILE;
	case KEY_SECRET_KEY_FILE: return KEY_SECRET_KEY;
	case KEY_SESSION_TOKEN: return KEY_SESSION_TOKEN_FILE;
	case KEY_SESSION_TOKEN_FILE: return KEY_SESSION_TOKEN;
	case KEY_BEARER_TOKEN: return KEY_BEARER_TOKEN_FILE;
	case KEY_BEARER_TOKEN_FILE: return KEY_BEARER_TOKEN;
	case KEY_BASIC_PASSWORD: return KEY_BASIC_PASSWORD_FILE;
	case KEY_BASIC_PASSWORD_FILE: return KEY_BASIC_PASSWORD;
	default: return KEY_COUNT;
	}
}

static void set_key(struct cfg_ctx *ctx, enum cfg_key k, const char *value)
{
	struct amp_config *cfg = ctx->cfg;
	const char *key = key_table[k].name;
	char shown[AMP_CONFIG_SHOW_MAX + 4];

	switch (k) {
	case KEY_INTERVAL:
		set_duration(ctx, key, &cfg->interval_ms, value);
		break;
	case KEY_REMOTE_TIMEOUT:
		set_duration(ctx, key, &cfg->remote_timeout_ms, value);
		break;
	case KEY_MAX_SAMPLES_PER_SEND:
		set_count(ctx, key, &cfg->max_samples_per_send, value, 1, 1000000);
		break;
	case KEY_BATCH_SEND_DEADLINE:
		set_duration(ctx, key, &cfg->batch_send_deadline_ms, value);
		break;
	case KEY_MIN_BACKOFF:
		set_duration_in(ctx, key, &cfg->min_backoff_ms, value, 1, 3600000, "1ms to 1h");
		break;
	case KEY_MAX_BACKOFF:
		set_duration_in(ctx, key, &cfg->max_backoff_ms, value, 1, 86400000, "1ms to 24h");
		break;
	case KEY_RETRY_ON_HTTP_429:
		set_bool(ctx, key, &cfg->retry_on_http_429, value);
		break;
	case KEY_SAMPLE_AGE_LIMIT:
		ctx->age_limit_set = true;
		/* "0" (or 0s, 0m...) is Prometheus's "no limit" */
		if (value[0] == '0' && (value[1] == '\0' || strcmp(value + 1, "s") == 0 || strcmp(value + 1, "ms") == 0 ||
					strcmp(value + 1, "m") == 0 || strcmp(value + 1, "h") == 0))
			cfg->sample_age_limit_ms = 0;
		else
			set_duration_in(ctx, key, &cfg->sample_age_limit_ms, value, 1000, 30u * 86400000u, "1s to 30 days, or 0");
		break;
	case KEY_SHUTDOWN_TIMEOUT:
		set_duration(ctx, key, &cfg->shutdown_timeout_ms, value);
		break;
	case KEY_SPOOL_DIR:
		if (!amp_spool_compiled())
			line_error(ctx, key, "the spool is not compiled into this build (Kconfig CONFIG_SPOOL)");
		else
			set_path(ctx, key, cfg->spool_dir, sizeof(cfg->spool_dir), value);
		break;
	case KEY_SPOOL_MAX_BYTES:
		set_bytes(ctx, key, &cfg->spool_max_bytes, value, 256u * 1024u, (uint64_t)64 << 30);
		break;
	case KEY_SPOOL_INTERVAL:
		set_duration_in(ctx, key, &cfg->spool_interval_ms, value, 1000, 3600000, "1s to 1h");
		break;
	case KEY_INSTANCE:
		set_label_value(ctx, key, cfg->instance, sizeof(cfg->instance), value);
		break;
	case KEY_JOB:
		set_label_value(ctx, key, cfg->job, sizeof(cfg->job), value);
		break;
	case KEY_PROCFS:
		set_path(ctx, key, cfg->procfs, sizeof(cfg->procfs), value);
		break;
	case KEY_SYSFS:
		set_path(ctx, key, cfg->sysfs, sizeof(cfg->sysfs), value);
		break;
	case KEY_CA_FILE:
		set_path(ctx, key, cfg->ca_file, sizeof(cfg->ca_file), value);
		break;
	case KEY_LOG_LEVEL:
		if (amp_log_level_parse(value, &cfg->log_level) != AMP_OK)
			line_error(ctx, key, "\"%s\": expected error, warn, info or debug",
				   show(shown, sizeof(shown), value, strlen(value)));
		break;
	case KEY_LOG_TARGET:
		if (strcmp(value, "stderr") == 0)
			cfg->log_syslog = false;
		else if (strcmp(value, "syslog") == 0)
			cfg->log_syslog = true;
		else
			line_error(ctx, key, "\"%s\": expected stderr or syslog",
				   show(shown, sizeof(shown), value, strlen(value)));
		break;
	case KEY_URL: {
		const char *why = NULL;

		if (!copy_value(ctx, key, cfg->url_text, sizeof(cfg->url_text), value))
			break;
		/* The URL is not shown: a query string or user part may carry a token. */
		if (parse_url(value, &cfg->url, &why) != AMP_OK) {
			line_error(ctx, key, "bad URL: %s", why);
			cfg->url_text[0] = '\0';
		}
		break;
	}
	case KEY_REGION:
		set_aws_name(ctx, key, cfg->region, sizeof(cfg->region), value);
		break;
	case KEY_SERVICE:
		set_aws_name(ctx, key, cfg->service, sizeof(cfg->service), value);
		break;
	case KEY_ACCESS_KEY:
		set_credential(ctx, key, cfg->access_key, sizeof(cfg->access_key), value, CRED_ACCESS_KEY);
		break;
	case KEY_ACCESS_KEY_FILE:
		set_credential_file(ctx, key, cfg->access_key, sizeof(cfg->access_key), value, CRED_ACCESS_KEY);
		break;
	case KEY_SECRET_KEY:
		set_credential(ctx, key, cfg->secret_key, sizeof(cfg->secret_key), value, CRED_SECRET);
		break;
	case KEY_SECRET_KEY_FILE:
		set_credential_file(ctx, key, cfg->secret_key, sizeof(cfg->secret_key), value, CRED_SECRET);
		break;
	case KEY_SESSION_TOKEN:
		set_credential(ctx, key, cfg->session_token, sizeof(cfg->session_token), value, CRED_SECRET);
		break;
	case KEY_SESSION_TOKEN_FILE:
		set_credential_file(ctx, key, cfg->session_token, sizeof(cfg->session_token), value, CRED_SECRET);
		break;
	case KEY_BEARER_TOKEN:
		set_credential(ctx, key, cfg->bearer_token, sizeof(cfg->bearer_token), value, CRED_SECRET);
		break;
	case KEY_BEARER_TOKEN_FILE:
		set_watched_file(ctx, key, cfg->bearer_token_file, sizeof(cfg->bearer_token_file), cfg->bearer_token,
				 sizeof(cfg->bearer_token), value, CRED_SECRET);
		break;
	case KEY_BASIC_USERNAME:
		if (strchr(value, ':') != NULL)
			line_error(ctx, key, "a user name must not hold ':' (RFC 7617)");
		else
			set_label_value(ctx, key, cfg->basic_auth_username, sizeof(cfg->basic_auth_username), value);
		break;
	case KEY_BASIC_PASSWORD:
		set_credential(ctx, key, cfg->basic_auth_password, sizeof(cfg->basic_auth_password), value,
			       CRED_PASSWORD);
		break;
	case KEY_BASIC_PASSWORD_FILE:
		set_watched_file(ctx, key, cfg->basic_auth_password_file, sizeof(cfg->basic_auth_password_file),
				 cfg->basic_auth_password, sizeof(cfg->basic_auth_password), value, CRED_PASSWORD);
		break;
	case KEY_TLS_CLOCK_BOOTSTRAP:
		set_bool(ctx, key, &cfg->tls_clock_bootstrap, value);
		break;
	case KEY_PROXY_URL:
		/* "none" goes direct whatever the environment says; else an http:// proxy (CONNECT tunnels) */
		if (!copy_value(ctx, key, cfg->proxy_url, sizeof(cfg->proxy_url), value) || strcmp(value, "none") == 0)
			break;
		if (amp_config_parse_url(value, &cfg->proxy) != AMP_OK || cfg->proxy.tls ||
		    strcmp(cfg->proxy.path, "/") != 0)
			line_error(ctx, key, "expected none or http://HOST[:PORT] (an HTTP proxy that tunnels with CONNECT)");
		break;
	case KEY_CREDENTIALS:
		set_mode(ctx, key, &cfg->credentials, value);
		break;
	case KEY_REFRESH_MARGIN:
		set_duration(ctx, key, &cfg->refresh_margin_ms, value);
		break;
	case KEY_PROFILE:
		set_restricted(ctx, key, cfg->profile, sizeof(cfg->profile), value, "_.-+=,@",
			       "use letters, digits and _.-+=,@");
		break;
	case KEY_SHARED_CREDENTIALS_FILE:
		set_path(ctx, key, cfg->shared_credentials_file, sizeof(cfg->shared_credentials_file), value);
		break;
	case KEY_IMDS_ENDPOINT:
		set_endpoint(ctx, key, cfg->imds_endpoint, sizeof(cfg->imds_endpoint), value, false);
		break;
	case KEY_IMDS_V1_FALLBACK:
		set_bool(ctx, key, &cfg->imds_v1_fallback, value);
		break;
	case KEY_IOT_ENDPOINT:
		set_endpoint(ctx, key, cfg->iot_endpoint, sizeof(cfg->iot_endpoint), value, true);
		break;
	case KEY_IOT_ROLE_ALIAS:
		/* AWS: [\w=,@-]+, at most 128 characters */
		set_restricted(ctx, key, cfg->iot_role_alias, sizeof(cfg->iot_role_alias), value, "_=,@-",
			       "use letters, digits and _=,@-");
		break;
	case KEY_IOT_THING_NAME:
		/* AWS: [a-zA-Z0-9:_-]+, at most 128 characters */
		set_restricted(ctx, key, cfg->iot_thing_name, sizeof(cfg->iot_thing_name), value, ":_-",
			       "use letters, digits and :_-");
		break;
	case KEY_IOT_CERT_FILE:
		set_path(ctx, key, cfg->iot_cert_file, sizeof(cfg->iot_cert_file), value);
		break;
	case KEY_IOT_KEY_FILE:
		set_path(ctx, key, cfg->iot_key_file, sizeof(cfg->iot_key_file), value);
		break;
	case KEY_IOT_CA_FILE:
		set_path(ctx, key, cfg->iot_ca_file, sizeof(cfg->iot_ca_file), value);
		break;
	case KEY_TEXTFILE_DIRECTORY:
		set_textfile_directory(ctx, key, value);
		break;
	case KEY_FS_NETWORK:
		set_bool(ctx, key, &cfg->filesystem.network, value);
		break;
	case KEY_FS_KEEP_ROOT:
		set_bool(ctx, key, &cfg->filesystem.keep_root, value);
		break;
	case KEY_FS_ROOTFS:
		set_path(ctx, key, cfg->filesystem.rootfs, sizeof(cfg->filesystem.rootfs), value);
		break;
	case KEY_FS_MOUNT_TIMEOUT: {
		uint32_t ms = 0;

		set_duration(ctx, key, &ms, value);
		if (ms > AMP_CONFIG_MAX_MOUNT_TIMEOUT_MS)
			line_error(ctx, key, "at most 60s: a collection waits this long for a stuck mount");
		else if (ms > 0)
			cfg->filesystem.mount_timeout_ms = ms;
		break;
	}
	case KEY_FS_MOUNT_POINTS_EXCLUDE:
		set_patterns(ctx, key, cfg->filesystem.mount_points_exclude, sizeof(cfg->filesystem.mount_points_exclude),
			     value, true);
		break;
	case KEY_FS_TYPES_EXCLUDE:
		set_patterns(ctx, key, cfg->filesystem.fs_types_exclude, sizeof(cfg->filesystem.fs_types_exclude), value,
			     false);
		break;
	case KEY_SYNTHETIC_SERIES:
		set_synthetic_series(ctx, key, value);
		break;
	case KEY_COUNT:
		break;
	}
}

/* inih's handler: one key = value of a known section (the reader already dropped the rest). */
static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_ctx *ctx = user;
	char shown[AMP_CONFIG_SHOW_MAX + 4];
	enum cfg_key k = KEY_COUNT;
	enum cfg_key twin;

	/* The reader tracks the section itself: it also sees headers without keys, and unknown ones. */
	(void)section;
	if (ctx->section == SEC_NONE || ctx->section >= SEC_COUNT)
		return 1;
	if (has_control(name) || has_control(value)) {
		line_error(ctx, show_key(ctx, shown, sizeof(shown), name, strlen(name)), "control character");
		return 1;
	}
	if (ctx->section == SEC_LABELS) {
		add_label(ctx, name, value);
		return 1;
	}
	for (int i = 0; i < KEY_COUNT; i++) {
		if (key_table[i].section == ctx->section && strcmp(key_table[i].name, name) == 0) {
			k = (enum cfg_key)i;
			break;
		}
	}
	/* [collectors] keys name collectors, but for the few of key_table (synthetic_series) */
	if (ctx->section == SEC_COLLECTORS && k == KEY_COUNT) {
		set_collector(ctx, name, value);
		return 1;
	}
	if (ctx->section == SEC_FILTER) {
		add_filter_rule(ctx, name, value);
		return 1;
	}
	if (k == KEY_COUNT) {
		line_error(ctx, show_key(ctx, shown, sizeof(shown), name, strlen(name)), "unknown key");
		return 1;
	}
	if (ctx->key_line[k] != 0) {
		line_error(ctx, key_table[k].name, "duplicate key (first at line %u)", ctx->key_line[k]);
		return 1;
	}
	ctx->key_line[k] = ctx->line;
	twin = twin_key(k);
	if (twin != KEY_COUNT && ctx->key_line[twin] != 0) {
		line_error(ctx, key_table[k].name, "%s is also given (line %u): use one of them",
			   key_table[twin].name, ctx->key_line[twin]);
		return 1;
	}
	/* An empty session_token is the template's "none"; every other key needs a value. */
	if (value[0] == '\0') {
		if (k != KEY_SESSION_TOKEN)
			line_error(ctx, key_table[k].name, "empty value");
		return 1;
	}
	set_key(ctx, k, value);
	return 1;
}

/* The line of the first of the keys given, 0 when none is. */
static unsigned first_given(const struct cfg_ctx *ctx, const enum cfg_key *keys, unsigned n, enum cfg_key *which)
{
	for (unsigned i = 0; i < n; i++) {
		if (ctx->key_line[keys[i]] != 0) {
			if (which != NULL)
				*which = keys[i];
			return ctx->key_line[keys[i]];
		}
	}
	return 0;
}

/* Exactly one way to authenticate: SigV4, a bearer token or basic auth (or none). */
static void check_auth(struct cfg_ctx *ctx)
{
	static const enum cfg_key bearer[] = {KEY_BEARER_TOKEN, KEY_BEARER_TOKEN_FILE};
	static const enum cfg_key basic[] = {KEY_BASIC_USERNAME, KEY_BASIC_PASSWORD, KEY_BASIC_PASSWORD_FILE};
	enum cfg_key bk = KEY_COUNT, sk = KEY_COUNT;
	unsigned bearer_line = first_given(ctx, bearer, 2, &bk);
	unsigned basic_line = first_given(ctx, basic, 3, &sk);

	if (ctx->cfg->sigv4_enabled && bearer_line != 0)
		cfg_error(ctx, bearer_line, "remote_write", key_table[bk].name,
			  "[sigv4] is also given (line %u): use one of [sigv4], bearer_token and basic_auth",
			  ctx->section_line[SEC_SIGV4]);
	if (ctx->cfg->sigv4_enabled && basic_line != 0)
		cfg_error(ctx, basic_line, "remote_write", key_table[sk].name,
			  "[sigv4] is also given (line %u): use one of [sigv4], bearer_token and basic_auth",
			  ctx->section_line[SEC_SIGV4]);
	if (bearer_line != 0 && basic_line != 0)
		cfg_error(ctx, bearer_line > basic_line ? bearer_line : basic_line, "remote_write",
			  key_table[bearer_line > basic_line ? bk : sk].name,
			  "%s is also given (line %u): use one of [sigv4], bearer_token and basic_auth",
			  key_table[bearer_line > basic_line ? sk : bk].name, bearer_line > basic_line ? basic_line : bearer_line);
	if (basic_line != 0 && ctx->key_line[KEY_BASIC_USERNAME] == 0)
		cfg_error(ctx, ctx->section_line[SEC_REMOTE_WRITE], "remote_write", "basic_auth_username",
			  "missing (required with basic_auth_password)");
}

static bool aws_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || is_digit(*s) || *s == '-'))
			return false;
	}
	return true;
}

/* "aps-workspaces.<region>.amazonaws.com" (or .amazonaws.com.cn): the region, into out. */
static bool region_from_host(const char *host, char *out, size_t cap)
{
	static const char prefix[] = "aps-workspaces.";
	static const char *const suffixes[] = {".amazonaws.com", ".amazonaws.com.cn"};
	size_t n = strlen(host);

	if (strncmp(host, prefix, sizeof(prefix) - 1) != 0)
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sn = strlen(suffixes[i]);
		size_t rn;

		if (n <= sizeof(prefix) - 1 + sn || strcmp(host + n - sn, suffixes[i]) != 0)
			continue;
		rn = n - sn - (sizeof(prefix) - 1);
		if (rn >= cap)
			return false;
		memcpy(out, host + sizeof(prefix) - 1, rn);
		out[rn] = '\0';
		if (aws_name_ok(out))
			return true;
		out[0] = '\0';
	}
	return false;
}

/* Region: [sigv4] region, else AWS_REGION, else the one in an AMP workspace URL. */
static void check_region(struct cfg_ctx *ctx)
{
	struct amp_config *cfg = ctx->cfg;
	char env[64];
	int rc;

	if (ctx->key_line[KEY_REGION] != 0)
		return;
	rc = port_getenv("AWS_REGION", env, sizeof(env));
	if (rc == AMP_OK && env[0] != '\0') {
		if (aws_name_ok(env) && strlen(env) < sizeof(cfg->region)) {
			strcpy(cfg->region, env);
		} else {
			char shown[AMP_CONFIG_SHOW_MAX + 4];

			cfg_error(ctx, ctx->section_line[SEC_SIGV4], "sigv4", "region",
				  "AWS_REGION \"%s\": use lower-case letters, digits and '-'",
				  show(shown, sizeof(shown), env, strlen(env)));
		}
		return;
	}
	if (rc == AMP_ERR_FULL) {
		cfg_error(ctx, ctx->section_line[SEC_SIGV4], "sigv4", "region", "AWS_REGION is too long");
		return;
	}
	if (!region_from_host(cfg->url.host, cfg->region, sizeof(cfg->region)))
		cfg_error(ctx, ctx->section_line[SEC_SIGV4], "sigv4", "region",
			  "missing: set it, or AWS_REGION, or use an aps-workspaces.<region>.amazonaws.com URL");
}

/* Keys only one `credentials` mode reads: given with another mode, they are a mistake. */
static void check_mode_keys(struct cfg_ctx *ctx, const enum cfg_key *keys, unsigned n, enum amp_creds_mode owner)
{
	enum amp_creds_mode mode = ctx->cfg->credentials;

	if (mode == AMP_CREDS_AUTO || mode == owner)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (ctx->key_line[keys[i]] != 0)
			cfg_error(ctx, ctx->key_line[keys[i]], "sigv4", key_table[keys[i]].name,
				  "not used with credentials = %s", amp_creds_mode_name(mode));
	}
}

static void check_credentials(struct cfg_ctx *ctx)
{
	static const enum cfg_key static_keys[] = {KEY_ACCESS_KEY, KEY_ACCESS_KEY_FILE, KEY_SECRET_KEY,
						   KEY_SECRET_KEY_FILE, KEY_SESSION_TOKEN, KEY_SESSION_TOKEN_FILE};
	static const enum cfg_key file_keys[] = {KEY_PROFILE, KEY_SHARED_CREDENTIALS_FILE};
	static const enum cfg_key imds_keys[] = {KEY_IMDS_ENDPOINT, KEY_IMDS_V1_FALLBACK};
	static const enum cfg_key iot_keys[] = {KEY_IOT_ENDPOINT, KEY_IOT_ROLE_ALIAS, KEY_IOT_THING_NAME,
						KEY_IOT_CERT_FILE, KEY_IOT_KEY_FILE, KEY_IOT_CA_FILE};
	static const enum cfg_key iot_required[] = {KEY_IOT_ENDPOINT, KEY_IOT_ROLE_ALIAS, KEY_IOT_THING_NAME,
						    KEY_IOT_CERT_FILE, KEY_IOT_KEY_FILE};
	enum amp_creds_mode mode = ctx->cfg->credentials;
	unsigned at = ctx->section_line[SEC_SIGV4];
	bool has_id = ctx->key_line[KEY_ACCESS_KEY] != 0 || ctx->key_line[KEY_ACCESS_KEY_FILE] != 0;
	bool has_secret = ctx->key_line[KEY_SECRET_KEY] != 0 || ctx->key_line[KEY_SECRET_KEY_FILE] != 0;
	bool has_token = ctx->key_line[KEY_SESSION_TOKEN_FILE] != 0 || ctx->cfg->session_token[0] != '\0';

	check_mode_keys(ctx, static_keys, sizeof(static_keys) / sizeof(static_keys[0]), AMP_CREDS_STATIC);
	check_mode_keys(ctx, file_keys, sizeof(file_keys) / sizeof(file_keys[0]), AMP_CREDS_FILE);
	check_mode_keys(ctx, imds_keys, sizeof(imds_keys) / sizeof(imds_keys[0]), AMP_CREDS_IMDS);
	check_mode_keys(ctx, iot_keys, sizeof(iot_keys) / sizeof(iot_keys[0]), AMP_CREDS_IOT);
	if (mode == AMP_CREDS_STATIC || (mode == AMP_CREDS_AUTO && (has_id || has_secret || has_token))) {
		const char *why = mode == AMP_CREDS_STATIC ? "required with credentials = static" :
				  "static keys need both access_key and secret_key";

		if (!has_id)
			cfg_error(ctx, at, "sigv4", "access_key", "missing (%s; or access_key_file)", why);
		if (!has_secret)
			cfg_error(ctx, at, "sigv4", "secret_key", "missing (%s; or secret_key_file)", why);
	}
	if (mode == AMP_CREDS_IOT || (mode == AMP_CREDS_AUTO && first_given(ctx, iot_keys, 6, NULL) != 0)) {
		for (unsigned i = 0; i < sizeof(iot_required) / sizeof(iot_required[0]); i++) {
			if (ctx->key_line[iot_required[i]] == 0)
				cfg_error(ctx, at, "sigv4", key_table[iot_required[i]].name,
					  "missing (required for the AWS IoT credentials provider)");
		}
	}
}

/*
 * A file holding secrets must not be readable by others: loudly warned (not refused, so an agent whose
 * file was copied with the wrong mode still starts and buffers). Secrets in *_file keys are not in it.
 * Group read is fine when the group is the agent's own: the packaged layout is root:amp-agent 0640, so the
 * agent reads a file it cannot change. Its group may not write it, though: a compromised agent could then
 * rewrite its own configuration (another receiver, another proxy).
 */
static void check_file_mode(struct cfg_ctx *ctx)
{
	static const enum cfg_key inline_secrets[] = {KEY_SECRET_KEY, KEY_SESSION_TOKEN, KEY_BEARER_TOKEN,
						      KEY_BASIC_PASSWORD};
	struct port_file_info st;
	enum cfg_key which = KEY_COUNT;
	const char *who;
	const char *fix = "chmod 600 it";

	for (unsigned i = 0; i < sizeof(inline_secrets) / sizeof(inline_secrets[0]); i++) {
		enum cfg_key k = inline_secrets[i];

		/* an empty "session_token =" holds nothing */
		if (ctx->key_line[k] != 0 && (k != KEY_SESSION_TOKEN || ctx->cfg->session_token[0] != '\0')) {
			which = k;
			break;
		}
	}
	if (which == KEY_COUNT || port_file_stat(ctx->cfg->source, &st) != AMP_OK || (st.mode & 077) == 0)
		return;
	if ((st.mode & 007) != 0) {
		who = "readable by everyone";
	} else if (!port_in_group(st.gid)) {
		who = "readable by its group";
	} else if ((st.mode & 020) != 0) {
		who = "writable by the agent's group";
		fix = "chmod g-w it";
	} else {
		return;
	}
	AMP_LOG_W("config", "%s: holds %s but is %s (mode %04o): %s, or move the secret to a file with %s_file",
		  ctx->cfg->source, key_table[which].name, who, (unsigned)st.mode, fix, key_table[which].name);
}

/* Errors that only the whole file shows: required keys. Reported at the section's header when there is one. */
static void check_required(struct cfg_ctx *ctx)
{
	struct amp_config *cfg = ctx->cfg;

	if (ctx->key_line[KEY_URL] == 0)
		cfg_error(ctx, ctx->section_line[SEC_REMOTE_WRITE], "remote_write", "url", "missing (required)");
	if (cfg->instance[0] == '\0' && ctx->key_line[KEY_INSTANCE] == 0)
		cfg_error(ctx, ctx->section_line[SEC_AGENT], "agent", "instance",
			  "missing: the host name could not be read for the default");
	if (cfg->min_backoff_ms > cfg->max_backoff_ms)
		cfg_error(ctx, ctx->key_line[KEY_MIN_BACKOFF], "remote_write", "min_backoff", "greater than max_backoff");
	/* AMP answers 400 for a whole request holding samples older than it accepts: keep to its window */
	if (!ctx->age_limit_set && strncmp(cfg->url.host, "aps-workspaces.", 15) == 0)
		cfg->sample_age_limit_ms = AMP_CONFIG_AMP_AGE_LIMIT_MS;
	check_auth(ctx);
	if (cfg->sigv4_enabled) {
		check_region(ctx);
		check_credentials(ctx);
	}
}

/* Insertion sort: at most CONFIG_MAX_EXTRA_LABELS entries, and no qsort (it may allocate). */
static void sort_labels(struct amp_config *cfg)
{
	for (unsigned i = 1; i < cfg->label_count; i++) {
		struct amp_label_pair tmp = cfg->labels[i];
		unsigned j = i;

		while (j > 0 && strcmp(cfg->labels[j - 1].name, tmp.name) > 0) {
			cfg->labels[j] = cfg->labels[j - 1];
			j--;
		}
		cfg->labels[j] = tmp;
	}
}

void amp_config_defaults(struct amp_config *cfg)
{
	amp_config_wipe_secrets(cfg);
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = 15000;
	if (port_hostname(cfg->instance, sizeof(cfg->instance)) != AMP_OK)
		cfg->instance[0] = '\0';
	strcpy(cfg->job, "amp-agent");
	strcpy(cfg->procfs, "/proc");
	strcpy(cfg->sysfs, "/sys");
	cfg->log_level = AMP_LOG_INFO;
	cfg->log_syslog = false;
	strcpy(cfg->ca_file, "/etc/ssl/certs/ca-certificates.crt");
	cfg->remote_timeout_ms = 30000;
	cfg->max_samples_per_send = 2000;
	cfg->batch_send_deadline_ms = 15000;
	cfg->min_backoff_ms = 30;
	cfg->max_backoff_ms = 5000;
	cfg->retry_on_http_429 = true;
	cfg->sample_age_limit_ms = 0;
	cfg->shutdown_timeout_ms = 10000;
	cfg->spool_max_bytes = (uint64_t)64 << 20;
	cfg->spool_interval_ms = 60000;
	strcpy(cfg->service, "aps");
	amp_filter_init(&cfg->filter);
	cfg->filesystem.keep_root = true;
	strcpy(cfg->filesystem.rootfs, "/");
	cfg->filesystem.mount_timeout_ms = 2000;
	cfg->credentials = AMP_CREDS_AUTO;
	cfg->refresh_margin_ms = 5u * 60u * 1000u;
}

/*
 * Not reentrant: the file and secret-file buffers are static (64 KiB is too much for a gateway's stack).
 * Reports every problem up to AMP_CONFIG_MAX_ERRORS rather than stopping at the first.
 */
int amp_config_load(struct amp_config *cfg, const char *path)
{
	struct cfg_ctx ctx;
	size_t len = 0;
	int rc;

	amp_config_defaults(cfg);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	if (path == NULL || path[0] == '\0') {
		AMP_LOG_E("config", "no configuration file given");
		return AMP_ERR_CONFIG;
	}
	if (strlen(path) >= sizeof(cfg->source)) {
		AMP_LOG_E("config", "%.*s...: path longer than %zu bytes", 64, path, sizeof(cfg->source) - 1);
		return AMP_ERR_CONFIG;
	}
	strcpy(cfg->source, path);
	rc = port_read_file(path, config_text, sizeof(config_text), &len);
	if (rc == AMP_ERR_FULL) {
		AMP_LOG_E("config", "%s: cannot read: file larger than %zu bytes", path, sizeof(config_text) - 1);
		rc = AMP_ERR_CONFIG;
		goto cleanup;
	}
	if (rc != AMP_OK) {
		AMP_LOG_E("config", "%s: cannot read: %s", path, amp_strerror(rc));
		rc = rc == AMP_ERR_NOTFOUND ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
		goto cleanup;
	}
	ctx.text = config_text;
	ctx.len = len;
	rc = ini_parse_stream(cfg_reader, &ctx, cfg_handler, &ctx);
	/* The reader hands inih only lines it has checked; a syntax error of inih's own means we disagree. */
	if (rc != 0 && ctx.errors == 0)
		cfg_error(&ctx, rc > 0 ? (unsigned)rc : 0, NULL, NULL, "inih could not parse this line");
	cfg->sigv4_enabled = ctx.section_line[SEC_SIGV4] != 0;
	if (!ctx.stopped)
		check_required(&ctx);
	sort_labels(cfg);
	rc = ctx.errors > 0 ? AMP_ERR_CONFIG : AMP_OK;
	if (rc == AMP_OK)
		check_file_mode(&ctx);
cleanup:
	/* only what was read (and its NUL): wiping all of the buffer would make every page of it resident */
	amp_secret_wipe(config_text, len < sizeof(config_text) ? len + 1 : sizeof(config_text));
	amp_secret_wipe(&ctx, sizeof(ctx));
	if (rc != AMP_OK)
		amp_config_wipe_secrets(cfg);
	return rc;
}

int amp_config_parse_duration(const char *text, uint32_t *out_ms)
{
	uint64_t n = 0;
	uint64_t unit;
	const char *p = text;

	if (text == NULL || out_ms == NULL || !is_digit(*p))
		return AMP_ERR_INVALID;
	for (; is_digit(*p); p++) {
		n = n * 10u + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return AMP_ERR_INVALID;
	}
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (strcmp(p, "s") == 0)
		unit = 1000;
	else if (strcmp(p, "m") == 0)
		unit = 60u * 1000u;
	else if (strcmp(p, "h") == 0)
		unit = 3600u * 1000u;
	else
		return AMP_ERR_INVALID;
	if (n == 0 || n * unit > UINT32_MAX)
		return AMP_ERR_INVALID;
	*out_ms = (uint32_t)(n * unit);
	return AMP_OK;
}

/* Schemes are case-insensitive (RFC 3986 3.1). */
static bool prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		if (to_lower(*s) != *prefix)
			return false;
	}
	return true;
}

/* Dotted-quad IPv4 (each part 0-255, 1-3 digits). */
static bool ipv4_ok(const char *s, size_t n)
{
	unsigned parts = 0;
	size_t i = 0;

	while (parts < 4) {
		unsigned v = 0;
		size_t start = i;

		while (i < n && is_digit(s[i]) && i - start < 3)
			v = v * 10u + (unsigned)(s[i++] - '0');
		if (i == start || v > 255)
			return false;
		parts++;
		if (parts < 4) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == n;
}

/* RFC 3986 IPv6address: eight 16-bit groups, one "::" for a run of zeros, an IPv4 tail. No zone id. */
static bool ipv6_ok(const char *s, size_t n)
{
	unsigned groups = 0;
	bool gap = false;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
	} else if (n == 0 || s[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t start = i;

		while (i < n && is_hex(s[i]) && i - start < 5)
			i++;
		if (i < n && s[i] == '.') {
			if (!ipv4_ok(s + start, n - start))
				return false;
			groups += 2;
			break;
		}
		if (i == start || i - start > 4)
			return false;
		groups++;
		if (i == n)
			break;
		if (s[i] != ':' || i + 1 == n)
			return false;
		i++;
		if (s[i] == ':') {
			if (gap)
				return false;
			gap = true;
			i++;
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

static bool reg_name_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
			return false;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return false;
	}
	return true;
}

/* Characters a path or query may hold unencoded (RFC 3986), which also go into the request line as they are. */
static bool path_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|}#", c) == NULL;
}

/* amp_config_parse_url with the reason for a refusal, for config's own messages. */
static int parse_url(const char *text, struct amp_url *out, const char **why)
{
	const char *p;
	const char *host;
	size_t host_len;
	const char *end;
	unsigned long port = 0;
	bool has_port = false;

	*why = "";
	if (text == NULL || out == NULL) {
		*why = "no URL";
		return AMP_ERR_INVALID;
	}
	memset(out, 0, sizeof(*out));
	if (prefix_ci(text, "https://")) {
		out->tls = true;
		p = text + 8;
	} else if (prefix_ci(text, "http://")) {
		p = text + 7;
	} else {
		*why = "the scheme must be http:// or https://";
		return AMP_ERR_INVALID;
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL) {
		*why = "user information (user@) in URLs is not supported";
		return AMP_ERR_INVALID;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL) {
			*why = "IPv6 address without a closing ']'";
			return AMP_ERR_INVALID;
		}
		host = p + 1;
		host_len = (size_t)(close - host);
		if (!ipv6_ok(host, host_len)) {
			*why = "invalid IPv6 address";
			return AMP_ERR_INVALID;
		}
		p = close + 1;
		if (p != end && *p != ':') {
			*why = "unexpected text after the IPv6 address";
			return AMP_ERR_INVALID;
		}
	} else {
		host = p;
		host_len = strcspn(p, ":/?#");
		if (!reg_name_ok(host, host_len)) {
			*why = host_len == 0 ? "no host" : "invalid host name";
			return AMP_ERR_INVALID;
		}
		p = host + host_len;
	}
	if (host_len >= sizeof(out->host)) {
		*why = "host name too long";
		return AMP_ERR_INVALID;
	}
	for (size_t i = 0; i < host_len; i++)
		out->host[i] = to_lower(host[i]);
	out->host[host_len] = '\0';
	if (*p == ':') {
		const char *digits = ++p;

		while (p < end && is_digit(*p) && p - digits < 6)
			port = port * 10u + (unsigned long)(*p++ - '0');
		if (p != end || p == digits || port == 0 || port > 65535) {
			*why = "the port must be a number from 1 to 65535";
			return AMP_ERR_INVALID;
		}
		has_port = true;
	}
	if (!has_port)
		port = out->tls ? 443 : 80;
	out->port = (uint16_t)port;
	out->port_is_default = port == (out->tls ? 443u : 80u);
	for (const char *q = p; *q; q++) {
		if (*q == '#') {
			*why = "fragments (#) are not allowed";
			return AMP_ERR_INVALID;
		}
		if (!path_char_ok(*q)) {
			*why = "the path holds a character that must be percent-encoded";
			return AMP_ERR_INVALID;
		}
	}
	/* The request line needs "/" before a query, and "/" alone for an empty path. */
	if (*p != '/') {
		if (strlen(p) + 2 > sizeof(out->path)) {
			*why = "too long";
			return AMP_ERR_INVALID;
		}
		out->path[0] = '/';
		strcpy(out->path + 1, p);
	} else {
		if (strlen(p) + 1 > sizeof(out->path)) {
			*why = "too long";
			return AMP_ERR_INVALID;
		}
		strcpy(out->path, p);
	}
	return AMP_OK;
}

int amp_config_parse_url(const char *text, struct amp_url *out)
{
	const char *why;

	return parse_url(text, out, &why);
}

void amp_config_wipe_secrets(struct amp_config *cfg)
{
	amp_secret_wipe(cfg->secret_key, sizeof(cfg->secret_key));
	amp_secret_wipe(cfg->session_token, sizeof(cfg->session_token));
	amp_secret_wipe(cfg->bearer_token, sizeof(cfg->bearer_token));
	amp_secret_wipe(cfg->basic_auth_password, sizeof(cfg->basic_auth_password));
	amp_secret_wipe(secret_file_buf, sizeof(secret_file_buf));
}
