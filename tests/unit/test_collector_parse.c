/* Tests of the collectors' shared parsers (collector_internal.h): numbers, lines, bad-line rate limit. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "collector_internal.h"

#define FIELD(s) (s), (s) + strlen(s)

static void test_u64_and_i64(void **state)
{
	uint64_t u = 7;
	int64_t i = 7;

	(void)state;
	assert_non_null(amp_parse_u64(FIELD("18446744073709551615"), &u));
	assert_true(u == UINT64_MAX);
	assert_null(amp_parse_u64(FIELD("18446744073709551616"), &u));
	assert_null(amp_parse_u64(FIELD("-1"), &u));
	assert_null(amp_parse_u64(FIELD("12a"), &u));
	assert_null(amp_parse_u64(FIELD(""), &u));
	assert_string_equal(amp_parse_u64(FIELD("42 rest"), &u), " rest");
	assert_true(u == 42);
	assert_non_null(amp_parse_i64(FIELD("-9223372036854775808"), &i));
	assert_true(i == INT64_MIN);
	assert_null(amp_parse_i64(FIELD("9223372036854775808"), &i));
	assert_non_null(amp_parse_i64(FIELD("-12"), &i));
	assert_true(i == -12);
	assert_null(amp_parse_i64(FIELD("--1"), &i));
	assert_null(amp_parse_i64(FIELD("-"), &i));
}

static void test_decimal_matches_strtod(void **state)
{
	const char *good[] = {"0", "0.00", "1.72", "-3.5", "123456789012345", "0.000000000000001", "00012.5",
			      "99999.9999999999", "-0.25"};
	const char *bad[] = {"", "-", ".5", "5.", "1e3", "nan", "+1", "1.2.3", "1234567890123456", "0x10", "1,5"};
	double v;

	(void)state;
	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		assert_non_null(amp_parse_decimal(FIELD(good[k]), &v));
		assert_true(v == strtod(good[k], NULL));
	}
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		v = 99;
		assert_null(amp_parse_decimal(FIELD(bad[k]), &v));
		assert_true(v == 99);
	}
}

static void test_lines(void **state)
{
	const char text[] = "a b\n\nlast";
	struct amp_lines it;
	const char *l, *le;

	(void)state;
	amp_lines_init(&it, text, strlen(text));
	assert_true(amp_lines_next(&it, &l, &le));
	assert_int_equal(le - l, 3);
	assert_true(amp_lines_next(&it, &l, &le));
	assert_int_equal(le - l, 0);
	assert_true(amp_lines_next(&it, &l, &le));
	assert_int_equal(it.lineno, 3);
	assert_memory_equal(l, "last", 4);
	assert_int_equal(le - l, 4);
	assert_false(amp_lines_next(&it, &l, &le));
}

static void test_bad_line_rate_limit(void **state)
{
	struct amp_collect_ctx ctx;
	struct amp_bad_lines bad;
	uint64_t last = 0;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.now_ms = 5000;
	amp_bad_lines_init(&bad, &ctx, "test", "/proc", "stat", &last);
	amp_bad_line(&bad, 3, "junk");
	amp_bad_line(&bad, 4, "junk");
	assert_int_equal(bad.count, 2);
	assert_true(last == 5000);                   /* the first warned */
	ctx.now_ms = 5000 + AMP_BAD_LINE_WARN_INTERVAL_MS - 1;
	amp_bad_lines_init(&bad, &ctx, "test", "/proc", "stat", &last);
	amp_bad_line(&bad, 3, "junk");
	assert_true(last == 5000);                   /* too soon: debug only */
	ctx.now_ms = 5000 + AMP_BAD_LINE_WARN_INTERVAL_MS;
	amp_bad_lines_init(&bad, &ctx, "test", "/proc", "stat", &last);
	amp_bad_line(&bad, 3, "junk");
	assert_true(last == 5000 + AMP_BAD_LINE_WARN_INTERVAL_MS); /* warned again */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_and_i64),
		cmocka_unit_test(test_decimal_matches_strtod),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bad_line_rate_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
