/* netclass collector: each network interface's link state, speed, MTU and flags from /sys/class/net, as node_exporter. */
/* Documentation/ABI/testing/sysfs-class-net: speed in Mb/s (-1 unknown), flags/dev_id in hex; carrier, speed, duplex answer EINVAL when down. */
#include "collector.h"
#include "log.h"
#include "sysattr.h"

#include <stdio.h>
#include <string.h>

#define MOD "netclass"
#define NET_DIR "class/net"

enum net_kind { NET_PLAIN, NET_SPEED };

struct net_value {
	const char *file;
	struct amp_family fam;
	enum net_kind kind;
};

#define NET(file, name, type) \
	{file, {"node_network_" name, "Network device property: " name, type}, NET_PLAIN}

static const struct net_value values[] = {
	NET("addr_assign_type", "address_assign_type", AMP_METRIC_GAUGE),
	NET("carrier", "carrier", AMP_METRIC_GAUGE),
	NET("carrier_changes", "carrier_changes_total", AMP_METRIC_COUNTER),
	NET("carrier_up_count", "carrier_up_changes_total", AMP_METRIC_COUNTER),
	NET("carrier_down_count", "carrier_down_changes_total", AMP_METRIC_COUNTER),
	NET("dev_id", "device_id", AMP_METRIC_GAUGE),
	NET("dormant", "dormant", AMP_METRIC_GAUGE),
	NET("flags", "flags", AMP_METRIC_GAUGE),
	NET("ifindex", "iface_id", AMP_METRIC_GAUGE),
	NET("iflink", "iface_link", AMP_METRIC_GAUGE),
	NET("link_mode", "iface_link_mode", AMP_METRIC_GAUGE),
	NET("mtu", "mtu_bytes", AMP_METRIC_GAUGE),
	NET("name_assign_type", "name_assign_type", AMP_METRIC_GAUGE),
	NET("netdev_group", "net_dev_group", AMP_METRIC_GAUGE),
	{"speed", {"node_network_speed_bytes", "Network device property: speed_bytes", AMP_METRIC_GAUGE}, NET_SPEED},
	NET("tx_queue_len", "transmit_queue_length", AMP_METRIC_GAUGE),
	NET("type", "protocol_type", AMP_METRIC_GAUGE),
};

static const struct amp_family fam_up = {"node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
					 AMP_METRIC_GAUGE};
static const struct amp_family fam_info = {"node_network_info",
					   "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
					   AMP_METRIC_GAUGE};

/* node_network_info's labels besides device, each read from the file of the same name. */
static const char *const info_files[] = {"address", "broadcast", "duplex", "operstate", "ifalias"};
#define INFO_COUNT (sizeof(info_files) / sizeof(info_files[0]))

static uint64_t last_warn_ms;

/* Interfaces are directories (links to them); bonding_masters is a file in the same place. */
static bool keep_iface(const char *name, int is_dir)
{
	(void)name;
	return is_dir;
}

/* up and info: operstate and the text attributes, each in its own slot of ctx's read buffer. */
static void iface_info(struct amp_collect_ctx *ctx, const char *dir, const char *device)
{
	struct amp_label labels[1 + INFO_COUNT];
	const char *operstate = "";
	unsigned n = 0;

	labels[n++] = (struct amp_label){"device", device};
	for (unsigned i = 0; i < INFO_COUNT; i++) {
		/* duplex answers EINVAL while the link is down: the label is then empty, as node_exporter's */
		const char *v = amp_sysattr_text(ctx, dir, info_files[i], AMP_SYSATTR_TRIM_SPACE, i, INFO_COUNT);

		labels[n++] = (struct amp_label){info_files[i], v != NULL ? v : ""};
		if (strcmp(info_files[i], "operstate") == 0 && v != NULL)
			operstate = v;
	}
	(void)amp_collect_emit(ctx, &fam_up, labels, 1, strcmp(operstate, "up") == 0 ? 1.0 : 0.0);
	(void)amp_collect_emit(ctx, &fam_info, labels, n, 1.0);
}

/* Mb/s to bytes/s in integers, as node_exporter: an unknown speed (-1) gives -125000. */
static bool speed_bytes(struct amp_sysattr_reader *r, const char *dir, int64_t *x)
{
	if (*x > INT64_MAX / 1000000 || *x < INT64_MIN / 1000000) {
		amp_sysattr_bad(r->ctx, MOD, r->ctx->sysfs, dir, "speed", r->last_warn_ms, "speed out of range");
		r->bad = true;
		return false;
	}
	*x = *x * 1000000 / 8;
	return true;
}

static int netclass_collect(struct amp_collect_ctx *ctx)
{
	struct amp_sysattr_reader r = {ctx, MOD, &last_warn_ms, false};
	const struct amp_sysattr_names *names;
	int rc = amp_sysattr_scan(ctx, MOD, NET_DIR, keep_iface, &names);

	if (rc != AMP_OK)
		return rc;
	for (unsigned i = 0; i < names->count; i++) {
		const char *name = amp_sysattr_name(names, i);
		char dir[96], device[64];
		const struct amp_label labels[] = {{"device", amp_sysattr_utf8(name, device, sizeof(device))}};

		if (snprintf(dir, sizeof(dir), NET_DIR "/%s", name) >= (int)sizeof(dir))
			continue;
		iface_info(ctx, dir, device);
		for (unsigned f = 0; f < sizeof(values) / sizeof(values[0]); f++) {
			int64_t x;

			/* EINVAL while the link is down (carrier, speed, dormant): no value, as node_exporter */
			if (!amp_sysattr_int(&r, dir, values[f].file, true, &x) ||
			    (values[f].kind == NET_SPEED && !speed_bytes(&r, dir, &x)))
				continue;
			(void)amp_collect_emit(ctx, &values[f].fam, labels, 1, (double)x);
		}
	}
	return r.bad ? AMP_ERR_INVALID : AMP_OK;
}

const struct amp_collector amp_collector_netclass = {"netclass", AMP_COLLECTOR_NETCLASS, netclass_collect};
