/*
 * Tests of the /proc collectors (stat, vmstat, netdev, diskstats, netstat, sockstat, softnet, pressure, entropy,
 * filefd, schedstat, conntrack): node_exporter 1.5's own output for the fixture trees, old kernels, odd
 * devices, missing and hostile files, and this machine's /proc.
 */
#define _GNU_SOURCE /* open_memstream, mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "expo.h"
#include "labels.h"
#include "log.h"
#include "port.h"
#include "procparse.h"

#define MAYBE_UNUSED __attribute__((unused))
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

#if defined(CONFIG_COLLECTOR_STAT) && defined(CONFIG_COLLECTOR_VMSTAT) && defined(CONFIG_COLLECTOR_NETDEV) && \
	defined(CONFIG_COLLECTOR_DISKSTATS) && defined(CONFIG_COLLECTOR_NETSTAT) && defined(CONFIG_COLLECTOR_SOCKSTAT) && \
	defined(CONFIG_COLLECTOR_SOFTNET) && defined(CONFIG_COLLECTOR_PRESSURE) && defined(CONFIG_COLLECTOR_ENTROPY) && \
	defined(CONFIG_COLLECTOR_FILEFD) && defined(CONFIG_COLLECTOR_SCHEDSTAT) && defined(CONFIG_COLLECTOR_CONNTRACK)
#define ALL_PROC 1
#else
#define ALL_PROC 0
#endif

/* The collectors under test; amp_collect_all runs only these (the others have their own tests). */
static const enum amp_collector_id proc_ids[] = {
	AMP_COLLECTOR_STAT, AMP_COLLECTOR_VMSTAT, AMP_COLLECTOR_NETDEV, AMP_COLLECTOR_DISKSTATS,
	AMP_COLLECTOR_NETSTAT, AMP_COLLECTOR_SOCKSTAT, AMP_COLLECTOR_SOFTNET, AMP_COLLECTOR_PRESSURE,
	AMP_COLLECTOR_ENTROPY, AMP_COLLECTOR_FILEFD, AMP_COLLECTOR_SCHEDSTAT, AMP_COLLECTOR_CONNTRACK,
};

static struct amp_registry reg;
static char read_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static char root[1024];
static char tmpdir[256];

static void ctx_init(const char *procfs)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.procfs = procfs;
	ctx.sysfs = "/nonexistent";
	ctx.clk_tck = 100;
	ctx.page_size = 4096;
	ctx.reg = &reg;
	ctx.entries = entries;
	ctx.entry_cap = CONFIG_MAX_SERIES;
	ctx.buf = read_buf;
	ctx.buf_cap = sizeof(read_buf);
	ctx.disabled = UINT32_MAX;
	for (size_t i = 0; i < COUNT_OF(proc_ids); i++)
		ctx.disabled &= ~(1u << proc_ids[i]);
}

static int setup(void **state)
{
	(void)state;
	amp_registry_init(&reg);
	ctx_init(tmpdir);
	return 0;
}

static const char *fixture_tree(const char *tree)
{
	const char *base = getenv("AMP_TEST_FIXTURES");
	int n;

	if (base == NULL)
		fail_msg("AMP_TEST_FIXTURES is not set (ctest sets it)");
	n = snprintf(root, sizeof(root), "%s/%s", base, tree);
	assert_true(n > 0 && (size_t)n < sizeof(root));
	return root;
}

/* ---- sets of series, read from Prometheus text ---- */

/* One series: "name{a=\"1\",b=\"2\"}" (labels sorted, empty ones, instance and job left out) and its value. */
struct sample {
	char *key;
	double value;
};

struct family_meta {
	char *name;
	char *help;
	char *type;
};

struct expo_set {
	struct sample *s;
	size_t n;
	struct family_meta *m;
	size_t nm;
};

static void set_free(struct expo_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->s[i].key);
	for (size_t i = 0; i < set->nm; i++) {
		free(set->m[i].name);
		free(set->m[i].help);
		free(set->m[i].type);
	}
	free(set->s);
	free(set->m);
	memset(set, 0, sizeof(*set));
}

struct label_kv {
	char name[64];
	char value[256];
};

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct label_kv *)a)->name, ((const struct label_kv *)b)->name);
}

/* Appends the value escaped as the text format does (\\, \", \n); other bytes as they are. */
static void put_value(char *out, size_t cap, const char *v)
{
	size_t n = strlen(out);

	for (; *v != '\0' && n + 3 < cap; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n') {
			out[n++] = '\\';
			out[n++] = *v == '\n' ? 'n' : *v;
		} else {
			out[n++] = *v;
		}
	}
	assert_true(*v == '\0');
	out[n] = '\0';
}

/*
 * Parses one sample line: name, optional {labels} (values quoted with " or, in the tests' own tables,
 * with '), a value strtod reads. Fails the test on anything else.
 */
static void parse_sample(const char *line, struct expo_set *set)
{
	struct label_kv kv[16];
	unsigned nkv = 0;
	const char *p = line;
	char key[2048];
	char *end;
	size_t n;

	memset(kv, 0, sizeof(kv));
	while (*p != '\0' && *p != '{' && *p != ' ')
		p++;
	n = (size_t)(p - line);
	assert_true(n > 0 && n < 200);
	memcpy(key, line, n);
	key[n] = '\0';
	if (*p == '{') {
		p++;
		while (*p != '}') {
			const char *eq = strchr(p, '=');
			char q;
			size_t vn = 0;

			if (eq == NULL || eq - p >= 64 || nkv == COUNT_OF(kv))
				fail_msg("bad labels in: %s", line);
			memcpy(kv[nkv].name, p, (size_t)(eq - p));
			kv[nkv].name[eq - p] = '\0';
			q = eq[1];
			if (q != '"' && q != '\'')
				fail_msg("unquoted label value in: %s", line);
			for (p = eq + 2; *p != q; p++) {
				if (*p == '\0' || vn + 1 >= sizeof(kv[nkv].value))
					fail_msg("unterminated label value in: %s", line);
				if (*p == '\\') {
					p++;
					kv[nkv].value[vn++] = *p == 'n' ? '\n' : *p;
				} else {
					kv[nkv].value[vn++] = *p;
				}
			}
			kv[nkv].value[vn] = '\0';
			p++;
			if (kv[nkv].value[0] != '\0' && strcmp(kv[nkv].name, "instance") != 0 &&
			    strcmp(kv[nkv].name, "job") != 0)
				nkv++;
			if (*p == ',')
				p++;
		}
		p++;
	}
	qsort(kv, nkv, sizeof(kv[0]), cmp_label);
	strcat(key, "{");
	for (unsigned i = 0; i < nkv; i++) {
		assert_true(strlen(key) + strlen(kv[i].name) + 4 < sizeof(key));
		strcat(key, i > 0 ? "," : "");
		strcat(key, kv[i].name);
		strcat(key, "=\"");
		put_value(key, sizeof(key) - 2, kv[i].value);
		strcat(key, "\"");
	}
	strcat(key, "}");
	if (*p != ' ')
		fail_msg("no value in: %s", line);
	set->s = realloc(set->s, (set->n + 1) * sizeof(*set->s));
	assert_non_null(set->s);
	set->s[set->n].value = strtod(p + 1, &end);
	if (end == p + 1 || *end != '\0')
		fail_msg("bad value in: %s", line);
	set->s[set->n].key = strdup(key);
	set->n++;
}

static void parse_meta(const char *line, struct expo_set *set)
{
	int help = strncmp(line, "# HELP ", 7) == 0;
	const char *name = line + 7;
	const char *sp = strchr(name, ' ');
	struct family_meta *m = NULL;

	assert_non_null(sp);
	for (size_t i = 0; i < set->nm; i++) {
		if (strlen(set->m[i].name) == (size_t)(sp - name) && strncmp(set->m[i].name, name, (size_t)(sp - name)) == 0)
			m = &set->m[i];
	}
	if (m == NULL) {
		set->m = realloc(set->m, (set->nm + 1) * sizeof(*set->m));
		assert_non_null(set->m);
		m = &set->m[set->nm++];
		memset(m, 0, sizeof(*m));
		m->name = strndup(name, (size_t)(sp - name));
	}
	if (help)
		m->help = strdup(sp + 1);
	else
		m->type = strdup(sp + 1);
}

/* Adds the series of exposition text (# HELP and # TYPE kept per family, other comments skipped). */
static void parse_text(const char *text, struct expo_set *set)
{
	char *copy = strdup(text);
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0)
			parse_meta(line, set);
		else if (line[0] != '#' && line[0] != '\0')
			parse_sample(line, set);
	}
	free(copy);
}

MAYBE_UNUSED static void parse_file(const char *path, struct expo_set *set)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;

	if (f == NULL)
		fail_msg("%s: cannot open", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	parse_text(text, set);
	free(text);
}

/* The frame as --print writes it, parsed back: what a receiver would get (names, labels, values). */
static void frame_set(struct expo_set *set)
{
	struct amp_labels_common common;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	memset(&common, 0, sizeof(common));
	assert_non_null(out);
	assert_int_equal(amp_expo_write(out, &reg, &common, entries, ctx.entry_count), AMP_OK);
	fclose(out);
	parse_text(text, set);
	free(text);
}

static const struct sample *find_sample(const struct expo_set *set, const char *key, size_t *count)
{
	const struct sample *found = NULL;

	*count = 0;
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->s[i].key, key) == 0) {
			found = &set->s[i];
			(*count)++;
		}
	}
	return found;
}

/*
 * `have` holds exactly the series of `want`, each once with the very same double (the collectors do
 * node_exporter's arithmetic, so even the last bit agrees), and every family both describe has the same
 * help and type. Prints every difference before failing.
 */
static void assert_same(const struct expo_set *want, const struct expo_set *have, const char *what)
{
	unsigned bad = 0;
	size_t count;

	for (size_t i = 0; i < want->n; i++) {
		const struct sample *h = find_sample(have, want->s[i].key, &count);

		if (h == NULL) {
			print_message("  %s: missing %s %.17g\n", what, want->s[i].key, want->s[i].value);
			bad++;
		} else if (count > 1) {
			print_message("  %s: %s %zu times\n", what, want->s[i].key, count);
			bad++;
		} else if (!(h->value == want->s[i].value) && !(isnan(h->value) && isnan(want->s[i].value))) {
			print_message("  %s: %s = %.17g, expected %.17g\n", what, want->s[i].key, h->value, want->s[i].value);
			bad++;
		}
	}
	for (size_t i = 0; i < have->n; i++) {
		if (find_sample(want, have->s[i].key, &count) == NULL) {
			print_message("  %s: unexpected %s %.17g\n", what, have->s[i].key, have->s[i].value);
			bad++;
		}
	}
	for (size_t i = 0; i < want->nm; i++) {
		for (size_t j = 0; j < have->nm; j++) {
			const struct family_meta *w = &want->m[i], *h = &have->m[j];

			if (strcmp(w->name, h->name) != 0)
				continue;
			if (w->help != NULL && (h->help == NULL || strcmp(w->help, h->help) != 0)) {
				print_message("  %s: %s help \"%s\", expected \"%s\"\n", what, w->name, h->help, w->help);
				bad++;
			}
			if (w->type != NULL && (h->type == NULL || strcmp(w->type, h->type) != 0)) {
				print_message("  %s: %s type %s, expected %s\n", what, w->name, h->type, w->type);
				bad++;
			}
		}
	}
	if (bad > 0)
		fail_msg("%s: %u differences", what, bad);
}

/* Every label value of the frame is something a receiver takes: non-empty, no control bytes. */
static void assert_labels_clean(void)
{
	for (unsigned i = 0; i < ctx.entry_count; i++) {
		struct amp_label l;
		unsigned cur = 0;

		while (amp_registry_label_next(&reg, entries[i].id, &cur, &l) == AMP_OK) {
			assert_true(l.value[0] != '\0');
			for (const unsigned char *c = (const unsigned char *)l.value; *c != '\0'; c++) {
				if (*c < 0x20 || *c == 0x7f)
					fail_msg("label %s has control byte 0x%02x", l.name, *c);
			}
		}
	}
}

/* ---- files in the scratch tree ---- */

/* The directories a case may write into, created once (parents first) and removed at the end. */
static const char *const scratch_dirs[] = {
	"net", "net/stat", "pressure", "sys", "sys/kernel", "sys/kernel/random", "sys/fs", "sys/net", "sys/net/netfilter",
};

static void scratch_path(char *out, size_t cap, const char *rel)
{
	int n = snprintf(out, cap, "%s/%s", tmpdir, rel);

	assert_true(n > 0 && (size_t)n < cap);
}

static void write_file(const char *rel, const char *content, size_t len)
{
	char path[512];
	FILE *f;

	scratch_path(path, sizeof(path), rel);
	f = fopen(path, "wb");
	if (f == NULL)
		fail_msg("%s: cannot create", path);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *rel)
{
	char path[512];

	scratch_path(path, sizeof(path), rel);
	unlink(path);
}

static char *read_fixture(const char *tree, const char *rel, size_t *len)
{
	char path[1200];
	FILE *f;
	char *text;
	long size;

	snprintf(path, sizeof(path), "%s/%s", fixture_tree(tree), rel);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	text = malloc((size_t)size + 64);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return text;
}

/* ---- table-driven cases: files in, series out ---- */

struct case_file {
	const char *name; /* under the procfs root */
	const char *text;
	size_t len;
};

struct proc_case {
	const char *what;
	const struct amp_collector *collector;
	struct case_file files[3];
	int rc;
	const char *want; /* the series, one "name{labels} value" a line, any order ('' or "" quote values) */
};

/* The page size run_cases gives the collectors (sockstat's mem_bytes). */
static long case_page_size = 4096;

#define TEXT(s) s, sizeof(s) - 1

MAYBE_UNUSED static void run_cases(const struct proc_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct proc_case *c = &cases[i];
		struct expo_set want = {0}, have = {0};
		int rc;

		print_message("  case: %s\n", c->what);
		for (unsigned f = 0; f < COUNT_OF(c->files) && c->files[f].name != NULL; f++)
			write_file(c->files[f].name, c->files[f].text, c->files[f].len);
		amp_registry_init(&reg);
		ctx_init(tmpdir);
		ctx.page_size = case_page_size;
		rc = c->collector->collect(&ctx);
		for (unsigned f = 0; f < COUNT_OF(c->files) && c->files[f].name != NULL; f++)
			remove_file(c->files[f].name);
		if (rc != c->rc)
			fail_msg("%s: returned %d, expected %d", c->what, rc, c->rc);
		parse_text(c->want, &want);
		frame_set(&have);
		assert_same(&want, &have, c->what);
		assert_labels_clean();
		assert_int_equal(ctx.dropped_series, 0);
		set_free(&want);
		set_free(&have);
	}
}

/* ---- node_exporter 1.5 over the fixture trees ---- */

#if ALL_PROC
/*
 * Every collector over a whole tree gives what node_exporter 1.5 gave for it (tests/fixtures/node_exporter,
 * made by regen.sh there), plus `extra`: the series where amp-agent deliberately differs.
 */
static void assert_matches_node_exporter(const char *tree, const char *extra)
{
	struct expo_set want = {0}, have = {0};
	char golden[1200];

	ctx_init(fixture_tree(tree));
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.dropped_series, 0);
	snprintf(golden, sizeof(golden), "%s/node_exporter/%s.prom", getenv("AMP_TEST_FIXTURES"), tree);
	parse_file(golden, &want);
	assert_true(want.n > 100);
	parse_text(extra, &want);
	frame_set(&have);
	assert_same(&want, &have, tree);
	assert_labels_clean();
	set_free(&want);
	set_free(&have);
	/* A second collection reuses every series: same frame, no new registry entries. */
	{
		unsigned before = amp_registry_count(&reg), count = ctx.entry_count;

		assert_int_equal(amp_collect_all(&ctx), 0);
		assert_int_equal(amp_registry_count(&reg), before);
		assert_int_equal(ctx.entry_count, count);
	}
}

/* Debian builds node_exporter 1.5 with --collector.netdev.device-exclude=^lo$; upstream excludes nothing. */
#define LO(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) \
	"node_network_receive_bytes_total{device='lo'} " #a "\nnode_network_receive_packets_total{device='lo'} " #b "\n" \
	"node_network_receive_errs_total{device='lo'} " #c "\nnode_network_receive_drop_total{device='lo'} " #d "\n" \
	"node_network_receive_fifo_total{device='lo'} " #e "\nnode_network_receive_frame_total{device='lo'} " #f "\n" \
	"node_network_receive_compressed_total{device='lo'} " #g "\n" \
	"node_network_receive_multicast_total{device='lo'} " #h "\n" \
	"node_network_transmit_bytes_total{device='lo'} " #i "\nnode_network_transmit_packets_total{device='lo'} " #j "\n" \
	"node_network_transmit_errs_total{device='lo'} " #k "\nnode_network_transmit_drop_total{device='lo'} " #l "\n" \
	"node_network_transmit_fifo_total{device='lo'} " #m "\nnode_network_transmit_colls_total{device='lo'} " #n "\n" \
	"node_network_transmit_carrier_total{device='lo'} " #o "\n" \
	"node_network_transmit_compressed_total{device='lo'} " #p "\n"

/* A 6.x kernel: 20-field diskstats with mmcblk, dm-, loop, zram, nvme and sd devices, PSI, IPv6, conntrack. */
static void test_modern_tree_matches_node_exporter(void **state)
{
	(void)state;
	assert_matches_node_exporter("proc", LO(9421553, 61234, 0, 0, 0, 0, 0, 0, 9421553, 61234, 0, 0, 0, 0, 0, 0));
}

/*
 * A 2.6.18 kernel: 14-field diskstats with 7-field partition lines, no PSI, no IPv6, no schedstat, 9-column
 * softnet_stat, no UDP mem, and a conntrack stat header without search_restart, on which node_exporter
 * fails its whole conntrack stat read while amp-agent sums the columns there are.
 */
static void test_old_tree_matches_node_exporter(void **state)
{
	(void)state;
	assert_matches_node_exporter("proc-old",
				     LO(12840, 160, 0, 0, 0, 0, 0, 0, 12840, 160, 0, 0, 0, 0, 0, 0)
				     "node_nf_conntrack_stat_found 4677\nnode_nf_conntrack_stat_invalid 5\n"
				     "node_nf_conntrack_stat_ignore 806\nnode_nf_conntrack_stat_insert 291\n"
				     "node_nf_conntrack_stat_insert_failed 0\nnode_nf_conntrack_stat_drop 0\n"
				     "node_nf_conntrack_stat_early_drop 0\n");
}

/* 64 CPUs, 10 of them offline: softnet_stat numbers its lines, schedstat names its CPUs, 64 conntrack rows. */
static void test_many_cpu_tree_matches_node_exporter(void **state)
{
	(void)state;
	assert_matches_node_exporter("proc-many", "");
}

/* The many-CPU tree again, against the formulas its files were written from (not node_exporter's word). */
static void test_many_cpu_tree_values(void **state)
{
	static const unsigned offline[] = {5, 17, 33, 34, 35, 36, 37, 38, 39, 40};
	uint64_t found = 0, invalid = 0, ignore = 0, restart = 0, failed = 0, drop = 0;
	struct expo_set want = {0}, have = {0};
	size_t cap = 1 << 16, used = 0;
	char *text = malloc(cap);
	unsigned line = 0;

	(void)state;
	assert_non_null(text);
	text[0] = '\0';
	for (unsigned c = 0; c < 64; c++) {
		int off = 0;

		for (size_t k = 0; k < COUNT_OF(offline); k++)
			off |= offline[k] == c;
		/* conntrack counts every possible CPU, online or not */
		found += c;
		invalid += 2 * c;
		ignore += 3 * c;
		restart += (uint64_t)c * c;
		failed += c % 2;
		drop += c % 3;
		if (off)
			continue;
		used += (size_t)snprintf(text + used, cap - used,
					 "node_softnet_processed_total{cpu='%u'} %u\nnode_softnet_dropped_total{cpu='%u'} %u\n"
					 "node_softnet_times_squeezed_total{cpu='%u'} %u\n"
					 "node_schedstat_running_seconds_total{cpu='%u'} %.17g\n"
					 "node_schedstat_waiting_seconds_total{cpu='%u'} %.17g\n"
					 "node_schedstat_timeslices_total{cpu='%u'} %u\n",
					 line, 1000003 * c + 17, line, c % 7, line, 3 * c, c,
					 (double)(123456789012ull * c + 1) / 1e9, c, (double)(98765432ull * c + 2) / 1e9, c,
					 4567 * c + 3);
		line++;
		assert_true(used < cap);
	}
	snprintf(text + used, cap - used,
		 "node_nf_conntrack_entries 4242\nnode_nf_conntrack_entries_limit 262144\n"
		 "node_nf_conntrack_stat_found %llu\nnode_nf_conntrack_stat_invalid %llu\n"
		 "node_nf_conntrack_stat_ignore %llu\nnode_nf_conntrack_stat_insert 0\n"
		 "node_nf_conntrack_stat_insert_failed %llu\nnode_nf_conntrack_stat_drop %llu\n"
		 "node_nf_conntrack_stat_early_drop 1\nnode_nf_conntrack_stat_search_restart %llu\n",
		 (unsigned long long)found, (unsigned long long)invalid, (unsigned long long)ignore,
		 (unsigned long long)failed, (unsigned long long)drop, (unsigned long long)restart);
	assert_int_equal(line, 54);
	ctx_init(fixture_tree("proc-many"));
	assert_int_equal(amp_collect_all(&ctx), 0);
	parse_text(text, &want);
	frame_set(&have);
	assert_same(&want, &have, "proc-many");
	set_free(&want);
	set_free(&have);
	free(text);
}
#endif

/* ---- stat ---- */

#ifdef CONFIG_COLLECTOR_STAT
static void test_stat_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_stat;
	const struct proc_case cases[] = {
		{"the six lines", c, {{"stat", TEXT("cpu  1 2 3 4\nintr 5 1 2 2\nctxt 7\nbtime 1700000000\nprocesses 9\n"
						   "procs_running 3\nprocs_blocked 1\nsoftirq 4 1 1 1 1\n")}},
		 AMP_OK,
		 "node_intr_total 5\nnode_context_switches_total 7\nnode_boot_time_seconds 1700000000\n"
		 "node_forks_total 9\nnode_procs_running 3\nnode_procs_blocked 1\n"},
		{"Linux 2.4: no procs_running, procs_blocked", c,
		 {{"stat", TEXT("cpu  1 2 3 4\nintr 5 0\nctxt 6\nbtime 7\nprocesses 8\n")}}, AMP_OK,
		 "node_intr_total 5\nnode_context_switches_total 6\nnode_boot_time_seconds 7\nnode_forks_total 8\n"},
		{"intr total only", c, {{"stat", TEXT("intr 12\n")}}, AMP_OK, "node_intr_total 12\n"},
		{"per-interrupt counts are not parsed", c, {{"stat", TEXT("intr 5 x -1 99999999999999999999\n")}}, AMP_OK,
		 "node_intr_total 5\n"},
		{"tabs, no final newline", c, {{"stat", TEXT("ctxt\t99\nbtime  5")}}, AMP_OK,
		 "node_context_switches_total 99\nnode_boot_time_seconds 5\n"},
		{"largest 64-bit value", c, {{"stat", TEXT("ctxt 18446744073709551615\n")}}, AMP_OK,
		 "node_context_switches_total 18446744073709551615\n"},
		{"look-alike keys are other lines", c, {{"stat", TEXT("ctxtx 5\nbtimes x\nprocs_running_x 1\nctxt 7\n")}},
		 AMP_OK, "node_context_switches_total 7\n"},
		{"value not a number", c, {{"stat", TEXT("ctxt x\nbtime 12\n")}}, AMP_ERR_INVALID,
		 "node_boot_time_seconds 12\n"},
		{"intr total not a number", c, {{"stat", TEXT("intr x 1\nctxt 2\n")}}, AMP_ERR_INVALID,
		 "node_context_switches_total 2\n"},
		{"two values", c, {{"stat", TEXT("ctxt 1 2\nbtime 3\n")}}, AMP_ERR_INVALID, "node_boot_time_seconds 3\n"},
		{"negative", c, {{"stat", TEXT("procs_blocked -1\nprocs_running 2\n")}}, AMP_ERR_INVALID,
		 "node_procs_running 2\n"},
		{"no value", c, {{"stat", TEXT("btime\nctxt 4\n")}}, AMP_ERR_INVALID, "node_context_switches_total 4\n"},
		{"64-bit overflow", c, {{"stat", TEXT("ctxt 18446744073709551616\nbtime 1\n")}}, AMP_ERR_INVALID,
		 "node_boot_time_seconds 1\n"},
		{"carriage return", c, {{"stat", TEXT("ctxt 5\r\nbtime 6\n")}}, AMP_ERR_INVALID,
		 "node_boot_time_seconds 6\n"},
		{"NUL after the value", c, {{"stat", TEXT("ctxt 5\0\nbtime 6\n")}}, AMP_ERR_INVALID,
		 "node_boot_time_seconds 6\n"},
		{"no line of ours", c, {{"stat", TEXT("cpu  1 2 3 4\ncpu0 1 2 3 4\n")}}, AMP_ERR_INVALID, ""},
		{"empty file", c, {{"stat", TEXT("")}}, AMP_ERR_INVALID, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- vmstat ---- */

#ifdef CONFIG_COLLECTOR_VMSTAT
static void test_vmstat_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_vmstat;
	const struct proc_case cases[] = {
		{"the default fields, others left out", c,
		 {{"vmstat", TEXT("nr_free_pages 5\npgpgin 1\npgpgout 2\npswpin 3\npswpout 4\npgalloc_normal 9\npgfault 5\n"
				  "pgmajfault 6\nthp_fault_alloc 8\noom_kill 7\npgsteal_kswapd 1\n")}},
		 AMP_OK,
		 "node_vmstat_pgpgin 1\nnode_vmstat_pgpgout 2\nnode_vmstat_pswpin 3\nnode_vmstat_pswpout 4\n"
		 "node_vmstat_pgfault 5\nnode_vmstat_pgmajfault 6\nnode_vmstat_oom_kill 7\n"},
		{"Linux 2.6: no oom_kill", c, {{"vmstat", TEXT("pgpgin 10\npgpgout 20\npswpin 0\npswpout 0\npgfault 30\n"
							       "pgmajfault 40\n")}},
		 AMP_OK,
		 "node_vmstat_pgpgin 10\nnode_vmstat_pgpgout 20\nnode_vmstat_pswpin 0\nnode_vmstat_pswpout 0\n"
		 "node_vmstat_pgfault 30\nnode_vmstat_pgmajfault 40\n"},
		{"other fields are not judged", c, {{"vmstat", TEXT("nr_free_cma -5\nfoo bar baz\n\npgfault 3\n")}},
		 AMP_OK, "node_vmstat_pgfault 3\n"},
		{"a field the pattern takes but no kernel prints is skipped", c,
		 {{"vmstat", TEXT("pgfault_foo 2\npgpgfoo 1\npgfault 3\n")}}, AMP_OK, "node_vmstat_pgfault 3\n"},
		{"value not a number", c, {{"vmstat", TEXT("pgfault x\npgmajfault 4\n")}}, AMP_ERR_INVALID,
		 "node_vmstat_pgmajfault 4\n"},
		{"negative", c, {{"vmstat", TEXT("oom_kill -1\npswpin 2\n")}}, AMP_ERR_INVALID, "node_vmstat_pswpin 2\n"},
		{"two values", c, {{"vmstat", TEXT("pgpgin 1 2\npgpgout 3\n")}}, AMP_ERR_INVALID,
		 "node_vmstat_pgpgout 3\n"},
		{"no value", c, {{"vmstat", TEXT("pgpgin\npgpgout 3")}}, AMP_ERR_INVALID, "node_vmstat_pgpgout 3\n"},
		{"control byte in a field the pattern takes", c, {{"vmstat", TEXT("pgfault\x01x 5\npgpgin 1\n")}},
		 AMP_ERR_INVALID, "node_vmstat_pgpgin 1\n"},
		{"no default field", c, {{"vmstat", TEXT("nr_free_pages 1\n")}}, AMP_ERR_INVALID, ""},
		{"empty file", c, {{"vmstat", TEXT("")}}, AMP_ERR_INVALID, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- netdev ---- */

#ifdef CONFIG_COLLECTOR_NETDEV
#define NETDEV_HEAD \
	"Inter-|   Receive                                                |  Transmit\n" \
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls " \
	"carrier compressed\n"
#define COLS_1_16 " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"
/* The 16 series of a device whose columns are 1 ... 16. */
#define DEV_1_16(dev) \
	"node_network_receive_bytes_total{device='" dev "'} 1\nnode_network_receive_packets_total{device='" dev "'} 2\n" \
	"node_network_receive_errs_total{device='" dev "'} 3\nnode_network_receive_drop_total{device='" dev "'} 4\n" \
	"node_network_receive_fifo_total{device='" dev "'} 5\nnode_network_receive_frame_total{device='" dev "'} 6\n" \
	"node_network_receive_compressed_total{device='" dev "'} 7\n" \
	"node_network_receive_multicast_total{device='" dev "'} 8\n" \
	"node_network_transmit_bytes_total{device='" dev "'} 9\n" \
	"node_network_transmit_packets_total{device='" dev "'} 10\n" \
	"node_network_transmit_errs_total{device='" dev "'} 11\nnode_network_transmit_drop_total{device='" dev "'} 12\n" \
	"node_network_transmit_fifo_total{device='" dev "'} 13\n" \
	"node_network_transmit_colls_total{device='" dev "'} 14\n" \
	"node_network_transmit_carrier_total{device='" dev "'} 15\n" \
	"node_network_transmit_compressed_total{device='" dev "'} 16\n"

static void test_netdev_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_netdev;
	const struct proc_case cases[] = {
		{"odd but valid names", c,
		 {{"net/dev", TEXT(NETDEV_HEAD "wl\xc3\xa4n0:" COLS_1_16 "\n eth0.100:" COLS_1_16 "\nveth1a2b3c4d5e6:" COLS_1_16
					       "\n  wwan0:" COLS_1_16 "\nbr-lan\"x:" COLS_1_16 "\n")}},
		 AMP_OK, DEV_1_16("wl\xc3\xa4n0") DEV_1_16("eth0.100") DEV_1_16("veth1a2b3c4d5e6") DEV_1_16("wwan0")
		 DEV_1_16("br-lan\\\"x")},
		{"name touching a 20-digit first value", c,
		 {{"net/dev", TEXT(NETDEV_HEAD "  eth0:18446744073709551615 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n")}}, AMP_OK,
		 "node_network_receive_bytes_total{device='eth0'} 18446744073709551615\n"
		 "node_network_receive_packets_total{device='eth0'} 2\nnode_network_receive_errs_total{device='eth0'} 3\n"
		 "node_network_receive_drop_total{device='eth0'} 4\nnode_network_receive_fifo_total{device='eth0'} 5\n"
		 "node_network_receive_frame_total{device='eth0'} 6\nnode_network_receive_compressed_total{device='eth0'} 7\n"
		 "node_network_receive_multicast_total{device='eth0'} 8\nnode_network_transmit_bytes_total{device='eth0'} 9\n"
		 "node_network_transmit_packets_total{device='eth0'} 10\nnode_network_transmit_errs_total{device='eth0'} 11\n"
		 "node_network_transmit_drop_total{device='eth0'} 12\nnode_network_transmit_fifo_total{device='eth0'} 13\n"
		 "node_network_transmit_colls_total{device='eth0'} 14\n"
		 "node_network_transmit_carrier_total{device='eth0'} 15\n"
		 "node_network_transmit_compressed_total{device='eth0'} 16\n"},
		{"a 17th column is ignored, tabs separate", c, {{"net/dev", TEXT(NETDEV_HEAD "lo:\t1 2 3 4 5 6 7 8 9 10 11 12 "
										       "13 14 15 16 17\n")}},
		 AMP_OK, DEV_1_16("lo")},
		{"no header lines, no final newline", c, {{"net/dev", TEXT("lo:" COLS_1_16)}}, AMP_OK, DEV_1_16("lo")},
		{"header only", c, {{"net/dev", TEXT(NETDEV_HEAD)}}, AMP_OK, ""},
		{"name of 16 bytes", c, {{"net/dev", TEXT(NETDEV_HEAD "name-of-16-bytes:" COLS_1_16 "\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"control byte in the name", c, {{"net/dev", TEXT(NETDEV_HEAD "a\x01" "b:" COLS_1_16 "\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"DEL and NUL in names", c,
		 {{"net/dev", TEXT(NETDEV_HEAD "a\x7f:" COLS_1_16 "\na\0b:" COLS_1_16 "\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"name not UTF-8", c, {{"net/dev", TEXT(NETDEV_HEAD "\xff\xfe:" COLS_1_16 "\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"blank inside the name", c, {{"net/dev", TEXT(NETDEV_HEAD " br lan:" COLS_1_16 "\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"empty name", c, {{"net/dev", TEXT(NETDEV_HEAD "   :" COLS_1_16 "\nlo:" COLS_1_16 "\n")}}, AMP_ERR_INVALID,
		 DEV_1_16("lo")},
		{"15 columns", c, {{"net/dev", TEXT(NETDEV_HEAD "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"a column not a number", c,
		 {{"net/dev", TEXT(NETDEV_HEAD "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 x 16\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"negative column", c, {{"net/dev", TEXT("eth0: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\nlo:" COLS_1_16 "\n")}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
		{"carriage return", c, {{"net/dev", TEXT("eth0:" COLS_1_16 "\r\nlo:" COLS_1_16 "\n")}}, AMP_ERR_INVALID,
		 DEV_1_16("lo")},
		{"no colon", c, {{"net/dev", TEXT("eth0" COLS_1_16 "\nlo:" COLS_1_16 "\n")}}, AMP_ERR_INVALID, DEV_1_16("lo")},
		{"a header line after the second line", c, {{"net/dev", TEXT("lo:" COLS_1_16 "\n" NETDEV_HEAD)}},
		 AMP_ERR_INVALID, DEV_1_16("lo")},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- diskstats ---- */

#ifdef CONFIG_COLLECTOR_DISKSTATS
/* A device whose counts are 1, 2, ...: 11 of them (before 4.18), 15 (before 5.5) or 17. */
#define DISK_11(dev) \
	"node_disk_reads_completed_total{device='" dev "'} 1\nnode_disk_reads_merged_total{device='" dev "'} 2\n" \
	"node_disk_read_bytes_total{device='" dev "'} 1536\nnode_disk_read_time_seconds_total{device='" dev "'} 0.004\n" \
	"node_disk_writes_completed_total{device='" dev "'} 5\nnode_disk_writes_merged_total{device='" dev "'} 6\n" \
	"node_disk_written_bytes_total{device='" dev "'} 3584\n" \
	"node_disk_write_time_seconds_total{device='" dev "'} 0.008\nnode_disk_io_now{device='" dev "'} 9\n" \
	"node_disk_io_time_seconds_total{device='" dev "'} 0.01\n" \
	"node_disk_io_time_weighted_seconds_total{device='" dev "'} 0.011\n"
#define DISK_15(dev) \
	DISK_11(dev) "node_disk_discards_completed_total{device='" dev "'} 12\n" \
		     "node_disk_discards_merged_total{device='" dev "'} 13\n" \
		     "node_disk_discarded_sectors_total{device='" dev "'} 14\n" \
		     "node_disk_discard_time_seconds_total{device='" dev "'} 0.015\n"
#define DISK_17(dev) \
	DISK_15(dev) "node_disk_flush_requests_total{device='" dev "'} 16\n" \
		     "node_disk_flush_requests_time_seconds_total{device='" dev "'} 0.017\n"
#define INFO(dev, major, minor) "node_disk_info{device='" dev "',major='" major "',minor='" minor "'} 1\n"
#define STATS_11 " 1 2 3 4 5 6 7 8 9 10 11"
#define STATS_17 " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"

static void test_diskstats_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_diskstats;
	const struct proc_case cases[] = {
		{"14 fields (Linux 2.6.25 to 4.17)", c, {{"diskstats", TEXT("   8       0 sda" STATS_11 "\n")}}, AMP_OK,
		 INFO("sda", "8", "0") DISK_11("sda")},
		{"18 fields (4.18 to 5.4): discards", c,
		 {{"diskstats", TEXT(" 179       0 mmcblk0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n")}}, AMP_OK,
		 INFO("mmcblk0", "179", "0") DISK_15("mmcblk0")},
		{"20 fields (5.5+): flushes", c, {{"diskstats", TEXT(" 253 0 dm-0" STATS_17 "\n")}}, AMP_OK,
		 INFO("dm-0", "253", "0") DISK_17("dm-0")},
		{"counts a future kernel appends are ignored", c, {{"diskstats", TEXT("9 127 md127" STATS_17 " 18 19 x\n")}},
		 AMP_OK, INFO("md127", "9", "127") DISK_17("md127")},
		{"7 fields: a partition before 2.6.25", c, {{"diskstats", TEXT("179 1 mmcblk0p1 10 20 30 40\n")}}, AMP_OK,
		 INFO("mmcblk0p1", "179", "1")
		 "node_disk_reads_completed_total{device='mmcblk0p1'} 10\nnode_disk_read_bytes_total{device='mmcblk0p1'} 10240\n"
		 "node_disk_writes_completed_total{device='mmcblk0p1'} 30\n"
		 "node_disk_written_bytes_total{device='mmcblk0p1'} 20480\n"},
		{"mixed counts, unusual names", c,
		 {{"diskstats", TEXT("104 0 cciss/c0d0" STATS_11 "\n179 32 mmcblk0boot0" STATS_17 "\n 43 0 nbd0" STATS_11
				     "\n252 0 zram0" STATS_11 "\n 8 0 sd\xc3\xa4" STATS_11 "\n")}},
		 AMP_OK,
		 INFO("cciss/c0d0", "104", "0") DISK_11("cciss/c0d0") INFO("mmcblk0boot0", "179", "32")
		 DISK_17("mmcblk0boot0") INFO("nbd0", "43", "0") DISK_11("nbd0") INFO("zram0", "252", "0") DISK_11("zram0")
		 INFO("sd\xc3\xa4", "8", "0") DISK_11("sd\xc3\xa4")},
		{"excluded: partitions, ram, loop", c,
		 {{"diskstats", TEXT("1 0 ram0" STATS_11 "\n7 0 loop0" STATS_17 "\n8 1 sda1" STATS_17 "\n259 1 nvme0n1p1"
				     STATS_17 "\n202 1 xvda1" STATS_11 "\n2 0 fd0" STATS_11 "\n")}},
		 AMP_OK, ""},
		{"major and minor as numbers", c, {{"diskstats", TEXT("008 00 sda" STATS_11 "\n")}}, AMP_OK,
		 INFO("sda", "8", "0") DISK_11("sda")},
		{"largest count", c, {{"diskstats", TEXT("8 0 sda 18446744073709551615 0 0 0 0 0 0 0 0 0 0\n")}}, AMP_OK,
		 INFO("sda", "8", "0")
		 "node_disk_reads_completed_total{device='sda'} 18446744073709551615\n"
		 "node_disk_reads_merged_total{device='sda'} 0\nnode_disk_read_bytes_total{device='sda'} 0\n"
		 "node_disk_read_time_seconds_total{device='sda'} 0\nnode_disk_writes_completed_total{device='sda'} 0\n"
		 "node_disk_writes_merged_total{device='sda'} 0\nnode_disk_written_bytes_total{device='sda'} 0\n"
		 "node_disk_write_time_seconds_total{device='sda'} 0\nnode_disk_io_now{device='sda'} 0\n"
		 "node_disk_io_time_seconds_total{device='sda'} 0\n"
		 "node_disk_io_time_weighted_seconds_total{device='sda'} 0\n"},
		{"12 fields", c, {{"diskstats", TEXT("8 0 sda 1 2 3 4 5 6 7 8 9\n9 0 md0" STATS_11 "\n")}}, AMP_ERR_INVALID,
		 INFO("md0", "9", "0") DISK_11("md0")},
		{"8 fields", c, {{"diskstats", TEXT("8 0 sda 1 2 3 4 5\n9 0 md0" STATS_11 "\n")}}, AMP_ERR_INVALID,
		 INFO("md0", "9", "0") DISK_11("md0")},
		{"a count not a number", c, {{"diskstats", TEXT("8 0 sda 1 2 3 4 5 6 7 8 9 x 11\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"negative count", c, {{"diskstats", TEXT("8 0 sda 1 2 3 4 5 6 7 8 -9 10 11\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"count overflow", c,
		 {{"diskstats", TEXT("8 0 sda 18446744073709551616 2 3 4 5 6 7 8 9 10 11\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"major beyond 32 bits", c, {{"diskstats", TEXT("4294967296 0 sda" STATS_11 "\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"minor not a number", c, {{"diskstats", TEXT("8 x sda" STATS_11 "\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"name of 32 bytes", c,
		 {{"diskstats", TEXT("8 0 abcdefghijklmnopqrstuvwxyz012345" STATS_11 "\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"control byte in the name", c, {{"diskstats", TEXT("8 0 sd\x1b" "a" STATS_11 "\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"name not UTF-8", c, {{"diskstats", TEXT("8 0 sd\xe2\x82" STATS_11 "\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"carriage return", c, {{"diskstats", TEXT("8 0 sda" STATS_11 "\r\n9 0 md0" STATS_11 "\n")}},
		 AMP_ERR_INVALID, INFO("md0", "9", "0") DISK_11("md0")},
		{"blank lines are ignored", c, {{"diskstats", TEXT("\n  \n9 0 md0" STATS_11)}}, AMP_OK,
		 INFO("md0", "9", "0") DISK_11("md0")},
		{"empty file", c, {{"diskstats", TEXT("")}}, AMP_OK, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/*
 * The hand-written exclusion against the POSIX regex engine on node_exporter's default pattern, over
 * names built from every prefix it knows, and look-alikes, with digit and letter tails.
 */
static void test_diskstats_exclusion_matches_regex(void **state)
{
	static const char *const heads[] = {"ram", "loop", "fd", "hd", "sd", "vd", "xvd", "nvme", "mmcblk", "dm-", "md",
					    "sr", "zram", "nbd", "mtdblock", "xd", "s", "nvm", "rams", "lo", "ubiblock"};
	static const char *const mids[] = {"", "a", "z", "aa", "A", "0", "12", "0n", "0n1", "0n1p", "10n22p", "n1p", "0n1q",
					   "0p", "1n", "-"};
	static const char *const tails[] = {"", "0", "7", "12", "p1", "a", "0a", "00", "_1"};
	const char *pattern = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme[0-9]+n[0-9]+p)[0-9]+$";
	size_t total = COUNT_OF(heads) * COUNT_OF(mids) * COUNT_OF(tails), names = 0, kept = 0;
	size_t cap = 128 * 80;
	char (*name)[32] = calloc(total, sizeof(*name));
	char *file = malloc(cap), *want = malloc(cap);
	regex_t re;

	(void)state;
	assert_non_null(name);
	assert_non_null(file);
	assert_non_null(want);
	for (size_t h = 0; h < COUNT_OF(heads); h++)
		for (size_t m = 0; m < COUNT_OF(mids); m++)
			for (size_t t = 0; t < COUNT_OF(tails); t++)
				snprintf(name[names++], sizeof(name[0]), "%s%s%s", heads[h], mids[m], tails[t]);
	/* "sd" + "a" + "" and "sd" + "" + "a" are one device: sort, then skip repeats. */
	qsort(name, total, sizeof(name[0]), cmp_name);
	names = 0;
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	/* In batches: every kept device is 12 series, and the frame holds CONFIG_MAX_SERIES. */
	for (size_t first = 0; first < total; first += 128) {
		struct expo_set w = {0}, have = {0}, info = {0};
		size_t used = 0, want_used = 0, batch_kept = 0;

		want[0] = '\0';
		for (size_t i = first; i < first + 128 && i < total; i++) {
			if (i > 0 && strcmp(name[i], name[i - 1]) == 0)
				continue;
			used += (size_t)snprintf(file + used, cap - used, "8 %zu %s 1 0 0 0 0 0 0 0 0 0 0\n", i, name[i]);
			if (regexec(&re, name[i], 0, NULL, 0) != 0) {
				want_used += (size_t)snprintf(want + want_used, cap - want_used,
							      "node_disk_info{device='%s',major='8',minor='%zu'} 1\n", name[i], i);
				batch_kept++;
			}
			names++;
		}
		assert_true(used < cap && want_used < cap);
		write_file("diskstats", file, used);
		amp_registry_init(&reg);
		ctx_init(tmpdir);
		assert_int_equal(amp_collector_diskstats.collect(&ctx), AMP_OK);
		remove_file("diskstats");
		parse_text(want, &w);
		frame_set(&have);
		/* Each kept device has its 11 counts and node_disk_info; compare the latter. */
		assert_int_equal(have.n, batch_kept * 12);
		for (size_t i = 0; i < have.n; i++) {
			if (strncmp(have.s[i].key, "node_disk_info{", 15) != 0)
				continue;
			info.s = realloc(info.s, (info.n + 1) * sizeof(*info.s));
			assert_non_null(info.s);
			info.s[info.n].key = strdup(have.s[i].key);
			info.s[info.n++].value = have.s[i].value;
		}
		assert_same(&w, &info, "exclusion");
		set_free(&w);
		set_free(&have);
		set_free(&info);
		kept += batch_kept;
	}
	regfree(&re);
	assert_true(kept > 1000 && names - kept > 50); /* both outcomes are well exercised */
	free(name);
	free(file);
	free(want);
}
#endif

/* ---- netstat ---- */

#ifdef CONFIG_COLLECTOR_NETSTAT
static void test_netstat_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_netstat;
	const struct proc_case cases[] = {
		{"no IPv6: snmp6 absent", c,
		 {{"net/snmp", TEXT("Ip: Forwarding DefaultTTL InReceives\nIp: 1 64 5\nTcp: RtoAlgorithm MaxConn ActiveOpens "
				    "CurrEstab InErrs\nTcp: 1 -1 5 3 2\n")}},
		 AMP_OK,
		 "node_netstat_Ip_Forwarding 1\nnode_netstat_Tcp_ActiveOpens 5\nnode_netstat_Tcp_CurrEstab 3\n"
		 "node_netstat_Tcp_InErrs 2\n"},
		{"all three files", c,
		 {{"net/netstat", TEXT("TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts TCPSynRetrans Other\n"
				       "TcpExt: 1 2 3 4 5 6\nIpExt: InNoRoutes InOctets OutOctets\nIpExt: 9 18446744073709551615 7\n")},
		  {"net/snmp", TEXT("Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors\n"
				    "Udp: 1 2 3 4 5 6 7\nUdpLite: InDatagrams InErrors\nUdpLite: 8 9\n"
				    "Icmp: InMsgs InErrors OutMsgs\nIcmp: 10 11 12\n")},
		  {"net/snmp6", TEXT("Ip6InReceives                   \t1\nIp6InOctets                     \t10\n"
				     "Ip6OutOctets 11\nIcmp6InMsgs 12\nIcmp6InErrors 13\nIcmp6OutMsgs 14\nIcmp6InType1 15\n"
				     "Udp6InDatagrams 16\nUdp6NoPorts 17\nUdp6InErrors 18\nUdp6OutDatagrams 19\n"
				     "Udp6RcvbufErrors 20\nUdp6SndbufErrors 21\nUdpLite6InErrors 22\nUdpLite6NoPorts 23\n")}},
		 AMP_OK,
		 "node_netstat_TcpExt_SyncookiesSent 1\nnode_netstat_TcpExt_ListenOverflows 2\n"
		 "node_netstat_TcpExt_ListenDrops 3\nnode_netstat_TcpExt_TCPTimeouts 4\nnode_netstat_TcpExt_TCPSynRetrans 5\n"
		 "node_netstat_IpExt_InOctets 18446744073709551615\nnode_netstat_IpExt_OutOctets 7\n"
		 "node_netstat_Udp_InDatagrams 1\nnode_netstat_Udp_NoPorts 2\nnode_netstat_Udp_InErrors 3\n"
		 "node_netstat_Udp_OutDatagrams 4\nnode_netstat_Udp_RcvbufErrors 5\nnode_netstat_Udp_SndbufErrors 6\n"
		 "node_netstat_UdpLite_InErrors 9\nnode_netstat_Icmp_InMsgs 10\nnode_netstat_Icmp_InErrors 11\n"
		 "node_netstat_Icmp_OutMsgs 12\nnode_netstat_Ip6_InOctets 10\nnode_netstat_Ip6_OutOctets 11\n"
		 "node_netstat_Icmp6_InMsgs 12\nnode_netstat_Icmp6_InErrors 13\nnode_netstat_Icmp6_OutMsgs 14\n"
		 "node_netstat_Udp6_InDatagrams 16\nnode_netstat_Udp6_NoPorts 17\nnode_netstat_Udp6_InErrors 18\n"
		 "node_netstat_Udp6_OutDatagrams 19\nnode_netstat_Udp6_RcvbufErrors 20\nnode_netstat_Udp6_SndbufErrors 21\n"
		 "node_netstat_UdpLite6_InErrors 22\n"},
		{"blank lines between pairs", c, {{"net/snmp", TEXT("\nTcp: ActiveOpens\nTcp: 4\n\n\nUdp: NoPorts\nUdp: 5\n\n")}},
		 AMP_OK, "node_netstat_Tcp_ActiveOpens 4\nnode_netstat_Udp_NoPorts 5\n"},
		{"not as many values as names", c,
		 {{"net/snmp", TEXT("Tcp: ActiveOpens PassiveOpens\nTcp: 1\nUdp: InErrors\nUdp: 3\n")}}, AMP_ERR_INVALID,
		 "node_netstat_Udp_InErrors 3\n"},
		{"more values than names", c, {{"net/snmp", TEXT("Tcp: ActiveOpens\nTcp: 1 2\nUdp: InErrors\nUdp: 3\n")}},
		 AMP_ERR_INVALID, "node_netstat_Udp_InErrors 3\n"},
		{"a values line missing: the next pair still counts", c,
		 {{"net/snmp", TEXT("Tcp: ActiveOpens\nUdp: InErrors\nUdp: 3\n")}}, AMP_ERR_INVALID,
		 "node_netstat_Udp_InErrors 3\n"},
		{"a value not a number: the pair is skipped whole", c,
		 {{"net/snmp", TEXT("Tcp: ActiveOpens CurrEstab\nTcp: 1 x\nIp: Forwarding\nIp: 2\n")}}, AMP_ERR_INVALID,
		 "node_netstat_Ip_Forwarding 2\n"},
		{"a names line at the end", c, {{"net/snmp", TEXT("Udp: InErrors\nUdp: 3\nTcp: ActiveOpens\n")}},
		 AMP_ERR_INVALID, "node_netstat_Udp_InErrors 3\n"},
		{"no proto prefix", c, {{"net/snmp", TEXT("ActiveOpens\n1\nUdp: InErrors\nUdp: 3\n")}}, AMP_ERR_INVALID,
		 "node_netstat_Udp_InErrors 3\n"},
		{"a broken snmp6 line", c,
		 {{"net/snmp6", TEXT("Ip6InOctets\nIcmp6InMsgs 20\nUdp6NoPorts 1 2\nUdp6InErrors x\n")}}, AMP_ERR_INVALID,
		 "node_netstat_Icmp6_InMsgs 20\n"},
		{"a broken file does not hide the others", c,
		 {{"net/netstat", TEXT("TcpExt: ListenDrops\nTcpExt: y\n")}, {"net/snmp6", TEXT("Ip6InOctets 3\n")}},
		 AMP_ERR_INVALID, "node_netstat_Ip6_InOctets 3\n"},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- sockstat ---- */

#ifdef CONFIG_COLLECTOR_SOCKSTAT
#define SOCKSTAT_V4 "sockets: used 412\nTCP: inuse 23 orphan 1 tw 14 alloc 31 mem 9\nUDP: inuse 8 mem 12\n"
#define SOCKSTAT_V4_SERIES(tcp_bytes, udp_bytes) \
	"node_sockstat_sockets_used 412\nnode_sockstat_TCP_inuse 23\nnode_sockstat_TCP_orphan 1\n" \
	"node_sockstat_TCP_tw 14\nnode_sockstat_TCP_alloc 31\nnode_sockstat_TCP_mem 9\nnode_sockstat_UDP_inuse 8\n" \
	"node_sockstat_UDP_mem 12\n" tcp_bytes udp_bytes

static void test_sockstat_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_sockstat;
	const struct proc_case cases[] = {
		{"4 KiB pages, both files", c,
		 {{"net/sockstat", TEXT(SOCKSTAT_V4 "UDPLITE: inuse 0\nRAW: inuse 1\nFRAG: inuse 2 memory 8192\n")},
		  {"net/sockstat6", TEXT("TCP6: inuse 5\nUDP6: inuse 4\nUDPLITE6: inuse 0\nRAW6: inuse 1\nFRAG6: inuse 0 memory 0\n")}},
		 AMP_OK,
		 SOCKSTAT_V4_SERIES("node_sockstat_TCP_mem_bytes 36864\n", "node_sockstat_UDP_mem_bytes 49152\n")
		 "node_sockstat_UDPLITE_inuse 0\nnode_sockstat_RAW_inuse 1\nnode_sockstat_FRAG_inuse 2\n"
		 "node_sockstat_FRAG_memory 8192\nnode_sockstat_TCP6_inuse 5\nnode_sockstat_UDP6_inuse 4\n"
		 "node_sockstat_UDPLITE6_inuse 0\nnode_sockstat_RAW6_inuse 1\nnode_sockstat_FRAG6_inuse 0\n"
		 "node_sockstat_FRAG6_memory 0\n"},
		{"Linux 2.6.18: UDP without mem, no sockstat6", c,
		 {{"net/sockstat", TEXT("sockets: used 52\nTCP: inuse 4 orphan 0 tw 0 alloc 5 mem 1\nUDP: inuse 2\n")}},
		 AMP_OK,
		 "node_sockstat_sockets_used 52\nnode_sockstat_TCP_inuse 4\nnode_sockstat_TCP_orphan 0\nnode_sockstat_TCP_tw 0\n"
		 "node_sockstat_TCP_alloc 5\nnode_sockstat_TCP_mem 1\nnode_sockstat_TCP_mem_bytes 4096\n"
		 "node_sockstat_UDP_inuse 2\n"},
		{"sockstat6 alone", c, {{"net/sockstat6", TEXT("TCP6: inuse 5\n")}}, AMP_OK, "node_sockstat_TCP6_inuse 5\n"},
		{"unknown protocols and keys are skipped", c,
		 {{"net/sockstat", TEXT("MPTCP: inuse 3\nTCP: inuse 1 foo 2\nsockets: used 4 other 5\n")}}, AMP_OK,
		 "node_sockstat_TCP_inuse 1\nnode_sockstat_sockets_used 4\n"},
		{"largest value", c, {{"net/sockstat", TEXT("TCP: mem 18446744073709551615\n")}}, AMP_OK,
		 "node_sockstat_TCP_mem 18446744073709551615\nnode_sockstat_TCP_mem_bytes 7.5557863725914323e+22\n"},
		{"a key without a value: the line is skipped whole", c,
		 {{"net/sockstat", TEXT("TCP: inuse 1 orphan\nUDP: inuse 2\n")}}, AMP_ERR_INVALID,
		 "node_sockstat_UDP_inuse 2\n"},
		{"a value not a number", c, {{"net/sockstat", TEXT("TCP: inuse 1 mem x\nUDP: inuse 2\n")}}, AMP_ERR_INVALID,
		 "node_sockstat_UDP_inuse 2\n"},
		{"negative", c, {{"net/sockstat", TEXT("TCP: inuse -1\nUDP: inuse 2\n")}}, AMP_ERR_INVALID,
		 "node_sockstat_UDP_inuse 2\n"},
		{"no colon", c, {{"net/sockstat", TEXT("TCP inuse 1\nUDP: inuse 2\n")}}, AMP_ERR_INVALID,
		 "node_sockstat_UDP_inuse 2\n"},
		{"a bare colon", c, {{"net/sockstat", TEXT(": inuse 1\nUDP: inuse 2\n")}}, AMP_ERR_INVALID,
		 "node_sockstat_UDP_inuse 2\n"},
		{"protocol with control bytes", c, {{"net/sockstat", TEXT("T\x01P: inuse 1\nUDP: inuse 2\n")}}, AMP_OK,
		 "node_sockstat_UDP_inuse 2\n"},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}

/* mem counts pages: 16 KiB on many arm64 boards, 64 KiB on some; unknown gives no _bytes at all. */
static void test_sockstat_page_sizes(void **state)
{
	const struct amp_collector *c = &amp_collector_sockstat;
	const struct proc_case k16[] = {{"16 KiB pages", c, {{"net/sockstat", TEXT(SOCKSTAT_V4)}}, AMP_OK,
		SOCKSTAT_V4_SERIES("node_sockstat_TCP_mem_bytes 147456\n", "node_sockstat_UDP_mem_bytes 196608\n")}};
	const struct proc_case k64[] = {{"64 KiB pages", c, {{"net/sockstat", TEXT(SOCKSTAT_V4)}}, AMP_OK,
		SOCKSTAT_V4_SERIES("node_sockstat_TCP_mem_bytes 589824\n", "node_sockstat_UDP_mem_bytes 786432\n")}};
	const struct proc_case unknown[] = {{"page size unknown", c, {{"net/sockstat", TEXT(SOCKSTAT_V4)}}, AMP_OK,
		SOCKSTAT_V4_SERIES("", "")}};

	(void)state;
	case_page_size = 16384;
	run_cases(k16, 1);
	case_page_size = 65536;
	run_cases(k64, 1);
	case_page_size = -1;
	run_cases(unknown, 1);
	case_page_size = 4096;
}
#endif

/* ---- softnet ---- */

#ifdef CONFIG_COLLECTOR_SOFTNET
#define SOFTNET(cpu, p, d, s) \
	"node_softnet_processed_total{cpu='" cpu "'} " p "\nnode_softnet_dropped_total{cpu='" cpu "'} " d "\n" \
	"node_softnet_times_squeezed_total{cpu='" cpu "'} " s "\n"

static void test_softnet_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_softnet;
	const struct proc_case cases[] = {
		{"Linux 2.6: 9 columns", c,
		 {{"net/softnet_stat", TEXT("0003e1a4 00000000 00000002 00000000 00000000 00000000 00000000 00000000 00000000\n"
					    "00001f02 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n")}},
		 AMP_OK, SOFTNET("0", "254372", "0", "2") SOFTNET("1", "7938", "1", "0")},
		{"2.6.35: 10 columns; 4.x: 11", c,
		 {{"net/softnet_stat", TEXT("0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000005\n"
					    "0000000b 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000005 00000001\n")}},
		 AMP_OK, SOFTNET("0", "10", "0", "0") SOFTNET("1", "11", "0", "0")},
		{"5.10: 13 columns, the CPU's own number ignored (node_exporter 1.5 numbers the lines)", c,
		 {{"net/softnet_stat", TEXT("0000000a 00000001 00000002 0 0 0 0 0 0 0 0 0 00000000\n"
					    "0000000b 00000001 00000002 0 0 0 0 0 0 0 0 0 00000002\n"
					    "0000000c 00000001 00000002 0 0 0 0 0 0 0 0 0 00000005\n")}},
		 AMP_OK, SOFTNET("0", "10", "1", "2") SOFTNET("1", "11", "1", "2") SOFTNET("2", "12", "1", "2")},
		{"upper case, largest 32-bit, more than 8 digits", c,
		 {{"net/softnet_stat", TEXT("FFFFFFFF 0000000000000000000000abcd 7fffffff 0 0 0 0 0 0 0 0 0 0 0 0\n")}}, AMP_OK,
		 SOFTNET("0", "4294967295", "43981", "2147483647")},
		{"16 hex digits", c, {{"net/softnet_stat", TEXT("ffffffffffffffff 0 0 0 0 0 0 0 0\n")}}, AMP_OK,
		 SOFTNET("0", "18446744073709551615", "0", "0")},
		{"a bad line keeps its position", c,
		 {{"net/softnet_stat", TEXT("00000001 0 0 0 0 0 0 0 0\n00000002 0 0 0 0 0 0 0\n00000003 0 0 0 0 0 0 0 0\n")}},
		 AMP_ERR_INVALID, SOFTNET("0", "1", "0", "0") SOFTNET("2", "3", "0", "0")},
		{"not hexadecimal", c, {{"net/softnet_stat", TEXT("0000000g 0 0 0 0 0 0 0 0\n00000001 0 0 0 0 0 0 0 0\n")}},
		 AMP_ERR_INVALID, SOFTNET("1", "1", "0", "0")},
		{"0x prefix", c, {{"net/softnet_stat", TEXT("0x1 0 0 0 0 0 0 0 0\n")}}, AMP_ERR_INVALID, ""},
		{"17 significant digits", c, {{"net/softnet_stat", TEXT("10000000000000000 0 0 0 0 0 0 0 0\n")}},
		 AMP_ERR_INVALID, ""},
		{"an unused column bad", c, {{"net/softnet_stat", TEXT("00000001 0 0 0 0 z 0 0 0\n")}}, AMP_ERR_INVALID, ""},
		{"negative", c, {{"net/softnet_stat", TEXT("-1 0 0 0 0 0 0 0 0\n")}}, AMP_ERR_INVALID, ""},
		{"a blank line is skipped, and counted", c, {{"net/softnet_stat", TEXT("\n00000001 0 0 0 0 0 0 0 0\n")}},
		 AMP_OK, SOFTNET("1", "1", "0", "0")},
		{"empty file", c, {{"net/softnet_stat", TEXT("")}}, AMP_OK, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- pressure ---- */

#ifdef CONFIG_COLLECTOR_PRESSURE
static void test_pressure_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_pressure;
	const struct proc_case cases[] = {
		{"all three; cpu full (5.13+) is not node_exporter's", c,
		 {{"pressure/cpu", TEXT("some avg10=1.23 avg60=0.87 avg300=0.45 total=123456789\n"
					"full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n")},
		  {"pressure/io", TEXT("some avg10=4.02 avg60=3.11 avg300=2.50 total=981234567\n"
				       "full avg10=3.50 avg60=2.70 avg300=2.01 total=812340001\n")},
		  {"pressure/memory", TEXT("some avg10=0.00 avg60=0.12 avg300=0.31 total=9114159\n"
					   "full avg10=0.00 avg60=0.05 avg300=0.11 total=4012345\n")}},
		 AMP_OK,
		 /* total / 1000 / 1000, as node_exporter divides: 9.114158999999999, not 9.114159 */
		 "node_pressure_cpu_waiting_seconds_total 123.456789\nnode_pressure_io_waiting_seconds_total 981.2345670000001\n"
		 "node_pressure_io_stalled_seconds_total 812.340001\n"
		 "node_pressure_memory_waiting_seconds_total 9.114158999999999\n"
		 "node_pressure_memory_stalled_seconds_total 4.012345\n"},
		{"only cpu (4.20 cpu file without full)", c,
		 {{"pressure/cpu", TEXT("some avg10=100.00 avg60=0.00 avg300=0.00 total=18446744073709551615")}}, AMP_OK,
		 "node_pressure_cpu_waiting_seconds_total 18446744073709.55\n"},
		{"avg missing", c,
		 {{"pressure/io", TEXT("some avg10=1.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=6\n")}},
		 AMP_ERR_INVALID, "node_pressure_io_stalled_seconds_total 6e-06\n"},
		{"avg not a decimal", c, {{"pressure/io", TEXT("some avg10=x avg60=0.00 avg300=0.00 total=5\n")}},
		 AMP_ERR_INVALID, ""},
		{"negative avg", c, {{"pressure/io", TEXT("some avg10=-1.00 avg60=0.00 avg300=0.00 total=5\n")}},
		 AMP_ERR_INVALID, ""},
		{"total missing", c, {{"pressure/io", TEXT("some avg10=1.00 avg60=0.00 avg300=0.00\n")}}, AMP_ERR_INVALID, ""},
		{"total not a number", c, {{"pressure/io", TEXT("some avg10=1.00 avg60=0.00 avg300=0.00 total=-5\n")}},
		 AMP_ERR_INVALID, ""},
		{"text after total", c, {{"pressure/io", TEXT("some avg10=1.00 avg60=0.00 avg300=0.00 total=5 x\n")}},
		 AMP_ERR_INVALID, ""},
		{"neither some nor full", c,
		 {{"pressure/memory", TEXT("most avg10=1.00 avg60=0.00 avg300=0.00 total=5\n"
					   "some avg10=1.00 avg60=0.00 avg300=0.00 total=7\n")}},
		 AMP_ERR_INVALID, "node_pressure_memory_waiting_seconds_total 7e-06\n"},
		{"a broken file does not hide the others", c,
		 {{"pressure/cpu", TEXT("junk\n")}, {"pressure/io", TEXT("some avg10=1.00 avg60=0.00 avg300=0.00 total=3\n")}},
		 AMP_ERR_INVALID, "node_pressure_io_waiting_seconds_total 3e-06\n"},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- entropy, filefd ---- */

#ifdef CONFIG_COLLECTOR_ENTROPY
#define ENTROPY_AVAIL "sys/kernel/random/entropy_avail"
#define ENTROPY_POOL "sys/kernel/random/poolsize"

static void test_entropy_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_entropy;
	const struct proc_case cases[] = {
		{"both", c, {{ENTROPY_AVAIL, TEXT("3102\n")}, {ENTROPY_POOL, TEXT("4096\n")}}, AMP_OK,
		 "node_entropy_available_bits 3102\nnode_entropy_pool_size_bits 4096\n"},
		{"no newline; trailing blanks", c, {{ENTROPY_AVAIL, TEXT("256")}, {ENTROPY_POOL, TEXT("256 \n")}}, AMP_OK,
		 "node_entropy_available_bits 256\nnode_entropy_pool_size_bits 256\n"},
		{"only the pool size", c, {{ENTROPY_POOL, TEXT("256\n")}}, AMP_OK, "node_entropy_pool_size_bits 256\n"},
		{"not a number", c, {{ENTROPY_AVAIL, TEXT("abc\n")}, {ENTROPY_POOL, TEXT("256\n")}}, AMP_ERR_INVALID,
		 "node_entropy_pool_size_bits 256\n"},
		{"negative", c, {{ENTROPY_AVAIL, TEXT("-1\n")}, {ENTROPY_POOL, TEXT("256\n")}}, AMP_ERR_INVALID,
		 "node_entropy_pool_size_bits 256\n"},
		{"two lines", c, {{ENTROPY_AVAIL, TEXT("1\n2\n")}, {ENTROPY_POOL, TEXT("256\n")}}, AMP_ERR_INVALID,
		 "node_entropy_pool_size_bits 256\n"},
		{"two newlines", c, {{ENTROPY_AVAIL, TEXT("1\n\n")}, {ENTROPY_POOL, TEXT("256\n")}}, AMP_ERR_INVALID,
		 "node_entropy_pool_size_bits 256\n"},
		{"leading blank", c, {{ENTROPY_AVAIL, TEXT(" 1\n")}, {ENTROPY_POOL, TEXT("256\n")}}, AMP_ERR_INVALID,
		 "node_entropy_pool_size_bits 256\n"},
		{"empty", c, {{ENTROPY_AVAIL, TEXT("")}, {ENTROPY_POOL, TEXT("\n")}}, AMP_ERR_INVALID, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

#ifdef CONFIG_COLLECTOR_FILEFD
#define FILENR "sys/fs/file-nr"

static void test_filefd_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_filefd;
	const struct proc_case cases[] = {
		{"64-bit maximum (LONG_MAX by default since 5.x)", c, {{FILENR, TEXT("2208\t0\t9223372036854775807\n")}},
		 AMP_OK, "node_filefd_allocated 2208\nnode_filefd_maximum 9223372036854775807\n"},
		{"2.4's unused count, no newline", c, {{FILENR, TEXT("1020 12 50412")}}, AMP_OK,
		 "node_filefd_allocated 1020\nnode_filefd_maximum 50412\n"},
		{"two numbers", c, {{FILENR, TEXT("1 2\n")}}, AMP_ERR_INVALID, ""},
		{"four numbers", c, {{FILENR, TEXT("1 2 3 4\n")}}, AMP_ERR_INVALID, ""},
		{"not numbers", c, {{FILENR, TEXT("a b c\n")}}, AMP_ERR_INVALID, ""},
		{"negative maximum", c, {{FILENR, TEXT("1 0 -1\n")}}, AMP_ERR_INVALID, ""},
		{"second line", c, {{FILENR, TEXT("1 0 5\n6\n")}}, AMP_ERR_INVALID, ""},
		{"empty", c, {{FILENR, TEXT("")}}, AMP_ERR_INVALID, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- schedstat ---- */

#ifdef CONFIG_COLLECTOR_SCHEDSTAT
#define SCHED(cpu, run, wait, slices) \
	"node_schedstat_running_seconds_total{cpu='" cpu "'} " run "\n" \
	"node_schedstat_waiting_seconds_total{cpu='" cpu "'} " wait "\nnode_schedstat_timeslices_total{cpu='" cpu "'} " \
	slices "\n"

static void test_schedstat_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_schedstat;
	const struct proc_case cases[] = {
		{"version 15, domains ignored", c,
		 {{"schedstat", TEXT("version 15\ntimestamp 4295532768\ncpu0 0 0 0 0 0 0 2045936778163039 343796328169361 4767485306\n"
				     "domain0 00000000,00000003 212499247 210112015 1861015\n"
				     "cpu3 1 2 3 4 5 6 999 1000000001 7\ndomain0 0000000c 1 2 3\n")}},
		 AMP_OK,
		 SCHED("0", "2045936.778163039", "343796.328169361", "4767485306") SCHED("3", "9.99e-07", "1.000000001", "7")},
		{"versions 16 and 17 have the same cpu lines; extra fields ignored", c,
		 {{"schedstat", TEXT("version 17\ntimestamp 1\ncpu1 1 2 3 4 5 6 1000000000 2000000000 3 99 100\n"
				     "domain0 MC 3 1 2 3\n")}},
		 AMP_OK, SCHED("1", "1", "2", "3")},
		{"no version line", c, {{"schedstat", TEXT("cpu0 0 0 0 0 0 0 1 2 3\n")}}, AMP_OK, SCHED("0", "1e-09", "2e-09", "3")},
		{"version 14 (Linux 2.6.20-2.6.34): fields elsewhere", c,
		 {{"schedstat", TEXT("version 14\ntimestamp 1\ncpu0 1 2 3 4 5 6 7 8 9 10 11 12\n")}}, AMP_ERR_INVALID, ""},
		{"version not a number", c, {{"schedstat", TEXT("version x\ncpu0 0 0 0 0 0 0 1 2 3\n")}}, AMP_ERR_INVALID, ""},
		{"eight fields", c, {{"schedstat", TEXT("version 15\ncpu0 1 2 3 4 5 6 7 8\ncpu1 0 0 0 0 0 0 1 2 3\n")}},
		 AMP_ERR_INVALID, SCHED("1", "1e-09", "2e-09", "3")},
		{"a field not a number", c, {{"schedstat", TEXT("cpu0 1 2 3 x 5 6 7 8 9\ncpu1 0 0 0 0 0 0 1 2 3\n")}},
		 AMP_ERR_INVALID, SCHED("1", "1e-09", "2e-09", "3")},
		{"cpu number missing or too large", c,
		 {{"schedstat", TEXT("cpu 0 0 0 0 0 0 1 2 3\ncpu65536 0 0 0 0 0 0 1 2 3\ncpu1 0 0 0 0 0 0 1 2 3\n")}},
		 AMP_ERR_INVALID, SCHED("1", "1e-09", "2e-09", "3")},
		{"empty file", c, {{"schedstat", TEXT("")}}, AMP_OK, ""},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- conntrack ---- */

#ifdef CONFIG_COLLECTOR_CONNTRACK
#define CT_COUNT "sys/net/netfilter/nf_conntrack_count"
#define CT_MAX "sys/net/netfilter/nf_conntrack_max"
#define CT_STAT "net/stat/nf_conntrack"
#define CT_HEAD_6X \
	"entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  " \
	"expect_new expect_create expect_delete search_restart\n"
#define CT_ROW(found, invalid, restart) \
	"0000072a  00000000 " found " 00000000 " invalid " 00000001 00000000 00000000 00000002 00000003 00000004 00000005 " \
	"00000000  00000000 00000000 00000000 " restart "\n"
#define CT_SUMS(found, invalid, ignore, insert, failed, drop, early, restart) \
	"node_nf_conntrack_stat_found " found "\nnode_nf_conntrack_stat_invalid " invalid "\n" \
	"node_nf_conntrack_stat_ignore " ignore "\nnode_nf_conntrack_stat_insert " insert "\n" \
	"node_nf_conntrack_stat_insert_failed " failed "\nnode_nf_conntrack_stat_drop " drop "\n" \
	"node_nf_conntrack_stat_early_drop " early "\nnode_nf_conntrack_stat_search_restart " restart "\n"

static void test_conntrack_cases(void **state)
{
	const struct amp_collector *c = &amp_collector_conntrack;
	const struct proc_case cases[] = {
		{"a 6.x kernel", c,
		 {{CT_COUNT, TEXT("1834\n")}, {CT_MAX, TEXT("65536\n")},
		  {CT_STAT, TEXT(CT_HEAD_6X CT_ROW("00000011", "0000002a", "00000007") CT_ROW("ffffffff", "00000010", "00000100"))}},
		 AMP_OK,
		 "node_nf_conntrack_entries 1834\nnode_nf_conntrack_entries_limit 65536\n"
		 CT_SUMS("4294967312", "58", "2", "4", "6", "8", "10", "263")},
		{"a 2.6 header: no search_restart", c,
		 {{CT_STAT, TEXT("entries  searched found new invalid ignore delete delete_list insert insert_failed drop "
				 "early_drop icmp_error  expect_new expect_create expect_delete\n"
				 "00000029  00012034 00001203 00000120 00000004 00000312 00000100 00000100 00000120 00000000 "
				 "00000000 00000000 00000002  00000000 00000000 00000000\n")}},
		 AMP_OK,
		 "node_nf_conntrack_stat_found 4611\nnode_nf_conntrack_stat_invalid 4\nnode_nf_conntrack_stat_ignore 786\n"
		 "node_nf_conntrack_stat_insert 288\nnode_nf_conntrack_stat_insert_failed 0\nnode_nf_conntrack_stat_drop 0\n"
		 "node_nf_conntrack_stat_early_drop 0\n"},
		{"count and limit without the stat file", c, {{CT_COUNT, TEXT("0\n")}, {CT_MAX, TEXT("262144\n")}}, AMP_OK,
		 "node_nf_conntrack_entries 0\nnode_nf_conntrack_entries_limit 262144\n"},
		{"a short row: no sums (a CPU missing would look like a reset)", c,
		 {{CT_COUNT, TEXT("5\n")},
		  {CT_STAT, TEXT(CT_HEAD_6X CT_ROW("00000011", "0000002a", "00000007") "0000072a 00000000\n")}},
		 AMP_ERR_INVALID, "node_nf_conntrack_entries 5\n"},
		{"a column not hexadecimal", c,
		 {{CT_STAT, TEXT(CT_HEAD_6X CT_ROW("00000011", "0000002x", "00000007"))}}, AMP_ERR_INVALID, ""},
		{"a column beyond 32 bits", c,
		 {{CT_STAT, TEXT(CT_HEAD_6X CT_ROW("100000000", "00000001", "00000007"))}}, AMP_ERR_INVALID, ""},
		{"header not starting with entries", c, {{CT_STAT, TEXT("found\n00000001\n")}}, AMP_ERR_INVALID, ""},
		{"header only", c, {{CT_STAT, TEXT(CT_HEAD_6X)}}, AMP_ERR_INVALID, ""},
		{"empty stat file", c, {{CT_STAT, TEXT("")}}, AMP_ERR_INVALID, ""},
		{"a header of 33 columns", c,
		 {{CT_STAT, TEXT("entries a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff\n"
				 "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")}},
		 AMP_ERR_INVALID, ""},
		{"a broken count does not hide the limit", c, {{CT_COUNT, TEXT("x\n")}, {CT_MAX, TEXT("65536\n")}},
		 AMP_ERR_INVALID, "node_nf_conntrack_entries_limit 65536\n"},
	};

	(void)state;
	run_cases(cases, COUNT_OF(cases));
}
#endif

/* ---- the shared parsers (procparse.c) ---- */

static void test_procparse_label_ok(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} cases[] = {
		{TEXT("eth0"), true},
		{TEXT("cciss/c0d0"), true},
		{TEXT("wl\xc3\xa4n0"), true},          /* U+00E4 */
		{TEXT("\xc2\xa0"), true},              /* U+00A0, the first after C1 */
		{TEXT("\xe2\x82\xac"), true},          /* U+20AC */
		{TEXT("\xed\x9f\xbf"), true},          /* U+D7FF, before the surrogates */
		{TEXT("\xee\x80\x80"), true},          /* U+E000, after them */
		{TEXT("\xf0\x9d\x84\x9e"), true},      /* U+1D11E */
		{TEXT("\xf4\x8f\xbf\xbf"), true},      /* U+10FFFF */
		{TEXT(" "), true},
		{TEXT(""), false},
		{TEXT("a\x01" "b"), false},
		{TEXT("a\tb"), false},
		{TEXT("a\nb"), false},
		{TEXT("a\x7f"), false},
		{TEXT("a\0b"), false},
		{TEXT("\xc2\x80"), false},             /* U+0080, C1 control */
		{TEXT("\xc2\x9f"), false},             /* U+009F, C1 control */
		{TEXT("\xc0\xaf"), false},             /* overlong '/' */
		{TEXT("\xc1\xbf"), false},             /* overlong */
		{TEXT("\xe0\x80\xaf"), false},         /* overlong */
		{TEXT("\xe0\x9f\xbf"), false},         /* overlong */
		{TEXT("\xed\xa0\x80"), false},         /* U+D800, surrogate */
		{TEXT("\xed\xbf\xbf"), false},         /* U+DFFF, surrogate */
		{TEXT("\xf0\x8f\xbf\xbf"), false},     /* overlong */
		{TEXT("\xf4\x90\x80\x80"), false},     /* U+110000 */
		{TEXT("\xf5\x80\x80\x80"), false},
		{TEXT("\xff"), false},
		{TEXT("\x80"), false},                 /* lone continuation */
		{TEXT("\xe2\x82"), false},             /* truncated */
		{TEXT("\xe2\x28\xa1"), false},         /* bad continuation */
		{TEXT("\xf0\x9d\x84"), false},         /* truncated */
	};
	char longest[CONFIG_MAX_LABEL_VALUE_LEN];

	(void)state;
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		if (amp_procparse_label_ok(cases[i].s, cases[i].len) != cases[i].ok)
			fail_msg("case %zu: label_ok should be %d", i, cases[i].ok);
	}
	memset(longest, 'a', sizeof(longest));
	assert_true(amp_procparse_label_ok(longest, sizeof(longest) - 1));
	assert_false(amp_procparse_label_ok(longest, sizeof(longest)));
}

static void test_procparse_hex_and_tokens(void **state)
{
	struct amp_procparse_field f[3];
	const char *line = "  a\tbb  \x01 ccc  ";
	uint64_t v = 7;

	(void)state;
#define HEX(s) (s), (s) + strlen(s)
	assert_non_null(amp_procparse_hex_u64(HEX("0"), &v));
	assert_true(v == 0);
	assert_non_null(amp_procparse_hex_u64(HEX("DeadBeef"), &v));
	assert_true(v == 0xdeadbeefu);
	assert_non_null(amp_procparse_hex_u64(HEX("ffffffffffffffff"), &v));
	assert_true(v == UINT64_MAX);
	assert_non_null(amp_procparse_hex_u64(HEX("00000000000000000000000000000001"), &v));
	assert_true(v == 1);
	assert_string_equal(amp_procparse_hex_u64(HEX("1f rest"), &v), " rest");
	assert_true(v == 31);
	v = 7;
	assert_null(amp_procparse_hex_u64(HEX("10000000000000000"), &v));
	assert_null(amp_procparse_hex_u64(HEX(""), &v));
	assert_null(amp_procparse_hex_u64(HEX("0x1"), &v));
	assert_null(amp_procparse_hex_u64(HEX("-1"), &v));
	assert_null(amp_procparse_hex_u64(HEX("g"), &v));
	assert_null(amp_procparse_hex_u64(HEX("1\n"), &v));
	assert_true(v == 7);
#undef HEX
	assert_int_equal(amp_procparse_split(line, line + strlen(line), f, 3), 4);
	assert_int_equal(f[0].end - f[0].p, 1);
	assert_true(amp_procparse_is(&f[1], "bb"));
	assert_true(amp_procparse_is(&f[2], "\x01"));
	assert_false(amp_procparse_is(&f[1], "b"));
	assert_false(amp_procparse_is(&f[1], "bbb"));
	assert_int_equal(amp_procparse_split(line, line + 2, f, 3), 0);
	assert_int_equal(amp_procparse_split(line, line, f, 3), 0);
}

/* ---- missing files ---- */

/* An empty tree (a kernel without any of these files, or a container): nothing, no error, no log. */
static void test_missing_files(void **state)
{
	(void)state;
	for (unsigned i = 0; i < amp_collector_count; i++) {
		const struct amp_collector *c = amp_collectors[i];

		if ((ctx.disabled & (1u << c->id)) != 0)
			continue;
		ctx.entry_count = 0;
		assert_int_equal(c->collect(&ctx), AMP_OK);
		assert_int_equal(ctx.entry_count, 0);
	}
	ctx.procfs = "/nonexistent/proc";
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.entry_count, 0);
}

/* ---- mutated fixture files ---- */

struct mutated_file {
	const struct amp_collector *collector;
	const char *file;
};

/*
 * Every fixture file of the modern and the old tree, cut and edited at positions spread over it: each
 * edit is a byte replaced (by NUL, a letter, a newline, a minus, a blank, 0xff, a colon), the file
 * truncated there, or a huge number put in. Nothing may crash (the ASan build checks every read), return
 * other than 0 or AMP_ERR_INVALID, drop a series, or emit a non-finite value or a control byte in a label.
 */
static void test_mutated_files(void **state)
{
	static const struct mutated_file files[] = {
#ifdef CONFIG_COLLECTOR_STAT
		{&amp_collector_stat, "stat"},
#endif
#ifdef CONFIG_COLLECTOR_VMSTAT
		{&amp_collector_vmstat, "vmstat"},
#endif
#ifdef CONFIG_COLLECTOR_NETDEV
		{&amp_collector_netdev, "net/dev"},
#endif
#ifdef CONFIG_COLLECTOR_DISKSTATS
		{&amp_collector_diskstats, "diskstats"},
#endif
#ifdef CONFIG_COLLECTOR_NETSTAT
		{&amp_collector_netstat, "net/netstat"},
		{&amp_collector_netstat, "net/snmp"},
		{&amp_collector_netstat, "net/snmp6"},
#endif
#ifdef CONFIG_COLLECTOR_SOCKSTAT
		{&amp_collector_sockstat, "net/sockstat"},
		{&amp_collector_sockstat, "net/sockstat6"},
#endif
#ifdef CONFIG_COLLECTOR_SOFTNET
		{&amp_collector_softnet, "net/softnet_stat"},
#endif
#ifdef CONFIG_COLLECTOR_PRESSURE
		{&amp_collector_pressure, "pressure/io"},
#endif
#ifdef CONFIG_COLLECTOR_ENTROPY
		{&amp_collector_entropy, "sys/kernel/random/entropy_avail"},
#endif
#ifdef CONFIG_COLLECTOR_FILEFD
		{&amp_collector_filefd, "sys/fs/file-nr"},
#endif
#ifdef CONFIG_COLLECTOR_SCHEDSTAT
		{&amp_collector_schedstat, "schedstat"},
#endif
#ifdef CONFIG_COLLECTOR_CONNTRACK
		{&amp_collector_conntrack, "net/stat/nf_conntrack"},
		{&amp_collector_conntrack, "sys/net/netfilter/nf_conntrack_count"},
#endif
		{NULL, NULL}, /* keeps the table non-empty when Kconfig leaves every collector out */
	};
	static const char replace[] = {'\0', 'x', '\n', '-', ' ', (char)0xff, ':'};
	static const char *const trees[] = {"proc", "proc-old"};
	static const char huge[] = "184467440737095516160";
	unsigned runs = 0, with_values = 0, mutated = 0;

	(void)state;
	amp_log_set_level(AMP_LOG_ERROR); /* the case tables cover the messages */
	for (size_t t = 0; t < COUNT_OF(trees); t++) {
		for (size_t i = 0; files[i].collector != NULL; i++) {
			char path[1200];
			size_t len, step;
			char *orig, *buf;

			snprintf(path, sizeof(path), "%s/%s", fixture_tree(trees[t]), files[i].file);
			if (access(path, R_OK) != 0)
				continue;
			orig = read_fixture(trees[t], files[i].file, &len);
			mutated++;
			buf = malloc(len + sizeof(huge));
			assert_non_null(buf);
			step = len / 24 + 1;
			for (size_t at = 0; at < len; at += step) {
				for (unsigned edit = 0; edit < 3; edit++) {
					size_t n = len;
					int rc;

					memcpy(buf, orig, len);
					if (edit == 0) {
						buf[at] = replace[(at / step) % sizeof(replace)];
					} else if (edit == 1) {
						n = at;
					} else {
						memmove(buf + at + sizeof(huge) - 1, buf + at, len - at);
						memcpy(buf + at, huge, sizeof(huge) - 1);
						n = len + sizeof(huge) - 1;
					}
					write_file(files[i].file, buf, n);
					amp_registry_init(&reg);
					ctx_init(tmpdir);
					rc = files[i].collector->collect(&ctx);
					if (rc != AMP_OK && rc != AMP_ERR_INVALID)
						fail_msg("%s/%s edit %u at %zu: returned %d", trees[t], files[i].file, edit, at, rc);
					assert_int_equal(ctx.dropped_series, 0);
					for (unsigned e = 0; e < ctx.entry_count; e++) {
						if (!isfinite(entries[e].value))
							fail_msg("%s/%s edit %u at %zu: value %g", trees[t], files[i].file, edit,
								 at, entries[e].value);
					}
					assert_labels_clean();
					with_values += ctx.entry_count > 0;
					runs++;
				}
			}
			remove_file(files[i].file);
			free(orig);
			free(buf);
		}
	}
	amp_log_set_level(AMP_LOG_INFO);
	/* Most edits leave most of a file standing: values must keep coming, or the runs prove nothing. */
	assert_true(runs >= 30 * mutated);
	assert_true(with_values > runs / 2 || runs == 0);
}

/* ---- this machine ---- */

MAYBE_UNUSED static int read_btime(unsigned long long *btime)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, "btime %llu", btime) == 1;
	fclose(f);
	return found;
}

MAYBE_UNUSED static unsigned count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	int ch;

	if (f == NULL)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

MAYBE_UNUSED static unsigned count_family(const struct expo_set *set, const char *family)
{
	unsigned n = 0;
	size_t len = strlen(family);

	for (size_t i = 0; i < set->n; i++)
		n += strncmp(set->s[i].key, family, len) == 0 && set->s[i].key[len] == '{';
	return n;
}

/* Every collector reads this machine's /proc cleanly, and what it says agrees with the files. */
static void test_smoke_real_proc(void **state)
{
	struct expo_set have = {0};
	unsigned long long btime;

	(void)state;
	if (access("/proc/stat", R_OK) != 0)
		skip();
	ctx_init("/proc");
	ctx.page_size = port_page_size();
	assert_int_equal(amp_collect_all(&ctx), 0);
	assert_int_equal(ctx.dropped_series, 0);
	assert_labels_clean();
	for (unsigned i = 0; i < ctx.entry_count; i++)
		assert_true(isfinite(entries[i].value) && entries[i].value >= 0);
	frame_set(&have);
#ifdef CONFIG_COLLECTOR_STAT
	if (read_btime(&btime)) {
		size_t n;
		const struct sample *s = find_sample(&have, "node_boot_time_seconds{}", &n);

		assert_non_null(s);
		assert_true(s->value == (double)btime);
	}
	assert_int_equal(count_family(&have, "node_context_switches_total"), 1);
#endif
#ifdef CONFIG_COLLECTOR_NETDEV
	/* Every interface line, lo included, and 16 series each. */
	if (access("/proc/net/dev", R_OK) == 0)
		assert_int_equal(count_family(&have, "node_network_receive_bytes_total"), count_lines("/proc/net/dev") - 2);
#endif
#ifdef CONFIG_COLLECTOR_SOFTNET
	assert_int_equal(count_family(&have, "node_softnet_processed_total"), count_lines("/proc/net/softnet_stat"));
#endif
#ifdef CONFIG_COLLECTOR_VMSTAT
	if (access("/proc/vmstat", R_OK) == 0)
		assert_int_equal(count_family(&have, "node_vmstat_pgfault"), 1);
#endif
#ifdef CONFIG_COLLECTOR_DISKSTATS
	{
		/* node_disk_info for exactly the lines the regex does not exclude. */
		regex_t re;
		char line[1024], name[64];
		unsigned kept = 0;
		FILE *f = fopen("/proc/diskstats", "r");

		assert_int_equal(regcomp(&re, "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme[0-9]+n[0-9]+p)[0-9]+$",
					 REG_EXTENDED | REG_NOSUB), 0);
		while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "%*u %*u %63s", name) == 1 && regexec(&re, name, 0, NULL, 0) != 0)
				kept++;
		}
		if (f != NULL)
			fclose(f);
		regfree(&re);
		assert_int_equal(count_family(&have, "node_disk_info"), kept);
	}
#endif
	set_free(&have);
	(void)btime;
}

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/amp-test-proc-XXXXXX", base != NULL && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	for (size_t i = 0; i < COUNT_OF(scratch_dirs); i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", tmpdir, scratch_dirs[i]);
		if (mkdir(path, 0700) != 0)
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = COUNT_OF(scratch_dirs); i > 0; i--) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", tmpdir, scratch_dirs[i - 1]);
		if (rmdir(path) != 0)
			return -1;
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#if ALL_PROC
		cmocka_unit_test_setup(test_modern_tree_matches_node_exporter, setup),
		cmocka_unit_test_setup(test_old_tree_matches_node_exporter, setup),
		cmocka_unit_test_setup(test_many_cpu_tree_matches_node_exporter, setup),
		cmocka_unit_test_setup(test_many_cpu_tree_values, setup),
#endif
#ifdef CONFIG_COLLECTOR_STAT
		cmocka_unit_test_setup(test_stat_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_VMSTAT
		cmocka_unit_test_setup(test_vmstat_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_NETDEV
		cmocka_unit_test_setup(test_netdev_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_DISKSTATS
		cmocka_unit_test_setup(test_diskstats_cases, setup),
		cmocka_unit_test_setup(test_diskstats_exclusion_matches_regex, setup),
#endif
#ifdef CONFIG_COLLECTOR_NETSTAT
		cmocka_unit_test_setup(test_netstat_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_SOCKSTAT
		cmocka_unit_test_setup(test_sockstat_cases, setup),
		cmocka_unit_test_setup(test_sockstat_page_sizes, setup),
#endif
#ifdef CONFIG_COLLECTOR_SOFTNET
		cmocka_unit_test_setup(test_softnet_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_PRESSURE
		cmocka_unit_test_setup(test_pressure_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_ENTROPY
		cmocka_unit_test_setup(test_entropy_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_FILEFD
		cmocka_unit_test_setup(test_filefd_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_SCHEDSTAT
		cmocka_unit_test_setup(test_schedstat_cases, setup),
#endif
#ifdef CONFIG_COLLECTOR_CONNTRACK
		cmocka_unit_test_setup(test_conntrack_cases, setup),
#endif
		cmocka_unit_test_setup(test_procparse_label_ok, setup),
		cmocka_unit_test_setup(test_procparse_hex_and_tokens, setup),
		cmocka_unit_test_setup(test_missing_files, setup),
		cmocka_unit_test_setup(test_mutated_files, setup),
		cmocka_unit_test_setup(test_smoke_real_proc, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
