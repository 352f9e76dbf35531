/* powersupplyclass collector: batteries and chargers from /sys/class/power_supply, as node_exporter's node_power_supply_*. */
/* Documentation/ABI/testing/sysfs-class-power: µV, µA, µAh, µWh, µW, tenths of °C, seconds; strings for status and model. */
#include "collector.h"
#include "log.h"
#include "sysattr.h"

#include <stdio.h>
#include <string.h>

#define MOD "powersupplyclass"
#define PS_DIR "class/power_supply"

struct ps_value {
	const char *file;
	struct amp_family fam;
	double div;           /* node_exporter divides: 1, 1e6 (µ units), 10 (tenths of °C) */
};

#define PS(file, name, div) \
	{file, {"node_power_supply_" name, name " value of /sys/class/power_supply/<power_supply>.", AMP_METRIC_GAUGE}, div}

/* node_exporter's names: most are the file's, some name the unit (charge_now is charge_ampere). */
static const struct ps_value values[] = {
	PS("authentic", "authentic", 1), PS("calibrate", "calibrate", 1), PS("capacity", "capacity", 1),
	PS("capacity_alert_max", "capacity_alert_max", 1), PS("capacity_alert_min", "capacity_alert_min", 1),
	PS("cycle_count", "cyclecount", 1), PS("online", "online", 1), PS("present", "present", 1),
	PS("time_to_empty_now", "time_to_empty_seconds", 1), PS("time_to_full_now", "time_to_full_seconds", 1),
	PS("current_boot", "current_boot", 1e6), PS("current_max", "current_max", 1e6),
	PS("current_now", "current_ampere", 1e6), PS("energy_empty", "energy_empty", 1e6),
	PS("energy_empty_design", "energy_empty_design", 1e6), PS("energy_full", "energy_full", 1e6),
	PS("energy_full_design", "energy_full_design", 1e6), PS("energy_now", "energy_watthour", 1e6),
	PS("voltage_boot", "voltage_boot", 1e6), PS("voltage_max", "voltage_max", 1e6),
	PS("voltage_max_design", "voltage_max_design", 1e6), PS("voltage_min", "voltage_min", 1e6),
	PS("voltage_min_design", "voltage_min_design", 1e6), PS("voltage_now", "voltage_volt", 1e6),
	PS("voltage_ocv", "voltage_ocv", 1e6), PS("charge_control_limit", "charge_control_limit", 1e6),
	PS("charge_control_limit_max", "charge_control_limit_max", 1e6), PS("charge_counter", "charge_counter", 1e6),
	PS("charge_empty", "charge_empty", 1e6), PS("charge_empty_design", "charge_empty_design", 1e6),
	PS("charge_full", "charge_full", 1e6), PS("charge_full_design", "charge_full_design", 1e6),
	PS("charge_now", "charge_ampere", 1e6), PS("charge_term_current", "charge_term_current", 1e6),
	PS("constant_charge_current", "constant_charge_current", 1e6),
	PS("constant_charge_current_max", "constant_charge_current_max", 1e6),
	PS("constant_charge_voltage", "constant_charge_voltage", 1e6),
	PS("constant_charge_voltage_max", "constant_charge_voltage_max", 1e6),
	PS("precharge_current", "precharge_current", 1e6), PS("input_current_limit", "input_current_limit", 1e6),
	PS("power_now", "power_watt", 1e6),
	PS("temp", "temp_celsius", 10), PS("temp_alert_max", "temp_alert_max_celsius", 10),
	PS("temp_alert_min", "temp_alert_min_celsius", 10), PS("temp_ambient", "temp_ambient_celsius", 10),
	PS("temp_ambient_max", "temp_ambient_max_celsius", 10), PS("temp_ambient_min", "temp_ambient_min_celsius", 10),
	PS("temp_max", "temp_max_celsius", 10), PS("temp_min", "temp_min_celsius", 10),
};

/* The text attributes that label node_power_supply_info (with power_supply itself). */
static const char *const info_files[] = {"capacity_level", "charge_type", "health", "manufacturer", "model_name",
					 "serial_number", "status", "technology", "type", "usb_type", "scope"};
#define INFO_COUNT (sizeof(info_files) / sizeof(info_files[0]))

static const struct amp_family fam_info = {"node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.",
					   AMP_METRIC_GAUGE};

static uint64_t last_warn_ms;

static bool keep_dir(const char *name, int is_dir)
{
	(void)name;
	return is_dir;
}

/* The info series: power_supply and every text attribute the supply has, each in a slot of ctx's buffer. */
static void supply_info(struct amp_collect_ctx *ctx, const char *dir, const char *name)
{
	struct amp_label labels[1 + INFO_COUNT];
	unsigned n = 0;

	labels[n++] = (struct amp_label){"power_supply", name};
	for (unsigned i = 0; i < INFO_COUNT; i++) {
		const char *v = amp_sysattr_text(ctx, dir, info_files[i], AMP_SYSATTR_TRIM_SPACE, i, INFO_COUNT);

		if (v != NULL)
			labels[n++] = (struct amp_label){info_files[i], v};
	}
	(void)amp_collect_emit(ctx, &fam_info, labels, n, 1.0);
}

static int powersupplyclass_collect(struct amp_collect_ctx *ctx)
{
	struct amp_sysattr_reader r = {ctx, MOD, &last_warn_ms, false};
	const struct amp_sysattr_names *names;
	int rc = amp_sysattr_scan(ctx, MOD, PS_DIR, keep_dir, &names);

	if (rc != AMP_OK)
		return rc;
	for (unsigned i = 0; i < names->count; i++) {
		const char *name = amp_sysattr_name(names, i);
		char dir[AMP_SYSATTR_PATH_MAX], name_utf8[128];
		const struct amp_label labels[] = {{"power_supply", amp_sysattr_utf8(name, name_utf8, sizeof(name_utf8))}};

		snprintf(dir, sizeof(dir), PS_DIR "/%s", name);
		for (unsigned f = 0; f < sizeof(values) / sizeof(values[0]); f++) {
			int64_t x;

			/* a charger's attribute may answer ENODATA or EINVAL while it is unplugged */
			if (amp_sysattr_int(&r, dir, values[f].file, true, &x))
				(void)amp_collect_emit(ctx, &values[f].fam, labels, 1, (double)x / values[f].div);
		}
		supply_info(ctx, dir, labels[0].value);
	}
	return r.bad ? AMP_ERR_INVALID : AMP_OK;
}

const struct amp_collector amp_collector_powersupplyclass = {"powersupplyclass", AMP_COLLECTOR_POWERSUPPLYCLASS,
							     powersupplyclass_collect};
