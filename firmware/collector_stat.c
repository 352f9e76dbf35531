/* stat collector: boot time, context switches, interrupts, forks and runnable/blocked tasks from /proc/stat. */
/* Documentation/filesystems/proc.rst (1.8, /proc/stat): "intr", "ctxt", "btime", "processes", "procs_*" lines. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <string.h>

#define MOD "stat"
#define STAT_FILE "stat"

struct stat_line {
	const char *key; /* the line's first word */
	struct amp_family fam;
};

/* node_exporter's names, help texts and types (collector/stat_linux.go). */
static const struct stat_line stat_lines[] = {
	{"intr", {"node_intr_total", "Total number of interrupts serviced.", AMP_METRIC_COUNTER}},
	{"ctxt", {"node_context_switches_total", "Total number of context switches.", AMP_METRIC_COUNTER}},
	{"btime", {"node_boot_time_seconds", "Node boot time, in unixtime.", AMP_METRIC_GAUGE}},
	{"processes", {"node_forks_total", "Total number of forks.", AMP_METRIC_COUNTER}},
	{"procs_running", {"node_procs_running", "Number of processes in runnable state.", AMP_METRIC_GAUGE}},
	{"procs_blocked",
	 {"node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", AMP_METRIC_GAUGE}},
};

#define STAT_LINE_COUNT (sizeof(stat_lines) / sizeof(stat_lines[0]))

static const struct stat_line *find_line(const char *key, size_t len)
{
	for (unsigned i = 0; i < STAT_LINE_COUNT; i++) {
		if (strlen(stat_lines[i].key) == len && memcmp(stat_lines[i].key, key, len) == 0)
			return &stat_lines[i];
	}
	return NULL;
}

/* One line: the six above are parsed and emitted, the others (cpuN, softirq, page...) are not ours. */
static const char *stat_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le, unsigned lineno)
{
	unsigned *known = arg;
	const char *key_end = line;
	const struct stat_line *sl;
	const char *p;
	uint64_t v;

	(void)lineno;
	while (key_end < le && !amp_parse_is_blank(*key_end))
		key_end++;
	sl = find_line(line, (size_t)(key_end - line));
	if (sl == NULL)
		return NULL;
	p = amp_parse_u64(amp_parse_skip_blanks(key_end, le), le, &v);
	if (p == NULL)
		return "value is not an unsigned decimal";
	/* intr's total comes first, then one count per interrupt, which nobody here needs. */
	if (sl != &stat_lines[0] && amp_parse_skip_blanks(p, le) != le)
		return "more than one value";
	(*known)++;
	(void)amp_collect_emit(ctx, &sl->fam, NULL, 0, (double)v);
	return NULL;
}

/*
 * A malformed line of the six is skipped, the others still count, and the collector then returns
 * AMP_ERR_INVALID; so does a file without any of them.
 */
static int stat_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	unsigned known = 0;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, STAT_FILE, &last_warn_ms, stat_line, &known);

	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc == AMP_OK && known == 0) {
		AMP_LOG_W(MOD, "%s/" STAT_FILE ": no intr, ctxt, btime, processes or procs_* line", ctx->procfs);
		return AMP_ERR_INVALID;
	}
	return rc;
}

const struct amp_collector amp_collector_stat = {"stat", AMP_COLLECTOR_STAT, stat_collect};
