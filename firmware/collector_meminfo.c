/* meminfo collector: the kernel's memory counters from /proc/meminfo, as node_exporter's node_memory_* gauges. */
/* Documentation/filesystems/proc.rst, "meminfo": "Key: value kB" lines (kB = 1024 bytes), HugePages_* are counts. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"

#include <stdbool.h>
#include <string.h>

#define MOD "meminfo"
#define MEMINFO_FILE "meminfo"

struct meminfo_field {
	const char *key; /* as the kernel prints it, before the colon */
	struct amp_family fam;
	bool kb;         /* the kernel prints the value in kB; the series is in bytes with a _bytes suffix */
};

/*
 * node_exporter's naming: "Active(anon)" becomes "Active_anon", a kB field gets "_bytes" and is multiplied
 * by 1024, and the help text is "Memory information field <name>." with the suffixed name.
 */
#define KB_AS(key, name) \
	{key, {"node_memory_" name "_bytes", "Memory information field " name "_bytes.", AMP_METRIC_GAUGE}, true}
#define KB(key) KB_AS(key, key)
#define COUNT(key) {key, {"node_memory_" key, "Memory information field " key ".", AMP_METRIC_GAUGE}, false}

/*
 * Every field fs/proc/meminfo.c, hugetlb and the architectures' arch_report_meminfo() print, in the
 * kernel's order (the lookup starts after the last match, so a normal file costs one compare a line).
 * Families are static: the registry keeps pointers to them, so a field's name cannot come from the file.
 * A field not listed here is skipped with a debug log: a future kernel's new field needs an entry.
 */
static const struct meminfo_field fields[] = {
	KB("MemTotal"), KB("MemFree"), KB("MemAvailable"), KB("MemShared"), KB("Buffers"), KB("Cached"),
	KB("SwapCached"), KB("Active"), KB("Inactive"),
	KB_AS("Active(anon)", "Active_anon"), KB_AS("Inactive(anon)", "Inactive_anon"),
	KB_AS("Active(file)", "Active_file"), KB_AS("Inactive(file)", "Inactive_file"),
	KB("Unevictable"), KB("Mlocked"),
	KB("HighTotal"), KB("HighFree"), KB("LowTotal"), KB("LowFree"), /* CONFIG_HIGHMEM: 32-bit boards */
	KB("MmapCopy"),                                                     /* !CONFIG_MMU */
	KB("SwapTotal"), KB("SwapFree"), KB("Zswap"), KB("Zswapped"), KB("Dirty"), KB("Writeback"),
	KB("AnonPages"), KB("Mapped"), KB("Shmem"), KB("KReclaimable"), KB("Slab"), KB("SReclaimable"),
	KB("SUnreclaim"), KB("KernelStack"), KB("ShadowCallStack"), KB("PageTables"), KB("SecPageTables"),
	KB("Quicklists"), KB("NFS_Unstable"), KB("Bounce"), KB("WritebackTmp"), KB("CommitLimit"),
	KB("Committed_AS"), KB("VmallocTotal"), KB("VmallocUsed"), KB("VmallocChunk"), KB("Percpu"),
	KB("EarlyMemtestBad"), KB("HardwareCorrupted"), KB("AnonHugePages"), KB("ShmemHugePages"),
	KB("ShmemPmdMapped"), KB("FileHugePages"), KB("FilePmdMapped"), KB("CmaTotal"), KB("CmaFree"),
	KB("Unaccepted"), KB("Balloon"), KB("GPUActive"), KB("GPUReclaim"),
	COUNT("HugePages_Total"), COUNT("HugePages_Free"), COUNT("HugePages_Rsvd"), COUNT("HugePages_Surp"),
	KB("Hugepagesize"), KB("Hugetlb"),
	/* x86: 4k 2M 4M 1G; powerpc: 4k 64k 2M 1G; s390: 4k 1M 2G */
	KB("DirectMap4k"), KB("DirectMap64k"), KB("DirectMap1M"), KB("DirectMap2M"), KB("DirectMap4M"),
	KB("DirectMap1G"), KB("DirectMap2G"),
};

#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

static const struct meminfo_field *find_field(const char *key, size_t key_len, unsigned *hint)
{
	for (unsigned k = 0; k < FIELD_COUNT; k++) {
		unsigned i = (unsigned)((*hint + k) % FIELD_COUNT);

		/* Length first: the file's key may hold NUL bytes that strncmp would take for its end. */
		if (strlen(fields[i].key) == key_len && memcmp(fields[i].key, key, key_len) == 0) {
			*hint = i + 1;
			return &fields[i];
		}
	}
	return NULL;
}

/*
 * Parses "Key: value[ kB]" at line..le; returns the field (value in *value, converted to bytes) or NULL
 * with *why set (NULL *why: a well-formed line of a field the table does not know).
 */
static const struct meminfo_field *parse_line(const char *line, const char *le, unsigned *hint, double *value,
					      const char **why)
{
	const char *colon = memchr(line, ':', (size_t)(le - line));
	const struct meminfo_field *f;
	const char *p;
	uint64_t v;
	bool kb = false;

	*why = NULL;
	if (colon == NULL || colon == line) {
		*why = "no \"Key:\"";
		return NULL;
	}
	p = amp_parse_u64(amp_parse_skip_blanks(colon + 1, le), le, &v);
	if (p == NULL) {
		*why = "value is not an unsigned decimal";
		return NULL;
	}
	p = amp_parse_skip_blanks(p, le);
	if (le - p >= 2 && p[0] == 'k' && p[1] == 'B') {
		kb = true;
		p = amp_parse_skip_blanks(p + 2, le);
	}
	if (p != le) {
		*why = "unexpected text after the value";
		return NULL;
	}
	f = find_field(line, (size_t)(colon - line), hint);
	if (f == NULL) {
		/* Only printable keys reach the log; anything else is junk, not a new kernel field. */
		for (p = line; p < colon; p++) {
			if (*p <= ' ' || *p > '~') {
				*why = "key is not printable";
				return NULL;
			}
		}
		AMP_LOG_D(MOD, "%.*s: not a known field, skipped", (int)(colon - line), line);
		return NULL;
	}
	if (f->kb != kb) {
		*why = f->kb ? "value without the kB unit" : "unexpected kB unit";
		return NULL;
	}
	*value = kb ? (double)v * 1024.0 : (double)v;
	return f;
}

/*
 * A malformed line is skipped whole, the others still count, and the collector then returns
 * AMP_ERR_INVALID; so does a file without any known field.
 */
static int meminfo_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	struct amp_bad_lines bad;
	struct amp_lines lines;
	const char *line, *le;
	unsigned known = 0, hint = 0;
	size_t len;
	int rc;

	rc = amp_collect_read(ctx, ctx->procfs, MEMINFO_FILE, &len);
	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;

	amp_bad_lines_init(&bad, ctx, MOD, ctx->procfs, MEMINFO_FILE, &last_warn_ms);
	amp_lines_init(&lines, ctx->buf, len);
	while (amp_lines_next(&lines, &line, &le)) {
		const struct meminfo_field *f;
		const char *why;
		double value;

		if (amp_parse_skip_blanks(line, le) == le)
			continue;
		f = parse_line(line, le, &hint, &value, &why);
		if (f == NULL) {
			if (why != NULL)
				amp_bad_line(&bad, lines.lineno, why);
			continue;
		}
		known++;
		(void)amp_collect_emit(ctx, &f->fam, NULL, 0, value);
	}
	if (bad.count > 0)
		return AMP_ERR_INVALID;
	if (known == 0) {
		AMP_LOG_W(MOD, "%s/" MEMINFO_FILE ": no known field", ctx->procfs);
		return AMP_ERR_INVALID;
	}
	return AMP_OK;
}

const struct amp_collector amp_collector_meminfo = {"meminfo", AMP_COLLECTOR_MEMINFO, meminfo_collect};
