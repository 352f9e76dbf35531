/* diskstats collector: per-block-device I/O counters from /proc/diskstats, as node_exporter's node_disk_*{device}. */
/* Documentation/admin-guide/iostats.rst: 11 fields, +4 discard (4.18), +2 flush (5.5); 512-byte sectors, ms. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MOD "diskstats"
#define DISKSTATS_FILE "diskstats"

#define DISK_STATS 17
/* Before 2.6.25 a partition's line held 4 counts: reads, sectors read, writes, sectors written. */
#define DISK_STATS_OLD_PARTITION 4
#define DISK_STATS_MIN 11
/* DISK_NAME_LEN is 32 with its NUL. */
#define DISK_NAME_MAX 31

enum disk_unit {
	UNIT_COUNT,
	UNIT_SECTORS, /* "standard UNIX 512-byte sectors", whatever the device's block size: to bytes */
	UNIT_MS,      /* to seconds, as node_exporter does: ms * 0.001 (not ms / 1000, which rounds differently) */
};

struct disk_stat {
	struct amp_family fam;
	enum disk_unit unit;
};

#define COUNTER(name, help, unit) {{"node_disk_" name, help, AMP_METRIC_COUNTER}, unit}

/* node_exporter 1.5's families, in the kernel's field order (discarded sectors stay sectors there). */
static const struct disk_stat stats[DISK_STATS] = {
	COUNTER("reads_completed_total", "The total number of reads completed successfully.", UNIT_COUNT),
	COUNTER("reads_merged_total", "The total number of reads merged.", UNIT_COUNT),
	COUNTER("read_bytes_total", "The total number of bytes read successfully.", UNIT_SECTORS),
	COUNTER("read_time_seconds_total", "The total number of seconds spent by all reads.", UNIT_MS),
	COUNTER("writes_completed_total", "The total number of writes completed successfully.", UNIT_COUNT),
	COUNTER("writes_merged_total", "The number of writes merged.", UNIT_COUNT),
	COUNTER("written_bytes_total", "The total number of bytes written successfully.", UNIT_SECTORS),
	COUNTER("write_time_seconds_total", "This is the total number of seconds spent by all writes.", UNIT_MS),
	{{"node_disk_io_now", "The number of I/Os currently in progress.", AMP_METRIC_GAUGE}, UNIT_COUNT},
	COUNTER("io_time_seconds_total", "Total seconds spent doing I/Os.", UNIT_MS),
	COUNTER("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", UNIT_MS),
	COUNTER("discards_completed_total", "The total number of discards completed successfully.", UNIT_COUNT),
	COUNTER("discards_merged_total", "The total number of discards merged.", UNIT_COUNT),
	COUNTER("discarded_sectors_total", "The total number of sectors discarded successfully.", UNIT_COUNT),
	COUNTER("discard_time_seconds_total", "This is the total number of seconds spent by all discards.", UNIT_MS),
	COUNTER("flush_requests_total", "The total number of flush requests completed successfully", UNIT_COUNT),
	COUNTER("flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.",
		UNIT_MS),
};

/* The old partition format's four counts, as the fields they count. */
static const unsigned old_partition_stats[DISK_STATS_OLD_PARTITION] = {0, 2, 4, 6};

/* Without a udev database node_exporter still emits this, with empty path, wwn, model, serial, revision. */
static const struct amp_family fam_info = {"node_disk_info", "Info of /sys/block/<block_device>.", AMP_METRIC_GAUGE};

static size_t skip_digits(const char *s, size_t i, size_t len)
{
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/*
 * node_exporter's default --collector.diskstats.device-exclude, ^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$,
 * by hand: a prefix, then one or more digits to the end. Partitions of sd/hd/vd/xvd and nvme disks go;
 * whole disks, mmcblk0p1, dm-0 and md0 stay. The alternatives start with different letters and nvme's
 * digit runs end at a letter, so at most one prefix can apply and no backtracking is needed.
 */
static bool excluded(const char *s, size_t len)
{
	size_t i = 0;

	if (has_prefix(s, len, "ram"))
		i = 3;
	else if (has_prefix(s, len, "loop"))
		i = 4;
	else if (has_prefix(s, len, "fd"))
		i = 2;
	else if ((has_prefix(s, len, "hd") || has_prefix(s, len, "sd") || has_prefix(s, len, "vd")) && len > 2 &&
		 s[2] >= 'a' && s[2] <= 'z')
		i = 3;
	else if (has_prefix(s, len, "xvd") && len > 3 && s[3] >= 'a' && s[3] <= 'z')
		i = 4;
	else if (has_prefix(s, len, "nvme")) {
		size_t j = skip_digits(s, 4, len);

		if (j == 4 || j >= len || s[j] != 'n')
			return false;
		i = skip_digits(s, j + 1, len);
		if (i == j + 1 || i >= len || s[i] != 'p')
			return false;
		i++;
	} else {
		return false;
	}
	return i < len && skip_digits(s, i, len) == len;
}

static double scaled(uint64_t v, enum disk_unit unit)
{
	switch (unit) {
	case UNIT_SECTORS:
		return (double)v * 512.0;
	case UNIT_MS:
		return (double)v * 0.001;
	default:
		return (double)v;
	}
}

struct disk_line {
	char name[DISK_NAME_MAX + 1];
	char major[12], minor[12];
	uint64_t v[DISK_STATS];
	unsigned count; /* values in v[], or DISK_STATS_OLD_PARTITION for the old partition format */
};

/* Parses "major minor name v1 ... vN" into *d; returns NULL or why the line is malformed. */
static const char *parse_line(const char *line, const char *le, struct disk_line *d)
{
	struct amp_procparse_field f[3 + DISK_STATS];
	unsigned n = amp_procparse_split(line, le, f, 3 + DISK_STATS);
	uint64_t major, minor;
	size_t name_len;

	if (n < 3 + DISK_STATS_MIN && n != 3 + DISK_STATS_OLD_PARTITION)
		return "neither 7 nor at least 14 fields";
	if (amp_parse_u64(f[0].p, f[0].end, &major) == NULL || amp_parse_u64(f[1].p, f[1].end, &minor) == NULL ||
	    major > UINT32_MAX || minor > UINT32_MAX)
		return "major or minor is not a 32-bit unsigned decimal";
	name_len = (size_t)(f[2].end - f[2].p);
	if (name_len > DISK_NAME_MAX || !amp_procparse_label_ok(f[2].p, name_len))
		return "device name longer than 31 bytes or not printable UTF-8";
	d->count = n - 3 > DISK_STATS ? DISK_STATS : n - 3;
	for (unsigned i = 0; i < d->count; i++) {
		if (amp_parse_u64(f[3 + i].p, f[3 + i].end, &d->v[i]) == NULL)
			return "a count is not an unsigned decimal";
	}
	memcpy(d->name, f[2].p, name_len);
	d->name[name_len] = '\0';
	snprintf(d->major, sizeof(d->major), "%u", (unsigned)major);
	snprintf(d->minor, sizeof(d->minor), "%u", (unsigned)minor);
	return NULL;
}

static const char *diskstats_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
				  unsigned lineno)
{
	struct disk_line d;
	const struct amp_label dev[] = {{"device", d.name}};
	const struct amp_label info[] = {{"device", d.name}, {"major", d.major}, {"minor", d.minor}};
	const char *why = parse_line(line, le, &d);

	(void)arg;
	(void)lineno;
	if (why != NULL)
		return why;
	if (excluded(d.name, strlen(d.name)))
		return NULL;
	(void)amp_collect_emit(ctx, &fam_info, info, 3, 1.0);
	if (d.count == DISK_STATS_OLD_PARTITION) {
		for (unsigned i = 0; i < DISK_STATS_OLD_PARTITION; i++) {
			const struct disk_stat *s = &stats[old_partition_stats[i]];

			(void)amp_collect_emit(ctx, &s->fam, dev, 1, scaled(d.v[i], s->unit));
		}
		return NULL;
	}
	for (unsigned i = 0; i < d.count; i++)
		(void)amp_collect_emit(ctx, &stats[i].fam, dev, 1, scaled(d.v[i], stats[i].unit));
	return NULL;
}

/*
 * Emits what the kernel printed: 11 counts before 4.18, 15 before 5.5, 17 since; counts a future kernel
 * appends are ignored. node_exporter skips the 4-count partition lines of kernels before 2.6.25; here
 * they give the four series they count. A malformed line is skipped, the others still count, and the
 * collector then returns AMP_ERR_INVALID.
 */
static int diskstats_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, DISKSTATS_FILE, &last_warn_ms, diskstats_line, NULL);

	return rc == AMP_ERR_NOTFOUND ? AMP_OK : rc;
}

const struct amp_collector amp_collector_diskstats = {"diskstats", AMP_COLLECTOR_DISKSTATS, diskstats_collect};
