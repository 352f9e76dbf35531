/* Tests of [filter] rules: parsing, drop/keep semantics as Prometheus's relabeling has them, reasons, limits. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "filter.h"

static struct amp_filter filter;

static int setup(void **state)
{
	(void)state;
	amp_filter_init(&filter);
	return 0;
}

static void add_ok(const char *key, const char *value)
{
	const char *why = NULL;
	int rc = amp_filter_add(&filter, key, value, &why);

	if (rc != AMP_OK)
		fail_msg("%s = %s: %d %s", key, value, rc, why != NULL ? why : "");
}

struct verdict_case {
	const char *name;
	const char *labels; /* "a=1,b=2" or "" */
	enum amp_filter_verdict want;
};

static void check_cases(const struct verdict_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct amp_label labels[8];
		char text[256];
		unsigned count = 0;
		char *save = NULL;
		enum amp_filter_verdict got;

		snprintf(text, sizeof(text), "%s", cases[i].labels);
		for (char *tok = strtok_r(text, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');

			assert_non_null(eq);
			*eq = '\0';
			labels[count].name = tok;
			labels[count].value = eq + 1;
			count++;
		}
		got = amp_filter_check(&filter, cases[i].name, labels, count);
		if (got != cases[i].want)
			fail_msg("%s{%s}: verdict %d, want %d", cases[i].name, cases[i].labels, got, cases[i].want);
	}
}

static void test_empty_filter_passes(void **state)
{
	(void)state;
	assert_int_equal(amp_filter_check(&filter, "node_load1", NULL, 0), AMP_FILTER_PASS);
	assert_int_equal(amp_filter_check(NULL, "node_load1", NULL, 0), AMP_FILTER_PASS);
	assert_int_equal(amp_filter_check_name(&filter, "x"), AMP_FILTER_PASS);
}

/* The examples of docs/configuration.md, and what each does to a few series. */
static void test_drop_and_keep(void **state)
{
	static const struct verdict_case cases[] = {
		{"node_scrape_collector_success", "collector=cpu", AMP_FILTER_DROPPED_BY_NAME},
		{"node_cpu_seconds_total", "cpu=0,mode=idle", AMP_FILTER_PASS},
		{"node_memory_MemFree_bytes", "", AMP_FILTER_PASS},
		{"node_load1", "", AMP_FILTER_DROPPED_BY_NAME}, /* not kept */
		{"node_disk_io_now", "device=sda", AMP_FILTER_DROPPED_BY_NAME},
		{"node_cpu_seconds_total", "cpu=0,device=loop3", AMP_FILTER_DROPPED_BY_LABEL},
		{"node_cpu_seconds_total", "cpu=0,device=loop", AMP_FILTER_PASS},
		{"node_cpu_seconds_total", "cpu=0,device=loop12", AMP_FILTER_DROPPED_BY_LABEL},
	};

	(void)state;
	add_ok("drop", "node_scrape_.*");
	add_ok("keep", "node_(cpu|memory)_.*");
	add_ok("drop_label", "device=~loop[0-9]+");
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(amp_filter_check_name(&filter, "node_load1"), AMP_FILTER_DROPPED_BY_NAME);
	assert_int_equal(amp_filter_check_name(&filter, "node_cpu_seconds_total"), AMP_FILTER_PASS);
}

/* keep_label drops series without the label: an absent label has the value "" (Prometheus's rule). */
static void test_keep_label_and_absent_labels(void **state)
{
	static const struct verdict_case cases[] = {
		/* no mode label: "" is not user|system|idle, so even eth0 goes */
		{"node_network_receive_bytes_total", "device=eth0", AMP_FILTER_DROPPED_BY_LABEL},
		{"node_network_receive_bytes_total", "device=wlan0", AMP_FILTER_DROPPED_BY_LABEL},
		{"node_cpu_seconds_total", "mode=user", AMP_FILTER_PASS},          /* no device: "" matches */
		{"node_cpu_seconds_total", "mode=steal", AMP_FILTER_DROPPED_BY_LABEL},
		{"node_cpu_seconds_total", "device=,mode=idle", AMP_FILTER_PASS},  /* empty value = absent */
		{"node_cpu_seconds_total", "device=eth1,mode=idle", AMP_FILTER_PASS},
		{"node_cpu_seconds_total", "device=sda,mode=idle", AMP_FILTER_DROPPED_BY_LABEL},
		{"node_load1", "", AMP_FILTER_DROPPED_BY_LABEL},
	};

	(void)state;
	add_ok("keep_label", "device=~|eth[0-9]+");
	add_ok("keep_label", "mode=~user|system|idle");
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The order of the rules decides only the reason a drop is counted under: the first rule that drops. */
static void test_reason_is_first_dropping_rule(void **state)
{
	const struct amp_label sda[] = {{"device", "sda"}};

	(void)state;
	add_ok("drop", "node_disk_.*");
	add_ok("drop_label", "device=~sd[a-z]");
	assert_int_equal(amp_filter_check(&filter, "node_disk_io_now", sda, 1), AMP_FILTER_DROPPED_BY_NAME);
	amp_filter_init(&filter);
	add_ok("drop_label", "device=~sd[a-z]");
	add_ok("drop", "node_disk_.*");
	assert_int_equal(amp_filter_check(&filter, "node_disk_io_now", sda, 1), AMP_FILTER_DROPPED_BY_LABEL);
	assert_int_equal(amp_filter_check(&filter, "node_disk_io_now", NULL, 0), AMP_FILTER_DROPPED_BY_NAME);
}

static void test_name_label_rule(void **state)
{
	(void)state;
	add_ok("drop_label", "__name__=~go_.*");
	assert_int_equal(amp_filter_check(&filter, "go_goroutines", NULL, 0), AMP_FILTER_DROPPED_BY_NAME);
	assert_int_equal(amp_filter_check_name(&filter, "go_goroutines"), AMP_FILTER_DROPPED_BY_NAME);
	assert_int_equal(amp_filter_check(&filter, "node_load1", NULL, 0), AMP_FILTER_PASS);
	/* Label rules are not name rules: check_name ignores them. */
	add_ok("drop_label", "device=~.*");
	assert_int_equal(amp_filter_check_name(&filter, "node_load1"), AMP_FILTER_PASS);
	assert_int_equal(amp_filter_check(&filter, "node_load1", NULL, 0), AMP_FILTER_DROPPED_BY_LABEL);
}

struct bad_rule {
	const char *key;
	const char *value;
	int rc;
	const char *why;
};

static void test_bad_rules(void **state)
{
	static const struct bad_rule bad[] = {
		{"dropp", "x", AMP_ERR_NOTFOUND, "unknown key (expected drop, keep, drop_label or keep_label)"},
		{"drop_label", "device", AMP_ERR_INVALID, "expected LABEL=~PATTERN"},
		{"drop_label", "device=sda", AMP_ERR_INVALID, "expected LABEL=~PATTERN"},
		{"keep_label", "=~sda", AMP_ERR_INVALID, "expected LABEL=~PATTERN"},
		{"keep_label", "dev-ice=~sda", AMP_ERR_INVALID, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)"},
		{"keep_label", "1dev=~sda", AMP_ERR_INVALID, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)"},
		{"keep_label",
		 "a234567890123456789012345678901234567890123456789012345678901234=~x", AMP_ERR_INVALID,
		 "label name too long"},
		{"drop", "node_{2}", AMP_ERR_INVALID, "counted repetition {n,m} is not supported (write \\{ for a brace)"},
		{"drop", "(?i)node", AMP_ERR_INVALID, "flags and named groups (?...) are not supported"},
		{"drop_label", "device=~(loop", AMP_ERR_INVALID, "missing closing )"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		int rc = amp_filter_add(&filter, bad[i].key, bad[i].value, &why);

		if (rc != bad[i].rc || why == NULL || strcmp(why, bad[i].why) != 0)
			fail_msg("%s = %s: %d \"%s\", want %d \"%s\"", bad[i].key, bad[i].value, rc,
				 why != NULL ? why : "(null)", bad[i].rc, bad[i].why);
	}
	/* Nothing refused was kept. */
	assert_int_equal(filter.count, 0);
	assert_int_equal(amp_filter_check(&filter, "node_x", NULL, 0), AMP_FILTER_PASS);
}

static void test_rule_limit(void **state)
{
	const char *why = NULL;

	(void)state;
	for (unsigned i = 0; i < CONFIG_FILTER_MAX_RULES; i++)
		add_ok("drop", "never_[0-9]+");
	assert_int_equal(amp_filter_add(&filter, "drop", "x", &why), AMP_ERR_FULL);
	assert_string_equal(why, "too many rules (CONFIG_FILTER_MAX_RULES)");
	assert_int_equal(amp_filter_add(&filter, "drop", "x", NULL), AMP_ERR_FULL);
	assert_int_equal(amp_filter_check(&filter, "never_1", NULL, 0), AMP_FILTER_DROPPED_BY_NAME);
	assert_int_equal(amp_filter_check(&filter, "node_load1", NULL, 0), AMP_FILTER_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty_filter_passes, setup),
		cmocka_unit_test_setup(test_drop_and_keep, setup),
		cmocka_unit_test_setup(test_keep_label_and_absent_labels, setup),
		cmocka_unit_test_setup(test_reason_is_first_dropping_rule, setup),
		cmocka_unit_test_setup(test_name_label_rule, setup),
		cmocka_unit_test_setup(test_bad_rules, setup),
		cmocka_unit_test_setup(test_rule_limit, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
