/* timex collector: is the clock synchronised, and the kernel PLL's offset, errors and PPS state, as node_exporter. */
/* adjtimex(2) with modes 0: returns TIME_ERROR (5) when unsynchronised; offset/jitter in µs (ns with STA_NANO), freq in 2^-16 ppm. */
#include "collector.h"
#include "log.h"
#include "port.h"

#define MOD "timex"
#define TIME_ERROR 5
#define STA_NANO_BIT 0x2000
/* adjtimex(2) NOTES: frequencies are ppm scaled by 2^16 */
#define PPM16FRAC (1000000.0 * 65536.0)

#define G(name, help) {"node_timex_" name, help, AMP_METRIC_GAUGE}
#define C(name, help) {"node_timex_" name, help, AMP_METRIC_COUNTER}

enum {
	T_SYNC, T_OFFSET, T_FREQ, T_MAXERROR, T_ESTERROR, T_STATUS, T_CONSTANT, T_TICK, T_PPSFREQ, T_JITTER, T_SHIFT,
	T_STABIL, T_JITCNT, T_CALCNT, T_ERRCNT, T_STBCNT, T_TAI, T_COUNT,
};

static const struct amp_family fams[T_COUNT] = {
	[T_SYNC] = G("sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no)."),
	[T_OFFSET] = G("offset_seconds", "Time offset in between local system and reference clock."),
	[T_FREQ] = G("frequency_adjustment_ratio", "Local clock frequency adjustment."),
	[T_MAXERROR] = G("maxerror_seconds", "Maximum error in seconds."),
	[T_ESTERROR] = G("estimated_error_seconds", "Estimated error in seconds."),
	[T_STATUS] = G("status", "Value of the status array bits."),
	[T_CONSTANT] = G("loop_time_constant", "Phase-locked loop time constant."),
	[T_TICK] = G("tick_seconds", "Seconds between clock ticks."),
	[T_PPSFREQ] = G("pps_frequency_hertz", "Pulse per second frequency."),
	[T_JITTER] = G("pps_jitter_seconds", "Pulse per second jitter."),
	[T_SHIFT] = G("pps_shift_seconds", "Pulse per second interval duration."),
	[T_STABIL] = G("pps_stability_hertz", "Pulse per second stability, average of recent frequency changes."),
	[T_JITCNT] = C("pps_jitter_total", "Pulse per second count of jitter limit exceeded events."),
	[T_CALCNT] = C("pps_calibration_total", "Pulse per second count of calibration intervals."),
	[T_ERRCNT] = C("pps_error_total", "Pulse per second count of calibration errors."),
	[T_STBCNT] = C("pps_stability_exceeded_total", "Pulse per second count of stability limit exceeded events."),
	[T_TAI] = G("tai_offset_seconds", "International Atomic Time (TAI) offset."),
};

/* node_exporter's arithmetic, operation for operation, so the doubles are the same. */
static int timex_collect(struct amp_collect_ctx *ctx)
{
	struct port_timex t;
	double v[T_COUNT];
	double divisor;
	int rc = port_adjtimex(&t);

	if (rc == AMP_ERR_NOTFOUND) {
		AMP_LOG_D(MOD, "adjtimex refused (a container's seccomp filter?), skipped");
		return AMP_OK;
	}
	if (rc != AMP_OK) {
		AMP_LOG_W(MOD, "adjtimex: %s", amp_strerror(rc));
		return rc;
	}
	divisor = (t.status & STA_NANO_BIT) != 0 ? 1000000000.0 : 1000000.0;
	v[T_SYNC] = t.state == TIME_ERROR ? 0.0 : 1.0;
	v[T_OFFSET] = (double)t.offset / divisor;
	v[T_FREQ] = 1 + (double)t.freq / PPM16FRAC;
	v[T_MAXERROR] = (double)t.maxerror / 1000000.0;
	v[T_ESTERROR] = (double)t.esterror / 1000000.0;
	v[T_STATUS] = (double)t.status;
	v[T_CONSTANT] = (double)t.constant;
	v[T_TICK] = (double)t.tick / 1000000.0;
	v[T_PPSFREQ] = (double)t.ppsfreq / PPM16FRAC;
	v[T_JITTER] = (double)t.jitter / divisor;
	v[T_SHIFT] = (double)t.shift;
	v[T_STABIL] = (double)t.stabil / PPM16FRAC;
	v[T_JITCNT] = (double)t.jitcnt;
	v[T_CALCNT] = (double)t.calcnt;
	v[T_ERRCNT] = (double)t.errcnt;
	v[T_STBCNT] = (double)t.stbcnt;
	v[T_TAI] = (double)t.tai;
	for (unsigned i = 0; i < T_COUNT; i++)
		(void)amp_collect_emit(ctx, &fams[i], NULL, 0, v[i]);
	return AMP_OK;
}

const struct amp_collector amp_collector_timex = {"timex", AMP_COLLECTOR_TIMEX, timex_collect};
