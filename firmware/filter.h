/* Metric filters applied before the ring: Prometheus write_relabel_configs' drop and keep actions, in INI form. */
#ifndef AMP_FILTER_H
#define AMP_FILTER_H

#include "error.h"
#include "match.h"
#include "opts.h"
#include "registry.h"

#include <stdbool.h>

/* Rules in [filter] (Kconfig). */
#ifndef CONFIG_FILTER_MAX_RULES
#define CONFIG_FILTER_MAX_RULES 16
#endif
#if CONFIG_FILTER_MAX_RULES < 1
#error "CONFIG_FILTER_MAX_RULES must be at least 1"
#endif

/* Longest label name a rule may test (Prometheus puts no limit; label names this long are already odd). */
#define AMP_FILTER_MAX_LABEL_NAME 64

enum amp_filter_action {
	AMP_FILTER_DROP, /* drop what matches */
	AMP_FILTER_KEEP, /* drop what does not match */
};

enum amp_filter_verdict {
	AMP_FILTER_PASS = 0,
	AMP_FILTER_DROPPED_BY_NAME,  /* a drop/keep rule on the metric name */
	AMP_FILTER_DROPPED_BY_LABEL, /* a drop_label/keep_label rule */
};

struct amp_filter_rule {
	enum amp_filter_action action;
	char label[AMP_FILTER_MAX_LABEL_NAME]; /* "" = the metric name (Prometheus's __name__) */
	struct amp_match re;
};

/* Compiled once at configuration load; read-only afterwards. */
struct amp_filter {
	struct amp_filter_rule rules[CONFIG_FILTER_MAX_RULES];
	unsigned count;
};

/* Empties the filter (everything passes). Cannot fail. */
void amp_filter_init(struct amp_filter *f);

/*
 * Adds one [filter] line: `key` is drop, keep (value: a pattern on the metric name), drop_label or
 * keep_label (value: NAME=~PATTERN on the value of label NAME; an absent label has the value "", as in
 * Prometheus). Patterns are amp_match's RE2 subset, anchored at both ends.
 * Returns 0; AMP_ERR_NOTFOUND (unknown key); AMP_ERR_INVALID (bad label name, missing "=~", bad pattern)
 * or AMP_ERR_FULL (more than CONFIG_FILTER_MAX_RULES rules, or a pattern over the matcher's sizes), with
 * *why (may be NULL) saying what is wrong in a static text.
 */
int amp_filter_add(struct amp_filter *f, const char *key, const char *value, const char **why) AMP_MUST_CHECK;

/*
 * Decides whether a series passes: every rule must let it through (drop and keep commute, so the order of
 * the rules only decides which reason a drop is counted under: the first rule that drops it).
 * `labels` are the series' own labels (empty values count as absent); the agent-wide labels (instance,
 * job, [labels]) are not seen. A NULL or empty filter passes everything.
 */
enum amp_filter_verdict amp_filter_check(const struct amp_filter *f, const char *name, const struct amp_label *labels,
					 unsigned label_count);

/*
 * Like amp_filter_check with the rules on the metric name alone: AMP_FILTER_DROPPED_BY_NAME means every
 * series of the family is dropped, whatever its labels (a caller may skip creating the family).
 */
enum amp_filter_verdict amp_filter_check_name(const struct amp_filter *f, const char *name);

#endif
