/* loadavg collector: the 1, 5 and 15 minute load averages from /proc/loadavg, as node_exporter's node_load*. */
/* Documentation/filesystems/proc.rst (loadavg): three "%lu.%02lu" averages, running/total tasks, last pid. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"

#include <string.h>

#define MOD "loadavg"
#define LOADAVG_FILE "loadavg"

static const struct amp_family fam_load[3] = {
	{"node_load1", "1m load average.", AMP_METRIC_GAUGE},
	{"node_load5", "5m load average.", AMP_METRIC_GAUGE},
	{"node_load15", "15m load average.", AMP_METRIC_GAUGE},
};

/* An average is "digits[.digits]": no sign (amp_parse_decimal would take a '-'). */
static const char *parse_load(const char *p, const char *end, double *out)
{
	return p < end && *p == '-' ? NULL : amp_parse_decimal(p, end, out);
}

/* All three averages or none: the first line must start with three valid fields; the rest is not ours. */
static int loadavg_collect(struct amp_collect_ctx *ctx)
{
	const char *p, *end;
	double load[3];
	size_t len;
	int rc;

	rc = amp_collect_read(ctx, ctx->procfs, LOADAVG_FILE, &len);
	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;

	p = ctx->buf;
	end = memchr(p, '\n', len);
	if (end == NULL)
		end = p + len;
	for (unsigned i = 0; i < 3; i++) {
		p = parse_load(amp_parse_skip_blanks(p, end), end, &load[i]);
		if (p == NULL) {
			AMP_LOG_W(MOD, "%s/" LOADAVG_FILE ": line 1: field %u is not a load average, nothing collected",
				  ctx->procfs, i + 1);
			return AMP_ERR_INVALID;
		}
	}
	for (unsigned i = 0; i < 3; i++)
		(void)amp_collect_emit(ctx, &fam_load[i], NULL, 0, load[i]);
	return AMP_OK;
}

const struct amp_collector amp_collector_loadavg = {"loadavg", AMP_COLLECTOR_LOADAVG, loadavg_collect};
