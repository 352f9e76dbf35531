/* Wall clock for stamping and signing: a learned offset, provisional stamps before the time is known. */
#include "clock.h"
#include "http.h"
#include "log.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

#ifndef AMP_BUILD_EPOCH
#define AMP_BUILD_EPOCH 1704067200 /* 2024-01-01: CMake passes the real build date */
#endif

static struct {
	bool ready;
	int64_t not_before_ms;   /* the build date */
	int64_t offset_ms;       /* added to port_realtime_ms() */
	bool offset_known;       /* a server's Date told the time (the offset may be 0) */
	int64_t last_stamp_ms;   /* the last real stamp handed out */
	bool anchored;           /* mono_to_wall_ms is set */
	int64_t mono_to_wall_ms; /* wall = monotonic + this, fixed when the clock became trusted */
	bool untrusted_logged;
	bool step_logged;
} clk;

static void ensure_ready(void)
{
	if (clk.ready)
		return;
	memset(&clk, 0, sizeof(clk));
	clk.not_before_ms = (int64_t)AMP_BUILD_EPOCH * 1000;
	clk.ready = true;
}

void amp_clock_reset(void)
{
	clk.ready = false;
	ensure_ready();
}

void amp_clock_set_not_before_ms(int64_t ms)
{
	ensure_ready();
	clk.not_before_ms = ms;
}

int64_t amp_clock_now_ms(void)
{
	ensure_ready();
	return port_realtime_ms() + clk.offset_ms;
}

int64_t amp_clock_offset_ms(void)
{
	ensure_ready();
	return clk.offset_ms;
}

bool amp_clock_trusted(void)
{
	ensure_ready();
	return clk.offset_known || port_realtime_ms() >= clk.not_before_ms;
}

bool amp_clock_system_implausible(void)
{
	ensure_ready();
	return port_realtime_ms() < clk.not_before_ms;
}

/* Fixes the monotonic-to-wall mapping the first time the clock is seen trusted. */
static void anchor(int64_t wall)
{
	if (!clk.anchored) {
		clk.mono_to_wall_ms = wall - (int64_t)port_monotonic_ms();
		clk.anchored = true;
	}
}

int64_t amp_clock_stamp(void)
{
	int64_t now;

	ensure_ready();
	if (!amp_clock_trusted()) {
		if (!clk.untrusted_logged) {
			char when[32];

			amp_clock_format_iso8601(port_realtime_ms(), when, sizeof(when));
			AMP_LOG_W("clock", "wall clock reads %s, before this build's date: samples are held on the "
				  "monotonic clock and stamped once the time is known (NTP, or a server's Date)", when);
			clk.untrusted_logged = true;
		}
		/* a second episode re-anchors: the mapping must come from a trusted reading */
		clk.anchored = false;
		return -(int64_t)port_monotonic_ms() - 1;
	}
	if (clk.untrusted_logged) {
		AMP_LOG_I("clock", "wall clock is trusted again; held samples are stamped from the monotonic clock");
		clk.untrusted_logged = false;
	}
	now = amp_clock_now_ms();
	anchor(now);
	if (now <= clk.last_stamp_ms) {
		if (!clk.step_logged && clk.last_stamp_ms - now > 1000)
			AMP_LOG_W("clock", "wall clock went back %lld ms; stamps stay after the last one until it catches up",
				  (long long)(clk.last_stamp_ms - now));
		clk.step_logged = true;
		now = clk.last_stamp_ms + 1;
	} else {
		clk.step_logged = false;
	}
	clk.last_stamp_ms = now;
	return now;
}

bool amp_clock_provisional(int64_t stamp)
{
	return stamp < 0;
}

int amp_clock_restamp(int64_t *stamp)
{
	int64_t wall;

	if (!amp_clock_provisional(*stamp))
		return AMP_OK;
	if (!amp_clock_trusted())
		return AMP_ERR_RANGE;
	anchor(amp_clock_now_ms());
	wall = -(*stamp + 1) + clk.mono_to_wall_ms;
	*stamp = wall;
	return AMP_OK;
}

int amp_clock_observe_date(const char *date, int64_t local_ms, bool skew_error, const char *who)
{
	int64_t server_s;
	int64_t skew;
	int64_t want;

	ensure_ready();
	if (date == NULL || amp_http_parse_date(date, &server_s) != AMP_OK)
		return AMP_ERR_INVALID;
	/* Date is the second the answer was made: half a second is its expected truncation */
	skew = server_s * 1000 + 500 - local_ms;
	want = skew_error || skew > AMP_CLOCK_TOLERANCE_MS || skew < -AMP_CLOCK_TOLERANCE_MS ? skew : 0;
	clk.offset_known = true;
	if (want == 0 && clk.offset_ms == 0)
		return 0;
	/* a known offset that still agrees within the tolerance is kept: Date's jitter must not move it */
	if (want != 0 && clk.offset_ms != 0 && !skew_error && want - clk.offset_ms <= AMP_CLOCK_TOLERANCE_MS &&
	    clk.offset_ms - want <= AMP_CLOCK_TOLERANCE_MS)
		return 0;
	if (want == clk.offset_ms)
		return 0;
	if (want == 0)
		AMP_LOG_I("clock", "wall clock agrees with %s's Date again; correction of %lld ms dropped", who,
			  (long long)clk.offset_ms);
	else
		AMP_LOG_W("clock", "wall clock is off by %lld ms according to %s's Date%s; signing and stamping "
			  "with the corrected time", (long long)want, who,
			  skew_error ? " (it refused the signature's time)" : "");
	clk.offset_ms = want;
	return 1;
}

/* ---- ISO 8601 ---- */

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return days[m - 1] + (m == 2 && is_leap(y));
}

/* Leap days in the years 1..y. */
static int64_t leaps_through(int64_t y)
{
	return y / 4 - y / 100 + y / 400;
}

/* Days since 1970-01-01 of a date from 1970 on (the month and day already checked). */
static int64_t epoch_days(int64_t y, int m, int d)
{
	static const unsigned short before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

	return (y - 1970) * 365 + leaps_through(y - 1) - leaps_through(1969) + before[m - 1] +
	       (m > 2 && is_leap(y)) + d - 1;
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int amp_clock_parse_iso8601(const char *text, int64_t *epoch_ms)
{
	int y, mo, d, h, mi, s;
	int64_t ms = 0;
	int64_t tz_min = 0;
	const char *p;

	if (text == NULL || strlen(text) < 20 || text[4] != '-' || text[7] != '-' ||
	    (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
		return AMP_ERR_INVALID;
	y = digits(text, 4);
	mo = digits(text + 5, 2);
	d = digits(text + 8, 2);
	h = digits(text + 11, 2);
	mi = digits(text + 14, 2);
	s = digits(text + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return AMP_ERR_INVALID;
	p = text + 19;
	if (*p == '.') {
		int64_t scale = 100;
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (n == 0 || n > 9)
			return AMP_ERR_INVALID;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		tz_min = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int th = digits(p + 1, 2);
		int tm = digits(p + 4, 2);

		if (th < 0 || th > 23 || tm < 0 || tm > 59)
			return AMP_ERR_INVALID;
		tz_min = (th * 60 + tm) * (*p == '-' ? -1 : 1);
	} else {
		return AMP_ERR_INVALID;
	}
	/* a leap second is read as the next second's start */
	*epoch_ms = amp_clock_utc_ms(y, mo, d, h, mi, s) - tz_min * 60000 + ms;
	return AMP_OK;
}

int64_t amp_clock_utc_ms(int year, int month, int day, int hour, int minute, int second)
{
	if (month < 1 || month > 12)
		return 0;
	return (epoch_days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * 1000;
}

void amp_clock_format_iso8601(int64_t epoch_ms, char *out, unsigned cap)
{
	int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	int64_t y = 1970;
	int m = 1;

	if (days < 0 || days > 3000000) {
		snprintf(out, cap, "%lld ms", (long long)epoch_ms);
		return;
	}
	/* whole 400-year cycles first (146097 days each), then years and months: a few hundred steps at most */
	y += days / 146097 * 400;
	days %= 146097;
	while (days >= 365 + is_leap(y)) {
		days -= 365 + is_leap(y);
		y++;
	}
	while (days >= month_days(y, m)) {
		days -= month_days(y, m);
		m++;
	}
	snprintf(out, cap, "%04lld-%02d-%02lldT%02lld:%02lld:%02lldZ", (long long)y, m, (long long)days + 1,
		 (long long)(rem / 3600), (long long)(rem / 60 % 60), (long long)(rem % 60));
}
