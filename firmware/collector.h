/* The collector interface: a collector reads procfs/sysfs and reports values of series. */
#ifndef AMP_COLLECTOR_H
#define AMP_COLLECTOR_H

#include "error.h"
#include "opts.h"
#include "registry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct amp_frame_entry {
	amp_series_id id;
	double value;
};

/* What a collection writes into: the registry and the frame being built. */
struct amp_collect_ctx {
	const char *procfs;      /* root, like node_exporter's --path.procfs */
	const char *sysfs;
	long clk_tck;            /* /proc/stat ticks per second */
	uint64_t now_ms;         /* monotonic time of this collection (set by amp_collect_all's caller) */
	struct amp_registry *reg;
	struct amp_frame_entry *entries; /* the frame being built */
	unsigned entry_count;
	unsigned entry_cap;
	char *buf;               /* scratch for one file read, CONFIG_PROC_FILE_BUF_BYTES */
	size_t buf_cap;
	uint32_t dropped_series; /* series refused by the registry (full, invalid) this collection */
};

/*
 * Adds `value` for the series (fam, labels) to the frame. A series the registry refuses, or a value that
 * finds no room in the frame, is counted in ctx->dropped_series and logged once per collection at debug;
 * the collection goes on. Returns 0, or AMP_ERR_FULL when the frame is full (callers may stop emitting).
 */
int amp_collect_emit(struct amp_collect_ctx *ctx, const struct amp_family *fam, const struct amp_label *labels,
		     unsigned label_count, double value);

/*
 * Reads "<root>/<rel>" into ctx->buf. Returns 0, AMP_ERR_NOTFOUND (the caller skips the collector
 * silently: this kernel has no such file), AMP_ERR_FULL (file larger than the buffer, or the path longer
 * than CONFIG_MAX_PATH_LEN), AMP_ERR_INVALID (NULL root, name or buffer) or AMP_ERR_IO.
 */
int amp_collect_read(struct amp_collect_ctx *ctx, const char *root, const char *rel, size_t *len) AMP_MUST_CHECK;

struct amp_collector {
	const char *name;
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

/*
 * Runs every compiled-in collector once into ctx (entries reset first), then sorts the entries by
 * series id (a duplicate id keeps the last value). A collector whose file is missing is skipped silently
 * (debug log); one that fails to parse is logged, and keeps the values it emitted before the failure
 * (each was fully parsed). Returns the number of collectors that failed.
 */
unsigned amp_collect_all(struct amp_collect_ctx *ctx);

#endif
