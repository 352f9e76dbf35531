/* schedstat collector: per-CPU run time, run-queue wait and timeslices from /proc/schedstat, as node_schedstat_*. */
/* Documentation/scheduler/sched-stats.rst (v15-17): "cpuN" + 9 fields; 7-9: running ns, waiting ns, timeslices. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MOD "schedstat"
#define SCHEDSTAT_FILE "schedstat"

#define CPU_FIELDS 9
#define FIRST_USED 6 /* fields 7, 8, 9 */
#define USED 3
/* Version 15 (2.6.35) dropped three yld_* counters; older versions put the same three fields elsewhere. */
#define MIN_VERSION 15
#define CPU_MAX_ID 65535u

struct sched_field {
	struct amp_family fam;
	double scale; /* divisor to the series' unit */
};

/* node_exporter 1.5's families: nanoseconds become seconds (ns / 1e9, as node_exporter divides). */
static const struct sched_field sched_fields[USED] = {
	{{"node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.",
	  AMP_METRIC_COUNTER}, 1e9},
	{{"node_schedstat_waiting_seconds_total", "Number of seconds spent by processing waiting for this CPU.",
	  AMP_METRIC_COUNTER}, 1e9},
	{{"node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", AMP_METRIC_COUNTER}, 1.0},
};

/* Parses "cpuN f1 ... f9[ ...]" (p after "cpu"); returns NULL or why the line is malformed. */
static const char *parse_cpu(const char *p, const char *end, uint64_t *id, uint64_t v[USED])
{
	struct amp_procparse_field f[CPU_FIELDS];
	unsigned n;

	p = amp_parse_u64(p, end, id);
	if (p == NULL || *id > CPU_MAX_ID)
		return "bad cpu number";
	n = amp_procparse_split(p, end, f, CPU_FIELDS);
	if (n < CPU_FIELDS)
		return "fewer than 9 fields";
	for (unsigned i = 0; i < CPU_FIELDS; i++) {
		uint64_t x;

		if (amp_parse_u64(f[i].p, f[i].end, &x) == NULL)
			return "a field is not an unsigned decimal";
		if (i >= FIRST_USED)
			v[i - FIRST_USED] = x;
	}
	return NULL;
}

/*
 * "timestamp" and "domainN" lines are not collected; fields a future version appends to a cpu line are
 * ignored (node_exporter does the same). A version before 15 lays the cpu line out differently
 * (node_exporter 1.5 would read the wrong fields): the file is reported and its cpu lines are left out.
 */
static const char *schedstat_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
				  unsigned lineno)
{
	bool *refused = arg;
	uint64_t id, v[USED];
	char cpu[12];
	const struct amp_label labels[] = {{"cpu", cpu}};
	const char *why;

	(void)lineno;
	if (le - line >= 8 && memcmp(line, "version ", 8) == 0) {
		uint64_t version;
		const char *p = amp_parse_u64(line + 8, le, &version);

		*refused = true;
		if (p == NULL || amp_parse_skip_blanks(p, le) != le)
			return "version is not an unsigned decimal";
		if (version < MIN_VERSION)
			return "version before 15, cpu lines not understood";
		*refused = false;
		return NULL;
	}
	if (*refused || le - line < 3 || memcmp(line, "cpu", 3) != 0)
		return NULL;
	why = parse_cpu(line + 3, le, &id, v);
	if (why != NULL)
		return why;
	snprintf(cpu, sizeof(cpu), "%u", (unsigned)id);
	for (unsigned i = 0; i < USED; i++)
		(void)amp_collect_emit(ctx, &sched_fields[i].fam, labels, 1, (double)v[i] / sched_fields[i].scale);
	return NULL;
}

/* A malformed cpu line is skipped, the others still count, and the collector then returns AMP_ERR_INVALID. */
static int schedstat_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	bool refused = false;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, SCHEDSTAT_FILE, &last_warn_ms, schedstat_line, &refused);

	return rc == AMP_ERR_NOTFOUND ? AMP_OK : rc;
}

const struct amp_collector amp_collector_schedstat = {"schedstat", AMP_COLLECTOR_SCHEDSTAT, schedstat_collect};
