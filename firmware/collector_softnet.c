/* softnet collector: per-CPU packet processing counters from /proc/net/softnet_stat, as node_softnet_*_total{cpu}. */
/* net/core/net-procfs.c (softnet_seq_show): one line of "%08x" columns per online CPU, 9 since 2.6, 15 in 6.x. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdio.h>

#define MOD "softnet"
#define SOFTNET_FILE "net/softnet_stat"

/* processed, dropped, time_squeeze, five unused, cpu_collision: what every kernel since 2.6 prints. */
#define SOFTNET_MIN_COLUMNS 9
#define SOFTNET_USED 3

/* node_exporter 1.5's families (help texts without a final period, as there). */
static const struct amp_family fams[SOFTNET_USED] = {
	{"node_softnet_processed_total", "Number of processed packets", AMP_METRIC_COUNTER},
	{"node_softnet_dropped_total", "Number of dropped packets", AMP_METRIC_COUNTER},
	{"node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", AMP_METRIC_COUNTER},
};

/*
 * The cpu label is the line's position (0, 1, ...), as in node_exporter 1.5: offline CPUs have no line,
 * so on a board with CPUs switched off it is not the CPU's number (kernels since 5.10 print that number
 * in column 13, which 1.5 ignores and so do we, to keep the same series). A malformed line keeps its
 * position. Every column must be hex, the unused ones too: a line that is not the kernel's is not used.
 */
static const char *softnet_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
				unsigned lineno)
{
	const char *pos = line, *tok, *tok_end;
	uint64_t v[SOFTNET_USED];
	unsigned n = 0;
	char cpu[12];
	const struct amp_label labels[] = {{"cpu", cpu}};

	(void)arg;
	while ((tok = amp_procparse_next(&pos, le, &tok_end)) != NULL) {
		uint64_t x;

		if (amp_procparse_hex_u64(tok, tok_end, &x) == NULL)
			return "a column is not hexadecimal";
		if (n < SOFTNET_USED)
			v[n] = x;
		n++;
	}
	if (n < SOFTNET_MIN_COLUMNS)
		return "fewer than 9 columns";
	snprintf(cpu, sizeof(cpu), "%u", lineno - 1);
	for (unsigned i = 0; i < SOFTNET_USED; i++)
		(void)amp_collect_emit(ctx, &fams[i], labels, 1, (double)v[i]);
	return NULL;
}

/* A malformed line is skipped, the others still count, and the collector then returns AMP_ERR_INVALID. */
static int softnet_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, SOFTNET_FILE, &last_warn_ms, softnet_line, NULL);

	return rc == AMP_ERR_NOTFOUND ? AMP_OK : rc;
}

const struct amp_collector amp_collector_softnet = {"softnet", AMP_COLLECTOR_SOFTNET, softnet_collect};
