/* The port: amp-agent's only door to the operating system (sockets, clocks, randomness, files). */
#ifndef AMP_PORT_H
#define AMP_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Port functions return 0 (or a byte count) on success and a negative AMP_ERR_* value on failure. */

/* A TCP connection. `fd` is -1 when closed; the port owns its meaning. */
struct port_socket {
	int fd;
};

/* Makes a socket safe to close. Cannot fail. */
void port_socket_init(struct port_socket *s);

/*
 * Resolves `host` and connects to `port`, trying every address the name resolves to until one
 * answers (localhost may resolve to ::1 that refuses and 127.0.0.1 that accepts).
 * Returns 0, AMP_ERR_NOTFOUND (name does not resolve), AMP_ERR_CONNECT or AMP_ERR_TIMEOUT.
 */
int port_tcp_connect(struct port_socket *s, const char *host, uint16_t port, uint32_t timeout_ms);

/* Sends up to `len` bytes; returns the count sent (> 0), AMP_ERR_TIMEOUT, AMP_ERR_CLOSED or AMP_ERR_IO. */
int port_tcp_send(struct port_socket *s, const void *buf, size_t len, uint32_t timeout_ms);

/* Receives up to `len` bytes; returns the count (> 0), AMP_ERR_CLOSED at end of stream, AMP_ERR_TIMEOUT or AMP_ERR_IO. */
int port_tcp_recv(struct port_socket *s, void *buf, size_t len, uint32_t timeout_ms);

/* Closes the connection; idempotent. */
void port_tcp_close(struct port_socket *s);

/*
 * The idle hook keeps the agent's schedule while the network is slow: whenever the port waits on a
 * socket (connect, send, receive) past the deadline the hook last returned, it calls the hook, which
 * collects and returns its next deadline (monotonic ms). Never called re-entrantly. NULL removes it.
 * Name resolution (getaddrinfo) cannot be interrupted this way.
 */
typedef uint64_t (*port_idle_hook)(void *ctx);
void port_set_idle_hook(port_idle_hook hook, void *ctx, uint64_t first_deadline_ms);

/* Milliseconds of a clock that never jumps (counts from an arbitrary origin). */
uint64_t port_monotonic_ms(void);

/* Milliseconds since the Unix epoch by the wall clock, which may be wrong on a device without RTC. */
int64_t port_realtime_ms(void);

/* Sleeps up to `ms`; returns early when a signal arrives (so a stop request is seen at once). */
void port_sleep_ms(uint32_t ms);

/*
 * Makes SIGTERM and SIGINT request a stop and SIGHUP a reload instead of killing the process; ignores
 * SIGPIPE and SIGXFSZ (a write past a file-size limit then fails instead).
 */
void port_stop_signals_install(void);

/* True once SIGTERM or SIGINT arrived. */
int port_stop_requested(void);

/* True once per SIGHUP (reading it clears it): reload the configuration. */
int port_reload_requested(void);

/* Fills `buf` with cryptographically secure random bytes. Returns 0 or AMP_ERR_IO. */
int port_random(void *buf, size_t len);

/*
 * Reads a whole file into `buf` and NUL-terminates it; `*len` gets the byte count (without the NUL), also
 * when it fails after reading some (a caller wipes just those bytes). Returns 0, AMP_ERR_NOTFOUND, AMP_ERR_IO, or AMP_ERR_FULL when the file does not fit in cap - 1 bytes
 * (a truncated /proc file would be parsed wrongly, so it is an error, not a short read).
 */
int port_read_file(const char *path, char *buf, size_t cap, size_t *len);

/*
 * Lets go of what the port holds to make port_read_file cheaper (the POSIX port keeps the /proc and /sys
 * directories open: port/posix/port_dircache.h), so the next reads look every path up afresh. A reload
 * calls it: the files to read may have changed.
 */
void port_files_forget(void);

/*
 * Files the spool writes (append-only, flash-friendly). port_file_append opens `path` (creating it with
 * mode 0600), appends all of `data`, and with `sync` flushes it to the device (fdatasync) before closing.
 * Returns 0, AMP_ERR_NOTFOUND (no such directory), AMP_ERR_FULL (no space: ENOSPC/EDQUOT) or AMP_ERR_IO
 * (read-only file system, permissions, ...).
 */
int port_file_append(const char *path, const void *data, size_t len, int sync);

/* Reads up to `len` bytes at `offset`; *got gets the count (0 at end). Returns 0, AMP_ERR_NOTFOUND or AMP_ERR_IO. */
int port_file_read_at(const char *path, uint64_t offset, void *buf, size_t len, size_t *got);

/* Size of a file. Returns 0, AMP_ERR_NOTFOUND or AMP_ERR_IO. */
int port_file_size(const char *path, uint64_t *size);

/* Removes a file (AMP_ERR_NOTFOUND when it was not there). */
int port_file_remove(const char *path);

/* Renames atomically and makes the rename durable (fsync of the directory). Returns 0 or AMP_ERR_IO. */
int port_file_rename(const char *from, const char *to);

/* Creates a directory (mode 0700) unless it exists. Returns 0, AMP_ERR_NOTFOUND (no parent) or AMP_ERR_IO. */
int port_mkdir(const char *path);

/*
 * Copies the value of the environment variable `name` into `buf`, NUL-terminated.
 * Returns 0, AMP_ERR_NOTFOUND (not set) or AMP_ERR_FULL (the value does not fit cap - 1 bytes; buf is "").
 */
int port_getenv(const char *name, char *buf, size_t cap);

/* What port_file_stat reports: enough to see that a file was replaced or rewritten, and who may read it. */
struct port_file_info {
	uint64_t dev;
	uint64_t ino;
	uint64_t size;
	int64_t mtime_ns;  /* last modification */
	int64_t ctime_ns;  /* last status change: also moves when a rewrite keeps size and mtime */
	uint32_t mode;     /* permission bits (07777) */
	uint32_t uid;      /* owner */
	uint32_t gid;      /* group */
	int is_regular;    /* 1 for a regular file (after following links) */
};

/* Status of the file at `path` (links followed). Returns 0, AMP_ERR_NOTFOUND or AMP_ERR_IO. */
int port_file_stat(const char *path, struct port_file_info *out);

/*
 * 1 when `gid` is the process's effective group or one of its supplementary groups, else 0 (also when the
 * process has more supplementary groups than the port looks at: the caller then errs on the side of a warning).
 */
int port_in_group(uint32_t gid);

/* Opens the system log (ident "amp-agent", facility daemon). */
void port_syslog_open(void);

/* Writes one line to the system log; level 0 error, 1 warning, 2 info, 3 debug. */
void port_syslog_write(int level, const char *line);

/* Called by port_dir_list for each entry; a non-zero return stops the listing and is returned. */
typedef int (*port_dir_fn)(void *ctx, const char *name, int is_dir);

/*
 * Calls fn for every entry of the directory `path` but "." and "..", in no particular order; `is_dir` is
 * 1 for a directory (or a link to one), 0 otherwise. Uses no heap (no opendir).
 * Returns 0, fn's non-zero value, AMP_ERR_NOTFOUND (no such directory) or AMP_ERR_IO.
 */
int port_dir_list(const char *path, port_dir_fn fn, void *ctx);

/*
 * The modification time of the file `path` (links followed), in whole seconds since the Unix epoch, as
 * node_exporter's node_textfile_mtime_seconds reports it. Returns 0, AMP_ERR_NOTFOUND or AMP_ERR_IO.
 */
int port_file_mtime(const char *path, int64_t *seconds);

/*
 * The canonical absolute path of `path`, every symbolic link resolved (as the kernel names the file).
 * Returns 0, AMP_ERR_NOTFOUND, AMP_ERR_FULL (longer than cap - 1) or AMP_ERR_IO.
 */
int port_realpath(const char *path, char *out, size_t cap);

/* uname(2)'s fields, NUL-terminated (Linux keeps each within 64 bytes). */
struct port_uname {
	char sysname[65];
	char nodename[65];
	char release[65];
	char version[65];
	char machine[65];
	char domainname[65];
};

/* Fills `out` from uname(2). Returns 0 or AMP_ERR_IO. */
int port_uname(struct port_uname *out);

/* The kernel clock discipline's state, read with adjtimex(2) without changing anything (modes = 0). */
struct port_timex {
	int state;          /* the call's result: TIME_OK (0) ... TIME_ERROR (5, the clock is not synchronised) */
	int64_t offset;     /* microseconds, or nanoseconds when status has STA_NANO (0x2000) */
	int64_t freq;       /* ppm with a 16-bit binary fraction */
	int64_t maxerror;   /* microseconds */
	int64_t esterror;   /* microseconds */
	int32_t status;     /* STA_* bits */
	int64_t constant;   /* PLL time constant */
	int64_t tick;       /* microseconds between clock ticks */
	int64_t ppsfreq;    /* ppm with a 16-bit binary fraction */
	int64_t jitter;     /* microseconds, or nanoseconds with STA_NANO */
	int32_t shift;      /* PPS interval duration, log2 seconds */
	int64_t stabil;     /* ppm with a 16-bit binary fraction */
	int64_t jitcnt;
	int64_t calcnt;
	int64_t errcnt;
	int64_t stbcnt;
	int32_t tai;        /* TAI - UTC, seconds */
};

/*
 * Reads the clock discipline (adjtimex(2), modes = 0). Returns 0, AMP_ERR_NOTFOUND when the system
 * refuses the call (EPERM, ENOSYS: a seccomp filter in a container) or AMP_ERR_IO.
 */
int port_adjtimex(struct port_timex *out);

/*
 * The local time zone (TZ, else /etc/localtime) at `epoch_s`: its abbreviation ("UTC", "CEST") into
 * `name` and its offset east of UTC in seconds. Returns 0, AMP_ERR_FULL (name longer than cap - 1)
 * or AMP_ERR_IO.
 */
int port_time_zone(int64_t epoch_s, char *name, size_t cap, int32_t *offset_s);

/* What statfs(2) tells of a mounted file system (node_exporter multiplies the counts by f_bsize). */
struct port_statfs_info {
	uint64_t bsize;
	uint64_t blocks;
	uint64_t bfree;
	uint64_t bavail;
	uint64_t files;
	uint64_t ffree;
};

/* Most helpers the port abandons to stuck mounts before port_statfs refuses to start another. */
#define PORT_STATFS_MAX_STUCK 16

/*
 * statfs(2) of `path`, run in a helper (the POSIX port: a thread) so that a dead network mount, where
 * statfs sleeps until the server answers, cannot hold the caller past `timeout_ms`. The helper starts at
 * first use; one that misses the deadline is abandoned (a new one starts at the next call), and `path`
 * stays stuck until that helper's statfs has returned: until then calls for it fail at once, without
 * waiting. Returns 0, AMP_ERR_TIMEOUT (no answer in time, or still stuck), AMP_ERR_NOTFOUND,
 * AMP_ERR_FULL (path too long, or PORT_STATFS_MAX_STUCK helpers still stuck) or AMP_ERR_IO.
 */
int port_statfs(const char *path, struct port_statfs_info *out, uint32_t timeout_ms);

/* Clock ticks per second of /proc/stat's CPU times (sysconf(_SC_CLK_TCK)). */
long port_clock_ticks_per_second(void);

/*
 * Tells the service manager the agent's state with systemd's notify protocol, without libsystemd: one
 * datagram ("READY=1", "WATCHDOG=1", "STOPPING=1", ...) to the unix socket $NOTIFY_SOCKET names (a path,
 * or "@name" in the abstract namespace). Returns 0, AMP_ERR_NOTFOUND when NOTIFY_SOCKET is unset (not
 * started by systemd with Type=notify: nothing to do) or AMP_ERR_IO (unusable socket name, send failed).
 */
int port_notify(const char *state);

/*
 * How often the agent must send "WATCHDOG=1": half of $WATCHDOG_USEC (systemd's WatchdogSec), when the
 * watchdog is meant for this process ($WATCHDOG_PID unset or ours); 0 when there is no watchdog.
 */
uint32_t port_watchdog_interval_ms(void);

/* The host name, NUL-terminated. Returns 0 or AMP_ERR_IO / AMP_ERR_FULL. */
int port_hostname(char *buf, size_t cap);

/* Bytes per memory page (sysconf(_SC_PAGESIZE)), or -1 if unknown: /proc/net/sockstat counts socket memory in pages. */
long port_page_size(void);

#endif
