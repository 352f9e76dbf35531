/* time collector: the wall clock, the local time zone's offset and the kernel's clock sources, as node_exporter. */
/* clock_gettime(2) REALTIME; localtime(3) tm_gmtoff, tm_zone; kernel/time/clocksource.c: clocksourceN/{available_clocksource (list),current_clocksource}. */
#include "collector.h"
#include "log.h"
#include "port.h"
#include "sysattr.h"

#include <stdio.h>
#include <string.h>

#define MOD "time"
#define CLOCKSOURCE_DIR "devices/system/clocksource"

static const struct amp_family fam_seconds = {"node_time_seconds", "System time in seconds since epoch (1970).",
					      AMP_METRIC_GAUGE};
static const struct amp_family fam_zone = {"node_time_zone_offset_seconds", "System time zone offset in seconds.",
					   AMP_METRIC_GAUGE};
static const struct amp_family fam_available = {"node_time_clocksource_available_info",
						"Available clocksources read from '/sys/devices/system/clocksource'.",
						AMP_METRIC_GAUGE};
static const struct amp_family fam_current = {"node_time_clocksource_current_info",
					      "Current clocksource read from '/sys/devices/system/clocksource'.",
					      AMP_METRIC_GAUGE};

static bool keep_clocksource(const char *name, int is_dir)
{
	return is_dir && amp_sysattr_numbered(name, "clocksource");
}

/* node_exporter labels each clock source directory by its position in the sorted listing ("0"). */
static void clocksources(struct amp_collect_ctx *ctx)
{
	const struct amp_sysattr_names *names;

	if (amp_sysattr_scan(ctx, MOD, CLOCKSOURCE_DIR, keep_clocksource, &names) != AMP_OK)
		return;
	for (unsigned i = 0; i < names->count; i++) {
		char dir[96], device[16];
		size_t cap;
		char *list = amp_sysattr_slot(ctx, 0, 2, &cap);
		const char *current;
		char *v;

		if (snprintf(dir, sizeof(dir), CLOCKSOURCE_DIR "/%s", amp_sysattr_name(names, i)) >= (int)sizeof(dir))
			continue;
		snprintf(device, sizeof(device), "%u", i);
		if (amp_sysattr_read(ctx->sysfs, dir, "available_clocksource", AMP_SYSATTR_TRIM_SPACE, list, cap, &v) ==
		    AMP_OK) {
			/* a space-separated list: each name is a series */
			for (char *tok = v; *tok;) {
				char *end = tok + strcspn(tok, " \t\n");
				char save = *end;

				*end = '\0';
				if (end > tok) {
					char clean[64];
					const struct amp_label labels[] = {
						{"device", device}, {"clocksource", amp_sysattr_utf8(tok, clean, sizeof(clean))}};

					(void)amp_collect_emit(ctx, &fam_available, labels, 2, 1.0);
				}
				*end = save;
				tok = *end != '\0' ? end + 1 : end;
			}
		}
		current = amp_sysattr_text(ctx, dir, "current_clocksource", AMP_SYSATTR_TRIM_SPACE, 1, 2);
		if (current != NULL) {
			const struct amp_label labels[] = {{"device", device}, {"clocksource", current}};

			(void)amp_collect_emit(ctx, &fam_current, labels, 2, 1.0);
		}
	}
}

static int time_collect(struct amp_collect_ctx *ctx)
{
	int64_t now_ms = port_realtime_ms();
	char zone[64];
	int32_t offset;
	int rc;

	(void)amp_collect_emit(ctx, &fam_seconds, NULL, 0, (double)now_ms / 1000.0);
	rc = port_time_zone(now_ms / 1000, zone, sizeof(zone), &offset);
	if (rc == AMP_OK) {
		char clean[64];
		const struct amp_label labels[] = {{"time_zone", amp_sysattr_utf8(zone, clean, sizeof(clean))}};

		(void)amp_collect_emit(ctx, &fam_zone, labels, 1, (double)offset);
	} else {
		AMP_LOG_D(MOD, "local time zone: %s", amp_strerror(rc));
	}
	clocksources(ctx);
	return AMP_OK;
}

const struct amp_collector amp_collector_time = {"time", AMP_COLLECTOR_TIME, time_collect};
