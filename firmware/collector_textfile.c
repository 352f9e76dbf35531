/* textfile: *.prom files in [textfile] directory, Prometheus text format 0.0.4, validated and merged (node_exporter's textfile). */
#include "collector.h"
#include "collector_internal.h"
#include "expo.h"
#include "filter.h"
#include "log.h"
#include "match.h"
#include "port.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Source: the text exposition format 0.0.4 as Prometheus's expfmt parser reads it (node_exporter 1.5 parses
 * each file with it). Differences, all stricter, are in README.md "Compatibility with node_exporter".
 */

#define MOD "textfile"

/* *.prom files read per collection, in name order (Kconfig); more are reported and left out. */
#ifndef CONFIG_TEXTFILE_MAX_FILES
#define CONFIG_TEXTFILE_MAX_FILES 16
#endif
/* Samples of all files of one collection: the size of the duplicate-series table (Kconfig). */
#ifndef CONFIG_TEXTFILE_MAX_SAMPLES
#define CONFIG_TEXTFILE_MAX_SAMPLES 1024
#endif
#if CONFIG_TEXTFILE_MAX_FILES < 1 || CONFIG_TEXTFILE_MAX_FILES > 255
#error "CONFIG_TEXTFILE_MAX_FILES must be 1..255 (file numbers are 8 bits in the duplicate table)"
#endif
#if CONFIG_TEXTFILE_MAX_SAMPLES < 1 || CONFIG_TEXTFILE_MAX_SAMPLES > 1000000
#error "CONFIG_TEXTFILE_MAX_SAMPLES must be 1..1000000"
#endif

/* Longest file name in the directory, in bytes (NAME_MAX is 255; longer names are reported, not read). */
#define TF_NAME_MAX 128
/* Bytes of one sample's label names and unescaped values, NUL-terminated. */
#define TF_LABEL_TEXT 1024
/* Longest sample value or le/quantile label value read as a number. */
#define TF_NUMBER_MAX 64
/* Room for one error text. */
#define TF_WHY_MAX 192

enum tf_type {
	TF_UNTYPED,
	TF_COUNTER,
	TF_GAUGE,
	TF_SUMMARY,
	TF_HISTOGRAM,
};

static const char *const type_names[] = {"untyped", "counter", "gauge", "summary", "histogram"};

/* Which series of its family a sample is: summaries and histograms are several series each. */
enum tf_comp {
	COMP_BASE,   /* the family's name: untyped/counter/gauge value, summary quantile */
	COMP_SUM,
	COMP_COUNT,
	COMP_BUCKET,
	COMP_COUNT_OF,
};

static const char *const comp_suffix[COMP_COUNT_OF] = {"", "_sum", "_count", "_bucket"};

/* A family of the file being read; names and HELP point into ctx->buf, which holds the file for both passes. */
struct tf_family {
	const char *name;
	size_t name_len;
	const char *help;  /* escaped, as in the file; NULL: no HELP line */
	size_t help_len;
	enum tf_type type;
	bool type_given;
	unsigned samples;
	uint8_t comps_used; /* bit (1 << tf_comp) */
	const struct amp_family *copy[COMP_COUNT_OF]; /* pass 2: the registry's family of each series name */
	uint8_t name_dropped;                         /* pass 2: bit (1 << tf_comp) the filter drops by name */
};

/* A series name some file already brought in this collection: later files must agree on TYPE and HELP. */
struct tf_seen {
	const struct amp_family *copy;
	enum tf_type type;
	bool help_given;
	uint64_t help_hash;
	uint8_t file;
};

struct tf_sample {
	const char *name;
	size_t name_len;
	struct amp_label labels[CONFIG_MAX_SERIES_LABELS];
	unsigned label_count;
	char text[TF_LABEL_TEXT];
	size_t text_used;
	double value;
};

struct tf_file {
	char name[TF_NAME_MAX];
	bool is_dir;
};

/* Rate limit of the warnings about one file (or the directory): keyed by a hash of its path. */
struct tf_warned {
	uint64_t key;
	uint64_t last_ms;
};

/* Duplicate-series table: open addressing, twice the samples it may hold; 0 = empty, 1 = removed. */
#define DUP_SLOTS (2u * CONFIG_TEXTFILE_MAX_SAMPLES)
#define DUP_EMPTY 0u
#define DUP_REMOVED 1u

/* Everything one collection needs, static: no heap, and too large for a gateway's stack. */
static struct {
	struct amp_collect_ctx *ctx;
	char dir[CONFIG_MAX_PATH_LEN];
	char path[CONFIG_MAX_PATH_LEN];         /* the file being read */
	struct tf_file files[CONFIG_TEXTFILE_MAX_FILES];
	unsigned file_count;
	unsigned files_over;                    /* *.prom files left out: more than CONFIG_TEXTFILE_MAX_FILES */
	unsigned file_no;                       /* index of the file being read */
	bool listing_error;
	struct tf_family fams[CONFIG_TEXTFILE_MAX_FAMILIES];
	unsigned fam_count;
	struct tf_seen seen[CONFIG_TEXTFILE_MAX_FAMILIES];
	unsigned seen_count;
	uint64_t dup_hash[DUP_SLOTS];
	uint32_t dup_where[DUP_SLOTS];          /* file number << 24 | line */
	unsigned dup_used;
	struct tf_sample sample;
	char why[TF_WHY_MAX];
	char help[CONFIG_TEXTFILE_MAX_HELP_LEN + CONFIG_MAX_PATH_LEN + 24]; /* the registry cuts it to its slot */
	char cname[CONFIG_TEXTFILE_MAX_NAME_LEN];
	struct tf_warned warned[CONFIG_TEXTFILE_MAX_FILES + 1];
} tf;

static const struct amp_family fam_mtime = {"node_textfile_mtime_seconds",
	"Unixtime mtime of textfiles successfully read.", AMP_METRIC_GAUGE};
static const struct amp_family fam_error = {"node_textfile_scrape_error",
	"1 if there was an error opening or reading a file, 0 otherwise", AMP_METRIC_GAUGE};

/* ---- small helpers ---- */

static uint64_t fnv64(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* splitmix64's finalizer: spreads FNV's weak high bits, so that sums of hashes stay well distributed. */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

#define FNV64_OFFSET 14695981039346656037ull

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static const char *why_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tf.why, sizeof(tf.why), fmt, ap);
	va_end(ap);
	return tf.why;
}

/*
 * Reports a problem with `path` (a file, or the directory): a warning unless the same path warned less than
 * AMP_BAD_LINE_WARN_INTERVAL_MS ago, then debug, so that a broken file cannot flood the log every interval.
 */
static void report(const char *path, unsigned lineno, const char *why, const char *tail)
{
	uint64_t key = fnv64(FNV64_OFFSET, path, strlen(path));
	uint64_t now = tf.ctx->now_ms;
	struct tf_warned *w = &tf.warned[0];
	char where[24] = "";
	bool warn;

	for (unsigned i = 0; i < sizeof(tf.warned) / sizeof(tf.warned[0]); i++) {
		if (tf.warned[i].key == key) {
			w = &tf.warned[i];
			break;
		}
		if (tf.warned[i].last_ms < w->last_ms)
			w = &tf.warned[i]; /* the least recently warned, to reuse */
	}
	warn = w->key != key || w->last_ms == 0 || now - w->last_ms >= AMP_BAD_LINE_WARN_INTERVAL_MS;
	if (lineno > 0)
		snprintf(where, sizeof(where), "line %u: ", lineno);
	if (warn) {
		w->key = key;
		w->last_ms = now != 0 ? now : 1;
		AMP_LOG_W(MOD, "%s: %s%s%s (further reports for 10 min at debug)", path, where, why, tail);
	} else {
		AMP_LOG_D(MOD, "%s: %s%s%s", path, where, why, tail);
	}
}

static bool is_name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool is_name_char(char c, bool colon)
{
	return is_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Reads a metric (colon) or label name at p; returns its end, p itself when there is none. */
static const char *scan_name(const char *p, const char *end, bool colon)
{
	const char *q = p;

	if (q < end && is_name_start(*q, colon)) {
		q++;
		while (q < end && is_name_char(*q, colon))
			q++;
	}
	return q;
}

static bool utf8_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t w = amp_match_utf8_decode(s + i, n - i, &cp);

		if (cp == 0xFFFD && w == 1)
			return false;
		i += w;
	}
	return true;
}

static bool ci_equal(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n && b[i] != '\0'; i++) {
		char c = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];

		if (c != b[i])
			return false;
	}
	return i == n && b[i] == '\0';
}

/*
 * Parses a number as Go's strconv.ParseFloat does for the text format, minus hexadecimal and '_' forms:
 * [+-]digits[.digits][e[+-]digits], [+-]Inf, [+-]Infinity, NaN (case-insensitive). The syntax is checked
 * here; strtod then only converts (correctly rounded, in the C locale the agent never leaves).
 */
static bool parse_number(const char *p, size_t n, double *out)
{
	char tmp[TF_NUMBER_MAX + 1];
	size_t i = 0, digits = 0;
	const char *body = p;
	size_t bn = n;
	char *endp;

	if (n == 0 || n > TF_NUMBER_MAX)
		return false;
	if (*body == '+' || *body == '-') {
		body++;
		bn--;
	}
	if (ci_equal(body, bn, "inf") || ci_equal(body, bn, "infinity")) {
		*out = p[0] == '-' ? -INFINITY : INFINITY;
		return true;
	}
	if (ci_equal(p, n, "nan")) {
		*out = NAN;
		return true;
	}
	i = (size_t)(body - p);
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		i++;
		digits++;
	}
	if (i < n && p[i] == '.') {
		i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		size_t exp_digits = 0;

		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			exp_digits++;
		}
		if (exp_digits == 0)
			return false;
	}
	if (i != n)
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*out = strtod(tmp, &endp);
	/* Go's ParseFloat refuses what overflows to infinity (expfmt then fails the file); underflow is fine. */
	return endp == tmp + n && !isinf(*out);
}

/*
 * Formats v as Go's strconv.FormatFloat(v, 'g', -1, 64) after expfmt's special cases: node_exporter
 * re-writes le and quantile label values so, and dashboards select buckets by these exact strings
 * (le="0.10" in a file is le="0.1" on the wire).
 */
static void format_go_float(double v, char *buf, size_t cap)
{
	char e[48];
	char digits[24];
	size_t nd = 0;
	int x, prec;
	const char *p;
	size_t o = 0;

	if (isnan(v) || isinf(v)) {
		amp_expo_format_value(v, buf, cap); /* NaN, +Inf, -Inf: the same words everywhere */
		return;
	}
	if (v == 0) {
		snprintf(buf, cap, "0");
		return;
	}
	/* The shortest digit string that reads back as v: what Go's shortest formatting finds. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	p = e;
	if (*p == '-')
		p++;
	for (; *p != 'e' && *p != '\0'; p++) {
		if (*p != '.' && nd < sizeof(digits) - 1)
			digits[nd++] = *p;
	}
	digits[nd] = '\0';
	x = atoi(p + 1);
	if (v < 0 && o + 1 < cap)
		buf[o++] = '-';
	/* Go's 'g' with the shortest digits writes an exponent for values below 1e-4 and from 1e6 on ("eprec" 6). */
	if (x < -4 || x >= 6) {
		snprintf(buf + o, cap - o, "%c%s%se%c%02d", digits[0], nd > 1 ? "." : "", digits + 1, x < 0 ? '-' : '+',
			 x < 0 ? -x : x);
		return;
	}
	if (x >= 0) {
		for (int i = 0; i <= x && o + 1 < cap; i++)
			buf[o++] = (size_t)i < nd ? digits[i] : '0';
		if (nd > (size_t)x + 1 && o + 1 < cap) {
			buf[o++] = '.';
			for (size_t i = (size_t)x + 1; i < nd && o + 1 < cap; i++)
				buf[o++] = digits[i];
		}
	} else {
		if (o + 2 < cap) {
			buf[o++] = '0';
			buf[o++] = '.';
		}
		for (int i = 0; i < -x - 1 && o + 1 < cap; i++)
			buf[o++] = '0';
		for (size_t i = 0; i < nd && o + 1 < cap; i++)
			buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* ---- one sample line ---- */

/*
 * Unescapes a label value (\\, \", \n) from p up to its closing quote into the sample's text. Returns the
 * position after the quote, or NULL with *why set.
 */
static const char *read_label_value(const char *p, const char *end, struct tf_sample *s, const char **why)
{
	for (; p < end; p++) {
		char c = *p;

		if (c == '"') {
			/* the loop below leaves room for this NUL */
			s->text[s->text_used++] = '\0';
			return p + 1;
		}
		if (c == '\\') {
			if (++p >= end) {
				*why = "unterminated label value";
				return NULL;
			}
			if (*p == 'n') {
				c = '\n';
			} else if (*p == '\\' || *p == '"') {
				c = *p;
			} else {
				*why = why_fmt("invalid escape sequence '\\%c' in a label value",
					       *p > 0x20 && *p < 0x7f ? *p : '?');
				return NULL;
			}
		}
		if (s->text_used + 1 >= sizeof(s->text)) {
			*why = why_fmt("labels longer than %d bytes", TF_LABEL_TEXT - 1);
			return NULL;
		}
		s->text[s->text_used++] = c;
	}
	*why = "unterminated label value";
	return NULL;
}

/* name{label="value",...} value [timestamp]: the whole line, which starts at p (blanks skipped). */
static int parse_sample(const char *p, const char *end, struct tf_sample *s, const char **why)
{
	const char *q;
	const char *v;
	bool braces;

	s->label_count = 0;
	s->text_used = 0;
	s->name = p;
	q = scan_name(p, end, true);
	s->name_len = (size_t)(q - p);
	if (s->name_len == 0) {
		*why = "invalid metric name";
		return AMP_ERR_INVALID;
	}
	p = amp_parse_skip_blanks(q, end);
	braces = p < end && *p == '{';
	if (braces) {
		p = amp_parse_skip_blanks(p + 1, end);
		while (p < end && *p != '}') {
			struct amp_label *l;
			const char *ln = p;
			size_t lnl;

			q = scan_name(p, end, false);
			lnl = (size_t)(q - ln);
			if (lnl == 0) {
				*why = "invalid label name";
				return AMP_ERR_INVALID;
			}
			if (lnl >= 2 && ln[0] == '_' && ln[1] == '_') {
				*why = why_fmt("label name \"%.*s\" is reserved (starts with __)", (int)(lnl > 64 ? 64 : lnl),
					       ln);
				return AMP_ERR_INVALID;
			}
			if (s->label_count >= CONFIG_MAX_SERIES_LABELS) {
				*why = why_fmt("more than %d labels (CONFIG_MAX_SERIES_LABELS)", CONFIG_MAX_SERIES_LABELS);
				return AMP_ERR_INVALID;
			}
			if (s->text_used + lnl + 1 >= sizeof(s->text)) {
				*why = why_fmt("labels longer than %d bytes", TF_LABEL_TEXT - 1);
				return AMP_ERR_INVALID;
			}
			l = &s->labels[s->label_count];
			l->name = s->text + s->text_used;
			memcpy(s->text + s->text_used, ln, lnl);
			s->text_used += lnl;
			s->text[s->text_used++] = '\0';
			for (unsigned i = 0; i < s->label_count; i++) {
				if (strcmp(s->labels[i].name, l->name) == 0) {
					*why = why_fmt("duplicate label name \"%.64s\"", l->name);
					return AMP_ERR_INVALID;
				}
			}
			p = amp_parse_skip_blanks(q, end);
			if (p >= end || *p != '=') {
				*why = "expected '=' after a label name";
				return AMP_ERR_INVALID;
			}
			p = amp_parse_skip_blanks(p + 1, end);
			if (p >= end || *p != '"') {
				*why = "expected '\"' to start a label value";
				return AMP_ERR_INVALID;
			}
			l->value = s->text + s->text_used;
			p = read_label_value(p + 1, end, s, why);
			if (p == NULL)
				return AMP_ERR_INVALID;
			if (!utf8_valid(l->value, strlen(l->value))) {
				*why = why_fmt("label %.64s: value is not valid UTF-8", l->name);
				return AMP_ERR_INVALID;
			}
			s->label_count++;
			p = amp_parse_skip_blanks(p, end);
			if (p < end && *p == ',') {
				p = amp_parse_skip_blanks(p + 1, end);
				continue;
			}
			if (p >= end || *p != '}') {
				*why = "expected ',' or '}' after a label value";
				return AMP_ERR_INVALID;
			}
		}
		if (p >= end) {
			*why = "expected '}'";
			return AMP_ERR_INVALID;
		}
		q = p + 1;
		p = amp_parse_skip_blanks(q, end);
	} else if (p == q && p < end) {
		*why = "invalid metric name";
		return AMP_ERR_INVALID;
	}
	if (p >= end) {
		*why = "no value";
		return AMP_ERR_INVALID;
	}
	/* After '}' the value may follow at once (expfmt allows it); after a bare name a blank must separate them. */
	if (p == q && !braces) {
		*why = "expected a blank before the value";
		return AMP_ERR_INVALID;
	}
	v = p;
	while (p < end && !amp_parse_is_blank(*p))
		p++;
	if (!parse_number(v, (size_t)(p - v), &s->value)) {
		*why = why_fmt("invalid value \"%.*s\"", (int)(p - v > 32 ? 32 : p - v), v);
		return AMP_ERR_INVALID;
	}
	if (p < end) {
		const char *t = amp_parse_skip_blanks(p, end);
		int64_t ts;

		if (t >= end) {
			*why = "blanks after the value";
			return AMP_ERR_INVALID;
		}
		if (amp_parse_i64(t, end, &ts) != NULL) {
			*why = "sample has a timestamp: client-side timestamps are not supported (node_exporter refuses "
			       "such files too)";
			return AMP_ERR_INVALID;
		}
		*why = "unexpected text after the value";
		return AMP_ERR_INVALID;
	}
	return AMP_OK;
}

/* ---- the file's families ---- */

static struct tf_family *find_family(const char *name, size_t len)
{
	for (unsigned i = 0; i < tf.fam_count; i++) {
		if (tf.fams[i].name_len == len && memcmp(tf.fams[i].name, name, len) == 0)
			return &tf.fams[i];
	}
	return NULL;
}

static bool has_suffix(const char *name, size_t len, const char *suffix, size_t *base_len)
{
	size_t sl = strlen(suffix);

	if (len <= sl || memcmp(name + len - sl, suffix, sl) != 0)
		return false;
	*base_len = len - sl;
	return true;
}

/* The family and series kind of a sample name, as expfmt resolves it: the name itself first, then a summary's or histogram's. */
static struct tf_family *resolve(const char *name, size_t len, enum tf_comp *comp)
{
	struct tf_family *f = find_family(name, len);
	size_t bl;

	*comp = COMP_BASE;
	if (f != NULL)
		return f;
	for (int c = COMP_SUM; c < COMP_COUNT_OF; c++) {
		if (!has_suffix(name, len, comp_suffix[c], &bl))
			continue;
		f = find_family(name, bl);
		if (f != NULL && (f->type == TF_HISTOGRAM || (f->type == TF_SUMMARY && c != COMP_BUCKET))) {
			*comp = (enum tf_comp)c;
			return f;
		}
	}
	return NULL;
}

/* True if family f's series `comp` is named name[0..len). */
static bool comp_named(const struct tf_family *f, enum tf_comp comp, const char *name, size_t len)
{
	size_t sl = strlen(comp_suffix[comp]);

	return f->name_len + sl == len && memcmp(f->name, name, f->name_len) == 0 &&
	       memcmp(name + f->name_len, comp_suffix[comp], sl) == 0;
}

static struct tf_family *new_family(const char *name, size_t len, const char **why)
{
	struct tf_family *f;

	if (tf.fam_count >= CONFIG_TEXTFILE_MAX_FAMILIES) {
		*why = why_fmt("more than %d metric families (CONFIG_TEXTFILE_MAX_FAMILIES)", CONFIG_TEXTFILE_MAX_FAMILIES);
		return NULL;
	}
	f = &tf.fams[tf.fam_count++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->name_len = len;
	return f;
}

/*
 * The family a HELP or TYPE line names. A name already read as a summary's or histogram's series is refused:
 * declaring it now would make the same name mean two things in one file.
 */
static struct tf_family *declared_family(const char *name, size_t len, const char **why)
{
	struct tf_family *f = find_family(name, len);

	if (f != NULL)
		return f;
	for (unsigned i = 0; i < tf.fam_count; i++) {
		for (int c = COMP_SUM; c < COMP_COUNT_OF; c++) {
			if ((tf.fams[i].comps_used & (1u << c)) != 0 && comp_named(&tf.fams[i], (enum tf_comp)c, name, len)) {
				*why = why_fmt("HELP or TYPE for %.*s after its samples were read as part of %s %.*s",
					       (int)(len > 64 ? 64 : len), name, type_names[tf.fams[i].type],
					       (int)(tf.fams[i].name_len > 64 ? 64 : tf.fams[i].name_len), tf.fams[i].name);
				return NULL;
			}
		}
	}
	return new_family(name, len, why);
}

/* Checks the escapes of a HELP text (\\ and \n only, as expfmt). */
static bool help_escapes_ok(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\\') {
			if (p + 1 >= end || (p[1] != '\\' && p[1] != 'n'))
				return false;
			p++;
		}
	}
	return true;
}

/* "# HELP name text", "# TYPE name type"; any other comment is ignored. */
static int parse_comment(const char *p, const char *end, const char **why)
{
	const char *tok, *name, *q;
	size_t tl, nl;
	bool help;
	struct tf_family *f;

	p = amp_parse_skip_blanks(p + 1, end);
	tok = p;
	while (p < end && !amp_parse_is_blank(*p))
		p++;
	tl = (size_t)(p - tok);
	if (tl == 4 && memcmp(tok, "HELP", 4) == 0)
		help = true;
	else if (tl == 4 && memcmp(tok, "TYPE", 4) == 0)
		help = false;
	else
		return AMP_OK;
	p = amp_parse_skip_blanks(p, end);
	if (p >= end)
		return AMP_OK; /* "# HELP" alone is a plain comment, as for expfmt */
	name = p;
	q = scan_name(p, end, true);
	nl = (size_t)(q - name);
	if (nl == 0 || (q < end && !amp_parse_is_blank(*q))) {
		*why = help ? "invalid metric name in a HELP line" : "invalid metric name in a TYPE line";
		return AMP_ERR_INVALID;
	}
	p = amp_parse_skip_blanks(q, end);
	if (help) {
		if (!help_escapes_ok(p, end)) {
			*why = "invalid escape sequence in a HELP text (only \\\\ and \\n)";
			return AMP_ERR_INVALID;
		}
		f = declared_family(name, nl, why);
		if (f == NULL)
			return AMP_ERR_INVALID;
		if (f->help != NULL) {
			*why = why_fmt("second HELP line for %.*s", (int)(nl > 64 ? 64 : nl), name);
			return AMP_ERR_INVALID;
		}
		f->help = p;
		f->help_len = (size_t)(end - p);
		return AMP_OK;
	}
	for (int t = TF_UNTYPED; t <= TF_HISTOGRAM; t++) {
		if ((size_t)(end - p) == strlen(type_names[t]) && memcmp(p, type_names[t], (size_t)(end - p)) == 0) {
			f = declared_family(name, nl, why);
			if (f == NULL)
				return AMP_ERR_INVALID;
			if (f->type_given) {
				*why = why_fmt("second TYPE line for %.*s", (int)(nl > 64 ? 64 : nl), name);
				return AMP_ERR_INVALID;
			}
			if (f->samples > 0) {
				*why = why_fmt("TYPE line for %.*s after its samples", (int)(nl > 64 ? 64 : nl), name);
				return AMP_ERR_INVALID;
			}
			f->type = (enum tf_type)t;
			f->type_given = true;
			return AMP_OK;
		}
	}
	*why = why_fmt("unknown metric type \"%.*s\"", (int)(end - p > 32 ? 32 : end - p), p);
	return AMP_ERR_INVALID;
}

/* ---- duplicate series ---- */

/* Order-independent hash of (name, labels): a sum of per-label hashes; empty values are absent labels. */
static uint64_t series_hash(const struct tf_sample *s)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < s->label_count; i++) {
		const struct amp_label *l = &s->labels[i];

		if (l->value[0] == '\0')
			continue;
		sum += mix64(fnv64(fnv64(FNV64_OFFSET, l->name, strlen(l->name) + 1), l->value, strlen(l->value)));
	}
	sum = mix64(fnv64(FNV64_OFFSET, s->name, s->name_len) ^ mix64(sum));
	return sum < 2 ? sum + 2 : sum;
}

/*
 * Records the series of this sample; a series already read (this file or an earlier one this collection)
 * is an error. Identity is the 64-bit hash: two different series collide with probability about
 * n^2 / 2^65 (3e-14 for a thousand samples), which would skip one file.
 */
static int dup_insert(const struct tf_sample *s, unsigned lineno, const char **why)
{
	uint64_t h = series_hash(s);
	unsigned slot = (unsigned)(h % DUP_SLOTS);

	for (;; slot = (slot + 1) % DUP_SLOTS) {
		uint64_t e = tf.dup_hash[slot];

		if (e == DUP_EMPTY)
			break;
		if (e == h) {
			unsigned file = tf.dup_where[slot] >> 24;
			unsigned line = tf.dup_where[slot] & 0xFFFFFFu;
			int nl = (int)(s->name_len > 64 ? 64 : s->name_len);

			if (file == tf.file_no)
				*why = why_fmt("duplicate series of %.*s (first at line %u)", nl, s->name, line);
			else
				*why = why_fmt("series of %.*s already read from %.64s", nl, s->name, tf.files[file].name);
			return AMP_ERR_INVALID;
		}
	}
	if (tf.dup_used >= CONFIG_TEXTFILE_MAX_SAMPLES) {
		*why = why_fmt("more than %d samples in the textfiles of one collection (CONFIG_TEXTFILE_MAX_SAMPLES)",
			       CONFIG_TEXTFILE_MAX_SAMPLES);
		return AMP_ERR_FULL;
	}
	tf.dup_hash[slot] = h;
	tf.dup_where[slot] = (uint32_t)tf.file_no << 24 | (lineno & 0xFFFFFFu);
	tf.dup_used++;
	return AMP_OK;
}

/* A skipped file's series must not count as duplicates for the files after it. */
static void dup_forget_file(void)
{
	for (unsigned i = 0; i < DUP_SLOTS; i++) {
		if (tf.dup_hash[i] > DUP_REMOVED && tf.dup_where[i] >> 24 == tf.file_no)
			tf.dup_hash[i] = DUP_REMOVED;
	}
}

/* ---- pass 1: the whole file is checked before any of it counts ---- */

static int label_index(const struct tf_sample *s, const char *name)
{
	for (unsigned i = 0; i < s->label_count; i++) {
		if (strcmp(s->labels[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * le and quantile: a number, re-written as node_exporter writes it. The new text replaces the value in the
 * sample's text (it is never longer than TF_NUMBER_MAX).
 */
static int canonical_bound(struct tf_sample *s, int li, const char **why)
{
	char out[TF_NUMBER_MAX];
	double v;
	size_t n;

	if (li < 0 || !parse_number(s->labels[li].value, strlen(s->labels[li].value), &v)) {
		*why = why_fmt("%s label must be a number", li < 0 ? "the le or quantile" : s->labels[li].name);
		return AMP_ERR_INVALID;
	}
	format_go_float(v, out, sizeof(out));
	n = strlen(out);
	if (s->text_used + n + 1 > sizeof(s->text)) {
		*why = why_fmt("labels longer than %d bytes", TF_LABEL_TEXT - 1);
		return AMP_ERR_INVALID;
	}
	memcpy(s->text + s->text_used, out, n + 1);
	s->labels[li].value = s->text + s->text_used;
	s->text_used += n + 1;
	return AMP_OK;
}

/* A whole number node_exporter can hold in its uint64 counts (no floor(): the core does not link libm). */
static bool is_count(double v)
{
	return v >= 0 && v < 18446744073709551616.0 && (double)(uint64_t)v == v;
}

/* What a summary's or histogram's series must look like. */
static int check_component(const struct tf_family *f, enum tf_comp comp, struct tf_sample *s, const char **why)
{
	int q = label_index(s, "quantile");
	int le = label_index(s, "le");

	if (f->type == TF_SUMMARY) {
		if (comp == COMP_BASE) {
			if (q < 0) {
				*why = "summary sample without a quantile label";
				return AMP_ERR_INVALID;
			}
			return canonical_bound(s, q, why);
		}
		if (q >= 0) {
			*why = "quantile label on a summary's _sum or _count";
			return AMP_ERR_INVALID;
		}
	} else if (f->type == TF_HISTOGRAM) {
		if (comp == COMP_BASE) {
			*why = "histogram sample without _bucket, _sum or _count";
			return AMP_ERR_INVALID;
		}
		if (comp == COMP_BUCKET) {
			if (le < 0) {
				*why = "histogram bucket without an le label";
				return AMP_ERR_INVALID;
			}
			if (canonical_bound(s, le, why) != AMP_OK)
				return AMP_ERR_INVALID;
		} else if (le >= 0) {
			*why = "le label on a histogram's _sum or _count";
			return AMP_ERR_INVALID;
		}
	} else {
		return AMP_OK;
	}
	if ((comp == COMP_COUNT || comp == COMP_BUCKET) && !is_count(s->value)) {
		*why = "a count must be a non-negative whole number";
		return AMP_ERR_INVALID;
	}
	return AMP_OK;
}

static int sample_line(const char *p, const char *le, unsigned lineno, const char **why)
{
	struct tf_sample *s = &tf.sample;
	struct tf_family *f;
	enum tf_comp comp;
	int rc = parse_sample(p, le, s, why);

	if (rc != AMP_OK)
		return rc;
	if (s->name_len >= CONFIG_TEXTFILE_MAX_NAME_LEN) {
		*why = why_fmt("metric name longer than %d bytes (CONFIG_TEXTFILE_MAX_NAME_LEN)",
			       CONFIG_TEXTFILE_MAX_NAME_LEN - 1);
		return AMP_ERR_INVALID;
	}
	f = resolve(s->name, s->name_len, &comp);
	if (f == NULL) {
		f = new_family(s->name, s->name_len, why);
		if (f == NULL)
			return AMP_ERR_INVALID;
	}
	rc = check_component(f, comp, s, why);
	if (rc != AMP_OK)
		return rc;
	rc = dup_insert(s, lineno, why);
	if (rc != AMP_OK)
		return rc;
	f->samples++;
	f->comps_used |= (uint8_t)(1u << comp);
	return AMP_OK;
}

/* Writes family f's series name `comp` into tf.cname (pass 1 checked that it fits). */
static const char *comp_name(const struct tf_family *f, enum tf_comp comp)
{
	snprintf(tf.cname, sizeof(tf.cname), "%.*s%s", (int)f->name_len, f->name, comp_suffix[comp]);
	return tf.cname;
}

static uint64_t help_hash(const struct tf_family *f)
{
	return f->help != NULL ? fnv64(FNV64_OFFSET, f->help, f->help_len) : 0;
}

static const struct tf_seen *find_seen(const char *name)
{
	for (unsigned i = 0; i < tf.seen_count; i++) {
		if (strcmp(tf.seen[i].copy->name, name) == 0)
			return &tf.seen[i];
	}
	return NULL;
}

/* Once every line is read: the series names of the file must not clash with each other, earlier files or the agent's own. */
static int check_families(const char **why)
{
	for (unsigned i = 0; i < tf.fam_count; i++) {
		const struct tf_family *f = &tf.fams[i];

		for (int c = COMP_BASE; c < COMP_COUNT_OF; c++) {
			const struct amp_family *known;
			const struct tf_seen *seen;
			const char *name;

			/* Every used series name is a sample's name, whose length sample_line checked. */
			if ((f->comps_used & (1u << c)) == 0)
				continue;
			name = comp_name(f, (enum tf_comp)c);
			for (unsigned j = 0; j < i; j++) {
				for (int d = COMP_BASE; d < COMP_COUNT_OF; d++) {
					if ((tf.fams[j].comps_used & (1u << d)) != 0 &&
					    comp_named(&tf.fams[j], (enum tf_comp)d, name, strlen(name))) {
						*why = why_fmt("%.64s is a series of two families", name);
						return AMP_ERR_INVALID;
					}
				}
			}
			seen = find_seen(name);
			if (seen != NULL && seen->type != f->type) {
				*why = why_fmt("%.64s has TYPE %s here and %s in %.64s", name, type_names[f->type],
					       type_names[seen->type], tf.files[seen->file].name);
				return AMP_ERR_INVALID;
			}
			if (seen != NULL && seen->help_given && f->help != NULL && seen->help_hash != help_hash(f)) {
				*why = why_fmt("%.64s has a HELP text different from the one in %.64s", name,
					       tf.files[seen->file].name);
				return AMP_ERR_INVALID;
			}
			known = amp_registry_family_find(tf.ctx->reg, name);
			if ((known != NULL && !amp_registry_family_copied(tf.ctx->reg, known)) ||
			    strcmp(name, fam_mtime.name) == 0 || strcmp(name, fam_error.name) == 0) {
				*why = why_fmt("%.64s is a metric of amp-agent's own collectors", name);
				return AMP_ERR_INVALID;
			}
		}
	}
	return AMP_OK;
}

static int pass_check(size_t len, unsigned *bad_line, const char **why)
{
	struct amp_lines it;
	const char *line, *le;
	int rc;

	tf.fam_count = 0;
	amp_lines_init(&it, tf.ctx->buf, len);
	while (amp_lines_next(&it, &line, &le)) {
		const char *p;

		*bad_line = it.lineno;
		for (p = line; p < le; p++) {
			if ((unsigned char)*p < 0x20 && *p != '\t') {
				*why = why_fmt("control character 0x%02x", (unsigned char)*p);
				return AMP_ERR_INVALID;
			}
		}
		p = amp_parse_skip_blanks(line, le);
		if (p == le)
			continue;
		rc = *p == '#' ? parse_comment(p, le, why) : sample_line(p, le, it.lineno, why);
		if (rc != AMP_OK)
			return rc;
	}
	*bad_line = 0;
	return check_families(why);
}

/* ---- pass 2: the checked file goes into the frame ---- */

/* The HELP text unescaped (cut to what the registry keeps), or node_exporter's "Metric read from <path>". */
static const char *family_help(const struct tf_family *f)
{
	size_t o = 0;

	if (f->help == NULL) {
		snprintf(tf.help, sizeof(tf.help), "Metric read from %s", tf.path);
		return tf.help;
	}
	for (size_t i = 0; i < f->help_len && o + 1 < sizeof(tf.help); i++) {
		char c = f->help[i];

		if (c == '\\' && i + 1 < f->help_len) {
			c = f->help[++i] == 'n' ? '\n' : f->help[i];
		}
		tf.help[o++] = c;
	}
	tf.help[o] = '\0';
	return tf.help;
}

static enum amp_metric_type registry_type(enum tf_type t)
{
	return t == TF_COUNTER ? AMP_METRIC_COUNTER : t == TF_GAUGE ? AMP_METRIC_GAUGE : AMP_METRIC_UNTYPED;
}

/*
 * The registry family of every series name of the file; the first file this collection to name one sets
 * HELP and TYPE. Returns false when a family found no slot (its samples are dropped).
 */
static bool bind_families(void)
{
	bool ok = true;

	for (unsigned i = 0; i < tf.fam_count; i++) {
		struct tf_family *f = &tf.fams[i];

		for (int c = COMP_BASE; c < COMP_COUNT_OF; c++) {
			const struct tf_seen *seen;
			const char *name;
			int rc;

			if ((f->comps_used & (1u << c)) == 0)
				continue;
			name = comp_name(f, (enum tf_comp)c);
			if (amp_filter_check_name(tf.ctx->filter, name) == AMP_FILTER_DROPPED_BY_NAME) {
				f->name_dropped |= (uint8_t)(1u << c);
				continue;
			}
			seen = find_seen(name);
			if (seen != NULL) {
				f->copy[c] = seen->copy;
				continue;
			}
			rc = amp_registry_family_copy(tf.ctx->reg, name, family_help(f), registry_type(f->type), &f->copy[c]);
			if (rc != AMP_OK) {
				f->copy[c] = NULL;
				ok = false;
				report(tf.path, 0, why_fmt("%.64s: %s; its samples are dropped (CONFIG_TEXTFILE_MAX_FAMILIES)",
							   comp_name(f, (enum tf_comp)c), amp_strerror(rc)), "");
				continue;
			}
			if (tf.seen_count < CONFIG_TEXTFILE_MAX_FAMILIES) {
				struct tf_seen *ns = &tf.seen[tf.seen_count++];

				ns->copy = f->copy[c];
				ns->type = f->type;
				ns->help_given = f->help != NULL;
				ns->help_hash = help_hash(f);
				ns->file = (uint8_t)tf.file_no;
			}
		}
	}
	return ok;
}

/* Returns false when some series found no registry family (bind_families). */
static bool pass_emit(size_t len)
{
	struct amp_lines it;
	const char *line, *le;
	bool ok = bind_families();

	amp_lines_init(&it, tf.ctx->buf, len);
	while (amp_lines_next(&it, &line, &le)) {
		const char *p = amp_parse_skip_blanks(line, le);
		const char *why = NULL;
		struct tf_family *f;
		enum tf_comp comp;
		int rc;

		if (p == le || *p == '#')
			continue;
		/* Pass 1 accepted every line: these cannot fail. */
		if (parse_sample(p, le, &tf.sample, &why) != AMP_OK)
			continue;
		f = resolve(tf.sample.name, tf.sample.name_len, &comp);
		if (f == NULL || check_component(f, comp, &tf.sample, &why) != AMP_OK)
			continue;
		if ((f->name_dropped & (1u << comp)) != 0) {
			tf.ctx->filtered_by_name++;
			continue;
		}
		if (f->copy[comp] == NULL) {
			if (tf.ctx->dropped_series < UINT32_MAX)
				tf.ctx->dropped_series++;
			continue;
		}
		rc = amp_collect_emit(tf.ctx, f->copy[comp], tf.sample.labels, tf.sample.label_count, tf.sample.value);
		(void)rc; /* a full frame is counted by amp_collect_emit */
	}
	return ok;
}

/* ---- the directory ---- */

static bool has_prom_suffix(const char *name)
{
	size_t n = strlen(name);

	return n >= 5 && memcmp(name + n - 5, ".prom", 5) == 0;
}

/* Keeps the CONFIG_TEXTFILE_MAX_FILES first *.prom names in byte order (node_exporter reads in name order). */
static int list_entry(void *arg, const char *name, int is_dir)
{
	unsigned pos;

	(void)arg;
	if (!has_prom_suffix(name))
		return AMP_OK;
	if (strlen(name) >= TF_NAME_MAX || !utf8_valid(name, strlen(name))) {
		tf.listing_error = true;
		report(tf.dir, 0, why_fmt("a *.prom file name is longer than %d bytes or not UTF-8; file skipped",
					  TF_NAME_MAX - 1), "");
		return AMP_OK;
	}
	pos = tf.file_count;
	while (pos > 0 && strcmp(tf.files[pos - 1].name, name) > 0)
		pos--;
	if (pos >= CONFIG_TEXTFILE_MAX_FILES) {
		tf.files_over++;
		return AMP_OK;
	}
	if (tf.file_count < CONFIG_TEXTFILE_MAX_FILES)
		tf.file_count++;
	else
		tf.files_over++; /* the last one falls off */
	memmove(&tf.files[pos + 1], &tf.files[pos], (tf.file_count - 1 - pos) * sizeof(tf.files[0]));
	snprintf(tf.files[pos].name, sizeof(tf.files[pos].name), "%s", name);
	tf.files[pos].is_dir = is_dir != 0;
	return AMP_OK;
}

/*
 * The directory as Go's filepath.Clean writes it (node_exporter's file label is filepath.Join(dir, name)):
 * no repeated or trailing '/', no "." components, ".." resolved lexically.
 */
static void clean_dir(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = in;

	out[o++] = '/';
	while (*p != '\0') {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			continue;
		}
		if (o > 1 && o + 1 < cap)
			out[o++] = '/';
		if (o + n >= cap)
			n = cap - 1 - o; /* a path as long as CONFIG_MAX_PATH_LEN fails later, naming it */
		memcpy(out + o, seg, n);
		o += n;
	}
	out[o] = '\0';
}

/* Reads, checks and emits one file. Returns false when it was skipped (node_textfile_scrape_error). */
static bool read_file(unsigned idx)
{
	struct amp_collect_ctx *ctx = tf.ctx;
	const char *why = NULL;
	unsigned bad_line = 0;
	size_t len = 0;
	int64_t mtime;
	bool complete;
	int n, rc;

	tf.file_no = idx;
	n = snprintf(tf.path, sizeof(tf.path), "%s%s%s", tf.dir, strcmp(tf.dir, "/") == 0 ? "" : "/",
		     tf.files[idx].name);
	if (n < 0 || (size_t)n >= sizeof(tf.path)) {
		report(tf.dir, 0, why_fmt("%.64s: path longer than %d bytes (CONFIG_MAX_PATH_LEN); file skipped",
					  tf.files[idx].name, CONFIG_MAX_PATH_LEN - 1), "");
		return false;
	}
	if (tf.files[idx].is_dir) {
		report(tf.path, 0, "a directory, not a file; skipped", "");
		return false;
	}
	rc = port_read_file(tf.path, ctx->buf, ctx->buf_cap, &len);
	if (rc == AMP_ERR_FULL) {
		report(tf.path, 0, why_fmt("larger than the %zu-byte read buffer (CONFIG_PROC_FILE_BUF_BYTES); file skipped",
					   ctx->buf_cap - 1), "");
		return false;
	}
	if (rc != AMP_OK) {
		report(tf.path, 0, why_fmt("cannot read: %s; file skipped", amp_strerror(rc)), "");
		return false;
	}
	rc = pass_check(len, &bad_line, &why);
	if (rc != AMP_OK) {
		dup_forget_file();
		/* why may be tf.why itself: it goes as an argument, not through why_fmt again */
		report(tf.path, bad_line, why != NULL ? why : amp_strerror(rc), "; file skipped");
		return false;
	}
	complete = pass_emit(len);
	/* Stat only once the file counted, so that a file that failed does not look fresh (node_exporter's order). */
	rc = port_file_mtime(tf.path, &mtime);
	if (rc != AMP_OK) {
		report(tf.path, 0, why_fmt("cannot read its modification time: %s", amp_strerror(rc)), "");
		return false;
	}
	{
		const struct amp_label file_label = {"file", tf.path};

		(void)amp_collect_emit(ctx, &fam_mtime, &file_label, 1, (double)mtime);
	}
	return complete;
}

static int textfile_collect(struct amp_collect_ctx *ctx)
{
	bool errored = false;
	int rc;

	/* No directory configured: nothing to read, like a collector whose /proc file this kernel lacks. */
	if (ctx->textfile_dir == NULL || ctx->textfile_dir[0] == '\0')
		return AMP_OK;
	tf.ctx = ctx;
	tf.file_count = 0;
	tf.files_over = 0;
	tf.listing_error = false;
	tf.seen_count = 0;
	tf.dup_used = 0;
	memset(tf.dup_hash, 0, sizeof(tf.dup_hash));
	clean_dir(ctx->textfile_dir, tf.dir, sizeof(tf.dir));
	rc = port_dir_list(tf.dir, list_entry, NULL);
	if (rc != AMP_OK) {
		report(tf.dir, 0, why_fmt("cannot list the textfile directory: %s", amp_strerror(rc)), "");
		errored = true;
	}
	errored |= tf.listing_error;
	if (tf.files_over > 0) {
		report(tf.dir, 0, why_fmt("%u *.prom files; only the first %d by name are read (CONFIG_TEXTFILE_MAX_FILES)",
					  tf.file_count + tf.files_over, CONFIG_TEXTFILE_MAX_FILES), "");
		errored = true;
	}
	for (unsigned i = 0; i < tf.file_count; i++) {
		if (!read_file(i))
			errored = true;
	}
	(void)amp_collect_emit(ctx, &fam_error, NULL, 0, errored ? 1.0 : 0.0);
	return AMP_OK;
}

const struct amp_collector amp_collector_textfile = {"textfile", AMP_COLLECTOR_TEXTFILE, textfile_collect};
