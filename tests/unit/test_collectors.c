/* Tests of the collectors: realistic and hostile /proc trees, frame order, registry and frame limits. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "port.h"

/* Tests of one collector build only when Kconfig chose it; tests of the whole tree need all three. */
#if defined(CONFIG_COLLECTOR_CPU) && defined(CONFIG_COLLECTOR_MEMINFO) && defined(CONFIG_COLLECTOR_LOADAVG)
#define ALL_COLLECTORS 1
#else
#define ALL_COLLECTORS 0
#endif
#define MAYBE_UNUSED __attribute__((unused))
/*
 * The collectors of /sys and of system calls have their own test program (test_collectors_sys.c), and
 * textfile its own (test_textfile.c): here they are off, so the /proc trees below are all a collection sees.
 */
#define SYS_COLLECTORS \
	((1u << AMP_COLLECTOR_FILESYSTEM) | (1u << AMP_COLLECTOR_THERMAL_ZONE) | (1u << AMP_COLLECTOR_HWMON) | \
	 (1u << AMP_COLLECTOR_UNAME) | (1u << AMP_COLLECTOR_OS) | (1u << AMP_COLLECTOR_TIME) | \
	 (1u << AMP_COLLECTOR_TIMEX) | (1u << AMP_COLLECTOR_CPUFREQ) | (1u << AMP_COLLECTOR_POWERSUPPLYCLASS) | \
	 (1u << AMP_COLLECTOR_NETCLASS) | (1u << AMP_COLLECTOR_TEXTFILE))

/* What one series of the frame should be: family name, labels as "a=1,b=2" (sorted by name), value. */
struct expect {
	const char *name;
	const char *labels;
	double value;
};

static struct amp_registry reg;
static char read_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static char procfs[1024];
static char tmpdir[256];

/* ---- helpers ---- */

static int near(double a, double b)
{
	double d = a > b ? a - b : b - a;
	double m = a < 0 ? -a : a;

	if ((b < 0 ? -b : b) > m)
		m = b < 0 ? -b : b;
	return d <= 1e-12 * m || d <= 1e-12;
}

#define assert_double_near(a, b) \
	do { \
		double a_ = (a), b_ = (b); \
		if (!near(a_, b_)) \
			fail_msg("%s = %.17g, expected %.17g", #a, a_, b_); \
	} while (0)

static void use_tree(const char *tree)
{
	const char *root = getenv("AMP_TEST_FIXTURES");
	int n;

	if (root == NULL)
		fail_msg("AMP_TEST_FIXTURES is not set (ctest sets it)");
	n = snprintf(procfs, sizeof(procfs), "%s/%s", root, tree);
	assert_true(n > 0 && (size_t)n < sizeof(procfs));
}

/*
 * These tests count the series of cpu, meminfo and loadavg over whole fixture trees; the other collectors
 * read the same trees and have their own test files, so amp_collect_all runs only these three here.
 */
#define BASE_COLLECTORS ((1u << AMP_COLLECTOR_CPU) | (1u << AMP_COLLECTOR_MEMINFO) | (1u << AMP_COLLECTOR_LOADAVG))

static void ctx_init(const char *root, long tck)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.disabled = ~BASE_COLLECTORS;
	ctx.procfs = root;
	ctx.sysfs = "/sys";
	ctx.clk_tck = tck;
	ctx.reg = &reg;
	ctx.entries = entries;
	ctx.entry_cap = CONFIG_MAX_SERIES;
	ctx.buf = read_buf;
	ctx.buf_cap = sizeof(read_buf);
}

static int setup(void **state)
{
	(void)state;
	amp_registry_init(&reg);
	procfs[0] = '\0';
	ctx_init(procfs, 100);
	return 0;
}

/* How many collectors amp_collect_all runs under ctx.disabled. */
static unsigned enabled_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < amp_collector_count; i++)
		n += (ctx.disabled & (1u << amp_collectors[i]->id)) == 0;
	return n;
}

/* Runs one collector alone into a fresh frame, as amp_collect_all would but without sorting. */
static int run_one(const struct amp_collector *c)
{
	ctx.entry_count = 0;
	ctx.dropped_series = 0;
	return c->collect(&ctx);
}

static void series_text(amp_series_id id, char *out, size_t cap)
{
	struct amp_label l;
	unsigned cur = 0;
	int n = snprintf(out, cap, "%s{", amp_registry_family(&reg, id)->name);
	size_t used = (size_t)n;
	const char *sep = "";

	assert_true(n > 0 && used < cap);
	while (amp_registry_label_next(&reg, id, &cur, &l) == AMP_OK) {
		n = snprintf(out + used, cap - used, "%s%s=%s", sep, l.name, l.value);
		assert_true(n > 0 && (size_t)n < cap - used);
		used += (size_t)n;
		sep = ",";
	}
	assert_true(used + 1 < cap);
	out[used++] = '}';
	out[used] = '\0';
}

/* The frame holds exactly the expected series (any order), each once, each with its value. */
static void check_entries(const struct expect *exp, size_t n)
{
	char want[256], have[256];

	if (ctx.entry_count != n) {
		for (unsigned i = 0; i < ctx.entry_count; i++) {
			series_text(entries[i].id, have, sizeof(have));
			print_message("  have %s %.17g\n", have, entries[i].value);
		}
		fail_msg("%u entries, expected %zu", ctx.entry_count, n);
	}
	for (size_t i = 0; i < n; i++) {
		int found = 0;

		snprintf(want, sizeof(want), "%s{%s}", exp[i].name, exp[i].labels);
		for (unsigned j = 0; j < ctx.entry_count; j++) {
			series_text(entries[j].id, have, sizeof(have));
			if (strcmp(have, want) != 0)
				continue;
			if (found)
				fail_msg("%s twice in the frame", want);
			found = 1;
			if (!near(entries[j].value, exp[i].value))
				fail_msg("%s = %.17g, expected %.17g", want, entries[j].value, exp[i].value);
		}
		if (!found)
			fail_msg("%s missing from the frame", want);
	}
}

MAYBE_UNUSED static void check_sorted_unique(void)
{
	for (unsigned i = 1; i < ctx.entry_count; i++) {
		if (entries[i - 1].id >= entries[i].id)
			fail_msg("entries %u and %u: ids %u, %u not strictly ascending", i - 1, i, entries[i - 1].id,
				 entries[i].id);
	}
}

MAYBE_UNUSED static int find_value(const char *want, double *value)
{
	char have[256];

	for (unsigned i = 0; i < ctx.entry_count; i++) {
		series_text(entries[i].id, have, sizeof(have));
		if (strcmp(have, want) == 0) {
			*value = entries[i].value;
			return 1;
		}
	}
	return 0;
}

/* ---- expected content of the fixture trees ---- */

struct cpu_row {
	const char *cpu;
	unsigned columns;
	uint64_t ticks[10];
};

/* tests/fixtures/proc/stat: 4 CPUs, all ten columns (Linux >= 2.6.33). */
MAYBE_UNUSED static const struct cpu_row stat_modern[] = {
	{"0", 10, {1204511, 3012, 401122, 22554012, 23105, 812, 21544, 1493, 30211, 871}},
	{"1", 10, {1187320, 3455, 389870, 22671302, 22810, 95, 6502, 1440, 29877, 802}},
	{"2", 10, {1165043, 3321, 383011, 22665440, 22431, 77, 6120, 1452, 30402, 815}},
	{"3", 10, {1148482, 3423, 384260, 22650429, 22897, 64, 6125, 1427, 30010, 816}},
};

/* tests/fixtures/proc-old/stat: 2 CPUs of a 2.6.18 kernel, eight columns (no guest, guest_nice). */
MAYBE_UNUSED static const struct cpu_row stat_old[] = {
	{"0", 8, {912342, 4410, 230551, 41230112, 55231, 1432, 9921, 0}},
	{"1", 8, {889120, 4102, 221003, 41290231, 48122, 210, 8812, 0}},
};

MAYBE_UNUSED static const char *const modes[] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
};

MAYBE_UNUSED static char cpu_label_store[64][40];

MAYBE_UNUSED static size_t cpu_expect(const struct cpu_row *rows, size_t nrows, double tck, struct expect *out,
				    size_t cap)
{
	size_t n = 0;

	for (size_t r = 0; r < nrows; r++) {
		for (unsigned c = 0; c < rows[r].columns; c++) {
			assert_true(n < cap && n < 64);
			snprintf(cpu_label_store[n], sizeof(cpu_label_store[n]), "cpu=%s,mode=%s", rows[r].cpu,
				 c < 8 ? modes[c] : (c == 8 ? "user" : "nice"));
			out[n].name = c < 8 ? "node_cpu_seconds_total" : "node_cpu_guest_seconds_total";
			out[n].labels = cpu_label_store[n];
			out[n].value = (double)rows[r].ticks[c] / tck;
			n++;
		}
	}
	return n;
}

#define KB(x) ((x) * 1024.0)

/* tests/fixtures/proc/meminfo: a 6.x x86_64 kernel with zswap, CMA, THP and hugetlb pages. */
MAYBE_UNUSED static const struct expect meminfo_modern[] = {
	{"node_memory_MemTotal_bytes", "", KB(16318212)},
	{"node_memory_MemFree_bytes", "", KB(1912044)},
	{"node_memory_MemAvailable_bytes", "", KB(11203480)},
	{"node_memory_Buffers_bytes", "", KB(402116)},
	{"node_memory_Cached_bytes", "", KB(8911204)},
	{"node_memory_SwapCached_bytes", "", KB(2816)},
	{"node_memory_Active_bytes", "", KB(6120448)},
	{"node_memory_Inactive_bytes", "", KB(6712960)},
	{"node_memory_Active_anon_bytes", "", KB(2904332)},
	{"node_memory_Inactive_anon_bytes", "", KB(801120)},
	{"node_memory_Active_file_bytes", "", KB(3216116)},
	{"node_memory_Inactive_file_bytes", "", KB(5911840)},
	{"node_memory_Unevictable_bytes", "", KB(34012)},
	{"node_memory_Mlocked_bytes", "", KB(27648)},
	{"node_memory_SwapTotal_bytes", "", KB(4194300)},
	{"node_memory_SwapFree_bytes", "", KB(4101888)},
	{"node_memory_Zswap_bytes", "", KB(21040)},
	{"node_memory_Zswapped_bytes", "", KB(88300)},
	{"node_memory_Dirty_bytes", "", KB(1208)},
	{"node_memory_Writeback_bytes", "", 0},
	{"node_memory_AnonPages_bytes", "", KB(3512220)},
	{"node_memory_Mapped_bytes", "", KB(1023480)},
	{"node_memory_Shmem_bytes", "", KB(201336)},
	{"node_memory_KReclaimable_bytes", "", KB(612004)},
	{"node_memory_Slab_bytes", "", KB(905512)},
	{"node_memory_SReclaimable_bytes", "", KB(612004)},
	{"node_memory_SUnreclaim_bytes", "", KB(293508)},
	{"node_memory_KernelStack_bytes", "", KB(21968)},
	{"node_memory_PageTables_bytes", "", KB(48212)},
	{"node_memory_SecPageTables_bytes", "", KB(2048)},
	{"node_memory_NFS_Unstable_bytes", "", 0},
	{"node_memory_Bounce_bytes", "", 0},
	{"node_memory_WritebackTmp_bytes", "", 0},
	{"node_memory_CommitLimit_bytes", "", KB(12353404)},
	{"node_memory_Committed_AS_bytes", "", KB(14880212)},
	{"node_memory_VmallocTotal_bytes", "", KB(34359738367.0)},
	{"node_memory_VmallocUsed_bytes", "", KB(98132)},
	{"node_memory_VmallocChunk_bytes", "", 0},
	{"node_memory_Percpu_bytes", "", KB(11520)},
	{"node_memory_HardwareCorrupted_bytes", "", 0},
	{"node_memory_AnonHugePages_bytes", "", KB(403456)},
	{"node_memory_ShmemHugePages_bytes", "", 0},
	{"node_memory_ShmemPmdMapped_bytes", "", 0},
	{"node_memory_FileHugePages_bytes", "", KB(4096)},
	{"node_memory_FilePmdMapped_bytes", "", KB(2048)},
	{"node_memory_CmaTotal_bytes", "", KB(65536)},
	{"node_memory_CmaFree_bytes", "", KB(61440)},
	{"node_memory_Unaccepted_bytes", "", 0},
	{"node_memory_Balloon_bytes", "", 0},
	{"node_memory_HugePages_Total", "", 16},
	{"node_memory_HugePages_Free", "", 12},
	{"node_memory_HugePages_Rsvd", "", 2},
	{"node_memory_HugePages_Surp", "", 0},
	{"node_memory_Hugepagesize_bytes", "", KB(2048)},
	{"node_memory_Hugetlb_bytes", "", KB(32768)},
	{"node_memory_DirectMap4k_bytes", "", KB(618300)},
	{"node_memory_DirectMap2M_bytes", "", KB(11915264)},
	{"node_memory_DirectMap1G_bytes", "", KB(4194304)},
};

/* tests/fixtures/proc-old/meminfo: a 32-bit 2.6.18 kernel with HIGHMEM (HighTotal ... LowFree). */
MAYBE_UNUSED static const struct expect meminfo_old[] = {
	{"node_memory_MemTotal_bytes", "", KB(3106432)},
	{"node_memory_MemFree_bytes", "", KB(204812)},
	{"node_memory_Buffers_bytes", "", KB(110236)},
	{"node_memory_Cached_bytes", "", KB(1904520)},
	{"node_memory_SwapCached_bytes", "", 0},
	{"node_memory_Active_bytes", "", KB(1612044)},
	{"node_memory_Inactive_bytes", "", KB(981220)},
	{"node_memory_HighTotal_bytes", "", KB(2227648)},
	{"node_memory_HighFree_bytes", "", KB(95236)},
	{"node_memory_LowTotal_bytes", "", KB(878784)},
	{"node_memory_LowFree_bytes", "", KB(109576)},
	{"node_memory_SwapTotal_bytes", "", KB(2096472)},
	{"node_memory_SwapFree_bytes", "", KB(2096472)},
	{"node_memory_Dirty_bytes", "", KB(412)},
	{"node_memory_Writeback_bytes", "", 0},
	{"node_memory_AnonPages_bytes", "", KB(578508)},
	{"node_memory_Mapped_bytes", "", KB(61232)},
	{"node_memory_Slab_bytes", "", KB(196400)},
	{"node_memory_PageTables_bytes", "", KB(4968)},
	{"node_memory_NFS_Unstable_bytes", "", 0},
	{"node_memory_Bounce_bytes", "", 0},
	{"node_memory_CommitLimit_bytes", "", KB(3649688)},
	{"node_memory_Committed_AS_bytes", "", KB(912344)},
	{"node_memory_VmallocTotal_bytes", "", KB(116728)},
	{"node_memory_VmallocUsed_bytes", "", KB(5160)},
	{"node_memory_VmallocChunk_bytes", "", KB(110996)},
	{"node_memory_HugePages_Total", "", 0},
	{"node_memory_HugePages_Free", "", 0},
	{"node_memory_HugePages_Rsvd", "", 0},
	{"node_memory_Hugepagesize_bytes", "", KB(4096)},
};

MAYBE_UNUSED static const struct expect loadavg_modern[] = {
	{"node_load1", "", 1.72},
	{"node_load5", "", 0.98},
	{"node_load15", "", 0.61},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MODERN_SERIES (40 + COUNT_OF(meminfo_modern) + COUNT_OF(loadavg_modern))

/* Everything the modern tree should give: 40 cpu series, every meminfo field, three loads. */
MAYBE_UNUSED static size_t modern_expect(struct expect *out, size_t cap, double tck)
{
	size_t n = cpu_expect(stat_modern, COUNT_OF(stat_modern), tck, out, cap);

	assert_true(n + COUNT_OF(meminfo_modern) + COUNT_OF(loadavg_modern) <= cap);
	memcpy(out + n, meminfo_modern, sizeof(meminfo_modern));
	n += COUNT_OF(meminfo_modern);
	memcpy(out + n, loadavg_modern, sizeof(loadavg_modern));
	return n + COUNT_OF(loadavg_modern);
}

MAYBE_UNUSED static void write_file(const char *name, const char *content, size_t len);
MAYBE_UNUSED static void remove_file(const char *name);

/* ---- realistic trees ---- */

#ifdef CONFIG_COLLECTOR_CPU
static void test_cpu_modern(void **state)
{
	struct expect exp[64];
	size_t n;

	(void)state;
	use_tree("proc");
	assert_int_equal(run_one(&amp_collector_cpu), AMP_OK);
	n = cpu_expect(stat_modern, COUNT_OF(stat_modern), 100.0, exp, COUNT_OF(exp));
	assert_int_equal(n, 40);
	check_entries(exp, n);
	assert_int_equal(ctx.dropped_series, 0);
}

/* Seconds are ticks over the ctx's clock rate, not a hard-coded 100. */
static void test_cpu_clock_rate(void **state)
{
	struct expect exp[64];
	size_t n;

	(void)state;
	use_tree("proc");
	ctx.clk_tck = 250;
	assert_int_equal(run_one(&amp_collector_cpu), AMP_OK);
	n = cpu_expect(stat_modern, COUNT_OF(stat_modern), 250.0, exp, COUNT_OF(exp));
	check_entries(exp, n);
	ctx.clk_tck = 0;
	assert_int_equal(run_one(&amp_collector_cpu), AMP_ERR_INVALID);
	assert_int_equal(ctx.entry_count, 0);
}

static void test_cpu_old_kernel(void **state)
{
	struct expect exp[64];
	size_t n;

	(void)state;
	use_tree("proc-old");
	assert_int_equal(run_one(&amp_collector_cpu), AMP_OK);
	n = cpu_expect(stat_old, COUNT_OF(stat_old), 100.0, exp, COUNT_OF(exp));
	assert_int_equal(n, 16);
	check_entries(exp, n);
}
#endif

#ifdef CONFIG_COLLECTOR_MEMINFO
static void test_meminfo_modern(void **state)
{
	(void)state;
	use_tree("proc");
	assert_int_equal(run_one(&amp_collector_meminfo), AMP_OK);
	check_entries(meminfo_modern, COUNT_OF(meminfo_modern));
}

static void test_meminfo_old_highmem(void **state)
{
	(void)state;
	use_tree("proc-old");
	assert_int_equal(run_one(&amp_collector_meminfo), AMP_OK);
	check_entries(meminfo_old, COUNT_OF(meminfo_old));
}
#endif

#ifdef CONFIG_COLLECTOR_LOADAVG
static void test_loadavg_modern(void **state)
{
	(void)state;
	use_tree("proc");
	assert_int_equal(run_one(&amp_collector_loadavg), AMP_OK);
	check_entries(loadavg_modern, COUNT_OF(loadavg_modern));
	/* The decimal parse rounds once, like strtod: the very same double, not just a near one. */
	for (unsigned i = 0; i < ctx.entry_count; i++) {
		const char *name = amp_registry_family(&reg, entries[i].id)->name;
		double want = strcmp(name, "node_load1") == 0 ? 1.72 : strcmp(name, "node_load5") == 0 ? 0.98 : 0.61;

		assert_true(entries[i].value == want);
	}
}
/*
 * Every "%lu.%02lu" the kernel prints for loads below 30 reads as exactly strtod's double (in the C
 * locale); summing the integer and the fraction apart would miss 1.14, 1.36 and many more by an ulp.
 */
static void test_loadavg_same_double_as_strtod(void **state)
{
	char text[64];

	(void)state;
	for (unsigned v = 0; v < 3000; v += 3) {
		double want[3];
		int len = 0;

		for (unsigned k = 0; k < 3; k++) {
			char one[16];

			snprintf(one, sizeof(one), "%u.%02u", (v + k) / 100, (v + k) % 100);
			want[k] = strtod(one, NULL);
			len += snprintf(text + len, sizeof(text) - (size_t)len, "%s ", one);
		}
		len += snprintf(text + len, sizeof(text) - (size_t)len, "1/99 4242\n");
		write_file("loadavg", text, (size_t)len);
		amp_registry_init(&reg);
		ctx_init(tmpdir, 100);
		assert_int_equal(run_one(&amp_collector_loadavg), AMP_OK);
		assert_int_equal(ctx.entry_count, 3);
		for (unsigned k = 0; k < 3; k++) {
			if (entries[k].value != want[k])
				fail_msg("%s: load %u is %.17g, strtod gives %.17g", text, k, entries[k].value, want[k]);
		}
	}
	remove_file("loadavg");
}
#endif

#if ALL_COLLECTORS
/* Names, types and help texts are node_exporter's, so its dashboards work unchanged. */
static void test_families_match_node_exporter(void **state)
{
	char help[128];

	(void)state;
	use_tree("proc");
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, MODERN_SERIES);
	for (unsigned i = 0; i < ctx.entry_count; i++) {
		const struct amp_family *f = amp_registry_family(&reg, entries[i].id);

		if (strncmp(f->name, "node_memory_", 12) == 0) {
			snprintf(help, sizeof(help), "Memory information field %s.", f->name + 12);
			assert_string_equal(f->help, help);
			assert_int_equal(f->type, AMP_METRIC_GAUGE);
		} else if (strcmp(f->name, "node_cpu_seconds_total") == 0) {
			assert_string_equal(f->help, "Seconds the CPUs spent in each mode.");
			assert_int_equal(f->type, AMP_METRIC_COUNTER);
		} else if (strcmp(f->name, "node_cpu_guest_seconds_total") == 0) {
			assert_string_equal(f->help, "Seconds the CPUs spent in guests (VMs) for each mode.");
			assert_int_equal(f->type, AMP_METRIC_COUNTER);
		} else if (strncmp(f->name, "node_load", 9) == 0) {
			snprintf(help, sizeof(help), "%sm load average.", f->name + 9);
			assert_string_equal(f->help, help);
			assert_int_equal(f->type, AMP_METRIC_GAUGE);
		} else {
			fail_msg("unexpected family %s", f->name);
		}
	}
}

#endif

/* ---- missing, unreadable and oversized sources ---- */

static void test_missing_files_are_skipped(void **state)
{
	(void)state;
	use_tree("does-not-exist");
	for (unsigned i = 0; i < amp_collector_count; i++) {
		if ((SYS_COLLECTORS & (1u << amp_collectors[i]->id)) != 0)
			continue;
		assert_int_equal(run_one(amp_collectors[i]), AMP_OK);
		assert_int_equal(ctx.entry_count, 0);
	}
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, 0);
	assert_int_equal(ctx.dropped_series, 0);
	/* A root that is a file, not a directory, is a missing file too (ENOTDIR). */
	use_tree("proc/loadavg");
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, 0);
}

static void test_too_long_path_is_refused(void **state)
{
	static char long_root[CONFIG_MAX_PATH_LEN + 16];
	size_t len;

	(void)state;
	memset(long_root, 'a', sizeof(long_root) - 1);
	long_root[0] = '/';
	long_root[sizeof(long_root) - 1] = '\0';
	assert_int_equal(amp_collect_read(&ctx, long_root, "stat", &len), AMP_ERR_FULL);
	assert_int_equal(len, 0);
	ctx.procfs = long_root;
	assert_int_equal(amp_collect_all(&ctx), enabled_count());
	assert_int_equal(ctx.entry_count, 0);
	/* NULL root or name: refused, not dereferenced. */
	assert_int_equal(amp_collect_read(&ctx, NULL, "stat", &len), AMP_ERR_INVALID);
	assert_int_equal(amp_collect_read(&ctx, "/proc", NULL, &len), AMP_ERR_INVALID);
}

static void test_read_joins_root_and_name(void **state)
{
	char root[1100];
	size_t len;

	(void)state;
	use_tree("proc");
	assert_int_equal(amp_collect_read(&ctx, procfs, "loadavg", &len), AMP_OK);
	assert_int_equal(len, strlen("1.72 0.98 0.61 3/811 224913\n"));
	assert_string_equal(read_buf, "1.72 0.98 0.61 3/811 224913\n");
	/* A root given with a trailing slash reads the same file. */
	snprintf(root, sizeof(root), "%s/", procfs);
	assert_int_equal(amp_collect_read(&ctx, root, "loadavg", &len), AMP_OK);
	assert_int_equal(len, strlen("1.72 0.98 0.61 3/811 224913\n"));
}

#if ALL_COLLECTORS
static void test_file_larger_than_buffer(void **state)
{
	(void)state;
	use_tree("proc");
	ctx.buf_cap = 64; /* loadavg fits, stat and meminfo do not */
	assert_int_equal(amp_collect_all(&ctx), enabled_count() - 1);
	check_entries(loadavg_modern, COUNT_OF(loadavg_modern));
}

#endif

/* ---- hostile files ---- */

struct hostile_case {
	const char *what;
	const struct amp_collector *collector;
	const char *file;
	const char *content;
	size_t len;
	int rc;
	const struct expect *exp;
	size_t nexp;
};

#define TEXT(s) s, sizeof(s) - 1
/* An expectation list and its length, written in place in a case table. */
#define EXPECT(...) \
	(const struct expect[]){__VA_ARGS__}, sizeof((const struct expect[]){__VA_ARGS__}) / sizeof(struct expect)
#define NONE NULL, 0
#define C(cpu, mode, v) {"node_cpu_seconds_total", "cpu=" cpu ",mode=" mode, v}
#define G(cpu, mode, v) {"node_cpu_guest_seconds_total", "cpu=" cpu ",mode=" mode, v}
#define M(name, v) {"node_memory_" name, "", v}
#define L(n, v) {"node_load" n, "", v}
/* "cpu1 100 200 300 400" at 100 ticks per second */
#define CPU1_4 EXPECT(C("1", "user", 1), C("1", "nice", 2), C("1", "system", 3), C("1", "idle", 4))
#define CPU0_10 \
	EXPECT(C("0", "user", .01), C("0", "nice", .02), C("0", "system", .03), C("0", "idle", .04), \
	       C("0", "iowait", .05), C("0", "irq", .06), C("0", "softirq", .07), C("0", "steal", .08), \
	       G("0", "user", .09), G("0", "nice", .10))

static void write_file(const char *name, const char *content, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

MAYBE_UNUSED static void run_hostile(const struct hostile_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc;

		print_message("  case: %s\n", cases[i].what);
		write_file(cases[i].file, cases[i].content, cases[i].len);
		amp_registry_init(&reg);
		ctx_init(tmpdir, 100);
		rc = run_one(cases[i].collector);
		remove_file(cases[i].file);
		if (rc != cases[i].rc)
			fail_msg("%s: returned %d, expected %d", cases[i].what, rc, cases[i].rc);
		check_entries(cases[i].exp, cases[i].nexp);
		assert_int_equal(ctx.dropped_series, 0);
	}
}

#ifdef CONFIG_COLLECTOR_CPU
static void test_cpu_hostile(void **state)
{
	const struct amp_collector *c = &amp_collector_cpu;
	const struct hostile_case cases[] = {
		{"Linux 2.4: four columns", c, "stat", TEXT("cpu  1 2 3 4\ncpu1 100 200 300 400\n"), AMP_OK, CPU1_4},
		{"Linux 2.6.0: seven columns", c, "stat", TEXT("cpu1 100 200 300 400 500 600 700\n"), AMP_OK,
		 EXPECT(C("1", "user", 1), C("1", "nice", 2), C("1", "system", 3), C("1", "idle", 4),
			C("1", "iowait", 5), C("1", "irq", 6), C("1", "softirq", 7))},
		{"Linux 2.6.24: nine columns", c, "stat", TEXT("cpu0 1 2 3 4 5 6 7 8 9\n"), AMP_OK,
		 EXPECT(C("0", "user", .01), C("0", "nice", .02), C("0", "system", .03), C("0", "idle", .04),
			C("0", "iowait", .05), C("0", "irq", .06), C("0", "softirq", .07), C("0", "steal", .08),
			G("0", "user", .09))},
		{"a future eleventh column is ignored", c, "stat", TEXT("cpu0 1 2 3 4 5 6 7 8 9 10 11 x\n"), AMP_OK,
		 CPU0_10},
		{"tabs separate too", c, "stat", TEXT("cpu0\t1\t2 3 4 5 6 7 8 9 10\n"), AMP_OK, CPU0_10},
		{"last line without newline", c, "stat", TEXT("cpu  1 2 3 4\ncpu0 1 2 3 4 5 6 7 8 9 10"), AMP_OK,
		 CPU0_10},
		{"leading zeros in the cpu number", c, "stat", TEXT("cpu001 100 200 300 400\n"), AMP_OK, CPU1_4},
		{"largest 64-bit tick count", c, "stat", TEXT("cpu1 18446744073709551615 200 300 400\n"), AMP_OK,
		 EXPECT(C("1", "user", 18446744073709551615.0 / 100), C("1", "nice", 2), C("1", "system", 3),
			C("1", "idle", 4))},
		{"truncated line: two columns", c, "stat", TEXT("cpu0 100 200\ncpu1 100 200 300 400\n"),
		 AMP_ERR_INVALID, CPU1_4},
		{"truncated last line", c, "stat", TEXT("cpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 5 6"), AMP_ERR_INVALID,
		 CPU0_10},
		{"cpu number without columns", c, "stat", TEXT("cpu0\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"non-numeric column", c, "stat", TEXT("cpu0 100 2x0 300 400\ncpu1 100 200 300 400\n"),
		 AMP_ERR_INVALID, CPU1_4},
		{"fractional column", c, "stat", TEXT("cpu0 1.5 2 3 4\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"negative column", c, "stat", TEXT("cpu0 -100 200 300 400\ncpu1 100 200 300 400\n"),
		 AMP_ERR_INVALID, CPU1_4},
		{"plus sign", c, "stat", TEXT("cpu0 +100 200 300 400\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"64-bit overflow", c, "stat", TEXT("cpu0 18446744073709551616 0 0 0\ncpu1 100 200 300 400\n"),
		 AMP_ERR_INVALID, CPU1_4},
		{"huge number", c, "stat",
		 TEXT("cpu0 99999999999999999999999999999999999999 0 0 0\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"cpu number not a number", c, "stat", TEXT("cpuX 1 2 3 4\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"negative cpu number", c, "stat", TEXT("cpu-1 1 2 3 4\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"cpu number out of range", c, "stat", TEXT("cpu65536 1 2 3 4\ncpu1 100 200 300 400\n"),
		 AMP_ERR_INVALID, CPU1_4},
		{"carriage return", c, "stat", TEXT("cpu0 1 2 3 4\r\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"NUL inside a line", c, "stat", TEXT("cpu0 1 2\0 3 4\ncpu1 100 200 300 400\n"), AMP_ERR_INVALID,
		 CPU1_4},
		{"empty file", c, "stat", TEXT(""), AMP_ERR_INVALID, NONE},
		{"only the aggregate line", c, "stat", TEXT("cpu  1 2 3 4 5 6 7 8 9 10\nintr 1 2\nctxt 3\n"),
		 AMP_ERR_INVALID, NONE},
		{"binary junk", c, "stat", TEXT("\x7f" "ELF\x02\x01\x01\0\0\0cpu0 1 2 3 4\ncpu1\0 1 2 3 4\n\xff\xfe\n"),
		 AMP_ERR_INVALID, NONE},
		{"newlines only", c, "stat", TEXT("\n\n\n"), AMP_ERR_INVALID, NONE},
	};

	(void)state;
	amp_log_set_level(AMP_LOG_DEBUG); /* runs the debug-only log lines too */
	run_hostile(cases, COUNT_OF(cases));
	amp_log_set_level(AMP_LOG_INFO);
}
#endif

#ifdef CONFIG_COLLECTOR_MEMINFO
static void test_meminfo_hostile(void **state)
{
	const struct amp_collector *c = &amp_collector_meminfo;
	const struct hostile_case cases[] = {
		{"last line without newline", c, "meminfo", TEXT("MemTotal: 5 kB\nMemFree:   10 kB"), AMP_OK,
		 EXPECT(M("MemTotal_bytes", 5120), M("MemFree_bytes", 10240))},
		{"no blank after the colon (ShadowCallStack)", c, "meminfo", TEXT("ShadowCallStack:12345678 kB\n"),
		 AMP_OK, EXPECT(M("ShadowCallStack_bytes", 12345678.0 * 1024))},
		{"blank lines are ignored", c, "meminfo", TEXT("\n\nMemFree: 10 kB\n \n"), AMP_OK,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"an unknown field is skipped", c, "meminfo", TEXT("FutureField: 5 kB\nMemFree: 10 kB\n"), AMP_OK,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"largest 64-bit value", c, "meminfo", TEXT("HugePages_Total: 18446744073709551615\n"), AMP_OK,
		 EXPECT(M("HugePages_Total", 18446744073709551615.0))},
		{"non-numeric value", c, "meminfo", TEXT("MemTotal: abc kB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"negative value", c, "meminfo", TEXT("MemTotal: -5 kB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"fractional value", c, "meminfo", TEXT("MemTotal: 5.5 kB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"64-bit overflow", c, "meminfo", TEXT("MemTotal: 18446744073709551616 kB\nMemFree: 10 kB\n"),
		 AMP_ERR_INVALID, EXPECT(M("MemFree_bytes", 10240))},
		{"no colon", c, "meminfo", TEXT("MemTotal 5 kB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"no key", c, "meminfo", TEXT(": 5 kB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"no value", c, "meminfo", TEXT("MemTotal:\nMemAvailable: kB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"unit other than kB", c, "meminfo", TEXT("MemTotal: 5 MB\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"kB on a page count", c, "meminfo", TEXT("HugePages_Total: 5 kB\nMemFree: 10 kB\n"),
		 AMP_ERR_INVALID, EXPECT(M("MemFree_bytes", 10240))},
		{"kB field without unit", c, "meminfo", TEXT("MemTotal: 5\nMemFree: 10 kB\n"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"text after the unit", c, "meminfo", TEXT("MemTotal: 5 kB extra\nMemFree: 10 kB\n"),
		 AMP_ERR_INVALID, EXPECT(M("MemFree_bytes", 10240))},
		{"truncated last line", c, "meminfo", TEXT("MemFree: 10 kB\nMemTot"), AMP_ERR_INVALID,
		 EXPECT(M("MemFree_bytes", 10240))},
		{"NUL inside a known key", c, "meminfo", TEXT("MemTotal\0junk: 5 kB\nMemFree: 10 kB\n"),
		 AMP_ERR_INVALID, EXPECT(M("MemFree_bytes", 10240))},
		{"only unknown fields", c, "meminfo", TEXT("FutureField: 5 kB\n"), AMP_ERR_INVALID, NONE},
		{"empty file", c, "meminfo", TEXT(""), AMP_ERR_INVALID, NONE},
		{"binary junk", c, "meminfo", TEXT("\x01\x02\xff:\0 5 kB\n\xfe\xfe\nMem\0Total: 5 kB\n\x80"),
		 AMP_ERR_INVALID, NONE},
	};

	(void)state;
	amp_log_set_level(AMP_LOG_DEBUG);
	run_hostile(cases, COUNT_OF(cases));
	amp_log_set_level(AMP_LOG_INFO);
}
#endif

#ifdef CONFIG_COLLECTOR_LOADAVG
static void test_loadavg_hostile(void **state)
{
	const struct amp_collector *c = &amp_collector_loadavg;
	const struct hostile_case cases[] = {
		{"no newline at the end", c, "loadavg", TEXT("1.72 0.98 0.61 3/811 224913"), AMP_OK,
		 EXPECT(L("1", 1.72), L("5", .98), L("15", .61))},
		{"only the three averages", c, "loadavg", TEXT("0.02 0.06 0.04"), AMP_OK,
		 EXPECT(L("1", .02), L("5", .06), L("15", .04))},
		{"whole numbers", c, "loadavg", TEXT("12 3 0 1/1 1\n"), AMP_OK,
		 EXPECT(L("1", 12), L("5", 3), L("15", 0))},
		{"largest accepted", c, "loadavg", TEXT("999999999.999999 0.1 0.2 1/1 1\n"), AMP_OK,
		 EXPECT(L("1", 999999999.999999), L("5", .1), L("15", .2))},
		{"truncated: two averages", c, "loadavg", TEXT("0.50 0.40"), AMP_ERR_INVALID, NONE},
		{"truncated in a number", c, "loadavg", TEXT("0.50 0.40 0."), AMP_ERR_INVALID, NONE},
		{"non-numeric", c, "loadavg", TEXT("abc 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"negative", c, "loadavg", TEXT("0.10 -1.00 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"exponent", c, "loadavg", TEXT("1e3 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"nan", c, "loadavg", TEXT("nan 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"hex", c, "loadavg", TEXT("0x10 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"huge", c, "loadavg", TEXT("99999999999999999999.00 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"more digits than a double holds", c, "loadavg", TEXT("1.000000000000001 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"no integer part", c, "loadavg", TEXT(".5 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"no decimals after the point", c, "loadavg", TEXT("5. 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"two points", c, "loadavg", TEXT("0.5.1 0.10 0.20 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"commas", c, "loadavg", TEXT("0,5 0,1 0,2 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"averages on the second line", c, "loadavg", TEXT("\n0.1 0.2 0.3 1/2 3\n"), AMP_ERR_INVALID, NONE},
		{"empty file", c, "loadavg", TEXT(""), AMP_ERR_INVALID, NONE},
		{"binary junk", c, "loadavg", TEXT("\0\0\0\xff 0.1 0.2\n"), AMP_ERR_INVALID, NONE},
		{"NUL after a number", c, "loadavg", TEXT("0.1\0 0.2 0.3\n"), AMP_ERR_INVALID, NONE},
	};

	(void)state;
	run_hostile(cases, COUNT_OF(cases));
}
#endif

static uint32_t junk_seed = 0x2545f491u;

static unsigned junk_next(unsigned bound)
{
	junk_seed = junk_seed * 1103515245u + 12345u;
	return (junk_seed >> 8) % bound;
}

/*
 * Seeded junk: valid files with a few random edits (a byte changed, a piece of some other line put in,
 * bytes cut out, the end cut off), and now and then pure noise. Nothing may crash (the ASan build checks
 * every byte read), whatever comes out must be a finite, non-negative value in a sorted frame, and the
 * edits must leave some values standing, or the check proves nothing.
 */
static void test_random_junk(void **state)
{
	static const char *const templates[] = {
		"cpu  10 20 30 40 50 60 70 80 90 100\ncpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 11 12 13 14 15 16 17 18 19 20\n"
		"intr 5 6 7\nctxt 99\n",
		"MemTotal:       16318212 kB\nMemFree:         1912044 kB\nActive(anon):    2904332 kB\n"
		"HugePages_Total:      16\nDirectMap2M:    11915264 kB\n",
		"1.72 0.98 0.61 3/811 224913\n",
	};
	static const char *const files[] = {"stat", "meminfo", "loadavg"};
	static const char *const pieces[] = {
		"cpu", "cpu0 ", "cpu  ", " ", "\t", "\n", "0", "12345", "18446744073709551615", "99999999999999999999",
		"-", "+", ".", ":", " kB", "MemFree:", "HugePages_Total:", "Active(anon):", "1.72", "nan", "1e9", "/",
	};
	static char junk[1024];
	unsigned with_values = 0;

	(void)state;
	amp_log_set_level(AMP_LOG_ERROR); /* the hostile-case tests cover the messages; keep this one quiet */
	for (unsigned iter = 0; iter < 400; iter++) {
		for (unsigned f = 0; f < COUNT_OF(files); f++) {
			size_t len = strlen(templates[f]);
			unsigned edits = 1 + junk_next(3);

			memcpy(junk, templates[f], len);
			if (junk_next(16) == 0) {
				len = junk_next(200);
				for (size_t b = 0; b < len; b++)
					junk[b] = (char)junk_next(256);
				edits = 0;
			}
			for (unsigned e = 0; e < edits && len > 0; e++) {
				size_t at = junk_next((unsigned)len);

				switch (junk_next(4)) {
				case 0:
					junk[at] = (char)junk_next(256);
					break;
				case 1: {
					const char *piece = pieces[junk_next(COUNT_OF(pieces))];
					size_t n = strlen(piece);

					memmove(junk + at + n, junk + at, len - at);
					memcpy(junk + at, piece, n);
					len += n;
					break;
				}
				case 2: {
					size_t n = 1 + junk_next(8);

					if (n > len - at)
						n = len - at;
					memmove(junk + at, junk + at + n, len - at - n);
					len -= n;
					break;
				}
				default:
					len = at;
					break;
				}
			}
			write_file(files[f], junk, len);
		}
		amp_registry_init(&reg);
		ctx_init(tmpdir, 100);
		(void)amp_collect_all(&ctx);
		check_sorted_unique();
		with_values += ctx.entry_count > 0;
		for (unsigned i = 0; i < ctx.entry_count; i++) {
			if (!isfinite(entries[i].value) || entries[i].value < 0)
				fail_msg("iteration %u: value %g", iter, entries[i].value);
		}
	}
	for (unsigned f = 0; f < COUNT_OF(files); f++)
		remove_file(files[f]);
	amp_log_set_level(AMP_LOG_INFO);
	assert_true(with_values > 100 || amp_collector_count == 0);
}

/* ---- the frame: order, duplicates, limits ---- */

#if ALL_COLLECTORS
/* Series first seen in another order come out sorted by id; CPUs that appear later join in order. */
static void test_frame_sorted_unique(void **state)
{
	static struct expect exp[MODERN_SERIES];
	size_t n;

	(void)state;
	/* loadavg first: its series get the lowest ids, but amp_collect_all emits them last. */
	use_tree("proc");
	assert_int_equal(run_one(&amp_collector_loadavg), AMP_OK);
	/* Two CPUs of the old tree next, so CPUs 2 and 3 and guest time are new in the modern tree. */
	use_tree("proc-old");
	assert_int_equal(run_one(&amp_collector_cpu), AMP_OK);
	use_tree("proc");
	assert_int_equal(amp_collect_all(&ctx), 0);
	check_sorted_unique();
	n = modern_expect(exp, COUNT_OF(exp), 100.0);
	check_entries(exp, n);
	assert_int_equal(entries[0].id, 0);
	assert_string_equal(amp_registry_family(&reg, entries[0].id)->name, "node_load1");
	/* The next collection reuses every id. */
	assert_int_equal(amp_collect_all(&ctx), 0);
	check_sorted_unique();
	check_entries(exp, n);
	assert_int_equal(amp_registry_count(&reg), MODERN_SERIES);
}

/* A file naming a series twice keeps the last value, as node_exporter's map assignment would. */
static void test_frame_duplicates_keep_last(void **state)
{
	double v;

	(void)state;
	write_file("stat", TEXT("cpu0 1 2 3 4\ncpu1 10 20 30 40\ncpu0 5 6 7 8\n"));
	write_file("meminfo", TEXT("MemFree: 10 kB\nMemTotal: 30 kB\nMemFree: 20 kB\n"));
	ctx_init(tmpdir, 100);
	assert_int_equal(amp_collect_all(&ctx), 0);
	remove_file("stat");
	remove_file("meminfo");
	check_sorted_unique();
	assert_int_equal(ctx.entry_count, 8 + 2);
	assert_true(find_value("node_cpu_seconds_total{cpu=0,mode=user}", &v));
	assert_double_near(v, .05);
	assert_true(find_value("node_cpu_seconds_total{cpu=0,mode=idle}", &v));
	assert_double_near(v, .08);
	assert_true(find_value("node_cpu_seconds_total{cpu=1,mode=idle}", &v));
	assert_double_near(v, .40);
	assert_true(find_value("node_memory_MemFree_bytes{}", &v));
	assert_double_near(v, 20480);
	assert_true(find_value("node_memory_MemTotal_bytes{}", &v));
	assert_double_near(v, 30720);
}

MAYBE_UNUSED static void fill_registry(unsigned count)
{
	static const struct amp_family filler = {"test_filler", "Fills the registry.", AMP_METRIC_GAUGE};
	char value[16];
	amp_series_id id;

	for (unsigned i = 0; i < count; i++) {
		const struct amp_label l[] = {{"n", value}};

		snprintf(value, sizeof(value), "%u", i);
		assert_int_equal(amp_registry_intern(&reg, &filler, l, 1, &id), AMP_OK);
	}
}

static void test_registry_full_counts_drops(void **state)
{
	(void)state;
	use_tree("proc");
	fill_registry(CONFIG_MAX_SERIES);
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, 0);
	assert_int_equal(ctx.dropped_series, MODERN_SERIES);
}

static void test_registry_almost_full(void **state)
{
	(void)state;
	use_tree("proc");
	fill_registry(CONFIG_MAX_SERIES - 5);
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, 5);
	assert_int_equal(ctx.dropped_series, MODERN_SERIES - 5);
	check_sorted_unique();
	/* A new collection starts its count afresh. */
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.dropped_series, MODERN_SERIES - 5);
}

static void test_frame_full_counts_drops(void **state)
{
	(void)state;
	use_tree("proc");
	ctx.entry_cap = 10;
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, 10);
	assert_int_equal(ctx.dropped_series, MODERN_SERIES - 10);
	check_sorted_unique();
	assert_int_equal(amp_collect_emit(&ctx, amp_registry_family(&reg, 0), NULL, 0, 1.0), AMP_ERR_FULL);
}

#endif

/* ---- this machine ---- */

static void test_smoke_real_proc(void **state)
{
	double v;
	int have_cpu0 = 0;

	(void)state;
	if (access("/proc/stat", R_OK) != 0)
		skip();
	ctx_init("/proc", port_clock_ticks_per_second());
	ctx.disabled = 0; /* every compiled collector must read this machine's files cleanly */
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_true(ctx.entry_count > 0 || amp_collector_count == 0);
	assert_int_equal(ctx.dropped_series, 0);
	check_sorted_unique();
#ifdef CONFIG_COLLECTOR_LOADAVG
	assert_true(find_value("node_load1{}", &v));
	assert_true(v >= 0);
#endif
#ifdef CONFIG_COLLECTOR_MEMINFO
	assert_true(find_value("node_memory_MemTotal_bytes{}", &v));
	assert_true(v > 0);
#endif
#ifdef CONFIG_COLLECTOR_CPU
	/* cpu0 may be offline on some boards; some CPU has idle time. */
	for (unsigned i = 0; i < 4096 && !have_cpu0; i++) {
		char want[80];

		snprintf(want, sizeof(want), "node_cpu_seconds_total{cpu=%u,mode=idle}", i);
		have_cpu0 = find_value(want, &v);
	}
	assert_true(have_cpu0);
	assert_true(v > 0);
#endif
	(void)have_cpu0;
	(void)v;
}

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/amp-test-collectors-XXXXXX", base != NULL && *base ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef CONFIG_COLLECTOR_CPU
		cmocka_unit_test_setup(test_cpu_modern, setup),
		cmocka_unit_test_setup(test_cpu_clock_rate, setup),
		cmocka_unit_test_setup(test_cpu_old_kernel, setup),
		cmocka_unit_test_setup(test_cpu_hostile, setup),
#endif
#ifdef CONFIG_COLLECTOR_MEMINFO
		cmocka_unit_test_setup(test_meminfo_modern, setup),
		cmocka_unit_test_setup(test_meminfo_old_highmem, setup),
		cmocka_unit_test_setup(test_meminfo_hostile, setup),
#endif
#ifdef CONFIG_COLLECTOR_LOADAVG
		cmocka_unit_test_setup(test_loadavg_modern, setup),
		cmocka_unit_test_setup(test_loadavg_same_double_as_strtod, setup),
		cmocka_unit_test_setup(test_loadavg_hostile, setup),
#endif
		cmocka_unit_test_setup(test_missing_files_are_skipped, setup),
		cmocka_unit_test_setup(test_too_long_path_is_refused, setup),
		cmocka_unit_test_setup(test_read_joins_root_and_name, setup),
#if ALL_COLLECTORS
		/* These count on the whole modern tree being collected. */
		cmocka_unit_test_setup(test_families_match_node_exporter, setup),
		cmocka_unit_test_setup(test_file_larger_than_buffer, setup),
		cmocka_unit_test_setup(test_frame_sorted_unique, setup),
		cmocka_unit_test_setup(test_frame_duplicates_keep_last, setup),
		cmocka_unit_test_setup(test_registry_full_counts_drops, setup),
		cmocka_unit_test_setup(test_registry_almost_full, setup),
		cmocka_unit_test_setup(test_frame_full_counts_drops, setup),
#endif
		cmocka_unit_test_setup(test_random_junk, setup),
		cmocka_unit_test_setup(test_smoke_real_proc, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
