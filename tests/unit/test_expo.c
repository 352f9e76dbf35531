/* Tests of the text exposition written by --print: grouping, HELP/TYPE, escaping, value formatting. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

static struct amp_registry reg;

static void test_groups_families_and_escapes(void **state)
{
	static const struct amp_family cpu = {"node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
					      AMP_METRIC_COUNTER};
	static const struct amp_family guest = {"node_cpu_guest_seconds_total", "Back\\slash\nnewline",
						AMP_METRIC_COUNTER};
	static const struct amp_family load = {"node_load1", "1m load average.", AMP_METRIC_GAUGE};
	const struct amp_label extra[] = {{"site", "a\"b\\c\nd"}};
	const struct amp_label c0[] = {{"cpu", "0"}, {"mode", "idle"}};
	const struct amp_label c1[] = {{"cpu", "1"}, {"mode", "idle"}};
	const struct amp_label g0[] = {{"cpu", "0"}, {"mode", "user"}};
	struct amp_labels_common common;
	struct amp_frame_entry e[4];
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	(void)state;
	amp_registry_init(&reg);
	assert_int_equal(amp_labels_common_init(&common, "gw-1", "amp-agent", extra, 1), AMP_OK);
	/* cpu and guest interleave in id order, as /proc/stat yields them: the text must still group them */
	assert_int_equal(amp_registry_intern(&reg, &cpu, c0, 2, &e[0].id), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &guest, g0, 2, &e[1].id), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &cpu, c1, 2, &e[2].id), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &load, NULL, 0, &e[3].id), AMP_OK);
	e[0].value = 10.5;
	e[1].value = 0;
	e[2].value = 1e21;
	e[3].value = 0.1;
	assert_int_equal(amp_expo_write(out, &reg, &common, e, 4), AMP_OK);
	fclose(out);
	assert_string_equal(
		text,
		"# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
		"# TYPE node_cpu_seconds_total counter\n"
		"node_cpu_seconds_total{cpu=\"0\",instance=\"gw-1\",job=\"amp-agent\",mode=\"idle\",site=\"a\\\"b\\\\c\\nd\"} 10.5\n"
		"node_cpu_seconds_total{cpu=\"1\",instance=\"gw-1\",job=\"amp-agent\",mode=\"idle\",site=\"a\\\"b\\\\c\\nd\"} 1e+21\n"
		"# HELP node_cpu_guest_seconds_total Back\\\\slash\\nnewline\n"
		"# TYPE node_cpu_guest_seconds_total counter\n"
		"node_cpu_guest_seconds_total{cpu=\"0\",instance=\"gw-1\",job=\"amp-agent\",mode=\"user\",site=\"a\\\"b\\\\c\\nd\"} 0\n"
		"# HELP node_load1 1m load average.\n"
		"# TYPE node_load1 gauge\n"
		"node_load1{instance=\"gw-1\",job=\"amp-agent\",site=\"a\\\"b\\\\c\\nd\"} 0.1\n");
	free(text);
}

static void test_value_formatting(void **state)
{
	const struct {
		double v;
		const char *text;
	} cases[] = {
		{0.1, "0.1"}, {1.0 / 3.0, "0.3333333333333333"}, {-2.5, "-2.5"}, {123456789012.0, "123456789012"},
		{INFINITY, "+Inf"}, {-INFINITY, "-Inf"}, {NAN, "NaN"}, {5e-324, "5e-324"}, {1e21, "1e+21"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		amp_expo_format_value(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
		if (isfinite(cases[i].v))
			assert_true(strtod(buf, NULL) == cases[i].v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_families_and_escapes),
		cmocka_unit_test(test_value_formatting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
