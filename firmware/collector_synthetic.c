/* synthetic collector (tests and benchmark only): N made-up series whose values change every collection. */
/* Reads nothing: the series exist so bench/run.sh can measure how cost grows with the number of series. */
#include "collector.h"

#include <stdint.h>

/*
 * Even series are counters, odd ones gauges, so a frame mixes both as a host's does. Every value changes
 * every collection (a frame of unchanged values would cost the ring 1 bit each and flatter the figures);
 * each change is a small decimal delta, the ring's common case for real counters and gauges.
 */
static const struct amp_family fam_total = {
	"amp_synthetic_total", "Synthetic counter of the test/benchmark collector.", AMP_METRIC_COUNTER};
static const struct amp_family fam_value = {
	"amp_synthetic_value", "Synthetic gauge of the test/benchmark collector.", AMP_METRIC_GAUGE};

/* Collections that emitted series, from 1: the values are a function of it and of the series index. */
static uint64_t synthetic_cycle;

/* "i" in decimal, into buf (room for any uint32_t). No snprintf: this runs N times a collection. */
static void index_text(char buf[11], uint32_t i)
{
	char tmp[10];
	unsigned n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + i % 10u);
		i /= 10u;
	} while (i != 0);
	while (n > 0)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
}

/* Counter i: starts at 1000 * i and grows by (i % 7) + 1 a collection, so deltas differ between series. */
static double total_at(uint32_t i, uint64_t cycle)
{
	return (double)((uint64_t)i * 1000u + cycle * (i % 7u + 1u));
}

/* Gauge i: steps by 1.3 a collection, modulo 100, from an offset of its own: one decimal digit, never still. */
static double value_at(uint32_t i, uint64_t cycle)
{
	return (double)(((uint64_t)i * 37u + cycle * 13u) % 1000u) / 10.0;
}

/*
 * Emits ctx->synthetic_series series (at most CONFIG_MAX_SERIES) through amp_collect_emit, so the filter,
 * the registry's limits and the label arena apply as to any collector, and every series that finds no
 * room is counted in dropped_series like theirs.
 */
static int synthetic_collect(struct amp_collect_ctx *ctx)
{
	uint32_t n = ctx->synthetic_series;
	char text[11];
	struct amp_label label = {"series", text};

	if (n == 0)
		return AMP_OK;
	if (n > CONFIG_MAX_SERIES)
		n = CONFIG_MAX_SERIES;
	synthetic_cycle++;
	for (uint32_t i = 0; i < n; i++) {
		index_text(text, i);
		if (i % 2u == 0)
			(void)amp_collect_emit(ctx, &fam_total, &label, 1, total_at(i, synthetic_cycle));
		else
			(void)amp_collect_emit(ctx, &fam_value, &label, 1, value_at(i, synthetic_cycle));
	}
	return AMP_OK;
}

const struct amp_collector amp_collector_synthetic = {"synthetic", AMP_COLLECTOR_SYNTHETIC, synthetic_collect};
