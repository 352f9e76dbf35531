/* Tests of snappy compression: round trip through the library's own decoder, and capacity checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <snappy-c.h>
#include <string.h>

#include "compress.h"

static void test_round_trip(void **state)
{
	static char in[100000], out[120000], back[100000];
	size_t n, m = sizeof(back);

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)((i * 7) % 13 + (i % 1000 == 0 ? 100 : 0));
	assert_true(amp_compress_bound(sizeof(in)) <= sizeof(out));
	assert_int_equal(amp_compress(in, sizeof(in), out, sizeof(out), &n), AMP_OK);
	assert_true(n < sizeof(in) / 4);
	assert_int_equal(snappy_uncompress(out, n, back, &m), SNAPPY_OK);
	assert_int_equal(m, sizeof(in));
	assert_memory_equal(in, back, sizeof(in));
}

static void test_refuses_small_output(void **state)
{
	static char in[1000], out[1000];
	size_t n;

	(void)state;
	memset(in, 'a', sizeof(in));
	assert_int_equal(amp_compress(in, sizeof(in), out, sizeof(out), &n), AMP_ERR_FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refuses_small_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
