/* Prometheus text exposition format (0.0.4) of one collection, for `amp-agent --print`. */
#ifndef AMP_EXPO_H
#define AMP_EXPO_H

#include "collector.h"
#include "labels.h"

#include <stdio.h>

/*
 * Writes the collected entries grouped by family, each family with # HELP and # TYPE, each series with
 * the labels it would be pushed with (but __name__, which is the metric name). Returns 0 or AMP_ERR_IO.
 */
int amp_expo_write(FILE *out, const struct amp_registry *reg, const struct amp_labels_common *common,
		   const struct amp_frame_entry *entries, unsigned count) AMP_MUST_CHECK;

/* Formats a sample value as Prometheus does: shortest exact decimal, NaN, +Inf, -Inf. */
void amp_expo_format_value(double v, char *buf, size_t cap);

#endif
