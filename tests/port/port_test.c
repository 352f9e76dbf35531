/* Test port: deterministic time and scripted sockets, so push and retry logic runs in microseconds. */
#define _POSIX_C_SOURCE 200809L
#include "port_test.h"
#include "error.h"

#include <dirent.h>
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
			port_test_advance_ms(timeout_ms); /* a timeout costs the time it waited */
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
	out->is_regular = S_ISREG(st.st_mode);
	return AMP_OK;
}

void port_syslog_open(void)
{
}

/* The test port's system log is stderr, marked, so tests can capture it. */
void port_syslog_write(int level, const char *line)
{
	fprintf(stderr, "syslog[%d] %s\n", level, line);
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

long port_clock_ticks_per_second(void)
{
	return 100;
}

int port_hostname(char *buf, size_t cap)
{
	return snprintf(buf, cap, "test-host") < (int)cap ? AMP_OK : AMP_ERR_FULL;
}
