/* Metric filters: [filter] rules compiled into fixed storage, checked for every series before it takes a registry slot. */
#include "filter.h"

#include <string.h>

void amp_filter_init(struct amp_filter *f)
{
	memset(f, 0, sizeof(*f));
}

static int set_why(const char **why, const char *text, int rc)
{
	if (why != NULL)
		*why = text;
	return rc;
}

int amp_filter_add(struct amp_filter *f, const char *key, const char *value, const char **why)
{
	struct amp_filter_rule *r;
	struct amp_match_error err;
	const char *pattern = value;
	bool by_label;
	int rc;

	set_why(why, NULL, AMP_OK);
	if (strcmp(key, "drop") == 0 || strcmp(key, "keep") == 0)
		by_label = false;
	else if (strcmp(key, "drop_label") == 0 || strcmp(key, "keep_label") == 0)
		by_label = true;
	else
		return set_why(why, "unknown key (expected drop, keep, drop_label or keep_label)", AMP_ERR_NOTFOUND);
	if (f->count >= CONFIG_FILTER_MAX_RULES)
		return set_why(why, "too many rules (CONFIG_FILTER_MAX_RULES)", AMP_ERR_FULL);
	r = &f->rules[f->count];
	memset(r, 0, sizeof(*r));
	r->action = key[0] == 'd' ? AMP_FILTER_DROP : AMP_FILTER_KEEP;
	if (by_label) {
		const char *op = strstr(value, "=~");
		size_t name_len;

		if (op == NULL)
			return set_why(why, "expected LABEL=~PATTERN", AMP_ERR_INVALID);
		name_len = (size_t)(op - value);
		if (name_len == 0 || name_len >= sizeof(r->label))
			return set_why(why, name_len == 0 ? "expected LABEL=~PATTERN" : "label name too long",
				       AMP_ERR_INVALID);
		memcpy(r->label, value, name_len);
		r->label[name_len] = '\0';
		if (!amp_registry_valid_name(r->label, 0))
			return set_why(why, "invalid label name (use [a-zA-Z_][a-zA-Z0-9_]*)", AMP_ERR_INVALID);
		/* A rule on __name__ is a rule on the metric name, as in Prometheus. */
		if (strcmp(r->label, "__name__") == 0)
			r->label[0] = '\0';
		pattern = op + 2;
	}
	rc = amp_match_compile(&r->re, pattern, &err);
	if (rc != AMP_OK)
		return set_why(why, err.why, rc);
	f->count++;
	return AMP_OK;
}

/* The value a rule tests: the name, the label's value, or "" for an absent label (Prometheus's rule). */
static const char *rule_subject(const struct amp_filter_rule *r, const char *name, const struct amp_label *labels,
				unsigned label_count)
{
	if (r->label[0] == '\0')
		return name;
	for (unsigned i = 0; i < label_count; i++) {
		if (labels[i].name != NULL && labels[i].value != NULL && strcmp(labels[i].name, r->label) == 0)
			return labels[i].value;
	}
	return "";
}

static enum amp_filter_verdict run(const struct amp_filter *f, const char *name, const struct amp_label *labels,
				   unsigned label_count, bool name_only)
{
	if (f == NULL || name == NULL)
		return AMP_FILTER_PASS;
	for (unsigned i = 0; i < f->count; i++) {
		const struct amp_filter_rule *r = &f->rules[i];
		const char *subject;
		bool matched;

		if (name_only && r->label[0] != '\0')
			continue;
		subject = rule_subject(r, name, labels, label_count);
		matched = amp_match_full(&r->re, subject, strlen(subject));
		if (matched == (r->action == AMP_FILTER_DROP))
			return r->label[0] == '\0' ? AMP_FILTER_DROPPED_BY_NAME : AMP_FILTER_DROPPED_BY_LABEL;
	}
	return AMP_FILTER_PASS;
}

enum amp_filter_verdict amp_filter_check(const struct amp_filter *f, const char *name, const struct amp_label *labels,
					 unsigned label_count)
{
	return run(f, name, labels, label_count, false);
}

enum amp_filter_verdict amp_filter_check_name(const struct amp_filter *f, const char *name)
{
	return run(f, name, NULL, 0, true);
}
