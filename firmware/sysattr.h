/* What the /sys and system collectors share: quiet attribute reads, sorted listings, value parsers, UTF-8 repair. */
#ifndef AMP_SYSATTR_H
#define AMP_SYSATTR_H

#include "collector.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A listing keeps at most this many names, in this many bytes (a documented cap, not Kconfig: /sys is small). */
#define AMP_SYSATTR_MAX_NAMES 512
#define AMP_SYSATTR_NAME_BYTES 8192

/* Longest path an attribute read builds: the configured root and the attribute's place under it. */
#define AMP_SYSATTR_PATH_MAX (CONFIG_MAX_PATH_LEN + 256)

/* How a read value is trimmed: procfs' TrimSpace (most attributes) or only newlines (hwmon, like node_exporter). */
enum amp_sysattr_trim {
	AMP_SYSATTR_TRIM_SPACE,
	AMP_SYSATTR_TRIM_NEWLINES,
};

/*
 * Reads the attribute "<root>/<dir>/<name>" (dir may be NULL) into buf and trims it; *value points into
 * buf. Logs nothing: attributes answer EINVAL (link down), EAGAIN (busy sensor) or EACCES (root-only
 * cpuinfo_cur_freq) in normal operation, so the caller decides. A NUL byte ends the value.
 * Returns 0, AMP_ERR_NOTFOUND, AMP_ERR_IO (exists but does not answer now) or AMP_ERR_FULL (path or
 * value too long for buf).
 */
int amp_sysattr_read(const char *root, const char *dir, const char *name, enum amp_sysattr_trim trim, char *buf,
		     size_t cap, char **value) AMP_MUST_CHECK;

/* Joins "<root>/<dir>/<name>" (dir and name may be NULL). Returns 0 or AMP_ERR_FULL. */
int amp_sysattr_path(char *out, size_t cap, const char *root, const char *dir, const char *name) AMP_MUST_CHECK;

/* The names a listing kept, sorted by byte order (as Go's ReadDir and Glob give them to node_exporter). */
struct amp_sysattr_names {
	unsigned count;
	bool truncated;        /* more entries than AMP_SYSATTR_MAX_NAMES or AMP_SYSATTR_NAME_BYTES */
	uint16_t off[AMP_SYSATTR_MAX_NAMES];
	char text[AMP_SYSATTR_NAME_BYTES];
};

static inline const char *amp_sysattr_name(const struct amp_sysattr_names *n, unsigned i)
{
	return n->text + n->off[i];
}

/* Decides whether a listing keeps an entry; `is_dir` is 1 for a directory or a link to one. */
typedef bool (*amp_sysattr_keep_fn)(const char *name, int is_dir);

/*
 * Lists "<root>/<dir>", keeping the entries `keep` accepts, sorted. The listing lives in one static
 * table shared by every caller (collectors run one after another): the next call replaces it, so a
 * caller walking it must not list again (port_dir_list itself is not reentrant either).
 * Returns 0 (see ->truncated), AMP_ERR_NOTFOUND, AMP_ERR_FULL (path too long) or AMP_ERR_IO.
 */
int amp_sysattr_list(const char *root, const char *dir, amp_sysattr_keep_fn keep,
		     const struct amp_sysattr_names **out) AMP_MUST_CHECK;

/*
 * amp_sysattr_list for a collector: a missing directory is an empty listing (this kernel has none of
 * it), another failure is logged as a warning naming the path and returned; a listing cut short at
 * AMP_SYSATTR_MAX_NAMES is logged once. Returns 0 or the failure.
 */
int amp_sysattr_scan(const struct amp_collect_ctx *ctx, const char *module, const char *dir, amp_sysattr_keep_fn keep,
		     const struct amp_sysattr_names **out) AMP_MUST_CHECK;

/* True if `name` is `prefix` and then a digit: the glob "<prefix>[0-9]*" node_exporter's sysfs reader uses. */
bool amp_sysattr_numbered(const char *name, const char *prefix);

/* Whole-string integer parsers (after trimming): Go's strconv.ParseInt(s, 10, 64) and ParseUint(s, 10, 64). */
bool amp_sysattr_i64(const char *s, int64_t *out);
bool amp_sysattr_u64(const char *s, uint64_t *out);
/* Go's ParseInt(s, 0, 64) as procfs reads /sys/class/net and power_supply: "0x" hex, "0o"/"0" octal, "0b" binary. */
bool amp_sysattr_int_any_base(const char *s, int64_t *out);
/* An integer or a "digits[.digits]" decimal, with an optional '-' (Go's ParseFloat on what /sys prints). */
bool amp_sysattr_number(const char *s, double *out);

/* Length of the valid UTF-8 character at s (1 to 4), or 0 when s does not start one (or is at its end). */
size_t amp_sysattr_utf8_char(const char *s);

/*
 * Copies `in` to out (cap bytes), replacing each run of bytes that is not valid UTF-8 with U+FFFD, as
 * Go's strings.ToValidUTF8 does (label values must be UTF-8). Cuts at a character boundary when out is
 * too small. Returns out.
 */
const char *amp_sysattr_utf8(const char *in, char *out, size_t cap);

/*
 * Splits ctx's read buffer into `n` equal slots and returns slot `i` (its size in *cap): room for the
 * several values one series needs at once, without more static memory.
 */
char *amp_sysattr_slot(const struct amp_collect_ctx *ctx, unsigned i, unsigned n, size_t *cap);

/*
 * Reads the text attribute "<sysfs>/<dir>/<name>" into slot i of n of ctx's buffer (amp_sysattr_slot)
 * and returns it trimmed and made valid UTF-8; it stays valid until that slot is used again. Returns
 * NULL when the attribute cannot be read (missing, EINVAL, too long for half a slot).
 */
const char *amp_sysattr_text(const struct amp_collect_ctx *ctx, const char *dir, const char *name,
			     enum amp_sysattr_trim trim, unsigned i, unsigned n);

/* Reads a collector's integer attributes; `bad` is set once a malformed value was reported. */
struct amp_sysattr_reader {
	struct amp_collect_ctx *ctx;
	const char *module;
	uint64_t *last_warn_ms;  /* the collector's static, for the rate-limited report */
	bool bad;
};

/*
 * Reads the integer attribute "<sysfs>/<dir>/<name>" (decimal, or any Go base prefix with `any_base`)
 * into *out. Returns false quietly (debug log) when it is missing or does not answer (EINVAL while a
 * link is down, EAGAIN from a busy sensor), and false with a rate-limited warning when it is malformed.
 * Uses a small buffer of its own: ctx's read buffer is left alone.
 */
bool amp_sysattr_int(struct amp_sysattr_reader *r, const char *dir, const char *name, bool any_base, int64_t *out);

/*
 * Reports a malformed value of "<root>/<dir>/<name>" through the shared rate-limited bad-line report
 * (one warning per collector per 10 minutes: `last_warn_ms` is the collector's static).
 */
void amp_sysattr_bad(const struct amp_collect_ctx *ctx, const char *module, const char *root, const char *dir,
		     const char *name, uint64_t *last_warn_ms, const char *why);

#endif
