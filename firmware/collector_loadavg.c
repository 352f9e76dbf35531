/* loadavg collector: the 1, 5 and 15 minute load averages from /proc/loadavg, as node_exporter's node_load*. */
/* Documentation/filesystems/proc.rst (loadavg): three "%lu.%02lu" averages, running/total tasks, last pid. */
#include "collector.h"
#include "log.h"

#include <string.h>

#define MOD "loadavg"
#define LOADAVG_FILE "loadavg"

/* Bounds that keep int * 10^frac + frac exact in a double (< 2^53); the kernel prints 2 decimals. */
#define LOAD_MAX_INT_DIGITS 9
#define LOAD_MAX_FRAC_DIGITS 6

static const struct amp_family fam_load[3] = {
	{"node_load1", "1m load average.", AMP_METRIC_GAUGE},
	{"node_load5", "5m load average.", AMP_METRIC_GAUGE},
	{"node_load15", "15m load average.", AMP_METRIC_GAUGE},
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/*
 * One "digits[.digits]" field ending at a blank or the end; NULL on anything else. No strtod: it would
 * take signs, exponents, "nan", hex and the locale's decimal point. The value is one correctly rounded
 * division of two exact integers, so it equals what strtod gives for the same text.
 */
static const char *parse_load(const char *p, const char *end, double *out)
{
	uint64_t mantissa = 0, scale = 1;
	unsigned int_digits = 0;

	while (p < end && *p >= '0' && *p <= '9') {
		if (++int_digits > LOAD_MAX_INT_DIGITS)
			return NULL;
		mantissa = mantissa * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (int_digits == 0)
		return NULL;
	if (p < end && *p == '.') {
		unsigned frac_digits = 0;

		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (++frac_digits > LOAD_MAX_FRAC_DIGITS)
				return NULL;
			mantissa = mantissa * 10 + (uint64_t)(*p - '0');
			scale *= 10;
			p++;
		}
		if (frac_digits == 0)
			return NULL;
	}
	if (p < end && !is_blank(*p))
		return NULL;
	*out = (double)mantissa / (double)scale;
	return p;
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
		p = parse_load(skip_blanks(p, end), end, &load[i]);
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

const struct amp_collector amp_collector_loadavg = {"loadavg", loadavg_collect};
