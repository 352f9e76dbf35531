/* Tests of the clock on the test port: offsets from Date, stamps that never go back, held samples re-stamped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clock.h"
#include "port_test.h"

/* 2026-11-26T12:00:00Z and its Date header */
#define NOON_MS INT64_C(1795694400000)
#define NOON_DATE "Thu, 26 Nov 2026 12:00:00 GMT"

static int setup(void **state)
{
	(void)state;
	port_test_reset();
	amp_clock_reset();
	amp_clock_set_not_before_ms(NOON_MS - 86400000); /* built the day before */
	port_test_set_monotonic_ms(5000);
	return 0;
}

static void test_trusted_clock_stamps_increase(void **state)
{
	int64_t a, b, c;

	(void)state;
	port_test_set_realtime_ms(NOON_MS);
	assert_true(amp_clock_trusted());
	a = amp_clock_stamp();
	assert_true(a == NOON_MS);
	/* two collections in the same millisecond still get distinct, increasing stamps */
	b = amp_clock_stamp();
	assert_true(b == NOON_MS + 1);
	port_test_advance_ms(15000);
	c = amp_clock_stamp();
	assert_true(c == NOON_MS + 15000);
	assert_false(amp_clock_provisional(c));
	assert_int_equal(amp_clock_restamp(&c), AMP_OK);
	assert_true(c == NOON_MS + 15000);
}

/* NTP steps the clock back a minute: stamps stay after the last one until the clock catches up. */
static void test_step_back_never_goes_back(void **state)
{
	int64_t last, s;

	(void)state;
	port_test_set_realtime_ms(NOON_MS);
	last = amp_clock_stamp();
	port_test_set_realtime_ms(NOON_MS - 60000);
	for (int i = 0; i < 5; i++) {
		port_test_advance_ms(15000);
		s = amp_clock_stamp();
		assert_true(s > last);
		last = s;
	}
	/* 75 s later the clock reads NOON + 15 s: caught up, stamps are the clock's again */
	assert_true(last == NOON_MS + 15000);
	port_test_advance_ms(15000);
	assert_true(amp_clock_stamp() == NOON_MS + 30000);
}

static void test_offset_from_date(void **state)
{
	(void)state;
	/* within the tolerance: nothing learned, but the time is known */
	port_test_set_realtime_ms(NOON_MS + 3000);
	assert_int_equal(amp_clock_observe_date(NOON_DATE, port_realtime_ms(), false, "test"), 0);
	assert_true(amp_clock_offset_ms() == 0);
	/* the clock is 2 minutes fast: corrected (Date counts from the middle of its second) */
	port_test_set_realtime_ms(NOON_MS + 120000);
	assert_int_equal(amp_clock_observe_date(NOON_DATE, port_realtime_ms(), false, "test"), 1);
	assert_true(amp_clock_offset_ms() == -119500);
	assert_true(amp_clock_now_ms() == NOON_MS + 500);
	assert_true(amp_clock_stamp() == NOON_MS + 500);
	/* Date's own jitter does not move a known offset */
	assert_int_equal(amp_clock_observe_date(NOON_DATE, NOON_MS + 121000, false, "test"), 0);
	assert_true(amp_clock_offset_ms() == -119500);
	/* NTP fixed the clock: it agrees with Date again, the correction goes */
	port_test_set_realtime_ms(NOON_MS + 200);
	assert_int_equal(amp_clock_observe_date(NOON_DATE, port_realtime_ms(), false, "test"), 1);
	assert_true(amp_clock_offset_ms() == 0);
	/* a server that says the signature's time is off is believed even for a small skew */
	assert_int_equal(amp_clock_observe_date(NOON_DATE, NOON_MS - 4000, true, "test"), 1);
	assert_true(amp_clock_offset_ms() == 4500);
	/* no Date, or a malformed one */
	assert_int_equal(amp_clock_observe_date("", NOON_MS, false, "test"), AMP_ERR_INVALID);
	assert_int_equal(amp_clock_observe_date(NULL, NOON_MS, false, "test"), AMP_ERR_INVALID);
	assert_int_equal(amp_clock_observe_date("Thursday, 26-Nov-26 12:00:00 GMT", NOON_MS, false, "test"),
			 AMP_ERR_INVALID);
	assert_true(amp_clock_offset_ms() == 4500);
}

/* A device booting in 1970: samples are held on the monotonic clock and stamped once Date tells the time. */
static void test_boot_in_1970_held_then_restamped(void **state)
{
	int64_t held[3];
	int64_t real;

	(void)state;
	port_test_set_realtime_ms(3600000); /* 1970-01-01T01:00:00Z */
	assert_false(amp_clock_trusted());
	for (int i = 0; i < 3; i++) {
		held[i] = amp_clock_stamp();
		assert_true(amp_clock_provisional(held[i]));
		assert_int_equal(amp_clock_restamp(&held[i]), AMP_ERR_RANGE);
		port_test_advance_ms(15000);
	}
	/* monotonic is now 50 s; the receiver says it is noon */
	assert_int_equal(amp_clock_observe_date(NOON_DATE, port_realtime_ms(), false, "receiver"), 1);
	assert_true(amp_clock_trusted());
	real = amp_clock_stamp();
	assert_true(real == NOON_MS + 500);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(amp_clock_restamp(&held[i]), AMP_OK);
		/* collected 45, 30 and 15 s before the Date */
		assert_true(held[i] == NOON_MS + 500 - 45000 + 15000 * i);
		assert_true(held[i] < real);
	}
}

/* The same without a server: NTP sets the clock, the held samples are stamped from the moment it did. */
static void test_ntp_sets_the_clock(void **state)
{
	int64_t held;

	(void)state;
	port_test_set_realtime_ms(0);
	held = amp_clock_stamp();
	assert_true(amp_clock_provisional(held));
	port_test_advance_ms(10000);
	port_test_set_realtime_ms(NOON_MS);
	assert_true(amp_clock_trusted());
	assert_true(amp_clock_stamp() == NOON_MS);
	assert_int_equal(amp_clock_restamp(&held), AMP_OK);
	assert_true(held == NOON_MS - 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_trusted_clock_stamps_increase, setup),
		cmocka_unit_test_setup(test_step_back_never_goes_back, setup),
		cmocka_unit_test_setup(test_offset_from_date, setup),
		cmocka_unit_test_setup(test_boot_in_1970_held_then_restamped, setup),
		cmocka_unit_test_setup(test_ntp_sets_the_clock, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
