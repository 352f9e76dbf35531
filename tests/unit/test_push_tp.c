/* Tests of the push path on the test port: request bytes, keep-alive reuse, stale connections, errors, deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clock.h"
#include "port_test.h"
#include "push.h"

static struct amp_config cfg;
static struct amp_push push;
static const char body[] = "\x01\x02snappy-bytes\x00\xff";
#define BODY_LEN (sizeof(body) - 1)

static const char ok_response[] = "HTTP/1.1 204 No Content\r\nDate: Thu, 26 Nov 2026 10:00:00 GMT\r\n\r\n";

static int setup(void **state)
{
	(void)state;
	port_test_reset();
	amp_clock_reset();
	amp_config_defaults(&cfg);
	assert_int_equal(amp_config_parse_url("http://receiver.example:9090/api/v1/write?tenant=a", &cfg.url), AMP_OK);
	cfg.remote_timeout_ms = 5000;
	amp_push_init(&push);
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amp_push_free(&push);
	return 0;
}

static const char *header_value(const char *req, const char *name, char *out, size_t cap)
{
	const char *p = strstr(req, name);
	size_t n;

	if (p == NULL)
		return NULL;
	p += strlen(name);
	n = strcspn(p, "\r");
	if (n >= cap)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static void test_unsigned_request_bytes(void **state)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);
	struct amp_push_result res;
	const char *expect_head = "POST /api/v1/write?tenant=a HTTP/1.1\r\n"
				  "Host: receiver.example:9090\r\n"
				  "Content-Encoding: snappy\r\n"
				  "Content-Type: application/x-protobuf\r\n"
				  "User-Agent: amp-agent/" AMP_VERSION "\r\n"
				  "X-Prometheus-Remote-Write-Version: 0.1.0\r\n"
				  "Content-Length: 16\r\n\r\n";

	(void)state;
	port_test_add_recv(c, ok_response);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(res.status, 204);
	assert_string_equal(res.date, "Thu, 26 Nov 2026 10:00:00 GMT");
	assert_string_equal(c->host, "receiver.example");
	assert_int_equal(c->port, 9090);
	assert_int_equal(c->sent_len, strlen(expect_head) + BODY_LEN);
	assert_memory_equal(c->sent, expect_head, strlen(expect_head));
	assert_memory_equal(c->sent + strlen(expect_head), body, BODY_LEN);
	assert_null(strstr(c->sent, "X-Scope-OrgID"));
	assert_null(strstr(c->sent, "Authorization"));
}

static void test_signed_request_headers(void **state)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);
	struct amp_push_result res;
	char v[512];

	(void)state;
	cfg.sigv4_enabled = true;
	strcpy(cfg.region, "us-east-1");
	strcpy(cfg.service, "aps");
	strcpy(cfg.access_key, "AKIDEXAMPLE");
	strcpy(cfg.secret_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	strcpy(cfg.session_token, "token-abc");
	/* plain HTTP keeps TLS out of a test of the request's bytes; the default port stays out of Host
	 * as with https and 443 (test_http checks that case) */
	assert_int_equal(amp_config_parse_url("http://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
					      &cfg.url), AMP_OK);
	port_test_set_realtime_ms(1440938160000); /* 2015-08-30T12:36:00Z */
	amp_push_free(&push);
	amp_push_init(&push);
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	port_test_add_recv(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	/* no default port in the signed Host (AMP refuses ":443"), the date header signed, the token sent */
	assert_non_null(strstr(c->sent, "\r\nHost: aps-workspaces.us-east-1.amazonaws.com\r\n"));
	assert_non_null(header_value(c->sent, "X-Amz-Date: ", v, sizeof(v)));
	assert_string_equal(v, "20150830T123600Z");
	assert_non_null(header_value(c->sent, "X-Amz-Security-Token: ", v, sizeof(v)));
	assert_string_equal(v, "token-abc");
	assert_non_null(header_value(c->sent, "Authorization: ", v, sizeof(v)));
	assert_true(strncmp(v, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aps/aws4_request, "
			       "SignedHeaders=content-encoding;content-type;host;user-agent;"
			       "x-amz-date;x-amz-security-token;x-prometheus-remote-write-version, Signature=",
			   strlen("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aps/aws4_request, "
				  "SignedHeaders=content-encoding;content-type;host;user-agent;"
				  "x-amz-date;x-amz-security-token;x-prometheus-remote-write-version, Signature=")) == 0);
	assert_null(strstr(c->sent, cfg.secret_key));
}

static void test_keep_alive_reused_and_stale_reopened(void **state)
{
	struct port_test_conn *c1 = port_test_add_conn(AMP_OK);
	struct port_test_conn *c2 = port_test_add_conn(AMP_OK);
	struct amp_push_result res;

	(void)state;
	port_test_add_recv(c1, ok_response);
	port_test_add_recv(c1, ok_response);
	/* third request: the server had closed the idle connection; the push reopens once */
	port_test_add_recv_rc(c1, AMP_ERR_CLOSED);
	port_test_add_recv(c2, ok_response);
	for (int i = 0; i < 3; i++)
		assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(port_test_connections(), 2);
	assert_true(c1->closed);
	assert_int_equal(push.reconnects, 1);
}

static void test_rejection_carries_status_and_first_line(void **state)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);
	struct amp_push_result res;

	(void)state;
	port_test_add_recv(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 44\r\nRetry-After: 7\r\n\r\n"
			      "\nout of order sample\nsecond line is dropped\n");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_REJECTED);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.message, "out of order sample");
	assert_int_equal(res.retry_after_s, 7);
}

static void test_connection_close_and_errors(void **state)
{
	struct port_test_conn *c1 = port_test_add_conn(AMP_OK);
	struct amp_push_result res;

	(void)state;
	port_test_add_recv(c1, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_true(c1->closed);
	/* refused connection: an error naming the host, no retry loop here */
	port_test_add_conn(AMP_ERR_CONNECT);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_CONNECT);
	assert_non_null(strstr(res.message, "receiver.example:9090"));
	/* garbage answer */
	port_test_add_recv(port_test_add_conn(AMP_OK), "SMTP ready\r\n\r\n");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_HTTP);
	assert_non_null(strstr(res.message, "bad HTTP response"));
}

/* remote_timeout bounds the whole exchange, not each read: a trickling server cannot hold the agent. */
static void test_deadline_covers_whole_exchange(void **state)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);
	struct amp_push_result res;

	(void)state;
	port_test_add_recv(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
	port_test_add_recv_rc(c, AMP_ERR_TIMEOUT);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_TIMEOUT);
	assert_true(port_monotonic_ms() <= cfg.remote_timeout_ms);
	assert_true(c->closed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unsigned_request_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_request_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive_reused_and_stale_reopened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejection_carries_status_and_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_close_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_covers_whole_exchange, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
