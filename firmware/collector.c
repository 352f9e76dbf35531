/* Collector framework: file reads under the configured roots, values into the frame, one pass over all collectors. */
#include "collector.h"
#include "collector_internal.h"
#include "filter.h"
#include "log.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

#define MOD "collector"

/* Kconfig decides which collectors exist; CMake compiles collector_<name>.c only when it is chosen. */
const struct amp_collector *const amp_collectors[] = {
#ifdef CONFIG_COLLECTOR_CPU
	&amp_collector_cpu,
#endif
#ifdef CONFIG_COLLECTOR_MEMINFO
	&amp_collector_meminfo,
#endif
#ifdef CONFIG_COLLECTOR_LOADAVG
	&amp_collector_loadavg,
#endif
#ifdef CONFIG_COLLECTOR_STAT
	&amp_collector_stat,
#endif
#ifdef CONFIG_COLLECTOR_VMSTAT
	&amp_collector_vmstat,
#endif
#ifdef CONFIG_COLLECTOR_NETDEV
	&amp_collector_netdev,
#endif
#ifdef CONFIG_COLLECTOR_DISKSTATS
	&amp_collector_diskstats,
#endif
#ifdef CONFIG_COLLECTOR_FILESYSTEM
	&amp_collector_filesystem,
#endif
#ifdef CONFIG_COLLECTOR_THERMAL_ZONE
	&amp_collector_thermal_zone,
#endif
#ifdef CONFIG_COLLECTOR_HWMON
	&amp_collector_hwmon,
#endif
#ifdef CONFIG_COLLECTOR_PRESSURE
	&amp_collector_pressure,
#endif
#ifdef CONFIG_COLLECTOR_UNAME
	&amp_collector_uname,
#endif
#ifdef CONFIG_COLLECTOR_OS
	&amp_collector_os,
#endif
#ifdef CONFIG_COLLECTOR_TIME
	&amp_collector_time,
#endif
#ifdef CONFIG_COLLECTOR_TIMEX
	&amp_collector_timex,
#endif
#ifdef CONFIG_COLLECTOR_ENTROPY
	&amp_collector_entropy,
#endif
#ifdef CONFIG_COLLECTOR_FILEFD
	&amp_collector_filefd,
#endif
#ifdef CONFIG_COLLECTOR_SCHEDSTAT
	&amp_collector_schedstat,
#endif
#ifdef CONFIG_COLLECTOR_SOFTNET
	&amp_collector_softnet,
#endif
#ifdef CONFIG_COLLECTOR_CPUFREQ
	&amp_collector_cpufreq,
#endif
#ifdef CONFIG_COLLECTOR_POWERSUPPLYCLASS
	&amp_collector_powersupplyclass,
#endif
#ifdef CONFIG_COLLECTOR_NETCLASS
	&amp_collector_netclass,
#endif
#ifdef CONFIG_COLLECTOR_CONNTRACK
	&amp_collector_conntrack,
#endif
#ifdef CONFIG_COLLECTOR_NETSTAT
	&amp_collector_netstat,
#endif
#ifdef CONFIG_COLLECTOR_SOCKSTAT
	&amp_collector_sockstat,
#endif
#ifdef CONFIG_COLLECTOR_TEXTFILE
	&amp_collector_textfile,
#endif
#ifdef CONFIG_COLLECTOR_SYNTHETIC
	&amp_collector_synthetic,
#endif
	NULL, /* keeps the array non-empty (C forbids an empty initializer) when every collector is off */
};
const unsigned amp_collector_count = sizeof(amp_collectors) / sizeof(amp_collectors[0]) - 1;

/* [collectors] turns collectors off with one bit each of a uint32_t (amp_collect_ctx.disabled). */
_Static_assert(AMP_COLLECTOR_ID_COUNT <= 32, "a collector id must fit the 32-bit disabled mask");

const char *const amp_collector_names[AMP_COLLECTOR_ID_COUNT] = {
	[AMP_COLLECTOR_CPU] = "cpu",
	[AMP_COLLECTOR_MEMINFO] = "meminfo",
	[AMP_COLLECTOR_LOADAVG] = "loadavg",
	[AMP_COLLECTOR_STAT] = "stat",
	[AMP_COLLECTOR_VMSTAT] = "vmstat",
	[AMP_COLLECTOR_NETDEV] = "netdev",
	[AMP_COLLECTOR_DISKSTATS] = "diskstats",
	[AMP_COLLECTOR_FILESYSTEM] = "filesystem",
	[AMP_COLLECTOR_THERMAL_ZONE] = "thermal_zone",
	[AMP_COLLECTOR_HWMON] = "hwmon",
	[AMP_COLLECTOR_PRESSURE] = "pressure",
	[AMP_COLLECTOR_UNAME] = "uname",
	[AMP_COLLECTOR_OS] = "os",
	[AMP_COLLECTOR_TIME] = "time",
	[AMP_COLLECTOR_TIMEX] = "timex",
	[AMP_COLLECTOR_ENTROPY] = "entropy",
	[AMP_COLLECTOR_FILEFD] = "filefd",
	[AMP_COLLECTOR_SCHEDSTAT] = "schedstat",
	[AMP_COLLECTOR_SOFTNET] = "softnet",
	[AMP_COLLECTOR_CPUFREQ] = "cpufreq",
	[AMP_COLLECTOR_POWERSUPPLYCLASS] = "powersupplyclass",
	[AMP_COLLECTOR_NETCLASS] = "netclass",
	[AMP_COLLECTOR_CONNTRACK] = "conntrack",
	[AMP_COLLECTOR_NETSTAT] = "netstat",
	[AMP_COLLECTOR_SOCKSTAT] = "sockstat",
	[AMP_COLLECTOR_TEXTFILE] = "textfile",
	[AMP_COLLECTOR_SYNTHETIC] = "synthetic",
};

enum amp_collector_id amp_collector_lookup(const char *name)
{
	for (unsigned i = 0; i < AMP_COLLECTOR_ID_COUNT; i++) {
		if (strcmp(amp_collector_names[i], name) == 0)
			return (enum amp_collector_id)i;
	}
	return AMP_COLLECTOR_ID_COUNT;
}

int amp_collector_compiled(enum amp_collector_id id)
{
	for (unsigned i = 0; i < amp_collector_count; i++) {
		if (amp_collectors[i]->id == id)
			return 1;
	}
	return 0;
}

static void count_drop(struct amp_collect_ctx *ctx, const struct amp_family *fam, int why)
{
	/* One debug line per collection: a full registry would otherwise log every series every interval. */
	if (ctx->dropped_series == 0)
		AMP_LOG_D(MOD, "%s: series dropped (%s); further drops this collection are only counted",
			  fam != NULL && fam->name != NULL ? fam->name : "?", amp_strerror(why));
	if (ctx->dropped_series < UINT32_MAX)
		ctx->dropped_series++;
}

/*
 * A value that finds no room in the frame is counted in dropped_series too: it is as lost as a series the
 * registry refused, and collectors carry on either way, so the count is the only trace it leaves.
 */
int amp_collect_emit(struct amp_collect_ctx *ctx, const struct amp_family *fam, const struct amp_label *labels,
		     unsigned label_count, double value)
{
	amp_series_id id;
	int rc;

	/* Before the registry: a series the user does not want must not take one of its slots. */
	if (ctx->filter != NULL && fam != NULL && fam->name != NULL) {
		enum amp_filter_verdict v = amp_filter_check(ctx->filter, fam->name, labels, label_count);

		if (v == AMP_FILTER_DROPPED_BY_NAME) {
			ctx->filtered_by_name++;
			return AMP_OK;
		}
		if (v == AMP_FILTER_DROPPED_BY_LABEL) {
			ctx->filtered_by_label++;
			return AMP_OK;
		}
	}
	if (ctx->entries == NULL || ctx->entry_count >= ctx->entry_cap) {
		count_drop(ctx, fam, AMP_ERR_FULL);
		return AMP_ERR_FULL;
	}
	rc = amp_registry_intern(ctx->reg, fam, labels, label_count, &id);
	if (rc != AMP_OK) {
		count_drop(ctx, fam, rc);
		return AMP_OK;
	}
	ctx->entries[ctx->entry_count].id = id;
	ctx->entries[ctx->entry_count].value = value;
	ctx->entry_count++;
	return AMP_OK;
}

/*
 * Besides the errors collector.h lists, returns AMP_ERR_FULL for a path longer than CONFIG_MAX_PATH_LEN - 1
 * and AMP_ERR_INVALID for a NULL root, name or buffer. Logs every outcome but success: a missing file at
 * debug (kernels differ in what they have), anything else as a warning naming the path.
 */
int amp_collect_read(struct amp_collect_ctx *ctx, const char *root, const char *rel, size_t *len)
{
	char path[CONFIG_MAX_PATH_LEN];
	size_t root_len;
	int n, rc;

	*len = 0;
	if (root == NULL || rel == NULL || ctx->buf == NULL) {
		AMP_LOG_W(MOD, "%s: no root, file name or read buffer", rel != NULL ? rel : "?");
		return AMP_ERR_INVALID;
	}
	root_len = strlen(root);
	n = snprintf(path, sizeof(path), "%s%s%s", root, root_len > 0 && root[root_len - 1] == '/' ? "" : "/", rel);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		AMP_LOG_W(MOD, "%.80s%s/%s: path longer than %d bytes, not read", root, root_len > 80 ? "..." : "", rel,
			  CONFIG_MAX_PATH_LEN - 1);
		return AMP_ERR_FULL;
	}
	rc = port_read_file(path, ctx->buf, ctx->buf_cap, len);
	if (rc == AMP_ERR_NOTFOUND)
		AMP_LOG_D(MOD, "%s: not found, skipped", path);
	else if (rc == AMP_ERR_FULL)
		AMP_LOG_W(MOD, "%s: larger than the %zu-byte read buffer (CONFIG_PROC_FILE_BUF_BYTES)", path,
			  ctx->buf_cap);
	else if (rc != AMP_OK)
		AMP_LOG_W(MOD, "%s: %s", path, amp_strerror(rc));
	if (rc != AMP_OK)
		*len = 0;
	return rc;
}

/*
 * Sorts the frame by series id and keeps one entry per id. Insertion sort: after the first collection the
 * ids come out almost in order (the registry numbers series as it first sees them), so this is close to
 * linear, needs no memory and no qsort. It is stable, and a duplicate id (a malformed file naming cpu0
 * twice) keeps the value emitted last, as node_exporter's map assignments would.
 */
void amp_collect_sort(struct amp_collect_ctx *ctx)
{
	struct amp_frame_entry *e = ctx->entries;
	unsigned n = ctx->entry_count;
	unsigned out = 0;

	for (unsigned i = 1; i < n; i++) {
		struct amp_frame_entry cur = e[i];
		unsigned j = i;

		while (j > 0 && e[j - 1].id > cur.id) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = cur;
	}
	for (unsigned i = 0; i < n; i++) {
		if (out > 0 && e[out - 1].id == e[i].id)
			e[out - 1] = e[i];
		else
			e[out++] = e[i];
	}
	ctx->entry_count = out;
}

/*
 * A collector that fails keeps what it emitted: each collector emits a value only once it has parsed it
 * whole, so those values are sound, and one odd line should not hide the rest of a file.
 */
unsigned amp_collect_all(struct amp_collect_ctx *ctx)
{
	unsigned failed = 0;

	ctx->entry_count = 0;
	ctx->dropped_series = 0;
	for (unsigned i = 0; i < amp_collector_count; i++) {
		const struct amp_collector *c = amp_collectors[i];
		int rc;

		if (c == NULL || (ctx->disabled & (1u << c->id)) != 0)
			continue;
		rc = c->collect(ctx);
		if (rc != AMP_OK) {
			AMP_LOG_D(MOD, "%s: failed: %s", c->name, amp_strerror(rc));
			failed++;
		}
	}
	if (ctx->entries != NULL)
		amp_collect_sort(ctx);
	return failed;
}

const char *amp_parse_skip_blanks(const char *p, const char *end)
{
	while (p < end && amp_parse_is_blank(*p))
		p++;
	return p;
}

const char *amp_parse_u64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	if (p == start || (p < end && !amp_parse_is_blank(*p)))
		return NULL;
	*out = v;
	return p;
}

const char *amp_parse_i64(const char *p, const char *end, int64_t *out)
{
	bool neg = p < end && *p == '-';
	uint64_t v;
	const char *q = amp_parse_u64(neg ? p + 1 : p, end, &v);

	if (q == NULL || v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return NULL;
	*out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return q;
}

const char *amp_parse_decimal(const char *p, const char *end, double *out)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	bool neg = p < end && *p == '-';
	uint64_t mantissa = 0;
	unsigned digits = 0, frac = 0;

	if (neg)
		p++;
	/* Leading zeros carry no precision: skip them so "0.000123" keeps its 3 digits. */
	while (p < end && *p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	while (p < end && *p >= '0' && *p <= '9') {
		if (++digits > 15)
			return NULL;
		mantissa = mantissa * 10 + (uint64_t)(*p++ - '0');
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return NULL;
		while (p < end && *p >= '0' && *p <= '9') {
			if (mantissa != 0 || *p != '0')
				digits++;
			if (digits > 15 || frac == 15)
				return NULL;
			mantissa = mantissa * 10 + (uint64_t)(*p++ - '0');
			frac++;
		}
	}
	if (p < end && !amp_parse_is_blank(*p))
		return NULL;
	/* Both operands are exact, so the one division is correctly rounded, as strtod would be. */
	*out = (double)mantissa / pow10[frac];
	if (neg)
		*out = -*out;
	return p;
}

void amp_lines_init(struct amp_lines *it, const char *buf, size_t len)
{
	it->pos = buf;
	it->end = buf + len;
	it->lineno = 0;
}

bool amp_lines_next(struct amp_lines *it, const char **line, const char **le)
{
	const char *nl;

	if (it->pos >= it->end)
		return false;
	nl = memchr(it->pos, '\n', (size_t)(it->end - it->pos));
	*line = it->pos;
	*le = nl != NULL ? nl : it->end;
	it->pos = nl != NULL ? nl + 1 : it->end;
	it->lineno++;
	return true;
}

void amp_bad_lines_init(struct amp_bad_lines *bad, const struct amp_collect_ctx *ctx, const char *module,
			const char *root, const char *file, uint64_t *last_warn_ms)
{
	bad->module = module;
	bad->root = root;
	bad->file = file;
	bad->last_warn_ms = last_warn_ms;
	bad->now_ms = ctx->now_ms;
	bad->count = 0;
}

void amp_bad_line(struct amp_bad_lines *bad, unsigned lineno, const char *why)
{
	/* *last_warn_ms == 0 means never warned: the first bad line ever always warns. */
	bool warn = bad->count++ == 0 &&
		    (*bad->last_warn_ms == 0 || bad->now_ms - *bad->last_warn_ms >= AMP_BAD_LINE_WARN_INTERVAL_MS);

	if (warn) {
		*bad->last_warn_ms = bad->now_ms != 0 ? bad->now_ms : 1;
		AMP_LOG_W(bad->module, "%s/%s: line %u: %s, line skipped (further reports for 10 min at debug)",
			  bad->root, bad->file, lineno, why);
	} else {
		AMP_LOG_D(bad->module, "%s/%s: line %u: %s, line skipped", bad->root, bad->file, lineno, why);
	}
}
