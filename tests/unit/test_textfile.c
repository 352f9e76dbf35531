/* Tests of the textfile collector: the text format as node_exporter reads it, strict checks per file, limits, filters. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

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
#include <utime.h>

#include "collector.h"
#include "expo.h"
#include "filter.h"
#include "log.h"

static struct amp_registry reg;
static char read_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static char dir[64];
static char dump[65536];
static char log_text[65536];
static struct amp_filter filter;

/* The mtime every test file gets, so that node_textfile_mtime_seconds is known. */
#define MTIME 1700000000

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/amp-test-textfile-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	amp_registry_init(&reg);
	amp_filter_init(&filter);
	memset(&ctx, 0, sizeof(ctx));
	ctx.procfs = "/proc";
	ctx.sysfs = "/sys";
	ctx.reg = &reg;
	ctx.entries = entries;
	ctx.entry_cap = CONFIG_MAX_SERIES;
	ctx.buf = read_buf;
	ctx.buf_cap = sizeof(read_buf);
	ctx.textfile_dir = dir;
	ctx.now_ms = 1000;
	amp_log_set_level(AMP_LOG_WARN);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	/* The directory came from mkdtemp under /tmp: safe to hand to rm. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put_file_n(const char *name, const char *text, size_t len)
{
	char path[256];
	struct utimbuf t = {MTIME, MTIME};
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(utime(path, &t), 0);
}

static void put_file(const char *name, const char *text)
{
	put_file_n(name, text, strlen(text));
}

static void remove_file(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Replaces @DIR@ with the test directory. */
static void expand(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in; in++) {
		if (strncmp(in, "@DIR@", 5) == 0) {
			size_t n = strlen(dir);

			assert_true(o + n < cap);
			memcpy(out + o, dir, n);
			o += n;
			in += 4;
			continue;
		}
		assert_true(o + 1 < cap);
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* Whole numbers in full (amp_expo_format_value writes 1000 as 1e+03), the rest as the shortest exact %g. */
static void format_value(double v, char *buf, size_t cap)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		snprintf(buf, cap, "%lld", (long long)v);
	else
		amp_expo_format_value(v, buf, cap);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The frame as sorted lines "name{a=1,b=2} value" (tests may use qsort; the agent does not). */
static void dump_frame(void)
{
	static char lines[CONFIG_MAX_SERIES][512];
	static const char *order[CONFIG_MAX_SERIES];
	size_t used = 0;

	for (unsigned i = 0; i < ctx.entry_count; i++) {
		struct amp_label l;
		unsigned cur = 0;
		char value[32];
		int n = snprintf(lines[i], sizeof(lines[i]), "%s{", amp_registry_family(&reg, entries[i].id)->name);
		const char *sep = "";

		while (amp_registry_label_next(&reg, entries[i].id, &cur, &l) == AMP_OK) {
			n += snprintf(lines[i] + n, sizeof(lines[i]) - (size_t)n, "%s%s=%s", sep, l.name, l.value);
			sep = ",";
		}
		format_value(entries[i].value, value, sizeof(value));
		snprintf(lines[i] + n, sizeof(lines[i]) - (size_t)n, "} %s", value);
		order[i] = lines[i];
	}
	qsort(order, ctx.entry_count, sizeof(order[0]), line_cmp);
	dump[0] = '\0';
	for (unsigned i = 0; i < ctx.entry_count; i++) {
		size_t n = strlen(order[i]);

		assert_true(used + n + 2 < sizeof(dump));
		memcpy(dump + used, order[i], n);
		used += n;
		dump[used++] = '\n';
		dump[used] = '\0';
	}
}

/* One collection with stderr captured into log_text; the frame goes to dump. */
static int collect(void)
{
	FILE *cap = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(cap);
	ctx.entry_count = 0;
	ctx.dropped_series = 0;
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(cap), 2) >= 0);
	rc = amp_collector_textfile.collect(&ctx);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(log_text, 1, sizeof(log_text) - 1, cap);
	log_text[n] = '\0';
	fclose(cap);
	dump_frame();
	return rc;
}

static void expect_dump(const char *want_template)
{
	static char want[65536];

	expand(want_template, want, sizeof(want));
	if (strcmp(dump, want) != 0) {
		fprintf(stderr, "frame:\n%s\nwant:\n%s\nlog:\n%s\n", dump, want, log_text);
		fail();
	}
}

static void expect_log(const char *want_template)
{
	static char want[4096];

	expand(want_template, want, sizeof(want));
	if (strcmp(log_text, want) != 0) {
		fprintf(stderr, "log:\n%s\nwant:\n%s\n", log_text, want);
		fail();
	}
}

#define OK_TAIL "node_textfile_scrape_error{} 0\n"
#define ERR_TAIL "node_textfile_scrape_error{} 1\n"
#define MTIME_OF(name) "node_textfile_mtime_seconds{file=@DIR@/" name "} 1700000000\n"

/* ---- what a good file gives ---- */

static void test_good_file(void **state)
{
	(void)state;
	put_file("good.prom",
		 "# A comment, then a blank line\n"
		 "\n"
		 "# HELP jobs_total Jobs run, with \\\\ and \\n escapes.\n"
		 "# TYPE jobs_total counter\n"
		 "jobs_total{kind=\"backup\"} 12\n"
		 "jobs_total{kind=\"a \\\"quoted\\\" \\\\ \\n\"} 3\n"
		 "   jobs_total  {  kind = \"spaced\" , }   7\n"
		 "# TYPE temp gauge\n"
		 "temp{sensor=\"x\",} -4.5\n"
		 "temp{sensor=\"y\"}1e3\n"
		 "temp{sensor=\"nan\"} NaN\n"
		 "temp{sensor=\"inf\"} +Inf\n"
		 "temp{sensor=\"ninf\"} -Inf\n"
		 "temp{sensor=\"e\"} 2.5E-3\n"
		 "temp{sensor=\"\xc3\xa9t\xc3\xa9\"} .5\n"
		 "plain 42\n"
		 "with_empty{a=\"\",b=\"1\"} 1\n"
		 "# TYPE rpc summary\n"
		 "rpc{quantile=\"0.50\"} 0.2\n"
		 "rpc{quantile=\"0.99\"} 1.5\n"
		 "rpc_sum 120.5\n"
		 "rpc_count 300\n"
		 "# HELP lat Latency.\n"
		 "# TYPE lat histogram\n"
		 "lat_bucket{le=\"0.10\"} 1\n"
		 "lat_bucket{le=\"1e3\"} 2\n"
		 "lat_bucket{le=\"+Inf\"} 3\n"
		 "lat_sum 4.25\n"
		 "lat_count 3\n"
		 "no_newline_at_end 1");
	assert_int_equal(collect(), AMP_OK);
	expect_log("");
	expect_dump("jobs_total{kind=a \"quoted\" \\ \n} 3\n"
		    "jobs_total{kind=backup} 12\n"
		    "jobs_total{kind=spaced} 7\n"
		    "lat_bucket{le=+Inf} 3\n"
		    "lat_bucket{le=0.1} 1\n"
		    "lat_bucket{le=1000} 2\n"
		    "lat_count{} 3\n"
		    "lat_sum{} 4.25\n"
		    "no_newline_at_end{} 1\n"
		    MTIME_OF("good.prom")
		    OK_TAIL
		    "plain{} 42\n"
		    "rpc_count{} 300\n"
		    "rpc_sum{} 120.5\n"
		    "rpc{quantile=0.5} 0.2\n"
		    "rpc{quantile=0.99} 1.5\n"
		    "temp{sensor=e} 0.0025\n"
		    "temp{sensor=inf} +Inf\n"
		    "temp{sensor=nan} NaN\n"
		    "temp{sensor=ninf} -Inf\n"
		    "temp{sensor=x} -4.5\n"
		    "temp{sensor=y} 1000\n"
		    "temp{sensor=\xc3\xa9t\xc3\xa9} 0.5\n"
		    "with_empty{b=1} 1\n");
	/* Families: HELP unescaped, TYPE kept for counters and gauges, node_exporter's default HELP. */
	{
		const struct amp_family *f = amp_registry_family_find(&reg, "jobs_total");
		char want[256];

		assert_non_null(f);
		assert_string_equal(f->help, "Jobs run, with \\ and \n escapes.");
		assert_int_equal(f->type, AMP_METRIC_COUNTER);
		f = amp_registry_family_find(&reg, "temp");
		assert_non_null(f);
		assert_int_equal(f->type, AMP_METRIC_GAUGE);
		snprintf(want, sizeof(want), "Metric read from %s/good.prom", dir);
		assert_string_equal(f->help, want);
		f = amp_registry_family_find(&reg, "lat_bucket");
		assert_non_null(f);
		assert_string_equal(f->help, "Latency.");
		assert_int_equal(f->type, AMP_METRIC_UNTYPED);
	}
}

/* le and quantile values are re-written as Go's strconv.FormatFloat(v, 'g', -1, 64), as node_exporter does. */
static void test_bounds_in_go_format(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} bounds[] = {
		{"0.10", "0.1"}, {"1e3", "1000"}, {"1e6", "1e+06"}, {"1e5", "100000"}, {"1234567", "1.234567e+06"},
		{"123456.7", "123456.7"}, {"0.0001", "0.0001"}, {"0.00001", "1e-05"}, {"2.5e-7", "2.5e-07"},
		{"1e21", "1e+21"}, {"1e100", "1e+100"}, {"100", "100"}, {"5.", "5"}, {".5", "0.5"}, {"-0", "0"},
		{"-1.5", "-1.5"}, {"1", "1"}, {"-1", "-1"}, {"+Inf", "+Inf"}, {"inf", "+Inf"}, {"-Inf", "-Inf"},
		{"NaN", "NaN"}, {"0.30000000000000004", "0.30000000000000004"}, {"1.7976931348623157e308",
		"1.7976931348623157e+308"}, {"5e-324", "5e-324"},
	};
	char text[4096], want[8192];
	size_t t = 0, w = 0;

	(void)state;
	t += (size_t)snprintf(text + t, sizeof(text) - t, "# TYPE h histogram\n");
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		t += (size_t)snprintf(text + t, sizeof(text) - t, "h_bucket{le=\"%s\",i=\"%02zu\"} %zu\n", bounds[i].in, i, i);
	put_file("b.prom", text);
	assert_int_equal(collect(), AMP_OK);
	expect_log("");
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "h_bucket{i=%02zu,le=%s} %zu\n", i, bounds[i].out, i);
	snprintf(want + w, sizeof(want) - w, MTIME_OF("b.prom") OK_TAIL);
	expect_dump(want);
}

/* ---- each error skips its whole file, with one warning naming file and line ---- */

struct bad_case {
	const char *text;
	const char *why; /* expected "line N: why" */
};

static const struct bad_case bad_cases[] = {
	{"x 1 1700000000\n", "line 1: sample has a timestamp: client-side timestamps are not supported (node_exporter "
			     "refuses such files too)"},
	{"ok 1\n9x 1\n", "line 2: invalid metric name"},
	{"x-y 1\n", "line 1: invalid metric name"},
	{"x{9a=\"1\"} 1\n", "line 1: invalid label name"},
	{"x{__a=\"1\"} 1\n", "line 1: label name \"__a\" is reserved (starts with __)"},
	{"x{a=\"1\",a=\"2\"} 1\n", "line 1: duplicate label name \"a\""},
	{"x{a=\"\\t\"} 1\n", "line 1: invalid escape sequence '\\t' in a label value"},
	{"x{a=\"1} 1\n", "line 1: unterminated label value"},
	{"x{a=1} 1\n", "line 1: expected '\"' to start a label value"},
	{"x{a \"1\"} 1\n", "line 1: expected '=' after a label name"},
	{"x{a=\"1\" b=\"2\"} 1\n", "line 1: expected ',' or '}' after a label value"},
	{"x{a=\"1\"\n", "line 1: expected ',' or '}' after a label value"},
	{"x{a=\"\xff\"} 1\n", "line 1: label a: value is not valid UTF-8"},
	{"x\n", "line 1: no value"},
	{"x{a=\"1\"}\n", "line 1: no value"},
	{"x abc\n", "line 1: invalid value \"abc\""},
	{"x 0x10\n", "line 1: invalid value \"0x10\""},
	{"x 1_000\n", "line 1: invalid value \"1_000\""},
	{"x 1e999\n", "line 1: invalid value \"1e999\""},
	{"x 1e\n", "line 1: invalid value \"1e\""},
	{"x .\n", "line 1: invalid value \".\""},
	{"x 1 \n", "line 1: blanks after the value"},
	{"x 1 2 3\n", "line 1: sample has a timestamp: client-side timestamps are not supported (node_exporter "
		       "refuses such files too)"},
	{"x 1 2x\n", "line 1: unexpected text after the value"},
	{"x 1 abc\n", "line 1: unexpected text after the value"},
	{"x 1\r\n", "line 1: control character 0x0d"},
	{"# HELP x a\n# HELP x b\nx 1\n", "line 2: second HELP line for x"},
	{"# HELP x a \\t b\n", "line 1: invalid escape sequence in a HELP text (only \\\\ and \\n)"},
	{"# TYPE x gauge\n# TYPE x gauge\n", "line 2: second TYPE line for x"},
	{"x 1\n# TYPE x gauge\n", "line 2: TYPE line for x after its samples"},
	{"# TYPE x gaugee\n", "line 1: unknown metric type \"gaugee\""},
	{"# TYPE x gauge \n", "line 1: unknown metric type \"gauge \""},
	{"# TYPE x-y gauge\n", "line 1: invalid metric name in a TYPE line"},
	{"# HELP 9 x\n", "line 1: invalid metric name in a HELP line"},
	{"x{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n", "line 2: duplicate series of x (first at line 1)"},
	{"x{a=\"\"} 1\nx 2\n", "line 2: duplicate series of x (first at line 1)"},
	{"# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"1\"} 1\n",
	 "line 3: duplicate series of h_bucket (first at line 2)"},
	{"# TYPE s summary\ns 1\n", "line 2: summary sample without a quantile label"},
	{"# TYPE s summary\ns{quantile=\"x\"} 1\n", "line 2: quantile label must be a number"},
	{"# TYPE s summary\ns_sum{quantile=\"0.5\"} 1\n", "line 2: quantile label on a summary's _sum or _count"},
	{"# TYPE s summary\ns_count 1.5\n", "line 2: a count must be a non-negative whole number"},
	{"# TYPE h histogram\nh 1\n", "line 2: histogram sample without _bucket, _sum or _count"},
	{"# TYPE h histogram\nh_bucket 1\n", "line 2: histogram bucket without an le label"},
	{"# TYPE h histogram\nh_bucket{le=\"\"} 1\n", "line 2: le label must be a number"},
	{"# TYPE h histogram\nh_count{le=\"1\"} 1\n", "line 2: le label on a histogram's _sum or _count"},
	{"# TYPE h histogram\nh_bucket{le=\"1\"} -1\n", "line 2: a count must be a non-negative whole number"},
	{"# TYPE h histogram\nh_count NaN\n", "line 2: a count must be a non-negative whole number"},
	{"# TYPE s summary\ns_sum 1\n# HELP s_sum x\n",
	 "line 3: HELP or TYPE for s_sum after its samples were read as part of summary s"},
	{"x{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",h=\"8\",i=\"9\"} 1\n",
	 "line 1: more than 8 labels (CONFIG_MAX_SERIES_LABELS)"},
	{"node_textfile_scrape_error 0\n", "node_textfile_scrape_error is a metric of amp-agent's own collectors"},
	{"x 1\n\x01\n", "line 2: control character 0x01"},
};

static void test_bad_files(void **state)
{
	(void)state;
	if (CONFIG_MAX_SERIES_LABELS != 8)
		skip(); /* one case counts on the default */
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char want[1024];

		amp_registry_init(&reg);
		put_file_n("bad.prom", bad_cases[i].text, strlen(bad_cases[i].text));
		/* A new time each case: every case warns (one path, rate-limited to once in 10 minutes). */
		ctx.now_ms += 11u * 60u * 1000u;
		assert_int_equal(collect(), AMP_OK);
		snprintf(want, sizeof(want), "warn textfile: %s/bad.prom: %s; file skipped (further reports for 10 min at debug)\n",
			 dir, bad_cases[i].why);
		if (strcmp(log_text, want) != 0)
			fail_msg("case %zu (%s):\n got: %s\nwant: %s", i, bad_cases[i].text, log_text, want);
		expect_dump(ERR_TAIL);
	}
}

/* ---- several files ---- */

static void test_bad_file_does_not_spoil_others(void **state)
{
	(void)state;
	put_file("a.prom", "a_metric 1\nshared{f=\"a\"} 1\n");
	put_file("b.prom", "b_metric 2\nshared{f=\"a\"} 9\nb_broken{\n");
	put_file("c.prom", "c_metric 3\n");
	put_file("ignored.txt", "not read 1 2 3\n");
	put_file("d.prom.bak", "not read\n");
	assert_int_equal(collect(), AMP_OK);
	expect_dump("a_metric{} 1\n"
		    "c_metric{} 3\n"
		    MTIME_OF("a.prom")
		    MTIME_OF("c.prom")
		    ERR_TAIL
		    "shared{f=a} 1\n");
	expect_log("warn textfile: @DIR@/b.prom: line 2: series of shared already read from a.prom; file skipped "
		   "(further reports for 10 min at debug)\n");
	/* b's series never reached the registry. */
	assert_null(amp_registry_family_find(&reg, "b_metric"));
}

/* A skipped file's series are not duplicates of a later file's. */
static void test_skipped_file_leaves_no_series(void **state)
{
	(void)state;
	put_file("a.prom", "x{a=\"1\"} 1\nbroken\n");
	put_file("b.prom", "x{a=\"1\"} 2\n");
	assert_int_equal(collect(), AMP_OK);
	expect_dump(MTIME_OF("b.prom") ERR_TAIL "x{a=1} 2\n");
}

static void test_type_and_help_must_agree(void **state)
{
	(void)state;
	put_file("a.prom", "# HELP x Same.\n# TYPE x gauge\nx{f=\"a\"} 1\n# HELP y First.\ny{f=\"a\"} 1\nz{f=\"a\"} 1\n");
	put_file("b.prom", "# TYPE x counter\nx{f=\"b\"} 2\n");
	put_file("c.prom", "# HELP y Second.\ny{f=\"c\"} 3\n");
	put_file("d.prom", "# HELP x Same.\n# TYPE x gauge\nx{f=\"d\"} 4\n");
	put_file("e.prom", "# TYPE x gauge\nx{f=\"e\"} 5\n# HELP z Now with help.\nz{f=\"e\"} 5\n"); /* no HELP: fine */
	assert_int_equal(collect(), AMP_OK);
	expect_dump(MTIME_OF("a.prom") MTIME_OF("d.prom") MTIME_OF("e.prom") ERR_TAIL
		    "x{f=a} 1\nx{f=d} 4\nx{f=e} 5\ny{f=a} 1\nz{f=a} 1\nz{f=e} 5\n");
	expect_log("warn textfile: @DIR@/b.prom: x has TYPE counter here and gauge in a.prom; file skipped (further "
		   "reports for 10 min at debug)\n"
		   "warn textfile: @DIR@/c.prom: y has a HELP text different from the one in a.prom; file skipped "
		   "(further reports for 10 min at debug)\n");
	/* The first file to bring a family sets its HELP: a's default, not e's. */
	{
		char want[256];

		snprintf(want, sizeof(want), "Metric read from %s/a.prom", dir);
		assert_string_equal(amp_registry_family_find(&reg, "z")->help, want);
	}
}

/* A static family of a collector owns its name; a file may not add series to it. */
static void test_collector_names_are_refused(void **state)
{
	static const struct amp_family load1 = {"node_load1", "1m load average.", AMP_METRIC_GAUGE};
	amp_series_id id;

	(void)state;
	assert_int_equal(amp_registry_intern(&reg, &load1, NULL, 0, &id), AMP_OK);
	put_file("a.prom", "node_load1{fake=\"1\"} 99\n");
	assert_int_equal(collect(), AMP_OK);
	expect_dump(ERR_TAIL);
	expect_log("warn textfile: @DIR@/a.prom: node_load1 is a metric of amp-agent's own collectors; file skipped "
		   "(further reports for 10 min at debug)\n");
}

/* Read in name order; entries that are not *.prom files are left alone; a directory named *.prom is an error. */
static void test_directory_entries(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/sub.prom", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	put_file(".prom", "hidden_named 1\n");
	put_file("z.prom", "z 1\n");
	assert_int_equal(collect(), AMP_OK);
	expect_dump("hidden_named{} 1\n" MTIME_OF(".prom") MTIME_OF("z.prom") ERR_TAIL "z{} 1\n");
	expect_log("warn textfile: @DIR@/sub.prom: a directory, not a file; skipped (further reports for 10 min at debug)\n");
	rmdir(path);
}

static void test_too_many_files(void **state)
{
	char name[32], text[64];

	(void)state;
	/* Created in reverse order: the listing's order must not matter, only names. */
	for (int i = CONFIG_TEXTFILE_MAX_FILES; i >= 0; i--) {
		snprintf(name, sizeof(name), "f%03d.prom", i);
		snprintf(text, sizeof(text), "f{n=\"%03d\"} %d\n", i, i);
		put_file(name, text);
	}
	assert_int_equal(collect(), AMP_OK);
	{
		char want[128];

		snprintf(want, sizeof(want), "f{n=%03d} %d\n", CONFIG_TEXTFILE_MAX_FILES - 1, CONFIG_TEXTFILE_MAX_FILES - 1);
		assert_non_null(strstr(dump, want));
		snprintf(want, sizeof(want), "f{n=%03d}", CONFIG_TEXTFILE_MAX_FILES);
		assert_null(strstr(dump, want)); /* the last by name is left out */
		assert_non_null(strstr(dump, ERR_TAIL));
		snprintf(want, sizeof(want), "%s: %d *.prom files; only the first %d by name are read", dir,
			 CONFIG_TEXTFILE_MAX_FILES + 1, CONFIG_TEXTFILE_MAX_FILES);
		assert_non_null(strstr(log_text, want));
	}
}

static void test_file_larger_than_buffer(void **state)
{
	(void)state;
	put_file("big.prom", "big_metric_with_a_long_name{label=\"value\"} 1\n");
	put_file("small.prom", "s 1\n");
	ctx.buf_cap = 16;
	assert_int_equal(collect(), AMP_OK);
	expect_dump(MTIME_OF("small.prom") ERR_TAIL "s{} 1\n");
	expect_log("warn textfile: @DIR@/big.prom: larger than the 15-byte read buffer (CONFIG_PROC_FILE_BUF_BYTES); "
		   "file skipped (further reports for 10 min at debug)\n");
}

static void test_missing_or_unset_directory(void **state)
{
	char missing[128];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	ctx.textfile_dir = missing;
	assert_int_equal(collect(), AMP_OK);
	expect_dump(ERR_TAIL);
	expect_log("warn textfile: @DIR@/nope: cannot list the textfile directory: not found (further reports for "
		   "10 min at debug)\n");
	/* Unset: nothing at all, not even node_textfile_scrape_error (no directory was asked for). */
	ctx.textfile_dir = NULL;
	assert_int_equal(collect(), AMP_OK);
	assert_int_equal(ctx.entry_count, 0);
	ctx.textfile_dir = "";
	assert_int_equal(collect(), AMP_OK);
	assert_int_equal(ctx.entry_count, 0);
	expect_log("");
}

/* node_exporter's file label is filepath.Join(dir, name): the directory is cleaned the same way. */
static void test_directory_is_cleaned(void **state)
{
	char messy[256];

	(void)state;
	put_file("a.prom", "a 1\n");
	snprintf(messy, sizeof(messy), "/%s//./sub/..//", dir);
	ctx.textfile_dir = messy;
	assert_int_equal(collect(), AMP_OK);
	expect_dump("a{} 1\n" MTIME_OF("a.prom") OK_TAIL);
}

/* A broken file warns once per 10 minutes; in between its reports are at debug. */
static void test_warnings_are_rate_limited(void **state)
{
	(void)state;
	put_file("a.prom", "broken\n");
	assert_int_equal(collect(), AMP_OK);
	assert_non_null(strstr(log_text, "warn textfile:"));
	ctx.now_ms += 60000;
	assert_int_equal(collect(), AMP_OK);
	expect_log("");
	amp_log_set_level(AMP_LOG_DEBUG);
	assert_int_equal(collect(), AMP_OK);
	expect_log("debug textfile: @DIR@/a.prom: line 1: no value; file skipped\n");
	amp_log_set_level(AMP_LOG_WARN);
	ctx.now_ms += 10u * 60u * 1000u;
	assert_int_equal(collect(), AMP_OK);
	assert_non_null(strstr(log_text, "warn textfile:"));
	expect_dump(ERR_TAIL);
}

/* Series keep their ids from one collection to the next; a changed HELP changes the family in place. */
static void test_stable_across_collections(void **state)
{
	amp_series_id first;
	const struct amp_family *f;

	(void)state;
	put_file("a.prom", "# HELP x One.\nx 1\n");
	assert_int_equal(collect(), AMP_OK);
	f = amp_registry_family_find(&reg, "x");
	assert_non_null(f);
	first = entries[0].id;
	put_file("a.prom", "# HELP x Two.\nx 2\n");
	assert_int_equal(collect(), AMP_OK);
	assert_ptr_equal(amp_registry_family_find(&reg, "x"), f);
	assert_string_equal(f->help, "Two.");
	assert_int_equal(entries[0].id, first);
	expect_dump(MTIME_OF("a.prom") OK_TAIL "x{} 2\n");
}

/* Filtered series take no registry slot, not even a family, and are counted by reason. */
static void test_filter_before_registry(void **state)
{
	(void)state;
	assert_int_equal(amp_filter_add(&filter, "drop", "dropped_.*", NULL), AMP_OK);
	assert_int_equal(amp_filter_add(&filter, "drop_label", "device=~loop[0-9]+", NULL), AMP_OK);
	ctx.filter = &filter;
	put_file("a.prom", "dropped_a 1\ndropped_b{x=\"1\"} 2\nkept{device=\"sda\"} 3\nkept{device=\"loop0\"} 4\n");
	assert_int_equal(collect(), AMP_OK);
	expect_dump("kept{device=sda} 3\n" MTIME_OF("a.prom") OK_TAIL);
	assert_null(amp_registry_family_find(&reg, "dropped_a"));
	assert_null(amp_registry_family_find(&reg, "dropped_b"));
	assert_int_equal(ctx.filtered_by_name, 2);
	assert_int_equal(ctx.filtered_by_label, 1);
	assert_int_equal(amp_registry_count(&reg), 3); /* kept{sda}, mtime, scrape_error */
}

/* More families than the registry can copy: the file counts, the families without a slot are dropped and reported. */
static void test_family_slots_run_out(void **state)
{
	char text[8192];
	size_t t = 0;

	(void)state;
	for (int i = 0; i < CONFIG_TEXTFILE_MAX_FAMILIES; i++)
		t += (size_t)snprintf(text + t, sizeof(text) - t, "fam_%03d 1\n", i);
	put_file("a.prom", text);
	put_file("b.prom", "one_too_many 1\n");
	assert_int_equal(collect(), AMP_OK);
	assert_null(strstr(dump, "one_too_many"));
	assert_non_null(strstr(dump, "fam_000{} 1\n"));
	{
		char want[256];

		expand(MTIME_OF("b.prom"), want, sizeof(want)); /* b was read, though its family found no slot */
		assert_non_null(strstr(dump, want));
	}
	assert_non_null(strstr(dump, ERR_TAIL));
	assert_int_equal(ctx.dropped_series, 1);
	assert_non_null(strstr(log_text, "b.prom: one_too_many: no room left; its samples are dropped"));
	/* More families than that in one file: the file is refused outright. */
	snprintf(text + t, sizeof(text) - t, "fam_extra 1\n");
	put_file("a.prom", text);
	remove_file("b.prom");
	ctx.now_ms += 11u * 60u * 1000u;
	assert_int_equal(collect(), AMP_OK);
	assert_non_null(strstr(log_text, "more than"));
	assert_non_null(strstr(log_text, "metric families (CONFIG_TEXTFILE_MAX_FAMILIES)"));
}

/* A file may hold at most CONFIG_TEXTFILE_MAX_SAMPLES samples with the others of the collection. */
static void test_sample_limit(void **state)
{
	static char text[CONFIG_TEXTFILE_MAX_SAMPLES * 24 + 64];
	size_t t = 0;

	(void)state;
	if (sizeof(text) >= sizeof(read_buf))
		skip();
	for (int i = 0; i <= CONFIG_TEXTFILE_MAX_SAMPLES; i++)
		t += (size_t)snprintf(text + t, sizeof(text) - t, "s{i=\"%d\"} 1\n", i);
	put_file("a.prom", text);
	assert_int_equal(collect(), AMP_OK);
	expect_dump(ERR_TAIL);
	assert_non_null(strstr(log_text, "samples in the textfiles of one collection (CONFIG_TEXTFILE_MAX_SAMPLES)"));
}

/* Random bytes never crash the parser; whatever it accepts is well formed. */
static void test_random_junk(void **state)
{
	static const char alphabet[] = "ab_:{}=\",\\ \t\n#01.eE+-InfNa\"\xc3\xa9\xff";
	char text[512];
	unsigned seed = 12345;

	(void)state;
	amp_log_set_level(AMP_LOG_ERROR);
	for (int round = 0; round < 1500; round++) {
		size_t n = 0;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % (sizeof(text) - 1);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		put_file_n("j.prom", text, n);
		if (round % 97 == 0)
			amp_registry_init(&reg);
		assert_int_equal(collect(), AMP_OK);
		assert_true(ctx.entry_count >= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds_in_go_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_file_does_not_spoil_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skipped_file_leaves_no_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_and_help_must_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collector_names_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_larger_than_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_or_unset_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_is_cleaned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warnings_are_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stable_across_collections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_before_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_family_slots_run_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_junk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
