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

/* ---- families the registry copies (names and help read from files) ---- */

static void test_family_copy_is_stable(void **state)
{
	char name[32], help[32];
	const struct amp_family *a, *b, *c;
	amp_series_id id;

	(void)state;
	/* The caller's strings may die: the registry keeps its own copies. */
	snprintf(name, sizeof(name), "job_last_success");
	snprintf(help, sizeof(help), "First help.");
	assert_int_equal(amp_registry_family_copy(&reg, name, help, AMP_METRIC_GAUGE, &a), AMP_OK);
	memset(name, 'x', sizeof(name) - 1);
	memset(help, 'y', sizeof(help) - 1);
	assert_string_equal(a->name, "job_last_success");
	assert_string_equal(a->help, "First help.");
	assert_int_equal(a->type, AMP_METRIC_GAUGE);
	assert_int_equal(amp_registry_intern(&reg, a, NULL, 0, &id), AMP_OK);
	assert_ptr_equal(amp_registry_family(&reg, id), a);
	/* Again with a new help and type: the same family, changed in place; its series stay. */
	assert_int_equal(amp_registry_family_copy(&reg, "job_last_success", "Second.", AMP_METRIC_COUNTER, &b), AMP_OK);
	assert_ptr_equal(a, b);
	assert_string_equal(a->help, "Second.");
	assert_int_equal(a->type, AMP_METRIC_COUNTER);
	assert_int_equal(amp_registry_intern(&reg, b, NULL, 0, &id), AMP_OK);
	assert_int_equal(amp_registry_count(&reg), 1);
	/* NULL help is an empty one. */
	assert_int_equal(amp_registry_family_copy(&reg, "other", NULL, AMP_METRIC_UNTYPED, &c), AMP_OK);
	assert_ptr_not_equal(a, c);
	assert_string_equal(c->help, "");
	assert_ptr_equal(amp_registry_family_find(&reg, "other"), c);
	assert_ptr_equal(amp_registry_family_find(&reg, "job_last_success"), a);
	assert_null(amp_registry_family_find(&reg, "absent"));
	assert_true(amp_registry_family_copied(&reg, a));
	assert_false(amp_registry_family_copied(&reg, &fam_cpu));
	/* init forgets them. */
	amp_registry_init(&reg);
	assert_null(amp_registry_family_find(&reg, "other"));
}

static void test_family_copy_refusals(void **state)
{
	char longname[CONFIG_TEXTFILE_MAX_NAME_LEN + 1];
	const struct amp_family *f = NULL;
	amp_series_id id;

	(void)state;
	assert_int_equal(amp_registry_family_copy(&reg, "9bad", "", AMP_METRIC_GAUGE, &f), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_family_copy(&reg, "", "", AMP_METRIC_GAUGE, &f), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_family_copy(&reg, NULL, "", AMP_METRIC_GAUGE, &f), AMP_ERR_INVALID);
	assert_int_equal(amp_registry_family_copy(&reg, "a-b", "", AMP_METRIC_GAUGE, &f), AMP_ERR_INVALID);
	/* A collector's static family owns its name. */
	assert_int_equal(amp_registry_intern(&reg, &fam_load, NULL, 0, &id), AMP_OK);
	assert_int_equal(amp_registry_family_copy(&reg, "node_load1", "", AMP_METRIC_GAUGE, &f), AMP_ERR_INVALID);
	assert_ptr_equal(amp_registry_family_find(&reg, "node_load1"), &fam_load);
	/* The longest name that fits, and one byte more. */
	memset(longname, 'n', sizeof(longname));
	longname[CONFIG_TEXTFILE_MAX_NAME_LEN - 1] = '\0';
	assert_int_equal(amp_registry_family_copy(&reg, longname, "", AMP_METRIC_GAUGE, &f), AMP_OK);
	assert_string_equal(f->name, longname);
	longname[CONFIG_TEXTFILE_MAX_NAME_LEN - 1] = 'n';
	longname[CONFIG_TEXTFILE_MAX_NAME_LEN] = '\0';
	assert_int_equal(amp_registry_family_copy(&reg, longname, "", AMP_METRIC_GAUGE, &f), AMP_ERR_FULL);
}

static void test_family_copy_full(void **state)
{
	const struct amp_family *f;
	char name[32];

	(void)state;
	for (unsigned i = 0; i < CONFIG_TEXTFILE_MAX_FAMILIES; i++) {
		snprintf(name, sizeof(name), "fam_%u", i);
		assert_int_equal(amp_registry_family_copy(&reg, name, "h", AMP_METRIC_GAUGE, &f), AMP_OK);
	}
	assert_int_equal(amp_registry_family_copy(&reg, "one_more", "h", AMP_METRIC_GAUGE, &f), AMP_ERR_FULL);
	/* A name already held still resolves when the table is full. */
	assert_int_equal(amp_registry_family_copy(&reg, "fam_0", "new", AMP_METRIC_GAUGE, &f), AMP_OK);
	assert_string_equal(f->help, "new");
}

/* A long help is cut to the slot, never inside a UTF-8 sequence. */
static void test_family_copy_help_cut(void **state)
{
	char help[CONFIG_TEXTFILE_MAX_HELP_LEN + 8];
	const struct amp_family *f;
	size_t n;

	(void)state;
	/* "e" then two-byte characters, so that the limit falls inside one of them. */
	help[0] = 'e';
	n = 1;
	while (n + 2 < sizeof(help)) {
		help[n++] = (char)0xC3;
		help[n++] = (char)0xA9;
	}
	help[n] = '\0';
	assert_int_equal(amp_registry_family_copy(&reg, "cut", help, AMP_METRIC_GAUGE, &f), AMP_OK);
	n = strlen(f->help);
	assert_true(n <= CONFIG_TEXTFILE_MAX_HELP_LEN - 1);
	assert_true(n >= CONFIG_TEXTFILE_MAX_HELP_LEN - 2);
	assert_true(((unsigned char)f->help[n - 1]) == 0xA9 || n == 1);
	assert_memory_equal(f->help, help, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_series_same_id_any_label_order, setup),
		cmocka_unit_test_setup(test_family_distinguishes_series, setup),
		cmocka_unit_test_setup(test_empty_value_is_absent, setup),
		cmocka_unit_test_setup(test_invalid_names_and_duplicates, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test_setup(test_family_copy_is_stable, setup),
		cmocka_unit_test_setup(test_family_copy_refusals, setup),
		cmocka_unit_test_setup(test_family_copy_full, setup),
		cmocka_unit_test_setup(test_family_copy_help_cut, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
