/* The collector interface: a collector reads procfs/sysfs and reports values of series. */
#ifndef AMP_COLLECTOR_H
#define AMP_COLLECTOR_H

#include "error.h"
#include "opts.h"
#include "registry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct amp_filter;

struct amp_frame_entry {
	amp_series_id id;
	double value;
};

/* [filesystem] options, defined in config.h; a ctx without them uses the defaults. */
struct amp_filesystem_options;

/* What a collection writes into: the registry and the frame being built. */
struct amp_collect_ctx {
	const char *procfs;      /* root, like node_exporter's --path.procfs */
	const char *sysfs;
	long clk_tck;            /* /proc/stat ticks per second */
	long page_size;          /* bytes per memory page (sockstat's mem); <= 0: unknown */
	uint64_t now_ms;         /* monotonic time of this collection (set by amp_collect_all's caller) */
	struct amp_registry *reg;
	struct amp_frame_entry *entries; /* the frame being built */
	unsigned entry_count;
	unsigned entry_cap;
	char *buf;               /* scratch for one file read, CONFIG_PROC_FILE_BUF_BYTES */
	size_t buf_cap;
	uint32_t dropped_series; /* series refused by the registry (full, invalid) this collection */
	uint32_t disabled;       /* bit (1u << amp_collector_id) set: skip that collector ([collectors]) */
	const struct amp_filter *filter; /* [filter] rules applied by amp_collect_emit; NULL keeps everything */
	uint64_t filtered_by_name;  /* samples the filter dropped since start, by reason: counters, never reset */
	uint64_t filtered_by_label;
	const char *textfile_dir;   /* [textfile] directory; NULL or "" leaves the textfile collector idle */
	const struct amp_filesystem_options *filesystem; /* [filesystem]; NULL: the defaults */
	uint32_t synthetic_series;  /* [collectors] synthetic_series: test/benchmark series; 0: none */
};

/*
 * Adds `value` for the series (fam, labels) to the frame. A series ctx->filter drops is counted in
 * ctx->filtered_by_name or _by_label and never reaches the registry (it takes no slot). A series the
 * registry refuses, or a value that finds no room in the frame, is counted in ctx->dropped_series and
 * logged once per collection at debug; the collection goes on. Returns 0, or AMP_ERR_FULL when the frame
 * is full (callers may stop emitting).
 */
int amp_collect_emit(struct amp_collect_ctx *ctx, const struct amp_family *fam, const struct amp_label *labels,
		     unsigned label_count, double value);

/*
 * Reads "<root>/<rel>" into ctx->buf. Returns 0, AMP_ERR_NOTFOUND (the caller skips the collector
 * silently: this kernel has no such file), AMP_ERR_FULL (file larger than the buffer, or the path longer
 * than CONFIG_MAX_PATH_LEN), AMP_ERR_INVALID (NULL root, name or buffer) or AMP_ERR_IO.
 */
int amp_collect_read(struct amp_collect_ctx *ctx, const char *root, const char *rel, size_t *len) AMP_MUST_CHECK;

/* Every collector amp-agent knows, compiled in or not ([collectors] names them; node_exporter's names). */
enum amp_collector_id {
	AMP_COLLECTOR_CPU,
	AMP_COLLECTOR_MEMINFO,
	AMP_COLLECTOR_LOADAVG,
	AMP_COLLECTOR_STAT,
	AMP_COLLECTOR_VMSTAT,
	AMP_COLLECTOR_NETDEV,
	AMP_COLLECTOR_DISKSTATS,
	AMP_COLLECTOR_FILESYSTEM,
	AMP_COLLECTOR_THERMAL_ZONE,
	AMP_COLLECTOR_HWMON,
	AMP_COLLECTOR_PRESSURE,
	AMP_COLLECTOR_UNAME,
	AMP_COLLECTOR_OS,
	AMP_COLLECTOR_TIME,
	AMP_COLLECTOR_TIMEX,
	AMP_COLLECTOR_ENTROPY,
	AMP_COLLECTOR_FILEFD,
	AMP_COLLECTOR_SCHEDSTAT,
	AMP_COLLECTOR_SOFTNET,
	AMP_COLLECTOR_CPUFREQ,
	AMP_COLLECTOR_POWERSUPPLYCLASS,
	AMP_COLLECTOR_NETCLASS,
	AMP_COLLECTOR_CONNTRACK,
	AMP_COLLECTOR_NETSTAT,
	AMP_COLLECTOR_SOCKSTAT,
	AMP_COLLECTOR_TEXTFILE,
	AMP_COLLECTOR_SYNTHETIC, /* test and benchmark only (Kconfig CONFIG_COLLECTOR_SYNTHETIC) */
	AMP_COLLECTOR_ID_COUNT,
};

/* Names of amp_collector_id values, as in [collectors] and node_exporter's --collector.<name>. */
extern const char *const amp_collector_names[AMP_COLLECTOR_ID_COUNT];

/* Returns the id of a collector name, or AMP_COLLECTOR_ID_COUNT. */
enum amp_collector_id amp_collector_lookup(const char *name);

/* True if the collector is compiled into this build. */
int amp_collector_compiled(enum amp_collector_id id);

/* Sorts the frame's entries by series id; of duplicate ids the last value stays. */
void amp_collect_sort(struct amp_collect_ctx *ctx);

struct amp_collector {
	const char *name;
	enum amp_collector_id id;
	/* Returns 0, or a negative AMP_ERR_* when the source could not be parsed (logged by the collector). */
	int (*collect)(struct amp_collect_ctx *ctx);
};

/* The collectors compiled in (Kconfig), NULL-terminated by count. */
extern const struct amp_collector *const amp_collectors[];
extern const unsigned amp_collector_count;

/* Each collector's descriptor, defined in firmware/collector_<name>.c. */
extern const struct amp_collector amp_collector_cpu;
extern const struct amp_collector amp_collector_meminfo;
extern const struct amp_collector amp_collector_loadavg;
extern const struct amp_collector amp_collector_stat;
extern const struct amp_collector amp_collector_vmstat;
extern const struct amp_collector amp_collector_netdev;
extern const struct amp_collector amp_collector_diskstats;
extern const struct amp_collector amp_collector_filesystem;
extern const struct amp_collector amp_collector_thermal_zone;
extern const struct amp_collector amp_collector_hwmon;
extern const struct amp_collector amp_collector_pressure;
extern const struct amp_collector amp_collector_uname;
extern const struct amp_collector amp_collector_os;
extern const struct amp_collector amp_collector_time;
extern const struct amp_collector amp_collector_timex;
extern const struct amp_collector amp_collector_entropy;
extern const struct amp_collector amp_collector_filefd;
extern const struct amp_collector amp_collector_schedstat;
extern const struct amp_collector amp_collector_softnet;
extern const struct amp_collector amp_collector_cpufreq;
extern const struct amp_collector amp_collector_powersupplyclass;
extern const struct amp_collector amp_collector_netclass;
extern const struct amp_collector amp_collector_conntrack;
extern const struct amp_collector amp_collector_netstat;
extern const struct amp_collector amp_collector_sockstat;
extern const struct amp_collector amp_collector_textfile;
extern const struct amp_collector amp_collector_synthetic;

/*
 * Runs every compiled-in collector once into ctx (entries reset first), then sorts the entries by
 * series id (a duplicate id keeps the last value). A collector whose file is missing is skipped silently
 * (debug log); one that fails to parse is logged, and keeps the values it emitted before the failure
 * (each was fully parsed). Returns the number of collectors that failed.
 */
unsigned amp_collect_all(struct amp_collect_ctx *ctx);

#endif
