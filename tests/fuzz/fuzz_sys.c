/* libFuzzer target: the /sys collectors, run over a temp sysfs tree that the input builds file by file. */
#include "fuzz_common.h"

#include <ftw.h>

#include "collector.h"
#include "json.h"
#include "registry.h"

/*
 * The input is a list of records, each making one file or link of the tree:
 *
 *   kind  class  entry  attr  len_lo  len_hi  [entry name]  [attr name]  content[len]
 *
 * class picks a collector's directory (table below); entry picks the directory under it (hwmon0, eth0,
 * thermal_zone1...) and attr the file in it, from tables of real names, or, when its top bit is set, a
 * name of 1 + (byte & 31) input bytes ('/' and NUL made '_': names the kernel would never give). kind:
 *   0  <class>/<entry>/<attr> holding content
 *   1  <class>/<entry>/<sub>/<attr> holding content (sub: hwmon's "device", cpufreq's "cpufreq")
 *   2  <class>/<entry> a link to devices/<content> (as every /sys/class entry is), unless it exists already
 *   3  <class>/<entry>/device a link to devices/<content> (the hwmon chip's label comes from where it points)
 * kind's bit 7 leaves a link's target missing (a dangling link). The content's length is capped by what
 * is left of the input. Only the collectors that read /sys run: hwmon, thermal_zone, netclass, cpufreq,
 * powersupplyclass and time (its clock sources).
 */

struct sys_class {
	const char *dir;
	const char *sub;
	const char *const *entries;
	unsigned entry_count;
	const char *const *attrs;
	unsigned attr_count;
};

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static const char *const hwmon_entries[] = {"hwmon0", "hwmon1", "hwmon10"};
static const char *const hwmon_attrs[] = {
	"name", "temp1_input", "temp1_label", "temp1", "temp1_crit", "temp1_crit_alarm", "temp1_max", "temp2_type",
	"temp1_beep", "in0_input", "in0_label", "in1_min", "in0_alarm", "fan1_input", "fan1_min", "fan1_fault",
	"fan1_div", "pwm1", "pwm1_enable", "curr1_input", "curr1_max", "power1_input", "power1_average_interval",
	"power1_accuracy", "energy1_input", "humidity1_input", "intrusion0_alarm", "beep_enable", "vrm",
	"update_interval", "cpu0_vid", "temp18446744073709551615_input",
};
static const char *const thermal_entries[] = {"thermal_zone0", "thermal_zone1", "thermal_zone10", "cooling_device0",
					      "cooling_device1"};
static const char *const thermal_attrs[] = {"type", "temp", "policy", "cur_state", "max_state", "mode"};
static const char *const net_entries[] = {"eth0", "lo", "wlan0", "bonding_masters"};
static const char *const net_attrs[] = {
	"addr_assign_type", "carrier", "carrier_changes", "carrier_up_count", "carrier_down_count", "dev_id", "dormant",
	"flags", "ifindex", "iflink", "link_mode", "mtu", "name_assign_type", "netdev_group", "speed", "tx_queue_len",
	"type", "address", "broadcast", "duplex", "operstate", "ifalias",
};
static const char *const ps_entries[] = {"BAT0", "AC", "usb"};
static const char *const ps_attrs[] = {
	"capacity", "cycle_count", "online", "present", "current_now", "energy_full", "voltage_now", "charge_now",
	"power_now", "temp", "time_to_empty_now", "capacity_level", "charge_type", "health", "manufacturer",
	"model_name", "serial_number", "status", "technology", "type", "usb_type", "scope",
};
static const char *const cpu_entries[] = {"cpu0", "cpu1", "cpu10", "cpufreq"};
static const char *const cpu_attrs[] = {"cpuinfo_cur_freq", "cpuinfo_min_freq", "cpuinfo_max_freq",
					"scaling_cur_freq", "scaling_min_freq", "scaling_max_freq"};
static const char *const cs_entries[] = {"clocksource0", "clocksource1"};
static const char *const cs_attrs[] = {"available_clocksource", "current_clocksource"};

static const struct sys_class classes[] = {
	{"class/hwmon", "device", hwmon_entries, N(hwmon_entries), hwmon_attrs, N(hwmon_attrs)},
	{"class/thermal", "device", thermal_entries, N(thermal_entries), thermal_attrs, N(thermal_attrs)},
	{"class/net", "device", net_entries, N(net_entries), net_attrs, N(net_attrs)},
	{"class/power_supply", "device", ps_entries, N(ps_entries), ps_attrs, N(ps_attrs)},
	{"devices/system/cpu", "cpufreq", cpu_entries, N(cpu_entries), cpu_attrs, N(cpu_attrs)},
	{"devices/system/clocksource", "device", cs_entries, N(cs_entries), cs_attrs, N(cs_attrs)},
};

static const enum amp_collector_id sys_ids[] = {
	AMP_COLLECTOR_HWMON, AMP_COLLECTOR_THERMAL_ZONE, AMP_COLLECTOR_NETCLASS, AMP_COLLECTOR_CPUFREQ,
	AMP_COLLECTOR_POWERSUPPLYCLASS, AMP_COLLECTOR_TIME,
};

#define MAX_RECORDS 64

static struct amp_registry reg;
static char read_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static char root[128];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* mkdir -p of everything in `path` after the root (which exists); components must already be sane. */
static void make_parents(char *path, int include_last)
{
	size_t skip = strlen(root);

	for (char *p = path + skip + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(path, 0700);
			*p = '/';
		}
	}
	if (include_last)
		(void)mkdir(path, 0700);
}

/* A name from input bytes: '/' and NUL are the two bytes a file name cannot hold; "." and ".." would climb. */
static void input_name(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] == '/' || in[i] == '\0' ? '_' : (char)in[i];
	out[n] = '\0';
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		out[0] = '_';
}

/* A relative path from input bytes: components made sane as names, empty ones dropped; at most 120 bytes. */
static void input_rel(const uint8_t *in, size_t n, char *out)
{
	size_t used = 0, start = 0;

	if (n > 120)
		n = 120;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && in[i] != '/')
			continue;
		if (i > start) {
			if (used > 0)
				out[used++] = '/';
			input_name(in + start, i - start, out + used);
			used += strlen(out + used);
		}
		start = i + 1;
	}
	if (used == 0)
		out[used++] = '_';
	out[used] = '\0';
}

/* Takes a table name or, with bit 7, a name of 1..32 input bytes; NULL when the input ends first. */
static const char *pick_name(uint8_t sel, const char *const *table, unsigned count, const uint8_t **p,
			     const uint8_t *end, char *buf)
{
	size_t n;

	if (!(sel & 0x80))
		return table[sel % count];
	n = 1 + (size_t)(sel & 31);
	if ((size_t)(end - *p) < n)
		return NULL;
	input_name(*p, n, buf);
	*p += n;
	return buf;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return; /* the place is a link or a file already: the tree stays as the earlier records made it */
	if (size > 0)
		(void)fwrite(data, 1, size, f);
	fclose(f);
}

/* A link at `path` to <root>/devices/<rel>, the target made unless `dangling`. */
static void make_link(char *path, const char *rel, int dangling)
{
	char target[512];

	snprintf(target, sizeof(target), "%s/devices/%s", root, rel);
	if (!dangling)
		make_parents(target, 1);
	make_parents(path, 0);
	(void)symlink(target, path);
}

static void build_tree(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	for (unsigned r = 0; r < MAX_RECORDS && end - p >= 6; r++) {
		const struct sys_class *c = &classes[p[1] % N(classes)];
		uint8_t kind = p[0], esel = p[2], asel = p[3];
		size_t len = (size_t)p[4] | (size_t)p[5] << 8;
		char ebuf[40], abuf[40], rel[128], path[512];
		const char *entry, *attr;

		p += 6;
		entry = pick_name(esel, c->entries, c->entry_count, &p, end, ebuf);
		attr = entry != NULL ? pick_name(asel, c->attrs, c->attr_count, &p, end, abuf) : NULL;
		if (attr == NULL)
			return;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		switch (kind & 3) {
		case 0:
			snprintf(path, sizeof(path), "%s/%s/%s/%s", root, c->dir, entry, attr);
			make_parents(path, 0);
			write_file(path, p, len);
			break;
		case 1:
			snprintf(path, sizeof(path), "%s/%s/%s/%s/%s", root, c->dir, entry, c->sub, attr);
			make_parents(path, 0);
			write_file(path, p, len);
			break;
		case 2:
			input_rel(p, len, rel);
			snprintf(path, sizeof(path), "%s/%s/%s", root, c->dir, entry);
			make_link(path, rel, kind & 0x80);
			break;
		default:
			input_rel(p, len, rel);
			snprintf(path, sizeof(path), "%s/%s/%s/device", root, c->dir, entry);
			make_link(path, rel, kind & 0x80);
			break;
		}
		p += len;
	}
}

/* Every label value must be valid UTF-8 (README: the collectors repair what they read). */
static void check_labels(void)
{
	for (unsigned id = 0; id < amp_registry_count(&reg); id++) {
		struct amp_label l;
		unsigned cursor = 0;

		while (amp_registry_label_next(&reg, (amp_series_id)id, &cursor, &l) == 0) {
			size_t n = strlen(l.value);

			for (size_t i = 0; i < n;)
				if (amp_json_utf8_next(l.value, n, &i) < 0)
					abort();
		}
	}
}

static void remove_root(void)
{
	(void)nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The tree is made and removed for every input: on tmpfs (/dev/shm) when there is one, three to ten
 * times faster than in /tmp, where ext4's inode allocation took most of the time.
 */
static void make_root_name(void)
{
	const char *base = fuzz_dir(); /* quiet logs, and the fallback */

	snprintf(root, sizeof(root), "/dev/shm/amp-fuzz-sys-XXXXXX");
	if (mkdtemp(root) == NULL)
		snprintf(root, sizeof(root), "%s/sys", base);
	atexit(remove_root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (root[0] == '\0')
		make_root_name();
	remove_root();
	if (mkdir(root, 0700) != 0)
		abort();
	build_tree(data, size);

	fuzz_ctx_init(&ctx, &reg, entries, read_buf, sizeof(read_buf));
	ctx.sysfs = root;
	ctx.disabled = UINT32_MAX;
	for (size_t i = 0; i < sizeof(sys_ids) / sizeof(sys_ids[0]); i++)
		ctx.disabled &= ~(1u << sys_ids[i]);
	(void)amp_collect_all(&ctx);
	if (ctx.entry_count > ctx.entry_cap)
		abort();
	check_labels();
	amp_collect_sort(&ctx);
	return 0;
}
