/* Tests of amp_zero: it zeroes, and it leaves pages that are zero already unwritten (not resident). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "zero.h"

static void test_zeroes_any_span(void **state)
{
	static unsigned char buf[3 * 4096 + 64];

	(void)state;
	/* spans that start and end inside pieces, one byte, and whole pieces */
	const size_t spans[][2] = {{0, sizeof(buf)}, {1, 1}, {7, 4096}, {4095, 2}, {100, 3 * 4096 - 40}};

	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		size_t at = spans[i][0], n = spans[i][1];

		memset(buf, 0xa5, sizeof(buf));
		amp_zero(buf + at, n);
		for (size_t j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], j >= at && j < at + n ? 0 : 0xa5);
	}
	amp_zero(buf, 0);
}

static long rss_anon_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "RssAnon:", 8) == 0)
			v = atol(line + 8);
	}
	fclose(f);
	return v;
}

/* 4 MiB never written: amp_zero reads it (the zero page) and writes none of it; memset would make it all resident. */
static void test_leaves_zero_pages_unwritten(void **state)
{
	const size_t len = 4u << 20;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long before;

	(void)state;
	assert_true(m != MAP_FAILED);
	before = rss_anon_kib();
	amp_zero(m, len);
	assert_true(rss_anon_kib() - before < 256);
	/* a page written since is zeroed again, and only it becomes resident */
	m[len / 2] = 1;
	amp_zero(m, len);
	assert_int_equal(m[len / 2], 0);
	assert_true(rss_anon_kib() - before < 256);
	/* the control: memset makes the whole span resident (so the check above can fail) */
	memset(m, 0, len);
	assert_true(rss_anon_kib() - before >= (long)(len / 1024) - 256);
	munmap(m, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroes_any_span),
		cmocka_unit_test(test_leaves_zero_pages_unwritten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
