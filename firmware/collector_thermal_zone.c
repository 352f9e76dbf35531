/* thermal_zone collector: zone temperatures and cooling device states from /sys/class/thermal, as node_exporter. */
/* Documentation/driver-api/thermal/sysfs-api.rst: thermal_zoneN/{type,temp (m°C, may be negative),policy}, cooling_deviceN/{type,cur_state,max_state}. */
#include "collector.h"
#include "log.h"
#include "sysattr.h"

#include <stdio.h>

#define MOD "thermal_zone"
#define THERMAL_DIR "class/thermal"

static const struct amp_family fam_zone_temp = {"node_thermal_zone_temp", "Zone temperature in Celsius",
						 AMP_METRIC_GAUGE};
static const struct amp_family fam_cur_state = {"node_cooling_device_cur_state",
						"Current throttle state of the cooling device", AMP_METRIC_GAUGE};
static const struct amp_family fam_max_state = {"node_cooling_device_max_state",
						"Maximum throttle state of the cooling device", AMP_METRIC_GAUGE};

static uint64_t last_warn_ms;

static bool keep_entry(const char *name, int is_dir)
{
	return is_dir && (amp_sysattr_numbered(name, "thermal_zone") || amp_sysattr_numbered(name, "cooling_device"));
}

/*
 * node_exporter's sysfs reader needs type, policy and temp: a zone missing one is left out, and so is
 * one whose temp does not answer (EINVAL while its sensor sleeps), where node_exporter 1.5 fails the
 * whole collector. A disabled zone is reported, as 1.5 reports it.
 */
static void zone(struct amp_sysattr_reader *r, const char *dir, const char *number)
{
	const char *type = amp_sysattr_text(r->ctx, dir, "type", AMP_SYSATTR_TRIM_SPACE, 0, 2);
	int64_t temp;

	if (type == NULL || amp_sysattr_text(r->ctx, dir, "policy", AMP_SYSATTR_TRIM_SPACE, 1, 2) == NULL ||
	    !amp_sysattr_int(r, dir, "temp", false, &temp))
		return;
	{
		const struct amp_label labels[] = {{"zone", number}, {"type", type}};

		(void)amp_collect_emit(r->ctx, &fam_zone_temp, labels, 2, (double)temp / 1000.0);
	}
}

static void cooling_device(struct amp_sysattr_reader *r, const char *dir, const char *number)
{
	const char *type = amp_sysattr_text(r->ctx, dir, "type", AMP_SYSATTR_TRIM_SPACE, 0, 2);
	int64_t cur, max;

	/* cur_state may be -1 (intel_powerclamp): a value like any other */
	if (type == NULL || !amp_sysattr_int(r, dir, "max_state", false, &max) ||
	    !amp_sysattr_int(r, dir, "cur_state", false, &cur))
		return;
	{
		const struct amp_label labels[] = {{"name", number}, {"type", type}};

		(void)amp_collect_emit(r->ctx, &fam_cur_state, labels, 2, (double)cur);
		(void)amp_collect_emit(r->ctx, &fam_max_state, labels, 2, (double)max);
	}
}

static int thermal_zone_collect(struct amp_collect_ctx *ctx)
{
	struct amp_sysattr_reader r = {ctx, MOD, &last_warn_ms, false};
	const struct amp_sysattr_names *names;
	int rc = amp_sysattr_scan(ctx, MOD, THERMAL_DIR, keep_entry, &names);

	if (rc != AMP_OK)
		return rc;
	for (unsigned i = 0; i < names->count; i++) {
		const char *name = amp_sysattr_name(names, i);
		char dir[64], number[128];

		if (snprintf(dir, sizeof(dir), THERMAL_DIR "/%s", name) >= (int)sizeof(dir))
			continue;
		/* the number is a label value, made valid UTF-8 like every other: a directory name may hold any byte */
		if (amp_sysattr_numbered(name, "thermal_zone"))
			zone(&r, dir, amp_sysattr_utf8(name + sizeof("thermal_zone") - 1, number, sizeof(number)));
		else
			cooling_device(&r, dir,
				       amp_sysattr_utf8(name + sizeof("cooling_device") - 1, number, sizeof(number)));
	}
	return r.bad ? AMP_ERR_INVALID : AMP_OK;
}

const struct amp_collector amp_collector_thermal_zone = {"thermal_zone", AMP_COLLECTOR_THERMAL_ZONE,
							 thermal_zone_collect};
