/* Unit tests for the configuration: good files, a table of bad files with their exact error lines, URLs, durations. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collector.h"
#include "config.h"
#include "port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every secret in these tests holds SENTINEL: no captured output may ever contain it. */
#define SENTINEL "SENTINEL"
#define SECRET "wJalrXUtnFEMIK7MDENGbPxRfiCYSENTINELKEY1"
#define TOKEN "FwoGZXIvYXdzEBcaDSENTINELTOKEN2"
#define RW "[remote_write]\nurl = https://aps.example.com/api/v1/remote_write\n"
/* Appended to every bad case without a [sigv4] of its own, so that each one carries secrets. */
#define SIGV4_TAIL "[sigv4]\nregion = us-east-1\naccess_key = AKIDEXAMPLE\nsecret_key = " SECRET \
	"\nsession_token = " TOKEN "\n"

static char tmp_dir[64];
static char out_buf[16384];

static int setup_dir(void **state)
{
	(void)state;
	/* the region and credential defaults read these: the tests set them where they mean to */
	unsetenv("AWS_REGION");
	unsetenv("AWS_PROFILE");
	strcpy(tmp_dir, "/tmp/amp-test-config-XXXXXX");
	return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	/* The directory name came from mkdtemp under /tmp: safe to hand to rm. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Copies `n` bytes of `in` into `out`, replacing @DIR@ with the temp dir and @PATH@ with `path`; returns the length. */
static size_t expand_n(char *out, size_t cap, const char *in, size_t n, const char *path)
{
	size_t o = 0;
	size_t i = 0;

	while (i < n) {
		const char *rep = NULL;
		size_t skip = 0;

		if (n - i >= 5 && memcmp(in + i, "@DIR@", 5) == 0) {
			rep = tmp_dir;
			skip = 5;
		} else if (n - i >= 6 && memcmp(in + i, "@PATH@", 6) == 0) {
			rep = path;
			skip = 6;
		}
		if (rep != NULL) {
			size_t rn = strlen(rep);

			assert_true(o + rn < cap);
			memcpy(out + o, rep, rn);
			o += rn;
			i += skip;
		} else {
			assert_true(o + 1 < cap);
			out[o++] = in[i++];
		}
	}
	out[o] = '\0';
	return o;
}

static void expand(char *out, size_t cap, const char *in, const char *path)
{
	expand_n(out, cap, in, strlen(in), path);
}

/* Writes `len` bytes to tmp_dir/name; the full path goes to `path`. */
static void write_file(const char *name, const char *data, size_t len, char *path, size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", tmp_dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *name, const char *text, char *path, size_t cap)
{
	write_file(name, text, strlen(text), path, cap);
}

/* Runs amp_config_load with fd 2 going to a temp file; the log output lands in out_buf. No asserts inside. */
static int load_captured(struct amp_config *cfg, const char *path)
{
	FILE *cap = tmpfile();
	int saved;
	int rc;
	size_t n;

	assert_non_null(cap);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(cap), 2) >= 0);
	rc = amp_config_load(cfg, path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	n = fread(out_buf, 1, sizeof(out_buf) - 1, cap);
	out_buf[n] = '\0';
	fclose(cap);
	return rc;
}

static void assert_no_secret_in_output(void)
{
	if (strstr(out_buf, SENTINEL) != NULL)
		fail_msg("a secret reached the log (output not shown)");
}

/* Like assert_string_equal, but a failure does not print the (secret) values. */
#define assert_secret_equal(a, b) \
	do { \
		if (strcmp((a), (b)) != 0) \
			fail_msg("%s does not hold the expected secret (values not shown)", #a); \
	} while (0)

static const char *fixture(const char *name, char *path, size_t cap)
{
	const char *root = getenv("AMP_TEST_FIXTURES");

	assert_non_null(root);
	snprintf(path, cap, "%s/config/%s", root, name);
	return path;
}

/* ---- amp_config_parse_duration ---- */

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		int rc;
		uint32_t ms;
	} cases[] = {
		{"15s", AMP_OK, 15000},
		{"500ms", AMP_OK, 500},
		{"2m", AMP_OK, 120000},
		{"1h", AMP_OK, 3600000},
		{"015s", AMP_OK, 15000},
		{"4294967295ms", AMP_OK, 4294967295u},
		{"1193h", AMP_OK, 4294800000u},
		{"4294967296ms", AMP_ERR_INVALID, 0},
		{"1194h", AMP_ERR_INVALID, 0},
		{"99999999999999999999999s", AMP_ERR_INVALID, 0},
		{"0s", AMP_ERR_INVALID, 0},
		{"0ms", AMP_ERR_INVALID, 0},
		{"", AMP_ERR_INVALID, 0},
		{"s", AMP_ERR_INVALID, 0},
		{"15", AMP_ERR_INVALID, 0},
		{"1.5s", AMP_ERR_INVALID, 0},
		{"-1s", AMP_ERR_INVALID, 0},
		{"+1s", AMP_ERR_INVALID, 0},
		{" 1s", AMP_ERR_INVALID, 0},
		{"1s ", AMP_ERR_INVALID, 0},
		{"1 s", AMP_ERR_INVALID, 0},
		{"1S", AMP_ERR_INVALID, 0},
		{"1sec", AMP_ERR_INVALID, 0},
		{"1d", AMP_ERR_INVALID, 0},
		{"1us", AMP_ERR_INVALID, 0},
		{"1h30m", AMP_ERR_INVALID, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t ms = 7;
		int rc = amp_config_parse_duration(cases[i].text, &ms);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", cases[i].text, rc, cases[i].rc);
		if (rc == AMP_OK && ms != cases[i].ms)
			fail_msg("\"%s\": %u ms, want %u", cases[i].text, ms, cases[i].ms);
		if (rc != AMP_OK && ms != 7)
			fail_msg("\"%s\": output written on failure", cases[i].text);
	}
}

/* ---- amp_config_parse_url ---- */

static void test_urls(void **state)
{
	static const struct {
		const char *text;
		int rc;
		bool tls;
		const char *host;
		uint16_t port;
		bool port_is_default;
		const char *path;
	} cases[] = {
		{"https://aps-workspaces.ap-northeast-1.amazonaws.com/workspaces/ws-EXAMPLE/api/v1/remote_write",
		 AMP_OK, true, "aps-workspaces.ap-northeast-1.amazonaws.com", 443, true,
		 "/workspaces/ws-EXAMPLE/api/v1/remote_write"},
		{"http://localhost:9090/api/v1/write", AMP_OK, false, "localhost", 9090, false, "/api/v1/write"},
		{"https://localhost:443/x", AMP_OK, true, "localhost", 443, true, "/x"},
		{"http://h:80", AMP_OK, false, "h", 80, true, "/"},
		{"http://h", AMP_OK, false, "h", 80, true, "/"},
		{"https://h:80/", AMP_OK, true, "h", 80, false, "/"},
		{"http://h:443/", AMP_OK, false, "h", 443, false, "/"},
		{"https://h:65535/", AMP_OK, true, "h", 65535, false, "/"},
		{"https://h:1/", AMP_OK, true, "h", 1, false, "/"},
		{"http://[::1]:8428/api/v1/write", AMP_OK, false, "::1", 8428, false, "/api/v1/write"},
		{"https://[2001:DB8::1]/w", AMP_OK, true, "2001:db8::1", 443, true, "/w"},
		{"https://[::ffff:192.0.2.1]:9/", AMP_OK, true, "::ffff:192.0.2.1", 9, false, "/"},
		{"https://[1:2:3:4:5:6:7:8]/", AMP_OK, true, "1:2:3:4:5:6:7:8", 443, true, "/"},
		{"https://[::]/", AMP_OK, true, "::", 443, true, "/"},
		{"https://[1::]/", AMP_OK, true, "1::", 443, true, "/"},
		{"https://192.0.2.7:8443/w", AMP_OK, true, "192.0.2.7", 8443, false, "/w"},
		{"HTTPS://Example.COM?x=1", AMP_OK, true, "example.com", 443, true, "/?x=1"},
		{"Http://h/a?b=c&d=e%20f", AMP_OK, false, "h", 80, true, "/a?b=c&d=e%20f"},
		{"ftp://h/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"h/x", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"//h/x", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https:///x", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h:/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h:0/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h:65536/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h:99999999/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h:8x/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h:-1/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[::1/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[::1]x/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[1:2:3]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[1:2:3:4:5:6:7:8:9]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[1:2:3:4:5:6:7::8]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[1::2::3]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[12345::1]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[:1]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[1:]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[::ffff:256.0.0.1]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[fe80::1%25eth0]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://[]/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://user:pw@h/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h/a b", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h/a#frag", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h/a\x7f", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://h/\xc3\xa9", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://a..b/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://.a/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
		{"https://a b/", AMP_ERR_INVALID, false, NULL, 0, false, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct amp_url u;
		int rc = amp_config_parse_url(cases[i].text, &u);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", cases[i].text, rc, cases[i].rc);
		if (rc != AMP_OK)
			continue;
		if (u.tls != cases[i].tls || u.port != cases[i].port || u.port_is_default != cases[i].port_is_default ||
		    strcmp(u.host, cases[i].host) != 0 || strcmp(u.path, cases[i].path) != 0)
			fail_msg("\"%s\": got tls=%d host=%s port=%u default=%d path=%s", cases[i].text, u.tls, u.host,
				 u.port, u.port_is_default, u.path);
	}
}

static void test_url_too_long(void **state)
{
	char text[CONFIG_MAX_URL_LEN + 32];
	struct amp_url u;

	(void)state;
	/* "http://h" then a path of exactly sizeof(path) - 1 bytes fits; one more does not. */
	strcpy(text, "http://h/");
	memset(text + 9, 'a', sizeof(u.path) - 2);
	text[9 + sizeof(u.path) - 2] = '\0';
	assert_int_equal(amp_config_parse_url(text, &u), AMP_OK);
	assert_int_equal(strlen(u.path), sizeof(u.path) - 1);
	strcat(text, "a");
	assert_int_equal(amp_config_parse_url(text, &u), AMP_ERR_INVALID);
	/* "?q" becomes "/?q": the added "/" must fit too. */
	strcpy(text, "http://h?");
	memset(text + 9, 'a', sizeof(u.path) - 3);
	text[9 + sizeof(u.path) - 3] = '\0';
	assert_int_equal(amp_config_parse_url(text, &u), AMP_OK);
	strcat(text, "a");
	assert_int_equal(amp_config_parse_url(text, &u), AMP_ERR_INVALID);
}

/* ---- good files ---- */

static void test_defaults(void **state)
{
	struct amp_config cfg;
	char host[sizeof(cfg.instance)];

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));
	amp_config_defaults(&cfg);
	assert_int_equal(port_hostname(host, sizeof(host)), AMP_OK);
	assert_string_equal(cfg.instance, host);
	assert_int_equal(cfg.interval_ms, 15000);
	assert_string_equal(cfg.job, "amp-agent");
	assert_string_equal(cfg.procfs, "/proc");
	assert_string_equal(cfg.sysfs, "/sys");
	assert_int_equal(cfg.log_level, AMP_LOG_INFO);
	assert_false(cfg.log_syslog);
	assert_int_equal(cfg.label_count, 0);
	assert_string_equal(cfg.url_text, "");
	assert_string_equal(cfg.ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_int_equal(cfg.remote_timeout_ms, 30000);
	assert_false(cfg.sigv4_enabled);
	assert_string_equal(cfg.service, "aps");
	assert_secret_equal(cfg.secret_key, "");
	assert_secret_equal(cfg.session_token, "");
}

static void test_full_example(void **state)
{
	struct amp_config cfg;
	char path[512];
	struct stat st;
	char warning[1024];

	(void)state;
	assert_int_equal(load_captured(&cfg, fixture("full.ini", path, sizeof(path))), AMP_OK);
	/* git checks the fixture out with the umask's mode: readable by others, it draws the warning (the
	 * cases by mode and group are test_file_mode_warning's) */
	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 007) != 0) {
		snprintf(warning, sizeof(warning), "warn config: %s: holds secret_key but is readable by everyone "
			 "(mode %04o): chmod 600 it, or move the secret to a file with secret_key_file\n", path,
			 (unsigned)(st.st_mode & 07777));
		assert_string_equal(out_buf, warning);
	} else if ((st.st_mode & 077) == 0) {
		assert_string_equal(out_buf, "");
	}
	assert_string_equal(cfg.source, path);
	assert_int_equal(cfg.interval_ms, 15000);
	assert_string_equal(cfg.instance, "gw-001");
	assert_string_equal(cfg.job, "amp-agent");
	assert_string_equal(cfg.procfs, "/proc");
	assert_string_equal(cfg.sysfs, "/sys");
	assert_int_equal(cfg.log_level, AMP_LOG_INFO);
	assert_false(cfg.log_syslog);
	assert_int_equal(cfg.label_count, 1);
	assert_string_equal(cfg.labels[0].name, "site");
	assert_string_equal(cfg.labels[0].value, "tokyo-1");
	assert_string_equal(cfg.url_text,
			    "https://aps-workspaces.ap-northeast-1.amazonaws.com/workspaces/ws-EXAMPLE/api/v1/remote_write");
	assert_true(cfg.url.tls);
	assert_string_equal(cfg.url.host, "aps-workspaces.ap-northeast-1.amazonaws.com");
	assert_int_equal(cfg.url.port, 443);
	assert_true(cfg.url.port_is_default);
	assert_string_equal(cfg.url.path, "/workspaces/ws-EXAMPLE/api/v1/remote_write");
	assert_string_equal(cfg.ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_int_equal(cfg.remote_timeout_ms, 30000);
	assert_true(cfg.sigv4_enabled);
	assert_string_equal(cfg.region, "ap-northeast-1");
	assert_string_equal(cfg.service, "aps");
	assert_string_equal(cfg.access_key, "AKIAIOSFODNN7EXAMPLE");
	assert_secret_equal(cfg.secret_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	assert_secret_equal(cfg.session_token, "");
	amp_config_wipe_secrets(&cfg);
}

static void test_minimal(void **state)
{
	struct amp_config cfg;
	char path[512];
	char host[sizeof(cfg.instance)];

	(void)state;
	assert_int_equal(load_captured(&cfg, fixture("minimal.ini", path, sizeof(path))), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_int_equal(port_hostname(host, sizeof(host)), AMP_OK);
	assert_string_equal(cfg.instance, host);
	assert_string_equal(cfg.job, "amp-agent");
	assert_int_equal(cfg.interval_ms, 15000);
	assert_int_equal(cfg.remote_timeout_ms, 30000);
	assert_string_equal(cfg.procfs, "/proc");
	assert_string_equal(cfg.sysfs, "/sys");
	assert_int_equal(cfg.log_level, AMP_LOG_INFO);
	assert_false(cfg.log_syslog);
	assert_int_equal(cfg.label_count, 0);
	assert_false(cfg.url.tls);
	assert_string_equal(cfg.url.host, "localhost");
	assert_int_equal(cfg.url.port, 8428);
	assert_false(cfg.url.port_is_default);
	assert_string_equal(cfg.url.path, "/api/v1/write");
	assert_false(cfg.sigv4_enabled);
	assert_string_equal(cfg.service, "aps");
}

static void test_options_and_sorted_labels(void **state)
{
	static const char text[] =
		"# a start-of-line '#' comment\n"
		"[agent]\n"
		"interval = 500ms ; inline comment\n"
		"instance = gw-\xc3\xa9t\xc3\xa9\n"
		"job = node\n"
		"procfs = /host/proc\n"
		"sysfs = /host/sys\n"
		"log_level = debug\n"
		"log_target = syslog\n"
		"\n"
		"[labels]\n"
		"zone = b\n"
		"_private = x\n"
		"Area = tokyo;1\n"
		"env = prod  ; comment\n"
		"[collectors]\n"
		"meminfo = false\n"
		"cpu = true\n"
		"[remote_write]\n"
		"url = http://[::1]:8080\n"
		"remote_timeout = 2m\n"
		"ca_file = /etc/amp/ca.pem\n";
	struct amp_config cfg;
	char path[512];

	(void)state;
	write_text("options.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_int_equal(cfg.interval_ms, 500);
	assert_string_equal(cfg.instance, "gw-\xc3\xa9t\xc3\xa9");
	assert_string_equal(cfg.job, "node");
	assert_string_equal(cfg.procfs, "/host/proc");
	assert_string_equal(cfg.sysfs, "/host/sys");
	assert_int_equal(cfg.log_level, AMP_LOG_DEBUG);
	assert_true(cfg.log_syslog);
	assert_int_equal(cfg.remote_timeout_ms, 120000);
	assert_string_equal(cfg.ca_file, "/etc/amp/ca.pem");
	assert_string_equal(cfg.url.host, "::1");
	assert_int_equal(cfg.url.port, 8080);
	assert_string_equal(cfg.url.path, "/");
	assert_false(cfg.sigv4_enabled);
	assert_int_equal(cfg.label_count, 4);
	/* Sorted by byte value, as remote-write wants label names sorted. */
	assert_string_equal(cfg.labels[0].name, "Area");
	assert_string_equal(cfg.labels[0].value, "tokyo;1");
	assert_string_equal(cfg.labels[1].name, "_private");
	assert_string_equal(cfg.labels[2].name, "env");
	assert_string_equal(cfg.labels[2].value, "prod");
	assert_string_equal(cfg.labels[3].name, "zone");
	assert_int_equal(cfg.collectors_disabled, 1u << AMP_COLLECTOR_MEMINFO);
}

static void test_queue_settings(void **state)
{
	struct amp_config cfg;
	char path[512];

	(void)state;
	write_text("q.ini", "[remote_write]\nurl = https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write\n",
		   path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	/* defaults, with AMP's age limit for an AMP URL */
	assert_int_equal(cfg.max_samples_per_send, 2000);
	assert_int_equal(cfg.batch_send_deadline_ms, 15000);
	assert_int_equal(cfg.min_backoff_ms, 30);
	assert_int_equal(cfg.max_backoff_ms, 5000);
	assert_true(cfg.retry_on_http_429);
	assert_int_equal(cfg.sample_age_limit_ms, AMP_CONFIG_AMP_AGE_LIMIT_MS);
	assert_int_equal(cfg.shutdown_timeout_ms, 10000);
	write_text("q2.ini", "[agent]\nshutdown_timeout = 2s\n[remote_write]\nurl = https://aps-workspaces.us-east-1.amazonaws.com/x\n"
		   "max_samples_per_send = 500\nbatch_send_deadline = 1m\nmin_backoff = 5ms\nmax_backoff = 2m\n"
		   "retry_on_http_429 = false\nsample_age_limit = 0\n", path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_int_equal(cfg.max_samples_per_send, 500);
	assert_int_equal(cfg.batch_send_deadline_ms, 60000);
	assert_int_equal(cfg.min_backoff_ms, 5);
	assert_int_equal(cfg.max_backoff_ms, 120000);
	assert_false(cfg.retry_on_http_429);
	assert_int_equal(cfg.sample_age_limit_ms, 0);
	assert_int_equal(cfg.shutdown_timeout_ms, 2000);
	write_text("q3.ini", "[remote_write]\nurl = http://localhost:8428/api/v1/write\nsample_age_limit = 2h\n", path,
		   sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_int_equal(cfg.sample_age_limit_ms, 7200000);
}

/* Turning on a collector this build left out is an error that says so (off is fine: the same file suits builds). */
static void test_collector_compiled_out(void **state)
{
	struct amp_config cfg;
	char text[256], path[512], want[1024];
	unsigned id = 0;

	(void)state;
	while (id < AMP_COLLECTOR_ID_COUNT && amp_collector_compiled((enum amp_collector_id)id))
		id++;
	if (id == AMP_COLLECTOR_ID_COUNT)
		skip(); /* every collector is compiled in */
	snprintf(text, sizeof(text), "[collectors]\n%s = false\n[remote_write]\nurl = http://localhost/\n",
		 amp_collector_names[id]);
	write_text("off.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_int_equal(cfg.collectors_disabled, 1u << id);
	snprintf(text, sizeof(text), "[collectors]\n%s = true\n[remote_write]\nurl = http://localhost/\n",
		 amp_collector_names[id]);
	write_text("on.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_CONFIG);
	snprintf(want, sizeof(want),
		 "error config: %s:2: [collectors] %s: collector not compiled into this build (Kconfig CONFIG_COLLECTOR_*)\n",
		 path, amp_collector_names[id]);
	assert_string_equal(out_buf, want);
}

static void test_bom_crlf_and_limits(void **state)
{
	char text[1024];
	char line[256];
	struct amp_config cfg;
	char path[512];
	size_t n;

	(void)state;
	/* A line of exactly 197 bytes (inih's 200 less CR, LF and NUL) is accepted, CRLF and BOM too. */
	strcpy(line, "url = https://h/");
	n = strlen(line);
	memset(line + n, 'p', 197 - n);
	line[197] = '\0';
	snprintf(text, sizeof(text), "\xEF\xBB\xBF[remote_write]\r\n%s\r\n[labels]\r\nsite = x\r\n", line);
	write_text("bom.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_string_equal(cfg.url_text, line + 6);
	assert_int_equal(strlen(cfg.url.path), 197 - strlen("url = https://h"));
	assert_string_equal(cfg.labels[0].value, "x");

	/* The 198-byte line is refused, naming its line. */
	strcat(line, "p");
	snprintf(text, sizeof(text), "[remote_write]\n%s\n", line);
	write_text("bom.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_CONFIG);
	expand(text, sizeof(text),
	       "error config: @PATH@:2: [remote_write] url: line longer than 197 bytes (inih's limit)\n", path);
	assert_string_equal(out_buf, text);
}

static void test_secret_files(void **state)
{
	static const char fmt[] =
		RW
		"[sigv4]\n"
		"region = eu-west-1\n"
		"service = execute-api\n"
		"access_key_file = @DIR@/ak\n"
		"secret_key_file = @DIR@/sk\n"
		"session_token_file = @DIR@/st\n";
	char token[CONFIG_MAX_SECRET_LEN + 8];
	char text[1024];
	char file[CONFIG_MAX_SECRET_LEN + 16];
	char path[512];
	struct amp_config cfg;

	(void)state;
	/* The longest token that fits, with CRLF and surrounding blanks stripped. */
	memset(token, 'T', sizeof(cfg.session_token) - 1);
	token[sizeof(cfg.session_token) - 1] = '\0';
	memcpy(token, TOKEN, strlen(TOKEN));
	snprintf(file, sizeof(file), "  %s \r\n", token);
	write_text("st", file, path, sizeof(path));
	write_text("sk", SECRET "\n", path, sizeof(path));
	write_text("ak", "ASIAEXAMPLE", path, sizeof(path));
	expand(text, sizeof(text), fmt, "");
	write_text("files.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_true(cfg.sigv4_enabled);
	assert_string_equal(cfg.region, "eu-west-1");
	assert_string_equal(cfg.service, "execute-api");
	assert_string_equal(cfg.access_key, "ASIAEXAMPLE");
	assert_secret_equal(cfg.secret_key, SECRET);
	assert_secret_equal(cfg.session_token, token);

	amp_config_wipe_secrets(&cfg);
	for (size_t i = 0; i < sizeof(cfg.secret_key); i++)
		assert_int_equal(cfg.secret_key[i], 0);
	for (size_t i = 0; i < sizeof(cfg.session_token); i++)
		assert_int_equal(cfg.session_token[i], 0);
	assert_string_equal(cfg.access_key, "ASIAEXAMPLE");

	/* One byte more does not fit: refused whole, not cut, and the token is not shown. */
	snprintf(file, sizeof(file), "%sT\n", token);
	write_text("st", file, path, sizeof(path));
	write_text("files.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_CONFIG);
	assert_no_secret_in_output();
	expand(text, sizeof(text), "error config: @PATH@:8: [sigv4] session_token_file: value too long (at most 2047 bytes)\n",
	       path);
	assert_string_equal(out_buf, text);
	/* A failed load leaves no secret behind. */
	assert_secret_equal(cfg.secret_key, "");
	assert_secret_equal(cfg.session_token, "");
}

/* ---- authentication and credential sources ---- */

static void test_credential_keys(void **state)
{
	static const char fmt[] =
		"[remote_write]\nurl = https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write\n"
		"tls_clock_bootstrap = true\n"
		"[sigv4]\n"
		"credentials = iot\n"
		"refresh_margin = 10m\n"
		"iot_endpoint = c2abc.credentials.iot.eu-west-1.amazonaws.com\n"
		"iot_role_alias = gateway-role_alias\n"
		"iot_thing_name = gw:001_a-b\n"
		"iot_cert_file = /etc/amp-agent/device.pem\n"
		"iot_key_file = /etc/amp-agent/device.key\n"
		"iot_ca_file = /etc/amp-agent/AmazonRootCA1.pem\n";
	struct amp_config cfg;
	char path[512];

	(void)state;
	write_text("iot.ini", fmt, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_true(cfg.sigv4_enabled);
	assert_true(cfg.tls_clock_bootstrap);
	assert_int_equal(cfg.credentials, AMP_CREDS_IOT);
	assert_int_equal(cfg.refresh_margin_ms, 600000);
	/* no region key: it comes from the workspace URL */
	assert_string_equal(cfg.region, "eu-west-1");
	assert_string_equal(cfg.iot_endpoint, "c2abc.credentials.iot.eu-west-1.amazonaws.com");
	assert_string_equal(cfg.iot_role_alias, "gateway-role_alias");
	assert_string_equal(cfg.iot_thing_name, "gw:001_a-b");
	assert_string_equal(cfg.iot_cert_file, "/etc/amp-agent/device.pem");
	assert_string_equal(cfg.iot_key_file, "/etc/amp-agent/device.key");
	assert_string_equal(cfg.iot_ca_file, "/etc/amp-agent/AmazonRootCA1.pem");

	write_text("imds.ini", RW "[sigv4]\nregion = us-east-2\ncredentials = imds\nimds_endpoint = http://[fd00:ec2::254]\n"
		   "imds_v1_fallback = true\n", path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_int_equal(cfg.credentials, AMP_CREDS_IMDS);
	assert_string_equal(cfg.imds_endpoint, "http://[fd00:ec2::254]");
	assert_true(cfg.imds_v1_fallback);
	assert_int_equal(cfg.refresh_margin_ms, 300000);

	write_text("file.ini", RW "[sigv4]\nregion = us-east-2\ncredentials = file\nprofile = gateway.prod\n"
		   "shared_credentials_file = /etc/amp-agent/aws-credentials\n", path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_int_equal(cfg.credentials, AMP_CREDS_FILE);
	assert_string_equal(cfg.profile, "gateway.prod");
	assert_string_equal(cfg.shared_credentials_file, "/etc/amp-agent/aws-credentials");

	/* auto with nothing but a region is valid: the chain finds its source at run time */
	write_text("auto.ini", RW "[sigv4]\nregion = us-east-2\n", path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_int_equal(cfg.credentials, AMP_CREDS_AUTO);
	assert_string_equal(cfg.access_key, "");
}

static void test_region_sources(void **state)
{
	static const char ws[] = "[remote_write]\nurl = https://aps-workspaces.ap-southeast-2.amazonaws.com/w\n[sigv4]\n";
	struct amp_config cfg;
	char path[512];
	char want[1024];

	(void)state;
	write_text("ws.ini", ws, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(cfg.region, "ap-southeast-2");
	/* AWS_REGION comes before the URL, the key before both */
	setenv("AWS_REGION", "us-west-1", 1);
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(cfg.region, "us-west-1");
	write_text("ws2.ini", "[remote_write]\nurl = https://aps-workspaces.ap-southeast-2.amazonaws.com/w\n[sigv4]\n"
		   "region = eu-north-1\n", path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(cfg.region, "eu-north-1");
	setenv("AWS_REGION", "Not A Region", 1);
	write_text("ws.ini", ws, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_CONFIG);
	expand(want, sizeof(want), "error config: @PATH@:3: [sigv4] region: AWS_REGION \"Not A Region\": use lower-case "
	       "letters, digits and '-'\n", path);
	assert_string_equal(out_buf, want);
	unsetenv("AWS_REGION");
	/* China's partition */
	write_text("cn.ini", "[remote_write]\nurl = https://aps-workspaces.cn-north-1.amazonaws.com.cn/w\n[sigv4]\n", path,
		   sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(cfg.region, "cn-north-1");
}

static void test_bearer_and_basic(void **state)
{
	struct amp_config cfg;
	char path[512];
	char text[1024];

	(void)state;
	write_text("bearer_tok", "  " TOKEN "\r\n", path, sizeof(path));
	expand(text, sizeof(text), RW "bearer_token_file = @DIR@/bearer_tok\n", "");
	write_text("bearer.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_no_secret_in_output();
	assert_false(cfg.sigv4_enabled);
	/* checked, but not kept: the push reads the file (and holds the only copy) */
	assert_secret_equal(cfg.bearer_token, "");
	expand(text, sizeof(text), "@DIR@/bearer_tok", "");
	assert_string_equal(cfg.bearer_token_file, text);

	write_text("basic.ini", RW "basic_auth_username = gw-001\nbasic_auth_password = p4ss w\xc3\xb6rd " SENTINEL "\n",
		   path, sizeof(path));
	chmod(path, 0600);
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_string_equal(cfg.basic_auth_username, "gw-001");
	assert_secret_equal(cfg.basic_auth_password, "p4ss w\xc3\xb6rd " SENTINEL);
	amp_config_wipe_secrets(&cfg);
	assert_secret_equal(cfg.basic_auth_password, "");
	assert_secret_equal(cfg.bearer_token, "");
}

/* A group this process is not in: the file's group for the "another group" cases. */
static gid_t foreign_gid(void)
{
	gid_t g = 4242;

	while (g == getegid() || port_in_group((uint32_t)g))
		g++;
	return g;
}

/*
 * Inline secrets in a file others may read draw a warning; secrets kept in *_file keys do not. Group read
 * is fine when the group is the agent's own (the packaged root:amp-agent 0640), not when it is another
 * group; the agent's group may not write the file.
 */
static void test_file_mode_warning(void **state)
{
	enum { OWN, OTHER };
	static const struct {
		mode_t mode;
		int group;
		const char *text;
		const char *want; /* @PATH@ is the file */
	} cases[] = {
		{0644, OWN, RW "bearer_token = " TOKEN "\n", "warn config: @PATH@: holds bearer_token but is readable by "
		 "everyone (mode 0644): chmod 600 it, or move the secret to a file with bearer_token_file\n"},
		{0644, OTHER, RW "bearer_token = " TOKEN "\n", "warn config: @PATH@: holds bearer_token but is readable by "
		 "everyone (mode 0644): chmod 600 it, or move the secret to a file with bearer_token_file\n"},
		{0640, OTHER, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n",
		 "warn config: @PATH@: holds secret_key but is readable by its group (mode 0640): chmod 600 it, or move "
		 "the secret to a file with secret_key_file\n"},
		{0660, OTHER, RW "basic_auth_username = u\nbasic_auth_password = " SECRET "\n",
		 "warn config: @PATH@: holds basic_auth_password but is readable by its group (mode 0660): chmod 600 it, "
		 "or move the secret to a file with basic_auth_password_file\n"},
		{0640, OWN, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n", ""},
		{0660, OWN, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n",
		 "warn config: @PATH@: holds secret_key but is writable by the agent's group (mode 0660): chmod g-w it, "
		 "or move the secret to a file with secret_key_file\n"},
		{0604, OWN, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n",
		 "warn config: @PATH@: holds secret_key but is readable by everyone (mode 0604): chmod 600 it, or move "
		 "the secret to a file with secret_key_file\n"},
		{0600, OWN, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n", ""},
		{0600, OTHER, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n", ""},
		{0644, OWN, RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/secret_ok\nsession_token =\n", ""},
	};
	struct amp_config cfg;
	char path[512];
	char text[1024];
	char want[1024];
	gid_t other = foreign_gid();
	int skipped = 0;

	(void)state;
	write_text("secret_ok", SECRET "\n", path, sizeof(path));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expand(text, sizeof(text), cases[i].text, "");
		write_text("mode.ini", text, path, sizeof(path));
		if (cases[i].group == OWN) {
			assert_int_equal(chown(path, (uid_t)-1, getegid()), 0);
		} else if (chown(path, (uid_t)-1, other) != 0) {
			skipped++; /* only root (or CAP_CHOWN) gives a file a group it is not in */
			continue;
		}
		assert_int_equal(chmod(path, cases[i].mode), 0);
		assert_int_equal(load_captured(&cfg, path), AMP_OK);
		assert_no_secret_in_output();
		expand(want, sizeof(want), cases[i].want, path);
		assert_string_equal(out_buf, want);
		amp_config_wipe_secrets(&cfg);
	}
	if (skipped != 0)
		print_message("test_file_mode_warning: %d cases of a foreign group skipped (not root)\n", skipped);
}

/* ---- files that cannot be read ---- */

static void test_unreadable(void **state)
{
	struct amp_config cfg;
	char path[512];
	char want[1024];
	char *big;

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.ini", tmp_dir);
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_NOTFOUND);
	expand(want, sizeof(want), "error config: @PATH@: cannot read: not found\n", path);
	assert_string_equal(out_buf, want);

	assert_int_equal(load_captured(&cfg, tmp_dir), AMP_ERR_IO);
	expand(want, sizeof(want), "error config: @DIR@: cannot read: input/output error\n", path);
	assert_string_equal(out_buf, want);

	big = malloc(70000);
	assert_non_null(big);
	memset(big, ';', 70000);
	write_file("big.ini", big, 70000, path, sizeof(path));
	free(big);
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_CONFIG);
	expand(want, sizeof(want), "error config: @PATH@: cannot read: file larger than 65535 bytes\n", path);
	assert_string_equal(out_buf, want);
}

/* ---- bad files: each with its exact log output ---- */

struct bad_case {
	const char *name;
	const char *text;     /* @DIR@ is the temp dir; SIGV4_TAIL is appended when there is no [sigv4] */
	const char *want;     /* every log line, exactly; @PATH@ is the file */
	size_t len;           /* the text's length when it holds a NUL byte, else 0 */
};

#define E "error config: @PATH@"

static const struct bad_case bad_cases[] = {
	{"unknown key", "[agent]\nintervall = 15s\n" RW, E ":2: [agent] intervall: unknown key\n", 0},
	{"bad count", "[remote_write]\nurl = http://h/\nmax_samples_per_send = 0\n",
	 E ":3: [remote_write] max_samples_per_send: \"0\": expected a whole number from 1 to 1000000\n", 0},
	{"bad bool", "[remote_write]\nurl = http://h/\nretry_on_http_429 = yes\n",
	 E ":3: [remote_write] retry_on_http_429: \"yes\": expected true or false\n", 0},
	{"backoff order", "[remote_write]\nurl = http://h/\nmin_backoff = 10s\nmax_backoff = 1s\n",
	 E ":3: [remote_write] min_backoff: greater than max_backoff\n", 0},
	{"age limit range", "[remote_write]\nurl = http://h/\nsample_age_limit = 500ms\n",
	 E ":3: [remote_write] sample_age_limit: duration \"500ms\" out of range (1s to 30 days, or 0)\n", 0},
	{"proxy not http", "[remote_write]\nurl = http://h/\nproxy_url = https://proxy:3128\n",
	 E ":3: [remote_write] proxy_url: expected none or http://HOST[:PORT] (an HTTP proxy that tunnels with CONNECT)\n", 0},
	{"unknown collector", "[collectors]\ncpux = false\n" RW, E ":2: [collectors] cpux: unknown collector\n", 0},
	{"collector not a boolean", "[collectors]\ncpu = yes\n" RW, E ":2: [collectors] cpu: expected true or false\n", 0},
	{"duplicate collector", "[collectors]\ncpu = false\ncpu = false\n" RW,
	 E ":3: [collectors] cpu: duplicate key (first at line 2)\n", 0},
	{"unknown section", "[agnet]\ninterval = 15s\n" RW,
	 E ":1: [agnet]: unknown section (expected agent, labels, remote_write or sigv4)\n", 0},
	{"text after section", "[agent] x\ninterval = 15s\n" RW, E ":1: [agent]: text after ']' (only a comment may follow)\n", 0},
	{"unclosed section", "[agent\ninterval = 15s\n" RW, E ":1: section header without a closing ']'\n", 0},
	{"duplicate section", "[agent]\njob = a\n" RW "[agent]\ninstance = b\n",
	 E ":5: [agent]: duplicate section (first at line 1)\n", 0},
	{"key before section", "job = x\n" RW, E ":1: [] job: key before any [section]\n", 0},
	{"no equals", "[agent]\njust text\n" RW, E ":2: [agent]: expected key = value\n", 0},
	{"empty key", "[agent]\n= x\n" RW, E ":2: [agent]: empty key name\n", 0},
	{"colon separator", "[agent]\njob: x\n" RW, E ":2: [agent] job: expected key = value (':' is not a separator)\n", 0},
	{"colon in label name", RW "[labels]\nsite:a = x\n",
	 E ":4: [labels] site: expected key = value (':' is not a separator)\n", 0},
	{"colon in secret line", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n" TOKEN ":x\n",
	 E ":7: [sigv4] (name hidden: it may be part of a secret): expected key = value (':' is not a separator)\n", 0},
	{"continuation after hidden key", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\n"
	 TOKEN "=x\n " TOKEN "\n",
	 E ":7: [sigv4] (name hidden: it may be part of a secret): unknown key\n"
	 E ":8: [sigv4] (name hidden: it may be part of a secret): indented line would continue this value; continuation "
	 "lines are not supported\n", 0},
	{"fraction duration", "[agent]\ninterval = 1.5s\n" RW,
	 E ":2: [agent] interval: bad duration \"1.5s\": use a whole number and a unit (ms, s, m, h)\n", 0},
	{"duration no unit", "[agent]\ninterval = 15\n" RW,
	 E ":2: [agent] interval: bad duration \"15\": use a whole number and a unit (ms, s, m, h)\n", 0},
	{"duration zero", "[agent]\ninterval = 0s\n" RW,
	 E ":2: [agent] interval: bad duration \"0s\": use a whole number and a unit (ms, s, m, h)\n", 0},
	{"duration overflow", "[agent]\ninterval = 99999999999h\n" RW,
	 E ":2: [agent] interval: bad duration \"99999999999h\": use a whole number and a unit (ms, s, m, h)\n", 0},
	{"duration '#' is no comment", "[agent]\ninterval = 15s # c\n" RW,
	 E ":2: [agent] interval: bad duration \"15s # c\": use a whole number and a unit (ms, s, m, h)\n", 0},
	{"interval too short", "[agent]\ninterval = 99ms\n" RW,
	 E ":2: [agent] interval: duration \"99ms\" out of range (100ms to 24h)\n", 0},
	{"timeout too long", RW "remote_timeout = 25h\n",
	 E ":3: [remote_write] remote_timeout: duration \"25h\" out of range (100ms to 24h)\n", 0},
	{"duplicate key", "[agent]\njob = a\njob = b\n" RW, E ":3: [agent] job: duplicate key (first at line 2)\n", 0},
	{"missing url", "[agent]\njob = a\n", E ": [remote_write] url: missing (required)\n", 0},
	{"missing url in section", "[remote_write]\nremote_timeout = 5s\n",
	 E ":1: [remote_write] url: missing (required)\n", 0},
	{"empty value", "[agent]\njob =\n" RW, E ":2: [agent] job: empty value\n", 0},
	{"empty value after comment", "[agent]\njob = ; none\n" RW, E ":2: [agent] job: empty value\n", 0},
	{"log level", "[agent]\nlog_level = verbose\n" RW,
	 E ":2: [agent] log_level: \"verbose\": expected error, warn, info or debug\n", 0},
	{"log target", "[agent]\nlog_target = file\n" RW, E ":2: [agent] log_target: \"file\": expected stderr or syslog\n", 0},
	{"relative path", "[agent]\nprocfs = proc\n" RW, E ":2: [agent] procfs: \"proc\" is not an absolute path\n", 0},
	{"instance not utf-8", "[agent]\ninstance = gw\xff\n" RW, E ":2: [agent] instance: value is not valid UTF-8\n", 0},
	{"instance overlong utf-8", "[agent]\ninstance = \xc0\xaf\n" RW, E ":2: [agent] instance: value is not valid UTF-8\n", 0},
	{"control character", "[agent]\njob = a\x01z\n" RW, E ":2: [agent] job: control character 0x01 in line\n", 0},
	{"tab inside value", "[agent]\njob = a\tz\n" RW, E ":2: [agent] job: control character\n", 0},
	{"nul byte", "[agent]\njob = a\0z\n" RW, E ":2: [agent] job: control character 0x00 in line\n",
	 sizeof("[agent]\njob = a\0z\n" RW) - 1},
	{"indented line", "[agent]\n  job = a\n" RW, E ":2: [agent]: indented line; remove the leading whitespace\n", 0},
	{"continuation", "[agent]\njob = a\n  b\n" RW,
	 E ":3: [agent] job: indented line would continue this value; continuation lines are not supported\n", 0},
	{"long line", "[agent]\njob = "
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "xx\n" RW,
	 E ":2: [agent] job: line longer than 197 bytes (inih's limit)\n", 0},
	{"value too long", RW "[sigv4]\nregion = "
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\naccess_key = AKID\nsecret_key = " SECRET "\n",
	 E ":4: [sigv4] region: value too long (at most 63 bytes)\n", 0},
	{"label value too long", RW "[labels]\nsite = "
	 "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n",
	 E ":4: [labels] site: value too long (at most 127 bytes)\n", 0},
	/* Labels. */
	{"label name digit", RW "[labels]\n1site = a\n",
	 E ":4: [labels] 1site: invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)\n", 0},
	{"label name dash", RW "[labels]\nmy-site = a\n",
	 E ":4: [labels] my-site: invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)\n", 0},
	{"label name reserved prefix", RW "[labels]\n__name__ = a\n",
	 E ":4: [labels] __name__: label names starting with \"__\" are reserved\n", 0},
	{"label instance", RW "[labels]\ninstance = a\n",
	 E ":4: [labels] instance: reserved label name: set it with instance in [agent]\n", 0},
	{"label job", RW "[labels]\njob = a\n", E ":4: [labels] job: reserved label name: set it with job in [agent]\n", 0},
	{"label empty value", RW "[labels]\nsite =\n", E ":4: [labels] site: empty label value\n", 0},
	{"label duplicate", RW "[labels]\nsite = a\nsite = b\n", E ":5: [labels] site: duplicate label (first at line 4)\n", 0},
	{"too many labels", RW "[labels]\n"
	 "l01 = a\nl02 = a\nl03 = a\nl04 = a\nl05 = a\nl06 = a\nl07 = a\nl08 = a\n"
	 "l09 = a\nl10 = a\nl11 = a\nl12 = a\nl13 = a\nl14 = a\nl15 = a\nl16 = a\nl17 = a\nl18 = a\n",
	 E ":20: [labels] l17: too many labels (at most 16)\n", 0},
	/* URLs: the URL itself is never shown (it may carry a token). */
	{"url scheme", "[remote_write]\nurl = ftp://h/\n",
	 E ":2: [remote_write] url: bad URL: the scheme must be http:// or https://\n", 0},
	{"url port", "[remote_write]\nurl = https://h:70000/\n",
	 E ":2: [remote_write] url: bad URL: the port must be a number from 1 to 65535\n", 0},
	{"url ipv6", "[remote_write]\nurl = https://[::1/\n",
	 E ":2: [remote_write] url: bad URL: IPv6 address without a closing ']'\n", 0},
	{"url bad ipv6", "[remote_write]\nurl = https://[1:2:3]/\n", E ":2: [remote_write] url: bad URL: invalid IPv6 address\n", 0},
	{"url user info", "[remote_write]\nurl = https://u:" SENTINEL "@h/\n",
	 E ":2: [remote_write] url: bad URL: user information (user@) in URLs is not supported\n", 0},
	{"url space", "[remote_write]\nurl = https://h/a b\n",
	 E ":2: [remote_write] url: bad URL: the path holds a character that must be percent-encoded\n", 0},
	{"url no host", "[remote_write]\nurl = https:///w\n", E ":2: [remote_write] url: bad URL: no host\n", 0},
	/* [sigv4]. */
	{"sigv4 missing region", RW "[sigv4]\naccess_key = AKID\nsecret_key = " SECRET "\n",
	 E ":3: [sigv4] region: missing: set it, or AWS_REGION, or use an aps-workspaces.<region>.amazonaws.com URL\n", 0},
	{"sigv4 empty", RW "[sigv4]\n",
	 E ":3: [sigv4] region: missing: set it, or AWS_REGION, or use an aps-workspaces.<region>.amazonaws.com URL\n", 0},
	{"region not in a workspace url", "[remote_write]\nurl = https://aps-workspaces.amazonaws.com/w\n[sigv4]\n",
	 E ":3: [sigv4] region: missing: set it, or AWS_REGION, or use an aps-workspaces.<region>.amazonaws.com URL\n", 0},
	/* Credential sources. */
	{"credentials unknown", RW "[sigv4]\nregion = r\ncredentials = sso\n",
	 E ":5: [sigv4] credentials: \"sso\": expected auto, static, env, file, imds, container or iot\n", 0},
	{"static without keys", RW "[sigv4]\nregion = r\ncredentials = static\n",
	 E ":3: [sigv4] access_key: missing (required with credentials = static; or access_key_file)\n"
	 E ":3: [sigv4] secret_key: missing (required with credentials = static; or secret_key_file)\n", 0},
	{"auto with half the keys", RW "[sigv4]\nregion = r\naccess_key = AKID\n",
	 E ":3: [sigv4] secret_key: missing (static keys need both access_key and secret_key; or secret_key_file)\n", 0},
	{"session token alone", RW "[sigv4]\nregion = r\nsession_token = " TOKEN "\n",
	 E ":3: [sigv4] access_key: missing (static keys need both access_key and secret_key; or access_key_file)\n"
	 E ":3: [sigv4] secret_key: missing (static keys need both access_key and secret_key; or secret_key_file)\n", 0},
	{"keys of another mode", RW "[sigv4]\nregion = r\ncredentials = imds\naccess_key = AKID\nsecret_key = " SECRET
	 "\nprofile = p\niot_thing_name = t\n",
	 E ":6: [sigv4] access_key: not used with credentials = imds\n"
	 E ":7: [sigv4] secret_key: not used with credentials = imds\n"
	 E ":8: [sigv4] profile: not used with credentials = imds\n"
	 E ":9: [sigv4] iot_thing_name: not used with credentials = imds\n", 0},
	{"iot incomplete", RW "[sigv4]\nregion = r\ncredentials = iot\niot_endpoint = c.credentials.iot.example.com\n",
	 E ":3: [sigv4] iot_role_alias: missing (required for the AWS IoT credentials provider)\n"
	 E ":3: [sigv4] iot_thing_name: missing (required for the AWS IoT credentials provider)\n"
	 E ":3: [sigv4] iot_cert_file: missing (required for the AWS IoT credentials provider)\n"
	 E ":3: [sigv4] iot_key_file: missing (required for the AWS IoT credentials provider)\n", 0},
	{"iot in auto needs the rest", RW "[sigv4]\nregion = r\niot_role_alias = a\n",
	 E ":3: [sigv4] iot_endpoint: missing (required for the AWS IoT credentials provider)\n"
	 E ":3: [sigv4] iot_thing_name: missing (required for the AWS IoT credentials provider)\n"
	 E ":3: [sigv4] iot_cert_file: missing (required for the AWS IoT credentials provider)\n"
	 E ":3: [sigv4] iot_key_file: missing (required for the AWS IoT credentials provider)\n", 0},
	{"iot endpoint over http", RW "[sigv4]\nregion = r\niot_endpoint = http://c.example.com\niot_role_alias = a\n"
	 "iot_thing_name = t\niot_cert_file = /c\niot_key_file = /k\n",
	 E ":5: [sigv4] iot_endpoint: bad URL: the scheme must be https://\n", 0},
	{"iot names", RW "[sigv4]\nregion = r\ncredentials = iot\niot_endpoint = c.example.com:8443\niot_role_alias = a/b\n"
	 "iot_thing_name = my thing\niot_cert_file = c.pem\niot_key_file = /k.pem\n",
	 E ":7: [sigv4] iot_role_alias: \"a/b\": use letters, digits and _=,@-\n"
	 E ":8: [sigv4] iot_thing_name: \"my thing\": use letters, digits and :_-\n"
	 E ":9: [sigv4] iot_cert_file: \"c.pem\" is not an absolute path\n", 0},
	{"imds endpoint over https", RW "[sigv4]\nregion = r\nimds_endpoint = https://169.254.169.254\n",
	 E ":5: [sigv4] imds_endpoint: bad URL: the scheme must be http://\n", 0},
	{"imds fallback not a boolean", RW "[sigv4]\nregion = r\nimds_v1_fallback = yes\n",
	 E ":5: [sigv4] imds_v1_fallback: \"yes\": expected true or false\n", 0},
	{"refresh margin", RW "[sigv4]\nregion = r\nrefresh_margin = 5\n",
	 E ":5: [sigv4] refresh_margin: bad duration \"5\": use a whole number and a unit (ms, s, m, h)\n", 0},
	{"profile characters", RW "[sigv4]\nregion = r\nprofile = a]b\n",
	 E ":5: [sigv4] profile: \"a]b\": use letters, digits and _.-+=,@\n", 0},
	{"credentials file relative", RW "[sigv4]\nregion = r\nshared_credentials_file = creds\n",
	 E ":5: [sigv4] shared_credentials_file: \"creds\" is not an absolute path\n", 0},
	/* Other authentication: exactly one way. (";[sigv4]" keeps the table from adding a [sigv4] section.) */
	{"bearer with sigv4", RW "bearer_token = " SECRET "\n",
	 E ":3: [remote_write] bearer_token: [sigv4] is also given (line 4): use one of [sigv4], bearer_token and "
	 "basic_auth\n", 0},
	{"basic with sigv4", RW "basic_auth_username = u\nbasic_auth_password = " SECRET "\n",
	 E ":3: [remote_write] basic_auth_username: [sigv4] is also given (line 5): use one of [sigv4], bearer_token "
	 "and basic_auth\n", 0},
	{"bearer and basic", RW "basic_auth_username = u\nbearer_token_file = @DIR@/secret_ok\n; [sigv4] left out\n",
	 E ":4: [remote_write] bearer_token_file: basic_auth_username is also given (line 3): use one of [sigv4], "
	 "bearer_token and basic_auth\n", 0},
	{"bearer and its file", RW "bearer_token = " SECRET "\nbearer_token_file = @DIR@/secret_ok\n; [sigv4] left out\n",
	 E ":4: [remote_write] bearer_token_file: bearer_token is also given (line 3): use one of them\n", 0},
	{"bearer with a space", RW "bearer_token = Bearer " SECRET "\n; [sigv4] left out\n",
	 E ":3: [remote_write] bearer_token: value holds whitespace, control or non-ASCII characters (value not shown)\n", 0},
	{"bearer file missing", RW "bearer_token_file = @DIR@/nope\n; [sigv4] left out\n",
	 E ":3: [remote_write] bearer_token_file: @DIR@/nope: cannot read: not found\n", 0},
	{"password without user", RW "basic_auth_password_file = @DIR@/secret_ok\n; [sigv4] left out\n",
	 E ":1: [remote_write] basic_auth_username: missing (required with basic_auth_password)\n", 0},
	{"user with a colon", RW "basic_auth_username = a:b\n; [sigv4] left out\n",
	 E ":3: [remote_write] basic_auth_username: a user name must not hold ':' (RFC 7617)\n", 0},
	{"password not utf-8", RW "basic_auth_username = u\nbasic_auth_password = a\xff" "b\n; [sigv4] left out\n",
	 E ":4: [remote_write] basic_auth_password: value holds control characters or is not UTF-8 (value not shown)\n", 0},
	{"bearer token pasted on its own line", RW "bearer_token_file = @DIR@/secret_ok\n" TOKEN "==\n; [sigv4] left out\n",
	 E ":4: [remote_write] (name hidden: it may be part of a secret): unknown key\n", 0},
	{"clock bootstrap not a boolean", RW "tls_clock_bootstrap = 1\n",
	 E ":3: [remote_write] tls_clock_bootstrap: \"1\": expected true or false\n", 0},
	{"sigv4 unknown key", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\nsecretkey = " SECRET "\n",
	 E ":7: [sigv4] secretkey: unknown key\n", 0},
	{"sigv4 bad region", RW "[sigv4]\nregion = Tokyo 1\naccess_key = AKID\nsecret_key = " SECRET "\n",
	 E ":4: [sigv4] region: \"Tokyo 1\": use lower-case letters, digits and '-'\n", 0},
	{"sigv4 template access key", RW "[sigv4]\nregion = r\naccess_key = AKIA...\nsecret_key = " SECRET "\n",
	 E ":5: [sigv4] access_key: value must be letters, digits and '_' (value not shown)\n", 0},
	{"secret with inner space", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET " " SECRET "\n",
	 E ":6: [sigv4] secret_key: value holds whitespace, control or non-ASCII characters (value not shown)\n", 0},
	{"secret with control char", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\x7f\n",
	 E ":6: [sigv4] secret_key: control character 0x7f in line\n", 0},
	{"secret non-ascii", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\xc3\xa9\n",
	 E ":6: [sigv4] secret_key: value holds whitespace, control or non-ASCII characters (value not shown)\n", 0},
	{"secret empty", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key =\n", E ":6: [sigv4] secret_key: empty value\n", 0},
	{"secret duplicate", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\nsecret_key = " SECRET "\n",
	 E ":7: [sigv4] secret_key: duplicate key (first at line 6)\n", 0},
	{"secret and secret file", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET
	 "\nsecret_key_file = @DIR@/secret_ok\n",
	 E ":7: [sigv4] secret_key_file: secret_key is also given (line 6): use one of them\n", 0},
	{"token continuation", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\nsession_token = "
	 TOKEN "\n  " TOKEN "\n",
	 E ":8: [sigv4] session_token: indented line would continue this value; continuation lines are not supported\n", 0},
	{"token on its own line", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\nsession_token =\n"
	 TOKEN "==\n",
	 E ":8: [sigv4] (name hidden: it may be part of a secret): unknown key\n", 0},
	{"token line too long", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key = " SECRET "\nsession_token = "
	 TOKEN TOKEN TOKEN TOKEN TOKEN TOKEN TOKEN "\n",
	 E ":7: [sigv4] session_token: line longer than 197 bytes (inih's limit); put a long secret in a file and use its "
	 "*_file key\n", 0},
	{"secret file missing", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/nope\n",
	 E ":6: [sigv4] secret_key_file: @DIR@/nope: cannot read: not found\n", 0},
	{"secret file empty", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/secret_blank\n",
	 E ":6: [sigv4] secret_key_file: @DIR@/secret_blank: file is empty\n", 0},
	{"secret file inner space", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/secret_space\n",
	 E ":6: [sigv4] secret_key_file: value holds whitespace, control or non-ASCII characters (value not shown)\n", 0},
	{"secret file two lines", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/secret_lines\n",
	 E ":6: [sigv4] secret_key_file: value holds whitespace, control or non-ASCII characters (value not shown)\n", 0},
	{"secret file nul", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/secret_nul\n",
	 E ":6: [sigv4] secret_key_file: @DIR@/secret_nul: file holds a NUL byte (content not shown)\n", 0},
	{"secret file relative", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = secret_ok\n",
	 E ":6: [sigv4] secret_key_file: \"secret_ok\" is not an absolute path\n", 0},
	{"secret file too big", RW "[sigv4]\nregion = r\naccess_key = AKID\nsecret_key_file = @DIR@/secret_big\n",
	 E ":6: [sigv4] secret_key_file: @DIR@/secret_big: file larger than 2111 bytes\n", 0},
	/* Several errors are all reported, in order. */
	{"several errors", "[agent]\ninterval = 1x\nfoo = 1\n[labels]\n9 = a\n",
	 E ":2: [agent] interval: bad duration \"1x\": use a whole number and a unit (ms, s, m, h)\n"
	 E ":3: [agent] foo: unknown key\n"
	 E ":5: [labels] 9: invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)\n"
	 E ": [remote_write] url: missing (required)\n", 0},
	{"too many errors", "[agent]\n" "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\nr\ns\nt\nu\nv\nw\n",
	 E ":2: [agent]: expected key = value\n" E ":3: [agent]: expected key = value\n"
	 E ":4: [agent]: expected key = value\n" E ":5: [agent]: expected key = value\n"
	 E ":6: [agent]: expected key = value\n" E ":7: [agent]: expected key = value\n"
	 E ":8: [agent]: expected key = value\n" E ":9: [agent]: expected key = value\n"
	 E ":10: [agent]: expected key = value\n" E ":11: [agent]: expected key = value\n"
	 E ":12: [agent]: expected key = value\n" E ":13: [agent]: expected key = value\n"
	 E ":14: [agent]: expected key = value\n" E ":15: [agent]: expected key = value\n"
	 E ":16: [agent]: expected key = value\n" E ":17: [agent]: expected key = value\n"
	 E ":18: [agent]: expected key = value\n" E ":19: [agent]: expected key = value\n"
	 E ":20: [agent]: expected key = value\n" E ":21: [agent]: expected key = value\n"
	 E ":21: too many errors; the rest of the file is not checked\n", 0},
};

static void write_secret_files(void)
{
	char path[512];
	char big[2200];

	write_text("secret_ok", SECRET "\n", path, sizeof(path));
	write_text("secret_blank", " \n\n", path, sizeof(path));
	write_text("secret_space", SECRET " " SECRET "\n", path, sizeof(path));
	write_text("secret_lines", SECRET "\n" SECRET "\n", path, sizeof(path));
	write_file("secret_nul", SECRET "\0" SECRET, sizeof(SECRET "\0" SECRET) - 1, path, sizeof(path));
	memset(big, 'S', sizeof(big));
	memcpy(big, SECRET, strlen(SECRET));
	write_file("secret_big", big, sizeof(big), path, sizeof(path));
}

static void test_bad_files(void **state)
{
	static char text[8192];
	static char want[8192];
	char path[512];
	struct amp_config cfg;

	(void)state;
	write_secret_files();
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = expand_n(text, sizeof(text), c->text, c->len > 0 ? c->len : strlen(c->text), "");
		int rc;

		if (strstr(c->text, "[sigv4]") == NULL) {
			assert_true(len + sizeof(SIGV4_TAIL) <= sizeof(text));
			memcpy(text + len, SIGV4_TAIL, sizeof(SIGV4_TAIL));
			len += sizeof(SIGV4_TAIL) - 1;
		}
		write_file("bad.ini", text, len, path, sizeof(path));
		rc = load_captured(&cfg, path);
		if (strstr(out_buf, SENTINEL) != NULL)
			fail_msg("case \"%s\": a secret reached the log (output not shown)", c->name);
		expand(want, sizeof(want), c->want, path);
		if (rc != AMP_ERR_CONFIG)
			fail_msg("case \"%s\": rc %d, want AMP_ERR_CONFIG; log:\n%s", c->name, rc, out_buf);
		if (strcmp(out_buf, want) != 0)
			fail_msg("case \"%s\":\n got:\n%s want:\n%s", c->name, out_buf, want);
		if (cfg.secret_key[0] != '\0' || cfg.session_token[0] != '\0' || cfg.bearer_token[0] != '\0' ||
		    cfg.basic_auth_password[0] != '\0')
			fail_msg("case \"%s\": secrets left in the struct after a failed load", c->name);
	}
}

/* ---- [textfile] and [filter] ---- */

static void test_textfile_and_filter(void **state)
{
	static const char text[] =
		"[textfile]\n"
		"directory = /var/lib/prometheus/node-exporter\n"
		"[filter]\n"
		"drop = node_scrape_.*\n"
		"keep = node_(cpu|memory|load)[a-z0-9_]*|job_.*\n"
		"drop_label = device=~loop[0-9]+\n"
		"drop_label = mode=~steal\n"
		"keep_label = cpu=~|[0-3]  ; only the first four CPUs, and series without a cpu label\n"
		RW;
	const struct amp_label loop[] = {{"device", "loop7"}};
	const struct amp_label cpu5[] = {{"cpu", "5"}, {"mode", "idle"}};
	const struct amp_label cpu1[] = {{"cpu", "1"}, {"mode", "idle"}};
	static struct amp_config cfg;
	char path[512];

	(void)state;
	write_text("tf.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_OK);
	assert_string_equal(out_buf, "");
	assert_string_equal(cfg.textfile_dir, "/var/lib/prometheus/node-exporter");
	assert_int_equal(cfg.filter.count, 5);
	assert_int_equal(amp_filter_check(&cfg.filter, "node_scrape_collector_success", NULL, 0),
			 AMP_FILTER_DROPPED_BY_NAME);
	assert_int_equal(amp_filter_check(&cfg.filter, "node_disk_io_now", NULL, 0), AMP_FILTER_DROPPED_BY_NAME);
	assert_int_equal(amp_filter_check(&cfg.filter, "node_load1", NULL, 0), AMP_FILTER_PASS);
	assert_int_equal(amp_filter_check(&cfg.filter, "job_last_success", loop, 1), AMP_FILTER_DROPPED_BY_LABEL);
	assert_int_equal(amp_filter_check(&cfg.filter, "node_cpu_seconds_total", cpu5, 2), AMP_FILTER_DROPPED_BY_LABEL);
	assert_int_equal(amp_filter_check(&cfg.filter, "node_cpu_seconds_total", cpu1, 2), AMP_FILTER_PASS);
	/* Defaults: no directory, an empty filter. */
	amp_config_defaults(&cfg);
	assert_string_equal(cfg.textfile_dir, "");
	assert_int_equal(cfg.filter.count, 0);
}

static void test_textfile_and_filter_errors(void **state)
{
	static const struct bad_case cases[] = {
		{"relative directory", "[textfile]\ndirectory = var/lib\n" RW,
		 E ":2: [textfile] directory: \"var/lib\" is not an absolute path\n", 0},
		{"directory not UTF-8", "[textfile]\ndirectory = /var/\xff\n" RW,
		 E ":2: [textfile] directory: value is not valid UTF-8\n", 0},
		{"directory twice", "[textfile]\ndirectory = /a\ndirectory = /b\n" RW,
		 E ":3: [textfile] directory: duplicate key (first at line 2)\n", 0},
		{"unknown textfile key", "[textfile]\ndir = /a\n" RW, E ":2: [textfile] dir: unknown key\n", 0},
		{"empty directory", "[textfile]\ndirectory =\n" RW, E ":2: [textfile] directory: empty value\n", 0},
		{"unknown filter key", "[filter]\ndrop_metric = x\n" RW,
		 E ":2: [filter] drop_metric: unknown key (expected drop, keep, drop_label or keep_label)\n", 0},
		{"empty pattern", "[filter]\ndrop =\n" RW, E ":2: [filter] drop: empty value\n", 0},
		{"counted repetition", "[filter]\ndrop = node_[a-z]{3}\n" RW,
		 E ":2: [filter] drop: \"node_[a-z]{3}\": counted repetition {n,m} is not supported (write \\{ for a "
		 "brace)\n", 0},
		{"flags", "[filter]\nkeep = (?i)node_.*\n" RW,
		 E ":2: [filter] keep: \"(?i)node_.*\": flags and named groups (?...) are not supported\n", 0},
		{"label rule without =~", "[filter]\ndrop_label = device=sda\n" RW,
		 E ":2: [filter] drop_label: \"device=sda\": expected LABEL=~PATTERN\n", 0},
		{"bad label name", "[filter]\nkeep_label = de-vice=~sda\n" RW,
		 E ":2: [filter] keep_label: \"de-vice=~sda\": invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)\n", 0},
		{"unclosed group", "[filter]\ndrop_label = device=~(sd[a-z]\n" RW,
		 E ":2: [filter] drop_label: \"device=~(sd[a-z]\": missing closing )\n", 0},
	};
	static char text[4096];
	static char want[4096];
	static struct amp_config cfg;
	char path[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = expand_n(text, sizeof(text), cases[i].text, strlen(cases[i].text), "");
		int rc;

		write_file("bad.ini", text, len, path, sizeof(path));
		rc = load_captured(&cfg, path);
		expand(want, sizeof(want), cases[i].want, path);
		if (rc != AMP_ERR_CONFIG || strcmp(out_buf, want) != 0)
			fail_msg("case \"%s\": rc %d\n got:\n%s want:\n%s", cases[i].name, rc, out_buf, want);
	}
}

static void test_filter_rule_limit(void **state)
{
	static char text[8192];
	static char want[1024];
	static struct amp_config cfg;
	char path[512];
	size_t t = 0;

	(void)state;
	t += (size_t)snprintf(text + t, sizeof(text) - t, "[filter]\n");
	for (int i = 0; i <= CONFIG_FILTER_MAX_RULES; i++)
		t += (size_t)snprintf(text + t, sizeof(text) - t, "drop = never_%d\n", i);
	snprintf(text + t, sizeof(text) - t, RW);
	write_text("rules.ini", text, path, sizeof(path));
	assert_int_equal(load_captured(&cfg, path), AMP_ERR_CONFIG);
	snprintf(want, sizeof(want), "error config: %s:%d: [filter] drop: too many rules (at most %d, "
		 "CONFIG_FILTER_MAX_RULES)\n", path, CONFIG_FILTER_MAX_RULES + 2, CONFIG_FILTER_MAX_RULES);
	assert_string_equal(out_buf, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_url_too_long),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_options_and_sorted_labels),
		cmocka_unit_test(test_collector_compiled_out),
		cmocka_unit_test(test_queue_settings),
		cmocka_unit_test(test_bom_crlf_and_limits),
		cmocka_unit_test(test_secret_files),
		cmocka_unit_test(test_credential_keys),
		cmocka_unit_test(test_region_sources),
		cmocka_unit_test(test_bearer_and_basic),
		cmocka_unit_test(test_file_mode_warning),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_textfile_and_filter),
		cmocka_unit_test(test_textfile_and_filter_errors),
		cmocka_unit_test(test_filter_rule_limit),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
