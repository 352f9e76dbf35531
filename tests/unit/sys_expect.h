/* Shared by the /sys and system collector tests: one collector into a fresh frame, series as text, exact checks. */
#ifndef AMP_TEST_SYS_EXPECT_H
#define AMP_TEST_SYS_EXPECT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "config.h"
#include "log.h"

/* One expected series: "name{a=1,b=2}" (labels sorted by name, empty ones absent) and its value. */
struct sys_expect {
	const char *series;
	double value;
};

#define SYS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct amp_registry sys_reg;
static char sys_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry sys_entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx sys_ctx;
static struct amp_filesystem_options sys_fs_options;

/* A fresh registry and frame reading procfs and sysfs under the given roots, [filesystem] at its defaults. */
static inline void sys_ctx_init(const char *procfs, const char *sysfs)
{
	amp_registry_init(&sys_reg);
	memset(&sys_ctx, 0, sizeof(sys_ctx));
	memset(&sys_fs_options, 0, sizeof(sys_fs_options));
	sys_fs_options.keep_root = true;
	strcpy(sys_fs_options.rootfs, "/");
	sys_fs_options.mount_timeout_ms = 2000;
	sys_ctx.procfs = procfs;
	sys_ctx.sysfs = sysfs;
	sys_ctx.clk_tck = 100;
	sys_ctx.reg = &sys_reg;
	sys_ctx.entries = sys_entries;
	sys_ctx.entry_cap = CONFIG_MAX_SERIES;
	sys_ctx.buf = sys_buf;
	sys_ctx.buf_cap = sizeof(sys_buf);
	sys_ctx.filesystem = &sys_fs_options;
}

/* "<fixtures>/<rel>" in a static buffer per slot (two roots at once). */
static inline const char *sys_fixture(const char *rel, unsigned slot)
{
	static char paths[2][1024];
	const char *root = getenv("AMP_TEST_FIXTURES");

	if (root == NULL)
		fail_msg("AMP_TEST_FIXTURES is not set (ctest sets it)");
	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", root, rel);
	return paths[slot];
}

/* Runs one collector into an empty frame (the registry keeps its series), unsorted. */
static inline int sys_run(const struct amp_collector *c)
{
	sys_ctx.entry_count = 0;
	sys_ctx.dropped_series = 0;
	return c->collect(&sys_ctx);
}

/* Series `i` of the frame as "name{a=1,b=2}". */
static inline const char *sys_series(unsigned i)
{
	static char text[1024];
	amp_series_id id = sys_entries[i].id;
	struct amp_label l;
	unsigned cur = 0;
	const char *sep = "";
	size_t used = (size_t)snprintf(text, sizeof(text), "%s{", amp_registry_family(&sys_reg, id)->name);

	while (amp_registry_label_next(&sys_reg, id, &cur, &l) == AMP_OK && used < sizeof(text)) {
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s=%s", sep, l.name, l.value);
		sep = ",";
	}
	if (used + 2 < sizeof(text))
		strcpy(text + used, "}");
	return text;
}

/* The value of `series` in the frame; fails the test when it is absent or there twice. */
static inline double sys_value(const char *series)
{
	int found = -1;

	for (unsigned i = 0; i < sys_ctx.entry_count; i++) {
		if (strcmp(sys_series(i), series) != 0)
			continue;
		if (found >= 0)
			fail_msg("%s twice in the frame", series);
		found = (int)i;
	}
	if (found < 0)
		fail_msg("%s missing from the frame", series);
	return sys_entries[found].value;
}

static inline bool sys_has(const char *series)
{
	for (unsigned i = 0; i < sys_ctx.entry_count; i++) {
		if (strcmp(sys_series(i), series) == 0)
			return true;
	}
	return false;
}

static inline void sys_dump(void)
{
	for (unsigned i = 0; i < sys_ctx.entry_count; i++)
		print_message("  have %s %.17g\n", sys_series(i), sys_entries[i].value);
}

/*
 * The frame holds exactly these series with exactly these doubles: expectations are written as
 * node_exporter computes them (415 * 0.001, not 0.415), so equality is the test.
 */
static inline void sys_check(const struct sys_expect *exp, size_t n)
{
	if (sys_ctx.entry_count != n) {
		sys_dump();
		fail_msg("%u series, expected %zu", sys_ctx.entry_count, n);
	}
	for (size_t i = 0; i < n; i++) {
		double v = sys_value(exp[i].series);

		if (!(v == exp[i].value || (isnan(v) && isnan(exp[i].value))))
			fail_msg("%s = %.17g, expected %.17g", exp[i].series, v, exp[i].value);
	}
	assert_int_equal(sys_ctx.dropped_series, 0);
}

/* A scratch directory for the whole test group (cmocka group setup and teardown). */
static char sys_tmpdir[256];

static inline int sys_group_setup(void **state)
{
	(void)state;
	snprintf(sys_tmpdir, sizeof(sys_tmpdir), "/tmp/amp-test-sys-XXXXXX");
	return mkdtemp(sys_tmpdir) != NULL ? 0 : -1;
}

static inline void sys_rmtree(const char *dir);

static inline int sys_group_teardown(void **state)
{
	(void)state;
	sys_rmtree(sys_tmpdir);
	return 0;
}

/* Writes `content` to "<dir>/<rel>", making the directories on the way (mkdir -p, without a shell). */
static inline void sys_write(const char *dir, const char *rel, const char *content, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void sys_rmtree(const char *dir)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
