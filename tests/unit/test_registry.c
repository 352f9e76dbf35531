/* Tests of the series registry: interning, label order, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry.h"

static struct amp_registry reg;
static const struct amp_family fam_cpu = {"node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
					  AMP_METRIC_COUNTER};
static const struct amp_family fam_load = {"node_load1", "1m load average.", AMP_METRIC_GAUGE};

static int setup(void **state)
{
	(void)state;
	amp_registry_init(&reg);
	return 0;
}

static void labels_of(amp_series_id id, char *out, size_t cap)
{
	struct amp_label l;
	unsigned cur = 0;
	size_t used = 0;

	out[0] = '\0';
	while (amp_registry_label_next(&reg, id, &cur, &l) == AMP_OK) {
		int n = snprintf(out + used, cap - used, "%s=%s,", l.name, l.value);

		assert_true(n > 0 && (size_t)n < cap - used);
		used += (size_t)n;
	}
}

static void test_same_series_same_id_any_label_order(void **state)
{
	const struct amp_label a[] = {{"mode", "idle"}, {"cpu", "0"}};
	const struct amp_label b[] = {{"cpu", "0"}, {"mode", "idle"}};
	const struct amp_label c[] = {{"cpu", "1"}, {"mode", "idle"}};
	amp_series_id ia, ib, ic;
	char text[128];

	(void)state;
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, a, 2, &ia), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, b, 2, &ib), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, c, 2, &ic), AMP_OK);
	assert_int_equal(ia, ib);
	assert_int_not_equal(ia, ic);
	assert_int_equal(amp_registry_count(&reg), 2);
	labels_of(ia, text, sizeof(text));
	assert_string_equal(text, "cpu=0,mode=idle,");
	assert_ptr_equal(amp_registry_family(&reg, ic), &fam_cpu);
}

static void test_family_distinguishes_series(void **state)
{
	amp_series_id a, b;

	(void)state;
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, NULL, 0, &a), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &fam_load, NULL, 0, &b), AMP_OK);
	assert_int_not_equal(a, b);
}

static void test_empty_value_is_absent(void **state)
{
	const struct amp_label with_empty[] = {{"cpu", "0"}, {"extra", ""}};
	const struct amp_label plain[] = {{"cpu", "0"}};
	amp_series_id a, b;

	(void)state;
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, with_empty, 2, &a), AMP_OK);
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, plain, 1, &b), AMP_OK);
	assert_int_equal(a, b);
}

static void test_invalid_names_and_duplicates(void **state)
{
	static const struct amp_family bad = {"9bad", "", AMP_METRIC_GAUGE};
	const struct amp_label dup[] = {{"cpu", "0"}, {"cpu", "1"}};
	const struct amp_label badl[] = {{"a-b", "0"}};
	const struct amp_label colon[] = {{"a:b", "0"}};
	amp_series_id id;

	(void)state;
	assert_int_equal(amp_registry_intern(&reg, &bad, NULL, 0, &id), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, dup, 2, &id), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, badl, 1, &id), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_intern(&reg, &fam_cpu, colon, 1, &id), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_count(&reg), 0);
}

static void test_table_full(void **state)
{
	char value[16];
	amp_series_id id;
	int rc = AMP_OK;
	unsigned made = 0;

	(void)state;
	for (unsigned i = 0; i < CONFIG_MAX_SERIES + 1 && rc == AMP_OK; i++) {
		const struct amp_label l[] = {{"n", value}};

		snprintf(value, sizeof(value), "%u", i);
		rc = amp_registry_intern(&reg, &fam_load, l, 1, &id);
		if (rc == AMP_OK) {
			assert_int_equal(id, made);
			made++;
		}
	}
	assert_int_equal(rc, AMP_ERR_FULL);
	assert_true(made >= 16);
	/* Every series made is still found under its id. */
	for (unsigned i = 0; i < made; i++) {
		const struct amp_label l[] = {{"n", value}};

		snprintf(value, sizeof(value), "%u", i);
		assert_int_equal(amp_registry_intern(&reg, &fam_load, l, 1, &id), AMP_OK);
		assert_int_equal(id, i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_series_same_id_any_label_order, setup),
		cmocka_unit_test_setup(test_family_distinguishes_series, setup),
		cmocka_unit_test_setup(test_empty_value_is_absent, setup),
		cmocka_unit_test_setup(test_invalid_names_and_duplicates, setup),
		cmocka_unit_test_setup(test_table_full, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
