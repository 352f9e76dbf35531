/*
 * Tests of the POSIX port's directory cache (port/posix/port_dircache.c) through port_read_file: the
 * /proc and /sys directories held, other file systems not, a directory removed and made again found at
 * once, the rename it documents it cannot see, and a cache that is full.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "opts.h"
#include "port.h"
#include "posix/port_dircache.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	if (CONFIG_PORT_DIR_CACHE_SLOTS == 0)
		skip(); /* no cache: port_read_file opens every path whole, as test_port_posix tests */
	snprintf(dir, sizeof(dir), "/tmp/amp-dircache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	port_dircache_hold_any_fs(false);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void path_of(char *out, size_t cap, const char *name)
{
	assert_true(snprintf(out, cap, "%s/%s", dir, name) < (int)cap);
}

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sub(const char *name)
{
	char path[256];

	path_of(path, sizeof(path), name);
	assert_int_equal(mkdir(path, 0700), 0);
}

static int read_named(const char *name, char *buf, size_t cap)
{
	char path[256];
	size_t len;

	path_of(path, sizeof(path), name);
	return port_read_file(path, buf, cap, &len);
}

static void test_proc_and_sys_held(void **state)
{
	char buf[4096], want[32];
	size_t len;

	(void)state;
	port_files_forget();
	assert_int_equal(port_dircache_held(), 0);
	/* /proc/self/stat starts with the pid; read twice through the held /proc/self */
	snprintf(want, sizeof(want), "%d (", (int)getpid());
	for (int i = 0; i < 2; i++) {
		assert_int_equal(port_read_file("/proc/self/stat", buf, sizeof(buf), &len), AMP_OK);
		assert_memory_equal(buf, want, strlen(want));
	}
	assert_int_equal(port_dircache_held(), 1);
	assert_int_equal(port_read_file("/proc/sys/kernel/ostype", buf, sizeof(buf), &len), AMP_OK);
	assert_string_equal(buf, "Linux\n");
	assert_int_equal(port_dircache_held(), 2);
	/* a missing file in a held directory is missing; the directory stays held */
	assert_int_equal(port_read_file("/proc/self/no-such-file", buf, sizeof(buf), &len), AMP_ERR_NOTFOUND);
	assert_int_equal(port_dircache_held(), 2);
	if (access("/sys/devices/system/cpu/online", R_OK) == 0) {
		assert_int_equal(port_read_file("/sys/devices/system/cpu/online", buf, sizeof(buf), &len), AMP_OK);
		assert_true(len > 0 && buf[0] >= '0' && buf[0] <= '9');
		assert_int_equal(port_dircache_held(), 3);
	}
	port_files_forget();
	assert_int_equal(port_dircache_held(), 0);
}

static void test_other_file_systems_not_held(void **state)
{
	char buf[16];

	(void)state;
	port_files_forget();
	put("f", "one");
	assert_int_equal(read_named("f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "one");
	assert_int_equal(port_dircache_held(), 0);
	/* replaced by rename, as a textfile collector's file is: the new one is read */
	put("g", "two");
	{
		char from[256], to[256];

		path_of(from, sizeof(from), "g");
		path_of(to, sizeof(to), "f");
		assert_int_equal(rename(from, to), 0);
	}
	assert_int_equal(read_named("f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "two");
}

static void test_removed_and_made_again(void **state)
{
	char buf[16], a[256], b[256];

	(void)state;
	port_dircache_hold_any_fs(true);
	sub("a");
	put("a/f", "one");
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "one");
	assert_int_equal(port_dircache_held(), 1);
	put("a/f", "two"); /* rewritten in place */
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "two");
	assert_int_equal(read_named("a/none", buf, sizeof(buf)), AMP_ERR_NOTFOUND);
	assert_int_equal(port_dircache_held(), 1);

	/* removed and made again under its name: the held handle has no f, the fresh lookup has */
	path_of(a, sizeof(a), "a/f");
	assert_int_equal(unlink(a), 0);
	path_of(a, sizeof(a), "a");
	assert_int_equal(rmdir(a), 0);
	sub("a");
	put("a/f", "three");
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "three");
	assert_int_equal(port_dircache_held(), 1);

	/* a directory that is not there yet is looked for again at the next read (~/.aws made later) */
	assert_int_equal(read_named("later/f", buf, sizeof(buf)), AMP_ERR_NOTFOUND);
	sub("later");
	put("later/f", "made");
	assert_int_equal(read_named("later/f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "made");
	assert_int_equal(port_dircache_held(), 2);

	/* removed for good: not found, and nothing held for it */
	path_of(a, sizeof(a), "a/f");
	assert_int_equal(unlink(a), 0);
	path_of(a, sizeof(a), "a");
	assert_int_equal(rmdir(a), 0);
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_ERR_NOTFOUND);
	assert_int_equal(port_dircache_held(), 1);

	/*
	 * The limit port_dircache.h names: renamed while another takes its name, the old directory is read
	 * until the handles are let go (a reload, or CONFIG_PORT_DIR_CACHE_SECONDS).
	 */
	port_files_forget();
	sub("a");
	put("a/f", "old");
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_OK);
	path_of(a, sizeof(a), "a");
	path_of(b, sizeof(b), "b");
	assert_int_equal(rename(a, b), 0);
	sub("a");
	put("a/f", "new");
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "old");
	port_files_forget();
	assert_int_equal(read_named("a/f", buf, sizeof(buf)), AMP_OK);
	assert_string_equal(buf, "new");
}

static void test_full_cache_reads_whole_paths(void **state)
{
	char name[32], buf[32], want[32];
	const int dirs = CONFIG_PORT_DIR_CACHE_SLOTS + 8;

	(void)state;
	port_dircache_hold_any_fs(true);
	for (int i = 0; i < dirs; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		sub(name);
		snprintf(name, sizeof(name), "d%d/v", i);
		snprintf(want, sizeof(want), "%d", i);
		put(name, want);
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < dirs; i++) {
			snprintf(name, sizeof(name), "d%d/v", i);
			snprintf(want, sizeof(want), "%d", i);
			assert_int_equal(read_named(name, buf, sizeof(buf)), AMP_OK);
			assert_string_equal(buf, want);
		}
	}
	assert_true(port_dircache_held() > 0);
	assert_true(port_dircache_held() <= CONFIG_PORT_DIR_CACHE_SLOTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_proc_and_sys_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_file_systems_not_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_and_made_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_cache_reads_whole_paths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
