/* vmstat collector: paging, swapping, page fault and OOM-kill counters from /proc/vmstat, as node_vmstat_*. */
/* mm/vmstat.c (vmstat_text): one "name value" line per counter; event counters are unsigned long. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <string.h>

#define MOD "vmstat"
#define VMSTAT_FILE "vmstat"

/* node_exporter types these untyped and names them after the field, help "/proc/vmstat information field X.". */
#define FIELD(name) {"node_vmstat_" name, "/proc/vmstat information field " name ".", AMP_METRIC_UNTYPED}

/*
 * Every field of mm/vmstat.c that node_exporter's default --collector.vmstat.fields,
 * ^(oom_kill|pgpg|pswp|pg.*fault).*, selects. Families are static (the registry keeps pointers to them),
 * so a field a future kernel adds that the pattern would take is logged at debug and left out.
 */
static const struct amp_family fields[] = {
	FIELD("pgpgin"), FIELD("pgpgout"), FIELD("pswpin"), FIELD("pswpout"),
	FIELD("pgfault"), FIELD("pgmajfault"), FIELD("oom_kill"),
};

#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))
#define PREFIX_LEN (sizeof("node_vmstat_") - 1)

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* node_exporter's default pattern, by hand: ^(oom_kill|pgpg|pswp|pg.*fault).* */
static bool wanted(const char *name, size_t len)
{
	if (starts_with(name, len, "oom_kill") || starts_with(name, len, "pgpg") || starts_with(name, len, "pswp"))
		return true;
	if (!starts_with(name, len, "pg"))
		return false;
	for (size_t i = 2; i + 5 <= len; i++) {
		if (memcmp(name + i, "fault", 5) == 0)
			return true;
	}
	return false;
}

static const struct amp_family *find_field(const char *name, size_t len)
{
	for (unsigned i = 0; i < FIELD_COUNT; i++) {
		const char *fname = fields[i].name + PREFIX_LEN;

		if (strlen(fname) == len && memcmp(fname, name, len) == 0)
			return &fields[i];
	}
	return NULL;
}

/*
 * Only the lines of wanted fields are parsed: the others are not ours to judge (some kernels print
 * transiently negative nr_* gauges). A wanted line must be "name value" with an unsigned decimal.
 */
static const char *vmstat_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
			       unsigned lineno)
{
	unsigned *known = arg;
	const char *name_end = line;
	const struct amp_family *fam;
	const char *p;
	uint64_t v;

	(void)lineno;
	while (name_end < le && !amp_parse_is_blank(*name_end))
		name_end++;
	if (!wanted(line, (size_t)(name_end - line)))
		return NULL;
	p = amp_parse_u64(amp_parse_skip_blanks(name_end, le), le, &v);
	if (p == NULL || amp_parse_skip_blanks(p, le) != le)
		return "not \"name value\" with an unsigned decimal";
	fam = find_field(line, (size_t)(name_end - line));
	if (fam == NULL) {
		for (p = line; p < name_end; p++) {
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				return "field name is not [a-z0-9_]";
		}
		AMP_LOG_D(MOD, "%.*s: not a known field, skipped", (int)(name_end - line), line);
		return NULL;
	}
	(*known)++;
	(void)amp_collect_emit(ctx, fam, NULL, 0, (double)v);
	return NULL;
}

/*
 * A malformed line is skipped, the others still count, and the collector then returns AMP_ERR_INVALID;
 * so does a file without any known field.
 */
static int vmstat_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	unsigned known = 0;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, VMSTAT_FILE, &last_warn_ms, vmstat_line, &known);

	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc == AMP_OK && known == 0) {
		AMP_LOG_W(MOD, "%s/" VMSTAT_FILE ": no pgpg*, pswp*, pg*fault or oom_kill field", ctx->procfs);
		return AMP_ERR_INVALID;
	}
	return rc;
}

const struct amp_collector amp_collector_vmstat = {"vmstat", AMP_COLLECTOR_VMSTAT, vmstat_collect};
