/* cpu collector: time each CPU spent in each mode, from /proc/stat, as node_exporter's node_cpu_*seconds_total. */
/* Documentation/filesystems/proc.rst (1.8, /proc/stat): cpuN lines count time per mode in USER_HZ ticks. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define MOD "cpu"
#define STAT_FILE "stat"

/*
 * Columns of a cpuN line: user nice system idle (Linux 2.4), iowait irq softirq (2.6), steal (2.6.11),
 * guest (2.6.24), guest_nice (2.6.33). A kernel prints a prefix of this list; columns a future kernel
 * appends are ignored.
 */
#define CPU_COLUMNS 10
#define CPU_MIN_COLUMNS 4
#define CPU_MODES 8 /* the columns of node_cpu_seconds_total; guest and guest_nice go to their own family */
/* CONFIG_NR_CPUS tops out at 8192 on every architecture; a larger number is junk, not a CPU. */
#define CPU_MAX_ID 65535u

static const struct amp_family fam_seconds = {
	"node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", AMP_METRIC_COUNTER};
static const struct amp_family fam_guest = {
	"node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.", AMP_METRIC_COUNTER};

static const char *const mode_names[CPU_MODES] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
};

/*
 * Parses one "cpuN v1 v2 ..." line (the "cpu" prefix already matched, p after it) into *id and ticks[];
 * returns the column count, or 0 with *why set when the line is malformed.
 */
static unsigned parse_cpu_line(const char *p, const char *end, uint64_t *id, uint64_t ticks[CPU_COLUMNS],
			       const char **why)
{
	unsigned n = 0;

	p = amp_parse_u64(p, end, id);
	if (p == NULL || *id > CPU_MAX_ID) {
		*why = "bad cpu number";
		return 0;
	}
	p = amp_parse_skip_blanks(p, end);
	while (p < end && n < CPU_COLUMNS) {
		p = amp_parse_u64(p, end, &ticks[n]);
		if (p == NULL) {
			*why = "column is not an unsigned decimal";
			return 0;
		}
		n++;
		p = amp_parse_skip_blanks(p, end);
	}
	if (n < CPU_MIN_COLUMNS) {
		*why = "fewer than 4 columns";
		return 0;
	}
	return n;
}

/*
 * Emits what the kernel printed: an older kernel's missing columns give no series (node_exporter, through
 * procfs, would report them as 0). A malformed cpuN line is skipped whole, the others still count, and
 * the collector then returns AMP_ERR_INVALID; so does a file without any cpuN line.
 */
static int cpu_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	struct amp_bad_lines bad;
	struct amp_lines lines;
	const char *line, *le;
	unsigned cpus = 0;
	double tck;
	size_t len;
	int rc;

	if (ctx->clk_tck <= 0) {
		AMP_LOG_W(MOD, "clock ticks per second is %ld, CPU times not collected", ctx->clk_tck);
		return AMP_ERR_INVALID;
	}
	tck = (double)ctx->clk_tck;
	rc = amp_collect_read(ctx, ctx->procfs, STAT_FILE, &len);
	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;

	amp_bad_lines_init(&bad, ctx, MOD, ctx->procfs, STAT_FILE, &last_warn_ms);
	amp_lines_init(&lines, ctx->buf, len);
	while (amp_lines_next(&lines, &line, &le)) {
		uint64_t ticks[CPU_COLUMNS];
		uint64_t id;
		const char *why = NULL;
		char cpu_label[12];
		unsigned n;

		/* Only cpuN lines; "cpu " is the sum of them, and intr, ctxt, btime... belong to other collectors. */
		if (le - line < 3 || memcmp(line, "cpu", 3) != 0 || (le - line > 3 && amp_parse_is_blank(line[3])))
			continue;
		n = parse_cpu_line(line + 3, le, &id, ticks, &why);
		if (n == 0) {
			amp_bad_line(&bad, lines.lineno, why);
			continue;
		}
		cpus++;
		snprintf(cpu_label, sizeof(cpu_label), "%u", (unsigned)id);
		for (unsigned i = 0; i < n && i < CPU_MODES; i++) {
			const struct amp_label labels[] = {{"cpu", cpu_label}, {"mode", mode_names[i]}};

			(void)amp_collect_emit(ctx, &fam_seconds, labels, 2, (double)ticks[i] / tck);
		}
		/* Guest time is also counted in user and nice; node_exporter reports it apart, so do we. */
		for (unsigned i = CPU_MODES; i < n; i++) {
			const struct amp_label labels[] = {{"cpu", cpu_label}, {"mode", i == CPU_MODES ? "user" : "nice"}};

			(void)amp_collect_emit(ctx, &fam_guest, labels, 2, (double)ticks[i] / tck);
		}
	}
	if (bad.count > 0)
		return AMP_ERR_INVALID;
	if (cpus == 0) {
		AMP_LOG_W(MOD, "%s/" STAT_FILE ": no cpuN line", ctx->procfs);
		return AMP_ERR_INVALID;
	}
	return AMP_OK;
}

const struct amp_collector amp_collector_cpu = {"cpu", AMP_COLLECTOR_CPU, cpu_collect};
