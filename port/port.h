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

/* Milliseconds of a clock that never jumps (counts from an arbitrary origin). */
uint64_t port_monotonic_ms(void);

/* Milliseconds since the Unix epoch by the wall clock, which may be wrong on a device without RTC. */
int64_t port_realtime_ms(void);

/* Sleeps up to `ms`; returns early when a signal arrives (so a stop request is seen at once). */
void port_sleep_ms(uint32_t ms);

/* Makes SIGTERM and SIGINT request a stop instead of killing the process, and ignores SIGPIPE. */
void port_stop_signals_install(void);

/* True once SIGTERM or SIGINT arrived. */
int port_stop_requested(void);

/* Fills `buf` with cryptographically secure random bytes. Returns 0 or AMP_ERR_IO. */
int port_random(void *buf, size_t len);

/*
 * Reads a whole file into `buf` and NUL-terminates it; `*len` gets the byte count (without the NUL).
 * Returns 0, AMP_ERR_NOTFOUND, AMP_ERR_IO, or AMP_ERR_FULL when the file does not fit in cap - 1 bytes
 * (a truncated /proc file would be parsed wrongly, so it is an error, not a short read).
 */
int port_read_file(const char *path, char *buf, size_t cap, size_t *len);

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
	int is_regular;    /* 1 for a regular file (after following links) */
};

/* Status of the file at `path` (links followed). Returns 0, AMP_ERR_NOTFOUND or AMP_ERR_IO. */
int port_file_stat(const char *path, struct port_file_info *out);

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

/* Clock ticks per second of /proc/stat's CPU times (sysconf(_SC_CLK_TCK)). */
long port_clock_ticks_per_second(void);

/* The host name, NUL-terminated. Returns 0 or AMP_ERR_IO / AMP_ERR_FULL. */
int port_hostname(char *buf, size_t cap);

#endif
