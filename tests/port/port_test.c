/* Test port: deterministic time and scripted sockets, so push and retry logic runs in microseconds. */
#define _POSIX_C_SOURCE 200809L
#include "port_test.h"
#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct port_test_conn conns[PORT_TEST_MAX_CONNECTIONS];
static unsigned conn_count;   /* scripted */
static unsigned conn_opened;  /* used */
static uint64_t mono_ms;
static int64_t real_ms;
static char file_root[512];
static int stop_flag;
static port_idle_hook idle_hook;
static void *idle_ctx;
static uint64_t idle_deadline;
static const char *auto_response;
static size_t auto_left;
static unsigned long auto_requests;
#define AUTO_FD 1000
/* The test port's environment: a small table, emptied by port_test_reset. */
#define PORT_TEST_ENV_MAX 16
static struct {
	char name[64];
	char value[4096];
	int set;
} test_env[PORT_TEST_ENV_MAX];

/*
 * The wall clock starts at 2023-11-14 or a day after the build date, whichever is later: the agent
 * holds samples while the clock is before its build date (firmware/clock.c), which tests do not want
 * unless they set the clock back themselves.
 */
#ifndef AMP_BUILD_EPOCH
#define AMP_BUILD_EPOCH 0
#endif
#define PORT_TEST_DEFAULT_REALTIME_MS \
	((int64_t)AMP_BUILD_EPOCH * 1000 + 86400000 > 1700000000000 ? (int64_t)AMP_BUILD_EPOCH * 1000 + 86400000 \
								      : 1700000000000)

void port_test_reset(void)
{
	memset(conns, 0, sizeof(conns));
	conn_count = conn_opened = 0;
	mono_ms = 0;
	real_ms = PORT_TEST_DEFAULT_REALTIME_MS;
	memset(test_env, 0, sizeof(test_env));
	file_root[0] = '\0';
	stop_flag = 0;
	auto_response = NULL;
	auto_left = 0;
	auto_requests = 0;
	idle_hook = NULL;
}

void port_test_set_auto_response(const char *response)
{
	auto_response = response;
	auto_left = 0;
}

unsigned long port_test_auto_requests(void)
{
	return auto_requests;
}

struct port_test_conn *port_test_add_conn(int connect_rc)
{
	struct port_test_conn *c;

	if (conn_count == PORT_TEST_MAX_CONNECTIONS)
		return NULL;
	c = &conns[conn_count++];
	c->connect_rc = connect_rc;
	return c;
}

void port_test_add_recv(struct port_test_conn *c, const char *data)
{
	if (c->step_count < PORT_TEST_MAX_STEPS)
		c->steps[c->step_count++] = (struct port_test_step){data, strlen(data), 0};
}

void port_test_add_recv_rc(struct port_test_conn *c, int rc)
{
	if (c->step_count < PORT_TEST_MAX_STEPS)
		c->steps[c->step_count++] = (struct port_test_step){NULL, 0, rc};
}

unsigned port_test_connections(void)
{
	return conn_opened;
}

void port_test_set_monotonic_ms(uint64_t ms)
{
	mono_ms = ms;
}

void port_test_set_realtime_ms(int64_t ms)
{
	real_ms = ms;
}

void port_test_advance_ms(uint64_t ms)
{
	mono_ms += ms;
	real_ms += (int64_t)ms;
}

void port_test_set_file_root(const char *root)
{
	snprintf(file_root, sizeof(file_root), "%s", root);
}

void port_set_idle_hook(port_idle_hook hook, void *ctx, uint64_t first_deadline_ms)
{
	idle_hook = hook;
	idle_ctx = ctx;
	idle_deadline = first_deadline_ms;
}

/* A scripted wait of `ms`: time passes, and the idle hook runs at each of its deadlines on the way. */
static void scripted_wait(uint64_t ms)
{
	static int running;
	uint64_t end = mono_ms + ms;

	while (idle_hook != NULL && !running && idle_deadline <= end) {
		uint64_t next;

		if (idle_deadline > mono_ms)
			port_test_advance_ms(idle_deadline - mono_ms);
		running = 1;
		next = idle_hook(idle_ctx);
		running = 0;
		if (next <= idle_deadline)
			break; /* a hook that does not move on must not spin the test */
		idle_deadline = next;
	}
	if (end > mono_ms)
		port_test_advance_ms(end - mono_ms);
}

void port_socket_init(struct port_socket *s)
{
	s->fd = -1;
}

int port_tcp_connect(struct port_socket *s, const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct port_test_conn *c;

	(void)timeout_ms;
	if (auto_response != NULL) {
		s->fd = AUTO_FD;
		return AMP_OK;
	}
	if (conn_opened >= conn_count)
		return AMP_ERR_CONNECT; /* nothing scripted: like a host that refuses */
	c = &conns[conn_opened++];
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	if (c->connect_rc != AMP_OK)
		return c->connect_rc;
	s->fd = (int)(c - conns);
	return AMP_OK;
}

int port_tcp_send(struct port_socket *s, const void *buf, size_t len, uint32_t timeout_ms)
{
	struct port_test_conn *c;
	size_t room;

	(void)timeout_ms;
	if (s->fd == AUTO_FD) {
		/* the first bytes of a request arm the answer */
		if (auto_left == 0) {
			auto_left = strlen(auto_response);
			auto_requests++;
		}
		return (int)len;
	}
	if (s->fd < 0)
		return AMP_ERR_IO;
	c = &conns[s->fd];
	if (c->send_rc != 0)
		return c->send_rc;
	room = sizeof(c->sent) - c->sent_len;
	if (len > room)
		len = room;
	memcpy(c->sent + c->sent_len, buf, len);
	c->sent_len += len;
	return len == 0 ? AMP_ERR_IO : (int)len;
}

int port_tcp_recv(struct port_socket *s, void *buf, size_t len, uint32_t timeout_ms)
{
	struct port_test_conn *c;
	struct port_test_step *st;
	size_t n;

	if (s->fd == AUTO_FD) {
		size_t total = strlen(auto_response);

		if (auto_left == 0)
			return AMP_ERR_TIMEOUT;
		n = auto_left < len ? auto_left : len;
		memcpy(buf, auto_response + (total - auto_left), n);
		auto_left -= n;
		return (int)n;
	}
	if (s->fd < 0)
		return AMP_ERR_IO;
	c = &conns[s->fd];
	if (c->next_step >= c->step_count)
		return AMP_ERR_CLOSED;
	st = &c->steps[c->next_step];
	if (st->data == NULL) {
		c->next_step++;
		if (st->rc == AMP_ERR_TIMEOUT)
			scripted_wait(timeout_ms); /* a timeout costs the time it waited */
		return st->rc;
	}
	n = st->len < len ? st->len : len;
	memcpy(buf, st->data, n);
	st->data += n;
	st->len -= n;
	if (st->len == 0)
		c->next_step++;
	return (int)n;
}

void port_tcp_close(struct port_socket *s)
{
	if (s->fd >= 0 && s->fd != AUTO_FD)
		conns[s->fd].closed = 1;
	s->fd = -1;
}

uint64_t port_monotonic_ms(void)
{
	return mono_ms;
}

int64_t port_realtime_ms(void)
{
	return real_ms;
}

void port_sleep_ms(uint32_t ms)
{
	port_test_advance_ms(ms);
}

void port_stop_signals_install(void)
{
}

int port_stop_requested(void)
{
	return stop_flag;
}

int port_reload_requested(void)
{
	return 0;
}

/* Deterministic bytes: tests must not depend on them, and reproducibility beats entropy here. */
int port_random(void *buf, size_t len)
{
	static uint32_t x = 2463534242u;
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return AMP_OK;
}

void port_files_forget(void)
{
	/* the test port holds no files between reads */
}

int port_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	char full[1024];
	size_t used = 0;
	int fd, rc = AMP_OK;

	*len = 0;
	if (cap == 0 || snprintf(full, sizeof(full), "%s%s", file_root, path) >= (int)sizeof(full))
		return AMP_ERR_FULL;
	fd = open(full, O_RDONLY);
	if (fd < 0)
		return AMP_ERR_NOTFOUND;
	for (;;) {
		ssize_t n = read(fd, buf + used, cap - 1 - used);

		if (n <= 0) {
			rc = n < 0 ? AMP_ERR_IO : AMP_OK;
			break;
		}
		used += (size_t)n;
		if (used == cap - 1) {
			char extra;

			if (read(fd, &extra, 1) > 0)
				rc = AMP_ERR_FULL;
			break;
		}
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return rc;
}

void port_test_setenv(const char *name, const char *value)
{
	int free_slot = -1;

	for (int i = 0; i < PORT_TEST_ENV_MAX; i++) {
		if (test_env[i].set && strcmp(test_env[i].name, name) == 0) {
			free_slot = i;
			break;
		}
		if (!test_env[i].set && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return;
	test_env[free_slot].set = value != NULL;
	snprintf(test_env[free_slot].name, sizeof(test_env[free_slot].name), "%s", name);
	snprintf(test_env[free_slot].value, sizeof(test_env[free_slot].value), "%s", value ? value : "");
}

void port_test_clear_conns(void)
{
	memset(conns, 0, sizeof(conns));
	conn_count = conn_opened = 0;
}

int port_getenv(const char *name, char *buf, size_t cap)
{
	if (cap > 0)
		buf[0] = '\0';
	for (int i = 0; i < PORT_TEST_ENV_MAX; i++) {
		if (test_env[i].set && strcmp(test_env[i].name, name) == 0) {
			if (strlen(test_env[i].value) >= cap)
				return AMP_ERR_FULL;
			memcpy(buf, test_env[i].value, strlen(test_env[i].value) + 1);
			return AMP_OK;
		}
	}
	return AMP_ERR_NOTFOUND;
}

int port_file_stat(const char *path, struct port_file_info *out)
{
	char full[1024];
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (snprintf(full, sizeof(full), "%s%s", file_root, path) >= (int)sizeof(full) || stat(full, &st) != 0)
		return AMP_ERR_NOTFOUND;
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->size = (uint64_t)st.st_size;
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	out->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	out->mode = (uint32_t)(st.st_mode & 07777);
	out->uid = (uint32_t)st.st_uid;
	out->gid = (uint32_t)st.st_gid;
	out->is_regular = S_ISREG(st.st_mode);
	return AMP_OK;
}

/* The process's real groups, as the POSIX port asks them: a file's group in the tests is a real one too. */
int port_in_group(uint32_t gid)
{
	gid_t groups[64];
	int n;

	if ((gid_t)gid == getegid())
		return 1;
	n = getgroups(64, groups);
	for (int i = 0; i < n; i++) {
		if (groups[i] == (gid_t)gid)
			return 1;
	}
	return 0;
}

void port_syslog_open(void)
{
}

/* The test port's system log is stderr, marked, so tests can capture it. */
void port_syslog_write(int level, const char *line)
{
	fprintf(stderr, "syslog[%d] %s\n", level, line);
}

/* Files of the test port live under the fixture root too; the calls are the POSIX ones. */
static const char *rooted(const char *path, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s", file_root, path);
	return buf;
}

int port_file_append(const char *path, const void *data, size_t len, int sync)
{
	char full[1024];
	FILE *f = fopen(rooted(path, full, sizeof(full)), "ab");
	int rc = AMP_OK;

	(void)sync;
	if (f == NULL)
		return AMP_ERR_NOTFOUND;
	if (fwrite(data, 1, len, f) != len)
		rc = AMP_ERR_IO;
	if (fclose(f) != 0)
		rc = AMP_ERR_IO;
	return rc;
}

int port_file_read_at(const char *path, uint64_t offset, void *buf, size_t len, size_t *got)
{
	char full[1024];
	FILE *f = fopen(rooted(path, full, sizeof(full)), "rb");

	*got = 0;
	if (f == NULL)
		return AMP_ERR_NOTFOUND;
	if (fseek(f, (long)offset, SEEK_SET) == 0)
		*got = fread(buf, 1, len, f);
	fclose(f);
	return AMP_OK;
}

int port_file_size(const char *path, uint64_t *size)
{
	char full[1024];
	struct stat st;

	if (stat(rooted(path, full, sizeof(full)), &st) != 0)
		return AMP_ERR_NOTFOUND;
	*size = (uint64_t)st.st_size;
	return AMP_OK;
}

int port_file_remove(const char *path)
{
	char full[1024];

	return unlink(rooted(path, full, sizeof(full))) == 0 ? AMP_OK : AMP_ERR_NOTFOUND;
}

int port_file_rename(const char *from, const char *to)
{
	char a[1024], b[1024];

	return rename(rooted(from, a, sizeof(a)), rooted(to, b, sizeof(b))) == 0 ? AMP_OK : AMP_ERR_IO;
}

int port_mkdir(const char *path)
{
	char full[1024];

	return mkdir(rooted(path, full, sizeof(full)), 0700) == 0 || errno == EEXIST ? AMP_OK : AMP_ERR_IO;
}

int port_dir_list(const char *path, port_dir_fn fn, void *ctx)
{
	char full[1024];
	DIR *d;
	struct dirent *e;
	int rc = AMP_OK;

	if (snprintf(full, sizeof(full), "%s%s", file_root, path) >= (int)sizeof(full))
		return AMP_ERR_NOTFOUND;
	d = opendir(full);
	if (d == NULL)
		return AMP_ERR_NOTFOUND;
	while (rc == AMP_OK && (e = readdir(d)) != NULL) {
		char child[2048];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", full, e->d_name);
		rc = fn(ctx, e->d_name, stat(child, &st) == 0 && S_ISDIR(st.st_mode));
	}
	closedir(d);
	return rc;
}

/* The real file's time under the fixture root: tests set it with utime(). */
int port_file_mtime(const char *path, int64_t *seconds)
{
	char full[1024];
	struct stat st;

	if (snprintf(full, sizeof(full), "%s%s", file_root, path) >= (int)sizeof(full) || stat(full, &st) != 0)
		return AMP_ERR_NOTFOUND;
	*seconds = (int64_t)st.st_mtime;
	return AMP_OK;
}

/* The system calls of the /sys and system collectors: defaults a test may replace (port_test_sys_*). */
#define FAKE_STATFS_MAX 16

static const struct port_uname uname_default = {"Linux", "test-host", "6.1.0-test", "#1 SMP PREEMPT Tue Jan 10 2023",
						 "aarch64", "(none)"};
static const struct port_timex timex_default = {
	.state = 0, .offset = -1500, .freq = 655360, .maxerror = 16000, .esterror = 2000, .status = 0x2001,
	.constant = 7, .tick = 10000, .ppsfreq = 0, .jitter = 250, .shift = 0, .stabil = 0, .tai = 37,
};
static const struct port_statfs_info statfs_default = {4096, 1000000, 400000, 350000, 65536, 60000};
static struct port_uname fake_uname;
static int fake_uname_rc;
static struct port_timex fake_timex;
static int fake_timex_rc;
static char fake_zone[16];
static int32_t fake_zone_offset;
static struct {
	char path[256];
	int rc;
	struct port_statfs_info info;
} fake_statfs[FAKE_STATFS_MAX];
static unsigned fake_statfs_count;
static unsigned long fake_statfs_calls;
static bool fake_sys_set;

void port_test_sys_defaults(void)
{
	fake_uname = uname_default;
	fake_uname_rc = AMP_OK;
	fake_timex = timex_default;
	fake_timex_rc = AMP_OK;
	snprintf(fake_zone, sizeof(fake_zone), "UTC");
	fake_zone_offset = 0;
	fake_statfs_count = 0;
	fake_statfs_calls = 0;
	fake_sys_set = true;
}

static void sys_init(void)
{
	if (!fake_sys_set)
		port_test_sys_defaults();
}

void port_test_sys_uname(int rc, const struct port_uname *u)
{
	sys_init();
	fake_uname_rc = rc;
	if (u != NULL)
		fake_uname = *u;
}

void port_test_sys_timex(int rc, const struct port_timex *t)
{
	sys_init();
	fake_timex_rc = rc;
	if (t != NULL)
		fake_timex = *t;
}

void port_test_sys_time_zone(const char *name, int32_t offset_s)
{
	sys_init();
	snprintf(fake_zone, sizeof(fake_zone), "%s", name);
	fake_zone_offset = offset_s;
}

void port_test_sys_statfs(const char *path, int rc, const struct port_statfs_info *info)
{
	sys_init();
	for (unsigned i = 0; i < fake_statfs_count; i++) {
		if (strcmp(fake_statfs[i].path, path) == 0) {
			fake_statfs[i].rc = rc;
			fake_statfs[i].info = info != NULL ? *info : statfs_default;
			return;
		}
	}
	if (fake_statfs_count == FAKE_STATFS_MAX)
		return;
	snprintf(fake_statfs[fake_statfs_count].path, sizeof(fake_statfs[0].path), "%s", path);
	fake_statfs[fake_statfs_count].rc = rc;
	fake_statfs[fake_statfs_count].info = info != NULL ? *info : statfs_default;
	fake_statfs_count++;
}

unsigned long port_test_sys_statfs_calls(void)
{
	return fake_statfs_calls;
}

/* The kernel's name of an open file: realpath(3) is not declared under _POSIX_C_SOURCE. */
static int resolve(const char *path, char *out, size_t cap)
{
	char link[48];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return AMP_ERR_NOTFOUND;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, cap);
	close(fd);
	if (n <= 0 || (size_t)n >= cap)
		return AMP_ERR_FULL;
	out[n] = '\0';
	return AMP_OK;
}

/* Resolves under the file root and hands back the path without it, as the code under test named it. */
int port_realpath(const char *path, char *out, size_t cap)
{
	char full[1024], root[1024], real[1024];
	size_t rl = 0;
	int rc;

	if (snprintf(full, sizeof(full), "%s%s", file_root, path) >= (int)sizeof(full))
		return AMP_ERR_FULL;
	rc = resolve(full, real, sizeof(real));
	if (rc != AMP_OK)
		return rc;
	if (file_root[0] != '\0' && resolve(file_root, root, sizeof(root)) == AMP_OK) {
		rl = strlen(root);
		if (strncmp(real, root, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
			rl = 0;
	}
	if (strlen(real + rl) >= cap)
		return AMP_ERR_FULL;
	strcpy(out, real + rl);
	return AMP_OK;
}

int port_uname(struct port_uname *out)
{
	sys_init();
	if (fake_uname_rc == AMP_OK)
		*out = fake_uname;
	return fake_uname_rc;
}

int port_adjtimex(struct port_timex *out)
{
	sys_init();
	if (fake_timex_rc == AMP_OK)
		*out = fake_timex;
	return fake_timex_rc;
}

int port_time_zone(int64_t epoch_s, char *name, size_t cap, int32_t *offset_s)
{
	(void)epoch_s;
	sys_init();
	if (strlen(fake_zone) >= cap)
		return AMP_ERR_FULL;
	strcpy(name, fake_zone);
	*offset_s = fake_zone_offset;
	return AMP_OK;
}

/* A timeout costs the time it waited, like a recv timeout; paths not set answer statfs_default. */
int port_statfs(const char *path, struct port_statfs_info *out, uint32_t timeout_ms)
{
	sys_init();
	fake_statfs_calls++;
	for (unsigned i = 0; i < fake_statfs_count; i++) {
		if (strcmp(fake_statfs[i].path, path) != 0)
			continue;
		if (fake_statfs[i].rc == AMP_ERR_TIMEOUT)
			port_test_advance_ms(timeout_ms);
		if (fake_statfs[i].rc == AMP_OK)
			*out = fake_statfs[i].info;
		return fake_statfs[i].rc;
	}
	*out = statfs_default;
	return AMP_OK;
}

long port_clock_ticks_per_second(void)
{
	return 100;
}

/* Tests run outside any service manager. */
int port_notify(const char *state)
{
	(void)state;
	return AMP_ERR_NOTFOUND;
}

uint32_t port_watchdog_interval_ms(void)
{
	return 0;
}

int port_hostname(char *buf, size_t cap)
{
	return snprintf(buf, cap, "test-host") < (int)cap ? AMP_OK : AMP_ERR_FULL;
}

long port_page_size(void)
{
	return 4096;
}
