/* The port for Linux/POSIX: non-blocking sockets with poll() deadlines, clock_gettime, getrandom. */
#define _GNU_SOURCE
#include "port.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

void port_socket_init(struct port_socket *s)
{
	s->fd = -1;
}

/* Waits for `events` on fd until `timeout_ms`; retries across signals with the remaining time. */
static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
	uint64_t deadline = port_monotonic_ms() + timeout_ms;
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		uint64_t now = port_monotonic_ms();
		int left = now >= deadline ? 0 : (int)(deadline - now);
		int n = poll(&p, 1, left);

		if (n > 0)
			return AMP_OK;
		if (n == 0)
			return AMP_ERR_TIMEOUT;
		if (errno != EINTR)
			return AMP_ERR_IO;
	}
}

static int connect_one(const struct addrinfo *ai, uint32_t timeout_ms, int *out_fd)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	int soerr = 0;
	socklen_t slen = sizeof(soerr);
	int rc;

	if (fd < 0)
		return AMP_ERR_CONNECT;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto connected;
	if (errno != EINPROGRESS) {
		rc = AMP_ERR_CONNECT;
		goto fail;
	}
	rc = wait_fd(fd, POLLOUT, timeout_ms);
	if (rc != AMP_OK)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0 || soerr != 0) {
		rc = AMP_ERR_CONNECT;
		goto fail;
	}
connected:
	*out_fd = fd;
	return AMP_OK;
fail:
	close(fd);
	return rc;
}

int port_tcp_connect(struct port_socket *s, const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char service[8];
	uint64_t deadline = port_monotonic_ms() + timeout_ms;
	int rc = AMP_ERR_CONNECT;

	port_tcp_close(s);
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	if (getaddrinfo(host, service, &hints, &res) != 0 || res == NULL)
		return AMP_ERR_NOTFOUND;
	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		uint64_t now = port_monotonic_ms();

		if (now >= deadline) {
			rc = AMP_ERR_TIMEOUT;
			break;
		}
		rc = connect_one(ai, (uint32_t)(deadline - now), &s->fd);
		if (rc == AMP_OK)
			break;
	}
	freeaddrinfo(res);
	return rc;
}

int port_tcp_send(struct port_socket *s, const void *buf, size_t len, uint32_t timeout_ms)
{
	for (;;) {
		ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
		int rc;

		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET)
			return AMP_ERR_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return AMP_ERR_IO;
		rc = wait_fd(s->fd, POLLOUT, timeout_ms);
		if (rc != AMP_OK)
			return rc;
	}
}

int port_tcp_recv(struct port_socket *s, void *buf, size_t len, uint32_t timeout_ms)
{
	for (;;) {
		ssize_t n = recv(s->fd, buf, len, 0);
		int rc;

		if (n > 0)
			return (int)n;
		if (n == 0)
			return AMP_ERR_CLOSED;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return AMP_ERR_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return AMP_ERR_IO;
		rc = wait_fd(s->fd, POLLIN, timeout_ms);
		if (rc != AMP_OK)
			return rc;
	}
}

void port_tcp_close(struct port_socket *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

uint64_t port_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t port_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void port_sleep_ms(uint32_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};

	(void)nanosleep(&ts, NULL);
}

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void port_stop_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int port_stop_requested(void)
{
	return stop_flag != 0;
}

int port_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return AMP_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return AMP_OK;
}

int port_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd;
	size_t used = 0;
	int rc = AMP_OK;

	*len = 0;
	if (cap == 0)
		return AMP_ERR_FULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	/* /proc files report size 0 and must be read until EOF in one pass for a consistent snapshot. */
	for (;;) {
		ssize_t n;

		if (used == cap - 1) {
			char extra;

			n = read(fd, &extra, 1);
			if (n > 0)
				rc = AMP_ERR_FULL;
			else if (n < 0 && errno == EINTR)
				continue;
			else if (n < 0)
				rc = AMP_ERR_IO;
			break;
		}
		n = read(fd, buf + used, cap - 1 - used);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = AMP_ERR_IO;
			break;
		}
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return rc;
}

int port_dir_list(const char *path, port_dir_fn fn, void *ctx)
{
	/* getdents64 into a static buffer: opendir would allocate on every call */
	static char buf[8192] __attribute__((aligned(8)));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = AMP_OK;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = AMP_ERR_IO;
			break;
		}
		for (ssize_t off = 0; off < n && rc == AMP_OK;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			int is_dir = d->d_type == DT_DIR;

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			/* /sys links its devices, and some file systems do not fill d_type: ask stat */
			if (d->d_type == DT_LNK || d->d_type == DT_UNKNOWN) {
				struct stat st;

				is_dir = fstatat(fd, d->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
			}
			rc = fn(ctx, d->d_name, is_dir);
		}
		if (rc != AMP_OK)
			break;
	}
	close(fd);
	return rc;
}

int port_getenv(const char *name, char *buf, size_t cap)
{
	const char *v = getenv(name);
	size_t n;

	if (cap > 0)
		buf[0] = '\0';
	if (v == NULL)
		return AMP_ERR_NOTFOUND;
	n = strlen(v);
	if (n >= cap)
		return AMP_ERR_FULL;
	memcpy(buf, v, n + 1);
	return AMP_OK;
}

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int port_file_stat(const char *path, struct port_file_info *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->size = (uint64_t)st.st_size;
	out->mtime_ns = timespec_ns(&st.st_mtim);
	out->ctime_ns = timespec_ns(&st.st_ctim);
	out->mode = (uint32_t)(st.st_mode & 07777);
	out->uid = (uint32_t)st.st_uid;
	out->is_regular = S_ISREG(st.st_mode);
	return AMP_OK;
}

void port_syslog_open(void)
{
	openlog("amp-agent", LOG_PID, LOG_DAEMON);
}

void port_syslog_write(int level, const char *line)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

	syslog(prio[level < 0 ? 0 : level > 3 ? 3 : level], "%s", line);
}

long port_clock_ticks_per_second(void)
{
	long t = sysconf(_SC_CLK_TCK);

	return t > 0 ? t : 100;
}

int port_hostname(char *buf, size_t cap)
{
	if (gethostname(buf, cap) != 0)
		return errno == ENAMETOOLONG ? AMP_ERR_FULL : AMP_ERR_IO;
	if (memchr(buf, '\0', cap) == NULL)
		return AMP_ERR_FULL;
	return AMP_OK;
}
