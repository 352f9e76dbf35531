/*
 * Tests of the push path's authentication on the test port: a 401/403 about stale credentials makes the
 * provider fetch and the request go once more; a 403 about the signature's time corrects the clock;
 * bearer and basic auth, their files re-read when rotated; pushes wait while there are no credentials.
 */
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
#include <unistd.h>

#include "clock.h"
#include "port_test.h"
#include "push.h"
#include "test_files.h"

#define SENTINEL "SENTINEL"
/* 2026-11-26T12:00:00Z */
#define NOON_MS INT64_C(1795694400000)

static struct amp_config cfg;
static struct amp_push push;
static const char body[] = "\x01\x02snappy";
#define BODY_LEN (sizeof(body) - 1)

static const char ok_response[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char expired_token[] =
	"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 67\r\n"
	"x-amzn-ErrorType: ExpiredTokenException\r\n\r\n"
	"{\"message\":\"The security token included in the request is expired\"}";
static const char denied[] =
	"HTTP/1.1 403 Forbidden\r\nContent-Length: 44\r\n\r\n{\"message\":\"User is not authorized to do x\"}";


static int setup(void **state)
{
	(void)state;
	port_test_reset();
	amp_clock_reset();
	amp_config_defaults(&cfg);
	snprintf(cfg.source, sizeof(cfg.source), "test.ini");
	assert_int_equal(amp_config_parse_url("http://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
					      &cfg.url), AMP_OK);
	cfg.remote_timeout_ms = 5000;
	cfg.sigv4_enabled = true;
	strcpy(cfg.region, "us-east-1");
	cfg.credentials = AMP_CREDS_ENV;
	port_test_setenv("AWS_ACCESS_KEY_ID", "ASIAFIRST");
	port_test_setenv("AWS_SECRET_ACCESS_KEY", "first" SENTINEL);
	port_test_setenv("AWS_SESSION_TOKEN", "firstToken" SENTINEL);
	amp_push_init(&push);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amp_push_free(&push);
	return 0;
}

static void start(void)
{
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
}

static struct port_test_conn *conn_answering(const char *a, const char *b)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);

	port_test_add_recv(c, a);
	if (b != NULL)
		port_test_add_recv(c, b);
	return c;
}

/* The n-th request's Credential=... access key in what a connection was sent. */
static int count_of(const struct port_test_conn *c, const char *text)
{
	int n = 0;
	const char *p = c->sent;
	const char *end = c->sent + c->sent_len;

	while ((p = memmem(p, (size_t)(end - p), text, strlen(text))) != NULL) {
		n++;
		p += strlen(text);
	}
	return n;
}

/* The credentials were rotated (here: the environment changed); the 403 makes the push fetch them. */
static void test_expired_token_refreshed_and_sent_again(void **state)
{
	struct port_test_conn *c;
	struct amp_push_result res;
	const struct amp_creds *cr;

	(void)state;
	start();
	c = conn_answering(expired_token, ok_response);
	/* the provider holds the first keys; then the environment changes (as a rotation would) */
	assert_int_equal(amp_creds_get(&push.creds, &cr, NULL, 0), AMP_OK);
	port_test_setenv("AWS_ACCESS_KEY_ID", "ASIASECOND");
	port_test_setenv("AWS_SECRET_ACCESS_KEY", "second" SENTINEL);
	port_test_setenv("AWS_SESSION_TOKEN", "secondToken" SENTINEL);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(res.status, 200);
	assert_int_equal(res.auth_retries, 1);
	assert_int_equal(push.auth_retries, 1);
	/* both requests on the kept-alive connection: first the old keys, then the new ones */
	assert_int_equal(count_of(c, "POST /workspaces/ws-1/api/v1/remote_write HTTP/1.1"), 2);
	assert_int_equal(count_of(c, "Credential=ASIAFIRST/"), 1);
	assert_int_equal(count_of(c, "X-Amz-Security-Token: firstToken" SENTINEL "\r\n"), 1);
	assert_int_equal(count_of(c, "Credential=ASIASECOND/"), 1);
	assert_int_equal(count_of(c, "X-Amz-Security-Token: secondToken" SENTINEL "\r\n"), 1);
	assert_true(memmem(c->sent, c->sent_len, "Credential=ASIAFIRST/", 21) <
		    memmem(c->sent, c->sent_len, "Credential=ASIASECOND/", 22));
}

/* Once per refresh: new keys refused again are not tried a third time; the same keys are not resent. */
static void test_retry_once_and_only_with_new_keys(void **state)
{
	struct port_test_conn *c;
	struct amp_push_result res;

	(void)state;
	start();
	/* nothing changed: the refresh gives the same keys, the request is not sent again */
	c = conn_answering(expired_token, NULL);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_REJECTED);
	assert_int_equal(res.status, 403);
	assert_string_equal(res.message, "{\"message\":\"The security token included in the request is expired\"}");
	assert_int_equal(res.auth_retries, 0);
	assert_int_equal(count_of(c, "POST "), 1);
	/* rotated, and refused again: one retry, then the 403 is the answer */
	port_test_clear_conns();
	c = conn_answering(expired_token, expired_token);
	port_test_setenv("AWS_ACCESS_KEY_ID", "ASIATHIRD");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_REJECTED);
	assert_int_equal(res.auth_retries, 1);
	assert_int_equal(count_of(c, "POST "), 2);
	/* a 403 that is about permissions, not staleness, is never retried */
	port_test_clear_conns();
	c = conn_answering(denied, NULL);
	port_test_setenv("AWS_ACCESS_KEY_ID", "ASIAFOURTH");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_REJECTED);
	assert_int_equal(res.auth_retries, 0);
	assert_int_equal(count_of(c, "POST "), 1);
	assert_int_equal(count_of(c, "Credential=ASIATHIRD/"), 1);
}

/* AWS's message texts that mean "fetch credentials again" and "your clock is off". */
static void test_refusal_texts(void **state)
{
	static const struct {
		const char *body;
		int retried;    /* 1: sent again after a refresh */
	} cases[] = {
		{"{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\",\"message\":\"x\"}", 1},
		{"{\"message\":\"The security token included in the request is invalid.\"}", 1},
		{"{\"message\":\"The request signature we calculated does not match the signature you provided.\"}", 1},
		{"<Error><Code>InvalidClientTokenId</Code></Error>", 1},
		{"{\"__type\":\"UnrecognizedClientException\"}", 1},
		{"Missing Authentication Token", 0},
		{"{\"Message\":\"User: arn:aws:sts::1:assumed-role/x is not authorized to perform: aps:RemoteWrite\"}", 0},
	};
	static char answers[16][512];
	struct amp_push_result res;

	(void)state;
	start();
	{
		const struct amp_creds *cr;

		/* the provider holds keys before the first refused request */
		assert_int_equal(amp_creds_get(&push.creds, &cr, NULL, 0), AMP_OK);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char key[32];
		struct port_test_conn *c;
		int rc;

		port_test_clear_conns();
		snprintf(answers[i], sizeof(answers[i]), "HTTP/1.1 403 Forbidden\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(cases[i].body), cases[i].body);
		c = conn_answering(answers[i], ok_response);
		snprintf(key, sizeof(key), "ASIAKEY%zu", i);
		port_test_setenv("AWS_ACCESS_KEY_ID", key);
		rc = amp_push_send(&push, body, BODY_LEN, &res);
		if (rc != (cases[i].retried ? AMP_OK : AMP_ERR_REJECTED) || (int)res.auth_retries != cases[i].retried || count_of(c, "POST ") != 1 + cases[i].retried)
			fail_msg("\"%s\": %u retries", cases[i].body, res.auth_retries);
	}
}

/*
 * The device's clock is an hour slow: AWS answers 403 "Signature expired"; the push takes the time
 * from the answer's Date (logged once), signs again with it, and the request goes through.
 */
static void test_clock_skew_corrected_from_date(void **state)
{
	static const char skewed[] =
		"HTTP/1.1 403 Forbidden\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\nContent-Length: 114\r\n\r\n"
		"{\"message\":\"Signature expired: 20261126T110000Z is now earlier than 20261126T115500Z (20261126T120000Z - 5 min.)\"}";
	static const char ok_dated[] = "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 12:00:01 GMT\r\nContent-Length: 0\r\n\r\n";
	struct port_test_conn *c;
	struct amp_push_result res;

	(void)state;
	port_test_set_realtime_ms(NOON_MS - 3600000);
	start();
	c = conn_answering(skewed, ok_dated);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(res.clock_retries, 1);
	assert_int_equal(res.auth_retries, 0);
	assert_int_equal(count_of(c, "X-Amz-Date: 20261126T110000Z\r\n"), 1);
	assert_int_equal(count_of(c, "X-Amz-Date: 20261126T120000Z\r\n"), 1);
	assert_true(amp_clock_offset_ms() == 3600000 + 500);
	/* the next request is signed with the corrected clock from the start */
	port_test_clear_conns();
	c = conn_answering(ok_response, NULL);
	port_test_advance_ms(15000);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(count_of(c, "X-Amz-Date: 20261126T120015Z\r\n"), 1);
	/* a skew answer without a Date cannot correct anything: not sent again */
	port_test_clear_conns();
	c = conn_answering("HTTP/1.1 403 Forbidden\r\nContent-Length: 25\r\n\r\nSignature not yet current", NULL);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_REJECTED);
	assert_int_equal(res.clock_retries, 0);
	assert_int_equal(count_of(c, "POST "), 1);
}

/* No credentials yet (the source is down at boot): nothing is sent, the caller keeps the samples. */
static void test_no_credentials_nothing_sent(void **state)
{
	struct amp_push_result res;

	(void)state;
	port_test_setenv("AWS_ACCESS_KEY_ID", NULL);
	start();
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_AUTH);
	assert_string_equal(res.message, "waiting for credentials: env: AWS_ACCESS_KEY_ID is not set");
	assert_int_equal(port_test_connections(), 0);
	assert_int_equal(push.requests, 0);
}

/* Bearer tokens: the file is read again when a rotator replaced it, also right after a 401. */
static void test_bearer_token_file(void **state)
{
	struct port_test_conn *c;
	struct amp_push_result res;

	(void)state;
	cfg.sigv4_enabled = false;
	snprintf(cfg.bearer_token_file, sizeof(cfg.bearer_token_file), "%s/token", test_files_dir);
	strcpy(cfg.bearer_token, "loadTime" SENTINEL);
	test_files_replace(cfg.bearer_token_file, "jwt1" SENTINEL "\n");
	start();
	c = conn_answering(ok_response, ok_response);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	test_files_replace(cfg.bearer_token_file, "jwt2" SENTINEL "\n");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(count_of(c, "\r\nAuthorization: Bearer jwt1" SENTINEL "\r\n"), 1);
	assert_int_equal(count_of(c, "\r\nAuthorization: Bearer jwt2" SENTINEL "\r\n"), 1);
	assert_int_equal(count_of(c, "X-Amz-"), 0);
	/* a 401 about an expired token, and the file holds nothing newer: not sent again */
	port_test_clear_conns();
	c = conn_answering("HTTP/1.1 401 Unauthorized\r\nContent-Length: 16\r\n\r\ntoken is expired", ok_response);
	test_files_replace(cfg.bearer_token_file, "jwt3" SENTINEL "\n");
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_REJECTED);
	assert_int_equal(res.status, 401);
	assert_int_equal(res.auth_retries, 0);
	assert_int_equal(count_of(c, "Bearer jwt3" SENTINEL), 1);
	/* the file is gone: the last token read stands in */
	port_test_clear_conns();
	c = conn_answering(ok_response, NULL);
	unlink(cfg.bearer_token_file);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(count_of(c, "Bearer jwt3" SENTINEL), 1);
	/* replaced by something that cannot be read: still the last token read, not the one of start-up */
	port_test_clear_conns();
	c = conn_answering(ok_response, NULL);
	assert_int_equal(mkdir(cfg.bearer_token_file, 0700), 0);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	assert_int_equal(count_of(c, "Bearer jwt3" SENTINEL), 1);
	assert_int_equal(count_of(c, "loadTime"), 0);
	assert_int_equal(rmdir(cfg.bearer_token_file), 0);
}

static void test_basic_auth(void **state)
{
	struct port_test_conn *c;
	struct amp_push_result res;

	(void)state;
	cfg.sigv4_enabled = false;
	strcpy(cfg.basic_auth_username, "Aladdin");
	strcpy(cfg.basic_auth_password, "open sesame");
	start();
	c = conn_answering(ok_response, NULL);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_OK);
	/* RFC 7617's example */
	assert_int_equal(count_of(c, "\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"), 1);
}

/* A HEAD asks the receiver for the time; its Date sets a clock that booted in 1970. */
static void test_probe_clock(void **state)
{
	struct port_test_conn *c;
	struct amp_push_result res;

	(void)state;
	port_test_set_realtime_ms(0);
	start();
	assert_false(amp_clock_trusted());
	c = conn_answering("HTTP/1.1 405 Method Not Allowed\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\nContent-Length: 0\r\n\r\n",
			   NULL);
	assert_int_equal(amp_push_probe_clock(&push, &res), AMP_OK);
	assert_true(amp_clock_trusted());
	assert_true(amp_clock_now_ms() == NOON_MS + 500);
	assert_int_equal(count_of(c, "HEAD /workspaces/ws-1/api/v1/remote_write HTTP/1.1\r\n"), 1);
	assert_int_equal(count_of(c, "Authorization"), 0);
	/* an answer without Date leaves the clock unknown, and says so */
	amp_clock_reset();
	port_test_clear_conns();
	conn_answering("HTTP/1.1 204 No Content\r\n\r\n", NULL);
	assert_int_equal(amp_push_probe_clock(&push, &res), AMP_ERR_RANGE);
	assert_string_equal(res.message, "clock unknown, samples held: aps-workspaces.us-east-1.amazonaws.com answered 204 "
					 "without a usable Date header");
	port_test_clear_conns();
	port_test_add_conn(AMP_ERR_CONNECT);
	assert_int_equal(amp_push_probe_clock(&push, &res), AMP_ERR_CONNECT);
	assert_non_null(strstr(res.message, "clock unknown, samples held: connect: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expired_token_refreshed_and_sent_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_once_and_only_with_new_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_texts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew_corrected_from_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_credentials_nothing_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer_token_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_clock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, test_files_setup, test_files_teardown);
}
