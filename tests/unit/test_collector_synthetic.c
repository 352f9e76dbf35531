/* Tests of the synthetic (test/benchmark) collector: names, labels, values over two collections, bounds, filter, config key. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "config.h"
#include "filter.h"
#include "registry.h"

static struct amp_registry reg;
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static struct amp_filter filter;
static struct amp_config cfg;
static char tmp_dir[64];
static char out_buf[4096];

/* A fresh registry and frame; the collector's cycle count goes on (it is the collector's own state). */
static void reset(uint32_t series)
{
	amp_registry_init(&reg);
	memset(&ctx, 0, sizeof(ctx));
	ctx.reg = &reg;
	ctx.entries = entries;
	ctx.entry_cap = CONFIG_MAX_SERIES;
	ctx.synthetic_series = series;
}

/* One collection of the synthetic collector alone (a build may leave it out of amp_collectors[]). */
static void collect(void)
{
	ctx.entry_count = 0;
	ctx.dropped_series = 0;
	assert_int_equal(amp_collector_synthetic.collect(&ctx), AMP_OK);
	amp_collect_sort(&ctx);
}

/* The series index from the one label, which must be series="<decimal>". */
static unsigned series_of(amp_series_id id)
{
	struct amp_label l;
	unsigned cursor = 0;
	char *end;
	unsigned long v;

	assert_int_equal(amp_registry_label_next(&reg, id, &cursor, &l), 0);
	assert_string_equal(l.name, "series");
	v = strtoul(l.value, &end, 10);
	assert_true(end != l.value && *end == '\0');
	assert_int_not_equal(amp_registry_label_next(&reg, id, &cursor, &l), 0);
	return (unsigned)v;
}

/* Even series: a counter from 1000 * i up by i % 7 + 1 a collection; odd: a gauge stepping 1.3 modulo 100. */
static double expected(unsigned i, uint64_t cycle)
{
	if (i % 2 == 0)
		return (double)(1000u * (uint64_t)i + cycle * (i % 7u + 1u));
	return (double)(((uint64_t)i * 37u + cycle * 13u) % 1000u) / 10.0;
}

static void test_names_labels_values_two_cycles(void **state)
{
	enum { N = 25 };
	double first[N];
	amp_series_id ids[N];
	uint64_t cycle;

	(void)state;
	reset(N);
	collect();
	assert_int_equal(ctx.entry_count, N);
	assert_int_equal(ctx.dropped_series, 0);
	assert_int_equal(amp_registry_count(&reg), N);
	/* series 0's counter is the cycle itself (1000 * 0 + cycle * 1) */
	cycle = (uint64_t)entries[0].value;
	assert_true(cycle >= 1);
	for (unsigned k = 0; k < N; k++) {
		const struct amp_family *fam = amp_registry_family(&reg, entries[k].id);
		unsigned i = series_of(entries[k].id);

		/* first seen, first numbered: the frame is in series order */
		assert_int_equal(i, k);
		assert_string_equal(fam->name, i % 2 == 0 ? "amp_synthetic_total" : "amp_synthetic_value");
		assert_int_equal(fam->type, i % 2 == 0 ? AMP_METRIC_COUNTER : AMP_METRIC_GAUGE);
		assert_true(entries[k].value == expected(i, cycle));
		first[i] = entries[k].value;
		ids[i] = entries[k].id;
	}
	assert_true(first[24] == 24000.0 + (double)(cycle * 4u));
	assert_true(first[1] == (double)((37u + cycle * 13u) % 1000u) / 10.0);

	collect();
	assert_int_equal(ctx.entry_count, N);
	assert_int_equal(amp_registry_count(&reg), N); /* the same series again, no new ones */
	for (unsigned k = 0; k < N; k++) {
		unsigned i = series_of(entries[k].id);

		assert_int_equal(entries[k].id, ids[i]);
		assert_true(entries[k].value == expected(i, cycle + 1));
		/* every value moves, so the ring's unchanged-value bit does not flatter the benchmark */
		assert_true(entries[k].value != first[i]);
		if (i % 2 == 0)
			assert_true(entries[k].value - first[i] == (double)(i % 7u + 1u));
	}
}

static void test_zero_is_off(void **state)
{
	(void)state;
	reset(0);
	collect();
	assert_int_equal(ctx.entry_count, 0);
	assert_int_equal(amp_registry_count(&reg), 0);
}

/* At most CONFIG_MAX_SERIES series whatever the context says; every one the frame cannot take is counted. */
static void test_bounds(void **state)
{
	(void)state;
	reset(CONFIG_MAX_SERIES + 100u);
	collect();
	assert_int_equal(ctx.entry_count, CONFIG_MAX_SERIES);
	assert_int_equal(ctx.dropped_series, 0);
	assert_int_equal(amp_registry_count(&reg), CONFIG_MAX_SERIES);
	assert_int_equal(series_of(entries[CONFIG_MAX_SERIES - 1].id), CONFIG_MAX_SERIES - 1);

	reset(20);
	ctx.entry_cap = 8;
	collect();
	assert_int_equal(ctx.entry_count, 8);
	assert_int_equal(ctx.dropped_series, 12);
}

/* The [filter] rules apply, and a filtered series takes no registry slot. */
static void test_filter(void **state)
{
	const char *why = NULL;

	(void)state;
	amp_filter_init(&filter);
	assert_int_equal(amp_filter_add(&filter, "drop", "amp_synthetic_value", &why), AMP_OK);
	assert_int_equal(amp_filter_add(&filter, "drop_label", "series=~1.*", &why), AMP_OK);
	reset(40);
	ctx.filter = &filter;
	collect();
	/* 20 gauges by name; of the 20 counters 0..38, by label 10..18 (5) */
	assert_int_equal(ctx.filtered_by_name, 20);
	assert_int_equal(ctx.filtered_by_label, 5);
	assert_int_equal(ctx.entry_count, 15);
	assert_int_equal(amp_registry_count(&reg), 15);
	for (unsigned k = 0; k < ctx.entry_count; k++) {
		unsigned i = series_of(entries[k].id);

		assert_int_equal(i % 2, 0);
		assert_false(i >= 10 && i <= 19);
		assert_string_equal(amp_registry_family(&reg, entries[k].id)->name, "amp_synthetic_total");
	}
}

/* ---- [collectors] synthetic_series ---- */

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/amp-synth-XXXXXX");
	return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int remove_dir(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/synth.ini", tmp_dir);
	unlink(path);
	return rmdir(tmp_dir);
}

/* Loads "[collectors]\n<line>\n" plus a URL; the log lines it wrote are in out_buf. */
static int load_line(const char *line)
{
	char path[128];
	FILE *f, *cap;
	int saved, rc;
	size_t n;

	snprintf(path, sizeof(path), "%s/synth.ini", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[collectors]\n%s\n[remote_write]\nurl = http://localhost:9090/api/v1/write\n", line);
	fclose(f);
	cap = tmpfile();
	assert_non_null(cap);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(cap), 2) >= 0);
	rc = amp_config_load(&cfg, path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(out_buf, 1, sizeof(out_buf) - 1, cap);
	out_buf[n] = '\0';
	fclose(cap);
	return rc;
}

static void test_config_key(void **state)
{
	char line[64];

	(void)state;
	/* [collectors] still names collectors: the new key must not change what an unknown name says */
	assert_int_equal(load_line("synthetics = true"), AMP_ERR_CONFIG);
	assert_non_null(strstr(out_buf, "[collectors] synthetics: unknown collector"));
	assert_int_equal(load_line("synthetic = false"), AMP_OK);
	assert_true((cfg.collectors_disabled & (1u << AMP_COLLECTOR_SYNTHETIC)) != 0);
	assert_int_equal(cfg.synthetic_series, 0);
#ifdef CONFIG_COLLECTOR_SYNTHETIC
	assert_int_equal(load_line("synthetic_series = 1000"), AMP_OK);
	assert_int_equal(cfg.synthetic_series, 1000);
	assert_int_equal(load_line("synthetic_series = 0"), AMP_OK);
	assert_int_equal(cfg.synthetic_series, 0);
	snprintf(line, sizeof(line), "synthetic_series = %u", (unsigned)CONFIG_MAX_SERIES);
	assert_int_equal(load_line(line), AMP_OK);
	assert_int_equal(cfg.synthetic_series, CONFIG_MAX_SERIES);
	snprintf(line, sizeof(line), "synthetic_series = %u", (unsigned)CONFIG_MAX_SERIES + 1u);
	assert_int_equal(load_line(line), AMP_ERR_CONFIG);
	assert_non_null(strstr(out_buf, "[collectors] synthetic_series:"));
	assert_non_null(strstr(out_buf, "expected a whole number from 0 to"));
	assert_int_equal(load_line("synthetic_series = -1"), AMP_ERR_CONFIG);
	assert_int_equal(load_line("synthetic_series = 10\nsynthetic_series = 20"), AMP_ERR_CONFIG);
	assert_non_null(strstr(out_buf, "duplicate key"));
#else
	/* a build without the collector refuses the key rather than run without the series asked for */
	(void)line;
	assert_int_equal(load_line("synthetic_series = 10"), AMP_ERR_CONFIG);
	assert_non_null(strstr(out_buf, "[collectors] synthetic_series: the synthetic collector (tests and benchmark "
					"only) is not compiled into this build (Kconfig CONFIG_COLLECTOR_SYNTHETIC)"));
	assert_int_equal(load_line("synthetic = true"), AMP_ERR_CONFIG);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_labels_values_two_cycles),
		cmocka_unit_test(test_zero_is_off),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_filter),
		cmocka_unit_test_setup_teardown(test_config_key, setup_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
