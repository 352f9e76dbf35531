/* netdev collector: per-interface traffic counters from /proc/net/dev, as node_network_*_total{device}. */
/* net/core/net-procfs.c (dev_seq_printf_stats): "%6s:" then 8 receive and 8 transmit columns, fixed since 2.2. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <string.h>

#define MOD "netdev"
#define NETDEV_FILE "net/dev"

#define NETDEV_COLUMNS 16
/* IFNAMSIZ is 16 with its NUL; a longer name is not the kernel's. */
#define NETDEV_NAME_MAX 15

/*
 * node_exporter's names for the columns, from its /proc/net/dev parser (with --collector.netdev.netlink,
 * its 1.5 default, it asks rtnetlink instead: the same names, plus receive_nohandler).
 */
#define COL(name) {"node_network_" name "_total", "Network device statistic " name ".", AMP_METRIC_COUNTER}
static const struct amp_family columns[NETDEV_COLUMNS] = {
	COL("receive_bytes"), COL("receive_packets"), COL("receive_errs"), COL("receive_drop"),
	COL("receive_fifo"), COL("receive_frame"), COL("receive_compressed"), COL("receive_multicast"),
	COL("transmit_bytes"), COL("transmit_packets"), COL("transmit_errs"), COL("transmit_drop"),
	COL("transmit_fifo"), COL("transmit_colls"), COL("transmit_carrier"), COL("transmit_compressed"),
};

/*
 * Parses "  name: v1 ... v16" (the name may touch its first value: "eth0:18446744073709551615"); copies
 * the name into name[] and returns NULL, or returns why the line is malformed. Columns past the 16th
 * are ignored, as the cpu collector ignores a future kernel's columns.
 */
static const char *parse_line(const char *line, const char *le, char name[NETDEV_NAME_MAX + 1],
			      uint64_t v[NETDEV_COLUMNS])
{
	const char *p = amp_parse_skip_blanks(line, le);
	const char *colon = memchr(p, ':', (size_t)(le - p));
	size_t name_len;

	if (colon == NULL)
		return "no \"name:\"";
	name_len = (size_t)(colon - p);
	if (name_len == 0 || name_len > NETDEV_NAME_MAX)
		return "interface name empty or longer than 15 bytes";
	/* The kernel refuses blanks in names (dev_valid_name); control characters and bad UTF-8 stop here. */
	for (size_t i = 0; i < name_len; i++) {
		if (amp_parse_is_blank(p[i]))
			return "blank in the interface name";
	}
	if (!amp_procparse_label_ok(p, name_len))
		return "interface name is not printable UTF-8";
	memcpy(name, p, name_len);
	name[name_len] = '\0';
	p = colon + 1;
	for (unsigned i = 0; i < NETDEV_COLUMNS; i++) {
		p = amp_parse_u64(amp_parse_skip_blanks(p, le), le, &v[i]);
		if (p == NULL)
			return "not 16 unsigned decimal columns";
	}
	return NULL;
}

static const char *netdev_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
			       unsigned lineno)
{
	char name[NETDEV_NAME_MAX + 1];
	uint64_t v[NETDEV_COLUMNS];
	const struct amp_label labels[] = {{"device", name}};
	const char *why;

	(void)arg;
	/* The two header lines hold '|' and no ':'. */
	if (lineno <= 2 && memchr(line, '|', (size_t)(le - line)) != NULL &&
	    memchr(line, ':', (size_t)(le - line)) == NULL)
		return NULL;
	why = parse_line(line, le, name, v);
	if (why != NULL)
		return why;
	for (unsigned i = 0; i < NETDEV_COLUMNS; i++)
		(void)amp_collect_emit(ctx, &columns[i], labels, 1, (double)v[i]);
	return NULL;
}

/*
 * Every interface, "lo" too: node_exporter 1.5 excludes none by default (Debian's build defaults
 * --collector.netdev.device-exclude to ^lo$; a [filter] drop rule does the same here). A line that is
 * not a header nor a valid "name: 16 columns" is skipped, the others still count, and the collector
 * then returns AMP_ERR_INVALID.
 */
static int netdev_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, NETDEV_FILE, &last_warn_ms, netdev_line, NULL);

	return rc == AMP_ERR_NOTFOUND ? AMP_OK : rc;
}

const struct amp_collector amp_collector_netdev = {"netdev", AMP_COLLECTOR_NETDEV, netdev_collect};
