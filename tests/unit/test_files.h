/* Helpers of the credential tests: a temporary directory per program, files replaced as rotators do. */
#ifndef AMP_TEST_FILES_H
#define AMP_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The program's temporary directory, made by test_files_setup. */
static char test_files_dir[64];

/* cmocka group setup: makes test_files_dir. */
static inline int test_files_setup(void **state)
{
	(void)state;
	snprintf(test_files_dir, sizeof(test_files_dir), "/tmp/amp-test-XXXXXX");
	return mkdtemp(test_files_dir) != NULL ? 0 : -1;
}

/* cmocka group teardown: removes it (its name came from mkdtemp: safe for the shell). */
static inline int test_files_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_files_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to path the way credential rotators do: a new file renamed over the old one. */
static inline void test_files_replace(const char *path, const char *text)
{
	char tmp[300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

#endif
