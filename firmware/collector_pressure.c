/* pressure collector: time stalled on CPU, memory and I/O (PSI) from /proc/pressure, as node_pressure_*_seconds_total. */
/* Documentation/accounting/psi.rst (Linux 4.20+): "some|full avg10=%.2f avg60=%.2f avg300=%.2f total=%llu" (us). */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <string.h>

#define MOD "pressure"

struct psi_file {
	const char *file;
	const struct amp_family *some; /* NULL: not collected */
	const struct amp_family *full;
};

/* node_exporter 1.5's families (help texts without a final period, as there); it has no cpu "full". */
static const struct amp_family fam_cpu_waiting = {"node_pressure_cpu_waiting_seconds_total",
	"Total time in seconds that processes have waited for CPU time", AMP_METRIC_COUNTER};
static const struct amp_family fam_io_waiting = {"node_pressure_io_waiting_seconds_total",
	"Total time in seconds that processes have waited due to IO congestion", AMP_METRIC_COUNTER};
static const struct amp_family fam_io_stalled = {"node_pressure_io_stalled_seconds_total",
	"Total time in seconds no process could make progress due to IO congestion", AMP_METRIC_COUNTER};
static const struct amp_family fam_mem_waiting = {"node_pressure_memory_waiting_seconds_total",
	"Total time in seconds that processes have waited for memory", AMP_METRIC_COUNTER};
static const struct amp_family fam_mem_stalled = {"node_pressure_memory_stalled_seconds_total",
	"Total time in seconds no process could make progress due to memory congestion", AMP_METRIC_COUNTER};

static const struct psi_file psi_files[] = {
	{"pressure/cpu", &fam_cpu_waiting, NULL},
	{"pressure/io", &fam_io_waiting, &fam_io_stalled},
	{"pressure/memory", &fam_mem_waiting, &fam_mem_stalled},
};

#define PSI_FILE_COUNT (sizeof(psi_files) / sizeof(psi_files[0]))

static const char *expect(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* Parses "some|full avg10=X avg60=X avg300=X total=N"; returns NULL or why the line is malformed. */
static const char *parse_line(const char *p, const char *end, bool *full, uint64_t *total)
{
	static const char *const avgs[] = {" avg10=", " avg60=", " avg300="};
	const char *q;
	double avg;

	if ((q = expect(p, end, "some")) != NULL)
		*full = false;
	else if ((q = expect(p, end, "full")) != NULL)
		*full = true;
	else
		return "neither \"some\" nor \"full\"";
	for (unsigned i = 0; i < 3; i++) {
		q = expect(q, end, avgs[i]);
		if (q != NULL && q < end && *q == '-')
			q = NULL;
		if (q == NULL || (q = amp_parse_decimal(q, end, &avg)) == NULL)
			return "avg10, avg60 or avg300 missing or not a decimal";
	}
	q = expect(q, end, " total=");
	if (q == NULL || (q = amp_parse_u64(q, end, total)) == NULL || amp_parse_skip_blanks(q, end) != end)
		return "total missing or not an unsigned decimal";
	return NULL;
}

static const char *pressure_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
				 unsigned lineno)
{
	const struct psi_file *pf = *(const struct psi_file *const *)arg;
	const struct amp_family *fam;
	uint64_t total;
	bool full;
	const char *why = parse_line(line, le, &full, &total);

	(void)lineno;
	if (why != NULL)
		return why;
	fam = full ? pf->full : pf->some;
	if (fam != NULL)
		(void)amp_collect_emit(ctx, fam, NULL, 0, (double)total / 1000.0 / 1000.0);
	return NULL;
}

/*
 * Each of the three files on its own: kernels before 4.20 (or without CONFIG_PSI, or booted with psi=0)
 * have none, which is silently skipped. Totals are microseconds; seconds are total / 1000 / 1000, the
 * two divisions node_exporter does (one division by 1e6 rounds differently). Returns the first error,
 * after trying every file.
 */
static int pressure_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms[PSI_FILE_COUNT];
	int first_rc = AMP_OK;

	for (unsigned i = 0; i < PSI_FILE_COUNT; i++) {
		const struct psi_file *pf = &psi_files[i];
		int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, pf->file, &last_warn_ms[i], pressure_line, &pf);

		if (rc != AMP_ERR_NOTFOUND && first_rc == AMP_OK)
			first_rc = rc;
	}
	return first_rc;
}

const struct amp_collector amp_collector_pressure = {"pressure", AMP_COLLECTOR_PRESSURE, pressure_collect};
