/* The full label set of a pushed series: __name__, the collector's labels and the agent's labels, sorted. */
#ifndef AMP_LABELS_H
#define AMP_LABELS_H

#include "registry.h"

/* Most labels one series can carry: __name__, the collector's and the agent's (instance, job, [labels]). */
#define AMP_LABELS_MAX (1 + CONFIG_MAX_SERIES_LABELS + CONFIG_MAX_EXTRA_LABELS + 2)

/*
 * The labels every series carries besides its own (instance, job and the [labels] section), sorted by
 * name with unique names. Built once at start-up.
 */
struct amp_labels_common {
	struct amp_label items[CONFIG_MAX_EXTRA_LABELS + 2];
	unsigned count;
};

/*
 * Builds the common set from instance, job and `extra` (any order). Empty values are left out.
 * Returns 0, AMP_ERR_INVALID (bad or duplicate name) or AMP_ERR_FULL.
 */
int amp_labels_common_init(struct amp_labels_common *c, const char *instance, const char *job,
			   const struct amp_label *extra, unsigned extra_count) AMP_MUST_CHECK;

/*
 * Writes the labels of series `id` into out[AMP_LABELS_MAX], sorted by name: __name__ first in byte
 * order, then the union of the series' and the common labels; where both have a name the series' value
 * wins, as with Prometheus's external_labels. Returns the count.
 */
unsigned amp_labels_of(const struct amp_registry *reg, amp_series_id id, const struct amp_labels_common *c,
		       struct amp_label *out);

#endif
