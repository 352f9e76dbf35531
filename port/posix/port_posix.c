/* The port for Linux/POSIX: non-blocking sockets with poll() deadlines, clock_gettime, getrandom. */
#define _GNU_SOURCE
#include "port.h"
#include "error.h"
#include "port_dircache.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

void port_socket_init(struct port_socket *s)
{
	s->fd = -1;
}

static port_idle_hook idle_hook;
static void *idle_ctx;
static uint64_t idle_deadline;
static int idle_running;

void port_set_idle_hook(port_idle_hook hook, void *ctx, uint64_t first_deadline_ms)
{
	idle_hook = hook;
	idle_ctx = ctx;
	idle_deadline = first_deadline_ms;
}

/*
 * Waits for `events` on fd until `timeout_ms`, retrying across signals with the remaining time, and
 * running the idle hook whenever its deadline passes meanwhile.
 */
static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
	uint64_t deadline = port_monotonic_ms() + timeout_ms;
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		uint64_t now = port_monotonic_ms();
		uint64_t until = deadline;
		int n;

		if (idle_hook != NULL && !idle_running) {
			if (now >= idle_deadline) {
				idle_running = 1;
				idle_deadline = idle_hook(idle_ctx);
				idle_running = 0;
				continue;
			}
			if (idle_deadline < until)
				until = idle_deadline;
		}
		n = poll(&p, 1, now >= until ? 0 : (int)(until - now));
		if (n > 0)
			return AMP_OK;
		if (n < 0 && errno != EINTR)
			return AMP_ERR_IO;
		if (n == 0 && port_monotonic_ms() >= deadline)
			return AMP_ERR_TIMEOUT;
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
	/*
	 * No Nagle: a request is written as several TLS records (headers, body), and with Nagle the last
	 * waited for the receiver's delayed ACK of the first, 40 ms a request. A backlog of 185 requests took
	 * 8 s to drain on loopback for that alone.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
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
static volatile sig_atomic_t reload_flag;

static void on_stop_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
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
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* a file-size limit must fail the spool's write (EFBIG: reported), not kill the agent */
	sigaction(SIGXFSZ, &sa, NULL);
}

int port_stop_requested(void)
{
	return stop_flag != 0;
}

int port_reload_requested(void)
{
	int r = reload_flag != 0;

	reload_flag = 0;
	return r;
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

/*
 * Reads until EOF or `len` bytes: with pread() from `at`, or with read() from the file's position when
 * `at` is negative. *got gets the bytes read, also on error. Returns 0 or AMP_ERR_IO.
 */
static int read_fully(int fd, char *buf, size_t len, off_t at, size_t *got)
{
	size_t done = 0;
	int rc = AMP_OK;

	while (done < len) {
		ssize_t n = at < 0 ? read(fd, buf + done, len - done) : pread(fd, buf + done, len - done, at + (off_t)done);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = AMP_ERR_IO;
			break;
		}
		done += (size_t)n;
	}
	*got = done;
	return rc;
}

int port_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd;
	size_t used = 0;
	int rc;

	*len = 0;
	if (cap == 0)
		return AMP_ERR_FULL;
	fd = port_dircache_open(path);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	/* /proc files report size 0 and must be read until EOF in one pass for a consistent snapshot. */
	rc = read_fully(fd, buf, cap - 1, -1, &used);
	if (rc == AMP_OK && used == cap - 1) {
		/* full: one byte more says whether the file was larger */
		char extra;
		ssize_t n;

		do
			n = read(fd, &extra, 1);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			rc = AMP_ERR_FULL;
		else if (n < 0)
			rc = AMP_ERR_IO;
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return rc;
}

void port_files_forget(void)
{
	port_dircache_forget();
}

static int errno_to_amp(int e)
{
	if (e == ENOENT || e == ENOTDIR)
		return AMP_ERR_NOTFOUND;
	if (e == ENOSPC || e == EDQUOT || e == EFBIG)
		return AMP_ERR_FULL;
	return AMP_ERR_IO;
}

int port_file_append(const char *path, const void *data, size_t len, int sync)
{
	const unsigned char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int rc = AMP_OK;

	if (fd < 0)
		return errno_to_amp(errno);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = errno_to_amp(errno);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == AMP_OK && sync && fdatasync(fd) != 0)
		rc = errno_to_amp(errno);
	if (close(fd) != 0 && rc == AMP_OK)
		rc = errno_to_amp(errno);
	return rc;
}

int port_file_read_at(const char *path, uint64_t offset, void *buf, size_t len, size_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	*got = 0;
	if (fd < 0)
		return errno_to_amp(errno);
	rc = read_fully(fd, buf, len, (off_t)offset, got);
	close(fd);
	return rc;
}

int port_file_size(const char *path, uint64_t *size)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno_to_amp(errno);
	*size = (uint64_t)st.st_size;
	return AMP_OK;
}

int port_file_remove(const char *path)
{
	return unlink(path) == 0 ? AMP_OK : errno_to_amp(errno);
}

int port_file_rename(const char *from, const char *to)
{
	char dir[4096];
	const char *slash = strrchr(to, '/');
	int fd;

	if (rename(from, to) != 0)
		return errno_to_amp(errno);
	/* the rename is durable only once the directory itself is */
	if (slash == NULL || (size_t)(slash - to) >= sizeof(dir))
		return AMP_OK;
	memcpy(dir, to, (size_t)(slash - to));
	dir[slash - to] = '\0';
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return AMP_OK;
}

int port_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return AMP_OK;
	return errno_to_amp(errno);
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

int port_realpath(const char *path, char *out, size_t cap)
{
	char link[48];
	int fd = open(path, O_PATH | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	/* The kernel names an open file in /proc/self/fd: no allocation, where realpath(3) may allocate. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = cap > 1 ? readlink(link, out, cap) : 0;
	close(fd);
	if (n < 0)
		return AMP_ERR_IO;
	if (n == 0 || (size_t)n >= cap)
		return AMP_ERR_FULL;
	out[n] = '\0';
	return AMP_OK;
}

int port_uname(struct port_uname *out)
{
	struct utsname u;

	if (uname(&u) != 0)
		return AMP_ERR_IO;
	snprintf(out->sysname, sizeof(out->sysname), "%s", u.sysname);
	snprintf(out->nodename, sizeof(out->nodename), "%s", u.nodename);
	snprintf(out->release, sizeof(out->release), "%s", u.release);
	snprintf(out->version, sizeof(out->version), "%s", u.version);
	snprintf(out->machine, sizeof(out->machine), "%s", u.machine);
	snprintf(out->domainname, sizeof(out->domainname), "%s", u.domainname);
	return AMP_OK;
}

int port_adjtimex(struct port_timex *out)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	if (state < 0)
		return errno == EPERM || errno == EACCES || errno == ENOSYS ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	out->state = state;
	out->offset = tx.offset;
	out->freq = tx.freq;
	out->maxerror = tx.maxerror;
	out->esterror = tx.esterror;
	out->status = tx.status;
	out->constant = tx.constant;
	out->tick = tx.tick;
	out->ppsfreq = tx.ppsfreq;
	out->jitter = tx.jitter;
	out->shift = tx.shift;
	out->stabil = tx.stabil;
	out->jitcnt = tx.jitcnt;
	out->calcnt = tx.calcnt;
	out->errcnt = tx.errcnt;
	out->stbcnt = tx.stbcnt;
	out->tai = tx.tai;
	return AMP_OK;
}

/*
 * localtime_r, not localtime: glibc's localtime_r loads the zone once, where localtime and tzset look
 * at TZ and /etc/localtime again on every call (and may allocate each time the file changed).
 */
int port_time_zone(int64_t epoch_s, char *name, size_t cap, int32_t *offset_s)
{
	time_t t = (time_t)epoch_s;
	struct tm tm;
	const char *zone;

	if (localtime_r(&t, &tm) == NULL)
		return AMP_ERR_IO;
	zone = tm.tm_zone != NULL ? tm.tm_zone : "";
	if (cap == 0 || strlen(zone) >= cap)
		return AMP_ERR_FULL;
	strcpy(name, zone);
	*offset_s = (int32_t)tm.tm_gmtoff;
	return AMP_OK;
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
	out->gid = (uint32_t)st.st_gid;
	out->is_regular = S_ISREG(st.st_mode);
	return AMP_OK;
}

/* Enough for a service account; a process in more groups is answered "no" (a warning, never a silent pass). */
#define PORT_GROUPS_MAX 64

int port_in_group(uint32_t gid)
{
	gid_t groups[PORT_GROUPS_MAX];
	int n;

	if ((gid_t)gid == getegid())
		return 1;
	n = getgroups(PORT_GROUPS_MAX, groups);
	for (int i = 0; i < n; i++) {
		if (groups[i] == (gid_t)gid)
			return 1;
	}
	return 0;
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

int port_file_mtime(const char *path, int64_t *seconds)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? AMP_ERR_NOTFOUND : AMP_ERR_IO;
	*seconds = (int64_t)st.st_mtime;
	return AMP_OK;
}

long port_clock_ticks_per_second(void)
{
	long t = sysconf(_SC_CLK_TCK);

	return t > 0 ? t : 100;
}

int port_notify(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t n, len = strlen(state);
	ssize_t sent;
	int fd;

	if (name == NULL || name[0] == '\0')
		return AMP_ERR_NOTFOUND;
	n = strlen(name);
	/* systemd also knows vsock: addresses (for virtual machines); a gateway's agent never gets one */
	if ((name[0] != '/' && name[0] != '@') || n >= sizeof(sa.sun_path))
		return AMP_ERR_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace: the name is the exact length, no NUL */
	/* a socket per message: a few a minute, and nothing to keep open or re-open across a daemon-reexec */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return AMP_ERR_IO;
	do {
		sent = sendto(fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	} while (sent < 0 && errno == EINTR);
	close(fd);
	return sent == (ssize_t)len ? AMP_OK : AMP_ERR_IO;
}

/* A decimal environment value, or -1 when unset or not a plain number of at most 18 digits. */
static long long env_number(const char *name)
{
	const char *s = getenv(name);
	long long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

uint32_t port_watchdog_interval_ms(void)
{
	long long usec = env_number("WATCHDOG_USEC");
	long long pid = env_number("WATCHDOG_PID");
	long long ms;

	if (usec <= 0 || (getenv("WATCHDOG_PID") != NULL && pid != (long long)getpid()))
		return 0;
	/* systemd's advice: ping at half the timeout, so one late wake-up is not fatal */
	ms = usec / 2000;
	if (ms < 1)
		return 1;
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

int port_hostname(char *buf, size_t cap)
{
	if (gethostname(buf, cap) != 0)
		return errno == ENAMETOOLONG ? AMP_ERR_FULL : AMP_ERR_IO;
	if (memchr(buf, '\0', cap) == NULL)
		return AMP_ERR_FULL;
	return AMP_OK;
}

long port_page_size(void)
{
	/* No guess on failure: arm64 and ppc64 boards run 16 or 64 KiB pages. */
	return sysconf(_SC_PAGESIZE);
}
