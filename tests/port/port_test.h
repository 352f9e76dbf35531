/* The test port: port.h with a settable clock, scripted connections and a fixture file root. */
#ifndef AMP_PORT_TEST_H
#define AMP_PORT_TEST_H

#include "port.h"

#include <stddef.h>
#include <stdint.h>

#define PORT_TEST_MAX_CONNECTIONS 8
#define PORT_TEST_MAX_STEPS 16
#define PORT_TEST_SENT_MAX 65536

/* What one recv() call on a scripted connection yields. */
struct port_test_step {
	const char *data; /* bytes to hand out (NULL: return `rc`) */
	size_t len;       /* 0 with data: strlen(data) */
	int rc;           /* AMP_ERR_CLOSED, AMP_ERR_TIMEOUT, ... when data is NULL */
};

/* One connection the code under test will open, in order. */
struct port_test_conn {
	int connect_rc;   /* what port_tcp_connect returns */
	int send_rc;      /* 0: sends succeed; else every send returns this */
	struct port_test_step steps[PORT_TEST_MAX_STEPS];
	unsigned step_count;
	/* filled in as the test runs */
	char sent[PORT_TEST_SENT_MAX];
	size_t sent_len;
	unsigned next_step;
	int closed;
	char host[256];
	uint16_t port;
};

/* Forgets every script and the environment, sets the clocks to 0 (monotonic) and 1.7e12 ms or a day after
 * the build date, whichever is later (wall). */
void port_test_reset(void);

/* Appends a connection to the script; returns it for filling in. */
struct port_test_conn *port_test_add_conn(int connect_rc);

/* Appends a recv step to a connection. */
void port_test_add_recv(struct port_test_conn *c, const char *data);
void port_test_add_recv_rc(struct port_test_conn *c, int rc);

/*
 * From now on every connect succeeds and every request gets `response` (for long runs where a script
 * would not do); NULL turns this off. Counts the requests answered.
 */
void port_test_set_auto_response(const char *response);
unsigned long port_test_auto_requests(void);

/* Connections opened so far. */
unsigned port_test_connections(void);

void port_test_set_monotonic_ms(uint64_t ms);
void port_test_set_realtime_ms(int64_t ms);
void port_test_advance_ms(uint64_t ms);

/* Files are read from this root prefixed to every path (default ""). */
void port_test_set_file_root(const char *root);

/*
 * The fakes of the system calls the /sys and system collectors use. Until a test changes them:
 * uname Linux/test-host/aarch64, a synchronised clock (adjtimex state 0, STA_NANO), zone UTC+0, and
 * statfs answering every path with the same numbers (bsize 4096, 1000000 blocks). port_realpath
 * resolves under the file root for real.
 */
void port_test_sys_defaults(void);
void port_test_sys_uname(int rc, const struct port_uname *u);
void port_test_sys_timex(int rc, const struct port_timex *t);
void port_test_sys_time_zone(const char *name, int32_t offset_s);
/* statfs of `path` returns rc (info when 0; NULL: the default numbers); AMP_ERR_TIMEOUT costs the timeout. */
void port_test_sys_statfs(const char *path, int rc, const struct port_statfs_info *info);
unsigned long port_test_sys_statfs_calls(void);

/* Sets (value non-NULL) or unsets an environment variable of port_getenv; port_test_reset empties them all. */
void port_test_setenv(const char *name, const char *value);

/* Forgets the connection script only (clocks, files and environment stay), for long scripted tests. */
void port_test_clear_conns(void);

#endif
