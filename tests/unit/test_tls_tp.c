/* Tests of the connection's CONNECT tunnel through an HTTP proxy, on the test port's scripted sockets (plain TCP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "port_test.h"
#include "tls.h"

static struct amp_tls tls;

static int setup(void **state)
{
	(void)state;
	port_test_reset();
	amp_tls_init(&tls);
	assert_int_equal(amp_tls_setup(&tls, false, NULL, 1000), AMP_OK);
	amp_tls_set_proxy(&tls, "proxy.corp.example", 3128);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amp_tls_free(&tls);
	return 0;
}

/* A proxy connection answering `answer` (NULL: nothing) and then closing. */
static struct port_test_conn *proxy_answers(const char *answer)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);

	if (answer != NULL)
		port_test_add_recv(c, answer);
	port_test_add_recv_rc(c, AMP_ERR_CLOSED);
	return c;
}

/* 200: the tunnel is up, and what followed the answer's head is the server's, left unread. */
static void test_tunnel(void **state)
{
	struct port_test_conn *c =
		proxy_answers("HTTP/1.1 200 Connection established\r\nProxy-Agent: squid\r\n\r\nserver bytes");
	char buf[64];
	int n;

	(void)state;
	assert_int_equal(amp_tls_connect(&tls, "aps-workspaces.us-east-1.amazonaws.com", 443), AMP_OK);
	assert_string_equal(c->host, "proxy.corp.example");
	assert_int_equal(c->port, 3128);
	c->sent[c->sent_len] = '\0';
	assert_string_equal(c->sent, "CONNECT aps-workspaces.us-east-1.amazonaws.com:443 HTTP/1.1\r\n"
				     "Host: aps-workspaces.us-east-1.amazonaws.com:443\r\n\r\n");
	n = amp_tls_read(&tls, buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_memory_equal(buf, "server bytes", 12);
	amp_tls_close(&tls);
}

/* An IPv6 receiver is named in brackets; any 2xx opens the tunnel, with or without a reason phrase. */
static void test_tunnel_ipv6(void **state)
{
	static const char *const answers[] = {"HTTP/1.0 200 OK\r\n\r\n", "HTTP/1.1 200\r\n\r\n",
					      "HTTP/1.1 204 \r\n\r\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct port_test_conn *c;

		port_test_clear_conns();
		c = proxy_answers(answers[i]);
		assert_int_equal(amp_tls_connect(&tls, "fd00::5", 8443), AMP_OK);
		c->sent[c->sent_len] = '\0';
		assert_string_equal(c->sent, "CONNECT [fd00::5]:8443 HTTP/1.1\r\nHost: [fd00::5]:8443\r\n\r\n");
		amp_tls_close(&tls);
	}
}

#define NOT_HTTP "proxy proxy.corp.example:3128: not an HTTP answer to CONNECT"
#define REFUSED "proxy proxy.corp.example:3128 refused the tunnel to host.example:443: "

static void test_refusals(void **state)
{
	static const struct {
		const char *answer;
		int rc;
		const char *error;
	} cases[] = {
		{"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n", AMP_ERR_CONNECT,
		 REFUSED "HTTP/1.1 407 Proxy Authentication Required"},
		/* the status line goes to the log: what is not printable ASCII shows as '?' (found by fuzz_proxy) */
		{"HTTP/1.1 502 Bad Ga\x8f" "eway\r\n\r\n", AMP_ERR_CONNECT, REFUSED "HTTP/1.1 502 Bad Ga?eway"},
		{"HTTP/1.1 403 \x1b[2J\x1b[31mfake\tlog\x07\r\n\r\n", AMP_ERR_CONNECT,
		 REFUSED "HTTP/1.1 403 ?[2J?[31mfake log?"},
		{"SSH-2.0-OpenSSH_9.2\r\n\r\n", AMP_ERR_HTTP, NOT_HTTP},
		{"HTTP/1.1 200 Connection estab", AMP_ERR_CLOSED, "proxy proxy.corp.example:3128: connection closed by peer"},
		/* status lines amp_http_response_feed refuses are no tunnel either (were 200s: found by fuzz_proxy) */
		{"HTTP/1.1 2000 OK\r\n\r\n", AMP_ERR_HTTP, NOT_HTTP},
		{"HTTP/1.1200 OK\r\n\r\n", AMP_ERR_HTTP, NOT_HTTP},
		{"HTTP/1.1  200 OK\r\n\r\n", AMP_ERR_HTTP, NOT_HTTP},
		{"HTTP/1.1\r\n200 OK\r\n\r\n", AMP_ERR_HTTP, NOT_HTTP},
		{"HTTP/1.2 200 OK\r\n\r\n", AMP_ERR_HTTP, NOT_HTTP},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct port_test_conn *c;

		port_test_clear_conns();
		c = proxy_answers(cases[i].answer);
		assert_int_equal(amp_tls_connect(&tls, "host.example", 443), cases[i].rc);
		assert_string_equal(tls.error, cases[i].error);
		assert_true(c->closed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
