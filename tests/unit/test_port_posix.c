/* Tests of the POSIX port's file access (whole-file reads, heap-free directory listing) and its TCP connections. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "port.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/amp-port-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_read_file(void **state)
{
	char path[256], buf[8];
	size_t len;

	(void)state;
	put("seven", "1234567");
	put("eight", "12345678");
	snprintf(path, sizeof(path), "%s/seven", dir);
	assert_int_equal(port_read_file(path, buf, sizeof(buf), &len), AMP_OK);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "1234567");
	/* one byte more than fits is an error, never a silent cut */
	snprintf(path, sizeof(path), "%s/eight", dir);
	assert_int_equal(port_read_file(path, buf, sizeof(buf), &len), AMP_ERR_FULL);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(port_read_file(path, buf, sizeof(buf), &len), AMP_ERR_NOTFOUND);
	assert_int_equal(port_read_file(dir, buf, sizeof(buf), &len), AMP_ERR_IO);
}

struct listing {
	unsigned files, dirs, stop_after;
	int saw_link_dir;
};

static int count_entry(void *ctx, const char *name, int is_dir)
{
	struct listing *l = ctx;

	if (is_dir)
		l->dirs++;
	else
		l->files++;
	if (strcmp(name, "link-to-sub") == 0)
		l->saw_link_dir = is_dir;
	if (l->stop_after && l->files + l->dirs == l->stop_after)
		return 42;
	return 0;
}

static void test_dir_list(void **state)
{
	struct listing l = {0};
	char path[256], target[256];

	(void)state;
	/* more entries than one 8 KiB getdents64 buffer holds */
	for (int i = 0; i < 600; i++) {
		char name[64];

		snprintf(name, sizeof(name), "file-with-a-long-name-to-fill-the-buffer-%04d.prom", i);
		put(name, "x");
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(target, sizeof(target), "%s/link-to-sub", dir);
	assert_int_equal(symlink(path, target), 0);
	assert_int_equal(port_dir_list(dir, count_entry, &l), AMP_OK);
	assert_int_equal(l.files, 600);
	assert_int_equal(l.dirs, 2);
	assert_true(l.saw_link_dir);
	memset(&l, 0, sizeof(l));
	l.stop_after = 5;
	assert_int_equal(port_dir_list(dir, count_entry, &l), 42);
	assert_int_equal(l.files + l.dirs, 5);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(port_dir_list(path, count_entry, &l), AMP_ERR_NOTFOUND);
	snprintf(path, sizeof(path), "%s/sub/../file-with-a-long-name-to-fill-the-buffer-0000.prom", dir);
	assert_int_equal(port_dir_list(path, count_entry, &l), AMP_ERR_NOTFOUND);
}

/* A connection has Nagle off: a request's last TLS record must not wait for the receiver's delayed ACK. */
static void test_tcp_nodelay(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct port_socket s;
	int listener, nodelay = 0;
	socklen_t olen = sizeof(nodelay);

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &alen), 0);
	port_socket_init(&s);
	assert_int_equal(port_tcp_connect(&s, "127.0.0.1", ntohs(a.sin_port), 2000), AMP_OK);
	assert_int_equal(getsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &olen), 0);
	assert_int_not_equal(nodelay, 0);
	port_tcp_close(&s);
	close(listener);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_list, setup, teardown),
		cmocka_unit_test(test_tcp_nodelay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
