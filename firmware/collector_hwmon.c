/* hwmon collector: chip sensors (temperature, voltage, fan, power, current...) from /sys/class/hwmon, as node_exporter. */
/* Documentation/hwmon/sysfs-interface.rst: <type><n>_<item> files; m°C, mV, mA, µW, µJ, m%RH, RPM; reads may fail (EAGAIN). */
#include "collector.h"
#include "log.h"
#include "port.h"
#include "sysattr.h"

#include <stdio.h>
#include <string.h>

#define MOD "hwmon"
#define HWMON_DIR "class/hwmon"
/* Longest chip or sensor name kept; sysfs device names are far shorter. */
#define HWMON_NAME_MAX 128
/* Sensors with a bare "<type><n>" file per chip (temp1 next to temp1_input): a few at most. */
#define HWMON_PLAIN_MAX 64

/*
 * node_exporter derives a family's name, help and unit from the sensor type and the file's item. The
 * registry keeps pointers to families, so they cannot be built from file names: every (type, item) pair
 * the kernel documents has a row here, spelled as node_exporter spells it, including its quirks
 * (temp1_crit_alarm is "node_hwmon_temp_crit_alarm_celsius" in m°C/1000). Other items are skipped.
 */
enum plain { ANY, NO_PLAIN, WITH_PLAIN }; /* does the sensor's bare "<type><n>" file exist too */

struct hwmon_row {
	const char *type;
	const char *item;     /* after "<type><n>_"; "" for the bare "<type><n>" file */
	enum plain plain;
	struct amp_family fam;
	double mul, div;      /* value = raw * mul / div, as node_exporter computes it (0.001 is not 1/1000) */
};

#define ROW(t, i, p, name, help, mul, div) {t, i, p, {name, help, AMP_METRIC_GAUGE}, mul, div}
#define STATUS(t) \
	ROW(t, "alarm", ANY, "node_hwmon_" t "_alarm", "Hardware sensor alarm status (" t ")", 1, 1), \
	ROW(t, "fault", ANY, "node_hwmon_" t "_fault", "Hardware sensor fault status (" t ")", 1, 1), \
	ROW(t, "beep", ANY, "node_hwmon_" t "_beep_enabled", "Hardware monitor sensor has beeping enabled", 1, 1)
#define VOLTS(i) ROW("in", i, ANY, "node_hwmon_in_" i "_volts", "Hardware monitor for voltage (" i ")", 0.001, 1)
#define CELSIUS(i) \
	ROW("temp", i, ANY, "node_hwmon_temp_" i "_celsius", "Hardware monitor for temperature (" i ")", 0.001, 1)
#define AMPS(i) ROW("curr", i, ANY, "node_hwmon_curr_" i "_amps", "Hardware monitor for current (" i ")", 0.001, 1)
#define WATTS(i) \
	ROW("power", i, ANY, "node_hwmon_power_" i "_watt", "Hardware monitor for power usage in watts (" i ")", 1, 1e6)
#define SECONDS(i) \
	ROW("power", i, ANY, "node_hwmon_power_" i "_seconds", "Hardware monitor power usage update interval (" i ")", \
	    0.001, 1)
#define HUMIDITY_HELP "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) "
#define HUMIDITY(i) ROW("humidity", i, ANY, "node_hwmon_humidity_" i, HUMIDITY_HELP "(" i ")", 1, 1e6)
#define RPM(i) ROW("fan", i, ANY, "node_hwmon_fan_" i "_rpm", "Hardware monitor for fan revolutions per minute (" i ")", 1, 1)
#define RAW(t, i) ROW(t, i, ANY, "node_hwmon_" t "_" i, "Hardware monitor " t " element " i, 1, 1)

static const struct hwmon_row rows[] = {
	STATUS("in"), STATUS("fan"), STATUS("temp"), STATUS("curr"), STATUS("power"), STATUS("humidity"),
	STATUS("intrusion"),
	ROW("in", "input", NO_PLAIN, "node_hwmon_in_volts", "Hardware monitor for voltage (input)", 0.001, 1),
	VOLTS("min"), VOLTS("max"), VOLTS("lcrit"), VOLTS("crit"), VOLTS("average"), VOLTS("lowest"), VOLTS("highest"),
	VOLTS("rated_min"), VOLTS("rated_max"), VOLTS("min_alarm"), VOLTS("max_alarm"), VOLTS("lcrit_alarm"),
	VOLTS("crit_alarm"),
	ROW("cpu", "vid", ANY, "node_hwmon_cpu_vid_volts", "Hardware monitor for voltage (vid)", 0.001, 1),
	ROW("temp", "", ANY, "node_hwmon_temp_celsius", "Hardware monitor for temperature (input)", 0.001, 1),
	ROW("temp", "input", NO_PLAIN, "node_hwmon_temp_celsius", "Hardware monitor for temperature (input)", 0.001, 1),
	ROW("temp", "input", WITH_PLAIN, "node_hwmon_temp_input_celsius", "Hardware monitor for temperature (input)",
	    0.001, 1),
	CELSIUS("max"), CELSIUS("min"), CELSIUS("max_hyst"), CELSIUS("min_hyst"), CELSIUS("crit"), CELSIUS("crit_hyst"),
	CELSIUS("emergency"), CELSIUS("emergency_hyst"), CELSIUS("lcrit"), CELSIUS("lcrit_hyst"), CELSIUS("offset"),
	CELSIUS("lowest"), CELSIUS("highest"), CELSIUS("rated_min"), CELSIUS("rated_max"), CELSIUS("min_alarm"),
	CELSIUS("max_alarm"), CELSIUS("crit_alarm"), CELSIUS("lcrit_alarm"), CELSIUS("emergency_alarm"),
	RAW("temp", "type"),
	ROW("curr", "input", NO_PLAIN, "node_hwmon_curr_amps", "Hardware monitor for current (input)", 0.001, 1),
	AMPS("min"), AMPS("max"), AMPS("lcrit"), AMPS("crit"), AMPS("average"), AMPS("lowest"), AMPS("highest"),
	AMPS("rated_min"), AMPS("rated_max"), AMPS("min_alarm"), AMPS("max_alarm"), AMPS("lcrit_alarm"),
	AMPS("crit_alarm"),
	ROW("power", "input", NO_PLAIN, "node_hwmon_power_watt", "Hardware monitor for power usage in watts (input)", 1,
	    1e6),
	WATTS("average"), WATTS("average_highest"), WATTS("average_lowest"), WATTS("average_max"), WATTS("average_min"),
	WATTS("input_highest"), WATTS("input_lowest"), WATTS("cap"), WATTS("cap_hyst"), WATTS("cap_max"),
	WATTS("cap_min"), WATTS("max"), WATTS("crit"), WATTS("lcrit"), WATTS("rated_min"), WATTS("rated_max"),
	WATTS("cap_alarm"), WATTS("max_alarm"), WATTS("crit_alarm"), WATTS("lcrit_alarm"),
	ROW("power", "accuracy", ANY, "node_hwmon_power_accuracy", "Hardware monitor power meter accuracy, as a ratio", 1,
	    1e6),
	SECONDS("average_interval"), SECONDS("average_interval_min"), SECONDS("average_interval_max"),
	{"energy", "input", NO_PLAIN,
	 {"node_hwmon_energy_joule_total", "Hardware monitor for joules used so far (input)", AMP_METRIC_COUNTER}, 1,
	 1e6},
	ROW("humidity", "input", NO_PLAIN, "node_hwmon_humidity", HUMIDITY_HELP "(input)", 1, 1e6),
	HUMIDITY("min"), HUMIDITY("max"), HUMIDITY("min_hyst"), HUMIDITY("max_hyst"), HUMIDITY("rated_min"),
	HUMIDITY("rated_max"), HUMIDITY("min_alarm"), HUMIDITY("max_alarm"),
	ROW("fan", "input", NO_PLAIN, "node_hwmon_fan_rpm", "Hardware monitor for fan revolutions per minute (input)", 1,
	    1),
	RPM("min"), RPM("max"), RPM("target"),
	RAW("fan", "div"), RAW("fan", "pulses"), RAW("fan", "enable"), RAW("fan", "min_alarm"), RAW("fan", "max_alarm"),
	ROW("pwm", "", ANY, "node_hwmon_pwm", "Hardware monitor pwm element ", 1, 1),
	RAW("pwm", "enable"), RAW("pwm", "mode"), RAW("pwm", "freq"), RAW("pwm", "auto_channels_temp"),
	RAW("pwm", "floor"), RAW("pwm", "start"), RAW("pwm", "target_temp"), RAW("pwm", "temp_sel"),
};

#define ROW_COUNT (sizeof(rows) / sizeof(rows[0]))

static const struct amp_family fam_chip_names = {"node_hwmon_chip_names", "Annotation metric for human-readable chip names",
						  AMP_METRIC_GAUGE};
static const struct amp_family fam_sensor_label = {"node_hwmon_sensor_label", "Label for given chip and sensor",
						    AMP_METRIC_GAUGE};
static const struct amp_family fam_beep_enabled = {"node_hwmon_beep_enabled", "Hardware beep enabled", AMP_METRIC_GAUGE};
static const struct amp_family fam_vrm = {"node_hwmon_voltage_regulator_version", "Hardware voltage regulator",
					  AMP_METRIC_GAUGE};
static const struct amp_family fam_update_interval = {"node_hwmon_update_interval_seconds",
						       "Hardware monitor update interval", AMP_METRIC_GAUGE};

/* node_exporter's sensor types; any other file is not a sensor. */
static const char *const sensor_types[] = {"vrm", "beep_enable", "update_interval", "in", "cpu", "fan", "pwm", "temp",
					   "curr", "power", "energy", "humidity", "intrusion"};

/* A sensor file's name split as node_exporter's ^([^0-9]+)([0-9]*)?(_(.+))?$ splits it. */
struct sensor_file {
	const char *type;     /* one of sensor_types */
	uint64_t num;         /* 0 when the name has no number */
	const char *item;     /* after '_', or "" */
};

struct plain_sensor {
	const char *type;
	uint64_t num;
};

/* One chip's walk: its names, and the sensors with a bare file (found in a first pass). */
struct chip_walk {
	struct amp_collect_ctx *ctx;
	const char *dir;      /* under sysfs: class/hwmon/hwmonN or class/hwmon/hwmonN/device */
	const char *chip;
	bool second_pass;
	struct plain_sensor plain[HWMON_PLAIN_MAX];
	unsigned plain_count;
};

static bool split_name(const char *name, struct sensor_file *out)
{
	const char *p = name;
	size_t type_len;
	uint64_t num = 0;
	unsigned digits = 0;

	while (*p && !(*p >= '0' && *p <= '9'))
		p++;
	type_len = (size_t)(p - name);
	if (type_len == 0)
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 18)
			return false; /* past Go's Atoi on 64 bits: node_exporter skips the file too */
		num = num * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0' && (*p != '_' || p[1] == '\0'))
		return false;
	out->type = NULL;
	for (unsigned i = 0; i < sizeof(sensor_types) / sizeof(sensor_types[0]); i++) {
		if (strlen(sensor_types[i]) == type_len && memcmp(sensor_types[i], name, type_len) == 0)
			out->type = sensor_types[i];
	}
	if (out->type == NULL)
		return false;
	out->num = num;
	out->item = *p == '_' ? p + 1 : "";
	return true;
}

/*
 * node_exporter's cleanMetricName: lower case, every character but [a-z0-9:_] becomes '_', '_' trimmed
 * at both ends. A multi-byte character is one character, so one '_'.
 */
static const char *clean_name(const char *in, char *out, size_t cap)
{
	size_t used = 0, start = 0;

	for (const char *p = in; *p && used + 1 < cap;) {
		char c = *p;
		size_t n = amp_sysattr_utf8_char(p);

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[used++] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ? c : '_';
		p += n > 0 ? n : 1;
	}
	while (used > 0 && out[used - 1] == '_')
		used--;
	out[used] = '\0';
	while (out[start] == '_')
		start++;
	memmove(out, out + start, used - start + 1);
	return out;
}

/* The path component that ends at `end` (trailing slashes skipped): its length, and where it starts. */
static size_t component(const char *path, size_t end, size_t *start)
{
	while (end > 1 && path[end - 1] == '/')
		end--;
	*start = end;
	while (*start > 0 && path[*start - 1] != '/')
		(*start)--;
	return end - *start;
}

/* The last path component of `path` and the one before it (either may be empty). */
static void last_two(const char *path, char *last, char *parent, size_t cap)
{
	size_t start, pstart;
	size_t n = component(path, strlen(path), &start);
	size_t pn = component(path, start, &pstart);

	snprintf(last, cap, "%.*s", (int)n, path + start);
	snprintf(parent, cap, "%.*s", (int)pn, path + pstart);
}

/*
 * node_exporter's chip label, stable across boots: from the device the chip hangs off
 * ("platform_coretemp_0"), else its "name" file, else the hwmonN directory's own name.
 */
static bool chip_label(struct amp_collect_ctx *ctx, const char *dir, char *chip, size_t cap)
{
	char path[AMP_SYSATTR_PATH_MAX], real[AMP_SYSATTR_PATH_MAX];
	char last[HWMON_NAME_MAX], parent[HWMON_NAME_MAX];
	size_t vcap;
	char *buf = amp_sysattr_slot(ctx, 0, 4, &vcap);
	char *v;

	if (amp_sysattr_path(path, sizeof(path), ctx->sysfs, dir, "device") == AMP_OK &&
	    port_realpath(path, real, sizeof(real)) == AMP_OK) {
		char a[HWMON_NAME_MAX], b[HWMON_NAME_MAX];

		last_two(real, last, parent, sizeof(last));
		clean_name(last, a, sizeof(a));
		clean_name(parent, b, sizeof(b));
		/* a name that does not fit is not the chip's name: fall back to the "name" attribute */
		if (a[0] != '\0' && (size_t)snprintf(chip, cap, "%s%s%s", b, b[0] != '\0' ? "_" : "", a) < cap)
			return true;
	}
	if (amp_sysattr_read(ctx->sysfs, dir, "name", AMP_SYSATTR_TRIM_NEWLINES, buf, vcap, &v) == AMP_OK &&
	    clean_name(v, chip, cap)[0] != '\0')
		return true;
	if (amp_sysattr_path(path, sizeof(path), ctx->sysfs, dir, NULL) == AMP_OK &&
	    port_realpath(path, real, sizeof(real)) == AMP_OK) {
		last_two(real, last, parent, sizeof(last));
		if (clean_name(last, chip, cap)[0] != '\0')
			return true;
	}
	return false;
}

static const struct hwmon_row *find_row(const char *type, const char *item, bool has_plain)
{
	for (unsigned i = 0; i < ROW_COUNT; i++) {
		const struct hwmon_row *r = &rows[i];

		if (strcmp(r->type, type) == 0 && strcmp(r->item, item) == 0 &&
		    (r->plain == ANY || (r->plain == WITH_PLAIN) == has_plain))
			return r;
	}
	return NULL;
}

static bool is_plain(const struct chip_walk *w, const struct sensor_file *f)
{
	for (unsigned i = 0; i < w->plain_count; i++) {
		if (w->plain[i].type == f->type && w->plain[i].num == f->num)
			return true;
	}
	return false;
}

static void emit(struct chip_walk *w, const struct amp_family *fam, const char *sensor, double value)
{
	const struct amp_label labels[] = {{"chip", w->chip}, {"sensor", sensor}};

	(void)amp_collect_emit(w->ctx, fam, labels, 2, value);
}

/* One file of a chip: what node_exporter's updateHwmon makes of it. A file that fails to read is skipped. */
static void sensor(struct chip_walk *w, const char *name, const struct sensor_file *f)
{
	struct amp_collect_ctx *ctx = w->ctx;
	char sensor_name[HWMON_NAME_MAX];
	size_t cap;
	char *buf = amp_sysattr_slot(ctx, 1, 4, &cap);
	char *v;
	const struct hwmon_row *row;
	double value;
	int rc;

	snprintf(sensor_name, sizeof(sensor_name), "%s%llu", f->type, (unsigned long long)f->num);
	rc = amp_sysattr_read(ctx->sysfs, w->dir, name, AMP_SYSATTR_TRIM_NEWLINES, buf, cap, &v);
	if (rc != AMP_OK) {
		AMP_LOG_D(MOD, "%s/%s/%s: %s, skipped", ctx->sysfs, w->dir, name, amp_strerror(rc));
		return;
	}
	if (strcmp(f->item, "label") == 0) {
		char label[HWMON_NAME_MAX * 2];
		const struct amp_label labels[] = {
			{"chip", w->chip}, {"sensor", sensor_name}, {"label", amp_sysattr_utf8(v, label, sizeof(label))}};

		(void)amp_collect_emit(ctx, &fam_sensor_label, labels, 3, 1.0);
		return;
	}
	/* three types are one value each, read from their bare file */
	if (strcmp(f->type, "beep_enable") == 0 || strcmp(f->type, "vrm") == 0 ||
	    strcmp(f->type, "update_interval") == 0) {
		if (f->item[0] != '\0')
			return;
		if (f->type[0] == 'b')
			emit(w, &fam_beep_enabled, sensor_name, strcmp(v, "1") == 0 ? 1.0 : 0.0);
		else if (amp_sysattr_number(v, &value))
			emit(w, f->type[0] == 'v' ? &fam_vrm : &fam_update_interval, sensor_name,
			     f->type[0] == 'v' ? value : value * 0.001);
		return;
	}
	if (!amp_sysattr_number(v, &value)) {
		AMP_LOG_D(MOD, "%s/%s/%s: not a number, skipped", ctx->sysfs, w->dir, name);
		return;
	}
	row = find_row(f->type, f->item, is_plain(w, f));
	if (row == NULL) {
		AMP_LOG_D(MOD, "%s/%s/%s: no node_exporter family known for this item, skipped", ctx->sysfs, w->dir, name);
		return;
	}
	emit(w, &row->fam, sensor_name, value * row->mul / row->div);
}

static int walk_file(void *arg, const char *name, int is_dir)
{
	struct chip_walk *w = arg;
	struct sensor_file f;

	if (is_dir || !split_name(name, &f))
		return 0;
	if (w->second_pass)
		sensor(w, name, &f);
	else if (f.item[0] == '\0' && !is_plain(w, &f) && w->plain_count < HWMON_PLAIN_MAX)
		w->plain[w->plain_count++] = (struct plain_sensor){f.type, f.num};
	return 0;
}

/* Walks the chip's directory and its device directory, where old drivers keep their files. */
static void walk_chip(struct chip_walk *w, const char *chip_dir)
{
	char dev_dir[AMP_SYSATTR_PATH_MAX];
	char path[AMP_SYSATTR_PATH_MAX];
	const char *dirs[2] = {chip_dir, dev_dir};

	if ((size_t)snprintf(dev_dir, sizeof(dev_dir), "%s/device", chip_dir) >= sizeof(dev_dir))
		dev_dir[0] = '\0'; /* too long to name: only the chip's own directory is walked */
	for (int pass = 0; pass < 2; pass++) {
		w->second_pass = pass == 1;
		for (unsigned d = 0; d < 2; d++) {
			int rc;

			w->dir = dirs[d];
			if (dirs[d][0] == '\0' || amp_sysattr_path(path, sizeof(path), w->ctx->sysfs, dirs[d], NULL) != AMP_OK)
				continue;
			rc = port_dir_list(path, walk_file, w);
			if (rc != AMP_OK && rc != AMP_ERR_NOTFOUND)
				AMP_LOG_D(MOD, "%s: %s", path, amp_strerror(rc));
		}
	}
}

static bool keep_dir(const char *name, int is_dir)
{
	(void)name;
	return is_dir;
}

static int hwmon_collect(struct amp_collect_ctx *ctx)
{
	static struct chip_walk walk;
	const struct amp_sysattr_names *names;
	int rc = amp_sysattr_scan(ctx, MOD, HWMON_DIR, keep_dir, &names);

	if (rc != AMP_OK)
		return rc;
	for (unsigned i = 0; i < names->count; i++) {
		char dir[AMP_SYSATTR_PATH_MAX], chip[HWMON_NAME_MAX], chip_name[HWMON_NAME_MAX];
		size_t cap;
		char *buf = amp_sysattr_slot(ctx, 0, 4, &cap);
		char *v;

		snprintf(dir, sizeof(dir), HWMON_DIR "/%s", amp_sysattr_name(names, i));
		if (!chip_label(ctx, dir, chip, sizeof(chip))) {
			AMP_LOG_D(MOD, "%s/%s: no name for this chip, skipped", ctx->sysfs, dir);
			continue;
		}
		if (amp_sysattr_read(ctx->sysfs, dir, "name", AMP_SYSATTR_TRIM_NEWLINES, buf, cap, &v) == AMP_OK &&
		    clean_name(v, chip_name, sizeof(chip_name))[0] != '\0') {
			const struct amp_label labels[] = {{"chip", chip}, {"chip_name", chip_name}};

			(void)amp_collect_emit(ctx, &fam_chip_names, labels, 2, 1.0);
		}
		memset(&walk, 0, sizeof(walk));
		walk.ctx = ctx;
		walk.chip = chip;
		walk_chip(&walk, dir);
	}
	return AMP_OK;
}

const struct amp_collector amp_collector_hwmon = {"hwmon", AMP_COLLECTOR_HWMON, hwmon_collect};
