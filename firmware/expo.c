/* Text exposition: families in registry order, escaping as the Prometheus text format specifies. */
#include "expo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(enum amp_metric_type t)
{
	switch (t) {
	case AMP_METRIC_COUNTER: return "counter";
	case AMP_METRIC_GAUGE: return "gauge";
	default: return "untyped";
	}
}

/* HELP text escapes backslash and newline; label values also escape the double quote. */
static void put_escaped(FILE *out, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (quote && *s == '"')
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

void amp_expo_format_value(double v, char *buf, size_t cap)
{
	if (isnan(v)) {
		snprintf(buf, cap, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* The shortest %g precision that reads back as the same double, as Go's strconv does for Prometheus. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

int amp_expo_write(FILE *out, const struct amp_registry *reg, const struct amp_labels_common *common,
		   const struct amp_frame_entry *entries, unsigned count)
{
	for (unsigned fam = 0; fam < reg->family_count; fam++) {
		const struct amp_family *f = reg->families[fam];
		int header = 0;

		for (unsigned i = 0; i < count; i++) {
			struct amp_label set[AMP_LABELS_MAX];
			unsigned n;
			char value[32];
			int first = 1;

			if (reg->series[entries[i].id].family != fam)
				continue;
			if (!header) {
				fprintf(out, "# HELP %s ", f->name);
				put_escaped(out, f->help, 0);
				fprintf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
				header = 1;
			}
			fputs(f->name, out);
			n = amp_labels_of(reg, entries[i].id, common, set);
			for (unsigned k = 0; k < n; k++) {
				if (strcmp(set[k].name, "__name__") == 0)
					continue;
				fprintf(out, "%s%s=\"", first ? "{" : ",", set[k].name);
				put_escaped(out, set[k].value, 1);
				fputc('"', out);
				first = 0;
			}
			amp_expo_format_value(entries[i].value, value, sizeof(value));
			fprintf(out, "%s %s\n", first ? "" : "}", value);
		}
	}
	fflush(out);
	return ferror(out) ? AMP_ERR_IO : AMP_OK;
}
