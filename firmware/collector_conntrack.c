/* conntrack collector: connection-tracking table use, limit and per-CPU event counters, as node_nf_conntrack_*. */
/* Documentation/networking/nf_conntrack-sysctl.rst (count, max); net/netfilter/nf_conntrack_standalone.c (stat). */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <string.h>

#define MOD "conntrack"
#define STAT_FILE "net/stat/nf_conntrack"
/* 17 columns in every kernel since 3.x; room for a few more before a header is refused. */
#define STAT_MAX_COLUMNS 32

struct sysctl_file {
	const char *file;
	struct amp_family fam;
};

static const struct sysctl_file sysctl_files[] = {
	{"sys/net/netfilter/nf_conntrack_count",
	 {"node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.",
	  AMP_METRIC_GAUGE}},
	{"sys/net/netfilter/nf_conntrack_max",
	 {"node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", AMP_METRIC_GAUGE}},
};

#define SYSCTL_COUNT (sizeof(sysctl_files) / sizeof(sysctl_files[0]))

struct stat_column {
	const char *name; /* the header's name for the column */
	struct amp_family fam;
};

/* node_exporter 1.5's families (gauges there, though they only grow), summed over the CPUs' rows. */
#define STAT(name, help) {name, {"node_nf_conntrack_stat_" name, help, AMP_METRIC_GAUGE}}
static const struct stat_column stat_columns[] = {
	STAT("found", "Number of searched entries which were successful."),
	STAT("invalid", "Number of packets seen which can not be tracked."),
	STAT("ignore", "Number of packets seen which are already connected to a conntrack entry."),
	STAT("insert", "Number of entries inserted into the list."),
	STAT("insert_failed", "Number of entries for which list insertion was attempted but failed."),
	STAT("drop", "Number of packets dropped due to conntrack failure."),
	STAT("early_drop",
	     "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."),
	STAT("search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes."),
};

#define STAT_COLUMN_COUNT (sizeof(stat_columns) / sizeof(stat_columns[0]))

/*
 * The header names the columns; each further line is one CPU's row of "%08x" counts. Columns are found
 * by name, not position: 2.6 kernels lack search_restart (node_exporter 1.5 then fails the whole
 * collector; here the other sums still count). The sums are emitted only if every row parsed: a sum
 * missing a CPU would look like a counter reset. Returns NULL or why the file is malformed (*lineno).
 */
static const char *collect_stat(struct amp_collect_ctx *ctx, size_t len, unsigned *lineno)
{
	int col_of[STAT_COLUMN_COUNT]; /* header position of each wanted column, or -1 */
	uint64_t sum[STAT_COLUMN_COUNT] = {0};
	struct amp_procparse_field f[STAT_MAX_COLUMNS];
	struct amp_lines lines;
	const char *line, *le;
	unsigned columns, rows = 0;

	amp_lines_init(&lines, ctx->buf, len);
	if (!amp_lines_next(&lines, &line, &le))
		return "empty";
	*lineno = 1;
	columns = amp_procparse_split(line, le, f, STAT_MAX_COLUMNS);
	if (columns == 0 || columns > STAT_MAX_COLUMNS || !amp_procparse_is(&f[0], "entries"))
		return "header does not start with \"entries\" or has more than 32 columns";
	for (unsigned c = 0; c < STAT_COLUMN_COUNT; c++) {
		col_of[c] = -1;
		for (unsigned i = 0; i < columns; i++) {
			if (amp_procparse_is(&f[i], stat_columns[c].name))
				col_of[c] = (int)i;
		}
	}
	while (amp_lines_next(&lines, &line, &le)) {
		*lineno = lines.lineno;
		if (amp_procparse_split(line, le, f, STAT_MAX_COLUMNS) != columns)
			return "a row has not as many columns as the header";
		for (unsigned i = 0; i < columns; i++) {
			uint64_t v;

			if (amp_procparse_hex_u64(f[i].p, f[i].end, &v) == NULL || v > UINT32_MAX)
				return "a column is not a 32-bit hexadecimal";
		}
		for (unsigned c = 0; c < STAT_COLUMN_COUNT; c++) {
			uint64_t v = 0;

			if (col_of[c] >= 0)
				(void)amp_procparse_hex_u64(f[col_of[c]].p, f[col_of[c]].end, &v);
			sum[c] += v;
		}
		rows++;
	}
	if (rows == 0)
		return "no CPU rows";
	for (unsigned c = 0; c < STAT_COLUMN_COUNT; c++) {
		if (col_of[c] >= 0)
			(void)amp_collect_emit(ctx, &stat_columns[c].fam, NULL, 0, (double)sum[c]);
	}
	return NULL;
}

/*
 * Without the nf_conntrack module none of the files exists: skipped silently, each on its own. Returns
 * the first error, after trying every file.
 */
static int conntrack_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms[SYSCTL_COUNT + 1];
	struct amp_bad_lines bad;
	int first_rc = AMP_OK;
	const char *why;
	unsigned lineno = 0;
	size_t len;
	int rc;

	for (unsigned i = 0; i < SYSCTL_COUNT; i++) {
		uint64_t v;

		rc = amp_procparse_read_u64(ctx, MOD, ctx->procfs, sysctl_files[i].file, &last_warn_ms[i], &v);
		if (rc == AMP_OK)
			(void)amp_collect_emit(ctx, &sysctl_files[i].fam, NULL, 0, (double)v);
		else if (rc != AMP_ERR_NOTFOUND && first_rc == AMP_OK)
			first_rc = rc;
	}
	rc = amp_collect_read(ctx, ctx->procfs, STAT_FILE, &len);
	if (rc == AMP_ERR_NOTFOUND)
		return first_rc;
	if (rc != AMP_OK)
		return first_rc != AMP_OK ? first_rc : rc;
	why = collect_stat(ctx, len, &lineno);
	if (why == NULL)
		return first_rc;
	amp_bad_lines_init(&bad, ctx, MOD, ctx->procfs, STAT_FILE, &last_warn_ms[SYSCTL_COUNT]);
	amp_bad_line(&bad, lineno, why);
	return first_rc != AMP_OK ? first_rc : AMP_ERR_INVALID;
}

const struct amp_collector amp_collector_conntrack = {"conntrack", AMP_COLLECTOR_CONNTRACK, conntrack_collect};
