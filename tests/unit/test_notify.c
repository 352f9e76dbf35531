/* Tests of the POSIX port's systemd notify protocol: port_notify() and port_watchdog_interval_ms(). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"
#include "port.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/amp-notify-XXXXXX");
	assert_non_null(mkdtemp(dir));
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/notify", dir);
	unlink(path);
	unsetenv("NOTIFY_SOCKET");
	return rmdir(dir);
}

/* A datagram socket the way systemd listens: bound to `name` ("@..." abstract), with a receive timeout. */
static int listener(const char *name)
{
	struct sockaddr_un sa;
	struct timeval tv = {.tv_sec = 2};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(n < sizeof(sa.sun_path));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void expect_datagram(int fd, const char *text)
{
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static void test_not_under_systemd(void **state)
{
	(void)state;
	assert_int_equal(port_notify("READY=1"), AMP_ERR_NOTFOUND);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(port_notify("READY=1"), AMP_ERR_NOTFOUND);
}

static void test_path_socket(void **state)
{
	char path[128];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(port_notify("READY=1"), AMP_OK);
	assert_int_equal(port_notify("WATCHDOG=1"), AMP_OK);
	assert_int_equal(port_notify("STOPPING=1"), AMP_OK);
	expect_datagram(fd, "READY=1");
	expect_datagram(fd, "WATCHDOG=1");
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}

static void test_abstract_socket(void **state)
{
	char name[64];
	int fd;

	(void)state;
	snprintf(name, sizeof(name), "@amp-notify-test-%ld", (long)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(port_notify("READY=1"), AMP_OK);
	expect_datagram(fd, "READY=1");
	close(fd);
}

static void test_unusable_names(void **state)
{
	static const char *const names[] = {
		"relative/notify",          /* neither a path nor abstract */
		"vsock:2:1234",             /* systemd's VM transport: not for a gateway */
		"/nonexistent/amp/notify",  /* nobody listens */
	};
	char too_long[200];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		setenv("NOTIFY_SOCKET", names[i], 1);
		assert_int_equal(port_notify("READY=1"), AMP_ERR_IO);
	}
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[0] = '/';
	too_long[sizeof(too_long) - 1] = '\0';
	setenv("NOTIFY_SOCKET", too_long, 1);
	assert_int_equal(port_notify("READY=1"), AMP_ERR_IO);
}

static void test_watchdog_interval(void **state)
{
	char ours[32], other[32];
	const struct {
		const char *usec; /* NULL: unset */
		const char *pid;  /* NULL: unset */
		uint32_t ms;
	} cases[] = {
		{NULL, NULL, 0},
		{"2000000", NULL, 1000},    /* WatchdogSec=2: ping every second */
		{"2000000", ours, 1000},
		{"2000000", other, 0},      /* meant for another process (a wrapper's child) */
		{"180000000", NULL, 90000},
		{"1", NULL, 1},             /* absurdly short, still a watchdog */
		{"0", NULL, 0},
		{"", NULL, 0},
		{"12s", NULL, 0},
		{"-5", NULL, 0},
		{" 5", NULL, 0},
		{"99999999999999999999", NULL, 0}, /* does not fit */
		{"999999999999999999", NULL, UINT32_MAX},
		{"2000000", "x", 0},
	};

	(void)state;
	snprintf(ours, sizeof(ours), "%ld", (long)getpid());
	snprintf(other, sizeof(other), "%ld", (long)getpid() + 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].usec)
			setenv("WATCHDOG_USEC", cases[i].usec, 1);
		else
			unsetenv("WATCHDOG_USEC");
		if (cases[i].pid)
			setenv("WATCHDOG_PID", cases[i].pid, 1);
		else
			unsetenv("WATCHDOG_PID");
		if (port_watchdog_interval_ms() != cases[i].ms)
			fail_msg("case %zu: WATCHDOG_USEC=%s WATCHDOG_PID=%s: %u ms, expected %u", i,
				 cases[i].usec ? cases[i].usec : "(unset)", cases[i].pid ? cases[i].pid : "(unset)",
				 (unsigned)port_watchdog_interval_ms(), (unsigned)cases[i].ms);
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_under_systemd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abstract_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_interval, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
