/*
 * The agent on a device that boots in 1970: collections are held on the monotonic clock, the push path
 * asks the receiver for the time first, and the held samples go out stamped with when they were taken.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clock.h"
#include "port_test.h"

/* 2026-11-26T12:00:00Z */
#define NOON_MS INT64_C(1795694400000)

static struct amp_config cfg;

/* Protobuf varint of v, as the encoder writes a Sample's timestamp. */
static size_t varint(uint64_t v, unsigned char *out)
{
	size_t n = 0;

	do {
		out[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			out[n] |= 0x80;
		n++;
	} while (v != 0);
	return n;
}

/* The Sample timestamp field (2, varint) with value ts, in the request. */
static bool has_timestamp(const char *req, size_t len, int64_t ts)
{
	unsigned char want[16] = {0x10};
	size_t n = 1 + varint((uint64_t)ts, want + 1);

	return memmem(req, len, want, n) != NULL;
}

static void test_held_until_the_time_is_known(void **state)
{
	const char *fixtures = getenv("AMP_TEST_FIXTURES");
	struct port_test_conn *c;
	struct amp_push_result res;
	static char plain[1 << 20];
	size_t plain_len = sizeof(plain);
	const char *post, *body;
	size_t body_len;
	uint64_t mono[3];

	(void)state;
	assert_non_null(fixtures);
	port_test_reset();
	amp_clock_reset();
	port_test_set_monotonic_ms(1000);
	port_test_set_realtime_ms(1000); /* 1970-01-01T00:00:01Z */
	amp_config_defaults(&cfg);
	snprintf(cfg.source, sizeof(cfg.source), "test");
	snprintf(cfg.procfs, sizeof(cfg.procfs), "%s/proc", fixtures);
	snprintf(cfg.sysfs, sizeof(cfg.sysfs), "%s/sys", fixtures);
	assert_int_equal(amp_config_parse_url("http://receiver.test/api/v1/write", &cfg.url), AMP_OK);
	cfg.max_samples_per_send = 100000; /* the three collections in one batch (sent as one or more requests) */
	assert_int_equal(amp_agent_start(&cfg, true), AMP_OK);
	for (int i = 0; i < 3; i++) {
		mono[i] = port_monotonic_ms();
		assert_int_equal(amp_agent_collect(), AMP_OK);
		port_test_advance_ms(15000);
	}
	/* the receiver is not there yet: nothing goes out, the samples stay */
	port_test_add_conn(AMP_ERR_CONNECT);
	assert_int_equal(amp_agent_flush(&res), AMP_ERR_CONNECT);
	assert_non_null(strstr(res.message, "clock unknown, samples held: connect: "));
	/* now it is: the HEAD's Date tells the time, then the samples go out on the same connection */
	c = port_test_add_conn(AMP_OK);
	port_test_add_recv(c, "HTTP/1.1 405 Method Not Allowed\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n"
			      "Content-Length: 0\r\n\r\n");
	port_test_add_recv(c, "HTTP/1.1 204 No Content\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n\r\n");
	/* a batch too big for one request buffer is split by series: each request carries every collection */
	port_test_add_recv(c, "HTTP/1.1 204 No Content\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n\r\n");
	port_test_add_recv(c, "HTTP/1.1 204 No Content\r\nDate: Thu, 26 Nov 2026 12:00:00 GMT\r\n\r\n");
	assert_int_equal(amp_agent_flush(&res), AMP_OK);
	assert_true(amp_clock_trusted());
	post = memmem(c->sent, c->sent_len, "POST /api/v1/write", 18);
	assert_non_null(post);
	body = memmem(post, c->sent_len - (size_t)(post - c->sent), "\r\n\r\n", 4);
	assert_non_null(body);
	body += 4;
	{
		const char *cl = memmem(post, (size_t)(body - post), "Content-Length: ", 16);

		assert_non_null(cl);
		body_len = (size_t)strtoul(cl + 16, NULL, 10); /* the first request only: another may follow */
	}
	assert_int_equal(snappy_uncompress(body, body_len, plain, &plain_len), SNAPPY_OK);
	/* each collection stamped when it was made: the Date's time less the monotonic time since */
	for (int i = 0; i < 3; i++) {
		int64_t ts = NOON_MS + 500 - (int64_t)(port_monotonic_ms() - mono[i]);

		if (!has_timestamp(plain, plain_len, ts))
			fail_msg("collection %d: no sample stamped %lld", i, (long long)ts);
	}
	/* and nothing with a provisional stamp or the 1970 wall clock's */
	for (int i = 0; i < 3; i++) {
		assert_false(has_timestamp(plain, plain_len, -(int64_t)mono[i] - 1));
		assert_false(has_timestamp(plain, plain_len, (int64_t)mono[i]));
	}
	/* the next collection is stamped with the corrected clock at once */
	assert_true(amp_clock_stamp() >= NOON_MS + 500);
	amp_agent_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_until_the_time_is_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
